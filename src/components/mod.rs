//! TODO: layer components
