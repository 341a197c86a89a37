//! Hostile input through the real binary: arbitrary bytes, invalid UTF-8, a 100 MB file and
//! 10,000 levels of nesting. Every command must answer with a diagnostic or a result and a
//! normal exit code: never a panic (exit 101), a stack overflow (a signal) or a hang.

mod common;

use std::path::Path;
use std::time::Duration;

/// `agent ARGS` with `stdin`: exit code and standard error (see [`common::agent::run_cli`]).
fn run(args: &[&str], stdin: &[u8], limit: Duration) -> (i32, String) {
    let r = common::agent::run_cli(args, stdin, limit);
    (r.code, r.stderr)
}

/// Deterministic pseudo-random bytes (xorshift), biased towards River's punctuation so that
/// the parser gets past the first token often.
fn noise(len: usize, mut seed: u64) -> Vec<u8> {
    const ALPHABET: &[u8] = b"{}[]()\"'`=.,:;+-*/%^!<>&|#\n\t abcxyz019_\\\xff\xc3\xa9\x00";
    (0..len)
        .map(|_| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            if seed.is_multiple_of(3) {
                (seed >> 24) as u8
            } else {
                ALPHABET[(seed >> 32) as usize % ALPHABET.len()]
            }
        })
        .collect()
}

fn write(dir: &Path, name: &str, data: &[u8]) -> String {
    let p = dir.join(name);
    std::fs::write(&p, data).expect("write input");
    p.to_string_lossy().into_owned()
}

const LIMIT: Duration = Duration::from_secs(120);

#[test]
fn arbitrary_bytes_get_diagnostics() {
    let dir = tempfile::tempdir().expect("tempdir");
    for seed in 1..=20u64 {
        let data = noise(4096, seed);
        let f = write(dir.path(), "noise.river", &data);
        for cmd in [&["fmt", &f][..], &["validate", &f][..]] {
            let (code, stderr) = run(cmd, b"", LIMIT);
            assert_eq!(code, 1, "seed {seed} {cmd:?}: {stderr}");
            assert!(stderr.contains("noise.river:"), "seed {seed}: {stderr}");
        }
        let (code, _) = run(&["eval", "-"], &data, LIMIT);
        assert_eq!(code, 1, "seed {seed}");
    }
}

#[test]
fn invalid_utf8_is_reported_with_its_position() {
    let dir = tempfile::tempdir().expect("tempdir");
    let f = write(dir.path(), "bad.river", b"x = \"ok\"\ny = \"\xff\xfe\"\n");
    for cmd in ["fmt", "validate"] {
        let (code, stderr) = run(&[cmd, &f], b"", LIMIT);
        assert_eq!(code, 1, "{cmd}: {stderr}");
        assert!(stderr.contains("bad.river:2:"), "{cmd}: {stderr}");
    }
}

#[test]
fn ten_thousand_levels_of_nesting_are_an_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let n = 10_000;
    let cases = [
        (
            "arrays",
            format!("x = {}1{}\n", "[".repeat(n), "]".repeat(n)),
        ),
        (
            "objects",
            format!("x = {}1{}\n", "{a = ".repeat(n), "}".repeat(n)),
        ),
        (
            "parens",
            format!("x = {}1{}\n", "(".repeat(n), ")".repeat(n)),
        ),
        ("unary", format!("x = {}1\n", "!".repeat(n))),
        ("binary", format!("x = 1{}\n", " + 1".repeat(n))),
        (
            "blocks",
            format!("{}{}", "a {\n".repeat(n), "}\n".repeat(n)),
        ),
    ];
    for (what, src) in &cases {
        let f = write(dir.path(), "deep.river", src.as_bytes());
        for cmd in ["fmt", "validate"] {
            let (code, stderr) = run(&[cmd, &f], b"", LIMIT);
            assert_eq!(code, 1, "{what} {cmd}: {stderr}");
            assert!(
                stderr.contains("deep.river:") && stderr.contains("nesting is too deep"),
                "{what} {cmd}: {stderr}"
            );
        }
        let expr = src.trim_start_matches("x = ");
        if *what != "blocks" {
            let (code, stderr) = run(&["eval", "-"], expr.as_bytes(), LIMIT);
            assert_eq!(code, 1, "{what} eval: {stderr}");
            assert!(
                stderr.contains("nesting is too deep"),
                "{what} eval: {stderr}"
            );
        }
    }
}

#[test]
fn a_100_mb_file_is_formatted() {
    let dir = tempfile::tempdir().expect("tempdir");
    // About 1 KB of blocks with a long string and an array, formatted by the agent itself,
    // then repeated to 100 MB.
    let block = "local.file \"f\" {\n\tfilename = \"/tmp/XXXX\"\n\tis_secret = true\n}\n\n\
                 discovery.relabel \"r\" {\n\ttargets = [{\"__address__\" = \"h:9100\", \"job\" = \"YYYY\"}]\n\n\
                 \trule {\n\t\tsource_labels = [\"__address__\"]\n\t\ttarget_label = \"instance\"\n\t}\n}\n"
        .replace("XXXX", &"x".repeat(600))
        .replace("YYYY", &"y".repeat(100));
    let out = common::agent::run_cli(&["fmt", "-"], block.as_bytes(), LIMIT);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let block = String::from_utf8(out.stdout).expect("utf-8");
    let mut src = String::with_capacity(101 << 20);
    let mut i = 0usize;
    while src.len() < 100 << 20 {
        if i > 0 {
            src.push('\n');
        }
        // Distinct labels, so the file is a valid configuration too.
        src.push_str(
            &block
                .replace("\"f\"", &format!("\"f{i}\""))
                .replace("\"r\"", &format!("\"r{i}\"")),
        );
        i += 1;
    }
    let f = write(dir.path(), "big.river", src.as_bytes());
    // Already formatted: `fmt --check` has nothing to report.
    let (code, stderr) = run(&["fmt", "--check", &f], b"", Duration::from_secs(600));
    assert_eq!(code, 0, "{stderr}");

    // The same file with one error at the very end: reported with its line.
    src.push_str("x = [1,\n");
    let f = write(dir.path(), "big.river", src.as_bytes());
    let lines = src.lines().count();
    let (code, stderr) = run(&["fmt", &f], b"", Duration::from_secs(600));
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains(&format!("big.river:{}:", lines + 1)),
        "expected an error at the end (line {}): {stderr}",
        lines + 1
    );
}
