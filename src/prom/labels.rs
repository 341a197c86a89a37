//! Label sets: the identity of a series or a target.
//!
//! [`Labels`] is an immutable label set sorted by name with unique names and no empty values. It is
//! cheap to clone (one reference-counted buffer) and compares by value. [`LabelsBuilder`] edits a
//! label set the way Prometheus' `labels.Builder` does: setting an empty value deletes the label,
//! and building an unmodified builder hands back the original set without copying.
//!
//! A label set is stored as one string: the label count, then per label the name's length, the
//! name, the value's length and the value. Lengths are written as ASCII characters carrying six
//! bits each (bit 6 says "more follows"), so the whole buffer stays valid UTF-8 and names and
//! values are handed out as `&str` slices of it without checks or `unsafe`. A name's length is
//! written plus one; a zero there means one of the names nearly every series has (`__name__`,
//! `instance`, `job`), given by its index in the next character instead of its text. A series then costs
//! one allocation of about its label text plus a byte or two per name and value (instead of two
//! `String`s per label), which is what the per-target series caches of scraping hold.
//!
//! The hash helpers reproduce Prometheus' `labels.StableHash` (XXH64, seed 0, over
//! `name 0xFF value 0xFF` per label in sorted order), which the clustering ring uses as the key of
//! a target; see `spec/clustering.md` §2.4.

use std::cmp::Ordering;
use std::fmt;
use std::sync::Arc;

use serde::de::{MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use xxhash_rust::xxh64::Xxh64;

/// The reserved label that holds a series' metric name.
pub const METRIC_NAME: &str = "__name__";

/// Prefix of discovery metadata labels, which do not take part in a target's identity for
/// clustering and are dropped before scraping.
pub const META_PREFIX: &str = "__meta_";

/// The byte Prometheus writes after each name and value when hashing a label set; it can never
/// appear inside valid UTF-8, so the encoding is unambiguous.
const HASH_SEPARATOR: u8 = 0xFF;

/// One label with owned strings: what builders and decoders collect before a [`Labels`] exists.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Label {
    /// The label name, e.g. `instance`.
    pub name: String,
    /// The label value; never empty inside a [`Labels`].
    pub value: String,
}

impl Label {
    /// Creates a label from anything string-like.
    pub fn new(name: impl Into<String>, value: impl Into<String>) -> Self {
        Label {
            name: name.into(),
            value: value.into(),
        }
    }

    /// A borrowed view of this label.
    pub fn as_ref(&self) -> LabelRef<'_> {
        LabelRef {
            name: &self.name,
            value: &self.value,
        }
    }
}

/// One label of a [`Labels`], borrowed from its buffer.
///
/// Ordering is by name, then value, like [`Label`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LabelRef<'a> {
    /// The label name.
    pub name: &'a str,
    /// The label value (never empty).
    pub value: &'a str,
}

impl LabelRef<'_> {
    /// An owned copy.
    pub fn to_label(self) -> Label {
        Label::new(self.name, self.value)
    }
}

/// Names nearly every series carries, stored as a two-byte code. Never reorder: the codes are
/// only in memory, but equal sets must get equal buffers.
const WELL_KNOWN_NAMES: [&str; 3] = [METRIC_NAME, "instance", "job"];

/// Appends `n` as ASCII characters of six bits each, low bits first, bit 6 set on all but the
/// last: lengths below 64 (nearly all names and values) take one byte.
fn put_len(out: &mut String, mut n: usize) {
    loop {
        let low = (n & 0x3F) as u8;
        n >>= 6;
        if n == 0 {
            out.push(char::from(low));
            return;
        }
        out.push(char::from(low | 0x40));
    }
}

/// Bytes [`put_len`] writes for `n`.
fn len_len(mut n: usize) -> usize {
    let mut k = 1;
    while n >= 0x40 {
        n >>= 6;
        k += 1;
    }
    k
}

/// Reads a length written by [`put_len`] at `*pos`; `None` past the end (never for a buffer
/// this module built).
fn get_len(buf: &[u8], pos: &mut usize) -> Option<usize> {
    let mut n = 0usize;
    let mut shift = 0u32;
    loop {
        let b = *buf.get(*pos)?;
        *pos += 1;
        n |= usize::from(b & 0x3F).checked_shl(shift)?;
        if b & 0x40 == 0 {
            return Some(n);
        }
        shift += 6;
    }
}

/// Appends a label name: its length plus one and its text, or 0 and the code of a well-known
/// name.
fn put_name(out: &mut String, name: &str) {
    match WELL_KNOWN_NAMES.iter().position(|w| *w == name) {
        Some(code) => {
            put_len(out, 0);
            put_len(out, code);
        }
        None => {
            put_len(out, name.len() + 1);
            out.push_str(name);
        }
    }
}

/// Bytes [`put_name`] writes for `name`.
fn name_len(name: &str) -> usize {
    if WELL_KNOWN_NAMES.contains(&name) {
        2
    } else {
        len_len(name.len() + 1) + name.len()
    }
}

/// Encodes labels that are already sorted, unique and non-empty into a buffer with exactly
/// the needed capacity.
fn encode<'a, I>(labels: I) -> Arc<str>
where
    I: Iterator<Item = LabelRef<'a>> + Clone,
{
    let mut count = 0usize;
    let mut size = 0usize;
    for l in labels.clone() {
        count += 1;
        size += name_len(l.name) + len_len(l.value.len()) + l.value.len();
    }
    let mut out = String::with_capacity(len_len(count) + size);
    put_len(&mut out, count);
    for l in labels {
        put_name(&mut out, l.name);
        put_len(&mut out, l.value.len());
        out.push_str(l.value);
    }
    Arc::from(out)
}

/// An immutable label set, sorted by name, with unique names and no empty values.
///
/// Equality, ordering and hashing are by value (ordering compares label by label: name, then
/// value, then length, as Prometheus' `labels.Compare`). Cloning is a reference-count increment.
/// The encoding is canonical, so equal sets have equal buffers.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Labels(Arc<str>);

impl Default for Labels {
    fn default() -> Self {
        Labels::empty()
    }
}

impl Labels {
    /// The empty label set.
    pub fn empty() -> Self {
        Labels(Arc::from("\0"))
    }

    /// Builds a label set from pairs in any order. A later pair with the same name replaces an
    /// earlier one, and pairs with an empty value are left out (as in Prometheus).
    pub fn from_pairs<I, N, V>(pairs: I) -> Self
    where
        I: IntoIterator<Item = (N, V)>,
        N: Into<String>,
        V: Into<String>,
    {
        let labels: Vec<Label> = pairs.into_iter().map(|(n, v)| Label::new(n, v)).collect();
        Labels::from_labels(labels)
    }

    /// Builds a label set from owned labels in any order, with [`from_pairs`](Self::from_pairs)'
    /// rules for repeated names and empty values.
    pub fn from_labels(mut labels: Vec<Label>) -> Self {
        // A stable sort keeps the input order among equal names, so keeping the last of each run
        // means "later pairs win".
        labels.sort_by(|a, b| a.name.cmp(&b.name));
        let mut out: Vec<Label> = Vec::with_capacity(labels.len());
        for label in labels {
            match out.last_mut() {
                Some(last) if last.name == label.name => *last = label,
                _ => out.push(label),
            }
        }
        out.retain(|l| !l.value.is_empty());
        Labels(encode(out.iter().map(Label::as_ref)))
    }

    /// Wraps labels that are already sorted by name, unique and non-empty; returns `None` when
    /// they are not, so callers with pre-sorted data (e.g. a decoded remote-write series) can skip
    /// the sort.
    pub fn from_sorted(labels: Vec<Label>) -> Option<Self> {
        Labels::from_sorted_refs(labels.iter().map(Label::as_ref))
    }

    /// [`from_sorted`](Self::from_sorted) for borrowed labels: no string is copied except into
    /// the new set's buffer.
    pub fn from_sorted_refs<'a, I>(labels: I) -> Option<Self>
    where
        I: Iterator<Item = LabelRef<'a>> + Clone,
    {
        let mut prev: Option<&str> = None;
        for l in labels.clone() {
            if l.value.is_empty() || prev.is_some_and(|p| p >= l.name) {
                return None;
            }
            prev = Some(l.name);
        }
        Some(Labels(encode(labels)))
    }

    /// Number of labels.
    pub fn len(&self) -> usize {
        let mut pos = 0;
        get_len(self.0.as_bytes(), &mut pos).unwrap_or(0)
    }

    /// True when the set has no labels.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The labels in name order.
    pub fn iter(&self) -> Iter<'_> {
        let mut pos = 0;
        let remaining = get_len(self.0.as_bytes(), &mut pos).unwrap_or(0);
        Iter {
            buf: &self.0,
            pos,
            remaining,
        }
    }

    /// The value of label `name`, if present.
    pub fn get(&self, name: &str) -> Option<&str> {
        for l in self.iter() {
            match l.name.cmp(name) {
                Ordering::Less => continue,
                Ordering::Equal => return Some(l.value),
                // Sorted by name: nothing further can match.
                Ordering::Greater => return None,
            }
        }
        None
    }

    /// True when label `name` is present.
    pub fn contains(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// The metric name (`__name__`), if present.
    pub fn metric_name(&self) -> Option<&str> {
        self.get(METRIC_NAME)
    }

    /// A builder starting from this set.
    pub fn builder(&self) -> LabelsBuilder {
        LabelsBuilder::new(self.clone())
    }

    /// True when both are the same buffer (a clone of one another), which implies equality.
    pub fn ptr_eq(&self, other: &Labels) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }

    /// Heap bytes of the buffer (the text and its lengths; the reference counts excluded), for
    /// memory accounting.
    pub fn encoded_len(&self) -> usize {
        self.0.len()
    }

    /// Prometheus' `labels.StableHash`: XXH64 (seed 0) over `name 0xFF value 0xFF` for every
    /// label in name order. Stable across processes and versions.
    pub fn stable_hash(&self) -> u64 {
        self.hash_where(|_| true)
    }

    /// The stable hash restricted to labels whose name does not start with `__meta_`; this is
    /// the clustering key of a scrape target (Alloy's `NonMetaLabelsHash`).
    pub fn non_meta_hash(&self) -> u64 {
        self.hash_where(|name| !name.starts_with(META_PREFIX))
    }

    /// The stable hash restricted to labels whose name satisfies `keep`.
    pub fn hash_where(&self, mut keep: impl FnMut(&str) -> bool) -> u64 {
        let mut hasher = Xxh64::new(0);
        for label in self.iter().filter(|l| keep(l.name)) {
            hash_label(&mut hasher, label);
        }
        hasher.digest()
    }

    /// The stable hash over the listed label names only (Alloy's `SpecificLabelsHash`); names
    /// are taken in sorted order whatever order they are given in, and absent names are skipped.
    pub fn hash_for_names(&self, names: &[&str]) -> u64 {
        self.hash_where(|name| names.contains(&name))
    }
}

fn hash_label(hasher: &mut Xxh64, label: LabelRef<'_>) {
    hasher.update(label.name.as_bytes());
    hasher.update(&[HASH_SEPARATOR]);
    hasher.update(label.value.as_bytes());
    hasher.update(&[HASH_SEPARATOR]);
}

/// Iterator over the labels of a [`Labels`], in name order.
#[derive(Clone, Debug)]
pub struct Iter<'a> {
    buf: &'a str,
    pos: usize,
    remaining: usize,
}

impl<'a> Iter<'a> {
    fn next_name(&mut self) -> Option<&'a str> {
        match get_len(self.buf.as_bytes(), &mut self.pos)? {
            0 => {
                let code = get_len(self.buf.as_bytes(), &mut self.pos)?;
                WELL_KNOWN_NAMES.get(code).copied()
            }
            n => self.next_text(n - 1),
        }
    }

    fn next_value(&mut self) -> Option<&'a str> {
        let len = get_len(self.buf.as_bytes(), &mut self.pos)?;
        self.next_text(len)
    }

    fn next_text(&mut self, len: usize) -> Option<&'a str> {
        let end = self.pos.checked_add(len)?;
        let s = self.buf.get(self.pos..end)?;
        self.pos = end;
        Some(s)
    }
}

impl<'a> Iterator for Iter<'a> {
    type Item = LabelRef<'a>;

    fn next(&mut self) -> Option<LabelRef<'a>> {
        if self.remaining == 0 {
            return None;
        }
        self.remaining -= 1;
        let name = self.next_name();
        let value = self.next_value();
        match (name, value) {
            (Some(name), Some(value)) => Some(LabelRef { name, value }),
            // Only a bug in this module could get here; end rather than panic.
            _ => {
                self.remaining = 0;
                None
            }
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (0, Some(self.remaining))
    }
}

impl<'a> IntoIterator for &'a Labels {
    type Item = LabelRef<'a>;
    type IntoIter = Iter<'a>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

impl<N: Into<String>, V: Into<String>> FromIterator<(N, V)> for Labels {
    fn from_iter<T: IntoIterator<Item = (N, V)>>(iter: T) -> Self {
        Labels::from_pairs(iter)
    }
}

/// Label by label (name, then value); a set that is a prefix of another sorts first.
impl Ord for Labels {
    fn cmp(&self, other: &Labels) -> Ordering {
        if self.ptr_eq(other) {
            return Ordering::Equal;
        }
        self.iter().cmp(other.iter())
    }
}

impl PartialOrd for Labels {
    fn partial_cmp(&self, other: &Labels) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// Prometheus' rendering: `{name="value", other="x"}` with Go-quoted values.
impl fmt::Display for Labels {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("{")?;
        for (i, label) in self.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            f.write_str(label.name)?;
            f.write_str("=")?;
            write_go_quoted(f, label.value)?;
        }
        f.write_str("}")
    }
}

impl fmt::Debug for Labels {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// Writes `s` double-quoted with Go `%q` escapes, so label values print like upstream.
fn write_go_quoted(f: &mut fmt::Formatter<'_>, s: &str) -> fmt::Result {
    f.write_str(&crate::gocompat::strconv::quote(s))
}

/// Serialized as a map from name to value, in name order.
impl Serialize for Labels {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.len()))?;
        for label in self.iter() {
            map.serialize_entry(label.name, label.value)?;
        }
        map.end()
    }
}

/// Deserialized from a map from name to value; empty values are left out.
impl<'de> Deserialize<'de> for Labels {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct LabelsVisitor;
        impl<'de> Visitor<'de> for LabelsVisitor {
            type Value = Labels;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a map of label names to string values")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Labels, A::Error> {
                let mut pairs: Vec<(String, String)> = Vec::new();
                while let Some((name, value)) = access.next_entry::<String, String>()? {
                    pairs.push((name, value));
                }
                Ok(Labels::from_pairs(pairs))
            }
        }
        deserializer.deserialize_map(LabelsVisitor)
    }
}

/// Edits a [`Labels`] without copying it until [`build`](LabelsBuilder::build).
///
/// Semantics follow Prometheus' `labels.Builder`: [`set`](LabelsBuilder::set) with an empty
/// value deletes the label; [`get`](LabelsBuilder::get) sees pending edits.
#[derive(Clone, Debug, Default)]
pub struct LabelsBuilder {
    base: Labels,
    /// Pending additions and overrides (unique names).
    add: Vec<Label>,
    /// Pending deletions (unique names, never also in `add`).
    del: Vec<String>,
}

impl LabelsBuilder {
    /// A builder starting from `base`.
    pub fn new(base: Labels) -> Self {
        LabelsBuilder {
            base,
            add: Vec::new(),
            del: Vec::new(),
        }
    }

    /// Starts over from `base`, keeping allocated capacity.
    pub fn reset(&mut self, base: Labels) {
        self.base = base;
        self.add.clear();
        self.del.clear();
    }

    /// Sets `name` to `value`; an empty value deletes the label.
    pub fn set(&mut self, name: &str, value: &str) -> &mut Self {
        if value.is_empty() {
            return self.del(name);
        }
        self.del.retain(|d| d != name);
        if let Some(existing) = self.add.iter_mut().find(|l| l.name == name) {
            if existing.value != value {
                existing.value.clear();
                existing.value.push_str(value);
            }
        } else if self.base.get(name) != Some(value) {
            self.add.push(Label::new(name, value));
        }
        self
    }

    /// Deletes label `name` (a no-op when absent).
    pub fn del(&mut self, name: &str) -> &mut Self {
        self.add.retain(|l| l.name != name);
        if self.base.contains(name) && !self.del.iter().any(|d| d == name) {
            self.del.push(name.to_owned());
        }
        self
    }

    /// The current value of `name`, including pending edits.
    pub fn get(&self, name: &str) -> Option<&str> {
        if let Some(l) = self.add.iter().find(|l| l.name == name) {
            return Some(&l.value);
        }
        if self.del.iter().any(|d| d == name) {
            return None;
        }
        self.base.get(name)
    }

    /// True when no edit changed the base set.
    pub fn is_unchanged(&self) -> bool {
        self.add.is_empty() && self.del.is_empty()
    }

    /// Keeps only the labels for which `keep(name, value)` is true.
    pub fn retain(&mut self, mut keep: impl FnMut(&str, &str) -> bool) -> &mut Self {
        let mut removed: Vec<String> = Vec::new();
        self.add.retain(|l| {
            let kept = keep(&l.name, &l.value);
            if !kept {
                removed.push(l.name.clone());
            }
            kept
        });
        // A removed override must not let the base value show through again.
        for name in removed {
            if self.base.contains(&name) && !self.del.contains(&name) {
                self.del.push(name);
            }
        }
        let mut drop: Vec<String> = Vec::new();
        for label in self.base.iter() {
            let overridden = self.add.iter().any(|a| a.name == label.name);
            let deleted = self.del.iter().any(|d| d == label.name);
            if !overridden && !deleted && !keep(label.name, label.value) {
                drop.push(label.name.to_owned());
            }
        }
        self.del.extend(drop);
        self
    }

    /// The label set with all edits applied, sorted by name. Returns the base set itself
    /// (no copy) when nothing changed.
    pub fn build(&self) -> Labels {
        if self.is_unchanged() {
            return self.base.clone();
        }
        let mut out: Vec<LabelRef<'_>> = Vec::with_capacity(self.base.len() + self.add.len());
        for label in self.base.iter() {
            let replaced = self.add.iter().any(|a| a.name == label.name);
            let deleted = self.del.iter().any(|d| d == label.name);
            if !replaced && !deleted {
                out.push(label);
            }
        }
        out.extend(self.add.iter().map(Label::as_ref));
        out.sort_unstable_by(|a, b| a.name.cmp(b.name));
        Labels(encode(out.iter().copied()))
    }
}

/// True when `name` is a valid label name under Prometheus' legacy scheme:
/// `[a-zA-Z_][a-zA-Z0-9_]*`.
pub fn is_valid_label_name(name: &str) -> bool {
    let bytes = name.as_bytes();
    match bytes.split_first() {
        Some((first, rest)) => {
            (first.is_ascii_alphabetic() || *first == b'_')
                && rest.iter().all(|b| b.is_ascii_alphanumeric() || *b == b'_')
        }
        None => false,
    }
}

/// True when `name` is a valid metric name under Prometheus' legacy scheme:
/// `[a-zA-Z_:][a-zA-Z0-9_:]*`.
pub fn is_valid_metric_name(name: &str) -> bool {
    let bytes = name.as_bytes();
    match bytes.split_first() {
        Some((first, rest)) => {
            (first.is_ascii_alphabetic() || *first == b'_' || *first == b':')
                && rest
                    .iter()
                    .all(|b| b.is_ascii_alphanumeric() || *b == b'_' || *b == b':')
        }
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn numbered(name: &str, value: &str, n: usize) -> Vec<(String, String)> {
        (0..n)
            .map(|i| (format!("{name}{i}"), format!("{value}{i}")))
            .collect()
    }

    #[test]
    fn golden_all_labels_hash() {
        let labels = Labels::from_pairs(numbered("label_", "value_", 10));
        assert_eq!(labels.stable_hash(), 0xa28155048ff30d6f);
        // Without meta labels the non-meta hash is the same hash.
        assert_eq!(labels.non_meta_hash(), 0xa28155048ff30d6f);
    }

    #[test]
    fn golden_non_meta_hash() {
        let mut pairs = numbered("label_", "val_", 10);
        for i in 0..10 {
            pairs.push((format!("__meta_t3_l{i}"), format!("3_{i}")));
        }
        let labels = Labels::from_pairs(pairs);
        assert_eq!(labels.non_meta_hash(), 0x77c5d28715ca6a11);
        assert_eq!(
            labels.hash_where(|n| n.starts_with("label_")),
            0x77c5d28715ca6a11
        );
        assert_ne!(labels.stable_hash(), 0x77c5d28715ca6a11);
    }

    #[test]
    fn golden_specific_labels_hash() {
        let mut pairs: Vec<(String, String)> = (0..10)
            .map(|i| (format!("t7_l{i}"), format!("7_{i}")))
            .collect();
        pairs.push(("foo".into(), "bar".into()));
        pairs.push(("bin".into(), "baz".into()));
        let labels = Labels::from_pairs(pairs);
        assert_eq!(labels.hash_for_names(&["foo", "bin"]), 0xbbbe498586b668f3);
        assert_eq!(labels.hash_for_names(&["bin", "foo"]), 0xbbbe498586b668f3);
    }

    #[test]
    fn golden_large_label_sets() {
        // Alloy's TestHashLargeLabelSets: 100-byte names cycling through the alphabet, so only
        // 26 distinct names survive, plus 5 `__meta_` labels.
        let chars = b"abcdefghijklmnopqrstuvwxyz";
        let gen = |id: usize| -> String {
            (0..100)
                .map(|i| chars[(i + id) % chars.len()] as char)
                .collect()
        };
        let mut pairs = Vec::new();
        for i in 0..100 {
            pairs.push((gen(i), gen(i)));
        }
        for i in 0..5 {
            pairs.push((format!("__meta_{}", gen(i)), gen(i)));
        }
        let labels = Labels::from_pairs(pairs);
        assert_eq!(labels.non_meta_hash(), 0x374005f6a622f4d8);
        assert_eq!(labels.stable_hash(), 0x174c789bf3b783a7);
    }

    #[test]
    fn from_pairs_sorts_dedups_and_drops_empty() {
        let labels = Labels::from_pairs([("b", "1"), ("a", "2"), ("b", "3"), ("c", "")]);
        let got: Vec<(&str, &str)> = labels.iter().map(|l| (l.name, l.value)).collect();
        assert_eq!(got, vec![("a", "2"), ("b", "3")]);
        assert_eq!(labels.get("b"), Some("3"));
        assert_eq!(labels.get("c"), None);
    }

    #[test]
    fn from_sorted_checks_order() {
        assert!(Labels::from_sorted(vec![Label::new("a", "1"), Label::new("b", "2")]).is_some());
        assert!(Labels::from_sorted(vec![Label::new("b", "1"), Label::new("a", "2")]).is_none());
        assert!(Labels::from_sorted(vec![Label::new("a", "1"), Label::new("a", "2")]).is_none());
        assert!(Labels::from_sorted(vec![Label::new("a", "")]).is_none());
    }

    #[test]
    fn display_quotes_like_go() {
        let labels = Labels::from_pairs([("__name__", "up"), ("job", "a\"b\\c\nd")]);
        assert_eq!(labels.to_string(), r#"{__name__="up", job="a\"b\\c\nd"}"#);
        assert_eq!(Labels::empty().to_string(), "{}");
    }

    #[test]
    fn ordering_and_equality_are_by_value() {
        let a = Labels::from_pairs([("a", "1"), ("b", "2")]);
        let b = Labels::from_pairs([("b", "2"), ("a", "1")]);
        assert_eq!(a, b);
        let c = Labels::from_pairs([("a", "1")]);
        assert!(c < a, "a prefix sorts first");
        let d = Labels::from_pairs([("a", "2")]);
        assert!(a < d);
    }

    #[test]
    fn builder_set_del_get_build() {
        let base = Labels::from_pairs([("a", "1"), ("b", "2"), ("c", "3")]);
        let mut b = base.builder();
        assert!(b.build().ptr_eq(&base), "unchanged build is free");
        b.set("b", "20").del("c").set("d", "4").set("a", "");
        assert_eq!(b.get("a"), None);
        assert_eq!(b.get("b"), Some("20"));
        assert_eq!(b.get("c"), None);
        assert_eq!(b.get("d"), Some("4"));
        assert_eq!(b.build(), Labels::from_pairs([("b", "20"), ("d", "4")]));
        // Re-adding a deleted label restores it.
        b.set("c", "30");
        assert_eq!(b.get("c"), Some("30"));
        assert_eq!(
            b.build(),
            Labels::from_pairs([("b", "20"), ("c", "30"), ("d", "4")])
        );
        // Setting a label back to its base value needs no copy.
        let mut b2 = base.builder();
        b2.set("a", "1");
        assert!(b2.is_unchanged());
    }

    #[test]
    fn builder_retain() {
        let base = Labels::from_pairs([("a", "1"), ("b", "2"), ("__meta_x", "3")]);
        let mut b = base.builder();
        b.set("__meta_y", "4");
        b.retain(|name, _| !name.starts_with("__"));
        assert_eq!(b.build(), Labels::from_pairs([("a", "1"), ("b", "2")]));
        // Dropping an overridden label removes it, not just the override.
        let mut b = base.builder();
        b.set("a", "10");
        b.retain(|_, value| value != "10");
        assert_eq!(b.get("a"), None);
        assert_eq!(
            b.build(),
            Labels::from_pairs([("b", "2"), ("__meta_x", "3")])
        );
    }

    #[test]
    fn name_validity() {
        for ok in ["a", "_", "__name__", "A9_z"] {
            assert!(is_valid_label_name(ok), "{ok}");
            assert!(is_valid_metric_name(ok), "{ok}");
        }
        for bad in ["", "9a", "a-b", "a.b", "ä"] {
            assert!(!is_valid_label_name(bad), "{bad}");
            assert!(!is_valid_metric_name(bad), "{bad}");
        }
        assert!(!is_valid_label_name("a:b"));
        assert!(is_valid_metric_name("a:b"));
        assert!(is_valid_metric_name(":a"));
    }

    #[test]
    fn serde_as_map() {
        let labels: Labels = serde_json::from_str(r#"{"b":"2","a":"1","c":""}"#).unwrap();
        assert_eq!(labels, Labels::from_pairs([("a", "1"), ("b", "2")]));
        assert_eq!(
            serde_json::to_string(&labels).unwrap(),
            r#"{"a":"1","b":"2"}"#
        );
    }

    /// The representation before the compact buffer: a sorted slice of owned labels. Its hash
    /// and ordering are what the compact form must keep (hashes are cluster ring keys).
    fn old_stable_hash(labels: &[Label]) -> u64 {
        let mut h = Xxh64::new(0);
        for l in labels {
            h.update(l.name.as_bytes());
            h.update(&[HASH_SEPARATOR]);
            h.update(l.value.as_bytes());
            h.update(&[HASH_SEPARATOR]);
        }
        h.digest()
    }

    /// Sorted, unique, non-empty labels as the old `from_pairs` made them.
    fn old_labels(pairs: &[(String, String)]) -> Vec<Label> {
        let mut v: Vec<Label> = pairs.iter().map(|(n, v)| Label::new(n, v)).collect();
        v.sort_by(|a, b| a.name.cmp(&b.name));
        let mut out: Vec<Label> = Vec::new();
        for l in v {
            match out.last_mut() {
                Some(last) if last.name == l.name => *last = l,
                _ => out.push(l),
            }
        }
        out.retain(|l| !l.value.is_empty());
        out
    }

    #[test]
    fn long_names_and_values_round_trip() {
        // Lengths that need one, two, three and four length characters.
        for n in [0usize, 1, 62, 63, 64, 4094, 4095, 4096, 262_143, 262_144] {
            let value = "v".repeat(n.max(1));
            let name = "n".repeat(n.max(1));
            let labels = Labels::from_pairs([("a", "1"), (name.as_str(), value.as_str())]);
            let got: Vec<(String, String)> = labels
                .iter()
                .map(|l| (l.name.to_owned(), l.value.to_owned()))
                .collect();
            let mut want = vec![
                ("a".to_string(), "1".to_string()),
                (name.clone(), value.clone()),
            ];
            want.sort();
            want.dedup_by(|x, y| x.0 == y.0);
            assert_eq!(got.len(), want.len(), "{n}");
            assert_eq!(labels.get(&name), Some(value.as_str()), "{n}");
            assert_eq!(labels.len(), want.len());
        }
    }

    #[test]
    fn well_known_and_empty_names_round_trip() {
        let labels = Labels::from_pairs([
            ("", "empty"),
            ("__name__", "up"),
            ("instance", "i"),
            ("job", "j"),
            ("jo", "prefix"),
        ]);
        let got: Vec<(&str, &str)> = labels.iter().map(|l| (l.name, l.value)).collect();
        assert_eq!(
            got,
            [
                ("", "empty"),
                ("__name__", "up"),
                ("instance", "i"),
                ("jo", "prefix"),
                ("job", "j")
            ]
        );
        assert_eq!(labels.get(""), Some("empty"));
        assert_eq!(labels.get("job"), Some("j"));
    }

    #[test]
    fn unicode_survives() {
        let labels = Labels::from_pairs([("a", "é✓😀"), ("b", "\u{0}x\u{7f}")]);
        assert_eq!(labels.get("a"), Some("é✓😀"));
        assert_eq!(labels.get("b"), Some("\u{0}x\u{7f}"));
    }

    #[test]
    fn empty_set() {
        let e = Labels::empty();
        assert!(e.is_empty());
        assert_eq!(e.len(), 0);
        assert_eq!(e.iter().count(), 0);
        assert_eq!(e, Labels::default());
        assert_eq!(e, Labels::from_pairs([("a", "")]));
        assert_eq!(e.stable_hash(), Xxh64::new(0).digest());
    }

    #[test]
    fn many_labels_count_needs_two_length_characters() {
        let labels = Labels::from_pairs(numbered("l", "v", 100));
        assert_eq!(labels.len(), 100);
        assert_eq!(labels.iter().count(), 100);
        assert_eq!(labels.get("l42"), Some("v42"));
        assert_eq!(labels.get("l99"), Some("v99"));
        assert_eq!(labels.get("l100"), None);
    }

    #[test]
    fn from_sorted_refs_borrows() {
        let refs = [
            LabelRef {
                name: "a",
                value: "1",
            },
            LabelRef {
                name: "b",
                value: "2",
            },
        ];
        assert_eq!(
            Labels::from_sorted_refs(refs.iter().copied()),
            Some(Labels::from_pairs([("a", "1"), ("b", "2")]))
        );
        assert!(Labels::from_sorted_refs(refs.iter().rev().copied()).is_none());
    }

    #[test]
    fn compact_size() {
        // 6 labels as scraped from the benchmark's targets: the text plus 13 length bytes,
        // with `__name__`, `instance` and `job` as two-byte codes.
        let labels = Labels::from_pairs([
            ("__name__", "synth_metric_0_total"),
            ("instance", "127.0.0.1:20000"),
            ("job", "synth"),
            ("series", "0"),
            ("shard_key", "k12"),
            ("synth", "1"),
        ]);
        let text: usize = labels.iter().map(|l| l.name.len() + l.value.len()).sum();
        assert_eq!(labels.encoded_len(), text + 13 - (8 + 8 + 3) + 3);
        assert_eq!(labels.metric_name(), Some("synth_metric_0_total"));
        assert_eq!(labels.get("job"), Some("synth"));
    }

    fn pairs_strategy() -> impl proptest::strategy::Strategy<Value = Vec<(String, String)>> {
        // Few distinct names so that duplicates, shared prefixes and empty values all occur.
        proptest::collection::vec(
            (
                "([a-c_]{0,3}|__name__|instance|job|jo|jobs)",
                "(|x|é|[a-z]{1,70})",
            ),
            0..8,
        )
    }

    proptest::proptest! {
        #[test]
        fn same_content_hash_and_order_as_the_old_format(
            a in pairs_strategy(),
            b in pairs_strategy(),
        ) {
            let (la, lb) = (Labels::from_pairs(a.clone()), Labels::from_pairs(b.clone()));
            let (oa, ob) = (old_labels(&a), old_labels(&b));
            let got: Vec<Label> = la.iter().map(LabelRef::to_label).collect();
            proptest::prop_assert_eq!(&got, &oa);
            proptest::prop_assert_eq!(la.len(), oa.len());
            proptest::prop_assert_eq!(la.stable_hash(), old_stable_hash(&oa));
            proptest::prop_assert_eq!(la.cmp(&lb), oa.as_slice().cmp(ob.as_slice()));
            proptest::prop_assert_eq!(la == lb, oa == ob);
            for l in &oa {
                proptest::prop_assert_eq!(la.get(&l.name), Some(l.value.as_str()));
            }
            proptest::prop_assert_eq!(
                Labels::from_sorted(oa.clone()),
                Some(la.clone())
            );
        }

        #[test]
        fn builder_matches_rebuilding_from_pairs(
            base in pairs_strategy(),
            edits in proptest::collection::vec(("[a-c_]{0,3}", "(|y|[a-z]{1,3})"), 0..6),
        ) {
            let labels = Labels::from_pairs(base.clone());
            let mut b = labels.builder();
            let mut all: Vec<(String, String)> = labels
                .iter()
                .map(|l| (l.name.to_owned(), l.value.to_owned()))
                .collect();
            for (n, v) in &edits {
                b.set(n, v);
                all.retain(|(name, _)| name != n);
                all.push((n.clone(), v.clone()));
            }
            proptest::prop_assert_eq!(b.build(), Labels::from_pairs(all));
        }
    }
}
