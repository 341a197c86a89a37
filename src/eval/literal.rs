//! Values of literal tokens: numbers (Go base detection), strings (escapes to bytes), bools
//! and null. The parser has already checked the token syntax, so only number overflow can
//! fail here (`1e400`).

use crate::syntax::ast::LitKind;

use super::number::{parse_float_literal, parse_number_literal, LiteralError};
use super::value::{Str, Value};

/// Evaluates the literal token `text` of kind `kind`.
pub fn literal_value(kind: LitKind, text: &str) -> Result<Value, LiteralError> {
    match kind {
        LitKind::Null => Ok(Value::Null),
        LitKind::Bool => Ok(Value::Bool(text == "true")),
        LitKind::Number => parse_number_literal(text).map(Value::Number),
        LitKind::Float => parse_float_literal(text).map(Value::Number),
        LitKind::String => Ok(Value::String(unquote(text))),
    }
}

/// The bytes of a string token (quotes included): escapes decoded for `"…"`, carriage
/// returns removed for `` `…` ``.
pub fn unquote(text: &str) -> Str {
    let b = text.as_bytes();
    if b.len() < 2 {
        return Str::from("");
    }
    let inner = &b[1..b.len() - 1];
    if b[0] == b'`' {
        if inner.contains(&b'\r') {
            return Str::from(
                inner
                    .iter()
                    .copied()
                    .filter(|&c| c != b'\r')
                    .collect::<Vec<u8>>(),
            );
        }
        return Str::from(inner);
    }
    if !inner.contains(&b'\\') {
        return Str::from(inner);
    }
    Str::from(decode_escapes(inner))
}

fn hex_val(c: u8) -> u32 {
    match c {
        b'0'..=b'9' => (c - b'0') as u32,
        b'a'..=b'f' => (c - b'a' + 10) as u32,
        b'A'..=b'F' => (c - b'A' + 10) as u32,
        _ => 0,
    }
}

fn decode_escapes(s: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        let c = s[i];
        if c != b'\\' || i + 1 >= s.len() {
            out.push(c);
            i += 1;
            continue;
        }
        let e = s[i + 1];
        i += 2;
        match e {
            b'a' => out.push(7),
            b'b' => out.push(8),
            b'f' => out.push(12),
            b'n' => out.push(b'\n'),
            b'r' => out.push(b'\r'),
            b't' => out.push(b'\t'),
            b'v' => out.push(11),
            b'\\' => out.push(b'\\'),
            b'"' => out.push(b'"'),
            b'0'..=b'7' => {
                let digits = &s[i - 1..(i + 2).min(s.len())];
                let v = digits
                    .iter()
                    .fold(0u32, |acc, &d| acc * 8 + (d.wrapping_sub(b'0') as u32 & 7));
                out.push(v as u8);
                i += 2;
            }
            b'x' | b'u' | b'U' => {
                let n = match e {
                    b'x' => 2,
                    b'u' => 4,
                    _ => 8,
                };
                let end = (i + n).min(s.len());
                let v = s[i..end].iter().fold(0u32, |acc, &d| acc * 16 + hex_val(d));
                i = end;
                if e == b'x' {
                    out.push(v as u8);
                } else {
                    let ch = char::from_u32(v).unwrap_or('\u{FFFD}');
                    let mut buf = [0u8; 4];
                    out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
                }
            }
            other => {
                // Rejected by the scanner; keep the text as written.
                out.push(b'\\');
                out.push(other);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_decode_to_bytes() {
        assert_eq!(unquote(r#""a\nb""#).as_bytes(), b"a\nb");
        assert_eq!(unquote(r#""\xff""#).as_bytes(), b"\xff");
        assert_eq!(
            unquote(r#""\101\x41\u00e9\U0001F600""#).as_bytes(),
            "AAé😀".as_bytes()
        );
        assert_eq!(unquote(r#""\"\\\t""#).as_bytes(), b"\"\\\t");
        assert_eq!(unquote("`a\r\nb`").as_bytes(), b"a\nb");
        assert_eq!(unquote(r#""""#).as_bytes(), b"");
    }
}
