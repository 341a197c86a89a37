//! `json_path(json string, path string) list`: JSONPath (Goessner dialect, as the ojg library
//! upstream uses implements it). The result is always an array of the matches, `[]` when
//! nothing matches; integers stay integers.
//!
//! Supported: `$`/`@` roots (optional), `.name`, `['name']`, `.*`, `[*]`, `..` descent,
//! `[n]` (negative from the end), unions `[a,b]`, slices `[start:end:step]` and filters
//! `[?(…)]` with comparisons, `=~ /regex/`, `&&`, `||`, `!` and parentheses. This is a
//! self-contained rendition meant to be replaced by the shared Go compatibility layer.

use serde_json::Value as J;

use crate::eval::{FnError, Function, Key, Object, Type, Value};

/// The `json_path` function value.
pub fn function() -> Value {
    Value::Function(Function::typed(
        "json_path",
        vec![Type::String, Type::String],
        None,
        |_, args| {
            let text = |i: usize| match args.get(i) {
                Some(Value::String(s)) => s.to_str_lossy().into_owned(),
                _ => String::new(),
            };
            let path = parse(&text(1)).map_err(FnError::Message)?;
            let doc: J =
                serde_json::from_str(&text(0)).map_err(|e| FnError::Message(json_error(&e)))?;
            let mut out = Vec::new();
            eval(&path, &doc, &doc, &mut out);
            Ok(Value::array(out.into_iter().map(to_value).collect()))
        },
    ))
}

fn json_error(e: &serde_json::Error) -> String {
    match e.classify() {
        serde_json::error::Category::Eof => {
            format!("incomplete JSON at {}:{}", e.line(), e.column() + 1)
        }
        _ => format!("invalid JSON at {}:{}", e.line(), e.column()),
    }
}

fn to_value(j: &J) -> Value {
    match j {
        J::Null => Value::Null,
        J::Bool(b) => Value::Bool(*b),
        J::Number(n) => {
            if let Some(i) = n.as_i64() {
                Value::int(i)
            } else if let Some(u) = n.as_u64() {
                Value::uint(u)
            } else {
                Value::float(n.as_f64().unwrap_or(f64::NAN))
            }
        }
        J::String(s) => Value::string(s.as_str()),
        J::Array(a) => Value::array(a.iter().map(to_value).collect()),
        J::Object(o) => Value::Object(Object::unordered(
            o.iter()
                .map(|(k, v)| (Key::from(k.as_str()), to_value(v)))
                .collect(),
        )),
    }
}

#[derive(Debug, Clone)]
enum Step {
    Child(String),
    Wildcard,
    Descent,
    Index(i64),
    Union(Vec<Sel>),
    Slice(Option<i64>, Option<i64>, i64),
    Filter(Box<FExpr>),
}

#[derive(Debug, Clone)]
enum Sel {
    Name(String),
    Index(i64),
}

#[derive(Debug, Clone)]
enum FExpr {
    Path(bool, Vec<Step>),
    Lit(J),
    Regex(regex::Regex),
    Not(Box<FExpr>),
    Bin(String, Box<FExpr>, Box<FExpr>),
}

struct P<'a> {
    s: &'a [u8],
    i: usize,
}

impl<'a> P<'a> {
    fn err(&self, what: &str) -> String {
        format!(
            "{what} at {} in {}",
            self.i + 1,
            String::from_utf8_lossy(self.s)
        )
    }
    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }
    fn ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t')) {
            self.i += 1;
        }
    }
    fn name(&mut self) -> String {
        let start = self.i;
        while let Some(c) = self.peek() {
            if matches!(
                c,
                b'.' | b'['
                    | b']'
                    | b' '
                    | b')'
                    | b'('
                    | b','
                    | b'='
                    | b'!'
                    | b'<'
                    | b'>'
                    | b'&'
                    | b'|'
            ) {
                break;
            }
            self.i += 1;
        }
        String::from_utf8_lossy(&self.s[start..self.i]).into_owned()
    }
    fn int(&mut self) -> Option<i64> {
        let start = self.i;
        if self.peek() == Some(b'-') {
            self.i += 1;
        }
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.i += 1;
        }
        std::str::from_utf8(&self.s[start..self.i])
            .ok()?
            .parse()
            .ok()
    }
    fn quoted(&mut self) -> Result<String, String> {
        let q = self.peek().unwrap_or(b'\'');
        self.i += 1;
        let mut out = Vec::new();
        loop {
            match self.peek() {
                None => return Err(self.err("not terminated")),
                Some(b'\\') => {
                    self.i += 1;
                    if let Some(c) = self.peek() {
                        out.push(c);
                        self.i += 1;
                    }
                }
                Some(c) if c == q => {
                    self.i += 1;
                    break;
                }
                Some(c) => {
                    out.push(c);
                    self.i += 1;
                }
            }
        }
        Ok(String::from_utf8_lossy(&out).into_owned())
    }

    fn steps(&mut self, in_filter: bool) -> Result<Vec<Step>, String> {
        let mut steps = Vec::new();
        loop {
            match self.peek() {
                None => return Ok(steps),
                Some(b'.') => {
                    self.i += 1;
                    if self.peek() == Some(b'.') {
                        self.i += 1;
                        steps.push(Step::Descent);
                        if self.peek() == Some(b'[') {
                            continue;
                        }
                    }
                    if self.peek() == Some(b'*') {
                        self.i += 1;
                        steps.push(Step::Wildcard);
                    } else {
                        let n = self.name();
                        if n.is_empty() {
                            return Err(self.err("invalid child"));
                        }
                        steps.push(Step::Child(n));
                    }
                }
                Some(b'[') => {
                    self.i += 1;
                    steps.push(self.bracket()?);
                }
                Some(_) if in_filter => return Ok(steps),
                Some(_) if steps.is_empty() => {
                    let n = self.name();
                    if n.is_empty() {
                        return Err(self.err("invalid path"));
                    }
                    steps.push(Step::Child(n));
                }
                Some(_) => return Err(self.err("invalid path")),
            }
        }
    }

    fn bracket(&mut self) -> Result<Step, String> {
        self.ws();
        let step = match self.peek() {
            None => return Err(self.err("not terminated")),
            Some(b'*') => {
                self.i += 1;
                Step::Wildcard
            }
            Some(b'?') => {
                self.i += 1;
                self.ws();
                if self.peek() != Some(b'(') {
                    return Err(self.err("expected a '('"));
                }
                self.i += 1;
                let e = self.expr()?;
                self.ws();
                if self.peek() != Some(b')') {
                    return Err(self.err("not terminated"));
                }
                self.i += 1;
                Step::Filter(Box::new(e))
            }
            _ => {
                let mut sels = Vec::new();
                let mut slice: Option<Vec<Option<i64>>> = None;
                loop {
                    self.ws();
                    match self.peek() {
                        Some(b']') if slice.is_some() => break,
                        Some(b'\'' | b'"') => sels.push(Sel::Name(self.quoted()?)),
                        Some(b':') => {
                            let parts = slice.get_or_insert_with(Vec::new);
                            if parts.is_empty() {
                                parts.push(None);
                            }
                            self.i += 1;
                            self.ws();
                            let v = if matches!(self.peek(), Some(b'-' | b'0'..=b'9')) {
                                self.int()
                            } else {
                                None
                            };
                            parts.push(v);
                            continue;
                        }
                        Some(b'-' | b'0'..=b'9') => {
                            let n = self.int().ok_or_else(|| self.err("invalid number"))?;
                            if self.peek() == Some(b':') {
                                slice = Some(vec![Some(n)]);
                                continue;
                            }
                            sels.push(Sel::Index(n));
                        }
                        _ => {
                            let n = self.name();
                            if n.is_empty() {
                                return Err(self.err("invalid bracket"));
                            }
                            sels.push(Sel::Name(n));
                        }
                    }
                    self.ws();
                    if self.peek() == Some(b',') {
                        self.i += 1;
                        continue;
                    }
                    break;
                }
                if let Some(p) = slice {
                    let get = |k: usize| p.get(k).copied().flatten();
                    Step::Slice(get(0), get(1), get(2).unwrap_or(1))
                } else if sels.len() == 1 {
                    match sels.remove(0) {
                        Sel::Name(n) => Step::Child(n),
                        Sel::Index(i) => Step::Index(i),
                    }
                } else {
                    Step::Union(sels)
                }
            }
        };
        self.ws();
        if self.peek() != Some(b']') {
            return Err(self.err("not terminated"));
        }
        self.i += 1;
        Ok(step)
    }

    fn expr(&mut self) -> Result<FExpr, String> {
        let mut lhs = self.and()?;
        loop {
            self.ws();
            if self.s[self.i..].starts_with(b"||") {
                self.i += 2;
                let rhs = self.and()?;
                lhs = FExpr::Bin("||".into(), Box::new(lhs), Box::new(rhs));
            } else {
                return Ok(lhs);
            }
        }
    }

    fn and(&mut self) -> Result<FExpr, String> {
        let mut lhs = self.cmp()?;
        loop {
            self.ws();
            if self.s[self.i..].starts_with(b"&&") {
                self.i += 2;
                let rhs = self.cmp()?;
                lhs = FExpr::Bin("&&".into(), Box::new(lhs), Box::new(rhs));
            } else {
                return Ok(lhs);
            }
        }
    }

    fn cmp(&mut self) -> Result<FExpr, String> {
        let lhs = self.unary()?;
        self.ws();
        for op in ["==", "!=", "<=", ">=", "=~", "<", ">"] {
            if self.s[self.i..].starts_with(op.as_bytes()) {
                self.i += op.len();
                self.ws();
                let rhs = if op == "=~" && self.peek() == Some(b'/') {
                    self.i += 1;
                    let start = self.i;
                    while self.peek().is_some_and(|c| c != b'/') {
                        self.i += 1;
                    }
                    let pat = String::from_utf8_lossy(&self.s[start..self.i]).into_owned();
                    self.i += 1;
                    FExpr::Regex(regex::Regex::new(&pat).map_err(|e| e.to_string())?)
                } else {
                    self.unary()?
                };
                return Ok(FExpr::Bin(op.into(), Box::new(lhs), Box::new(rhs)));
            }
        }
        Ok(lhs)
    }

    fn unary(&mut self) -> Result<FExpr, String> {
        self.ws();
        match self.peek() {
            Some(b'!') => {
                self.i += 1;
                Ok(FExpr::Not(Box::new(self.unary()?)))
            }
            Some(b'(') => {
                self.i += 1;
                let e = self.expr()?;
                self.ws();
                if self.peek() != Some(b')') {
                    return Err(self.err("not terminated"));
                }
                self.i += 1;
                Ok(e)
            }
            Some(c @ (b'@' | b'$')) => {
                self.i += 1;
                Ok(FExpr::Path(c == b'$', self.steps(true)?))
            }
            Some(b'\'' | b'"') => Ok(FExpr::Lit(J::String(self.quoted()?))),
            Some(b'-' | b'0'..=b'9') => {
                let start = self.i;
                self.i += 1;
                while matches!(
                    self.peek(),
                    Some(b'0'..=b'9' | b'.' | b'e' | b'E' | b'+' | b'-')
                ) {
                    self.i += 1;
                }
                let t = String::from_utf8_lossy(&self.s[start..self.i]).into_owned();
                serde_json::from_str(&t)
                    .map(FExpr::Lit)
                    .map_err(|_| self.err("invalid number"))
            }
            _ => {
                let n = self.name();
                match n.as_str() {
                    "true" => Ok(FExpr::Lit(J::Bool(true))),
                    "false" => Ok(FExpr::Lit(J::Bool(false))),
                    "null" => Ok(FExpr::Lit(J::Null)),
                    _ => Err(self.err("invalid filter")),
                }
            }
        }
    }
}

fn parse(path: &str) -> Result<Vec<Step>, String> {
    let mut p = P {
        s: path.as_bytes(),
        i: 0,
    };
    if matches!(p.peek(), Some(b'$' | b'@')) {
        p.i += 1;
    }
    p.steps(false)
}

fn sorted_values(o: &serde_json::Map<String, J>) -> Vec<&J> {
    let mut keys: Vec<&String> = o.keys().collect();
    keys.sort();
    keys.into_iter().filter_map(|k| o.get(k)).collect()
}

fn eval<'a>(steps: &[Step], node: &'a J, root: &'a J, out: &mut Vec<&'a J>) {
    let Some((step, rest)) = steps.split_first() else {
        out.push(node);
        return;
    };
    match step {
        Step::Child(name) => {
            if let Some(v) = node.as_object().and_then(|o| o.get(name)) {
                eval(rest, v, root, out);
            }
        }
        Step::Wildcard => match node {
            J::Object(o) => sorted_values(o)
                .into_iter()
                .for_each(|v| eval(rest, v, root, out)),
            J::Array(a) => a.iter().for_each(|v| eval(rest, v, root, out)),
            _ => {}
        },
        Step::Descent => {
            eval(rest, node, root, out);
            match node {
                J::Object(o) => sorted_values(o)
                    .into_iter()
                    .for_each(|v| eval(steps, v, root, out)),
                J::Array(a) => a.iter().for_each(|v| eval(steps, v, root, out)),
                _ => {}
            }
        }
        Step::Index(i) => {
            if let Some(a) = node.as_array() {
                let idx = if *i < 0 { a.len() as i64 + i } else { *i };
                if let Some(v) = usize::try_from(idx).ok().and_then(|k| a.get(k)) {
                    eval(rest, v, root, out);
                }
            }
        }
        Step::Union(sels) => {
            for s in sels {
                let single = match s {
                    Sel::Name(n) => Step::Child(n.clone()),
                    Sel::Index(i) => Step::Index(*i),
                };
                let mut steps2 = vec![single];
                steps2.extend_from_slice(rest);
                eval(&steps2, node, root, out);
            }
        }
        Step::Slice(start, end, step) => {
            if let Some(a) = node.as_array() {
                let len = a.len() as i64;
                let norm = |x: i64| if x < 0 { (len + x).max(0) } else { x.min(len) };
                let (s, e) = (norm(start.unwrap_or(0)), norm(end.unwrap_or(len)));
                if *step > 0 {
                    let mut k = s;
                    while k < e {
                        eval(rest, &a[k as usize], root, out);
                        k += step;
                    }
                } else if *step < 0 {
                    let mut k = e - 1;
                    while k >= s {
                        eval(rest, &a[k as usize], root, out);
                        k += step;
                    }
                }
            }
        }
        Step::Filter(f) => {
            let children: Vec<&J> = match node {
                J::Object(o) => sorted_values(o),
                J::Array(a) => a.iter().collect(),
                _ => Vec::new(),
            };
            for c in children {
                if truthy(&feval(f, c, root)) {
                    eval(rest, c, root, out);
                }
            }
        }
    }
}

/// A filter operand: a value, or nothing (a path that matched nothing).
fn feval(e: &FExpr, cur: &J, root: &J) -> Option<J> {
    match e {
        FExpr::Lit(j) => Some(j.clone()),
        FExpr::Regex(_) => None,
        FExpr::Path(from_root, steps) => {
            let mut out = Vec::new();
            eval(steps, if *from_root { root } else { cur }, root, &mut out);
            out.first().map(|v| (*v).clone())
        }
        FExpr::Not(x) => Some(J::Bool(!truthy(&feval(x, cur, root)))),
        FExpr::Bin(op, l, r) => {
            let lv = feval(l, cur, root);
            if op == "=~" {
                let FExpr::Regex(re) = &**r else {
                    return Some(J::Bool(false));
                };
                return Some(J::Bool(matches!(&lv, Some(J::String(s)) if re.is_match(s))));
            }
            let rv = feval(r, cur, root);
            let b = match op.as_str() {
                "&&" => truthy(&lv) && truthy(&rv),
                "||" => truthy(&lv) || truthy(&rv),
                "==" => json_eq(&lv, &rv),
                "!=" => !json_eq(&lv, &rv),
                _ => match (&lv, &rv) {
                    (Some(J::Number(a)), Some(J::Number(b))) => {
                        let (a, b) = (
                            a.as_f64().unwrap_or(f64::NAN),
                            b.as_f64().unwrap_or(f64::NAN),
                        );
                        match op.as_str() {
                            "<" => a < b,
                            "<=" => a <= b,
                            ">" => a > b,
                            _ => a >= b,
                        }
                    }
                    (Some(J::String(a)), Some(J::String(b))) => match op.as_str() {
                        "<" => a < b,
                        "<=" => a <= b,
                        ">" => a > b,
                        _ => a >= b,
                    },
                    _ => false,
                },
            };
            Some(J::Bool(b))
        }
    }
}

fn json_eq(a: &Option<J>, b: &Option<J>) -> bool {
    match (a, b) {
        (Some(J::Number(x)), Some(J::Number(y))) => x.as_f64() == y.as_f64(),
        (Some(x), Some(y)) => x == y,
        (None, None) => true,
        _ => false,
    }
}

fn truthy(v: &Option<J>) -> bool {
    !matches!(v, None | Some(J::Bool(false)) | Some(J::Null))
}

#[cfg(test)]
mod tests {
    use crate::eval::{eval_expression, print::to_river, Scope};

    fn ev(src: &str) -> String {
        match eval_expression(src.as_bytes(), &Scope::isolated()) {
            Ok(v) => to_river(&v),
            Err(e) => format!("error: {e}"),
        }
    }

    #[test]
    fn paths() {
        assert_eq!(ev(r#"json_path("{\"a\": \"b\"}", ".a")"#), r#"["b"]"#);
        assert_eq!(ev(r#"json_path("{\"a\": \"b\"}", ".nonexists")"#), "[]");
        assert_eq!(
            ev(
                r#"json_path("[{\"name\": \"Department\",\"value\": \"IT\"},{\"name\":\"X\",\"value\":\"1\"}]", "[?(@.name == \"Department\")].value")"#
            ),
            r#"["IT"]"#
        );
        assert_eq!(
            ev(r#"json_path("{\"a\": [1, 2, 3]}", "$.a[1:]")"#),
            "[2, 3]"
        );
        assert_eq!(ev(r#"json_path("{\"a\": [1, 2, 3]}", "$.a[-1]")"#), "[3]");
        assert_eq!(
            ev(r#"json_path("{\"a\": {\"b\": 1}, \"c\": {\"b\": 2}}", "$..b")"#),
            "[1, 2]"
        );
        assert_eq!(ev(r#"json_path("{\"a\": 1.5}", "$.a")"#), "[1.5]");
    }
}
