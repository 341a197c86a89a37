//! The end-to-end clustering story with real parts: three `agent` processes with clustering
//! (`discovery.file` → `prometheus.scrape` with `clustering` → `prometheus.remote_write`),
//! 60 synthetic targets (`synth_targets.py`) plus a real node_exporter, and a real Prometheus
//! as the remote-write receiver, checked with PromQL:
//!
//! 1. steady state: every target is scraped by exactly one agent, each agent has a share;
//! 2. `kill -9` of one agent: once the survivors' membership drops it (SWIM failure
//!    detection, about 10–15 s here), every target is scraped again within two scrape
//!    intervals (plus the 1 s notification limit and the send deadline);
//! 3. a fourth agent joins: about 1/N of the targets move to it, and only to it; hand-over
//!    gaps stay short (scrape slots are phase-aligned on every node).
//!
//! Needs `prometheus`, `prometheus-node-exporter` and `python3`; skipped with a loud message otherwise
//! (`RIVER_E2E_REQUIRED=1` turns the skip into a failure).

mod common;
mod prom_support;

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use common::agent::{free_port, get_json, wait_for, Agent};
use prom_support::{now_secs, require, NodeExporter, Prometheus, Synth};

/// Synthetic targets plus one node_exporter.
const TARGETS: usize = 61;
const INTERVAL_S: f64 = 2.0;

/// The same configuration on every node but for the `scraped_by` external label (external
/// labels are applied after scraping, so they do not change target keys).
fn config(node: &str, sd_file: &std::path::Path, rw: &str) -> String {
    format!(
        r#"
discovery.file "targets" {{
  files = ["{}"]
}}

prometheus.scrape "synth" {{
  targets = discovery.file.targets.targets
  forward_to = [prometheus.remote_write.out.receiver]
  job_name = "e2e"
  scrape_interval = "2s"
  scrape_timeout = "1s"
  clustering {{
    enabled = true
  }}
}}

prometheus.remote_write "out" {{
  external_labels = {{ scraped_by = "{node}" }}
  endpoint {{
    url = "{rw}"
    queue_config {{
      batch_send_deadline = "250ms"
    }}
  }}
}}
"#,
        sd_file.display()
    )
}

struct Cluster {
    dir: std::path::PathBuf,
    sd_file: std::path::PathBuf,
    rw: String,
    seed: String,
}

impl Cluster {
    fn start(&self, name: &str) -> Agent {
        let port = free_port();
        let addr = format!("127.0.0.1:{port}");
        let join = if self.seed.is_empty() {
            addr.clone()
        } else {
            self.seed.clone()
        };
        let args = [
            "--cluster.enabled".to_string(),
            format!("--cluster.node-name={name}"),
            format!("--cluster.advertise-address={addr}"),
            format!("--cluster.join-addresses={join}"),
        ];
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        Agent::start_on(
            &self.dir.join(name),
            &config(name, &self.sd_file, &self.rw),
            port,
            &args,
        )
    }
}

fn participants(a: &Agent) -> BTreeSet<String> {
    let (s, body) = common::agent::get(&a.addr, "/api/v0/web/peers");
    if s != 200 {
        return BTreeSet::new();
    }
    let v: serde_json::Value = serde_json::from_str(&body).unwrap_or_default();
    v.as_array()
        .map(|a| {
            a.iter()
                .filter(|p| p["state"] == "participant")
                .filter_map(|p| p["name"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// Who scraped each target in the window `[t - 5s, t]` (t a little in the past, so the
/// samples of that window have arrived).
fn scrapers(p: &Prometheus) -> BTreeMap<String, BTreeSet<String>> {
    let t = now_secs() - 1.0;
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for r in p.query(
        "count by (instance, scraped_by) (count_over_time(up{job=\"e2e\"}[5s]))",
        Some(t),
    ) {
        let inst = r["metric"]["instance"].as_str().unwrap_or("").to_string();
        let by = r["metric"]["scraped_by"].as_str().unwrap_or("").to_string();
        out.entry(inst).or_default().insert(by);
    }
    out
}

/// Every target scraped by exactly one agent, all of them in `allowed`.
fn one_owner_each(
    s: &BTreeMap<String, BTreeSet<String>>,
    allowed: &[&str],
) -> Option<BTreeMap<String, String>> {
    if s.len() != TARGETS {
        return None;
    }
    let mut owner = BTreeMap::new();
    for (inst, by) in s {
        if by.len() != 1 {
            return None;
        }
        let b = by.iter().next()?;
        if !allowed.contains(&b.as_str()) {
            return None;
        }
        owner.insert(inst.clone(), b.clone());
    }
    Some(owner)
}

/// The newest `up` timestamp of each target (any scraper).
fn newest(p: &Prometheus) -> BTreeMap<String, f64> {
    p.query_by(
        "max by (instance) (timestamp(up{job=\"e2e\"}))",
        "instance",
        None,
    )
}

fn debug_target_count(a: &Agent) -> usize {
    let c = get_json(&a.addr, "/api/v0/web/components/prometheus.scrape.synth");
    c["debugInfo"].as_array().map(|d| d.len()).unwrap_or(0)
}

#[test]
fn cluster_distributes_fails_over_and_rebalances() {
    if !require(&["prometheus", "prometheus-node-exporter", "python3"]) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let Some(synth) = Synth::start(dir.path(), TARGETS - 1, 10) else {
        return;
    };
    let node_exporter = NodeExporter::start(dir.path());
    let prom = Prometheus::start(&dir.path().join("prometheus"));
    // One file_sd group with every synthetic target and the node_exporter.
    let mut targets = synth.addrs.clone();
    targets.push(node_exporter.addr.clone());
    let sd_file = dir.path().join("cluster_targets.json");
    let group = serde_json::json!([{ "targets": targets, "labels": { "synth": "1" } }]);
    std::fs::write(&sd_file, group.to_string()).unwrap();

    let mut cl = Cluster {
        dir: dir.path().to_path_buf(),
        sd_file,
        rw: prom.write_url(),
        seed: String::new(),
    };
    let mut a = cl.start("a");
    a.wait_ready(Duration::from_secs(30));
    cl.seed = a.addr.clone();
    let mut b = cl.start("b");
    let mut c = cl.start("c");
    b.wait_ready(Duration::from_secs(30));
    c.wait_ready(Duration::from_secs(30));
    let all3: BTreeSet<String> = ["a", "b", "c"].map(String::from).into();
    for n in [&a, &b, &c] {
        wait_for(Duration::from_secs(30), || {
            (participants(n) == all3).then_some(())
        })
        .unwrap_or_else(|| {
            panic!(
                "{} does not see 3 participants: {:?}\n{}",
                n.addr,
                participants(n),
                n.logs()
            )
        });
    }

    // 1. Steady state: exactly one scraper per target; everyone has a share.
    let owner = wait_for(Duration::from_secs(40), || {
        one_owner_each(&scrapers(&prom), &["a", "b", "c"])
    })
    .unwrap_or_else(|| panic!("no steady state: {:?}", scrapers(&prom)));
    let mut share: BTreeMap<&str, usize> = BTreeMap::new();
    for o in owner.values() {
        *share.entry(o.as_str()).or_default() += 1;
    }
    eprintln!("steady state shares: {share:?}");
    assert_eq!(share.len(), 3, "{share:?}");
    assert_eq!(
        debug_target_count(&a) + debug_target_count(&b) + debug_target_count(&c),
        TARGETS,
        "debug info lists owned targets only"
    );

    // 2. kill -9 c: the survivors take its targets over.
    let c_targets: Vec<String> = owner
        .iter()
        .filter(|(_, o)| *o == "c")
        .map(|(i, _)| i.clone())
        .collect();
    let killed = Instant::now();
    c.kill9();
    let ab: BTreeSet<String> = ["a", "b"].map(String::from).into();
    wait_for(Duration::from_secs(60), || {
        (participants(&a) == ab && participants(&b) == ab).then_some(())
    })
    .expect("survivors drop the dead node");
    let detected = Instant::now();
    let detected_at = now_secs();
    eprintln!("failure detected after {:?}", detected - killed);
    let bound = Duration::from_secs_f64(2.0 * INTERVAL_S + 2.5);
    let taken_over = wait_for(bound, || {
        let n = newest(&prom);
        c_targets
            .iter()
            .all(|t| n.get(t).is_some_and(|ts| *ts > detected_at))
            .then_some(())
    });
    assert!(
        taken_over.is_some(),
        "c's {} targets were not scraped again within {bound:?} of failure detection",
        c_targets.len()
    );
    eprintln!(
        "take-over complete {:?} after detection",
        detected.elapsed()
    );
    let owner_ab = wait_for(Duration::from_secs(20), || {
        one_owner_each(&scrapers(&prom), &["a", "b"])
    })
    .expect("a and b share every target, once each");

    // 3. d joins: about a third of the targets move to d, and only to d.
    let mut d = cl.start("d");
    d.wait_ready(Duration::from_secs(30));
    let abd: BTreeSet<String> = ["a", "b", "d"].map(String::from).into();
    wait_for(Duration::from_secs(30), || {
        (participants(&a) == abd).then_some(())
    })
    .expect("d becomes a participant");
    let joined_at = now_secs();
    let owner_abd = wait_for(Duration::from_secs(30), || {
        one_owner_each(&scrapers(&prom), &["a", "b", "d"]).filter(|o| o.values().any(|v| v == "d"))
    })
    .unwrap_or_else(|| panic!("no steady state with d: {:?}", scrapers(&prom)));
    let moved: Vec<&String> = owner_abd
        .iter()
        .filter(|(i, o)| owner_ab.get(*i) != Some(*o))
        .map(|(i, _)| i)
        .collect();
    assert!(
        moved.iter().all(|i| owner_abd[*i] == "d"),
        "targets moved between old nodes: {moved:?}"
    );
    // The old owners stopped without staleness markers: their last `up` samples are still
    // visible to an instant query (a marker would end the series at once).
    let stale_ended: Vec<&String> = moved
        .iter()
        .filter(|i| {
            let q = format!(
                "up{{job=\"e2e\",instance=\"{}\",scraped_by=\"{}\"}}",
                i, owner_ab[**i]
            );
            prom.query(&q, None).is_empty()
        })
        .copied()
        .collect();
    assert!(
        stale_ended.is_empty(),
        "moved targets got staleness markers: {stale_ended:?}"
    );
    let to_d = moved.len();
    eprintln!("{to_d} of {TARGETS} targets moved to d");
    assert!(
        (8..=32).contains(&to_d),
        "{to_d} targets moved to d; expected about a third"
    );

    // Hand-over gaps of the moved targets (all scrapers merged).
    std::thread::sleep(Duration::from_secs(3));
    let window = (now_secs() - joined_at + 10.0).ceil() as u64;
    let mut worst: f64 = 0.0;
    for inst in &moved {
        let r = prom.query(
            &format!("up{{job=\"e2e\",instance=\"{inst}\"}}[{window}s]"),
            None,
        );
        let mut ts: Vec<f64> = r
            .iter()
            .flat_map(|s| s["values"].as_array().cloned().unwrap_or_default())
            .filter_map(|v| v[0].as_f64())
            .collect();
        ts.sort_by(|x, y| x.partial_cmp(y).unwrap());
        for w in ts.windows(2) {
            worst = worst.max(w[1] - w[0]);
        }
    }
    eprintln!("largest hand-over gap: {worst:.2}s (interval {INTERVAL_S}s)");
    assert!(
        worst <= 2.0 * INTERVAL_S + 1.0,
        "hand-over gap of {worst:.2}s"
    );

    for ag in [&mut a, &mut b, &mut d] {
        ag.stop(Duration::from_secs(30));
    }
    drop(synth);
    drop(node_exporter);
}
