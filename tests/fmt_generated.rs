//! `agent fmt` reproduces the benchmark configurations of `../shared/tools/gen_config.py`
//! byte for byte: they are fixed points of upstream's printer, 1,000 to 100,000 components
//! (0.6 to 60 MB) of every construct the generator knows.

mod common;

use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

/// The generator: `$RIVER_GEN_CONFIG`, else `tools/gen_config.py` beside the conformance
/// corpus. Missing: said loudly and skipped (it is not part of the conformance corpus).
fn generator() -> Option<PathBuf> {
    let path = std::env::var_os("RIVER_GEN_CONFIG")
        .map(PathBuf::from)
        .or_else(|| Some(common::conformance_dir()?.join("../../tools/gen_config.py")))?;
    if path.is_file() {
        return Some(path);
    }
    eprintln!(
        "\n!!! {} not found: generated-config fixed points SKIPPED (set RIVER_GEN_CONFIG)\n",
        path.display()
    );
    None
}

#[test]
fn generated_configs_are_fixed_points() {
    let Some(gen) = generator() else { return };
    let dir = tempfile::tempdir().expect("tempdir");
    for n in [1_000, 10_000, 100_000] {
        let out = Command::new("python3")
            .arg(&gen)
            .args(["--components", &n.to_string(), "--seed", "1"])
            .output()
            .expect("python3 runs the generator");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let file = dir.path().join(format!("c{n}.river"));
        std::fs::write(&file, &out.stdout).expect("write");
        let path = file.to_string_lossy();
        let limit = Duration::from_secs(600);
        let check = common::agent::run_cli(&["fmt", "--check", &path], b"", limit);
        assert_eq!(
            check.code,
            0,
            "{n} components: fmt would change the file:\n{}{}",
            check.out(),
            check.stderr
        );
        // `--check` compares with the output; print it too, to be sure of the bytes.
        let printed = common::agent::run_cli(&["fmt", &path], b"", limit);
        assert_eq!(printed.code, 0, "{}", printed.stderr);
        assert!(
            printed.stdout == out.stdout,
            "{n} components: output differs"
        );
    }
}
