//! Line parser for OpenMetrics 1.0.
//!
//! Stricter than the text format: tokens are separated by exactly one space, there is no
//! leading whitespace, no blank lines, no free comments, timestamps are float seconds, a sample
//! may carry an exemplar (`value [ts] # {labels} value [ts]`), and the body ends with `# EOF`.

use super::scan;
use super::{
    parse_label_section, utf8, Entry, Exemplar, OmState, ParseErrorKind, ParserOptions, Sample,
};
use crate::prom::metric_type::MetricType;

/// Parses one line (without its newline). `Ok(None)` for `# EOF` and skipped `_created` samples.
pub(super) fn parse_line<'a>(
    line: &'a [u8],
    state: &mut OmState<'a>,
    options: &ParserOptions,
) -> Result<Option<Entry<'a>>, ParseErrorKind> {
    match line.first() {
        None => Err(ParseErrorKind::EmptyLine),
        Some(b'#') => parse_comment(line, state),
        Some(_) => {
            let sample = parse_sample(line)?;
            if options.skip_created_series && is_created_series(state, sample.name) {
                return Ok(None);
            }
            Ok(Some(Entry::Sample(sample)))
        }
    }
}

/// True for `<name>_created` samples of families whose created time Prometheus handles apart
/// from the samples (the `# TYPE` in force is counter, histogram or summary).
fn is_created_series(state: &OmState<'_>, name: &str) -> bool {
    matches!(
        state.family_type,
        MetricType::Counter | MetricType::Histogram | MetricType::Summary
    ) && name.len() > "_created".len()
        && name.ends_with("_created")
}

fn parse_comment<'a>(
    line: &'a [u8],
    state: &mut OmState<'a>,
) -> Result<Option<Entry<'a>>, ParseErrorKind> {
    let Some(rest) = line.strip_prefix(b"# ") else {
        return Err(ParseErrorKind::InvalidComment(scan::got(line)));
    };
    if rest == b"EOF" {
        state.saw_eof = true;
        return Ok(None);
    }
    let keyword_len = 5; // "HELP ", "TYPE ", "UNIT "
    let kind = match rest.get(..keyword_len) {
        Some(b"HELP ") => Keyword::Help,
        Some(b"TYPE ") => Keyword::Type,
        Some(b"UNIT ") => Keyword::Unit,
        _ => return Err(ParseErrorKind::InvalidComment(scan::got(line))),
    };
    let name_start = 2 + keyword_len;
    let name_end = scan::scan_metric_name(line, name_start);
    if name_end == name_start {
        return Err(ParseErrorKind::Expected {
            what: "metric name",
            got: scan::got(&line[name_start..]),
        });
    }
    let metric = utf8(&line[name_start..name_end], "metric name")?;
    let text: &[u8] = match line.get(name_end) {
        // A missing text is read as empty text, except for TYPE (below).
        None => b"",
        Some(b' ') => &line[name_end + 1..],
        Some(_) => {
            return Err(ParseErrorKind::Expected {
                what: "' ' after metric name",
                got: scan::got(&line[name_end..]),
            })
        }
    };
    match kind {
        Keyword::Help => {
            let text = utf8(text, "HELP text")?;
            Ok(Some(Entry::Help {
                metric,
                text: scan::unescape_help(text, true),
            }))
        }
        Keyword::Type => {
            let word = utf8(text, "TYPE line")?;
            let kind = MetricType::from_openmetrics(word)
                .ok_or_else(|| ParseErrorKind::InvalidType(scan::excerpt(word.as_bytes())))?;
            state.family = metric;
            state.family_type = kind;
            Ok(Some(Entry::Type { metric, kind }))
        }
        Keyword::Unit => {
            let unit = utf8(text, "UNIT line")?;
            if !unit.is_empty() && !metric.ends_with(unit) {
                return Err(ParseErrorKind::UnitNotSuffix {
                    unit: scan::excerpt(unit.as_bytes()),
                    metric: scan::excerpt(metric.as_bytes()),
                });
            }
            Ok(Some(Entry::Unit { metric, unit }))
        }
    }
}

enum Keyword {
    Help,
    Type,
    Unit,
}

/// The end of a token that runs to the next space or the end of the line.
#[inline]
fn token_end(line: &[u8], i: usize) -> usize {
    match memchr::memchr(b' ', &line[i..]) {
        Some(n) => i + n,
        None => line.len(),
    }
}

fn parse_sample(line: &[u8]) -> Result<Sample<'_>, ParseErrorKind> {
    let name_end = scan::scan_metric_name(line, 0);
    if name_end == 0 {
        return Err(ParseErrorKind::Expected {
            what: "metric name",
            got: scan::got(line),
        });
    }
    let (labels_range, series_end) = if line.get(name_end) == Some(&b'{') {
        let close = parse_label_section(line, name_end, false)?;
        ((name_end + 1, close), close + 1)
    } else {
        ((name_end, name_end), name_end)
    };
    let series = utf8(&line[..series_end], "label values")?;
    let name = &series[..name_end];
    let labels = &series[labels_range.0..labels_range.1];

    let mut i = expect_space(line, series_end, "' ' before sample value")?;
    let value_end = token_end(line, i);
    let value = parse_value(&line[i..value_end])?;
    i = value_end;

    let mut timestamp = None;
    let mut exemplar = None;
    if i < line.len() {
        i += 1; // the space token_end stopped at
        if line.get(i) != Some(&b'#') {
            let ts_end = token_end(line, i);
            timestamp = Some(parse_timestamp(&line[i..ts_end])?);
            i = ts_end;
            if i < line.len() {
                i += 1;
            }
        }
        if i < line.len() || line[i - 1] == b' ' {
            let (ex, end) = parse_exemplar(line, i)?;
            exemplar = Some(ex);
            i = end;
        }
    }
    if i < line.len() {
        return Err(ParseErrorKind::Expected {
            what: "end of line",
            got: scan::got(&line[i..]),
        });
    }
    Ok(Sample {
        series,
        name,
        labels,
        value,
        timestamp,
        exemplar,
    })
}

/// Checks for a single space at `i` and returns the index after it.
fn expect_space(line: &[u8], i: usize, what: &'static str) -> Result<usize, ParseErrorKind> {
    if line.get(i) == Some(&b' ') && line.get(i + 1).is_some_and(|&b| b != b' ') {
        Ok(i + 1)
    } else {
        Err(ParseErrorKind::Expected {
            what,
            got: scan::got(&line[i.min(line.len())..]),
        })
    }
}

fn parse_value(token: &[u8]) -> Result<f64, ParseErrorKind> {
    scan::parse_float(token).ok_or_else(|| ParseErrorKind::InvalidValue(scan::excerpt(token)))
}

fn parse_timestamp(token: &[u8]) -> Result<i64, ParseErrorKind> {
    scan::parse_seconds_timestamp(token)
        .ok_or_else(|| ParseErrorKind::InvalidTimestamp(scan::excerpt(token)))
}

/// Parses `# {labels} value [timestamp]` starting at `i`; returns the exemplar and the index
/// where it ends.
fn parse_exemplar(line: &[u8], i: usize) -> Result<(Exemplar<'_>, usize), ParseErrorKind> {
    if line.get(i..i + 3) != Some(b"# {") {
        return Err(ParseErrorKind::Expected {
            what: "timestamp, exemplar (\"# {\") or end of line",
            got: scan::got(&line[i.min(line.len())..]),
        });
    }
    let open = i + 2;
    let close = parse_label_section(line, open, false)?;
    let labels = utf8(&line[open + 1..close], "exemplar label values")?;
    let mut j = expect_space(line, close + 1, "' ' before exemplar value")?;
    let value_end = token_end(line, j);
    let value = parse_value(&line[j..value_end])?;
    j = value_end;
    let mut timestamp = None;
    if j < line.len() {
        j = expect_space(line, j, "exemplar timestamp")?;
        let ts_end = token_end(line, j);
        timestamp = Some(parse_timestamp(&line[j..ts_end])?);
        j = ts_end;
    }
    Ok((
        Exemplar {
            labels,
            value,
            timestamp,
        },
        j,
    ))
}
