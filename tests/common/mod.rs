//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::PathBuf;

/// The upstream conformance corpus directory (`$RIVER_CONFORMANCE_DIR/upstream`, default
/// `../shared/conformance/upstream`). When it is missing this says so loudly, and panics if
/// `RIVER_CONFORMANCE_REQUIRED=1` (as CI sets); otherwise the caller skips.
pub fn conformance_dir() -> Option<PathBuf> {
    let base = std::env::var_os("RIVER_CONFORMANCE_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/conformance"));
    let dir = base.join("upstream");
    if dir.is_dir() {
        return Some(dir);
    }
    let msg = format!(
        "\n\n!!! CONFORMANCE CORPUS NOT FOUND at {} — conformance tests are SKIPPED.\n\
         !!! Set RIVER_CONFORMANCE_DIR to the directory that holds `upstream/`.\n",
        dir.display()
    );
    if std::env::var("RIVER_CONFORMANCE_REQUIRED").as_deref() == Ok("1") {
        panic!("{msg}!!! RIVER_CONFORMANCE_REQUIRED=1, failing.\n");
    }
    eprintln!("{msg}");
    None
}

/// Reads a JSON file of the corpus.
pub fn read_json(dir: &std::path::Path, name: &str) -> serde_json::Value {
    let text =
        std::fs::read_to_string(dir.join(name)).unwrap_or_else(|e| panic!("reading {name}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("parsing {name}: {e}"))
}

/// Decodes a Go interpreted string literal body (between the quotes).
pub fn go_unquote(s: &str) -> Vec<u8> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    let hex = |s: &[u8]| u32::from_str_radix(std::str::from_utf8(s).unwrap(), 16).unwrap();
    while i < b.len() {
        if b[i] != b'\\' {
            out.push(b[i]);
            i += 1;
            continue;
        }
        i += 1;
        match b[i] {
            b'a' => out.push(7),
            b'b' => out.push(8),
            b'f' => out.push(12),
            b'n' => out.push(b'\n'),
            b'r' => out.push(b'\r'),
            b't' => out.push(b'\t'),
            b'v' => out.push(11),
            b'\\' => out.push(b'\\'),
            b'"' => out.push(b'"'),
            b'\'' => out.push(b'\''),
            b'x' => {
                out.push(hex(&b[i + 1..i + 3]) as u8);
                i += 2;
            }
            b'u' => {
                let c = char::from_u32(hex(&b[i + 1..i + 5])).unwrap();
                out.extend(c.to_string().as_bytes());
                i += 4;
            }
            b'U' => {
                let c = char::from_u32(hex(&b[i + 1..i + 9])).unwrap();
                out.extend(c.to_string().as_bytes());
                i += 8;
            }
            b'0'..=b'7' => {
                let v = u32::from_str_radix(std::str::from_utf8(&b[i..i + 3]).unwrap(), 8).unwrap();
                out.push(v as u8);
                i += 2;
            }
            c => panic!("bad escape \\{}", c as char),
        }
        i += 1;
    }
    out
}

/// Path to the built `agent` binary.
pub fn agent_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_agent"))
}

pub mod agent;
pub mod gen;
pub mod proxy;
