//! Finding the configuration files a command was pointed at.

use std::path::{Path, PathBuf};

/// Extensions of configuration files: River-era and Alloy-era.
pub const CONFIG_EXTENSIONS: &[&str] = &["river", "alloy"];

fn is_config_file(p: &Path) -> bool {
    p.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| CONFIG_EXTENSIONS.contains(&e))
}

/// Expands `paths` into files: a file stands for itself, a directory for every `*.river` and
/// `*.alloy` file below it (recursively), sorted. Errors name the path that failed.
pub fn expand_recursive(paths: &[PathBuf]) -> Result<Vec<PathBuf>, String> {
    let mut out = Vec::new();
    for p in paths {
        let meta = std::fs::metadata(p).map_err(|e| format!("{}: {e}", p.display()))?;
        if meta.is_dir() {
            let mut found = Vec::new();
            walk(p, &mut found)?;
            found.sort();
            out.extend(found);
        } else {
            out.push(p.clone());
        }
    }
    Ok(out)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), String> {
    let entries = std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    for entry in entries {
        let entry = entry.map_err(|e| format!("{}: {e}", dir.display()))?;
        let path = entry.path();
        let ft = entry
            .file_type()
            .map_err(|e| format!("{}: {e}", path.display()))?;
        if ft.is_dir() {
            walk(&path, out)?;
        } else if is_config_file(&path) {
            out.push(path);
        }
    }
    Ok(())
}

/// The files of one configuration: a file, or every `*.river`/`*.alloy` file directly inside
/// a directory (not recursive, as `agent run` reads them), sorted by name.
pub fn config_files(path: &Path) -> Result<Vec<PathBuf>, String> {
    let meta = std::fs::metadata(path).map_err(|e| format!("{}: {e}", path.display()))?;
    if !meta.is_dir() {
        return Ok(vec![path.to_path_buf()]);
    }
    let mut out = Vec::new();
    let entries = std::fs::read_dir(path).map_err(|e| format!("{}: {e}", path.display()))?;
    for entry in entries {
        let p = entry
            .map_err(|e| format!("{}: {e}", path.display()))?
            .path();
        if p.is_file() && is_config_file(&p) {
            out.push(p);
        }
    }
    out.sort();
    if out.is_empty() {
        return Err(format!(
            "{}: no *.river or *.alloy files in this directory",
            path.display()
        ));
    }
    Ok(out)
}
