//! TODO: layer eval
