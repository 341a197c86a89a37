//! The `logging` and `tracing` config blocks, and the agent's log output they control.

use serde::{Deserialize, Serialize};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{reload, EnvFilter, Layer, Registry};

use crate::eval::{decode_body, Scope, Value};
use crate::syntax::ast::{Ast, Block};
use crate::syntax::Diagnostic;

/// Arguments of the `logging` block.
#[derive(Deserialize, Serialize, Clone, Debug, PartialEq)]
pub struct LoggingArguments {
    /// `debug`, `info`, `warn` or `error`.
    #[serde(default = "default_level")]
    pub level: String,
    /// `logfmt` or `json`.
    #[serde(default = "default_format")]
    pub format: String,
    /// Log receivers (accepted; logs go to stderr).
    #[serde(default)]
    pub write_to: Vec<Value>,
}
crate::river_schema!(LoggingArguments { attr? level, attr? format, attr? write_to });

impl LoggingArguments {
    /// Decodes and checks the block.
    pub fn from_block(
        ast: &Ast,
        block: &Block,
        scope: &Scope,
    ) -> Result<LoggingArguments, Diagnostic> {
        let args: LoggingArguments = decode_body(ast, ast.body(block.body), scope)?;
        let pos = || ast.position(ast.block_start(block));
        if !matches!(args.level.as_str(), "debug" | "info" | "warn" | "error") {
            return Err(Diagnostic::error(
                pos(),
                format!(
                    "unrecognized log level {:?} (use debug, info, warn or error)",
                    args.level
                ),
            ));
        }
        if !matches!(args.format.as_str(), "logfmt" | "json") {
            return Err(Diagnostic::error(
                pos(),
                format!(
                    "unrecognized log format {:?} (use logfmt or json)",
                    args.format
                ),
            ));
        }
        Ok(args)
    }
}

fn default_level() -> String {
    "info".into()
}
fn default_format() -> String {
    "logfmt".into()
}

/// Arguments of the `tracing` block (accepted and checked; spans are not exported).
#[derive(Deserialize, Serialize, Clone, Debug, PartialEq)]
pub struct TracingArguments {
    /// Fraction of traces to keep.
    #[serde(default)]
    pub sampling_fraction: Option<f64>,
    /// Trace receivers.
    #[serde(default)]
    pub write_to: Vec<Value>,
}
crate::river_schema!(TracingArguments { attr? sampling_fraction, attr? write_to });

/// Applies the `logging` block.
pub trait LoggingControl: Send + Sync {
    /// Decodes and applies the block.
    fn apply(&self, ast: &Ast, block: &Block, scope: &Scope) -> Result<(), Diagnostic>;
    /// Back to the defaults (no `logging` block).
    fn reset(&self);
}

type FilterHandle = reload::Handle<EnvFilter, Registry>;
type Filtered = tracing_subscriber::layer::Layered<reload::Layer<EnvFilter, Registry>, Registry>;
type BoxedFmt = Box<dyn Layer<Filtered> + Send + Sync>;

/// Log output on stderr whose level and format the `logging` block can change.
pub struct StderrLogging {
    filter: FilterHandle,
    format: reload::Handle<BoxedFmt, Filtered>,
    override_filter: Option<String>,
}

fn make_fmt(format: &str) -> BoxedFmt {
    if format == "json" {
        Box::new(
            tracing_subscriber::fmt::layer()
                .json()
                .with_writer(std::io::stderr),
        )
    } else {
        Box::new(
            tracing_subscriber::fmt::layer()
                .with_writer(std::io::stderr)
                .with_ansi(false),
        )
    }
}

impl StderrLogging {
    /// Installs the global subscriber (level `info`, or `RUST_LOG` when set, which then
    /// always wins over the `logging` block).
    pub fn install() -> std::sync::Arc<StderrLogging> {
        let override_filter = std::env::var("RUST_LOG").ok();
        let (filter, filter_handle) =
            reload::Layer::new(EnvFilter::new(override_filter.as_deref().unwrap_or("info")));
        let (fmt, fmt_handle) = reload::Layer::new(make_fmt("logfmt"));
        let _ = tracing_subscriber::registry()
            .with(filter)
            .with(fmt)
            .try_init();
        std::sync::Arc::new(StderrLogging {
            filter: filter_handle,
            format: fmt_handle,
            override_filter,
        })
    }

    fn set(&self, level: &str, format: &str) {
        let _ = self.filter.reload(EnvFilter::new(
            self.override_filter.as_deref().unwrap_or(level),
        ));
        let _ = self.format.reload(make_fmt(format));
    }
}

impl LoggingControl for StderrLogging {
    fn apply(&self, ast: &Ast, block: &Block, scope: &Scope) -> Result<(), Diagnostic> {
        let args: LoggingArguments = decode_body(ast, ast.body(block.body), scope)?;
        let pos = || ast.position(ast.block_start(block));
        if !matches!(args.level.as_str(), "debug" | "info" | "warn" | "error") {
            return Err(Diagnostic::error(
                pos(),
                format!("unrecognized log level {:?}", args.level),
            ));
        }
        if !matches!(args.format.as_str(), "logfmt" | "json") {
            return Err(Diagnostic::error(
                pos(),
                format!("unrecognized log format {:?}", args.format),
            ));
        }
        self.set(&args.level, &args.format);
        Ok(())
    }

    fn reset(&self) {
        self.set("info", "logfmt");
    }
}

/// Logging control that only checks the block (for tests and `validate`).
pub struct NoLogging;

impl LoggingControl for NoLogging {
    fn apply(&self, ast: &Ast, block: &Block, scope: &Scope) -> Result<(), Diagnostic> {
        LoggingArguments::from_block(ast, block, scope).map(|_| ())
    }
    fn reset(&self) {}
}
