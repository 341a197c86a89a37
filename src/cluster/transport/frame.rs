//! Framing of `POST /api/v1/cluster/message` bodies: one or more frames, each a big-endian
//! `u32` length followed by that many bytes (one SWIM packet per frame).

use bytes::{BufMut, Bytes, BytesMut};

/// Bytes of the length prefix.
pub const FRAME_HEADER_LEN: usize = 4;

/// A body that is not a valid sequence of frames.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    /// The body ends inside a length prefix or a payload.
    #[error("truncated frame at byte {offset}")]
    Truncated {
        /// Where the incomplete frame starts.
        offset: usize,
    },
    /// A frame of length zero.
    #[error("empty frame at byte {offset}")]
    Empty {
        /// Where the frame starts.
        offset: usize,
    },
    /// A frame longer than allowed.
    #[error("frame of {len} bytes at byte {offset} exceeds the limit of {max}")]
    TooLarge {
        /// Where the frame starts.
        offset: usize,
        /// Declared length.
        len: usize,
        /// The limit.
        max: usize,
    },
}

/// Appends one frame to `out`.
pub fn put_frame(out: &mut BytesMut, payload: &[u8]) {
    out.reserve(FRAME_HEADER_LEN + payload.len());
    out.put_u32(payload.len() as u32);
    out.put_slice(payload);
}

/// Splits a body into frame payloads (zero-copy slices of `body`).
///
/// The whole body is validated before anything is returned, so a bad body is rejected as a
/// whole. An empty body holds zero frames.
pub fn split_frames(body: &Bytes, max_frame: usize) -> Result<Vec<Bytes>, FrameError> {
    let mut frames = Vec::new();
    let mut offset = 0usize;
    while offset < body.len() {
        let rest = &body[offset..];
        if rest.len() < FRAME_HEADER_LEN {
            return Err(FrameError::Truncated { offset });
        }
        let len = u32::from_be_bytes([rest[0], rest[1], rest[2], rest[3]]) as usize;
        if len == 0 {
            return Err(FrameError::Empty { offset });
        }
        if len > max_frame {
            return Err(FrameError::TooLarge {
                offset,
                len,
                max: max_frame,
            });
        }
        let start = offset + FRAME_HEADER_LEN;
        let end = start
            .checked_add(len)
            .filter(|e| *e <= body.len())
            .ok_or(FrameError::Truncated { offset })?;
        frames.push(body.slice(start..end));
        offset = end;
    }
    Ok(frames)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roundtrip() {
        let mut b = BytesMut::new();
        put_frame(&mut b, b"one");
        put_frame(&mut b, b"second");
        let body = b.freeze();
        let frames = split_frames(&body, 100).unwrap();
        assert_eq!(
            frames,
            vec![Bytes::from_static(b"one"), Bytes::from_static(b"second")]
        );
        assert!(split_frames(&Bytes::new(), 100).unwrap().is_empty());
    }

    #[test]
    fn rejects_bad_bodies() {
        let mut b = BytesMut::new();
        put_frame(&mut b, b"abc");
        let full = b.freeze();
        for cut in 1..full.len() {
            let err = split_frames(&full.slice(..cut), 100).unwrap_err();
            assert_eq!(err, FrameError::Truncated { offset: 0 });
        }
        assert_eq!(
            split_frames(&Bytes::from_static(&[0, 0, 0, 0]), 100),
            Err(FrameError::Empty { offset: 0 })
        );
        let huge = Bytes::from_static(&[0xFF, 0xFF, 0xFF, 0xFF, 1]);
        assert!(matches!(
            split_frames(&huge, 100),
            Err(FrameError::TooLarge { .. })
        ));
        assert!(matches!(
            split_frames(&full, 2),
            Err(FrameError::TooLarge { .. })
        ));
    }

    #[test]
    fn arbitrary_input_never_panics() {
        let mut x: u64 = 0x1234_5678;
        for _ in 0..2000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let len = (x % 16) as usize;
            let bytes: Vec<u8> = (0..len).map(|i| (x >> (i * 4)) as u8 % 6).collect();
            let _ = split_frames(&Bytes::from(bytes), 8);
        }
    }
}
