//! The `agent` subcommands. `main.rs` parses flags with clap and calls into here, so the
//! commands' behaviour is library code that tests can reach.

pub mod eval;
pub mod files;
pub mod fmt;
pub mod report;
pub mod run;
pub mod validate;

/// Process exit status of a command.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Exit {
    /// Everything worked.
    Ok = 0,
    /// The input has problems (diagnostics were printed).
    Invalid = 1,
    /// The command could not run as asked (usage or I/O).
    Usage = 2,
}
