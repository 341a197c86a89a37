//! Lexing, parsing and formatting throughput on generated configurations of 1,000, 10,000 and
//! 100,000 components (upstream on this kind of machine: lex 300 MB/s, parse 72 MB/s,
//! print 40 MB/s, whole fmt 25 MB/s, tree 5.3× the source).
//!
//! `cargo bench --bench syntax`; `RIVER_BENCH_SIZES=1000,10000` limits the sizes.

mod inputs;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use river_agent::fmt::{format_file, print_file};
use river_agent::syntax::parse_file;
use river_agent::syntax::terminators::Scanner;
use river_agent::syntax::token::Tok;

fn sizes() -> Vec<usize> {
    std::env::var("RIVER_BENCH_SIZES")
        .ok()
        .map(|s| s.split(',').filter_map(|x| x.trim().parse().ok()).collect())
        .unwrap_or_else(|| vec![1_000, 10_000, 100_000])
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("syntax");
    g.sample_size(10);
    for n in sizes() {
        let src = inputs::generated(&["--components", &n.to_string(), "--seed", "1"]);
        let ast = parse_file("bench.river", &src).expect("generated config parses");
        assert_eq!(
            format_file(&ast).as_bytes(),
            &src[..],
            "generated config is a fixed point"
        );
        eprintln!(
            "components={n}: source {} bytes, tree {} bytes ({:.2}x the source)",
            src.len(),
            ast.heap_size(),
            ast.heap_size() as f64 / src.len() as f64
        );
        g.throughput(Throughput::Bytes(src.len() as u64));
        g.bench_with_input(BenchmarkId::new("lex", n), &src, |b, src| {
            b.iter(|| {
                let mut s = Scanner::new(src);
                let mut count = 0usize;
                while s.scan().kind != Tok::Eof {
                    count += 1;
                }
                count
            })
        });
        g.bench_with_input(BenchmarkId::new("parse", n), &src, |b, src| {
            b.iter(|| parse_file("bench.river", src).map(|a| a.exprs.len()))
        });
        g.bench_with_input(BenchmarkId::new("print", n), &ast, |b, ast| {
            b.iter(|| print_file(ast).len())
        });
        g.bench_with_input(BenchmarkId::new("fmt", n), &src, |b, src| {
            b.iter(|| parse_file("bench.river", src).map(|a| format_file(&a).len()))
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
