//! `prometheus.*` components.

pub mod http_client_adapter;
pub mod receive_http;
pub mod remote_write;
pub mod scrape;
