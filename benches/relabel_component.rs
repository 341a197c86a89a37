//! `prometheus.relabel` on the sample path: batches of one scrape (200 series of a target)
//! through the pipeline, with the series cache warm (the steady state), cold (every series
//! new, rules run each time), and with no rules (pass-through). Forwarding goes to a sink that
//! only counts.
//!
//! `cargo bench --bench relabel_component`

use std::hint::black_box;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use river_agent::components::prometheus::relabel::{CacheMode, RelabelMetrics, RelabelPipeline};
use river_agent::prom::appendable::{Appendable, Receiver, SamplePoint};
use river_agent::prom::labels::Labels;
use river_agent::prom::relabel::RelabelConfig;

struct Count(AtomicUsize);

impl Appendable for Count {
    fn append(&self, batch: &[SamplePoint]) {
        self.0.fetch_add(batch.len(), Ordering::Relaxed);
    }
}

/// One scrape's worth of samples: `n` series with typical target labels.
fn batch(target: usize, n: usize) -> Vec<SamplePoint> {
    (0..n)
        .map(|i| SamplePoint {
            labels: Labels::from_pairs([
                ("__name__", format!("node_metric_{}_total", i % 40)),
                ("cpu", (i / 40).to_string()),
                (
                    "instance",
                    format!("10.0.{}.{}:9100", target / 256, target % 256),
                ),
                ("job", "node".to_string()),
                ("mode", ["idle", "user", "system"][i % 3].to_string()),
            ]),
            timestamp_ms: 1_700_000_000_000,
            value: i as f64,
        })
        .collect()
}

/// Typical metric relabelling: drop a family, rename a label, drop a label.
fn rules() -> Vec<RelabelConfig> {
    vec![
        RelabelConfig {
            source_labels: Some(vec!["__name__".into()]),
            regex: "node_metric_3[0-9]_total".into(),
            action: "drop".into(),
            ..Default::default()
        },
        RelabelConfig {
            source_labels: Some(vec!["instance".into()]),
            regex: "([^:]+):.*".into(),
            target_label: "host".into(),
            ..Default::default()
        },
        RelabelConfig {
            regex: "mode".into(),
            action: "labeldrop".into(),
            ..Default::default()
        },
    ]
}

fn pipeline(rules: &[RelabelConfig]) -> RelabelPipeline {
    let sink = Receiver::new(Arc::new(Count(AtomicUsize::new(0))));
    RelabelPipeline::new(
        rules,
        CacheMode::Lru(100_000),
        vec![sink],
        RelabelMetrics::default(),
    )
    .expect("valid rules")
}

fn relabel(c: &mut Criterion) {
    let mut g = c.benchmark_group("prometheus_relabel_batch_200");
    g.throughput(Throughput::Elements(200));

    let warm = pipeline(&rules());
    let b0 = batch(0, 200);
    warm.append(&b0);
    g.bench_function("cache_hit", |b| b.iter(|| warm.append(black_box(&b0))));

    // The same series, but label sets built anew (as a scrape without a series cache would):
    // lookups compare contents instead of pointers.
    let fresh = batch(0, 200);
    g.bench_function("cache_hit_fresh_labels", |b| {
        b.iter(|| warm.append(black_box(&fresh)))
    });

    // Cold: a cache of one entry per shard, and a new target each time, so nearly every
    // series misses and runs the rules.
    let sink = Receiver::new(Arc::new(Count(AtomicUsize::new(0))));
    let cold = RelabelPipeline::new(
        &rules(),
        CacheMode::Lru(16),
        vec![sink],
        RelabelMetrics::default(),
    )
    .expect("valid rules");
    let batches: Vec<Vec<SamplePoint>> = (0..64).map(|t| batch(t, 200)).collect();
    let mut i = 0;
    g.bench_function("cache_miss", |b| {
        b.iter(|| {
            i = (i + 1) % batches.len();
            cold.append(black_box(&batches[i]))
        })
    });

    let none = pipeline(&[]);
    g.bench_function("no_rules", |b| b.iter(|| none.append(black_box(&b0))));
    g.finish();
}

criterion_group!(benches, relabel);
criterion_main!(benches);
