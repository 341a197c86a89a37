//! `prometheus.*` components.

pub mod http_client_adapter;
pub mod scrape;
