//! Go's `encoding/base64` with the padded standard and URL alphabets.
//!
//! River's `encoding.from_base64` / `from_URLbase64` decode with Go's rules:
//! padding is required, `\r` and `\n` are skipped, leftover bits need not be
//! zero, and an error names the offending byte offset (`illegal base64 data
//! at input byte 0`).

use std::fmt;

use base64::Engine as _;

/// Which alphabet: `+/` or `-_`, both padded with `=`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Alphabet {
    /// `base64.StdEncoding`.
    Standard,
    /// `base64.URLEncoding`.
    Url,
}

/// Mirrors `base64.CorruptInputError`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CorruptInputError(pub usize);

impl fmt::Display for CorruptInputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "illegal base64 data at input byte {}", self.0)
    }
}

impl std::error::Error for CorruptInputError {}

/// Mirrors `Encoding.EncodeToString` (padded).
pub fn encode(alphabet: Alphabet, data: impl AsRef<[u8]>) -> String {
    match alphabet {
        Alphabet::Standard => base64::engine::general_purpose::STANDARD.encode(data),
        Alphabet::Url => base64::engine::general_purpose::URL_SAFE.encode(data),
    }
}

fn decode_byte(alphabet: Alphabet, c: u8) -> Option<u8> {
    Some(match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' if alphabet == Alphabet::Standard => 62,
        b'/' if alphabet == Alphabet::Standard => 63,
        b'-' if alphabet == Alphabet::Url => 62,
        b'_' if alphabet == Alphabet::Url => 63,
        _ => return None,
    })
}

fn is_newline(c: u8) -> bool {
    c == b'\n' || c == b'\r'
}

/// Mirrors `Encoding.DecodeString` for the padded encodings.
pub fn decode(alphabet: Alphabet, src: impl AsRef<[u8]>) -> Result<Vec<u8>, CorruptInputError> {
    let src = src.as_ref();
    let mut out = Vec::with_capacity(src.len() / 4 * 3);
    let mut si = 0;
    while si < src.len() {
        // One quantum: up to four symbols, newlines skipped.
        let mut buf = [0u8; 4];
        let mut dlen = 4;
        let mut j = 0;
        let mut trailing: Option<CorruptInputError> = None;
        while j < 4 {
            if si == src.len() {
                if j == 0 {
                    return Ok(out);
                }
                // Padding is mandatory, so a short final quantum is corrupt.
                return Err(CorruptInputError(si - j));
            }
            let c = src[si];
            si += 1;
            if let Some(v) = decode_byte(alphabet, c) {
                buf[j] = v;
                j += 1;
                continue;
            }
            if is_newline(c) {
                continue;
            }
            if c != b'=' {
                return Err(CorruptInputError(si - 1));
            }
            // Padding: only after two or three symbols.
            match j {
                0 | 1 => return Err(CorruptInputError(si - 1)),
                2 => {
                    while si < src.len() && is_newline(src[si]) {
                        si += 1;
                    }
                    if si == src.len() {
                        return Err(CorruptInputError(src.len()));
                    }
                    if src[si] != b'=' {
                        return Err(CorruptInputError(si - 1));
                    }
                    si += 1;
                }
                _ => {}
            }
            while si < src.len() && is_newline(src[si]) {
                si += 1;
            }
            if si < src.len() {
                trailing = Some(CorruptInputError(si));
            }
            dlen = j;
            break;
        }
        let val = (u32::from(buf[0]) << 18)
            | (u32::from(buf[1]) << 12)
            | (u32::from(buf[2]) << 6)
            | u32::from(buf[3]);
        let bytes = [(val >> 16) as u8, (val >> 8) as u8, val as u8];
        out.extend_from_slice(&bytes[..dlen - 1]);
        if let Some(e) = trailing {
            return Err(e);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conformance_cases() {
        // eval-cases.json U101, U113..U116
        assert_eq!(
            decode(Alphabet::Standard, "Zm9vYmFyMTIzIT8kKiYoKSctPUB+").as_deref(),
            Ok(&b"foobar123!?$*&()'-=@~"[..])
        );
        assert_eq!(
            decode(Alphabet::Url, "c3RyaW5nMTIzIT8kKiYoKSctPUB-").as_deref(),
            Ok(&b"string123!?$*&()'-=@~"[..])
        );
        assert_eq!(
            encode(Alphabet::Standard, "string123!?$*&()'-=@~"),
            "c3RyaW5nMTIzIT8kKiYoKSctPUB+"
        );
        assert_eq!(
            encode(Alphabet::Url, "string123!?$*&()'-=@~"),
            "c3RyaW5nMTIzIT8kKiYoKSctPUB-"
        );
    }

    #[test]
    fn round_trips() {
        for data in [
            &b""[..],
            b"f",
            b"fo",
            b"foo",
            b"foob",
            b"fooba",
            b"foobar",
            b"\xff\xfe\xfd",
        ] {
            for a in [Alphabet::Standard, Alphabet::Url] {
                assert_eq!(decode(a, encode(a, data)).as_deref(), Ok(data));
            }
        }
        assert_eq!(encode(Alphabet::Standard, b"\xfb\xff"), "+/8=");
        assert_eq!(encode(Alphabet::Url, b"\xfb\xff"), "-_8=");
    }

    #[test]
    fn decode_errors_like_go() {
        let cases: &[(&str, Result<&[u8], usize>)] = &[
            ("", Ok(b"")),
            ("YQ==", Ok(b"a")),
            ("YWI=", Ok(b"ab")),
            ("YQ", Err(0)),
            ("YWI", Err(0)),
            ("YWJj", Ok(b"abc")),
            ("YWJjZA", Err(4)),
            ("!!!!", Err(0)),
            ("YQ=!", Err(2)),
            ("YQ=", Err(3)),
            ("Y===", Err(1)),
            ("====", Err(0)),
            ("YQ==YQ==", Err(4)),
            ("YQ== ", Err(4)),
            ("YW\nJj", Ok(b"abc")),
            ("YQ=\n=", Ok(b"a")),
            ("YQ==\r\n", Ok(b"a")),
            ("YWJj\n", Ok(b"abc")),
            ("Yr==", Ok(b"b")),
            ("YWJj-_==", Err(4)),
            ("AAAAAA==AAAA", Err(8)),
        ];
        for &(input, want) in cases {
            let got = decode(Alphabet::Standard, input);
            match want {
                Ok(bytes) => assert_eq!(got.as_deref(), Ok(bytes), "{input:?}"),
                Err(at) => assert_eq!(
                    got.map_err(|e| e.to_string()),
                    Err(format!("illegal base64 data at input byte {at}")),
                    "{input:?}"
                ),
            }
        }
    }
}
