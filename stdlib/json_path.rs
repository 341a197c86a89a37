//! `json_path(json string, path string) list`: JSONPath (Goessner dialect, as the ojg library
//! upstream uses implements it; see [`crate::gocompat::jsonpath`]). The result is always an
//! array of the matches, `[]` when nothing matches; integers stay integers.

use crate::eval::{FnError, Function, Type, Value};
use crate::gocompat::jsonpath;

/// The `json_path` function value.
pub fn function() -> Value {
    Value::Function(Function::typed(
        "json_path",
        vec![Type::String, Type::String],
        None,
        |_, args| {
            let text = |i: usize| -> &[u8] {
                match args.get(i) {
                    Some(Value::String(s)) => s.as_bytes(),
                    _ => b"",
                }
            };
            let matches = jsonpath::json_path(text(0), text(1))
                .map_err(|e| FnError::Message(e.to_string()))?;
            Ok(Value::array(
                matches.iter().map(super::encoding::json_to_value).collect(),
            ))
        },
    ))
}

#[cfg(test)]
mod tests {
    use crate::eval::{eval_expression, print::to_river, Scope};

    fn ev(src: &str) -> String {
        match eval_expression(src.as_bytes(), &Scope::isolated()) {
            Ok(v) => to_river(&v),
            Err(e) => format!("error: {e}"),
        }
    }

    #[test]
    fn paths() {
        assert_eq!(ev(r#"json_path("{\"a\": \"b\"}", ".a")"#), r#"["b"]"#);
        assert_eq!(ev(r#"json_path("{\"a\": \"b\"}", ".nonexists")"#), "[]");
        assert_eq!(
            ev(
                r#"json_path("[{\"name\": \"Department\",\"value\": \"IT\"},{\"name\":\"X\",\"value\":\"1\"}]", "[?(@.name == \"Department\")].value")"#
            ),
            r#"["IT"]"#
        );
        assert_eq!(
            ev(r#"json_path("{\"a\": [1, 2, 3]}", "$.a[1:]")"#),
            "[2, 3]"
        );
        assert_eq!(ev(r#"json_path("{\"a\": 1.5}", "$.a")"#), "[1.5]");
        assert_eq!(
            ev(r#"json_path("{", "$")"#),
            "error: 1:1: json_path incomplete JSON at 1:2"
        );
    }
}
