//! Process metrics (`process_*`), read from /proc on each scrape.

/// The process metrics as OpenMetrics text (without `# EOF`); empty where /proc is missing.
pub fn process_metrics() -> String {
    let mut out = String::new();
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return out;
    };
    // Fields after the command name (which is in parentheses and may contain spaces).
    let Some(rest) = stat.rfind(')').map(|i| &stat[i + 2..]) else {
        return out;
    };
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks = 100.0; // sysconf(_SC_CLK_TCK) is 100 on Linux
    let num = |i: usize| f.get(i).and_then(|x| x.parse::<f64>().ok()).unwrap_or(0.0);
    let cpu = (num(11) + num(12)) / ticks;
    let threads = num(17);
    let start_ticks = num(19);
    let vsize = num(20);
    let rss_pages = num(21);
    let page = 4096.0;
    let boot = std::fs::read_to_string("/proc/stat")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("btime "))
                .and_then(|l| l[6..].trim().parse::<f64>().ok())
        })
        .unwrap_or(0.0);
    let fds = std::fs::read_dir("/proc/self/fd")
        .map(|d| d.count())
        .unwrap_or(0);
    let mut gauge = |name: &str, help: &str, kind: &str, v: f64| {
        out.push_str(&format!("# HELP {name} {help}\n# TYPE {name} {kind}\n"));
        let sample = if kind == "counter" {
            format!("{name}_total")
        } else {
            name.to_string()
        };
        out.push_str(&format!("{sample} {v}\n"));
    };
    gauge(
        "process_cpu_seconds",
        "Total user and system CPU time spent in seconds.",
        "counter",
        cpu,
    );
    gauge(
        "process_resident_memory_bytes",
        "Resident memory size in bytes.",
        "gauge",
        rss_pages * page,
    );
    gauge(
        "process_virtual_memory_bytes",
        "Virtual memory size in bytes.",
        "gauge",
        vsize,
    );
    gauge(
        "process_start_time_seconds",
        "Start time of the process since unix epoch in seconds.",
        "gauge",
        boot + start_ticks / ticks,
    );
    gauge(
        "process_open_fds",
        "Number of open file descriptors.",
        "gauge",
        fds as f64,
    );
    gauge(
        "process_threads",
        "Number of OS threads in the process.",
        "gauge",
        threads,
    );
    out
}
