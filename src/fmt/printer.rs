//! The printer state machine: buffers abstract whitespace between tokens, merges comments in by
//! source position, and writes text for the tab writer.
//!
//! Output must match upstream byte for byte, so this keeps upstream's model exactly, including
//! its approximate "AST-space" position (`pos`), which decides where comments go: it is set
//! from real token positions where the walker supplies them and otherwise advanced by the
//! length of the text written.
//!
//! Deliberate differences, each where upstream's output would change the meaning of the file
//! (listed in docs/compatibility.md):
//! * parts of string literals that the tab writer or trimmer would alter (tabs, `\v`, `\f`,
//!   blanks before a newline in a raw string) are escaped from them;
//! * after a `//` comment the next token always starts on a new line.

use super::tabwriter::ESCAPE;
use crate::syntax::ast::Ast;
use crate::syntax::pos::Offset;

/// Abstract whitespace queued between tokens.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Ws {
    /// Dropped entry.
    Ignore,
    /// One space.
    Blank,
    /// An alignment cell separator.
    VTab,
    /// A line break.
    Newline,
    /// A line break that also ends an alignment section.
    Formfeed,
    /// One more level of indentation.
    Indent,
    /// One less level of indentation.
    Unindent,
}

impl Ws {
    fn byte(self) -> u8 {
        match self {
            Ws::Blank => b' ',
            Ws::VTab => b'\x0b',
            Ws::Newline => b'\n',
            Ws::Formfeed => b'\x0c',
            _ => 0,
        }
    }
}

/// What the last written item was, for deciding when two tokens would fuse.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Last {
    /// Whitespace, or nothing yet.
    Space,
    /// A number literal (a following `.` needs a space).
    Number,
    /// The `/` operator (a following `*` needs a space).
    Div,
    /// Anything else.
    Other,
}

/// A position in upstream's sense: offset, line and column.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Pos {
    /// Byte offset.
    pub offset: i64,
    /// 1-based line.
    pub line: i64,
    /// 1-based column.
    pub col: i64,
}

const WS_CAPACITY: usize = 16;
const MAX_NEWLINES: i64 = 2;

/// The printer. The walker calls the `write_*` methods in token order.
pub struct Printer<'a> {
    ast: &'a Ast,
    /// Raw output for the tab writer.
    pub output: Vec<u8>,
    indent: i64,
    last_tok: Last,
    whitespace: Vec<Ws>,
    /// Index of the next comment to place.
    next_comment: usize,
    pos: Pos,
    last: Pos,
    out_line: i64,
    out_col: i64,
    line_hint: std::cell::Cell<usize>,
}

impl<'a> Printer<'a> {
    /// A printer over `ast`'s comments.
    pub fn new(ast: &'a Ast, with_comments: bool) -> Printer<'a> {
        Printer {
            ast,
            output: Vec::with_capacity(ast.source.len() + ast.source.len() / 8),
            indent: 0,
            last_tok: Last::Space,
            whitespace: Vec::with_capacity(WS_CAPACITY),
            next_comment: if with_comments { 0 } else { ast.comments.len() },
            pos: Pos {
                offset: 0,
                line: 1,
                col: 1,
            },
            last: Pos {
                offset: 0,
                line: 0,
                col: 0,
            },
            out_line: 1,
            out_col: 1,
            line_hint: std::cell::Cell::new(0),
        }
    }

    /// Upstream position of a source offset.
    pub fn source_pos(&self, off: Offset) -> Pos {
        let lc = self.ast.lines.line_col_near(off, &self.line_hint);
        Pos {
            offset: off as i64,
            line: lc.line as i64,
            col: lc.col as i64,
        }
    }

    /// 1-based source line of an offset.
    pub fn line(&self, off: Offset) -> u32 {
        self.ast.lines.line_col_near(off, &self.line_hint).line
    }

    /// Sets the AST-space position (a walker instruction; writes nothing).
    pub fn set_pos(&mut self, off: Offset) {
        self.pos = self.source_pos(off);
    }

    /// Queues whitespace.
    pub fn ws(&mut self, w: Ws) {
        if w == Ws::Ignore {
            return;
        }
        if self.whitespace.len() == WS_CAPACITY {
            let n = self.whitespace.len();
            self.write_whitespace(n);
        }
        self.whitespace.push(w);
        self.last_tok = Last::Space;
    }

    /// Writes an identifier or a literal's text.
    pub fn text(&mut self, s: &str, kind: Last) {
        self.last_tok = kind;
        let next = self.pos;
        self.flush(next, false);
        self.write_string(next, s.as_bytes(), s.len(), false);
    }

    /// Writes a string literal, escaping from the tab writer and trimmer the characters they
    /// would otherwise alter.
    pub fn string_literal(&mut self, s: &str) {
        self.last_tok = Last::Other;
        let next = self.pos;
        self.flush(next, false);
        match protect_literal(s) {
            None => self.write_string(next, s.as_bytes(), s.len(), false),
            Some(protected) => self.write_string(next, &protected, s.len(), false),
        }
    }

    /// Writes an operator or punctuation token.
    pub fn token(&mut self, s: &'static str) {
        let first = s.as_bytes()[0];
        let fuse = matches!(
            (self.last_tok, first),
            (Last::Number, b'.') | (Last::Div, b'*')
        );
        if fuse {
            // Without a space the two tokens would scan differently.
            self.whitespace.clear();
            self.whitespace.push(Ws::Blank);
        }
        self.last_tok = if s == "/" { Last::Div } else { Last::Other };
        let next = self.pos;
        self.flush(next, false);
        self.write_string(next, s.as_bytes(), s.len(), false);
    }

    /// Writes whatever comments remain (end of file).
    pub fn finish(&mut self) {
        let end = Pos {
            offset: i64::MAX,
            line: i64::MAX,
            col: i64::MAX,
        };
        self.flush(end, true);
    }

    fn comment_before(&self, next: Pos) -> bool {
        self.ast
            .comments
            .get(self.next_comment)
            .is_some_and(|c| (c.span.start as i64) <= next.offset)
    }

    fn flush(&mut self, next: Pos, eof: bool) {
        if self.comment_before(next) {
            self.inject_comments(next, eof);
        } else if !eof {
            let n = self.whitespace.len();
            self.write_whitespace(n);
        }
    }

    fn inject_comments(&mut self, next: Pos, eof: bool) {
        let mut last_comment = None;
        while self.comment_before(next) {
            let c = self.ast.comments[self.next_comment];
            self.next_comment += 1;
            self.write_comment_prefix(next, c.span.start);
            let text = crate::syntax::lexer::comment_text(self.ast.text(c.span)).into_owned();
            let start = self.source_pos(c.span.start);
            self.write_string(start, text.as_bytes(), text.len(), true);
            last_comment = Some((c.span.start, text));
        }
        if let Some((start, text)) = last_comment {
            self.write_comment_suffix(next, eof, start, &text);
        }
    }

    fn write_comment_prefix(&mut self, next: Pos, start: Offset) {
        if self.output.is_empty() {
            return;
        }
        let cpos = self.source_pos(start);
        if cpos.line == self.last.line {
            let sep = if cpos.line == next.line { b' ' } else { b'\t' };
            self.write_byte(sep, 1);
        } else {
            // Drop the first pending blank or line break (our own breaks follow); let queued
            // indentation changes before it take effect first.
            let mut count = 0;
            for i in 0..self.whitespace.len() {
                match self.whitespace[i] {
                    Ws::Indent | Ws::Unindent => continue,
                    Ws::Blank | Ws::VTab | Ws::Newline | Ws::Formfeed => {
                        self.whitespace[i] = Ws::Ignore
                    }
                    Ws::Ignore => {}
                }
                count = i;
                break;
            }
            self.write_whitespace(count);
            let newlines = if self.last.line > 0 {
                cpos.line - self.last.line
            } else {
                0
            };
            if newlines > 0 {
                self.write_byte(b'\x0c', newlines.min(MAX_NEWLINES) as usize);
            }
        }
    }

    fn write_comment_suffix(&mut self, next: Pos, eof: bool, start: Offset, text: &str) {
        if eof {
            return;
        }
        let is_block = text.as_bytes().get(1) == Some(&b'*');
        let end_line = self
            .source_pos(start + text.len().saturating_sub(1) as Offset)
            .line;
        if is_block && next.line == end_line {
            self.write_byte(b' ', 1);
        }
        let mut newlines = next.line - self.last.line;
        let mut dropped_ff = false;
        for w in self.whitespace.iter_mut() {
            match *w {
                Ws::Blank | Ws::VTab => *w = Ws::Ignore,
                Ws::Newline | Ws::Formfeed => {
                    dropped_ff |= *w == Ws::Formfeed;
                    *w = Ws::Ignore;
                }
                _ => {}
            }
        }
        let n = self.whitespace.len();
        self.write_whitespace(n);
        if !is_block && newlines <= 0 {
            // Upstream can put the next token after a `//` comment on the same line (its
            // position estimate lags), which comments the token out. Always break the line.
            newlines = 1;
        }
        if newlines > 0 {
            let ch = if dropped_ff { b'\x0c' } else { b'\n' };
            self.write_byte(ch, newlines.min(MAX_NEWLINES) as usize);
        }
    }

    /// Writes `data` (which stands for `logical_len` bytes of source) at AST position `pos`.
    fn write_string(&mut self, pos: Pos, data: &[u8], logical_len: usize, escaped: bool) {
        if self.out_col == 1 {
            self.write_indent();
        }
        if pos.line > 0 {
            self.pos = pos;
        }
        if escaped {
            self.output.push(ESCAPE);
        }
        self.output.extend_from_slice(data);
        if escaped {
            self.output.push(ESCAPE);
        }
        let mut newlines = 0;
        let mut last_nl = 0;
        if data.len() > 2 {
            for i in memchr::memchr2_iter(b'\n', b'\x0c', data) {
                newlines += 1;
                last_nl = i;
            }
        } else {
            for (i, &c) in data.iter().enumerate() {
                if c == b'\n' || c == b'\x0c' {
                    newlines += 1;
                    last_nl = i;
                }
            }
        }
        self.pos.offset += logical_len as i64;
        if newlines > 0 {
            self.pos.line += newlines;
            self.out_line += newlines;
            let col = (data.len() - last_nl) as i64;
            self.pos.col = col;
            self.out_col = col;
        } else {
            self.pos.col += logical_len as i64;
            self.out_col += logical_len as i64;
        }
        self.last = self.pos;
    }

    fn write_indent(&mut self) {
        let depth = self.indent.max(0);
        for _ in 0..depth {
            self.output.push(b'\t');
        }
        self.pos.offset += depth;
        self.pos.col += depth;
        self.out_col += depth;
    }

    fn write_byte(&mut self, ch: u8, n: usize) {
        if self.out_col == 1 {
            self.write_indent();
        }
        for _ in 0..n {
            self.output.push(ch);
        }
        let n = n as i64;
        self.pos.offset += n;
        if ch == b'\n' || ch == b'\x0c' {
            self.pos.line += n;
            self.out_line += n;
            self.pos.col = 1;
            self.out_col = 1;
        } else {
            self.pos.col += n;
            self.out_col += n;
        }
    }

    fn write_whitespace(&mut self, n: usize) {
        for i in 0..n {
            match self.whitespace[i] {
                Ws::Ignore => {}
                Ws::Indent => self.indent += 1,
                // The walker balances indents; never go below zero even if it did not.
                Ws::Unindent => self.indent = (self.indent - 1).max(0),
                w => self.write_byte(w.byte(), 1),
            }
        }
        self.whitespace.drain(..n);
    }
}

/// Wraps the characters of a string literal that the tab writer or the trimmer would change in
/// escape bytes. `None` when nothing needs protecting (the common case).
fn protect_literal(s: &str) -> Option<Vec<u8>> {
    let b = s.as_bytes();
    let needs = |i: usize| -> bool {
        match b[i] {
            b'\t' | b'\x0b' | b'\x0c' => true,
            b' ' => {
                // A run of blanks that reaches a newline would be trimmed.
                let mut j = i;
                while j < b.len() && (b[j] == b' ' || b[j] == b'\t') {
                    j += 1;
                }
                j < b.len() && b[j] == b'\n'
            }
            _ => false,
        }
    };
    if !(0..b.len()).any(needs) {
        return None;
    }
    let mut out = Vec::with_capacity(b.len() + 8);
    let mut i = 0;
    while i < b.len() {
        if needs(i) {
            out.push(ESCAPE);
            while i < b.len() && needs(i) {
                out.push(b[i]);
                i += 1;
            }
            out.push(ESCAPE);
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    Some(out)
}
