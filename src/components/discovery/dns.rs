//! `discovery.dns`: targets from DNS records (Prometheus' dns_sd).
//!
//! Every `refresh_interval` each name in `names` is looked up with the system resolver
//! configuration (`/etc/resolv.conf`, search domains included). Record types:
//!
//! * `SRV` (default): `__address__` = the record's target (without the final dot) and port;
//!   `__meta_dns_srv_record_target` (as received, final dot included) and
//!   `__meta_dns_srv_record_port`.
//! * `A` / `AAAA`: `__address__` = the address and `port`.
//! * `MX` / `NS`: `__address__` = the exchange / name server (without the final dot) and
//!   `port`; `__meta_dns_mx_record_target` / `__meta_dns_ns_record_target` as received.
//!
//! Every target has `__meta_dns_name` = the name looked up. Labels that would be empty are
//! left out (an empty label and a missing one are the same thing in Prometheus). A name that
//! does not exist yields no targets; a lookup that fails keeps that name's previous targets
//! and makes the component unhealthy until it succeeds.
//!
//! For tests, the environment variable `RIVER_AGENT_DNS_SERVER=<ip>:<port>` replaces the
//! system's name servers (UDP and TCP) with that one.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration as StdDuration;

use futures::future::BoxFuture;
use hickory_resolver::config::{ConnectionConfig, NameServerConfig, ResolverConfig};
use hickory_resolver::net::runtime::TokioRuntimeProvider;
use hickory_resolver::proto::rr::{RData, RecordType};
use hickory_resolver::TokioResolver;
use prometheus_client::metrics::counter::Counter;
use serde::{Deserialize, Serialize};
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

use super::target_group::ADDRESS_LABEL;
use super::{sleep_until_opt, summarize_errors, Coalescer, Target};
use crate::eval::Duration;
use crate::runtime::component::{Component, ComponentError, Context};
use crate::runtime::health::Health;

/// `__meta_dns_name`.
pub const NAME_LABEL: &str = "__meta_dns_name";
/// `__meta_dns_srv_record_target`.
pub const SRV_TARGET_LABEL: &str = "__meta_dns_srv_record_target";
/// `__meta_dns_srv_record_port`.
pub const SRV_PORT_LABEL: &str = "__meta_dns_srv_record_port";
/// `__meta_dns_mx_record_target`.
pub const MX_TARGET_LABEL: &str = "__meta_dns_mx_record_target";
/// `__meta_dns_ns_record_target`.
pub const NS_TARGET_LABEL: &str = "__meta_dns_ns_record_target";

/// Environment variable naming a DNS server to use instead of the system's (for tests).
pub const SERVER_OVERRIDE_ENV: &str = "RIVER_AGENT_DNS_SERVER";

fn default_refresh_interval() -> Duration {
    Duration(30 * 1_000_000_000)
}

fn default_type() -> String {
    "SRV".to_owned()
}

/// Arguments of `discovery.dns`.
#[derive(Deserialize, Serialize, Clone, PartialEq, Debug)]
pub struct Arguments {
    /// Names to look up.
    pub names: Vec<String>,
    /// Port for A/AAAA/MX/NS targets (SRV records carry their own).
    #[serde(default)]
    pub port: i64,
    /// How often to look up.
    #[serde(default = "default_refresh_interval")]
    pub refresh_interval: Duration,
    /// Record type: SRV, A, AAAA, MX or NS.
    #[serde(default = "default_type", rename = "type")]
    pub record_type: String,
}

crate::river_schema!(Arguments {
    attr names,
    attr? port,
    attr? refresh_interval,
    attr? "type",
});

impl Arguments {
    /// Checks the arguments; returns the record type to query.
    fn validate(&self) -> Result<RecordType, ComponentError> {
        if self.names.is_empty() {
            return Err("DNS-SD config must contain at least one SRV record name".into());
        }
        if self.refresh_interval.0 <= 0 {
            return Err("refresh_interval must be greater than 0".into());
        }
        let rt = match self.record_type.to_ascii_uppercase().as_str() {
            "SRV" => RecordType::SRV,
            "A" => RecordType::A,
            "AAAA" => RecordType::AAAA,
            "MX" => RecordType::MX,
            "NS" => RecordType::NS,
            _ => {
                return Err(ComponentError(format!(
                    "invalid DNS-SD records type {}",
                    self.record_type
                )))
            }
        };
        if rt != RecordType::SRV && self.port == 0 {
            return Err(
                "a port is required in DNS-SD configs for all record types except SRV".into(),
            );
        }
        if !(0..=65535).contains(&self.port) {
            return Err(ComponentError(format!("invalid port {}", self.port)));
        }
        Ok(rt)
    }
}

/// `host:port`, with brackets around IPv6 addresses (Go's `net.JoinHostPort`).
fn join_host_port(host: &str, port: u16) -> String {
    if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    }
}

/// The target for one answer record, if it is of a kind that makes targets.
pub fn record_target(name: &str, data: &RData, port: u16) -> Option<Target> {
    let mut t = Target::new();
    match data {
        RData::SRV(srv) => {
            let raw = srv.target.to_utf8();
            t.insert(
                ADDRESS_LABEL.into(),
                join_host_port(raw.trim_end_matches('.'), srv.port),
            );
            t.insert(SRV_TARGET_LABEL.into(), raw);
            t.insert(SRV_PORT_LABEL.into(), srv.port.to_string());
        }
        RData::A(a) => {
            t.insert(ADDRESS_LABEL.into(), join_host_port(&a.0.to_string(), port));
        }
        RData::AAAA(a) => {
            t.insert(ADDRESS_LABEL.into(), join_host_port(&a.0.to_string(), port));
        }
        RData::MX(mx) => {
            let raw = mx.exchange.to_utf8();
            t.insert(
                ADDRESS_LABEL.into(),
                join_host_port(raw.trim_end_matches('.'), port),
            );
            t.insert(MX_TARGET_LABEL.into(), raw);
        }
        RData::NS(ns) => {
            let raw = ns.0.to_utf8();
            t.insert(
                ADDRESS_LABEL.into(),
                join_host_port(raw.trim_end_matches('.'), port),
            );
            t.insert(NS_TARGET_LABEL.into(), raw);
        }
        // CNAMEs come along with A queries; anything else is not a target.
        _ => return None,
    }
    t.insert(NAME_LABEL.into(), name.to_owned());
    Some(t)
}

/// A resolver with the system configuration, or the test override.
fn resolver() -> Result<TokioResolver, String> {
    if let Ok(server) = std::env::var(SERVER_OVERRIDE_ENV) {
        let addr: SocketAddr = server
            .parse()
            .map_err(|e| format!("{SERVER_OVERRIDE_ENV}={server:?}: {e}"))?;
        let mut udp = ConnectionConfig::udp();
        udp.port = addr.port();
        let mut tcp = ConnectionConfig::tcp();
        tcp.port = addr.port();
        let ns = NameServerConfig::new(addr.ip(), true, vec![udp, tcp]);
        let config = ResolverConfig::from_name_servers(vec![ns]);
        let mut b = TokioResolver::builder_with_config(config, TokioRuntimeProvider::default());
        let opts = b.options_mut();
        opts.cache_size = 0;
        // A local test server answers at once or not at all.
        opts.timeout = StdDuration::from_secs(1);
        opts.attempts = 1;
        return b
            .build()
            .map_err(|e| format!("cannot set up the DNS resolver: {e}"));
    }
    let mut b = TokioResolver::builder_tokio()
        .map_err(|e| format!("cannot read the system DNS configuration: {e}"))?;
    // Each refresh should see the DNS as it is now.
    b.options_mut().cache_size = 0;
    b.build()
        .map_err(|e| format!("cannot set up the DNS resolver: {e}"))
}

/// Looks up one name: its targets, `Ok(empty)` when the name or the records do not exist.
async fn lookup(
    resolver: &TokioResolver,
    name: &str,
    rt: RecordType,
    port: u16,
) -> Result<Vec<Target>, String> {
    match resolver.lookup(name, rt).await {
        Ok(l) => Ok(l
            .answers()
            .iter()
            .filter(|r| r.record_type() == rt)
            .filter_map(|r| record_target(name, &r.data, port))
            .collect()),
        Err(e) if e.is_no_records_found() || e.is_nx_domain() => Ok(Vec::new()),
        Err(e) => Err(format!("could not resolve {name:?}: {e}")),
    }
}

/// The `discovery.dns` component.
pub struct DnsDiscovery {
    ctx: Context,
    args_tx: watch::Sender<Arguments>,
    coalescer: Mutex<Coalescer>,
    lookups: Counter,
    failures: Counter,
}

impl Component for DnsDiscovery {
    type Arguments = Arguments;

    fn build(ctx: Context, args: Arguments) -> Result<Self, ComponentError> {
        args.validate()?;
        let lookups = Counter::default();
        let failures = Counter::default();
        ctx.with_metrics(|r| {
            r.register(
                "prometheus_sd_dns_lookups",
                "The number of DNS-SD lookups",
                lookups.clone(),
            );
            r.register(
                "prometheus_sd_dns_lookup_failures",
                "The number of DNS-SD lookup failures",
                failures.clone(),
            );
        });
        let mut coalescer = Coalescer::default();
        coalescer.offer(&ctx, Vec::new(), true);
        let (args_tx, _) = watch::channel(args);
        Ok(DnsDiscovery {
            ctx,
            args_tx,
            coalescer: Mutex::new(coalescer),
            lookups,
            failures,
        })
    }

    fn update(&self, args: Arguments) -> Result<(), ComponentError> {
        args.validate()?;
        self.args_tx.send_replace(args);
        Ok(())
    }

    fn run(
        self: Arc<Self>,
        cancel: CancellationToken,
    ) -> BoxFuture<'static, Result<(), ComponentError>> {
        Box::pin(async move {
            let resolver = resolver().map_err(ComponentError)?;
            let mut args_rx = self.args_tx.subscribe();
            let mut first = true;
            loop {
                let args = args_rx.borrow_and_update().clone();
                let rt = args.validate()?;
                let port = u16::try_from(args.port).unwrap_or(0);
                // Targets per name, kept when a later lookup of that name fails.
                let mut by_name: BTreeMap<String, Vec<Target>> = BTreeMap::new();
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
                        r = args_rx.changed() => {
                            if r.is_err() {
                                return Ok(());
                            }
                            first = true;
                            break;
                        }
                        _ = tick.tick() => {
                            let results = tokio::select! {
                                _ = cancel.cancelled() => return Ok(()),
                                r = futures::future::join_all(
                                    args.names.iter().map(|n| lookup(&resolver, n, rt, port)),
                                ) => r,
                            };
                            let mut errors = Vec::new();
                            for (name, r) in args.names.iter().zip(results) {
                                self.lookups.inc();
                                match r {
                                    Ok(t) => {
                                        by_name.insert(name.clone(), t);
                                    }
                                    Err(e) => {
                                        self.failures.inc();
                                        tracing::error!(component = %self.ctx.id, "error refreshing DNS targets: {e}");
                                        errors.push(e);
                                    }
                                }
                            }
                            if errors.is_empty() {
                                self.ctx.set_health(Health::healthy(""));
                            } else {
                                self.ctx.set_health(Health::unhealthy(summarize_errors(&errors, 3)));
                            }
                            let targets: Vec<Target> =
                                by_name.values().flatten().cloned().collect();
                            self.coalescer
                                .lock()
                                .unwrap_or_else(|p| p.into_inner())
                                .offer(&self.ctx, targets, first);
                            first = false;
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
    use hickory_resolver::proto::rr::rdata::{A, AAAA, MX, SRV};
    use hickory_resolver::proto::rr::Name;
    use std::str::FromStr;

    fn args(t: &str, port: i64) -> Arguments {
        Arguments {
            names: vec!["x.example".into()],
            port,
            refresh_interval: default_refresh_interval(),
            record_type: t.into(),
        }
    }

    #[test]
    fn validation_messages() {
        assert_eq!(
            args("A", 0).validate().unwrap_err().0,
            "a port is required in DNS-SD configs for all record types except SRV"
        );
        assert_eq!(
            args("TXT", 1).validate().unwrap_err().0,
            "invalid DNS-SD records type TXT"
        );
        assert!(args("srv", 0).validate().is_ok());
        let mut a = args("SRV", 0);
        a.names.clear();
        assert!(a.validate().unwrap_err().0.contains("at least one"));
    }

    #[test]
    fn targets_from_records() {
        let srv = RData::SRV(SRV::new(
            1,
            1,
            9100,
            Name::from_str("node1.example.").unwrap(),
        ));
        let t = record_target("_x._tcp.example", &srv, 0).unwrap();
        assert_eq!(t["__address__"], "node1.example:9100");
        assert_eq!(t[SRV_TARGET_LABEL], "node1.example.");
        assert_eq!(t[SRV_PORT_LABEL], "9100");
        assert_eq!(t[NAME_LABEL], "_x._tcp.example");
        let a = RData::A(A::new(10, 0, 0, 1));
        let t = record_target("h", &a, 80).unwrap();
        assert_eq!(t["__address__"], "10.0.0.1:80");
        assert_eq!(t.len(), 2);
        let aaaa = RData::AAAA(AAAA::new(0, 0, 0, 0, 0, 0, 0, 1));
        assert_eq!(
            record_target("h", &aaaa, 80).unwrap()["__address__"],
            "[::1]:80"
        );
        let mx = RData::MX(MX::new(10, Name::from_str("mail.example.").unwrap()));
        let t = record_target("example", &mx, 25).unwrap();
        assert_eq!(t["__address__"], "mail.example:25");
        assert_eq!(t[MX_TARGET_LABEL], "mail.example.");
    }

    #[tokio::test]
    async fn localhost_resolves_from_hosts_file() {
        let Ok(r) = resolver() else {
            // No system resolver configuration here; nothing to check.
            return;
        };
        let t = lookup(&r, "localhost", RecordType::A, 9090).await.unwrap();
        assert!(
            t.iter().any(|t| t["__address__"] == "127.0.0.1:9090"),
            "{t:?}"
        );
    }
}
