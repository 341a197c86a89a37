//! Parser + formatter fuzzing. Oracle: no panic, and for every input that parses the
//! formatted output parses to the same tree (apart from positions) and is a fixed point.
#![no_main]

use libfuzzer_sys::fuzz_target;
use river_agent::fmt::format_file;
use river_agent::syntax::dump::dump;
use river_agent::syntax::{parse_expression, parse_file};

fuzz_target!(|data: &[u8]| {
    let _ = parse_expression(data);
    let Ok(ast) = parse_file("fuzz", data) else { return };
    let once = format_file(&ast);
    let again = match parse_file("fuzz", once.as_bytes()) {
        Ok(a) => a,
        Err(d) => panic!("formatted output does not parse: {d}\ninput: {:?}\noutput: {once:?}", String::from_utf8_lossy(data)),
    };
    assert_eq!(dump(&ast), dump(&again), "meaning changed\ninput: {:?}\noutput: {once:?}", String::from_utf8_lossy(data));
    let twice = format_file(&again);
    assert_eq!(once, twice, "not idempotent\ninput: {:?}", String::from_utf8_lossy(data));
});
