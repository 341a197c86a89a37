//! `agent eval`: evaluate one expression with the standard library and the environment.

use std::io::{Read, Write};
use std::sync::Arc;

use super::report::{print_diagnostics, Sources};
use super::Exit;
use crate::eval::{eval_expression, eval_source, Scope};
use crate::syntax::Diagnostics;

/// Output format of `agent eval`.
#[derive(Copy, Clone, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// River syntax.
    River,
    /// JSON.
    Json,
}

/// Evaluates `expr` (`-` reads standard input) and prints the value.
pub fn run(expr: &str, format: Format) -> Exit {
    let src: Vec<u8> = if expr == "-" {
        let mut b = Vec::new();
        if let Err(e) = std::io::stdin().read_to_end(&mut b) {
            eprintln!("Error: reading standard input: {e}");
            return Exit::Usage;
        }
        b
    } else {
        expr.as_bytes().to_vec()
    };
    // Valid UTF-8 is held once, shared with the tree; anything else goes to the parser as is
    // to be reported.
    let (result, src) = match String::from_utf8(src) {
        Ok(text) => {
            let text: Arc<str> = Arc::from(text);
            (eval_source(&text, &Scope::with_env()), Source::Text(text))
        }
        Err(e) => {
            let bytes = e.into_bytes();
            (
                eval_expression(&bytes, &Scope::with_env()),
                Source::Bytes(bytes),
            )
        }
    };
    match result {
        Ok(v) => {
            // The source is no longer needed: free it before the output is produced.
            drop(src);
            let mut out = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
            let written = match format {
                Format::River => crate::eval::print::write_river_to(&v, &mut out),
                Format::Json => crate::eval::print::write_json_to(&v, &mut out),
            };
            // A closed standard output (`| head`) is not an evaluation failure.
            let _ = written
                .and_then(|()| out.write_all(b"\n"))
                .and_then(|()| out.flush());
            Exit::Ok
        }
        Err(d) => {
            report(src, &d);
            Exit::Invalid
        }
    }
}

/// The expression's text as read.
enum Source {
    Text(Arc<str>),
    Bytes(Vec<u8>),
}

fn report(src: Source, d: &Diagnostics) {
    let bytes = match src {
        Source::Text(t) => t.as_bytes().to_vec(),
        Source::Bytes(b) => b,
    };
    let mut sources = Sources::new();
    sources.insert(String::new(), bytes);
    print_diagnostics(&sources, &d.0);
}
