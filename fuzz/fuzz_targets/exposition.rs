//! Fuzz target: the exposition parser must never panic, hang or allocate without bound,
//! whatever the bytes, in either format.
#![no_main]

use libfuzzer_sys::fuzz_target;
use river_agent::prom::exposition::{Entry, Format, Parser};

fuzz_target!(|data: &[u8]| {
    for format in [Format::PrometheusText, Format::OpenMetrics] {
        for entry in Parser::new(data, format) {
            if let Ok(Entry::Sample(sample)) = entry {
                for (_, value) in sample.labels() {
                    let _ = value.to_cow();
                }
                if let Some(exemplar) = sample.exemplar {
                    for (_, value) in exemplar.labels() {
                        let _ = value.to_cow();
                    }
                }
            }
        }
    }
});
