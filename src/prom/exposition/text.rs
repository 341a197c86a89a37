//! Line parser for the Prometheus text format 0.0.4.
//!
//! Grammar (spaces and tabs may separate all tokens):
//! `name [ '{' [ label '=' '"' value '"' { ',' ... } [','] ] '}' ] value [ timestamp_ms ]`,
//! `# HELP name text`, `# TYPE name type`, other `#` lines are comments, blank lines are
//! allowed.

use super::scan::{self, skip_ws};
use super::{parse_label_section, utf8, Entry, ParseErrorKind, Sample};
use crate::prom::metric_type::MetricType;

/// Parses one line (without its newline). `Ok(None)` for blank lines and comments.
pub(super) fn parse_line(line: &[u8]) -> Result<Option<Entry<'_>>, ParseErrorKind> {
    let start = skip_ws(line, 0);
    match line.get(start) {
        None => Ok(None),
        Some(b'#') => parse_comment(line, start + 1),
        Some(_) => parse_sample(line, start).map(|s| Some(Entry::Sample(s))),
    }
}

/// `i` is just after the `#`.
fn parse_comment(line: &[u8], i: usize) -> Result<Option<Entry<'_>>, ParseErrorKind> {
    let j = skip_ws(line, i);
    if j == i {
        // `#` directly followed by text is a plain comment.
        return Ok(None);
    }
    let rest = &line[j..];
    let (is_help, k) = if rest.starts_with(b"HELP") {
        (true, j + 4)
    } else if rest.starts_with(b"TYPE") {
        (false, j + 4)
    } else {
        return Ok(None);
    };
    let name_start = skip_ws(line, k);
    if name_start == k {
        // `# HELPER ...` or a bare `# HELP` is just a comment.
        return Ok(None);
    }
    let name_end = scan::scan_metric_name(line, name_start);
    if name_end == name_start {
        return Err(ParseErrorKind::Expected {
            what: if is_help {
                "metric name after HELP"
            } else {
                "metric name after TYPE"
            },
            got: scan::got(&line[name_start..]),
        });
    }
    // Metric names are ASCII by construction.
    let metric = utf8(&line[name_start..name_end], "metric name")?;
    // The text starts after exactly one separator; further blanks belong to the text.
    let text: &[u8] = match line.get(name_end) {
        None => b"",
        Some(b' ' | b'\t') => &line[name_end + 1..],
        Some(_) => {
            return Err(ParseErrorKind::Expected {
                what: "whitespace after metric name",
                got: scan::got(&line[name_end..]),
            })
        }
    };
    if is_help {
        let text = utf8(text, "HELP text")?;
        Ok(Some(Entry::Help {
            metric,
            text: scan::unescape_help(text, false),
        }))
    } else {
        let word = utf8(text, "TYPE line")?.trim_matches([' ', '\t']);
        let kind = MetricType::from_text_format(word)
            .ok_or_else(|| ParseErrorKind::InvalidType(scan::excerpt(word.as_bytes())))?;
        Ok(Some(Entry::Type { metric, kind }))
    }
}

fn parse_sample(line: &[u8], start: usize) -> Result<Sample<'_>, ParseErrorKind> {
    let name_end = scan::scan_metric_name(line, start);
    if name_end == start {
        return Err(ParseErrorKind::Expected {
            what: "metric name",
            got: scan::got(&line[start..]),
        });
    }
    let mut i = skip_ws(line, name_end);
    let (labels_range, series_end) = if line.get(i) == Some(&b'{') {
        let close = parse_label_section(line, i, true)?;
        let range = (i + 1, close);
        i = skip_ws(line, close + 1);
        (range, close + 1)
    } else {
        ((name_end, name_end), name_end)
    };
    let series = utf8(&line[start..series_end], "label values")?;
    // Offsets are relative to the series slice from here on.
    let name = &series[..name_end - start];
    let labels = &series[labels_range.0 - start..labels_range.1 - start];

    let value_start = i;
    while i < line.len() && !matches!(line[i], b' ' | b'\t' | b'{') {
        i += 1;
    }
    if i == value_start {
        return Err(ParseErrorKind::Expected {
            what: "sample value",
            got: scan::got(&line[i..]),
        });
    }
    let value_token = &line[value_start..i];
    let value = scan::parse_float(value_token)
        .ok_or_else(|| ParseErrorKind::InvalidValue(scan::excerpt(value_token)))?;

    i = skip_ws(line, i);
    let mut timestamp = None;
    if i < line.len() {
        let ts_start = i;
        while i < line.len() && !matches!(line[i], b' ' | b'\t') {
            i += 1;
        }
        let token = &line[ts_start..i];
        if !(token[0].is_ascii_digit() || token[0] == b'-') {
            return Err(ParseErrorKind::Expected {
                what: "timestamp or end of line",
                got: scan::got(&line[ts_start..]),
            });
        }
        timestamp = Some(
            scan::parse_ms_timestamp(token)
                .ok_or_else(|| ParseErrorKind::InvalidTimestamp(scan::excerpt(token)))?,
        );
        i = skip_ws(line, i);
        if i < line.len() {
            return Err(ParseErrorKind::Expected {
                what: "end of line after timestamp",
                got: scan::got(&line[i..]),
            });
        }
    }

    Ok(Sample {
        series,
        name,
        labels,
        value,
        timestamp,
        exemplar: None,
    })
}
