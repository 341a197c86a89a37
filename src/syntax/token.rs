//! Token kinds as the parser sees them, named the way upstream's messages name them.

use std::fmt;

use super::pos::{Offset, Span};

/// The kind of a token.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum Tok {
    /// Anything the scanner could not make sense of (an error has been reported).
    Illegal,
    /// End of input.
    Eof,
    /// A `//` or `/* */` comment.
    Comment,
    /// An identifier.
    Ident,
    /// An integer literal (digits only).
    Number,
    /// A floating-point literal.
    Float,
    /// A double-quoted or raw (backtick) string literal.
    String,
    /// `true` or `false`.
    Bool,
    /// `null`.
    Null,
    /// `||`
    Or,
    /// `&&`
    And,
    /// `!`
    Not,
    /// `=`
    Assign,
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
    /// `{`
    LCurly,
    /// `}`
    RCurly,
    /// `(`
    LParen,
    /// `)`
    RParen,
    /// `[`
    LBrack,
    /// `]`
    RBrack,
    /// `,`
    Comma,
    /// `.`
    Dot,
    /// A statement terminator inserted at a newline or end of file.
    Terminator,
}

impl Tok {
    /// The name upstream uses in messages: `IDENT`, `TERMINATOR`, or an operator's spelling.
    pub fn name(self) -> &'static str {
        use Tok::*;
        match self {
            Illegal => "ILLEGAL",
            Eof => "EOF",
            Comment => "COMMENT",
            Ident => "IDENT",
            Number => "NUMBER",
            Float => "FLOAT",
            String => "STRING",
            Bool => "BOOL",
            Null => "NULL",
            Or => "||",
            And => "&&",
            Not => "!",
            Assign => "=",
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
            LCurly => "{",
            RCurly => "}",
            LParen => "(",
            RParen => ")",
            LBrack => "[",
            RBrack => "]",
            Comma => ",",
            Dot => ".",
            Terminator => "TERMINATOR",
        }
    }

    /// Precedence of a binary operator (1 = lowest), 0 for anything else. `^` is handled by the
    /// parser separately because it is right-associative.
    pub fn binary_precedence(self) -> u8 {
        use Tok::*;
        match self {
            Or => 1,
            And => 2,
            Eq | Neq | Lt | Lte | Gt | Gte => 3,
            Add | Sub => 4,
            Mul | Div | Mod => 5,
            Pow => 6,
            _ => 0,
        }
    }
}

impl fmt::Display for Tok {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One token: its kind and the bytes it covers. A terminator covers the newline it stands for
/// (or nothing, at end of file or before a comment).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Token {
    /// What kind of token this is.
    pub kind: Tok,
    /// Where it is.
    pub span: Span,
}

impl Token {
    /// Offset of the token's first byte.
    pub fn start(&self) -> Offset {
        self.span.start
    }
}
