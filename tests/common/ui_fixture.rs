//! A stand-in for the agent's HTTP server in UI tests: the embedded UI (`http::ui::router`)
//! plus the UI API answered from fixture data, which a test can change while a page is open.
#![allow(dead_code)]

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use axum::extract::{Path as UrlPath, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use serde_json::{json, Value};

/// The fixture directory of the UI tests.
pub fn fixture_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/ui")
}

/// The agent `/metrics` fixture (shared with the operations checker).
pub fn metrics_fixture_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/operations/agent_metrics.txt")
}

/// What the fake agent serves.
#[derive(Clone, Debug, Default)]
pub struct FixtureData {
    /// `GET /api/v0/web/components`.
    pub components: Vec<Value>,
    /// `GET /api/v0/web/components/{id}`, by ID.
    pub details: HashMap<String, Value>,
    /// `GET /api/v0/web/peers`.
    pub peers: Vec<Value>,
    /// `GET /metrics`.
    pub metrics: String,
}

fn read_json(path: &Path) -> Value {
    let text =
        std::fs::read_to_string(path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("parsing {}: {e}", path.display()))
}

impl FixtureData {
    /// The small hand-written fixtures in `tests/fixtures/ui/`.
    pub fn from_fixtures() -> FixtureData {
        let dir = fixture_dir();
        let components = read_json(&dir.join("components.json"))
            .as_array()
            .cloned()
            .unwrap_or_default();
        let mut details = HashMap::new();
        for entry in std::fs::read_dir(dir.join("components")).expect("fixture components dir") {
            let path = entry.expect("dir entry").path();
            let v = read_json(&path);
            let id = v["localID"]
                .as_str()
                .expect("fixture detail has localID")
                .to_string();
            details.insert(id, v);
        }
        let peers = read_json(&dir.join("peers.json"))
            .as_array()
            .cloned()
            .unwrap_or_default();
        let metrics = std::fs::read_to_string(metrics_fixture_path()).expect("metrics fixture");
        FixtureData {
            components,
            details,
            peers,
            metrics,
        }
    }

    /// A big generated configuration: `groups` pipelines of discovery.file → discovery.relabel
    /// → prometheus.scrape, plus a local.file each, all scrapes sending to one of three
    /// prometheus.remote_write components, padded with prometheus.relabel components to
    /// exactly `components` components. `prometheus.scrape.s0` has `targets` target blocks in
    /// its debug info (one in 50 down).
    pub fn large(components: usize, targets: usize) -> FixtureData {
        let mut list = Vec::with_capacity(components);
        let health = |i: usize| match i % 97 {
            0 => ("unhealthy", "endpoint returned 500"),
            1 => ("exited", "component shut down"),
            _ => ("healthy", "started component"),
        };
        let comp = |name: &str, label: &str, refs: Vec<String>, flows: Vec<String>, i: usize| {
            let (state, msg) = health(i);
            json!({
                "name": name, "type": "block", "localID": format!("{name}.{label}"), "moduleID": "",
                "label": label, "referencesTo": refs, "referencedBy": [], "dataFlowEdgesTo": flows,
                "health": {"state": state, "message": msg, "updatedTime": "2026-01-02T03:04:05Z"},
                "original": ""
            })
        };
        for r in 0..3 {
            list.push(comp(
                "prometheus.remote_write",
                &format!("rw{r}"),
                vec![],
                vec![],
                r + 2,
            ));
        }
        let groups = components.saturating_sub(3) / 4;
        for g in 0..groups {
            let file = format!("discovery.file.f{g}");
            let relabel = format!("discovery.relabel.r{g}");
            let rw = format!("prometheus.remote_write.rw{}", g % 3);
            list.push(comp(
                "discovery.file",
                &format!("f{g}"),
                vec![],
                vec![],
                g * 4,
            ));
            list.push(comp(
                "discovery.relabel",
                &format!("r{g}"),
                vec![file],
                vec![],
                g * 4 + 1,
            ));
            list.push(comp(
                "prometheus.scrape",
                &format!("s{g}"),
                vec![relabel, rw.clone()],
                vec![rw],
                g * 4 + 2,
            ));
            list.push(comp(
                "local.file",
                &format!("l{g}"),
                vec![],
                vec![],
                g * 4 + 3,
            ));
        }
        let mut pad = 0;
        while list.len() < components {
            list.push(comp(
                "prometheus.relabel",
                &format!("p{pad}"),
                vec!["prometheus.remote_write.rw0".into()],
                vec!["prometheus.remote_write.rw0".into()],
                pad,
            ));
            pad += 1;
        }
        // referencedBy mirrors referencesTo.
        let mut by: HashMap<String, Vec<String>> = HashMap::new();
        for c in &list {
            for r in c["referencesTo"].as_array().into_iter().flatten() {
                by.entry(r.as_str().unwrap_or_default().to_string())
                    .or_default()
                    .push(c["localID"].as_str().unwrap_or_default().to_string());
            }
        }
        for c in &mut list {
            let id = c["localID"].as_str().unwrap_or_default().to_string();
            c["referencedBy"] = json!(by.remove(&id).unwrap_or_default());
        }
        let mut details = HashMap::new();
        if let Some(s0) = list.iter().find(|c| c["localID"] == "prometheus.scrape.s0") {
            let mut d = s0.clone();
            d["arguments"] = json!([
                {"name": "targets", "type": "attr", "value": {"type": "array", "value": []}},
                {"name": "forward_to", "type": "attr", "value": {"type": "array", "value": [
                    {"type": "capsule", "value": "prometheus.remote_write.rw0.receiver"}]}},
                {"name": "scrape_interval", "type": "attr", "value": {"type": "string", "value": "15s"}},
            ]);
            d["debugInfo"] = Value::Array((0..targets).map(target_block).collect());
            details.insert("prometheus.scrape.s0".to_string(), d);
        }
        FixtureData {
            components: list,
            details,
            peers: vec![
                json!({"name": "agent-0", "addr": "127.0.0.1:12345", "isSelf": true, "state": "participant"}),
            ],
            metrics: String::new(),
        }
    }
}

/// One `target` debug-info block as prometheus.scrape reports it.
pub fn target_block(i: usize) -> Value {
    let s = |v: String| json!({"type": "string", "value": v});
    let addr = format!("10.{}.{}.{}:9100", i / 65536, (i / 256) % 256, i % 256);
    let health = if i % 50 == 7 { "down" } else { "up" };
    json!({"name": "target", "type": "block", "body": [
        {"name": "job", "type": "attr", "value": s("prometheus.scrape.s0".into())},
        {"name": "url", "type": "attr", "value": s(format!("http://{addr}/metrics"))},
        {"name": "health", "type": "attr", "value": s(health.into())},
        {"name": "labels", "type": "attr", "value": {"type": "object", "value": [
            {"key": "instance", "value": s(addr.clone())},
            {"key": "job", "value": s("prometheus.scrape.s0".into())},
            {"key": "pod", "value": s(format!("app-{i}"))},
            {"key": "zone", "value": s(format!("zone-{}", i % 5))},
        ]}},
        {"name": "last_error", "type": "attr", "value": s(if health == "down" { "connection refused".into() } else { String::new() })},
        {"name": "last_scrape", "type": "attr", "value": s("2026-01-02T03:04:05Z".into())},
        {"name": "last_scrape_duration", "type": "attr", "value": s("3.2ms".into())},
    ]})
}

/// Pre-serialized answers, so big fixtures cost nothing per request.
struct Served {
    data: FixtureData,
    list: String,
    details: HashMap<String, String>,
    peers: String,
}

impl Served {
    fn new(data: FixtureData) -> Served {
        let list = Value::Array(data.components.clone()).to_string();
        let details = data
            .details
            .iter()
            .map(|(k, v)| (k.clone(), v.to_string()))
            .collect();
        let peers = Value::Array(data.peers.clone()).to_string();
        Served {
            data,
            list,
            details,
            peers,
        }
    }
}

type Shared = Arc<RwLock<Served>>;

fn json_response(body: String) -> Response {
    ([(header::CONTENT_TYPE, "application/json")], body).into_response()
}

async fn list(State(s): State<Shared>) -> Response {
    json_response(s.read().expect("fixture lock").list.clone())
}

async fn detail(State(s): State<Shared>, UrlPath(id): UrlPath<String>) -> Response {
    match s.read().expect("fixture lock").details.get(&id) {
        Some(body) => json_response(body.clone()),
        None => (
            StatusCode::NOT_FOUND,
            format!("component {id:?} not found\n"),
        )
            .into_response(),
    }
}

async fn peers(State(s): State<Shared>) -> Response {
    json_response(s.read().expect("fixture lock").peers.clone())
}

async fn metrics(State(s): State<Shared>) -> Response {
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        s.read().expect("fixture lock").data.metrics.clone(),
    )
        .into_response()
}

/// The fake agent, listening on a loopback port until dropped.
pub struct FixtureServer {
    /// Where it listens.
    pub addr: SocketAddr,
    prefix: String,
    shared: Shared,
    task: tokio::task::JoinHandle<()>,
}

impl FixtureServer {
    /// Serves the UI at `/`.
    pub async fn start(data: FixtureData) -> FixtureServer {
        FixtureServer::start_with_prefix(data, "").await
    }

    /// Serves the UI and its API under `prefix` (e.g. `/ui`; empty for the root) and
    /// `/metrics` at the root, as the agent does with a UI path prefix.
    pub async fn start_with_prefix(data: FixtureData, prefix: &str) -> FixtureServer {
        let shared: Shared = Arc::new(RwLock::new(Served::new(data)));
        let base = format!("{prefix}/");
        let api = Router::new()
            .route("/api/v0/web/components", get(list))
            .route("/api/v0/web/components/{*id}", get(detail))
            .route("/api/v0/web/peers", get(peers))
            .with_state(shared.clone())
            .fallback_service(river_agent::http::ui::router_with_base(&base));
        let app = if prefix.is_empty() {
            api.route("/metrics", get(metrics).with_state(shared.clone()))
        } else {
            Router::new()
                .route("/metrics", get(metrics))
                .with_state(shared.clone())
                .nest_service(prefix, api)
        };
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind fixture server");
        let addr = listener.local_addr().expect("local addr");
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        FixtureServer {
            addr,
            prefix: prefix.to_string(),
            shared,
            task,
        }
    }

    /// An absolute URL for a path below the UI prefix (`path` starts with `/`).
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}{}", self.addr, self.prefix, path)
    }

    /// Replaces the peer list.
    pub fn set_peers(&self, peers: Vec<Value>) {
        let mut s = self.shared.write().expect("fixture lock");
        s.peers = Value::Array(peers.clone()).to_string();
        s.data.peers = peers;
    }

    /// Changes one component in both the list and its detail.
    pub fn update_component(&self, id: &str, f: impl Fn(&mut Value)) {
        let mut s = self.shared.write().expect("fixture lock");
        for c in &mut s.data.components {
            if c["localID"] == id {
                f(c);
            }
        }
        if let Some(d) = s.data.details.get_mut(id) {
            f(d);
        }
        let list = Value::Array(s.data.components.clone()).to_string();
        s.list = list;
        if let Some(d) = s.data.details.get(id).map(Value::to_string) {
            s.details.insert(id.to_string(), d);
        }
    }
}

impl Drop for FixtureServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}
