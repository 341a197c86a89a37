//! The River syntax: scanner → terminator insertion → parser → AST, and diagnostics.
//!
//! ```
//! let ast = river_agent::syntax::parse_file("main.river", b"a = 1\n").unwrap();
//! assert_eq!(ast.file_body().len(), 1);
//! ```

pub mod ast;
pub mod chars;
pub mod diag;
pub mod diag_printer;
pub mod identifier;
pub mod lexer;
pub mod parser;
pub mod pos;
pub mod terminators;
pub mod token;

pub use ast::Ast;
pub use diag::{Diagnostic, Diagnostics, Severity};
pub use parser::{parse_expression, parse_expression_shared, parse_file};
pub use pos::{LineCol, Offset, Position, Span};
pub mod dump;
