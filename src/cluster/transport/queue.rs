//! A bounded FIFO that drops its oldest item when full (gossip prefers fresh news), with
//! an async wake-up for the single consumer.

use std::collections::VecDeque;
use std::sync::{Mutex, MutexGuard};

use tokio::sync::Notify;

/// Bounded drop-oldest queue, shared between producers and one consumer.
#[derive(Debug)]
pub struct DropOldestQueue<T> {
    items: Mutex<Inner<T>>,
    notify: Notify,
    capacity: usize,
}

#[derive(Debug)]
struct Inner<T> {
    queue: VecDeque<T>,
    closed: bool,
}

impl<T> DropOldestQueue<T> {
    /// A queue holding at most `capacity` items (at least 1).
    pub fn new(capacity: usize) -> Self {
        DropOldestQueue {
            items: Mutex::new(Inner {
                queue: VecDeque::new(),
                closed: false,
            }),
            notify: Notify::new(),
            capacity: capacity.max(1),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner<T>> {
        // Pushes and pops cannot leave the deque inconsistent, so a poisoned lock is usable.
        self.items.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Adds an item; returns how many old items were dropped to make room (0 or 1), or
    /// `None` when the queue is closed (the item is discarded).
    pub fn push(&self, item: T) -> Option<usize> {
        let mut inner = self.lock();
        if inner.closed {
            return None;
        }
        let mut dropped = 0;
        while inner.queue.len() >= self.capacity {
            inner.queue.pop_front();
            dropped += 1;
        }
        inner.queue.push_back(item);
        drop(inner);
        self.notify.notify_one();
        Some(dropped)
    }

    /// Takes up to `max` items, oldest first.
    pub fn drain(&self, max: usize) -> Vec<T> {
        let mut inner = self.lock();
        let n = inner.queue.len().min(max);
        inner.queue.drain(..n).collect()
    }

    /// Number of queued items.
    pub fn len(&self) -> usize {
        self.lock().queue.len()
    }

    /// Whether nothing is queued.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Waits until an item may be available (spurious wake-ups are possible).
    pub async fn wait(&self) {
        if !self.is_empty() {
            return;
        }
        self.notify.notified().await;
    }

    /// Closes the queue if it is empty; returns whether it is now closed. Used by an idle
    /// consumer to exit without losing an item pushed concurrently.
    pub fn close_if_empty(&self) -> bool {
        let mut inner = self.lock();
        if inner.queue.is_empty() {
            inner.closed = true;
        }
        inner.closed
    }

    /// Closes the queue and discards what it holds (the consumer is going away).
    pub fn close(&self) {
        let mut inner = self.lock();
        inner.closed = true;
        inner.queue.clear();
    }

    /// Whether the queue has been closed.
    pub fn is_closed(&self) -> bool {
        self.lock().closed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drops_oldest_when_full() {
        let q = DropOldestQueue::new(2);
        assert_eq!(q.push(1), Some(0));
        assert_eq!(q.push(2), Some(0));
        assert_eq!(q.push(3), Some(1));
        assert_eq!(q.drain(10), vec![2, 3]);
        assert!(q.is_empty());
    }

    #[test]
    fn close_only_when_empty() {
        let q = DropOldestQueue::new(2);
        q.push(1);
        assert!(!q.close_if_empty());
        q.drain(1);
        assert!(q.close_if_empty());
        assert_eq!(q.push(5), None);
    }

    #[tokio::test]
    async fn wait_wakes_on_push() {
        let q = std::sync::Arc::new(DropOldestQueue::new(4));
        let q2 = q.clone();
        let t = tokio::spawn(async move {
            q2.wait().await;
            q2.drain(4)
        });
        tokio::task::yield_now().await;
        q.push(7);
        assert_eq!(t.await.unwrap(), vec![7]);
    }
}
