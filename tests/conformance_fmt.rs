//! Upstream conformance for the formatter: the printer goldens and the 154 fixed points.

mod common;

use river_agent::fmt::{format_source, print_file};
use river_agent::syntax::parse_file;

#[test]
fn printer_golden() {
    let Some(dir) = common::conformance_dir() else {
        return;
    };
    let dir = dir.join("printer-golden");
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().and_then(|e| e.to_str()) != Some("in") {
            continue;
        }
        let src = std::fs::read(&path).unwrap();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let error_file = path.with_extension("error");
        if error_file.exists() {
            let want = std::fs::read_to_string(&error_file).unwrap();
            let err = parse_file(&name, &src).expect_err("must fail").to_string();
            assert!(
                err.contains(want.trim_end()),
                "{name}: {err:?} does not contain {want:?}"
            );
        } else {
            let ast = parse_file(&name, &src).unwrap_or_else(|d| panic!("{name}: {d}"));
            let got = print_file(&ast);
            let want = std::fs::read_to_string(path.with_extension("expect")).unwrap();
            assert_eq!(got.trim_end(), want.trim_end(), "{name}");
        }
        n += 1;
    }
    assert_eq!(n, 10);
}

fn walk(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let p = entry.unwrap().path();
        if p.is_dir() {
            walk(&p, out);
        } else if p.extension().and_then(|e| e.to_str()) == Some("alloy") {
            out.push(p);
        }
    }
}

#[test]
fn fmt_fixed_points() {
    let Some(dir) = common::conformance_dir() else {
        return;
    };
    let mut files = Vec::new();
    walk(&dir.join("fmt-fixedpoints"), &mut files);
    files.sort();
    let mut failures = Vec::new();
    for f in &files {
        let src = std::fs::read(f).unwrap();
        match format_source(&f.display().to_string(), &src) {
            Ok(out) if out.as_bytes() == src.as_slice() => {}
            Ok(out) => failures.push(format!(
                "{}: differs\n{}",
                f.display(),
                first_diff(&src, out.as_bytes())
            )),
            Err(d) => failures.push(format!("{}: {d}", f.display())),
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} failed:\n{}",
        failures.len(),
        files.len(),
        failures.join("\n")
    );
    assert_eq!(files.len(), 154);
}

fn first_diff(a: &[u8], b: &[u8]) -> String {
    let a = String::from_utf8_lossy(a);
    let b = String::from_utf8_lossy(b);
    for (i, (la, lb)) in a.lines().zip(b.lines()).enumerate() {
        if la != lb {
            return format!("line {}:\n  want {:?}\n  got  {:?}", i + 1, la, lb);
        }
    }
    format!(
        "length differs: {} vs {} lines",
        a.lines().count(),
        b.lines().count()
    )
}
