//! The JSON API the UI (and scripts) read: `/api/v0/web/components`, `/components/{id}`,
//! `/peers`. Shapes follow upstream's.

use std::collections::HashMap;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value as Json_};

use super::AppState;
use crate::eval::encode::{body_to_json, BodyStmt};
use crate::eval::Value;
use crate::runtime::controller::{NodeInfo, Snapshot};

/// Routes of the web API (relative to the UI prefix).
pub fn router() -> axum::Router<AppState> {
    axum::Router::new()
        .route(
            "/api/v0/web/components",
            axum::routing::get(list_components),
        )
        .route(
            "/api/v0/web/components/{*id}",
            axum::routing::get(get_component),
        )
        .route("/api/v0/web/peers", axum::routing::get(peers))
}

/// The exports of a node as a body: one attribute per exported field.
fn exports_body(v: &Value) -> Vec<BodyStmt> {
    match v {
        Value::Object(o) => o
            .display_order()
            .into_iter()
            .map(|(k, v)| BodyStmt::Attr {
                name: k.to_string(),
                value: v.clone(),
            })
            .collect(),
        Value::Null => Vec::new(),
        other => vec![BodyStmt::Attr {
            name: "value".into(),
            value: other.clone(),
        }],
    }
}

/// Follows `path` into `v`.
fn at_path<'a>(v: &'a Value, path: &[String]) -> Option<&'a Value> {
    let mut cur = v;
    for p in path {
        match cur {
            Value::Object(o) => cur = o.get(p)?,
            _ => return None,
        }
    }
    Some(cur)
}

fn is_receiver(v: &Value) -> bool {
    match v {
        Value::Capsule(_) => true,
        Value::Array(a) => !a.is_empty() && a.iter().all(is_receiver),
        _ => false,
    }
}

/// Data-flow edges: towards a referenced receiver, or from a referenced value (targets) to
/// the node that reads it.
fn data_flow(snap: &Snapshot) -> HashMap<String, Vec<String>> {
    let mut out: HashMap<String, Vec<String>> = HashMap::new();
    for n in &snap.nodes {
        for (to, path) in &n.reference_paths {
            let Some(target) = snap.get(to.as_str()) else {
                continue;
            };
            let exports = target.inst.exports.load();
            let receiver = at_path(&exports, path).is_some_and(is_receiver);
            let (from, dst) = if receiver {
                (n.inst.id.to_string(), to.to_string())
            } else {
                (to.to_string(), n.inst.id.to_string())
            };
            let v = out.entry(from).or_default();
            if !v.contains(&dst) {
                v.push(dst);
            }
        }
    }
    out
}

fn info_json(n: &NodeInfo, flows: &HashMap<String, Vec<String>>, detail: bool) -> Json_ {
    let inst = &n.inst;
    let mut o = json!({
        "name": inst.block_name,
        "type": "block",
        "localID": inst.id.as_str(),
        "moduleID": "",
        "referencesTo": n.references_to.iter().map(|i| i.as_str()).collect::<Vec<_>>(),
        "referencedBy": n.referenced_by.iter().map(|i| i.as_str()).collect::<Vec<_>>(),
        "dataFlowEdgesTo": flows.get(inst.id.as_str()).cloned().unwrap_or_default(),
        "health": inst.health(),
        "original": "",
        "liveDebuggingEnabled": false,
    });
    let map = o.as_object_mut().expect("object literal");
    if !inst.label.is_empty() {
        map.insert("label".into(), json!(inst.label));
    }
    if detail {
        if let Some(c) = inst.component.get() {
            map.insert("arguments".into(), body_to_json(&c.arguments()));
            if let Some(d) = c.debug_info() {
                if !d.is_empty() {
                    map.insert("debugInfo".into(), body_to_json(&d));
                }
            }
        } else {
            map.insert("arguments".into(), json!([]));
        }
        let exports = exports_body(&inst.exports.load());
        if !exports.is_empty() {
            map.insert("exports".into(), body_to_json(&exports));
        }
    }
    o
}

async fn list_components(State(st): State<AppState>) -> Response {
    let snap = st.controller.snapshot();
    let flows = data_flow(&snap);
    let list: Vec<Json_> = snap
        .nodes
        .iter()
        .map(|n| info_json(n, &flows, false))
        .collect();
    Json(list).into_response()
}

async fn get_component(State(st): State<AppState>, Path(id): Path<String>) -> Response {
    let snap = st.controller.snapshot();
    let Some(n) = snap.get(&id) else {
        return (StatusCode::NOT_FOUND, format!("component {id:?} not found")).into_response();
    };
    let flows = data_flow(&snap);
    Json(info_json(n, &flows, true)).into_response()
}

async fn peers(State(st): State<AppState>) -> Response {
    // Upstream lists participants and terminating nodes only; viewers are shown too, with
    // their state, so a node stuck as a viewer is visible.
    Json(st.cluster.view().peers).into_response()
}
