//! What membership puts on the wire: the packet envelope and the sync message.
//!
//! Packets (foca SWIM messages) travel as `0xCA, version, cluster label (u64 BE), payload`.
//! The label is the XXH64 of `--cluster.name`, so traffic from another cluster is recognised
//! and dropped before it reaches foca. Sync messages are JSON and carry the name in clear.

use serde::{Deserialize, Serialize};
use xxhash_rust::xxh64::xxh64;

use super::identity::NodeIdentity;
use super::state::NodeRecord;

const PACKET_MAGIC: u8 = 0xCA;
const PACKET_VERSION: u8 = 1;
/// Bytes of envelope before the foca payload.
pub const PACKET_HEADER_LEN: usize = 10;

/// The label that tags every packet of a cluster.
pub fn cluster_label(cluster_name: &str) -> u64 {
    xxh64(cluster_name.as_bytes(), 0)
}

/// Wraps a foca payload in the envelope.
pub fn encode_packet(label: u64, payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(PACKET_HEADER_LEN + payload.len());
    out.push(PACKET_MAGIC);
    out.push(PACKET_VERSION);
    out.extend_from_slice(&label.to_be_bytes());
    out.extend_from_slice(payload);
    out
}

/// Why an inbound packet was dropped before reaching foca.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PacketError {
    /// Too short, wrong magic or unknown version.
    #[error("malformed packet envelope")]
    Malformed,
    /// Sent by a node of another cluster (different `--cluster.name`).
    #[error("packet from another cluster")]
    WrongCluster,
}

/// Checks the envelope and returns the foca payload.
pub fn decode_packet(label: u64, data: &[u8]) -> Result<&[u8], PacketError> {
    if data.len() < PACKET_HEADER_LEN || data[0] != PACKET_MAGIC || data[1] != PACKET_VERSION {
        return Err(PacketError::Malformed);
    }
    let mut l = [0u8; 8];
    l.copy_from_slice(&data[2..10]);
    if u64::from_be_bytes(l) != label {
        return Err(PacketError::WrongCluster);
    }
    Ok(&data[PACKET_HEADER_LEN..])
}

/// One anti-entropy exchange: the sender's membership and node-state records.
///
/// Sent as the request body of `POST /api/v1/cluster/sync`; the response is the receiver's
/// own message of the same shape.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SyncMessage {
    /// `--cluster.name` of the sender.
    pub cluster_name: String,
    /// The sender's current identity.
    pub from: NodeIdentity,
    /// Everything the sender knows about other members (including those it believes down).
    pub members: Vec<foca::Member<NodeIdentity>>,
    /// Every node-state record the sender holds.
    pub records: Vec<NodeRecord>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn envelope() {
        let a = cluster_label("prod");
        let b = cluster_label("staging");
        let p = encode_packet(a, b"hello");
        assert_eq!(decode_packet(a, &p), Ok(&b"hello"[..]));
        assert_eq!(decode_packet(b, &p), Err(PacketError::WrongCluster));
        assert_eq!(decode_packet(a, &p[..5]), Err(PacketError::Malformed));
        let mut bad = p.clone();
        bad[0] = 0;
        assert_eq!(decode_packet(a, &bad), Err(PacketError::Malformed));
        assert_eq!(decode_packet(a, &encode_packet(a, b"")), Ok(&b""[..]));
    }
}
