//! Upstream conformance for the evaluator, the standard library and body decoding
//! (`eval-cases.json`, `block-decode-cases.json`), plus property tests: evaluation never
//! panics.

mod common;

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use river_agent::eval::decode::from_value;
use river_agent::eval::number::Number;
use river_agent::eval::vm::eval_expr_with;
use river_agent::eval::{
    convert, decode_block, decode_body, EnvSource, Key, Object, Scope, Type, Value, ValueError,
};
use river_agent::river_schema;
use river_agent::syntax::ast::{Root, Stmt};
use river_agent::syntax::diag::Diagnostic;
use river_agent::syntax::{parse_expression, parse_file};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value as J};

// ---------------------------------------------------------------------------------------
// Typed JSON (the corpus's value encoding).

fn to_typed(v: &Value) -> J {
    match v {
        Value::Null => J::Null,
        Value::Bool(b) => J::Bool(*b),
        Value::Number(Number::Int(i)) => json!({"int": i.to_string()}),
        Value::Number(Number::Uint(u)) => json!({"uint": u.to_string()}),
        Value::Number(Number::Float(f)) => json!({"float": f.to_string()}),
        Value::String(s) => match s.as_str() {
            Some(t) => J::String(t.to_string()),
            None => {
                json!({"bytes_hex": s.as_bytes().iter().map(|b| format!("{b:02x}")).collect::<String>()})
            }
        },
        Value::Bytes(_) | Value::Array(_) => {
            J::Array(v.array_elems().unwrap().iter().map(to_typed).collect())
        }
        Value::Object(o) => {
            let m: serde_json::Map<String, J> = o
                .iter()
                .map(|(k, v)| (k.to_string(), to_typed(v)))
                .collect();
            json!({ "object": m })
        }
        Value::Function(_) => json!({"function": "function"}),
        Value::Secret(s) => json!({"secret": s.to_str_lossy()}),
        Value::OptionalSecret(o) => {
            json!({"optional_secret": {"value": o.value.to_str_lossy(), "is_secret": o.is_secret}})
        }
        Value::Capsule(c) => json!({"capsule": c.type_name()}),
    }
}

fn from_typed(j: &J) -> Value {
    match j {
        J::Null => Value::Null,
        J::Bool(b) => Value::Bool(*b),
        J::String(s) => Value::string(s.as_str()),
        J::Array(a) => Value::array(a.iter().map(from_typed).collect()),
        J::Number(n) => Value::int(n.as_i64().unwrap()),
        J::Object(o) => {
            let (k, inner) = o.iter().next().expect("typed value");
            match k.as_str() {
                "int" => Value::int(inner.as_str().unwrap().parse().unwrap()),
                "uint" => Value::uint(inner.as_str().unwrap().parse().unwrap()),
                "float" => Value::float(inner.as_str().unwrap().parse().unwrap()),
                "secret" => Value::secret(inner.as_str().unwrap()),
                "optional_secret" => Value::optional_secret(
                    inner["value"].as_str().unwrap(),
                    inner["is_secret"].as_bool().unwrap(),
                ),
                "object" => Value::Object(Object::unordered(
                    inner
                        .as_object()
                        .unwrap()
                        .iter()
                        .map(|(k, v)| (Key::from(k.as_str()), from_typed(v)))
                        .collect(),
                )),
                other => panic!("unknown typed value {other}"),
            }
        }
    }
}

/// Deep equality of typed JSON; floats compare by value.
fn typed_eq(a: &J, b: &J) -> bool {
    match (a, b) {
        (J::Object(x), J::Object(y))
            if x.len() == 1
                && y.len() == 1
                && x.contains_key("float")
                && y.contains_key("float") =>
        {
            let p = |v: &J| v.as_str().unwrap().parse::<f64>().unwrap();
            let (f, g) = (p(&x["float"]), p(&y["float"]));
            f == g || (f.is_nan() && g.is_nan())
        }
        (J::Object(x), J::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| typed_eq(v, w)))
        }
        (J::Array(x), J::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| typed_eq(p, q))
        }
        _ => a == b,
    }
}

fn multiset_eq(a: &J, b: &J) -> bool {
    let (Some(x), Some(y)) = (a.as_array(), b.as_array()) else {
        return typed_eq(a, b);
    };
    if x.len() != y.len() {
        return false;
    }
    let mut used = vec![false; y.len()];
    x.iter().all(|p| {
        if let Some(i) = (0..y.len()).find(|&i| !used[i] && typed_eq(p, &y[i])) {
            used[i] = true;
            true
        } else {
            false
        }
    })
}

/// How a diagnostic reads as one line: `pos: message`, or the bare message when upstream
/// reports it with no position.
fn err_text(d: &Diagnostic) -> String {
    if d.start.is_valid() {
        d.to_string()
    } else {
        d.message.clone()
    }
}

// ---------------------------------------------------------------------------------------
// Scopes and targets of eval-cases.json.

fn case_scope(name: Option<&str>, meta: &J) -> Scope {
    let mut env = HashMap::new();
    for (k, v) in meta["environment"].as_object().unwrap() {
        if v != "(unset)" {
            env.insert(k.clone(), v.as_str().unwrap().to_string());
        }
    }
    let mut scope = Scope::isolated();
    scope.set_env(EnvSource::Fixed(Arc::new(env)));
    match name {
        None => {}
        Some("person_empty") => {
            // Go struct Person{Name string `name,attr,optional`}: a host struct, ordered.
            scope.set(
                "person",
                Value::Object(Object::ordered(vec![(
                    Key::from("name"),
                    Value::string(""),
                )])),
            );
        }
        Some(n) => {
            for (k, v) in meta["scopes"][n].as_object().unwrap() {
                scope.set(k.as_str(), from_typed(v));
            }
        }
    }
    scope
}

#[derive(Deserialize)]
struct Person {
    name: String,
    age: i64,
    #[serde(default)]
    country: String,
}

fn decode_as(target: &str, v: &Value) -> Result<J, ValueError> {
    let ty = |t: Type| convert::convert(v, &t).map(|x| to_typed(&x));
    let list = |t: Type| Type::List(Box::new(t));
    let map = |t: Type| Type::Map(Box::new(t));
    match target {
        "value" => Ok(to_typed(v)),
        "any" => ty(Type::Any),
        "int" | "int64" => ty(Type::Int(64)),
        "int8" => ty(Type::Int(8)),
        "int16" => ty(Type::Int(16)),
        "int32" => ty(Type::Int(32)),
        "uint" | "uint64" => ty(Type::Uint(64)),
        "uint8" => ty(Type::Uint(8)),
        "uint16" => ty(Type::Uint(16)),
        "uint32" => ty(Type::Uint(32)),
        "float32" => ty(Type::Float(32)),
        "float64" => ty(Type::Float(64)),
        "string" => ty(Type::String),
        "bool" => ty(Type::Bool),
        "secret" => ty(Type::Secret),
        "optional_secret" => ty(Type::OptionalSecret),
        "[]int" => ty(list(Type::Int(64))),
        "[]bool" => ty(list(Type::Bool)),
        "[]string" => ty(list(Type::String)),
        "[]any" => ty(list(Type::Any)),
        "map[string]int" => ty(map(Type::Int(64))),
        "map[string]any" => ty(map(Type::Any)),
        "[]map[string]any" => ty(list(map(Type::Any))),
        "person" => from_value::<Person>(v).map(|p| {
            json!({"object": {"name": p.name, "age": {"int": p.age.to_string()}, "country": p.country}})
        }),
        other => panic!("unknown decode_as {other}"),
    }
}

fn run_eval_case(case: &J, meta: &J) -> Result<J, String> {
    let expr = case["expr"].as_str().unwrap();
    let scope = case_scope(case["scope"].as_str(), meta);
    let ast = parse_expression(expr.as_bytes()).map_err(|d| d.to_string())?;
    let Root::Expr(e) = ast.root else {
        unreachable!()
    };
    let target = case["decode_as"].as_str().unwrap();
    eval_expr_with(&ast, e, &scope, |v| decode_as(target, v)).map_err(|d| err_text(&d))
}

#[test]
fn eval_cases() {
    let Some(dir) = common::conformance_dir() else {
        return;
    };
    let doc = common::read_json(&dir, "eval-cases.json");
    let meta = &doc["meta"];
    let cases = doc["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 223);
    let mut failures = Vec::new();
    for case in cases {
        let id = case["id"].as_str().unwrap();
        let got = run_eval_case(case, meta);
        let ok = match (&got, case.get("expect"), case.get("expect_error")) {
            (Ok(v), Some(exp), _) => {
                if case["unordered"].as_bool() == Some(true) {
                    multiset_eq(v, exp)
                } else {
                    typed_eq(v, exp)
                }
            }
            (Err(e), _, Some(exp)) => {
                let exp = exp.as_str().unwrap();
                let matches = match case["error_match"].as_str() {
                    Some("exact") => e == exp,
                    _ => e.contains(exp),
                };
                // The full text upstream printed, position included, must match as well.
                matches && case["observed_error"].as_str().is_none_or(|o| o == e)
            }
            _ => false,
        };
        if !ok {
            failures.push(format!(
                "{id} `{}` as {}: got {:?}, want {}",
                case["expr"].as_str().unwrap(),
                case["decode_as"],
                got,
                case.get("expect")
                    .or(case.get("observed_error"))
                    .unwrap_or(&J::Null)
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
    eprintln!("eval-cases: {} cases passed", cases.len());
}

// ---------------------------------------------------------------------------------------
// block-decode-cases.json: one Rust struct per schema of the corpus.

#[derive(Deserialize, Serialize, Debug)]
struct B01 {
    setting_a: i64,
    #[serde(default)]
    setting_b: i64,
    #[serde(default)]
    some_block: Option<B01Inner>,
}
#[derive(Deserialize, Serialize, Debug)]
struct B01Inner {
    string: String,
    #[serde(default)]
    number: i64,
}
river_schema!(B01 { attr setting_a, attr? setting_b, block? some_block: B01Inner });
river_schema!(B01Inner { attr string, attr? number });

#[derive(Deserialize, Serialize, Debug)]
struct NumStr {
    number: i64,
    string: String,
}
river_schema!(NumStr { attr number, attr string });

#[derive(Deserialize, Serialize, Debug)]
struct NumOptStr {
    number: i64,
    #[serde(default)]
    string: String,
}
river_schema!(NumOptStr { attr number, attr? string });

#[derive(Deserialize, Serialize, Debug)]
struct Num {
    number: i64,
}
river_schema!(Num { attr number });

#[derive(Deserialize, Debug)]
struct Anything {
    anything: Value,
}
river_schema!(Anything { attr anything });

#[derive(Deserialize, Serialize, Debug)]
struct AttrBool {
    attr: bool,
}
river_schema!(AttrBool { attr attr });

#[derive(Deserialize, Serialize, Debug)]
struct AttrInt {
    attr: i64,
}
river_schema!(AttrInt { attr attr });

#[derive(Deserialize, Serialize, Debug)]
struct ChildOne {
    value: i64,
    #[serde(rename = "child.block")]
    child: AttrBool,
}
river_schema!(ChildOne { attr value, block "child.block": AttrBool });

#[derive(Deserialize, Serialize, Debug)]
struct ChildList {
    value: i64,
    #[serde(rename = "child.block")]
    child: Vec<AttrBool>,
}
river_schema!(ChildList { attr value, blocks! "child.block": AttrBool });

#[derive(Deserialize, Serialize, Debug)]
struct ChildExactly3 {
    value: i64,
    #[serde(rename = "child.block")]
    child: [AttrBool; 3],
}
river_schema!(ChildExactly3 { attr value, block[3] "child.block": AttrBool });

#[derive(Deserialize, Serialize, Debug)]
struct ChildPlain {
    child: AttrBool,
}
river_schema!(ChildPlain { block child: AttrBool });

#[derive(Deserialize, Serialize, Debug)]
struct ChildOpt {
    value: i64,
    #[serde(rename = "child.block", default)]
    child: Option<AttrBool>,
}
river_schema!(ChildOpt { attr value, block? "child.block": AttrBool });

#[derive(Deserialize, Serialize, Debug)]
struct ValueOnly {
    value: i64,
}
river_schema!(ValueOnly { attr value });

#[derive(Deserialize, Serialize, Debug)]
#[serde(rename_all = "lowercase")]
enum ChildEnum {
    A(AttrInt),
    B(AttrInt),
    C(AttrInt),
    D(AttrInt),
}

#[derive(Deserialize, Serialize, Debug)]
struct EnumHolder {
    value: i64,
    #[serde(default)]
    child: Vec<ChildEnum>,
}
river_schema!(EnumHolder { attr value, enum child { a: AttrInt, b: AttrInt, c: AttrInt, d: AttrInt } });

#[derive(Deserialize, Serialize, Debug)]
struct Labeled {
    #[serde(rename = "$label")]
    label: String,
}
river_schema!(Labeled { label "$label" });

#[derive(Deserialize, Serialize, Debug)]
struct Empty {}
river_schema!(Empty {});

#[derive(Deserialize, Serialize, Debug)]
struct MapBlock {
    #[serde(rename = "some.settings")]
    settings: BTreeMap<String, Value>,
}
river_schema!(MapBlock { block "some.settings": BTreeMap<String, Value> });

#[derive(Deserialize, Serialize, Debug)]
struct AnyBlock {
    #[serde(rename = "some.settings")]
    settings: Value,
}
river_schema!(AnyBlock { block "some.settings": Value });

#[derive(Deserialize, Serialize, Debug)]
struct KeyObj {
    key: KeyObject,
}
#[derive(Deserialize, Serialize, Debug)]
struct KeyObject {
    object: KeyInner,
}
#[derive(Deserialize, Serialize, Debug)]
struct KeyInner {
    field1: Vec<i64>,
}
river_schema!(KeyObj { attr key });

#[derive(Deserialize, Serialize, Debug)]
struct KeyStr {
    key: String,
}
river_schema!(KeyStr { attr key });

/// Decodes `input` per the case's mode into `T` and returns its JSON form.
fn decode_case<T>(case: &J, scope: &Scope) -> Result<J, String>
where
    T: serde::de::DeserializeOwned + river_agent::eval::RiverSchema + Serialize,
{
    decode_case_with::<T>(case, scope, |t| serde_json::to_value(t).unwrap())
}

fn decode_case_with<T>(case: &J, scope: &Scope, show: impl Fn(&T) -> J) -> Result<J, String>
where
    T: serde::de::DeserializeOwned + river_agent::eval::RiverSchema,
{
    let input = case["input"].as_str().unwrap();
    let name = case["filename"].as_str().unwrap_or("");
    let ast = parse_file(name, input.as_bytes()).map_err(|d| d.to_string())?;
    let r = match case["evaluate"].as_str().unwrap() {
        "file" => decode_body::<T>(&ast, ast.file_body(), scope),
        _ => {
            let Some(Stmt::Block(b)) = ast.file_body().first() else {
                panic!("first_block case without a block")
            };
            decode_block::<T>(&ast, b, scope)
        }
    };
    r.map(|t| show(&t)).map_err(|d| err_text(&d))
}

fn number_kind(t: &Anything) -> J {
    let kind = match &t.anything {
        Value::Number(Number::Int(_)) => "int",
        Value::Number(Number::Uint(_)) => "uint",
        Value::Number(Number::Float(_)) => "float",
        _ => "other",
    };
    json!({ "anything_number_kind": kind })
}

fn run_block_case(case: &J) -> Result<J, String> {
    let id = case["id"].as_str().unwrap();
    let mut scope = Scope::isolated();
    if let Some(vars) = case["scope"].as_object() {
        for (k, v) in vars {
            scope.set(k.as_str(), from_typed(v));
        }
    }
    let n: u32 = id[1..].parse().unwrap();
    match n {
        1 => decode_case::<B01>(case, &scope),
        2 | 4 => decode_case::<NumStr>(case, &scope),
        3 | 6 => decode_case::<Num>(case, &scope),
        5 => decode_case::<NumOptStr>(case, &scope),
        7..=15 => decode_case_with::<Anything>(case, &scope, number_kind),
        16 | 20 => decode_case::<ChildOne>(case, &scope),
        17 => decode_case::<ChildList>(case, &scope),
        18 => decode_case::<ChildExactly3>(case, &scope),
        19 => decode_case::<ChildPlain>(case, &scope),
        21 => decode_case::<ChildOpt>(case, &scope),
        22 => decode_case::<ValueOnly>(case, &scope),
        23..=25 => decode_case::<EnumHolder>(case, &scope),
        26 | 28 | 29 => decode_case::<Labeled>(case, &scope),
        27 => decode_case::<Empty>(case, &scope),
        30..=32 => decode_case::<MapBlock>(case, &scope),
        33 => decode_case::<AnyBlock>(case, &scope),
        34..=36 => decode_case::<KeyObj>(case, &scope),
        37 => decode_case::<KeyStr>(case, &scope),
        _ => panic!("unknown case {id}"),
    }
}

#[test]
fn block_decode_cases() {
    let Some(dir) = common::conformance_dir() else {
        return;
    };
    let doc = common::read_json(&dir, "block-decode-cases.json");
    let cases = doc["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 37);
    let mut failures = Vec::new();
    for case in cases {
        let id = case["id"].as_str().unwrap();
        let got = run_block_case(case);
        let ok = match (&got, case.get("expect"), case.get("expect_error")) {
            (Ok(v), Some(exp), _) => v == exp,
            (Err(e), _, Some(exp)) => {
                let exp = exp.as_str().unwrap();
                if case
                    .get("note")
                    .and_then(J::as_str)
                    .is_some_and(|n| n.contains("substring"))
                {
                    e.contains(exp)
                } else {
                    e == exp
                }
            }
            _ => false,
        };
        if !ok {
            failures.push(format!(
                "{id}: got {got:?}, want {}",
                case.get("expect")
                    .or(case.get("expect_error"))
                    .unwrap_or(&J::Null)
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
    eprintln!("block-decode-cases: {} cases passed", cases.len());
}

// ---------------------------------------------------------------------------------------
// Property tests: evaluation never panics.

mod props {
    use proptest::prelude::*;
    use river_agent::eval::{eval_expression, print, Scope};

    fn leaf() -> impl Strategy<Value = String> {
        prop_oneof![
            any::<i64>().prop_map(|i| i.to_string()),
            any::<u64>().prop_map(|u| u.to_string()),
            any::<f64>()
                .prop_filter("finite", |f| f.is_finite())
                .prop_map(|f| format!("{f:?}")),
            "[a-z]{0,6}".prop_map(|s| format!("{s:?}")),
            Just("null".to_string()),
            Just("true".to_string()),
            Just("false".to_string()),
            Just("0".to_string()),
            Just("-0.0".to_string()),
            Just(r#""\xff""#.to_string()),
            prop::sample::select(vec![
                "concat",
                "coalesce",
                "json_decode",
                "split",
                "join",
                "format",
                "constants",
                "to_upper",
                "array.group_by",
                "array.combine_maps",
                "encoding.to_json",
                "encoding.from_base64",
                "string.trim",
                "file.path_join",
                "json_path",
                "nonsensitive",
                "sys.env",
                "undefined_x",
            ])
            .prop_map(str::to_string),
        ]
    }

    fn expr() -> impl Strategy<Value = String> {
        leaf().prop_recursive(5, 48, 6, |inner| {
            let op = prop::sample::select(vec![
                "+", "-", "*", "/", "%", "^", "==", "!=", "<", "<=", ">", ">=", "&&", "||",
            ]);
            prop_oneof![
                (inner.clone(), op, inner.clone()).prop_map(|(a, o, b)| format!("{a} {o} {b}")),
                inner.clone().prop_map(|a| format!("-{a}")),
                inner.clone().prop_map(|a| format!("!{a}")),
                inner.clone().prop_map(|a| format!("({a})")),
                prop::collection::vec(inner.clone(), 0..4)
                    .prop_map(|v| format!("[{}]", v.join(", "))),
                prop::collection::vec(("[a-c]", inner.clone()), 0..4).prop_map(|v| {
                    let fields: Vec<String> =
                        v.into_iter().map(|(k, e)| format!("{k} = {e}")).collect();
                    format!("{{{}}}", fields.join(", "))
                }),
                (inner.clone(), inner.clone()).prop_map(|(a, i)| format!("{a}[{i}]")),
                (inner.clone(), "[a-c]").prop_map(|(a, f)| format!("{a}.{f}")),
                (inner.clone(), prop::collection::vec(inner, 0..4))
                    .prop_map(|(f, args)| format!("{f}({})", args.join(", "))),
            ]
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn evaluation_never_panics(src in expr()) {
            let scope = Scope::isolated();
            match eval_expression(src.as_bytes(), &scope) {
                Ok(v) => {
                    let _ = print::to_river(&v);
                    let _ = print::to_json(&v);
                }
                Err(d) => {
                    let _ = d.to_string();
                }
            }
        }

        #[test]
        fn arbitrary_bytes_never_panic(src in prop::collection::vec(any::<u8>(), 0..64)) {
            let _ = eval_expression(&src, &Scope::isolated());
        }
    }
}
