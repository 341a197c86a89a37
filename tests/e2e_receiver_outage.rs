//! A receiver outage of a minute loses no samples: one agent scrapes synthetic targets every
//! second and writes to a real Prometheus; Prometheus is stopped for 60 s and started again;
//! afterwards every series has a sample for every scrape slot of the outage (checked with
//! PromQL), and nothing was dropped or refused.
//!
//! Needs `prometheus` and `python3`; skipped with a loud message otherwise.

mod common;
mod prom_support;

use std::time::Duration;

use common::agent::{get, wait_for, Agent};
use prom_support::{now_secs, require, Prometheus, Synth};

fn metric(a: &Agent, name: &str) -> f64 {
    let (_, m) = get(&a.addr, "/metrics");
    m.lines()
        .filter(|l| l.starts_with(name) && !l.starts_with('#'))
        .filter_map(|l| l.rsplit(' ').next().and_then(|v| v.parse::<f64>().ok()))
        .sum()
}

#[test]
fn a_minute_of_receiver_outage_loses_nothing() {
    if !require(&["prometheus", "python3"]) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let Some(synth) = Synth::start(dir.path(), 5, 20) else {
        return;
    };
    let mut prom = Prometheus::start(&dir.path().join("prometheus"));
    let targets: Vec<String> = synth
        .addrs
        .iter()
        .map(|a| format!("{{\"__address__\" = \"{a}\"}}"))
        .collect();
    let cfg = format!(
        r#"
prometheus.scrape "s" {{
  targets = [{}]
  forward_to = [prometheus.remote_write.out.receiver]
  job_name = "outage"
  scrape_interval = "1s"
  scrape_timeout = "900ms"
}}

prometheus.remote_write "out" {{
  endpoint {{
    url = "{}"
    queue_config {{
      batch_send_deadline = "250ms"
      max_backoff = "2s"
    }}
  }}
}}
"#,
        targets.join(", "),
        prom.write_url()
    );
    let mut a = Agent::start(&dir.path().join("agent"), &cfg, &[]);
    a.wait_ready(Duration::from_secs(30));
    wait_for(Duration::from_secs(30), || {
        prom.value("count(up{job=\"outage\"} == 1)", None)
            .filter(|v| *v == 5.0)
    })
    .expect("steady delivery");
    std::thread::sleep(Duration::from_secs(5));

    let down_at = now_secs();
    prom.stop();
    std::thread::sleep(Duration::from_secs(60));
    assert!(
        metric(&a, "prometheus_remote_storage_samples_retried_total") > 0.0,
        "the outage was noticed"
    );
    prom.restart();
    let up_at = now_secs();

    // Wait until what was scraped after the restart has arrived.
    wait_for(Duration::from_secs(60), || {
        prom.value("min(timestamp(up{job=\"outage\"}))", None)
            .filter(|t| *t > up_at + 3.0)
    })
    .unwrap_or_else(|| panic!("no catch-up:\n{}\n{}", a.logs(), prom.logs()));
    std::thread::sleep(Duration::from_secs(2));

    // Every series has one sample per 1 s slot across the outage.
    let from = down_at - 5.0;
    let to = up_at + 3.0;
    let window = (to - from).floor() as u64;
    let expected = window as f64;
    let per_target = prom.query_by(
        &format!("count_over_time(up{{job=\"outage\"}}[{window}s])"),
        "instance",
        Some(to),
    );
    assert_eq!(per_target.len(), 5, "{per_target:?}");
    for (inst, n) in &per_target {
        assert!(
            *n >= expected - 1.0,
            "{inst}: {n} samples of up in {window}s, expected {expected}"
        );
    }
    // The same for series of every kind (count_over_time drops the metric name, so one
    // metric at a time).
    let mut fewest = f64::INFINITY;
    for name in [
        "synth_scrapes_total",
        "synth_metric_0_total",
        "synth_metric_1",
        "scrape_duration_seconds",
        "scrape_samples_scraped",
    ] {
        let n = prom
            .value(
                &format!("min(count_over_time({name}{{job=\"outage\"}}[{window}s]))"),
                Some(to),
            )
            .unwrap_or_else(|| panic!("no {name}"));
        fewest = fewest.min(n);
    }
    assert!(
        fewest >= expected - 1.0,
        "a series has only {fewest} samples in {window}s"
    );
    let series = prom.value("count({job=\"outage\"})", Some(to)).unwrap();
    assert!(series >= 5.0 * 21.0, "{series} series");
    assert_eq!(
        metric(&a, "prometheus_remote_storage_samples_failed_total"),
        0.0
    );
    assert_eq!(metric(&a, "agent_wal_samples_dropped_total"), 0.0);
    eprintln!(
        "outage {:.0}s: every one of {series} series has >= {fewest} of {expected} samples",
        up_at - down_at
    );
    a.stop(Duration::from_secs(30));
}
