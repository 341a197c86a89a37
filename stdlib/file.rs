//! The `file` namespace: path manipulation.

use crate::eval::{Function, Str, Type, Value};

/// Go's `path.Clean` (the Unix `filepath.Clean`): the shortest equivalent path.
pub fn clean(path: &[u8]) -> Vec<u8> {
    if path.is_empty() {
        return b".".to_vec();
    }
    let rooted = path[0] == b'/';
    let n = path.len();
    let mut out: Vec<u8> = Vec::with_capacity(n);
    let (mut r, mut dotdot) = (0usize, 0usize);
    if rooted {
        out.push(b'/');
        r = 1;
        dotdot = 1;
    }
    while r < n {
        if path[r] == b'/' || (path[r] == b'.' && (r + 1 == n || path[r + 1] == b'/')) {
            r += 1;
        } else if path[r] == b'.'
            && path.get(r + 1) == Some(&b'.')
            && (r + 2 == n || path[r + 2] == b'/')
        {
            r += 2;
            if out.len() > dotdot {
                out.pop();
                while out.len() > dotdot && out[out.len() - 1] != b'/' {
                    out.pop();
                }
            } else if !rooted {
                if !out.is_empty() {
                    out.push(b'/');
                }
                out.extend_from_slice(b"..");
                dotdot = out.len();
            }
        } else {
            if (rooted && out.len() != 1) || (!rooted && !out.is_empty()) {
                out.push(b'/');
            }
            while r < n && path[r] != b'/' {
                out.push(path[r]);
                r += 1;
            }
        }
    }
    if out.is_empty() {
        return b".".to_vec();
    }
    out
}

/// Go's `filepath.Join` on Unix: empty elements are dropped, the rest joined with `/` and
/// cleaned; no (non-empty) elements give `""`.
pub fn join(elems: &[&[u8]]) -> Vec<u8> {
    let parts: Vec<&[u8]> = elems.iter().copied().filter(|e| !e.is_empty()).collect();
    if parts.is_empty() {
        return Vec::new();
    }
    clean(&parts.join(&b'/'))
}

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
                let elems: Vec<&[u8]> = args
                    .iter()
                    .map(|a| match a {
                        Value::String(s) => s.as_bytes(),
                        _ => b"",
                    })
                    .collect();
                Ok(Value::String(Str::from(join(&elems))))
            },
        )),
    )]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn join_and_clean() {
        assert_eq!(join(&[b"this/is", b"a/path"]), b"this/is/a/path");
        assert_eq!(join(&[]), b"");
        assert_eq!(join(&[b"", b""]), b"");
        assert_eq!(join(&[b"a/../b"]), b"b");
        assert_eq!(join(&[b"/a/", b"b/"]), b"/a/b");
        assert_eq!(join(&[b"..", b"x"]), b"../x");
        assert_eq!(clean(b"/../a"), b"/a");
        assert_eq!(clean(b"a/.."), b".");
        assert_eq!(clean(b"./a//b/./c/"), b"a/b/c");
    }
}
