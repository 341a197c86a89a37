//! The `string` namespace (and its River-era top-level names): Go `strings` functions and
//! `fmt.Sprintf`.

use crate::eval::{Function, Str, Type, Value};

use super::text;

fn arg(args: &[Value], i: usize) -> &[u8] {
    match args.get(i) {
        Some(Value::String(s)) => s.as_bytes(),
        _ => b"",
    }
}

fn string_fn(
    name: &'static str,
    arity: usize,
    f: impl Fn(&[Value]) -> Vec<u8> + Send + Sync + 'static,
) -> Value {
    Value::Function(Function::typed(
        name,
        vec![Type::String; arity],
        None,
        move |_, args| Ok(Value::String(Str::from(f(args)))),
    ))
}

/// The namespace's functions.
pub fn functions() -> Vec<(&'static str, Value)> {
    vec![
        // format(fmt string, args ...any) string — Go fmt.Sprintf.
        ("format", super::format::function()),
        // join(list list(string), sep string) string — numbers in the list are converted.
        (
            "join",
            Value::Function(Function::typed(
                "join",
                vec![Type::List(Box::new(Type::String)), Type::String],
                None,
                |_, args| {
                    let sep = arg(args, 1);
                    let mut out = Vec::new();
                    if let Some(Value::Array(items)) = args.first() {
                        for (i, it) in items.iter().enumerate() {
                            if i > 0 {
                                out.extend_from_slice(sep);
                            }
                            if let Value::String(s) = it {
                                out.extend_from_slice(s.as_bytes());
                            }
                        }
                    }
                    Ok(Value::String(Str::from(out)))
                },
            )),
        ),
        // replace(s, old, new string) string — every occurrence.
        (
            "replace",
            string_fn("replace", 3, |a| {
                text::replace_all(arg(a, 0), arg(a, 1), arg(a, 2))
            }),
        ),
        // split(s, sep string) list(string).
        (
            "split",
            Value::Function(Function::typed(
                "split",
                vec![Type::String; 2],
                None,
                |_, args| {
                    Ok(Value::array(
                        text::split(arg(args, 0), arg(args, 1))
                            .into_iter()
                            .map(|p| Value::String(Str::from(p)))
                            .collect(),
                    ))
                },
            )),
        ),
        // to_lower(s string) string.
        (
            "to_lower",
            string_fn("to_lower", 1, |a| text::to_lower(arg(a, 0))),
        ),
        // to_upper(s string) string.
        (
            "to_upper",
            string_fn("to_upper", 1, |a| text::to_upper(arg(a, 0))),
        ),
        // trim(s, cutset string) string.
        (
            "trim",
            string_fn("trim", 2, |a| text::trim(arg(a, 0), arg(a, 1)).to_vec()),
        ),
        // trim_prefix(s, prefix string) string.
        (
            "trim_prefix",
            string_fn("trim_prefix", 2, |a| {
                let (s, p) = (arg(a, 0), arg(a, 1));
                s.strip_prefix(p).unwrap_or(s).to_vec()
            }),
        ),
        // trim_suffix(s, suffix string) string.
        (
            "trim_suffix",
            string_fn("trim_suffix", 2, |a| {
                let (s, p) = (arg(a, 0), arg(a, 1));
                s.strip_suffix(p).unwrap_or(s).to_vec()
            }),
        ),
        // trim_space(s string) string.
        (
            "trim_space",
            string_fn("trim_space", 1, |a| text::trim_space(arg(a, 0)).to_vec()),
        ),
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
    fn string_functions() {
        assert_eq!(ev(r#"string.to_upper("abc")"#), r#""ABC""#);
        assert_eq!(ev("to_upper(1)"), r#""1""#);
        assert_eq!(ev("to_upper(null)"), r#""""#);
        assert_eq!(
            ev("to_upper(true)"),
            "error: 1:10: true should be string, got bool"
        );
        assert_eq!(ev(r#"join([0, 0, 1], ", ")"#), r#""0, 0, 1""#);
        assert_eq!(
            ev(r#"join([true], ",")"#),
            "error: 1:7: true should be string, got bool"
        );
        assert_eq!(ev(r#"split("a,b", ",")"#), r#"["a", "b"]"#);
        assert_eq!(ev(r#"replace("aXbX", "X", "-")"#), r#""a-b-""#);
        assert_eq!(ev(r#"trim_prefix("helloworld", "hello")"#), r#""world""#);
        assert_eq!(ev(r#"trim_suffix("helloworld", "world")"#), r#""hello""#);
        assert_eq!(ev(r#"trim_space("  x  ")"#), r#""x""#);
        assert_eq!(ev(r#"trim("xxaxx", "x")"#), r#""a""#);
        assert_eq!(
            ev("to_upper()"),
            "error: 1:1: to_upper expected 1 args, got 0"
        );
        assert_eq!(
            ev(r#"string.to_upper("a", "b")"#),
            "error: 1:1: string.to_upper expected 1 args, got 2"
        );
    }
}
