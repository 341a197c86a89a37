//! `discovery.relabel`: rewrites a list of targets with relabel rules.
//!
//! A pure function of its arguments, computed synchronously in `build` and `update` so the
//! output is ready for dependants in the same evaluation. Each target's labels go through the
//! `rule` blocks in order; a target a rule drops is left out of `output`, everything else is
//! kept as the rules left it — `__`-prefixed labels included (dropping those is the
//! scraper's job), and an emptied target stays as `{}` as upstream. `rules` exports the
//! compiled rules for reuse.

use std::sync::Arc;

use futures::future::BoxFuture;
use serde::{Deserialize, Serialize};
use tokio_util::sync::CancellationToken;

use super::Target;
use crate::components::common::relabel_rules::{self, RulesCapsule};
use crate::eval::{Key, Object, Value};
use crate::prom::labels::Labels;
use crate::prom::relabel::{RelabelConfig, Rules};
use crate::runtime::component::{Component, ComponentError, Context};

/// Arguments of `discovery.relabel`.
#[derive(Deserialize, Serialize, Clone, PartialEq, Debug)]
pub struct Arguments {
    /// The targets to relabel.
    pub targets: Vec<Target>,
    /// The rules, in order.
    #[serde(default)]
    pub rule: Vec<RelabelConfig>,
}

crate::river_schema!(Arguments {
    attr targets,
    blocks rule: RelabelConfig,
});

/// The `discovery.relabel` component.
pub struct DiscoveryRelabel {
    ctx: Context,
}

/// Runs `rules` over every target; dropped targets are left out.
pub fn relabel_targets(rules: &Rules, targets: &[Target]) -> Vec<Target> {
    let mut out = Vec::with_capacity(targets.len());
    let mut lb = Labels::empty().builder();
    for t in targets {
        lb.reset(Labels::from_pairs(
            t.iter().map(|(k, v)| (k.as_str(), v.as_str())),
        ));
        if rules.process(&mut lb) {
            let labels = lb.build();
            out.push(
                labels
                    .iter()
                    .map(|l| (l.name.to_owned(), l.value.to_owned()))
                    .collect(),
            );
        }
    }
    out
}

impl DiscoveryRelabel {
    fn apply(&self, args: &Arguments) -> Result<(), ComponentError> {
        let rules = relabel_rules::compile(&args.rule).map_err(ComponentError)?;
        let output = relabel_targets(&rules, &args.targets);
        let output = crate::eval::to_value(&output)
            .map_err(|e| ComponentError(format!("cannot encode output: {e}")))?;
        self.ctx
            .set_exports_value(Value::Object(Object::ordered(vec![
                (Key::from("output"), output),
                (Key::from("rules"), RulesCapsule(rules).to_value()),
            ])));
        Ok(())
    }
}

impl Component for DiscoveryRelabel {
    type Arguments = Arguments;

    fn build(ctx: Context, args: Arguments) -> Result<Self, ComponentError> {
        let c = DiscoveryRelabel { ctx };
        c.apply(&args)?;
        Ok(c)
    }

    fn update(&self, args: Arguments) -> Result<(), ComponentError> {
        self.apply(&args)
    }

    fn run(
        self: Arc<Self>,
        cancel: CancellationToken,
    ) -> BoxFuture<'static, Result<(), ComponentError>> {
        Box::pin(async move {
            cancel.cancelled().await;
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::components::testing;

    fn target(pairs: &[(&str, &str)]) -> Target {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn keeps_meta_labels_and_drops_targets() {
        let t = testing::context("discovery.relabel.t");
        let args = Arguments {
            targets: vec![
                target(&[("__address__", "a:1"), ("__meta_env", "prod")]),
                target(&[("__address__", "b:2"), ("__meta_env", "dev")]),
            ],
            rule: vec![
                RelabelConfig {
                    source_labels: Some(vec!["__meta_env".into()]),
                    regex: "prod".into(),
                    action: "keep".into(),
                    ..Default::default()
                },
                RelabelConfig {
                    source_labels: Some(vec!["__meta_env".into()]),
                    target_label: "env".into(),
                    ..Default::default()
                },
            ],
        };
        DiscoveryRelabel::build(t.ctx.clone(), args).unwrap();
        let Value::Object(o) = t.exports() else {
            panic!()
        };
        let out: Vec<Target> = crate::eval::from_value(o.get("output").unwrap()).unwrap();
        assert_eq!(
            out,
            vec![target(&[
                ("__address__", "a:1"),
                ("__meta_env", "prod"),
                ("env", "prod")
            ])]
        );
        assert_eq!(
            RulesCapsule::from_value(o.get("rules").unwrap())
                .unwrap()
                .len(),
            2
        );
    }

    #[test]
    fn invalid_rule_is_an_error_naming_the_rule() {
        let t = testing::context("discovery.relabel.t");
        let args = Arguments {
            targets: vec![],
            rule: vec![
                RelabelConfig::default(),
                RelabelConfig {
                    action: "hashmod".into(),
                    target_label: "x".into(),
                    ..Default::default()
                },
            ],
        };
        let e = DiscoveryRelabel::build(t.ctx.clone(), args).err().unwrap();
        // The first rule is a replace without target_label.
        assert!(e.0.starts_with("rule 1:"), "{e}");
    }

    #[test]
    fn emptied_target_is_kept() {
        let rules = relabel_rules::compile(&[RelabelConfig {
            action: "labeldrop".into(),
            regex: ".*".into(),
            ..Default::default()
        }])
        .unwrap();
        let out = relabel_targets(&rules, &[target(&[("a", "1")])]);
        assert_eq!(out, vec![Target::new()]);
    }
}
