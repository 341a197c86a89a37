//! Prometheus data-model pieces the agent's components are built from.
//!
//! Everything here is synchronous and runtime-agnostic; components wrap it in their tasks.
//!
//! * [`labels`]: [`Labels`] (immutable, sorted, cheap to clone), [`LabelsBuilder`] (edits with
//!   Prometheus' semantics), label/metric name checks, and the stable XXH64 hashes the
//!   clustering ring uses as target keys.
//! * [`metric_type`]: [`MetricType`], the family types of `# TYPE` lines and of remote-write
//!   metadata.
//! * [`exposition`]: the zero-copy scrape parser for the Prometheus text format 0.0.4 and
//!   OpenMetrics 1.0, choosing the format from the `Content-Type`.
//! * [`relabel`]: the one relabel engine, used by `discovery.relabel`, `prometheus.relabel` and
//!   remote write's `write_relabel_config`: [`RelabelConfig`] (a `rule { ... }` block) compiles
//!   into [`Rules`] that process a [`LabelsBuilder`].
//! * [`remote_write`]: remote-write 1.0 messages, snappy block bodies, headers, and the
//!   staleness-marker NaN.
//! * [`wal`]: the durable, bounded write-ahead queue remote-write endpoints read from.
//!
//! A scrape, end to end: parse the body with [`exposition::Parser`], build each series'
//! [`Labels`] from the sample's name and label pairs plus the target labels, run the
//! component's [`Rules`], batch the results into a [`remote_write::WriteRequest`], append its
//! encoded body to the [`wal::Wal`], and let each endpoint read, send and acknowledge.

pub mod appendable;
pub mod exposition;
pub mod labels;
pub mod metric_type;
pub mod relabel;
pub mod remote_write;
pub mod wal;

pub use appendable::{Appendable, Fanout, Receiver, SamplePoint};
pub use exposition::{Entry, Format, ParseError, Parser, Sample};
pub use labels::{
    is_valid_label_name, is_valid_metric_name, Label, Labels, LabelsBuilder, METRIC_NAME,
};
pub use metric_type::MetricType;
pub use relabel::{RelabelConfig, RelabelError, Rule, Rules, RulesError};
pub use remote_write::{is_stale_nan, stale_nan, WriteRequest, STALE_NAN_BITS};
pub use wal::{Position, ReaderStart, Record, Wal, WalError, WalOptions, WalStats};
