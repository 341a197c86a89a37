//! River values.
//!
//! A [`Value`] is cheap to clone: every variant that owns heap data holds it behind an
//! [`Arc`]. Strings are **bytes** ([`Str`]), because `"\xff"` is a valid River string that is
//! not UTF-8. Objects keep their entries in insertion order and remember whether that order
//! means anything ([`Object::is_ordered`]): objects built from literals or decoded maps are
//! printed with sorted keys, objects built from host structs keep their field order.

use std::any::Any;
use std::borrow::Cow;
use std::fmt;
use std::sync::{Arc, OnceLock};

use super::convert::Type;
use super::error::FnError;
use super::number::Number;
use super::scope::CallCtx;

/// The eight language types; their names appear in error messages.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum ValueType {
    /// `null`.
    Null,
    /// int, uint or float.
    Number,
    /// A byte string.
    String,
    /// `true` / `false`.
    Bool,
    /// An ordered list of values.
    Array,
    /// A string-keyed map.
    Object,
    /// A callable from the standard library or the host.
    Function,
    /// An opaque host value (secrets included).
    Capsule,
}

impl ValueType {
    /// The name used in messages (`number`, `string`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            ValueType::Null => "null",
            ValueType::Number => "number",
            ValueType::String => "string",
            ValueType::Bool => "bool",
            ValueType::Array => "array",
            ValueType::Object => "object",
            ValueType::Function => "function",
            ValueType::Capsule => "capsule",
        }
    }
}

impl fmt::Display for ValueType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An immutable byte string (River strings may hold invalid UTF-8).
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Str(Arc<[u8]>);

impl Str {
    /// The bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// The text when it is valid UTF-8.
    pub fn as_str(&self) -> Option<&str> {
        std::str::from_utf8(&self.0).ok()
    }

    /// The text, with invalid UTF-8 replaced by U+FFFD.
    pub fn to_str_lossy(&self) -> Cow<'_, str> {
        String::from_utf8_lossy(&self.0)
    }

    /// Length in bytes.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// True for `""`.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Address of the shared bytes; values that were passed along (not rebuilt) share it.
    pub(crate) fn ptr_id(&self) -> usize {
        self.0.as_ptr() as usize
    }
}

impl fmt::Debug for Str {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&crate::gocompat::strconv::quote(&self.0))
    }
}

impl From<&str> for Str {
    fn from(s: &str) -> Str {
        Str(Arc::from(s.as_bytes()))
    }
}

impl From<String> for Str {
    fn from(s: String) -> Str {
        Str(Arc::from(s.into_bytes()))
    }
}

impl From<&[u8]> for Str {
    fn from(s: &[u8]) -> Str {
        Str(Arc::from(s))
    }
}

impl From<Vec<u8>> for Str {
    fn from(s: Vec<u8>) -> Str {
        Str(Arc::from(s))
    }
}

/// An object key.
pub type Key = Arc<str>;

/// Shares object keys within one evaluation: objects built from the same field name hold the
/// same [`Key`] (one allocation, cloned by bumping a reference count) instead of a copy each.
#[derive(Default)]
pub(crate) struct KeyInterner {
    keys: ahash::AHashSet<Key>,
}

impl KeyInterner {
    /// Most distinct names kept; further names are allocated each time, so that an input with
    /// many distinct keys cannot grow the table without bound.
    pub(crate) const MAX_KEYS: usize = 4096;

    /// The key for `name`.
    pub(crate) fn key(&mut self, name: &str) -> Key {
        if let Some(k) = self.keys.get(name) {
            return k.clone();
        }
        let k = Key::from(name);
        if self.keys.len() < Self::MAX_KEYS {
            self.keys.insert(k.clone());
        }
        k
    }
}

/// Entries above this count get a hash index for lookups.
const INDEX_THRESHOLD: usize = 12;

/// A string-keyed map of values with a defined iteration order.
#[derive(Clone)]
pub struct Object(Arc<ObjectData>);

#[derive(Clone)]
struct ObjectData {
    entries: Vec<(Key, Value)>,
    ordered: bool,
    /// Built on the first lookup in a large object. Boxed: most objects are small and never
    /// have one, and an inline map would triple the size of every object.
    index: OnceLock<Box<KeyIndex>>,
}

type KeyIndex = ahash::AHashMap<Key, usize>;

impl Object {
    /// An object whose key order carries no meaning (a literal or a decoded map): printers
    /// sort its keys. A repeated key keeps its first position and its last value.
    pub fn unordered(entries: Vec<(Key, Value)>) -> Object {
        Object::build(entries, false)
    }

    /// An object whose keys keep the given order (a host struct's fields). A repeated key
    /// keeps its first position and its last value.
    pub fn ordered(entries: Vec<(Key, Value)>) -> Object {
        Object::build(entries, true)
    }

    /// An empty unordered object.
    pub fn empty() -> Object {
        Object::unordered(Vec::new())
    }

    fn build(mut entries: Vec<(Key, Value)>, ordered: bool) -> Object {
        dedupe_last_wins(&mut entries);
        Object(Arc::new(ObjectData {
            entries,
            ordered,
            index: OnceLock::new(),
        }))
    }

    /// The value stored under `key`.
    pub fn get(&self, key: &str) -> Option<&Value> {
        let d = &*self.0;
        if d.entries.len() <= INDEX_THRESHOLD {
            return d.entries.iter().find(|(k, _)| &**k == key).map(|(_, v)| v);
        }
        let idx = d.index.get_or_init(|| {
            Box::new(
                d.entries
                    .iter()
                    .enumerate()
                    .map(|(i, (k, _))| (k.clone(), i))
                    .collect(),
            )
        });
        idx.get(key).map(|&i| &d.entries[i].1)
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.0.entries.len()
    }

    /// True when there are no entries.
    pub fn is_empty(&self) -> bool {
        self.0.entries.is_empty()
    }

    /// True when the key order is meaningful (host struct); false for maps.
    pub fn is_ordered(&self) -> bool {
        self.0.ordered
    }

    /// The entries in stored order.
    pub fn iter(&self) -> impl Iterator<Item = (&Key, &Value)> {
        self.0.entries.iter().map(|(k, v)| (k, v))
    }

    /// The entries in the order printers use: stored order for ordered objects, sorted by
    /// key (bytewise) otherwise.
    pub fn display_order(&self) -> Vec<(&Key, &Value)> {
        let mut v: Vec<_> = self.iter().collect();
        if !self.0.ordered {
            v.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
        }
        v
    }

    /// The keys in stored order.
    pub fn keys(&self) -> impl Iterator<Item = &Key> {
        self.0.entries.iter().map(|(k, _)| k)
    }

    /// A copy of the entries.
    pub fn to_entries(&self) -> Vec<(Key, Value)> {
        self.0.entries.clone()
    }

    /// Sets `key` to `value` (replacing an existing entry in place, else appending). O(1)
    /// amortised when this is the only handle to the object's data (the runtime's scope of
    /// component exports relies on this: inserting 10,000 components' exports one by one
    /// would otherwise copy the object each time); copies the data first when it is shared.
    pub fn set(&mut self, key: &str, value: Value) {
        let pos = self.position(key);
        let d = Arc::make_mut(&mut self.0);
        match pos {
            Some(i) => d.entries[i].1 = value,
            None => {
                let k: Key = Key::from(key);
                if let Some(idx) = d.index.get_mut() {
                    idx.insert(k.clone(), d.entries.len());
                }
                d.entries.push((k, value));
            }
        }
    }

    /// The value under `key`, mutably (copying shared data first).
    pub fn get_mut(&mut self, key: &str) -> Option<&mut Value> {
        let pos = self.position(key)?;
        Some(&mut Arc::make_mut(&mut self.0).entries[pos].1)
    }

    fn position(&self, key: &str) -> Option<usize> {
        let d = &*self.0;
        if d.entries.len() <= INDEX_THRESHOLD {
            return d.entries.iter().position(|(k, _)| &**k == key);
        }
        let idx = d.index.get_or_init(|| {
            Box::new(
                d.entries
                    .iter()
                    .enumerate()
                    .map(|(i, (k, _))| (k.clone(), i))
                    .collect(),
            )
        });
        idx.get(key).copied()
    }

    pub(crate) fn ptr_id(&self) -> usize {
        Arc::as_ptr(&self.0) as usize
    }
}

fn dedupe_last_wins(entries: &mut Vec<(Key, Value)>) {
    if entries.len() < 2 {
        return;
    }
    if entries.len() <= INDEX_THRESHOLD {
        let mut i = 1;
        while i < entries.len() {
            if let Some(j) = (0..i).find(|&j| entries[j].0 == entries[i].0) {
                let (_, v) = entries.remove(i);
                entries[j].1 = v;
            } else {
                i += 1;
            }
        }
        return;
    }
    let mut seen: ahash::AHashMap<Key, usize> = ahash::AHashMap::with_capacity(entries.len());
    let mut out: Vec<(Key, Value)> = Vec::with_capacity(entries.len());
    for (k, v) in entries.drain(..) {
        match seen.get(&k) {
            Some(&j) => out[j].1 = v,
            None => {
                seen.insert(k.clone(), out.len());
                out.push((k, v));
            }
        }
    }
    *entries = out;
}

impl fmt::Debug for Object {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

/// How a function's arguments are prepared before the call.
#[derive(Clone, Debug)]
pub enum Signature {
    /// The function receives the argument values unconverted and checks them itself.
    Raw,
    /// Each argument is converted to its parameter type first (§4.9); the function's own
    /// errors are reported on the function expression.
    Typed {
        /// Fixed parameters.
        params: Vec<Type>,
        /// Type of every further argument, for variadic functions.
        variadic: Option<Type>,
    },
}

/// The body of a function.
pub type FnImpl = dyn Fn(&CallCtx<'_>, &[Value]) -> Result<Value, FnError> + Send + Sync;

/// A callable value. Two functions are never equal.
#[derive(Clone)]
pub struct Function(Arc<FunctionDef>);

/// What a [`Function`] is.
pub struct FunctionDef {
    /// Name for debugging.
    pub name: Cow<'static, str>,
    /// How arguments are converted.
    pub signature: Signature,
    /// The implementation.
    pub imp: Box<FnImpl>,
}

impl Function {
    /// A function whose arguments are converted to `params` (and `variadic`) before `imp`
    /// runs.
    pub fn typed(
        name: impl Into<Cow<'static, str>>,
        params: Vec<Type>,
        variadic: Option<Type>,
        imp: impl Fn(&CallCtx<'_>, &[Value]) -> Result<Value, FnError> + Send + Sync + 'static,
    ) -> Function {
        Function(Arc::new(FunctionDef {
            name: name.into(),
            signature: Signature::Typed { params, variadic },
            imp: Box::new(imp),
        }))
    }

    /// A function that receives its argument values as they are.
    pub fn raw(
        name: impl Into<Cow<'static, str>>,
        imp: impl Fn(&CallCtx<'_>, &[Value]) -> Result<Value, FnError> + Send + Sync + 'static,
    ) -> Function {
        Function(Arc::new(FunctionDef {
            name: name.into(),
            signature: Signature::Raw,
            imp: Box::new(imp),
        }))
    }

    /// The definition.
    pub fn def(&self) -> &FunctionDef {
        &self.0
    }

    pub(crate) fn ptr_id(&self) -> usize {
        Arc::as_ptr(&self.0) as usize
    }
}

impl fmt::Debug for Function {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "function({})", self.0.name)
    }
}

/// Deep equality of two capsule payloads of the same Rust type.
pub type CapsuleEq = fn(&(dyn Any + Send + Sync), &(dyn Any + Send + Sync)) -> bool;

/// Conversion of a capsule payload into an object (for `.field` access, `coalesce`, …).
pub type CapsuleToObject = fn(&(dyn Any + Send + Sync)) -> Option<Object>;

/// An opaque host value: a receiver handle, a channel, a map with non-string keys, …
#[derive(Clone)]
pub struct Capsule(Arc<CapsuleInner>);

struct CapsuleInner {
    type_name: Arc<str>,
    value: Arc<dyn Any + Send + Sync>,
    eq: CapsuleEq,
    to_object: Option<CapsuleToObject>,
}

fn eq_by_partial_eq<T: PartialEq + 'static>(
    a: &(dyn Any + Send + Sync),
    b: &(dyn Any + Send + Sync),
) -> bool {
    match (a.downcast_ref::<T>(), b.downcast_ref::<T>()) {
        (Some(a), Some(b)) => a == b,
        _ => false,
    }
}

fn eq_by_identity(_: &(dyn Any + Send + Sync), _: &(dyn Any + Send + Sync)) -> bool {
    false
}

impl Capsule {
    /// Wraps `value`; two capsules are equal when their payloads are of the same type and
    /// compare equal. `type_name` appears in `capsule("…")` renderings.
    pub fn new<T: Any + Send + Sync + PartialEq>(
        type_name: impl Into<Arc<str>>,
        value: T,
    ) -> Capsule {
        Capsule(Arc::new(CapsuleInner {
            type_name: type_name.into(),
            value: Arc::new(value),
            eq: eq_by_partial_eq::<T>,
            to_object: None,
        }))
    }

    /// Wraps a shared handle; two capsules are equal only when they hold the same handle.
    pub fn from_arc<T: Any + Send + Sync>(
        type_name: impl Into<Arc<str>>,
        value: Arc<T>,
    ) -> Capsule {
        Capsule(Arc::new(CapsuleInner {
            type_name: type_name.into(),
            value,
            eq: eq_by_identity,
            to_object: None,
        }))
    }

    /// Makes the capsule convertible to an object (`.field` and `["field"]` access,
    /// `coalesce`, `array.combine_maps`, `array.group_by`).
    pub fn with_object_conversion(self, f: CapsuleToObject) -> Capsule {
        let inner = &*self.0;
        Capsule(Arc::new(CapsuleInner {
            type_name: inner.type_name.clone(),
            value: inner.value.clone(),
            eq: inner.eq,
            to_object: Some(f),
        }))
    }

    /// The host type name.
    pub fn type_name(&self) -> &str {
        &self.0.type_name
    }

    /// The payload, if it is a `T`.
    pub fn downcast_ref<T: Any>(&self) -> Option<&T> {
        self.0.value.downcast_ref::<T>()
    }

    /// The shared payload, if it is a `T`.
    pub fn downcast_arc<T: Any + Send + Sync>(&self) -> Option<Arc<T>> {
        self.0.value.clone().downcast::<T>().ok()
    }

    /// The object form, for capsules that have one.
    pub fn to_object(&self) -> Option<Object> {
        self.0.to_object.and_then(|f| f(&*self.0.value))
    }

    /// Deep equality (same payload type and equal, or the same handle).
    pub fn equals(&self, other: &Capsule) -> bool {
        let (a, b) = (&self.0.value, &other.0.value);
        if Arc::ptr_eq(a, b) {
            return true;
        }
        (**a).type_id() == (**b).type_id() && (self.0.eq)(&**a, &**b)
    }

    pub(crate) fn ptr_id(&self) -> usize {
        Arc::as_ptr(&self.0) as usize
    }
}

impl fmt::Debug for Capsule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "capsule({:?})", self.0.type_name)
    }
}

/// A value that may or may not be sensitive (`optional secret`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OptionalSecret {
    /// The text.
    pub value: Str,
    /// True when the text must be hidden.
    pub is_secret: bool,
}

/// A River value.
#[derive(Clone, Debug, Default)]
pub enum Value {
    /// `null`.
    #[default]
    Null,
    /// A bool.
    Bool(bool),
    /// A number.
    Number(Number),
    /// A byte string.
    String(Str),
    /// A byte slice from the host (e.g. `encoding.from_base64`): behaves as an array of
    /// numbers, converts to a string on assignment.
    Bytes(Str),
    /// An array.
    Array(Arc<[Value]>),
    /// An object.
    Object(Object),
    /// A function.
    Function(Function),
    /// An opaque host value.
    Capsule(Capsule),
    /// A sensitive string (a capsule).
    Secret(Str),
    /// A possibly sensitive string (a capsule).
    OptionalSecret(Arc<OptionalSecret>),
}

impl Value {
    /// A string value.
    pub fn string(s: impl Into<Str>) -> Value {
        Value::String(s.into())
    }

    /// An int value.
    pub fn int(i: i64) -> Value {
        Value::Number(Number::Int(i))
    }

    /// A uint value.
    pub fn uint(u: u64) -> Value {
        Value::Number(Number::Uint(u))
    }

    /// A float value.
    pub fn float(f: f64) -> Value {
        Value::Number(Number::Float(f))
    }

    /// An array value.
    pub fn array(v: Vec<Value>) -> Value {
        Value::Array(Arc::from(v))
    }

    /// An unordered object (a map).
    pub fn object(entries: Vec<(Key, Value)>) -> Value {
        Value::Object(Object::unordered(entries))
    }

    /// A secret.
    pub fn secret(s: impl Into<Str>) -> Value {
        Value::Secret(s.into())
    }

    /// An optional secret.
    pub fn optional_secret(s: impl Into<Str>, is_secret: bool) -> Value {
        Value::OptionalSecret(Arc::new(OptionalSecret {
            value: s.into(),
            is_secret,
        }))
    }

    /// The language type.
    pub fn value_type(&self) -> ValueType {
        match self {
            Value::Null => ValueType::Null,
            Value::Bool(_) => ValueType::Bool,
            Value::Number(_) => ValueType::Number,
            Value::String(_) => ValueType::String,
            Value::Bytes(_) | Value::Array(_) => ValueType::Array,
            Value::Object(_) => ValueType::Object,
            Value::Function(_) => ValueType::Function,
            Value::Capsule(_) | Value::Secret(_) | Value::OptionalSecret(_) => ValueType::Capsule,
        }
    }

    /// The type name used in messages.
    pub fn type_name(&self) -> &'static str {
        self.value_type().as_str()
    }

    /// True for `null`.
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// Number of elements of an array (or bytes) or entries of an object.
    #[allow(clippy::len_without_is_empty)]
    pub fn len(&self) -> Option<usize> {
        match self {
            Value::Array(a) => Some(a.len()),
            Value::Bytes(b) => Some(b.len()),
            Value::Object(o) => Some(o.len()),
            _ => None,
        }
    }

    /// Element `i` of an array (bytes give uint numbers).
    pub fn index(&self, i: usize) -> Option<Value> {
        match self {
            Value::Array(a) => a.get(i).cloned(),
            Value::Bytes(b) => b.as_bytes().get(i).map(|&x| Value::uint(x as u64)),
            _ => None,
        }
    }

    /// The elements of an array (bytes become uint numbers).
    pub fn array_elems(&self) -> Option<Cow<'_, [Value]>> {
        match self {
            Value::Array(a) => Some(Cow::Borrowed(&a[..])),
            Value::Bytes(b) => Some(Cow::Owned(
                b.as_bytes()
                    .iter()
                    .map(|&x| Value::uint(x as u64))
                    .collect(),
            )),
            _ => None,
        }
    }

    /// The object, or the object form of a convertible capsule.
    pub fn as_object_like(&self) -> Option<Cow<'_, Object>> {
        match self {
            Value::Object(o) => Some(Cow::Borrowed(o)),
            Value::Capsule(c) => c.to_object().map(Cow::Owned),
            _ => None,
        }
    }

    /// The text of a string value.
    pub fn as_str_value(&self) -> Option<&Str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Value {
        Value::Bool(b)
    }
}

impl From<i64> for Value {
    fn from(i: i64) -> Value {
        Value::int(i)
    }
}

impl From<u64> for Value {
    fn from(u: u64) -> Value {
        Value::uint(u)
    }
}

impl From<f64> for Value {
    fn from(f: f64) -> Value {
        Value::float(f)
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Value {
        Value::string(s)
    }
}

impl From<String> for Value {
    fn from(s: String) -> Value {
        Value::string(s)
    }
}

impl From<Vec<Value>> for Value {
    fn from(v: Vec<Value>) -> Value {
        Value::array(v)
    }
}

impl From<Number> for Value {
    fn from(n: Number) -> Value {
        Value::Number(n)
    }
}

/// Sameness for change detection (arguments and exports), **not** the language's `==`:
/// structural like `==`, but a function equals itself (by identity) and numbers compare by
/// kind and value, so that an unchanged configuration always compares equal to itself.
impl PartialEq for Value {
    fn eq(&self, other: &Value) -> bool {
        match (self, other) {
            (Value::Function(a), Value::Function(b)) => a.ptr_id() == b.ptr_id(),
            (Value::Number(a), Value::Number(b)) => {
                a.kind() == b.kind()
                    && match a.kind() {
                        super::number::NumberKind::Float => {
                            a.as_f64().to_bits() == b.as_f64().to_bits()
                        }
                        _ => super::ops::values_equal(self, other),
                    }
            }
            (Value::Array(a), Value::Array(b)) => {
                Arc::ptr_eq(a, b)
                    || (a.len() == b.len() && a.iter().zip(b.iter()).all(|(x, y)| x == y))
            }
            (Value::Object(a), Value::Object(b)) => {
                a.ptr_id() == b.ptr_id()
                    || (a.len() == b.len()
                        && a.iter().all(|(k, v)| b.get(k).is_some_and(|w| v == w)))
            }
            _ => super::ops::values_equal(self, other),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_send_sync<T: Send + Sync>() {}

    #[test]
    fn values_cross_threads() {
        assert_send_sync::<Value>();
        assert_send_sync::<Object>();
        assert_send_sync::<Capsule>();
    }

    #[test]
    fn value_is_small() {
        assert!(
            std::mem::size_of::<Value>() <= 24,
            "{}",
            std::mem::size_of::<Value>()
        );
    }

    #[test]
    fn objects_are_small() {
        // Every object pays for its data's header; the lookup index lives out of line.
        assert!(
            std::mem::size_of::<ObjectData>() <= 48,
            "{}",
            std::mem::size_of::<ObjectData>()
        );
    }

    #[test]
    fn objects_keep_first_position_last_value() {
        let o = Object::unordered(vec![
            ("b".into(), Value::int(1)),
            ("a".into(), Value::int(2)),
            ("b".into(), Value::int(3)),
        ]);
        assert_eq!(o.len(), 2);
        assert!(matches!(o.get("b"), Some(Value::Number(Number::Int(3)))));
        let keys: Vec<_> = o
            .display_order()
            .into_iter()
            .map(|(k, _)| k.to_string())
            .collect();
        assert_eq!(keys, ["a", "b"]);
        let big: Vec<(Key, Value)> = (0..40)
            .map(|i| (Key::from(format!("k{}", i % 30)), Value::int(i)))
            .collect();
        let o = Object::ordered(big);
        assert_eq!(o.len(), 30);
        assert!(matches!(o.get("k5"), Some(Value::Number(Number::Int(35)))));
        assert!(o.get("zz").is_none());
    }

    #[test]
    fn interned_keys_share_one_allocation() {
        let mut keys = KeyInterner::default();
        let a = keys.key("name");
        let b = keys.key("name");
        assert!(Arc::ptr_eq(&a, &b));
        assert_eq!(&*keys.key("other"), "other");
        for i in 0..KeyInterner::MAX_KEYS + 10 {
            keys.key(&format!("k{i}"));
        }
        assert_eq!(keys.keys.len(), KeyInterner::MAX_KEYS);
        let late = format!("k{}", KeyInterner::MAX_KEYS + 5);
        assert!(!Arc::ptr_eq(&keys.key(&late), &keys.key(&late)));
        assert!(Arc::ptr_eq(&keys.key("name"), &a));
    }

    #[test]
    fn capsule_equality() {
        let a = Capsule::new("t", 5u32);
        let b = Capsule::new("t", 5u32);
        let c = Capsule::new("t", 6u32);
        assert!(a.equals(&b));
        assert!(!a.equals(&c));
        let h = Arc::new(7u8);
        let x = Capsule::from_arc("h", h.clone());
        let y = Capsule::from_arc("h", h);
        let z = Capsule::from_arc("h", Arc::new(7u8));
        assert!(x.equals(&y));
        assert!(!x.equals(&z));
        assert_eq!(x.downcast_ref::<u8>(), Some(&7));
    }
}
