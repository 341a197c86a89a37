//! `prometheus.scrape`: scrapes targets and forwards their samples to receivers.
//!
//! * [`arguments`]: the arguments, defaults and validation.
//! * [`target`]: from a discovered label map to a [`target::ScrapeTarget`] (URL, labels,
//!   interval).
//! * [`clustering`]: which targets this node owns.
//! * [`manager`]: one task per target, diffed on every change.
//! * [`scrape_loop`]: the loop of one target (timing, synthetic series, staleness).
//! * [`series_cache`]: the per-target cache keyed by raw series text (the hot path).
//! * [`fetch`]: HTTP or in-process fetching.
//! * [`debug`]: the UI's debug info; [`metrics`]: the component metrics.
//!
//! Every targets update and every membership change recomputes the owned set; loops of
//! targets handed to another node stop without staleness markers.

pub mod arguments;
pub mod clustering;
pub mod debug;
pub mod fetch;
pub mod manager;
pub mod metrics;
pub mod scrape_loop;
pub mod series_cache;
pub mod target;

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use futures::future::BoxFuture;
use reqwest::header::HeaderValue;
use tokio::sync::{watch, Notify};
use tokio_util::sync::CancellationToken;

use self::arguments::Arguments;
use self::fetch::Fetcher;
use self::manager::Manager;
use self::metrics::ScrapeMetrics;
use self::scrape_loop::LoopSettings;
use self::series_cache::LabelLimits;
use self::target::{ScrapeTarget, TargetDefaults};
use crate::cluster::keys::TargetKey;
use crate::cluster::membership::ClusterView;
use crate::prom::Fanout;
use crate::runtime::component::{Component, ComponentError, Context};
use crate::runtime::health::Health;

/// The `User-Agent` of scrapes and remote writes.
pub use crate::components::common::http_client::USER_AGENT;

/// Arguments turned into what the loops need (built in `build`/`update`, where errors can
/// still be reported on the block).
struct Prepared {
    clustering: bool,
    target_limit: usize,
    settings: Arc<LoopSettings>,
    targets: Vec<Arc<ScrapeTarget>>,
    invalid: usize,
}

/// The `prometheus.scrape` component.
pub struct Scrape {
    ctx: Context,
    prepared: watch::Sender<Arc<Prepared>>,
    reload: Notify,
    metrics: Arc<ScrapeMetrics>,
    manager: Mutex<Manager>,
    clustering: std::sync::atomic::AtomicBool,
}

impl Scrape {
    fn prepare(
        ctx: &Context,
        args: &Arguments,
        metrics: &Arc<ScrapeMetrics>,
    ) -> Result<Prepared, ComponentError> {
        let job = if args.job_name.is_empty() {
            ctx.id.to_string()
        } else {
            args.job_name.clone()
        };
        let v = args.validate(&job)?;
        // Bodies are decompressed by the fetcher (every gzip member), not by the client.
        let client = args
            .http_client_config()
            .build(|b| b.no_gzip().tcp_nodelay(true))
            .map_err(|e| ComponentError(e.to_string()))?;
        let fetcher = Fetcher {
            client,
            accept: HeaderValue::from_str(&v.accept)
                .map_err(|_| ComponentError::from("invalid Accept header"))?,
            body_size_limit: args.body_size_limit.0,
            gzip: args.enable_compression,
            memory_addr: ctx.memory_addr.clone(),
            local: ctx.local_http.clone(),
        };
        let settings = LoopSettings {
            honor_labels: args.honor_labels,
            honor_timestamps: args.honor_timestamps,
            track_timestamps_staleness: args.track_timestamps_staleness,
            sample_limit: args.sample_limit as usize,
            limits: LabelLimits {
                label_limit: args.label_limit as usize,
                name_length: args.label_name_length_limit as usize,
                value_length: args.label_value_length_limit as usize,
            },
            extra_metrics: args.extra_metrics,
            fallback: v.fallback,
            fetcher,
            forward: Fanout(args.forward_to.clone()),
            forced_error: None,
            metrics: metrics.clone(),
        };
        let defaults = TargetDefaults {
            job_name: job,
            scheme: args.scheme.clone(),
            metrics_path: args.metrics_path.clone(),
            params: args.params.clone(),
            interval: v.interval,
            timeout: v.timeout,
        };
        let mut seen_keys: HashSet<TargetKey> = HashSet::new();
        let mut seen_urls: HashSet<(crate::prom::Labels, String)> = HashSet::new();
        let mut targets = Vec::with_capacity(args.targets.len());
        let mut invalid = 0;
        for raw in &args.targets {
            match target::populate(raw, &defaults) {
                Ok(Some(t)) => {
                    // Identical targets (same key, or same labels and URL) are one target.
                    if seen_keys.insert(t.key)
                        && seen_urls.insert((t.labels.clone(), t.url.clone()))
                    {
                        targets.push(Arc::new(t));
                    }
                }
                Ok(None) => {}
                Err(e) => {
                    invalid += 1;
                    tracing::warn!(component = %ctx.id, "dropping target: {e}");
                }
            }
        }
        Ok(Prepared {
            clustering: args.clustering.enabled,
            target_limit: args.target_limit as usize,
            settings: Arc::new(settings),
            targets,
            invalid,
        })
    }

    /// One pass: distribute, apply the target limit, sync the loops.
    fn sync(
        &self,
        p: &Prepared,
        owned_before: &mut HashSet<TargetKey>,
        limited: &mut Option<Arc<LoopSettings>>,
    ) {
        let view: ClusterView = self.ctx.cluster.borrow().clone();
        let d = clustering::distribute(&p.targets, p.clustering, &view, owned_before);
        let mut settings = p.settings.clone();
        if p.target_limit > 0 && d.owned.len() > p.target_limit {
            self.metrics.exceeded_target_limit.inc();
            let msg = format!(
                "target_limit exceeded (number of targets: {}, limit: {})",
                d.owned.len(),
                p.target_limit
            );
            let reuse = limited
                .as_ref()
                .filter(|s| s.forced_error.as_deref() == Some(msg.as_str()));
            settings = match reuse {
                Some(s) => s.clone(),
                None => {
                    let mut s = (*p.settings).clone();
                    s.forced_error = Some(msg);
                    let s = Arc::new(s);
                    *limited = Some(s.clone());
                    s
                }
            };
        }
        let report = self
            .manager
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .sync(&d.owned, &settings, &d.moved);
        if report.moved > 0 {
            self.metrics.targets_moved.inc_by(report.moved as u64);
        }
        if report.started + report.stopped + report.moved > 0 {
            tracing::debug!(
                component = %self.ctx.id,
                started = report.started,
                stopped = report.stopped,
                moved = report.moved,
                owned = d.owned.len(),
                "scrape targets updated"
            );
        }
        self.metrics.targets.set(d.owned.len() as i64);
        self.metrics.invalid_targets.set(p.invalid as i64);
        *owned_before = d.owned.iter().map(|t| t.key).collect();
    }
}

impl Component for Scrape {
    type Arguments = Arguments;

    fn build(ctx: Context, args: Arguments) -> Result<Self, ComponentError> {
        let metrics = Arc::new(ctx.with_metrics(ScrapeMetrics::new));
        let prepared = Self::prepare(&ctx, &args, &metrics)?;
        let clustering = prepared.clustering;
        let (tx, _rx) = watch::channel(Arc::new(prepared));
        ctx.set_health(Health::healthy("ready to scrape"));
        Ok(Scrape {
            ctx,
            prepared: tx,
            reload: Notify::new(),
            metrics,
            manager: Mutex::new(Manager::new()),
            clustering: clustering.into(),
        })
    }

    fn update(&self, args: Arguments) -> Result<(), ComponentError> {
        let p = Self::prepare(&self.ctx, &args, &self.metrics).inspect_err(|e| {
            self.ctx
                .set_health(Health::unhealthy(format!("invalid arguments: {e}")));
        })?;
        self.clustering
            .store(p.clustering, std::sync::atomic::Ordering::SeqCst);
        self.prepared.send_replace(Arc::new(p));
        self.ctx.set_health(Health::healthy("ready to scrape"));
        Ok(())
    }

    fn run(
        self: Arc<Self>,
        cancel: CancellationToken,
    ) -> BoxFuture<'static, Result<(), ComponentError>> {
        Box::pin(async move {
            let mut rx = self.prepared.subscribe();
            let mut owned_before: HashSet<TargetKey> = HashSet::new();
            let mut limited: Option<Arc<LoopSettings>> = None;
            loop {
                let p = rx.borrow_and_update().clone();
                self.sync(&p, &mut owned_before, &mut limited);
                tokio::select! {
                    _ = cancel.cancelled() => break,
                    r = rx.changed() => if r.is_err() { break },
                    _ = self.reload.notified() => {}
                }
            }
            // Shutting down or removed: the series pause; no staleness markers (as upstream).
            let mut manager =
                std::mem::take(&mut *self.manager.lock().unwrap_or_else(|e| e.into_inner()));
            manager.stop_all(false).await;
            self.metrics.targets.set(0);
            Ok(())
        })
    }

    fn debug_info(&self) -> Option<Vec<crate::eval::encode::BodyStmt>> {
        let snap = self
            .manager
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .snapshot();
        debug::debug_info(snap)
    }

    fn clustering_enabled(&self) -> bool {
        self.clustering.load(std::sync::atomic::Ordering::SeqCst)
    }

    fn cluster_changed(&self, _view: &ClusterView) {
        self.reload.notify_one();
    }
}
