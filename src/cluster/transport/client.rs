//! The sending side: per-peer packet queues with one worker each, and sync requests.
//!
//! Every peer gets its own bounded drop-oldest queue and worker task, so a slow or dead peer
//! only delays packets to itself. A worker batches what is queued into one POST (several
//! frames per body) and exits after a minute of idleness.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::BytesMut;
use reqwest::header::CONTENT_TYPE;

use super::frame::put_frame;
use super::queue::DropOldestQueue;
use super::{MESSAGE_CONTENT_TYPE, MESSAGE_PATH, SYNC_PATH};
use crate::cluster::config::{ClusterTls, PeerHttpVersion};
use crate::cluster::membership::wire::SyncMessage;
use crate::cluster::metrics::ClusterMetrics;
use crate::cluster::peer_addr::PeerAddr;

/// Packets queued per peer before the oldest are dropped.
pub const PEER_QUEUE_CAPACITY: usize = 256;
/// Most frames sent in one request.
const MAX_BATCH_FRAMES: usize = 64;
/// Largest sync response accepted.
pub const MAX_SYNC_BODY: usize = 8 * 1024 * 1024;
/// A worker with nothing to send for this long exits.
const WORKER_IDLE: Duration = Duration::from_secs(60);

/// How peers are dialled.
#[derive(Debug, Clone)]
pub struct ClientSettings {
    /// Cleartext HTTP flavour (ignored with TLS, where ALPN decides).
    pub http_version: PeerHttpVersion,
    /// TLS settings, if peers are dialled over HTTPS.
    pub tls: Option<ClusterTls>,
    /// Per-request timeout.
    pub request_timeout: Duration,
    /// Connection timeout.
    pub connect_timeout: Duration,
}

impl Default for ClientSettings {
    fn default() -> Self {
        ClientSettings {
            http_version: PeerHttpVersion::H2c,
            tls: None,
            request_timeout: Duration::from_secs(5),
            connect_timeout: Duration::from_secs(2),
        }
    }
}

/// The peer client cannot be set up (bad TLS files).
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// A TLS file could not be read.
    #[error("cannot read {what} {path}: {source}")]
    ReadFile {
        /// Which file.
        what: &'static str,
        /// Its path.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// TLS material or the HTTP client could not be built.
    #[error("cannot set up the cluster peer client: {0}")]
    Build(String),
}

/// Builds HTTP clients for peers and the URLs to reach them.
#[derive(Clone)]
pub struct PeerClients {
    inner: Arc<ClientsInner>,
}

struct ClientsInner {
    settings: ClientSettings,
    tls: Option<TlsMaterial>,
    /// Client shared by all peers (connection pools are per host anyway).
    shared: reqwest::Client,
    /// With a TLS server name, each peer needs a client that resolves that name to it.
    per_peer: Mutex<HashMap<PeerAddr, reqwest::Client>>,
}

struct TlsMaterial {
    roots: Vec<reqwest::Certificate>,
    identity: reqwest::Identity,
    server_name: Option<String>,
}

impl PeerClients {
    /// Loads TLS material (if any) and builds the shared client.
    pub fn new(settings: ClientSettings) -> Result<Self, ClientError> {
        let tls = match &settings.tls {
            None => None,
            Some(t) => {
                let read = |what: &'static str, path: &std::path::Path| {
                    std::fs::read(path).map_err(|source| ClientError::ReadFile {
                        what,
                        path: path.display().to_string(),
                        source,
                    })
                };
                let ca = read("CA file", &t.ca_path)?;
                let mut pem = read("certificate file", &t.cert_path)?;
                pem.push(b'\n');
                pem.extend(read("key file", &t.key_path)?);
                let roots = reqwest::Certificate::from_pem_bundle(&ca).map_err(|e| {
                    ClientError::Build(format!("CA file {}: {e}", t.ca_path.display()))
                })?;
                let identity = reqwest::Identity::from_pem(&pem)
                    .map_err(|e| ClientError::Build(format!("certificate/key: {e}")))?;
                Some(TlsMaterial {
                    roots,
                    identity,
                    server_name: t.server_name.clone(),
                })
            }
        };
        let shared = build_client(&settings, tls.as_ref(), None)?;
        Ok(PeerClients {
            inner: Arc::new(ClientsInner {
                settings,
                tls,
                shared,
                per_peer: Mutex::new(HashMap::new()),
            }),
        })
    }

    /// The client and base URL (`scheme://host:port`) for a peer.
    fn for_peer(&self, to: &PeerAddr) -> Result<(reqwest::Client, String), String> {
        let inner = &self.inner;
        match &inner.tls {
            None => Ok((inner.shared.clone(), format!("http://{to}"))),
            Some(TlsMaterial {
                server_name: None, ..
            }) => Ok((inner.shared.clone(), format!("https://{to}"))),
            Some(
                tls @ TlsMaterial {
                    server_name: Some(name),
                    ..
                },
            ) => {
                // Dial the peer's address but present and verify `name` (peers are dialled by IP).
                let sock: SocketAddr = to.socket_addr().ok_or_else(|| {
                    format!(
                        "peer address {to} is not ip:port, needed with --cluster.tls-server-name"
                    )
                })?;
                let mut map = inner.per_peer.lock().unwrap_or_else(|e| e.into_inner());
                if map.len() > 4096 {
                    map.clear();
                }
                let client = match map.get(to) {
                    Some(c) => c.clone(),
                    None => {
                        let c = build_client(&inner.settings, Some(tls), Some((name, sock)))
                            .map_err(|e| e.to_string())?;
                        map.insert(to.clone(), c.clone());
                        c
                    }
                };
                Ok((client, format!("https://{name}:{}", sock.port())))
            }
        }
    }

    /// Performs one anti-entropy exchange with `to`.
    pub async fn sync(&self, to: &PeerAddr, message: &SyncMessage) -> Result<SyncMessage, String> {
        let (client, base) = self.for_peer(to)?;
        let body = serde_json::to_vec(message).map_err(|e| e.to_string())?;
        let mut resp = client
            .post(format!("{base}{SYNC_PATH}"))
            .header(CONTENT_TYPE, "application/json")
            .body(body)
            .send()
            .await
            .map_err(|e| format!("sync with {to}: {}", error_chain(&e)))?;
        let status = resp.status();
        let mut buf = Vec::new();
        while let Some(chunk) = resp
            .chunk()
            .await
            .map_err(|e| format!("sync with {to}: reading response: {}", error_chain(&e)))?
        {
            if buf.len() + chunk.len() > MAX_SYNC_BODY {
                return Err(format!(
                    "sync with {to}: response larger than {MAX_SYNC_BODY} bytes"
                ));
            }
            buf.extend_from_slice(&chunk);
        }
        if !status.is_success() {
            let text = String::from_utf8_lossy(&buf[..buf.len().min(300)]).into_owned();
            return Err(format!("sync with {to}: HTTP {status}: {}", text.trim()));
        }
        serde_json::from_slice(&buf).map_err(|e| format!("sync with {to}: bad response: {e}"))
    }

    async fn post_frames(&self, to: &PeerAddr, body: bytes::Bytes) -> Result<(), String> {
        let (client, base) = self.for_peer(to)?;
        let resp = client
            .post(format!("{base}{MESSAGE_PATH}"))
            .header(CONTENT_TYPE, MESSAGE_CONTENT_TYPE)
            .body(body)
            .send()
            .await
            .map_err(|e| error_chain(&e))?;
        if resp.status().is_success() {
            Ok(())
        } else {
            Err(format!("HTTP {}", resp.status()))
        }
    }
}

fn build_client(
    settings: &ClientSettings,
    tls: Option<&TlsMaterial>,
    resolve: Option<(&str, SocketAddr)>,
) -> Result<reqwest::Client, ClientError> {
    let mut b = reqwest::Client::builder()
        .timeout(settings.request_timeout)
        .connect_timeout(settings.connect_timeout)
        .pool_idle_timeout(Duration::from_secs(90))
        .no_proxy();
    match tls {
        None => {
            b = match settings.http_version {
                PeerHttpVersion::H2c => b.http2_prior_knowledge(),
                PeerHttpVersion::Http1 => b.http1_only(),
            };
        }
        Some(t) => {
            b = b
                .tls_certs_only(t.roots.clone())
                .identity(t.identity.clone());
        }
    }
    if let Some((name, addr)) = resolve {
        b = b.resolve(name, addr);
    }
    b.build().map_err(|e| ClientError::Build(error_chain(&e)))
}

/// An error with its sources, for log lines ("error sending request: connection refused").
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(src) = cur {
        s.push_str(": ");
        s.push_str(&src.to_string());
        cur = src.source();
    }
    s
}

/// Per-peer outbound packet queues. Owned by the membership task (not shared).
pub struct Outbound {
    clients: PeerClients,
    metrics: ClusterMetrics,
    peers: HashMap<PeerAddr, Arc<DropOldestQueue<Vec<u8>>>>,
    sends: u64,
}

impl Outbound {
    /// Outbound queues using `clients`.
    pub fn new(clients: PeerClients, metrics: ClusterMetrics) -> Self {
        Outbound {
            clients,
            metrics,
            peers: HashMap::new(),
            sends: 0,
        }
    }

    /// Queues one packet for `to`; never blocks. Starts the peer's worker if needed.
    pub fn send(&mut self, to: PeerAddr, packet: Vec<u8>) {
        self.sends += 1;
        if self.sends.is_multiple_of(256) {
            self.peers.retain(|_, q| !q.is_closed());
        }
        let retired = self.peers.get(&to).is_none_or(|q| q.is_closed());
        if retired {
            let q = spawn_worker(to.clone(), self.clients.clone(), self.metrics.clone());
            self.peers.insert(to.clone(), q);
        }
        let Some(queue) = self.peers.get(&to) else {
            return;
        };
        match queue.push(packet) {
            Some(dropped) => {
                self.metrics.add_tx_queue_len(1 - dropped as i64);
                self.metrics.tx_dropped(dropped as u64);
            }
            // The worker retired between the check and the push (rare): the packet is lost.
            None => self.metrics.tx_dropped(1),
        }
    }

    /// Packets waiting in all queues.
    pub fn queued(&self) -> usize {
        self.peers.values().map(|q| q.len()).sum()
    }

    /// Waits (up to `limit`) for all queues to drain, e.g. before shutting down.
    pub async fn flush(&self, limit: Duration) {
        let deadline = tokio::time::Instant::now() + limit;
        while self.queued() > 0 && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

fn spawn_worker(
    to: PeerAddr,
    clients: PeerClients,
    metrics: ClusterMetrics,
) -> Arc<DropOldestQueue<Vec<u8>>> {
    let queue: Arc<DropOldestQueue<Vec<u8>>> = Arc::new(DropOldestQueue::new(PEER_QUEUE_CAPACITY));
    let q = queue.clone();
    tokio::spawn(async move {
        loop {
            if tokio::time::timeout(WORKER_IDLE, q.wait()).await.is_err() && q.close_if_empty() {
                return;
            }
            let batch = q.drain(MAX_BATCH_FRAMES);
            if batch.is_empty() {
                continue;
            }
            let n = batch.len() as u64;
            metrics.add_tx_queue_len(-(n as i64));
            let mut body = BytesMut::new();
            for p in &batch {
                put_frame(&mut body, p);
            }
            let bytes = body.len() as u64;
            match clients.post_frames(&to, body.freeze()).await {
                Ok(()) => metrics.tx(n, bytes),
                Err(e) => {
                    metrics.tx_failed(n);
                    tracing::debug!(peer = %to, error = %e, "sending cluster packets failed");
                }
            }
        }
    });
    queue
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tls(dir: &std::path::Path) -> ClusterTls {
        ClusterTls {
            ca_path: dir.join("ca.pem"),
            cert_path: dir.join("cert.pem"),
            key_path: dir.join("key.pem"),
            server_name: Some("agents.internal".into()),
        }
    }

    #[test]
    fn missing_tls_files_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let settings = ClientSettings {
            tls: Some(tls(dir.path())),
            ..ClientSettings::default()
        };
        let err = PeerClients::new(settings).err().expect("must fail");
        assert!(err.to_string().contains("ca.pem"), "{err}");
    }

    #[test]
    fn garbage_tls_material_is_an_error_not_a_panic() {
        let dir = tempfile::tempdir().unwrap();
        for f in ["ca.pem", "cert.pem", "key.pem"] {
            std::fs::write(dir.path().join(f), b"not a pem file").unwrap();
        }
        let settings = ClientSettings {
            tls: Some(tls(dir.path())),
            ..ClientSettings::default()
        };
        assert!(PeerClients::new(settings).is_err());
    }

    #[tokio::test]
    async fn plaintext_clients_and_unreachable_peer() {
        for v in [PeerHttpVersion::H2c, PeerHttpVersion::Http1] {
            let clients = PeerClients::new(ClientSettings {
                http_version: v,
                request_timeout: Duration::from_millis(500),
                ..ClientSettings::default()
            })
            .unwrap();
            // Port 9 on loopback: nothing listens; the error names the peer.
            let msg = SyncMessage {
                cluster_name: String::new(),
                from: crate::cluster::membership::NodeIdentity::new(
                    "a".into(),
                    1,
                    PeerAddr::new("127.0.0.1:1"),
                ),
                members: Vec::new(),
                records: Vec::new(),
            };
            let err = clients
                .sync(&PeerAddr::new("127.0.0.1:9"), &msg)
                .await
                .unwrap_err();
            assert!(err.contains("127.0.0.1:9"), "{err}");
        }
    }
}
