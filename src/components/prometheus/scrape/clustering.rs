//! Which targets this node scrapes when `clustering { enabled = true }`.
//!
//! Every node computes the same key for the same target (its labels as received, without
//! `__meta_` ones) and the ring names one owner. Targets this node owned before and another
//! node owns now are "moved": their loops stop without staleness markers, because the new
//! owner continues the same series. Targets that left discovery altogether still get markers.

use std::collections::HashSet;
use std::sync::Arc;

use super::target::ScrapeTarget;
use crate::cluster::keys::TargetKey;
use crate::cluster::membership::ClusterView;

/// The result of distributing targets.
#[derive(Debug, Default)]
pub struct Distribution {
    /// Targets this node scrapes.
    pub owned: Vec<Arc<ScrapeTarget>>,
    /// Keys of previously owned targets that still exist but are owned elsewhere now.
    pub moved: HashSet<TargetKey>,
}

/// Picks this node's targets. With clustering off every target is kept; otherwise those the
/// ring assigns to this node (none while the node is not ready).
pub fn distribute(
    targets: &[Arc<ScrapeTarget>],
    clustering: bool,
    view: &ClusterView,
    previously_owned: &HashSet<TargetKey>,
) -> Distribution {
    if !clustering {
        return Distribution {
            owned: targets.to_vec(),
            moved: HashSet::new(),
        };
    }
    let owned: Vec<Arc<ScrapeTarget>> = targets
        .iter()
        .filter(|t| view.owns(t.key))
        .cloned()
        .collect();
    let owned_keys: HashSet<TargetKey> = owned.iter().map(|t| t.key).collect();
    let all_keys: HashSet<TargetKey> = targets.iter().map(|t| t.key).collect();
    let moved = previously_owned
        .iter()
        .filter(|k| !owned_keys.contains(k) && all_keys.contains(k))
        .copied()
        .collect();
    Distribution { owned, moved }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::membership::view::Peer;
    use crate::cluster::membership::NodeState;
    use crate::cluster::peer_addr::PeerAddr;
    use crate::prom::labels::Labels;

    fn target(i: usize) -> Arc<ScrapeTarget> {
        let addr = format!("127.0.0.1:{}", 9000 + i);
        Arc::new(ScrapeTarget {
            key: TargetKey::for_scrape_target([("__address__", addr.as_str())]),
            labels: Labels::from_pairs([("instance", addr.as_str())]),
            discovered: Labels::empty(),
            url: format!("http://{addr}/metrics"),
            scheme: "http".into(),
            address: addr,
            path_and_query: "/metrics".into(),
            interval: std::time::Duration::from_secs(1),
            timeout: std::time::Duration::from_secs(1),
        })
    }

    fn view(me: &str, members: &[&str]) -> ClusterView {
        let mut v =
            ClusterView::standalone(me.into(), PeerAddr::new("x:1"), NodeState::Participant);
        v.enabled = true;
        v.peers = members
            .iter()
            .map(|m| Peer {
                name: (*m).into(),
                addr: PeerAddr::new(format!("{m}:1")),
                state: NodeState::Participant,
                is_self: *m == me,
            })
            .collect();
        v.rebuild_ring_if_needed();
        v
    }

    #[test]
    fn every_target_has_exactly_one_owner_and_moves_are_detected() {
        let targets: Vec<_> = (0..300).map(target).collect();
        let nodes = ["a", "b", "c"];
        let mut seen = HashSet::new();
        let mut counts = Vec::new();
        for n in nodes {
            let d = distribute(&targets, true, &view(n, &nodes), &HashSet::new());
            counts.push(d.owned.len());
            for t in d.owned {
                assert!(seen.insert(t.key), "owned twice");
            }
        }
        assert_eq!(seen.len(), 300);
        assert!(counts.iter().all(|&c| c > 50), "{counts:?}");

        // c leaves: a keeps its targets and gains some; b's previous targets that a now owns
        // are moved for b only if b lost them.
        let before = distribute(&targets, true, &view("a", &nodes), &HashSet::new());
        let prev: HashSet<_> = before.owned.iter().map(|t| t.key).collect();
        let after = distribute(&targets, true, &view("a", &["a", "b"]), &prev);
        assert!(after.moved.is_empty(), "a keeps what it had");
        assert!(after.owned.len() > before.owned.len());
        // A new node d joins: a hands some over (moved), never targets that vanished.
        let with_d = distribute(&targets, true, &view("a", &["a", "b", "c", "d"]), &prev);
        assert!(!with_d.moved.is_empty());
        let fewer = &targets[..10];
        let gone = distribute(fewer, true, &view("a", &nodes), &prev);
        assert!(gone.moved.iter().all(|k| fewer.iter().any(|t| t.key == *k)));
    }

    #[test]
    fn disabled_keeps_everything_and_not_ready_keeps_nothing() {
        let targets: Vec<_> = (0..10).map(target).collect();
        let mut v = view("a", &["a", "b"]);
        assert_eq!(
            distribute(&targets, false, &v, &HashSet::new()).owned.len(),
            10
        );
        v.ready = false;
        let prev: HashSet<_> = targets.iter().map(|t| t.key).collect();
        let d = distribute(&targets, true, &v, &prev);
        assert!(d.owned.is_empty());
        assert_eq!(d.moved.len(), 10);
    }
}
