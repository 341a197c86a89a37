//! The receiving side: `POST /api/v1/cluster/message` and `POST /api/v1/cluster/sync` on the
//! agent's main HTTP listener (HTTP/1.1, h2c and TLS alike — whatever the server accepts).
//!
//! Handlers never do membership work themselves: packets go into a bounded drop-oldest queue
//! and sync requests over a bounded channel to the membership task, which owns all state.

use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use tokio::sync::{mpsc, oneshot};

use super::frame::split_frames;
use super::queue::DropOldestQueue;
use super::{MESSAGE_CONTENT_TYPE, MESSAGE_PATH, SYNC_PATH};
use crate::cluster::membership::core::SyncRejected;
use crate::cluster::membership::wire::SyncMessage;
use crate::cluster::metrics::ClusterMetrics;

/// Largest `message` request body (several frames).
pub const MAX_MESSAGE_BODY: usize = 1024 * 1024;
/// Largest `sync` request body.
pub const MAX_SYNC_REQUEST: usize = 8 * 1024 * 1024;
/// Largest single frame (a SWIM packet plus its envelope).
pub const MAX_FRAME: usize = 64 * 1024;
/// Inbound packets waiting for the membership task before the oldest are dropped.
pub const INBOUND_QUEUE_CAPACITY: usize = 1024;
/// Sync requests waiting for the membership task before new ones get 503.
pub const SYNC_QUEUE_CAPACITY: usize = 64;
/// How long a sync handler waits for the membership task.
const SYNC_ANSWER_TIMEOUT: Duration = Duration::from_secs(5);

/// One sync request handed to the membership task, with the way back.
#[derive(Debug)]
pub struct SyncCall {
    /// The request body.
    pub message: SyncMessage,
    /// Where to send the answer.
    pub reply: oneshot::Sender<Result<SyncMessage, SyncRejected>>,
}

/// The membership task's receiving ends, held by the HTTP handlers.
#[derive(Clone, Debug)]
pub struct TransportInbox {
    /// Inbound SWIM packets.
    pub packets: Arc<DropOldestQueue<Bytes>>,
    /// Inbound sync requests.
    pub syncs: mpsc::Sender<SyncCall>,
    /// Transport metrics.
    pub metrics: ClusterMetrics,
}

impl TransportInbox {
    /// A new inbox and the receiver of its sync channel (for the membership task).
    pub fn new(metrics: ClusterMetrics) -> (Self, mpsc::Receiver<SyncCall>) {
        let (tx, rx) = mpsc::channel(SYNC_QUEUE_CAPACITY);
        (
            TransportInbox {
                packets: Arc::new(DropOldestQueue::new(INBOUND_QUEUE_CAPACITY)),
                syncs: tx,
                metrics,
            },
            rx,
        )
    }
}

/// The cluster routes. With `None` (clustering disabled) they answer 404
/// "clustering is disabled", as upstream.
pub fn router(inbox: Option<TransportInbox>) -> Router {
    Router::new()
        .route(MESSAGE_PATH, post(handle_message))
        .route(SYNC_PATH, post(handle_sync))
        .with_state(inbox)
}

fn text(status: StatusCode, msg: impl Into<String>) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        msg.into(),
    )
        .into_response()
}

fn disabled() -> Response {
    text(StatusCode::NOT_FOUND, "clustering is disabled\n")
}

fn content_type_is(headers: &HeaderMap, expected: &str) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case(expected))
}

async fn read_body(body: Body, limit: usize) -> Result<Bytes, Response> {
    axum::body::to_bytes(body, limit).await.map_err(|e| {
        // axum reports the limit through a `LengthLimitError` source ("length limit exceeded").
        let mut too_large = false;
        let mut cur: Option<&dyn std::error::Error> = Some(&e);
        while let Some(err) = cur {
            too_large |= err.to_string().contains("length limit");
            cur = err.source();
        }
        if too_large {
            text(
                StatusCode::PAYLOAD_TOO_LARGE,
                format!("request body larger than {limit} bytes\n"),
            )
        } else {
            text(
                StatusCode::BAD_REQUEST,
                format!("cannot read request body: {e}\n"),
            )
        }
    })
}

async fn handle_message(
    State(inbox): State<Option<TransportInbox>>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let Some(inbox) = inbox else {
        return disabled();
    };
    if !content_type_is(&headers, MESSAGE_CONTENT_TYPE) {
        return text(
            StatusCode::BAD_REQUEST,
            format!("expected Content-Type: {MESSAGE_CONTENT_TYPE}\n"),
        );
    }
    let body = match read_body(body, MAX_MESSAGE_BODY).await {
        Ok(b) => b,
        Err(resp) => {
            inbox.metrics.rx_failed(1);
            return resp;
        }
    };
    let frames = match split_frames(&body, MAX_FRAME) {
        Ok(f) => f,
        Err(e) => {
            inbox.metrics.rx_failed(1);
            return text(StatusCode::BAD_REQUEST, format!("bad framing: {e}\n"));
        }
    };
    if inbox.packets.is_closed() {
        return text(
            StatusCode::SERVICE_UNAVAILABLE,
            "cluster node is shutting down\n",
        );
    }
    let mut dropped = 0usize;
    let count = frames.len();
    let bytes: usize = frames.iter().map(Bytes::len).sum();
    for f in frames {
        dropped += inbox.packets.push(f).unwrap_or(1);
    }
    let m = &inbox.metrics;
    m.rx(count as u64, bytes as u64);
    m.rx_dropped(dropped as u64);
    m.set_rx_queue_len(inbox.packets.len());
    StatusCode::ACCEPTED.into_response()
}

async fn handle_sync(
    State(inbox): State<Option<TransportInbox>>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let Some(inbox) = inbox else {
        return disabled();
    };
    if !content_type_is(&headers, "application/json") {
        return text(
            StatusCode::BAD_REQUEST,
            "expected Content-Type: application/json\n",
        );
    }
    let body = match read_body(body, MAX_SYNC_REQUEST).await {
        Ok(b) => b,
        Err(resp) => {
            inbox.metrics.rx_failed(1);
            return resp;
        }
    };
    let message: SyncMessage = match serde_json::from_slice(&body) {
        Ok(m) => m,
        Err(e) => {
            inbox.metrics.rx_failed(1);
            return text(StatusCode::BAD_REQUEST, format!("bad sync message: {e}\n"));
        }
    };
    let (reply, answer) = oneshot::channel();
    match inbox.syncs.try_send(SyncCall { message, reply }) {
        Ok(()) => {}
        Err(mpsc::error::TrySendError::Full(_)) => {
            return text(StatusCode::SERVICE_UNAVAILABLE, "cluster node is busy\n");
        }
        Err(mpsc::error::TrySendError::Closed(_)) => {
            return text(
                StatusCode::SERVICE_UNAVAILABLE,
                "cluster node is shutting down\n",
            );
        }
    }
    match tokio::time::timeout(SYNC_ANSWER_TIMEOUT, answer).await {
        Ok(Ok(Ok(m))) => match serde_json::to_vec(&m) {
            Ok(json) => ([(header::CONTENT_TYPE, "application/json")], json).into_response(),
            Err(e) => text(StatusCode::INTERNAL_SERVER_ERROR, format!("{e}\n")),
        },
        Ok(Ok(Err(e @ SyncRejected::WrongCluster { .. }))) => {
            text(StatusCode::CONFLICT, format!("{e}\n"))
        }
        Ok(Ok(Err(e))) => text(StatusCode::BAD_REQUEST, format!("{e}\n")),
        Ok(Err(_)) => text(
            StatusCode::SERVICE_UNAVAILABLE,
            "cluster node is shutting down\n",
        ),
        Err(_) => text(
            StatusCode::SERVICE_UNAVAILABLE,
            "cluster node did not answer in time\n",
        ),
    }
}
