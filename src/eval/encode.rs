//! Serde serialization into River: Rust values → [`Value`] ([`to_value`], for component
//! exports and debug info), and argument structs → bodies ([`body_of`]) rendered back to
//! River text ([`body_to_river`]) or to the UI's JSON body encoding ([`body_to_json`]).
//!
//! Structs become ordered objects (field order kept), maps become unordered objects,
//! sequences arrays, `None` null. [`Secret`] becomes a secret value;
//! a [`Value`] field is taken over as is (capsules included).

use std::cell::Cell;
use std::fmt;

use serde::ser::{self, Serialize, SerializeMap, SerializeSeq, Serializer};

use super::convert;
use super::decode::{stash_put, stash_take, Secret, SECRET_TOKEN, VALUE_TOKEN};
use super::number::Number;
use super::ops::values_equal;
use super::print::{key_text, write_aligned, write_river};
use super::schema::{FieldKind, Multiplicity, RiverSchema, Schema};
use super::value::{Key, Object, Str, Value};

/// An encoding failure.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EncodeError(pub String);

impl fmt::Display for EncodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for EncodeError {}

impl ser::Error for EncodeError {
    fn custom<T: fmt::Display>(msg: T) -> EncodeError {
        EncodeError(msg.to_string())
    }
}

thread_local! {
    static IN_RIVER: Cell<u32> = const { Cell::new(0) };
}

fn in_river() -> bool {
    IN_RIVER.with(|c| c.get() > 0)
}

struct RiverGuard;

impl RiverGuard {
    fn enter() -> RiverGuard {
        IN_RIVER.with(|c| c.set(c.get() + 1));
        RiverGuard
    }
}

impl Drop for RiverGuard {
    fn drop(&mut self) {
        IN_RIVER.with(|c| c.set(c.get().saturating_sub(1)));
    }
}

/// Serializes `v` into a River value.
pub fn to_value<T: Serialize + ?Sized>(v: &T) -> Result<Value, EncodeError> {
    let _guard = RiverGuard::enter();
    v.serialize(ValueSerializer)
}

/// The serializer behind [`to_value`].
pub struct ValueSerializer;

/// Collects a sequence.
pub struct SeqBuilder(Vec<Value>);

/// Collects a map or struct.
pub struct MapBuilder {
    entries: Vec<(Key, Value)>,
    ordered: bool,
    next_key: Option<Key>,
    variant: Option<&'static str>,
}

impl MapBuilder {
    fn finish(self) -> Value {
        let obj = if self.ordered {
            Object::ordered(self.entries)
        } else {
            Object::unordered(self.entries)
        };
        match self.variant {
            Some(v) => Value::Object(Object::ordered(vec![(Key::from(v), Value::Object(obj))])),
            None => Value::Object(obj),
        }
    }
}

impl Serializer for ValueSerializer {
    type Ok = Value;
    type Error = EncodeError;
    type SerializeSeq = SeqBuilder;
    type SerializeTuple = SeqBuilder;
    type SerializeTupleStruct = SeqBuilder;
    type SerializeTupleVariant = SeqBuilder;
    type SerializeMap = MapBuilder;
    type SerializeStruct = MapBuilder;
    type SerializeStructVariant = MapBuilder;

    fn serialize_bool(self, v: bool) -> Result<Value, EncodeError> {
        Ok(Value::Bool(v))
    }
    fn serialize_i8(self, v: i8) -> Result<Value, EncodeError> {
        Ok(Value::int(v as i64))
    }
    fn serialize_i16(self, v: i16) -> Result<Value, EncodeError> {
        Ok(Value::int(v as i64))
    }
    fn serialize_i32(self, v: i32) -> Result<Value, EncodeError> {
        Ok(Value::int(v as i64))
    }
    fn serialize_i64(self, v: i64) -> Result<Value, EncodeError> {
        Ok(Value::int(v))
    }
    fn serialize_u8(self, v: u8) -> Result<Value, EncodeError> {
        Ok(Value::uint(v as u64))
    }
    fn serialize_u16(self, v: u16) -> Result<Value, EncodeError> {
        Ok(Value::uint(v as u64))
    }
    fn serialize_u32(self, v: u32) -> Result<Value, EncodeError> {
        Ok(Value::uint(v as u64))
    }
    fn serialize_u64(self, v: u64) -> Result<Value, EncodeError> {
        Ok(Value::uint(v))
    }
    fn serialize_f32(self, v: f32) -> Result<Value, EncodeError> {
        Ok(Value::float(v as f64))
    }
    fn serialize_f64(self, v: f64) -> Result<Value, EncodeError> {
        Ok(Value::float(v))
    }
    fn serialize_char(self, v: char) -> Result<Value, EncodeError> {
        Ok(Value::string(v.to_string()))
    }
    fn serialize_str(self, v: &str) -> Result<Value, EncodeError> {
        Ok(Value::string(v))
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<Value, EncodeError> {
        Ok(Value::Bytes(Str::from(v)))
    }
    fn serialize_none(self) -> Result<Value, EncodeError> {
        Ok(Value::Null)
    }
    fn serialize_some<T: Serialize + ?Sized>(self, v: &T) -> Result<Value, EncodeError> {
        v.serialize(self)
    }
    fn serialize_unit(self) -> Result<Value, EncodeError> {
        Ok(Value::Null)
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Result<Value, EncodeError> {
        Ok(Value::Null)
    }
    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _idx: u32,
        variant: &'static str,
    ) -> Result<Value, EncodeError> {
        Ok(Value::string(variant))
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        name: &'static str,
        v: &T,
    ) -> Result<Value, EncodeError> {
        match name {
            VALUE_TOKEN => {
                stash_take().ok_or_else(|| EncodeError("value handed over twice".to_string()))
            }
            SECRET_TOKEN => match v.serialize(self)? {
                Value::String(s) => Ok(Value::Secret(s)),
                other => Ok(other),
            },
            _ => v.serialize(self),
        }
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _idx: u32,
        variant: &'static str,
        v: &T,
    ) -> Result<Value, EncodeError> {
        let inner = v.serialize(ValueSerializer)?;
        Ok(Value::Object(Object::ordered(vec![(
            Key::from(variant),
            inner,
        )])))
    }
    fn serialize_seq(self, len: Option<usize>) -> Result<SeqBuilder, EncodeError> {
        Ok(SeqBuilder(Vec::with_capacity(len.unwrap_or(0).min(4096))))
    }
    fn serialize_tuple(self, len: usize) -> Result<SeqBuilder, EncodeError> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_struct(
        self,
        _name: &'static str,
        len: usize,
    ) -> Result<SeqBuilder, EncodeError> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _idx: u32,
        _variant: &'static str,
        len: usize,
    ) -> Result<SeqBuilder, EncodeError> {
        self.serialize_seq(Some(len))
    }
    fn serialize_map(self, _len: Option<usize>) -> Result<MapBuilder, EncodeError> {
        Ok(MapBuilder {
            entries: Vec::new(),
            ordered: false,
            next_key: None,
            variant: None,
        })
    }
    fn serialize_struct(self, _name: &'static str, _len: usize) -> Result<MapBuilder, EncodeError> {
        Ok(MapBuilder {
            entries: Vec::new(),
            ordered: true,
            next_key: None,
            variant: None,
        })
    }
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _idx: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<MapBuilder, EncodeError> {
        Ok(MapBuilder {
            entries: Vec::new(),
            ordered: true,
            next_key: None,
            variant: Some(variant),
        })
    }
}

impl ser::SerializeSeq for SeqBuilder {
    type Ok = Value;
    type Error = EncodeError;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), EncodeError> {
        self.0.push(v.serialize(ValueSerializer)?);
        Ok(())
    }
    fn end(self) -> Result<Value, EncodeError> {
        Ok(Value::array(self.0))
    }
}

impl ser::SerializeTuple for SeqBuilder {
    type Ok = Value;
    type Error = EncodeError;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), EncodeError> {
        SerializeSeq::serialize_element(self, v)
    }
    fn end(self) -> Result<Value, EncodeError> {
        SerializeSeq::end(self)
    }
}

impl ser::SerializeTupleStruct for SeqBuilder {
    type Ok = Value;
    type Error = EncodeError;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), EncodeError> {
        SerializeSeq::serialize_element(self, v)
    }
    fn end(self) -> Result<Value, EncodeError> {
        SerializeSeq::end(self)
    }
}

impl ser::SerializeTupleVariant for SeqBuilder {
    type Ok = Value;
    type Error = EncodeError;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), EncodeError> {
        SerializeSeq::serialize_element(self, v)
    }
    fn end(self) -> Result<Value, EncodeError> {
        SerializeSeq::end(self)
    }
}

impl ser::SerializeMap for MapBuilder {
    type Ok = Value;
    type Error = EncodeError;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, k: &T) -> Result<(), EncodeError> {
        let kv = k.serialize(ValueSerializer)?;
        let key = match &kv {
            Value::String(s) => s.to_str_lossy().into_owned(),
            Value::Number(n) => n.to_go_string(),
            Value::Bool(b) => b.to_string(),
            _ => return Err(EncodeError("object keys must be strings".to_string())),
        };
        self.next_key = Some(Key::from(key));
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), EncodeError> {
        let k = self
            .next_key
            .take()
            .ok_or_else(|| EncodeError("map value without a key".to_string()))?;
        self.entries.push((k, v.serialize(ValueSerializer)?));
        Ok(())
    }
    fn end(self) -> Result<Value, EncodeError> {
        Ok(self.finish())
    }
}

impl ser::SerializeStruct for MapBuilder {
    type Ok = Value;
    type Error = EncodeError;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        v: &T,
    ) -> Result<(), EncodeError> {
        self.entries
            .push((Key::from(key), v.serialize(ValueSerializer)?));
        Ok(())
    }
    fn end(self) -> Result<Value, EncodeError> {
        Ok(self.finish())
    }
}

impl ser::SerializeStructVariant for MapBuilder {
    type Ok = Value;
    type Error = EncodeError;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        v: &T,
    ) -> Result<(), EncodeError> {
        ser::SerializeStruct::serialize_field(self, key, v)
    }
    fn end(self) -> Result<Value, EncodeError> {
        Ok(self.finish())
    }
}

impl Serialize for Value {
    /// Into River: the value itself. Into other formats: the natural data, with secrets as
    /// `"(secret)"` and capsules and functions as their River text.
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if in_river() {
            stash_put(self.clone());
            return s.serialize_newtype_struct(VALUE_TOKEN, &());
        }
        match self {
            Value::Null => s.serialize_unit(),
            Value::Bool(b) => s.serialize_bool(*b),
            Value::Number(Number::Int(i)) => s.serialize_i64(*i),
            Value::Number(Number::Uint(u)) => s.serialize_u64(*u),
            Value::Number(Number::Float(f)) => s.serialize_f64(*f),
            Value::String(x) => s.serialize_str(&x.to_str_lossy()),
            Value::Bytes(_) | Value::Array(_) => {
                let elems = self.array_elems().unwrap_or_default();
                let mut seq = s.serialize_seq(Some(elems.len()))?;
                for e in elems.iter() {
                    seq.serialize_element(e)?;
                }
                seq.end()
            }
            Value::Object(o) => {
                let mut m = s.serialize_map(Some(o.len()))?;
                for (k, v) in o.display_order() {
                    m.serialize_entry(&**k, v)?;
                }
                m.end()
            }
            Value::Secret(_) => s.serialize_str("(secret)"),
            Value::OptionalSecret(o) if o.is_secret => s.serialize_str("(secret)"),
            Value::OptionalSecret(o) => s.serialize_str(&o.value.to_str_lossy()),
            Value::Function(_) | Value::Capsule(_) => {
                s.serialize_str(&super::print::to_river(self))
            }
        }
    }
}

impl Serialize for Secret {
    /// Into River: a secret value. Anywhere else: `"(secret)"`.
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if in_river() {
            s.serialize_newtype_struct(SECRET_TOKEN, &self.0)
        } else {
            s.serialize_str("(secret)")
        }
    }
}

impl Serialize for super::value::OptionalSecret {
    /// Into River: an optional secret value. Anywhere else: its text, or `"(secret)"`.
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if in_river() {
            Value::OptionalSecret(std::sync::Arc::new(self.clone())).serialize(s)
        } else if self.is_secret {
            s.serialize_str("(secret)")
        } else {
            s.serialize_str(&self.value.to_str_lossy())
        }
    }
}

impl Serialize for super::value::Capsule {
    /// Into River: the capsule itself. Anywhere else: its River text (`capsule("type")`).
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        Value::Capsule(self.clone()).serialize(s)
    }
}

// ---------------------------------------------------------------------------------------
// Bodies.

/// One statement of a rendered body.
#[derive(Clone, Debug)]
pub enum BodyStmt {
    /// `name = value`.
    Attr {
        /// Attribute name.
        name: String,
        /// Its value.
        value: Value,
    },
    /// `name "label" { body }`.
    Block {
        /// Full (dotted) block name.
        name: String,
        /// The label, empty for none.
        label: String,
        /// The statements inside.
        body: Vec<BodyStmt>,
    },
}

/// True for the zero value of its type (what upstream omits for unset optional fields).
fn is_zero(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::Bool(b) => !b,
        Value::Number(n) => n.is_go_zero(),
        Value::String(s) | Value::Bytes(s) | Value::Secret(s) => s.is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty() || (o.is_ordered() && o.iter().all(|(_, v)| is_zero(v))),
        Value::OptionalSecret(o) => o.value.is_empty() && !o.is_secret,
        Value::Function(_) | Value::Capsule(_) => false,
    }
}

/// The body of `v` per its schema: labels become block labels, optional fields holding their
/// zero value are left out.
pub fn body_of<T: Serialize + RiverSchema>(v: &T) -> Result<Vec<BodyStmt>, EncodeError> {
    let value = to_value(v)?;
    body_from_value(&value, T::schema(), None)
}

/// Like [`body_of`], but optional fields equal to their value in `T::default()` are left out
/// too (upstream's rule).
pub fn body_of_with_defaults<T: Serialize + RiverSchema + Default>(
    v: &T,
) -> Result<Vec<BodyStmt>, EncodeError> {
    let value = to_value(v)?;
    let defaults = to_value(&T::default())?;
    body_from_value(&value, T::schema(), Some(&defaults))
}

fn label_of(v: &Value, schema: &Schema) -> String {
    match (schema.label_field(), v) {
        (Some(f), Value::Object(o)) => o
            .get(f.name)
            .and_then(|l| convert::to_text(l).ok())
            .map(|s| s.to_str_lossy().into_owned())
            .unwrap_or_default(),
        _ => String::new(),
    }
}

fn body_from_value(
    v: &Value,
    schema: &Schema,
    defaults: Option<&Value>,
) -> Result<Vec<BodyStmt>, EncodeError> {
    let Value::Object(o) = v else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    match schema {
        Schema::Map => {
            for (k, fv) in o.display_order() {
                out.push(BodyStmt::Attr {
                    name: k.to_string(),
                    value: fv.clone(),
                });
            }
        }
        Schema::Struct(fields) => {
            let default_of = |name: &str| match defaults {
                Some(Value::Object(d)) => d.get(name).cloned(),
                _ => None,
            };
            for f in fields.iter() {
                let fv = o.get(f.name).cloned().unwrap_or(Value::Null);
                if f.optional {
                    let dv = default_of(f.name);
                    let equal_default = dv.as_ref().is_some_and(|d| values_equal(d, &fv));
                    let zero = is_zero(&fv) && dv.as_ref().is_none_or(is_zero);
                    if equal_default || zero {
                        continue;
                    }
                }
                match f.kind {
                    FieldKind::Label => {}
                    FieldKind::Attr => out.push(BodyStmt::Attr {
                        name: f.name.to_string(),
                        value: fv,
                    }),
                    FieldKind::Block {
                        schema,
                        multiplicity,
                    } => {
                        let s = schema();
                        let items: Vec<Value> = match multiplicity {
                            Multiplicity::One => {
                                if fv.is_null() {
                                    Vec::new()
                                } else {
                                    vec![fv]
                                }
                            }
                            _ => fv.array_elems().map(|e| e.into_owned()).unwrap_or_default(),
                        };
                        for item in items {
                            out.push(BodyStmt::Block {
                                name: f.name.to_string(),
                                label: label_of(&item, s),
                                body: body_from_value(&item, s, None)?,
                            });
                        }
                    }
                    FieldKind::Enum { members } => {
                        for item in fv.array_elems().map(|e| e.into_owned()).unwrap_or_default() {
                            let Value::Object(io) = &item else { continue };
                            let Some((variant, inner)) = io.iter().next() else {
                                continue;
                            };
                            let Some(m) = members.iter().find(|m| m.name == &**variant) else {
                                continue;
                            };
                            let s = (m.schema)();
                            out.push(BodyStmt::Block {
                                name: format!("{}.{}", f.name, m.name),
                                label: label_of(inner, s),
                                body: body_from_value(inner, s, None)?,
                            });
                        }
                    }
                }
            }
        }
    }
    Ok(out)
}

/// River text of a body, formatted like `agent fmt` would print it.
pub fn body_to_river(stmts: &[BodyStmt]) -> String {
    let mut out = String::new();
    write_body(stmts, 0, &mut out);
    out
}

fn write_body(stmts: &[BodyStmt], indent: usize, out: &mut String) {
    let mut i = 0;
    while i < stmts.len() {
        match &stmts[i] {
            BodyStmt::Block { name, label, body } => {
                if i > 0 {
                    out.push('\n');
                }
                push_tabs(out, indent);
                out.push_str(name);
                if !label.is_empty() {
                    out.push(' ');
                    out.push_str(&crate::gocompat::strconv::quote(label.as_bytes()));
                }
                if body.is_empty() {
                    out.push_str(" { }\n");
                } else {
                    out.push_str(" {\n");
                    write_body(body, indent + 1, out);
                    push_tabs(out, indent);
                    out.push_str("}\n");
                }
                i += 1;
            }
            BodyStmt::Attr { .. } => {
                // A run of attributes; a multi-line value ends the alignment section.
                let mut rendered = Vec::new();
                while let Some(BodyStmt::Attr { name, value }) = stmts.get(i) {
                    let mut s = String::new();
                    write_river(value, indent, &mut s);
                    rendered.push((name.clone(), s));
                    i += 1;
                }
                write_aligned(&rendered, indent, "", out);
            }
        }
    }
}

fn push_tabs(out: &mut String, n: usize) {
    for _ in 0..n {
        out.push('\t');
    }
}

/// The UI's JSON body encoding: a list of `{"name","type":"attr","value":V}` and
/// `{"name","type":"block","label"?,"body":[…]}`.
pub fn body_to_json(stmts: &[BodyStmt]) -> serde_json::Value {
    serde_json::Value::Array(
        stmts
            .iter()
            .map(|s| match s {
                BodyStmt::Attr { name, value } => serde_json::json!({
                    "name": name,
                    "type": "attr",
                    "value": value_to_ui_json(value),
                }),
                BodyStmt::Block { name, label, body } => {
                    let mut m = serde_json::Map::new();
                    m.insert("name".into(), name.clone().into());
                    m.insert("type".into(), "block".into());
                    if !label.is_empty() {
                        m.insert("label".into(), label.clone().into());
                    }
                    m.insert("body".into(), body_to_json(body));
                    serde_json::Value::Object(m)
                }
            })
            .collect(),
    )
}

/// The UI's JSON encoding of one value: `{"type": "<type>", "value": …}`.
pub fn value_to_ui_json(v: &Value) -> serde_json::Value {
    use serde_json::json;
    match v {
        Value::Null => json!({"type": "null"}),
        Value::Bool(b) => json!({"type": "bool", "value": b}),
        Value::Number(n) => json!({"type": "number", "value": n.as_f64()}),
        Value::String(s) => json!({"type": "string", "value": s.to_str_lossy()}),
        Value::Bytes(_) | Value::Array(_) => json!({
            "type": "array",
            "value": v.array_elems().unwrap_or_default().iter().map(value_to_ui_json).collect::<Vec<_>>(),
        }),
        Value::Object(o) => json!({
            "type": "object",
            "value": o.display_order().into_iter()
                .map(|(k, fv)| json!({"key": &**k, "value": value_to_ui_json(fv)}))
                .collect::<Vec<_>>(),
        }),
        Value::Function(_) => json!({"type": "function", "value": "function"}),
        Value::Secret(_) => json!({"type": "capsule", "value": "(secret)"}),
        Value::OptionalSecret(o) if o.is_secret => json!({"type": "capsule", "value": "(secret)"}),
        Value::OptionalSecret(o) => {
            json!({"type": "capsule", "value": crate::gocompat::strconv::quote(o.value.as_bytes())})
        }
        Value::Capsule(_) => json!({"type": "capsule", "value": super::print::to_river(v)}),
    }
}

/// The River text of an object key as written in a body or object.
pub fn object_key_text(k: &str) -> String {
    key_text(k)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::Duration;
    use serde::Serialize;

    #[derive(Serialize, Default)]
    struct Inner {
        name: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        x: Option<i64>,
    }

    #[derive(Serialize, Default)]
    struct Args {
        targets: Vec<std::collections::BTreeMap<String, String>>,
        interval: Duration,
        enabled: bool,
        password: Secret,
        rule: Vec<Inner>,
        auth: Option<Inner>,
    }

    crate::river_schema!(Inner { label name, attr? x });
    crate::river_schema!(Args {
        attr targets,
        attr? interval,
        attr? enabled,
        attr? password,
        blocks rule: Inner,
        block? auth: Inner,
    });

    #[test]
    fn serializes_into_values() {
        let v = to_value(&Inner {
            name: "a".into(),
            x: Some(1),
        })
        .unwrap();
        let Value::Object(o) = &v else { panic!() };
        assert!(o.is_ordered());
        assert_eq!(
            o.keys().map(|k| k.to_string()).collect::<Vec<_>>(),
            ["name", "x"]
        );
        let s = to_value(&Secret("pw".into())).unwrap();
        assert!(matches!(s, Value::Secret(_)));
        assert_eq!(
            serde_json::to_string(&Secret("pw".into())).unwrap(),
            "\"(secret)\""
        );
        let raw = to_value(&vec![Value::secret("x")]).unwrap();
        assert!(matches!(&raw, Value::Array(a) if matches!(a[0], Value::Secret(_))));
    }

    #[test]
    fn renders_bodies() {
        let mut t = std::collections::BTreeMap::new();
        t.insert("__address__".to_string(), "localhost:9090".to_string());
        let args = Args {
            targets: vec![t],
            interval: Duration::parse("1m").unwrap(),
            enabled: false,
            password: Secret("pw".into()),
            rule: vec![
                Inner {
                    name: "r1".into(),
                    x: Some(2),
                },
                Inner {
                    name: "r2".into(),
                    x: None,
                },
            ],
            auth: None,
        };
        let body = body_of(&args).unwrap();
        let text = body_to_river(&body);
        assert_eq!(
            text,
            "targets = [{\n\t__address__ = \"localhost:9090\",\n}]\ninterval = \"1m0s\"\npassword = (secret)\n\nrule \"r1\" {\n\tx = 2\n}\n\nrule \"r2\" { }\n"
        );
        let json = body_to_json(&body);
        assert_eq!(
            json[2]["value"],
            serde_json::json!({"type": "capsule", "value": "(secret)"})
        );
        assert_eq!(json[3]["label"], "r1");
        assert_eq!(
            json[1]["value"],
            serde_json::json!({"type": "string", "value": "1m0s"})
        );
    }
}
