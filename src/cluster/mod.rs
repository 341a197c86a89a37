//! The cluster layer: consistent-hash ring, keys and gossip membership.

pub mod keys;
pub mod ring;
