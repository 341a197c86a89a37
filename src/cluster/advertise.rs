//! Inferring the address to advertise to peers from the host's network interfaces
//! (`--cluster.advertise-interfaces`, used when `--cluster.advertise-address` is empty).
//!
//! Ranking, as upstream: the first non-link-local IPv4 address wins outright; otherwise the
//! first non-link-local IPv6, then link-local IPv4, then link-local IPv6. Loopback never.
//! Interfaces are read from `/proc/net` (Linux); elsewhere inference fails with a message
//! asking for an explicit `--cluster.advertise-address`.

use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// The addresses assigned to one network interface.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InterfaceAddrs {
    /// Interface name, e.g. `eth0`.
    pub name: String,
    /// Addresses in the order the system lists them.
    pub addrs: Vec<IpAddr>,
}

/// The special `--cluster.advertise-interfaces` value meaning every interface.
pub const ALL_INTERFACES: &str = "all";

/// Picks the address to advertise among the `wanted` interfaces (or all, see
/// [`ALL_INTERFACES`]), scanning them in the order given.
pub fn pick_advertise_ip(interfaces: &[InterfaceAddrs], wanted: &[String]) -> Option<IpAddr> {
    let all = wanted.len() == 1 && wanted[0] == ALL_INTERFACES;
    let selected: Vec<&InterfaceAddrs> = if all {
        interfaces.iter().collect()
    } else {
        wanted
            .iter()
            .flat_map(|w| interfaces.iter().filter(move |i| &i.name == w))
            .collect()
    };
    let mut v6: Option<IpAddr> = None;
    let mut ll_v4: Option<IpAddr> = None;
    let mut ll_v6: Option<IpAddr> = None;
    for iface in selected {
        for addr in &iface.addrs {
            if addr.is_loopback() || addr.is_unspecified() {
                continue;
            }
            match addr {
                IpAddr::V4(a) if !is_link_local_v4(a) => return Some(*addr),
                IpAddr::V4(_) => {
                    ll_v4.get_or_insert(*addr);
                }
                IpAddr::V6(a) if is_link_local_v6(a) => {
                    ll_v6.get_or_insert(*addr);
                }
                IpAddr::V6(_) => {
                    v6.get_or_insert(*addr);
                }
            }
        }
    }
    v6.or(ll_v4).or(ll_v6)
}

fn is_link_local_v4(a: &Ipv4Addr) -> bool {
    a.is_link_local()
}

fn is_link_local_v6(a: &Ipv6Addr) -> bool {
    (a.segments()[0] & 0xffc0) == 0xfe80
}

/// Reads the host's interfaces and their addresses from `/proc/net`.
///
/// IPv4: local addresses from `/proc/net/fib_trie`, attributed to an interface by the
/// longest matching non-default route in `/proc/net/route`. IPv6: `/proc/net/if_inet6`.
pub fn read_interfaces() -> io::Result<Vec<InterfaceAddrs>> {
    let fib = std::fs::read_to_string("/proc/net/fib_trie")?;
    let routes = std::fs::read_to_string("/proc/net/route")?;
    // IPv6 may be disabled entirely; that is not an error.
    let inet6 = std::fs::read_to_string("/proc/net/if_inet6").unwrap_or_default();
    Ok(interfaces_from_proc(&fib, &routes, &inet6))
}

/// Pure part of [`read_interfaces`], separated for testing.
fn interfaces_from_proc(fib_trie: &str, route: &str, if_inet6: &str) -> Vec<InterfaceAddrs> {
    let mut out: Vec<InterfaceAddrs> = Vec::new();
    let mut push = |name: &str, addr: IpAddr| match out.iter_mut().find(|i| i.name == name) {
        Some(i) => {
            if !i.addrs.contains(&addr) {
                i.addrs.push(addr);
            }
        }
        None => out.push(InterfaceAddrs {
            name: name.to_string(),
            addrs: vec![addr],
        }),
    };

    let routes = parse_routes(route);
    for ip in local_v4_addresses(fib_trie) {
        let bits = u32::from(ip);
        let best = routes
            .iter()
            .filter(|r| r.mask != 0 && bits & r.mask == r.dest)
            .max_by_key(|r| r.mask.count_ones());
        if let Some(r) = best {
            push(&r.iface, IpAddr::V4(ip));
        }
    }

    for line in if_inet6.lines() {
        let fields: Vec<&str> = line.split_whitespace().collect();
        if fields.len() < 6 || fields[0].len() != 32 {
            continue;
        }
        let Ok(raw) = u128::from_str_radix(fields[0], 16) else {
            continue;
        };
        push(fields[5], IpAddr::V6(Ipv6Addr::from(raw)));
    }
    out
}

struct Route {
    iface: String,
    dest: u32,
    mask: u32,
}

/// Parses `/proc/net/route`; addresses there are host-endian hex of network-order values.
fn parse_routes(text: &str) -> Vec<Route> {
    let hex = |s: &str| {
        u32::from_str_radix(s, 16)
            .ok()
            .map(|v| u32::from(Ipv4Addr::from(v.to_ne_bytes())))
    };
    text.lines()
        .skip(1)
        .filter_map(|line| {
            let f: Vec<&str> = line.split_whitespace().collect();
            if f.len() < 8 {
                return None;
            }
            Some(Route {
                iface: f[0].to_string(),
                dest: hex(f[1])?,
                mask: hex(f[7])?,
            })
        })
        .collect()
}

/// The `/32 host LOCAL` entries of `/proc/net/fib_trie` (each listed under the preceding `|--`).
fn local_v4_addresses(text: &str) -> Vec<Ipv4Addr> {
    let mut out = Vec::new();
    let mut last: Option<Ipv4Addr> = None;
    for line in text.lines() {
        let t = line.trim();
        if let Some(addr) = t.strip_prefix("|-- ") {
            last = addr.trim().parse().ok();
        } else if t.starts_with("/32 host LOCAL") {
            if let Some(a) = last {
                if !out.contains(&a) {
                    out.push(a);
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const FIB: &str = "Main:
  +-- 0.0.0.0/0 3 0 5
     |-- 0.0.0.0
        /0 universe UNICAST
     +-- 127.0.0.0/8 2 0 2
        +-- 127.0.0.0/31 1 0 0
           |-- 127.0.0.0
              /8 host LOCAL
           |-- 127.0.0.1
              /32 host LOCAL
     +-- 192.0.2.0/24 2 0 2
        +-- 192.0.2.0/30 2 0 2
           |-- 192.0.2.0
              /24 link UNICAST
           |-- 192.0.2.2
              /32 host LOCAL
        |-- 192.0.2.255
           /32 link BROADCAST
";
    const ROUTE: &str =
        "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT
eth0\t00000000\t010200C0\t0003\t0\t0\t0\t00000000\t0\t0\t0
eth0\t000200C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0
";
    const INET6: &str = "fe8000000000000000fc00fffe000001 04 40 20 80     eth0
00000000000000000000000000000001 01 80 10 80       lo
fd000000000000000000000000000002 04 40 00 82     eth0
";

    #[test]
    #[cfg(target_endian = "little")]
    fn parses_proc_files() {
        let ifaces = interfaces_from_proc(FIB, ROUTE, INET6);
        let eth0 = ifaces.iter().find(|i| i.name == "eth0").unwrap();
        assert_eq!(
            eth0.addrs,
            vec![
                "192.0.2.2".parse::<IpAddr>().unwrap(),
                "fe80::fc:ff:fe00:1".parse().unwrap(),
                "fd00::2".parse().unwrap(),
            ]
        );
        assert_eq!(
            pick_advertise_ip(&ifaces, &["eth0".into(), "en0".into()]),
            Some("192.0.2.2".parse().unwrap())
        );
        // Loopback is never advertised, even via "all".
        let lo_only = vec![InterfaceAddrs {
            name: "lo".into(),
            addrs: vec!["127.0.0.1".parse().unwrap(), "::1".parse().unwrap()],
        }];
        assert_eq!(pick_advertise_ip(&lo_only, &["all".into()]), None);
    }

    #[test]
    fn ranking() {
        let iface = |name: &str, addrs: &[&str]| InterfaceAddrs {
            name: name.into(),
            addrs: addrs.iter().map(|a| a.parse().unwrap()).collect(),
        };
        let ifaces = vec![
            iface("eth0", &["fe80::1", "169.254.1.1", "fd00::5"]),
            iface("en0", &["10.1.1.1"]),
        ];
        let wanted = |w: &[&str]| w.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        // A routable IPv4 on any scanned interface beats everything.
        assert_eq!(
            pick_advertise_ip(&ifaces, &wanted(&["eth0", "en0"])),
            Some("10.1.1.1".parse().unwrap())
        );
        // Without it: routable IPv6 > link-local IPv4 > link-local IPv6.
        assert_eq!(
            pick_advertise_ip(&ifaces, &wanted(&["eth0"])),
            Some("fd00::5".parse().unwrap())
        );
        let ll = vec![iface("eth0", &["fe80::1", "169.254.1.1"])];
        assert_eq!(
            pick_advertise_ip(&ll, &wanted(&["eth0"])),
            Some("169.254.1.1".parse().unwrap())
        );
        assert_eq!(pick_advertise_ip(&ll, &wanted(&["wlan0"])), None);
    }
}
