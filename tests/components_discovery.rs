//! `local.file`, `discovery.file`, `discovery.relabel` and `discovery.http` through the real
//! binary: loading, evaluation, file changes reaching dependants, bad input, HTTP discovery.

mod common;
mod components_common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::agent::{get, wait_for, Agent};
use components_common::{health, river_str, targets};

const WAIT: Duration = Duration::from_secs(20);

#[test]
fn file_changes_reach_dependants() {
    let dir = tempfile::tempdir().unwrap();
    let env_file = dir.path().join("env.txt");
    std::fs::write(&env_file, "staging").unwrap();
    let sd_dir = dir.path().join("targets");
    std::fs::create_dir(&sd_dir).unwrap();
    let sd_file = sd_dir.join("web.json");
    std::fs::write(
        &sd_file,
        r#"[{"targets": ["web-1:9100", "web-2:9100"], "labels": {"team": "a"}}]"#,
    )
    .unwrap();
    let config = format!(
        r#"
local.file "env" {{
	filename = {env}
}}

discovery.file "web" {{
	files = [{glob}]
}}

discovery.relabel "web" {{
	targets = discovery.file.web.targets

	rule {{
		target_label = "env"
		replacement  = local.file.env.content
	}}
	rule {{
		source_labels = ["__address__"]
		regex         = "web-2:.*"
		action        = "drop"
	}}
}}
"#,
        env = river_str(&env_file.display().to_string()),
        glob = river_str(&format!("{}/*.json", sd_dir.display())),
    );
    let mut a = Agent::start(dir.path(), &config, &[]);
    a.wait_ready(WAIT);

    // First load: the file's content and the targets are there for the dependant at once.
    let out = targets(&a, "discovery.relabel.web", "output");
    assert_eq!(out.len(), 1, "{out:?}");
    assert_eq!(out[0]["__address__"], "web-1:9100");
    assert_eq!(out[0]["env"], "staging");
    assert_eq!(out[0]["team"], "a");
    assert_eq!(out[0]["__meta_filepath"], sd_file.display().to_string());
    let sd = targets(&a, "discovery.file.web", "targets");
    assert_eq!(sd.len(), 2);

    // Replace the file the way editors do (write elsewhere, rename over it).
    let tmp = dir.path().join(".env.txt.tmp");
    std::fs::write(&tmp, "production").unwrap();
    std::fs::rename(&tmp, &env_file).unwrap();
    let seen = wait_for(WAIT, || {
        let out = targets(&a, "discovery.relabel.web", "output");
        (out.first().map(|t| t["env"].as_str()) == Some("production")).then_some(())
    });
    assert!(seen.is_some(), "new content not propagated:\n{}", a.logs());

    // A malformed targets file: clear health message, previous targets kept.
    std::fs::write(&sd_file, "[{\"targets\": [\"web-3:9100\",\n   ]}]").unwrap();
    let unhealthy = wait_for(WAIT, || {
        let (state, msg) = health(&a, "discovery.file.web");
        (state == "unhealthy").then_some(msg)
    });
    let msg = unhealthy.unwrap_or_else(|| panic!("not unhealthy:\n{}", a.logs()));
    assert!(
        msg.starts_with(&format!("{}:2:4: ", sd_file.display())),
        "message should name the file and position: {msg}"
    );
    assert_eq!(targets(&a, "discovery.file.web", "targets").len(), 2);
    assert_eq!(targets(&a, "discovery.relabel.web", "output").len(), 1);

    // Fixed: new targets flow through (within the 5 s publication limit), health recovers.
    std::fs::write(&sd_file, r#"[{"targets": ["web-3:9100"]}]"#).unwrap();
    let updated = wait_for(WAIT, || {
        let out = targets(&a, "discovery.relabel.web", "output");
        (out.len() == 1 && out[0]["__address__"] == "web-3:9100").then_some(())
    });
    assert!(updated.is_some(), "fixed file not picked up:\n{}", a.logs());
    assert_eq!(health(&a, "discovery.file.web").0, "healthy");

    // The file disappears: local.file is unhealthy, its last content stays exported.
    std::fs::remove_file(&env_file).unwrap();
    let gone = wait_for(WAIT, || {
        let (state, msg) = health(&a, "local.file.env");
        (state == "unhealthy").then_some(msg)
    });
    let msg = gone.unwrap_or_else(|| panic!("local.file stayed healthy:\n{}", a.logs()));
    assert!(msg.contains("env.txt"), "{msg}");
    assert_eq!(
        targets(&a, "discovery.relabel.web", "output")[0]["env"],
        "production"
    );
    let (_, metrics) = get(&a.addr, "/metrics");
    assert!(
        metrics.contains(
            "local_file_timestamp_last_accessed_unix_seconds{component_id=\"local.file.env\""
        ),
        "{metrics}"
    );
    assert!(a.stop(WAIT).is_some_and(|s| s.success()));
}

#[test]
fn unreadable_local_file_fails_the_load() {
    let dir = tempfile::tempdir().unwrap();
    let config = "local.file \"x\" {\n\tfilename = \"/nonexistent/secret.txt\"\n}\n";
    let mut a = Agent::start(dir.path(), config, &[]);
    let st = wait_for(WAIT, || {
        a.child.as_mut().and_then(|c| c.try_wait().ok().flatten())
    })
    .expect("exits");
    assert_eq!(st.code(), Some(1));
    let logs = a.logs();
    assert!(
        logs.contains("failed to read file /nonexistent/secret.txt"),
        "{logs}"
    );
}

/// What the fake HTTP SD server answers, and what it saw.
#[derive(Default)]
struct SdState {
    status: u16,
    content_type: String,
    body: String,
    refresh_headers: Vec<String>,
    auth_headers: Vec<String>,
}

/// Serves `state` on a loopback port from a thread of its own; returns the address.
fn start_sd_server(state: Arc<Mutex<SdState>>) -> String {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let app = axum::Router::new().route(
                "/sd",
                axum::routing::get(move |headers: axum::http::HeaderMap| {
                    let state = state.clone();
                    async move {
                        let mut s = state.lock().unwrap();
                        let h = |n: &str| {
                            headers
                                .get(n)
                                .and_then(|v| v.to_str().ok())
                                .unwrap_or("")
                                .to_string()
                        };
                        s.refresh_headers
                            .push(h("x-prometheus-refresh-interval-seconds"));
                        s.auth_headers.push(h("authorization"));
                        axum::http::Response::builder()
                            .status(s.status)
                            .header("content-type", s.content_type.clone())
                            .body(axum::body::Body::from(s.body.clone()))
                            .unwrap()
                    }
                }),
            );
            let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            tx.send(l.local_addr().unwrap().to_string()).unwrap();
            axum::serve(l, app).await.unwrap();
        });
    });
    rx.recv().unwrap()
}

#[test]
fn http_discovery_against_local_server() {
    let state = Arc::new(Mutex::new(SdState {
        status: 200,
        content_type: "application/json".into(),
        body: r#"[{"targets": ["a:1", "b:2"], "labels": {"dc": "x"}}]"#.into(),
        ..Default::default()
    }));
    let addr = start_sd_server(state.clone());
    let url = format!("http://{addr}/sd");
    let dir = tempfile::tempdir().unwrap();
    let config = format!(
        r#"
discovery.http "sd" {{
	url              = {url}
	refresh_interval = "1s"
	bearer_token     = "s3cret"
}}

discovery.relabel "sd" {{
	targets = discovery.http.sd.targets
}}
"#,
        url = river_str(&url)
    );
    let mut a = Agent::start(dir.path(), &config, &[]);
    a.wait_ready(WAIT);

    let found = wait_for(WAIT, || {
        let t = targets(&a, "discovery.relabel.sd", "output");
        (t.len() == 2).then_some(t)
    })
    .unwrap_or_else(|| panic!("no targets:\n{}", a.logs()));
    assert_eq!(found[0]["__address__"], "a:1");
    assert_eq!(found[0]["dc"], "x");
    assert_eq!(found[0]["__meta_url"], url);
    {
        let s = state.lock().unwrap();
        assert_eq!(s.refresh_headers[0], "1");
        assert_eq!(s.auth_headers[0], "Bearer s3cret");
    }
    // The secret is not shown in the UI's arguments.
    let detail = components_common::detail(&a, "discovery.http.sd").unwrap();
    assert!(!detail["arguments"].to_string().contains("s3cret"));

    // The server fails: last good targets stay, failures are counted, health says why.
    state.lock().unwrap().status = 500;
    let msg = wait_for(WAIT, || {
        let (st, msg) = health(&a, "discovery.http.sd");
        (st == "unhealthy").then_some(msg)
    })
    .unwrap_or_else(|| panic!("not unhealthy:\n{}", a.logs()));
    assert!(msg.contains("server returned HTTP status 500"), "{msg}");
    assert_eq!(targets(&a, "discovery.http.sd", "targets").len(), 2);
    let (_, m) = get(&a.addr, "/metrics");
    assert!(
        m.contains("prometheus_sd_http_failures_total{component_id=\"discovery.http.sd\""),
        "{m}"
    );

    // A wrong content type is refused the same way.
    {
        let mut s = state.lock().unwrap();
        s.status = 200;
        s.content_type = "text/plain".into();
    }
    let msg = wait_for(WAIT, || {
        let (_, msg) = health(&a, "discovery.http.sd");
        msg.contains("unsupported content type").then_some(msg)
    });
    assert!(msg.is_some(), "{:?}", health(&a, "discovery.http.sd"));

    // Good again, with a new list.
    {
        let mut s = state.lock().unwrap();
        s.content_type = "application/json; charset=utf-8".into();
        s.body = r#"[{"targets": ["c:3"]}]"#.into();
    }
    let updated = wait_for(WAIT, || {
        let t = targets(&a, "discovery.relabel.sd", "output");
        (t.len() == 1 && t[0]["__address__"] == "c:3").then_some(())
    });
    assert!(updated.is_some(), "{}", a.logs());
    assert_eq!(health(&a, "discovery.http.sd").0, "healthy");
    assert!(a.stop(WAIT).is_some_and(|s| s.success()));
}
