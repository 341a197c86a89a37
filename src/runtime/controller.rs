//! The controller: one task that owns the graph, evaluates nodes, and supervises components.
//!
//! * A load builds a new graph from the files, checks it, and evaluates every node in
//!   dependency order: new components are built, changed ones get their new arguments
//!   (unchanged ones are left alone), removed ones are stopped. A graph that fails to load
//!   leaves the running graph exactly as it was.
//! * When a component publishes new exports, the nodes that reference it are re-evaluated
//!   (direct dependants only, deduplicated; bursts are coalesced by draining the queue).
//! * Membership changes reach the components that opted in to clustering.
//! * Each component runs in its own task; a task that fails is reported unhealthy and
//!   restarted with backoff. Shutdown stops components in reverse dependency order.
//!
//! Other tasks (the HTTP API) read a [`Snapshot`] published after every change and talk to
//! the controller through a [`ControllerHandle`].

use std::collections::{BTreeSet, HashMap};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use arc_swap::ArcSwap;
use tokio::sync::{mpsc, oneshot, watch};
use tokio_util::sync::CancellationToken;

use super::component::{Context, ExportsSink, LocalHttp, Stability};
use super::health::{Health, HealthSlot, HealthState};
use super::id::ComponentId;
use super::loader::{self, Graph, LoadOptions, NodeKind, Source};
use super::logging::LoggingControl;
use super::metrics::{ConfigHashLabels, ControllerMetrics, HealthLabel};
use super::registry::{DynComponent, EvalError, Registry};
use crate::cluster::membership::ClusterView;
use crate::eval::{Scope, Value};
use crate::syntax::diag::{Diagnostic, Diagnostics};

/// What the controller needs from the rest of the agent.
pub struct ControllerOptions {
    /// Component types.
    pub registry: &'static Registry,
    /// `--stability.level`.
    pub stability: Stability,
    /// `--storage.path`.
    pub storage_path: PathBuf,
    /// Cluster membership.
    pub cluster: watch::Receiver<ClusterView>,
    /// `--cluster.name`, for the config hash metric.
    pub cluster_name: String,
    /// The in-memory HTTP address.
    pub memory_addr: String,
    /// In-process access to the agent's own routes.
    pub local_http: Arc<dyn LocalHttp>,
    /// Controller metrics.
    pub metrics: Arc<ControllerMetrics>,
    /// Applies the `logging` block.
    pub logging: Arc<dyn LoggingControl>,
}

/// One node's live state, shared with the API.
pub struct Instance {
    /// Its ID.
    pub id: ComponentId,
    /// Its block name (`prometheus.scrape`, `logging`).
    pub block_name: &'static str,
    /// Its label.
    pub label: String,
    /// The component, once built.
    pub component: OnceLock<Arc<dyn DynComponent>>,
    /// Current exports.
    pub exports: Arc<ArcSwap<Value>>,
    /// Result of the last evaluation.
    pub eval_health: HealthSlot,
    /// State of its task.
    pub run_health: HealthSlot,
    /// What the component reports about itself.
    pub own_health: HealthSlot,
    /// The component's metrics.
    pub metrics: Arc<Mutex<prometheus_client::registry::Registry>>,
    cancel: CancellationToken,
    task: Mutex<Option<tokio::task::JoinHandle<()>>>,
}

impl Instance {
    /// The node's health: the least healthy of evaluation, task and own report.
    pub fn health(&self) -> Health {
        Health::worst([
            &self.eval_health.get(),
            &self.run_health.get(),
            &self.own_health.get(),
        ])
    }
}

/// A node as the API shows it.
#[derive(Clone)]
pub struct NodeInfo {
    /// The live state.
    pub inst: Arc<Instance>,
    /// IDs this node references.
    pub references_to: Vec<ComponentId>,
    /// IDs that reference this node.
    pub referenced_by: Vec<ComponentId>,
    /// For each reference, the path into the referenced node's exports.
    pub reference_paths: Vec<(ComponentId, Vec<String>)>,
}

/// The graph as last published by the controller.
#[derive(Default)]
pub struct Snapshot {
    /// Nodes in file order.
    pub nodes: Vec<NodeInfo>,
    /// Index into `nodes` by ID.
    pub by_id: HashMap<ComponentId, usize>,
    /// True after the first successful load.
    pub loaded: bool,
}

impl Snapshot {
    /// The node with `id`.
    pub fn get(&self, id: &str) -> Option<&NodeInfo> {
        self.by_id.get(id).map(|&i| &self.nodes[i])
    }
}

/// The result of a load.
#[derive(Debug)]
pub struct LoadReport {
    /// Evaluation errors (the graph was applied; these nodes kept their previous state).
    pub diagnostics: Diagnostics,
}

enum Command {
    Load {
        sources: Vec<Source>,
        hash: String,
        reply: oneshot::Sender<Result<LoadReport, Diagnostics>>,
    },
    Shutdown {
        reply: oneshot::Sender<()>,
    },
}

/// Talks to the controller task.
#[derive(Clone)]
pub struct ControllerHandle {
    tx: mpsc::Sender<Command>,
    snapshot: Arc<ArcSwap<Snapshot>>,
}

impl ControllerHandle {
    /// Loads (or reloads) a configuration. `Err` means nothing changed; `Ok` with diagnostics
    /// means the graph was applied but some nodes failed to evaluate.
    pub async fn load(
        &self,
        sources: Vec<Source>,
        hash: String,
    ) -> Result<LoadReport, Diagnostics> {
        let (reply, rx) = oneshot::channel();
        if self
            .tx
            .send(Command::Load {
                sources,
                hash,
                reply,
            })
            .await
            .is_err()
        {
            return Err(Diagnostics::from(Diagnostic::error(
                Default::default(),
                "the agent is shutting down",
            )));
        }
        rx.await.unwrap_or_else(|_| {
            Err(Diagnostics::from(Diagnostic::error(
                Default::default(),
                "the agent is shutting down",
            )))
        })
    }

    /// Stops every component (dependants first) and ends the controller.
    pub async fn shutdown(&self) {
        let (reply, rx) = oneshot::channel();
        if self.tx.send(Command::Shutdown { reply }).await.is_ok() {
            let _ = rx.await;
        }
    }

    /// The latest snapshot.
    pub fn snapshot(&self) -> Arc<Snapshot> {
        self.snapshot.load_full()
    }
}

/// Starts the controller task.
pub fn start(opts: ControllerOptions) -> ControllerHandle {
    let (tx, rx) = mpsc::channel(16);
    let snapshot = Arc::new(ArcSwap::from_pointee(Snapshot::default()));
    let (changed_tx, changed_rx) = mpsc::unbounded_channel();
    let cluster_rx = opts.cluster.clone();
    let ctl = Controller {
        opts,
        graph: None,
        instances: HashMap::new(),
        scope: Scope::with_env(),
        changed_tx,
        snapshot: snapshot.clone(),
        loaded: false,
    };
    tokio::spawn(ctl.run(rx, changed_rx, cluster_rx));
    ControllerHandle { tx, snapshot }
}

struct Controller {
    opts: ControllerOptions,
    graph: Option<Graph>,
    instances: HashMap<ComponentId, Arc<Instance>>,
    scope: Scope,
    changed_tx: mpsc::UnboundedSender<ComponentId>,
    snapshot: Arc<ArcSwap<Snapshot>>,
    loaded: bool,
}

impl Controller {
    async fn run(
        mut self,
        mut cmds: mpsc::Receiver<Command>,
        mut changed: mpsc::UnboundedReceiver<ComponentId>,
        mut cluster: watch::Receiver<ClusterView>,
    ) {
        loop {
            tokio::select! {
                cmd = cmds.recv() => match cmd {
                    Some(Command::Load { sources, hash, reply }) => {
                        let r = self.apply(sources, hash).await;
                        let _ = reply.send(r);
                    }
                    Some(Command::Shutdown { reply }) => {
                        self.shutdown().await;
                        let _ = reply.send(());
                        return;
                    }
                    None => {
                        self.shutdown().await;
                        return;
                    }
                },
                Some(id) = changed.recv() => {
                    let mut ids = BTreeSet::from([id]);
                    while let Ok(id) = changed.try_recv() {
                        ids.insert(id);
                    }
                    self.opts.metrics.evaluation_queue_size.set(ids.len() as i64);
                    self.propagate(ids);
                    self.opts.metrics.evaluation_queue_size.set(0);
                }
                Ok(()) = cluster.changed() => {
                    let view = cluster.borrow_and_update().clone();
                    for inst in self.instances.values() {
                        if let Some(c) = inst.component.get() {
                            if c.clustering_enabled() {
                                c.cluster_changed(&view);
                            }
                        }
                    }
                }
            }
        }
    }

    fn registry_scope_names() -> &'static [&'static str] {
        &[]
    }

    async fn apply(
        &mut self,
        sources: Vec<Source>,
        hash: String,
    ) -> Result<LoadReport, Diagnostics> {
        let result = self.apply_inner(sources).await;
        let m = &self.opts.metrics;
        match &result {
            Ok(r) if r.diagnostics.is_empty() => {
                m.last_load_successful.set(1);
                m.last_load_success_timestamp
                    .set(chrono::Utc::now().timestamp_millis() as f64 / 1000.0);
                m.config_hash.clear();
                m.config_hash
                    .get_or_create(&ConfigHashLabels {
                        sha256: hash,
                        cluster_name: self.opts.cluster_name.clone(),
                    })
                    .set(1);
            }
            _ => {
                m.last_load_successful.set(0);
                m.load_failures.inc();
            }
        }
        self.update_health_metrics();
        result
    }

    async fn apply_inner(&mut self, sources: Vec<Source>) -> Result<LoadReport, Diagnostics> {
        let opts = LoadOptions {
            registry: self.opts.registry,
            stability: self.opts.stability,
            scope_names: Self::registry_scope_names(),
        };
        let graph = loader::load(&sources, &opts)?;

        // Check what can be checked before anything changes: arguments of components whose
        // references all point at nodes that already run (or at nothing).
        let mut pre = Vec::new();
        for &i in &graph.order {
            let n = &graph.nodes[i];
            let NodeKind::Component(reg) = n.kind else {
                continue;
            };
            let deps_ready = n
                .edges
                .iter()
                .all(|e| self.instances.contains_key(&graph.nodes[e.to].id));
            if deps_ready {
                if let Err(d) = reg.check(&n.ast, &n.block, &self.scope) {
                    pre.push(d);
                }
            }
        }
        if !pre.is_empty() {
            return Err(Diagnostics(pre));
        }

        // Stop what was removed (or changed kind), dependants first.
        let mut removed: Vec<ComponentId> = Vec::new();
        if let Some(old) = &self.graph {
            for &i in old.order.iter().rev() {
                let id = &old.nodes[i].id;
                let keep = graph.by_id.get(id).is_some_and(|&j| {
                    graph.nodes[j].kind.block_name() == old.nodes[i].kind.block_name()
                });
                if !keep {
                    removed.push(id.clone());
                }
            }
        }
        for id in &removed {
            if let Some(inst) = self.instances.remove(id) {
                stop_instance(&inst).await;
            }
        }

        // Rebuild the scope from the instances that stay.
        self.scope = Scope::with_env();
        for inst in self.instances.values() {
            insert_exports(&mut self.scope, &inst.id, &inst.exports.load());
        }

        // Evaluate everything in dependency order.
        let mut diags = Vec::new();
        let mut to_start = Vec::new();
        for &i in &graph.order {
            let n = &graph.nodes[i];
            let inst = self
                .instances
                .entry(n.id.clone())
                .or_insert_with(|| new_instance(n))
                .clone();
            let started = Instant::now();
            match n.kind {
                NodeKind::Component(reg) => match inst.component.get() {
                    None => {
                        let ctx = self.context(&inst);
                        match reg.build(ctx, &n.ast, &n.block, &self.scope) {
                            Ok(c) => {
                                let _ = inst.component.set(c);
                                inst.eval_health.set(Health::healthy("component evaluated"));
                                to_start.push(inst.clone());
                            }
                            Err(e) => diags.push(eval_failed(&inst, n, e)),
                        }
                    }
                    Some(c) => match c.update(&n.ast, &n.block, &self.scope) {
                        Ok(_) => inst.eval_health.set(Health::healthy("component evaluated")),
                        Err(e) => diags.push(eval_failed(&inst, n, e)),
                    },
                },
                NodeKind::Logging => match self.opts.logging.apply(&n.ast, &n.block, &self.scope) {
                    Ok(()) => inst.eval_health.set(Health::healthy("logging configured")),
                    Err(d) => {
                        inst.eval_health.set(Health::unhealthy(format!(
                            "component evaluation failed: {}",
                            d.message
                        )));
                        diags.push(d);
                    }
                },
                NodeKind::Tracing => match crate::eval::decode_body::<
                    super::logging::TracingArguments,
                >(
                    &n.ast, n.ast.body(n.block.body), &self.scope
                ) {
                    Ok(_) => inst.eval_health.set(Health::healthy(
                        "tracing configured (self-tracing export is not implemented)",
                    )),
                    Err(d) => {
                        inst.eval_health.set(Health::unhealthy(format!(
                            "component evaluation failed: {}",
                            d.message
                        )));
                        diags.push(d);
                    }
                },
            }
            self.opts
                .metrics
                .evaluation_seconds
                .observe(started.elapsed().as_secs_f64());
            insert_exports(&mut self.scope, &inst.id, &inst.exports.load());
        }
        // A graph without logging still gets the defaults.
        if !graph.by_id.contains_key("logging") {
            self.opts.logging.reset();
        }

        for inst in to_start {
            if let Some(c) = inst.component.get() {
                start_task(inst.clone(), c.clone());
                if c.clustering_enabled() {
                    c.cluster_changed(&self.opts.cluster.borrow());
                }
            }
        }
        self.graph = Some(graph);
        self.loaded = self.loaded || diags.is_empty();
        self.publish();
        Ok(LoadReport {
            diagnostics: Diagnostics(diags),
        })
    }

    fn context(&self, inst: &Arc<Instance>) -> Context {
        Context {
            id: inst.id.clone(),
            data_dir: self.opts.storage_path.join(inst.id.as_str()),
            exports: ExportsSink {
                node: inst.id.clone(),
                slot: inst.exports.clone(),
                changed: self.changed_tx.clone(),
            },
            health: inst.own_health.clone(),
            cluster: self.opts.cluster.clone(),
            metrics: inst.metrics.clone(),
            memory_addr: self.opts.memory_addr.clone(),
            local_http: self.opts.local_http.clone(),
        }
    }

    /// Re-evaluates the direct dependants of nodes whose exports changed.
    fn propagate(&mut self, changed: BTreeSet<ComponentId>) {
        let Some(graph) = &self.graph else { return };
        let mut idx = BTreeSet::new();
        for id in &changed {
            if let Some(inst) = self.instances.get(id) {
                insert_exports(&mut self.scope, id, &inst.exports.load());
            }
            if let Some(&i) = graph.by_id.get(id) {
                idx.insert(i);
            }
        }
        let mut dependants = BTreeSet::new();
        for &i in &idx {
            dependants.extend(graph.dependants[i].iter().copied());
        }
        if dependants.is_empty() {
            return;
        }
        self.opts.metrics.evaluating.set(1);
        let mut todo: Vec<usize> = dependants.into_iter().collect();
        todo.sort_by_key(|&i| graph.position[i]);
        for i in todo {
            let n = &graph.nodes[i];
            let Some(inst) = self.instances.get(&n.id).cloned() else {
                continue;
            };
            let started = Instant::now();
            match n.kind {
                NodeKind::Component(_) => {
                    if let Some(c) = inst.component.get() {
                        match c.update(&n.ast, &n.block, &self.scope) {
                            Ok(_) => inst.eval_health.set(Health::healthy("component evaluated")),
                            Err(e) => {
                                let d = eval_failed(&inst, n, e);
                                tracing::warn!(component = %n.id, "evaluation failed: {d}");
                            }
                        }
                    }
                }
                NodeKind::Logging => {
                    if let Err(d) = self.opts.logging.apply(&n.ast, &n.block, &self.scope) {
                        tracing::warn!("logging block: {d}");
                    }
                }
                NodeKind::Tracing => {}
            }
            self.opts
                .metrics
                .evaluation_seconds
                .observe(started.elapsed().as_secs_f64());
            insert_exports(&mut self.scope, &inst.id, &inst.exports.load());
        }
        self.opts.metrics.evaluating.set(0);
        self.update_health_metrics();
    }

    fn publish(&self) {
        let Some(graph) = &self.graph else { return };
        let mut nodes = Vec::with_capacity(graph.nodes.len());
        let mut referenced_by: HashMap<usize, Vec<ComponentId>> = HashMap::new();
        for (i, n) in graph.nodes.iter().enumerate() {
            for e in &n.edges {
                let v = referenced_by.entry(e.to).or_default();
                if !v.contains(&graph.nodes[i].id) {
                    v.push(graph.nodes[i].id.clone());
                }
            }
        }
        let mut by_id = HashMap::new();
        for (i, n) in graph.nodes.iter().enumerate() {
            let Some(inst) = self.instances.get(&n.id) else {
                continue;
            };
            let mut refs: Vec<ComponentId> = Vec::new();
            let mut paths = Vec::new();
            for e in &n.edges {
                let to = graph.nodes[e.to].id.clone();
                if !refs.contains(&to) {
                    refs.push(to.clone());
                }
                paths.push((to, e.path.clone()));
            }
            by_id.insert(n.id.clone(), nodes.len());
            nodes.push(NodeInfo {
                inst: inst.clone(),
                references_to: refs,
                referenced_by: referenced_by.remove(&i).unwrap_or_default(),
                reference_paths: paths,
            });
        }
        self.snapshot.store(Arc::new(Snapshot {
            nodes,
            by_id,
            loaded: self.loaded,
        }));
    }

    fn update_health_metrics(&self) {
        let mut counts: HashMap<HealthState, i64> = HashMap::new();
        for inst in self.instances.values() {
            if inst.component.get().is_some() || inst.block_name.contains('.') {
                *counts.entry(inst.health().state).or_default() += 1;
            }
        }
        for s in [
            HealthState::Healthy,
            HealthState::Unhealthy,
            HealthState::Unknown,
            HealthState::Exited,
        ] {
            self.opts
                .metrics
                .running_components
                .get_or_create(&HealthLabel {
                    health_type: s.as_str().to_string(),
                })
                .set(counts.get(&s).copied().unwrap_or(0));
        }
    }

    async fn shutdown(&mut self) {
        let order: Vec<ComponentId> = match &self.graph {
            Some(g) => g
                .order
                .iter()
                .rev()
                .map(|&i| g.nodes[i].id.clone())
                .collect(),
            None => self.instances.keys().cloned().collect(),
        };
        for id in order {
            if let Some(inst) = self.instances.get(&id) {
                stop_instance(inst).await;
            }
        }
    }
}

fn new_instance(n: &loader::NodeSpec) -> Arc<Instance> {
    let metrics = prometheus_client::registry::Registry::with_labels(
        [
            (
                std::borrow::Cow::Borrowed("component_id"),
                std::borrow::Cow::Owned(n.id.to_string()),
            ),
            (
                std::borrow::Cow::Borrowed("component_path"),
                std::borrow::Cow::Borrowed("/"),
            ),
        ]
        .into_iter(),
    );
    Arc::new(Instance {
        id: n.id.clone(),
        block_name: n.kind.block_name(),
        label: n.label.clone(),
        component: OnceLock::new(),
        exports: Arc::new(ArcSwap::from_pointee(Value::Null)),
        eval_health: HealthSlot::new(Health::unknown("component created")),
        // Config blocks have no task; only components start "unknown" until running.
        run_health: HealthSlot::new(match n.kind {
            NodeKind::Component(_) => Health::unknown("component created"),
            _ => Health::healthy(""),
        }),
        own_health: HealthSlot::new(Health::healthy("")),
        metrics: Arc::new(Mutex::new(metrics)),
        cancel: CancellationToken::new(),
        task: Mutex::new(None),
    })
}

fn eval_failed(inst: &Instance, n: &loader::NodeSpec, e: EvalError) -> Diagnostic {
    let d = match e {
        EvalError::Arguments(d) => d,
        EvalError::Component(e) => {
            let ast = &n.ast;
            Diagnostic::error(
                ast.position(ast.block_start(&n.block)),
                format!("{}: {}", n.id, e),
            )
        }
    };
    inst.eval_health.set(Health::unhealthy(format!(
        "component evaluation failed: {}",
        d.message
    )));
    d
}

fn insert_exports(scope: &mut Scope, id: &ComponentId, exports: &Value) {
    let parts: Vec<&str> = id.fragments().collect();
    let v = if matches!(exports, Value::Null) {
        Value::Object(crate::eval::Object::empty())
    } else {
        exports.clone()
    };
    scope.insert_path(&parts, v);
}

/// Runs a component's task, restarting it with backoff when it fails.
fn start_task(inst: Arc<Instance>, comp: Arc<dyn DynComponent>) {
    let cancel = inst.cancel.clone();
    let inst2 = inst.clone();
    let handle = tokio::spawn(async move {
        let inst = inst2;
        let mut backoff = Duration::from_secs(1);
        loop {
            inst.run_health.set(Health::healthy("started component"));
            let fut = comp.run(cancel.clone());
            let res = tokio::spawn(fut).await;
            if cancel.is_cancelled() {
                inst.run_health.set(Health::new(
                    HealthState::Exited,
                    "component shut down cleanly",
                ));
                return;
            }
            let err = match res {
                Ok(Ok(())) => {
                    inst.run_health
                        .set(Health::new(HealthState::Exited, "component exited"));
                    return;
                }
                Ok(Err(e)) => e.0,
                Err(join) if join.is_panic() => "component panicked".to_string(),
                Err(join) => join.to_string(),
            };
            tracing::error!(component = %inst.id, "component exited with error: {err}; restarting in {backoff:?}");
            inst.run_health.set(Health::unhealthy(format!(
                "component exited with error: {err}; restarting in {backoff:?}"
            )));
            tokio::select! {
                _ = cancel.cancelled() => {
                    inst.run_health.set(Health::new(HealthState::Exited, "component shut down cleanly"));
                    return;
                }
                _ = tokio::time::sleep(backoff) => {}
            }
            backoff = (backoff * 2).min(Duration::from_secs(60));
        }
    });
    *inst.task.lock().unwrap_or_else(|p| p.into_inner()) = Some(handle);
}

/// Cancels a component's task and waits for it (up to a deadline).
async fn stop_instance(inst: &Instance) {
    inst.cancel.cancel();
    let handle = inst.task.lock().unwrap_or_else(|p| p.into_inner()).take();
    if let Some(h) = handle {
        if tokio::time::timeout(Duration::from_secs(60), h)
            .await
            .is_err()
        {
            tracing::warn!(component = %inst.id, "component did not stop within 60s; abandoning it");
        }
    }
}
