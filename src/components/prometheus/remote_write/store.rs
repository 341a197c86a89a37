//! The component's WAL and the receiver that appends to it.
//!
//! Appends come from producers' tasks (`append` must be quick), reads and acks from the
//! endpoint queues; both go through one mutex around [`Wal`], held only for one record's
//! encoding and file write or one read. A `watch` channel tells the queues new records exist.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use arc_swap::ArcSwap;
use tokio::sync::watch;

use super::metrics::RemoteWriteMetrics;
use super::record::RecordEncoder;
use crate::prom::wal::{Wal, WalError, WalOptions, WalStats};
use crate::prom::{Appendable, Labels, SamplePoint};

/// Samples per WAL record at most (large batches are split, so acks stay fine-grained).
const MAX_SAMPLES_PER_RECORD: usize = 2000;

struct Inner {
    wal: Wal,
    encoder: RecordEncoder,
    buf: Vec<u8>,
    next_seq: u64,
    last_stats: WalStats,
}

/// The WAL shared by the receiver and the endpoint queues.
pub struct WalStore {
    inner: Mutex<Inner>,
    appended: watch::Sender<u64>,
    seq_path: PathBuf,
    /// Samples appended since start (for the queues' rate estimates).
    pub samples_in: AtomicU64,
    /// Newest appended timestamp, in milliseconds.
    pub highest_ts_ms: AtomicI64,
    metrics: RemoteWriteMetrics,
}

impl std::fmt::Debug for WalStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WalStore")
            .field("seq_path", &self.seq_path)
            .finish()
    }
}

fn read_seq(path: &Path) -> u64 {
    std::fs::read_to_string(path)
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(0)
}

impl WalStore {
    /// Opens the WAL in `dir`.
    pub fn open(
        dir: &Path,
        options: WalOptions,
        metrics: RemoteWriteMetrics,
    ) -> Result<Arc<WalStore>, WalError> {
        let wal = Wal::open(dir, options)?;
        let seq_path = dir.join("next_sample_seq");
        let next_seq = read_seq(&seq_path);
        let last_stats = wal.stats();
        let (appended, _) = watch::channel(0);
        let store = Arc::new(WalStore {
            inner: Mutex::new(Inner {
                wal,
                encoder: RecordEncoder::new(),
                buf: Vec::new(),
                next_seq,
                last_stats,
            }),
            appended,
            seq_path,
            samples_in: AtomicU64::new(0),
            highest_ts_ms: AtomicI64::new(0),
            metrics,
        });
        store.update_metrics();
        Ok(store)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Runs `f` on the WAL (reads, acks, reader registration).
    pub fn with_wal<R>(&self, f: impl FnOnce(&mut Wal) -> R) -> R {
        f(&mut self.lock().wal)
    }

    /// A receiver that changes whenever records are appended.
    pub fn subscribe(&self) -> watch::Receiver<u64> {
        self.appended.subscribe()
    }

    /// Appends samples with `external` labels merged into their series.
    pub fn append(&self, batch: &[SamplePoint], external: &Labels) {
        if batch.is_empty() {
            return;
        }
        let mut written = 0usize;
        {
            let mut g = self.lock();
            let inner = &mut *g;
            // Without endpoints nobody would ever read (or release) the records.
            if inner.wal.readers().next().is_none() {
                return;
            }
            for chunk in batch.chunks(MAX_SAMPLES_PER_RECORD) {
                let first = inner.next_seq;
                let res = inner
                    .encoder
                    .encode(first, chunk, external, &mut inner.buf)
                    .map_err(|e| e.to_string())
                    .and_then(|()| inner.wal.append(&inner.buf).map_err(|e| e.to_string()));
                match res {
                    Ok(_) => {
                        inner.next_seq += chunk.len() as u64;
                        written += chunk.len();
                    }
                    Err(e) => {
                        self.metrics.wal_append_failures.inc_by(chunk.len() as u64);
                        tracing::error!(
                            "remote_write: cannot append {} samples to the WAL: {e}",
                            chunk.len()
                        );
                    }
                }
            }
        }
        if written == 0 {
            return;
        }
        let max_ts = batch.iter().map(|p| p.timestamp_ms).max().unwrap_or(0);
        let prev = self.highest_ts_ms.fetch_max(max_ts, Ordering::Relaxed);
        if max_ts > prev {
            self.metrics.highest_timestamp.set(max_ts as f64 / 1000.0);
        }
        self.samples_in.fetch_add(written as u64, Ordering::Relaxed);
        self.metrics.samples_in.inc_by(written as u64);
        self.appended.send_modify(|n| *n += 1);
    }

    /// Applies the WAL's age and size bounds, syncs it, persists the sample sequence, and
    /// refreshes the WAL metrics.
    pub fn maintain(&self) {
        {
            let mut g = self.lock();
            if let Err(e) = g.wal.enforce_bounds(SystemTime::now()) {
                tracing::warn!("remote_write: WAL maintenance failed: {e}");
            }
            if let Err(e) = g.wal.sync() {
                tracing::warn!("remote_write: WAL sync failed: {e}");
            }
            let seq = g.next_seq;
            drop(g);
            let tmp = self.seq_path.with_extension("tmp");
            if std::fs::write(&tmp, format!("{seq}\n"))
                .and_then(|()| std::fs::rename(&tmp, &self.seq_path))
                .is_err()
            {
                tracing::warn!("remote_write: cannot persist the WAL sequence number");
            }
        }
        self.update_metrics();
    }

    /// Refreshes the WAL size metrics.
    pub fn update_metrics(&self) {
        let mut g = self.lock();
        let s = g.wal.stats();
        let dropped = s
            .dropped_records
            .saturating_sub(g.last_stats.dropped_records);
        let corrupt = s
            .corrupt_records
            .saturating_sub(g.last_stats.corrupt_records);
        g.last_stats = s;
        drop(g);
        self.metrics.wal_bytes.set(s.total_bytes as i64);
        self.metrics.wal_segments.set(s.segments as i64);
        self.metrics.wal_records_dropped.inc_by(dropped);
        self.metrics.wal_corrupt_records.inc_by(corrupt);
    }
}

/// The `receiver` export: appends to the WAL with the current external labels.
pub struct WalAppender {
    /// The WAL.
    pub store: Arc<WalStore>,
    /// External labels (replaced on update).
    pub external: ArcSwap<Labels>,
}

impl Appendable for WalAppender {
    fn append(&self, batch: &[SamplePoint]) {
        self.store.append(batch, &self.external.load());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::components::prometheus::remote_write::record;
    use crate::prom::wal::ReaderStart;

    #[test]
    fn appends_records_readers_can_decode_and_keeps_the_sequence() {
        let dir = tempfile::tempdir().unwrap();
        let mut reg = prometheus_client::registry::Registry::default();
        let m = RemoteWriteMetrics::new(&mut reg);
        let store = WalStore::open(dir.path(), WalOptions::default(), m.clone()).unwrap();
        // No reader yet: nothing is written.
        store.append(
            &[SamplePoint {
                labels: Labels::from_pairs([("__name__", "x")]),
                timestamp_ms: 1,
                value: 1.0,
            }],
            &Labels::empty(),
        );
        assert_eq!(store.with_wal(|w| w.stats().total_bytes), 0);
        store
            .with_wal(|w| w.add_reader("r", ReaderStart::Newest))
            .unwrap();
        let mut rx = store.subscribe();
        let pts: Vec<SamplePoint> = (0..2500)
            .map(|i| SamplePoint {
                labels: Labels::from_pairs([("__name__", "m"), ("i", i.to_string().as_str())]),
                timestamp_ms: 1000 + i,
                value: i as f64,
            })
            .collect();
        store.append(&pts, &Labels::from_pairs([("c", "1")]));
        assert!(rx.has_changed().unwrap());
        let r1 = store.with_wal(|w| w.read_next("r")).unwrap().unwrap();
        let r2 = store.with_wal(|w| w.read_next("r")).unwrap().unwrap();
        let d1 = record::decode(&r1.data).unwrap();
        let d2 = record::decode(&r2.data).unwrap();
        assert_eq!((d1.first_seq, d1.samples.len()), (0, 2000));
        assert_eq!((d2.first_seq, d2.samples.len()), (2000, 500));
        assert_eq!(store.highest_ts_ms.load(Ordering::Relaxed), 3499);
        store.with_wal(|w| w.ack("r", r2.next)).unwrap();
        store.maintain();
        drop(store);
        // The sequence continues after a reopen.
        let store = WalStore::open(dir.path(), WalOptions::default(), m).unwrap();
        store.append(&pts[..1], &Labels::empty());
        let r3 = store.with_wal(|w| w.read_next("r")).unwrap().unwrap();
        assert_eq!(record::decode(&r3.data).unwrap().first_seq, 2500);
        rx.mark_unchanged();
    }
}
