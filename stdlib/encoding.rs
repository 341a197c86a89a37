//! The `encoding` namespace: JSON, YAML, base64 and URL query encoding, with Go's exact
//! behaviour and error texts (from [`crate::gocompat`]).

use crate::eval::{convert, Capsule, FnError, Function, Key, Number, Object, Str, Type, Value};
use crate::gocompat::base64::{self, Alphabet};
use crate::gocompat::json::{self, JsonValue};
use crate::gocompat::url;
use crate::gocompat::yaml::{self, YamlValue};

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

/// A decoded JSON tree as a River value: objects become maps; a `json.Number` (ojg's big
/// numbers) is a string, as Go's `json.Number` is.
pub fn json_to_value(j: &JsonValue) -> Value {
    match j {
        JsonValue::Null => Value::Null,
        JsonValue::Bool(b) => Value::Bool(*b),
        JsonValue::Int(i) => Value::int(*i),
        JsonValue::Uint(u) => Value::uint(*u),
        JsonValue::Float(f) => Value::float(*f),
        JsonValue::Number(t) | JsonValue::String(t) => Value::string(t.as_str()),
        JsonValue::Array(a) => Value::array(a.iter().map(json_to_value).collect()),
        JsonValue::Object(o) => Value::Object(Object::unordered(
            o.iter()
                .map(|(k, v)| (Key::from(k.as_str()), json_to_value(v)))
                .collect(),
        )),
    }
}

/// Go's `json.Unmarshal` into `any`: every number becomes a float.
pub fn decode_json(s: &[u8]) -> Result<Value, String> {
    json::decode(s)
        .map(|j| json_to_value(&j))
        .map_err(|e| e.to_string())
}

fn yaml_to_value(y: &YamlValue) -> Value {
    match y {
        YamlValue::Null => Value::Null,
        YamlValue::Bool(b) => Value::Bool(*b),
        YamlValue::Int(i) => Value::int(*i),
        YamlValue::Uint(u) => Value::uint(*u),
        YamlValue::Float(f) => Value::float(*f),
        YamlValue::String(s) | YamlValue::Timestamp(s) => Value::string(s.as_str()),
        YamlValue::Seq(a) => Value::array(a.iter().map(yaml_to_value).collect()),
        YamlValue::Map(m) => Value::Object(Object::unordered(
            m.iter()
                .map(|(k, v)| (Key::from(k.as_str()), yaml_to_value(v)))
                .collect(),
        )),
        // A map with non-string keys is an opaque capsule, as upstream decodes it into
        // `map[interface{}]interface{}`.
        YamlValue::GeneralMap(_) => {
            Value::Capsule(Capsule::new("map[interface {}]interface {}", y.clone()))
        }
    }
}

/// yaml.v3's `Unmarshal` into `any`: ints stay ints, only `true`/`false` are bools.
pub fn decode_yaml(s: &[u8]) -> Result<Value, String> {
    yaml::decode(s)
        .map(|y| yaml_to_value(&y))
        .map_err(|e| e.to_string())
}

/// The `any` form of a value as Go's `json.Marshal` sees it.
fn value_to_json(v: &Value) -> Result<JsonValue, String> {
    Ok(match v {
        Value::Null => JsonValue::Null,
        Value::Bool(b) => JsonValue::Bool(*b),
        Value::Number(Number::Int(i)) => JsonValue::Int(*i),
        Value::Number(Number::Uint(u)) => JsonValue::Uint(*u),
        Value::Number(Number::Float(f)) => JsonValue::Float(*f),
        // Secret is a Go string type: Marshal writes its text.
        Value::String(s) | Value::Secret(s) => JsonValue::String(s.to_str_lossy().into_owned()),
        Value::OptionalSecret(o) => JsonValue::Object(vec![
            ("IsSecret".to_string(), JsonValue::Bool(o.is_secret)),
            (
                "Value".to_string(),
                JsonValue::String(o.value.to_str_lossy().into_owned()),
            ),
        ]),
        Value::Bytes(_) | Value::Array(_) => JsonValue::Array(
            v.array_elems()
                .unwrap_or_default()
                .iter()
                .map(value_to_json)
                .collect::<Result<_, _>>()?,
        ),
        Value::Object(o) => JsonValue::Object(
            o.iter()
                .map(|(k, x)| value_to_json(x).map(|j| (k.to_string(), j)))
                .collect::<Result<_, _>>()?,
        ),
        Value::Function(_) => return Err("json: unsupported type: func(string) string".to_string()),
        Value::Capsule(c) => match c.to_object() {
            Some(o) => value_to_json(&Value::Object(o))?,
            None => return Err(format!("json: unsupported type: {}", c.type_name())),
        },
    })
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
            let j = value_to_json(&convert::to_any(&v)).map_err(FnError::Message)?;
            json::marshal(&j)
                .map(Value::string)
                .map_err(|e| FnError::Message(e.to_string()))
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
                base64::decode(Alphabet::Standard, s)
                    .map(|b| Value::Bytes(Str::from(b)))
                    .map_err(|e| e.to_string())
            }),
        ),
        // from_URLbase64(s string) bytes — URL-safe alphabet, padded.
        (
            "from_URLbase64",
            one_string_fn("from_URLbase64", |s| {
                base64::decode(Alphabet::Url, s)
                    .map(|b| Value::Bytes(Str::from(b)))
                    .map_err(|e| e.to_string())
            }),
        ),
        ("to_json", to_json()),
        // to_base64(s string) string — padded standard alphabet.
        (
            "to_base64",
            one_string_fn("to_base64", |s| {
                Ok(Value::string(base64::encode(Alphabet::Standard, s)))
            }),
        ),
        // to_URLbase64(s string) string — padded URL-safe alphabet.
        (
            "to_URLbase64",
            one_string_fn("to_URLbase64", |s| {
                Ok(Value::string(base64::encode(Alphabet::Url, s)))
            }),
        ),
        // url_encode(s string) string — Go url.QueryEscape.
        (
            "url_encode",
            one_string_fn("url_encode", |s| Ok(Value::string(url::query_escape(s)))),
        ),
        // url_decode(s string) string — Go url.QueryUnescape.
        (
            "url_decode",
            one_string_fn("url_decode", |s| {
                url::query_unescape(s)
                    .map(|b| Value::String(Str::from(b)))
                    .map_err(|e| e.to_string())
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
    fn base64() {
        assert_eq!(ev(r#"encoding.from_base64("YQ==")"#), "[97]");
        assert_eq!(ev(r#"encoding.from_base64("YQ==") == "a""#), "false");
        assert_eq!(
            ev(r#"encoding.from_base64("YQ")"#),
            "error: 1:1: encoding.from_base64 illegal base64 data at input byte 0"
        );
        assert_eq!(ev(r#"encoding.to_base64("a")"#), r#""YQ==""#);
        assert_eq!(ev(r#"encoding.to_URLbase64("\xfb\xff")"#), r#""-_8=""#);
    }

    #[test]
    fn url_and_json() {
        assert_eq!(ev(r#"encoding.url_encode("a b&c")"#), r#""a+b%26c""#);
        assert_eq!(
            ev(r#"encoding.url_decode("%zz")"#),
            r#"error: 1:1: encoding.url_decode invalid URL escape "%zz""#
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
            ev(r#"json_decode("ij")"#),
            "error: 1:1: json_decode invalid character 'i' looking for beginning of value"
        );
        assert_eq!(
            ev(r#"json_decode("")"#),
            "error: 1:1: json_decode unexpected end of JSON input"
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
        assert_eq!(
            ev("encoding.from_yaml(`1: a`)"),
            r#"capsule("map[interface {}]interface {}")"#
        );
    }
}
