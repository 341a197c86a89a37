//! `prometheus.relabel`: relabels every sample passing through its `receiver` and forwards
//! the survivors to `forward_to`.
//!
//! This is on the sample path, so the work per sample is a cache lookup: the result of the
//! rules for a series (its new label set, or "dropped") is cached by the series' labels. The
//! cache is split into shards with their own locks so concurrent scrapes rarely contend. Two
//! modes, as upstream: a bounded LRU (`max_cache_size`, default 100000), or entries that
//! expire `cache_ttl` after insertion (with `max_cache_size = 0`), swept periodically. A stale
//! marker is relabelled and forwarded like any sample, then evicts its series. Changing the
//! rules or the cache settings starts from an empty cache; changing only `forward_to` keeps
//! it. With no rules at all, samples are forwarded unchanged without touching the cache.

use std::collections::HashMap;
use std::hash::Hash;
use std::num::NonZeroUsize;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration as StdDuration, Instant};

use arc_swap::ArcSwap;
use futures::future::BoxFuture;
use lru::LruCache;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use serde::{Deserialize, Serialize};
use tokio_util::sync::CancellationToken;

use crate::components::common::relabel_rules::{self, RulesCapsule};
use crate::eval::{Duration, Key, Object, Value};
use crate::prom::appendable::{Appendable, Fanout, Receiver, SamplePoint};
use crate::prom::labels::{Labels, LabelsBuilder};
use crate::prom::relabel::{RelabelConfig, Rules};
use crate::prom::remote_write::is_stale_nan;
use crate::runtime::component::{Component, ComponentError, Context};

/// Default `max_cache_size`.
pub const DEFAULT_MAX_CACHE_SIZE: i64 = 100_000;
/// Smallest `cache_ttl` accepted.
pub const MIN_CACHE_TTL: StdDuration = StdDuration::from_secs(5);
/// Number of cache shards (each with its own lock).
const SHARDS: usize = 16;

fn default_max_cache_size() -> i64 {
    DEFAULT_MAX_CACHE_SIZE
}

/// Arguments of `prometheus.relabel`.
#[derive(Deserialize, Serialize, Clone, PartialEq, Debug)]
pub struct Arguments {
    /// Where relabelled samples go.
    pub forward_to: Vec<Receiver>,
    /// The rules, in order.
    #[serde(default)]
    pub rule: Vec<RelabelConfig>,
    /// LRU cache size (entries); 0 with `cache_ttl` set selects TTL mode.
    #[serde(default = "default_max_cache_size")]
    pub max_cache_size: i64,
    /// TTL of cache entries (TTL mode); 0 means LRU mode.
    #[serde(default)]
    pub cache_ttl: Duration,
}

crate::river_schema!(Arguments {
    attr forward_to,
    blocks rule: RelabelConfig,
    attr? max_cache_size,
    attr? cache_ttl,
});

/// How the cache bounds itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CacheMode {
    /// At most this many entries; least recently used go first.
    Lru(usize),
    /// Entries expire this long after insertion.
    Ttl(StdDuration),
}

impl Arguments {
    /// Checks the cache settings; returns the mode they select.
    pub fn cache_mode(&self) -> Result<CacheMode, ComponentError> {
        if self.max_cache_size < 0 {
            return Err(ComponentError(format!(
                "max_cache_size must be greater than 0 and is {}",
                self.max_cache_size
            )));
        }
        let ttl = self.cache_ttl.0;
        if ttl < 0 {
            return Err(ComponentError(format!(
                "cache_ttl must not be negative and is {}",
                self.cache_ttl
            )));
        }
        match (self.max_cache_size, ttl) {
            (0, 0) => Err(ComponentError(
                "one of max_cache_size or cache_ttl must be greater than 0".into(),
            )),
            (n, 0) => Ok(CacheMode::Lru(usize::try_from(n).unwrap_or(usize::MAX))),
            (0, _) => {
                let ttl = self.cache_ttl.to_std_saturating();
                if ttl < MIN_CACHE_TTL {
                    return Err(ComponentError(format!(
                        "cache_ttl must be at least 5s and is {}",
                        self.cache_ttl
                    )));
                }
                Ok(CacheMode::Ttl(ttl))
            }
            _ => Err(ComponentError(
                "max_cache_size and cache_ttl are mutually exclusive: set max_cache_size = 0 to use cache_ttl"
                    .into(),
            )),
        }
    }
}

/// What the rules made of a series: its new labels, or `None` when dropped.
type Outcome = Option<Labels>;

/// A cache key: a series' labels with their hash computed once (the shard and the map both
/// use it, so a lookup hashes the labels a single time).
#[derive(Clone)]
struct SeriesKey {
    hash: u64,
    labels: Labels,
}

impl Hash for SeriesKey {
    fn hash<H: std::hash::Hasher>(&self, h: &mut H) {
        h.write_u64(self.hash);
    }
}

impl PartialEq for SeriesKey {
    fn eq(&self, other: &SeriesKey) -> bool {
        self.hash == other.hash && self.labels == other.labels
    }
}

impl Eq for SeriesKey {}

/// Hands the precomputed hash of a [`SeriesKey`] to the map unchanged.
#[derive(Default)]
struct PassThrough(u64);

impl std::hash::Hasher for PassThrough {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        // Only `write_u64` is used by `SeriesKey`; fold anything else in for safety.
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }
    fn write_u64(&mut self, v: u64) {
        self.0 = v;
    }
}

type PassThroughState = std::hash::BuildHasherDefault<PassThrough>;

enum Shard {
    Lru(LruCache<SeriesKey, Outcome, PassThroughState>),
    Ttl(HashMap<SeriesKey, (Outcome, Instant), PassThroughState>),
}

/// The per-series cache of rule outcomes.
pub struct SeriesCache {
    mode: CacheMode,
    hasher: ahash::RandomState,
    shards: Box<[Mutex<Shard>]>,
    size: AtomicI64,
}

impl SeriesCache {
    /// An empty cache in `mode`.
    pub fn new(mode: CacheMode) -> SeriesCache {
        let shards = (0..SHARDS)
            .map(|_| {
                Mutex::new(match mode {
                    CacheMode::Lru(n) => {
                        let per = NonZeroUsize::new(n.div_ceil(SHARDS).max(1))
                            .unwrap_or(NonZeroUsize::MIN);
                        let mut c = LruCache::unbounded_with_hasher(PassThroughState::default());
                        c.resize(per);
                        Shard::Lru(c)
                    }
                    CacheMode::Ttl(_) => Shard::Ttl(HashMap::default()),
                })
            })
            .collect();
        SeriesCache {
            mode,
            hasher: ahash::RandomState::new(),
            shards,
            size: AtomicI64::new(0),
        }
    }

    fn key(&self, labels: &Labels) -> SeriesKey {
        SeriesKey {
            hash: self.hasher.hash_one(labels),
            labels: labels.clone(),
        }
    }

    /// The shard of a key: bits the maps do not use for buckets or tags.
    fn shard(&self, key: &SeriesKey) -> std::sync::MutexGuard<'_, Shard> {
        let i = ((key.hash >> 32) as usize) % SHARDS;
        self.shards[i].lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The cached outcome for `labels`, if any (an expired TTL entry is a miss).
    pub fn get(&self, labels: &Labels) -> Option<Outcome> {
        self.get_key(&self.key(labels))
    }

    fn get_key(&self, key: &SeriesKey) -> Option<Outcome> {
        match &mut *self.shard(key) {
            Shard::Lru(c) => c.get(key).cloned(),
            Shard::Ttl(m) => {
                let CacheMode::Ttl(ttl) = self.mode else {
                    return None;
                };
                m.get(key)
                    .filter(|(_, at)| at.elapsed() < ttl)
                    .map(|(o, _)| o.clone())
            }
        }
    }

    /// Stores the outcome for `labels`.
    pub fn insert(&self, labels: Labels, outcome: Outcome) {
        let key = self.key(&labels);
        self.insert_key(key, outcome);
    }

    fn insert_key(&self, key: SeriesKey, outcome: Outcome) {
        let mut s = self.shard(&key);
        let delta = match &mut *s {
            Shard::Lru(c) => {
                let before = c.len();
                c.push(key, outcome);
                c.len() as i64 - before as i64
            }
            Shard::Ttl(m) => i64::from(m.insert(key, (outcome, Instant::now())).is_none()),
        };
        self.size.fetch_add(delta, Ordering::Relaxed);
    }

    /// Forgets `labels`.
    pub fn remove(&self, labels: &Labels) {
        self.remove_key(&self.key(labels));
    }

    fn remove_key(&self, key: &SeriesKey) {
        let removed = match &mut *self.shard(key) {
            Shard::Lru(c) => c.pop(key).is_some(),
            Shard::Ttl(m) => m.remove(key).is_some(),
        };
        if removed {
            self.size.fetch_sub(1, Ordering::Relaxed);
        }
    }

    /// Entries held.
    pub fn len(&self) -> i64 {
        self.size.load(Ordering::Relaxed)
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// TTL mode: drops expired entries; returns how many were dropped and how many shard
    /// maps were rebuilt to give memory back after shrinking a lot.
    pub fn sweep(&self) -> (u64, u64) {
        let CacheMode::Ttl(ttl) = self.mode else {
            return (0, 0);
        };
        let (mut evicted, mut rebuilt) = (0u64, 0u64);
        for shard in self.shards.iter() {
            let mut s = shard.lock().unwrap_or_else(|p| p.into_inner());
            let Shard::Ttl(m) = &mut *s else { continue };
            let before = m.len();
            m.retain(|_, (_, at)| at.elapsed() < ttl);
            evicted += (before - m.len()) as u64;
            if m.capacity() > 1024 && m.capacity() > 4 * m.len() {
                m.shrink_to_fit();
                rebuilt += 1;
            }
        }
        self.size.fetch_sub(evicted as i64, Ordering::Relaxed);
        (evicted, rebuilt)
    }
}

/// The component's metrics (upstream names).
#[derive(Clone)]
pub struct RelabelMetrics {
    processed: Counter,
    written: Counter,
    cache_hits: Counter,
    cache_misses: Counter,
    cache_size: Gauge,
    ttl_evictions: Counter,
    ttl_rebuilds: Counter,
    fanout_latency: Histogram,
    forwarded: Counter,
}

impl Default for RelabelMetrics {
    fn default() -> Self {
        RelabelMetrics {
            processed: Counter::default(),
            written: Counter::default(),
            cache_hits: Counter::default(),
            cache_misses: Counter::default(),
            cache_size: Gauge::default(),
            ttl_evictions: Counter::default(),
            ttl_rebuilds: Counter::default(),
            fanout_latency: Histogram::new([
                0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0,
            ]),
            forwarded: Counter::default(),
        }
    }
}

impl RelabelMetrics {
    /// New metrics, registered in `r`.
    pub fn registered(r: &mut prometheus_client::registry::Registry) -> RelabelMetrics {
        let m = RelabelMetrics::default();
        {
            r.register(
                "prometheus_relabel_metrics_processed",
                "Total number of metrics processed",
                m.processed.clone(),
            );
            r.register(
                "prometheus_relabel_metrics_written",
                "Total number of metrics written",
                m.written.clone(),
            );
            r.register(
                "prometheus_relabel_cache_hits",
                "Total number of cache hits",
                m.cache_hits.clone(),
            );
            r.register(
                "prometheus_relabel_cache_misses",
                "Total number of cache misses",
                m.cache_misses.clone(),
            );
            r.register(
                "prometheus_relabel_cache_size",
                "Total size of relabel cache",
                m.cache_size.clone(),
            );
            r.register(
                "prometheus_relabel_cache_ttl_evictions",
                "Cache entries removed by the periodic TTL scan",
                m.ttl_evictions.clone(),
            );
            r.register(
                "prometheus_relabel_cache_ttl_rebuilds",
                "Times the TTL cache's maps were rebuilt to release memory after a shrink",
                m.ttl_rebuilds.clone(),
            );
            r.register(
                "prometheus_fanout_latency",
                "Write latency for sending to direct and indirect components",
                m.fanout_latency.clone(),
            );
            r.register(
                "prometheus_forwarded_samples",
                "Total number of samples sent to downstream components",
                m.forwarded.clone(),
            );
        }
        m
    }
}

/// Everything a batch needs, swapped as one on update.
struct State {
    rules: Rules,
    rule_configs: Vec<RelabelConfig>,
    mode: CacheMode,
    fanout: Fanout,
    cache: Arc<SeriesCache>,
}

/// The sample path: relabels and forwards each batch appended to it (the component's
/// `receiver`). Usable on its own, e.g. in benchmarks.
pub struct RelabelPipeline {
    state: ArcSwap<State>,
    metrics: RelabelMetrics,
    exited: AtomicBool,
}

impl RelabelPipeline {
    /// A pipeline applying `rules` and forwarding to `forward_to`.
    pub fn new(
        rules: &[RelabelConfig],
        mode: CacheMode,
        forward_to: Vec<Receiver>,
        metrics: RelabelMetrics,
    ) -> Result<RelabelPipeline, ComponentError> {
        let compiled = relabel_rules::compile(rules).map_err(ComponentError)?;
        Ok(RelabelPipeline {
            state: ArcSwap::from_pointee(State {
                rules: compiled,
                rule_configs: rules.to_vec(),
                mode,
                fanout: Fanout(forward_to),
                cache: Arc::new(SeriesCache::new(mode)),
            }),
            metrics,
            exited: AtomicBool::new(false),
        })
    }

    /// The compiled rules in effect.
    pub fn rules(&self) -> Rules {
        self.state.load().rules.clone()
    }

    /// Applies new settings: the cache is kept when neither the rules nor the cache mode
    /// changed.
    pub fn update(
        &self,
        rules: &[RelabelConfig],
        mode: CacheMode,
        forward_to: Vec<Receiver>,
    ) -> Result<(), ComponentError> {
        let compiled = relabel_rules::compile(rules).map_err(ComponentError)?;
        let old = self.state.load();
        let cache = if old.mode == mode && old.rule_configs == rules {
            old.cache.clone()
        } else {
            Arc::new(SeriesCache::new(mode))
        };
        self.metrics.cache_size.set(cache.len());
        self.state.store(Arc::new(State {
            rules: compiled,
            rule_configs: rules.to_vec(),
            mode,
            fanout: Fanout(forward_to),
            cache,
        }));
        Ok(())
    }

    fn outcome(state: &State, labels: &Labels, lb: &mut LabelsBuilder) -> Outcome {
        lb.reset(labels.clone());
        if !state.rules.process(lb) {
            return None;
        }
        let out = lb.build();
        (!out.is_empty()).then_some(out)
    }
}

impl Appendable for RelabelPipeline {
    fn append(&self, batch: &[SamplePoint]) {
        if batch.is_empty() || self.exited.load(Ordering::Relaxed) {
            return;
        }
        let state = self.state.load();
        self.metrics.processed.inc_by(batch.len() as u64);
        if state.rules.is_empty() {
            self.forward(&state, batch);
            return;
        }
        let mut out = Vec::with_capacity(batch.len());
        let (mut hits, mut misses) = (0u64, 0u64);
        let mut lb = LabelsBuilder::default();
        for s in batch {
            let key = state.cache.key(&s.labels);
            let stale = is_stale_nan(s.value);
            let outcome = match state.cache.get_key(&key) {
                Some(o) => {
                    hits += 1;
                    if stale {
                        // The series ends: forward the marker, forget the series.
                        state.cache.remove_key(&key);
                    }
                    o
                }
                None => {
                    misses += 1;
                    let o = Self::outcome(&state, &s.labels, &mut lb);
                    if !stale {
                        state.cache.insert_key(key, o.clone());
                    }
                    o
                }
            };
            if let Some(labels) = outcome {
                out.push(SamplePoint {
                    labels,
                    timestamp_ms: s.timestamp_ms,
                    value: s.value,
                });
            }
        }
        self.metrics.cache_hits.inc_by(hits);
        self.metrics.cache_misses.inc_by(misses);
        self.metrics.cache_size.set(state.cache.len());
        if !out.is_empty() {
            self.forward(&state, &out);
        }
    }
}

impl RelabelPipeline {
    fn forward(&self, state: &State, batch: &[SamplePoint]) {
        self.metrics.written.inc_by(batch.len() as u64);
        let start = Instant::now();
        state.fanout.append(batch);
        self.metrics
            .fanout_latency
            .observe(start.elapsed().as_secs_f64());
        self.metrics.forwarded.inc_by(batch.len() as u64);
    }
}

/// The `prometheus.relabel` component.
pub struct PrometheusRelabel {
    ctx: Context,
    pipeline: Arc<RelabelPipeline>,
    /// The exported receiver, built once so the export stays the same value.
    receiver: Value,
}

impl PrometheusRelabel {
    fn publish(&self) {
        let rules = self.pipeline.rules();
        self.ctx
            .set_exports_value(Value::Object(Object::ordered(vec![
                (Key::from("receiver"), self.receiver.clone()),
                (Key::from("rules"), RulesCapsule(rules).to_value()),
            ])));
    }

    /// The receiver samples are sent to (for tests and benchmarks).
    pub fn receiver(&self) -> Receiver {
        Receiver::new(self.pipeline.clone())
    }
}

impl Component for PrometheusRelabel {
    type Arguments = Arguments;

    fn build(ctx: Context, args: Arguments) -> Result<Self, ComponentError> {
        let mode = args.cache_mode()?;
        let metrics = ctx.with_metrics(RelabelMetrics::registered);
        let pipeline = Arc::new(RelabelPipeline::new(
            &args.rule,
            mode,
            args.forward_to,
            metrics,
        )?);
        let receiver = Receiver::new(pipeline.clone()).to_value();
        let c = PrometheusRelabel {
            ctx,
            pipeline,
            receiver,
        };
        c.publish();
        Ok(c)
    }

    fn update(&self, args: Arguments) -> Result<(), ComponentError> {
        let mode = args.cache_mode()?;
        self.pipeline.update(&args.rule, mode, args.forward_to)?;
        self.publish();
        Ok(())
    }

    fn run(
        self: Arc<Self>,
        cancel: CancellationToken,
    ) -> BoxFuture<'static, Result<(), ComponentError>> {
        Box::pin(async move {
            let mut tick = tokio::time::interval(StdDuration::from_secs(5));
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tokio::select! {
                    _ = cancel.cancelled() => {
                        self.pipeline.exited.store(true, Ordering::Relaxed);
                        return Ok(());
                    }
                    _ = tick.tick() => {
                        let state = self.pipeline.state.load();
                        let (evicted, rebuilt) = state.cache.sweep();
                        let m = &self.pipeline.metrics;
                        m.ttl_evictions.inc_by(evicted);
                        m.ttl_rebuilds.inc_by(rebuilt);
                        m.cache_size.set(state.cache.len());
                    }
                }
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::components::testing;
    use crate::prom::remote_write::stale_nan;

    struct Collect(Mutex<Vec<SamplePoint>>);
    impl Appendable for Collect {
        fn append(&self, batch: &[SamplePoint]) {
            self.0.lock().unwrap().extend_from_slice(batch);
        }
    }

    fn sample(pairs: &[(&str, &str)], v: f64) -> SamplePoint {
        SamplePoint {
            labels: Labels::from_pairs(pairs.iter().copied()),
            timestamp_ms: 1000,
            value: v,
        }
    }

    fn setup(rules: Vec<RelabelConfig>) -> (PrometheusRelabel, Arc<Collect>, testing::TestContext) {
        let t = testing::context("prometheus.relabel.t");
        let sink = Arc::new(Collect(Mutex::new(Vec::new())));
        let args = Arguments {
            forward_to: vec![Receiver::new(sink.clone())],
            rule: rules,
            max_cache_size: DEFAULT_MAX_CACHE_SIZE,
            cache_ttl: Duration::default(),
        };
        let c = PrometheusRelabel::build(t.ctx.clone(), args).unwrap();
        (c, sink, t)
    }

    fn drop_b() -> Vec<RelabelConfig> {
        vec![
            RelabelConfig {
                source_labels: Some(vec!["app".into()]),
                regex: "b".into(),
                action: "drop".into(),
                ..Default::default()
            },
            RelabelConfig {
                source_labels: Some(vec!["app".into()]),
                target_label: "svc".into(),
                ..Default::default()
            },
        ]
    }

    #[test]
    fn relabels_drops_and_caches() {
        let (c, sink, t) = setup(drop_b());
        let r = c.receiver();
        let batch = [
            sample(&[("__name__", "m"), ("app", "a")], 1.0),
            sample(&[("__name__", "m"), ("app", "b")], 2.0),
        ];
        r.append(&batch);
        r.append(&batch);
        let got = sink.0.lock().unwrap().clone();
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].labels.get("svc"), Some("a"));
        assert_eq!(got[0].value, 1.0);
        let m = t.metrics_text();
        assert!(
            m.contains("prometheus_relabel_metrics_processed_total 4"),
            "{m}"
        );
        assert!(
            m.contains("prometheus_relabel_metrics_written_total 2"),
            "{m}"
        );
        assert!(m.contains("prometheus_relabel_cache_hits_total 2"), "{m}");
        assert!(m.contains("prometheus_relabel_cache_misses_total 2"), "{m}");
        assert!(m.contains("prometheus_relabel_cache_size 2"), "{m}");
    }

    #[test]
    fn stale_markers_pass_and_evict() {
        let (c, sink, t) = setup(drop_b());
        let r = c.receiver();
        r.append(&[sample(&[("__name__", "m"), ("app", "a")], 1.0)]);
        r.append(&[sample(&[("__name__", "m"), ("app", "a")], stale_nan())]);
        let got = sink.0.lock().unwrap().clone();
        assert_eq!(got.len(), 2);
        assert!(is_stale_nan(got[1].value));
        assert_eq!(got[1].labels.get("svc"), Some("a"));
        assert!(t.metrics_text().contains("prometheus_relabel_cache_size 0"));
    }

    #[test]
    fn emptied_series_are_dropped() {
        let (c, sink, _t) = setup(vec![RelabelConfig {
            action: "labeldrop".into(),
            regex: ".*".into(),
            ..Default::default()
        }]);
        c.receiver().append(&[sample(&[("__name__", "m")], 1.0)]);
        assert!(sink.0.lock().unwrap().is_empty());
    }

    #[test]
    fn update_keeps_receiver_and_resets_cache_on_new_rules() {
        let (c, sink, t) = setup(drop_b());
        let before = t.exports();
        let r = c.receiver();
        r.append(&[sample(&[("__name__", "m"), ("app", "a")], 1.0)]);
        let sink2 = Arc::new(Collect(Mutex::new(Vec::new())));
        let args = Arguments {
            forward_to: vec![Receiver::new(sink2.clone())],
            rule: vec![],
            max_cache_size: 10,
            cache_ttl: Duration::default(),
        };
        c.update(args).unwrap();
        let Value::Object(o) = t.exports() else {
            panic!()
        };
        let Value::Object(b) = before else { panic!() };
        assert_eq!(o.get("receiver"), b.get("receiver"));
        assert_ne!(o.get("rules"), b.get("rules"));
        r.append(&[sample(&[("__name__", "m"), ("app", "b")], 1.0)]);
        assert_eq!(sink.0.lock().unwrap().len(), 1);
        assert_eq!(sink2.0.lock().unwrap().len(), 1);
    }

    #[test]
    fn cache_settings_are_validated() {
        let mut a = Arguments {
            forward_to: vec![],
            rule: vec![],
            max_cache_size: 0,
            cache_ttl: Duration::default(),
        };
        assert!(a.cache_mode().is_err());
        a.cache_ttl = Duration::parse("1s").unwrap();
        assert!(a.cache_mode().unwrap_err().0.contains("at least 5s"));
        a.cache_ttl = Duration::parse("10m").unwrap();
        assert_eq!(
            a.cache_mode().unwrap(),
            CacheMode::Ttl(StdDuration::from_secs(600))
        );
        a.max_cache_size = 5;
        assert!(a.cache_mode().unwrap_err().0.contains("mutually exclusive"));
        a.cache_ttl = Duration::default();
        a.max_cache_size = -1;
        assert!(a.cache_mode().unwrap_err().0.contains("greater than 0"));
    }

    #[test]
    fn lru_is_bounded_and_ttl_sweeps() {
        let c = SeriesCache::new(CacheMode::Lru(SHARDS));
        for i in 0..1000 {
            c.insert(Labels::from_pairs([("i", i.to_string())]), None);
        }
        assert!(c.len() <= SHARDS as i64, "{}", c.len());
        let c = SeriesCache::new(CacheMode::Ttl(StdDuration::from_millis(1)));
        c.insert(Labels::from_pairs([("i", "1")]), None);
        std::thread::sleep(StdDuration::from_millis(5));
        assert_eq!(c.get(&Labels::from_pairs([("i", "1")])), None);
        assert_eq!(c.sweep().0, 1);
        assert!(c.is_empty());
    }
}
