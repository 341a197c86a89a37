//! The HTTP surface: one listener for the API, the UI, `/metrics`, the health and reload
//! endpoints, component routes and cluster gossip.

pub mod api;
pub mod local;
pub mod server;
pub mod ui;

use std::sync::{Arc, Mutex};

use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use futures::future::BoxFuture;

use crate::cluster::service::ClusterHandle;
use crate::runtime::controller::ControllerHandle;
use crate::runtime::health::HealthState;
use crate::syntax::Diagnostics;

/// Reloads the configuration from disk; `Err` carries every diagnostic.
pub type ReloadFn = Arc<dyn Fn() -> BoxFuture<'static, Result<(), Diagnostics>> + Send + Sync>;

/// What the handlers share.
#[derive(Clone)]
pub struct AppState {
    /// The controller (its snapshot).
    pub controller: ControllerHandle,
    /// Cluster membership.
    pub cluster: ClusterHandle,
    /// Registry of the agent's own metrics (controller, cluster, process).
    pub metrics: Arc<Mutex<prometheus_client::registry::Registry>>,
    /// Triggers a reload.
    pub reload: ReloadFn,
}

/// The whole router.
pub fn router(state: AppState) -> axum::Router {
    axum::Router::new()
        .route("/-/ready", axum::routing::get(ready))
        .route("/-/healthy", axum::routing::get(healthy))
        .route("/-/reload", axum::routing::get(reload).post(reload))
        .route("/metrics", axum::routing::get(metrics))
        .route(
            "/api/v0/component/{id}/{*rest}",
            axum::routing::any(component_route),
        )
        .merge(api::router())
        .with_state(state.clone())
        .merge(state.cluster.router())
        .fallback_service(ui::router())
}

async fn ready(State(st): State<AppState>) -> Response {
    let snap = st.controller.snapshot();
    let view = st.cluster.view();
    if !snap.loaded {
        return (StatusCode::SERVICE_UNAVAILABLE, "Agent is not ready.\n").into_response();
    }
    if let Some(c) = &view.conflict {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            format!("Agent is not ready: cluster node name conflict: {c}\n"),
        )
            .into_response();
    }
    (StatusCode::OK, "Agent is ready.\n").into_response()
}

async fn healthy(State(st): State<AppState>) -> Response {
    let snap = st.controller.snapshot();
    let bad: Vec<String> = snap
        .nodes
        .iter()
        .filter(|n| n.inst.health().state == HealthState::Unhealthy)
        .map(|n| n.inst.id.to_string())
        .collect();
    if bad.is_empty() {
        (StatusCode::OK, "All components are healthy.\n").into_response()
    } else {
        (
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("unhealthy components: {}\n", bad.join(", ")),
        )
            .into_response()
    }
}

async fn reload(State(st): State<AppState>, headers: HeaderMap) -> Response {
    let wants_json = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("application/json"));
    match (st.reload)().await {
        Ok(()) => {
            if wants_json {
                axum::Json(serde_json::json!({"status": "success"})).into_response()
            } else {
                (StatusCode::OK, "config reloaded\n").into_response()
            }
        }
        Err(d) => {
            if wants_json {
                let list: Vec<_> = d
                    .iter()
                    .map(|x| serde_json::json!({"position": x.start.to_string(), "message": x.message}))
                    .collect();
                (
                    StatusCode::BAD_REQUEST,
                    axum::Json(serde_json::json!({"status": "error", "diagnostics": list})),
                )
                    .into_response()
            } else {
                let mut text = String::new();
                for x in d.iter() {
                    text.push_str(&x.to_string());
                    text.push('\n');
                }
                (StatusCode::BAD_REQUEST, text).into_response()
            }
        }
    }
}

async fn metrics(State(st): State<AppState>) -> Response {
    let mut parts = Vec::new();
    {
        let reg = st.metrics.lock().unwrap_or_else(|p| p.into_inner());
        let mut s = String::new();
        let _ = prometheus_client::encoding::text::encode(&mut s, &reg);
        parts.push(s);
    }
    let snap = st.controller.snapshot();
    for n in &snap.nodes {
        let reg = n.inst.metrics.lock().unwrap_or_else(|p| p.into_inner());
        let mut s = String::new();
        let _ = prometheus_client::encoding::text::encode(&mut s, &reg);
        parts.push(s);
    }
    parts.push(crate::runtime::process::process_metrics());
    let body = crate::runtime::metrics::merge_openmetrics(&parts);
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        body,
    )
        .into_response()
}

async fn component_route(
    State(st): State<AppState>,
    axum::extract::Path((id, rest)): axum::extract::Path<(String, String)>,
    req: axum::extract::Request,
) -> Response {
    use tower::ServiceExt;
    let snap = st.controller.snapshot();
    let Some(router) = snap
        .get(&id)
        .and_then(|n| n.inst.component.get())
        .and_then(|c| c.http_routes())
    else {
        return (
            StatusCode::NOT_FOUND,
            format!("component {id:?} has no HTTP routes\n"),
        )
            .into_response();
    };
    let (mut parts, body) = req.into_parts();
    let query = parts
        .uri
        .query()
        .map(|q| format!("?{q}"))
        .unwrap_or_default();
    let uri = format!("/{rest}{query}");
    parts.uri = match uri.parse() {
        Ok(u) => u,
        Err(_) => return (StatusCode::BAD_REQUEST, "bad path\n").into_response(),
    };
    match router
        .oneshot(axum::extract::Request::from_parts(parts, body))
        .await
    {
        Ok(r) => r,
        Err(e) => match e {},
    }
}
