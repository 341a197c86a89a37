//! Prometheus data-model pieces (placeholder docs, completed below).

pub mod exposition;
pub mod labels;
pub mod metric_type;
pub mod relabel;
pub mod remote_write;
pub mod wal;

pub use labels::{is_valid_label_name, is_valid_metric_name, Label, Labels, LabelsBuilder};
pub use metric_type::MetricType;
