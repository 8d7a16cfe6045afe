//! Issue 17's rough edges, as the newcomer, the broker, the portal webmaster and the evaluator hit
//! them: the import templates imported through the real importer, the demo catalog counted and
//! removed, a token message in good English, a wrong token told it is not known, the embed check,
//! engagements with the enterprise's side, statistics by either province, and CSV medians in days.

use std::process::Command;

use serde_json::{json, Value};

use crate::support::{jsonl, temp_dir, Process, Server, BIN};

/// Every template the server lists can be downloaded and imports as it is, and the three formats
/// give the same catalog.
#[test]
fn each_import_template_imports_through_the_real_importer() {
    let server = Server::start("templates");
    let editor = server.token("editor");
    let listed = server.get("/api/v1/import/templates");
    assert_eq!(listed.status, 200, "{}", listed.text());
    let listed = listed.json();
    let names: Vec<&str> = listed["templates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|template| template["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["resources.csv", "resources.xlsx", "resources.jsonl"]
    );
    let mut exports: Vec<(String, String, String)> = Vec::new();
    for template in listed["templates"].as_array().unwrap() {
        let url = template["url"].as_str().unwrap();
        let format = template["format"].as_str().unwrap();
        let file = server.get(url);
        assert_eq!(file.status, 200, "{url}");
        let content_type = file.header("content-type").unwrap().to_string();
        assert_eq!(content_type, template["content_type"].as_str().unwrap());
        assert!(file
            .header("content-disposition")
            .unwrap()
            .contains("attachment"));
        match format {
            "csv" => {
                assert!(file.body.starts_with(b"\xEF\xBB\xBF"), "CSV with a BOM");
                assert!(file.text().contains("编号,类型,名称,摘要,关键词"));
            }
            "xlsx" => assert!(file.body.starts_with(b"PK"), "a zip archive"),
            _ => assert!(file
                .text()
                .lines()
                .all(|line| serde_json::from_str::<Value>(line).is_ok())),
        }
        // Imported as downloaded: every example row is valid.
        let reply = server.import(
            &format!("?format={format}&mode=replace"),
            &editor,
            &content_type,
            &file.body,
        );
        assert_eq!(reply.status, 200, "{url}: {}", reply.text());
        let reply = reply.json();
        assert_eq!(reply["imported"], 4, "{url}: one example per kind");
        let export = server.request("GET", "/api/v1/export", Some(&editor), &[], None);
        assert_eq!(export.status, 200);
        exports.push((
            url.to_string(),
            reply["catalog_version"].as_str().unwrap().to_string(),
            export.text(),
        ));
    }
    let (first_url, first_version, first_export) = &exports[0];
    for (url, version, export) in &exports[1..] {
        assert_eq!(version, first_version, "{url} and {first_url}");
        assert_eq!(export, first_export, "{url} and {first_url}");
    }
    // The four kinds, with lists split on both separators and private contacts kept.
    let kinds: Vec<String> = first_export
        .lines()
        .map(|line| serde_json::from_str::<Value>(line).unwrap()["kind"].to_string())
        .collect();
    assert_eq!(
        kinds,
        [
            "\"achievement\"",
            "\"expert\"",
            "\"organization\"",
            "\"patent\""
        ]
    );
    assert!(first_export.contains(r#""keywords":["锂离子电池","热失控","储能安全"]"#));
    assert!(first_export.contains(r#""modes":["consulting","joint_rd"]"#));
    assert!(first_export.contains("wang@example.org"));

    let missing = server.get("/api/v1/import/templates/resources.ods");
    assert_eq!(missing.status, 404);
    assert!(missing.text().contains("resources.csv"));
}

/// The command says "an editor token", "an admin token", "a broker token".
#[test]
fn token_create_says_a_or_an() {
    let data = temp_dir("token-article");
    for (scope, expected) in [
        ("editor", "Created an editor token"),
        ("admin", "Created an admin token"),
        ("broker", "Created a broker token"),
    ] {
        let output = Command::new(BIN)
            .args(["token", "create", "--scope", scope])
            .args(crate::support::store_flags(&data))
            .output()
            .unwrap();
        assert!(output.status.success(), "{output:?}");
        let stdout = String::from_utf8(output.stdout).unwrap();
        assert!(stdout.starts_with(expected), "{stdout}");
    }
}

/// No token is asked for one; a token the store does not know is told so, not asked for a token.
#[test]
fn a_wrong_token_is_told_it_is_not_known() {
    let server = Server::start("wrong-token");
    let url = "/api/v1/export";
    let none = server.request("GET", url, None, &[], None);
    assert_eq!(none.status, 401);
    assert_eq!(none.error_code(), "unauthorized");
    assert!(none.json()["error"]["message"]
        .as_str()
        .unwrap()
        .contains("needs a token"));
    assert_eq!(none.header("www-authenticate"), Some("Bearer"));

    let wrong = server.request("GET", url, Some(&"0".repeat(64)), &[], None);
    assert_eq!(wrong.status, 401);
    assert_eq!(wrong.error_code(), "unauthorized");
    let message = wrong.json()["error"]["message"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(message.contains("not known"), "{message}");
    assert!(!message.contains("needs a token"), "{message}");
    assert_eq!(
        wrong.header("www-authenticate"),
        Some("Bearer error=\"invalid_token\"")
    );

    let basic = server.request(
        "GET",
        url,
        None,
        &[("Authorization", "Basic dXNlcjpwYXNz")],
        None,
    );
    assert_eq!(basic.status, 401);
    assert!(basic.json()["error"]["message"]
        .as_str()
        .unwrap()
        .contains("Bearer TOKEN"));
}

/// A new data folder starts with the demo catalog: the server says how to remove it, an import
/// says how much of it is left, and `DELETE /api/v1/demo` removes it and nothing else.
#[test]
fn the_demo_catalog_is_counted_and_removed() {
    let server = Process::start_with(&temp_dir("demo"), &[]);
    let hint = server
        .stderr
        .recv_timeout(std::time::Duration::from_secs(30))
        .unwrap();
    assert!(
        hint.contains("bundled demo catalog") && hint.contains("DELETE /api/v1/demo"),
        "{hint}"
    );
    let demo = server.get("/api/v1/demo").json();
    let n_demo = demo["demo_resources"].as_u64().unwrap();
    assert!(n_demo > 1000, "{demo}");
    assert_eq!(demo["resources"], n_demo);

    let editor = server.token("editor");
    let broker = server.token("broker");
    let own = vec![json!({"id": "own-1", "kind": "achievement", "title": "我们自己的成果"})];
    let imported = server.import(
        "?format=jsonl",
        &editor,
        "application/x-ndjson",
        &jsonl(&own),
    );
    assert_eq!(imported.status, 200, "{}", imported.text());
    assert_eq!(imported.json()["demo_resources"], n_demo);

    assert_eq!(
        server.send("DELETE", "/api/v1/demo", None, None).status,
        401
    );
    assert_eq!(
        server
            .send("DELETE", "/api/v1/demo", Some(&broker), None)
            .status,
        403
    );
    let removed = server.send("DELETE", "/api/v1/demo", Some(&editor), None);
    assert_eq!(removed.status, 200, "{}", removed.text());
    let removed = removed.json();
    assert_eq!(removed["removed"], n_demo);
    assert_eq!(removed["resources"], 1);
    assert_eq!(server.catalog().0, 1);
    assert_eq!(server.get("/api/v1/resources/own-1").status, 200);
    assert_eq!(server.get("/api/v1/demo").json()["demo_resources"], 0);
    let again = server.send("DELETE", "/api/v1/demo", Some(&editor), None);
    assert_eq!(again.json()["removed"], 0);

    // A store that started without the demo never holds it.
    let empty = Server::start("no-demo");
    assert_eq!(empty.get("/api/v1/demo").json()["demo_resources"], 0);
}

/// embed.js asks before it frames the widget; the answer names the page's origin and how to allow it.
#[test]
fn the_embed_check_says_whether_an_origin_may_frame_the_widget() {
    let server = Server::start_with(
        &temp_dir("embed-check"),
        &["--no-demo", "--cors-origin", "https://portal.example"],
    );
    let ask = |origin: Option<&str>| {
        let headers: Vec<(&str, &str)> = origin
            .map(|origin| ("Origin", origin))
            .into_iter()
            .collect();
        let reply = server.get_with("/api/v1/embed/check", &headers);
        assert_eq!(reply.status, 200);
        assert_eq!(reply.header("access-control-allow-origin"), Some("*"));
        reply.json()
    };
    let portal = ask(Some("https://portal.example"));
    assert_eq!(portal["allowed"], true);
    assert_eq!(portal["origin"], "https://portal.example");
    let stranger = ask(Some("https://stranger.example"));
    assert_eq!(stranger["allowed"], false);
    assert!(stranger["how_to_allow"]
        .as_str()
        .unwrap()
        .contains("--cors-origin https://stranger.example"));
    assert_eq!(ask(None)["allowed"], true, "the service's own pages");
}

/// A catalog of two resources in Beijing and Shenzhen, and a server with the test clock.
fn engagement_server(name: &str) -> (Server, String) {
    let server = Server::start_with_test_clock(name);
    let editor = server.token("editor");
    let catalog = vec![
        json!({"id": "bj-1", "kind": "achievement", "title": "北京的成果", "region": "110108"}),
        json!({"id": "sz-1", "kind": "expert", "title": "深圳的专家", "region": "440305"}),
    ];
    let reply = server.import(
        "?format=jsonl",
        &editor,
        "application/x-ndjson",
        &jsonl(&catalog),
    );
    assert_eq!(reply.status, 200, "{}", reply.text());
    (server, editor)
}

fn create(server: &Server, token: &str, body: &Value) -> crate::support::Reply {
    server.send("POST", "/api/v1/engagements", Some(token), Some(body))
}

fn stats(server: &Server, token: &str, query: &str) -> crate::support::Reply {
    server.send("GET", &format!("/api/v1/stats?{query}"), Some(token), None)
}

/// An engagement names the enterprise and where it is; statistics count by the resource's province
/// or by the enterprise's (`province_of=need`).
#[test]
fn engagements_carry_the_enterprise_and_stats_count_either_province() {
    let (server, editor) = engagement_server("enterprise");
    let broker = server.token("broker");
    let body = json!({
        "need": {"text": "储能电站热失控预警"},
        "resource_id": "bj-1",
        "fair": "2025 粤港澳大湾区对接会",
        "note": "企业希望三个月内试点",
        "enterprise": "示例储能科技有限公司",
        "enterprise_region": "440305",
    });
    let created = create(&server, &broker, &body);
    assert_eq!(created.status, 201, "{}", created.text());
    let record = created.json();
    assert_eq!(record["enterprise"], "示例储能科技有限公司");
    assert_eq!(record["enterprise_region"], "440305");
    assert_eq!(record["fair"], "2025 粤港澳大湾区对接会");
    assert_eq!(record["note"], "企业希望三个月内试点");
    // Another without an enterprise.
    let plain = create(
        &server,
        &broker,
        &json!({"need": {"text": "深圳的需求"}, "resource_id": "sz-1"}),
    );
    assert_eq!(plain.status, 201, "{}", plain.text());
    assert_eq!(plain.json()["enterprise_region"], Value::Null);

    for (bad, field) in [
        (json!({"enterprise_region": "999999"}), "enterprise_region"),
        (json!({"enterprise_region": "jjj"}), "enterprise_region"),
        (json!({"enterprise": ""}), "enterprise"),
        (json!({"enterprise": "x".repeat(201)}), "enterprise"),
    ] {
        let mut body = json!({"need": {"text": "需要"}, "resource_id": "bj-1"});
        for (key, value) in bad.as_object().unwrap() {
            body[key] = value.clone();
        }
        let reply = create(&server, &broker, &body);
        assert_eq!(reply.status, 422, "{bad}: {}", reply.text());
        let fields: Vec<String> = reply.json()["error"]["details"]["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|error| error["field"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(fields, [field], "{bad}");
    }

    let keys = |body: &Value| -> Vec<(String, u64)> {
        body["groups"]
            .as_array()
            .unwrap()
            .iter()
            .map(|group| {
                (
                    group["key"].as_str().unwrap().to_string(),
                    group["engagements"].as_u64().unwrap(),
                )
            })
            .collect()
    };
    let by_resource = stats(&server, &editor, "group_by=region").json();
    assert_eq!(by_resource["province_of"], "resource");
    assert_eq!(
        keys(&by_resource),
        [("110000".to_string(), 1), ("440000".to_string(), 1)]
    );
    let by_need = stats(&server, &editor, "group_by=region&province_of=need").json();
    assert_eq!(by_need["province_of"], "need");
    assert_eq!(
        keys(&by_need),
        [("(none)".to_string(), 1), ("440000".to_string(), 1)]
    );
    assert_eq!(by_need["groups"][1]["name"], "广东省");
    let explicit = stats(&server, &editor, "group_by=region&province_of=resource").json();
    assert_eq!(keys(&explicit), keys(&by_resource));
    let csv = stats(
        &server,
        &editor,
        "group_by=region&province_of=need&format=csv",
    );
    assert_eq!(csv.status, 200);
    assert!(csv
        .header("content-disposition")
        .unwrap()
        .contains("engagements-by-enterprise-region.csv"));
    assert!(csv.text().contains("\n440000,广东省,1,"), "{}", csv.text());
    for bad in [
        "group_by=region&province_of=planet",
        "group_by=fair&province_of=need",
    ] {
        assert_eq!(stats(&server, &editor, bad).status, 400, "{bad}");
    }
}

/// CSV medians are days with one decimal; the JSON keeps the exact value.
#[test]
fn csv_medians_are_days_with_one_decimal() {
    let (server, editor) = engagement_server("medians");
    let history = [
        // Signed a second after it was recorded.
        ("快", "2025-01-01T00:00:00Z", "2025-01-01T00:00:01Z"),
        // Signed after 3 days and 8 hours.
        ("慢", "2025-01-01T00:00:00Z", "2025-01-04T08:00:00Z"),
    ];
    for (fair, created, signed) in history {
        let reply = create(
            &server,
            &editor,
            &json!({"need": {"text": "需要"}, "resource_id": "bj-1", "fair": fair, "at": created}),
        );
        assert_eq!(reply.status, 201, "{}", reply.text());
        let id = reply.json()["id"].clone();
        let id = id
            .as_i64()
            .map_or_else(|| id.as_str().unwrap().to_string(), |id| id.to_string());
        for to in ["contacted", "negotiating", "signed"] {
            let reply = server.send(
                "POST",
                &format!("/api/v1/engagements/{id}/transitions"),
                Some(&editor),
                Some(&json!({"to": to, "at": signed})),
            );
            assert_eq!(reply.status, 200, "{}", reply.text());
        }
    }
    let json_body = stats(&server, &editor, "group_by=fair").json();
    let fast = &json_body["groups"][0];
    assert_eq!(fast["key"], "快");
    let exact = fast["median_days"]["intent_to_signed"].as_f64().unwrap();
    assert!((exact - 1.0 / 86_400.0).abs() < 1e-12, "{exact}");
    let csv = stats(&server, &editor, "group_by=fair&format=csv").text();
    let mut reader = csv::Reader::from_reader(csv.trim_start_matches('\u{feff}').as_bytes());
    let header = reader.headers().unwrap().clone();
    let column = header
        .iter()
        .position(|name| name == "median_days_intent_to_signed")
        .unwrap();
    let medians: Vec<(String, String)> = reader
        .records()
        .map(|record| {
            let record = record.unwrap();
            (record[0].to_string(), record[column].to_string())
        })
        .collect();
    assert_eq!(
        medians,
        [
            ("快".to_string(), "0.0".to_string()),
            ("慢".to_string(), "3.3".to_string())
        ]
    );
    let landed_column = header
        .iter()
        .position(|name| name == "median_days_signed_to_landed")
        .unwrap();
    assert!(csv.lines().nth(1).unwrap().split(',').nth(landed_column) == Some(""));
}
