//! The `encoding` namespace: JSON, YAML, base64 and URL query encoding.

use base64::Engine;

use crate::eval::number::format_float_json;
use crate::eval::{FnError, Function, Key, Number, Object, Str, Type, Value};

fn text_arg(args: &[Value]) -> &[u8] {
    match args.first() {
        Some(Value::String(s)) => s.as_bytes(),
        _ => b"",
    }
}

fn one_string_fn(
    name: &'static str,
    f: impl Fn(&[u8]) -> Result<Value, String> + Send + Sync + 'static,
) -> Value {
    Value::Function(Function::typed(
        name,
        vec![Type::String],
        None,
        move |_, args| f(text_arg(args)).map_err(FnError::Message),
    ))
}

// ---------------------------------------------------------------------------------------
// JSON decoding.

fn json_to_value(j: serde_json::Value) -> Value {
    match j {
        serde_json::Value::Null => Value::Null,
        serde_json::Value::Bool(b) => Value::Bool(b),
        // Go decodes every JSON number into a float64.
        serde_json::Value::Number(n) => Value::float(n.as_f64().unwrap_or(f64::NAN)),
        serde_json::Value::String(s) => Value::string(s),
        serde_json::Value::Array(a) => Value::array(a.into_iter().map(json_to_value).collect()),
        serde_json::Value::Object(o) => Value::Object(Object::unordered(
            o.into_iter()
                .map(|(k, v)| (Key::from(k), json_to_value(v)))
                .collect(),
        )),
    }
}

/// Go's `json.Unmarshal` into `any`: numbers become floats, objects maps.
pub fn decode_json(s: &[u8]) -> Result<Value, String> {
    if s.iter().all(|b| b.is_ascii_whitespace()) {
        return Err("unexpected end of JSON input".to_string());
    }
    match serde_json::from_slice::<serde_json::Value>(s) {
        Ok(v) => Ok(json_to_value(v)),
        Err(e) => Err(go_json_error(s, &e)),
    }
}

/// Approximates Go's `encoding/json` error texts from a serde_json error.
fn go_json_error(src: &[u8], e: &serde_json::Error) -> String {
    use serde_json::error::Category;
    match e.classify() {
        Category::Eof => "unexpected end of JSON input".to_string(),
        _ => {
            // Locate the offending byte from serde_json's line/column.
            let mut line = 1;
            let mut off = 0;
            for (i, &b) in src.iter().enumerate() {
                if line == e.line() {
                    off = i + e.column().saturating_sub(1);
                    break;
                }
                if b == b'\n' {
                    line += 1;
                }
            }
            match src.get(off) {
                Some(&c) => {
                    let shown = if c == b'\'' {
                        "'\\''".to_string()
                    } else if c.is_ascii_graphic() || c == b' ' {
                        format!("'{}'", c as char)
                    } else {
                        format!("'\\x{c:02x}'")
                    };
                    let msg = e.to_string();
                    if msg.contains("number out of range") {
                        "json: cannot unmarshal number into Go value of type float64".to_string()
                    } else if msg.contains("trailing characters") {
                        format!("invalid character {shown} after top-level value")
                    } else {
                        format!("invalid character {shown} looking for beginning of value")
                    }
                }
                None => "unexpected end of JSON input".to_string(),
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// YAML decoding.

fn yaml_to_value(y: &yaml_rust2::Yaml) -> Value {
    use yaml_rust2::Yaml;
    match y {
        Yaml::Null | Yaml::BadValue => Value::Null,
        Yaml::Boolean(b) => Value::Bool(*b),
        Yaml::Integer(i) => Value::int(*i),
        Yaml::Real(r) => {
            let t = r.to_ascii_lowercase();
            let f = match t.trim_start_matches(['+', '-']) {
                ".inf" => {
                    if t.starts_with('-') {
                        f64::NEG_INFINITY
                    } else {
                        f64::INFINITY
                    }
                }
                ".nan" => f64::NAN,
                _ => r.parse::<f64>().unwrap_or(f64::NAN),
            };
            Value::float(f)
        }
        Yaml::String(s) => Value::string(s.as_str()),
        Yaml::Array(a) => Value::array(a.iter().map(yaml_to_value).collect()),
        Yaml::Hash(h) => {
            let mut entries = Vec::with_capacity(h.len());
            for (k, v) in h {
                match k {
                    Yaml::String(s) => entries.push((Key::from(s.as_str()), yaml_to_value(v))),
                    _ => return non_string_key_map(h),
                }
            }
            Value::Object(Object::unordered(entries))
        }
        Yaml::Alias(_) => Value::Null,
    }
}

/// A YAML map with non-string keys: an opaque capsule, as upstream decodes it into
/// `map[interface{}]interface{}`.
fn non_string_key_map(h: &yaml_rust2::yaml::Hash) -> Value {
    let text: Vec<(String, String)> = h
        .iter()
        .map(|(k, v)| (format!("{k:?}"), format!("{v:?}")))
        .collect();
    Value::Capsule(crate::eval::Capsule::new(
        "map[interface {}]interface {}",
        text,
    ))
}

/// YAML → value: ints stay ints, `~` and empty input are null, only `true`/`false` are bools.
pub fn decode_yaml(s: &[u8]) -> Result<Value, String> {
    let text = String::from_utf8_lossy(s);
    let docs = yaml_rust2::YamlLoader::load_from_str(&text).map_err(|e| format!("yaml: {e}"))?;
    Ok(docs.first().map(yaml_to_value).unwrap_or(Value::Null))
}

// ---------------------------------------------------------------------------------------
// base64 with Go's error texts.

const STD: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const URL: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// Go's `base64.Encoding.DecodeString` for a padded alphabet (newlines are skipped); errors
/// read `illegal base64 data at input byte N`.
pub fn base64_decode(src: &[u8], alphabet: &[u8; 64]) -> Result<Vec<u8>, String> {
    let mut map = [0xFFu8; 256];
    for (i, &c) in alphabet.iter().enumerate() {
        map[c as usize] = i as u8;
    }
    let corrupt = |at: usize| format!("illegal base64 data at input byte {at}");
    let mut out = Vec::with_capacity(src.len() / 4 * 3);
    let mut si = 0usize;
    while si < src.len() {
        let mut dbuf = [0u8; 4];
        let mut dlen = 4;
        let mut j = 0usize;
        let mut trailing_err: Option<usize> = None;
        while j < 4 {
            if si == src.len() {
                if j == 0 {
                    return Ok(out);
                }
                return Err(corrupt(si - j));
            }
            let c = src[si];
            si += 1;
            let d = map[c as usize];
            if d != 0xFF {
                dbuf[j] = d;
                j += 1;
                continue;
            }
            if c == b'\n' || c == b'\r' {
                continue;
            }
            if c != b'=' {
                return Err(corrupt(si - 1));
            }
            // Padding.
            match j {
                0 | 1 => return Err(corrupt(si - 1)),
                2 => {
                    while si < src.len() && (src[si] == b'\n' || src[si] == b'\r') {
                        si += 1;
                    }
                    if si == src.len() {
                        return Err(corrupt(src.len()));
                    }
                    if src[si] != b'=' {
                        return Err(corrupt(si - 1));
                    }
                    si += 1;
                }
                _ => {}
            }
            while si < src.len() && (src[si] == b'\n' || src[si] == b'\r') {
                si += 1;
            }
            if si < src.len() {
                trailing_err = Some(si);
            }
            dlen = j;
            break;
        }
        let val = (dbuf[0] as u32) << 18
            | (dbuf[1] as u32) << 12
            | (dbuf[2] as u32) << 6
            | dbuf[3] as u32;
        let bytes = [(val >> 16) as u8, (val >> 8) as u8, val as u8];
        out.extend_from_slice(&bytes[..dlen - 1]);
        if let Some(at) = trailing_err {
            return Err(corrupt(at));
        }
        if dlen < 4 {
            return Ok(out);
        }
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------
// URL query escaping.

/// Go's `url.QueryEscape`: only `A-Za-z0-9-_.~` stay, space becomes `+`.
pub fn query_escape(s: &[u8]) -> String {
    let mut out = String::with_capacity(s.len());
    for &b in s {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// Go's `url.QueryUnescape`; errors read `invalid URL escape "%zz"`.
pub fn query_unescape(s: &[u8]) -> Result<Vec<u8>, String> {
    let hex = |c: u8| -> Option<u8> {
        match c {
            b'0'..=b'9' => Some(c - b'0'),
            b'a'..=b'f' => Some(c - b'a' + 10),
            b'A'..=b'F' => Some(c - b'A' + 10),
            _ => None,
        }
    };
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        match s[i] {
            b'%' => {
                let (h, l) = (
                    s.get(i + 1).and_then(|&c| hex(c)),
                    s.get(i + 2).and_then(|&c| hex(c)),
                );
                match (h, l) {
                    (Some(h), Some(l)) if i + 2 < s.len() => {
                        out.push(h << 4 | l);
                        i += 3;
                    }
                    _ => {
                        let end = (i + 3).min(s.len());
                        return Err(format!(
                            "invalid URL escape {}",
                            crate::syntax::quote::go_quote(&s[i..end])
                        ));
                    }
                }
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------
// JSON encoding (Go's json.Marshal of the `any` form of a value).

fn json_quote(s: &[u8], out: &mut String) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push('"');
    let mut i = 0;
    while i < s.len() {
        let (c, w) = super::text::decode_rune(&s[i..]);
        let invalid = c == '\u{FFFD}' && w == 1;
        i += w;
        match c {
            _ if invalid => out.push_str("\\ufffd"),
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '<' | '>' | '&' | '\u{2028}' | '\u{2029}' => {
                out.push_str(&format!("\\u{:04x}", c as u32));
            }
            c if (c as u32) < 0x20 => {
                out.push_str("\\u00");
                out.push(HEX[(c as usize) >> 4] as char);
                out.push(HEX[(c as usize) & 15] as char);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

fn encode_json(v: &Value, out: &mut String) -> Result<(), String> {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(Number::Int(i)) => out.push_str(&i.to_string()),
        Value::Number(Number::Uint(u)) => out.push_str(&u.to_string()),
        Value::Number(Number::Float(f)) => {
            if !f.is_finite() {
                return Err(format!(
                    "json: unsupported value: {}",
                    crate::eval::number::format_float_g(*f)
                ));
            }
            out.push_str(&format_float_json(*f));
        }
        Value::String(s) | Value::Secret(s) => json_quote(s.as_bytes(), out),
        Value::OptionalSecret(o) => {
            out.push_str("{\"IsSecret\":");
            out.push_str(if o.is_secret { "true" } else { "false" });
            out.push_str(",\"Value\":");
            json_quote(o.value.as_bytes(), out);
            out.push('}');
        }
        Value::Bytes(_) | Value::Array(_) => {
            out.push('[');
            for (i, e) in v.array_elems().unwrap_or_default().iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                encode_json(e, out)?;
            }
            out.push(']');
        }
        Value::Object(o) => {
            let mut entries: Vec<_> = o.iter().collect();
            entries.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
            out.push('{');
            for (i, (k, e)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                json_quote(k.as_bytes(), out);
                out.push(':');
                encode_json(e, out)?;
            }
            out.push('}');
        }
        Value::Function(_) => return Err("json: unsupported type: func".to_string()),
        Value::Capsule(c) => match c.to_object() {
            Some(o) => encode_json(&Value::Object(o), out)?,
            None => return Err(format!("json: unsupported type: {}", c.type_name())),
        },
    }
    Ok(())
}

/// `to_json(obj)`: Go's `json.Marshal` of an object (keys sorted, compact, `<>&` escaped);
/// anything but an object is an error.
pub fn to_json() -> Value {
    Value::Function(Function::typed(
        "to_json",
        vec![Type::Any],
        None,
        |_, args| {
            let v = args.first().cloned().unwrap_or_default();
            if !matches!(v, Value::Object(_)) {
                return Err(FnError::Message("jsonEncode only supports map".to_string()));
            }
            let mut out = String::new();
            encode_json(&v, &mut out).map_err(FnError::Message)?;
            Ok(Value::string(out))
        },
    ))
}

/// The namespace's functions.
pub fn functions() -> Vec<(&'static str, Value)> {
    vec![
        // from_json(s string) any — every number becomes a float.
        ("from_json", one_string_fn("from_json", decode_json)),
        // from_yaml(s string) any.
        ("from_yaml", one_string_fn("from_yaml", decode_yaml)),
        // from_base64(s string) bytes (an array of numbers that converts to a string).
        (
            "from_base64",
            one_string_fn("from_base64", |s| {
                base64_decode(s, STD).map(|b| Value::Bytes(Str::from(b)))
            }),
        ),
        // from_URLbase64(s string) bytes — URL-safe alphabet, padded.
        (
            "from_URLbase64",
            one_string_fn("from_URLbase64", |s| {
                base64_decode(s, URL).map(|b| Value::Bytes(Str::from(b)))
            }),
        ),
        ("to_json", to_json()),
        // to_base64(s string) string — padded standard alphabet.
        (
            "to_base64",
            one_string_fn("to_base64", |s| {
                Ok(Value::string(
                    base64::engine::general_purpose::STANDARD.encode(s),
                ))
            }),
        ),
        // to_URLbase64(s string) string — padded URL-safe alphabet.
        (
            "to_URLbase64",
            one_string_fn("to_URLbase64", |s| {
                Ok(Value::string(
                    base64::engine::general_purpose::URL_SAFE.encode(s),
                ))
            }),
        ),
        // url_encode(s string) string — Go url.QueryEscape.
        (
            "url_encode",
            one_string_fn("url_encode", |s| Ok(Value::string(query_escape(s)))),
        ),
        // url_decode(s string) string — Go url.QueryUnescape.
        (
            "url_decode",
            one_string_fn("url_decode", |s| {
                query_unescape(s).map(|b| Value::String(Str::from(b)))
            }),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::{eval_expression, print::to_river, Scope};

    fn ev(src: &str) -> String {
        match eval_expression(src.as_bytes(), &Scope::isolated()) {
            Ok(v) => to_river(&v),
            Err(e) => format!("error: {e}"),
        }
    }

    #[test]
    fn base64_like_go() {
        assert_eq!(base64_decode(b"YQ==", STD).unwrap(), b"a");
        assert_eq!(base64_decode(b"Zm9vYmFy", STD).unwrap(), b"foobar");
        assert_eq!(
            base64_decode(b"YQ", STD).unwrap_err(),
            "illegal base64 data at input byte 0"
        );
        assert_eq!(
            base64_decode(b"YWJjZA", STD).unwrap_err(),
            "illegal base64 data at input byte 4"
        );
        assert_eq!(
            base64_decode(b"Y!==", STD).unwrap_err(),
            "illegal base64 data at input byte 1"
        );
        assert_eq!(
            base64_decode(b"YQ==YQ==", STD).unwrap_err(),
            "illegal base64 data at input byte 4"
        );
        assert_eq!(base64_decode(b"", STD).unwrap(), b"");
        assert_eq!(ev(r#"encoding.from_base64("YQ==")"#), "[97]");
        assert_eq!(ev(r#"encoding.from_base64("YQ==") == "a""#), "false");
    }

    #[test]
    fn url_and_json() {
        assert_eq!(query_escape(b"a b&c"), "a+b%26c");
        assert_eq!(query_unescape(b"a+b%26c").unwrap(), b"a b&c");
        assert_eq!(
            query_unescape(b"%zz").unwrap_err(),
            r#"invalid URL escape "%zz""#
        );
        assert_eq!(
            query_unescape(b"%4").unwrap_err(),
            r#"invalid URL escape "%4""#
        );
        assert_eq!(
            ev(r#"encoding.to_json({b = 1, a = "<x>", c = [1.5, null]})"#),
            r#""{\"a\":\"\\u003cx\\u003e\",\"b\":1,\"c\":[1.5,null]}""#
        );
        assert_eq!(
            ev("encoding.to_json(12)"),
            "error: 1:1: encoding.to_json jsonEncode only supports map"
        );
        assert_eq!(ev(r#"json_decode("[0, 1]")"#), "[0, 1]");
        assert!(
            matches!(decode_json(b"[1]").unwrap(), Value::Array(a) if matches!(a[0], Value::Number(Number::Float(_))))
        );
        assert_eq!(
            decode_json(b"").unwrap_err(),
            "unexpected end of JSON input"
        );
        assert_eq!(
            decode_json(b"{").unwrap_err(),
            "unexpected end of JSON input"
        );
        assert_eq!(
            decode_json(b"ij").unwrap_err(),
            "invalid character 'i' looking for beginning of value"
        );
    }

    #[test]
    fn yaml() {
        assert_eq!(
            ev("encoding.from_yaml(`[0, 1.5, null, yes]`)"),
            r#"[0, 1.5, null, "yes"]"#
        );
        assert_eq!(ev("encoding.from_yaml(``)"), "null");
        assert_eq!(ev("encoding.from_yaml(`a: 0x10`)"), "{\n\ta = 16,\n}");
    }
}
