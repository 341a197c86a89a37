//! `agent validate`: report every problem of one or more configurations, without running them.

use std::path::PathBuf;

use super::report::{print_diagnostics, Sources};
use super::Exit;
use crate::syntax::diag::Diagnostic;

/// Checks each path (a file, or a directory holding a configuration's files) and prints every
/// diagnostic. Exit 1 when any error was found.
pub fn run(paths: &[PathBuf]) -> Exit {
    let mut sources = Sources::new();
    let mut diags: Vec<Diagnostic> = Vec::new();
    for path in paths {
        let files = match super::files::config_files(path) {
            Ok(f) => f,
            Err(e) => {
                eprintln!("Error: {e}");
                return Exit::Usage;
            }
        };
        for f in files {
            let name = f.display().to_string();
            let src = match std::fs::read(&f) {
                Ok(s) => s,
                Err(e) => {
                    eprintln!("Error: {name}: {e}");
                    return Exit::Usage;
                }
            };
            if let Err(d) = crate::syntax::parse_file(&name, &src) {
                diags.extend(d.0);
            }
            sources.insert(name, src);
        }
    }
    print_diagnostics(&sources, &diags);
    if diags
        .iter()
        .any(|d| d.severity == crate::syntax::Severity::Error)
    {
        eprintln!("Error: validation failed");
        Exit::Invalid
    } else {
        Exit::Ok
    }
}
