//! Elastic tabstops: the alignment engine under the printer.
//!
//! Same algorithm and output as Go's `text/tabwriter` configured the way upstream's printer
//! configures it (minimum width 0, tab width 8, padding 1, pad with spaces, discard empty
//! columns, indent with tabs):
//!
//! * Text is split into cells, each ended by `\t` (hard) or `\v` (soft); the text after the
//!   last tab of a line belongs to no column.
//! * A column block is a run of consecutive lines that all have a cell in that column; its
//!   width is the widest cell (in characters) plus the padding. `\f` ends every block.
//! * Leading empty cells are padded with tabs, other cells with spaces.
//! * Text between two [`ESCAPE`] bytes is one unit: tabs and newlines inside it do not split
//!   cells, and only its inner characters count towards the width. The escape bytes are passed
//!   through (the trimmer removes them).

/// Brackets text that must not be interpreted (comments, parts of string literals).
pub const ESCAPE: u8 = 0xFF;

const TAB_WIDTH: usize = 8;
const PADDING: usize = 1;

#[derive(Copy, Clone, Debug, Default)]
struct Cell {
    /// Bytes of text in the cell.
    size: usize,
    /// Characters of text in the cell (escaped text counts its inner characters).
    width: usize,
    /// Ended by a hard tab.
    htab: bool,
}

/// Aligns the printer's output. Feed everything with [`TabWriter::write`], then call
/// [`TabWriter::finish`].
#[derive(Default)]
pub struct TabWriter {
    buf: Vec<u8>,
    /// Start in `buf` of text not yet counted in `cell.width`.
    pos: usize,
    cell: Cell,
    in_escape: bool,
    /// Cells of all buffered lines, flat; `line_ends[i]` is one past line i's last cell.
    cells: Vec<Cell>,
    line_starts: Vec<usize>,
    widths: Vec<usize>,
    out: Vec<u8>,
}

impl TabWriter {
    /// An empty writer.
    pub fn new() -> TabWriter {
        let mut w = TabWriter::default();
        w.reset();
        w
    }

    fn reset(&mut self) {
        self.buf.clear();
        self.pos = 0;
        self.cell = Cell::default();
        self.in_escape = false;
        self.cells.clear();
        self.line_starts.clear();
        self.line_starts.push(0);
        self.widths.clear();
    }

    fn line_count(&self) -> usize {
        self.line_starts.len()
    }

    fn line(&self, i: usize) -> &[Cell] {
        let start = self.line_starts[i];
        let end = if i + 1 < self.line_starts.len() {
            self.line_starts[i + 1]
        } else {
            self.cells.len()
        };
        &self.cells[start..end]
    }

    fn update_width(&mut self) {
        self.cell.width += char_count(&self.buf[self.pos..]);
        self.pos = self.buf.len();
    }

    fn terminate_cell(&mut self, htab: bool) -> usize {
        self.cell.htab = htab;
        self.cells.push(self.cell);
        self.cell = Cell::default();
        self.cells.len() - self.line_starts[self.line_starts.len() - 1]
    }

    fn end_escape(&mut self) {
        self.update_width();
        self.cell.width = self.cell.width.saturating_sub(2); // the two escape bytes
        self.pos = self.buf.len();
        self.in_escape = false;
    }

    fn append(&mut self, text: &[u8]) {
        self.buf.extend_from_slice(text);
        self.cell.size += text.len();
    }

    /// Adds text.
    pub fn write(&mut self, data: &[u8]) {
        let mut n = 0;
        for (i, &ch) in data.iter().enumerate() {
            if !self.in_escape {
                match ch {
                    b'\t' | b'\x0b' | b'\n' | b'\x0c' => {
                        self.append(&data[n..i]);
                        self.update_width();
                        n = i + 1;
                        let ncells = self.terminate_cell(ch == b'\t');
                        if ch == b'\n' || ch == b'\x0c' {
                            self.line_starts.push(self.cells.len());
                            if ch == b'\x0c' || ncells == 1 {
                                // A form feed always flushes; so does a line with one cell,
                                // which cannot affect the alignment of what follows.
                                self.flush_buffered();
                            }
                        }
                    }
                    ESCAPE => {
                        self.append(&data[n..i]);
                        self.update_width();
                        n = i;
                        self.in_escape = true;
                    }
                    _ => {}
                }
            } else if ch == ESCAPE {
                self.append(&data[n..=i]);
                n = i + 1;
                self.end_escape();
            }
        }
        self.append(&data[n..]);
    }

    fn flush_buffered(&mut self) {
        if self.cell.size > 0 {
            if self.in_escape {
                self.end_escape();
            }
            self.terminate_cell(false);
        }
        let lines = self.line_count();
        self.format(0, 0, lines);
        self.reset();
    }

    /// Flushes everything and returns the aligned text.
    pub fn finish(mut self) -> Vec<u8> {
        self.flush_buffered();
        self.out
    }

    fn write_padding(&mut self, textw: usize, cellw: usize, use_tabs: bool) {
        if use_tabs {
            let cellw = cellw.div_ceil(TAB_WIDTH) * TAB_WIDTH;
            let n = cellw.saturating_sub(textw);
            for _ in 0..n.div_ceil(TAB_WIDTH) {
                self.out.push(b'\t');
            }
        } else {
            for _ in 0..cellw.saturating_sub(textw) {
                self.out.push(b' ');
            }
        }
    }

    fn write_lines(&mut self, mut pos: usize, line0: usize, line1: usize) -> usize {
        for i in line0..line1 {
            let start = self.line_starts[i];
            let end = if i + 1 < self.line_starts.len() {
                self.line_starts[i + 1]
            } else {
                self.cells.len()
            };
            let mut use_tabs = true;
            for j in 0..end - start {
                let c = self.cells[start + j];
                if c.size == 0 {
                    if j < self.widths.len() {
                        let w = self.widths[j];
                        self.write_padding(c.width, w, use_tabs);
                    }
                } else {
                    use_tabs = false;
                    self.out.extend_from_slice(&self.buf[pos..pos + c.size]);
                    pos += c.size;
                    if j < self.widths.len() {
                        let w = self.widths[j];
                        self.write_padding(c.width, w, false);
                    }
                }
            }
            if i + 1 == self.line_count() {
                // The last buffered line has no newline yet: write its pending text.
                self.out
                    .extend_from_slice(&self.buf[pos..pos + self.cell.size]);
                pos += self.cell.size;
            } else {
                self.out.push(b'\n');
            }
        }
        pos
    }

    fn format(&mut self, mut pos: usize, mut line0: usize, line1: usize) -> usize {
        let column = self.widths.len();
        let mut this = line0;
        while this < line1 {
            if column + 1 >= self.line(this).len() {
                this += 1;
                continue;
            }
            // This line has a cell in `column`: print what came before, then size the block.
            pos = self.write_lines(pos, line0, this);
            line0 = this;
            let mut width = 0;
            let mut discardable = true;
            while this < line1 {
                let line = self.line(this);
                if column + 1 >= line.len() {
                    break;
                }
                let c = line[column];
                width = width.max(c.width + PADDING);
                if c.width > 0 || c.htab {
                    discardable = false;
                }
                this += 1;
            }
            if discardable {
                width = 0;
            }
            self.widths.push(width);
            pos = self.format(pos, line0, this);
            self.widths.pop();
            line0 = this;
        }
        self.write_lines(pos, line0, line1)
    }
}

/// Characters in `b` as Go's `utf8.RuneCount` counts them (an invalid byte counts as one).
fn char_count(b: &[u8]) -> usize {
    if b.is_ascii() {
        return b.len();
    }
    // Every byte that is not a UTF-8 continuation byte starts a character; a stray
    // continuation byte is invalid and counts alone. Our text is valid UTF-8 apart from the
    // escape bytes, which are not continuation bytes, so counting leaders is exact.
    b.iter().filter(|&&c| (c & 0xC0) != 0x80).count()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(s: &str) -> String {
        let mut w = TabWriter::new();
        w.write(s.as_bytes());
        String::from_utf8(w.finish()).unwrap()
    }

    #[test]
    fn aligns_columns() {
        assert_eq!(run("a\x0b= 1\nbbb\x0b= 2\n"), "a   = 1\nbbb = 2\n");
        // A form feed ends the block.
        assert_eq!(run("a\x0b= 1\x0cbbb\x0b= 2\n"), "a = 1\nbbb = 2\n");
        // Indentation cells become tabs.
        assert_eq!(run("\ta\x0b= 1\n\tbb\x0b= 2\n"), "\ta  = 1\n\tbb = 2\n");
    }

    #[test]
    fn escaped_text_is_one_unit() {
        let s = "x\x0b= \u{ff}\t\u{ff}\nyy\x0b= 2\n".replace('\u{ff}', "\u{0}");
        let mut bytes = s.into_bytes();
        for b in bytes.iter_mut() {
            if *b == 0 {
                *b = ESCAPE;
            }
        }
        let mut w = TabWriter::new();
        w.write(&bytes);
        let out = w.finish();
        assert_eq!(out, b"x  = \xff\t\xff\nyy = 2\n");
    }
}
