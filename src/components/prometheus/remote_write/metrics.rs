//! Metrics of `prometheus.remote_write`: upstream's queue metrics (labelled by endpoint) and
//! the WAL's.

use std::sync::atomic::AtomicU64;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

/// `{remote_name, url}` of an endpoint's metrics.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct EndpointLabels {
    /// The endpoint's name (or URL hash).
    pub remote_name: String,
    /// The endpoint URL.
    pub url: String,
}

type FloatGauge = Gauge<f64, AtomicU64>;

fn batch_histogram() -> Histogram {
    Histogram::new([
        0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 25.0, 60.0, 120.0, 300.0,
    ])
}

/// All metric families of one component.
#[derive(Clone)]
pub struct RemoteWriteMetrics {
    /// Samples sent successfully.
    pub samples_total: Family<EndpointLabels, Counter>,
    /// Samples that failed for good (non-retryable errors).
    pub samples_failed: Family<EndpointLabels, Counter>,
    /// Samples re-sent after a retryable error.
    pub samples_retried: Family<EndpointLabels, Counter>,
    /// Samples dropped by relabelling or the age limit.
    pub samples_dropped: Family<EndpointLabels, Counter>,
    /// Samples queued and not yet sent.
    pub samples_pending: Family<EndpointLabels, Gauge>,
    /// Compressed bytes sent.
    pub bytes_total: Family<EndpointLabels, Counter>,
    /// Duration of send attempts.
    pub sent_batch_duration: Family<EndpointLabels, Histogram, fn() -> Histogram>,
    /// Current shards.
    pub shards: Family<EndpointLabels, Gauge>,
    /// Shards the last calculation asked for.
    pub shards_desired: Family<EndpointLabels, FloatGauge>,
    /// `min_shards`.
    pub shards_min: Family<EndpointLabels, Gauge>,
    /// `max_shards`.
    pub shards_max: Family<EndpointLabels, Gauge>,
    /// Newest timestamp sent successfully.
    pub highest_sent_timestamp: Family<EndpointLabels, FloatGauge>,
    /// Samples the WAL's bounds dropped before this endpoint sent them.
    pub wal_samples_dropped: Family<EndpointLabels, Counter>,
    /// Newest timestamp appended.
    pub highest_timestamp: FloatGauge,
    /// Samples appended.
    pub samples_in: Counter,
    /// WAL size on disk.
    pub wal_bytes: Gauge,
    /// WAL segments on disk.
    pub wal_segments: Gauge,
    /// Records the WAL bounds dropped before every endpoint acknowledged them.
    pub wal_records_dropped: Counter,
    /// Samples that could not be written to the WAL (I/O errors); they are lost.
    pub wal_append_failures: Counter,
    /// Corrupt WAL records skipped.
    pub wal_corrupt_records: Counter,
}

impl RemoteWriteMetrics {
    /// Creates and registers the families.
    pub fn new(reg: &mut Registry) -> RemoteWriteMetrics {
        let m = RemoteWriteMetrics {
            samples_total: Family::default(),
            samples_failed: Family::default(),
            samples_retried: Family::default(),
            samples_dropped: Family::default(),
            samples_pending: Family::default(),
            bytes_total: Family::default(),
            sent_batch_duration: Family::new_with_constructor(batch_histogram),
            shards: Family::default(),
            shards_desired: Family::default(),
            shards_min: Family::default(),
            shards_max: Family::default(),
            highest_sent_timestamp: Family::default(),
            wal_samples_dropped: Family::default(),
            highest_timestamp: FloatGauge::default(),
            samples_in: Counter::default(),
            wal_bytes: Gauge::default(),
            wal_segments: Gauge::default(),
            wal_records_dropped: Counter::default(),
            wal_append_failures: Counter::default(),
            wal_corrupt_records: Counter::default(),
        };
        let p = "prometheus_remote_storage_";
        reg.register(
            format!("{p}samples"),
            "Samples sent to remote storage",
            m.samples_total.clone(),
        );
        reg.register(
            format!("{p}samples_failed"),
            "Samples that failed to send and were not retried",
            m.samples_failed.clone(),
        );
        reg.register(
            format!("{p}samples_retried"),
            "Samples that failed to send and were retried",
            m.samples_retried.clone(),
        );
        reg.register(
            format!("{p}samples_dropped"),
            "Samples dropped by relabelling or the sample age limit",
            m.samples_dropped.clone(),
        );
        reg.register(
            format!("{p}samples_pending"),
            "Samples queued and not yet sent",
            m.samples_pending.clone(),
        );
        reg.register(
            format!("{p}bytes"),
            "Compressed bytes of samples sent",
            m.bytes_total.clone(),
        );
        reg.register(
            format!("{p}sent_batch_duration_seconds"),
            "Duration of send calls to the remote storage",
            m.sent_batch_duration.clone(),
        );
        reg.register(
            format!("{p}shards"),
            "Shards used to send in parallel",
            m.shards.clone(),
        );
        reg.register(
            format!("{p}shards_desired"),
            "Shards the throughput calls for",
            m.shards_desired.clone(),
        );
        reg.register(
            format!("{p}shards_min"),
            "Minimum shards",
            m.shards_min.clone(),
        );
        reg.register(
            format!("{p}shards_max"),
            "Maximum shards",
            m.shards_max.clone(),
        );
        reg.register(
            format!("{p}queue_highest_sent_timestamp_seconds"),
            "Newest timestamp sent successfully, in seconds since the epoch",
            m.highest_sent_timestamp.clone(),
        );
        reg.register(
            format!("{p}highest_timestamp_in_seconds"),
            "Newest timestamp appended, in seconds since the epoch",
            m.highest_timestamp.clone(),
        );
        reg.register(
            format!("{p}samples_in"),
            "Samples appended to the WAL",
            m.samples_in.clone(),
        );
        reg.register(
            "agent_wal_samples_dropped",
            "Samples the WAL bounds removed before this endpoint sent them",
            m.wal_samples_dropped.clone(),
        );
        reg.register(
            "agent_wal_storage_bytes",
            "Size of the WAL on disk",
            m.wal_bytes.clone(),
        );
        reg.register(
            "agent_wal_segments",
            "Segments of the WAL on disk",
            m.wal_segments.clone(),
        );
        reg.register(
            "agent_wal_records_dropped",
            "WAL records removed by the size or age bound before every endpoint sent them",
            m.wal_records_dropped.clone(),
        );
        reg.register(
            "agent_wal_append_failures",
            "Samples that could not be written to the WAL",
            m.wal_append_failures.clone(),
        );
        reg.register(
            "agent_wal_corrupt_records",
            "Corrupt WAL records skipped",
            m.wal_corrupt_records.clone(),
        );
        m
    }

    /// Removes an endpoint's series (when the endpoint goes away).
    pub fn remove(&self, l: &EndpointLabels) {
        self.samples_total.remove(l);
        self.samples_failed.remove(l);
        self.samples_retried.remove(l);
        self.samples_dropped.remove(l);
        self.samples_pending.remove(l);
        self.bytes_total.remove(l);
        self.sent_batch_duration.remove(l);
        self.shards.remove(l);
        self.shards_desired.remove(l);
        self.shards_min.remove(l);
        self.shards_max.remove(l);
        self.highest_sent_timestamp.remove(l);
        self.wal_samples_dropped.remove(l);
    }
}

/// One endpoint's handles into the families.
#[derive(Clone)]
pub struct QueueMetrics {
    /// See [`RemoteWriteMetrics`].
    pub samples_total: Counter,
    /// See [`RemoteWriteMetrics`].
    pub samples_failed: Counter,
    /// See [`RemoteWriteMetrics`].
    pub samples_retried: Counter,
    /// See [`RemoteWriteMetrics`].
    pub samples_dropped: Counter,
    /// See [`RemoteWriteMetrics`].
    pub samples_pending: Gauge,
    /// See [`RemoteWriteMetrics`].
    pub bytes_total: Counter,
    /// See [`RemoteWriteMetrics`].
    pub sent_batch_duration: Histogram,
    /// See [`RemoteWriteMetrics`].
    pub shards: Gauge,
    /// See [`RemoteWriteMetrics`].
    pub shards_desired: FloatGauge,
    /// See [`RemoteWriteMetrics`].
    pub highest_sent_timestamp: FloatGauge,
    /// See [`RemoteWriteMetrics`].
    pub wal_samples_dropped: Counter,
    /// See [`RemoteWriteMetrics`].
    pub wal_corrupt_records: Counter,
}

impl QueueMetrics {
    /// The handles for `l`; sets the min/max shard gauges.
    pub fn new(m: &RemoteWriteMetrics, l: &EndpointLabels, min: u32, max: u32) -> QueueMetrics {
        m.shards_min.get_or_create(l).set(i64::from(min));
        m.shards_max.get_or_create(l).set(i64::from(max));
        QueueMetrics {
            samples_total: m.samples_total.get_or_create(l).clone(),
            samples_failed: m.samples_failed.get_or_create(l).clone(),
            samples_retried: m.samples_retried.get_or_create(l).clone(),
            samples_dropped: m.samples_dropped.get_or_create(l).clone(),
            samples_pending: m.samples_pending.get_or_create(l).clone(),
            bytes_total: m.bytes_total.get_or_create(l).clone(),
            sent_batch_duration: m.sent_batch_duration.get_or_create(l).clone(),
            shards: m.shards.get_or_create(l).clone(),
            shards_desired: m.shards_desired.get_or_create(l).clone(),
            highest_sent_timestamp: m.highest_sent_timestamp.get_or_create(l).clone(),
            wal_samples_dropped: m.wal_samples_dropped.get_or_create(l).clone(),
            wal_corrupt_records: m.wal_corrupt_records.clone(),
        }
    }
}
