//! The evaluator: an expression of an [`Ast`] plus a [`Scope`] → a [`Value`] (§5).
//!
//! Evaluation is strict, left to right; the first error aborts. Errors about values are
//! positioned the way upstream does it (see [`super::error`]): when one happens, the
//! expression is evaluated a second time with a recorder that notes which expression
//! produced each value, and the error is resolved against that record. The normal path pays
//! nothing for this.
//!
//! Recursion follows the tree, whose depth the parser bounds ([`crate::syntax::parser::MAX_DEPTH`]).

use crate::gocompat::strconv::quote as go_quote;
use crate::syntax::ast::{Ast, BinaryOp, Expr, ExprId, ListRange, Root, UnaryOp};
use crate::syntax::diag::{Diagnostic, Diagnostics};
use crate::syntax::pos::Span;

use super::convert::{convert, Type};
use super::error::{plain_diag, resolve, Anchor, EvalError, FnError, Recorder, ValueError};
use super::literal::literal_value;
use super::ops;
use super::scope::{CallCtx, Scope};
use super::value::{Function, KeyInterner, Object, Signature, Value};

/// Evaluates expression `id` of `ast`.
pub fn eval_expr(ast: &Ast, id: ExprId, scope: &Scope) -> Result<Value, Diagnostic> {
    eval_expr_with(ast, id, scope, |v| Ok(v.clone()))
}

/// Evaluates expression `id` and converts the result with `f`; a conversion error is
/// positioned on the sub-expression that produced the offending value. `f` may run twice
/// (see [`super::error`]), so it must be deterministic.
pub fn eval_expr_with<T>(
    ast: &Ast,
    id: ExprId,
    scope: &Scope,
    f: impl Fn(&Value) -> Result<T, ValueError>,
) -> Result<T, Diagnostic> {
    let mut vm = Vm::new(ast, scope, false);
    let first = vm.eval(id).and_then(|v| f(&v).map_err(EvalError::value));
    match first {
        Ok(t) => Ok(t),
        Err(EvalError::Value(first_err)) => {
            // Replay with the recorder, which must see the very values the error is about.
            let (r, rec) = eval_recorded(ast, id, scope);
            let err = match r.and_then(|v| f(&v).map_err(EvalError::value)) {
                Ok(t) => return Ok(t),
                Err(e) => e,
            };
            Err(match err {
                EvalError::Value(ve) => resolve_with(ast, id, &rec, *ve),
                other => simple_error(ast, other)
                    .unwrap_or_else(|| plain_diag(ast, first_err.plain_message())),
            })
        }
        Err(other) => {
            Err(simple_error(ast, other).unwrap_or_else(|| plain_diag(ast, String::new())))
        }
    }
}

/// Evaluates expression `id` and converts the result to `ty` (§4.9).
pub fn eval_expr_as(ast: &Ast, id: ExprId, scope: &Scope, ty: &Type) -> Result<Value, Diagnostic> {
    eval_expr_with(ast, id, scope, |v| convert(v, ty))
}

/// Parses `src` as one expression and evaluates it: what `agent eval` does (see
/// [`super::source`]).
pub fn eval_expression(src: &[u8], scope: &Scope) -> Result<Value, Diagnostics> {
    if let Ok(text) = std::str::from_utf8(src) {
        return super::source::eval_source(&std::sync::Arc::from(text), scope);
    }
    // Invalid UTF-8: the parser reports where.
    eval_root(&crate::syntax::parse_expression(src)?, scope)
}

/// Evaluates the root of a tree parsed from one expression.
pub(crate) fn eval_root(ast: &Ast, scope: &Scope) -> Result<Value, Diagnostics> {
    let Root::Expr(e) = ast.root else {
        return Err(Diagnostics::from(plain_diag(
            ast,
            "not an expression".to_string(),
        )));
    };
    eval_expr(ast, e, scope).map_err(Diagnostics::from)
}

/// Errors that need no resolution.
fn simple_error(ast: &Ast, e: EvalError) -> Option<Diagnostic> {
    match e {
        EvalError::Diag(d) => Some(*d),
        EvalError::Plain(m) => Some(plain_diag(ast, m)),
        EvalError::Value(_) => None,
    }
}

/// Evaluates with the recorder on.
pub(crate) fn eval_recorded(
    ast: &Ast,
    id: ExprId,
    scope: &Scope,
) -> (Result<Value, EvalError>, Recorder) {
    let mut vm = Vm::new(ast, scope, true);
    let r = vm.eval(id);
    (r, vm.rec.take().unwrap_or_default())
}

/// Positions a value error that arose while evaluating (or converting the value of) the
/// expression `root`, using the record of that same evaluation.
pub(crate) fn resolve_with(ast: &Ast, root: ExprId, rec: &Recorder, ve: ValueError) -> Diagnostic {
    let anchor = match ve.anchor {
        Some(Anchor::Expr(e)) => Some(e),
        Some(Anchor::Arg(_)) => None,
        None => Some(root),
    };
    resolve(&ve, anchor, ast, rec)
}

/// Turns an evaluation error that needs no value resolution into a diagnostic; value errors
/// are positioned without identity information.
pub(crate) fn eval_error_diag(ast: &Ast, root: ExprId, e: EvalError) -> Diagnostic {
    match e {
        EvalError::Value(ve) => resolve_with(ast, root, &Recorder::default(), *ve),
        other => simple_error(ast, other).unwrap_or_else(|| plain_diag(ast, String::new())),
    }
}

pub(crate) struct Vm<'a> {
    ast: &'a Ast,
    scope: &'a Scope,
    rec: Option<Recorder>,
    /// Object keys built so far, shared by every object with the same field name.
    pub(crate) keys: KeyInterner,
}

impl<'a> Vm<'a> {
    pub(crate) fn new(ast: &'a Ast, scope: &'a Scope, record: bool) -> Vm<'a> {
        Vm {
            ast,
            scope,
            rec: record.then(Recorder::default),
            keys: KeyInterner::default(),
        }
    }

    pub(crate) fn eval(&mut self, id: ExprId) -> Result<Value, EvalError> {
        let v = self.eval_node(id)?;
        if let Some(rec) = &mut self.rec {
            rec.record(&v, id);
        }
        Ok(v)
    }

    /// Every arm is a separate, non-inlined function so that the frames recursion goes
    /// through at every level stay small.
    #[inline(never)]
    fn eval_node(&mut self, id: ExprId) -> Result<Value, EvalError> {
        match *self.ast.expr(id) {
            Expr::Paren { inner, .. } => self.eval(inner),
            Expr::Literal { kind, span } => self.eval_literal(kind, span),
            Expr::Ident(span) => self.eval_ident(span),
            Expr::Unary { op, value, .. } => self.eval_unary(op, value),
            Expr::Binary { op, lhs, rhs, .. } => self.eval_binary(op, lhs, rhs),
            Expr::Array { elems, .. } => self.eval_array(elems),
            Expr::Object { fields, .. } => self.eval_object(fields),
            Expr::Access { value, name } => self.eval_access(value, name),
            Expr::Index { value, index, .. } => self.eval_index(value, index),
            Expr::Call { func, args, .. } => self.eval_call(func, self.ast.list(args)),
        }
    }

    fn range_diag(&self, start: u32, last: u32, msg: String) -> EvalError {
        EvalError::diag(Diagnostic::error_range(
            self.ast.position(start),
            self.ast.position(last),
            msg,
        ))
    }

    #[inline(never)]
    fn eval_literal(
        &mut self,
        kind: crate::syntax::ast::LitKind,
        span: Span,
    ) -> Result<Value, EvalError> {
        literal_value(kind, self.ast.text(span)).map_err(|e| EvalError::Plain(e.0))
    }

    #[inline(never)]
    fn eval_ident(&mut self, span: Span) -> Result<Value, EvalError> {
        let name = self.ast.text(span);
        self.scope.lookup(name).ok_or_else(|| {
            self.range_diag(
                span.start,
                span.last(),
                format!("identifier {} does not exist", go_quote(name.as_bytes())),
            )
        })
    }

    #[inline(never)]
    fn eval_unary(&mut self, op: UnaryOp, value: ExprId) -> Result<Value, EvalError> {
        let v = self.eval(value)?;
        ops::unary(op, &v).map_err(|e| EvalError::value(e.anchored(Anchor::Expr(value))))
    }

    #[inline(never)]
    fn eval_binary(&mut self, op: BinaryOp, lhs: ExprId, rhs: ExprId) -> Result<Value, EvalError> {
        let l = self.eval(lhs)?;
        let r = self.eval(rhs)?;
        ops::binary(op, &l, &r).map_err(|e| {
            let at = match e.side {
                ops::Side::Lhs => lhs,
                ops::Side::Rhs => rhs,
            };
            EvalError::value(e.error.anchored(Anchor::Expr(at)))
        })
    }

    #[inline(never)]
    fn eval_array(&mut self, elems: ListRange) -> Result<Value, EvalError> {
        let ids = self.ast.list(elems);
        let mut out = Vec::with_capacity(ids.len());
        for &e in ids {
            out.push(self.eval(e)?);
        }
        Ok(Value::array(out))
    }

    #[inline(never)]
    fn eval_object(&mut self, fields: ListRange) -> Result<Value, EvalError> {
        let ast = self.ast;
        let fs = ast.field_list(fields);
        let mut out = Vec::with_capacity(fs.len());
        for f in fs {
            let v = self.eval(f.value)?;
            out.push((self.keys.key(ast.field_key(f)), v));
        }
        Ok(Value::Object(Object::unordered(out)))
    }

    #[inline(never)]
    fn eval_access(&mut self, value: ExprId, name: Span) -> Result<Value, EvalError> {
        let v = self.eval(value)?;
        let field = self.ast.text(name);
        let missing = |vm: &Self| {
            vm.range_diag(
                name.start,
                name.last(),
                format!("field {} does not exist", go_quote(field.as_bytes())),
            )
        };
        match &v {
            Value::Object(o) => o.get(field).cloned().ok_or_else(|| missing(self)),
            Value::Capsule(c) => match c.to_object() {
                Some(o) => o.get(field).cloned().ok_or_else(|| missing(self)),
                None => Err(capsule_not_object(v.clone(), value)),
            },
            Value::Secret(_) | Value::OptionalSecret(_) => {
                Err(capsule_not_object(v.clone(), value))
            }
            _ => {
                let msg = format!(
                    "cannot access field {} on value of type {}",
                    go_quote(field.as_bytes()),
                    v.type_name()
                );
                Err(EvalError::value(
                    ValueError::new(v, msg).anchored(Anchor::Expr(value)),
                ))
            }
        }
    }

    #[inline(never)]
    fn eval_index(&mut self, value: ExprId, index: ExprId) -> Result<Value, EvalError> {
        let v = self.eval(value)?;
        let idx = self.eval(index)?;
        match &v {
            Value::Array(_) | Value::Bytes(_) => {
                let Value::Number(n) = idx else {
                    return Err(EvalError::value(
                        ValueError::type_error(idx, "number").anchored(Anchor::Expr(index)),
                    ));
                };
                let i = n.as_i64();
                let len = v.len().unwrap_or(0);
                if i < 0 || i as u64 >= len as u64 {
                    let msg = format!("index {i} is out of range of array with length {len}");
                    return Err(EvalError::value(
                        ValueError::new(idx, msg).anchored(Anchor::Expr(index)),
                    ));
                }
                Ok(v.index(i as usize).unwrap_or_default())
            }
            Value::Object(o) => object_index(o, idx, index),
            Value::Capsule(c) => match c.to_object() {
                Some(o) => object_index(&o, idx, index),
                None => Err(capsule_not_object(v.clone(), value)),
            },
            Value::Secret(_) | Value::OptionalSecret(_) => {
                Err(capsule_not_object(v.clone(), value))
            }
            _ => {
                let msg = format!("expected object or array, got {}", v.type_name());
                Err(EvalError::value(
                    ValueError::new(v, msg).anchored(Anchor::Expr(value)),
                ))
            }
        }
    }

    #[inline(never)]
    fn eval_call(&mut self, func: ExprId, arg_ids: &[ExprId]) -> Result<Value, EvalError> {
        let fv = self.eval(func)?;
        let Value::Function(f) = &fv else {
            return Err(EvalError::value(
                ValueError::type_error(fv, "function").anchored(Anchor::Expr(func)),
            ));
        };
        let f: Function = f.clone();
        let mut args = Vec::with_capacity(arg_ids.len());
        for &a in arg_ids {
            args.push(self.eval(a)?);
        }
        let ctx = CallCtx { scope: self.scope };
        let def = f.def();
        let fix_anchor = |ve: ValueError| -> ValueError {
            match ve.anchor {
                Some(Anchor::Arg(i)) => {
                    let mut ve = ve;
                    ve.anchor = arg_ids.get(i).map(|&e| Anchor::Expr(e));
                    ve
                }
                _ => ve,
            }
        };
        match &def.signature {
            Signature::Raw => (def.imp)(&ctx, &args).map_err(|e| match e {
                FnError::Message(m) => EvalError::Plain(m),
                FnError::Value(ve) => EvalError::value(fix_anchor(ve)),
            }),
            Signature::Typed { params, variadic } => {
                let arity = match variadic {
                    Some(_) if args.len() < params.len() => Some(format!(
                        "expected at least {} args, got {}",
                        params.len(),
                        args.len()
                    )),
                    None if args.len() != params.len() => Some(format!(
                        "expected {} args, got {}",
                        params.len(),
                        args.len()
                    )),
                    _ => None,
                };
                if let Some(msg) = arity {
                    return Err(EvalError::value(
                        ValueError::new(fv.clone(), msg).anchored(Anchor::Expr(func)),
                    ));
                }
                let mut converted = Vec::with_capacity(args.len());
                for (i, a) in args.iter().enumerate() {
                    let ty = params.get(i).or(variadic.as_ref()).unwrap_or(&Type::Value);
                    let c = convert(a, ty).map_err(|e| {
                        EvalError::value(e.on(a.clone()).anchored(Anchor::Expr(arg_ids[i])))
                    })?;
                    converted.push(c);
                }
                (def.imp)(&ctx, &converted).map_err(|e| match e {
                    FnError::Message(m) => EvalError::value(
                        ValueError::new(fv.clone(), m).anchored(Anchor::Expr(func)),
                    ),
                    FnError::Value(ve) => EvalError::value(fix_anchor(ve)),
                })
            }
        }
    }
}

fn capsule_not_object(v: Value, at: ExprId) -> EvalError {
    let msg = format!(
        "expected object or array or a capsule convertible to an object, got {}",
        v.type_name()
    );
    EvalError::value(ValueError::new(v, msg).anchored(Anchor::Expr(at)))
}

fn object_index(o: &Object, idx: Value, index: ExprId) -> Result<Value, EvalError> {
    match &idx {
        Value::String(s) => Ok(s
            .as_str()
            .and_then(|k| o.get(k))
            .cloned()
            .unwrap_or(Value::Null)),
        _ => Err(EvalError::value(
            ValueError::type_error(idx, "string").anchored(Anchor::Expr(index)),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(src: &str) -> Result<Value, String> {
        eval_expression(src.as_bytes(), &Scope::isolated()).map_err(|d| d.to_string())
    }

    fn text(src: &str) -> String {
        match ev(src) {
            Ok(v) => crate::eval::print::to_river(&v),
            Err(e) => format!("error: {e}"),
        }
    }

    #[test]
    fn evaluates_basic_expressions() {
        assert_eq!(text("1 + 2 * 3"), "7");
        assert_eq!(text("-2 ^ 2"), "4");
        assert_eq!(text("2 ^ 3 ^ 2"), "512");
        assert_eq!(text("5 / 2"), "2");
        assert_eq!(text("5 / 2.0"), "2.5");
        assert_eq!(text(r#""a" + "b""#), r#""ab""#);
        assert_eq!(text("[1, 2, 3][1.9]"), "2");
        assert_eq!(text(r#"{a = 1}["b"]"#), "null");
        assert_eq!(text("010"), "8");
        assert_eq!(text("08"), "8");
        assert_eq!(text("-18446744073709551615"), "1");
        assert_eq!(text("9223372036854775807 + 1"), "-9223372036854775808");
        assert_eq!(text(r#""B" < "a""#), "true");
    }

    #[test]
    fn errors_quote_the_expression() {
        assert_eq!(
            text(r#"1 + "1""#),
            r#"error: 1:5: "1" should be number, got string"#
        );
        assert_eq!(text("1 / 0"), "error: 1:5: 0 divide by zero error");
        assert_eq!(
            text("foobar"),
            r#"error: 1:1: identifier "foobar" does not exist"#
        );
        assert_eq!(
            text("{ a = 15 }.b"),
            r#"error: 1:12: field "b" does not exist"#
        );
        assert_eq!(
            text("1 < 2 < 3"),
            "error: 1:1: 1 < 2 should be one of [number string] for binop <, got bool"
        );
        assert_eq!(
            text("null + 1"),
            "error: -:  should be one of [number string capsule] for binop +, got null"
        );
        assert_eq!(
            text("[1,2,3][3]"),
            "error: 1:9: 3 index 3 is out of range of array with length 3"
        );
        assert_eq!(
            text(r#""x".y"#),
            r#"error: 1:1: "x" cannot access field "y" on value of type string"#
        );
        assert_eq!(
            text("1e400"),
            r#"error: -: strconv.ParseFloat: parsing "1e400": value out of range"#
        );
        assert_eq!(
            text("true || undefined_ident"),
            r#"error: 1:9: identifier "undefined_ident" does not exist"#
        );
    }

    #[test]
    fn interned_values_resolve_to_the_last_producer() {
        // Go shares the identity of small integers, so upstream points at the last `1`.
        assert_eq!(
            text("1 && 1"),
            "error: 1:6: 1 should be one of [bool] for binop &&, got number"
        );
        assert_eq!(
            text("1000 && 1000"),
            "error: 1:1: 1000 should be one of [bool] for binop &&, got number"
        );
    }

    #[test]
    fn deep_nesting_does_not_overflow() {
        // The parser accepts up to 1000 levels; evaluating (and printing) that many must fit
        // in a 2 MiB thread stack even in a debug build.
        let depth = crate::syntax::parser::MAX_DEPTH as usize - 2;
        for (open, close) in [
            ("(", ")"),
            ("[", "]"),
            ("-", ""),
            ("f(", ")"),
            ("{a=", "}"),
            ("!", ""),
        ] {
            let src = format!("{}1{}", open.repeat(depth), close.repeat(depth));
            let handle = std::thread::Builder::new()
                .stack_size(2 << 20)
                .spawn(move || match ev(&src) {
                    Ok(v) => crate::eval::print::to_river(&v).len(),
                    Err(e) => e.len(),
                })
                .unwrap();
            assert!(handle.join().is_ok(), "{open}");
        }
    }
}
