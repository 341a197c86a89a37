//! One remote-write request: POST with the protocol headers, and what its answer means.

use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderName, HeaderValue, CONTENT_ENCODING, CONTENT_TYPE};

use super::arguments::EndpointOptions;
use crate::components::common::http_client::{error_chain, HttpClient};
use crate::prom::remote_write;

/// What to do after a request.
#[derive(Debug, Clone, PartialEq)]
pub enum SendOutcome {
    /// 2xx: delivered.
    Delivered,
    /// Network error, timeout, 5xx, or 429 with retries on: try again (after `after` if the
    /// server said so).
    Retry {
        /// Why.
        error: String,
        /// `Retry-After`.
        after: Option<Duration>,
    },
    /// Any other answer: the batch is dropped.
    Drop {
        /// Why.
        error: String,
    },
}

/// Sends bodies to one endpoint.
#[derive(Clone)]
pub struct Sender {
    client: HttpClient,
    url: String,
    headers: HeaderMap,
    retry_on_429: bool,
    timeout: Duration,
}

impl std::fmt::Debug for Sender {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sender").field("url", &self.url).finish()
    }
}

/// Parses `Retry-After`: seconds, or an HTTP date.
pub fn parse_retry_after(v: &str) -> Option<Duration> {
    let v = v.trim();
    if let Ok(s) = v.parse::<u64>() {
        return Some(Duration::from_secs(s));
    }
    let when = chrono::DateTime::parse_from_rfc2822(v).ok()?;
    let delta = when.timestamp_millis() - chrono::Utc::now().timestamp_millis();
    Some(Duration::from_millis(delta.max(0) as u64))
}

impl Sender {
    /// A sender for `options` using `client`.
    pub fn new(client: HttpClient, options: &EndpointOptions) -> Result<Sender, String> {
        let mut headers = HeaderMap::new();
        headers.insert(
            CONTENT_ENCODING,
            HeaderValue::from_static(remote_write::CONTENT_ENCODING),
        );
        headers.insert(
            CONTENT_TYPE,
            HeaderValue::from_static(remote_write::CONTENT_TYPE),
        );
        headers.insert(
            HeaderName::from_static("x-prometheus-remote-write-version"),
            HeaderValue::from_static(remote_write::VERSION),
        );
        for (k, v) in &options.headers {
            let name = HeaderName::from_bytes(k.as_bytes())
                .map_err(|_| format!("headers: invalid header name {k:?}"))?;
            let mut value = HeaderValue::from_str(v.reveal())
                .map_err(|_| format!("headers: invalid value for {k:?}"))?;
            value.set_sensitive(true);
            headers.insert(name, value);
        }
        Ok(Sender {
            client,
            url: options.url.clone(),
            headers,
            retry_on_429: options.queue_config.retry_on_http_429,
            timeout: options.remote_timeout.to_std_saturating(),
        })
    }

    /// POSTs one compressed body.
    pub async fn send(&self, body: Vec<u8>) -> SendOutcome {
        let req = match self.client.request(reqwest::Method::POST, &self.url).await {
            Ok(r) => r
                .headers(self.headers.clone())
                .timeout(self.timeout)
                .body(body),
            Err(e) => {
                return SendOutcome::Retry {
                    error: e.to_string(),
                    after: None,
                }
            }
        };
        let resp = match req.send().await {
            Ok(r) => r,
            Err(e) => {
                return SendOutcome::Retry {
                    error: error_chain(&e),
                    after: None,
                }
            }
        };
        let status = resp.status();
        if status.is_success() {
            return SendOutcome::Delivered;
        }
        let after = resp
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(parse_retry_after);
        let body = resp.bytes().await.unwrap_or_default();
        let snippet: String = String::from_utf8_lossy(&body[..body.len().min(512)])
            .trim()
            .to_string();
        let error = format!("server returned HTTP status {status}: {snippet}");
        classify(status.as_u16(), self.retry_on_429, error, after)
    }
}

/// The outcome for an HTTP status other than 2xx.
pub fn classify(
    status: u16,
    retry_on_429: bool,
    error: String,
    after: Option<Duration>,
) -> SendOutcome {
    if status >= 500 || (status == 429 && retry_on_429) {
        SendOutcome::Retry { error, after }
    } else {
        SendOutcome::Drop { error }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classification() {
        assert!(matches!(
            classify(503, true, String::new(), None),
            SendOutcome::Retry { .. }
        ));
        assert!(matches!(
            classify(429, true, String::new(), None),
            SendOutcome::Retry { .. }
        ));
        assert!(matches!(
            classify(429, false, String::new(), None),
            SendOutcome::Drop { .. }
        ));
        assert!(matches!(
            classify(400, true, String::new(), None),
            SendOutcome::Drop { .. }
        ));
    }

    #[test]
    fn retry_after() {
        assert_eq!(parse_retry_after("7"), Some(Duration::from_secs(7)));
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon"), None);
    }
}
