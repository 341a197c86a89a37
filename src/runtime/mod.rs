//! The runtime: turning a configuration into a running graph of components.
//!
//! * [`loader`]: parsed files → nodes and references ([`references`]), with every graph
//!   error at once.
//! * [`controller`]: the task that owns the graph: evaluation in dependency order,
//!   propagation of exports, membership notifications, reloads, shutdown.
//! * [`component`]: the contract a component implements; [`registry`]: the component types.
//! * [`health`], [`metrics`], [`logging`], [`id`].

pub mod check;
pub mod component;
pub mod controller;
pub mod health;
pub mod id;
pub mod loader;
pub mod logging;
pub mod metrics;
pub mod process;
pub mod references;
pub mod registry;

pub use component::{Component, ComponentError, Context, Stability};
pub use controller::{ControllerHandle, ControllerOptions};
pub use id::ComponentId;
