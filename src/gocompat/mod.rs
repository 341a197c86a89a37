//! Go standard-library compatibility layer.
//!
//! River's standard library and value printing are defined by what Go's
//! standard library does, byte for byte: `format` is `fmt.Sprintf`, number
//! literals go through `strconv`, durations through `time.ParseDuration`,
//! `json_decode` through `encoding/json`, and so on. This module re-creates
//! those behaviours over small host types of its own, with no dependency on
//! the rest of the crate; the evaluator converts River values to and from
//! these types.
//!
//! * [`base64`]: `encoding/base64` with Go's padding rules and error offsets.
//! * [`duration`]: `time.ParseDuration` and `Duration.String()` as [`duration::GoDuration`].
//! * [`filepath`]: `filepath.Join` / `Clean` (Unix).
//! * [`json`]: `encoding/json` decoding and `json.Marshal`, over [`json::JsonValue`].
//! * [`jsonpath`]: ojg's JSONPath (`jp.ParseString` + `Get`), i.e. River's `json_path`.
//! * [`ojg_json`]: the JSON parser of ohler55/ojg that `json_path` uses.
//! * [`sprintf`]: `fmt.Sprintf` over [`sprintf::GoArg`] host values.
//! * [`strconv`]: `ParseInt`/`ParseUint`/`ParseFloat`, `FormatFloat`, `Quote`.
//! * [`url`]: `url.QueryEscape` / `QueryUnescape`.
//! * [`utf8`]: Go's rune decoding rules and `unicode.IsPrint`.
//! * [`yaml`]: yaml.v3 decoding into [`yaml::YamlValue`].

pub mod base64;
pub mod duration;
pub mod filepath;
pub mod json;
pub mod jsonpath;
pub mod ojg_json;
mod print_table;
pub mod sprintf;
pub mod strconv;
pub mod url;
pub mod utf8;
pub mod yaml;
