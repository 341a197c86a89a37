//! `discovery.*` components: they find targets and export them as `targets`, a list of label
//! maps, for `prometheus.scrape` (or `discovery.relabel`) to consume.
//!
//! What they share lives here: the [`Target`] type, the exports struct, and the
//! [`Coalescer`] that limits how often a discoverer republishes its targets (upstream's
//! `MaxUpdateFrequency`: every new target list re-evaluates the dependants).

pub mod dns;
pub mod file;
pub mod glob;
pub mod http;
pub mod relabel;
pub mod target_group;

use std::collections::BTreeMap;
use std::time::Duration;

use serde::Serialize;
use tokio::time::Instant;

use crate::runtime::component::Context;

/// A target: label names to values (`__address__` and friends included).
pub type Target = BTreeMap<String, String>;

/// The exports of a discovery component.
#[derive(Serialize, Debug, Clone, PartialEq)]
pub struct TargetsExports {
    /// The discovered targets.
    pub targets: Vec<Target>,
}

/// Minimum time between two published target lists.
pub const MAX_UPDATE_FREQUENCY: Duration = Duration::from_secs(5);

/// Publishes target lists at most once per [`MAX_UPDATE_FREQUENCY`]: a list offered too soon
/// after the previous one waits, and only the newest waiting list is published.
pub struct Coalescer {
    last_published: Option<Instant>,
    pending: Option<Vec<Target>>,
    current: Option<Vec<Target>>,
    interval: Duration,
}

impl Default for Coalescer {
    fn default() -> Self {
        Coalescer::new(MAX_UPDATE_FREQUENCY)
    }
}

impl Coalescer {
    /// A coalescer allowing one publication per `interval`.
    pub fn new(interval: Duration) -> Coalescer {
        Coalescer {
            last_published: None,
            pending: None,
            current: None,
            interval,
        }
    }

    /// Publishes `targets` now if allowed (or if `immediate`), otherwise keeps them for
    /// [`Coalescer::flush`]. A list equal to the published one is dropped.
    pub fn offer(&mut self, ctx: &Context, targets: Vec<Target>, immediate: bool) {
        if self.current.as_ref() == Some(&targets) {
            self.pending = None;
            return;
        }
        let now = Instant::now();
        let allowed = self
            .last_published
            .is_none_or(|t| now.duration_since(t) >= self.interval);
        if immediate || allowed {
            self.publish(ctx, targets, now);
        } else {
            self.pending = Some(targets);
        }
    }

    /// When the waiting list may be published, if one waits.
    pub fn deadline(&self) -> Option<Instant> {
        self.pending.as_ref()?;
        Some(
            self.last_published
                .map_or_else(Instant::now, |t| t + self.interval),
        )
    }

    /// Publishes the waiting list, if any.
    pub fn flush(&mut self, ctx: &Context) {
        if let Some(t) = self.pending.take() {
            self.publish(ctx, t, Instant::now());
        }
    }

    fn publish(&mut self, ctx: &Context, targets: Vec<Target>, now: Instant) {
        self.pending = None;
        ctx.set_exports(&TargetsExports {
            targets: targets.clone(),
        });
        self.current = Some(targets);
        self.last_published = Some(now);
    }
}

/// Sleeps until `deadline`, or forever when there is none (for `select!` arms).
pub async fn sleep_until_opt(deadline: Option<Instant>) {
    match deadline {
        Some(d) => tokio::time::sleep_until(d).await,
        None => std::future::pending().await,
    }
}

/// The first `n` errors joined with `; `, and how many more there were.
pub fn summarize_errors(errors: &[String], n: usize) -> String {
    let mut s = errors
        .iter()
        .take(n)
        .cloned()
        .collect::<Vec<_>>()
        .join("; ");
    if errors.len() > n {
        s.push_str(&format!(" (and {} more)", errors.len() - n));
    }
    s
}
