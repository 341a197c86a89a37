//! `discovery.file`: targets from Prometheus file_sd documents (JSON or YAML group lists).
//!
//! `files` are glob patterns (Go `filepath.Glob` syntax). Every matching file is read at
//! `build` (so the first target list is ready for dependants in the same load), then again
//! when the filesystem reports a change in a directory holding a pattern or a matched file,
//! and every `refresh_interval`. Each target gets `__meta_filepath`. A file that fails to
//! read or parse keeps the groups it had before and makes the component unhealthy with a
//! message naming the file and the position; files that stop matching are dropped.
//! New target lists are published at most once per 5 s.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration as StdDuration;

use futures::future::BoxFuture;
use prometheus_client::metrics::counter::Counter;
use serde::{Deserialize, Serialize};
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

use super::glob;
use super::target_group::{self, Format, TargetGroup};
use super::{sleep_until_opt, summarize_errors, Coalescer, Target};
use crate::components::common::file_watch::{parent_dir, DirWatcher};
use crate::eval::Duration;
use crate::runtime::component::{Component, ComponentError, Context};
use crate::runtime::health::Health;

/// The meta label naming the file a target came from.
pub const FILEPATH_LABEL: &str = "__meta_filepath";

/// Wait this long after a change event before reading (a write may still be in progress).
const SETTLE: StdDuration = StdDuration::from_millis(50);

fn default_refresh_interval() -> Duration {
    Duration(5 * 60 * 1_000_000_000)
}

/// Arguments of `discovery.file`.
#[derive(Deserialize, Serialize, Clone, PartialEq, Debug)]
pub struct Arguments {
    /// Glob patterns of the files to read.
    pub files: Vec<String>,
    /// How often to re-read the files regardless of events.
    #[serde(default = "default_refresh_interval")]
    pub refresh_interval: Duration,
}

crate::river_schema!(Arguments {
    attr files,
    attr? refresh_interval,
});

impl Arguments {
    fn validate(&self) -> Result<(), ComponentError> {
        if self.refresh_interval.0 <= 0 {
            return Err("refresh_interval must be greater than 0".into());
        }
        for f in &self.files {
            glob::validate(f).map_err(|e| ComponentError(e.to_string()))?;
        }
        Ok(())
    }
}

/// The format of a file, from its extension.
fn format_of(path: &Path) -> Option<Format> {
    let ext = path.extension()?.to_str()?.to_ascii_lowercase();
    match ext.as_str() {
        "json" => Some(Format::Json),
        "yml" | "yaml" => Some(Format::Yaml),
        _ => None,
    }
}

/// Reads one file's groups; errors name the file (and position when known).
fn read_file(path: &Path) -> Result<Vec<TargetGroup>, String> {
    let name = path.display();
    let format = format_of(path).ok_or_else(|| {
        format!("{name}: unsupported file extension (expected .json, .yml or .yaml)")
    })?;
    let data = std::fs::read(path).map_err(|e| format!("{name}: {e}"))?;
    target_group::parse(&data, format).map_err(|e| format!("{name}:{e}"))
}

/// What the last refresh found.
#[derive(Default)]
struct State {
    /// Groups per file, for the files the patterns matched.
    groups: BTreeMap<PathBuf, Vec<TargetGroup>>,
    /// Directories to watch.
    dirs: BTreeSet<PathBuf>,
}

/// The `discovery.file` component.
pub struct FileDiscovery {
    ctx: Context,
    args_tx: watch::Sender<Arguments>,
    state: Mutex<State>,
    /// Publishes target lists; only the build and the task use it, one at a time.
    coalescer: Mutex<Coalescer>,
    read_errors: Counter,
}

impl FileDiscovery {
    /// Re-reads every matching file; returns the targets and the errors.
    fn refresh(&self, args: &Arguments) -> (Vec<Target>, Vec<String>) {
        let mut errors = Vec::new();
        let mut paths = BTreeSet::new();
        let mut dirs = BTreeSet::new();
        for pattern in &args.files {
            // A directory without wildcards is watched even before files appear in it.
            let dir = parent_dir(Path::new(pattern));
            if glob::Pattern::new(&dir.to_string_lossy()).is_ok_and(|p| p.is_literal()) {
                dirs.insert(dir);
            }
            match glob::glob(pattern) {
                Ok(found) => paths.extend(found.into_iter().filter(|p| !p.is_dir())),
                Err(e) => errors.push(e.to_string()),
            }
        }
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let mut groups = BTreeMap::new();
        for p in paths {
            dirs.insert(parent_dir(&p));
            match read_file(&p) {
                Ok(g) => {
                    groups.insert(p, g);
                }
                Err(e) => {
                    self.read_errors.inc();
                    tracing::error!(component = %self.ctx.id, "error reading file: {e}");
                    errors.push(e);
                    // Keep what the file held before.
                    if let Some(old) = state.groups.remove(&p) {
                        groups.insert(p, old);
                    }
                }
            }
        }
        let mut targets = Vec::new();
        for (path, gs) in &groups {
            let p = path.display().to_string();
            targets.extend(target_group::to_targets(gs, &[(FILEPATH_LABEL, &p)]));
        }
        state.groups = groups;
        state.dirs = dirs;
        (targets, errors)
    }

    /// Refreshes, reports health, and offers the targets for publication.
    fn refresh_and_publish(&self, args: &Arguments, immediate: bool) {
        let (targets, errors) = self.refresh(args);
        if errors.is_empty() {
            self.ctx.set_health(Health::healthy(""));
        } else {
            self.ctx
                .set_health(Health::unhealthy(summarize_errors(&errors, 3)));
        }
        self.coalescer
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .offer(&self.ctx, targets, immediate);
    }

    fn watched_dirs(&self) -> BTreeSet<PathBuf> {
        self.state
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .dirs
            .clone()
    }

    fn deadline(&self) -> Option<tokio::time::Instant> {
        self.coalescer
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .deadline()
    }
}

/// A watcher for `dirs`, reacting to events about paths the patterns match.
fn watch_dirs(dirs: &BTreeSet<PathBuf>, patterns: &[String]) -> DirWatcher {
    let pats: Vec<glob::Pattern> = patterns
        .iter()
        .filter_map(|p| glob::Pattern::new(p).ok())
        .collect();
    let abs: Vec<glob::Pattern> = patterns
        .iter()
        .filter(|p| !Path::new(p).is_absolute())
        .filter_map(|p| {
            let cwd = std::env::current_dir().ok()?;
            glob::Pattern::new(&cwd.join(p).to_string_lossy()).ok()
        })
        .collect();
    DirWatcher::new(
        dirs.iter().map(|d| {
            if d.is_absolute() {
                d.clone()
            } else {
                std::env::current_dir()
                    .map(|c| c.join(d))
                    .unwrap_or_else(|_| d.clone())
            }
        }),
        Arc::new(move |p: &Path| {
            let s = p.to_string_lossy();
            pats.iter().chain(abs.iter()).any(|pat| pat.matches(&s))
        }),
    )
}

impl Component for FileDiscovery {
    type Arguments = Arguments;

    fn build(ctx: Context, args: Arguments) -> Result<Self, ComponentError> {
        args.validate()?;
        let read_errors = Counter::default();
        ctx.with_metrics(|r| {
            r.register(
                "prometheus_sd_file_read_errors",
                "The number of file SD read errors",
                read_errors.clone(),
            )
        });
        let (args_tx, _) = watch::channel(args.clone());
        let c = FileDiscovery {
            ctx,
            args_tx,
            state: Mutex::new(State::default()),
            coalescer: Mutex::new(Coalescer::default()),
            read_errors,
        };
        c.refresh_and_publish(&args, true);
        Ok(c)
    }

    fn update(&self, args: Arguments) -> Result<(), ComponentError> {
        args.validate()?;
        self.args_tx.send_replace(args);
        Ok(())
    }

    fn run(
        self: Arc<Self>,
        cancel: CancellationToken,
    ) -> BoxFuture<'static, Result<(), ComponentError>> {
        Box::pin(async move {
            let mut args_rx = self.args_tx.subscribe();
            let mut args = args_rx.borrow_and_update().clone();
            let mut dirs = self.watched_dirs();
            let mut watcher = watch_dirs(&dirs, &args.files);
            let mut refresh = new_interval(&args);
            loop {
                tokio::select! {
                    _ = cancel.cancelled() => return Ok(()),
                    r = args_rx.changed() => {
                        if r.is_err() {
                            return Ok(());
                        }
                        args = args_rx.borrow_and_update().clone();
                        refresh = new_interval(&args);
                        // New arguments are a configuration change: publish right away.
                        self.refresh_and_publish(&args, true);
                    }
                    _ = watcher.changed() => {
                        tokio::time::sleep(SETTLE).await;
                        self.refresh_and_publish(&args, false);
                    }
                    _ = refresh.tick() => {
                        watcher.rewatch();
                        self.refresh_and_publish(&args, false);
                    }
                    _ = sleep_until_opt(self.deadline()) => {
                        self.coalescer
                            .lock()
                            .unwrap_or_else(|p| p.into_inner())
                            .flush(&self.ctx);
                    }
                }
                let now = self.watched_dirs();
                if now != dirs {
                    dirs = now;
                    watcher = watch_dirs(&dirs, &args.files);
                }
            }
        })
    }
}

fn new_interval(args: &Arguments) -> tokio::time::Interval {
    let period = args.refresh_interval.to_std_saturating();
    let mut i = tokio::time::interval_at(tokio::time::Instant::now() + period, period);
    i.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    i
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::components::testing;

    fn args(pattern: String) -> Arguments {
        Arguments {
            files: vec![pattern],
            refresh_interval: default_refresh_interval(),
        }
    }

    #[test]
    fn reads_json_and_yaml_at_build() {
        let d = tempfile::tempdir().unwrap();
        std::fs::write(
            d.path().join("a.json"),
            r#"[{"targets": ["a:1"], "labels": {"env": "prod"}}]"#,
        )
        .unwrap();
        std::fs::write(d.path().join("b.yml"), "- targets: ['b:2']\n").unwrap();
        std::fs::write(d.path().join("c.txt"), "ignored by the pattern").unwrap();
        let t = testing::context("discovery.file.x");
        let pattern = format!("{}/*.*", d.path().display());
        let a = Arguments {
            files: vec![pattern],
            refresh_interval: default_refresh_interval(),
        };
        // c.txt matches `*.*` and has no known extension: an error, the rest is read.
        FileDiscovery::build(t.ctx.clone(), a).unwrap();
        let targets = testing::targets_of(&t.exports());
        assert_eq!(targets.len(), 2);
        assert_eq!(targets[0]["__address__"], "a:1");
        assert_eq!(targets[0]["env"], "prod");
        assert_eq!(
            targets[0][FILEPATH_LABEL],
            d.path().join("a.json").display().to_string()
        );
        assert_eq!(targets[1]["__address__"], "b:2");
        let h = t.health();
        assert!(
            h.message.contains("c.txt: unsupported file extension"),
            "{h:?}"
        );
    }

    #[test]
    fn bad_pattern_and_interval_fail_build() {
        let t = testing::context("discovery.file.x");
        let e = FileDiscovery::build(t.ctx.clone(), args("/x/[a.json".into()))
            .err()
            .unwrap();
        assert!(e.0.contains("unclosed character class"), "{e}");
        let mut a = args("/x/*.json".into());
        a.refresh_interval = Duration(0);
        assert!(FileDiscovery::build(t.ctx.clone(), a).is_err());
    }

    #[tokio::test]
    async fn malformed_file_keeps_previous_groups() {
        let d = tempfile::tempdir().unwrap();
        let f = d.path().join("t.json");
        std::fs::write(&f, r#"[{"targets": ["a:1"]}]"#).unwrap();
        let mut t = testing::context("discovery.file.x");
        let c = Arc::new(
            FileDiscovery::build(
                t.ctx.clone(),
                args(format!("{}/*.json", d.path().display())),
            )
            .unwrap(),
        );
        assert!(t.next_change(1).await);
        let cancel = CancellationToken::new();
        let task = tokio::spawn(c.clone().run(cancel.clone()));
        tokio::time::sleep(StdDuration::from_millis(100)).await;
        std::fs::write(&f, "[{\"targets\": [\"a:1\",\n  oops]}]").unwrap();
        let ok = testing::wait_until(10, || !t.health().message.is_empty()).await;
        assert!(ok);
        let h = t.health();
        assert!(
            h.message.starts_with(&format!("{}:2:3: ", f.display())),
            "{h:?}"
        );
        assert_eq!(testing::targets_of(&t.exports())[0]["__address__"], "a:1");
        // Fixed again: healthy, and the new list is published (within the 5 s limit).
        std::fs::write(&f, r#"[{"targets": ["b:2"]}]"#).unwrap();
        assert!(t.next_change(10).await);
        assert_eq!(testing::targets_of(&t.exports())[0]["__address__"], "b:2");
        assert!(t.health().message.is_empty());
        cancel.cancel();
        task.await.unwrap().unwrap();
    }
}
