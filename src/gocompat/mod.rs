//! TODO: layer gocompat
