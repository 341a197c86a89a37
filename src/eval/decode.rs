//! Serde deserialization from River: of a [`Value`] ([`from_value`]), and of a River body or
//! block evaluated against a scope ([`decode_body`], [`decode_block`]) into a struct whose
//! shape is declared by [`RiverSchema`].
//!
//! Values convert on the way in exactly as on assignment (§4.9): a number read as a string
//! is formatted, a string read as an integer is parsed, integers wrap to the target width,
//! `null` becomes the zero value, and so on. Errors carry the path to the offending part so
//! that a body decode positions them on the sub-expression that produced it.
//!
//! Bodies are checked against the schema in statement order with upstream's messages
//! (§5.5): unknown attributes and blocks, attributes used as blocks and the reverse,
//! repeated attributes and single blocks, exact block counts, labels, and (after the last
//! statement) missing required attributes and blocks. The first problem stops decoding.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::fmt;
use std::rc::Rc;

use serde::de::{
    self, DeserializeOwned, DeserializeSeed, Deserializer, EnumAccess, IntoDeserializer, MapAccess,
    SeqAccess, VariantAccess, Visitor,
};
use serde::Deserialize;

use crate::gocompat::strconv::quote as go_quote;
use crate::syntax::ast::{Ast, Block, ExprId, Stmt};
use crate::syntax::diag::Diagnostic;
use crate::syntax::pos::Position;

use super::convert;
use super::error::{EvalError, Recorder, ValueError};
use super::number::Number;
use super::schema::{EnumMember, FieldKind, Multiplicity, RiverSchema, Schema};
use super::scope::Scope;
use super::value::{Key, Object, Str, Value};
use super::vm;

/// Serde name through which a [`Value`] is handed over whole.
pub(crate) const VALUE_TOKEN: &str = "$river::private::Value";
/// Serde name of [`Secret`].
pub(crate) const SECRET_TOKEN: &str = "$river::private::Secret";

thread_local! {
    static STASH: RefCell<Option<Value>> = const { RefCell::new(None) };
}

pub(crate) fn stash_put(v: Value) {
    STASH.with(|s| *s.borrow_mut() = Some(v));
}

pub(crate) fn stash_take() -> Option<Value> {
    STASH.with(|s| s.borrow_mut().take())
}

/// A decoding failure.
#[derive(Clone, Debug)]
pub enum DecodeError {
    /// A value of the wrong type or form, with the path to it.
    Value(ValueError),
    /// A positioned problem (unknown attribute, missing block, …).
    Diag(Diagnostic),
    /// A message from a `Deserialize` implementation, not yet tied to a value.
    Custom(String),
}

impl DecodeError {
    /// Ties a bare message to the value being decoded.
    fn at(self, v: &Value) -> DecodeError {
        match self {
            DecodeError::Custom(m) => DecodeError::Value(ValueError::new(v.clone(), m)),
            e => e,
        }
    }

    fn in_elem(self, container: &Value, i: usize) -> DecodeError {
        match self {
            DecodeError::Value(ve) => DecodeError::Value(ve.in_elem(container.clone(), i)),
            e => e,
        }
    }

    fn in_field(self, container: &Value, k: &Key) -> DecodeError {
        match self {
            DecodeError::Value(ve) => DecodeError::Value(ve.in_field(container.clone(), k.clone())),
            e => e,
        }
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DecodeError::Value(v) => write!(f, "{v}"),
            DecodeError::Diag(d) => write!(f, "{d}"),
            DecodeError::Custom(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for DecodeError {}

impl de::Error for DecodeError {
    fn custom<T: fmt::Display>(msg: T) -> DecodeError {
        DecodeError::Custom(msg.to_string())
    }
}

impl From<ValueError> for DecodeError {
    fn from(e: ValueError) -> DecodeError {
        DecodeError::Value(e)
    }
}

/// Deserializes a `T` from a value, converting as on assignment.
pub fn from_value<T: DeserializeOwned>(v: &Value) -> Result<T, ValueError> {
    T::deserialize(ValueDeserializer::new(v.clone())).map_err(|e| match e.at(v) {
        DecodeError::Value(ve) => ve,
        DecodeError::Diag(d) => ValueError::new(v.clone(), d.message),
        DecodeError::Custom(m) => ValueError::new(v.clone(), m),
    })
}

/// Evaluates expression `id` and deserializes the result into `T`; errors are positioned on
/// the sub-expression that produced the offending value.
pub fn eval_expr_into<T: DeserializeOwned>(
    ast: &Ast,
    id: ExprId,
    scope: &Scope,
) -> Result<T, Diagnostic> {
    vm::eval_expr_with(ast, id, scope, |v| from_value::<T>(v))
}

/// Decodes the statements of a body (a file's top level) into `T`.
pub fn decode_body<T: DeserializeOwned + RiverSchema>(
    ast: &Ast,
    body: &[Stmt],
    scope: &Scope,
) -> Result<T, Diagnostic> {
    decode_twice(ast, scope, |cx| {
        T::deserialize(BodyDeserializer {
            cx,
            stmts: body,
            block: None,
            schema: T::schema(),
        })
        .map_err(|e| Box::new((cx.final_diag(e.clone(), None), e)))
    })
}

/// Runs a decode; when it fails with an unpositioned value error, runs it again with
/// recording on to position the error.
fn decode_twice<T>(
    ast: &Ast,
    scope: &Scope,
    run: impl Fn(&Cx<'_>) -> Result<T, Box<(Diagnostic, DecodeError)>>,
) -> Result<T, Diagnostic> {
    let cx = Cx {
        ast,
        scope,
        record: false,
    };
    match run(&cx) {
        Ok(t) => Ok(t),
        Err(e) if matches!(e.1, DecodeError::Value(_)) => {
            let cx = Cx {
                ast,
                scope,
                record: true,
            };
            run(&cx).map_err(|e| e.0)
        }
        Err(e) => Err(e.0),
    }
}

/// Decodes a block (its label and body) into `T`.
pub fn decode_block<T: DeserializeOwned + RiverSchema>(
    ast: &Ast,
    block: &Block,
    scope: &Scope,
) -> Result<T, Diagnostic> {
    decode_twice(ast, scope, |cx| {
        T::deserialize(BodyDeserializer {
            cx,
            stmts: ast.body(block.body),
            block: Some(block),
            schema: T::schema(),
        })
        .map_err(|e| Box::new((cx.final_diag(e.clone(), Some(block)), e)))
    })
}

/// A deserializer over one value.
pub struct ValueDeserializer {
    value: Value,
}

impl ValueDeserializer {
    /// Deserializes from `value`.
    pub fn new(value: Value) -> ValueDeserializer {
        ValueDeserializer { value }
    }
}

fn sde(s: String) -> de::value::StringDeserializer<DecodeError> {
    s.into_deserializer()
}

fn lossy(s: &Str) -> String {
    s.to_str_lossy().into_owned()
}

macro_rules! int_method {
    ($method:ident, $visit:ident, $t:ty, $conv:ident, $bits:expr) => {
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeError> {
            let v = self.value;
            let n = convert::$conv(&v, $bits)?;
            visitor.$visit(n as $t).map_err(|e: DecodeError| e.at(&v))
        }
    };
}

impl<'de> Deserializer<'de> for ValueDeserializer {
    type Error = DecodeError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        let v = self.value;
        let r = match &v {
            Value::Null => visitor.visit_unit(),
            Value::Bool(b) => visitor.visit_bool(*b),
            Value::Number(Number::Int(i)) => visitor.visit_i64(*i),
            Value::Number(Number::Uint(u)) => visitor.visit_u64(*u),
            Value::Number(Number::Float(f)) => visitor.visit_f64(*f),
            Value::String(s) => match s.as_str() {
                Some(t) => visitor.visit_str(t),
                None => visitor.visit_bytes(s.as_bytes()),
            },
            Value::OptionalSecret(o) if !o.is_secret => visitor.visit_string(lossy(&o.value)),
            Value::Bytes(_) | Value::Array(_) => visitor.visit_seq(ValueSeq::new(v.clone())),
            Value::Object(o) => visitor.visit_map(ValueMap::new(v.clone(), o.clone(), None)),
            Value::Capsule(c) => match c.to_object() {
                Some(o) => visitor.visit_map(ValueMap::new(v.clone(), o, None)),
                None => Err(DecodeError::Value(ValueError::new(
                    v.clone(),
                    format!(
                        "cannot decode {} into a plain value",
                        super::print::to_river(&v)
                    ),
                ))),
            },
            Value::Secret(_) | Value::OptionalSecret(_) => Err(DecodeError::Value(
                ValueError::new(v.clone(), convert::SECRET_TO_STRING),
            )),
            Value::Function(_) => Err(DecodeError::Value(ValueError::new(
                v.clone(),
                "cannot decode a function into a plain value",
            ))),
        };
        r.map_err(|e: DecodeError| e.at(&v))
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        let v = self.value;
        let b = convert::to_bool(&v)?;
        visitor.visit_bool(b).map_err(|e: DecodeError| e.at(&v))
    }

    int_method!(deserialize_i8, visit_i8, i8, to_int, 8);
    int_method!(deserialize_i16, visit_i16, i16, to_int, 16);
    int_method!(deserialize_i32, visit_i32, i32, to_int, 32);
    int_method!(deserialize_i64, visit_i64, i64, to_int, 64);
    int_method!(deserialize_u8, visit_u8, u8, to_uint, 8);
    int_method!(deserialize_u16, visit_u16, u16, to_uint, 16);
    int_method!(deserialize_u32, visit_u32, u32, to_uint, 32);
    int_method!(deserialize_u64, visit_u64, u64, to_uint, 64);

    fn deserialize_i128<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        self.deserialize_i64(visitor)
    }

    fn deserialize_u128<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        self.deserialize_u64(visitor)
    }

    fn deserialize_f32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        let v = self.value;
        let f = convert::to_float(&v, 32)?;
        visitor
            .visit_f32(f as f32)
            .map_err(|e: DecodeError| e.at(&v))
    }

    fn deserialize_f64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        let v = self.value;
        let f = convert::to_float(&v, 64)?;
        visitor.visit_f64(f).map_err(|e: DecodeError| e.at(&v))
    }

    fn deserialize_char<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        self.deserialize_string(visitor)
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        self.deserialize_string(visitor)
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        let v = self.value;
        let s = convert::to_text(&v)?;
        visitor
            .visit_string(lossy(&s))
            .map_err(|e: DecodeError| e.at(&v))
    }

    fn deserialize_bytes<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        self.deserialize_byte_buf(visitor)
    }

    fn deserialize_byte_buf<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        let v = self.value;
        let s = convert::to_text(&v)?;
        visitor
            .visit_byte_buf(s.as_bytes().to_vec())
            .map_err(|e: DecodeError| e.at(&v))
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        let v = self.value.clone();
        match self.value {
            Value::Null => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
        .map_err(|e: DecodeError| e.at(&v))
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        let v = self.value;
        match v {
            Value::Null => visitor.visit_unit().map_err(|e: DecodeError| e.at(&v)),
            _ => Err(ValueError::type_error(v, "null").into()),
        }
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, DecodeError> {
        self.deserialize_unit(visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, DecodeError> {
        let v = self.value;
        match name {
            VALUE_TOKEN => {
                stash_put(v.clone());
                let r = visitor.visit_newtype_struct(().into_deserializer());
                stash_take();
                r.map_err(|e: DecodeError| e.at(&v))
            }
            SECRET_TOKEN => {
                let s = convert::to_secret(&v)?;
                visitor
                    .visit_newtype_struct(lossy(&s).into_deserializer())
                    .map_err(|e: DecodeError| e.at(&v))
            }
            _ => visitor
                .visit_newtype_struct(ValueDeserializer::new(v.clone()))
                .map_err(|e: DecodeError| e.at(&v)),
        }
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        let v = self.value;
        match &v {
            Value::Null => visitor.visit_seq(ValueSeq::new(Value::array(Vec::new()))),
            Value::Array(_) | Value::Bytes(_) => visitor.visit_seq(ValueSeq::new(v.clone())),
            _ => return Err(ValueError::type_error(v, "array").into()),
        }
        .map_err(|e: DecodeError| e.at(&v))
    }

    fn deserialize_tuple<V: Visitor<'de>>(
        self,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, DecodeError> {
        let v = self.value;
        if let Some(n) = v.len().filter(|_| !matches!(v, Value::Object(_))) {
            if n != len {
                return Err(ValueError::new(
                    v,
                    format!("array must have exactly {len} elements, got {n}"),
                )
                .into());
            }
        }
        ValueDeserializer::new(v).deserialize_seq(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, DecodeError> {
        self.deserialize_tuple(len, visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        let v = self.value;
        let o = convert::to_object(&v)?;
        visitor
            .visit_map(ValueMap::new(v.clone(), o, None))
            .map_err(|e: DecodeError| e.at(&v))
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DecodeError> {
        let v = self.value;
        let o = convert::to_object(&v)?;
        visitor
            .visit_map(ValueMap::new(v.clone(), o, Some(fields)))
            .map_err(|e: DecodeError| e.at(&v))
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DecodeError> {
        let v = self.value;
        match &v {
            Value::Object(o) if o.len() == 1 => {
                let (k, inner) = o
                    .iter()
                    .next()
                    .map(|(k, x)| (k.clone(), x.clone()))
                    .unwrap_or_default();
                visitor
                    .visit_enum(ValueEnum {
                        container: v.clone(),
                        key: k,
                        value: inner,
                    })
                    .map_err(|e: DecodeError| e.at(&v))
            }
            _ => {
                let s = convert::to_text(&v)?;
                visitor
                    .visit_enum(lossy(&s).into_deserializer())
                    .map_err(|e: DecodeError| e.at(&v))
            }
        }
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        self.deserialize_string(visitor)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        visitor.visit_unit()
    }
}

struct ValueSeq {
    container: Value,
    len: usize,
    idx: usize,
}

impl ValueSeq {
    fn new(container: Value) -> ValueSeq {
        let len = container.len().unwrap_or(0);
        ValueSeq {
            container,
            len,
            idx: 0,
        }
    }
}

impl<'de> SeqAccess<'de> for ValueSeq {
    type Error = DecodeError;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, DecodeError> {
        if self.idx >= self.len {
            return Ok(None);
        }
        let i = self.idx;
        self.idx += 1;
        let elem = self.container.index(i).unwrap_or_default();
        seed.deserialize(ValueDeserializer::new(elem.clone()))
            .map(Some)
            .map_err(|e| e.at(&elem).in_elem(&self.container, i))
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.len - self.idx)
    }
}

struct ValueMap {
    container: Value,
    obj: Object,
    fields: Option<&'static [&'static str]>,
    idx: usize,
    current: Option<(Key, Value)>,
}

impl ValueMap {
    fn new(container: Value, obj: Object, fields: Option<&'static [&'static str]>) -> ValueMap {
        ValueMap {
            container,
            obj,
            fields,
            idx: 0,
            current: None,
        }
    }
}

impl<'de> MapAccess<'de> for ValueMap {
    type Error = DecodeError;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, DecodeError> {
        let Some((k, v)) = self
            .obj
            .iter()
            .nth(self.idx)
            .map(|(k, v)| (k.clone(), v.clone()))
        else {
            return Ok(None);
        };
        self.idx += 1;
        if let Some(fields) = self.fields {
            if !fields.contains(&&*k) {
                return Err(ValueError::missing_key(k, v).into());
            }
        }
        let key = seed.deserialize(sde(k.to_string()))?;
        self.current = Some((k, v));
        Ok(Some(key))
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(
        &mut self,
        seed: V,
    ) -> Result<V::Value, DecodeError> {
        let (k, v) = self
            .current
            .take()
            .ok_or_else(|| DecodeError::Custom("value requested before key".to_string()))?;
        seed.deserialize(ValueDeserializer::new(v.clone()))
            .map_err(|e| e.at(&v).in_field(&self.container, &k))
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.obj.len() - self.idx)
    }
}

struct ValueEnum {
    container: Value,
    key: Key,
    value: Value,
}

impl<'de> EnumAccess<'de> for ValueEnum {
    type Error = DecodeError;
    type Variant = ValueVariant;

    fn variant_seed<V: DeserializeSeed<'de>>(
        self,
        seed: V,
    ) -> Result<(V::Value, ValueVariant), DecodeError> {
        let variant = seed.deserialize(sde(self.key.to_string()))?;
        Ok((
            variant,
            ValueVariant {
                container: self.container,
                key: self.key,
                value: self.value,
            },
        ))
    }
}

struct ValueVariant {
    container: Value,
    key: Key,
    value: Value,
}

impl<'de> VariantAccess<'de> for ValueVariant {
    type Error = DecodeError;

    fn unit_variant(self) -> Result<(), DecodeError> {
        Ok(())
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(
        self,
        seed: T,
    ) -> Result<T::Value, DecodeError> {
        seed.deserialize(ValueDeserializer::new(self.value.clone()))
            .map_err(|e| e.at(&self.value).in_field(&self.container, &self.key))
    }

    fn tuple_variant<V: Visitor<'de>>(
        self,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, DecodeError> {
        ValueDeserializer::new(self.value.clone())
            .deserialize_tuple(len, visitor)
            .map_err(|e| e.at(&self.value).in_field(&self.container, &self.key))
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DecodeError> {
        ValueDeserializer::new(self.value.clone())
            .deserialize_struct("", fields, visitor)
            .map_err(|e| e.at(&self.value).in_field(&self.container, &self.key))
    }
}

// ---------------------------------------------------------------------------------------
// Bodies.

struct Cx<'a> {
    ast: &'a Ast,
    scope: &'a Scope,
    /// Second pass after a value error: attribute evaluations are recorded so the error can
    /// be positioned (see [`super::error`]).
    record: bool,
}

impl<'a> Cx<'a> {
    fn diag(&self, start: u32, last: u32, msg: String) -> DecodeError {
        DecodeError::Diag(Diagnostic::error_range(
            self.ast.position(start),
            self.ast.position(last),
            msg,
        ))
    }

    fn stmt_diag(&self, s: &Stmt, msg: String) -> DecodeError {
        self.diag(self.ast.stmt_start(s), self.ast.stmt_last(s), msg)
    }

    fn block_head_diag(&self, b: &Block, msg: String) -> DecodeError {
        self.diag(self.ast.block_start(b), b.lbrace, msg)
    }

    fn plain(&self, msg: String) -> DecodeError {
        DecodeError::Diag(Diagnostic::error(Position::none("".into()), msg))
    }

    /// Evaluates an attribute expression (recording it in the second pass).
    fn eval_attr(&self, expr: ExprId) -> Result<(Value, Option<Rc<Recorder>>), DecodeError> {
        if !self.record {
            let v = vm::eval_expr(self.ast, expr, self.scope).map_err(DecodeError::Diag)?;
            return Ok((v, None));
        }
        let (r, rec) = vm::eval_recorded(self.ast, expr, self.scope);
        match r {
            Ok(v) => Ok((v, Some(Rc::new(rec)))),
            Err(EvalError::Value(ve)) => Err(DecodeError::Diag(vm::resolve_with(
                self.ast, expr, &rec, *ve,
            ))),
            Err(e) => Err(DecodeError::Diag(vm::eval_error_diag(self.ast, expr, e))),
        }
    }

    /// Positions an error about the value of attribute expression `expr`. In the first pass
    /// a value error is passed up unchanged, which triggers the recorded second pass.
    fn value_diag(
        &self,
        expr: ExprId,
        v: &Value,
        rec: Option<&Recorder>,
        e: DecodeError,
    ) -> DecodeError {
        match (e.at(v), rec) {
            (DecodeError::Value(ve), Some(rec)) => {
                DecodeError::Diag(vm::resolve_with(self.ast, expr, rec, ve))
            }
            (other, _) => other,
        }
    }

    /// The final diagnostic for an error that reached the top of a body or block decode.
    fn final_diag(&self, e: DecodeError, block: Option<&Block>) -> Diagnostic {
        match e {
            DecodeError::Diag(d) => d,
            DecodeError::Value(ve) => {
                Diagnostic::error(Position::none("".into()), ve.plain_message())
            }
            DecodeError::Custom(m) => match block {
                Some(b) => Diagnostic::error_range(
                    self.ast.position(self.ast.block_start(b)),
                    self.ast.position(b.lbrace),
                    m,
                ),
                None => Diagnostic::error(Position::none("".into()), m),
            },
        }
    }
}

struct BodyDeserializer<'a> {
    cx: &'a Cx<'a>,
    stmts: &'a [Stmt],
    block: Option<&'a Block>,
    schema: &'static Schema,
}

impl<'a> BodyDeserializer<'a> {
    fn block_name(&self) -> String {
        self.block
            .map(|b| self.cx.ast.block_name(b))
            .unwrap_or_default()
    }

    fn custom_at_block(&self, e: DecodeError) -> DecodeError {
        match (e, self.block) {
            (DecodeError::Custom(m), Some(b)) => self.cx.block_head_diag(b, m),
            (e, _) => e,
        }
    }

    /// Checks the label rules of a struct-shaped block and returns the label to store.
    fn struct_label(&self) -> Result<Option<(&'static str, String)>, DecodeError> {
        let Some(b) = self.block else {
            return Ok(None);
        };
        let label = self.cx.ast.block_label(b);
        let field = self.schema.label_field();
        match (label.is_empty(), field) {
            (true, Some(_)) => Err(self.cx.block_head_diag(
                b,
                format!(
                    "block {} requires non-empty label",
                    go_quote(self.block_name().as_bytes())
                ),
            )),
            (false, None) => Err(self.cx.block_head_diag(
                b,
                format!(
                    "block {} does not support specifying labels",
                    go_quote(self.block_name().as_bytes())
                ),
            )),
            (false, Some(f)) => Ok(Some((f.name, label.to_string()))),
            (true, None) => Ok(None),
        }
    }

    fn attributes_map(&self) -> Result<AttrMap<'a>, DecodeError> {
        if let Some(b) = self.block {
            if !self.cx.ast.block_label(b).is_empty() {
                return Err(self.cx.block_head_diag(
                    b,
                    format!(
                        "block {} requires empty label",
                        go_quote(self.block_name().as_bytes())
                    ),
                ));
            }
        }
        Ok(AttrMap {
            cx: self.cx,
            stmts: self.stmts,
            pos: 0,
            current: None,
        })
    }

    /// The block as a map value (attributes decoded as `any`).
    fn to_any_value(&self) -> Result<Value, DecodeError> {
        let mut map = self.attributes_map()?;
        let mut entries = Vec::new();
        while let Some((k, v, _, _)) = map.next_attr()? {
            entries.push((k, convert::to_any(&v)));
        }
        Ok(Value::Object(Object::unordered(entries)))
    }
}

impl<'de, 'a> Deserializer<'de> for BodyDeserializer<'a> {
    type Error = DecodeError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        match self.schema {
            Schema::Struct(_) => self.deserialize_struct("", &[], visitor),
            Schema::Map => self.deserialize_map(visitor),
        }
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        let map = self.attributes_map()?;
        let r = visitor.visit_map(map);
        r.map_err(|e| self.custom_at_block(e))
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DecodeError> {
        if matches!(self.schema, Schema::Map) {
            return self.deserialize_map(visitor);
        }
        let label = self.struct_label()?;
        let map = BodyMap::new(self.cx, self.stmts, self.schema, label);
        let r = visitor.visit_map(map);
        r.map_err(|e| self.custom_at_block(e))
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        visitor.visit_some(self)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, DecodeError> {
        if name == VALUE_TOKEN {
            let v = self.to_any_value()?;
            stash_put(v);
            let r = visitor.visit_newtype_struct(().into_deserializer());
            stash_take();
            return r;
        }
        visitor.visit_newtype_struct(self)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct seq tuple tuple_struct enum identifier ignored_any
    }
}

/// One evaluated attribute: name, value, expression, and the evaluation record (second pass).
type AttrEntry = (Key, Value, ExprId, Option<Rc<Recorder>>);

/// A block's attributes as map entries (blocks decoded into maps or `any`).
struct AttrMap<'a> {
    cx: &'a Cx<'a>,
    stmts: &'a [Stmt],
    pos: usize,
    current: Option<(Value, ExprId, Option<Rc<Recorder>>)>,
}

impl<'a> AttrMap<'a> {
    fn next_attr(&mut self) -> Result<Option<AttrEntry>, DecodeError> {
        let Some(st) = self.stmts.get(self.pos) else {
            return Ok(None);
        };
        self.pos += 1;
        match st {
            Stmt::Block(_) => Err(self
                .cx
                .stmt_diag(st, "nested blocks not supported here".to_string())),
            Stmt::Attr(a) => {
                let (v, rec) = self.cx.eval_attr(a.value)?;
                Ok(Some((Key::from(self.cx.ast.text(a.name)), v, a.value, rec)))
            }
        }
    }
}

impl<'de, 'a> MapAccess<'de> for AttrMap<'a> {
    type Error = DecodeError;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, DecodeError> {
        let Some((k, v, e, rec)) = self.next_attr()? else {
            return Ok(None);
        };
        self.current = Some((v, e, rec));
        seed.deserialize(k.to_string().into_deserializer())
            .map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(
        &mut self,
        seed: V,
    ) -> Result<V::Value, DecodeError> {
        let (v, e, rec) = self
            .current
            .take()
            .ok_or_else(|| DecodeError::Custom("value requested before key".to_string()))?;
        seed.deserialize(ValueDeserializer::new(v.clone()))
            .map_err(|err| self.cx.value_diag(e, &v, rec.as_deref(), err))
    }
}

enum Pending<'a> {
    Label(String),
    Attr(Value, ExprId, Option<Rc<Recorder>>),
    Block(&'a Block, &'static Schema),
    Blocks(Vec<&'a Block>, &'static Schema),
    Enum(Vec<(&'a Block, &'static EnumMember)>),
}

/// A struct-shaped body as map entries, checked against the schema.
struct BodyMap<'a> {
    cx: &'a Cx<'a>,
    stmts: &'a [Stmt],
    schema: &'static Schema,
    label: Option<(&'static str, String)>,
    pos: usize,
    seen_attrs: HashSet<&'a str>,
    seen_blocks: HashSet<String>,
    emitted_enums: HashSet<&'static str>,
    pending: Option<Pending<'a>>,
}

impl<'a> BodyMap<'a> {
    fn new(
        cx: &'a Cx<'a>,
        stmts: &'a [Stmt],
        schema: &'static Schema,
        label: Option<(&'static str, String)>,
    ) -> BodyMap<'a> {
        BodyMap {
            cx,
            stmts,
            schema,
            label,
            pos: 0,
            seen_attrs: HashSet::new(),
            seen_blocks: HashSet::new(),
            emitted_enums: HashSet::new(),
            pending: None,
        }
    }

    fn blocks_named(&self, name: &str) -> Vec<&'a Block> {
        let ast = self.cx.ast;
        self.stmts
            .iter()
            .filter_map(|s| match s {
                Stmt::Block(b) if ast.block_name(b) == name => Some(b),
                _ => None,
            })
            .collect()
    }

    /// Finds the next statement to hand to serde: its field name, with the value pending.
    fn advance(&mut self) -> Result<Option<&'static str>, DecodeError> {
        let ast = self.cx.ast;
        if let Some((name, label)) = self.label.take() {
            self.pending = Some(Pending::Label(label));
            return Ok(Some(name));
        }
        while let Some(st) = self.stmts.get(self.pos) {
            self.pos += 1;
            match st {
                Stmt::Attr(a) => {
                    let name = ast.text(a.name);
                    let q = go_quote(name.as_bytes());
                    if !self.seen_attrs.insert(name) {
                        return Err(self
                            .cx
                            .stmt_diag(st, format!("attribute {q} may only be provided once")));
                    }
                    let field = match self.schema.field(name) {
                        Some(f) if matches!(f.kind, FieldKind::Attr) => f,
                        Some(f) if matches!(f.kind, FieldKind::Block { .. }) => {
                            return Err(self.cx.stmt_diag(
                                st,
                                format!("{q} must be a block, but is used as an attribute"),
                            ));
                        }
                        _ => {
                            return Err(self
                                .cx
                                .stmt_diag(st, format!("unrecognized attribute name {q}")));
                        }
                    };
                    let (v, rec) = self.cx.eval_attr(a.value)?;
                    self.pending = Some(Pending::Attr(v, a.value, rec));
                    return Ok(Some(field.name));
                }
                Stmt::Block(b) => {
                    let full = ast.block_name(b);
                    let q = go_quote(full.as_bytes());
                    if let Some((ef, _)) = self.schema.enum_member(&full) {
                        if !self.emitted_enums.insert(ef.name) {
                            continue;
                        }
                        let items = self
                            .stmts
                            .iter()
                            .filter_map(|s| match s {
                                Stmt::Block(b) => {
                                    let n = ast.block_name(b);
                                    match self.schema.enum_member(&n) {
                                        Some((f, m)) if f.name == ef.name => Some((b, m)),
                                        _ => None,
                                    }
                                }
                                _ => None,
                            })
                            .collect();
                        self.pending = Some(Pending::Enum(items));
                        return Ok(Some(ef.name));
                    }
                    let (schema, multiplicity, fname) = match self.schema.field(&full) {
                        Some(f) => match f.kind {
                            FieldKind::Block {
                                schema,
                                multiplicity,
                            } => (schema, multiplicity, f.name),
                            FieldKind::Attr => {
                                return Err(self.cx.stmt_diag(
                                    st,
                                    format!("{q} must be an attribute, but is used as a block"),
                                ));
                            }
                            _ => {
                                return Err(self
                                    .cx
                                    .stmt_diag(st, format!("unrecognized block name {q}")))
                            }
                        },
                        None => {
                            return Err(self
                                .cx
                                .stmt_diag(st, format!("unrecognized block name {q}")))
                        }
                    };
                    if self.seen_blocks.contains(&full) {
                        continue;
                    }
                    let all = self.blocks_named(&full);
                    match multiplicity {
                        Multiplicity::One => {
                            if all.len() > 1 {
                                return Err(self.cx.stmt_diag(
                                    st,
                                    format!("block {q} may only be specified once"),
                                ));
                            }
                            self.pending = Some(Pending::Block(b, schema()));
                        }
                        Multiplicity::List => self.pending = Some(Pending::Blocks(all, schema())),
                        Multiplicity::Exactly(n) => {
                            if all.len() != n {
                                return Err(self.cx.stmt_diag(
                                    st,
                                    format!(
                                        "block {q} must be specified exactly {n} times, but was specified {} times",
                                        all.len()
                                    ),
                                ));
                            }
                            self.pending = Some(Pending::Blocks(all, schema()));
                        }
                    }
                    self.seen_blocks.insert(full);
                    return Ok(Some(fname));
                }
            }
        }
        // All statements consumed: required fields.
        for f in self.schema.fields() {
            if f.optional {
                continue;
            }
            let q = go_quote(f.name.as_bytes());
            match f.kind {
                FieldKind::Attr if !self.seen_attrs.contains(f.name) => {
                    return Err(self.cx.plain(format!("missing required attribute {q}")));
                }
                FieldKind::Block { .. } if !self.seen_blocks.contains(f.name) => {
                    return Err(self.cx.plain(format!("missing required block {q}")));
                }
                _ => {}
            }
        }
        Ok(None)
    }
}

impl<'de, 'a> MapAccess<'de> for BodyMap<'a> {
    type Error = DecodeError;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, DecodeError> {
        match self.advance()? {
            Some(name) => seed.deserialize(name.into_deserializer()).map(Some),
            None => Ok(None),
        }
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(
        &mut self,
        seed: V,
    ) -> Result<V::Value, DecodeError> {
        let cx = self.cx;
        match self.pending.take() {
            Some(Pending::Label(l)) => seed.deserialize(l.into_deserializer()),
            Some(Pending::Attr(v, e, rec)) => seed
                .deserialize(ValueDeserializer::new(v.clone()))
                .map_err(|err| cx.value_diag(e, &v, rec.as_deref(), err)),
            Some(Pending::Block(b, schema)) => seed.deserialize(BodyDeserializer {
                cx,
                stmts: cx.ast.body(b.body),
                block: Some(b),
                schema,
            }),
            Some(Pending::Blocks(blocks, schema)) => seed.deserialize(BlockSeq {
                cx,
                items: blocks.into_iter().map(|b| (b, schema)).collect(),
                enum_members: None,
            }),
            Some(Pending::Enum(items)) => {
                let (blocks, members): (Vec<_>, Vec<_>) = items
                    .into_iter()
                    .map(|(b, m)| ((b, (m.schema)()), m))
                    .unzip();
                seed.deserialize(BlockSeq {
                    cx,
                    items: blocks,
                    enum_members: Some(members),
                })
            }
            None => Err(DecodeError::Custom(
                "value requested before key".to_string(),
            )),
        }
    }
}

/// Several blocks (a repeated block, or the members of an enum) as one sequence.
struct BlockSeq<'a> {
    cx: &'a Cx<'a>,
    items: Vec<(&'a Block, &'static Schema)>,
    enum_members: Option<Vec<&'static EnumMember>>,
}

impl<'de, 'a> Deserializer<'de> for BlockSeq<'a> {
    type Error = DecodeError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        visitor.visit_seq(BlockSeqAccess { seq: self, idx: 0 })
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        visitor.visit_some(self)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct newtype_struct seq tuple tuple_struct map struct enum
        identifier ignored_any
    }
}

struct BlockSeqAccess<'a> {
    seq: BlockSeq<'a>,
    idx: usize,
}

impl<'de, 'a> SeqAccess<'de> for BlockSeqAccess<'a> {
    type Error = DecodeError;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, DecodeError> {
        let Some(&(b, schema)) = self.seq.items.get(self.idx) else {
            return Ok(None);
        };
        let member = self
            .seq
            .enum_members
            .as_ref()
            .and_then(|m| m.get(self.idx).copied());
        self.idx += 1;
        let body = BodyDeserializer {
            cx: self.seq.cx,
            stmts: self.seq.cx.ast.body(b.body),
            block: Some(b),
            schema,
        };
        match member {
            Some(m) => seed.deserialize(EnumBlock { body, member: m }).map(Some),
            None => seed.deserialize(body).map(Some),
        }
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.seq.items.len() - self.idx)
    }
}

/// One member block of an enum group, deserialized as the variant named by the member.
struct EnumBlock<'a> {
    body: BodyDeserializer<'a>,
    member: &'static EnumMember,
}

impl<'de, 'a> Deserializer<'de> for EnumBlock<'a> {
    type Error = DecodeError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        visitor.visit_enum(self)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf option unit unit_struct newtype_struct seq tuple tuple_struct map struct enum
        identifier ignored_any
    }
}

impl<'de, 'a> EnumAccess<'de> for EnumBlock<'a> {
    type Error = DecodeError;
    type Variant = BodyDeserializer<'a>;

    fn variant_seed<V: DeserializeSeed<'de>>(
        self,
        seed: V,
    ) -> Result<(V::Value, BodyDeserializer<'a>), DecodeError> {
        let v = seed.deserialize(sde(self.member.name.to_string()))?;
        Ok((v, self.body))
    }
}

impl<'de, 'a> VariantAccess<'de> for BodyDeserializer<'a> {
    type Error = DecodeError;

    fn unit_variant(self) -> Result<(), DecodeError> {
        Ok(())
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(
        self,
        seed: T,
    ) -> Result<T::Value, DecodeError> {
        seed.deserialize(self)
    }

    fn tuple_variant<V: Visitor<'de>>(
        self,
        _len: usize,
        _visitor: V,
    ) -> Result<V::Value, DecodeError> {
        Err(DecodeError::Custom(
            "a block cannot be decoded into a tuple variant".to_string(),
        ))
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DecodeError> {
        self.deserialize_struct("", fields, visitor)
    }
}

// ---------------------------------------------------------------------------------------
// Deserialize for River types.

struct ValueVisitor;

impl<'de> Visitor<'de> for ValueVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any River value")
    }

    fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        match stash_take() {
            Some(v) => Ok(v),
            None => d.deserialize_any(ValueVisitor),
        }
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::int(v))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::uint(v))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Value::float(v))
    }

    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::string(v))
    }

    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::string(v))
    }

    fn visit_bytes<E>(self, v: &[u8]) -> Result<Value, E> {
        Ok(Value::String(Str::from(v)))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        Value::deserialize(d)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(1024));
        while let Some(v) = seq.next_element::<Value>()? {
            out.push(v);
        }
        Ok(Value::array(out))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = Vec::new();
        while let Some((k, v)) = map.next_entry::<String, Value>()? {
            out.push((Key::from(k), v));
        }
        Ok(Value::Object(Object::unordered(out)))
    }
}

impl<'de> Deserialize<'de> for Value {
    /// From River (a body, a value): the value exactly as evaluated. From other formats
    /// (JSON, YAML): the natural value.
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Value, D::Error> {
        d.deserialize_newtype_struct(VALUE_TOKEN, ValueVisitor)
    }
}

/// A sensitive string argument: accepts strings, secrets and optional secrets; never
/// printed (its `Debug` and non-River serializations show `(secret)`).
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Secret(pub String);

impl Secret {
    /// The hidden text.
    pub fn reveal(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("(secret)")
    }
}

impl<'de> Deserialize<'de> for Secret {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Secret, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Secret;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a secret string")
            }
            fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<Secret, D::Error> {
                String::deserialize(d).map(Secret)
            }
            fn visit_str<E>(self, v: &str) -> Result<Secret, E> {
                Ok(Secret(v.to_string()))
            }
            fn visit_string<E>(self, v: String) -> Result<Secret, E> {
                Ok(Secret(v))
            }
        }
        d.deserialize_newtype_struct(SECRET_TOKEN, V)
    }
}

impl<'de> Deserialize<'de> for super::value::OptionalSecret {
    /// From a string (not secret), a secret (secret) or an optional secret.
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = Value::deserialize(d)?;
        convert::to_optional_secret(&v).map_err(|e| de::Error::custom(e.message))
    }
}

impl<'de> Deserialize<'de> for super::value::Capsule {
    /// From a capsule value (a receiver handle, …); anything else is
    /// `<value> should be capsule, got <type>`.
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match Value::deserialize(d)? {
            Value::Capsule(c) => Ok(c),
            other => Err(de::Error::custom(format!(
                "should be capsule, got {}",
                other.type_name()
            ))),
        }
    }
}

/// Counts of the statements of a body by block name (used by callers that need them).
pub fn block_counts(ast: &Ast, body: &[Stmt]) -> HashMap<String, usize> {
    let mut m = HashMap::new();
    for s in body {
        if let Stmt::Block(b) = s {
            *m.entry(ast.block_name(b)).or_insert(0) += 1;
        }
    }
    m
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    #[derive(Deserialize, Debug, PartialEq)]
    struct Person {
        name: String,
        age: i64,
        #[serde(default)]
        country: String,
    }

    fn obj(entries: Vec<(&str, Value)>) -> Value {
        Value::object(
            entries
                .into_iter()
                .map(|(k, v)| (Key::from(k), v))
                .collect(),
        )
    }

    #[test]
    fn values_convert_on_the_way_in() {
        let v = obj(vec![("name", Value::int(12)), ("age", Value::string("42"))]);
        let p: Person = from_value(&v).unwrap();
        assert_eq!(
            p,
            Person {
                name: "12".into(),
                age: 42,
                country: String::new()
            }
        );
        let u: u8 = from_value(&Value::int(300)).unwrap();
        assert_eq!(u, 44);
        let l: Vec<String> =
            from_value(&Value::array(vec![Value::int(1), Value::float(2.5)])).unwrap();
        assert_eq!(l, ["1", "2.5"]);
        let m: BTreeMap<String, i32> = from_value(&obj(vec![("a", Value::int(1))])).unwrap();
        assert_eq!(m["a"], 1);
        let o: Option<i64> = from_value(&Value::Null).unwrap();
        assert_eq!(o, None);
        let s: Secret = from_value(&Value::string("pw")).unwrap();
        assert_eq!(s.reveal(), "pw");
        let d: super::super::Duration = from_value(&Value::string("1m")).unwrap();
        assert_eq!(d.to_string(), "1m0s");
        let raw: Value = from_value(&Value::secret("x")).unwrap();
        assert!(matches!(raw, Value::Secret(_)));
        let o: super::super::OptionalSecret = from_value(&Value::string("u")).unwrap();
        assert!(!o.is_secret);
        let o: super::super::OptionalSecret = from_value(&Value::secret("u")).unwrap();
        assert!(o.is_secret);
        let c = super::super::Capsule::new("t", 1u8);
        let got: Vec<super::super::Capsule> =
            from_value(&Value::array(vec![Value::Capsule(c.clone())])).unwrap();
        assert!(got[0].equals(&c));
        assert!(from_value::<super::super::Capsule>(&Value::int(1)).is_err());
    }

    #[test]
    fn value_errors_carry_paths() {
        let v = obj(vec![
            ("name", Value::string("x")),
            ("age", Value::int(1)),
            ("extra", Value::int(2)),
        ]);
        let e = from_value::<Person>(&v).unwrap_err();
        assert_eq!(e.message, r#"does not have field named "extra""#);
        let e = from_value::<Vec<bool>>(&Value::array(vec![Value::Bool(true), Value::int(1)]))
            .unwrap_err();
        assert_eq!(e.plain_message(), "[1] should be bool, got number");
        let e = from_value::<String>(&Value::secret("x")).unwrap_err();
        assert_eq!(e.message, convert::SECRET_TO_STRING);
        let e = from_value::<super::super::Duration>(&Value::int(15)).unwrap_err();
        assert_eq!(e.message, r#"time: missing unit in duration "15""#);
    }

    #[derive(Deserialize, Debug)]
    struct Inner {
        #[serde(default)]
        a: i64,
    }
    #[derive(Deserialize, Debug)]
    struct Outer {
        #[serde(default)]
        x: i64,
        #[serde(default)]
        one: Option<Inner>,
        #[serde(default)]
        many: Vec<Inner>,
        #[serde(rename = "three", default)]
        three: Vec<Inner>,
    }
    crate::river_schema!(Inner { attr? a });
    crate::river_schema!(Outer { attr? x, block? one: Inner, blocks many: Inner, block[3] three: Inner });

    fn decode(src: &str) -> Result<Outer, String> {
        let ast = crate::syntax::parse_file("t.river", src.as_bytes()).unwrap();
        decode_body::<Outer>(&ast, ast.file_body(), &Scope::isolated()).map_err(|d| d.to_string())
    }

    #[test]
    fn body_rules() {
        let three = "three {}\nthree {}\nthree {}\n";
        let ok = decode(&format!(
            "x = 1\none {{ a = 2 }}\nmany {{}}\nmany {{ a = 3 }}\n{three}"
        ))
        .unwrap();
        assert_eq!(
            (
                ok.x,
                ok.one.unwrap().a,
                ok.many.len(),
                ok.many[1].a,
                ok.three.len()
            ),
            (1, 2, 2, 3, 3)
        );
        assert_eq!(
            decode(&format!("x = 1\nx = 2\n{three}")).unwrap_err(),
            r#"t.river:2:1: attribute "x" may only be provided once"#
        );
        assert_eq!(
            decode(&format!("one {{}}\none {{}}\n{three}")).unwrap_err(),
            r#"t.river:1:1: block "one" may only be specified once"#
        );
        assert_eq!(
            decode("three {}\n").unwrap_err(),
            r#"t.river:1:1: block "three" must be specified exactly 3 times, but was specified 1 times"#
        );
        assert_eq!(
            decode("").unwrap_err(),
            r#"-: missing required block "three""#
        );
        assert_eq!(
            decode(&format!("one \"l\" {{}}\n{three}")).unwrap_err(),
            r#"t.river:1:1: block "one" does not support specifying labels"#
        );
        assert_eq!(
            decode(&format!("x = \"a\"\n{three}")).unwrap_err(),
            r#"t.river:1:5: "a" should be number, got string"#
        );
        assert_eq!(
            decode(&format!("x = [1, 2][5]\n{three}")).unwrap_err(),
            "t.river:1:12: 5 index 5 is out of range of array with length 2"
        );
        assert_eq!(
            decode(&format!("one {{ a = true }}\n{three}")).unwrap_err(),
            "t.river:1:11: true should be number, got bool"
        );
    }
}
