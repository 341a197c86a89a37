//! Go's `encoding/json`: `json.Unmarshal` into `interface{}` and
//! `json.Marshal` of maps, with Go's error texts.
//!
//! River's `json_decode` / `encoding.from_json` run Go's decoder: the input is
//! first checked by Go's byte-at-a-time scanner (whose first complaint becomes
//! the error, e.g. `invalid character '}' after object key`), then every
//! number becomes a float64. `encoding.to_json` runs `json.Marshal`: sorted
//! keys, compact output, HTML-safe string escapes.

use std::fmt;

use super::strconv::{format_float_go, parse_float, parse_int, parse_uint, quote};
use super::utf8::decode_rune;

/// A decoded JSON document (Go's `interface{}` tree).
#[derive(Debug, Clone, PartialEq)]
pub enum JsonValue {
    /// `null`
    Null,
    /// `true` / `false`
    Bool(bool),
    /// An integer kept exact (only with [`NumberMode::PreserveInts`] or from ojg).
    Int(i64),
    /// An integer above `i64::MAX` kept exact ([`NumberMode::PreserveInts`]).
    Uint(u64),
    /// A float64 (every number with [`NumberMode::Float64`]).
    Float(f64),
    /// A number kept as its literal text (Go's `json.Number`); ojg produces
    /// these for numbers it cannot hold exactly.
    Number(String),
    /// A string.
    String(String),
    /// An array.
    Array(Vec<JsonValue>),
    /// An object; keys are unique, in first-seen order (Go maps have no order).
    Object(Vec<(String, JsonValue)>),
}

/// How the decoder represents numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum NumberMode {
    /// Go's default: every number is a float64 (what `json_decode` does).
    #[default]
    Float64,
    /// Integer literals that fit stay `Int`/`Uint`; others are float64.
    PreserveInts,
}

/// A decoding or encoding failure; `Display` gives Go's exact text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JsonError {
    /// `*json.SyntaxError`, e.g. `unexpected end of JSON input`.
    Syntax {
        /// Go's message.
        msg: String,
        /// Bytes read when the error was found.
        offset: usize,
    },
    /// `*json.UnmarshalTypeError`, e.g. `json: cannot unmarshal number 1e400
    /// into Go value of type float64`.
    UnmarshalType {
        /// What was found, e.g. `number 1e400`.
        value: String,
        /// The Go type it did not fit.
        type_name: &'static str,
        /// Offset just after the value.
        offset: usize,
    },
    /// `*json.UnsupportedValueError`: `json: unsupported value: NaN`.
    UnsupportedValue {
        /// The value as Go prints it.
        text: String,
    },
    /// `json: invalid number literal "x"` for a bad [`JsonValue::Number`].
    InvalidNumber {
        /// The offending text.
        text: String,
    },
}

impl fmt::Display for JsonError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            JsonError::Syntax { msg, .. } => f.write_str(msg),
            JsonError::UnmarshalType {
                value, type_name, ..
            } => write!(
                f,
                "json: cannot unmarshal {value} into Go value of type {type_name}"
            ),
            JsonError::UnsupportedValue { text } => write!(f, "json: unsupported value: {text}"),
            JsonError::InvalidNumber { text } => {
                write!(f, "json: invalid number literal {}", quote(text))
            }
        }
    }
}

impl std::error::Error for JsonError {}

// ---------------------------------------------------------------------------
// Syntax check: Go's scanner state machine
// ---------------------------------------------------------------------------

/// Go's limit on nested arrays and objects.
const MAX_NESTING_DEPTH: usize = 10_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    BeginValueOrEmpty,
    BeginValue,
    BeginStringOrEmpty,
    BeginString,
    EndValue,
    EndTop,
    InString,
    InStringEsc,
    InStringEscU(u8),
    Neg,
    One,
    Zero,
    Dot,
    Dot0,
    E,
    ESign,
    E0,
    /// Inside `true`/`false`/`null`: the literal and how many bytes matched.
    Literal(&'static [u8], usize),
    Error,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ParseState {
    ObjectKey,
    ObjectValue,
    ArrayValue,
}

/// Go's `quoteChar`: a byte as a quoted character for error messages.
fn quote_char(c: u8) -> String {
    match c {
        b'\'' => r"'\''".to_string(),
        b'"' => "'\"'".to_string(),
        _ => {
            // Go converts the byte to a rune (Latin-1) before quoting.
            let mut tmp = [0u8; 4];
            let q = quote(char::from(c).encode_utf8(&mut tmp).as_bytes());
            format!("'{}'", &q[1..q.len() - 1])
        }
    }
}

fn is_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\r' | b'\n')
}

struct Scanner {
    step: Step,
    parse_state: Vec<ParseState>,
    end_top: bool,
    err: Option<String>,
    bytes: usize,
}

impl Scanner {
    fn new() -> Self {
        Scanner {
            step: Step::BeginValue,
            parse_state: Vec::new(),
            end_top: false,
            err: None,
            bytes: 0,
        }
    }

    fn error(&mut self, c: u8, context: &str) {
        self.step = Step::Error;
        self.err = Some(format!("invalid character {} {context}", quote_char(c)));
    }

    fn push(&mut self, c: u8, ps: ParseState) -> bool {
        self.parse_state.push(ps);
        if self.parse_state.len() <= MAX_NESTING_DEPTH {
            return true;
        }
        self.error(c, "exceeded max depth");
        false
    }

    /// Feeds one byte; false once an error is recorded.
    fn feed(&mut self, c: u8) -> bool {
        match self.step {
            Step::BeginValueOrEmpty => {
                if is_space(c) {
                } else if c == b']' {
                    self.end_value(c);
                } else {
                    self.begin_value(c);
                }
            }
            Step::BeginValue => self.begin_value(c),
            Step::BeginStringOrEmpty => {
                if is_space(c) {
                } else if c == b'}' {
                    if let Some(top) = self.parse_state.last_mut() {
                        *top = ParseState::ObjectValue;
                    }
                    self.end_value(c);
                } else {
                    self.begin_string(c);
                }
            }
            Step::BeginString => self.begin_string(c),
            Step::EndValue => self.end_value(c),
            Step::EndTop => self.end_top_byte(c),
            Step::InString => {
                if c == b'"' {
                    self.step = Step::EndValue;
                } else if c == b'\\' {
                    self.step = Step::InStringEsc;
                } else if c < 0x20 {
                    self.error(c, "in string literal");
                }
            }
            Step::InStringEsc => match c {
                b'b' | b'f' | b'n' | b'r' | b't' | b'\\' | b'/' | b'"' => {
                    self.step = Step::InString
                }
                b'u' => self.step = Step::InStringEscU(0),
                _ => self.error(c, "in string escape code"),
            },
            Step::InStringEscU(n) => {
                if c.is_ascii_hexdigit() {
                    self.step = if n == 3 {
                        Step::InString
                    } else {
                        Step::InStringEscU(n + 1)
                    };
                } else {
                    self.error(c, "in \\u hexadecimal character escape");
                }
            }
            Step::Neg => match c {
                b'0' => self.step = Step::Zero,
                b'1'..=b'9' => self.step = Step::One,
                _ => self.error(c, "in numeric literal"),
            },
            Step::One => {
                if c.is_ascii_digit() {
                } else {
                    self.zero(c);
                }
            }
            Step::Zero => self.zero(c),
            Step::Dot => {
                if c.is_ascii_digit() {
                    self.step = Step::Dot0;
                } else {
                    self.error(c, "after decimal point in numeric literal");
                }
            }
            Step::Dot0 => {
                if c.is_ascii_digit() {
                } else if c == b'e' || c == b'E' {
                    self.step = Step::E;
                } else {
                    self.end_value(c);
                }
            }
            Step::E => {
                if c == b'+' || c == b'-' {
                    self.step = Step::ESign;
                } else {
                    self.e_sign(c);
                }
            }
            Step::ESign => self.e_sign(c),
            Step::E0 => {
                if !c.is_ascii_digit() {
                    self.end_value(c);
                }
            }
            Step::Literal(word, matched) => {
                if c == word[matched] {
                    self.step = if matched + 1 == word.len() {
                        Step::EndValue
                    } else {
                        Step::Literal(word, matched + 1)
                    };
                } else {
                    let name = match word {
                        b"true" => "true",
                        b"false" => "false",
                        _ => "null",
                    };
                    let context = format!(
                        "in literal {name} (expecting {})",
                        quote_char(word[matched])
                    );
                    self.error(c, &context);
                }
            }
            Step::Error => {}
        }
        self.step != Step::Error
    }

    fn begin_value(&mut self, c: u8) {
        if is_space(c) {
            return;
        }
        match c {
            b'{' => {
                self.step = Step::BeginStringOrEmpty;
                self.push(c, ParseState::ObjectKey);
            }
            b'[' => {
                self.step = Step::BeginValueOrEmpty;
                self.push(c, ParseState::ArrayValue);
            }
            b'"' => self.step = Step::InString,
            b'-' => self.step = Step::Neg,
            b'0' => self.step = Step::Zero,
            b't' => self.step = Step::Literal(b"true", 1),
            b'f' => self.step = Step::Literal(b"false", 1),
            b'n' => self.step = Step::Literal(b"null", 1),
            b'1'..=b'9' => self.step = Step::One,
            _ => self.error(c, "looking for beginning of value"),
        }
    }

    fn begin_string(&mut self, c: u8) {
        if is_space(c) {
            return;
        }
        if c == b'"' {
            self.step = Step::InString;
        } else {
            self.error(c, "looking for beginning of object key string");
        }
    }

    fn zero(&mut self, c: u8) {
        match c {
            b'.' => self.step = Step::Dot,
            b'e' | b'E' => self.step = Step::E,
            _ => self.end_value(c),
        }
    }

    fn e_sign(&mut self, c: u8) {
        if c.is_ascii_digit() {
            self.step = Step::E0;
        } else {
            self.error(c, "in exponent of numeric literal");
        }
    }

    fn end_value(&mut self, c: u8) {
        let Some(&ps) = self.parse_state.last() else {
            // The top-level value ended before this byte.
            self.step = Step::EndTop;
            self.end_top = true;
            self.end_top_byte(c);
            return;
        };
        if is_space(c) {
            self.step = Step::EndValue;
            return;
        }
        match ps {
            ParseState::ObjectKey => {
                if c == b':' {
                    if let Some(top) = self.parse_state.last_mut() {
                        *top = ParseState::ObjectValue;
                    }
                    self.step = Step::BeginValue;
                } else {
                    self.error(c, "after object key");
                }
            }
            ParseState::ObjectValue => {
                if c == b',' {
                    if let Some(top) = self.parse_state.last_mut() {
                        *top = ParseState::ObjectKey;
                    }
                    self.step = Step::BeginString;
                } else if c == b'}' {
                    self.pop();
                } else {
                    self.error(c, "after object key:value pair");
                }
            }
            ParseState::ArrayValue => {
                if c == b',' {
                    self.step = Step::BeginValue;
                } else if c == b']' {
                    self.pop();
                } else {
                    self.error(c, "after array element");
                }
            }
        }
    }

    fn pop(&mut self) {
        self.parse_state.pop();
        if self.parse_state.is_empty() {
            self.step = Step::EndTop;
            self.end_top = true;
        } else {
            self.step = Step::EndValue;
        }
    }

    fn end_top_byte(&mut self, c: u8) {
        if !is_space(c) {
            self.error(c, "after top-level value");
        }
    }

    /// Go's `checkValid`: the first syntax error, if any.
    fn check(data: &[u8]) -> Result<(), JsonError> {
        let mut s = Scanner::new();
        for &c in data {
            s.bytes += 1;
            if !s.feed(c) {
                break;
            }
        }
        if s.err.is_none() && !s.end_top {
            // End of input: a pending number may still complete.
            s.feed(b' ');
            if !s.end_top && s.err.is_none() {
                s.err = Some("unexpected end of JSON input".to_string());
            }
        }
        match s.err {
            Some(msg) => Err(JsonError::Syntax {
                msg,
                offset: s.bytes,
            }),
            None => Ok(()),
        }
    }
}

// ---------------------------------------------------------------------------
// Building the tree (input already known to be valid)
// ---------------------------------------------------------------------------

/// A container under construction.
enum Frame {
    Array(Vec<JsonValue>),
    Object(Vec<(String, JsonValue)>, Option<String>),
}

struct Decoder<'a> {
    data: &'a [u8],
    off: usize,
    mode: NumberMode,
    saved_error: Option<JsonError>,
}

impl Decoder<'_> {
    fn skip_space(&mut self) {
        while self.off < self.data.len() && is_space(self.data[self.off]) {
            self.off += 1;
        }
    }

    fn peek(&self) -> u8 {
        self.data.get(self.off).copied().unwrap_or(0)
    }

    /// Reads a scalar starting at `off` (the scanner vouched for its syntax).
    fn scalar(&mut self) -> JsonValue {
        let c = self.peek();
        match c {
            b'"' => JsonValue::String(self.string()),
            b't' => {
                self.off += 4;
                JsonValue::Bool(true)
            }
            b'f' => {
                self.off += 5;
                JsonValue::Bool(false)
            }
            b'n' => {
                self.off += 4;
                JsonValue::Null
            }
            _ => self.number(),
        }
    }

    fn number(&mut self) -> JsonValue {
        let start = self.off;
        while self.off < self.data.len()
            && matches!(
                self.data[self.off],
                b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9'
            )
        {
            self.off += 1;
        }
        let text = &self.data[start..self.off];
        if self.mode == NumberMode::PreserveInts
            && !text.iter().any(|&c| matches!(c, b'.' | b'e' | b'E'))
        {
            if let Ok(i) = parse_int(text, 10, 64) {
                return JsonValue::Int(i);
            }
            if let Ok(u) = parse_uint(text, 10, 64) {
                return JsonValue::Uint(u);
            }
        }
        match parse_float(text) {
            Ok(f) => JsonValue::Float(f),
            Err(_) => {
                // Go keeps decoding and reports the first such error at the end.
                if self.saved_error.is_none() {
                    self.saved_error = Some(JsonError::UnmarshalType {
                        value: format!("number {}", String::from_utf8_lossy(text)),
                        type_name: "float64",
                        offset: self.off,
                    });
                }
                JsonValue::Null
            }
        }
    }

    /// Go's `unquote`: escapes resolved, invalid UTF-8 bytes and lone
    /// surrogates replaced by U+FFFD.
    fn string(&mut self) -> String {
        self.off += 1; // opening quote
        let mut out = String::new();
        while self.off < self.data.len() {
            let c = self.data[self.off];
            match c {
                b'"' => {
                    self.off += 1;
                    break;
                }
                b'\\' => {
                    let e = self.data.get(self.off + 1).copied().unwrap_or(b'\\');
                    self.off += 2;
                    match e {
                        b'b' => out.push('\u{8}'),
                        b'f' => out.push('\u{c}'),
                        b'n' => out.push('\n'),
                        b'r' => out.push('\r'),
                        b't' => out.push('\t'),
                        b'u' => {
                            let r = self.hex4();
                            if (0xD800..0xE000).contains(&r) {
                                // Try to pair with a following \uXXXX low surrogate.
                                let pair = if self.data.get(self.off) == Some(&b'\\')
                                    && self.data.get(self.off + 1) == Some(&b'u')
                                {
                                    let save = self.off;
                                    self.off += 2;
                                    let r2 = self.hex4();
                                    if (0xD800..0xDC00).contains(&r)
                                        && (0xDC00..0xE000).contains(&r2)
                                    {
                                        char::from_u32(
                                            0x10000 + ((r - 0xD800) << 10) + (r2 - 0xDC00),
                                        )
                                    } else {
                                        self.off = save;
                                        None
                                    }
                                } else {
                                    None
                                };
                                out.push(pair.unwrap_or('\u{FFFD}'));
                            } else {
                                out.push(char::from_u32(r).unwrap_or('\u{FFFD}'));
                            }
                        }
                        other => out.push(char::from(other)),
                    }
                }
                _ if c < 0x80 => {
                    out.push(char::from(c));
                    self.off += 1;
                }
                _ => {
                    let d = decode_rune(&self.data[self.off..]);
                    out.push(d.rune);
                    self.off += d.width.max(1);
                }
            }
        }
        out
    }

    fn hex4(&mut self) -> u32 {
        let mut r = 0u32;
        for _ in 0..4 {
            let c = self.peek();
            let d = char::from(c).to_digit(16).unwrap_or(0);
            r = r * 16 + d;
            self.off += 1;
        }
        r
    }

    fn value(&mut self) -> JsonValue {
        let mut stack: Vec<Frame> = Vec::new();
        loop {
            self.skip_space();
            // Parse one value (opening containers push frames).
            let mut v = match self.peek() {
                b'[' => {
                    self.off += 1;
                    self.skip_space();
                    if self.peek() == b']' {
                        self.off += 1;
                        JsonValue::Array(Vec::new())
                    } else {
                        stack.push(Frame::Array(Vec::new()));
                        continue;
                    }
                }
                b'{' => {
                    self.off += 1;
                    self.skip_space();
                    if self.peek() == b'}' {
                        self.off += 1;
                        JsonValue::Object(Vec::new())
                    } else {
                        let key = self.object_key();
                        stack.push(Frame::Object(Vec::new(), Some(key)));
                        continue;
                    }
                }
                _ => self.scalar(),
            };
            // Attach the finished value to its parents, closing as many as end here.
            loop {
                let Some(frame) = stack.last_mut() else {
                    return v;
                };
                self.skip_space();
                let next = self.peek();
                self.off += 1;
                match frame {
                    Frame::Array(items) => {
                        items.push(v);
                        if next == b',' {
                            break;
                        }
                    }
                    Frame::Object(entries, key) => {
                        let k = key.take().unwrap_or_default();
                        match entries.iter_mut().find(|(ek, _)| *ek == k) {
                            Some(slot) => slot.1 = v,
                            None => entries.push((k, v)),
                        }
                        if next == b',' {
                            self.skip_space();
                            let k = self.object_key();
                            if let Some(Frame::Object(_, key)) = stack.last_mut() {
                                *key = Some(k);
                            }
                            break;
                        }
                    }
                }
                v = match stack.pop() {
                    Some(Frame::Array(items)) => JsonValue::Array(items),
                    Some(Frame::Object(entries, _)) => JsonValue::Object(entries),
                    None => return JsonValue::Null,
                };
            }
        }
    }

    /// Reads `"key"` and the following `:`.
    fn object_key(&mut self) -> String {
        let k = self.string();
        self.skip_space();
        self.off += 1; // ':'
        k
    }
}

/// Mirrors `json.Unmarshal(data, &v)` with `v interface{}`: every number is a
/// float64.
pub fn decode(data: impl AsRef<[u8]>) -> Result<JsonValue, JsonError> {
    decode_with(data, NumberMode::Float64)
}

/// [`decode`] with a choice of number representation.
pub fn decode_with(data: impl AsRef<[u8]>, mode: NumberMode) -> Result<JsonValue, JsonError> {
    let data = data.as_ref();
    Scanner::check(data)?;
    let mut d = Decoder {
        data,
        off: 0,
        mode,
        saved_error: None,
    };
    let v = d.value();
    match d.saved_error {
        Some(e) => Err(e),
        None => Ok(v),
    }
}

// ---------------------------------------------------------------------------
// Encoding: json.Marshal
// ---------------------------------------------------------------------------

/// Go's string encoding with HTML escaping: `<`, `>`, `&` become `\u003c`
/// etc., U+2028/U+2029 are escaped, control characters use `\n`-style or
/// `\u00XX` escapes, and each invalid UTF-8 byte becomes `\ufffd`.
pub fn encode_string(s: impl AsRef<[u8]>) -> String {
    let mut out = String::new();
    append_string(&mut out, s.as_ref());
    out
}

fn append_string(out: &mut String, s: &[u8]) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push('"');
    let mut i = 0;
    while i < s.len() {
        let b = s[i];
        if b < 0x80 {
            match b {
                b'\\' | b'"' => {
                    out.push('\\');
                    out.push(char::from(b));
                }
                0x08 => out.push_str("\\b"),
                0x0C => out.push_str("\\f"),
                b'\n' => out.push_str("\\n"),
                b'\r' => out.push_str("\\r"),
                b'\t' => out.push_str("\\t"),
                _ if b < 0x20 || b == b'<' || b == b'>' || b == b'&' => {
                    out.push_str("\\u00");
                    out.push(char::from(HEX[usize::from(b >> 4)]));
                    out.push(char::from(HEX[usize::from(b & 0xF)]));
                }
                _ => out.push(char::from(b)),
            }
            i += 1;
            continue;
        }
        let d = decode_rune(&s[i..]);
        if d.invalid {
            out.push_str("\\ufffd");
        } else if d.rune == '\u{2028}' || d.rune == '\u{2029}' {
            out.push_str(if d.rune == '\u{2028}' {
                "\\u2028"
            } else {
                "\\u2029"
            });
        } else {
            out.push(d.rune);
        }
        i += d.width;
    }
    out.push('"');
}

/// Go's float encoding: like `%g` but switching to exponent form only below
/// 1e-6 or from 1e21, and with `e-7` rather than `e-07`.
pub fn encode_float(f: f64) -> Result<String, JsonError> {
    if !f.is_finite() {
        return Err(JsonError::UnsupportedValue {
            text: format_float_go(f, b'g', -1),
        });
    }
    let abs = f.abs();
    let exp_form = abs != 0.0 && !(1e-6..1e21).contains(&abs);
    let mut s = format_float_go(f, if exp_form { b'e' } else { b'f' }, -1);
    if exp_form {
        // Clean up e-09 to e-9.
        let b = s.as_bytes();
        let n = b.len();
        if n >= 4 && b[n - 4] == b'e' && b[n - 3] == b'-' && b[n - 2] == b'0' {
            s.remove(n - 2);
        }
    }
    Ok(s)
}

/// Go's `json.Number` validity check.
fn is_valid_number(s: &[u8]) -> bool {
    let mut i = 0;
    if s.is_empty() {
        return false;
    }
    if s[i] == b'-' {
        i += 1;
        if i == s.len() {
            return false;
        }
    }
    match s[i] {
        b'0' => i += 1,
        b'1'..=b'9' => {
            while i < s.len() && s[i].is_ascii_digit() {
                i += 1;
            }
        }
        _ => return false,
    }
    if i + 1 < s.len() && s[i] == b'.' && s[i + 1].is_ascii_digit() {
        i += 2;
        while i < s.len() && s[i].is_ascii_digit() {
            i += 1;
        }
    }
    if i + 1 < s.len() && (s[i] == b'e' || s[i] == b'E') {
        i += 1;
        if s[i] == b'+' || s[i] == b'-' {
            i += 1;
            if i == s.len() {
                return false;
            }
        }
        while i < s.len() && s[i].is_ascii_digit() {
            i += 1;
        }
    }
    i == s.len()
}

/// Mirrors `json.Marshal(v)`: compact, object keys sorted bytewise, strings
/// via [`encode_string`], numbers as Go prints them. NaN and infinities are
/// errors (`json: unsupported value: NaN`).
pub fn marshal(v: &JsonValue) -> Result<String, JsonError> {
    /// Work items: a value to write, or literal punctuation.
    enum Item<'a> {
        Value(&'a JsonValue),
        Text(&'static str),
        Key(&'a str),
    }
    let mut out = String::new();
    let mut work: Vec<Item<'_>> = vec![Item::Value(v)];
    while let Some(item) = work.pop() {
        match item {
            Item::Text(t) => out.push_str(t),
            Item::Key(k) => {
                append_string(&mut out, k.as_bytes());
                out.push(':');
            }
            Item::Value(v) => match v {
                JsonValue::Null => out.push_str("null"),
                JsonValue::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
                JsonValue::Int(i) => out.push_str(&i.to_string()),
                JsonValue::Uint(u) => out.push_str(&u.to_string()),
                JsonValue::Float(f) => out.push_str(&encode_float(*f)?),
                JsonValue::Number(n) => {
                    // An empty json.Number encodes as 0.
                    let n = if n.is_empty() { "0" } else { n.as_str() };
                    if !is_valid_number(n.as_bytes()) {
                        return Err(JsonError::InvalidNumber {
                            text: n.to_string(),
                        });
                    }
                    out.push_str(n);
                }
                JsonValue::String(s) => append_string(&mut out, s.as_bytes()),
                JsonValue::Array(items) => {
                    out.push('[');
                    work.push(Item::Text("]"));
                    for (k, item) in items.iter().enumerate().rev() {
                        work.push(Item::Value(item));
                        if k > 0 {
                            work.push(Item::Text(","));
                        }
                    }
                }
                JsonValue::Object(entries) => {
                    let mut sorted: Vec<&(String, JsonValue)> = entries.iter().collect();
                    sorted.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
                    out.push('{');
                    work.push(Item::Text("}"));
                    for (k, (key, value)) in sorted.into_iter().enumerate().rev() {
                        work.push(Item::Value(value));
                        work.push(Item::Key(key));
                        if k > 0 {
                            work.push(Item::Text(","));
                        }
                    }
                }
            },
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::JsonValue::*;
    use super::*;

    fn obj(entries: &[(&str, JsonValue)]) -> JsonValue {
        Object(
            entries
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect(),
        )
    }

    fn s(v: &str) -> JsonValue {
        String(v.to_string())
    }

    fn err(input: &[u8]) -> std::string::String {
        match decode(input) {
            Ok(v) => format!("ok {v:?}"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn conformance_cases() {
        // eval-cases.json json_decode / encoding.from_json
        assert_eq!(decode(r#"{"foo": "bar"}"#), Ok(obj(&[("foo", s("bar"))])));
        assert_eq!(
            decode("[0, 1, 2]"),
            Ok(Array(vec![Float(0.0), Float(1.0), Float(2.0)]))
        );
        assert_eq!(decode(r#"{"foo": null}"#), Ok(obj(&[("foo", Null)])));
        assert_eq!(decode("[0, null]"), Ok(Array(vec![Float(0.0), Null])));
        assert_eq!(decode("[]"), Ok(Array(vec![])));
        assert_eq!(decode("{}"), Ok(Object(vec![])));
    }

    #[test]
    fn decodes_values() {
        assert_eq!(decode(" true "), Ok(Bool(true)));
        assert_eq!(decode("false"), Ok(Bool(false)));
        assert_eq!(decode("null"), Ok(Null));
        assert_eq!(decode("-1.5e3"), Ok(Float(-1500.0)));
        assert_eq!(decode("1E+2"), Ok(Float(100.0)));
        assert_eq!(decode("-0"), Ok(Float(-0.0)));
        assert_eq!(
            decode("12345678901234567890"),
            Ok(Float(1.2345678901234567e19))
        );
        assert_eq!(decode("1e-400"), Ok(Float(0.0)));
        assert_eq!(
            decode(r#"{"a":[1,{"b":{}}],"c":"d"}"#),
            Ok(obj(&[
                ("a", Array(vec![Float(1.0), obj(&[("b", Object(vec![]))])])),
                ("c", s("d")),
            ]))
        );
        // Duplicate keys: the last value wins.
        assert_eq!(
            decode(r#"{"a":1,"b":2,"a":3}"#),
            Ok(obj(&[("a", Float(3.0)), ("b", Float(2.0))]))
        );
        assert_eq!(
            decode(r#"[[[]],[[1]]]"#),
            Ok(Array(vec![
                Array(vec![Array(vec![])]),
                Array(vec![Array(vec![Float(1.0)])])
            ]))
        );
    }

    #[test]
    fn decodes_strings() {
        let cases: &[(&[u8], &str)] = &[
            (br#""abc""#, "abc"),
            (br#""a\"b\\c\/d""#, "a\"b\\c/d"),
            (br#""\b\f\n\r\t""#, "\u{8}\u{c}\n\r\t"),
            (br#""\u0041\u00e9\u2028""#, "Aé\u{2028}"),
            (br#""\ud83d\ude00""#, "😀"),
            (br#""\ud83d""#, "\u{fffd}"),
            (br#""\ude00\ud83d""#, "\u{fffd}\u{fffd}"),
            (br#""\ud83dx""#, "\u{fffd}x"),
            (br#""\ud83d\u0041""#, "\u{fffd}A"),
            (b"\"a\xffb\"", "a\u{fffd}b"),
            (b"\"\xe2\x82\"", "\u{fffd}\u{fffd}"),
            ("\"日本\"".as_bytes(), "日本"),
        ];
        for &(input, want) in cases {
            assert_eq!(decode(input), Ok(s(want)), "{input:?}");
        }
    }

    #[test]
    fn syntax_errors_match_go() {
        let cases: &[(&[u8], &str)] = &[
            (b"", "unexpected end of JSON input"),
            (b"   ", "unexpected end of JSON input"),
            (b"{", "unexpected end of JSON input"),
            (b"[1,", "unexpected end of JSON input"),
            (b"\"abc", "unexpected end of JSON input"),
            (
                b"tru",
                "invalid character ' ' in literal true (expecting 'e')",
            ),
            (b"{\"a\"", "unexpected end of JSON input"),
            (
                b"invalid",
                "invalid character 'i' looking for beginning of value",
            ),
            (b"{\"a\"}", "invalid character '}' after object key"),
            (
                b"{\"a\":1 \"b\"}",
                "invalid character '\"' after object key:value pair",
            ),
            (b"[1 2]", "invalid character '2' after array element"),
            (
                b"{1:2}",
                "invalid character '1' looking for beginning of object key string",
            ),
            (
                b"{\"a\":1,}",
                "invalid character '}' looking for beginning of object key string",
            ),
            (
                b"[1,]",
                "invalid character ']' looking for beginning of value",
            ),
            (b"1 2", "invalid character '2' after top-level value"),
            (b"{}x", "invalid character 'x' after top-level value"),
            (b"\"a\tb\"", r"invalid character '\t' in string literal"),
            (b"\"\x01\"", r"invalid character '\x01' in string literal"),
            (b"\"\\q\"", "invalid character 'q' in string escape code"),
            (
                b"\"\\u12g4\"",
                r"invalid character 'g' in \u hexadecimal character escape",
            ),
            (b"-", "invalid character ' ' in numeric literal"),
            (b"-a", "invalid character 'a' in numeric literal"),
            (b"01", "invalid character '1' after top-level value"),
            (
                b"1.",
                "invalid character ' ' after decimal point in numeric literal",
            ),
            (
                b"1.e5",
                "invalid character 'e' after decimal point in numeric literal",
            ),
            (
                b"1e",
                "invalid character ' ' in exponent of numeric literal",
            ),
            (
                b"1e+",
                "invalid character ' ' in exponent of numeric literal",
            ),
            (
                b"1ex",
                "invalid character 'x' in exponent of numeric literal",
            ),
            (
                b"[.5]",
                "invalid character '.' looking for beginning of value",
            ),
            (
                b"+1",
                "invalid character '+' looking for beginning of value",
            ),
            (
                b"trux",
                "invalid character 'x' in literal true (expecting 'e')",
            ),
            (
                b"fals3",
                "invalid character '3' in literal false (expecting 'e')",
            ),
            (
                b"nul",
                "invalid character ' ' in literal null (expecting 'l')",
            ),
            (
                b"nUll",
                "invalid character 'U' in literal null (expecting 'u')",
            ),
            (
                b"True",
                "invalid character 'T' looking for beginning of value",
            ),
            (
                b"'a'",
                r"invalid character '\'' looking for beginning of value",
            ),
            (
                b"\xff",
                "invalid character 'ÿ' looking for beginning of value",
            ),
            (
                b"\x80",
                r"invalid character '\u0080' looking for beginning of value",
            ),
            (
                b"NaN",
                "invalid character 'N' looking for beginning of value",
            ),
            (b"[1}", "invalid character '}' after array element"),
        ];
        for &(input, want) in cases {
            assert_eq!(err(input), want, "{input:?}");
        }
    }

    #[test]
    fn number_range_errors() {
        assert_eq!(
            err(b"1e400"),
            "json: cannot unmarshal number 1e400 into Go value of type float64"
        );
        assert_eq!(
            err(b"[1, -1e999, 1e400]"),
            "json: cannot unmarshal number -1e999 into Go value of type float64"
        );
        // Syntax errors win over range errors because the scan runs first.
        assert_eq!(
            err(b"[1e400,]"),
            "invalid character ']' looking for beginning of value"
        );
    }

    #[test]
    fn nesting_limit() {
        let deep = "[".repeat(10_001);
        assert_eq!(
            err(deep.as_bytes()),
            "invalid character '[' exceeded max depth"
        );
        let ok = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
        assert!(decode(ok.as_bytes()).is_ok());
    }

    #[test]
    fn preserve_ints_mode() {
        let v = decode_with(
            "[1, -2, 1.0, 1e2, 9223372036854775808, 18446744073709551616]",
            NumberMode::PreserveInts,
        );
        assert_eq!(
            v,
            Ok(Array(vec![
                Int(1),
                Int(-2),
                Float(1.0),
                Float(100.0),
                Uint(9223372036854775808),
                Float(18446744073709551616.0)
            ]))
        );
    }

    #[test]
    fn marshals_like_go() {
        let v = obj(&[(
            "modules",
            obj(&[(
                "http_2xx",
                obj(&[
                    ("prober", s("http")),
                    ("timeout", s("5s")),
                    (
                        "http",
                        obj(&[("headers", obj(&[("Authorization", s("Hello!"))]))]),
                    ),
                ]),
            )]),
        )]);
        // eval-cases.json U119
        assert_eq!(
            marshal(&v).as_deref(),
            Ok(
                r#"{"modules":{"http_2xx":{"http":{"headers":{"Authorization":"Hello!"}},"prober":"http","timeout":"5s"}}}"#
            )
        );
        let v = obj(&[
            (
                "b",
                Array(vec![Int(1), Float(2.5), Null, Bool(true), Uint(u64::MAX)]),
            ),
            ("a", s("<tag> & \"q\"")),
            ("B", Array(vec![])),
            ("c", Object(vec![])),
        ]);
        assert_eq!(
            marshal(&v).as_deref(),
            Ok(
                r#"{"B":[],"a":"\u003ctag\u003e \u0026 \"q\"","b":[1,2.5,null,true,18446744073709551615],"c":{}}"#
            )
        );
    }

    #[test]
    fn encodes_strings() {
        let cases: &[(&[u8], &str)] = &[
            (b"abc", r#""abc""#),
            (b"\x00\x01\x1f\x7f", r#""\u0000\u0001\u001f\u007f""#),
            (b"\x08\x0c\n\r\t", r#""\b\f\n\r\t""#),
            (b"\\/\"", r#""\\/\"""#),
            (b"<>&", r#""\u003c\u003e\u0026""#),
            ("\u{2028}\u{2029}".as_bytes(), r#""\u2028\u2029""#),
            ("é日😀".as_bytes(), "\"é日😀\""),
            (b"a\xffb", r#""a\ufffdb""#),
            (b"\xe2\x82", r#""\ufffd\ufffd""#),
            ("\u{fffd}".as_bytes(), "\"\u{fffd}\""),
        ];
        for &(input, want) in cases {
            let got = encode_string(input);
            // Go keeps DEL (0x7f) unescaped.
            let want = want.replace(r"\u007f", "\u{7f}");
            assert_eq!(got, want, "{input:?}");
        }
    }

    #[test]
    fn encodes_floats() {
        let cases: &[(f64, &str)] = &[
            (0.0, "0"),
            (-0.0, "-0"),
            (1.0, "1"),
            (2.5, "2.5"),
            (1e20, "100000000000000000000"),
            (1e21, "1e+21"),
            (1.5e300, "1.5e+300"),
            (1e-6, "0.000001"),
            (1e-7, "1e-7"),
            (1.234e-9, "1.234e-9"),
            (1e-100, "1e-100"),
            (123456789.0, "123456789"),
            (0.1, "0.1"),
        ];
        for &(f, want) in cases {
            assert_eq!(encode_float(f).as_deref(), Ok(want), "{f}");
        }
        assert_eq!(
            marshal(&Float(f64::NAN)).map_err(|e| e.to_string()),
            Err("json: unsupported value: NaN".into())
        );
        assert_eq!(
            marshal(&Array(vec![Float(f64::INFINITY)])).map_err(|e| e.to_string()),
            Err("json: unsupported value: +Inf".into())
        );
        assert_eq!(marshal(&Number("12e3".into())).as_deref(), Ok("12e3"));
        assert_eq!(
            marshal(&Number("abc".into())).map_err(|e| e.to_string()),
            Err(r#"json: invalid number literal "abc""#.into())
        );
    }

    #[test]
    fn round_trip() {
        let text = r#"{"a":[1,2.5,"x\u003c"],"b":{"c":null,"d":true}}"#;
        let v = decode(text).unwrap_or(Null);
        assert_eq!(marshal(&v).as_deref(), Ok(text));
    }
}
