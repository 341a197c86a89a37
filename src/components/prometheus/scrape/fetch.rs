//! Fetching a target's body: over HTTP with `reqwest`, or in-process when the target is the
//! agent's own memory address.

use std::sync::Arc;
use std::time::Duration;

use std::io::Read;

use bytes::{Bytes, BytesMut};
use reqwest::header::{HeaderValue, ACCEPT, ACCEPT_ENCODING, CONTENT_ENCODING};

use super::target::ScrapeTarget;
use crate::components::common::http_client::{error_chain, HttpClient};
use crate::runtime::component::LocalHttp;

/// What a successful fetch returns.
#[derive(Debug)]
pub struct Fetched {
    /// The (decompressed) body.
    pub body: Bytes,
    /// The `Content-Type` header, if any.
    pub content_type: Option<String>,
}

/// Why a fetch failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FetchError {
    /// No answer within the scrape timeout.
    #[error("scrape timed out after {0:?}")]
    Timeout(Duration),
    /// Connecting or reading failed.
    #[error("{0}")]
    Http(String),
    /// The target answered with a status other than 200.
    #[error("server returned HTTP status {0}")]
    Status(String),
    /// The gzip body is corrupt.
    #[error("decompressing the gzip body: {0}")]
    Gzip(String),
    /// The body is larger than `body_size_limit`.
    #[error("body size limit exceeded (limit: {0} bytes)")]
    BodySizeLimit(u64),
    /// Building credentials failed.
    #[error("{0}")]
    Auth(String),
}

/// The per-component pieces a fetch needs.
#[derive(Clone)]
pub struct Fetcher {
    /// The HTTP client (transport, credentials, headers).
    pub client: HttpClient,
    /// `Accept` header value.
    pub accept: HeaderValue,
    /// Body size limit in bytes (0 = none), on the decompressed body.
    pub body_size_limit: u64,
    /// Ask for gzip (`enable_compression`). Bodies are decompressed here rather than by the
    /// HTTP client, because a gzip body may hold several members (Go's reader and ours read
    /// them all).
    pub gzip: bool,
    /// The agent's memory address (`agent.internal:12345`).
    pub memory_addr: String,
    /// In-process access to the agent's routes.
    pub local: Arc<dyn LocalHttp>,
}

impl std::fmt::Debug for Fetcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Fetcher")
            .field("body_size_limit", &self.body_size_limit)
            .field("memory_addr", &self.memory_addr)
            .finish()
    }
}

fn status_text(code: u16) -> String {
    match reqwest::StatusCode::from_u16(code) {
        Ok(s) => match s.canonical_reason() {
            Some(r) => format!("{code} {r}"),
            None => code.to_string(),
        },
        Err(_) => code.to_string(),
    }
}

impl Fetcher {
    /// Fetches `target` within its timeout.
    pub async fn fetch(&self, target: &ScrapeTarget) -> Result<Fetched, FetchError> {
        let timeout = target.timeout;
        match tokio::time::timeout(timeout, self.fetch_inner(target)).await {
            Ok(r) => r,
            Err(_) => Err(FetchError::Timeout(timeout)),
        }
    }

    async fn fetch_inner(&self, target: &ScrapeTarget) -> Result<Fetched, FetchError> {
        if target.scheme == "http" && target.address == self.memory_addr {
            let (status, ct, body) = self
                .local
                .get(target.path_and_query.clone())
                .await
                .map_err(FetchError::Http)?;
            if status != 200 {
                return Err(FetchError::Status(status_text(status)));
            }
            if self.body_size_limit > 0 && body.len() as u64 > self.body_size_limit {
                return Err(FetchError::BodySizeLimit(self.body_size_limit));
            }
            return Ok(Fetched {
                body,
                content_type: ct,
            });
        }
        let req = self
            .client
            .get(&target.url)
            .await
            .map_err(|e| FetchError::Auth(e.to_string()))?
            .header(ACCEPT, self.accept.clone())
            .header(
                ACCEPT_ENCODING,
                HeaderValue::from_static(if self.gzip { "gzip" } else { "identity" }),
            )
            .header(
                "X-Prometheus-Scrape-Timeout-Seconds",
                format!("{}", target.timeout.as_secs_f64()),
            );
        let mut resp = req
            .send()
            .await
            .map_err(|e| FetchError::Http(error_chain(&e)))?;
        if resp.status() != reqwest::StatusCode::OK {
            return Err(FetchError::Status(status_text(resp.status().as_u16())));
        }
        let content_type = resp
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let gzipped = resp
            .headers()
            .get(CONTENT_ENCODING)
            .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"gzip"));
        let mut buf = BytesMut::with_capacity(
            resp.content_length()
                .map(|n| n.min(16 << 20) as usize)
                .unwrap_or(16 << 10),
        );
        while let Some(chunk) = resp
            .chunk()
            .await
            .map_err(|e| FetchError::Http(error_chain(&e)))?
        {
            if self.body_size_limit > 0 && (buf.len() + chunk.len()) as u64 > self.body_size_limit {
                return Err(FetchError::BodySizeLimit(self.body_size_limit));
            }
            buf.extend_from_slice(&chunk);
        }
        let body = if gzipped {
            gunzip(&buf, self.body_size_limit)?
        } else {
            buf.freeze()
        };
        Ok(Fetched { body, content_type })
    }
}

/// Decompresses every member of a gzip body, refusing more than `limit` bytes (0 = none).
pub fn gunzip(compressed: &[u8], limit: u64) -> Result<Bytes, FetchError> {
    let mut out = Vec::with_capacity(compressed.len() * 4);
    let decoder = flate2::read::MultiGzDecoder::new(compressed);
    let cap = if limit > 0 { limit + 1 } else { u64::MAX };
    decoder
        .take(cap)
        .read_to_end(&mut out)
        .map_err(|e| FetchError::Gzip(e.to_string()))?;
    if limit > 0 && out.len() as u64 > limit {
        return Err(FetchError::BodySizeLimit(limit));
    }
    Ok(Bytes::from(out))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn gz(data: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    #[test]
    fn gunzip_reads_every_member_and_enforces_the_limit() {
        let mut body = gz(b"a 1\n");
        body.extend(gz(b"b 2\n"));
        assert_eq!(&gunzip(&body, 0).unwrap()[..], b"a 1\nb 2\n");
        assert_eq!(gunzip(&body, 5).unwrap_err(), FetchError::BodySizeLimit(5));
        assert!(matches!(
            gunzip(b"\x1f\x8bnope", 0),
            Err(FetchError::Gzip(_))
        ));
    }
}
