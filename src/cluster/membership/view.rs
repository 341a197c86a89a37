//! The cluster as seen by this node: what components and the HTTP API read.

use std::sync::Arc;

use serde::Serialize;

use super::state::NodeState;
use crate::cluster::keys::TargetKey;
use crate::cluster::peer_addr::PeerAddr;
use crate::cluster::ring::{LookupError, NodeName, Ring};

/// One live member (viewers included), in the shape of upstream's peers JSON
/// (`{"name", "addr", "isSelf", "state"}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Peer {
    /// Node name.
    pub name: NodeName,
    /// Advertised address.
    pub addr: PeerAddr,
    /// Current state as last heard.
    pub state: NodeState,
    /// Whether this entry is the local node.
    #[serde(rename = "isSelf")]
    pub is_self: bool,
}

/// A consistent snapshot of membership, readiness and the ring.
#[derive(Debug, Clone)]
pub struct ClusterView {
    /// Whether clustering is enabled (`false` = standalone one-node cluster).
    pub enabled: bool,
    /// `--cluster.name`.
    pub cluster_name: String,
    /// This node's name.
    pub self_name: NodeName,
    /// This node's state.
    pub self_state: NodeState,
    /// Every live member including this node, sorted by name then address.
    pub peers: Vec<Peer>,
    /// Names of participants (the read-write ring), sorted and de-duplicated.
    pub participants: Vec<NodeName>,
    /// The ring over `participants` (512 tokens per node).
    pub ring: Arc<Ring>,
    /// Whether clustered components may take work: the first join attempt has finished, the
    /// wait-for-size gate has passed, and this node's name is not held by another live process.
    pub ready: bool,
    /// Set while another live process holds this node's name: this node then owns nothing.
    pub conflict: Option<String>,
    /// Set while this node has join addresses but reached none of them and is alone.
    pub join_failing: bool,
}

impl ClusterView {
    /// The view of a standalone node (clustering disabled): itself only, always ready.
    pub fn standalone(name: NodeName, addr: PeerAddr, state: NodeState) -> Self {
        let mut v = ClusterView {
            enabled: false,
            cluster_name: String::new(),
            self_name: name.clone(),
            self_state: state,
            peers: vec![Peer {
                name,
                addr,
                state,
                is_self: true,
            }],
            participants: Vec::new(),
            ring: Arc::new(Ring::default()),
            ready: true,
            conflict: None,
            join_failing: false,
        };
        v.rebuild_ring_if_needed();
        v
    }

    /// Whether this node should take the work item with `key`.
    ///
    /// Upstream's rule: owned = ready ∧ (no participants ∨ owner is self). A node that is not
    /// a participant never owns anything once participants exist (this also covers two
    /// processes sharing a name).
    pub fn owns(&self, key: TargetKey) -> bool {
        if !self.ready {
            return false;
        }
        match self.ring.owner(key.0) {
            None => true,
            Some(owner) => *owner == self.self_name && self.self_state == NodeState::Participant,
        }
    }

    /// The owner of `key`, if there are participants.
    pub fn owner(&self, key: TargetKey) -> Option<&NodeName> {
        self.ring.owner(key.0)
    }

    /// `n` distinct owners of `key` in ring order (upstream `Lookup(key, n, OpReadWrite)`).
    pub fn lookup(&self, key: TargetKey, n: usize) -> Result<Vec<&NodeName>, LookupError> {
        self.ring.lookup(key.0, n)
    }

    /// Participant and terminating peers only: what upstream's `Peers()` and
    /// `/api/v0/web/peers` return.
    pub fn non_viewer_peers(&self) -> impl Iterator<Item = &Peer> {
        self.peers.iter().filter(|p| p.state != NodeState::Viewer)
    }

    /// Rebuilds `participants` from `peers` and the ring if the participant set changed.
    pub(crate) fn rebuild_ring_if_needed(&mut self) {
        let mut names: Vec<NodeName> = self
            .peers
            .iter()
            .filter(|p| p.state == NodeState::Participant)
            .map(|p| p.name.clone())
            .collect();
        names.sort();
        names.dedup();
        if names != self.participants || self.ring.nodes() != names.as_slice() {
            self.ring = Arc::new(Ring::with_default_tokens(names.iter().cloned()));
            self.participants = names;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn peer(name: &str, state: NodeState, is_self: bool) -> Peer {
        Peer {
            name: name.into(),
            addr: PeerAddr::new(format!("{name}:1")),
            state,
            is_self,
        }
    }

    #[test]
    fn ownership_rule() {
        let mut v = ClusterView::standalone("a".into(), PeerAddr::new("a:1"), NodeState::Viewer);
        // No participants: a ready node owns everything (even as a viewer).
        assert!(v.owns(TargetKey(1)));
        v.enabled = true;
        v.peers = vec![
            peer("a", NodeState::Viewer, true),
            peer("b", NodeState::Participant, false),
        ];
        v.rebuild_ring_if_needed();
        assert_eq!(v.participants, vec![NodeName::from("b")]);
        assert!(
            !v.owns(TargetKey(1)),
            "viewer owns nothing once participants exist"
        );

        v.self_state = NodeState::Participant;
        v.peers[0].state = NodeState::Participant;
        v.rebuild_ring_if_needed();
        let mine = (0..1000u64)
            .map(|i| TargetKey(xxhash_rust::xxh64::xxh64(&i.to_le_bytes(), 0)))
            .filter(|k| v.owns(*k))
            .count();
        assert!((300..700).contains(&mine), "{mine}");
        for i in 0..100u64 {
            let k = TargetKey(i.wrapping_mul(0x9E37_79B9_7F4A_7C15));
            assert_eq!(v.owns(k), v.owner(k) == Some(&NodeName::from("a")));
        }
        v.ready = false;
        assert!((0..100u64).all(|i| !v.owns(TargetKey(i << 50))));
    }

    #[test]
    fn ring_reused_when_participants_unchanged() {
        let mut v =
            ClusterView::standalone("a".into(), PeerAddr::new("a:1"), NodeState::Participant);
        let before = Arc::clone(&v.ring);
        v.peers.push(peer("c", NodeState::Viewer, false));
        v.rebuild_ring_if_needed();
        assert!(Arc::ptr_eq(&before, &v.ring));
        v.peers.push(peer("d", NodeState::Participant, false));
        v.rebuild_ring_if_needed();
        assert!(!Arc::ptr_eq(&before, &v.ring));
        assert_eq!(v.non_viewer_peers().count(), 2);
    }

    #[test]
    fn peer_json_shape() {
        let p = peer("a", NodeState::Participant, true);
        let j = serde_json::to_value(&p).unwrap();
        assert_eq!(
            j,
            serde_json::json!({"name": "a", "addr": "a:1", "state": "participant", "isSelf": true})
        );
    }
}
