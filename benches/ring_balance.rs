//! How evenly the ring spreads keys, and how many move when a node joins or leaves.
//!
//! `cargo bench --bench ring_balance` prints, for clusters of 3 to 100 nodes and 100,000 keys
//! (random keys, and scrape-target keys built like real targets), the largest node's share of
//! the keys relative to the mean, and the fraction of keys that move on a join and on a leave
//! compared with the ideal 1/N, plus whether any key moved between two nodes that both stayed.

use river_agent::cluster::keys::TargetKey;
use river_agent::cluster::ring::{NodeName, Ring};

fn owners<'a>(ring: &'a Ring, keys: &[u64]) -> Vec<&'a NodeName> {
    keys.iter()
        .map(|k| ring.owner(*k).expect("ring has nodes"))
        .collect()
}

fn report(label: &str, n: usize, keys: &[u64]) {
    let names: Vec<NodeName> = (0..n)
        .map(|i| NodeName::from(format!("agent-{i}")))
        .collect();
    let ring = Ring::with_default_tokens(names.clone());
    let before = owners(&ring, keys);
    let mean = keys.len() as f64 / n as f64;
    let max = names
        .iter()
        .map(|nm| before.iter().filter(|o| **o == nm).count())
        .max()
        .unwrap_or(0) as f64;

    // The share a newcomer takes depends on where its name's tokens fall: try 20 names.
    let mut join_ratios = Vec::new();
    let mut moved_join = 0;
    let mut bad_join = 0;
    for t in 0..20 {
        let newcomer = NodeName::from(format!("agent-new-{t}"));
        let mut grown = names.clone();
        grown.push(newcomer.clone());
        let ring_join = Ring::with_default_tokens(grown);
        let after_join = owners(&ring_join, keys);
        let mut moved = 0;
        for (b, a) in before.iter().zip(&after_join) {
            if b != a {
                moved += 1;
                if *a != &newcomer {
                    bad_join += 1;
                }
            }
        }
        if t == 0 {
            moved_join = moved;
        }
        join_ratios.push(moved as f64 / keys.len() as f64 * (n + 1) as f64);
    }
    let mean_join = join_ratios.iter().sum::<f64>() / join_ratios.len() as f64;
    let max_join = join_ratios.iter().cloned().fold(0.0, f64::max);
    let departed = names[n / 2].clone();
    let shrunk: Vec<NodeName> = names.iter().filter(|x| **x != departed).cloned().collect();
    let ring_leave = Ring::with_default_tokens(shrunk);
    let after_leave = owners(&ring_leave, keys);
    let mut moved_leave = 0;
    let mut bad_leave = 0;
    for (b, a) in before.iter().zip(&after_leave) {
        if b != a {
            moved_leave += 1;
            if **b != departed {
                bad_leave += 1;
            }
        }
    }
    let k = keys.len() as f64;
    let ideal_join = 1.0 / (n + 1) as f64;
    let ideal_leave = 1.0 / n as f64;
    println!(
        "| {label} | {n} | {:.3} | {:.2}% ({:.3}× ideal; 20 names: mean {:.3}×, max {:.3}×) | {:.2}% ({:.3}× ideal) | {} |",
        max / mean,
        100.0 * moved_join as f64 / k,
        moved_join as f64 / k / ideal_join,
        mean_join,
        max_join,
        100.0 * moved_leave as f64 / k,
        moved_leave as f64 / k / ideal_leave,
        bad_join + bad_leave
    );
}

fn main() {
    let random: Vec<u64> = (0..100_000u64)
        .map(|i| xxhash_rust::xxh64::xxh64(&i.to_le_bytes(), 42))
        .collect();
    let targets: Vec<u64> = (0..100_000u32)
        .map(|i| {
            let addr = format!("10.{}.{}.{}:9100", i >> 16, (i >> 8) & 255, i & 255);
            TargetKey::for_scrape_target([("__address__", addr.as_str()), ("job", "node")]).0
        })
        .collect();
    println!("| keys | nodes | largest share / mean | moved on join | moved on leave | keys moved between staying nodes |");
    println!("|---|---|---|---|---|---|");
    for n in [3, 5, 10, 30, 100] {
        report("random", n, &random);
    }
    for n in [3, 10, 100] {
        report("scrape targets", n, &targets);
    }
}
