//! A fault-injecting TCP proxy for multi-process cluster tests (Linux only).
//!
//! Each node gets a [`Proxy`] in front of its listener and advertises the proxy's address, so
//! every byte of gossip between nodes crosses a proxy. All proxies share one [`Network`],
//! which knows which OS process is which node. On accept, a proxy finds the process that
//! opened the connection (its socket's inode in `/proc/net/tcp`, then the process holding
//! that inode under `/proc/<pid>/fd`), so a partition can cut exactly the connections between
//! two groups of nodes, in both directions, whatever protocol runs on top.
//!
//! A cut connection is a black hole: bytes are read and discarded, nothing is answered, as on
//! a network that drops packets (clients see timeouts, not resets). When the partition is
//! healed, black-holed connections are closed so that clients reconnect.
//!
//! The proxy also counts the bytes it forwards per (source node, destination node) pair: the
//! real wire traffic of the cluster, HTTP framing and sync exchanges included.
#![allow(dead_code)]

use std::collections::HashMap;
use std::io::{ErrorKind, Read, Write};
use std::net::{Ipv4Addr, Shutdown, SocketAddr, SocketAddrV4, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

/// Index of a node in a test cluster.
pub type NodeId = usize;

/// Which way bytes flow through a proxied connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    /// Client (the dialling node) to the node behind the proxy: requests.
    Request,
    /// Node behind the proxy back to the client: responses.
    Response,
}

/// Bytes forwarded between two nodes; `from` is `None` for processes that are not nodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Link {
    /// The node that opened the connection.
    pub from: Option<NodeId>,
    /// The node behind the proxy.
    pub to: NodeId,
    /// Which half of the exchange.
    pub dir: Direction,
}

struct Conn {
    from: Option<NodeId>,
    to: NodeId,
    proxy: u64,
    black_hole: AtomicBool,
    sockets: Vec<TcpStream>,
}

impl Conn {
    fn close(&self) {
        for s in &self.sockets {
            let _ = s.shutdown(Shutdown::Both);
        }
    }
}

#[derive(Default)]
struct NetInner {
    pids: HashMap<u32, NodeId>,
    /// Side of each node while a partition holds.
    sides: Option<HashMap<NodeId, usize>>,
    conns: Vec<Arc<Conn>>,
    traffic: HashMap<Link, u64>,
    next_proxy: u64,
}

impl NetInner {
    fn cut(&self, from: Option<NodeId>, to: NodeId) -> bool {
        match (&self.sides, from) {
            (Some(sides), Some(from)) => sides.get(&from) != sides.get(&to),
            _ => false,
        }
    }
}

/// The shared state of every proxy of one test cluster: who is who, the current partition
/// and the traffic counters.
#[derive(Clone, Default)]
pub struct Network {
    inner: Arc<Mutex<NetInner>>,
}

impl Network {
    /// A network with no partition.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records that OS process `pid` is node `node` (call again after a restart).
    pub fn set_pid(&self, node: NodeId, pid: u32) {
        let mut n = self.inner.lock().unwrap();
        n.pids.retain(|_, v| *v != node);
        n.pids.insert(pid, node);
    }

    /// Cuts every connection between nodes of different groups (nodes in no group form a
    /// group of their own). Existing connections across the cut become black holes.
    pub fn partition(&self, groups: &[&[NodeId]]) {
        let mut n = self.inner.lock().unwrap();
        let sides: HashMap<NodeId, usize> = groups
            .iter()
            .enumerate()
            .flat_map(|(side, nodes)| nodes.iter().map(move |&node| (node, side)))
            .collect();
        n.sides = Some(sides);
        for c in &n.conns {
            if n.cut(c.from, c.to) {
                c.black_hole.store(true, Ordering::SeqCst);
            }
        }
    }

    /// Ends the partition: black-holed connections are closed so clients dial again.
    pub fn heal(&self) {
        let mut n = self.inner.lock().unwrap();
        n.sides = None;
        n.conns.retain(|c| {
            if c.black_hole.load(Ordering::SeqCst) {
                c.close();
                false
            } else {
                true
            }
        });
    }

    /// Bytes forwarded so far, per link.
    pub fn traffic(&self) -> HashMap<Link, u64> {
        self.inner.lock().unwrap().traffic.clone()
    }

    /// Bytes node `node` has sent so far (requests it made + responses it gave), counting
    /// only traffic between nodes.
    pub fn sent_by(&self, node: NodeId) -> u64 {
        self.traffic()
            .iter()
            .filter(|(l, _)| {
                l.from.is_some()
                    && match l.dir {
                        Direction::Request => l.from == Some(node),
                        Direction::Response => l.to == node,
                    }
            })
            .map(|(_, b)| b)
            .sum()
    }

    /// Bytes node `node` has received so far, counting only traffic between nodes.
    pub fn received_by(&self, node: NodeId) -> u64 {
        self.traffic()
            .iter()
            .filter(|(l, _)| {
                l.from.is_some()
                    && match l.dir {
                        Direction::Request => l.to == node,
                        Direction::Response => l.from == Some(node),
                    }
            })
            .map(|(_, b)| b)
            .sum()
    }

    fn count(&self, link: Link, n: usize) {
        *self.inner.lock().unwrap().traffic.entry(link).or_default() += n as u64;
    }

    fn register(&self, conn: Arc<Conn>) -> bool {
        let mut n = self.inner.lock().unwrap();
        if n.cut(conn.from, conn.to) {
            conn.black_hole.store(true, Ordering::SeqCst);
        }
        n.conns.push(conn.clone());
        conn.black_hole.load(Ordering::SeqCst)
    }

    fn forget(&self, conn: &Arc<Conn>) {
        self.inner
            .lock()
            .unwrap()
            .conns
            .retain(|c| !Arc::ptr_eq(c, conn));
    }

    fn node_of_peer(&self, peer: SocketAddr, local: SocketAddr) -> Option<NodeId> {
        let pids: Vec<(u32, NodeId)> = {
            let n = self.inner.lock().unwrap();
            n.pids.iter().map(|(p, n)| (*p, *n)).collect()
        };
        let inode = socket_inode(peer, local)?;
        let target = format!("socket:[{inode}]");
        pids.into_iter()
            .find(|(pid, _)| process_holds(*pid, &target))
            .map(|(_, node)| node)
    }
}

/// A TCP proxy in front of one node's listener; stops when dropped.
pub struct Proxy {
    /// `127.0.0.1:<port>` to advertise instead of the node's own address.
    pub addr: SocketAddr,
    id: u64,
    net: Network,
    stop: Arc<AtomicBool>,
}

impl Proxy {
    /// Starts a proxy for node `to`, forwarding to `target`.
    pub fn start(net: &Network, to: NodeId, target: SocketAddr) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind proxy");
        let addr = listener.local_addr().expect("proxy address");
        let id = {
            let mut n = net.inner.lock().unwrap();
            n.next_proxy += 1;
            n.next_proxy
        };
        let stop = Arc::new(AtomicBool::new(false));
        let (net2, stop2) = (net.clone(), stop.clone());
        thread::Builder::new()
            .name(format!("proxy-{to}"))
            .spawn(move || {
                for client in listener.incoming() {
                    if stop2.load(Ordering::SeqCst) {
                        return;
                    }
                    let Ok(client) = client else { continue };
                    let net = net2.clone();
                    thread::spawn(move || serve(net, id, to, target, client));
                }
            })
            .expect("spawn proxy thread");
        Proxy {
            addr,
            id,
            net: net.clone(),
            stop,
        }
    }

    /// The proxy's port.
    pub fn port(&self) -> u16 {
        self.addr.port()
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop so it sees the flag.
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_millis(200));
        let mut n = self.net.inner.lock().unwrap();
        n.conns.retain(|c| {
            if c.proxy == self.id {
                c.close();
                false
            } else {
                true
            }
        });
    }
}

fn serve(net: Network, proxy: u64, to: NodeId, target: SocketAddr, client: TcpStream) {
    let from = match (client.peer_addr(), client.local_addr()) {
        (Ok(peer), Ok(local)) => net.node_of_peer(peer, local),
        _ => None,
    };
    let _ = client.set_nodelay(true);
    let upstream = TcpStream::connect_timeout(&target, Duration::from_secs(2)).ok();
    // Handles for closing the connection from outside (partition, heal, proxy drop).
    let mut sockets = Vec::new();
    for s in std::iter::once(&client).chain(upstream.as_ref()) {
        match s.try_clone() {
            Ok(c) => sockets.push(c),
            Err(_) => return,
        }
    }
    let conn = Arc::new(Conn {
        from,
        to,
        proxy,
        black_hole: AtomicBool::new(false),
        sockets,
    });
    let black_hole = net.register(conn.clone());
    let Some(upstream) = upstream else {
        // The node is down: a closed port, unless the connection is cut anyway.
        if black_hole {
            discard(client);
        } else {
            conn.close();
        }
        net.forget(&conn);
        return;
    };
    let _ = upstream.set_nodelay(true);
    let (Ok(c2), Ok(u2)) = (client.try_clone(), upstream.try_clone()) else {
        conn.close();
        net.forget(&conn);
        return;
    };
    let (net2, conn2) = (net.clone(), conn.clone());
    let back = thread::spawn(move || {
        let link = Link {
            from,
            to,
            dir: Direction::Response,
        };
        pump(&net2, &conn2, u2, c2, link)
    });
    let link = Link {
        from,
        to,
        dir: Direction::Request,
    };
    pump(&net, &conn, client, upstream, link);
    let _ = back.join();
    net.forget(&conn);
}

/// Copies `src` to `dst` until either side closes; while the connection is a black hole,
/// reads and drops instead.
fn pump(net: &Network, conn: &Conn, mut src: TcpStream, mut dst: TcpStream, link: Link) {
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = match src.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(_) => break,
        };
        if conn.black_hole.load(Ordering::SeqCst) {
            continue;
        }
        if dst.write_all(&buf[..n]).is_err() {
            break;
        }
        net.count(link, n);
    }
    conn.close();
}

fn discard(mut s: TcpStream) {
    let mut buf = [0u8; 4096];
    while matches!(s.read(&mut buf), Ok(n) if n > 0) {}
}

/// The processes among `pids` holding a TCP connection to `127.0.0.1:port`: used to check that
/// nodes talk to each other only through their proxies.
pub fn dialers_of(port: u16, pids: &[u32]) -> Vec<u32> {
    let target = SocketAddrV4::new(Ipv4Addr::LOCALHOST, port);
    let Ok(table) = std::fs::read_to_string("/proc/net/tcp") else {
        return Vec::new();
    };
    let inodes: Vec<String> = table
        .lines()
        .skip(1)
        .filter_map(|line| {
            let f: Vec<&str> = line.split_whitespace().collect();
            (f.len() >= 10 && parse_proc_addr(f[2]) == Some(target) && f[9] != "0")
                .then(|| format!("socket:[{}]", f[9]))
        })
        .collect();
    pids.iter()
        .copied()
        .filter(|&pid| inodes.iter().any(|i| process_holds(pid, i)))
        .collect()
}

/// The inode of the socket whose local address is `peer` and remote address is `local`
/// (the dialling end of a connection accepted on `local`), from `/proc/net/tcp`.
fn socket_inode(peer: SocketAddr, local: SocketAddr) -> Option<u64> {
    let (SocketAddr::V4(peer), SocketAddr::V4(local)) = (peer, local) else {
        return None;
    };
    let table = std::fs::read_to_string("/proc/net/tcp").ok()?;
    table.lines().skip(1).find_map(|line| {
        let f: Vec<&str> = line.split_whitespace().collect();
        if f.len() < 10 {
            return None;
        }
        (parse_proc_addr(f[1])? == peer && parse_proc_addr(f[2])? == local)
            .then(|| f[9].parse().ok())
            .flatten()
    })
}

/// Parses `0100007F:1F90` (address as a native-endian hex u32, port as hex).
fn parse_proc_addr(s: &str) -> Option<SocketAddrV4> {
    let (ip, port) = s.split_once(':')?;
    let ip = u32::from_str_radix(ip, 16).ok()?;
    let port = u16::from_str_radix(port, 16).ok()?;
    Some(SocketAddrV4::new(Ipv4Addr::from(ip.to_ne_bytes()), port))
}

fn process_holds(pid: u32, target: &str) -> bool {
    let Ok(dir) = std::fs::read_dir(format!("/proc/{pid}/fd")) else {
        return false;
    };
    dir.flatten().any(|e| {
        std::fs::read_link(e.path())
            .map(|l| l.as_os_str() == target)
            .unwrap_or(false)
    })
}
