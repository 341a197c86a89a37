//! Prometheus remote-write 1.0: the protobuf messages, the snappy block-format body, the
//! request headers, and the stale-marker NaN.
//!
//! A sender builds a [`WriteRequest`] (series labels sorted by name, samples in timestamp
//! order), turns it into a body with [`encode`] (or an [`Encoder`] that reuses its buffers) and
//! POSTs it with the headers below. A receiver checks the body with [`decode`], which refuses
//! oversized bodies before allocating for them.
//!
//! The messages are written by hand with `prost` derives, field numbers as in Prometheus'
//! `prompb/types.proto` and `remote.proto`. Native histograms (`TimeSeries` field 4) are not
//! modelled; a decoder skips them as unknown fields.

use prost::Message;

use crate::prom::labels::{self, Labels};
use crate::prom::metric_type::MetricType;

/// `Content-Encoding` of a remote-write body.
pub const CONTENT_ENCODING: &str = "snappy";
/// `Content-Type` of a remote-write 1.0 body.
pub const CONTENT_TYPE: &str = "application/x-protobuf";
/// Name of the protocol version header.
pub const VERSION_HEADER: &str = "X-Prometheus-Remote-Write-Version";
/// Value of the protocol version header for remote write 1.0.
pub const VERSION: &str = "0.1.0";

/// Bit pattern of Prometheus' staleness marker, a NaN distinct from the usual one: a series
/// that disappeared gets one sample with this value.
pub const STALE_NAN_BITS: u64 = 0x7ff0_0000_0000_0002;

/// The staleness marker value.
pub fn stale_nan() -> f64 {
    f64::from_bits(STALE_NAN_BITS)
}

/// True when `v` is the staleness marker (compares bits; any other NaN is an ordinary value).
pub fn is_stale_nan(v: f64) -> bool {
    v.to_bits() == STALE_NAN_BITS
}

/// Default limit on a received (compressed) body.
pub const DEFAULT_MAX_COMPRESSED_BYTES: usize = 32 << 20;
/// Default limit on a received body once decompressed.
pub const DEFAULT_MAX_DECOMPRESSED_BYTES: usize = 128 << 20;

/// `prometheus.WriteRequest`.
#[derive(Clone, PartialEq, Message)]
pub struct WriteRequest {
    /// The series with their samples.
    #[prost(message, repeated, tag = "1")]
    pub timeseries: Vec<TimeSeries>,
    /// Metric family metadata (optional in 1.0; Prometheus and Alloy send it periodically).
    #[prost(message, repeated, tag = "3")]
    pub metadata: Vec<MetricMetadata>,
}

/// `prometheus.TimeSeries`: one series and its samples.
#[derive(Clone, PartialEq, Message)]
pub struct TimeSeries {
    /// Labels sorted by name, names unique, `__name__` included, no empty values.
    #[prost(message, repeated, tag = "1")]
    pub labels: Vec<Label>,
    /// Samples in timestamp order.
    #[prost(message, repeated, tag = "2")]
    pub samples: Vec<Sample>,
    /// Exemplars, when the sender forwards them.
    #[prost(message, repeated, tag = "3")]
    pub exemplars: Vec<Exemplar>,
}

/// `prometheus.Label`.
#[derive(Clone, PartialEq, Eq, Hash, Message)]
pub struct Label {
    /// Label name.
    #[prost(string, tag = "1")]
    pub name: String,
    /// Label value.
    #[prost(string, tag = "2")]
    pub value: String,
}

/// `prometheus.Sample`.
#[derive(Clone, Copy, PartialEq, Message)]
pub struct Sample {
    /// The value (the staleness marker is [`stale_nan`]).
    #[prost(double, tag = "1")]
    pub value: f64,
    /// Milliseconds since the Unix epoch.
    #[prost(int64, tag = "2")]
    pub timestamp: i64,
}

/// `prometheus.Exemplar`.
#[derive(Clone, PartialEq, Message)]
pub struct Exemplar {
    /// Exemplar labels (e.g. `trace_id`).
    #[prost(message, repeated, tag = "1")]
    pub labels: Vec<Label>,
    /// The exemplar value.
    #[prost(double, tag = "2")]
    pub value: f64,
    /// Milliseconds since the Unix epoch.
    #[prost(int64, tag = "3")]
    pub timestamp: i64,
}

/// `prometheus.MetricMetadata`.
#[derive(Clone, PartialEq, Eq, Message)]
pub struct MetricMetadata {
    /// The `MetricType` enum value; see [`MetricMetadata::metric_type`].
    #[prost(int32, tag = "1")]
    pub r#type: i32,
    /// The metric family name.
    #[prost(string, tag = "2")]
    pub metric_family_name: String,
    /// HELP text.
    #[prost(string, tag = "4")]
    pub help: String,
    /// UNIT text.
    #[prost(string, tag = "5")]
    pub unit: String,
}

impl MetricMetadata {
    /// Metadata for a family.
    pub fn new(family: impl Into<String>, kind: MetricType, help: impl Into<String>) -> Self {
        MetricMetadata {
            r#type: kind.as_i32(),
            metric_family_name: family.into(),
            help: help.into(),
            unit: String::new(),
        }
    }

    /// The family type (unknown enum values read as [`MetricType::Unknown`]).
    pub fn metric_type(&self) -> MetricType {
        MetricType::from_i32(self.r#type)
    }
}

impl TimeSeries {
    /// A series with `labels` (already sorted, as [`Labels`] always is) and `samples`.
    pub fn new(labels: &Labels, samples: Vec<Sample>) -> Self {
        TimeSeries {
            labels: to_proto_labels(labels),
            samples,
            exemplars: Vec::new(),
        }
    }

    /// The series' labels as a [`Labels`] set (sorted; duplicates: the last wins; empty values
    /// dropped).
    pub fn label_set(&self) -> Labels {
        let refs = self.labels.iter().map(|l| labels::LabelRef {
            name: &l.name,
            value: &l.value,
        });
        if let Some(set) = Labels::from_sorted_refs(refs) {
            return set;
        }
        Labels::from_pairs(
            self.labels
                .iter()
                .map(|l| (l.name.as_str(), l.value.as_str())),
        )
    }
}

/// Converts a label set to remote-write labels (same order).
pub fn to_proto_labels(labels: &Labels) -> Vec<Label> {
    labels
        .iter()
        .map(|l| Label {
            name: l.name.to_owned(),
            value: l.value.to_owned(),
        })
        .collect()
}

/// Why a body could not be encoded or decoded.
#[derive(Debug, thiserror::Error)]
pub enum RemoteWriteError {
    /// The compressed body exceeds the receiver's limit.
    #[error("remote-write body of {size} bytes exceeds the limit of {limit} bytes")]
    BodyTooLarge {
        /// Body size.
        size: usize,
        /// Configured limit.
        limit: usize,
    },
    /// The body would decompress to more than the receiver's limit.
    #[error("remote-write body decompresses to {size} bytes, over the limit of {limit} bytes")]
    DecompressedTooLarge {
        /// Size announced by the snappy header.
        size: usize,
        /// Configured limit.
        limit: usize,
    },
    /// Not a valid snappy block (maybe framed snappy or uncompressed).
    #[error("invalid snappy block-format body: {0}")]
    Snappy(String),
    /// Not a valid `WriteRequest`.
    #[error("invalid remote-write protobuf: {0}")]
    Protobuf(String),
}

/// Size limits for [`decode_with_limits`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DecodeLimits {
    /// Largest accepted compressed body.
    pub max_compressed_bytes: usize,
    /// Largest accepted decompressed body.
    pub max_decompressed_bytes: usize,
}

impl Default for DecodeLimits {
    fn default() -> Self {
        DecodeLimits {
            max_compressed_bytes: DEFAULT_MAX_COMPRESSED_BYTES,
            max_decompressed_bytes: DEFAULT_MAX_DECOMPRESSED_BYTES,
        }
    }
}

/// Encodes a request as a remote-write body: protobuf, then snappy block format.
pub fn encode(request: &WriteRequest) -> Result<Vec<u8>, RemoteWriteError> {
    let mut out = Vec::new();
    Encoder::new().encode_into(request, &mut out)?;
    Ok(out)
}

/// Decodes a remote-write body with the default limits.
pub fn decode(body: &[u8]) -> Result<WriteRequest, RemoteWriteError> {
    decode_with_limits(body, &DecodeLimits::default())
}

/// Decodes a remote-write body, refusing bodies over `limits` before allocating for them.
pub fn decode_with_limits(
    body: &[u8],
    limits: &DecodeLimits,
) -> Result<WriteRequest, RemoteWriteError> {
    if body.len() > limits.max_compressed_bytes {
        return Err(RemoteWriteError::BodyTooLarge {
            size: body.len(),
            limit: limits.max_compressed_bytes,
        });
    }
    let size =
        snap::raw::decompress_len(body).map_err(|e| RemoteWriteError::Snappy(e.to_string()))?;
    if size > limits.max_decompressed_bytes {
        return Err(RemoteWriteError::DecompressedTooLarge {
            size,
            limit: limits.max_decompressed_bytes,
        });
    }
    let raw = snap::raw::Decoder::new()
        .decompress_vec(body)
        .map_err(|e| RemoteWriteError::Snappy(e.to_string()))?;
    WriteRequest::decode(raw.as_slice()).map_err(|e| RemoteWriteError::Protobuf(e.to_string()))
}

/// Encodes bodies reusing its protobuf buffer and snappy state across calls (one per sending
/// shard).
pub struct Encoder {
    proto: Vec<u8>,
    snappy: snap::raw::Encoder,
}

impl Default for Encoder {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for Encoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Encoder")
            .field("proto_capacity", &self.proto.capacity())
            .finish()
    }
}

impl Encoder {
    /// A new encoder.
    pub fn new() -> Self {
        Encoder {
            proto: Vec::new(),
            snappy: snap::raw::Encoder::new(),
        }
    }

    /// Replaces `out` with the body for `request`.
    pub fn encode_into(
        &mut self,
        request: &WriteRequest,
        out: &mut Vec<u8>,
    ) -> Result<(), RemoteWriteError> {
        self.proto.clear();
        self.proto.reserve(request.encoded_len());
        request
            .encode(&mut self.proto)
            .map_err(|e| RemoteWriteError::Protobuf(e.to_string()))?;
        out.clear();
        out.resize(snap::raw::max_compress_len(self.proto.len()), 0);
        let n = self
            .snappy
            .compress(&self.proto, out)
            .map_err(|e| RemoteWriteError::Snappy(e.to_string()))?;
        out.truncate(n);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample_request() -> WriteRequest {
        let labels = Labels::from_pairs([("__name__", "up"), ("job", "node"), ("instance", "a:1")]);
        WriteRequest {
            timeseries: vec![
                TimeSeries::new(
                    &labels,
                    vec![
                        Sample {
                            value: 1.0,
                            timestamp: 1_700_000_000_000,
                        },
                        Sample {
                            value: stale_nan(),
                            timestamp: 1_700_000_015_000,
                        },
                    ],
                ),
                TimeSeries {
                    labels: vec![Label {
                        name: "__name__".into(),
                        value: "x".into(),
                    }],
                    samples: vec![Sample {
                        value: -0.5,
                        timestamp: -1,
                    }],
                    exemplars: vec![Exemplar {
                        labels: vec![Label {
                            name: "trace_id".into(),
                            value: "abc".into(),
                        }],
                        value: 0.25,
                        timestamp: 5,
                    }],
                },
            ],
            metadata: vec![MetricMetadata::new("up", MetricType::Gauge, "1 if up")],
        }
    }

    #[test]
    fn round_trip() {
        let req = sample_request();
        let body = encode(&req).unwrap();
        let back = decode(&body).unwrap();
        // The stale NaN makes `==` false; compare encodings, which are bit-exact.
        assert_eq!(back.encode_to_vec(), req.encode_to_vec());
        assert_eq!(back.timeseries[1], req.timeseries[1]);
        assert_eq!(back.metadata, req.metadata);
        assert!(is_stale_nan(back.timeseries[0].samples[1].value));
        assert!(!is_stale_nan(back.timeseries[0].samples[0].value));
        assert_eq!(back.metadata[0].metric_type(), MetricType::Gauge);
        assert_eq!(
            back.timeseries[0].label_set(),
            Labels::from_pairs([("__name__", "up"), ("job", "node"), ("instance", "a:1")])
        );
    }

    #[test]
    fn wire_bytes_match_the_proto_schema() {
        let req = WriteRequest {
            timeseries: vec![TimeSeries {
                labels: vec![Label {
                    name: "a".into(),
                    value: "b".into(),
                }],
                samples: vec![Sample {
                    value: 1.0,
                    timestamp: 2,
                }],
                exemplars: vec![],
            }],
            metadata: vec![],
        };
        let proto = req.encode_to_vec();
        assert_eq!(
            proto,
            [
                0x0a, 0x15, // timeseries, 21 bytes
                0x0a, 0x06, 0x0a, 0x01, b'a', 0x12, 0x01, b'b', // label a=b
                0x12, 0x0b, 0x09, 0, 0, 0, 0, 0, 0, 0xf0, 0x3f, 0x10, 0x02, // sample 1.0 @ 2
            ]
        );
        let meta = MetricMetadata {
            r#type: 1,
            metric_family_name: "f".into(),
            help: "h".into(),
            unit: "u".into(),
        };
        assert_eq!(
            meta.encode_to_vec(),
            [0x08, 0x01, 0x12, 0x01, b'f', 0x22, 0x01, b'h', 0x2a, 0x01, b'u']
        );
    }

    #[test]
    fn body_is_snappy_block_format() {
        let req = sample_request();
        let body = encode(&req).unwrap();
        // Block format: a varint length header, not the framed stream identifier.
        assert_ne!(body.first(), Some(&0xff));
        let raw = snap::raw::Decoder::new().decompress_vec(&body).unwrap();
        assert_eq!(raw, req.encode_to_vec());
        // The reusing encoder produces the same bytes.
        let mut enc = Encoder::new();
        let mut out = Vec::new();
        enc.encode_into(&req, &mut out).unwrap();
        assert_eq!(out, body);
        enc.encode_into(&WriteRequest::default(), &mut out).unwrap();
        assert_eq!(decode(&out).unwrap(), WriteRequest::default());
    }

    #[test]
    fn decode_errors() {
        let body = encode(&sample_request()).unwrap();
        let limits = DecodeLimits {
            max_compressed_bytes: 10,
            max_decompressed_bytes: 1 << 20,
        };
        assert!(matches!(
            decode_with_limits(&body, &limits),
            Err(RemoteWriteError::BodyTooLarge { limit: 10, .. })
        ));
        // A tiny body that claims a huge decompressed size is refused up front.
        let bomb = [0xff, 0xff, 0xff, 0xff, 0x0f, 0x00];
        assert!(matches!(
            decode(&bomb),
            Err(RemoteWriteError::DecompressedTooLarge { .. })
        ));
        assert!(matches!(
            decode(b"\xff\x06\x00\x00sNaPpY"),
            Err(RemoteWriteError::Snappy(_)) | Err(RemoteWriteError::DecompressedTooLarge { .. })
        ));
        let not_proto = snap::raw::Encoder::new()
            .compress_vec(&[0x0a, 0x05, 0x01])
            .unwrap();
        let err = decode(&not_proto).unwrap_err();
        assert!(matches!(err, RemoteWriteError::Protobuf(_)), "{err}");
        assert!(err.to_string().starts_with("invalid remote-write protobuf"));
    }

    #[test]
    fn stale_marker() {
        assert_eq!(stale_nan().to_bits(), 0x7ff0000000000002);
        assert!(stale_nan().is_nan());
        assert!(!is_stale_nan(f64::NAN));
        assert!(!is_stale_nan(1.0));
    }
}
