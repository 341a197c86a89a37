//! From a discovered target (a label map) to what a scrape loop needs: the final target
//! labels, the URL, and the interval and timeout, with Prometheus' rules.
//!
//! * `__scheme__`, `__metrics_path__`, `__param_<name>`, `__scrape_interval__` and
//!   `__scrape_timeout__` override the component settings; `job` is set to the job name
//!   unless present; `instance` defaults to `__address__`.
//! * Every other label starting with `__` is dropped from the labels the series get.
//! * The ring key is computed from the labels exactly as received (non-`__meta_` ones).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::time::Duration;

use crate::cluster::keys::TargetKey;
use crate::eval::Duration as GoDuration;
use crate::prom::labels::{is_valid_label_name, Labels};

/// The component-level settings a target starts from.
#[derive(Clone, Debug, PartialEq)]
pub struct TargetDefaults {
    /// Value of `job` unless the target has one.
    pub job_name: String,
    /// `http` or `https`.
    pub scheme: String,
    /// Path of the metrics endpoint.
    pub metrics_path: String,
    /// URL parameters.
    pub params: BTreeMap<String, Vec<String>>,
    /// Interval.
    pub interval: Duration,
    /// Timeout.
    pub timeout: Duration,
}

/// One target ready to scrape.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScrapeTarget {
    /// Its ring key (also its identity in the scrape manager).
    pub key: TargetKey,
    /// The labels every series of the target gets (`job`, `instance`, …; no `__` labels).
    pub labels: Labels,
    /// The discovered labels as received (for the UI).
    pub discovered: Labels,
    /// `scheme://address/path?params`.
    pub url: String,
    /// `http` or `https`.
    pub scheme: String,
    /// `host:port`.
    pub address: String,
    /// Path and query, for in-process requests.
    pub path_and_query: String,
    /// Scrape interval.
    pub interval: Duration,
    /// Scrape timeout.
    pub timeout: Duration,
}

/// Why a target cannot be scraped.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TargetError {
    /// `__address__` is missing or empty.
    #[error("target {0} has no __address__ label")]
    NoAddress(String),
    /// `__address__` is not `host[:port]`.
    #[error("target {labels}: {address:?} is not a valid host:port address")]
    InvalidAddress {
        /// The target's labels.
        labels: String,
        /// The address.
        address: String,
    },
    /// `__scheme__` is neither http nor https.
    #[error("target {labels}: invalid scheme {scheme:?}")]
    InvalidScheme {
        /// The target's labels.
        labels: String,
        /// The scheme.
        scheme: String,
    },
    /// `__scrape_interval__` / `__scrape_timeout__` is not a duration, or zero.
    #[error("target {labels}: invalid {label} {value:?}: {reason}")]
    InvalidDuration {
        /// The target's labels.
        labels: String,
        /// Which label.
        label: &'static str,
        /// Its value.
        value: String,
        /// Why.
        reason: String,
    },
    /// The timeout is longer than the interval.
    #[error("target {labels}: scrape timeout cannot be greater than scrape interval ({timeout:?} > {interval:?})")]
    TimeoutOverInterval {
        /// The target's labels.
        labels: String,
        /// Timeout.
        timeout: String,
        /// Interval.
        interval: String,
    },
    /// A remaining label name is not a valid Prometheus label name.
    #[error("target {labels}: invalid label name {name:?}")]
    InvalidLabelName {
        /// The target's labels.
        labels: String,
        /// The name.
        name: String,
    },
}

const ADDRESS: &str = "__address__";
const SCHEME: &str = "__scheme__";
const METRICS_PATH: &str = "__metrics_path__";
const PARAM_PREFIX: &str = "__param_";
const INTERVAL: &str = "__scrape_interval__";
const TIMEOUT: &str = "__scrape_timeout__";

fn parse_duration(raw: &Labels, label: &'static str, value: &str) -> Result<Duration, TargetError> {
    let err = |reason: String| TargetError::InvalidDuration {
        labels: raw.to_string(),
        label,
        value: value.to_string(),
        reason,
    };
    let d = GoDuration::parse(value).map_err(|e| err(e.to_string()))?;
    if d.as_nanos() <= 0 {
        return Err(err("must be greater than 0".into()));
    }
    Ok(d.to_std_saturating())
}

/// Builds the scrape target for `raw`; `Ok(None)` when the label set is empty (dropped).
pub fn populate(
    raw: &BTreeMap<String, String>,
    d: &TargetDefaults,
) -> Result<Option<ScrapeTarget>, TargetError> {
    if raw.is_empty() {
        return Ok(None);
    }
    let key = TargetKey::for_scrape_target(raw.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    let discovered = Labels::from_pairs(raw.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    let get = |name: &str| raw.get(name).map(String::as_str).filter(|v| !v.is_empty());

    let address = get(ADDRESS).ok_or_else(|| TargetError::NoAddress(discovered.to_string()))?;
    if address.contains('/') || address.contains(char::is_whitespace) {
        return Err(TargetError::InvalidAddress {
            labels: discovered.to_string(),
            address: address.to_string(),
        });
    }
    let scheme = get(SCHEME).unwrap_or(&d.scheme);
    if scheme != "http" && scheme != "https" {
        return Err(TargetError::InvalidScheme {
            labels: discovered.to_string(),
            scheme: scheme.to_string(),
        });
    }
    let path = get(METRICS_PATH).unwrap_or(&d.metrics_path);
    let interval = match get(INTERVAL) {
        Some(v) => parse_duration(&discovered, INTERVAL, v)?,
        None => d.interval,
    };
    let timeout = match get(TIMEOUT) {
        Some(v) => parse_duration(&discovered, TIMEOUT, v)?,
        None => d.timeout,
    };
    if timeout > interval {
        return Err(TargetError::TimeoutOverInterval {
            labels: discovered.to_string(),
            timeout: GoDuration::from_std(timeout).to_string(),
            interval: GoDuration::from_std(interval).to_string(),
        });
    }

    // URL parameters: the component's, with `__param_<name>` replacing the first value.
    let mut params = d.params.clone();
    for (k, v) in raw {
        if let Some(name) = k.strip_prefix(PARAM_PREFIX) {
            let values = params.entry(name.to_string()).or_default();
            match values.first_mut() {
                Some(first) => *first = v.clone(),
                None => values.push(v.clone()),
            }
        }
    }
    let mut path_and_query = path.to_string();
    if !path_and_query.starts_with('/') {
        path_and_query.insert(0, '/');
    }
    let query = encode_query(&params);
    if !query.is_empty() {
        path_and_query.push(if path_and_query.contains('?') {
            '&'
        } else {
            '?'
        });
        path_and_query.push_str(&query);
    }
    let url = format!("{scheme}://{address}{path_and_query}");

    // The labels series get: non-`__` labels, `job` and `instance` defaulted.
    let mut pairs: Vec<(&str, &str)> = Vec::with_capacity(raw.len() + 2);
    for (k, v) in raw {
        if k.starts_with("__") {
            continue;
        }
        if !is_valid_label_name(k) {
            return Err(TargetError::InvalidLabelName {
                labels: discovered.to_string(),
                name: k.clone(),
            });
        }
        pairs.push((k, v));
    }
    if get("job").is_none() {
        pairs.push(("job", &d.job_name));
    }
    if get("instance").is_none() {
        pairs.push(("instance", address));
    }
    let labels = Labels::from_pairs(pairs);
    Ok(Some(ScrapeTarget {
        key,
        labels,
        discovered,
        url,
        scheme: scheme.to_string(),
        address: address.to_string(),
        path_and_query,
        interval,
        timeout,
    }))
}

/// Go's `url.Values.Encode`: keys sorted, `key=value` pairs joined with `&`, form escaping.
fn encode_query(params: &BTreeMap<String, Vec<String>>) -> String {
    let mut out = String::new();
    for (k, values) in params {
        for v in values {
            if !out.is_empty() {
                out.push('&');
            }
            query_escape(k, &mut out);
            out.push('=');
            query_escape(v, &mut out);
        }
    }
    out
}

/// Go's `url.QueryEscape`: unreserved bytes as is, space as `+`, the rest `%XX`.
fn query_escape(s: &str, out: &mut String) {
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            _ => {
                let _ = write!(out, "%{b:02X}");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn defaults() -> TargetDefaults {
        TargetDefaults {
            job_name: "prometheus.scrape.x".into(),
            scheme: "http".into(),
            metrics_path: "/metrics".into(),
            params: BTreeMap::new(),
            interval: Duration::from_secs(60),
            timeout: Duration::from_secs(10),
        }
    }

    fn raw(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn defaults_job_and_instance_and_drops_internal_labels() {
        let t = populate(
            &raw(&[
                ("__address__", "localhost:9100"),
                ("__meta_x", "m"),
                ("env", "prod"),
            ]),
            &defaults(),
        )
        .unwrap()
        .unwrap();
        assert_eq!(
            t.labels,
            Labels::from_pairs([
                ("env", "prod"),
                ("instance", "localhost:9100"),
                ("job", "prometheus.scrape.x")
            ])
        );
        assert_eq!(t.url, "http://localhost:9100/metrics");
        assert_eq!(
            t.key,
            TargetKey::for_scrape_target([("__address__", "localhost:9100"), ("env", "prod")])
        );
    }

    #[test]
    fn overrides_from_target_labels() {
        let mut d = defaults();
        d.params
            .insert("module".into(), vec!["a".into(), "b".into()]);
        let t = populate(
            &raw(&[
                ("__address__", "h:1"),
                ("__scheme__", "https"),
                ("__metrics_path__", "/probe"),
                ("__param_module", "x y"),
                ("__param_target", "t&1"),
                ("__scrape_interval__", "15s"),
                ("__scrape_timeout__", "5s"),
                ("job", "mine"),
                ("instance", "inst"),
            ]),
            &d,
        )
        .unwrap()
        .unwrap();
        assert_eq!(t.url, "https://h:1/probe?module=x+y&module=b&target=t%261");
        assert_eq!(t.interval, Duration::from_secs(15));
        assert_eq!(t.timeout, Duration::from_secs(5));
        assert_eq!(
            t.labels,
            Labels::from_pairs([("instance", "inst"), ("job", "mine")])
        );
    }

    #[test]
    fn errors() {
        let d = defaults();
        assert!(matches!(
            populate(&raw(&[("job", "x")]), &d),
            Err(TargetError::NoAddress(_))
        ));
        assert!(populate(&BTreeMap::new(), &d).unwrap().is_none());
        let e = populate(
            &raw(&[("__address__", "h:1"), ("__scrape_timeout__", "2m")]),
            &d,
        )
        .unwrap_err();
        assert!(
            e.to_string().contains("scrape timeout cannot be greater"),
            "{e}"
        );
        let e = populate(
            &raw(&[("__address__", "h:1"), ("__scrape_interval__", "soon")]),
            &d,
        )
        .unwrap_err();
        assert!(e.to_string().contains("invalid __scrape_interval__"), "{e}");
        let e = populate(&raw(&[("__address__", "h:1"), ("bad-name", "v")]), &d).unwrap_err();
        assert!(matches!(e, TargetError::InvalidLabelName { .. }));
        let e = populate(&raw(&[("__address__", "http://h:1/x")]), &d).unwrap_err();
        assert!(matches!(e, TargetError::InvalidAddress { .. }));
    }
}
