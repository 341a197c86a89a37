//! The arguments of `prometheus.remote_write` (endpoints, queue, WAL) and their checks.

use std::collections::BTreeMap;
use std::time::Duration as StdDuration;

use serde::{Deserialize, Serialize};

use crate::eval::{Duration, Secret};
use crate::prom::relabel::{RelabelConfig, Rules};

fn yes() -> bool {
    true
}
fn secs(s: u64) -> Duration {
    Duration::from_std(StdDuration::from_secs(s))
}
fn millis(ms: u64) -> Duration {
    Duration::from_std(StdDuration::from_millis(ms))
}

/// The arguments of `prometheus.remote_write`.
#[derive(Deserialize, Serialize, Clone, PartialEq, Debug, Default)]
pub struct Arguments {
    /// Labels added to every series that does not have them.
    #[serde(default)]
    pub external_labels: BTreeMap<String, String>,
    /// Where to send.
    #[serde(default)]
    pub endpoint: Vec<EndpointOptions>,
    /// WAL settings.
    #[serde(default)]
    pub wal: WalArgs,
}
crate::river_schema!(Arguments {
    attr? external_labels,
    blocks endpoint: EndpointOptions,
    block? wal: WalArgs,
});

crate::with_http_client_config! {
    /// `endpoint { ... }` (the HTTP client settings are added by the macro; `enable_http2` is
    /// off by default here).
    #[derive(Deserialize, Serialize, Clone, PartialEq, Debug)]
    pub struct EndpointOptions {
        /// Remote-write URL.
        pub url: String,
        /// Name in metrics (`remote_name`) and of the WAL reader; default: a hash of the URL.
        #[serde(default)]
        pub name: String,
        /// Timeout of one request.
        #[serde(default = "default_remote_timeout")]
        pub remote_timeout: Duration,
        /// Extra request headers.
        #[serde(default)]
        pub headers: BTreeMap<String, Secret>,
        /// Accepted; exemplars do not reach remote write in this agent.
        #[serde(default = "yes")]
        pub send_exemplars: bool,
        /// Accepted; native histograms are not scraped by this agent.
        #[serde(default)]
        pub send_native_histograms: bool,
        /// Only `prometheus.WriteRequest` (remote write 1.0) is supported.
        #[serde(default = "default_protobuf_message")]
        pub protobuf_message: String,
        /// `queue_config`.
        #[serde(default)]
        pub queue_config: QueueOptions,
        /// `metadata_config`.
        #[serde(default)]
        pub metadata_config: MetadataOptions,
        /// `write_relabel_config` rules, applied per endpoint after external labels.
        #[serde(default)]
        pub write_relabel_config: Vec<RelabelConfig>,
    }
    schema {
        attr url,
        attr? name,
        attr? remote_timeout,
        attr? headers,
        attr? send_exemplars,
        attr? send_native_histograms,
        attr? protobuf_message,
        block? queue_config: QueueOptions,
        block? metadata_config: MetadataOptions,
        blocks write_relabel_config: RelabelConfig
    }
    enable_http2_default = "crate::components::common::http_client::default_false";
}

fn default_remote_timeout() -> Duration {
    secs(30)
}
fn default_protobuf_message() -> String {
    "prometheus.WriteRequest".to_string()
}

/// `queue_config { ... }`.
#[derive(Deserialize, Serialize, Clone, PartialEq, Debug)]
pub struct QueueOptions {
    /// Samples buffered per shard.
    #[serde(default = "default_capacity")]
    pub capacity: u32,
    /// Most shards.
    #[serde(default = "default_max_shards")]
    pub max_shards: u32,
    /// Fewest shards.
    #[serde(default = "default_min_shards")]
    pub min_shards: u32,
    /// Samples per request.
    #[serde(default = "default_max_samples")]
    pub max_samples_per_send: u32,
    /// Longest wait before a partial batch is sent.
    #[serde(default = "default_deadline")]
    pub batch_send_deadline: Duration,
    /// First retry delay.
    #[serde(default = "default_min_backoff")]
    pub min_backoff: Duration,
    /// Longest retry delay.
    #[serde(default = "default_max_backoff")]
    pub max_backoff: Duration,
    /// Retry on HTTP 429.
    #[serde(default = "yes")]
    pub retry_on_http_429: bool,
    /// Samples older than this are dropped instead of sent (0 = never).
    #[serde(default)]
    pub sample_age_limit: Duration,
}
crate::river_schema!(QueueOptions {
    attr? capacity,
    attr? max_shards,
    attr? min_shards,
    attr? max_samples_per_send,
    attr? batch_send_deadline,
    attr? min_backoff,
    attr? max_backoff,
    attr? retry_on_http_429,
    attr? sample_age_limit,
});

fn default_capacity() -> u32 {
    10_000
}
fn default_max_shards() -> u32 {
    50
}
fn default_min_shards() -> u32 {
    1
}
fn default_max_samples() -> u32 {
    2_000
}
fn default_deadline() -> Duration {
    secs(5)
}
fn default_min_backoff() -> Duration {
    millis(30)
}
fn default_max_backoff() -> Duration {
    secs(5)
}

impl Default for QueueOptions {
    fn default() -> Self {
        QueueOptions {
            capacity: default_capacity(),
            max_shards: default_max_shards(),
            min_shards: default_min_shards(),
            max_samples_per_send: default_max_samples(),
            batch_send_deadline: default_deadline(),
            min_backoff: default_min_backoff(),
            max_backoff: default_max_backoff(),
            retry_on_http_429: true,
            sample_age_limit: Duration::from_std(StdDuration::ZERO),
        }
    }
}

/// `metadata_config { ... }` (accepted; metadata is not forwarded by this agent's scrapes).
#[derive(Deserialize, Serialize, Clone, PartialEq, Debug)]
pub struct MetadataOptions {
    /// Send metadata.
    #[serde(default = "yes")]
    pub send: bool,
    /// How often.
    #[serde(default = "default_metadata_interval")]
    pub send_interval: Duration,
    /// Entries per request.
    #[serde(default = "default_max_samples")]
    pub max_samples_per_send: u32,
}
crate::river_schema!(MetadataOptions { attr? send, attr? send_interval, attr? max_samples_per_send });

fn default_metadata_interval() -> Duration {
    secs(60)
}

impl Default for MetadataOptions {
    fn default() -> Self {
        MetadataOptions {
            send: true,
            send_interval: default_metadata_interval(),
            max_samples_per_send: default_max_samples(),
        }
    }
}

/// `wal { ... }`.
#[derive(Deserialize, Serialize, Clone, PartialEq, Debug)]
pub struct WalArgs {
    /// How often the WAL's bounds are applied (and it is synced).
    #[serde(default = "default_truncate")]
    pub truncate_frequency: Duration,
    /// Documented lower bound of how long data stays (data stays until sent anyway).
    #[serde(default = "default_min_keepalive")]
    pub min_keepalive_time: Duration,
    /// Unsent data older than this is dropped.
    #[serde(default = "default_max_keepalive")]
    pub max_keepalive_time: Duration,
}
crate::river_schema!(WalArgs { attr? truncate_frequency, attr? min_keepalive_time, attr? max_keepalive_time });

fn default_truncate() -> Duration {
    secs(2 * 3600)
}
fn default_min_keepalive() -> Duration {
    secs(5 * 60)
}
fn default_max_keepalive() -> Duration {
    secs(8 * 3600)
}

impl Default for WalArgs {
    fn default() -> Self {
        WalArgs {
            truncate_frequency: default_truncate(),
            min_keepalive_time: default_min_keepalive(),
            max_keepalive_time: default_max_keepalive(),
        }
    }
}

impl EndpointOptions {
    /// The name in metrics: `name`, or the first 6 hex digits of a hash of the URL.
    pub fn remote_name(&self) -> String {
        if !self.name.is_empty() {
            return self.name.clone();
        }
        let h = xxhash_rust::xxh64::xxh64(self.url.as_bytes(), 0);
        format!("{:06x}", h >> 40)
    }

    /// The WAL reader name: stable while the name (or, without a name, the URL) stays.
    pub fn reader_name(&self) -> String {
        let h = xxhash_rust::xxh64::xxh64(
            format!(
                "{}\u{0}{}",
                self.name,
                if self.name.is_empty() { &self.url } else { "" }
            )
            .as_bytes(),
            0,
        );
        let clean: String = self
            .remote_name()
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                    c
                } else {
                    '_'
                }
            })
            .take(64)
            .collect();
        format!("{clean}-{h:016x}")
    }

    /// Compiles the write relabel rules.
    pub fn rules(&self) -> Result<Rules, String> {
        crate::components::common::relabel_rules::compile(&self.write_relabel_config)
            .map_err(|e| format!("write_relabel_config: {e}"))
    }

    /// Checks the endpoint.
    pub fn validate(&self) -> Result<(), String> {
        let url = reqwest::Url::parse(&self.url)
            .map_err(|e| format!("endpoint url {:?} is invalid: {e}", self.url))?;
        if url.scheme() != "http" && url.scheme() != "https" {
            return Err(format!(
                "endpoint url {:?}: scheme must be http or https",
                self.url
            ));
        }
        if self.protobuf_message != "prometheus.WriteRequest" {
            return Err(format!(
                "protobuf_message {:?} is not supported: only \"prometheus.WriteRequest\" (remote write 1.0)",
                self.protobuf_message
            ));
        }
        if self.remote_timeout.as_nanos() <= 0 {
            return Err("remote_timeout must be greater than 0".into());
        }
        let q = &self.queue_config;
        if q.min_shards == 0 {
            return Err("queue_config: min_shards must be at least 1".into());
        }
        if q.max_shards < q.min_shards {
            return Err(format!(
                "queue_config: max_shards ({}) must not be less than min_shards ({})",
                q.max_shards, q.min_shards
            ));
        }
        if q.capacity == 0 || q.max_samples_per_send == 0 {
            return Err(
                "queue_config: capacity and max_samples_per_send must be greater than 0".into(),
            );
        }
        if q.batch_send_deadline.as_nanos() <= 0 {
            return Err("queue_config: batch_send_deadline must be greater than 0".into());
        }
        if q.min_backoff.as_nanos() < 0 || q.max_backoff.as_nanos() < q.min_backoff.as_nanos() {
            return Err("queue_config: max_backoff must not be less than min_backoff".into());
        }
        for k in self.headers.keys() {
            reqwest::header::HeaderName::from_bytes(k.as_bytes())
                .map_err(|_| format!("headers: invalid header name {k:?}"))?;
        }
        self.http_client_config()
            .validate()
            .map_err(|e| e.to_string())?;
        self.rules()?;
        Ok(())
    }
}

impl Arguments {
    /// Checks the whole block.
    pub fn validate(&self) -> Result<(), String> {
        if self.wal.truncate_frequency.as_nanos() <= 0 {
            return Err("wal: truncate_frequency must not be zero".into());
        }
        if self.wal.max_keepalive_time.as_nanos() <= self.wal.min_keepalive_time.as_nanos() {
            return Err("wal: min_keepalive_time must be smaller than max_keepalive_time".into());
        }
        let mut readers = std::collections::HashSet::new();
        for e in &self.endpoint {
            e.validate()?;
            if !readers.insert(e.reader_name()) {
                return Err(format!(
                    "duplicate endpoint {:?}: give each endpoint a distinct name",
                    e.remote_name()
                ));
            }
        }
        for k in self.external_labels.keys() {
            if !crate::prom::is_valid_label_name(k) {
                return Err(format!("external_labels: invalid label name {k:?}"));
            }
        }
        Ok(())
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
    fn defaults_and_blocks() {
        let a = decode(
            r#"
external_labels = { cluster = "c1" }
endpoint {
  url = "http://localhost:9009/api/v1/write"
  queue_config {
    max_shards = 4
  }
  write_relabel_config {
    source_labels = ["__name__"]
    regex = "go_.*"
    action = "drop"
  }
}
wal {
  truncate_frequency = "1h"
}
"#,
        )
        .unwrap();
        let e = &a.endpoint[0];
        assert_eq!(e.remote_timeout.to_string(), "30s");
        assert_eq!(e.queue_config.capacity, 10_000);
        assert_eq!(e.queue_config.max_shards, 4);
        assert_eq!(e.queue_config.min_backoff.to_string(), "30ms");
        assert_eq!(a.wal.max_keepalive_time.to_string(), "8h0m0s");
        assert!(!e.enable_http2);
        assert_eq!(e.rules().unwrap().len(), 1);
        a.validate().unwrap();
        assert_eq!(e.remote_name().len(), 6);
        assert!(e.reader_name().len() > 17);
    }

    #[test]
    fn validation_errors() {
        let a = decode("endpoint {\n url = \"ftp://x\"\n}\n").unwrap();
        assert!(a.validate().unwrap_err().contains("scheme must be http"));
        let a = decode("endpoint {\n url = \"http://x\"\n queue_config {\n min_shards = 5\n max_shards = 2\n }\n}\n").unwrap();
        assert!(a.validate().unwrap_err().contains("max_shards"));
        let a = decode("wal {\n min_keepalive_time = \"9h\"\n}\n").unwrap();
        assert!(a.validate().unwrap_err().contains("min_keepalive_time"));
        let a = decode("endpoint {\n url = \"http://x\"\n write_relabel_config {\n action = \"bogus\"\n }\n}\n").unwrap();
        assert!(a.validate().unwrap_err().contains("write_relabel_config"));
        let a = decode("endpoint {\n url = \"http://x\"\n}\nendpoint {\n url = \"http://x\"\n}\n")
            .unwrap();
        assert!(a.validate().unwrap_err().contains("duplicate endpoint"));
    }
}
