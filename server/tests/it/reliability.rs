//! Durability and limits: restarts, kill -9 during an import, body limits, configuration, CORS and
//! the static folder.

use std::time::Duration;

use serde_json::json;

use crate::support::{
    jsonl, request, resource, small_catalog, temp_dir, Process, ReplicaStore, Server,
};

#[test]
fn catalog_and_tokens_survive_a_restart() {
    let data = temp_dir("restart");
    let server = Process::start_with(&data, &["--no-demo"]);
    let editor = server.token("editor");
    server.import(
        "?format=jsonl",
        &editor,
        "application/x-ndjson",
        &jsonl(&small_catalog(15)),
    );
    let before = server.catalog();
    let one = server.get("/api/v1/resources/r-00003").body;
    assert!(server.stop().success(), "SIGTERM shuts down gracefully");
    let server = Process::start_with(&data, &["--no-demo"]);
    assert_eq!(server.catalog(), before);
    assert_eq!(server.get("/api/v1/resources/r-00003").body, one);
    let reply = server.send("DELETE", "/api/v1/resources/r-00003", Some(&editor), None);
    assert_eq!(reply.status, 200, "the old token still works");
}

/// A catalog big enough that its import takes a while: long summaries.
fn big_catalog(n: usize) -> Vec<u8> {
    let filler = "锂电池储能系统的热管理与安全评估方法研究。".repeat(40);
    let resources: Vec<serde_json::Value> = (0..n)
        .map(|i| {
            let mut value = resource(
                &format!("big-{i:06}"),
                "achievement",
                &format!("大型目录条目{i}"),
            );
            value["summary"] = json!(format!("{filler}{i}"));
            value
        })
        .collect();
    jsonl(&resources)
}

/// Sends `body` as a replacing import from another thread, ignoring the outcome (the server dies).
pub(crate) fn import_in_background(
    server: &Process,
    token: &str,
    body: Vec<u8>,
) -> std::thread::JoinHandle<()> {
    let url = server.url("/api/v1/import?format=jsonl&mode=replace");
    let token = token.to_string();
    std::thread::spawn(move || {
        let agent = ureq::AgentBuilder::new()
            .timeout(Duration::from_secs(60))
            .build();
        let _ = agent
            .post(&url)
            .set("Authorization", &format!("Bearer {token}"))
            .set("Content-Type", "application/x-ndjson")
            .send_bytes(&body);
    })
}

#[test]
fn kill_9_inside_the_import_transaction_leaves_the_previous_catalog() {
    let data = temp_dir("kill9-tx");
    let server = Process::start_with(&data, &["--no-demo"]);
    let editor = server.token("editor");
    server.import(
        "?format=jsonl",
        &editor,
        "application/x-ndjson",
        &jsonl(&small_catalog(10)),
    );
    let before = server.catalog();
    server.stop();
    let env = [("DUIJIE_TEST_COMMIT_DELAY_MS", "20000")];
    let mut server = Process::start_with_env(&data, &["--no-demo"], &env);
    let sender = import_in_background(&server, &editor, jsonl(&small_catalog(2_000)));
    // The debug-build hook announces the open transaction: every row inserted, nothing committed.
    loop {
        let line = server
            .stderr
            .recv_timeout(Duration::from_secs(60))
            .expect("the import never reached its transaction");
        if line.contains("transaction open") {
            break;
        }
    }
    server.child.kill().unwrap();
    server.child.wait().unwrap();
    let _ = sender.join();
    drop(server);
    let server = Process::start_with(&data, &["--no-demo"]);
    assert_eq!(server.catalog(), before);
    assert_eq!(server.get("/api/v1/resources?limit=1").json()["total"], 10);
}

#[test]
fn kill_9_at_some_moment_of_an_import_leaves_one_whole_catalog() {
    let data = temp_dir("kill9");
    let server = Process::start_with(&data, &["--no-demo"]);
    let editor = server.token("editor");
    server.import(
        "?format=jsonl",
        &editor,
        "application/x-ndjson",
        &jsonl(&small_catalog(10)),
    );
    let before = server.catalog();
    let sender = import_in_background(&server, &editor, big_catalog(3_000));
    // Kill while the import is being read, validated, written or indexed.
    std::thread::sleep(Duration::from_millis(1500));
    let mut server = server;
    server.child.kill().unwrap();
    server.child.wait().unwrap();
    let _ = sender.join();
    drop(server);
    let server = Process::start_with(&data, &["--no-demo"]);
    let after = server.catalog();
    // Either the import had committed (all 3,000) or nothing of it shows.
    assert!(
        after == before || after.0 == 3_000,
        "{after:?} vs {before:?}"
    );
    let listed = server.get("/api/v1/resources?limit=1").json();
    assert_eq!(listed["total"].as_u64().unwrap(), after.0);
}

#[test]
fn bodies_over_the_limit_are_413_with_the_json_error() {
    let dir = temp_dir("limits");
    let config = dir.join("duijie.toml");
    std::fs::write(&config, "body_limit = 2000\nimport_limit = 4000\n").unwrap();
    let server = Server::start_with(
        &dir.join("data"),
        &["--no-demo", "--config", config.to_str().unwrap()],
    );
    let editor = server.token("editor");
    let big_need = json!({"need": {"text": "锂".repeat(3000)}});
    let reply = server.send("POST", "/api/v1/match", None, Some(&big_need));
    assert_eq!(reply.status, 413);
    assert_eq!(reply.error_code(), "payload_too_large");
    let reply = server.import(
        "?format=jsonl",
        &editor,
        "application/x-ndjson",
        &jsonl(&small_catalog(30)),
    );
    assert_eq!(reply.status, 413);
    assert_eq!(reply.json()["error"]["details"]["limit"], 4000);
    let small = server.import(
        "?format=jsonl",
        &editor,
        "application/x-ndjson",
        &jsonl(&small_catalog(2)),
    );
    assert_eq!(small.status, 200);
}

#[test]
fn cors_allows_only_configured_origins() {
    let server = Server::start_with(
        &temp_dir("cors"),
        &["--no-demo", "--cors-origin", "https://kx.example.cn"],
    );
    let preflight = |origin: &str| {
        server.request(
            "OPTIONS",
            "/api/v1/match",
            None,
            &[
                ("Origin", origin),
                ("Access-Control-Request-Method", "POST"),
            ],
            None,
        )
    };
    let allowed = preflight("https://kx.example.cn");
    assert_eq!(allowed.status, 204);
    assert_eq!(
        allowed.header("access-control-allow-origin"),
        Some("https://kx.example.cn")
    );
    let refused = preflight("https://evil.example.com");
    assert_eq!(refused.status, 403);
    assert!(refused.header("access-control-allow-origin").is_none());
    let get = server.get_with("/healthz", &[("Origin", "https://kx.example.cn")]);
    assert_eq!(
        get.header("access-control-allow-origin"),
        Some("https://kx.example.cn")
    );
    let other = server.get_with("/healthz", &[("Origin", "https://evil.example.com")]);
    assert!(other.header("access-control-allow-origin").is_none());
    // The configured portal may frame the widget; nobody else may.
    for path in ["/", "/healthz", "/api/v1/resources"] {
        let csp = server
            .get(path)
            .header("content-security-policy")
            .unwrap()
            .to_string();
        assert!(
            csp.ends_with("; frame-ancestors 'self' https://kx.example.cn"),
            "{path}: {csp}"
        );
        assert!(csp.contains("'wasm-unsafe-eval'"), "{csp}");
    }
}

#[test]
fn static_folder_is_served_at_the_root() {
    let dir = temp_dir("static");
    let web = dir.join("dist");
    std::fs::create_dir_all(&web).unwrap();
    std::fs::write(web.join("index.html"), "<h1>widget</h1>").unwrap();
    std::fs::write(web.join("app.wasm"), b"\0asm").unwrap();
    let server = Server::start_with(
        &dir.join("data"),
        &["--no-demo", "--static", web.to_str().unwrap()],
    );
    let index = server.get("/");
    assert_eq!(index.text(), "<h1>widget</h1>");
    assert!(index
        .header("content-type")
        .unwrap()
        .starts_with("text/html"));
    assert_eq!(
        server.get("/app.wasm").header("content-type"),
        Some("application/wasm")
    );
    assert_eq!(server.get("/../Cargo.toml").status, 404);
    assert_eq!(server.get("/missing.js").status, 404);
}

#[test]
fn replicas_on_one_store_follow_its_catalog_version() {
    let store = ReplicaStore::new("replicas");
    let first = store.start();
    let second = store.start();
    let editor = first.token("editor");
    let reply = first.import(
        "?format=jsonl",
        &editor,
        "application/x-ndjson",
        &jsonl(&small_catalog(5)),
    );
    assert_eq!(reply.status, 200, "{}", reply.text());
    let wanted = first.catalog();
    let deadline = std::time::Instant::now() + Duration::from_secs(15);
    while second.catalog() != wanted {
        assert!(
            std::time::Instant::now() < deadline,
            "the second replica never caught up"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    assert_eq!(second.get("/api/v1/resources/r-00004").status, 200);
}

/// A data folder whose store has been created (and its empty catalog written) by a first start, so that
/// the commit-delay hook of a later start only fires for the test's own writes.
fn initialized_store(name: &str) -> std::path::PathBuf {
    let data = temp_dir(name);
    // The store is written before the server listens, so once it listens it can go.
    drop(Process::start_with(&data, &["--no-demo"]));
    data
}

#[test]
fn slow_requests_time_out_with_the_json_error() {
    let dir = temp_dir("timeout");
    let config = dir.join("duijie.toml");
    std::fs::write(&config, "demo = false\nimport_timeout_secs = 1\n").unwrap();
    let env = [("DUIJIE_TEST_COMMIT_DELAY_MS", "3000")];
    let data = initialized_store("timeout-data");
    let server = Process::start_with_env(&data, &["--config", config.to_str().unwrap()], &env);
    let editor = server.token("editor");
    let reply = server.import(
        "?format=jsonl",
        &editor,
        "application/x-ndjson",
        &jsonl(&small_catalog(3)),
    );
    assert_eq!(reply.status, 503, "{}", reply.text());
    assert_eq!(reply.error_code(), "timeout");
    assert_eq!(reply.header("x-content-type-options"), Some("nosniff"));
}

#[test]
fn sigterm_lets_a_running_import_finish() {
    let data = initialized_store("sigterm");
    let env = [("DUIJIE_TEST_COMMIT_DELAY_MS", "1500")];
    let server = Process::start_with_env(&data, &["--no-demo"], &env);
    let editor = server.token("editor");
    let url = server.url("/api/v1/import?format=jsonl");
    let body = jsonl(&small_catalog(4));
    let sender = std::thread::spawn(move || {
        request(
            "POST",
            &url,
            Some(&editor),
            &[],
            Some(("application/x-ndjson", body)),
        )
    });
    loop {
        let line = server
            .stderr
            .recv_timeout(Duration::from_secs(60))
            .expect("the import never reached its transaction");
        if line.contains("transaction open") {
            break;
        }
    }
    assert!(server.stop().success());
    let reply = sender.join().unwrap();
    assert_eq!(reply.status, 200, "{}", reply.text());
    let server = Process::start_with(&data, &["--no-demo"]);
    assert_eq!(server.catalog().0, 4);
}

#[test]
fn a_write_from_a_stale_replica_is_redone_on_the_stored_catalog() {
    let dir = temp_dir("stale");
    let config = dir.join("duijie.toml");
    std::fs::write(&config, "reload_secs = 0\ndemo = false\n").unwrap();
    let data = dir.join("data");
    let flags = ["--config", config.to_str().unwrap()];
    let first = Process::start_with(&data, &flags);
    let second = Process::start_with(&data, &flags);
    let editor = first.token("editor");
    let reply = first.import(
        "?format=jsonl",
        &editor,
        "application/x-ndjson",
        &jsonl(&small_catalog(5)),
    );
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert_eq!(second.catalog().0, 0, "the second replica does not follow");
    let body = resource("late", "expert", "后来者");
    let reply = second.send("POST", "/api/v1/resources", Some(&editor), Some(&body));
    assert_eq!(reply.status, 201, "{}", reply.text());
    let after = second.catalog();
    assert_eq!(after.0, 6, "the write was redone on the stored catalog");
    drop(first);
    drop(second);
    let fresh = Process::start_with(&data, &flags);
    assert_eq!(fresh.catalog(), after);
}
