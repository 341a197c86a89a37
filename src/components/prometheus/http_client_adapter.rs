//! HTTP client settings (the shared "HTTP client config" of `prometheus.scrape` and
//! `prometheus.remote_write` endpoints) and the `reqwest` client built from them.
//!
//! This is a local stand-in for the project-wide `components::common::http_client` module;
//! the scrape and remote-write components only use [`ClientArgs`], [`build_client`] and
//! [`ClientArgs::auth_header`], so switching over is one import.
//!
//! Supported: `bearer_token`, `bearer_token_file`, `basic_auth`, `authorization`,
//! `tls_config` (CA, client certificate, `insecure_skip_verify`, `min_version`),
//! `follow_redirects`, `enable_http2`, `proxy_url`, `no_proxy`, `proxy_from_environment`,
//! `http_headers`. `oauth2` is refused with a clear error.

use std::collections::BTreeMap;
use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use serde::{Deserialize, Serialize};

use crate::eval::Secret;

/// `basic_auth { username, password | password_file }`.
#[derive(Deserialize, Serialize, Clone, PartialEq, Debug, Default)]
pub struct BasicAuth {
    /// User name.
    #[serde(default)]
    pub username: String,
    /// Password.
    #[serde(default)]
    pub password: Option<Secret>,
    /// File holding the password (read on every request, so rotation works).
    #[serde(default)]
    pub password_file: Option<String>,
}
crate::river_schema!(BasicAuth { attr? username, attr? password, attr? password_file });

/// `authorization { type, credentials | credentials_file }`.
#[derive(Deserialize, Serialize, Clone, PartialEq, Debug)]
pub struct Authorization {
    /// Scheme, `Bearer` by default.
    #[serde(default = "default_auth_type", rename = "type")]
    pub kind: String,
    /// Credentials.
    #[serde(default)]
    pub credentials: Option<Secret>,
    /// File holding the credentials.
    #[serde(default)]
    pub credentials_file: Option<String>,
}
crate::river_schema!(Authorization { attr? "type", attr? credentials, attr? credentials_file });

fn default_auth_type() -> String {
    "Bearer".to_string()
}

/// `tls_config { ... }`.
#[derive(Deserialize, Serialize, Clone, PartialEq, Debug, Default)]
pub struct TlsConfig {
    /// CA certificate (PEM).
    #[serde(default)]
    pub ca_pem: Option<String>,
    /// CA certificate file.
    #[serde(default)]
    pub ca_file: Option<String>,
    /// Client certificate (PEM).
    #[serde(default)]
    pub cert_pem: Option<String>,
    /// Client certificate file.
    #[serde(default)]
    pub cert_file: Option<String>,
    /// Client key (PEM).
    #[serde(default)]
    pub key_pem: Option<Secret>,
    /// Client key file.
    #[serde(default)]
    pub key_file: Option<String>,
    /// Expected server name (only the certificate check; SNI uses the URL's host).
    #[serde(default)]
    pub server_name: Option<String>,
    /// Skip certificate verification.
    #[serde(default)]
    pub insecure_skip_verify: bool,
    /// Minimum TLS version (`TLS12`, `TLS13`).
    #[serde(default)]
    pub min_version: Option<String>,
}
crate::river_schema!(TlsConfig {
    attr? ca_pem, attr? ca_file, attr? cert_pem, attr? cert_file, attr? key_pem,
    attr? key_file, attr? server_name, attr? insecure_skip_verify, attr? min_version,
});

/// `oauth2 { ... }`: accepted by the schema so the error can name it; not supported yet.
#[derive(Deserialize, Serialize, Clone, PartialEq, Debug, Default)]
pub struct OAuth2 {
    /// Client ID.
    #[serde(default)]
    pub client_id: Option<String>,
    /// Client secret.
    #[serde(default)]
    pub client_secret: Option<Secret>,
    /// Token URL.
    #[serde(default)]
    pub token_url: Option<String>,
    /// Scopes.
    #[serde(default)]
    pub scopes: Option<Vec<String>>,
}
crate::river_schema!(OAuth2 { attr? client_id, attr? client_secret, attr? token_url, attr? scopes });

/// A borrowed view of the HTTP client attributes and blocks of a component's arguments.
#[derive(Clone, Copy, Debug)]
pub struct ClientArgs<'a> {
    /// `bearer_token`.
    pub bearer_token: Option<&'a Secret>,
    /// `bearer_token_file`.
    pub bearer_token_file: Option<&'a str>,
    /// `basic_auth`.
    pub basic_auth: Option<&'a BasicAuth>,
    /// `authorization`.
    pub authorization: Option<&'a Authorization>,
    /// `oauth2`.
    pub oauth2: Option<&'a OAuth2>,
    /// `tls_config`.
    pub tls_config: Option<&'a TlsConfig>,
    /// `follow_redirects`.
    pub follow_redirects: bool,
    /// `enable_http2`.
    pub enable_http2: bool,
    /// `proxy_url`.
    pub proxy_url: Option<&'a str>,
    /// `no_proxy`.
    pub no_proxy: Option<&'a str>,
    /// `proxy_from_environment`.
    pub proxy_from_environment: bool,
    /// `http_headers`: extra headers sent with every request.
    pub http_headers: Option<&'a BTreeMap<String, Vec<Secret>>>,
}

/// What the component itself wants of the client.
#[derive(Clone, Debug)]
pub struct ClientDefaults {
    /// `User-Agent`.
    pub user_agent: String,
    /// Transparent gzip (sends `Accept-Encoding: gzip`, decompresses).
    pub gzip: bool,
    /// Overall request timeout, if any (callers may also time out themselves).
    pub timeout: Option<Duration>,
}

impl ClientArgs<'_> {
    /// Checks the combination rules upstream enforces.
    pub fn validate(&self) -> Result<(), String> {
        let methods = [
            self.basic_auth.is_some(),
            self.authorization.is_some(),
            self.oauth2.is_some(),
            self.bearer_token.is_some(),
            self.bearer_token_file.is_some(),
        ];
        if methods.iter().filter(|m| **m).count() > 1 {
            return Err("at most one of basic_auth, authorization, oauth2, bearer_token & bearer_token_file must be configured".into());
        }
        if self.oauth2.is_some() {
            return Err("the oauth2 block is not supported by this agent yet".into());
        }
        if let Some(b) = self.basic_auth {
            if b.password.is_some() && b.password_file.is_some() {
                return Err(
                    "at most one of basic_auth password & password_file must be configured".into(),
                );
            }
        }
        if let Some(a) = self.authorization {
            if a.credentials.is_some() && a.credentials_file.is_some() {
                return Err("at most one of authorization credentials & credentials_file must be configured".into());
            }
            if a.kind.eq_ignore_ascii_case("basic") {
                return Err(
                    "authorization type cannot be set to \"basic\", use \"basic_auth\" instead"
                        .into(),
                );
            }
        }
        if self.proxy_from_environment && (self.proxy_url.is_some() || self.no_proxy.is_some()) {
            return Err("if proxy_from_environment is configured, proxy_url and no_proxy must not be configured".into());
        }
        if self.no_proxy.is_some() && self.proxy_url.is_none() {
            return Err("if no_proxy is configured, proxy_url must also be configured".into());
        }
        if let Some(t) = self.tls_config {
            if t.ca_pem.is_some() && t.ca_file.is_some() {
                return Err(
                    "at most one of tls_config ca_pem and ca_file must be configured".into(),
                );
            }
            if t.cert_pem.is_some() && t.cert_file.is_some() {
                return Err(
                    "at most one of tls_config cert_pem and cert_file must be configured".into(),
                );
            }
            if t.key_pem.is_some() && t.key_file.is_some() {
                return Err(
                    "at most one of tls_config key_pem and key_file must be configured".into(),
                );
            }
            let has_cert = t.cert_pem.is_some() || t.cert_file.is_some();
            let has_key = t.key_pem.is_some() || t.key_file.is_some();
            if has_cert != has_key {
                return Err(
                    "tls_config: a client certificate needs a key and the other way round".into(),
                );
            }
            if let Some(v) = &t.min_version {
                tls_version(v)?;
            }
        }
        if let Some(h) = self.http_headers {
            for name in h.keys() {
                HeaderName::from_bytes(name.as_bytes())
                    .map_err(|_| format!("http_headers: invalid header name {name:?}"))?;
            }
        }
        Ok(())
    }

    /// The `Authorization` header value for the next request (files are read each time so
    /// rotated credentials are picked up).
    pub fn auth_header(&self) -> Result<Option<HeaderValue>, String> {
        let read = |path: &str, what: &str| -> Result<String, String> {
            std::fs::read_to_string(path)
                .map(|s| s.trim().to_string())
                .map_err(|e| format!("cannot read {what} {path:?}: {e}"))
        };
        let value = if let Some(t) = self.bearer_token {
            Some(format!("Bearer {}", t.reveal()))
        } else if let Some(f) = self.bearer_token_file {
            Some(format!("Bearer {}", read(f, "bearer_token_file")?))
        } else if let Some(a) = self.authorization {
            let cred = match (&a.credentials, &a.credentials_file) {
                (Some(c), _) => c.reveal().to_string(),
                (None, Some(f)) => read(f, "credentials_file")?,
                (None, None) => String::new(),
            };
            Some(format!("{} {}", a.kind, cred))
        } else if let Some(b) = self.basic_auth {
            use base64::Engine as _;
            let pass = match (&b.password, &b.password_file) {
                (Some(p), _) => p.reveal().to_string(),
                (None, Some(f)) => read(f, "password_file")?,
                (None, None) => String::new(),
            };
            let enc = base64::engine::general_purpose::STANDARD
                .encode(format!("{}:{}", b.username, pass));
            Some(format!("Basic {enc}"))
        } else {
            None
        };
        value
            .map(|v| {
                let mut hv = HeaderValue::from_str(&v)
                    .map_err(|_| "credentials contain characters not allowed in a header")?;
                hv.set_sensitive(true);
                Ok(hv)
            })
            .transpose()
    }
}

fn tls_version(v: &str) -> Result<reqwest::tls::Version, String> {
    match v {
        "TLS10" => Ok(reqwest::tls::Version::TLS_1_0),
        "TLS11" => Ok(reqwest::tls::Version::TLS_1_1),
        "TLS12" => Ok(reqwest::tls::Version::TLS_1_2),
        "TLS13" => Ok(reqwest::tls::Version::TLS_1_3),
        other => Err(format!(
            "tls_config: unknown min_version {other:?} (use TLS10, TLS11, TLS12 or TLS13)"
        )),
    }
}

fn pem(inline: Option<&str>, file: Option<&str>, what: &str) -> Result<Option<Vec<u8>>, String> {
    match (inline, file) {
        (Some(p), _) => Ok(Some(p.as_bytes().to_vec())),
        (None, Some(f)) => std::fs::read(f)
            .map(Some)
            .map_err(|e| format!("tls_config: cannot read {what} {f:?}: {e}")),
        (None, None) => Ok(None),
    }
}

/// Builds the client for `args` (validating them first).
pub fn build_client(args: &ClientArgs<'_>, d: &ClientDefaults) -> Result<reqwest::Client, String> {
    args.validate()?;
    let mut b = reqwest::Client::builder()
        .user_agent(d.user_agent.clone())
        .gzip(d.gzip)
        .tcp_nodelay(true)
        .pool_idle_timeout(Duration::from_secs(90));
    if let Some(t) = d.timeout {
        b = b.timeout(t);
    }
    if !args.follow_redirects {
        b = b.redirect(reqwest::redirect::Policy::none());
    }
    if !args.enable_http2 {
        b = b.http1_only();
    }
    if let Some(url) = args.proxy_url {
        let mut p =
            reqwest::Proxy::all(url).map_err(|e| format!("invalid proxy_url {url:?}: {e}"))?;
        if let Some(np) = args.no_proxy {
            p = p.no_proxy(reqwest::NoProxy::from_string(np));
        }
        b = b.proxy(p);
    } else if !args.proxy_from_environment {
        b = b.no_proxy();
    }
    if let Some(t) = args.tls_config {
        if let Some(ca) = pem(t.ca_pem.as_deref(), t.ca_file.as_deref(), "ca_file")? {
            let certs = reqwest::Certificate::from_pem_bundle(&ca)
                .map_err(|e| format!("tls_config: invalid CA certificate: {e}"))?;
            for c in certs {
                b = b.add_root_certificate(c);
            }
        }
        let cert = pem(t.cert_pem.as_deref(), t.cert_file.as_deref(), "cert_file")?;
        let key = pem(
            t.key_pem.as_ref().map(|k| k.reveal()),
            t.key_file.as_deref(),
            "key_file",
        )?;
        if let (Some(mut cert), Some(key)) = (cert, key) {
            cert.push(b'\n');
            cert.extend_from_slice(&key);
            let id = reqwest::Identity::from_pem(&cert)
                .map_err(|e| format!("tls_config: invalid client certificate or key: {e}"))?;
            b = b.identity(id);
        }
        if t.insecure_skip_verify {
            b = b.danger_accept_invalid_certs(true);
        }
        if let Some(v) = &t.min_version {
            b = b.min_tls_version(tls_version(v)?);
        }
    }
    if let Some(h) = args.http_headers {
        let mut headers = HeaderMap::new();
        for (name, values) in h {
            let name = HeaderName::from_bytes(name.as_bytes())
                .map_err(|_| format!("http_headers: invalid header name {name:?}"))?;
            for v in values {
                let mut hv = HeaderValue::from_str(v.reveal())
                    .map_err(|_| format!("http_headers: invalid value for {name}"))?;
                hv.set_sensitive(true);
                headers.append(name.clone(), hv);
            }
        }
        b = b.default_headers(headers);
    }
    b.build()
        .map_err(|e| format!("cannot build the HTTP client: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn none() -> ClientArgs<'static> {
        ClientArgs {
            bearer_token: None,
            bearer_token_file: None,
            basic_auth: None,
            authorization: None,
            oauth2: None,
            tls_config: None,
            follow_redirects: true,
            enable_http2: true,
            proxy_url: None,
            no_proxy: None,
            proxy_from_environment: false,
            http_headers: None,
        }
    }

    #[test]
    fn one_auth_method_at_most() {
        let tok = Secret("t".into());
        let ba = BasicAuth {
            username: "u".into(),
            password: Some(Secret("p".into())),
            password_file: None,
        };
        let mut a = none();
        a.bearer_token = Some(&tok);
        assert!(a.validate().is_ok());
        assert_eq!(
            a.auth_header().unwrap().unwrap().to_str().unwrap(),
            "Bearer t"
        );
        a.basic_auth = Some(&ba);
        assert!(a.validate().unwrap_err().contains("at most one"));
        a.bearer_token = None;
        assert_eq!(
            a.auth_header().unwrap().unwrap().to_str().unwrap(),
            "Basic dTpw"
        );
    }

    #[test]
    fn builds_a_client_and_reports_bad_settings() {
        let d = ClientDefaults {
            user_agent: "test".into(),
            gzip: true,
            timeout: None,
        };
        assert!(build_client(&none(), &d).is_ok());
        let bad = TlsConfig {
            min_version: Some("TLS99".into()),
            ..Default::default()
        };
        let mut a = none();
        a.tls_config = Some(&bad);
        assert!(build_client(&a, &d).unwrap_err().contains("min_version"));
        let mut a = none();
        a.no_proxy = Some("x");
        assert!(a.validate().unwrap_err().contains("proxy_url"));
    }
}
