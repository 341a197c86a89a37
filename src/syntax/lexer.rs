//! The lexer: bytes → raw tokens (including newlines and comments), with upstream's error texts.
//!
//! Tokens are recognised by a hand-written dispatch on their first byte, which covers all of
//! the ASCII language; a logos automaton over the whole token set takes over for the rare token
//! that starts with or runs into anything else (Unicode identifiers, illegal characters). The
//! logos-only mode in the tests checks that both agree. Literals whose bodies need
//! character-by-character checks (strings, comments) are finished by small hand-written scans.
//! Every non-ASCII or NUL character read inside them goes through [`Extras::check_char`], which
//! reports NUL bytes, invalid UTF-8 and stray byte order marks wherever they occur, as upstream
//! does.
//!
//! Upstream's scanner reads one character ahead: the character right after a token has been
//! decoded (and any error in it reported) by the time the token is returned. [`RawLexer`]
//! reproduces that ordering so that diagnostics come out in upstream's order.
//!
//! Newlines and comments are returned as tokens; deciding which newlines end statements is the
//! job of the next pass ([`super::terminators`]).

use logos::Logos;

use super::chars::{self, BOM};
use super::pos::{Offset, Span};
use super::token::{Tok, Token};

/// A lexical error: where and what.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LexError {
    /// Byte offset the error points at.
    pub offset: Offset,
    /// Upstream's message text.
    pub message: String,
}

/// State shared with the logos callbacks.
#[derive(Default, Debug)]
pub struct Extras {
    /// Errors in the order upstream reports them.
    pub errors: Vec<LexError>,
    /// Offset of a character already checked by the one-character read-ahead.
    early: Option<Offset>,
}

impl Extras {
    fn error(&mut self, offset: usize, message: impl Into<String>) {
        self.errors.push(LexError {
            offset: offset as Offset,
            message: message.into(),
        });
    }

    /// Checks the character at `src[off..]` as upstream's `next()` does when it reads it, and
    /// returns its width. Reports NUL, invalid UTF-8 and a byte order mark after offset 0.
    #[inline]
    fn check_char(&mut self, src: &[u8], off: usize) -> usize {
        let b = src[off];
        if b != 0 && b < 0x80 {
            return 1;
        }
        let d = chars::decode(&src[off..]);
        if self.early == Some(off as Offset) {
            return d.width;
        }
        match d.ch {
            Some('\0') => self.error(off, "illegal character NUL"),
            None => self.error(off, "illegal UTF-8 encoding"),
            Some(BOM) if off > 0 => self.error(off, "illegal byte order mark"),
            _ => {}
        }
        d.width
    }
}

/// The logos token set. Literals with bodies are finished by callbacks.
#[derive(Logos, Debug, Clone, Copy, PartialEq, Eq)]
#[logos(utf8 = false)]
#[logos(extras = Extras)]
#[logos(skip r"[ \t\r]+")]
enum Lexeme {
    #[token("\n")]
    Newline,
    #[regex(r"[_\p{L}][_\p{L}\p{Nd}]*")]
    Ident,
    #[token("true")]
    #[token("false")]
    Bool,
    #[token("null")]
    Null,
    #[regex(r"[0-9]+")]
    Number,
    // Every float form; an exponent without digits is still a float (with an error).
    #[regex(r"[0-9]+\.[0-9]*", float)]
    #[regex(r"\.[0-9]+", float)]
    #[regex(r"[0-9]+\.[0-9]*[eE][+-]?[0-9]*", float)]
    #[regex(r"\.[0-9]+[eE][+-]?[0-9]*", float)]
    #[regex(r"[0-9]+[eE][+-]?[0-9]*", float)]
    Float,
    #[token("\"", double_quoted)]
    DoubleQuoted,
    #[token("`", raw_string)]
    RawString,
    #[token("'", single_quoted)]
    SingleQuoted,
    #[token("//", line_comment)]
    LineComment,
    #[token("/*", block_comment)]
    BlockComment,
    #[token("||")]
    #[token("|", missing_second)]
    Or,
    #[token("&&")]
    #[token("&", missing_second)]
    And,
    #[token("!")]
    Not,
    #[token("!=")]
    Neq,
    #[token("=")]
    Assign,
    #[token("==")]
    Eq,
    #[token("<")]
    Lt,
    #[token("<=")]
    Lte,
    #[token(">")]
    Gt,
    #[token(">=")]
    Gte,
    #[token("+")]
    Add,
    #[token("-")]
    Sub,
    #[token("*")]
    Mul,
    #[token("/")]
    Div,
    #[token("%")]
    Mod,
    #[token("^")]
    Pow,
    #[token("{")]
    LCurly,
    #[token("}")]
    RCurly,
    #[token("(")]
    LParen,
    #[token(")")]
    RParen,
    #[token("[")]
    LBrack,
    #[token("]")]
    RBrack,
    #[token(",")]
    Comma,
    #[token(".")]
    Dot,
}

type Lex<'s> = logos::Lexer<'s, Lexeme>;

/// `|` or `&` without its twin: upstream reports it at the next character and still produces
/// the two-character operator.
fn missing_second(lex: &mut Lex<'_>) {
    let at = lex.span().end;
    let msg = if lex.slice() == b"|" {
        "missing second | in ||"
    } else {
        "missing second & in &&"
    };
    lex.extras.error(at, msg);
}

/// Checks a float's exponent: `1e`, `1e+` have no digits (reported at the number's start).
fn float(lex: &mut Lex<'_>) {
    let text = lex.slice();
    if let Some(e) = text.iter().position(|&b| b == b'e' || b == b'E') {
        if !text[e + 1..].iter().any(|b| b.is_ascii_digit()) {
            let start = lex.span().start;
            lex.extras.error(start, "exponent has no digits");
        }
    }
}

/// Bytes a double- or single-quoted string body cannot simply step over: the quotes, a
/// backslash, a newline, NUL and non-ASCII bytes (which need UTF-8 checks).
static QUOTED_STOP: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        t[b] = matches!(c, b'"' | b'\'' | b'\\' | b'\n' | 0) || c >= 0x80;
        b += 1;
    }
    t
};

/// Scans a quoted string body after its opening quote at `start`, up to and including `until`.
/// Returns the end offset. `escapes` enables backslash escapes; `multiline` allows newlines.
#[inline]
fn scan_string(
    src: &[u8],
    start: usize,
    until: u8,
    escapes: bool,
    multiline: bool,
    ex: &mut Extras,
) -> usize {
    if escapes && !multiline {
        return scan_quoted(src, start, until, ex);
    }
    let mut i = start + 1;
    loop {
        // Fast path: jump to the next delimiter, backslash or newline, then check the bytes
        // skipped for the rare ones that need a closer look (NUL, non-ASCII).
        let next = if escapes {
            memchr::memchr3(until, b'\\', b'\n', &src[i..])
        } else {
            memchr::memchr2(until, b'\n', &src[i..])
        };
        let stop = next.map_or(src.len(), |j| i + j);
        let skipped = &src[i..stop];
        if !skipped.is_ascii() || memchr::memchr(0, skipped).is_some() {
            let mut k = i;
            while k < stop {
                k += ex.check_char(src, k);
            }
        }
        i = stop;
        if i >= src.len() || (!multiline && src[i] == b'\n') {
            ex.error(start, "string literal not terminated");
            return i;
        }
        let b = src[i];
        i += 1; // an ASCII byte: the delimiter, a backslash, or a newline in a raw string
        if b == until {
            return i;
        }
        if escapes && b == b'\\' {
            i = scan_escape(src, i, ex);
        }
    }
}

/// [`scan_string`] for a one-line string with escapes (`"` or `'`). Such strings are short, so
/// one byte loop beats searching for the delimiter and then re-checking what was skipped.
#[inline]
fn scan_quoted(src: &[u8], start: usize, until: u8, ex: &mut Extras) -> usize {
    let mut i = start + 1;
    loop {
        i += src[i..]
            .iter()
            .position(|&c| QUOTED_STOP[c as usize])
            .unwrap_or(src.len() - i);
        let Some(&b) = src.get(i) else {
            ex.error(start, "string literal not terminated");
            return i;
        };
        match b {
            b'\n' => {
                ex.error(start, "string literal not terminated");
                return i;
            }
            b'\\' => i = scan_escape(src, i + 1, ex),
            _ if b == until => return i + 1,
            b'"' | b'\'' => i += 1,          // the other quote
            _ => i += ex.check_char(src, i), // NUL or non-ASCII
        }
    }
}

/// Checks the escape sequence whose first character (after the backslash) is at `off`.
/// On an error, stops at the offending character without consuming it, like upstream.
fn scan_escape(src: &[u8], off: usize, ex: &mut Extras) -> usize {
    if off >= src.len() {
        ex.error(off, "escape sequence not terminated");
        return off;
    }
    let mut i = off;
    let (mut n, base, max): (u32, u32, u32) = match src[i] {
        b'a' | b'b' | b'f' | b'n' | b'r' | b't' | b'v' | b'\\' | b'"' => {
            return i + 1;
        }
        b'0'..=b'7' => (3, 8, 255),
        b'x' => {
            i += 1;
            (2, 16, 255)
        }
        b'u' => {
            i += 1;
            (4, 16, 0x10FFFF)
        }
        b'U' => {
            i += 1;
            (8, 16, 0x10FFFF)
        }
        _ => {
            ex.error(off, "unknown escape sequence");
            return i;
        }
    };
    let mut x: u32 = 0;
    while n > 0 {
        if i >= src.len() {
            ex.error(off, "escape sequence not terminated");
            return i;
        }
        let d = match src[i] {
            c @ b'0'..=b'9' => (c - b'0') as u32,
            c @ (b'a'..=b'f' | b'A'..=b'F') => ((c | 0x20) - b'a' + 10) as u32,
            _ => 16,
        };
        if d >= base {
            let c = chars::decode(&src[i..]).ch.unwrap_or('\u{FFFD}');
            ex.error(
                off,
                format!("illegal character {} in escape sequence", chars::sharp_u(c)),
            );
            return i;
        }
        x = x.wrapping_mul(base).wrapping_add(d);
        i += 1;
        n -= 1;
    }
    if x > max || (0xD800..0xE000).contains(&x) {
        ex.error(off, "escape sequence is invalid Unicode code point");
    }
    i
}

fn finish_string(lex: &mut Lex<'_>, until: u8, escapes: bool, multiline: bool) {
    let src = lex.source();
    let start = lex.span().start;
    let end = scan_string(src, start, until, escapes, multiline, &mut lex.extras);
    let cur = lex.span().end;
    lex.bump(end - cur);
}

fn double_quoted(lex: &mut Lex<'_>) {
    finish_string(lex, b'"', true, false);
}

fn raw_string(lex: &mut Lex<'_>) {
    finish_string(lex, b'`', false, true);
}

fn single_quoted(lex: &mut Lex<'_>) {
    let start = lex.span().start;
    lex.extras
        .error(start, "illegal single-quoted string; use double quotes");
    finish_string(lex, b'\'', true, false);
}

fn line_comment(lex: &mut Lex<'_>) {
    let from = lex.span().end;
    let end = line_comment_end(lex.source(), from, &mut lex.extras);
    lex.bump(end - from);
}

fn block_comment(lex: &mut Lex<'_>) {
    let start = lex.span().start;
    let from = lex.span().end;
    let end = block_comment_end(lex.source(), start, &mut lex.extras);
    lex.bump(end - from);
}

/// End of a `//` comment whose body starts at `from` (the newline is not part of it).
#[inline]
fn line_comment_end(src: &[u8], from: usize, ex: &mut Extras) -> usize {
    let end = memchr::memchr(b'\n', &src[from..]).map_or(src.len(), |j| from + j);
    // Only bytes that could be NUL, non-ASCII or a byte order mark need checking.
    if src[from..end].iter().any(|&b| b == 0 || b >= 0x80) {
        let mut i = from;
        while i < end {
            i += ex.check_char(src, i);
        }
    }
    end
}

/// End of the `/* */` comment starting at `start`, reporting one that is not closed.
fn block_comment_end(src: &[u8], start: usize, ex: &mut Extras) -> usize {
    let from = start + 2;
    let (end, closed) = match memchr::memmem::find(&src[from..], b"*/") {
        Some(j) => (from + j + 2, true),
        None => (src.len(), false),
    };
    if src[from..end].iter().any(|&b| b == 0 || b >= 0x80) {
        let mut i = from;
        while i < end {
            i += ex.check_char(src, i);
        }
    }
    if !closed {
        ex.error(start, "block comment not terminated");
    }
    end
}

/// A raw token: what the lexer found and where.
///
/// The kind is the parser's [`Tok`], so that the terminator pass can pass most tokens on as
/// they are: a newline is [`Tok::Terminator`] (the next pass decides whether it ends a
/// statement), a comment is [`Tok::Comment`], the end of input is [`Tok::Eof`], and both an
/// illegal character and a single-quoted string (which starts with `'`) are [`Tok::Illegal`].
pub type RawToken = Token;

/// Iterates over the raw tokens of a source, collecting errors in [`RawLexer::take_errors`].
///
/// The common ASCII tokens are recognised by a hand-written byte dispatch; logos, which knows
/// the whole token set, takes over only for a token that starts with or runs into a byte the
/// fast path does not handle (non-ASCII, NUL, characters outside the language). Both agree
/// byte for byte; the unit tests check that on random input.
pub struct RawLexer<'s> {
    /// The logos automaton, positioned at or before `pos`; also owns the error list.
    lex: Lex<'s>,
    src: &'s [u8],
    /// Offset where the next token's search starts.
    pos: usize,
    /// Test-only: send every token through logos, to compare the two paths.
    #[cfg(test)]
    logos_only: bool,
}

/// Bytes that continue an ASCII identifier.
static IDENT_CONT: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        t[b] = c.is_ascii_alphanumeric() || c == b'_';
        b += 1;
    }
    t
};

/// The blanks between tokens.
static BLANK: [bool; 256] = {
    let mut t = [false; 256];
    t[b' ' as usize] = true;
    t[b'\t' as usize] = true;
    t[b'\r' as usize] = true;
    t
};

impl<'s> RawLexer<'s> {
    /// Starts lexing `src`. A byte order mark at the very start is skipped.
    pub fn new(src: &'s [u8]) -> RawLexer<'s> {
        let mut lex = Lexeme::lexer_with_extras(src, Extras::default());
        let mut pos = 0;
        if src.starts_with("\u{FEFF}".as_bytes()) {
            lex.bump(3);
            pos = 3;
            Self::read_ahead(&mut lex.extras, src, 3);
        }
        RawLexer {
            lex,
            src,
            pos,
            #[cfg(test)]
            logos_only: false,
        }
    }

    /// Errors reported so far, in order; the list is emptied.
    pub fn take_errors(&mut self) -> Vec<LexError> {
        std::mem::take(&mut self.lex.extras.errors)
    }

    /// True when errors are waiting in [`RawLexer::take_errors`].
    #[inline]
    pub fn has_errors(&self) -> bool {
        !self.lex.extras.errors.is_empty()
    }

    /// The source being lexed.
    pub fn source(&self) -> &'s [u8] {
        self.src
    }

    /// Upstream has decoded the character after each token by the time it returns the token;
    /// report that character's error now and remember not to report it twice.
    #[inline(always)]
    fn read_ahead(ex: &mut Extras, src: &[u8], at: usize) {
        if at < src.len() && (src[at] == 0 || src[at] >= 0x80) && ex.early != Some(at as Offset) {
            ex.check_char(src, at);
            ex.early = Some(at as Offset);
        }
    }

    /// Reports an illegal character at `off` and moves past it.
    fn illegal(&mut self, off: usize) -> RawToken {
        let d = chars::decode(&self.src[off..]);
        // Restart the automaton right after the character: logos may have stopped elsewhere.
        let extras = std::mem::take(&mut self.lex.extras);
        let mut lex = Lexeme::lexer_with_extras(self.src, extras);
        lex.bump(off + d.width);
        self.lex = lex;
        let ex = &mut self.lex.extras;
        ex.check_char(self.src, off);
        match d.ch {
            Some(BOM) => {} // already reported as "illegal byte order mark"
            Some(c) => ex.error(off, format!("illegal character {}", chars::sharp_u(c))),
            None => ex.error(
                off,
                format!("illegal character {}", chars::sharp_u('\u{FFFD}')),
            ),
        }
        RawToken {
            kind: Tok::Illegal,
            span: Span::new(off as Offset, (off + d.width) as Offset),
        }
    }

    /// Lets logos recognise the token at `off` (or, in the test-only mode, the next token
    /// after any blanks at `off`).
    #[cold]
    #[inline(never)]
    fn by_logos(&mut self, off: usize) -> RawToken {
        // Logos is behind (or, once finished in the test-only mode, at) the fast path.
        let behind = self.lex.span().end;
        self.lex.bump(off.saturating_sub(behind));
        let Some(item) = self.lex.next() else {
            return self.eof();
        };
        let span = self.lex.span();
        let tok = match item {
            Ok(lexeme) => RawToken {
                kind: lexeme.kind(),
                span: Span::new(span.start as Offset, span.end as Offset),
            },
            Err(()) => self.illegal(span.start),
        };
        self.pos = tok.span.end as usize;
        Self::read_ahead(&mut self.lex.extras, self.src, self.pos);
        tok
    }

    /// The end of input, at the end of the source.
    #[inline]
    fn eof(&self) -> RawToken {
        let end = self.src.len() as Offset;
        RawToken {
            kind: Tok::Eof,
            span: Span::new(end, end),
        }
    }

    /// The next raw token; [`Tok::Eof`] at (and after) the end of input.
    #[inline(always)]
    pub fn next_raw(&mut self) -> RawToken {
        #[cfg(test)]
        if self.logos_only {
            return self.by_logos(self.pos);
        }
        let src = self.src;
        let mut i = self.pos;
        i += src[i..]
            .iter()
            .position(|&c| !BLANK[c as usize])
            .unwrap_or(src.len() - i);
        let Some(&b) = src.get(i) else {
            return self.eof();
        };
        let start = i;
        let at = |n: usize| src.get(n).copied().unwrap_or(0);
        let tok = |kind: Tok, len: usize| (kind, start + len);
        let (kind, end) = match b {
            b'\n' => (Tok::Terminator, start + 1),
            b'a'..=b'z' | b'A'..=b'Z' | b'_' => {
                let j = start
                    + 1
                    + src[start + 1..]
                        .iter()
                        .position(|&c| !IDENT_CONT[c as usize])
                        .unwrap_or(src.len() - start - 1);
                if j < src.len() && src[j] >= 0x80 {
                    // Possibly a non-ASCII letter or digit continuing the identifier.
                    return self.by_logos(start);
                }
                let kind = match &src[start..j] {
                    b"true" | b"false" => Tok::Bool,
                    b"null" => Tok::Null,
                    _ => Tok::Ident,
                };
                (kind, j)
            }
            b'0'..=b'9' => self.number(start),
            b'"' => {
                let end = scan_string(src, start, b'"', true, false, &mut self.lex.extras);
                (Tok::String, end)
            }
            b'`' => {
                let end = scan_string(src, start, b'`', false, true, &mut self.lex.extras);
                (Tok::String, end)
            }
            b'\'' => {
                let ex = &mut self.lex.extras;
                ex.error(start, "illegal single-quoted string; use double quotes");
                let end = scan_string(src, start, b'\'', true, false, ex);
                (Tok::Illegal, end)
            }
            b'/' => match at(start + 1) {
                b'/' => (
                    Tok::Comment,
                    line_comment_end(src, start + 2, &mut self.lex.extras),
                ),
                b'*' => (
                    Tok::Comment,
                    block_comment_end(src, start, &mut self.lex.extras),
                ),
                _ => tok(Tok::Div, 1),
            },
            b'.' if at(start + 1).is_ascii_digit() => self.number(start),
            b'.' => tok(Tok::Dot, 1),
            b'{' => tok(Tok::LCurly, 1),
            b'}' => tok(Tok::RCurly, 1),
            b'(' => tok(Tok::LParen, 1),
            b')' => tok(Tok::RParen, 1),
            b'[' => tok(Tok::LBrack, 1),
            b']' => tok(Tok::RBrack, 1),
            b',' => tok(Tok::Comma, 1),
            b'+' => tok(Tok::Add, 1),
            b'-' => tok(Tok::Sub, 1),
            b'*' => tok(Tok::Mul, 1),
            b'%' => tok(Tok::Mod, 1),
            b'^' => tok(Tok::Pow, 1),
            b'=' if at(start + 1) == b'=' => tok(Tok::Eq, 2),
            b'=' => tok(Tok::Assign, 1),
            b'!' if at(start + 1) == b'=' => tok(Tok::Neq, 2),
            b'!' => tok(Tok::Not, 1),
            b'<' if at(start + 1) == b'=' => tok(Tok::Lte, 2),
            b'<' => tok(Tok::Lt, 1),
            b'>' if at(start + 1) == b'=' => tok(Tok::Gte, 2),
            b'>' => tok(Tok::Gt, 1),
            b'|' | b'&' if at(start + 1) == b => tok(if b == b'|' { Tok::Or } else { Tok::And }, 2),
            b'|' => {
                self.lex.extras.error(start + 1, "missing second | in ||");
                tok(Tok::Or, 1)
            }
            b'&' => {
                self.lex.extras.error(start + 1, "missing second & in &&");
                tok(Tok::And, 1)
            }
            _ => return self.by_logos(start),
        };
        self.pos = end;
        Self::read_ahead(&mut self.lex.extras, src, end);
        RawToken {
            kind,
            span: Span::new(start as Offset, end as Offset),
        }
    }

    /// A number starting at `start` (a digit, or a `.` before a digit): digits, an optional
    /// fraction, an optional exponent. Each part is optional once begun, so the longest match
    /// is the greedy one. An exponent without digits is still a float, with an error.
    #[inline]
    fn number(&mut self, start: usize) -> (Tok, usize) {
        let src = self.src;
        let digits = |mut j: usize| {
            while j < src.len() && src[j].is_ascii_digit() {
                j += 1;
            }
            j
        };
        let mut j = digits(start);
        let mut kind = Tok::Number;
        if j < src.len() && src[j] == b'.' {
            kind = Tok::Float;
            j = digits(j + 1);
        }
        if j < src.len() && (src[j] | 0x20) == b'e' {
            kind = Tok::Float;
            j += 1;
            if j < src.len() && matches!(src[j], b'+' | b'-') {
                j += 1;
            }
            let e = j;
            j = digits(j);
            if j == e {
                self.lex.extras.error(start, "exponent has no digits");
            }
        }
        (kind, j)
    }
}

impl Lexeme {
    /// What a logos token is as a raw token.
    fn kind(self) -> Tok {
        match self {
            Lexeme::Newline => Tok::Terminator,
            Lexeme::Ident => Tok::Ident,
            Lexeme::Bool => Tok::Bool,
            Lexeme::Null => Tok::Null,
            Lexeme::Number => Tok::Number,
            Lexeme::Float => Tok::Float,
            Lexeme::DoubleQuoted | Lexeme::RawString => Tok::String,
            Lexeme::SingleQuoted => Tok::Illegal,
            Lexeme::LineComment => Tok::Comment,
            Lexeme::BlockComment => Tok::Comment,
            Lexeme::Or => Tok::Or,
            Lexeme::And => Tok::And,
            Lexeme::Not => Tok::Not,
            Lexeme::Neq => Tok::Neq,
            Lexeme::Assign => Tok::Assign,
            Lexeme::Eq => Tok::Eq,
            Lexeme::Lt => Tok::Lt,
            Lexeme::Lte => Tok::Lte,
            Lexeme::Gt => Tok::Gt,
            Lexeme::Gte => Tok::Gte,
            Lexeme::Add => Tok::Add,
            Lexeme::Sub => Tok::Sub,
            Lexeme::Mul => Tok::Mul,
            Lexeme::Div => Tok::Div,
            Lexeme::Mod => Tok::Mod,
            Lexeme::Pow => Tok::Pow,
            Lexeme::LCurly => Tok::LCurly,
            Lexeme::RCurly => Tok::RCurly,
            Lexeme::LParen => Tok::LParen,
            Lexeme::RParen => Tok::RParen,
            Lexeme::LBrack => Tok::LBrack,
            Lexeme::RBrack => Tok::RBrack,
            Lexeme::Comma => Tok::Comma,
            Lexeme::Dot => Tok::Dot,
        }
    }
}

/// A comment's text as upstream keeps it: a final `\r` removed, and every other `\r` removed
/// too, except in a block comment a `\r` between a `*` (past the opening `/*`) and the closing
/// `/`, which must stay so the comment still ends where it did.
pub fn comment_text(raw: &str) -> std::borrow::Cow<'_, str> {
    if !raw.contains('\r') {
        return std::borrow::Cow::Borrowed(raw);
    }
    let raw = raw.strip_suffix('\r').unwrap_or(raw);
    let block = raw.as_bytes().get(1) == Some(&b'*');
    let b = raw.as_bytes();
    let mut out: Vec<u8> = Vec::with_capacity(b.len());
    for (j, &c) in b.iter().enumerate() {
        if c != b'\r'
            || (block && out.len() > 2 && out[out.len() - 1] == b'*' && b.get(j + 1) == Some(&b'/'))
        {
            out.push(c);
        }
    }
    // Only ASCII '\r' bytes were removed, so the text is still valid UTF-8.
    std::borrow::Cow::Owned(String::from_utf8_lossy(&out).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lex_all(src: &str) -> (Vec<(Tok, String)>, Vec<LexError>) {
        let mut l = RawLexer::new(src.as_bytes());
        let mut out = Vec::new();
        loop {
            let t = l.next_raw();
            if t.kind == Tok::Eof {
                break;
            }
            out.push((
                t.kind,
                String::from_utf8_lossy(
                    &src.as_bytes()[t.span.start as usize..t.span.end as usize],
                )
                .into_owned(),
            ));
        }
        (out, l.take_errors())
    }

    #[test]
    fn basic_tokens() {
        let (toks, errs) = lex_all("a.b = 1.5e3 + .5 // hi\n");
        assert!(errs.is_empty(), "{errs:?}");
        let kinds: Vec<_> = toks.iter().map(|t| t.0).collect();
        assert_eq!(
            kinds,
            vec![
                Tok::Ident,
                Tok::Dot,
                Tok::Ident,
                Tok::Assign,
                Tok::Float,
                Tok::Add,
                Tok::Float,
                Tok::Comment,
                Tok::Terminator,
            ]
        );
        assert_eq!(toks[4].1, "1.5e3");
    }

    #[test]
    fn numbers_are_greedy() {
        let (toks, _) = lex_all("1.2.3 1.foo 0x10 1_000 08");
        let texts: Vec<_> = toks.iter().map(|t| t.1.as_str()).collect();
        assert_eq!(
            texts,
            vec!["1.2", ".3", "1.", "foo", "0", "x10", "1", "_000", "08"]
        );
    }

    #[test]
    fn illegal_characters() {
        let (toks, errs) = lex_all("a … b");
        assert_eq!(toks[1], (Tok::Illegal, "…".to_string()));
        assert_eq!(errs[0].message, "illegal character U+2026 '…'");
        let (_, errs) = lex_all("#");
        assert_eq!(errs[0].message, "illegal character U+0023 '#'");
    }

    #[test]
    fn nul_after_ident_reported_twice_like_upstream() {
        let (_, errs) = lex_all("abc\0");
        let msgs: Vec<_> = errs
            .iter()
            .map(|e| (e.offset, e.message.as_str()))
            .collect();
        assert_eq!(
            msgs,
            vec![
                (3, "illegal character NUL"),
                (3, "illegal character U+0000")
            ]
        );
    }

    /// Every token and error, as a comparable list.
    fn run(src: &[u8], logos_only: bool) -> (Vec<RawToken>, Vec<LexError>) {
        let mut l = RawLexer::new(src);
        l.logos_only = logos_only;
        let mut toks = Vec::new();
        loop {
            let t = l.next_raw();
            if t.kind == Tok::Eof {
                break;
            }
            toks.push(t);
        }
        assert_eq!(l.next_raw().kind, Tok::Eof, "stays finished");
        (toks, l.take_errors())
    }

    /// Pieces that exercise every token, every fast-path exit and every error.
    const PIECES: &[&[u8]] = &[
        b"a",
        b"Z_9",
        b"true",
        b"false",
        b"null",
        b"nul",
        b"trueX",
        "\u{e9}".as_bytes(),
        "\u{2026}".as_bytes(),
        "\u{96c}".as_bytes(),
        "\u{feff}".as_bytes(),
        b"\xff",
        b"\xe2\x80",
        b"\0",
        b"0",
        b"17",
        b".",
        b"e",
        b"E",
        b"+",
        b"-",
        b"\"",
        b"\\",
        b"\\x4",
        b"\\u",
        b"\\q",
        b"\\n",
        b"`",
        b"'",
        b"/",
        b"*",
        b"//",
        b"/*",
        b"*/",
        b"\n",
        b" ",
        b"\t",
        b"\r",
        b"|",
        b"&",
        b"=",
        b"!",
        b"<",
        b">",
        b"#",
        b"$",
        b"@",
        b"\x0b",
        b"{",
        b"}",
        b"(",
        b")",
        b"[",
        b"]",
        b",",
        b"%",
        b"^",
        b"x",
    ];

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(4000))]
        #[test]
        fn fast_path_agrees_with_logos(
            idx in proptest::collection::vec(0..PIECES.len(), 0..24)
        ) {
            let src: Vec<u8> = idx.iter().flat_map(|&i| PIECES[i].iter().copied()).collect();
            proptest::prop_assert_eq!(run(&src, false), run(&src, true), "{:?}", String::from_utf8_lossy(&src));
        }
    }

    #[test]
    fn fast_path_agrees_on_edges() {
        for src in [
            &b""[..],
            b"1.e",
            b"1.eoo",
            b"1e+",
            b"1E-5x",
            b".5e",
            b"1..2",
            b"a\xc3\xa9b",
            b"\xef\xbb\xbfa",
            b"\xef\xbb\xbf",
            b"x\0",
            b"\"abc",
            b"`a\nb` c",
            b"'x'",
            b"a|b&c||d&&e",
            b"/* x",
            b"// \xff\n",
        ] {
            assert_eq!(
                run(src, false),
                run(src, true),
                "{:?}",
                String::from_utf8_lossy(src)
            );
        }
    }

    #[test]
    fn escapes() {
        let (_, errs) = lex_all(r#""\q""#);
        assert_eq!(errs[0].message, "unknown escape sequence");
        assert_eq!(errs[0].offset, 2);
        let (_, errs) = lex_all(r#""\x4g""#);
        assert_eq!(
            errs[0].message,
            "illegal character U+0067 'g' in escape sequence"
        );
        let (_, errs) = lex_all(r#""\uD800""#);
        assert_eq!(
            errs[0].message,
            "escape sequence is invalid Unicode code point"
        );
        let (_, errs) = lex_all(r#""\'""#);
        assert_eq!(errs[0].message, "unknown escape sequence");
        let (_, errs) = lex_all("\"\\");
        assert_eq!(errs[0].message, "escape sequence not terminated");
    }
}
