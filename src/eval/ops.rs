//! Unary and binary operators (§4.2–4.8, Alloy semantics).
//!
//! Binary operators first *unify* secret capsules with strings (Alloy), then: `==`/`!=`
//! accept anything; otherwise the left operand's type must be allowed, then the right's, then
//! both must have the same type. Numbers are promoted to the wider kind (uint < int < float)
//! and integer arithmetic wraps. Division and remainder by zero are an error on the right
//! operand. There is no short-circuit: both operands are always evaluated by the caller.

use std::sync::Arc;

use crate::syntax::ast::{BinaryOp, UnaryOp};

use super::error::ValueError;
use super::number::{go_pow, Number, NumberKind};
use super::value::{OptionalSecret, Str, Value, ValueType};

/// Which operand a binary-operator error is about.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Side {
    /// The left operand.
    Lhs,
    /// The right operand.
    Rhs,
}

/// A binary-operator error and the operand it is reported on.
#[derive(Clone, Debug)]
pub struct OpError {
    /// The operand.
    pub side: Side,
    /// The error.
    pub error: ValueError,
}

/// Applies a unary operator.
pub fn unary(op: UnaryOp, v: &Value) -> Result<Value, ValueError> {
    match op {
        UnaryOp::Not => match v {
            Value::Bool(b) => Ok(Value::Bool(!b)),
            _ => Err(ValueError::type_error(v.clone(), "bool")),
        },
        UnaryOp::Neg => match v {
            Value::Number(Number::Float(f)) => Ok(Value::float(-f)),
            Value::Number(n) => Ok(Value::int(n.as_i64().wrapping_neg())),
            _ => Err(ValueError::type_error(v.clone(), "number")),
        },
    }
}

fn allowed(op: BinaryOp) -> &'static [ValueType] {
    use BinaryOp::*;
    match op {
        Or | And => &[ValueType::Bool],
        Add => &[ValueType::Number, ValueType::String, ValueType::Capsule],
        Sub | Mul | Div | Mod | Pow => &[ValueType::Number],
        Lt | Lte | Gt | Gte => &[ValueType::Number, ValueType::String],
        Eq | Neq => &[],
    }
}

fn allowed_text(op: BinaryOp) -> String {
    let names: Vec<&str> = allowed(op).iter().map(|t| t.as_str()).collect();
    format!("[{}]", names.join(" "))
}

fn opt_secret(value: Str, is_secret: bool) -> Value {
    Value::OptionalSecret(Arc::new(OptionalSecret { value, is_secret }))
}

/// Alloy's capsule unification before `+`, `==` and `!=` (and every other operator): a
/// secret absorbs strings and optional secrets; an optional secret marked secret absorbs
/// strings; one not marked secret turns into a string next to a string.
fn unify(lhs: &Value, rhs: &Value) -> (Value, Value) {
    match (lhs, rhs) {
        (Value::OptionalSecret(o), Value::Secret(_)) => {
            (Value::Secret(o.value.clone()), rhs.clone())
        }
        (Value::OptionalSecret(o), Value::String(s)) => {
            if o.is_secret {
                (lhs.clone(), opt_secret(s.clone(), true))
            } else {
                (Value::String(o.value.clone()), Value::String(s.clone()))
            }
        }
        (Value::Secret(_), Value::OptionalSecret(o)) => {
            (lhs.clone(), Value::Secret(o.value.clone()))
        }
        (Value::Secret(_), Value::String(s)) => (lhs.clone(), Value::Secret(s.clone())),
        (Value::String(s), Value::OptionalSecret(o)) => {
            if o.is_secret {
                (opt_secret(s.clone(), true), rhs.clone())
            } else {
                (lhs.clone(), Value::String(o.value.clone()))
            }
        }
        (Value::String(s), Value::Secret(_)) => (Value::Secret(s.clone()), rhs.clone()),
        _ => (lhs.clone(), rhs.clone()),
    }
}

fn concat(a: &Str, b: &Str) -> Str {
    let mut v = Vec::with_capacity(a.len() + b.len());
    v.extend_from_slice(a.as_bytes());
    v.extend_from_slice(b.as_bytes());
    Str::from(v)
}

/// Applies a binary operator to two evaluated operands.
pub fn binary(op: BinaryOp, orig_lhs: &Value, orig_rhs: &Value) -> Result<Value, OpError> {
    let is_capsule = |v: &Value| v.value_type() == ValueType::Capsule;
    let unified;
    let (lhs, rhs) = if is_capsule(orig_lhs) || is_capsule(orig_rhs) {
        unified = unify(orig_lhs, orig_rhs);
        (&unified.0, &unified.1)
    } else {
        (orig_lhs, orig_rhs)
    };

    match op {
        BinaryOp::Eq => return Ok(Value::Bool(values_equal(lhs, rhs))),
        BinaryOp::Neq => return Ok(Value::Bool(!values_equal(lhs, rhs))),
        _ => {}
    }

    let (lt, rt) = (lhs.value_type(), rhs.value_type());
    let ok = allowed(op);
    if !ok.contains(&lt) {
        return Err(OpError {
            side: Side::Lhs,
            error: ValueError::new(
                orig_lhs.clone(),
                format!(
                    "should be one of {} for binop {}, got {}",
                    allowed_text(op),
                    op.as_str(),
                    lt
                ),
            ),
        });
    }
    if !ok.contains(&rt) {
        return Err(OpError {
            side: Side::Rhs,
            error: ValueError::new(
                orig_rhs.clone(),
                format!(
                    "should be one of {} for binop {}, got {}",
                    allowed_text(op),
                    op.as_str(),
                    rt
                ),
            ),
        });
    }
    if lt != rt {
        return Err(OpError {
            side: Side::Rhs,
            error: ValueError::type_error(rhs.clone(), lt.as_str()),
        });
    }

    use BinaryOp::*;
    match (op, lhs, rhs) {
        (Or, Value::Bool(a), Value::Bool(b)) => Ok(Value::Bool(*a || *b)),
        (And, Value::Bool(a), Value::Bool(b)) => Ok(Value::Bool(*a && *b)),
        (Add, Value::String(a), Value::String(b)) => Ok(Value::String(concat(a, b))),
        (Add, Value::OptionalSecret(a), _) => {
            let (bv, bs) = match rhs {
                Value::OptionalSecret(b) => (b.value.clone(), b.is_secret),
                _ => (Str::from(""), false),
            };
            Ok(opt_secret(concat(&a.value, &bv), a.is_secret || bs))
        }
        (Add, Value::Secret(a), _) => {
            let b = match rhs {
                Value::Secret(b) => b.clone(),
                _ => Str::from(""),
            };
            Ok(Value::Secret(concat(a, &b)))
        }
        (Add, Value::Capsule(_), _) => Err(OpError {
            side: Side::Lhs,
            error: ValueError::new(
                orig_lhs.clone(),
                format!("could not perform binop + for unknown types lhs {lt} rhs {rt}"),
            ),
        }),
        (Lt | Lte | Gt | Gte, Value::String(a), Value::String(b)) => {
            let ord = a.as_bytes().cmp(b.as_bytes());
            Ok(Value::Bool(match op {
                Lt => ord.is_lt(),
                Lte => ord.is_le(),
                Gt => ord.is_gt(),
                _ => ord.is_ge(),
            }))
        }
        (_, Value::Number(a), Value::Number(b)) => arith(op, *a, *b).map_err(|msg| OpError {
            side: Side::Rhs,
            error: ValueError::new(orig_rhs.clone(), msg),
        }),
        // Every combination of allowed, equal types is handled above.
        _ => Err(OpError {
            side: Side::Lhs,
            error: ValueError::new(
                orig_lhs.clone(),
                format!("unsupported binop {}", op.as_str()),
            ),
        }),
    }
}

/// Integer `^`: repeated multiplication with wrapping (a negative exponent returns the base),
/// with Alloy's shortcuts for bases 0 and 1. Computed by squaring, which gives the same
/// wrapped result as upstream's loop without its running time.
fn int_pow_i64(n: i64, m: i64) -> i64 {
    if m == 0 || n == 1 {
        return 1;
    }
    if n == 0 && m > 0 {
        return 0;
    }
    if m < 0 {
        return n;
    }
    let mut result: i64 = 1;
    let mut base = n;
    let mut e = m as u64;
    while e > 0 {
        if e & 1 == 1 {
            result = result.wrapping_mul(base);
        }
        base = base.wrapping_mul(base);
        e >>= 1;
    }
    result
}

fn int_pow_u64(n: u64, m: u64) -> u64 {
    if m == 0 || n == 1 {
        return 1;
    }
    if n == 0 {
        return 0;
    }
    let mut result: u64 = 1;
    let mut base = n;
    let mut e = m;
    while e > 0 {
        if e & 1 == 1 {
            result = result.wrapping_mul(base);
        }
        base = base.wrapping_mul(base);
        e >>= 1;
    }
    result
}

fn is_zero(n: Number) -> bool {
    match n {
        Number::Int(i) => i == 0,
        Number::Uint(u) => u == 0,
        Number::Float(f) => f == 0.0,
    }
}

fn arith(op: BinaryOp, a: Number, b: Number) -> Result<Value, String> {
    use BinaryOp::*;
    if matches!(op, Div | Mod) && is_zero(b) {
        return Err("divide by zero error".to_string());
    }
    let kind = Number::fit_kinds(a.kind(), b.kind());
    let cmp = |o: std::cmp::Ordering| -> Value {
        Value::Bool(match op {
            Lt => o.is_lt(),
            Lte => o.is_le(),
            Gt => o.is_gt(),
            _ => o.is_ge(),
        })
    };
    Ok(match kind {
        NumberKind::Uint => {
            let (x, y) = (a.as_u64(), b.as_u64());
            match op {
                Add => Value::uint(x.wrapping_add(y)),
                Sub => Value::uint(x.wrapping_sub(y)),
                Mul => Value::uint(x.wrapping_mul(y)),
                Div => Value::uint(x / y),
                Mod => Value::uint(x % y),
                Pow => Value::uint(int_pow_u64(x, y)),
                _ => cmp(x.cmp(&y)),
            }
        }
        NumberKind::Int => {
            let (x, y) = (a.as_i64(), b.as_i64());
            match op {
                Add => Value::int(x.wrapping_add(y)),
                Sub => Value::int(x.wrapping_sub(y)),
                Mul => Value::int(x.wrapping_mul(y)),
                Div => Value::int(x.wrapping_div(y)),
                Mod => Value::int(x.wrapping_rem(y)),
                Pow => Value::int(int_pow_i64(x, y)),
                _ => cmp(x.cmp(&y)),
            }
        }
        NumberKind::Float => {
            let (x, y) = (a.as_f64(), b.as_f64());
            match op {
                Add => Value::float(x + y),
                Sub => Value::float(x - y),
                Mul => Value::float(x * y),
                Div => Value::float(x / y),
                Mod => Value::float(x % y),
                Pow => Value::float(go_pow(x, y)),
                Lt => Value::Bool(x < y),
                Lte => Value::Bool(x <= y),
                Gt => Value::Bool(x > y),
                _ => Value::Bool(x >= y),
            }
        }
    })
}

/// Language equality (§4.7): different types are unequal, numbers compare after promotion,
/// arrays and objects compare element-wise, functions are never equal, capsules compare
/// deeply.
pub fn values_equal(a: &Value, b: &Value) -> bool {
    if a.value_type() != b.value_type() {
        return false;
    }
    match (a, b) {
        (Value::Null, Value::Null) => true,
        (Value::Bool(x), Value::Bool(y)) => x == y,
        (Value::Number(x), Value::Number(y)) => match Number::fit_kinds(x.kind(), y.kind()) {
            NumberKind::Uint => x.as_u64() == y.as_u64(),
            NumberKind::Int => x.as_i64() == y.as_i64(),
            NumberKind::Float => x.as_f64() == y.as_f64(),
        },
        (Value::String(x), Value::String(y)) => x.as_bytes() == y.as_bytes(),
        (Value::Bytes(x), Value::Bytes(y)) => x.as_bytes() == y.as_bytes(),
        (Value::Array(_) | Value::Bytes(_), Value::Array(_) | Value::Bytes(_)) => {
            match (a.array_elems(), b.array_elems()) {
                (Some(x), Some(y)) => {
                    x.len() == y.len() && x.iter().zip(y.iter()).all(|(p, q)| values_equal(p, q))
                }
                _ => false,
            }
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| values_equal(v, w)))
        }
        (Value::Function(_), Value::Function(_)) => false,
        (Value::Secret(x), Value::Secret(y)) => x.as_bytes() == y.as_bytes(),
        (Value::OptionalSecret(x), Value::OptionalSecret(y)) => x == y,
        (Value::Capsule(x), Value::Capsule(y)) => x.equals(y),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn num(v: &Value) -> Number {
        match v {
            Value::Number(n) => *n,
            _ => panic!("not a number: {v:?}"),
        }
    }

    #[test]
    fn integer_arithmetic_wraps_and_truncates() {
        let b = |op, x: Value, y: Value| binary(op, &x, &y).unwrap();
        assert_eq!(
            num(&b(BinaryOp::Add, Value::int(i64::MAX), Value::int(1))).as_i64(),
            i64::MIN
        );
        assert_eq!(
            num(&b(BinaryOp::Pow, Value::int(2), Value::int(64))).as_i64(),
            0
        );
        assert_eq!(
            num(&b(BinaryOp::Add, Value::uint(u64::MAX), Value::int(1))).as_i64(),
            0
        );
        assert_eq!(
            num(&b(BinaryOp::Div, Value::int(-5), Value::int(2))).as_i64(),
            -2
        );
        assert_eq!(
            num(&b(BinaryOp::Mod, Value::int(-7), Value::int(3))).as_i64(),
            -1
        );
        assert_eq!(
            num(&b(BinaryOp::Mod, Value::float(7.5), Value::int(2))).as_f64(),
            1.5
        );
        assert_eq!(
            num(&b(BinaryOp::Pow, Value::int(2), Value::int(-1))).as_i64(),
            2
        );
        assert_eq!(
            num(&b(BinaryOp::Pow, Value::int(0), Value::int(-1))).as_i64(),
            0
        );
        assert_eq!(
            num(&b(BinaryOp::Pow, Value::int(2), Value::int(3))).as_i64(),
            8
        );
        assert_eq!(
            num(&b(BinaryOp::Pow, Value::int(3), Value::int(i64::MAX))).as_i64(),
            int_pow_i64(3, i64::MAX)
        );
        assert!(matches!(
            b(BinaryOp::Eq, Value::uint(u64::MAX), Value::int(-1)),
            Value::Bool(true)
        ));
    }

    #[test]
    fn operator_errors() {
        let e = |op, x: Value, y: Value| binary(op, &x, &y).unwrap_err();
        let err = e(BinaryOp::Add, Value::int(1), Value::string("1"));
        assert_eq!(err.side, Side::Rhs);
        assert_eq!(err.error.message, "should be number, got string");
        let err = e(BinaryOp::Add, Value::Bool(true), Value::int(1));
        assert_eq!(err.side, Side::Lhs);
        assert_eq!(
            err.error.message,
            "should be one of [number string capsule] for binop +, got bool"
        );
        let err = e(BinaryOp::Div, Value::float(1.0), Value::int(0));
        assert_eq!(err.error.message, "divide by zero error");
        let err = e(
            BinaryOp::Sub,
            Value::string("a"),
            Value::optional_secret("s", true),
        );
        assert_eq!(
            err.error.message,
            "should be one of [number] for binop -, got capsule"
        );
        assert_eq!(
            unary(UnaryOp::Not, &Value::int(1)).unwrap_err().message,
            "should be bool, got number"
        );
    }

    #[test]
    fn secrets_unify() {
        let r = binary(BinaryOp::Eq, &Value::secret("foo"), &Value::string("foo")).unwrap();
        assert!(matches!(r, Value::Bool(true)));
        let r = binary(
            BinaryOp::Add,
            &Value::optional_secret("a", false),
            &Value::string("b"),
        )
        .unwrap();
        assert!(matches!(r, Value::String(s) if s.as_bytes() == b"ab"));
        let r = binary(
            BinaryOp::Add,
            &Value::optional_secret("a", false),
            &Value::optional_secret("b", false),
        )
        .unwrap();
        assert!(
            matches!(r, Value::OptionalSecret(o) if !o.is_secret && o.value.as_bytes() == b"ab")
        );
        let r = binary(BinaryOp::Add, &Value::string("a"), &Value::secret("b")).unwrap();
        assert!(matches!(r, Value::Secret(s) if s.as_bytes() == b"ab"));
    }

    #[test]
    fn equality() {
        assert!(values_equal(&Value::int(1), &Value::float(1.0)));
        assert!(!values_equal(&Value::int(1), &Value::string("1")));
        assert!(!values_equal(&Value::Null, &Value::Bool(false)));
        assert!(values_equal(
            &Value::Bytes(Str::from("a")),
            &Value::array(vec![Value::int(97)])
        ));
    }
}
