//! One endpoint's queue: reads its WAL reader, relabels, routes samples to shards by series
//! hash, acknowledges WAL records once all their samples are sent, and adapts the number of
//! shards to the throughput.
//!
//! Delivery is at least once: the WAL position is acknowledged only up to the first record
//! with unsent samples, so after a crash or a hard stop a restart re-reads from there.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use bytes::Bytes;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use super::metrics::QueueMetrics;
use super::record;
use super::sender::Sender;
use super::shard::{run_shard, Completion, Queued, SendStats, ShardSettings};
use super::store::WalStore;
use super::wire::{decode_labels, put_labels, WireSample};
use crate::prom::relabel::Rules;
use crate::prom::wal::Position;

/// Everything an endpoint queue runs with.
pub struct QueueConfig {
    /// WAL reader name.
    pub reader: String,
    /// `remote_name` (for logs).
    pub remote_name: String,
    /// Sends requests.
    pub sender: Sender,
    /// `write_relabel_config` rules.
    pub rules: Rules,
    /// Per-shard buffer.
    pub capacity: usize,
    /// Fewest shards.
    pub min_shards: usize,
    /// Most shards.
    pub max_shards: usize,
    /// Batching and retries.
    pub shard: ShardSettings,
    /// Longest graceful flush on stop.
    pub flush_deadline: Duration,
    /// Metrics.
    pub metrics: QueueMetrics,
}

/// How often shard counts are recomputed.
const RESHARD_EVERY: Duration = Duration::from_secs(10);
/// How often the WAL position is acknowledged at most.
const ACK_EVERY: Duration = Duration::from_millis(500);
/// Weight of the newest value in the rate averages.
const EWMA_WEIGHT: f64 = 0.2;
/// Shard changes within ±30 % of the current count are ignored.
const RESHARD_TOLERANCE: f64 = 0.3;

/// A WAL record in flight.
#[derive(Debug)]
struct Pending {
    id: u64,
    next: Position,
    remaining: u64,
    sealed: bool,
}

struct Shards {
    txs: Vec<mpsc::Sender<Queued>>,
    tasks: Vec<JoinHandle<()>>,
    hard: CancellationToken,
}

#[derive(Default)]
struct Ewma {
    value: Option<f64>,
}

impl Ewma {
    fn update(&mut self, x: f64) -> f64 {
        let v = match self.value {
            None => x,
            Some(v) => v + EWMA_WEIGHT * (x - v),
        };
        self.value = Some(v);
        v
    }
}

/// The queue's state, owned by its task.
struct Queue {
    cfg: Arc<QueueConfig>,
    store: Arc<WalStore>,
    stats: Arc<SendStats>,
    done_tx: mpsc::UnboundedSender<Completion>,
    done_rx: mpsc::UnboundedReceiver<Completion>,
    shards: Shards,
    pending: VecDeque<Pending>,
    next_id: u64,
    ack_to: Option<Position>,
    last_ack: Instant,
    in_flight: u64,
    relabelled: HashMap<Bytes, Option<Bytes>, ahash::RandomState>,
    expected_seq: Option<u64>,
    // Resharding state.
    in_rate: Ewma,
    out_rate: Ewma,
    out_duration: Ewma,
    last_in: u64,
    last_out: u64,
    last_nanos: u64,
    read_samples: u64,
    kept_samples: u64,
}

fn hash_labels(b: &[u8]) -> u64 {
    xxhash_rust::xxh64::xxh64(b, 0)
}

impl Queue {
    fn start_shards(&mut self, n: usize) {
        let hard = CancellationToken::new();
        let mut txs = Vec::with_capacity(n);
        let mut tasks = Vec::with_capacity(n);
        for _ in 0..n {
            let (tx, rx) = mpsc::channel(self.cfg.capacity.max(1));
            txs.push(tx);
            tasks.push(tokio::spawn(run_shard(
                rx,
                self.cfg.sender.clone(),
                self.cfg.shard.clone(),
                self.cfg.metrics.clone(),
                self.stats.clone(),
                self.done_tx.clone(),
                hard.clone(),
            )));
        }
        self.shards = Shards { txs, tasks, hard };
        self.cfg.metrics.shards.set(n as i64);
    }

    fn apply_done(&mut self, done: Completion) {
        let Some(front) = self.pending.front().map(|p| p.id) else {
            return;
        };
        for (id, n) in done {
            if let Some(p) = id
                .checked_sub(front)
                .and_then(|i| self.pending.get_mut(i as usize))
            {
                p.remaining = p.remaining.saturating_sub(u64::from(n));
            }
            self.in_flight = self.in_flight.saturating_sub(u64::from(n));
        }
        while self
            .pending
            .front()
            .is_some_and(|p| p.sealed && p.remaining == 0)
        {
            if let Some(p) = self.pending.pop_front() {
                self.ack_to = Some(p.next);
            }
        }
        self.cfg.metrics.samples_pending.set(self.in_flight as i64);
    }

    fn drain_done(&mut self) {
        while let Ok(d) = self.done_rx.try_recv() {
            self.apply_done(d);
        }
    }

    fn ack(&mut self, force: bool) {
        if !force && self.last_ack.elapsed() < ACK_EVERY {
            return;
        }
        if let Some(pos) = self.ack_to.take() {
            let reader = self.cfg.reader.clone();
            if let Err(e) = self.store.with_wal(|w| w.ack(&reader, pos)) {
                tracing::warn!(endpoint = %self.cfg.remote_name, "remote_write: cannot acknowledge the WAL position: {e}");
                self.ack_to = Some(pos);
            }
            self.last_ack = Instant::now();
        }
    }

    /// The label bytes to send for a series, or `None` when write relabelling drops it.
    fn series(&mut self, labels: &Bytes) -> Option<Bytes> {
        if self.cfg.rules.is_empty() {
            return Some(labels.clone());
        }
        if let Some(r) = self.relabelled.get(labels) {
            return r.clone();
        }
        let out = match decode_labels(labels) {
            Ok(set) => self
                .cfg
                .rules
                .apply(&set)
                .filter(|l| !l.is_empty())
                .map(|l| {
                    let mut b = Vec::new();
                    put_labels(&mut b, &l);
                    Bytes::from(b)
                }),
            Err(_) => None,
        };
        if self.relabelled.len() > 1_000_000 {
            self.relabelled.clear();
        }
        self.relabelled.insert(labels.clone(), out.clone());
        out
    }

    /// Routes one record's samples to the shards. Err when cancelled while waiting for room.
    async fn dispatch(
        &mut self,
        rec: crate::prom::wal::Record,
        cancel: &CancellationToken,
    ) -> Result<(), ()> {
        let id = self.next_id;
        self.next_id += 1;
        self.pending.push_back(Pending {
            id,
            next: rec.next,
            remaining: 0,
            sealed: false,
        });
        let decoded = match record::decode(&rec.data) {
            Ok(d) => d,
            Err(e) => {
                tracing::warn!(endpoint = %self.cfg.remote_name, "remote_write: skipping a WAL record: {e}");
                self.cfg.metrics.wal_corrupt_records.inc();
                self.seal(id);
                return Ok(());
            }
        };
        let n = decoded.samples.len() as u64;
        if let Some(exp) = self.expected_seq {
            if decoded.first_seq > exp {
                let lost = decoded.first_seq - exp;
                self.cfg.metrics.wal_samples_dropped.inc_by(lost);
                tracing::warn!(endpoint = %self.cfg.remote_name, samples = lost, "remote_write: the WAL bounds dropped samples before they were sent");
            }
        }
        self.expected_seq = Some(decoded.first_seq + n);
        self.read_samples += n;
        let shard_count = self.shards.txs.len();
        if shard_count == 0 {
            // Only while stopping: the record stays unacknowledged in the WAL.
            return Err(());
        }
        for s in decoded.samples {
            let Some(labels) = self.series(&s.labels) else {
                self.cfg.metrics.samples_dropped.inc();
                continue;
            };
            self.kept_samples += 1;
            let shard = (hash_labels(&labels) % shard_count as u64) as usize;
            let q = Queued {
                sample: WireSample {
                    labels,
                    timestamp: s.timestamp,
                    value: s.value,
                },
                record: id,
            };
            if let Some(p) = self.pending.back_mut() {
                p.remaining += 1;
            }
            self.in_flight += 1;
            let tx = self.shards.txs[shard].clone();
            match tx.try_send(q) {
                Ok(()) => {}
                Err(mpsc::error::TrySendError::Closed(_)) => return Err(()),
                Err(mpsc::error::TrySendError::Full(q)) => loop {
                    tokio::select! {
                        _ = cancel.cancelled() => return Err(()),
                        permit = tx.reserve() => {
                            match permit {
                                Ok(p) => p.send(q),
                                Err(_) => return Err(()),
                            }
                            break;
                        }
                        d = self.done_rx.recv() => if let Some(d) = d { self.apply_done(d); self.ack(false); },
                    }
                },
            }
        }
        self.seal(id);
        Ok(())
    }

    fn seal(&mut self, id: u64) {
        if let Some(p) = self.pending.iter_mut().rev().find(|p| p.id == id) {
            p.sealed = true;
        }
        self.apply_done(Vec::new());
    }

    /// Closes the shards and waits (processing completions) until they have sent what they
    /// hold, `deadline` passes, or `cancel` fires; then stops them hard.
    async fn drain_shards(
        &mut self,
        deadline: Option<Duration>,
        cancel: Option<&CancellationToken>,
    ) {
        self.shards.txs.clear();
        let tasks = std::mem::take(&mut self.shards.tasks);
        let hard = self.shards.hard.clone();
        let all = futures::future::join_all(tasks);
        tokio::pin!(all);
        let sleep = tokio::time::sleep(deadline.unwrap_or(Duration::from_secs(365 * 24 * 3600)));
        tokio::pin!(sleep);
        let never = CancellationToken::new();
        let cancel = cancel.unwrap_or(&never);
        loop {
            tokio::select! {
                _ = &mut all => break,
                _ = &mut sleep, if !hard.is_cancelled() => { hard.cancel(); }
                _ = cancel.cancelled(), if !hard.is_cancelled() => { hard.cancel(); }
                d = self.done_rx.recv() => if let Some(d) = d { self.apply_done(d); self.ack(false); },
            }
        }
        self.drain_done();
    }

    /// Recomputes the shard count from the rates; reshards when it moved enough.
    async fn maybe_reshard(&mut self, cancel: &CancellationToken) {
        let secs = RESHARD_EVERY.as_secs_f64();
        let samples_in = self.store.samples_in.load(Ordering::Relaxed);
        let out = self.stats.samples_out.load(Ordering::Relaxed);
        let nanos = self.stats.send_nanos.load(Ordering::Relaxed);
        let kept_ratio = if self.read_samples > 0 {
            self.kept_samples as f64 / self.read_samples as f64
        } else {
            1.0
        };
        let in_rate = self
            .in_rate
            .update((samples_in - self.last_in) as f64 / secs);
        let out_rate = self.out_rate.update((out - self.last_out) as f64 / secs);
        let out_dur = self
            .out_duration
            .update((nanos - self.last_nanos) as f64 / 1e9 / secs);
        self.last_in = samples_in;
        self.last_out = out;
        self.last_nanos = nanos;
        let cur = self.shards.txs.len();
        if out_rate <= 0.0 {
            return;
        }
        let now = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map(|d| d.as_millis() as i64)
            .unwrap_or(0);
        // An endpoint that has not accepted anything lately is down: more shards won't help.
        let last_ok = self.stats.last_success_ms.load(Ordering::Relaxed);
        if now - last_ok > 2 * self.cfg.shard.deadline.as_millis() as i64 {
            return;
        }
        let time_per_sample = out_dur / out_rate;
        let highest_in = self.store.highest_ts_ms.load(Ordering::Relaxed);
        let highest_sent = self.stats.highest_sent_ms.load(Ordering::Relaxed);
        let delay = ((highest_in - highest_sent) as f64 / 1000.0).max(0.0);
        let pending = delay * in_rate * kept_ratio;
        let catch_up = 0.05 * pending;
        let desired = time_per_sample * (in_rate * kept_ratio + catch_up);
        self.cfg.metrics.shards_desired.set(desired);
        let lower = cur as f64 * (1.0 - RESHARD_TOLERANCE);
        let upper = cur as f64 * (1.0 + RESHARD_TOLERANCE);
        let target = (desired.ceil() as usize).clamp(self.cfg.min_shards, self.cfg.max_shards);
        if (desired >= lower && desired <= upper) || target == cur {
            return;
        }
        tracing::info!(endpoint = %self.cfg.remote_name, from = cur, to = target, "remote_write: resharding");
        self.drain_shards(None, Some(cancel)).await;
        if !cancel.is_cancelled() {
            self.start_shards(target);
        }
    }
}

/// Runs an endpoint queue until `cancel` fires; then flushes what is queued within the
/// flush deadline. Unsent samples stay in the WAL.
pub async fn run_queue(cfg: Arc<QueueConfig>, store: Arc<WalStore>, cancel: CancellationToken) {
    let reader = cfg.reader.clone();
    if let Err(e) = store.with_wal(|w| w.rewind(&reader)) {
        tracing::error!(endpoint = %cfg.remote_name, "remote_write: WAL reader unavailable: {e}");
        return;
    }
    let (done_tx, done_rx) = mpsc::unbounded_channel();
    let stats = Arc::new(SendStats::default());
    let mut q = Queue {
        cfg: cfg.clone(),
        store: store.clone(),
        stats,
        done_tx,
        done_rx,
        shards: Shards {
            txs: Vec::new(),
            tasks: Vec::new(),
            hard: CancellationToken::new(),
        },
        pending: VecDeque::new(),
        next_id: 0,
        ack_to: None,
        last_ack: Instant::now(),
        in_flight: 0,
        relabelled: HashMap::default(),
        expected_seq: None,
        in_rate: Ewma::default(),
        out_rate: Ewma::default(),
        out_duration: Ewma::default(),
        last_in: store.samples_in.load(Ordering::Relaxed),
        last_out: 0,
        last_nanos: 0,
        read_samples: 0,
        kept_samples: 0,
    };
    q.start_shards(cfg.min_shards);
    let mut appended = store.subscribe();
    let mut reshard =
        tokio::time::interval_at(tokio::time::Instant::now() + RESHARD_EVERY, RESHARD_EVERY);
    let mut ack_tick = tokio::time::interval(ACK_EVERY);
    let mut caught_up = false;
    while !cancel.is_cancelled() {
        if !caught_up {
            appended.mark_unchanged();
            match store.with_wal(|w| w.read_next(&reader)) {
                Ok(Some(rec)) => {
                    if q.dispatch(rec, &cancel).await.is_err() {
                        break;
                    }
                    q.drain_done();
                    q.ack(false);
                    continue;
                }
                Ok(None) => caught_up = true,
                Err(e) => {
                    tracing::error!(endpoint = %cfg.remote_name, "remote_write: reading the WAL failed: {e}");
                    tokio::select! {
                        _ = cancel.cancelled() => break,
                        _ = tokio::time::sleep(Duration::from_secs(5)) => {}
                    }
                    continue;
                }
            }
        }
        tokio::select! {
            _ = cancel.cancelled() => break,
            d = q.done_rx.recv() => if let Some(d) = d { q.apply_done(d); q.ack(false); },
            r = appended.changed() => { if r.is_err() { break; } caught_up = false; }
            _ = ack_tick.tick() => q.ack(true),
            _ = reshard.tick() => q.maybe_reshard(&cancel).await,
        }
    }
    // Flush what is queued, within the deadline.
    q.drain_shards(Some(cfg.flush_deadline), None).await;
    q.ack(true);
    cfg.metrics.samples_pending.set(0);
    if q.in_flight > 0 {
        tracing::info!(endpoint = %cfg.remote_name, samples = q.in_flight, "remote_write: unsent samples stay in the WAL for the next start");
    }
}
