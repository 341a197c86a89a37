//! In-process requests to the agent's own routes (the in-memory address), so scraping the
//! agent itself or one of its exporters costs no socket.

use std::sync::{Arc, OnceLock};

use futures::future::BoxFuture;
use tower::ServiceExt;

use crate::runtime::component::{LocalHttp, LocalResponse};

/// Calls the router once it is set (the router is built after the components' context).
#[derive(Default)]
pub struct RouterClient {
    router: OnceLock<axum::Router>,
}

impl RouterClient {
    /// An unset client.
    pub fn new() -> Arc<RouterClient> {
        Arc::new(RouterClient::default())
    }

    /// Sets the router requests go to.
    pub fn set(&self, r: axum::Router) {
        let _ = self.router.set(r);
    }
}

impl LocalHttp for RouterClient {
    fn get(&self, path_and_query: String) -> BoxFuture<'static, Result<LocalResponse, String>> {
        let router = self.router.get().cloned();
        Box::pin(async move {
            let router = router.ok_or("the agent's HTTP server is not ready")?;
            let req = axum::http::Request::get(&path_and_query)
                .header(
                    "accept",
                    "application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5",
                )
                .body(axum::body::Body::empty())
                .map_err(|e| e.to_string())?;
            let Ok(resp) = router.oneshot(req).await;
            let status = resp.status().as_u16();
            let ct = resp
                .headers()
                .get("content-type")
                .and_then(|v| v.to_str().ok())
                .map(str::to_string);
            let body = axum::body::to_bytes(resp.into_body(), 256 << 20)
                .await
                .map_err(|e| e.to_string())?;
            Ok((status, ct, body))
        })
    }
}
