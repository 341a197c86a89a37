//! Coalescing rate limiter for view notifications: at most one per interval (burst 1), and
//! the last change is never lost — a change inside the quiet period is published when it ends.

use std::time::Duration;

/// Token bucket of size one with a pending flag.
#[derive(Debug, Clone)]
pub struct Throttle {
    interval: Duration,
    last: Option<Duration>,
    pending: bool,
}

impl Throttle {
    /// A throttle allowing one publication per `interval`.
    pub fn new(interval: Duration) -> Self {
        Throttle {
            interval,
            last: None,
            pending: false,
        }
    }

    /// Records a change; returns true if it may be published right now (then call
    /// [`Throttle::published`]).
    pub fn changed(&mut self, now: Duration) -> bool {
        self.pending = true;
        self.due(now)
    }

    /// Whether a pending change may be published at `now`.
    pub fn due(&self, now: Duration) -> bool {
        self.pending && self.last.is_none_or(|l| now >= l + self.interval)
    }

    /// When a pending change becomes publishable, if one is pending.
    pub fn next_due(&self) -> Option<Duration> {
        if !self.pending {
            return None;
        }
        Some(self.last.map_or(Duration::ZERO, |l| l + self.interval))
    }

    /// Marks a publication at `now`.
    pub fn published(&mut self, now: Duration) {
        self.pending = false;
        self.last = Some(now);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_per_interval_and_last_change_kept() {
        let ms = Duration::from_millis;
        let mut t = Throttle::new(ms(1000));
        assert!(t.changed(ms(0)));
        t.published(ms(0));
        assert!(!t.changed(ms(100)));
        assert!(!t.changed(ms(500)));
        assert_eq!(t.next_due(), Some(ms(1000)));
        assert!(!t.due(ms(999)));
        assert!(t.due(ms(1000)));
        t.published(ms(1000));
        assert_eq!(t.next_due(), None);
        // A quiet period longer than the interval: the next change goes out at once.
        assert!(t.changed(ms(5000)));
    }
}
