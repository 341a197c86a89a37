//! Ring keys of clustered work items, built exactly as upstream builds them (spec §2.4).
//!
//! A key is a pure function of the item's labels, so every node computes the same key for the
//! same target and the ring (see [`super::ring`]) then picks the same owner everywhere.

use std::fmt;

use xxhash_rust::xxh64::Xxh64;

use super::ring::HASH_SEED;

/// Separator byte written after every label name and value (Prometheus' `labels.StableHash`).
const SEP: u8 = 0xFF;

/// The prefix of labels that never take part in a scrape target's key.
const META_PREFIX: &str = "__meta_";

/// The position of a work item on the ring (a 64-bit XXH64 hash).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TargetKey(pub u64);

impl fmt::Debug for TargetKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TargetKey({:#018x})", self.0)
    }
}

impl fmt::Display for TargetKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:#018x}", self.0)
    }
}

impl TargetKey {
    /// The key of a `prometheus.scrape` / `pyroscope.scrape` target (upstream
    /// `NonMetaLabelsHash`): every label except those whose name starts with `__meta_`,
    /// sorted by name bytewise, hashed as `name 0xFF value 0xFF …` with XXH64 (seed 0).
    ///
    /// `labels` must be the target's label set as received in the component's `targets`
    /// argument (own labels winning over group labels), with each name at most once.
    pub fn for_scrape_target<'a>(labels: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        hash_sorted(
            labels
                .into_iter()
                .filter(|(name, _)| !name.starts_with(META_PREFIX)),
        )
    }

    /// The stable hash over all labels (no filtering), as Prometheus' `labels.StableHash`.
    pub fn for_all_labels<'a>(labels: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        hash_sorted(labels.into_iter())
    }

    /// The same construction restricted to the labels named in `names` (upstream
    /// `SpecificLabelsHash`, used by `loki.source.kubernetes`).
    pub fn for_specific_labels<'a>(
        labels: impl IntoIterator<Item = (&'a str, &'a str)>,
        names: &[&str],
    ) -> Self {
        hash_sorted(labels.into_iter().filter(|(name, _)| names.contains(name)))
    }
}

/// Sorts the pairs by name (bytewise) and hashes them as `name 0xFF value 0xFF` repeated.
fn hash_sorted<'a>(labels: impl Iterator<Item = (&'a str, &'a str)>) -> TargetKey {
    let mut pairs: Vec<(&str, &str)> = labels.collect();
    pairs.sort_unstable_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    let mut hasher = Xxh64::new(HASH_SEED);
    for (name, value) in pairs {
        hasher.update(name.as_bytes());
        hasher.update(&[SEP]);
        hasher.update(value.as_bytes());
        hasher.update(&[SEP]);
    }
    TargetKey(hasher.digest())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::ring::{NodeName, Ring};

    #[test]
    fn golden_scrape_target_owned_by_alloy_2() {
        let labels = [
            ("__address__", "10.0.0.1:9100"),
            ("job", "node"),
            ("__meta_kubernetes_pod_name", "x"),
        ];
        let key = TargetKey::for_scrape_target(labels);
        assert_eq!(key, TargetKey(0x59f58f652d56c8e9));
        let ring = Ring::with_default_tokens(["alloy-0", "alloy-1", "alloy-2"].map(NodeName::from));
        assert_eq!(ring.owner(key.0).map(NodeName::as_str), Some("alloy-2"));
    }

    #[test]
    fn golden_all_labels() {
        let owned: Vec<(String, String)> = (0..10)
            .map(|i| (format!("label_{i}"), format!("value_{i}")))
            .collect();
        let key = TargetKey::for_all_labels(owned.iter().map(|(n, v)| (n.as_str(), v.as_str())));
        assert_eq!(key, TargetKey(0xa28155048ff30d6f));
        // No __meta_ labels: the scrape key is the same hash.
        let scrape =
            TargetKey::for_scrape_target(owned.iter().map(|(n, v)| (n.as_str(), v.as_str())));
        assert_eq!(scrape, key);
    }

    #[test]
    fn golden_non_meta_labels() {
        let mut owned: Vec<(String, String)> = (0..10)
            .map(|i| (format!("label_{i}"), format!("val_{i}")))
            .collect();
        owned.push(("__meta_kubernetes_pod_name".into(), "pod".into()));
        owned.push(("__meta_consul_service".into(), "svc".into()));
        let key = TargetKey::for_scrape_target(owned.iter().map(|(n, v)| (n.as_str(), v.as_str())));
        assert_eq!(key, TargetKey(0x77c5d28715ca6a11));
    }

    #[test]
    fn golden_specific_labels() {
        let labels = [
            ("foo", "bar"),
            ("bin", "baz"),
            ("other", "x"),
            ("__address__", "y"),
        ];
        let key = TargetKey::for_specific_labels(labels, &["foo", "bin"]);
        assert_eq!(key, TargetKey(0xbbbe498586b668f3));
    }

    #[test]
    fn order_of_input_does_not_matter_and_meta_is_ignored() {
        let a = TargetKey::for_scrape_target([("job", "x"), ("__address__", "h:1")]);
        let b = TargetKey::for_scrape_target([
            ("__address__", "h:1"),
            ("__meta_foo", "changing"),
            ("job", "x"),
        ]);
        assert_eq!(a, b);
        let c = TargetKey::for_scrape_target([("__address__", "h:1"), ("job", "y")]);
        assert_ne!(a, c);
    }

    #[test]
    fn separators_prevent_ambiguity() {
        let a = TargetKey::for_all_labels([("ab", "c")]);
        let b = TargetKey::for_all_labels([("a", "bc")]);
        assert_ne!(a, b);
    }
}
