//! The `agent` command line.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use river_agent::cli::{self, Exit};

/// A River configuration language interpreter and telemetry agent.
#[derive(Parser)]
#[command(name = "agent", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Load a configuration and run it: serve HTTP, join the cluster, run the components.
    Run(Box<cli::run::RunFlags>),
    /// Format configuration files in canonical form.
    #[command(alias = "format")]
    Fmt {
        /// Rewrite files whose formatting changes, in place.
        #[arg(short = 'w', long = "write", conflicts_with = "check")]
        write: bool,
        /// Print the names of files that are not formatted and exit 1 if any (for CI).
        #[arg(long = "check", short = 't', visible_alias = "test")]
        check: bool,
        /// Files or directories (recursing into *.river and *.alloy); `-` or nothing reads stdin.
        paths: Vec<PathBuf>,
    },
    /// Evaluate one expression with the standard library and the process environment.
    Eval {
        /// Output format.
        #[arg(long = "format", value_enum, default_value = "river")]
        format: cli::eval::Format,
        /// The expression; `-` reads it from standard input.
        expr: String,
    },
    /// Check configurations and report every problem; exit 1 on any error.
    Validate {
        /// Minimum stability level of components that may be used.
        #[arg(long = "stability.level", default_value = "generally-available", value_parser = ["generally-available", "public-preview", "experimental"])]
        stability: String,
        /// Configuration files or directories.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let exit = match cli.command {
        Command::Run(flags) => cli::run::run(*flags),
        Command::Fmt {
            write,
            check,
            paths,
        } => {
            let mode = if write {
                cli::fmt::Mode::Write
            } else if check {
                cli::fmt::Mode::Check
            } else {
                cli::fmt::Mode::Print
            };
            cli::fmt::run(&paths, mode)
        }
        Command::Validate { paths, stability } => {
            let level = river_agent::runtime::Stability::parse(&stability)
                .unwrap_or(river_agent::runtime::Stability::GenerallyAvailable);
            cli::validate::run(&paths, level)
        }
        Command::Eval { format, expr } => cli::eval::run(&expr, format),
    };
    match exit {
        Exit::Ok => ExitCode::SUCCESS,
        e => ExitCode::from(e as u8),
    }
}
