//! The component contract: what a component declares and what the runtime gives it.
//!
//! A component is one file under `src/components/` plus one registry line. It declares its
//! `Arguments` (a struct deriving `Deserialize` + `Serialize` with a
//! [`RiverSchema`](crate::eval::RiverSchema)), and implements [`Component`]:
//!
//! * [`Component::build`] runs on the controller when the component first appears; it may
//!   publish exports synchronously through the [`Context`], so components evaluated later in
//!   the same load already see them (e.g. `local.file` reads its file here).
//! * [`Component::update`] receives new arguments (only when they differ from the previous
//!   ones). It runs on the controller too and must be quick: hand work to the component's own
//!   task, e.g. through a `watch` channel created in `build`.
//! * [`Component::run`] is the component's long-running task, spawned once and cancelled on
//!   removal or shutdown. If it fails, the component is reported unhealthy and restarted with
//!   backoff.
//!
//! Exports are published with [`Context::set_exports`]; unchanged exports are ignored, and a
//! change re-evaluates the components that reference this one.

use std::path::PathBuf;
use std::sync::Arc;

use futures::future::BoxFuture;
use serde::de::DeserializeOwned;
use serde::Serialize;
use tokio_util::sync::CancellationToken;

use super::health::{Health, HealthSlot};
use super::id::ComponentId;
use crate::cluster::membership::ClusterView;
use crate::eval::{RiverSchema, Value};

/// An error a component reports from `build`, `update` or `run`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ComponentError(pub String);

impl std::fmt::Display for ComponentError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ComponentError {}

impl From<String> for ComponentError {
    fn from(s: String) -> Self {
        ComponentError(s)
    }
}

impl From<&str> for ComponentError {
    fn from(s: &str) -> Self {
        ComponentError(s.to_string())
    }
}

/// How mature a component (or argument) is; `--stability.level` sets the minimum accepted.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Stability {
    /// May change or disappear.
    Experimental,
    /// Feature-complete, may still change.
    PublicPreview,
    /// Stable.
    GenerallyAvailable,
}

impl Stability {
    /// The flag spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Stability::Experimental => "experimental",
            Stability::PublicPreview => "public-preview",
            Stability::GenerallyAvailable => "generally-available",
        }
    }

    /// Parses the flag spelling.
    pub fn parse(s: &str) -> Option<Stability> {
        match s {
            "experimental" => Some(Stability::Experimental),
            "public-preview" => Some(Stability::PublicPreview),
            "generally-available" => Some(Stability::GenerallyAvailable),
            _ => None,
        }
    }
}

/// Sends a component's new exports to the controller.
#[derive(Clone)]
pub struct ExportsSink {
    pub(crate) node: ComponentId,
    pub(crate) slot: Arc<arc_swap::ArcSwap<Value>>,
    pub(crate) changed: tokio::sync::mpsc::UnboundedSender<ComponentId>,
}

impl ExportsSink {
    /// Publishes `value` unless it equals the current exports.
    pub fn publish(&self, value: Value) {
        if **self.slot.load() == value {
            return;
        }
        self.slot.store(Arc::new(value));
        // The controller may be gone during shutdown; nothing to notify then.
        let _ = self.changed.send(self.node.clone());
    }

    /// The current exports.
    pub fn current(&self) -> Arc<Value> {
        self.slot.load_full()
    }
}

/// A response from [`LocalHttp::get`]: status, content type, body.
pub type LocalResponse = (u16, Option<String>, bytes::Bytes);

/// Answers requests for the agent's own HTTP routes without a network round trip (the
/// in-memory address, `agent.internal:12345`).
pub trait LocalHttp: Send + Sync {
    /// GET `path_and_query` on the agent itself; returns status, headers' content type and
    /// body.
    fn get(&self, path_and_query: String) -> BoxFuture<'static, Result<LocalResponse, String>>;
}

/// Everything the runtime hands a component.
#[derive(Clone)]
pub struct Context {
    /// The component's ID (`prometheus.scrape.default`).
    pub id: ComponentId,
    /// A directory the component may use for durable state (`<storage.path>/<id>`); created
    /// on first use by the component.
    pub data_dir: PathBuf,
    /// Where exports go.
    pub exports: ExportsSink,
    /// The component's own health report.
    pub health: HealthSlot,
    /// Cluster membership, as it changes.
    pub cluster: tokio::sync::watch::Receiver<ClusterView>,
    /// The component's metrics; the runtime adds `component_id` when serving `/metrics`.
    pub metrics: Arc<std::sync::Mutex<prometheus_client::registry::Registry>>,
    /// The agent's in-memory HTTP address (`host:port`), for exporters and self-scraping.
    pub memory_addr: String,
    /// Reaches the agent's own routes in-process.
    pub local_http: Arc<dyn LocalHttp>,
}

impl Context {
    /// Publishes exports, converted from a serializable value.
    pub fn set_exports<T: Serialize>(&self, exports: &T) {
        match crate::eval::to_value(exports) {
            Ok(v) => self.exports.publish(v),
            Err(e) => self.set_health(Health::unhealthy(format!("cannot encode exports: {e}"))),
        }
    }

    /// Publishes exports given as a value (for exports holding capsules).
    pub fn set_exports_value(&self, exports: Value) {
        self.exports.publish(exports);
    }

    /// Reports the component's own health.
    pub fn set_health(&self, h: Health) {
        self.health.set(h);
    }

    /// Registers metrics with the component's registry.
    pub fn with_metrics<R>(
        &self,
        f: impl FnOnce(&mut prometheus_client::registry::Registry) -> R,
    ) -> R {
        let mut reg = self.metrics.lock().unwrap_or_else(|p| p.into_inner());
        f(&mut reg)
    }
}

/// A component type.
pub trait Component: Send + Sync + Sized + 'static {
    /// The arguments, decoded from the component's block.
    type Arguments: DeserializeOwned
        + Serialize
        + RiverSchema
        + PartialEq
        + Clone
        + Send
        + Sync
        + 'static;

    /// Creates the component. May publish initial exports through `ctx`.
    fn build(ctx: Context, args: Self::Arguments) -> Result<Self, ComponentError>;

    /// Applies new arguments (different from the previous ones). Must be quick.
    fn update(&self, args: Self::Arguments) -> Result<(), ComponentError>;

    /// The component's task: runs until `cancel` fires (return `Ok(())` then).
    fn run(
        self: Arc<Self>,
        cancel: CancellationToken,
    ) -> BoxFuture<'static, Result<(), ComponentError>>;

    /// Extra state to show in the UI, as a body (attributes and blocks), if any. Build it
    /// with [`crate::eval::encode::body_of`] from a struct with a schema.
    fn debug_info(&self) -> Option<Vec<crate::eval::encode::BodyStmt>> {
        None
    }

    /// Whether the component wants membership changes (its `clustering { enabled = true }`).
    fn clustering_enabled(&self) -> bool {
        false
    }

    /// Membership changed (called at most once per second, only when opted in).
    fn cluster_changed(&self, _view: &ClusterView) {}

    /// Routes served under `/api/v0/component/<id>/`, if any.
    fn http_routes(self: &Arc<Self>) -> Option<axum::Router> {
        None
    }

    /// Arguments to show in the UI; defaults to the decoded arguments.
    fn arguments_value(args: &Self::Arguments) -> Option<Vec<crate::eval::encode::BodyStmt>> {
        crate::eval::encode::body_of(args).ok()
    }
}
