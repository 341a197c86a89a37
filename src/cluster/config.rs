//! `--cluster.*` options: flags, upstream defaults, validation and address inference.
//!
//! [`ClusterFlags`] is a `clap::Args` group the CLI can `#[command(flatten)]`; it converts
//! into a validated [`ClusterOptions`]. Durations use Go syntax (`60s`, `1m30s`).
//!
//! Not supported: `--cluster.discover-peers` (go-discover cloud providers). The flag is
//! accepted so existing command lines parse, but any non-empty value is rejected with a clear
//! error; use `--cluster.join-addresses` (which accepts `dns+`/`dnssrv+` forms) instead.

use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;

use super::advertise::{pick_advertise_ip, read_interfaces};
use super::duration::{parse_go_duration, DurationError};
use super::join::{parse_join_list, split_host_port, JoinAddressError, JoinEntry};
use super::peer_addr::PeerAddr;
use super::ring::NodeName;

/// Upstream default of `--cluster.advertise-interfaces`.
pub const DEFAULT_ADVERTISE_INTERFACES: &[&str] = &["eth0", "en0"];
/// Upstream default of `--cluster.rejoin-interval`.
pub const DEFAULT_REJOIN_INTERVAL: Duration = Duration::from_secs(60);
/// Upstream default of `--cluster.max-join-peers`.
pub const DEFAULT_MAX_JOIN_PEERS: usize = 5;
/// Port used when `--server.http.listen-addr` has no parsable port (as upstream).
pub const FALLBACK_LISTEN_PORT: u16 = 80;

/// HTTP flavour used to send gossip to peers without TLS (with TLS, ALPN decides).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum PeerHttpVersion {
    /// HTTP/2 over cleartext with prior knowledge, as upstream.
    #[default]
    H2c,
    /// HTTP/1.1, for service meshes that mangle h2c (alloy#1846).
    Http1,
}

/// TLS settings for dialling peers (`--cluster.enable-tls` and friends).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClusterTls {
    /// CA bundle used to verify peers.
    pub ca_path: PathBuf,
    /// Client certificate presented to peers (mutual TLS).
    pub cert_path: PathBuf,
    /// Private key of the client certificate.
    pub key_path: PathBuf,
    /// Name to verify peer certificates against (peers are dialled by IP).
    pub server_name: Option<String>,
}

/// Validated cluster options. `Default` gives upstream's defaults with clustering off.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClusterOptions {
    /// `--cluster.enabled`.
    pub enabled: bool,
    /// `--cluster.node-name` (default: the host name).
    pub node_name: NodeName,
    /// `--cluster.advertise-address`: `host[:port]`, empty = infer from interfaces.
    pub advertise_address: String,
    /// `--cluster.advertise-interfaces` (`all` = every interface).
    pub advertise_interfaces: Vec<String>,
    /// `--cluster.join-addresses`, split on commas.
    pub join_addresses: Vec<String>,
    /// `--cluster.rejoin-interval`; zero disables periodic rejoin.
    pub rejoin_interval: Duration,
    /// `--cluster.max-join-peers`; zero = all.
    pub max_join_peers: usize,
    /// `--cluster.name`: nodes only merge with nodes of the same name.
    pub cluster_name: String,
    /// `--cluster.enable-tls` with its files; `None` = plaintext.
    pub tls: Option<ClusterTls>,
    /// Cleartext HTTP flavour for gossip (`--cluster.peer-http-version`, our addition).
    pub peer_http_version: PeerHttpVersion,
    /// `--cluster.wait-for-size`; zero disables the gate.
    pub wait_for_size: usize,
    /// `--cluster.wait-timeout`; zero waits forever.
    pub wait_timeout: Duration,
}

impl Default for ClusterOptions {
    fn default() -> Self {
        ClusterOptions {
            enabled: false,
            node_name: NodeName::from(default_node_name()),
            advertise_address: String::new(),
            advertise_interfaces: DEFAULT_ADVERTISE_INTERFACES
                .iter()
                .map(|s| s.to_string())
                .collect(),
            join_addresses: Vec::new(),
            rejoin_interval: DEFAULT_REJOIN_INTERVAL,
            max_join_peers: DEFAULT_MAX_JOIN_PEERS,
            cluster_name: String::new(),
            tls: None,
            peer_http_version: PeerHttpVersion::H2c,
            wait_for_size: 0,
            wait_timeout: Duration::ZERO,
        }
    }
}

/// The OS host name, as upstream's default node name.
pub fn default_node_name() -> String {
    gethostname::gethostname().to_string_lossy().into_owned()
}

/// A `--cluster.*` setting is invalid.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClusterConfigError {
    /// Both ways of finding peers were given.
    #[error("--cluster.join-addresses and --cluster.discover-peers are mutually exclusive")]
    JoinAndDiscover,
    /// go-discover providers are not implemented.
    #[error("--cluster.discover-peers is not supported (got {0:?}); list peers with --cluster.join-addresses, which accepts IPs, host names and dns+/dnssrv+/dnssrvnoa+ forms")]
    DiscoverPeersUnsupported(String),
    /// TLS enabled without one of its files.
    #[error("--cluster.enable-tls requires {0}")]
    TlsFileMissing(&'static str),
    /// An empty node name.
    #[error("--cluster.node-name must not be empty")]
    EmptyNodeName,
    /// A malformed duration flag.
    #[error("{flag}: {source}")]
    Duration {
        /// The flag.
        flag: &'static str,
        /// The parse error.
        source: DurationError,
    },
    /// A malformed join address.
    #[error(transparent)]
    JoinAddress(#[from] JoinAddressError),
    /// A malformed advertise address.
    #[error("--cluster.advertise-address {address:?}: {reason}")]
    AdvertiseAddress {
        /// The value given.
        address: String,
        /// What is wrong with it.
        reason: String,
    },
    /// No usable address on the advertise interfaces.
    #[error("cannot infer the address to advertise to peers from interfaces {interfaces:?}: {reason}; set --cluster.advertise-address (or --cluster.advertise-interfaces=all)")]
    AdvertiseInference {
        /// The interfaces scanned.
        interfaces: Vec<String>,
        /// Why nothing was found.
        reason: String,
    },
}

/// The `--cluster.*` command-line flags, with upstream names and defaults.
#[derive(Debug, Clone, clap::Args)]
pub struct ClusterFlags {
    /// Start the node with clustering enabled.
    #[arg(long = "cluster.enabled", default_value_t = false)]
    pub enabled: bool,
    /// Name to identify this node in the cluster (default: the host name). Must be unique.
    #[arg(long = "cluster.node-name", default_value = "")]
    pub node_name: String,
    /// Address to advertise to peers (host or host:port; port defaults to the listen port).
    #[arg(long = "cluster.advertise-address", default_value = "")]
    pub advertise_address: String,
    /// Comma list of interfaces to infer the advertise address from ("all" = every interface).
    #[arg(long = "cluster.advertise-interfaces", default_value = "eth0,en0")]
    pub advertise_interfaces: String,
    /// Comma list of peers to join: IP or DNS names, optionally dns+/dnssrv+/dnssrvnoa+.
    #[arg(long = "cluster.join-addresses", default_value = "")]
    pub join_addresses: String,
    /// go-discover provider string. Not supported: must be empty.
    #[arg(long = "cluster.discover-peers", default_value = "")]
    pub discover_peers: String,
    /// How often to rejoin the peer list to heal split brains (Go duration; 0 disables).
    #[arg(long = "cluster.rejoin-interval", default_value = "60s")]
    pub rejoin_interval: String,
    /// Number of random peers to join from the resolved list (0 = all).
    #[arg(long = "cluster.max-join-peers", default_value_t = DEFAULT_MAX_JOIN_PEERS)]
    pub max_join_peers: usize,
    /// Cluster name: nodes only merge with nodes of the same cluster name.
    #[arg(long = "cluster.name", default_value = "")]
    pub cluster_name: String,
    /// Dial peers over TLS.
    #[arg(long = "cluster.enable-tls", default_value_t = false)]
    pub enable_tls: bool,
    /// CA bundle to verify peers with.
    #[arg(long = "cluster.tls-ca-path", default_value = "")]
    pub tls_ca_path: String,
    /// Client certificate presented to peers.
    #[arg(long = "cluster.tls-cert-path", default_value = "")]
    pub tls_cert_path: String,
    /// Key of the client certificate.
    #[arg(long = "cluster.tls-key-path", default_value = "")]
    pub tls_key_path: String,
    /// Server name to verify peer certificates against.
    #[arg(long = "cluster.tls-server-name", default_value = "")]
    pub tls_server_name: String,
    /// Cleartext HTTP flavour for gossip: h2c (prior knowledge) or http1.
    #[arg(long = "cluster.peer-http-version", value_enum, default_value_t = PeerHttpVersion::H2c)]
    pub peer_http_version: PeerHttpVersion,
    /// Minimum number of participants before clustered components take work (0 = off).
    #[arg(long = "cluster.wait-for-size", default_value_t = 0)]
    pub wait_for_size: usize,
    /// How long to wait for wait-for-size before proceeding anyway (0 = forever).
    #[arg(long = "cluster.wait-timeout", default_value = "0s")]
    pub wait_timeout: String,
}

impl TryFrom<ClusterFlags> for ClusterOptions {
    type Error = ClusterConfigError;

    fn try_from(f: ClusterFlags) -> Result<Self, Self::Error> {
        let duration = |flag: &'static str, v: &str| {
            parse_go_duration(v).map_err(|source| ClusterConfigError::Duration { flag, source })
        };
        if !f.join_addresses.trim().is_empty() && !f.discover_peers.trim().is_empty() {
            return Err(ClusterConfigError::JoinAndDiscover);
        }
        if !f.discover_peers.trim().is_empty() {
            return Err(ClusterConfigError::DiscoverPeersUnsupported(
                f.discover_peers,
            ));
        }
        let node_name = if f.node_name.is_empty() {
            default_node_name()
        } else {
            f.node_name
        };
        let tls = if f.enable_tls {
            let need = |v: String, what: &'static str| {
                if v.is_empty() {
                    Err(ClusterConfigError::TlsFileMissing(what))
                } else {
                    Ok(PathBuf::from(v))
                }
            };
            Some(ClusterTls {
                ca_path: need(f.tls_ca_path, "--cluster.tls-ca-path")?,
                cert_path: need(f.tls_cert_path, "--cluster.tls-cert-path")?,
                key_path: need(f.tls_key_path, "--cluster.tls-key-path")?,
                server_name: (!f.tls_server_name.is_empty()).then_some(f.tls_server_name),
            })
        } else {
            None
        };
        let opts = ClusterOptions {
            enabled: f.enabled,
            node_name: NodeName::from(node_name),
            advertise_address: f.advertise_address.trim().to_string(),
            advertise_interfaces: split_list(&f.advertise_interfaces),
            join_addresses: split_list(&f.join_addresses),
            rejoin_interval: duration("--cluster.rejoin-interval", &f.rejoin_interval)?,
            max_join_peers: f.max_join_peers,
            cluster_name: f.cluster_name,
            tls,
            peer_http_version: f.peer_http_version,
            wait_for_size: f.wait_for_size,
            wait_timeout: duration("--cluster.wait-timeout", &f.wait_timeout)?,
        };
        opts.validate()?;
        Ok(opts)
    }
}

fn split_list(s: &str) -> Vec<String> {
    s.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

impl ClusterOptions {
    /// Checks the options that can be checked without touching the network.
    pub fn validate(&self) -> Result<(), ClusterConfigError> {
        if self.enabled && self.node_name.as_str().is_empty() {
            return Err(ClusterConfigError::EmptyNodeName);
        }
        // Ports are irrelevant for syntax checking; any default will do.
        parse_join_list(&self.join_addresses, 1)?;
        if !self.advertise_address.is_empty() {
            split_host_port(&self.advertise_address, 1).map_err(|reason| {
                ClusterConfigError::AdvertiseAddress {
                    address: self.advertise_address.clone(),
                    reason,
                }
            })?;
        }
        if let Some(tls) = &self.tls {
            for (path, what) in [
                (&tls.ca_path, "--cluster.tls-ca-path"),
                (&tls.cert_path, "--cluster.tls-cert-path"),
                (&tls.key_path, "--cluster.tls-key-path"),
            ] {
                if path.as_os_str().is_empty() {
                    return Err(ClusterConfigError::TlsFileMissing(what));
                }
            }
        }
        Ok(())
    }

    /// Parsed join entries, ports defaulting to `listen_port`.
    pub fn join_entries(&self, listen_port: u16) -> Result<Vec<JoinEntry>, ClusterConfigError> {
        Ok(parse_join_list(&self.join_addresses, listen_port)?)
    }

    /// The address peers should dial: `--cluster.advertise-address` with its host resolved to
    /// an IP once, or an address inferred from the advertise interfaces. Port defaults to
    /// `listen_port`.
    ///
    /// With clustering disabled an unset address becomes `127.0.0.1:<listen_port>`; with it
    /// enabled, failing to infer one is an error (advertising loopback would isolate the node).
    pub async fn resolve_advertise_address(
        &self,
        listen_port: u16,
    ) -> Result<PeerAddr, ClusterConfigError> {
        if !self.advertise_address.is_empty() {
            let bad = |reason: String| ClusterConfigError::AdvertiseAddress {
                address: self.advertise_address.clone(),
                reason,
            };
            let (host, port) =
                split_host_port(&self.advertise_address, listen_port).map_err(bad)?;
            if let Ok(ip) = host.parse::<IpAddr>() {
                return Ok(PeerAddr::from(std::net::SocketAddr::new(ip, port)));
            }
            let mut found = tokio::net::lookup_host((host.as_str(), port))
                .await
                .map_err(|e| bad(format!("cannot resolve host: {e}")))?;
            return found
                .next()
                .map(PeerAddr::from)
                .ok_or_else(|| bad("host resolved to no address".into()));
        }
        if !self.enabled {
            return Ok(PeerAddr::from_host_port("127.0.0.1", listen_port));
        }
        let fail = |reason: String| ClusterConfigError::AdvertiseInference {
            interfaces: self.advertise_interfaces.clone(),
            reason,
        };
        let interfaces =
            read_interfaces().map_err(|e| fail(format!("cannot list interfaces: {e}")))?;
        let ip = pick_advertise_ip(&interfaces, &self.advertise_interfaces)
            .ok_or_else(|| fail("no non-loopback address found".into()))?;
        Ok(PeerAddr::from(std::net::SocketAddr::new(ip, listen_port)))
    }
}

/// The port of `--server.http.listen-addr` (`host:port`), or 80 when it has none, as upstream.
pub fn listen_port_from_addr(listen_addr: &str) -> u16 {
    match split_host_port(listen_addr, FALLBACK_LISTEN_PORT) {
        Ok((_, port)) => port,
        Err(_) => FALLBACK_LISTEN_PORT,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        cluster: ClusterFlags,
    }

    fn parse(args: &[&str]) -> Result<ClusterOptions, ClusterConfigError> {
        let mut argv = vec!["agent"];
        argv.extend_from_slice(args);
        let cli = Cli::try_parse_from(argv).expect("flags parse");
        ClusterOptions::try_from(cli.cluster)
    }

    #[test]
    fn defaults_match_upstream() {
        let o = parse(&[]).unwrap();
        assert!(!o.enabled);
        assert_eq!(o.node_name.as_str(), default_node_name());
        assert_eq!(o.advertise_interfaces, vec!["eth0", "en0"]);
        assert_eq!(o.rejoin_interval, Duration::from_secs(60));
        assert_eq!(o.max_join_peers, 5);
        assert_eq!(o.wait_for_size, 0);
        assert_eq!(o.wait_timeout, Duration::ZERO);
        assert_eq!(o.tls, None);
        assert_eq!(o.cluster_name, "");
        assert_eq!(o, ClusterOptions::default());
    }

    #[test]
    fn parses_every_flag() {
        let o = parse(&[
            "--cluster.enabled",
            "--cluster.node-name=a",
            "--cluster.advertise-address=10.0.0.1",
            "--cluster.advertise-interfaces=all",
            "--cluster.join-addresses=10.0.0.2,dns+peers:9",
            "--cluster.rejoin-interval=1m30s",
            "--cluster.max-join-peers=0",
            "--cluster.name=prod",
            "--cluster.enable-tls",
            "--cluster.tls-ca-path=/ca",
            "--cluster.tls-cert-path=/cert",
            "--cluster.tls-key-path=/key",
            "--cluster.tls-server-name=agents.local",
            "--cluster.peer-http-version=http1",
            "--cluster.wait-for-size=3",
            "--cluster.wait-timeout=5m",
        ])
        .unwrap();
        assert!(o.enabled);
        assert_eq!(o.node_name.as_str(), "a");
        assert_eq!(o.join_addresses, vec!["10.0.0.2", "dns+peers:9"]);
        assert_eq!(o.rejoin_interval, Duration::from_secs(90));
        assert_eq!(o.max_join_peers, 0);
        assert_eq!(o.cluster_name, "prod");
        let tls = o.tls.unwrap();
        assert_eq!(tls.server_name.as_deref(), Some("agents.local"));
        assert_eq!(o.peer_http_version, PeerHttpVersion::Http1);
        assert_eq!(o.wait_for_size, 3);
        assert_eq!(o.wait_timeout, Duration::from_secs(300));
    }

    #[test]
    fn validation_errors() {
        assert_eq!(
            parse(&[
                "--cluster.join-addresses=a",
                "--cluster.discover-peers=provider=aws"
            ]),
            Err(ClusterConfigError::JoinAndDiscover)
        );
        let e = parse(&["--cluster.discover-peers=provider=k8s"]).unwrap_err();
        assert!(e.to_string().contains("not supported"), "{e}");
        assert_eq!(
            parse(&["--cluster.enable-tls", "--cluster.tls-ca-path=/ca"]),
            Err(ClusterConfigError::TlsFileMissing(
                "--cluster.tls-cert-path"
            ))
        );
        let e = parse(&["--cluster.rejoin-interval=60"]).unwrap_err();
        assert!(e.to_string().contains("--cluster.rejoin-interval"), "{e}");
        assert!(parse(&["--cluster.join-addresses=host:notaport"]).is_err());
        assert!(parse(&["--cluster.advertise-address=[::1"]).is_err());
    }

    #[test]
    fn listen_port() {
        assert_eq!(listen_port_from_addr("127.0.0.1:12345"), 12345);
        assert_eq!(listen_port_from_addr("[::]:9"), 9);
        assert_eq!(listen_port_from_addr("localhost"), 80);
        assert_eq!(listen_port_from_addr("x:y"), 80);
    }

    #[tokio::test]
    async fn advertise_address_resolution() {
        let mut o = ClusterOptions {
            enabled: true,
            advertise_address: "10.1.2.3".into(),
            ..ClusterOptions::default()
        };
        assert_eq!(
            o.resolve_advertise_address(7).await.unwrap().as_str(),
            "10.1.2.3:7"
        );
        o.advertise_address = "[fd00::1]:8".into();
        assert_eq!(
            o.resolve_advertise_address(7).await.unwrap().as_str(),
            "[fd00::1]:8"
        );
        o.advertise_address = "localhost:9".into();
        let a = o.resolve_advertise_address(7).await.unwrap();
        assert!(a.socket_addr().is_some_and(|s| s.ip().is_loopback()), "{a}");
        // Disabled and unset: loopback, as upstream.
        let off = ClusterOptions::default();
        assert_eq!(
            off.resolve_advertise_address(7).await.unwrap().as_str(),
            "127.0.0.1:7"
        );
        // Enabled with an interface that does not exist: a loud error.
        let bad = ClusterOptions {
            enabled: true,
            advertise_interfaces: vec!["does-not-exist0".into()],
            ..ClusterOptions::default()
        };
        let e = bad.resolve_advertise_address(7).await.unwrap_err();
        assert!(e.to_string().contains("--cluster.advertise-address"), "{e}");
    }
}
