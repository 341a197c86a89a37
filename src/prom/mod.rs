//! TODO: layer prom
