//! Deterministic simulation of cluster membership: many `MembershipCore`s on a virtual
//! network with virtual time (no sockets, no sleeping). Message loss, delays, crashes,
//! graceful leaves, restarts, name conflicts and partitions are injected; the tests assert
//! that every live node converges on the same participant set.
//!
//! Run `cargo test --test cluster_sim -- --nocapture` to see the convergence table.

use std::cmp::Reverse;
use std::collections::{BTreeSet, BinaryHeap, HashMap};
use std::time::Duration;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use river_agent::cluster::membership::core::{
    CoreConfig, MembershipCore, Output, SyncToken, Timing,
};
use river_agent::cluster::membership::wire::SyncMessage;
use river_agent::cluster::membership::{NodeIdentity, NodeState};
use river_agent::cluster::metrics::ClusterMetrics;
use river_agent::cluster::peer_addr::PeerAddr;

const SYNC_TIMEOUT: Duration = Duration::from_secs(5);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Status {
    Up,
    Crashed,
    Left,
}

struct SimNode {
    name: String,
    addr: PeerAddr,
    cluster: String,
    join: Vec<PeerAddr>,
    core: Option<MembershipCore>,
    status: Status,
    epoch: u64,
    wake_at: Option<Duration>,
    group: u8,
}

enum Ev {
    Wake {
        node: usize,
        epoch: u64,
        at: Duration,
    },
    Packet {
        to: usize,
        data: Vec<u8>,
    },
    SyncReq {
        from: usize,
        epoch: u64,
        to: usize,
        token: SyncToken,
        msg: SyncMessage,
    },
    SyncResp {
        to: usize,
        epoch: u64,
        token: SyncToken,
        result: Result<SyncMessage, String>,
    },
    Resolve {
        node: usize,
        epoch: u64,
    },
}

struct Net {
    loss: f64,
    min_delay: Duration,
    max_delay: Duration,
}

struct Sim {
    now: Duration,
    nodes: Vec<SimNode>,
    queue: BinaryHeap<Reverse<(Duration, u64)>>,
    events: HashMap<u64, Ev>,
    seq: u64,
    rng: StdRng,
    net: Net,
    timing: Timing,
    processed: u64,
}

impl Sim {
    fn new(seed: u64, loss: f64) -> Self {
        Sim {
            now: Duration::ZERO,
            nodes: Vec::new(),
            queue: BinaryHeap::new(),
            events: HashMap::new(),
            seq: 0,
            rng: StdRng::seed_from_u64(seed),
            net: Net {
                loss,
                min_delay: Duration::from_millis(1),
                max_delay: Duration::from_millis(30),
            },
            timing: Timing::default(),
            processed: 0,
        }
    }

    fn push(&mut self, at: Duration, ev: Ev) {
        self.seq += 1;
        self.queue.push(Reverse((at, self.seq)));
        self.events.insert(self.seq, ev);
    }

    fn delay(&mut self) -> Duration {
        let lo = self.net.min_delay.as_micros() as u64;
        let hi = self.net.max_delay.as_micros() as u64;
        Duration::from_micros(self.rng.random_range(lo..=hi))
    }

    fn lost(&mut self) -> bool {
        self.net.loss > 0.0 && self.rng.random_bool(self.net.loss)
    }

    fn node_at(&self, addr: &PeerAddr) -> Option<usize> {
        // The slot currently serving this address (restarts reuse the slot).
        self.nodes.iter().position(|n| &n.addr == addr)
    }

    fn reachable(&self, a: usize, b: usize) -> bool {
        self.nodes[a].group == self.nodes[b].group
    }

    /// Adds a node slot (not started).
    fn add(&mut self, name: &str, addr: &str, cluster: &str, join: &[&str]) -> usize {
        self.nodes.push(SimNode {
            name: name.into(),
            addr: PeerAddr::new(addr),
            cluster: cluster.into(),
            join: join.iter().map(|a| PeerAddr::new(*a)).collect(),
            core: None,
            status: Status::Crashed,
            epoch: 0,
            wake_at: None,
            group: 0,
        });
        self.nodes.len() - 1
    }

    /// Starts a fresh process in slot `i` and asks it to become a participant.
    fn start(&mut self, i: usize, start_stamp: u64) {
        let n = &mut self.nodes[i];
        n.epoch += 1;
        n.status = Status::Up;
        n.wake_at = None;
        let mut timing = self.timing.clone();
        timing.rejoin_interval = Duration::from_secs(60);
        let mut core = MembershipCore::new(
            CoreConfig {
                identity: NodeIdentity::new(n.name.as_str().into(), start_stamp, n.addr.clone()),
                cluster_name: n.cluster.clone(),
                has_join_addresses: !n.join.is_empty(),
                timing,
                seed: start_stamp ^ (i as u64) << 32,
            },
            ClusterMetrics::new(&n.cluster),
        );
        core.start(self.now);
        let _ = core.request_state(self.now, NodeState::Participant);
        n.core = Some(core);
        self.flush(i);
    }

    fn crash(&mut self, i: usize) {
        let n = &mut self.nodes[i];
        n.status = Status::Crashed;
        n.core = None;
        n.epoch += 1;
    }

    fn leave(&mut self, i: usize) {
        let now = self.now;
        if let Some(c) = self.nodes[i].core.as_mut() {
            c.begin_leave(now);
        }
        self.flush(i);
    }

    fn core(&self, i: usize) -> &MembershipCore {
        self.nodes[i].core.as_ref().expect("node is running")
    }

    /// Turns node `i`'s outputs into network events and schedules its next wake-up.
    fn flush(&mut self, i: usize) {
        let mut out = Vec::new();
        let Some(core) = self.nodes[i].core.as_mut() else {
            return;
        };
        core.drain_outputs(&mut out);
        let next = core.next_deadline();
        let epoch = self.nodes[i].epoch;
        for o in out {
            match o {
                Output::Packet { to, data } => {
                    let Some(j) = self.node_at(&to) else { continue };
                    if self.reachable(i, j) && !self.lost() {
                        let at = self.now + self.delay();
                        self.push(at, Ev::Packet { to: j, data });
                    }
                }
                Output::Sync { token, to, message } => match self.node_at(&to) {
                    Some(j) if self.reachable(i, j) && !self.lost() => {
                        let at = self.now + self.delay();
                        self.push(
                            at,
                            Ev::SyncReq {
                                from: i,
                                epoch,
                                to: j,
                                token,
                                msg: message,
                            },
                        );
                    }
                    // Lost or partitioned: the request times out.
                    Some(_) => {
                        let at = self.now + SYNC_TIMEOUT;
                        self.push(
                            at,
                            Ev::SyncResp {
                                to: i,
                                epoch,
                                token,
                                result: Err("timeout".into()),
                            },
                        );
                    }
                    None => {
                        let at = self.now + Duration::from_millis(1);
                        let result = Err("connection refused".into());
                        self.push(
                            at,
                            Ev::SyncResp {
                                to: i,
                                epoch,
                                token,
                                result,
                            },
                        );
                    }
                },
                Output::ResolveJoin => {
                    let at = self.now + Duration::from_millis(1);
                    self.push(at, Ev::Resolve { node: i, epoch });
                }
                Output::Left => self.nodes[i].status = Status::Left,
            }
        }
        if let Some(d) = next {
            let n = &mut self.nodes[i];
            if n.wake_at.is_none_or(|w| d < w) {
                n.wake_at = Some(d);
                self.push(
                    d,
                    Ev::Wake {
                        node: i,
                        epoch,
                        at: d,
                    },
                );
            }
        }
    }

    fn step(&mut self) -> bool {
        let Some(Reverse((at, seq))) = self.queue.pop() else {
            return false;
        };
        self.now = self.now.max(at);
        let now = self.now;
        self.processed += 1;
        let Some(ev) = self.events.remove(&seq) else {
            return true;
        };
        match ev {
            Ev::Wake { node, epoch, at } => {
                let n = &mut self.nodes[node];
                if n.epoch == epoch && n.wake_at == Some(at) {
                    n.wake_at = None;
                    if let Some(c) = n.core.as_mut() {
                        c.poll_timers(now);
                    }
                    self.flush(node);
                }
            }
            Ev::Packet { to, data } => {
                if self.nodes[to].status == Status::Up {
                    if let Some(c) = self.nodes[to].core.as_mut() {
                        c.handle_packet(now, &data);
                    }
                    self.flush(to);
                }
            }
            Ev::SyncReq {
                from,
                epoch,
                to,
                token,
                msg,
            } => {
                let result = match (self.nodes[to].status, self.nodes[to].core.as_mut()) {
                    (Status::Up, Some(c)) => {
                        c.handle_sync_request(now, msg).map_err(|e| e.to_string())
                    }
                    _ => Err("connection refused".into()),
                };
                self.flush(to);
                let at = if self.lost() {
                    now + SYNC_TIMEOUT
                } else {
                    now + self.delay()
                };
                let result = if at >= now + SYNC_TIMEOUT {
                    Err("timeout".into())
                } else {
                    result
                };
                self.push(
                    at,
                    Ev::SyncResp {
                        to: from,
                        epoch,
                        token,
                        result,
                    },
                );
            }
            Ev::SyncResp {
                to,
                epoch,
                token,
                result,
            } => {
                if self.nodes[to].epoch == epoch && self.nodes[to].status == Status::Up {
                    if let Some(c) = self.nodes[to].core.as_mut() {
                        c.handle_sync_response(now, token, result);
                    }
                    self.flush(to);
                }
            }
            Ev::Resolve { node, epoch } => {
                if self.nodes[node].epoch == epoch && self.nodes[node].status == Status::Up {
                    let me = self.nodes[node].addr.clone();
                    let addrs: Vec<PeerAddr> = self.nodes[node]
                        .join
                        .iter()
                        .filter(|a| **a != me)
                        .cloned()
                        .collect();
                    if let Some(c) = self.nodes[node].core.as_mut() {
                        c.handle_resolved(now, Ok(addrs));
                    }
                    self.flush(node);
                }
            }
        }
        true
    }

    fn run_for(&mut self, d: Duration) {
        let end = self.now + d;
        while self.queue.peek().is_some_and(|Reverse((at, _))| *at <= end) {
            self.step();
        }
        self.now = end;
    }

    /// Runs until `pred` holds (checked every 100 ms of virtual time) or `limit` passes.
    fn run_until(&mut self, limit: Duration, pred: impl FnMut(&Sim) -> bool) -> Option<Duration> {
        self.run_until_every(Duration::from_millis(100), limit, pred)
    }

    /// Like [`Sim::run_until`] with a chosen check interval (checks are costly at 100+ nodes).
    fn run_until_every(
        &mut self,
        every: Duration,
        limit: Duration,
        mut pred: impl FnMut(&Sim) -> bool,
    ) -> Option<Duration> {
        let start = self.now;
        while self.now < start + limit {
            if pred(self) {
                return Some(self.now - start);
            }
            self.run_for(every);
        }
        pred(self).then(|| self.now - start)
    }

    fn up(&self) -> impl Iterator<Item = usize> + '_ {
        (0..self.nodes.len()).filter(|i| self.nodes[*i].status == Status::Up)
    }

    fn participants_seen_by(&self, i: usize) -> BTreeSet<String> {
        self.core(i)
            .peers()
            .into_iter()
            .filter(|p| p.state == NodeState::Participant)
            .map(|p| p.name.to_string())
            .collect()
    }

    fn members_seen_by(&self, i: usize) -> BTreeSet<String> {
        self.core(i)
            .peers()
            .into_iter()
            .map(|p| p.name.to_string())
            .collect()
    }

    /// Every running node sees exactly the running nodes, all as participants.
    fn converged(&self) -> bool {
        let expected: BTreeSet<String> = self.up().map(|i| self.nodes[i].name.clone()).collect();
        self.up().all(|i| {
            let peers = self.core(i).peers();
            peers.len() == expected.len()
                && peers.iter().all(|p| {
                    p.state == NodeState::Participant && expected.contains(p.name.as_str())
                })
        })
    }

    fn nobody_lists(&self, name: &str) -> bool {
        self.up().all(|i| !self.members_seen_by(i).contains(name))
    }

    fn nobody_has_participant(&self, name: &str) -> bool {
        self.up()
            .all(|i| !self.participants_seen_by(i).contains(name))
    }
}

fn addr(i: usize) -> String {
    format!("10.0.{}.{}:12345", i / 250, i % 250 + 1)
}

fn build(n: usize, seed: u64, loss: f64) -> Sim {
    let mut sim = Sim::new(seed, loss);
    let seeds: Vec<String> = (0..n.min(3)).map(addr).collect();
    let seeds: Vec<&str> = seeds.iter().map(String::as_str).collect();
    for i in 0..n {
        sim.add(&format!("node-{i}"), &addr(i), "sim", &seeds);
    }
    sim
}

struct Row {
    size: usize,
    join: f64,
    crash_removed: f64,
    leave_out_of_ring: f64,
    leave_removed: f64,
    events: u64,
}

fn measure(size: usize, seed: u64) -> Row {
    let mut sim = build(size, seed, 0.01);
    // Staggered starts over 2 s, as a rollout of a StatefulSet would not be.
    for i in 0..size {
        sim.start(i, 1_000 + i as u64);
        sim.run_for(Duration::from_millis(2_000 / size as u64));
    }
    let join = sim
        .run_until(Duration::from_secs(300), Sim::converged)
        .expect("cluster converges after joining");
    let join = join.as_secs_f64() + 2.0;
    sim.run_for(Duration::from_secs(10));

    // Crash the last node.
    let victim = size - 1;
    let name = sim.nodes[victim].name.clone();
    sim.crash(victim);
    let crash = sim
        .run_until(Duration::from_secs(300), |s| s.nobody_lists(&name))
        .expect("crashed node is removed");
    assert!(sim
        .run_until(Duration::from_secs(60), Sim::converged)
        .is_some());
    sim.run_for(Duration::from_secs(5));

    // Gracefully stop another node.
    let leaver = size - 2;
    let name = sim.nodes[leaver].name.clone();
    sim.leave(leaver);
    let out_of_ring = sim
        .run_until(Duration::from_secs(60), |s| s.nobody_has_participant(&name))
        .expect("leaving node leaves the ring");
    let removed = out_of_ring
        + sim
            .run_until(Duration::from_secs(120), |s| s.nobody_lists(&name))
            .expect("left node is removed");
    assert!(sim
        .run_until(Duration::from_secs(60), Sim::converged)
        .is_some());
    Row {
        size,
        join,
        crash_removed: crash.as_secs_f64(),
        leave_out_of_ring: out_of_ring.as_secs_f64(),
        leave_removed: removed.as_secs_f64(),
        events: sim.processed,
    }
}

/// Prints the convergence table for docs/benchmarks.md (median and worst of 3 seeds).
#[test]
fn convergence_time_vs_cluster_size() {
    let seeds = [42u64, 43, 44];
    println!();
    println!(
        "Simulated membership convergence, virtual seconds, median / worst of {} runs",
        seeds.len()
    );
    println!("(1% packet loss, 1-30 ms delay; probe 2 s, suspicion 8 s x max(1, log10 N); starts staggered over 2 s)");
    println!();
    println!("| nodes | all joined and agree | crash: removed everywhere | leave: out of every ring | leave: removed everywhere | sim events |");
    println!("| ---: | ---: | ---: | ---: | ---: | ---: |");
    for size in [3, 10, 30, 100] {
        let rows: Vec<Row> = seeds.iter().map(|s| measure(size, *s)).collect();
        let stat = |f: fn(&Row) -> f64| {
            let mut v: Vec<f64> = rows.iter().map(f).collect();
            v.sort_by(f64::total_cmp);
            format!("{:.1} / {:.1}", v[v.len() / 2], v[v.len() - 1])
        };
        println!(
            "| {} | {} | {} | {} | {} | {} |",
            size,
            stat(|r| r.join),
            stat(|r| r.crash_removed),
            stat(|r| r.leave_out_of_ring),
            stat(|r| r.leave_removed),
            rows.iter().map(|r| r.events).sum::<u64>() / rows.len() as u64,
        );
        for r in &rows {
            assert_eq!(r.size, size);
            // Structural expectation, not a timing: a crash is only noticed via suspicion.
            assert!(
                r.crash_removed >= 8.0,
                "crash removed before the suspicion timeout: {}",
                r.crash_removed
            );
        }
    }
}

/// 120 nodes, 5% loss: staggered joins, crashes, graceful leaves, a restart, and a partition
/// long enough for each side to declare the other dead, then healed.
#[test]
fn chaos_120_nodes_converges() {
    let n = 120;
    let mut sim = build(n, 7, 0.05);
    for i in 0..n {
        sim.start(i, 10_000 + i as u64);
        sim.run_for(Duration::from_millis(150));
    }
    assert!(
        sim.run_until_every(
            Duration::from_secs(1),
            Duration::from_secs(300),
            Sim::converged
        )
        .is_some(),
        "initial convergence"
    );

    // Crashes and graceful leaves interleaved.
    for k in 0..5 {
        sim.crash(10 + k);
        sim.leave(20 + k);
        sim.run_for(Duration::from_secs(1));
    }
    // A crashed node comes back (same name and address, new process).
    sim.run_for(Duration::from_secs(3));
    sim.start(10, 99_000);
    assert!(
        sim.run_until_every(
            Duration::from_secs(1),
            Duration::from_secs(300),
            Sim::converged
        )
        .is_some(),
        "after churn"
    );
    assert_eq!(sim.up().count(), n - 9);

    // Partition: nodes with odd index vs even index, for 60 s (longer than suspicion).
    for i in 0..n {
        sim.nodes[i].group = (i % 2) as u8;
    }
    sim.run_for(Duration::from_secs(60));
    // Each side has declared the other down.
    let odd_view = sim.members_seen_by(31);
    assert!(!odd_view.contains("node-30"), "partition was effective");
    for i in 0..n {
        sim.nodes[i].group = 0;
    }
    let healed = sim.run_until_every(
        Duration::from_secs(1),
        Duration::from_secs(600),
        Sim::converged,
    );
    println!(
        "partition of {} nodes healed after {:?} (virtual)",
        sim.up().count(),
        healed
    );
    assert!(healed.is_some(), "partition heals");
}

/// Two live processes with one name: the later one reports a conflict and never
/// participates; the name appears once in every ring; when the first one dies, the second
/// takes over.
#[test]
fn name_conflict_newcomer_stands_by() {
    let mut sim = Sim::new(3, 0.0);
    let seed = addr(0);
    for i in 0..3 {
        sim.add(&format!("node-{i}"), &addr(i), "sim", &[&seed]);
        sim.start(i, 100 + i as u64);
    }
    assert!(sim
        .run_until(Duration::from_secs(60), Sim::converged)
        .is_some());
    // A second process calling itself node-1, on another address.
    let dup = sim.add("node-1", "10.9.9.9:12345", "sim", &[&seed]);
    sim.start(dup, 500);
    sim.run_for(Duration::from_secs(30));
    let c = sim.core(dup);
    assert!(c.conflict().is_some(), "newcomer reports the conflict");
    assert_eq!(c.state(), NodeState::Viewer, "newcomer never participates");
    assert_eq!(c.metrics().name_conflicts_count(), 1);
    let original = sim.core(1);
    assert!(original.conflict().is_none());
    assert_eq!(original.state(), NodeState::Participant);
    for i in 0..3 {
        let participants = sim.participants_seen_by(i);
        assert_eq!(participants.len(), 3, "{participants:?}");
    }
    // The original dies: the stand-by takes the name over once the crash is detected.
    sim.crash(1);
    let took_over = sim.run_until(Duration::from_secs(120), |s| {
        s.core(dup).state() == NodeState::Participant && s.core(dup).conflict().is_none()
    });
    assert!(took_over.is_some(), "stand-by takes over");
    assert!(sim
        .run_until(Duration::from_secs(60), Sim::converged)
        .is_some());
}

/// A restarted process (same name and address, new start stamp) is not a conflict: the stale
/// entry is declared down at once because its address now answers as the new process.
#[test]
fn restart_on_same_address_is_not_a_conflict() {
    let mut sim = Sim::new(4, 0.0);
    let seed = addr(0);
    for i in 0..3 {
        sim.add(&format!("node-{i}"), &addr(i), "sim", &[&seed]);
        sim.start(i, 100 + i as u64);
    }
    assert!(sim
        .run_until(Duration::from_secs(60), Sim::converged)
        .is_some());
    sim.crash(2);
    sim.run_for(Duration::from_millis(500));
    sim.start(2, 900);
    let t = sim
        .run_until(Duration::from_secs(60), Sim::converged)
        .expect("converges after restart");
    assert!(
        t < Duration::from_secs(8),
        "faster than failure detection: {t:?}"
    );
    assert!(sim.core(2).conflict().is_none());
    assert_eq!(sim.core(2).metrics().name_conflicts_count(), 0);
}

/// A node whose join address is not up yet reports the failure, retries with backoff, and
/// joins once the peer starts.
#[test]
fn join_failure_is_reported_and_retried() {
    let mut sim = Sim::new(5, 0.0);
    let a = sim.add("a", &addr(0), "sim", &[]);
    let b = sim.add("b", &addr(1), "sim", &[&addr(0)]);
    sim.start(b, 2);
    sim.run_for(Duration::from_secs(12));
    assert!(sim.core(b).join_failing());
    assert!(sim.core(b).metrics().join_failures_count() >= 2);
    assert_eq!(
        sim.core(b).state(),
        NodeState::Participant,
        "works alone meanwhile"
    );
    sim.start(a, 1);
    assert!(sim
        .run_until(Duration::from_secs(60), Sim::converged)
        .is_some());
    assert!(!sim.core(b).join_failing());
}

/// Nodes configured with another cluster name never merge, and the traffic is counted.
#[test]
fn other_cluster_name_is_refused() {
    let mut sim = Sim::new(6, 0.0);
    let a = sim.add("a", &addr(0), "blue", &[]);
    let b = sim.add("b", &addr(1), "green", &[&addr(0)]);
    sim.start(a, 1);
    sim.start(b, 2);
    sim.run_for(Duration::from_secs(20));
    assert_eq!(sim.core(a).num_members(), 0);
    assert_eq!(sim.core(b).num_members(), 0);
    assert!(sim.core(a).metrics().rx_wrong_cluster_count() >= 1);
    assert!(sim.core(b).join_failing());
}

/// A process restarted on a new address (e.g. a rescheduled pod) while its old identity is
/// still listed: it cannot reach the old address, so it waits — never owning work under the
/// shared name — until the failure detector removes the old identity, then participates.
#[test]
fn restart_on_new_address_waits_for_old_identity_to_go() {
    let mut sim = Sim::new(8, 0.0);
    let seed = addr(0);
    for i in 0..3 {
        sim.add(&format!("node-{i}"), &addr(i), "sim", &[&seed]);
        sim.start(i, 100 + i as u64);
    }
    assert!(sim
        .run_until(Duration::from_secs(60), Sim::converged)
        .is_some());
    sim.crash(2);
    let moved = sim.add("node-2", "10.7.7.7:12345", "sim", &[&seed]);
    sim.start(moved, 900);
    // While the old identity is listed, the new process stays a viewer and is not in conflict.
    let mut overlap = false;
    let waited = sim.run_until(Duration::from_secs(120), |s| {
        let c = s.core(moved);
        let old_listed = s.up().any(|i| {
            i != moved
                && s.core(i)
                    .membership_state()
                    .any(|m| m.id().addr.as_str() == addr(2) && m.state() != foca::State::Down)
        });
        overlap |= old_listed && c.state() == NodeState::Participant;
        c.state() == NodeState::Participant
    });
    println!("new-address restart became participant after {waited:?} (virtual)");
    assert!(waited.is_some(), "eventually participates");
    assert!(
        !overlap,
        "never participated while the old identity was still alive somewhere"
    );
    assert!(sim.core(moved).conflict().is_none());
    assert!(sim
        .run_until(Duration::from_secs(60), Sim::converged)
        .is_some());
}
