//! Value errors and how they become positioned diagnostics.
//!
//! Upstream reports a type error by quoting the *expression* that produced the offending
//! value, re-printed as formatted source, followed by the path from that expression down to
//! the value (`key_value.object.field1[2] should be number, got string`). It finds that
//! expression by remembering, for every value the evaluator produced, the last expression
//! that produced it (by identity). A [`ValueError`] therefore carries *layers*: the chain of
//! values from the outermost one the failing operation saw down to the offending one, each
//! with the path step that leads inwards. Resolution replays upstream's lookup over a
//! record filled by re-evaluating the expression (errors are rare; the normal
//! evaluation path records nothing).

use std::collections::HashMap;

use crate::syntax::ast::{Ast, Expr, ExprId};
use crate::syntax::diag::Diagnostic;
use crate::syntax::pos::Position;

use super::value::{Key, Value};

/// One step from a container value to one of its parts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PathStep {
    /// An object field.
    Field(Key),
    /// An array element.
    Elem(usize),
}

impl PathStep {
    fn push_text(&self, out: &mut String) {
        match self {
            PathStep::Field(k) => {
                out.push('.');
                out.push_str(k);
            }
            PathStep::Elem(i) => {
                out.push('[');
                out.push_str(&i.to_string());
                out.push(']');
            }
        }
    }
}

/// One layer of a [`ValueError`].
#[derive(Clone, Debug)]
pub struct Layer {
    /// The value this layer is about.
    pub value: Value,
    /// Steps from the previous (outer) layer's value down to this one that are not shown
    /// in the message (e.g. a struct field whose name is unknown).
    pub hidden: Vec<PathStep>,
    /// The step from this value to the next layer's value, shown in the message.
    pub step: Option<PathStep>,
}

/// Where the outermost layer's value came from, when the operation knows.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Anchor {
    /// The value of this expression.
    Expr(ExprId),
    /// The value of the function argument with this index (set by functions).
    Arg(usize),
}

/// A type or value error, before it is positioned.
#[derive(Clone, Debug)]
pub struct ValueError {
    /// Layers, innermost first.
    pub layers: Vec<Layer>,
    /// The message after the quoted expression, e.g. `should be number, got string`.
    pub message: String,
    /// Where the outermost value came from.
    pub anchor: Option<Anchor>,
}

impl ValueError {
    /// `<value> <message>`.
    pub fn new(value: Value, message: impl Into<String>) -> ValueError {
        ValueError {
            layers: vec![Layer {
                value,
                hidden: Vec::new(),
                step: None,
            }],
            message: message.into(),
            anchor: None,
        }
    }

    /// `<value> should be <expected>, got <actual type>`.
    pub fn type_error(value: Value, expected: &str) -> ValueError {
        let message = format!("should be {expected}, got {}", value.type_name());
        ValueError::new(value, message)
    }

    /// `<field value> does not have field named "<key>"` (an unknown key of a struct).
    pub fn missing_key(container_step: Key, field_value: Value) -> ValueError {
        let message = format!(
            "does not have field named {}",
            crate::gocompat::strconv::quote(container_step.as_bytes())
        );
        let mut e = ValueError::new(field_value, message);
        e.layers[0].hidden.push(PathStep::Field(container_step));
        e
    }

    /// Wraps the error as happening inside element `index` of `array`.
    pub fn in_elem(mut self, array: Value, index: usize) -> ValueError {
        self.layers.push(Layer {
            value: array,
            hidden: Vec::new(),
            step: Some(PathStep::Elem(index)),
        });
        self
    }

    /// Wraps the error as happening inside field `key` of `object`.
    pub fn in_field(mut self, object: Value, key: Key) -> ValueError {
        self.layers.push(Layer {
            value: object,
            hidden: Vec::new(),
            step: Some(PathStep::Field(key)),
        });
        self
    }

    /// Wraps the error with a layer about `value` that adds no path (upstream's `Error` and
    /// `ArgError` wrappers).
    pub fn on(mut self, value: Value) -> ValueError {
        self.layers.push(Layer {
            value,
            hidden: Vec::new(),
            step: None,
        });
        self
    }

    /// Records where the outermost value came from, unless already known.
    pub fn anchored(mut self, anchor: Anchor) -> ValueError {
        if self.anchor.is_none() {
            self.anchor = Some(anchor);
        }
        self
    }

    /// Marks the outermost layer as reached from the anchor through `steps`.
    pub fn with_hidden_outer(mut self, steps: Vec<PathStep>) -> ValueError {
        if let Some(l) = self.layers.last_mut() {
            let mut s = steps;
            s.append(&mut l.hidden);
            l.hidden = s;
        }
        self
    }

    /// The offending (innermost) value.
    pub fn cause(&self) -> &Value {
        &self.layers[0].value
    }

    /// The message as it would read without any expression (for contexts with no source).
    pub fn plain_message(&self) -> String {
        let mut text = String::new();
        for l in self.layers.iter().rev() {
            if let Some(s) = &l.step {
                s.push_text(&mut text);
            }
        }
        if text.is_empty() {
            self.message.clone()
        } else {
            format!("{text} {}", self.message)
        }
    }
}

impl std::fmt::Display for ValueError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.plain_message())
    }
}

impl std::error::Error for ValueError {}

/// What a function body returns on failure.
#[derive(Clone, Debug)]
pub enum FnError {
    /// An error message. For typed functions it is reported on the function expression
    /// (`json_decode <message>`); for raw functions it is reported as is, with no position.
    Message(String),
    /// A value error (an argument of the wrong type, …).
    Value(ValueError),
}

impl From<ValueError> for FnError {
    fn from(e: ValueError) -> FnError {
        FnError::Value(e)
    }
}

/// An error while evaluating, before it is turned into a [`Diagnostic`].
#[derive(Clone, Debug)]
pub(crate) enum EvalError {
    /// Already positioned.
    Diag(Box<Diagnostic>),
    /// To be positioned by [`resolve`].
    Value(Box<ValueError>),
    /// A bare message with no position.
    Plain(String),
}

impl EvalError {
    /// A value error (boxed: evaluation results stay small, which keeps deep recursion cheap).
    pub(crate) fn value(e: ValueError) -> EvalError {
        EvalError::Value(Box::new(e))
    }

    /// A positioned error.
    pub(crate) fn diag(d: Diagnostic) -> EvalError {
        EvalError::Diag(Box::new(d))
    }
}

/// Identity of a value as upstream's association map sees it: small integers, bools, `""`
/// and `+0.0` are shared by every occurrence (Go interns them when boxing), other values are
/// distinct per creation and keep their identity when passed along unchanged.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) enum IdKey {
    Bool(bool),
    Int(i64),
    Uint(u64),
    Float(u64),
    EmptyString,
    Ptr(u8, usize),
}

/// Whether a value's identity is shared by all equal values (see [`IdKey`]).
fn interned(v: &Value) -> bool {
    use super::number::Number;
    match v {
        Value::Bool(_) => true,
        Value::Number(Number::Int(i)) => (0..256).contains(i),
        Value::Number(Number::Uint(u)) => *u < 256,
        Value::Number(Number::Float(f)) => f.to_bits() < 256,
        Value::String(s) => s.is_empty(),
        _ => false,
    }
}

pub(crate) fn id_key(v: &Value) -> Option<IdKey> {
    use super::number::Number;
    Some(match v {
        Value::Null => return None,
        Value::Bool(b) => IdKey::Bool(*b),
        Value::Number(Number::Int(i)) => IdKey::Int(*i),
        Value::Number(Number::Uint(u)) => IdKey::Uint(*u),
        Value::Number(Number::Float(f)) => IdKey::Float(f.to_bits()),
        Value::String(s) if s.is_empty() => IdKey::EmptyString,
        Value::String(s) => IdKey::Ptr(0, s.ptr_id()),
        Value::Bytes(s) => IdKey::Ptr(1, s.ptr_id()),
        Value::Array(a) => IdKey::Ptr(2, std::sync::Arc::as_ptr(a).cast::<Value>() as usize),
        Value::Object(o) => IdKey::Ptr(3, o.ptr_id()),
        Value::Function(f) => IdKey::Ptr(4, f.ptr_id()),
        Value::Capsule(c) => IdKey::Ptr(5, c.ptr_id()),
        Value::Secret(s) => IdKey::Ptr(6, s.ptr_id()),
        Value::OptionalSecret(o) => IdKey::Ptr(7, std::sync::Arc::as_ptr(o) as usize),
    })
}

/// The last expression that produced each value identity, in evaluation order. The values
/// are kept alive so that no later allocation can reuse their addresses.
#[derive(Default, Debug)]
pub(crate) struct Recorder {
    last: HashMap<IdKey, ExprId>,
    keep: Vec<Value>,
}

impl Recorder {
    pub(crate) fn record(&mut self, v: &Value, e: ExprId) {
        if let Some(k) = id_key(v) {
            self.last.insert(k, e);
            if matches!(k, IdKey::Ptr(..)) {
                self.keep.push(v.clone());
            }
        }
    }

    fn lookup(&self, v: &Value, candidate: Option<ExprId>) -> Option<ExprId> {
        let k = id_key(v)?;
        if matches!(v, Value::Number(_)) && !interned(v) {
            // A number that Go would box afresh: only the expression that produced it
            // (found structurally) has its identity.
            return candidate.or_else(|| self.last.get(&k).copied());
        }
        self.last.get(&k).copied()
    }
}

/// The expression whose value is `step` applied to the value of `e`, when `e` is a literal.
fn descend(ast: &Ast, mut e: ExprId, step: &PathStep) -> Option<ExprId> {
    loop {
        match (ast.expr(e), step) {
            (Expr::Paren { inner, .. }, _) => e = *inner,
            (Expr::Array { elems, .. }, PathStep::Elem(i)) => {
                return ast.list(*elems).get(*i).copied();
            }
            (Expr::Object { fields, .. }, PathStep::Field(k)) => {
                return ast
                    .field_list(*fields)
                    .iter()
                    .rev()
                    .find(|f| ast.field_key(f) == &**k)
                    .map(|f| f.value);
            }
            _ => return None,
        }
    }
}

/// Positions a value error the way upstream does (see the module documentation).
pub(crate) fn resolve(
    err: &ValueError,
    anchor: Option<ExprId>,
    ast: &Ast,
    rec: &Recorder,
) -> Diagnostic {
    let mut node: Option<ExprId> = None;
    let mut text = String::new();
    let mut literal = false;
    let mut candidate = anchor;
    let mut prev_step: Option<&PathStep> = None;
    for layer in err.layers.iter().rev() {
        if let Some(step) = prev_step {
            candidate = candidate.and_then(|c| descend(ast, c, step));
        }
        for step in &layer.hidden {
            candidate = candidate.and_then(|c| descend(ast, c, step));
        }
        if let Some(step) = &layer.step {
            step.push_text(&mut text);
        }
        match rec.lookup(&layer.value, candidate) {
            Some(found) => {
                if literal {
                    text.clear();
                }
                node = Some(found);
                literal = true;
            }
            None => literal = false,
        }
        prev_step = layer.step.as_ref();
    }
    let cause = err.cause();
    let message = match node {
        Some(n) => format!(
            "{}{} {}",
            crate::fmt::format_expr(ast, n),
            text,
            err.message
        ),
        None => format!("{} {}", text, err.message),
    };
    let mut d = match node {
        Some(n) => Diagnostic::error_range(
            ast.position(ast.expr_start(n)),
            ast.position(ast.expr_last(n)),
            message,
        ),
        None => Diagnostic::error(Position::none("".into()), message),
    };
    if !cause.is_null() && !literal {
        d.value = Some(super::print::to_river(cause));
    }
    d
}

/// A diagnostic with no position (not even a file), for errors upstream returns as plain
/// text.
pub(crate) fn plain_diag(_ast: &Ast, message: String) -> Diagnostic {
    Diagnostic::error(Position::none("".into()), message)
}
