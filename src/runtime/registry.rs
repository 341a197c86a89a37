//! The table of component types, and the type-erased wrapper the controller drives.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use futures::future::BoxFuture;
use tokio_util::sync::CancellationToken;

use super::component::{Component, ComponentError, Context, Stability};
use crate::cluster::membership::ClusterView;
use crate::eval::encode::BodyStmt;
use crate::eval::schema::Schema;
use crate::eval::{decode_body, RiverSchema, Scope};
use crate::syntax::ast::{Ast, Block};
use crate::syntax::Diagnostic;

/// Why a component could not be built or updated.
#[derive(Debug, Clone)]
pub enum EvalError {
    /// Its arguments did not evaluate or decode.
    Arguments(Diagnostic),
    /// The component refused them.
    Component(ComponentError),
}

/// A component instance as the controller sees it.
pub trait DynComponent: Send + Sync {
    /// Decodes the block's arguments and applies them if they changed; true when they did.
    fn update(&self, ast: &Ast, block: &Block, scope: &Scope) -> Result<bool, EvalError>;
    /// The component's task.
    fn run(&self, cancel: CancellationToken) -> BoxFuture<'static, Result<(), ComponentError>>;
    /// The current arguments, as a body for the UI.
    fn arguments(&self) -> Vec<BodyStmt>;
    /// Debug info for the UI.
    fn debug_info(&self) -> Option<Vec<BodyStmt>>;
    /// Whether membership changes should reach it.
    fn clustering_enabled(&self) -> bool;
    /// Membership changed.
    fn cluster_changed(&self, view: &ClusterView);
    /// Its HTTP routes, if any.
    fn http_routes(&self) -> Option<axum::Router>;
}

struct Erased<C: Component> {
    component: Arc<C>,
    args: Mutex<C::Arguments>,
}

fn decode<C: Component>(
    ast: &Ast,
    block: &Block,
    scope: &Scope,
) -> Result<C::Arguments, EvalError> {
    decode_body::<C::Arguments>(ast, ast.body(block.body), scope)
        .map_err(|d| EvalError::Arguments(position_on_block(ast, block, d)))
}

/// Errors without a position (e.g. `missing required attribute`) are placed on the block, as
/// upstream's validator does.
pub fn position_on_block(ast: &Ast, block: &Block, mut d: Diagnostic) -> Diagnostic {
    if !d.start.is_valid() {
        d.start = ast.position(ast.block_start(block));
        let last = match block.label {
            Some(l) => l.end - 1,
            None => ast
                .block_name_frags(block)
                .last()
                .map_or(block.lbrace, |f| f.end - 1),
        };
        d.end = Some(ast.position(last));
    }
    d
}

impl<C: Component> DynComponent for Erased<C> {
    fn update(&self, ast: &Ast, block: &Block, scope: &Scope) -> Result<bool, EvalError> {
        let new = decode::<C>(ast, block, scope)?;
        let mut cur = self.args.lock().unwrap_or_else(|p| p.into_inner());
        if *cur == new {
            return Ok(false);
        }
        self.component
            .update(new.clone())
            .map_err(EvalError::Component)?;
        *cur = new;
        Ok(true)
    }

    fn run(&self, cancel: CancellationToken) -> BoxFuture<'static, Result<(), ComponentError>> {
        self.component.clone().run(cancel)
    }

    fn arguments(&self) -> Vec<BodyStmt> {
        let args = self.args.lock().unwrap_or_else(|p| p.into_inner());
        C::arguments_value(&args).unwrap_or_default()
    }

    fn debug_info(&self) -> Option<Vec<BodyStmt>> {
        self.component.debug_info()
    }

    fn clustering_enabled(&self) -> bool {
        self.component.clustering_enabled()
    }

    fn cluster_changed(&self, view: &ClusterView) {
        self.component.cluster_changed(view)
    }

    fn http_routes(&self) -> Option<axum::Router> {
        self.component.http_routes()
    }
}

fn build_erased<C: Component>(
    ctx: Context,
    ast: &Ast,
    block: &Block,
    scope: &Scope,
) -> Result<Arc<dyn DynComponent>, EvalError> {
    let args = decode::<C>(ast, block, scope)?;
    let component = C::build(ctx, args.clone()).map_err(EvalError::Component)?;
    Ok(Arc::new(Erased {
        component: Arc::new(component),
        args: Mutex::new(args),
    }))
}

fn check_erased<C: Component>(ast: &Ast, block: &Block, scope: &Scope) -> Result<(), Diagnostic> {
    decode_body::<C::Arguments>(ast, ast.body(block.body), scope)
        .map(|_| ())
        .map_err(|d| position_on_block(ast, block, d))
}

type BuildFn = fn(Context, &Ast, &Block, &Scope) -> Result<Arc<dyn DynComponent>, EvalError>;

/// One component type.
pub struct Registration {
    /// The block name, e.g. `prometheus.scrape`.
    pub name: &'static str,
    /// How mature it is.
    pub stability: Stability,
    /// The arguments' schema.
    pub schema: fn() -> &'static Schema,
    build: BuildFn,
    check: fn(&Ast, &Block, &Scope) -> Result<(), Diagnostic>,
}

impl Registration {
    /// The registration of component type `C` under `name`.
    pub fn of<C: Component>(name: &'static str, stability: Stability) -> Registration {
        Registration {
            name,
            stability,
            schema: <C::Arguments as RiverSchema>::schema,
            build: build_erased::<C>,
            check: check_erased::<C>,
        }
    }

    /// Decodes the block's arguments and builds an instance.
    pub fn build(
        &self,
        ctx: Context,
        ast: &Ast,
        block: &Block,
        scope: &Scope,
    ) -> Result<Arc<dyn DynComponent>, EvalError> {
        (self.build)(ctx, ast, block, scope)
    }

    /// Decodes the block's arguments without building anything (for validation).
    pub fn check(&self, ast: &Ast, block: &Block, scope: &Scope) -> Result<(), Diagnostic> {
        (self.check)(ast, block, scope)
    }
}

impl std::fmt::Debug for Registration {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Registration({})", self.name)
    }
}

/// All component types by name.
#[derive(Default)]
pub struct Registry {
    by_name: BTreeMap<&'static str, Registration>,
}

impl Registry {
    /// An empty registry.
    pub fn new() -> Registry {
        Registry::default()
    }

    /// Adds a component type.
    pub fn add(&mut self, r: Registration) {
        self.by_name.insert(r.name, r);
    }

    /// The registration for `name`.
    pub fn get(&self, name: &str) -> Option<&Registration> {
        self.by_name.get(name)
    }

    /// Every registered name, sorted.
    pub fn names(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.by_name.keys().copied()
    }

    /// The registered name closest to `name`, if one is close enough to suggest.
    pub fn suggest(&self, name: &str) -> Option<&'static str> {
        let mut best: Option<(usize, &'static str)> = None;
        for cand in self.names() {
            let d = edit_distance(name, cand);
            if d <= (cand.len() / 6).max(2) && best.is_none_or(|(bd, _)| d < bd) {
                best = Some((d, cand));
            }
        }
        best.map(|(_, n)| n)
    }
}

/// Levenshtein distance over characters.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        cur[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let cost = usize::from(ca != cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances() {
        assert_eq!(edit_distance("prometheus.scrap", "prometheus.scrape"), 1);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }
}
