//! The `array` namespace: `concat`, `combine_maps`, `group_by`.

use std::borrow::Cow;

use crate::eval::error::{Anchor, PathStep};
use crate::eval::ops::values_equal;
use crate::eval::{FnError, Function, Key, Object, Value, ValueError};

/// `concat(a ...array) array`: the arrays joined in order; no arguments give `[]`, one
/// argument is returned unchanged. A non-array argument is an error on that argument.
pub fn concat() -> Value {
    Value::Function(Function::raw("concat", |_, args| {
        if args.is_empty() {
            return Ok(Value::array(Vec::new()));
        }
        let mut total = 0;
        for (i, a) in args.iter().enumerate() {
            match a.len() {
                Some(n) if !matches!(a, Value::Object(_)) => total += n,
                _ => return Err(arg_type_error(a, i, "array")),
            }
        }
        if args.len() == 1 {
            return Ok(args[0].clone());
        }
        let mut out = Vec::with_capacity(total);
        for a in args {
            out.extend(a.array_elems().unwrap_or_default().iter().cloned());
        }
        Ok(Value::array(out))
    }))
}

/// An argument of the wrong type.
fn arg_type_error(v: &Value, index: usize, expected: &str) -> FnError {
    FnError::Value(
        ValueError::type_error(v.clone(), expected)
            .on(v.clone())
            .anchored(Anchor::Arg(index)),
    )
}

/// An element `elem` of argument `arg` of the wrong type.
fn elem_type_error(v: &Value, arg: usize, elem: usize, expected: &str) -> FnError {
    FnError::Value(
        ValueError::type_error(v.clone(), expected)
            .on(v.clone())
            .with_hidden_outer(vec![PathStep::Elem(elem)])
            .anchored(Anchor::Arg(arg)),
    )
}

fn object_like(v: &Value) -> Option<Cow<'_, Object>> {
    v.as_object_like()
}

/// `combine_maps(a, b list(object), keys list(string) [, passthrough bool]) list(object)`:
/// for every pair (x of `a`, y of `b`) whose values under every key are equal, the merged
/// object (y's values win); with `passthrough`, every other pair emits x.
pub fn combine_maps() -> Value {
    Value::Function(Function::raw("combine_maps", |_, args| {
        if args.len() != 3 && args.len() != 4 {
            return Err(FnError::Message(format!(
                "combine_maps: expected 3 or 4 arguments, got {}",
                args.len()
            )));
        }
        for (i, arg) in args.iter().enumerate().take(2) {
            let Some(elems) = array_of(arg) else {
                return Err(arg_type_error(arg, i, "array"));
            };
            for (j, e) in elems.iter().enumerate() {
                if object_like(e).is_none() {
                    return Err(elem_type_error(e, i, j, "object"));
                }
            }
        }
        let Some(keys) = array_of(&args[2]) else {
            return Err(arg_type_error(&args[2], 2, "array"));
        };
        if keys.is_empty() {
            return Err(FnError::Value(
                ValueError::new(
                    args[2].clone(),
                    "combine_maps: merge conditions must not be empty",
                )
                .on(args[2].clone())
                .anchored(Anchor::Arg(2)),
            ));
        }
        let passthrough = match args.get(3) {
            None => false,
            Some(Value::Bool(b)) => *b,
            Some(other) => return Err(arg_type_error(other, 3, "bool")),
        };
        let keys: Vec<String> = keys
            .iter()
            .map(|k| match k {
                Value::String(s) => s.to_str_lossy().into_owned(),
                _ => String::new(),
            })
            .collect();
        let left = array_of(&args[0]).unwrap_or_default();
        let right = array_of(&args[1]).unwrap_or_default();
        let mut out = Vec::new();
        for l in left.iter() {
            let lo = object_like(l)
                .map(Cow::into_owned)
                .unwrap_or_else(Object::empty);
            for r in right.iter() {
                let ro = object_like(r)
                    .map(Cow::into_owned)
                    .unwrap_or_else(Object::empty);
                let join = keys.iter().all(|k| match (lo.get(k), ro.get(k)) {
                    (Some(a), Some(b)) => go_equal(a, b),
                    _ => false,
                });
                if join {
                    let mut entries = lo.to_entries();
                    entries.extend(ro.to_entries());
                    out.push(Value::Object(Object::unordered(entries)));
                } else if passthrough {
                    out.push(l.clone());
                }
            }
        }
        Ok(Value::array(out))
    }))
}

fn array_of(v: &Value) -> Option<Cow<'_, [Value]>> {
    match v {
        Value::Array(_) | Value::Bytes(_) => v.array_elems(),
        _ => None,
    }
}

/// Go `==` on the underlying values (`reflect.Value.Equal`): same type and same value, so
/// `1` ≠ `"1"` and an int never equals a float. Arrays and objects are compared element-wise
/// (upstream panics on them).
fn go_equal(a: &Value, b: &Value) -> bool {
    use crate::eval::Number;
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => match (x, y) {
            (Number::Int(p), Number::Int(q)) => p == q,
            (Number::Uint(p), Number::Uint(q)) => p == q,
            (Number::Float(p), Number::Float(q)) => p == q,
            _ => false,
        },
        _ => values_equal(a, b),
    }
}

/// `group_by(a list(object), key string, drop_missing bool) list(object)`: groups the
/// objects by their string value under the top-level `key`; the result is
/// `[{<key> = value, items = [...]}, …]` in order of first appearance. Objects without the
/// key are dropped when `drop_missing`, otherwise grouped under `""`.
pub fn group_by() -> Value {
    Value::Function(Function::raw("group_by", |_, args| {
        if args.len() != 3 {
            return Err(FnError::Message(format!(
                "group_by: expected 3 arguments, got {}",
                args.len()
            )));
        }
        let Some(items) = array_of(&args[0]) else {
            return Err(arg_type_error(&args[0], 0, "array"));
        };
        let Value::String(key) = &args[1] else {
            return Err(arg_type_error(&args[1], 1, "string"));
        };
        let Value::Bool(drop_missing) = args[2] else {
            return Err(arg_type_error(&args[2], 2, "bool"));
        };
        let key_text = key.to_str_lossy().into_owned();
        let mut groups: Vec<(Vec<u8>, Vec<Value>)> = Vec::new();
        for (i, item) in items.iter().enumerate() {
            let Some(obj) = object_like(item) else {
                return Err(elem_type_error(item, 0, i, "object"));
            };
            let item_value = match item {
                Value::Object(_) => item.clone(),
                _ => Value::Object(obj.clone().into_owned()),
            };
            let group = match obj.get(&key_text) {
                None if drop_missing => continue,
                None => Vec::new(),
                Some(Value::String(s)) => s.as_bytes().to_vec(),
                Some(other) => {
                    return Err(FnError::Value(
                        ValueError::type_error(other.clone(), "string")
                            .on(other.clone())
                            .with_hidden_outer(vec![
                                PathStep::Elem(i),
                                PathStep::Field(Key::from(key_text.as_str())),
                            ])
                            .anchored(Anchor::Arg(0)),
                    ))
                }
            };
            match groups.iter_mut().find(|(k, _)| *k == group) {
                Some((_, list)) => list.push(item_value),
                None => groups.push((group, vec![item_value])),
            }
        }
        Ok(Value::array(
            groups
                .into_iter()
                .map(|(k, list)| {
                    Value::Object(Object::unordered(vec![
                        (Key::from(key_text.as_str()), Value::String(k.into())),
                        (Key::from("items"), Value::array(list)),
                    ]))
                })
                .collect(),
        ))
    }))
}

/// The namespace's functions.
pub fn functions() -> Vec<(&'static str, Value)> {
    vec![
        ("concat", concat()),
        ("combine_maps", combine_maps()),
        ("group_by", group_by()),
    ]
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
    fn concat_arrays() {
        assert_eq!(
            ev(r#"concat([true, "foo"], [], [false, 1])"#),
            r#"[true, "foo", false, 1]"#
        );
        assert_eq!(ev("concat()"), "[]");
        assert_eq!(
            ev("concat([1], 2)"),
            "error: 1:13: 2 should be array, got number"
        );
    }

    #[test]
    fn combine_and_group() {
        assert_eq!(
            ev(r#"array.combine_maps([{"a" = 1, "b" = 2.2}], [{"a" = 1, "b" = "3.3"}], ["a"])"#),
            "[{\n\ta = 1,\n\tb = \"3.3\",\n}]"
        );
        assert_eq!(
            ev(r#"array.combine_maps([{"a" = 1}], [{"a" = 1.0}], ["a"])"#),
            "[]"
        );
        assert_eq!(
            ev(r#"array.combine_maps([{"a" = "a1"}], [{"a" = "a1"}], [])"#),
            "error: 1:52: [] combine_maps: merge conditions must not be empty"
        );
        assert_eq!(
            ev(r#"array.group_by([{"name" = "alice", "age" = 20}], "age", false)"#),
            "error: 1:44: 20 should be string, got number"
        );
        assert_eq!(
            ev(r#"array.group_by([{"name" = "alice"}], "age")"#),
            "error: -: group_by: expected 3 arguments, got 2"
        );
    }
}
