//! Running real `agent` processes in tests.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A free loopback port (bound and released; good enough for tests).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

/// A plain HTTP/1.1 request; returns status and body.
pub fn http(
    method: &str,
    addr: &str,
    path: &str,
    body: &[u8],
    headers: &[(&str, &str)],
) -> std::io::Result<(u16, Vec<u8>)> {
    let mut s = TcpStream::connect(addr)?;
    s.set_read_timeout(Some(Duration::from_secs(30)))?;
    let mut req = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    s.write_all(req.as_bytes())?;
    s.write_all(body)?;
    let mut buf = Vec::new();
    s.read_to_end(&mut buf)?;
    let head_end = buf
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| std::io::Error::other("no header end"))?;
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let status: u16 = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let mut payload = buf[head_end + 4..].to_vec();
    if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        payload = dechunk(&payload);
    }
    Ok((status, payload))
}

fn dechunk(b: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let Some(nl) = b[i..].windows(2).position(|w| w == b"\r\n") else {
            break;
        };
        let size =
            usize::from_str_radix(String::from_utf8_lossy(&b[i..i + nl]).trim(), 16).unwrap_or(0);
        i += nl + 2;
        if size == 0 {
            break;
        }
        out.extend_from_slice(&b[i..(i + size).min(b.len())]);
        i += size + 2;
    }
    out
}

/// GET returning status and body as text.
pub fn get(addr: &str, path: &str) -> (u16, String) {
    match http("GET", addr, path, b"", &[]) {
        Ok((s, b)) => (s, String::from_utf8_lossy(&b).into_owned()),
        Err(e) => (0, e.to_string()),
    }
}

/// GET and parse JSON.
pub fn get_json(addr: &str, path: &str) -> serde_json::Value {
    let (s, b) = get(addr, path);
    assert_eq!(s, 200, "GET {path}: {b}");
    serde_json::from_str(&b).unwrap_or_else(|e| panic!("GET {path}: {e}: {b}"))
}

/// Polls `f` until it returns `Some` or the timeout passes.
pub fn wait_for<T>(timeout: Duration, mut f: impl FnMut() -> Option<T>) -> Option<T> {
    let start = Instant::now();
    loop {
        if let Some(v) = f() {
            return Some(v);
        }
        if start.elapsed() > timeout {
            return None;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// A running `agent run` process, killed when dropped.
pub struct Agent {
    /// The child process.
    pub child: Option<Child>,
    /// `127.0.0.1:<port>`.
    pub addr: String,
    /// Working directory (config, storage, logs).
    pub dir: PathBuf,
    /// The config file.
    pub config: PathBuf,
    log: PathBuf,
    args: Vec<String>,
}

impl Agent {
    /// Starts an agent on a free port with `config` written to `<dir>/config.river`.
    pub fn start(dir: &Path, config: &str, extra: &[&str]) -> Agent {
        let port = free_port();
        Self::start_on(dir, config, port, extra)
    }

    /// Starts an agent on `port`.
    pub fn start_on(dir: &Path, config: &str, port: u16, extra: &[&str]) -> Agent {
        std::fs::create_dir_all(dir).unwrap();
        let cfg = dir.join("config.river");
        std::fs::write(&cfg, config).unwrap();
        let addr = format!("127.0.0.1:{port}");
        let mut args = vec![
            "run".to_string(),
            cfg.display().to_string(),
            format!("--server.http.listen-addr={addr}"),
            format!("--storage.path={}", dir.join("data").display()),
        ];
        args.extend(extra.iter().map(|s| s.to_string()));
        let mut a = Agent {
            child: None,
            addr,
            dir: dir.to_path_buf(),
            config: cfg,
            log: dir.join("agent.log"),
            args,
        };
        a.spawn();
        a
    }

    fn spawn(&mut self) {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log)
            .unwrap();
        let child = Command::new(super::agent_bin())
            .args(&self.args)
            .stdout(Stdio::from(log.try_clone().unwrap()))
            .stderr(Stdio::from(log))
            .spawn()
            .expect("spawn agent");
        self.child = Some(child);
    }

    /// Starts the same process again (after a stop or kill).
    pub fn restart(&mut self) {
        self.spawn();
    }

    /// Waits until `/-/ready` answers 200; panics with the log otherwise.
    pub fn wait_ready(&mut self, timeout: Duration) {
        let ok = wait_for(timeout, || {
            if let Some(c) = self.child.as_mut() {
                if let Ok(Some(st)) = c.try_wait() {
                    panic!("agent exited with {st}:\n{}", self.logs());
                }
            }
            (get(&self.addr, "/-/ready").0 == 200).then_some(())
        });
        if ok.is_none() {
            panic!(
                "agent at {} not ready after {timeout:?}:\n{}",
                self.addr,
                self.logs()
            );
        }
    }

    /// The process's output so far.
    pub fn logs(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Sends a signal (`"HUP"`, `"TERM"`, `"KILL"`).
    pub fn signal(&self, sig: &str) {
        if let Some(c) = &self.child {
            let _ = Command::new("kill")
                .arg(format!("-{sig}"))
                .arg(c.id().to_string())
                .status();
        }
    }

    /// SIGKILL and reap.
    pub fn kill9(&mut self) {
        self.signal("KILL");
        if let Some(mut c) = self.child.take() {
            let _ = c.wait();
        }
    }

    /// SIGTERM and wait for exit (up to `timeout`); returns the exit status if it exited.
    pub fn stop(&mut self, timeout: Duration) -> Option<std::process::ExitStatus> {
        self.signal("TERM");
        let mut c = self.child.take()?;
        let start = Instant::now();
        loop {
            if let Ok(Some(st)) = c.try_wait() {
                return Some(st);
            }
            if start.elapsed() > timeout {
                let _ = c.kill();
                let _ = c.wait();
                return None;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Agent {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// What a one-shot `agent` command (`fmt`, `validate`, `eval`) printed and returned.
pub struct CliRun {
    /// The exit code.
    pub code: i32,
    /// Standard output, bytes as written.
    pub stdout: Vec<u8>,
    /// Standard error, lossily decoded.
    pub stderr: String,
}

impl CliRun {
    /// Standard output, lossily decoded.
    pub fn out(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }
}

/// Runs `agent ARGS` to completion, feeding `stdin`. Fails the test on a panic (exit 101 or a
/// "panicked" message), a signal (e.g. a stack overflow) or a run longer than `limit` (a hang;
/// generous, this is not a speed test).
pub fn run_cli(args: &[&str], stdin: &[u8], limit: Duration) -> CliRun {
    let mut child = Command::new(super::agent_bin())
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .env("NO_COLOR", "1")
        .spawn()
        .expect("spawn agent");
    // Every pipe has its own thread: the agent may answer before reading all of its input, and
    // its output can exceed a pipe's buffer.
    let mut input = child.stdin.take().expect("stdin is piped");
    let data = stdin.to_vec();
    let writer = std::thread::spawn(move || {
        let _ = input.write_all(&data);
    });
    let drain = |mut pipe: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut b = Vec::new();
            let _ = pipe.read_to_end(&mut b);
            b
        })
    };
    let out_reader = drain(Box::new(child.stdout.take().expect("stdout is piped")));
    let err_reader = drain(Box::new(child.stderr.take().expect("stderr is piped")));
    let start = Instant::now();
    while child.try_wait().expect("wait").is_none() {
        if start.elapsed() > limit {
            let _ = child.kill();
            panic!("agent {args:?} still running after {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = writer.join();
    let status = child.wait().expect("wait");
    let stdout = out_reader.join().expect("stdout reader");
    let stderr = String::from_utf8_lossy(&err_reader.join().expect("stderr reader")).into_owned();
    let code = status
        .code()
        .unwrap_or_else(|| panic!("agent {args:?} killed by a signal ({status:?}):\n{stderr}"));
    assert_ne!(code, 101, "agent {args:?} panicked:\n{stderr}");
    assert!(!stderr.contains("panicked"), "agent {args:?}:\n{stderr}");
    CliRun {
        code,
        stdout,
        stderr,
    }
}
