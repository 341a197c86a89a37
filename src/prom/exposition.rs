//! A zero-copy parser for scraped metrics: Prometheus text format 0.0.4 and OpenMetrics 1.0.
//!
//! [`Parser`] is an iterator over a response body (`&[u8]`) yielding [`Entry`] values that
//! borrow from the body: samples ([`Sample`]: series text, metric name, lazily unescaped label
//! pairs, value, optional timestamp in milliseconds, optional exemplar) and metadata (`# TYPE`,
//! `# HELP`, `# UNIT`). Other comments are skipped. Parsing stops at the first error, which is
//! yielded as a [`ParseError`] carrying the 1-based line number. Nothing allocates except the
//! error message and HELP text that contains escapes; a malformed body can make the parser
//! neither panic nor loop: every step consumes at least one line.
//!
//! Pick the format with [`Format::from_content_type`]:
//!
//! ```
//! use river_agent::prom::exposition::{Entry, Format, Parser};
//!
//! let body = b"# TYPE up gauge\nup{job=\"node\"} 1 1700000000000\n";
//! let format = Format::from_content_type(Some("text/plain; version=0.0.4"), Format::PrometheusText);
//! let mut samples = 0;
//! for entry in Parser::new(body, format) {
//!     match entry.unwrap() {
//!         Entry::Sample(s) => {
//!             assert_eq!(s.series, "up{job=\"node\"}");
//!             assert_eq!(s.labels().next().unwrap().1.to_cow(), "node");
//!             samples += 1;
//!         }
//!         Entry::Type { .. } | Entry::Help { .. } | Entry::Unit { .. } => {}
//!     }
//! }
//! assert_eq!(samples, 1);
//! ```
//!
//! Differences from Prometheus' parsers, all on malformed input: a raw newline inside a quoted
//! label value is an error (Prometheus' text lexer would accept it), a text-format body may omit
//! the final newline, and trailing blanks after a `# TYPE` word are ignored. Quoted (UTF-8)
//! metric names of Prometheus 3 and OpenMetrics 2.0 `ct@` created timestamps are not supported.

mod openmetrics;
mod scan;
mod text;

use std::borrow::Cow;
use std::fmt;

use crate::prom::metric_type::MetricType;

/// The exposition format of a body.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Format {
    /// Prometheus text format 0.0.4 (`text/plain`).
    PrometheusText,
    /// OpenMetrics 1.0 (`application/openmetrics-text`).
    OpenMetrics,
}

impl Format {
    /// The format named by a `Content-Type` header value, or `fallback` when the header is
    /// missing or names neither format (Prometheus' `scrape_fallback_protocol`).
    pub fn from_content_type(content_type: Option<&str>, fallback: Format) -> Format {
        let Some(ct) = content_type else {
            return fallback;
        };
        let media = ct.split(';').next().unwrap_or("").trim();
        if media.eq_ignore_ascii_case("application/openmetrics-text") {
            Format::OpenMetrics
        } else if media.eq_ignore_ascii_case("text/plain") {
            Format::PrometheusText
        } else {
            fallback
        }
    }
}

/// Parser settings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ParserOptions {
    /// In OpenMetrics, leave out `<family>_created` samples of counter, histogram and summary
    /// families (as Prometheus does unless it ingests created timestamps). Default `true`.
    pub skip_created_series: bool,
}

impl Default for ParserOptions {
    fn default() -> Self {
        ParserOptions {
            skip_created_series: true,
        }
    }
}

/// One parsed item of a body.
#[derive(Clone, Debug, PartialEq)]
pub enum Entry<'a> {
    /// A sample line.
    Sample(Sample<'a>),
    /// `# TYPE <metric> <type>`.
    Type {
        /// The metric family name.
        metric: &'a str,
        /// The declared type.
        kind: MetricType,
    },
    /// `# HELP <metric> <text>`; the text is unescaped (borrowed when it has no escapes).
    Help {
        /// The metric family name.
        metric: &'a str,
        /// The help text.
        text: Cow<'a, str>,
    },
    /// `# UNIT <metric> <unit>` (OpenMetrics only).
    Unit {
        /// The metric family name.
        metric: &'a str,
        /// The unit, e.g. `seconds`.
        unit: &'a str,
    },
}

/// A sample line, borrowing from the body.
#[derive(Clone, Debug, PartialEq)]
pub struct Sample<'a> {
    /// The series text exactly as written, `name{labels}` (or just `name`); identical bodies give
    /// identical slices, so it works as a cache key for the series' processed labels.
    pub series: &'a str,
    /// The metric name.
    pub name: &'a str,
    /// The text between the braces (empty when there are none); iterate with
    /// [`labels`](Sample::labels).
    labels: &'a str,
    /// The sample value (may be NaN or ±Inf).
    pub value: f64,
    /// The timestamp in milliseconds since the epoch, when the line has one.
    pub timestamp: Option<i64>,
    /// The OpenMetrics exemplar attached to the line, if any.
    pub exemplar: Option<Exemplar<'a>>,
}

impl<'a> Sample<'a> {
    /// The label pairs in the order written (not sorted, duplicates not removed).
    pub fn labels(&self) -> LabelPairs<'a> {
        LabelPairs::new(self.labels)
    }

    /// The raw text between the braces.
    pub fn labels_text(&self) -> &'a str {
        self.labels
    }
}

/// An OpenMetrics exemplar (`# {trace_id="…"} 0.5 1700000000.123`).
#[derive(Clone, Debug, PartialEq)]
pub struct Exemplar<'a> {
    labels: &'a str,
    /// The exemplar value.
    pub value: f64,
    /// The exemplar timestamp in milliseconds, if given.
    pub timestamp: Option<i64>,
}

impl<'a> Exemplar<'a> {
    /// The exemplar's label pairs.
    pub fn labels(&self) -> LabelPairs<'a> {
        LabelPairs::new(self.labels)
    }
}

/// A label value as written between the quotes; unescape it with [`to_cow`](LabelValue::to_cow)
/// or [`unescape_into`](LabelValue::unescape_into).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LabelValue<'a> {
    raw: &'a str,
    escaped: bool,
}

impl<'a> LabelValue<'a> {
    /// The value as written, escapes included.
    pub fn raw(&self) -> &'a str {
        self.raw
    }

    /// True when the raw text contains a backslash escape.
    pub fn has_escapes(&self) -> bool {
        self.escaped
    }

    /// The unescaped value, borrowed when there is nothing to unescape.
    pub fn to_cow(&self) -> Cow<'a, str> {
        if self.escaped {
            let mut out = String::with_capacity(self.raw.len());
            scan::unescape_label_value(self.raw, &mut out);
            Cow::Owned(out)
        } else {
            Cow::Borrowed(self.raw)
        }
    }

    /// Appends the unescaped value to `out` (reuse one buffer across many values).
    pub fn unescape_into(&self, out: &mut String) {
        if self.escaped {
            scan::unescape_label_value(self.raw, out);
        } else {
            out.push_str(self.raw);
        }
    }
}

/// Iterator over the `(name, value)` pairs of an already validated label section.
#[derive(Clone, Debug)]
pub struct LabelPairs<'a> {
    text: &'a str,
    pos: usize,
}

impl<'a> LabelPairs<'a> {
    fn new(text: &'a str) -> Self {
        LabelPairs { text, pos: 0 }
    }
}

impl<'a> Iterator for LabelPairs<'a> {
    type Item = (&'a str, LabelValue<'a>);

    fn next(&mut self) -> Option<Self::Item> {
        // The section was validated when the line was parsed; this walk only has to find the
        // pieces again, and stops quietly if anything is off.
        let b = self.text.as_bytes();
        let mut i = self.pos;
        while i < b.len() && matches!(b[i], b' ' | b'\t' | b',') {
            i += 1;
        }
        let name_start = i;
        let name_end = scan::scan_label_name(b, i);
        if name_end == name_start {
            self.pos = b.len();
            return None;
        }
        i = scan::skip_ws(b, name_end);
        if b.get(i) != Some(&b'=') {
            self.pos = b.len();
            return None;
        }
        i = scan::skip_ws(b, i + 1);
        if b.get(i) != Some(&b'"') {
            self.pos = b.len();
            return None;
        }
        let Some((close, escaped)) = scan::scan_quoted(b, i + 1) else {
            self.pos = b.len();
            return None;
        };
        self.pos = close + 1;
        Some((
            &self.text[name_start..name_end],
            LabelValue {
                raw: &self.text[i + 1..close],
                escaped,
            },
        ))
    }
}

/// What the parser found instead of what it expected.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Got {
    /// The line ended.
    EndOfLine,
    /// Text (the first 40 bytes of the rest of the line).
    Text {
        /// The text, lossily decoded.
        text: String,
        /// True when the rest of the line was longer.
        truncated: bool,
    },
}

impl fmt::Display for Got {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Got::EndOfLine => f.write_str("end of line"),
            Got::Text { text, truncated } => {
                write!(f, "{:?}", text)?;
                if *truncated {
                    f.write_str("…")?;
                }
                Ok(())
            }
        }
    }
}

/// Why a line could not be parsed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ParseErrorKind {
    /// A token was missing; `what` names it.
    #[error("expected {what}, got {got}")]
    Expected {
        /// What the grammar required here, e.g. `label value`.
        what: &'static str,
        /// What was there instead.
        got: Got,
    },
    /// A label value's closing quote is missing.
    #[error("unterminated label value (missing closing '\"')")]
    UnterminatedLabelValue,
    /// The sample value is not a number.
    #[error("invalid sample value {0:?}")]
    InvalidValue(String),
    /// The timestamp is not valid for the format.
    #[error("invalid timestamp {0:?}")]
    InvalidTimestamp(String),
    /// A `# TYPE` line names an unknown type.
    #[error("invalid metric type {0:?}")]
    InvalidType(String),
    /// Label values or HELP text are not valid UTF-8.
    #[error("invalid UTF-8 in {0}")]
    InvalidUtf8(&'static str),
    /// An OpenMetrics body has an empty line.
    #[error("empty lines are not allowed in OpenMetrics")]
    EmptyLine,
    /// An OpenMetrics body has a comment other than HELP, TYPE, UNIT or EOF.
    #[error("invalid comment {0}: OpenMetrics allows only # HELP, # TYPE, # UNIT and # EOF")]
    InvalidComment(Got),
    /// `# UNIT` names a unit that is not a suffix of the metric name.
    #[error("unit {unit:?} is not a suffix of metric {metric:?}")]
    UnitNotSuffix {
        /// The unit.
        unit: String,
        /// The metric family name.
        metric: String,
    },
    /// An OpenMetrics body does not end with `# EOF`.
    #[error("OpenMetrics body does not end with \"# EOF\"")]
    MissingEof,
    /// Something follows `# EOF`.
    #[error("unexpected data after \"# EOF\"")]
    DataAfterEof,
}

/// A parse error with the 1-based line it occurred on.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {kind}")]
pub struct ParseError {
    /// 1-based line number.
    pub line: usize,
    /// What went wrong.
    pub kind: ParseErrorKind,
}

/// Per-body state the OpenMetrics line parser keeps between lines.
#[derive(Default, Debug)]
struct OmState<'a> {
    /// The family named by the last `# TYPE` line and its type, to recognise `_created`.
    family: &'a str,
    family_type: MetricType,
    saw_eof: bool,
}

/// Streaming parser over a body; see the [module docs](self).
#[derive(Debug)]
pub struct Parser<'a> {
    body: &'a [u8],
    pos: usize,
    line: usize,
    format: Format,
    options: ParserOptions,
    om: OmState<'a>,
    done: bool,
}

impl<'a> Parser<'a> {
    /// A parser with default options.
    pub fn new(body: &'a [u8], format: Format) -> Self {
        Self::with_options(body, format, ParserOptions::default())
    }

    /// A parser with explicit options.
    pub fn with_options(body: &'a [u8], format: Format, options: ParserOptions) -> Self {
        Parser {
            body,
            pos: 0,
            line: 0,
            format,
            options,
            om: OmState::default(),
            done: false,
        }
    }

    /// The format being parsed.
    pub fn format(&self) -> Format {
        self.format
    }

    /// The 1-based number of the line most recently read (0 before the first).
    pub fn line(&self) -> usize {
        self.line
    }

    fn fail(&mut self, line: usize, kind: ParseErrorKind) -> Option<Result<Entry<'a>, ParseError>> {
        self.done = true;
        Some(Err(ParseError { line, kind }))
    }
}

impl<'a> Iterator for Parser<'a> {
    type Item = Result<Entry<'a>, ParseError>;

    fn next(&mut self) -> Option<Self::Item> {
        while !self.done {
            if self.pos >= self.body.len() {
                self.done = true;
                if self.format == Format::OpenMetrics && !self.om.saw_eof {
                    return self.fail(self.line.max(1), ParseErrorKind::MissingEof);
                }
                return None;
            }
            if self.om.saw_eof {
                return self.fail(self.line + 1, ParseErrorKind::DataAfterEof);
            }
            let rest = &self.body[self.pos..];
            let (line, advance) = match memchr::memchr(b'\n', rest) {
                Some(n) => (&rest[..n], n + 1),
                None => (rest, rest.len()),
            };
            self.pos += advance;
            self.line += 1;
            let parsed = match self.format {
                Format::PrometheusText => text::parse_line(line),
                Format::OpenMetrics => openmetrics::parse_line(line, &mut self.om, &self.options),
            };
            match parsed {
                Ok(Some(entry)) => return Some(Ok(entry)),
                Ok(None) => continue,
                Err(kind) => return self.fail(self.line, kind),
            }
        }
        None
    }
}

impl std::iter::FusedIterator for Parser<'_> {}

/// Parses the label section between `open` (index of `{`) and the matching `}` with the
/// text format's rules (`allow_ws`) or OpenMetrics' (no whitespace). Returns the index of `}`.
fn parse_label_section(line: &[u8], open: usize, allow_ws: bool) -> Result<usize, ParseErrorKind> {
    let ws = |i: usize| if allow_ws { scan::skip_ws(line, i) } else { i };
    let mut i = ws(open + 1);
    loop {
        if line.get(i) == Some(&b'}') {
            return Ok(i);
        }
        let name_end = scan::scan_label_name(line, i);
        if name_end == i {
            return Err(ParseErrorKind::Expected {
                what: "label name or '}'",
                got: scan::got(&line[i..]),
            });
        }
        i = ws(name_end);
        if line.get(i) != Some(&b'=') {
            return Err(ParseErrorKind::Expected {
                what: "'=' after label name",
                got: scan::got(&line[i..]),
            });
        }
        i = ws(i + 1);
        if line.get(i) != Some(&b'"') {
            return Err(ParseErrorKind::Expected {
                what: "label value",
                got: scan::got(&line[i..]),
            });
        }
        let (close, _) =
            scan::scan_quoted(line, i + 1).ok_or(ParseErrorKind::UnterminatedLabelValue)?;
        i = ws(close + 1);
        match line.get(i) {
            Some(b',') => i = ws(i + 1),
            Some(b'}') => return Ok(i),
            _ => {
                return Err(ParseErrorKind::Expected {
                    what: "',' or '}' after label value",
                    got: scan::got(&line[i..]),
                })
            }
        }
    }
}

/// Views `bytes` as UTF-8 or reports which part was invalid.
fn utf8<'a>(bytes: &'a [u8], what: &'static str) -> Result<&'a str, ParseErrorKind> {
    std::str::from_utf8(bytes).map_err(|_| ParseErrorKind::InvalidUtf8(what))
}

#[cfg(test)]
mod tests;
