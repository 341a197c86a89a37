//! The `--cluster.wait-for-size` / `--cluster.wait-timeout` admission gate (spec §3.4).
//!
//! Times are offsets from an arbitrary origin (the owner task's start), so the gate is a pure
//! state machine that tests and the simulation drive without a clock.

use std::time::Duration;

/// Where the gate stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GateState {
    /// Fewer than `wait_for_size` non-viewer peers and the deadline has not passed.
    NotReady,
    /// Enough non-viewer peers.
    Ready,
    /// The deadline passed before enough peers arrived: proceed with what is there.
    DeadlinePassed,
}

/// The admission gate.
#[derive(Debug, Clone)]
pub struct ReadinessGate {
    wait_for_size: usize,
    wait_timeout: Duration,
    state: GateState,
    deadline: Option<Duration>,
}

impl ReadinessGate {
    /// A gate starting NotReady at `now`; with a timeout, the deadline is armed.
    pub fn new(wait_for_size: usize, wait_timeout: Duration, now: Duration) -> Self {
        ReadinessGate {
            wait_for_size,
            wait_timeout,
            state: GateState::NotReady,
            deadline: (!wait_timeout.is_zero()).then(|| now + wait_timeout),
        }
    }

    /// Current state.
    pub fn state(&self) -> GateState {
        self.state
    }

    /// Whether work may be taken: always with `wait_for_size` 0, else Ready or DeadlinePassed.
    pub fn ready(&self) -> bool {
        self.wait_for_size == 0 || self.state != GateState::NotReady
    }

    /// When the armed deadline fires, if any.
    pub fn deadline(&self) -> Option<Duration> {
        self.deadline
    }

    /// Re-evaluates on a membership notification; `non_viewers` counts participants and
    /// terminating peers (self included once participant).
    pub fn on_update(&mut self, non_viewers: usize, now: Duration) {
        if non_viewers >= self.wait_for_size {
            self.state = GateState::Ready;
            self.deadline = None;
        } else if self.state == GateState::DeadlinePassed {
            // Once given up waiting, keep going with what is there.
        } else {
            if self.state == GateState::Ready && !self.wait_timeout.is_zero() {
                self.deadline = Some(now + self.wait_timeout);
            }
            self.state = GateState::NotReady;
        }
    }

    /// Fires the deadline if due; returns true when the state changed (which must trigger a
    /// notification even though membership did not change).
    pub fn on_time(&mut self, now: Duration) -> bool {
        match self.deadline {
            Some(d) if now >= d && self.state == GateState::NotReady => {
                self.state = GateState::DeadlinePassed;
                self.deadline = None;
                true
            }
            Some(d) if now >= d => {
                self.deadline = None;
                false
            }
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: fn(u64) -> Duration = Duration::from_secs;

    #[test]
    fn disabled_gate_is_always_ready() {
        let g = ReadinessGate::new(0, Duration::ZERO, S(0));
        assert!(g.ready());
        assert_eq!(g.deadline(), None);
    }

    #[test]
    fn waits_for_size_then_drops_back() {
        let mut g = ReadinessGate::new(3, Duration::ZERO, S(0));
        assert!(!g.ready());
        g.on_update(2, S(1));
        assert!(!g.ready());
        g.on_update(3, S(2));
        assert_eq!(g.state(), GateState::Ready);
        g.on_update(2, S(3));
        assert_eq!(g.state(), GateState::NotReady);
        assert_eq!(g.deadline(), None, "no timeout configured: wait forever");
    }

    #[test]
    fn deadline_passes_and_sticks() {
        let mut g = ReadinessGate::new(3, S(10), S(0));
        assert_eq!(g.deadline(), Some(S(10)));
        g.on_update(1, S(5));
        assert!(!g.on_time(S(9)));
        assert!(g.on_time(S(10)));
        assert_eq!(g.state(), GateState::DeadlinePassed);
        assert!(g.ready());
        g.on_update(1, S(11));
        assert_eq!(
            g.state(),
            GateState::DeadlinePassed,
            "stays after giving up"
        );
        g.on_update(3, S(12));
        assert_eq!(g.state(), GateState::Ready);
    }

    #[test]
    fn timer_rearmed_when_falling_from_ready() {
        let mut g = ReadinessGate::new(2, S(10), S(0));
        g.on_update(2, S(1));
        assert_eq!(g.deadline(), None, "cancelled when ready");
        g.on_update(1, S(20));
        assert_eq!(g.state(), GateState::NotReady);
        assert_eq!(g.deadline(), Some(S(30)));
        assert!(!g.on_time(S(29)));
        assert!(g.on_time(S(30)));
        assert!(g.ready());
    }
}
