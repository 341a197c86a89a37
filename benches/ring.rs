//! Ring and key benchmarks: building the 512-token ring for clusters of various sizes,
//! owner lookups, and scrape-target key construction.
//!
//! `cargo bench --bench ring`

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use river_agent::cluster::keys::TargetKey;
use river_agent::cluster::ring::{NodeName, Ring};

fn names(n: usize) -> Vec<NodeName> {
    (0..n)
        .map(|i| NodeName::from(format!("alloy-{i}")))
        .collect()
}

fn build(c: &mut Criterion) {
    let mut g = c.benchmark_group("ring_build_512_tokens");
    for n in [3usize, 10, 100, 1000] {
        let nodes = names(n);
        g.throughput(Throughput::Elements(n as u64));
        g.bench_with_input(BenchmarkId::from_parameter(n), &nodes, |b, nodes| {
            b.iter(|| Ring::with_default_tokens(black_box(nodes.iter().cloned())))
        });
    }
    g.finish();
}

fn lookup(c: &mut Criterion) {
    let mut g = c.benchmark_group("ring_owner_lookup");
    let keys: Vec<u64> = (0..1024u64)
        .map(|i| i.wrapping_mul(0x9E37_79B9_7F4A_7C15))
        .collect();
    for n in [3usize, 100, 1000] {
        let ring = Ring::with_default_tokens(names(n));
        g.throughput(Throughput::Elements(keys.len() as u64));
        g.bench_with_input(BenchmarkId::from_parameter(n), &ring, |b, ring| {
            b.iter(|| {
                let mut hits = 0usize;
                for k in &keys {
                    if ring.owner(black_box(*k)).is_some() {
                        hits += 1;
                    }
                }
                hits
            })
        });
    }
    g.finish();
}

fn target_key(c: &mut Criterion) {
    let labels: Vec<(String, String)> = vec![
        ("__address__".into(), "10.0.0.1:9100".into()),
        ("__metrics_path__".into(), "/metrics".into()),
        ("__scheme__".into(), "http".into()),
        ("job".into(), "node".into()),
        ("instance".into(), "10.0.0.1:9100".into()),
        (
            "__meta_kubernetes_pod_name".into(),
            "node-exporter-abcde".into(),
        ),
        ("__meta_kubernetes_namespace".into(), "monitoring".into()),
        (
            "__meta_kubernetes_pod_label_app".into(),
            "node-exporter".into(),
        ),
    ];
    c.bench_function("scrape_target_key_8_labels", |b| {
        b.iter(|| {
            TargetKey::for_scrape_target(
                black_box(&labels)
                    .iter()
                    .map(|(n, v)| (n.as_str(), v.as_str())),
            )
        })
    });
}

criterion_group!(benches, build, lookup, target_key);
criterion_main!(benches);
