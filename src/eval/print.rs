//! Printing values: River text (§7.7, the canonical text of a value used in messages, the UI
//! and `agent eval`) and JSON (`agent eval --format json`).
//!
//! River text follows upstream's value encoder as re-formatted by its printer: strings are
//! Go-quoted, numbers use the §4.2 text, arrays are one line (`[1, 2]`), objects are always
//! multi-line with one field per line, keys sorted for maps (in field order for host
//! structs), `=` aligned within runs of single-line values, a trailing comma after every
//! field, and tab indentation. Secrets print as `(secret)`, other capsules as
//! `capsule("<type>")`, functions as `function`.

use std::io::{self, Write};

use crate::gocompat::strconv::quote as go_quote;
use crate::syntax::identifier::is_valid_identifier;

use super::number::{format_float_json, Number};
use super::value::{Object, Value};

/// The River text of `v`.
pub fn to_river(v: &Value) -> String {
    let mut out = String::new();
    write_river(v, 0, &mut out);
    out
}

/// Appends the River text of `v` to `out`, with nested lines indented `indent` tabs deeper
/// than the current line.
pub fn write_river(v: &Value, indent: usize, out: &mut String) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&n.to_go_string()),
        Value::String(s) => out.push_str(&go_quote(s.as_bytes())),
        Value::Bytes(b) => {
            out.push('[');
            for (i, x) in b.as_bytes().iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                out.push_str(&x.to_string());
            }
            out.push(']');
        }
        Value::Array(a) => write_array(a, indent, out),
        Value::Object(o) => write_object(o, indent, out),
        Value::Function(_) => out.push_str("function"),
        Value::Capsule(c) => {
            out.push_str("capsule(");
            out.push_str(&go_quote(c.type_name().as_bytes()));
            out.push(')');
        }
        Value::Secret(_) => out.push_str("(secret)"),
        Value::OptionalSecret(o) => {
            if o.is_secret {
                out.push_str("(secret)");
            } else {
                out.push_str(&go_quote(o.value.as_bytes()));
            }
        }
    }
}

/// The text of an object key: the identifier itself, or Go-quoted.
pub fn key_text(k: &str) -> String {
    if is_valid_identifier(k) {
        k.to_string()
    } else {
        go_quote(k.as_bytes())
    }
}

#[inline(never)]
fn write_array(a: &[Value], indent: usize, out: &mut String) {
    out.push('[');
    for (i, e) in a.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        write_river(e, indent, out);
    }
    out.push(']');
}

#[inline(never)]
fn render_child(v: &Value, indent: usize) -> String {
    let mut s = String::new();
    write_river(v, indent, &mut s);
    s
}

#[inline(never)]
fn write_object(o: &Object, indent: usize, out: &mut String) {
    if o.is_empty() {
        out.push_str("{}");
        return;
    }
    out.push_str("{\n");
    // Render the values first: alignment depends on which values span lines.
    let fields = o.display_order();
    let mut rendered: Vec<(String, String)> = Vec::with_capacity(fields.len());
    for (k, v) in fields {
        let text = render_child(v, indent + 1);
        rendered.push((key_text(k), text));
    }
    write_aligned(&rendered, indent + 1, ",", out);
    push_tabs(out, indent);
    out.push('}');
}

/// Writes `key = value<suffix>` lines; `=` is aligned within sections that run up to and
/// including the first multi-line value.
pub(crate) fn write_aligned(
    rendered: &[(String, String)],
    indent: usize,
    suffix: &str,
    out: &mut String,
) {
    let mut start = 0;
    while start < rendered.len() {
        let mut end = start;
        while end < rendered.len() && !rendered[end].1.contains('\n') {
            end += 1;
        }
        let end = (end + 1).min(rendered.len());
        let mut width = 0;
        for (k, _) in &rendered[start..end] {
            width = width.max(k.chars().count());
        }
        for (k, v) in &rendered[start..end] {
            push_tabs(out, indent);
            out.push_str(k);
            for _ in k.chars().count()..width {
                out.push(' ');
            }
            out.push_str(" = ");
            out.push_str(v);
            out.push_str(suffix);
            out.push('\n');
        }
        start = end;
    }
}

fn push_tabs(out: &mut String, n: usize) {
    for _ in 0..n {
        out.push('\t');
    }
}

/// Writes [`to_river`] of `v` to `w`. The elements of a top-level array are written as they
/// are rendered, so a large value's text is never held whole.
pub fn write_river_to(v: &Value, w: &mut dyn Write) -> io::Result<()> {
    let Value::Array(a) = v else {
        return w.write_all(to_river(v).as_bytes());
    };
    let mut out = Chunked::new(Some(w));
    out.buf.push('[');
    for (i, e) in a.iter().enumerate() {
        if i > 0 {
            out.buf.push_str(", ");
        }
        write_river(e, 0, &mut out.buf);
        out.spill();
    }
    out.buf.push(']');
    out.finish()
}

/// The JSON text of `v` (compact): integers without a decimal point, floats always with a
/// decimal point or an exponent, objects as JSON objects (map keys sorted), secrets as the
/// string `"(secret)"`, byte strings as JSON strings (invalid UTF-8 replaced by U+FFFD, as
/// Go's encoder does), other capsules and functions as their River text in a string.
pub fn to_json(v: &Value) -> String {
    let mut out = Chunked::new(None);
    write_json(v, &mut out);
    out.buf
}

/// Writes [`to_json`] of `v` to `w` in chunks, never holding the whole text.
pub fn write_json_to(v: &Value, w: &mut dyn Write) -> io::Result<()> {
    let mut out = Chunked::new(Some(w));
    write_json(v, &mut out);
    out.finish()
}

/// Text on its way to a writer: it is appended to `buf`, which is written out and emptied
/// whenever it grows past [`Chunked::CHUNK`] at a point where a value ends. Without a writer
/// it simply accumulates.
struct Chunked<'w> {
    buf: String,
    sink: Option<&'w mut dyn Write>,
    /// The first write error; nothing more is written after it.
    err: Option<io::Error>,
}

impl<'w> Chunked<'w> {
    const CHUNK: usize = 1 << 16;

    fn new(sink: Option<&'w mut dyn Write>) -> Chunked<'w> {
        let cap = if sink.is_some() { 2 * Self::CHUNK } else { 0 };
        Chunked {
            buf: String::with_capacity(cap),
            sink,
            err: None,
        }
    }

    /// Writes the text out if there is enough of it.
    fn spill(&mut self) {
        if self.buf.len() >= Self::CHUNK {
            self.write_out();
        }
    }

    fn write_out(&mut self) {
        if let Some(w) = self.sink.as_mut() {
            if self.err.is_none() {
                if let Err(e) = w.write_all(self.buf.as_bytes()) {
                    self.err = Some(e);
                }
            }
            self.buf.clear();
        }
    }

    /// Writes what is left; the first error, if any.
    fn finish(mut self) -> io::Result<()> {
        self.write_out();
        self.err.map_or(Ok(()), Err)
    }
}

fn json_string(s: &str, out: &mut String) {
    // serde_json's string escaping is plain JSON and cannot fail for a &str.
    out.push_str(&serde_json::to_string(s).unwrap_or_else(|_| "\"\"".to_string()));
}

fn write_json(v: &Value, c: &mut Chunked<'_>) {
    let out = &mut c.buf;
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(Number::Int(i)) => out.push_str(&i.to_string()),
        Value::Number(Number::Uint(u)) => out.push_str(&u.to_string()),
        Value::Number(Number::Float(f)) => {
            if f.is_nan() {
                out.push_str("\"NaN\"");
            } else if f.is_infinite() {
                out.push_str(if *f > 0.0 { "\"+Inf\"" } else { "\"-Inf\"" });
            } else {
                let t = format_float_json(*f);
                out.push_str(&t);
                if !t.contains(['.', 'e']) {
                    out.push_str(".0");
                }
            }
        }
        Value::String(s) => json_string(&s.to_str_lossy(), out),
        Value::Bytes(_) | Value::Array(_) => {
            out.push('[');
            if let Some(elems) = v.array_elems() {
                for (i, e) in elems.iter().enumerate() {
                    if i > 0 {
                        c.buf.push(',');
                    }
                    write_json(e, c);
                    c.spill();
                }
            }
            c.buf.push(']');
        }
        Value::Object(o) => {
            out.push('{');
            for (i, (k, fv)) in o.display_order().into_iter().enumerate() {
                if i > 0 {
                    c.buf.push(',');
                }
                json_string(k, &mut c.buf);
                c.buf.push(':');
                write_json(fv, c);
                c.spill();
            }
            c.buf.push('}');
        }
        Value::Secret(_) => json_string("(secret)", out),
        Value::OptionalSecret(o) => {
            if o.is_secret {
                json_string("(secret)", out);
            } else {
                json_string(&o.value.to_str_lossy(), out);
            }
        }
        Value::Function(_) | Value::Capsule(_) => json_string(&to_river(v), out),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::value::Key;

    fn obj(entries: Vec<(&str, Value)>) -> Value {
        Value::object(
            entries
                .into_iter()
                .map(|(k, v)| (Key::from(k), v))
                .collect(),
        )
    }

    #[test]
    fn river_text() {
        assert_eq!(to_river(&Value::string("a\"b\n")), r#""a\"b\n""#);
        assert_eq!(to_river(&Value::float(1e21)), "1000000000000000000000");
        assert_eq!(
            to_river(&Value::array(vec![Value::int(1), Value::Null])),
            "[1, null]"
        );
        let o = obj(vec![
            ("bb", Value::int(2)),
            ("a", Value::int(1)),
            ("z.z", Value::Bool(true)),
        ]);
        assert_eq!(
            to_river(&o),
            "{\n\ta     = 1,\n\tbb    = 2,\n\t\"z.z\" = true,\n}"
        );
        let nested = obj(vec![
            ("a", Value::int(1)),
            ("bbbb", obj(vec![("c", Value::int(2))])),
            ("d", Value::int(3)),
        ]);
        assert_eq!(
            to_river(&nested),
            "{\n\ta    = 1,\n\tbbbb = {\n\t\tc = 2,\n\t},\n\td = 3,\n}"
        );
        assert_eq!(
            to_river(&Value::array(vec![obj(vec![("a", Value::int(1))])])),
            "[{\n\ta = 1,\n}]"
        );
        assert_eq!(to_river(&Value::secret("x")), "(secret)");
        assert_eq!(to_river(&obj(vec![])), "{}");
    }

    #[test]
    fn written_text_is_the_same_text() {
        let elem = obj(vec![
            ("name", Value::string("a-1")),
            ("tags", Value::array(vec![Value::int(1), Value::float(2.5)])),
            ("o", obj(vec![("z", Value::Null)])),
        ]);
        // Large enough to be written in several chunks.
        let big = Value::array(vec![elem.clone(); 5000]);
        for v in [big, elem, Value::int(3), Value::array(vec![])] {
            let mut json = Vec::new();
            write_json_to(&v, &mut json).unwrap();
            assert_eq!(String::from_utf8(json).unwrap(), to_json(&v));
            let mut river = Vec::new();
            write_river_to(&v, &mut river).unwrap();
            assert_eq!(String::from_utf8(river).unwrap(), to_river(&v));
        }
    }

    #[test]
    fn write_errors_are_returned() {
        struct Broken;
        impl Write for Broken {
            fn write(&mut self, _: &[u8]) -> io::Result<usize> {
                Err(io::Error::other("closed"))
            }
            fn flush(&mut self) -> io::Result<()> {
                Ok(())
            }
        }
        let v = Value::array(vec![Value::string("x".repeat(100)); 2000]);
        assert!(write_json_to(&v, &mut Broken).is_err());
        assert!(write_river_to(&v, &mut Broken).is_err());
    }

    #[test]
    fn json_text() {
        let o = obj(vec![
            ("b", Value::float(1.0)),
            ("a", Value::array(vec![Value::int(1), Value::uint(2)])),
            ("s", Value::secret("x")),
            ("e", Value::float(1e-7)),
        ]);
        assert_eq!(
            to_json(&o),
            r#"{"a":[1,2],"b":1.0,"e":1e-7,"s":"(secret)"}"#
        );
        assert_eq!(
            to_json(&Value::String(b"\xff".as_slice().into())),
            "\"\u{fffd}\""
        );
    }
}
