//! river-agent: the River configuration language and the agent that runs it.
//!
//! Layers, bottom to top (each only knows the ones below it):
//!
//! * [`syntax`]: scanner → parser → AST with byte spans, and diagnostics.
//! * [`fmt`]: the canonical printer (`agent fmt`).
//! * [`eval`]: values, operators, the evaluator and typed decoding of bodies.
//! * [`stdlib`]: the standard library functions.
//! * [`prom`]: Prometheus data model pieces: labels, relabelling, exposition parsing, remote write.
//! * [`cluster`]: the consistent-hash ring and gossip membership.
//! * [`runtime`]: loader, component graph, controller.
//! * [`components`]: one file per component.
//! * [`http`]: the HTTP server, API and UI.

pub mod cli;
pub mod cluster;
pub mod components;
pub mod eval;
pub mod fmt;
pub mod gocompat;
pub mod http;
pub mod prom;
pub mod runtime;
#[path = "../stdlib/mod.rs"]
pub mod stdlib;
pub mod syntax;
