//! The metrics of `prometheus.scrape` (upstream names; `component_id` is added by the
//! runtime).

use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;

/// Counters and gauges shared by the manager and every scrape loop of one component.
#[derive(Debug)]
pub struct ScrapeMetrics {
    /// Targets this node scrapes.
    pub targets: Gauge,
    /// Targets handed over to another cluster node.
    pub targets_moved: Counter,
    /// Samples sent to `forward_to` (scraped, synthetic and staleness markers).
    pub forwarded_samples: Counter,
    /// Time to hand one scrape's samples to the receivers.
    pub fanout_latency: Histogram,
    /// Scrapes that failed for any reason (`up` was 0).
    pub scrapes_failed: Counter,
    /// Scrapes that failed because of `sample_limit`.
    pub exceeded_sample_limit: Counter,
    /// Scrapes that failed because of `body_size_limit`.
    pub exceeded_body_size_limit: Counter,
    /// Scrapes that failed because of the label limits.
    pub exceeded_label_limits: Counter,
    /// Samples dropped because their series appeared twice in one scrape.
    pub duplicate_samples: Counter,
    /// Target-set updates over `target_limit`.
    pub exceeded_target_limit: Counter,
    /// Targets refused because of invalid labels.
    pub invalid_targets: Gauge,
}

impl ScrapeMetrics {
    /// Creates the metrics and registers them.
    pub fn new(reg: &mut Registry) -> ScrapeMetrics {
        let m = ScrapeMetrics {
            targets: Gauge::default(),
            targets_moved: Counter::default(),
            forwarded_samples: Counter::default(),
            fanout_latency: Histogram::new(exponential_buckets(0.00001, 4.0, 12)),
            scrapes_failed: Counter::default(),
            exceeded_sample_limit: Counter::default(),
            exceeded_body_size_limit: Counter::default(),
            exceeded_label_limits: Counter::default(),
            duplicate_samples: Counter::default(),
            exceeded_target_limit: Counter::default(),
            invalid_targets: Gauge::default(),
        };
        reg.register(
            "prometheus_scrape_targets_gauge",
            "Number of targets this component is configured to scrape",
            m.targets.clone(),
        );
        reg.register(
            "prometheus_scrape_targets_moved",
            "Number of targets that have moved from this cluster node to another one",
            m.targets_moved.clone(),
        );
        reg.register(
            "prometheus_forwarded_samples",
            "Total number of samples sent to downstream components",
            m.forwarded_samples.clone(),
        );
        reg.register(
            "prometheus_fanout_latency",
            "Time in seconds to send one scrape's samples to the downstream components",
            m.fanout_latency.clone(),
        );
        reg.register(
            "prometheus_target_scrapes_failed",
            "Scrapes that failed (up was 0)",
            m.scrapes_failed.clone(),
        );
        reg.register(
            "prometheus_target_scrapes_exceeded_sample_limit",
            "Scrapes that hit the sample limit and were rejected",
            m.exceeded_sample_limit.clone(),
        );
        reg.register(
            "prometheus_target_scrapes_exceeded_body_size_limit",
            "Scrapes that hit the body size limit",
            m.exceeded_body_size_limit.clone(),
        );
        reg.register(
            "prometheus_target_scrape_pool_exceeded_label_limits",
            "Scrapes that hit a label limit and were rejected",
            m.exceeded_label_limits.clone(),
        );
        reg.register(
            "prometheus_target_scrapes_sample_duplicate_timestamp",
            "Samples rejected because their series appeared twice in one scrape",
            m.duplicate_samples.clone(),
        );
        reg.register(
            "prometheus_target_scrape_pool_exceeded_target_limit",
            "Target updates that exceeded the target limit",
            m.exceeded_target_limit.clone(),
        );
        reg.register(
            "prometheus_scrape_invalid_targets",
            "Targets not scraped because their labels are invalid",
            m.invalid_targets.clone(),
        );
        m
    }
}
