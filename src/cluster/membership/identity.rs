//! Who a cluster member is: node name + process start + renewal counter + dial address.
//!
//! Two processes never share an identity: the `start` stamp tells a restarted process from
//! the one it replaces, so a restart is never mistaken for a name conflict. Within one
//! process, foca's auto-rejoin bumps `bump` (see [`foca::Identity::renew`]).

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::cluster::peer_addr::PeerAddr;
use crate::cluster::ring::NodeName;

/// Longest node name accepted from the network (bytes).
pub const MAX_NAME_LEN: usize = 1024;
/// Longest advertise address accepted from the network (bytes).
pub const MAX_ADDR_LEN: usize = 512;

/// One OS process acting as a node: its name and start stamp. Records are keyed by this.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ProcessKey {
    /// The node name.
    pub name: NodeName,
    /// Unique start stamp of the process (wall-clock nanoseconds at start, made unique).
    pub start: u64,
}

impl fmt::Debug for ProcessKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}@{:x}", self.name, self.start)
    }
}

/// A member's identity as carried in every gossip packet.
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct NodeIdentity {
    /// The node name (`--cluster.node-name`).
    pub name: NodeName,
    /// Process start stamp; larger = started later.
    pub start: u64,
    /// Bumped each time this process rejoins after being declared down.
    pub bump: u16,
    /// Where peers reach this process.
    pub addr: PeerAddr,
}

impl fmt::Debug for NodeIdentity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}@{:x}#{}({})",
            self.name, self.start, self.bump, self.addr
        )
    }
}

impl NodeIdentity {
    /// A fresh identity for a process started now.
    pub fn new(name: NodeName, start: u64, addr: PeerAddr) -> Self {
        NodeIdentity {
            name,
            start,
            bump: 0,
            addr,
        }
    }

    /// The process this identity belongs to.
    pub fn process(&self) -> ProcessKey {
        ProcessKey {
            name: self.name.clone(),
            start: self.start,
        }
    }

    /// Whether this identity and `other` belong to the same process.
    pub fn same_process(&self, other: &NodeIdentity) -> bool {
        self.start == other.start && self.name == other.name
    }

    /// Whether an identity received from the network is within size limits.
    pub fn is_well_formed(&self) -> bool {
        !self.name.as_str().is_empty()
            && self.name.as_str().len() <= MAX_NAME_LEN
            && !self.addr.as_str().is_empty()
            && self.addr.as_str().len() <= MAX_ADDR_LEN
    }
}

impl foca::Identity for NodeIdentity {
    // One member slot per process: a renewed identity replaces the previous one of the same
    // process, while two processes sharing a name stay two members (our conflict policy
    // decides between them, not foca).
    type Addr = ProcessKey;

    fn renew(&self) -> Option<Self> {
        Some(NodeIdentity {
            bump: self.bump.checked_add(1)?,
            ..self.clone()
        })
    }

    fn addr(&self) -> ProcessKey {
        self.process()
    }

    fn win_addr_conflict(&self, adversary: &Self) -> bool {
        self.bump > adversary.bump
    }
}

/// A start stamp for this process: wall-clock nanoseconds, with random low bits so two
/// processes started in the same instant still differ.
pub fn process_start_stamp() -> u64 {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0);
    (nanos & !0xFFFF) | u64::from(rand::random::<u16>())
}

#[cfg(test)]
mod tests {
    use super::*;
    use foca::Identity;

    #[test]
    fn renew_stays_in_process_and_wins() {
        let id = NodeIdentity::new("a".into(), 7, PeerAddr::new("h:1"));
        let renewed = id.renew().unwrap();
        assert_eq!(renewed.addr(), id.addr());
        assert!(renewed.win_addr_conflict(&id));
        assert!(!id.win_addr_conflict(&renewed));
        assert!(renewed.same_process(&id));

        let other_process = NodeIdentity::new("a".into(), 8, PeerAddr::new("h:1"));
        assert_ne!(other_process.addr(), id.addr());
        assert!(!other_process.same_process(&id));
    }

    #[test]
    fn well_formed_limits() {
        let ok = NodeIdentity::new("a".into(), 1, PeerAddr::new("h:1"));
        assert!(ok.is_well_formed());
        let empty = NodeIdentity::new("".into(), 1, PeerAddr::new("h:1"));
        assert!(!empty.is_well_formed());
        let long = NodeIdentity::new("x".repeat(MAX_NAME_LEN + 1).into(), 1, PeerAddr::new("h:1"));
        assert!(!long.is_well_formed());
    }
}
