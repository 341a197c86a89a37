//! TODO: layer fmt
