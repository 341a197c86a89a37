//! Exposition parser throughput: a realistic 200-series application body and a
//! node_exporter-sized body (~500 series with HELP/TYPE lines, a summary and histograms), in the
//! text format and OpenMetrics. Reports MB/s (`bytes` groups) and samples/s (`samples` groups;
//! ns/sample = 1e9 / samples per second).
//!
//! Run: `cargo bench --bench exposition`

use std::fmt::Write;
use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use river_agent::prom::exposition::{Entry, Format, Parser};

/// Deterministic pseudo-random values so every run parses the same bytes.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }

    /// A value in one of the shapes exporters print.
    fn value(&mut self) -> String {
        match self.next() % 5 {
            0 => format!("{}", self.next() % 100_000),
            1 => format!("{:e}", (self.next() % 10_000_000) as f64 * 1.37),
            2 => format!("{}", (self.next() % 1_000_000) as f64 / 1000.0),
            3 => "0".to_owned(),
            _ => format!("{:e}", (self.next() % 1000) as f64 * 1e-7),
        }
    }
}

fn family(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} {kind}");
}

fn histogram(out: &mut String, rng: &mut Lcg, name: &str, labels: &str) {
    let mut count = 0;
    for le in [
        "0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5", "5", "10", "+Inf",
    ] {
        count += rng.next() % 100;
        let _ = writeln!(out, "{name}_bucket{{{labels},le=\"{le}\"}} {count}");
    }
    let _ = writeln!(out, "{name}_sum{{{labels}}} {}", rng.value());
    let _ = writeln!(out, "{name}_count{{{labels}}} {count}");
}

/// About 200 series of a typical instrumented service.
fn app_body() -> String {
    let mut rng = Lcg(1);
    let mut out = String::new();
    family(
        &mut out,
        "http_requests_total",
        "counter",
        "Total number of HTTP requests by method, handler and status code.",
    );
    let handlers = [
        "/api/v1/users",
        "/api/v1/orders",
        "/api/v1/items",
        "/healthz",
    ];
    for handler in handlers {
        for method in ["GET", "POST"] {
            for code in ["200", "201", "400", "404", "500"] {
                let _ = writeln!(
                    out,
                    "http_requests_total{{method=\"{method}\",handler=\"{handler}\",code=\"{code}\"}} {}",
                    rng.value()
                );
            }
        }
    }
    family(
        &mut out,
        "http_request_duration_seconds",
        "histogram",
        "Request latency in seconds.",
    );
    for handler in handlers {
        histogram(
            &mut out,
            &mut rng,
            "http_request_duration_seconds",
            &format!("handler=\"{handler}\""),
        );
    }
    family(
        &mut out,
        "db_query_duration_seconds",
        "histogram",
        "Database query latency.",
    );
    for op in ["select", "insert", "update"] {
        histogram(
            &mut out,
            &mut rng,
            "db_query_duration_seconds",
            &format!("operation=\"{op}\",db=\"primary\""),
        );
    }
    family(
        &mut out,
        "cache_entries",
        "gauge",
        "Entries per cache shard.",
    );
    for shard in 0..60 {
        let _ = writeln!(
            out,
            "cache_entries{{cache=\"sessions\",shard=\"{shard}\"}} {}",
            rng.value()
        );
    }
    family(
        &mut out,
        "process_open_fds",
        "gauge",
        "Open file descriptors.",
    );
    let _ = writeln!(out, "process_open_fds {}", rng.value());
    family(
        &mut out,
        "process_resident_memory_bytes",
        "gauge",
        "Resident memory size in bytes.",
    );
    let _ = writeln!(out, "process_resident_memory_bytes {}", rng.value());
    out
}

/// About 500 series shaped like node_exporter's output.
fn node_body() -> String {
    let mut rng = Lcg(2);
    let mut out = String::new();
    family(
        &mut out,
        "go_gc_duration_seconds",
        "summary",
        "A summary of the pause duration of garbage collection cycles.",
    );
    for q in ["0", "0.25", "0.5", "0.75", "1"] {
        let _ = writeln!(
            out,
            "go_gc_duration_seconds{{quantile=\"{q}\"}} {}",
            rng.value()
        );
    }
    let _ = writeln!(out, "go_gc_duration_seconds_sum {}", rng.value());
    let _ = writeln!(out, "go_gc_duration_seconds_count {}", rng.next() % 10000);
    for i in 0..25 {
        let name = format!("go_memstats_metric_{i}_bytes");
        family(
            &mut out,
            &name,
            "gauge",
            "Number of bytes in some Go memory pool.",
        );
        let _ = writeln!(out, "{name} {}", rng.value());
    }
    family(
        &mut out,
        "node_cpu_seconds_total",
        "counter",
        "Seconds the CPUs spent in each mode.",
    );
    for cpu in 0..8 {
        for mode in [
            "idle", "iowait", "irq", "nice", "softirq", "steal", "system", "user",
        ] {
            let _ = writeln!(
                out,
                "node_cpu_seconds_total{{cpu=\"{cpu}\",mode=\"{mode}\"}} {}",
                rng.value()
            );
        }
    }
    for metric in [
        "reads_completed_total",
        "reads_merged_total",
        "read_bytes_total",
        "read_time_seconds_total",
        "writes_completed_total",
        "writes_merged_total",
        "written_bytes_total",
        "write_time_seconds_total",
        "io_now",
        "io_time_seconds_total",
        "io_time_weighted_seconds_total",
        "discards_completed_total",
        "discarded_sectors_total",
        "flush_requests_total",
    ] {
        let name = format!("node_disk_{metric}");
        family(
            &mut out,
            &name,
            "counter",
            "Disk statistic from /proc/diskstats.",
        );
        for dev in ["nvme0n1", "sda", "sdb"] {
            let _ = writeln!(out, "{name}{{device=\"{dev}\"}} {}", rng.value());
        }
    }
    for metric in [
        "avail_bytes",
        "device_error",
        "files",
        "files_free",
        "free_bytes",
        "readonly",
        "size_bytes",
    ] {
        let name = format!("node_filesystem_{metric}");
        family(
            &mut out,
            &name,
            "gauge",
            "Filesystem statistic from statfs.",
        );
        for (dev, fs, mp) in [
            ("/dev/nvme0n1p1", "ext4", "/"),
            ("/dev/nvme0n1p2", "vfat", "/boot/efi"),
            ("tmpfs", "tmpfs", "/run"),
            ("tmpfs", "tmpfs", "/run/lock"),
            ("/dev/sda1", "xfs", "/var/lib/data"),
        ] {
            let _ = writeln!(
                out,
                "{name}{{device=\"{dev}\",fstype=\"{fs}\",mountpoint=\"{mp}\"}} {}",
                rng.value()
            );
        }
    }
    for i in 0..20 {
        let name = format!("node_network_stat_{i}_total");
        family(&mut out, &name, "counter", "Network device statistic.");
        for dev in ["eth0", "lo", "docker0"] {
            let _ = writeln!(out, "{name}{{device=\"{dev}\"}} {}", rng.value());
        }
    }
    for i in 0..110 {
        let name = format!("node_memory_Field{i}_bytes");
        family(
            &mut out,
            &name,
            "gauge",
            "Memory information field from /proc/meminfo.",
        );
        let _ = writeln!(out, "{name} {}", rng.value());
    }
    for i in 0..110 {
        let name = format!("node_netstat_Proto_Field{i}");
        family(
            &mut out,
            &name,
            "untyped",
            "Statistic from /proc/net/netstat.",
        );
        let _ = writeln!(out, "{name} {}", rng.value());
    }
    family(
        &mut out,
        "node_schedstat_running_seconds_total",
        "counter",
        "Seconds CPUs spent running a process.",
    );
    for cpu in 0..8 {
        let _ = writeln!(
            out,
            "node_schedstat_running_seconds_total{{cpu=\"{cpu}\"}} {}",
            rng.value()
        );
    }
    family(
        &mut out,
        "promhttp_metric_handler_request_duration_seconds",
        "histogram",
        "Scrape handler latency.",
    );
    for code in ["200", "500", "503"] {
        histogram(
            &mut out,
            &mut rng,
            "promhttp_metric_handler_request_duration_seconds",
            &format!("code=\"{code}\""),
        );
    }
    family(
        &mut out,
        "node_uname_info",
        "gauge",
        "Labeled system information as provided by the uname system call.",
    );
    let _ = writeln!(
        out,
        "node_uname_info{{domainname=\"(none)\",machine=\"x86_64\",nodename=\"host-1\",release=\"6.1.0-18-amd64\",sysname=\"Linux\",version=\"#1 SMP PREEMPT_DYNAMIC Debian 6.1.76-1 (2024-02-01)\"}} 1"
    );
    out
}

/// The text body turned into OpenMetrics (`untyped` → `unknown`, a final `# EOF`).
fn to_openmetrics(text: &str) -> String {
    let mut out = text.replace(" untyped\n", " unknown\n");
    out.push_str("# EOF\n");
    out
}

/// Parses to completion, reading every label value the way a scraper would.
fn parse_all(body: &[u8], format: Format, scratch: &mut String) -> usize {
    let mut samples = 0;
    for entry in Parser::new(body, format) {
        if let Ok(Entry::Sample(s)) = entry {
            scratch.clear();
            for (name, value) in s.labels() {
                scratch.push_str(name);
                value.unescape_into(scratch);
            }
            black_box(s.value);
            samples += 1;
        }
    }
    samples
}

fn count_samples(body: &str, format: Format) -> usize {
    Parser::new(body.as_bytes(), format)
        .filter(|e| matches!(e, Ok(Entry::Sample(_))))
        .count()
}

fn bench(c: &mut Criterion) {
    let app = app_body();
    let node = node_body();
    let cases = [
        ("app_200_text", app.clone(), Format::PrometheusText),
        (
            "app_200_openmetrics",
            to_openmetrics(&app),
            Format::OpenMetrics,
        ),
        ("node_500_text", node.clone(), Format::PrometheusText),
        (
            "node_500_openmetrics",
            to_openmetrics(&node),
            Format::OpenMetrics,
        ),
    ];
    for (name, body, format) in &cases {
        let n = count_samples(body, *format);
        assert!(
            Parser::new(body.as_bytes(), *format).all(|e| e.is_ok()),
            "{name} must parse"
        );
        eprintln!("{name}: {} bytes, {n} samples", body.len());
    }

    let mut scratch = String::new();
    let mut group = c.benchmark_group("exposition_bytes");
    for (name, body, format) in &cases {
        group.throughput(Throughput::Bytes(body.len() as u64));
        group.bench_function(*name, |b| {
            b.iter(|| parse_all(black_box(body.as_bytes()), *format, &mut scratch))
        });
    }
    group.finish();

    let mut group = c.benchmark_group("exposition_samples");
    for (name, body, format) in &cases {
        group.throughput(Throughput::Elements(count_samples(body, *format) as u64));
        group.bench_function(*name, |b| {
            b.iter(|| parse_all(black_box(body.as_bytes()), *format, &mut scratch))
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
