//! `prometheus.scrape` through the real binary: target labels, synthetic series, request
//! headers, staleness markers, malformed bodies, target removal, argument checks.

mod common;
mod prom_support;

use std::time::Duration;

use common::agent::{get_json, http, wait_for, Agent};
use prom_support::{MockTarget, RwReceiver};

fn config(target: &str, rw: &str, extra_target_labels: &str) -> String {
    format!(
        r#"
prometheus.scrape "t" {{
  targets = [{{"__address__" = "{target}", "env" = "test"{extra_target_labels}}}]
  forward_to = [prometheus.remote_write.out.receiver]
  scrape_interval = "1s"
  scrape_timeout = "500ms"
}}

prometheus.remote_write "out" {{
  endpoint {{
    url = "{rw}"
    queue_config {{
      batch_send_deadline = "100ms"
    }}
  }}
}}
"#
    )
}

fn debug_target(a: &Agent) -> serde_json::Value {
    let c = get_json(&a.addr, "/api/v0/web/components/prometheus.scrape.t");
    c["debugInfo"][0]["body"].clone()
}

fn attr<'a>(body: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    body.as_array()
        .and_then(|a| a.iter().find(|s| s["name"] == name))
        .map(|s| &s["value"]["value"])
        .unwrap_or(&serde_json::Value::Null)
}

#[test]
fn scrape_forward_staleness_and_failures() {
    let target = MockTarget::start("m{a=\"1\"} 1\nm{a=\"2\"} 2\nc{job=\"exposed\"} 3\n");
    let rw = RwReceiver::start();
    let dir = tempfile::tempdir().unwrap();
    let mut a = Agent::start(dir.path(), &config(&target.addr, &rw.url(), ""), &[]);
    a.wait_ready(Duration::from_secs(30));

    // Samples arrive with the target's labels; the exposed `job` is kept as `exported_job`.
    let up = wait_for(Duration::from_secs(20), || {
        rw.named("up").into_iter().find(|g| g.value == 1.0)
    })
    .unwrap_or_else(|| panic!("no up sample:\n{}", a.logs()));
    assert_eq!(up.labels["instance"], target.addr);
    assert_eq!(up.labels["job"], "prometheus.scrape.t");
    assert_eq!(up.labels["env"], "test");
    let c = rw.named("c").pop().expect("c");
    assert_eq!(c.labels["job"], "prometheus.scrape.t");
    assert_eq!(c.labels["exported_job"], "exposed");
    for name in [
        "scrape_duration_seconds",
        "scrape_samples_scraped",
        "scrape_samples_post_metric_relabeling",
        "scrape_series_added",
    ] {
        assert!(!rw.named(name).is_empty(), "missing {name}");
    }
    let scraped = rw.named("scrape_samples_scraped").pop().unwrap();
    assert_eq!(scraped.value, 3.0);

    // Request headers of scrapes and remote writes.
    let h = target.last_headers.lock().unwrap().clone();
    assert!(
        h["accept"].starts_with("application/openmetrics-text;version=1.0.0"),
        "{h:?}"
    );
    assert!(
        h["accept"].contains("text/plain;version=0.0.4;q=0.3"),
        "{h:?}"
    );
    assert_eq!(h["x-prometheus-scrape-timeout-seconds"], "0.5");
    assert!(h["user-agent"].starts_with("RiverAgent/"), "{h:?}");
    let h = rw.last_headers.lock().unwrap().clone();
    assert_eq!(h["content-encoding"], "snappy");
    assert_eq!(h["content-type"], "application/x-protobuf");
    assert_eq!(h["x-prometheus-remote-write-version"], "0.1.0");
    assert!(h["user-agent"].starts_with("RiverAgent/"), "{h:?}");

    // A series that disappears gets one staleness marker.
    target.set(
        200,
        "text/plain; version=0.0.4",
        "m{a=\"1\"} 1\nc{job=\"exposed\"} 3\n",
    );
    let stale = wait_for(Duration::from_secs(10), || {
        rw.named("m")
            .into_iter()
            .find(|g| g.is_stale() && g.labels["a"] == "2")
    });
    assert!(stale.is_some(), "no staleness marker for m{{a=\"2\"}}");

    // A malformed body fails the scrape: up 0, a clear error, markers for everything, and
    // nothing from the body.
    let before = rw.all().len();
    target.set(
        200,
        "text/plain; version=0.0.4",
        "m{a=\"1\"} 1\nbroken{ 2\n",
    );
    let down = wait_for(Duration::from_secs(10), || {
        rw.named("up")
            .into_iter()
            .skip_while(|g| g.value == 1.0)
            .find(|g| g.value == 0.0)
    });
    assert!(down.is_some(), "no up=0");
    let body = wait_for(Duration::from_secs(5), || {
        let b = debug_target(&a);
        (attr(&b, "health") == "down").then_some(b)
    })
    .expect("debug info shows the target down");
    let err = attr(&body, "last_error").as_str().unwrap().to_string();
    assert!(
        err.contains("parsing the scraped body as Prometheus text format: line 2"),
        "{err}"
    );
    let after: Vec<_> = rw.all().into_iter().skip(before).collect();
    assert!(
        after
            .iter()
            .any(|g| g.name() == "m" && g.labels["a"] == "1" && g.is_stale()),
        "staleness marker for m{{a=\"1\"}} after the failed scrape"
    );
    assert!(
        !after.iter().any(|g| g.name() == "m" && !g.is_stale()),
        "no samples from a malformed body"
    );

    // A target removed from the arguments gets markers for its synthetic series.
    target.set(200, "text/plain; version=0.0.4", "m{a=\"1\"} 1\n");
    wait_for(Duration::from_secs(10), || {
        (attr(&debug_target(&a), "health") == "up").then_some(())
    })
    .expect("target recovers");
    let before = rw.all().len();
    let cfg = config(&target.addr, &rw.url(), "").replace(
        &format!(
            "[{{\"__address__\" = \"{}\", \"env\" = \"test\"}}]",
            target.addr
        ),
        "[]",
    );
    std::fs::write(&a.config, cfg).unwrap();
    let (s, body) = http("POST", &a.addr, "/-/reload", b"", &[]).unwrap();
    assert_eq!(s, 200, "{}", String::from_utf8_lossy(&body));
    let stale_up = wait_for(Duration::from_secs(10), || {
        rw.all()
            .into_iter()
            .skip(before)
            .find(|g| g.name() == "up" && g.is_stale())
    });
    assert!(stale_up.is_some(), "removed target's up goes stale");
    let c = get_json(&a.addr, "/api/v0/web/components/prometheus.scrape.t");
    assert!(
        c["debugInfo"].as_array().is_none_or(|d| d.is_empty()),
        "{c}"
    );

    let st = a.stop(Duration::from_secs(30)).expect("exits");
    assert!(st.success(), "{}", a.logs());
}

#[test]
fn invalid_arguments_are_reported_on_the_block() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = r#"
prometheus.scrape "t" {
  targets = []
  forward_to = []
  scrape_interval = "5s"
}
"#;
    let mut a = Agent::start(dir.path(), cfg, &[]);
    let st = wait_for(Duration::from_secs(20), || {
        a.child.as_mut().and_then(|c| c.try_wait().ok().flatten())
    })
    .expect("exits");
    assert_eq!(st.code(), Some(1));
    let logs = a.logs();
    assert!(
        logs.contains("scrape_timeout (10s) greater than scrape_interval (5s)"),
        "{logs}"
    );
}

#[test]
fn scrapes_the_agent_itself_in_process() {
    let rw = RwReceiver::start();
    let dir = tempfile::tempdir().unwrap();
    let cfg = format!(
        r#"
prometheus.scrape "self" {{
  targets = [{{"__address__" = "agent.internal:12345"}}]
  forward_to = [prometheus.remote_write.out.receiver]
  scrape_interval = "1s"
  scrape_timeout = "1s"
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
    let got = wait_for(Duration::from_secs(20), || {
        rw.named("agent_build_info").pop()
    });
    let got = got.unwrap_or_else(|| panic!("no self-scraped samples:\n{}", a.logs()));
    assert_eq!(got.labels["instance"], "agent.internal:12345");
    let up = rw.named("up").pop().unwrap();
    assert_eq!(up.value, 1.0);
}
