//! The JSON API the UI (and scripts) read: `/api/v0/web/components`, `/components/{id}`,
//! `/peers`. Shapes follow upstream's.

use std::collections::HashMap;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::{json, Value as Json_};

use super::AppState;
use crate::eval::encode::BodyStmt;
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

fn info_json(n: &NodeInfo, flows: &HashMap<String, Vec<String>>) -> Json_ {
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
    if !inst.label.is_empty() {
        if let Some(map) = o.as_object_mut() {
            map.insert("label".into(), json!(inst.label));
        }
    }
    o
}

/// The bodies of one component's detail: `arguments` always, `exports` and `debugInfo` when
/// not empty.
fn detail_bodies(n: &NodeInfo) -> Vec<(&'static str, Vec<BodyStmt>)> {
    let inst = &n.inst;
    let mut out = Vec::new();
    match inst.component.get() {
        Some(c) => {
            out.push(("arguments", c.arguments()));
            if let Some(d) = c.debug_info().filter(|d| !d.is_empty()) {
                out.push(("debugInfo", d));
            }
        }
        None => out.push(("arguments", Vec::new())),
    }
    let exports = exports_body(&inst.exports.load());
    if !exports.is_empty() {
        out.push(("exports", exports));
    }
    out
}

/// One component with its bodies, serialized straight to the response: the bodies of a
/// scrape component with 10,000 targets would otherwise first become a `serde_json::Value`
/// tree of millions of small maps (most of the answer's time). Keys come out sorted, as
/// `serde_json::Value` orders them.
struct DetailJson {
    info: Json_,
    bodies: Vec<(&'static str, Vec<BodyStmt>)>,
}

impl Serialize for DetailJson {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        enum Field<'a> {
            Info(&'a Json_),
            Body(&'a [BodyStmt]),
        }
        let mut fields: Vec<(&str, Field<'_>)> = self
            .info
            .as_object()
            .into_iter()
            .flatten()
            .map(|(k, v)| (k.as_str(), Field::Info(v)))
            .chain(self.bodies.iter().map(|(k, b)| (*k, Field::Body(b))))
            .collect();
        fields.sort_by(|a, b| a.0.cmp(b.0));
        let mut m = s.serialize_map(Some(fields.len()))?;
        for (k, f) in fields {
            match f {
                Field::Info(v) => m.serialize_entry(k, v)?,
                Field::Body(b) => m.serialize_entry(k, &UiBody(b))?,
            }
        }
        m.end()
    }
}

/// A body in the UI encoding, streamed: the same JSON as
/// [`body_to_json`](crate::eval::encode::body_to_json) (keys sorted the same way).
struct UiBody<'a>(&'a [BodyStmt]);

impl Serialize for UiBody<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.iter().map(UiStmt))
    }
}

struct UiStmt<'a>(&'a BodyStmt);

impl Serialize for UiStmt<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            BodyStmt::Attr { name, value } => {
                let mut m = s.serialize_map(Some(3))?;
                m.serialize_entry("name", name)?;
                m.serialize_entry("type", "attr")?;
                m.serialize_entry("value", &UiValue(value))?;
                m.end()
            }
            BodyStmt::Block { name, label, body } => {
                let mut m = s.serialize_map(None)?;
                m.serialize_entry("body", &UiBody(body))?;
                if !label.is_empty() {
                    m.serialize_entry("label", label)?;
                }
                m.serialize_entry("name", name)?;
                m.serialize_entry("type", "block")?;
                m.end()
            }
        }
    }
}

/// A value in the UI encoding, `{"type": …, "value": …}`, streamed: the same JSON as
/// [`value_to_ui_json`](crate::eval::encode::value_to_ui_json).
struct UiValue<'a>(&'a Value);

impl Serialize for UiValue<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let v = self.0;
        let mut m = s.serialize_map(None)?;
        match v {
            Value::Null => m.serialize_entry("type", "null")?,
            Value::Bool(b) => {
                m.serialize_entry("type", "bool")?;
                m.serialize_entry("value", b)?;
            }
            Value::Number(n) => {
                m.serialize_entry("type", "number")?;
                // As `serde_json::Value` has it: non-finite numbers become null.
                let f = n.as_f64();
                m.serialize_entry("value", &f.is_finite().then_some(f))?;
            }
            Value::String(st) => {
                m.serialize_entry("type", "string")?;
                m.serialize_entry("value", &st.to_str_lossy())?;
            }
            Value::Bytes(_) | Value::Array(_) => {
                m.serialize_entry("type", "array")?;
                let elems = v.array_elems().unwrap_or_default();
                m.serialize_entry("value", &UiSeq(&elems))?;
            }
            Value::Object(o) => {
                m.serialize_entry("type", "object")?;
                m.serialize_entry("value", &UiFields(o.display_order()))?;
            }
            Value::Function(_) => {
                m.serialize_entry("type", "function")?;
                m.serialize_entry("value", "function")?;
            }
            Value::Secret(_) => {
                m.serialize_entry("type", "capsule")?;
                m.serialize_entry("value", "(secret)")?;
            }
            Value::OptionalSecret(o) => {
                m.serialize_entry("type", "capsule")?;
                if o.is_secret {
                    m.serialize_entry("value", "(secret)")?;
                } else {
                    m.serialize_entry(
                        "value",
                        &crate::gocompat::strconv::quote(o.value.as_bytes()),
                    )?;
                }
            }
            Value::Capsule(_) => {
                m.serialize_entry("type", "capsule")?;
                m.serialize_entry("value", &crate::eval::print::to_river(v))?;
            }
        }
        m.end()
    }
}

struct UiSeq<'a>(&'a [Value]);

impl Serialize for UiSeq<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.iter().map(UiValue))
    }
}

struct UiFields<'a, K>(Vec<(&'a K, &'a Value)>);

impl<K: std::ops::Deref<Target = str>> Serialize for UiFields<'_, K> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.iter().map(|(k, v)| UiField(k, v)))
    }
}

struct UiField<'a>(&'a str, &'a Value);

impl Serialize for UiField<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(2))?;
        m.serialize_entry("key", self.0)?;
        m.serialize_entry("value", &UiValue(self.1))?;
        m.end()
    }
}

async fn list_components(State(st): State<AppState>) -> Response {
    let snap = st.controller.snapshot();
    let flows = data_flow(&snap);
    let list: Vec<Json_> = snap.nodes.iter().map(|n| info_json(n, &flows)).collect();
    Json(list).into_response()
}

async fn get_component(State(st): State<AppState>, Path(id): Path<String>) -> Response {
    let snap = st.controller.snapshot();
    let Some(n) = snap.get(&id) else {
        return (StatusCode::NOT_FOUND, format!("component {id:?} not found")).into_response();
    };
    let flows = data_flow(&snap);
    Json(DetailJson {
        info: info_json(n, &flows),
        bodies: detail_bodies(n),
    })
    .into_response()
}

async fn peers(State(st): State<AppState>) -> Response {
    // Upstream lists participants and terminating nodes only; viewers are shown too, with
    // their state, so a node stuck as a viewer is visible.
    Json(st.cluster.view().peers).into_response()
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::eval::encode::body_to_json;
    use crate::eval::value::{Capsule, OptionalSecret};
    use crate::eval::{eval_expression, Scope};

    fn eval(src: &str) -> Value {
        eval_expression(src.as_bytes(), &Scope::new()).unwrap_or_else(|e| panic!("{src}: {e:?}"))
    }

    /// The streamed encoding is byte for byte the tree encoding, for every kind of value.
    #[test]
    fn streamed_bodies_are_the_tree_json() {
        let mut values: Vec<Value> = [
            "null",
            "true",
            "-1.25",
            "10",
            "1e300 * 1e300",
            "\"a\\n\\u00e9\\x01\"",
            "[]",
            "[1, \"x\", [null]]",
            "{}",
            "{b = 1, \"a-b\" = {c = [{d = \"e\"}]}, a = true}",
            "string.format",
        ]
        .iter()
        .map(|s| eval(s))
        .collect();
        values.push(Value::from(f64::NAN));
        values.push(Value::secret("pw"));
        values.push(Value::Bytes(b"ab".to_vec().into()));
        values.push(Value::Capsule(Capsule::new("t", 5u32)));
        for is_secret in [true, false] {
            values.push(Value::OptionalSecret(Arc::new(OptionalSecret {
                value: "text\"".into(),
                is_secret,
            })));
        }
        let attrs: Vec<BodyStmt> = values
            .iter()
            .enumerate()
            .map(|(i, v)| BodyStmt::Attr {
                name: format!("a{i}"),
                value: v.clone(),
            })
            .collect();
        let body = vec![
            BodyStmt::Block {
                name: "outer".into(),
                label: "x\"y".into(),
                body: attrs.clone(),
            },
            BodyStmt::Block {
                name: "empty".into(),
                label: String::new(),
                body: vec![],
            },
        ]
        .into_iter()
        .chain(attrs)
        .collect::<Vec<_>>();
        let tree = serde_json::to_string(&body_to_json(&body)).unwrap();
        let streamed = serde_json::to_string(&UiBody(&body)).unwrap();
        assert_eq!(streamed, tree);
    }

    #[test]
    fn detail_keys_are_sorted_like_a_json_value() {
        let info = json!({"name": "x", "type": "block", "localID": "x.y", "label": "y"});
        let bodies = vec![
            ("arguments", vec![]),
            (
                "debugInfo",
                vec![BodyStmt::Attr {
                    name: "n".into(),
                    value: Value::from(1i64),
                }],
            ),
        ];
        let mut tree = info.clone();
        if let Some(m) = tree.as_object_mut() {
            for (k, b) in &bodies {
                m.insert((*k).to_string(), body_to_json(b));
            }
        }
        let streamed = serde_json::to_string(&DetailJson { info, bodies }).unwrap();
        assert_eq!(streamed, serde_json::to_string(&tree).unwrap());
    }
}
