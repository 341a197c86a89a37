//! A position-free rendering of a tree, for checking that two parses mean the same thing.
//!
//! Two sources whose dumps are equal have the same statements, names, labels, keys, literals
//! (as written) and comments in the same order; only layout differs. The formatter's
//! round-trip tests and the fuzzer use this as their oracle.

use std::fmt::Write;

use super::ast::{Ast, Expr, ExprId, Root, Stmt};
use super::lexer::comment_text;

/// Renders `ast` without positions.
pub fn dump(ast: &Ast) -> String {
    let mut out = String::new();
    match ast.root {
        Root::File(b) => stmts(ast, ast.body(b), &mut out),
        Root::Expr(e) => expr(ast, e, &mut out),
    }
    out.push_str("\ncomments:");
    for c in &ast.comments {
        out.push('\n');
        out.push_str(&comment_text(ast.text(c.span)));
    }
    out
}

fn stmts(ast: &Ast, body: &[Stmt], out: &mut String) {
    for s in body {
        match s {
            Stmt::Attr(a) => {
                let _ = write!(out, "(attr {} ", ast.text(a.name));
                expr(ast, a.value, out);
                out.push(')');
            }
            Stmt::Block(b) => {
                let label = b.label.map(|l| ast.text(l).to_string());
                let _ = write!(
                    out,
                    "(block {} {:?} ",
                    ast.block_name(b),
                    label.as_deref().map(|l| &l[1..l.len() - 1])
                );
                stmts(ast, ast.body(b.body), out);
                out.push(')');
            }
        }
    }
}

fn expr(ast: &Ast, id: ExprId, out: &mut String) {
    match *ast.expr(id) {
        Expr::Ident(s) => {
            let _ = write!(out, "{}", ast.text(s));
        }
        Expr::Literal { kind, span } => {
            let _ = write!(out, "{kind:?}:{}", ast.text(span));
        }
        Expr::Array { elems, .. } => {
            out.push('[');
            for &e in ast.list(elems) {
                expr(ast, e, out);
                out.push(' ');
            }
            out.push(']');
        }
        Expr::Object { fields, .. } => {
            out.push('{');
            for f in ast.field_list(fields) {
                let _ = write!(out, "{:?}=", ast.field_key(f));
                expr(ast, f.value, out);
                out.push(' ');
            }
            out.push('}');
        }
        Expr::Access { value, name } => {
            out.push_str("(. ");
            expr(ast, value, out);
            let _ = write!(out, " {})", ast.text(name));
        }
        Expr::Index { value, index, .. } => {
            out.push_str("(idx ");
            expr(ast, value, out);
            out.push(' ');
            expr(ast, index, out);
            out.push(')');
        }
        Expr::Call { func, args, .. } => {
            out.push_str("(call ");
            expr(ast, func, out);
            for &a in ast.list(args) {
                out.push(' ');
                expr(ast, a, out);
            }
            out.push(')');
        }
        Expr::Unary { op, value, .. } => {
            let _ = write!(out, "({} ", op.as_str());
            expr(ast, value, out);
            out.push(')');
        }
        Expr::Binary { op, lhs, rhs, .. } => {
            let _ = write!(out, "({} ", op.as_str());
            expr(ast, lhs, out);
            out.push(' ');
            expr(ast, rhs, out);
            out.push(')');
        }
        Expr::Paren { inner, .. } => {
            out.push_str("(paren ");
            expr(ast, inner, out);
            out.push(')');
        }
    }
}
