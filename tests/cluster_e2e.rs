//! Clusters of real `agent` processes on loopback: convergence, crash detection, restarts,
//! freezing, graceful leave, name conflicts, wait-for-size, TLS and HTTP/1.1 gossip, and a
//! network partition (made by fault-injecting proxies, `common/proxy.rs`) that heals.
//!
//! Membership and readiness are checked through `/api/v0/web/peers`, `/metrics` and
//! `/-/ready`, as an operator would. Durations are printed (`--nocapture`) and only bounded
//! by generous timeouts, never asserted as performance (the one lower bound checked is that
//! a wait timeout does not end early). Heavier measurements: `tests/cluster_bench.rs`.
#![cfg(target_os = "linux")]

mod cluster_support;
mod common;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use cluster_support::{cl, metrics, participants, peers, range, wait_until, Cluster, JoinStyle};
use common::agent::get;
use common::proxy::{dialers_of, Network, Proxy};

/// Generous bound for anything that should take a few seconds (loaded CI machines).
const CONVERGE: Duration = Duration::from_secs(60);
/// Bound for failure detection (~10–15 s expected) on a loaded machine.
const DETECT: Duration = Duration::from_secs(90);

#[test]
fn three_then_five_nodes_converge() {
    let mut c = Cluster::new(5, false, JoinStyle::First, &[]);
    for _ in 0..3 {
        c.start_node(&[]);
    }
    let t = c.wait_converged(&range(3), &range(3), CONVERGE);
    println!("3 nodes converged {t:?} after the last start");
    for _ in 0..2 {
        c.start_node(&[]);
    }
    let t = c.wait_converged(&range(5), &range(5), CONVERGE);
    println!("5 nodes converged {t:?} after the last start");

    for (i, n) in c.nodes.iter().enumerate() {
        let p = peers(&n.listen).expect("peers");
        let me: Vec<_> = p.iter().filter(|p| p.is_self).collect();
        assert_eq!(me.len(), 1, "exactly one self entry on {i}: {p:?}");
        assert_eq!(me[0].name, n.name);
        assert_eq!(me[0].addr, n.advertise, "self advertises its address");
        let m = metrics(&n.listen).expect("metrics");
        let gauge = |state| m.must("cluster_node_peers", &[cl(), ("state", state)]);
        assert_eq!(gauge("participant"), 5.0, "node {i}");
        assert_eq!(gauge("viewer"), 0.0, "node {i}");
        assert_eq!(m.must("cluster_ready_for_traffic", &[cl()]), 1.0);
        assert_eq!(
            m.must("cluster_node_info", &[cl(), ("state", "participant")]),
            1.0
        );
        assert!(m.must("cluster_transport_tx_bytes_total", &[cl()]) > 0.0);
        assert!(m.must("cluster_transport_rx_bytes_total", &[cl()]) > 0.0);
    }
}

#[test]
fn crash_is_detected_and_restarted_node_rejoins() {
    let mut c = Cluster::new(3, false, JoinStyle::All, &[]);
    for _ in 0..3 {
        c.start_node(&[]);
    }
    c.wait_converged(&range(3), &range(3), CONVERGE);

    c.nodes[2].agent.kill9();
    let t = c.wait_converged(&[0, 1], &[0, 1], DETECT);
    println!("kill -9 of 1 of 3 nodes: removed from every peer list after {t:?}");
    for i in [0, 1] {
        let m = metrics(&c.nodes[i].listen).unwrap();
        assert!(
            m.must(
                "cluster_node_gossip_received_events_total",
                &[cl(), ("event", "node_leave")]
            ) >= 1.0
        );
    }

    // Restarted after it was declared down: it rejoins under the same name.
    c.restart(2);
    let t = c.wait_converged(&range(3), &range(3), CONVERGE);
    println!("restarted node rejoined after {t:?}");
    let m = metrics(&c.nodes[2].listen).unwrap();
    assert_eq!(m.must("cluster_node_name_conflict", &[cl()]), 0.0);

    // Restarted before anyone noticed the crash: the new process on the same address
    // replaces the stale entry without waiting for failure detection, and is no conflict.
    c.nodes[2].agent.kill9();
    let killed = Instant::now();
    c.restart(2);
    let new_addr = c.nodes[2].advertise.clone();
    wait_until(
        CONVERGE,
        "the quickly restarted node to be a participant everywhere, listed once",
        || {
            c.all_see(&range(3), &range(3))
                && range(3).iter().all(|&i| {
                    peers(&c.nodes[i].listen).is_some_and(|p| {
                        p.iter().filter(|p| p.name == "node-2").count() == 1
                            && p.iter().any(|p| p.name == "node-2" && p.addr == new_addr)
                    })
                })
        },
        || c.describe(),
    );
    println!(
        "kill -9 + immediate restart: back as participant everywhere after {:?}",
        killed.elapsed()
    );
    let m = metrics(&c.nodes[2].listen).unwrap();
    assert_eq!(m.must("cluster_node_name_conflict", &[cl()]), 0.0);
    assert_eq!(get(&c.nodes[2].listen, "/-/ready").0, 200);
}

/// What an observer saw of the leaving node on its peers.
#[derive(Debug, Default)]
struct LeaveObservations {
    /// (elapsed, source, state) transitions, deduplicated per source.
    seen: Vec<(Duration, String, String)>,
}

#[test]
fn graceful_stop_passes_through_terminating_and_leaves() {
    let mut c = Cluster::new(3, false, JoinStyle::First, &[]);
    for _ in 0..3 {
        c.start_node(&[]);
    }
    c.wait_converged(&range(3), &range(3), CONVERGE);

    // Watch node-2's state on both peers, through the peers API and the state gauge, while
    // it shuts down.
    let peers_of: Vec<String> = [0, 1].iter().map(|&i| c.nodes[i].listen.clone()).collect();
    let obs = Arc::new(Mutex::new(LeaveObservations::default()));
    let stop = Arc::new(AtomicBool::new(false));
    let start = Instant::now();
    let watcher = {
        let (obs, stop) = (obs.clone(), stop.clone());
        std::thread::spawn(move || {
            let mut last: std::collections::HashMap<String, String> = Default::default();
            while !stop.load(Ordering::SeqCst) {
                for addr in &peers_of {
                    let api = peers(addr).map(|p| {
                        p.iter()
                            .find(|p| p.name == "node-2")
                            .map_or("gone".to_string(), |p| p.state.clone())
                    });
                    let gauge = metrics(addr).map(|m| {
                        let t = m.get("cluster_node_peers", &[cl(), ("state", "terminating")]);
                        if t.unwrap_or(0.0) > 0.0 {
                            "terminating".to_string()
                        } else {
                            "not terminating".to_string()
                        }
                    });
                    for (src, v) in [
                        (format!("{addr} peers"), api),
                        (format!("{addr} gauge"), gauge),
                    ] {
                        let Some(v) = v else { continue };
                        if last.get(&src) != Some(&v) {
                            last.insert(src.clone(), v.clone());
                            obs.lock().unwrap().seen.push((start.elapsed(), src, v));
                        }
                    }
                }
                std::thread::sleep(Duration::from_millis(20));
            }
        })
    };
    std::thread::sleep(Duration::from_millis(200));
    let sigterm = start.elapsed();
    let status = c.nodes[2]
        .agent
        .stop(Duration::from_secs(30))
        .expect("node-2 exits after SIGTERM");
    let exited = start.elapsed();
    assert!(status.success(), "{status}:\n{}", c.nodes[2].agent.logs());
    let t = c.wait_converged(&[0, 1], &[0, 1], CONVERGE);
    stop.store(true, Ordering::SeqCst);
    watcher.join().unwrap();
    println!(
        "SIGTERM → exit in {:?}; gone from every peer list {:?} after exit",
        exited - sigterm,
        t
    );
    let seen = std::mem::take(&mut obs.lock().unwrap().seen);
    for s in &seen {
        println!("  {:>8.3}s {} = {}", s.0.as_secs_f64(), s.1, s.2);
    }

    // The node says it went participant → terminating and then left.
    let logs = c.nodes[2].agent.logs();
    let term = logs
        .find("to=terminating")
        .unwrap_or_else(|| panic!("no transition to terminating in the log:\n{logs}"));
    let left = logs
        .find("left the cluster")
        .unwrap_or_else(|| panic!("no 'left the cluster' in the log:\n{logs}"));
    assert!(term < left, "{logs}");

    // A peer saw it terminating before it was gone.
    let first = |pred: &dyn Fn(&str, &str) -> bool| {
        seen.iter()
            .filter(|(_, src, v)| pred(src, v))
            .map(|(t, _, _)| *t)
            .min()
    };
    let terminating = first(&|_, v| v == "terminating")
        .unwrap_or_else(|| panic!("no peer observed node-2 terminating: {seen:#?}"));
    let gone = first(&|src, v| src.ends_with("peers") && v == "gone")
        .unwrap_or_else(|| panic!("no peer observed node-2 gone: {seen:#?}"));
    assert!(terminating >= sigterm, "{seen:#?}");
    assert!(terminating < gone, "{seen:#?}");
    // Leaving is announced: at least one peer counted a leave event for it.
    let leaves: f64 = [0, 1]
        .iter()
        .map(|&i| {
            metrics(&c.nodes[i].listen).unwrap().must(
                "cluster_node_gossip_received_events_total",
                &[cl(), ("event", "node_leave")],
            )
        })
        .sum();
    assert!(leaves >= 1.0);
}

#[test]
fn duplicate_node_name_is_refused() {
    let mut c = Cluster::new(3, false, JoinStyle::First, &[]);
    c.start_node(&[]);
    c.start_node(&[]);
    c.wait_converged(&range(2), &range(2), CONVERGE);
    let original = c.nodes[1].listen.clone();

    // A second process named node-1 joins the same cluster.
    let dup = c.start_named("node-1", &[]);
    let dup_addr = c.nodes[dup].listen.clone();
    let t = wait_until(
        CONVERGE,
        "the duplicate to report the name conflict",
        || {
            let ready = get(&dup_addr, "/-/ready");
            let m = metrics(&dup_addr);
            ready.0 == 503
                && ready.1.contains("conflict")
                && m.is_some_and(|m| {
                    m.get("cluster_node_name_conflict", &[cl()]) == Some(1.0)
                        && m.get("cluster_ready_for_traffic", &[cl()]) == Some(0.0)
                })
        },
        || c.describe(),
    );
    println!("duplicate name refused after {t:?}");

    // For a while, check again and again that only the original works.
    for _ in 0..10 {
        for (i, n) in c.nodes.iter().enumerate() {
            let p = peers(&n.listen).expect("peers");
            let named: Vec<_> = p.iter().filter(|p| p.name == "node-1").collect();
            let working: Vec<_> = named.iter().filter(|p| p.state != "viewer").collect();
            assert!(
                working.len() <= 1,
                "node {i} sees two working node-1: {p:?}"
            );
            if let Some(w) = working.first() {
                assert_eq!(w.addr, original, "node {i}: only the original works: {p:?}");
            }
        }
        let dup_peers = peers(&dup_addr).unwrap();
        let me = dup_peers.iter().find(|p| p.is_self).unwrap();
        assert_eq!(me.state, "viewer", "{dup_peers:?}");
        let m = metrics(&dup_addr).unwrap();
        assert_eq!(m.must("cluster_node_name_conflict", &[cl()]), 1.0);
        assert_eq!(m.must("cluster_ready_for_traffic", &[cl()]), 0.0);
        assert_eq!(
            m.must("cluster_node_info", &[cl(), ("state", "viewer")]),
            1.0
        );
        assert_eq!(get(&dup_addr, "/-/ready").0, 503);
        // The original is unaffected.
        assert_eq!(get(&original, "/-/ready").0, 200);
        let m = metrics(&original).unwrap();
        assert_eq!(m.must("cluster_node_name_conflict", &[cl()]), 0.0);
        assert_eq!(m.must("cluster_ready_for_traffic", &[cl()]), 1.0);
        std::thread::sleep(Duration::from_millis(300));
    }
    let p = peers(&c.nodes[0].listen).unwrap();
    assert_eq!(participants(&p).len(), 2, "{p:?}");

    // When the original dies, the newcomer takes over the name.
    c.nodes[1].agent.kill9();
    let dup_advertise = c.nodes[dup].advertise.clone();
    let only_dup = |listen: &str| {
        peers(listen).is_some_and(|p| {
            let n1: Vec<_> = p.iter().filter(|p| p.name == "node-1").collect();
            n1.len() == 1 && n1[0].addr == dup_advertise && n1[0].state == "participant"
        })
    };
    let t = wait_until(
        DETECT,
        "the duplicate to take over after the original died",
        || {
            get(&dup_addr, "/-/ready").0 == 200
                && metrics(&dup_addr).is_some_and(|m| {
                    m.get("cluster_node_name_conflict", &[cl()]) == Some(0.0)
                        && m.get("cluster_ready_for_traffic", &[cl()]) == Some(1.0)
                })
                && c.all_see(&[0, dup], &[0, 1])
                && only_dup(&c.nodes[0].listen)
                && only_dup(&dup_addr)
        },
        || c.describe(),
    );
    println!("duplicate took over {t:?} after the original was killed");
}

#[test]
fn wait_for_size_gates_readiness() {
    let mut c = Cluster::new(3, false, JoinStyle::First, &["--cluster.wait-for-size=3"]);
    c.start_node(&[]);
    c.start_node(&[]);
    c.wait_converged(&range(2), &range(2), CONVERGE);
    let ready = |c: &Cluster, i: usize| {
        metrics(&c.nodes[i].listen).map(|m| m.must("cluster_ready_for_traffic", &[cl()]))
    };
    // Two participants of three wanted: not ready, and staying so.
    for _ in 0..5 {
        for i in 0..2 {
            let m = metrics(&c.nodes[i].listen).unwrap();
            assert_eq!(m.must("cluster_minimum_size", &[cl()]), 3.0);
            assert_eq!(
                m.must("cluster_ready_for_traffic", &[cl()]),
                0.0,
                "node {i}"
            );
        }
        std::thread::sleep(Duration::from_millis(300));
    }
    c.start_node(&[]);
    c.wait_converged(&range(3), &range(3), CONVERGE);
    let t = wait_until(
        CONVERGE,
        "all three to be ready for traffic",
        || (0..3).all(|i| ready(&c, i) == Some(1.0)),
        || c.describe(),
    );
    println!("wait-for-size=3 passed {t:?} after the cluster converged");

    // Alone, waiting for two nodes with a 3 s timeout: not ready, then ready anyway.
    let mut solo = Cluster::new(
        1,
        false,
        JoinStyle::First,
        &["--cluster.wait-for-size=2", "--cluster.wait-timeout=3s"],
    );
    let started = Instant::now();
    solo.start_node(&[]);
    let addr = solo.nodes[0].listen.clone();
    let first = wait_until(
        CONVERGE,
        "the lone node's metrics",
        || {
            metrics(&addr)
                .and_then(|m| m.get("cluster_ready_for_traffic", &[cl()]))
                .is_some()
        },
        || solo.describe(),
    );
    let m = metrics(&addr).unwrap();
    assert_eq!(
        m.must("cluster_ready_for_traffic", &[cl()]),
        0.0,
        "not ready before the wait timeout ({first:?} after start)"
    );
    wait_until(
        CONVERGE,
        "the wait timeout to expire",
        || metrics(&addr).is_some_and(|m| m.get("cluster_ready_for_traffic", &[cl()]) == Some(1.0)),
        || solo.describe(),
    );
    let waited = started.elapsed();
    println!("wait-timeout=3s: ready {waited:?} after start");
    assert!(
        waited >= Duration::from_secs(3),
        "ready before the timeout: {waited:?}"
    );
    assert_eq!(
        metrics(&addr)
            .unwrap()
            .must("cluster_node_peers", &[cl(), ("state", "participant")]),
        1.0
    );
}

#[test]
fn partition_heals_by_itself() {
    let mut c = Cluster::new(4, true, JoinStyle::All, &["--cluster.rejoin-interval=5s"]);
    for _ in 0..4 {
        c.start_node(&[]);
    }
    c.wait_converged(&range(4), &range(4), CONVERGE);
    // Every peer is known by its proxy's address.
    let p = peers(&c.nodes[0].listen).unwrap();
    for n in &c.nodes {
        let proxy = n.proxy.as_ref().unwrap().addr.to_string();
        assert!(
            p.iter().any(|x| x.name == n.name && x.addr == proxy),
            "{p:?}"
        );
    }

    // No node dials another directly: all gossip crosses the proxies.
    let pids: Vec<u32> = c
        .nodes
        .iter()
        .filter_map(|n| n.agent.child.as_ref().map(|ch| ch.id()))
        .collect();
    for n in &c.nodes {
        let port: u16 = n.listen.rsplit(':').next().unwrap().parse().unwrap();
        assert_eq!(
            dialers_of(port, &pids),
            Vec::<u32>::new(),
            "{} is dialled directly",
            n.name
        );
    }

    // Control: the proxies (in this process) do hold connections to the listeners.
    let me = [std::process::id()];
    assert!(c.nodes.iter().any(|n| {
        let port: u16 = n.listen.rsplit(':').next().unwrap().parse().unwrap();
        !dialers_of(port, &me).is_empty()
    }));

    c.net.partition(&[&[0, 1], &[2, 3]]);
    let split = Instant::now();
    let t = wait_until(
        DETECT,
        "each side to drop the other",
        || c.all_see(&[0, 1], &[0, 1]) && c.all_see(&[2, 3], &[2, 3]),
        || c.describe(),
    );
    println!("partition 2|2: each side dropped the other after {t:?}");
    // Stay split a little longer than a rejoin interval: rejoins across the cut fail.
    std::thread::sleep(Duration::from_secs(6));
    assert!(
        c.all_see(&[0, 1], &[0, 1]) && c.all_see(&[2, 3], &[2, 3]),
        "{}",
        c.describe()
    );

    c.net.heal();
    let t = c.wait_converged(&range(4), &range(4), CONVERGE);
    println!(
        "partition healed: merged {t:?} after the network was restored ({:?} after the split)",
        split.elapsed()
    );
    for i in range(4) {
        let m = metrics(&c.nodes[i].listen).unwrap();
        assert_eq!(m.must("cluster_ready_for_traffic", &[cl()]), 1.0);
    }
}

/// The proxy itself: forwards, tells processes apart, black-holes across a cut, and closes
/// cut connections when healed.
#[test]
fn proxy_cuts_and_heals() {
    use std::io::{Read, Write};
    let echo = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let target = echo.local_addr().unwrap();
    std::thread::spawn(move || {
        for s in echo.incoming() {
            let Ok(mut s) = s else { continue };
            std::thread::spawn(move || {
                let mut buf = [0u8; 1024];
                while let Ok(n) = s.read(&mut buf) {
                    if n == 0 || s.write_all(&buf[..n]).is_err() {
                        break;
                    }
                }
            });
        }
    });
    let net = Network::new();
    // This test process plays node 0; the echo server is node 1.
    net.set_pid(0, std::process::id());
    let proxy = Proxy::start(&net, 1, target);
    let roundtrip = |s: &mut std::net::TcpStream| -> bool {
        let mut buf = [0u8; 5];
        s.write_all(b"hello").is_ok() && s.read_exact(&mut buf).is_ok() && &buf == b"hello"
    };
    let dial = || {
        let s = std::net::TcpStream::connect(proxy.addr).unwrap();
        s.set_read_timeout(Some(Duration::from_millis(500)))
            .unwrap();
        s
    };
    let mut s = dial();
    assert!(roundtrip(&mut s));
    let sent = net.sent_by(0);
    assert_eq!(sent, 5, "counted as node 0's traffic: {:?}", net.traffic());
    assert_eq!(net.received_by(1), 5);

    net.partition(&[&[0], &[1]]);
    assert!(!roundtrip(&mut s), "existing connection is cut");
    let mut s2 = dial();
    assert!(!roundtrip(&mut s2), "new connection is cut");
    // Other groups still talk: node 0 and 1 on the same side.
    net.partition(&[&[0, 1]]);
    let mut s3 = dial();
    assert!(roundtrip(&mut s3));

    net.partition(&[&[0], &[1]]);
    net.heal();
    // Connections cut before the heal are closed; new ones work.
    let mut buf = [0u8; 1];
    assert!(matches!(s2.read(&mut buf), Ok(0) | Err(_)));
    let mut s4 = dial();
    assert!(roundtrip(&mut s4));
    drop(proxy);
}

/// A CA and one certificate for `agents.internal` (server and client use), made with the
/// openssl CLI in `dir`; `None` when openssl is missing. Returns (ca, cert, key) paths.
fn make_certs(dir: &std::path::Path) -> Option<[String; 3]> {
    let run = |args: &[&str]| {
        std::process::Command::new("openssl")
            .args(args)
            .current_dir(dir)
            .output()
            .map(|o| o.status.success())
            .unwrap_or(false)
    };
    let key = [
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
    ];
    let ca = [
        &["req", "-x509"][..],
        &key,
        &[
            "-keyout",
            "ca.key",
            "-out",
            "ca.pem",
            "-days",
            "1",
            "-subj",
            "/CN=e2e-ca",
        ],
    ]
    .concat();
    let csr = [
        &["req"][..],
        &key,
        &[
            "-keyout",
            "key.pem",
            "-out",
            "req.csr",
            "-subj",
            "/CN=agents.internal",
        ],
    ]
    .concat();
    std::fs::write(
        dir.join("ext.cnf"),
        "subjectAltName=DNS:agents.internal\nextendedKeyUsage=serverAuth,clientAuth\n",
    )
    .ok()?;
    let sign = [
        "x509",
        "-req",
        "-in",
        "req.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        "cert.pem",
        "-days",
        "1",
        "-extfile",
        "ext.cnf",
    ];
    (run(&ca) && run(&csr) && run(&sign))
        .then(|| ["ca.pem", "cert.pem", "key.pem"].map(|f| dir.join(f).display().to_string()))
}

/// Three nodes serving HTTPS and gossiping over TLS, as documented in docs/clustering.md.
#[test]
fn tls_cluster_converges() {
    let certs_dir = tempfile::tempdir().unwrap();
    let Some([ca, cert, key]) = make_certs(certs_dir.path()) else {
        eprintln!("openssl is not installed: skipping the TLS cluster test");
        return;
    };
    let flags = [
        format!("--server.http.tls-cert-file={cert}"),
        format!("--server.http.tls-key-file={key}"),
        "--cluster.enable-tls".to_string(),
        format!("--cluster.tls-ca-path={ca}"),
        format!("--cluster.tls-cert-path={cert}"),
        format!("--cluster.tls-key-path={key}"),
        "--cluster.tls-server-name=agents.internal".to_string(),
    ];
    let flags: Vec<&str> = flags.iter().map(String::as_str).collect();
    let mut c = Cluster::new(3, false, JoinStyle::First, &flags);
    for _ in 0..3 {
        c.start_node(&[]);
    }
    // The HTTP API is HTTPS now: read the peer lists with a client trusting the test CA.
    let rt = tokio::runtime::Runtime::new().unwrap();
    let root = reqwest::Certificate::from_pem(&std::fs::read(&ca).unwrap()).unwrap();
    let client = reqwest::Client::builder()
        .tls_certs_only([root])
        .resolve("agents.internal", "127.0.0.1:0".parse().unwrap())
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    let https_participants = |listen: &str| -> Option<Vec<String>> {
        let port = listen.rsplit(':').next()?;
        let url = format!("https://agents.internal:{port}/api/v0/web/peers");
        let body: serde_json::Value = rt.block_on(async {
            let bytes = client.get(&url).send().await.ok()?.bytes().await.ok()?;
            serde_json::from_slice(&bytes).ok()
        })?;
        let mut names: Vec<String> = body
            .as_array()?
            .iter()
            .filter(|p| p["state"] == "participant")
            .filter_map(|p| p["name"].as_str().map(str::to_string))
            .collect();
        names.sort();
        Some(names)
    };
    let want: Vec<String> = (0..3).map(Cluster::name).collect();
    let t = wait_until(
        CONVERGE,
        "three TLS nodes to converge",
        || {
            c.nodes
                .iter()
                .all(|n| https_participants(&n.listen).as_ref() == Some(&want))
        },
        || c.describe(),
    );
    println!("3 TLS nodes converged {t:?} after the last start");
    // Plain HTTP is not served any more.
    assert_ne!(get(&c.nodes[0].listen, "/api/v0/web/peers").0, 200);
}

/// A node restarted on a new address (a rescheduled pod) waits as a viewer until the old
/// process is confirmed gone, so the name never works twice; then it takes over.
#[test]
fn restart_on_new_address_waits_for_the_old_identity() {
    let mut c = Cluster::new(4, false, JoinStyle::All, &[]);
    for _ in 0..3 {
        c.start_node(&[]);
    }
    c.wait_converged(&range(3), &range(3), CONVERGE);
    c.nodes[2].agent.kill9();
    let moved = c.start_named("node-2", &[]);
    let new_addr = c.nodes[moved].advertise.clone();
    let observers = [0, 1, moved];
    let mut saw_waiting = false;
    let t = wait_until(
        DETECT,
        "the moved node to take over its name",
        || {
            let lists: Vec<_> = observers
                .iter()
                .filter_map(|&i| peers(&c.nodes[i].listen))
                .collect();
            for p in &lists {
                let working = p
                    .iter()
                    .filter(|p| p.name == "node-2" && p.state != "viewer")
                    .count();
                assert!(working <= 1, "two node-2 work at once: {p:?}");
            }
            if let Some(p) = peers(&c.nodes[moved].listen) {
                let me = p.iter().find(|p| p.is_self).map(|p| p.state.clone());
                if p.iter().filter(|p| p.name == "node-2").count() == 2 {
                    assert_eq!(
                        me.as_deref(),
                        Some("viewer"),
                        "works while the old one is listed: {p:?}"
                    );
                    saw_waiting = true;
                }
            }
            lists.len() == 3
                && lists.iter().all(|p| {
                    let n2: Vec<_> = p.iter().filter(|p| p.name == "node-2").collect();
                    n2.len() == 1 && n2[0].addr == new_addr && n2[0].state == "participant"
                })
        },
        || c.describe(),
    );
    println!("node-2 moved to a new address: participant everywhere after {t:?} (saw it wait: {saw_waiting})");
    let m = metrics(&c.nodes[moved].listen).unwrap();
    assert_eq!(m.must("cluster_node_name_conflict", &[cl()]), 0.0);
}

/// Nodes with another `--cluster.name` are refused and counted; gossip also works over
/// HTTP/1.1 (`--cluster.peer-http-version=http1`).
#[test]
fn other_cluster_name_is_refused_and_http1_gossip_works() {
    let mut c = Cluster::new(
        3,
        false,
        JoinStyle::First,
        &["--cluster.peer-http-version=http1"],
    );
    c.start_node(&[]);
    c.start_node(&[]);
    let t = c.wait_converged(&range(2), &range(2), CONVERGE);
    println!("2 nodes gossiping over HTTP/1.1 converged after {t:?}");

    let stranger = c.start_in("elsewhere", "stranger", &[]);
    let addr = c.nodes[stranger].listen.clone();
    wait_until(
        CONVERGE,
        "the stranger to give up joining",
        || {
            metrics(&addr).is_some_and(|m| {
                m.get(
                    "cluster_node_join_failing",
                    &[("cluster_name", "elsewhere")],
                ) == Some(1.0)
            })
        },
        || c.describe(),
    );
    let m = metrics(&c.nodes[0].listen).unwrap();
    assert!(m.must("cluster_transport_rx_wrong_cluster_total", &[cl()]) >= 1.0);
    assert!(c.all_see(&range(2), &range(2)), "{}", c.describe());
    let p = peers(&addr).unwrap();
    assert_eq!(p.len(), 1, "the stranger is alone: {p:?}");
}

/// Stopping every node at once (a whole deployment going away): each exits cleanly, without
/// waiting forever for peers that are leaving too.
#[test]
fn whole_cluster_stops_at_once() {
    let mut c = Cluster::new(3, false, JoinStyle::First, &[]);
    for _ in 0..3 {
        c.start_node(&[]);
    }
    c.wait_converged(&range(3), &range(3), CONVERGE);
    let start = Instant::now();
    for n in &c.nodes {
        n.agent.signal("TERM");
    }
    for n in c.nodes.iter_mut() {
        let st = n.agent.stop(Duration::from_secs(30));
        let st = st.unwrap_or_else(|| panic!("{} did not exit:\n{}", n.name, n.agent.logs()));
        assert!(st.success(), "{}: {st}\n{}", n.name, n.agent.logs());
        assert!(
            n.agent.logs().contains("left the cluster"),
            "{}",
            n.agent.logs()
        );
    }
    println!(
        "3 nodes stopped at once: all exited after {:?}",
        start.elapsed()
    );
}

/// A node frozen (SIGSTOP) longer than failure detection is dropped; once it resumes
/// (SIGCONT) it learns it was declared down, rejoins under a renewed identity and works again.
#[test]
fn frozen_node_is_dropped_and_comes_back() {
    let mut c = Cluster::new(3, false, JoinStyle::First, &[]);
    for _ in 0..3 {
        c.start_node(&[]);
    }
    c.wait_converged(&range(3), &range(3), CONVERGE);
    c.nodes[2].agent.signal("STOP");
    let t = c.wait_converged(&[0, 1], &[0, 1], DETECT);
    println!("frozen node dropped after {t:?}");
    c.nodes[2].agent.signal("CONT");
    let t = c.wait_converged(&range(3), &range(3), CONVERGE);
    println!("resumed node back as participant everywhere after {t:?}");
    let logs = c.nodes[2].agent.logs();
    assert!(
        logs.contains("rejoined the cluster after being declared down"),
        "{logs}"
    );
}

/// Settings that would silently isolate a node refuse to start instead, with a clear error.
#[test]
fn unusable_cluster_flags_refuse_to_start() {
    let dir = tempfile::tempdir().unwrap();
    let cases: [(&[&str], &str); 3] = [
        (
            &[
                "--cluster.enabled",
                "--cluster.advertise-interfaces=nosuchif0",
            ],
            "cannot infer the address to advertise",
        ),
        (
            &["--cluster.enabled", "--cluster.discover-peers=provider=aws"],
            "--cluster.discover-peers is not supported",
        ),
        (
            &["--cluster.enabled", "--cluster.enable-tls"],
            "--cluster.enable-tls requires",
        ),
    ];
    for (i, (flags, message)) in cases.iter().enumerate() {
        let mut a = common::agent::Agent::start(
            &dir.path().join(i.to_string()),
            cluster_support::CONFIG,
            flags,
        );
        let st = common::agent::wait_for(Duration::from_secs(20), || {
            a.child.as_mut().and_then(|c| c.try_wait().ok().flatten())
        })
        .unwrap_or_else(|| panic!("{flags:?}: still running:\n{}", a.logs()));
        assert!(!st.success(), "{flags:?}: {st}");
        assert!(a.logs().contains(message), "{flags:?}:\n{}", a.logs());
        a.child = None;
    }
}
