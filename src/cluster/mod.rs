//! TODO: layer cluster
