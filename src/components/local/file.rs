//! `local.file`: exports the contents of a file and follows its changes.
//!
//! The file is read in `build` (an unreadable file fails the evaluation, so dependants never
//! see a missing value) and on `update`. Afterwards the component's task re-reads it when
//! the filesystem reports a change in its directory (`detector = "fsnotify"`, the default; the
//! directory is watched so rename-over-replace by editors is seen) and every
//! `poll_frequency` in any case, as a safety net and for `detector = "poll"`. New content
//! becomes new exports, which re-evaluates the dependants. While the file cannot be read the
//! component is unhealthy with the reason and keeps exporting the last content it read.

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex};
use std::time::Duration as StdDuration;

use futures::future::BoxFuture;
use prometheus_client::metrics::gauge::Gauge;
use serde::{Deserialize, Serialize};
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

use crate::components::common::file_watch::{parent_dir, DirWatcher};
use crate::eval::{Duration, Key, Object, Value};
use crate::runtime::component::{Component, ComponentError, Context};
use crate::runtime::health::Health;

/// Wait this long after a change event before reading, so a write in progress is less likely
/// to be read half-done (upstream waits the same).
const SETTLE: StdDuration = StdDuration::from_millis(30);

fn default_detector() -> String {
    "fsnotify".to_owned()
}

fn default_poll_frequency() -> Duration {
    Duration(60_000_000_000)
}

/// Arguments of `local.file`.
#[derive(Deserialize, Serialize, Clone, PartialEq, Debug)]
pub struct Arguments {
    /// The file to read.
    pub filename: String,
    /// How to notice changes: `fsnotify` (events plus polling) or `poll`.
    #[serde(default = "default_detector")]
    pub detector: String,
    /// How often to re-read the file regardless of events.
    #[serde(default = "default_poll_frequency")]
    pub poll_frequency: Duration,
    /// Export the content as a secret.
    #[serde(default)]
    pub is_secret: bool,
}

crate::river_schema!(Arguments {
    attr filename,
    attr? detector,
    attr? poll_frequency,
    attr? is_secret,
});

/// How changes are detected.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Detector {
    FsNotify,
    Poll,
}

impl Arguments {
    fn validate(&self) -> Result<Detector, ComponentError> {
        if self.poll_frequency.0 <= 0 {
            return Err("poll_frequency must be greater than 0".into());
        }
        match self.detector.as_str() {
            "" | "fsnotify" => Ok(Detector::FsNotify),
            "poll" => Ok(Detector::Poll),
            other => Err(ComponentError(format!(
                "unrecognized detector {other:?}, expected fsnotify or poll"
            ))),
        }
    }
}

/// The `local.file` component.
pub struct LocalFile {
    ctx: Context,
    args_tx: watch::Sender<Arguments>,
    last_accessed: Gauge<f64, AtomicU64>,
    /// Serializes reads and publications (the controller's `update` and the task).
    read_lock: Mutex<()>,
}

impl LocalFile {
    /// Reads the file and publishes its content; on failure reports unhealthy, keeps the old
    /// exports, and returns the error.
    fn read(&self, args: &Arguments) -> Result<(), String> {
        let _g = self.read_lock.lock().unwrap_or_else(|p| p.into_inner());
        match std::fs::read(&args.filename) {
            Ok(bytes) => {
                let text = String::from_utf8_lossy(&bytes);
                self.last_accessed
                    .set(chrono::Utc::now().timestamp_millis() as f64 / 1000.0);
                self.ctx
                    .set_exports_value(Value::Object(Object::ordered(vec![(
                        Key::from("content"),
                        Value::optional_secret(&*text, args.is_secret),
                    )])));
                self.ctx.set_health(Health::healthy("read file"));
                Ok(())
            }
            Err(e) => {
                let msg = format!("failed to read file {}: {e}", args.filename);
                tracing::error!(component = %self.ctx.id, "{msg}");
                self.ctx.set_health(Health::unhealthy(msg.clone()));
                Err(msg)
            }
        }
    }
}

impl Component for LocalFile {
    type Arguments = Arguments;

    fn build(ctx: Context, args: Arguments) -> Result<Self, ComponentError> {
        args.validate()?;
        let last_accessed = Gauge::<f64, AtomicU64>::default();
        ctx.with_metrics(|r| {
            r.register(
                "local_file_timestamp_last_accessed_unix_seconds",
                "The last successful access in unix seconds",
                last_accessed.clone(),
            )
        });
        let (args_tx, _) = watch::channel(args.clone());
        let c = LocalFile {
            ctx,
            args_tx,
            last_accessed,
            read_lock: Mutex::new(()),
        };
        c.read(&args).map_err(ComponentError)?;
        Ok(c)
    }

    fn update(&self, args: Arguments) -> Result<(), ComponentError> {
        args.validate()?;
        self.read(&args).map_err(ComponentError)?;
        self.args_tx.send_replace(args);
        Ok(())
    }

    fn run(
        self: Arc<Self>,
        cancel: CancellationToken,
    ) -> BoxFuture<'static, Result<(), ComponentError>> {
        Box::pin(async move {
            let mut args_rx = self.args_tx.subscribe();
            loop {
                let args = args_rx.borrow_and_update().clone();
                let detector = args.validate()?;
                let path = PathBuf::from(&args.filename);
                let mut watcher = (detector == Detector::FsNotify).then(|| watch_file(&path));
                if let Some(w) = &watcher {
                    for e in w.errors() {
                        tracing::warn!(component = %self.ctx.id, "{e}; relying on polling");
                    }
                }
                let period = args.poll_frequency.to_std_saturating();
                let mut poll =
                    tokio::time::interval_at(tokio::time::Instant::now() + period, period);
                poll.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
                loop {
                    tokio::select! {
                        _ = cancel.cancelled() => return Ok(()),
                        r = args_rx.changed() => {
                            if r.is_err() {
                                return Ok(());
                            }
                            break;
                        }
                        _ = async {
                            match watcher.as_mut() {
                                Some(w) => w.changed().await,
                                None => std::future::pending().await,
                            }
                        } => {
                            tokio::time::sleep(SETTLE).await;
                            let _ = self.read(&args);
                        }
                        _ = poll.tick() => {
                            if let Some(w) = watcher.as_mut() {
                                w.rewatch();
                            }
                            let _ = self.read(&args);
                        }
                    }
                }
            }
        })
    }
}

/// A watcher for the directory holding `path`, reacting to events about `path` only.
fn watch_file(path: &Path) -> DirWatcher {
    let target = absolute(path);
    let dir = parent_dir(&target);
    DirWatcher::new([dir], Arc::new(move |p: &Path| p == target))
}

/// `path` made absolute against the current directory (events carry absolute paths).
fn absolute(path: &Path) -> PathBuf {
    if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir()
            .map(|d| d.join(path))
            .unwrap_or_else(|_| path.to_path_buf())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::components::testing;

    fn content(v: &Value) -> Value {
        let Value::Object(o) = v else { panic!("{v:?}") };
        o.get("content").cloned().unwrap()
    }

    fn args(path: &Path) -> Arguments {
        Arguments {
            filename: path.display().to_string(),
            detector: default_detector(),
            poll_frequency: default_poll_frequency(),
            is_secret: false,
        }
    }

    #[test]
    fn unreadable_file_fails_build() {
        let t = testing::context("local.file.x");
        let e = LocalFile::build(t.ctx.clone(), args(Path::new("/nonexistent/x.txt")))
            .err()
            .unwrap();
        assert!(
            e.0.starts_with("failed to read file /nonexistent/x.txt: "),
            "{e}"
        );
    }

    #[test]
    fn bad_detector_and_frequency() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("a");
        std::fs::write(&f, "x").unwrap();
        let t = testing::context("local.file.x");
        let mut a = args(&f);
        a.detector = "inotify".into();
        let e = LocalFile::build(t.ctx.clone(), a.clone()).err().unwrap();
        assert_eq!(
            e.0,
            "unrecognized detector \"inotify\", expected fsnotify or poll"
        );
        a.detector = "poll".into();
        a.poll_frequency = Duration(0);
        let e = LocalFile::build(t.ctx.clone(), a).err().unwrap();
        assert_eq!(e.0, "poll_frequency must be greater than 0");
    }

    #[tokio::test]
    async fn follows_changes_and_reports_unreadable() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("a.txt");
        std::fs::write(&f, "one").unwrap();
        let mut t = testing::context("local.file.x");
        let mut a = args(&f);
        a.is_secret = true;
        let c = Arc::new(LocalFile::build(t.ctx.clone(), a).unwrap());
        assert_eq!(content(&t.exports()), Value::optional_secret("one", true));
        assert!(t.next_change(1).await);
        let cancel = CancellationToken::new();
        let task = tokio::spawn(c.clone().run(cancel.clone()));
        // Give the watcher a moment to be in place.
        tokio::time::sleep(StdDuration::from_millis(100)).await;
        let tmp = dir.path().join(".a.txt.swp");
        std::fs::write(&tmp, "two").unwrap();
        std::fs::rename(&tmp, &f).unwrap();
        assert!(t.next_change(10).await, "change not seen");
        assert_eq!(content(&t.exports()), Value::optional_secret("two", true));
        std::fs::remove_file(&f).unwrap();
        let ok = crate::components::testing::wait_until(10, || {
            t.health().state == crate::runtime::health::HealthState::Unhealthy
        })
        .await;
        assert!(ok, "{:?}", t.health());
        assert!(t.health().message.contains("a.txt"));
        assert_eq!(content(&t.exports()), Value::optional_secret("two", true));
        std::fs::write(&f, "three").unwrap();
        assert!(t.next_change(10).await);
        assert_eq!(t.health().message, "read file");
        cancel.cancel();
        task.await.unwrap().unwrap();
    }
}
