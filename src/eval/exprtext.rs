//! Re-printing an expression for error messages.
//!
//! Upstream quotes the offending expression re-formatted by its printer. The canonical
//! printer lives in `crate::fmt`; until its `format_expr` is available this module prints
//! the single-line canonical form (`{a = 1}`, `[0, 1, 2]`, `f(a, b)`), which is what the
//! printer produces for expressions written on one line.

use crate::syntax::ast::{Ast, Expr, ExprId, KeyKind};

/// The expression as canonical single-line source text.
pub(crate) fn format_expr(ast: &Ast, id: ExprId) -> String {
    let mut out = String::new();
    write_expr(ast, id, &mut out);
    out
}

fn write_expr(ast: &Ast, id: ExprId, out: &mut String) {
    match *ast.expr(id) {
        Expr::Ident(sp) | Expr::Literal { span: sp, .. } => out.push_str(ast.text(sp)),
        Expr::Array { elems, .. } => {
            out.push('[');
            for (i, e) in ast.list(elems).iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_expr(ast, *e, out);
            }
            out.push(']');
        }
        Expr::Object { fields, .. } => {
            out.push('{');
            for (i, f) in ast.field_list(fields).iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                match f.key_kind {
                    KeyKind::Ident | KeyKind::EmptyString => out.push_str(ast.text(f.key)),
                    KeyKind::Quoted => {
                        out.push_str(&crate::syntax::quote::go_quote(ast.field_key(f).as_bytes()))
                    }
                }
                out.push_str(" = ");
                write_expr(ast, f.value, out);
            }
            out.push('}');
        }
        Expr::Access { value, name } => {
            write_expr(ast, value, out);
            out.push('.');
            out.push_str(ast.text(name));
        }
        Expr::Index { value, index, .. } => {
            write_expr(ast, value, out);
            out.push('[');
            write_expr(ast, index, out);
            out.push(']');
        }
        Expr::Call { func, args, .. } => {
            write_expr(ast, func, out);
            out.push('(');
            for (i, e) in ast.list(args).iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_expr(ast, *e, out);
            }
            out.push(')');
        }
        Expr::Unary { op, value, .. } => {
            out.push_str(op.as_str());
            write_expr(ast, value, out);
        }
        Expr::Binary { op, lhs, rhs, .. } => {
            write_expr(ast, lhs, out);
            out.push(' ');
            out.push_str(op.as_str());
            out.push(' ');
            write_expr(ast, rhs, out);
        }
        Expr::Paren { inner, .. } => {
            out.push('(');
            write_expr(ast, inner, out);
            out.push(')');
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::ast::Root;

    fn fmt(src: &str) -> String {
        let ast = crate::syntax::parse_expression(src.as_bytes()).unwrap();
        let Root::Expr(e) = ast.root else { panic!() };
        format_expr(&ast, e)
    }

    #[test]
    fn canonical_single_line() {
        assert_eq!(fmt("{a=1}"), "{a = 1}");
        assert_eq!(fmt("[0,1,  2]"), "[0, 1, 2]");
        assert_eq!(fmt("f( a,b )"), "f(a, b)");
        assert_eq!(fmt("-x+ ( 1*2 )"), "-x + (1 * 2)");
        assert_eq!(fmt("a.b[ 0 ].c"), "a.b[0].c");
        assert_eq!(fmt(r#"{"k" = `r`}"#), r#"{"k" = `r`}"#);
    }
}
