//! Go's `net/url` query escaping: `QueryEscape` and `QueryUnescape`.
//!
//! River's `encoding.url_encode` / `encoding.url_decode` use these: space is
//! `+`, only `A-Z a-z 0-9 - _ . ~` stay as they are, everything else is
//! `%XX` with upper-case hex.

use std::fmt;

use super::strconv::quote;

/// Mirrors `url.EscapeError`: `invalid URL escape "%zz"`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EscapeError {
    /// The offending escape (at most three bytes, as Go reports it).
    pub escape: Vec<u8>,
}

impl fmt::Display for EscapeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid URL escape {}", quote(&self.escape))
    }
}

impl std::error::Error for EscapeError {}

fn unreserved(c: u8) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.' | b'~')
}

/// Mirrors `url.QueryEscape`.
pub fn query_escape(s: impl AsRef<[u8]>) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let s = s.as_ref();
    let mut out = String::with_capacity(s.len());
    for &c in s {
        if unreserved(c) {
            out.push(char::from(c));
        } else if c == b' ' {
            out.push('+');
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(c >> 4)]));
            out.push(char::from(HEX[usize::from(c & 0xF)]));
        }
    }
    out
}

fn unhex(c: u8) -> Option<u8> {
    char::from(c).to_digit(16).map(|d| d as u8)
}

/// Mirrors `url.QueryUnescape`: `%XX` becomes the byte, `+` a space. The
/// result may be any bytes. A malformed escape is an error naming it.
pub fn query_unescape(s: impl AsRef<[u8]>) -> Result<Vec<u8>, EscapeError> {
    let s = s.as_ref();
    // Go validates every escape before decoding anything.
    let mut i = 0;
    while i < s.len() {
        if s[i] == b'%' {
            if i + 2 >= s.len() || unhex(s[i + 1]).is_none() || unhex(s[i + 2]).is_none() {
                let end = (i + 3).min(s.len());
                return Err(EscapeError {
                    escape: s[i..end].to_vec(),
                });
            }
            i += 3;
        } else {
            i += 1;
        }
    }
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        match s[i] {
            b'%' => {
                let hi = unhex(s[i + 1]).unwrap_or(0);
                let lo = unhex(s[i + 2]).unwrap_or(0);
                out.push((hi << 4) | lo);
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conformance_cases() {
        // eval-cases.json U117 / U118
        assert_eq!(
            query_escape("string123!?$*&()'-=@~"),
            "string123%21%3F%24%2A%26%28%29%27-%3D%40~"
        );
        assert_eq!(
            query_unescape("string123%21%3F%24%2A%26%28%29%27-%3D%40~").as_deref(),
            Ok(&b"string123!?$*&()'-=@~"[..])
        );
    }

    #[test]
    fn escapes_like_go() {
        let cases: &[(&[u8], &str)] = &[
            (b"", ""),
            (b"abc", "abc"),
            (b"one two", "one+two"),
            (b"10%", "10%25"),
            (b" ?&=#+%!<>#\"{}|\\^[]`\xe2\x98\xba\t:/@$'()*,;", "+%3F%26%3D%23%2B%25%21%3C%3E%23%22%7B%7D%7C%5C%5E%5B%5D%60%E2%98%BA%09%3A%2F%40%24%27%28%29%2A%2C%3B"),
            (b"\xff", "%FF"),
        ];
        for &(input, want) in cases {
            assert_eq!(query_escape(input), want, "{input:?}");
        }
    }

    #[test]
    fn unescapes_like_go() {
        let ok: &[(&str, &[u8])] = &[
            ("", b""),
            ("abc", b"abc"),
            ("1%41", b"1A"),
            ("1%41%42%43", b"1ABC"),
            ("%4a", b"J"),
            ("%6F", b"o"),
            ("a+b", b"a b"),
            ("a%20b", b"a b"),
            ("%ff", b"\xff"),
        ];
        for &(input, want) in ok {
            assert_eq!(query_unescape(input).as_deref(), Ok(want), "{input:?}");
        }
        let bad = [
            ("%", r#"invalid URL escape "%""#),
            ("%a", r#"invalid URL escape "%a""#),
            ("%1", r#"invalid URL escape "%1""#),
            ("123%45%6", r#"invalid URL escape "%6""#),
            ("%zzzzz", r#"invalid URL escape "%zz""#),
            ("%zz", r#"invalid URL escape "%zz""#),
            ("a%4", r#"invalid URL escape "%4""#),
            ("%\u{e9}a", "invalid URL escape \"%\u{e9}\""),
        ];
        for (input, want) in bad {
            assert_eq!(
                query_unescape(input).map_err(|e| e.to_string()),
                Err(want.to_string()),
                "{input:?}"
            );
        }
    }
}
