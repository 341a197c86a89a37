//! Watching files for changes: filesystem events on their parent directories.
//!
//! Editors and config-management tools often replace a file by writing a new one and renaming
//! it over the old path; a watch on the file itself would then follow the old inode and go
//! silent. Watching the *directory* sees every create, write, rename and remove of the names in
//! it, so a [`DirWatcher`] watches directories and keeps only the events about paths its filter
//! accepts. Events are a hint, not the source of truth: callers also re-read on a timer and
//! call [`DirWatcher::rewatch`] then, which re-establishes watches on directories that were
//! missing, recreated, or could not be watched (the system ran out of watches).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use notify::event::{AccessKind, AccessMode, EventKind};
use notify::{RecommendedWatcher, RecursiveMode, Watcher};
use tokio::sync::mpsc;

/// Decides whether an event about `path` matters.
pub type PathFilter = Arc<dyn Fn(&Path) -> bool + Send + Sync>;

/// Watches directories and signals when something the filter accepts changes in them.
pub struct DirWatcher {
    watcher: Option<RecommendedWatcher>,
    /// Each directory and whether its watch is in place.
    dirs: BTreeMap<PathBuf, bool>,
    rx: mpsc::Receiver<()>,
    /// Why the watcher could not be created, if it could not.
    setup_error: Option<String>,
}

impl DirWatcher {
    /// Starts watching `dirs`; events about paths `filter` rejects are ignored. Never fails:
    /// problems are reported by [`DirWatcher::errors`] and the caller's polling covers them.
    pub fn new(dirs: impl IntoIterator<Item = PathBuf>, filter: PathFilter) -> DirWatcher {
        // One slot: a pending signal already means "look again"; more would be redundant.
        let (tx, rx) = mpsc::channel(1);
        let handler = move |res: notify::Result<notify::Event>| {
            let relevant = match res {
                Ok(ev) => is_change(&ev.kind) && ev.paths.iter().any(|p| filter(p)),
                // The watcher failed in some way; the safe reaction is to look again.
                Err(_) => true,
            };
            if relevant {
                let _ = tx.try_send(());
            }
        };
        let (watcher, setup_error) = match notify::recommended_watcher(handler) {
            Ok(w) => (Some(w), None),
            Err(e) => (None, Some(format!("cannot watch files for changes: {e}"))),
        };
        let mut w = DirWatcher {
            watcher,
            dirs: dirs.into_iter().map(|d| (d, false)).collect(),
            rx,
            setup_error,
        };
        w.rewatch();
        w
    }

    /// Watches every directory again: one that did not exist may have appeared, and one that
    /// was deleted and recreated needs a new watch. Re-adding a live watch is a cheap no-op.
    pub fn rewatch(&mut self) {
        let Some(w) = self.watcher.as_mut() else {
            return;
        };
        for (dir, watched) in self.dirs.iter_mut() {
            *watched = w.watch(dir, RecursiveMode::NonRecursive).is_ok();
        }
    }

    /// Why events may be missed (polling still covers them), if they may.
    pub fn errors(&self) -> Vec<String> {
        let mut out: Vec<String> = self.setup_error.iter().cloned().collect();
        if self.watcher.is_some() {
            out.extend(
                self.dirs
                    .iter()
                    .filter(|(_, w)| !**w)
                    .map(|(d, _)| format!("cannot watch directory {}", d.display())),
            );
        }
        out
    }

    /// Waits for the next change signal. Never returns when no watcher could be created.
    pub async fn changed(&mut self) {
        if self.watcher.is_none() {
            return std::future::pending().await;
        }
        if self.rx.recv().await.is_none() {
            std::future::pending::<()>().await;
        }
    }
}

/// True for events that may change what reading the path returns. Opening or reading a file
/// (our own reads included) is not a change.
fn is_change(kind: &EventKind) -> bool {
    match kind {
        EventKind::Access(AccessKind::Close(AccessMode::Write)) => true,
        EventKind::Access(_) => false,
        _ => true,
    }
}

/// The directory holding `path` (`.` for a bare file name).
pub fn parent_dir(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test]
    async fn sees_rename_over_the_watched_name() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("a.txt");
        std::fs::write(&target, "1").unwrap();
        let t2 = target.clone();
        let mut w = DirWatcher::new([dir.path().to_path_buf()], Arc::new(move |p| p == t2));
        assert!(w.errors().is_empty(), "{:?}", w.errors());
        // An unrelated file does not wake us.
        std::fs::write(dir.path().join("other.txt"), "x").unwrap();
        let quiet = tokio::time::timeout(Duration::from_millis(300), w.changed()).await;
        assert!(quiet.is_err(), "woke up for an unrelated file");
        // Replace by rename, as editors do.
        let tmp = dir.path().join(".a.txt.tmp");
        std::fs::write(&tmp, "2").unwrap();
        std::fs::rename(&tmp, &target).unwrap();
        tokio::time::timeout(Duration::from_secs(10), w.changed())
            .await
            .expect("rename seen");
    }

    #[tokio::test]
    async fn missing_directory_is_reported_and_retried() {
        let dir = tempfile::tempdir().unwrap();
        let sub = dir.path().join("later");
        let mut w = DirWatcher::new([sub.clone()], Arc::new(|_: &Path| true));
        assert_eq!(w.errors().len(), 1);
        std::fs::create_dir(&sub).unwrap();
        w.rewatch();
        assert!(w.errors().is_empty());
    }

    #[test]
    fn parent_of_bare_name_is_current_dir() {
        assert_eq!(parent_dir(Path::new("x.json")), PathBuf::from("."));
        assert_eq!(parent_dir(Path::new("/a/b.json")), PathBuf::from("/a"));
    }
}
