//! TODO: layer http
