//! The web UI end to end: real headless Chromium (through chromedriver) against real
//! `agent run` processes. Every page is compared with what the live JSON API of the same agent
//! answers; links and the top bar navigate; the clustering page of a three-node cluster lists
//! every node and shows a `kill -9`ed node gone on the surviving nodes. Performance figures for
//! big configurations are printed (never asserted), and an ignored test regenerates the
//! screenshots in `docs/screenshots/`.
//!
//! Skips loudly without chromium/chromedriver, and fails instead with `RIVER_BROWSER_REQUIRED=1`.
//!
//! ```text
//! cargo test --test ui_e2e -- --nocapture   # pages, links, cluster, figures (2,000 components,
//!                                            # a scrape of 10,000 targets)
//! cargo test --test ui_e2e screenshots -- --ignored   # regenerates docs/screenshots/*.png
//! ```

mod common;
#[path = "common/ui_page.rs"]
mod ui_page;
#[path = "common/webdriver.rs"]
mod webdriver;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::time::{Duration, Instant};

use common::agent::{free_port, get, get_json, wait_for, Agent};
use serde_json::{json, Value};
use ui_page::{element, fast_polling, js, measure, ready, text_of, wait_js, wait_js_for, WAIT};
use webdriver::{ChromeDriver, Session};

/// One browser test at a time: the machine has two cores.
static BROWSER: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// How long a dead node may take to disappear from the peers of the others: failure detection
/// is about 10–16 s (2 s probes, 8 s suspicion); generous for a loaded machine.
const DEATH_WAIT: Duration = Duration::from_secs(90);

/// Poll period of the pages under test (the UI's default is 5 s).
const POLL_MS: u32 = 500;

// ---------------------------------------------------------------------------------------------
// Agents and configurations
// ---------------------------------------------------------------------------------------------

/// A small pipeline with every kind of edge: files read, targets discovered and relabelled,
/// the agent scraping itself into chained receivers, a secret, and a component that is
/// unhealthy.
fn demo_config(dir: &Path) -> String {
    std::fs::write(dir.join("token.txt"), "first-token").unwrap();
    std::fs::write(dir.join("password.txt"), "hunter2").unwrap();
    std::fs::write(
        dir.join("targets.json"),
        r#"[{"targets": ["10.0.0.1:9100", "10.0.0.2:9100"], "labels": {"env": "prod", "zone": "eu-west-1"}},
            {"targets": ["10.0.0.3:9100"], "labels": {"env": "dev"}}]"#,
    )
    .unwrap();
    std::fs::write(dir.join("broken.json"), "this is not JSON").unwrap();
    let d = dir.display();
    format!(
        r#"local.file "token" {{
	filename = "{d}/token.txt"
}}

local.file "password" {{
	filename  = "{d}/password.txt"
	is_secret = true
}}

discovery.file "nodes" {{
	files = ["{d}/targets.json"]
}}

discovery.file "broken" {{
	files = ["{d}/broken.json"]
}}

discovery.relabel "prod" {{
	targets = discovery.file.nodes.targets

	rule {{
		source_labels = ["env"]
		regex         = "prod"
		action        = "keep"
	}}

	rule {{
		target_label = "token"
		replacement  = local.file.token.content
	}}
}}

prometheus.exporter.self "agent" {{ }}

prometheus.relabel "sink" {{
	forward_to = []

	rule {{
		action = "labeldrop"
		regex  = "tmp_.*"
	}}
}}

prometheus.relabel "front" {{
	forward_to = [prometheus.relabel.sink.receiver]

	rule {{
		source_labels = ["__name__"]
		regex         = "go_.*"
		action        = "drop"
	}}
}}

prometheus.scrape "agent" {{
	targets         = prometheus.exporter.self.agent.targets
	forward_to      = [prometheus.relabel.front.receiver]
	scrape_interval = "2s"
	scrape_timeout  = "1s"
}}
"#
    )
}

/// Flags that put a node into a cluster: `join` empty for the first node.
fn cluster_flags(name: &str, port: u16, join: Option<u16>) -> Vec<String> {
    let mut f = vec![
        "--cluster.enabled".to_string(),
        format!("--cluster.node-name={name}"),
        format!("--cluster.advertise-address=127.0.0.1:{port}"),
        "--cluster.name=ui-e2e".to_string(),
    ];
    if let Some(j) = join {
        f.push(format!("--cluster.join-addresses=127.0.0.1:{j}"));
    }
    f
}

/// Starts an agent and waits until it is ready.
fn start_agent(dir: &Path, config: &str, port: u16, extra: &[String]) -> Agent {
    let extra: Vec<&str> = extra.iter().map(String::as_str).collect();
    let mut a = Agent::start_on(dir, config, port, &extra);
    a.wait_ready(Duration::from_secs(60));
    a
}

/// A three-node cluster `node-a`, `node-b`, `node-c` (b and c join a), each running `config`,
/// returned once every node sees all three as participants.
fn start_cluster(root: &Path, config: impl Fn(&Path) -> String) -> Vec<Agent> {
    let ports = [free_port(), free_port(), free_port()];
    let mut agents = Vec::new();
    for (i, name) in ["node-a", "node-b", "node-c"].iter().enumerate() {
        let dir = root.join(name);
        std::fs::create_dir_all(&dir).unwrap();
        let cfg = config(&dir);
        let join = (i > 0).then_some(ports[0]);
        agents.push(start_agent(
            &dir,
            &cfg,
            ports[i],
            &cluster_flags(name, ports[i], join),
        ));
    }
    for a in &agents {
        let ok = wait_for(Duration::from_secs(60), || {
            let (st, body) = get(&a.addr, "/api/v0/web/peers");
            let v: Value = serde_json::from_str(&body).ok()?;
            let n = v
                .as_array()?
                .iter()
                .filter(|p| p["state"] == "participant")
                .count();
            (st == 200 && n == 3).then_some(())
        });
        assert!(
            ok.is_some(),
            "{} never saw three participants: {}\n{}",
            a.addr,
            get(&a.addr, "/api/v0/web/peers").1,
            a.logs()
        );
    }
    agents
}

fn url(agent: &Agent, path: &str) -> String {
    format!("http://{}{path}", agent.addr)
}

// ---------------------------------------------------------------------------------------------
// Browser helpers
// ---------------------------------------------------------------------------------------------

async fn click(s: &Session, css: &str) {
    element(s, css)
        .await
        .click()
        .await
        .unwrap_or_else(|e| panic!("click {css}: {e}"));
}

/// A CSS attribute selector value, quoted.
fn css_str(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

async fn wait_component(s: &Session, id: &str) {
    ready(s, "component").await;
    wait_js(
        s,
        &format!("return document.querySelector('h1.component-id')?.textContent === {id:?}"),
    )
    .await;
}

// ---------------------------------------------------------------------------------------------
// What the API says, in the terms of the pages
// ---------------------------------------------------------------------------------------------

/// A body of the API (`arguments`, `exports`, `debugInfo`) as River, written independently of
/// the page's renderer: statements naively printed, then laid out by the project's formatter.
fn river_of_body(body: &Value) -> String {
    fn value(v: &Value, out: &mut String) {
        match v["type"].as_str().unwrap_or("") {
            "string" => out.push_str(&river_agent::gocompat::strconv::quote(
                v["value"].as_str().unwrap_or(""),
            )),
            "number" => {
                let n = &v["value"];
                match n.as_f64() {
                    Some(f) if f.fract() == 0.0 && f.abs() < 1e21 => {
                        out.push_str(&format!("{f:.0}"))
                    }
                    _ => out.push_str(&n.to_string()),
                }
            }
            "bool" => out.push_str(if v["value"] == json!(true) {
                "true"
            } else {
                "false"
            }),
            "null" => out.push_str("null"),
            "array" => {
                out.push('[');
                for (i, x) in v["value"].as_array().into_iter().flatten().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    value(x, out);
                }
                out.push(']');
            }
            "object" => {
                let fields = v["value"].as_array().cloned().unwrap_or_default();
                if fields.is_empty() {
                    out.push_str("{}");
                    return;
                }
                out.push_str("{\n");
                for f in fields {
                    let k = f["key"].as_str().unwrap_or("");
                    let ident = k
                        .chars()
                        .next()
                        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                        && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
                    if ident {
                        out.push_str(k);
                    } else {
                        out.push_str(&river_agent::gocompat::strconv::quote(k));
                    }
                    out.push_str(" = ");
                    value(&f["value"], out);
                    out.push_str(",\n");
                }
                out.push('}');
            }
            // Capsules, secrets and functions are shown as the API describes them.
            _ => out.push_str(v["value"].as_str().unwrap_or("null")),
        }
    }
    // Blocks are set apart by blank lines, as `agent fmt` keeps them in a tidy file.
    fn body_into(body: &Value, out: &mut String) {
        let mut prev_block = None;
        for stmt in body.as_array().into_iter().flatten() {
            let name = stmt["name"].as_str().unwrap_or("");
            let block = stmt["type"] == "block";
            if prev_block.is_some_and(|p: bool| p || block) {
                out.push('\n');
            }
            prev_block = Some(block);
            if block {
                out.push_str(name);
                if let Some(l) = stmt["label"].as_str().filter(|l| !l.is_empty()) {
                    out.push(' ');
                    out.push_str(&river_agent::gocompat::strconv::quote(l));
                }
                out.push_str(" {\n");
                body_into(&stmt["body"], out);
                out.push_str("}\n");
            } else {
                out.push_str(name);
                out.push_str(" = ");
                value(&stmt["value"], out);
                out.push('\n');
            }
        }
    }
    let mut text = String::new();
    body_into(body, &mut text);
    let formatted = river_agent::fmt::format_source("api body", text.as_bytes())
        .unwrap_or_else(|e| panic!("the API body does not print as River: {e:?}\n{text}"));
    formatted.trim_end().to_string()
}

/// The graph's edges as the page documents them: `data` from a component to each entry of its
/// `dataFlowEdgesTo`, `ref` from each component it references (and does not send data to) to it.
fn api_edges(components: &[Value]) -> BTreeSet<(String, String, &'static str)> {
    let ids: BTreeSet<&str> = components
        .iter()
        .filter_map(|c| c["localID"].as_str())
        .collect();
    let strs = |v: &Value| -> Vec<String> {
        v.as_array()
            .into_iter()
            .flatten()
            .filter_map(|x| x.as_str().map(str::to_string))
            .collect()
    };
    let mut out = BTreeSet::new();
    let mut pairs = BTreeSet::new();
    for c in components {
        let id = c["localID"].as_str().unwrap().to_string();
        let flows = strs(&c["dataFlowEdgesTo"]);
        for t in &flows {
            if *t != id && ids.contains(t.as_str()) && pairs.insert((id.clone(), t.clone())) {
                out.insert((id.clone(), t.clone(), "data"));
            }
        }
        for r in strs(&c["referencesTo"]) {
            if !flows.contains(&r)
                && r != id
                && ids.contains(r.as_str())
                && pairs.insert((r.clone(), id.clone()))
            {
                out.insert((r, id.clone(), "ref"));
            }
        }
    }
    out
}

fn ids_of(list: &Value) -> BTreeSet<String> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|c| c["localID"].as_str().unwrap().to_string())
        .collect()
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .into_iter()
        .flatten()
        .map(|x| x.as_str().unwrap().to_string())
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Pages of one agent
// ---------------------------------------------------------------------------------------------

/// The component list: one row per component of the API with its health and message; counts
/// by health; a row's link opens the component.
async fn check_list(s: &Session, agent: &Agent) {
    s.goto(&url(agent, "/")).await.unwrap();
    ready(s, "list").await;
    // Health can change between two polls: read both again until they agree.
    let deadline = Instant::now() + WAIT;
    loop {
        let api = get_json(&agent.addr, "/api/v0/web/components");
        let page = js(
            s,
            "return { rows: Object.fromEntries([...document.querySelectorAll('.vt-row')].map(r => [r.dataset.key, {
                health: r.querySelector('.col-health .badge').textContent,
                message: r.querySelector('.col-message').textContent,
                href: r.querySelector('.col-id a').getAttribute('href') }])),
              shown: document.getElementById('shown-count').textContent,
              chips: Object.fromEntries([...document.querySelectorAll('.page-list .chip')].map(c =>
                [c.dataset.key || 'all', c.querySelector('.chip-count').textContent])) }",
        )
        .await;
        let diffs = list_diffs(&page, &api);
        if diffs.is_empty() {
            break;
        }
        if Instant::now() > deadline {
            panic!(
                "the list does not show what the API says:\n{}",
                diffs.join("\n")
            );
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // A real click on a row's link opens that component.
    let id = "discovery.relabel.prod";
    click(s, &format!(".vt-row[data-key='{id}'] a")).await;
    wait_component(s, id).await;
    assert_eq!(
        s.current_url().await.unwrap(),
        url(agent, &format!("/component/{id}"))
    );
}

/// What differs between the component list (as read by `check_list`) and the API's answer.
fn list_diffs(page: &Value, api: &Value) -> Vec<String> {
    let comps = api.as_array().unwrap();
    let mut diffs = Vec::new();
    let mut same = |what: String, shown: &Value, want: Value| {
        if *shown != want {
            diffs.push(format!("{what}:\n  page: {shown}\n  API:  {want}"));
        }
    };
    let shown: BTreeSet<String> = page["rows"].as_object().unwrap().keys().cloned().collect();
    same("rows".into(), &json!(shown), json!(ids_of(api)));
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for c in comps {
        let id = c["localID"].as_str().unwrap();
        let row = &page["rows"][id];
        same(
            format!("{id}: health"),
            &row["health"],
            c["health"]["state"].clone(),
        );
        same(
            format!("{id}: message"),
            &row["message"],
            c["health"]["message"].clone(),
        );
        same(
            format!("{id}: link"),
            &row["href"],
            json!(format!("component/{id}")),
        );
        *counts
            .entry(c["health"]["state"].as_str().unwrap().to_string())
            .or_default() += 1;
    }
    same(
        "count".into(),
        &page["shown"],
        json!(format!("{} components", comps.len())),
    );
    same(
        "all chip".into(),
        &page["chips"]["all"],
        json!(comps.len().to_string()),
    );
    for state in ["healthy", "unhealthy", "unknown", "exited"] {
        let n = counts.get(state).copied().unwrap_or(0);
        same(
            format!("{state} chip"),
            &page["chips"][state],
            json!(n.to_string()),
        );
    }
    diffs
}

/// One component page against `/api/v0/web/components/<id>`. Health and debug info may change
/// between two polls, so the page and the API are read again until they agree (the page follows
/// within a poll); the differences of the last attempt are reported.
async fn check_component(s: &Session, agent: &Agent, id: &str) {
    s.goto(&url(agent, &format!("/component/{id}")))
        .await
        .unwrap();
    wait_component(s, id).await;
    let deadline = Instant::now() + WAIT;
    loop {
        let api = get_json(&agent.addr, &format!("/api/v0/web/components/{id}"));
        let page = js(
            s,
            "const q = (c) => document.querySelector(c);
             const sec = (k) => { const e = q('#section-' + k); return e.hidden ? null
                 : [...e.querySelectorAll('pre.river')].map(p => p.textContent).join('\\n'); };
             const facts = {};
             for (const dt of document.querySelectorAll('.facts dt')) facts[dt.textContent] = dt.nextElementSibling.textContent;
             const links = (c) => [...document.querySelectorAll(c + ' a')].map(a => [a.textContent, a.getAttribute('href'),
                 !!a.parentElement.querySelector('.tag')]);
             return { facts, badge: q('.health-line .badge').textContent,
                      message: q('.health-message').textContent,
                      raw: q('.facts a[target=_blank]').getAttribute('href'),
                      arguments: sec('arguments'), exports: sec('exports'), debugInfo: sec('debugInfo'),
                      tables: document.querySelectorAll('.block-run').length,
                      deps: links('.dependencies'), dependants: links('.dependants') };",
        )
        .await;
        let diffs = component_diffs(&page, &api, agent, id);
        if diffs.is_empty() {
            return;
        }
        if Instant::now() > deadline {
            panic!(
                "{id}: the page does not show what the API says:\n{}",
                diffs.join("\n")
            );
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// What differs between a component page (as read by `check_component`) and the API's answer.
fn component_diffs(page: &Value, api: &Value, agent: &Agent, id: &str) -> Vec<String> {
    let mut diffs = Vec::new();
    let mut same = |what: &str, shown: &Value, want: Value| {
        if *shown != want {
            diffs.push(format!("{what}:\n  page: {shown}\n  API:  {want}"));
        }
    };
    same("type", &page["facts"]["Type"], api["name"].clone());
    if let Some(label) = api["label"].as_str() {
        same("label", &page["facts"]["Label"], json!(label));
    }
    same("health", &page["badge"], api["health"]["state"].clone());
    same(
        "message",
        &page["message"],
        api["health"]["message"].clone(),
    );
    same(
        "raw JSON link",
        &page["raw"],
        json!(url(agent, &format!("/api/v0/web/components/{id}"))),
    );
    same(
        "block tables (small bodies are text)",
        &page["tables"],
        json!(0),
    );
    for key in ["arguments", "exports", "debugInfo"] {
        let body = &api[key];
        let want = if body.as_array().is_none_or(Vec::is_empty) {
            Value::Null // the section is hidden
        } else {
            json!(river_of_body(body))
        };
        same(key, &page[key], want);
    }
    let flows = strings(&api["dataFlowEdgesTo"]);
    let links = |ids: Vec<String>, tag: bool| -> Value {
        json!(ids
            .iter()
            .map(|d| json!([d, format!("component/{d}"), tag && flows.contains(d)]))
            .collect::<Vec<_>>())
    };
    same(
        "dependencies",
        &page["deps"],
        links(strings(&api["referencesTo"]), true),
    );
    same(
        "dependants",
        &page["dependants"],
        links(strings(&api["referencedBy"]), false),
    );
    diffs
}

/// The graph: one box per component with its health, the edges the API implies, and a click on
/// a box opens the component.
async fn check_graph(s: &Session, agent: &Agent) {
    s.goto(&url(agent, "/graph")).await.unwrap();
    ready(s, "graph").await;
    // Health (the boxes' colours) can change between two polls: read both again until they agree.
    let deadline = Instant::now() + WAIT;
    loop {
        let api = get_json(&agent.addr, "/api/v0/web/components");
        let page = js(
            s,
            "return { nodes: Object.fromEntries([...document.querySelectorAll('a.node')].map(n =>
                [n.dataset.id, { cls: n.getAttribute('class').replace(/ match$/, ''),
                                 text: n.querySelector('text').textContent, href: n.getAttribute('href') }])),
              edges: [...document.querySelectorAll('path.edge')].map(p =>
                [p.dataset.from, p.dataset.to, p.classList.contains('edge-data') ? 'data' : 'ref']) }",
        )
        .await;
        let diffs = graph_diffs(&page, &api);
        if diffs.is_empty() {
            break;
        }
        if Instant::now() > deadline {
            panic!(
                "the graph does not show what the API says:\n{}",
                diffs.join("\n")
            );
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // A real mouse click on a box.
    let id = "prometheus.relabel.front";
    click(s, &format!("a.node[data-id='{id}'] rect")).await;
    wait_component(s, id).await;
    assert_eq!(
        s.current_url().await.unwrap(),
        url(agent, &format!("/component/{id}"))
    );
    s.back().await.unwrap();
    ready(s, "graph").await;
}

/// What differs between the graph (as read by `check_graph`) and the API's answer: the boxes,
/// their colours, IDs and links, and every edge.
fn graph_diffs(page: &Value, api: &Value) -> Vec<String> {
    let mut diffs = Vec::new();
    let mut same = |what: String, shown: &Value, want: Value| {
        if *shown != want {
            diffs.push(format!("{what}:\n  page: {shown}\n  API:  {want}"));
        }
    };
    let nodes = &page["nodes"];
    let shown: BTreeSet<String> = nodes.as_object().unwrap().keys().cloned().collect();
    same("boxes".into(), &json!(shown), json!(ids_of(api)));
    for c in api.as_array().unwrap() {
        let id = c["localID"].as_str().unwrap();
        let health = c["health"]["state"].as_str().unwrap();
        same(
            format!("{id}: colour"),
            &nodes[id]["cls"],
            json!(format!("node health-{health}")),
        );
        same(
            format!("{id}: full ID on the box"),
            &nodes[id]["text"],
            json!(id),
        );
        same(
            format!("{id}: link"),
            &nodes[id]["href"],
            json!(format!("component/{id}")),
        );
    }
    let edges = page["edges"].as_array().unwrap();
    let shown: Vec<(String, String, &str)> = edges
        .iter()
        .map(|e| {
            (
                e[0].as_str().unwrap_or("?").to_string(),
                e[1].as_str().unwrap_or("?").to_string(),
                if e[2] == "data" { "data" } else { "ref" },
            )
        })
        .collect();
    let unique: BTreeSet<_> = shown.iter().cloned().collect();
    let expected = api_edges(api.as_array().unwrap());
    assert!(!expected.is_empty(), "the demo has edges");
    same("edges".into(), &json!(unique), json!(expected));
    same(
        "edge count (no duplicates)".into(),
        &json!(shown.len()),
        json!(expected.len()),
    );
    diffs
}

/// The clustering page of `agent` against its `/api/v0/web/peers`: the same peers with the same
/// addresses, states and local-node mark. Returns the names shown.
async fn check_clustering(s: &Session, agent: &Agent) -> Vec<String> {
    // Membership can change between two polls: read both again until they agree.
    let deadline = Instant::now() + WAIT;
    let (got, want, rows) = loop {
        let api = get_json(&agent.addr, "/api/v0/web/peers");
        let rows = js(
            s,
            "return [...document.querySelectorAll('.peers-table .vt-row')].map(r => ({ name: r.dataset.key,
                 addr: r.querySelector('.col-addr').textContent,
                 state: r.querySelector('.col-state').textContent,
                 self: r.querySelector('.col-self').textContent === '✔',
                 share: r.querySelector('.col-share').textContent }));",
        )
        .await;
        let mut want: Vec<Value> = api
            .as_array()
            .unwrap()
            .iter()
            .map(|p| json!({"name": p["name"], "addr": p["addr"], "state": p["state"], "self": p["isSelf"]}))
            .collect();
        want.sort_by_key(|p| p["name"].as_str().unwrap().to_string());
        let got: Vec<Value> = rows
            .as_array()
            .unwrap()
            .iter()
            .map(|r| json!({"name": r["name"], "addr": r["addr"], "state": r["state"], "self": r["self"]}))
            .collect();
        if got == want || Instant::now() > deadline {
            break (got, want, rows);
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert_eq!(got, want, "peers on the page vs the API of {}", agent.addr);
    // Ring shares of the participants add up to the whole key space.
    let total: f64 = rows
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["state"] == "participant")
        .filter_map(|r| {
            r["share"]
                .as_str()?
                .trim_end_matches('%')
                .parse::<f64>()
                .ok()
        })
        .sum();
    let participants = got.iter().filter(|p| p["state"] == "participant").count();
    if participants > 0 {
        assert!(
            (total - 100.0).abs() < 0.5,
            "ring shares add up to {total}%"
        );
    }
    got.iter()
        .map(|p| p["name"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_show_what_the_live_api_says() {
    let _one = BROWSER.lock().await;
    let Some(driver) = ChromeDriver::start_or_skip().await else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("agent");
    std::fs::create_dir_all(&dir).unwrap();
    let agent = start_agent(&dir, &demo_config(&dir), free_port(), &[]);
    let origin = url(&agent, "");
    let s = driver.new_session().await.expect("browser session");
    fast_polling(&s, &origin, POLL_MS).await;

    // The component list, then every component page.
    check_list(&s, &agent).await;
    let list = get_json(&agent.addr, "/api/v0/web/components");
    let ids = ids_of(&list);
    assert_eq!(ids.len(), 9, "{ids:?}");
    for id in &ids {
        check_component(&s, &agent, id).await;
    }
    // The scrape's debug info: once its target (the agent itself) has been scraped, the page
    // shows the target up, as the API does.
    let scrape = "prometheus.scrape.agent";
    let up = wait_for(WAIT, || {
        let v = get_json(&agent.addr, &format!("/api/v0/web/components/{scrape}"));
        let body = v["debugInfo"][0]["body"].as_array()?.clone();
        body.iter()
            .any(|a| a["name"] == "health" && a["value"]["value"] == "up")
            .then_some(())
    });
    assert!(up.is_some(), "{scrape} never scraped its target");
    check_component(&s, &agent, scrape).await;
    let debug = js(
        &s,
        "return document.querySelector('#section-debugInfo pre.river').textContent",
    )
    .await;
    let debug = debug.as_str().unwrap();
    assert!(debug.starts_with("target {\n"), "{debug}");
    assert!(debug.contains("= \"up\""), "{debug}");
    // The broken file makes its component unhealthy, and the page says why.
    let broken = get_json(&agent.addr, "/api/v0/web/components/discovery.file.broken");
    assert_eq!(broken["health"]["state"], "unhealthy", "{broken}");

    // Dependency links navigate, both ways, and Back returns.
    s.goto(&url(&agent, "/component/discovery.relabel.prod"))
        .await
        .unwrap();
    wait_component(&s, "discovery.relabel.prod").await;
    for dep in ["discovery.file.nodes", "local.file.token"] {
        click(
            &s,
            &format!(
                ".dependencies a[href={}]",
                css_str(&format!("component/{dep}"))
            ),
        )
        .await;
        wait_component(&s, dep).await;
        assert_eq!(
            s.current_url().await.unwrap(),
            url(&agent, &format!("/component/{dep}"))
        );
        let dependants = js(
            &s,
            "return [...document.querySelectorAll('.dependants a')].map(a => a.textContent)",
        )
        .await;
        assert_eq!(dependants, json!(["discovery.relabel.prod"]));
        s.back().await.unwrap();
        wait_component(&s, "discovery.relabel.prod").await;
    }
    s.goto(&url(&agent, "/component/prometheus.relabel.sink"))
        .await
        .unwrap();
    wait_component(&s, "prometheus.relabel.sink").await;
    click(
        &s,
        ".dependants a[href='component/prometheus.relabel.front']",
    )
    .await;
    wait_component(&s, "prometheus.relabel.front").await;
    // `front` sends its data to `sink`: its dependency is tagged "data".
    assert_eq!(text_of(&s, ".dependencies li .tag").await, "data");
    // The crumb leads back to the list.
    click(&s, ".crumbs a").await;
    ready(&s, "list").await;

    // Live: a changed file reaches the exports on the open page, and the page matches the API.
    s.goto(&url(&agent, "/component/local.file.token"))
        .await
        .unwrap();
    wait_component(&s, "local.file.token").await;
    std::fs::write(dir.join("token.txt"), "second-token").unwrap();
    wait_js(
        &s,
        "return document.querySelector('#section-exports pre.river').textContent === 'content = \"second-token\"'",
    )
    .await;
    check_component(&s, &agent, "local.file.token").await;
    check_component(&s, &agent, "discovery.relabel.prod").await;
    // The secret stays a secret.
    s.goto(&url(&agent, "/component/local.file.password"))
        .await
        .unwrap();
    wait_component(&s, "local.file.password").await;
    let text = js(&s, "return document.querySelector('main').textContent").await;
    assert!(!text.as_str().unwrap().contains("hunter2"), "secret shown");

    // The graph.
    check_graph(&s, &agent).await;

    // Clustering off: the page shows this node alone, as the API does.
    s.goto(&url(&agent, "/clustering")).await.unwrap();
    ready(&s, "clustering").await;
    let names = check_clustering(&s, &agent).await;
    assert_eq!(names.len(), 1);

    // The top bar navigates.
    for (page, path) in [
        ("graph", "/graph"),
        ("list", "/"),
        ("clustering", "/clustering"),
    ] {
        click(&s, &format!("nav a[data-page='{page}']")).await;
        ready(&s, page).await;
        assert_eq!(s.current_url().await.unwrap(), url(&agent, path));
    }

    // A component that does not exist: the API says 404, the page says so.
    assert_eq!(
        get(&agent.addr, "/api/v0/web/components/nope.nothing").0,
        404
    );
    s.goto(&url(&agent, "/component/nope.nothing"))
        .await
        .unwrap();
    ready(&s, "component").await;
    assert_eq!(text_of(&s, ".not-found h1").await, "Component not found");

    s.close().await.unwrap();
}

// ---------------------------------------------------------------------------------------------
// A three-node cluster
// ---------------------------------------------------------------------------------------------

/// A cheap configuration for cluster nodes.
fn cluster_config(_dir: &Path) -> String {
    "prometheus.exporter.self \"agent\" { }\n".to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clustering_page_of_a_three_node_cluster_sees_a_node_die() {
    let _one = BROWSER.lock().await;
    let Some(driver) = ChromeDriver::start_or_skip().await else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let mut agents = start_cluster(tmp.path(), cluster_config);
    let all = ["node-a", "node-b", "node-c"].map(String::from).to_vec();

    // One browser on node A, one on node B, both left open across the death.
    let sa = driver.new_session().await.expect("browser session");
    fast_polling(&sa, &url(&agents[0], ""), POLL_MS).await;
    sa.goto(&url(&agents[0], "/clustering")).await.unwrap();
    ready(&sa, "clustering").await;
    assert_eq!(check_clustering(&sa, &agents[0]).await, all);
    let me = text_of(&sa, ".peers-table .vt-row[data-key='node-a'] .col-self").await;
    assert_eq!(me, "✔", "node A is the local node on A's page");
    assert_eq!(
        text_of(&sa, ".chip[data-key='participant'] .chip-count").await,
        "3"
    );
    let panel = text_of(&sa, ".node-panel").await;
    assert!(panel.contains("Cluster name\nui-e2e"), "{panel}");
    assert!(panel.contains("Live members\n3"), "{panel}");

    let sb = driver.new_session().await.expect("browser session");
    fast_polling(&sb, &url(&agents[1], ""), POLL_MS).await;
    sb.goto(&url(&agents[1], "/clustering")).await.unwrap();
    ready(&sb, "clustering").await;
    assert_eq!(check_clustering(&sb, &agents[1]).await, all);
    assert_eq!(
        text_of(&sb, ".peers-table .vt-row[data-key='node-b'] .col-self").await,
        "✔"
    );
    assert_eq!(
        text_of(&sb, ".peers-table .vt-row[data-key='node-a'] .col-self").await,
        ""
    );

    // kill -9 node C: both open pages drop it within failure detection.
    let killed = Instant::now();
    agents[2].kill9();
    let gone = "return document.querySelectorAll('.peers-table .vt-row').length === 2
        && !document.querySelector(\".peers-table .vt-row[data-key='node-c']\")";
    wait_js_for(&sa, gone, DEATH_WAIT).await;
    let on_a = killed.elapsed();
    wait_js_for(&sb, gone, DEATH_WAIT).await;
    let on_b = killed.elapsed();
    println!(
        "node-c killed: gone from the clustering page on node-a after {:.1} s, on node-b after {:.1} s",
        on_a.as_secs_f64(),
        on_b.as_secs_f64()
    );
    let two = ["node-a", "node-b"].map(String::from).to_vec();
    for (s, a) in [(&sa, &agents[0]), (&sb, &agents[1])] {
        assert_eq!(check_clustering(s, a).await, two);
        wait_js(
            s,
            "return document.querySelector('.changes').textContent.includes('node-c left')",
        )
        .await;
        wait_js(
            s,
            "return document.querySelector(\".chip[data-key='participant'] .chip-count\").textContent === '2'",
        )
        .await;
    }
    sa.close().await.unwrap();
    sb.close().await.unwrap();
}

// ---------------------------------------------------------------------------------------------
// Performance figures (printed, never asserted)
// ---------------------------------------------------------------------------------------------

/// `chains` chains of `len` `discovery.relabel` components each (cheap: no I/O), every one
/// relabelling the previous one's output: `chains × len` components, `chains × (len − 1)` edges.
fn relabel_chains_config(chains: usize, len: usize) -> String {
    let mut out = String::new();
    for i in 0..chains {
        for k in 0..len {
            let targets = if k == 0 {
                format!(
                    "[{{\"__address__\" = \"10.{}.{}.1:9100\", \"chain\" = \"{i}\"}}]",
                    i / 250,
                    i % 250
                )
            } else {
                format!("discovery.relabel.c{i}_{}.output", k - 1)
            };
            out.push_str(&format!(
                "discovery.relabel \"c{i}_{k}\" {{\n\ttargets = {targets}\n\n\trule {{\n\t\ttarget_label = \"step\"\n\t\treplacement  = \"{k}\"\n\t}}\n}}\n\n"
            ));
        }
    }
    out
}

/// Waits for the next poll of the open page and returns how long it took (fetch + render).
async fn next_poll_ms(s: &Session) -> Value {
    let polls = js(s, "return window.__ui.polls").await.as_u64().unwrap();
    wait_js(s, &format!("return window.__ui.polls > {polls}")).await;
    js(
        s,
        "return window.__ui.pollTimes[window.__ui.pollTimes.length - 1]",
    )
    .await
}

/// Time and size of one API answer, from the test process.
fn api_timing(addr: &str, path: &str) -> (u128, usize) {
    let t0 = Instant::now();
    let (st, body) = get(addr, path);
    assert_eq!(st, 200, "{path}");
    (t0.elapsed().as_millis(), body.len())
}

/// Page load and render with 2,000 components in a real agent (quick: a few seconds; the
/// figures are printed with `--nocapture`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn perf_2000_components() {
    let _one = BROWSER.lock().await;
    let Some(driver) = ChromeDriver::start_or_skip().await else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("agent");
    std::fs::create_dir_all(&dir).unwrap();
    let t0 = Instant::now();
    let agent = start_agent(&dir, &relabel_chains_config(400, 5), free_port(), &[]);
    let start_ms = t0.elapsed().as_millis();
    let (list_api_ms, list_bytes) = api_timing(&agent.addr, "/api/v0/web/components");
    let (one_api_ms, one_bytes) =
        api_timing(&agent.addr, "/api/v0/web/components/discovery.relabel.c7_3");

    let s = driver.new_session().await.expect("browser session");
    fast_polling(&s, &url(&agent, ""), 1000).await;
    let list = measure(&s, &url(&agent, "/"), "list").await;
    assert_eq!(text_of(&s, "#shown-count").await, "2,000 components");
    let rows = s.find_all(".vt-row").await.unwrap().len();
    assert!(rows < 200, "list is virtualized ({rows} rows in the DOM)");
    let list_poll = next_poll_ms(&s).await;
    let filter = element(&s, "input.filter").await;
    let t1 = Instant::now();
    filter.send_keys("c17_").await.unwrap();
    wait_js(
        &s,
        "return document.getElementById('shown-count').textContent === 'showing 5 of 2,000 components'",
    )
    .await;
    let filter_ms = t1.elapsed().as_millis();
    js(&s, "sessionStorage.clear(); return true").await;

    let graph = measure(&s, &url(&agent, "/graph"), "graph").await;
    assert_eq!(s.find_all("a.node").await.unwrap().len(), 2000);
    assert_eq!(s.find_all("path.edge").await.unwrap().len(), 1600);
    let graph_poll = next_poll_ms(&s).await;
    // Clicking a box of the big graph opens the component.
    click(&s, "a.node[data-id='discovery.relabel.c399_4'] rect").await;
    wait_component(&s, "discovery.relabel.c399_4").await;

    let comp = measure(
        &s,
        &url(&agent, "/component/discovery.relabel.c7_3"),
        "component",
    )
    .await;
    check_component(&s, &agent, "discovery.relabel.c7_3").await;
    let clustering = measure(&s, &url(&agent, "/clustering"), "clustering").await;

    println!(
        "\nUI against a real agent with 2,000 components (400 chains of 5 discovery.relabel):"
    );
    println!("  agent start → ready: {start_ms} ms; GET components: {list_api_ms} ms, {list_bytes} bytes; GET one component: {one_api_ms} ms, {one_bytes} bytes");
    println!("  component list: {list}; unchanged poll {list_poll} ms; filter typed → 5 rows: {filter_ms} ms (incl. WebDriver and the 80 ms debounce)");
    println!("  graph:          {graph}; unchanged poll {graph_poll} ms");
    println!("  component page: {comp}");
    println!("  clustering:     {clustering} (its poll also reads /metrics of 2,000 components)");
    println!("  (totalMs = navigation start → first render painted; fetchMs = waiting for API answers; wallMs = WebDriver goto → ready)\n");
    s.close().await.unwrap();
}

/// Serves a tiny `/metrics` page on `n` loopback ports, from a thread of its own (the test's
/// runtime blocks while it waits for agents). Returns the addresses; the servers live as long as
/// the test process.
fn tiny_metrics_servers(n: usize) -> Vec<String> {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        rt.block_on(async move {
            let mut addrs = Vec::new();
            for _ in 0..n {
                let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
                addrs.push(l.local_addr().unwrap().to_string());
                let app = axum::Router::new().route(
                    "/metrics",
                    axum::routing::get(|| async {
                        "# TYPE demo_requests_total counter\ndemo_requests_total 1\n"
                    }),
                );
                tokio::spawn(async move {
                    let _ = axum::serve(l, app).await;
                });
            }
            let _ = tx.send(addrs);
            std::future::pending::<()>().await;
        });
    });
    rx.recv().expect("metrics servers")
}

/// `discovery.file` JSON with `n` targets spread over `addrs`, each with distinct labels.
fn many_targets_json(n: usize, addrs: &[String]) -> String {
    let groups: Vec<Value> = (0..n)
        .map(|i| {
            json!({
                "targets": [addrs[i % addrs.len()]],
                "labels": {"idx": i.to_string(), "zone": format!("zone-{}", i % 5), "app": format!("app-{}", i % 50)},
            })
        })
        .collect();
    serde_json::to_string(&groups).unwrap()
}

/// 2,000 components and one `prometheus.scrape` with 10,000 targets in a real agent: the list,
/// the graph and the scrape component's page (debug info: one `target` block per target, shown
/// as a virtualized table). Targets point at a few tiny local endpoints and are scraped every
/// ten minutes, so the machine stays calm. About ten seconds; the figures are printed with
/// `--nocapture`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn perf_2000_components_10000_targets() {
    let _one = BROWSER.lock().await;
    let Some(driver) = ChromeDriver::start_or_skip().await else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("agent");
    std::fs::create_dir_all(&dir).unwrap();
    let addrs = tiny_metrics_servers(4);
    std::fs::write(dir.join("targets.json"), many_targets_json(10_000, &addrs)).unwrap();
    let config = format!(
        "{}discovery.file \"many\" {{\n\tfiles = [\"{}/targets.json\"]\n}}\n\n\
         prometheus.scrape \"big\" {{\n\ttargets         = discovery.file.many.targets\n\
         \tforward_to      = [prometheus.relabel.sink.receiver]\n\tscrape_interval = \"10m\"\n\
         \tscrape_timeout  = \"5s\"\n}}\n\nprometheus.relabel \"sink\" {{\n\tforward_to = []\n}}\n",
        relabel_chains_config(400, 5),
        dir.display()
    );
    let t0 = Instant::now();
    let agent = start_agent(&dir, &config, free_port(), &[]);
    let id = "prometheus.scrape.big";
    let path = format!("/api/v0/web/components/{id}");
    let targets = wait_for(Duration::from_secs(120), || {
        let v: Value = serde_json::from_str(&get(&agent.addr, &path).1).ok()?;
        let n = v["debugInfo"]
            .as_array()?
            .iter()
            .filter(|b| b["name"] == "target")
            .count();
        (n == 10_000).then_some(n)
    });
    assert_eq!(
        targets,
        Some(10_000),
        "the scrape component never listed 10,000 targets"
    );
    let start_ms = t0.elapsed().as_millis();
    let (api_ms, api_bytes) = api_timing(&agent.addr, &path);

    let s = driver.new_session().await.expect("browser session");
    fast_polling(&s, &url(&agent, ""), 2000).await;
    let list = measure(&s, &url(&agent, "/"), "list").await;
    assert_eq!(text_of(&s, "#shown-count").await, "2,003 components");
    let graph = measure(&s, &url(&agent, "/graph"), "graph").await;
    assert_eq!(s.find_all("a.node").await.unwrap().len(), 2003);

    let scrape = measure(&s, &url(&agent, &format!("/component/{id}")), "component").await;
    assert_eq!(
        text_of(&s, ".block-run[data-block='target'] h3").await,
        "target — 10,000 blocks"
    );
    let rows = s.find_all(".block-run .vt-row").await.unwrap().len();
    assert!(
        rows < 200,
        "targets are virtualized ({rows} rows in the DOM)"
    );
    let health = js(
        &s,
        "return Object.fromEntries([...document.querySelectorAll('.block-run .chip')].map(c =>
            [c.dataset.key || 'all', c.querySelector('.chip-count').textContent]))",
    )
    .await;
    let next_poll = next_poll_ms(&s).await;
    // The `targets` argument (one statement, 70,000 lines of River) is cut at 3,000 lines;
    // "Show everything" shows all of it, exactly as the API says.
    let cut = js(
        &s,
        "const p = document.querySelector('#section-arguments pre.river');
         const b = document.querySelector('#section-arguments .show-all');
         return [p.textContent.split('\\n').length, b.hidden];",
    )
    .await;
    assert_eq!(cut, json!([3000, false]), "long arguments are cut");
    let t1 = Instant::now();
    click(&s, "#section-arguments .show-all").await;
    let full = wait_js(
        &s,
        "const b = document.querySelector('#section-arguments .show-all');
         return b.hidden && document.querySelector('#section-arguments pre.river').textContent;",
    )
    .await;
    let show_all_ms = t1.elapsed().as_millis();
    let api = get_json(&agent.addr, &path);
    let want = river_of_body(&api["arguments"]);
    assert_eq!(
        full.as_str().unwrap(),
        want,
        "all of the arguments, as the API says"
    );
    let full_lines = want.lines().count();
    // Filter: every target of one zone and app (10,000 / lcm(5, 50) = 200 of them).
    let tfilter = element(&s, ".block-run input.filter").await;
    let t1 = Instant::now();
    tfilter.send_keys("zone-3 app-13").await.unwrap();
    wait_js(
        &s,
        "return document.querySelector('.block-run .shown').textContent === 'showing 200 of 10,000'",
    )
    .await;
    let filter_ms = t1.elapsed().as_millis();
    // Scrolled to the end (filter cleared), the last target is rendered.
    tfilter.clear().await.unwrap();
    tfilter.send_keys(" ").await.unwrap();
    wait_js(
        &s,
        "return document.querySelector('.block-run .shown').textContent === ''",
    )
    .await;
    let last = s
        .execute_async(
            "const done = arguments[arguments.length - 1];
             const b = document.querySelector('.block-run .vt-body');
             const t0 = performance.now();
             b.scrollTop = b.scrollHeight;
             requestAnimationFrame(() => requestAnimationFrame(() => {
               const idx = [...document.querySelectorAll('.block-run .vt-row')].map((r) => Number(r.dataset.index));
               done([Math.max(...idx), idx.length, Math.round(performance.now() - t0)]);
             }));",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(
        last[0],
        json!(9999),
        "last row rendered after scrolling to the end"
    );

    println!("\nUI against a real agent with 2,003 components, one prometheus.scrape with 10,000 targets:");
    println!("  agent start → 10,000 targets in the API: {start_ms} ms; GET {id}: {api_ms} ms, {api_bytes} bytes");
    println!("  component list: {list}");
    println!("  graph:          {graph}");
    println!("  scrape page:    {scrape}; target health {health}; next poll (debug info changed: scrapes ran) {next_poll} ms");
    println!("  \"Show everything\" of the targets argument ({full_lines} lines): {show_all_ms} ms (incl. WebDriver)");
    println!("  filter typed → 200 of 10,000 targets: {filter_ms} ms (incl. WebDriver and the 100 ms debounce); scroll to the end → painted: {} ms", last[2]);
    println!("  (totalMs = navigation start → first render painted; fetchMs = waiting for API answers; wallMs = WebDriver goto → ready)\n");
    s.close().await.unwrap();
}

// ---------------------------------------------------------------------------------------------
// Screenshots for the documentation
// ---------------------------------------------------------------------------------------------

/// Regenerates `docs/screenshots/*.png` (or into `$UI_SCREENSHOTS_DIR`): the component list,
/// the graph, a scrape component's page and its debug info, and the clustering page, from a
/// three-node cluster running the demo configuration plus a scrape of 30 targets.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "writes docs/screenshots; run with --ignored screenshots"]
async fn screenshots() {
    let _one = BROWSER.lock().await;
    let Some(driver) = ChromeDriver::start_or_skip().await else {
        return;
    };
    let out = std::env::var_os("UI_SCREENSHOTS_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/screenshots"));
    std::fs::create_dir_all(&out).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    // The demo pipeline plus a scrape of 30 targets (24 tiny local endpoints, 6 refused), so
    // the debug info is a table of targets up and down.
    let addrs = tiny_metrics_servers(4);
    let fleet: Vec<String> = (0..30)
        .map(|i| {
            let addr = if i % 5 == 4 {
                "127.0.0.1:1".to_string()
            } else {
                addrs[i % addrs.len()].clone()
            };
            format!(
                "{{\"__address__\" = \"{addr}\", \"node\" = \"node-{i:02}\", \"zone\" = \"zone-{}\"}}",
                i % 3
            )
        })
        .collect();
    let config = move |dir: &Path| {
        format!(
            "{}\nprometheus.scrape \"fleet\" {{\n\ttargets         = [{}]\n\
             \tforward_to      = [prometheus.relabel.front.receiver]\n\tscrape_interval = \"5s\"\n\
             \tscrape_timeout  = \"1s\"\n}}\n",
            demo_config(dir),
            fleet.join(", ")
        )
    };
    let agents = start_cluster(tmp.path(), config);
    let a = &agents[0];
    let s = driver.new_session().await.expect("browser session");
    s.set_window_size(1280, 800).await.unwrap();
    fast_polling(&s, &url(a, ""), 1000).await;
    let save = |name: &'static str| {
        let s = s.clone();
        let path = out.join(format!("{name}.png"));
        async move {
            // Let the live indicator settle after the first poll.
            tokio::time::sleep(Duration::from_millis(300)).await;
            s.save_screenshot(&path).await.expect("screenshot");
            println!("{}", path.display());
        }
    };

    s.goto(&url(a, "/")).await.unwrap();
    ready(&s, "list").await;
    save("components").await;

    s.goto(&url(a, "/graph")).await.unwrap();
    ready(&s, "graph").await;
    click(&s, "button[aria-label='Fit the whole graph']").await;
    save("graph").await;

    // Every fleet target scraped at least once (up or down), then the page and its debug info.
    let id = "prometheus.scrape.fleet";
    let scraped = wait_for(Duration::from_secs(30), || {
        let v = get_json(&a.addr, &format!("/api/v0/web/components/{id}"));
        let targets = v["debugInfo"].as_array()?;
        let done = targets.iter().all(|t| {
            t["body"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|x| x["name"] == "health" && x["value"]["value"] != "unknown")
        });
        (targets.len() == 30 && done).then_some(())
    });
    assert!(scraped.is_some(), "{id} did not scrape every target");
    s.goto(&url(a, &format!("/component/{id}"))).await.unwrap();
    wait_component(&s, id).await;
    wait_js(&s, "return document.querySelector(\".block-run .chip[data-key='unknown'] .chip-count\")?.textContent === '0'").await;
    save("component").await;
    js(
        &s,
        "document.querySelector('#section-debugInfo').scrollIntoView(); return true",
    )
    .await;
    save("component-debug-info").await;

    s.goto(&url(a, "/clustering")).await.unwrap();
    ready(&s, "clustering").await;
    check_clustering(&s, a).await;
    // Two polls, so the gossip traffic line shows a rate.
    next_poll_ms(&s).await;
    next_poll_ms(&s).await;
    save("clustering").await;
    s.close().await.unwrap();
}
