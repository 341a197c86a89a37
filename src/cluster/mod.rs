//! The cluster layer: consistent-hash ring, keys and gossip membership.

pub mod advertise;
pub mod config;
mod duration;
pub mod join;
pub mod keys;
pub mod membership;
pub mod metrics;
pub mod peer_addr;
pub mod ring;
pub mod service;
pub mod transport;
