//! Byte offsets, spans and their line/column positions.
//!
//! The parser stores only `u32` byte offsets; a [`LineIndex`] built once per file turns them
//! into the `line:col` positions users see. Columns count **bytes** from the start of the line
//! (plus one), exactly as upstream does, so a tab is one column and `é` is two.

use std::fmt;

/// A byte offset into one source file.
pub type Offset = u32;

/// A half-open byte range `start..end` in one source file.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Span {
    /// Offset of the first byte.
    pub start: Offset,
    /// Offset one past the last byte.
    pub end: Offset,
}

impl Span {
    /// A span from `start` to `end` (exclusive).
    pub fn new(start: Offset, end: Offset) -> Span {
        Span { start, end }
    }

    /// Length in bytes.
    pub fn len(&self) -> usize {
        (self.end - self.start) as usize
    }

    /// True when the span covers no bytes.
    pub fn is_empty(&self) -> bool {
        self.start == self.end
    }

    /// The text this span covers in `src`.
    pub fn text<'a>(&self, src: &'a str) -> &'a str {
        &src[self.start as usize..self.end as usize]
    }

    /// Offset of the last byte of the span (inclusive end), as upstream's `EndPos`.
    pub fn last(&self) -> Offset {
        if self.end > self.start {
            self.end - 1
        } else {
            self.start
        }
    }
}

/// A 1-based line and byte column. A line of 0 means "no position".
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LineCol {
    /// 1-based line number; 0 when the position is unknown.
    pub line: u32,
    /// 1-based byte column; 0 means "no column".
    pub col: u32,
}

impl LineCol {
    /// True when this names a real position.
    pub fn is_valid(&self) -> bool {
        self.line > 0
    }
}

/// A position as users see it: file name, line and column, and the byte offset it came from.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Position {
    /// File name; empty for expressions that come from no file.
    pub file: std::sync::Arc<str>,
    /// Byte offset in the file.
    pub offset: Offset,
    /// Line and column.
    pub lc: LineCol,
}

impl Position {
    /// A position that names no place (prints as the file name, or `-`).
    pub fn none(file: std::sync::Arc<str>) -> Position {
        Position {
            file,
            offset: 0,
            lc: LineCol::default(),
        }
    }

    /// True when the position has a line.
    pub fn is_valid(&self) -> bool {
        self.lc.is_valid()
    }
}

impl fmt::Display for Position {
    /// Upstream's rendering: `file:line:col`, `line:col` without a file, the file alone (or `-`)
    /// without a line, and no column when it is 0.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut wrote = false;
        if !self.file.is_empty() {
            f.write_str(&self.file)?;
            wrote = true;
        }
        if self.lc.is_valid() {
            if wrote {
                f.write_str(":")?;
            }
            write!(f, "{}", self.lc.line)?;
            if self.lc.col != 0 {
                write!(f, ":{}", self.lc.col)?;
            }
            wrote = true;
        }
        if !wrote {
            f.write_str("-")?;
        }
        Ok(())
    }
}

/// Start offsets of every line of a file, for offset → line/column lookups.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LineIndex {
    starts: Vec<Offset>,
}

impl LineIndex {
    /// Indexes `src`: a new line starts after every `\n` (and only `\n`).
    pub fn new(src: &[u8]) -> LineIndex {
        let mut starts = Vec::with_capacity(src.len() / 32 + 1);
        starts.push(0);
        starts.extend(memchr::memchr_iter(b'\n', src).map(|i| (i + 1) as Offset));
        LineIndex { starts }
    }

    /// Line and column of `offset`.
    pub fn line_col(&self, offset: Offset) -> LineCol {
        let line = match self.starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i - 1,
        };
        LineCol {
            line: line as u32 + 1,
            col: offset - self.starts[line] + 1,
        }
    }

    /// Like [`LineIndex::line_col`], starting the search from the line of a previous lookup
    /// (`hint`, 0-based, updated). Lookups that move forward through a file, as printers and
    /// evaluators do, then cost O(1) instead of a binary search.
    pub fn line_col_near(&self, offset: Offset, hint: &std::cell::Cell<usize>) -> LineCol {
        let h = hint.get();
        let starts = &self.starts;
        if h < starts.len() && starts[h] <= offset {
            // Check this line and the next few before falling back to a search.
            for i in h..(h + 4).min(starts.len()) {
                if i + 1 >= starts.len() || starts[i + 1] > offset {
                    hint.set(i);
                    return LineCol {
                        line: i as u32 + 1,
                        col: offset - starts[i] + 1,
                    };
                }
            }
        }
        let lc = self.line_col(offset);
        hint.set(lc.line as usize - 1);
        lc
    }

    /// 1-based line of `offset`.
    pub fn line(&self, offset: Offset) -> u32 {
        self.line_col(offset).line
    }

    /// Number of lines (a file with no newline has one line).
    pub fn len(&self) -> usize {
        self.starts.len()
    }

    /// Always false: every file has at least one line.
    pub fn is_empty(&self) -> bool {
        false
    }

    /// Offset where 1-based `line` starts, if the file has that line.
    pub fn line_start(&self, line: u32) -> Option<Offset> {
        self.starts.get((line as usize).checked_sub(1)?).copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_bytes() {
        let idx = LineIndex::new("ab\n\tcé\nx".as_bytes());
        assert_eq!(idx.line_col(0), LineCol { line: 1, col: 1 });
        assert_eq!(idx.line_col(2), LineCol { line: 1, col: 3 });
        assert_eq!(idx.line_col(3), LineCol { line: 2, col: 1 });
        assert_eq!(idx.line_col(5), LineCol { line: 2, col: 3 });
        assert_eq!(idx.line_col(7), LineCol { line: 2, col: 5 });
        assert_eq!(idx.line_col(8), LineCol { line: 3, col: 1 });
    }

    #[test]
    fn position_display() {
        let p = |f: &str, line, col| Position {
            file: f.into(),
            offset: 0,
            lc: LineCol { line, col },
        };
        assert_eq!(p("a.river", 1, 2).to_string(), "a.river:1:2");
        assert_eq!(p("", 3, 4).to_string(), "3:4");
        assert_eq!(p("a", 3, 0).to_string(), "a:3");
        assert_eq!(p("a", 0, 0).to_string(), "a");
        assert_eq!(p("", 0, 0).to_string(), "-");
    }
}
