//! Precise push over HTTP: subscriptions and the auth of every route, the pushed set against a
//! brute-force forward match on random catalogs, needs and changes, nothing for an unchanged
//! re-import, one push per content version, webhooks at a real receiver (signature, retries under
//! one delivery id, pause after 3 days), the Atom feed, the unsubscribe link, e-mail digests at a
//! real SMTP server, and kill -9 during an import with subscriptions.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use duijie_server::auth::{create_token, Scope};
use proptest::prelude::*;
use serde_json::{json, Value};

use crate::support::{jsonl, resource, Reply, Server};

/// One request a receiver got.
#[derive(Clone, Debug)]
pub struct Received {
    pub headers: BTreeMap<String, String>,
    pub body: Vec<u8>,
}

/// A webhook receiver on a free local port: records every request and answers each with the next
/// status of its queue (200 once the queue is empty).
pub struct Receiver {
    pub url: String,
    pub requests: Arc<Mutex<Vec<Received>>>,
    pub statuses: Arc<Mutex<VecDeque<u16>>>,
}

impl Receiver {
    pub fn start() -> Receiver {
        Receiver::serve(None)
    }

    /// A receiver at an `https://` URL, with `certificate` (for 127.0.0.1) and its `key` (PEM).
    pub fn start_tls(certificate: &std::path::Path, key: &std::path::Path) -> Receiver {
        use rustls::pki_types::pem::PemObject;
        let chain = rustls::pki_types::CertificateDer::pem_file_iter(certificate)
            .unwrap()
            .collect::<Result<Vec<_>, _>>()
            .unwrap();
        let key = rustls::pki_types::PrivateKeyDer::from_pem_file(key).unwrap();
        #[allow(deprecated)]
        let provider = rustls::crypto::ring::default_provider();
        let config = rustls::ServerConfig::builder_with_provider(Arc::new(provider))
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(chain, key)
            .unwrap();
        Receiver::serve(Some(Arc::new(config)))
    }

    fn serve(tls: Option<Arc<rustls::ServerConfig>>) -> Receiver {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let scheme = if tls.is_some() { "https" } else { "http" };
        let url = format!("{scheme}://{}/hook", listener.local_addr().unwrap());
        let requests: Arc<Mutex<Vec<Received>>> = Arc::default();
        let statuses: Arc<Mutex<VecDeque<u16>>> = Arc::default();
        let (got, answers) = (requests.clone(), statuses.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let (got, answers) = (got.clone(), answers.clone());
                let tls = tls.clone();
                std::thread::spawn(move || match tls {
                    Some(config) => {
                        let Ok(connection) = rustls::ServerConnection::new(config) else {
                            return;
                        };
                        answer(rustls::StreamOwned::new(connection, stream), &got, &answers);
                    }
                    None => answer(stream, &got, &answers),
                });
            }
        });
        Receiver {
            url,
            requests,
            statuses,
        }
    }

    pub fn bodies(&self) -> Vec<Value> {
        self.requests
            .lock()
            .unwrap()
            .iter()
            .map(|request| serde_json::from_slice(&request.body).unwrap())
            .collect()
    }

    /// Waits until it has `n` requests (or 20 s), and returns them.
    pub fn wait_for(&self, n: usize) -> Vec<Received> {
        let started = Instant::now();
        while self.requests.lock().unwrap().len() < n && started.elapsed() < Duration::from_secs(20)
        {
            std::thread::sleep(Duration::from_millis(20));
        }
        self.requests.lock().unwrap().clone()
    }
}

/// Reads the requests of one connection, records each and answers it with the next status queued
/// (200 once the queue is empty), until the client closes it.
fn answer(stream: impl Read + Write, got: &Mutex<Vec<Received>>, answers: &Mutex<VecDeque<u16>>) {
    let mut reader = BufReader::new(stream);
    loop {
        let mut headers = BTreeMap::new();
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        loop {
            line.clear();
            if reader.read_line(&mut line).unwrap_or(0) == 0 {
                return;
            }
            let trimmed = line.trim_end();
            if trimmed.is_empty() {
                break;
            }
            if let Some((name, value)) = trimmed.split_once(':') {
                headers.insert(name.to_ascii_lowercase(), value.trim().to_string());
            }
        }
        let length: usize = headers
            .get("content-length")
            .and_then(|length| length.parse().ok())
            .unwrap_or(0);
        let mut body = vec![0; length];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        got.lock().unwrap().push(Received { headers, body });
        let status = answers.lock().unwrap().pop_front().unwrap_or(200);
        let reply = format!("HTTP/1.1 {status} X\r\nContent-Length: 0\r\n\r\n");
        let writer = reader.get_mut();
        if writer.write_all(reply.as_bytes()).is_err() || writer.flush().is_err() {
            return;
        }
    }
}

/// HMAC-SHA256 written out here from RFC 2104, independent of the server's.
fn hmac(key: &[u8], message: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    let mut block = [0u8; 64];
    if key.len() > 64 {
        block[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let ipad: Vec<u8> = block.iter().map(|b| b ^ 0x36).collect();
    let opad: Vec<u8> = block.iter().map(|b| b ^ 0x5c).collect();
    let inner = Sha256::digest([ipad.as_slice(), message].concat());
    let outer = Sha256::digest([opad.as_slice(), inner.as_slice()].concat());
    outer.iter().map(|b| format!("{b:02x}")).collect()
}

/// Whether `header` (`t=…,v1=…`) signs `body` with `secret`.
fn verifies(header: &str, secret: &str, body: &[u8]) -> bool {
    let mut t = None;
    let mut v1 = None;
    for part in header.split(',') {
        match part.split_once('=') {
            Some(("t", value)) => t = Some(value),
            Some(("v1", value)) => v1 = Some(value),
            _ => {}
        }
    }
    let (Some(t), Some(v1)) = (t, v1) else {
        return false;
    };
    let message = [format!("{t}.").as_bytes(), body].concat();
    hmac(secret.as_bytes(), &message) == v1
}

fn need_row(id: &str, organization: &str, text: &str) -> Value {
    json!({
        "id": id,
        "title": format!("{text}需求"),
        "text": format!("我公司需要{text}方面的技术支持。"),
        "organization": organization,
        "visibility": "public",
    })
}

fn import_needs(server: &Server, token: &str, needs: &[Value]) {
    let reply = server.request(
        "POST",
        "/api/v1/needs/import",
        Some(token),
        &[],
        Some(("application/x-ndjson", jsonl(needs))),
    );
    assert_eq!(reply.status, 200, "{}", reply.text());
}

fn import(server: &Server, token: &str, query: &str, resources: &[Value]) -> Reply {
    let reply = server.import(query, token, "application/x-ndjson", &jsonl(resources));
    assert_eq!(reply.status, 200, "{}", reply.text());
    reply
}

fn subscribe(server: &Server, token: &str, body: Value) -> Value {
    let reply = server.send("POST", "/api/v1/subscriptions", Some(token), Some(&body));
    assert_eq!(reply.status, 201, "{}", reply.text());
    reply.json()
}

/// Derives and delivers what is due, in this thread.
fn settle(server: &Server) {
    server.state.push.run_now().unwrap();
}

/// The feed's entries as (resource id, catalog version).
fn feed_entries(server: &Server, feed_url: &str) -> Vec<(String, String)> {
    let path = &feed_url[feed_url.find("/feeds/").unwrap()..];
    let reply = server.get(path);
    assert_eq!(reply.status, 200, "{}", reply.text());
    let text = reply.text();
    text.match_indices("<id>urn:duijie:item:")
        .map(|(at, tag)| {
            let rest = &text[at + tag.len()..];
            let id = &rest[..rest.find("</id>").unwrap()];
            let mut parts = id.split(':');
            let _subscription = parts.next().unwrap();
            (
                parts.next().unwrap().to_string(),
                parts.next().unwrap().to_string(),
            )
        })
        .collect()
}

/// The receivers of these tests listen on loopback, which a service refuses to call unless told.
const RECEIVER_FLAGS: &[&str] = &["--no-demo", "--webhook-private-hosts"];

fn topic(i: usize) -> &'static str {
    ["锂电池储能", "污水处理", "智能制造", "作物育种"][i % 4]
}

#[test]
fn webhooks_go_only_to_public_hosts_unless_allowed() {
    // A subscription's URL is chosen by an enterprise or broker token; by default the service must
    // not be made to call hosts inside its own network (loopback, private, link-local, metadata).
    let server = Server::start("push-hosts");
    let editor = server.token("editor");
    import_needs(&server, &editor, &[need_row("n-1", "甲公司", "锂电池储能")]);
    let receiver = Receiver::start();
    for url in [
        receiver.url.as_str(),
        "http://localhost:8080/admin",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/x",
        "http://10.0.0.7/hook",
        "https://127.0.0.1:8443/hook",
    ] {
        let body = json!({"need_id": "n-1", "channel": "webhook", "url": url});
        let refused = server.send("POST", "/api/v1/subscriptions", Some(&editor), Some(&body));
        assert_eq!(refused.status, 422, "{url}: {}", refused.text());
        assert_eq!(
            refused.json()["error"]["details"]["errors"][0]["field"],
            "url",
            "{url}"
        );
    }
    // A PATCH cannot move a subscription there either.
    let body = json!({"need_id": "n-1", "channel": "webhook", "url": "http://hooks.example.com/x"});
    let created = subscribe(&server, &editor, body);
    let path = format!(
        "/api/v1/subscriptions/{}",
        created["subscription"]["id"].as_str().unwrap()
    );
    let moved = server.send(
        "PATCH",
        &path,
        Some(&editor),
        Some(&json!({"url": receiver.url})),
    );
    assert_eq!(moved.status, 422, "{}", moved.text());
    // With --webhook-private-hosts the receiver on loopback is accepted.
    let open = Server::start_flags("push-hosts-open", RECEIVER_FLAGS);
    let editor = open.token("editor");
    import_needs(&open, &editor, &[need_row("n-1", "甲公司", "锂电池储能")]);
    subscribe(
        &open,
        &editor,
        json!({"need_id": "n-1", "channel": "webhook", "url": receiver.url}),
    );
}

#[test]
fn every_route_asks_the_right_token() {
    let server = Server::start_flags("push-auth", RECEIVER_FLAGS);
    let editor = server.token("editor");
    let broker = server.token("broker");
    let own = create_token(&server.state.store, Scope::Enterprise, Some("甲公司")).unwrap();
    let other = create_token(&server.state.store, Scope::Enterprise, Some("乙公司")).unwrap();
    import_needs(&server, &editor, &[need_row("n-1", "甲公司", "锂电池储能")]);
    let body = json!({"need_id": "n-1", "channel": "feed"});
    // None: 401; another enterprise: 403; its own enterprise, a broker, an editor: 201.
    assert_eq!(
        server
            .send("POST", "/api/v1/subscriptions", None, Some(&body))
            .status,
        401
    );
    let refused = server.send("POST", "/api/v1/subscriptions", Some(&other), Some(&body));
    assert_eq!(refused.status, 403, "{}", refused.text());
    let created = subscribe(&server, &own, body.clone());
    subscribe(&server, &broker, body.clone());
    subscribe(&server, &editor, body.clone());
    let id = created["subscription"]["id"].as_str().unwrap().to_string();
    // The default threshold is the strong band's lowest fit.
    assert_eq!(
        created["subscription"]["min_fit"],
        duijie_core::Band::Strong.min_fit()
    );
    assert_eq!(created["subscription"]["top"], 10);
    let path = format!("/api/v1/subscriptions/{id}");
    for (method, body) in [
        ("GET", None),
        ("PATCH", Some(json!({"paused": true}))),
        ("DELETE", None),
    ] {
        let none = server.send(method, &path, None, body.as_ref());
        assert_eq!(none.status, 401, "{method} without a token");
        let wrong = server.send(method, &path, Some(&other), body.as_ref());
        assert_eq!(wrong.status, 403, "{method} by another enterprise");
        let missing = server.send(
            method,
            "/api/v1/subscriptions/sub-none",
            Some(&editor),
            body.as_ref(),
        );
        assert_eq!(missing.status, 404, "{method} of no subscription");
    }
    assert_eq!(server.get("/api/v1/subscriptions").status, 401);
    // Lists: an enterprise sees its own; another sees none; an editor all three. A broker, who
    // made one from the widget, reads none of them (403): their addresses are the enterprises'.
    let list = |token: &str| {
        server
            .send("GET", "/api/v1/subscriptions", Some(token), None)
            .json()["items"]
            .as_array()
            .unwrap()
            .len()
    };
    assert_eq!(list(&own), 3);
    assert_eq!(list(&other), 0);
    assert_eq!(list(&editor), 3);
    assert_eq!(
        server
            .send("GET", "/api/v1/subscriptions", Some(&broker), None)
            .status,
        403
    );
    for (method, body) in [
        ("GET", None),
        (
            "PATCH",
            Some(json!({"url": "https://attacker.example.net/grab"})),
        ),
        ("DELETE", None),
    ] {
        let reply = server.send(method, &path, Some(&broker), body.as_ref());
        assert_eq!(reply.status, 403, "{method} by a broker");
    }
    // The need given to 乙公司 (an editor may): its subscriptions go with it, and 甲公司 no longer
    // manages them. And back.
    import_needs(&server, &editor, &[need_row("n-1", "乙公司", "锂电池储能")]);
    assert_eq!(list(&own), 0);
    assert_eq!(list(&other), 3);
    assert_eq!(server.send("GET", &path, Some(&own), None).status, 403);
    assert_eq!(server.send("GET", &path, Some(&other), None).status, 200);
    import_needs(&server, &editor, &[need_row("n-1", "甲公司", "锂电池储能")]);
    let paused = server.send(
        "PATCH",
        &path,
        Some(&own),
        Some(&json!({"paused": true, "top": 5})),
    );
    assert_eq!(paused.status, 200, "{}", paused.text());
    assert_eq!(paused.json()["paused"], true);
    assert_eq!(paused.json()["top"], 5);
    let bad = server.send(
        "PATCH",
        &path,
        Some(&own),
        Some(&json!({"top": 0, "channel": "email"})),
    );
    assert_eq!(bad.status, 422, "{}", bad.text());
    let answer = bad.json();
    let fields: BTreeSet<&str> = answer["error"]["details"]["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|error| error["field"].as_str().unwrap())
        .collect::<Vec<_>>()
        .into_iter()
        .collect();
    assert_eq!(fields, BTreeSet::from(["top", "channel"]));
    // The channel's address is required, and the need must exist.
    let no_url = server.send(
        "POST",
        "/api/v1/subscriptions",
        Some(&editor),
        Some(&json!({"need_id": "n-1", "channel": "webhook"})),
    );
    assert_eq!(no_url.status, 422);
    let no_need = server.send(
        "POST",
        "/api/v1/subscriptions",
        Some(&editor),
        Some(&json!({"need_id": "n-none", "channel": "feed"})),
    );
    assert_eq!(no_need.status, 404);
    assert_eq!(server.send("DELETE", &path, Some(&own), None).status, 200);
    assert_eq!(server.send("GET", &path, Some(&own), None).status, 404);
    // The secret links need no token, and an unknown one is 404.
    assert_eq!(server.get("/unsubscribe/nothing").status, 404);
    assert_eq!(server.get("/feeds/nothing.atom").status, 404);
}

#[test]
fn a_webhook_gets_each_fitting_new_resource_once_signed() {
    let server = Server::start_flags("push-webhook", RECEIVER_FLAGS);
    let editor = server.token("editor");
    let receiver = Receiver::start();
    import(
        &server,
        &editor,
        "",
        &(0..8)
            .map(|i| {
                resource(
                    &format!("r-{i}"),
                    "achievement",
                    &format!("{}技术{i}", topic(i)),
                )
            })
            .collect::<Vec<_>>(),
    );
    import_needs(&server, &editor, &[need_row("n-1", "甲公司", "锂电池储能")]);
    let created = subscribe(
        &server,
        &editor,
        json!({"need_id": "n-1", "channel": "webhook", "url": receiver.url, "min_fit": 0.0}),
    );
    let secret = created["secret"].as_str().unwrap().to_string();
    let subscription = created["subscription"].clone();
    // Nothing changed yet: nothing is pushed.
    settle(&server);
    assert!(receiver.requests.lock().unwrap().is_empty());

    let new = vec![
        resource("r-new-1", "patent", "锂电池储能热管理技术"),
        resource("r-new-2", "achievement", "污水处理膜技术"),
    ];
    let reply = import(&server, &editor, "", &new);
    let version = reply.json()["catalog_version"]
        .as_str()
        .unwrap()
        .to_string();
    settle(&server);
    let got = receiver.wait_for(1);
    assert_eq!(got.len(), 1);
    let body: Value = serde_json::from_slice(&got[0].body).unwrap();
    assert_eq!(body["subscription_id"], subscription["id"]);
    assert_eq!(body["need_id"], "n-1");
    assert_eq!(body["catalog_version"], version.as_str());
    assert!(body["unsubscribe_url"]
        .as_str()
        .unwrap()
        .contains("/unsubscribe/"));
    let header = &got[0].headers["duijie-signature"];
    assert!(verifies(header, &secret, &got[0].body), "{header}");
    assert!(!verifies(header, "whsec_wrong", &got[0].body));
    let mut tampered = got[0].body.clone();
    tampered[10] ^= 1;
    assert!(!verifies(header, &secret, &tampered));

    // Exactly what the forward match shows among the changed resources.
    let matches = server.get("/api/v1/needs/n-1/matches?limit=10").json();
    let expected: BTreeSet<String> = matches["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|result| result["id"].as_str().unwrap().to_string())
        .filter(|id| id.starts_with("r-new"))
        .collect();
    let pushed: BTreeSet<String> = body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["resource"]["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(pushed, expected);
    assert!(pushed.contains("r-new-1"));
    let item = &body["items"][0];
    assert_eq!(item["change"], "new");
    assert!(item["fit"].as_f64().unwrap() > 0.0);
    assert!(!item["reasons"].as_array().unwrap().is_empty());
    assert!(item["components"].as_array().is_some());
    assert!(
        item["resource"].get("contact").is_none(),
        "public fields only"
    );

    // The same import again changes nothing: no push.
    import(&server, &editor, "", &new);
    settle(&server);
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(receiver.requests.lock().unwrap().len(), 1);

    // Edited twice: pushed twice, as `updated`; an edit of `updated_at` only: nothing.
    let mut edited = new[0].clone();
    edited["summary"] = json!("锂电池储能热管理技术：第二版。");
    import(&server, &editor, "", std::slice::from_ref(&edited));
    settle(&server);
    edited["summary"] = json!("锂电池储能热管理技术：第三版。");
    import(&server, &editor, "", std::slice::from_ref(&edited));
    settle(&server);
    edited["updated_at"] = json!("2026-01-02T03:04:05Z");
    import(&server, &editor, "", std::slice::from_ref(&edited));
    settle(&server);
    let got = receiver.wait_for(3);
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(receiver.requests.lock().unwrap().len(), 3);
    for request in &got[1..] {
        let body: Value = serde_json::from_slice(&request.body).unwrap();
        assert_eq!(body["items"].as_array().unwrap().len(), 1, "{body}");
        assert_eq!(body["items"][0]["change"], "updated");
        assert_eq!(body["items"][0]["resource"]["id"], "r-new-1");
    }
    let ids: BTreeSet<String> = receiver
        .bodies()
        .iter()
        .map(|body| body["delivery_id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(ids.len(), 3, "each delivery has its own id");
    let metrics = server.get("/metrics").text();
    assert!(
        metrics
            .contains("duijie_push_deliveries_total{channel=\"webhook\",outcome=\"delivered\"} 3"),
        "{metrics}"
    );
    assert!(metrics.contains("duijie_push_queue_depth 0"), "{metrics}");
}

#[test]
fn retries_keep_one_delivery_id_and_three_days_of_failures_pause() {
    let server = Server::start_flags("push-retry", RECEIVER_FLAGS);
    let editor = server.token("editor");
    let receiver = Receiver::start();
    import_needs(&server, &editor, &[need_row("n-1", "甲公司", "锂电池储能")]);
    let created = subscribe(
        &server,
        &editor,
        json!({"need_id": "n-1", "channel": "webhook", "url": receiver.url, "min_fit": 0.0}),
    );
    let id = created["subscription"]["id"].as_str().unwrap().to_string();
    receiver.statuses.lock().unwrap().extend([500, 503]);
    import(
        &server,
        &editor,
        "",
        &[resource("r-1", "patent", "锂电池储能技术")],
    );
    settle(&server);
    receiver.wait_for(1);
    // Backoff: nothing before the clock moves; then the same delivery again.
    let clock = server.state.push.clock().clone();
    for _ in 0..2 {
        clock.advance(3_600);
        settle(&server);
    }
    let got = receiver.wait_for(3);
    assert_eq!(got.len(), 3);
    let ids: BTreeSet<String> = receiver
        .bodies()
        .iter()
        .map(|body| body["delivery_id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(ids.len(), 1, "one delivery id for every attempt");
    for request in &got {
        assert!(verifies(
            &request.headers["duijie-signature"],
            created["secret"].as_str().unwrap(),
            &request.body
        ));
    }
    // Delivered at the third attempt: nothing more, however long we wait.
    clock.advance(86_400);
    settle(&server);
    assert_eq!(receiver.requests.lock().unwrap().len(), 3);
    // The dashboard's figures: one delivery through, two failed attempts, nobody failing now.
    let stats = push_stats(&server, &editor);
    assert_eq!(attempt_totals(&stats), (1, 2), "{stats}");
    assert_eq!(stats["failing"], json!([]), "{stats}");
    assert_eq!(stats["paused"], json!([]), "{stats}");

    // A receiver that always fails: retried for 3 days, then the subscription is paused with why.
    receiver
        .statuses
        .lock()
        .unwrap()
        .extend(std::iter::repeat_n(500, 1000));
    import(
        &server,
        &editor,
        "",
        &[resource("r-2", "patent", "锂电池储能系统")],
    );
    settle(&server);
    let mut attempts_by_day = Vec::new();
    for hour in 1..=80 {
        clock.advance(3_600);
        settle(&server);
        if hour % 24 == 0 {
            attempts_by_day.push(receiver.requests.lock().unwrap().len());
        }
        if hour == 24 {
            let stats = push_stats(&server, &editor);
            assert_eq!(stats["failing"][0]["id"], id, "{stats}");
            assert_eq!(stats["failing"][0]["last_error"], "HTTP 500", "{stats}");
            assert_eq!(stats["paused"], json!([]), "{stats}");
        }
    }
    let reply = server.send(
        "GET",
        &format!("/api/v1/subscriptions/{id}"),
        Some(&editor),
        None,
    );
    let subscription = reply.json();
    assert_eq!(subscription["paused"], true, "{subscription}");
    assert!(
        subscription["paused_reason"]
            .as_str()
            .unwrap()
            .contains("3 days"),
        "{subscription}"
    );
    assert_eq!(subscription["last_error"], "HTTP 500");
    // Retried all along the first day and after it.
    assert!(
        attempts_by_day[0] > 4 && attempts_by_day[1] > attempts_by_day[0],
        "{attempts_by_day:?}"
    );
    let paused_at = receiver.requests.lock().unwrap().len();
    // The dashboard shows it paused with why, and every attempt by the day it was made.
    let stats = push_stats(&server, &editor);
    assert_eq!(attempt_totals(&stats), (1, paused_at as i64 - 1), "{stats}");
    assert_eq!(stats["paused"][0]["id"], id, "{stats}");
    assert!(
        stats["paused"][0]["paused_reason"]
            .as_str()
            .unwrap()
            .contains("3 days"),
        "{stats}"
    );
    assert_eq!(stats["failing"], json!([]), "{stats}");
    assert_eq!(stats["counts"]["paused"], 1, "{stats}");
    let today = duijie_core::time::format_utc(clock.now());
    let days = stats["days"].as_array().unwrap();
    assert_eq!(days.len(), 14, "{stats}");
    assert_eq!(days[13]["day"].as_str().unwrap(), &today[..10], "{stats}");
    let busy = days
        .iter()
        .filter(|day| day["failed"].as_i64().unwrap() > 0)
        .count();
    assert!(busy >= 3, "failures over at least 3 days: {stats}");
    clock.advance(86_400);
    settle(&server);
    assert_eq!(
        receiver.requests.lock().unwrap().len(),
        paused_at,
        "a paused subscription is not tried"
    );
    // Resumed: the waiting delivery goes through.
    receiver.statuses.lock().unwrap().clear();
    let resumed = server.send(
        "PATCH",
        &format!("/api/v1/subscriptions/{id}"),
        Some(&editor),
        Some(&json!({"paused": false})),
    );
    assert_eq!(resumed.json()["paused_reason"], Value::Null);
    clock.advance(3_600);
    settle(&server);
    assert_eq!(receiver.wait_for(paused_at + 1).len(), paused_at + 1);
    let stats = push_stats(&server, &editor);
    assert_eq!(attempt_totals(&stats), (2, paused_at as i64 - 1), "{stats}");
    assert_eq!(stats["paused"], json!([]), "{stats}");
    // Only an editor or admin reads them.
    let broker = server.token("broker");
    let reply = server.send("GET", "/api/v1/push/stats", Some(&broker), None);
    assert_eq!(reply.status, 403, "{}", reply.text());
}

/// `GET /api/v1/push/stats` as an editor.
fn push_stats(server: &Server, editor: &str) -> Value {
    let reply = server.send("GET", "/api/v1/push/stats", Some(editor), None);
    assert_eq!(reply.status, 200, "{}", reply.text());
    reply.json()
}

/// The delivered and failed attempts of the 14 days the figures count.
fn attempt_totals(stats: &Value) -> (i64, i64) {
    stats["days"]
        .as_array()
        .unwrap()
        .iter()
        .fold((0, 0), |(delivered, failed), day| {
            (
                delivered + day["delivered"].as_i64().unwrap(),
                failed + day["failed"].as_i64().unwrap(),
            )
        })
}

#[test]
fn the_feed_is_atom_and_the_unsubscribe_link_works() {
    let server = Server::start_flags("push-feed", RECEIVER_FLAGS);
    let editor = server.token("editor");
    import_needs(&server, &editor, &[need_row("n-1", "甲公司", "锂电池储能")]);
    let created = subscribe(
        &server,
        &editor,
        json!({"need_id": "n-1", "channel": "feed", "min_fit": 0.0}),
    );
    let view = &created["subscription"];
    import(
        &server,
        &editor,
        "",
        &[
            resource("r-1", "patent", "锂电池储能<技术>&"),
            resource("r-2", "expert", "污水处理"),
        ],
    );
    settle(&server);
    let feed_url = view["feed_url"].as_str().unwrap();
    let path = &feed_url[feed_url.find("/feeds/").unwrap()..];
    let reply = server.get(path);
    assert_eq!(reply.status, 200);
    assert!(reply
        .header("content-type")
        .unwrap()
        .starts_with("application/atom+xml"));
    let text = reply.text();
    // Well-formed, and what Atom 1.0 requires of a feed and its entries.
    let mut reader = quick_xml::Reader::from_str(&text);
    let mut open: Vec<String> = Vec::new();
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    loop {
        match reader.read_event().expect("well-formed XML") {
            quick_xml::events::Event::Start(tag) => {
                let name = String::from_utf8_lossy(tag.name().as_ref().as_bytes()).into_owned();
                open.push(name);
                *seen.entry(open.join("/")).or_default() += 1;
            }
            quick_xml::events::Event::Empty(tag) => {
                let name = String::from_utf8_lossy(tag.name().as_ref().as_bytes()).into_owned();
                *seen
                    .entry(format!("{}/{name}", open.join("/")))
                    .or_default() += 1;
            }
            quick_xml::events::Event::End(_) => {
                open.pop();
            }
            quick_xml::events::Event::Eof => break,
            _ => {}
        }
    }
    assert!(text.contains("xmlns=\"http://www.w3.org/2005/Atom\""));
    for required in ["feed/id", "feed/title", "feed/updated", "feed/author"] {
        assert_eq!(seen.get(required), Some(&1), "{required} in {text}");
    }
    let entries = seen["feed/entry"];
    assert!(entries >= 1, "{text}");
    for required in [
        "feed/entry/id",
        "feed/entry/title",
        "feed/entry/updated",
        "feed/entry/link",
        "feed/entry/content",
    ] {
        assert_eq!(seen.get(required), Some(&entries), "{required} in {text}");
    }
    assert!(text.contains("锂电池储能&lt;技术&gt;&amp;"));
    // The unsubscribe link: a GET asks first, the POST (RFC 8058's one-click body) unsubscribes,
    // a second says so.
    let link = view["unsubscribe_url"].as_str().unwrap();
    let link = &link[link.find("/unsubscribe/").unwrap()..];
    let id = view["id"].as_str().unwrap();
    assert!(server.get(link).text().contains("确认退订"));
    let one_click = server.request(
        "POST",
        link,
        None,
        &[],
        Some((
            "application/x-www-form-urlencoded",
            b"List-Unsubscribe=One-Click".to_vec(),
        )),
    );
    assert_eq!(one_click.status, 200);
    assert!(one_click.text().contains("已退订"));
    assert_eq!(
        server
            .send(
                "GET",
                &format!("/api/v1/subscriptions/{id}"),
                Some(&editor),
                None
            )
            .status,
        404
    );
    assert_eq!(server.request("POST", link, None, &[], None).status, 404);
    assert_eq!(server.get(link).status, 404);
    assert_eq!(server.get(path).status, 404);
}

/// Mail scanners and link previews fetch every link of a message by GET (or HEAD): the unsubscribe
/// link then shows a page asking to confirm (the need's title escaped), with a form that POSTs to
/// it, and deletes nothing; the form's POST does.
#[test]
fn the_unsubscribe_link_asks_first_and_a_get_deletes_nothing() {
    let server = Server::start_flags("push-unsubscribe-get", RECEIVER_FLAGS);
    let editor = server.token("editor");
    import_needs(
        &server,
        &editor,
        &[need_row("n-1", "甲公司", "锂电池 < 5V & \"储能\"")],
    );
    let created = subscribe(
        &server,
        &editor,
        json!({"need_id": "n-1", "channel": "feed"}),
    );
    let id = created["subscription"]["id"].as_str().unwrap();
    let link = created["subscription"]["unsubscribe_url"].as_str().unwrap();
    let link = &link[link.find("/unsubscribe/").unwrap()..];
    let exists = || {
        server
            .send(
                "GET",
                &format!("/api/v1/subscriptions/{id}"),
                Some(&editor),
                None,
            )
            .status
    };
    assert_eq!(server.request("HEAD", link, None, &[], None).status, 200);
    for _ in 0..3 {
        let page = server.get(link);
        assert_eq!(page.status, 200);
        assert!(page
            .header("content-type")
            .unwrap()
            .starts_with("text/html"));
        assert_eq!(page.header("cache-control"), Some("no-store"));
        let text = page.text();
        assert!(text.contains("确认退订"), "{text}");
        assert!(!text.contains("已退订"), "{text}");
        assert!(
            text.contains("锂电池 &lt; 5V &amp; &quot;储能&quot;需求"),
            "the title escaped: {text}"
        );
        assert!(
            text.contains(&format!("<form method=\"post\" action=\"{link}\">")),
            "{text}"
        );
        assert!(
            text.contains("name=\"List-Unsubscribe\" value=\"One-Click\""),
            "{text}"
        );
        assert_eq!(exists(), 200, "a GET unsubscribed");
    }
    // What the page's form sends.
    let confirmed = server.request(
        "POST",
        link,
        None,
        &[],
        Some((
            "application/x-www-form-urlencoded",
            b"List-Unsubscribe=One-Click".to_vec(),
        )),
    );
    assert_eq!(confirmed.status, 200);
    assert!(confirmed.text().contains("已退订"));
    assert_eq!(exists(), 404);
}

/// A small catalog drawn from a few topics, so needs and resources share words.
fn catalog_strategy() -> impl Strategy<Value = Vec<(usize, usize, usize)>> {
    prop::collection::vec((0usize..6, 0usize..4, 0usize..3), 3..14)
}

fn random_resource(i: usize, (topic_at, kind, extra): (usize, usize, usize)) -> Value {
    let topics = [
        "锂电池储能",
        "污水处理",
        "智能制造",
        "作物育种",
        "储能电站",
        "膜分离水处理",
    ];
    let kinds = ["achievement", "expert", "patent", "organization"];
    let extras = ["技术", "系统", "方法"];
    resource(
        &format!("r-{i:03}"),
        kinds[kind],
        &format!("{}{}{i}", topics[topic_at], extras[extra]),
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 6, .. ProptestConfig::default() })]

    /// After each random change, each subscription's pushed items are exactly the resources the
    /// change added or changed that the need's forward match (`GET /api/v1/needs/{id}/matches`,
    /// limit `top`) ranks with fit ≥ `min_fit`.
    #[test]
    fn the_pushed_set_is_the_forward_match_among_the_changed(
        base in catalog_strategy(),
        changes in prop::collection::vec(
            (prop::collection::vec((0usize..20, (0usize..6, 0usize..4, 0usize..3)), 1..6), any::<bool>()),
            1..3,
        ),
        settings in prop::collection::vec((0usize..4, 1usize..8, 0u32..45), 1..4),
    ) {
        let server = Server::start_flags("push-prop", RECEIVER_FLAGS);
        let editor = server.token("editor");
        let mut catalog: BTreeMap<String, Value> = base
            .iter()
            .enumerate()
            .map(|(i, spec)| {
                let resource = random_resource(i, *spec);
                (resource["id"].as_str().unwrap().to_string(), resource)
            })
            .collect();
        import(&server, &editor, "", &catalog.values().cloned().collect::<Vec<_>>());
        let needs: Vec<Value> = (0..4).map(|i| need_row(&format!("n-{i}"), "甲公司", topic(i))).collect();
        import_needs(&server, &editor, &needs);
        let subscriptions: Vec<(String, String, usize, f64)> = settings
            .iter()
            .map(|(need, top, fit)| {
                let min_fit = f64::from(*fit) / 100.0;
                let created = subscribe(&server, &editor, json!({
                    "need_id": format!("n-{need}"), "channel": "feed", "top": top, "min_fit": min_fit,
                }));
                (
                    format!("n-{need}"),
                    created["subscription"]["feed_url"].as_str().unwrap().to_string(),
                    *top,
                    min_fit,
                )
            })
            .collect();
        for (edits, replace) in changes {
            let mut changed: BTreeSet<String> = BTreeSet::new();
            let mut next = catalog.clone();
            for (slot, spec) in edits {
                let resource = random_resource(slot, spec);
                let id = resource["id"].as_str().unwrap().to_string();
                if catalog.get(&id) != Some(&resource) {
                    changed.insert(id.clone());
                }
                next.insert(id, resource);
            }
            let query = if replace { "?mode=replace&allow_shrink=true" } else { "" };
            let reply = import(&server, &editor, query, &next.values().cloned().collect::<Vec<_>>());
            let version = reply.json()["catalog_version"].as_str().unwrap().to_string();
            catalog = next;
            settle(&server);
            for (need, feed, top, min_fit) in &subscriptions {
                let matches = server.get(&format!("/api/v1/needs/{need}/matches?limit={top}")).json();
                let expected: BTreeSet<String> = matches["results"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .filter(|result| result["score"].as_f64().unwrap() >= *min_fit)
                    .map(|result| result["id"].as_str().unwrap().to_string())
                    .filter(|id| changed.contains(id))
                    .collect();
                let pushed: BTreeSet<String> = feed_entries(&server, feed)
                    .into_iter()
                    .filter(|(_, at)| *at == version)
                    .map(|(id, _)| id)
                    .collect();
                prop_assert_eq!(&pushed, &expected, "need {} top {} min_fit {}", need, top, min_fit);
            }
        }
    }
}

/// Runs Python's aiosmtpd as a real SMTP server writing each message to `dir`; `None` (with a
/// note) when Python or the package is missing, unless `DUIJIE_REQUIRE_ICALENDAR` is set (as CI
/// sets it, having installed both).
fn smtp_server(dir: &std::path::Path) -> Option<(std::process::Child, u16)> {
    smtp_server_with(dir, None)
}

/// The TLS certificate, its key and the one login a secure test relay accepts.
struct SecureRelay<'a> {
    certificate: &'a std::path::Path,
    key: &'a std::path::Path,
    user: &'a str,
    password: &'a str,
    /// TLS from the first byte (`smtps://`), not STARTTLS.
    implicit: bool,
}

/// As `smtp_server`; with `secure`, the relay requires STARTTLS before anything else (aiosmtpd's
/// `require_starttls`) and a login (`auth_required`, offered over TLS only), and each message's
/// file starts with a line saying whether it came over TLS and who logged in.
fn smtp_server_with(
    dir: &std::path::Path,
    secure: Option<&SecureRelay>,
) -> Option<(std::process::Child, u16)> {
    let required = std::env::var_os("DUIJIE_REQUIRE_ICALENDAR").is_some();
    let script = r#"
import asyncio, sys, os, itertools, ssl
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
out = sys.argv[1]
counter = itertools.count()
class Handler:
    async def handle_DATA(self, server, session, envelope):
        path = os.path.join(out, "m%03d.eml" % next(counter))
        secure = "TLS %s AUTH %s\n" % ("implicit" if implicit else session.ssl is not None, session.auth_data if session.authenticated else None)
        with open(path + ".tmp", "wb") as f:
            f.write(("RCPT " + ",".join(envelope.rcpt_tos) + "\n").encode()
                    + (secure.encode() if len(sys.argv) > 2 else b"") + envelope.original_content)
        os.rename(path + ".tmp", path)
        return "250 OK"
options = {}
implicit = len(sys.argv) > 6 and sys.argv[6] == "implicit"
if len(sys.argv) > 2:
    certificate, key, user, password = sys.argv[2:6]
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(certificate, key)
    def authenticator(server, session, envelope, mechanism, data):
        ok = data.login == user.encode() and data.password == password.encode()
        return AuthResult(success=ok, handled=False, auth_data=data.login.decode())
    if implicit:
        # TLS from the first byte (the controller's ssl_context): nothing in clear is answered.
        options = dict(ssl_context=context, auth_required=True, auth_require_tls=False,
                       authenticator=authenticator)
    else:
        options = dict(tls_context=context, require_starttls=True, auth_required=True,
                       auth_require_tls=True, authenticator=authenticator)
import socket
probe = socket.socket()
probe.bind(("127.0.0.1", 0))
port = probe.getsockname()[1]
probe.close()
controller = Controller(Handler(), hostname="127.0.0.1", port=port, **options)
controller.start()
print(port, flush=True)
sys.stdin.read()
"#;
    let mut command = std::process::Command::new("python3");
    command.args(["-c", script]).arg(dir);
    if let Some(secure) = secure {
        command
            .arg(secure.certificate)
            .arg(secure.key)
            .arg(secure.user)
            .arg(secure.password)
            .arg(if secure.implicit {
                "implicit"
            } else {
                "starttls"
            });
    }
    let child = command
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn();
    let Ok(mut child) = child else {
        assert!(!required, "python3 is not installed");
        eprintln!("python3 is not installed: the SMTP test is skipped");
        return None;
    };
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    match line.trim().parse::<u16>() {
        Ok(port) => Some((child, port)),
        Err(_) => {
            let mut stderr = String::new();
            child
                .stderr
                .take()
                .unwrap()
                .read_to_string(&mut stderr)
                .unwrap();
            let _ = child.wait();
            if stderr.contains("No module named 'aiosmtpd'") && !required {
                eprintln!("Python's aiosmtpd is not installed: the SMTP test is skipped");
                return None;
            }
            panic!("aiosmtpd did not start: {stderr}");
        }
    }
}

#[test]
fn an_email_digest_reaches_a_real_smtp_server_in_chinese() {
    let mail_dir = crate::support::temp_dir("push-mail");
    let Some((mut smtp, port)) = smtp_server(&mail_dir) else {
        return;
    };
    let data = crate::support::temp_dir("push-email");
    let relay = format!("smtp://127.0.0.1:{port}");
    let server = Server::start_with(
        &data,
        &["--no-demo", "--webhook-private-hosts", "--smtp", &relay],
    );
    let editor = server.token("editor");
    import_needs(&server, &editor, &[need_row("n-1", "甲公司", "锂电池储能")]);
    let created = subscribe(
        &server,
        &editor,
        json!({
            "need_id": "n-1", "channel": "email", "email": "zhao@example.cn", "min_fit": 0.0, "frequency": "daily",
        }),
    );
    import(
        &server,
        &editor,
        "",
        &[resource("r-1", "patent", "锂电池储能热管理技术")],
    );
    settle(&server);
    // Daily: nothing before the day is over.
    assert!(std::fs::read_dir(&mail_dir).unwrap().next().is_none());
    server.state.push.clock().advance(86_400);
    settle(&server);
    let started = Instant::now();
    let message = loop {
        let found: Vec<_> = std::fs::read_dir(&mail_dir)
            .unwrap()
            .filter_map(Result::ok)
            .filter(|entry| entry.path().extension().is_some_and(|ext| ext == "eml"))
            .collect();
        if let Some(entry) = found.first() {
            assert_eq!(found.len(), 1);
            break std::fs::read_to_string(entry.path()).unwrap();
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "no mail arrived"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    let _ = smtp.kill();
    let _ = smtp.wait();
    assert!(message.starts_with("RCPT zhao@example.cn"), "{message}");
    let (head, body) = message.split_once("\r\n\r\n").unwrap();
    assert!(head.contains("List-Unsubscribe: <"), "{head}");
    let text = String::from_utf8(decode_base64(&body.replace(['\r', '\n'], ""))).unwrap();
    assert!(text.contains("锂电池储能需求"), "{text}");
    assert!(text.contains("锂电池储能热管理技术"), "{text}");
    assert!(text.contains("匹配度"), "{text}");
    assert!(text.contains("理由"), "{text}");
    assert!(text.contains("/api/v1/resources/r-1"), "{text}");
    let unsubscribe = created["subscription"]["unsubscribe_url"].as_str().unwrap();
    assert!(text.contains(unsubscribe), "{text}");
    let _ = std::fs::remove_dir_all(&mail_dir);
    drop(server);
    let _ = std::fs::remove_dir_all(&data);
}

/// A service with `flags` and one stored need subscribed with `channel` (the channel's fields, at
/// `min_fit` 0), one fitting patent imported and pushed: the subscription as created, as it reads
/// after the push, and the service.
fn push_one(name: &str, flags: &[&str], channel: Value) -> (Value, Value, Server) {
    let server = Server::start_flags(name, flags);
    let editor = server.token("editor");
    import_needs(&server, &editor, &[need_row("n-1", "甲公司", "锂电池储能")]);
    let mut body = json!({"need_id": "n-1", "min_fit": 0.0});
    body.as_object_mut()
        .unwrap()
        .extend(channel.as_object().unwrap().clone());
    let created = subscribe(&server, &editor, body);
    import(
        &server,
        &editor,
        "",
        &[resource("r-1", "patent", "锂电池储能热管理技术")],
    );
    settle(&server);
    let id = created["subscription"]["id"].as_str().unwrap();
    let view = server
        .send(
            "GET",
            &format!("/api/v1/subscriptions/{id}"),
            Some(&editor),
            None,
        )
        .json();
    (created, view, server)
}

/// Waits up to 20 s for the messages in `dir`; all of them.
fn mails(dir: &std::path::Path, at_least: usize) -> Vec<String> {
    let started = Instant::now();
    loop {
        let mut found: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .filter_map(Result::ok)
            .map(|entry| entry.path())
            .filter(|path| path.extension().is_some_and(|ext| ext == "eml"))
            .collect();
        if found.len() >= at_least || started.elapsed() > Duration::from_secs(20) {
            found.sort();
            return found
                .iter()
                .map(|path| std::fs::read_to_string(path).unwrap())
                .collect();
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// `--smtp smtp://USER:PASSWORD@HOST:PORT` with `--smtp-ca`: the digest goes over STARTTLS (the
/// relay's certificate checked against the private CA) with a login, to a relay that refuses
/// anything before STARTTLS; a wrong password fails the delivery with a clear error that its
/// subscription shows, and no mail; without the CA the relay's certificate is refused.
#[test]
fn an_email_digest_goes_over_starttls_with_a_login_and_a_wrong_password_is_recorded() {
    let certificates = crate::support::temp_dir("push-tls-certs");
    let Some((ca, certificate, key)) = crate::support::certificates(&certificates) else {
        return;
    };
    let mail_dir = crate::support::temp_dir("push-tls-mail");
    // A password with the characters a URL's user info must percent-encode.
    let password = "s3cret:@/%x";
    let secure = SecureRelay {
        certificate: &certificate,
        key: &key,
        user: "broker@example.cn",
        password,
        implicit: false,
    };
    let Some((mut smtp, port)) = smtp_server_with(&mail_dir, Some(&secure)) else {
        return;
    };
    let ca_flag = ca.to_str().unwrap();
    let deliver = |name: &str, password: &str| {
        let relay = format!("smtp://broker%40example.cn:{password}@127.0.0.1:{port}");
        let flags = [
            "--no-demo",
            "--webhook-private-hosts",
            "--smtp",
            &relay,
            "--smtp-ca",
            ca_flag,
        ];
        let email = json!({"channel": "email", "email": "zhao@example.cn"});
        let (_, view, server) = push_one(name, &flags, email);
        let editor = server.token("editor");
        let stats = server
            .send("GET", "/api/v1/push/stats", Some(&editor), None)
            .json();
        (view, stats)
    };

    let (view, _) = deliver("push-tls-right", "s3cret%3A%40%2F%25x");
    let messages = mails(&mail_dir, 1);
    assert_eq!(messages.len(), 1, "{messages:?}");
    assert!(
        messages[0].starts_with("RCPT zhao@example.cn\nTLS True AUTH broker@example.cn\n"),
        "{}",
        &messages[0][..200.min(messages[0].len())]
    );
    assert!(messages[0].contains("List-Unsubscribe-Post: List-Unsubscribe=One-Click"));
    assert_eq!(view["last_error"], Value::Null, "{view}");

    let (view, stats) = deliver("push-tls-wrong", "not-the-password");
    let error = view["last_error"].as_str().unwrap_or_default();
    assert!(
        error.contains("SMTP login as broker@example.cn refused") && error.contains("535"),
        "{view}"
    );
    assert!(!error.contains("not-the-password"), "{error}");
    assert!(view["failing_since"].is_string(), "{view}");
    let failed: i64 = stats["days"]
        .as_array()
        .unwrap()
        .iter()
        .map(|day| day["failed"].as_i64().unwrap())
        .sum();
    assert_eq!(failed, 1, "{stats}");
    assert_eq!(stats["failing"][0]["last_error"].as_str(), Some(error));
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(mails(&mail_dir, 0).len(), 1, "no second mail");

    // Without the private CA the relay's certificate is not trusted, and that is what is said.
    let relay = duijie_server::push_mail::Relay::parse(
        &format!("smtp://broker%40example.cn:s3cret%3A%40%2F%25x@127.0.0.1:{port}"),
        None,
    )
    .unwrap();
    let refused = relay
        .send("zhao@example.cn", "Subject: x\r\n\r\nx")
        .unwrap_err();
    assert!(
        refused.contains("TLS handshake") && refused.contains("certificate"),
        "{refused}"
    );

    let _ = smtp.kill();
    let _ = smtp.wait();
    let _ = std::fs::remove_dir_all(&mail_dir);
    let _ = std::fs::remove_dir_all(&certificates);
}

/// An `https://` webhook: the receiver's certificate is checked against the public roots and
/// `--webhook-ca`, the delivery arrives signed over TLS; without the CA the certificate is refused
/// and the subscription says so; a CA file that is not one stops the service at start.
#[test]
fn an_https_webhook_is_checked_against_the_webhook_ca() {
    let certificates = crate::support::temp_dir("push-https-certs");
    let Some((ca, certificate, key)) = crate::support::certificates(&certificates) else {
        return;
    };
    let receiver = Receiver::start_tls(&certificate, &key);
    assert!(receiver.url.starts_with("https://127.0.0.1:"));
    let deliver = |name: &str, flags: &[&str]| {
        let hook = json!({"channel": "webhook", "url": receiver.url});
        let (created, view, _) = push_one(name, flags, hook);
        (created["secret"].as_str().unwrap().to_string(), view)
    };

    let ca_flag = ca.to_str().unwrap();
    let (secret, view) = deliver(
        "push-https-right",
        &[
            "--no-demo",
            "--webhook-private-hosts",
            "--webhook-ca",
            ca_flag,
        ],
    );
    let got = receiver.wait_for(1);
    assert_eq!(got.len(), 1, "{view}");
    assert_eq!(view["last_error"], Value::Null, "{view}");
    let body: Value = serde_json::from_slice(&got[0].body).unwrap();
    assert_eq!(body["items"][0]["resource"]["id"], "r-1", "{body}");
    assert!(verifies(
        &got[0].headers["duijie-signature"],
        &secret,
        &got[0].body
    ));

    // Without the private CA the receiver's certificate is not trusted: nothing is sent, and the
    // subscription tells why.
    let (_, view) = deliver("push-https-unknown-ca", RECEIVER_FLAGS);
    let error = view["last_error"].as_str().unwrap_or_default();
    assert!(error.contains("certificate"), "{view}");
    assert!(view["failing_since"].is_string(), "{view}");
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(
        receiver.requests.lock().unwrap().len(),
        1,
        "no second request"
    );

    // A file that holds no certificate stops the service at start, naming the flag and the file.
    let config = duijie_server::config::Config {
        webhook_ca: Some(key.clone()),
        ..Default::default()
    };
    let refused = config.check().unwrap_err().to_string();
    assert!(
        refused.contains("--webhook-ca") && refused.contains("no PEM certificate"),
        "{refused}"
    );
    let _ = std::fs::remove_dir_all(&certificates);
}

/// `--smtp smtps://USER:PASSWORD@HOST:PORT`: TLS from the first byte (RFC 8314, port 465) to a
/// relay that speaks nothing in clear; the digest arrives with the login, the certificate checked
/// against `--smtp-ca`.
#[test]
fn an_email_digest_goes_over_implicit_tls() {
    let certificates = crate::support::temp_dir("push-smtps-certs");
    let Some((ca, certificate, key)) = crate::support::certificates(&certificates) else {
        return;
    };
    let mail_dir = crate::support::temp_dir("push-smtps-mail");
    let secure = SecureRelay {
        certificate: &certificate,
        key: &key,
        user: "broker@example.cn",
        password: "s3cret",
        implicit: true,
    };
    let Some((mut smtp, port)) = smtp_server_with(&mail_dir, Some(&secure)) else {
        return;
    };
    let relay = format!("smtps://broker%40example.cn:s3cret@127.0.0.1:{port}");
    let flags = [
        "--no-demo",
        "--smtp",
        &relay,
        "--smtp-ca",
        ca.to_str().unwrap(),
    ];
    let email = json!({"channel": "email", "email": "zhao@example.cn"});
    let (_, view, server) = push_one("push-smtps", &flags, email);
    assert_eq!(view["last_error"], Value::Null, "{view}");
    let messages = mails(&mail_dir, 1);
    assert_eq!(messages.len(), 1, "{messages:?}");
    assert!(
        messages[0].starts_with("RCPT zhao@example.cn\nTLS implicit AUTH broker@example.cn\n"),
        "{}",
        &messages[0][..200.min(messages[0].len())]
    );
    // Without the CA the relay's certificate is refused before a word of SMTP.
    let untrusted = duijie_server::push_mail::Relay::parse(&relay, None).unwrap();
    let refused = untrusted
        .send("zhao@example.cn", "Subject: x\r\n\r\nx")
        .unwrap_err();
    assert!(
        refused.contains("TLS handshake") && refused.contains("certificate"),
        "{refused}"
    );
    let _ = smtp.kill();
    let _ = smtp.wait();
    drop(server);
    let _ = std::fs::remove_dir_all(&mail_dir);
    let _ = std::fs::remove_dir_all(&certificates);
}

/// A relay written wrong stops `duijie serve` at start with what to write, never showing the
/// password; `--smtp-ca` without STARTTLS is refused rather than ignored.
#[test]
fn a_wrong_smtp_relay_is_told_at_start() {
    use duijie_server::push_mail::Relay;
    let refused = |url: &str, ca: Option<&std::path::Path>| Relay::parse(url, ca).unwrap_err();
    let error = refused("smtp+tls://user:hunter2@mail.example.cn:465", None);
    assert!(
        error.contains("smtp://[USER:PASSWORD@]HOST:PORT") && error.contains("smtps://"),
        "{error}"
    );
    assert!(
        refused("smtps://mail.example.cn:465?starttls=required", None).contains("from the start")
    );
    assert!(!error.contains("hunter2"), "{error}");
    assert!(refused("smtp://mail.example.cn", None).contains("HOST:PORT"));
    assert!(refused("smtp://mail.example.cn:25?tls=yes", None).contains("'tls=yes' is not known"));
    assert!(refused("smtp://user@mail.example.cn:587", None).contains("no password"));
    assert!(refused("smtp://u:%zz@mail.example.cn:587", None).contains("two hex digits"));
    let ca = std::path::Path::new("/nonexistent/ca.pem");
    assert!(refused("smtp://mail.example.cn:25", Some(ca)).contains("starttls=required"));
    assert!(
        refused("smtp://mail.example.cn:25?starttls=required", Some(ca))
            .contains("--smtp-ca /nonexistent/ca.pem")
    );
    for good in [
        "smtp://127.0.0.1:25",
        "smtp://mail.example.cn:587?starttls=required",
        "smtp://u%40example.cn:p%3Aw@mail.example.cn:587",
        "smtp://[::1]:25",
        "smtps://u:p@mail.example.cn:465",
    ] {
        assert!(Relay::parse(good, None).is_ok(), "{good}");
    }
    let data = crate::support::temp_dir("push-bad-smtp");
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_duijie"))
        .args(["serve", "--no-demo", "--addr", "127.0.0.1:0", "--data"])
        .arg(&data)
        .args(["--smtp", "smtp://user:hunter2@mail.example.cn"])
        .output()
        .unwrap();
    let _ = std::fs::remove_dir_all(&data);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(
        stderr.contains("HOST:PORT") && !stderr.contains("hunter2"),
        "{stderr}"
    );
}

/// A password may hold `?` and `@` as typed: the options begin after the login, and a refusal never
/// shows any part of the password.
#[test]
fn an_smtp_password_with_a_question_mark_is_neither_an_option_nor_shown() {
    use duijie_server::push_mail::Relay;
    assert!(Relay::parse("smtp://bob:pa?ss@mail.example.cn:587", None).is_ok());
    assert!(Relay::parse(
        "smtp://bob:p@ss?w@mail.example.cn:587?starttls=required",
        None
    )
    .is_ok());
    let error = Relay::parse("smtp://bob:se?cret@mail.example.cn:587?tls=yes", None).unwrap_err();
    assert!(error.contains("'tls=yes' is not known"), "{error}");
    assert!(!error.contains("cret"), "{error}");
    let error = Relay::parse("smtp+tls://bob:p@ss@mail.example.cn:465", None).unwrap_err();
    assert!(
        !error.contains("p@ss") && !error.contains("ss@mail"),
        "{error}"
    );
}

fn decode_base64(text: &str) -> Vec<u8> {
    let value = |c: u8| -> u32 {
        match c {
            b'A'..=b'Z' => u32::from(c - b'A'),
            b'a'..=b'z' => u32::from(c - b'a') + 26,
            b'0'..=b'9' => u32::from(c - b'0') + 52,
            b'+' => 62,
            _ => 63,
        }
    };
    let mut out = Vec::new();
    for chunk in text.as_bytes().chunks(4) {
        let pad = chunk.iter().filter(|&&c| c == b'=').count();
        let n = chunk
            .iter()
            .map(|&c| if c == b'=' { 0 } else { value(c) })
            .fold(0u32, |acc, v| acc << 6 | v);
        let bytes = [(n >> 16) as u8, (n >> 8) as u8, n as u8];
        out.extend_from_slice(&bytes[..3 - pad]);
    }
    out
}

/// Waits until a running server has derived every change and sent every delivery.
fn settle_process(server: &crate::support::Process) {
    let started = Instant::now();
    loop {
        let metrics = server.get("/metrics").text();
        if metrics.contains("duijie_push_pending_changes 0\n")
            && metrics.contains("duijie_push_queue_depth 0\n")
        {
            return;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "push did not settle: {metrics}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// kill -9 inside the catalog transaction, between the commit and the derived items' commit,
/// between two parts of the derived items (the first committed, the change not yet marked derived),
/// between a webhook's answer and its record, and at random moments of an import: after each
/// restart, each need's subscription has received exactly the round's resources its forward match
/// ranks (none lost), and no item twice under two delivery ids (a delivery sent again after a
/// crash keeps its id, which is how a receiver recognises it).
#[test]
fn kill_9_at_any_step_of_an_import_loses_and_duplicates_nothing() {
    use crate::support::{temp_dir, Process};
    let data = temp_dir("push-kill9");
    let receiver = Receiver::start();
    let server = Process::start_with(&data, RECEIVER_FLAGS);
    let editor = server.token("editor");
    let base: Vec<Value> = (0..12)
        .map(|i| {
            resource(
                &format!("b-{i:02}"),
                "achievement",
                &format!("{}方法{i}", topic(i)),
            )
        })
        .collect();
    server.import("", &editor, "application/x-ndjson", &jsonl(&base));
    let needs: Vec<Value> = (0..4)
        .map(|i| need_row(&format!("n-{i}"), "甲公司", topic(i)))
        .collect();
    let reply = server.request(
        "POST",
        "/api/v1/needs/import",
        Some(&editor),
        &[],
        Some(("application/x-ndjson", jsonl(&needs))),
    );
    assert_eq!(reply.status, 200, "{}", reply.text());
    let mut subscription_of: BTreeMap<String, String> = BTreeMap::new();
    for i in 0..4 {
        let reply = server.send(
            "POST",
            "/api/v1/subscriptions",
            Some(&editor),
            Some(&json!({"need_id": format!("n-{i}"), "channel": "webhook", "url": receiver.url, "min_fit": 0.0})),
        );
        assert_eq!(reply.status, 201, "{}", reply.text());
        subscription_of.insert(
            format!("n-{i}"),
            reply.json()["subscription"]["id"]
                .as_str()
                .unwrap()
                .to_string(),
        );
    }
    drop(server);
    // The hooks that wait for items first: a round's resources compete with those of every round
    // before it, and from the fourth round on none may rank in a need's top ten.
    let hooks: Vec<Option<(&str, &str)>> = vec![
        Some((
            "DUIJIE_TEST_DERIVE_PART_DELAY_MS",
            "push items partly committed",
        )),
        Some(("DUIJIE_TEST_DELIVER_DELAY_MS", "push delivery sent")),
        Some(("DUIJIE_TEST_COMMIT_DELAY_MS", "transaction open")),
        Some(("DUIJIE_TEST_DERIVE_DELAY_MS", "push items derived")),
        None,
        None,
        None,
        None,
        None,
    ];
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut killed_after_commit = 0;
    for (round, hook) in hooks.iter().enumerate() {
        // A claim on deliveries that the kill leaves unrecorded lapses after a second, so that
        // the restarted server sends them again (under their ids) while the test waits.
        let mut env: Vec<(&str, &str)> = hook.iter().map(|(name, _)| (*name, "30000")).collect();
        env.push(("DUIJIE_TEST_CLAIM_SECS", "1"));
        let mut server = Process::start_with_env(&data, RECEIVER_FLAGS, &env);
        let batch: Vec<Value> = (0..40)
            .map(|i| {
                resource(
                    &format!("k{round}-{i:02}"),
                    ["achievement", "patent"][i % 2],
                    &format!("{}技术{round}号{i}", topic(i)),
                )
            })
            .collect();
        let url = server.url("/api/v1/import?format=jsonl");
        let token = editor.clone();
        let body = jsonl(&batch);
        let sender = std::thread::spawn(move || {
            crate::support::request(
                "POST",
                &url,
                Some(&token),
                &[],
                Some(("application/x-ndjson", body)),
            )
        });
        match hook {
            Some((_, announced)) => loop {
                let line = server
                    .stderr
                    .recv_timeout(Duration::from_secs(60))
                    .unwrap_or_else(|_| panic!("round {round}: no '{announced}'"));
                if line.contains(announced) {
                    break;
                }
            },
            None => {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                std::thread::sleep(Duration::from_millis(seed % 700));
            }
        }
        server.child.kill().unwrap();
        server.child.wait().unwrap();
        let _ = sender.join();
        drop(server);
        let server = Process::start_with(&data, RECEIVER_FLAGS);
        settle_process(&server);
        let prefix = format!("k{round}-");
        let mut expected: BTreeSet<(String, String)> = BTreeSet::new();
        for (need, subscription) in &subscription_of {
            let matches = server
                .get(&format!("/api/v1/needs/{need}/matches?limit=10"))
                .json();
            for result in matches["results"].as_array().unwrap() {
                let id = result["id"].as_str().unwrap();
                if id.starts_with(&prefix) {
                    expected.insert((subscription.clone(), id.to_string()));
                }
            }
        }
        if !expected.is_empty() {
            killed_after_commit += 1;
        }
        let mut received: BTreeSet<(String, String)> = BTreeSet::new();
        let mut seen_ids: BTreeSet<String> = BTreeSet::new();
        for body in receiver.bodies() {
            if !seen_ids.insert(body["delivery_id"].as_str().unwrap().to_string()) {
                continue;
            }
            for item in body["items"].as_array().unwrap() {
                let id = item["resource"]["id"].as_str().unwrap();
                if id.starts_with(&prefix) {
                    let key = (
                        body["subscription_id"].as_str().unwrap().to_string(),
                        id.to_string(),
                    );
                    assert!(
                        received.insert(key.clone()),
                        "round {round}: {key:?} under two delivery ids"
                    );
                }
            }
        }
        assert_eq!(received, expected, "round {round} ({hook:?})");
        drop(server);
    }
    // Every copy of a delivery carries the same items.
    let mut by_id: BTreeMap<String, Value> = BTreeMap::new();
    for body in receiver.bodies() {
        let id = body["delivery_id"].as_str().unwrap().to_string();
        if let Some(first) = by_id.get(&id) {
            assert_eq!(
                first["items"], body["items"],
                "delivery {id} sent twice with other items"
            );
        } else {
            by_id.insert(id, body);
        }
    }
    assert!(
        killed_after_commit >= 2,
        "the kills after the commit were exercised"
    );
    let _ = std::fs::remove_dir_all(&data);
}

/// Two replicas on one store (an SQLite folder, or the PostgreSQL database of CI's second run),
/// each running its push workers: every delivery reaches the receiver once, although each replica
/// takes 3 s between a webhook's answer and its record, in which the other one looks for due
/// deliveries several times (a delivery is claimed in the transaction that reads it).
#[test]
fn two_replicas_send_each_delivery_once() {
    use crate::support::{temp_dir, Process};
    let data = temp_dir("push-two-replicas");
    let receiver = Receiver::start();
    let env = [("DUIJIE_TEST_DELIVER_DELAY_MS", "3000")];
    let first = Process::start_with_env(&data, RECEIVER_FLAGS, &env);
    let second = Process::start_with_env(&data, RECEIVER_FLAGS, &env);
    let editor = first.token("editor");
    let needs: Vec<Value> = (0..4)
        .map(|i| need_row(&format!("n-{i}"), "甲公司", topic(i)))
        .collect();
    let reply = first.request(
        "POST",
        "/api/v1/needs/import",
        Some(&editor),
        &[],
        Some(("application/x-ndjson", jsonl(&needs))),
    );
    assert_eq!(reply.status, 200, "{}", reply.text());
    for i in 0..4 {
        let reply = first.send(
            "POST",
            "/api/v1/subscriptions",
            Some(&editor),
            Some(&json!({"need_id": format!("n-{i}"), "channel": "webhook", "url": receiver.url, "min_fit": 0.0})),
        );
        assert_eq!(reply.status, 201, "{}", reply.text());
    }
    let batch: Vec<Value> = (0..12)
        .map(|i| {
            resource(
                &format!("r-{i:02}"),
                "achievement",
                &format!("{}技术{i}", topic(i)),
            )
        })
        .collect();
    let reply = first.import("", &editor, "application/x-ndjson", &jsonl(&batch));
    assert_eq!(reply.status, 200, "{}", reply.text());
    settle_process(&first);
    settle_process(&second);
    // Both replicas looked again after the last record.
    std::thread::sleep(Duration::from_secs(2));
    let mut sent: BTreeMap<String, usize> = BTreeMap::new();
    for body in receiver.bodies() {
        *sent
            .entry(body["delivery_id"].as_str().unwrap().to_string())
            .or_default() += 1;
    }
    assert!(sent.len() >= 4, "a delivery per subscription: {sent:?}");
    let twice: Vec<_> = sent.iter().filter(|(_, times)| **times > 1).collect();
    assert!(twice.is_empty(), "sent more than once: {twice:?}");
    drop((first, second));
    let _ = std::fs::remove_dir_all(&data);
}

#[test]
fn the_signature_is_rfc_hmac_sha256() {
    // RFC 4231, test case 2.
    let mac = duijie_server::push::hmac_sha256(b"Jefe", b"what do ya want for nothing?");
    let hex: String = mac.iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(
        hex,
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
    );
    // A key longer than the block is hashed first (RFC 4231, test case 6).
    let mac = duijie_server::push::hmac_sha256(
        &[0xaa; 131],
        b"Test Using Larger Than Block-Size Key - Hash Key First",
    );
    let hex: String = mac.iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(
        hex,
        "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
    );
    let header = duijie_server::push::signature("whsec_x", 1_700_000_000, b"{}");
    assert!(header.starts_with("t=1700000000,v1="), "{header}");
    assert!(verifies(&header, "whsec_x", b"{}"));
}

#[test]
fn kinds_narrow_the_forward_match() {
    let server = Server::start_flags("push-kinds", RECEIVER_FLAGS);
    let editor = server.token("editor");
    import_needs(&server, &editor, &[need_row("n-1", "甲公司", "锂电池储能")]);
    let created = subscribe(
        &server,
        &editor,
        json!({"need_id": "n-1", "channel": "feed", "kinds": ["expert"], "min_fit": 0.0, "top": 2}),
    );
    let new: Vec<Value> = (0..6)
        .map(|i| {
            resource(
                &format!("r-{i}"),
                ["patent", "expert"][i % 2],
                &format!("锂电池储能技术{i}"),
            )
        })
        .collect();
    let reply = import(&server, &editor, "", &new);
    let version = reply.json()["catalog_version"]
        .as_str()
        .unwrap()
        .to_string();
    settle(&server);
    // The need's forward match with the kinds filter: its best two experts.
    let matched = server.send(
        "POST",
        "/api/v1/match",
        None,
        Some(&json!({"need": {"title": "锂电池储能需求", "text": "我公司需要锂电池储能方面的技术支持。"},
                     "limit": 2, "filters": {"kinds": ["expert"]}})),
    );
    let expected: BTreeSet<String> = matched.json()["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|result| result["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(expected.len(), 2);
    let pushed: BTreeSet<String> = feed_entries(
        &server,
        created["subscription"]["feed_url"].as_str().unwrap(),
    )
    .into_iter()
    .filter(|(_, at)| *at == version)
    .map(|(id, _)| id)
    .collect();
    assert_eq!(pushed, expected);
}
