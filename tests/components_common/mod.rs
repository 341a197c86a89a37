//! Helpers for the component tests: reading a component's exports and health from the API.
#![allow(dead_code)]

use std::collections::BTreeMap;

use serde_json::{Map, Value as Json};

use crate::common::agent::{get, Agent};

/// A UI-encoded value (`{"type": ..., "value": ...}`) as plain JSON. Capsules become their
/// description string.
pub fn plain(v: &Json) -> Json {
    match v["type"].as_str() {
        Some("array") => Json::Array(
            v["value"]
                .as_array()
                .map(|a| a.iter().map(plain).collect())
                .unwrap_or_default(),
        ),
        Some("object") => {
            let mut m = Map::new();
            for e in v["value"].as_array().into_iter().flatten() {
                if let Some(k) = e["key"].as_str() {
                    m.insert(k.to_string(), plain(&e["value"]));
                }
            }
            Json::Object(m)
        }
        Some("null") => Json::Null,
        _ => v["value"].clone(),
    }
}

/// The component detail object, or `None` when the request fails.
pub fn detail(a: &Agent, id: &str) -> Option<Json> {
    let (s, b) = get(&a.addr, &format!("/api/v0/web/components/{id}"));
    if s != 200 {
        return None;
    }
    serde_json::from_str(&b).ok()
}

/// A component's exports, by name, as plain JSON.
pub fn exports(a: &Agent, id: &str) -> BTreeMap<String, Json> {
    let Some(d) = detail(a, id) else {
        return BTreeMap::new();
    };
    d["exports"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|s| Some((s["name"].as_str()?.to_string(), plain(&s["value"]))))
        .collect()
}

/// One export as a list of targets (label maps).
pub fn targets(a: &Agent, id: &str, field: &str) -> Vec<BTreeMap<String, String>> {
    exports(a, id)
        .get(field)
        .and_then(|v| serde_json::from_value(v.clone()).ok())
        .unwrap_or_default()
}

/// A component's health: (state, message).
pub fn health(a: &Agent, id: &str) -> (String, String) {
    let d = detail(a, id).unwrap_or_default();
    (
        d["health"]["state"].as_str().unwrap_or("").to_string(),
        d["health"]["message"].as_str().unwrap_or("").to_string(),
    )
}

/// A River string literal for `s`.
pub fn river_str(s: &str) -> String {
    serde_json::to_string(s).expect("string")
}
