//! A min-heap of timers keyed by due time (offsets from the core's time origin).

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::time::Duration;

/// Min-heap of timers keyed by (due time, insertion order).
pub(crate) struct TimerQueue<E> {
    heap: BinaryHeap<Reverse<(Duration, u64)>>,
    events: HashMap<u64, E>,
    seq: u64,
}

impl<E> TimerQueue<E> {
    pub(crate) fn push(&mut self, at: Duration, ev: E) {
        self.seq += 1;
        self.heap.push(Reverse((at, self.seq)));
        self.events.insert(self.seq, ev);
    }

    pub(crate) fn next(&self) -> Option<Duration> {
        self.heap.peek().map(|Reverse((at, _))| *at)
    }

    pub(crate) fn pop_due(&mut self, now: Duration) -> Option<E> {
        match self.heap.peek() {
            Some(Reverse((at, _))) if *at <= now => {
                let Reverse((_, seq)) = self.heap.pop()?;
                self.events.remove(&seq)
            }
            _ => None,
        }
    }
}

impl<E> Default for TimerQueue<E> {
    fn default() -> Self {
        TimerQueue {
            heap: BinaryHeap::new(),
            events: HashMap::new(),
            seq: 0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pops_in_due_order_then_insertion_order() {
        let s = Duration::from_secs;
        let mut q = TimerQueue::default();
        q.push(s(5), "late");
        q.push(s(1), "first");
        q.push(s(1), "second");
        assert_eq!(q.next(), Some(s(1)));
        assert_eq!(q.pop_due(s(0)), None);
        assert_eq!(q.pop_due(s(1)), Some("first"));
        assert_eq!(q.pop_due(s(1)), Some("second"));
        assert_eq!(q.pop_due(s(4)), None);
        assert_eq!(q.pop_due(s(9)), Some("late"));
        assert_eq!(q.next(), None);
    }
}
