//! Go's `strconv`: integer and float parsing, float formatting and quoting.
//!
//! River numbers are parsed and printed through these functions, so every
//! accepted spelling, every rounding decision and every error text follows
//! Go's standard library. Inputs are byte strings (River strings may hold
//! invalid UTF-8); outputs that Go builds by quoting are always valid UTF-8.

use std::fmt;

use super::utf8::{self, decode_rune, is_print, rune_or_error};

/// What went wrong in a parse, mirroring `strconv.ErrSyntax` / `strconv.ErrRange`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NumErrorKind {
    /// `invalid syntax`
    Syntax,
    /// `value out of range`
    Range,
    /// `invalid base N` (only for explicit bases outside 2..=36)
    Base(u32),
    /// `invalid bit size N`
    BitSize(u32),
}

/// Mirrors `*strconv.NumError`: `strconv.ParseFloat: parsing "1e400": value out of range`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NumError {
    /// The Go function name, e.g. `ParseInt`.
    pub func: &'static str,
    /// The input text exactly as given.
    pub num: Vec<u8>,
    /// Why it failed.
    pub kind: NumErrorKind,
}

impl NumError {
    fn new(func: &'static str, num: &[u8], kind: NumErrorKind) -> Self {
        NumError {
            func,
            num: num.to_vec(),
            kind,
        }
    }
}

impl fmt::Display for NumError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "strconv.{}: parsing {}: ", self.func, quote(&self.num))?;
        match self.kind {
            NumErrorKind::Syntax => f.write_str("invalid syntax"),
            NumErrorKind::Range => f.write_str("value out of range"),
            NumErrorKind::Base(b) => write!(f, "invalid base {b}"),
            NumErrorKind::BitSize(b) => write!(f, "invalid bit size {b}"),
        }
    }
}

impl std::error::Error for NumError {}

fn lower(c: u8) -> u8 {
    c | 0x20
}

// ---------------------------------------------------------------------------
// Integers
// ---------------------------------------------------------------------------

/// Mirrors `strconv.ParseUint(s, base, bitSize)`.
///
/// Base 0 picks the base from the prefix: `0b`, `0o`, `0x`, or a bare leading
/// `0` for octal; only then are `_` digit separators allowed. A bit size of 0
/// means 64.
pub fn parse_uint(s: impl AsRef<[u8]>, base: u32, bit_size: u32) -> Result<u64, NumError> {
    parse_uint_named(s.as_ref(), base, bit_size, "ParseUint")
}

fn parse_uint_named(
    s0: &[u8],
    base: u32,
    bit_size: u32,
    func: &'static str,
) -> Result<u64, NumError> {
    if s0.is_empty() {
        return Err(NumError::new(func, s0, NumErrorKind::Syntax));
    }
    let base0 = base == 0;
    let mut s = s0;
    let base = match base {
        2..=36 => base,
        0 => {
            if s[0] == b'0' {
                if s.len() >= 3 && lower(s[1]) == b'b' {
                    s = &s[2..];
                    2
                } else if s.len() >= 3 && lower(s[1]) == b'o' {
                    s = &s[2..];
                    8
                } else if s.len() >= 3 && lower(s[1]) == b'x' {
                    s = &s[2..];
                    16
                } else {
                    s = &s[1..];
                    8
                }
            } else {
                10
            }
        }
        _ => return Err(NumError::new(func, s0, NumErrorKind::Base(base))),
    };
    let bit_size = match bit_size {
        0 => 64,
        1..=64 => bit_size,
        _ => return Err(NumError::new(func, s0, NumErrorKind::BitSize(bit_size))),
    };
    let cutoff = u64::MAX / u64::from(base) + 1;
    let max_val: u64 = if bit_size == 64 {
        u64::MAX
    } else {
        (1u64 << bit_size) - 1
    };
    let mut underscores = false;
    let mut n: u64 = 0;
    for &c in s {
        let d = match c {
            b'_' if base0 => {
                underscores = true;
                continue;
            }
            b'0'..=b'9' => c - b'0',
            _ if lower(c).is_ascii_lowercase() => lower(c) - b'a' + 10,
            _ => return Err(NumError::new(func, s0, NumErrorKind::Syntax)),
        };
        if u32::from(d) >= base {
            return Err(NumError::new(func, s0, NumErrorKind::Syntax));
        }
        // Go reports overflow as soon as it happens, before looking at later bytes.
        if n >= cutoff {
            return Err(NumError::new(func, s0, NumErrorKind::Range));
        }
        n *= u64::from(base);
        let n1 = n.wrapping_add(u64::from(d));
        if n1 < n || n1 > max_val {
            return Err(NumError::new(func, s0, NumErrorKind::Range));
        }
        n = n1;
    }
    if underscores && !underscore_ok(s0) {
        return Err(NumError::new(func, s0, NumErrorKind::Syntax));
    }
    Ok(n)
}

/// Mirrors `strconv.ParseInt(s, base, bitSize)`: an optional `+`/`-` sign,
/// then [`parse_uint`] rules, then a range check against the signed width.
pub fn parse_int(s: impl AsRef<[u8]>, base: u32, bit_size: u32) -> Result<i64, NumError> {
    let s0 = s.as_ref();
    const FUNC: &str = "ParseInt";
    if s0.is_empty() {
        return Err(NumError::new(FUNC, s0, NumErrorKind::Syntax));
    }
    let (neg, digits) = match s0[0] {
        b'+' => (false, &s0[1..]),
        b'-' => (true, &s0[1..]),
        _ => (false, s0),
    };
    let un = match parse_uint_named(digits, base, bit_size, FUNC) {
        Ok(v) => v,
        Err(e) if e.kind == NumErrorKind::Range => u64::MAX,
        Err(e) => {
            return Err(NumError {
                num: s0.to_vec(),
                ..e
            })
        }
    };
    let bit_size = if bit_size == 0 { 64 } else { bit_size };
    let cutoff = 1u64 << (bit_size - 1);
    if !neg && un >= cutoff {
        return Err(NumError::new(FUNC, s0, NumErrorKind::Range));
    }
    if neg && un > cutoff {
        return Err(NumError::new(FUNC, s0, NumErrorKind::Range));
    }
    // Two's-complement negation also covers -cutoff (i64::MIN).
    Ok(if neg {
        (un as i64).wrapping_neg()
    } else {
        un as i64
    })
}

/// `strconv.ParseInt(s, 0, 64)`: River's first attempt at a NUMBER literal
/// (`010` is octal 8, `0x10` is 16, `08` fails).
pub fn parse_int_base0(s: impl AsRef<[u8]>) -> Result<i64, NumError> {
    parse_int(s, 0, 64)
}

/// `strconv.ParseUint(s, 0, 64)`: River's second attempt at a NUMBER literal.
pub fn parse_uint_base0(s: impl AsRef<[u8]>) -> Result<u64, NumError> {
    parse_uint(s, 0, 64)
}

/// Mirrors strconv's `underscoreOK`: `_` may only sit between digits, or
/// between a base prefix and a digit.
fn underscore_ok(s: &[u8]) -> bool {
    // Last character class seen: '^' start, '0' digit or prefix, '_' underscore, '!' other.
    let mut saw = b'^';
    let mut i = 0;
    let s = match s.first() {
        Some(b'-' | b'+') => &s[1..],
        _ => s,
    };
    let mut hex = false;
    if s.len() >= 2 && s[0] == b'0' && matches!(lower(s[1]), b'b' | b'o' | b'x') {
        i = 2;
        saw = b'0';
        hex = lower(s[1]) == b'x';
    }
    while i < s.len() {
        let c = s[i];
        i += 1;
        if c.is_ascii_digit() || (hex && (b'a'..=b'f').contains(&lower(c))) {
            saw = b'0';
            continue;
        }
        if c == b'_' {
            if saw != b'0' {
                return false;
            }
            saw = b'_';
            continue;
        }
        if saw == b'_' {
            return false;
        }
        saw = b'!';
    }
    saw != b'_'
}

/// A number as River holds it: one of Go's int64, uint64 or float64.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum GoNumber {
    /// int64
    Int(i64),
    /// uint64 (only for values above `i64::MAX` from literals)
    Uint(u64),
    /// float64
    Float(f64),
}

/// River's value of a NUMBER literal (digits only): `ParseInt(s, 0, 64)`, else
/// `ParseUint(s, 0, 64)`, else `ParseFloat(s, 64)`. So `010` is 8 (octal),
/// `08` is the float 8, and `18446744073709551616` is a float. Only the float
/// error is reported.
pub fn parse_number_literal(s: impl AsRef<[u8]>) -> Result<GoNumber, NumError> {
    let s = s.as_ref();
    if let Ok(i) = parse_int(s, 0, 64) {
        return Ok(GoNumber::Int(i));
    }
    if let Ok(u) = parse_uint(s, 0, 64) {
        return Ok(GoNumber::Uint(u));
    }
    parse_float(s).map(GoNumber::Float)
}

/// River's string-to-number conversion on assignment: a leading `-` means
/// `ParseInt(s, 10, 64)`, text containing `.`, `e` or `E` means
/// `ParseFloat`, anything else `ParseUint(s, 10, 64)`; no fallback between
/// them. `None` is River's `should be number, got string` case.
pub fn parse_number_string(s: impl AsRef<[u8]>) -> Option<GoNumber> {
    let s = s.as_ref();
    if s.is_empty() {
        return None;
    }
    if s[0] == b'-' {
        return parse_int(s, 10, 64).ok().map(GoNumber::Int);
    }
    if s.iter().any(|&c| matches!(c, b'.' | b'e' | b'E')) {
        return parse_float(s).ok().map(GoNumber::Float);
    }
    parse_uint(s, 10, 64).ok().map(GoNumber::Uint)
}

/// Mirrors `strconv.FormatInt(i, base)` for bases 2..=36 (lower-case digits).
pub fn format_int(i: i64, base: u32) -> String {
    let mut s = format_uint(i.unsigned_abs(), base);
    if i < 0 {
        s.insert(0, '-');
    }
    s
}

/// Mirrors `strconv.FormatUint(u, base)` for bases 2..=36 (lower-case digits).
pub fn format_uint(mut u: u64, base: u32) -> String {
    const DIGITS: &[u8; 36] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let base = u64::from(base.clamp(2, 36));
    let mut buf = Vec::with_capacity(20);
    loop {
        buf.push(DIGITS[(u % base) as usize]);
        u /= base;
        if u == 0 {
            break;
        }
    }
    buf.reverse();
    String::from_utf8(buf).unwrap_or_default()
}

// ---------------------------------------------------------------------------
// Float parsing
// ---------------------------------------------------------------------------

/// Mirrors `strconv.ParseFloat(s, 64)`.
///
/// Accepts decimal and hexadecimal (`0x1.8p3`) forms with optional sign and
/// `_` separators, and `inf`/`infinity`/`nan` in any case. Overflow is an
/// error (`value out of range`); underflow silently gives 0 or a subnormal.
pub fn parse_float(s: impl AsRef<[u8]>) -> Result<f64, NumError> {
    let s = s.as_ref();
    let (val, n, err) = parse_float_prefix(s);
    if n != s.len() && err.as_ref().is_none_or(|e| e.kind != NumErrorKind::Syntax) {
        return Err(NumError::new("ParseFloat", s, NumErrorKind::Syntax));
    }
    match err {
        Some(e) => Err(e),
        None => Ok(val),
    }
}

/// Parses the longest float prefix, like strconv's `parseFloatPrefix`.
fn parse_float_prefix(s: &[u8]) -> (f64, usize, Option<NumError>) {
    if let Some((v, n)) = special(s) {
        return (v, n, None);
    }
    let r = read_float(s);
    if !r.ok {
        return (
            0.0,
            r.n,
            Some(NumError::new("ParseFloat", s, NumErrorKind::Syntax)),
        );
    }
    let v = if r.hex {
        atof_hex(r.hex_mant, r.hex_exp, r.neg, r.trunc)
    } else {
        decimal_to_f64(&r.digits, r.dp, r.neg)
    };
    if v.is_infinite() {
        return (
            v,
            r.n,
            Some(NumError::new("ParseFloat", s, NumErrorKind::Range)),
        );
    }
    (v, r.n, None)
}

/// `inf`, `infinity` (optionally signed) and `nan`, case-insensitively.
fn special(s: &[u8]) -> Option<(f64, usize)> {
    let first = *s.first()?;
    let prefix_len = |s: &[u8], word: &[u8]| {
        s.iter()
            .zip(word)
            .take_while(|(a, b)| lower(**a) == **b)
            .count()
    };
    match first {
        b'+' | b'-' | b'i' | b'I' => {
            let (sign, nsign, rest) = match first {
                b'+' => (1.0, 1, &s[1..]),
                b'-' => (-1.0, 1, &s[1..]),
                _ => (1.0, 0, s),
            };
            let mut n = prefix_len(rest, b"infinity");
            // Anything between "inf" and "infinity" only consumes "inf".
            if 3 < n && n < 8 {
                n = 3;
            }
            if n == 3 || n == 8 {
                return Some((sign * f64::INFINITY, nsign + n));
            }
            None
        }
        b'n' | b'N' if prefix_len(s, b"nan") == 3 => Some((f64::NAN, 3)),
        _ => None,
    }
}

/// The pieces strconv's `readFloat` extracts from the longest valid prefix.
#[derive(Default)]
struct ReadFloat {
    neg: bool,
    hex: bool,
    trunc: bool,
    /// Significant decimal digits (leading zeros dropped), decimal form only.
    digits: Vec<u8>,
    /// Decimal point position relative to `digits` (value = 0.digits × 10^dp).
    dp: i64,
    /// Hex form: value = hex_mant × 2^hex_exp.
    hex_mant: u64,
    hex_exp: i64,
    n: usize,
    ok: bool,
}

fn read_float(s: &[u8]) -> ReadFloat {
    let mut r = ReadFloat::default();
    let mut i = 0;
    let mut underscores = false;
    if i >= s.len() {
        return r;
    }
    match s[i] {
        b'+' => i += 1,
        b'-' => {
            r.neg = true;
            i += 1;
        }
        _ => {}
    }
    let mut base: u64 = 10;
    let mut max_mant_digits = 19;
    let mut exp_char = b'e';
    if i + 2 < s.len() && s[i] == b'0' && lower(s[i + 1]) == b'x' {
        base = 16;
        max_mant_digits = 16;
        i += 2;
        exp_char = b'p';
        r.hex = true;
    }
    let mut sawdot = false;
    let mut sawdigits = false;
    let mut nd: i64 = 0;
    let mut nd_mant: i64 = 0;
    let mut dp: i64 = 0;
    let mut mantissa: u64 = 0;
    while i < s.len() {
        let c = s[i];
        if c == b'_' {
            underscores = true;
        } else if c == b'.' {
            if sawdot {
                break;
            }
            sawdot = true;
            dp = nd;
        } else if c.is_ascii_digit() {
            sawdigits = true;
            if c == b'0' && nd == 0 {
                // Leading zeros only move the decimal point.
                dp -= 1;
            } else {
                nd += 1;
                if base == 10 {
                    r.digits.push(c);
                }
                if nd_mant < max_mant_digits {
                    mantissa = mantissa * base + u64::from(c - b'0');
                    nd_mant += 1;
                } else if c != b'0' {
                    r.trunc = true;
                }
            }
        } else if base == 16 && (b'a'..=b'f').contains(&lower(c)) {
            sawdigits = true;
            nd += 1;
            if nd_mant < max_mant_digits {
                mantissa = mantissa * 16 + u64::from(lower(c) - b'a' + 10);
                nd_mant += 1;
            } else {
                r.trunc = true;
            }
        } else {
            break;
        }
        i += 1;
    }
    r.n = i;
    if !sawdigits {
        return r;
    }
    if !sawdot {
        dp = nd;
    }
    if base == 16 {
        dp *= 4;
        nd_mant *= 4;
    }
    if i < s.len() && lower(s[i]) == exp_char {
        i += 1;
        r.n = i;
        if i >= s.len() {
            return r;
        }
        let mut esign = 1;
        if s[i] == b'+' {
            i += 1;
        } else if s[i] == b'-' {
            i += 1;
            esign = -1;
        }
        r.n = i;
        if i >= s.len() || !s[i].is_ascii_digit() {
            return r;
        }
        let mut e: i64 = 0;
        while i < s.len() && (s[i].is_ascii_digit() || s[i] == b'_') {
            if s[i] == b'_' {
                underscores = true;
            } else if e < 10000 {
                // Huge exponents saturate; the result is 0 or out of range anyway.
                e = e * 10 + i64::from(s[i] - b'0');
            }
            i += 1;
        }
        dp += e * esign;
    } else if base == 16 {
        // Hex floats need a 'p' exponent.
        r.n = i;
        return r;
    }
    r.n = i;
    if underscores && !underscore_ok(&s[..i]) {
        return r;
    }
    if r.hex {
        r.hex_mant = mantissa;
        r.hex_exp = if mantissa != 0 { dp - nd_mant } else { 0 };
    } else {
        // Decimal point position relative to the first significant digit.
        r.dp = dp;
    }
    r.ok = true;
    r
}

/// Correctly rounded 0.`digits` × 10^`dp` (Go and Rust both round exactly).
fn decimal_to_f64(digits: &[u8], dp: i64, neg: bool) -> f64 {
    let v = if digits.is_empty() {
        0.0
    } else {
        // Exponents this large are 0 or infinity either way.
        let dp = dp.clamp(-400_000, 400_000);
        let mut text = String::with_capacity(digits.len() + 12);
        text.push_str("0.");
        text.extend(digits.iter().map(|&c| c as char));
        text.push('e');
        text.push_str(&dp.to_string());
        text.parse::<f64>().unwrap_or(0.0)
    };
    if neg {
        -v
    } else {
        v
    }
}

/// Rounds `mant × 2^exp` (with a sticky bit for dropped digits) to a float64,
/// half to even, the way strconv's `atofHex` does.
fn atof_hex(mut mant: u64, exp: i64, neg: bool, trunc: bool) -> f64 {
    const MANTBITS: i64 = 52;
    const BIAS: i64 = -1023;
    const MAX_EXP: i64 = 1023;
    const MIN_EXP: i64 = -1022;
    let mut exp = exp + MANTBITS;
    // Keep two extra low bits for rounding plus a sticky bit.
    while mant != 0 && mant >> (MANTBITS + 2) == 0 {
        mant <<= 1;
        exp -= 1;
    }
    if trunc {
        mant |= 1;
    }
    while mant >> (1 + MANTBITS + 2) != 0 {
        mant = (mant >> 1) | (mant & 1);
        exp += 1;
    }
    while mant > 1 && exp < MIN_EXP - 2 {
        mant = (mant >> 1) | (mant & 1);
        exp += 1;
    }
    let mut round = mant & 3;
    mant >>= 2;
    round |= mant & 1;
    exp += 2;
    if round == 3 {
        mant += 1;
        if mant == 1 << (1 + MANTBITS) {
            mant >>= 1;
            exp += 1;
        }
    }
    if mant >> MANTBITS == 0 {
        exp = BIAS;
    }
    let sign = if neg { 1u64 << 63 } else { 0 };
    if exp > MAX_EXP {
        return f64::from_bits(sign | (0x7FFu64 << 52));
    }
    let bits =
        (mant & ((1 << MANTBITS) - 1)) | ((((exp - BIAS) & 0x7FF) as u64) << MANTBITS) | sign;
    f64::from_bits(bits)
}

// ---------------------------------------------------------------------------
// Float formatting
// ---------------------------------------------------------------------------

/// Decimal digits of |v|: value = 0.d₁d₂… × 10^dp, no trailing zeros; zero
/// is no digits with dp 0 (Go's `decimalSlice`).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Digits {
    d: Vec<u8>,
    dp: i64,
}

impl Digits {
    fn nd(&self) -> i64 {
        self.d.len() as i64
    }

    /// Parses Rust's `{:e}` output ("1.2345e-7").
    fn from_exp_form(text: &str) -> Digits {
        let (mant, exp) = text.split_once('e').unwrap_or((text, "0"));
        let exp: i64 = exp.parse().unwrap_or(0);
        let d: Vec<u8> = mant.bytes().filter(u8::is_ascii_digit).collect();
        Digits { d, dp: exp + 1 }.normalized()
    }

    /// Parses Rust's fixed `{:.N}` output ("123.4500").
    fn from_fixed_form(text: &str) -> Digits {
        let int_len = text.find('.').unwrap_or(text.len()) as i64;
        let d: Vec<u8> = text.bytes().filter(u8::is_ascii_digit).collect();
        Digits { d, dp: int_len }.normalized()
    }

    fn normalized(mut self) -> Digits {
        let lead = self.d.iter().take_while(|&&c| c == b'0').count();
        self.d.drain(..lead);
        self.dp -= lead as i64;
        while self.d.last() == Some(&b'0') {
            self.d.pop();
        }
        if self.d.is_empty() {
            self.dp = 0;
        }
        self
    }
}

/// Shortest digits that read back as the same float64 (what Go's Ryū gives).
fn shortest_digits(abs: f64) -> Digits {
    Digits::from_exp_form(&format!("{abs:e}"))
}

/// Exactly rounded (half to even) to `n` ≥ 1 significant digits.
fn significant_digits(abs: f64, n: usize) -> Digits {
    Digits::from_exp_form(&format!("{:.*e}", n.saturating_sub(1), abs))
}

/// Exactly rounded (half to even) to `prec` digits after the point.
fn fraction_digits(abs: f64, prec: usize) -> Digits {
    Digits::from_fixed_form(&format!("{abs:.prec$}"))
}

/// Mirrors `strconv.FormatFloat(f, fmt, prec, 64)`; `None` is Go's `-1`
/// (the shortest text that reads back as the same value).
///
/// Formats: `e`/`E` (`-d.dddde±dd`), `f` (`-ddd.dddd`), `g`/`G` (`e` for large
/// exponents, else `f`), `b` (`-ddddp±ddd`), `x`/`X` (`-0x1.ffp±dd`).
/// River's number-to-string conversion is `format_float(f, 'f', None)`.
pub fn format_float(f: f64, fmt: char, prec: Option<usize>) -> String {
    let prec = prec.map_or(-1, |p| i64::try_from(p).unwrap_or(i64::MAX));
    let fmt = u8::try_from(fmt).unwrap_or(b'?');
    format_float_go(f, fmt, prec)
}

/// [`format_float`] with Go's integer precision convention (negative = shortest).
pub(crate) fn format_float_go(v: f64, fmt: u8, prec: i64) -> String {
    let bits = v.to_bits();
    let neg = bits >> 63 != 0;
    let biased = ((bits >> 52) & 0x7FF) as i64;
    let mut mant = bits & ((1u64 << 52) - 1);
    if biased == 0x7FF {
        return if mant != 0 {
            "NaN"
        } else if neg {
            "-Inf"
        } else {
            "+Inf"
        }
        .to_string();
    }
    let exp = if biased == 0 {
        1 - 1023
    } else {
        mant |= 1u64 << 52;
        biased - 1023
    };
    match fmt {
        b'b' => return fmt_b(neg, mant, exp),
        b'x' | b'X' => return fmt_x(prec, fmt, neg, mant, exp),
        b'e' | b'E' | b'f' | b'g' | b'G' => {}
        _ => return format!("%{}", fmt as char),
    }
    let abs = v.abs();
    let shortest = prec < 0;
    let (digs, prec) = if shortest {
        let d = shortest_digits(abs);
        let p = match fmt {
            b'e' | b'E' => (d.nd() - 1).max(0),
            b'f' => (d.nd() - d.dp).max(0),
            _ => d.nd(),
        };
        (d, p)
    } else if fmt == b'f' {
        (fraction_digits(abs, prec as usize), prec)
    } else if fmt == b'e' || fmt == b'E' {
        (significant_digits(abs, prec as usize + 1), prec)
    } else {
        let p = prec.max(1);
        (significant_digits(abs, p as usize), p)
    };
    format_digits(neg, &digs, prec, fmt, shortest)
}

fn format_digits(neg: bool, digs: &Digits, mut prec: i64, fmt: u8, shortest: bool) -> String {
    match fmt {
        b'e' | b'E' => fmt_e(neg, digs, prec, fmt),
        b'f' => fmt_f(neg, digs, prec),
        _ => {
            let nd = digs.nd();
            let mut eprec = prec;
            if eprec > nd && nd >= digs.dp {
                eprec = nd;
            }
            // Shortest output switches to exponent form from 1e+06 (or below 1e-04).
            if shortest {
                eprec = 6;
            }
            let exp = digs.dp - 1;
            if exp < -4 || exp >= eprec {
                if prec > nd {
                    prec = nd;
                }
                return fmt_e(neg, digs, prec - 1, if fmt == b'G' { b'E' } else { b'e' });
            }
            if prec > digs.dp {
                prec = nd;
            }
            fmt_f(neg, digs, (prec - digs.dp).max(0))
        }
    }
}

/// `-d.ddddde±dd`
fn fmt_e(neg: bool, digs: &Digits, prec: i64, fmt: u8) -> String {
    let mut out = String::new();
    if neg {
        out.push('-');
    }
    out.push(digs.d.first().map_or('0', |&c| c as char));
    if prec > 0 {
        out.push('.');
        let mut i = 1i64;
        let m = digs.nd().min(prec + 1);
        while i < m {
            out.push(digs.d[i as usize] as char);
            i += 1;
        }
        while i <= prec {
            out.push('0');
            i += 1;
        }
    }
    out.push(fmt as char);
    let mut exp = digs.dp - 1;
    if digs.d.is_empty() {
        exp = 0;
    }
    if exp < 0 {
        out.push('-');
        exp = -exp;
    } else {
        out.push('+');
    }
    if exp < 10 {
        out.push('0');
    }
    out.push_str(&exp.to_string());
    out
}

/// `-ddddd.ddd`
fn fmt_f(neg: bool, digs: &Digits, prec: i64) -> String {
    let mut out = String::new();
    if neg {
        out.push('-');
    }
    if digs.dp > 0 {
        let m = digs.nd().min(digs.dp);
        out.extend(digs.d[..m as usize].iter().map(|&c| c as char));
        for _ in m..digs.dp {
            out.push('0');
        }
    } else {
        out.push('0');
    }
    if prec > 0 {
        out.push('.');
        for i in 1..=prec {
            let j = digs.dp + i - 1;
            out.push(if 0 <= j && j < digs.nd() {
                digs.d[j as usize] as char
            } else {
                '0'
            });
        }
    }
    out
}

/// `-ddddp±ddd`: the integer mantissa and the binary exponent.
fn fmt_b(neg: bool, mant: u64, exp: i64) -> String {
    let e = exp - 52;
    format!(
        "{}{}p{}{}",
        if neg { "-" } else { "" },
        mant,
        if e >= 0 { "+" } else { "" },
        e
    )
}

/// `-0x1.yyyyp±dd`: hexadecimal mantissa, rounded to `prec` hex digits (half to even).
fn fmt_x(prec: i64, fmt: u8, neg: bool, mut mant: u64, mut exp: i64) -> String {
    if mant == 0 {
        exp = 0;
    }
    // Put the leading 1 (if any) at bit 60.
    mant <<= 60 - 52;
    while mant != 0 && mant & (1 << 60) == 0 {
        mant <<= 1;
        exp -= 1;
    }
    if (0..15).contains(&prec) {
        let shift = (prec * 4) as u32;
        let extra = (mant << shift) & ((1u64 << 60) - 1);
        mant >>= 60 - shift;
        if extra | (mant & 1) > 1 << 59 {
            mant += 1;
        }
        mant <<= 60 - shift;
        if mant & (1 << 61) != 0 {
            mant >>= 1;
            exp += 1;
        }
    }
    let hex: &[u8; 16] = if fmt == b'X' {
        b"0123456789ABCDEF"
    } else {
        b"0123456789abcdef"
    };
    let mut out = String::new();
    if neg {
        out.push('-');
    }
    out.push('0');
    out.push(fmt as char);
    out.push(if (mant >> 60) & 1 == 1 { '1' } else { '0' });
    mant <<= 4;
    if prec < 0 && mant != 0 {
        out.push('.');
        while mant != 0 {
            out.push(hex[((mant >> 60) & 15) as usize] as char);
            mant <<= 4;
        }
    } else if prec > 0 {
        out.push('.');
        for _ in 0..prec {
            out.push(hex[((mant >> 60) & 15) as usize] as char);
            mant <<= 4;
        }
    }
    out.push(if fmt == b'X' { 'P' } else { 'p' });
    if exp < 0 {
        out.push('-');
        exp = -exp;
    } else {
        out.push('+');
    }
    if exp < 10 {
        out.push('0');
    }
    out.push_str(&exp.to_string());
    out
}

// ---------------------------------------------------------------------------
// Quoting
// ---------------------------------------------------------------------------

/// Mirrors `strconv.Quote`: a double-quoted Go string literal. Printable runes
/// stay, `\a \b \f \n \r \t \v \\ \"` use short escapes, other control bytes
/// `\xNN`, other non-printable runes `\uNNNN`/`\UNNNNNNNN`, and each byte of
/// invalid UTF-8 `\xNN`.
pub fn quote(s: impl AsRef<[u8]>) -> String {
    quote_with(s.as_ref(), '"', false)
}

/// Mirrors `strconv.QuoteToASCII` (what `%+q` prints): like [`quote`] but
/// every non-ASCII rune is escaped.
pub fn quote_to_ascii(s: impl AsRef<[u8]>) -> String {
    quote_with(s.as_ref(), '"', true)
}

/// Mirrors `strconv.QuoteRune` (what `%q` of an integer prints): a
/// single-quoted rune literal; invalid code points become `'�'`.
pub fn quote_rune(r: i64) -> String {
    let mut out = String::from("'");
    append_escaped_rune(&mut out, rune_or_error(r), '\'', false);
    out.push('\'');
    out
}

/// Mirrors `strconv.QuoteRuneToASCII` (what `%+q` of an integer prints).
pub fn quote_rune_to_ascii(r: i64) -> String {
    let mut out = String::from("'");
    append_escaped_rune(&mut out, rune_or_error(r), '\'', true);
    out.push('\'');
    out
}

/// Mirrors `strconv.CanBackquote`: whether `s` can be a raw string literal
/// unchanged (valid UTF-8, no control characters other than tab, no backquote, no BOM).
pub fn can_backquote(s: impl AsRef<[u8]>) -> bool {
    for (_, d) in utf8::runes(s.as_ref()) {
        if d.width > 1 {
            if d.rune == '\u{FEFF}' {
                return false;
            }
            continue;
        }
        if d.invalid {
            return false;
        }
        let c = d.rune;
        if (c < ' ' && c != '\t') || c == '`' || c == '\u{7F}' {
            return false;
        }
    }
    true
}

fn quote_with(s: &[u8], q: char, ascii_only: bool) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push(q);
    let mut i = 0;
    while i < s.len() {
        let d = decode_rune(&s[i..]);
        if d.invalid {
            push_hex_byte(&mut out, s[i]);
        } else {
            append_escaped_rune(&mut out, d.rune, q, ascii_only);
        }
        i += d.width;
    }
    out.push(q);
    out
}

fn push_hex_byte(out: &mut String, b: u8) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push_str("\\x");
    out.push(HEX[usize::from(b >> 4)] as char);
    out.push(HEX[usize::from(b & 0xF)] as char);
}

fn append_escaped_rune(out: &mut String, r: char, q: char, ascii_only: bool) {
    if r == q || r == '\\' {
        out.push('\\');
        out.push(r);
        return;
    }
    if ascii_only {
        if r.is_ascii() && is_print(r) {
            out.push(r);
            return;
        }
    } else if is_print(r) {
        out.push(r);
        return;
    }
    match r {
        '\u{7}' => out.push_str("\\a"),
        '\u{8}' => out.push_str("\\b"),
        '\u{c}' => out.push_str("\\f"),
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        '\u{b}' => out.push_str("\\v"),
        _ if r < ' ' || r == '\u{7F}' => push_hex_byte(out, r as u8),
        _ if (r as u32) < 0x10000 => out.push_str(&format!("\\u{:04x}", r as u32)),
        _ => out.push_str(&format!("\\U{:08x}", r as u32)),
    }
}

/// Go's `%#U` of a code point: `U+0007`, or `U+2026 '…'` when the rune is
/// printable (what River's scanner prints for an illegal character).
pub fn format_code_point(cp: u32) -> String {
    let mut out = format!("U+{cp:04X}");
    if let Some(c) = char::from_u32(cp) {
        if is_print(c) {
            out.push_str(" '");
            out.push(c);
            out.push('\'');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err_text<T: fmt::Debug>(r: Result<T, NumError>) -> String {
        match r {
            Ok(v) => format!("ok {v:?}"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn parse_int_base0_table() {
        let ok: &[(&str, i64)] = &[
            ("0", 0),
            ("7", 7),
            ("010", 8),
            ("0777", 511),
            ("-010", -8),
            ("+5", 5),
            ("0x10", 16),
            ("0X1f", 31),
            ("0o17", 15),
            ("0O17", 15),
            ("0b101", 5),
            ("1_000", 1000),
            ("0x_1f", 31),
            ("0_7", 7),
            ("9223372036854775807", i64::MAX),
            ("-9223372036854775808", i64::MIN),
        ];
        for &(s, want) in ok {
            assert_eq!(parse_int_base0(s), Ok(want), "{s}");
        }
        let bad: &[(&str, &str)] = &[
            ("", r#"strconv.ParseInt: parsing "": invalid syntax"#),
            ("08", r#"strconv.ParseInt: parsing "08": invalid syntax"#),
            ("09", r#"strconv.ParseInt: parsing "09": invalid syntax"#),
            ("0x", r#"strconv.ParseInt: parsing "0x": invalid syntax"#),
            (
                "1__0",
                r#"strconv.ParseInt: parsing "1__0": invalid syntax"#,
            ),
            ("_1", r#"strconv.ParseInt: parsing "_1": invalid syntax"#),
            ("1_", r#"strconv.ParseInt: parsing "1_": invalid syntax"#),
            ("1.5", r#"strconv.ParseInt: parsing "1.5": invalid syntax"#),
            (" 1", r#"strconv.ParseInt: parsing " 1": invalid syntax"#),
            ("--1", r#"strconv.ParseInt: parsing "--1": invalid syntax"#),
            (
                "9223372036854775808",
                r#"strconv.ParseInt: parsing "9223372036854775808": value out of range"#,
            ),
            (
                "-9223372036854775809",
                r#"strconv.ParseInt: parsing "-9223372036854775809": value out of range"#,
            ),
            (
                "99999999999999999999x",
                r#"strconv.ParseInt: parsing "99999999999999999999x": value out of range"#,
            ),
        ];
        for &(s, want) in bad {
            assert_eq!(err_text(parse_int_base0(s)), want, "{s}");
        }
    }

    #[test]
    fn parse_uint_table() {
        assert_eq!(parse_uint_base0("18446744073709551615"), Ok(u64::MAX));
        assert_eq!(parse_uint_base0("9223372036854775808"), Ok(1 << 63));
        assert_eq!(
            err_text(parse_uint_base0("18446744073709551616")),
            r#"strconv.ParseUint: parsing "18446744073709551616": value out of range"#
        );
        assert_eq!(
            err_text(parse_uint_base0("-1")),
            r#"strconv.ParseUint: parsing "-1": invalid syntax"#
        );
        assert_eq!(
            err_text(parse_uint("1_0", 10, 64)),
            r#"strconv.ParseUint: parsing "1_0": invalid syntax"#
        );
        assert_eq!(parse_uint("ff", 16, 8), Ok(255));
        assert_eq!(
            err_text(parse_uint("100", 16, 8)),
            r#"strconv.ParseUint: parsing "100": value out of range"#
        );
        assert_eq!(
            err_text(parse_uint("1", 1, 64)),
            r#"strconv.ParseUint: parsing "1": invalid base 1"#
        );
        assert_eq!(parse_int("-128", 10, 8), Ok(-128));
        assert_eq!(
            err_text(parse_int("128", 10, 8)),
            r#"strconv.ParseInt: parsing "128": value out of range"#
        );
        assert_eq!(parse_int("-5", 10, 64), Ok(-5));
        assert_eq!(
            err_text(parse_int("010x", 10, 64)),
            r#"strconv.ParseInt: parsing "010x": invalid syntax"#
        );
    }

    #[test]
    fn parse_float_table() {
        let ok: &[(&str, f64)] = &[
            ("1", 1.0),
            ("+1", 1.0),
            ("-1", -1.0),
            ("1.5", 1.5),
            (".5", 0.5),
            ("5.", 5.0),
            ("1e3", 1000.0),
            ("1E+3", 1000.0),
            ("1e-3", 0.001),
            ("08", 8.0),
            ("09", 9.0),
            ("18446744073709551616", 18446744073709551616.0),
            ("2.71828e-1000", 0.0),
            ("1_000.5", 1000.5),
            ("0x1p-2", 0.25),
            ("0x1.8p1", 3.0),
            ("0X1P+2", 4.0),
            ("0x.8p1", 1.0),
            ("0x0.01p0", 0.00390625),
            ("0x1fffffffffffffp0", 9007199254740991.0),
            ("0x1p-1074", 5e-324),
            ("0x1p-1075", 0.0),
            ("0x3p-1076", 5e-324),
            ("0x6p-1076", 1e-323),
            ("1.7976931348623157e308", f64::MAX),
            ("4.9406564584124654e-324", 5e-324),
            ("0.1", 0.1),
            ("123456789012345678901234567890", 1.2345678901234568e29),
            ("inf", f64::INFINITY),
            ("+Inf", f64::INFINITY),
            ("-INFINITY", f64::NEG_INFINITY),
            ("iNfInItY", f64::INFINITY),
        ];
        for &(s, want) in ok {
            let got = parse_float(s);
            assert_eq!(got.map(f64::to_bits), Ok(want.to_bits()), "{s}");
        }
        assert!(parse_float("nan").is_ok_and(f64::is_nan));
        assert!(parse_float("NaN").is_ok_and(f64::is_nan));
        assert_eq!(parse_float("-0").map(f64::to_bits), Ok((-0.0f64).to_bits()));
        let bad: &[(&str, &str)] = &[
            (
                "1e400",
                r#"strconv.ParseFloat: parsing "1e400": value out of range"#,
            ),
            (
                "-1e400",
                r#"strconv.ParseFloat: parsing "-1e400": value out of range"#,
            ),
            (
                "1.7976931348623159e308",
                r#"strconv.ParseFloat: parsing "1.7976931348623159e308": value out of range"#,
            ),
            (
                "0x1p1024",
                r#"strconv.ParseFloat: parsing "0x1p1024": value out of range"#,
            ),
            ("", r#"strconv.ParseFloat: parsing "": invalid syntax"#),
            (
                "abc",
                r#"strconv.ParseFloat: parsing "abc": invalid syntax"#,
            ),
            ("1e", r#"strconv.ParseFloat: parsing "1e": invalid syntax"#),
            (
                "1e+",
                r#"strconv.ParseFloat: parsing "1e+": invalid syntax"#,
            ),
            (".", r#"strconv.ParseFloat: parsing ".": invalid syntax"#),
            (
                "1.2.3",
                r#"strconv.ParseFloat: parsing "1.2.3": invalid syntax"#,
            ),
            (
                "0x1",
                r#"strconv.ParseFloat: parsing "0x1": invalid syntax"#,
            ),
            (
                "infx",
                r#"strconv.ParseFloat: parsing "infx": invalid syntax"#,
            ),
            (
                "infin",
                r#"strconv.ParseFloat: parsing "infin": invalid syntax"#,
            ),
            (
                "+nan",
                r#"strconv.ParseFloat: parsing "+nan": invalid syntax"#,
            ),
            (
                "1__0",
                r#"strconv.ParseFloat: parsing "1__0": invalid syntax"#,
            ),
            (
                "1e400x",
                r#"strconv.ParseFloat: parsing "1e400x": invalid syntax"#,
            ),
            (" 1", r#"strconv.ParseFloat: parsing " 1": invalid syntax"#),
        ];
        for &(s, want) in bad {
            assert_eq!(err_text(parse_float(s)), want, "{s}");
        }
    }

    #[test]
    fn format_float_shortest() {
        let cases: &[(f64, char, &str)] = &[
            (1.0, 'f', "1"),
            (1e21, 'f', "1000000000000000000000"),
            (1e-7, 'f', "0.0000001"),
            (-0.0, 'f', "-0"),
            (0.1, 'f', "0.1"),
            (123.456, 'f', "123.456"),
            (1.0, 'g', "1"),
            (1e21, 'g', "1e+21"),
            (1e20, 'g', "1e+20"),
            (100000.0, 'g', "100000"),
            (1000000.0, 'g', "1e+06"),
            (123456789.0, 'g', "1.23456789e+08"),
            (0.0001, 'g', "0.0001"),
            (0.00001, 'g', "1e-05"),
            (1.5e-7, 'g', "1.5e-07"),
            (0.0, 'g', "0"),
            (-0.0, 'g', "-0"),
            (5e-324, 'g', "5e-324"),
            (f64::MAX, 'g', "1.7976931348623157e+308"),
            (1.0, 'e', "1e+00"),
            (1234.5678, 'e', "1.2345678e+03"),
            (0.0, 'e', "0e+00"),
            (1e100, 'E', "1E+100"),
            (1e21, 'G', "1E+21"),
            (f64::INFINITY, 'f', "+Inf"),
            (f64::NEG_INFINITY, 'g', "-Inf"),
            (f64::NAN, 'g', "NaN"),
            (1.0, 'b', "4503599627370496p-52"),
            (-1.0, 'b', "-4503599627370496p-52"),
            (0.0, 'b', "0p-1074"),
            (1.0, 'x', "0x1p+00"),
            (0.0, 'x', "0x0p+00"),
            (3.0, 'x', "0x1.8p+01"),
            (0.1, 'x', "0x1.999999999999ap-04"),
            (1e300, 'X', "0X1.7E43C8800759CP+996"),
            (5e-324, 'x', "0x1p-1074"),
            (1.0, 'z', "%z"),
        ];
        for &(v, fmt, want) in cases {
            assert_eq!(format_float(v, fmt, None), want, "{v} {fmt}");
        }
    }

    #[test]
    fn format_float_with_precision() {
        let cases: &[(f64, char, usize, &str)] = &[
            (0.5, 'f', 0, "0"),
            (1.5, 'f', 0, "2"),
            (2.5, 'f', 0, "2"),
            (0.25, 'f', 1, "0.2"),
            (0.35, 'f', 1, "0.3"), // 0.35 is just below the tie in binary
            (1.0, 'f', 3, "1.000"),
            (-1e-9, 'f', 6, "-0.000000"),
            (1234.5678e-8, 'f', 6, "0.000012"),
            (12_345_678_901.234_568, 'f', 6, "12345678901.234568"),
            (0.09, 'f', 1, "0.1"),
            (1e21, 'f', 2, "1000000000000000000000.00"),
            (1.0, 'e', 6, "1.000000e+00"),
            (1234.5678e3, 'e', 6, "1.234568e+06"),
            (-1e-9, 'e', 6, "-1.000000e-09"),
            (0.0, 'e', 3, "0.000e+00"),
            (2.5, 'e', 0, "2e+00"),
            (9.99, 'e', 1, "1.0e+01"),
            (0.1, 'e', 20, "1.00000000000000005551e-01"),
            (1.0, 'g', 3, "1"),
            (1000.0, 'g', 3, "1e+03"),
            (123.0, 'g', 3, "123"),
            (1234.0, 'g', 3, "1.23e+03"),
            (0.0, 'g', 3, "0"),
            (0.0, 'g', 0, "0"),
            (1.5, 'g', 0, "2"),
            (0.000012345, 'g', 2, "1.2e-05"),
            (100.0, 'G', 1, "1E+02"),
            (1.0, 'x', 3, "0x1.000p+00"),
            (123.0, 'x', 0, "0x1p+07"),
            (123.0, 'x', 4, "0x1.ec00p+06"),
            (1.0, 'b', 4, "4503599627370496p-52"),
            (1.9375, 'x', 0, "0x1p+01"),
            (1.5, 'x', 0, "0x1p+01"),
            (1.25, 'x', 1, "0x1.4p+00"),
        ];
        for &(v, fmt, prec, want) in cases {
            assert_eq!(format_float(v, fmt, Some(prec)), want, "{v} {fmt} {prec}");
        }
    }

    #[test]
    fn river_number_rules() {
        assert_eq!(parse_number_literal("010"), Ok(GoNumber::Int(8)));
        assert_eq!(parse_number_literal("0777"), Ok(GoNumber::Int(511)));
        assert_eq!(parse_number_literal("08"), Ok(GoNumber::Float(8.0)));
        assert_eq!(parse_number_literal("09"), Ok(GoNumber::Float(9.0)));
        assert_eq!(
            parse_number_literal("9223372036854775807"),
            Ok(GoNumber::Int(i64::MAX))
        );
        assert_eq!(
            parse_number_literal("9223372036854775808"),
            Ok(GoNumber::Uint(1 << 63))
        );
        assert_eq!(
            parse_number_literal("18446744073709551615"),
            Ok(GoNumber::Uint(u64::MAX))
        );
        assert_eq!(
            parse_number_literal("18446744073709551616"),
            Ok(GoNumber::Float(18446744073709551616.0))
        );
        assert_eq!(
            parse_number_literal("1e400").map_err(|e| e.to_string()),
            Err(r#"strconv.ParseFloat: parsing "1e400": value out of range"#.into())
        );
        assert_eq!(
            parse_number_literal("2.71828e-1000"),
            Ok(GoNumber::Float(0.0))
        );
        assert_eq!(parse_number_string("-5"), Some(GoNumber::Int(-5)));
        assert_eq!(parse_number_string("1.5"), Some(GoNumber::Float(1.5)));
        assert_eq!(parse_number_string("1e3"), Some(GoNumber::Float(1000.0)));
        assert_eq!(parse_number_string("42"), Some(GoNumber::Uint(42)));
        for bad in [
            "",
            "+1",
            " 1",
            "0x10",
            "abc",
            "18446744073709551616",
            "-9223372036854775809",
            "-1.5",
        ] {
            assert_eq!(parse_number_string(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn format_ints() {
        assert_eq!(format_int(-255, 16), "-ff");
        assert_eq!(format_int(i64::MIN, 10), "-9223372036854775808");
        assert_eq!(format_uint(u64::MAX, 2).len(), 64);
        assert_eq!(format_uint(35, 36), "z");
    }

    #[test]
    fn quote_table() {
        let cases: &[(&[u8], &str)] = &[
            (b"", r#""""#),
            (b"abc", r#""abc""#),
            (b"\"", r#""\"""#),
            (b"'", r#""'""#),
            (b"\\n", r#""\\n""#),
            (b"\x07\x08\x0c\n\r\t\x0b\"\\", r#""\a\b\f\n\r\t\v\"\\""#),
            (b"\x00\x01\x7f", r#""\x00\x01\x7f""#),
            (b"abc\xffdef", r#""abc\xffdef""#),
            (b"\xe2\x82", r#""\xe2\x82""#),
            ("日本語".as_bytes(), "\"日本語\""),
            ("☺".as_bytes(), "\"☺\""),
            ("\u{ad}".as_bytes(), r#""\u00ad""#),
            ("\u{a0}".as_bytes(), r#""\u00a0""#),
            ("\u{2028}".as_bytes(), r#""\u2028""#),
            ("\u{feff}".as_bytes(), r#""\ufeff""#),
            ("\u{0e00}".as_bytes(), r#""\u0e00""#),
            ("\u{10ffff}".as_bytes(), r#""\U0010ffff""#),
            ("\u{fffd}".as_bytes(), "\"\u{fffd}\""),
        ];
        for &(input, want) in cases {
            assert_eq!(quote(input), want, "{input:?}");
        }
        assert_eq!(quote_to_ascii("日本語"), r#""\u65e5\u672c\u8a9e""#);
        assert_eq!(quote_to_ascii("☺\n"), r#""\u263a\n""#);
        assert_eq!(quote_to_ascii("\u{1F600}"), r#""\U0001f600""#);
    }

    #[test]
    fn quote_rune_table() {
        let cases: &[(i64, &str)] = &[
            (1, r"'\x01'"),
            (0, r"'\x00'"),
            ('"' as i64, "'\"'"),
            ('\'' as i64, r"'\''"),
            ('x' as i64, "'x'"),
            ('\n' as i64, r"'\n'"),
            ('☺' as i64, "'☺'"),
            (0x0e00, r"'\u0e00'"),
            (0x10ffff, r"'\U0010ffff'"),
            (-1, "'\u{fffd}'"),
            (0xDC80, "'\u{fffd}'"),
            (0x110000, "'\u{fffd}'"),
        ];
        for &(r, want) in cases {
            assert_eq!(quote_rune(r), want, "{r}");
        }
        assert_eq!(quote_rune_to_ascii('ÿ' as i64), r"'\u00ff'");
        assert_eq!(quote_rune_to_ascii('☺' as i64), r"'\u263a'");
    }

    #[test]
    fn backquote() {
        assert!(can_backquote("abc"));
        assert!(can_backquote("a\tb"));
        assert!(can_backquote("日本語"));
        assert!(!can_backquote("a\nb"));
        assert!(!can_backquote("`"));
        assert!(!can_backquote(b"\xff"));
        assert!(!can_backquote("\u{feff}"));
        assert!(!can_backquote("\u{7f}"));
    }

    #[test]
    fn code_points() {
        assert_eq!(format_code_point(7), "U+0007");
        assert_eq!(format_code_point(0x2026), "U+2026 '…'");
        assert_eq!(format_code_point('A' as u32), "U+0041 'A'");
        assert_eq!(format_code_point(0x1D6C2), "U+1D6C2 '𝛂'");
        assert_eq!(format_code_point(0xA0), "U+00A0");
    }
}
