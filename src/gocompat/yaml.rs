//! YAML decoding with the semantics of `gopkg.in/yaml.v3` unmarshalling into
//! `interface{}`, as River's `yaml_decode` / `encoding.from_yaml` does.
//!
//! Parsing uses yaml-rust2's event stream (which keeps scalar styles); the
//! tag resolution, key handling, merges and error texts follow yaml.v3:
//! plain scalars resolve to null/bool/int/float/timestamp by yaml.v3's table
//! (`yes` stays a string, `0o17` and `017` are 15, `.inf` is +Inf), quoted
//! scalars are strings, mappings whose keys are not all strings become
//! [`YamlValue::GeneralMap`] (a capsule in River), duplicate keys are errors,
//! and only the first document is read.

use std::collections::HashMap;
use std::fmt;

use base64::Engine as _;
use yaml_rust2::parser::{Event, Parser, Tag};
use yaml_rust2::scanner::TScalarStyle;

use super::sprintf::{sprintf, GoArg};
use super::strconv::{format_float, parse_float, parse_int, parse_uint};

/// A decoded YAML document (yaml.v3's `interface{}` tree).
#[derive(Debug, Clone, PartialEq)]
pub enum YamlValue {
    /// `~`, `null`, empty.
    Null,
    /// `true`/`false` (also `True`, `TRUE`, ...).
    Bool(bool),
    /// An integer that fits in int64.
    Int(i64),
    /// An integer above `i64::MAX`.
    Uint(u64),
    /// A float (`1.5`, `1e3`, `.inf`, `.nan`, `08`).
    Float(f64),
    /// A string.
    String(String),
    /// A timestamp (yaml.v3 gives a `time.Time`); the text is its RFC 3339
    /// form, which is how River shows it.
    Timestamp(String),
    /// A sequence.
    Seq(Vec<YamlValue>),
    /// A mapping whose keys are all strings (`map[string]interface{}`).
    Map(Vec<(String, YamlValue)>),
    /// A mapping with some non-string key (`map[interface{}]interface{}`).
    GeneralMap(Vec<(YamlValue, YamlValue)>),
}

/// A YAML failure; `Display` follows yaml.v3's wording.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum YamlError {
    /// The text is not YAML: `yaml: line 2: mapping values are not allowed in this context`.
    Syntax {
        /// 1-based line of the problem.
        line: usize,
        /// The parser's description.
        message: String,
    },
    /// A value that cannot be decoded: `yaml: cannot decode !!str `x` as a !!int`.
    Decode(String),
    /// Collected per-node problems (duplicate keys):
    /// `yaml: unmarshal errors:\n  line 2: mapping key "a" already defined at line 1`.
    Unmarshal(Vec<String>),
}

impl fmt::Display for YamlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            YamlError::Syntax { line, message } if *line > 0 => {
                write!(f, "yaml: line {line}: {message}")
            }
            YamlError::Syntax { message, .. } => write!(f, "yaml: {message}"),
            YamlError::Decode(msg) => write!(f, "yaml: {msg}"),
            YamlError::Unmarshal(errs) => {
                write!(f, "yaml: unmarshal errors:\n  {}", errs.join("\n  "))
            }
        }
    }
}

impl std::error::Error for YamlError {}

/// Mirrors `yaml.Unmarshal(in, &v)` with `v interface{}`: the first document
/// of `input`, or [`YamlValue::Null`] when there is none.
pub fn decode(input: impl AsRef<[u8]>) -> Result<YamlValue, YamlError> {
    let text = std::str::from_utf8(input.as_ref()).map_err(|_| YamlError::Syntax {
        line: 0,
        message: "invalid leading UTF-8 octet".to_string(),
    })?;
    let mut doc = Document::default();
    let Some(root) = doc.load_first(text)? else {
        return Ok(YamlValue::Null);
    };
    let mut d = Decoder::new(&doc);
    let v = d.unmarshal(root, Out::Any, 0)?;
    if !d.terrors.is_empty() {
        return Err(YamlError::Unmarshal(d.terrors));
    }
    Ok(v.unwrap_or(YamlValue::Null))
}

// ---------------------------------------------------------------------------
// Node tree of the first document
// ---------------------------------------------------------------------------

#[derive(Debug)]
enum NodeKind {
    Scalar { value: String, style: TScalarStyle },
    Seq(Vec<usize>),
    Map(Vec<(usize, usize)>),
    Alias(usize),
}

#[derive(Debug)]
struct Node {
    kind: NodeKind,
    /// Full tag (`tag:yaml.org,2002:str`, `!foo`, `!`) or empty.
    tag: String,
    /// 1-based line.
    line: usize,
}

#[derive(Default)]
struct Document {
    nodes: Vec<Node>,
}

/// Converts a yaml-rust2 error to yaml.v3's form: libyaml reports only the
/// problem ("did not find expected key"), not the "while parsing ..." context.
fn syntax_error(text: &str, e: &yaml_rust2::ScanError) -> YamlError {
    let info = e.info();
    if info.contains("unknown anchor") {
        // yaml.v3: unknown anchor 'x' referenced (no line). Recover the name from the text.
        let rest: String = text.chars().skip(e.marker().index()).collect();
        let name: String = rest
            .trim_start_matches('*')
            .chars()
            .take_while(|c| !c.is_whitespace() && !matches!(c, ',' | '[' | ']' | '{' | '}'))
            .collect();
        return YamlError::Decode(format!("unknown anchor '{name}' referenced"));
    }
    let message = match info.strip_prefix("while ").and_then(|r| r.split_once(", ")) {
        Some((_, problem)) => problem.to_string(),
        None => info.to_string(),
    };
    YamlError::Syntax {
        line: e.marker().line(),
        message,
    }
}

/// Deepest nesting accepted; yaml.v3 allows 10000, but decoding recurses and
/// must not overflow the stack.
const MAX_DEPTH: usize = 1000;

fn full_tag(tag: Option<Tag>) -> String {
    match tag {
        Some(t) => format!("{}{}", t.handle, t.suffix),
        None => String::new(),
    }
}

impl Document {
    fn push(&mut self, kind: NodeKind, tag: String, line: usize) -> usize {
        self.nodes.push(Node { kind, tag, line });
        self.nodes.len() - 1
    }

    /// Reads events up to the end of the first document into `nodes`.
    fn load_first(&mut self, text: &str) -> Result<Option<usize>, YamlError> {
        let mut parser = Parser::new_from_str(text);
        let mut anchors: HashMap<usize, usize> = HashMap::new();
        // Open containers: node index, and for maps a pending key.
        let mut open: Vec<(usize, Option<usize>)> = Vec::new();
        let mut root: Option<usize> = None;
        loop {
            let (event, mark) = parser.next_token().map_err(|e| syntax_error(text, &e))?;
            let line = mark.line();
            let is_seq_start = matches!(event, Event::SequenceStart(..));
            let (node, anchor) = match event {
                Event::StreamStart | Event::Nothing => continue,
                Event::StreamEnd => return Ok(root),
                Event::DocumentStart => continue,
                Event::DocumentEnd => return Ok(root),
                Event::Alias(id) => match anchors.get(&id) {
                    Some(&target) => (self.push(NodeKind::Alias(target), String::new(), line), 0),
                    None => {
                        return Err(YamlError::Decode("unknown anchor referenced".to_string()));
                    }
                },
                Event::Scalar(value, style, anchor, tag) => (
                    self.push(NodeKind::Scalar { value, style }, full_tag(tag), line),
                    anchor,
                ),
                Event::SequenceStart(anchor, tag) | Event::MappingStart(anchor, tag) => {
                    let kind = if is_seq_start {
                        NodeKind::Seq(Vec::new())
                    } else {
                        NodeKind::Map(Vec::new())
                    };
                    let idx = self.push(kind, full_tag(tag), line);
                    if anchor > 0 {
                        anchors.insert(anchor, idx);
                    }
                    if open.len() >= MAX_DEPTH {
                        return Err(YamlError::Syntax {
                            line,
                            message: format!("exceeded max depth of {MAX_DEPTH}"),
                        });
                    }
                    self.attach(&mut open, &mut root, idx);
                    open.push((idx, None));
                    continue;
                }
                Event::SequenceEnd | Event::MappingEnd => {
                    open.pop();
                    continue;
                }
            };
            if anchor > 0 {
                anchors.insert(anchor, node);
            }
            self.attach(&mut open, &mut root, node);
        }
    }

    /// Adds a finished node to the innermost open container (or as the root).
    fn attach(
        &mut self,
        open: &mut [(usize, Option<usize>)],
        root: &mut Option<usize>,
        node: usize,
    ) {
        let Some((parent, pending)) = open.last_mut() else {
            if root.is_none() {
                *root = Some(node);
            }
            return;
        };
        match &mut self.nodes[*parent].kind {
            NodeKind::Seq(items) => items.push(node),
            NodeKind::Map(pairs) => match pending.take() {
                None => *pending = Some(node),
                Some(key) => pairs.push((key, node)),
            },
            _ => {}
        }
    }
}

// ---------------------------------------------------------------------------
// Tag resolution (yaml.v3 resolve.go)
// ---------------------------------------------------------------------------

const NULL_TAG: &str = "!!null";
const BOOL_TAG: &str = "!!bool";
const STR_TAG: &str = "!!str";
const INT_TAG: &str = "!!int";
const FLOAT_TAG: &str = "!!float";
const TIMESTAMP_TAG: &str = "!!timestamp";
const SEQ_TAG: &str = "!!seq";
const MAP_TAG: &str = "!!map";
const BINARY_TAG: &str = "!!binary";
const MERGE_TAG: &str = "!!merge";

const LONG_TAG_PREFIX: &str = "tag:yaml.org,2002:";

fn short_tag(tag: &str) -> String {
    match tag.strip_prefix(LONG_TAG_PREFIX) {
        Some(rest) => format!("!!{rest}"),
        None => tag.to_string(),
    }
}

/// A resolved scalar.
#[derive(Debug, Clone, PartialEq)]
enum Resolved {
    Nil,
    Bool(bool),
    Int(i64),
    Uint(u64),
    Float(f64),
    Str(String),
    Timestamp(String),
}

/// yaml.v3's hint table for the first byte of a plain scalar.
fn hint(in_: &str) -> u8 {
    match in_.as_bytes().first() {
        None => b'N',
        Some(b'+' | b'-') => b'S',
        Some(b'0'..=b'9') => b'D',
        Some(b'y' | b'Y' | b'n' | b'N' | b't' | b'T' | b'f' | b'F' | b'o' | b'O' | b'~') => b'M',
        Some(b'.') => b'.',
        _ => 0,
    }
}

fn resolve_map(in_: &str) -> Option<(&'static str, Resolved)> {
    Some(match in_ {
        "true" | "True" | "TRUE" => (BOOL_TAG, Resolved::Bool(true)),
        "false" | "False" | "FALSE" => (BOOL_TAG, Resolved::Bool(false)),
        "" | "~" | "null" | "Null" | "NULL" => (NULL_TAG, Resolved::Nil),
        ".nan" | ".NaN" | ".NAN" => (FLOAT_TAG, Resolved::Float(f64::NAN)),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => {
            (FLOAT_TAG, Resolved::Float(f64::INFINITY))
        }
        "-.inf" | "-.Inf" | "-.INF" => (FLOAT_TAG, Resolved::Float(f64::NEG_INFINITY)),
        "<<" => (MERGE_TAG, Resolved::Str("<<".to_string())),
        _ => return None,
    })
}

/// `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`
fn yaml_style_float(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    if matches!(b.first(), Some(b'-' | b'+')) {
        i += 1;
    }
    let digits = |i: &mut usize| {
        let start = *i;
        while *i < b.len() && b[*i].is_ascii_digit() {
            *i += 1;
        }
        *i - start
    };
    if b.get(i) == Some(&b'.') {
        i += 1;
        if digits(&mut i) == 0 {
            return false;
        }
    } else {
        if digits(&mut i) == 0 {
            return false;
        }
        if b.get(i) == Some(&b'.') {
            i += 1;
            digits(&mut i);
        }
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'-' | b'+')) {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == b.len()
}

fn int_result(i: i64) -> (&'static str, Resolved) {
    (INT_TAG, Resolved::Int(i))
}

/// The resolution itself, before the explicit-tag consistency check.
fn resolve_plain(tag: &str, in_: &str) -> (String, Resolved) {
    let h = hint(in_);
    if h != 0 && tag != STR_TAG && tag != BINARY_TAG {
        if let Some((t, v)) = resolve_map(in_) {
            return (t.to_string(), v);
        }
        match h {
            b'.' => {
                if let Ok(f) = parse_float(in_) {
                    return (FLOAT_TAG.to_string(), Resolved::Float(f));
                }
            }
            b'D' | b'S' => {
                if tag.is_empty() || tag == TIMESTAMP_TAG {
                    if let Some(ts) = parse_timestamp(in_) {
                        return (TIMESTAMP_TAG.to_string(), Resolved::Timestamp(ts));
                    }
                }
                let plain = in_.replace('_', "");
                if let Ok(i) = parse_int(&plain, 0, 64) {
                    let (t, v) = int_result(i);
                    return (t.to_string(), v);
                }
                if let Ok(u) = parse_uint(&plain, 0, 64) {
                    return (INT_TAG.to_string(), Resolved::Uint(u));
                }
                if yaml_style_float(&plain) {
                    if let Ok(f) = parse_float(&plain) {
                        return (FLOAT_TAG.to_string(), Resolved::Float(f));
                    }
                }
                let prefixed = |prefix: &str, base: u32| -> Option<Resolved> {
                    if let Some(rest) = plain.strip_prefix(prefix) {
                        if let Ok(i) = parse_int(rest, base, 64) {
                            return Some(Resolved::Int(i));
                        }
                        if let Ok(u) = parse_uint(rest, base, 64) {
                            return Some(Resolved::Uint(u));
                        }
                    } else if let Some(rest) = plain.strip_prefix(&format!("-{prefix}")) {
                        if let Ok(i) = parse_int(format!("-{rest}"), base, 64) {
                            return Some(Resolved::Int(i));
                        }
                    }
                    None
                };
                if let Some(v) = prefixed("0b", 2).or_else(|| prefixed("0o", 8)) {
                    return (INT_TAG.to_string(), v);
                }
            }
            _ => {}
        }
    }
    (STR_TAG.to_string(), Resolved::Str(in_.to_string()))
}

/// Mirrors yaml.v3's `resolve(tag, in)`: the tag the value resolved to and
/// the value. An explicit tag the value does not fit is an error.
fn resolve(tag: &str, in_: &str) -> Result<(String, Resolved), YamlError> {
    let tag = short_tag(tag);
    if !matches!(
        tag.as_str(),
        "" | STR_TAG | BOOL_TAG | INT_TAG | FLOAT_TAG | NULL_TAG | TIMESTAMP_TAG
    ) {
        // Unknown and local tags leave the text alone.
        return Ok((tag, Resolved::Str(in_.to_string())));
    }
    let (rtag, out) = resolve_plain(&tag, in_);
    if tag.is_empty() || tag == rtag || tag == STR_TAG || tag == BINARY_TAG {
        return Ok((rtag, out));
    }
    if tag == FLOAT_TAG && rtag == INT_TAG {
        if let Resolved::Int(i) = out {
            return Ok((FLOAT_TAG.to_string(), Resolved::Float(i as f64)));
        }
    }
    Err(YamlError::Decode(format!(
        "cannot decode {rtag} `{in_}` as a {tag}"
    )))
}

// ---------------------------------------------------------------------------
// Timestamps (the four layouts yaml.v3 tries with time.Parse)
// ---------------------------------------------------------------------------

fn is_leap(y: i64) -> bool {
    y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if is_leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Reads 1 or 2 digits (Go's `getnum` for non-padded fields).
fn num12(b: &[u8], i: &mut usize) -> Option<i64> {
    let d0 = *b.get(*i).filter(|c| c.is_ascii_digit())?;
    *i += 1;
    let mut v = i64::from(d0 - b'0');
    if let Some(&d1) = b.get(*i).filter(|c| c.is_ascii_digit()) {
        *i += 1;
        v = v * 10 + i64::from(d1 - b'0');
    }
    Some(v)
}

/// Parses a YAML timestamp and formats it as Go's `time.Time.MarshalText`
/// (RFC 3339 with nanoseconds, trailing zeros dropped).
fn parse_timestamp(s: &str) -> Option<String> {
    let b = s.as_bytes();
    // Quick check: all forms start with YYYY-.
    if b.len() < 5 || !b[..4].iter().all(u8::is_ascii_digit) || b[4] != b'-' {
        return None;
    }
    let year: i64 = s[..4].parse().ok()?;
    let mut i = 5;
    let month = num12(b, &mut i)?;
    if b.get(i) != Some(&b'-') {
        return None;
    }
    i += 1;
    let day = num12(b, &mut i)?;
    if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
        return None;
    }
    let (mut hour, mut min, mut sec, mut nanos) = (0, 0, 0, 0u32);
    let mut offset: Option<i64> = Some(0); // seconds east of UTC
    if i < b.len() {
        let sep = b[i];
        let zoned = sep == b'T' || sep == b't';
        if !zoned && sep != b' ' {
            return None;
        }
        i += 1;
        hour = num12(b, &mut i)?;
        if b.get(i) != Some(&b':') {
            return None;
        }
        i += 1;
        min = num12(b, &mut i)?;
        if b.get(i) != Some(&b':') {
            return None;
        }
        i += 1;
        sec = num12(b, &mut i)?;
        if matches!(b.get(i), Some(b'.' | b',')) && b.get(i + 1).is_some_and(u8::is_ascii_digit) {
            i += 1;
            let start = i;
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
            let mut frac = s[start..i].to_string();
            frac.truncate(9);
            while frac.len() < 9 {
                frac.push('0');
            }
            nanos = frac.parse().ok()?;
        }
        if zoned {
            match b.get(i) {
                Some(b'Z') => i += 1,
                Some(&c @ (b'+' | b'-')) => {
                    let z = b.get(i + 1..i + 6)?;
                    let digits = [z[0], z[1], z[3], z[4]];
                    if z[2] != b':' || !digits.iter().all(u8::is_ascii_digit) {
                        return None;
                    }
                    let hh = i64::from((z[0] - b'0') * 10 + (z[1] - b'0'));
                    let mm = i64::from((z[3] - b'0') * 10 + (z[4] - b'0'));
                    if hh > 24 || mm > 60 {
                        return None;
                    }
                    let off = hh * 3600 + mm * 60;
                    offset = Some(if c == b'-' { -off } else { off });
                    i += 6;
                }
                _ => return None,
            }
        }
        if hour > 23 || min > 59 || sec > 59 {
            return None;
        }
    }
    if i != b.len() {
        return None;
    }
    let mut out = format!("{year:04}-{month:02}-{day:02}T{hour:02}:{min:02}:{sec:02}");
    if nanos > 0 {
        let frac = format!("{nanos:09}");
        out.push('.');
        out.push_str(frac.trim_end_matches('0'));
    }
    match offset {
        Some(0) | None => out.push('Z'),
        Some(off) => {
            let sign = if off < 0 { '-' } else { '+' };
            let off = off.abs();
            out.push_str(&format!("{sign}{:02}:{:02}", off / 3600, off % 3600 / 60));
        }
    }
    Some(out)
}

// ---------------------------------------------------------------------------
// Decoding (yaml.v3 decode.go into interface{})
// ---------------------------------------------------------------------------

/// yaml.v3's alias-expansion budget (billion laughs protection).
fn allowed_alias_ratio(decode_count: usize) -> f64 {
    const LOW: usize = 400_000;
    const HIGH: usize = 4_000_000;
    if decode_count <= LOW {
        0.99
    } else if decode_count >= HIGH {
        0.10
    } else {
        0.99 - 0.89 * ((decode_count - LOW) as f64 / (HIGH - LOW) as f64)
    }
}

/// Where a decoded value goes: any value, or a string map key.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Out {
    Any,
    StringKey,
}

/// A map being filled, possibly by several merges.
struct MapOut {
    string_keys: bool,
    entries: Vec<(YamlValue, YamlValue)>,
}

impl MapOut {
    fn set(&mut self, k: YamlValue, v: YamlValue) {
        match self.entries.iter_mut().find(|(ek, _)| *ek == k) {
            Some(slot) => slot.1 = v,
            None => self.entries.push((k, v)),
        }
    }

    fn contains(&self, k: &YamlValue) -> bool {
        self.entries.iter().any(|(ek, _)| ek == k)
    }

    fn finish(self) -> YamlValue {
        if self.string_keys {
            YamlValue::Map(
                self.entries
                    .into_iter()
                    .map(|(k, v)| match k {
                        YamlValue::String(s) => (s, v),
                        other => (format!("{other:?}"), v),
                    })
                    .collect(),
            )
        } else {
            YamlValue::GeneralMap(self.entries)
        }
    }
}

struct Decoder<'d> {
    doc: &'d Document,
    terrors: Vec<String>,
    merged_fields: Option<Vec<YamlValue>>,
    active_aliases: Vec<usize>,
    alias_depth: usize,
    decode_count: usize,
    alias_count: usize,
}

fn go_repr(v: &YamlValue) -> GoArg {
    match v {
        YamlValue::Null => GoArg::Nil,
        YamlValue::Bool(b) => GoArg::Bool(*b),
        YamlValue::Int(i) => GoArg::Int(*i),
        YamlValue::Uint(u) => GoArg::Uint(*u),
        YamlValue::Float(f) => GoArg::Float(*f),
        YamlValue::String(s) | YamlValue::Timestamp(s) => GoArg::str(s),
        YamlValue::Seq(items) => GoArg::Slice(items.iter().map(go_repr).collect()),
        YamlValue::Map(entries) => GoArg::Map(
            entries
                .iter()
                .map(|(k, v)| (k.clone(), go_repr(v)))
                .collect(),
        ),
        YamlValue::GeneralMap(entries) => GoArg::Opaque {
            type_name: "map[interface {}]interface {}".to_string(),
            text: format!("map[{} entries]", entries.len()),
        },
    }
}

impl<'d> Decoder<'d> {
    fn new(doc: &'d Document) -> Self {
        Decoder {
            doc,
            terrors: Vec::new(),
            merged_fields: None,
            active_aliases: Vec::new(),
            alias_depth: 0,
            decode_count: 0,
            alias_count: 0,
        }
    }

    fn node(&self, n: usize) -> &'d Node {
        &self.doc.nodes[n]
    }

    /// The node an alias points at (aliases of aliases included).
    fn target(&self, mut n: usize) -> usize {
        for _ in 0..self.doc.nodes.len() {
            match self.node(n).kind {
                NodeKind::Alias(t) => n = t,
                _ => break,
            }
        }
        n
    }

    /// yaml.v3's `indicatedString`: quoted or block scalars, or `!!str`.
    fn indicated_string(&self, n: usize) -> bool {
        let node = self.node(n);
        let NodeKind::Scalar { style, .. } = &node.kind else {
            return false;
        };
        short_tag(&node.tag) == STR_TAG
            || ((node.tag.is_empty() || node.tag == "!") && *style != TScalarStyle::Plain)
    }

    /// yaml.v3's `Node.ShortTag`.
    fn node_short_tag(&self, n: usize) -> String {
        if self.indicated_string(n) {
            return STR_TAG.to_string();
        }
        let node = self.node(n);
        if node.tag.is_empty() || node.tag == "!" {
            return match &node.kind {
                NodeKind::Map(_) => MAP_TAG.to_string(),
                NodeKind::Seq(_) => SEQ_TAG.to_string(),
                NodeKind::Alias(t) => self.node_short_tag(self.target(*t)),
                NodeKind::Scalar { value, .. } => resolve_plain("", value).0,
            };
        }
        short_tag(&node.tag)
    }

    fn is_merge(&self, n: usize) -> bool {
        let node = self.node(n);
        matches!(&node.kind, NodeKind::Scalar { value, .. } if value == "<<")
            && (node.tag.is_empty() || node.tag == "!" || short_tag(&node.tag) == MERGE_TAG)
    }

    fn unmarshal(
        &mut self,
        n: usize,
        out: Out,
        depth: usize,
    ) -> Result<Option<YamlValue>, YamlError> {
        if depth > MAX_DEPTH {
            return Err(YamlError::Decode(format!(
                "exceeded max depth of {MAX_DEPTH}"
            )));
        }
        self.decode_count += 1;
        if self.alias_depth > 0 {
            self.alias_count += 1;
        }
        if self.alias_count > 100
            && self.decode_count > 1000
            && self.alias_count as f64 / self.decode_count as f64
                > allowed_alias_ratio(self.decode_count)
        {
            return Err(YamlError::Decode(
                "document contains excessive aliasing".to_string(),
            ));
        }
        let node = self.node(n);
        match &node.kind {
            NodeKind::Alias(t) => {
                if self.active_aliases.contains(&n) {
                    return Err(YamlError::Decode(
                        "anchor value contains itself".to_string(),
                    ));
                }
                self.active_aliases.push(n);
                self.alias_depth += 1;
                let r = self.unmarshal(*t, out, depth + 1);
                self.alias_depth -= 1;
                self.active_aliases.pop();
                r
            }
            NodeKind::Scalar { value, .. } => self.scalar(n, value, out).map(Some),
            NodeKind::Seq(items) => {
                let mut vals = Vec::with_capacity(items.len());
                for &item in items {
                    vals.push(
                        self.unmarshal(item, Out::Any, depth + 1)?
                            .unwrap_or(YamlValue::Null),
                    );
                }
                Ok(Some(YamlValue::Seq(vals)))
            }
            NodeKind::Map(_) => {
                let mut m = MapOut {
                    string_keys: self.is_string_map(n),
                    entries: Vec::new(),
                };
                if self.mapping(n, &mut m, depth)? {
                    Ok(Some(m.finish()))
                } else {
                    Ok(None)
                }
            }
        }
    }

    fn scalar(&mut self, n: usize, value: &str, out: Out) -> Result<YamlValue, YamlError> {
        let node = self.node(n);
        if out == Out::StringKey || self.indicated_string(n) {
            // String targets take the text as written.
            return Ok(YamlValue::String(value.to_string()));
        }
        let (tag, resolved) = resolve(&node.tag, value)?;
        let resolved = if tag == BINARY_TAG {
            let cleaned: String = value.chars().filter(|c| !c.is_whitespace()).collect();
            match base64::engine::general_purpose::STANDARD.decode(cleaned.as_bytes()) {
                Ok(data) => Resolved::Str(String::from_utf8_lossy(&data).into_owned()),
                Err(_) => {
                    return Err(YamlError::Decode(
                        "!!binary value contains invalid base64 data".to_string(),
                    ))
                }
            }
        } else {
            resolved
        };
        Ok(match resolved {
            Resolved::Nil => YamlValue::Null,
            Resolved::Bool(b) => YamlValue::Bool(b),
            Resolved::Int(i) => YamlValue::Int(i),
            Resolved::Uint(u) => YamlValue::Uint(u),
            Resolved::Float(f) => YamlValue::Float(f),
            Resolved::Str(s) => YamlValue::String(s),
            Resolved::Timestamp(t) => YamlValue::Timestamp(t),
        })
    }

    fn is_string_map(&self, n: usize) -> bool {
        let NodeKind::Map(pairs) = &self.node(n).kind else {
            return false;
        };
        pairs.iter().all(|&(k, _)| {
            let t = self.node_short_tag(k);
            t == STR_TAG || t == MERGE_TAG
        })
    }

    /// yaml.v3's `mapping`: duplicate-key check, explicit keys, then merges.
    fn mapping(&mut self, n: usize, out: &mut MapOut, depth: usize) -> Result<bool, YamlError> {
        let NodeKind::Map(pairs) = &self.node(n).kind else {
            return Ok(false);
        };
        let before = self.terrors.len();
        for (i, &(ki, _)) in pairs.iter().enumerate() {
            for &(kj, _) in &pairs[i + 1..] {
                let (a, b) = (self.node(ki), self.node(kj));
                let same = match (&a.kind, &b.kind) {
                    (NodeKind::Scalar { value: x, .. }, NodeKind::Scalar { value: y, .. }) => {
                        x == y
                    }
                    (NodeKind::Seq(_), NodeKind::Seq(_)) | (NodeKind::Map(_), NodeKind::Map(_)) => {
                        true
                    }
                    (NodeKind::Alias(_), NodeKind::Alias(_)) => true,
                    _ => false,
                };
                if same {
                    let shown = match &b.kind {
                        NodeKind::Scalar { value, .. } => value.clone(),
                        _ => String::new(),
                    };
                    self.terrors.push(format!(
                        "line {}: mapping key {} already defined at line {}",
                        b.line,
                        String::from_utf8_lossy(&sprintf("%#v", &[GoArg::str(&shown)])),
                        a.line
                    ));
                }
            }
        }
        if self.terrors.len() > before {
            return Ok(false);
        }
        let merged_fields = self.merged_fields.take();
        let mut merged = merged_fields;
        let mut merge_node = None;
        let key_out = if out.string_keys {
            Out::StringKey
        } else {
            Out::Any
        };
        for &(k, v) in pairs {
            if self.is_merge(k) {
                merge_node = Some(v);
                continue;
            }
            let Some(key) = self.unmarshal(k, key_out, depth + 1)? else {
                continue;
            };
            if let Some(fields) = merged.as_mut() {
                if fields.contains(&key) {
                    continue;
                }
                fields.push(key.clone());
            }
            if matches!(
                key,
                YamlValue::Seq(_) | YamlValue::Map(_) | YamlValue::GeneralMap(_)
            ) {
                let shown = sprintf("%#v", &[go_repr(&key)]);
                return Err(YamlError::Decode(format!(
                    "invalid map key: {}",
                    String::from_utf8_lossy(&shown)
                )));
            }
            let value_node = self.target(v);
            match self.unmarshal(v, Out::Any, depth + 1)? {
                Some(val) => out.set(key, val),
                None => {
                    // A null value is still stored unless the key already has one.
                    if self.node_short_tag(value_node) == NULL_TAG && !out.contains(&key) {
                        out.set(key, YamlValue::Null);
                    }
                }
            }
        }
        self.merged_fields = merged;
        if let Some(m) = merge_node {
            self.merge(n, m, out, depth)?;
        }
        Ok(true)
    }

    fn merge(
        &mut self,
        parent: usize,
        merge: usize,
        out: &mut MapOut,
        depth: usize,
    ) -> Result<(), YamlError> {
        let want_map = || {
            YamlError::Decode("map merge requires map or sequence of maps as the value".to_string())
        };
        let saved = self.merged_fields.clone();
        if self.merged_fields.is_none() {
            let mut fields = Vec::new();
            if let NodeKind::Map(pairs) = &self.node(parent).kind {
                for &(k, _) in pairs {
                    if let Some(key) = self.unmarshal(k, Out::Any, depth + 1)? {
                        fields.push(key);
                    }
                }
            }
            if out.string_keys {
                // String maps compare keys as their text.
                fields = fields
                    .into_iter()
                    .map(|f| match f {
                        YamlValue::String(s) => YamlValue::String(s),
                        other => YamlValue::String(self.scalar_text(&other)),
                    })
                    .collect();
            }
            self.merged_fields = Some(fields);
        }
        let sources: Vec<usize> = match &self.node(merge).kind {
            NodeKind::Map(_) => vec![merge],
            NodeKind::Alias(t) => {
                if !matches!(self.node(self.target(*t)).kind, NodeKind::Map(_)) {
                    return Err(want_map());
                }
                vec![self.target(*t)]
            }
            NodeKind::Seq(items) => {
                let mut v = Vec::new();
                for &item in items {
                    let t = self.target(item);
                    if !matches!(self.node(t).kind, NodeKind::Map(_)) {
                        return Err(want_map());
                    }
                    v.push(t);
                }
                v
            }
            NodeKind::Scalar { .. } => return Err(want_map()),
        };
        for src in sources {
            self.mapping(src, out, depth + 1)?;
        }
        self.merged_fields = saved;
        Ok(())
    }

    fn scalar_text(&self, v: &YamlValue) -> String {
        match v {
            YamlValue::String(s) | YamlValue::Timestamp(s) => s.clone(),
            YamlValue::Int(i) => i.to_string(),
            YamlValue::Uint(u) => u.to_string(),
            YamlValue::Float(f) => format_float(*f, 'g', None),
            YamlValue::Bool(b) => b.to_string(),
            _ => String::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::YamlValue::*;
    use super::*;

    fn ok(input: &str) -> YamlValue {
        match decode(input) {
            Ok(v) => v,
            Err(e) => panic!("{input:?}: {e}"),
        }
    }

    fn err(input: &str) -> std::string::String {
        match decode(input) {
            Ok(v) => format!("ok {v:?}"),
            Err(e) => e.to_string(),
        }
    }

    fn map(entries: &[(&str, YamlValue)]) -> YamlValue {
        Map(entries
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect())
    }

    fn s(v: &str) -> YamlValue {
        String(v.to_string())
    }

    #[test]
    fn conformance_cases() {
        // eval-cases.json yaml_decode / encoding.from_yaml
        assert_eq!(ok("foo: bar"), map(&[("foo", s("bar"))]));
        assert_eq!(ok("[0, 1, 2]"), Seq(vec![Int(0), Int(1), Int(2)]));
        assert_eq!(
            ok("[0.0, 1.0, 2.0]"),
            Seq(vec![Float(0.0), Float(1.0), Float(2.0)])
        );
        assert_eq!(ok("foo: null"), map(&[("foo", Null)]));
        assert_eq!(ok("[0, null]"), Seq(vec![Int(0), Null]));
    }

    #[test]
    fn plain_scalars_resolve_like_yaml_v3() {
        let cases: &[(&str, YamlValue)] = &[
            ("~", Null),
            ("null", Null),
            ("Null", Null),
            ("NULL", Null),
            ("true", Bool(true)),
            ("True", Bool(true)),
            ("TRUE", Bool(true)),
            ("false", Bool(false)),
            ("yes", s("yes")),
            ("no", s("no")),
            ("on", s("on")),
            ("y", s("y")),
            ("tRUE", s("tRUE")),
            ("0", Int(0)),
            ("-0", Int(0)),
            ("+12", Int(12)),
            ("-12", Int(-12)),
            ("1_000", Int(1000)),
            ("0x10", Int(16)),
            ("0X1F", Int(31)),
            ("0o17", Int(15)),
            ("017", Int(15)),
            ("-0o17", Int(-15)),
            ("0b101", Int(5)),
            ("-0b101", Int(-5)),
            ("08", Float(8.0)),
            ("09.5", Float(9.5)),
            ("9223372036854775807", Int(i64::MAX)),
            ("9223372036854775808", Uint(9223372036854775808)),
            ("18446744073709551616", Float(18446744073709551616.0)),
            ("1.5", Float(1.5)),
            ("1e3", Float(1000.0)),
            ("1E3", Float(1000.0)),
            ("-1.5e-3", Float(-0.0015)),
            (".5", Float(0.5)),
            ("+.5", Float(0.5)),
            ("1.", Float(1.0)),
            (".inf", Float(f64::INFINITY)),
            (".Inf", Float(f64::INFINITY)),
            ("+.INF", Float(f64::INFINITY)),
            ("-.inf", Float(f64::NEG_INFINITY)),
            ("1e400", s("1e400")),
            ("1:30", s("1:30")),
            ("0x1p3", s("0x1p3")),
            (".", s(".")),
            ("abc", s("abc")),
            ("_1", s("_1")),
            ("é", s("é")),
            ("2001-12-14", Timestamp("2001-12-14T00:00:00Z".into())),
            (
                "2001-12-14t21:59:43.10-05:00",
                Timestamp("2001-12-14T21:59:43.1-05:00".into()),
            ),
            (
                "2001-12-14T21:59:43.10Z",
                Timestamp("2001-12-14T21:59:43.1Z".into()),
            ),
            (
                "2001-12-14T21:59:43+00:00",
                Timestamp("2001-12-14T21:59:43Z".into()),
            ),
            (
                "2001-12-14 21:59:43.10",
                Timestamp("2001-12-14T21:59:43.1Z".into()),
            ),
            ("2002-1-2", Timestamp("2002-01-02T00:00:00Z".into())),
            ("2001-12-14 21:59:43.10 -5", s("2001-12-14 21:59:43.10 -5")),
            ("2001-12-14T21:59:43", s("2001-12-14T21:59:43")),
            ("2001-02-30", s("2001-02-30")),
            ("2000-02-29", Timestamp("2000-02-29T00:00:00Z".into())),
            ("2001-13-01", s("2001-13-01")),
            ("20011-12-14", s("20011-12-14")),
        ];
        for (input, want) in cases {
            let got = ok(input);
            match (want, &got) {
                (Float(w), Float(g)) => assert_eq!(w.to_bits(), g.to_bits(), "{input}"),
                _ => assert_eq!(&got, want, "{input}"),
            }
        }
        assert!(matches!(ok(".nan"), Float(f) if f.is_nan()));
    }

    #[test]
    fn quoted_and_tagged_scalars() {
        assert_eq!(ok("'1'"), s("1"));
        assert_eq!(ok("\"true\""), s("true"));
        assert_eq!(ok("'~'"), s("~"));
        assert_eq!(ok("''"), s(""));
        assert_eq!(ok("|\n  12\n"), s("12\n"));
        assert_eq!(ok(">-\n  a\n  b\n"), s("a b"));
        assert_eq!(ok("!!str 12"), s("12"));
        assert_eq!(ok("!!int \"12\""), Int(12));
        assert_eq!(ok("!!float 1"), Float(1.0));
        assert_eq!(ok("!!null ''"), Null);
        assert_eq!(ok("!foo bar"), s("bar"));
        assert_eq!(ok("!!binary aGVsbG8="), s("hello"));
        assert_eq!(
            err("!!int abc"),
            "yaml: cannot decode !!str `abc` as a !!int"
        );
        assert_eq!(err("!!bool 1"), "yaml: cannot decode !!int `1` as a !!bool");
        assert_eq!(
            err("!!binary '!!'"),
            "yaml: !!binary value contains invalid base64 data"
        );
    }

    #[test]
    fn documents() {
        assert_eq!(ok(""), Null);
        assert_eq!(ok("# just a comment\n"), Null);
        assert_eq!(ok("---\n"), Null);
        assert_eq!(ok("a: 1\n---\nb: 2\n"), map(&[("a", Int(1))]));
        assert_eq!(ok("--- 5\n...\n--- 6\n"), Int(5));
        assert_eq!(ok("a:\nb: ~\n"), map(&[("a", Null), ("b", Null)]));
    }

    #[test]
    fn mappings() {
        assert_eq!(
            ok("a: 1\nb:\n  - x\n  - {c: d}\n"),
            map(&[
                ("a", Int(1)),
                ("b", Seq(vec![s("x"), map(&[("c", s("d"))])]))
            ])
        );
        // Quoted keys that look like other types are still strings.
        assert_eq!(
            ok("'1': a\n\"true\": b\n"),
            map(&[("1", s("a")), ("true", s("b"))])
        );
        // Any non-string key makes a general map (a capsule in River).
        assert_eq!(ok("1: a"), GeneralMap(vec![(Int(1), s("a"))]));
        assert_eq!(
            ok("a: 1\ntrue: 2\n~: 3\n1.5: 4\n"),
            GeneralMap(vec![
                (s("a"), Int(1)),
                (Bool(true), Int(2)),
                (Null, Int(3)),
                (Float(1.5), Int(4))
            ])
        );
        assert_eq!(
            ok("x:\n  1: a\n"),
            map(&[("x", GeneralMap(vec![(Int(1), s("a"))]))])
        );
    }

    #[test]
    fn duplicate_keys_are_errors() {
        assert_eq!(
            err("a: 1\na: 2\n"),
            "yaml: unmarshal errors:\n  line 2: mapping key \"a\" already defined at line 1"
        );
        assert_eq!(
            err("a: 1\n'a': 2\nb:\n  c: 1\n  c: 2\n"),
            "yaml: unmarshal errors:\n  line 2: mapping key \"a\" already defined at line 1"
        );
    }

    #[test]
    fn anchors_aliases_and_merges() {
        assert_eq!(
            ok("a: &x [1, 2]\nb: *x\n"),
            map(&[
                ("a", Seq(vec![Int(1), Int(2)])),
                ("b", Seq(vec![Int(1), Int(2)]))
            ])
        );
        assert_eq!(
            ok("base: &b {x: 1, y: 2}\nd:\n  <<: *b\n  y: 3\n"),
            map(&[
                ("base", map(&[("x", Int(1)), ("y", Int(2))])),
                ("d", map(&[("y", Int(3)), ("x", Int(1))])),
            ])
        );
        assert_eq!(
            ok("a: &a {k: 1}\nb: &b {k: 2, j: 2}\nc:\n  <<: [*a, *b]\n"),
            map(&[
                ("a", map(&[("k", Int(1))])),
                ("b", map(&[("k", Int(2)), ("j", Int(2))])),
                ("c", map(&[("k", Int(1)), ("j", Int(2))])),
            ])
        );
        assert_eq!(
            err("a: &a 1\nb:\n  <<: *a\n"),
            "yaml: map merge requires map or sequence of maps as the value"
        );
        assert_eq!(err("a: &a [*a]\n"), "yaml: anchor value contains itself");
    }

    #[test]
    fn excessive_aliasing_is_rejected() {
        let mut text = std::string::String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..9 {
            let refs = vec![format!("*a{}", i - 1); 10].join(", ");
            text.push_str(&format!("a{i}: &a{i} [{refs}]\n"));
        }
        assert_eq!(err(&text), "yaml: document contains excessive aliasing");
    }

    #[test]
    fn invalid_keys_and_syntax() {
        assert_eq!(
            err("? [1]\n: x\n"),
            "yaml: invalid map key: []interface {}{1}"
        );
        assert_eq!(
            err("a: b: c"),
            "yaml: line 1: mapping values are not allowed in this context"
        );
        assert_eq!(
            err("a:\n  - b\n c: d"),
            "yaml: line 3: did not find expected key"
        );
        assert_eq!(err("a: *x"), "yaml: unknown anchor 'x' referenced");
        assert_eq!(
            err("a: [*nope, 1]"),
            "yaml: unknown anchor 'nope' referenced"
        );
        assert!(err("[1, 2").starts_with("yaml: line "));
        assert_eq!(
            decode(b"\xff").map_err(|e| e.to_string()),
            Err("yaml: invalid leading UTF-8 octet".into())
        );
    }

    #[test]
    fn deep_nesting_is_rejected() {
        let text = "- ".repeat(2000) + "x";
        assert!(decode(text).is_err());
    }
}
