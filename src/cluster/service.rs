//! The cluster service: one tokio task that owns the membership core, plus the cloneable
//! [`ClusterHandle`] everything else uses (view watch, state changes, HTTP routes, shutdown).
//!
//! The task multiplexes: inbound packets (from the HTTP handlers' queue), sync requests,
//! results of outbound syncs and DNS resolution, commands from handles, and the core's
//! timers. It publishes a new [`ClusterView`] on a `watch` channel at most once per second
//! (burst 1), always publishing the last change once the quiet period ends.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use prometheus_client::registry::Registry;
use tokio::sync::{mpsc, oneshot, watch};
use tokio::time::Instant;

use super::config::{ClusterConfigError, ClusterOptions};
use super::join::{JoinEntry, JoinResolver, LazySystemDns};
use super::membership::core::{
    CoreConfig, MembershipCore, Output, StateError, StateOutcome, SyncToken, Timing,
};
use super::membership::identity::process_start_stamp;
use super::membership::readiness::ReadinessGate;
use super::membership::throttle::Throttle;
use super::membership::wire::SyncMessage;
use super::membership::{ClusterView, NodeIdentity, NodeState};
use super::metrics::ClusterMetrics;
use super::peer_addr::PeerAddr;
use super::ring::NodeName;
use super::transport::client::ClientError;
use super::transport::{router, ClientSettings, Outbound, PeerClients, SyncCall, TransportInbox};

/// Minimum time between two published views (upstream's 1/s notification limiter).
pub const NOTIFY_INTERVAL: Duration = Duration::from_secs(1);
/// Longest a graceful shutdown may take.
const SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(12);
/// Most inbound packets handled before looking at other inputs again.
const PACKET_BATCH: usize = 256;

/// Everything the service needs, resolved from [`ClusterOptions`].
#[derive(Debug, Clone)]
pub struct ServiceSettings {
    /// This node's name.
    pub node_name: NodeName,
    /// The address peers dial.
    pub advertise: PeerAddr,
    /// `--cluster.name`.
    pub cluster_name: String,
    /// Parsed join addresses (ports defaulted).
    pub join: Vec<JoinEntry>,
    /// `--cluster.max-join-peers`.
    pub max_join_peers: usize,
    /// Protocol timings (rejoin interval included).
    pub timing: Timing,
    /// How peers are dialled.
    pub client: ClientSettings,
    /// `--cluster.wait-for-size`.
    pub wait_for_size: usize,
    /// `--cluster.wait-timeout`.
    pub wait_timeout: Duration,
    /// Minimum time between published views.
    pub notify_interval: Duration,
}

impl ServiceSettings {
    /// Resolves the options: advertise address (inferred or looked up once) and join list,
    /// ports defaulting to `listen_port` (the port of `--server.http.listen-addr`).
    pub async fn from_options(
        opts: &ClusterOptions,
        listen_port: u16,
    ) -> Result<Self, ClusterConfigError> {
        opts.validate()?;
        let advertise = opts.resolve_advertise_address(listen_port).await?;
        let timing = Timing {
            rejoin_interval: opts.rejoin_interval,
            ..Timing::default()
        };
        Ok(ServiceSettings {
            node_name: opts.node_name.clone(),
            advertise,
            cluster_name: opts.cluster_name.clone(),
            join: opts.join_entries(listen_port)?,
            max_join_peers: opts.max_join_peers,
            timing,
            client: ClientSettings {
                http_version: opts.peer_http_version,
                tls: opts.tls.clone(),
                ..ClientSettings::default()
            },
            wait_for_size: opts.wait_for_size,
            wait_timeout: opts.wait_timeout,
            notify_interval: NOTIFY_INTERVAL,
        })
    }
}

/// The service could not start.
#[derive(Debug, thiserror::Error)]
pub enum ClusterStartError {
    /// Invalid options.
    #[error(transparent)]
    Config(#[from] ClusterConfigError),
    /// The peer HTTP client could not be built (TLS files).
    #[error(transparent)]
    Client(#[from] ClientError),
}

/// A request to the cluster service failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClusterError {
    /// The state change is not allowed.
    #[error(transparent)]
    State(#[from] StateError),
    /// The service task has stopped.
    #[error("the cluster service has stopped")]
    Stopped,
}

enum Command {
    SetState {
        state: NodeState,
        reply: oneshot::Sender<Result<StateOutcome, StateError>>,
    },
    Leave {
        reply: oneshot::Sender<()>,
    },
}

enum TaskResult {
    Sync {
        token: SyncToken,
        result: Result<SyncMessage, String>,
    },
    Resolved(Result<Vec<PeerAddr>, String>),
}

#[derive(Clone)]
enum Control {
    /// Clustering disabled: a one-node cluster whose view is edited in place.
    Standalone(Arc<watch::Sender<ClusterView>>),
    /// Clustering enabled: talk to the owner task.
    Running {
        commands: mpsc::Sender<Command>,
        inbox: TransportInbox,
        metrics: ClusterMetrics,
    },
}

/// Cloneable handle to the cluster service.
///
/// How the runtime uses it:
///
/// 1. Build it: [`ClusterHandle::start`] when `--cluster.enabled`, else
///    [`ClusterHandle::standalone`] (a one-node cluster: ready, owns everything).
/// 2. Mount [`ClusterHandle::router`] on the main HTTP server (both cases: when disabled the
///    routes answer 404 "clustering is disabled") and, when enabled, register the metrics with
///    [`ClusterHandle::register_metrics`].
/// 3. Give components [`ClusterHandle::subscribe`]: a `watch::Receiver<ClusterView>` that
///    changes at most once per second; call [`ClusterView::owns`] per target key.
/// 4. After the first successful config load: `set_state(NodeState::Participant)`.
/// 5. On shutdown: [`ClusterHandle::shutdown`] (terminating → leave), then stop the server.
#[derive(Clone)]
pub struct ClusterHandle {
    view: watch::Receiver<ClusterView>,
    control: Control,
}

impl ClusterHandle {
    /// A one-node cluster for when clustering is disabled (node starts as a viewer and owns
    /// everything, like upstream).
    pub fn standalone(name: NodeName, addr: PeerAddr) -> Self {
        let (tx, rx) = watch::channel(ClusterView::standalone(name, addr, NodeState::Viewer));
        ClusterHandle {
            view: rx,
            control: Control::Standalone(Arc::new(tx)),
        }
    }

    /// Resolves `opts` and starts the service task (must run inside a tokio runtime).
    pub async fn from_options(
        opts: &ClusterOptions,
        listen_port: u16,
    ) -> Result<Self, ClusterStartError> {
        if !opts.enabled {
            let addr = opts.resolve_advertise_address(listen_port).await?;
            return Ok(ClusterHandle::standalone(opts.node_name.clone(), addr));
        }
        let settings = ServiceSettings::from_options(opts, listen_port).await?;
        ClusterHandle::start(settings)
    }

    /// Starts the service task with resolved settings (inside a tokio runtime).
    pub fn start(settings: ServiceSettings) -> Result<Self, ClusterStartError> {
        let metrics = ClusterMetrics::new(&settings.cluster_name);
        metrics.set_minimum_size(settings.wait_for_size);
        let clients = PeerClients::new(settings.client.clone())?;
        let identity = NodeIdentity::new(
            settings.node_name.clone(),
            process_start_stamp(),
            settings.advertise.clone(),
        );
        let core = MembershipCore::new(
            CoreConfig {
                identity: identity.clone(),
                cluster_name: settings.cluster_name.clone(),
                has_join_addresses: !settings.join.is_empty(),
                timing: settings.timing.clone(),
                seed: rand::random(),
            },
            metrics.clone(),
        );
        let mut initial = ClusterView::standalone(
            settings.node_name.clone(),
            settings.advertise.clone(),
            NodeState::Viewer,
        );
        initial.enabled = true;
        initial.cluster_name = settings.cluster_name.clone();
        // Not ready until the first join round is over (see `MembershipCore::joining`).
        initial.ready = settings.wait_for_size == 0 && settings.join.is_empty();
        let (view_tx, view_rx) = watch::channel(initial);
        let (inbox, sync_rx) = TransportInbox::new(metrics.clone());
        let (cmd_tx, cmd_rx) = mpsc::channel(32);
        let (result_tx, result_rx) = mpsc::channel(256);
        let resolver = Arc::new(JoinResolver::new(
            settings.join.clone(),
            LazySystemDns::default(),
            settings.max_join_peers,
            Some(settings.advertise.clone()),
        ));
        let origin = Instant::now();
        let task = ServiceTask {
            gate: ReadinessGate::new(
                settings.wait_for_size,
                settings.wait_timeout,
                Duration::ZERO,
            ),
            throttle: Throttle::new(settings.notify_interval),
            outbound: Outbound::new(clients.clone(), metrics.clone()),
            core,
            clients,
            resolver,
            metrics: metrics.clone(),
            packets: inbox.packets.clone(),
            view_tx,
            pending: None,
            origin,
            result_tx,
            leave_waiters: Vec::new(),
        };
        tracing::info!(
            node = %identity.name,
            advertise = %identity.addr,
            cluster = %settings.cluster_name,
            "starting cluster node"
        );
        tokio::spawn(task.run(cmd_rx, sync_rx, result_rx));
        Ok(ClusterHandle {
            view: view_rx,
            control: Control::Running {
                commands: cmd_tx,
                inbox,
                metrics,
            },
        })
    }

    /// A receiver of the cluster view; it changes at most once per second.
    pub fn subscribe(&self) -> watch::Receiver<ClusterView> {
        self.view.clone()
    }

    /// The latest published view.
    pub fn view(&self) -> ClusterView {
        self.view.borrow().clone()
    }

    /// Asks for a state change (viewer→participant, participant→terminating). Returns once
    /// the change is applied locally and queued for broadcast, or deferred (see
    /// [`StateOutcome::Deferred`]: e.g. while the first join round runs or while another live
    /// process holds this node's name).
    pub async fn set_state(&self, state: NodeState) -> Result<StateOutcome, ClusterError> {
        match &self.control {
            Control::Standalone(tx) => {
                let mut result = Ok(StateOutcome::Unchanged);
                tx.send_if_modified(|v| {
                    if v.self_state == state {
                        return false;
                    }
                    if !v.self_state.can_transition_to(state) {
                        result = Err(ClusterError::State(StateError::InvalidTransition {
                            from: v.self_state,
                            to: state,
                        }));
                        return false;
                    }
                    v.self_state = state;
                    for p in &mut v.peers {
                        p.state = state;
                    }
                    v.rebuild_ring_if_needed();
                    result = Ok(StateOutcome::Applied);
                    true
                });
                result
            }
            Control::Running { commands, .. } => {
                let (reply, rx) = oneshot::channel();
                commands
                    .send(Command::SetState { state, reply })
                    .await
                    .map_err(|_| ClusterError::Stopped)?;
                rx.await
                    .map_err(|_| ClusterError::Stopped)?
                    .map_err(ClusterError::from)
            }
        }
    }

    /// Leaves the cluster gracefully (terminating, wait for a peer to acknowledge, hold
    /// briefly, announce departure, flush) and stops the service task. Bounded to ~12 s.
    pub async fn shutdown(&self) {
        match &self.control {
            Control::Standalone(_) => {
                let _ = self.set_state(NodeState::Terminating).await;
            }
            Control::Running { commands, .. } => {
                let (reply, rx) = oneshot::channel();
                if commands.send(Command::Leave { reply }).await.is_ok() {
                    let _ = tokio::time::timeout(SHUTDOWN_TIMEOUT, rx).await;
                }
            }
        }
    }

    /// The `/api/v1/cluster/*` routes to merge into the main HTTP router.
    pub fn router(&self) -> axum::Router {
        match &self.control {
            Control::Standalone(_) => router(None),
            Control::Running { inbox, .. } => router(Some(inbox.clone())),
        }
    }

    /// Registers the cluster metrics (nothing when clustering is disabled, as upstream).
    pub fn register_metrics(&self, registry: &mut Registry) {
        if let Control::Running { metrics, .. } = &self.control {
            metrics.register(registry);
        }
    }

    /// The metrics handles (None when clustering is disabled).
    pub fn metrics(&self) -> Option<&ClusterMetrics> {
        match &self.control {
            Control::Running { metrics, .. } => Some(metrics),
            Control::Standalone(_) => None,
        }
    }
}

struct ServiceTask {
    core: MembershipCore,
    gate: ReadinessGate,
    throttle: Throttle,
    outbound: Outbound,
    clients: PeerClients,
    resolver: Arc<JoinResolver<LazySystemDns>>,
    metrics: ClusterMetrics,
    packets: Arc<super::transport::queue::DropOldestQueue<Bytes>>,
    view_tx: watch::Sender<ClusterView>,
    /// The newest view not yet published (held back by the throttle).
    pending: Option<ClusterView>,
    origin: Instant,
    result_tx: mpsc::Sender<TaskResult>,
    leave_waiters: Vec<oneshot::Sender<()>>,
}

impl ServiceTask {
    fn now(&self) -> Duration {
        self.origin.elapsed()
    }

    async fn run(
        mut self,
        mut commands: mpsc::Receiver<Command>,
        mut syncs: mpsc::Receiver<SyncCall>,
        mut results: mpsc::Receiver<TaskResult>,
    ) {
        self.core.start(self.now());
        let packets = self.packets.clone();
        loop {
            let left = self.dispatch().await;
            self.refresh_view();
            if left {
                self.finish().await;
                return;
            }
            let wake = [
                self.core.next_deadline(),
                self.throttle.next_due(),
                self.gate.deadline(),
            ]
            .into_iter()
            .flatten()
            .min()
            .unwrap_or(Duration::from_secs(3600));
            tokio::select! {
                cmd = commands.recv() => match cmd {
                    Some(Command::SetState { state, reply }) => {
                        let r = self.core.request_state(self.now(), state);
                        let _ = reply.send(r);
                    }
                    Some(Command::Leave { reply }) => {
                        self.leave_waiters.push(reply);
                        self.core.begin_leave(self.now());
                    }
                    None => {
                        // Every handle is gone: stop without ceremony.
                        self.packets.close();
                        return;
                    }
                },
                Some(call) = syncs.recv() => {
                    let r = self.core.handle_sync_request(self.now(), call.message);
                    let _ = call.reply.send(r);
                }
                Some(res) = results.recv() => match res {
                    TaskResult::Sync { token, result } => {
                        self.core.handle_sync_response(self.now(), token, result);
                    }
                    TaskResult::Resolved(r) => self.core.handle_resolved(self.now(), r),
                },
                _ = packets.wait() => {
                    let now = self.now();
                    for p in packets.drain(PACKET_BATCH) {
                        self.core.handle_packet(now, &p);
                    }
                    self.metrics.set_rx_queue_len(packets.len());
                }
                _ = tokio::time::sleep_until(self.origin + wake) => {}
            }
            let now = self.now();
            self.core.poll_timers(now);
            if self.gate.on_time(now) {
                // Readiness changed without a membership change: notify anyway.
                let mut v = self
                    .pending
                    .take()
                    .unwrap_or_else(|| self.view_tx.borrow().clone());
                v.ready = self.gate.ready() && v.conflict.is_none() && !self.core.joining();
                self.pending = Some(v);
                self.throttle.changed(now);
            }
        }
    }

    /// Carries out the core's outputs; returns true once the leave has completed.
    async fn dispatch(&mut self) -> bool {
        let mut outs = Vec::new();
        self.core.drain_outputs(&mut outs);
        let mut left = false;
        for o in outs {
            match o {
                Output::Packet { to, data } => self.outbound.send(to, data),
                Output::Sync { token, to, message } => {
                    let clients = self.clients.clone();
                    let tx = self.result_tx.clone();
                    tokio::spawn(async move {
                        let result = clients.sync(&to, &message).await;
                        if let Err(e) = &result {
                            tracing::debug!(peer = %to, error = %e, "cluster sync failed");
                        }
                        let _ = tx.send(TaskResult::Sync { token, result }).await;
                    });
                }
                Output::ResolveJoin => {
                    let resolver = self.resolver.clone();
                    let tx = self.result_tx.clone();
                    tokio::spawn(async move {
                        let r = resolver.resolve().await.map_err(|e| e.to_string());
                        let _ = tx.send(TaskResult::Resolved(r)).await;
                    });
                }
                Output::Left => left = true,
            }
        }
        left
    }

    /// Folds core changes into the pending view and publishes it when the throttle allows.
    fn refresh_view(&mut self) {
        let now = self.now();
        if self.core.take_dirty() {
            let mut v = self
                .pending
                .take()
                .unwrap_or_else(|| self.view_tx.borrow().clone());
            v.self_state = self.core.state();
            v.peers = self.core.peers();
            v.conflict = self.core.conflict().map(str::to_string);
            v.join_failing = self.core.join_failing();
            v.rebuild_ring_if_needed();
            let non_viewers = v
                .peers
                .iter()
                .filter(|p| p.state != NodeState::Viewer)
                .count();
            self.gate.on_update(non_viewers, now);
            v.ready = self.gate.ready() && v.conflict.is_none() && !self.core.joining();
            self.pending = Some(v);
            self.throttle.changed(now);
        }
        if self.throttle.due(now) {
            self.publish(now);
        }
    }

    fn publish(&mut self, now: Duration) {
        if let Some(v) = self.pending.take() {
            self.metrics.set_ready(v.ready);
            self.view_tx.send_replace(v);
        }
        self.throttle.published(now);
    }

    /// After the leave: flush queued packets, publish the final view, wake waiters.
    async fn finish(&mut self) {
        self.outbound.flush(Duration::from_secs(1)).await;
        self.packets.close();
        let now = self.now();
        self.publish(now);
        for w in self.leave_waiters.drain(..) {
            let _ = w.send(());
        }
        tracing::info!("left the cluster");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::config::PeerHttpVersion;
    use crate::cluster::keys::TargetKey;
    use std::net::SocketAddr;

    struct TestNode {
        handle: ClusterHandle,
        addr: SocketAddr,
        server: tokio::task::JoinHandle<()>,
    }

    async fn node(name: &str, join: &[SocketAddr], http: PeerHttpVersion) -> TestNode {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let settings = ServiceSettings {
            node_name: name.into(),
            advertise: addr.into(),
            cluster_name: "loopback".into(),
            join: join
                .iter()
                .map(|a| JoinEntry::Ip {
                    ip: a.ip(),
                    port: a.port(),
                })
                .collect(),
            max_join_peers: 0,
            timing: Timing::default(),
            client: ClientSettings {
                http_version: http,
                ..ClientSettings::default()
            },
            wait_for_size: 0,
            wait_timeout: Duration::ZERO,
            notify_interval: Duration::from_millis(250),
        };
        let handle = ClusterHandle::start(settings).unwrap();
        let app = handle.router();
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        TestNode {
            handle,
            addr,
            server,
        }
    }

    /// Waits (up to 30 s) until `cond` holds for the node's published view.
    async fn wait_view(n: &TestNode, what: &str, cond: impl Fn(&ClusterView) -> bool) {
        let mut rx = n.handle.subscribe();
        let ok = tokio::time::timeout(Duration::from_secs(30), async {
            loop {
                if cond(&rx.borrow_and_update()) {
                    return;
                }
                if rx.changed().await.is_err() {
                    return;
                }
            }
        })
        .await;
        assert!(
            ok.is_ok() && cond(&n.handle.view()),
            "timed out waiting for {what}: {:?}",
            n.handle.view()
        );
    }

    fn names(v: &ClusterView) -> Vec<&str> {
        v.participants.iter().map(NodeName::as_str).collect()
    }

    async fn three_nodes_converge_and_leave(http: PeerHttpVersion) {
        let a = node("a", &[], http).await;
        let b = node("b", &[a.addr], http).await;
        let c = node("c", &[a.addr, b.addr], http).await;
        for n in [&a, &b, &c] {
            n.handle.set_state(NodeState::Participant).await.unwrap();
        }
        for n in [&a, &b, &c] {
            wait_view(n, "three participants", |v| names(v) == ["a", "b", "c"]).await;
        }
        // Ownership partitions the key space: each key is owned by exactly one node.
        let views: Vec<ClusterView> = [&a, &b, &c].iter().map(|n| n.handle.view()).collect();
        for i in 0..300u64 {
            let key = TargetKey(xxhash_rust::xxh64::xxh64(&i.to_le_bytes(), 0));
            assert_eq!(views.iter().filter(|v| v.owns(key)).count(), 1);
        }

        // Graceful leave of c: its own view passes through terminating.
        let mut rx = c.handle.subscribe();
        let seen = tokio::spawn(async move {
            let mut states = vec![rx.borrow_and_update().self_state];
            while rx.changed().await.is_ok() {
                let s = rx.borrow_and_update().self_state;
                if states.last() != Some(&s) {
                    states.push(s);
                }
            }
            states
        });
        c.handle.shutdown().await;
        for n in [&a, &b] {
            wait_view(n, "c gone", |v| {
                names(v) == ["a", "b"] && v.peers.iter().all(|p| p.name.as_str() != "c")
            })
            .await;
        }
        drop(c.handle);
        c.server.abort();
        let states = tokio::time::timeout(Duration::from_secs(5), seen)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            states,
            vec![NodeState::Participant, NodeState::Terminating],
            "c went participant → terminating before leaving"
        );
        let m = a.handle.metrics().unwrap();
        assert!(m.event_count(crate::cluster::metrics::event::NODE_LEAVE) >= 1);
        let mut reg = Registry::default();
        a.handle.register_metrics(&mut reg);
        let mut text = String::new();
        prometheus_client::encoding::text::encode(&mut text, &reg).unwrap();
        assert!(
            !text.contains("cluster_transport_tx_packets_total{cluster_name=\"loopback\"} 0\n"),
            "{text}"
        );
        for n in [a, b] {
            n.handle.shutdown().await;
            n.server.abort();
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn loopback_h2c() {
        three_nodes_converge_and_leave(PeerHttpVersion::H2c).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn loopback_http1() {
        three_nodes_converge_and_leave(PeerHttpVersion::Http1).await;
    }

    /// Creates a CA and one certificate for `agents.internal` (server and client use) with
    /// the openssl CLI; `None` when openssl is not installed.
    fn make_certs(dir: &std::path::Path) -> Option<crate::cluster::config::ClusterTls> {
        let run = |args: &[&str]| {
            std::process::Command::new("openssl")
                .args(args)
                .current_dir(dir)
                .output()
                .map(|o| o.status.success())
                .unwrap_or(false)
        };
        let ec = [
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
        ];
        let mut ca = vec!["req", "-x509"];
        ca.extend(ec);
        ca.extend([
            "-keyout",
            "ca.key",
            "-out",
            "ca.pem",
            "-days",
            "1",
            "-subj",
            "/CN=test-ca",
        ]);
        let mut csr = vec!["req"];
        csr.extend(ec);
        csr.extend([
            "-keyout",
            "key.pem",
            "-out",
            "req.csr",
            "-subj",
            "/CN=agents.internal",
        ]);
        std::fs::write(
            dir.join("ext.cnf"),
            "subjectAltName=DNS:agents.internal\nextendedKeyUsage=serverAuth,clientAuth\n",
        )
        .ok()?;
        let sign = [
            "x509",
            "-req",
            "-in",
            "req.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            "cert.pem",
            "-days",
            "1",
            "-extfile",
            "ext.cnf",
        ];
        (run(&ca) && run(&csr) && run(&sign)).then(|| crate::cluster::config::ClusterTls {
            ca_path: dir.join("ca.pem"),
            cert_path: dir.join("cert.pem"),
            key_path: dir.join("key.pem"),
            server_name: Some("agents.internal".into()),
        })
    }

    /// Serves `app` over TLS (ALPN h2 and http/1.1) on `listener`.
    fn serve_tls(
        listener: tokio::net::TcpListener,
        app: axum::Router,
        tls: &crate::cluster::config::ClusterTls,
    ) -> tokio::task::JoinHandle<()> {
        use tokio_rustls::rustls::pki_types::pem::PemObject;
        use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};
        let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(&tls.cert_path)
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        let key = PrivateKeyDer::from_pem_file(&tls.key_path).unwrap();
        let mut cfg = tokio_rustls::rustls::ServerConfig::builder()
            .with_no_client_auth()
            .with_single_cert(certs, key)
            .unwrap();
        cfg.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(cfg));
        tokio::spawn(async move {
            while let Ok((tcp, _)) = listener.accept().await {
                let acceptor = acceptor.clone();
                let app = app.clone();
                tokio::spawn(async move {
                    let Ok(stream) = acceptor.accept(tcp).await else {
                        return;
                    };
                    let io = hyper_util::rt::TokioIo::new(stream);
                    let svc = hyper_util::service::TowerToHyperService::new(app);
                    let _ = hyper_util::server::conn::auto::Builder::new(
                        hyper_util::rt::TokioExecutor::new(),
                    )
                    .serve_connection(io, svc)
                    .await;
                });
            }
        })
    }

    /// Two nodes gossip over TLS, dialling each other by IP and verifying the certificate
    /// against `--cluster.tls-server-name`.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn loopback_tls() {
        let dir = tempfile::tempdir().unwrap();
        let Some(tls) = make_certs(dir.path()) else {
            eprintln!("openssl not available: skipping the TLS test");
            return;
        };
        let mut nodes = Vec::new();
        let mut first: Option<SocketAddr> = None;
        for name in ["a", "b"] {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            let settings = ServiceSettings {
                node_name: name.into(),
                advertise: addr.into(),
                cluster_name: "tls".into(),
                join: first
                    .iter()
                    .map(|a| JoinEntry::Ip {
                        ip: a.ip(),
                        port: a.port(),
                    })
                    .collect(),
                max_join_peers: 0,
                timing: Timing::default(),
                client: ClientSettings {
                    tls: Some(tls.clone()),
                    ..ClientSettings::default()
                },
                wait_for_size: 0,
                wait_timeout: Duration::ZERO,
                notify_interval: Duration::from_millis(250),
            };
            let handle = ClusterHandle::start(settings).unwrap();
            let server = serve_tls(listener, handle.router(), &tls);
            handle.set_state(NodeState::Participant).await.unwrap();
            first.get_or_insert(addr);
            nodes.push(TestNode {
                handle,
                addr,
                server,
            });
        }
        for n in &nodes {
            wait_view(n, "two participants over TLS", |v| names(v) == ["a", "b"]).await;
        }
        for n in nodes {
            n.handle.shutdown().await;
            n.server.abort();
        }
    }

    /// Measures (does not assert) how long a crashed node stays listed on loopback.
    /// `cargo test --lib cluster::service -- --ignored --nocapture loopback_crash`
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    #[ignore]
    async fn loopback_crash_detection_time() {
        let a = node("a", &[], PeerHttpVersion::H2c).await;
        let b = node("b", &[a.addr], PeerHttpVersion::H2c).await;
        let c = node("c", &[a.addr], PeerHttpVersion::H2c).await;
        for n in [&a, &b, &c] {
            n.handle.set_state(NodeState::Participant).await.unwrap();
        }
        for n in [&a, &b, &c] {
            wait_view(n, "three participants", |v| names(v) == ["a", "b", "c"]).await;
        }
        let crashed_at = Instant::now();
        drop(c.handle);
        c.server.abort();
        let mut seen = Vec::new();
        for n in [&a, &b] {
            let mut rx = n.handle.subscribe();
            while rx
                .borrow_and_update()
                .peers
                .iter()
                .any(|p| p.name.as_str() == "c")
            {
                let _ = tokio::time::timeout(Duration::from_secs(60), rx.changed()).await;
            }
            seen.push(crashed_at.elapsed());
        }
        println!(
            "loopback crash of 1 of 3 nodes: removed from every view after {:?}",
            seen.iter().max()
        );
    }

    #[tokio::test]
    async fn endpoints_answer_bad_input_without_panicking() {
        use crate::cluster::transport::{MESSAGE_CONTENT_TYPE, MESSAGE_PATH, SYNC_PATH};
        let n = node("solo", &[], PeerHttpVersion::H2c).await;
        let disabled = ClusterHandle::standalone("off".into(), PeerAddr::new("127.0.0.1:1"));
        let off_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let off_addr = off_listener.local_addr().unwrap();
        let off_app = disabled.router();
        tokio::spawn(async move {
            let _ = axum::serve(off_listener, off_app).await;
        });
        let http = reqwest::Client::new();
        let post = |addr: SocketAddr, path: &str, ct: &str, body: Vec<u8>| {
            http.post(format!("http://{addr}{path}"))
                .header("content-type", ct)
                .body(body)
                .send()
        };
        let status = |r: reqwest::Response| r.status().as_u16();
        let m = MESSAGE_CONTENT_TYPE;
        assert_eq!(
            status(post(off_addr, MESSAGE_PATH, m, vec![]).await.unwrap()),
            404
        );
        assert_eq!(
            status(
                post(off_addr, SYNC_PATH, "application/json", vec![])
                    .await
                    .unwrap()
            ),
            404
        );
        assert_eq!(
            status(
                post(n.addr, MESSAGE_PATH, m, vec![0, 0, 0, 9, 1])
                    .await
                    .unwrap()
            ),
            400
        );
        assert_eq!(
            status(
                post(n.addr, MESSAGE_PATH, "text/plain", vec![])
                    .await
                    .unwrap()
            ),
            400
        );
        assert_eq!(
            status(
                post(n.addr, MESSAGE_PATH, m, vec![0, 0, 0, 2, 7, 7])
                    .await
                    .unwrap()
            ),
            202
        );
        let big = vec![0u8; server_limits::MAX_MESSAGE_BODY + 10];
        assert_eq!(
            status(post(n.addr, MESSAGE_PATH, m, big).await.unwrap()),
            413
        );
        assert_eq!(
            status(
                post(n.addr, SYNC_PATH, "application/json", b"{".to_vec())
                    .await
                    .unwrap()
            ),
            400
        );
        // A sync from another cluster is refused with 409 and counted.
        let foreign = serde_json::json!({
            "cluster_name": "elsewhere",
            "from": {"name": "x", "start": 1, "bump": 0, "addr": "127.0.0.1:9"},
            "members": [],
            "records": []
        });
        let r = post(
            n.addr,
            SYNC_PATH,
            "application/json",
            foreign.to_string().into_bytes(),
        )
        .await
        .unwrap();
        assert_eq!(status(r), 409);
        // The refusal is counted.
        let metrics = n.handle.metrics().unwrap().clone();
        let deadline = Instant::now() + Duration::from_secs(5);
        while metrics.rx_wrong_cluster_count() < 1 && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert_eq!(metrics.rx_wrong_cluster_count(), 1);
        n.handle.shutdown().await;
        assert_eq!(
            status(
                post(n.addr, MESSAGE_PATH, m, vec![0, 0, 0, 1, 7])
                    .await
                    .unwrap()
            ),
            503
        );
        n.server.abort();
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn unreachable_join_address_is_reported() {
        let closed = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap()
        };
        let n = node("lonely", &[closed], PeerHttpVersion::H2c).await;
        assert!(
            !n.handle.view().ready,
            "not ready while the first join round runs"
        );
        n.handle.set_state(NodeState::Participant).await.unwrap();
        wait_view(&n, "join failure reported", |v| v.join_failing && v.ready).await;
        let v = n.handle.view();
        assert_eq!(
            v.self_state,
            NodeState::Participant,
            "works alone meanwhile"
        );
        assert!(v.owns(TargetKey(7)));
        assert!(n.handle.metrics().unwrap().join_failures_count() >= 1);
        n.handle.shutdown().await;
        n.server.abort();
    }

    #[tokio::test]
    async fn standalone_owns_everything_and_follows_state_rules() {
        let h = ClusterHandle::standalone("solo".into(), PeerAddr::new("127.0.0.1:1"));
        assert!(h.view().owns(TargetKey(42)));
        assert_eq!(
            h.set_state(NodeState::Participant).await,
            Ok(StateOutcome::Applied)
        );
        assert!(h.view().owns(TargetKey(42)));
        assert_eq!(names(&h.view()), ["solo"]);
        assert!(h.set_state(NodeState::Viewer).await.is_err());
        h.shutdown().await;
        assert_eq!(h.view().self_state, NodeState::Terminating);
        assert!(h.metrics().is_none());
    }

    mod server_limits {
        pub use crate::cluster::transport::server::MAX_MESSAGE_BODY;
    }
}
