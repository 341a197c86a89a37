//! Cluster metrics, with upstream (ckit/Alloy) names so existing dashboards and alerts work.
//!
//! Deliberate differences from upstream: every metric carries a `cluster_name` label
//! (upstream's `cluster_node_info` lacks it, which breaks the mixin's joins), inbound packets
//! are counted once, `cluster_transport_rx_packets_failed_total` exists, and there are extra
//! metrics for name conflicts, join failures, foreign-cluster traffic and queue drops.
//! `cluster_node_lamport_time` keeps its name but is this node's own state version: a
//! monotonically increasing local counter.

use std::sync::Arc;

use prometheus_client::encoding::{EncodeLabelSet, EncodeLabelValue};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;

use super::membership::NodeState;

/// Label set of metrics that only carry the cluster name.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ClusterLabels {
    /// `--cluster.name`.
    pub cluster_name: String,
}

/// Label set of per-state metrics.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct StateLabels {
    /// `--cluster.name`.
    pub cluster_name: String,
    /// viewer, participant or terminating.
    pub state: StateLabel,
}

/// The `state` label value.
#[derive(Clone, Copy, Debug, Hash, PartialEq, Eq, EncodeLabelValue)]
#[allow(non_camel_case_types)]
pub enum StateLabel {
    /// Viewer.
    viewer,
    /// Participant.
    participant,
    /// Terminating.
    terminating,
}

impl From<NodeState> for StateLabel {
    fn from(s: NodeState) -> Self {
        match s {
            NodeState::Viewer => StateLabel::viewer,
            NodeState::Participant => StateLabel::participant,
            NodeState::Terminating => StateLabel::terminating,
        }
    }
}

/// Label set of gossip event counters.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct EventLabels {
    /// `--cluster.name`.
    pub cluster_name: String,
    /// What happened (upstream names plus a few of ours).
    pub event: &'static str,
}

/// Gossip events counted in `cluster_node_gossip_received_events_total{event}`.
pub mod event {
    /// A node-state record arrived (broadcast or sync).
    pub const STATE_CHANGE_MESSAGE: &str = "state_change_message";
    /// A broadcast item that could not be decoded.
    pub const UNKNOWN_MESSAGE: &str = "unknown_message";
    /// We answered a sync request with our state.
    pub const GET_LOCAL_STATE: &str = "get_local_state";
    /// We merged a peer's full state (sync request or response).
    pub const MERGE_REMOTE_STATE: &str = "merge_remote_state";
    /// A member came up.
    pub const NODE_JOIN: &str = "node_join";
    /// A member went down or left.
    pub const NODE_LEAVE: &str = "node_leave";
    /// A member rejoined with a renewed identity.
    pub const NODE_UPDATE: &str = "node_update";
    /// Another live process uses a node name that is in use (ours or a peer's).
    pub const NODE_CONFLICT: &str = "node_conflict";
    /// A record whose state went backwards was rejected.
    pub const INVALID_STATE_TRANSITION: &str = "invalid_state_transition";
}

/// Handles to every cluster metric of one node. Cloning is cheap and shares the values.
#[derive(Clone, Debug)]
pub struct ClusterMetrics {
    inner: Arc<Families>,
}

#[derive(Debug)]
struct Families {
    cluster_name: String,
    node_info: Family<StateLabels, Gauge>,
    node_peers: Family<StateLabels, Gauge>,
    events: Family<EventLabels, Counter>,
    health_score: Family<ClusterLabels, Gauge>,
    alive_peers: Family<ClusterLabels, Gauge>,
    lamport_time: Family<ClusterLabels, Gauge>,
    rx_packets: Family<ClusterLabels, Counter>,
    rx_bytes: Family<ClusterLabels, Counter>,
    tx_packets: Family<ClusterLabels, Counter>,
    tx_bytes: Family<ClusterLabels, Counter>,
    tx_failed: Family<ClusterLabels, Counter>,
    rx_failed: Family<ClusterLabels, Counter>,
    rx_dropped: Family<ClusterLabels, Counter>,
    tx_dropped: Family<ClusterLabels, Counter>,
    rx_wrong_cluster: Family<ClusterLabels, Counter>,
    rx_queue_len: Family<ClusterLabels, Gauge>,
    tx_queue_len: Family<ClusterLabels, Gauge>,
    ready_for_traffic: Family<ClusterLabels, Gauge>,
    minimum_size: Family<ClusterLabels, Gauge>,
    name_conflict: Family<ClusterLabels, Gauge>,
    name_conflicts_total: Family<ClusterLabels, Counter>,
    join_failing: Family<ClusterLabels, Gauge>,
    join_failures_total: Family<ClusterLabels, Counter>,
}

impl ClusterMetrics {
    /// Fresh metrics for the cluster `cluster_name` (not yet registered anywhere).
    pub fn new(cluster_name: &str) -> Self {
        let m = ClusterMetrics {
            inner: Arc::new(Families {
                cluster_name: cluster_name.to_string(),
                node_info: Family::default(),
                node_peers: Family::default(),
                events: Family::default(),
                health_score: Family::default(),
                alive_peers: Family::default(),
                lamport_time: Family::default(),
                rx_packets: Family::default(),
                rx_bytes: Family::default(),
                tx_packets: Family::default(),
                tx_bytes: Family::default(),
                tx_failed: Family::default(),
                rx_failed: Family::default(),
                rx_dropped: Family::default(),
                tx_dropped: Family::default(),
                rx_wrong_cluster: Family::default(),
                rx_queue_len: Family::default(),
                tx_queue_len: Family::default(),
                ready_for_traffic: Family::default(),
                minimum_size: Family::default(),
                name_conflict: Family::default(),
                name_conflicts_total: Family::default(),
                join_failing: Family::default(),
                join_failures_total: Family::default(),
            }),
        };
        // Materialise the label sets so every series is exported from the start.
        let l = m.labels();
        for g in [
            &m.inner.health_score,
            &m.inner.alive_peers,
            &m.inner.lamport_time,
            &m.inner.rx_queue_len,
            &m.inner.tx_queue_len,
            &m.inner.ready_for_traffic,
            &m.inner.minimum_size,
            &m.inner.name_conflict,
            &m.inner.join_failing,
        ] {
            let _ = g.get_or_create(&l);
        }
        for c in [
            &m.inner.rx_packets,
            &m.inner.rx_bytes,
            &m.inner.tx_packets,
            &m.inner.tx_bytes,
            &m.inner.tx_failed,
            &m.inner.rx_failed,
            &m.inner.rx_dropped,
            &m.inner.tx_dropped,
            &m.inner.rx_wrong_cluster,
            &m.inner.name_conflicts_total,
            &m.inner.join_failures_total,
        ] {
            let _ = c.get_or_create(&l);
        }
        m.set_peers_by_state(0, 0, 0);
        m
    }

    fn labels(&self) -> ClusterLabels {
        ClusterLabels {
            cluster_name: self.inner.cluster_name.clone(),
        }
    }

    fn state_labels(&self, state: NodeState) -> StateLabels {
        StateLabels {
            cluster_name: self.inner.cluster_name.clone(),
            state: state.into(),
        }
    }

    /// Registers every metric in `registry`.
    pub fn register(&self, registry: &mut Registry) {
        registry.register(
            "cluster_node_info",
            "Info about the local node, labelled by its state.",
            self.inner.node_info.clone(),
        );
        registry.register(
            "cluster_node_peers",
            "Number of members known to this node, by state (self included).",
            self.inner.node_peers.clone(),
        );
        registry.register(
            "cluster_node_gossip_received_events",
            "Gossip events handled by this node.",
            self.inner.events.clone(),
        );
        registry.register(
            "cluster_node_gossip_health_score",
            "Local health score: 0 is healthy; grows with failed joins and isolation.",
            self.inner.health_score.clone(),
        );
        registry.register(
            "cluster_node_gossip_alive_peers",
            "Number of live members, self included.",
            self.inner.alive_peers.clone(),
        );
        registry.register(
            "cluster_node_lamport_time",
            "This node's state version: a monotonically increasing local counter.",
            self.inner.lamport_time.clone(),
        );
        registry.register(
            "cluster_transport_rx_packets",
            "Gossip packets received.",
            self.inner.rx_packets.clone(),
        );
        registry.register(
            "cluster_transport_rx_bytes",
            "Gossip bytes received.",
            self.inner.rx_bytes.clone(),
        );
        registry.register(
            "cluster_transport_tx_packets",
            "Gossip packets sent.",
            self.inner.tx_packets.clone(),
        );
        registry.register(
            "cluster_transport_tx_bytes",
            "Gossip bytes sent.",
            self.inner.tx_bytes.clone(),
        );
        registry.register(
            "cluster_transport_tx_packets_failed",
            "Gossip packets that could not be delivered.",
            self.inner.tx_failed.clone(),
        );
        registry.register(
            "cluster_transport_rx_packets_failed",
            "Inbound gossip packets that were malformed or rejected.",
            self.inner.rx_failed.clone(),
        );
        registry.register(
            "cluster_transport_rx_packets_dropped",
            "Inbound gossip packets dropped because the queue was full.",
            self.inner.rx_dropped.clone(),
        );
        registry.register(
            "cluster_transport_tx_packets_dropped",
            "Outbound gossip packets dropped because a peer queue was full.",
            self.inner.tx_dropped.clone(),
        );
        registry.register(
            "cluster_transport_rx_wrong_cluster",
            "Gossip messages from nodes with another --cluster.name, dropped.",
            self.inner.rx_wrong_cluster.clone(),
        );
        registry.register(
            "cluster_transport_rx_packet_queue_length",
            "Inbound gossip packets waiting to be handled.",
            self.inner.rx_queue_len.clone(),
        );
        registry.register(
            "cluster_transport_tx_packet_queue_length",
            "Outbound gossip packets waiting to be sent, all peers.",
            self.inner.tx_queue_len.clone(),
        );
        registry.register("cluster_ready_for_traffic", "1 when clustered components may take work (wait-for-size gate passed, no name conflict).", self.inner.ready_for_traffic.clone());
        registry.register(
            "cluster_minimum_size",
            "The --cluster.wait-for-size setting.",
            self.inner.minimum_size.clone(),
        );
        registry.register(
            "cluster_node_name_conflict",
            "1 while another live process holds this node's name (this node then owns nothing).",
            self.inner.name_conflict.clone(),
        );
        registry.register(
            "cluster_node_name_conflicts",
            "Times a live process holding this node's name was found.",
            self.inner.name_conflicts_total.clone(),
        );
        registry.register(
            "cluster_node_join_failing",
            "1 while this node has join addresses but reached none of them and is alone.",
            self.inner.join_failing.clone(),
        );
        registry.register(
            "cluster_node_join_failures",
            "Join rounds in which no join address answered.",
            self.inner.join_failures_total.clone(),
        );
    }

    /// Sets `cluster_node_info` to the local state.
    pub fn set_node_state(&self, state: NodeState) {
        for s in [
            NodeState::Viewer,
            NodeState::Participant,
            NodeState::Terminating,
        ] {
            if s != state {
                self.inner.node_info.remove(&self.state_labels(s));
            }
        }
        self.inner
            .node_info
            .get_or_create(&self.state_labels(state))
            .set(1);
    }

    /// Sets `cluster_node_peers{state}`.
    pub fn set_peers_by_state(&self, viewers: usize, participants: usize, terminating: usize) {
        for (s, n) in [
            (NodeState::Viewer, viewers),
            (NodeState::Participant, participants),
            (NodeState::Terminating, terminating),
        ] {
            self.inner
                .node_peers
                .get_or_create(&self.state_labels(s))
                .set(n as i64);
        }
    }

    /// Counts one gossip event (see [`event`]).
    pub fn event(&self, event: &'static str) {
        self.events_by(event, 1);
    }

    /// Counts `n` gossip events.
    pub fn events_by(&self, event: &'static str, n: u64) {
        if n > 0 {
            self.inner
                .events
                .get_or_create(&EventLabels {
                    cluster_name: self.inner.cluster_name.clone(),
                    event,
                })
                .inc_by(n);
        }
    }

    /// Current count of a gossip event (for tests and debugging).
    pub fn event_count(&self, event: &'static str) -> u64 {
        self.inner
            .events
            .get_or_create(&EventLabels {
                cluster_name: self.inner.cluster_name.clone(),
                event,
            })
            .get()
    }

    fn gauge(&self, f: &Family<ClusterLabels, Gauge>, v: i64) {
        f.get_or_create(&self.labels()).set(v);
    }

    fn counter(&self, f: &Family<ClusterLabels, Counter>, v: u64) {
        if v > 0 {
            f.get_or_create(&self.labels()).inc_by(v);
        }
    }

    fn counter_value(&self, f: &Family<ClusterLabels, Counter>) -> u64 {
        f.get_or_create(&self.labels()).get()
    }

    /// Sets the health score (0 = healthy).
    pub fn set_health_score(&self, v: i64) {
        self.gauge(&self.inner.health_score, v);
    }
    /// Sets the number of live members including self.
    pub fn set_alive_peers(&self, n: usize) {
        self.gauge(&self.inner.alive_peers, n as i64);
    }
    /// Sets the local state version.
    pub fn set_lamport_time(&self, v: u64) {
        self.gauge(
            &self.inner.lamport_time,
            i64::try_from(v).unwrap_or(i64::MAX),
        );
    }
    /// Counts received packets and their bytes.
    pub fn rx(&self, packets: u64, bytes: u64) {
        self.counter(&self.inner.rx_packets, packets);
        self.counter(&self.inner.rx_bytes, bytes);
    }
    /// Counts sent packets and their bytes.
    pub fn tx(&self, packets: u64, bytes: u64) {
        self.counter(&self.inner.tx_packets, packets);
        self.counter(&self.inner.tx_bytes, bytes);
    }
    /// Counts packets that could not be sent.
    pub fn tx_failed(&self, packets: u64) {
        self.counter(&self.inner.tx_failed, packets);
    }
    /// Counts inbound packets that were malformed or rejected.
    pub fn rx_failed(&self, packets: u64) {
        self.counter(&self.inner.rx_failed, packets);
    }
    /// Counts inbound packets dropped by a full queue.
    pub fn rx_dropped(&self, packets: u64) {
        self.counter(&self.inner.rx_dropped, packets);
    }
    /// Counts outbound packets dropped by a full peer queue.
    pub fn tx_dropped(&self, packets: u64) {
        self.counter(&self.inner.tx_dropped, packets);
    }
    /// Counts messages from another cluster.
    pub fn rx_wrong_cluster(&self) {
        self.counter(&self.inner.rx_wrong_cluster, 1);
    }
    /// Messages from another cluster so far.
    pub fn rx_wrong_cluster_count(&self) -> u64 {
        self.counter_value(&self.inner.rx_wrong_cluster)
    }
    /// Sets the inbound queue length.
    pub fn set_rx_queue_len(&self, n: usize) {
        self.gauge(&self.inner.rx_queue_len, n as i64);
    }
    /// Adds to the outbound queue length (negative to subtract).
    pub fn add_tx_queue_len(&self, delta: i64) {
        self.inner
            .tx_queue_len
            .get_or_create(&self.labels())
            .inc_by(delta);
    }
    /// Current outbound queue length.
    pub fn tx_queue_len(&self) -> i64 {
        self.inner.tx_queue_len.get_or_create(&self.labels()).get()
    }
    /// Sets readiness (wait-for-size gate and conflicts).
    pub fn set_ready(&self, ready: bool) {
        self.gauge(&self.inner.ready_for_traffic, i64::from(ready));
    }
    /// Sets `cluster_minimum_size`.
    pub fn set_minimum_size(&self, n: usize) {
        self.gauge(&self.inner.minimum_size, n as i64);
    }
    /// Sets the name-conflict flag.
    pub fn set_name_conflict(&self, on: bool) {
        self.gauge(&self.inner.name_conflict, i64::from(on));
    }
    /// Counts one detected name conflict.
    pub fn name_conflict_detected(&self) {
        self.counter(&self.inner.name_conflicts_total, 1);
    }
    /// Name conflicts detected so far.
    pub fn name_conflicts_count(&self) -> u64 {
        self.counter_value(&self.inner.name_conflicts_total)
    }
    /// Sets the join-failing flag.
    pub fn set_join_failing(&self, on: bool) {
        self.gauge(&self.inner.join_failing, i64::from(on));
    }
    /// Counts one failed join round.
    pub fn join_failed(&self) {
        self.counter(&self.inner.join_failures_total, 1);
    }
    /// Failed join rounds so far.
    pub fn join_failures_count(&self) -> u64 {
        self.counter_value(&self.inner.join_failures_total)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exposition_has_upstream_names_and_cluster_label() {
        let m = ClusterMetrics::new("prod");
        m.set_node_state(NodeState::Viewer);
        m.set_node_state(NodeState::Participant);
        m.event(event::NODE_JOIN);
        m.rx(2, 100);
        m.tx_failed(1);
        let mut reg = Registry::default();
        m.register(&mut reg);
        let mut out = String::new();
        prometheus_client::encoding::text::encode(&mut out, &reg).unwrap();
        for needle in [
            "cluster_node_info{cluster_name=\"prod\",state=\"participant\"} 1",
            "cluster_node_peers{cluster_name=\"prod\",state=\"viewer\"} 0",
            "cluster_node_gossip_received_events_total{cluster_name=\"prod\",event=\"node_join\"} 1",
            "cluster_node_gossip_health_score{cluster_name=\"prod\"} 0",
            "cluster_node_gossip_alive_peers{cluster_name=\"prod\"}",
            "cluster_node_lamport_time{cluster_name=\"prod\"}",
            "cluster_transport_rx_packets_total{cluster_name=\"prod\"} 2",
            "cluster_transport_rx_bytes_total{cluster_name=\"prod\"} 100",
            "cluster_transport_tx_packets_total{cluster_name=\"prod\"} 0",
            "cluster_transport_tx_bytes_total{cluster_name=\"prod\"}",
            "cluster_transport_tx_packets_failed_total{cluster_name=\"prod\"} 1",
            "cluster_transport_rx_packets_failed_total{cluster_name=\"prod\"}",
            "cluster_transport_rx_packet_queue_length{cluster_name=\"prod\"}",
            "cluster_transport_tx_packet_queue_length{cluster_name=\"prod\"}",
            "cluster_ready_for_traffic{cluster_name=\"prod\"}",
            "cluster_minimum_size{cluster_name=\"prod\"}",
            "cluster_node_name_conflict{cluster_name=\"prod\"}",
            "cluster_node_join_failures_total{cluster_name=\"prod\"}",
        ] {
            assert!(out.contains(needle), "missing {needle} in\n{out}");
        }
        assert!(!out.contains("state=\"viewer\"} 1"), "{out}");
    }
}
