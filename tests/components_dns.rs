//! `discovery.dns` through the real binary, against a small DNS server in the test (the agent
//! is pointed at it with `RIVER_AGENT_DNS_SERVER`).

mod common;
mod components_common;

use std::net::UdpSocket;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use common::agent::{wait_for, Agent};
use components_common::{health, targets};

const WAIT: Duration = Duration::from_secs(20);

/// Encodes a domain name as DNS labels.
fn name_bytes(name: &str) -> Vec<u8> {
    let mut out = Vec::new();
    for label in name.trim_end_matches('.').split('.') {
        out.push(label.len() as u8);
        out.extend_from_slice(label.as_bytes());
    }
    out.push(0);
    out
}

/// Reads the question of a query: (name, type, end offset of the question).
fn question(q: &[u8]) -> Option<(String, u16, usize)> {
    let mut i = 12;
    let mut labels = Vec::new();
    loop {
        let len = *q.get(i)? as usize;
        i += 1;
        if len == 0 {
            break;
        }
        labels.push(String::from_utf8_lossy(q.get(i..i + len)?).to_ascii_lowercase());
        i += len;
    }
    let qtype = u16::from_be_bytes([*q.get(i)?, *q.get(i + 1)?]);
    Some((labels.join("."), qtype, i + 4))
}

const TYPE_A: u16 = 1;
const TYPE_SRV: u16 = 33;

/// The answers the fake zone holds: (type, rdata) for a name.
fn zone(name: &str, qtype: u16, flipped: bool) -> Option<Vec<(u16, Vec<u8>)>> {
    match (name, qtype) {
        ("_node._tcp.test", TYPE_SRV) => {
            let srv = |port: u16, target: &str| {
                let mut r = vec![0, 1, 0, 1];
                r.extend_from_slice(&port.to_be_bytes());
                r.extend(name_bytes(target));
                (TYPE_SRV, r)
            };
            let mut v = vec![srv(9100, "node1.test.")];
            if flipped {
                v.push(srv(9101, "node2.test."));
            }
            Some(v)
        }
        ("hosts.test", TYPE_A) => Some(vec![
            (TYPE_A, vec![10, 0, 0, 1]),
            (TYPE_A, vec![10, 0, 0, 2]),
        ]),
        _ => None,
    }
}

/// Answers queries on a loopback UDP port until `stop` is set; `flip` changes the SRV set.
fn start_dns(stop: Arc<AtomicBool>, flip: Arc<AtomicBool>) -> String {
    let sock = UdpSocket::bind("127.0.0.1:0").unwrap();
    sock.set_read_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    let addr = sock.local_addr().unwrap().to_string();
    std::thread::spawn(move || {
        let mut buf = [0u8; 1500];
        while !stop.load(Ordering::Relaxed) {
            let Ok((n, peer)) = sock.recv_from(&mut buf) else {
                continue;
            };
            let q = &buf[..n];
            let Some((name, qtype, qend)) = question(q) else {
                continue;
            };
            let answers = zone(&name, qtype, flip.load(Ordering::Relaxed));
            let mut resp = Vec::new();
            resp.extend_from_slice(&q[0..2]);
            // QR, opcode 0, AA, RD copied; RA; rcode NOERROR or NXDOMAIN.
            resp.push(0x84 | (q[2] & 0x01));
            resp.push(if answers.is_some() { 0x80 } else { 0x83 });
            let answers = answers.unwrap_or_default();
            resp.extend_from_slice(&[0, 1]);
            resp.extend_from_slice(&(answers.len() as u16).to_be_bytes());
            resp.extend_from_slice(&[0, 0, 0, 0]);
            resp.extend_from_slice(&q[12..qend]);
            for (rtype, rdata) in answers {
                resp.extend_from_slice(&[0xC0, 0x0C]);
                resp.extend_from_slice(&rtype.to_be_bytes());
                resp.extend_from_slice(&[0, 1, 0, 0, 0, 5]);
                resp.extend_from_slice(&(rdata.len() as u16).to_be_bytes());
                resp.extend(rdata);
            }
            let _ = sock.send_to(&resp, peer);
        }
    });
    addr
}

#[test]
fn srv_and_a_records_from_a_local_server() {
    let stop = Arc::new(AtomicBool::new(false));
    let flip = Arc::new(AtomicBool::new(false));
    let server = start_dns(stop.clone(), flip.clone());
    // The only test in this binary, so changing the environment races with nothing.
    std::env::set_var("RIVER_AGENT_DNS_SERVER", &server);
    let dir = tempfile::tempdir().unwrap();
    let config = r#"
discovery.dns "srv" {
	names            = ["_node._tcp.test."]
	refresh_interval = "1s"
}

discovery.dns "a" {
	names = ["hosts.test.", "missing.test."]
	type  = "A"
	port  = 9100
}
"#;
    let mut a = Agent::start(dir.path(), config, &[]);
    a.wait_ready(WAIT);

    let srv = wait_for(WAIT, || {
        let t = targets(&a, "discovery.dns.srv", "targets");
        (!t.is_empty()).then_some(t)
    })
    .unwrap_or_else(|| panic!("no SRV targets:\n{}", a.logs()));
    assert_eq!(srv.len(), 1);
    assert_eq!(srv[0]["__address__"], "node1.test:9100");
    assert_eq!(srv[0]["__meta_dns_name"], "_node._tcp.test.");
    assert_eq!(srv[0]["__meta_dns_srv_record_target"], "node1.test.");
    assert_eq!(srv[0]["__meta_dns_srv_record_port"], "9100");

    let a_recs = wait_for(WAIT, || {
        let t = targets(&a, "discovery.dns.a", "targets");
        (!t.is_empty()).then_some(t)
    })
    .unwrap_or_else(|| panic!("no A targets:\n{}", a.logs()));
    let addrs: Vec<&str> = a_recs.iter().map(|t| t["__address__"].as_str()).collect();
    assert_eq!(addrs, vec!["10.0.0.1:9100", "10.0.0.2:9100"]);
    // A name that does not exist is no targets, not an error.
    assert_eq!(health(&a, "discovery.dns.a").0, "healthy");

    // The zone changes; the next refresh (published within the 5 s limit) shows it.
    flip.store(true, Ordering::Relaxed);
    let both = wait_for(WAIT, || {
        let t = targets(&a, "discovery.dns.srv", "targets");
        (t.len() == 2).then_some(t)
    });
    assert!(both.is_some(), "{}", a.logs());

    // The server goes away: targets stay, the component says why.
    stop.store(true, Ordering::Relaxed);
    let down = wait_for(Duration::from_secs(40), || {
        let (st, msg) = health(&a, "discovery.dns.srv");
        (st == "unhealthy").then_some(msg)
    });
    assert!(
        down.is_some_and(|m| m.contains("_node._tcp.test")),
        "{}",
        a.logs()
    );
    assert_eq!(targets(&a, "discovery.dns.srv", "targets").len(), 2);
    assert!(a.stop(WAIT).is_some_and(|s| s.success()));
}
