//! TODO: layer runtime
