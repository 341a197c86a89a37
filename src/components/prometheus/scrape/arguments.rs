//! The arguments of `prometheus.scrape`, their defaults, and the checks upstream makes
//! after decoding them.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::eval::{Duration, Value};
use crate::prom::exposition::Format;
use crate::prom::Receiver;

/// A scrape protocol name of `scrape_protocols` / `scrape_fallback_protocol`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScrapeProtocol {
    /// `OpenMetricsText1.0.0`.
    OpenMetrics1,
    /// `OpenMetricsText0.0.1`.
    OpenMetrics0,
    /// `PrometheusText1.0.0`.
    PrometheusText1,
    /// `PrometheusText0.0.4`.
    PrometheusText0,
    /// `PrometheusProto` (accepted in the list; bodies in it cannot be parsed here).
    PrometheusProto,
}

impl ScrapeProtocol {
    /// Parses the configuration spelling.
    pub fn parse(s: &str) -> Option<ScrapeProtocol> {
        Some(match s {
            "OpenMetricsText1.0.0" => ScrapeProtocol::OpenMetrics1,
            "OpenMetricsText0.0.1" => ScrapeProtocol::OpenMetrics0,
            "PrometheusText1.0.0" => ScrapeProtocol::PrometheusText1,
            "PrometheusText0.0.4" => ScrapeProtocol::PrometheusText0,
            "PrometheusProto" => ScrapeProtocol::PrometheusProto,
            _ => return None,
        })
    }

    /// The media type offered in `Accept` (escaping "underscores": legacy metric names).
    fn media_type(self) -> &'static str {
        match self {
            ScrapeProtocol::OpenMetrics1 => {
                "application/openmetrics-text;version=1.0.0;escaping=underscores"
            }
            ScrapeProtocol::OpenMetrics0 => "application/openmetrics-text;version=0.0.1",
            ScrapeProtocol::PrometheusText1 => "text/plain;version=1.0.0;escaping=underscores",
            ScrapeProtocol::PrometheusText0 => "text/plain;version=0.0.4",
            ScrapeProtocol::PrometheusProto => {
                "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited"
            }
        }
    }

    /// The body format this protocol means, when it is a text format.
    pub fn format(self) -> Option<Format> {
        match self {
            ScrapeProtocol::OpenMetrics1 | ScrapeProtocol::OpenMetrics0 => {
                Some(Format::OpenMetrics)
            }
            ScrapeProtocol::PrometheusText1 | ScrapeProtocol::PrometheusText0 => {
                Some(Format::PrometheusText)
            }
            ScrapeProtocol::PrometheusProto => None,
        }
    }
}

/// The `Accept` header for `protocols` in preference order: descending q-values from
/// `0.<n+1>` (n = number of known protocols), then `*/*` at the next lower weight.
pub fn accept_header(protocols: &[ScrapeProtocol]) -> String {
    let mut weight = 6usize;
    let mut parts: Vec<String> = Vec::with_capacity(protocols.len() + 1);
    for p in protocols {
        parts.push(format!("{};q=0.{weight}", p.media_type()));
        weight = weight.saturating_sub(1);
    }
    parts.push(format!("*/*;q=0.{weight}"));
    parts.join(",")
}

/// A byte size: a number of bytes or a string with a base-2 unit (`"10MB"`, `"1GiB"`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct ByteSize(pub u64);

impl ByteSize {
    /// Parses `"<n><unit>"` with units B, KB/KiB, MB/MiB, GB/GiB, TB/TiB (all powers of 1024).
    pub fn parse(s: &str) -> Result<ByteSize, String> {
        let t = s.trim();
        let split = t
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(t.len());
        let (num, unit) = t.split_at(split);
        let n: f64 = num.parse().map_err(|_| {
            format!("invalid byte size {s:?}: expected a number and a unit like \"10MB\"")
        })?;
        let mult: u64 = match unit.trim() {
            "" | "B" => 1,
            "KB" | "KiB" | "K" => 1 << 10,
            "MB" | "MiB" | "M" => 1 << 20,
            "GB" | "GiB" | "G" => 1 << 30,
            "TB" | "TiB" | "T" => 1 << 40,
            other => {
                return Err(format!(
                    "invalid byte size {s:?}: unknown unit {other:?} (use B, KB, MB, GB or TB)"
                ))
            }
        };
        Ok(ByteSize((n * mult as f64) as u64))
    }
}

impl<'de> Deserialize<'de> for ByteSize {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<ByteSize, D::Error> {
        match Value::deserialize(d)? {
            Value::Number(n) => Ok(ByteSize(n.as_u64())),
            Value::String(s) => {
                ByteSize::parse(&s.to_str_lossy()).map_err(serde::de::Error::custom)
            }
            other => Err(serde::de::Error::custom(format!(
                "expected a byte size (number or string like \"10MB\"), got {}",
                other.value_type()
            ))),
        }
    }
}

impl Serialize for ByteSize {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(self.0)
    }
}

/// `clustering { enabled = ... }`.
#[derive(Deserialize, Serialize, Clone, PartialEq, Debug, Default)]
pub struct ClusteringBlock {
    /// Distribute targets across the cluster.
    #[serde(default)]
    pub enabled: bool,
}
crate::river_schema!(ClusteringBlock { attr? enabled });

crate::with_http_client_config! {
    /// The arguments of `prometheus.scrape` (the HTTP client settings are added by the macro).
    #[derive(Deserialize, Serialize, Clone, PartialEq, Debug)]
    pub struct Arguments {
        /// Targets to scrape (label maps with at least `__address__`).
        pub targets: Vec<BTreeMap<String, String>>,
        /// Where scraped samples go.
        pub forward_to: Vec<Receiver>,
        /// The `job` label; defaults to the component ID.
        #[serde(default)]
        pub job_name: String,
        /// Let scraped labels win over target labels on conflict.
        #[serde(default)]
        pub honor_labels: bool,
        /// Use timestamps exposed by the target.
        #[serde(default = "yes")]
        pub honor_timestamps: bool,
        /// Staleness markers also for series with exposed timestamps.
        #[serde(default)]
        pub track_timestamps_staleness: bool,
        /// URL parameters.
        #[serde(default)]
        pub params: BTreeMap<String, Vec<String>>,
        /// How often to scrape.
        #[serde(default = "default_interval")]
        pub scrape_interval: Duration,
        /// Per-scrape timeout (≤ interval).
        #[serde(default = "default_timeout")]
        pub scrape_timeout: Duration,
        /// Protocols offered in `Accept`, in preference order.
        #[serde(default = "default_protocols")]
        pub scrape_protocols: Vec<String>,
        /// Protocol assumed when the `Content-Type` is missing or unknown.
        #[serde(default = "default_fallback")]
        pub scrape_fallback_protocol: String,
        /// Path of the metrics endpoint.
        #[serde(default = "default_path")]
        pub metrics_path: String,
        /// `http` or `https`.
        #[serde(default = "default_scheme")]
        pub scheme: String,
        /// Largest accepted (uncompressed) body; 0 = no limit.
        #[serde(default)]
        pub body_size_limit: ByteSize,
        /// Samples per scrape above which the scrape fails; 0 = no limit.
        #[serde(default)]
        pub sample_limit: u32,
        /// Targets above which every scrape fails; 0 = no limit.
        #[serde(default)]
        pub target_limit: u32,
        /// Labels per series above which the scrape fails; 0 = no limit.
        #[serde(default)]
        pub label_limit: u32,
        /// Label name length above which the scrape fails; 0 = no limit.
        #[serde(default)]
        pub label_name_length_limit: u32,
        /// Label value length above which the scrape fails; 0 = no limit.
        #[serde(default)]
        pub label_value_length_limit: u32,
        /// Ask for gzip.
        #[serde(default = "yes")]
        pub enable_compression: bool,
        /// Also emit `scrape_timeout_seconds`, `scrape_sample_limit`, `scrape_body_size_bytes`.
        #[serde(default)]
        pub extra_metrics: bool,
        /// `clustering { enabled }`.
        #[serde(default)]
        pub clustering: ClusteringBlock,
    }
    schema {
        attr targets,
        attr forward_to,
        attr? job_name,
        attr? honor_labels,
        attr? honor_timestamps,
        attr? track_timestamps_staleness,
        attr? params,
        attr? scrape_interval,
        attr? scrape_timeout,
        attr? scrape_protocols,
        attr? scrape_fallback_protocol,
        attr? metrics_path,
        attr? scheme,
        attr? body_size_limit,
        attr? sample_limit,
        attr? target_limit,
        attr? label_limit,
        attr? label_name_length_limit,
        attr? label_value_length_limit,
        attr? enable_compression,
        attr? extra_metrics,
        block? clustering: ClusteringBlock
    }
    enable_http2_default = "crate::components::common::http_client::default_true";
}

fn yes() -> bool {
    true
}
fn default_interval() -> Duration {
    Duration::from_std(std::time::Duration::from_secs(60))
}
fn default_timeout() -> Duration {
    Duration::from_std(std::time::Duration::from_secs(10))
}
fn default_protocols() -> Vec<String> {
    [
        "OpenMetricsText1.0.0",
        "OpenMetricsText0.0.1",
        "PrometheusText1.0.0",
        "PrometheusText0.0.4",
    ]
    .map(String::from)
    .to_vec()
}
fn default_fallback() -> String {
    "PrometheusText0.0.4".to_string()
}
fn default_path() -> String {
    "/metrics".to_string()
}
fn default_scheme() -> String {
    "http".to_string()
}

/// The arguments after validation, in the types the scrape loops use.
#[derive(Clone, Debug)]
pub struct Validated {
    /// Interval.
    pub interval: std::time::Duration,
    /// Timeout.
    pub timeout: std::time::Duration,
    /// The `Accept` header.
    pub accept: String,
    /// Format assumed for a missing or unknown `Content-Type`.
    pub fallback: Format,
}

impl Arguments {
    /// Checks what upstream checks after decoding; `job` is the effective job name for
    /// messages.
    pub fn validate(&self, job: &str) -> Result<Validated, String> {
        let interval = self.scrape_interval.to_std_saturating();
        let mut timeout = self.scrape_timeout.to_std_saturating();
        if self.scrape_interval.as_nanos() <= 0 {
            return Err("scrape_interval must be greater than 0".into());
        }
        if self.scrape_timeout.as_nanos() < 0 {
            return Err("scrape_timeout must not be negative".into());
        }
        if timeout.is_zero() {
            timeout = interval.min(std::time::Duration::from_secs(10));
        }
        if timeout > interval {
            return Err(format!(
                "scrape_timeout ({}) greater than scrape_interval ({}) for scrape config with job name {job:?}",
                self.scrape_timeout, self.scrape_interval
            ));
        }
        if self.scrape_protocols.is_empty() {
            return Err("scrape_protocols cannot be empty".into());
        }
        let mut protocols = Vec::new();
        for p in &self.scrape_protocols {
            let parsed = ScrapeProtocol::parse(p).ok_or_else(|| {
                format!("unknown scrape protocol {p:?}, supported: OpenMetricsText1.0.0, OpenMetricsText0.0.1, PrometheusText1.0.0, PrometheusText0.0.4, PrometheusProto")
            })?;
            if protocols.contains(&parsed) {
                return Err(format!(
                    "duplicated protocol in scrape_protocols, got {:?}",
                    self.scrape_protocols
                ));
            }
            protocols.push(parsed);
        }
        let fallback = ScrapeProtocol::parse(&self.scrape_fallback_protocol)
            .ok_or_else(|| format!("unknown scrape_fallback_protocol {:?}", self.scrape_fallback_protocol))?
            .format()
            .ok_or("scrape_fallback_protocol PrometheusProto is not supported: only text formats can be parsed")?;
        if self.scheme != "http" && self.scheme != "https" {
            return Err(format!(
                "invalid scheme {:?}: use \"http\" or \"https\"",
                self.scheme
            ));
        }
        if !self.metrics_path.starts_with('/') {
            return Err(format!(
                "metrics_path {:?} must start with '/'",
                self.metrics_path
            ));
        }
        self.http_client_config()
            .validate()
            .map_err(|e| e.to_string())?;
        Ok(Validated {
            interval,
            timeout,
            accept: accept_header(&protocols),
            fallback,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::{decode_body, Scope};

    fn decode(src: &str) -> Result<Arguments, String> {
        let ast =
            crate::syntax::parse_file("t.river", src.as_bytes()).map_err(|e| format!("{e:?}"))?;
        decode_body::<Arguments>(&ast, ast.file_body(), &Scope::isolated()).map_err(|d| d.message)
    }

    #[test]
    fn defaults() {
        let a = decode("targets = []\nforward_to = []\n").unwrap();
        assert_eq!(a.scrape_interval.to_string(), "1m0s");
        assert_eq!(a.scrape_timeout.to_string(), "10s");
        assert_eq!(a.metrics_path, "/metrics");
        assert!(a.honor_timestamps && a.enable_compression && !a.honor_labels);
        let v = a.validate("j").unwrap();
        assert_eq!(v.fallback, Format::PrometheusText);
        assert_eq!(
            v.accept,
            "application/openmetrics-text;version=1.0.0;escaping=underscores;q=0.6,\
             application/openmetrics-text;version=0.0.1;q=0.5,\
             text/plain;version=1.0.0;escaping=underscores;q=0.4,\
             text/plain;version=0.0.4;q=0.3,*/*;q=0.2"
        );
    }

    #[test]
    fn timeout_longer_than_interval_is_an_error() {
        let a = decode("targets = []\nforward_to = []\nscrape_interval = \"5s\"\n").unwrap();
        let e = a.validate("j").unwrap_err();
        assert!(
            e.contains("scrape_timeout (10s) greater than scrape_interval (5s)"),
            "{e}"
        );
        let a = decode(
            "targets = []\nforward_to = []\nscrape_interval = \"5s\"\nscrape_timeout = \"5s\"\n",
        )
        .unwrap();
        assert!(a.validate("j").is_ok());
    }

    #[test]
    fn protocols_and_sizes() {
        let a = decode("targets = []\nforward_to = []\nscrape_protocols = [\"PrometheusText0.0.4\", \"Nope\"]\n").unwrap();
        assert!(a
            .validate("j")
            .unwrap_err()
            .contains("unknown scrape protocol \"Nope\""));
        let a = decode("targets = []\nforward_to = []\nbody_size_limit = \"10MB\"\nclustering {\n enabled = true\n}\n").unwrap();
        assert_eq!(a.body_size_limit, ByteSize(10 << 20));
        assert!(a.clustering.enabled);
        assert_eq!(ByteSize::parse("512").unwrap(), ByteSize(512));
        assert!(ByteSize::parse("3 parsecs").is_err());
    }
}
