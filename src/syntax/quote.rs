//! Go's `strconv.Quote` (`%q`), used where upstream re-quotes text: block labels, object keys
//! and a few messages.

use super::chars;

const LOWER_HEX: &[u8; 16] = b"0123456789abcdef";

/// Quotes `s` exactly like Go's `strconv.Quote`: printable characters as is, the usual
/// backslash escapes, invalid UTF-8 bytes as `\xNN`, other characters as `\uNNNN`/`\UNNNNNNNN`.
pub fn go_quote(s: &[u8]) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    let mut i = 0;
    while i < s.len() {
        let d = chars::decode(&s[i..]);
        match d.ch {
            None => {
                out.push_str("\\x");
                out.push(LOWER_HEX[(s[i] >> 4) as usize] as char);
                out.push(LOWER_HEX[(s[i] & 0xF) as usize] as char);
            }
            Some(c) => push_escaped_rune(&mut out, c, '"'),
        }
        i += d.width;
    }
    out.push('"');
    out
}

/// Appends one character the way Go's quoting does, with `quote` as the delimiter.
pub fn push_escaped_rune(out: &mut String, c: char, quote: char) {
    if c == quote || c == '\\' {
        out.push('\\');
        out.push(c);
        return;
    }
    if chars::is_print(c) {
        out.push(c);
        return;
    }
    match c {
        '\x07' => out.push_str("\\a"),
        '\x08' => out.push_str("\\b"),
        '\x0c' => out.push_str("\\f"),
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        '\x0b' => out.push_str("\\v"),
        c if (c as u32) < 0x20 || c as u32 == 0x7f => {
            let b = c as u32 as u8;
            out.push_str("\\x");
            out.push(LOWER_HEX[(b >> 4) as usize] as char);
            out.push(LOWER_HEX[(b & 0xF) as usize] as char);
        }
        c if (c as u32) < 0x10000 => {
            out.push_str("\\u");
            for s in (0..4).rev() {
                out.push(LOWER_HEX[((c as u32) >> (4 * s) & 0xF) as usize] as char);
            }
        }
        c => {
            out.push_str("\\U");
            for s in (0..8).rev() {
                out.push(LOWER_HEX[((c as u32) >> (4 * s) & 0xF) as usize] as char);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_like_go() {
        assert_eq!(go_quote(b"abc"), r#""abc""#);
        assert_eq!(go_quote(b"a\"b\\c"), r#""a\"b\\c""#);
        assert_eq!(go_quote(b"\t\n\x00\x7f"), r#""\t\n\x00\x7f""#);
        assert_eq!(go_quote(b"\xff"), r#""\xff""#);
        assert_eq!(go_quote("é…".as_bytes()), "\"é…\"");
        assert_eq!(go_quote("\u{a0}\u{feff}".as_bytes()), r#""\u00a0\ufeff""#);
        assert_eq!(go_quote("\u{e0001}".as_bytes()), r#""\U000e0001""#);
    }
}
