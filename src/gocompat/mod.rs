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

#[cfg(test)]
mod robustness_tests {
    //! Property tests: every parser accepts arbitrary bytes without
    //! panicking, and float formatting reads back exactly.

    use proptest::prelude::*;

    use super::sprintf::{sprintf, GoArg};
    use super::strconv::{format_float, parse_float};

    proptest! {
        #[test]
        fn parsers_never_panic(input in proptest::collection::vec(any::<u8>(), 0..64)) {
            let _ = super::json::decode(&input);
            let _ = super::ojg_json::parse(&input);
            let _ = super::jsonpath::json_path(br#"{"a":[1,{"b":2}]}"#, &input);
            let _ = super::yaml::decode(&input);
            let _ = super::duration::GoDuration::parse(&input);
            let _ = parse_float(&input);
            let _ = super::strconv::parse_int_base0(&input);
            let _ = super::url::query_unescape(&input);
            let _ = super::base64::decode(super::base64::Alphabet::Standard, &input);
            let _ = sprintf(&input, &[GoArg::Int(1), GoArg::str("x"), GoArg::Float(1.5)]);
        }

        #[test]
        fn path_like_inputs_never_panic(path in "[$@.\\[\\]?()'\"*:,0-9a-z =!<>&|~/-]{0,24}") {
            let _ = super::jsonpath::json_path(r#"[{"a":1,"b":[2,3]},{"a":"x"}]"#, path.as_bytes());
        }

        #[test]
        fn shortest_floats_read_back(bits in any::<u64>()) {
            let f = f64::from_bits(bits);
            prop_assume!(f.is_finite());
            for fmt in ['e', 'f', 'g'] {
                let text = format_float(f, fmt, None);
                let back = parse_float(&text);
                prop_assert_eq!(back.map(f64::to_bits), Ok(bits), "{} {}", fmt, text);
            }
        }

        #[test]
        fn json_marshal_round_trips_strings(s in ".{0,32}") {
            let v = super::json::JsonValue::String(s.clone());
            let text = super::json::marshal(&v).unwrap_or_default();
            prop_assert_eq!(super::json::decode(&text), Ok(v));
        }
    }
}
