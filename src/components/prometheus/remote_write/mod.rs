//! `prometheus.remote_write`: a receiver that writes samples to a WAL, and one queue per
//! endpoint that sends them with remote write 1.0.
//!
//! * [`arguments`]: endpoints, `queue_config`, `write_relabel_config`, `wal`.
//! * [`store`]: the WAL (`<data_dir>/wal`, one reader per endpoint) and the exported
//!   receiver, which merges external labels and appends.
//! * [`record`]: the WAL record of a batch; [`wire`]: hand-written protobuf from
//!   pre-encoded label bytes.
//! * [`queue`]: reading, relabelling, sharding, acknowledging, resharding;
//!   [`shard`]: batching and retries; [`sender`]: one HTTP request and its meaning.
//!
//! A receiver outage only grows the WAL (bounded by 1 GiB and `max_keepalive_time`); the
//! queues resume from their acknowledged position, also across restarts.

pub mod arguments;
pub mod metrics;
pub mod queue;
pub mod record;
pub mod sender;
pub mod shard;
pub mod store;
pub mod wire;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use arc_swap::ArcSwap;
use futures::future::BoxFuture;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use self::arguments::{Arguments, EndpointOptions};
use self::metrics::{EndpointLabels, QueueMetrics, RemoteWriteMetrics};
use self::queue::{run_queue, QueueConfig};
use self::sender::Sender;
use self::shard::ShardSettings;
use self::store::{WalAppender, WalStore};
use crate::eval::Value;
use crate::prom::wal::{ReaderStart, WalOptions};
use crate::prom::{Labels, Receiver};
use crate::runtime::component::{Component, ComponentError, Context};
use crate::runtime::health::Health;

/// How long a stopping queue may keep sending what it holds.
pub const FLUSH_DEADLINE: Duration = Duration::from_secs(10);

/// An endpoint ready to run.
struct PreparedEndpoint {
    options: EndpointOptions,
    config: Arc<QueueConfig>,
    labels: EndpointLabels,
}

/// Arguments turned into running parts.
struct Prepared {
    endpoints: Vec<PreparedEndpoint>,
    maintain_every: Duration,
}

struct RunningQueue {
    options: EndpointOptions,
    labels: EndpointLabels,
    cancel: CancellationToken,
    task: JoinHandle<()>,
}

/// The `prometheus.remote_write` component.
pub struct RemoteWrite {
    ctx: Context,
    store: Arc<WalStore>,
    appender: Arc<WalAppender>,
    metrics: RemoteWriteMetrics,
    prepared: watch::Sender<Arc<Prepared>>,
}

fn prepare(args: &Arguments, metrics: &RemoteWriteMetrics) -> Result<Prepared, ComponentError> {
    args.validate()?;
    let mut endpoints = Vec::new();
    for e in &args.endpoint {
        let client = e
            .http_client_config()
            .build(|b| b.no_gzip().tcp_nodelay(true))
            .map_err(|e| ComponentError(e.to_string()))?;
        let q = &e.queue_config;
        let labels = EndpointLabels {
            remote_name: e.remote_name(),
            url: e.url.clone(),
        };
        let config = QueueConfig {
            reader: e.reader_name(),
            remote_name: e.remote_name(),
            sender: Sender::new(client, e)?,
            rules: e.rules()?,
            capacity: q.capacity as usize,
            min_shards: q.min_shards as usize,
            max_shards: q.max_shards as usize,
            shard: ShardSettings {
                max_samples: q.max_samples_per_send as usize,
                deadline: q.batch_send_deadline.to_std_saturating(),
                min_backoff: q.min_backoff.to_std_saturating(),
                max_backoff: q.max_backoff.to_std_saturating(),
                sample_age_limit: q.sample_age_limit.to_std_saturating(),
            },
            flush_deadline: FLUSH_DEADLINE,
            metrics: QueueMetrics::new(metrics, &labels, q.min_shards, q.max_shards),
        };
        endpoints.push(PreparedEndpoint {
            options: e.clone(),
            config: Arc::new(config),
            labels,
        });
    }
    Ok(Prepared {
        endpoints,
        maintain_every: args
            .wal
            .truncate_frequency
            .to_std_saturating()
            .min(Duration::from_secs(10)),
    })
}

fn external_labels(args: &Arguments) -> Labels {
    Labels::from_pairs(
        args.external_labels
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str())),
    )
}

impl RemoteWrite {
    /// Registers a WAL reader for every endpoint (new ones start at the newest record).
    fn add_readers(&self, p: &Prepared) -> Result<(), ComponentError> {
        for e in &p.endpoints {
            self.store
                .with_wal(|w| w.add_reader(&e.config.reader, ReaderStart::Newest))
                .map_err(|e| ComponentError(format!("WAL: {e}")))?;
        }
        Ok(())
    }

    /// Removes WAL readers no endpoint uses, so their data does not pin the WAL.
    fn remove_unused_readers(&self, p: &Prepared) {
        let wanted: Vec<&str> = p
            .endpoints
            .iter()
            .map(|e| e.config.reader.as_str())
            .collect();
        let stale: Vec<String> = self.store.with_wal(|w| {
            w.readers()
                .filter(|r| !wanted.contains(r))
                .map(str::to_string)
                .collect()
        });
        for r in stale {
            if let Err(e) = self.store.with_wal(|w| w.remove_reader(&r)) {
                tracing::warn!(component = %self.ctx.id, "cannot remove WAL reader {r}: {e}");
            }
        }
    }
}

impl Component for RemoteWrite {
    type Arguments = Arguments;

    fn build(ctx: Context, args: Arguments) -> Result<Self, ComponentError> {
        let metrics = ctx.with_metrics(RemoteWriteMetrics::new);
        let p = prepare(&args, &metrics)?;
        let dir = ctx.data_dir.join("wal");
        std::fs::create_dir_all(&dir).map_err(|e| {
            ComponentError(format!(
                "cannot create the WAL directory {}: {e}",
                dir.display()
            ))
        })?;
        let options = WalOptions {
            max_age: Some(args.wal.max_keepalive_time.to_std_saturating()),
            ..WalOptions::default()
        };
        let store = WalStore::open(&dir, options, metrics.clone())
            .map_err(|e| ComponentError(format!("cannot open the WAL: {e}")))?;
        let appender = Arc::new(WalAppender {
            store: store.clone(),
            external: ArcSwap::from_pointee(external_labels(&args)),
        });
        let (tx, _) = watch::channel(Arc::new(p));
        let c = RemoteWrite {
            ctx,
            store,
            appender,
            metrics,
            prepared: tx,
        };
        c.add_readers(&c.prepared.borrow())?;
        c.remove_unused_readers(&c.prepared.borrow());
        let receiver = Receiver::new(c.appender.clone());
        c.ctx.set_exports_value(Value::object(vec![(
            "receiver".into(),
            receiver.to_value(),
        )]));
        c.ctx.set_health(Health::healthy("ready"));
        Ok(c)
    }

    fn update(&self, args: Arguments) -> Result<(), ComponentError> {
        let p = prepare(&args, &self.metrics)?;
        self.add_readers(&p)?;
        self.appender
            .external
            .store(Arc::new(external_labels(&args)));
        self.prepared.send_replace(Arc::new(p));
        Ok(())
    }

    fn run(
        self: Arc<Self>,
        cancel: CancellationToken,
    ) -> BoxFuture<'static, Result<(), ComponentError>> {
        Box::pin(async move {
            let mut rx = self.prepared.subscribe();
            let mut running: HashMap<String, RunningQueue> = HashMap::new();
            loop {
                let p = rx.borrow_and_update().clone();
                // Stop queues whose endpoint went away or changed.
                let wanted: HashMap<&str, &PreparedEndpoint> = p
                    .endpoints
                    .iter()
                    .map(|e| (e.config.reader.as_str(), e))
                    .collect();
                let stop: Vec<String> = running
                    .iter()
                    .filter(|(k, r)| {
                        wanted
                            .get(k.as_str())
                            .is_none_or(|e| e.options != r.options)
                    })
                    .map(|(k, _)| k.clone())
                    .collect();
                for k in stop {
                    if let Some(r) = running.remove(&k) {
                        r.cancel.cancel();
                        let _ = r.task.await;
                        if !wanted.contains_key(k.as_str()) {
                            self.metrics.remove(&r.labels);
                        }
                    }
                }
                self.remove_unused_readers(&p);
                for e in &p.endpoints {
                    if running.contains_key(&e.config.reader) {
                        continue;
                    }
                    let c = CancellationToken::new();
                    let task =
                        tokio::spawn(run_queue(e.config.clone(), self.store.clone(), c.clone()));
                    running.insert(
                        e.config.reader.clone(),
                        RunningQueue {
                            options: e.options.clone(),
                            labels: e.labels.clone(),
                            cancel: c,
                            task,
                        },
                    );
                }
                let mut tick = tokio::time::interval_at(
                    tokio::time::Instant::now() + p.maintain_every,
                    p.maintain_every,
                );
                loop {
                    tokio::select! {
                        _ = cancel.cancelled() => {
                            for r in running.values() {
                                r.cancel.cancel();
                            }
                            for (_, r) in running.drain() {
                                let _ = r.task.await;
                            }
                            self.store.maintain();
                            return Ok(());
                        }
                        ch = rx.changed() => {
                            if ch.is_err() {
                                return Ok(());
                            }
                            break;
                        }
                        _ = tick.tick() => {
                            let store = self.store.clone();
                            let _ = tokio::task::spawn_blocking(move || store.maintain()).await;
                        }
                    }
                }
            }
        })
    }
}
