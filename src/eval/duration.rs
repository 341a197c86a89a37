//! Go durations (`time.ParseDuration` and `Duration.String`), the syntax of every
//! `duration` argument (`"1h30m"`, `"1.5s"`, `"-1m"`).
//!
//! Kept small and self-contained so it can be swapped for `crate::gocompat`'s version.

use std::fmt;

/// A signed duration in nanoseconds, with Go's text form.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Duration(pub i64);

impl Duration {
    /// One second.
    pub const SECOND: Duration = Duration(1_000_000_000);

    /// Parses Go duration syntax; the error text is Go's (`time: missing unit in duration "15"`).
    pub fn parse(s: &str) -> Result<Duration, String> {
        parse_duration(s.as_bytes())
    }

    /// Parses Go duration syntax from bytes.
    pub fn parse_bytes(s: &[u8]) -> Result<Duration, String> {
        parse_duration(s)
    }

    /// Nanoseconds.
    pub fn as_nanos(self) -> i64 {
        self.0
    }

    /// The duration as a std duration (negative values become zero).
    pub fn to_std(self) -> std::time::Duration {
        std::time::Duration::from_nanos(self.0.max(0) as u64)
    }

    /// A duration from a std duration (saturating).
    pub fn from_std(d: std::time::Duration) -> Duration {
        Duration(i64::try_from(d.as_nanos()).unwrap_or(i64::MAX))
    }
}

const NS: u64 = 1;
const US: u64 = 1_000;
const MS: u64 = 1_000_000;
const S: u64 = 1_000_000_000;
const M: u64 = 60 * S;
const H: u64 = 60 * M;

fn unit(u: &[u8]) -> Option<u64> {
    Some(match u {
        b"ns" => NS,
        b"us" | [0xC2, 0xB5, b's'] | [0xCE, 0xBC, b's'] => US,
        b"ms" => MS,
        b"s" => S,
        b"m" => M,
        b"h" => H,
        _ => return None,
    })
}

/// Go's `time.quote`: ASCII printable as is (with `"` and `\` escaped), everything else as
/// `\xNN` bytes.
fn time_quote(s: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for &b in s {
        if !(b' '..0x80).contains(&b) {
            out.push_str("\\x");
            out.push(HEX[(b >> 4) as usize] as char);
            out.push(HEX[(b & 0xF) as usize] as char);
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

fn parse_duration(orig: &[u8]) -> Result<Duration, String> {
    let invalid = || format!("time: invalid duration {}", time_quote(orig));
    let mut s = orig;
    let mut neg = false;
    if let Some(&c) = s.first() {
        if c == b'-' || c == b'+' {
            neg = c == b'-';
            s = &s[1..];
        }
    }
    if s == b"0" {
        return Ok(Duration(0));
    }
    if s.is_empty() {
        return Err(invalid());
    }
    const LIMIT: u64 = 1 << 63;
    let mut d: u64 = 0;
    while !s.is_empty() {
        if !(s[0] == b'.' || s[0].is_ascii_digit()) {
            return Err(invalid());
        }
        // Leading integer.
        let mut v: u64 = 0;
        let mut i = 0;
        while i < s.len() && s[i].is_ascii_digit() {
            if v > LIMIT / 10 {
                return Err(invalid());
            }
            v = v * 10 + (s[i] - b'0') as u64;
            if v > LIMIT {
                return Err(invalid());
            }
            i += 1;
        }
        let pre = i > 0;
        s = &s[i..];
        // Fraction.
        let mut f: u64 = 0;
        let mut scale = 1.0f64;
        let mut post = false;
        if s.first() == Some(&b'.') {
            s = &s[1..];
            let mut i = 0;
            let mut overflow = false;
            while i < s.len() && s[i].is_ascii_digit() {
                let c = (s[i] - b'0') as u64;
                i += 1;
                if overflow {
                    continue;
                }
                if f > (LIMIT - 1) / 10 {
                    overflow = true;
                    continue;
                }
                let y = f * 10 + c;
                if y > LIMIT {
                    overflow = true;
                    continue;
                }
                f = y;
                scale *= 10.0;
            }
            post = i > 0;
            s = &s[i..];
        }
        if !pre && !post {
            return Err(invalid());
        }
        // Unit.
        let mut i = 0;
        while i < s.len() && !(s[i] == b'.' || s[i].is_ascii_digit()) {
            i += 1;
        }
        if i == 0 {
            return Err(format!(
                "time: missing unit in duration {}",
                time_quote(orig)
            ));
        }
        let u = &s[..i];
        s = &s[i..];
        let Some(unit) = unit(u) else {
            return Err(format!(
                "time: unknown unit {} in duration {}",
                time_quote(u),
                time_quote(orig)
            ));
        };
        if v > LIMIT / unit {
            return Err(invalid());
        }
        v *= unit;
        if f > 0 {
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
        return Ok(Duration((d as i64).wrapping_neg()));
    }
    if d > LIMIT - 1 {
        return Err(invalid());
    }
    Ok(Duration(d as i64))
}

/// Formats the fraction `v / 10^prec` as `.ddd` without trailing zeros (nothing when it is
/// zero), prepending to `buf`; returns `v / 10^prec`.
fn fmt_frac(buf: &mut Vec<u8>, mut v: u64, prec: usize) -> u64 {
    let mut print = false;
    let mut digits = Vec::new();
    for _ in 0..prec {
        let digit = v % 10;
        print = print || digit != 0;
        if print {
            digits.push(b'0' + digit as u8);
        }
        v /= 10;
    }
    if print {
        digits.push(b'.');
    }
    buf.extend(digits);
    v
}

fn fmt_int(buf: &mut Vec<u8>, mut v: u64) {
    if v == 0 {
        buf.push(b'0');
    } else {
        while v > 0 {
            buf.push(b'0' + (v % 10) as u8);
            v /= 10;
        }
    }
}

impl fmt::Display for Duration {
    /// Go's `Duration.String`: `1h0m0s`, `1.5s`, `300ms`, `0s`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Built backwards, then reversed.
        let mut buf: Vec<u8> = Vec::with_capacity(32);
        let neg = self.0 < 0;
        let mut u = self.0.unsigned_abs();
        if u < S {
            buf.push(b's');
            if u == 0 {
                buf.push(b'0');
            } else {
                let prec = if u < US {
                    buf.push(b'n');
                    0
                } else if u < MS {
                    // "µ" reversed.
                    buf.extend("µ".bytes().rev());
                    3
                } else {
                    buf.push(b'm');
                    6
                };
                u = fmt_frac(&mut buf, u, prec);
                fmt_int(&mut buf, u);
            }
        } else {
            buf.push(b's');
            u = fmt_frac(&mut buf, u, 9);
            fmt_int(&mut buf, u % 60);
            u /= 60;
            if u > 0 {
                buf.push(b'm');
                fmt_int(&mut buf, u % 60);
                u /= 60;
                if u > 0 {
                    buf.push(b'h');
                    fmt_int(&mut buf, u);
                }
            }
        }
        if neg {
            buf.push(b'-');
        }
        buf.reverse();
        f.write_str(&String::from_utf8_lossy(&buf))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_go_syntax() {
        assert_eq!(Duration::parse("1h30m"), Ok(Duration((90 * M) as i64)));
        assert_eq!(Duration::parse("90m"), Ok(Duration((90 * M) as i64)));
        assert_eq!(Duration::parse("1.5s"), Ok(Duration(1_500_000_000)));
        assert_eq!(Duration::parse("-1m"), Ok(Duration(-((M) as i64))));
        assert_eq!(Duration::parse("0"), Ok(Duration(0)));
        assert_eq!(Duration::parse("300µs"), Ok(Duration(300_000)));
        assert_eq!(
            Duration::parse("15").unwrap_err(),
            r#"time: missing unit in duration "15""#
        );
        assert_eq!(
            Duration::parse("1d").unwrap_err(),
            r#"time: unknown unit "d" in duration "1d""#
        );
        assert_eq!(
            Duration::parse("").unwrap_err(),
            r#"time: invalid duration """#
        );
        assert_eq!(
            Duration::parse(".s").unwrap_err(),
            r#"time: invalid duration ".s""#
        );
        assert!(Duration::parse("9999999999999999999h").is_err());
    }

    #[test]
    fn prints_go_syntax() {
        let p = |s: &str| Duration::parse(s).unwrap().to_string();
        assert_eq!(p("1m"), "1m0s");
        assert_eq!(p("1h30m"), "1h30m0s");
        assert_eq!(p("1.5s"), "1.5s");
        assert_eq!(p("300ms"), "300ms");
        assert_eq!(p("1500us"), "1.5ms");
        assert_eq!(p("2us"), "2µs");
        assert_eq!(p("7ns"), "7ns");
        assert_eq!(p("0s"), "0s");
        assert_eq!(p("-90s"), "-1m30s");
        assert_eq!(Duration(i64::MIN).to_string(), "-2562047h47m16.854775808s");
    }
}
