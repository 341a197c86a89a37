//! A plain driver for profiling the syntax layer under callgrind or perf:
//! `cargo bench --bench syntax_profile --no-run`, then run the binary with
//! `lex|parse|print|fmt <file> [iterations]`.

use river_agent::syntax::terminators::Scanner;
use river_agent::syntax::token::Tok;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    // Criterion-style runners pass `--bench`; ignore it.
    let args: Vec<&String> = args
        .iter()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    if args.len() < 2 {
        eprintln!("usage: syntax_profile lex|parse|print|fmt FILE [ITERATIONS]");
        return;
    }
    let src = std::fs::read(args[1]).expect("read input");
    let n: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(1);
    let mut total = 0usize;
    for _ in 0..n {
        total += match args[0].as_str() {
            "lex" => {
                let mut s = Scanner::new(&src);
                let mut c = 0;
                while s.scan().kind != Tok::Eof {
                    c += 1;
                }
                c
            }
            "parse" => river_agent::syntax::parse_file("p", &src)
                .map(|a| a.exprs.len())
                .unwrap_or(0),
            "print" => {
                let ast = river_agent::syntax::parse_file("p", &src).expect("parses");
                river_agent::fmt::print_file(&ast).len()
            }
            _ => river_agent::fmt::format_source("p", &src)
                .map(|s| s.len())
                .unwrap_or(0),
        };
    }
    println!("{total}");
}
