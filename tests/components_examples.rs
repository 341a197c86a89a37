//! The example configurations of the discovery, relabel and local components: `agent
//! validate` accepts them, and they load and evaluate in a running agent.

mod common;
mod components_common;

use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use common::agent::{wait_for, Agent};
use components_common::targets;

const WAIT: Duration = Duration::from_secs(20);
const EXAMPLES: &[&str] = &[
    "local_file.river",
    "relabel.river",
    "discovery_http_dns.river",
];

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The example's text with its `examples/...` paths made absolute (the examples are meant to
/// run from the repository root; the test agent runs elsewhere).
fn example(name: &str) -> String {
    let text = std::fs::read_to_string(repo().join("examples").join(name)).unwrap();
    text.replace("\"examples/", &format!("\"{}/examples/", repo().display()))
}

#[test]
fn examples_validate() {
    for name in EXAMPLES {
        let out = Command::new(common::agent_bin())
            .arg("validate")
            .arg(repo().join("examples").join(name))
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn examples_load_and_evaluate() {
    for name in EXAMPLES {
        let dir = tempfile::tempdir().unwrap();
        let mut a = Agent::start(dir.path(), &example(name), &[]);
        a.wait_ready(WAIT);
        match *name {
            "local_file.river" => {
                let out = targets(&a, "discovery.relabel.with_env", "output");
                assert_eq!(out.len(), 4, "{out:?}");
                assert!(out.iter().all(|t| t["env"] == "staging"), "{out:?}");
            }
            "relabel.river" => {
                let out = targets(&a, "discovery.relabel.sharded", "output");
                assert!(out
                    .iter()
                    .all(|t| t["__tmp_shard"] == "0" && t.contains_key("host")));
                assert!(!targets(&a, "prometheus.exporter.self.agent", "targets").is_empty());
            }
            _ => {
                let dns = wait_for(WAIT, || {
                    let t = targets(&a, "discovery.relabel.all", "output");
                    (!t.is_empty()).then_some(t)
                });
                if let Some(t) = dns {
                    assert!(
                        t.iter().all(|t| t["__address__"].ends_with(":9100")),
                        "{t:?}"
                    );
                }
            }
        }
        assert!(
            a.stop(WAIT).is_some_and(|s| s.success()),
            "{name}:\n{}",
            a.logs()
        );
    }
}
