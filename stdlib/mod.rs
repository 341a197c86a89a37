//! The standard library (§6): every River-era top-level name and every Alloy-era namespaced
//! name, one file per namespace.
//!
//! Renamed functions are the *same* function value under both names (`to_upper` and
//! `string.to_upper`), as upstream registers the same Go function twice. Namespaces are
//! objects whose fields are functions. A scope variable shadows a stdlib name.

use std::collections::HashMap;
use std::sync::OnceLock;

use crate::eval::{Key, Object, Value};

pub mod array;
pub mod coalesce;
pub mod constants;
pub mod convert;
pub mod encoding;
pub mod file;
pub mod format;
pub mod json_path;
pub mod string;
pub mod sys;
mod text;

/// Top-level names kept from the River era that Alloy marks deprecated, each with its
/// namespaced replacement.
pub const DEPRECATED: &[(&str, &str)] = &[
    ("env", "sys.env"),
    ("nonsensitive", "convert.nonsensitive"),
    ("concat", "array.concat"),
    ("json_decode", "encoding.from_json"),
    ("yaml_decode", "encoding.from_yaml"),
    ("base64_decode", "encoding.from_base64"),
    ("format", "string.format"),
    ("join", "string.join"),
    ("replace", "string.replace"),
    ("split", "string.split"),
    ("to_lower", "string.to_lower"),
    ("to_upper", "string.to_upper"),
    ("trim", "string.trim"),
    ("trim_prefix", "string.trim_prefix"),
    ("trim_suffix", "string.trim_suffix"),
    ("trim_space", "string.trim_space"),
];

/// Full names of experimental functions (Alloy requires `--stability.level=experimental`).
pub const EXPERIMENTAL: &[&str] = &["array.combine_maps", "array.group_by"];

/// True when `name` is a deprecated top-level stdlib name.
pub fn is_deprecated(name: &str) -> bool {
    DEPRECATED.iter().any(|(n, _)| *n == name)
}

/// True when the full name `namespace.function` is experimental.
pub fn is_experimental(full_name: &str) -> bool {
    EXPERIMENTAL.contains(&full_name)
}

fn namespace(entries: Vec<(&'static str, Value)>) -> Value {
    Value::Object(Object::unordered(
        entries
            .into_iter()
            .map(|(k, v)| (Key::from(k), v))
            .collect(),
    ))
}

fn table() -> &'static HashMap<&'static str, Value> {
    static TABLE: OnceLock<HashMap<&'static str, Value>> = OnceLock::new();
    TABLE.get_or_init(|| {
        let string = string::functions();
        let encoding = encoding::functions();
        let array = array::functions();
        let sys = sys::functions();
        let convert = convert::functions();
        let file = file::functions();
        let get = |list: &[(&'static str, Value)], name: &str| -> Value {
            list.iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| v.clone())
                .unwrap_or_default()
        };

        let mut t: HashMap<&'static str, Value> = HashMap::new();
        t.insert("constants", constants::value());
        t.insert("coalesce", coalesce::function());
        t.insert("json_path", json_path::function());

        // River-era names: the same function values as their namespaced versions.
        t.insert("env", get(&sys, "env"));
        t.insert("nonsensitive", get(&convert, "nonsensitive"));
        t.insert("concat", get(&array, "concat"));
        t.insert("json_decode", get(&encoding, "from_json"));
        t.insert("yaml_decode", get(&encoding, "from_yaml"));
        t.insert("base64_decode", get(&encoding, "from_base64"));
        for name in [
            "format",
            "join",
            "replace",
            "split",
            "to_lower",
            "to_upper",
            "trim",
            "trim_prefix",
            "trim_suffix",
            "trim_space",
        ] {
            t.insert(name, get(&string, name));
        }

        t.insert("string", namespace(string));
        t.insert("encoding", namespace(encoding));
        t.insert("array", namespace(array));
        t.insert("sys", namespace(sys));
        t.insert("convert", namespace(convert));
        t.insert("file", namespace(file));
        t
    })
}

/// The stdlib value named `name` (a function, a namespace object or `constants`).
pub fn lookup(name: &str) -> Option<&'static Value> {
    table().get(name)
}

/// All top-level stdlib names.
pub fn names() -> impl Iterator<Item = &'static str> {
    table().keys().copied()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::{eval_expression, print::to_river, Scope};

    /// Every `expr  //=> result` line of docs/stdlib.md holds.
    #[test]
    fn documented_examples() {
        let doc = include_str!("../docs/stdlib.md");
        let scope = Scope::with_env();
        let mut checked = 0;
        let mut in_code = false;
        for line in doc.lines() {
            if line.starts_with("```") {
                in_code = line == "```river";
                continue;
            }
            if !in_code {
                continue;
            }
            let Some((lhs, rhs)) = line.split_once("//=>") else {
                continue;
            };
            let got = eval_expression(lhs.trim().as_bytes(), &scope)
                .unwrap_or_else(|e| panic!("{lhs}: {e}"));
            let want = eval_expression(rhs.trim().as_bytes(), &scope)
                .unwrap_or_else(|e| panic!("{rhs}: {e}"));
            assert_eq!(to_river(&got), to_river(&want), "{}", lhs.trim());
            checked += 1;
        }
        assert!(checked >= 40, "only {checked} examples");
    }

    #[test]
    fn both_spellings_share_one_function() {
        let Some(Value::Function(a)) = lookup("to_upper") else {
            panic!()
        };
        let Some(Value::Object(ns)) = lookup("string") else {
            panic!()
        };
        let Some(Value::Function(b)) = ns.get("to_upper") else {
            panic!()
        };
        assert!(std::ptr::eq(a.def(), b.def()));
        for (old, new) in DEPRECATED {
            assert!(lookup(old).is_some(), "{old}");
            let (ns, f) = new.split_once('.').unwrap();
            let Some(Value::Object(o)) = lookup(ns) else {
                panic!("{ns}")
            };
            assert!(matches!(o.get(f), Some(Value::Function(_))), "{new}");
        }
        for name in [
            "constants",
            "coalesce",
            "json_path",
            "file",
            "array",
            "encoding",
        ] {
            assert!(lookup(name).is_some(), "{name}");
        }
        assert!(is_deprecated("env") && !is_deprecated("coalesce"));
        assert!(is_experimental("array.group_by"));
    }
}
