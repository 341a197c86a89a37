//! The sans-IO membership core: foca (SWIM) + node-state records + join, anti-entropy,
//! name-conflict and graceful-leave logic, with no clock, sockets or tasks of its own.
//!
//! The caller feeds it inputs stamped with the current time (an offset from any fixed
//! origin) and carries out the [`Output`]s it produces: send a packet, send a sync request,
//! resolve the join addresses. The tokio driver does this with HTTP; the simulation does it
//! with a virtual network and virtual time. Timers live inside the core: call
//! [`MembershipCore::poll_timers`] at [`MembershipCore::next_deadline`].
//!
//! Name-conflict policy (unlike upstream, which double-scrapes): when two live processes use
//! the same node name, the one started later yields. On seeing an older holder of its name,
//! a node asks that holder's address directly (a sync request). If the holder answers as
//! itself, it is alive: this node records a conflict, never becomes a participant while it
//! lasts, and reports not-ready. If something else answers (typically this very process,
//! restarted on the same address), the holder is a stale entry of a previous run and is
//! declared down at once. If nothing answers, this node waits (without participating) until
//! the cluster's failure detector removes the holder, rechecking periodically.

use std::collections::HashMap;
use std::time::Duration;

use foca::{Foca, Member, OwnedNotification, PostcardCodec, Timer};
use foca_rand::rngs::SmallRng;
use foca_rand::seq::SliceRandom;
use foca_rand::{RngExt, SeedableRng};

use super::identity::{NodeIdentity, ProcessKey};
use super::state::{
    MergeOutcome, NodeRecord, NodeState, RecordBroadcasts, RecordCounters, RecordTable,
};
use super::timers::TimerQueue;
use super::timing::foca_config;
pub use super::timing::Timing;
use super::view::Peer;
use super::wire::{cluster_label, decode_packet, encode_packet, PacketError, SyncMessage};
use crate::cluster::metrics::{event, ClusterMetrics};
use crate::cluster::peer_addr::PeerAddr;

/// Most members / records taken from one sync message (bounds work per request).
pub const MAX_SYNC_ENTRIES: usize = 16_384;

/// Everything the core needs to start.
#[derive(Debug, Clone)]
pub struct CoreConfig {
    /// This process's identity.
    pub identity: NodeIdentity,
    /// `--cluster.name`.
    pub cluster_name: String,
    /// Whether join addresses were configured (then the core asks for them to be resolved).
    pub has_join_addresses: bool,
    /// Protocol timings.
    pub timing: Timing,
    /// Seed for the random choices (probe order, gossip targets, jitter).
    pub seed: u64,
}

/// Correlates a sync request with its response.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SyncToken(pub u64);

/// Something the caller must do.
#[derive(Debug, Clone)]
pub enum Output {
    /// Deliver a SWIM packet (best effort, no reply expected).
    Packet {
        /// Destination.
        to: PeerAddr,
        /// Envelope + foca payload.
        data: Vec<u8>,
    },
    /// Send a sync request and report the outcome with
    /// [`MembershipCore::handle_sync_response`].
    Sync {
        /// Echo this back with the response.
        token: SyncToken,
        /// Destination.
        to: PeerAddr,
        /// Request body.
        message: SyncMessage,
    },
    /// Resolve the join addresses and report with [`MembershipCore::handle_resolved`].
    ResolveJoin,
    /// The graceful leave finished: flush what is queued and stop.
    Left,
}

/// Result of asking for a state change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StateOutcome {
    /// The state changed and is being broadcast.
    Applied,
    /// Already in that state.
    Unchanged,
    /// Recorded; it happens as soon as the reason clears.
    Deferred(String),
}

/// A state change that is not allowed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StateError {
    /// Only viewer→participant and participant→terminating are allowed.
    #[error("cannot change node state from {from} to {to}")]
    InvalidTransition {
        /// Current state.
        from: NodeState,
        /// Requested state.
        to: NodeState,
    },
    /// The node is leaving the cluster.
    #[error("the node is leaving the cluster")]
    Leaving,
}

/// Why a sync request was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SyncRejected {
    /// The sender belongs to another cluster.
    #[error("sync from cluster {theirs:?}, this node is in cluster {ours:?}")]
    WrongCluster {
        /// Sender's cluster name.
        theirs: String,
        /// Ours.
        ours: String,
    },
    /// The sender's identity is malformed.
    #[error("malformed sync message: {0}")]
    Malformed(&'static str),
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum SyncPurpose {
    Join,
    AntiEntropy,
    Verify(ProcessKey),
    LeaveAck,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum JoinPhase {
    Idle,
    Resolving,
    Syncing {
        outstanding: usize,
        succeeded: bool,
        only_self: bool,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LeavePhase {
    Running,
    AwaitAck { deadline: Duration },
    Holding { until: Duration },
    Left,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum HolderStatus {
    /// Older holder, verification request in flight.
    Verifying,
    /// Older holder that did not answer; rechecked periodically.
    Unreachable,
    /// Older holder that answered as itself: a real conflict.
    Live,
    /// A newer process using our name: it must yield to us.
    Newer,
}

#[derive(Debug, Clone)]
struct HolderCheck {
    id: NodeIdentity,
    status: HolderStatus,
}

#[derive(Debug, Clone)]
enum TimerEvent {
    Foca(Timer<NodeIdentity>),
    AntiEntropy,
    Join(u64),
    Housekeeping,
    SuspicionCheck,
    HolderRecheck(ProcessKey),
    Leave,
}

/// What foca asked for during one call.
#[derive(Default)]
struct FocaEvents {
    sends: Vec<(NodeIdentity, Vec<u8>)>,
    timers: Vec<(Timer<NodeIdentity>, Duration)>,
    notes: Vec<OwnedNotification<NodeIdentity>>,
}

impl foca::Runtime<NodeIdentity> for FocaEvents {
    fn notify(&mut self, notification: foca::Notification<'_, NodeIdentity>) {
        self.notes.push(notification.to_owned());
    }

    fn send_to(&mut self, to: NodeIdentity, data: &[u8]) {
        self.sends.push((to, data.to_vec()));
    }

    fn submit_after(&mut self, event: Timer<NodeIdentity>, after: Duration) {
        self.timers.push((event, after));
    }
}

type SwimNode = Foca<NodeIdentity, PostcardCodec, SmallRng, RecordBroadcasts>;

/// The membership state machine of one node. See the module docs.
pub struct MembershipCore {
    timing: Timing,
    cluster_name: String,
    label: u64,
    has_join: bool,
    foca: SwimNode,
    events: FocaEvents,
    rng: SmallRng,
    records: RecordTable,
    identity: NodeIdentity,
    own: NodeRecord,
    desired: NodeState,
    timers: TimerQueue<TimerEvent>,
    outputs: Vec<Output>,
    syncs: HashMap<SyncToken, SyncPurpose>,
    next_token: u64,
    join: JoinPhase,
    join_gen: u64,
    join_failures: u32,
    join_failing: bool,
    initial_join_done: bool,
    connected: bool,
    holders: HashMap<ProcessKey, HolderCheck>,
    name_blocked: bool,
    conflict: Option<String>,
    leave: LeavePhase,
    leave_acked: bool,
    unseen_since: HashMap<ProcessKey, Duration>,
    sized_for: usize,
    suspicion_timeout: Duration,
    suspected: HashMap<(ProcessKey, u16, u16), Duration>,
    sync_rounds: u32,
    seen_counters: RecordCounters,
    dirty: bool,
    gauges_stale: bool,
    metrics: ClusterMetrics,
}

impl MembershipCore {
    /// A node that has not started yet (call [`MembershipCore::start`]).
    pub fn new(config: CoreConfig, metrics: ClusterMetrics) -> Self {
        let records = RecordTable::new(config.identity.process());
        let foca = Foca::with_custom_broadcast(
            config.identity.clone(),
            foca_config(&config.timing, 1),
            SmallRng::seed_from_u64(config.seed),
            PostcardCodec,
            RecordBroadcasts::new(records.clone()),
        );
        let own = NodeRecord {
            process: config.identity.process(),
            version: 1,
            state: NodeState::Viewer,
        };
        records.set_own(own.clone());
        metrics.set_node_state(NodeState::Viewer);
        metrics.set_lamport_time(own.version);
        MembershipCore {
            label: cluster_label(&config.cluster_name),
            cluster_name: config.cluster_name,
            has_join: config.has_join_addresses,
            foca,
            events: FocaEvents::default(),
            rng: SmallRng::seed_from_u64(config.seed.rotate_left(17) ^ 0x5eed),
            records,
            identity: config.identity,
            own,
            desired: NodeState::Viewer,
            timers: TimerQueue::default(),
            outputs: Vec::new(),
            syncs: HashMap::new(),
            next_token: 0,
            join: JoinPhase::Idle,
            join_gen: 0,
            join_failures: 0,
            join_failing: false,
            initial_join_done: !config.has_join_addresses,
            connected: false,
            holders: HashMap::new(),
            name_blocked: false,
            conflict: None,
            leave: LeavePhase::Running,
            leave_acked: false,
            unseen_since: HashMap::new(),
            sized_for: 1,
            suspicion_timeout: foca_config(&config.timing, 1).suspect_to_down_after,
            suspected: HashMap::new(),
            sync_rounds: 0,
            seen_counters: RecordCounters::default(),
            dirty: true,
            gauges_stale: true,
            timing: config.timing,
            metrics,
        }
    }

    /// Starts timers and, with join addresses, the first join round.
    pub fn start(&mut self, now: Duration) {
        self.add_own_broadcast();
        let first_sync = self.next_sync_delay();
        self.timers.push(now + first_sync, TimerEvent::AntiEntropy);
        self.timers
            .push(now + Duration::from_secs(10), TimerEvent::Housekeeping);
        self.timers
            .push(now + self.timing.probe_period, TimerEvent::SuspicionCheck);
        if self.has_join {
            self.start_join_round();
        }
        self.mark_changed();
    }

    // ----- inputs -------------------------------------------------------------------------

    /// Handles one inbound packet (envelope + SWIM payload).
    pub fn handle_packet(&mut self, now: Duration, data: &[u8]) {
        if self.leave == LeavePhase::Left {
            return;
        }
        let payload = match decode_packet(self.label, data) {
            Ok(p) => p,
            Err(PacketError::WrongCluster) => {
                self.metrics.rx_wrong_cluster();
                return;
            }
            Err(PacketError::Malformed) => {
                self.metrics.rx_failed(1);
                return;
            }
        };
        if let Err(e) = self.foca.handle_data(payload, &mut self.events) {
            match e {
                foca::Error::MalformedPacket
                | foca::Error::Decode(_)
                | foca::Error::DataTooBig
                | foca::Error::CustomBroadcast(_) => {
                    self.metrics.rx_failed(1);
                    tracing::debug!(error = %e, "dropped malformed cluster packet");
                }
                other => tracing::trace!(error = %other, "cluster packet not handled"),
            }
        }
        self.after_foca(now);
    }

    /// Answers a sync request from a peer (after merging what it sent).
    pub fn handle_sync_request(
        &mut self,
        now: Duration,
        request: SyncMessage,
    ) -> Result<SyncMessage, SyncRejected> {
        self.check_sync(&request)?;
        self.metrics.event(event::GET_LOCAL_STATE);
        if !request.from.same_process(&self.identity) && self.leave != LeavePhase::Left {
            self.apply_sync(now, request);
        }
        Ok(self.sync_message())
    }

    /// Reports the outcome of a sync request the core asked for.
    pub fn handle_sync_response(
        &mut self,
        now: Duration,
        token: SyncToken,
        result: Result<SyncMessage, String>,
    ) {
        let Some(purpose) = self.syncs.remove(&token) else {
            return;
        };
        // Classify the answer: from another live process, from ourselves, or nothing usable.
        let answer = match result {
            Ok(m) => match self.check_sync(&m) {
                Ok(()) if m.from.same_process(&self.identity) => Answer::Myself(m),
                Ok(()) => Answer::Peer(m),
                Err(SyncRejected::WrongCluster { theirs, .. }) => Answer::Foreign(theirs),
                Err(e) => Answer::Failed(e.to_string()),
            },
            Err(e) => Answer::Failed(e),
        };
        let from = match &answer {
            Answer::Peer(m) | Answer::Myself(m) => Some(m.from.process()),
            _ => None,
        };
        if let Answer::Peer(m) = &answer {
            if self.leave != LeavePhase::Left {
                self.apply_sync(now, m.clone());
            }
        }
        match purpose {
            SyncPurpose::Join => self.on_join_answer(now, &answer),
            SyncPurpose::AntiEntropy => {}
            SyncPurpose::LeaveAck => {
                if matches!(answer, Answer::Peer(_)) {
                    self.leave_acked = true;
                    self.step_leave(now);
                }
            }
            SyncPurpose::Verify(key) => self.on_verify_answer(now, key, from, &answer),
        }
    }

    /// Reports resolved join addresses (own address already removed).
    pub fn handle_resolved(&mut self, now: Duration, result: Result<Vec<PeerAddr>, String>) {
        if self.join != JoinPhase::Resolving {
            return;
        }
        match result {
            Ok(addrs) if addrs.is_empty() => self.finish_join_round(now, JoinResult::Seed),
            Ok(addrs) => {
                let n = addrs.len();
                for to in addrs {
                    self.send_sync(to, SyncPurpose::Join);
                }
                self.join = JoinPhase::Syncing {
                    outstanding: n,
                    succeeded: false,
                    only_self: true,
                };
            }
            Err(e) => self.finish_join_round(now, JoinResult::Failed(e)),
        }
    }

    /// Asks to change this node's state (see [`NodeState::can_transition_to`]).
    pub fn request_state(
        &mut self,
        now: Duration,
        target: NodeState,
    ) -> Result<StateOutcome, StateError> {
        if self.own.state == target {
            return Ok(StateOutcome::Unchanged);
        }
        if self.leave != LeavePhase::Running {
            return Err(StateError::Leaving);
        }
        if !self.own.state.can_transition_to(target) {
            return Err(StateError::InvalidTransition {
                from: self.own.state,
                to: target,
            });
        }
        self.desired = target;
        if target == NodeState::Participant {
            if let Some(reason) = self.participation_blocker() {
                return Ok(StateOutcome::Deferred(reason));
            }
        }
        self.transition(now, target);
        Ok(StateOutcome::Applied)
    }

    /// Starts the graceful leave: terminating (if participant), wait for a peer to
    /// acknowledge, hold briefly, then announce departure. [`Output::Left`] marks the end.
    pub fn begin_leave(&mut self, now: Duration) {
        if self.leave != LeavePhase::Running {
            return;
        }
        let was_participant = self.own.state == NodeState::Participant;
        if was_participant {
            self.transition(now, NodeState::Terminating);
        }
        let targets = self.random_members(3);
        if was_participant && !targets.is_empty() {
            for t in targets {
                self.send_sync(t.addr, SyncPurpose::LeaveAck);
            }
            let deadline = now + self.timing.leave_ack_timeout;
            self.leave = LeavePhase::AwaitAck { deadline };
            self.timers.push(deadline, TimerEvent::Leave);
        } else {
            self.leave = LeavePhase::Holding { until: now };
        }
        self.step_leave(now);
    }

    /// Runs every timer due at `now`.
    pub fn poll_timers(&mut self, now: Duration) {
        while let Some(ev) = self.timers.pop_due(now) {
            self.on_timer(now, ev);
        }
    }

    // ----- queries ------------------------------------------------------------------------

    /// When [`MembershipCore::poll_timers`] next has work.
    pub fn next_deadline(&self) -> Option<Duration> {
        self.timers.next()
    }

    /// Moves the pending outputs into `out`.
    pub fn drain_outputs(&mut self, out: &mut Vec<Output>) {
        out.append(&mut self.outputs);
    }

    /// Returns and clears the "view changed" flag.
    pub fn take_dirty(&mut self) -> bool {
        let records_changed = self.records.take_changed();
        std::mem::take(&mut self.dirty) || records_changed
    }

    /// This node's current identity.
    pub fn identity(&self) -> &NodeIdentity {
        &self.identity
    }

    /// This node's current state.
    pub fn state(&self) -> NodeState {
        self.own.state
    }

    /// Set while another live process holds this node's name.
    pub fn conflict(&self) -> Option<&str> {
        self.conflict.as_deref()
    }

    /// Set while join addresses exist but none answered and the node is alone.
    pub fn join_failing(&self) -> bool {
        self.join_failing
    }

    /// True until the first join round has finished (answered or failed). Views report
    /// not-ready meanwhile, so a starting node does not briefly own everything.
    pub fn joining(&self) -> bool {
        !self.initial_join_done
    }

    /// Whether the graceful leave has completed.
    pub fn has_left(&self) -> bool {
        self.leave == LeavePhase::Left
    }

    /// Number of live members other than this node.
    pub fn num_members(&self) -> usize {
        if self.leave == LeavePhase::Left {
            0
        } else {
            self.foca.num_members()
        }
    }

    /// Every live member including this node, sorted by name then address.
    pub fn peers(&self) -> Vec<Peer> {
        let mut peers: Vec<Peer> = Vec::with_capacity(self.num_members() + 1);
        if self.leave != LeavePhase::Left {
            peers.extend(self.foca.iter_members().map(|m| Peer {
                name: m.id().name.clone(),
                addr: m.id().addr.clone(),
                state: self.records.state_of(&m.id().process()),
                is_self: false,
            }));
        }
        peers.push(Peer {
            name: self.identity.name.clone(),
            addr: self.identity.addr.clone(),
            state: self.own.state,
            is_self: true,
        });
        peers.sort_by(|a, b| a.name.cmp(&b.name).then_with(|| a.addr.cmp(&b.addr)));
        peers
    }

    /// Everything foca knows about other members, down ones included (for debugging).
    pub fn membership_state(&self) -> impl Iterator<Item = &Member<NodeIdentity>> {
        self.foca.iter_membership_state()
    }

    /// The metrics this core updates.
    pub fn metrics(&self) -> &ClusterMetrics {
        &self.metrics
    }

    // ----- internals ----------------------------------------------------------------------

    fn check_sync(&self, m: &SyncMessage) -> Result<(), SyncRejected> {
        if m.cluster_name != self.cluster_name {
            self.metrics.rx_wrong_cluster();
            return Err(SyncRejected::WrongCluster {
                theirs: m.cluster_name.clone(),
                ours: self.cluster_name.clone(),
            });
        }
        if !m.from.is_well_formed() {
            self.metrics.rx_failed(1);
            return Err(SyncRejected::Malformed("sender identity"));
        }
        Ok(())
    }

    fn sync_message(&self) -> SyncMessage {
        SyncMessage {
            cluster_name: self.cluster_name.clone(),
            from: self.identity.clone(),
            members: self.foca.iter_membership_state().cloned().collect(),
            records: self.records.all(),
        }
    }

    fn apply_sync(&mut self, now: Duration, m: SyncMessage) {
        self.metrics.event(event::MERGE_REMOTE_STATE);
        let sender = Member::alive(m.from);
        let members = std::iter::once(sender).chain(
            m.members
                .into_iter()
                .take(MAX_SYNC_ENTRIES)
                .filter(|mb| mb.id().is_well_formed()),
        );
        if let Err(e) = self.foca.apply_many(members, true, &mut self.events) {
            tracing::debug!(error = %e, "applying synced members failed");
        }
        for record in m.records.into_iter().take(MAX_SYNC_ENTRIES) {
            let encoded = record.encode();
            if self.records.merge(record) == MergeOutcome::Applied {
                // Pass news on through gossip too.
                let _ = self.foca.add_broadcast(&encoded);
            }
        }
        self.after_foca(now);
    }

    fn send_sync(&mut self, to: PeerAddr, purpose: SyncPurpose) {
        self.next_token += 1;
        let token = SyncToken(self.next_token);
        self.syncs.insert(token, purpose);
        let message = self.sync_message();
        self.outputs.push(Output::Sync { token, to, message });
    }

    /// Turns what foca asked for into outputs/timers and reacts to its notifications.
    fn after_foca(&mut self, now: Duration) {
        loop {
            let ev = std::mem::take(&mut self.events);
            if ev.sends.is_empty() && ev.timers.is_empty() && ev.notes.is_empty() {
                break;
            }
            for (to, data) in ev.sends {
                self.outputs.push(Output::Packet {
                    to: to.addr,
                    data: encode_packet(self.label, &data),
                });
            }
            for (t, after) in ev.timers {
                self.timers.push(now + after, TimerEvent::Foca(t));
            }
            let mut membership_changed = false;
            for n in ev.notes {
                membership_changed |= self.on_notification(now, n);
            }
            if membership_changed {
                self.check_holders(now);
                self.resize_for_cluster();
            }
        }
        // Gauges walk every member: only refresh them when something visible changed.
        if self.fold_record_counters() {
            self.gauges_stale = true;
        }
        self.refresh_gauges();
    }

    /// Returns true when the member set changed.
    fn on_notification(&mut self, now: Duration, n: OwnedNotification<NodeIdentity>) -> bool {
        self.mark_changed();
        match n {
            OwnedNotification::MemberUp(id) => {
                self.metrics.event(event::NODE_JOIN);
                tracing::debug!(member = ?id, "cluster member up");
                self.unseen_since.remove(&id.process());
                true
            }
            OwnedNotification::MemberDown(id) => {
                self.metrics.event(event::NODE_LEAVE);
                tracing::debug!(member = ?id, "cluster member down");
                true
            }
            OwnedNotification::Rename(old, new) => {
                self.metrics.event(event::NODE_UPDATE);
                tracing::debug!(?old, ?new, "cluster member renewed its identity");
                true
            }
            OwnedNotification::Active => {
                self.connected = true;
                if self.join_failing {
                    tracing::info!("joined the cluster after failed join attempts");
                }
                self.join_failing = false;
                self.join_failures = 0;
                false
            }
            OwnedNotification::Idle => {
                self.connected = false;
                if self.has_join && self.leave == LeavePhase::Running {
                    let delay = self.backoff(self.join_failures.max(1));
                    self.schedule_join(now + delay);
                }
                false
            }
            OwnedNotification::Defunct => {
                self.connected = false;
                tracing::error!("this node was declared down and cannot renew its identity");
                false
            }
            OwnedNotification::Rejoin(id) => {
                tracing::info!(identity = ?id, "rejoined the cluster after being declared down");
                self.identity = id;
                // Peers may have forgotten our record while we were down: re-announce it.
                self.own.version += 1;
                self.records.set_own(self.own.clone());
                self.add_own_broadcast();
                true
            }
        }
    }

    fn on_timer(&mut self, now: Duration, ev: TimerEvent) {
        match ev {
            TimerEvent::Foca(t) => {
                if self.leave == LeavePhase::Left {
                    return;
                }
                if let Err(e) = self.foca.handle_timer(t, &mut self.events) {
                    tracing::trace!(error = %e, "foca timer");
                }
                self.after_foca(now);
            }
            TimerEvent::AntiEntropy => {
                if self.leave == LeavePhase::Running {
                    if let Some(peer) = self.random_members(1).pop() {
                        self.send_sync(peer.addr, SyncPurpose::AntiEntropy);
                        self.sync_rounds = self.sync_rounds.saturating_add(1);
                    }
                    let next = self.next_sync_delay();
                    self.timers.push(now + next, TimerEvent::AntiEntropy);
                }
            }
            TimerEvent::Join(generation) => {
                if generation == self.join_gen && self.leave == LeavePhase::Running {
                    self.start_join_round();
                }
            }
            TimerEvent::SuspicionCheck => {
                self.expire_suspicions(now);
                self.timers
                    .push(now + self.timing.probe_period, TimerEvent::SuspicionCheck);
            }
            TimerEvent::Housekeeping => {
                self.housekeeping(now);
                self.timers
                    .push(now + Duration::from_secs(10), TimerEvent::Housekeeping);
            }
            TimerEvent::HolderRecheck(key) => {
                if let Some(check) = self.holders.get_mut(&key) {
                    if check.status == HolderStatus::Unreachable {
                        check.status = HolderStatus::Verifying;
                        let addr = check.id.addr.clone();
                        self.send_sync(addr, SyncPurpose::Verify(key));
                    }
                }
            }
            TimerEvent::Leave => self.step_leave(now),
        }
    }

    /// Suspicion backstop: foca only times out suspicions it raised itself, so a node that
    /// heard "suspect" but missed the later "down" would keep a dead member for a long time.
    /// Like memberlist, every node times out suspicions it hears of (one probe period later
    /// than the prober would, so the prober's verdict usually arrives first).
    fn expire_suspicions(&mut self, now: Duration) {
        let suspects: Vec<Member<NodeIdentity>> = self
            .foca
            .iter_membership_state()
            .filter(|m| m.state() == foca::State::Suspect)
            .cloned()
            .collect();
        let keys: Vec<(ProcessKey, u16, u16)> = suspects
            .iter()
            .map(|m| (m.id().process(), m.id().bump, m.incarnation()))
            .collect();
        self.suspected.retain(|k, _| keys.contains(k));
        let limit = self.suspicion_timeout + self.timing.probe_period;
        let mut expired = Vec::new();
        for (m, key) in suspects.into_iter().zip(keys) {
            let since = *self.suspected.entry(key).or_insert(now);
            if now >= since + limit {
                expired.push(Member::new(
                    m.id().clone(),
                    m.incarnation(),
                    foca::State::Down,
                ));
            }
        }
        if !expired.is_empty() {
            tracing::debug!(count = expired.len(), "suspicion timed out locally");
            if let Err(e) = self
                .foca
                .apply_many(expired.into_iter(), true, &mut self.events)
            {
                tracing::debug!(error = %e, "expiring suspicions failed");
            }
            self.after_foca(now);
        }
    }

    fn housekeeping(&mut self, now: Duration) {
        let active: Vec<ProcessKey> = self.foca.iter_members().map(|m| m.id().process()).collect();
        let grace = self.timing.record_grace;
        let mut unseen = std::mem::take(&mut self.unseen_since);
        unseen.retain(|k, _| !active.contains(k));
        for r in self.records.all() {
            if r.process != self.own.process && !active.contains(&r.process) {
                unseen.entry(r.process).or_insert(now);
            }
        }
        self.records.retain(|k| {
            active.contains(k) || unseen.get(k).is_none_or(|since| now < *since + grace)
        });
        unseen.retain(|k, since| now < *since + grace || active.contains(k));
        self.unseen_since = unseen;
        self.resize_for_cluster();
        self.update_gauges();
    }

    fn resize_for_cluster(&mut self) {
        let size = self.foca.num_members() + 1;
        // Re-tune only when the size crosses a power of two, to avoid churn.
        let bucket = size.next_power_of_two();
        if bucket != self.sized_for {
            self.sized_for = bucket;
            let config = foca_config(&self.timing, size);
            self.suspicion_timeout = config.suspect_to_down_after;
            if let Err(e) = self.foca.set_config(config) {
                tracing::debug!(error = %e, "could not re-tune foca");
            }
        }
    }

    /// Delay until the next anti-entropy round. The first rounds after start come quickly
    /// (2 s, 4 s, 8 s, 16 s): nodes joining at the same moment miss each other's gossip,
    /// and a sync is what closes that gap. Afterwards the interval grows with log2 of the
    /// cluster size beyond 32 nodes, as memberlist's push/pull does.
    fn next_sync_delay(&mut self) -> Duration {
        let n = (self.foca.num_members() + 1) as f64;
        let factor = if n > 32.0 {
            1.0 + (n / 32.0).log2()
        } else {
            1.0
        };
        let steady = self.timing.sync_interval.mul_f64(factor);
        let ramp = Duration::from_secs(2u64 << self.sync_rounds.min(8));
        let d = ramp.min(steady);
        self.jitter(d)
    }

    fn jitter(&mut self, d: Duration) -> Duration {
        d.mul_f64(self.rng.random_range(0.8..1.2))
    }

    fn backoff(&mut self, failures: u32) -> Duration {
        let exp = failures.saturating_sub(1).min(16);
        let d = self
            .timing
            .join_backoff_min
            .saturating_mul(1u32 << exp)
            .min(self.timing.join_backoff_max);
        self.jitter(d)
    }

    fn random_members(&mut self, n: usize) -> Vec<NodeIdentity> {
        if self.leave == LeavePhase::Left {
            return Vec::new();
        }
        let mut all: Vec<NodeIdentity> = self.foca.iter_members().map(|m| m.id().clone()).collect();
        all.shuffle(&mut self.rng);
        all.truncate(n);
        all
    }

    fn add_own_broadcast(&mut self) {
        if let Err(e) = self.foca.add_broadcast(&self.own.encode()) {
            tracing::warn!(error = %e, "could not queue node-state broadcast");
        }
    }

    fn transition(&mut self, now: Duration, state: NodeState) {
        tracing::info!(from = %self.own.state, to = %state, "cluster node state change");
        self.own.version += 1;
        self.own.state = state;
        self.records.set_own(self.own.clone());
        self.add_own_broadcast();
        // Push the news out now rather than waiting for the next gossip tick.
        if let Err(e) = self.foca.gossip(&mut self.events) {
            tracing::trace!(error = %e, "gossip after state change");
        }
        self.mark_changed();
        self.after_foca(now);
    }

    fn participation_blocker(&self) -> Option<String> {
        if !self.initial_join_done {
            return Some("waiting for the first join attempt to finish".into());
        }
        if let Some(c) = &self.conflict {
            return Some(c.clone());
        }
        if self.name_blocked {
            return Some(format!(
                "an older process named {:?} is still listed as a member; waiting until it is confirmed gone",
                self.identity.name.as_str()
            ));
        }
        None
    }

    fn try_desired(&mut self, now: Duration) {
        if self.desired == NodeState::Participant
            && self.own.state == NodeState::Viewer
            && self.leave == LeavePhase::Running
            && self.participation_blocker().is_none()
        {
            self.transition(now, NodeState::Participant);
        }
    }

    // ----- join ---------------------------------------------------------------------------

    fn start_join_round(&mut self) {
        if self.join != JoinPhase::Idle || self.leave != LeavePhase::Running {
            return;
        }
        self.join = JoinPhase::Resolving;
        self.outputs.push(Output::ResolveJoin);
    }

    fn schedule_join(&mut self, at: Duration) {
        self.join_gen += 1;
        self.timers.push(at, TimerEvent::Join(self.join_gen));
    }

    fn on_join_answer(&mut self, now: Duration, answer: &Answer) {
        let JoinPhase::Syncing {
            outstanding,
            succeeded,
            only_self,
        } = self.join
        else {
            return;
        };
        let outstanding = outstanding.saturating_sub(1);
        let is_peer = matches!(answer, Answer::Peer(_));
        let succeeded = succeeded || is_peer;
        let only_self = only_self && matches!(answer, Answer::Myself(_));
        if is_peer && !self.initial_join_done {
            // One answer is enough to know the cluster; the rest can finish in the background.
            self.initial_join_done = true;
            self.mark_changed();
            self.try_desired(now);
        }
        if let Answer::Foreign(theirs) = answer {
            tracing::warn!(their_cluster = %theirs, "join address belongs to another cluster");
        }
        if outstanding > 0 {
            self.join = JoinPhase::Syncing {
                outstanding,
                succeeded,
                only_self,
            };
            return;
        }
        let result = if succeeded {
            JoinResult::Joined
        } else if only_self {
            JoinResult::Seed
        } else {
            JoinResult::Failed(match answer {
                Answer::Failed(e) => e.clone(),
                Answer::Foreign(c) => format!("peer belongs to cluster {c:?}"),
                _ => "no peer answered".into(),
            })
        };
        self.finish_join_round(now, result);
    }

    fn finish_join_round(&mut self, now: Duration, result: JoinResult) {
        self.join = JoinPhase::Idle;
        self.initial_join_done = true;
        match result {
            JoinResult::Joined | JoinResult::Seed => {
                if self.join_failing {
                    tracing::info!("cluster join succeeded");
                }
                self.join_failures = 0;
                self.join_failing = false;
                if !self.timing.rejoin_interval.is_zero() {
                    self.schedule_join(now + self.timing.rejoin_interval);
                }
            }
            JoinResult::Failed(reason) => {
                self.join_failures = self.join_failures.saturating_add(1);
                self.metrics.join_failed();
                if self.foca.num_members() == 0 {
                    let delay = self.backoff(self.join_failures);
                    tracing::warn!(
                        %reason,
                        attempt = self.join_failures,
                        retry_in = %crate::cluster::duration::format_go_duration(delay),
                        "could not reach any join address; running alone until a retry succeeds"
                    );
                    self.join_failing = true;
                    self.schedule_join(now + delay);
                } else {
                    tracing::debug!(%reason, "rejoin round reached no join address");
                    if !self.timing.rejoin_interval.is_zero() {
                        self.schedule_join(now + self.timing.rejoin_interval);
                    }
                }
            }
        }
        self.mark_changed();
        self.refresh_gauges();
        self.try_desired(now);
    }

    // ----- name conflicts -----------------------------------------------------------------

    fn check_holders(&mut self, now: Duration) {
        let me = self.identity.clone();
        let current: Vec<NodeIdentity> = self
            .foca
            .iter_members()
            .map(|m| m.id())
            .filter(|id| id.name == me.name && !id.same_process(&me))
            .cloned()
            .collect();
        self.holders
            .retain(|k, _| current.iter().any(|c| &c.process() == k));
        for h in current {
            let key = h.process();
            if let Some(check) = self.holders.get_mut(&key) {
                check.id = h;
                continue;
            }
            if h.start > me.start {
                tracing::warn!(
                    other = ?h,
                    "a newer process uses this node's name; it must not take work (it will report a conflict)"
                );
                self.metrics.event(event::NODE_CONFLICT);
                self.holders.insert(
                    key,
                    HolderCheck {
                        id: h,
                        status: HolderStatus::Newer,
                    },
                );
            } else {
                let addr = h.addr.clone();
                self.holders.insert(
                    key.clone(),
                    HolderCheck {
                        id: h,
                        status: HolderStatus::Verifying,
                    },
                );
                self.send_sync(addr, SyncPurpose::Verify(key));
            }
        }
        self.recompute_conflict(now);
    }

    fn on_verify_answer(
        &mut self,
        now: Duration,
        key: ProcessKey,
        from: Option<ProcessKey>,
        answer: &Answer,
    ) {
        let Some(check) = self.holders.get_mut(&key) else {
            return;
        };
        match answer {
            Answer::Peer(_) if from.as_ref() == Some(&key) => check.status = HolderStatus::Live,
            Answer::Peer(_) | Answer::Myself(_) | Answer::Foreign(_) => {
                // Another process answers at the holder's address: the holder is gone.
                let stale = check.id.clone();
                self.holders.remove(&key);
                tracing::info!(stale = ?stale, "declaring a stale member with this node's name down");
                if let Err(e) = self.foca.apply_many(
                    std::iter::once(Member::down(stale)),
                    true,
                    &mut self.events,
                ) {
                    tracing::debug!(error = %e, "declaring stale member down failed");
                }
                self.after_foca(now);
            }
            Answer::Failed(_) => {
                check.status = HolderStatus::Unreachable;
                self.timers.push(
                    now + self.timing.conflict_recheck,
                    TimerEvent::HolderRecheck(key),
                );
            }
        }
        self.recompute_conflict(now);
    }

    fn recompute_conflict(&mut self, now: Duration) {
        let live = self
            .holders
            .values()
            .find(|c| c.status == HolderStatus::Live);
        let conflict = live.map(|c| {
            format!(
                "node name {:?} is already used by a live process at {}; this node takes no work until that process leaves (give each node a unique --cluster.node-name)",
                self.identity.name.as_str(),
                c.id.addr
            )
        });
        if conflict != self.conflict {
            match &conflict {
                Some(msg) => {
                    tracing::error!("{msg}");
                    self.metrics.name_conflict_detected();
                    self.metrics.event(event::NODE_CONFLICT);
                }
                None => tracing::info!("node name conflict resolved"),
            }
            self.conflict = conflict;
            self.mark_changed();
        }
        self.name_blocked = self
            .holders
            .values()
            .any(|c| c.status != HolderStatus::Newer);
        self.refresh_gauges();
        self.try_desired(now);
    }

    // ----- leave --------------------------------------------------------------------------

    fn step_leave(&mut self, now: Duration) {
        loop {
            match self.leave {
                LeavePhase::AwaitAck { deadline } if self.leave_acked || now >= deadline => {
                    let until = now + self.timing.terminating_hold;
                    self.leave = LeavePhase::Holding { until };
                    self.timers.push(until, TimerEvent::Leave);
                }
                LeavePhase::Holding { until } if now >= until => {
                    if let Err(e) = self.foca.leave_cluster(&mut self.events) {
                        tracing::debug!(error = %e, "leave_cluster");
                    }
                    // Send the departure notices, but ignore what foca says about itself.
                    let ev = std::mem::take(&mut self.events);
                    for (to, data) in ev.sends {
                        self.outputs.push(Output::Packet {
                            to: to.addr,
                            data: encode_packet(self.label, &data),
                        });
                    }
                    self.leave = LeavePhase::Left;
                    self.mark_changed();
                    self.outputs.push(Output::Left);
                    self.update_gauges();
                    return;
                }
                _ => return,
            }
        }
    }

    /// Turns record-table counters into gossip event metrics.
    /// Returns whether any record was applied since the last call.
    fn fold_record_counters(&mut self) -> bool {
        let now = self.records.counters();
        let was = std::mem::replace(&mut self.seen_counters, now);
        let m = &self.metrics;
        m.events_by(event::STATE_CHANGE_MESSAGE, now.received - was.received);
        m.events_by(event::INVALID_STATE_TRANSITION, now.invalid - was.invalid);
        m.events_by(event::UNKNOWN_MESSAGE, now.malformed - was.malformed);
        now.applied != was.applied
    }

    /// Marks the view and the gauges as needing a refresh.
    fn mark_changed(&mut self) {
        self.dirty = true;
        self.gauges_stale = true;
    }

    fn refresh_gauges(&mut self) {
        if self.gauges_stale {
            self.update_gauges();
        }
    }

    fn update_gauges(&mut self) {
        self.gauges_stale = false;
        let m = &self.metrics;
        let peers = self.peers();
        let count = |s: NodeState| peers.iter().filter(|p| p.state == s).count();
        m.set_peers_by_state(
            count(NodeState::Viewer),
            count(NodeState::Participant),
            count(NodeState::Terminating),
        );
        m.set_alive_peers(peers.len());
        m.set_node_state(self.own.state);
        m.set_lamport_time(self.own.version);
        m.set_name_conflict(self.conflict.is_some());
        m.set_join_failing(self.join_failing);
        let score = self.join_failures.min(8) as i64 + i64::from(self.conflict.is_some());
        m.set_health_score(score);
    }
}

/// How a sync exchange went, from the requester's side.
enum Answer {
    /// Another process of our cluster answered.
    Peer(SyncMessage),
    /// We reached ourselves (our own address was dialled).
    Myself(SyncMessage),
    /// A node of another cluster answered.
    Foreign(String),
    /// No usable answer.
    Failed(String),
}

enum JoinResult {
    Joined,
    Seed,
    Failed(String),
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ident(name: &str, start: u64) -> NodeIdentity {
        NodeIdentity::new(
            name.into(),
            start,
            PeerAddr::new(format!("{name}-{start}:1")),
        )
    }

    fn core(name: &str, start: u64, join: bool) -> MembershipCore {
        let mut c = MembershipCore::new(
            CoreConfig {
                identity: ident(name, start),
                cluster_name: "test".into(),
                has_join_addresses: join,
                timing: Timing::default(),
                seed: start,
            },
            ClusterMetrics::new("test"),
        );
        c.start(Duration::ZERO);
        c
    }

    fn outputs(c: &mut MembershipCore) -> Vec<Output> {
        let mut v = Vec::new();
        c.drain_outputs(&mut v);
        v
    }

    #[test]
    fn seed_becomes_participant_alone() {
        let mut a = core("a", 1, false);
        assert_eq!(
            a.request_state(Duration::ZERO, NodeState::Participant),
            Ok(StateOutcome::Applied)
        );
        assert_eq!(a.state(), NodeState::Participant);
        assert_eq!(
            a.request_state(Duration::ZERO, NodeState::Viewer),
            Err(StateError::InvalidTransition {
                from: NodeState::Participant,
                to: NodeState::Viewer
            })
        );
        let peers = a.peers();
        assert_eq!(peers.len(), 1);
        assert!(peers[0].is_self);
        // Leaving alone completes immediately.
        a.begin_leave(Duration::from_secs(1));
        assert!(a.has_left());
        assert_eq!(a.state(), NodeState::Terminating);
        assert!(outputs(&mut a).iter().any(|o| matches!(o, Output::Left)));
    }

    #[test]
    fn participant_deferred_until_first_join_round() {
        let mut b = core("b", 2, true);
        assert!(matches!(outputs(&mut b)[..], [Output::ResolveJoin]));
        assert!(matches!(
            b.request_state(Duration::ZERO, NodeState::Participant),
            Ok(StateOutcome::Deferred(_))
        ));
        b.handle_resolved(Duration::ZERO, Err("no such host".into()));
        assert_eq!(
            b.state(),
            NodeState::Participant,
            "proceeds alone after a failed round"
        );
        assert!(b.join_failing());
        assert_eq!(b.metrics().join_failures_count(), 1);
        // A retry is scheduled with backoff.
        assert!(b.next_deadline().is_some());
    }

    #[test]
    fn two_cores_join_over_sync_and_see_each_other() {
        let now = Duration::ZERO;
        let mut a = core("a", 1, false);
        let mut b = core("b", 2, true);
        a.request_state(now, NodeState::Participant).unwrap();
        outputs(&mut a);
        outputs(&mut b);
        b.handle_resolved(now, Ok(vec![a.identity().addr.clone()]));
        let out = outputs(&mut b);
        let Some(Output::Sync { token, message, .. }) =
            out.into_iter().find(|o| matches!(o, Output::Sync { .. }))
        else {
            panic!("expected a sync request");
        };
        let reply = a.handle_sync_request(now, message).unwrap();
        b.handle_sync_response(now, token, Ok(reply));
        assert_eq!(a.num_members(), 1);
        assert_eq!(b.num_members(), 1);
        let b_peers = b.peers();
        assert_eq!(b_peers.len(), 2);
        let a_seen_by_b = b_peers.iter().find(|p| p.name.as_str() == "a").unwrap();
        assert_eq!(
            a_seen_by_b.state,
            NodeState::Participant,
            "record arrived with the sync"
        );
        assert!(!b.join_failing());
    }

    #[test]
    fn wrong_cluster_sync_rejected_and_counted() {
        let mut a = core("a", 1, false);
        let mut msg = core("b", 2, false).sync_message();
        msg.cluster_name = "other".into();
        assert!(matches!(
            a.handle_sync_request(Duration::ZERO, msg),
            Err(SyncRejected::WrongCluster { .. })
        ));
        assert_eq!(a.metrics().rx_wrong_cluster_count(), 1);
        assert_eq!(a.num_members(), 0);
        // Packets of another cluster never reach foca.
        a.handle_packet(
            Duration::ZERO,
            &encode_packet(cluster_label("other"), b"xx"),
        );
        assert_eq!(a.metrics().rx_wrong_cluster_count(), 2);
        // Garbage is counted, never panics.
        for junk in [
            &b""[..],
            &[0xCA, 1][..],
            &[0xCA, 1, 0, 0, 0, 0, 0, 0, 0, 0, 9, 9, 9][..],
        ] {
            a.handle_packet(Duration::ZERO, junk);
        }
        let mut good_label_junk = encode_packet(cluster_label("test"), &[0xff; 40]);
        a.handle_packet(Duration::ZERO, &good_label_junk);
        good_label_junk.truncate(12);
        a.handle_packet(Duration::ZERO, &good_label_junk);
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(512))]
        /// Arbitrary bytes behind a valid envelope never panic the core (foca + postcard +
        /// record decoding) and never add members.
        #[test]
        fn arbitrary_packets_never_panic(payload in proptest::collection::vec(proptest::num::u8::ANY, 0..300)) {
            let mut a = core("a", 1, false);
            a.handle_packet(Duration::ZERO, &encode_packet(cluster_label("test"), &payload));
            a.handle_packet(Duration::ZERO, &payload);
            proptest::prop_assert_eq!(a.num_members(), 0);
        }

        /// Arbitrary record bytes never panic the decoder.
        #[test]
        fn arbitrary_records_never_panic(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..64)) {
            let _ = NodeRecord::decode(&bytes);
        }
    }
}
