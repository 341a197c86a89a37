//! SWIM timing: our defaults and how they map onto foca's configuration.
//!
//! Failure detection: each node probes one random member every `probe_period` (2 s); a member
//! that answers neither directly within `probe_rtt` (1 s) nor through 3 indirect probes is
//! suspected, and declared down `suspicion_base` (8 s) × max(1, log10 N) later unless it
//! refutes. A crashed node is therefore removed everywhere in about 10–15 s in clusters of
//! up to 10 nodes (measured: ~12 s on loopback with 3 nodes; simulation: 10–15 s for 3–30
//! nodes, ~25 s for 100), versus 20–120 s upstream (ckit: 5 s probes, 20 s+ suspicion).

use std::num::{NonZeroU32, NonZeroU8, NonZeroUsize};
use std::time::Duration;

use foca::PeriodicParams;

/// Protocol timings. Defaults give crash detection in roughly 10–14 s for clusters of up to
/// 10 nodes (probe period 2 s + suspicion 8 s, plus gossip), growing with log10 of the size
/// (about 20 s at 100 nodes).
#[derive(Debug, Clone, PartialEq)]
pub struct Timing {
    /// How often each node probes one random member.
    pub probe_period: Duration,
    /// How long to wait for a direct ack before asking others to probe indirectly.
    pub probe_rtt: Duration,
    /// Suspicion timeout for clusters of up to 10 nodes; multiplied by log10(size) above.
    pub suspicion_base: Duration,
    /// How often updates are gossiped to 3 random members.
    pub gossip_interval: Duration,
    /// Anti-entropy sync period for clusters of up to 32 nodes (scaled up above).
    pub sync_interval: Duration,
    /// `--cluster.rejoin-interval`; zero disables periodic rejoin.
    pub rejoin_interval: Duration,
    /// First retry delay after a failed join round.
    pub join_backoff_min: Duration,
    /// Largest retry delay after failed join rounds.
    pub join_backoff_max: Duration,
    /// Longest wait for a peer to acknowledge our terminating state before leaving.
    pub leave_ack_timeout: Duration,
    /// How long to stay terminating (reachable, owning nothing) before leaving, so every
    /// peer's rate-limited notification sees us leave the ring while we still answer.
    pub terminating_hold: Duration,
    /// Delay between checks of an unreachable older holder of our name.
    pub conflict_recheck: Duration,
    /// Records of processes that are no longer members are forgotten after this long.
    pub record_grace: Duration,
    /// How long a down identity is remembered (foca `remove_down_after`).
    pub remove_down_after: Duration,
    /// Largest SWIM packet produced or accepted.
    pub max_packet_size: usize,
}

impl Default for Timing {
    fn default() -> Self {
        Timing {
            probe_period: Duration::from_secs(2),
            probe_rtt: Duration::from_secs(1),
            suspicion_base: Duration::from_secs(8),
            gossip_interval: Duration::from_millis(200),
            sync_interval: Duration::from_secs(30),
            rejoin_interval: Duration::from_secs(60),
            join_backoff_min: Duration::from_secs(1),
            join_backoff_max: Duration::from_secs(30),
            leave_ack_timeout: Duration::from_secs(5),
            terminating_hold: Duration::from_secs(1),
            conflict_recheck: Duration::from_secs(5),
            record_grace: Duration::from_secs(60),
            remove_down_after: Duration::from_secs(2 * 3600),
            max_packet_size: 32 * 1024,
        }
    }
}

/// foca settings for a cluster of `size` nodes (see [`Timing`]).
pub(crate) fn foca_config(t: &Timing, size: usize) -> foca::Config {
    let n = u32::try_from(size.max(1)).unwrap_or(u32::MAX);
    let mut c = foca::Config::new_lan(NonZeroU32::new(n).unwrap_or(NonZeroU32::MIN));
    c.probe_period = t.probe_period;
    c.probe_rtt = t.probe_rtt;
    c.suspect_to_down_after = t.suspicion_base.mul_f64(f64::from(n).log10().max(1.0));
    // Retransmit generously: gossip over HTTP is cheap and small clusters get few tries.
    c.max_transmissions = c
        .max_transmissions
        .max(NonZeroU8::new(6).unwrap_or(NonZeroU8::MIN));
    c.max_packet_size = NonZeroUsize::new(t.max_packet_size).unwrap_or(NonZeroUsize::MIN);
    c.remove_down_after = Some(t.remove_down_after);
    c.periodic_gossip = Some(PeriodicParams {
        frequency: t.gossip_interval,
        num_members: NonZeroUsize::new(3).unwrap_or(NonZeroUsize::MIN),
    });
    c
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn foca_config_scales_suspicion() {
        let t = Timing::default();
        assert_eq!(
            foca_config(&t, 3).suspect_to_down_after,
            Duration::from_secs(8)
        );
        assert_eq!(
            foca_config(&t, 10).suspect_to_down_after,
            Duration::from_secs(8)
        );
        assert_eq!(
            foca_config(&t, 100).suspect_to_down_after,
            Duration::from_secs(16)
        );
        assert!(foca_config(&t, 3).max_transmissions.get() >= 6);
    }
}
