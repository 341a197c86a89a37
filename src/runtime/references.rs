//! Finding the references an expression makes: identifiers followed by `.field` chains.
//!
//! `prometheus.remote_write.default.receiver` is one traversal. Indexing and calls end a
//! chain (`a.b[0].c` yields `a.b`); their operands and arguments are searched separately.

use crate::syntax::ast::{Ast, Expr, ExprId, Stmt};
use crate::syntax::pos::Span;

/// One traversal: its fragments and the source it covers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Traversal {
    /// `["prometheus", "remote_write", "default", "receiver"]`.
    pub parts: Vec<String>,
    /// From the identifier to the end of the last field name.
    pub span: Span,
}

impl Traversal {
    /// The dotted text.
    pub fn dotted(&self) -> String {
        self.parts.join(".")
    }
}

/// Every traversal in the statements of a body, nested blocks included, in source order.
pub fn body_traversals(ast: &Ast, body: &[Stmt], out: &mut Vec<Traversal>) {
    for s in body {
        match s {
            Stmt::Attr(a) => expr_traversals(ast, a.value, out),
            Stmt::Block(b) => body_traversals(ast, ast.body(b.body), out),
        }
    }
}

/// Every traversal in an expression, in source order.
pub fn expr_traversals(ast: &Ast, id: ExprId, out: &mut Vec<Traversal>) {
    if let Some(t) = chain(ast, id) {
        out.push(t);
        return;
    }
    match *ast.expr(id) {
        Expr::Ident(_) | Expr::Literal { .. } => {}
        Expr::Array { elems, .. } => {
            for &e in ast.list(elems) {
                expr_traversals(ast, e, out);
            }
        }
        Expr::Object { fields, .. } => {
            for f in ast.field_list(fields) {
                expr_traversals(ast, f.value, out);
            }
        }
        Expr::Access { value, .. } => expr_traversals(ast, value, out),
        Expr::Index { value, index, .. } => {
            expr_traversals(ast, value, out);
            expr_traversals(ast, index, out);
        }
        Expr::Call { func, args, .. } => {
            expr_traversals(ast, func, out);
            for &a in ast.list(args) {
                expr_traversals(ast, a, out);
            }
        }
        Expr::Unary { value, .. } => expr_traversals(ast, value, out),
        Expr::Binary { lhs, rhs, .. } => {
            expr_traversals(ast, lhs, out);
            expr_traversals(ast, rhs, out);
        }
        Expr::Paren { inner, .. } => expr_traversals(ast, inner, out),
    }
}

/// The traversal `id` is, when it is an identifier followed only by field accesses.
fn chain(ast: &Ast, id: ExprId) -> Option<Traversal> {
    let mut names = Vec::new();
    let mut cur = id;
    let end;
    loop {
        match *ast.expr(cur) {
            Expr::Access { value, name } => {
                names.push(ast.text(name).to_string());
                cur = value;
            }
            Expr::Ident(sp) => {
                names.push(ast.text(sp).to_string());
                end = ast.expr_last(id) + 1;
                names.reverse();
                return Some(Traversal {
                    parts: names,
                    span: Span::new(sp.start, end),
                });
            }
            _ => return None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn travs(src: &str) -> Vec<String> {
        let ast = crate::syntax::parse_file("t", src.as_bytes()).unwrap();
        let mut out = Vec::new();
        body_traversals(&ast, ast.file_body(), &mut out);
        out.iter().map(|t| t.dotted()).collect()
    }

    #[test]
    fn finds_chains() {
        assert_eq!(travs("a = b.c.d"), vec!["b.c.d"]);
        assert_eq!(travs("a = b.c[0].d"), vec!["b.c"]);
        assert_eq!(travs("a = f(x.y, [z])"), vec!["f", "x.y", "z"]);
        assert_eq!(
            travs("a = string.format(\"%s\", env(\"X\"))"),
            vec!["string.format", "env"]
        );
        assert_eq!(travs("blk { x = 1 + q.r }"), vec!["q.r"]);
    }
}
