//! `agent fmt`: print, check or rewrite files in canonical form.

use std::io::{Read, Write};
use std::path::PathBuf;

use super::report::{print_diagnostics, Sources};
use super::Exit;

/// What `agent fmt` should do with each file.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Print the formatted text on stdout.
    Print,
    /// Print the names of files that are not formatted; exit 1 if any.
    Check,
    /// Rewrite files whose formatting changes.
    Write,
}

/// Runs `agent fmt` over `paths` (files, directories, or `-` / nothing for stdin).
pub fn run(paths: &[PathBuf], mode: Mode) -> Exit {
    let stdin = paths.is_empty() || (paths.len() == 1 && paths[0].as_os_str() == "-");
    if stdin {
        if mode == Mode::Write {
            eprintln!("Error: cannot use -w with standard input");
            return Exit::Usage;
        }
        let mut src = Vec::new();
        if let Err(e) = std::io::stdin().read_to_end(&mut src) {
            eprintln!("Error: reading standard input: {e}");
            return Exit::Usage;
        }
        return format_one("<stdin>", &src, mode, None);
    }
    let files = match super::files::expand_recursive(paths) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("Error: {e}");
            return Exit::Usage;
        }
    };
    let mut worst = Exit::Ok;
    for f in &files {
        let name = f.display().to_string();
        let src = match std::fs::read(f) {
            Ok(s) => s,
            Err(e) => {
                eprintln!("Error: {name}: {e}");
                worst = Exit::Usage;
                continue;
            }
        };
        let r = format_one(&name, &src, mode, Some(f));
        if r != Exit::Ok && worst != Exit::Usage {
            worst = r;
        }
    }
    worst
}

fn format_one(name: &str, src: &[u8], mode: Mode, path: Option<&PathBuf>) -> Exit {
    let out = match crate::fmt::format_source(name, src) {
        Ok(o) => o,
        Err(diags) => {
            let mut sources = Sources::new();
            sources.insert(name.to_string(), src.to_vec());
            print_diagnostics(&sources, &diags.0);
            eprintln!("Error: {name}: encountered errors during formatting");
            return Exit::Invalid;
        }
    };
    let changed = out.as_bytes() != src;
    match mode {
        Mode::Print => {
            let mut stdout = std::io::stdout().lock();
            if stdout.write_all(out.as_bytes()).is_err() {
                return Exit::Usage;
            }
            Exit::Ok
        }
        Mode::Check => {
            if changed {
                println!("{name}");
                Exit::Invalid
            } else {
                Exit::Ok
            }
        }
        Mode::Write => {
            let Some(path) = path else { return Exit::Usage };
            if changed {
                // Write a sibling file and rename it over the original, so a crash never
                // leaves a half-written config; keep the original permissions.
                let tmp = path.with_extension("fmt-tmp");
                let perms = std::fs::metadata(path).map(|m| m.permissions()).ok();
                let res = std::fs::write(&tmp, out.as_bytes())
                    .and_then(|_| match perms {
                        Some(p) => std::fs::set_permissions(&tmp, p),
                        None => Ok(()),
                    })
                    .and_then(|_| std::fs::rename(&tmp, path));
                if let Err(e) = res {
                    let _ = std::fs::remove_file(&tmp);
                    eprintln!("Error: {name}: writing formatted file: {e}");
                    return Exit::Usage;
                }
            }
            Exit::Ok
        }
    }
}
