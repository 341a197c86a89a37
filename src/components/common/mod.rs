//! Pieces several components share: the HTTP client configuration block, relabel rule
//! blocks and the `rules` capsule, and file watching.

pub mod file_watch;
pub mod http_client;
pub mod oauth2;
pub mod relabel_rules;
