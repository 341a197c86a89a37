//! Gossip membership: SWIM (foca) plus replicated per-node state, behind a sans-IO core
//! ([`core::MembershipCore`]) driven by one tokio task ([`crate::cluster::service`]).

pub mod core;
pub mod identity;
pub mod readiness;
pub mod state;
pub mod throttle;
mod timers;
pub mod timing;
pub mod view;
pub mod wire;

pub use identity::{NodeIdentity, ProcessKey};
pub use state::{NodeRecord, NodeState};
pub use view::{ClusterView, Peer};
