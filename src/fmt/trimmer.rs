//! The last stage of the printer: removes trailing blanks from every line (outside escaped
//! text), turns `\f` into `\n` and `\v` into `\t`, and drops the escape bytes.

use super::tabwriter::ESCAPE;

/// Runs the trimmer over the aligned text.
pub fn trim(data: &[u8]) -> Vec<u8> {
    #[derive(PartialEq)]
    enum State {
        Space,
        Escape,
        Text,
    }
    let mut out = Vec::with_capacity(data.len());
    let mut state = State::Space;
    let mut space: Vec<u8> = Vec::new();
    let mut text_start = 0;
    for (off, &b0) in data.iter().enumerate() {
        let b = if b0 == b'\x0b' { b'\t' } else { b0 };
        match state {
            State::Space => match b {
                b'\t' | b' ' => space.push(b),
                b'\n' | b'\x0c' => {
                    space.clear();
                    out.push(b'\n');
                }
                ESCAPE => {
                    out.extend_from_slice(&space);
                    space.clear();
                    state = State::Escape;
                    text_start = off + 1;
                }
                _ => {
                    out.extend_from_slice(&space);
                    space.clear();
                    state = State::Text;
                    text_start = off;
                }
            },
            State::Text => match b {
                b'\t' | b' ' => {
                    out.extend_from_slice(&data[text_start..off]);
                    space.clear();
                    space.push(b);
                    state = State::Space;
                }
                b'\n' | b'\x0c' => {
                    out.extend_from_slice(&data[text_start..off]);
                    space.clear();
                    state = State::Space;
                    out.push(b'\n');
                }
                ESCAPE => {
                    out.extend_from_slice(&data[text_start..off]);
                    state = State::Escape;
                    text_start = off + 1;
                }
                _ => {}
            },
            State::Escape => {
                if b == ESCAPE {
                    out.extend_from_slice(&data[text_start..off]);
                    space.clear();
                    state = State::Space;
                }
            }
        }
    }
    if state != State::Space {
        out.extend_from_slice(&data[text_start..]);
    }
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
