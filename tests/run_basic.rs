//! `agent run` through the real binary: startup, readiness, API, reload, shutdown.

mod common;

use std::time::Duration;

use common::agent::{get, get_json, http, Agent};

#[test]
fn starts_serves_reloads_and_stops() {
    let dir = tempfile::tempdir().unwrap();
    let mut a = Agent::start(dir.path(), "logging {\n\tlevel = \"info\"\n}\n", &[]);
    a.wait_ready(Duration::from_secs(20));
    let comps = get_json(&a.addr, "/api/v0/web/components");
    assert_eq!(comps[0]["localID"], "logging");
    let peers = get_json(&a.addr, "/api/v0/web/peers");
    assert_eq!(peers[0]["isSelf"], true);
    let (s, m) = get(&a.addr, "/metrics");
    assert_eq!(s, 200);
    assert!(m.contains("agent_config_last_load_successful 1"), "{m}");

    // A bad config is refused with every diagnostic; the old graph keeps running.
    std::fs::write(
        &a.config,
        "logging {\n\tlevel = 1 +\n}\nnope.thing \"x\" {}\n",
    )
    .unwrap();
    let (s, body) = http("POST", &a.addr, "/-/reload", b"", &[]).unwrap();
    assert_eq!(s, 400);
    let body = String::from_utf8_lossy(&body);
    assert!(
        body.contains("config.river:3:1: expected expression, got }")
            || body.contains("expected expression"),
        "{body}"
    );
    let (_, m) = get(&a.addr, "/metrics");
    assert!(m.contains("agent_config_last_load_successful 0"), "{m}");
    assert_eq!(
        get_json(&a.addr, "/api/v0/web/components")[0]["localID"],
        "logging"
    );

    // A good one is applied.
    std::fs::write(&a.config, "logging {\n\tlevel = \"debug\"\n}\n").unwrap();
    let (s, _) = http("POST", &a.addr, "/-/reload", b"", &[]).unwrap();
    assert_eq!(s, 200);

    let st = a.stop(Duration::from_secs(20)).expect("exits on SIGTERM");
    assert!(st.success(), "{st}:\n{}", a.logs());
}

#[test]
fn initial_load_failure_exits_with_diagnostics() {
    let dir = tempfile::tempdir().unwrap();
    let mut a = Agent::start(dir.path(), "prometheus.scrap \"x\" {}\n", &[]);
    let st = common::agent::wait_for(Duration::from_secs(20), || {
        a.child.as_mut().and_then(|c| c.try_wait().ok().flatten())
    })
    .expect("exits");
    assert_eq!(st.code(), Some(1));
    let logs = a.logs();
    assert!(
        logs.contains("cannot find the definition of component name \"prometheus.scrap\""),
        "{logs}"
    );
    assert!(
        logs.contains("could not perform the initial load successfully"),
        "{logs}"
    );
}
