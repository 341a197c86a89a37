//! Helpers for tests that run clusters of real `agent` processes on loopback: starting
//! nodes (optionally behind fault-injecting proxies), reading their peer lists and metrics,
//! and waiting for conditions while recording how long they took.
#![allow(dead_code)]

use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::common::agent::{free_port, get, Agent};
use crate::common::proxy::{Network, NodeId, Proxy};

/// The configuration every node runs: nothing but logging.
pub const CONFIG: &str = "logging {\n\tlevel = \"info\"\n}\n";

/// The cluster name every test cluster uses (checked in the metrics' `cluster_name` label).
pub const CLUSTER_NAME: &str = "e2e";

/// State of a peer as reported by `/api/v0/web/peers`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeerInfo {
    /// Node name.
    pub name: String,
    /// Advertised address.
    pub addr: String,
    /// `viewer`, `participant` or `terminating`.
    pub state: String,
    /// Whether this is the node that answered.
    pub is_self: bool,
}

/// A node's peer list, or `None` if it did not answer.
pub fn peers(addr: &str) -> Option<Vec<PeerInfo>> {
    let (status, body) = get(addr, "/api/v0/web/peers");
    if status != 200 {
        return None;
    }
    let v: serde_json::Value = serde_json::from_str(&body).ok()?;
    v.as_array()?
        .iter()
        .map(|p| {
            Some(PeerInfo {
                name: p["name"].as_str()?.to_string(),
                addr: p["addr"].as_str()?.to_string(),
                state: p["state"].as_str()?.to_string(),
                is_self: p["isSelf"].as_bool()?,
            })
        })
        .collect()
}

/// Names of the participants in a peer list.
pub fn participants(peers: &[PeerInfo]) -> BTreeSet<String> {
    peers
        .iter()
        .filter(|p| p.state == "participant")
        .map(|p| p.name.clone())
        .collect()
}

/// Names of every listed member, whatever its state.
pub fn members(peers: &[PeerInfo]) -> BTreeSet<String> {
    peers.iter().map(|p| p.name.clone()).collect()
}

/// One sample of a metric.
#[derive(Debug, Clone)]
pub struct Sample {
    /// Metric name as exposed (`_total` included).
    pub name: String,
    /// Labels.
    pub labels: BTreeMap<String, String>,
    /// Value.
    pub value: f64,
}

/// A parsed `/metrics` page.
#[derive(Debug, Clone, Default)]
pub struct Metrics(pub Vec<Sample>);

impl Metrics {
    /// Parses the Prometheus text format (enough of it for our own exposition).
    pub fn parse(text: &str) -> Metrics {
        let mut out = Vec::new();
        for line in text.lines() {
            if line.starts_with('#') || line.trim().is_empty() {
                continue;
            }
            let (series, value) = match line.rsplit_once(' ') {
                Some(x) => x,
                None => continue,
            };
            let Ok(value) = value.parse::<f64>() else {
                continue;
            };
            let (name, labels) = match series.split_once('{') {
                Some((n, rest)) => (n, parse_labels(rest.trim_end_matches('}'))),
                None => (series, BTreeMap::new()),
            };
            out.push(Sample {
                name: name.to_string(),
                labels,
                value,
            });
        }
        Metrics(out)
    }

    /// The value of the series `name` whose labels include `labels`.
    pub fn get(&self, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
        self.0
            .iter()
            .find(|s| {
                s.name == name
                    && labels
                        .iter()
                        .all(|(k, v)| s.labels.get(*k).map(String::as_str) == Some(*v))
            })
            .map(|s| s.value)
    }

    /// Like [`Metrics::get`], panicking with the page when the series is missing.
    pub fn must(&self, name: &str, labels: &[(&str, &str)]) -> f64 {
        self.get(name, labels)
            .unwrap_or_else(|| panic!("no series {name}{labels:?} in {:#?}", self.0))
    }
}

fn parse_labels(s: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut rest = s;
    while let Some((k, v)) = rest.split_once("=\"") {
        let mut val = String::new();
        let mut chars = v.char_indices();
        let mut end = v.len();
        while let Some((i, c)) = chars.next() {
            match c {
                '\\' => {
                    if let Some((_, n)) = chars.next() {
                        val.push(match n {
                            'n' => '\n',
                            x => x,
                        });
                    }
                }
                '"' => {
                    end = i + 1;
                    break;
                }
                c => val.push(c),
            }
        }
        out.insert(k.trim_start_matches(',').trim().to_string(), val);
        rest = v[end..].trim_start_matches(',');
    }
    out
}

/// A node's metrics, or `None` if it did not answer.
pub fn metrics(addr: &str) -> Option<Metrics> {
    let (status, body) = get(addr, "/metrics");
    (status == 200).then(|| Metrics::parse(&body))
}

/// The `cluster_name` label pair every cluster metric carries in these tests.
pub fn cl() -> (&'static str, &'static str) {
    ("cluster_name", CLUSTER_NAME)
}

/// Polls `cond` every 50 ms until it holds; returns how long that took. Panics with
/// `what` and `context()` after `timeout`.
pub fn wait_until(
    timeout: Duration,
    what: &str,
    mut cond: impl FnMut() -> bool,
    context: impl Fn() -> String,
) -> Duration {
    let start = Instant::now();
    loop {
        if cond() {
            return start.elapsed();
        }
        if start.elapsed() > timeout {
            panic!(
                "timed out after {timeout:?} waiting for {what}\n{}",
                context()
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// How nodes find each other.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JoinStyle {
    /// Every node but the first joins the first one only; the rest is learnt by gossip.
    First,
    /// Every node lists every node (like a headless DNS name); a restarted node finds the
    /// others whichever it is.
    All,
}

/// One node of a [`Cluster`].
pub struct Node {
    /// The process.
    pub agent: Agent,
    /// `--cluster.node-name`.
    pub name: String,
    /// The address the agent listens on (`127.0.0.1:<port>`).
    pub listen: String,
    /// The address it advertises (its proxy's when the cluster has proxies).
    pub advertise: String,
    /// The proxy in front of it, if any.
    pub proxy: Option<Proxy>,
}

/// A cluster of agent processes in a temporary directory.
pub struct Cluster {
    /// The nodes, by index.
    pub nodes: Vec<Node>,
    /// The proxies' shared network (used only when `proxied`).
    pub net: Network,
    dir: tempfile::TempDir,
    proxied: bool,
    join: JoinStyle,
    extra: Vec<String>,
    /// Listen port and proxy reserved for every node index (the proxy moves into its
    /// [`Node`] when the node starts).
    planned: Vec<(u16, Option<Proxy>)>,
    /// Address every node index advertises (its proxy's, or its own).
    advertised: Vec<String>,
}

impl Cluster {
    /// Plans a cluster of up to `capacity` nodes. With `proxied`, each node sits behind a
    /// [`Proxy`] and advertises it. `extra` flags go to every node.
    pub fn new(capacity: usize, proxied: bool, join: JoinStyle, extra: &[&str]) -> Cluster {
        let net = Network::new();
        let planned = (0..capacity)
            .map(|i| {
                let port = free_port();
                let proxy = proxied
                    .then(|| Proxy::start(&net, i, SocketAddr::from(([127, 0, 0, 1], port))));
                (port, proxy)
            })
            .collect::<Vec<(u16, Option<Proxy>)>>();
        let advertised = planned
            .iter()
            .map(|(port, proxy)| match proxy {
                Some(p) => p.addr.to_string(),
                None => format!("127.0.0.1:{port}"),
            })
            .collect();
        Cluster {
            nodes: Vec::new(),
            advertised,
            net,
            dir: tempfile::tempdir().expect("temp dir"),
            proxied,
            join,
            extra: extra.iter().map(|s| s.to_string()).collect(),
            planned,
        }
    }

    /// Name of node `i`.
    pub fn name(i: NodeId) -> String {
        format!("node-{i}")
    }

    fn advertise_of(&self, i: NodeId) -> String {
        self.advertised[i].clone()
    }

    /// Starts the next node (index = number of nodes so far) with extra `flags`.
    pub fn start_node(&mut self, flags: &[&str]) -> NodeId {
        let i = self.nodes.len();
        self.start_named(&Self::name(i), flags)
    }

    /// Starts the next node under `name` (which may repeat another node's name).
    pub fn start_named(&mut self, name: &str, flags: &[&str]) -> NodeId {
        self.start_in(CLUSTER_NAME, name, flags)
    }

    /// Starts the next node under `name` with `--cluster.name=cluster_name`.
    pub fn start_in(&mut self, cluster_name: &str, name: &str, flags: &[&str]) -> NodeId {
        let i = self.nodes.len();
        assert!(i < self.planned.len(), "cluster planned for fewer nodes");
        let port = self.planned[i].0;
        let advertise = self.advertise_of(i);
        let join: Vec<String> = match self.join {
            JoinStyle::First if i == 0 => Vec::new(),
            JoinStyle::First => vec![self.advertise_of(0)],
            JoinStyle::All => (0..self.planned.len())
                .filter(|&j| j != i)
                .map(|j| self.advertise_of(j))
                .collect(),
        };
        let mut args = vec![
            "--cluster.enabled".to_string(),
            format!("--cluster.node-name={name}"),
            format!("--cluster.name={cluster_name}"),
            format!("--cluster.advertise-address={advertise}"),
        ];
        // Contact every join address unless the cluster's flags say otherwise.
        if !self
            .extra
            .iter()
            .any(|f| f.starts_with("--cluster.max-join-peers"))
        {
            args.push("--cluster.max-join-peers=0".to_string());
        }
        if !join.is_empty() {
            args.push(format!("--cluster.join-addresses={}", join.join(",")));
        }
        args.extend(self.extra.iter().cloned());
        args.extend(flags.iter().map(|s| s.to_string()));
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let agent = Agent::start_on(&self.node_dir(i), CONFIG, port, &args);
        let listen = agent.addr.clone();
        let proxy = self.planned[i].1.take();
        self.nodes.push(Node {
            agent,
            name: name.to_string(),
            listen,
            advertise,
            proxy,
        });
        self.register_pid(i);
        i
    }

    fn node_dir(&self, i: NodeId) -> PathBuf {
        self.dir.path().join(format!("n{i}"))
    }

    /// The directory holding every node's files.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    fn register_pid(&self, i: NodeId) {
        if let Some(c) = &self.nodes[i].agent.child {
            self.net.set_pid(i, c.id());
        }
    }

    /// Restarts node `i` (same name, port and flags) after a stop or kill.
    pub fn restart(&mut self, i: NodeId) {
        self.nodes[i].agent.restart();
        self.register_pid(i);
    }

    /// Indices of the nodes whose process is running.
    pub fn running(&self) -> Vec<NodeId> {
        (0..self.nodes.len())
            .filter(|&i| self.nodes[i].agent.child.is_some())
            .collect()
    }

    /// Whether every node in `nodes` lists exactly `expected` as participants (and nothing
    /// else as a member).
    pub fn all_see(&self, nodes: &[NodeId], expected: &[NodeId]) -> bool {
        let want: BTreeSet<String> = expected
            .iter()
            .map(|&j| self.nodes[j].name.clone())
            .collect();
        nodes.iter().all(|&i| {
            peers(&self.nodes[i].listen)
                .is_some_and(|p| participants(&p) == want && members(&p) == want)
        })
    }

    /// Waits until every node in `nodes` lists exactly `expected` as participants.
    pub fn wait_converged(
        &self,
        nodes: &[NodeId],
        expected: &[NodeId],
        timeout: Duration,
    ) -> Duration {
        wait_until(
            timeout,
            &format!("nodes {nodes:?} to see exactly {expected:?} as participants"),
            || self.all_see(nodes, expected),
            || self.describe(),
        )
    }

    /// Every node's peer list and log tail, for failure messages.
    pub fn describe(&self) -> String {
        let mut s = String::new();
        for (i, n) in self.nodes.iter().enumerate() {
            s.push_str(&format!(
                "--- {} (#{i}, listen {}, advertise {}) peers: {:?}\n",
                n.name,
                n.listen,
                n.advertise,
                peers(&n.listen)
            ));
            let logs = n.agent.logs();
            let tail: Vec<&str> = logs.lines().rev().take(30).collect();
            for l in tail.into_iter().rev() {
                s.push_str("    ");
                s.push_str(l);
                s.push('\n');
            }
        }
        s
    }
}

/// Node indices `0..n`.
pub fn range(n: usize) -> Vec<NodeId> {
    (0..n).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_metric_lines() {
        let m = Metrics::parse(
            "# HELP x y\nfoo_total{cluster_name=\"a,b\",state=\"q\\\"x\"} 3\nbar 1.5\n",
        );
        assert_eq!(m.get("foo_total", &[("cluster_name", "a,b")]), Some(3.0));
        assert_eq!(m.get("foo_total", &[("state", "q\"x")]), Some(3.0));
        assert_eq!(m.get("bar", &[]), Some(1.5));
        assert_eq!(m.get("foo_total", &[("state", "z")]), None);
    }
}
