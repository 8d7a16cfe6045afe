//! Prometheus metrics kept in memory: requests by route and status, a latency histogram by route, and
//! the catalog's size and version (read at scrape time).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;
use std::time::Duration;

/// Upper bounds of the latency buckets, in seconds.
const BUCKETS: [f64; 12] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0,
];

/// The methods the metrics name; any other is counted as `other`.
const METHODS: [&str; 7] = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];

/// The label of a request's method: itself if it is one of `METHODS`, else `other`.
fn method_label(method: &str) -> &'static str {
    METHODS
        .into_iter()
        .find(|known| *known == method)
        .unwrap_or("other")
}

#[derive(Default)]
pub struct Metrics {
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    /// (method, route, status) → count.
    requests: BTreeMap<(String, String, u16), u64>,
    /// route → (bucket counts, sum of seconds, count).
    latency: BTreeMap<String, ([u64; BUCKETS.len()], f64, u64)>,
}

impl Metrics {
    /// Counts one request. The method is a label of a closed list (`method_label`), as the route
    /// is (`unmatched` for a path no route has): HTTP lets a client send any token as a method, and
    /// each new one kept as written was a counter kept for ever.
    pub fn record(&self, method: &str, route: &str, status: u16, elapsed: Duration) {
        let mut inner = self
            .inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        *inner
            .requests
            .entry((method_label(method).to_string(), route.to_string(), status))
            .or_default() += 1;
        let seconds = elapsed.as_secs_f64();
        let entry = inner.latency.entry(route.to_string()).or_default();
        for (bucket, bound) in entry.0.iter_mut().zip(BUCKETS) {
            if seconds <= bound {
                *bucket += 1;
            }
        }
        entry.1 += seconds;
        entry.2 += 1;
    }

    /// The Prometheus text exposition.
    pub fn render(&self, catalog_size: usize, catalog_version: &str) -> String {
        let inner = self
            .inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let mut out = String::new();
        out.push_str("# HELP duijie_http_requests_total HTTP requests by route and status.\n");
        out.push_str("# TYPE duijie_http_requests_total counter\n");
        for ((method, route, status), count) in &inner.requests {
            let _ = writeln!(
                out,
                "duijie_http_requests_total{{method=\"{method}\",route=\"{}\",status=\"{status}\"}} {count}",
                escape(route)
            );
        }
        out.push_str("# HELP duijie_http_request_duration_seconds Request latency by route.\n");
        out.push_str("# TYPE duijie_http_request_duration_seconds histogram\n");
        for (route, (buckets, sum, count)) in &inner.latency {
            let route = escape(route);
            for (bucket, bound) in buckets.iter().zip(BUCKETS) {
                let _ = writeln!(
                    out,
                    "duijie_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"{bound}\"}} {bucket}"
                );
            }
            let _ = writeln!(
                out,
                "duijie_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"+Inf\"}} {count}"
            );
            let _ = writeln!(
                out,
                "duijie_http_request_duration_seconds_sum{{route=\"{route}\"}} {sum}"
            );
            let _ = writeln!(
                out,
                "duijie_http_request_duration_seconds_count{{route=\"{route}\"}} {count}"
            );
        }
        out.push_str("# HELP duijie_catalog_resources Resources in the current catalog.\n");
        out.push_str("# TYPE duijie_catalog_resources gauge\n");
        let _ = writeln!(out, "duijie_catalog_resources {catalog_size}");
        out.push_str("# HELP duijie_catalog_info The current catalog version.\n");
        out.push_str("# TYPE duijie_catalog_info gauge\n");
        let _ = writeln!(
            out,
            "duijie_catalog_info{{version=\"{}\"}} 1",
            escape(catalog_version)
        );
        out
    }
}

fn escape(label: &str) -> String {
    label
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}
