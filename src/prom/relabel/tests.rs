use super::*;

fn labels(pairs: &[(&str, &str)]) -> Labels {
    Labels::from_pairs(pairs.iter().copied())
}

fn rule(f: impl FnOnce(&mut RelabelConfig)) -> RelabelConfig {
    let mut c = RelabelConfig::default();
    f(&mut c);
    c
}

fn src(names: &[&str]) -> Option<Vec<String>> {
    Some(names.iter().map(|s| s.to_string()).collect())
}

/// Applies `configs` to `input`; `None` when dropped.
fn run(configs: &[RelabelConfig], input: &[(&str, &str)]) -> Option<Labels> {
    let rules = Rules::compile(configs).unwrap_or_else(|e| panic!("{e}"));
    rules.apply(&labels(input))
}

fn compile_err(c: RelabelConfig) -> String {
    c.compile().err().map(|e| e.to_string()).unwrap_or_default()
}

#[test]
fn defaults_from_serde() {
    let c: RelabelConfig = serde_json::from_str(r#"{"target_label": "x"}"#).unwrap();
    assert_eq!(
        c,
        RelabelConfig {
            target_label: "x".into(),
            ..RelabelConfig::default()
        }
    );
    assert_eq!(c.separator, ";");
    assert_eq!(c.regex, "(.*)");
    assert_eq!(c.replacement, "$1");
    assert_eq!(c.action, "replace");
    assert_eq!(c.modulus, 0);
    assert_eq!(c.source_labels, None);
    assert!(serde_json::from_str::<RelabelConfig>(r#"{"bogus": 1}"#).is_err());
}

#[test]
fn validation_errors() {
    let cases: Vec<(RelabelConfig, &str)> = vec![
        (
            rule(|c| c.action = "".into()),
            "relabel action cannot be empty",
        ),
        (
            rule(|c| c.action = "Replace".into()),
            "unrecognized action type \"Replace\"",
        ),
        (
            rule(|c| {
                c.action = "hashmod".into();
                c.target_label = "x".into();
            }),
            "relabel configuration for hashmod requires non-zero modulus",
        ),
        (
            rule(|_| {}),
            "relabel configuration for replace action requires 'target_label' value",
        ),
        (
            rule(|c| c.action = "lowercase".into()),
            "relabel configuration for lowercase action requires 'target_label' value",
        ),
        (
            rule(|c| c.action = "keepequal".into()),
            "relabel configuration for keepequal action requires 'target_label' value",
        ),
        (
            rule(|c| c.target_label = "1bad".into()),
            "\"1bad\" is invalid 'target_label' for replace action",
        ),
        (
            rule(|c| c.target_label = "a-$1".into()),
            "\"a-$1\" is invalid 'target_label' for replace action",
        ),
        (
            rule(|c| {
                c.action = "uppercase".into();
                c.target_label = "${1}".into();
            }),
            "\"${1}\" is invalid 'target_label' for uppercase action",
        ),
        (
            rule(|c| {
                c.action = "hashmod".into();
                c.modulus = 2;
                c.target_label = "$1".into();
            }),
            "\"$1\" is invalid 'target_label' for hashmod action",
        ),
        (
            rule(|c| {
                c.action = "lowercase".into();
                c.target_label = "x".into();
                c.replacement = "y".into();
            }),
            "'replacement' can not be set for lowercase action",
        ),
        (
            rule(|c| {
                c.action = "labelmap".into();
                c.replacement = "a.b".into();
            }),
            "\"a.b\" is invalid 'replacement' for labelmap action",
        ),
        (
            rule(|c| {
                c.action = "labeldrop".into();
                c.source_labels = src(&[]);
            }),
            "labeldrop action requires only 'regex', and no other fields",
        ),
        (
            rule(|c| {
                c.action = "labelkeep".into();
                c.separator = ",".into();
            }),
            "labelkeep action requires only 'regex', and no other fields",
        ),
        (
            rule(|c| {
                c.action = "dropequal".into();
                c.target_label = "x".into();
                c.regex = "a".into();
            }),
            "dropequal action requires only 'source_labels' and 'target_label', and no other fields",
        ),
        (
            rule(|c| {
                c.target_label = "x".into();
                c.regex = "(a".into();
            }),
            "invalid regex \"(a\": unclosed group",
        ),
        (
            rule(|c| {
                c.target_label = "x".into();
                c.regex = r"\Qa.b\E".into();
            }),
            "invalid regex \"\\\\Qa.b\\\\E\": \\Q...\\E literal quoting is not supported; escape the special characters instead",
        ),
        (
            rule(|c| {
                c.target_label = "x".into();
                c.regex = "(?x) a".into();
            }),
            "invalid regex \"(?x) a\": unsupported flag 'x' (allowed flags: i, m, s, U)",
        ),
    ];
    for (config, want) in cases {
        assert_eq!(compile_err(config.clone()), want, "{config:?}");
    }
    // Valid corner cases.
    for ok in [
        rule(|c| c.target_label = "${1}_x".into()),
        rule(|c| c.target_label = "a$1".into()),
        rule(|c| {
            c.action = "labelmap".into();
            c.replacement = "__tmp_${1}".into();
        }),
        rule(|c| {
            c.action = "labeldrop".into();
            c.regex = "__meta_.*".into();
        }),
        rule(|c| {
            c.action = "keepequal".into();
            c.source_labels = src(&["a"]);
            c.target_label = "b".into();
        }),
        rule(|c| {
            c.target_label = "x".into();
            c.regex = "(?i)(?P<name>a)(?-s:.)".into();
        }),
    ] {
        assert!(ok.compile().is_ok(), "{ok:?}: {}", compile_err(ok.clone()));
    }
}

#[test]
fn rules_compile_reports_position() {
    let err = Rules::compile(&[
        rule(|c| c.target_label = "a".into()),
        rule(|c| c.action = "nope".into()),
    ])
    .unwrap_err();
    assert_eq!(err.index, 1);
    assert_eq!(err.to_string(), "rule 2: unrecognized action type \"nope\"");
}

#[test]
fn replace() {
    let input = [("a", "foo"), ("b", "bar"), ("c", "baz")];
    let got = run(
        &[rule(|c| {
            c.source_labels = src(&["a"]);
            c.regex = "f(.*)".into();
            c.target_label = "d".into();
            c.replacement = "ch${1}-ch${1}".into();
        })],
        &input,
    );
    assert_eq!(
        got,
        Some(labels(&[
            ("a", "foo"),
            ("b", "bar"),
            ("c", "baz"),
            ("d", "choo-choo")
        ]))
    );

    // Several source labels joined by the separator.
    let got = run(
        &[rule(|c| {
            c.source_labels = src(&["a", "b"]);
            c.regex = "f(.*);(.*)r".into();
            c.target_label = "a".into();
            c.replacement = "b${1}${2}m".into();
        })],
        &input,
    );
    assert_eq!(got.unwrap().get("a"), Some("boobam"));

    // No match: nothing changes.
    let got = run(
        &[rule(|c| {
            c.source_labels = src(&["a"]);
            c.regex = "o".into();
            c.target_label = "a".into();
            c.replacement = "x".into();
        })],
        &input,
    );
    assert_eq!(got, Some(labels(&input)));

    // A missing source label reads as "".
    let got = run(
        &[rule(|c| {
            c.source_labels = src(&["missing"]);
            c.regex = "".into();
            c.target_label = "e".into();
            c.replacement = "empty".into();
        })],
        &input,
    );
    assert_eq!(got.unwrap().get("e"), Some("empty"));
}

#[test]
fn replace_template_corners() {
    let input = [("a", "foo")];
    let with = |replacement: &str, target: &str| {
        let (r, t) = (replacement.to_owned(), target.to_owned());
        run(
            &[rule(move |c| {
                c.source_labels = src(&["a"]);
                c.regex = "(f)(?P<rest>.*)".into();
                c.target_label = t;
                c.replacement = r;
            })],
            &input,
        )
        .unwrap()
    };
    // `$1x` names the group `1x`, which does not exist: empty → the target is deleted.
    assert_eq!(with("$1x", "a"), Labels::empty());
    assert_eq!(with("${1}x", "a").get("a"), Some("fx"));
    assert_eq!(with("$rest-$2-$0", "b").get("b"), Some("oo-oo-foo"));
    assert_eq!(with("${rest}", "b").get("b"), Some("oo"));
    assert_eq!(with("$$1", "b").get("b"), Some("$1"));
    assert_eq!(with("$", "b").get("b"), Some("$"));
    assert_eq!(with("${1", "b").get("b"), Some("${1"));
    assert_eq!(with("a$-b", "b").get("b"), Some("a$-b"));
    assert_eq!(with("$01", "b").get("b"), None, "leading zero is a name");
    assert_eq!(with("$9", "b").get("b"), None, "missing group is empty");
    // Target label templates.
    assert_eq!(with("v", "${rest}_x").get("oo_x"), Some("v"));
    assert_eq!(with("v", "x_$1").get("x_f"), Some("v"));
    // An expanded target that is not a label name skips the rule.
    let got = run(
        &[rule(|c| {
            c.source_labels = src(&["a"]);
            c.regex = "(.*)".into();
            c.target_label = "$1".into();
        })],
        &[("a", "not-valid")],
    );
    assert_eq!(got, Some(labels(&[("a", "not-valid")])));
}

#[test]
fn empty_replacement_deletes_target() {
    let got = run(
        &[rule(|c| {
            c.target_label = "b".into();
            c.replacement = "".into();
        })],
        &[("a", "1"), ("b", "2")],
    );
    assert_eq!(got, Some(labels(&[("a", "1")])));
}

#[test]
fn keep_and_drop() {
    let input = [("__name__", "up"), ("job", "node")];
    let keep = |re: &str| {
        let re = re.to_owned();
        run(
            &[rule(|c| {
                c.action = "keep".into();
                c.source_labels = src(&["job"]);
                c.regex = re;
            })],
            &input,
        )
    };
    assert!(keep("node").is_some());
    assert!(keep("no").is_none(), "anchored: a prefix does not match");
    assert!(keep("n.*").is_some());
    let drop = |re: &str| {
        let re = re.to_owned();
        run(
            &[rule(|c| {
                c.action = "drop".into();
                c.source_labels = src(&["__name__", "job"]);
                c.regex = re;
            })],
            &input,
        )
    };
    assert!(drop("up;node").is_none());
    assert!(drop("up").is_some());
}

#[test]
fn keepequal_dropequal() {
    let input = [("a", "x"), ("b", "x"), ("c", "y")];
    let eq = |action: &str, target: &str| {
        let (action, target) = (action.to_owned(), target.to_owned());
        run(
            &[rule(|c| {
                c.action = action;
                c.source_labels = src(&["a"]);
                c.target_label = target;
            })],
            &input,
        )
    };
    assert!(eq("keepequal", "b").is_some());
    assert!(eq("keepequal", "c").is_none());
    assert!(eq("dropequal", "b").is_none());
    assert!(eq("dropequal", "c").is_some());
}

#[test]
fn hashmod_vectors() {
    // Prometheus' relabel test: md5("baz") % 1000 = 976; the rest checked with Python's hashlib.
    assert_eq!(hashmod("baz", 1000), 976);
    assert_eq!(hashmod("foo", 1000), 696);
    assert_eq!(hashmod("", 10), 8);
    assert_eq!(hashmod("10.0.0.1:9100", 4), 1);
    assert_eq!(hashmod("a;b", 7), 2);
    let got = run(
        &[rule(|c| {
            c.action = "hashmod".into();
            c.source_labels = src(&["c"]);
            c.target_label = "d".into();
            c.modulus = 1000;
        })],
        &[("a", "foo"), ("c", "baz")],
    );
    assert_eq!(got.unwrap().get("d"), Some("976"));
}

#[test]
fn labelmap() {
    let got = run(
        &[rule(|c| {
            c.action = "labelmap".into();
            c.regex = "__meta_kubernetes_pod_label_(.+)".into();
        })],
        &[
            ("__meta_kubernetes_pod_label_app", "web"),
            ("__meta_kubernetes_pod_label_tier", "front"),
            ("job", "x"),
        ],
    )
    .unwrap();
    assert_eq!(got.get("app"), Some("web"));
    assert_eq!(got.get("tier"), Some("front"));
    assert_eq!(got.get("__meta_kubernetes_pod_label_app"), Some("web"));
    assert_eq!(got.len(), 5);

    let got = run(
        &[rule(|c| {
            c.action = "labelmap".into();
            c.regex = "(b.*)".into();
            c.replacement = "bar_${1}".into();
        })],
        &[("a", "1"), ("b", "2")],
    )
    .unwrap();
    assert_eq!(got, labels(&[("a", "1"), ("b", "2"), ("bar_b", "2")]));
}

#[test]
fn labeldrop_labelkeep() {
    let input = [("__meta_x", "1"), ("a", "2"), ("ab", "3")];
    let got = run(
        &[rule(|c| {
            c.action = "labeldrop".into();
            c.regex = "a.*".into();
        })],
        &input,
    );
    assert_eq!(got, Some(labels(&[("__meta_x", "1")])));
    let got = run(
        &[rule(|c| {
            c.action = "labelkeep".into();
            c.regex = "a".into();
        })],
        &input,
    );
    assert_eq!(got, Some(labels(&[("a", "2")])));
}

#[test]
fn lowercase_uppercase() {
    let case = |action: &str, v: &str| {
        let action = action.to_owned();
        run(
            &[rule(|c| {
                c.action = action;
                c.source_labels = src(&["a"]);
                c.target_label = "b".into();
            })],
            &[("a", v)],
        )
        .unwrap()
        .get("b")
        .map(str::to_owned)
    };
    assert_eq!(case("lowercase", "AbC"), Some("abc".into()));
    assert_eq!(case("uppercase", "AbC"), Some("ABC".into()));
    // Go maps character by character: no expansion to several characters.
    assert_eq!(case("uppercase", "straße"), Some("STRAßE".into()));
    assert_eq!(case("lowercase", "İ"), Some("i".into()));
    assert_eq!(case("uppercase", "ᾳ"), Some("ᾼ".into()));
    assert_eq!(case("lowercase", "ÀÉ"), Some("àé".into()));
}

#[test]
fn rules_run_in_order_and_stop_on_drop() {
    let rules = Rules::compile(&[
        rule(|c| {
            c.source_labels = src(&["a"]);
            c.target_label = "b".into();
        }),
        rule(|c| {
            c.action = "drop".into();
            c.source_labels = src(&["b"]);
            c.regex = "1".into();
        }),
        rule(|c| c.target_label = "never".into()),
    ])
    .unwrap();
    assert_eq!(rules.len(), 3);
    assert_eq!(rules.apply(&labels(&[("a", "1")])), None);
    assert_eq!(
        rules.apply(&labels(&[("a", "2")])),
        Some(labels(&[("a", "2"), ("b", "2")])),
        "an empty expansion deletes rather than sets"
    );
    // No rules: unchanged.
    assert_eq!(
        Rules::default().apply(&labels(&[("a", "1")])),
        Some(labels(&[("a", "1")]))
    );
}

#[test]
fn go_regex_semantics() {
    let m = |re: &str, s: &str| compile_anchored(re).unwrap().is_match(s);
    // ASCII-only perl classes.
    assert!(m(r"\d+", "0123"));
    assert!(!m(r"\d", "٣"));
    assert!(!m(r"\w", "é"));
    assert!(m(r"\W", "é"));
    assert!(!m(r"\s", "\u{a0}"));
    assert!(m(r"\s", "\x0c"));
    assert!(!m(r"\s", "\x0b"), "Go's \\s has no vertical tab");
    assert!(m(r"[\d]", "5"));
    assert!(m(r"[^\d]", "x"));
    assert!(!m(r"[^\d]", "5"));
    assert!(m(r"[\D]", "x"));
    assert!(m(r"[a\s]", " "));
    // `[` inside a class is literal; Rust set operators are literal in Go.
    assert!(m(r"[[]", "["));
    assert!(m(r"[a[]+", "a[a"));
    assert!(m(r"[a&&b]+", "a&b"));
    assert!(m(r"[~~]", "~"));
    assert!(m(r"[]a]", "]"));
    assert!(m(r"[^]a]", "b"));
    assert!(m(r"[[:alpha:]]+", "abc"));
    assert!(m(r"[[:^digit:]]", "a"));
    // Word boundaries are ASCII.
    assert!(m(r".*\bfoo\b.*", "a foo b"));
    assert!(m(r"é\bx", "éx"), "é is not an ASCII word character");
    assert!(!m(r"é\Bx", "éx"));
    // Anchoring and dot-all.
    assert!(!m("foo", "foobar"));
    assert!(!m("foo", "xfoo"));
    assert!(m("a.b", "a\nb"));
    assert!(m("foo|bar", "bar"));
    assert!(m("(?i)FOO", "foo"));
    assert!(m(r"\pL+", "é"));
    assert!(m(r"\.", "."));
    // `{` is literal unless it starts a repetition.
    assert!(m("a{", "a{"));
    assert!(m("x{,3}", "x{,3}"));
    assert!(m("{foo}", "{foo}"));
    assert!(m("x{ 2 }", "x{ 2 }"));
    assert!(m("a{2}", "aa"));
    assert!(m("a{1,}", "aaa"));
    assert!(m("a{1,2}b", "aab"));
    assert!(m(r"\p{Greek}+", "αβ"));
    assert!(m(r"[\p{Greek}x]+", "αx"));
    assert!(m(r"\x{41}\x42", "AB"));
    // Octal escapes.
    assert!(m(r"\101\0", "A\0"));
    assert!(compile_anchored(r"\1").is_err());
    assert!(matches!(
        compile_anchored("a{1001}"),
        Err(RelabelError::InvalidRegex { .. })
    ));
}

proptest::proptest! {
    #[test]
    fn arbitrary_regexes_and_templates_never_panic(
        re in "[\\\\\\[\\](){}^$.*+?|,:&~a-z0-9PpxQEdwsbDWSB<>_=-]{0,24}",
        replacement in "[$\\{\\}a-z0-9_ ]{0,12}",
        value in ".{0,12}",
    ) {
        let config = RelabelConfig {
            source_labels: Some(vec!["a".into()]),
            regex: re,
            target_label: "t".into(),
            replacement,
            ..RelabelConfig::default()
        };
        if let Ok(rule) = config.compile() {
            let mut lb = labels(&[("a", "x")]).builder();
            lb.set("a", &value);
            let _ = rule.apply(&mut lb, &mut String::new());
        }
    }
}
