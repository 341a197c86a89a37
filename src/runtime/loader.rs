//! The loader: parsed files → the graph of nodes and the references between them.
//!
//! Every top-level block becomes a node: components (`<namespace>.<name> "<label>"`, looked up
//! in the [`Registry`]) and the config blocks `logging` and `tracing`. References in
//! expressions become edges (a traversal's shortest dotted prefix that names a node). All
//! problems are reported together, each on the block or expression at fault: top-level
//! attributes, unknown component types (with a suggestion), missing labels, duplicate IDs,
//! unknown references, self references and cycles (on every block of the cycle).

use std::collections::HashMap;
use std::sync::Arc;

use petgraph::graph::{DiGraph, NodeIndex};

use super::component::Stability;
use super::id::ComponentId;
use super::references::{body_traversals, Traversal};
use super::registry::{Registration, Registry};
use crate::syntax::ast::{Ast, Block, Stmt};
use crate::syntax::diag::{Diagnostic, Diagnostics};
use crate::syntax::pos::Offset;

/// A parsed configuration file.
#[derive(Clone)]
pub struct Source {
    /// The file name used in diagnostics.
    pub name: String,
    /// Its tree.
    pub ast: Arc<Ast>,
}

/// What kind of node a block makes.
#[derive(Clone, Copy, Debug)]
pub enum NodeKind {
    /// A component instance.
    Component(&'static Registration),
    /// The `logging` block.
    Logging,
    /// The `tracing` block.
    Tracing,
}

impl NodeKind {
    /// The block name for this kind (`prometheus.scrape`, `logging`).
    pub fn block_name(&self) -> &'static str {
        match self {
            NodeKind::Component(r) => r.name,
            NodeKind::Logging => "logging",
            NodeKind::Tracing => "tracing",
        }
    }
}

/// A reference from one node to another.
#[derive(Clone, Debug)]
pub struct Edge {
    /// The referenced node (index into [`Graph::nodes`]).
    pub to: usize,
    /// The rest of the traversal after the node's ID (the path into its exports).
    pub path: Vec<String>,
}

/// One node of a loaded graph.
#[derive(Clone)]
pub struct NodeSpec {
    /// Its ID.
    pub id: ComponentId,
    /// What it is.
    pub kind: NodeKind,
    /// The file it comes from.
    pub ast: Arc<Ast>,
    /// Its block.
    pub block: Block,
    /// The label (empty for config blocks).
    pub label: String,
    /// Outgoing references.
    pub edges: Vec<Edge>,
    /// Traversals that resolved to nothing in the graph (stdlib and scope names).
    pub external: Vec<Traversal>,
}

/// A loaded graph: nodes, and an evaluation order in which every node comes after the nodes
/// it references.
pub struct Graph {
    /// The nodes.
    pub nodes: Vec<NodeSpec>,
    /// Indices of `nodes` in dependency order.
    pub order: Vec<usize>,
    /// Node index by ID.
    pub by_id: HashMap<ComponentId, usize>,
    /// For each node, the nodes that reference it (its direct dependants), deduplicated.
    pub dependants: Vec<Vec<usize>>,
    /// For each node, its place in `order`.
    pub position: Vec<usize>,
}

impl std::fmt::Debug for Graph {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(self.order.iter().map(|&i| self.nodes[i].id.as_str()))
            .finish()
    }
}

/// Options of a load.
pub struct LoadOptions<'a> {
    /// Component types.
    pub registry: &'static Registry,
    /// Minimum stability accepted.
    pub stability: Stability,
    /// Names resolvable without a node (stdlib is always included).
    pub scope_names: &'a [&'a str],
}

fn block_header_last(ast: &Ast, b: &Block) -> Offset {
    match b.label {
        Some(l) => l.end - 1,
        None => {
            let frags = ast.block_name_frags(b);
            frags[frags.len() - 1].end - 1
        }
    }
}

fn block_diag(ast: &Ast, b: &Block, msg: String) -> Diagnostic {
    Diagnostic::error_range(
        ast.position(ast.block_start(b)),
        ast.position(block_header_last(ast, b)),
        msg,
    )
}

fn name_diag(ast: &Ast, b: &Block, msg: String) -> Diagnostic {
    let frags = ast.block_name_frags(b);
    let last = frags[frags.len() - 1].end - 1;
    Diagnostic::error_range(ast.position(ast.block_start(b)), ast.position(last), msg)
}

/// Builds the graph of `sources` (in the order given; callers sort files by name).
pub fn load(sources: &[Source], opts: &LoadOptions<'_>) -> Result<Graph, Diagnostics> {
    let (graph, diags) = load_partial(sources, opts);
    if diags.is_empty() {
        Ok(graph)
    } else {
        Err(Diagnostics(diags))
    }
}

/// Like [`load`], but always returns the graph of the blocks that could be placed, with the
/// diagnostics found (for reporting everything at once).
pub fn load_partial(sources: &[Source], opts: &LoadOptions<'_>) -> (Graph, Vec<Diagnostic>) {
    let mut diags = Vec::new();
    let mut nodes: Vec<NodeSpec> = Vec::new();
    let mut by_id: HashMap<ComponentId, usize> = HashMap::new();

    for src in sources {
        let ast = &src.ast;
        for stmt in ast.file_body() {
            let b = match stmt {
                Stmt::Attr(a) => {
                    let msg = format!("unrecognized attribute name \"{}\"", ast.text(a.name));
                    diags.push(Diagnostic::error(ast.position(a.name.start), msg));
                    continue;
                }
                Stmt::Block(b) => b,
            };
            let name = ast.block_name(b);
            let label = ast.block_label(b).to_string();
            let kind = match name.as_str() {
                "logging" => NodeKind::Logging,
                "tracing" => NodeKind::Tracing,
                "declare" | "argument" | "export" | "foreach" | "import.file" | "import.string"
                | "import.git" | "import.http" => {
                    diags.push(name_diag(
                        ast,
                        b,
                        format!("{name} blocks (modules and custom components) are not supported by this agent"),
                    ));
                    continue;
                }
                _ => match opts.registry.get(&name) {
                    Some(r) => {
                        if r.stability < opts.stability {
                            diags.push(name_diag(
                                ast,
                                b,
                                format!(
                                    "component \"{name}\" is at stability level \"{}\", which is below the minimum allowed stability level \"{}\"; use --stability.level to allow it",
                                    r.stability.as_str(),
                                    opts.stability.as_str()
                                ),
                            ));
                            continue;
                        }
                        NodeKind::Component(r)
                    }
                    None => {
                        let mut msg =
                            format!("cannot find the definition of component name \"{name}\"");
                        if let Some(s) = opts.registry.suggest(&name) {
                            msg.push_str(&format!(" (did you mean \"{s}\"?)"));
                        }
                        diags.push(name_diag(ast, b, msg));
                        continue;
                    }
                },
            };
            match kind {
                NodeKind::Component(_) if label.is_empty() => {
                    diags.push(block_diag(
                        ast,
                        b,
                        format!("component \"{name}\" must have a label"),
                    ));
                    continue;
                }
                NodeKind::Logging | NodeKind::Tracing if b.label.is_some() => {
                    diags.push(block_diag(
                        ast,
                        b,
                        format!("\"{name}\" does not support specifying labels"),
                    ));
                    continue;
                }
                _ => {}
            }
            let id = ComponentId::for_block(&name, &label);
            if let Some(&prev) = by_id.get(&id) {
                let p = &nodes[prev];
                let at = p.ast.position(p.ast.block_start(&p.block));
                diags.push(block_diag(
                    ast,
                    b,
                    format!("block {id} already declared at {at}"),
                ));
                continue;
            }
            by_id.insert(id.clone(), nodes.len());
            nodes.push(NodeSpec {
                id,
                kind,
                ast: ast.clone(),
                block: *b,
                label,
                edges: Vec::new(),
                external: Vec::new(),
            });
        }
    }

    // References → edges.
    #[allow(clippy::needless_range_loop)] // nodes[i] is borrowed and then replaced
    for i in 0..nodes.len() {
        let mut travs = Vec::new();
        {
            let n = &nodes[i];
            body_traversals(&n.ast, n.ast.body(n.block.body), &mut travs);
        }
        let mut edges = Vec::new();
        let mut external = Vec::new();
        let mut self_ref = false;
        for t in travs {
            let mut found = None;
            for k in 1..=t.parts.len() {
                let prefix = t.parts[..k].join(".");
                if let Some(&j) = by_id.get(prefix.as_str()) {
                    found = Some((j, t.parts[k..].to_vec()));
                    break;
                }
            }
            match found {
                Some((j, _)) if j == i => self_ref = true,
                Some((to, path)) => edges.push(Edge { to, path }),
                None => {
                    let first = t.parts[0].as_str();
                    if crate::stdlib::lookup(first).is_some() || opts.scope_names.contains(&first) {
                        external.push(t);
                    } else {
                        let n = &nodes[i];
                        let last = t.span.end - 1;
                        diags.push(Diagnostic::error_range(
                            n.ast.position(t.span.start),
                            n.ast.position(last),
                            format!(
                                "component \"{}\" does not exist or is out of scope",
                                t.dotted()
                            ),
                        ));
                    }
                }
            }
        }
        if self_ref {
            let n = &nodes[i];
            diags.push(Diagnostic::error_range(
                n.ast.position(n.ast.block_start(&n.block)),
                n.ast.position(n.block.lbrace),
                "cannot reference self",
            ));
        }
        nodes[i].edges = edges;
        nodes[i].external = external;
    }

    // Cycles (every member of a strongly connected component of more than one node).
    let mut g: DiGraph<usize, ()> = DiGraph::with_capacity(nodes.len(), 0);
    let idx: Vec<NodeIndex> = (0..nodes.len()).map(|i| g.add_node(i)).collect();
    for (i, n) in nodes.iter().enumerate() {
        for e in &n.edges {
            g.update_edge(idx[i], idx[e.to], ());
        }
    }
    let mut in_cycle = false;
    let mut sccs = petgraph::algo::tarjan_scc(&g);
    sccs.reverse();
    for scc in &sccs {
        if scc.len() < 2 {
            continue;
        }
        in_cycle = true;
        let mut members: Vec<usize> = scc.iter().map(|&x| g[x]).collect();
        members.sort();
        let names: Vec<String> = members.iter().map(|&m| nodes[m].id.to_string()).collect();
        let msg = format!("cycle detected: {}", names.join(", "));
        for &m in &members {
            let n = &nodes[m];
            diags.push(Diagnostic::error_range(
                n.ast.position(n.ast.block_start(&n.block)),
                n.ast.position(n.block.lbrace),
                msg.clone(),
            ));
        }
    }

    let _ = in_cycle;

    // Dependency order: dependencies first (reverse of the edge direction's topological order).
    let order: Vec<usize> = match petgraph::algo::toposort(&g, None) {
        Ok(mut o) => {
            o.reverse();
            o.into_iter().map(|x| g[x]).collect()
        }
        Err(_) => (0..nodes.len()).collect(),
    };
    let mut dependants: Vec<Vec<usize>> = vec![Vec::new(); nodes.len()];
    for (j, n) in nodes.iter().enumerate() {
        for e in &n.edges {
            if dependants[e.to].last() != Some(&j) {
                dependants[e.to].push(j);
            }
        }
    }
    let mut position = vec![0; nodes.len()];
    for (p, &i) in order.iter().enumerate() {
        position[i] = p;
    }
    (
        Graph {
            nodes,
            order,
            by_id,
            dependants,
            position,
        },
        diags,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runtime::component::{Component, ComponentError, Context};

    #[derive(serde::Deserialize, serde::Serialize, Clone, PartialEq, Debug, Default)]
    struct Args {
        #[serde(default)]
        input: Option<crate::eval::Value>,
    }
    crate::river_schema!(Args { attr? input });

    struct Dummy;
    impl Component for Dummy {
        type Arguments = Args;
        fn build(_: Context, _: Args) -> Result<Self, ComponentError> {
            Ok(Dummy)
        }
        fn update(&self, _: Args) -> Result<(), ComponentError> {
            Ok(())
        }
        fn run(
            self: Arc<Self>,
            _: tokio_util::sync::CancellationToken,
        ) -> futures::future::BoxFuture<'static, Result<(), ComponentError>> {
            Box::pin(async { Ok(()) })
        }
    }

    fn load_src(src: &str) -> Result<Graph, Vec<String>> {
        let mut reg = Registry::new();
        reg.add(Registration::of::<Dummy>(
            "test.dummy",
            Stability::GenerallyAvailable,
        ));
        let reg: &'static Registry = Box::leak(Box::new(reg));
        let ast = Arc::new(crate::syntax::parse_file("main.river", src.as_bytes()).unwrap());
        let opts = LoadOptions {
            registry: reg,
            stability: Stability::GenerallyAvailable,
            scope_names: &[],
        };
        load(
            &[Source {
                name: "main.river".into(),
                ast,
            }],
            &opts,
        )
        .map_err(|d| d.0.iter().map(|d| d.to_string()).collect())
    }

    #[test]
    fn orders_dependencies_first() {
        let g =
            load_src("test.dummy \"b\" { input = test.dummy.a.x }\ntest.dummy \"a\" {}\n").unwrap();
        let ids: Vec<_> = g.order.iter().map(|&i| g.nodes[i].id.to_string()).collect();
        assert_eq!(ids, vec!["test.dummy.a", "test.dummy.b"]);
        assert_eq!(g.nodes[0].edges[0].path, vec!["x".to_string()]);
    }

    #[test]
    fn reports_everything() {
        let errs = load_src(
            "x = 1\ntest.dumy \"a\" {}\ntest.dummy {}\ntest.dummy \"b\" {}\ntest.dummy \"b\" {}\ntest.dummy \"c\" { input = nope.z }\n",
        )
        .unwrap_err();
        assert_eq!(
            errs,
            vec![
                "main.river:1:1: unrecognized attribute name \"x\"",
                "main.river:2:1: cannot find the definition of component name \"test.dumy\" (did you mean \"test.dummy\"?)",
                "main.river:3:1: component \"test.dummy\" must have a label",
                "main.river:5:1: block test.dummy.b already declared at main.river:4:1",
                "main.river:6:26: component \"nope.z\" does not exist or is out of scope",
            ]
        );
    }

    #[test]
    fn cycles_and_self_references() {
        let errs = load_src(
            "test.dummy \"a\" { input = test.dummy.b.x }\ntest.dummy \"b\" { input = test.dummy.a.x }\ntest.dummy \"c\" { input = test.dummy.c.x }\n",
        )
        .unwrap_err();
        assert_eq!(
            errs,
            vec![
                "main.river:3:1: cannot reference self",
                "main.river:1:1: cycle detected: test.dummy.a, test.dummy.b",
                "main.river:2:1: cycle detected: test.dummy.a, test.dummy.b",
            ]
        );
    }

    #[test]
    fn stdlib_names_are_not_references() {
        assert!(load_src("test.dummy \"a\" { input = string.format(\"%d\", 1) }\n").is_ok());
    }
}
