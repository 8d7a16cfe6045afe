//! Where webhooks may be sent: only to hosts on the public internet, unless the operator allows
//! private ones (`webhook_private_hosts`).
//!
//! A subscription's URL is chosen by whoever holds an enterprise or broker token, and the service
//! POSTs to it from inside the operator's network. Without this rule such a token could make the
//! service call its own admin interfaces, a database's HTTP port or a cloud metadata address
//! (169.254.169.254). The rule is applied twice: when a subscription is written (a literal address
//! or `localhost`, a clear error on the `url` field) and when a delivery connects (the resolver
//! below drops every non-public address a name resolves to, so a name that points at a private
//! address, or is re-pointed there later, reaches nothing).

use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, ToSocketAddrs};

/// Whether `ip` is an address on the public internet: not loopback, private, shared (CGNAT),
/// link-local, unspecified, multicast, broadcast, documentation or benchmarking space, nor an
/// IPv6 unique-local or link-local address or an IPv4 address mapped into IPv6 that is one of these.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => is_public_v4(v4),
            None => is_public_v6(v6),
        },
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, _, _] = ip.octets();
    !(ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_unspecified()
        || ip.is_multicast()
        || ip.is_broadcast()
        || ip.is_documentation()
        || a == 0
        || (a == 100 && (64..128).contains(&b))
        || (a == 198 && (b == 18 || b == 19))
        || a >= 240)
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    let first = ip.segments()[0];
    !(ip.is_loopback()
        || ip.is_unspecified()
        || ip.is_multicast()
        || (first & 0xfe00) == 0xfc00
        || (first & 0xffc0) == 0xfe80
        || first == 0x2001 && ip.segments()[1] == 0x0db8)
}

/// Why `url` (an `http://` or `https://` URL) may not be a webhook when private hosts are not allowed, if it names
/// its host by a non-public address or as `localhost`. A name is checked when a delivery connects.
pub fn refusal(url: &str) -> Option<String> {
    let rest = url
        .strip_prefix("http://")
        .or_else(|| url.strip_prefix("https://"))?;
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host_port = authority.rsplit('@').next().unwrap_or("");
    let host = match host_port.strip_prefix('[') {
        Some(bracketed) => bracketed.split(']').next().unwrap_or(""),
        None => host_port.split(':').next().unwrap_or(""),
    };
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    let private = match host.parse::<IpAddr>() {
        Ok(ip) => !is_public(ip),
        Err(_) => host == "localhost" || host.ends_with(".localhost"),
    };
    private.then(|| {
        format!(
            "'{host}' is not a host on the public internet; webhooks go only to public hosts \
             unless the service runs with --webhook-private-hosts"
        )
    })
}

/// Resolves a webhook's host for ureq, keeping only public addresses (all of them when
/// `allow_private`); a name with none left is an error that the delivery records.
pub struct Resolver {
    pub allow_private: bool,
}

impl ureq::Resolver for Resolver {
    fn resolve(&self, netloc: &str) -> io::Result<Vec<SocketAddr>> {
        let all: Vec<SocketAddr> = netloc.to_socket_addrs()?.collect();
        if self.allow_private {
            return Ok(all);
        }
        let public: Vec<SocketAddr> = all
            .iter()
            .copied()
            .filter(|address| is_public(address.ip()))
            .collect();
        if public.is_empty() && !all.is_empty() {
            return Err(io::Error::new(
                io::ErrorKind::PermissionDenied,
                format!(
                    "{netloc} resolves only to addresses that are not on the public internet \
                     (webhook_private_hosts is off)"
                ),
            ));
        }
        Ok(public)
    }
}
