//! `prometheus.relabel` and `prometheus.exporter.self` through the real binary.

mod common;
mod components_common;

use std::time::Duration;

use common::agent::{get, http, Agent};
use components_common::{exports, targets};

const WAIT: Duration = Duration::from_secs(20);

#[test]
fn relabel_and_self_exporter() {
    let dir = tempfile::tempdir().unwrap();
    let config = r#"
prometheus.exporter.self "agent" {}

prometheus.relabel "last" {
	forward_to = []
}

prometheus.relabel "first" {
	forward_to = [prometheus.relabel.last.receiver]

	rule {
		source_labels = ["__name__"]
		regex         = "go_.*"
		action        = "drop"
	}
}
"#;
    let mut a = Agent::start(dir.path(), config, &[]);
    a.wait_ready(WAIT);

    // The exporter's target points at its own route through the in-memory address.
    let t = targets(&a, "prometheus.exporter.self.agent", "targets");
    assert_eq!(t.len(), 1);
    let path = "/api/v0/component/prometheus.exporter.self.agent/metrics";
    assert_eq!(t[0]["__address__"], "agent.internal:12345");
    assert_eq!(t[0]["__scheme__"], "http");
    assert_eq!(t[0]["__metrics_path__"], path);
    assert_eq!(t[0]["job"], "integrations/self");
    assert_eq!(t[0]["__meta_component_name"], "prometheus.exporter.self");
    assert_eq!(
        t[0]["__meta_component_id"],
        "prometheus.exporter.self.agent"
    );
    assert!(!t[0]["instance"].is_empty());

    // The route serves the agent's own metrics, component metrics included.
    let (status, body) = get(&a.addr, path);
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("agent_config_last_load_successful"), "{body}");
    assert!(
        body.contains("prometheus_relabel_cache_size{component_id=\"prometheus.relabel.first\""),
        "{body}"
    );

    // prometheus.relabel exports its receiver and its rules as capsules.
    let e = exports(&a, "prometheus.relabel.first");
    assert_eq!(e["receiver"], "capsule(\"storage.Appendable\")");
    assert_eq!(e["rules"], "capsule(\"relabel.Rules\")");
    let d = components_common::detail(&a, "prometheus.relabel.first").unwrap();
    let flows = d["dataFlowEdgesTo"].to_string();
    assert!(flows.contains("prometheus.relabel.last"), "{d}");

    // Invalid cache settings are refused on reload.
    for (line, message) in [
        (
            "max_cache_size = -1",
            "max_cache_size must be greater than 0 and is -1",
        ),
        (
            "max_cache_size = 0",
            "one of max_cache_size or cache_ttl must be greater than 0",
        ),
        (
            "cache_ttl = \"10m\"",
            "max_cache_size and cache_ttl are mutually exclusive",
        ),
    ] {
        let bad = format!("prometheus.relabel \"r\" {{\n\tforward_to = []\n\t{line}\n}}\n");
        std::fs::write(&a.config, bad).unwrap();
        let (status, body) = http("POST", &a.addr, "/-/reload", b"", &[]).unwrap();
        let body = String::from_utf8_lossy(&body);
        assert_eq!(status, 400, "{line}: {body}");
        assert!(body.contains(message), "{line}: {body}");
    }
    // TTL mode is accepted.
    std::fs::write(
        &a.config,
        "prometheus.relabel \"r\" {\n\tforward_to = []\n\tmax_cache_size = 0\n\tcache_ttl = \"10m\"\n}\n",
    )
    .unwrap();
    let (status, body) = http("POST", &a.addr, "/-/reload", b"", &[]).unwrap();
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    assert!(a.stop(WAIT).is_some_and(|s| s.success()));
}
