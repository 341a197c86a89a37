//! `agent run`: load a configuration, run it, serve HTTP, join the cluster.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use sha2::Digest;
use tokio_util::sync::CancellationToken;

use super::report::{print_diagnostics, Sources};
use super::Exit;
use crate::cluster::config::{listen_port_from_addr, ClusterFlags, ClusterOptions};
use crate::cluster::membership::NodeState;
use crate::cluster::service::ClusterHandle;
use crate::runtime::component::Stability;
use crate::runtime::controller::{self, ControllerHandle, ControllerOptions};
use crate::runtime::loader::Source;
use crate::runtime::logging::StderrLogging;
use crate::runtime::metrics::ControllerMetrics;
use crate::syntax::{Diagnostic, Diagnostics};

/// Flags of `agent run`.
#[derive(clap::Args, Debug, Clone)]
pub struct RunFlags {
    /// Address the HTTP server (API, UI, metrics, cluster gossip) listens on.
    #[arg(long = "server.http.listen-addr", default_value = "127.0.0.1:12345")]
    pub listen_addr: String,
    /// Pseudo-address components use to reach the agent in-process.
    #[arg(
        long = "server.http.memory-addr",
        default_value = "agent.internal:12345"
    )]
    pub memory_addr: String,
    /// Path prefix under which the UI and its API are served.
    #[arg(long = "server.http.ui-path-prefix", default_value = "/")]
    pub ui_path_prefix: String,
    /// PEM certificate for serving HTTPS (with --server.http.tls-key-file).
    #[arg(long = "server.http.tls-cert-file", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// PEM private key for serving HTTPS.
    #[arg(long = "server.http.tls-key-file", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
    /// Directory for components' durable state (one subdirectory per component).
    #[arg(long = "storage.path", default_value = "data-agent/")]
    pub storage_path: PathBuf,
    /// Minimum stability level of components that may be used.
    #[arg(long = "stability.level", default_value = "generally-available", value_parser = ["generally-available", "public-preview", "experimental"])]
    pub stability: String,
    /// Configuration format (only River is supported).
    #[arg(long = "config.format", default_value = "river", value_parser = ["river", "flow", "alloy"])]
    pub config_format: String,
    /// Accepted for compatibility; no usage statistics are ever sent.
    #[arg(long = "disable-reporting", default_value_t = false)]
    pub disable_reporting: bool,
    /// Cluster flags.
    #[command(flatten)]
    pub cluster: ClusterFlags,
    /// A configuration file, or a directory of *.river files.
    pub path: PathBuf,
}

/// Reads and parses the configuration at `path` (a file, or the `*.river`/`*.alloy` files
/// of a directory, by name). Returns the sources, their bytes for excerpts, and a hash.
pub fn read_config(path: &Path) -> Result<(Vec<Source>, Sources, String), (Sources, Diagnostics)> {
    let files = super::files::config_files(path).map_err(|e| {
        (
            Sources::new(),
            Diagnostics::from(Diagnostic::error(Default::default(), e)),
        )
    })?;
    let mut sources = Vec::new();
    let mut bytes = Sources::new();
    let mut diags = Vec::new();
    let mut hasher = sha2::Sha256::new();
    for f in files {
        let name = f.display().to_string();
        let src = std::fs::read(&f).map_err(|e| {
            (
                Sources::new(),
                Diagnostics::from(Diagnostic::error(
                    Default::default(),
                    format!("{name}: {e}"),
                )),
            )
        })?;
        hasher.update(&src);
        match crate::syntax::parse_file(&name, &src) {
            Ok(ast) => sources.push(Source {
                name: name.clone(),
                ast: Arc::new(ast),
            }),
            Err(d) => diags.extend(d.0),
        }
        bytes.insert(name, src);
    }
    if !diags.is_empty() {
        return Err((bytes, Diagnostics(diags)));
    }
    let hash = hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    Ok((sources, bytes, hash))
}

async fn load(
    ctl: &ControllerHandle,
    path: &Path,
    metrics: &ControllerMetrics,
) -> Result<(), (Sources, Diagnostics)> {
    let (sources, bytes, hash) = read_config(path).inspect_err(|_| {
        // The controller never saw this load; count it here.
        metrics.last_load_successful.set(0);
        metrics.load_failures.inc();
    })?;
    match ctl.load(sources, hash).await {
        Ok(r) if r.diagnostics.is_empty() => Ok(()),
        Ok(r) => Err((bytes, r.diagnostics)),
        Err(d) => Err((bytes, d)),
    }
}

/// Runs the agent until SIGINT/SIGTERM.
pub fn run(flags: RunFlags) -> Exit {
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_stack_size(16 << 20)
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("Error: cannot start the async runtime: {e}");
            return Exit::Usage;
        }
    };
    rt.block_on(run_async(flags))
}

async fn run_async(flags: RunFlags) -> Exit {
    let logging = StderrLogging::install();
    let Some(stability) = Stability::parse(&flags.stability) else {
        eprintln!("Error: invalid --stability.level {:?}", flags.stability);
        return Exit::Usage;
    };
    let cluster_opts = match ClusterOptions::try_from(flags.cluster.clone()) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("Error: {e}");
            return Exit::Usage;
        }
    };
    let tls = match (&flags.tls_cert, &flags.tls_key) {
        (Some(cert), Some(key)) => {
            match crate::http::server::tls_acceptor(&crate::http::server::TlsFiles {
                cert: cert.clone(),
                key: key.clone(),
            }) {
                Ok(a) => Some(a),
                Err(e) => {
                    eprintln!("Error: {e}");
                    return Exit::Usage;
                }
            }
        }
        _ => None,
    };

    let listener = match crate::http::server::bind(&flags.listen_addr).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("Error: {e}");
            return Exit::Usage;
        }
    };
    let port = listen_port_from_addr(&flags.listen_addr);
    let cluster = match ClusterHandle::from_options(&cluster_opts, port).await {
        Ok(c) => c,
        Err(e) => {
            eprintln!("Error: cluster: {e}");
            return Exit::Usage;
        }
    };

    let mut registry = prometheus_client::registry::Registry::default();
    let metrics = Arc::new(ControllerMetrics::new(&mut registry));
    cluster.register_metrics(&mut registry);
    let local = crate::http::local::RouterClient::new();
    let ctl = controller::start(ControllerOptions {
        registry: crate::components::registry(),
        stability,
        storage_path: flags.storage_path.clone(),
        cluster: cluster.subscribe(),
        cluster_name: cluster_opts.cluster_name.clone(),
        memory_addr: flags.memory_addr.clone(),
        local_http: local.clone(),
        metrics: metrics.clone(),
        logging,
    });

    let path = flags.path.clone();
    let reload_ctl = ctl.clone();
    let reload_lock = Arc::new(tokio::sync::Mutex::new(()));
    let reload_metrics = metrics.clone();
    let reload: crate::http::ReloadFn = Arc::new(move || {
        let ctl = reload_ctl.clone();
        let metrics = reload_metrics.clone();
        let path = path.clone();
        let lock = reload_lock.clone();
        Box::pin(async move {
            let _guard = lock.lock().await;
            match load(&ctl, &path, &metrics).await {
                Ok(()) => {
                    tracing::info!("config reloaded");
                    Ok(())
                }
                Err((_, d)) => {
                    for x in d.iter() {
                        tracing::error!("reload failed: {x}");
                    }
                    Err(d)
                }
            }
        })
    });

    let state = crate::http::AppState {
        controller: ctl.clone(),
        cluster: cluster.clone(),
        metrics: Arc::new(Mutex::new(registry)),
        reload: reload.clone(),
    };
    let app = crate::http::router(state);
    local.set(app.clone());
    let app = nest_under_prefix(app, &flags.ui_path_prefix);
    let http_stop = CancellationToken::new();
    let server = tokio::spawn(crate::http::server::serve(
        listener,
        app,
        tls,
        http_stop.clone(),
    ));
    tracing::info!(addr = %flags.listen_addr, "HTTP server listening");

    if let Err((bytes, d)) = load(&ctl, &flags.path, &metrics).await {
        print_diagnostics(&bytes, &d.0);
        eprintln!("Error: could not perform the initial load successfully");
        ctl.shutdown().await;
        cluster.shutdown().await;
        http_stop.cancel();
        let _ = server.await;
        return Exit::Invalid;
    }
    match cluster.set_state(NodeState::Participant).await {
        Ok(o) => tracing::debug!("cluster state: {o:?}"),
        Err(e) => tracing::warn!("could not become a cluster participant: {e}"),
    }
    tracing::info!("now listening for traffic; the agent is running");

    wait_for_signals(reload).await;

    tracing::info!("shutting down");
    cluster.shutdown().await;
    ctl.shutdown().await;
    http_stop.cancel();
    let _ = server.await;
    Exit::Ok
}

/// Serves the router under a path prefix for the UI; `/` means no prefix.
fn nest_under_prefix(app: axum::Router, prefix: &str) -> axum::Router {
    let p = prefix.trim_end_matches('/');
    if p.is_empty() {
        app
    } else {
        axum::Router::new().nest(p, app.clone()).merge(app)
    }
}

async fn wait_for_signals(reload: crate::http::ReloadFn) {
    use tokio::signal::unix::{signal, SignalKind};
    let (Ok(mut hup), Ok(mut term), Ok(mut int)) = (
        signal(SignalKind::hangup()),
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
    ) else {
        let _ = tokio::signal::ctrl_c().await;
        return;
    };
    loop {
        tokio::select! {
            _ = hup.recv() => {
                let _ = reload().await;
            }
            _ = term.recv() => return,
            _ = int.recv() => return,
        }
    }
}
