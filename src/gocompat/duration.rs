//! Go's `time.Duration`: `time.ParseDuration` and `Duration.String()`.
//!
//! River `duration` attributes are strings in Go duration syntax (`"1h30m"`,
//! `"1.5s"`, `"-1m"`), and durations print back the way Go prints them
//! (`1h30m0s`). [`GoDuration`] is a signed count of nanoseconds, like Go's.

use std::fmt;
use std::str::FromStr;

/// A signed nanosecond count with Go's parsing and printing (`time.Duration`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct GoDuration(pub i64);

/// Nanoseconds per unit.
const NANOSECOND: u64 = 1;
const MICROSECOND: u64 = 1_000 * NANOSECOND;
const MILLISECOND: u64 = 1_000 * MICROSECOND;
const SECOND: u64 = 1_000 * MILLISECOND;
const MINUTE: u64 = 60 * SECOND;
const HOUR: u64 = 60 * MINUTE;

/// Why a duration string was rejected; `Display` gives Go's exact text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DurationError {
    /// `time: invalid duration "x"`
    Invalid {
        /// The whole input.
        input: Vec<u8>,
    },
    /// `time: missing unit in duration "15"`
    MissingUnit {
        /// The whole input.
        input: Vec<u8>,
    },
    /// `time: unknown unit "d" in duration "1d"`
    UnknownUnit {
        /// The unrecognised unit text.
        unit: Vec<u8>,
        /// The whole input.
        input: Vec<u8>,
    },
}

impl fmt::Display for DurationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DurationError::Invalid { input } => {
                write!(f, "time: invalid duration {}", time_quote(input))
            }
            DurationError::MissingUnit { input } => {
                write!(f, "time: missing unit in duration {}", time_quote(input))
            }
            DurationError::UnknownUnit { unit, input } => write!(
                f,
                "time: unknown unit {} in duration {}",
                time_quote(unit),
                time_quote(input)
            ),
        }
    }
}

impl std::error::Error for DurationError {}

/// The `time` package's own quoting: ASCII control and non-ASCII bytes are
/// written as `\xNN` (unlike `strconv.Quote`, which keeps printable runes).
fn time_quote(s: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for &b in s {
        if !(b' '..0x80).contains(&b) {
            out.push_str("\\x");
            out.push(HEX[usize::from(b >> 4)] as char);
            out.push(HEX[usize::from(b & 0xF)] as char);
        } else {
            if b == b'"' || b == b'\\' {
                out.push('\\');
            }
            out.push(b as char);
        }
    }
    out.push('"');
    out
}

fn unit_nanos(unit: &[u8]) -> Option<u64> {
    Some(match unit {
        b"ns" => NANOSECOND,
        b"us" => MICROSECOND,
        [0xC2, 0xB5, b's'] => MICROSECOND, // U+00B5 micro sign
        [0xCE, 0xBC, b's'] => MICROSECOND, // U+03BC Greek small letter mu
        b"ms" => MILLISECOND,
        b"s" => SECOND,
        b"m" => MINUTE,
        b"h" => HOUR,
        _ => return None,
    })
}

const LIMIT: u64 = 1 << 63;

/// Leading `[0-9]*`; `None` on overflow past 2^63.
fn leading_int(s: &[u8]) -> Option<(u64, usize)> {
    let mut x: u64 = 0;
    let mut i = 0;
    while i < s.len() && s[i].is_ascii_digit() {
        if x > LIMIT / 10 {
            return None;
        }
        x = x * 10 + u64::from(s[i] - b'0');
        if x > LIMIT {
            return None;
        }
        i += 1;
    }
    Some((x, i))
}

/// Leading `[0-9]*` after a decimal point: (digits value, 10^digits used,
/// bytes consumed). Precision beyond 2^63 is dropped, not an error.
fn leading_fraction(s: &[u8]) -> (u64, f64, usize) {
    let mut x: u64 = 0;
    let mut scale = 1.0f64;
    let mut overflow = false;
    let mut i = 0;
    while i < s.len() && s[i].is_ascii_digit() {
        let c = s[i];
        i += 1;
        if overflow {
            continue;
        }
        if x > (LIMIT - 1) / 10 {
            overflow = true;
            continue;
        }
        let y = x * 10 + u64::from(c - b'0');
        if y > LIMIT {
            overflow = true;
            continue;
        }
        x = y;
        scale *= 10.0;
    }
    (x, scale, i)
}

impl GoDuration {
    /// Zero length.
    pub const ZERO: GoDuration = GoDuration(0);

    /// Mirrors `time.ParseDuration`: a sequence of decimal numbers with
    /// optional fraction and a unit (`ns`, `us`/`µs`/`μs`, `ms`, `s`, `m`,
    /// `h`), with an optional leading sign; `"0"` alone needs no unit.
    pub fn parse(s: impl AsRef<[u8]>) -> Result<GoDuration, DurationError> {
        let orig = s.as_ref();
        let invalid = || DurationError::Invalid {
            input: orig.to_vec(),
        };
        let mut s = orig;
        let mut neg = false;
        if let Some(&c) = s.first() {
            if c == b'-' || c == b'+' {
                neg = c == b'-';
                s = &s[1..];
            }
        }
        if s == b"0" {
            return Ok(GoDuration(0));
        }
        if s.is_empty() {
            return Err(invalid());
        }
        let mut d: u64 = 0;
        while !s.is_empty() {
            if !(s[0] == b'.' || s[0].is_ascii_digit()) {
                return Err(invalid());
            }
            let (mut v, used) = leading_int(s).ok_or_else(invalid)?;
            let pre = used > 0;
            s = &s[used..];
            let mut f = 0u64;
            let mut scale = 1.0f64;
            let mut post = false;
            if s.first() == Some(&b'.') {
                s = &s[1..];
                let (fx, fscale, fused) = leading_fraction(s);
                f = fx;
                scale = fscale;
                post = fused > 0;
                s = &s[fused..];
            }
            if !pre && !post {
                // No digits at all, e.g. ".s".
                return Err(invalid());
            }
            let unit_len = s
                .iter()
                .position(|&c| c == b'.' || c.is_ascii_digit())
                .unwrap_or(s.len());
            if unit_len == 0 {
                return Err(DurationError::MissingUnit {
                    input: orig.to_vec(),
                });
            }
            let unit_text = &s[..unit_len];
            s = &s[unit_len..];
            let unit = unit_nanos(unit_text).ok_or_else(|| DurationError::UnknownUnit {
                unit: unit_text.to_vec(),
                input: orig.to_vec(),
            })?;
            if v > LIMIT / unit {
                return Err(invalid());
            }
            v *= unit;
            if f > 0 {
                // Go computes the fraction in float64 and truncates.
                v += (f as f64 * (unit as f64 / scale)) as u64;
                if v > LIMIT {
                    return Err(invalid());
                }
            }
            d += v;
            if d > LIMIT {
                return Err(invalid());
            }
        }
        if neg {
            return Ok(GoDuration((d as i64).wrapping_neg()));
        }
        if d > LIMIT - 1 {
            return Err(invalid());
        }
        Ok(GoDuration(d as i64))
    }

    /// Nanoseconds, as Go's `Duration.Nanoseconds()`.
    pub fn as_nanos(self) -> i64 {
        self.0
    }

    /// The length as a std duration; `None` when negative.
    pub fn to_std(self) -> Option<std::time::Duration> {
        u64::try_from(self.0)
            .ok()
            .map(std::time::Duration::from_nanos)
    }

    /// The length as a std duration, negative values clamped to zero.
    pub fn to_std_saturating(self) -> std::time::Duration {
        self.to_std().unwrap_or_default()
    }

    /// From a std duration, saturating at Go's maximum (about 292 years).
    pub fn from_std(d: std::time::Duration) -> GoDuration {
        GoDuration(i64::try_from(d.as_nanos()).unwrap_or(i64::MAX))
    }
}

impl FromStr for GoDuration {
    type Err = DurationError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        GoDuration::parse(s)
    }
}

impl From<GoDuration> for i64 {
    fn from(d: GoDuration) -> i64 {
        d.0
    }
}

/// Writes `v / 10^prec`'s fraction digits (without trailing zeros, and
/// without the point when all are zero) into the front of `out`, reversed
/// output style as Go does; returns `v / 10^prec`.
fn push_frac(out: &mut Vec<u8>, mut v: u64, prec: u32) -> u64 {
    let mut printing = false;
    for _ in 0..prec {
        let digit = (v % 10) as u8;
        printing = printing || digit != 0;
        if printing {
            out.push(b'0' + digit);
        }
        v /= 10;
    }
    if printing {
        out.push(b'.');
    }
    v
}

/// Pushes the decimal digits of `v` reversed.
fn push_int(out: &mut Vec<u8>, mut v: u64) {
    loop {
        out.push(b'0' + (v % 10) as u8);
        v /= 10;
        if v == 0 {
            break;
        }
    }
}

impl fmt::Display for GoDuration {
    /// Mirrors `Duration.String()`: `72h3m0.5s`, `1.5ms`, `0s`, `-1m0s`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let neg = self.0 < 0;
        let mut u = self.0.unsigned_abs();
        // Built back to front, then reversed.
        let mut rev: Vec<u8> = Vec::with_capacity(32);
        if u < SECOND {
            // Below one second use the largest sub-second unit: 1.2ms, 3µs, 5ns.
            rev.push(b's');
            let prec = if u == 0 {
                return f.write_str("0s");
            } else if u < MICROSECOND {
                rev.push(b'n');
                0
            } else if u < MILLISECOND {
                // 'µ' is 0xC2 0xB5; pushed reversed.
                rev.push(0xB5);
                rev.push(0xC2);
                3
            } else {
                rev.push(b'm');
                6
            };
            u = push_frac(&mut rev, u, prec);
            push_int(&mut rev, u);
        } else {
            rev.push(b's');
            u = push_frac(&mut rev, u, 9);
            push_int(&mut rev, u % 60);
            u /= 60;
            if u > 0 {
                rev.push(b'm');
                push_int(&mut rev, u % 60);
                u /= 60;
                // Hours are the largest unit: days vary in length.
                if u > 0 {
                    rev.push(b'h');
                    push_int(&mut rev, u);
                }
            }
        }
        if neg {
            rev.push(b'-');
        }
        rev.reverse();
        f.write_str(&String::from_utf8_lossy(&rev))
    }
}

impl serde::Serialize for GoDuration {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for GoDuration {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = GoDuration;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a Go duration string such as \"1m30s\"")
            }

            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<GoDuration, E> {
                GoDuration::parse(v).map_err(E::custom)
            }

            fn visit_bytes<E: serde::de::Error>(self, v: &[u8]) -> Result<GoDuration, E> {
                GoDuration::parse(v).map_err(E::custom)
            }
        }
        deserializer.deserialize_str(Visitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: i64 = 1_000_000;
    const S: i64 = 1_000 * MS;
    const MIN: i64 = 60 * S;
    const H: i64 = 60 * MIN;

    #[test]
    fn parses_like_go() {
        let cases: &[(&str, i64)] = &[
            ("0", 0),
            ("5s", 5 * S),
            ("30s", 30 * S),
            ("1478s", 1478 * S),
            ("-5s", -5 * S),
            ("+5s", 5 * S),
            ("-0", 0),
            ("+0", 0),
            ("5.0s", 5 * S),
            ("5.6s", 5 * S + 600 * MS),
            ("5.s", 5 * S),
            (".5s", 500 * MS),
            ("1.0s", S),
            ("1.00s", S),
            ("1.004s", S + 4 * MS),
            ("1.0040s", S + 4 * MS),
            ("100.00100s", 100 * S + MS),
            ("10ns", 10),
            ("11us", 11_000),
            ("12µs", 12_000),
            ("12μs", 12_000),
            ("13ms", 13 * MS),
            ("14s", 14 * S),
            ("15m", 15 * MIN),
            ("16h", 16 * H),
            ("3h30m", 3 * H + 30 * MIN),
            ("1h30m", 90 * MIN),
            ("90m", 90 * MIN),
            ("1.5s", 1500 * MS),
            ("-1m", -MIN),
            ("10.5s4m", 4 * MIN + 10 * S + 500 * MS),
            ("-2m3.4s", -(2 * MIN + 3 * S + 400 * MS)),
            ("1h2m3s4ms5us6ns", H + 2 * MIN + 3 * S + 4 * MS + 5_000 + 6),
            ("39h9m14.425s", 39 * H + 9 * MIN + 14 * S + 425 * MS),
            ("52763797000ns", 52_763_797_000),
            ("0.3333333333333333333h", 20 * MIN),
            ("9007199254740993ns", (1 << 53) + 1),
            ("9223372036854775807ns", i64::MAX),
            ("9223372036854775.807us", i64::MAX),
            ("9223372036s854ms775us807ns", i64::MAX),
            ("-9223372036854775808ns", i64::MIN),
            ("-9223372036854775.808us", i64::MIN),
            ("-9223372036s854ms775us808ns", i64::MIN),
            ("-2562047h47m16.854775808s", i64::MIN),
            ("0.100000000000000000000h", 6 * MIN),
            ("0.830103483285477580700h", 49 * MIN + 48 * S + 372_539_827),
        ];
        for &(input, want) in cases {
            assert_eq!(GoDuration::parse(input), Ok(GoDuration(want)), "{input}");
        }
    }

    #[test]
    fn errors_like_go() {
        let cases: &[(&[u8], &str)] = &[
            (b"", r#"time: invalid duration """#),
            (b"3", r#"time: missing unit in duration "3""#),
            (b"15", r#"time: missing unit in duration "15""#),
            (b"00", r#"time: missing unit in duration "00""#),
            (b"-", r#"time: invalid duration "-""#),
            (b"s", r#"time: invalid duration "s""#),
            (b".", r#"time: invalid duration ".""#),
            (b"-.", r#"time: invalid duration "-.""#),
            (b".s", r#"time: invalid duration ".s""#),
            (b"+.s", r#"time: invalid duration "+.s""#),
            (b"x", r#"time: invalid duration "x""#),
            (b"1d", r#"time: unknown unit "d" in duration "1d""#),
            (b"1 h", r#"time: unknown unit " h" in duration "1 h""#),
            (b"1e3s", r#"time: unknown unit "e" in duration "1e3s""#),
            (b"3000000h", r#"time: invalid duration "3000000h""#),
            (
                b"9223372036854775808ns",
                r#"time: invalid duration "9223372036854775808ns""#,
            ),
            (
                b"9223372036854775.808us",
                r#"time: invalid duration "9223372036854775.808us""#,
            ),
            (
                b"9223372036854ms775us808ns",
                r#"time: invalid duration "9223372036854ms775us808ns""#,
            ),
            (
                b"-9223372036854775809ns",
                r#"time: invalid duration "-9223372036854775809ns""#,
            ),
            (
                "1\u{b5}".as_bytes(),
                r#"time: unknown unit "\xc2\xb5" in duration "1\xc2\xb5""#,
            ),
            (b"\"1\"", r#"time: invalid duration "\"1\"""#),
            (
                b"1\x01s",
                r#"time: unknown unit "\x01s" in duration "1\x01s""#,
            ),
        ];
        for &(input, want) in cases {
            match GoDuration::parse(input) {
                Ok(d) => panic!("{input:?} parsed as {d:?}"),
                Err(e) => assert_eq!(e.to_string(), want, "{input:?}"),
            }
        }
    }

    #[test]
    fn prints_like_go() {
        let cases: &[(i64, &str)] = &[
            (0, "0s"),
            (1, "1ns"),
            (1100, "1.1µs"),
            (1_000, "1µs"),
            (2200 * 1000, "2.2ms"),
            (500 * MS, "500ms"),
            (3300 * MS, "3.3s"),
            (1500 * MS, "1.5s"),
            (MIN, "1m0s"),
            (-MIN, "-1m0s"),
            (4 * MIN + 5 * S, "4m5s"),
            (4 * MIN + 5001 * MS, "4m5.001s"),
            (5 * H + 6 * MIN + 7001 * MS, "5h6m7.001s"),
            (8 * MIN + 1, "8m0.000000001s"),
            (90 * MIN, "1h30m0s"),
            (H, "1h0m0s"),
            (i64::MAX, "2562047h47m16.854775807s"),
            (i64::MIN, "-2562047h47m16.854775808s"),
            (-1, "-1ns"),
            (-1_500, "-1.5µs"),
        ];
        for &(nanos, want) in cases {
            assert_eq!(GoDuration(nanos).to_string(), want, "{nanos}");
        }
    }

    #[test]
    fn round_trips_through_text() {
        for nanos in [
            0,
            1,
            999,
            1_000,
            1_234_567,
            S,
            61 * S,
            25 * H + 1,
            i64::MAX,
            i64::MIN,
        ] {
            let d = GoDuration(nanos);
            assert_eq!(GoDuration::parse(d.to_string()), Ok(d), "{nanos}");
        }
    }

    #[test]
    fn std_conversion() {
        assert_eq!(
            GoDuration(1500 * MS).to_std(),
            Some(std::time::Duration::from_millis(1500))
        );
        assert_eq!(GoDuration(-1).to_std(), None);
        assert_eq!(
            GoDuration(-1).to_std_saturating(),
            std::time::Duration::ZERO
        );
        assert_eq!(
            GoDuration::from_std(std::time::Duration::from_secs(2)),
            GoDuration(2 * S)
        );
        assert_eq!(
            GoDuration::from_std(std::time::Duration::MAX),
            GoDuration(i64::MAX)
        );
    }

    #[test]
    fn serde_uses_go_text() {
        let d: GoDuration = serde_json::from_str("\"1h30m\"").unwrap_or_default();
        assert_eq!(d, GoDuration(90 * MIN));
        assert_eq!(
            serde_json::to_string(&d).ok().as_deref(),
            Some("\"1h30m0s\"")
        );
        let err = serde_json::from_str::<GoDuration>("\"15\"");
        assert!(err.is_err_and(|e| e
            .to_string()
            .contains("time: missing unit in duration \"15\"")));
    }
}
