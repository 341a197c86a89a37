//! The syntax tree: arenas of expressions, statements and fields addressed by index.
//!
//! A parsed file is one [`Ast`] value that owns its source text and flat vectors of nodes.
//! Nodes refer to children by index ([`ExprId`]) and to lists by [`ListRange`], so the tree
//! has no per-node allocation, drops without recursion however deep it is, and stays small
//! (identifiers and literals are spans into the source, decoded only when evaluated).
//!
//! Positions are byte offsets; [`Ast::line_col`] turns them into line/column.

use std::sync::Arc;

use super::pos::{LineCol, LineIndex, Offset, Position, Span};

/// Index of an expression in [`Ast::exprs`].
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ExprId(pub u32);

/// A contiguous run of entries in one of the list arenas.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct ListRange {
    /// First index.
    pub start: u32,
    /// Number of entries.
    pub len: u32,
}

impl ListRange {
    /// The indices covered.
    pub fn indices(self) -> std::ops::Range<usize> {
        self.start as usize..(self.start + self.len) as usize
    }

    /// True when the range holds nothing.
    pub fn is_empty(self) -> bool {
        self.len == 0
    }
}

/// Kind of a literal expression.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum LitKind {
    /// Digits only (decoded at evaluation: leading zero means octal).
    Number,
    /// A float literal.
    Float,
    /// A double-quoted or raw string, quotes included in the span.
    String,
    /// `true` / `false`.
    Bool,
    /// `null`.
    Null,
}

/// A unary operator.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum UnaryOp {
    /// `!`
    Not,
    /// `-`
    Neg,
}

impl UnaryOp {
    /// Source spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            UnaryOp::Not => "!",
            UnaryOp::Neg => "-",
        }
    }
}

/// A binary operator.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum BinaryOp {
    /// `||`
    Or,
    /// `&&`
    And,
    /// `==`
    Eq,
    /// `!=`
    Neq,
    /// `<`
    Lt,
    /// `<=`
    Lte,
    /// `>`
    Gt,
    /// `>=`
    Gte,
    /// `+`
    Add,
    /// `-`
    Sub,
    /// `*`
    Mul,
    /// `/`
    Div,
    /// `%`
    Mod,
    /// `^`
    Pow,
}

impl BinaryOp {
    /// Source spelling.
    pub fn as_str(self) -> &'static str {
        use BinaryOp::*;
        match self {
            Or => "||",
            And => "&&",
            Eq => "==",
            Neq => "!=",
            Lt => "<",
            Lte => "<=",
            Gt => ">",
            Gte => ">=",
            Add => "+",
            Sub => "-",
            Mul => "*",
            Div => "/",
            Mod => "%",
            Pow => "^",
        }
    }
}

/// An expression node.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Expr {
    /// An identifier reference.
    Ident(Span),
    /// A literal; its text is the span.
    Literal {
        /// Which kind of literal.
        kind: LitKind,
        /// The literal's source text.
        span: Span,
    },
    /// `[a, b]`; elements in [`Ast::expr_lists`].
    Array {
        /// Offset of `[`.
        lbrack: Offset,
        /// The elements.
        elems: ListRange,
        /// Offset of `]`.
        rbrack: Offset,
    },
    /// `{k = v}`; fields in [`Ast::fields`].
    Object {
        /// Offset of `{`.
        lbrace: Offset,
        /// The fields.
        fields: ListRange,
        /// Offset of `}`.
        rbrace: Offset,
    },
    /// `value.name`.
    Access {
        /// The object.
        value: ExprId,
        /// The field name.
        name: Span,
    },
    /// `value[index]`.
    Index {
        /// The indexed value.
        value: ExprId,
        /// Offset of `[`.
        lbrack: Offset,
        /// The index.
        index: ExprId,
        /// Offset of `]`.
        rbrack: Offset,
    },
    /// `func(args)`; arguments in [`Ast::expr_lists`]. The `(` is always on the line where
    /// `func` ends (a line break there would end the statement), so its offset is not kept.
    Call {
        /// The function.
        func: ExprId,
        /// The arguments.
        args: ListRange,
        /// Offset of `)`.
        rparen: Offset,
    },
    /// `!x` or `-x`.
    Unary {
        /// The operator.
        op: UnaryOp,
        /// Offset of the operator.
        op_pos: Offset,
        /// The operand.
        value: ExprId,
    },
    /// `lhs op rhs`.
    Binary {
        /// The operator.
        op: BinaryOp,
        /// Offset of the operator.
        op_pos: Offset,
        /// Left operand.
        lhs: ExprId,
        /// Right operand.
        rhs: ExprId,
    },
    /// `(inner)`, kept for the formatter.
    Paren {
        /// Offset of `(`.
        lparen: Offset,
        /// The expression inside.
        inner: ExprId,
        /// Offset of `)`.
        rparen: Offset,
    },
}

/// How an object key was written.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum KeyKind {
    /// A bare identifier.
    Ident,
    /// A string literal longer than its two delimiters; the key is the raw text between them.
    Quoted,
    /// An empty string literal (`""`): upstream keeps the two delimiters as the key.
    EmptyString,
}

/// One `key = value` of an object literal.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Field {
    /// The key's source token (quotes included for strings).
    pub key: Span,
    /// How the key was written.
    pub key_kind: KeyKind,
    /// The value.
    pub value: ExprId,
}

/// `name = value` in a body.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Attribute {
    /// The attribute name.
    pub name: Span,
    /// The value.
    pub value: ExprId,
}

/// `name.parts "label" { body }`.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Block {
    /// Name fragments, in [`Ast::name_frags`].
    pub name: ListRange,
    /// The label token including its quotes, if one was written (`""` included).
    pub label: Option<Span>,
    /// Offset of `{`.
    pub lbrace: Offset,
    /// The statements inside.
    pub body: Body,
    /// Offset of `}`.
    pub rbrace: Offset,
}

/// A statement.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Stmt {
    /// An attribute.
    Attr(Attribute),
    /// A block.
    Block(Block),
}

/// The statements of a file or block, in [`Ast::stmts`].
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct Body(pub ListRange);

/// A comment, kept for the formatter.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Comment {
    /// The comment's bytes (for `//` comments, without the newline).
    pub span: Span,
}

/// A parsed file or expression.
#[derive(Clone, Debug)]
pub struct Ast {
    /// File name used in positions ("" for a lone expression).
    pub name: Arc<str>,
    /// The source text.
    pub source: Arc<str>,
    /// Line starts of the source.
    pub lines: LineIndex,
    /// Expression arena.
    pub exprs: Vec<Expr>,
    /// Array elements and call arguments.
    pub expr_lists: Vec<ExprId>,
    /// Object fields.
    pub fields: Vec<Field>,
    /// Statements of all bodies.
    pub stmts: Vec<Stmt>,
    /// Block name fragments.
    pub name_frags: Vec<Span>,
    /// Comments in source order.
    pub comments: Vec<Comment>,
    /// The root: the file's body, or a single expression.
    pub root: Root,
}

/// What an [`Ast`] holds at its top.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Root {
    /// A file's statements.
    File(Body),
    /// A single expression.
    Expr(ExprId),
}

impl Ast {
    /// The node with index `id`.
    pub fn expr(&self, id: ExprId) -> &Expr {
        &self.exprs[id.0 as usize]
    }

    /// The source text of a span.
    pub fn text(&self, span: Span) -> &str {
        span.text(&self.source)
    }

    /// The statements of a body.
    pub fn body(&self, body: Body) -> &[Stmt] {
        &self.stmts[body.0.indices()]
    }

    /// The file's top-level statements (empty for an expression).
    pub fn file_body(&self) -> &[Stmt] {
        match self.root {
            Root::File(b) => self.body(b),
            Root::Expr(_) => &[],
        }
    }

    /// Array elements or call arguments.
    pub fn list(&self, r: ListRange) -> &[ExprId] {
        &self.expr_lists[r.indices()]
    }

    /// Object fields.
    pub fn field_list(&self, r: ListRange) -> &[Field] {
        &self.fields[r.indices()]
    }

    /// A block's name fragments.
    pub fn block_name_frags(&self, b: &Block) -> &[Span] {
        &self.name_frags[b.name.indices()]
    }

    /// A block's full dotted name, e.g. `prometheus.scrape`.
    pub fn block_name(&self, b: &Block) -> String {
        let frags = self.block_name_frags(b);
        let mut s = String::with_capacity(frags.iter().map(|f| f.len() + 1).sum());
        for (i, f) in frags.iter().enumerate() {
            if i > 0 {
                s.push('.');
            }
            s.push_str(self.text(*f));
        }
        s
    }

    /// A block's label text without quotes; empty when absent or `""`.
    pub fn block_label(&self, b: &Block) -> &str {
        match b.label {
            Some(sp) if sp.len() > 2 => &self.source[sp.start as usize + 1..sp.end as usize - 1],
            _ => "",
        }
    }

    /// Offset where a block's name starts.
    pub fn block_start(&self, b: &Block) -> Offset {
        self.name_frags[b.name.start as usize].start
    }

    /// An object field's key as upstream defines it: the raw text between the delimiters for a
    /// quoted key (no escape processing), the identifier otherwise, and `""` for an empty string.
    pub fn field_key(&self, f: &Field) -> &str {
        match f.key_kind {
            KeyKind::Quoted => &self.source[f.key.start as usize + 1..f.key.end as usize - 1],
            KeyKind::Ident | KeyKind::EmptyString => self.text(f.key),
        }
    }

    /// Line and column of an offset.
    pub fn line_col(&self, off: Offset) -> LineCol {
        self.lines.line_col(off)
    }

    /// A full position (file, offset, line, column).
    pub fn position(&self, off: Offset) -> Position {
        Position {
            file: self.name.clone(),
            offset: off,
            lc: self.lines.line_col(off),
        }
    }

    /// Offset of an expression's first byte.
    pub fn expr_start(&self, id: ExprId) -> Offset {
        expr_start_in(&self.exprs, id)
    }

    /// Offset of an expression's last byte (upstream's `EndPos`).
    pub fn expr_last(&self, mut id: ExprId) -> Offset {
        loop {
            match *self.expr(id) {
                Expr::Ident(sp) | Expr::Literal { span: sp, .. } => return sp.last(),
                Expr::Access { name, .. } => return name.last(),
                Expr::Array { rbrack, .. } | Expr::Index { rbrack, .. } => return rbrack,
                Expr::Object { rbrace, .. } => return rbrace,
                Expr::Call { rparen, .. } => return rparen,
                Expr::Paren { rparen, .. } => return rparen,
                Expr::Unary { value, .. } => id = value,
                Expr::Binary { rhs, .. } => id = rhs,
            }
        }
    }

    /// The bytes an expression covers.
    pub fn expr_span(&self, id: ExprId) -> Span {
        Span::new(self.expr_start(id), self.expr_last(id) + 1)
    }

    /// Offset of a statement's first byte.
    pub fn stmt_start(&self, s: &Stmt) -> Offset {
        match s {
            Stmt::Attr(a) => a.name.start,
            Stmt::Block(b) => self.block_start(b),
        }
    }

    /// Offset of a statement's last byte.
    pub fn stmt_last(&self, s: &Stmt) -> Offset {
        match s {
            Stmt::Attr(a) => self.expr_last(a.value),
            Stmt::Block(b) => b.rbrace,
        }
    }

    /// Bytes of heap memory the tree holds besides the source text.
    pub fn heap_size(&self) -> usize {
        use std::mem::size_of;
        self.exprs.capacity() * size_of::<Expr>()
            + self.expr_lists.capacity() * size_of::<ExprId>()
            + self.fields.capacity() * size_of::<Field>()
            + self.stmts.capacity() * size_of::<Stmt>()
            + self.name_frags.capacity() * size_of::<Span>()
            + self.comments.capacity() * size_of::<Comment>()
            + self.lines.len() * size_of::<Offset>()
    }
}

/// Offset of the first byte of expression `id` in an expression arena (the leftmost leaf).
pub fn expr_start_in(exprs: &[Expr], mut id: ExprId) -> Offset {
    loop {
        match exprs[id.0 as usize] {
            Expr::Ident(sp) | Expr::Literal { span: sp, .. } => return sp.start,
            Expr::Array { lbrack, .. } => return lbrack,
            Expr::Object { lbrace, .. } => return lbrace,
            Expr::Access { value, .. } | Expr::Index { value, .. } => id = value,
            Expr::Call { func, .. } => id = func,
            Expr::Unary { op_pos, .. } => return op_pos,
            Expr::Binary { lhs, .. } => id = lhs,
            Expr::Paren { lparen, .. } => return lparen,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nodes_stay_small() {
        assert!(
            std::mem::size_of::<Expr>() <= 24,
            "Expr is {} bytes",
            std::mem::size_of::<Expr>()
        );
        assert!(std::mem::size_of::<Field>() <= 16);
        assert!(
            std::mem::size_of::<Stmt>() <= 48,
            "Stmt is {} bytes",
            std::mem::size_of::<Stmt>()
        );
    }
}
