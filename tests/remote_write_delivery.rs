//! `prometheus.remote_write` and `prometheus.receive_http` through the real binary: retries
//! on 5xx and 429, dropped batches on other 4xx, the WAL across a restart, write relabelling,
//! external labels, and the remote-write listener.

mod common;
mod prom_support;

use std::net::TcpListener;
use std::time::Duration;

use common::agent::{free_port, get, http, wait_for, Agent};
use prom_support::{MockTarget, RwReceiver};

fn metric(a: &Agent, name: &str) -> f64 {
    let (_, m) = get(&a.addr, "/metrics");
    m.lines()
        .filter(|l| l.starts_with(name) && !l.starts_with('#'))
        .filter_map(|l| l.rsplit(' ').next().and_then(|v| v.parse::<f64>().ok()))
        .sum()
}

fn config(target: &str, url: &str) -> String {
    format!(
        r#"
prometheus.scrape "t" {{
  targets = [{{"__address__" = "{target}"}}]
  forward_to = [prometheus.remote_write.out.receiver]
  scrape_interval = "500ms"
  scrape_timeout = "400ms"
}}

prometheus.remote_write "out" {{
  external_labels = {{ cluster = "c1", job = "not-used" }}
  endpoint {{
    url = "{url}"
    queue_config {{
      batch_send_deadline = "100ms"
      min_backoff = "50ms"
      max_backoff = "200ms"
    }}
    write_relabel_config {{
      source_labels = ["__name__"]
      regex = "scrape_series_added"
      action = "drop"
    }}
  }}
}}
"#
    )
}

#[test]
fn retries_recoverable_errors_and_drops_refused_batches() {
    let target = MockTarget::start("m 1\n");
    let rw = RwReceiver::start();
    // The first answers: two server errors and a 429 with Retry-After.
    rw.script
        .lock()
        .unwrap()
        .extend([(503, None), (500, None), (429, Some("1".to_string()))]);
    let dir = tempfile::tempdir().unwrap();
    let mut a = Agent::start(dir.path(), &config(&target.addr, &rw.url()), &[]);
    a.wait_ready(Duration::from_secs(30));
    let first = wait_for(Duration::from_secs(20), || rw.named("m").pop())
        .unwrap_or_else(|| panic!("nothing delivered:\n{}", a.logs()));
    let first_seen_ms = (prom_support::now_secs() * 1000.0) as i64;
    // External labels are added unless the series has the label; write relabelling applies.
    assert_eq!(first.labels["cluster"], "c1");
    assert_eq!(first.labels["job"], "prometheus.scrape.t");
    assert!(rw.named("scrape_series_added").is_empty());
    assert!(metric(&a, "prometheus_remote_storage_samples_retried_total") > 0.0);
    assert!(metric(&a, "prometheus_remote_storage_samples_dropped_total") > 0.0);
    // The retried samples were not lost: the earliest delivered sample was scraped before the
    // failures ended (the 429 alone asked for a one-second pause).
    let earliest = rw.named("up").iter().map(|g| g.ts).min().unwrap();
    assert!(
        earliest <= first_seen_ms - 1000,
        "earliest {earliest}, first delivery seen at {first_seen_ms}"
    );

    // A 400 drops that batch (counted) and delivery goes on.
    rw.script.lock().unwrap().push((400, None));
    let failed = wait_for(Duration::from_secs(10), || {
        let f = metric(&a, "prometheus_remote_storage_samples_failed_total");
        (f > 0.0).then_some(f)
    });
    assert!(failed.is_some(), "refused batch not counted:\n{}", a.logs());
    let n = rw.named("m").len();
    assert!(
        wait_for(Duration::from_secs(10), || (rw.named("m").len() > n)
            .then_some(()))
        .is_some()
    );
}

#[test]
fn samples_wait_in_the_wal_across_a_restart() {
    let target = MockTarget::start("m 1\n");
    // A port nobody listens on yet.
    let port = free_port();
    let url = format!("http://127.0.0.1:{port}/api/v1/write");
    let dir = tempfile::tempdir().unwrap();
    let mut a = Agent::start(dir.path(), &config(&target.addr, &url), &[]);
    a.wait_ready(Duration::from_secs(30));
    wait_for(Duration::from_secs(20), || {
        (metric(&a, "prometheus_remote_storage_samples_in_total") >= 20.0).then_some(())
    })
    .expect("samples appended");
    let stopped_at = prom_support::now_secs();
    let st = a
        .stop(Duration::from_secs(40))
        .expect("exits within the flush deadline");
    assert!(st.success(), "{}", a.logs());
    assert!(dir
        .path()
        .join("data/prometheus.remote_write.out/wal")
        .is_dir());

    // The receiver appears; the restarted agent sends what the WAL held.
    let rw = RwReceiver::start_on(TcpListener::bind(("127.0.0.1", port)).unwrap());
    a.restart();
    a.wait_ready(Duration::from_secs(30));
    let old = wait_for(Duration::from_secs(30), || {
        let g: Vec<_> = rw
            .all()
            .into_iter()
            .filter(|g| (g.ts as f64) / 1000.0 < stopped_at)
            .collect();
        (g.len() >= 20).then_some(g)
    });
    if old.is_none() {
        let (_, m) = get(&a.addr, "/metrics");
        let m: Vec<&str> = m
            .lines()
            .filter(|l| l.contains("remote_storage") || l.contains("wal"))
            .collect();
        panic!(
            "samples from before the restart were not delivered ({} received, {} requests):\n{}\n{}",
            rw.all().len(),
            rw.requests.load(std::sync::atomic::Ordering::SeqCst),
            m.join("\n"),
            a.logs()
        );
    }
}

#[test]
fn receive_http_forwards_and_refuses_garbage() {
    let rw = RwReceiver::start();
    let port = free_port();
    let dir = tempfile::tempdir().unwrap();
    let cfg = format!(
        r#"
prometheus.receive_http "in" {{
  http {{
    listen_address = "127.0.0.1"
    listen_port = {port}
  }}
  forward_to = [prometheus.remote_write.out.receiver]
}}

prometheus.remote_write "out" {{
  endpoint {{
    url = "{}"
    queue_config {{
      batch_send_deadline = "100ms"
    }}
  }}
}}
"#,
        rw.url()
    );
    let mut a = Agent::start(dir.path(), &cfg, &[]);
    a.wait_ready(Duration::from_secs(30));
    use river_agent::prom::remote_write::{encode, Sample, TimeSeries, WriteRequest};
    use river_agent::prom::Labels;
    let req = WriteRequest {
        timeseries: vec![TimeSeries::new(
            &Labels::from_pairs([("__name__", "pushed"), ("k", "v")]),
            vec![Sample {
                value: 42.0,
                timestamp: 1_700_000_000_000,
            }],
        )],
        metadata: vec![],
    };
    let addr = format!("127.0.0.1:{port}");
    let (s, _) = http(
        "POST",
        &addr,
        "/api/v1/metrics/write",
        &encode(&req).unwrap(),
        &[("Content-Encoding", "snappy")],
    )
    .unwrap();
    assert_eq!(s, 204);
    let got = wait_for(Duration::from_secs(10), || rw.named("pushed").pop()).expect("forwarded");
    assert_eq!(got.value, 42.0);
    assert_eq!(got.labels["k"], "v");
    let (s, body) = http("POST", &addr, "/api/v1/metrics/write", b"nope", &[]).unwrap();
    assert_eq!(s, 400);
    assert!(
        String::from_utf8_lossy(&body).contains("decoding the remote-write request"),
        "{}",
        String::from_utf8_lossy(&body)
    );
}
