//! Helpers for unit tests of components: a [`Context`] wired to channels the test can read.

use std::sync::{Arc, Mutex};

use arc_swap::ArcSwap;
use futures::future::BoxFuture;
use tokio::sync::mpsc;

use crate::cluster::membership::{ClusterView, NodeState};
use crate::cluster::peer_addr::PeerAddr;
use crate::eval::Value;
use crate::runtime::component::{Context, ExportsSink, LocalHttp, LocalResponse};
use crate::runtime::health::{Health, HealthSlot};
use crate::runtime::id::ComponentId;

/// A component context for tests, and what the component publishes through it.
pub struct TestContext {
    /// The context to hand to `build`.
    pub ctx: Context,
    /// Receives the component's ID each time it publishes new exports.
    pub changed: mpsc::UnboundedReceiver<ComponentId>,
    /// The component's current exports.
    pub exports: Arc<ArcSwap<Value>>,
}

impl TestContext {
    /// The current exports.
    pub fn exports(&self) -> Value {
        (**self.exports.load()).clone()
    }

    /// The component's own health.
    pub fn health(&self) -> Health {
        self.ctx.health.get()
    }

    /// The component's metrics in the text format.
    pub fn metrics_text(&self) -> String {
        let reg = self.ctx.metrics.lock().unwrap();
        let mut s = String::new();
        prometheus_client::encoding::text::encode(&mut s, &reg).unwrap();
        s
    }

    /// Waits (up to `secs`) for the next export change.
    pub async fn next_change(&mut self, secs: u64) -> bool {
        tokio::time::timeout(std::time::Duration::from_secs(secs), self.changed.recv())
            .await
            .is_ok_and(|r| r.is_some())
    }
}

/// Answers every in-process request with the same response.
pub struct CannedHttp(pub Mutex<LocalResponse>);

impl LocalHttp for CannedHttp {
    fn get(&self, _path: String) -> BoxFuture<'static, Result<LocalResponse, String>> {
        let r = self.0.lock().unwrap().clone();
        Box::pin(async move { Ok(r) })
    }
}

/// A context for component `id`; in-process requests get `local`.
pub fn context_with_http(id: &str, local: Arc<dyn LocalHttp>) -> TestContext {
    let (tx, rx) = mpsc::unbounded_channel();
    let exports = Arc::new(ArcSwap::from_pointee(Value::Null));
    let view = ClusterView::standalone(
        "test".into(),
        PeerAddr::new("127.0.0.1:1"),
        NodeState::Participant,
    );
    let (_cluster_tx, cluster_rx) = tokio::sync::watch::channel(view);
    let ctx = Context {
        id: ComponentId::new(id),
        data_dir: std::env::temp_dir().join("river-agent-test").join(id),
        exports: ExportsSink {
            node: ComponentId::new(id),
            slot: exports.clone(),
            changed: tx,
        },
        health: HealthSlot::new(Health::healthy("")),
        cluster: cluster_rx,
        metrics: Arc::new(Mutex::new(prometheus_client::registry::Registry::default())),
        memory_addr: "agent.internal:12345".into(),
        local_http: local,
    };
    TestContext {
        ctx,
        changed: rx,
        exports,
    }
}

/// A context for component `id`.
pub fn context(id: &str) -> TestContext {
    context_with_http(
        id,
        Arc::new(CannedHttp(Mutex::new((404, None, bytes::Bytes::new())))),
    )
}

/// The `targets` field of exports, as label maps.
pub fn targets_of(v: &Value) -> Vec<std::collections::BTreeMap<String, String>> {
    let Value::Object(o) = v else {
        return Vec::new();
    };
    o.get("targets")
        .map(|t| crate::eval::from_value(t).unwrap())
        .unwrap_or_default()
}

/// Polls `f` every 20 ms until it is true or `secs` pass; returns its last answer.
pub async fn wait_until(secs: u64, mut f: impl FnMut() -> bool) -> bool {
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(secs);
    loop {
        if f() {
            return true;
        }
        if tokio::time::Instant::now() > deadline {
            return false;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}
