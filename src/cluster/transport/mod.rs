//! Gossip over the agent's own HTTP listener: SWIM packets as framed POST bodies and
//! anti-entropy as a JSON request/response. Works over HTTP/1.1, h2c (prior knowledge) and
//! TLS alike; no long-lived streams, so service meshes and proxies pass it through.

pub mod client;
pub mod frame;
pub mod queue;
pub mod server;

pub use client::{ClientSettings, Outbound, PeerClients};
pub use server::{router, SyncCall, TransportInbox};

/// Path of the packet endpoint.
pub const MESSAGE_PATH: &str = "/api/v1/cluster/message";
/// Path of the anti-entropy endpoint.
pub const SYNC_PATH: &str = "/api/v1/cluster/sync";
/// Content type of packet bodies.
pub const MESSAGE_CONTENT_TYPE: &str = "application/x.river-cluster";
