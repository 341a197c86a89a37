//! Debug info for the UI: one `target` block per target this node scrapes.

use std::collections::BTreeMap;

use serde::Serialize;

use super::manager::TargetSnapshot;
use crate::eval::encode::BodyStmt;
use crate::eval::Duration as GoDuration;

/// The debug body.
#[derive(Serialize, Debug)]
pub struct DebugInfo {
    /// Owned targets, sorted by job and URL.
    pub target: Vec<TargetDebug>,
}
crate::river_schema!(DebugInfo { blocks target: TargetDebug });

/// One target.
#[derive(Serialize, Debug)]
pub struct TargetDebug {
    /// The `job` label.
    pub job: String,
    /// The scrape URL.
    pub url: String,
    /// `up`, `down` or `unknown`.
    pub health: String,
    /// The target's labels.
    pub labels: BTreeMap<String, String>,
    /// The last scrape's error, empty if it succeeded.
    pub last_error: String,
    /// When the last scrape started (RFC 3339), empty before the first.
    pub last_scrape: String,
    /// How long the last scrape took.
    pub last_scrape_duration: String,
}
crate::river_schema!(TargetDebug {
    attr job,
    attr url,
    attr health,
    attr labels,
    attr last_error,
    attr last_scrape,
    attr? last_scrape_duration,
});

/// The debug body of the given targets.
pub fn debug_info(mut snap: Vec<TargetSnapshot>) -> Option<Vec<BodyStmt>> {
    snap.sort_by(|a, b| {
        (a.target.labels.get("job"), &a.target.url)
            .cmp(&(b.target.labels.get("job"), &b.target.url))
    });
    let info = DebugInfo {
        target: snap
            .into_iter()
            .map(|s| TargetDebug {
                job: s.target.labels.get("job").unwrap_or("").to_string(),
                url: s.target.url.clone(),
                health: s.status.health.as_str().to_string(),
                labels: s
                    .target
                    .labels
                    .iter()
                    .map(|l| (l.name.to_owned(), l.value.to_owned()))
                    .collect(),
                last_error: s.status.last_error.clone().unwrap_or_default(),
                last_scrape: s
                    .status
                    .last_scrape
                    .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true))
                    .unwrap_or_default(),
                last_scrape_duration: GoDuration::from_std(s.status.last_duration).to_string(),
            })
            .collect(),
    };
    crate::eval::encode::body_of(&info).ok()
}
