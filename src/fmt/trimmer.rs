//! The last stage of the printer: removes trailing blanks from every line (outside escaped
//! text), turns `\f` into `\n` and `\v` into `\t`, and drops the escape bytes.

use super::tabwriter::ESCAPE;

/// Runs the trimmer over the aligned text.
///
/// Equivalent to upstream's state machine: blanks are held back until something that is not a
/// blank follows on the same line; escaped text counts as something and is copied verbatim.
/// Here that is done by remembering how much of the current line must be kept and cutting the
/// output back to it at each line end.
pub fn trim(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len());
    let mut keep = 0;
    let mut i = 0;
    while i < data.len() {
        let b = data[i];
        match b {
            b' ' | b'\t' => out.push(b),
            b'\x0b' => out.push(b'\t'),
            b'\n' | b'\x0c' => {
                out.truncate(keep);
                out.push(b'\n');
                keep = out.len();
            }
            ESCAPE => {
                let end = memchr::memchr(ESCAPE, &data[i + 1..]).map_or(data.len(), |j| i + 1 + j);
                out.extend_from_slice(&data[i + 1..end]);
                keep = out.len();
                i = end;
            }
            _ => {
                // Copy the whole run of ordinary text at once.
                let mut j = i + 1;
                while j < data.len()
                    && !matches!(data[j], b' ' | b'\t' | b'\x0b' | b'\n' | b'\x0c' | ESCAPE)
                {
                    j += 1;
                }
                out.extend_from_slice(&data[i..j]);
                keep = out.len();
                i = j;
                continue;
            }
        }
        i += 1;
    }
    out.truncate(keep);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trims_trailing_blanks_but_not_escaped_text() {
        assert_eq!(trim(b"a  \nb\t\x0c"), b"a\nb\n");
        assert_eq!(trim(b"a \xff// x  \xff\n"), b"a // x  \n");
        assert_eq!(trim(b"a\x0bb"), b"a\tb");
    }
}
