//! One target's scrape loop: a task that scrapes at the target's fixed phase within the
//! interval, turns the body into samples, adds the synthetic series and staleness markers,
//! and forwards everything as one batch.
//!
//! The phase is `key mod interval` on the wall clock, the same on every node, so when a
//! target moves to another cluster node the new owner scrapes at the slot the old owner
//! would have used next: the hand-over leaves a gap of less than one interval.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use chrono::{DateTime, Utc};
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

use super::fetch::{FetchError, Fetched, Fetcher};
use super::metrics::ScrapeMetrics;
use super::series_cache::{merge_target_labels, sample_labels, LabelLimits, Lookup, SeriesCache};
use super::target::ScrapeTarget;
use crate::prom::exposition::{Entry, Format, ParseError, Parser};
use crate::prom::labels::{Labels, METRIC_NAME};
use crate::prom::{stale_nan, Fanout, SamplePoint};

/// Settings shared by every loop of one component (rebuilt when its arguments change).
#[derive(Debug, Clone)]
pub struct LoopSettings {
    /// Scraped labels win over target labels.
    pub honor_labels: bool,
    /// Use exposed timestamps.
    pub honor_timestamps: bool,
    /// Staleness markers also for series with exposed timestamps.
    pub track_timestamps_staleness: bool,
    /// Samples per scrape (0 = no limit).
    pub sample_limit: usize,
    /// Label limits.
    pub limits: LabelLimits,
    /// Emit the extra synthetic series.
    pub extra_metrics: bool,
    /// Format assumed for a missing or unknown `Content-Type`.
    pub fallback: Format,
    /// HTTP / in-process fetching.
    pub fetcher: Fetcher,
    /// Where samples go.
    pub forward: Fanout,
    /// When set, every scrape fails with this error (e.g. `target_limit` exceeded).
    pub forced_error: Option<String>,
    /// Component metrics.
    pub metrics: Arc<ScrapeMetrics>,
}

/// What one loop runs with: its target and the component settings.
#[derive(Debug, Clone)]
pub struct LoopConfig {
    /// The target.
    pub target: Arc<ScrapeTarget>,
    /// The settings.
    pub settings: Arc<LoopSettings>,
}

/// A target's health as shown in the UI.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TargetHealth {
    /// Not scraped yet.
    Unknown,
    /// Last scrape succeeded.
    Up,
    /// Last scrape failed.
    Down,
}

impl TargetHealth {
    /// `up`, `down` or `unknown`.
    pub fn as_str(self) -> &'static str {
        match self {
            TargetHealth::Unknown => "unknown",
            TargetHealth::Up => "up",
            TargetHealth::Down => "down",
        }
    }
}

/// The result of a target's last scrape.
#[derive(Clone, Debug)]
pub struct TargetStatus {
    /// Health.
    pub health: TargetHealth,
    /// Error of the last scrape, if it failed.
    pub last_error: Option<String>,
    /// When the last scrape started.
    pub last_scrape: Option<DateTime<Utc>>,
    /// How long it took.
    pub last_duration: Duration,
    /// Samples the last successful scrape produced.
    pub samples: usize,
}

impl Default for TargetStatus {
    fn default() -> Self {
        TargetStatus {
            health: TargetHealth::Unknown,
            last_error: None,
            last_scrape: None,
            last_duration: Duration::ZERO,
            samples: 0,
        }
    }
}

/// Why a scrape failed.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ScrapeError {
    /// Fetching failed.
    #[error(transparent)]
    Fetch(#[from] FetchError),
    /// The body is not valid exposition format.
    #[error("parsing the scraped body as {format}: {error}")]
    Parse {
        /// The format tried.
        format: &'static str,
        /// What went wrong.
        error: ParseError,
    },
    /// More samples than `sample_limit`.
    #[error("sample_limit exceeded (number of samples: {samples}, limit: {limit})")]
    SampleLimit {
        /// Samples in the body.
        samples: usize,
        /// The limit.
        limit: usize,
    },
    /// A label limit was hit.
    #[error("{0}")]
    LabelLimit(String),
    /// A component-level failure (e.g. `target_limit`).
    #[error("{0}")]
    Forced(String),
}

/// Counts of one scrape.
#[derive(Default, Debug, Clone, Copy)]
struct AppendStats {
    scraped: usize,
    added: usize,
    series_added: usize,
    duplicates: usize,
}

/// The synthetic series of a target, with their labels built once.
#[derive(Debug)]
struct ReportSeries {
    up: Labels,
    duration: Labels,
    scraped: Labels,
    post_relabel: Labels,
    series_added: Labels,
    /// `scrape_timeout_seconds`, `scrape_sample_limit`, `scrape_body_size_bytes`.
    extra: Option<[Labels; 3]>,
}

impl ReportSeries {
    fn new(target: &Labels, extra: bool, honor_labels: bool) -> ReportSeries {
        let mk = |name: &str| {
            merge_target_labels(
                Labels::from_pairs([(METRIC_NAME, name)]),
                target,
                honor_labels,
            )
        };
        ReportSeries {
            up: mk("up"),
            duration: mk("scrape_duration_seconds"),
            scraped: mk("scrape_samples_scraped"),
            post_relabel: mk("scrape_samples_post_metric_relabeling"),
            series_added: mk("scrape_series_added"),
            extra: extra.then(|| {
                [
                    mk("scrape_timeout_seconds"),
                    mk("scrape_sample_limit"),
                    mk("scrape_body_size_bytes"),
                ]
            }),
        }
    }

    fn all(&self) -> impl Iterator<Item = &Labels> {
        [
            &self.up,
            &self.duration,
            &self.scraped,
            &self.post_relabel,
            &self.series_added,
        ]
        .into_iter()
        .chain(self.extra.iter().flatten())
    }
}

/// Loop state that survives configuration changes.
struct LoopState {
    cache: SeriesCache,
    report: ReportSeries,
    /// Whether synthetic series were sent since the last staleness pass.
    report_live: bool,
    last_batch: usize,
}

/// Milliseconds since the epoch.
pub fn unix_millis(t: SystemTime) -> i64 {
    t.duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// The first scrape slot strictly after `now` for a target: slots are at
/// `k * interval + (key mod interval)` since the epoch.
pub fn next_slot(key: u64, interval: Duration, now: SystemTime) -> SystemTime {
    let iv = interval.as_nanos().max(1);
    let now_ns = now
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let offset = u128::from(key) % iv;
    let mut slot = now_ns - now_ns % iv + offset;
    if slot <= now_ns {
        slot += iv;
    }
    let secs = (slot / 1_000_000_000) as u64;
    let nanos = (slot % 1_000_000_000) as u32;
    UNIX_EPOCH + Duration::new(secs, nanos)
}

/// Runs one target's loop until `stop` fires (or the manager drops its sender). On the way
/// out, staleness markers for the last scrape's series are sent when `stale_on_stop` is set.
pub async fn run_loop(
    mut cfg_rx: watch::Receiver<Arc<LoopConfig>>,
    stop: CancellationToken,
    stale_on_stop: Arc<AtomicBool>,
    status: Arc<Mutex<TargetStatus>>,
) {
    let mut cfg = cfg_rx.borrow_and_update().clone();
    let mut state = LoopState {
        cache: SeriesCache::new(),
        report: ReportSeries::new(
            &cfg.target.labels,
            cfg.settings.extra_metrics,
            cfg.settings.honor_labels,
        ),
        report_live: false,
        last_batch: 64,
    };
    let mut next = next_slot(cfg.target.key.0, cfg.target.interval, SystemTime::now());
    loop {
        let delay = next
            .duration_since(SystemTime::now())
            .unwrap_or(Duration::ZERO);
        tokio::select! {
            _ = stop.cancelled() => break,
            changed = cfg_rx.changed() => {
                if changed.is_err() {
                    break;
                }
                let new = cfg_rx.borrow_and_update().clone();
                apply_config(&mut state, &cfg, &new);
                if new.target.interval != cfg.target.interval {
                    next = next_slot(new.target.key.0, new.target.interval, SystemTime::now());
                }
                cfg = new;
                continue;
            }
            _ = tokio::time::sleep(delay) => {}
        }
        let start = SystemTime::now();
        tokio::select! {
            _ = stop.cancelled() => break,
            _ = scrape_once(&cfg, &mut state, start, &status) => {}
        }
        next = next_slot(
            cfg.target.key.0,
            cfg.target.interval,
            SystemTime::now().max(next),
        );
    }
    if stale_on_stop.load(Ordering::SeqCst) {
        let ts = unix_millis(SystemTime::now());
        let mut batch = Vec::new();
        end_of_run_staleness(&mut state, ts, &mut batch);
        forward(&cfg.settings, &batch);
    }
}

/// Staleness markers for everything the target last produced.
fn end_of_run_staleness(state: &mut LoopState, ts: i64, batch: &mut Vec<SamplePoint>) {
    state.cache.last_produced(|l| batch.push(stale(l, ts)));
    if state.report_live {
        for l in state.report.all() {
            batch.push(stale(l, ts));
        }
    }
    state.report_live = false;
}

/// Applies a new configuration: when the target labels (or the label rules) change, every
/// series the target produced becomes a different series, so the old ones get staleness
/// markers now and the cache starts over.
fn apply_config(state: &mut LoopState, old: &LoopConfig, new: &LoopConfig) {
    let relabelled = new.target.labels != old.target.labels
        || new.settings.honor_labels != old.settings.honor_labels
        || new.settings.track_timestamps_staleness != old.settings.track_timestamps_staleness;
    if relabelled {
        let ts = unix_millis(SystemTime::now());
        let mut batch = Vec::new();
        end_of_run_staleness(state, ts, &mut batch);
        forward(&old.settings, &batch);
        state.cache.clear();
    }
    if relabelled || new.settings.extra_metrics != old.settings.extra_metrics {
        state.report = ReportSeries::new(
            &new.target.labels,
            new.settings.extra_metrics,
            new.settings.honor_labels,
        );
    }
}

fn stale(labels: &Labels, ts: i64) -> SamplePoint {
    SamplePoint {
        labels: labels.clone(),
        timestamp_ms: ts,
        value: stale_nan(),
    }
}

fn forward(settings: &LoopSettings, batch: &[SamplePoint]) {
    if batch.is_empty() {
        return;
    }
    let t = Instant::now();
    settings.forward.append(batch);
    settings
        .metrics
        .fanout_latency
        .observe(t.elapsed().as_secs_f64());
    settings
        .metrics
        .forwarded_samples
        .inc_by(batch.len() as u64);
}

async fn scrape_once(
    cfg: &LoopConfig,
    state: &mut LoopState,
    start: SystemTime,
    status: &Mutex<TargetStatus>,
) {
    let s = &*cfg.settings;
    let ts = unix_millis(start);
    let t0 = Instant::now();
    let fetched: Result<Fetched, ScrapeError> = match &s.forced_error {
        Some(e) => Err(ScrapeError::Forced(e.clone())),
        None => s
            .fetcher
            .fetch(&cfg.target)
            .await
            .map_err(ScrapeError::from),
    };
    let duration = t0.elapsed();
    let mut batch: Vec<SamplePoint> = Vec::with_capacity(state.last_batch + 16);
    state.cache.begin();
    let mut body_size: f64 = 0.0;
    let outcome = match &fetched {
        Ok(f) => {
            body_size = f.body.len() as f64;
            append_body(f, cfg, state, ts, &mut batch)
        }
        Err(e) => Err(e.clone()),
    };
    if outcome.is_err() {
        batch.clear();
    }
    state
        .cache
        .finish(outcome.is_ok(), |l| batch.push(stale(l, ts)));
    let stats = match &outcome {
        Ok(st) => *st,
        Err(_) => AppendStats::default(),
    };
    if let Err(e) = &outcome {
        s.metrics.scrapes_failed.inc();
        match e {
            ScrapeError::SampleLimit { .. } => s.metrics.exceeded_sample_limit.inc(),
            ScrapeError::LabelLimit(_) => s.metrics.exceeded_label_limits.inc(),
            ScrapeError::Fetch(FetchError::BodySizeLimit(_)) => {
                body_size = -1.0;
                s.metrics.exceeded_body_size_limit.inc()
            }
            _ => 0,
        };
        tracing::debug!(target = %cfg.target.url, error = %e, "scrape failed");
    }
    if stats.duplicates > 0 {
        s.metrics.duplicate_samples.inc_by(stats.duplicates as u64);
    }
    let up = if outcome.is_ok() { 1.0 } else { 0.0 };
    let scraped = match (&outcome, &fetched) {
        (Err(ScrapeError::SampleLimit { samples, .. }), _) => *samples as f64,
        _ => stats.scraped as f64,
    };
    let r = &state.report;
    let point = |labels: &Labels, value: f64| SamplePoint {
        labels: labels.clone(),
        timestamp_ms: ts,
        value,
    };
    batch.push(point(&r.up, up));
    batch.push(point(&r.duration, duration.as_secs_f64()));
    batch.push(point(&r.scraped, scraped));
    batch.push(point(&r.post_relabel, stats.added as f64));
    batch.push(point(&r.series_added, stats.series_added as f64));
    if let Some([timeout, limit, size]) = &r.extra {
        batch.push(point(timeout, cfg.target.timeout.as_secs_f64()));
        batch.push(point(limit, s.sample_limit as f64));
        batch.push(point(size, body_size));
    }
    state.report_live = true;
    state.last_batch = batch.len();
    forward(s, &batch);

    let mut st = status.lock().unwrap_or_else(|p| p.into_inner());
    st.last_scrape = Some(DateTime::<Utc>::from(start));
    st.last_duration = duration;
    match outcome {
        Ok(stats) => {
            st.health = TargetHealth::Up;
            st.last_error = None;
            st.samples = stats.added;
        }
        Err(e) => {
            st.health = TargetHealth::Down;
            st.last_error = Some(e.to_string());
        }
    }
}

/// Parses `f` and appends its samples to `batch`. On error nothing of the body may be
/// forwarded (the caller clears `batch`).
fn append_body(
    f: &Fetched,
    cfg: &LoopConfig,
    state: &mut LoopState,
    ts: i64,
    batch: &mut Vec<SamplePoint>,
) -> Result<AppendStats, ScrapeError> {
    let s = &*cfg.settings;
    let format = Format::from_content_type(f.content_type.as_deref(), s.fallback);
    let mut st = AppendStats::default();
    let mut over_limit = false;
    for entry in Parser::new(&f.body, format) {
        let entry = entry.map_err(|error| ScrapeError::Parse {
            format: match format {
                Format::PrometheusText => "Prometheus text format",
                Format::OpenMetrics => "OpenMetrics",
            },
            error,
        })?;
        let Entry::Sample(sample) = entry else {
            continue;
        };
        st.scraped += 1;
        if over_limit {
            continue;
        }
        let labels = match state.cache.lookup(sample.series) {
            Lookup::Hit(l) => l,
            Lookup::Duplicate => {
                st.duplicates += 1;
                continue;
            }
            Lookup::Miss => {
                let labels =
                    merge_target_labels(sample_labels(&sample), &cfg.target.labels, s.honor_labels);
                s.limits.check(&labels).map_err(ScrapeError::LabelLimit)?;
                let tracked = sample.timestamp.is_none() || s.track_timestamps_staleness;
                state.cache.insert(sample.series, labels.clone(), tracked);
                st.series_added += 1;
                labels
            }
        };
        let timestamp_ms = match (s.honor_timestamps, sample.timestamp) {
            (true, Some(t)) => t,
            _ => ts,
        };
        batch.push(SamplePoint {
            labels,
            timestamp_ms,
            value: sample.value,
        });
        st.added += 1;
        if s.sample_limit > 0 && st.added > s.sample_limit {
            over_limit = true;
        }
    }
    if over_limit {
        return Err(ScrapeError::SampleLimit {
            samples: st.scraped,
            limit: s.sample_limit,
        });
    }
    Ok(st)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::prom::{is_stale_nan, Appendable, Receiver};

    #[derive(Default)]
    struct Collect(Mutex<Vec<Vec<SamplePoint>>>);
    impl Appendable for Collect {
        fn append(&self, batch: &[SamplePoint]) {
            self.0.lock().unwrap().push(batch.to_vec());
        }
    }

    struct NoLocal;
    impl crate::runtime::component::LocalHttp for NoLocal {
        fn get(
            &self,
            _p: String,
        ) -> futures::future::BoxFuture<
            'static,
            Result<crate::runtime::component::LocalResponse, String>,
        > {
            Box::pin(async { Err("no".to_string()) })
        }
    }

    fn settings(forward: Fanout) -> LoopSettings {
        let mut reg = prometheus_client::registry::Registry::default();
        LoopSettings {
            honor_labels: false,
            honor_timestamps: true,
            track_timestamps_staleness: false,
            sample_limit: 0,
            limits: LabelLimits::default(),
            extra_metrics: false,
            fallback: Format::PrometheusText,
            fetcher: Fetcher {
                client: crate::components::common::http_client::HttpClientConfig::default()
                    .build(|b| b)
                    .unwrap(),
                accept: reqwest::header::HeaderValue::from_static("*/*"),
                body_size_limit: 0,
                gzip: true,
                memory_addr: "agent.internal:12345".into(),
                local: Arc::new(NoLocal),
            },
            forward,
            forced_error: None,
            metrics: Arc::new(ScrapeMetrics::new(&mut reg)),
        }
    }

    fn target() -> Arc<ScrapeTarget> {
        let raw = [("__address__".to_string(), "127.0.0.1:1".to_string())].into();
        let d = super::super::target::TargetDefaults {
            job_name: "j".into(),
            scheme: "http".into(),
            metrics_path: "/metrics".into(),
            params: Default::default(),
            interval: Duration::from_secs(5),
            timeout: Duration::from_secs(1),
        };
        Arc::new(super::super::target::populate(&raw, &d).unwrap().unwrap())
    }

    fn state(cfg: &LoopConfig) -> LoopState {
        LoopState {
            cache: SeriesCache::new(),
            report: ReportSeries::new(&cfg.target.labels, false, false),
            report_live: false,
            last_batch: 0,
        }
    }

    fn body(text: &str) -> Fetched {
        Fetched {
            body: bytes::Bytes::from(text.to_string()),
            content_type: Some("text/plain; version=0.0.4".into()),
        }
    }

    #[test]
    fn appends_with_target_labels_and_honors_timestamps() {
        let cfg = LoopConfig {
            target: target(),
            settings: Arc::new(settings(Fanout::default())),
        };
        let mut st = state(&cfg);
        st.cache.begin();
        let mut batch = Vec::new();
        let stats = append_body(
            &body("a{x=\"1\"} 1\nb 2 1234\na{x=\"1\"} 3\n"),
            &cfg,
            &mut st,
            99,
            &mut batch,
        )
        .unwrap();
        assert_eq!((stats.scraped, stats.added, stats.duplicates), (3, 2, 1));
        assert_eq!(
            batch[0].labels,
            Labels::from_pairs([
                ("__name__", "a"),
                ("x", "1"),
                ("instance", "127.0.0.1:1"),
                ("job", "j")
            ])
        );
        assert_eq!(batch[0].timestamp_ms, 99);
        assert_eq!(batch[1].timestamp_ms, 1234);
    }

    #[test]
    fn malformed_body_fails_without_samples() {
        let cfg = LoopConfig {
            target: target(),
            settings: Arc::new(settings(Fanout::default())),
        };
        let mut st = state(&cfg);
        st.cache.begin();
        let mut batch = Vec::new();
        let e = append_body(&body("a 1\nb{ 2\n"), &cfg, &mut st, 1, &mut batch).unwrap_err();
        assert!(
            e.to_string()
                .starts_with("parsing the scraped body as Prometheus text format: line 2:"),
            "{e}"
        );
    }

    #[test]
    fn sample_limit() {
        let mut s = settings(Fanout::default());
        s.sample_limit = 1;
        let cfg = LoopConfig {
            target: target(),
            settings: Arc::new(s),
        };
        let mut st = state(&cfg);
        st.cache.begin();
        let mut batch = Vec::new();
        let e = append_body(&body("a 1\nb 2\nc 3\n"), &cfg, &mut st, 1, &mut batch).unwrap_err();
        assert_eq!(
            e.to_string(),
            "sample_limit exceeded (number of samples: 3, limit: 1)"
        );
    }

    #[tokio::test]
    async fn failed_scrape_reports_down_and_stales_previous_series() {
        let c = Arc::new(Collect::default());
        let fan = Fanout(vec![Receiver::new(c.clone())]);
        let cfg = LoopConfig {
            target: target(),
            settings: Arc::new(settings(fan)),
        };
        let mut st = state(&cfg);
        // Seed the cache as if one scrape had produced `a`.
        st.cache.begin();
        let mut batch = Vec::new();
        append_body(&body("a 1\n"), &cfg, &mut st, 1, &mut batch).unwrap();
        st.cache.finish(true, |_| {});
        // Now a scrape that cannot connect (port 1 on a name that does not resolve).
        let status = Mutex::new(TargetStatus::default());
        scrape_once(&cfg, &mut st, SystemTime::now(), &status).await;
        let got = c.0.lock().unwrap().pop().unwrap();
        let names: Vec<&str> = got
            .iter()
            .map(|p| p.labels.metric_name().unwrap())
            .collect();
        assert_eq!(
            names,
            [
                "a",
                "up",
                "scrape_duration_seconds",
                "scrape_samples_scraped",
                "scrape_samples_post_metric_relabeling",
                "scrape_series_added"
            ]
        );
        assert!(is_stale_nan(got[0].value));
        assert_eq!(got[1].value, 0.0);
        let status = status.lock().unwrap();
        assert_eq!(status.health, TargetHealth::Down);
        assert!(status.last_error.is_some());
    }

    /// Runs a loop on an unreachable target until it has reported once, stops it, and
    /// returns the staleness markers sent on the way out.
    async fn markers_on_stop(stale_on_stop: bool) -> usize {
        let c = Arc::new(Collect::default());
        let mut t = (*target()).clone();
        t.interval = Duration::from_millis(100);
        t.timeout = Duration::from_millis(50);
        let cfg = Arc::new(LoopConfig {
            target: Arc::new(t),
            settings: Arc::new(settings(Fanout(vec![Receiver::new(c.clone())]))),
        });
        let (_tx, rx) = watch::channel(cfg);
        let stop = CancellationToken::new();
        let flag = Arc::new(AtomicBool::new(stale_on_stop));
        let status = Arc::new(Mutex::new(TargetStatus::default()));
        let task = tokio::spawn(run_loop(rx, stop.clone(), flag, status));
        while c.0.lock().unwrap().is_empty() {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        stop.cancel();
        task.await.unwrap();
        let batches = c.0.lock().unwrap();
        batches
            .iter()
            .flatten()
            .filter(|p| is_stale_nan(p.value))
            .count()
    }

    #[tokio::test]
    async fn end_of_run_markers_only_when_asked() {
        // Removed target: markers for its synthetic series. Moved target: none.
        assert_eq!(markers_on_stop(true).await, 5);
        assert_eq!(markers_on_stop(false).await, 0);
    }

    #[test]
    fn slots_are_phase_aligned() {
        let iv = Duration::from_secs(10);
        let now = UNIX_EPOCH + Duration::from_secs(1_000_000) + Duration::from_millis(2500);
        let key = 7_000_000_000u64; // 7 s offset
        let s = next_slot(key, iv, now);
        assert_eq!(s, UNIX_EPOCH + Duration::from_secs(1_000_007));
        let s2 = next_slot(key, iv, s);
        assert_eq!(s2, UNIX_EPOCH + Duration::from_secs(1_000_017));
        // Every node computes the same slots.
        assert_eq!(next_slot(key, iv, now + Duration::from_secs(1)), s);
    }
}
