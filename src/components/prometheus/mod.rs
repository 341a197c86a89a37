//! `prometheus.*` components.

pub mod exporter_self;
pub mod relabel;
