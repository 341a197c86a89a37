//! Every relabel action end to end through the binary (`discovery.relabel`), `hashmod`
//! against an independent oracle, and rule validation errors on reload.

mod common;
mod components_common;

use std::collections::BTreeMap;
use std::time::Duration;

use common::agent::{http, Agent};
use components_common::{river_str, targets};
use md5::{Digest, Md5};

const WAIT: Duration = Duration::from_secs(20);

type Target = BTreeMap<String, String>;

fn t(pairs: &[(&str, &str)]) -> Target {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// A target list as a River expression.
fn river_targets(ts: &[Target]) -> String {
    let items: Vec<String> = ts
        .iter()
        .map(|t| {
            let fields: Vec<String> = t
                .iter()
                .map(|(k, v)| format!("{} = {}", river_str(k), river_str(v)))
                .collect();
            format!("{{{}}}", fields.join(", "))
        })
        .collect();
    format!("[{}]", items.join(", "))
}

/// One row of the table: a component label, its input, its rules, the expected output.
struct Case {
    name: &'static str,
    input: Vec<Target>,
    rules: &'static str,
    want: Vec<Target>,
}

fn cases() -> Vec<Case> {
    vec![
        Case {
            name: "replace_default",
            input: vec![t(&[("a", "x")])],
            rules: r#"rule {
		source_labels = ["a"]
		target_label  = "b"
	}"#,
            want: vec![t(&[("a", "x"), ("b", "x")])],
        },
        Case {
            name: "replace_captures",
            input: vec![t(&[("host", "web.example.com")]), t(&[("host", "other")])],
            rules: r#"rule {
		source_labels = ["host"]
		regex         = "(.*)\\.example\\.com"
		target_label  = "host_${1}"
		replacement   = "short-$1"
	}"#,
            want: vec![
                t(&[("host", "web.example.com"), ("host_web", "short-web")]),
                t(&[("host", "other")]),
            ],
        },
        Case {
            name: "replace_empty_deletes",
            input: vec![t(&[("a", "x"), ("c", "1")])],
            rules: r#"rule {
		source_labels = ["c"]
		target_label  = "a"
		replacement   = ""
	}"#,
            want: vec![t(&[("c", "1")])],
        },
        Case {
            name: "replace_multi_source_separator",
            input: vec![t(&[("a", "1"), ("b", "2")])],
            rules: r#"rule {
		source_labels = ["a", "b", "missing"]
		separator     = "-"
		target_label  = "ab"
	}"#,
            want: vec![t(&[("a", "1"), ("b", "2"), ("ab", "1-2-")])],
        },
        Case {
            name: "keep_anchored",
            input: vec![
                t(&[("env", "prod")]),
                t(&[("env", "production")]),
                t(&[("env", "dev")]),
            ],
            rules: r#"rule {
		source_labels = ["env"]
		regex         = "prod"
		action        = "keep"
	}"#,
            want: vec![t(&[("env", "prod")])],
        },
        Case {
            name: "drop",
            input: vec![t(&[("env", "prod")]), t(&[("env", "dev")])],
            rules: r#"rule {
		source_labels = ["env"]
		regex         = "dev|test"
		action        = "drop"
	}"#,
            want: vec![t(&[("env", "prod")])],
        },
        Case {
            name: "keepequal",
            input: vec![t(&[("a", "1"), ("b", "1")]), t(&[("a", "1"), ("b", "2")])],
            rules: r#"rule {
		source_labels = ["a"]
		target_label  = "b"
		action        = "keepequal"
	}"#,
            want: vec![t(&[("a", "1"), ("b", "1")])],
        },
        Case {
            name: "dropequal",
            input: vec![t(&[("a", "1"), ("b", "1")]), t(&[("a", "1"), ("b", "2")])],
            rules: r#"rule {
		source_labels = ["a"]
		target_label  = "b"
		action        = "dropequal"
	}"#,
            want: vec![t(&[("a", "1"), ("b", "2")])],
        },
        Case {
            name: "hashmod",
            input: vec![t(&[("__address__", "10.0.0.1:9100")])],
            rules: r#"rule {
		source_labels = ["__address__"]
		modulus       = 8
		target_label  = "__tmp_shard"
		action        = "hashmod"
	}"#,
            want: vec![t(&[
                ("__address__", "10.0.0.1:9100"),
                ("__tmp_shard", &oracle("10.0.0.1:9100", 8).to_string()),
            ])],
        },
        Case {
            name: "labelmap",
            input: vec![t(&[("__meta_zone", "z1"), ("x", "1")])],
            rules: r#"rule {
		regex       = "__meta_(.+)"
		replacement = "k8s_$1"
		action      = "labelmap"
	}"#,
            want: vec![t(&[("__meta_zone", "z1"), ("k8s_zone", "z1"), ("x", "1")])],
        },
        Case {
            name: "labeldrop",
            input: vec![t(&[("tmp_a", "1"), ("keep", "2")])],
            rules: r#"rule {
		regex  = "tmp_.*"
		action = "labeldrop"
	}"#,
            want: vec![t(&[("keep", "2")])],
        },
        Case {
            name: "labelkeep",
            input: vec![t(&[("__address__", "h:1"), ("keep", "2"), ("other", "3")])],
            rules: r#"rule {
		regex  = "__address__|keep"
		action = "labelkeep"
	}"#,
            want: vec![t(&[("__address__", "h:1"), ("keep", "2")])],
        },
        Case {
            name: "lowercase",
            input: vec![t(&[("v", "AbC")])],
            rules: r#"rule {
		source_labels = ["v"]
		target_label  = "v_lower"
		action        = "lowercase"
	}"#,
            want: vec![t(&[("v", "AbC"), ("v_lower", "abc")])],
        },
        Case {
            name: "uppercase",
            input: vec![t(&[("v", "AbC")])],
            rules: r#"rule {
		source_labels = ["v"]
		target_label  = "v_upper"
		action        = "uppercase"
	}"#,
            want: vec![t(&[("v", "AbC"), ("v_upper", "ABC")])],
        },
        Case {
            name: "rules_in_order",
            input: vec![t(&[("__address__", "h:1"), ("__meta_env", "prod")])],
            rules: r#"rule {
		source_labels = ["__meta_env"]
		target_label  = "env"
	}
	rule {
		source_labels = ["env"]
		regex         = "prod"
		action        = "keep"
	}
	rule {
		regex  = "__meta_.*"
		action = "labeldrop"
	}"#,
            want: vec![t(&[("__address__", "h:1"), ("env", "prod")])],
        },
    ]
}

/// The shard Prometheus' hashmod assigns: the big-endian u64 of bytes 8..16 of the MD5 of the
/// joined source values, modulo `modulus`. Written from the description in peers.md, not from
/// the engine.
fn oracle(value: &str, modulus: u64) -> u64 {
    let digest = Md5::digest(value.as_bytes());
    let mut tail = [0u8; 8];
    tail.copy_from_slice(&digest[8..16]);
    u64::from_be_bytes(tail) % modulus
}

#[test]
fn every_action_end_to_end() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = String::new();
    for c in cases() {
        config.push_str(&format!(
            "discovery.relabel {} {{\n\ttargets = {}\n\t{}\n}}\n\n",
            river_str(c.name),
            river_targets(&c.input),
            c.rules
        ));
    }
    // hashmod over many targets and two source labels, against the oracle.
    let many: Vec<Target> = (0..300)
        .map(|i| {
            t(&[
                ("__address__", &format!("10.1.{}.{}:9100", i / 256, i % 256)),
                ("job", if i % 2 == 0 { "node" } else { "app" }),
            ])
        })
        .collect();
    config.push_str(&format!(
        r#"discovery.relabel "shards" {{
	targets = {}
	rule {{
		source_labels = ["__address__", "job"]
		modulus       = 7
		target_label  = "shard"
		action        = "hashmod"
	}}
}}
"#,
        river_targets(&many)
    ));
    let mut a = Agent::start(dir.path(), &config, &[]);
    a.wait_ready(WAIT);

    for c in cases() {
        let got = targets(&a, &format!("discovery.relabel.{}", c.name), "output");
        assert_eq!(got, c.want, "case {}", c.name);
    }

    let got = targets(&a, "discovery.relabel.shards", "output");
    assert_eq!(got.len(), many.len());
    let mut per_shard = [0usize; 7];
    for (out, input) in got.iter().zip(&many) {
        let joined = format!("{};{}", input["__address__"], input["job"]);
        let want = oracle(&joined, 7);
        assert_eq!(out["shard"], want.to_string(), "{joined}");
        per_shard[want as usize] += 1;
    }
    // Sanity: the oracle spreads targets over every shard.
    assert!(per_shard.iter().all(|&n| n > 0), "{per_shard:?}");

    // Invalid rules are refused on reload with the rule's problem; the graph stays.
    for (rule, message) in [
        (
            "rule {\n\t\taction = \"hashmod\"\n\t\ttarget_label = \"x\"\n\t}",
            "relabel configuration for hashmod requires non-zero modulus",
        ),
        (
            "rule {\n\t\taction = \"bogus\"\n\t}",
            "unrecognized action type \"bogus\"",
        ),
        (
            "rule {\n\t\tsource_labels = [\"a\"]\n\t}",
            "relabel configuration for replace action requires 'target_label' value",
        ),
        (
            "rule {\n\t\taction = \"labeldrop\"\n\t\tregex = \"x\"\n\t\ttarget_label = \"y\"\n\t}",
            "labeldrop action requires only 'regex', and no other fields",
        ),
        (
            "rule {\n\t\tregex = \"a(b\"\n\t\ttarget_label = \"y\"\n\t}",
            "invalid regex",
        ),
    ] {
        let bad = format!("discovery.relabel \"bad\" {{\n\ttargets = []\n\t{rule}\n}}\n");
        std::fs::write(&a.config, &bad).unwrap();
        let (status, body) = http("POST", &a.addr, "/-/reload", b"", &[]).unwrap();
        let body = String::from_utf8_lossy(&body);
        assert_eq!(status, 400, "{rule}: {body}");
        assert!(body.contains(message), "{rule}: {body}");
    }
    assert!(a.stop(WAIT).is_some_and(|s| s.success()));
}
