//! Walks the tree and sends tokens and abstract whitespace to the [`Printer`].
//!
//! Layout decisions depend on the *source* lines of nodes (the formatter never joins or wraps
//! lines): an array element or call argument that started on a new line stays on a new line,
//! a blank line between statements survives (at most one), blocks are separated by a blank
//! line, and so on (spec §7.2–7.4).

use super::printer::{Last, Printer, Ws};
use crate::syntax::ast::{Ast, Block, Expr, ExprId, KeyKind, LitKind, Stmt};
use crate::syntax::pos::Offset;

pub struct Walker<'a, 'p> {
    pub ast: &'a Ast,
    pub p: &'p mut Printer<'a>,
    /// Give every token that can end a statement its exact source position (upstream leaves
    /// some to an estimate, which can misplace comments).
    pub exact: bool,
}

impl<'a> Walker<'a, '_> {
    fn line(&self, off: Offset) -> u32 {
        self.p.line(off)
    }

    fn different_lines(&self, a: Offset, b: Offset) -> bool {
        self.line(a) != self.line(b)
    }

    fn stmt_lines(&self, s: &Stmt) -> u32 {
        self.line(self.ast.stmt_last(s)) - self.line(self.ast.stmt_start(s)) + 1
    }

    fn expr_lines(&self, e: ExprId) -> u32 {
        self.line(self.ast.expr_last(e)) - self.line(self.ast.expr_start(e)) + 1
    }

    pub fn stmts(&mut self, stmts: &[Stmt]) {
        for (i, s) in stmts.iter().enumerate() {
            let mut spaced = false;
            if i > 0 && matches!(s, Stmt::Block(_)) {
                self.p.ws(Ws::Formfeed);
                spaced = true;
            }
            if i > 0 && !spaced {
                let prev = self.line(self.ast.stmt_last(&stmts[i - 1]));
                let cur = self.line(self.ast.stmt_start(s));
                if cur > prev + 1 {
                    self.p.ws(Ws::Formfeed);
                }
            }
            match s {
                Stmt::Attr(a) => {
                    self.p.set_pos(a.name.start);
                    self.p.text(self.ast.text(a.name), Last::Other);
                    self.p.ws(Ws::VTab);
                    self.p.token("=");
                    self.p.ws(Ws::Blank);
                    self.expr(a.value);
                }
                Stmt::Block(b) => self.block(b),
            }
            if self.stmt_lines(s) > 1 {
                self.p.ws(Ws::Formfeed);
            } else {
                self.p.ws(Ws::Newline);
            }
        }
    }

    fn block(&mut self, b: &Block) {
        let start = self.ast.block_start(b);
        self.p.set_pos(start);
        let name = self.ast.block_name(b);
        self.p.text(&name, Last::Other);
        if let Some(label) = b.label {
            // Labels are identifiers, so upstream's `%q` re-quoting is the source text. An
            // empty label is kept (upstream drops it).
            self.p.ws(Ws::Blank);
            self.p.set_pos(label.start);
            self.p.text(self.ast.text(label), Last::Other);
        }
        self.p.ws(Ws::Blank);
        self.p.set_pos(b.lbrace);
        self.p.token("{");
        self.p.ws(Ws::Indent);
        let body = self.ast.body(b.body);
        if !body.is_empty() {
            self.p.ws(Ws::Formfeed);
            self.stmts(body);
        } else {
            self.p.ws(Ws::Blank);
        }
        self.p.ws(Ws::Unindent);
        self.p.set_pos(b.rbrace);
        self.p.token("}");
    }

    pub fn expr(&mut self, id: ExprId) {
        match *self.ast.expr(id) {
            Expr::Literal { kind, span } => {
                self.p.set_pos(span.start);
                let text = self.ast.text(span);
                match kind {
                    LitKind::String => self.p.string_literal(text),
                    LitKind::Number => self.p.text(text, Last::Number),
                    _ => self.p.text(text, Last::Other),
                }
            }
            Expr::Ident(span) => {
                self.p.set_pos(span.start);
                self.p.text(self.ast.text(span), Last::Other);
            }
            Expr::Array {
                lbrack,
                elems,
                rbrack,
            } => self.array(lbrack, self.ast.list(elems), rbrack),
            Expr::Object {
                lbrace,
                fields,
                rbrace,
            } => self.object(lbrace, fields, rbrace),
            Expr::Access { value, name } => {
                self.expr(value);
                self.p.token(".");
                if self.exact {
                    self.p.set_pos(name.start);
                }
                self.p.text(self.ast.text(name), Last::Other);
            }
            Expr::Index {
                value,
                lbrack,
                index,
                rbrack,
            } => {
                self.expr(value);
                self.p.set_pos(lbrack);
                self.p.token("[");
                self.expr(index);
                self.p.set_pos(rbrack);
                self.p.token("]");
            }
            Expr::Call { func, args, rparen } => self.call(func, self.ast.list(args), rparen),
            Expr::Unary { op, op_pos, value } => {
                self.p.set_pos(op_pos);
                self.p.token(op.as_str());
                self.expr(value);
            }
            Expr::Binary {
                op,
                op_pos,
                lhs,
                rhs,
            } => {
                self.expr(lhs);
                self.p.ws(Ws::Blank);
                self.p.set_pos(op_pos);
                self.p.token(op.as_str());
                self.p.ws(Ws::Blank);
                self.expr(rhs);
            }
            Expr::Paren {
                lparen,
                inner,
                rparen,
            } => {
                if self.exact {
                    self.p.set_pos(lparen);
                }
                self.p.token("(");
                self.expr(inner);
                if self.exact {
                    self.p.set_pos(rparen);
                }
                self.p.token(")");
            }
        }
    }

    fn array(&mut self, lbrack: Offset, elems: &[ExprId], rbrack: Offset) {
        self.p.set_pos(lbrack);
        self.p.token("[");
        let mut prev = lbrack;
        for (i, &e) in elems.iter().enumerate() {
            let mut added_newline = false;
            if self.different_lines(prev, self.ast.expr_start(e)) {
                // Indent before the break so comments before the element are indented too.
                self.p.ws(Ws::Indent);
                self.p.ws(Ws::Formfeed);
                added_newline = true;
            } else if i > 0 {
                self.p.ws(Ws::Blank);
            }
            prev = self.ast.expr_last(e);
            self.expr(e);
            if i + 1 < elems.len() {
                self.p.token(",");
            }
            if added_newline {
                self.p.ws(Ws::Unindent);
            }
        }
        if !elems.is_empty() && self.different_lines(prev, rbrack) {
            self.p.token(",");
            self.p.ws(Ws::Indent);
            self.p.ws(Ws::Formfeed);
            self.p.ws(Ws::Unindent);
        }
        self.p.set_pos(rbrack);
        self.p.token("]");
    }

    fn object(&mut self, lbrace: Offset, fields: crate::syntax::ast::ListRange, rbrace: Offset) {
        let fields = self.ast.field_list(fields);
        self.p.set_pos(lbrace);
        self.p.token("{");
        self.p.ws(Ws::Indent);
        let mut prev = lbrace;
        for (i, f) in fields.iter().enumerate() {
            if self.different_lines(prev, f.key.start) {
                if i > 0 && self.expr_lines(fields[i - 1].value) == 1 {
                    self.p.ws(Ws::Newline);
                } else {
                    self.p.ws(Ws::Formfeed);
                }
            } else if i > 0 {
                self.p.ws(Ws::Blank);
            }
            // Upstream measures the key by its unquoted text.
            let key = self.ast.field_key(f);
            prev = f.key.start + (key.len() as Offset).saturating_sub(1);
            self.p.set_pos(f.key.start);
            match f.key_kind {
                KeyKind::Quoted => {
                    let requoted = crate::gocompat::strconv::quote(key.as_bytes());
                    // Upstream re-quotes the raw key text; when that would change the key (it
                    // held escapes or non-printable characters) keep the source spelling.
                    if requoted.len() == key.len() + 2 && &requoted[1..requoted.len() - 1] == key {
                        self.p.string_literal(&requoted);
                    } else {
                        self.p.string_literal(self.ast.text(f.key));
                    }
                }
                KeyKind::Ident | KeyKind::EmptyString => {
                    self.p.text(self.ast.text(f.key), Last::Other)
                }
            }
            self.p.ws(Ws::VTab);
            self.p.token("=");
            self.p.ws(Ws::Blank);
            self.expr(f.value);
            if i + 1 < fields.len() {
                self.p.token(",");
            }
        }
        if !fields.is_empty() && self.different_lines(prev, rbrace) {
            self.p.token(",");
            self.p.ws(Ws::Formfeed);
        }
        self.p.ws(Ws::Unindent);
        self.p.set_pos(rbrace);
        self.p.token("}");
    }

    fn call(&mut self, func: ExprId, args: &[ExprId], rparen: Offset) {
        self.expr(func);
        self.p.token("(");
        // `(` is on the line where the function expression ends.
        let mut prev = self.ast.expr_last(func);
        for (i, &a) in args.iter().enumerate() {
            let mut added_newline = false;
            if self.different_lines(prev, self.ast.expr_start(a)) {
                self.p.ws(Ws::Formfeed);
                self.p.ws(Ws::Indent);
                added_newline = true;
            }
            self.expr(a);
            prev = self.ast.expr_last(a);
            if i + 1 < args.len() {
                self.p.token(",");
                self.p.ws(Ws::Blank);
            }
            if added_newline {
                self.p.ws(Ws::Unindent);
            }
        }
        if self.different_lines(prev, rparen) {
            // Upstream writes the comma even without arguments, giving `f(,` which does not
            // parse; we only break the line then.
            if !args.is_empty() {
                self.p.token(",");
            }
            self.p.ws(Ws::Formfeed);
        }
        if self.exact {
            self.p.set_pos(rparen);
        }
        self.p.token(")");
    }
}
