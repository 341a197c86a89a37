//! The scrape manager: one task per target, started, re-configured and stopped by diffing
//! the wanted target set against the running loops.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use super::scrape_loop::{run_loop, LoopConfig, LoopSettings, TargetStatus};
use super::target::ScrapeTarget;
use crate::cluster::keys::TargetKey;

/// A running loop.
struct LoopHandle {
    config: watch::Sender<Arc<LoopConfig>>,
    stop: CancellationToken,
    stale_on_stop: Arc<AtomicBool>,
    status: Arc<Mutex<TargetStatus>>,
    task: JoinHandle<()>,
}

/// A snapshot of one running target, for debug info.
#[derive(Clone, Debug)]
pub struct TargetSnapshot {
    /// The target.
    pub target: Arc<ScrapeTarget>,
    /// Its last scrape.
    pub status: TargetStatus,
}

/// The loops of one component.
#[derive(Default)]
pub struct Manager {
    loops: HashMap<TargetKey, LoopHandle>,
    /// Loops stopped but maybe still sending their last markers (awaited at shutdown).
    stopping: Vec<JoinHandle<()>>,
}

/// What a sync did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct SyncReport {
    /// Loops started.
    pub started: usize,
    /// Loops stopped with staleness markers.
    pub stopped: usize,
    /// Loops stopped without markers because the target moved to another node.
    pub moved: usize,
}

impl Manager {
    /// An empty manager.
    pub fn new() -> Manager {
        Manager::default()
    }

    /// Makes the running loops match `wanted`. Loops whose key is not wanted stop; those in
    /// `moved` stop without staleness markers (their new owner takes over the series).
    pub fn sync(
        &mut self,
        wanted: &[Arc<ScrapeTarget>],
        settings: &Arc<LoopSettings>,
        moved: &HashSet<TargetKey>,
    ) -> SyncReport {
        let mut report = SyncReport::default();
        let wanted_keys: HashSet<TargetKey> = wanted.iter().map(|t| t.key).collect();
        let gone: Vec<TargetKey> = self
            .loops
            .keys()
            .filter(|k| !wanted_keys.contains(k))
            .copied()
            .collect();
        for key in gone {
            if let Some(h) = self.loops.remove(&key) {
                let handed_over = moved.contains(&key);
                h.stale_on_stop.store(!handed_over, Ordering::SeqCst);
                h.stop.cancel();
                self.stopping.push(h.task);
                if handed_over {
                    report.moved += 1;
                } else {
                    report.stopped += 1;
                }
            }
        }
        self.stopping.retain(|t| !t.is_finished());
        for t in wanted {
            match self.loops.get(&t.key) {
                Some(h) => {
                    let cur = h.config.borrow().clone();
                    if *cur.target != **t || !Arc::ptr_eq(&cur.settings, settings) {
                        let _ = h.config.send(Arc::new(LoopConfig {
                            target: t.clone(),
                            settings: settings.clone(),
                        }));
                    }
                }
                None => {
                    let cfg = Arc::new(LoopConfig {
                        target: t.clone(),
                        settings: settings.clone(),
                    });
                    let (tx, rx) = watch::channel(cfg);
                    let stop = CancellationToken::new();
                    let stale_on_stop = Arc::new(AtomicBool::new(true));
                    let status = Arc::new(Mutex::new(TargetStatus::default()));
                    let task = tokio::spawn(run_loop(
                        rx,
                        stop.clone(),
                        stale_on_stop.clone(),
                        status.clone(),
                    ));
                    self.loops.insert(
                        t.key,
                        LoopHandle {
                            config: tx,
                            stop,
                            stale_on_stop,
                            status,
                            task,
                        },
                    );
                    report.started += 1;
                }
            }
        }
        report
    }

    /// Number of running loops.
    pub fn len(&self) -> usize {
        self.loops.len()
    }

    /// True when no loop runs.
    pub fn is_empty(&self) -> bool {
        self.loops.is_empty()
    }

    /// Keys of the running loops.
    pub fn keys(&self) -> impl Iterator<Item = &TargetKey> {
        self.loops.keys()
    }

    /// The running targets and their last scrape.
    pub fn snapshot(&self) -> Vec<TargetSnapshot> {
        self.loops
            .values()
            .map(|h| TargetSnapshot {
                target: h.config.borrow().target.clone(),
                status: h.status.lock().unwrap_or_else(|p| p.into_inner()).clone(),
            })
            .collect()
    }

    /// Stops every loop and waits for them; `stale` decides whether they send end-of-run
    /// staleness markers (not on shutdown: the series just pause).
    pub async fn stop_all(&mut self, stale: bool) {
        for (_, h) in self.loops.drain() {
            h.stale_on_stop.store(stale, Ordering::SeqCst);
            h.stop.cancel();
            self.stopping.push(h.task);
        }
        for t in self.stopping.drain(..) {
            let _ = t.await;
        }
    }
}
