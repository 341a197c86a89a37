//! Conversions on assignment (§4.9): what a value becomes when it is stored into a typed
//! target (a function parameter, a component argument, a block attribute).
//!
//! Only these conversions exist: `null` → the target's zero value; number ↔ string
//! (string → number by upstream's algorithm); bytes → string; string → secret and optional
//! secret; optional secret (not marked secret) → string and number; lists and maps element
//! by element. Everything else is a type error `<expr> should be <type>, got <type>`.

use std::sync::Arc;

use super::error::ValueError;
use super::number::Number;
use super::value::{Key, Object, OptionalSecret, Str, Value};
use super::Duration;

/// A conversion target.
#[derive(Clone, Debug, PartialEq)]
pub enum Type {
    /// Upstream's `any`: the natural value (floats stay floats, ints and uints that fit an
    /// int become ints, bytes become an array of numbers, objects become maps).
    Any,
    /// The value exactly as it is (no conversion at all).
    Value,
    /// `bool`.
    Bool,
    /// A signed integer of the given width in bits (wraps like a Go conversion).
    Int(u8),
    /// An unsigned integer of the given width in bits.
    Uint(u8),
    /// A float of the given width in bits (32 rounds through `f32`).
    Float(u8),
    /// `string`.
    String,
    /// A Go duration, kept as its canonical text (`"1m0s"`).
    Duration,
    /// `secret`.
    Secret,
    /// `optional secret`.
    OptionalSecret,
    /// `list(T)`.
    List(Box<Type>),
    /// A fixed-length list.
    FixedList(usize, Box<Type>),
    /// `map(T)`: an object whose values are converted to `T`.
    Map(Box<Type>),
}

/// Upstream's message for a secret read as a string.
pub const SECRET_TO_STRING: &str = "secrets may not be converted into strings";

/// Converts `v` to `ty`.
pub fn convert(v: &Value, ty: &Type) -> Result<Value, ValueError> {
    Ok(match ty {
        Type::Value => v.clone(),
        Type::Any => to_any(v),
        Type::Bool => Value::Bool(to_bool(v)?),
        Type::Int(bits) => Value::int(to_int(v, *bits)?),
        Type::Uint(bits) => Value::uint(to_uint(v, *bits)?),
        Type::Float(bits) => Value::float(to_float(v, *bits)?),
        Type::String => Value::String(to_text(v)?),
        Type::Duration => Value::string(to_duration(v)?.to_string()),
        Type::Secret => Value::Secret(to_secret(v)?),
        Type::OptionalSecret => Value::OptionalSecret(Arc::new(to_optional_secret(v)?)),
        Type::List(elem) => Value::array(convert_list(v, elem)?),
        Type::FixedList(n, elem) => {
            if let Some(len) = v.len().filter(|_| !matches!(v, Value::Object(_))) {
                if len != *n {
                    return Err(ValueError::new(
                        v.clone(),
                        format!("array must have exactly {n} elements, got {len}"),
                    ));
                }
            }
            Value::array(convert_list(v, elem)?)
        }
        Type::Map(elem) => {
            let obj = to_object(v)?;
            let mut out = Vec::with_capacity(obj.len());
            for (k, fv) in obj.iter() {
                let c = convert(fv, elem).map_err(|e| e.in_field(v.clone(), k.clone()))?;
                out.push((k.clone(), c));
            }
            Value::Object(Object::unordered(out))
        }
    })
}

fn convert_list(v: &Value, elem: &Type) -> Result<Vec<Value>, ValueError> {
    let items = to_list(v)?;
    let mut out = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        out.push(convert(item, elem).map_err(|e| e.in_elem(v.clone(), i))?);
    }
    Ok(out)
}

/// Upstream's decoding into `any`: floats stay floats; ints, and uints up to `i64::MAX`,
/// become ints; bytes become an array of numbers; arrays and objects are converted
/// element-wise (objects become maps); capsules and functions pass through.
pub fn to_any(v: &Value) -> Value {
    match v {
        Value::Number(Number::Uint(u)) if *u <= i64::MAX as u64 => Value::int(*u as i64),
        Value::Bytes(b) => {
            Value::array(b.as_bytes().iter().map(|&x| Value::int(x as i64)).collect())
        }
        Value::Array(a) => {
            if a.iter().all(is_any_stable) {
                return v.clone();
            }
            Value::array(a.iter().map(to_any).collect())
        }
        Value::Object(o) => {
            if !o.is_ordered() && o.iter().all(|(_, v)| is_any_stable(v)) {
                return v.clone();
            }
            Value::Object(Object::unordered(
                o.iter().map(|(k, v)| (k.clone(), to_any(v))).collect(),
            ))
        }
        _ => v.clone(),
    }
}

/// True when [`to_any`] would return the value unchanged.
fn is_any_stable(v: &Value) -> bool {
    match v {
        Value::Number(Number::Uint(u)) => *u > i64::MAX as u64,
        Value::Bytes(_) => false,
        Value::Array(a) => a.iter().all(is_any_stable),
        Value::Object(o) => !o.is_ordered() && o.iter().all(|(_, v)| is_any_stable(v)),
        _ => true,
    }
}

/// Converts to a string: numbers are formatted, bytes taken as text, optional secrets that
/// are not secret give their text, `null` gives `""`.
pub fn to_text(v: &Value) -> Result<Str, ValueError> {
    match v {
        Value::String(s) | Value::Bytes(s) => Ok(s.clone()),
        Value::Null => Ok(Str::from("")),
        Value::Number(n) => Ok(Str::from(n.to_go_string())),
        Value::Secret(_) => Err(ValueError::new(v.clone(), SECRET_TO_STRING)),
        Value::OptionalSecret(o) => {
            if o.is_secret {
                Err(ValueError::new(v.clone(), SECRET_TO_STRING))
            } else {
                Ok(o.value.clone())
            }
        }
        _ => Err(ValueError::type_error(v.clone(), "string")),
    }
}

/// Upstream's string → number algorithm: `-…` as int64, text with `.`/`e`/`E` as float64,
/// anything else as uint64; no other forms, no fallback.
pub fn parse_number_text(s: &[u8]) -> Option<Number> {
    super::number::parse_number_string(s)
}

/// Converts to a number (strings by [`parse_number_text`]; `null` is 0).
pub fn to_number(v: &Value) -> Result<Number, ValueError> {
    match v {
        Value::Number(n) => Ok(*n),
        Value::Null => Ok(Number::Int(0)),
        Value::String(s) => parse_number_text(s.as_bytes())
            .ok_or_else(|| ValueError::type_error(v.clone(), "number")),
        Value::OptionalSecret(o) if !o.is_secret => parse_number_text(o.value.as_bytes())
            .ok_or_else(|| ValueError::type_error(v.clone(), "number")),
        _ => Err(ValueError::type_error(v.clone(), "number")),
    }
}

/// Converts to a signed integer of `bits` width (Go conversion: truncation and wrapping).
pub fn to_int(v: &Value, bits: u8) -> Result<i64, ValueError> {
    let i = to_number(v)?.as_i64();
    Ok(match bits {
        8 => i as i8 as i64,
        16 => i as i16 as i64,
        32 => i as i32 as i64,
        _ => i,
    })
}

/// Converts to an unsigned integer of `bits` width.
pub fn to_uint(v: &Value, bits: u8) -> Result<u64, ValueError> {
    let u = to_number(v)?.as_u64();
    Ok(match bits {
        8 => u as u8 as u64,
        16 => u as u16 as u64,
        32 => u as u32 as u64,
        _ => u,
    })
}

/// Converts to a float of `bits` width.
pub fn to_float(v: &Value, bits: u8) -> Result<f64, ValueError> {
    let f = to_number(v)?.as_f64();
    Ok(if bits == 32 { f as f32 as f64 } else { f })
}

/// Converts to a bool (`null` is false; there is no string or number conversion).
pub fn to_bool(v: &Value) -> Result<bool, ValueError> {
    match v {
        Value::Bool(b) => Ok(*b),
        Value::Null => Ok(false),
        _ => Err(ValueError::type_error(v.clone(), "bool")),
    }
}

/// Converts to a secret: strings, secrets and optional secrets (`null` is `""`).
pub fn to_secret(v: &Value) -> Result<Str, ValueError> {
    match v {
        Value::Secret(s) | Value::String(s) => Ok(s.clone()),
        Value::OptionalSecret(o) => Ok(o.value.clone()),
        Value::Null => Ok(Str::from("")),
        _ => Err(ValueError::type_error(v.clone(), "capsule")),
    }
}

/// Converts to an optional secret: a string is not secret, a secret is.
pub fn to_optional_secret(v: &Value) -> Result<OptionalSecret, ValueError> {
    match v {
        Value::OptionalSecret(o) => Ok((**o).clone()),
        Value::Secret(s) => Ok(OptionalSecret {
            value: s.clone(),
            is_secret: true,
        }),
        Value::String(s) => Ok(OptionalSecret {
            value: s.clone(),
            is_secret: false,
        }),
        Value::Null => Ok(OptionalSecret {
            value: Str::from(""),
            is_secret: false,
        }),
        _ => Err(ValueError::type_error(v.clone(), "capsule")),
    }
}

/// The elements of a list target: arrays, bytes (as numbers), `null` (empty).
pub fn to_list(v: &Value) -> Result<std::borrow::Cow<'_, [Value]>, ValueError> {
    match v {
        Value::Null => Ok(std::borrow::Cow::Owned(Vec::new())),
        _ => v
            .array_elems()
            .ok_or_else(|| ValueError::type_error(v.clone(), "array")),
    }
}

/// The object of a map or struct target: objects, object-convertible capsules, `null`
/// (empty).
pub fn to_object(v: &Value) -> Result<Object, ValueError> {
    match v {
        Value::Object(o) => Ok(o.clone()),
        Value::Null => Ok(Object::empty()),
        Value::Capsule(c) => c
            .to_object()
            .ok_or_else(|| ValueError::type_error(v.clone(), "object")),
        _ => Err(ValueError::type_error(v.clone(), "object")),
    }
}

/// Converts to a duration: the value is first converted to a string, then parsed with Go
/// syntax (so the number `15` fails with `time: missing unit in duration "15"`).
pub fn to_duration(v: &Value) -> Result<Duration, ValueError> {
    if v.is_null() {
        return Ok(Duration(0));
    }
    let s = to_text(v)?;
    Duration::parse(s.as_bytes()).map_err(|e| ValueError::new(v.clone(), e.to_string()))
}

/// A key for an object built by a conversion.
pub fn key(s: &str) -> Key {
    Key::from(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(x: &str) -> Value {
        Value::string(x)
    }

    #[test]
    fn string_to_number_algorithm() {
        assert!(matches!(to_number(&s("12")), Ok(Number::Uint(12))));
        assert!(matches!(to_number(&s("-5")), Ok(Number::Int(-5))));
        assert!(matches!(to_number(&s("1.5")), Ok(Number::Float(f)) if f == 1.5));
        assert!(matches!(to_number(&s("1e3")), Ok(Number::Float(f)) if f == 1000.0));
        for bad in [
            "",
            "+1",
            " 1",
            "0x10",
            "abc",
            "1e400",
            "-",
            "18446744073709551616",
            "--1",
        ] {
            let e = to_number(&s(bad)).unwrap_err();
            assert_eq!(e.message, "should be number, got string", "{bad:?}");
        }
        assert_eq!(to_uint(&s("-5"), 64).unwrap(), 18446744073709551611);
        assert_eq!(to_int(&s("1.5"), 64).unwrap(), 1);
        assert_eq!(to_uint(&Value::int(300), 8).unwrap(), 44);
        assert_eq!(to_int(&Value::float(1e20), 64).unwrap(), i64::MIN);
    }

    #[test]
    fn conversions_and_errors() {
        assert_eq!(to_text(&Value::float(0.5)).unwrap().as_bytes(), b"0.5");
        assert_eq!(to_text(&Value::Null).unwrap().as_bytes(), b"");
        assert_eq!(
            to_text(&Value::Bool(true)).unwrap_err().message,
            "should be string, got bool"
        );
        assert_eq!(
            to_text(&Value::secret("x")).unwrap_err().message,
            SECRET_TO_STRING
        );
        assert_eq!(
            to_text(&Value::optional_secret("x", false))
                .unwrap()
                .as_bytes(),
            b"x"
        );
        assert!(matches!(
            to_number(&Value::optional_secret("123", false)),
            Ok(Number::Uint(123))
        ));
        assert_eq!(
            to_duration(&Value::int(15)).unwrap_err().message,
            r#"time: missing unit in duration "15""#
        );
        let e = convert(
            &Value::array(vec![Value::int(1), Value::Bool(true)]),
            &Type::List(Box::new(Type::String)),
        )
        .unwrap_err();
        assert_eq!(e.plain_message(), "[1] should be string, got bool");
        let e = convert(
            &Value::array(vec![Value::int(1)]),
            &Type::FixedList(2, Box::new(Type::Int(64))),
        )
        .unwrap_err();
        assert_eq!(e.message, "array must have exactly 2 elements, got 1");
        assert!(matches!(
            to_any(&Value::uint(5)),
            Value::Number(Number::Int(5))
        ));
        assert!(matches!(
            to_any(&Value::uint(u64::MAX)),
            Value::Number(Number::Uint(_))
        ));
    }
}
