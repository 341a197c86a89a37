//! Go's `strings` package semantics on byte strings: invalid UTF-8 decodes one byte at a
//! time as U+FFFD, exactly as Go's range loops and `utf8.DecodeRune` do.

use crate::syntax::chars;

/// The rune at the start of `b` (U+FFFD for an invalid byte) and its width.
pub(crate) fn decode_rune(b: &[u8]) -> (char, usize) {
    if b.is_empty() {
        return ('\u{FFFD}', 0);
    }
    let d = chars::decode(b);
    (d.ch.unwrap_or('\u{FFFD}'), d.width)
}

/// The rune at the end of `b` and its width (Go `utf8.DecodeLastRune`).
pub(crate) fn decode_last_rune(b: &[u8]) -> (char, usize) {
    if b.is_empty() {
        return ('\u{FFFD}', 0);
    }
    let end = b.len();
    if b[end - 1] < 0x80 {
        return (b[end - 1] as char, 1);
    }
    // Back up to the start of the last rune (at most 4 bytes).
    let lim = end.saturating_sub(4);
    let mut start = end - 1;
    while start > lim && (b[start] & 0xC0) == 0x80 {
        start -= 1;
    }
    let (r, w) = decode_rune(&b[start..end]);
    if start + w != end {
        return ('\u{FFFD}', 1);
    }
    (r, w)
}

fn push_char(out: &mut Vec<u8>, c: char) {
    let mut buf = [0u8; 4];
    out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
}

/// Go's `unicode.ToUpper`: the simple (one-to-one) mapping; characters whose uppercase is
/// several characters stay unchanged.
pub(crate) fn simple_upper(c: char) -> char {
    let mut it = c.to_uppercase();
    match (it.next(), it.next()) {
        (Some(u), None) => u,
        _ => c,
    }
}

/// Go's `unicode.ToLower` (simple mapping).
pub(crate) fn simple_lower(c: char) -> char {
    if c == '\u{130}' {
        return 'i';
    }
    let mut it = c.to_lowercase();
    match (it.next(), it.next()) {
        (Some(u), None) => u,
        _ => c,
    }
}

/// Go's `strings.Map` with a one-to-one mapping: invalid bytes become U+FFFD.
fn map_runes(s: &[u8], f: impl Fn(char) -> char) -> Vec<u8> {
    if s.is_ascii() {
        return s.iter().map(|&b| f(b as char) as u8).collect();
    }
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        let (c, w) = decode_rune(&s[i..]);
        push_char(&mut out, f(c));
        i += w;
    }
    out
}

/// Go's `strings.ToUpper`.
pub(crate) fn to_upper(s: &[u8]) -> Vec<u8> {
    map_runes(s, simple_upper)
}

/// Go's `strings.ToLower`.
pub(crate) fn to_lower(s: &[u8]) -> Vec<u8> {
    map_runes(s, simple_lower)
}

/// Go's `strings.ContainsRune(cutset, r)`: U+FFFD also matches an invalid byte of `cutset`.
fn contains_rune(set: &[u8], r: char) -> bool {
    let mut i = 0;
    while i < set.len() {
        let (c, w) = decode_rune(&set[i..]);
        if c == r {
            return true;
        }
        i += w;
    }
    false
}

/// Go's `strings.Trim`: removes leading and trailing runes that are in `cutset`.
pub(crate) fn trim<'a>(s: &'a [u8], cutset: &[u8]) -> &'a [u8] {
    if s.is_empty() || cutset.is_empty() {
        return s;
    }
    trim_func(s, |c| contains_rune(cutset, c))
}

/// Go's `strings.TrimSpace`.
pub(crate) fn trim_space(s: &[u8]) -> &[u8] {
    trim_func(s, char::is_whitespace)
}

fn trim_func(s: &[u8], f: impl Fn(char) -> bool) -> &[u8] {
    let mut start = 0;
    while start < s.len() {
        let (c, w) = decode_rune(&s[start..]);
        if !f(c) {
            break;
        }
        start += w;
    }
    let mut end = s.len();
    while end > start {
        let (c, w) = decode_last_rune(&s[start..end]);
        if !f(c) {
            break;
        }
        end -= w;
    }
    &s[start..end]
}

fn find(hay: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    memchr::memmem::find(&hay[from..], needle).map(|i| i + from)
}

/// Go's `strings.Split`: an empty separator splits into UTF-8 sequences (invalid bytes one
/// by one).
pub(crate) fn split(s: &[u8], sep: &[u8]) -> Vec<Vec<u8>> {
    if sep.is_empty() {
        let mut out = Vec::new();
        let mut i = 0;
        while i < s.len() {
            let (_, w) = decode_rune(&s[i..]);
            out.push(s[i..i + w].to_vec());
            i += w;
        }
        return out;
    }
    let mut out = Vec::new();
    let mut start = 0;
    while let Some(i) = find(s, sep, start) {
        out.push(s[start..i].to_vec());
        start = i + sep.len();
    }
    out.push(s[start..].to_vec());
    out
}

/// Go's `strings.ReplaceAll`: an empty `old` inserts `new` before every rune and at the end.
pub(crate) fn replace_all(s: &[u8], old: &[u8], new: &[u8]) -> Vec<u8> {
    if old == new {
        return s.to_vec();
    }
    let mut out = Vec::with_capacity(s.len());
    if old.is_empty() {
        let mut i = 0;
        out.extend_from_slice(new);
        while i < s.len() {
            let (_, w) = decode_rune(&s[i..]);
            out.extend_from_slice(&s[i..i + w]);
            out.extend_from_slice(new);
            i += w;
        }
        return out;
    }
    let mut start = 0;
    while let Some(i) = find(s, old, start) {
        out.extend_from_slice(&s[start..i]);
        out.extend_from_slice(new);
        start = i + old.len();
    }
    out.extend_from_slice(&s[start..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_strings_semantics() {
        assert_eq!(to_upper("straße".as_bytes()), "STRAßE".as_bytes());
        assert_eq!(to_lower("İ".as_bytes()), b"i");
        assert_eq!(to_upper(b"a\xffb"), "A\u{FFFD}B".as_bytes());
        assert_eq!(trim(b"?!hello?!", b"!?"), b"hello");
        assert_eq!(trim(b"   hello! world.!  ", b"! "), b"hello! world.");
        assert_eq!(trim_space("\u{a0} x \u{85}".as_bytes()), b"x");
        assert_eq!(split(b"", b","), vec![b"".to_vec()]);
        assert_eq!(
            split(b"a,b,", b","),
            vec![b"a".to_vec(), b"b".to_vec(), b"".to_vec()]
        );
        assert_eq!(
            split("aé".as_bytes(), b""),
            vec![b"a".to_vec(), "é".as_bytes().to_vec()]
        );
        assert_eq!(replace_all(b"ab", b"", b"-"), b"-a-b-");
        assert_eq!(replace_all(b"Hello World", b" World", b"!"), b"Hello!");
        assert_eq!(decode_last_rune("aé".as_bytes()), ('é', 2));
        assert_eq!(decode_last_rune(b"a\xa9"), ('\u{FFFD}', 1));
    }
}
