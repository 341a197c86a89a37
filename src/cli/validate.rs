//! `agent validate`: report every problem of one or more configurations, without running them.

use std::path::PathBuf;
use std::sync::Arc;

use super::report::{print_diagnostics, Sources};
use super::Exit;
use crate::runtime::component::Stability;
use crate::runtime::loader::{LoadOptions, Source};
use crate::syntax::diag::Diagnostic;

/// Checks each path (a file, or a directory holding a configuration's files): syntax, then the
/// graph (unknown components, duplicates, references, cycles) and the arguments that do not
/// depend on anything outside the files. Prints every diagnostic; exit 1 when any error was
/// found. Nothing is started and neither the network nor the environment is touched.
pub fn run(paths: &[PathBuf], stability: Stability) -> Exit {
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
        let mut parsed = Vec::new();
        let mut parse_failed = false;
        for f in files {
            let name = f.display().to_string();
            let src = match std::fs::read(&f) {
                Ok(s) => s,
                Err(e) => {
                    eprintln!("Error: {name}: {e}");
                    return Exit::Usage;
                }
            };
            match crate::syntax::parse_file(&name, &src) {
                Ok(ast) => parsed.push(Source {
                    name: name.clone(),
                    ast: Arc::new(ast),
                }),
                Err(d) => {
                    diags.extend(d.0);
                    parse_failed = true;
                }
            }
            sources.insert(name, src);
        }
        if !parse_failed {
            let opts = LoadOptions {
                registry: crate::components::registry(),
                stability,
                scope_names: &[],
            };
            diags.extend(crate::runtime::check::check(&parsed, &opts));
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
