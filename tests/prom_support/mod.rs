//! Real and fake parts for the scrape, remote-write and end-to-end tests: a scrape target
//! with a settable body, a remote-write receiver that records what it gets, and runners for
//! a real Prometheus (as remote-write receiver) and the synthetic target generator.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use river_agent::prom::remote_write::decode;

/// One HTTP request: method, path, headers (lower-case names), body.
type Request = (String, String, BTreeMap<String, String>, Vec<u8>);

/// Scripted answers: status and `Retry-After`.
pub type Script = Arc<Mutex<Vec<(u16, Option<String>)>>>;

/// Reads one HTTP/1.1 request: method, path, headers (lower-case names), body.
fn read_request(s: &mut TcpStream) -> Option<Request> {
    s.set_read_timeout(Some(Duration::from_secs(10))).ok()?;
    let mut r = BufReader::new(s.try_clone().ok()?);
    let mut line = String::new();
    r.read_line(&mut line).ok()?;
    let mut parts = line.split_whitespace();
    let method = parts.next()?.to_string();
    let path = parts.next()?.to_string();
    let mut headers = BTreeMap::new();
    loop {
        let mut h = String::new();
        r.read_line(&mut h).ok()?;
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_string());
        }
    }
    let len: usize = headers
        .get("content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0; len];
    r.read_exact(&mut body).ok()?;
    Some((method, path, headers, body))
}

fn respond(s: &mut TcpStream, status: u16, headers: &[(&str, String)], body: &[u8]) {
    let mut out = format!(
        "HTTP/1.1 {status} X\r\nContent-Length: {}\r\nConnection: close\r\n",
        body.len()
    );
    for (k, v) in headers {
        out.push_str(&format!("{k}: {v}\r\n"));
    }
    out.push_str("\r\n");
    let _ = s.write_all(out.as_bytes());
    let _ = s.write_all(body);
}

/// A scrape target whose answer the test sets.
pub struct MockTarget {
    /// `127.0.0.1:port`.
    pub addr: String,
    answer: Arc<Mutex<(u16, String, Vec<u8>)>>,
    /// Requests served.
    pub hits: Arc<AtomicUsize>,
    /// Headers of the last request.
    pub last_headers: Arc<Mutex<BTreeMap<String, String>>>,
}

impl MockTarget {
    /// Serves `body` as `text/plain; version=0.0.4`.
    pub fn start(body: &str) -> MockTarget {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = l.local_addr().unwrap().to_string();
        let answer = Arc::new(Mutex::new((
            200,
            "text/plain; version=0.0.4".to_string(),
            body.as_bytes().to_vec(),
        )));
        let hits = Arc::new(AtomicUsize::new(0));
        let last_headers = Arc::new(Mutex::new(BTreeMap::new()));
        let (a, h, lh) = (answer.clone(), hits.clone(), last_headers.clone());
        std::thread::spawn(move || {
            for s in l.incoming() {
                let Ok(mut s) = s else { continue };
                let (a, h, lh) = (a.clone(), h.clone(), lh.clone());
                std::thread::spawn(move || {
                    if let Some((_, _, headers, _)) = read_request(&mut s) {
                        *lh.lock().unwrap() = headers;
                        h.fetch_add(1, Ordering::SeqCst);
                        let (status, ct, body) = a.lock().unwrap().clone();
                        respond(&mut s, status, &[("Content-Type", ct)], &body);
                    }
                });
            }
        });
        MockTarget {
            addr,
            answer,
            hits,
            last_headers,
        }
    }

    /// Changes the answer.
    pub fn set(&self, status: u16, content_type: &str, body: &str) {
        *self.answer.lock().unwrap() = (status, content_type.to_string(), body.as_bytes().to_vec());
    }
}

/// A received sample.
#[derive(Clone, Debug)]
pub struct Got {
    /// Labels.
    pub labels: BTreeMap<String, String>,
    /// Timestamp.
    pub ts: i64,
    /// Value.
    pub value: f64,
}

impl Got {
    /// The metric name.
    pub fn name(&self) -> &str {
        self.labels
            .get("__name__")
            .map(String::as_str)
            .unwrap_or("")
    }
    /// True for a staleness marker.
    pub fn is_stale(&self) -> bool {
        river_agent::prom::is_stale_nan(self.value)
    }
}

/// A remote-write receiver recording samples; its HTTP answer can be scripted.
pub struct RwReceiver {
    /// `127.0.0.1:port`.
    pub addr: String,
    /// Every sample accepted, in arrival order.
    pub samples: Arc<Mutex<Vec<Got>>>,
    /// Statuses to answer with before accepting (front first), with a Retry-After value.
    pub script: Script,
    /// Requests seen (all of them).
    pub requests: Arc<AtomicUsize>,
    /// Headers of the last request.
    pub last_headers: Arc<Mutex<BTreeMap<String, String>>>,
}

impl RwReceiver {
    /// Starts on a free port.
    pub fn start() -> RwReceiver {
        Self::start_on(TcpListener::bind("127.0.0.1:0").unwrap())
    }

    /// Starts on `l`.
    pub fn start_on(l: TcpListener) -> RwReceiver {
        let addr = l.local_addr().unwrap().to_string();
        let samples = Arc::new(Mutex::new(Vec::new()));
        let script: Script = Arc::new(Mutex::new(Vec::new()));
        let requests = Arc::new(AtomicUsize::new(0));
        let last_headers = Arc::new(Mutex::new(BTreeMap::new()));
        let (sm, sc, rq, lh) = (
            samples.clone(),
            script.clone(),
            requests.clone(),
            last_headers.clone(),
        );
        std::thread::spawn(move || {
            for s in l.incoming() {
                let Ok(mut s) = s else { continue };
                let Some((_, _, headers, body)) = read_request(&mut s) else {
                    continue;
                };
                rq.fetch_add(1, Ordering::SeqCst);
                *lh.lock().unwrap() = headers;
                let next = {
                    let mut g = sc.lock().unwrap();
                    if g.is_empty() {
                        None
                    } else {
                        Some(g.remove(0))
                    }
                };
                if let Some((status, after)) = next {
                    let h: Vec<(&str, String)> =
                        after.map(|a| ("Retry-After", a)).into_iter().collect();
                    respond(&mut s, status, &h, b"scripted failure");
                    continue;
                }
                match decode(&body) {
                    Ok(req) => {
                        let mut g = sm.lock().unwrap();
                        for ts in req.timeseries {
                            let labels: BTreeMap<String, String> = ts
                                .labels
                                .iter()
                                .map(|l| (l.name.clone(), l.value.clone()))
                                .collect();
                            for smp in ts.samples {
                                g.push(Got {
                                    labels: labels.clone(),
                                    ts: smp.timestamp,
                                    value: smp.value,
                                });
                            }
                        }
                        drop(g);
                        respond(&mut s, 204, &[], b"");
                    }
                    Err(e) => respond(&mut s, 400, &[], e.to_string().as_bytes()),
                }
            }
        });
        RwReceiver {
            addr,
            samples,
            script,
            requests,
            last_headers,
        }
    }

    /// The URL to configure.
    pub fn url(&self) -> String {
        format!("http://{}/api/v1/write", self.addr)
    }

    /// Samples of metric `name`.
    pub fn named(&self, name: &str) -> Vec<Got> {
        self.samples
            .lock()
            .unwrap()
            .iter()
            .filter(|g| g.name() == name)
            .cloned()
            .collect()
    }

    /// All samples so far.
    pub fn all(&self) -> Vec<Got> {
        self.samples.lock().unwrap().clone()
    }
}

/// Whether an executable is on the PATH.
pub fn have(bin: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {bin}")])
        .stdout(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
}

/// Skips (or fails, under `RIVER_E2E_REQUIRED=1`) a test whose external programs are missing.
pub fn require(bins: &[&str]) -> bool {
    let missing: Vec<&&str> = bins.iter().filter(|b| !have(b)).collect();
    if missing.is_empty() {
        return true;
    }
    let msg = format!("\n!!! {missing:?} not installed: this test is SKIPPED (apt-get install prometheus prometheus-node-exporter)\n");
    if std::env::var("RIVER_E2E_REQUIRED").as_deref() == Ok("1") {
        panic!("{msg}!!! RIVER_E2E_REQUIRED=1, failing.");
    }
    eprintln!("{msg}");
    false
}

/// A real Prometheus with the remote-write receiver on.
pub struct Prometheus {
    /// `127.0.0.1:port`.
    pub addr: String,
    dir: PathBuf,
    child: Option<Child>,
}

impl Prometheus {
    /// Starts Prometheus with its TSDB under `dir`.
    pub fn start(dir: &Path) -> Prometheus {
        let port = super::common::agent::free_port();
        let mut p = Prometheus {
            addr: format!("127.0.0.1:{port}"),
            dir: dir.to_path_buf(),
            child: None,
        };
        std::fs::create_dir_all(dir).unwrap();
        std::fs::write(
            dir.join("prometheus.yml"),
            "global:\n  scrape_interval: 1m\n",
        )
        .unwrap();
        p.spawn();
        p
    }

    fn spawn(&mut self) {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.join("prometheus.log"))
            .unwrap();
        let child = Command::new("prometheus")
            .arg(format!(
                "--config.file={}",
                self.dir.join("prometheus.yml").display()
            ))
            .arg(format!("--web.listen-address={}", self.addr))
            .arg(format!(
                "--storage.tsdb.path={}",
                self.dir.join("tsdb").display()
            ))
            .arg("--web.enable-remote-write-receiver")
            .arg("--log.level=warn")
            .stdout(Stdio::from(log.try_clone().unwrap()))
            .stderr(Stdio::from(log))
            .spawn()
            .expect("spawn prometheus");
        self.child = Some(child);
        let addr = self.addr.clone();
        let ok = super::common::agent::wait_for(Duration::from_secs(60), || {
            (super::common::agent::get(&addr, "/-/ready").0 == 200).then_some(())
        });
        assert!(ok.is_some(), "prometheus not ready:\n{}", self.logs());
    }

    /// The remote-write URL.
    pub fn write_url(&self) -> String {
        format!("http://{}/api/v1/write", self.addr)
    }

    /// Its log.
    pub fn logs(&self) -> String {
        std::fs::read_to_string(self.dir.join("prometheus.log")).unwrap_or_default()
    }

    /// Stops it (SIGTERM, wait).
    pub fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = Command::new("kill")
                .arg("-TERM")
                .arg(c.id().to_string())
                .status();
            let _ = c.wait();
        }
    }

    /// Starts it again on the same address and data.
    pub fn restart(&mut self) {
        self.spawn();
    }

    /// An instant query at `time` (seconds, now if `None`); the `data.result` array.
    pub fn query(&self, promql: &str, time: Option<f64>) -> Vec<serde_json::Value> {
        let mut q = format!("/api/v1/query?query={}", urlencode(promql));
        if let Some(t) = time {
            q.push_str(&format!("&time={t:.3}"));
        }
        let (s, body) = super::common::agent::get(&self.addr, &q);
        assert_eq!(s, 200, "query {promql}: {body}");
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        v["data"]["result"].as_array().cloned().unwrap_or_default()
    }

    /// A query whose result is `{label → value}` for one label of each element.
    pub fn query_by(&self, promql: &str, label: &str, time: Option<f64>) -> BTreeMap<String, f64> {
        self.query(promql, time)
            .iter()
            .map(|r| {
                let k = r["metric"][label].as_str().unwrap_or("").to_string();
                let v: f64 = r["value"][1]
                    .as_str()
                    .unwrap_or("nan")
                    .parse()
                    .unwrap_or(f64::NAN);
                (k, v)
            })
            .collect()
    }

    /// A scalar-ish query: the first element's value, if any.
    pub fn value(&self, promql: &str, time: Option<f64>) -> Option<f64> {
        self.query(promql, time)
            .first()
            .and_then(|r| r["value"][1].as_str().and_then(|s| s.parse().ok()))
    }
}

impl Drop for Prometheus {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// Percent-encodes a query parameter.
pub fn urlencode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Seconds since the epoch.
pub fn now_secs() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64()
}

/// `synth_targets.py` serving `n` targets.
pub struct Synth {
    child: Child,
    /// The file_sd JSON it wrote.
    pub sd_file: PathBuf,
    /// Target addresses.
    pub addrs: Vec<String>,
}

/// Where `synth_targets.py` lives (`$SYNTH_TARGETS`, default `../shared/tools/synth_targets.py`
/// or `../../shared/tools/synth_targets.py`).
pub fn synth_script() -> PathBuf {
    if let Some(p) = std::env::var_os("SYNTH_TARGETS") {
        return PathBuf::from(p);
    }
    // The project sits next to `shared/` (or, in a worktree, one level further down).
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let near = root.join("../shared/tools/synth_targets.py");
    if near.exists() {
        return near;
    }
    root.join("../../shared/tools/synth_targets.py")
}

impl Synth {
    /// Starts it; waits until the SD file exists.
    pub fn start(dir: &Path, targets: usize, series: usize) -> Option<Synth> {
        let script = synth_script();
        if !script.exists() {
            eprintln!("\n!!! {} not found: test SKIPPED\n", script.display());
            if std::env::var("RIVER_E2E_REQUIRED").as_deref() == Ok("1") {
                panic!("synth_targets.py missing");
            }
            return None;
        }
        let sd_file = dir.join("targets.json");
        // A base port with room for all targets (free-port probing per port is overkill). A
        // port already taken makes the generator exit: then try another range.
        for attempt in 0..4usize {
            let base =
                21000 + ((std::process::id() as usize + attempt * 37) % 90) * 100 + (targets % 7);
            let _ = std::fs::remove_file(&sd_file);
            let log_path = dir.join("synth.log");
            let log = std::fs::File::create(&log_path).unwrap();
            let mut child = Command::new("python3")
                .arg(&script)
                .args([
                    "--targets",
                    &targets.to_string(),
                    "--series",
                    &series.to_string(),
                ])
                .args(["--base-port", &base.to_string(), "--sd-file"])
                .arg(&sd_file)
                .stdout(Stdio::from(log.try_clone().unwrap()))
                .stderr(Stdio::from(log))
                .spawn()
                .expect("python3");
            let ok = super::common::agent::wait_for(Duration::from_secs(30), || {
                if sd_file.exists() {
                    return Some(true);
                }
                matches!(child.try_wait(), Ok(Some(_))).then_some(false)
            });
            if ok == Some(true) {
                let addrs = (0..targets)
                    .map(|i| format!("127.0.0.1:{}", base + i))
                    .collect();
                return Some(Synth {
                    child,
                    sd_file,
                    addrs,
                });
            }
            let _ = child.kill();
            let _ = child.wait();
            eprintln!(
                "synth_targets on ports {base}+ did not start (attempt {attempt}):\n{}",
                std::fs::read_to_string(&log_path).unwrap_or_default()
            );
        }
        panic!("synth_targets did not start (4 port ranges tried)");
    }
}

impl Drop for Synth {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A real `prometheus-node-exporter` on a free loopback port.
pub struct NodeExporter {
    child: Child,
    /// `127.0.0.1:port`.
    pub addr: String,
}

impl NodeExporter {
    /// Starts it and waits until `/metrics` answers.
    pub fn start(dir: &Path) -> NodeExporter {
        let port = super::common::agent::free_port();
        let addr = format!("127.0.0.1:{port}");
        let log = std::fs::File::create(dir.join("node_exporter.log")).unwrap();
        let child = Command::new("prometheus-node-exporter")
            .arg(format!("--web.listen-address={addr}"))
            .stdout(Stdio::from(log.try_clone().unwrap()))
            .stderr(Stdio::from(log))
            .spawn()
            .expect("spawn prometheus-node-exporter");
        let ok = super::common::agent::wait_for(Duration::from_secs(30), || {
            (super::common::agent::get(&addr, "/metrics").0 == 200).then_some(())
        });
        assert!(ok.is_some(), "node_exporter did not start");
        NodeExporter { child, addr }
    }
}

impl Drop for NodeExporter {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
