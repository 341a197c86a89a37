//! OAuth 2.0 client-credentials tokens for the `oauth2 { ... }` block.
//!
//! A [`TokenSource`] asks the token endpoint for a token (client ID and secret in a Basic
//! `Authorization` header, `grant_type=client_credentials`, the scopes and extra parameters in
//! the form body), caches it, and asks again shortly before it expires.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use reqwest::header::HeaderValue;
use serde::Deserialize;
use tokio::sync::Mutex;

use super::http_client::{error_chain, Credential, HttpClientError};

/// Tokens are renewed this long before they expire (as Go's oauth2 package does).
const EXPIRY_MARGIN: Duration = Duration::from_secs(10);

/// Characters left alone by form encoding (`application/x-www-form-urlencoded`).
const FORM: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// A cached access token.
struct Token {
    header: HeaderValue,
    expires: Option<Instant>,
}

/// Fetches and caches tokens for one `oauth2` block.
pub struct TokenSource {
    client: reqwest::Client,
    token_url: String,
    client_id: String,
    client_secret: Credential,
    scopes: Vec<String>,
    params: BTreeMap<String, String>,
    cached: Mutex<Option<Token>>,
}

#[derive(Deserialize)]
struct TokenResponse {
    access_token: String,
    #[serde(default)]
    token_type: String,
    #[serde(default)]
    expires_in: Option<f64>,
}

fn encode(s: &str) -> String {
    utf8_percent_encode(s, FORM).to_string()
}

impl TokenSource {
    /// A source that asks `token_url` with `client` (which carries the block's TLS and proxy).
    pub(crate) fn new(
        client: reqwest::Client,
        token_url: String,
        client_id: String,
        client_secret: Credential,
        scopes: Vec<String>,
        params: BTreeMap<String, String>,
    ) -> TokenSource {
        TokenSource {
            client,
            token_url,
            client_id,
            client_secret,
            scopes,
            params,
            cached: Mutex::new(None),
        }
    }

    /// The `Authorization` header value to send, fetching a new token when needed.
    pub async fn token(&self) -> Result<HeaderValue, HttpClientError> {
        let mut cached = self.cached.lock().await;
        if let Some(t) = cached.as_ref() {
            if t.expires.is_none_or(|e| Instant::now() + EXPIRY_MARGIN < e) {
                return Ok(t.header.clone());
            }
        }
        let t = self.fetch().await?;
        let header = t.header.clone();
        *cached = Some(t);
        Ok(header)
    }

    async fn fetch(&self) -> Result<Token, HttpClientError> {
        let err = |m: String| HttpClientError::OAuth2(m);
        let secret = self.client_secret.get().await?;
        let mut form = vec![("grant_type".to_owned(), "client_credentials".to_owned())];
        if !self.scopes.is_empty() {
            form.push(("scope".to_owned(), self.scopes.join(" ")));
        }
        form.extend(self.params.iter().map(|(k, v)| (k.clone(), v.clone())));
        let body = form
            .iter()
            .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
            .collect::<Vec<_>>()
            .join("&");
        let resp = self
            .client
            .post(&self.token_url)
            .basic_auth(encode(&self.client_id), Some(encode(&secret)))
            .header(
                reqwest::header::CONTENT_TYPE,
                "application/x-www-form-urlencoded",
            )
            .body(body)
            .send()
            .await
            .map_err(|e| {
                err(format!(
                    "token request to {} failed: {}",
                    self.token_url,
                    error_chain(&e)
                ))
            })?;
        let status = resp.status();
        let bytes = resp
            .bytes()
            .await
            .map_err(|e| err(format!("reading token response: {}", error_chain(&e))))?;
        if !status.is_success() {
            let text = String::from_utf8_lossy(&bytes[..bytes.len().min(512)]).into_owned();
            return Err(err(format!(
                "token endpoint {} answered {status}: {text}",
                self.token_url
            )));
        }
        let tr: TokenResponse = serde_json::from_slice(&bytes)
            .map_err(|e| err(format!("invalid token response: {e}")))?;
        if tr.access_token.is_empty() {
            return Err(err("token response has no access_token".into()));
        }
        // "bearer" in any case means Bearer; other types are sent as given.
        let kind = if tr.token_type.is_empty() || tr.token_type.eq_ignore_ascii_case("bearer") {
            "Bearer"
        } else {
            tr.token_type.as_str()
        };
        let mut header = HeaderValue::from_str(&format!("{kind} {}", tr.access_token))
            .map_err(|_| err("access_token is not a valid header value".into()))?;
        header.set_sensitive(true);
        let expires = tr
            .expires_in
            .filter(|s| s.is_finite() && *s > 0.0)
            .map(|s| Instant::now() + Duration::from_secs_f64(s.min(1e9)));
        Ok(Token { header, expires })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    #[tokio::test]
    async fn fetches_once_and_caches() {
        let hits = Arc::new(AtomicUsize::new(0));
        let h = hits.clone();
        let app = axum::Router::new().route(
            "/token",
            axum::routing::post(move |headers: axum::http::HeaderMap, body: String| {
                let h = h.clone();
                async move {
                    h.fetch_add(1, Ordering::SeqCst);
                    assert_eq!(headers["authorization"], "Basic aWQ6cyUyMQ==");
                    assert!(body.contains("grant_type=client_credentials"), "{body}");
                    assert!(body.contains("scope=a%20b"), "{body}");
                    assert!(body.contains("aud=x"), "{body}");
                    axum::Json(serde_json::json!({
                        "access_token": "tok", "token_type": "bearer", "expires_in": 3600
                    }))
                }
            }),
        );
        let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = l.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(l, app).await.unwrap() });
        let src = TokenSource::new(
            reqwest::Client::new(),
            format!("http://{addr}/token"),
            "id".into(),
            Credential::Inline("s!".into()),
            vec!["a".into(), "b".into()],
            [("aud".to_string(), "x".to_string())].into(),
        );
        assert_eq!(src.token().await.unwrap(), "Bearer tok");
        assert_eq!(src.token().await.unwrap(), "Bearer tok");
        assert_eq!(hits.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn endpoint_errors_are_reported() {
        let src = TokenSource::new(
            reqwest::Client::new(),
            "http://127.0.0.1:1/token".into(),
            "id".into(),
            Credential::Inline("s".into()),
            vec![],
            BTreeMap::new(),
        );
        let e = src.token().await.unwrap_err().to_string();
        assert!(
            e.starts_with("oauth2: token request to http://127.0.0.1:1/token failed"),
            "{e}"
        );
    }
}
