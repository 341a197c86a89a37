//! Offline checks of a configuration (`agent validate`): everything the loader checks, plus
//! the arguments of every component whose values do not depend on anything outside the file
//! (other components' exports, the environment). Nothing is built or started, and neither the
//! network nor the environment is touched.

use super::loader::{self, LoadOptions, NodeKind, Source};
use crate::eval::Scope;
use crate::syntax::diag::Diagnostic;

/// Stdlib functions whose results depend on the machine the agent runs on.
const RUNTIME_DEPENDENT: &[&str] = &["env", "sys.env", "constants.hostname"];

/// Checks `sources`; returns every diagnostic found (empty when the configuration is valid).
pub fn check(sources: &[Source], opts: &LoadOptions<'_>) -> Vec<Diagnostic> {
    let (graph, mut diags) = loader::load_partial(sources, opts);
    let scope = Scope::isolated();
    for n in &graph.nodes {
        if !n.edges.is_empty()
            || n.external
                .iter()
                .any(|t| RUNTIME_DEPENDENT.contains(&t.dotted().as_str()))
        {
            continue;
        }
        let res = match n.kind {
            NodeKind::Component(reg) => reg.check(&n.ast, &n.block, &scope),
            NodeKind::Logging => super::logging::NoLogging.check(&n.ast, &n.block, &scope),
            NodeKind::Tracing => crate::eval::decode_body::<super::logging::TracingArguments>(
                &n.ast,
                n.ast.body(n.block.body),
                &scope,
            )
            .map(|_| ()),
        };
        if let Err(d) = res {
            diags.push(d);
        }
    }
    diags
}

impl super::logging::NoLogging {
    fn check(
        &self,
        ast: &crate::syntax::ast::Ast,
        block: &crate::syntax::ast::Block,
        scope: &Scope,
    ) -> Result<(), Diagnostic> {
        use super::logging::LoggingControl;
        self.apply(ast, block, scope)
    }
}
