//! The consistent-hash ring that assigns keys to cluster nodes.
//!
//! Byte-compatible with upstream ckit's `shard.Ring`: for the same participant names and the
//! same key, this ring picks the same owner as Grafana Agent Flow / Alloy.
//!
//! * Hash: XXH64 with seed 0.
//! * Tokens: each node gets `tokens_per_node` tokens derived only from its name. Token `t` is the
//!   XXH64 of the name followed by the bytes `0, 1, …, 255, 0, 1, …` (`t + 1` bytes in total), i.e.
//!   the running digest of a streaming hasher fed one extra byte per token.
//! * Order: all `(token, node)` pairs sorted by token, ties broken by node name (bytewise).
//! * Lookup: the first token `>= key`, wrapping to the start; then distinct owners in ring order.

use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use xxhash_rust::xxh64::{xxh64, Xxh64};

/// Number of tokens per node used by Alloy (`shard.Ring(512)`).
pub const DEFAULT_TOKENS_PER_NODE: usize = 512;

/// The seed used for every hash in the cluster layer (upstream uses 0 everywhere).
pub const HASH_SEED: u64 = 0;

/// The name of a cluster node (`--cluster.node-name`). Ordering is bytewise, as upstream.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct NodeName(Arc<str>);

impl NodeName {
    /// Wraps a node name.
    pub fn new(name: impl Into<Arc<str>>) -> Self {
        NodeName(name.into())
    }

    /// The name as a string slice.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for NodeName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for NodeName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.0, f)
    }
}

impl From<&str> for NodeName {
    fn from(s: &str) -> Self {
        NodeName::new(s)
    }
}

impl From<String> for NodeName {
    fn from(s: String) -> Self {
        NodeName::new(s)
    }
}

impl AsRef<str> for NodeName {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// XXH64 (seed 0) of a string: upstream's `shard.StringKey`.
pub fn string_key(s: &str) -> u64 {
    xxh64(s.as_bytes(), HASH_SEED)
}

/// Why a ring lookup could not return the requested number of owners.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LookupError {
    /// More distinct owners were requested than there are nodes in the ring.
    #[error("requested {requested} owners but the ring only has {available} nodes")]
    NotEnoughNodes {
        /// Number of owners asked for.
        requested: usize,
        /// Number of nodes in the ring.
        available: usize,
    },
}

/// An immutable consistent-hash ring over a set of node names.
///
/// Tokens are stored as two parallel arrays (token, node index) so a 1 000-node ring with 512
/// tokens per node costs about 6 MB instead of a string header per token.
#[derive(Clone, PartialEq, Eq)]
pub struct Ring {
    tokens_per_node: usize,
    /// Distinct node names, sorted bytewise; an index into this vector identifies a node.
    nodes: Vec<NodeName>,
    /// Token values, ascending.
    tokens: Vec<u64>,
    /// `owners[i]` is the index (into `nodes`) of the node owning `tokens[i]`.
    owners: Vec<u32>,
}

impl fmt::Debug for Ring {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Ring")
            .field("tokens_per_node", &self.tokens_per_node)
            .field("nodes", &self.nodes)
            .finish()
    }
}

impl Default for Ring {
    fn default() -> Self {
        Ring::empty(DEFAULT_TOKENS_PER_NODE)
    }
}

impl Ring {
    /// A ring with no nodes (every lookup for one owner fails).
    pub fn empty(tokens_per_node: usize) -> Self {
        Ring {
            tokens_per_node,
            nodes: Vec::new(),
            tokens: Vec::new(),
            owners: Vec::new(),
        }
    }

    /// Builds a ring over `names` (duplicates are ignored) with `tokens_per_node` tokens each.
    pub fn new(tokens_per_node: usize, names: impl IntoIterator<Item = NodeName>) -> Self {
        let mut nodes: Vec<NodeName> = names.into_iter().collect();
        nodes.sort();
        nodes.dedup();
        // Node indices follow name order, so sorting by (token, index) breaks ties by name.
        let mut pairs: Vec<(u64, u32)> = Vec::with_capacity(nodes.len() * tokens_per_node);
        for (idx, name) in nodes.iter().enumerate() {
            let idx = u32::try_from(idx).unwrap_or(u32::MAX);
            pairs.extend(node_tokens(name.as_str(), tokens_per_node).map(|t| (t, idx)));
        }
        pairs.sort_unstable();
        let (tokens, owners) = pairs.into_iter().unzip();
        Ring {
            tokens_per_node,
            nodes,
            tokens,
            owners,
        }
    }

    /// The ring Alloy uses: 512 tokens per node.
    pub fn with_default_tokens(names: impl IntoIterator<Item = NodeName>) -> Self {
        Ring::new(DEFAULT_TOKENS_PER_NODE, names)
    }

    /// Number of tokens each node contributes.
    pub fn tokens_per_node(&self) -> usize {
        self.tokens_per_node
    }

    /// The distinct node names in the ring, sorted bytewise.
    pub fn nodes(&self) -> &[NodeName] {
        &self.nodes
    }

    /// Whether the ring has no nodes.
    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    /// Number of distinct nodes.
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    /// The single owner of `key`: the node of the first token `>= key`, wrapping around.
    pub fn owner(&self, key: u64) -> Option<&NodeName> {
        if self.tokens.is_empty() {
            return None;
        }
        let idx = self.first_index(key);
        self.nodes.get(self.owners[idx] as usize)
    }

    /// Up to `n` distinct owners of `key` in ring order (upstream `Lookup(key, n, op)`).
    ///
    /// Errors when `n` exceeds the number of nodes; `n == 0` returns an empty list.
    pub fn lookup(&self, key: u64, n: usize) -> Result<Vec<&NodeName>, LookupError> {
        if n > self.nodes.len() {
            return Err(LookupError::NotEnoughNodes {
                requested: n,
                available: self.nodes.len(),
            });
        }
        let mut out: Vec<&NodeName> = Vec::with_capacity(n);
        if n == 0 {
            return Ok(out);
        }
        let start = self.first_index(key);
        let len = self.tokens.len();
        for step in 0..len {
            let owner = self.owners[(start + step) % len] as usize;
            let name = &self.nodes[owner];
            if !out.contains(&name) {
                out.push(name);
                if out.len() == n {
                    break;
                }
            }
        }
        Ok(out)
    }

    /// Index of the first token `>= key`, or 0 when every token is smaller (wrap-around).
    fn first_index(&self, key: u64) -> usize {
        let idx = self.tokens.partition_point(|&t| t < key);
        if idx == self.tokens.len() {
            0
        } else {
            idx
        }
    }
}

/// The `count` tokens of a node: running XXH64 digests of `name ‖ 0 ‖ 1 ‖ … ‖ (t mod 256)`.
pub fn node_tokens(name: &str, count: usize) -> impl Iterator<Item = u64> + '_ {
    let mut hasher = Xxh64::new(HASH_SEED);
    hasher.update(name.as_bytes());
    (0..count).map(move |t| {
        hasher.update(&[(t % 256) as u8]);
        hasher.digest()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(list: &[&str]) -> Vec<NodeName> {
        list.iter().map(|s| NodeName::from(*s)).collect()
    }

    #[test]
    fn example_key_hash() {
        assert_eq!(string_key("example-key"), 0x568b6f4c91a99400);
    }

    #[test]
    fn tokens_of_alloy_0() {
        let tokens: Vec<u64> = node_tokens("alloy-0", 512).collect();
        assert_eq!(tokens[0], 0x920975578bc2b202);
        assert_eq!(tokens[1], 0x24fd0ac96291e9c4);
        assert_eq!(tokens[255], 0x692312d747cd788e);
        assert_eq!(tokens[256], 0x2a5e448dece33e8d);
        assert_eq!(tokens[511], 0xcaa119bcbe816eaa);
    }

    #[test]
    fn token_is_one_shot_hash_of_name_and_prefix_bytes() {
        let tokens: Vec<u64> = node_tokens("alloy-0", 300).collect();
        for t in [0usize, 1, 17, 255, 256, 299] {
            let mut bytes = b"alloy-0".to_vec();
            bytes.extend((0..=t).map(|i| (i % 256) as u8));
            assert_eq!(tokens[t], xxh64(&bytes, 0), "token {t}");
        }
    }

    #[test]
    fn ckit_example_ring_256() {
        // node-c is terminating, so it is not in the read-write ring.
        let ring = Ring::new(256, names(&["node-a", "node-b"]));
        let owners = ring.lookup(string_key("example-key"), 1).unwrap();
        assert_eq!(owners, vec![&NodeName::from("node-b")]);
    }

    #[test]
    fn alloy_ring_512_vectors() {
        let ring = Ring::with_default_tokens(names(&["alloy-0", "alloy-1", "alloy-2"]));
        let owner = |k: &str| ring.owner(string_key(k)).unwrap().to_string();
        assert_eq!(owner("a"), "alloy-2");
        assert_eq!(owner("b"), "alloy-0");
        assert_eq!(owner("c"), "alloy-1");
        assert_eq!(owner("example-key"), "alloy-0");
        assert_eq!(
            ring.owner(0x59f58f652d56c8e9).map(NodeName::as_str),
            Some("alloy-2")
        );
    }

    #[test]
    fn input_order_and_duplicates_do_not_matter() {
        let a = Ring::with_default_tokens(names(&["alloy-2", "alloy-0", "alloy-1", "alloy-0"]));
        let b = Ring::with_default_tokens(names(&["alloy-0", "alloy-1", "alloy-2"]));
        assert_eq!(a, b);
        assert_eq!(a.len(), 3);
    }

    #[test]
    fn lookup_edge_cases() {
        let empty = Ring::default();
        assert_eq!(empty.owner(42), None);
        assert!(empty.lookup(42, 1).is_err());
        assert_eq!(empty.lookup(42, 0).unwrap().len(), 0);

        let ring = Ring::new(4, names(&["x", "y"]));
        assert!(matches!(
            ring.lookup(1, 3),
            Err(LookupError::NotEnoughNodes {
                requested: 3,
                available: 2
            })
        ));
        let both = ring.lookup(1, 2).unwrap();
        assert_eq!(both.len(), 2);
        assert_ne!(both[0], both[1]);
        // A key above every token wraps to the smallest token.
        let smallest_owner = ring.nodes()[ring.owners[0] as usize].clone();
        assert_eq!(ring.owner(u64::MAX), Some(&smallest_owner));
        // The first owner of lookup(n) is always the single owner.
        for k in [0u64, 1 << 20, 1 << 40, u64::MAX / 3] {
            assert_eq!(ring.lookup(k, 2).unwrap()[0], ring.owner(k).unwrap());
        }
    }

    #[test]
    fn ties_are_broken_by_name() {
        // Two nodes can't share a token in practice; check the ordering rule directly instead.
        let ring = Ring::new(1, names(&["b", "a"]));
        assert_eq!(ring.nodes(), &names(&["a", "b"])[..]);
        let mut expect: Vec<(u64, &str)> = vec![
            (node_tokens("a", 1).next().unwrap(), "a"),
            (node_tokens("b", 1).next().unwrap(), "b"),
        ];
        expect.sort();
        let got: Vec<(u64, &str)> = ring
            .tokens
            .iter()
            .zip(&ring.owners)
            .map(|(t, o)| (*t, ring.nodes()[*o as usize].as_str()))
            .collect();
        assert_eq!(got, expect);
    }

    /// Deterministic, well-spread keys (XXH64 of the counter).
    fn keys(n: usize) -> Vec<u64> {
        (0..n as u64).map(|i| xxh64(&i.to_le_bytes(), 7)).collect()
    }

    fn assign<'a>(ring: &'a Ring, keys: &[u64]) -> Vec<&'a NodeName> {
        keys.iter().map(|k| ring.owner(*k).unwrap()).collect()
    }

    #[test]
    fn balance_and_minimal_movement_10_nodes_100k_keys() {
        let node_names: Vec<NodeName> = (0..10).map(|i| format!("alloy-{i}").into()).collect();
        let keys = keys(100_000);
        let ring10 = Ring::with_default_tokens(node_names.clone());
        let before = assign(&ring10, &keys);

        // Balance: every node holds between 85 % and 115 % of its fair share.
        let fair = keys.len() as f64 / 10.0;
        for name in &node_names {
            let share = before.iter().filter(|o| **o == name).count() as f64 / fair;
            assert!((0.85..=1.15).contains(&share), "{name} share {share:.3}");
        }

        // Join: every key that moves, moves to the new node.
        let newcomer = NodeName::from("alloy-10");
        let mut grown = node_names.clone();
        grown.push(newcomer.clone());
        let ring11 = Ring::with_default_tokens(grown);
        let after_join = assign(&ring11, &keys);
        let mut moved = 0usize;
        for (b, a) in before.iter().zip(&after_join) {
            if b != a {
                assert_eq!(*a, &newcomer, "a key moved between two old nodes");
                moved += 1;
            }
        }
        let moved_share = moved as f64 / keys.len() as f64;
        assert!(
            (0.05..0.14).contains(&moved_share),
            "moved {moved_share:.4}"
        );

        // Leave: only the departed node's keys move.
        let departed = NodeName::from("alloy-3");
        let shrunk: Vec<NodeName> = node_names
            .iter()
            .filter(|n| **n != departed)
            .cloned()
            .collect();
        let ring9 = Ring::with_default_tokens(shrunk);
        let after_leave = assign(&ring9, &keys);
        for (b, a) in before.iter().zip(&after_leave) {
            if *b != &departed {
                assert_eq!(b, a, "a key of a surviving node moved");
            } else {
                assert_ne!(*a, &departed);
            }
        }
    }
}
