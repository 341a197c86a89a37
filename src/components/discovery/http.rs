//! `discovery.http`: targets from an HTTP endpoint serving a file_sd-style JSON group list
//! (Prometheus' http_sd).
//!
//! The component GETs `url` right away and then every `refresh_interval`, with the header
//! `X-Prometheus-Refresh-Interval-Seconds`. A good answer is status 200, content type
//! `application/json` (optionally `; charset=utf-8`) and a group list; each target gets
//! `__meta_url`. On any failure the last good targets stay exported, the failure is counted
//! (`prometheus_sd_http_failures_total`) and the component is unhealthy until the next
//! success. The client settings (auth, TLS, proxy, headers) are the shared HTTP client block.

use std::sync::{Arc, Mutex};
use std::time::Duration as StdDuration;

use futures::future::BoxFuture;
use futures::StreamExt;
use prometheus_client::metrics::counter::Counter;
use serde::{Deserialize, Serialize};
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

use super::target_group::{self, Format};
use super::{sleep_until_opt, Coalescer, Target};
use crate::components::common::http_client::{error_chain, HttpClient};
use crate::eval::Duration;
use crate::runtime::component::{Component, ComponentError, Context};
use crate::runtime::health::Health;

/// The meta label holding the URL a target came from.
pub const URL_LABEL: &str = "__meta_url";

/// Largest response body accepted.
const MAX_BODY: usize = 64 << 20;

fn default_refresh_interval() -> Duration {
    Duration(60 * 1_000_000_000)
}

crate::with_http_client_config! {
    /// Arguments of `discovery.http`.
    #[derive(Deserialize, Serialize, Clone, PartialEq, Debug)]
    pub struct Arguments {
        /// The endpoint serving the group list.
        pub url: String,
        /// How often to ask.
        #[serde(default = "default_refresh_interval")]
        pub refresh_interval: Duration,
    }
    schema { attr url, attr? refresh_interval }
    enable_http2_default = "crate::components::common::http_client::default_true";
}

impl Arguments {
    /// Checks the arguments and builds the client they describe.
    fn client(&self) -> Result<HttpClient, ComponentError> {
        let url = reqwest::Url::parse(&self.url)
            .map_err(|e| ComponentError(format!("invalid url {:?}: {e}", self.url)))?;
        if url.scheme() != "http" && url.scheme() != "https" {
            return Err("URL scheme must be 'http' or 'https'".into());
        }
        if url.host_str().is_none_or(str::is_empty) {
            return Err("host is missing in URL".into());
        }
        if self.refresh_interval.0 <= 0 {
            return Err("refresh_interval must be greater than 0".into());
        }
        // A request never outlives the interval, so a hung server cannot stall discovery.
        let timeout = self.refresh_interval.to_std_saturating();
        self.http_client_config()
            .build(|b| b.timeout(timeout))
            .map_err(|e| ComponentError(e.to_string()))
    }
}

/// True for `application/json`, optionally with a UTF-8 charset (Prometheus' rule).
fn is_json_content_type(ct: &str) -> bool {
    let mut parts = ct.splitn(2, ';');
    let media = parts.next().unwrap_or("").trim();
    if !media.eq_ignore_ascii_case("application/json") {
        return false;
    }
    match parts.next() {
        None => ct.trim_end() == ct && media.len() == ct.len(),
        Some(param) => {
            let p = param.trim_start();
            let Some((k, v)) = p.split_once('=') else {
                return false;
            };
            k.eq_ignore_ascii_case("charset")
                && (v.eq_ignore_ascii_case("utf-8") || v.eq_ignore_ascii_case("\"utf-8\""))
        }
    }
}

/// `X-Prometheus-Refresh-Interval-Seconds`: the interval in seconds, as Go's
/// `strconv.FormatFloat(s, 'f', -1, 64)` prints it.
fn refresh_header(d: Duration) -> String {
    let secs = d.0 as f64 / 1e9;
    format!("{secs}")
}

/// Fetches and parses the group list once.
async fn fetch(client: &HttpClient, args: &Arguments) -> Result<Vec<Target>, String> {
    let rb = client
        .get(&args.url)
        .await
        .map_err(|e| e.to_string())?
        .header(
            "X-Prometheus-Refresh-Interval-Seconds",
            refresh_header(args.refresh_interval),
        );
    let resp = rb
        .send()
        .await
        .map_err(|e| format!("request to {} failed: {}", args.url, error_chain(&e)))?;
    let status = resp.status();
    if status != reqwest::StatusCode::OK {
        return Err(format!("server returned HTTP status {status}"));
    }
    let ct = resp
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    if !is_json_content_type(&ct) {
        return Err(format!("unsupported content type {ct:?}"));
    }
    let mut body = Vec::new();
    let mut stream = resp.bytes_stream();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| format!("reading response: {}", error_chain(&e)))?;
        if body.len() + chunk.len() > MAX_BODY {
            return Err(format!("response larger than {MAX_BODY} bytes"));
        }
        body.extend_from_slice(&chunk);
    }
    let groups = target_group::parse(&body, Format::Json)
        .map_err(|e| format!("invalid response from {}: {e}", args.url))?;
    Ok(target_group::to_targets(&groups, &[(URL_LABEL, &args.url)]))
}

/// The `discovery.http` component.
pub struct HttpDiscovery {
    ctx: Context,
    config_tx: watch::Sender<(Arguments, HttpClient)>,
    failures: Counter,
    coalescer: Mutex<Coalescer>,
}

impl Component for HttpDiscovery {
    type Arguments = Arguments;

    fn build(ctx: Context, args: Arguments) -> Result<Self, ComponentError> {
        let client = args.client()?;
        let failures = Counter::default();
        ctx.with_metrics(|r| {
            r.register(
                "prometheus_sd_http_failures",
                "Number of HTTP service discovery refresh failures",
                failures.clone(),
            )
        });
        let mut coalescer = Coalescer::default();
        // Nothing is known before the first answer: an empty list, so dependants evaluate.
        coalescer.offer(&ctx, Vec::new(), true);
        let (config_tx, _) = watch::channel((args, client));
        Ok(HttpDiscovery {
            ctx,
            config_tx,
            failures,
            coalescer: Mutex::new(coalescer),
        })
    }

    fn update(&self, args: Arguments) -> Result<(), ComponentError> {
        let client = args.client()?;
        self.config_tx.send_replace((args, client));
        Ok(())
    }

    fn run(
        self: Arc<Self>,
        cancel: CancellationToken,
    ) -> BoxFuture<'static, Result<(), ComponentError>> {
        Box::pin(async move {
            let mut config_rx = self.config_tx.subscribe();
            let mut first = true;
            loop {
                let (args, client) = config_rx.borrow_and_update().clone();
                let period = args
                    .refresh_interval
                    .to_std_saturating()
                    .max(StdDuration::from_millis(1));
                let mut tick = tokio::time::interval(period);
                tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
                loop {
                    let deadline = self
                        .coalescer
                        .lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .deadline();
                    tokio::select! {
                        _ = cancel.cancelled() => return Ok(()),
                        r = config_rx.changed() => {
                            if r.is_err() {
                                return Ok(());
                            }
                            first = true;
                            break;
                        }
                        _ = tick.tick() => {
                            let result = tokio::select! {
                                _ = cancel.cancelled() => return Ok(()),
                                r = fetch(&client, &args) => r,
                            };
                            match result {
                                Ok(targets) => {
                                    self.ctx.set_health(Health::healthy(""));
                                    self.coalescer
                                        .lock()
                                        .unwrap_or_else(|p| p.into_inner())
                                        .offer(&self.ctx, targets, first);
                                    first = false;
                                }
                                Err(e) => {
                                    self.failures.inc();
                                    tracing::error!(component = %self.ctx.id, "unable to refresh targets: {e}");
                                    self.ctx.set_health(Health::unhealthy(format!(
                                        "unable to refresh targets: {e}"
                                    )));
                                }
                            }
                        }
                        _ = sleep_until_opt(deadline) => {
                            self.coalescer
                                .lock()
                                .unwrap_or_else(|p| p.into_inner())
                                .flush(&self.ctx);
                        }
                    }
                }
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_types() {
        for ok in [
            "application/json",
            "Application/JSON",
            "application/json; charset=utf-8",
            "application/json;charset=\"utf-8\"",
            "application/json; charset=UTF-8",
        ] {
            assert!(is_json_content_type(ok), "{ok}");
        }
        for bad in [
            "",
            "text/plain",
            "application/json; charset=latin1",
            "application/jsonx",
            "application/json ",
        ] {
            assert!(!is_json_content_type(bad), "{bad}");
        }
    }

    #[test]
    fn refresh_header_like_go() {
        assert_eq!(refresh_header(Duration(60_000_000_000)), "60");
        assert_eq!(refresh_header(Duration(1_500_000_000)), "1.5");
    }

    #[test]
    fn url_is_checked() {
        let mut a = Arguments {
            url: "ftp://x/".into(),
            refresh_interval: default_refresh_interval(),
            basic_auth: None,
            authorization: None,
            oauth2: None,
            bearer_token: Default::default(),
            bearer_token_file: String::new(),
            proxy_url: String::new(),
            no_proxy: String::new(),
            proxy_from_environment: false,
            proxy_connect_header: Default::default(),
            tls_config: None,
            follow_redirects: true,
            enable_http2: true,
            http_headers: Default::default(),
        };
        assert_eq!(
            a.client().err().unwrap().0,
            "URL scheme must be 'http' or 'https'"
        );
        a.url = "not a url".into();
        assert!(a.client().err().unwrap().0.starts_with("invalid url"));
        a.url = "http://localhost:1/sd".into();
        assert!(a.client().is_ok());
    }
}
