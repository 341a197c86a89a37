//! Parsing and resolving `--cluster.join-addresses`.
//!
//! Each comma-separated entry is resolved on its own; results are de-duplicated and ports
//! default to the HTTP listen port. Forms (as upstream):
//!
//! * `dns+NAME[:port]` — A/AAAA lookup;
//! * `dnssrv+NAME[:port]` — SRV lookup, then A/AAAA of each target host;
//! * `dnssrvnoa+NAME[:port]` — SRV lookup; target host names are dialled as they are;
//! * `IP[:port]` — used directly;
//! * `NAME[:port]` — A/AAAA lookup, falling back to an SRV lookup.
//!
//! As in Alloy, the port of SRV answers is ignored: the entry's port (or the listen port) is
//! used for every target.

use std::collections::HashSet;
use std::net::IpAddr;

use hickory_resolver::proto::rr::RData;
use hickory_resolver::TokioResolver;
use rand::seq::SliceRandom;

use super::peer_addr::PeerAddr;

/// How one join entry is to be resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JoinEntry {
    /// A literal IP address.
    Ip {
        /// The address.
        ip: IpAddr,
        /// Port to dial.
        port: u16,
    },
    /// `dns+NAME`: A/AAAA records.
    Dns {
        /// Name to look up.
        name: String,
        /// Port to dial.
        port: u16,
    },
    /// `dnssrv+NAME`: SRV targets, each resolved to A/AAAA.
    DnsSrv {
        /// Name to look up.
        name: String,
        /// Port to dial (SRV ports are ignored, as upstream).
        port: u16,
    },
    /// `dnssrvnoa+NAME`: SRV targets dialled by name.
    DnsSrvNoA {
        /// Name to look up.
        name: String,
        /// Port to dial (SRV ports are ignored, as upstream).
        port: u16,
    },
    /// A bare host name: A/AAAA, else SRV.
    Host {
        /// Name to look up.
        name: String,
        /// Port to dial.
        port: u16,
    },
}

/// A join entry that cannot be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("--cluster.join-addresses: invalid entry {entry:?}: {reason}")]
pub struct JoinAddressError {
    /// The entry as written.
    pub entry: String,
    /// What is wrong with it.
    pub reason: String,
}

/// Resolution of the whole join list failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JoinResolveError {
    /// The system resolver configuration could not be loaded.
    #[error("cannot create DNS resolver: {0}")]
    Resolver(String),
    /// No entry resolved to any address.
    #[error("no join address could be resolved: {0}")]
    NothingResolved(String),
}

/// Splits `host[:port]` / `[v6]:port` / bare IPv6; `default_port` fills a missing port.
pub fn split_host_port(entry: &str, default_port: u16) -> Result<(String, u16), String> {
    let parse_port = |p: &str| p.parse::<u16>().map_err(|_| format!("invalid port {p:?}"));
    if let Some(rest) = entry.strip_prefix('[') {
        let close = rest
            .find(']')
            .ok_or_else(|| "missing ']' in IPv6 address".to_string())?;
        let host = &rest[..close];
        let after = &rest[close + 1..];
        let port = match after.strip_prefix(':') {
            Some(p) => parse_port(p)?,
            None if after.is_empty() => default_port,
            None => return Err(format!("unexpected {after:?} after ']'")),
        };
        return Ok((host.to_string(), port));
    }
    match entry.matches(':').count() {
        0 => Ok((entry.to_string(), default_port)),
        1 => {
            let (host, port) = entry.split_once(':').unwrap_or((entry, ""));
            Ok((host.to_string(), parse_port(port)?))
        }
        // More than one colon without brackets: a bare IPv6 address.
        _ => Ok((entry.to_string(), default_port)),
    }
}

/// Parses one join entry.
pub fn parse_join_entry(entry: &str, default_port: u16) -> Result<JoinEntry, JoinAddressError> {
    let err = |reason: String| JoinAddressError {
        entry: entry.to_string(),
        reason,
    };
    let trimmed = entry.trim();
    let (kind, rest) = if let Some(r) = trimmed.strip_prefix("dnssrvnoa+") {
        ("dnssrvnoa", r)
    } else if let Some(r) = trimmed.strip_prefix("dnssrv+") {
        ("dnssrv", r)
    } else if let Some(r) = trimmed.strip_prefix("dns+") {
        ("dns", r)
    } else {
        ("", trimmed)
    };
    let (host, port) = split_host_port(rest, default_port).map_err(err)?;
    if host.is_empty() {
        return Err(err("empty host".into()));
    }
    Ok(match kind {
        "dnssrvnoa" => JoinEntry::DnsSrvNoA { name: host, port },
        "dnssrv" => JoinEntry::DnsSrv { name: host, port },
        "dns" => JoinEntry::Dns { name: host, port },
        _ => match host.parse::<IpAddr>() {
            Ok(ip) => JoinEntry::Ip { ip, port },
            Err(_) => JoinEntry::Host { name: host, port },
        },
    })
}

/// Parses a comma-separated join list (empty items are skipped).
pub fn parse_join_list(
    list: &[String],
    default_port: u16,
) -> Result<Vec<JoinEntry>, JoinAddressError> {
    list.iter()
        .flat_map(|s| s.split(','))
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| parse_join_entry(s, default_port))
        .collect()
}

/// The DNS lookups join resolution needs (a trait so tests can fake DNS).
pub trait DnsLookup {
    /// A and AAAA records of `name`.
    fn lookup_ip(
        &self,
        name: &str,
    ) -> impl std::future::Future<Output = Result<Vec<IpAddr>, String>> + Send;
    /// Target host names of the SRV records of `name`.
    fn lookup_srv(
        &self,
        name: &str,
    ) -> impl std::future::Future<Output = Result<Vec<String>, String>> + Send;
}

/// [`DnsLookup`] over hickory's resolver with the system configuration.
#[derive(Clone)]
pub struct SystemDns {
    resolver: TokioResolver,
}

impl SystemDns {
    /// Builds a resolver from `/etc/resolv.conf` (or the platform equivalent).
    pub fn new() -> Result<Self, JoinResolveError> {
        let resolver = TokioResolver::builder_tokio()
            .and_then(|b| b.build())
            .map_err(|e| JoinResolveError::Resolver(e.to_string()))?;
        Ok(SystemDns { resolver })
    }
}

impl DnsLookup for SystemDns {
    async fn lookup_ip(&self, name: &str) -> Result<Vec<IpAddr>, String> {
        let found = self
            .resolver
            .lookup_ip(name)
            .await
            .map_err(|e| e.to_string())?;
        Ok(found.iter().collect())
    }

    async fn lookup_srv(&self, name: &str) -> Result<Vec<String>, String> {
        let found = self
            .resolver
            .srv_lookup(name)
            .await
            .map_err(|e| e.to_string())?;
        Ok(found
            .answers()
            .iter()
            .filter_map(|r| match &r.data {
                RData::SRV(srv) => Some(srv.target.to_utf8().trim_end_matches('.').to_string()),
                _ => None,
            })
            .collect())
    }
}

/// [`SystemDns`] created on first use, so join lists of plain IPs never need a resolver
/// configuration.
#[derive(Default)]
pub struct LazySystemDns {
    cell: std::sync::OnceLock<Result<SystemDns, String>>,
}

impl LazySystemDns {
    fn get(&self) -> Result<&SystemDns, String> {
        self.cell
            .get_or_init(|| SystemDns::new().map_err(|e| e.to_string()))
            .as_ref()
            .map_err(Clone::clone)
    }
}

impl DnsLookup for LazySystemDns {
    async fn lookup_ip(&self, name: &str) -> Result<Vec<IpAddr>, String> {
        self.get()?.lookup_ip(name).await
    }

    async fn lookup_srv(&self, name: &str) -> Result<Vec<String>, String> {
        self.get()?.lookup_srv(name).await
    }
}

/// Resolves a join list to peer addresses.
pub struct JoinResolver<D> {
    entries: Vec<JoinEntry>,
    dns: D,
    max_join_peers: usize,
    self_addr: Option<PeerAddr>,
}

impl<D: DnsLookup> JoinResolver<D> {
    /// `max_join_peers` = 0 keeps every address; `self_addr` is filtered out of results.
    pub fn new(
        entries: Vec<JoinEntry>,
        dns: D,
        max_join_peers: usize,
        self_addr: Option<PeerAddr>,
    ) -> Self {
        JoinResolver {
            entries,
            dns,
            max_join_peers,
            self_addr,
        }
    }

    /// Whether there is anything to join at all.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Resolves every entry; errors only if entries exist and none resolved.
    ///
    /// The result excludes this node's own address, is de-duplicated, and — when it has at
    /// least `max_join_peers` entries — is shuffled and truncated to that many.
    pub async fn resolve(&self) -> Result<Vec<PeerAddr>, JoinResolveError> {
        let mut out: Vec<PeerAddr> = Vec::new();
        let mut seen: HashSet<PeerAddr> = HashSet::new();
        let mut errors: Vec<String> = Vec::new();
        let mut saw_self = false;
        for entry in &self.entries {
            match self.resolve_entry(entry).await {
                Ok(addrs) => {
                    for a in addrs {
                        if Some(&a) == self.self_addr.as_ref() {
                            saw_self = true;
                        } else if seen.insert(a.clone()) {
                            out.push(a);
                        }
                    }
                }
                Err(e) => errors.push(e),
            }
        }
        if out.is_empty() && !saw_self && !self.entries.is_empty() {
            return Err(JoinResolveError::NothingResolved(errors.join("; ")));
        }
        if self.max_join_peers > 0 && out.len() >= self.max_join_peers {
            out.shuffle(&mut rand::rng());
            out.truncate(self.max_join_peers);
        }
        Ok(out)
    }

    async fn resolve_entry(&self, entry: &JoinEntry) -> Result<Vec<PeerAddr>, String> {
        let from_ips = |ips: Vec<IpAddr>, port: u16| {
            ips.into_iter()
                .map(|ip| PeerAddr::from(std::net::SocketAddr::new(ip, port)))
                .collect::<Vec<_>>()
        };
        match entry {
            JoinEntry::Ip { ip, port } => Ok(from_ips(vec![*ip], *port)),
            JoinEntry::Dns { name, port } => {
                let ips = self
                    .dns
                    .lookup_ip(name)
                    .await
                    .map_err(|e| format!("{name}: {e}"))?;
                non_empty(name, from_ips(ips, *port))
            }
            JoinEntry::DnsSrv { name, port } => {
                let targets = self
                    .dns
                    .lookup_srv(name)
                    .await
                    .map_err(|e| format!("{name}: {e}"))?;
                let mut out = Vec::new();
                for t in targets {
                    match self.dns.lookup_ip(&t).await {
                        Ok(ips) => out.extend(from_ips(ips, *port)),
                        Err(e) => {
                            tracing::debug!(target = %t, error = %e, "SRV target did not resolve")
                        }
                    }
                }
                non_empty(name, out)
            }
            JoinEntry::DnsSrvNoA { name, port } => {
                let targets = self
                    .dns
                    .lookup_srv(name)
                    .await
                    .map_err(|e| format!("{name}: {e}"))?;
                non_empty(
                    name,
                    targets
                        .iter()
                        .map(|t| PeerAddr::from_host_port(t, *port))
                        .collect(),
                )
            }
            JoinEntry::Host { name, port } => {
                if let Ok(ips) = self.dns.lookup_ip(name).await {
                    if !ips.is_empty() {
                        return Ok(from_ips(ips, *port));
                    }
                }
                let targets = self
                    .dns
                    .lookup_srv(name)
                    .await
                    .map_err(|e| format!("{name}: {e}"))?;
                let mut out = Vec::new();
                for t in targets {
                    if let Ok(ips) = self.dns.lookup_ip(&t).await {
                        out.extend(from_ips(ips, *port));
                    }
                }
                non_empty(name, out)
            }
        }
    }
}

fn non_empty(name: &str, addrs: Vec<PeerAddr>) -> Result<Vec<PeerAddr>, String> {
    if addrs.is_empty() {
        Err(format!("{name}: no addresses"))
    } else {
        Ok(addrs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn parses_entries() {
        let p = |s: &str| parse_join_entry(s, 12345).unwrap();
        assert_eq!(
            p("10.0.0.1"),
            JoinEntry::Ip {
                ip: "10.0.0.1".parse().unwrap(),
                port: 12345
            }
        );
        assert_eq!(
            p("10.0.0.1:80"),
            JoinEntry::Ip {
                ip: "10.0.0.1".parse().unwrap(),
                port: 80
            }
        );
        assert_eq!(
            p("[::1]:81"),
            JoinEntry::Ip {
                ip: "::1".parse().unwrap(),
                port: 81
            }
        );
        assert_eq!(
            p("fd00::1"),
            JoinEntry::Ip {
                ip: "fd00::1".parse().unwrap(),
                port: 12345
            }
        );
        assert_eq!(
            p("dns+alloy-cluster:9000"),
            JoinEntry::Dns {
                name: "alloy-cluster".into(),
                port: 9000
            }
        );
        assert_eq!(
            p("dnssrv+_http._tcp.alloy"),
            JoinEntry::DnsSrv {
                name: "_http._tcp.alloy".into(),
                port: 12345
            }
        );
        assert_eq!(
            p("dnssrvnoa+x"),
            JoinEntry::DnsSrvNoA {
                name: "x".into(),
                port: 12345
            }
        );
        assert_eq!(
            p("node-a"),
            JoinEntry::Host {
                name: "node-a".into(),
                port: 12345
            }
        );
        for bad in ["node:99999", "node:x", "[::1", "[::1]x", "dns+", ":80"] {
            assert!(parse_join_entry(bad, 1).is_err(), "{bad}");
        }
        let list = parse_join_list(&["a, b,,c".into(), "d".into()], 1).unwrap();
        assert_eq!(list.len(), 4);
    }

    struct FakeDns {
        a: HashMap<&'static str, Vec<IpAddr>>,
        srv: HashMap<&'static str, Vec<String>>,
    }

    impl DnsLookup for FakeDns {
        async fn lookup_ip(&self, name: &str) -> Result<Vec<IpAddr>, String> {
            self.a.get(name).cloned().ok_or_else(|| "NXDOMAIN".into())
        }
        async fn lookup_srv(&self, name: &str) -> Result<Vec<String>, String> {
            self.srv.get(name).cloned().ok_or_else(|| "NXDOMAIN".into())
        }
    }

    fn fake() -> FakeDns {
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        FakeDns {
            a: HashMap::from([
                ("peers", vec![ip("10.0.0.1"), ip("10.0.0.2")]),
                ("a.svc", vec![ip("10.0.1.1")]),
                ("b.svc", vec![ip("10.0.1.2")]),
            ]),
            srv: HashMap::from([
                ("_x._tcp.svc", vec!["a.svc".into(), "b.svc".into()]),
                ("srvonly", vec!["a.svc".into()]),
            ]),
        }
    }

    fn strs(v: &[PeerAddr]) -> Vec<&str> {
        v.iter().map(PeerAddr::as_str).collect()
    }

    #[tokio::test]
    async fn resolves_all_forms() {
        let entries = parse_join_list(
            &[
                "peers,dns+peers:7,dnssrv+_x._tcp.svc:8,dnssrvnoa+_x._tcp.svc,srvonly,10.9.9.9,10.0.0.1".into(),
            ],
            5,
        )
        .unwrap();
        let r = JoinResolver::new(entries, fake(), 0, Some(PeerAddr::new("10.9.9.9:5")));
        let got = r.resolve().await.unwrap();
        assert_eq!(
            strs(&got),
            vec![
                "10.0.0.1:5",
                "10.0.0.2:5",
                "10.0.0.1:7",
                "10.0.0.2:7",
                "10.0.1.1:8",
                "10.0.1.2:8",
                "a.svc:5",
                "b.svc:5",
                "10.0.1.1:5",
            ]
        );
    }

    #[tokio::test]
    async fn truncates_to_max_join_peers_and_reports_failure() {
        let entries = parse_join_list(&["peers,a.svc,b.svc".into()], 5).unwrap();
        let r = JoinResolver::new(entries, fake(), 2, None);
        assert_eq!(r.resolve().await.unwrap().len(), 2);

        let entries = parse_join_list(&["nowhere,dns+missing".into()], 5).unwrap();
        let r = JoinResolver::new(entries, fake(), 0, None);
        let err = r.resolve().await.unwrap_err();
        assert!(err.to_string().contains("nowhere"), "{err}");

        // Only ourselves in the list: nothing to join, but not an error (we are the seed).
        let entries = parse_join_list(&["10.0.0.9:5".into()], 5).unwrap();
        let r = JoinResolver::new(entries, fake(), 0, Some(PeerAddr::new("10.0.0.9:5")));
        assert!(r.resolve().await.unwrap().is_empty());
    }
}
