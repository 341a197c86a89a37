//! Go's `path/filepath` on Unix: `Join` and `Clean`.
//!
//! River's `file.path_join` is `filepath.Join`, which cleans the result
//! lexically (no file system access): `a/../b` becomes `b`, `/a/` + `b/`
//! becomes `/a/b`.

/// Mirrors `filepath.Clean` (Unix): the shortest equivalent path, by purely
/// lexical processing. Empty input gives `.`; only the root keeps a trailing
/// slash.
pub fn clean(path: &str) -> String {
    if path.is_empty() {
        return ".".to_string();
    }
    let rooted = path.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    // Number of leading ".." that cannot be cancelled (relative paths only).
    let mut dotdot = 0;
    for elem in path.split('/') {
        match elem {
            "" | "." => {}
            ".." => {
                if parts.len() > dotdot {
                    parts.pop();
                } else if !rooted {
                    // Only a relative path can climb above its start.
                    parts.push("..");
                    dotdot += 1;
                }
            }
            _ => parts.push(elem),
        }
    }
    let joined = parts.join("/");
    match (rooted, joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".to_string(),
        (false, false) => joined,
    }
}

/// Mirrors `filepath.Join` (Unix): empty elements are ignored, the rest are
/// joined with `/` and cleaned. With no non-empty element the result is `""`.
pub fn join<S: AsRef<str>>(elems: &[S]) -> String {
    match elems.iter().position(|e| !e.as_ref().is_empty()) {
        Some(first) => {
            let rest: Vec<&str> = elems[first..].iter().map(AsRef::as_ref).collect();
            clean(&rest.join("/"))
        }
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_matches_go() {
        let cases = [
            ("", "."),
            ("abc", "abc"),
            ("abc/def", "abc/def"),
            ("a/b/c", "a/b/c"),
            (".", "."),
            ("..", ".."),
            ("../..", "../.."),
            ("../../abc", "../../abc"),
            ("/abc", "/abc"),
            ("/", "/"),
            ("abc/", "abc"),
            ("abc/def/", "abc/def"),
            ("a/b/c/", "a/b/c"),
            ("./", "."),
            ("../", ".."),
            ("../../", "../.."),
            ("/abc/", "/abc"),
            ("abc//def//ghi", "abc/def/ghi"),
            ("//abc", "/abc"),
            ("///abc", "/abc"),
            ("//abc//", "/abc"),
            ("abc//", "abc"),
            ("abc/./def", "abc/def"),
            ("/./abc/def", "/abc/def"),
            ("abc/.", "abc"),
            ("abc/def/ghi/../jkl", "abc/def/jkl"),
            ("abc/def/../ghi/../jkl", "abc/jkl"),
            ("abc/def/..", "abc"),
            ("abc/def/../..", "."),
            ("/abc/def/../..", "/"),
            ("abc/def/../../..", ".."),
            ("/abc/def/../../..", "/"),
            ("abc/def/../../../ghi/jkl/../../../mno", "../../mno"),
            ("/../abc", "/abc"),
            ("a/../b", "b"),
            ("abc/./../def", "def"),
            ("abc//./../def", "def"),
            ("abc/../../././../def", "../../def"),
        ];
        for (input, want) in cases {
            assert_eq!(clean(input), want, "{input:?}");
        }
    }

    #[test]
    fn join_matches_go() {
        let cases: &[(&[&str], &str)] = &[
            (&[], ""),
            (&[""], ""),
            (&["", ""], ""),
            (&["a"], "a"),
            (&["a", "b"], "a/b"),
            (&["a", ""], "a"),
            (&["", "b"], "b"),
            (&["/", "a"], "/a"),
            (&["/", "a/b"], "/a/b"),
            (&["/", ""], "/"),
            (&["//", "a"], "/a"),
            (&["/a", "b"], "/a/b"),
            (&["a/", "b"], "a/b"),
            (&["a/", ""], "a"),
            (&["", ""], ""),
            (&["/a/", "b/"], "/a/b"),
            (&["a", "..", "b"], "b"),
            (&["this/is", "a/path"], "this/is/a/path"),
            (&["a", "", "b"], "a/b"),
        ];
        for &(elems, want) in cases {
            assert_eq!(join(elems), want, "{elems:?}");
        }
    }
}
