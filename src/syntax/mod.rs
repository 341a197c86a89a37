//! TODO: layer syntax
