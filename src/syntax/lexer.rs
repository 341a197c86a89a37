//! The lexer: bytes → raw tokens (including newlines and comments), with upstream's error texts.
//!
//! Token recognition is a logos automaton; literals whose bodies need character-by-character
//! checks (numbers, strings, comments) are finished by small hand-written callbacks. Every
//! character read inside them goes through [`Extras::check_char`], which reports NUL bytes,
//! invalid UTF-8 and stray byte order marks wherever they occur, as upstream does.
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
use super::token::Tok;

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

/// Scans a quoted string body after its opening quote at `start`, up to and including `until`.
/// Returns the end offset. `escapes` enables backslash escapes; `multiline` allows newlines.
fn scan_string(
    src: &[u8],
    start: usize,
    until: u8,
    escapes: bool,
    multiline: bool,
    ex: &mut Extras,
) -> usize {
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
    let src = lex.source();
    let from = lex.span().end;
    let end = memchr::memchr(b'\n', &src[from..]).map_or(src.len(), |j| from + j);
    // Only bytes that could be NUL, non-ASCII or a byte order mark need checking.
    if src[from..end].iter().any(|&b| b == 0 || b >= 0x80) {
        let mut i = from;
        while i < end {
            i += lex.extras.check_char(src, i);
        }
    }
    lex.bump(end - from);
}

fn block_comment(lex: &mut Lex<'_>) {
    let src = lex.source();
    let start = lex.span().start;
    let from = lex.span().end;
    let (end, closed) = match memchr::memmem::find(&src[from..], b"*/") {
        Some(j) => (from + j + 2, true),
        None => (src.len(), false),
    };
    if src[from..end].iter().any(|&b| b == 0 || b >= 0x80) {
        let mut i = from;
        while i < end {
            i += lex.extras.check_char(src, i);
        }
    }
    if !closed {
        lex.extras.error(start, "block comment not terminated");
    }
    lex.bump(end - from);
}

/// What the lexer found.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum RawKind {
    /// A token the parser sees as is.
    Tok(Tok),
    /// A `\n`.
    Newline,
    /// A `//` comment (without its newline).
    LineComment,
    /// A `/* */` comment.
    BlockComment,
    /// An illegal character: an `ILLEGAL` token that does not change terminator insertion.
    IllegalChar,
}

/// A raw token with its span.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct RawToken {
    /// What was found.
    pub kind: RawKind,
    /// Where.
    pub span: Span,
}

/// Iterates over the raw tokens of a source, collecting errors in [`RawLexer::take_errors`].
pub struct RawLexer<'s> {
    lex: Lex<'s>,
    src: &'s [u8],
    done: bool,
}

impl<'s> RawLexer<'s> {
    /// Starts lexing `src`. A byte order mark at the very start is skipped.
    pub fn new(src: &'s [u8]) -> RawLexer<'s> {
        let mut lex = Lexeme::lexer_with_extras(src, Extras::default());
        if src.starts_with("\u{FEFF}".as_bytes()) {
            lex.bump(3);
            Self::read_ahead(&mut lex.extras, src, 3);
        }
        RawLexer {
            lex,
            src,
            done: false,
        }
    }

    /// Errors reported so far, in order; the list is emptied.
    pub fn take_errors(&mut self) -> Vec<LexError> {
        std::mem::take(&mut self.lex.extras.errors)
    }

    /// True when errors are waiting in [`RawLexer::take_errors`].
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
            kind: RawKind::IllegalChar,
            span: Span::new(off as Offset, (off + d.width) as Offset),
        }
    }

    /// The next raw token, or `None` at end of input.
    #[inline(always)]
    pub fn next_raw(&mut self) -> Option<RawToken> {
        if self.done {
            return None;
        }
        let item = match self.lex.next() {
            Some(item) => item,
            None => {
                self.done = true;
                return None;
            }
        };
        let span = self.lex.span();
        let tok = match item {
            Ok(lexeme) => {
                let kind = match lexeme {
                    Lexeme::Newline => RawKind::Newline,
                    Lexeme::Ident => RawKind::Tok(Tok::Ident),
                    Lexeme::Bool => RawKind::Tok(Tok::Bool),
                    Lexeme::Null => RawKind::Tok(Tok::Null),
                    Lexeme::Number => RawKind::Tok(Tok::Number),
                    Lexeme::Float => RawKind::Tok(Tok::Float),
                    Lexeme::DoubleQuoted | Lexeme::RawString => RawKind::Tok(Tok::String),
                    Lexeme::SingleQuoted => RawKind::Tok(Tok::Illegal),
                    Lexeme::LineComment => RawKind::LineComment,
                    Lexeme::BlockComment => RawKind::BlockComment,
                    Lexeme::Or => RawKind::Tok(Tok::Or),
                    Lexeme::And => RawKind::Tok(Tok::And),
                    Lexeme::Not => RawKind::Tok(Tok::Not),
                    Lexeme::Neq => RawKind::Tok(Tok::Neq),
                    Lexeme::Assign => RawKind::Tok(Tok::Assign),
                    Lexeme::Eq => RawKind::Tok(Tok::Eq),
                    Lexeme::Lt => RawKind::Tok(Tok::Lt),
                    Lexeme::Lte => RawKind::Tok(Tok::Lte),
                    Lexeme::Gt => RawKind::Tok(Tok::Gt),
                    Lexeme::Gte => RawKind::Tok(Tok::Gte),
                    Lexeme::Add => RawKind::Tok(Tok::Add),
                    Lexeme::Sub => RawKind::Tok(Tok::Sub),
                    Lexeme::Mul => RawKind::Tok(Tok::Mul),
                    Lexeme::Div => RawKind::Tok(Tok::Div),
                    Lexeme::Mod => RawKind::Tok(Tok::Mod),
                    Lexeme::Pow => RawKind::Tok(Tok::Pow),
                    Lexeme::LCurly => RawKind::Tok(Tok::LCurly),
                    Lexeme::RCurly => RawKind::Tok(Tok::RCurly),
                    Lexeme::LParen => RawKind::Tok(Tok::LParen),
                    Lexeme::RParen => RawKind::Tok(Tok::RParen),
                    Lexeme::LBrack => RawKind::Tok(Tok::LBrack),
                    Lexeme::RBrack => RawKind::Tok(Tok::RBrack),
                    Lexeme::Comma => RawKind::Tok(Tok::Comma),
                    Lexeme::Dot => RawKind::Tok(Tok::Dot),
                };
                RawToken {
                    kind,
                    span: Span::new(span.start as Offset, span.end as Offset),
                }
            }
            Err(()) => self.illegal(span.start),
        };
        Self::read_ahead(&mut self.lex.extras, self.src, tok.span.end as usize);
        Some(tok)
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

    fn lex_all(src: &str) -> (Vec<(RawKind, String)>, Vec<LexError>) {
        let mut l = RawLexer::new(src.as_bytes());
        let mut out = Vec::new();
        while let Some(t) = l.next_raw() {
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
                RawKind::Tok(Tok::Ident),
                RawKind::Tok(Tok::Dot),
                RawKind::Tok(Tok::Ident),
                RawKind::Tok(Tok::Assign),
                RawKind::Tok(Tok::Float),
                RawKind::Tok(Tok::Add),
                RawKind::Tok(Tok::Float),
                RawKind::LineComment,
                RawKind::Newline,
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
        assert_eq!(toks[1], (RawKind::IllegalChar, "…".to_string()));
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
