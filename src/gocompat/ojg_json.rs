//! The JSON parser of `github.com/ohler55/ojg` (`oj.ParseString`), which
//! River's `json_path` uses instead of `encoding/json`.
//!
//! It differs from Go's decoder in ways River users can see: integers stay
//! integers, numbers too large for int64/float64 precision are kept as text
//! (`json.Number`), errors read `incomplete JSON at 1:2` (line:column), empty
//! input is `null`, and some malformed input is accepted (`{"a":}` is `{}`,
//! `1.` is the integer 1). This module reproduces that behaviour.

use std::fmt;

use super::json::JsonValue;
use super::utf8::decode_rune;

/// An ojg parse error; `Display` gives ojg's text, e.g. `incomplete JSON at 1:2`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OjgParseError {
    /// What went wrong, e.g. `expected a colon, not '}'`.
    pub message: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based byte column.
    pub column: i64,
    /// True for the bad-BOM error, which has no `at L:C` suffix of its own.
    bare: bool,
}

impl fmt::Display for OjgParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.bare {
            return f.write_str(&self.message);
        }
        write!(f, "{} at {}:{}", self.message, self.line, self.column)
    }
}

impl std::error::Error for OjgParseError {}

/// Deepest nesting of arrays and objects accepted.
const MAX_DEPTH: usize = 1_000;

/// Parser modes; each accepts a different set of bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Value,
    /// After a comma inside an array: a value, but no closing bracket.
    Comma,
    After,
    /// After `{`: a key or `}`.
    Key1,
    /// After a comma inside an object: a key only.
    Key,
    Colon,
    Neg,
    Zero,
    Digit,
    Frac,
    ExpSign,
    ExpZero,
    Exp,
    Str,
    Esc,
    U,
    /// After the top-level value: only whitespace.
    Space,
    /// Inside `null`/`true`/`false`.
    Literal(&'static [u8]),
}

impl Mode {
    /// Modes in which the input may end.
    fn can_finish(self) -> bool {
        matches!(
            self,
            Mode::Value
                | Mode::Comma
                | Mode::After
                | Mode::Zero
                | Mode::Digit
                | Mode::Frac
                | Mode::Exp
                | Mode::Space
        )
    }

    fn is_number(self) -> bool {
        matches!(self, Mode::Zero | Mode::Digit | Mode::Frac | Mode::Exp)
    }
}

/// One entry of ojg's build stack.
enum Slot {
    Val(JsonValue),
    Key(String),
    ArrayStart,
}

/// A number being read, kept close to ojg's representation so the same
/// literals end up as int, float or text.
#[derive(Default)]
struct Num {
    neg: bool,
    int_digits: Vec<u8>,
    frac_digits: Vec<u8>,
    exp_digits: Vec<u8>,
    neg_exp: bool,
    /// int64 accumulator overflowed, too many fraction digits, or exponent > 1022.
    big: bool,
    int_val: u64,
    exp_val: u64,
}

impl Num {
    fn add_int_digit(&mut self, b: u8) {
        self.int_digits.push(b);
        if self.big {
            return;
        }
        let d = u64::from(b - b'0');
        match self.int_val.checked_mul(10).and_then(|v| v.checked_add(d)) {
            Some(v) if v <= i64::MAX as u64 => self.int_val = v,
            _ => self.big = true,
        }
    }

    fn add_frac_digit(&mut self, b: u8) {
        self.frac_digits.push(b);
        // ojg's divisor reaches its limit at 18 fraction digits.
        if self.frac_digits.len() >= 18 {
            self.big = true;
        }
    }

    fn add_exp_digit(&mut self, b: u8) {
        self.exp_digits.push(b);
        if self.big {
            return;
        }
        if self.exp_val <= 102 {
            self.exp_val = self.exp_val * 10 + u64::from(b - b'0');
            if self.exp_val > 1022 {
                self.big = true;
            }
        } else {
            self.big = true;
        }
    }

    /// The literal as ojg re-renders it (no `+`, lower-case `e`).
    fn text(&self) -> String {
        let mut s = String::new();
        if self.neg {
            s.push('-');
        }
        s.extend(self.int_digits.iter().map(|&c| char::from(c)));
        if self.frac_digits.iter().any(|&c| c != b'0') || self.frac_digits.len() >= 18 {
            s.push('.');
            s.extend(self.frac_digits.iter().map(|&c| char::from(c)));
        }
        if self.exp_val > 0 || self.big && self.exp_digits.iter().any(|&c| c != b'0') {
            s.push('e');
            if self.neg_exp {
                s.push('-');
            }
            let digits: Vec<u8> = self
                .exp_digits
                .iter()
                .copied()
                .skip_while(|&c| c == b'0')
                .collect();
            s.extend(digits.iter().map(|&c| char::from(c)));
        }
        s
    }

    fn value(&self) -> JsonValue {
        if self.big {
            return JsonValue::Number(self.text());
        }
        if self.frac_digits.is_empty() && self.exp_val == 0 {
            let i = self.int_val as i64;
            return JsonValue::Int(if self.neg { i.wrapping_neg() } else { i });
        }
        JsonValue::Float(self.text().parse::<f64>().unwrap_or(f64::NAN))
    }
}

/// A stack slot as a value: stray keys read as strings.
fn slot_value(s: Slot) -> JsonValue {
    match s {
        Slot::Val(v) => v,
        Slot::Key(k) => JsonValue::String(k),
        Slot::ArrayStart => JsonValue::Array(Vec::new()),
    }
}

struct Parser<'a> {
    buf: &'a [u8],
    mode: Mode,
    next_mode: Mode,
    stack: Vec<Slot>,
    starts: Vec<i64>,
    line: usize,
    noff: i64,
    num: Num,
    tmp: Vec<u8>,
    rune: u32,
    rune_len: u8,
    lit_pos: usize,
    result: Option<JsonValue>,
}

fn is_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n')
}

impl Parser<'_> {
    fn error(&self, off: usize, message: String) -> OjgParseError {
        OjgParseError {
            message,
            line: self.line,
            column: off as i64 - self.noff,
            bare: false,
        }
    }

    fn char_at(&self, off: usize) -> char {
        decode_rune(&self.buf[off..]).rune
    }

    /// ojg's message for a byte a mode does not accept.
    fn byte_error(&self, off: usize) -> OjgParseError {
        let b = self.buf[off];
        let r = self.char_at(off);
        let msg = match self.mode {
            Mode::Literal(b"null") => "expected null".to_string(),
            Mode::Literal(b"true") => "expected true".to_string(),
            Mode::Literal(_) => "expected false".to_string(),
            Mode::After => format!("expected a comma or close, not '{r}'"),
            Mode::Key1 => format!("expected a string start or object close, not '{r}'"),
            Mode::Key => format!("expected a string start, not '{r}'"),
            Mode::Colon => format!("expected a colon, not '{r}'"),
            Mode::Neg
            | Mode::Zero
            | Mode::Digit
            | Mode::Frac
            | Mode::ExpSign
            | Mode::ExpZero
            | Mode::Exp => "invalid number".to_string(),
            Mode::Str => format!("invalid JSON character 0x{b:02x}"),
            Mode::Esc => format!("invalid JSON escape character '\\{r}'"),
            Mode::U => format!("invalid JSON unicode character '{r}'"),
            Mode::Space => format!("extra characters after close, '{r}'"),
            Mode::Value | Mode::Comma => format!("unexpected character '{r}'"),
        };
        self.error(off, msg)
    }

    fn in_object(&self) -> bool {
        self.starts.last() == Some(&-1)
    }

    /// Attaches a finished value: to the pending key's object, or on the stack.
    fn add(&mut self, v: JsonValue) {
        self.add_slot(Slot::Val(v));
    }

    /// ojg's `add`: when a key is on top, the value goes into the object
    /// under it; otherwise the slot (even a key) is pushed as it is.
    fn add_slot(&mut self, s: Slot) {
        if self.stack.len() >= 2 && matches!(self.stack.last(), Some(Slot::Key(_))) {
            let Some(Slot::Key(k)) = self.stack.pop() else {
                return;
            };
            let v = slot_value(s);
            if let Some(Slot::Val(JsonValue::Object(entries))) = self.stack.last_mut() {
                match entries.iter_mut().find(|(ek, _)| *ek == k) {
                    Some(slot) => slot.1 = v,
                    None => entries.push((k, v)),
                }
            }
            return;
        }
        self.stack.push(s);
    }

    fn flush_number(&mut self) {
        let v = self.num.value();
        self.add(v);
    }

    fn after_comma(&mut self) {
        self.mode = if self.in_object() {
            Mode::Key
        } else {
            Mode::Comma
        };
    }

    fn newline(&mut self, off: usize) {
        self.line += 1;
        self.noff = off as i64;
    }

    fn close_object(&mut self, off: usize) -> Result<(), OjgParseError> {
        if self.starts.last().is_none_or(|&s| s >= 0) {
            return Err(self.error(off, "unexpected object close".to_string()));
        }
        if self.mode.is_number() {
            self.flush_number();
        }
        self.starts.pop();
        if let Some(n) = self.stack.pop() {
            self.add_slot(n);
        }
        self.mode = Mode::After;
        Ok(())
    }

    fn close_array(&mut self, off: usize) -> Result<(), OjgParseError> {
        let Some(&start) = self.starts.last().filter(|&&s| s >= 0) else {
            return Err(self.error(off, "unexpected array close".to_string()));
        };
        if self.mode.is_number() {
            self.flush_number();
        }
        self.starts.pop();
        let first = start as usize + 1;
        let items: Vec<JsonValue> = self
            .stack
            .drain(first.min(self.stack.len())..)
            .map(slot_value)
            .collect();
        self.stack.truncate(start as usize);
        self.add(JsonValue::Array(items));
        self.mode = Mode::After;
        Ok(())
    }

    fn finish_string(&mut self) {
        let s = String::from_utf8_lossy(&self.tmp).into_owned();
        self.tmp.clear();
        self.mode = self.next_mode;
        if self.mode == Mode::Colon {
            self.stack.push(Slot::Key(s));
        } else {
            self.add(JsonValue::String(s));
        }
    }

    /// A value may start here (Value and Comma modes).
    fn start_value(&mut self, off: usize, b: u8) -> Result<(), OjgParseError> {
        if (b == b'[' || b == b'{') && self.starts.len() >= MAX_DEPTH {
            // ojg has no limit; deeper trees would overflow the stack when dropped.
            return Err(self.error(off, format!("exceeded max depth of {MAX_DEPTH}")));
        }
        match b {
            b'"' => {
                self.tmp.clear();
                self.mode = Mode::Str;
                self.next_mode = Mode::After;
            }
            b'-' => {
                self.num = Num {
                    neg: true,
                    ..Num::default()
                };
                self.mode = Mode::Neg;
            }
            b'0' => {
                self.num = Num::default();
                self.num.add_int_digit(b);
                self.mode = Mode::Zero;
            }
            b'1'..=b'9' => {
                self.num = Num::default();
                self.num.add_int_digit(b);
                self.mode = Mode::Digit;
            }
            b'[' => {
                self.starts.push(self.stack.len() as i64);
                self.stack.push(Slot::ArrayStart);
                self.mode = Mode::Value;
            }
            b'{' => {
                self.starts.push(-1);
                self.stack.push(Slot::Val(JsonValue::Object(Vec::new())));
                self.mode = Mode::Key1;
            }
            b'n' | b't' | b'f' => {
                let word: &'static [u8] = match b {
                    b'n' => b"null",
                    b't' => b"true",
                    _ => b"false",
                };
                self.lit_pos = 1;
                self.mode = Mode::Literal(word);
            }
            b']' if self.mode == Mode::Value => self.close_array(off)?,
            b'}' if self.mode == Mode::Value => self.close_object(off)?,
            _ => return Err(self.byte_error(off)),
        }
        Ok(())
    }

    /// Bytes that end a number: whitespace, comma, closers.
    fn end_number(&mut self, off: usize, b: u8) -> Result<bool, OjgParseError> {
        match b {
            b' ' | b'\t' | b'\r' => {
                self.flush_number();
                self.mode = Mode::After;
            }
            b'\n' => {
                self.flush_number();
                self.newline(off);
                self.mode = Mode::After;
            }
            b',' => {
                self.flush_number();
                if self.starts.is_empty() {
                    return Err(self.error(off, "unexpected comma".to_string()));
                }
                self.after_comma();
            }
            b']' => self.close_array(off)?,
            b'}' => self.close_object(off)?,
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// Handles one byte, then publishes the document once it is complete.
    fn step(&mut self, off: usize, b: u8) -> Result<(), OjgParseError> {
        self.transition(off, b)?;
        if self.starts.is_empty() && self.mode == Mode::After {
            // The document is the bottom of the stack (anything above it is ojg debris).
            self.result = self.stack.drain(..).next().map(slot_value);
            self.mode = Mode::Space;
        }
        Ok(())
    }

    fn transition(&mut self, off: usize, b: u8) -> Result<(), OjgParseError> {
        match self.mode {
            Mode::Value
            | Mode::Comma
            | Mode::After
            | Mode::Key1
            | Mode::Key
            | Mode::Colon
            | Mode::Space
                if is_ws(b) =>
            {
                if b == b'\n' {
                    self.newline(off);
                }
                return Ok(());
            }
            Mode::Value | Mode::Comma => self.start_value(off, b)?,
            Mode::After => match b {
                b',' => self.after_comma(),
                b']' => self.close_array(off)?,
                b'}' => self.close_object(off)?,
                _ => return Err(self.byte_error(off)),
            },
            Mode::Key1 | Mode::Key => match b {
                b'"' => {
                    self.tmp.clear();
                    self.mode = Mode::Str;
                    self.next_mode = Mode::Colon;
                }
                b'}' if self.mode == Mode::Key1 => self.close_object(off)?,
                _ => return Err(self.byte_error(off)),
            },
            Mode::Colon => {
                if b == b':' {
                    self.mode = Mode::Value;
                } else {
                    return Err(self.byte_error(off));
                }
            }
            Mode::Neg => match b {
                b'0' => {
                    self.num.add_int_digit(b);
                    self.mode = Mode::Zero;
                }
                b'1'..=b'9' => {
                    self.num.add_int_digit(b);
                    self.mode = Mode::Digit;
                }
                _ => return Err(self.byte_error(off)),
            },
            Mode::Zero | Mode::Digit | Mode::Frac | Mode::Exp => {
                if self.end_number(off, b)? {
                    return Ok(());
                }
                match (self.mode, b) {
                    (Mode::Digit, b'0'..=b'9') => self.num.add_int_digit(b),
                    (Mode::Frac, b'0'..=b'9') => self.num.add_frac_digit(b),
                    (Mode::Exp, b'0'..=b'9') => self.num.add_exp_digit(b),
                    // ojg moves on to the fraction even when no digit follows the point.
                    (Mode::Zero | Mode::Digit, b'.') => self.mode = Mode::Frac,
                    // "0e1" is rejected: only non-zero integers and fractions take exponents.
                    (Mode::Digit | Mode::Frac, b'e' | b'E') => self.mode = Mode::ExpSign,
                    _ => return Err(self.byte_error(off)),
                }
            }
            Mode::ExpSign => match b {
                b'+' | b'-' => {
                    self.num.neg_exp = b == b'-';
                    self.mode = Mode::ExpZero;
                }
                b'0'..=b'9' => {
                    self.num.add_exp_digit(b);
                    self.mode = Mode::Exp;
                }
                _ => return Err(self.byte_error(off)),
            },
            Mode::ExpZero => {
                if b.is_ascii_digit() {
                    self.num.add_exp_digit(b);
                    self.mode = Mode::Exp;
                } else {
                    return Err(self.byte_error(off));
                }
            }
            Mode::Str => match b {
                b'"' => self.finish_string(),
                b'\\' => self.mode = Mode::Esc,
                _ if b < 0x20 => return Err(self.byte_error(off)),
                _ => self.tmp.push(b),
            },
            Mode::Esc => {
                let c = match b {
                    b'"' => b'"',
                    b'/' => b'/',
                    b'\\' => b'\\',
                    b'b' => 0x08,
                    b'f' => 0x0C,
                    b'n' => b'\n',
                    b'r' => b'\r',
                    b't' => b'\t',
                    b'u' => {
                        self.rune = 0;
                        self.rune_len = 0;
                        self.mode = Mode::U;
                        return Ok(());
                    }
                    _ => return Err(self.byte_error(off)),
                };
                self.tmp.push(c);
                self.mode = Mode::Str;
            }
            Mode::U => {
                let Some(d) = char::from(b).to_digit(16) else {
                    return Err(self.byte_error(off));
                };
                self.rune = (self.rune << 4) | d;
                self.rune_len += 1;
                if self.rune_len == 4 {
                    // Surrogates are not paired; each becomes U+FFFD.
                    let c = char::from_u32(self.rune).unwrap_or('\u{FFFD}');
                    let mut tmp = [0u8; 4];
                    self.tmp
                        .extend_from_slice(c.encode_utf8(&mut tmp).as_bytes());
                    self.mode = Mode::Str;
                }
            }
            Mode::Space => return Err(self.byte_error(off)),
            Mode::Literal(word) => {
                if b == b',' {
                    // ojg drops a partial literal followed by a comma.
                    self.after_comma();
                    return Ok(());
                }
                if !word[1..].contains(&b) || word[self.lit_pos] != b {
                    return Err(self.byte_error(off));
                }
                self.lit_pos += 1;
                if self.lit_pos == word.len() {
                    let v = match word {
                        b"null" => JsonValue::Null,
                        b"true" => JsonValue::Bool(true),
                        _ => JsonValue::Bool(false),
                    };
                    self.add(v);
                    self.mode = Mode::After;
                }
            }
        }
        Ok(())
    }
}

/// Mirrors `oj.ParseString`: one JSON document, integers kept as int64,
/// numbers beyond int64/float64 precision kept as [`JsonValue::Number`].
/// Empty or all-whitespace input gives `null`.
pub fn parse(input: impl AsRef<[u8]>) -> Result<JsonValue, OjgParseError> {
    let mut buf = input.as_ref();
    if buf.len() > 3 && buf[0] == 0xEF {
        if buf[1] == 0xBB && buf[2] == 0xBF {
            buf = &buf[3..];
        } else {
            return Err(OjgParseError {
                message: "expected BOM at 1:3".to_string(),
                line: 1,
                column: 3,
                bare: true,
            });
        }
    }
    let mut p = Parser {
        buf,
        mode: Mode::Value,
        next_mode: Mode::After,
        stack: Vec::new(),
        starts: Vec::new(),
        line: 1,
        noff: -1,
        num: Num::default(),
        tmp: Vec::new(),
        rune: 0,
        rune_len: 0,
        lit_pos: 0,
        result: None,
    };
    for (off, &b) in buf.iter().enumerate() {
        p.step(off, b)?;
    }
    if !p.starts.is_empty() || !p.mode.can_finish() {
        return Err(p.error(buf.len(), "incomplete JSON".to_string()));
    }
    if p.mode.is_number() {
        p.flush_number();
        p.result = p.stack.drain(..).next().map(slot_value);
    }
    Ok(p.result.unwrap_or(JsonValue::Null))
}

#[cfg(test)]
mod tests {
    use super::JsonValue::*;
    use super::*;

    fn ok(input: &str) -> JsonValue {
        match parse(input) {
            Ok(v) => v,
            Err(e) => panic!("{input:?}: {e}"),
        }
    }

    fn err(input: &[u8]) -> std::string::String {
        match parse(input) {
            Ok(v) => format!("ok {v:?}"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn parses_documents() {
        assert_eq!(
            ok(r#"{"a": "b"}"#),
            Object(vec![("a".into(), String("b".into()))])
        );
        assert_eq!(ok("[1, -2, 1.5, 1e2, 0, -0, true, false, null]"), {
            Array(vec![
                Int(1),
                Int(-2),
                Float(1.5),
                Float(100.0),
                Int(0),
                Int(0),
                Bool(true),
                Bool(false),
                Null,
            ])
        });
        assert_eq!(ok(" 42 "), Int(42));
        assert_eq!(ok("42"), Int(42));
        assert_eq!(ok("\"x\""), String("x".into()));
        assert_eq!(ok(""), Null);
        assert_eq!(ok("  \n "), Null);
        assert_eq!(
            ok("[[],{},[[1]]]"),
            Array(vec![
                Array(vec![]),
                Object(vec![]),
                Array(vec![Array(vec![Int(1)])])
            ])
        );
        assert_eq!(
            ok("{\"a\":1,\"a\":2,\"b\":[]}"),
            Object(vec![("a".into(), Int(2)), ("b".into(), Array(vec![]))])
        );
        assert_eq!(ok(r#""\u0041\n\ud83d""#), String("A\n\u{fffd}".into()));
        assert_eq!(ok("\u{feff}[1]"), Array(vec![Int(1)]));
    }

    #[test]
    fn numbers_like_ojg() {
        assert_eq!(ok("9223372036854775807"), Int(i64::MAX));
        assert_eq!(
            ok("9223372036854775808"),
            Number("9223372036854775808".into())
        );
        assert_eq!(
            ok("-9223372036854775808"),
            Number("-9223372036854775808".into())
        );
        assert_eq!(ok("1."), Int(1));
        assert_eq!(ok("1e0"), Int(1));
        assert_eq!(ok("1.0"), Float(1.0));
        assert_eq!(ok("1.25e-2"), Float(0.0125));
        assert_eq!(ok("1E+2"), Float(100.0));
        assert_eq!(ok("1e400"), Float(f64::INFINITY));
        assert_eq!(ok("1e1023"), Number("1e1023".into()));
        assert_eq!(
            ok("0.123456789012345678"),
            Number("0.123456789012345678".into())
        );
        assert_eq!(ok("0.12345678901234567"), Float(0.12345678901234567));
    }

    #[test]
    fn deep_nesting_is_bounded() {
        let ok_doc = format!("{}{}", "[".repeat(1_000), "]".repeat(1_000));
        assert!(parse(ok_doc.as_bytes()).is_ok());
        let deep = "[".repeat(1_001);
        assert_eq!(err(deep.as_bytes()), "exceeded max depth of 1000 at 1:1001");
    }

    #[test]
    fn quirks_like_ojg() {
        assert_eq!(ok(r#"{"a":}"#), Object(vec![]));
        assert_eq!(
            ok(r#"[{"a":}]"#),
            Array(vec![Object(vec![]), String("a".into())])
        );
        assert_eq!(ok("[nu,1]"), Array(vec![Int(1)]));
    }

    #[test]
    fn errors_like_ojg() {
        let cases: &[(&[u8], &str)] = &[
            (b"{", "incomplete JSON at 1:2"),
            (b"[1,", "incomplete JSON at 1:4"),
            (b"\"abc", "incomplete JSON at 1:5"),
            (b"tru", "incomplete JSON at 1:4"),
            (b"-", "incomplete JSON at 1:2"),
            (b"1e", "incomplete JSON at 1:3"),
            (b"[1,]", "unexpected character ']' at 1:4"),
            (b"x", "unexpected character 'x' at 1:1"),
            (b"]", "unexpected array close at 1:1"),
            (b"}", "unexpected object close at 1:1"),
            (b"[}", "unexpected object close at 1:2"),
            (
                b"{]",
                "expected a string start or object close, not ']' at 1:2",
            ),
            (b"{\"a\":1,}", "expected a string start, not '}' at 1:8"),
            (b"{\"a\"}", "expected a colon, not '}' at 1:5"),
            (
                b"{\"a\":1 \"b\":2}",
                "expected a comma or close, not '\"' at 1:8",
            ),
            (b"1 2", "extra characters after close, '2' at 1:3"),
            (b"{}\n\n  x", "extra characters after close, 'x' at 3:3"),
            (b"01", "invalid number at 1:2"),
            (b"0e1", "invalid number at 1:2"),
            (b"-a", "invalid number at 1:2"),
            (b"1.5x", "invalid number at 1:4"),
            (b"\"a\tb\"", "invalid JSON character 0x09 at 1:3"),
            (b"\"\\q\"", "invalid JSON escape character '\\q' at 1:3"),
            (b"\"\\u12x4\"", "invalid JSON unicode character 'x' at 1:6"),
            (b"nuxl", "expected null at 1:3"),
            (b"trUe", "expected true at 1:3"),
            (b"fals3", "expected false at 1:5"),
            (b"1,", "unexpected comma at 1:2"),
            (b"\xef\x00\x00\x00", "expected BOM at 1:3"),
        ];
        for &(input, want) in cases {
            assert_eq!(err(input), want, "{input:?}");
        }
    }
}
