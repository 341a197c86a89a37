//! Where samples go: the receiver handle components pass to each other.
//!
//! A `receiver` export (`prometheus.remote_write.x.receiver`, `prometheus.relabel.x.receiver`)
//! is a capsule holding an [`Appendable`]; a producer (`prometheus.scrape`, `forward_to`)
//! calls it directly, so samples never flow through the configuration graph. A call hands
//! over one batch (typically one scrape of one target).

use std::sync::Arc;

use serde::{Deserialize, Deserializer};

use super::labels::Labels;
use crate::eval::{Capsule, Value};

/// One sample of one series.
#[derive(Clone, Debug, PartialEq)]
pub struct SamplePoint {
    /// The series, `__name__` included.
    pub labels: Labels,
    /// Milliseconds since the Unix epoch.
    pub timestamp_ms: i64,
    /// The value (the stale-marker NaN marks a series that ended).
    pub value: f64,
}

/// Something that accepts samples.
pub trait Appendable: Send + Sync + 'static {
    /// Accepts a batch. Must not block for long: buffer or hand off.
    fn append(&self, batch: &[SamplePoint]);
}

/// The type name receivers carry in capsules (shown in the UI as `capsule("…")`).
pub const RECEIVER_TYPE: &str = "storage.Appendable";

/// A shareable receiver, as components hold it.
#[derive(Clone)]
pub struct Receiver(pub Arc<dyn Appendable>);

impl Receiver {
    /// Wraps an appendable.
    pub fn new(a: Arc<dyn Appendable>) -> Receiver {
        Receiver(a)
    }

    /// The capsule value to export.
    pub fn to_value(&self) -> Value {
        Value::Capsule(Capsule::from_arc(RECEIVER_TYPE, Arc::new(self.clone())))
    }

    /// The receiver inside a capsule value, if it holds one.
    pub fn from_value(v: &Value) -> Option<Receiver> {
        match v {
            Value::Capsule(c) => c.downcast_arc::<Receiver>().map(|r| (*r).clone()),
            _ => None,
        }
    }

    /// Sends a batch.
    pub fn append(&self, batch: &[SamplePoint]) {
        self.0.append(batch)
    }
}

impl PartialEq for Receiver {
    /// Receivers are equal when they are the same handle.
    fn eq(&self, other: &Receiver) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl std::fmt::Debug for Receiver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "capsule({RECEIVER_TYPE:?})")
    }
}

impl<'de> Deserialize<'de> for Receiver {
    /// From a receiver capsule (`forward_to = [prometheus.remote_write.x.receiver]`).
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Receiver, D::Error> {
        let v = Value::deserialize(d)?;
        Receiver::from_value(&v).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "{} should be capsule(\"{RECEIVER_TYPE}\"), got {}",
                crate::eval::print::to_river(&v),
                v.value_type()
            ))
        })
    }
}

impl serde::Serialize for Receiver {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.to_value().serialize(s)
    }
}

/// Sends each batch to several receivers (a component's `forward_to`).
#[derive(Clone, Default, Debug, PartialEq)]
pub struct Fanout(pub Vec<Receiver>);

impl Fanout {
    /// Sends a batch to every receiver.
    pub fn append(&self, batch: &[SamplePoint]) {
        for r in &self.0 {
            r.append(batch);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    struct Collect(Mutex<Vec<SamplePoint>>);
    impl Appendable for Collect {
        fn append(&self, batch: &[SamplePoint]) {
            self.0.lock().unwrap().extend_from_slice(batch);
        }
    }

    #[test]
    fn receiver_round_trips_through_a_value() {
        let c = Arc::new(Collect(Mutex::new(Vec::new())));
        let r = Receiver::new(c.clone());
        let v = r.to_value();
        let back: Receiver = crate::eval::from_value(&v).unwrap();
        assert_eq!(back, r);
        back.append(&[SamplePoint {
            labels: Labels::from_pairs([("__name__", "x")]),
            timestamp_ms: 1,
            value: 2.0,
        }]);
        assert_eq!(c.0.lock().unwrap().len(), 1);
        let list: Vec<Receiver> =
            crate::eval::from_value(&Value::from(vec![v.clone(), v])).unwrap();
        assert_eq!(list.len(), 2);
    }
}
