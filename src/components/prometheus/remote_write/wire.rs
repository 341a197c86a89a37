//! Remote-write protobuf written by hand from pre-encoded label bytes.
//!
//! A series' labels are kept as the exact bytes of the `repeated Label labels = 1` field of a
//! `TimeSeries` (each label: tag `0x0a`, length, then `name = 1`, `value = 2`). The WAL stores
//! them that way, and a request is then written by copying those bytes and appending the
//! sample — no label strings are allocated on the sending path. The output decodes with
//! `prom::remote_write::decode` into the same messages `prost` would produce.

use bytes::Bytes;

use crate::prom::labels::{LabelRef, Labels};

/// Appends `v` as a protobuf varint.
pub fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

/// Bytes `v` takes as a varint.
pub fn varint_len(v: u64) -> usize {
    (64 - (v | 1).leading_zeros() as usize).div_ceil(7)
}

/// Reads a varint at `*pos`.
pub fn get_varint(buf: &[u8], pos: &mut usize) -> Option<u64> {
    let mut v: u64 = 0;
    for shift in (0..64).step_by(7) {
        let b = *buf.get(*pos)?;
        *pos += 1;
        v |= u64::from(b & 0x7f) << shift;
        if b < 0x80 {
            return Some(v);
        }
    }
    None
}

fn put_label(out: &mut Vec<u8>, name: &str, value: &str) {
    let inner = 1
        + varint_len(name.len() as u64)
        + name.len()
        + 1
        + varint_len(value.len() as u64)
        + value.len();
    out.push(0x0a);
    put_varint(out, inner as u64);
    out.push(0x0a);
    put_varint(out, name.len() as u64);
    out.extend_from_slice(name.as_bytes());
    out.push(0x12);
    put_varint(out, value.len() as u64);
    out.extend_from_slice(value.as_bytes());
}

/// Appends the label field bytes of `labels` merged with `external` (external labels only
/// where the series lacks the name), in name order.
pub fn put_labels_with_external(out: &mut Vec<u8>, labels: &Labels, external: &Labels) {
    let (mut a, mut b) = (labels.iter().peekable(), external.iter().peekable());
    loop {
        let next: LabelRef<'_> = match (a.peek(), b.peek()) {
            (Some(x), Some(y)) if x.name == y.name => {
                b.next();
                *x
            }
            (Some(x), Some(y)) if x.name < y.name => *x,
            (Some(_), Some(y)) | (None, Some(y)) => {
                let y = *y;
                b.next();
                put_label(out, y.name, y.value);
                continue;
            }
            (Some(x), None) => *x,
            (None, None) => break,
        };
        a.next();
        put_label(out, next.name, next.value);
    }
}

/// Appends the label field bytes of `labels`.
pub fn put_labels(out: &mut Vec<u8>, labels: &Labels) {
    for l in labels.iter() {
        put_label(out, l.name, l.value);
    }
}

/// Decodes label field bytes back into a label set.
pub fn decode_labels(buf: &[u8]) -> Result<Labels, &'static str> {
    let mut pairs: Vec<(String, String)> = Vec::with_capacity(8);
    let mut pos = 0;
    while pos < buf.len() {
        if buf[pos] != 0x0a {
            return Err("label field expected");
        }
        pos += 1;
        let len = get_varint(buf, &mut pos).ok_or("bad label length")? as usize;
        let end = pos
            .checked_add(len)
            .filter(|&e| e <= buf.len())
            .ok_or("label runs past the end")?;
        let (mut name, mut value) = (String::new(), String::new());
        while pos < end {
            let tag = buf[pos];
            pos += 1;
            let l = get_varint(buf, &mut pos).ok_or("bad string length")? as usize;
            let e = pos
                .checked_add(l)
                .filter(|&e| e <= end)
                .ok_or("string runs past the label")?;
            let s = std::str::from_utf8(&buf[pos..e]).map_err(|_| "label is not UTF-8")?;
            match tag {
                0x0a => name = s.to_string(),
                0x12 => value = s.to_string(),
                _ => return Err("unknown label field"),
            }
            pos = e;
        }
        pairs.push((name, value));
    }
    Ok(Labels::from_pairs(pairs))
}

/// One sample ready to send: the series' label bytes and the point.
#[derive(Clone, Debug)]
pub struct WireSample {
    /// Label field bytes (a slice of a WAL record, or a relabelled copy).
    pub labels: Bytes,
    /// Milliseconds since the epoch.
    pub timestamp: i64,
    /// Value.
    pub value: f64,
}

/// Appends one `TimeSeries` (field 1 of `WriteRequest`) with a single sample.
pub fn put_time_series(out: &mut Vec<u8>, s: &WireSample) {
    let ts = s.timestamp as u64;
    let sample_len = 1 + 8 + 1 + varint_len(ts);
    let series_len = s.labels.len() + 1 + varint_len(sample_len as u64) + sample_len;
    out.push(0x0a);
    put_varint(out, series_len as u64);
    out.extend_from_slice(&s.labels);
    out.push(0x12);
    put_varint(out, sample_len as u64);
    out.push(0x09);
    out.extend_from_slice(&s.value.to_le_bytes());
    out.push(0x10);
    put_varint(out, ts);
}

/// Writes an uncompressed `WriteRequest` with `samples` into `out` (cleared first).
pub fn write_request<'a>(out: &mut Vec<u8>, samples: impl IntoIterator<Item = &'a WireSample>) {
    out.clear();
    for s in samples {
        put_time_series(out, s);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::prom::remote_write::{decode, is_stale_nan, stale_nan};

    #[test]
    fn varints() {
        for v in [0u64, 1, 127, 128, 300, u64::MAX, (-5i64) as u64] {
            let mut b = Vec::new();
            put_varint(&mut b, v);
            assert_eq!(b.len(), varint_len(v));
            let mut p = 0;
            assert_eq!(get_varint(&b, &mut p), Some(v));
        }
        assert_eq!(get_varint(&[0x80], &mut 0), None);
    }

    #[test]
    fn labels_round_trip_and_external_merge() {
        let l = Labels::from_pairs([("__name__", "up"), ("job", "j"), ("zone", "a")]);
        let ext = Labels::from_pairs([("cluster", "c"), ("job", "ext"), ("zz", "1")]);
        let mut b = Vec::new();
        put_labels_with_external(&mut b, &l, &ext);
        assert_eq!(
            decode_labels(&b).unwrap(),
            Labels::from_pairs([
                ("__name__", "up"),
                ("cluster", "c"),
                ("job", "j"),
                ("zone", "a"),
                ("zz", "1")
            ])
        );
        assert!(decode_labels(&[0x0a, 0x05, 0x0a]).is_err());
    }

    #[test]
    fn request_decodes_like_prost() {
        let mut lb = Vec::new();
        put_labels(
            &mut lb,
            &Labels::from_pairs([("__name__", "m"), ("a", "é")]),
        );
        let samples = [
            WireSample {
                labels: Bytes::from(lb.clone()),
                timestamp: 1_700_000_000_123,
                value: 1.5,
            },
            WireSample {
                labels: Bytes::from(lb),
                timestamp: -1,
                value: stale_nan(),
            },
        ];
        let mut raw = Vec::new();
        write_request(&mut raw, &samples);
        let body = snap::raw::Encoder::new().compress_vec(&raw).unwrap();
        let req = decode(&body).unwrap();
        assert_eq!(req.timeseries.len(), 2);
        assert_eq!(
            req.timeseries[0].label_set(),
            Labels::from_pairs([("__name__", "m"), ("a", "é")])
        );
        assert_eq!(req.timeseries[0].samples[0].timestamp, 1_700_000_000_123);
        assert_eq!(req.timeseries[0].samples[0].value, 1.5);
        assert_eq!(req.timeseries[1].samples[0].timestamp, -1);
        assert!(is_stale_nan(req.timeseries[1].samples[0].value));
    }
}
