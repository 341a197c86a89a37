//! `string.format` / `format`: Go's `fmt.Sprintf` over River values.
//!
//! Arguments arrive converted as Go's `any` (ints, uint64, float64, strings, bools,
//! `[]interface {}`, `map[string]interface {}`, nil); the formatting itself, error spellings
//! included (`%!d(string=hi)`, `%!s(MISSING)`, `%!(EXTRA int=1)`), is
//! [`crate::gocompat::sprintf`].

use crate::eval::{print, Function, Number, Str, Type, Value};
use crate::gocompat::sprintf::{sprintf, GoArg};

/// The Go value `fmt` sees for a River value (after the `any` conversion).
pub fn go_arg(v: &Value) -> GoArg {
    match v {
        Value::Null => GoArg::Nil,
        Value::Bool(b) => GoArg::Bool(*b),
        Value::Number(Number::Int(i)) => GoArg::Int(*i),
        Value::Number(Number::Uint(u)) => GoArg::Uint(*u),
        Value::Number(Number::Float(f)) => GoArg::Float(*f),
        Value::String(s) => GoArg::Str(s.as_bytes().to_vec()),
        Value::Bytes(b) => GoArg::Bytes(b.as_bytes().to_vec()),
        Value::Array(a) => GoArg::Slice(a.iter().map(go_arg).collect()),
        Value::Object(o) => GoArg::Map(o.iter().map(|(k, v)| (k.to_string(), go_arg(v))).collect()),
        // A Secret is a Go string type: fmt prints its text.
        Value::Secret(s) => GoArg::Opaque {
            type_name: "alloytypes.Secret".to_string(),
            text: s.to_str_lossy().into_owned(),
        },
        Value::OptionalSecret(o) => GoArg::Opaque {
            type_name: "alloytypes.OptionalSecret".to_string(),
            text: format!("{{{} {}}}", o.is_secret, o.value.to_str_lossy()),
        },
        Value::Function(_) => GoArg::Opaque {
            type_name: "func".to_string(),
            text: "function".to_string(),
        },
        Value::Capsule(c) => GoArg::Opaque {
            type_name: c.type_name().to_string(),
            text: print::to_river(v),
        },
    }
}

/// The `format` function value: `format(fmt string, args ...any) string`.
pub fn function() -> Value {
    Value::Function(Function::typed(
        "format",
        vec![Type::String],
        Some(Type::Any),
        |_, args| {
            let fmt: &[u8] = match args.first() {
                Some(Value::String(s)) => s.as_bytes(),
                _ => b"",
            };
            let go: Vec<GoArg> = args[1..].iter().map(go_arg).collect();
            Ok(Value::String(Str::from(sprintf(fmt, &go))))
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
    fn formats_like_go() {
        assert_eq!(ev(r#"format("Hello %s", "World")"#), r#""Hello World""#);
        assert_eq!(ev(r#"format("%#v", 1)"#), r#""1""#);
        assert_eq!(ev(r#"format("%q", "hello")"#), r#""\"hello\"""#);
        assert_eq!(ev(r#"format("%d", "hi")"#), r#""%!d(string=hi)""#);
        assert_eq!(
            ev(r#"format("%v %v", [1, "a"], {b = 2, a = 1})"#),
            r#""[1 a] map[a:1 b:2]""#
        );
        assert_eq!(ev(r#"format("%6.2f|", 3.14159)"#), r#""  3.14|""#);
        assert_eq!(ev(r#"format("%s")"#), r#""%!s(MISSING)""#);
        assert_eq!(
            ev("format()"),
            "error: 1:1: format expected at least 1 args, got 0"
        );
    }
}
