//! `agent fmt`, `agent validate` and `agent eval` through the real binary.

mod common;

use std::time::Duration;

fn agent(args: &[&str], stdin: Option<&str>) -> (i32, String, String) {
    let r = common::agent::run_cli(
        args,
        stdin.unwrap_or("").as_bytes(),
        Duration::from_secs(120),
    );
    (r.code, r.out(), r.stderr)
}

#[test]
fn fmt_prints_checks_and_writes() {
    let dir = tempfile::tempdir().unwrap();
    let messy = "a=1\nlong_name = \"x\"\nblk \"l\" { y = [1,\n2,\n] }\n";
    let tidy = "a         = 1\nlong_name = \"x\"\n\nblk \"l\" {\n\ty = [1,\n\t\t2,\n\t]\n}\n";
    let sub = dir.path().join("sub");
    std::fs::create_dir_all(&sub).unwrap();
    let f1 = dir.path().join("one.river");
    let f2 = sub.join("two.alloy");
    let ignored = sub.join("notes.txt");
    std::fs::write(&f1, messy).unwrap();
    std::fs::write(&f2, tidy).unwrap();
    std::fs::write(&ignored, "not river").unwrap();

    // Print.
    let (code, out, _) = agent(&["fmt", f1.to_str().unwrap()], None);
    assert_eq!((code, out.as_str()), (0, tidy));
    // stdin.
    let (code, out, _) = agent(&["fmt", "-"], Some(messy));
    assert_eq!((code, out.as_str()), (0, tidy));
    // --check over a directory lists only the unformatted file.
    let (code, out, _) = agent(&["fmt", "--check", dir.path().to_str().unwrap()], None);
    assert_eq!(code, 1);
    assert_eq!(out.trim(), f1.display().to_string());
    // -w rewrites it; then --check passes.
    let (code, _, _) = agent(&["fmt", "-w", dir.path().to_str().unwrap()], None);
    assert_eq!(code, 0);
    assert_eq!(std::fs::read_to_string(&f1).unwrap(), tidy);
    assert_eq!(std::fs::read_to_string(&ignored).unwrap(), "not river");
    let (code, out, _) = agent(&["fmt", "--check", dir.path().to_str().unwrap()], None);
    assert_eq!((code, out.as_str()), (0, ""));
    // -w with stdin is refused.
    let (code, _, err) = agent(&["fmt", "-w", "-"], Some(messy));
    assert_eq!(code, 2, "{err}");
}

#[test]
fn fmt_never_writes_a_file_that_does_not_parse() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("bad.river");
    let bad = "a = [\n1\n]\n";
    std::fs::write(&f, bad).unwrap();
    let (code, _, err) = agent(&["fmt", "-w", f.to_str().unwrap()], None);
    assert_eq!(code, 1);
    assert!(
        err.contains("bad.river:2:2: missing ',' in expression list"),
        "{err}"
    );
    assert!(err.contains("2 | 1"), "pretty excerpt expected: {err}");
    assert_eq!(std::fs::read_to_string(&f).unwrap(), bad);
}

#[test]
fn validate_reports_every_error_with_positions() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("main.river");
    std::fs::write(
        &f,
        "prometheus.scrap \"a\" {}\n\nlogging {\n\tlevel = \"loud\"\n}\n\nlocal.file \"a\" {}\n\nlocal.file \"a\" {\n\tfilename = \"/etc/hostname\"\n}\n\ndiscovery.relabel \"r\" {\n\ttargets = nope.thing.targets\n}\n",
    )
    .unwrap();
    let (code, _, err) = agent(&["validate", f.to_str().unwrap()], None);
    assert_eq!(code, 1, "{err}");
    let file = f.display().to_string();
    for want in [
        format!("{file}:1:1: cannot find the definition of component name \"prometheus.scrap\" (did you mean \"prometheus.scrape\"?)"),
        format!("{file}:9:1: block local.file.a already declared at {file}:7:1"),
        format!("{file}:14:12: component \"nope.thing.targets\" does not exist or is out of scope"),
        format!("{file}:3:1: unrecognized log level \"loud\""),
    ] {
        assert!(err.contains(&want), "missing {want:?} in:\n{err}");
    }
    assert!(err.contains("Error: validation failed"));

    let good = dir.path().join("good.river");
    std::fs::write(&good, "logging {\n\tlevel = \"debug\"\n}\n").unwrap();
    let (code, _, err) = agent(&["validate", good.to_str().unwrap()], None);
    assert_eq!(code, 0, "{err}");
}

#[test]
fn validate_reports_syntax_errors_across_files() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.river"), "x {\n\ty = \"unterminated\n}\n").unwrap();
    std::fs::write(dir.path().join("b.river"), "z {\n\tw = [1\n}\n").unwrap();
    let (code, _, err) = agent(&["validate", dir.path().to_str().unwrap()], None);
    assert_eq!(code, 1);
    assert!(
        err.contains("a.river:2:6: string literal not terminated"),
        "{err}"
    );
    assert!(
        err.contains("b.river:2:8: missing ',' in expression list"),
        "{err}"
    );
}

#[test]
fn eval_prints_river_and_json() {
    let (code, out, _) = agent(&["eval", "{b = 010, a = [1.5, \"x\"]}"], None);
    assert_eq!(code, 0);
    assert_eq!(out, "{\n\ta = [1.5, \"x\"],\n\tb = 8,\n}\n");
    let (code, out, _) = agent(
        &[
            "eval",
            "--format",
            "json",
            "[1, 2.0, 1e21, null, {k = true}]",
        ],
        None,
    );
    assert_eq!(code, 0);
    assert_eq!(out.trim(), "[1,2.0,1e+21,null,{\"k\":true}]");
    let (code, _, err) = agent(&["eval", "1 + \"a\""], None);
    assert_eq!(code, 1);
    assert!(
        err.contains("1:5: \"a\" should be number, got string"),
        "{err}"
    );
    let (code, out, _) = agent(&["eval", "-"], Some("string.join([\"a\", \"b\"], \"-\")\n"));
    assert_eq!((code, out.trim()), (0, "\"a-b\""));
}
