//! `prometheus.exporter.self`: the agent's own metrics as a scrape target.
//!
//! The component serves the agent's `/metrics` again under
//! `/api/v0/component/<id>/metrics` (read in-process, no socket) and exports one target
//! pointing there through the in-memory address, for a `prometheus.scrape` to consume.

use std::sync::Arc;

use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use futures::future::BoxFuture;
use serde::{Deserialize, Serialize};
use tokio_util::sync::CancellationToken;

use crate::components::discovery::{Target, TargetsExports};
use crate::runtime::component::{Component, ComponentError, Context, LocalHttp};

/// Arguments of `prometheus.exporter.self`: none.
#[derive(Deserialize, Serialize, Clone, PartialEq, Debug, Default)]
pub struct Arguments {}

crate::river_schema!(Arguments {});

/// The `prometheus.exporter.self` component.
pub struct SelfExporter {
    local_http: Arc<dyn LocalHttp>,
}

/// The value of `instance`: `$HOSTNAME`, else the host name, else `unknown`.
pub fn default_instance() -> String {
    if let Ok(h) = std::env::var("HOSTNAME") {
        if !h.is_empty() {
            return h;
        }
    }
    let h = gethostname::gethostname().to_string_lossy().into_owned();
    if h.is_empty() {
        "unknown".to_owned()
    } else {
        h
    }
}

/// The target an exporter component with ID `id` exports (upstream's shape for every
/// `prometheus.exporter.*`): scraped through the in-memory address at its metrics route.
pub fn exporter_target(id: &str, memory_addr: &str, short_name: &str) -> Target {
    let component_name = id.rsplit_once('.').map_or(id, |(name, _)| name);
    [
        ("__address__", memory_addr.to_owned()),
        ("__scheme__", "http".to_owned()),
        (
            "__metrics_path__",
            format!("/api/v0/component/{id}/metrics"),
        ),
        ("instance", default_instance()),
        ("job", format!("integrations/{short_name}")),
        ("__meta_component_name", component_name.to_owned()),
        ("__meta_component_id", id.to_owned()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect()
}

impl Component for SelfExporter {
    type Arguments = Arguments;

    fn build(ctx: Context, _args: Arguments) -> Result<Self, ComponentError> {
        ctx.set_exports(&TargetsExports {
            targets: vec![exporter_target(ctx.id.as_str(), &ctx.memory_addr, "self")],
        });
        Ok(SelfExporter {
            local_http: ctx.local_http.clone(),
        })
    }

    fn update(&self, _args: Arguments) -> Result<(), ComponentError> {
        Ok(())
    }

    fn run(
        self: Arc<Self>,
        cancel: CancellationToken,
    ) -> BoxFuture<'static, Result<(), ComponentError>> {
        Box::pin(async move {
            cancel.cancelled().await;
            Ok(())
        })
    }

    fn http_routes(self: &Arc<Self>) -> Option<axum::Router> {
        let local = self.local_http.clone();
        Some(axum::Router::new().route(
            "/metrics",
            axum::routing::get(move || {
                let local = local.clone();
                async move {
                    match local.get("/metrics".to_owned()).await {
                        Ok((status, content_type, body)) => {
                            let status = StatusCode::from_u16(status)
                                .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
                            let ct = content_type
                                .unwrap_or_else(|| "text/plain; version=0.0.4".to_owned());
                            (status, [(header::CONTENT_TYPE, ct)], body).into_response()
                        }
                        Err(e) => (
                            StatusCode::INTERNAL_SERVER_ERROR,
                            format!("cannot read the agent's metrics: {e}\n"),
                        )
                            .into_response(),
                    }
                }
            }),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::components::testing;
    use std::sync::Mutex;
    use tower::ServiceExt;

    #[tokio::test]
    async fn exports_target_and_serves_metrics() {
        let local = Arc::new(testing::CannedHttp(Mutex::new((
            200,
            Some("application/openmetrics-text; version=1.0.0".into()),
            bytes::Bytes::from_static(b"up 1\n# EOF\n"),
        ))));
        let t = testing::context_with_http("prometheus.exporter.self.x", local);
        let c = Arc::new(SelfExporter::build(t.ctx.clone(), Arguments {}).unwrap());
        let targets = testing::targets_of(&t.exports());
        assert_eq!(targets.len(), 1);
        let tg = &targets[0];
        assert_eq!(tg["__address__"], "agent.internal:12345");
        assert_eq!(
            tg["__metrics_path__"],
            "/api/v0/component/prometheus.exporter.self.x/metrics"
        );
        assert_eq!(tg["job"], "integrations/self");
        assert_eq!(tg["__meta_component_name"], "prometheus.exporter.self");
        assert_eq!(tg["__meta_component_id"], "prometheus.exporter.self.x");
        assert!(!tg["instance"].is_empty());

        let router = c.http_routes().unwrap();
        let resp = router
            .oneshot(
                axum::http::Request::get("/metrics")
                    .body(axum::body::Body::empty())
                    .unwrap(),
            )
            .await
            .unwrap();
        assert_eq!(resp.status(), 200);
        let body = axum::body::to_bytes(resp.into_body(), 1 << 20)
            .await
            .unwrap();
        assert_eq!(&body[..], b"up 1\n# EOF\n");
    }
}
