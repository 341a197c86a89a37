//! The `convert` namespace: revealing secrets.

use crate::eval::{Function, Type, Value};

/// `nonsensitive(s secret) string`: the hidden text of a secret; also accepts optional
/// secrets and plain strings.
pub fn nonsensitive() -> Value {
    Value::Function(Function::typed(
        "nonsensitive",
        vec![Type::Secret],
        None,
        |_, args| {
            Ok(match args.first() {
                Some(Value::Secret(s)) => Value::String(s.clone()),
                _ => Value::string(""),
            })
        },
    ))
}

/// The namespace's functions.
pub fn functions() -> Vec<(&'static str, Value)> {
    vec![("nonsensitive", nonsensitive())]
}

#[cfg(test)]
mod tests {
    use crate::eval::{eval_expression, print::to_river, Scope, Value};

    #[test]
    fn reveals_secrets() {
        let s = Scope::isolated()
            .with("secret", Value::secret("foo"))
            .with("opt", Value::optional_secret("bar", true));
        let ev = |src: &str| match eval_expression(src.as_bytes(), &s) {
            Ok(v) => to_river(&v),
            Err(e) => e.to_string(),
        };
        assert_eq!(ev("nonsensitive(secret)"), r#""foo""#);
        assert_eq!(ev("convert.nonsensitive(opt)"), r#""bar""#);
        assert_eq!(ev(r#"nonsensitive("x")"#), r#""x""#);
        assert_eq!(
            ev("nonsensitive(1)"),
            "1:14: 1 should be capsule, got number"
        );
    }
}
