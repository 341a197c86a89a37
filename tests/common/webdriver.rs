//! A minimal W3C WebDriver client (JSON over HTTP with reqwest) for driving a real headless
//! Chromium through `chromedriver` in the browser tests.
//!
//! ```ignore
//! let Some(driver) = ChromeDriver::start_or_skip().await else { return };
//! let s = driver.new_session().await?;
//! s.goto("http://127.0.0.1:8080/").await?;
//! let row = s.wait_for("[data-key='x']", Duration::from_secs(10)).await?;
//! row.click().await?;
//! ```
//!
//! Binaries: `$CHROMEDRIVER` or `chromedriver` on PATH; the browser from `$CHROME_BIN`, else
//! Debian's `/usr/lib/chromium/chromium`, else `chromium` on PATH. When they are missing the
//! tests say so loudly and skip, unless `RIVER_BROWSER_REQUIRED=1` (then they fail).
#![allow(dead_code)]

use std::net::TcpListener;
use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::Engine as _;
use serde_json::{json, Value};

/// The key under which WebDriver returns element references.
const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";

/// What went wrong talking to the browser.
#[derive(Debug, thiserror::Error)]
pub enum WebDriverError {
    /// A required program is not installed.
    #[error("{0} not found (install Debian packages chromium and chromium-driver)")]
    Missing(&'static str),
    /// chromedriver could not be started.
    #[error("starting chromedriver {path}: {source}")]
    Spawn {
        /// The binary.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// The HTTP exchange with chromedriver failed.
    #[error("{command}: HTTP: {source}")]
    Http {
        /// The WebDriver command (method and path).
        command: String,
        /// The transport error.
        source: reqwest::Error,
    },
    /// chromedriver answered with a WebDriver error.
    #[error("{command}: {error}: {message}")]
    Protocol {
        /// The WebDriver command (method and path).
        command: String,
        /// The WebDriver error code, e.g. `no such element`.
        error: String,
        /// The driver's message (first line).
        message: String,
    },
    /// An answer did not have the expected shape.
    #[error("{command}: unexpected answer: {answer}")]
    Shape {
        /// The WebDriver command.
        command: String,
        /// The answer, shortened.
        answer: String,
    },
    /// A wait gave up.
    #[error("timed out after {0:?} waiting for {1}")]
    Timeout(Duration, String),
    /// Writing a screenshot failed.
    #[error("writing {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
}

/// Result of a WebDriver operation.
pub type Result<T> = std::result::Result<T, WebDriverError>;

/// Chromium command-line flags that work in containers without a display or sandbox.
pub const CHROMIUM_FLAGS: &[&str] = &[
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--window-size=1400,900",
];

fn find_in_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

/// The chromedriver binary, if installed.
pub fn chromedriver_path() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("CHROMEDRIVER") {
        return Some(PathBuf::from(p));
    }
    find_in_path("chromedriver")
}

/// The browser binary, if installed. Debian's `/usr/bin/chromium` is a shell wrapper; the real
/// binary next to it starts faster and prints nothing.
pub fn chrome_path() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("CHROME_BIN") {
        return Some(PathBuf::from(p));
    }
    let debian = Path::new("/usr/lib/chromium/chromium");
    if debian.is_file() {
        return Some(debian.to_path_buf());
    }
    ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .find_map(|n| find_in_path(n))
}

/// A running chromedriver process. On drop (also when a test panics) it ends the sessions still
/// open, so their browsers quit, then stops chromedriver and anything left in its process group.
pub struct ChromeDriver {
    child: Child,
    url: String,
    chrome: PathBuf,
    http: reqwest::Client,
    /// URLs of the sessions not closed yet.
    open: Arc<Mutex<Vec<String>>>,
    /// Browser profiles, one directory per session; removed after everything has stopped
    /// (a browser may still write to its profile just after its session ends).
    profiles: tempfile::TempDir,
}

impl ChromeDriver {
    /// Starts chromedriver, or returns `None` after printing why the browser tests are skipped.
    /// Panics instead of skipping when `RIVER_BROWSER_REQUIRED=1`.
    pub async fn start_or_skip() -> Option<ChromeDriver> {
        match ChromeDriver::start().await {
            Ok(d) => Some(d),
            Err(e) => {
                let msg = format!("\n\n!!! BROWSER TESTS SKIPPED: {e}\n");
                if std::env::var("RIVER_BROWSER_REQUIRED").as_deref() == Ok("1") {
                    panic!("{msg}!!! RIVER_BROWSER_REQUIRED=1, failing.\n");
                }
                eprintln!("{msg}");
                None
            }
        }
    }

    /// Starts chromedriver on a free loopback port and waits until it is ready.
    pub async fn start() -> Result<ChromeDriver> {
        let driver = chromedriver_path().ok_or(WebDriverError::Missing("chromedriver"))?;
        let chrome = chrome_path().ok_or(WebDriverError::Missing("chromium"))?;
        let port = free_port().map_err(|source| WebDriverError::Spawn {
            path: driver.clone(),
            source,
        })?;
        let child = Command::new(&driver)
            .arg(format!("--port={port}"))
            // Its own process group, so the browsers it starts can be stopped with it.
            .process_group(0)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|source| WebDriverError::Spawn {
                path: driver.clone(),
                source,
            })?;
        let profiles = tempfile::tempdir().map_err(|source| WebDriverError::Io {
            path: std::env::temp_dir(),
            source,
        })?;
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(120))
            .build()
            .map_err(|source| WebDriverError::Http {
                command: "client".into(),
                source,
            })?;
        let me = ChromeDriver {
            child,
            url: format!("http://127.0.0.1:{port}"),
            chrome,
            http,
            open: Arc::default(),
            profiles,
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let ready = me
                .http
                .get(format!("{}/status", me.url))
                .send()
                .await
                .ok()
                .map(|r| r.bytes());
            if let Some(body) = ready {
                if let Ok(bytes) = body.await {
                    let v: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
                    if v["value"]["ready"] == json!(true) {
                        return Ok(me);
                    }
                }
            }
            if Instant::now() > deadline {
                return Err(WebDriverError::Timeout(
                    Duration::from_secs(20),
                    "chromedriver /status".into(),
                ));
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Opens a new headless browser session with a fresh profile directory.
    pub async fn new_session(&self) -> Result<Session> {
        let profile = {
            let open = lock(&self.open);
            self.profiles
                .path()
                .join(format!("profile-{}", open.len() + 1))
        };
        let profile = unique_dir(profile)?;
        let mut args: Vec<String> = CHROMIUM_FLAGS.iter().map(|s| s.to_string()).collect();
        args.push(format!("--user-data-dir={}", profile.display()));
        let caps = json!({
            "capabilities": {
                "alwaysMatch": {
                    "browserName": "chrome",
                    "goog:chromeOptions": { "binary": self.chrome, "args": args },
                    "pageLoadStrategy": "normal",
                    "timeouts": { "script": 60000, "pageLoad": 60000, "implicit": 0 }
                }
            }
        });
        let v = call(
            &self.http,
            reqwest::Method::POST,
            &format!("{}/session", self.url),
            Some(caps),
        )
        .await?;
        let id = v["sessionId"]
            .as_str()
            .ok_or_else(|| WebDriverError::Shape {
                command: "POST /session".into(),
                answer: short(&v),
            })?
            .to_string();
        let base = format!("{}/session/{id}", self.url);
        lock(&self.open).push(base.clone());
        Ok(Session {
            inner: Arc::new(SessionInner {
                http: self.http.clone(),
                base,
                open: self.open.clone(),
            }),
        })
    }
}

/// Creates `path`, or `path-2`, `path-3`, … if it exists.
fn unique_dir(path: PathBuf) -> Result<PathBuf> {
    let mut candidate = path.clone();
    let mut n = 1;
    loop {
        match std::fs::create_dir(&candidate) {
            Ok(()) => return Ok(candidate),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && n < 1000 => {
                n += 1;
                candidate = PathBuf::from(format!("{}-{n}", path.display()));
            }
            Err(source) => {
                return Err(WebDriverError::Io {
                    path: candidate,
                    source,
                })
            }
        }
    }
}

fn lock(m: &Mutex<Vec<String>>) -> std::sync::MutexGuard<'_, Vec<String>> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Drop for ChromeDriver {
    fn drop(&mut self) {
        let open = std::mem::take(&mut *lock(&self.open));
        if !open.is_empty() {
            // Drop cannot await, and may run inside the test's runtime: a thread of its own.
            let _ = std::thread::spawn(move || {
                let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                else {
                    return;
                };
                rt.block_on(async {
                    let Ok(http) = reqwest::Client::builder()
                        .timeout(Duration::from_secs(15))
                        .build()
                    else {
                        return;
                    };
                    for url in open {
                        let _ = http.delete(&url).send().await;
                    }
                });
            })
            .join();
        }
        // Only what this helper started: chromedriver's own process group, then chromedriver.
        let _ = Command::new("kill")
            .args(["-TERM", "--", &format!("-{}", self.child.id())])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> std::io::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

fn short(v: &Value) -> String {
    let s = v.to_string();
    if s.len() > 300 {
        format!("{}…", &s[..s.floor_char_boundary(300)])
    } else {
        s
    }
}

/// One WebDriver command; returns the answer's `value`.
async fn call(
    http: &reqwest::Client,
    method: reqwest::Method,
    url: &str,
    body: Option<Value>,
) -> Result<Value> {
    let command = format!(
        "{method} {}",
        url.split_once("/session").map_or(url, |(_, p)| p)
    );
    let mut req = http.request(method, url);
    if let Some(b) = body {
        req = req
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(b.to_string());
    }
    let resp = req.send().await.map_err(|source| WebDriverError::Http {
        command: command.clone(),
        source,
    })?;
    let bytes = resp.bytes().await.map_err(|source| WebDriverError::Http {
        command: command.clone(),
        source,
    })?;
    let v: Value = serde_json::from_slice(&bytes).map_err(|_| WebDriverError::Shape {
        command: command.clone(),
        answer: String::from_utf8_lossy(&bytes[..bytes.len().min(300)]).into_owned(),
    })?;
    let value = v.get("value").cloned().unwrap_or(Value::Null);
    if let Some(err) = value.get("error").and_then(Value::as_str) {
        let message = value["message"]
            .as_str()
            .unwrap_or("")
            .lines()
            .next()
            .unwrap_or("");
        return Err(WebDriverError::Protocol {
            command,
            error: err.to_string(),
            message: message.to_string(),
        });
    }
    // `POST /session` answers { value: { sessionId, capabilities } }.
    Ok(value)
}

struct SessionInner {
    http: reqwest::Client,
    base: String,
    open: Arc<Mutex<Vec<String>>>,
}

/// A browser session. Call [`Session::close`] at the end; a session left open is closed when
/// its [`ChromeDriver`] is dropped.
#[derive(Clone)]
pub struct Session {
    inner: Arc<SessionInner>,
}

/// A reference to an element on the current page.
#[derive(Clone)]
pub struct Element {
    session: Session,
    id: String,
}

impl Session {
    async fn cmd(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Result<Value> {
        call(
            &self.inner.http,
            method,
            &format!("{}{path}", self.inner.base),
            body,
        )
        .await
    }

    /// Loads a URL and waits for the page's load event.
    pub async fn goto(&self, url: &str) -> Result<()> {
        self.cmd(reqwest::Method::POST, "/url", Some(json!({ "url": url })))
            .await?;
        Ok(())
    }

    /// The current page URL.
    pub async fn current_url(&self) -> Result<String> {
        let v = self.cmd(reqwest::Method::GET, "/url", None).await?;
        Ok(v.as_str().unwrap_or_default().to_string())
    }

    /// History back.
    pub async fn back(&self) -> Result<()> {
        self.cmd(reqwest::Method::POST, "/back", Some(json!({})))
            .await?;
        Ok(())
    }

    /// Resizes the window.
    pub async fn set_window_size(&self, width: u32, height: u32) -> Result<()> {
        self.cmd(
            reqwest::Method::POST,
            "/window/rect",
            Some(json!({ "width": width, "height": height })),
        )
        .await?;
        Ok(())
    }

    fn element(&self, v: &Value, command: &str) -> Result<Element> {
        let id = v[ELEMENT_KEY]
            .as_str()
            .ok_or_else(|| WebDriverError::Shape {
                command: command.into(),
                answer: short(v),
            })?;
        Ok(Element {
            session: self.clone(),
            id: id.to_string(),
        })
    }

    /// The first element matching a CSS selector.
    pub async fn find(&self, css: &str) -> Result<Element> {
        let v = self
            .cmd(
                reqwest::Method::POST,
                "/element",
                Some(json!({ "using": "css selector", "value": css })),
            )
            .await?;
        self.element(&v, "find")
    }

    /// Every element matching a CSS selector.
    pub async fn find_all(&self, css: &str) -> Result<Vec<Element>> {
        let v = self
            .cmd(
                reqwest::Method::POST,
                "/elements",
                Some(json!({ "using": "css selector", "value": css })),
            )
            .await?;
        v.as_array()
            .map(|a| a.iter().map(|e| self.element(e, "find_all")).collect())
            .unwrap_or_else(|| Ok(Vec::new()))
    }

    /// Waits until an element matching `css` exists.
    pub async fn wait_for(&self, css: &str, timeout: Duration) -> Result<Element> {
        let deadline = Instant::now() + timeout;
        loop {
            match self.find(css).await {
                Ok(e) => return Ok(e),
                Err(WebDriverError::Protocol { error, .. }) if error == "no such element" => {}
                Err(e) => return Err(e),
            }
            if Instant::now() > deadline {
                return Err(WebDriverError::Timeout(timeout, format!("element {css}")));
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Waits until a script returns something truthy, and returns it.
    pub async fn wait_until(&self, script: &str, timeout: Duration) -> Result<Value> {
        let deadline = Instant::now() + timeout;
        loop {
            let v = self.execute(script, vec![]).await?;
            let truthy =
                !matches!(&v, Value::Null | Value::Bool(false)) && v != json!(0) && v != json!("");
            if truthy {
                return Ok(v);
            }
            if Instant::now() > deadline {
                return Err(WebDriverError::Timeout(
                    timeout,
                    format!("script `{script}`"),
                ));
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Runs a synchronous script (`return …;`) with arguments and returns its result.
    pub async fn execute(&self, script: &str, args: Vec<Value>) -> Result<Value> {
        self.cmd(
            reqwest::Method::POST,
            "/execute/sync",
            Some(json!({ "script": script, "args": args })),
        )
        .await
    }

    /// Runs an asynchronous script: it gets a callback as its last argument
    /// (`arguments[arguments.length - 1]`) and its result is what the callback receives.
    pub async fn execute_async(&self, script: &str, args: Vec<Value>) -> Result<Value> {
        self.cmd(
            reqwest::Method::POST,
            "/execute/async",
            Some(json!({ "script": script, "args": args })),
        )
        .await
    }

    /// A PNG screenshot of the viewport.
    pub async fn screenshot(&self) -> Result<Vec<u8>> {
        let v = self.cmd(reqwest::Method::GET, "/screenshot", None).await?;
        let b64 = v.as_str().ok_or_else(|| WebDriverError::Shape {
            command: "screenshot".into(),
            answer: short(&v),
        })?;
        base64::engine::general_purpose::STANDARD
            .decode(b64)
            .map_err(|_| WebDriverError::Shape {
                command: "screenshot".into(),
                answer: "invalid base64".into(),
            })
    }

    /// Saves a PNG screenshot of the viewport.
    pub async fn save_screenshot(&self, path: &Path) -> Result<()> {
        let png = self.screenshot().await?;
        std::fs::write(path, png).map_err(|source| WebDriverError::Io {
            path: path.to_path_buf(),
            source,
        })
    }

    /// Ends the session (closes the browser).
    pub async fn close(self) -> Result<()> {
        lock(&self.inner.open).retain(|u| *u != self.inner.base);
        self.cmd(reqwest::Method::DELETE, "", None).await?;
        Ok(())
    }
}

impl Element {
    async fn cmd(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Result<Value> {
        self.session
            .cmd(method, &format!("/element/{}{path}", self.id), body)
            .await
    }

    /// The element's rendered text.
    pub async fn text(&self) -> Result<String> {
        let v = self.cmd(reqwest::Method::GET, "/text", None).await?;
        Ok(v.as_str().unwrap_or_default().to_string())
    }

    /// An attribute (`None` when absent).
    pub async fn attr(&self, name: &str) -> Result<Option<String>> {
        let v = self
            .cmd(reqwest::Method::GET, &format!("/attribute/{name}"), None)
            .await?;
        Ok(v.as_str().map(str::to_string))
    }

    /// A DOM property, e.g. `textContent` (unlike [`Element::text`], includes hidden text).
    pub async fn property(&self, name: &str) -> Result<Value> {
        self.cmd(reqwest::Method::GET, &format!("/property/{name}"), None)
            .await
    }

    /// Clicks it.
    pub async fn click(&self) -> Result<()> {
        self.cmd(reqwest::Method::POST, "/click", Some(json!({})))
            .await?;
        Ok(())
    }

    /// Clears an input.
    pub async fn clear(&self) -> Result<()> {
        self.cmd(reqwest::Method::POST, "/clear", Some(json!({})))
            .await?;
        Ok(())
    }

    /// Types into it.
    pub async fn send_keys(&self, text: &str) -> Result<()> {
        self.cmd(
            reqwest::Method::POST,
            "/value",
            Some(json!({ "text": text })),
        )
        .await?;
        Ok(())
    }

    /// Elements inside it matching a CSS selector.
    pub async fn find_all(&self, css: &str) -> Result<Vec<Element>> {
        let v = self
            .cmd(
                reqwest::Method::POST,
                "/elements",
                Some(json!({ "using": "css selector", "value": css })),
            )
            .await?;
        v.as_array()
            .map(|a| {
                a.iter()
                    .map(|e| self.session.element(e, "find_all"))
                    .collect()
            })
            .unwrap_or_else(|| Ok(Vec::new()))
    }

    /// The element as a script argument.
    pub fn as_arg(&self) -> Value {
        json!({ ELEMENT_KEY: self.id })
    }
}
