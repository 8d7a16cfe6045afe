//! The snapshot (gzip, ETag, 304), the match route against `duijie match --json`, the OpenAPI
//! document against the routes that exist, metrics and security headers.

use std::io::Read;

use serde_json::{json, Value};

use crate::support::{jsonl, small_catalog, Server, BIN};

#[test]
fn snapshot_gzip_etag_and_304() {
    let server = Server::start("snapshot");
    let editor = server.token("editor");
    server.import(
        "?format=jsonl",
        &editor,
        "application/x-ndjson",
        &jsonl(&small_catalog(8)),
    );
    let plain = server.get("/api/v1/snapshot");
    assert_eq!(plain.status, 200);
    let etag = plain.header("etag").unwrap().to_string();
    assert!(
        etag.starts_with('"') && etag.ends_with('"'),
        "strong: {etag}"
    );
    let body = plain.json();
    assert_eq!(body["resources"].as_array().unwrap().len(), 8);
    assert!(body["weights"].is_object());
    assert!(!plain.text().contains("contact"));

    let zipped = server.get_with("/api/v1/snapshot", &[("Accept-Encoding", "gzip")]);
    assert_eq!(zipped.header("content-encoding"), Some("gzip"));
    let mut unzipped = Vec::new();
    flate2::read::GzDecoder::new(&zipped.body[..])
        .read_to_end(&mut unzipped)
        .unwrap();
    assert_eq!(unzipped, plain.body);
    assert_ne!(zipped.header("etag").unwrap(), etag);

    let not_modified = server.get_with("/api/v1/snapshot", &[("If-None-Match", &etag)]);
    assert_eq!(not_modified.status, 304);
    assert!(not_modified.body.is_empty());
    assert_eq!(not_modified.header("etag"), Some(etag.as_str()));

    let experts = server.get("/api/v1/snapshot?kinds=expert");
    assert_ne!(experts.header("etag").unwrap(), etag);
    assert_eq!(experts.json()["resources"].as_array().unwrap().len(), 2);

    // A new catalog version gives a new tag, so the old one no longer matches.
    server.send("DELETE", "/api/v1/resources/r-00000", Some(&editor), None);
    let changed = server.get_with("/api/v1/snapshot", &[("If-None-Match", &etag)]);
    assert_eq!(changed.status, 200);
    assert_ne!(changed.header("etag").unwrap(), etag);
}

#[test]
fn match_route_equals_the_cli() {
    let server = Server::start("match");
    let editor = server.token("editor");
    let catalog = jsonl(&small_catalog(30));
    let file = server.data.join("catalog.jsonl");
    std::fs::write(&file, &catalog).unwrap();
    server.import("?format=jsonl", &editor, "application/x-ndjson", &catalog);
    for text in ["锂电池储能", "智能制造 PLC 控制", "5G通信基站"] {
        let http = server.send(
            "POST",
            "/api/v1/match",
            None,
            Some(&json!({"need": {"text": text}, "limit": 7})),
        );
        assert_eq!(http.status, 200, "{}", http.text());
        let http = http.json();
        let output = std::process::Command::new(BIN)
            .args(["match", "--json", "--top", "7", "--catalog"])
            .arg(&file)
            .arg(text)
            .output()
            .unwrap();
        assert!(output.status.success(), "{output:?}");
        let cli: Value = serde_json::from_slice(&output.stdout).unwrap();
        assert_eq!(http["catalog_version"], cli["catalog_version"]);
        let pairs = |answer: &Value| -> Vec<(String, u64)> {
            answer["results"]
                .as_array()
                .unwrap()
                .iter()
                .map(|result| {
                    (
                        result["id"].as_str().unwrap().to_string(),
                        result["score"].as_f64().unwrap().to_bits(),
                    )
                })
                .collect()
        };
        assert_eq!(pairs(&http), pairs(&cli), "{text}");
        assert_eq!(http["results"], cli["results"], "{text}");
    }
    let bad = server.send(
        "POST",
        "/api/v1/match",
        None,
        Some(&json!({"need": {"txt": "x"}, "limit": 0})),
    );
    assert_eq!(bad.status, 422, "{}", bad.text());
    let fields: Vec<String> = bad.json()["error"]["details"]["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|error| error["field"].as_str().unwrap().to_string())
        .collect();
    assert!(fields.contains(&"need.txt".to_string()), "{fields:?}");
    assert!(fields.contains(&"limit".to_string()), "{fields:?}");
}

#[test]
fn openapi_lists_exactly_the_routes_that_exist() {
    let server = Server::start("openapi");
    let document = server.get("/api/openapi.json").json();
    let paths = document["paths"].as_object().unwrap();
    let mut listed = Vec::new();
    for (path, operations) in paths {
        for method in operations.as_object().unwrap().keys() {
            listed.push((method.to_uppercase(), path.clone()));
        }
    }
    let expected: Vec<(String, String)> = duijie_server::routes::routes()
        .iter()
        .map(|route| (route.method.to_string(), route.path.to_string()))
        .collect();
    let mut sorted_expected = expected.clone();
    sorted_expected.sort();
    listed.sort();
    assert_eq!(listed, sorted_expected);
    // Each listed operation is routed (not a route_not_found), and a method not listed is not.
    for (method, path) in &listed {
        let url = path
            .replace("{id}", "nothing-here")
            .replace("{name}", "modes");
        let reply = server.request(method, &url, None, &[], None);
        let code = serde_json::from_slice::<serde_json::Value>(&reply.body)
            .ok()
            .and_then(|body| body["error"]["code"].as_str().map(str::to_string));
        assert_ne!(code.as_deref(), Some("route_not_found"), "{method} {path}");
        // A method no route of the path takes is 405, naming the ones it takes.
        let unrouted = ["PATCH", "PUT"]
            .into_iter()
            .find(|other| !listed.iter().any(|(m, p)| m == other && p == path))
            .unwrap();
        let reply = server.request(unrouted, &url, None, &[], None);
        assert_eq!(reply.status, 405, "{unrouted} {path}");
        assert_eq!(
            reply.error_code(),
            "method_not_allowed",
            "{unrouted} {path}"
        );
        assert!(
            reply.header("allow").unwrap().contains(method.as_str()),
            "{unrouted} {path}"
        );
    }
}

#[test]
fn metrics_and_security_headers() {
    let server = Server::start("metrics");
    server.get("/healthz");
    server.get("/api/v1/resources/missing");
    let metrics = server.get("/metrics");
    assert!(metrics
        .header("content-type")
        .unwrap()
        .starts_with("text/plain"));
    let text = metrics.text();
    assert!(
        text.contains(
            "duijie_http_requests_total{method=\"GET\",route=\"/healthz\",status=\"200\"} 1"
        ),
        "{text}"
    );
    assert!(
        text.contains("route=\"/api/v1/resources/{id}\",status=\"404\""),
        "{text}"
    );
    assert!(text.contains("duijie_http_request_duration_seconds_bucket"));
    assert!(text.contains("duijie_catalog_resources 0"));
    // A method of the client's making is counted as `other`, not kept as written: each new one
    // was a counter kept for ever, memory any client could fill without a token.
    for made_up in ["M1235815988", "M2730391904"] {
        assert_eq!(
            server.request(made_up, "/healthz", None, &[], None).status,
            405
        );
    }
    let text = server.get("/metrics").text();
    assert!(!text.contains("M1235815988"), "{text}");
    assert!(
        text.contains(
            "duijie_http_requests_total{method=\"other\",route=\"/healthz\",status=\"405\"} 2"
        ),
        "{text}"
    );
    assert!(text.contains("duijie_catalog_info{version=\"c-"));
    for path in ["/healthz", "/api/v1/resources/missing", "/nowhere", "/"] {
        let reply = server.get(path);
        assert_eq!(
            reply.header("x-content-type-options"),
            Some("nosniff"),
            "{path}"
        );
        assert!(reply.header("content-security-policy").is_some(), "{path}");
        assert_eq!(
            reply.header("referrer-policy"),
            Some("no-referrer"),
            "{path}"
        );
    }
    let page = server.get("/");
    assert_eq!(page.status, 200);
    assert!(page.text().contains("not built"));
}
