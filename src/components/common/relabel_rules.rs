//! `rule { ... }` blocks and the `rules` export.
//!
//! [`RelabelConfig`] (the engine's configuration type) gets its River schema here, so every
//! component can declare `blocks rule: RelabelConfig`. A compiled rule list is exported as a
//! capsule ([`RulesCapsule`]) that compares equal when the rules are the same, so re-evaluating
//! a component with unchanged rules does not re-evaluate its dependants.

use crate::eval::{Capsule, Value};
use crate::prom::relabel::{RelabelConfig, Rules, RulesError};

crate::river_schema!(RelabelConfig {
    attr? source_labels,
    attr? separator,
    attr? regex,
    attr? target_label,
    attr? replacement,
    attr? modulus,
    attr? action,
});

/// The type name `rules` capsules carry (shown in the UI as `capsule("relabel.Rules")`).
pub const RULES_TYPE: &str = "relabel.Rules";

/// Compiled relabel rules inside a capsule value.
#[derive(Clone, Debug, Default)]
pub struct RulesCapsule(pub Rules);

impl PartialEq for RulesCapsule {
    /// Equal when built from the same rule configurations.
    fn eq(&self, other: &RulesCapsule) -> bool {
        self.0.len() == other.0.len()
            && self
                .0
                .iter()
                .zip(other.0.iter())
                .all(|(a, b)| a.config() == b.config())
    }
}

impl RulesCapsule {
    /// The capsule value to export.
    pub fn to_value(&self) -> Value {
        Value::Capsule(Capsule::new(RULES_TYPE, self.clone()))
    }

    /// The rules inside a capsule value, if it holds some.
    pub fn from_value(v: &Value) -> Option<Rules> {
        match v {
            Value::Capsule(c) => c.downcast_ref::<RulesCapsule>().map(|r| r.0.clone()),
            _ => None,
        }
    }
}

/// Compiles rule blocks, with an error that names the rule's position.
pub fn compile(configs: &[RelabelConfig]) -> Result<Rules, String> {
    Rules::compile(configs).map_err(|e: RulesError| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::{decode_body, Scope};

    #[derive(serde::Deserialize, Debug)]
    struct Args {
        #[serde(default)]
        rule: Vec<RelabelConfig>,
    }
    crate::river_schema!(Args { blocks rule: RelabelConfig });

    #[test]
    fn rule_blocks_decode_with_defaults() {
        let src = br#"
            rule {
                source_labels = ["a", "b"]
                target_label  = "c"
            }
            rule {
                action = "labeldrop"
                regex  = "tmp_.*"
            }
        "#;
        let ast = crate::syntax::parse_file("t.river", src).unwrap();
        let args: Args = decode_body(&ast, ast.file_body(), &Scope::isolated()).unwrap();
        assert_eq!(args.rule.len(), 2);
        assert_eq!(args.rule[0].separator, ";");
        assert_eq!(args.rule[0].action, "replace");
        assert_eq!(args.rule[1].source_labels, None);
        let rules = compile(&args.rule).unwrap();
        assert_eq!(rules.len(), 2);
    }

    #[test]
    fn unknown_rule_attribute_is_an_error() {
        let src = br#"rule { nope = 1 }"#;
        let ast = crate::syntax::parse_file("t.river", src).unwrap();
        let err = decode_body::<Args>(&ast, ast.file_body(), &Scope::isolated()).unwrap_err();
        assert!(err.message.contains("nope"), "{}", err.message);
    }

    #[test]
    fn capsules_compare_by_configuration() {
        let a = RelabelConfig {
            target_label: "x".into(),
            ..Default::default()
        };
        let r1 = RulesCapsule(compile(std::slice::from_ref(&a)).unwrap());
        let r2 = RulesCapsule(compile(&[a]).unwrap());
        assert_eq!(r1.to_value(), r2.to_value());
        assert_ne!(r1.to_value(), RulesCapsule::default().to_value());
        assert_eq!(RulesCapsule::from_value(&r1.to_value()).unwrap().len(), 1);
    }
}
