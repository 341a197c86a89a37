//! File-name patterns with Go's `filepath.Match` / `filepath.Glob` semantics (what
//! `discovery.file` patterns mean upstream).
//!
//! `*` matches any run of characters except `/`, `?` one character except `/`, `[...]` a
//! character class (`[^...]` negated, `a-z` ranges), and `\` escapes the next character.
//! A malformed pattern (an unclosed class, a trailing `\`) is an error even where matching
//! would have stopped earlier, so configuration mistakes surface at load time.

use std::path::{Path, PathBuf};

/// A malformed pattern.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("invalid glob pattern {pattern:?}: {reason}")]
pub struct PatternError {
    /// The pattern as written.
    pub pattern: String,
    /// What is wrong with it.
    pub reason: &'static str,
}

#[derive(Clone, Debug, PartialEq)]
enum Token {
    /// `*`.
    Star,
    /// `?`.
    Any,
    /// A literal character.
    Char(char),
    /// `[...]`: ranges (inclusive) and whether it is negated.
    Class(bool, Vec<(char, char)>),
}

/// A parsed pattern.
#[derive(Clone, Debug, PartialEq)]
pub struct Pattern {
    tokens: Vec<Token>,
}

impl Pattern {
    /// Parses `pattern`.
    pub fn new(pattern: &str) -> Result<Pattern, PatternError> {
        let err = |reason| PatternError {
            pattern: pattern.to_owned(),
            reason,
        };
        let mut tokens = Vec::new();
        let mut it = pattern.chars().peekable();
        while let Some(c) = it.next() {
            match c {
                '*' => {
                    if tokens.last() != Some(&Token::Star) {
                        tokens.push(Token::Star);
                    }
                }
                '?' => tokens.push(Token::Any),
                '\\' => match it.next() {
                    Some(e) => tokens.push(Token::Char(e)),
                    None => return Err(err("trailing backslash")),
                },
                '[' => {
                    let negated = it.peek() == Some(&'^');
                    if negated {
                        it.next();
                    }
                    let mut ranges = Vec::new();
                    let mut closed = false;
                    let read = |it: &mut std::iter::Peekable<std::str::Chars<'_>>| match it.next() {
                        Some('\\') => it.next().ok_or(err("trailing backslash")),
                        Some(']') | Some('-') | None => Err(err("bad character class")),
                        Some(c) => Ok(c),
                    };
                    loop {
                        // Go requires at least one range; `[]` is malformed.
                        if it.peek() == Some(&']') && !ranges.is_empty() {
                            it.next();
                            closed = true;
                            break;
                        }
                        if it.peek().is_none() {
                            break;
                        }
                        let lo = read(&mut it)?;
                        let mut hi = lo;
                        if it.peek() == Some(&'-') {
                            it.next();
                            hi = read(&mut it)?;
                            if hi < lo {
                                return Err(err("bad character range"));
                            }
                        }
                        ranges.push((lo, hi));
                    }
                    if !closed {
                        return Err(err("unclosed character class"));
                    }
                    tokens.push(Token::Class(negated, ranges));
                }
                c => tokens.push(Token::Char(c)),
            }
        }
        Ok(Pattern { tokens })
    }

    /// True when the pattern has no wildcard (it names exactly one path).
    pub fn is_literal(&self) -> bool {
        self.tokens.iter().all(|t| matches!(t, Token::Char(_)))
    }

    /// The literal text of a pattern without wildcards.
    fn literal(&self) -> String {
        self.tokens
            .iter()
            .filter_map(|t| match t {
                Token::Char(c) => Some(*c),
                _ => None,
            })
            .collect()
    }

    /// Whether `name` matches the whole pattern.
    pub fn matches(&self, name: &str) -> bool {
        let name: Vec<char> = name.chars().collect();
        let toks = &self.tokens;
        let (mut t, mut n) = (0usize, 0usize);
        // Where to resume after the last `*`: (token after it, name position it covers up to).
        let mut resume: Option<(usize, usize)> = None;
        loop {
            if t < toks.len() {
                let step = match &toks[t] {
                    Token::Star => {
                        resume = Some((t + 1, n));
                        t += 1;
                        continue;
                    }
                    _ if n >= name.len() => false,
                    Token::Any => name[n] != '/',
                    Token::Char(c) => name[n] == *c,
                    Token::Class(neg, ranges) => {
                        let c = name[n];
                        let inside = ranges.iter().any(|&(lo, hi)| lo <= c && c <= hi);
                        c != '/' && inside != *neg
                    }
                };
                if step {
                    t += 1;
                    n += 1;
                    continue;
                }
            } else if n == name.len() {
                return true;
            }
            // Mismatch: let the last star swallow one more character (never a `/`).
            match resume {
                Some((rt, rn)) if rn < name.len() && name[rn] != '/' => {
                    resume = Some((rt, rn + 1));
                    t = rt;
                    n = rn + 1;
                }
                _ => return false,
            }
        }
    }
}

/// Whether `path` (as text, `/`-separated) matches `pattern`.
pub fn matches(pattern: &str, path: &Path) -> bool {
    match Pattern::new(pattern) {
        Ok(p) => p.matches(&path.to_string_lossy()),
        Err(_) => false,
    }
}

/// Checks that `pattern` is well formed.
pub fn validate(pattern: &str) -> Result<(), PatternError> {
    Pattern::new(pattern).map(|_| ())
}

/// The paths matching `pattern`, sorted: Go's `filepath.Glob`. A pattern without wildcards
/// yields itself when the path exists. Unreadable directories are skipped.
pub fn glob(pattern: &str) -> Result<Vec<PathBuf>, PatternError> {
    let p = Pattern::new(pattern)?;
    if p.is_literal() {
        let path = PathBuf::from(p.literal());
        return Ok(if std::fs::symlink_metadata(&path).is_ok() {
            vec![path]
        } else {
            Vec::new()
        });
    }
    // Expand component by component; every component is matched within its directory.
    let path = Path::new(pattern);
    let mut bases: Vec<PathBuf> = vec![if path.is_absolute() {
        PathBuf::from("/")
    } else {
        PathBuf::new()
    }];
    let components: Vec<String> = pattern
        .split('/')
        .filter(|c| !c.is_empty())
        .map(str::to_owned)
        .collect();
    for (i, comp) in components.iter().enumerate() {
        let last = i + 1 == components.len();
        let cp = Pattern::new(comp)?;
        let mut next = Vec::new();
        for base in &bases {
            if cp.is_literal() {
                let candidate = base.join(cp.literal());
                let exists = if last {
                    std::fs::symlink_metadata(&candidate).is_ok()
                } else {
                    candidate.is_dir()
                };
                if exists {
                    next.push(candidate);
                }
                continue;
            }
            let dir = if base.as_os_str().is_empty() {
                Path::new(".")
            } else {
                base.as_path()
            };
            let Ok(entries) = std::fs::read_dir(dir) else {
                continue;
            };
            let mut names: Vec<String> = entries
                .filter_map(|e| e.ok())
                .filter_map(|e| e.file_name().into_string().ok())
                .filter(|n| cp.matches(n))
                .collect();
            names.sort();
            for n in names {
                let candidate = base.join(&n);
                if last || candidate.is_dir() {
                    next.push(candidate);
                }
            }
        }
        bases = next;
        if bases.is_empty() {
            break;
        }
    }
    bases.sort();
    bases.dedup();
    Ok(bases)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(p: &str, s: &str) -> bool {
        Pattern::new(p).unwrap().matches(s)
    }

    #[test]
    fn match_like_go() {
        // Cases from the behaviour of Go's filepath.Match.
        assert!(m("abc", "abc"));
        assert!(m("*", "abc"));
        assert!(m("*c", "abc"));
        assert!(!m("a*", "ab/c"));
        assert!(m("a*/b", "abc/b"));
        assert!(!m("a*/b", "a/c/b"));
        assert!(m("a*b*c*d*e*/f", "axbxcxdxe/f"));
        assert!(m("a*b*c*d*e*/f", "axbxcxdxexxx/f"));
        assert!(!m("a*b*c*d*e*/f", "axbxcxdxe/xxx/f"));
        assert!(m("ab[c]", "abc"));
        assert!(m("ab[b-d]", "abc"));
        assert!(!m("ab[e-g]", "abc"));
        assert!(!m("ab[^c]", "abc"));
        assert!(m("ab[^e-g]", "abc"));
        assert!(m("a\\*b", "a*b"));
        assert!(!m("a\\*b", "ab"));
        assert!(m("a?b", "a☺b"));
        assert!(!m("a?b", "a/b"));
        assert!(m("*.json", ".hidden.json"));
        assert!(!m("*x", "xxy"));
        assert!(m("[\\]a]", "]"));
        assert!(m("[\\-]", "-"));
    }

    #[test]
    fn malformed_patterns() {
        for p in ["[", "[^", "a[]", "[a-", "x\\", "[-]", "[x-]", "[z-a]"] {
            assert!(Pattern::new(p).is_err(), "{p} should be malformed");
        }
        let e = validate("targets/[ab.json").unwrap_err();
        assert_eq!(
            e.to_string(),
            "invalid glob pattern \"targets/[ab.json\": unclosed character class"
        );
    }

    #[test]
    fn glob_expands_in_sorted_order() {
        let d = tempfile::tempdir().unwrap();
        for f in ["b.json", "a.json", "c.yml", "sub/x.json"] {
            let p = d.path().join(f);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, "[]").unwrap();
        }
        let base = d.path().display().to_string();
        let got = glob(&format!("{base}/*.json")).unwrap();
        assert_eq!(got, vec![d.path().join("a.json"), d.path().join("b.json")]);
        let got = glob(&format!("{base}/*/*.json")).unwrap();
        assert_eq!(got, vec![d.path().join("sub/x.json")]);
        let got = glob(&format!("{base}/c.yml")).unwrap();
        assert_eq!(got.len(), 1);
        assert!(glob(&format!("{base}/missing.json")).unwrap().is_empty());
    }
}
