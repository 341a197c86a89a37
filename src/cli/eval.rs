//! `agent eval`: evaluate one expression with the standard library and the environment.

use std::io::{Read, Write};

use super::report::{print_diagnostics, Sources};
use super::Exit;
use crate::eval::{eval_expression, Scope};

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
    match eval_expression(&src, &Scope::with_env()) {
        Ok(v) => {
            let text = match format {
                Format::River => crate::eval::print::to_river(&v),
                Format::Json => crate::eval::print::to_json(&v),
            };
            let mut out = std::io::stdout().lock();
            let _ = out.write_all(text.as_bytes());
            let _ = out.write_all(b"\n");
            Exit::Ok
        }
        Err(d) => {
            let mut sources = Sources::new();
            sources.insert(String::new(), src);
            print_diagnostics(&sources, &d.0);
            Exit::Invalid
        }
    }
}
