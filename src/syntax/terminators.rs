//! Automatic statement terminators (§2.8): the pass between the lexer and the parser.
//!
//! After an identifier, a literal, `)`, `]`, `}` or a single-quoted string, the next newline
//! (or the end of input) becomes a `TERMINATOR` token. A comment that runs to the end of the
//! line yields the terminator *before* the comment, positioned at the comment's start. Every
//! other newline is dropped.

use super::chars;
use super::lexer::{LexError, RawLexer, RawToken};
use super::pos::{Offset, Span};
use super::token::{Tok, Token};

/// Produces parser tokens (comments included) from a source.
pub struct Scanner<'s> {
    raw: RawLexer<'s>,
    src: &'s [u8],
    insert_term: bool,
    insert_terms: bool,
    /// A comment token to return after the terminator inserted before it.
    pending: Option<Token>,
    eof_returned: bool,
    extra_errors: Vec<LexError>,
}

impl<'s> Scanner<'s> {
    /// A scanner over `src` with terminator insertion on.
    pub fn new(src: &'s [u8]) -> Scanner<'s> {
        Scanner {
            raw: RawLexer::new(src),
            src,
            insert_term: false,
            insert_terms: true,
            pending: None,
            eof_returned: false,
            extra_errors: Vec::new(),
        }
    }

    /// A scanner that never inserts terminators (upstream's test-only mode).
    pub fn without_terminators(src: &'s [u8]) -> Scanner<'s> {
        let mut s = Scanner::new(src);
        s.insert_terms = false;
        s
    }

    /// Errors found so far, in the order upstream reports them; the list is emptied.
    pub fn take_errors(&mut self) -> Vec<LexError> {
        let mut errs = std::mem::take(&mut self.extra_errors);
        errs.extend(self.raw.take_errors());
        errs
    }

    /// True when errors are waiting.
    pub fn has_errors(&self) -> bool {
        !self.extra_errors.is_empty() || self.raw.has_errors()
    }

    /// The next token. After `EOF` it keeps returning `EOF`.
    #[inline]
    pub fn scan(&mut self) -> Token {
        if let Some(t) = self.pending.take() {
            return t;
        }
        loop {
            let raw = self.raw.next_raw();
            match raw.kind {
                // A newline.
                Tok::Terminator => {
                    if self.insert_term {
                        self.insert_term = false;
                        return raw;
                    }
                }
                Tok::Comment => {
                    if self.insert_term && self.runs_to_line_end(raw) {
                        self.insert_term = false;
                        self.pending = Some(raw);
                        return Token {
                            kind: Tok::Terminator,
                            span: Span::new(raw.span.start, raw.span.start),
                        };
                    }
                    if self.insert_terms {
                        self.insert_term = false;
                    }
                    return raw;
                }
                Tok::Eof => {
                    if self.insert_term {
                        self.insert_term = false;
                        return Token {
                            kind: Tok::Terminator,
                            span: raw.span,
                        };
                    }
                    self.eof_returned = true;
                    return raw;
                }
                // An illegal character, unlike a single-quoted string, leaves insertion as is.
                Tok::Illegal if self.src[raw.span.start as usize] != b'\'' => return raw,
                kind => {
                    self.insert_term = self.insert_terms && ends_operand(kind);
                    return raw;
                }
            }
        }
    }

    /// Upstream's `findLineEnd`: does this comment (and any block comments after it on the
    /// same line) run to the end of the line or file? Upstream decodes the characters it looks
    /// at here and reports their errors, so a bad byte inside such a comment is reported twice;
    /// this does the same.
    fn runs_to_line_end(&mut self, c: RawToken) -> bool {
        let src = self.src;
        let mut i = c.span.start as usize + 1; // at the second character: '/' or '*'
        let read = |i: usize, errs: &mut Vec<LexError>| -> usize {
            if i >= src.len() {
                return 0;
            }
            let b = src[i];
            if b != 0 && b < 0x80 {
                return 1;
            }
            let d = chars::decode(&src[i..]);
            let msg = match d.ch {
                Some('\0') => Some("illegal character NUL"),
                None => Some("illegal UTF-8 encoding"),
                Some(chars::BOM) => Some("illegal byte order mark"),
                _ => None,
            };
            if let Some(m) = msg {
                errs.push(LexError {
                    offset: i as Offset,
                    message: m.to_string(),
                });
            }
            d.width
        };
        let mut errs = Vec::new();
        let result = loop {
            if i >= src.len() || (src[i] != b'/' && src[i] != b'*') {
                break false;
            }
            if src[i] == b'/' {
                break true;
            }
            // Inside a block comment: look for a newline before its end.
            i += 1;
            let mut found_newline = false;
            while i < src.len() {
                let ch = src[i];
                if ch == b'\n' {
                    found_newline = true;
                    break;
                }
                i += read(i, &mut errs);
                if ch == b'*' && i < src.len() && src[i] == b'/' {
                    i += 1;
                    break;
                }
            }
            if found_newline {
                break true;
            }
            while i < src.len() && matches!(src[i], b' ' | b'\t' | b'\r') {
                i += 1;
            }
            if i >= src.len() || src[i] == b'\n' {
                break true;
            }
            if src[i] != b'/' {
                read(i, &mut errs);
                break false;
            }
            i += 1;
            read(i, &mut errs);
        };
        // Only the re-reads duplicate upstream's reports; the comment's own scan already ran,
        // so these belong before the comment's errors in upstream's order. Upstream reports
        // them first; we insert them ahead of anything the lexer queued for this comment.
        if !errs.is_empty() {
            let mut queued = self.raw.take_errors();
            let at = queued
                .iter()
                .position(|e| e.offset >= c.span.start)
                .unwrap_or(queued.len());
            let tail = queued.split_off(at);
            self.extra_errors.extend(queued);
            self.extra_errors.extend(errs);
            self.extra_errors.extend(tail);
        }
        result
    }
}

/// Tokens after which a newline ends the statement: identifiers, literals and closers.
#[inline(always)]
fn ends_operand(kind: Tok) -> bool {
    const fn bit(t: Tok) -> u64 {
        1 << t as u8
    }
    const MASK: u64 = bit(Tok::Ident)
        | bit(Tok::Bool)
        | bit(Tok::Null)
        | bit(Tok::Number)
        | bit(Tok::Float)
        | bit(Tok::String)
        | bit(Tok::Illegal)
        | bit(Tok::RParen)
        | bit(Tok::RBrack)
        | bit(Tok::RCurly);
    MASK >> kind as u8 & 1 != 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(src: &str) -> Vec<Tok> {
        let mut s = Scanner::new(src.as_bytes());
        let mut out = Vec::new();
        loop {
            let t = s.scan();
            out.push(t.kind);
            if t.kind == Tok::Eof {
                break;
            }
        }
        out
    }

    #[test]
    fn terminators_after_operands_only() {
        use Tok::*;
        assert_eq!(
            kinds("a = 1\n"),
            vec![Ident, Assign, Number, Terminator, Eof]
        );
        assert_eq!(
            kinds("a =\n1"),
            vec![Ident, Assign, Number, Terminator, Eof]
        );
        assert_eq!(
            kinds("[\n1,\n]\n"),
            vec![LBrack, Number, Comma, RBrack, Terminator, Eof]
        );
        assert_eq!(
            kinds("x // c\ny"),
            vec![Ident, Terminator, Comment, Ident, Terminator, Eof]
        );
        assert_eq!(
            kinds("x /* c */ y"),
            vec![Ident, Comment, Ident, Terminator, Eof]
        );
        assert_eq!(
            kinds("x /* c */\ny"),
            vec![Ident, Terminator, Comment, Ident, Terminator, Eof]
        );
        assert_eq!(
            kinds("x /* a\nb */ y"),
            vec![Ident, Terminator, Comment, Ident, Terminator, Eof]
        );
    }

    #[test]
    fn terminator_before_comment_is_at_comment_start() {
        let mut s = Scanner::new(b"x // c");
        s.scan();
        let t = s.scan();
        assert_eq!((t.kind, t.span.start), (Tok::Terminator, 2));
    }
}
