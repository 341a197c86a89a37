//! Evaluation: values, operators, the evaluator, conversions, and typed decoding of bodies.
//!
//! * [`value`] / [`number`]: the [`Value`] type (null, bool, number with three kinds, byte
//!   strings, arrays, objects, functions, capsules, secrets).
//! * [`ops`]: unary and binary operators with upstream's type rules.
//! * [`vm`] / [`scope`]: evaluating an expression of an [`Ast`](crate::syntax::Ast) against a
//!   [`Scope`]; [`eval_expression`] is what `agent eval` runs.
//! * [`convert`]: conversions on assignment (§4.9); [`Duration`]: Go durations.
//! * [`decode`]: serde deserialization of values and of River bodies into Rust structs,
//!   driven by a [`RiverSchema`]; [`encode`]: serde serialization into values, and bodies
//!   back to River text and to the UI's JSON.
//! * [`print`](mod@print): the River and JSON text of a value.
//! * [`source`]: a whole source text as one expression ([`eval_source`], `agent eval`),
//!   evaluating a lone array literal one element at a time.
//!
//! # Declaring component arguments
//!
//! Arguments are plain structs deriving `serde::Deserialize`. Serde does not say which fields
//! are attributes and which are blocks, so each struct also declares its schema with
//! [`river_schema!`](crate::river_schema), which implements [`RiverSchema`]:
//!
//! ```
//! use river_agent::eval::{decode_body, Duration, RiverSchema, Scope};
//! use river_agent::river_schema;
//! use serde::Deserialize;
//!
//! #[derive(Deserialize, Debug)]
//! struct Arguments {
//!     targets: Vec<std::collections::BTreeMap<String, String>>,
//!     #[serde(default)]
//!     scrape_interval: Option<Duration>,
//!     #[serde(default)]
//!     basic_auth: Option<BasicAuth>,
//!     #[serde(default)]
//!     rule: Vec<Rule>,
//!     #[serde(default)]
//!     stage: Vec<Stage>,
//! }
//!
//! #[derive(Deserialize, Debug)]
//! struct BasicAuth {
//!     username: String,
//! }
//!
//! #[derive(Deserialize, Debug)]
//! struct Rule {
//!     label: String,
//!     #[serde(default)]
//!     action: String,
//! }
//!
//! #[derive(Deserialize, Debug)]
//! #[serde(rename_all = "snake_case")]
//! enum Stage {
//!     Regex(Rule),
//!     Json(BasicAuth),
//! }
//!
//! river_schema!(Arguments {
//!     attr targets,
//!     attr? scrape_interval,
//!     block? basic_auth: BasicAuth,
//!     blocks rule: Rule,
//!     enum stage { regex: Rule, json: BasicAuth },
//! });
//! river_schema!(BasicAuth { attr username });
//! river_schema!(Rule { label label, attr? action });
//!
//! let src = br#"
//!     targets = [{"__address__" = "localhost:9090"}]
//!     basic_auth { username = "me" }
//!     rule "a" { action = "keep" }
//!     stage.json { username = "x" }
//!     stage.regex "r" {}
//! "#;
//! let ast = river_agent::syntax::parse_file("main.river", src).unwrap();
//! let args: Arguments = decode_body(&ast, ast.file_body(), &Scope::isolated()).unwrap();
//! assert_eq!(args.rule[0].label, "a");
//! assert_eq!(args.stage.len(), 2);
//! ```
//!
//! Conventions: a field's serde name is its River name (use `#[serde(rename = "a.b")]` for
//! dotted block names); optional attributes and blocks need `#[serde(default)]` or an
//! `Option`; repeated blocks and enums are `Vec`s; a block's label goes to the field declared
//! with `label`; a block decoded into a map (`BTreeMap<String, T>` or [`Value`]) accepts
//! attributes only.

pub mod convert;
pub mod decode;
pub mod encode;
pub mod error;
pub mod literal;
pub mod number;
pub mod ops;
pub mod print;
pub mod schema;
pub mod scope;
pub mod source;
pub mod value;
pub mod vm;

/// A Go duration (`"1m30s"`): the type of every `duration` argument.
pub use crate::gocompat::duration::GoDuration as Duration;
pub use convert::Type;
pub use decode::{decode_block, decode_body, eval_expr_into, from_value, DecodeError, Secret};
pub use encode::{
    body_of, body_of_with_defaults, body_to_json, body_to_river, to_value, BodyStmt, EncodeError,
};
pub use error::{FnError, ValueError};
pub use number::{Number, NumberKind};
pub use schema::{FieldKind, FieldSpec, Multiplicity, RiverSchema, Schema};
pub use scope::{CallCtx, EnvSource, Scope};
pub use source::eval_source;
pub use value::{Capsule, Function, Key, Object, OptionalSecret, Str, Value, ValueType};
pub use vm::{eval_expr, eval_expr_as, eval_expression};
