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

fn run(
    ast: &Ast,
    comments: bool,
    exact: bool,
    f: impl FnOnce(&mut walker::Walker<'_, '_>),
) -> String {
    let mut p = printer::Printer::new(ast, comments);
    {
        let mut w = walker::Walker {
            ast,
            p: &mut p,
            exact,
        };
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

fn print_with(ast: &Ast, exact: bool) -> String {
    run(ast, true, exact, |w| match ast.root {
        Root::File(body) => w.stmts(ast.body(body)),
        Root::Expr(e) => w.expr(e),
    })
}

/// Prints a parsed file exactly as upstream's printer does (no final newline).
pub fn print_file(ast: &Ast) -> String {
    print_with(ast, false)
}

/// How many extra passes [`format_file`] may take to reach a fixed point.
const MAX_PASSES: usize = 4;

/// What `agent fmt` writes for a file: the printed file and exactly one newline.
///
/// The result always means what the input means and is a fixed point of itself:
///
/// * Upstream's printer places a comment by an estimate of where the next token is, and can
///   move a comment past an identifier or a closing parenthesis into the middle of an
///   expression, where its line break ends the statement. When the output does not parse back
///   to the same tree, the file is printed again with every such token at its exact position
///   (comments then stay between the tokens they were between).
/// * Upstream's printer is not idempotent on some inputs (a statement written over several
///   lines is joined onto one line but still ends its alignment section, so a second run
///   aligns it differently). When the output differs from the input it is printed again until
///   it stops changing. On inputs upstream formats idempotently this is exactly upstream's
///   output, and an already formatted file takes a single pass.
pub fn format_file(ast: &Ast) -> String {
    let first = with_newline(print_file(ast));
    if first == *ast.source {
        return first;
    }
    let want = crate::syntax::dump::dump(ast);
    let mut out = checked(ast, first, &want);
    for _ in 0..MAX_PASSES {
        let Ok(next_ast) = reparse(ast, out.as_bytes()) else {
            break;
        };
        let next = with_newline(print_file(&next_ast));
        if next == out {
            break;
        }
        out = checked(&next_ast, next, &want);
    }
    out
}

fn with_newline(mut s: String) -> String {
    s.push('\n');
    s
}

/// Parses printer output the way `like` was parsed (a file or a single expression).
fn reparse(like: &Ast, src: &[u8]) -> Result<Ast, crate::syntax::Diagnostics> {
    match like.root {
        Root::File(_) => crate::syntax::parse_file(&like.name, src),
        Root::Expr(_) => crate::syntax::parse_expression(src),
    }
}

fn means(like: &Ast, out: &str, want: &str) -> bool {
    reparse(like, out.as_bytes()).is_ok_and(|a| crate::syntax::dump::dump(&a) == want)
}

/// `out` if it means `want`; otherwise the exact-position print of `ast`; otherwise (a printer
/// bug) the source unchanged, because changing the meaning of a file is never acceptable.
fn checked(ast: &Ast, out: String, want: &str) -> String {
    if means(ast, &out, want) {
        return out;
    }
    let exact = with_newline(print_with(ast, true));
    if means(ast, &exact, want) {
        return exact;
    }
    ast.source.to_string()
}

/// Prints one expression (without comments), as upstream does when it quotes an expression in
/// an error message.
pub fn format_expr(ast: &Ast, id: ExprId) -> String {
    run(ast, false, false, |w| w.expr(id))
}

/// Parses and formats `src`; the diagnostics when it does not parse.
pub fn format_source(name: &str, src: &[u8]) -> Result<String, crate::syntax::Diagnostics> {
    let ast = crate::syntax::parse_file(name, src)?;
    Ok(format_file(&ast))
}
