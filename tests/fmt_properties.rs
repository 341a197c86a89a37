//! Formatting never changes meaning: for every input that parses,
//! `parse(fmt(x))` equals `parse(x)` apart from positions, and `fmt(fmt(x)) == fmt(x)`.
//!
//! Checked over generated configurations with random layout (newlines, blank lines, comments,
//! trailing commas, tricky literals) and over every file of the conformance corpus, both as
//! is and with their layout perturbed.

mod common;

use proptest::prelude::*;
use river_agent::fmt::format_file;
use river_agent::syntax::dump::dump;
use river_agent::syntax::parse_file;

/// Checks the round-trip property for one source; returns a description of a failure.
fn check(src: &str) -> Result<(), String> {
    let a = match parse_file("x", src.as_bytes()) {
        Ok(a) => a,
        Err(_) => return Ok(()), // only inputs that parse are in scope
    };
    let once = format_file(&a);
    let b = parse_file("x", once.as_bytes()).map_err(|d| {
        format!("formatted output does not parse: {d}\n--- input:\n{src}\n--- output:\n{once}")
    })?;
    if dump(&a) != dump(&b) {
        return Err(format!("meaning changed\n--- input:\n{src}\n--- output:\n{once}\n--- before:\n{}\n--- after:\n{}", dump(&a), dump(&b)));
    }
    let twice = format_file(&b);
    if twice != once {
        return Err(format!(
            "not idempotent\n--- input:\n{src:?}\n--- once:\n{once:?}\n--- twice:\n{twice:?}"
        ));
    }
    Ok(())
}

use common::gen::*;

proptest! {
    #![proptest_config(ProptestConfig { cases: 1500, max_shrink_iters: 2000, .. ProptestConfig::default() })]

    #[test]
    fn formatting_preserves_meaning_and_is_idempotent(body in prop::collection::vec((stmt(), gap()), 0..5)) {
        let mut src = String::new();
        render_stmts(&mut src, &body);
        prop_assert!(parse_file("x", src.as_bytes()).is_ok(), "generator produced invalid input:\n{}\n{:?}", src, parse_file("x", src.as_bytes()).err());
        if let Err(e) = check(&src) {
            prop_assert!(false, "{}", e);
        }
    }
}

// ---- the corpus, as is and perturbed ------------------------------------------------------

fn corpus_files() -> Vec<std::path::PathBuf> {
    let Some(dir) = common::conformance_dir() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut stack = vec![
        dir.join("fmt-fixedpoints"),
        dir.join("printer-golden"),
        dir.join("parser-testdata"),
    ];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if matches!(
                p.extension().and_then(|e| e.to_str()),
                Some("alloy" | "in" | "expect")
            ) {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

#[test]
fn corpus_round_trips() {
    let files = corpus_files();
    let mut failures = Vec::new();
    for f in &files {
        let src = String::from_utf8_lossy(&std::fs::read(f).unwrap()).into_owned();
        if let Err(e) = check(&src) {
            failures.push(format!("{}: {e}", f.display()));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// Deterministic perturbations of every corpus file: blank lines doubled, lines re-indented
/// with spaces, newlines inserted after commas and operators, comments appended to lines.
#[test]
fn perturbed_corpus_round_trips() {
    let files = corpus_files();
    let mut failures = Vec::new();
    let mut checked = 0;
    for f in &files {
        let src = String::from_utf8_lossy(&std::fs::read(f).unwrap()).into_owned();
        if parse_file("x", src.as_bytes()).is_err() {
            continue;
        }
        let variants = [
            src.replace('\n', "\n\n"),
            src.lines()
                .map(|l| format!("   {}", l.trim_start()))
                .collect::<Vec<_>>()
                .join("\n"),
            src.replace(", ", ",\n"),
            src.replace(" = ", " =\n"),
            src.replace(" + ", " +\n\t"),
            src.replace("{\n", "{ // open\n"),
            src.replace(",\n", ", /* c */\n"),
            src.replace("\t", "  "),
        ];
        for v in variants {
            if parse_file("x", v.as_bytes()).is_err() {
                continue;
            }
            checked += 1;
            if let Err(e) = check(&v) {
                failures.push(format!("{}: {e}", f.display()));
            }
        }
    }
    if !files.is_empty() {
        assert!(checked > 300, "only {checked} perturbed files parsed");
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures
            .iter()
            .take(3)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n\n")
    );
}
