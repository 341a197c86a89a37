//! Character classes and UTF-8 decoding with the exact rules of upstream's scanner.
//!
//! Upstream decodes input one code point at a time the way Go's `utf8.DecodeRune` does: an
//! invalid sequence is consumed **one byte at a time**, each byte reported as
//! `illegal UTF-8 encoding`. Rust's `str::from_utf8` groups invalid bytes differently, so the
//! scanner uses [`decode`] instead.

use std::sync::OnceLock;

/// The byte order mark, ignored only as the very first character of a file.
pub const BOM: char = '\u{FEFF}';

/// One decoded character: `Some(c)` or `None` for an invalid byte, and its width in bytes.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Decoded {
    /// The character, or `None` when the bytes are not valid UTF-8.
    pub ch: Option<char>,
    /// Bytes consumed (1 for an invalid byte).
    pub width: usize,
}

/// Decodes the first character of `b` (which must not be empty) like Go's `utf8.DecodeRune`.
#[inline]
pub fn decode(b: &[u8]) -> Decoded {
    if b[0] < 0x80 {
        return Decoded {
            ch: Some(b[0] as char),
            width: 1,
        };
    }
    let d = crate::gocompat::utf8::decode_rune(b);
    Decoded {
        ch: (!d.invalid).then_some(d.rune),
        width: d.width.max(1),
    }
}

fn category_regex(
    pat: &'static str,
    cell: &'static OnceLock<regex::Regex>,
) -> &'static regex::Regex {
    cell.get_or_init(|| {
        regex::Regex::new(pat).unwrap_or_else(|e| panic!("static regex {pat}: {e}"))
    })
}

/// Go's `unicode.IsLetter`: general category L.
pub fn is_letter(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_alphabetic();
    }
    static RE: OnceLock<regex::Regex> = OnceLock::new();
    let mut buf = [0u8; 4];
    category_regex(r"^\p{L}$", &RE).is_match(c.encode_utf8(&mut buf))
}

/// Go's `unicode.IsDigit`: general category Nd.
pub fn is_digit(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_digit();
    }
    static RE: OnceLock<regex::Regex> = OnceLock::new();
    let mut buf = [0u8; 4];
    category_regex(r"^\p{Nd}$", &RE).is_match(c.encode_utf8(&mut buf))
}

/// Go's `strconv.IsPrint`: letters, marks, numbers, punctuation, symbols and the ASCII space.
pub fn is_print(c: char) -> bool {
    crate::gocompat::utf8::is_print(c)
}

/// Go's `%#U` rendering of a character: `U+0007`, or `U+2026 '…'` when printable.
pub fn sharp_u(c: char) -> String {
    crate::gocompat::strconv::format_code_point(c as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decode_is_go_like() {
        assert_eq!(
            decode(b"a"),
            Decoded {
                ch: Some('a'),
                width: 1
            }
        );
        assert_eq!(
            decode("é".as_bytes()),
            Decoded {
                ch: Some('é'),
                width: 2
            }
        );
        // A truncated 3-byte sequence is two separate invalid bytes.
        assert_eq!(decode(b"\xE2\x80A"), Decoded { ch: None, width: 1 });
        assert_eq!(decode(b"\x80"), Decoded { ch: None, width: 1 });
        // Encoded surrogates are invalid.
        assert_eq!(decode(b"\xED\xA0\x80"), Decoded { ch: None, width: 1 });
        assert_eq!(
            decode("\u{FFFD}".as_bytes()),
            Decoded {
                ch: Some('\u{FFFD}'),
                width: 3
            }
        );
    }

    #[test]
    fn classes() {
        assert!(is_letter('ŝ') && is_letter('é') && !is_letter('…'));
        assert!(is_digit('६') && is_digit('９') && !is_digit('a'));
        assert_eq!(sharp_u('\u{7}'), "U+0007");
        assert_eq!(sharp_u('…'), "U+2026 '…'");
        assert_eq!(sharp_u('\u{FFFD}'), "U+FFFD '\u{FFFD}'");
        assert_eq!(sharp_u('\u{FEFF}'), "U+FEFF");
        assert_eq!(sharp_u('\u{A0}'), "U+00A0");
    }
}
