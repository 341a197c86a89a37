//! Node IDs: `prometheus.scrape.default`, `logging`, …

use std::fmt;
use std::sync::Arc;

/// The ID of a node of the graph: a component's name fragments and label joined with `.`,
/// or a config block's name. Cheap to clone.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ComponentId(Arc<str>);

impl ComponentId {
    /// Wraps an ID string.
    pub fn new(s: impl Into<Arc<str>>) -> ComponentId {
        ComponentId(s.into())
    }

    /// The ID for a block named `name` (`a.b`) with `label` (may be empty).
    pub fn for_block(name: &str, label: &str) -> ComponentId {
        if label.is_empty() {
            ComponentId(Arc::from(name))
        } else {
            ComponentId(Arc::from(format!("{name}.{label}")))
        }
    }

    /// The ID text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The fragments (`["prometheus", "scrape", "default"]`).
    pub fn fragments(&self) -> impl Iterator<Item = &str> {
        self.0.split('.')
    }
}

impl fmt::Display for ComponentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for ComponentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", &*self.0)
    }
}

impl std::borrow::Borrow<str> for ComponentId {
    fn borrow(&self) -> &str {
        &self.0
    }
}
