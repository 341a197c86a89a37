//! A shard: one task that batches the samples routed to it and sends one batch at a time,
//! retrying retryable failures with exponential backoff. A series always maps to the same
//! shard, so its samples are sent in order.

use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::metrics::QueueMetrics;
use super::sender::{SendOutcome, Sender};
use super::wire::{write_request, WireSample};

/// A sample on its way, with the id of the WAL record it came from.
#[derive(Debug, Clone)]
pub struct Queued {
    /// The sample.
    pub sample: WireSample,
    /// The queue's id of its WAL record.
    pub record: u64,
}

/// Send statistics shared by the shards of one endpoint (for resharding).
#[derive(Debug, Default)]
pub struct SendStats {
    /// Samples delivered.
    pub samples_out: AtomicU64,
    /// Nanoseconds spent in successful sends.
    pub send_nanos: AtomicU64,
    /// When the last send succeeded (ms since the epoch).
    pub last_success_ms: AtomicI64,
    /// Newest timestamp delivered (ms).
    pub highest_sent_ms: AtomicI64,
}

/// Batching and retry settings.
#[derive(Debug, Clone)]
pub struct ShardSettings {
    /// Samples per request.
    pub max_samples: usize,
    /// Longest wait before a partial batch goes out.
    pub deadline: Duration,
    /// First retry delay.
    pub min_backoff: Duration,
    /// Longest retry delay.
    pub max_backoff: Duration,
    /// Drop samples older than this (zero = never).
    pub sample_age_limit: Duration,
}

/// Completed samples per record: `(record id, count)`.
pub type Completion = Vec<(u64, u32)>;

/// Runs a shard until its channel closes (after sending what it holds) or `hard` fires
/// (then whatever is unsent stays unacknowledged in the WAL).
pub async fn run_shard(
    mut rx: mpsc::Receiver<Queued>,
    sender: Sender,
    settings: ShardSettings,
    metrics: QueueMetrics,
    stats: Arc<SendStats>,
    done: mpsc::UnboundedSender<Completion>,
    hard: CancellationToken,
) {
    let mut batch: Vec<Queued> = Vec::with_capacity(settings.max_samples);
    let mut raw = Vec::new();
    let mut encoder = snap::raw::Encoder::new();
    loop {
        let first = tokio::select! {
            _ = hard.cancelled() => return,
            q = rx.recv() => match q {
                Some(q) => q,
                None => return,
            },
        };
        batch.push(first);
        let until = tokio::time::Instant::now() + settings.deadline;
        let mut closed = false;
        while batch.len() < settings.max_samples {
            match rx.try_recv() {
                Ok(q) => batch.push(q),
                Err(mpsc::error::TryRecvError::Disconnected) => {
                    closed = true;
                    break;
                }
                Err(mpsc::error::TryRecvError::Empty) => {
                    tokio::select! {
                        _ = hard.cancelled() => return,
                        _ = tokio::time::sleep_until(until) => break,
                        q = rx.recv() => match q {
                            Some(q) => batch.push(q),
                            None => {
                                closed = true;
                                break;
                            }
                        },
                    }
                }
            }
        }
        let completion = completion_of(&batch);
        if !send_batch(
            &mut batch,
            &sender,
            &settings,
            &metrics,
            &stats,
            &mut raw,
            &mut encoder,
            &hard,
        )
        .await
        {
            return;
        }
        let _ = done.send(completion);
        batch.clear();
        if closed {
            return;
        }
    }
}

/// Counts per record id, in order.
fn completion_of(batch: &[Queued]) -> Completion {
    let mut out: Completion = Vec::new();
    for q in batch {
        match out.last_mut() {
            Some((id, n)) if *id == q.record => *n += 1,
            _ => {
                if let Some(e) = out.iter_mut().find(|(id, _)| *id == q.record) {
                    e.1 += 1;
                } else {
                    out.push((q.record, 1));
                }
            }
        }
    }
    out
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// Sends `batch` until it is delivered or dropped; false when `hard` stopped it first.
#[allow(clippy::too_many_arguments)]
async fn send_batch(
    batch: &mut Vec<Queued>,
    sender: &Sender,
    settings: &ShardSettings,
    metrics: &QueueMetrics,
    stats: &SendStats,
    raw: &mut Vec<u8>,
    encoder: &mut snap::raw::Encoder,
    hard: &CancellationToken,
) -> bool {
    let mut backoff = settings.min_backoff;
    let mut logged_retry = false;
    loop {
        if !settings.sample_age_limit.is_zero() {
            let oldest = now_ms() - settings.sample_age_limit.as_millis() as i64;
            let before = batch.len();
            batch.retain(|q| q.sample.timestamp >= oldest);
            metrics
                .samples_dropped
                .inc_by((before - batch.len()) as u64);
            if batch.is_empty() {
                return true;
            }
        }
        write_request(raw, batch.iter().map(|q| &q.sample));
        let body = match encoder.compress_vec(raw) {
            Ok(b) => b,
            Err(e) => {
                tracing::error!("remote_write: cannot compress a batch: {e}");
                metrics.samples_failed.inc_by(batch.len() as u64);
                return true;
            }
        };
        let size = body.len();
        let t = Instant::now();
        let outcome = tokio::select! {
            _ = hard.cancelled() => return false,
            o = sender.send(body) => o,
        };
        let took = t.elapsed();
        metrics.sent_batch_duration.observe(took.as_secs_f64());
        let n = batch.len() as u64;
        match outcome {
            SendOutcome::Delivered => {
                metrics.samples_total.inc_by(n);
                metrics.bytes_total.inc_by(size as u64);
                let max_ts = batch.iter().map(|q| q.sample.timestamp).max().unwrap_or(0);
                let prev = stats.highest_sent_ms.fetch_max(max_ts, Ordering::Relaxed);
                if max_ts > prev {
                    metrics.highest_sent_timestamp.set(max_ts as f64 / 1000.0);
                }
                stats.samples_out.fetch_add(n, Ordering::Relaxed);
                stats
                    .send_nanos
                    .fetch_add(took.as_nanos() as u64, Ordering::Relaxed);
                stats.last_success_ms.store(now_ms(), Ordering::Relaxed);
                if logged_retry {
                    tracing::info!("remote_write: endpoint is accepting samples again");
                }
                return true;
            }
            SendOutcome::Drop { error } => {
                metrics.samples_failed.inc_by(n);
                tracing::error!(
                    samples = n,
                    "remote_write: dropping a batch the endpoint refused: {error}"
                );
                return true;
            }
            SendOutcome::Retry { error, after } => {
                metrics.samples_retried.inc_by(n);
                if !logged_retry {
                    tracing::warn!(
                        samples = n,
                        "remote_write: send failed, retrying with backoff: {error}"
                    );
                    logged_retry = true;
                }
                let wait = after
                    .map(|a| a.min(Duration::from_secs(300)))
                    .unwrap_or(backoff);
                tokio::select! {
                    _ = hard.cancelled() => return false,
                    _ = tokio::time::sleep(wait) => {}
                }
                backoff = (backoff * 2)
                    .min(settings.max_backoff)
                    .max(settings.min_backoff);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn completions_group_by_record() {
        let q = |r| Queued {
            sample: WireSample {
                labels: bytes::Bytes::new(),
                timestamp: 0,
                value: 0.0,
            },
            record: r,
        };
        let b = vec![q(1), q(1), q(2), q(1), q(3)];
        assert_eq!(completion_of(&b), vec![(1, 3), (2, 1), (3, 1)]);
    }
}
