//! Measurements on clusters of real `agent` processes on loopback (ignored tests: they take
//! minutes and only print numbers, they assert nothing about timing).
//!
//! ```text
//! cargo test --release --test cluster_bench -- --ignored --nocapture --test-threads=1
//! ```
//!
//! Environment: `CLUSTER_BENCH_SIZES` (default `3,5,10`), `CLUSTER_BENCH_TRIALS` (joins and
//! crashes per size, default 3), `CLUSTER_BENCH_WINDOW` (seconds of steady-state traffic
//! sampled per size, default 60).
//!
//! Every node lists every node as join address (like one DNS name for all), with the default
//! `--cluster.max-join-peers` (5) and `--cluster.rejoin-interval` (60s). Every node sits behind
//! a counting proxy (`tests/common/proxy.rs`) and advertises it, so
//! the wire bytes (HTTP framing and sync exchanges included) are measured next to the
//! agent's own `cluster_transport_{tx,rx}_bytes_total` (SWIM packet payloads only).
#![cfg(target_os = "linux")]

mod cluster_support;
mod common;

use std::time::{Duration, Instant};

use cluster_support::{cl, metrics, peers, range, Cluster, JoinStyle};

const LIMIT: Duration = Duration::from_secs(120);

fn env_list(name: &str, default: &str) -> Vec<usize> {
    std::env::var(name)
        .unwrap_or_else(|_| default.to_string())
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect()
}

fn env_num(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

/// Median and maximum of some durations, in seconds.
fn stats(v: &[Duration]) -> (f64, f64) {
    let mut s: Vec<f64> = v.iter().map(Duration::as_secs_f64).collect();
    s.sort_by(|a, b| a.total_cmp(b));
    if s.is_empty() {
        return (0.0, 0.0);
    }
    (s[s.len() / 2], s[s.len() - 1])
}

/// Sum over nodes of a counter, per node.
fn counters(c: &Cluster, name: &str) -> Vec<f64> {
    c.running()
        .iter()
        .map(|&i| {
            metrics(&c.nodes[i].listen)
                .map(|m| m.must(name, &[cl()]))
                .unwrap_or(0.0)
        })
        .collect()
}

/// Polls every condition until all have held once; returns when each first held.
fn first_times(c: &Cluster, what: &str, conds: &mut [&mut dyn FnMut() -> bool]) -> Vec<Duration> {
    let start = Instant::now();
    let mut seen: Vec<Option<Duration>> = vec![None; conds.len()];
    loop {
        for (k, cond) in conds.iter_mut().enumerate() {
            if seen[k].is_none() && cond() {
                seen[k] = Some(start.elapsed());
            }
        }
        if seen.iter().all(Option::is_some) {
            return seen.into_iter().flatten().collect();
        }
        if start.elapsed() > LIMIT {
            panic!("timed out waiting for {what} ({seen:?})\n{}", c.describe());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Whether every node in `nodes` reports `value` for a cluster gauge.
fn gauges_are(
    c: &Cluster,
    nodes: &[usize],
    name: &str,
    labels: &[(&str, &str)],
    value: f64,
) -> bool {
    nodes.iter().all(|&i| {
        metrics(&c.nodes[i].listen).is_some_and(|m| {
            let mut l = vec![cl()];
            l.extend_from_slice(labels);
            m.get(name, &l) == Some(value)
        })
    })
}

struct Row {
    size: usize,
    /// Join → every node's membership gauges count every node as participant.
    join_core: Vec<Duration>,
    /// Join → every node's published view (`/api/v0/web/peers`) lists every node.
    join_view: Vec<Duration>,
    /// Crash → every survivor's live-member gauge no longer counts the node.
    crash_core: Vec<Duration>,
    /// Crash → no survivor's published view lists the node.
    crash_view: Vec<Duration>,
    /// Per node, bytes/s: SWIM payload sent, SWIM payload received, wire sent, wire received.
    traffic: [f64; 4],
    /// Per node, packets/s sent.
    packets: f64,
}

fn measure(size: usize, trials: usize, window: Duration) -> Row {
    // Every node lists every node (like one DNS name for all), with the default
    // max-join-peers and rejoin interval.
    let mut c = Cluster::new(
        size,
        true,
        JoinStyle::All,
        &[
            "--cluster.max-join-peers=5",
            "--cluster.rejoin-interval=60s",
        ],
    );
    for _ in 0..size - 1 {
        c.start_node(&[]);
    }
    c.wait_converged(&range(size - 1), &range(size - 1), LIMIT);
    let last = size - 1;
    let all = range(size);
    let survivors = range(size - 1);
    let n = size as f64;
    let (mut join_core, mut join_view, mut crash_core, mut crash_view) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for t in 0..trials {
        // Join: from spawning the process until every node lists every node as participant.
        if t == 0 {
            c.start_node(&[]);
        } else {
            c.restart(last);
        }
        let times = first_times(
            &c,
            "the join to converge",
            &mut [
                &mut || {
                    gauges_are(
                        &c,
                        &all,
                        "cluster_node_peers",
                        &[("state", "participant")],
                        n,
                    )
                },
                &mut || c.all_see(&all, &all),
            ],
        );
        join_core.push(times[0]);
        join_view.push(times[1]);
        // Let the cluster settle before the crash (the join's gossip dies down).
        std::thread::sleep(Duration::from_secs(3));
        // Crash: from SIGKILL until no survivor lists the node.
        c.nodes[last].agent.kill9();
        let gone = c.nodes[last].name.clone();
        let times = first_times(
            &c,
            "survivors to drop the killed node",
            &mut [
                &mut || {
                    gauges_are(
                        &c,
                        &survivors,
                        "cluster_node_gossip_alive_peers",
                        &[],
                        n - 1.0,
                    )
                },
                &mut || {
                    survivors.iter().all(|&i| {
                        peers(&c.nodes[i].listen).is_some_and(|p| p.iter().all(|p| p.name != gone))
                    })
                },
            ],
        );
        crash_core.push(times[0]);
        crash_view.push(times[1]);
        println!(
            "  size {size} trial {t}: join {:.2}s (view {:.2}s), crash detected {:.2}s (view {:.2}s)",
            join_core[t].as_secs_f64(),
            join_view[t].as_secs_f64(),
            crash_core[t].as_secs_f64(),
            crash_view[t].as_secs_f64()
        );
    }

    // Steady state: the full cluster, after the first anti-entropy ramp (2, 4, 8, 16 s).
    c.restart(last);
    c.wait_converged(&range(size), &range(size), LIMIT);
    std::thread::sleep(Duration::from_secs(35));
    let names = [
        "cluster_transport_tx_bytes_total",
        "cluster_transport_rx_bytes_total",
        "cluster_transport_tx_packets_total",
    ];
    let before: Vec<Vec<f64>> = names.iter().map(|n| counters(&c, n)).collect();
    let wire_before: Vec<(u64, u64)> = range(size)
        .iter()
        .map(|&i| (c.net.sent_by(i), c.net.received_by(i)))
        .collect();
    let t0 = Instant::now();
    std::thread::sleep(window);
    let after: Vec<Vec<f64>> = names.iter().map(|n| counters(&c, n)).collect();
    let wire_after: Vec<(u64, u64)> = range(size)
        .iter()
        .map(|&i| (c.net.sent_by(i), c.net.received_by(i)))
        .collect();
    let secs = t0.elapsed().as_secs_f64();
    assert!(
        c.all_see(&range(size), &range(size)),
        "cluster changed during the traffic window:\n{}",
        c.describe()
    );
    let per_node = |k: usize| -> f64 {
        let total: f64 = after[k].iter().zip(&before[k]).map(|(a, b)| a - b).sum();
        total / size as f64 / secs
    };
    let wire = |f: fn(&(u64, u64)) -> u64| -> f64 {
        let total: u64 = wire_after
            .iter()
            .zip(&wire_before)
            .map(|(a, b)| f(a) - f(b))
            .sum();
        total as f64 / size as f64 / secs
    };
    Row {
        size,
        join_core,
        join_view,
        crash_core,
        crash_view,
        traffic: [per_node(0), per_node(1), wire(|x| x.0), wire(|x| x.1)],
        packets: per_node(2),
    }
}

/// Convergence after a join and after a crash, and steady-state gossip traffic, for clusters
/// of 3, 5 and 10 processes. Prints a markdown table.
#[test]
#[ignore]
fn convergence_and_gossip_traffic() {
    let sizes = env_list("CLUSTER_BENCH_SIZES", "3,5,10");
    let trials = env_num("CLUSTER_BENCH_TRIALS", 3) as usize;
    let window = Duration::from_secs(env_num("CLUSTER_BENCH_WINDOW", 60));
    let mut rows = Vec::new();
    for &size in &sizes {
        assert!(size >= 2, "sizes must be at least 2");
        println!("measuring {size} nodes…");
        rows.push(measure(size, trials, window));
    }
    println!();
    println!(
        "| nodes | join → all nodes count it (median / max) | join → all peer lists show it | crash → all survivors drop it (median / max) | crash → gone from all peer lists | SWIM payload sent / received per node | wire bytes sent / received per node | packets sent per node |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    for r in &rows {
        let f = |v: &[Duration]| {
            let (m, x) = stats(v);
            format!("{m:.2} s / {x:.2} s")
        };
        println!(
            "| {} | {} | {} | {} | {} | {:.0} / {:.0} B/s | {:.0} / {:.0} B/s | {:.1} /s |",
            r.size,
            f(&r.join_core),
            f(&r.join_view),
            f(&r.crash_core),
            f(&r.crash_view),
            r.traffic[0],
            r.traffic[1],
            r.traffic[2],
            r.traffic[3],
            r.packets
        );
    }
    println!(
        "\n({} trials per size; steady-state traffic averaged over {:?} per size)",
        trials, window
    );
}
