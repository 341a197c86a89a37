//! The WAL record of a batch of samples.
//!
//! Layout before snappy (block format) compression: a version byte (1), the varint sequence
//! number of the record's first sample, the varint sample count, then per sample the varint
//! length of its label bytes (see [`super::wire`]; external labels already merged), the label
//! bytes, the zigzag-varint timestamp and the value as 8 little-endian bytes.
//!
//! Sequence numbers count samples across records, so a reader that meets a jump forward
//! knows how many samples the WAL's bounds dropped before it could read them.

use bytes::Bytes;

use super::wire::{get_varint, put_labels_with_external, put_varint, WireSample};
use crate::prom::{Labels, SamplePoint};

const VERSION: u8 = 1;

/// Why a record could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RecordError {
    /// Not valid snappy.
    #[error("WAL record is not valid snappy: {0}")]
    Snappy(String),
    /// Unknown version byte.
    #[error("WAL record has unknown version {0}")]
    Version(u8),
    /// Truncated or inconsistent.
    #[error("WAL record is malformed: {0}")]
    Malformed(&'static str),
}

/// A decoded record.
#[derive(Debug)]
pub struct DecodedRecord {
    /// Sequence number of the first sample.
    pub first_seq: u64,
    /// The samples; their label bytes share the record's buffer.
    pub samples: Vec<WireSample>,
}

/// Encodes records, reusing buffers.
pub struct RecordEncoder {
    raw: Vec<u8>,
    labels: Vec<u8>,
    snappy: snap::raw::Encoder,
}

impl std::fmt::Debug for RecordEncoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RecordEncoder")
    }
}

fn zigzag(v: i64) -> u64 {
    ((v << 1) ^ (v >> 63)) as u64
}

fn unzigzag(v: u64) -> i64 {
    ((v >> 1) as i64) ^ -((v & 1) as i64)
}

impl Default for RecordEncoder {
    fn default() -> Self {
        RecordEncoder::new()
    }
}

impl RecordEncoder {
    /// A new encoder.
    pub fn new() -> RecordEncoder {
        RecordEncoder {
            raw: Vec::new(),
            labels: Vec::new(),
            snappy: snap::raw::Encoder::new(),
        }
    }

    /// Encodes `samples` (with `external` labels merged) as a compressed record into `out`.
    pub fn encode(
        &mut self,
        first_seq: u64,
        samples: &[SamplePoint],
        external: &Labels,
        out: &mut Vec<u8>,
    ) -> Result<(), RecordError> {
        self.raw.clear();
        self.raw.push(VERSION);
        put_varint(&mut self.raw, first_seq);
        put_varint(&mut self.raw, samples.len() as u64);
        for s in samples {
            self.labels.clear();
            put_labels_with_external(&mut self.labels, &s.labels, external);
            put_varint(&mut self.raw, self.labels.len() as u64);
            self.raw.extend_from_slice(&self.labels);
            put_varint(&mut self.raw, zigzag(s.timestamp_ms));
            self.raw.extend_from_slice(&s.value.to_le_bytes());
        }
        out.clear();
        out.resize(snap::raw::max_compress_len(self.raw.len()), 0);
        let n = self
            .snappy
            .compress(&self.raw, out)
            .map_err(|e| RecordError::Snappy(e.to_string()))?;
        out.truncate(n);
        Ok(())
    }
}

/// Decodes a record payload.
pub fn decode(payload: &[u8]) -> Result<DecodedRecord, RecordError> {
    let raw = snap::raw::Decoder::new()
        .decompress_vec(payload)
        .map_err(|e| RecordError::Snappy(e.to_string()))?;
    let raw = Bytes::from(raw);
    let b = &raw[..];
    let first = *b.first().ok_or(RecordError::Malformed("empty"))?;
    if first != VERSION {
        return Err(RecordError::Version(first));
    }
    let mut pos = 1;
    let bad = RecordError::Malformed;
    let first_seq = get_varint(b, &mut pos).ok_or(bad("sequence number"))?;
    let n = get_varint(b, &mut pos).ok_or(bad("sample count"))? as usize;
    // Each sample takes at least 10 bytes; refuse counts the buffer cannot hold.
    if n > b.len() / 10 + 1 {
        return Err(bad("sample count larger than the record"));
    }
    let mut samples = Vec::with_capacity(n);
    for _ in 0..n {
        let len = get_varint(b, &mut pos).ok_or(bad("label length"))? as usize;
        let end = pos
            .checked_add(len)
            .filter(|&e| e <= b.len())
            .ok_or(bad("labels run past the end"))?;
        let labels = raw.slice(pos..end);
        pos = end;
        let ts = unzigzag(get_varint(b, &mut pos).ok_or(bad("timestamp"))?);
        let v: [u8; 8] = b
            .get(pos..pos + 8)
            .and_then(|s| s.try_into().ok())
            .ok_or(bad("value"))?;
        pos += 8;
        samples.push(WireSample {
            labels,
            timestamp: ts,
            value: f64::from_le_bytes(v),
        });
    }
    if pos != b.len() {
        return Err(bad("trailing bytes"));
    }
    Ok(DecodedRecord { first_seq, samples })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::components::prometheus::remote_write::wire::decode_labels;

    #[test]
    fn round_trip() {
        let pts = vec![
            SamplePoint {
                labels: Labels::from_pairs([("__name__", "a")]),
                timestamp_ms: 5,
                value: 1.0,
            },
            SamplePoint {
                labels: Labels::from_pairs([("__name__", "b"), ("x", "y")]),
                timestamp_ms: -7,
                value: f64::INFINITY,
            },
        ];
        let ext = Labels::from_pairs([("cluster", "c")]);
        let mut enc = RecordEncoder::new();
        let mut out = Vec::new();
        enc.encode(42, &pts, &ext, &mut out).unwrap();
        let r = decode(&out).unwrap();
        assert_eq!(r.first_seq, 42);
        assert_eq!(r.samples.len(), 2);
        assert_eq!(
            decode_labels(&r.samples[1].labels).unwrap(),
            Labels::from_pairs([("__name__", "b"), ("cluster", "c"), ("x", "y")])
        );
        assert_eq!(r.samples[1].timestamp, -7);
        assert_eq!(r.samples[1].value, f64::INFINITY);
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        assert!(decode(b"not snappy at all").is_err());
        let mut enc = snap::raw::Encoder::new();
        for raw in [
            &[1u8, 0, 200][..],
            &[2, 0, 0],
            &[1, 0, 1, 50, 1],
            &[1, 0, 0, 9],
        ] {
            let c = enc.compress_vec(raw).unwrap();
            assert!(decode(&c).is_err(), "{raw:?}");
        }
    }
}
