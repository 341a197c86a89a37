//! TODO: layer http

pub mod ui;
