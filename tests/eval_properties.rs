//! Evaluation does not depend on layout: `eval(fmt(e)) == eval(e)` for generated expressions
//! (same value, or the same error message), and evaluation never panics.

mod common;

use common::gen::*;
use proptest::prelude::*;
use river_agent::eval::{eval_expression, Scope, Value};

fn outcome(src: &str, scope: &Scope) -> Result<Value, String> {
    eval_expression(src.as_bytes(), scope).map_err(|d| {
        d.0.iter()
            .map(|x| x.message.clone())
            .collect::<Vec<_>>()
            .join("; ")
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1000, .. ProptestConfig::default() })]

    #[test]
    fn formatting_does_not_change_the_value(e in expr()) {
        let src = render(&e);
        let scope = Scope::isolated().with("x", Value::from(vec![Value::from(1i64), Value::from("a")]));
        let Ok(ast) = river_agent::syntax::parse_expression(src.as_bytes()) else { return Ok(()) };
        let formatted = river_agent::fmt::format_file(&ast);
        let a = outcome(&src, &scope);
        let b = outcome(&formatted, &scope);
        match (&a, &b) {
            (Ok(x), Ok(y)) => prop_assert!(x == y, "{src:?} → {x:?}\n{formatted:?} → {y:?}"),
            (Err(x), Err(y)) => prop_assert_eq!(x, y, "{:?} vs {:?}", src, formatted),
            _ => prop_assert!(false, "{src:?} → {a:?}\n{formatted:?} → {b:?}"),
        }
    }
}
