//! The `file` namespace: path manipulation (Go's `filepath.Join`, Unix flavour).

use crate::eval::{Function, Str, Type, Value};
use crate::gocompat::filepath;

/// The namespace's functions.
pub fn functions() -> Vec<(&'static str, Value)> {
    vec![(
        "path_join",
        // path_join(elems ...string) string.
        Value::Function(Function::typed(
            "path_join",
            vec![],
            Some(Type::String),
            |_, args| {
                let elems: Vec<String> = args
                    .iter()
                    .map(|a| match a {
                        Value::String(s) => s.to_str_lossy().into_owned(),
                        _ => String::new(),
                    })
                    .collect();
                Ok(Value::String(Str::from(filepath::join(&elems))))
            },
        )),
    )]
}

#[cfg(test)]
mod tests {
    use crate::eval::{eval_expression, print::to_river, Scope};

    fn ev(src: &str) -> String {
        to_river(&eval_expression(src.as_bytes(), &Scope::isolated()).unwrap())
    }

    #[test]
    fn path_join() {
        assert_eq!(
            ev(r#"file.path_join("this/is", "a/path")"#),
            r#""this/is/a/path""#
        );
        assert_eq!(ev("file.path_join()"), r#""""#);
        assert_eq!(ev(r#"file.path_join("", "")"#), r#""""#);
        assert_eq!(ev(r#"file.path_join("a/../b")"#), r#""b""#);
        assert_eq!(ev(r#"file.path_join("/a/", "b/")"#), r#""/a/b""#);
    }
}
