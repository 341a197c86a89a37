//! Evaluation benchmarks.
//!
//! * `eval/parse+eval/N` and `eval/eval/N`: the expression `gen_config.py --expr N --seed 1`
//!   (an array of N objects full of arithmetic, strings, comparisons, indexing and field
//!   access) for N = 1,000 / 10,000 / 100,000, parsed and evaluated, or evaluated from a
//!   parsed tree. Throughput is reported per element; the time per element is printed too.
//!   `eval/source/N` is `agent eval`'s path ([`eval_source`]: parsed and evaluated one
//!   element at a time, never holding the whole tree).
//!   Upstream (Go) takes 38 µs/element at 10k and 56 µs/element at 100k.
//! * `eval/decode_body`: decoding a large component body (1,000 targets and 1,000 `rule`
//!   blocks) into a serde struct.
//!
//! The generator needs `python3` and `/work/shared/tools/gen_config.py` (or
//! `$RIVER_GEN_CONFIG`); without them the expression benchmarks are skipped.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use river_agent::eval::{decode_body, eval_expr, eval_source, Scope};
use river_agent::river_schema;
use river_agent::syntax::ast::Root;
use river_agent::syntax::{parse_expression, parse_file};
use serde::Deserialize;

fn generator() -> PathBuf {
    std::env::var_os("RIVER_GEN_CONFIG")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/work/shared/tools/gen_config.py"))
}

/// Generates the expression for `n` elements into `dir`, returning its text.
fn generate(dir: &std::path::Path, n: usize) -> Option<Vec<u8>> {
    let out = std::process::Command::new("python3")
        .arg(generator())
        .args(["--expr", &n.to_string(), "--seed", "1"])
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    let path = dir.join(format!("expr-{n}.river"));
    std::fs::write(&path, &out.stdout).ok()?;
    std::fs::read(&path).ok()
}

fn bench_expressions(c: &mut Criterion) {
    let Ok(dir) = tempfile::tempdir() else {
        eprintln!("eval bench: no temp dir, skipping");
        return;
    };
    let scope = Scope::isolated();
    let mut group = c.benchmark_group("eval");
    for n in [1_000usize, 10_000, 100_000] {
        let Some(src) = generate(dir.path(), n) else {
            eprintln!(
                "eval bench: cannot run {} (python3 missing?), skipping",
                generator().display()
            );
            return;
        };
        let ast = match parse_expression(&src) {
            Ok(a) => a,
            Err(e) => {
                eprintln!("eval bench: generated expression does not parse: {e}");
                return;
            }
        };
        let Root::Expr(root) = ast.root else { return };

        // A direct reading of the time per element, for the report.
        let reps = if n >= 100_000 { 3 } else { 10 };
        let t = Instant::now();
        for _ in 0..reps {
            let ast = parse_expression(&src).expect("parses");
            let Root::Expr(e) = ast.root else { return };
            let _ = eval_expr(&ast, e, &scope).expect("evaluates");
        }
        let both = t.elapsed() / reps;
        let t = Instant::now();
        for _ in 0..reps {
            let _ = eval_expr(&ast, root, &scope).expect("evaluates");
        }
        let eval_only = t.elapsed() / reps;
        eprintln!(
            "eval bench: N={n}: parse+eval {:.2} µs/element, eval {:.2} µs/element",
            both.as_secs_f64() * 1e6 / n as f64,
            eval_only.as_secs_f64() * 1e6 / n as f64
        );

        group.throughput(Throughput::Elements(n as u64));
        if n >= 100_000 {
            group.sample_size(10);
            group.measurement_time(Duration::from_secs(20));
        } else {
            group.sample_size(20);
            group.measurement_time(Duration::from_secs(5));
        }
        group.bench_with_input(BenchmarkId::new("parse+eval", n), &src, |b, src| {
            b.iter(|| {
                let ast = parse_expression(src).expect("parses");
                let Root::Expr(e) = ast.root else {
                    unreachable!()
                };
                eval_expr(&ast, e, &scope).expect("evaluates")
            })
        });
        group.bench_with_input(BenchmarkId::new("eval", n), &n, |b, _| {
            b.iter(|| eval_expr(&ast, root, &scope).expect("evaluates"))
        });
        // What `agent eval` runs: the array parsed and evaluated one element at a time.
        let Ok(text) = std::str::from_utf8(&src) else {
            return;
        };
        let text: Arc<str> = Arc::from(text);
        group.bench_with_input(BenchmarkId::new("source", n), &text, |b, text| {
            b.iter(|| eval_source(text, &scope).expect("evaluates"))
        });
    }
    group.finish();
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct RelabelArgs {
    targets: Vec<BTreeMap<String, String>>,
    #[serde(default)]
    rule: Vec<Rule>,
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct Rule {
    #[serde(default)]
    source_labels: Vec<String>,
    #[serde(default)]
    separator: Option<String>,
    #[serde(default)]
    regex: Option<String>,
    #[serde(default)]
    modulus: Option<u64>,
    #[serde(default)]
    target_label: Option<String>,
    #[serde(default)]
    replacement: Option<String>,
    #[serde(default)]
    action: Option<String>,
}

river_schema!(RelabelArgs { attr targets, blocks rule: Rule });
river_schema!(Rule {
    attr? source_labels,
    attr? separator,
    attr? regex,
    attr? modulus,
    attr? target_label,
    attr? replacement,
    attr? action,
});

fn large_body(n: usize) -> String {
    let mut s = String::from("targets = [\n");
    for i in 0..n {
        s.push_str(&format!(
            "\t{{\"__address__\" = \"10.0.{}.{}:9100\", \"job\" = \"node\", \"instance\" = \"host-{i}\", \"env\" = \"prod\"}},\n",
            i / 256,
            i % 256
        ));
    }
    s.push_str("]\n");
    for i in 0..n {
        s.push_str(&format!(
            "\nrule {{\n\tsource_labels = [\"__meta_kubernetes_pod_label_app\", \"instance\"]\n\tregex         = \"(.+);host-{i}\"\n\ttarget_label  = \"app_{i}\"\n\treplacement   = \"$1\"\n\taction        = \"replace\"\n}}\n"
        ));
    }
    s
}

fn bench_decode(c: &mut Criterion) {
    let n = 1_000;
    let src = large_body(n);
    let ast = parse_file("bench.river", src.as_bytes()).expect("parses");
    let scope = Scope::isolated();
    let t = Instant::now();
    let args: RelabelArgs = decode_body(&ast, ast.file_body(), &scope).expect("decodes");
    assert_eq!(args.rule.len(), n);
    eprintln!(
        "eval bench: decode_body of {n} targets + {n} rule blocks: {:.2} ms",
        t.elapsed().as_secs_f64() * 1e3
    );
    let mut group = c.benchmark_group("eval");
    group.sample_size(20);
    group.bench_function("decode_body/1000", |b| {
        b.iter(|| decode_body::<RelabelArgs>(&ast, ast.file_body(), &scope).expect("decodes"))
    });
    group.finish();
}

criterion_group!(benches, bench_expressions, bench_decode);
criterion_main!(benches);
