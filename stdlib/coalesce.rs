//! `coalesce(v ...any) any`: the first argument that is not empty.

use crate::eval::{Function, Value};

/// Whether `v` counts as empty: null, Go zero values (`0`, `0.0` but not `-0.0`, `""`,
/// `false`, an empty secret), empty arrays and objects, capsules whose object form is empty,
/// and host objects whose fields are all zero.
fn is_empty(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::Bool(b) => !b,
        Value::Number(n) => n.is_go_zero(),
        Value::String(s) | Value::Secret(s) => s.is_empty(),
        Value::Bytes(b) => b.is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => {
            o.is_empty() || (o.is_ordered() && o.iter().all(|(_, v)| is_zero_field(v)))
        }
        Value::OptionalSecret(o) => o.value.is_empty() && !o.is_secret,
        Value::Capsule(c) => c.to_object().is_some_and(|o| o.is_empty()),
        Value::Function(_) => false,
    }
}

/// Go's `reflect.Value.IsZero` of a struct field.
fn is_zero_field(v: &Value) -> bool {
    match v {
        Value::Array(a) => a.is_empty(),
        Value::Object(o) if !o.is_ordered() => o.is_empty(),
        Value::Capsule(_) | Value::Function(_) => false,
        _ => is_empty(v),
    }
}

/// The `coalesce` function value. With no arguments it returns null; when every argument is
/// empty it returns the last one.
pub fn function() -> Value {
    Value::Function(Function::raw("coalesce", |_, args| {
        Ok(args
            .iter()
            .find(|a| !is_empty(a))
            .or_else(|| args.last())
            .cloned()
            .unwrap_or(Value::Null))
    }))
}

#[cfg(test)]
mod tests {
    use crate::eval::{eval_expression, print::to_river, Scope};

    fn ev(src: &str) -> String {
        to_river(&eval_expression(src.as_bytes(), &Scope::isolated()).unwrap())
    }

    #[test]
    fn first_non_empty_or_last() {
        assert_eq!(ev("coalesce()"), "null");
        assert_eq!(ev("coalesce(0, 1, 2)"), "1");
        assert_eq!(ev("coalesce(false, true)"), "true");
        assert_eq!(ev(r#"coalesce("", null)"#), "null");
        assert_eq!(ev("coalesce([], null)"), "null");
        assert_eq!(ev("coalesce([null], 1)"), "[null]");
        assert_eq!(ev("coalesce({a = null}, 1)"), "{\n\ta = null,\n}");
        assert_eq!(ev("coalesce(-0.0, 1)"), "-0");
    }
}
