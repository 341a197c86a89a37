//! The parser: tokens → [`Ast`], with upstream's error messages and recovery.
//!
//! A hand-written recursive-descent parser with the same shape as upstream's (one function per
//! grammar rule, the same `expect`/`advance` recovery), because the exact set, order and
//! positions of diagnostics on broken input are part of the contract: at most one parser error
//! per line, every scanner error, and the same resynchronisation points. Any diagnostic means
//! no tree is returned.
//!
//! The grammar, one rule per `parse_*` function (`term` is a TERMINATOR, inserted by
//! [`super::terminators`] at newlines and before `}`/`)`/`]` where needed):
//!
//! ```text
//! file        = body EOF
//! body        = { statement term }                       (parse_body)
//! statement   = IDENT "=" expr                           attribute
//!             | block_name [ STRING ] "{" body "}"       block (parse_statement)
//! block_name  = IDENT { "." IDENT }                      (parse_block_name)
//! expr        = binary                                   (parse_expression)
//! binary      = pow { binop pow }                        precedence climbing (parse_binop),
//!               loosest first: `||`, `&&`, `== != < <= > >=`, `+ -`, `* / %`; left-assoc.
//! pow         = unary [ "^" pow ]                        right-associative, binds tighter
//!                                                        than the operators above (parse_pow)
//! unary       = ( "!" | "-" ) unary | postfix            (parse_unary)
//! postfix     = primary { "." IDENT | "[" expr "]" | "(" [ exprs ] ")" }
//! primary     = NUMBER | FLOAT | STRING | "true" | "false" | "null" | IDENT
//!             | "(" expr ")" | "[" [ exprs ] "]" | "{" [ fields ] "}"   (parse_primary)
//! exprs       = expr { "," expr } [ "," ]                (parse_expression_list)
//! fields      = field { "," field } [ "," ]              (parse_field_list)
//! field       = ( IDENT | STRING ) "=" expr              (parse_field)
//! ```
//!
//! Upstream's grammar is LL(1) with hand-written recovery, which is why this is not generated
//! by an LR parser generator: recovery decides the diagnostics users see.
//!
//! Invariant: nesting (recursion) and the depth of the tree built are both bounded by
//! [`MAX_DEPTH`]; deeper input stops the parse with one clear error instead of overflowing the
//! stack here or in the passes that walk the tree later.

use std::sync::Arc;

use super::ast::*;
use super::diag::{Diagnostic, Diagnostics};
use super::pos::{LineIndex, Offset, Position, Span};
use super::terminators::Scanner;
use super::token::{Tok, Token};

/// Deepest nesting of blocks and expressions accepted.
pub const MAX_DEPTH: u32 = 1000;

/// Largest source accepted (offsets are 32-bit).
pub const MAX_SOURCE_LEN: usize = u32::MAX as usize - 1;

struct Parser<'s> {
    scanner: Scanner<'s>,
    src: &'s [u8],
    file: Arc<str>,
    lines: LineIndex,
    diags: Vec<Diagnostic>,
    tok: Token,
    last_error_line: u32,
    depth: u32,
    aborted: bool,

    exprs: Vec<Expr>,
    expr_depth: Vec<u16>,
    expr_lists: Vec<ExprId>,
    fields: Vec<Field>,
    stmts: Vec<Stmt>,
    name_frags: Vec<Span>,
    comments: Vec<Comment>,

    // Scratch stacks: children are collected here while a list is parsed, then moved into the
    // arena as one contiguous run.
    list_scratch: Vec<ExprId>,
    field_scratch: Vec<Field>,
    stmt_scratch: Vec<Stmt>,
}

/// Parses a whole file. `name` appears in diagnostics.
pub fn parse_file(name: &str, src: &[u8]) -> Result<Ast, Diagnostics> {
    let mut p = Parser::new(name, src)?;
    let body = p.parse_body(Tok::Eof);
    p.finish(Root::File(body), None)
}

/// Parses a single expression; the whole input must be that expression.
pub fn parse_expression(src: &[u8]) -> Result<Ast, Diagnostics> {
    Parser::new("", src)?.expression_root(None)
}

/// [`parse_expression`] of text the caller already holds shared: the tree keeps `source`
/// itself instead of a copy.
pub fn parse_expression_shared(source: &Arc<str>) -> Result<Ast, Diagnostics> {
    Parser::new("", source.as_bytes())?.expression_root(Some(source.clone()))
}

/// Parses `source` when its whole text is one array literal (the shape of large generated
/// expressions), handing each element to `on_elem` as soon as it is parsed, in a tree that holds
/// only that element; its nodes are dropped before the next element is parsed, so memory stays
/// that of the largest element instead of the whole array.
///
/// Returns true when the input is exactly one array literal with no diagnostics and `on_elem`
/// accepted every element. Any other outcome (another shape, a syntax error, a depth limit, or
/// `on_elem` returning false) returns false at once, without diagnostics: the caller then
/// parses the input with [`parse_expression`], which reports them. On success, the elements
/// given to `on_elem` are exactly those [`parse_expression`] would put in the array.
pub fn parse_array_elements(
    source: &Arc<str>,
    mut on_elem: impl FnMut(&Ast, ExprId) -> bool,
) -> bool {
    // Only one element's nodes are ever held: no need for the whole-input reservation.
    let Ok(mut p) = Parser::with_capacity("", source.as_bytes(), 0) else {
        return false;
    };
    if p.tok.kind != Tok::LBrack {
        return false;
    }
    p.stream_array(source, &mut on_elem)
}

impl<'s> Parser<'s> {
    /// The input as one expression; `shared` is the source text when the caller holds it.
    fn expression_root(mut self, shared: Option<Arc<str>>) -> Result<Ast, Diagnostics> {
        let e = self.parse_expression();
        self.expect(Tok::Terminator);
        // Upstream stops after the terminator; we also refuse anything left over, so that
        // `agent eval '1
        // 2'` does not silently evaluate only the first line.
        while self.tok.kind == Tok::Terminator {
            self.next();
        }
        if self.tok.kind != Tok::Eof {
            self.add_error(format!("expected end of expression, got {}", self.tok.kind));
        }
        self.finish(Root::Expr(e), shared)
    }

    fn new(name: &str, src: &'s [u8]) -> Result<Parser<'s>, Diagnostics> {
        Parser::with_capacity(name, src, src.len() / 8)
    }

    /// A parser whose expression arena starts with room for `est` nodes.
    fn with_capacity(name: &str, src: &'s [u8], est: usize) -> Result<Parser<'s>, Diagnostics> {
        let file: Arc<str> = Arc::from(name);
        if src.len() > MAX_SOURCE_LEN {
            return Err(Diagnostic::error(
                Position::none(file),
                format!(
                    "file is too large to parse ({} bytes; the limit is 4 GiB)",
                    src.len()
                ),
            )
            .into());
        }
        let mut p = Parser {
            scanner: Scanner::new(src),
            src,
            lines: LineIndex::new(src),
            file,
            diags: Vec::new(),
            tok: Token {
                kind: Tok::Eof,
                span: Span::default(),
            },
            last_error_line: 0,
            depth: 0,
            aborted: false,
            exprs: Vec::with_capacity(est),
            expr_depth: Vec::with_capacity(est),
            expr_lists: Vec::new(),
            fields: Vec::new(),
            stmts: Vec::new(),
            name_frags: Vec::new(),
            comments: Vec::new(),
            list_scratch: Vec::new(),
            field_scratch: Vec::new(),
            stmt_scratch: Vec::new(),
        };
        p.next();
        Ok(p)
    }

    fn finish(mut self, root: Root, shared: Option<Arc<str>>) -> Result<Ast, Diagnostics> {
        // Whatever the scanner still holds (e.g. errors found while reading the last token).
        self.drain_scanner_errors();
        if !self.diags.is_empty() {
            return Err(Diagnostics(self.diags));
        }
        let source = match shared {
            Some(s) => s,
            None => match std::str::from_utf8(self.src) {
                Ok(s) => Arc::<str>::from(s),
                // Unreachable: invalid UTF-8 is always reported by the scanner.
                Err(e) => {
                    let pos = self.position(e.valid_up_to() as Offset);
                    return Err(Diagnostic::error(pos, "illegal UTF-8 encoding").into());
                }
            },
        };
        self.exprs.shrink_to_fit();
        self.expr_lists.shrink_to_fit();
        self.fields.shrink_to_fit();
        self.stmts.shrink_to_fit();
        self.name_frags.shrink_to_fit();
        self.comments.shrink_to_fit();
        Ok(Ast {
            name: self.file,
            source,
            lines: self.lines,
            exprs: self.exprs,
            expr_lists: self.expr_lists,
            fields: self.fields,
            stmts: self.stmts,
            name_frags: self.name_frags,
            comments: self.comments,
            root,
        })
    }

    /// The body of [`parse_array_elements`]: the steps `parse_expression` takes for a root
    /// that is an array literal, where any step that would report an error returns false.
    fn stream_array(
        &mut self,
        source: &Arc<str>,
        on_elem: &mut dyn FnMut(&Ast, ExprId) -> bool,
    ) -> bool {
        // The level `parse_binop` enters for the root, so elements nest exactly as deep.
        if !self.enter() {
            return false;
        }
        self.next(); // `[`
        let mut deepest: u16 = 0;
        while self.tok.kind != Tok::RBrack && self.tok.kind != Tok::Eof {
            let e = self.parse_expression();
            if self.aborted || !self.diags.is_empty() {
                return false;
            }
            deepest = deepest.max(self.expr_depth[e.0 as usize]);
            if !self.with_view(source, e, &mut *on_elem) {
                return false;
            }
            self.exprs.clear();
            self.expr_depth.clear();
            self.expr_lists.clear();
            self.fields.clear();
            self.stmts.clear();
            self.name_frags.clear();
            self.comments.clear();
            if self.tok.kind == Tok::RBrack {
                break;
            }
            if self.tok.kind != Tok::Comma {
                return false;
            }
            self.next();
        }
        if self.tok.kind != Tok::RBrack {
            return false;
        }
        self.next();
        self.leave();
        if u32::from(deepest) + 1 > MAX_DEPTH {
            return false;
        }
        // After a lone array literal: one or more terminators, then the end.
        if self.tok.kind != Tok::Terminator {
            return false;
        }
        while self.tok.kind == Tok::Terminator {
            self.next();
        }
        self.drain_scanner_errors();
        self.tok.kind == Tok::Eof && self.diags.is_empty() && !self.aborted
    }

    /// Runs `f` on a tree made of the arenas parsed so far, rooted at `root`.
    fn with_view(
        &mut self,
        source: &Arc<str>,
        root: ExprId,
        f: &mut dyn FnMut(&Ast, ExprId) -> bool,
    ) -> bool {
        use std::mem::take;
        let ast = Ast {
            name: self.file.clone(),
            source: source.clone(),
            lines: take(&mut self.lines),
            exprs: take(&mut self.exprs),
            expr_lists: take(&mut self.expr_lists),
            fields: take(&mut self.fields),
            stmts: take(&mut self.stmts),
            name_frags: take(&mut self.name_frags),
            comments: take(&mut self.comments),
            root: Root::Expr(root),
        };
        let ok = f(&ast, root);
        self.lines = ast.lines;
        self.exprs = ast.exprs;
        self.expr_lists = ast.expr_lists;
        self.fields = ast.fields;
        self.stmts = ast.stmts;
        self.name_frags = ast.name_frags;
        self.comments = ast.comments;
        ok
    }

    // ---- tokens and errors -------------------------------------------------------------

    fn position(&self, off: Offset) -> Position {
        Position {
            file: self.file.clone(),
            offset: off,
            lc: self.lines.line_col(off),
        }
    }

    fn drain_scanner_errors(&mut self) {
        if self.scanner.has_errors() {
            for e in self.scanner.take_errors() {
                let pos = self.position(e.offset);
                self.diags.push(Diagnostic::error(pos, e.message));
            }
        }
    }

    fn next0(&mut self) {
        if self.aborted {
            let end = self.src.len() as Offset;
            self.tok = Token {
                kind: Tok::Eof,
                span: Span::new(end, end),
            };
            return;
        }
        self.tok = self.scanner.scan();
        self.drain_scanner_errors();
    }

    /// Advances to the next non-comment token, keeping comments for the formatter.
    fn next(&mut self) {
        self.next0();
        while self.tok.kind == Tok::Comment {
            self.comments.push(Comment {
                span: self.tok.span,
            });
            self.next0();
        }
    }

    /// Reports an error at the current token unless one was already reported on its line.
    fn add_error(&mut self, msg: impl Into<String>) {
        if self.aborted {
            return;
        }
        let pos = self.position(self.tok.span.start);
        if pos.lc.line == self.last_error_line {
            return;
        }
        self.last_error_line = pos.lc.line;
        self.diags.push(Diagnostic::error(pos, msg));
    }

    /// Reports an error covering `start..=last`, bypassing the one-per-line rule (as upstream
    /// does for these particular messages).
    fn add_range_error(&mut self, start: Offset, last: Offset, msg: &str) {
        if self.aborted {
            return;
        }
        let d = Diagnostic::error_range(self.position(start), self.position(last), msg);
        self.diags.push(d);
    }

    fn expect(&mut self, t: Tok) -> Token {
        let tok = self.tok;
        if tok.kind != t {
            self.add_error(format!("expected {}, got {}", t, tok.kind));
        }
        self.next();
        tok
    }

    fn advance(&mut self, to: Tok) {
        while self.tok.kind != Tok::Eof && self.tok.kind != to {
            self.next();
        }
    }

    fn advance_to_statement_end(&mut self) {
        while !matches!(
            self.tok.kind,
            Tok::Eof | Tok::Terminator | Tok::RParen | Tok::RCurly | Tok::RBrack | Tok::Comma
        ) {
            self.next();
        }
    }

    /// Skips the rest of a statement, keeping brackets balanced.
    fn consume_statement(&mut self) {
        let (mut curly, mut brack, mut paren) = (0i64, 0i64, 0i64);
        while self.tok.kind != Tok::Eof {
            match self.tok.kind {
                Tok::LCurly => curly += 1,
                Tok::RCurly => curly -= 1,
                Tok::LBrack => brack += 1,
                Tok::RBrack => brack -= 1,
                Tok::LParen => paren += 1,
                Tok::RParen => paren -= 1,
                Tok::Terminator if curly <= 0 && brack <= 0 && paren <= 0 => return,
                _ => {}
            }
            self.next();
        }
    }

    // ---- depth limits ------------------------------------------------------------------

    /// Enters one level of recursion; false (and the parse is stopped) past the limit.
    fn enter(&mut self) -> bool {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            self.abort_too_deep();
            return false;
        }
        true
    }

    fn leave(&mut self) {
        self.depth -= 1;
    }

    fn abort_too_deep(&mut self) {
        if !self.aborted {
            let pos = self.position(self.tok.span.start);
            self.diags.push(Diagnostic::error(
                pos,
                format!("nesting is too deep: blocks and expressions may be nested at most {MAX_DEPTH} levels"),
            ));
            self.aborted = true;
            let end = self.src.len() as Offset;
            self.tok = Token {
                kind: Tok::Eof,
                span: Span::new(end, end),
            };
        }
    }

    /// Depth of the deepest of `children` (0 for none).
    fn depth_of(&self, children: &[ExprId]) -> u16 {
        children
            .iter()
            .map(|c| self.expr_depth[c.0 as usize])
            .max()
            .unwrap_or(0)
    }

    fn push_expr(&mut self, e: Expr, children: &[ExprId]) -> ExprId {
        let d = self.depth_of(children);
        self.push_expr_at_depth(e, d)
    }

    /// Adds `e` whose deepest child has depth `child_depth`.
    fn push_expr_at_depth(&mut self, e: Expr, child_depth: u16) -> ExprId {
        let d = child_depth + 1;
        if u32::from(d) > MAX_DEPTH {
            self.abort_too_deep();
        }
        let id = ExprId(self.exprs.len() as u32);
        self.exprs.push(e);
        self.expr_depth.push(d.min(u16::MAX - 1));
        id
    }

    fn null_placeholder(&mut self, at: Offset) -> ExprId {
        self.push_expr(
            Expr::Literal {
                kind: LitKind::Null,
                span: Span::new(at, at),
            },
            &[],
        )
    }

    // ---- statements --------------------------------------------------------------------

    /// Body = [ Statement { terminator Statement } ], up to (not including) `until`.
    fn parse_body(&mut self, until: Tok) -> Body {
        let mark = self.stmt_scratch.len();
        while self.tok.kind != until && self.tok.kind != Tok::Eof {
            if let Some(stmt) = self.parse_statement() {
                self.stmt_scratch.push(stmt);
            }
            if self.tok.kind == until {
                break;
            }
            if self.tok.kind != Tok::Terminator {
                self.add_error(format!(
                    "expected {}, got {}",
                    Tok::Terminator,
                    self.tok.kind
                ));
                self.consume_statement();
            }
            self.next();
        }
        let start = self.stmts.len() as u32;
        let n = self.stmt_scratch.len() - mark;
        self.stmts.extend(self.stmt_scratch.drain(mark..));
        Body(ListRange {
            start,
            len: n as u32,
        })
    }

    fn parse_statement(&mut self) -> Option<Stmt> {
        let Some(name) = self.parse_block_name() else {
            self.advance(Tok::Ident);
            return None;
        };
        match self.tok.kind {
            Tok::Assign => {
                self.next();
                let first = self.name_frags[name.frags.start as usize];
                if name.frags.len != 1 {
                    let joined: usize = self.name_frags[name.frags.indices()]
                        .iter()
                        .map(|f| f.len())
                        .sum::<usize>()
                        + name.frags.len as usize
                        - 1;
                    let last = first.start + joined as Offset - 1;
                    self.add_range_error(
                        first.start,
                        last,
                        "attribute names may only consist of a single identifier with no \".\"",
                    );
                } else if let Some(label) = name.label {
                    let inner = label.len().saturating_sub(2);
                    self.add_range_error(
                        label.start,
                        label.start + inner as Offset + 1,
                        "attribute names may not have labels",
                    );
                }
                let value = self.parse_expression();
                Some(Stmt::Attr(Attribute { name: first, value }))
            }
            Tok::LCurly => {
                if !self.enter() {
                    return None;
                }
                let lbrace = self.expect(Tok::LCurly).span.start;
                let body = self.parse_body(Tok::RCurly);
                let rbrace = self.expect(Tok::RCurly).span.start;
                self.leave();
                Some(Stmt::Block(Block {
                    name: name.frags,
                    label: name.label,
                    lbrace,
                    body,
                    rbrace,
                }))
            }
            _ => {
                if name.frags.len == 1 && name.label.is_none_or(|l| l.len() <= 2) {
                    self.add_error(format!(
                        "expected attribute assignment or block body, got {}",
                        self.tok.kind
                    ));
                } else {
                    self.add_error(format!("expected block body, got {}", self.tok.kind));
                }
                self.advance(Tok::Ident);
                None
            }
        }
    }

    /// BlockName = identifier { "." identifier } [ string ].
    fn parse_block_name(&mut self) -> Option<BlockName> {
        if self.tok.kind != Tok::Ident {
            self.add_error(format!("expected identifier, got {}", self.tok.kind));
            return None;
        }
        let start = self.name_frags.len() as u32;
        self.name_frags.push(self.tok.span);
        self.next();
        while self.tok.kind == Tok::Dot {
            self.next();
            if self.tok.kind != Tok::Ident {
                self.add_error(format!("expected identifier, got {}", self.tok.kind));
            }
            self.name_frags.push(self.tok.span);
            self.next();
        }
        let frags = ListRange {
            start,
            len: self.name_frags.len() as u32 - start,
        };
        let mut label = None;
        if self.tok.kind != Tok::Assign && self.tok.kind != Tok::LCurly {
            if self.tok.kind == Tok::String {
                let sp = self.tok.span;
                let lit = &self.src[sp.start as usize..sp.end as usize];
                if lit[0] != b'"' {
                    let quoted = go_quote_ascii(lit);
                    self.add_error(format!(
                        "expected block label to be a double quoted string, but got {quoted}"
                    ));
                }
                if lit.len() > 2 {
                    let inner = &lit[1..lit.len() - 1];
                    if !is_valid_identifier_bytes(inner) {
                        let quoted = go_quote_ascii(inner);
                        self.add_error(format!(
                            "expected block label to be a valid identifier, but got {quoted}"
                        ));
                    }
                }
                label = Some(sp);
            } else {
                self.add_error(format!("expected block label, got {}", self.tok.kind));
            }
            self.next();
        }
        Some(BlockName { frags, label })
    }

    // ---- expressions -------------------------------------------------------------------

    fn parse_expression(&mut self) -> ExprId {
        self.parse_binop(1)
    }

    /// Left-associative binary operators by precedence climbing; `^` is handled below.
    fn parse_binop(&mut self, in_prec: u8) -> ExprId {
        if !self.enter() {
            return self.null_placeholder(self.tok.span.start);
        }
        let mut lhs = self.parse_pow();
        loop {
            let tok = self.tok;
            let prec = tok.kind.binary_precedence();
            if prec < in_prec || prec == 0 {
                break;
            }
            self.next();
            let rhs = self.parse_binop(prec + 1);
            let op = binary_op(tok.kind);
            lhs = self.push_expr(
                Expr::Binary {
                    op,
                    op_pos: tok.span.start,
                    lhs,
                    rhs,
                },
                &[lhs, rhs],
            );
        }
        self.leave();
        lhs
    }

    /// PowExpr = UnaryExpr [ "^" PowExpr ] (right-associative).
    fn parse_pow(&mut self) -> ExprId {
        let lhs = self.parse_unary();
        if self.tok.kind == Tok::Pow {
            let pos = self.tok.span.start;
            self.next();
            if !self.enter() {
                return lhs;
            }
            let rhs = self.parse_pow();
            self.leave();
            return self.push_expr(
                Expr::Binary {
                    op: BinaryOp::Pow,
                    op_pos: pos,
                    lhs,
                    rhs,
                },
                &[lhs, rhs],
            );
        }
        lhs
    }

    fn parse_unary(&mut self) -> ExprId {
        if matches!(self.tok.kind, Tok::Not | Tok::Sub) {
            let op = if self.tok.kind == Tok::Not {
                UnaryOp::Not
            } else {
                UnaryOp::Neg
            };
            let pos = self.tok.span.start;
            self.next();
            if !self.enter() {
                return self.null_placeholder(pos);
            }
            let value = self.parse_unary();
            self.leave();
            return self.push_expr(
                Expr::Unary {
                    op,
                    op_pos: pos,
                    value,
                },
                &[value],
            );
        }

        let mut primary = self.parse_primary();
        loop {
            match self.tok.kind {
                Tok::Dot => {
                    self.next();
                    let name = self.expect(Tok::Ident).span;
                    primary = self.push_expr(
                        Expr::Access {
                            value: primary,
                            name,
                        },
                        &[primary],
                    );
                }
                Tok::LBrack => {
                    let lbrack = self.expect(Tok::LBrack).span.start;
                    let index = self.parse_expression();
                    let rbrack = self.expect(Tok::RBrack).span.start;
                    primary = self.push_expr(
                        Expr::Index {
                            value: primary,
                            lbrack,
                            index,
                            rbrack,
                        },
                        &[primary, index],
                    );
                }
                Tok::LParen => {
                    self.expect(Tok::LParen);
                    let args = if self.tok.kind != Tok::RParen {
                        self.parse_expression_list(Tok::RParen)
                    } else {
                        ListRange {
                            start: self.expr_lists.len() as u32,
                            len: 0,
                        }
                    };
                    let rparen = self.expect(Tok::RParen).span.start;
                    let d = self
                        .depth_of(&self.expr_lists[args.indices()])
                        .max(self.depth_of(&[primary]));
                    primary = self.push_expr_at_depth(
                        Expr::Call {
                            func: primary,
                            args,
                            rparen,
                        },
                        d,
                    );
                }
                Tok::String | Tok::LCurly => {
                    // Someone assigning a block to an attribute: parse it as a block to say so.
                    if self.tok.kind == Tok::String {
                        self.next();
                    }
                    if self.expect(Tok::LCurly).kind != Tok::LCurly {
                        self.consume_statement();
                        return primary;
                    }
                    if !self.enter() {
                        return primary;
                    }
                    self.parse_body(Tok::RCurly);
                    self.leave();
                    let end = self.expect(Tok::RCurly);
                    if end.kind != Tok::RCurly {
                        self.consume_statement();
                        return primary;
                    }
                    let start = self.expr_start(primary);
                    self.add_range_error(
                        start,
                        end.span.start,
                        "cannot use a block as an expression",
                    );
                }
                _ => break,
            }
        }
        primary
    }

    fn expr_start(&self, id: ExprId) -> Offset {
        expr_start_in(&self.exprs, id)
    }

    fn parse_primary(&mut self) -> ExprId {
        let tok = self.tok;
        match tok.kind {
            Tok::Ident => {
                self.next();
                self.push_expr(Expr::Ident(tok.span), &[])
            }
            Tok::String | Tok::Number | Tok::Float | Tok::Bool | Tok::Null => {
                self.next();
                let kind = match tok.kind {
                    Tok::String => LitKind::String,
                    Tok::Number => LitKind::Number,
                    Tok::Float => LitKind::Float,
                    Tok::Bool => LitKind::Bool,
                    _ => LitKind::Null,
                };
                self.push_expr(
                    Expr::Literal {
                        kind,
                        span: tok.span,
                    },
                    &[],
                )
            }
            Tok::LParen => {
                let lparen = self.expect(Tok::LParen).span.start;
                let inner = self.parse_expression();
                let rparen = self.expect(Tok::RParen).span.start;
                self.push_expr(
                    Expr::Paren {
                        lparen,
                        inner,
                        rparen,
                    },
                    &[inner],
                )
            }
            Tok::LBrack => {
                let lbrack = self.expect(Tok::LBrack).span.start;
                let elems = if self.tok.kind != Tok::RBrack {
                    self.parse_expression_list(Tok::RBrack)
                } else {
                    ListRange {
                        start: self.expr_lists.len() as u32,
                        len: 0,
                    }
                };
                let rbrack = self.expect(Tok::RBrack).span.start;
                let d = self.depth_of(&self.expr_lists[elems.indices()]);
                self.push_expr_at_depth(
                    Expr::Array {
                        lbrack,
                        elems,
                        rbrack,
                    },
                    d,
                )
            }
            Tok::LCurly => {
                let lbrace = self.expect(Tok::LCurly).span.start;
                // Upstream compares against `]` here (not `}`); an empty `{}` still parses
                // because the field loop stops at `}`. Kept for identical diagnostics on `{]`.
                let fields = if self.tok.kind != Tok::RBrack {
                    self.parse_field_list(Tok::RCurly)
                } else {
                    ListRange {
                        start: self.fields.len() as u32,
                        len: 0,
                    }
                };
                let rbrace = self.expect(Tok::RCurly).span.start;
                let d = self.fields[fields.indices()]
                    .iter()
                    .map(|f| self.expr_depth[f.value.0 as usize])
                    .max()
                    .unwrap_or(0);
                self.push_expr_at_depth(
                    Expr::Object {
                        lbrace,
                        fields,
                        rbrace,
                    },
                    d,
                )
            }
            _ => {
                self.add_error(format!("expected expression, got {}", tok.kind));
                let e = self.null_placeholder(tok.span.start);
                self.advance_to_statement_end();
                e
            }
        }
    }

    /// ExpressionList = Expression { "," Expression } [ "," ].
    fn parse_expression_list(&mut self, until: Tok) -> ListRange {
        let mark = self.list_scratch.len();
        while self.tok.kind != until && self.tok.kind != Tok::Eof {
            let e = self.parse_expression();
            self.list_scratch.push(e);
            if self.tok.kind == until {
                break;
            }
            if self.tok.kind != Tok::Comma {
                self.add_error("missing ',' in expression list");
            }
            self.next();
        }
        let start = self.expr_lists.len() as u32;
        let n = self.list_scratch.len() - mark;
        self.expr_lists.extend(self.list_scratch.drain(mark..));
        ListRange {
            start,
            len: n as u32,
        }
    }

    /// FieldList = Field { "," Field } [ "," ].
    fn parse_field_list(&mut self, until: Tok) -> ListRange {
        let mark = self.field_scratch.len();
        while self.tok.kind != until && self.tok.kind != Tok::Eof {
            let f = self.parse_field();
            self.field_scratch.push(f);
            if self.tok.kind == until {
                break;
            }
            if self.tok.kind != Tok::Comma {
                self.add_error("missing ',' in field list");
            }
            self.next();
        }
        let start = self.fields.len() as u32;
        let n = self.field_scratch.len() - mark;
        self.fields.extend(self.field_scratch.drain(mark..));
        ListRange {
            start,
            len: n as u32,
        }
    }

    /// Field = ( string | identifier ) "=" Expression.
    fn parse_field(&mut self) -> Field {
        let tok = self.tok;
        let (key, key_kind) = match tok.kind {
            Tok::String if tok.span.len() > 2 => (tok.span, KeyKind::Quoted),
            Tok::String => (tok.span, KeyKind::EmptyString),
            Tok::Ident => (tok.span, KeyKind::Ident),
            _ => {
                self.add_error(format!(
                    "expected field name (string or identifier), got {}",
                    tok.kind
                ));
                self.advance(Tok::Assign);
                (Span::new(tok.span.start, tok.span.start), KeyKind::Ident)
            }
        };
        if matches!(tok.kind, Tok::String | Tok::Ident) {
            self.next();
        }
        self.expect(Tok::Assign);
        let value = self.parse_expression();
        Field {
            key,
            key_kind,
            value,
        }
    }
}

struct BlockName {
    frags: ListRange,
    label: Option<Span>,
}

fn binary_op(t: Tok) -> BinaryOp {
    match t {
        Tok::Or => BinaryOp::Or,
        Tok::And => BinaryOp::And,
        Tok::Eq => BinaryOp::Eq,
        Tok::Neq => BinaryOp::Neq,
        Tok::Lt => BinaryOp::Lt,
        Tok::Lte => BinaryOp::Lte,
        Tok::Gt => BinaryOp::Gt,
        Tok::Gte => BinaryOp::Gte,
        Tok::Add => BinaryOp::Add,
        Tok::Sub => BinaryOp::Sub,
        Tok::Mul => BinaryOp::Mul,
        Tok::Div => BinaryOp::Div,
        Tok::Mod => BinaryOp::Mod,
        _ => BinaryOp::Pow,
    }
}

/// True when `s` scans as exactly one identifier token (keywords are not identifiers).
pub fn is_valid_identifier_bytes(s: &[u8]) -> bool {
    if s.is_empty() {
        return false;
    }
    let mut sc = Scanner::without_terminators(s);
    let t = sc.scan();
    t.kind == Tok::Ident && t.span.len() == s.len() && !sc.has_errors()
}

/// Go's `%q` of a byte string, for the few parser messages that quote user text.
fn go_quote_ascii(b: &[u8]) -> String {
    crate::gocompat::strconv::quote(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn errs(src: &str) -> Vec<String> {
        match parse_file("", src.as_bytes()) {
            Ok(_) => vec![],
            Err(d) => d.0.iter().map(|d| d.to_string()).collect(),
        }
    }

    #[test]
    fn parses_blocks_and_attributes() {
        let ast = parse_file("t", b"a = 1\nb.c \"x\" {\n  d = [1, 2,]\n}\n").unwrap();
        let body = ast.file_body();
        assert_eq!(body.len(), 2);
        let Stmt::Block(b) = body[1] else { panic!() };
        assert_eq!(ast.block_name(&b), "b.c");
        assert_eq!(ast.block_label(&b), "x");
    }

    #[test]
    fn upstream_messages() {
        assert_eq!(
            errs("x = 1 y = 2"),
            vec!["1:7: expected TERMINATOR, got IDENT"]
        );
        assert_eq!(
            errs("x = [\n1\n]"),
            vec!["2:2: missing ',' in expression list"]
        );
        assert_eq!(
            errs("a { x = 1 y = 2 }"),
            vec!["1:11: expected TERMINATOR, got IDENT"]
        );
        assert_eq!(
            errs("x = { a = 1 b = 2 }"),
            vec!["1:13: missing ',' in field list"]
        );
        assert_eq!(
            errs("a.b = 1"),
            vec!["1:1: attribute names may only consist of a single identifier with no \".\""]
        );
        assert_eq!(
            errs("a \"l\" = 1"),
            vec!["1:3: attribute names may not have labels"]
        );
        assert_eq!(
            errs("true.x {}"),
            vec!["1:1: expected identifier, got BOOL"]
        );
        assert_eq!(
            errs("a \"with space\" {}"),
            vec!["1:3: expected block label to be a valid identifier, but got \"with space\""]
        );
        assert_eq!(
            errs("a \"x\" \"y\" {}"),
            vec!["1:7: expected block body, got STRING"]
        );
        assert_eq!(errs("x = 1 +"), vec!["1:8: expected expression, got EOF"]);
        assert_eq!(errs("x = 1 +\n"), vec!["2:1: expected expression, got EOF"]);
    }

    #[test]
    fn block_as_expression() {
        assert_eq!(
            errs("a = b { }"),
            vec!["1:5: cannot use a block as an expression"]
        );
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let src = format!("x = {}1{}", "[".repeat(20_000), "]".repeat(20_000));
        let e = errs(&src);
        assert_eq!(e.len(), 1, "{e:?}");
        assert!(e[0].contains("nesting is too deep"), "{e:?}");
        let src = format!("x = 1{}", " + 1".repeat(50_000));
        assert!(errs(&src)[0].contains("nesting is too deep"));
        let src = format!("x = {}1", "-".repeat(50_000));
        assert!(errs(&src)[0].contains("nesting is too deep"));
        let src = "a {\n".repeat(5000);
        assert!(errs(&src)[0].contains("nesting is too deep"));
    }

    #[test]
    fn expression_must_be_whole_input() {
        assert!(parse_expression(b"1 + 2").is_ok());
        let e = parse_expression(b"1 2").unwrap_err();
        assert_eq!(e.0[0].to_string(), "1:3: expected TERMINATOR, got NUMBER");
    }
}
