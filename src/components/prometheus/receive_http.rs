//! `prometheus.receive_http`: accepts remote write 1.0 on its own listener at
//! `POST /api/v1/metrics/write` and forwards the samples to `forward_to`.
//!
//! Bodies are checked before anything is allocated for them (32 MiB compressed, 128 MiB
//! decompressed); a body that is not snappy-compressed protobuf gets 400 with the reason.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use arc_swap::ArcSwap;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use futures::future::BoxFuture;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use serde::{Deserialize, Serialize};
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

use crate::eval::Duration;
use crate::prom::remote_write::{decode_with_limits, DecodeLimits};
use crate::prom::{Fanout, Receiver, SamplePoint};
use crate::runtime::component::{Component, ComponentError, Context};
use crate::runtime::health::Health;

/// The write path.
pub const WRITE_PATH: &str = "/api/v1/metrics/write";

/// `http { ... }`: the listener.
#[derive(Deserialize, Serialize, Clone, PartialEq, Debug)]
pub struct HttpServer {
    /// Address to listen on; empty means all interfaces.
    #[serde(default)]
    pub listen_address: String,
    /// Port to listen on (0 picks a free one).
    #[serde(default = "default_port")]
    pub listen_port: u16,
    /// Most requests handled at once (0 = no limit); further requests wait.
    #[serde(default)]
    pub conn_limit: u32,
    /// Longest time to read a request body.
    #[serde(default = "default_read_timeout")]
    pub server_read_timeout: Duration,
    /// Accepted for compatibility (writes are covered by the read timeout).
    #[serde(default = "default_read_timeout")]
    pub server_write_timeout: Duration,
    /// Accepted for compatibility.
    #[serde(default = "default_idle_timeout")]
    pub server_idle_timeout: Duration,
}
crate::river_schema!(HttpServer {
    attr? listen_address,
    attr? listen_port,
    attr? conn_limit,
    attr? server_read_timeout,
    attr? server_write_timeout,
    attr? server_idle_timeout,
});

fn default_port() -> u16 {
    8080
}
fn default_read_timeout() -> Duration {
    Duration::from_std(std::time::Duration::from_secs(30))
}
fn default_idle_timeout() -> Duration {
    Duration::from_std(std::time::Duration::from_secs(120))
}

impl Default for HttpServer {
    fn default() -> Self {
        HttpServer {
            listen_address: String::new(),
            listen_port: default_port(),
            conn_limit: 0,
            server_read_timeout: default_read_timeout(),
            server_write_timeout: default_read_timeout(),
            server_idle_timeout: default_idle_timeout(),
        }
    }
}

impl HttpServer {
    fn addr(&self) -> String {
        let host = if self.listen_address.is_empty() {
            "0.0.0.0"
        } else {
            self.listen_address.as_str()
        };
        if host.contains(':') && !host.starts_with('[') {
            format!("[{host}]:{}", self.listen_port)
        } else {
            format!("{host}:{}", self.listen_port)
        }
    }
}

/// The arguments of `prometheus.receive_http`.
#[derive(Deserialize, Serialize, Clone, PartialEq, Debug)]
pub struct Arguments {
    /// Where received samples go.
    pub forward_to: Vec<Receiver>,
    /// The listener.
    #[serde(default)]
    pub http: HttpServer,
}
crate::river_schema!(Arguments { attr forward_to, block? http: HttpServer });

/// `{status}` of the request counter.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StatusLabel {
    status: String,
}

struct Shared {
    forward: ArcSwap<Fanout>,
    /// Bounds concurrent requests (`conn_limit`), when set.
    permits: Option<Arc<tokio::sync::Semaphore>>,
    /// `server_read_timeout` (zero = none).
    read_timeout: std::time::Duration,
    requests: Family<StatusLabel, Counter>,
    samples: Counter,
    latency: Histogram,
    limits: DecodeLimits,
}

/// The `prometheus.receive_http` component.
pub struct ReceiveHttp {
    ctx: Context,
    shared: Mutex<Arc<Shared>>,
    server: watch::Sender<(HttpServer, Arc<Mutex<Option<std::net::TcpListener>>>)>,
    bound: Mutex<Option<SocketAddr>>,
    served: AtomicU64,
}

fn bind(h: &HttpServer) -> Result<std::net::TcpListener, ComponentError> {
    let addr = h.addr();
    let l = std::net::TcpListener::bind(&addr)
        .map_err(|e| ComponentError(format!("cannot listen on {addr}: {e}")))?;
    l.set_nonblocking(true)
        .map_err(|e| ComponentError(format!("cannot listen on {addr}: {e}")))?;
    Ok(l)
}

/// Counts the answer under its status code, then builds it.
fn respond(s: &Shared, status: StatusCode, body: impl IntoResponse) -> Response {
    s.requests
        .get_or_create(&StatusLabel {
            status: status.as_str().into(),
        })
        .inc();
    (status, body).into_response()
}

async fn write(State(s): State<Arc<Shared>>, body: axum::body::Body) -> Response {
    let _permit = match &s.permits {
        Some(p) => p.clone().acquire_owned().await.ok(),
        None => None,
    };
    let started = Instant::now();
    let read = axum::body::to_bytes(body, s.limits.max_compressed_bytes);
    let body: Bytes = match if s.read_timeout.is_zero() {
        Ok(read.await)
    } else {
        tokio::time::timeout(s.read_timeout, read).await
    } {
        Ok(Ok(b)) => b,
        Ok(Err(e)) => {
            let msg = format!("reading the request body: {e}\n");
            return respond(&s, StatusCode::BAD_REQUEST, msg);
        }
        Err(_) => {
            let msg = "reading the request body timed out\n";
            return respond(&s, StatusCode::REQUEST_TIMEOUT, msg);
        }
    };
    let req = match decode_with_limits(&body, &s.limits) {
        Ok(r) => r,
        Err(e) => {
            let msg = format!("decoding the remote-write request: {e}\n");
            return respond(&s, StatusCode::BAD_REQUEST, msg);
        }
    };
    let n: usize = req.timeseries.iter().map(|t| t.samples.len()).sum();
    let mut batch = Vec::with_capacity(n);
    for ts in &req.timeseries {
        let labels = ts.label_set();
        if labels.is_empty() {
            continue;
        }
        for smp in &ts.samples {
            batch.push(SamplePoint {
                labels: labels.clone(),
                timestamp_ms: smp.timestamp,
                value: smp.value,
            });
        }
    }
    s.forward.load().append(&batch);
    s.samples.inc_by(batch.len() as u64);
    s.latency.observe(started.elapsed().as_secs_f64());
    respond(&s, StatusCode::NO_CONTENT, ())
}

fn router(shared: Arc<Shared>) -> axum::Router {
    axum::Router::new()
        .route(WRITE_PATH, axum::routing::post(write))
        .layer(DefaultBodyLimit::disable())
        .with_state(shared)
}

fn new_shared(forward: Fanout, h: &HttpServer) -> Shared {
    Shared {
        forward: ArcSwap::from_pointee(forward),
        permits: (h.conn_limit > 0)
            .then(|| Arc::new(tokio::sync::Semaphore::new(h.conn_limit as usize))),
        read_timeout: h.server_read_timeout.to_std_saturating(),
        requests: Family::default(),
        samples: Counter::default(),
        latency: Histogram::new(exponential_buckets(0.0001, 4.0, 10)),
        limits: DecodeLimits::default(),
    }
}

impl ReceiveHttp {
    fn current(&self) -> Arc<Shared> {
        self.shared
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// The address the listener is bound to (after `build`).
    pub fn local_addr(&self) -> Option<SocketAddr> {
        *self.bound.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Component for ReceiveHttp {
    type Arguments = Arguments;

    fn build(ctx: Context, args: Arguments) -> Result<Self, ComponentError> {
        let listener = bind(&args.http)?;
        let shared = Arc::new(new_shared(Fanout(args.forward_to.clone()), &args.http));
        ctx.with_metrics(|reg| {
            reg.register(
                "prometheus_receive_http_requests",
                "Remote-write requests received, by response status",
                shared.requests.clone(),
            );
            reg.register(
                "prometheus_forwarded_samples",
                "Total number of samples sent to downstream components",
                shared.samples.clone(),
            );
            reg.register(
                "prometheus_fanout_latency",
                "Time in seconds to decode a request and send its samples downstream",
                shared.latency.clone(),
            );
        });
        let bound = listener.local_addr().ok();
        let (tx, _) = watch::channel((args.http.clone(), Arc::new(Mutex::new(Some(listener)))));
        ctx.set_health(Health::healthy(format!(
            "listening on {}",
            bound.map(|a| a.to_string()).unwrap_or_default()
        )));
        Ok(ReceiveHttp {
            ctx,
            shared: Mutex::new(shared),
            server: tx,
            bound: Mutex::new(bound),
            served: AtomicU64::new(0),
        })
    }

    fn update(&self, args: Arguments) -> Result<(), ComponentError> {
        let fanout = Fanout(args.forward_to.clone());
        let cur = self.current();
        cur.forward.store(Arc::new(fanout.clone()));
        if self.server.borrow().0 != args.http {
            let listener = bind(&args.http)?;
            let mut next = new_shared(fanout, &args.http);
            // Keep the registered metric handles.
            next.requests = cur.requests.clone();
            next.samples = cur.samples.clone();
            next.latency = cur.latency.clone();
            *self.shared.lock().unwrap_or_else(|p| p.into_inner()) = Arc::new(next);
            *self.bound.lock().unwrap_or_else(|p| p.into_inner()) = listener.local_addr().ok();
            self.server
                .send_replace((args.http.clone(), Arc::new(Mutex::new(Some(listener)))));
        }
        Ok(())
    }

    fn run(
        self: Arc<Self>,
        cancel: CancellationToken,
    ) -> BoxFuture<'static, Result<(), ComponentError>> {
        Box::pin(async move {
            let mut rx = self.server.subscribe();
            loop {
                let (h, slot) = rx.borrow_and_update().clone();
                let std_listener = slot.lock().unwrap_or_else(|p| p.into_inner()).take();
                let listener = match std_listener {
                    Some(l) => tokio::net::TcpListener::from_std(l)
                        .map_err(|e| ComponentError(format!("listener: {e}")))?,
                    // A restart after an error: bind again.
                    None => tokio::net::TcpListener::from_std(bind(&h)?)
                        .map_err(|e| ComponentError(format!("listener: {e}")))?,
                };
                self.served.fetch_add(1, Ordering::Relaxed);
                let stop = CancellationToken::new();
                let app = router(self.current());
                let server = axum::serve(listener, app)
                    .with_graceful_shutdown(stop.clone().cancelled_owned());
                let handle = tokio::spawn(async move { server.await });
                tokio::select! {
                    _ = cancel.cancelled() => {
                        stop.cancel();
                        let _ = handle.await;
                        return Ok(());
                    }
                    r = rx.changed() => {
                        stop.cancel();
                        let _ = handle.await;
                        if r.is_err() {
                            return Ok(());
                        }
                    }
                }
                tracing::info!(component = %self.ctx.id, "receive_http: listener changed");
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::prom::remote_write::{encode, Sample, TimeSeries, WriteRequest};
    use crate::prom::{Appendable, Labels};
    use tower::ServiceExt;

    #[derive(Default)]
    struct Collect(Mutex<Vec<SamplePoint>>);
    impl Appendable for Collect {
        fn append(&self, b: &[SamplePoint]) {
            self.0.lock().unwrap().extend_from_slice(b);
        }
    }

    fn shared(c: Arc<Collect>) -> Arc<Shared> {
        Arc::new(new_shared(
            Fanout(vec![Receiver::new(c)]),
            &HttpServer::default(),
        ))
    }

    async fn post(app: axum::Router, body: Vec<u8>) -> (StatusCode, String) {
        let req = axum::http::Request::post(WRITE_PATH)
            .body(axum::body::Body::from(body))
            .unwrap();
        let resp = app.oneshot(req).await.unwrap();
        let st = resp.status();
        let b = axum::body::to_bytes(resp.into_body(), 1 << 20)
            .await
            .unwrap();
        (st, String::from_utf8_lossy(&b).into_owned())
    }

    #[tokio::test]
    async fn accepts_remote_write_and_refuses_garbage() {
        let c = Arc::new(Collect::default());
        let app = router(shared(c.clone()));
        let req = WriteRequest {
            timeseries: vec![TimeSeries::new(
                &Labels::from_pairs([("__name__", "up"), ("job", "x")]),
                vec![
                    Sample {
                        value: 1.0,
                        timestamp: 5,
                    },
                    Sample {
                        value: 2.0,
                        timestamp: 6,
                    },
                ],
            )],
            metadata: vec![],
        };
        let (st, _) = post(app.clone(), encode(&req).unwrap()).await;
        assert_eq!(st, StatusCode::NO_CONTENT);
        let got = c.0.lock().unwrap().clone();
        assert_eq!(got.len(), 2);
        assert_eq!(got[1].timestamp_ms, 6);
        let (st, msg) = post(app, b"definitely not snappy".to_vec()).await;
        assert_eq!(st, StatusCode::BAD_REQUEST);
        assert!(
            msg.starts_with("decoding the remote-write request: "),
            "{msg}"
        );
    }
}
