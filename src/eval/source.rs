//! Evaluating a whole source text as one expression: what `agent eval` does.
//!
//! A source that is one array literal (the shape of large generated inputs) is parsed and
//! evaluated one element at a time ([`parse_array_elements`]), so that only one element's
//! tree is alive at once instead of the whole tree next to the values. That path handles
//! success only: at the first syntax or evaluation error it gives up, and the source is
//! parsed and evaluated again as a whole, which produces exactly the diagnostics (and their
//! positions) of the ordinary path. Evaluation is deterministic, so running part of it twice
//! changes nothing but time, and only on the error path.

use std::sync::Arc;

use crate::syntax::diag::Diagnostics;
use crate::syntax::parser::{parse_array_elements, parse_expression_shared};

use super::scope::Scope;
use super::value::{KeyInterner, Value};
use super::vm::{eval_root, Vm};

/// Parses `source` as one expression and evaluates it.
pub fn eval_source(source: &Arc<str>, scope: &Scope) -> Result<Value, Diagnostics> {
    if source.trim_start().starts_with('[') {
        if let Some(v) = eval_array_by_element(source, scope) {
            return Ok(v);
        }
    }
    eval_root(&parse_expression_shared(source)?, scope)
}

/// The value of a source that is one array literal, element by element; `None` when the
/// source is not that or anything fails.
fn eval_array_by_element(source: &Arc<str>, scope: &Scope) -> Option<Value> {
    let mut out = Vec::new();
    // One key table for all elements, so that their objects share keys.
    let mut keys = KeyInterner::default();
    let done = parse_array_elements(source, |ast, e| {
        let mut vm = Vm::new(ast, scope, false);
        vm.keys = std::mem::take(&mut keys);
        let r = vm.eval(e);
        keys = std::mem::take(&mut vm.keys);
        match r {
            Ok(v) => {
                out.push(v);
                true
            }
            Err(_) => false,
        }
    });
    done.then(|| Value::array(out))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::print::to_river;
    use crate::syntax::parse_expression;

    /// The ordinary path: the whole tree, then evaluation.
    fn whole(src: &str) -> Result<String, String> {
        let ast = parse_expression(src.as_bytes()).map_err(|d| d.to_string())?;
        eval_root(&ast, &Scope::isolated())
            .map(|v| to_river(&v))
            .map_err(|d| d.to_string())
    }

    fn via_source(src: &str) -> Result<String, String> {
        eval_source(&Arc::from(src), &Scope::isolated())
            .map(|v| to_river(&v))
            .map_err(|d| d.to_string())
    }

    #[test]
    fn arrays_are_evaluated_by_element() {
        let src = "[1, {a = 2, b = [3]}, \"x\" + \"y\",\n  {a = 1}.a, // c\n]\n";
        assert!(eval_array_by_element(&Arc::from(src), &Scope::isolated()).is_some());
        assert_eq!(via_source(src), whole(src));
        assert!(eval_array_by_element(&Arc::from("[]"), &Scope::isolated()).is_some());
    }

    #[test]
    fn same_result_as_the_whole_tree() {
        let deep = format!(
            "[{}1{}]",
            "[".repeat(crate::syntax::parser::MAX_DEPTH as usize - 1),
            "]".repeat(crate::syntax::parser::MAX_DEPTH as usize - 1)
        );
        let deeper = format!(
            "[{}1{}]",
            "[".repeat(crate::syntax::parser::MAX_DEPTH as usize),
            "]".repeat(crate::syntax::parser::MAX_DEPTH as usize)
        );
        let cases: Vec<&str> = vec![
            "[]",
            "[1, 2, 3]",
            "[1, 2, 3,]",
            "  [1]\n\n",
            "[1, 2][0]",
            "[1, 2].x",
            "[1, 2] + 1",
            "[1] == [1]",
            "[1, 2] 3",
            "[1, 2]\n3",
            "[1\n, 2]",
            "[1 2]",
            "[1, 1 / 0, 3]",
            "[1, true && 1]",
            "[1000, 1000 && 1000]",
            "[null, null + 1]",
            "[1, undefined_ident]",
            "[{a = 1}.b]",
            "[1, \"\\q\"]",
            "[1, 2",
            "[1, 2]]",
            "[1, {a = 1, a = 2}]",
            "[[1, 2][5]]",
            "[1, 1e400]",
            "[x = 1]",
            "[1, 2, ",
            "[1, b { }]",
            "[1, 2] // trailing\n",
            "[1, /* c */ 2]",
            "[\"\\xff\"]",
            "[1, 2] ^ 2",
            "[1, 2](3)",
            &deep,
            &deeper,
        ];
        for src in cases {
            assert_eq!(via_source(src), whole(src), "{src}");
        }
    }

    #[test]
    fn objects_of_all_elements_share_keys() {
        let v = eval_source(&Arc::from("[{name = 1}, {name = 2}]"), &Scope::isolated())
            .expect("evaluates");
        let Value::Array(a) = v else {
            panic!("not an array")
        };
        let key = |i: usize| match &a[i] {
            Value::Object(o) => o.keys().next().cloned().expect("one key"),
            _ => panic!("not an object"),
        };
        assert!(Arc::ptr_eq(&key(0), &key(1)));
    }
}
