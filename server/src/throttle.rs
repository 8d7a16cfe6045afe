//! Per-client limits, keyed by the connection's peer address: token buckets for requests with an
//! unknown token and for the public match route (over them: 429 with `Retry-After`), and the count
//! of open connections, in all and per address (over them: 503, and the connection is closed).
//!
//! Behind a reverse proxy every client has the proxy's address, unless the proxy is named in
//! `trusted_proxies`: then its `X-Forwarded-For` names the client.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use actix_web::HttpRequest;

use crate::worker::lock;

/// Buckets kept before full (idle) ones are dropped.
const MAX_TRACKED_CLIENTS: usize = 100_000;

/// The address a request came from (unspecified when unknown, as in in-process tests): its peer,
/// or, from a trusted proxy (`Config::trusted_proxies`), the last address of `X-Forwarded-For` that
/// is not a trusted proxy (what a client writes there itself comes before what the proxies add).
pub fn client_ip(request: &HttpRequest) -> IpAddr {
    let peer = request
        .peer_addr()
        .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |addr| addr.ip());
    let trusted = request
        .app_data::<actix_web::web::Data<crate::state::AppState>>()
        .map_or(&[][..], |state| state.config.trusted_proxies.as_slice());
    forwarded_client(peer, trusted, request.headers().get_all("x-forwarded-for"))
}

/// `client_ip` on its parts: the peer, the trusted proxies, the `X-Forwarded-For` headers.
fn forwarded_client<'a>(
    peer: IpAddr,
    trusted: &[IpAddr],
    forwarded: impl DoubleEndedIterator<Item = &'a actix_web::http::header::HeaderValue>,
) -> IpAddr {
    if !trusted.contains(&peer) {
        return peer;
    }
    let mut client = peer;
    for value in forwarded.rev() {
        let Ok(value) = value.to_str() else {
            return client;
        };
        for hop in value.rsplit(',') {
            match hop.trim().parse::<IpAddr>() {
                Ok(address) if trusted.contains(&address) => client = address,
                Ok(address) => return address,
                Err(_) => return client,
            }
        }
    }
    client
}

/// A token bucket per client address: `burst` tokens, refilled at `per_second`.
pub struct RateLimiter {
    per_second: f64,
    burst: f64,
    buckets: Mutex<HashMap<IpAddr, Bucket>>,
}

struct Bucket {
    tokens: f64,
    updated: Instant,
}

impl RateLimiter {
    /// `None` (no limit) when `per_second` is 0.
    pub fn new(per_second: f64, burst: f64) -> Option<RateLimiter> {
        (per_second > 0.0).then(|| RateLimiter {
            per_second,
            burst: burst.max(1.0),
            buckets: Mutex::new(HashMap::new()),
        })
    }

    /// Takes a token for `ip`; `Err(seconds)` until one is there when the bucket is empty.
    pub fn take(&self, ip: IpAddr) -> Result<(), u64> {
        self.take_many(ip, 1)
    }

    /// Takes `count` tokens for `ip` at once, for a request that does the work of `count` (never
    /// more than the burst, which a bucket can hold); `Err(seconds)` until they are there.
    pub fn take_many(&self, ip: IpAddr, count: usize) -> Result<(), u64> {
        let cost = (count.max(1) as f64).min(self.burst);
        self.with_bucket(ip, cost, |bucket| {
            if bucket.tokens >= cost {
                bucket.tokens -= cost;
                true
            } else {
                false
            }
        })
    }

    /// Whether `ip` has a token left, without taking it.
    pub fn check(&self, ip: IpAddr) -> Result<(), u64> {
        self.with_bucket(ip, 1.0, |bucket| bucket.tokens >= 1.0)
    }

    /// Refills `ip`'s bucket and lets `use_bucket` take from it; `Err(seconds)` until `needed`
    /// tokens are there when it refuses.
    fn with_bucket(
        &self,
        ip: IpAddr,
        needed: f64,
        use_bucket: impl FnOnce(&mut Bucket) -> bool,
    ) -> Result<(), u64> {
        let now = Instant::now();
        let mut buckets = lock(&self.buckets);
        if buckets.len() >= MAX_TRACKED_CLIENTS && !buckets.contains_key(&ip) {
            let (per_second, burst) = (self.per_second, self.burst);
            buckets.retain(|_, bucket| {
                bucket.tokens + now.duration_since(bucket.updated).as_secs_f64() * per_second
                    < burst
            });
            if buckets.len() >= MAX_TRACKED_CLIENTS {
                buckets.clear();
            }
        }
        let bucket = buckets.entry(ip).or_insert(Bucket {
            tokens: self.burst,
            updated: now,
        });
        let refill = now.duration_since(bucket.updated).as_secs_f64() * self.per_second;
        bucket.tokens = (bucket.tokens + refill).min(self.burst);
        bucket.updated = now;
        if use_bucket(bucket) {
            Ok(())
        } else {
            let wait = (needed - bucket.tokens) / self.per_second;
            Err(wait.ceil().max(1.0) as u64)
        }
    }
}

/// Open connections, in all and per client address.
pub struct Connections {
    max_total: usize,
    max_per_ip: usize,
    open: Mutex<(usize, HashMap<IpAddr, usize>)>,
}

/// One counted connection; dropping it (actix drops a connection's data when it closes) uncounts it.
pub struct ConnectionGuard {
    connections: Arc<Connections>,
    ip: IpAddr,
}

impl Connections {
    pub fn new(max_total: usize, max_per_ip: usize) -> Arc<Connections> {
        Arc::new(Connections {
            max_total: max_total.max(1),
            max_per_ip: max_per_ip.max(1),
            open: Mutex::new((0, HashMap::new())),
        })
    }

    /// Counts a new connection from `ip`, or `None` when it would pass a cap.
    pub fn open(self: &Arc<Connections>, ip: IpAddr) -> Option<ConnectionGuard> {
        let mut open = lock(&self.open);
        let from_ip = open.1.get(&ip).copied().unwrap_or(0);
        if open.0 >= self.max_total || from_ip >= self.max_per_ip {
            return None;
        }
        open.0 += 1;
        open.1.insert(ip, from_ip + 1);
        Some(ConnectionGuard {
            connections: self.clone(),
            ip,
        })
    }

    /// Open connections in all.
    pub fn total(&self) -> usize {
        lock(&self.open).0
    }
}

impl Drop for ConnectionGuard {
    fn drop(&mut self) {
        let mut open = lock(&self.connections.open);
        open.0 = open.0.saturating_sub(1);
        if let Some(count) = open.1.get_mut(&self.ip) {
            *count -= 1;
            if *count == 0 {
                open.1.remove(&self.ip);
            }
        }
    }
}

/// What an over-cap connection is told before it is closed.
pub const SHED_RESPONSE: &[u8] = b"HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\nContent-Type: application/json\r\nContent-Length: 93\r\nConnection: close\r\n\r\n{\"error\":{\"code\":\"overloaded\",\"message\":\"too many connections; retry shortly\",\"details\":{}}}\n";

#[cfg(test)]
mod tests {
    use std::net::IpAddr;

    use actix_web::http::header::HeaderValue;

    use crate::throttle::forwarded_client;

    fn client(peer: &str, trusted: &[&str], headers: &[&str]) -> String {
        let trusted: Vec<IpAddr> = trusted.iter().map(|ip| ip.parse().unwrap()).collect();
        let headers: Vec<HeaderValue> = headers
            .iter()
            .map(|value| HeaderValue::from_str(value).unwrap())
            .collect();
        forwarded_client(peer.parse().unwrap(), &trusted, headers.iter()).to_string()
    }

    #[test]
    fn the_client_is_the_last_address_a_trusted_proxy_did_not_add() {
        // No trusted proxy, or a peer that is not one: the peer, whatever the header says.
        assert_eq!(client("10.0.0.5", &[], &["203.0.113.7"]), "10.0.0.5");
        assert_eq!(
            client("10.0.0.5", &["10.0.0.1"], &["203.0.113.7"]),
            "10.0.0.5"
        );
        // From the proxy: the address it added.
        assert_eq!(
            client("10.0.0.1", &["10.0.0.1"], &["203.0.113.7"]),
            "203.0.113.7"
        );
        // A client's own X-Forwarded-For comes first: the proxy's addition is the last.
        assert_eq!(
            client("10.0.0.1", &["10.0.0.1"], &["1.2.3.4, 203.0.113.7"]),
            "203.0.113.7"
        );
        assert_eq!(
            client("10.0.0.1", &["10.0.0.1"], &["1.2.3.4", "203.0.113.7"]),
            "203.0.113.7"
        );
        // Two trusted proxies in a row.
        assert_eq!(
            client(
                "10.0.0.1",
                &["10.0.0.1", "10.0.0.2"],
                &["203.0.113.7, 10.0.0.2"]
            ),
            "203.0.113.7"
        );
        // Nothing usable: the proxy itself.
        assert_eq!(client("10.0.0.1", &["10.0.0.1"], &[]), "10.0.0.1");
        assert_eq!(client("10.0.0.1", &["10.0.0.1"], &["unknown"]), "10.0.0.1");
    }
}
