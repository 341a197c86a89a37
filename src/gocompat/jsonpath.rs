//! JSONPath as implemented by `github.com/ohler55/ojg` (`jp.ParseString` and
//! `Expr.Get`), the engine behind River's `json_path`.
//!
//! The dialect is Goessner's: `$`, `@`, `.name`, `['name']`, `[n]` (negative
//! counts from the end), `[*]`, `..` recursive descent, unions `[a,b]`,
//! slices `[start:end:step]` and filters `[?(@.x == 'y')]` with comparisons,
//! arithmetic, `&&`, `||`, `!`, `=~` regular expressions, `in`, `has`,
//! `exists`, `empty`, `length()`, `count()`, `match()` and `search()`. Parse
//! errors read like ojg's (`not terminated at 3 in $[`), and results come back
//! in ojg's order (objects are walked in document order where Go's map order
//! is unspecified).

use std::fmt;

use super::json::JsonValue;
use super::ojg_json::{self, OjgParseError};
use super::strconv::{parse_float, parse_int, NumErrorKind};

/// Why `json_path` failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JsonPathError {
    /// The path did not parse, e.g. `not terminated at 3 in $[`.
    Path(String),
    /// The document did not parse, e.g. `incomplete JSON at 1:2`.
    Json(OjgParseError),
}

impl fmt::Display for JsonPathError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            JsonPathError::Path(msg) => f.write_str(msg),
            JsonPathError::Json(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for JsonPathError {}

/// River's `json_path(json, path)`: the path is parsed first, then the
/// document (with ojg's parser, so integers stay integers), then every match
/// is returned; no match gives an empty list.
pub fn json_path(
    json: impl AsRef<[u8]>,
    path: impl AsRef<[u8]>,
) -> Result<Vec<JsonValue>, JsonPathError> {
    let expr = Expr::parse(path)?;
    let doc = ojg_json::parse(json).map_err(JsonPathError::Json)?;
    Ok(expr.get(&doc).into_iter().cloned().collect())
}

// ---------------------------------------------------------------------------
// Path model
// ---------------------------------------------------------------------------

/// One step of a path.
#[derive(Debug, Clone)]
enum Frag {
    /// `$`: the document root.
    Root,
    /// `@`: the current value (in filters).
    At,
    /// `.name` / `['name']`.
    Child(Vec<u8>),
    /// `[n]`.
    Nth(i64),
    /// `*` / `[*]`.
    Wildcard,
    /// `..`
    Descent,
    /// `[a,'b',2]`.
    Union(Vec<UnionKey>),
    /// `[start:end:step]` with 1 to 3 parts.
    Slice(Vec<i64>),
    /// `[?(...)]`.
    Filter(Box<Equation>),
}

#[derive(Debug, Clone)]
enum UnionKey {
    Key(Vec<u8>),
    Index(i64),
}

/// ojg's "no end" for slices.
const MAX_END: i64 = 2_147_483_647;

/// A parsed path (ojg's `jp.Expr`).
#[derive(Debug, Clone)]
pub struct Expr {
    frags: Vec<Frag>,
}

/// Deepest nesting of filters, groups and operators accepted in a path; ojg
/// has no limit, this keeps recursion bounded on hostile input.
const MAX_PATH_NESTING: usize = 200;

// ---------------------------------------------------------------------------
// Path parsing (jp.ParseString)
// ---------------------------------------------------------------------------

/// Bytes that may appear in a bare `.name` token.
fn is_token_byte(b: u8) -> bool {
    matches!(
        b,
        b'#' | b'%' | b';' | b'?' | b'^' | b'_' | b'0'..=b'9' | b'A'..=b'Z' | b'a'..=b'~' | 0x80..=0xFF
    )
}

struct PathParser<'a> {
    buf: &'a [u8],
    pos: usize,
    depth: usize,
}

type PResult<T> = Result<T, String>;

impl PathParser<'_> {
    /// ojg's `raise`: the message, 1-based position and the whole path.
    fn raise<T>(&self, msg: impl fmt::Display) -> PResult<T> {
        Err(format!(
            "{msg} at {} in {}",
            self.pos + 1,
            String::from_utf8_lossy(self.buf)
        ))
    }

    /// A byte as Go's `%c` prints it (the byte value taken as a code point).
    fn ch(b: u8) -> char {
        char::from(b)
    }

    fn byte_at(&self, i: usize) -> PResult<u8> {
        match self.buf.get(i) {
            Some(&b) => Ok(b),
            None => Err(format!(
                "runtime error: index out of range [{i}] with length {}",
                self.buf.len()
            )),
        }
    }

    fn read_expr(&mut self) -> PResult<Vec<Frag>> {
        let mut frags = Vec::new();
        let mut first = true;
        let mut last_descent = false;
        while let Some(f) = self.next_frag(first, last_descent)? {
            first = false;
            last_descent = matches!(f, Frag::Descent);
            frags.push(f);
        }
        Ok(frags)
    }

    fn next_frag(&mut self, first: bool, last_descent: bool) -> PResult<Option<Frag>> {
        if self.pos >= self.buf.len() {
            return Ok(None);
        }
        let b = self.buf[self.pos];
        self.pos += 1;
        Ok(match b {
            // A '$' or '@' later in a path ends it (and is consumed).
            b'$' => first.then_some(Frag::Root),
            b'@' => first.then_some(Frag::At),
            b'.' => Some(self.after_dot()?),
            b'*' => Some(Frag::Wildcard),
            b'[' => Some(self.after_bracket()?),
            b']' => {
                self.pos -= 1;
                None
            }
            _ => {
                self.pos -= 1;
                if is_token_byte(b) {
                    if first {
                        Some(self.after_dot()?)
                    } else if last_descent {
                        Some(self.after_dot_dot())
                    } else {
                        None
                    }
                } else {
                    None
                }
            }
        })
    }

    fn read_token(&mut self, first: u8) -> Vec<u8> {
        let mut token = vec![first];
        while self.pos < self.buf.len() {
            let b = self.buf[self.pos];
            self.pos += 1;
            if !is_token_byte(b) {
                self.pos -= 1;
                break;
            }
            token.push(b);
        }
        token
    }

    fn after_dot(&mut self) -> PResult<Frag> {
        if self.pos >= self.buf.len() {
            return self.raise("not terminated");
        }
        let b = self.buf[self.pos];
        self.pos += 1;
        match b {
            b'*' => Ok(Frag::Wildcard),
            b'.' => Ok(Frag::Descent),
            _ if !is_token_byte(b) => self.raise(format!(
                "an expression fragment can not start with a '{}'",
                Self::ch(b)
            )),
            _ => Ok(Frag::Child(self.read_token(b))),
        }
    }

    fn after_dot_dot(&mut self) -> Frag {
        let b = self.buf[self.pos];
        self.pos += 1;
        Frag::Child(self.read_token(b))
    }

    /// ojg's `skipSpace`: consumes spaces and the byte after them.
    fn skip_space(&mut self) -> u8 {
        let mut b = 0;
        while self.pos < self.buf.len() {
            b = self.buf[self.pos];
            self.pos += 1;
            if b != b' ' {
                break;
            }
        }
        b
    }

    /// ojg's `nextNonSpace`: skips spaces, peeks at the next byte (0 at the end).
    fn next_non_space(&mut self) -> u8 {
        while self.pos < self.buf.len() {
            let b = self.buf[self.pos];
            if b != b' ' {
                return b;
            }
            self.pos += 1;
        }
        0
    }

    fn after_bracket(&mut self) -> PResult<Frag> {
        if self.pos >= self.buf.len() {
            return self.raise("not terminated");
        }
        let b = self.skip_space();
        match b {
            b'*' => {
                if self.skip_space() != b']' {
                    return self.raise("not terminated");
                }
                return Ok(Frag::Wildcard);
            }
            b'\'' | b'"' => {
                let s = self.read_str(b)?;
                return match self.skip_space() {
                    b']' => Ok(Frag::Child(s)),
                    b',' => self.read_union(UnionKey::Key(s), b','),
                    _ => self.raise("invalid bracket fragment"),
                };
            }
            b':' => return self.read_slice(0),
            b'?' => return self.read_filter(),
            b'(' => return self.read_proc(),
            b'-' | b'0'..=b'9' => {
                let (i, mut b) = self.read_int(b)?;
                loop {
                    match b {
                        b' ' => b = self.skip_space(),
                        b']' => return Ok(Frag::Nth(i)),
                        b',' => return self.read_union(UnionKey::Index(i), b),
                        b':' => return self.read_slice(i),
                        _ => return self.raise("invalid bracket fragment"),
                    }
                }
            }
            _ => {}
        }
        self.pos -= 1;
        self.raise("parse error")
    }

    /// ojg's `readInt`: digits after `b`; also returns the byte that ended them.
    fn read_int(&mut self, mut b: u8) -> PResult<(i64, u8)> {
        let neg = b == b'-';
        if neg {
            if self.pos >= self.buf.len() {
                return self.raise("expected a number");
            }
            b = self.buf[self.pos];
            self.pos += 1;
        }
        let start = self.pos;
        let mut i: i64 = 0;
        while b.is_ascii_digit() {
            i = i.wrapping_mul(10).wrapping_add(i64::from(b - b'0'));
            if self.pos >= self.buf.len() {
                break;
            }
            b = self.buf[self.pos];
            self.pos += 1;
        }
        if self.pos == start {
            return self.raise("expected a number");
        }
        Ok((if neg { i.wrapping_neg() } else { i }, b))
    }

    fn read_slice(&mut self, start: i64) -> PResult<Frag> {
        if self.pos >= self.buf.len() {
            return self.raise("not terminated");
        }
        let mut parts = vec![start];
        let mut b = self.buf[self.pos];
        if b == b']' {
            parts.push(MAX_END);
            self.pos += 1;
            return Ok(Frag::Slice(parts));
        }
        b = self.skip_space();
        if b == b':' {
            parts.push(MAX_END);
            if self.pos >= self.buf.len() {
                return self.raise("not terminated");
            }
            b = self.buf[self.pos];
            self.pos += 1;
            if b != b']' {
                let (i, next) = self.read_int(b)?;
                parts.push(i);
                b = next;
            }
        } else {
            let (i, next) = self.read_int(b)?;
            parts.push(i);
            b = next;
            if b == b':' {
                if self.pos >= self.buf.len() {
                    return self.raise("not terminated");
                }
                b = self.buf[self.pos];
                self.pos += 1;
                if b != b']' {
                    let (i, next) = self.read_int(b)?;
                    parts.push(i);
                    b = next;
                }
            }
        }
        if b != b']' {
            return self.raise("invalid slice syntax");
        }
        Ok(Frag::Slice(parts))
    }

    fn read_union(&mut self, first: UnionKey, mut b: u8) -> PResult<Frag> {
        if self.pos >= self.buf.len() {
            return self.raise("not terminated");
        }
        let mut keys = vec![first];
        loop {
            match b {
                b',' => {}
                b']' => return Ok(Frag::Union(keys)),
                _ => return self.raise("invalid union syntax"),
            }
            b = self.skip_space();
            match b {
                b'\'' | b'"' => {
                    let s = self.read_str(b)?;
                    b = self.skip_space();
                    keys.push(UnionKey::Key(s));
                }
                b'-' | b'0'..=b'9' => {
                    let (i, next) = self.read_int(b)?;
                    b = next;
                    keys.push(UnionKey::Index(i));
                    if b == b' ' {
                        b = self.skip_space();
                    }
                }
                _ => return self.raise("invalid union syntax"),
            }
        }
    }

    fn hex(b: u8) -> Result<u8, String> {
        match char::from(b).to_digit(16) {
            Some(d) => Ok(d as u8),
            None => Err(format!(
                "0x{b:02x} ({}) is not a valid hexadecimal character",
                Self::ch(b)
            )),
        }
    }

    /// A quoted string whose closing quote is `term`; handles escapes.
    fn read_str(&mut self, term: u8) -> PResult<Vec<u8>> {
        let start = self.pos;
        while self.pos < self.buf.len() {
            let b = self.buf[self.pos];
            self.pos += 1;
            if b == term {
                break;
            }
            if b == b'\\' {
                return self.read_esc_str(start, term);
            }
        }
        // ojg drops the last byte of an unterminated string (and fails on an empty one).
        let end = self.pos.wrapping_sub(1);
        if self.pos == 0 || start > end {
            return Err(format!(
                "runtime error: slice bounds out of range [{start}:{}]",
                self.pos as i64 - 1
            ));
        }
        Ok(self.buf[start..end].to_vec())
    }

    fn read_esc_str(&mut self, start: usize, term: u8) -> PResult<Vec<u8>> {
        self.pos -= 1;
        let mut out = self.buf[start..self.pos].to_vec();
        let fail = |b: u8| {
            Err(format!(
                "0x{b:02x} ({}) is not a valid escaped character",
                Self::ch(b)
            ))
        };
        while self.pos < self.buf.len() {
            let b = self.buf[self.pos];
            self.pos += 1;
            if b == term {
                break;
            }
            if b != b'\\' {
                out.push(b);
                continue;
            }
            let mut b = self.byte_at(self.pos)?;
            self.pos += 1;
            match b {
                b'b' => out.push(0x08),
                b't' => out.push(b'\t'),
                b'n' => out.push(b'\n'),
                b'f' => out.push(0x0C),
                b'r' => out.push(b'\r'),
                b'"' => out.push(b'"'),
                b'\'' => out.push(b'\''),
                b'\\' => out.push(b'\\'),
                b'x' => {
                    if self.pos >= self.buf.len() {
                        return fail(b);
                    }
                    b = self.buf[self.pos];
                    self.pos += 1;
                    if self.pos >= self.buf.len() {
                        return fail(b);
                    }
                    let hi = Self::hex(b)?;
                    b = self.buf[self.pos];
                    self.pos += 1;
                    out.push((hi << 4) | Self::hex(b)?);
                }
                b'u' | b'U' => {
                    let mut r: u32 = 0;
                    for _ in 0..4 {
                        if self.pos >= self.buf.len() {
                            return fail(b);
                        }
                        b = self.buf[self.pos];
                        self.pos += 1;
                        r = (r << 4) | u32::from(Self::hex(b)?);
                    }
                    let c = char::from_u32(r).unwrap_or('\u{FFFD}');
                    let mut tmp = [0u8; 4];
                    out.extend_from_slice(c.encode_utf8(&mut tmp).as_bytes());
                }
                _ => return fail(b),
            }
        }
        Ok(out)
    }

    fn read_regex(&mut self) -> PResult<regex::bytes::Regex> {
        let start = self.pos;
        while self.pos < self.buf.len() {
            let b = self.buf[self.pos];
            self.pos += 1;
            match b {
                b'/' => break,
                b'\\' => self.pos += 1,
                _ => {}
            }
        }
        let end = self.pos.saturating_sub(1).max(start).min(self.buf.len());
        let pattern = String::from_utf8_lossy(&self.buf[start..end]).into_owned();
        match regex::bytes::Regex::new(&pattern) {
            Ok(rx) => Ok(rx),
            Err(_) => self.raise(format!(
                "error parsing regexp: invalid expression: `{pattern}`"
            )),
        }
    }

    fn read_filter(&mut self) -> PResult<Frag> {
        if self.pos >= self.buf.len() {
            return self.raise("not terminated");
        }
        let eq = self.read_eq()?;
        let eq = reduce_groups(precedence_correct(eq), None);
        let b = self.next_non_space();
        if self.pos >= self.buf.len() || b != b']' {
            return self.raise("not terminated");
        }
        self.pos += 1;
        Ok(Frag::Filter(eq))
    }

    fn read_proc(&mut self) -> PResult<Frag> {
        if !self.buf.windows(2).any(|w| w == b")]") {
            return self.raise("not terminated");
        }
        // Script procedures need a compiler registered with ojg; River has none.
        Err("jp.CompileScript has not been set".to_string())
    }

    // -- filter equations ---------------------------------------------------

    fn read_eq(&mut self) -> PResult<Box<Equation>> {
        self.depth += 1;
        if self.depth > MAX_PATH_NESTING {
            return self.raise("path nested too deeply");
        }
        let r = self.read_eq_inner();
        self.depth -= 1;
        r
    }

    fn read_eq_inner(&mut self) -> PResult<Box<Equation>> {
        let b = self.next_non_space();
        let mut eq = match b {
            b'!' => {
                self.pos += 1;
                Equation::op(Op::Not, Some(self.read_eq()?), None)
            }
            b'-' | b'0'..=b'9' => {
                self.pos += 1;
                Equation::value(self.read_num(b)?)
            }
            b'\'' | b'"' => {
                self.pos += 1;
                Equation::value(Operand::Str(self.read_str(b)?))
            }
            b'@' | b'$' => {
                let frags = self.read_expr()?;
                Equation::value(Operand::Path(Expr { frags }))
            }
            b'(' => {
                self.pos += 1;
                let inner = self.read_eq()?;
                if self.next_non_space() != b')' {
                    return self.raise("not terminated");
                }
                self.pos += 1;
                Equation::op(Op::Group, Some(inner), None)
            }
            b'[' => Equation::value(Operand::List(self.read_eq_list()?)),
            b'/' => {
                self.pos += 1;
                Equation::value(Operand::Regex(self.read_regex()?))
            }
            b'N' => {
                for &t in b"Nothing" {
                    if self.buf.get(self.pos) != Some(&t) {
                        return self.raise("expected Nothing");
                    }
                    self.pos += 1;
                }
                Equation::value(Operand::Nothing)
            }
            _ => {
                let before = self.pos;
                let start = self.pos;
                while self.pos < self.buf.len() && self.buf[self.pos].is_ascii_lowercase() {
                    self.pos += 1;
                }
                let token = &self.buf[start..self.pos];
                match token {
                    b"true" => Equation::value(Operand::Bool(true)),
                    b"false" => Equation::value(Operand::Bool(false)),
                    b"null" => Equation::value(Operand::Nil),
                    _ => match Op::from_name(token) {
                        Some(o) => self.read_op_args(o)?,
                        None => {
                            let token = String::from_utf8_lossy(token).into_owned();
                            self.pos = before;
                            return self.raise(format!("'{token}' is not a value or function"));
                        }
                    },
                }
            }
        };
        while self.pos < self.buf.len() {
            let b = self.next_non_space();
            if matches!(b, b',' | b')' | b']' | 0) {
                return Ok(eq);
            }
            let o = self.read_eq_op()?;
            let right = self.read_eq()?;
            eq = Equation::op(o, Some(eq), Some(right));
        }
        Ok(eq)
    }

    fn read_eq_list(&mut self) -> PResult<Vec<Operand>> {
        self.pos += 1;
        let mut list = Vec::new();
        while self.pos < self.buf.len() {
            let eq = self.read_eq()?;
            list.push(eq.result.clone());
            match self.skip_space() {
                b',' => {}
                b']' => break,
                _ => return self.raise("expected a comma or an array close"),
            }
        }
        Ok(list)
    }

    fn read_op_args(&mut self, o: Op) -> PResult<Box<Equation>> {
        if self.byte_at(self.pos)? != b'(' {
            return self.raise(format!("expected a {} function", o.name()));
        }
        self.pos += 1;
        let left = self.read_eq()?;
        let mut right = None;
        let mut b = self.next_non_space();
        if b == b',' {
            self.pos += 1;
            right = Some(self.read_eq()?);
            b = self.next_non_space();
        }
        if b != b')' {
            return self.raise("not terminated");
        }
        self.pos += 1;
        Ok(Equation::op(o, Some(left), right))
    }

    fn read_eq_op(&mut self) -> PResult<Op> {
        let mut token: Vec<u8> = Vec::new();
        let mut b = self.next_non_space();
        loop {
            if !is_op_byte(b) && (token.is_empty() || !partial_op(&token, b)) {
                break;
            }
            token.push(b);
            if b == b'-' && token.len() > 1 {
                return self.raise(format!(
                    "'{}' is not a valid operation",
                    String::from_utf8_lossy(&token)
                ));
            }
            self.pos += 1;
            if self.pos >= self.buf.len() {
                return self.raise("equation not terminated");
            }
            b = self.buf[self.pos];
        }
        match Op::from_name(&token) {
            Some(o) => Ok(o),
            None => self.raise(format!(
                "'{}' is not a valid operation",
                String::from_utf8_lossy(&token)
            )),
        }
    }

    fn read_num(&mut self, first: u8) -> PResult<Operand> {
        let mut num = vec![first];
        let mut b = first;
        while self.pos < self.buf.len() {
            b = self.buf[self.pos];
            if !b.is_ascii_digit() {
                break;
            }
            num.push(b);
            self.pos += 1;
        }
        match b {
            b'.' => {
                num.push(b);
                self.pos += 1;
                while self.pos < self.buf.len() {
                    b = self.buf[self.pos];
                    if !b.is_ascii_digit() {
                        break;
                    }
                    num.push(b);
                    self.pos += 1;
                }
                if b == b'e' || b == b'E' {
                    self.pos += 1;
                    num.push(b);
                    if self.pos >= self.buf.len() {
                        return self.raise("expected a number");
                    }
                    b = self.buf[self.pos];
                } else {
                    return Ok(Operand::Float(lossy_float(&num)));
                }
            }
            b'e' | b'E' => {
                self.pos += 1;
                if self.pos >= self.buf.len() {
                    return self.raise("expected a number");
                }
                num.push(b);
                b = self.buf[self.pos];
            }
            _ => {
                return match parse_int(&num, 10, 64) {
                    Ok(i) => Ok(Operand::Int(i)),
                    Err(e) => self.raise(e),
                };
            }
        }
        if b == b'+' || b == b'-' {
            num.push(b);
            self.pos += 1;
            if self.pos >= self.buf.len() {
                return self.raise("expected a number");
            }
        }
        while self.pos < self.buf.len() {
            b = self.buf[self.pos];
            if !b.is_ascii_digit() {
                break;
            }
            num.push(b);
            self.pos += 1;
        }
        Ok(Operand::Float(lossy_float(&num)))
    }
}

/// `strconv.ParseFloat` with the error ignored, as ojg does: syntax errors
/// give 0, overflow gives an infinity.
fn lossy_float(text: &[u8]) -> f64 {
    match parse_float(text) {
        Ok(v) => v,
        Err(e) if e.kind == NumErrorKind::Range => {
            if text.first() == Some(&b'-') {
                f64::NEG_INFINITY
            } else {
                f64::INFINITY
            }
        }
        Err(_) => 0.0,
    }
}

/// Bytes that can make up an operator.
fn is_op_byte(b: u8) -> bool {
    matches!(
        b,
        b'!' | b'&'
            | b'*'
            | b'+'
            | b'-'
            | b'/'
            | b'<'
            | b'='
            | b'>'
            | b'e'
            | b'h'
            | b'i'
            | b'|'
            | b'~'
    )
}

/// Whether `token` followed by `b` is still the start of some operator name.
fn partial_op(token: &[u8], b: u8) -> bool {
    Op::NAMES.iter().any(|name| {
        token.len() < name.len()
            && name.as_bytes().starts_with(token)
            && name.as_bytes()[token.len()] == b
    })
}

impl Expr {
    /// Mirrors `jp.ParseString`.
    pub fn parse(path: impl AsRef<[u8]>) -> Result<Expr, JsonPathError> {
        let buf = path.as_ref();
        let mut p = PathParser {
            buf,
            pos: 0,
            depth: 0,
        };
        let frags = p.read_expr().map_err(JsonPathError::Path)?;
        if p.pos < buf.len() {
            return p.raise("parse error").map_err(JsonPathError::Path);
        }
        Ok(Expr { frags })
    }
}

// ---------------------------------------------------------------------------
// Filter equations
// ---------------------------------------------------------------------------

/// Filter operators with ojg's precedence (lower binds tighter).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Eq,
    Neq,
    Lt,
    Gt,
    Lte,
    Gte,
    Or,
    And,
    Not,
    Add,
    Sub,
    Mult,
    Divide,
    In,
    Empty,
    Regex,
    Has,
    Exists,
    Length,
    Count,
    Match,
    Search,
    /// Parentheses.
    Group,
}

impl Op {
    const NAMES: [&'static str; 23] = [
        "==", "!=", "<", ">", "<=", ">=", "||", "&&", "!", "+", "-", "*", "/", "in", "empty",
        "has", "exists", "~=", "=~", "length", "count", "match", "search",
    ];

    fn from_name(name: &[u8]) -> Option<Op> {
        Some(match name {
            b"==" => Op::Eq,
            b"!=" => Op::Neq,
            b"<" => Op::Lt,
            b">" => Op::Gt,
            b"<=" => Op::Lte,
            b">=" => Op::Gte,
            b"||" => Op::Or,
            b"&&" => Op::And,
            b"!" => Op::Not,
            b"+" => Op::Add,
            b"-" => Op::Sub,
            b"*" => Op::Mult,
            b"/" => Op::Divide,
            b"in" => Op::In,
            b"empty" => Op::Empty,
            b"has" => Op::Has,
            b"exists" => Op::Exists,
            b"~=" | b"=~" => Op::Regex,
            b"length" => Op::Length,
            b"count" => Op::Count,
            b"match" => Op::Match,
            b"search" => Op::Search,
            _ => return None,
        })
    }

    fn name(self) -> &'static str {
        match self {
            Op::Eq => "==",
            Op::Neq => "!=",
            Op::Lt => "<",
            Op::Gt => ">",
            Op::Lte => "<=",
            Op::Gte => ">=",
            Op::Or => "||",
            Op::And => "&&",
            Op::Not => "!",
            Op::Add => "+",
            Op::Sub => "-",
            Op::Mult => "*",
            Op::Divide => "/",
            Op::In => "in",
            Op::Empty => "empty",
            Op::Regex => "~=",
            Op::Has => "has",
            Op::Exists => "exists",
            Op::Length => "length",
            Op::Count => "count",
            Op::Match => "match",
            Op::Search => "search",
            Op::Group => "(",
        }
    }

    fn prec(self) -> u8 {
        match self {
            Op::Not | Op::Length | Op::Count | Op::Match | Op::Search | Op::Group => 0,
            Op::Mult | Op::Divide => 1,
            Op::Add | Op::Sub => 2,
            Op::Or | Op::And => 4,
            _ => 3,
        }
    }
}

/// A constant or path in a filter.
#[derive(Debug, Clone, Default)]
enum Operand {
    /// Not a value (an operator node's own slot).
    #[default]
    Unset,
    Nil,
    Nothing,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(Vec<u8>),
    List(Vec<Operand>),
    Regex(regex::bytes::Regex),
    Path(Expr),
}

/// ojg's `Equation`: either a value or an operator with operands.
#[derive(Debug, Clone)]
struct Equation {
    o: Option<Op>,
    result: Operand,
    left: Option<Box<Equation>>,
    right: Option<Box<Equation>>,
}

impl Equation {
    fn value(result: Operand) -> Box<Equation> {
        Box::new(Equation {
            o: None,
            result,
            left: None,
            right: None,
        })
    }

    fn op(o: Op, left: Option<Box<Equation>>, right: Option<Box<Equation>>) -> Box<Equation> {
        Box::new(Equation {
            o: Some(o),
            result: Operand::Unset,
            left,
            right,
        })
    }
}

/// Equations are parsed right-nested; this rotates them so that operators
/// of lower precedence value bind tighter and equal ones group left to right.
fn precedence_correct(mut e: Box<Equation>) -> Box<Equation> {
    let Some(eo) = e.o else {
        return e;
    };
    if let Some(l) = e.left.take() {
        e.left = Some(precedence_correct(l));
    }
    let right_op = match e.right.as_ref().and_then(|r| r.o) {
        Some(o) => o,
        None => return e,
    };
    if eo.prec() <= right_op.prec() {
        let Some(mut r) = e.right.take() else {
            return e;
        };
        e.right = r.left.take();
        r.left = Some(e);
        return precedence_correct(r);
    }
    if let Some(r) = e.right.take() {
        e.right = Some(precedence_correct(r));
    }
    if let Some(ro) = e.right.as_ref().and_then(|r| r.o) {
        if eo.prec() <= ro.prec() {
            e = precedence_correct(e);
        }
    }
    e
}

/// Drops parentheses that do not change the meaning.
fn reduce_groups(mut e: Box<Equation>, parent: Option<Op>) -> Box<Equation> {
    let Some(eo) = e.o else {
        return e;
    };
    if eo == Op::Group {
        let inner_prec = e.left.as_ref().and_then(|l| l.o).map(Op::prec);
        let keep = match (parent, inner_prec) {
            (None, _) => false,
            (Some(p), Some(ip)) => ip >= p.prec(),
            (Some(_), None) => true,
        };
        if !keep {
            return match e.left.take() {
                Some(l) => reduce_groups(l, parent),
                None => e,
            };
        }
    }
    if let Some(l) = e.left.take() {
        e.left = Some(reduce_groups(l, Some(eo)));
    }
    if let Some(r) = e.right.take() {
        e.right = Some(reduce_groups(r, Some(eo)));
    }
    e
}

/// A value while evaluating a filter.
#[derive(Debug, Clone)]
enum Val<'a> {
    Nothing,
    Nil,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(Vec<u8>),
    /// A literal list.
    List(Vec<Val<'a>>),
    Regex(&'a regex::bytes::Regex),
    /// An array or object from the document.
    Node(&'a JsonValue),
    /// A value Go can compare with nothing (a path inside a literal list).
    Opaque,
}

/// A value plus whether it came from a path that found something (ojg's `got`).
#[derive(Debug, Clone)]
struct Slot<'a> {
    v: Val<'a>,
    found: bool,
}

impl<'a> Slot<'a> {
    fn plain(v: Val<'a>) -> Self {
        Slot { v, found: false }
    }
}

/// ojg's `normalize`: document values as filter values.
fn normalize(v: &JsonValue) -> Val<'_> {
    match v {
        JsonValue::Null => Val::Nil,
        JsonValue::Bool(b) => Val::Bool(*b),
        JsonValue::Int(i) => Val::Int(*i),
        JsonValue::Uint(u) => Val::Int(*u as i64),
        JsonValue::Float(f) => Val::Float(*f),
        // json.Number is a string type.
        JsonValue::Number(n) => Val::Str(n.as_bytes().to_vec()),
        JsonValue::String(s) => Val::Str(s.as_bytes().to_vec()),
        JsonValue::Array(_) | JsonValue::Object(_) => Val::Node(v),
    }
}

fn operand_val(o: &Operand) -> Val<'_> {
    match o {
        Operand::Unset | Operand::Nil => Val::Nil,
        Operand::Path(_) => Val::Opaque,
        Operand::Nothing => Val::Nothing,
        Operand::Bool(b) => Val::Bool(*b),
        Operand::Int(i) => Val::Int(*i),
        Operand::Float(f) => Val::Float(*f),
        Operand::Str(s) => Val::Str(s.clone()),
        Operand::List(l) => Val::List(l.iter().map(operand_val).collect()),
        Operand::Regex(r) => Val::Regex(r),
    }
}

/// Go's `==` on interface values (uncomparable kinds are never equal here;
/// ojg would panic).
fn same(a: &Val<'_>, b: &Val<'_>) -> bool {
    match (a, b) {
        (Val::Nothing, Val::Nothing) | (Val::Nil, Val::Nil) => true,
        (Val::Bool(x), Val::Bool(y)) => x == y,
        (Val::Int(x), Val::Int(y)) => x == y,
        (Val::Float(x), Val::Float(y)) => x == y,
        (Val::Str(x), Val::Str(y)) => x == y,
        (Val::Regex(x), Val::Regex(y)) => std::ptr::eq(*x, *y),
        _ => false,
    }
}

fn num_pair(a: &Val<'_>, b: &Val<'_>) -> Option<(f64, f64)> {
    match (a, b) {
        (Val::Int(x), Val::Float(y)) => Some((*x as f64, *y)),
        (Val::Float(x), Val::Int(y)) => Some((*x, *y as f64)),
        (Val::Float(x), Val::Float(y)) => Some((*x, *y)),
        _ => None,
    }
}

fn compare(o: Op, a: &Val<'_>, b: &Val<'_>) -> bool {
    let apply = |ord: std::cmp::Ordering| match o {
        Op::Lt => ord.is_lt(),
        Op::Gt => ord.is_gt(),
        Op::Lte => ord.is_le(),
        _ => ord.is_ge(),
    };
    match (a, b) {
        (Val::Int(x), Val::Int(y)) => apply(x.cmp(y)),
        (Val::Str(x), Val::Str(y)) => apply(x.cmp(y)),
        // Float comparisons are false when NaN is involved.
        _ => num_pair(a, b)
            .and_then(|(x, y)| x.partial_cmp(&y))
            .is_some_and(apply),
    }
}

/// `==` as ojg evaluates it: Go equality, plus int/float cross-comparison.
fn op_eq(l: &Val<'_>, r: &Val<'_>) -> bool {
    if same(l, r) {
        return true;
    }
    match (l, r) {
        (Val::Int(x), Val::Float(y)) => *x as f64 == *y,
        (Val::Float(x), Val::Int(y)) => *x == *y as f64,
        _ => false,
    }
}

/// `!=` as ojg evaluates it; a float on the left is only unequal to an int.
fn op_neq(l: &Val<'_>, r: &Val<'_>) -> bool {
    if same(l, r) {
        return false;
    }
    match (l, r) {
        (Val::Int(x), Val::Float(y)) => *x as f64 != *y,
        (Val::Int(_), _) => true,
        (Val::Float(x), Val::Int(y)) => *x != *y as f64,
        (Val::Float(_), _) => false,
        _ => true,
    }
}

fn arith(o: Op, a: &Val<'_>, b: &Val<'_>) -> Val<'static> {
    match (o, a, b) {
        (Op::Add, Val::Str(x), Val::Str(y)) => Val::Str([x.as_slice(), y.as_slice()].concat()),
        (_, Val::Int(x), Val::Int(y)) => match o {
            Op::Add => Val::Int(x.wrapping_add(*y)),
            Op::Sub => Val::Int(x.wrapping_sub(*y)),
            Op::Mult => Val::Int(x.wrapping_mul(*y)),
            _ if *y != 0 => Val::Int(x.wrapping_div(*y)),
            _ => Val::Nothing,
        },
        _ => match num_pair(a, b) {
            Some((x, y)) => match o {
                Op::Add => Val::Float(x + y),
                Op::Sub => Val::Float(x - y),
                Op::Mult => Val::Float(x * y),
                _ if y != 0.0 => Val::Float(x / y),
                _ => Val::Nothing,
            },
            None => Val::Nothing,
        },
    }
}

fn truthy(s: &Slot<'_>) -> bool {
    s.found || matches!(s.v, Val::Bool(true))
}

/// Evaluation context for one candidate element.
struct EvalCtx<'a, 'p> {
    /// For each path leaf (in tree order), the chosen result index.
    choice: &'p [usize],
    next_leaf: usize,
    /// Pre-computed path results per leaf.
    leaves: &'p [Vec<&'a JsonValue>],
}

impl<'a> EvalCtx<'a, '_> {
    fn leaf(&mut self) -> Slot<'a> {
        let k = self.next_leaf;
        self.next_leaf += 1;
        let values = &self.leaves[k];
        match values.len() {
            0 => Slot::plain(Val::Nothing),
            _ => Slot {
                v: normalize(values[self.choice[k] % values.len()]),
                found: true,
            },
        }
    }

    fn eval(&mut self, e: &'a Equation) -> Slot<'a> {
        let Some(o) = e.o else {
            return match &e.result {
                Operand::Path(_) => self.leaf(),
                other => Slot::plain(operand_val(other)),
            };
        };
        if o == Op::Count {
            // count() takes the raw list of matches.
            return Slot::plain(match e.left.as_ref().map(|l| &l.result) {
                Some(Operand::Path(_)) => {
                    let k = self.next_leaf;
                    self.next_leaf += 1;
                    Val::Int(self.leaves[k].len() as i64)
                }
                _ => Val::Nothing,
            });
        }
        let left = match &e.left {
            Some(l) => self.eval(l),
            None => Slot::plain(Val::Nil),
        };
        let binary = !matches!(o, Op::Not | Op::Length | Op::Group);
        let right = match (&e.right, binary) {
            (Some(r), true) => self.eval(r),
            _ => Slot::plain(Val::Nil),
        };
        let (l, r) = (&left.v, &right.v);
        let v = match o {
            // A parenthesised path yields its bare value (no longer "found").
            Op::Group => return Slot::plain(left.v),
            Op::Eq => Val::Bool(op_eq(l, r)),
            Op::Neq => Val::Bool(op_neq(l, r)),
            Op::Lt | Op::Gt | Op::Lte | Op::Gte => Val::Bool(compare(o, l, r)),
            Op::Or => Val::Bool(truthy(&left) || truthy(&right)),
            Op::And => Val::Bool(truthy(&left) && truthy(&right)),
            Op::Not => Val::Bool(!truthy(&left)),
            Op::Add | Op::Sub | Op::Mult | Op::Divide => arith(o, l, r),
            Op::In => Val::Bool(match r {
                Val::List(items) => items.iter().any(|x| same(l, x)),
                Val::Node(JsonValue::Array(items)) => items.iter().any(|x| same(l, &normalize(x))),
                _ => false,
            }),
            Op::Empty => Val::Bool(match r {
                Val::Bool(want) => match l {
                    Val::Str(s) => *want == s.is_empty(),
                    Val::Node(JsonValue::Array(a)) => *want == a.is_empty(),
                    Val::Node(JsonValue::Object(m)) => *want == m.is_empty(),
                    _ => false,
                },
                _ => false,
            }),
            Op::Has | Op::Exists => Val::Bool(match r {
                Val::Bool(want) => *want == !matches!(l, Val::Nothing),
                _ => false,
            }),
            Op::Regex => Val::Bool(match (l, r) {
                (Val::Str(s), Val::Str(p)) => regex::bytes::Regex::new(&String::from_utf8_lossy(p))
                    .map(|rx| rx.is_match(s))
                    .unwrap_or(false),
                (Val::Str(s), Val::Regex(rx)) => rx.is_match(s),
                _ => false,
            }),
            Op::Length => match l {
                Val::Str(s) => Val::Int(s.len() as i64),
                Val::Node(JsonValue::Array(a)) => Val::Int(a.len() as i64),
                Val::Node(JsonValue::Object(m)) => Val::Int(m.len() as i64),
                _ => Val::Nothing,
            },
            Op::Match | Op::Search => match (l, r) {
                (Val::Str(s), Val::Str(p)) if !p.is_empty() => {
                    let mut pat = String::from_utf8_lossy(p).into_owned();
                    if o == Op::Match {
                        if !pat.starts_with('^') {
                            pat.insert(0, '^');
                        }
                        if !pat.ends_with('$') {
                            pat.push('$');
                        }
                    }
                    match regex::bytes::Regex::new(&pat) {
                        Ok(rx) => Val::Bool(rx.is_match(s)),
                        Err(_) => Val::Nothing,
                    }
                }
                _ => Val::Nothing,
            },
            Op::Count => Val::Nothing,
        };
        Slot::plain(v)
    }
}

/// Collects the path leaves of an equation in evaluation order.
fn collect_paths<'e>(e: &'e Equation, out: &mut Vec<&'e Expr>) {
    if let Operand::Path(x) = &e.result {
        out.push(x);
    }
    if e.o == Some(Op::Count) {
        if let Some(Operand::Path(x)) = e.left.as_ref().map(|l| &l.result) {
            out.push(x);
        }
        return;
    }
    if let Some(l) = &e.left {
        collect_paths(l, out);
    }
    let binary = !matches!(e.o, Some(Op::Not | Op::Length | Op::Group));
    if binary {
        if let Some(r) = &e.right {
            collect_paths(r, out);
        }
    }
}

/// Whether the filter accepts `v` (ojg's `Script.Match` for one element).
fn filter_matches<'a>(eq: &'a Equation, v: &'a JsonValue, root: &'a JsonValue) -> bool {
    let mut paths = Vec::new();
    collect_paths(eq, &mut paths);
    let leaves: Vec<Vec<&'a JsonValue>> = paths
        .iter()
        .map(|x| {
            // A `$` path starts from the data the enclosing Get was given.
            let start = match x.frags.first() {
                Some(Frag::Root) => root,
                _ => v,
            };
            get_from(&x.frags, start)
        })
        .collect();
    // A path with several results matches if any combination does.
    let combos: usize = leaves.iter().map(|l| l.len().max(1)).product();
    let mut choice = vec![0usize; leaves.len()];
    for mut mi in 0..combos.max(1) {
        for (k, l) in leaves.iter().enumerate() {
            let n = l.len().max(1);
            choice[k] = mi % n;
            mi /= n;
        }
        let mut ctx = EvalCtx {
            choice: &choice,
            next_leaf: 0,
            leaves: &leaves,
        };
        let result = ctx.eval(eq);
        if truthy(&result) {
            return true;
        }
    }
    false
}

// ---------------------------------------------------------------------------
// Evaluation (Expr.Get)
// ---------------------------------------------------------------------------

const FRAG_INDEX_MASK: u32 = 0x0000_ffff;
const DESCENT_FLAG: u32 = 0x0001_0000;
const DESCENT_CHILD_FLAG: u32 = 0x0002_0000;

/// ojg's work stack holds values and fragment-index markers.
#[derive(Clone, Copy)]
enum Entry<'a> {
    Val(&'a JsonValue),
    Mark(u32),
}

fn is_container(v: &JsonValue) -> bool {
    matches!(v, JsonValue::Array(_) | JsonValue::Object(_))
}

fn child<'a>(v: &'a JsonValue, key: &[u8]) -> Option<&'a JsonValue> {
    match v {
        JsonValue::Object(entries) => entries
            .iter()
            .find(|(k, _)| k.as_bytes() == key)
            .map(|(_, v)| v),
        _ => None,
    }
}

fn nth(v: &JsonValue, i: i64) -> Option<&JsonValue> {
    match v {
        JsonValue::Array(items) => {
            let i = if i < 0 { items.len() as i64 + i } else { i };
            usize::try_from(i).ok().and_then(|i| items.get(i))
        }
        _ => None,
    }
}

/// Children in document order.
fn children(v: &JsonValue) -> Vec<&JsonValue> {
    match v {
        JsonValue::Array(items) => items.iter().collect(),
        JsonValue::Object(entries) => entries.iter().map(|(_, v)| v).collect(),
        _ => Vec::new(),
    }
}

impl Expr {
    /// Mirrors `Expr.Get`: every value the path selects, in ojg's order.
    pub fn get<'a>(&'a self, data: &'a JsonValue) -> Vec<&'a JsonValue> {
        get_from(&self.frags, data)
    }
}

/// ojg's stack machine. Matches of the last fragment are results; matches of
/// earlier fragments are pushed (containers only) for the next fragment.
fn get_from<'a>(x: &'a [Frag], data: &'a JsonValue) -> Vec<&'a JsonValue> {
    let mut results: Vec<&'a JsonValue> = Vec::new();
    if x.is_empty() {
        return results;
    }
    let last = x.len() - 1;
    let mut stack: Vec<Entry<'a>> = vec![Entry::Val(data), Entry::Mark(0)];
    let mut fi: usize = 0;
    // Pushes a non-final match for the next fragment.
    fn push_container<'a>(stack: &mut Vec<Entry<'a>>, v: &'a JsonValue) {
        if is_container(v) {
            stack.push(Entry::Val(v));
        }
    }
    while stack.len() > 1 {
        let prev = match stack[stack.len() - 2] {
            Entry::Mark(m) => {
                stack.pop();
                fi = (m & FRAG_INDEX_MASK) as usize;
                continue;
            }
            Entry::Val(v) => v,
        };
        let n = stack.len();
        stack[n - 2] = stack[n - 1];
        stack.pop();
        let is_last = fi == last;
        match &x[fi] {
            Frag::Child(key) => {
                if let Some(v) = child(prev, key) {
                    if is_last {
                        results.push(v);
                    } else {
                        push_container(&mut stack, v);
                    }
                }
            }
            Frag::Nth(i) => {
                if let Some(v) = nth(prev, *i) {
                    if is_last {
                        results.push(v);
                    } else {
                        push_container(&mut stack, v);
                    }
                }
            }
            Frag::Wildcard => {
                let kids = children(prev);
                if is_last {
                    results.extend(kids);
                } else {
                    for v in kids.into_iter().rev() {
                        push_container(&mut stack, v);
                    }
                }
            }
            Frag::Descent => {
                let di = match stack.last() {
                    Some(Entry::Mark(m)) => *m,
                    _ => fi as u32,
                };
                let top = di & DESCENT_CHILD_FLAG == 0;
                if di & DESCENT_FLAG == 0 {
                    // First visit: queue the children for descent, then come back to this value.
                    if let Some(slot) = stack.last_mut() {
                        *slot = Entry::Val(prev);
                    }
                    stack.push(Entry::Mark(di | DESCENT_FLAG));
                    let kids = children(prev);
                    if is_last {
                        results.extend(kids.iter().copied());
                    }
                    for v in kids.into_iter().rev() {
                        if is_container(v) {
                            stack.push(Entry::Val(v));
                            stack.push(Entry::Mark(fi as u32 | DESCENT_CHILD_FLAG));
                        }
                    }
                } else if is_last {
                    if top {
                        results.push(prev);
                    }
                } else {
                    stack.push(Entry::Val(prev));
                }
            }
            Frag::Root => {
                if is_last {
                    results.push(data);
                } else {
                    stack.push(Entry::Val(data));
                }
            }
            Frag::At => {
                if is_last {
                    results.push(prev);
                } else {
                    stack.push(Entry::Val(prev));
                }
            }
            Frag::Union(keys) => {
                let lookup = |k: &UnionKey| match k {
                    UnionKey::Key(s) => child(prev, s),
                    UnionKey::Index(i) => nth(prev, *i),
                };
                if is_last {
                    results.extend(keys.iter().filter_map(lookup));
                } else {
                    for v in keys.iter().rev().filter_map(lookup) {
                        push_container(&mut stack, v);
                    }
                }
            }
            Frag::Slice(parts) => {
                if let JsonValue::Array(items) = prev {
                    slice_into(parts, items, is_last, &mut results, &mut stack);
                }
            }
            Frag::Filter(eq) => {
                // Candidates are tested last to first and matches pushed, so they pop in order.
                let before = stack.len();
                let kids = children(prev);
                for v in kids.into_iter().rev() {
                    if filter_matches(eq, v, data) {
                        stack.push(Entry::Val(v));
                    }
                }
                if is_last {
                    for e in stack.drain(before..).rev() {
                        if let Entry::Val(v) = e {
                            results.push(v);
                        }
                    }
                }
            }
        }
        if fi < last && !matches!(stack.last(), Some(Entry::Mark(_))) {
            fi += 1;
            stack.push(Entry::Mark(fi as u32));
        }
    }
    results
}

/// `[start:end:step]` on an array, with ojg's clamping rules.
fn slice_into<'a>(
    parts: &[i64],
    items: &'a [JsonValue],
    is_last: bool,
    results: &mut Vec<&'a JsonValue>,
    stack: &mut Vec<Entry<'a>>,
) {
    let len = items.len() as i64;
    let mut start = parts.first().copied().unwrap_or(0);
    let mut end = parts.get(1).copied().unwrap_or(MAX_END);
    let step = parts.get(2).copied().unwrap_or(1);
    if step == 0 {
        return;
    }
    if start < 0 {
        start = (len + start).max(0);
    }
    if end < 0 {
        end += len;
    }
    if len <= start {
        return;
    }
    if len < end {
        end = len;
    }
    let at = |i: i64| usize::try_from(i).ok().and_then(|i| items.get(i));
    if step > 0 {
        if is_last {
            let mut i = start;
            while i < end {
                results.extend(at(i));
                i += step;
            }
        } else {
            // Pushed in reverse so they pop in order (ojg's arithmetic, quirks included).
            let mut i = start + (end - start - 1) / step * step;
            while start <= i {
                if let Some(v) = at(i).filter(|v| is_container(v)) {
                    stack.push(Entry::Val(v));
                }
                i -= step;
            }
        }
    } else {
        if end < -1 {
            end = -1;
        }
        if is_last {
            let mut i = start;
            while end < i {
                results.extend(at(i));
                i += step;
            }
        } else {
            let mut i = start - (start - end - 1) / step * step;
            while i <= start {
                if let Some(v) = at(i).filter(|v| is_container(v)) {
                    stack.push(Entry::Val(v));
                }
                i -= step;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gocompat::json::JsonValue::{self, *};
    type Text = std::string::String;

    fn run(json: &str, path: &str) -> Result<Vec<JsonValue>, Text> {
        json_path(json, path).map_err(|e| e.to_string())
    }

    fn ints(v: &[JsonValue]) -> Vec<i64> {
        v.iter()
            .map(|x| match x {
                Int(i) => *i,
                _ => 0,
            })
            .collect()
    }

    fn sorted(mut v: Vec<i64>) -> Vec<i64> {
        v.sort_unstable();
        v
    }

    /// ojg's test fixture `buildTree(4, 3, 0)` as JSON.
    fn tree() -> Text {
        fn build(depth: u32, iv: i64) -> Text {
            let items: Vec<Text> = (0..4)
                .map(|i| {
                    let nv = iv * 10 + i + 1;
                    let inner = if depth > 1 {
                        build(depth - 1, nv)
                    } else {
                        nv.to_string()
                    };
                    if depth.is_multiple_of(2) {
                        inner
                    } else {
                        format!("\"{}\":{}", char::from(b'a' + i as u8), inner)
                    }
                })
                .collect();
            if depth.is_multiple_of(2) {
                format!("[{}]", items.join(","))
            } else {
                format!("{{{}}}", items.join(","))
            }
        }
        build(3, 0)
    }

    #[test]
    fn conformance_cases() {
        // eval-cases.json U166..U169
        assert_eq!(run(r#"{"a": "b"}"#, ".a"), Ok(vec![String("b".into())]));
        assert_eq!(run(r#"{"a": "b"}"#, ".nonexists"), Ok(vec![]));
        let doc = r#"[{"name": "Department","value": "IT"},{"name":"ReferenceNumber","value":"123456"},{"name":"TestStatus","value":"Pending"}]"#;
        assert_eq!(
            run(doc, r#"[?(@.name == "Department")].value"#),
            Ok(vec![String("IT".into())])
        );
    }

    #[test]
    fn spec_errors() {
        assert_eq!(run("{}", "$["), Err("not terminated at 3 in $[".into()));
        assert_eq!(run("{", "$"), Err("incomplete JSON at 1:2".into()));
        // The path is checked before the document.
        assert_eq!(run("{", "$["), Err("not terminated at 3 in $[".into()));
    }

    #[test]
    fn ojg_get_vectors_on_tree() {
        let t = tree();
        let cases: &[(&str, &[i64])] = &[
            ("$.a.*.b", &[112, 122, 132, 142]),
            ("@.b[1].c", &[223]),
            ("..[1].b", &[122, 222, 322, 422]),
            ("[1,'a']['b',2]['c',3]", &[133]),
            ("a[1::2].a", &[121, 141]),
            ("a[?(@.a > 135)].b", &[142]),
            ("[?(@[1].a > 230)][1].b", &[322, 422]),
            (
                "$.*[*].a",
                &[
                    111, 121, 131, 141, 211, 221, 231, 241, 311, 321, 331, 341, 411, 421, 431, 441,
                ],
            ),
            ("a[2].*", &[131, 132, 133, 134]),
            ("c[-1:1:-1].a", &[331, 341]),
            ("a..b", &[112, 122, 132, 142]),
            ("", &[]),
        ];
        for &(path, want) in cases {
            let got = run(&t, path).unwrap_or_default();
            assert_eq!(sorted(ints(&got)), want, "{path}");
        }
    }

    #[test]
    fn ojg_get_vectors_on_small_data() {
        let cases: &[(&str, &str, &[i64])] = &[
            ("[-1]", "[0,1,2,3]", &[3]),
            ("[?(@ > 1)]", "[1,2,3]", &[2, 3]),
            ("$[?(1==1)]", "[1,2,3]", &[1, 2, 3]),
            (r"$['\\']", r#"{"\\":3}"#, &[3]),
            (r"$['\x41']", r#"{"A":3}"#, &[3]),
            (r"$['\x4a']", r#"{"J":3}"#, &[3]),
            (r"$['\u03A0']", r#"{"Π":3}"#, &[3]),
            (r"$['\n']", r#"{"\n":3}"#, &[3]),
            (r#"$["\'"]"#, r#"{"'":3}"#, &[3]),
            (
                "$.a[*].y",
                r#"{"a":[{"x":1,"y":2,"z":3},{"x":2,"y":4,"z":6}]}"#,
                &[2, 4],
            ),
            (
                "$..[1].x",
                r#"{"x":[0,1],"y":[{"x":0},{"x":42}],"z":[[{"x":100},{"x":200},{"x":300}],[{"x":400},{"x":500},{"x":600}]]}"#,
                &[42, 200, 500],
            ),
            ("$['a-b']", r#"{"a-b":1,"c-d":2}"#, &[1]),
            ("$['cognito:username']", r#"{"cognito:username":7}"#, &[7]),
            (
                "$.a..x",
                r#"{"a":{"b":[{"x":1,"y":true},{"x":2},{"x":3},{"x":4}],"c":{"x":5,"y":null}}}"#,
                &[1, 2, 3, 4, 5],
            ),
            ("[*]", "[1,2,3]", &[1, 2, 3]),
            ("['x',-1]", "[1,2,3]", &[3]),
            ("$[1:3]", "[1,2,3,4,5,6]", &[2, 3]),
            ("$[::0]", "[1,2,3,4,5,6]", &[]),
            ("$[10:]", "[1,2,3,4,5,6]", &[]),
            ("$[:-10:-1]", "[1,2,3,4,5,6]", &[1]),
            ("$[1:10]", "[1,2,3,4,5,6]", &[2, 3, 4, 5, 6]),
            ("$[-4:-4]", "[1,2,3,4,5,6]", &[]),
            ("$[-4:-3]", "[1,2,3,4,5,6]", &[3]),
            ("$[-4:2]", "[1,2,3,4,5,6]", &[]),
            ("$[-4:3]", "[1,2,3,4,5,6]", &[3]),
            ("$[:2]", "[1,2,3,4,5,6]", &[1, 2]),
            ("$[-4:]", "[1,2,3]", &[1, 2, 3]),
            ("$[0:3:1]", "[1,2,3,4,5]", &[1, 2, 3]),
            ("$[0:4:2]", "[1,2,3,4,5]", &[1, 3]),
            ("[-4:-1:2]", "[1,2,3,4,5,6]", &[3, 5]),
            ("[-1:1:-2]", "[1,2,3,4,5,6]", &[4, 6]),
            ("..a", "[1,2]", &[]),
            ("$[1:3:]", "[1,2,3,4,5]", &[2, 3]),
            ("$[01:03:01]", "[1,2,3,4,5]", &[2, 3]),
            (
                "$[:]['x','y']",
                r#"[{"x":1,"y":2,"z":3},{"x":4,"y":5,"z":6}]"#,
                &[1, 2, 4, 5],
            ),
            ("a.b", r#"{"a":null}"#, &[]),
            ("*.*", r#"{"a":null}"#, &[]),
            ("*.*", "[null]", &[]),
            ("[0][0]", "[null]", &[]),
            ("['a','b'].c", r#"{"a":null}"#, &[]),
            ("[1:0:-1].c", "[null,null]", &[]),
            ("[0:1][0]", "[null]", &[]),
            ("$[2:1:-1].a", r#"[{"a":1},{"a":2},{"a":3}]"#, &[3]),
            ("[4:0:-2].a", r#"[{"a":1},{"a":2},{"a":3}]"#, &[]),
            ("[-1:0:-2].a", r#"[{"a":1},{"a":2},{"a":3}]"#, &[3]),
        ];
        for &(path, json, want) in cases {
            let got = run(json, path).unwrap_or_default();
            assert_eq!(sorted(ints(&got)), want, "{path} on {json}");
        }
    }

    #[test]
    fn result_order_and_values() {
        assert_eq!(
            run("[1,2]", ".."),
            Ok(vec![Int(1), Int(2), Array(vec![Int(1), Int(2)])])
        );
        assert_eq!(
            run(r#"[{"a":1,"b":{"a":2}},{"a":3}]"#, "$..a").map(|v| ints(&v)),
            Ok(vec![2, 1, 3])
        );
        assert_eq!(
            run(r#"{"x":1}"#, "$"),
            Ok(vec![Object(vec![("x".into(), Int(1))])])
        );
        assert_eq!(
            run(r#"{"x":1}"#, "@"),
            Ok(vec![Object(vec![("x".into(), Int(1))])])
        );
        assert_eq!(
            run(r#"{"a":[1,2.5,"s",true,null,{"b":[]}]}"#, "$.a[*]"),
            Ok(vec![
                Int(1),
                Float(2.5),
                String("s".into()),
                Bool(true),
                Null,
                Object(vec![("b".into(), Array(vec![]))])
            ])
        );
        assert_eq!(
            run("[12345678901234567890]", "$[0]"),
            Ok(vec![Number("12345678901234567890".into())])
        );
        assert_eq!(run("", "$"), Ok(vec![Null]));
        // A trailing '$' ends the path without complaint, as in ojg.
        assert_eq!(run(r#"{"a":1}"#, "$.a$"), Ok(vec![Int(1)]));
    }

    #[test]
    fn filters() {
        let doc = r#"[{"a":1,"s":"abc"},{"a":2.0,"b":true,"s":"b"},{"a":3,"b":false},{"c":null}]"#;
        let cases: &[(&str, &[i64])] = &[
            ("$[?(@.a == 1)].a", &[1]),
            ("$[?(@.a == 2)].a", &[0]), // 2.0 matches the int 2
            ("$[?(@.a > 1)].a", &[0, 3]),
            ("$[?(@.a >= 2 && @.a < 3)].a", &[0]),
            ("$[?(@.a == 1 || @.a == 3)].a", &[1, 3]),
            ("$[?(@.b)].a", &[0, 3]),
            ("$[?(!@.b)].a", &[1]),
            ("$[?(@.b == false)].a", &[3]),
            ("$[?(@.c == null)].a", &[]),
            ("$[?(@.a in [1,3])].a", &[1, 3]),
            ("$[?(@.s =~ /^a/)].a", &[1]),
            ("$[?(@.s ~= 'b')].a", &[0, 1]),
            ("$[?(length(@.s) > 1)].a", &[1]),
            ("$[?(@.a exists false)].a", &[]),
            ("$[?(@.b has true)].a", &[0, 3]),
            ("$[?(@.a + 1 == 4)].a", &[3]),
            ("$[?(@.a * 2 == 4)].a", &[0]),
            ("$[?(@.a == Nothing)].a", &[]),
            ("$[?(match(@.s, 'a.c'))].a", &[1]),
            ("$[?(search(@.s, 'b'))].a", &[0, 1]),
            ("$[?(@.s empty false)].a", &[0, 1]),
            ("$[?(@.a == 1 || @.a == 3 && @.b == false)].a", &[3]),
            ("$[?((@.a == 1 || @.a == 3) && @.b == false)].a", &[3]),
            ("$[?(@.a == 1 || (@.a == 3 && @.b == false))].a", &[1, 3]),
            ("$[?(@.a != 1)].a", &[0, 3]),
            ("$[?(@.a == $[0].a)].a", &[1]),
        ];
        for &(path, want) in cases {
            let got = run(doc, path).unwrap_or_else(|e| panic!("{path}: {e}"));
            let got: Vec<i64> = got
                .iter()
                .map(|v| match v {
                    Int(i) => *i,
                    _ => 0,
                })
                .collect();
            assert_eq!(sorted(got), want, "{path}");
        }
        // Filters over objects test the member values.
        assert_eq!(
            run(r#"{"x":{"k":1},"y":{"k":2}}"#, "$[?(@.k > 1)].k"),
            Ok(vec![Int(2)])
        );
        // count() sees every match of its path.
        assert_eq!(
            run(
                r#"[{"l":[1,2,3]},{"l":[1]}]"#,
                "$[?(count(@.l[*]) > 2)].l[0]"
            ),
            Ok(vec![Int(1)])
        );
        // A path with several results matches when any of them does.
        assert_eq!(
            run(r#"[{"l":[1,5]},{"l":[2]}]"#, "$[?(@.l[*] == 5)].l[0]"),
            Ok(vec![Int(1)])
        );
    }

    #[test]
    fn ojg_parse_errors() {
        let cases: &[(&str, &str)] = &[
            ("$[1,'a']  ", "parse error at 9 in $[1,'a']  "),
            (
                "$.cognito:username",
                "parse error at 10 in $.cognito:username",
            ),
            (
                "abc..cognito:username",
                "parse error at 13 in abc..cognito:username",
            ),
            (
                "$.:foo",
                "an expression fragment can not start with a ':' at 4 in $.:foo",
            ),
            ("$.a:b.c", "parse error at 4 in $.a:b.c"),
            ("abc.", "not terminated at 5 in abc."),
            (
                "abc.+",
                "an expression fragment can not start with a '+' at 6 in abc.+",
            ),
            ("abc..+", "parse error at 6 in abc..+"),
            (r"['\z']", "0x7a (z) is not a valid escaped character"),
            (r"['\xx']", "0x78 (x) is not a valid hexadecimal character"),
            (r"['\x1", "0x31 (1) is not a valid escaped character"),
            (r"['\x", "0x78 (x) is not a valid escaped character"),
            (r"['\u0a", "0x61 (a) is not a valid escaped character"),
            ("[", "not terminated at 2 in ["),
            ("]", "parse error at 1 in ]"),
            ("[]", "parse error at 2 in []"),
            ("[**", "not terminated at 4 in [**"),
            ("['x'z]", "invalid bracket fragment at 6 in ['x'z]"),
            ("[(x)]", "jp.CompileScript has not been set"),
            ("[(x)", "not terminated at 3 in [(x)"),
            ("[-x]", "expected a number at 4 in [-x]"),
            ("[0x]", "invalid bracket fragment at 4 in [0x]"),
            ("[x]", "parse error at 2 in [x]"),
            (
                "[?(@.x == 1.2e",
                "expected a number at 15 in [?(@.x == 1.2e",
            ),
            ("[?(@.x == 1e", "expected a number at 13 in [?(@.x == 1e"),
            ("[?(@.x == 1e+", "expected a number at 14 in [?(@.x == 1e+"),
            ("[-", "expected a number at 3 in [-"),
            ("[1", "expected a number at 3 in [1"),
            ("[1,", "not terminated at 4 in [1,"),
            ("[:", "not terminated at 3 in [:"),
            ("[::", "not terminated at 4 in [::"),
            ("[:-x", "expected a number at 5 in [:-x"),
            ("[1:-x", "expected a number at 6 in [1:-x"),
            ("[1::-x", "expected a number at 7 in [1::-x"),
            ("[1:2:", "not terminated at 6 in [1:2:"),
            ("[1:2:-x", "expected a number at 8 in [1:2:-x"),
            ("[2,3:", "invalid union syntax at 6 in [2,3:"),
            ("[2,3x", "invalid union syntax at 6 in [2,3x"),
            ("[2,-", "expected a number at 5 in [2,-"),
            ("[2,x", "invalid union syntax at 5 in [2,x"),
            ("[?", "not terminated at 3 in [?"),
            ("[?(", "'' is not a value or function at 4 in [?("),
            ("[?x", "'x' is not a value or function at 3 in [?x"),
            ("[?(@.x == 3)", "not terminated at 13 in [?(@.x == 3)"),
            (
                "[?(!(@.x == -x)",
                r#"strconv.ParseInt: parsing "-": invalid syntax at 14 in [?(!(@.x == -x)"#,
            ),
            ("[?(!(@.x == 1)]", "not terminated at 15 in [?(!(@.x == 1)]"),
            (
                "[?(- == 1)]",
                r#"strconv.ParseInt: parsing "-": invalid syntax at 5 in [?(- == 1)]"#,
            ),
            (
                "[?(2 ++ 1)]",
                "'++' is not a valid operation at 8 in [?(2 ++ 1)]",
            ),
            (
                "[?(2 + -)]",
                r#"strconv.ParseInt: parsing "-": invalid syntax at 9 in [?(2 + -)]"#,
            ),
            (
                "[?(2 + 1 ++)]",
                "'++' is not a valid operation at 12 in [?(2 + 1 ++)]",
            ),
            (
                "[?(@.x == trux)]",
                "'trux' is not a value or function at 11 in [?(@.x == trux)]",
            ),
            (
                "[?(@.x == fx)]",
                "'fx' is not a value or function at 11 in [?(@.x == fx)]",
            ),
            (
                "[?(@.x == x)]",
                "'x' is not a value or function at 11 in [?(@.x == x)]",
            ),
            (
                "[?(@.x -- x)]",
                "'--' is not a valid operation at 9 in [?(@.x -- x)]",
            ),
            ("[?(@.x =", "equation not terminated at 9 in [?(@.x ="),
            (
                "[?(@.x in [1 2])]",
                "'' is not a valid operation at 14 in [?(@.x in [1 2])]",
            ),
            (
                "$[?(@.x == North)]",
                "expected Nothing at 14 in $[?(@.x == North)]",
            ),
            ("[?length]", "expected a length function at 9 in [?length]"),
            ("$[", "not terminated at 3 in $["),
            ("$.", "not terminated at 3 in $."),
        ];
        for &(path, want) in cases {
            match Expr::parse(path) {
                Ok(x) => panic!("{path:?} parsed as {x:?}"),
                Err(e) => assert_eq!(e.to_string(), want, "{path:?}"),
            }
        }
    }

    #[test]
    fn ojg_parse_accepts() {
        for path in [
            "@",
            "$",
            "@.abc",
            "abc",
            "abc.def",
            "abc.*.def",
            "@..",
            "@..x.y",
            "@.*",
            "@['x']",
            "@['@x']",
            "[?@['@type'] == 'something']",
            "[1,2]",
            "abc..def",
            "abc[*].def",
            "abc[0].def",
            "abc[ -2 ].def",
            "abc[1:3]",
            "abc[1:]",
            "abc[:]",
            "abc[:3]",
            "a[:].b",
            "abc[::2]",
            "abc[1:5:2]",
            "abc[:-1]",
            "$['a b']",
            "$['ぴーたー']",
            "$[1,'a',2,'b']",
            "$[ 1, 'a' , 2 ,'b' ]",
            "$[?(@.x == true)]",
            "$[?(@.x == Nothing)]",
            "$[?(@.x == null)]",
            "$[?(1==1)]",
            "$[?(@.x)]",
            "$[?@.x]",
            "[::]",
            "[1:2:]",
            "[01:02:02]",
        ] {
            assert!(Expr::parse(path).is_ok(), "{path}");
        }
    }

    #[test]
    fn deep_documents_are_fine() {
        let doc = format!("{}{}", "[".repeat(1_000), "]".repeat(1_000));
        assert_eq!(run(&doc, "$").map(|v| v.len()), Ok(1));
        assert_eq!(run(&doc, "$..*").map(|v| v.len()), Ok(999));
    }

    #[test]
    fn deep_nesting_is_rejected_not_overflowing() {
        let path = format!("$[?({}1{})]", "(".repeat(5000), ")".repeat(5000));
        assert!(Expr::parse(&path).is_err());
    }
}
