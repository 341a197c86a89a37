//! The web UI: asset serving and SPA fallback over real HTTP, and the pages in a real headless
//! Chromium (through chromedriver) against a fixture server that answers the UI API from
//! `tests/fixtures/ui/`. The browser tests skip loudly when chromium/chromedriver are missing
//! (and fail instead with `RIVER_BROWSER_REQUIRED=1`). `UI_SCREENSHOTS=<dir>` saves a PNG of
//! every page visited by the page test.

#[path = "common/ui_fixture.rs"]
mod ui_fixture;
#[path = "common/ui_page.rs"]
mod ui_page;
#[path = "common/webdriver.rs"]
mod webdriver;

use std::io::Read;
use std::path::PathBuf;
use std::time::Instant;

use reqwest::header;
use serde_json::{json, Value};
use ui_fixture::{FixtureData, FixtureServer};
use ui_page::{fast_polling, js, measure, ready, text_of, wait_js};
use webdriver::{ChromeDriver, Session};

/// One browser at a time: the machine has two cores.
static BROWSER: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

fn plain_client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_gzip()
        .build()
        .expect("http client")
}

async fn get(url: &str) -> reqwest::Response {
    plain_client()
        .get(url)
        .send()
        .await
        .unwrap_or_else(|e| panic!("GET {url}: {e}"))
}

fn content_type(r: &reqwest::Response) -> String {
    r.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string()
}

// ---------------------------------------------------------------------------------------------
// Serving
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn serves_index_with_headers() {
    let srv = FixtureServer::start(FixtureData::from_fixtures()).await;
    let r = get(&srv.url("/")).await;
    assert_eq!(r.status(), 200);
    assert_eq!(content_type(&r), "text/html; charset=utf-8");
    let csp = r.headers()[header::CONTENT_SECURITY_POLICY]
        .to_str()
        .unwrap()
        .to_string();
    assert!(csp.contains("script-src 'self'"), "{csp}");
    assert!(r.headers().contains_key(header::ETAG));
    assert_eq!(r.headers()[header::CACHE_CONTROL], "no-cache");
    let body = r.text().await.unwrap();
    assert!(body.contains("<base href=\"/\">"), "{body}");
    assert!(body.contains("js/app.js"));
}

#[tokio::test]
async fn spa_routes_fall_back_to_the_index() {
    let srv = FixtureServer::start(FixtureData::from_fixtures()).await;
    let index = get(&srv.url("/")).await.text().await.unwrap();
    for path in [
        "/graph",
        "/clustering",
        "/component/prometheus.scrape.demo",
        "/component/module.file.shared/prometheus.scrape.inner",
        "/component/with%20space",
        "/some/unknown/page",
        "/index.html",
    ] {
        let r = get(&srv.url(path)).await;
        assert_eq!(r.status(), 200, "{path}");
        assert_eq!(content_type(&r), "text/html; charset=utf-8", "{path}");
        assert_eq!(r.text().await.unwrap(), index, "{path}");
    }
}

#[tokio::test]
async fn serves_assets_with_content_types() {
    let srv = FixtureServer::start(FixtureData::from_fixtures()).await;
    for (path, ty) in [
        ("/js/app.js", "text/javascript; charset=utf-8"),
        ("/js/pages/graph.js", "text/javascript; charset=utf-8"),
        ("/style.css", "text/css; charset=utf-8"),
        ("/favicon.svg", "image/svg+xml"),
    ] {
        let r = get(&srv.url(path)).await;
        assert_eq!(r.status(), 200, "{path}");
        assert_eq!(content_type(&r), ty, "{path}");
        assert_eq!(r.headers()[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
        assert!(!r.bytes().await.unwrap().is_empty(), "{path}");
    }
}

#[tokio::test]
async fn api_paths_and_missing_assets_are_not_the_spa() {
    let srv = FixtureServer::start(FixtureData::from_fixtures()).await;
    for path in [
        "/api/v0/web/nothing",
        "/api/v0/web/components/nope.nothing",
        "/api",
        "/-/nothing",
        "/js/missing.js",
        "/debug/pprof/heap",
    ] {
        let r = get(&srv.url(path)).await;
        assert_eq!(r.status(), 404, "{path}");
    }
    // The fixture API itself answers.
    let r = get(&srv.url("/api/v0/web/components")).await;
    assert_eq!(r.status(), 200);
    let v: Value = serde_json::from_slice(&r.bytes().await.unwrap()).unwrap();
    assert_eq!(v.as_array().map(Vec::len), Some(6));
}

#[tokio::test]
async fn gzip_when_accepted() {
    let srv = FixtureServer::start(FixtureData::from_fixtures()).await;
    for path in ["/js/app.js", "/", "/style.css"] {
        let plain = get(&srv.url(path)).await.bytes().await.unwrap();
        let r = plain_client()
            .get(srv.url(path))
            .header(header::ACCEPT_ENCODING, "gzip")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        assert_eq!(r.headers()[header::CONTENT_ENCODING], "gzip", "{path}");
        let gz = r.bytes().await.unwrap();
        assert!(
            gz.len() < plain.len(),
            "{path}: {} >= {}",
            gz.len(),
            plain.len()
        );
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(&gz[..])
            .read_to_end(&mut out)
            .unwrap();
        assert_eq!(out, plain, "{path}");
    }
}

#[tokio::test]
async fn etag_revalidation() {
    let srv = FixtureServer::start(FixtureData::from_fixtures()).await;
    for path in ["/js/app.js", "/", "/graph"] {
        let r = get(&srv.url(path)).await;
        let tag = r.headers()[header::ETAG].clone();
        let again = plain_client()
            .get(srv.url(path))
            .header(header::IF_NONE_MATCH, tag.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(again.status(), 304, "{path}");
        assert!(again.bytes().await.unwrap().is_empty());
        let other = plain_client()
            .get(srv.url(path))
            .header(header::IF_NONE_MATCH, "\"something-else\"")
            .send()
            .await
            .unwrap();
        assert_eq!(other.status(), 200, "{path}");
    }
}

#[tokio::test]
async fn only_get_and_head() {
    let srv = FixtureServer::start(FixtureData::from_fixtures()).await;
    let r = plain_client().post(srv.url("/")).send().await.unwrap();
    assert_eq!(r.status(), 405);
    assert_eq!(r.headers()[header::ALLOW], "GET, HEAD");
    let r = plain_client().head(srv.url("/graph")).send().await.unwrap();
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn under_a_path_prefix() {
    let srv = FixtureServer::start_with_prefix(FixtureData::from_fixtures(), "/ui").await;
    let r = get(&srv.url("/graph")).await;
    assert_eq!(r.status(), 200);
    let body = r.text().await.unwrap();
    assert!(body.contains("<base href=\"/ui/\">"), "{body}");
    assert_eq!(get(&srv.url("/js/app.js")).await.status(), 200);
    assert_eq!(get(&srv.url("/api/v0/web/peers")).await.status(), 200);
}

/// Every module the page loads (transitively) exists, and nothing refers to another host:
/// the UI must work with no network beyond the agent.
#[tokio::test]
async fn every_import_resolves_and_nothing_is_external() {
    let srv = FixtureServer::start(FixtureData::from_fixtures()).await;
    let import_re =
        regex::Regex::new(r#"(?:from\s+|import\s*\(\s*|import\s+)['"]([^'"]+)['"]"#).unwrap();
    let html_re = regex::Regex::new(r#"(?:src|href)="([^"]+)""#).unwrap();
    let url_re = regex::Regex::new(r#"(?i)\b(?:https?:)?//[a-z0-9.-]+\.[a-z]{2,}"#).unwrap();
    let allowed_external = ["http://www.w3.org/2000/svg"];
    let index = get(&srv.url("/")).await.text().await.unwrap();
    let mut todo: Vec<String> = html_re
        .captures_iter(&index)
        .map(|c| c[1].to_string())
        .filter(|u| {
            !u.starts_with("./") && !u.starts_with('/') && u != "graph" && u != "clustering"
        })
        .collect();
    let mut seen = std::collections::HashSet::new();
    while let Some(path) = todo.pop() {
        if !seen.insert(path.clone()) {
            continue;
        }
        let r = get(&srv.url(&format!("/{path}"))).await;
        assert_eq!(r.status(), 200, "{path}");
        assert_ne!(
            content_type(&r),
            "text/html; charset=utf-8",
            "{path} answered with the SPA"
        );
        let text = r.text().await.unwrap();
        for m in url_re.find_iter(&text) {
            assert!(
                allowed_external.iter().any(|a| a.contains(m.as_str())),
                "{path} refers to an external URL: {}",
                m.as_str()
            );
        }
        if path.ends_with(".js") {
            let dir = path.rsplit_once('/').map_or("", |(d, _)| d);
            for c in import_re.captures_iter(&text) {
                let spec = &c[1];
                assert!(
                    spec.starts_with("./") || spec.starts_with("../"),
                    "{path}: bare import {spec}"
                );
                todo.push(resolve(dir, spec));
            }
        }
    }
    assert!(seen.len() >= 10, "only found {seen:?}");
}

fn resolve(dir: &str, spec: &str) -> String {
    let mut parts: Vec<&str> = dir.split('/').filter(|s| !s.is_empty()).collect();
    for seg in spec.split('/') {
        match seg {
            "." => {}
            ".." => {
                parts.pop();
            }
            s => parts.push(s),
        }
    }
    parts.join("/")
}

// ---------------------------------------------------------------------------------------------
// Browser helpers
// ---------------------------------------------------------------------------------------------

async fn shot(s: &Session, name: &str) {
    if let Some(dir) = std::env::var_os("UI_SCREENSHOTS") {
        let dir = PathBuf::from(dir);
        std::fs::create_dir_all(&dir).expect("screenshot dir");
        let path = dir.join(format!("{name}.png"));
        s.save_screenshot(&path).await.expect("screenshot");
        eprintln!("screenshot: {}", path.display());
    }
}

fn expected(name: &str) -> String {
    let p = ui_fixture::fixture_dir().join("expected").join(name);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// River text shown on the page must be what `agent fmt` would print for it.
fn assert_formatter_fixed_point(text: &str, what: &str) {
    let formatted = river_agent::fmt::format_source(what, text.as_bytes())
        .unwrap_or_else(|e| panic!("{what}: the rendered River does not parse: {e:?}\n{text}"));
    assert_eq!(
        formatted.trim_end(),
        text.trim_end(),
        "{what}: not in canonical format"
    );
}

// ---------------------------------------------------------------------------------------------
// Pages
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_pages_render_fixtures() {
    let _one = BROWSER.lock().await;
    let Some(driver) = ChromeDriver::start_or_skip().await else {
        return;
    };
    let srv = FixtureServer::start(FixtureData::from_fixtures()).await;
    let s = driver.new_session().await.expect("browser session");
    fast_polling(&s, &srv.url(""), 300).await;

    // Component list.
    s.goto(&srv.url("/")).await.unwrap();
    ready(&s, "list").await;
    shot(&s, "list").await;
    assert_eq!(text_of(&s, "#shown-count").await, "6 components");
    let chip = |k: &str| format!(".chip[data-key='{k}'] .chip-count");
    assert_eq!(text_of(&s, &chip("")).await, "6");
    assert_eq!(text_of(&s, &chip("healthy")).await, "3");
    assert_eq!(text_of(&s, &chip("unhealthy")).await, "1");
    assert_eq!(text_of(&s, &chip("unknown")).await, "1");
    assert_eq!(text_of(&s, &chip("exited")).await, "1");
    assert_eq!(s.find_all(".vt-row").await.unwrap().len(), 6);
    let rw = text_of(&s, ".vt-row[data-key='prometheus.remote_write.primary']").await;
    assert!(
        rw.contains("unhealthy") && rw.contains("401 Unauthorized"),
        "{rw}"
    );
    // Filter box.
    let filter = s.find("input.filter").await.unwrap();
    filter.send_keys("relabel").await.unwrap();
    wait_js(
        &s,
        "return document.querySelectorAll('.vt-row').length === 2",
    )
    .await;
    assert_eq!(
        text_of(&s, "#shown-count").await,
        "showing 2 of 6 components"
    );
    filter.clear().await.unwrap();
    filter.send_keys(" ").await.unwrap();
    wait_js(
        &s,
        "return document.querySelectorAll('.vt-row').length === 6",
    )
    .await;
    // Health chips filter.
    s.find(".chip[data-key='exited']")
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_js(
        &s,
        "return document.querySelectorAll('.vt-row').length === 1",
    )
    .await;
    assert!(text_of(&s, ".vt-row")
        .await
        .contains("prometheus.relabel.drop"));
    s.find(".chip[data-key='exited']")
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_js(
        &s,
        "return document.querySelectorAll('.vt-row').length === 6",
    )
    .await;
    // Live updates.
    srv.update_component("discovery.file.nodes", |c| {
        c["health"]["state"] = json!("unhealthy");
        c["health"]["message"] = json!("reading /etc/agent/targets: permission denied");
    });
    wait_js(
        &s,
        "return document.querySelector(\".vt-row[data-key='discovery.file.nodes'] .badge\").textContent === 'unhealthy'",
    )
    .await;
    assert_eq!(text_of(&s, &chip("unhealthy")).await, "2");

    // Component page, reached by clicking its link.
    s.find("a[href='component/prometheus.scrape.demo']")
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    ready(&s, "component").await;
    shot(&s, "component").await;
    assert!(s
        .current_url()
        .await
        .unwrap()
        .ends_with("/component/prometheus.scrape.demo"));
    assert_eq!(
        text_of(&s, "h1.component-id").await,
        "prometheus.scrape.demo"
    );
    assert!(text_of(&s, ".health-line").await.contains("healthy"));
    let args = js(
        &s,
        "return document.querySelector('#section-arguments pre.river').textContent",
    )
    .await;
    let args = args.as_str().unwrap();
    assert_eq!(
        args,
        expected("prometheus.scrape.demo.arguments.river").trim_end()
    );
    assert_formatter_fixed_point(args, "arguments");
    // Exports are empty: no section.
    assert_eq!(
        js(
            &s,
            "return document.querySelector('#section-exports').hidden"
        )
        .await,
        json!(true)
    );
    // 25 target blocks: a table, not text.
    assert_eq!(
        text_of(&s, ".block-run[data-block='target'] h3").await,
        "target — 25 blocks"
    );
    assert_eq!(
        text_of(&s, ".block-run .chip[data-key='down'] .chip-count").await,
        "4"
    );
    assert_eq!(
        text_of(&s, ".block-run .chip[data-key='up'] .chip-count").await,
        "21"
    );
    let tfilter = s.find(".block-run input.filter").await.unwrap();
    tfilter.send_keys("eu-west-2").await.unwrap();
    wait_js(
        &s,
        "return document.querySelectorAll('.block-run .vt-row').length === 8",
    )
    .await;
    tfilter.send_keys(" 10.0.0.5").await.unwrap();
    wait_js(
        &s,
        "return document.querySelectorAll('.block-run .vt-row').length === 1",
    )
    .await;
    s.find(".block-run .vt-row")
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let detail = wait_js(
        &s,
        "const p = document.querySelector('.block-detail'); return !p.hidden && p.textContent",
    )
    .await;
    let detail = detail.as_str().unwrap();
    assert!(detail.starts_with("target {\n"), "{detail}");
    assert!(
        detail.contains("\turl    = \"http://10.0.0.5:9100/metrics\"\n"),
        "{detail}"
    );
    assert_formatter_fixed_point(detail, "target block");
    // Dependencies / dependants.
    let deps = js(
        &s,
        "return [...document.querySelectorAll('.dependencies a')].map(a => a.textContent)",
    )
    .await;
    assert_eq!(
        deps,
        json!(["discovery.relabel.keep", "prometheus.relabel.drop"])
    );
    assert_eq!(
        text_of(&s, ".dependencies li:nth-child(2) .tag").await,
        "data"
    );
    s.find(".dependencies a[href='component/discovery.relabel.keep']")
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_js(&s, "return document.querySelector('h1.component-id')?.textContent === 'discovery.relabel.keep'").await;
    ready(&s, "component").await;
    let args = js(
        &s,
        "return document.querySelector('#section-arguments pre.river').textContent",
    )
    .await;
    assert_eq!(
        args.as_str().unwrap(),
        expected("discovery.relabel.keep.arguments.river").trim_end()
    );
    assert_formatter_fixed_point(args.as_str().unwrap(), "relabel arguments");
    let exports = js(
        &s,
        "return document.querySelector('#section-exports pre.river').textContent",
    )
    .await;
    assert_formatter_fixed_point(exports.as_str().unwrap(), "relabel exports");
    let deps = js(
        &s,
        "return [...document.querySelectorAll('.dependants a')].map(a => a.textContent)",
    )
    .await;
    assert_eq!(deps, json!(["prometheus.scrape.demo"]));
    // Back returns to the scrape page with its table filter kept.
    s.back().await.unwrap();
    wait_js(&s, "return document.querySelector('h1.component-id')?.textContent === 'prometheus.scrape.demo'").await;
    wait_js(
        &s,
        "return document.querySelector('.block-run input.filter').value === 'eu-west-2 10.0.0.5'",
    )
    .await;
    // Every fixture component page renders River that the formatter accepts unchanged.
    for id in [
        "local.file.token",
        "discovery.file.nodes",
        "prometheus.relabel.drop",
        "prometheus.remote_write.primary",
    ] {
        s.goto(&srv.url(&format!("/component/{id}"))).await.unwrap();
        ready(&s, "component").await;
        wait_js(
            &s,
            &format!("return document.querySelector('h1.component-id')?.textContent === {id:?}"),
        )
        .await;
        let texts = js(
            &s,
            "return [...document.querySelectorAll('pre.river')].map(p => p.textContent)",
        )
        .await;
        for (i, t) in texts.as_array().unwrap().iter().enumerate() {
            assert_formatter_fixed_point(t.as_str().unwrap(), &format!("{id} section {i}"));
        }
    }
    assert_eq!(
        js(
            &s,
            "return document.querySelector('#section-exports pre.river').textContent"
        )
        .await,
        json!("receiver = prometheus.remote_write.primary.receiver")
    );
    // Unknown component.
    s.goto(&srv.url("/component/nope.nothing")).await.unwrap();
    ready(&s, "component").await;
    assert_eq!(text_of(&s, ".not-found h1").await, "Component not found");

    // Graph.
    s.goto(&srv.url("/graph")).await.unwrap();
    ready(&s, "graph").await;
    shot(&s, "graph").await;
    assert_eq!(s.find_all("a.node").await.unwrap().len(), 6);
    assert_eq!(s.find_all("path.edge").await.unwrap().len(), 5);
    assert_eq!(s.find_all("path.edge-data").await.unwrap().len(), 2);
    let names = js(
        &s,
        "return [...document.querySelectorAll('a.node text')].map(t => t.textContent).sort()",
    )
    .await;
    let mut ids: Vec<&str> = vec![
        "discovery.file.nodes",
        "discovery.relabel.keep",
        "local.file.token",
        "prometheus.relabel.drop",
        "prometheus.remote_write.primary",
        "prometheus.scrape.demo",
    ];
    ids.sort();
    assert_eq!(names, json!(ids), "full IDs, not truncated");
    let classes = js(&s, "return Object.fromEntries([...document.querySelectorAll('a.node')].map(n => [n.dataset.id, n.getAttribute('class')]))").await;
    assert_eq!(
        classes["prometheus.remote_write.primary"],
        "node health-unhealthy"
    );
    assert_eq!(classes["prometheus.relabel.drop"], "node health-exited");
    assert_eq!(classes["local.file.token"], "node health-unknown");
    // Data flows left to right along the pipeline.
    let xs = js(&s, "return Object.fromEntries([...document.querySelectorAll('a.node')].map(n => [n.dataset.id, Number(/translate\\(([-\\d.]+)/.exec(n.getAttribute('transform'))[1])]))").await;
    let x = |id: &str| xs[id].as_f64().unwrap();
    assert!(x("discovery.file.nodes") < x("discovery.relabel.keep"));
    assert!(x("discovery.relabel.keep") < x("prometheus.scrape.demo"));
    assert!(x("prometheus.scrape.demo") < x("prometheus.relabel.drop"));
    assert!(x("prometheus.relabel.drop") < x("prometheus.remote_write.primary"));
    assert!(x("local.file.token") < x("prometheus.remote_write.primary"));
    // Health changes recolour in place.
    srv.update_component("local.file.token", |c| {
        c["health"]["state"] = json!("healthy")
    });
    wait_js(&s, "return document.querySelector(\"a.node[data-id='local.file.token']\").getAttribute('class') === 'node health-healthy'").await;
    // Search highlights.
    let find = s.find(".page-graph input.filter").await.unwrap();
    find.send_keys("remote_write").await.unwrap();
    wait_js(
        &s,
        "return document.querySelectorAll('a.node.match').length === 1",
    )
    .await;
    find.clear().await.unwrap();
    find.send_keys(" ").await.unwrap();
    wait_js(
        &s,
        "return document.querySelectorAll('a.node.match').length === 0",
    )
    .await;
    // Zoom, open a node, come back: the view is where it was.
    s.find("button[aria-label='Zoom in']")
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    s.find("button[aria-label='Zoom in']")
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let before = js(
        &s,
        "return document.querySelector('g.viewport').getAttribute('transform')",
    )
    .await;
    js(&s, "document.querySelector(\"a.node[data-id='prometheus.scrape.demo']\").dispatchEvent(new MouseEvent('click', {bubbles: true, cancelable: true, button: 0})); return true").await;
    wait_js(&s, "return document.querySelector('h1.component-id')?.textContent === 'prometheus.scrape.demo'").await;
    assert!(s
        .current_url()
        .await
        .unwrap()
        .ends_with("/component/prometheus.scrape.demo"));
    s.back().await.unwrap();
    ready(&s, "graph").await;
    let after = js(
        &s,
        "return document.querySelector('g.viewport').getAttribute('transform')",
    )
    .await;
    assert_eq!(before, after, "graph view kept across navigation");

    // Clustering.
    s.goto(&srv.url("/clustering")).await.unwrap();
    ready(&s, "clustering").await;
    shot(&s, "clustering").await;
    let headers = js(&s, "return [...document.querySelectorAll('.peers-table .vt-th')].map(t => t.textContent.trim())").await;
    assert_eq!(
        headers,
        json!([
            "Node Name",
            "Advertised Address",
            "Current State",
            "Local Node",
            "Ring share"
        ])
    );
    assert_eq!(s.find_all(".peers-table .vt-row").await.unwrap().len(), 4);
    let row = |name: &str| format!(".peers-table .vt-row[data-key='{name}']");
    let me = text_of(&s, &row("agent-1")).await;
    assert!(
        me.contains("10.1.0.11:12345") && me.contains("participant") && me.contains('✔'),
        "{me}"
    );
    assert!(!text_of(&s, &row("agent-0")).await.contains('✔'));
    assert!(text_of(&s, &row("agent-3")).await.contains("terminating"));
    assert_eq!(
        text_of(&s, ".chip[data-key='participant'] .chip-count").await,
        "3"
    );
    assert_eq!(
        text_of(&s, ".chip[data-key='terminating'] .chip-count").await,
        "1"
    );
    assert_eq!(
        text_of(&s, ".chip[data-key='viewer'] .chip-count").await,
        "0"
    );
    // Ring shares agree with the Rust ring.
    let shares = js(&s, "return Object.fromEntries([...document.querySelectorAll('.peers-table .vt-row')].map(r => [r.dataset.key, r.querySelector('.col-share').textContent]))").await;
    let rust = rust_ring_shares(&["agent-0", "agent-1", "agent-2"]);
    for (name, share) in &rust {
        let shown = shares[name]
            .as_str()
            .unwrap()
            .trim_end_matches('%')
            .parse::<f64>()
            .unwrap();
        assert!(
            (shown - share * 100.0).abs() <= 0.051,
            "{name}: page {shown}% vs ring {share}"
        );
    }
    assert_eq!(shares["agent-3"], "–");
    // This node, from /metrics.
    let node = text_of(&s, ".node-panel").await;
    assert!(node.contains("Cluster name\ndemo"), "{node}");
    assert!(node.contains("Ready for traffic\nyes"), "{node}");
    // Auto refresh: a peer joins.
    let mut peers = FixtureData::from_fixtures().peers;
    peers.push(
        json!({"name": "agent-4", "addr": "10.1.0.14:12345", "isSelf": false, "state": "viewer"}),
    );
    srv.set_peers(peers);
    wait_js(
        &s,
        "return document.querySelectorAll('.peers-table .vt-row').length === 5",
    )
    .await;
    wait_js(&s, "return document.querySelector('.changes').textContent.includes('agent-4 joined (viewer, 10.1.0.14:12345)')").await;
    assert_eq!(
        text_of(&s, ".chip[data-key='viewer'] .chip-count").await,
        "1"
    );

    // A page that does not exist.
    s.goto(&srv.url("/no/such/page")).await.unwrap();
    ready(&s, "notfound").await;

    // Navigation links in the top bar.
    s.find("nav a[data-page='graph']")
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    ready(&s, "graph").await;
    assert!(s.current_url().await.unwrap().ends_with("/graph"));
    s.find("nav a[data-page='list']")
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    ready(&s, "list").await;

    // The agent goes away: the page says so.
    drop(srv);
    wait_js(&s, "return !document.getElementById('banner').hidden").await;
    assert!(text_of(&s, "#live").await.contains("not updating"));

    s.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_ui_under_a_path_prefix() {
    let _one = BROWSER.lock().await;
    let Some(driver) = ChromeDriver::start_or_skip().await else {
        return;
    };
    let srv = FixtureServer::start_with_prefix(FixtureData::from_fixtures(), "/ui").await;
    let s = driver.new_session().await.expect("browser session");
    s.goto(&srv.url("/graph")).await.unwrap();
    ready(&s, "graph").await;
    assert_eq!(s.find_all("a.node").await.unwrap().len(), 6);
    // A real mouse click on the SVG node (the other test dispatches the event).
    s.find("a.node[data-id='discovery.file.nodes'] rect")
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_js(
        &s,
        "return document.querySelector('h1.component-id')?.textContent === 'discovery.file.nodes'",
    )
    .await;
    assert!(s
        .current_url()
        .await
        .unwrap()
        .ends_with("/ui/component/discovery.file.nodes"));
    s.goto(&srv.url("/clustering")).await.unwrap();
    ready(&s, "clustering").await;
    assert_eq!(s.find_all(".peers-table .vt-row").await.unwrap().len(), 4);
    s.close().await.unwrap();
}

fn rust_ring_shares(names: &[&str]) -> Vec<(String, f64)> {
    use river_agent::cluster::ring::{node_tokens, DEFAULT_TOKENS_PER_NODE};
    let mut tokens: Vec<(u64, &str)> = names
        .iter()
        .flat_map(|n| node_tokens(n, DEFAULT_TOKENS_PER_NODE).map(move |t| (t, *n)))
        .collect();
    tokens.sort();
    let mut owned: std::collections::HashMap<&str, u128> = Default::default();
    for (i, (tok, name)) in tokens.iter().enumerate() {
        let span: u128 = if i == 0 {
            *tok as u128 + 1 + (u64::MAX - tokens[tokens.len() - 1].0) as u128
        } else {
            (*tok - tokens[i - 1].0) as u128
        };
        *owned.entry(name).or_default() += span;
    }
    names
        .iter()
        .map(|n| (n.to_string(), owned[n] as f64 / 2f64.powi(64)))
        .collect()
}

// ---------------------------------------------------------------------------------------------
// The JavaScript modules, run in the browser and checked against the Rust implementations
// ---------------------------------------------------------------------------------------------

async fn import_and_run(s: &Session, body: &str, args: Vec<Value>) -> Value {
    let script = format!(
        "const done = arguments[arguments.length - 1];
         const args = Array.from(arguments).slice(0, -1);
         const m = (p) => import(new URL(p, document.baseURI).href);
         (async () => {{ {body} }})().then(done, (e) => done({{ error: String(e && e.stack || e) }}));"
    );
    let v = s
        .execute_async(&script, args)
        .await
        .unwrap_or_else(|e| panic!("script failed: {e}"));
    if let Some(err) = v.get("error") {
        panic!("script threw: {}", err.as_str().unwrap_or_default());
    }
    v
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_js_modules_match_rust() {
    let _one = BROWSER.lock().await;
    let Some(driver) = ChromeDriver::start_or_skip().await else {
        return;
    };
    let srv = FixtureServer::start(FixtureData::from_fixtures()).await;
    let s = driver.new_session().await.expect("browser session");
    s.goto(&srv.url("/nothing")).await.unwrap();
    ready(&s, "notfound").await;

    // Go string quoting: every code point of the BMP plus a sample of the other planes.
    let mut cps: Vec<u32> = (0..0xD800).chain(0xE000..0x10000).collect();
    cps.extend((0x10000..0x110000).step_by(97));
    cps.extend([0x1F600, 0x1F9D1, 0xE0001, 0xF0000, 0x10FFFF, 0x1D400]);
    let quoted = import_and_run(
        &s,
        "const { goQuote } = await m('js/river.js');
         return args[0].map((c) => goQuote(String.fromCodePoint(c)));",
        vec![json!(cps)],
    )
    .await;
    let quoted = quoted.as_array().unwrap();
    let mut mismatches = Vec::new();
    for (cp, js) in cps.iter().zip(quoted) {
        let c = char::from_u32(*cp).unwrap();
        let go = river_agent::gocompat::strconv::quote(c.to_string());
        if js.as_str() != Some(go.as_str()) {
            mismatches.push((*cp, js.as_str().unwrap_or_default().to_string(), go));
        }
    }
    // The browser's Unicode tables may be newer than ours: a character assigned since then is
    // printed literally by the browser and escaped by us. Any other difference is a bug.
    eprintln!(
        "goQuote: {} code points, {} printed literally by the browser but escaped by gocompat (newer Unicode)",
        cps.len(),
        mismatches.len()
    );
    for (cp, js, go) in &mismatches {
        let newer = *js == format!("\"{}\"", char::from_u32(*cp).unwrap())
            && (go.starts_with("\"\\u") || go.starts_with("\"\\U"));
        assert!(newer, "U+{cp:04X}: browser {js} vs gocompat {go}");
    }
    assert!(mismatches.len() < 2000, "{} differences", mismatches.len());

    // Ring: the golden vectors of spec/clustering.md §2.5 and Rust's tokens.
    let ring = import_and_run(
        &s,
        "const r = await m('js/ring.js');
         const hex = (b) => '0x' + b.toString(16).padStart(16, '0');
         const ring3 = r.buildRing(['alloy-0', 'alloy-1', 'alloy-2']);
         return {
           exampleKey: hex(r.xxh64('example-key')),
           tokens: r.nodeTokens('alloy-0').map(hex),
           owners: ['a', 'b', 'c', 'example-key'].map((k) => r.ringOwner(ring3, r.xxh64(k))),
           owner256: r.ringOwner(r.buildRing(['node-a', 'node-b'], 256), r.xxh64('example-key')),
           long: hex(r.xxh64('x'.repeat(100) + 'é')),
         };",
        vec![],
    )
    .await;
    assert_eq!(ring["exampleKey"], "0x568b6f4c91a99400");
    assert_eq!(
        ring["owners"],
        json!(["alloy-2", "alloy-0", "alloy-1", "alloy-0"])
    );
    assert_eq!(ring["owner256"], "node-b");
    let rust_tokens: Vec<String> = river_agent::cluster::ring::node_tokens("alloy-0", 512)
        .map(|t| format!("0x{t:016x}"))
        .collect();
    assert_eq!(ring["tokens"], json!(rust_tokens));
    assert_eq!(ring["tokens"][0], "0x920975578bc2b202");
    assert_eq!(ring["tokens"][511], "0xcaa119bcbe816eaa");
    let long = format!("{}é", "x".repeat(100));
    assert_eq!(
        ring["long"],
        json!(format!(
            "0x{:016x}",
            xxhash_rust::xxh64::xxh64(long.as_bytes(), 0)
        ))
    );

    // River rendering of every kind of value.
    let cases = json!([
        [{"name": "a", "type": "attr", "value": {"type": "number", "value": 10}}], "a = 10",
        [{"name": "a", "type": "attr", "value": {"type": "number", "value": -1.25}}], "a = -1.25",
        [{"name": "a", "type": "attr", "value": {"type": "null"}}], "a = null",
        [{"name": "a", "type": "attr", "value": {"type": "array", "value": []}}], "a = []",
        [{"name": "a", "type": "attr", "value": {"type": "object", "value": []}}], "a = {}",
        [{"name": "a", "type": "attr", "value": {"type": "function", "value": "function"}}], "a = function",
        [{"name": "b", "type": "block", "label": "x_y", "body": []}], "b \"x_y\" { }",
        [{"name": "long_name", "type": "attr", "value": {"type": "bool", "value": true}},
         {"name": "o", "type": "attr", "value": {"type": "object", "value": [
            {"key": "k", "value": {"type": "array", "value": [{"type": "string", "value": "v"}]}}]}},
         {"name": "z", "type": "attr", "value": {"type": "string", "value": ""}}],
        "long_name = true\no         = {\n\tk = [\"v\"],\n}\nz = \"\"",
        [{"name": "outer", "type": "block", "body": [
            {"name": "inner", "type": "block", "label": "l", "body": [
                {"name": "x", "type": "attr", "value": {"type": "number", "value": 1}}]},
            {"name": "after", "type": "attr", "value": {"type": "number", "value": 2}}]}],
        "outer {\n\tinner \"l\" {\n\t\tx = 1\n\t}\n\n\tafter = 2\n}",
        [{"name": "t", "type": "attr", "value": {"type": "array", "value": [
            {"type": "object", "value": [{"key": "a", "value": {"type": "string", "value": "1"}}]},
            {"type": "object", "value": [{"key": "b-c", "value": {"type": "string", "value": "2"}}]}]}}],
        "t = [{\n\ta = \"1\",\n}, {\n\t\"b-c\" = \"2\",\n}]",
    ]);
    let pairs: Vec<(Value, String)> = cases
        .as_array()
        .unwrap()
        .chunks(2)
        .map(|c| (c[0].clone(), c[1].as_str().unwrap().to_string()))
        .collect();
    let bodies: Vec<Value> = pairs.iter().map(|p| p.0.clone()).collect();
    let rendered = import_and_run(
        &s,
        "const { bodyText } = await m('js/river.js'); return args[0].map(bodyText);",
        vec![json!(bodies)],
    )
    .await;
    for ((body, want), got) in pairs.iter().zip(rendered.as_array().unwrap()) {
        assert_eq!(got.as_str().unwrap(), want, "rendering {body}");
        assert_formatter_fixed_point(want, want);
    }

    // Layout: every node placed once, forward edges go left to right, no overlaps in a column.
    let layout = import_and_run(
        &s,
        "const L = await m('js/layout.js');
         const comps = [];
         for (let i = 0; i < 300; i++) {
           const refs = [];
           for (let k = 1; k <= 3; k++) if (i - k * 7 >= 0 && (i * k) % 3 === 0) refs.push(`c.n${i - k * 7}`);
           comps.push({ localID: `c.n${i}`, referencesTo: refs, dataFlowEdgesTo: i % 11 === 0 && refs.length ? [refs[0]] : [] });
         }
         const g = L.graphFromComponents(comps);
         const out = L.layoutGraph(g, (n) => n.id.length * 7 + 24);
         const nodes = [...out.nodes].map(([id, p]) => ({ id, ...p }));
         return { nodes, edges: out.edges.map((e) => ({ from: e.from, to: e.to, reversed: e.reversed })) };",
        vec![],
    )
    .await;
    let nodes = layout["nodes"].as_array().unwrap();
    assert_eq!(nodes.len(), 300);
    let pos: std::collections::HashMap<&str, (f64, f64, f64)> = nodes
        .iter()
        .map(|n| {
            (
                n["id"].as_str().unwrap(),
                (
                    n["x"].as_f64().unwrap(),
                    n["y"].as_f64().unwrap(),
                    n["h"].as_f64().unwrap(),
                ),
            )
        })
        .collect();
    for e in layout["edges"].as_array().unwrap() {
        let (a, b) = (
            pos[e["from"].as_str().unwrap()],
            pos[e["to"].as_str().unwrap()],
        );
        if e["reversed"] == json!(false) {
            assert!(a.0 < b.0, "edge {e} goes backwards");
        }
    }
    let mut by_col: std::collections::BTreeMap<i64, Vec<(f64, f64)>> = Default::default();
    for (x, y, h) in pos.values() {
        by_col.entry(*x as i64).or_default().push((*y, *h));
    }
    for col in by_col.values_mut() {
        col.sort_by(|a, b| a.0.total_cmp(&b.0));
        for w in col.windows(2) {
            assert!(w[0].0 + w[0].1 <= w[1].0, "overlap in a column: {w:?}");
        }
    }
    s.close().await.unwrap();
}

// ---------------------------------------------------------------------------------------------
// Performance figures (printed, never asserted)
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_performance_large_fixture() {
    let _one = BROWSER.lock().await;
    let Some(driver) = ChromeDriver::start_or_skip().await else {
        return;
    };
    let srv = FixtureServer::start(FixtureData::large(2000, 10_000)).await;
    let s = driver.new_session().await.expect("browser session");
    fast_polling(&s, &srv.url(""), 1000).await;

    let list = measure(&s, &srv.url("/"), "list").await;
    assert_eq!(text_of(&s, "#shown-count").await, "2,000 components");
    let rows = s.find_all(".vt-row").await.unwrap().len();
    assert!(rows < 200, "list is virtualized ({rows} rows in the DOM)");
    let filter = s.find("input.filter").await.unwrap();
    let t0 = Instant::now();
    filter.send_keys("scrape.s1").await.unwrap();
    wait_js(
        &s,
        "return document.getElementById('shown-count').textContent.startsWith('showing 111 of')",
    )
    .await;
    let filter_ms = t0.elapsed().as_millis();
    filter.clear().await.unwrap();
    js(&s, "sessionStorage.clear(); return true").await;

    let graph = measure(&s, &srv.url("/graph"), "graph").await;
    assert_eq!(s.find_all("a.node").await.unwrap().len(), 2000);
    shot(&s, "graph-2000").await;
    // A poll that finds nothing changed, and a zoom step.
    let polls = js(&s, "return window.__ui.polls").await.as_u64().unwrap();
    wait_js(&s, &format!("return window.__ui.polls > {polls}")).await;
    let graph_poll = js(
        &s,
        "return window.__ui.pollTimes[window.__ui.pollTimes.length - 1]",
    )
    .await;
    let zoom = js(
        &s,
        "const t0 = performance.now();
         document.querySelector(\"button[aria-label='Zoom in']\").click();
         document.querySelector('g.viewport').getBoundingClientRect();
         return Math.round((performance.now() - t0) * 10) / 10;",
    )
    .await;

    let scrape = measure(&s, &srv.url("/component/prometheus.scrape.s0"), "component").await;
    assert_eq!(text_of(&s, ".block-run h3").await, "target — 10,000 blocks");
    let rows = s.find_all(".block-run .vt-row").await.unwrap().len();
    assert!(
        rows < 200,
        "targets are virtualized ({rows} rows in the DOM)"
    );
    shot(&s, "targets-10000").await;
    let tfilter = s.find(".block-run input.filter").await.unwrap();
    let t0 = Instant::now();
    tfilter.send_keys("zone-3 app-12").await.unwrap();
    wait_js(
        &s,
        "return document.querySelector('.block-run .shown').textContent.startsWith('showing ')",
    )
    .await;
    let tfilter_ms = t0.elapsed().as_millis();
    let shown = text_of(&s, ".block-run .shown").await;
    s.find(".block-run input.filter")
        .await
        .unwrap()
        .clear()
        .await
        .unwrap();
    s.find(".block-run input.filter")
        .await
        .unwrap()
        .send_keys(" ")
        .await
        .unwrap();
    wait_js(
        &s,
        "return document.querySelector('.block-run .shown').textContent === ''",
    )
    .await;
    let polls = js(&s, "return window.__ui.polls").await.as_u64().unwrap();
    wait_js(&s, &format!("return window.__ui.polls > {polls}")).await;
    let scrape_poll = js(
        &s,
        "return window.__ui.pollTimes[window.__ui.pollTimes.length - 1]",
    )
    .await;
    // A poll that finds the component changed re-parses and re-renders all 10,000 rows.
    let polls = js(&s, "return window.__ui.polls").await.as_u64().unwrap();
    srv.update_component("prometheus.scrape.s0", |c| {
        c["health"]["message"] = json!("changed");
    });
    wait_js(
        &s,
        &format!(
            "return window.__ui.polls > {polls} && document.querySelector('.health-message').textContent === 'changed'"
        ),
    )
    .await;
    let changed_poll = js(
        &s,
        "return window.__ui.pollTimes[window.__ui.pollTimes.length - 1]",
    )
    .await;
    // Scrolled to the end, the last target is rendered (and still only a window of rows).
    let last = s
        .execute_async(
            "const done = arguments[arguments.length - 1];
             const b = document.querySelector('.block-run .vt-body');
             b.scrollTop = b.scrollHeight;
             requestAnimationFrame(() => requestAnimationFrame(() => {
               const idx = [...document.querySelectorAll('.block-run .vt-row')].map((r) => Number(r.dataset.index));
               done([Math.max(...idx), idx.length]);
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
    assert!(last[1].as_u64().unwrap() < 200, "{last}");

    println!(
        "\nUI performance (headless Chromium, debug or release build of the test server as run):"
    );
    println!("  component list, 2,000 components: {list}; filter typed → rows shown: {filter_ms} ms (incl. WebDriver and 80 ms debounce)");
    println!("  graph, 2,000 components:           {graph}; unchanged poll {graph_poll} ms; zoom step {zoom} ms");
    println!("  scrape page, 10,000 targets:       {scrape}; unchanged poll {scrape_poll} ms; changed poll {changed_poll} ms; filter → {shown:?} in {tfilter_ms} ms (incl. WebDriver and 100 ms debounce)");
    println!("  (totalMs = navigation start → first render painted; fetchMs = time waiting for API responses; wallMs = WebDriver goto → ready)\n");
    s.close().await.unwrap();
}
