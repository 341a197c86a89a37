//! The `sys` namespace: the process environment.

use crate::eval::{Function, Type, Value};

/// `env(name string) string`: the environment variable's value, `""` when unset. Reads the
/// environment the scope was given ([`crate::eval::EnvSource`]).
pub fn env() -> Value {
    Value::Function(Function::typed(
        "env",
        vec![Type::String],
        None,
        |ctx, args| {
            let name = match args.first() {
                Some(Value::String(s)) => s.as_bytes(),
                _ => b"",
            };
            Ok(Value::String(ctx.getenv(name)))
        },
    ))
}

/// The namespace's functions.
pub fn functions() -> Vec<(&'static str, Value)> {
    vec![("env", env())]
}

#[cfg(test)]
mod tests {
    use crate::eval::{eval_expression, print::to_river, EnvSource, Scope};
    use std::collections::HashMap;
    use std::sync::Arc;

    #[test]
    fn env_reads_the_scope_environment() {
        let mut m = HashMap::new();
        m.insert("TEST_VAR".to_string(), "Hello!".to_string());
        let mut s = Scope::isolated();
        s.set_env(EnvSource::Fixed(Arc::new(m)));
        let ev = |src: &str| to_river(&eval_expression(src.as_bytes(), &s).unwrap());
        assert_eq!(ev(r#"env("TEST_VAR")"#), r#""Hello!""#);
        assert_eq!(ev(r#"sys.env("TEST_VAR")"#), r#""Hello!""#);
        assert_eq!(ev(r#"sys.env("NON_DEFINED")"#), r#""""#);
        assert_eq!(ev("env(1)"), r#""""#);
        let e = eval_expression(b"env()", &s).unwrap_err().to_string();
        assert_eq!(e, "1:1: env expected 1 args, got 0");
    }
}
