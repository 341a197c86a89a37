//! `string.format` / `format`: Go's `fmt.Sprintf` over River values.
//!
//! Arguments arrive converted as Go's `any` (ints, uint64, float64, strings, bools,
//! `[]interface {}`, `map[string]interface {}`, nil). Verbs, flags, width, precision,
//! argument indexes and Go's error spellings (`%!d(string=hi)`, `%!s(MISSING)`,
//! `%!(EXTRA int=1)`, `%!(NOVERB)`) follow the fmt package.
//!
//! This is a self-contained rendition; it is meant to be replaced by the shared Go
//! compatibility layer once that provides `Sprintf`.

use crate::eval::number::{format_float_g, Number};
use crate::eval::{Function, Str, Type, Value};
use crate::syntax::quote::go_quote;

/// The `format` function value.
pub fn function() -> Value {
    Value::Function(Function::typed(
        "format",
        vec![Type::String],
        Some(Type::Any),
        |_, args| {
            let fmt = match args.first() {
                Some(Value::String(s)) => s.as_bytes().to_vec(),
                _ => Vec::new(),
            };
            Ok(Value::String(Str::from(sprintf(&fmt, &args[1..]))))
        },
    ))
}

#[derive(Clone, Copy, Default)]
struct Spec {
    minus: bool,
    plus: bool,
    sharp: bool,
    space: bool,
    zero: bool,
    width: Option<usize>,
    prec: Option<usize>,
}

/// Go's name of the dynamic type of an argument.
fn go_type(v: &Value) -> String {
    match v {
        Value::Null => "<nil>".into(),
        Value::Bool(_) => "bool".into(),
        Value::Number(Number::Int(_)) => "int".into(),
        Value::Number(Number::Uint(_)) => "uint64".into(),
        Value::Number(Number::Float(_)) => "float64".into(),
        Value::String(_) => "string".into(),
        Value::Bytes(_) | Value::Array(_) => "[]interface {}".into(),
        Value::Object(_) => "map[string]interface {}".into(),
        Value::Secret(_) => "alloytypes.Secret".into(),
        Value::OptionalSecret(_) => "alloytypes.OptionalSecret".into(),
        Value::Function(_) => "func".into(),
        Value::Capsule(c) => c.type_name().to_string(),
    }
}

/// Formats like Go's `fmt.Sprintf(format, args...)`.
pub fn sprintf(format: &[u8], args: &[Value]) -> Vec<u8> {
    let mut out: Vec<u8> = Vec::with_capacity(format.len() + 16);
    let mut argi = 0usize;
    let mut reordered = false;
    let mut i = 0usize;
    while i < format.len() {
        let c = format[i];
        if c != b'%' {
            let next = memchr::memchr(b'%', &format[i..]).map_or(format.len(), |p| i + p);
            out.extend_from_slice(&format[i..next]);
            i = next;
            continue;
        }
        i += 1;
        let mut spec = Spec::default();
        // Flags.
        while i < format.len() {
            match format[i] {
                b'#' => spec.sharp = true,
                b'0' => spec.zero = true,
                b'+' => spec.plus = true,
                b'-' => spec.minus = true,
                b' ' => spec.space = true,
                _ => break,
            }
            i += 1;
        }
        // Argument index before the width.
        let mut bad_index = false;
        if let Some((n, ni)) = parse_index(format, i) {
            i = ni;
            reordered = true;
            match n {
                Some(n) if n >= 1 && n <= args.len() => argi = n - 1,
                _ => bad_index = true,
            }
        }
        // Width.
        if format.get(i) == Some(&b'*') {
            i += 1;
            match args.get(argi) {
                Some(Value::Number(Number::Int(w))) => {
                    argi += 1;
                    if *w < 0 {
                        spec.minus = true;
                        spec.width = Some(w.unsigned_abs() as usize);
                    } else {
                        spec.width = Some(*w as usize);
                    }
                }
                _ => {
                    argi += usize::from(argi < args.len());
                    out.extend_from_slice(b"%!(BADWIDTH)");
                }
            }
        } else {
            let (n, ni) = parse_num(format, i);
            spec.width = n;
            i = ni;
        }
        // Precision.
        if format.get(i) == Some(&b'.') {
            i += 1;
            if let Some((n, ni)) = parse_index(format, i) {
                i = ni;
                reordered = true;
                match n {
                    Some(n) if n >= 1 && n <= args.len() => argi = n - 1,
                    _ => bad_index = true,
                }
            }
            if format.get(i) == Some(&b'*') {
                i += 1;
                match args.get(argi) {
                    Some(Value::Number(Number::Int(p))) if *p >= 0 => {
                        argi += 1;
                        spec.prec = Some(*p as usize);
                    }
                    _ => {
                        argi += usize::from(argi < args.len());
                        out.extend_from_slice(b"%!(BADPREC)");
                    }
                }
            } else {
                let (n, ni) = parse_num(format, i);
                spec.prec = Some(n.unwrap_or(0));
                i = ni;
            }
        }
        if let Some((n, ni)) = parse_index(format, i) {
            i = ni;
            reordered = true;
            match n {
                Some(n) if n >= 1 && n <= args.len() => argi = n - 1,
                _ => bad_index = true,
            }
        }
        if i >= format.len() {
            out.extend_from_slice(b"%!(NOVERB)");
            break;
        }
        let (verb, w) = super::text::decode_rune(&format[i..]);
        i += w;
        if verb == '%' {
            out.push(b'%');
            continue;
        }
        if bad_index {
            out.extend_from_slice(b"%!");
            push_char(&mut out, verb);
            out.extend_from_slice(b"(BADINDEX)");
            continue;
        }
        let Some(arg) = args.get(argi) else {
            out.extend_from_slice(b"%!");
            push_char(&mut out, verb);
            out.extend_from_slice(b"(MISSING)");
            continue;
        };
        argi += 1;
        let body = format_arg(arg, verb, &spec);
        out.extend_from_slice(&body);
    }
    if !reordered && argi < args.len() {
        out.extend_from_slice(b"%!(EXTRA ");
        for (k, a) in args[argi..].iter().enumerate() {
            if k > 0 {
                out.extend_from_slice(b", ");
            }
            if a.is_null() {
                out.extend_from_slice(b"<nil>");
            } else {
                out.extend_from_slice(go_type(a).as_bytes());
                out.push(b'=');
                out.extend_from_slice(&format_arg(a, 'v', &Spec::default()));
            }
        }
        out.push(b')');
    }
    out
}

fn parse_num(f: &[u8], mut i: usize) -> (Option<usize>, usize) {
    let start = i;
    let mut n: usize = 0;
    while i < f.len() && f[i].is_ascii_digit() {
        n = n
            .saturating_mul(10)
            .saturating_add((f[i] - b'0') as usize)
            .min(1_000_000);
        i += 1;
    }
    (if i > start { Some(n) } else { None }, i)
}

/// `[n]` at `i`: the index (None when malformed) and the position after it.
fn parse_index(f: &[u8], i: usize) -> Option<(Option<usize>, usize)> {
    if f.get(i) != Some(&b'[') {
        return None;
    }
    let close = f[i..].iter().position(|&c| c == b']')? + i;
    let inner = &f[i + 1..close];
    let n = if !inner.is_empty() && inner.iter().all(u8::is_ascii_digit) {
        std::str::from_utf8(inner).ok().and_then(|s| s.parse().ok())
    } else {
        None
    };
    Some((n, close + 1))
}

fn push_char(out: &mut Vec<u8>, c: char) {
    let mut b = [0u8; 4];
    out.extend_from_slice(c.encode_utf8(&mut b).as_bytes());
}

fn bad_verb(v: &Value, verb: char) -> Vec<u8> {
    let mut out = b"%!".to_vec();
    push_char(&mut out, verb);
    out.push(b'(');
    if v.is_null() {
        out.extend_from_slice(b"<nil>");
    } else {
        out.extend_from_slice(go_type(v).as_bytes());
        out.push(b'=');
        out.extend_from_slice(&format_arg(v, 'v', &Spec::default()));
    }
    out.push(b')');
    out
}

/// Pads `body` to the width (zero padding goes after a sign for numbers).
fn pad(body: Vec<u8>, spec: &Spec, numeric: bool) -> Vec<u8> {
    let Some(width) = spec.width else {
        return body;
    };
    let len = String::from_utf8_lossy(&body).chars().count();
    if len >= width {
        return body;
    }
    let fill = width - len;
    if spec.minus {
        let mut b = body;
        b.extend(std::iter::repeat_n(b' ', fill));
        return b;
    }
    if spec.zero && numeric {
        let sign = matches!(body.first(), Some(b'+' | b'-' | b' '));
        let mut out = Vec::with_capacity(width);
        let rest = if sign {
            out.push(body[0]);
            &body[1..]
        } else {
            &body[..]
        };
        out.extend(std::iter::repeat_n(b'0', fill));
        out.extend_from_slice(rest);
        return out;
    }
    let mut out: Vec<u8> = std::iter::repeat_n(b' ', fill).collect();
    out.extend(body);
    out
}

fn format_arg(v: &Value, verb: char, spec: &Spec) -> Vec<u8> {
    match v {
        Value::Null => match verb {
            'v' => pad(b"<nil>".to_vec(), spec, false),
            _ => bad_verb(v, verb),
        },
        Value::Bool(b) => match verb {
            'v' | 't' => pad(b.to_string().into_bytes(), spec, false),
            _ => bad_verb(v, verb),
        },
        Value::Number(Number::Int(i)) => format_int(*i < 0, i.unsigned_abs(), false, verb, spec, v),
        Value::Number(Number::Uint(u)) => format_int(false, *u, true, verb, spec, v),
        Value::Number(Number::Float(f)) => format_float(*f, verb, spec, v),
        Value::String(s) | Value::Secret(s) => format_string(s.as_bytes(), verb, spec, v),
        Value::OptionalSecret(o) => match verb {
            'v' => {
                let inner = if spec.plus || spec.sharp {
                    format!(
                        "{{IsSecret:{} Value:{}}}",
                        o.is_secret,
                        o.value.to_str_lossy()
                    )
                } else {
                    format!("{{{} {}}}", o.is_secret, o.value.to_str_lossy())
                };
                pad(inner.into_bytes(), spec, false)
            }
            _ => bad_verb(v, verb),
        },
        Value::Bytes(_) | Value::Array(_) => {
            let elems = v.array_elems().unwrap_or_default();
            if spec.sharp && verb == 'v' {
                let mut out = b"[]interface {}{".to_vec();
                for (k, e) in elems.iter().enumerate() {
                    if k > 0 {
                        out.extend_from_slice(b", ");
                    }
                    if e.is_null() {
                        out.extend_from_slice(b"interface {}(nil)");
                    } else {
                        out.extend(format_arg(e, 'v', spec));
                    }
                }
                out.push(b'}');
                return out;
            }
            let mut out = b"[".to_vec();
            for (k, e) in elems.iter().enumerate() {
                if k > 0 {
                    out.push(b' ');
                }
                out.extend(format_arg(e, verb, spec));
            }
            out.push(b']');
            out
        }
        Value::Object(o) => {
            let mut entries = o.display_order();
            entries.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
            if spec.sharp && verb == 'v' {
                let mut out = b"map[string]interface {}{".to_vec();
                for (k, (key, e)) in entries.iter().enumerate() {
                    if k > 0 {
                        out.extend_from_slice(b", ");
                    }
                    out.extend_from_slice(go_quote(key.as_bytes()).as_bytes());
                    out.push(b':');
                    if e.is_null() {
                        out.extend_from_slice(b"interface {}(nil)");
                    } else {
                        out.extend(format_arg(e, 'v', spec));
                    }
                }
                out.push(b'}');
                return out;
            }
            let mut out = b"map[".to_vec();
            for (k, (key, e)) in entries.iter().enumerate() {
                if k > 0 {
                    out.push(b' ');
                }
                out.extend(format_string(key.as_bytes(), verb, &Spec::default(), v));
                out.push(b':');
                out.extend(format_arg(e, verb, spec));
            }
            out.push(b']');
            out
        }
        Value::Function(_) | Value::Capsule(_) => match verb {
            'v' | 's' => pad(crate::eval::print::to_river(v).into_bytes(), spec, false),
            _ => bad_verb(v, verb),
        },
    }
}

fn format_string(s: &[u8], verb: char, spec: &Spec, v: &Value) -> Vec<u8> {
    match verb {
        'v' if spec.sharp => pad(go_quote(s).into_bytes(), spec, false),
        'v' | 's' => {
            let body = match spec.prec {
                Some(p) => truncate_runes(s, p),
                None => s.to_vec(),
            };
            pad(body, spec, false)
        }
        'q' => {
            let s = match spec.prec {
                Some(p) => truncate_runes(s, p),
                None => s.to_vec(),
            };
            let q = if spec.sharp && can_backquote(&s) {
                let mut b = b"`".to_vec();
                b.extend_from_slice(&s);
                b.push(b'`');
                b
            } else if spec.plus {
                quote_ascii(&s).into_bytes()
            } else {
                go_quote(&s).into_bytes()
            };
            pad(q, spec, false)
        }
        'x' | 'X' => {
            let s = match spec.prec {
                Some(p) => s[..p.min(s.len())].to_vec(),
                None => s.to_vec(),
            };
            let digits: &[u8; 16] = if verb == 'x' {
                b"0123456789abcdef"
            } else {
                b"0123456789ABCDEF"
            };
            let mut out = Vec::new();
            for (k, b) in s.iter().enumerate() {
                if spec.space && k > 0 {
                    out.push(b' ');
                }
                if spec.sharp && (spec.space || k == 0) {
                    out.push(b'0');
                    out.push(verb as u8);
                }
                out.push(digits[(b >> 4) as usize]);
                out.push(digits[(b & 15) as usize]);
            }
            pad(out, spec, false)
        }
        _ => bad_verb(v, verb),
    }
}

fn truncate_runes(s: &[u8], n: usize) -> Vec<u8> {
    let mut i = 0;
    let mut count = 0;
    while i < s.len() && count < n {
        i += super::text::decode_rune(&s[i..]).1;
        count += 1;
    }
    s[..i].to_vec()
}

fn can_backquote(s: &[u8]) -> bool {
    match std::str::from_utf8(s) {
        Ok(t) => t
            .chars()
            .all(|c| c != '`' && c != '\u{FEFF}' && (c == '\t' || !(c < ' ' || c == '\u{7f}'))),
        Err(_) => false,
    }
}

fn quote_ascii(s: &[u8]) -> String {
    let q = go_quote(s);
    let mut out = String::with_capacity(q.len());
    for c in q.chars() {
        if c.is_ascii() {
            out.push(c);
        } else if (c as u32) < 0x10000 {
            out.push_str(&format!("\\u{:04x}", c as u32));
        } else {
            out.push_str(&format!("\\U{:08x}", c as u32));
        }
    }
    out
}

fn format_int(neg: bool, mag: u64, unsigned: bool, verb: char, spec: &Spec, v: &Value) -> Vec<u8> {
    let sign = |body: String| -> String {
        if neg {
            format!("-{body}")
        } else if spec.plus {
            format!("+{body}")
        } else if spec.space {
            format!(" {body}")
        } else {
            body
        }
    };
    let with_prec = |digits: String| -> String {
        match spec.prec {
            Some(0) if mag == 0 => String::new(),
            Some(p) if digits.len() < p => format!("{}{}", "0".repeat(p - digits.len()), digits),
            _ => digits,
        }
    };
    let body = match verb {
        'v' if spec.sharp && unsigned => format!("0x{mag:x}"),
        'v' | 'd' => sign(with_prec(mag.to_string())),
        'b' => sign(with_prec(format!("{mag:b}"))),
        'o' => {
            let d = with_prec(format!("{mag:o}"));
            sign(if spec.sharp && !d.starts_with('0') {
                format!("0{d}")
            } else {
                d
            })
        }
        'O' => sign(format!("0o{}", with_prec(format!("{mag:o}")))),
        'x' => sign(format!(
            "{}{}",
            if spec.sharp { "0x" } else { "" },
            with_prec(format!("{mag:x}"))
        )),
        'X' => sign(format!(
            "{}{}",
            if spec.sharp { "0X" } else { "" },
            with_prec(format!("{mag:X}"))
        )),
        'c' => {
            let r = if neg { 0xFFFD } else { mag };
            char::from_u32(u32::try_from(r).unwrap_or(0xFFFD))
                .unwrap_or('\u{FFFD}')
                .to_string()
        }
        'q' => {
            let r = if neg { 0xFFFD } else { mag };
            let c = char::from_u32(u32::try_from(r).unwrap_or(0xFFFD)).unwrap_or('\u{FFFD}');
            quote_rune(c)
        }
        'U' => {
            let mut s = format!("U+{mag:04X}");
            if spec.sharp {
                if let Some(c) = char::from_u32(u32::try_from(mag).unwrap_or(u32::MAX)) {
                    if crate::syntax::chars::is_print(c) {
                        s.push_str(&format!(" '{c}'"));
                    }
                }
            }
            s
        }
        'e' | 'E' | 'f' | 'F' | 'g' | 'G' => return bad_verb(v, verb),
        _ => return bad_verb(v, verb),
    };
    let numeric = spec.prec.is_none() && !matches!(verb, 'c' | 'q' | 'U');
    pad(body.into_bytes(), spec, numeric)
}

fn quote_rune(c: char) -> String {
    let mut out = String::from("'");
    if c == '\'' {
        out.push_str("\\'");
    } else if c == '"' {
        out.push('"');
    } else {
        let q = go_quote(c.to_string().as_bytes());
        out.push_str(&q[1..q.len() - 1]);
    }
    out.push('\'');
    out
}

/// `d.ddde±XX` with `prec` digits after the point (Go's %e).
fn exp_form(f: f64, prec: usize, upper: bool) -> String {
    let s = format!("{:.*e}", prec, f);
    let (m, e) = s.split_once('e').unwrap_or((&s, "0"));
    let e: i32 = e.parse().unwrap_or(0);
    let sign = if e < 0 { '-' } else { '+' };
    let r = format!("{m}e{sign}{:02}", e.abs());
    if upper {
        r.to_uppercase()
    } else {
        r
    }
}

/// Go's %g with an explicit precision (significant digits).
fn g_prec(f: f64, prec: usize, upper: bool, sharp: bool) -> String {
    let p = prec.max(1);
    let sci = format!("{:.*e}", p - 1, f);
    let (m, e) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = e.parse().unwrap_or(0);
    let mut digits: String = m.chars().filter(|c| c.is_ascii_digit()).collect();
    if !sharp {
        while digits.len() > 1 && digits.ends_with('0') {
            digits.pop();
        }
    }
    let nd = digits.len() as i32;
    let mut eprec = p as i32;
    if eprec > nd && nd > exp {
        eprec = nd;
    }
    let neg = f.is_sign_negative();
    let body = if exp < -4 || exp >= eprec {
        let mant = if digits.len() > 1 {
            format!("{}.{}", &digits[..1], &digits[1..])
        } else {
            digits.clone()
        };
        let sign = if exp < 0 { '-' } else { '+' };
        format!(
            "{mant}{}{sign}{:02}",
            if upper { 'E' } else { 'e' },
            exp.abs()
        )
    } else if exp >= 0 {
        let int_len = (exp + 1) as usize;
        if digits.len() <= int_len {
            format!("{}{}", digits, "0".repeat(int_len - digits.len()))
        } else {
            format!("{}.{}", &digits[..int_len], &digits[int_len..])
        }
    } else {
        format!("0.{}{}", "0".repeat((-exp - 1) as usize), digits)
    };
    if neg {
        format!("-{body}")
    } else {
        body
    }
}

fn format_float(f: f64, verb: char, spec: &Spec, v: &Value) -> Vec<u8> {
    let signed = |body: String| -> String {
        if body.starts_with('-') {
            body
        } else if spec.plus {
            format!("+{body}")
        } else if spec.space {
            format!(" {body}")
        } else {
            body
        }
    };
    if f.is_nan() || f.is_infinite() {
        let body = if f.is_nan() {
            if spec.plus {
                "+NaN"
            } else if spec.space {
                " NaN"
            } else {
                "NaN"
            }
            .to_string()
        } else if f > 0.0 {
            if spec.plus {
                "+Inf"
            } else if spec.space {
                " Inf"
            } else {
                "+Inf"
            }
            .to_string()
        } else {
            "-Inf".to_string()
        };
        let body = if f > 0.0 && !spec.plus && !spec.space && f.is_infinite() {
            "+Inf".to_string()
        } else {
            body
        };
        return match verb {
            'v' | 'e' | 'E' | 'f' | 'F' | 'g' | 'G' | 'x' | 'X' | 'b' => {
                pad(body.into_bytes(), spec, false)
            }
            _ => bad_verb(v, verb),
        };
    }
    let body = match verb {
        'v' | 'g' | 'G' => match spec.prec {
            None => {
                let s = format_float_g(f);
                if verb == 'G' {
                    s.to_uppercase()
                } else {
                    s
                }
            }
            Some(p) => g_prec(f, p, verb == 'G', spec.sharp),
        },
        'f' | 'F' => format!("{:.*}", spec.prec.unwrap_or(6), f),
        'e' | 'E' => exp_form(f, spec.prec.unwrap_or(6), verb == 'E'),
        _ => return bad_verb(v, verb),
    };
    pad(signed(body).into_bytes(), spec, true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::Key;

    fn f(fmt: &str, args: Vec<Value>) -> String {
        String::from_utf8(sprintf(fmt.as_bytes(), &args)).unwrap()
    }

    #[test]
    fn common_verbs() {
        assert_eq!(f("Hello %s", vec![Value::string("World")]), "Hello World");
        assert_eq!(f("%#v", vec![Value::int(1)]), "1");
        assert_eq!(f("%#v", vec![Value::Bool(true)]), "true");
        assert_eq!(f("%q", vec![Value::string("hello")]), "\"hello\"");
        assert_eq!(
            f(
                "%d|%5d|%-5d|%05d",
                vec![Value::int(1), Value::int(2), Value::int(3), Value::int(-4)]
            ),
            "1|    2|3    |-0004"
        );
        assert_eq!(
            f(
                "%x %X %o %b",
                vec![
                    Value::int(255),
                    Value::int(255),
                    Value::int(8),
                    Value::int(5)
                ]
            ),
            "ff FF 10 101"
        );
        assert_eq!(
            f(
                "%.2f %e %g",
                vec![Value::float(2.71928), Value::float(1.0), Value::float(1e6)]
            ),
            "2.72 1.000000e+00 1e+06"
        );
        assert_eq!(
            f(
                "%v",
                vec![Value::array(vec![Value::int(1), Value::string("a")])]
            ),
            "[1 a]"
        );
        let o = Value::object(vec![
            (Key::from("b"), Value::int(2)),
            (Key::from("a"), Value::int(1)),
        ]);
        assert_eq!(f("%v", vec![o]), "map[a:1 b:2]");
        assert_eq!(
            f("%t %v", vec![Value::Bool(false), Value::Null]),
            "false <nil>"
        );
        assert_eq!(f("%%", vec![]), "%");
        assert_eq!(f("%.3g", vec![Value::float(2.71928)]), "2.72");
        assert_eq!(f("%6.2f|", vec![Value::float(1.5)]), "  1.50|");
    }

    #[test]
    fn go_error_spellings() {
        assert_eq!(f("%d", vec![Value::string("hi")]), "%!d(string=hi)");
        assert_eq!(f("%s", vec![Value::int(1)]), "%!s(int=1)");
        assert_eq!(f("%s %s", vec![Value::string("a")]), "a %!s(MISSING)");
        assert_eq!(
            f("%s", vec![Value::string("a"), Value::int(1)]),
            "a%!(EXTRA int=1)"
        );
        assert_eq!(f("%", vec![]), "%!(NOVERB)");
        assert_eq!(f("%d", vec![Value::Null]), "%!d(<nil>)");
        assert_eq!(
            f("%[2]s %[1]s", vec![Value::string("a"), Value::string("b")]),
            "b a"
        );
        assert_eq!(f("%z", vec![Value::int(1)]), "%!z(int=1)");
    }
}
