//! Health of a node: the least healthy of its last evaluation, its task, and its own report.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::Serialize;

/// A health state. Order is "least healthy wins": exited > unhealthy > unknown > healthy.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, Serialize, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum HealthState {
    /// Working.
    Healthy,
    /// Not known yet.
    Unknown,
    /// Failing.
    Unhealthy,
    /// Its task ended.
    Exited,
}

impl HealthState {
    /// The API spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            HealthState::Healthy => "healthy",
            HealthState::Unknown => "unknown",
            HealthState::Unhealthy => "unhealthy",
            HealthState::Exited => "exited",
        }
    }
}

/// A health report with its message and time.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Health {
    /// The state.
    pub state: HealthState,
    /// Why.
    pub message: String,
    /// When it was set.
    #[serde(rename = "updatedTime")]
    pub updated: DateTime<Utc>,
}

impl Health {
    /// A report with the current time.
    pub fn new(state: HealthState, message: impl Into<String>) -> Health {
        Health {
            state,
            message: message.into(),
            updated: Utc::now(),
        }
    }

    /// Healthy.
    pub fn healthy(message: impl Into<String>) -> Health {
        Health::new(HealthState::Healthy, message)
    }

    /// Unhealthy.
    pub fn unhealthy(message: impl Into<String>) -> Health {
        Health::new(HealthState::Unhealthy, message)
    }

    /// Unknown.
    pub fn unknown(message: impl Into<String>) -> Health {
        Health::new(HealthState::Unknown, message)
    }

    /// The least healthy of several reports; ties go to the most recent.
    pub fn worst<'a>(items: impl IntoIterator<Item = &'a Health>) -> Health {
        let mut best: Option<&Health> = None;
        for h in items {
            best = match best {
                None => Some(h),
                Some(b) if h.state > b.state || (h.state == b.state && h.updated > b.updated) => {
                    Some(h)
                }
                keep => keep,
            };
        }
        best.cloned()
            .unwrap_or_else(|| Health::unknown("no health information"))
    }
}

/// A shared, updatable health report.
#[derive(Clone)]
pub struct HealthSlot(Arc<arc_swap::ArcSwap<Health>>);

impl HealthSlot {
    /// A slot holding `h`.
    pub fn new(h: Health) -> HealthSlot {
        HealthSlot(Arc::new(arc_swap::ArcSwap::from_pointee(h)))
    }

    /// Replaces the report (keeps the old time if nothing changed, so "since" stays right).
    pub fn set(&self, h: Health) {
        let cur = self.0.load();
        if cur.state == h.state && cur.message == h.message {
            return;
        }
        self.0.store(Arc::new(h));
    }

    /// The current report.
    pub fn get(&self) -> Health {
        (**self.0.load()).clone()
    }
}
