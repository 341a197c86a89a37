//! Go's `fmt.Sprintf` over a small set of host values.
//!
//! River's `format` / `string.format` hands its arguments to Go's `fmt`
//! as plain Go values (`int`, `uint64`, `float64`, `string`, `bool`, `nil`,
//! `[]interface {}`, `map[string]interface {}`), so its output, including the
//! `%!d(float64=1.5)` style error spellings, is whatever Go prints for those.
//! [`sprintf`] re-creates that: the same directive parser (flags, width,
//! precision, `*`, `%[n]` indexes), the same per-type verb tables and the
//! same padding rules.

use super::strconv::{
    can_backquote, format_float_go, quote, quote_rune, quote_rune_to_ascii, quote_to_ascii,
};
use super::utf8::{is_print, rune_count, runes, MAX_RUNE, RUNE_ERROR};

/// A Go value as `fmt` sees it.
#[derive(Debug, Clone, PartialEq)]
pub enum GoArg {
    /// Go `int` (type name `int`).
    Int(i64),
    /// Go `uint64`.
    Uint(u64),
    /// Go `float64`.
    Float(f64),
    /// Go `string`: arbitrary bytes, normally UTF-8.
    Str(Vec<u8>),
    /// Go `bool`.
    Bool(bool),
    /// Untyped `nil` (an empty interface).
    Nil,
    /// Go `[]byte` (type name `[]uint8`): `%s` prints it as text, `%v` as numbers.
    Bytes(Vec<u8>),
    /// Go `[]interface {}`: `%v` prints `[1 a]`.
    Slice(Vec<GoArg>),
    /// Go `map[string]interface {}`: printed with keys sorted, `map[a:1 b:2]`.
    Map(Vec<(String, GoArg)>),
    /// Any other host value: `%v`/`%s` print `text`, other verbs are errors
    /// naming `type_name`.
    Opaque {
        /// The Go type name used in `%T` and error spellings.
        type_name: String,
        /// What `%v` prints.
        text: String,
    },
}

impl GoArg {
    /// A string argument from anything byte-like.
    pub fn str(s: impl AsRef<[u8]>) -> GoArg {
        GoArg::Str(s.as_ref().to_vec())
    }

    /// The name `reflect.TypeOf(v).String()` gives, as used by `%T` and errors.
    pub fn type_name(&self) -> &str {
        match self {
            GoArg::Int(_) => "int",
            GoArg::Uint(_) => "uint64",
            GoArg::Float(_) => "float64",
            GoArg::Str(_) => "string",
            GoArg::Bool(_) => "bool",
            GoArg::Nil => "<nil>",
            GoArg::Bytes(_) => "[]uint8",
            GoArg::Slice(_) => "[]interface {}",
            GoArg::Map(_) => "map[string]interface {}",
            GoArg::Opaque { type_name, .. } => type_name,
        }
    }
}

impl From<i64> for GoArg {
    fn from(v: i64) -> Self {
        GoArg::Int(v)
    }
}

impl From<u64> for GoArg {
    fn from(v: u64) -> Self {
        GoArg::Uint(v)
    }
}

impl From<f64> for GoArg {
    fn from(v: f64) -> Self {
        GoArg::Float(v)
    }
}

impl From<bool> for GoArg {
    fn from(v: bool) -> Self {
        GoArg::Bool(v)
    }
}

impl From<&str> for GoArg {
    fn from(v: &str) -> Self {
        GoArg::Str(v.as_bytes().to_vec())
    }
}

impl From<String> for GoArg {
    fn from(v: String) -> Self {
        GoArg::Str(v.into_bytes())
    }
}

/// Mirrors `fmt.Sprintf(format, args...)`. The result is bytes because `%s`
/// copies string arguments verbatim, invalid UTF-8 included.
pub fn sprintf(format: impl AsRef<[u8]>, args: &[GoArg]) -> Vec<u8> {
    let mut p = Printer {
        buf: Vec::with_capacity(format.as_ref().len() + 16),
        f: Flags::default(),
        args,
        reordered: false,
        good_arg_num: true,
    };
    p.do_printf(format.as_ref());
    p.buf
}

/// `fmt.Sprint(v)` of a single value, i.e. `%v`.
pub fn sprint(arg: &GoArg) -> Vec<u8> {
    sprintf(b"%v", std::slice::from_ref(arg))
}

/// The formatting state of one directive (`fmt.fmtFlags` plus width/precision).
#[derive(Debug, Clone, Copy, Default)]
struct Flags {
    wid: i64,
    prec: i64,
    wid_present: bool,
    prec_present: bool,
    minus: bool,
    plus: bool,
    sharp: bool,
    space: bool,
    zero: bool,
    // `%+v` and `%#v` are separate modes, not the `+`/`#` flags.
    plus_v: bool,
    sharp_v: bool,
}

/// Which value a `%!verb(type=value)` error names.
#[derive(Clone, Copy)]
enum Subject<'a> {
    Nil,
    Arg(&'a GoArg),
    /// An element of a byte slice (type `uint8`).
    Byte(u8),
}

/// Widths and precisions above this are rejected, as in Go.
const TOO_LARGE: i64 = 1_000_000;

fn too_large(x: i64) -> bool {
    !(-TOO_LARGE..=TOO_LARGE).contains(&x)
}

/// Go's `parsenum`: decimal digits in `s[start..end]`. On absurdly long
/// numbers it gives up and reports the end of the input as consumed.
fn parsenum(s: &[u8], start: usize, end: usize) -> (i64, bool, usize) {
    if start >= end {
        return (0, false, end);
    }
    let mut num = 0i64;
    let mut isnum = false;
    let mut i = start;
    while i < end && s[i].is_ascii_digit() {
        if too_large(num) {
            return (0, false, end);
        }
        num = num * 10 + i64::from(s[i] - b'0');
        isnum = true;
        i += 1;
    }
    (num, isnum, i)
}

/// Go's `parseArgNumber` on `s` starting at `[`: (zero-based index, bytes consumed, ok).
fn parse_arg_number(s: &[u8]) -> (i64, usize, bool) {
    if s.len() < 3 {
        return (0, 1, false);
    }
    for i in 1..s.len() {
        if s[i] == b']' {
            let (width, ok, newi) = parsenum(s, 1, i);
            if !ok || newi != i {
                return (0, i + 1, false);
            }
            return (width - 1, i + 1, true);
        }
    }
    (0, 1, false)
}

struct Printer<'a> {
    buf: Vec<u8>,
    f: Flags,
    args: &'a [GoArg],
    reordered: bool,
    good_arg_num: bool,
}

impl<'a> Printer<'a> {
    // -----------------------------------------------------------------------
    // Directive parsing (fmt.(*pp).doPrintf)
    // -----------------------------------------------------------------------

    fn arg_number(&mut self, arg_num: usize, format: &[u8], i: usize) -> (usize, usize, bool) {
        if format.len() <= i || format[i] != b'[' {
            return (arg_num, i, false);
        }
        self.reordered = true;
        let (index, wid, ok) = parse_arg_number(&format[i..]);
        if ok && 0 <= index && (index as usize) < self.args.len() {
            return (index as usize, i + wid, true);
        }
        self.good_arg_num = false;
        (arg_num, i + wid, ok)
    }

    /// Go's `intFromArg`: a `*` width or precision taken from an integer argument.
    fn int_from_arg(&self, arg_num: usize) -> (i64, bool, usize) {
        let Some(arg) = self.args.get(arg_num) else {
            return (0, false, arg_num);
        };
        let (num, is_int) = match *arg {
            GoArg::Int(n) => (n, true),
            GoArg::Uint(n) => match i64::try_from(n) {
                Ok(n) => (n, true),
                Err(_) => (0, false),
            },
            _ => (0, false),
        };
        if too_large(num) {
            return (0, false, arg_num + 1);
        }
        (num, is_int, arg_num + 1)
    }

    fn do_printf(&mut self, format: &[u8]) {
        let end = format.len();
        let mut arg_num = 0usize;
        let mut after_index;
        self.reordered = false;
        let mut i = 0usize;
        'format: while i < end {
            self.good_arg_num = true;
            let lasti = i;
            while i < end && format[i] != b'%' {
                i += 1;
            }
            if i > lasti {
                self.buf.extend_from_slice(&format[lasti..i]);
            }
            if i >= end {
                break;
            }
            i += 1; // skip '%'
            self.f = Flags::default();
            while i < end {
                let c = format[i];
                match c {
                    b'#' => self.f.sharp = true,
                    b'0' => self.f.zero = true,
                    b'+' => self.f.plus = true,
                    b'-' => self.f.minus = true,
                    b' ' => self.f.space = true,
                    _ => {
                        // Fast path: flags directly followed by a lower-case verb.
                        if c.is_ascii_lowercase() && arg_num < self.args.len() {
                            if c == b'v' || c == b'w' {
                                self.set_v_modes();
                            }
                            let arg = &self.args[arg_num];
                            self.print_arg(arg, c as char);
                            arg_num += 1;
                            i += 1;
                            continue 'format;
                        }
                        break;
                    }
                }
                i += 1;
            }

            (arg_num, i, after_index) = self.arg_number(arg_num, format, i);

            // Width.
            if i < end && format[i] == b'*' {
                i += 1;
                let (wid, present, next) = self.int_from_arg(arg_num);
                self.f.wid = wid;
                self.f.wid_present = present;
                arg_num = next;
                if !present {
                    self.buf.extend_from_slice(b"%!(BADWIDTH)");
                }
                if self.f.wid < 0 {
                    self.f.wid = -self.f.wid;
                    self.f.minus = true;
                    self.f.zero = false;
                }
                after_index = false;
            } else {
                let (wid, present, next) = parsenum(format, i, end);
                self.f.wid = wid;
                self.f.wid_present = present;
                i = next;
                if after_index && present {
                    // "%[3]2d"
                    self.good_arg_num = false;
                }
            }

            // Precision.
            if i + 1 < end && format[i] == b'.' {
                i += 1;
                if after_index {
                    // "%[3].2d"
                    self.good_arg_num = false;
                }
                (arg_num, i, after_index) = self.arg_number(arg_num, format, i);
                if i < end && format[i] == b'*' {
                    i += 1;
                    let (prec, present, next) = self.int_from_arg(arg_num);
                    self.f.prec = prec;
                    self.f.prec_present = present;
                    arg_num = next;
                    if self.f.prec < 0 {
                        self.f.prec = 0;
                        self.f.prec_present = false;
                    }
                    if !self.f.prec_present {
                        self.buf.extend_from_slice(b"%!(BADPREC)");
                    }
                    after_index = false;
                } else {
                    let (prec, present, next) = parsenum(format, i, end);
                    self.f.prec = prec;
                    self.f.prec_present = present;
                    i = next;
                    if !present {
                        // "%.d" means precision 0.
                        self.f.prec = 0;
                        self.f.prec_present = true;
                    }
                }
            }

            if !after_index {
                (arg_num, i, _) = self.arg_number(arg_num, format, i);
            }

            if i >= end {
                self.buf.extend_from_slice(b"%!(NOVERB)");
                break;
            }

            let (verb, size) = match runes(&format[i..]).next() {
                Some((_, d)) => (d.rune, d.width),
                None => break,
            };
            i += size;

            if verb == '%' {
                // A literal percent takes no argument and ignores width and precision.
                self.buf.push(b'%');
            } else if !self.good_arg_num {
                self.bang(verb, b"(BADINDEX)");
            } else if arg_num >= self.args.len() {
                self.bang(verb, b"(MISSING)");
            } else {
                if verb == 'v' || verb == 'w' {
                    self.set_v_modes();
                }
                let arg = &self.args[arg_num];
                self.print_arg(arg, verb);
                arg_num += 1;
            }
        }

        // Unused arguments are reported unless the format used explicit indexes.
        if !self.reordered && arg_num < self.args.len() {
            self.f = Flags::default();
            self.buf.extend_from_slice(b"%!(EXTRA ");
            for (k, arg) in self.args[arg_num..].iter().enumerate() {
                if k > 0 {
                    self.buf.extend_from_slice(b", ");
                }
                if *arg == GoArg::Nil {
                    self.buf.extend_from_slice(b"<nil>");
                } else {
                    self.buf.extend_from_slice(arg.type_name().as_bytes());
                    self.buf.push(b'=');
                    self.print_arg(arg, 'v');
                }
            }
            self.buf.push(b')');
        }
    }

    /// `%+v` and `%#v` turn the flags into modes.
    fn set_v_modes(&mut self) {
        self.f.sharp_v = self.f.sharp;
        self.f.sharp = false;
        self.f.plus_v = self.f.plus;
        self.f.plus = false;
    }

    fn push_rune(&mut self, c: char) {
        let mut tmp = [0u8; 4];
        self.buf
            .extend_from_slice(c.encode_utf8(&mut tmp).as_bytes());
    }

    /// `%!verb` followed by a fixed suffix.
    fn bang(&mut self, verb: char, suffix: &[u8]) {
        self.buf.extend_from_slice(b"%!");
        self.push_rune(verb);
        self.buf.extend_from_slice(suffix);
    }

    /// Go's `badVerb`: `%!verb(type=value)`, the value printed with `%v` and
    /// the current flags.
    fn bad_verb(&mut self, verb: char, subject: Subject<'_>) {
        self.bang(verb, b"(");
        match subject {
            Subject::Nil | Subject::Arg(GoArg::Nil) => self.buf.extend_from_slice(b"<nil>"),
            Subject::Arg(arg) => {
                self.buf.extend_from_slice(arg.type_name().as_bytes());
                self.buf.push(b'=');
                self.print_arg(arg, 'v');
            }
            Subject::Byte(b) => {
                self.buf.extend_from_slice(b"uint8=");
                self.fmt_integer(u64::from(b), false, 'v', Subject::Byte(b));
            }
        }
        self.buf.push(b')');
    }

    // -----------------------------------------------------------------------
    // Per-type dispatch (printArg / printValue)
    // -----------------------------------------------------------------------

    fn print_arg(&mut self, arg: &GoArg, verb: char) {
        if *arg == GoArg::Nil {
            match verb {
                'T' | 'v' => self.pad_string(b"<nil>"),
                _ => self.bad_verb(verb, Subject::Nil),
            }
            return;
        }
        match verb {
            'T' => {
                self.fmt_s(arg.type_name().as_bytes());
                return;
            }
            'p' => {
                self.fmt_pointer(arg, verb);
                return;
            }
            _ => {}
        }
        match arg {
            GoArg::Bytes(b) => self.fmt_bytes(b, verb, "[]byte"),
            GoArg::Slice(_) | GoArg::Map(_) | GoArg::Opaque { .. } if verb == 'w' => {
                // %w outside fmt.Errorf is always an error.
                self.bad_verb(verb, Subject::Arg(arg));
            }
            _ => self.print_value(arg, verb, 0),
        }
    }

    fn print_value(&mut self, arg: &GoArg, verb: char, depth: usize) {
        if depth > 0 && verb == 'w' {
            let subject = if *arg == GoArg::Nil {
                Subject::Nil
            } else {
                Subject::Arg(arg)
            };
            self.bad_verb(verb, subject);
            return;
        }
        match arg {
            // Only reachable inside a slice or map: a nil interface element.
            GoArg::Nil => {
                if self.f.sharp_v {
                    self.buf.extend_from_slice(b"interface {}(nil)");
                } else {
                    self.buf.extend_from_slice(b"<nil>");
                }
            }
            GoArg::Bool(v) => self.fmt_bool(*v, verb, arg),
            GoArg::Int(v) => self.fmt_integer(*v as u64, true, verb, Subject::Arg(arg)),
            GoArg::Uint(v) => self.fmt_integer(*v, false, verb, Subject::Arg(arg)),
            GoArg::Float(v) => self.fmt_float_verb(*v, verb, arg),
            GoArg::Str(s) => self.fmt_string(s, verb, arg),
            GoArg::Bytes(b) => match verb {
                's' | 'q' | 'x' | 'X' => self.fmt_bytes(b, verb, "[]uint8"),
                _ => self.print_byte_elements(b, verb, "[]uint8"),
            },
            GoArg::Slice(items) => {
                if self.f.sharp_v {
                    self.buf.extend_from_slice(b"[]interface {}{");
                    for (k, item) in items.iter().enumerate() {
                        if k > 0 {
                            self.buf.extend_from_slice(b", ");
                        }
                        self.print_value(item, verb, depth + 1);
                    }
                    self.buf.push(b'}');
                } else {
                    self.buf.push(b'[');
                    for (k, item) in items.iter().enumerate() {
                        if k > 0 {
                            self.buf.push(b' ');
                        }
                        self.print_value(item, verb, depth + 1);
                    }
                    self.buf.push(b']');
                }
            }
            GoArg::Map(entries) => {
                let mut sorted: Vec<&(String, GoArg)> = entries.iter().collect();
                sorted.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
                if self.f.sharp_v {
                    self.buf.extend_from_slice(b"map[string]interface {}{");
                } else {
                    self.buf.extend_from_slice(b"map[");
                }
                for (k, (key, value)) in sorted.into_iter().enumerate() {
                    if k > 0 {
                        if self.f.sharp_v {
                            self.buf.extend_from_slice(b", ");
                        } else {
                            self.buf.push(b' ');
                        }
                    }
                    let key_arg = GoArg::Str(key.as_bytes().to_vec());
                    self.fmt_string(key.as_bytes(), verb, &key_arg);
                    self.buf.push(b':');
                    self.print_value(value, verb, depth + 1);
                }
                self.buf.push(if self.f.sharp_v { b'}' } else { b']' });
            }
            GoArg::Opaque { text, .. } => match verb {
                'v' | 's' => self.pad_string(text.as_bytes()),
                _ => self.bad_verb(verb, Subject::Arg(arg)),
            },
        }
    }

    /// A `[]uint8` printed element by element (reflection path of printValue).
    fn print_byte_elements(&mut self, b: &[u8], verb: char, type_name: &str) {
        if self.f.sharp_v {
            self.buf.extend_from_slice(type_name.as_bytes());
            self.buf.push(b'{');
            for (k, &c) in b.iter().enumerate() {
                if k > 0 {
                    self.buf.extend_from_slice(b", ");
                }
                self.fmt_integer(u64::from(c), false, verb, Subject::Byte(c));
            }
            self.buf.push(b'}');
        } else {
            self.buf.push(b'[');
            for (k, &c) in b.iter().enumerate() {
                if k > 0 {
                    self.buf.push(b' ');
                }
                self.fmt_integer(u64::from(c), false, verb, Subject::Byte(c));
            }
            self.buf.push(b']');
        }
    }

    /// `%p`: only reference types have an address. Host values have none we
    /// could show, so slices and maps print as a nil pointer would.
    fn fmt_pointer(&mut self, arg: &GoArg, verb: char) {
        match arg {
            GoArg::Slice(_) | GoArg::Map(_) | GoArg::Bytes(_) => self.fmt_0x64(0, !self.f.sharp),
            _ => self.bad_verb(verb, Subject::Arg(arg)),
        }
    }

    fn fmt_bool(&mut self, v: bool, verb: char, arg: &GoArg) {
        match verb {
            't' | 'v' => self.pad_string(if v { b"true" } else { b"false" }),
            _ => self.bad_verb(verb, Subject::Arg(arg)),
        }
    }

    /// Hexadecimal with or without `0x`, whatever the `#` flag says.
    fn fmt_0x64(&mut self, v: u64, leading_0x: bool) {
        let sharp = self.f.sharp;
        self.f.sharp = leading_0x;
        self.fmt_integer_base(v, 16, false, 'v', false);
        self.f.sharp = sharp;
    }

    /// Go's `(*pp).fmtInteger`: the verb table for integers.
    fn fmt_integer(&mut self, v: u64, is_signed: bool, verb: char, subject: Subject<'_>) {
        match verb {
            'v' => {
                if self.f.sharp_v && !is_signed {
                    self.fmt_0x64(v, true);
                } else {
                    self.fmt_integer_base(v, 10, is_signed, verb, false);
                }
            }
            'd' => self.fmt_integer_base(v, 10, is_signed, verb, false),
            'b' => self.fmt_integer_base(v, 2, is_signed, verb, false),
            'o' | 'O' => self.fmt_integer_base(v, 8, is_signed, verb, false),
            'x' => self.fmt_integer_base(v, 16, is_signed, verb, false),
            'X' => self.fmt_integer_base(v, 16, is_signed, verb, true),
            'c' => self.fmt_c(v),
            'q' => self.fmt_qc(v),
            'U' => self.fmt_unicode(v),
            _ => self.bad_verb(verb, subject),
        }
    }

    /// Go's `(*pp).fmtFloat`: the verb table for floats and default precisions.
    fn fmt_float_verb(&mut self, v: f64, verb: char, arg: &GoArg) {
        match verb {
            'v' => self.fmt_float(v, b'g', -1),
            'b' | 'g' | 'G' | 'x' | 'X' => self.fmt_float(v, verb as u8, -1),
            'f' | 'e' | 'E' => self.fmt_float(v, verb as u8, 6),
            'F' => self.fmt_float(v, b'f', 6),
            _ => self.bad_verb(verb, Subject::Arg(arg)),
        }
    }

    /// Go's `(*pp).fmtString`.
    fn fmt_string(&mut self, v: &[u8], verb: char, arg: &GoArg) {
        match verb {
            'v' => {
                if self.f.sharp_v {
                    self.fmt_q(v);
                } else {
                    self.fmt_s(v);
                }
            }
            's' => self.fmt_s(v),
            'x' => self.fmt_sbx(v, false),
            'X' => self.fmt_sbx(v, true),
            'q' => self.fmt_q(v),
            _ => self.bad_verb(verb, Subject::Arg(arg)),
        }
    }

    /// Go's `(*pp).fmtBytes`.
    fn fmt_bytes(&mut self, v: &[u8], verb: char, type_name: &str) {
        match verb {
            'v' | 'd' => {
                if self.f.sharp_v {
                    self.buf.extend_from_slice(type_name.as_bytes());
                    self.buf.push(b'{');
                    for (k, &c) in v.iter().enumerate() {
                        if k > 0 {
                            self.buf.extend_from_slice(b", ");
                        }
                        self.fmt_0x64(u64::from(c), true);
                    }
                    self.buf.push(b'}');
                } else {
                    self.buf.push(b'[');
                    for (k, &c) in v.iter().enumerate() {
                        if k > 0 {
                            self.buf.push(b' ');
                        }
                        self.fmt_integer_base(u64::from(c), 10, false, verb, false);
                    }
                    self.buf.push(b']');
                }
            }
            's' => self.fmt_s(v),
            'x' => self.fmt_sbx(v, false),
            'X' => self.fmt_sbx(v, true),
            'q' => self.fmt_q(v),
            _ => self.print_byte_elements(v, verb, "[]uint8"),
        }
    }

    // -----------------------------------------------------------------------
    // Low-level formatting (fmt.fmt)
    // -----------------------------------------------------------------------

    fn write_padding(&mut self, n: i64) {
        if n <= 0 {
            return;
        }
        // Zero padding only ever goes on the left.
        let pad = if self.f.zero && !self.f.minus {
            b'0'
        } else {
            b' '
        };
        self.buf.resize(self.buf.len() + n as usize, pad);
    }

    /// Appends `b` padded to the width (counted in runes), left or right.
    fn pad(&mut self, b: &[u8]) {
        if !self.f.wid_present || self.f.wid == 0 {
            self.buf.extend_from_slice(b);
            return;
        }
        let width = self.f.wid - rune_count(b) as i64;
        if !self.f.minus {
            self.write_padding(width);
            self.buf.extend_from_slice(b);
        } else {
            self.buf.extend_from_slice(b);
            self.write_padding(width);
        }
    }

    fn pad_string(&mut self, s: &[u8]) {
        self.pad(s);
    }

    /// The precision of a string verb counts runes.
    fn truncate<'s>(&self, s: &'s [u8]) -> &'s [u8] {
        if self.f.prec_present {
            let mut n = self.f.prec;
            for (i, _) in runes(s) {
                n -= 1;
                if n < 0 {
                    return &s[..i];
                }
            }
        }
        s
    }

    fn fmt_s(&mut self, s: &[u8]) {
        let s = self.truncate(s);
        self.pad_string(s);
    }

    /// Hex dump of string bytes; `#` adds `0x`, space separates bytes.
    fn fmt_sbx(&mut self, s: &[u8], upper: bool) {
        let digits: &[u8; 17] = if upper {
            b"0123456789ABCDEFX"
        } else {
            b"0123456789abcdefx"
        };
        let mut length = s.len() as i64;
        if self.f.prec_present && self.f.prec < length {
            length = self.f.prec;
        }
        let mut width = 2 * length;
        if width > 0 {
            if self.f.space {
                if self.f.sharp {
                    width *= 2;
                }
                width += length - 1;
            } else if self.f.sharp {
                width += 2;
            }
        } else {
            if self.f.wid_present {
                self.write_padding(self.f.wid);
            }
            return;
        }
        if self.f.wid_present && self.f.wid > width && !self.f.minus {
            self.write_padding(self.f.wid - width);
        }
        if self.f.sharp {
            self.buf.push(b'0');
            self.buf.push(digits[16]);
        }
        for (k, &c) in s[..length as usize].iter().enumerate() {
            if self.f.space && k > 0 {
                self.buf.push(b' ');
                if self.f.sharp {
                    self.buf.push(b'0');
                    self.buf.push(digits[16]);
                }
            }
            self.buf.push(digits[usize::from(c >> 4)]);
            self.buf.push(digits[usize::from(c & 0xF)]);
        }
        if self.f.wid_present && self.f.wid > width && self.f.minus {
            self.write_padding(self.f.wid - width);
        }
    }

    /// `%q` of a string: Go-quoted, or a raw string with `#` when possible.
    fn fmt_q(&mut self, s: &[u8]) {
        let s = self.truncate(s);
        if self.f.sharp && can_backquote(s) {
            let mut raw = Vec::with_capacity(s.len() + 2);
            raw.push(b'`');
            raw.extend_from_slice(s);
            raw.push(b'`');
            self.pad_string(&raw);
            return;
        }
        let quoted = if self.f.plus {
            quote_to_ascii(s)
        } else {
            quote(s)
        };
        self.pad(quoted.as_bytes());
    }

    /// `%c`: the integer as a rune; out-of-range values print U+FFFD.
    fn fmt_c(&mut self, c: u64) {
        let r = if c > u64::from(MAX_RUNE) {
            RUNE_ERROR
        } else {
            char::from_u32(c as u32).unwrap_or(RUNE_ERROR)
        };
        let mut tmp = [0u8; 4];
        let s = r.encode_utf8(&mut tmp);
        self.pad(s.as_bytes());
    }

    /// `%q` of an integer: a quoted rune literal.
    fn fmt_qc(&mut self, c: u64) {
        let r = if c > u64::from(MAX_RUNE) {
            i64::from(u32::from(RUNE_ERROR))
        } else {
            c as i64
        };
        let quoted = if self.f.plus {
            quote_rune_to_ascii(r)
        } else {
            quote_rune(r)
        };
        self.pad(quoted.as_bytes());
    }

    /// `%U`: `U+0078`, with `#` also `U+0078 'x'`.
    fn fmt_unicode(&mut self, u: u64) {
        let mut prec = 4usize;
        if self.f.prec_present && self.f.prec > 4 {
            prec = self.f.prec as usize;
        }
        let mut out = format!("U+{u:0prec$X}").into_bytes();
        if self.f.sharp && u <= u64::from(MAX_RUNE) {
            if let Some(c) = char::from_u32(u as u32).filter(|&c| is_print(c)) {
                out.extend_from_slice(b" '");
                let mut tmp = [0u8; 4];
                out.extend_from_slice(c.encode_utf8(&mut tmp).as_bytes());
                out.push(b'\'');
            }
        }
        let old_zero = self.f.zero;
        self.f.zero = false;
        self.pad(&out);
        self.f.zero = old_zero;
    }

    /// Go's `(*fmt).fmtInteger`: digits, precision/zero padding, prefixes, sign.
    fn fmt_integer_base(
        &mut self,
        mut u: u64,
        base: u64,
        is_signed: bool,
        verb: char,
        upper: bool,
    ) {
        let negative = is_signed && (u as i64) < 0;
        if negative {
            u = u.wrapping_neg();
        }
        let digits: &[u8; 17] = if upper {
            b"0123456789ABCDEFX"
        } else {
            b"0123456789abcdefx"
        };
        // Two ways to ask for leading zeros: %.3d or %03d; a precision wins.
        let mut prec: i64 = 0;
        if self.f.prec_present {
            prec = self.f.prec;
            if prec == 0 && u == 0 {
                let old_zero = self.f.zero;
                self.f.zero = false;
                self.write_padding(self.f.wid);
                self.f.zero = old_zero;
                return;
            }
        } else if self.f.zero && !self.f.minus && self.f.wid_present {
            prec = self.f.wid;
            if negative || self.f.plus || self.f.space {
                prec -= 1; // leave room for the sign
            }
        }
        // Built right to left.
        let mut rev: Vec<u8> = Vec::with_capacity(24);
        loop {
            rev.push(digits[(u % base) as usize]);
            u /= base;
            if u == 0 {
                break;
            }
        }
        while (rev.len() as i64) < prec {
            rev.push(b'0');
        }
        if self.f.sharp {
            match base {
                2 => rev.extend_from_slice(b"b0"),
                8 if rev.last() != Some(&b'0') => rev.push(b'0'),
                16 => {
                    rev.push(digits[16]);
                    rev.push(b'0');
                }
                _ => {}
            }
        }
        if verb == 'O' {
            rev.extend_from_slice(b"o0");
        }
        if negative {
            rev.push(b'-');
        } else if self.f.plus {
            rev.push(b'+');
        } else if self.f.space {
            rev.push(b' ');
        }
        rev.reverse();
        // Zero padding was done above as precision.
        let old_zero = self.f.zero;
        self.f.zero = false;
        self.pad(&rev);
        self.f.zero = old_zero;
    }

    /// Go's `(*fmt).fmtFloat`: sign handling, `#` trailing zeros, zero padding.
    fn fmt_float(&mut self, v: f64, verb: u8, prec: i64) {
        let prec = if self.f.prec_present {
            self.f.prec
        } else {
            prec
        };
        let text = format_float_go(v, verb, prec);
        // num always starts with a sign byte, '+' when the number has none.
        let mut num: Vec<u8> = Vec::with_capacity(text.len() + 8);
        if !text.starts_with(['-', '+']) {
            num.push(b'+');
        }
        num.extend_from_slice(text.as_bytes());
        if self.f.space && num[0] == b'+' && !self.f.plus {
            num[0] = b' ';
        }
        // Infinities and NaN are never zero padded.
        if num.len() > 1 && (num[1] == b'I' || num[1] == b'N') {
            let old_zero = self.f.zero;
            self.f.zero = false;
            let start = usize::from(num[1] == b'N' && !self.f.space && !self.f.plus);
            self.pad(&num[start..]);
            self.f.zero = old_zero;
            return;
        }
        if self.f.sharp && verb != b'b' {
            let mut digits: i64 = match verb {
                b'v' | b'g' | b'G' | b'x' => {
                    if prec == -1 {
                        6
                    } else {
                        prec
                    }
                }
                _ => 0,
            };
            let mut tail: Vec<u8> = Vec::new();
            let mut has_point = false;
            let mut saw_nonzero = false;
            let mut k = 1;
            while k < num.len() {
                match num[k] {
                    b'.' => has_point = true,
                    b'p' | b'P' => {
                        tail.extend_from_slice(&num[k..]);
                        num.truncate(k);
                        break;
                    }
                    b'e' | b'E' if verb != b'x' && verb != b'X' => {
                        tail.extend_from_slice(&num[k..]);
                        num.truncate(k);
                        break;
                    }
                    c => {
                        if c != b'0' {
                            saw_nonzero = true;
                        }
                        // Count significant digits after the first non-zero one.
                        if saw_nonzero {
                            digits -= 1;
                        }
                    }
                }
                k += 1;
            }
            if !has_point {
                // A lone leading zero counts as one digit.
                if num.len() == 2 && num[1] == b'0' {
                    digits -= 1;
                }
                num.push(b'.');
            }
            while digits > 0 {
                num.push(b'0');
                digits -= 1;
            }
            num.extend_from_slice(&tail);
        }
        if self.f.plus || num[0] != b'+' {
            // Zero padding goes between the sign and the digits.
            if self.f.zero && !self.f.minus && self.f.wid_present && self.f.wid > num.len() as i64 {
                self.buf.push(num[0]);
                self.write_padding(self.f.wid - num.len() as i64);
                self.buf.extend_from_slice(&num[1..]);
                return;
            }
            self.pad(&num);
            return;
        }
        self.pad(&num[1..]);
    }
}

#[cfg(test)]
mod tests {
    use super::GoArg::*;
    use super::*;

    fn s(v: &str) -> GoArg {
        GoArg::str(v)
    }

    fn check(format: &str, args: &[GoArg], want: &str) {
        let got = sprintf(format, args);
        assert_eq!(
            String::from_utf8_lossy(&got),
            want,
            "Sprintf({format:?}, {args:?})"
        );
    }

    fn check1(format: &str, arg: GoArg, want: &str) {
        check(format, &[arg], want);
    }

    #[test]
    fn conformance_cases() {
        // eval-cases.json: format / string.format
        check("Hello %s", &[s("World")], "Hello World");
        check("%#v", &[Int(1)], "1");
        check("%#v", &[Bool(true)], "true");
        check("%q", &[s("hello")], "\"hello\"");
    }

    #[test]
    fn spec_examples() {
        // river-language.md §6.3
        check1("%v", Slice(vec![Int(1), s("a")]), "[1 a]");
        check1("%v", Map(vec![("a".into(), Int(1))]), "map[a:1]");
        check1("%v", Nil, "<nil>");
        check1("%v", Float(1.0), "1");
        check1("%v", Float(1e21), "1e+21");
        check1("%d", Float(1.5), "%!d(float64=1.5)");
        check1("%s", Int(1), "%!s(int=1)");
        check("%d", &[], "%!d(MISSING)");
        check("%d", &[Int(1), Int(2)], "1%!(EXTRA int=2)");
        check("", &[Int(2), s("x")], "%!(EXTRA int=2, string=x)");
        check1("%q", Int(1), r"'\x01'");
        check1("%d", Nil, "%!d(<nil>)");
        check1("%z", Int(1), "%!z(int=1)");
        check1("%x", s("hi"), "6869");
        check1("%c", Int(65), "A");
        check1("%U", Int(0x41), "U+0041");
    }

    #[test]
    fn strings() {
        let cases: &[(&str, &str, &str)] = &[
            ("%s", "abc", "abc"),
            ("%q", "abc", "\"abc\""),
            ("%x", "abc", "616263"),
            ("%x", "\u{ff}", "c3bf"),
            ("%X", "xyz", "78797A"),
            ("% x", "xyz", "78 79 7a"),
            ("%#x", "xyz", "0x78797a"),
            ("%# X", "xyz", "0X78 0X79 0X7A"),
            ("%x", "", ""),
            ("%#x", "", ""),
            ("%q", "", "\"\""),
            ("%#q", "", "``"),
            ("%q", "\"", r#""\"""#),
            ("%#q", "\"", "`\"`"),
            ("%q", "`", "\"`\""),
            ("%#q", "`", "\"`\""),
            ("%q", "\n", r#""\n""#),
            ("%#q", "\n", r#""\n""#),
            ("%#q", "\\n", "`\\n`"),
            ("%q", "日本語", "\"日本語\""),
            ("%+q", "日本語", r#""\u65e5\u672c\u8a9e""#),
            ("%#q", "日本語", "`日本語`"),
            ("%#+q", "日本語", "`日本語`"),
            (
                "%q",
                "\x07\x08\x0c\n\r\t\x0b\"\\",
                r#""\a\b\f\n\r\t\v\"\\""#,
            ),
            ("% q", "☺", "\"☺\""),
            ("%+q", "☺", r#""\u263a""#),
            ("%10q", "⌘", "       \"⌘\""),
            ("%+10q", "⌘", r#"  "\u2318""#),
            ("%-10q", "⌘", "\"⌘\"       "),
            ("%010q", "⌘", "0000000\"⌘\""),
            ("%+010q", "⌘", r#"00"\u2318""#),
            ("%-010q", "⌘", "\"⌘\"       "),
            ("%#8q", "\n", r#"    "\n""#),
            ("%#-8q", "\t", "`\t`     "),
            ("%q", "\u{10ffff}", r#""\U0010ffff""#),
            ("%#q", "\u{10ffff}", "`\u{10ffff}`"),
            ("%5s", "abc", "  abc"),
            ("%2s", "☺", " ☺"),
            ("%-5s", "abc", "abc  "),
            ("%05s", "abc", "00abc"),
            ("%0-5s", "abc", "abc  "),
            (
                "%5s",
                "abcdefghijklmnopqrstuvwxyz",
                "abcdefghijklmnopqrstuvwxyz",
            ),
            ("%.5s", "abcdefghijklmnopqrstuvwxyz", "abcde"),
            ("%.0s", "日本語日本語", ""),
            ("%.5s", "日本語日本語", "日本語日本"),
            ("%.10s", "日本語日本語", "日本語日本語"),
            ("%08q", "abc", "000\"abc\""),
            ("%-8q", "abc", "\"abc\"   "),
            ("%.5q", "abcdefghijklmnopqrstuvwxyz", "\"abcde\""),
            ("%.5x", "abcdefghijklmnopqrstuvwxyz", "6162636465"),
            ("%.3q", "日本語日本語", "\"日本語\""),
            ("%.1x", "日本語", "e6"),
            ("%10.1q", "日本語日本語", "       \"日\""),
            ("%20.5s", "qwertyuiop", "               qwert"),
            ("%-20.5s", "qwertyuiop", "qwert               "),
            ("%2x", "", "  "),
            ("% 02x", "", "00"),
            ("%-02x", "", "  "),
            ("%8x", "\u{ab}", "    c2ab"),
            ("%#08x", "ab", "000x6162"),
            ("% 010x", "ab", "0000061 62"),
            ("%# 010x", "ab", "00x61 0x62"),
            ("%# -010X", "ab", "0X61 0X62 "),
            ("%v", "abc", "abc"),
            ("%#v", "foo", "\"foo\""),
            ("%T", "foo", "string"),
            ("%d", "a", "%!d(string=a)"),
            ("%t", "a", "%!t(string=a)"),
            ("%5d", "a", "%!d(string=    a)"),
        ];
        for &(format, arg, want) in cases {
            check1(format, s(arg), want);
        }
        check1("%q", Str(b"abc\xffdef".to_vec()), r#""abc\xffdef""#);
        check1("%#q", Str(b"abc\xffdef".to_vec()), r#""abc\xffdef""#);
        check1("%x", Str(b"\xff\xf0\x0f\xff".to_vec()), "fff00fff");
        check1("%X", Str(b"\xff\xf0\x0f\xff".to_vec()), "FFF00FFF");
        check1("%8x", Str(b"\xab".to_vec()), "      ab");
        check1("%# 8x", Str(b"\xab".to_vec()), "    0xab");
        check1("%# 10x", Str(b"\xab\xcd".to_vec()), " 0xab 0xcd");
        check1("%# 010x", Str(b"\xab\xcd".to_vec()), "00xab 0xcd");
        check1("%#-10X", Str(b"\xab\xcd".to_vec()), "0XABCD    ");
        // %s copies invalid UTF-8 through untouched.
        assert_eq!(sprintf("%s", &[Str(b"a\xffb".to_vec())]), b"a\xffb");
        assert_eq!(sprintf("%3s", &[Str(b"\xff".to_vec())]), b"  \xff");
    }

    #[test]
    fn characters_and_unicode() {
        let cases: &[(&str, GoArg, &str)] = &[
            ("%c", Uint('x' as u64), "x"),
            ("%c", Int(0xe4), "ä"),
            ("%c", Int(0x672c), "本"),
            ("%.0c", Int('⌘' as i64), "⌘"),
            ("%3c", Int('⌘' as i64), "  ⌘"),
            ("%-3c", Int('⌘' as i64), "⌘  "),
            ("%c", Uint(0x100000000), "\u{fffd}"),
            ("%c", Int(0x0e00), "\u{0e00}"),
            ("%c", Int(-1), "\u{fffd}"),
            ("%c", Int(0xDC80), "\u{fffd}"),
            ("%c", Int(0x110000), "\u{fffd}"),
            ("%20c", Int('x' as i64), "                   x"),
            ("%q", Uint(0), r"'\x00'"),
            ("%+q", Uint(0), r"'\x00'"),
            ("%q", Int('"' as i64), "'\"'"),
            ("%q", Int('\'' as i64), r"'\''"),
            ("%q", Int('`' as i64), "'`'"),
            ("%q", Int('x' as i64), "'x'"),
            ("%q", Int('ÿ' as i64), "'ÿ'"),
            ("%+q", Int('ÿ' as i64), r"'\u00ff'"),
            ("%q", Int('\n' as i64), r"'\n'"),
            ("%q", Int('☺' as i64), "'☺'"),
            ("%+q", Int('☺' as i64), r"'\u263a'"),
            ("% q", Int('☺' as i64), "'☺'"),
            ("%.0q", Int('☺' as i64), "'☺'"),
            ("%10q", Int('⌘' as i64), "       '⌘'"),
            ("%+10q", Int('⌘' as i64), r"  '\u2318'"),
            ("%-10q", Int('⌘' as i64), "'⌘'       "),
            ("%010q", Int('⌘' as i64), "0000000'⌘'"),
            ("%+010q", Int('⌘' as i64), r"00'\u2318'"),
            ("%-010q", Int('⌘' as i64), "'⌘'       "),
            ("%+-010q", Int('⌘' as i64), r"'\u2318'  "),
            ("%q", Int(0x0e00), r"'\u0e00'"),
            ("%q", Int(0x10ffff), r"'\U0010ffff'"),
            ("%q", Int(-1), "'\u{fffd}'"),
            ("%q", Int(0xDC80), "'\u{fffd}'"),
            ("%q", Int(0x110000), "'\u{fffd}'"),
            ("%q", Uint(0xFFFFFFFFF), "'\u{fffd}'"),
            ("%U", Int(0), "U+0000"),
            ("%U", Int(-1), "U+FFFFFFFFFFFFFFFF"),
            ("%U", Int('\n' as i64), "U+000A"),
            ("%#U", Int('\n' as i64), "U+000A"),
            ("%+U", Int('x' as i64), "U+0078"),
            ("%# U", Int('x' as i64), "U+0078 'x'"),
            ("%#.2U", Int('x' as i64), "U+0078 'x'"),
            ("%U", Int(0x263a), "U+263A"),
            ("%#U", Int(0x263a), "U+263A '☺'"),
            ("%U", Int(0x1D6C2), "U+1D6C2"),
            ("%#U", Int(0x1D6C2), "U+1D6C2 '𝛂'"),
            ("%#14.6U", Int('⌘' as i64), "  U+002318 '⌘'"),
            ("%#-14.6U", Int('⌘' as i64), "U+002318 '⌘'  "),
            ("%#014.6U", Int('⌘' as i64), "  U+002318 '⌘'"),
            ("%#-014.6U", Int('⌘' as i64), "U+002318 '⌘'  "),
            ("%#U", Int(7), "U+0007"),
            ("%#U", Int(0x2026), "U+2026 '…'"),
        ];
        for (format, arg, want) in cases {
            check1(format, arg.clone(), want);
        }
        check1("%.68U", Uint(42), &format!("U+{}2A", "0".repeat(66)));
        check1(
            "%#.68U",
            Int('日' as i64),
            &format!("U+{}65E5 '日'", "0".repeat(64)),
        );
    }

    #[test]
    fn integers() {
        let cases: &[(&str, GoArg, &str)] = &[
            ("%d", Int(12345), "12345"),
            ("%v", Int(12345), "12345"),
            ("%d", Uint(12345), "12345"),
            ("%d", Int(-12345), "-12345"),
            ("%d", Uint(u64::MAX), "18446744073709551615"),
            ("%d", Int(i64::MIN), "-9223372036854775808"),
            ("%.d", Int(0), ""),
            ("%.0d", Int(0), ""),
            ("%6.0d", Int(0), "      "),
            ("%06.0d", Int(0), "      "),
            ("% d", Int(12345), " 12345"),
            ("%+d", Int(12345), "+12345"),
            ("%+d", Int(-12345), "-12345"),
            ("%b", Int(7), "111"),
            ("%b", Int(-6), "-110"),
            ("%#b", Int(7), "0b111"),
            ("%#b", Int(-6), "-0b110"),
            ("%b", Uint(u64::MAX), &"1".repeat(64)),
            ("%o", Int(0o1234), "1234"),
            ("%o", Int(-0o1234), "-1234"),
            ("%#o", Int(0o1234), "01234"),
            ("%#o", Int(-0o1234), "-01234"),
            ("%O", Int(0o1234), "0o1234"),
            ("%O", Int(-0o1234), "-0o1234"),
            ("%o", Uint(u64::MAX), "1777777777777777777777"),
            ("%#X", Int(0), "0X0"),
            ("%x", Int(0x12abcdef), "12abcdef"),
            ("%X", Int(0x12abcdef), "12ABCDEF"),
            ("%X", Uint(u64::MAX), "FFFFFFFFFFFFFFFF"),
            ("%x", Int(-255), "-ff"),
            ("%.20b", Int(7), "00000000000000000111"),
            ("%10d", Int(12345), "     12345"),
            ("%10d", Int(-12345), "    -12345"),
            ("%+10d", Int(12345), "    +12345"),
            ("%010d", Int(12345), "0000012345"),
            ("%010d", Int(-12345), "-000012345"),
            ("%20.8d", Int(1234), "            00001234"),
            ("%20.8d", Int(-1234), "           -00001234"),
            ("%020.8d", Int(1234), "            00001234"),
            ("%020.8d", Int(-1234), "           -00001234"),
            ("%-20.8d", Int(1234), "00001234            "),
            ("%-20.8d", Int(-1234), "-00001234           "),
            ("%-#20.8x", Int(0x1234abc), "0x01234abc          "),
            ("%-#20.8X", Int(0x1234abc), "0X01234ABC          "),
            ("%-#20.8o", Int(0o1234), "00001234            "),
            ("%#08x", Int(255), "0x000000ff"),
            ("%-05d", Int(1), "1    "),
            ("%#v", Uint(u64::MAX), "0xffffffffffffffff"),
            ("%#v", Int(1000000000), "1000000000"),
            ("%+v", Int(5), "5"),
            ("%T", Int(1), "int"),
            ("%T", Uint(1), "uint64"),
            ("%f", Int(1), "%!f(int=1)"),
            ("%s", Uint(1), "%!s(uint64=1)"),
            ("%+s", Int(1), "%!s(int=+1)"),
            ("%p", Int(27), "%!p(int=27)"),
            ("%w", Int(1), "%!w(int=1)"),
            ("%☠", Int(0), "%!☠(int=0)"),
        ];
        for (format, arg, want) in cases {
            check1(format, arg.clone(), want);
        }
        check1("%068d", Int(1), &format!("{}1", "0".repeat(67)));
        check1("%068d", Int(-1), &format!("-{}1", "0".repeat(66)));
        check1("%#.68x", Int(42), &format!("0x{}2a", "0".repeat(66)));
        check1("%.68d", Int(-42), &format!("-{}42", "0".repeat(66)));
        check1("%+.68d", Int(42), &format!("+{}42", "0".repeat(66)));
        check1("% .68d", Int(42), &format!(" {}42", "0".repeat(66)));
    }

    #[test]
    fn floats() {
        let cases: &[(&str, f64, &str)] = &[
            ("%+.3e", 0.0, "+0.000e+00"),
            ("%+.3e", 1.0, "+1.000e+00"),
            ("%+.3x", 0.0, "+0x0.000p+00"),
            ("%+.3x", 1.0, "+0x1.000p+00"),
            ("%+.3f", -1.0, "-1.000"),
            ("%+.3F", -1.0, "-1.000"),
            ("%+07.2f", 1.0, "+001.00"),
            ("%+07.2f", -1.0, "-001.00"),
            ("%-07.2f", 1.0, "1.00   "),
            ("%-07.2f", -1.0, "-1.00  "),
            ("%+-07.2f", 1.0, "+1.00  "),
            ("%-+07.2f", -1.0, "-1.00  "),
            ("%+10.2f", 1.0, "     +1.00"),
            ("%+10.2f", -1.0, "     -1.00"),
            ("% .3E", -1.0, "-1.000E+00"),
            ("% .3e", 1.0, " 1.000e+00"),
            ("% .3X", -1.0, "-0X1.000P+00"),
            ("% .3x", 1.0, " 0x1.000p+00"),
            ("%+.3g", 0.0, "+0"),
            ("%+.3g", 1.0, "+1"),
            ("%+.3g", -1.0, "-1"),
            ("% .3g", -1.0, "-1"),
            ("% .3g", 1.0, " 1"),
            ("%b", 1.0, "4503599627370496p-52"),
            ("%#g", 1e-323, "1.00000e-323"),
            ("%#g", -1.0, "-1.00000"),
            ("%#g", 1.1, "1.10000"),
            ("%#g", 123456.0, "123456."),
            ("%#g", 1234567.0, "1.234567e+06"),
            ("%#g", 1230000.0, "1.23000e+06"),
            ("%#g", 1000000.0, "1.00000e+06"),
            ("%#.0f", 1.0, "1."),
            ("%#.0e", 1.0, "1.e+00"),
            ("%#.0x", 1.0, "0x1.p+00"),
            ("%#.0g", 1.0, "1."),
            ("%#.0g", 1100000.0, "1.e+06"),
            ("%#.4f", 1.0, "1.0000"),
            ("%#.4e", 1.0, "1.0000e+00"),
            ("%#.4x", 1.0, "0x1.0000p+00"),
            ("%#.4g", 1.0, "1.000"),
            ("%#.4g", 100000.0, "1.000e+05"),
            ("%#.4g", 1.234, "1.234"),
            ("%#.4g", 0.1234, "0.1234"),
            ("%#.4g", 1.23, "1.230"),
            ("%#.4g", 0.123, "0.1230"),
            ("%#.4g", 1.2, "1.200"),
            ("%#.4g", 0.12, "0.1200"),
            ("%#.4g", 10.2, "10.20"),
            ("%#.4g", 0.0, "0.000"),
            ("%#.4g", 0.012, "0.01200"),
            ("%#.0f", 123.0, "123."),
            ("%#.0e", 123.0, "1.e+02"),
            ("%#.0x", 123.0, "0x1.p+07"),
            ("%#.0g", 123.0, "1.e+02"),
            ("%#.4f", 123.0, "123.0000"),
            ("%#.4e", 123.0, "1.2300e+02"),
            ("%#.4x", 123.0, "0x1.ec00p+06"),
            ("%#.4g", 123.0, "123.0"),
            ("%#.4g", 123000.0, "1.230e+05"),
            ("%#9.4g", 1.0, "    1.000"),
            ("%#b", 1.0, "4503599627370496p-52"),
            ("%.4b", -1.0, "-4503599627370496p-52"),
            ("%f", f64::INFINITY, "+Inf"),
            ("%.1f", f64::NEG_INFINITY, "-Inf"),
            ("% f", f64::NAN, " NaN"),
            ("%20f", f64::INFINITY, "                +Inf"),
            ("% 20F", f64::INFINITY, "                 Inf"),
            ("% 20e", f64::NEG_INFINITY, "                -Inf"),
            ("% 20x", f64::NEG_INFINITY, "                -Inf"),
            ("%+20E", f64::NEG_INFINITY, "                -Inf"),
            ("% +20g", f64::NEG_INFINITY, "                -Inf"),
            ("%+-20G", f64::INFINITY, "+Inf                "),
            ("%20e", f64::NAN, "                 NaN"),
            ("% +20E", f64::NAN, "                +NaN"),
            ("% -20g", f64::NAN, " NaN                "),
            ("%+-20G", f64::NAN, "+NaN                "),
            ("%+020e", f64::INFINITY, "                +Inf"),
            ("%-020f", f64::NEG_INFINITY, "-Inf                "),
            ("%-020E", f64::NAN, "NaN                 "),
            ("%e", 1.0, "1.000000e+00"),
            ("%e", 1234.5678e3, "1.234568e+06"),
            ("%e", 1234.5678e-8, "1.234568e-05"),
            ("%e", -7.0, "-7.000000e+00"),
            ("%e", -1e-9, "-1.000000e-09"),
            ("%f", 1234.5678e3, "1234567.800000"),
            ("%f", 1234.5678e-8, "0.000012"),
            ("%f", -7.0, "-7.000000"),
            ("%f", -1e-9, "-0.000000"),
            ("%g", 1234.5678e3, "1.2345678e+06"),
            ("%g", 1234.5678e-8, "1.2345678e-05"),
            ("%g", -7.0, "-7"),
            ("%g", -1e-9, "-1e-09"),
            ("%E", 1.0, "1.000000E+00"),
            ("%E", 1234.5678e3, "1.234568E+06"),
            ("%G", 1234.5678e3, "1.2345678E+06"),
            ("%G", -1e-9, "-1E-09"),
            ("%20.6e", 1.2345e3, "        1.234500e+03"),
            ("%20.6e", 1.2345e-3, "        1.234500e-03"),
            ("%20e", 1.2345e3, "        1.234500e+03"),
            ("%20.8e", 1.2345e3, "      1.23450000e+03"),
            ("%20f", 1.23456789e3, "         1234.567890"),
            ("%20f", 1.23456789e-3, "            0.001235"),
            ("%20f", 12_345_678_901.234_568, "  12345678901.234568"),
            ("%-20f", 1.23456789e3, "1234.567890         "),
            ("%20.8f", 1.23456789e3, "       1234.56789000"),
            ("%20.8f", 1.23456789e-3, "          0.00123457"),
            ("%g", 1.23456789e3, "1234.56789"),
            ("%g", 1.23456789e-3, "0.00123456789"),
            ("%g", 1.23456789e20, "1.23456789e+20"),
            ("%v", 1.2345678, "1.2345678"),
            ("%#v", 1.2345678, "1.2345678"),
            ("%#v", 1.0, "1"),
            ("%#v", 1000000.0, "1e+06"),
            ("%v", 1e21, "1e+21"),
            ("%v", 100000.0, "100000"),
            ("%v", -0.0, "-0"),
            ("%v", f64::INFINITY, "+Inf"),
            ("%v", f64::NAN, "NaN"),
            ("%.2f", 1.0, "1.00"),
            ("% .2f", 1.0, " 1.00"),
            ("%+.2f", 1.0, "+1.00"),
            ("%7.2f", -1.0, "  -1.00"),
            ("% 7.2f", 1.0, "   1.00"),
            ("%+7.2f", 1.0, "  +1.00"),
            ("% +7.2f", -1.0, "  -1.00"),
            ("%07.2f", 1.0, "0001.00"),
            ("%07.2f", -1.0, "-001.00"),
            ("% 07.2f", 1.0, " 001.00"),
            ("%+07.2f", 1.0, "+001.00"),
            ("% +07.2f", 1.0, "+001.00"),
            ("%-05.1f", 1.0, "1.0  "),
            ("%x", 1.0, "0x1p+00"),
            ("%#x", 1.0, "0x1.0000p+00"),
            ("%d", 1.5, "%!d(float64=1.5)"),
            ("%s", 1.5, "%!s(float64=1.5)"),
            ("%☠", 1.2345678, "%!☠(float64=1.2345678)"),
            ("%T", 1.5, "float64"),
            ("%.3v", 1.23456, "1.23"),
        ];
        for &(format, v, want) in cases {
            check1(format, Float(v), want);
        }
        check1("%.68f", Float(1.0), &format!("1.{}", "0".repeat(68)));
        check1("%.68f", Float(-1.0), &format!("-1.{}", "0".repeat(68)));
    }

    #[test]
    fn bools_and_nil() {
        check1("%t", Bool(true), "true");
        check1("%v", Bool(false), "false");
        check1("%6t", Bool(true), "  true");
        check1("%-6t|", Bool(true), "true  |");
        check1("%d", Bool(true), "%!d(bool=true)");
        check1("%s", Bool(true), "%!s(bool=true)");
        check1("%T", Bool(true), "bool");
        check1("%10v", Nil, "     <nil>");
        check1("%-10v", Nil, "<nil>     ");
        check1("%#v", Nil, "<nil>");
        check1("%s", Nil, "%!s(<nil>)");
        check1("%T", Nil, "<nil>");
        check1("%10T", Nil, "     <nil>");
        check1("%p", Nil, "%!p(<nil>)");
        check1("%☠", Nil, "%!☠(<nil>)");
        check("", &[Nil], "%!(EXTRA <nil>)");
    }

    #[test]
    fn slices_and_maps() {
        let islice = Slice(vec![Int(1), s("hello"), Float(2.5), Nil]);
        check1("%v", islice.clone(), "[1 hello 2.5 <nil>]");
        check1(
            "%#v",
            islice.clone(),
            r#"[]interface {}{1, "hello", 2.5, interface {}(nil)}"#,
        );
        check1(
            "%d",
            islice.clone(),
            "[1 %!d(string=hello) %!d(float64=2.5) <nil>]",
        );
        check1(
            "%s",
            islice.clone(),
            "[%!s(int=1) hello %!s(float64=2.5) <nil>]",
        );
        check1("%T", islice, "[]interface {}");
        check1("%q", Slice(vec![s("a"), s("b")]), r#"["a" "b"]"#);
        check1("%x", Slice(vec![Int(1), Int(2), Int(15)]), "[1 2 f]");
        check1("%#x", Slice(vec![Int(1), Int(2), Int(15)]), "[0x1 0x2 0xf]");
        check1("%06v", Slice(vec![Float(10.0), Int(10)]), "[000010 000010]");
        check1(
            "%06v",
            Slice(vec![Float(-10.0), Int(10)]),
            "[-00010 000010]",
        );
        check1(
            "%03.6v",
            Slice(vec![Int(1), Float(2.0), s("x")]),
            "[000001 002 00x]",
        );
        check1(
            "%03.0v",
            Slice(vec![Int(0), Float(2.0), s("x")]),
            "[    002 000]",
        );
        check1("%v", Slice(vec![]), "[]");
        check1("%#v", Slice(vec![]), "[]interface {}{}");
        check1(
            "%v",
            Slice(vec![
                Slice(vec![Int(1), Int(2)]),
                Map(vec![("a".into(), Int(1))]),
            ]),
            "[[1 2] map[a:1]]",
        );
        check1(
            "%#v",
            Slice(vec![Slice(vec![Int(1)]), Map(vec![("a".into(), s("x"))])]),
            r#"[]interface {}{[]interface {}{1}, map[string]interface {}{"a":"x"}}"#,
        );
        let m = Map(vec![
            ("b".into(), Int(2)),
            ("a".into(), s("x")),
            ("B".into(), Nil),
        ]);
        check1("%v", m.clone(), "map[B:<nil> a:x b:2]");
        check1(
            "%#v",
            m.clone(),
            r#"map[string]interface {}{"B":interface {}(nil), "a":"x", "b":2}"#,
        );
        check1(
            "%d",
            m.clone(),
            "map[%!d(string=B):<nil> %!d(string=a):%!d(string=x) %!d(string=b):2]",
        );
        check1("%x", Map(vec![("a".into(), Int(255))]), "map[61:ff]");
        check1("%T", m, "map[string]interface {}");
        check1("%v", Map(vec![]), "map[]");
        check1("%#v", Map(vec![]), "map[string]interface {}{}");
        check1("%☠", Slice(vec![Int(1)]), "[%!☠(int=1)]");
        check1("%w", Slice(vec![Int(1)]), "%!w([]interface {}=[1])");
        check1("%p", Slice(vec![]), "0x0");
        check("%d %v", &[Slice(vec![Int(1)])], "[1] %!v(MISSING)");
        check(
            "",
            &[Slice(vec![Int(1), s("a")])],
            "%!(EXTRA []interface {}=[1 a])",
        );
    }

    #[test]
    fn byte_slices() {
        let b = |v: &[u8]| Bytes(v.to_vec());
        let cases: &[(&str, &[u8], &str)] = &[
            ("%s", b"abc", "abc"),
            ("%q", b"abc", "\"abc\""),
            ("%x", b"abc", "616263"),
            ("% X", b"xyz", "78 79 7A"),
            ("%v", &[1, 2, 3], "[1 2 3]"),
            ("%d", &[1, 2, 15], "[1 2 15]"),
            ("%b", b"ABC", "[1000001 1000010 1000011]"),
            ("%c", b"ABC", "[A B C]"),
            ("%o", b"ABC", "[101 102 103]"),
            ("%U", b"ABC", "[U+0041 U+0042 U+0043]"),
            ("%012v", b"", "[]"),
            ("%#012v", b"", "[]byte{}"),
            ("%6v", &[1, 11, 111], "[     1     11    111]"),
            ("%06v", &[1, 11, 111], "[000001 000011 000111]"),
            ("%-6v", &[1, 11, 111], "[1      11     111   ]"),
            ("%-06v", &[1, 11, 111], "[1      11     111   ]"),
            ("%#v", &[1, 11, 111], "[]byte{0x1, 0xb, 0x6f}"),
            ("%#6v", &[1, 11, 111], "[]byte{   0x1,    0xb,   0x6f}"),
            (
                "%#06v",
                &[1, 11, 111],
                "[]byte{0x000001, 0x00000b, 0x00006f}",
            ),
            ("%#-6v", &[1, 11, 111], "[]byte{0x1   , 0xb   , 0x6f  }"),
            ("% v", &[1, 11, 111], "[ 1  11  111]"),
            ("%+v", &[1, 11, 111], "[1 11 111]"),
            ("%# -6v", &[1, 11, 111], "[]byte{ 0x1  ,  0xb  ,  0x6f }"),
            ("% d", &[1, 11, 111], "[ 1  11  111]"),
            ("%+d", &[1, 11, 111], "[+1 +11 +111]"),
            ("%# -6d", &[1, 11, 111], "[ 1      11     111  ]"),
            ("% 02x", &[1], "01"),
            ("% 02x", &[1, 2, 3], "01 02 03"),
            ("%2x", &[], "  "),
            ("% 02x", &[], "00"),
            ("%08x", &[0xab], "000000ab"),
            ("%#08x", &[0xab], "00000xab"),
            ("%☠", &[0, 1], "[%!☠(uint8=0) %!☠(uint8=1)]"),
            ("%T", b"a", "[]uint8"),
        ];
        for &(format, v, want) in cases {
            check1(format, b(v), want);
        }
        check1("%v", Slice(vec![b(b"ab")]), "[[97 98]]");
        check1("%s", Slice(vec![b(b"ab")]), "[ab]");
        check1(
            "%#v",
            Slice(vec![b(b"ab")]),
            "[]interface {}{[]uint8{0x61, 0x62}}",
        );
    }

    #[test]
    fn opaque_values() {
        let o = Opaque {
            type_name: "rivertypes.Secret".into(),
            text: "(secret)".into(),
        };
        check1("%v", o.clone(), "(secret)");
        check1("%10s", o.clone(), "  (secret)");
        check1("%d", o.clone(), "%!d(rivertypes.Secret=(secret))");
        check1("%T", o, "rivertypes.Secret");
    }

    #[test]
    fn directives_and_errors() {
        check("%s %", &[s("hello")], "hello %!(NOVERB)");
        check("%s %.2", &[s("hello")], "hello %!(NOVERB)");
        check(
            "%017091901790959340919092959340919017929593813360",
            &[Int(0)],
            "%!(NOVERB)%!(EXTRA int=0)",
        );
        check(
            "%184467440737095516170v",
            &[Int(0)],
            "%!(NOVERB)%!(EXTRA int=0)",
        );
        check("%010.2", &[s("12345")], "%!(NOVERB)%!(EXTRA string=12345)");
        check("%.", &[Int(3)], "%!.(int=3)");
        check("no args", &[s("hello")], "no args%!(EXTRA string=hello)");
        check("%%", &[], "%");
        check("%5%", &[], "%");
        check("100%% %d", &[Int(1)], "100% 1");
        check("%!", &[], "%!!(MISSING)");
        check("%", &[], "%!(NOVERB)");
        check("%-", &[], "%!(NOVERB)");
        check("%d %d", &[Int(1)], "1 %!d(MISSING)");
        check("%*d", &[Int(5), Int(1)], "    1");
        check("%-*d", &[Int(5), Int(1)], "1    ");
        check("%*d", &[Int(-5), Int(1)], "1    ");
        check("%0*d", &[Int(-5), Int(1)], "1    ");
        check("%*d", &[s("x"), Int(1)], "%!(BADWIDTH)1");
        check("%*d", &[Float(5.0), Int(1)], "%!(BADWIDTH)1");
        check("%*d", &[Int(10_000_000), Int(1)], "%!(BADWIDTH)1");
        check("%*d", &[Uint(5), Int(1)], "    1");
        check("%.*d", &[Int(3), Int(1)], "001");
        check("%.*d", &[Int(-3), Int(1)], "%!(BADPREC)1");
        check("%.*d", &[s("x"), Int(1)], "%!(BADPREC)1");
        check("%*.*f", &[Int(8), Int(2), Float(1.23456)], "    1.23");
        check("%*d", &[Int(5)], "%!d(MISSING)");
        check("%*", &[], "%!(BADWIDTH)%!(NOVERB)");
        check("%☠", &[Int(0)], "%!☠(int=0)");
        check("%\u{e9}", &[Int(0)], "%!\u{e9}(int=0)");
        // Invalid UTF-8 verb byte reads as U+FFFD.
        assert_eq!(sprintf(b"%\xff", &[Int(0)]), "%!\u{fffd}(int=0)".as_bytes());
    }

    #[test]
    fn explicit_argument_indexes() {
        let cases: &[(&str, &[GoArg], &str)] = &[
            ("%[1]d", &[Int(1)], "1"),
            ("%[2]d", &[Int(2), Int(1)], "1"),
            ("%[2]d %[1]d", &[Int(1), Int(2)], "2 1"),
            ("%[2]*[1]d", &[Int(2), Int(5)], "    2"),
            ("%6.2f", &[Float(12.0)], " 12.00"),
            ("%[3]*.[2]*[1]f", &[Float(12.0), Int(2), Int(6)], " 12.00"),
            ("%[1]*.[2]*[3]f", &[Int(6), Int(2), Float(12.0)], " 12.00"),
            ("%10f", &[Float(12.0)], " 12.000000"),
            ("%[1]*[3]f", &[Int(10), Int(99), Float(12.0)], " 12.000000"),
            ("%.6f", &[Float(12.0)], "12.000000"),
            ("%.[1]*[3]f", &[Int(6), Int(99), Float(12.0)], "12.000000"),
            ("%6.f", &[Float(12.0)], "    12"),
            ("%[1]*.[3]f", &[Int(6), Int(3), Float(12.0)], "    12"),
            (
                "%d %d %d %#[1]o %#o %#o",
                &[Int(11), Int(12), Int(13)],
                "11 12 13 013 014 015",
            ),
            ("%[d", &[Int(2), Int(1)], "%!d(BADINDEX)"),
            ("%]d", &[Int(2), Int(1)], "%!](int=2)d%!(EXTRA int=1)"),
            ("%[]d", &[Int(2), Int(1)], "%!d(BADINDEX)"),
            ("%[-3]d", &[Int(2), Int(1)], "%!d(BADINDEX)"),
            ("%[99]d", &[Int(2), Int(1)], "%!d(BADINDEX)"),
            ("%[3]", &[Int(2), Int(1)], "%!(NOVERB)"),
            ("%[1].2d", &[Int(5), Int(6)], "%!d(BADINDEX)"),
            ("%[1]2d", &[Int(2), Int(1)], "%!d(BADINDEX)"),
            ("%3.[2]d", &[Int(7)], "%!d(BADINDEX)"),
            ("%.[2]d", &[Int(7)], "%!d(BADINDEX)"),
            (
                "%d %d %d %#[1]o %#o %#o %#o",
                &[Int(11), Int(12), Int(13)],
                "11 12 13 013 014 015 %!o(MISSING)",
            ),
            (
                "%[5]d %[2]d %d",
                &[Int(1), Int(2), Int(3)],
                "%!d(BADINDEX) 2 3",
            ),
            ("%d %[3]d %d", &[Int(1), Int(2)], "1 %!d(BADINDEX) 2"),
            ("%.[]", &[], "%!](BADINDEX)"),
            ("%.-3d", &[Int(42)], "%!-(int=42)3d"),
            ("%2147483648d", &[Int(42)], "%!(NOVERB)%!(EXTRA int=42)"),
            ("%-2147483648d", &[Int(42)], "%!(NOVERB)%!(EXTRA int=42)"),
            ("%.2147483648d", &[Int(42)], "%!(NOVERB)%!(EXTRA int=42)"),
            // Reordering suppresses the EXTRA report.
            ("%[1]d", &[Int(1), Int(2)], "1"),
        ];
        for (format, args, want) in cases {
            check(format, args, want);
        }
    }

    #[test]
    fn conversions() {
        let args: Vec<GoArg> = vec![
            1i64.into(),
            2u64.into(),
            0.5.into(),
            true.into(),
            "s".into(),
        ];
        check("%v %v %v %v %v", &args, "1 2 0.5 true s");
    }

    #[test]
    fn sprint_helper() {
        assert_eq!(sprint(&Map(vec![("k".into(), Float(0.5))])), b"map[k:0.5]");
    }
}
