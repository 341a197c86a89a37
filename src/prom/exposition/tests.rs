use super::*;
use proptest::prelude::*;

/// Owned view of a sample for comparisons.
#[derive(Debug, PartialEq)]
struct S {
    series: String,
    name: String,
    labels: Vec<(String, String)>,
    value: f64,
    ts: Option<i64>,
}

fn samples(body: &str, format: Format) -> Vec<S> {
    Parser::new(body.as_bytes(), format)
        .filter_map(|e| match e.unwrap() {
            Entry::Sample(s) => Some(S {
                series: s.series.to_owned(),
                name: s.name.to_owned(),
                labels: s
                    .labels()
                    .map(|(n, v)| (n.to_owned(), v.to_cow().into_owned()))
                    .collect(),
                value: s.value,
                ts: s.timestamp,
            }),
            _ => None,
        })
        .collect()
}

fn error(body: &str, format: Format) -> String {
    Parser::new(body.as_bytes(), format)
        .find_map(|e| e.err())
        .map(|e| e.to_string())
        .unwrap_or_else(|| "no error".to_owned())
}

fn s(series: &str, name: &str, labels: &[(&str, &str)], value: f64, ts: Option<i64>) -> S {
    S {
        series: series.to_owned(),
        name: name.to_owned(),
        labels: labels
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect(),
        value,
        ts,
    }
}

#[test]
fn content_type_selects_format() {
    let fb = Format::PrometheusText;
    assert_eq!(
        Format::from_content_type(
            Some("application/openmetrics-text; version=1.0.0; charset=utf-8"),
            fb
        ),
        Format::OpenMetrics
    );
    assert_eq!(
        Format::from_content_type(Some("text/plain; version=0.0.4"), Format::OpenMetrics),
        Format::PrometheusText
    );
    assert_eq!(
        Format::from_content_type(Some("Text/Plain"), Format::OpenMetrics),
        Format::PrometheusText
    );
    assert_eq!(
        Format::from_content_type(Some("application/json"), Format::OpenMetrics),
        Format::OpenMetrics
    );
    assert_eq!(Format::from_content_type(None, fb), fb);
}

#[test]
fn text_format_body() {
    let body = "# HELP http_requests_total The total number of HTTP requests.\n\
                # TYPE http_requests_total counter\n\
                http_requests_total{method=\"post\",code=\"200\"} 1027 1395066363000\n\
                http_requests_total{method=\"post\",code=\"400\"}    3 1395066363000\n\
                \n\
                # A normal comment.\n\
                #comment without space\n\
                msdos_file_access_time_seconds{path=\"C:\\\\DIR\\\\FILE.TXT\",error=\"Cannot find file:\\n\\\"FILE.TXT\\\"\"} 1.458255915e9\n\
                metric_without_timestamp_and_labels 12.47\n\
                something_weird{problem=\"division by zero\"} +Inf -3982045\n\
                \t  indented{a=\"b\"} -Inf\n\
                nan_metric NaN\n\
                spaced { a = \"1\" , b=\"2\", } 7\n\
                empty{} 0\n\
                no_newline_at_end 1";
    let got = samples(body, Format::PrometheusText);
    let want = [
        s(
            "http_requests_total{method=\"post\",code=\"200\"}",
            "http_requests_total",
            &[("method", "post"), ("code", "200")],
            1027.0,
            Some(1395066363000),
        ),
        s(
            "http_requests_total{method=\"post\",code=\"400\"}",
            "http_requests_total",
            &[("method", "post"), ("code", "400")],
            3.0,
            Some(1395066363000),
        ),
        s(
            "msdos_file_access_time_seconds{path=\"C:\\\\DIR\\\\FILE.TXT\",error=\"Cannot find file:\\n\\\"FILE.TXT\\\"\"}",
            "msdos_file_access_time_seconds",
            &[
                ("path", "C:\\DIR\\FILE.TXT"),
                ("error", "Cannot find file:\n\"FILE.TXT\""),
            ],
            1.458255915e9,
            None,
        ),
        s(
            "metric_without_timestamp_and_labels",
            "metric_without_timestamp_and_labels",
            &[],
            12.47,
            None,
        ),
        s(
            "something_weird{problem=\"division by zero\"}",
            "something_weird",
            &[("problem", "division by zero")],
            f64::INFINITY,
            Some(-3982045),
        ),
    ];
    assert_eq!(&got[..5], &want[..]);
    assert_eq!(got[5].name, "indented");
    assert_eq!(got[5].value, f64::NEG_INFINITY);
    assert!(got[6].value.is_nan());
    assert_eq!(got[7].series, "spaced { a = \"1\" , b=\"2\", }");
    assert_eq!(
        got[7].labels,
        vec![("a".into(), "1".into()), ("b".into(), "2".into())]
    );
    assert_eq!(got[8], s("empty{}", "empty", &[], 0.0, None));
    assert_eq!(
        got[9],
        s("no_newline_at_end", "no_newline_at_end", &[], 1.0, None)
    );
    assert_eq!(got.len(), 10);
}

#[test]
fn text_format_metadata() {
    let body = "# HELP a Help with \\\\ and \\n and \\\" kept.\n# TYPE a gauge\n# TYPE b untyped\n# HELP c\n# HELP  d  two spaces\n# HELPER not metadata\n";
    let entries: Vec<Entry> = Parser::new(body.as_bytes(), Format::PrometheusText)
        .map(|e| e.unwrap())
        .collect();
    assert_eq!(
        entries,
        vec![
            Entry::Help {
                metric: "a",
                text: "Help with \\ and \n and \\\" kept.".into()
            },
            Entry::Type {
                metric: "a",
                kind: MetricType::Gauge
            },
            Entry::Type {
                metric: "b",
                kind: MetricType::Unknown
            },
            Entry::Help {
                metric: "c",
                text: "".into()
            },
            Entry::Help {
                metric: "d",
                text: " two spaces".into()
            },
        ]
    );
}

#[test]
fn text_format_errors() {
    let t = Format::PrometheusText;
    let cases = [
        (
            "a 1\nb{x=abc} 1\n",
            "line 2: expected label value, got \"abc} 1\"",
        ),
        (
            "a{x=\"1\" y=\"2\"} 1",
            "line 1: expected ',' or '}' after label value, got \"y=\\\"2\\\"} 1\"",
        ),
        (
            "a{x=\"1} 1\n",
            "line 1: unterminated label value (missing closing '\"')",
        ),
        ("a{,} 1", "line 1: expected label name or '}', got \",} 1\""),
        (
            "a{x} 1",
            "line 1: expected '=' after label name, got \"} 1\"",
        ),
        ("a\n", "line 1: expected sample value, got end of line"),
        (
            "a{x=\"y\"}\n",
            "line 1: expected sample value, got end of line",
        ),
        ("a abc\n", "line 1: invalid sample value \"abc\""),
        ("a 1_000\n", "line 1: invalid sample value \"1_000\""),
        ("a 0x1p3\n", "line 1: invalid sample value \"0x1p3\""),
        (
            "a 1 2 3\n",
            "line 1: expected end of line after timestamp, got \"3\"",
        ),
        ("a 1 1.5\n", "line 1: invalid timestamp \"1.5\""),
        (
            "a 1 99999999999999999999\n",
            "line 1: invalid timestamp \"99999999999999999999\"",
        ),
        ("# TYPE a foo\n", "line 1: invalid metric type \"foo\""),
        ("# TYPE a info\n", "line 1: invalid metric type \"info\""),
        (
            "# TYPE 1a counter\n",
            "line 1: expected metric name after TYPE, got \"1a counter\"",
        ),
        (
            "# HELP a-b x\n",
            "line 1: expected whitespace after metric name, got \"-b x\"",
        ),
        ("1a 1\n", "line 1: expected metric name, got \"1a 1\""),
        (
            "a{x=\"\u{1}\"} 1 \r\n",
            "line 1: expected timestamp or end of line, got \"\\r\"",
        ),
        ("a 1\r\n", "line 1: invalid sample value \"1\\r\""),
        ("a{x=\"\\xff\"} 1", "no error"),
    ];
    for (body, want) in cases {
        assert_eq!(error(body, t), want, "body {body:?}");
    }
    // Invalid UTF-8 in a label value.
    let body = b"a{x=\"\xff\"} 1\n";
    let err = Parser::new(body, t).find_map(|e| e.err()).unwrap();
    assert_eq!(err.to_string(), "line 1: invalid UTF-8 in label values");
    // Long junk is shortened in the message.
    let long = format!("a{{x={}}} 1", "y".repeat(200));
    let msg = error(&long, t);
    assert!(msg.ends_with("…"), "{msg}");
    assert!(msg.len() < 120, "{msg}");
}

#[test]
fn errors_stop_the_parser() {
    let mut p = Parser::new(b"a 1\nb x\nc 3\n", Format::PrometheusText);
    assert!(p.next().unwrap().is_ok());
    let err = p.next().unwrap().unwrap_err();
    assert_eq!(err.line, 2);
    assert!(p.next().is_none());
    assert!(p.next().is_none());
}

#[test]
fn openmetrics_body() {
    let body = "# TYPE acme_http_router_request_seconds summary\n\
                # UNIT acme_http_router_request_seconds seconds\n\
                # HELP acme_http_router_request_seconds Latency \\\"quoted\\\" \\\\ \\n.\n\
                acme_http_router_request_seconds_sum{path=\"/api/v1\",method=\"GET\"} 9036.32\n\
                acme_http_router_request_seconds_count{path=\"/api/v1\",method=\"GET\"} 807283.0\n\
                acme_http_router_request_seconds_created{path=\"/api/v1\",method=\"GET\"} 1605281325.0\n\
                # TYPE go_goroutines gauge\n\
                go_goroutines 69 1605281325.5\n\
                # TYPE foo histogram\n\
                foo_bucket{le=\"0.1\"} 8 # {trace_id=\"KOO5S4vxi0o\"} 0.067 1604676851.3\n\
                foo_bucket{le=\"+Inf\"} 17 1520879607.789 # {id=\"x\"} 1\n\
                foo_created 1520430000.123\n\
                # TYPE ts gauge\n\
                ts{} -1.5 -1.5\n\
                # EOF\n";
    let entries: Vec<Entry> = Parser::new(body.as_bytes(), Format::OpenMetrics)
        .map(|e| e.unwrap())
        .collect();
    assert_eq!(
        entries[..3],
        [
            Entry::Type {
                metric: "acme_http_router_request_seconds",
                kind: MetricType::Summary
            },
            Entry::Unit {
                metric: "acme_http_router_request_seconds",
                unit: "seconds"
            },
            Entry::Help {
                metric: "acme_http_router_request_seconds",
                text: "Latency \"quoted\" \\ \n.".into()
            },
        ]
    );
    let got = samples(body, Format::OpenMetrics);
    let names: Vec<&str> = got.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "acme_http_router_request_seconds_sum",
            "acme_http_router_request_seconds_count",
            "go_goroutines",
            "foo_bucket",
            "foo_bucket",
            "ts"
        ],
        "_created series are skipped"
    );
    assert_eq!(got[2].ts, Some(1605281325500));
    assert_eq!(got[3].labels, vec![("le".into(), "0.1".into())]);
    assert_eq!(got[3].ts, None);
    assert_eq!(got[4].ts, Some(1520879607789));
    assert_eq!(got[5].value, -1.5);
    assert_eq!(got[5].ts, Some(-1500));

    let exemplars: Vec<Exemplar> = Parser::new(body.as_bytes(), Format::OpenMetrics)
        .filter_map(|e| match e.unwrap() {
            Entry::Sample(s) => s.exemplar,
            _ => None,
        })
        .collect();
    assert_eq!(exemplars.len(), 2);
    assert_eq!(exemplars[0].value, 0.067);
    assert_eq!(exemplars[0].timestamp, Some(1604676851300));
    let (n, v) = exemplars[0].labels().next().unwrap();
    assert_eq!((n, v.raw()), ("trace_id", "KOO5S4vxi0o"));
    assert_eq!(exemplars[1].timestamp, None);

    // With skipping off, `_created` samples come through.
    let all: Vec<Entry> = Parser::with_options(
        body.as_bytes(),
        Format::OpenMetrics,
        ParserOptions {
            skip_created_series: false,
        },
    )
    .map(|e| e.unwrap())
    .collect();
    let created = all
        .iter()
        .filter(|e| matches!(e, Entry::Sample(s) if s.name.ends_with("_created")))
        .count();
    assert_eq!(created, 2);
}

#[test]
fn openmetrics_created_only_skipped_for_counter_like_types() {
    let body = "# TYPE g gauge\ng_created 1\n# TYPE c counter\nc_total 1\nc_created 2\n# EOF";
    let names: Vec<String> = samples(body, Format::OpenMetrics)
        .into_iter()
        .map(|s| s.name)
        .collect();
    assert_eq!(names, ["g_created", "c_total"]);
}

#[test]
fn openmetrics_errors() {
    let om = Format::OpenMetrics;
    let cases = [
        ("a 1\n", "line 1: OpenMetrics body does not end with \"# EOF\""),
        ("", "line 1: OpenMetrics body does not end with \"# EOF\""),
        ("a 1\n# EOF\nb 2\n", "line 3: unexpected data after \"# EOF\""),
        ("a 1\n# EOF\n\n", "line 3: unexpected data after \"# EOF\""),
        ("a 1\n\n# EOF\n", "line 2: empty lines are not allowed in OpenMetrics"),
        ("# free comment\n# EOF\n", "line 1: invalid comment \"# free comment\": OpenMetrics allows only # HELP, # TYPE, # UNIT and # EOF"),
        ("#EOF\n", "line 1: invalid comment \"#EOF\": OpenMetrics allows only # HELP, # TYPE, # UNIT and # EOF"),
        ("a  1\n# EOF\n", "line 1: expected ' ' before sample value, got \"  1\""),
        (" a 1\n# EOF\n", "line 1: expected metric name, got \" a 1\""),
        ("a{x = \"1\"} 1\n# EOF\n", "line 1: expected '=' after label name, got \" = \\\"1\\\"} 1\""),
        ("a 1 2 3\n# EOF\n", "line 1: expected timestamp, exemplar (\"# {\") or end of line, got \"3\""),
        ("a 1 NaN\n# EOF\n", "line 1: invalid timestamp \"NaN\""),
        ("a 1 x\n# EOF\n", "line 1: invalid timestamp \"x\""),
        ("a 1 # {x=\"y\"}\n# EOF\n", "line 1: expected ' ' before exemplar value, got end of line"),
        ("a 1 # x\n# EOF\n", "line 1: expected timestamp, exemplar (\"# {\") or end of line, got \"# x\""),
        ("# TYPE a untyped\n# EOF\n", "line 1: invalid metric type \"untyped\""),
        ("# TYPE a\n# EOF\n", "line 1: invalid metric type \"\""),
        ("# UNIT a_bytes seconds\n# EOF\n", "line 1: unit \"seconds\" is not a suffix of metric \"a_bytes\""),
        ("a 1 \n# EOF\n", "line 1: invalid timestamp \"\""),
        ("a 1\n# EOF", "no error"),
    ];
    for (body, want) in cases {
        assert_eq!(error(body, om), want, "body {body:?}");
    }
}

#[test]
fn label_value_helpers() {
    let body = br#"a{x="p\"q",y="plain"} 1"#;
    let Some(Ok(Entry::Sample(s))) = Parser::new(body, Format::PrometheusText).next() else {
        panic!("no sample");
    };
    let pairs: Vec<_> = s.labels().collect();
    assert!(pairs[0].1.has_escapes());
    assert_eq!(pairs[0].1.raw(), r#"p\"q"#);
    assert!(matches!(pairs[1].1.to_cow(), Cow::Borrowed("plain")));
    let mut buf = String::new();
    pairs[0].1.unescape_into(&mut buf);
    pairs[1].1.unescape_into(&mut buf);
    assert_eq!(buf, "p\"qplain");
    assert_eq!(s.labels_text(), r#"x="p\"q",y="plain""#);
}

/// Escapes a label value the way exporters do.
fn escape(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(body in proptest::collection::vec(any::<u8>(), 0..512)) {
        for format in [Format::PrometheusText, Format::OpenMetrics] {
            let lines = body.iter().filter(|&&b| b == b'\n').count() + 2;
            let mut n = 0;
            for entry in Parser::new(&body, format) {
                n += 1;
                prop_assert!(n <= lines, "more entries than lines");
                if let Ok(Entry::Sample(s)) = entry {
                    for (_, v) in s.labels() {
                        let _ = v.to_cow();
                    }
                }
            }
        }
    }

    #[test]
    fn structured_noise_never_panics(
        parts in proptest::collection::vec(
            prop_oneof![
                Just("a"), Just("{"), Just("}"), Just("="), Just("\""), Just("\\"), Just(","),
                Just(" "), Just("\t"), Just("\n"), Just("#"), Just(" # {"), Just("1"), Just("1.5e3"),
                Just("+Inf"), Just("NaN"), Just("# TYPE "), Just("# HELP "), Just("# UNIT "),
                Just("# EOF"), Just("counter"), Just("x=\"y\""), Just("\u{e9}"),
            ],
            0..64,
        )
    ) {
        let body = parts.concat();
        for format in [Format::PrometheusText, Format::OpenMetrics] {
            for entry in Parser::new(body.as_bytes(), format) {
                if let Ok(Entry::Sample(s)) = entry {
                    let _ = s.labels().count();
                    if let Some(ex) = s.exemplar {
                        let _ = ex.labels().count();
                    }
                }
            }
        }
    }

    #[test]
    fn label_values_round_trip(
        values in proptest::collection::vec(any::<String>(), 1..5),
        value in any::<f64>(),
        ts in proptest::option::of(0i64..i64::MAX),
    ) {
        let labels: Vec<String> = values
            .iter()
            .enumerate()
            .map(|(i, v)| format!("l{i}=\"{}\"", escape(v)))
            .collect();
        let value_text = if value.is_nan() { "NaN".to_owned() } else if value.is_infinite() {
            if value > 0.0 { "+Inf".to_owned() } else { "-Inf".to_owned() }
        } else { format!("{value:e}") };
        let ts_text = ts.map(|t| format!(" {t}")).unwrap_or_default();
        let line = format!("m{{{}}} {value_text}{ts_text}\n", labels.join(","));
        let mut p = Parser::new(line.as_bytes(), Format::PrometheusText);
        let Some(Ok(Entry::Sample(s))) = p.next() else {
            return Err(TestCaseError::fail(format!("no sample from {line:?}")));
        };
        let got: Vec<String> = s.labels().map(|(_, v)| v.to_cow().into_owned()).collect();
        prop_assert_eq!(got, values);
        if value.is_nan() {
            prop_assert!(s.value.is_nan());
        } else {
            prop_assert_eq!(s.value, value);
        }
        prop_assert_eq!(s.timestamp, ts);
        prop_assert!(p.next().is_none());
    }
}

#[test]
fn errors_stay_small_for_huge_tokens() {
    let huge = format!("a {}\n", "9x".repeat(100_000));
    let msg = error(&huge, Format::PrometheusText);
    assert!(msg.len() < 120, "{msg}");
    assert!(msg.ends_with("…\""), "{msg}");
    let huge = format!("# TYPE a {}\n# EOF\n", "é".repeat(100_000));
    let msg = error(&huge, Format::OpenMetrics);
    assert!(msg.len() < 120, "{msg}");
    assert!(
        !msg.contains('\u{fffd}'),
        "cut on a character boundary: {msg}"
    );
}
