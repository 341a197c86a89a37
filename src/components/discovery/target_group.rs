//! Target groups: Prometheus' file_sd / http_sd document, a list of
//! `{ "targets": ["host:port", ...], "labels": { "name": "value" } }`, and how groups become
//! targets.
//!
//! JSON is read as Go's `encoding/json` reads it (unknown fields ignored); YAML strictly
//! (unknown fields are errors), as Prometheus does. Label names must be valid Prometheus label
//! names. Errors name the position (`line:column`) when the parser knows it.

use std::collections::BTreeMap;
use std::fmt;

use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::Deserialize;

use super::Target;
use crate::prom::labels::is_valid_label_name;

/// The reserved label holding a target's address.
pub const ADDRESS_LABEL: &str = "__address__";

/// One group: addresses sharing a set of labels.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct TargetGroup {
    /// The addresses (`host:port`).
    pub targets: Vec<String>,
    /// Labels every target of the group gets.
    pub labels: BTreeMap<String, String>,
}

/// The format of a document.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Format {
    /// JSON (`.json`, HTTP SD).
    Json,
    /// YAML (`.yml`, `.yaml`).
    Yaml,
}

/// Why a document could not be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GroupsError {
    /// 1-based line and column, when known.
    pub position: Option<(usize, usize)>,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for GroupsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.position {
            Some((l, c)) => write!(f, "{l}:{c}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

/// A label set whose names are checked while decoding (so errors carry positions).
#[derive(Default)]
struct LabelSet(BTreeMap<String, String>);

impl<'de> Deserialize<'de> for LabelSet {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<LabelSet, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = LabelSet;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a map of label names to string values")
            }
            fn visit_unit<E: de::Error>(self) -> Result<LabelSet, E> {
                Ok(LabelSet::default())
            }
            fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<LabelSet, A::Error> {
                let mut out = BTreeMap::new();
                while let Some((k, v)) = m.next_entry::<String, LabelValue>()? {
                    if !is_valid_label_name(&k) {
                        return Err(de::Error::custom(format!(
                            "{k:?} is not a valid label name"
                        )));
                    }
                    out.insert(k, v.0);
                }
                Ok(LabelSet(out))
            }
        }
        d.deserialize_any(V)
    }
}

/// A label value: a string (YAML also lets numbers and booleans stand for their text, as Go's
/// YAML decoder does for string fields).
struct LabelValue(String);

impl<'de> Deserialize<'de> for LabelValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<LabelValue, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = LabelValue;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string label value")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<LabelValue, E> {
                Ok(LabelValue(v.to_owned()))
            }
            fn visit_unit<E: de::Error>(self) -> Result<LabelValue, E> {
                Ok(LabelValue(String::new()))
            }
        }
        d.deserialize_str(V)
    }
}

#[derive(Deserialize)]
struct JsonGroup {
    #[serde(default)]
    targets: Option<Vec<String>>,
    #[serde(default)]
    labels: LabelSet,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct YamlGroup {
    #[serde(default)]
    targets: Option<Vec<String>>,
    #[serde(default)]
    labels: LabelSet,
}

/// `message at line L column C` → (`message`, position).
fn split_position(text: &str) -> (String, Option<(usize, usize)>) {
    if let Some((msg, rest)) = text.rsplit_once(" at line ") {
        if let Some((l, c)) = rest.split_once(" column ") {
            if let (Ok(l), Ok(c)) = (l.trim().parse(), c.trim().parse()) {
                return (msg.to_owned(), Some((l, c)));
            }
        }
    }
    (text.to_owned(), None)
}

fn nil_group(index: usize) -> GroupsError {
    GroupsError {
        position: None,
        message: format!("nil target group item found (index {index})"),
    }
}

/// Reads a document.
pub fn parse(data: &[u8], format: Format) -> Result<Vec<TargetGroup>, GroupsError> {
    let raw: Vec<Option<(Option<Vec<String>>, LabelSet)>> = match format {
        Format::Json => serde_json::from_slice::<Vec<Option<JsonGroup>>>(data)
            .map_err(|e| {
                let (message, _) = split_position(&e.to_string());
                GroupsError {
                    position: (e.line() > 0).then(|| (e.line(), e.column())),
                    message,
                }
            })?
            .into_iter()
            .map(|g| g.map(|g| (g.targets, g.labels)))
            .collect(),
        Format::Yaml => {
            // An empty document is an empty list, as in Go.
            if data.iter().all(|b| b.is_ascii_whitespace()) {
                return Ok(Vec::new());
            }
            serde_yaml::from_slice::<Option<Vec<Option<YamlGroup>>>>(data)
                .map_err(|e| {
                    let (message, pos) = split_position(&e.to_string());
                    GroupsError {
                        position: e.location().map(|l| (l.line(), l.column())).or(pos),
                        message,
                    }
                })?
                .unwrap_or_default()
                .into_iter()
                .map(|g| g.map(|g| (g.targets, g.labels)))
                .collect()
        }
    };
    raw.into_iter()
        .enumerate()
        .map(|(i, g)| {
            let (targets, labels) = g.ok_or_else(|| nil_group(i))?;
            Ok(TargetGroup {
                targets: targets.unwrap_or_default(),
                labels: labels.0,
            })
        })
        .collect()
}

/// The targets of `groups`: each address becomes `{__address__, <group labels>, <extra>}`;
/// the address wins over a group label of the same name, and empty values are left out.
pub fn to_targets<'a>(
    groups: impl IntoIterator<Item = &'a TargetGroup>,
    extra: &[(&str, &str)],
) -> Vec<Target> {
    let mut out = Vec::new();
    for g in groups {
        for addr in &g.targets {
            let mut t: Target = g
                .labels
                .iter()
                .filter(|(_, v)| !v.is_empty())
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            for (k, v) in extra {
                if !v.is_empty() {
                    t.insert((*k).to_owned(), (*v).to_owned());
                }
            }
            if !addr.is_empty() {
                t.insert(ADDRESS_LABEL.to_owned(), addr.clone());
            }
            out.push(t);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_groups() {
        let doc = br#"[
            {"targets": ["a:1", "b:2"], "labels": {"env": "prod"}, "extra": 1},
            {"targets": ["c:3"]},
            {"labels": {"x": "y"}}
        ]"#;
        let g = parse(doc, Format::Json).unwrap();
        assert_eq!(g.len(), 3);
        assert_eq!(g[0].targets, vec!["a:1", "b:2"]);
        assert_eq!(g[0].labels["env"], "prod");
        let t = to_targets(&g, &[("__meta_filepath", "/f.json")]);
        assert_eq!(t.len(), 3);
        assert_eq!(t[0]["__address__"], "a:1");
        assert_eq!(t[0]["env"], "prod");
        assert_eq!(t[0]["__meta_filepath"], "/f.json");
        assert_eq!(t[2]["__address__"], "c:3");
    }

    #[test]
    fn json_errors_have_positions() {
        let e = parse(b"[\n  {\"targets\": [\"a:1\",]}\n]", Format::Json).unwrap_err();
        assert_eq!(e.position.map(|p| p.0), Some(2), "{e}");
        let e = parse(b"[{\"labels\": {\"a-b\": \"x\"}}]", Format::Json).unwrap_err();
        assert!(
            e.message.contains("\"a-b\" is not a valid label name"),
            "{e}"
        );
        assert!(e.position.is_some());
        let e = parse(b"[null]", Format::Json).unwrap_err();
        assert_eq!(e.message, "nil target group item found (index 0)");
        let e = parse(b"{\"targets\": []}", Format::Json).unwrap_err();
        assert!(e.message.contains("expected a sequence"), "{e}");
        let e = parse(b"[{\"labels\": {\"a\": 1}}]", Format::Json).unwrap_err();
        assert!(e.message.contains("invalid type"), "{e}");
    }

    #[test]
    fn yaml_groups() {
        let doc = b"- targets: ['a:1']\n  labels:\n    env: prod\n    n: 5\n- targets: [b:2]\n";
        let g = parse(doc, Format::Yaml).unwrap();
        assert_eq!(g.len(), 2);
        assert_eq!(g[0].labels["n"], "5");
        assert_eq!(g[1].targets, vec!["b:2"]);
        assert!(parse(b"", Format::Yaml).unwrap().is_empty());
        let e = parse(b"- targets: ['a']\n  lables: {}\n", Format::Yaml).unwrap_err();
        assert!(e.message.contains("unknown field `lables`"), "{e}");
        assert_eq!(e.position.map(|p| p.0), Some(2), "{e}");
        let e = parse(b"- targets: [a\n", Format::Yaml).unwrap_err();
        assert!(e.position.is_some(), "{e}");
    }

    #[test]
    fn address_wins_and_empty_values_are_dropped() {
        let g = TargetGroup {
            targets: vec!["h:1".into()],
            labels: [
                ("__address__".to_string(), "other".to_string()),
                ("empty".to_string(), String::new()),
            ]
            .into(),
        };
        let t = to_targets([&g], &[]);
        assert_eq!(t[0].len(), 1);
        assert_eq!(t[0]["__address__"], "h:1");
    }
}
