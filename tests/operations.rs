//! Checks of the meta-monitoring assets in `operations/`: the alert rules pass `promtool check
//! rules` and their unit tests (`promtool test rules`), every dashboard query is valid PromQL,
//! and every metric the dashboards and rules use is one the agent exports (compared with the
//! `/metrics` fixture, or with a live agent when `RIVER_AGENT_METRICS_URL` is set) and is listed
//! in `operations/README.md`.
//!
//! promtool comes from Debian's `prometheus` package; without it the promtool checks say so
//! loudly and skip, unless `RIVER_PROMTOOL_REQUIRED=1`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

fn operations_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("operations")
}

fn files_with_ext(dir: &Path, suffix: &str) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.to_string_lossy().ends_with(suffix))
        .collect();
    out.sort();
    out
}

fn rule_files() -> Vec<PathBuf> {
    files_with_ext(&operations_dir().join("alerts"), ".yaml")
}

fn dashboard_files() -> Vec<PathBuf> {
    files_with_ext(&operations_dir().join("dashboards"), ".json")
}

fn promtool() -> Option<PathBuf> {
    let found = std::env::var_os("PROMTOOL").map(PathBuf::from).or_else(|| {
        std::env::split_paths(&std::env::var_os("PATH")?)
            .map(|d| d.join("promtool"))
            .find(|p| p.is_file())
    });
    if found.is_none() {
        let msg =
            "\n\n!!! promtool not found (Debian package `prometheus`): promtool checks SKIPPED.\n";
        if std::env::var("RIVER_PROMTOOL_REQUIRED").as_deref() == Ok("1") {
            panic!("{msg}!!! RIVER_PROMTOOL_REQUIRED=1, failing.\n");
        }
        eprintln!("{msg}");
    }
    found
}

fn run_promtool(args: &[&std::ffi::OsStr], cwd: &Path) {
    let Some(bin) = promtool() else { return };
    let out = Command::new(&bin)
        .args(args)
        .current_dir(cwd)
        .output()
        .unwrap_or_else(|e| panic!("running {}: {e}", bin.display()));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "promtool {args:?} failed:\n{text}");
    eprintln!("{text}");
}

// ---------------------------------------------------------------------------------------------
// PromQL metric-name extraction
// ---------------------------------------------------------------------------------------------

/// Aggregation operators: their names are followed by an optional `by (...)`/`without (...)`
/// before the parenthesis, so they must not be mistaken for metric names.
const AGGREGATIONS: &[&str] = &[
    "sum",
    "min",
    "max",
    "avg",
    "group",
    "stddev",
    "stdvar",
    "count",
    "count_values",
    "bottomk",
    "topk",
    "quantile",
    "limitk",
    "limit_ratio",
];

/// Keywords followed by a parenthesised list of label names.
const LABEL_LIST_KEYWORDS: &[&str] = &[
    "by",
    "without",
    "on",
    "ignoring",
    "group_left",
    "group_right",
];

/// Other words that are not metric names.
const KEYWORDS: &[&str] = &[
    "and", "or", "unless", "bool", "offset", "inf", "nan", "atan2",
];

/// The metric names a PromQL expression selects (Grafana `$variables` ignored).
fn metric_names_in_promql(expr: &str) -> BTreeSet<String> {
    let b = expr.as_bytes();
    let mut out = BTreeSet::new();
    let mut i = 0;
    let is_start = |c: u8| c.is_ascii_alphabetic() || c == b'_' || c == b':';
    let is_ident = |c: u8| c.is_ascii_alphanumeric() || c == b'_' || c == b':';
    let skip_string = |i: usize| -> usize {
        let q = b[i];
        let mut j = i + 1;
        while j < b.len() && b[j] != q {
            if b[j] == b'\\' && q != b'`' {
                j += 1;
            }
            j += 1;
        }
        j + 1
    };
    let skip_until = |mut j: usize, close: u8| -> usize {
        while j < b.len() && b[j] != close {
            if b[j] == b'"' || b[j] == b'\'' || b[j] == b'`' {
                j = skip_string(j);
            } else {
                j += 1;
            }
        }
        j + 1
    };
    while i < b.len() {
        let c = b[i];
        if c == b'"' || c == b'\'' || c == b'`' {
            i = skip_string(i);
        } else if c == b'{' {
            i = skip_until(i + 1, b'}');
        } else if c == b'[' {
            i = skip_until(i + 1, b']');
        } else if c == b'#' {
            while i < b.len() && b[i] != b'\n' {
                i += 1;
            }
        } else if c == b'$' {
            i += 1;
            while i < b.len() && (is_ident(b[i]) || b[i] == b'{' || b[i] == b'}') {
                i += 1;
            }
        } else if c.is_ascii_digit() || (c == b'.' && b.get(i + 1).is_some_and(u8::is_ascii_digit))
        {
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'.') {
                i += 1;
            }
        } else if is_start(c) {
            let start = i;
            while i < b.len() && is_ident(b[i]) {
                i += 1;
            }
            let word = &expr[start..i];
            let mut j = i;
            while j < b.len() && b[j].is_ascii_whitespace() {
                j += 1;
            }
            let next = b.get(j).copied();
            if LABEL_LIST_KEYWORDS.contains(&word) {
                if next == Some(b'(') {
                    i = skip_until(j + 1, b')');
                }
            } else if next == Some(b'(')
                || AGGREGATIONS.contains(&word)
                || KEYWORDS.contains(&word.to_ascii_lowercase().as_str())
            {
                // A function call, an aggregation or a keyword.
            } else {
                out.insert(word.to_string());
            }
        } else {
            i += 1;
        }
    }
    out
}

/// The PromQL inside a Grafana variable query (`label_values(expr, label)`,
/// `query_result(expr)`), or `None` for queries without a selector.
fn promql_of_variable_query(q: &str) -> Option<String> {
    let q = q.trim();
    if let Some(inner) = q
        .strip_prefix("label_values(")
        .and_then(|s| s.strip_suffix(')'))
    {
        return inner.rsplit_once(',').map(|(e, _)| e.trim().to_string());
    }
    if let Some(inner) = q
        .strip_prefix("query_result(")
        .and_then(|s| s.strip_suffix(')'))
    {
        return Some(inner.to_string());
    }
    if q.starts_with("label_names(") || q.starts_with("metrics(") {
        return None;
    }
    Some(q.to_string())
}

/// Every PromQL expression of a dashboard: panel targets (rows included) and variable queries.
fn dashboard_exprs(dash: &Value) -> Vec<(String, String)> {
    fn walk(panels: &Value, out: &mut Vec<(String, String)>) {
        for p in panels.as_array().into_iter().flatten() {
            let title = p["title"].as_str().unwrap_or("?").to_string();
            for t in p["targets"].as_array().into_iter().flatten() {
                if let Some(e) = t["expr"].as_str() {
                    out.push((title.clone(), e.to_string()));
                }
            }
            walk(&p["panels"], out);
        }
    }
    let mut out = Vec::new();
    walk(&dash["panels"], &mut out);
    for v in dash["templating"]["list"].as_array().into_iter().flatten() {
        if v["type"] != "query" {
            continue;
        }
        let q = v["query"]["query"]
            .as_str()
            .or_else(|| v["query"].as_str())
            .unwrap_or_default();
        if let Some(e) = promql_of_variable_query(q) {
            out.push((format!("variable {}", v["name"]), e));
        }
    }
    out
}

fn read_dashboard(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// (alert name, expression) of every rule file.
fn rule_exprs() -> Vec<(String, String)> {
    let mut out = Vec::new();
    for f in rule_files() {
        let text = std::fs::read_to_string(&f).unwrap();
        let doc: serde_yaml::Value =
            serde_yaml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
        for g in doc["groups"].as_sequence().into_iter().flatten() {
            for r in g["rules"].as_sequence().into_iter().flatten() {
                let name = r["alert"]
                    .as_str()
                    .or_else(|| r["record"].as_str())
                    .unwrap_or("?");
                out.push((
                    name.to_string(),
                    r["expr"].as_str().unwrap_or_default().to_string(),
                ));
            }
        }
    }
    out
}

/// Every metric name used anywhere in `operations/`, with where it is used.
fn used_metrics() -> BTreeMap<String, BTreeSet<String>> {
    let mut used: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for f in dashboard_files() {
        let file = f.file_name().unwrap().to_string_lossy().to_string();
        for (_, e) in dashboard_exprs(&read_dashboard(&f)) {
            for m in metric_names_in_promql(&e) {
                used.entry(m).or_default().insert(file.clone());
            }
        }
    }
    for (name, e) in rule_exprs() {
        for m in metric_names_in_promql(&e) {
            used.entry(m).or_default().insert(format!("alert {name}"));
        }
    }
    used
}

/// The series names in a Prometheus text or OpenMetrics exposition (`/metrics`): what a query
/// can select. Histogram families appear as their `_bucket`, `_sum` and `_count` series.
fn exported_series_names(metrics_text: &str) -> BTreeSet<String> {
    metrics_text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .filter_map(|l| {
            let end = l.find(['{', ' ', '\t']).unwrap_or(l.len());
            let name = &l[..end];
            (!name.is_empty()).then(|| name.to_string())
        })
        .collect()
}

/// The metrics used by the dashboards and rules that `metrics_text` does not export.
fn missing_from(metrics_text: &str) -> Vec<String> {
    let exported = exported_series_names(metrics_text);
    used_metrics()
        .into_iter()
        .filter(|(m, _)| !exported.contains(m))
        .map(|(m, wh)| {
            format!(
                "{m} (used by {})",
                wh.into_iter().collect::<Vec<_>>().join(", ")
            )
        })
        .collect()
}

fn metrics_fixture() -> String {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/operations/agent_metrics.txt");
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

// ---------------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------------

#[test]
fn extraction_finds_metrics_and_nothing_else() {
    let cases: &[(&str, &[&str])] = &[
        ("up", &["up"]),
        ("rate(foo_total[5m])", &["foo_total"]),
        (
            r#"sum by (job, instance) (rate(a_total{job=~"$job", x="y{z}"}[$__rate_interval]))"#,
            &["a_total"],
        ),
        (
            "histogram_quantile(0.99, sum by (le) (rate(h_seconds_bucket[5m]))) > 1",
            &["h_seconds_bucket"],
        ),
        (
            "a != on (job, cluster_name) group_left () count by (job, cluster_name) (b)",
            &["a", "b"],
        ),
        (
            r#"count(count_values without (instance) ("peers", sum without (state) (c)))"#,
            &["c"],
        ),
        ("x and on (job) y or z unless w", &["w", "x", "y", "z"]),
        ("time() - max(t_seconds) offset 5m", &["t_seconds"]),
        ("m @ start()", &["m"]),
        ("sum(a) by (le) / ignoring (x) b", &["a", "b"]),
        ("vector(0) or 1e3 + 0x1f * .5 + Inf - NaN", &[]),
        ("topk(3, x) # comment with word\n+ y", &["x", "y"]),
        ("ns:recorded:rate5m", &["ns:recorded:rate5m"]),
        ("a{__name__=~\"b.*\"} == bool 1", &["a"]),
    ];
    for (expr, want) in cases {
        let got = metric_names_in_promql(expr);
        let want: BTreeSet<String> = want.iter().map(|s| s.to_string()).collect();
        assert_eq!(got, want, "{expr}");
    }
    assert_eq!(
        promql_of_variable_query(r#"label_values(cluster_node_info{job=~"$job"}, cluster_name)"#)
            .as_deref(),
        Some(r#"cluster_node_info{job=~"$job"}"#)
    );
    assert_eq!(promql_of_variable_query("label_values(job)"), None);
}

#[test]
fn exported_names_come_from_sample_lines() {
    let text = "# HELP a_total A.\n# TYPE a counter\na_total{x=\"1\"} 3\n\
                # TYPE h histogram\nh_bucket{le=\"+Inf\"} 1\nh_sum 0.5\nh_count 1\nb 2\n# EOF\n";
    let got = exported_series_names(text);
    let want: BTreeSet<String> = ["a_total", "b", "h_bucket", "h_count", "h_sum"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    assert_eq!(got, want);
}

#[test]
fn every_metric_used_is_in_the_metrics_fixture() {
    let used = used_metrics();
    assert!(
        used.len() >= 40,
        "only {} metrics found: {used:?}",
        used.len()
    );
    let missing = missing_from(&metrics_fixture());
    assert!(
        missing.is_empty(),
        "not exported:\n  {}",
        missing.join("\n  ")
    );
}

/// Set `RIVER_AGENT_METRICS_URL=http://127.0.0.1:12345/metrics` (an agent running a config with
/// clustering, prometheus.scrape and prometheus.remote_write) to check against a live agent.
#[test]
fn every_metric_used_is_exported_by_a_live_agent() {
    let Ok(url) = std::env::var("RIVER_AGENT_METRICS_URL") else {
        eprintln!("RIVER_AGENT_METRICS_URL not set: live-agent metrics check skipped");
        return;
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let text = rt.block_on(async {
        let resp = reqwest::get(&url)
            .await
            .unwrap_or_else(|e| panic!("GET {url}: {e}"));
        resp.text()
            .await
            .unwrap_or_else(|e| panic!("GET {url}: {e}"))
    });
    let missing = missing_from(&text);
    assert!(
        missing.is_empty(),
        "{url} does not export:\n  {}",
        missing.join("\n  ")
    );
}

#[test]
fn readme_lists_every_metric_used() {
    let readme = std::fs::read_to_string(operations_dir().join("README.md")).unwrap();
    let listed: BTreeSet<String> = regex::Regex::new(r"`([a-z_:][a-z0-9_:]*)`")
        .unwrap()
        .captures_iter(&readme)
        .map(|c| c[1].to_string())
        .collect();
    let family = |m: &str| {
        for suffix in ["_bucket", "_sum", "_count"] {
            if let Some(base) = m.strip_suffix(suffix) {
                if listed.contains(base) {
                    return true;
                }
            }
        }
        false
    };
    let used = used_metrics();
    let unlisted: Vec<&String> = used
        .keys()
        .filter(|m| !listed.contains(*m) && !family(m))
        .collect();
    assert!(
        unlisted.is_empty(),
        "operations/README.md does not list {unlisted:?}"
    );
}

#[test]
fn dashboards_are_well_formed() {
    let mut uids = BTreeSet::new();
    let files = dashboard_files();
    assert_eq!(files.len(), 5, "{files:?}");
    for f in files {
        let d = read_dashboard(&f);
        let name = f.display().to_string();
        assert!(
            uids.insert(d["uid"].as_str().unwrap().to_string()),
            "{name}: duplicate uid"
        );
        assert!(
            d["title"]
                .as_str()
                .is_some_and(|t| t.starts_with("river-agent / ")),
            "{name}"
        );
        let vars: Vec<String> = d["templating"]["list"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v["name"].as_str().unwrap().to_string())
            .collect();
        let text = serde_json::to_string(&d["panels"]).unwrap();
        for v in &vars {
            assert!(
                text.contains(&format!("${v}")) || text.contains(&format!("${{{v}}}")),
                "{name}: variable {v} unused"
            );
        }
        let mut ids = BTreeSet::new();
        let mut panels = Vec::new();
        fn flatten(ps: &Value, out: &mut Vec<Value>) {
            for p in ps.as_array().into_iter().flatten() {
                out.push(p.clone());
                flatten(&p["panels"], out);
            }
        }
        flatten(&d["panels"], &mut panels);
        for p in &panels {
            let title = p["title"].as_str().unwrap_or("?");
            assert!(
                ids.insert(p["id"].as_u64().unwrap()),
                "{name}: duplicate panel id at {title}"
            );
            let g = &p["gridPos"];
            assert!(
                g["x"].as_u64().unwrap() + g["w"].as_u64().unwrap() <= 24,
                "{name}: {title} too wide"
            );
            if p["type"] == "row" {
                continue;
            }
            assert_eq!(p["datasource"]["uid"], "${datasource}", "{name}: {title}");
            assert!(
                p["description"].as_str().is_some_and(|s| !s.is_empty()),
                "{name}: {title} has no description"
            );
            let targets = p["targets"].as_array().unwrap();
            assert!(!targets.is_empty(), "{name}: {title} has no query");
            for t in targets {
                assert!(
                    t["expr"].as_str().is_some_and(|e| !e.is_empty()),
                    "{name}: {title}"
                );
            }
        }
    }
}

#[test]
fn promtool_check_rules() {
    let files = rule_files();
    assert!(files.len() >= 3, "{files:?}");
    let mut args: Vec<&std::ffi::OsStr> = vec!["check".as_ref(), "rules".as_ref()];
    args.extend(files.iter().map(|p| p.as_os_str()));
    run_promtool(&args, &operations_dir());
}

/// The rule unit tests in `operations/tests/`: every alert fires on the situation it describes
/// and stays quiet on a healthy cluster (with and without a cluster name).
#[test]
fn promtool_test_rules() {
    let dir = operations_dir().join("tests");
    let files = files_with_ext(&dir, ".test.yaml");
    assert!(files.len() >= 3, "{files:?}");
    let mut args: Vec<&std::ffi::OsStr> = vec!["test".as_ref(), "rules".as_ref()];
    args.extend(files.iter().map(|p| p.as_os_str()));
    run_promtool(&args, &dir);
}

/// Every alert has a rule unit test.
#[test]
fn every_alert_is_unit_tested() {
    let dir = operations_dir().join("tests");
    let mut tested = String::new();
    for f in files_with_ext(&dir, ".test.yaml") {
        tested.push_str(&std::fs::read_to_string(f).unwrap());
    }
    for (name, _) in rule_exprs() {
        assert!(
            tested.contains(&format!("alertname: {name}\n")),
            "alert {name} has no promtool unit test"
        );
    }
}

/// Every dashboard query parses: they are checked by promtool as recording rules, with the
/// Grafana variables replaced by plain values.
#[test]
fn dashboard_queries_are_valid_promql() {
    let var = regex::Regex::new(r"\$\{?[A-Za-z_]+\}?").unwrap();
    let mut yaml = String::from("groups:\n  - name: dashboards\n    rules:\n");
    let mut n = 0;
    for f in dashboard_files() {
        for (title, e) in dashboard_exprs(&read_dashboard(&f)) {
            let e = e
                .replace("$__rate_interval", "5m")
                .replace("$__interval", "1m")
                .replace("$__range", "1h");
            let e = var.replace_all(&e, ".*");
            yaml.push_str(&format!(
                "      # {}: {}\n      - record: dashboard:query:{n}\n        expr: {}\n",
                f.file_name().unwrap().to_string_lossy(),
                title.replace('\n', " "),
                serde_json::to_string(&e).unwrap()
            ));
            n += 1;
        }
    }
    assert!(n >= 50, "only {n} queries");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("dashboard_queries.yaml");
    std::fs::write(&path, yaml).unwrap();
    run_promtool(
        &["check".as_ref(), "rules".as_ref(), path.as_os_str()],
        dir.path(),
    );
}

/// Every cluster metric is selected with the same identifying labels in the alert rules: the
/// upstream mixin's mistake was joining on a label one side lacks.
#[test]
fn cluster_alerts_group_by_cluster_name() {
    let grouping = regex::Regex::new(r"\b(?:by|on)\s*\(([^)]*)\)").unwrap();
    for (name, e) in rule_exprs() {
        if !name.starts_with("Cluster") {
            continue;
        }
        for clause in grouping.captures_iter(&e) {
            let labels = &clause[1];
            assert!(
                labels.contains("job") && labels.contains("cluster_name"),
                "{name}: grouping ({labels}) lacks job or cluster_name"
            );
        }
    }
}
