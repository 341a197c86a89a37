//! The web UI: static assets (plain HTML, CSS and JavaScript modules under `src/http/ui/`)
//! embedded in the binary and served as a single-page app.
//!
//! Every GET path that is not an asset and not part of the agent's own API (`/api/…`, `/-/…`,
//! `/metrics`, `/debug/pprof/…`) answers with `index.html`, so deep links such as
//! `/component/prometheus.scrape.demo` or `/graph` work after a reload. The page finds the API
//! relative to its `<base href>`, which this module fills in with the UI path prefix.
//!
//! Mounting: put this router last, e.g. `api.fallback_service(ui::router())` or
//! `api.merge(ui::router())` (the API router must then not have its own fallback). Under a
//! prefix, nest it and pass the same prefix: `Router::new().nest_service("/ui", ui::router_with_base("/ui/"))`.
//!
//! Responses carry a content type, a strong `ETag` (304 on `If-None-Match`), `Cache-Control:
//! no-cache` (so a new binary's assets are picked up at once) and a Content-Security-Policy
//! that only allows same-origin scripts and requests. Bodies are gzip-compressed when the
//! client accepts it.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Router;
use rust_embed::RustEmbed;
use sha2::{Digest, Sha256};
use tower_http::compression::CompressionLayer;

/// The asset directory, embedded at compile time (read from disk in debug builds).
#[derive(RustEmbed)]
#[folder = "src/http/ui/"]
struct Assets;

/// Policy for every UI response: the page may only load its own scripts and styles and talk to
/// its own origin (no CDN, no fonts from elsewhere).
const CSP: &str = "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; \
                   script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'";

/// The `<base>` element in `index.html` that [`router_with_base`] rewrites.
const BASE_MARKER: &str = "<base href=\"/\">";

/// The single-page UI served at `/`.
pub fn router() -> Router {
    router_with_base("/")
}

/// The single-page UI for a UI path prefix (`base`, e.g. `/` or `/agent/`): the page uses it
/// as its `<base href>` to build API and asset URLs. The router itself matches paths relative to
/// where it is mounted.
pub fn router_with_base(base: &str) -> Router {
    let state = Arc::new(UiState::new(base));
    Router::new()
        .fallback(serve)
        .with_state(state)
        .layer(CompressionLayer::new().gzip(true))
}

/// What every request needs: the index page with its base filled in.
struct UiState {
    index: Page,
}

/// A prepared response body with its validator.
struct Page {
    body: Vec<u8>,
    etag: HeaderValue,
}

impl UiState {
    fn new(base: &str) -> Self {
        let raw = Assets::get("index.html")
            .map(|f| f.data.into_owned())
            .unwrap_or_default();
        let text = String::from_utf8_lossy(&raw);
        let body = text
            .replacen(
                BASE_MARKER,
                &format!("<base href=\"{}\">", html_attr(&normalise_base(base))),
                1,
            )
            .into_bytes();
        let etag = etag_for(&Sha256::digest(&body).into());
        UiState {
            index: Page { body, etag },
        }
    }
}

/// `base` with exactly one leading and one trailing slash.
fn normalise_base(base: &str) -> String {
    let trimmed = base.trim_matches('/');
    if trimmed.is_empty() {
        "/".to_string()
    } else {
        format!("/{trimmed}/")
    }
}

/// Escapes text for a double-quoted HTML attribute.
fn html_attr(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c => out.push(c),
        }
    }
    out
}

/// A strong validator from the first 16 bytes of a SHA-256 digest.
fn etag_for(hash: &[u8; 32]) -> HeaderValue {
    let mut tag = String::with_capacity(34);
    tag.push('"');
    for b in &hash[..16] {
        tag.push_str(&format!("{b:02x}"));
    }
    tag.push('"');
    HeaderValue::from_str(&tag).unwrap_or_else(|_| HeaderValue::from_static("\"0\""))
}

/// How a request path is answered.
#[derive(Debug, PartialEq, Eq)]
enum Route<'a> {
    /// An embedded file, by its path inside the asset directory.
    Asset(&'a str),
    /// The SPA shell; the script routes on the path.
    Index,
    /// Nothing here (API paths and missing files under asset directories).
    NotFound,
}

/// Paths owned by the agent's API: never answered with the SPA, so a wrong API URL is a 404
/// instead of a confusing HTML page.
fn is_api_path(path: &str) -> bool {
    path == "api"
        || path.starts_with("api/")
        || path == "-"
        || path.starts_with("-/")
        || path == "metrics"
        || path.starts_with("debug/pprof")
}

/// Directories that only hold assets: a miss there is a 404 (a module script answered with
/// HTML would fail with a misleading MIME error).
fn is_asset_dir_path(path: &str) -> bool {
    path.starts_with("js/") || path.starts_with("css/") || path.starts_with("img/")
}

fn route(path: &str) -> Route<'_> {
    let path = path.trim_start_matches('/');
    if path.is_empty() || path == "index.html" {
        return Route::Index;
    }
    if is_api_path(path) {
        return Route::NotFound;
    }
    if Assets::get(path).is_some() {
        return Route::Asset(path);
    }
    if is_asset_dir_path(path) {
        return Route::NotFound;
    }
    Route::Index
}

/// Content type by file extension (the few kinds the asset directory holds).
fn content_type(path: &str) -> &'static str {
    let ext = path.rsplit_once('.').map(|(_, e)| e).unwrap_or("");
    match ext {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "json" => "application/json",
        "txt" => "text/plain; charset=utf-8",
        "woff2" => "font/woff2",
        _ => "application/octet-stream",
    }
}

async fn serve(
    State(state): State<Arc<UiState>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    if method != Method::GET && method != Method::HEAD {
        let mut resp = (StatusCode::METHOD_NOT_ALLOWED, "method not allowed\n").into_response();
        resp.headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
        return resp;
    }
    let decoded = percent_encoding::percent_decode_str(uri.path()).decode_utf8_lossy();
    match route(&decoded) {
        Route::Index => respond(
            &headers,
            "index.html",
            state.index.body.clone(),
            state.index.etag.clone(),
        ),
        Route::Asset(path) => match Assets::get(path) {
            Some(file) => {
                let etag = etag_for(&file.metadata.sha256_hash());
                respond(&headers, path, file.data.into_owned(), etag)
            }
            None => not_found(),
        },
        Route::NotFound => not_found(),
    }
}

fn not_found() -> Response {
    (StatusCode::NOT_FOUND, "404 page not found\n").into_response()
}

fn respond(req: &HeaderMap, path: &str, body: Vec<u8>, etag: HeaderValue) -> Response {
    let fresh = req
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(',')
                .any(|t| t.trim() == etag.to_str().unwrap_or(""))
        });
    let mut resp = if fresh {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        Response::new(Body::from(body))
    };
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(content_type(path)),
    );
    h.insert(header::ETAG, etag);
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_spa_paths_to_the_index() {
        assert_eq!(route("/"), Route::Index);
        assert_eq!(route("/graph"), Route::Index);
        assert_eq!(route("/clustering"), Route::Index);
        assert_eq!(route("/component/prometheus.scrape.demo"), Route::Index);
        assert_eq!(
            route("/component/module.file.a/prometheus.scrape.b"),
            Route::Index
        );
    }

    #[test]
    fn keeps_api_paths_and_missing_assets_out_of_the_spa() {
        assert_eq!(route("/api/v0/web/nothing"), Route::NotFound);
        assert_eq!(route("/-/ready"), Route::NotFound);
        assert_eq!(route("/metrics"), Route::NotFound);
        assert_eq!(route("/debug/pprof/heap"), Route::NotFound);
        assert_eq!(route("/js/missing.js"), Route::NotFound);
    }

    #[test]
    fn finds_embedded_assets() {
        assert_eq!(route("/js/app.js"), Route::Asset("js/app.js"));
        assert_eq!(route("/style.css"), Route::Asset("style.css"));
    }

    #[test]
    fn base_is_normalised_and_escaped() {
        assert_eq!(normalise_base(""), "/");
        assert_eq!(normalise_base("/"), "/");
        assert_eq!(normalise_base("agent"), "/agent/");
        assert_eq!(normalise_base("/a/b/"), "/a/b/");
        assert_eq!(html_attr("/\"x\"<>&/"), "/&quot;x&quot;&lt;&gt;&amp;/");
        let s = UiState::new("/ui");
        let text = String::from_utf8(s.index.body).unwrap();
        assert!(text.contains("<base href=\"/ui/\">"), "{text}");
    }

    #[test]
    fn content_types_by_extension() {
        assert_eq!(content_type("index.html"), "text/html; charset=utf-8");
        assert_eq!(content_type("js/app.js"), "text/javascript; charset=utf-8");
        assert_eq!(content_type("style.css"), "text/css; charset=utf-8");
        assert_eq!(content_type("favicon.svg"), "image/svg+xml");
        assert_eq!(content_type("README"), "application/octet-stream");
    }
}
