//! The cluster layer: who is in the cluster, and which node owns which work item.
//!
//! Agents form a cluster by gossip (SWIM, via the `foca` crate) carried over the agent's own
//! HTTP listener, and split work with a consistent-hash ring that is byte-compatible with
//! Grafana Agent Flow / Alloy (same owner for the same key and participant names).
//!
//! # Using it from the runtime
//!
//! ```no_run
//! # async fn demo(flags: river_agent::cluster::config::ClusterFlags) -> Result<(), Box<dyn std::error::Error>> {
//! use river_agent::cluster::config::{listen_port_from_addr, ClusterOptions};
//! use river_agent::cluster::keys::TargetKey;
//! use river_agent::cluster::membership::NodeState;
//! use river_agent::cluster::service::ClusterHandle;
//!
//! // 1. Options from the `--cluster.*` flags (`#[command(flatten)] cluster: ClusterFlags`).
//! let opts = ClusterOptions::try_from(flags)?;
//! let port = listen_port_from_addr("127.0.0.1:12345");
//!
//! // 2. Start: a real cluster node when --cluster.enabled, else a standalone one-node cluster.
//! let cluster = ClusterHandle::from_options(&opts, port).await?;
//!
//! // 3. HTTP: merge the routes into the main router (they answer 404 "clustering is
//! //    disabled" when clustering is off) and register the metrics.
//! let app = axum::Router::new().merge(cluster.router());
//! let mut registry = prometheus_client::registry::Registry::default();
//! cluster.register_metrics(&mut registry);
//!
//! // 4. Components: watch the view (changes at most once per second) and filter work.
//! let mut view = cluster.subscribe();
//! let key = TargetKey::for_scrape_target([("__address__", "10.0.0.1:9100"), ("job", "node")]);
//! let mine = view.borrow_and_update().owns(key);
//!
//! // 5. After the first successful config load, take work.
//! cluster.set_state(NodeState::Participant).await?;
//!
//! // 6. Shutdown: terminating → wait for a peer's ack → hold ~1 s → leave → flush.
//! cluster.shutdown().await;
//! # let _ = (app, mine); Ok(()) }
//! ```
//!
//! [`membership::ClusterView`] carries this node's name and state, every live member
//! (viewers included, for `/api/v0/web/peers` use [`membership::ClusterView::non_viewer_peers`]
//! to match upstream), the sorted participant names, the ring, `ready` (wait-for-size gate
//! passed and no name conflict), `conflict` and `join_failing`. Ownership follows upstream:
//! owned = ready ∧ (no participants ∨ owner is self) — so a lone node that is still a viewer
//! owns everything, and a viewer in a cluster with participants owns nothing.
//!
//! # Pieces
//!
//! * [`ring`]: the ckit-compatible ring (XXH64 seed 0, 512 tokens per node from the name).
//! * [`keys`]: ring keys of work items (`prometheus.scrape`: non-`__meta_` labels).
//! * [`config`]: the `--cluster.*` flags, defaults, validation; [`advertise`] and [`join`]
//!   infer the advertise address and resolve join addresses (`dns+`, `dnssrv+`, `dnssrvnoa+`).
//! * [`membership`]: the sans-IO core (foca + node-state records + join/anti-entropy,
//!   conflicts, leave), the view, readiness gate and notification throttle.
//! * [`transport`]: `POST /api/v1/cluster/message` (framed SWIM packets, 202) and
//!   `POST /api/v1/cluster/sync` (JSON anti-entropy), per-peer drop-oldest send queues, over
//!   h2c (prior knowledge), HTTP/1.1 (`--cluster.peer-http-version=http1`) or TLS.
//! * [`service`]: the owner task and [`service::ClusterHandle`].
//! * [`metrics`]: upstream metric names, each with a `cluster_name` label.
//!
//! # Differences from upstream (deliberate)
//!
//! * Gossip endpoints are `/api/v1/cluster/*` request/response calls, not ckit's
//!   `/api/v1/ckit/transport/*` streams: no Go interop, but HTTP/1.1 and meshes work.
//! * Node state is a record owned by each node (versioned by that node), replicated by
//!   broadcasts and periodic sync — no Lamport clock (`cluster_node_lamport_time` reports the
//!   node's own version counter).
//! * Duplicate node names: the process started later refuses to participate, reports
//!   `conflict`/not-ready and `cluster_node_name_conflict`; upstream lets both scrape.
//!   A restarted process (same name, new start stamp) is never a conflict.
//! * Join failures are retried with backoff (1 s doubling to 30 s) and reported
//!   (`join_failing`, `cluster_node_join_failing`) instead of silently running alone.
//! * Advertise-address inference fails loudly instead of falling back to 127.0.0.1.
//! * `--cluster.discover-peers` (go-discover) is not supported: a non-empty value is a
//!   startup error pointing at `--cluster.join-addresses`.
//! * Crash detection takes ~10–15 s for small clusters (probe 2 s, suspicion 8 s ×
//!   max(1, log10 N)); see [`membership::timing`].

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
