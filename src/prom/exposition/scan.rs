//! Byte-level scanning shared by the text-format and OpenMetrics line parsers: character
//! classes, quoted label values, numbers, and unescaping.

use std::borrow::Cow;

use super::Got;

/// Bit 0: may start a metric name; bit 1: may continue a metric name; bit 2: may start a label
/// name; bit 3: may continue a label name.
const CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut c = 0;
    while c < 256 {
        let b = c as u8;
        let alpha = b.is_ascii_alphabetic() || b == b'_';
        let digit = b.is_ascii_digit();
        let mut bits = 0;
        if alpha || b == b':' {
            bits |= 1;
        }
        if alpha || digit || b == b':' {
            bits |= 2;
        }
        if alpha {
            bits |= 4;
        }
        if alpha || digit {
            bits |= 8;
        }
        t[c] = bits;
        c += 1;
    }
    t
};

/// The end of a metric name `[a-zA-Z_:][a-zA-Z0-9_:]*` starting at `i`; `i` itself when there
/// is none.
#[inline]
pub(super) fn scan_metric_name(line: &[u8], i: usize) -> usize {
    match line.get(i) {
        Some(&b) if CLASS[b as usize] & 1 != 0 => {}
        _ => return i,
    }
    let mut j = i + 1;
    while j < line.len() && CLASS[line[j] as usize] & 2 != 0 {
        j += 1;
    }
    j
}

/// The end of a label name `[a-zA-Z_][a-zA-Z0-9_]*` starting at `i`; `i` itself when there is
/// none.
#[inline]
pub(super) fn scan_label_name(line: &[u8], i: usize) -> usize {
    match line.get(i) {
        Some(&b) if CLASS[b as usize] & 4 != 0 => {}
        _ => return i,
    }
    let mut j = i + 1;
    while j < line.len() && CLASS[line[j] as usize] & 8 != 0 {
        j += 1;
    }
    j
}

/// Skips spaces and tabs (the text format's whitespace).
#[inline]
pub(super) fn skip_ws(line: &[u8], mut i: usize) -> usize {
    while i < line.len() && (line[i] == b' ' || line[i] == b'\t') {
        i += 1;
    }
    i
}

/// Scans a quoted value whose opening quote is just before `i`. Returns the index of the closing
/// quote and whether the value contains a backslash escape; `None` when the line ends first.
#[inline]
pub(super) fn scan_quoted(line: &[u8], mut i: usize) -> Option<(usize, bool)> {
    let mut escaped = false;
    loop {
        let k = i + memchr::memchr2(b'"', b'\\', line.get(i..)?)?;
        if line[k] == b'"' {
            return Some((k, escaped));
        }
        escaped = true;
        // Skip the escaped character, whatever it is.
        i = k + 2;
        if i > line.len() {
            return None;
        }
    }
}

/// Parses a sample value or OpenMetrics timestamp the way Prometheus does (Go's
/// `strconv.ParseFloat` restricted to pre-Go-1.13 syntax): decimal floats, `Inf`/`Infinity`
/// with optional sign and `NaN` in any case; no hex floats, no underscores, no out-of-range
/// finite literals such as `1e400`.
pub(super) fn parse_float(token: &[u8]) -> Option<f64> {
    if let Some(v) = parse_simple_decimal(token) {
        return Some(v);
    }
    let s = std::str::from_utf8(token).ok()?;
    let unsigned = s.strip_prefix(['+', '-']).unwrap_or(s);
    let first = *unsigned.as_bytes().first()?;
    if first == b'n' || first == b'N' {
        // Go accepts "NaN" only without a sign.
        return (unsigned.len() == s.len() && s.eq_ignore_ascii_case("nan")).then_some(f64::NAN);
    }
    if first == b'i' || first == b'I' {
        if unsigned.eq_ignore_ascii_case("inf") || unsigned.eq_ignore_ascii_case("infinity") {
            return Some(if s.starts_with('-') {
                f64::NEG_INFINITY
            } else {
                f64::INFINITY
            });
        }
        return None;
    }
    // Everything else must look like a decimal literal; Rust's parser accepts the same
    // grammar for these bytes.
    if !unsigned
        .bytes()
        .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'+' | b'-'))
    {
        return None;
    }
    let v: f64 = s.parse().ok()?;
    // Go reports a range error for finite literals that overflow; Prometheus rejects them.
    v.is_finite().then_some(v)
}

/// Exact fast path for the common shapes `123`, `-123`, `12.345` with at most 15 significant
/// digits and at most 15 fraction digits: the mantissa and the power of ten are both exactly
/// representable, so one correctly rounded division gives the correctly rounded result.
#[inline]
fn parse_simple_decimal(token: &[u8]) -> Option<f64> {
    const POW10: [f64; 16] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
    ];
    let (neg, digits) = match token.first()? {
        b'-' => (true, &token[1..]),
        b'+' => (false, &token[1..]),
        _ => (false, token),
    };
    if digits.is_empty() || digits.len() > 16 {
        return None;
    }
    let mut mantissa: u64 = 0;
    let mut n_digits = 0;
    let mut frac_digits: Option<usize> = None;
    for &b in digits {
        match b {
            b'0'..=b'9' => {
                mantissa = mantissa * 10 + u64::from(b - b'0');
                n_digits += 1;
                if let Some(f) = frac_digits.as_mut() {
                    *f += 1;
                }
            }
            b'.' if frac_digits.is_none() => frac_digits = Some(0),
            _ => return None,
        }
    }
    if n_digits == 0 || n_digits > 15 {
        return None;
    }
    let frac = frac_digits.unwrap_or(0);
    let mut v = mantissa as f64 / POW10[frac];
    if neg {
        v = -v;
    }
    Some(v)
}

/// Parses a text-format timestamp: integer milliseconds. A leading `-` is accepted (the
/// format's documentation shows one, though Prometheus' own lexer takes digits only).
pub(super) fn parse_ms_timestamp(token: &[u8]) -> Option<i64> {
    let (neg, digits) = match token.split_first()? {
        (b'-', rest) => (true, rest),
        _ => (false, token),
    };
    if digits.is_empty() {
        return None;
    }
    let mut v: i64 = 0;
    for &b in digits {
        if !b.is_ascii_digit() {
            return None;
        }
        let d = i64::from(b - b'0');
        // Accumulate negatively so i64::MIN parses too.
        v = v.checked_mul(10)?;
        v = if neg {
            v.checked_sub(d)?
        } else {
            v.checked_add(d)?
        };
    }
    Some(v)
}

/// Converts an OpenMetrics timestamp (float seconds) to milliseconds, truncating toward zero
/// as Prometheus does; NaN and infinities are rejected.
pub(super) fn parse_seconds_timestamp(token: &[u8]) -> Option<i64> {
    let secs = parse_float(token)?;
    if !secs.is_finite() {
        return None;
    }
    // `as` saturates on overflow, where Go's conversion is unspecified.
    Some((secs * 1000.0) as i64)
}

/// Unescapes a label value (`\\`, `\"`, `\n`; any other backslash pair is kept verbatim, as in
/// Prometheus).
pub(super) fn unescape_label_value(raw: &str, out: &mut String) {
    unescape(raw, out, true);
}

/// Unescapes HELP text: `\\` and `\n` in the text format, plus `\"` in OpenMetrics.
pub(super) fn unescape_help(raw: &str, quotes: bool) -> Cow<'_, str> {
    if !raw.contains('\\') {
        return Cow::Borrowed(raw);
    }
    let mut out = String::with_capacity(raw.len());
    unescape(raw, &mut out, quotes);
    Cow::Owned(out)
}

fn unescape(raw: &str, out: &mut String, quotes: bool) {
    let mut rest = raw;
    while let Some(k) = rest.find('\\') {
        out.push_str(&rest[..k]);
        let after = &rest[k + 1..];
        let mut chars = after.chars();
        match chars.next() {
            Some('\\') => out.push('\\'),
            Some('n') => out.push('\n'),
            Some('"') if quotes => out.push('"'),
            Some(c) => {
                out.push('\\');
                out.push(c);
            }
            None => {
                out.push('\\');
                return;
            }
        }
        rest = chars.as_str();
    }
    out.push_str(rest);
}

/// What the parser found where it expected something else, shortened for the error message.
pub(super) fn got(rest: &[u8]) -> Got {
    if rest.is_empty() {
        return Got::EndOfLine;
    }
    let cut = cut_point(rest, 40);
    Got::Text {
        text: String::from_utf8_lossy(&rest[..cut]).into_owned(),
        truncated: cut < rest.len(),
    }
}

/// Offending input quoted in an error, at most 64 bytes (then `…`), so a huge malformed body
/// cannot make a huge error.
pub(super) fn excerpt(bytes: &[u8]) -> String {
    let cut = cut_point(bytes, 64);
    let mut text = String::from_utf8_lossy(&bytes[..cut]).into_owned();
    if cut < bytes.len() {
        text.push('…');
    }
    text
}

/// The largest length ≤ `max` that does not split a UTF-8 character.
fn cut_point(bytes: &[u8], max: usize) -> usize {
    if bytes.len() <= max {
        return bytes.len();
    }
    let mut cut = max;
    while cut > 0 && bytes[cut] & 0xC0 == 0x80 {
        cut -= 1;
    }
    cut
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_like_go() {
        let ok: &[(&str, f64)] = &[
            ("0", 0.0),
            ("1", 1.0),
            ("-1", -1.0),
            ("+1", 1.0),
            ("1.5", 1.5),
            (".5", 0.5),
            ("5.", 5.0),
            ("1e3", 1000.0),
            ("1.5E-3", 0.0015),
            ("0.1", 0.1),
            ("123456789012345", 123456789012345.0),
            ("1234567890123456789", 1234567890123456789.0),
            ("0.000001", 0.000001),
            ("1.23456789012", 1.23456789012),
            ("+Inf", f64::INFINITY),
            ("Inf", f64::INFINITY),
            ("-Inf", f64::NEG_INFINITY),
            ("-infinity", f64::NEG_INFINITY),
        ];
        for (s, want) in ok {
            assert_eq!(parse_float(s.as_bytes()), Some(*want), "{s}");
        }
        assert!(parse_float(b"NaN").unwrap().is_nan());
        assert!(parse_float(b"nan").unwrap().is_nan());
        for bad in [
            "", "-", ".", "+NaN", "-nan", "1_000", "0x10", "0x1p3", "1e400", "abc", "1.2.3", "--1",
            "infx", "1e", "١",
        ] {
            assert_eq!(parse_float(bad.as_bytes()), None, "{bad:?}");
        }
    }

    #[test]
    fn fast_path_agrees_with_std() {
        for s in [
            "0.1",
            "0.3",
            "123.456",
            "999999999999999",
            "0.00000000000001",
            "-7.25",
            "1.0",
        ] {
            assert_eq!(
                parse_simple_decimal(s.as_bytes()),
                Some(s.parse::<f64>().unwrap()),
                "{s}"
            );
        }
        // Longer literals leave the fast path and still parse exactly.
        for s in [
            "0.000000000000001",
            "1234567890.1234567",
            "9007199254740993",
        ] {
            assert_eq!(parse_simple_decimal(s.as_bytes()), None, "{s}");
            assert_eq!(
                parse_float(s.as_bytes()),
                Some(s.parse::<f64>().unwrap()),
                "{s}"
            );
        }
    }

    #[test]
    fn timestamps() {
        assert_eq!(
            parse_ms_timestamp(b"1700000000000"),
            Some(1_700_000_000_000)
        );
        assert_eq!(parse_ms_timestamp(b"-1"), Some(-1));
        assert_eq!(parse_ms_timestamp(b"-"), None);
        assert_eq!(parse_ms_timestamp(b"+1"), None);
        assert_eq!(parse_ms_timestamp(b"-9223372036854775808"), Some(i64::MIN));
        assert_eq!(parse_ms_timestamp(b"99999999999999999999"), None);
        assert_eq!(parse_seconds_timestamp(b"1.5"), Some(1500));
        assert_eq!(parse_seconds_timestamp(b"-1.5"), Some(-1500));
        assert_eq!(parse_seconds_timestamp(b"NaN"), None);
        assert_eq!(parse_seconds_timestamp(b"+Inf"), None);
    }

    #[test]
    fn unescaping() {
        let mut out = String::new();
        unescape_label_value(r#"a\\b\"c\nd\te\"#, &mut out);
        assert_eq!(out, "a\\b\"c\nd\\te\\");
        assert_eq!(unescape_help(r#"x\"y\n"#, false), "x\\\"y\n");
        assert_eq!(unescape_help(r#"x\"y\n"#, true), "x\"y\n");
        assert!(matches!(unescape_help("plain", true), Cow::Borrowed(_)));
    }

    #[test]
    fn quoted_scanning() {
        assert_eq!(scan_quoted(br#"abc"rest"#, 0), Some((3, false)));
        assert_eq!(scan_quoted(br#"a\"c"rest"#, 0), Some((4, true)));
        assert_eq!(scan_quoted(br#"a\\"rest"#, 0), Some((3, true)));
        assert_eq!(scan_quoted(br#"abc"#, 0), None);
        assert_eq!(scan_quoted(br#"abc\"#, 0), None);
    }
}
