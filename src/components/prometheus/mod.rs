//! `prometheus.*` components.

pub mod exporter_self;
pub mod receive_http;
pub mod relabel;
pub mod remote_write;
pub mod scrape;
