//! The canonical printer behind `agent fmt`, byte-exact with upstream's output.
//!
//! Four stages, as upstream: the [`walker`] emits tokens and abstract whitespace, the
//! [`printer`] buffers whitespace and merges comments in, the [`tabwriter`] aligns cells
//! (elastic tabstops) and the [`trimmer`] removes trailing blanks and the escape bytes.
//!
//! Where upstream's output would change a file's meaning, ours does not (see
//! `docs/compatibility.md`): for every input that parses, `parse(format(x))` equals
//! `parse(x)` apart from positions, and `format(format(x)) == format(x)`.

pub mod printer;
pub mod tabwriter;
pub mod trimmer;
mod walker;

use crate::syntax::ast::{Ast, ExprId, Root};

fn run(ast: &Ast, comments: bool, f: impl FnOnce(&mut walker::Walker<'_, '_>)) -> String {
    let mut p = printer::Printer::new(ast, comments);
    {
        let mut w = walker::Walker { ast, p: &mut p };
        f(&mut w);
    }
    p.finish();
    let mut tw = tabwriter::TabWriter::new();
    tw.write(&p.output);
    let aligned = tw.finish();
    let trimmed = trimmer::trim(&aligned);
    // The input was valid UTF-8 and only whole escape bytes were added and removed.
    String::from_utf8(trimmed)
        .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// Prints a parsed file exactly as upstream's printer does (no final newline).
pub fn print_file(ast: &Ast) -> String {
    run(ast, true, |w| match ast.root {
        Root::File(body) => w.stmts(ast.body(body)),
        Root::Expr(e) => w.expr(e),
    })
}

/// What `agent fmt` writes for a file: the printed file and exactly one newline.
pub fn format_file(ast: &Ast) -> String {
    let mut s = print_file(ast);
    s.push('\n');
    s
}

/// Prints one expression (without comments), as upstream does when it quotes an expression in
/// an error message.
pub fn format_expr(ast: &Ast, id: ExprId) -> String {
    run(ast, false, |w| w.expr(id))
}

/// Parses and formats `src`; the diagnostics when it does not parse.
pub fn format_source(name: &str, src: &[u8]) -> Result<String, crate::syntax::Diagnostics> {
    let ast = crate::syntax::parse_file(name, src)?;
    Ok(format_file(&ast))
}
