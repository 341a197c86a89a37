//! Prometheus data-model pieces (placeholder docs, completed below).

pub mod labels;

pub use labels::{is_valid_label_name, is_valid_metric_name, Label, Labels, LabelsBuilder};
