//! The per-target series cache: the hot path of scraping.
//!
//! Each scraped line is looked up by its raw series text (`name{labels}` exactly as written);
//! a hit hands back the finished label set (target labels merged, limits checked) without
//! parsing labels again, so a steady target costs one hash lookup and one reference-count
//! increment per sample. The cache also remembers which series each scrape produced, which is
//! what staleness markers are computed from.

use hashbrown::HashTable;

use crate::prom::exposition::Sample;
use crate::prom::labels::{Labels, LabelsBuilder, METRIC_NAME};

/// Label limits of a scrape (0 = no limit).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LabelLimits {
    /// Labels per series (`__name__` included).
    pub label_limit: usize,
    /// Length of a label name.
    pub name_length: usize,
    /// Length of a label value.
    pub value_length: usize,
}

impl LabelLimits {
    /// Checks `labels` against the limits with Prometheus' messages.
    pub fn check(&self, labels: &Labels) -> Result<(), String> {
        let metric = labels.metric_name().unwrap_or("");
        let metric: String = metric.chars().take(50).collect();
        if self.label_limit > 0 && labels.len() > self.label_limit {
            return Err(format!(
                "label_limit exceeded (metric: {metric}, number of labels: {}, limit: {})",
                labels.len(),
                self.label_limit
            ));
        }
        for l in labels.iter() {
            if self.name_length > 0 && l.name.len() > self.name_length {
                let name: String = l.name.chars().take(50).collect();
                return Err(format!(
                    "label_name_length_limit exceeded (metric: {metric}, label name: {name}, length: {}, limit: {})",
                    l.name.len(),
                    self.name_length
                ));
            }
            if self.value_length > 0 && l.value.len() > self.value_length {
                let value: String = l.value.chars().take(50).collect();
                return Err(format!(
                    "label_value_length_limit exceeded (metric: {metric}, label value: {value}, length: {}, limit: {})",
                    l.value.len(),
                    self.value_length
                ));
            }
        }
        Ok(())
    }
}

/// Merges target labels into a scraped series' labels.
///
/// With `honor_labels` the scraped value wins; otherwise the target's value wins and the
/// scraped one is kept as `exported_<name>` (more `exported_` prefixes until the name is free,
/// shortest conflicting names first), as Prometheus does.
pub fn merge_target_labels(scraped: Labels, target: &Labels, honor_labels: bool) -> Labels {
    let mut lb = LabelsBuilder::new(scraped.clone());
    if honor_labels {
        for l in target.iter() {
            if !scraped.contains(l.name) {
                lb.set(l.name, l.value);
            }
        }
        return lb.build();
    }
    let mut conflicts: Vec<(&str, &str)> = Vec::new();
    for l in target.iter() {
        if let Some(v) = scraped.get(l.name) {
            conflicts.push((l.name, v));
        }
        lb.set(l.name, l.value);
    }
    conflicts.sort_by_key(|(name, _)| name.len());
    for (name, value) in conflicts {
        let mut new_name = name.to_string();
        loop {
            new_name.insert_str(0, "exported_");
            if lb.get(&new_name).is_none() {
                lb.set(&new_name, value);
                break;
            }
        }
    }
    lb.build()
}

/// The labels of a parsed sample: `__name__` plus its label pairs (unescaped; a repeated name
/// keeps the last value; empty values dropped).
pub fn sample_labels(s: &Sample<'_>) -> Labels {
    let mut pairs: Vec<(String, String)> = Vec::with_capacity(8);
    pairs.push((METRIC_NAME.to_string(), s.name.to_string()));
    for (name, value) in s.labels() {
        let mut v = String::new();
        value.unescape_into(&mut v);
        pairs.push((name.to_string(), v));
    }
    Labels::from_pairs(pairs)
}

/// One cached series (32 bytes).
///
/// Scrape numbers are `u32` (a cache holds one entry per series of a target, so every byte
/// counts); they wrap after 2^32 scrapes, which the comparisons below allow for, and skip 0.
#[derive(Debug)]
struct Entry {
    /// Where the raw series text is in [`SeriesCache::keys`].
    key_start: u32,
    /// Length of the raw series text, with [`TRACKED`] or-ed in: whether a disappearance gets
    /// a staleness marker (not for series with exposed timestamps unless
    /// `track_timestamps_staleness`).
    key_len: u32,
    labels: Labels,
    /// Scrape number that last produced this series (0 = none yet).
    seen: u32,
    /// Scrape number during which this series was last parsed (commit pending).
    pending: u32,
}

/// The bit of [`Entry::key_len`] that says the series is tracked for staleness; series texts
/// are shorter than 2 GiB (longer ones are not cached).
const TRACKED: u32 = 1 << 31;

impl Entry {
    fn tracked(&self) -> bool {
        self.key_len & TRACKED != 0
    }

    fn key_len(&self) -> usize {
        (self.key_len & !TRACKED) as usize
    }
}

/// The result of a lookup.
#[derive(Debug)]
pub enum Lookup {
    /// Known series (a clone of its labels).
    Hit(Labels),
    /// Already seen in this scrape.
    Duplicate,
    /// Not cached.
    Miss,
}

/// Series of one target, keyed by raw series text.
///
/// Laid out to cost little per series, since a target's cache lives as long as the target:
/// the raw texts sit back to back in one string (no allocation per key), the entries in one
/// vector, and the hash index holds only 4-byte positions into it.
#[derive(Debug, Default)]
pub struct SeriesCache {
    /// The raw series texts of all entries, back to back.
    keys: String,
    entries: Vec<Entry>,
    /// Positions in `entries`, hashed by raw series text.
    index: HashTable<u32>,
    hasher: ahash::RandomState,
    /// Number of the scrape in progress (starts at 1; never 0, which marks "not yet").
    scrape: u32,
    /// Entries were added since the last [`finish`](Self::finish).
    grew: bool,
    /// The buffers may hold growth slack (entries were added since they were last sized).
    slack: bool,
}

/// Scrapes after which a series not seen again is forgotten.
const FORGET_AFTER: u32 = 10;

/// The scrape number after `n`, skipping 0 when it wraps.
fn next_scrape(n: u32) -> u32 {
    n.checked_add(1).unwrap_or(1)
}

/// Scrapes from `then` to `now` (both non-zero), across a wrap.
fn scrapes_since(then: u32, now: u32) -> u32 {
    if then <= now {
        now - then
    } else {
        // Wrapped: 0 is skipped.
        (u32::MAX - then) + now
    }
}

fn key_of<'a>(keys: &'a str, e: &Entry) -> &'a str {
    let start = e.key_start as usize;
    keys.get(start..start + e.key_len()).unwrap_or("")
}

/// The hash of entry `i`'s raw text, for the index when it moves entries.
fn rehash(entries: &[Entry], keys: &str, hasher: &ahash::RandomState, i: u32) -> u64 {
    entries
        .get(i as usize)
        .map_or(0, |e| hasher.hash_one(key_of(keys, e)))
}

impl SeriesCache {
    /// An empty cache.
    pub fn new() -> SeriesCache {
        SeriesCache::default()
    }

    /// Starts the next scrape.
    pub fn begin(&mut self) {
        self.scrape = next_scrape(self.scrape);
    }

    fn find(&self, series: &str) -> Option<usize> {
        let hash = self.hasher.hash_one(series);
        self.index
            .find(hash, |&i| {
                self.entries
                    .get(i as usize)
                    .is_some_and(|e| key_of(&self.keys, e) == series)
            })
            .map(|&i| i as usize)
    }

    /// Looks `series` up for the current scrape and marks it pending.
    pub fn lookup(&mut self, series: &str) -> Lookup {
        let Some(i) = self.find(series) else {
            return Lookup::Miss;
        };
        let scrape = self.scrape;
        let e = &mut self.entries[i];
        if e.pending == scrape {
            return Lookup::Duplicate;
        }
        e.pending = scrape;
        Lookup::Hit(e.labels.clone())
    }

    /// Adds a series (after a miss) and marks it pending.
    pub fn insert(&mut self, series: &str, labels: Labels, tracked: bool) {
        if let Some(i) = self.find(series) {
            let e = &mut self.entries[i];
            e.labels = labels;
            e.pending = self.scrape;
            e.key_len = (e.key_len & !TRACKED) | if tracked { TRACKED } else { 0 };
            return;
        }
        // Positions are u32: a target with 4 GiB of series text (or 2^32 series, or one
        // 2 GiB series) is not cached beyond that, it is only parsed every time.
        let (Ok(key_start), Ok(key_len), Ok(pos)) = (
            u32::try_from(self.keys.len()),
            u32::try_from(series.len()),
            u32::try_from(self.entries.len()),
        ) else {
            return;
        };
        if key_len & TRACKED != 0 || key_start.checked_add(key_len).is_none() {
            return;
        }
        self.keys.push_str(series);
        self.entries.push(Entry {
            key_start,
            key_len: key_len | if tracked { TRACKED } else { 0 },
            labels,
            seen: 0,
            pending: self.scrape,
        });
        let hash = self.hasher.hash_one(series);
        let (entries, keys, hasher) = (&self.entries, &self.keys, &self.hasher);
        self.index
            .insert_unique(hash, pos, |&i| rehash(entries, keys, hasher, i));
        self.grew = true;
        self.slack = true;
    }

    /// Ends the current scrape. When `committed`, the series parsed in it count as produced;
    /// otherwise (a failed scrape) as if nothing was scraped. Calls `stale` with the labels of
    /// every tracked series the previous scrape produced and this one did not.
    pub fn finish(&mut self, committed: bool, mut stale: impl FnMut(&Labels)) {
        let now = self.scrape;
        for e in self.entries.iter_mut() {
            if committed && e.pending == now {
                e.seen = now;
            } else if e.seen != 0 && next_scrape(e.seen) == now && e.tracked() {
                stale(&e.labels);
            }
        }
        // `pending` is set on every lookup or insert, so it is the newest of the two.
        if now.is_multiple_of(FORGET_AFTER)
            && self
                .entries
                .iter()
                .any(|e| scrapes_since(e.pending, now) >= FORGET_AFTER)
        {
            self.compact(|e| scrapes_since(e.pending, now) < FORGET_AFTER);
        } else if self.slack && !self.grew {
            // A target's series arrive in its first scrape and then rarely change: once a
            // scrape adds nothing, release the slack of the doubling buffers. (A target that
            // adds series every scrape keeps its slack instead of being copied every time.)
            self.slack = false;
            self.keys.shrink_to_fit();
            self.entries.shrink_to_fit();
            let (entries, keys, hasher) = (&self.entries, &self.keys, &self.hasher);
            self.index
                .shrink_to_fit(|&i| rehash(entries, keys, hasher, i));
        }
        self.grew = false;
    }

    /// Rebuilds the buffers with only the entries `keep` accepts, sized to fit.
    fn compact(&mut self, keep: impl Fn(&Entry) -> bool) {
        self.slack = false;
        let old_keys = std::mem::take(&mut self.keys);
        let old_entries = std::mem::take(&mut self.entries);
        self.index.clear();
        let kept: Vec<Entry> = old_entries.into_iter().filter(|e| keep(e)).collect();
        let size: usize = kept.iter().map(Entry::key_len).sum();
        self.keys.reserve_exact(size);
        self.entries.reserve_exact(kept.len());
        // Empty now, so nothing is rehashed.
        self.index.shrink_to(kept.len(), |_| 0);
        for e in kept {
            let key = key_of(&old_keys, &e);
            let (Ok(pos), Ok(key_start)) = (
                u32::try_from(self.entries.len()),
                u32::try_from(self.keys.len()),
            ) else {
                break;
            };
            self.keys.push_str(key);
            let hash = self.hasher.hash_one(key);
            self.entries.push(Entry { key_start, ..e });
            let (entries, keys, hasher) = (&self.entries, &self.keys, &self.hasher);
            self.index
                .insert_unique(hash, pos, |&i| rehash(entries, keys, hasher, i));
        }
    }

    /// Calls `f` with the labels of every tracked series the last finished scrape produced
    /// (for end-of-run staleness markers).
    pub fn last_produced(&self, mut f: impl FnMut(&Labels)) {
        for e in &self.entries {
            if e.seen == self.scrape && e.seen != 0 && e.tracked() {
                f(&e.labels);
            }
        }
    }

    /// Number of cached series.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Forgets everything (target labels changed: cached label sets are wrong now).
    pub fn clear(&mut self) {
        *self = SeriesCache {
            scrape: self.scrape,
            ..SeriesCache::default()
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::prom::exposition::{Entry as PEntry, Format, Parser};

    fn l(p: &[(&str, &str)]) -> Labels {
        Labels::from_pairs(p.iter().copied())
    }

    #[test]
    fn honor_labels_false_renames_conflicts() {
        let scraped = l(&[
            ("__name__", "m"),
            ("job", "x"),
            ("exported_job", "y"),
            ("a", "1"),
        ]);
        let target = l(&[("job", "j"), ("instance", "i")]);
        let got = merge_target_labels(scraped, &target, false);
        assert_eq!(
            got,
            l(&[
                ("__name__", "m"),
                ("a", "1"),
                ("exported_exported_job", "x"),
                ("exported_job", "y"),
                ("instance", "i"),
                ("job", "j"),
            ])
        );
    }

    #[test]
    fn honor_labels_true_keeps_scraped() {
        let scraped = l(&[("__name__", "m"), ("job", "x")]);
        let target = l(&[("job", "j"), ("instance", "i")]);
        let got = merge_target_labels(scraped, &target, true);
        assert_eq!(
            got,
            l(&[("__name__", "m"), ("instance", "i"), ("job", "x")])
        );
    }

    #[test]
    fn sample_labels_unescape() {
        let body = b"m{a=\"x\\\"y\",b=\"\"} 1\n";
        let Some(Ok(PEntry::Sample(s))) = Parser::new(body, Format::PrometheusText).next() else {
            panic!()
        };
        assert_eq!(sample_labels(&s), l(&[("__name__", "m"), ("a", "x\"y")]));
    }

    #[test]
    fn limits() {
        let labels = l(&[("__name__", "m"), ("a", "1"), ("bb", "22")]);
        let lim = LabelLimits {
            label_limit: 2,
            ..Default::default()
        };
        assert!(lim
            .check(&labels)
            .unwrap_err()
            .starts_with("label_limit exceeded (metric: m, number of labels: 3, limit: 2)"));
        let lim = LabelLimits {
            value_length: 1,
            ..Default::default()
        };
        assert!(lim
            .check(&labels)
            .unwrap_err()
            .contains("label_value_length_limit exceeded"));
        let lim = LabelLimits {
            name_length: 2,
            ..Default::default()
        };
        assert!(lim
            .check(&labels)
            .unwrap_err()
            .contains("label name: __name__"));
    }

    #[test]
    fn staleness_bookkeeping() {
        let mut c = SeriesCache::new();
        let a = l(&[("__name__", "a")]);
        let b = l(&[("__name__", "b")]);
        // Scrape 1: a and b.
        c.begin();
        assert!(matches!(c.lookup("a"), Lookup::Miss));
        c.insert("a", a.clone(), true);
        assert!(matches!(c.lookup("a"), Lookup::Duplicate));
        c.insert("b", b.clone(), true);
        let mut stale = Vec::new();
        c.finish(true, |l| stale.push(l.clone()));
        assert!(stale.is_empty());
        // Scrape 2: only a → b goes stale.
        c.begin();
        assert!(matches!(c.lookup("a"), Lookup::Hit(_)));
        c.finish(true, |l| stale.push(l.clone()));
        assert_eq!(stale, vec![b.clone()]);
        // Scrape 3 fails (parsed a, not committed) → a goes stale once.
        stale.clear();
        c.begin();
        assert!(matches!(c.lookup("a"), Lookup::Hit(_)));
        c.finish(false, |l| stale.push(l.clone()));
        assert_eq!(stale, vec![a.clone()]);
        // Scrape 4 fails too → no more markers.
        stale.clear();
        c.begin();
        c.finish(false, |l| stale.push(l.clone()));
        assert!(stale.is_empty());
        // Scrape 5 succeeds with a; end of run → a.
        c.begin();
        assert!(matches!(c.lookup("a"), Lookup::Hit(_)));
        c.finish(true, |_| {});
        let mut last = Vec::new();
        c.last_produced(|l| last.push(l.clone()));
        assert_eq!(last, vec![a]);
    }

    #[test]
    fn untracked_series_get_no_markers() {
        let mut c = SeriesCache::new();
        c.begin();
        c.insert("a", l(&[("__name__", "a")]), false);
        c.finish(true, |_| {});
        c.begin();
        let mut n = 0;
        c.finish(true, |_| n += 1);
        assert_eq!(n, 0);
    }

    #[test]
    fn forgets_old_series() {
        let mut c = SeriesCache::new();
        c.begin();
        c.insert("a", l(&[("__name__", "a")]), true);
        c.finish(true, |_| {});
        for _ in 0..(2 * FORGET_AFTER) {
            c.begin();
            c.finish(true, |_| {});
        }
        assert!(c.is_empty());
    }

    #[test]
    fn scrape_numbers_wrap_without_losing_staleness() {
        let mut c = SeriesCache::new();
        c.scrape = u32::MAX - 1;
        let a = l(&[("__name__", "a")]);
        // Scrape u32::MAX produces a; the next (1, after the wrap) does not.
        c.begin();
        assert_eq!(c.scrape, u32::MAX);
        c.insert("a", a.clone(), true);
        c.finish(true, |_| {});
        c.begin();
        assert_eq!(c.scrape, 1);
        let mut stale = Vec::new();
        c.finish(true, |l| stale.push(l.clone()));
        assert_eq!(stale, vec![a]);
        assert_eq!(scrapes_since(u32::MAX, 1), 1);
        assert_eq!(scrapes_since(3, 5), 2);
        // Forgotten FORGET_AFTER scrapes after it was last parsed, across the wrap.
        for _ in 0..FORGET_AFTER {
            c.begin();
            c.finish(true, |_| {});
        }
        assert!(c.is_empty());
    }

    #[test]
    fn compaction_keeps_live_series_findable() {
        let mut c = SeriesCache::new();
        let key = |i: usize| format!("m{{i=\"{i}\"}}");
        let labels = |i: usize| l(&[("__name__", "m"), ("i", &i.to_string())]);
        c.begin();
        for i in 0..100 {
            assert!(matches!(c.lookup(&key(i)), Lookup::Miss));
            c.insert(&key(i), labels(i), true);
        }
        c.finish(true, |_| {});
        assert_eq!(c.len(), 100);
        // Only the even series keep coming; the odd ones go stale once, then are forgotten.
        let mut stale = 0;
        for _ in 0..(2 * FORGET_AFTER) {
            c.begin();
            for i in (0..100).step_by(2) {
                match c.lookup(&key(i)) {
                    Lookup::Hit(got) => assert_eq!(got, labels(i)),
                    other => panic!("{i}: {other:?}"),
                }
                assert!(matches!(c.lookup(&key(i)), Lookup::Duplicate));
            }
            c.finish(true, |_| stale += 1);
        }
        assert_eq!(stale, 50);
        assert_eq!(c.len(), 50);
        c.begin();
        assert!(matches!(c.lookup(&key(1)), Lookup::Miss));
        assert!(matches!(c.lookup(&key(98)), Lookup::Hit(_)));
        // A forgotten series can come back.
        c.insert(&key(1), labels(1), true);
        assert!(matches!(c.lookup(&key(1)), Lookup::Duplicate));
        c.finish(true, |_| {});
        c.begin();
        assert!(matches!(c.lookup(&key(1)), Lookup::Hit(_)));
        c.clear();
        assert!(c.is_empty());
        assert!(matches!(c.lookup(&key(98)), Lookup::Miss));
    }

    #[test]
    fn entry_is_small() {
        assert_eq!(std::mem::size_of::<Entry>(), 32);
    }

    #[test]
    fn buffers_fit_once_series_stop_arriving() {
        let mut c = SeriesCache::new();
        c.begin();
        for i in 0..100 {
            c.insert(&format!("m{i}"), l(&[("__name__", "m")]), true);
        }
        c.finish(true, |_| {});
        // Still growing in scrape 2: slack is kept.
        c.begin();
        c.insert("n", l(&[("__name__", "n")]), true);
        c.finish(true, |_| {});
        assert!(c.entries.capacity() > c.entries.len());
        // Scrape 3 adds nothing: sized to fit.
        c.begin();
        c.finish(true, |_| {});
        assert_eq!(c.entries.capacity(), c.entries.len());
        assert_eq!(c.keys.capacity(), c.keys.len());
        c.begin();
        assert!(matches!(c.lookup("m42"), Lookup::Hit(_)));
        assert!(matches!(c.lookup("n"), Lookup::Hit(_)));
    }
}
