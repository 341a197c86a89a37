//! The address a peer is dialled at (`host:port`, usually `ip:port`).

use std::fmt;
use std::net::SocketAddr;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

/// A peer's advertised `host:port` (IPv6 hosts in brackets). Cheap to clone.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct PeerAddr(Arc<str>);

impl PeerAddr {
    /// Wraps an address string as given (no validation: it is only ever dialled).
    pub fn new(addr: impl Into<Arc<str>>) -> Self {
        PeerAddr(addr.into())
    }

    /// The address as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Builds `host:port`, bracketing IPv6 literals.
    pub fn from_host_port(host: &str, port: u16) -> Self {
        if host.contains(':') && !host.starts_with('[') {
            PeerAddr::new(format!("[{host}]:{port}"))
        } else {
            PeerAddr::new(format!("{host}:{port}"))
        }
    }

    /// The address as a socket address, when the host part is an IP literal.
    pub fn socket_addr(&self) -> Option<SocketAddr> {
        self.0.parse().ok()
    }
}

impl From<SocketAddr> for PeerAddr {
    fn from(a: SocketAddr) -> Self {
        PeerAddr::new(a.to_string())
    }
}

impl fmt::Display for PeerAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for PeerAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.0, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_port_formatting() {
        assert_eq!(
            PeerAddr::from_host_port("10.0.0.1", 80).as_str(),
            "10.0.0.1:80"
        );
        assert_eq!(PeerAddr::from_host_port("::1", 80).as_str(), "[::1]:80");
        assert_eq!(PeerAddr::from_host_port("node", 1).as_str(), "node:1");
        assert!(PeerAddr::from_host_port("::1", 80).socket_addr().is_some());
        assert!(PeerAddr::from_host_port("node", 1).socket_addr().is_none());
    }
}
