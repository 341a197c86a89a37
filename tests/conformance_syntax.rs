//! Upstream conformance for the scanner, parser and diagnostic printer
//! (`scanner-cases.json`, `parser-expression-cases.json`, `parser-testdata/`,
//! `diag-printer-cases.json`).

mod common;

use std::collections::HashMap;

use regex::Regex;
use river_agent::syntax::diag::{Diagnostic, Severity};
use river_agent::syntax::diag_printer::{render, PrinterConfig};
use river_agent::syntax::identifier::{is_valid_identifier, sanitize_identifier};
use river_agent::syntax::pos::{LineCol, Position};
use river_agent::syntax::terminators::Scanner;
use river_agent::syntax::token::Tok;
use river_agent::syntax::{parse_expression, parse_file};

#[test]
fn scanner_token_stream() {
    let Some(dir) = common::conformance_dir() else {
        return;
    };
    let cases = common::read_json(&dir, "scanner-cases.json");
    let ws = cases["whitespace_separator"].as_str().unwrap();
    let tokens = cases["tokens"].as_array().unwrap();
    let mut src = String::new();
    for t in tokens {
        src.push_str(t["literal"].as_str().unwrap());
        src.push_str(ws);
    }
    let mut sc = Scanner::without_terminators(src.as_bytes());
    let mut offset = 0usize;
    for (i, t) in tokens.iter().enumerate() {
        let lit = t["literal"].as_str().unwrap();
        let kind = t["kind"].as_str().unwrap();
        let tok = sc.scan();
        assert_eq!(tok.kind.name(), kind, "token {i} ({lit:?})");
        assert_eq!(
            tok.span.start as usize, offset,
            "offset of token {i} ({lit:?})"
        );
        let text = &src[tok.span.start as usize..tok.span.end as usize];
        match tok.kind {
            Tok::Comment => {
                let raw = lit.strip_suffix('\n').unwrap_or(lit);
                assert_eq!(
                    river_agent::syntax::lexer::comment_text(text),
                    expected_comment(raw),
                    "comment {i}"
                );
            }
            Tok::Ident | Tok::Number | Tok::Float | Tok::String | Tok::Bool | Tok::Null => {
                assert_eq!(text, lit)
            }
            _ => {}
        }
        offset += lit.len() + ws.len();
    }
    assert_eq!(sc.scan().kind, Tok::Eof);
    assert!(sc.take_errors().is_empty());
}

#[test]
fn scanner_error_cases() {
    let Some(dir) = common::conformance_dir() else {
        return;
    };
    let cases = common::read_json(&dir, "scanner-cases.json");
    for c in cases["error_cases"].as_array().unwrap() {
        let input: Vec<u8> = match c["input"].as_str() {
            Some(s) => s.as_bytes().to_vec(),
            None => {
                let h = c["input_hex"].as_str().unwrap();
                (0..h.len())
                    .step_by(2)
                    .map(|i| u8::from_str_radix(&h[i..i + 2], 16).unwrap())
                    .collect()
            }
        };
        let mut sc = Scanner::without_terminators(&input);
        let tok = sc.scan();
        assert_eq!(
            tok.kind.name(),
            c["first_token"].as_str().unwrap(),
            "case {c}"
        );
        if tok.kind != Tok::Illegal {
            if let Some(lit) = c["literal"].as_str().filter(|l| !l.is_empty()) {
                assert_eq!(
                    &input[tok.span.start as usize..tok.span.end as usize],
                    lit.as_bytes(),
                    "case {c}"
                );
            }
        }
        let errs = sc.take_errors();
        let want = c["error"].as_str().unwrap();
        if want.is_empty() {
            assert!(errs.is_empty(), "case {c}: {errs:?}");
        } else {
            assert_eq!(errs.len(), 1, "case {c}: {errs:?}");
            assert_eq!(errs[0].message, want, "case {c}");
            assert_eq!(
                errs[0].offset as u64,
                c["error_offset"].as_u64().unwrap(),
                "case {c}"
            );
        }
    }
}

#[test]
fn identifiers() {
    let Some(dir) = common::conformance_dir() else {
        return;
    };
    let cases = common::read_json(&dir, "scanner-cases.json");
    for c in cases["is_valid_identifier"].as_array().unwrap() {
        let s = c["input"].as_str().unwrap();
        assert_eq!(
            is_valid_identifier(s),
            c["valid"].as_bool().unwrap(),
            "{s:?}"
        );
    }
    for c in cases["sanitize_identifier"].as_array().unwrap() {
        let s = c["input"].as_str().unwrap();
        match c["error"].as_str() {
            Some(e) => assert_eq!(sanitize_identifier(s).unwrap_err(), e),
            None => assert_eq!(
                sanitize_identifier(s).unwrap(),
                c["output"].as_str().unwrap(),
                "{s:?}"
            ),
        }
    }
}

#[test]
fn parser_expressions() {
    let Some(dir) = common::conformance_dir() else {
        return;
    };
    let cases = common::read_json(&dir, "parser-expression-cases.json");
    for c in cases["valid_expressions"].as_array().unwrap() {
        let e = c["expr"].as_str().unwrap();
        if let Err(d) = parse_expression(e.as_bytes()) {
            panic!("{}: {e:?}: {d}", c["name"]);
        }
    }
    for c in cases["object_field_names"].as_array().unwrap() {
        let src = format!("{{{}}}", c["field"].as_str().unwrap());
        let ast = parse_expression(src.as_bytes()).unwrap();
        assert_eq!(
            ast.field_key(&ast.fields[0]),
            c["name"].as_str().unwrap(),
            "{src}"
        );
    }
}

/// Upstream's `error_test.go` harness over `parser-testdata/*.alloy`.
#[test]
fn parser_error_annotations() {
    let Some(dir) = common::conformance_dir() else {
        return;
    };
    let re = Regex::new(r#"^/\* *ERROR *(HERE)? *"([^"]*)" *\*/$"#).unwrap();
    let mut checked = 0;
    for entry in std::fs::read_dir(dir.join("parser-testdata")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().and_then(|e| e.to_str()) != Some("alloy") {
            continue;
        }
        let src = std::fs::read(&path).unwrap();
        // Expected (offset, regex) from the annotations.
        let mut expected: Vec<(u32, Regex, bool)> = Vec::new();
        let mut sc = Scanner::new(&src);
        let mut prev: Option<(Tok, u32, u32)> = None;
        loop {
            let t = sc.scan();
            if t.kind == Tok::Eof {
                break;
            }
            let text = String::from_utf8_lossy(&src[t.span.start as usize..t.span.end as usize])
                .into_owned();
            if t.kind == Tok::Comment {
                if let Some(m) = re.captures(&text) {
                    let (kind, start, len) = prev.expect("annotation after a token");
                    let here = m.get(1).is_some();
                    let lit_len = match kind {
                        Tok::Ident | Tok::Number | Tok::Float | Tok::String => len,
                        k => k.name().len() as u32,
                    };
                    let at = if here { start + lit_len } else { start };
                    expected.push((at, go_regex(&m[2]), false));
                }
                continue;
            }
            if t.kind != Tok::Terminator {
                prev = Some((t.kind, t.span.start, t.span.len() as u32));
            }
        }
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let diags = match parse_file(&name, &src) {
            Ok(_) => Vec::new(),
            Err(d) => d.0,
        };
        for d in &diags {
            let slot = expected
                .iter_mut()
                .find(|(at, re, used)| !*used && *at == d.start.offset && re.is_match(&d.message));
            match slot {
                Some(s) => s.2 = true,
                None => panic!(
                    "{name}: unexpected diagnostic {d} (offset {})",
                    d.start.offset
                ),
            }
        }
        for (at, re, used) in &expected {
            assert!(
                used,
                "{name}: no diagnostic at offset {at} matching {re}; got {diags:?}"
            );
        }
        checked += expected.len();
    }
    assert_eq!(checked, 13, "annotation count");
}

#[test]
fn parser_valid_files_and_fuzz_seeds() {
    let Some(dir) = common::conformance_dir() else {
        return;
    };
    let mut n = 0;
    for entry in std::fs::read_dir(dir.join("parser-testdata/valid")).unwrap() {
        let path = entry.unwrap().path();
        let src = std::fs::read(&path).unwrap();
        if let Err(d) = parse_file(&path.display().to_string(), &src) {
            panic!("{}: {d}", path.display());
        }
        n += 1;
    }
    assert_eq!(n, 5);
    for entry in std::fs::read_dir(dir.join("parser-testdata/fuzz/FuzzParser")).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        let line = text.lines().nth(1).unwrap();
        let body = line
            .strip_prefix("[]byte(\"")
            .and_then(|l| l.strip_suffix("\")"))
            .unwrap();
        let input = common::go_unquote(body);
        let _ = parse_file("fuzz", &input); // must terminate without panicking
    }
}

#[test]
fn diagnostic_printer() {
    let Some(dir) = common::conformance_dir() else {
        return;
    };
    let cases = common::read_json(&dir, "diag-printer-cases.json");
    for c in cases["cases"].as_array().unwrap() {
        let files: HashMap<String, Vec<u8>> = c["files"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.clone(), v.as_str().unwrap().as_bytes().to_vec()))
            .collect();
        let pos = |p: &serde_json::Value| Position {
            file: p["file"].as_str().unwrap_or("").into(),
            offset: 0,
            lc: LineCol {
                line: p["line"].as_u64().unwrap() as u32,
                col: p["column"].as_u64().unwrap() as u32,
            },
        };
        let diags: Vec<Diagnostic> = c["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| Diagnostic {
                severity: if d["severity"] == "warn" || d["severity"] == "warning" {
                    Severity::Warning
                } else {
                    Severity::Error
                },
                start: pos(&d["start"]),
                end: if d["end"].is_null() {
                    None
                } else {
                    Some(pos(&d["end"]))
                },
                message: d["message"].as_str().unwrap().to_string(),
                value: None,
            })
            .collect();
        let got = render(&files, &diags, PrinterConfig::default());
        assert_eq!(got, c["expect"].as_str().unwrap(), "case {}", c["name"]);
    }
}

/// The documented CR rule: drop a final `\r`, then every `\r` except, in a block comment, one
/// that sits between a `*` (after the opening `/*`) and the closing `/`.
fn expected_comment(raw: &str) -> String {
    let raw = raw.strip_suffix('\r').unwrap_or(raw);
    let b = raw.as_bytes();
    let block = raw.starts_with("/*");
    let mut out: Vec<u8> = Vec::new();
    for (j, &c) in b.iter().enumerate() {
        let keep = c != b'\r'
            || (block
                && out.len() > 2
                && out[out.len() - 1] == b'*'
                && b.get(j + 1) == Some(&b'/'));
        if keep {
            out.push(c);
        }
    }
    String::from_utf8(out).unwrap()
}

/// Go's regexp treats a `{` that does not start a repetition as a literal; Rust's does not.
fn go_regex(pat: &str) -> Regex {
    let mut out = String::new();
    let mut prev_backslash = false;
    for c in pat.chars() {
        if (c == '{' || c == '}') && !prev_backslash {
            out.push('\\');
        }
        prev_backslash = c == '\\' && !prev_backslash;
        out.push(c);
    }
    Regex::new(&out).unwrap()
}
