//! Tokens and scopes on every route: reads are public, writes need an editor or admin token.

use serde_json::json;

use crate::support::{jsonl, resource, Server};

#[test]
fn every_route_with_no_wrong_and_right_token() {
    let server = Server::start("auth");
    let editor = server.token("editor");
    let admin = server.token("admin");
    let broker = server.token("broker");
    let wrong = "0".repeat(64);
    let body = resource("a-1", "achievement", "锂电池回收");
    let import_body = jsonl(&[resource("a-2", "achievement", "储能系统")]);

    // Public reads answer without a token.
    for path in [
        "/healthz",
        "/metrics",
        "/api/openapi.json",
        "/api/v1/resources",
        "/api/v1/snapshot",
        "/api/v1/taxonomies/modes",
    ] {
        assert_eq!(server.get(path).status, 200, "{path}");
    }
    let reply = server.send(
        "POST",
        "/api/v1/match",
        None,
        Some(&json!({"need": {"text": "锂电池"}})),
    );
    assert_eq!(reply.status, 200, "{}", reply.text());

    // Writes: 401 without or with a wrong token, 403 for a broker, success for editor and admin.
    let writes: Vec<(&str, &str)> = vec![
        ("POST", "/api/v1/resources"),
        ("PUT", "/api/v1/resources/a-1"),
        ("DELETE", "/api/v1/resources/a-1"),
        ("POST", "/api/v1/import?format=jsonl"),
        ("GET", "/api/v1/export"),
    ];
    for (method, path) in &writes {
        let send = |token: Option<&str>| {
            let payload = match *path {
                "/api/v1/import?format=jsonl" => {
                    Some(("application/x-ndjson", import_body.clone()))
                }
                _ if *method == "GET" || *method == "DELETE" => None,
                _ => Some(("application/json", body.to_string().into_bytes())),
            };
            server.request(method, path, token, &[], payload)
        };
        let reply = send(None);
        assert_eq!(reply.status, 401, "{method} {path}: {}", reply.text());
        assert_eq!(reply.error_code(), "unauthorized");
        assert_eq!(reply.header("www-authenticate"), Some("Bearer"));
        assert_eq!(send(Some(&wrong)).status, 401, "{method} {path}");
        let reply = send(Some(&broker));
        assert_eq!(reply.status, 403, "{method} {path}: {}", reply.text());
        assert_eq!(reply.error_code(), "forbidden");
    }
    let created = server.send("POST", "/api/v1/resources", Some(&editor), Some(&body));
    assert_eq!(created.status, 201, "{}", created.text());
    let replaced = server.send("PUT", "/api/v1/resources/a-1", Some(&admin), Some(&body));
    assert_eq!(replaced.status, 200, "{}", replaced.text());
    let imported = server.import(
        "?format=jsonl",
        &editor,
        "application/x-ndjson",
        &import_body,
    );
    assert_eq!(imported.status, 200, "{}", imported.text());
    let exported = server.request("GET", "/api/v1/export", Some(&admin), &[], None);
    assert_eq!(exported.status, 200);
    let deleted = server.send("DELETE", "/api/v1/resources/a-1", Some(&editor), None);
    assert_eq!(deleted.status, 200, "{}", deleted.text());
}

#[test]
fn tokens_are_stored_hashed() {
    let server = Server::start("hashed");
    let token = server.token("admin");
    assert_eq!(token.len(), 64);
    assert!(token.bytes().all(|b| b.is_ascii_hexdigit()));
    if let Some(url) = crate::support::database_for(&server.data) {
        // PostgreSQL: every row of the table, as text, holds no token.
        let mut client = postgres::Client::connect(&url, postgres::NoTls).unwrap();
        let rows = client
            .query(
                "SELECT CAST(t AS TEXT), encode(hash, 'escape') FROM tokens t",
                &[],
            )
            .unwrap();
        assert!(!rows.is_empty());
        for row in rows {
            for column in 0..2 {
                let text: String = row.get(column);
                assert!(!text.contains(&token), "{text}");
            }
        }
        return;
    }
    let db = std::fs::read(server.data.join("duijie.sqlite3")).unwrap();
    let wal = std::fs::read(server.data.join("duijie.sqlite3-wal")).unwrap_or_default();
    for bytes in [&db, &wal] {
        assert!(!bytes
            .windows(token.len())
            .any(|window| window == token.as_bytes()));
    }
}
