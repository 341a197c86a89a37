//! The HTTP client configuration shared by every component that makes HTTP requests
//! (`discovery.http`, `prometheus.scrape`, `prometheus.remote_write` endpoints), and the client
//! built from it.
//!
//! In River the client settings are "squashed" into the component's own body:
//!
//! ```text
//! discovery.http "x" {
//!     url          = "https://sd.example/targets"
//!     bearer_token = env("TOKEN")
//!     tls_config { ca_file = "/etc/ca.pem" }
//! }
//! ```
//!
//! so a component declares its arguments with [`with_http_client_config!`](crate::with_http_client_config),
//! which adds the client fields (attributes and blocks) to the struct and to its River schema and
//! gives the struct an `http_client_config()` accessor. [`HttpClientConfig`] itself is the same
//! set of fields on its own. Then:
//!
//! * [`HttpClientConfig::validate`] checks the combinations upstream rejects (at most one auth
//!   method, password vs. password file, proxy settings, TLS pairs, reserved headers);
//! * [`HttpClientConfig::build`] returns an [`HttpClient`]: a `reqwest::Client` for the transport
//!   (TLS, proxy, redirects, HTTP/2) plus the per-request parts — credentials (files are re-read
//!   on every request so rotated secrets are picked up), OAuth 2.0 client-credentials tokens,
//!   and custom headers — applied by [`HttpClient::request`].
//!
//! TLS notes: rustls speaks TLS 1.2 and 1.3 only, so `min_version = "TLS10"`/`"TLS11"` mean
//! TLS 1.2. `server_name` changes the name the server certificate is verified against (the SNI
//! sent is still the URL's host) and needs `ca_pem`/`ca_file` or `insecure_skip_verify`.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use serde::{Deserialize, Serialize};

use super::oauth2::TokenSource;
use crate::eval::Secret;

/// The `User-Agent` the agent's HTTP clients send.
pub const USER_AGENT: &str = concat!("RiverAgent/", env!("CARGO_PKG_VERSION"));

/// Why a client configuration is invalid, or a request could not be prepared.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HttpClientError {
    /// A combination of settings upstream rejects.
    #[error("{0}")]
    Invalid(String),
    /// A file named by the configuration could not be read.
    #[error("unable to read {what} file {path}: {message}")]
    File {
        /// Which setting (`bearer_token_file`, `tls_config.ca_file`, …).
        what: &'static str,
        /// The path.
        path: String,
        /// The OS error.
        message: String,
    },
    /// TLS material (a certificate or key) could not be used.
    #[error("tls_config: {0}")]
    Tls(String),
    /// The transport could not be built.
    #[error("cannot build HTTP client: {0}")]
    Build(String),
    /// An OAuth 2.0 token could not be obtained.
    #[error("oauth2: {0}")]
    OAuth2(String),
}

/// `basic_auth { ... }`.
#[derive(Deserialize, Serialize, Clone, PartialEq, Debug, Default)]
pub struct BasicAuth {
    /// User name.
    #[serde(default)]
    pub username: String,
    /// Password.
    #[serde(default)]
    pub password: Secret,
    /// File holding the password (read on every request).
    #[serde(default)]
    pub password_file: String,
}
crate::river_schema!(BasicAuth { attr? username, attr? password, attr? password_file });

/// `authorization { ... }`: an `Authorization: <type> <credentials>` header.
#[derive(Deserialize, Serialize, Clone, PartialEq, Debug, Default)]
pub struct Authorization {
    /// The scheme; empty means `Bearer`.
    #[serde(default, rename = "type")]
    pub kind: String,
    /// The credentials.
    #[serde(default)]
    pub credentials: Secret,
    /// File holding the credentials (read on every request).
    #[serde(default)]
    pub credentials_file: String,
}
crate::river_schema!(Authorization { attr? "type", attr? credentials, attr? credentials_file });

/// `tls_config { ... }`.
#[derive(Deserialize, Serialize, Clone, PartialEq, Debug, Default)]
pub struct TlsConfig {
    /// CA certificates (PEM) to verify the server with, instead of the system's.
    #[serde(default)]
    pub ca_pem: String,
    /// File holding `ca_pem`.
    #[serde(default)]
    pub ca_file: String,
    /// Client certificate (PEM).
    #[serde(default)]
    pub cert_pem: String,
    /// File holding `cert_pem`.
    #[serde(default)]
    pub cert_file: String,
    /// Client key (PEM).
    #[serde(default)]
    pub key_pem: Secret,
    /// File holding `key_pem`.
    #[serde(default)]
    pub key_file: String,
    /// Name to verify the server certificate against.
    #[serde(default)]
    pub server_name: String,
    /// Accept any server certificate.
    #[serde(default)]
    pub insecure_skip_verify: bool,
    /// Oldest TLS version to accept: `TLS10`, `TLS11`, `TLS12` or `TLS13`.
    #[serde(default)]
    pub min_version: String,
}
crate::river_schema!(TlsConfig {
    attr? ca_pem,
    attr? ca_file,
    attr? cert_pem,
    attr? cert_file,
    attr? key_pem,
    attr? key_file,
    attr? server_name,
    attr? insecure_skip_verify,
    attr? min_version,
});

/// `oauth2 { ... }`: the client-credentials grant.
#[derive(Deserialize, Serialize, Clone, PartialEq, Debug, Default)]
pub struct OAuth2Config {
    /// Client ID.
    #[serde(default)]
    pub client_id: String,
    /// Client secret.
    #[serde(default)]
    pub client_secret: Secret,
    /// File holding the client secret.
    #[serde(default)]
    pub client_secret_file: String,
    /// Scopes to request.
    #[serde(default)]
    pub scopes: Vec<String>,
    /// The token endpoint.
    #[serde(default)]
    pub token_url: String,
    /// Extra form parameters for the token request.
    #[serde(default)]
    pub endpoint_params: BTreeMap<String, String>,
    /// Proxy for the token request.
    #[serde(default)]
    pub proxy_url: String,
    /// Hosts that bypass `proxy_url`.
    #[serde(default)]
    pub no_proxy: String,
    /// Use the proxy named by the environment (`HTTP_PROXY`, …).
    #[serde(default)]
    pub proxy_from_environment: bool,
    /// Headers for proxy `CONNECT` requests.
    #[serde(default)]
    pub proxy_connect_header: BTreeMap<String, Vec<Secret>>,
    /// TLS for the token request.
    #[serde(default)]
    pub tls_config: Option<TlsConfig>,
}
crate::river_schema!(OAuth2Config {
    attr? client_id,
    attr? client_secret,
    attr? client_secret_file,
    attr? scopes,
    attr? token_url,
    attr? endpoint_params,
    attr? proxy_url,
    attr? no_proxy,
    attr? proxy_from_environment,
    attr? proxy_connect_header,
    block? tls_config: TlsConfig,
});

/// `true`, the default of `follow_redirects` and (for most components) `enable_http2`.
pub fn default_true() -> bool {
    true
}

/// `false`, the default of `enable_http2` for remote-write endpoints.
pub fn default_false() -> bool {
    false
}

/// Declares an arguments struct whose River body also holds the HTTP client settings
/// (upstream's "squashed" `HTTPClientConfig`). The macro appends the client fields to the
/// struct and to its schema, and adds `fn http_client_config(&self) -> HttpClientConfig`.
/// For use inside this crate (serde default paths are `crate::` paths).
///
/// ```text
/// crate::with_http_client_config! {
///     /// `discovery.http` arguments.
///     #[derive(serde::Deserialize, serde::Serialize, Clone, PartialEq, Debug)]
///     pub struct Args {
///         /// The URL.
///         pub url: String,
///     }
///     schema { attr url }
///     enable_http2_default = "crate::components::common::http_client::default_true";
/// }
/// ```
#[macro_export]
macro_rules! with_http_client_config {
    (
        $(#[$meta:meta])*
        $vis:vis struct $name:ident {
            $( $(#[$fmeta:meta])* $fvis:vis $field:ident : $fty:ty ),* $(,)?
        }
        schema { $($schema:tt)* }
        enable_http2_default = $h2:literal;
    ) => {
        $(#[$meta])*
        $vis struct $name {
            $( $(#[$fmeta])* $fvis $field : $fty, )*
            /// `basic_auth { ... }`.
            #[serde(default)]
            pub basic_auth: Option<$crate::components::common::http_client::BasicAuth>,
            /// `authorization { ... }`.
            #[serde(default)]
            pub authorization: Option<$crate::components::common::http_client::Authorization>,
            /// `oauth2 { ... }`.
            #[serde(default)]
            pub oauth2: Option<$crate::components::common::http_client::OAuth2Config>,
            /// `bearer_token`.
            #[serde(default)]
            pub bearer_token: $crate::eval::Secret,
            /// `bearer_token_file`.
            #[serde(default)]
            pub bearer_token_file: String,
            /// `proxy_url`.
            #[serde(default)]
            pub proxy_url: String,
            /// `no_proxy`.
            #[serde(default)]
            pub no_proxy: String,
            /// `proxy_from_environment`.
            #[serde(default)]
            pub proxy_from_environment: bool,
            /// `proxy_connect_header`.
            #[serde(default)]
            pub proxy_connect_header:
                std::collections::BTreeMap<String, Vec<$crate::eval::Secret>>,
            /// `tls_config { ... }`.
            #[serde(default)]
            pub tls_config: Option<$crate::components::common::http_client::TlsConfig>,
            /// `follow_redirects` (default true).
            #[serde(default = "crate::components::common::http_client::default_true")]
            pub follow_redirects: bool,
            /// `enable_http2`.
            #[serde(default = $h2)]
            pub enable_http2: bool,
            /// `http_headers`: extra request headers.
            #[serde(default)]
            pub http_headers: std::collections::BTreeMap<String, Vec<$crate::eval::Secret>>,
        }

        $crate::river_schema!($name {
            $($schema)*,
            block? basic_auth: $crate::components::common::http_client::BasicAuth,
            block? authorization: $crate::components::common::http_client::Authorization,
            block? oauth2: $crate::components::common::http_client::OAuth2Config,
            attr? bearer_token,
            attr? bearer_token_file,
            attr? proxy_url,
            attr? no_proxy,
            attr? proxy_from_environment,
            attr? proxy_connect_header,
            block? tls_config: $crate::components::common::http_client::TlsConfig,
            attr? follow_redirects,
            attr? enable_http2,
            attr? http_headers,
        });

        impl $name {
            /// The HTTP client settings of these arguments.
            pub fn http_client_config(&self) -> $crate::components::common::http_client::HttpClientConfig {
                $crate::components::common::http_client::HttpClientConfig {
                    basic_auth: self.basic_auth.clone(),
                    authorization: self.authorization.clone(),
                    oauth2: self.oauth2.clone(),
                    bearer_token: self.bearer_token.clone(),
                    bearer_token_file: self.bearer_token_file.clone(),
                    proxy_url: self.proxy_url.clone(),
                    no_proxy: self.no_proxy.clone(),
                    proxy_from_environment: self.proxy_from_environment,
                    proxy_connect_header: self.proxy_connect_header.clone(),
                    tls_config: self.tls_config.clone(),
                    follow_redirects: self.follow_redirects,
                    enable_http2: self.enable_http2,
                    http_headers: self.http_headers.clone(),
                }
            }
        }
    };
}

/// The HTTP client settings on their own (see the [module docs](self)).
#[derive(Deserialize, Serialize, Clone, PartialEq, Debug)]
pub struct HttpClientConfig {
    /// `basic_auth { ... }`.
    #[serde(default)]
    pub basic_auth: Option<BasicAuth>,
    /// `authorization { ... }`.
    #[serde(default)]
    pub authorization: Option<Authorization>,
    /// `oauth2 { ... }`.
    #[serde(default)]
    pub oauth2: Option<OAuth2Config>,
    /// `bearer_token`.
    #[serde(default)]
    pub bearer_token: Secret,
    /// `bearer_token_file`.
    #[serde(default)]
    pub bearer_token_file: String,
    /// `proxy_url`.
    #[serde(default)]
    pub proxy_url: String,
    /// `no_proxy`.
    #[serde(default)]
    pub no_proxy: String,
    /// `proxy_from_environment`.
    #[serde(default)]
    pub proxy_from_environment: bool,
    /// `proxy_connect_header`.
    #[serde(default)]
    pub proxy_connect_header: BTreeMap<String, Vec<Secret>>,
    /// `tls_config { ... }`.
    #[serde(default)]
    pub tls_config: Option<TlsConfig>,
    /// `follow_redirects`.
    #[serde(default = "default_true")]
    pub follow_redirects: bool,
    /// `enable_http2`.
    #[serde(default = "default_true")]
    pub enable_http2: bool,
    /// `http_headers`.
    #[serde(default)]
    pub http_headers: BTreeMap<String, Vec<Secret>>,
}

impl Default for HttpClientConfig {
    fn default() -> Self {
        HttpClientConfig {
            basic_auth: None,
            authorization: None,
            oauth2: None,
            bearer_token: Secret::default(),
            bearer_token_file: String::new(),
            proxy_url: String::new(),
            no_proxy: String::new(),
            proxy_from_environment: false,
            proxy_connect_header: BTreeMap::new(),
            tls_config: None,
            follow_redirects: true,
            enable_http2: true,
            http_headers: BTreeMap::new(),
        }
    }
}

crate::river_schema!(HttpClientConfig {
    block? basic_auth: BasicAuth,
    block? authorization: Authorization,
    block? oauth2: OAuth2Config,
    attr? bearer_token,
    attr? bearer_token_file,
    attr? proxy_url,
    attr? no_proxy,
    attr? proxy_from_environment,
    attr? proxy_connect_header,
    block? tls_config: TlsConfig,
    attr? follow_redirects,
    attr? enable_http2,
    attr? http_headers,
});

/// Headers a configuration may not set through `http_headers` (the client or the protocol
/// owns them).
const RESERVED_HEADERS: &[&str] = &[
    "authorization",
    "host",
    "content-encoding",
    "content-length",
    "content-type",
    "user-agent",
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "www-authenticate",
    "accept-encoding",
    "x-prometheus-remote-write-version",
    "x-prometheus-remote-read-version",
    "x-prometheus-scrape-timeout-seconds",
    "x-amz-date",
    "x-amz-security-token",
    "x-amz-content-sha256",
    "upgrade",
    "te",
    "trailer",
    "transfer-encoding",
];

fn invalid(msg: impl Into<String>) -> HttpClientError {
    HttpClientError::Invalid(msg.into())
}

/// Proxy settings, as they appear both at the top level and inside `oauth2`.
struct ProxySettings<'a> {
    url: &'a str,
    no_proxy: &'a str,
    from_environment: bool,
    connect_header: &'a BTreeMap<String, Vec<Secret>>,
}

impl ProxySettings<'_> {
    fn validate(&self) -> Result<(), HttpClientError> {
        if self.from_environment && !self.url.is_empty() {
            return Err(invalid(
                "if proxy_from_environment is configured, proxy_url must not be configured",
            ));
        }
        if self.from_environment && !self.no_proxy.is_empty() {
            return Err(invalid(
                "if proxy_from_environment is configured, no_proxy must not be configured",
            ));
        }
        if self.url.is_empty() && !self.no_proxy.is_empty() {
            return Err(invalid(
                "if no_proxy is configured, proxy_url must also be configured",
            ));
        }
        if !self.connect_header.is_empty() && !self.from_environment && self.url.is_empty() {
            return Err(invalid(
                "if proxy_connect_header is configured, proxy_url or proxy_from_environment must also be configured",
            ));
        }
        if !self.url.is_empty() {
            reqwest::Url::parse(self.url)
                .map_err(|e| invalid(format!("invalid proxy_url {:?}: {e}", self.url)))?;
        }
        for name in self.connect_header.keys() {
            HeaderName::from_bytes(name.as_bytes())
                .map_err(|_| invalid(format!("invalid proxy_connect_header name {name:?}")))?;
        }
        Ok(())
    }

    /// Applies the settings to a client builder.
    fn apply(&self, b: reqwest::ClientBuilder) -> Result<reqwest::ClientBuilder, HttpClientError> {
        if self.from_environment {
            // reqwest reads HTTP_PROXY/HTTPS_PROXY/NO_PROXY itself unless told not to.
            return Ok(b);
        }
        let b = b.no_proxy();
        if self.url.is_empty() {
            return Ok(b);
        }
        let mut proxy = reqwest::Proxy::all(self.url)
            .map_err(|e| invalid(format!("invalid proxy_url {:?}: {e}", self.url)))?;
        if !self.no_proxy.is_empty() {
            proxy = proxy.no_proxy(reqwest::NoProxy::from_string(self.no_proxy));
        }
        if !self.connect_header.is_empty() {
            proxy = proxy.headers(header_map(self.connect_header, "proxy_connect_header")?);
        }
        Ok(b.proxy(proxy))
    }
}

fn header_map(
    headers: &BTreeMap<String, Vec<Secret>>,
    what: &str,
) -> Result<HeaderMap, HttpClientError> {
    let mut map = HeaderMap::new();
    for (name, values) in headers {
        let n = HeaderName::from_bytes(name.as_bytes())
            .map_err(|_| invalid(format!("invalid {what} name {name:?}")))?;
        for v in values {
            let mut hv = HeaderValue::from_str(v.reveal())
                .map_err(|_| invalid(format!("invalid value for {what} {name:?}")))?;
            hv.set_sensitive(true);
            map.append(n.clone(), hv);
        }
    }
    Ok(map)
}

impl TlsConfig {
    /// Checks the pairs upstream rejects.
    pub fn validate(&self) -> Result<(), HttpClientError> {
        if !self.ca_pem.is_empty() && !self.ca_file.is_empty() {
            return Err(invalid(
                "at most one of ca_pem and ca_file must be configured",
            ));
        }
        if !self.cert_pem.is_empty() && !self.cert_file.is_empty() {
            return Err(invalid(
                "at most one of cert_pem and cert_file must be configured",
            ));
        }
        if !self.key_pem.reveal().is_empty() && !self.key_file.is_empty() {
            return Err(invalid(
                "at most one of key_pem and key_file must be configured",
            ));
        }
        let cert = !self.cert_pem.is_empty() || !self.cert_file.is_empty();
        let key = !self.key_pem.reveal().is_empty() || !self.key_file.is_empty();
        if cert && !key {
            return Err(invalid(
                "exactly one of key_pem or key_file must be configured when a client certificate is configured",
            ));
        }
        if key && !cert {
            return Err(invalid(
                "exactly one of cert_pem or cert_file must be configured when a client key is configured",
            ));
        }
        self.min_tls_version()?;
        let has_ca = !self.ca_pem.is_empty() || !self.ca_file.is_empty();
        if !self.server_name.is_empty() && !has_ca && !self.insecure_skip_verify {
            return Err(invalid(
                "tls_config: server_name needs ca_pem or ca_file (or insecure_skip_verify)",
            ));
        }
        Ok(())
    }

    fn min_tls_version(&self) -> Result<Option<reqwest::tls::Version>, HttpClientError> {
        use reqwest::tls::Version;
        Ok(match self.min_version.as_str() {
            "" => None,
            // rustls has nothing older than 1.2.
            "TLS10" | "TLS11" | "TLS12" => Some(Version::TLS_1_2),
            "TLS13" => Some(Version::TLS_1_3),
            other => {
                return Err(invalid(format!(
                    "unknown TLS version: {other} (expected TLS10, TLS11, TLS12 or TLS13)"
                )))
            }
        })
    }

    fn read(
        inline: &str,
        file: &str,
        what: &'static str,
    ) -> Result<Option<Vec<u8>>, HttpClientError> {
        if !inline.is_empty() {
            return Ok(Some(inline.as_bytes().to_vec()));
        }
        if file.is_empty() {
            return Ok(None);
        }
        std::fs::read(file)
            .map(Some)
            .map_err(|e| HttpClientError::File {
                what,
                path: file.to_owned(),
                message: e.to_string(),
            })
    }

    /// Applies the TLS settings to a client builder.
    fn apply(
        &self,
        b: reqwest::ClientBuilder,
        enable_http2: bool,
    ) -> Result<reqwest::ClientBuilder, HttpClientError> {
        let ca = Self::read(&self.ca_pem, &self.ca_file, "tls_config.ca_file")?;
        let cert = Self::read(&self.cert_pem, &self.cert_file, "tls_config.cert_file")?;
        let key = Self::read(self.key_pem.reveal(), &self.key_file, "tls_config.key_file")?;
        if !self.server_name.is_empty() {
            let cfg = rustls_config::build(self, ca.as_deref(), cert.zip(key), enable_http2)?;
            return Ok(b.tls_backend_preconfigured(cfg));
        }
        let mut b = b;
        if let Some(v) = self.min_tls_version()? {
            b = b.tls_version_min(v);
        }
        if let Some(ca) = ca {
            let certs = reqwest::Certificate::from_pem_bundle(&ca)
                .map_err(|e| HttpClientError::Tls(format!("invalid CA certificate: {e}")))?;
            if certs.is_empty() {
                return Err(HttpClientError::Tls(
                    "no CA certificate found in ca_pem/ca_file".into(),
                ));
            }
            b = b.tls_certs_only(certs);
        }
        if let (Some(mut cert), Some(key)) = (cert, key) {
            cert.push(b'\n');
            cert.extend_from_slice(&key);
            let id = reqwest::Identity::from_pem(&cert).map_err(|e| {
                HttpClientError::Tls(format!("invalid client certificate or key: {e}"))
            })?;
            b = b.identity(id);
        }
        if self.insecure_skip_verify {
            b = b.tls_danger_accept_invalid_certs(true);
        }
        Ok(b)
    }
}

/// A rustls configuration for the one case reqwest's builder cannot express: verifying the
/// server certificate against a configured name.
mod rustls_config {
    use std::sync::Arc;

    use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
    use rustls::client::WebPkiServerVerifier;
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
    use rustls::{DigitallySignedStruct, SignatureScheme};

    use super::{HttpClientError, TlsConfig};

    /// Verifies certificates with an inner verifier, always against a fixed name.
    #[derive(Debug)]
    struct FixedName {
        inner: Arc<dyn ServerCertVerifier>,
        name: ServerName<'static>,
    }

    impl ServerCertVerifier for FixedName {
        fn verify_server_cert(
            &self,
            end_entity: &CertificateDer<'_>,
            intermediates: &[CertificateDer<'_>],
            _server_name: &ServerName<'_>,
            ocsp: &[u8],
            now: UnixTime,
        ) -> Result<ServerCertVerified, rustls::Error> {
            self.inner
                .verify_server_cert(end_entity, intermediates, &self.name, ocsp, now)
        }
        fn verify_tls12_signature(
            &self,
            message: &[u8],
            cert: &CertificateDer<'_>,
            dss: &DigitallySignedStruct,
        ) -> Result<HandshakeSignatureValid, rustls::Error> {
            self.inner.verify_tls12_signature(message, cert, dss)
        }
        fn verify_tls13_signature(
            &self,
            message: &[u8],
            cert: &CertificateDer<'_>,
            dss: &DigitallySignedStruct,
        ) -> Result<HandshakeSignatureValid, rustls::Error> {
            self.inner.verify_tls13_signature(message, cert, dss)
        }
        fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
            self.inner.supported_verify_schemes()
        }
    }

    /// Accepts any certificate (`insecure_skip_verify`), still checking handshake signatures.
    #[derive(Debug)]
    struct AcceptAny(Arc<rustls::crypto::CryptoProvider>);

    impl ServerCertVerifier for AcceptAny {
        fn verify_server_cert(
            &self,
            _: &CertificateDer<'_>,
            _: &[CertificateDer<'_>],
            _: &ServerName<'_>,
            _: &[u8],
            _: UnixTime,
        ) -> Result<ServerCertVerified, rustls::Error> {
            Ok(ServerCertVerified::assertion())
        }
        fn verify_tls12_signature(
            &self,
            message: &[u8],
            cert: &CertificateDer<'_>,
            dss: &DigitallySignedStruct,
        ) -> Result<HandshakeSignatureValid, rustls::Error> {
            rustls::crypto::verify_tls12_signature(
                message,
                cert,
                dss,
                &self.0.signature_verification_algorithms,
            )
        }
        fn verify_tls13_signature(
            &self,
            message: &[u8],
            cert: &CertificateDer<'_>,
            dss: &DigitallySignedStruct,
        ) -> Result<HandshakeSignatureValid, rustls::Error> {
            rustls::crypto::verify_tls13_signature(
                message,
                cert,
                dss,
                &self.0.signature_verification_algorithms,
            )
        }
        fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
            self.0.signature_verification_algorithms.supported_schemes()
        }
    }

    fn tls(e: impl std::fmt::Display) -> HttpClientError {
        HttpClientError::Tls(e.to_string())
    }

    /// Builds the client configuration.
    pub(super) fn build(
        cfg: &TlsConfig,
        ca: Option<&[u8]>,
        identity: Option<(Vec<u8>, Vec<u8>)>,
        enable_http2: bool,
    ) -> Result<rustls::ClientConfig, HttpClientError> {
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let versions: &[&rustls::SupportedProtocolVersion] = match cfg.min_version.as_str() {
            "TLS13" => &[&rustls::version::TLS13],
            _ => rustls::DEFAULT_VERSIONS,
        };
        let builder = rustls::ClientConfig::builder_with_provider(provider.clone())
            .with_protocol_versions(versions)
            .map_err(tls)?;
        let verifier: Arc<dyn ServerCertVerifier> = if cfg.insecure_skip_verify {
            Arc::new(AcceptAny(provider.clone()))
        } else {
            let ca = ca.ok_or_else(|| tls("server_name needs ca_pem or ca_file"))?;
            let mut roots = rustls::RootCertStore::empty();
            for cert in CertificateDer::pem_slice_iter(ca) {
                roots
                    .add(cert.map_err(|e| tls(format!("invalid CA certificate: {e}")))?)
                    .map_err(|e| tls(format!("invalid CA certificate: {e}")))?;
            }
            let inner = WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider)
                .build()
                .map_err(tls)?;
            let name = ServerName::try_from(cfg.server_name.clone())
                .map_err(|e| tls(format!("invalid server_name {:?}: {e}", cfg.server_name)))?;
            Arc::new(FixedName { inner, name })
        };
        let builder = builder
            .dangerous()
            .with_custom_certificate_verifier(verifier);
        let mut config = match identity {
            Some((cert, key)) => {
                let certs = CertificateDer::pem_slice_iter(&cert)
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(|e| tls(format!("invalid client certificate: {e}")))?;
                let key = PrivateKeyDer::from_pem_slice(&key)
                    .map_err(|e| tls(format!("invalid client key: {e}")))?;
                builder.with_client_auth_cert(certs, key).map_err(tls)?
            }
            None => builder.with_no_client_auth(),
        };
        config.alpn_protocols = if enable_http2 {
            vec![b"h2".to_vec(), b"http/1.1".to_vec()]
        } else {
            vec![b"http/1.1".to_vec()]
        };
        Ok(config)
    }
}

impl HttpClientConfig {
    /// Checks the combinations upstream rejects.
    pub fn validate(&self) -> Result<(), HttpClientError> {
        let bearer = !self.bearer_token.reveal().is_empty() || !self.bearer_token_file.is_empty();
        if !self.bearer_token.reveal().is_empty() && !self.bearer_token_file.is_empty() {
            return Err(invalid(
                "at most one of bearer_token & bearer_token_file must be configured",
            ));
        }
        if (self.basic_auth.is_some() || self.oauth2.is_some()) && bearer {
            return Err(invalid(
                "at most one of basic_auth, oauth2, bearer_token & bearer_token_file must be configured",
            ));
        }
        if let Some(b) = &self.basic_auth {
            if !b.password.reveal().is_empty() && !b.password_file.is_empty() {
                return Err(invalid(
                    "at most one of basic_auth password & password_file must be configured",
                ));
            }
        }
        if let Some(a) = &self.authorization {
            if bearer {
                return Err(invalid(
                    "authorization is not compatible with bearer_token & bearer_token_file",
                ));
            }
            if !a.credentials.reveal().is_empty() && !a.credentials_file.is_empty() {
                return Err(invalid(
                    "at most one of authorization credentials & credentials_file must be configured",
                ));
            }
            if a.kind.trim().eq_ignore_ascii_case("basic") {
                return Err(invalid(
                    r#"authorization type cannot be set to "basic", use "basic_auth" instead"#,
                ));
            }
            if self.basic_auth.is_some() || self.oauth2.is_some() {
                return Err(invalid(
                    "at most one of basic_auth, oauth2 & authorization must be configured",
                ));
            }
        }
        if let Some(o) = &self.oauth2 {
            if self.basic_auth.is_some() {
                return Err(invalid(
                    "at most one of oauth2 & basic_auth must be configured",
                ));
            }
            if o.client_id.is_empty() {
                return Err(invalid("oauth2 client_id must be configured"));
            }
            if o.client_secret.reveal().is_empty() && o.client_secret_file.is_empty() {
                return Err(invalid(
                    "either oauth2 client_secret or client_secret_file must be configured",
                ));
            }
            if !o.client_secret.reveal().is_empty() && !o.client_secret_file.is_empty() {
                return Err(invalid(
                    "at most one of oauth2 client_secret & client_secret_file must be configured",
                ));
            }
            if o.token_url.is_empty() {
                return Err(invalid("oauth2 token_url must be configured"));
            }
            reqwest::Url::parse(&o.token_url)
                .map_err(|e| invalid(format!("invalid oauth2 token_url {:?}: {e}", o.token_url)))?;
            ProxySettings {
                url: &o.proxy_url,
                no_proxy: &o.no_proxy,
                from_environment: o.proxy_from_environment,
                connect_header: &o.proxy_connect_header,
            }
            .validate()?;
            if let Some(t) = &o.tls_config {
                t.validate()?;
            }
        }
        self.proxy().validate()?;
        if let Some(t) = &self.tls_config {
            t.validate()?;
        }
        for name in self.http_headers.keys() {
            if RESERVED_HEADERS.contains(&name.to_ascii_lowercase().as_str()) {
                return Err(invalid(format!("setting header {name:?} is not allowed")));
            }
        }
        header_map(&self.http_headers, "http_headers")?;
        Ok(())
    }

    fn proxy(&self) -> ProxySettings<'_> {
        ProxySettings {
            url: &self.proxy_url,
            no_proxy: &self.no_proxy,
            from_environment: self.proxy_from_environment,
            connect_header: &self.proxy_connect_header,
        }
    }

    /// Builds the transport: TLS, proxy, redirects, HTTP/2, user agent. `customize` may add
    /// settings of the calling component (timeouts, compression).
    pub fn build_reqwest_client(
        &self,
        customize: impl FnOnce(reqwest::ClientBuilder) -> reqwest::ClientBuilder,
    ) -> Result<reqwest::Client, HttpClientError> {
        transport(
            self.tls_config.as_ref(),
            &self.proxy(),
            self.follow_redirects,
            self.enable_http2,
        )
        .and_then(|b| {
            customize(b)
                .build()
                .map_err(|e| HttpClientError::Build(error_chain(&e)))
        })
    }

    /// Validates the settings and builds a client. `customize` may add settings of the calling
    /// component (timeouts, compression) to the transport.
    pub fn build(
        &self,
        customize: impl FnOnce(reqwest::ClientBuilder) -> reqwest::ClientBuilder,
    ) -> Result<HttpClient, HttpClientError> {
        self.validate()?;
        let client = self.build_reqwest_client(customize)?;
        let auth = if let Some(b) = &self.basic_auth {
            Auth::Basic {
                username: b.username.clone(),
                password: Credential::new(
                    b.password.reveal(),
                    &b.password_file,
                    "basic_auth password",
                ),
            }
        } else if let Some(a) = &self.authorization {
            let kind = match a.kind.trim() {
                "" => "Bearer".to_owned(),
                k => k.to_owned(),
            };
            Auth::Header {
                kind,
                credentials: Credential::new(
                    a.credentials.reveal(),
                    &a.credentials_file,
                    "authorization credentials",
                ),
            }
        } else if !self.bearer_token.reveal().is_empty() || !self.bearer_token_file.is_empty() {
            Auth::Header {
                kind: "Bearer".to_owned(),
                credentials: Credential::new(
                    self.bearer_token.reveal(),
                    &self.bearer_token_file,
                    "bearer_token",
                ),
            }
        } else if let Some(o) = &self.oauth2 {
            let token_client = transport(
                o.tls_config.as_ref(),
                &ProxySettings {
                    url: &o.proxy_url,
                    no_proxy: &o.no_proxy,
                    from_environment: o.proxy_from_environment,
                    connect_header: &o.proxy_connect_header,
                },
                true,
                true,
            )?
            .timeout(Duration::from_secs(30))
            .build()
            .map_err(|e| HttpClientError::Build(error_chain(&e)))?;
            Auth::OAuth2(Arc::new(TokenSource::new(
                token_client,
                o.token_url.clone(),
                o.client_id.clone(),
                Credential::new(
                    o.client_secret.reveal(),
                    &o.client_secret_file,
                    "oauth2 client_secret",
                ),
                o.scopes.clone(),
                o.endpoint_params.clone(),
            )))
        } else {
            Auth::None
        };
        Ok(HttpClient {
            client,
            auth: Arc::new(auth),
            headers: header_map(&self.http_headers, "http_headers")?,
        })
    }
}

/// A client builder with the transport settings applied.
fn transport(
    tls: Option<&TlsConfig>,
    proxy: &ProxySettings<'_>,
    follow_redirects: bool,
    enable_http2: bool,
) -> Result<reqwest::ClientBuilder, HttpClientError> {
    let mut b = reqwest::Client::builder()
        .user_agent(USER_AGENT)
        .redirect(if follow_redirects {
            reqwest::redirect::Policy::limited(10)
        } else {
            reqwest::redirect::Policy::none()
        });
    if !enable_http2 {
        b = b.http1_only();
    }
    b = proxy.apply(b)?;
    if let Some(t) = tls {
        b = t.apply(b, enable_http2)?;
    }
    Ok(b)
}

/// An error with its causes, `a: b: c`, as Go prints wrapped errors.
pub fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut src = e.source();
    while let Some(c) = src {
        let cs = c.to_string();
        if !s.contains(&cs) {
            s.push_str(": ");
            s.push_str(&cs);
        }
        src = c.source();
    }
    s
}

/// A secret given inline or as a file read on every use.
#[derive(Clone, Debug)]
pub(crate) enum Credential {
    /// The value itself.
    Inline(String),
    /// A file holding it (whitespace around it is trimmed).
    File {
        /// The file.
        path: PathBuf,
        /// Which setting, for errors.
        what: &'static str,
    },
}

impl Credential {
    fn new(inline: &str, file: &str, what: &'static str) -> Credential {
        if file.is_empty() {
            Credential::Inline(inline.to_owned())
        } else {
            Credential::File {
                path: PathBuf::from(file),
                what,
            }
        }
    }

    /// The current value.
    pub(crate) async fn get(&self) -> Result<String, HttpClientError> {
        match self {
            Credential::Inline(s) => Ok(s.clone()),
            Credential::File { path, what } => tokio::fs::read_to_string(path)
                .await
                .map(|s| s.trim().to_owned())
                .map_err(|e| HttpClientError::File {
                    what,
                    path: path.display().to_string(),
                    message: e.to_string(),
                }),
        }
    }
}

enum Auth {
    None,
    Basic {
        username: String,
        password: Credential,
    },
    Header {
        kind: String,
        credentials: Credential,
    },
    OAuth2(Arc<TokenSource>),
}

/// A configured client: the transport plus credentials and headers applied per request.
/// Cheap to clone.
#[derive(Clone)]
pub struct HttpClient {
    client: reqwest::Client,
    auth: Arc<Auth>,
    headers: HeaderMap,
}

impl HttpClient {
    /// A request with the configured credentials and headers. Credentials files are read (and
    /// OAuth 2.0 tokens fetched or refreshed) here.
    pub async fn request(
        &self,
        method: reqwest::Method,
        url: impl reqwest::IntoUrl,
    ) -> Result<reqwest::RequestBuilder, HttpClientError> {
        let mut rb = self.client.request(method, url);
        for (name, value) in &self.headers {
            rb = rb.header(name, value.clone());
        }
        match &*self.auth {
            Auth::None => {}
            Auth::Basic { username, password } => {
                rb = rb.basic_auth(username, Some(password.get().await?));
            }
            Auth::Header { kind, credentials } => {
                let c = credentials.get().await?;
                if !c.is_empty() {
                    let mut hv = HeaderValue::from_str(&format!("{kind} {c}")).map_err(|_| {
                        invalid("authorization credentials are not a valid header value")
                    })?;
                    hv.set_sensitive(true);
                    rb = rb.header(reqwest::header::AUTHORIZATION, hv);
                }
            }
            Auth::OAuth2(src) => {
                let token = src.token().await?;
                rb = rb.header(reqwest::header::AUTHORIZATION, token);
            }
        }
        Ok(rb)
    }

    /// A GET request (see [`HttpClient::request`]).
    pub async fn get(
        &self,
        url: impl reqwest::IntoUrl,
    ) -> Result<reqwest::RequestBuilder, HttpClientError> {
        self.request(reqwest::Method::GET, url).await
    }

    /// The underlying transport, for requests that need no credentials.
    pub fn transport(&self) -> &reqwest::Client {
        &self.client
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    crate::with_http_client_config! {
        #[derive(Deserialize, Serialize, Clone, PartialEq, Debug)]
        struct Args {
            url: String,
        }
        schema { attr url }
        enable_http2_default = "crate::components::common::http_client::default_false";
    }

    #[test]
    fn squashed_fields_decode() {
        let src = br#"
            url = "http://x"
            bearer_token = "t"
            tls_config { insecure_skip_verify = true }
            http_headers = { "X-A" = ["1"] }
        "#;
        let ast = crate::syntax::parse_file("t.river", src).unwrap();
        let scope = crate::eval::Scope::isolated();
        let args: Args = crate::eval::decode_body(&ast, ast.file_body(), &scope).unwrap();
        let c = args.http_client_config();
        assert_eq!(args.url, "http://x");
        assert_eq!(c.bearer_token.reveal(), "t");
        assert!(c.follow_redirects);
        assert!(!c.enable_http2);
        assert!(c.tls_config.unwrap().insecure_skip_verify);
        assert_eq!(c.http_headers["X-A"][0].reveal(), "1");
        let body = crate::eval::body_of(&args).unwrap();
        let text = crate::eval::body_to_river(&body);
        assert!(text.contains("bearer_token"), "{text}");
        assert!(!text.contains("\"t\""), "secret leaked: {text}");
    }

    fn secret(s: &str) -> Secret {
        Secret(s.to_owned())
    }

    #[test]
    fn auth_methods_are_exclusive() {
        let mut c = HttpClientConfig {
            bearer_token: secret("t"),
            basic_auth: Some(BasicAuth::default()),
            ..Default::default()
        };
        assert!(c
            .validate()
            .unwrap_err()
            .to_string()
            .contains("at most one of basic_auth"));
        c.basic_auth = None;
        c.bearer_token_file = "/x".into();
        assert!(c
            .validate()
            .unwrap_err()
            .to_string()
            .contains("bearer_token & bearer_token_file"));
        c.bearer_token_file.clear();
        c.authorization = Some(Authorization::default());
        assert!(c
            .validate()
            .unwrap_err()
            .to_string()
            .contains("not compatible"));
        c.bearer_token = Secret::default();
        c.authorization = Some(Authorization {
            kind: " Basic ".into(),
            ..Default::default()
        });
        assert!(c
            .validate()
            .unwrap_err()
            .to_string()
            .contains("use \"basic_auth\""));
    }

    #[test]
    fn proxy_rules() {
        let c = HttpClientConfig {
            no_proxy: "x".into(),
            ..Default::default()
        };
        assert!(c
            .validate()
            .unwrap_err()
            .to_string()
            .contains("proxy_url must also"));
        let c = HttpClientConfig {
            proxy_from_environment: true,
            proxy_url: "http://p:1".into(),
            ..Default::default()
        };
        assert!(c
            .validate()
            .unwrap_err()
            .to_string()
            .contains("must not be configured"));
        let c = HttpClientConfig {
            proxy_url: "::bad".into(),
            ..Default::default()
        };
        assert!(c
            .validate()
            .unwrap_err()
            .to_string()
            .contains("invalid proxy_url"));
    }

    #[test]
    fn tls_pairs_and_versions() {
        let t = TlsConfig {
            cert_pem: "x".into(),
            ..Default::default()
        };
        assert!(t
            .validate()
            .unwrap_err()
            .to_string()
            .contains("key_pem or key_file"));
        let t = TlsConfig {
            min_version: "TLS9".into(),
            ..Default::default()
        };
        assert!(t
            .validate()
            .unwrap_err()
            .to_string()
            .contains("unknown TLS version"));
        let t = TlsConfig {
            ca_pem: "a".into(),
            ca_file: "b".into(),
            ..Default::default()
        };
        assert!(t
            .validate()
            .unwrap_err()
            .to_string()
            .contains("ca_pem and ca_file"));
    }

    #[test]
    fn reserved_headers_are_refused() {
        let c = HttpClientConfig {
            http_headers: [("User-Agent".to_string(), vec![secret("x")])].into(),
            ..Default::default()
        };
        assert!(c
            .validate()
            .unwrap_err()
            .to_string()
            .contains("not allowed"));
    }

    #[test]
    fn missing_ca_file_is_a_clear_error() {
        let c = HttpClientConfig {
            tls_config: Some(TlsConfig {
                ca_file: "/nonexistent/ca.pem".into(),
                ..Default::default()
            }),
            ..Default::default()
        };
        let e = c.build(|b| b).err().unwrap().to_string();
        assert!(
            e.contains("tls_config.ca_file") && e.contains("/nonexistent/ca.pem"),
            "{e}"
        );
    }

    #[tokio::test]
    async fn credentials_and_headers_are_applied() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("token");
        std::fs::write(&f, "abc\n").unwrap();
        let c = HttpClientConfig {
            bearer_token_file: f.display().to_string(),
            http_headers: [("X-Tenant".to_string(), vec![secret("a"), secret("b")])].into(),
            ..Default::default()
        };
        let client = c.build(|b| b).unwrap();
        let req = client
            .get("http://127.0.0.1:1/x")
            .await
            .unwrap()
            .build()
            .unwrap();
        assert_eq!(req.headers()["authorization"], "Bearer abc");
        let tenants: Vec<_> = req.headers().get_all("x-tenant").iter().collect();
        assert_eq!(tenants.len(), 2);
        // A rotated token is picked up on the next request.
        std::fs::write(&f, "def").unwrap();
        let req = client
            .get("http://127.0.0.1:1/x")
            .await
            .unwrap()
            .build()
            .unwrap();
        assert_eq!(req.headers()["authorization"], "Bearer def");

        let c = HttpClientConfig {
            basic_auth: Some(BasicAuth {
                username: "u".into(),
                password: secret("p"),
                password_file: String::new(),
            }),
            ..Default::default()
        };
        let req = c
            .build(|b| b)
            .unwrap()
            .get("http://h/")
            .await
            .unwrap()
            .build()
            .unwrap();
        assert_eq!(req.headers()["authorization"], "Basic dTpw");
    }
}
