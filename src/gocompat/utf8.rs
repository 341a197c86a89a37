//! Go's `unicode/utf8` decoding rules and `unicode.IsPrint`.
//!
//! Go walks byte strings rune by rune and turns every byte that does not start
//! a valid UTF-8 sequence into `U+FFFD` of width 1. Everything in this module
//! that counts or prints runes relies on exactly that rule.

use super::print_table::PRINT_RANGES;

/// The replacement character Go substitutes for invalid input (`utf8.RuneError`).
pub const RUNE_ERROR: char = '\u{FFFD}';

/// Largest valid code point (`utf8.MaxRune`).
pub const MAX_RUNE: u32 = 0x10FFFF;

/// One decoded step of a byte string, as Go's `utf8.DecodeRune` reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decoded {
    /// The rune, or [`RUNE_ERROR`] for an invalid byte.
    pub rune: char,
    /// Bytes consumed: 1 for an invalid byte, 0 only for empty input.
    pub width: usize,
    /// True when the bytes were not valid UTF-8 (a literal U+FFFD is valid).
    pub invalid: bool,
}

/// Mirrors `utf8.DecodeRune`: decodes the first rune of `b`.
pub fn decode_rune(b: &[u8]) -> Decoded {
    let Some(&b0) = b.first() else {
        return Decoded {
            rune: RUNE_ERROR,
            width: 0,
            invalid: true,
        };
    };
    if b0 < 0x80 {
        return Decoded {
            rune: b0 as char,
            width: 1,
            invalid: false,
        };
    }
    let bad = Decoded {
        rune: RUNE_ERROR,
        width: 1,
        invalid: true,
    };
    // Lead byte decides the length and the allowed range of the second byte
    // (this excludes overlong forms, surrogates and values above U+10FFFF).
    let (len, lo, hi) = match b0 {
        0xC2..=0xDF => (2, 0x80, 0xBF),
        0xE0 => (3, 0xA0, 0xBF),
        0xE1..=0xEC | 0xEE..=0xEF => (3, 0x80, 0xBF),
        0xED => (3, 0x80, 0x9F),
        0xF0 => (4, 0x90, 0xBF),
        0xF1..=0xF3 => (4, 0x80, 0xBF),
        0xF4 => (4, 0x80, 0x8F),
        _ => return bad,
    };
    if b.len() < len {
        return bad;
    }
    if !(lo..=hi).contains(&b[1]) {
        return bad;
    }
    for &c in &b[2..len] {
        if !(0x80..=0xBF).contains(&c) {
            return bad;
        }
    }
    let mut cp = u32::from(b0) & (0x7F >> len);
    for &c in &b[1..len] {
        cp = (cp << 6) | (u32::from(c) & 0x3F);
    }
    match char::from_u32(cp) {
        Some(rune) => Decoded {
            rune,
            width: len,
            invalid: false,
        },
        None => bad,
    }
}

/// Iterates over `(byte offset, Decoded)` like Go's `for i, r := range s`.
pub fn runes(b: &[u8]) -> impl Iterator<Item = (usize, Decoded)> + '_ {
    let mut i = 0;
    std::iter::from_fn(move || {
        if i >= b.len() {
            return None;
        }
        let d = decode_rune(&b[i..]);
        let at = i;
        i += d.width;
        Some((at, d))
    })
}

/// Mirrors `utf8.RuneCount`: invalid bytes count as one rune each.
pub fn rune_count(b: &[u8]) -> usize {
    if b.is_ascii() {
        return b.len();
    }
    runes(b).count()
}

/// Mirrors `utf8.ValidRune`: in range and not a surrogate.
pub fn valid_rune(r: i64) -> bool {
    (0..0xD800).contains(&r) || (0xE000..=i64::from(MAX_RUNE)).contains(&r)
}

/// Converts a Go rune value to a `char`, replacing invalid values by U+FFFD
/// (as `utf8.AppendRune` and `strconv.QuoteRune` do).
pub fn rune_or_error(r: i64) -> char {
    if valid_rune(r) {
        u32::try_from(r)
            .ok()
            .and_then(char::from_u32)
            .unwrap_or(RUNE_ERROR)
    } else {
        RUNE_ERROR
    }
}

/// Mirrors `unicode.IsPrint` / `strconv.IsPrint`: letters, marks, numbers,
/// punctuation, symbols and the ASCII space (not other spaces such as U+00A0).
pub fn is_print(c: char) -> bool {
    let cp = c as u32;
    if cp <= 0xFF {
        // Same fast path as Go: ASCII space..tilde, and Latin-1 ¡..ÿ minus soft hyphen.
        return (0x20..=0x7E).contains(&cp) || ((0xA1..=0xFF).contains(&cp) && cp != 0xAD);
    }
    PRINT_RANGES
        .binary_search_by(|&(lo, hi)| {
            if hi < cp {
                std::cmp::Ordering::Less
            } else if lo > cp {
                std::cmp::Ordering::Greater
            } else {
                std::cmp::Ordering::Equal
            }
        })
        .is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_like_go() {
        let cases: &[(&[u8], char, usize, bool)] = &[
            (b"a", 'a', 1, false),
            ("é".as_bytes(), 'é', 2, false),
            ("€".as_bytes(), '€', 3, false),
            ("𝛂".as_bytes(), '𝛂', 4, false),
            (b"\xff", RUNE_ERROR, 1, true),
            (b"\xc0\x80", RUNE_ERROR, 1, true),         // overlong
            (b"\xed\xa0\x80", RUNE_ERROR, 1, true),     // surrogate
            (b"\xf4\x90\x80\x80", RUNE_ERROR, 1, true), // > U+10FFFF
            (b"\xe2\x82", RUNE_ERROR, 1, true),         // truncated
            ("\u{FFFD}".as_bytes(), RUNE_ERROR, 3, false),
        ];
        for &(input, rune, width, invalid) in cases {
            let d = decode_rune(input);
            assert_eq!(
                (d.rune, d.width, d.invalid),
                (rune, width, invalid),
                "{input:?}"
            );
        }
    }

    #[test]
    fn counts_invalid_bytes_one_each() {
        assert_eq!(rune_count(b"abc"), 3);
        assert_eq!(rune_count("日本語".as_bytes()), 3);
        assert_eq!(rune_count(b"a\xe2\x82b"), 4);
    }

    #[test]
    fn printable_matches_go() {
        for c in [' ', 'a', '~', '¡', 'ÿ', '☺', '…', '日', '𝛂', '\u{0E3F}'] {
            assert!(is_print(c), "{c:?} should be printable");
        }
        for c in [
            '\u{7}',
            '\u{7F}',
            '\u{A0}',
            '\u{AD}',
            '\u{2028}',
            '\u{200B}',
            '\u{FEFF}',
            '\u{E000}',
            '\u{10FFFF}',
            '\u{0E00}',
            '\u{3000}',
        ] {
            assert!(!is_print(c), "{c:?} should not be printable");
        }
    }

    #[test]
    fn rune_validity() {
        assert!(valid_rune(0x41));
        assert!(!valid_rune(-1));
        assert!(!valid_rune(0xD800));
        assert!(!valid_rune(0x110000));
        assert_eq!(rune_or_error(0xDC80), RUNE_ERROR);
    }
}
