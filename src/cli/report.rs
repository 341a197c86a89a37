//! Printing diagnostics to the terminal.

use std::collections::HashMap;
use std::io::{IsTerminal, Write};

use crate::syntax::diag::Diagnostic;
use crate::syntax::diag_printer::{render, PrinterConfig};

/// Sources by file name, for excerpts.
pub type Sources = HashMap<String, Vec<u8>>;

/// Prints diagnostics in the pretty form on stderr (coloured on a terminal), separated by
/// blank lines.
pub fn print_diagnostics(sources: &Sources, diags: &[Diagnostic]) {
    if diags.is_empty() {
        return;
    }
    let color = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let text = render(
        sources,
        diags,
        PrinterConfig {
            color,
            ..PrinterConfig::default()
        },
    );
    let mut err = std::io::stderr().lock();
    let _ = err.write_all(text.as_bytes());
    let _ = err.write_all(b"\n");
}
