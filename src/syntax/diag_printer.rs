//! The pretty form of diagnostics: a header, then the source lines around the problem with a
//! caret underline, byte for byte as upstream prints it (see `diag-printer-cases.json`).
//!
//! ```text
//! Error: main.river:2:18: string literal not terminated
//!
//! 1 | // Missing string termination.
//! 2 | local.file_match "applogs {
//!   |                  ^
//! 3 |     path_targets = …
//! ```
//!
//! Tabs print as four spaces; a range over several lines is drawn with a `_`/`|` gutter.

use std::collections::HashMap;
use std::fmt::Write;

use super::diag::{Diagnostic, Severity};
use super::pos::LineCol;

const TAB_WIDTH: usize = 4;

/// Rendering options.
#[derive(Copy, Clone, Debug)]
pub struct PrinterConfig {
    /// ANSI colour and bold headers (for terminals).
    pub color: bool,
    /// Source lines shown before the first line of the range.
    pub context_before: u32,
    /// Source lines shown after the last line of the range.
    pub context_after: u32,
}

impl Default for PrinterConfig {
    fn default() -> Self {
        PrinterConfig {
            color: false,
            context_before: 1,
            context_after: 1,
        }
    }
}

/// Renders `diags`, looking up each file's bytes by name in `files` (a diagnostic whose file
/// is unknown gets only its header). Diagnostics are separated by a blank line.
pub fn render(
    files: &HashMap<String, Vec<u8>>,
    diags: &[Diagnostic],
    cfg: PrinterConfig,
) -> String {
    let mut out = String::new();
    for (i, d) in diags.iter().enumerate() {
        header(&mut out, d, cfg.color);
        let end = d.end_or_start();
        if let Some(src) = files.get(&*d.start.file) {
            if d.start.file == end.file {
                range(&mut out, src, d.start.lc, end.lc, cfg);
            }
        }
        if i + 1 < diags.len() {
            out.push('\n');
        }
    }
    out
}

fn header(out: &mut String, d: &Diagnostic, color: bool) {
    let (label, code) = match d.severity {
        Severity::Error => ("Error: ", "\x1b[1;31m"),
        Severity::Warning => ("Warning: ", "\x1b[1;33m"),
    };
    if color {
        let _ = writeln!(
            out,
            "{code}{label}\x1b[0m\x1b[1m{}: {}\x1b[0m",
            d.start, d.message
        );
    } else {
        let _ = writeln!(out, "{label}{}: {}", d.start, d.message);
    }
}

fn in_range(line: u32, col: u32, start: LineCol, end: LineCol) -> bool {
    if line < start.line || line > end.line {
        return false;
    }
    if line == start.line {
        col >= start.col
    } else if line == end.line {
        col <= end.col
    } else {
        true
    }
}

fn range(out: &mut String, src: &[u8], start: LineCol, end: LineCol, cfg: PrinterConfig) {
    out.push('\n');
    let lines: Vec<&[u8]> = src.split(|&b| b == b'\n').collect();
    let first = start.line.saturating_sub(cfg.context_before).max(1);
    let last = (end.line + cfg.context_after).min(lines.len() as u32);
    let multiline = end.line > start.line;
    let width = last.to_string().len();

    for n in first..=last {
        let Some(line) = lines.get(n as usize - 1) else {
            break;
        };
        let _ = write!(out, "{:>width$} | ", n);
        if multiline {
            out.push_str(if in_range(n, 0, start, end) {
                "| "
            } else {
                "  "
            });
        }
        for c in String::from_utf8_lossy_go(line).chars() {
            match c {
                '\r' => {}
                '\t' | '\x0b' => out.push_str(&" ".repeat(TAB_WIDTH)),
                c => out.push(c),
            }
        }
        out.push('\n');

        if n == start.line || (multiline && n == end.line) {
            out.push_str(&" ".repeat(width));
            if multiline && n == start.line {
                out.push_str(" |  _");
            } else if multiline && n == end.line {
                out.push_str(" | |_");
            } else {
                out.push_str(" | ");
            }
            focus(out, line, n, start, end);
            out.push('\n');
        }
    }
}

fn focus(out: &mut String, line: &[u8], n: u32, start: LineCol, end: LineCol) {
    let blank = if end.line > start.line { '_' } else { ' ' };
    let mut i = 0;
    while i < line.len() {
        let d = super::chars::decode(&line[i..]);
        let col = i as u32 + 1;
        if n == end.line && col > end.col {
            break;
        }
        match d.ch {
            Some('\t') | Some('\x0b') => {
                for _ in 0..TAB_WIDTH {
                    out.push(blank);
                }
            }
            _ if in_range(n, col, start, end) => out.push('^'),
            _ => out.push(blank),
        }
        i += d.width;
    }
}

/// Lossy UTF-8 conversion that, like Go's range over a string, turns each invalid byte into
/// one U+FFFD.
trait LossyGo {
    fn from_utf8_lossy_go(b: &[u8]) -> String;
}

impl LossyGo for String {
    fn from_utf8_lossy_go(b: &[u8]) -> String {
        let mut s = String::with_capacity(b.len());
        let mut i = 0;
        while i < b.len() {
            let d = super::chars::decode(&b[i..]);
            s.push(d.ch.unwrap_or('\u{FFFD}'));
            i += d.width;
        }
        s
    }
}
