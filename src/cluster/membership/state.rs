//! Per-node state (viewer → participant → terminating) as node-owned versioned records.
//!
//! Only the process a record is about ever creates a new version of it, so "newest version
//! wins" is all the ordering needed (no Lamport clock). Records travel two ways: as foca
//! custom broadcasts (fast, best effort) and inside every anti-entropy sync (so late joiners
//! and nodes that missed a broadcast converge).

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard};

use serde::{Deserialize, Serialize};

use super::identity::{ProcessKey, MAX_NAME_LEN};
use crate::cluster::ring::NodeName;

/// The state of a node, as upstream's `peer.State`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum NodeState {
    /// Member of the cluster that owns no work (the state every node starts in).
    Viewer,
    /// Owns work: part of the read-write ring.
    Participant,
    /// Shutting down: no longer owns work.
    Terminating,
}

impl NodeState {
    /// Lower-case name used in JSON and metric labels.
    pub fn as_str(self) -> &'static str {
        match self {
            NodeState::Viewer => "viewer",
            NodeState::Participant => "participant",
            NodeState::Terminating => "terminating",
        }
    }

    /// Whether a node may move from `self` to `next` (viewer→participant, participant→terminating).
    pub fn can_transition_to(self, next: NodeState) -> bool {
        matches!(
            (self, next),
            (NodeState::Viewer, NodeState::Participant)
                | (NodeState::Participant, NodeState::Terminating)
        )
    }

    fn to_byte(self) -> u8 {
        match self {
            NodeState::Viewer => 0,
            NodeState::Participant => 1,
            NodeState::Terminating => 2,
        }
    }

    fn from_byte(b: u8) -> Option<Self> {
        match b {
            0 => Some(NodeState::Viewer),
            1 => Some(NodeState::Participant),
            2 => Some(NodeState::Terminating),
            _ => None,
        }
    }
}

impl fmt::Display for NodeState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A node's statement of its own state at a version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NodeRecord {
    /// The process the record is about (and from).
    pub process: ProcessKey,
    /// Increases with every change the process makes.
    pub version: u64,
    /// The state.
    pub state: NodeState,
}

/// First byte of an encoded record (lets the format evolve).
const RECORD_MAGIC: u8 = 0xB1;
const RECORD_HEADER: usize = 1 + 1 + 8 + 8 + 2;

/// A broadcast record that cannot be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("malformed node-state record: {0}")]
pub struct RecordDecodeError(pub &'static str);

impl NodeRecord {
    /// Binary form used in broadcasts: magic, state, version, start (u64 BE), name length
    /// (u16 BE), name bytes.
    pub fn encode(&self) -> Vec<u8> {
        let name = self.process.name.as_str().as_bytes();
        let name_len = name.len().min(MAX_NAME_LEN);
        let mut out = Vec::with_capacity(RECORD_HEADER + name_len);
        out.push(RECORD_MAGIC);
        out.push(self.state.to_byte());
        out.extend_from_slice(&self.version.to_be_bytes());
        out.extend_from_slice(&self.process.start.to_be_bytes());
        out.extend_from_slice(&(name_len as u16).to_be_bytes());
        out.extend_from_slice(&name[..name_len]);
        out
    }

    /// Inverse of [`NodeRecord::encode`]; never panics on arbitrary input.
    pub fn decode(data: &[u8]) -> Result<Self, RecordDecodeError> {
        if data.len() < RECORD_HEADER {
            return Err(RecordDecodeError("too short"));
        }
        if data[0] != RECORD_MAGIC {
            return Err(RecordDecodeError("bad magic"));
        }
        let state = NodeState::from_byte(data[1]).ok_or(RecordDecodeError("unknown state"))?;
        let u64_at = |at: usize| {
            let mut b = [0u8; 8];
            b.copy_from_slice(&data[at..at + 8]);
            u64::from_be_bytes(b)
        };
        let version = u64_at(2);
        let start = u64_at(10);
        let name_len = usize::from(u16::from_be_bytes([data[18], data[19]]));
        let name_bytes = &data[RECORD_HEADER..];
        if name_bytes.len() != name_len {
            return Err(RecordDecodeError("name length mismatch"));
        }
        if name_len == 0 || name_len > MAX_NAME_LEN {
            return Err(RecordDecodeError("bad name length"));
        }
        let name =
            std::str::from_utf8(name_bytes).map_err(|_| RecordDecodeError("name is not UTF-8"))?;
        Ok(NodeRecord {
            process: ProcessKey {
                name: NodeName::from(name),
                start,
            },
            version,
            state,
        })
    }
}

/// Outcome of merging one record into the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MergeOutcome {
    /// New information: stored (and worth passing on).
    Applied,
    /// Same or older version than what is known.
    Stale,
    /// A newer version whose state goes backwards (e.g. participant → viewer): rejected.
    InvalidTransition,
    /// A record about this very process from someone else: ignored, we are authoritative.
    AboutSelf,
}

/// Counters of record traffic, read by the metrics layer.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RecordCounters {
    /// Records received (broadcast or sync).
    pub received: u64,
    /// Records that changed the table.
    pub applied: u64,
    /// Records rejected for going backwards.
    pub invalid: u64,
    /// Broadcast items that did not decode.
    pub malformed: u64,
}

/// The table of latest records, shared between the membership core and foca's broadcast
/// handler (foca owns the handler, so the table sits behind a mutex; only the owner task
/// ever locks it, so it is never contended).
#[derive(Debug, Clone)]
pub struct RecordTable {
    inner: Arc<Mutex<Records>>,
}

#[derive(Debug)]
struct Records {
    self_process: ProcessKey,
    map: HashMap<ProcessKey, NodeRecord>,
    counters: RecordCounters,
    changed: bool,
}

impl RecordTable {
    /// An empty table for the process `self_process`.
    pub fn new(self_process: ProcessKey) -> Self {
        RecordTable {
            inner: Arc::new(Mutex::new(Records {
                self_process,
                map: HashMap::new(),
                counters: RecordCounters::default(),
                changed: false,
            })),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Records> {
        // A panic while holding the lock cannot leave the map inconsistent (single inserts).
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Stores this process's own record (always accepted).
    pub fn set_own(&self, record: NodeRecord) {
        let mut r = self.lock();
        r.map.insert(record.process.clone(), record);
        r.changed = true;
    }

    /// Merges a record received from the network.
    pub fn merge(&self, record: NodeRecord) -> MergeOutcome {
        let mut r = self.lock();
        r.counters.received += 1;
        if record.process == r.self_process {
            return MergeOutcome::AboutSelf;
        }
        let outcome = match r.map.get(&record.process) {
            Some(known) if record.version <= known.version => MergeOutcome::Stale,
            Some(known) if record.state < known.state => MergeOutcome::InvalidTransition,
            _ => MergeOutcome::Applied,
        };
        match outcome {
            MergeOutcome::Applied => {
                r.counters.applied += 1;
                r.map.insert(record.process.clone(), record);
                r.changed = true;
            }
            MergeOutcome::InvalidTransition => r.counters.invalid += 1,
            _ => {}
        }
        outcome
    }

    /// The state of `process`, viewer when nothing is known (as upstream).
    pub fn state_of(&self, process: &ProcessKey) -> NodeState {
        self.lock()
            .map
            .get(process)
            .map_or(NodeState::Viewer, |r| r.state)
    }

    /// Every stored record (for sync payloads).
    pub fn all(&self) -> Vec<NodeRecord> {
        self.lock().map.values().cloned().collect()
    }

    /// Drops records whose process fails `keep` (own record always kept).
    pub fn retain(&self, mut keep: impl FnMut(&ProcessKey) -> bool) {
        let mut r = self.lock();
        let me = r.self_process.clone();
        let before = r.map.len();
        r.map.retain(|k, _| *k == me || keep(k));
        if r.map.len() != before {
            r.changed = true;
        }
    }

    /// Number of stored records.
    pub fn len(&self) -> usize {
        self.lock().map.len()
    }

    /// Whether the table is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Returns and clears the "something changed" flag.
    pub fn take_changed(&self) -> bool {
        std::mem::take(&mut self.lock().changed)
    }

    /// Record traffic counters so far.
    pub fn counters(&self) -> RecordCounters {
        self.lock().counters
    }

    fn count_malformed(&self) {
        self.lock().counters.malformed += 1;
    }
}

/// Identifies a broadcast record so a newer version replaces an older one still queued.
#[derive(Debug, Clone)]
pub struct RecordKey {
    process: ProcessKey,
    version: u64,
}

impl foca::Invalidates for RecordKey {
    fn invalidates(&self, other: &Self) -> bool {
        self.process == other.process && self.version >= other.version
    }
}

/// foca broadcast handler: decodes records, merges them, and asks foca to pass on news.
pub struct RecordBroadcasts {
    table: RecordTable,
}

impl RecordBroadcasts {
    /// A handler merging into `table`.
    pub fn new(table: RecordTable) -> Self {
        RecordBroadcasts { table }
    }
}

impl<T> foca::BroadcastHandler<T> for RecordBroadcasts {
    type Key = RecordKey;
    type Error = RecordDecodeError;

    fn receive_item(
        &mut self,
        data: &[u8],
        sender: Option<&T>,
    ) -> Result<Option<RecordKey>, RecordDecodeError> {
        let record = match NodeRecord::decode(data) {
            Ok(r) => r,
            Err(e) => {
                self.table.count_malformed();
                return Err(e);
            }
        };
        let key = RecordKey {
            process: record.process.clone(),
            version: record.version,
        };
        // Our own records are added locally (sender None) and always disseminated.
        if sender.is_none() {
            return Ok(Some(key));
        }
        match self.table.merge(record) {
            MergeOutcome::Applied => Ok(Some(key)),
            _ => Ok(None),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(name: &str, start: u64) -> ProcessKey {
        ProcessKey {
            name: name.into(),
            start,
        }
    }

    fn rec(name: &str, start: u64, version: u64, state: NodeState) -> NodeRecord {
        NodeRecord {
            process: key(name, start),
            version,
            state,
        }
    }

    #[test]
    fn transitions() {
        use NodeState::*;
        assert!(Viewer.can_transition_to(Participant));
        assert!(Participant.can_transition_to(Terminating));
        assert!(!Viewer.can_transition_to(Terminating));
        assert!(!Participant.can_transition_to(Viewer));
        assert!(!Terminating.can_transition_to(Participant));
        assert!(!Viewer.can_transition_to(Viewer));
    }

    #[test]
    fn encode_roundtrip_and_garbage() {
        let r = rec("node-a", 0xdead_beef, 42, NodeState::Participant);
        assert_eq!(NodeRecord::decode(&r.encode()), Ok(r.clone()));
        let enc = r.encode();
        for cut in 0..enc.len() {
            assert!(NodeRecord::decode(&enc[..cut]).is_err());
        }
        let mut bad_state = enc.clone();
        bad_state[1] = 9;
        assert!(NodeRecord::decode(&bad_state).is_err());
        let mut bad_utf8 = enc;
        let last = bad_utf8.len() - 1;
        bad_utf8[last] = 0xFF;
        assert!(NodeRecord::decode(&bad_utf8).is_err());
    }

    #[test]
    fn merge_rules() {
        let t = RecordTable::new(key("me", 1));
        assert_eq!(
            t.merge(rec("me", 1, 9, NodeState::Terminating)),
            MergeOutcome::AboutSelf
        );
        assert_eq!(
            t.merge(rec("b", 5, 1, NodeState::Viewer)),
            MergeOutcome::Applied
        );
        assert_eq!(
            t.merge(rec("b", 5, 1, NodeState::Viewer)),
            MergeOutcome::Stale
        );
        assert_eq!(
            t.merge(rec("b", 5, 3, NodeState::Terminating)),
            MergeOutcome::Applied
        );
        assert_eq!(
            t.merge(rec("b", 5, 2, NodeState::Participant)),
            MergeOutcome::Stale
        );
        assert_eq!(
            t.merge(rec("b", 5, 4, NodeState::Participant)),
            MergeOutcome::InvalidTransition
        );
        assert_eq!(t.state_of(&key("b", 5)), NodeState::Terminating);
        // Another process with the same name is a separate record.
        assert_eq!(
            t.merge(rec("b", 6, 1, NodeState::Participant)),
            MergeOutcome::Applied
        );
        assert_eq!(t.state_of(&key("b", 6)), NodeState::Participant);
        assert_eq!(t.state_of(&key("unknown", 1)), NodeState::Viewer);
        let c = t.counters();
        assert_eq!((c.received, c.applied, c.invalid), (7, 3, 1));
        t.retain(|k| k.start == 6);
        assert_eq!(t.len(), 1);
    }

    #[test]
    fn broadcast_handler_disseminates_news_only() {
        use foca::BroadcastHandler;
        let t = RecordTable::new(key("me", 1));
        let mut h = RecordBroadcasts::new(t.clone());
        let sender = 0u8;
        let r = rec("b", 5, 1, NodeState::Participant).encode();
        assert!(h.receive_item(&r, Some(&sender)).unwrap().is_some());
        assert!(h.receive_item(&r, Some(&sender)).unwrap().is_none());
        assert!(h.receive_item(&[1, 2, 3], Some(&sender)).is_err());
        assert_eq!(t.counters().malformed, 1);
        // Local additions are always disseminated.
        let own = rec("me", 1, 2, NodeState::Participant).encode();
        assert!(h.receive_item(&own, None::<&u8>).unwrap().is_some());
    }
}
