//! Numbers: one language type with three machine kinds (int, uint, float), and the Go
//! conversions and text forms upstream uses.
//!
//! Every conversion between kinds is a plain machine conversion as the Go implementation
//! performs it on amd64: two's-complement reinterpretation between int and uint, and
//! truncation (with Go's out-of-range results) from float.

use std::fmt;

use crate::gocompat::strconv;

/// The machine kind of a [`Number`]. The order is the promotion order: uint < int < float.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum NumberKind {
    /// Unsigned 64-bit integer.
    Uint,
    /// Signed 64-bit integer.
    Int,
    /// 64-bit IEEE float.
    Float,
}

/// A River number: an int64, a uint64 or a float64.
#[derive(Copy, Clone, Debug)]
pub enum Number {
    /// A signed integer.
    Int(i64),
    /// An unsigned integer.
    Uint(u64),
    /// A float.
    Float(f64),
}

/// Go's `int64(f)` on amd64: truncation, with `i64::MIN` for NaN and out-of-range values.
pub fn go_f64_to_i64(f: f64) -> i64 {
    // 2^63 is exactly representable; anything at or beyond it does not fit.
    const LIMIT: f64 = 9_223_372_036_854_775_808.0;
    if f.is_nan() || !(-LIMIT..LIMIT).contains(&f) {
        i64::MIN
    } else {
        f as i64
    }
}

/// Go's `uint64(f)` on amd64: values below 2^63 go through the signed conversion (so
/// negative values wrap), larger ones are offset by 2^63 first.
pub fn go_f64_to_u64(f: f64) -> u64 {
    const TWO63: f64 = 9_223_372_036_854_775_808.0;
    if f < TWO63 {
        go_f64_to_i64(f) as u64
    } else {
        (go_f64_to_i64(f - TWO63) as u64) | (1 << 63)
    }
}

impl Number {
    /// The machine kind.
    pub fn kind(&self) -> NumberKind {
        match self {
            Number::Int(_) => NumberKind::Int,
            Number::Uint(_) => NumberKind::Uint,
            Number::Float(_) => NumberKind::Float,
        }
    }

    /// The value as an int64 (Go `int64(x)`).
    pub fn as_i64(&self) -> i64 {
        match *self {
            Number::Int(i) => i,
            Number::Uint(u) => u as i64,
            Number::Float(f) => go_f64_to_i64(f),
        }
    }

    /// The value as a uint64 (Go `uint64(x)`).
    pub fn as_u64(&self) -> u64 {
        match *self {
            Number::Int(i) => i as u64,
            Number::Uint(u) => u,
            Number::Float(f) => go_f64_to_u64(f),
        }
    }

    /// The value as a float64 (Go `float64(x)`).
    pub fn as_f64(&self) -> f64 {
        match *self {
            Number::Int(i) => i as f64,
            Number::Uint(u) => u as f64,
            Number::Float(f) => f,
        }
    }

    /// The kind both operands are promoted to for a binary operation.
    pub fn fit_kinds(a: NumberKind, b: NumberKind) -> NumberKind {
        a.max(b)
    }

    /// The number's text when converted to a string: plain decimal for integers, the
    /// shortest round-trip decimal without exponent for floats (Go `FormatFloat(f, 'f', -1, 64)`).
    pub fn to_go_string(&self) -> String {
        match *self {
            Number::Int(i) => i.to_string(),
            Number::Uint(u) => u.to_string(),
            Number::Float(f) => format_float_plain(f),
        }
    }

    /// True when the number is Go's zero value for its kind (`-0.0` is not, as in Go's
    /// `reflect.Value.IsZero`, which compares the bits).
    pub fn is_go_zero(&self) -> bool {
        match *self {
            Number::Int(i) => i == 0,
            Number::Uint(u) => u == 0,
            Number::Float(f) => f.to_bits() == 0,
        }
    }
}

/// Go's `strconv.FormatFloat(f, 'f', -1, 64)`: shortest round-trip digits, never an exponent.
pub fn format_float_plain(f: f64) -> String {
    strconv::format_float(f, 'f', None)
}

/// Go's `strconv.FormatFloat(f, 'g', -1, 64)` (also `%v`): shortest round-trip digits, in
/// exponent form (`1e+06`) when the exponent is < -4 or >= 6.
pub fn format_float_g(f: f64) -> String {
    strconv::format_float(f, 'g', None)
}

/// Go's `encoding/json` text of a float64: plain decimal, or exponent form (`1e+21`, `1e-7`)
/// below 1e-6 or from 1e21 on. Non-finite values have no JSON form and print as `null`.
pub fn format_float_json(f: f64) -> String {
    crate::gocompat::json::encode_float(f).unwrap_or_else(|_| "null".to_string())
}

const F64_SHIFT: u32 = 52;
const F64_MASK: u64 = 0x7FF;
const F64_BIAS: i32 = 1023;
const SMALLEST_NORMAL: f64 = 2.2250738585072014e-308;

/// Scales a subnormal `x` into the normal range: returns `(y, e)` with `x == y * 2^e`.
fn normalize(x: f64) -> (f64, i32) {
    if x.abs() < SMALLEST_NORMAL {
        (x * (1u64 << 52) as f64, -52)
    } else {
        (x, 0)
    }
}

/// Go's `math.Frexp`.
fn frexp(f: f64) -> (f64, i32) {
    if f == 0.0 || !f.is_finite() {
        return (f, 0);
    }
    let (f, mut exp) = normalize(f);
    let mut x = f.to_bits();
    exp += ((x >> F64_SHIFT) & F64_MASK) as i32 - F64_BIAS + 1;
    x &= !(F64_MASK << F64_SHIFT);
    x |= ((-1 + F64_BIAS) as u64) << F64_SHIFT;
    (f64::from_bits(x), exp)
}

/// Go's `math.Ldexp`.
fn ldexp(frac: f64, exp: i32) -> f64 {
    if frac == 0.0 || !frac.is_finite() {
        return frac;
    }
    let (frac, e) = normalize(frac);
    let mut exp = exp as i64 + e as i64;
    let mut x = frac.to_bits();
    exp += ((x >> F64_SHIFT) & F64_MASK) as i64 - F64_BIAS as i64;
    if exp < -1075 {
        return 0.0f64.copysign(frac);
    }
    if exp > 1023 {
        return if frac < 0.0 {
            f64::NEG_INFINITY
        } else {
            f64::INFINITY
        };
    }
    let mut m = 1.0;
    if exp < -1022 {
        exp += 53;
        m = 1.0 / (1u64 << 53) as f64;
    }
    x &= !(F64_MASK << F64_SHIFT);
    x |= ((exp + F64_BIAS as i64) as u64) << F64_SHIFT;
    m * f64::from_bits(x)
}

fn is_odd_int(x: f64) -> bool {
    if x.abs() >= (1u64 << 53) as f64 {
        return false;
    }
    let xi = x.trunc();
    xi == x && (xi as i64) & 1 == 1
}

/// Go's `math.Pow`, reproduced step by step so that results match to the last bit for
/// integer exponents (repeated squaring of the mantissa).
pub fn go_pow(x: f64, y: f64) -> f64 {
    if y == 0.0 || x == 1.0 {
        return 1.0;
    }
    if y == 1.0 {
        return x;
    }
    if x.is_nan() || y.is_nan() {
        return f64::NAN;
    }
    if x == 0.0 {
        if y < 0.0 {
            if x.is_sign_negative() && is_odd_int(y) {
                return f64::INFINITY.copysign(x);
            }
            return f64::INFINITY;
        }
        if x.is_sign_negative() && is_odd_int(y) {
            return x;
        }
        return 0.0;
    }
    if y.is_infinite() {
        if x == -1.0 {
            return 1.0;
        }
        return if (x.abs() < 1.0) == (y > 0.0) {
            0.0
        } else {
            f64::INFINITY
        };
    }
    if x.is_infinite() {
        if x < 0.0 {
            return go_pow(1.0 / x, -y);
        }
        return if y < 0.0 { 0.0 } else { f64::INFINITY };
    }
    if y == 0.5 {
        return x.sqrt();
    }
    if y == -0.5 {
        return 1.0 / x.sqrt();
    }
    let ay = y.abs();
    let mut yi = ay.trunc();
    let mut yf = ay - yi;
    if yf != 0.0 && x < 0.0 {
        return f64::NAN;
    }
    if yi >= 9_223_372_036_854_775_808.0 {
        if x == -1.0 {
            return 1.0;
        }
        return if (x.abs() < 1.0) == (y > 0.0) {
            0.0
        } else {
            f64::INFINITY
        };
    }
    let mut a1 = 1.0f64;
    let mut ae: i64 = 0;
    if yf != 0.0 {
        if yf > 0.5 {
            yf -= 1.0;
            yi += 1.0;
        }
        a1 = (yf * x.ln()).exp();
    }
    let (mut x1, xe0) = frexp(x);
    let mut xe = xe0 as i64;
    let mut i = yi as i64;
    while i != 0 {
        if !(-(1 << 12)..=(1 << 12)).contains(&xe) {
            ae += xe;
            break;
        }
        if i & 1 == 1 {
            a1 *= x1;
            ae += xe;
        }
        x1 *= x1;
        xe <<= 1;
        if x1 < 0.5 {
            x1 += x1;
            xe -= 1;
        }
        i >>= 1;
    }
    if y < 0.0 {
        a1 = 1.0 / a1;
        ae = -ae;
    }
    ldexp(a1, ae.clamp(i32::MIN as i64, i32::MAX as i64) as i32)
}

/// Why a numeric literal could not be evaluated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LiteralError(pub String);

impl fmt::Display for LiteralError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn from_go(n: strconv::GoNumber) -> Number {
    match n {
        strconv::GoNumber::Int(i) => Number::Int(i),
        strconv::GoNumber::Uint(u) => Number::Uint(u),
        strconv::GoNumber::Float(f) => Number::Float(f),
    }
}

/// Evaluates a NUMBER token (digits only): int64 with automatic base detection (a leading
/// `0` means octal), then uint64, then float64 (so `08` is 8.0).
pub fn parse_number_literal(lit: &str) -> Result<Number, LiteralError> {
    strconv::parse_number_literal(lit)
        .map(from_go)
        .map_err(|e| LiteralError(e.to_string()))
}

/// Evaluates a FLOAT token: float64 with round-to-nearest; overflow is an error with Go's text.
pub fn parse_float_literal(lit: &str) -> Result<Number, LiteralError> {
    go_parse_float(lit).map(Number::Float)
}

/// Go's `strconv.ParseFloat(s, 64)`: out-of-range values are an error, underflow gives zero.
pub fn go_parse_float(s: &str) -> Result<f64, LiteralError> {
    strconv::parse_float(s).map_err(|e| LiteralError(e.to_string()))
}

/// Upstream's string → number conversion on assignment (`-…` as int64, text with
/// `.`/`e`/`E` as float64, anything else as uint64, no fallback).
pub fn parse_number_string(s: &[u8]) -> Option<Number> {
    strconv::parse_number_string(s).map(from_go)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn number_literals_follow_go_base_detection() {
        assert!(matches!(parse_number_literal("12"), Ok(Number::Int(12))));
        assert!(matches!(parse_number_literal("010"), Ok(Number::Int(8))));
        assert!(matches!(parse_number_literal("0777"), Ok(Number::Int(511))));
        assert!(matches!(parse_number_literal("0"), Ok(Number::Int(0))));
        assert!(matches!(parse_number_literal("08"), Ok(Number::Float(f)) if f == 8.0));
        assert!(matches!(
            parse_number_literal("9223372036854775808"),
            Ok(Number::Uint(9223372036854775808))
        ));
        assert!(matches!(
            parse_number_literal("18446744073709551615"),
            Ok(Number::Uint(u64::MAX))
        ));
        assert!(
            matches!(parse_number_literal("18446744073709551616"), Ok(Number::Float(f)) if f == 18446744073709551616.0)
        );
    }

    #[test]
    fn float_literals() {
        assert!(matches!(parse_float_literal("1."), Ok(Number::Float(f)) if f == 1.0));
        assert!(matches!(parse_float_literal(".5"), Ok(Number::Float(f)) if f == 0.5));
        assert!(matches!(parse_float_literal("2.71828e-1000"), Ok(Number::Float(f)) if f == 0.0));
        assert_eq!(
            parse_float_literal("1e400").unwrap_err().0,
            r#"strconv.ParseFloat: parsing "1e400": value out of range"#
        );
    }

    #[test]
    fn float_text() {
        assert_eq!(Number::Float(1e21).to_go_string(), "1000000000000000000000");
        assert_eq!(Number::Float(1e-7).to_go_string(), "0.0000001");
        assert_eq!(Number::Float(-0.0).to_go_string(), "-0");
        assert_eq!(Number::Float(3.5).to_go_string(), "3.5");
        assert_eq!(format_float_g(1e21), "1e+21");
        assert_eq!(format_float_g(1e6), "1e+06");
        assert_eq!(format_float_g(123456.0), "123456");
        assert_eq!(format_float_g(0.00001), "1e-05");
        assert_eq!(format_float_g(0.0001), "0.0001");
        assert_eq!(format_float_json(1e21), "1e+21");
        assert_eq!(format_float_json(1e20), "100000000000000000000");
        assert_eq!(format_float_json(1e-7), "1e-7");
        assert_eq!(format_float_json(2.5), "2.5");
    }

    #[test]
    fn pow_matches_go() {
        assert_eq!(go_pow(42.0, -2.0), 0.0005668934240362812);
        assert_eq!(go_pow(2.5, 2.0), 6.25);
        assert_eq!(go_pow(2.0, 10.0), 1024.0);
        assert_eq!(go_pow(-2.0, 3.0), -8.0);
        assert!(go_pow(-2.0, 0.5).is_nan());
        assert_eq!(go_pow(0.0, -1.0), f64::INFINITY);
        assert_eq!(go_pow(2.0, -1074.0), 5e-324);
        assert_eq!(go_pow(10.0, 400.0), f64::INFINITY);
    }

    #[test]
    fn machine_conversions() {
        assert_eq!(go_f64_to_i64(1e20), i64::MIN);
        assert_eq!(go_f64_to_i64(-1.9), -1);
        assert_eq!(go_f64_to_u64(-1.0), u64::MAX);
        assert_eq!(Number::Uint(u64::MAX).as_i64(), -1);
        assert_eq!(Number::Int(-5).as_u64(), 18446744073709551611);
    }
}
