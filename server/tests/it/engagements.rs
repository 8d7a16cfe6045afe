//! Engagements over HTTP: every status move allowed or refused, auth by scope, idempotent retries,
//! list filters, the statistics of a generated history against a computation written here, CSV
//! against JSON, and the dashboard page.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use crate::support::Server;

const STATUSES: [&str; 6] = [
    "intent",
    "contacted",
    "negotiating",
    "signed",
    "landed",
    "dropped",
];
const FUNNEL: [&str; 5] = ["intent", "contacted", "negotiating", "signed", "landed"];

/// The test catalog: regions (counties, a city, none), disciplines, industries, societies.
fn catalog() -> Vec<Value> {
    let rows: [(&str, &str, Option<&str>, &[&str], &[&str], &str); 10] = [
        (
            "a-bj-1",
            "achievement",
            Some("110108"),
            &["520"],
            &["65"],
            "中国计算机学会",
        ),
        (
            "a-bj-2",
            "achievement",
            Some("110105"),
            &["510", "520"],
            &["38"],
            "中国电子学会",
        ),
        (
            "e-sh-1",
            "expert",
            Some("310115"),
            &["480"],
            &["38"],
            "中国电工技术学会",
        ),
        (
            "p-sz-1",
            "patent",
            Some("440305"),
            &["510"],
            &["38", "65"],
            "中国电子学会",
        ),
        ("p-sz-2", "patent", Some("440300"), &[], &["38"], ""),
        (
            "o-cd-1",
            "organization",
            Some("510107"),
            &["610"],
            &["77"],
            "中国环境科学学会",
        ),
        (
            "e-nj-1",
            "expert",
            Some("320102"),
            &["620"],
            &[],
            "中国职业安全健康协会",
        ),
        (
            "a-hz-1",
            "achievement",
            Some("330106"),
            &["520"],
            &["65"],
            "中国计算机学会",
        ),
        (
            "e-none",
            "expert",
            None,
            &["480"],
            &["38"],
            "中国电工技术学会",
        ),
        ("-odd.id", "achievement", Some("110108"), &[], &[], ""),
    ];
    rows.iter()
        .map(|(id, kind, region, disciplines, industries, society)| {
            let mut resource = json!({
                "id": id, "kind": kind, "title": format!("资源 {id}"),
                "summary": "面向企业的技术方案与服务。",
                "disciplines": disciplines, "industries": industries,
            });
            if let Some(region) = region {
                resource["region"] = json!(region);
            }
            if !society.is_empty() {
                resource["society"] = json!(society);
            }
            if *kind == "achievement" || *kind == "patent" {
                resource["maturity"] = json!(6);
            }
            if *kind == "patent" {
                resource["patent"] =
                    json!({"number": "CN202010000001.1", "ipc": ["H01M 10/05"], "status": "授权"});
            }
            resource
        })
        .collect()
}

/// A server with the test catalog and the test clock (`at` accepted), and an editor token.
fn start(name: &str) -> (Server, String) {
    let server = Server::start_with_test_clock(name);
    let editor = server.token("editor");
    let reply = server.import(
        "?format=jsonl",
        &editor,
        "application/x-ndjson",
        &crate::support::jsonl(&catalog()),
    );
    assert_eq!(reply.status, 200, "{}", reply.text());
    (server, editor)
}

fn need() -> Value {
    json!({"text": "需要锂电池储能系统的热管理技术", "region": "320102"})
}

fn create(server: &Server, token: &str, body: &Value) -> crate::support::Reply {
    server.send("POST", "/api/v1/engagements", Some(token), Some(body))
}

fn transition(server: &Server, token: &str, id: &str, body: &Value) -> crate::support::Reply {
    server.send(
        "POST",
        &format!("/api/v1/engagements/{id}/transitions"),
        Some(token),
        Some(body),
    )
}

/// The moves the issue allows, written out: one step forward, or dropped from an open status.
fn allowed(from: &str) -> Vec<&'static str> {
    match from {
        "intent" => vec!["contacted", "dropped"],
        "contacted" => vec!["negotiating", "dropped"],
        "negotiating" => vec!["signed", "dropped"],
        "signed" => vec!["landed", "dropped"],
        _ => vec![],
    }
}

/// The moves from intent that reach `status`.
fn path_to(status: &str) -> Vec<&'static str> {
    match status {
        "dropped" => vec!["dropped"],
        _ => FUNNEL[1..=FUNNEL.iter().position(|s| *s == status).unwrap()].to_vec(),
    }
}

/// The moves the server applies (the test above) are those of `duijie_core::engagement::Status`,
/// whose names and final statuses the widget reads.
#[test]
fn the_specified_moves_are_the_core_statuses() {
    use duijie_core::engagement::Status;
    let names: Vec<&str> = Status::ALL.iter().map(|status| status.as_str()).collect();
    assert_eq!(names, STATUSES);
    let funnel: Vec<&str> = Status::FUNNEL
        .iter()
        .map(|status| status.as_str())
        .collect();
    assert_eq!(funnel, FUNNEL);
    for status in Status::ALL {
        let next: Vec<&str> = status
            .allowed_next()
            .iter()
            .map(|next| next.as_str())
            .collect();
        assert_eq!(next, allowed(status.as_str()), "{status}");
    }
}

#[test]
fn every_move_between_statuses_is_allowed_or_refused_as_specified() {
    let (server, editor) = start("eng-moves");
    let broker = server.token("broker");
    let mut key = 0;
    for from in STATUSES {
        for to in STATUSES {
            key += 1;
            let reply = create(
                &server,
                &broker,
                &json!({"need": need(), "resource_id": "a-bj-1", "note": "展会现场登记", "idempotency_key": format!("k{key}")}),
            );
            assert_eq!(reply.status, 201, "{}", reply.text());
            let id = reply.json()["id"].as_str().unwrap().to_string();
            for step in path_to(from) {
                let reply = transition(&server, &broker, &id, &json!({"to": step}));
                assert_eq!(reply.status, 200, "{from}: {step}: {}", reply.text());
            }
            let reply = transition(
                &server,
                &editor,
                &id,
                &json!({"to": to, "note": format!("{from}→{to}")}),
            );
            if allowed(from).contains(&to) {
                assert_eq!(reply.status, 200, "{from} → {to}: {}", reply.text());
                let body = reply.json();
                assert_eq!(body["status"], to);
                let last = body["history"].as_array().unwrap().last().unwrap().clone();
                assert_eq!(last["from"], from);
                assert_eq!(last["to"], to);
                assert_eq!(last["note"], format!("{from}→{to}"));
                assert_eq!(last["by"]["scope"], "editor");
                assert_eq!(last["by"]["token"].as_str().unwrap().len(), 16);
                assert!(last["at"].as_str().unwrap().ends_with('Z'));
                assert!(!reply.text().contains(&editor) && !reply.text().contains(&broker));
            } else {
                assert_eq!(reply.status, 409, "{from} → {to}: {}", reply.text());
                let error = reply.json()["error"].clone();
                assert_eq!(error["code"], "conflict");
                assert_eq!(error["details"]["current"], from);
                assert_eq!(
                    error["details"]["allowed"],
                    json!(allowed(from)),
                    "{from} → {to}"
                );
                let stored = server.get_with(
                    &format!("/api/v1/engagements/{id}"),
                    &[("Authorization", &format!("Bearer {editor}"))],
                );
                assert_eq!(
                    stored.json()["status"],
                    from,
                    "a refused move changes nothing"
                );
            }
        }
    }
    // The whole history of one engagement: creation, then each step, with who and the notes.
    let reply = create(
        &server,
        &broker,
        &json!({"need": need(), "resource_id": "e-sh-1", "note": "意向"}),
    );
    let id = reply.json()["id"].as_str().unwrap().to_string();
    for step in path_to("landed") {
        assert_eq!(
            transition(&server, &broker, &id, &json!({"to": step, "note": step})).status,
            200
        );
    }
    let body = transition(&server, &broker, &id, &json!({"to": "dropped"})).json();
    assert_eq!(body["error"]["details"]["allowed"], json!([]));
    let body = server
        .get_with(
            &format!("/api/v1/engagements/{id}"),
            &[("Authorization", &format!("Bearer {editor}"))],
        )
        .json();
    let history: Vec<(Value, Value, Value)> = body["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|step| {
            (
                step["from"].clone(),
                step["to"].clone(),
                step["note"].clone(),
            )
        })
        .collect();
    assert_eq!(
        history,
        vec![
            (Value::Null, json!("intent"), json!("意向")),
            (json!("intent"), json!("contacted"), json!("contacted")),
            (
                json!("contacted"),
                json!("negotiating"),
                json!("negotiating")
            ),
            (json!("negotiating"), json!("signed"), json!("signed")),
            (json!("signed"), json!("landed"), json!("landed")),
        ]
    );
    assert_eq!(body["created_by"]["scope"], "broker");
    assert_eq!(body["resource"]["region"], "310115");
    assert_eq!(body["resource"]["society"], "中国电工技术学会");
    // Unknown engagements and statuses.
    assert_eq!(
        transition(&server, &broker, "999999", &json!({"to": "contacted"})).status,
        404
    );
    assert_eq!(
        transition(&server, &broker, &id, &json!({"to": "won"})).status,
        422
    );
}

#[test]
fn auth_brokers_record_editors_read() {
    let (server, editor) = start("eng-auth");
    let broker = server.token("broker");
    let admin = server.token("admin");
    let body = json!({"need": need(), "resource_id": "a-bj-1"});
    // No token or an unknown one: 401 everywhere.
    for (method, path) in [
        ("POST", "/api/v1/engagements"),
        ("GET", "/api/v1/engagements"),
        ("GET", "/api/v1/engagements/1"),
        ("POST", "/api/v1/engagements/1/transitions"),
        ("GET", "/api/v1/stats"),
    ] {
        let payload = (method == "POST").then_some(&body);
        assert_eq!(
            server.send(method, path, None, payload).status,
            401,
            "{method} {path}"
        );
        assert_eq!(
            server.send(method, path, Some("nope"), payload).status,
            401,
            "{method} {path}"
        );
    }
    // A broker records and moves, but does not list the records or read the indicators.
    let reply = create(&server, &broker, &body);
    assert_eq!(reply.status, 201, "{}", reply.text());
    let id = reply.json()["id"].as_str().unwrap().to_string();
    assert_eq!(
        reply.header("location"),
        Some(format!("/api/v1/engagements/{id}").as_str())
    );
    assert_eq!(
        transition(&server, &broker, &id, &json!({"to": "contacted"})).status,
        200
    );
    // It follows its own record (the widget shows the status), not another broker's.
    let own = server.send(
        "GET",
        &format!("/api/v1/engagements/{id}"),
        Some(&broker),
        None,
    );
    assert_eq!(own.status, 200, "{}", own.text());
    assert_eq!(own.json()["status"], "contacted");
    let other_broker = server.token("broker");
    let reply = server.send(
        "GET",
        &format!("/api/v1/engagements/{id}"),
        Some(&other_broker),
        None,
    );
    // Answered as an engagement that does not exist: the record is not another broker's to see.
    assert_eq!(reply.status, 404, "{}", reply.text());
    assert_eq!(reply.error_code(), "not_found");
    // whoami: the scope behind a token, 401 without one.
    assert_eq!(server.send("GET", "/api/v1/whoami", None, None).status, 401);
    assert_eq!(
        server
            .send("GET", "/api/v1/whoami", Some("nope"), None)
            .status,
        401
    );
    let me = server
        .send("GET", "/api/v1/whoami", Some(&broker), None)
        .json();
    assert_eq!(me["scope"], "broker");
    assert_eq!(me["token_id"], own.json()["created_by"]["token"]);
    assert!(!me.to_string().contains(&broker));
    for path in [
        "/api/v1/engagements".to_string(),
        format!("/api/v1/engagements/{id}"),
        "/api/v1/stats".to_string(),
    ] {
        let token = if path.ends_with(&id.to_string()) {
            &other_broker
        } else {
            &broker
        };
        let reply = server.send("GET", &path, Some(token), None);
        let (status, code) = if path.ends_with(&id.to_string()) {
            (404, "not_found")
        } else {
            (403, "forbidden")
        };
        assert_eq!(reply.status, status, "{path}");
        assert_eq!(reply.error_code(), code);
        for token in [&editor, &admin] {
            assert_eq!(
                server.send("GET", &path, Some(token), None).status,
                200,
                "{path}"
            );
        }
    }
    let list = server
        .send("GET", "/api/v1/engagements", Some(&editor), None)
        .json();
    assert_eq!(list["total"], 1);
    assert_eq!(list["items"][0]["status"], "contacted");
}

/// An enterprise token records engagements in its own organisation's name, for its own stored
/// needs only: another name or another's need put its records in another enterprise's figures (a
/// review recorded one as 乙公司, with 乙公司's need, and moved it to landed).
#[test]
fn an_enterprise_records_engagements_as_itself() {
    let (server, editor) = start("eng-enterprise");
    let jia = crate::support::enterprise_token(&server.data, "甲公司");
    for (id, organization) in [("n-jia", "甲公司"), ("n-yi", "乙公司")] {
        let stored = json!({
            "id": id, "title": "锂电池热管理", "text": "需要锂电池储能系统的热管理技术",
            "organization": organization, "visibility": "members",
        });
        let reply = server.send("POST", "/api/v1/needs", Some(&editor), Some(&stored));
        assert_eq!(reply.status, 201, "{}", reply.text());
    }
    let body = |extra: Value| {
        let mut body = json!({"need": need(), "resource_id": "a-bj-1"});
        body.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        body
    };
    let reply = create(&server, &jia, &body(json!({})));
    assert_eq!(reply.status, 201, "{}", reply.text());
    assert_eq!(reply.json()["enterprise"], "甲公司", "{}", reply.text());
    let own = reply.json()["id"].as_str().unwrap().to_string();
    let reply = create(&server, &jia, &body(json!({"enterprise": "乙公司"})));
    assert_eq!(reply.status, 403, "{}", reply.text());
    let reply = create(&server, &jia, &body(json!({"need_id": "n-yi"})));
    assert_eq!(reply.status, 404, "{}", reply.text());
    let reply = create(
        &server,
        &jia,
        &body(json!({"need_id": "n-jia", "enterprise": "甲公司"})),
    );
    assert_eq!(reply.status, 201, "{}", reply.text());
    assert_eq!(reply.json()["need_id"], "n-jia");
    // Its own record it moves, as a broker does.
    let reply = transition(&server, &jia, &own, &json!({"to": "contacted"}));
    assert_eq!(reply.status, 200, "{}", reply.text());
}

#[test]
fn retries_with_the_same_key_make_one_record() {
    let (server, editor) = start("eng-idem");
    let broker = server.token("broker");
    let other_broker = server.token("broker");
    let body = json!({"need": need(), "resource_id": "p-sz-1", "fair": "2026 深圳对接会", "note": "带样品", "idempotency_key": "tablet-7:42"});
    let first = create(&server, &broker, &body);
    assert_eq!(first.status, 201, "{}", first.text());
    // The same body again, keys in another order: 200 with the original.
    let reordered: Value = serde_json::from_str(
        r#"{"idempotency_key": "tablet-7:42", "note": "带样品", "fair": "2026 深圳对接会", "resource_id": "p-sz-1", "need": {"region": "320102", "text": "需要锂电池储能系统的热管理技术"}}"#,
    )
    .unwrap();
    let again = create(&server, &broker, &reordered);
    assert_eq!(again.status, 200, "{}", again.text());
    assert_eq!(again.json(), first.json());
    // The key with another body: 409, nothing created.
    let mut changed = body.clone();
    changed["note"] = json!("另一条");
    let reply = create(&server, &broker, &changed);
    assert_eq!(reply.status, 409, "{}", reply.text());
    assert_eq!(reply.error_code(), "conflict");
    // Another token's key space is its own.
    assert_eq!(create(&server, &other_broker, &body).status, 201);
    let list = server
        .send("GET", "/api/v1/engagements", Some(&editor), None)
        .json();
    assert_eq!(list["total"], 2);
    // Invalid bodies: 422 with the fields named.
    for (bad, field) in [
        (
            json!({"need": need(), "resource_id": "no-such"}),
            "resource_id",
        ),
        (
            json!({"need": {"text": ""}, "resource_id": "a-bj-1"}),
            "need.text",
        ),
        (
            json!({"need": {"text": "x", "colour": 1}, "resource_id": "a-bj-1"}),
            "need.colour",
        ),
        (json!({"resource_id": "a-bj-1"}), "need"),
        (json!({"need": need()}), "resource_id"),
        (
            json!({"need": need(), "resource_id": "a-bj-1", "extra": 1}),
            "extra",
        ),
        (
            json!({"need": need(), "resource_id": "a-bj-1", "note": "=SUM(A1)"}),
            "note",
        ),
        (
            json!({"need": need(), "resource_id": "a-bj-1", "idempotency_key": ""}),
            "idempotency_key",
        ),
    ] {
        let reply = create(&server, &broker, &bad);
        assert_eq!(reply.status, 422, "{bad}: {}", reply.text());
        let fields: Vec<String> = reply.json()["error"]["details"]["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|error| error["field"].as_str().unwrap().to_string())
            .collect();
        assert!(fields.iter().any(|f| f == field), "{bad}: {fields:?}");
    }
}

#[test]
fn the_test_clock_is_off_unless_asked_for() {
    let server = Server::start("eng-clock");
    let editor = server.token("editor");
    let reply = server.import(
        "?format=jsonl",
        &editor,
        "application/x-ndjson",
        &crate::support::jsonl(&catalog()),
    );
    assert_eq!(reply.status, 200);
    let reply = create(
        &server,
        &editor,
        &json!({"need": need(), "resource_id": "a-bj-1", "at": "2020-01-01T00:00:00Z"}),
    );
    assert_eq!(reply.status, 422, "{}", reply.text());
}

#[test]
fn the_list_filters_and_pages() {
    let (server, editor) = start("eng-list");
    let plan = [
        ("a-bj-1", "fair-a", "2025-03-01T10:00:00Z", "contacted"),
        ("a-bj-2", "fair-a", "2025-04-01T10:00:00Z", "intent"),
        ("e-sh-1", "fair-b", "2025-05-01T10:00:00Z", "contacted"),
        ("p-sz-1", "fair-b", "2025-06-01T10:00:00Z", "dropped"),
        ("e-none", "fair-a", "2025-07-01T10:00:00Z", "intent"),
    ];
    for (resource, fair, at, status) in plan {
        let id = create(
            &server,
            &editor,
            &json!({"need": need(), "resource_id": resource, "fair": fair, "at": at}),
        )
        .json()["id"]
            .as_str()
            .unwrap()
            .to_string();
        if status != "intent" {
            assert_eq!(
                transition(
                    &server,
                    &editor,
                    &id,
                    &json!({"to": status, "at": "2025-08-01T00:00:00Z"})
                )
                .status,
                200
            );
        }
    }
    let ids = |query: &str| -> (u64, Vec<String>) {
        let reply = server.send(
            "GET",
            &format!("/api/v1/engagements{query}"),
            Some(&editor),
            None,
        );
        assert_eq!(reply.status, 200, "{query}: {}", reply.text());
        let body = reply.json();
        let items = body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|item| item["resource_id"].as_str().unwrap().to_string())
            .collect();
        (body["total"].as_u64().unwrap(), items)
    };
    assert_eq!(
        ids(""),
        (
            5,
            vec![
                "e-none".into(),
                "p-sz-1".into(),
                "e-sh-1".into(),
                "a-bj-2".into(),
                "a-bj-1".into()
            ]
        )
    );
    assert_eq!(
        ids("?status=contacted"),
        (2, vec!["e-sh-1".into(), "a-bj-1".into()])
    );
    assert_eq!(
        ids("?region=110000"),
        (2, vec!["a-bj-2".into(), "a-bj-1".into()])
    );
    assert_eq!(
        ids("?region=jjj"),
        (2, vec!["a-bj-2".into(), "a-bj-1".into()])
    );
    assert_eq!(ids("?region=440300").0, 1);
    assert_eq!(
        ids("?society=中国电子学会"),
        (2, vec!["p-sz-1".into(), "a-bj-2".into()])
    );
    assert_eq!(ids("?fair=fair-b").0, 2);
    assert_eq!(
        ids("?since=2025-04-01&until=2025-06-01"),
        (2, vec!["e-sh-1".into(), "a-bj-2".into()])
    );
    assert_eq!(
        ids("?limit=2&offset=1"),
        (5, vec!["p-sz-1".into(), "e-sh-1".into()])
    );
    for bad in [
        "?status=won",
        "?region=999999",
        "?since=yesterday",
        "?colour=red",
        "?limit=x",
    ] {
        let reply = server.send(
            "GET",
            &format!("/api/v1/engagements{bad}"),
            Some(&editor),
            None,
        );
        assert_eq!(reply.status, 400, "{bad}");
    }
}

/// xorshift64*: a seeded, reproducible sequence.
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// 2025-01-01T00:00:00Z.
const BASE: i64 = 1_735_689_600;

/// RFC 3339 of a Unix time in 2025–2027 (none of them leap years), month by month.
fn rfc3339(seconds: i64) -> String {
    let mut day = (seconds - BASE).div_euclid(86_400);
    let in_day = (seconds - BASE).rem_euclid(86_400);
    let lengths = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    let mut year = 2025;
    let mut month = 0;
    while day >= lengths[month] {
        day -= lengths[month];
        month += 1;
        if month == 12 {
            month = 0;
            year += 1;
        }
    }
    format!(
        "{year}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        month + 1,
        day + 1,
        in_day / 3600,
        in_day / 60 % 60,
        in_day % 60
    )
}

/// One generated engagement, as the test knows it.
struct Generated {
    resource: Value,
    fair: Option<String>,
    created: i64,
    /// `(status, at)` of each move.
    moves: Vec<(&'static str, i64)>,
}

impl Generated {
    fn status(&self) -> &'static str {
        self.moves.last().map(|m| m.0).unwrap_or("intent")
    }

    fn reached(&self, status: &str) -> Option<i64> {
        if status == "intent" {
            return Some(self.created);
        }
        self.moves.iter().find(|m| m.0 == status).map(|m| m.1)
    }

    fn groups(&self, group_by: &str) -> Vec<String> {
        let text = |value: &Value| value.as_str().filter(|s| !s.is_empty()).map(str::to_string);
        let list = |value: &Value| -> Vec<String> {
            let mut items: Vec<String> = value
                .as_array()
                .map(|items| {
                    items
                        .iter()
                        .map(|v| v.as_str().unwrap().to_string())
                        .collect()
                })
                .unwrap_or_default();
            items.sort();
            items.dedup();
            if items.is_empty() {
                items.push("(none)".into());
            }
            items
        };
        match group_by {
            "region" => vec![text(&self.resource["region"])
                .map(|code| format!("{}0000", &code[..2]))
                .unwrap_or("(none)".into())],
            "discipline" => list(&self.resource["disciplines"]),
            "industry" => list(&self.resource["industries"]),
            "society" => vec![text(&self.resource["society"]).unwrap_or("(none)".into())],
            "kind" => vec![text(&self.resource["kind"]).unwrap()],
            "fair" => vec![self.fair.clone().unwrap_or("(none)".into())],
            "month" => vec![rfc3339(self.created)[..7].to_string()],
            other => panic!("{other}"),
        }
    }
}

fn generate(server: &Server, token: &str, n: usize, seed: u64) -> Vec<Generated> {
    let resources = catalog();
    let fairs = [Some("2025 长三角对接会"), Some("2025 京津冀对接会"), None];
    let mut random = Random(seed);
    let mut out = Vec::new();
    for i in 0..n {
        let resource = resources[random.below(resources.len() as u64) as usize].clone();
        let fair = fairs[random.below(3) as usize].map(str::to_string);
        let created = BASE + random.below(400 * 86_400) as i64;
        let mut body = json!({"need": need(), "resource_id": resource["id"], "at": rfc3339(created), "idempotency_key": format!("gen-{i}")});
        if let Some(fair) = &fair {
            body["fair"] = json!(fair);
        }
        let reply = create(server, token, &body);
        assert_eq!(reply.status, 201, "{}", reply.text());
        let id = reply.json()["id"].as_str().unwrap().to_string();
        let mut generated = Generated {
            resource,
            fair,
            created,
            moves: Vec::new(),
        };
        let mut at = created;
        let mut status = "intent";
        loop {
            let roll = random.below(100);
            let to = if status == "landed" || roll < 20 {
                break;
            } else if roll < 32 {
                "dropped"
            } else {
                FUNNEL[FUNNEL.iter().position(|s| *s == status).unwrap() + 1]
            };
            at += 3600 + random.below(60 * 86_400) as i64;
            let reply = transition(server, token, &id, &json!({"to": to, "at": rfc3339(at)}));
            assert_eq!(reply.status, 200, "{}", reply.text());
            generated.moves.push((to, at));
            if to == "dropped" {
                break;
            }
            status = to;
        }
        out.push(generated);
    }
    out
}

fn median(mut values: Vec<f64>) -> Value {
    if values.is_empty() {
        return Value::Null;
    }
    values.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let n = values.len();
    json!(if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    })
}

/// The indicators of some engagements, computed here from what the test generated.
fn expected_group(members: &[&Generated]) -> Value {
    let n = members.len();
    let mut status = serde_json::Map::new();
    for s in STATUSES {
        status.insert(
            s.into(),
            json!(members.iter().filter(|g| g.status() == s).count()),
        );
    }
    let mut reached = serde_json::Map::new();
    let mut rates = serde_json::Map::new();
    for s in FUNNEL {
        let count = members.iter().filter(|g| g.reached(s).is_some()).count();
        reached.insert(s.into(), json!(count));
        if s != "intent" {
            rates.insert(s.into(), json!(count as f64 / n as f64));
        }
    }
    let to_signed = members
        .iter()
        .filter_map(|g| Some((g.reached("signed")? - g.created) as f64 / 86_400.0))
        .collect();
    let to_landed = members
        .iter()
        .filter_map(|g| Some((g.reached("landed")? - g.reached("signed")?) as f64 / 86_400.0))
        .collect();
    let mut per_resource: BTreeMap<String, usize> = BTreeMap::new();
    for g in members {
        *per_resource
            .entry(g.resource["id"].as_str().unwrap().to_string())
            .or_default() += 1;
    }
    let mut top: Vec<(String, usize)> = per_resource.into_iter().collect();
    top.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    top.truncate(5);
    json!({
        "engagements": n,
        "status": status,
        "reached": reached,
        "rates": rates,
        "median_days": {"intent_to_signed": median(to_signed), "signed_to_landed": median(to_landed)},
        "top_resources": top.iter().map(|(id, count)| json!({"resource_id": id, "engagements": count})).collect::<Vec<_>>(),
    })
}

/// Equal JSON, numbers within 1e-9.
fn assert_close(actual: &Value, expected: &Value, at: &str) {
    match (actual, expected) {
        (Value::Number(a), Value::Number(e)) => {
            let (a, e) = (a.as_f64().unwrap(), e.as_f64().unwrap());
            assert!((a - e).abs() < 1e-9, "{at}: {a} != {e}");
        }
        (Value::Object(a), Value::Object(e)) => {
            for (key, value) in e {
                assert_close(&a[key], value, &format!("{at}.{key}"));
            }
        }
        (Value::Array(a), Value::Array(e)) => {
            assert_eq!(a.len(), e.len(), "{at}: {actual} vs {expected}");
            for (index, (a, e)) in a.iter().zip(e).enumerate() {
                assert_close(a, e, &format!("{at}[{index}]"));
            }
        }
        _ => assert_eq!(actual, expected, "{at}"),
    }
}

fn stats(server: &Server, token: &str, query: &str) -> crate::support::Reply {
    let reply = server.send("GET", &format!("/api/v1/stats?{query}"), Some(token), None);
    assert_eq!(reply.status, 200, "{query}: {}", reply.text());
    reply
}

#[test]
fn statistics_of_a_generated_history_match_an_independent_computation() {
    let (server, editor) = start("eng-stats");
    let history = generate(&server, &editor, 300, 0x5eed_d01e);
    let windows: [(&str, Option<(i64, i64)>); 2] = [
        ("", None),
        // 2025-04-01 (day 90) to 2025-09-01 (day 243), until exclusive.
        (
            "&since=2025-04-01&until=2025-09-01T00:00:00Z",
            Some((BASE + 90 * 86_400, BASE + 243 * 86_400)),
        ),
    ];
    for group_by in [
        "region",
        "discipline",
        "industry",
        "society",
        "kind",
        "fair",
        "month",
    ] {
        for (window_query, window) in &windows {
            let members: Vec<&Generated> = history
                .iter()
                .filter(|g| {
                    window.is_none_or(|(since, until)| g.created >= since && g.created < until)
                })
                .collect();
            let mut groups: BTreeMap<String, Vec<&Generated>> = BTreeMap::new();
            for g in &members {
                for key in g.groups(group_by) {
                    groups.entry(key).or_default().push(g);
                }
            }
            let body = stats(
                &server,
                &editor,
                &format!("group_by={group_by}{window_query}"),
            )
            .json();
            assert_eq!(body["group_by"], group_by);
            assert_close(
                &body["overall"],
                &expected_group(&members),
                &format!("{group_by}{window_query} overall"),
            );
            let actual: Vec<&Value> = body["groups"].as_array().unwrap().iter().collect();
            let actual_keys: Vec<&str> =
                actual.iter().map(|g| g["key"].as_str().unwrap()).collect();
            let expected_keys: Vec<&str> = groups.keys().map(String::as_str).collect();
            assert_eq!(actual_keys, expected_keys, "{group_by}{window_query}");
            for (group, (key, members)) in actual.iter().zip(&groups) {
                assert_close(
                    group,
                    &expected_group(members),
                    &format!("{group_by}{window_query} {key}"),
                );
            }
        }
    }
    // Province names come from the taxonomy.
    let body = stats(&server, &editor, "group_by=region").json();
    let beijing = body["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["key"] == "110000")
        .unwrap();
    assert_eq!(beijing["name"], "北京市");
    // Bad queries.
    for bad in [
        "group_by=planet",
        "since=tomorrow",
        "format=xml",
        "colour=red",
    ] {
        let reply = server.send("GET", &format!("/api/v1/stats?{bad}"), Some(&editor), None);
        assert_eq!(reply.status, 400, "{bad}");
    }
    // Changing the catalog later does not move the statistics: engagements keep their copy.
    let before = stats(&server, &editor, "group_by=region").json();
    let mut moved = catalog()[0].clone();
    moved["region"] = json!("440305");
    let reply = server.send(
        "PUT",
        "/api/v1/resources/a-bj-1",
        Some(&editor),
        Some(&moved),
    );
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert_eq!(stats(&server, &editor, "group_by=region").json(), before);

    // A write after a read is seen at once (the server reuses rows only while nothing changed).
    let reply = create(
        &server,
        &editor,
        &json!({"need": need(), "resource_id": "e-nj-1"}),
    );
    assert_eq!(reply.status, 201);
    let id = reply.json()["id"].as_str().unwrap().to_string();
    let after = stats(&server, &editor, "group_by=kind").json();
    assert_eq!(after["overall"]["engagements"], 301);
    assert_eq!(
        transition(&server, &editor, &id, &json!({"to": "contacted"})).status,
        200
    );
    let after = stats(&server, &editor, "group_by=kind").json();
    assert_eq!(
        after["overall"]["reached"]["contacted"],
        before["overall"]["reached"]["contacted"].as_u64().unwrap() + 1
    );

    // CSV: the same numbers, one row per group, with a BOM.
    for group_by in [
        "region",
        "discipline",
        "industry",
        "society",
        "kind",
        "fair",
        "month",
    ] {
        let json_body = stats(&server, &editor, &format!("group_by={group_by}")).json();
        let reply = stats(&server, &editor, &format!("group_by={group_by}&format=csv"));
        assert!(reply
            .header("content-type")
            .unwrap()
            .starts_with("text/csv"));
        assert!(reply.body.starts_with(b"\xEF\xBB\xBF"));
        let mut reader = csv::Reader::from_reader(&reply.body[3..]);
        let header: Vec<String> = reader
            .headers()
            .unwrap()
            .iter()
            .map(str::to_string)
            .collect();
        let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
        let groups = json_body["groups"].as_array().unwrap();
        assert_eq!(rows.len(), groups.len(), "{group_by}");
        for (row, group) in rows.iter().zip(groups) {
            let cell = |name: &str| {
                row.get(header.iter().position(|h| h == name).unwrap())
                    .unwrap()
                    .to_string()
            };
            let key = group["key"].as_str().unwrap();
            let expected_key = if key.starts_with('-') {
                format!("'{key}")
            } else {
                key.to_string()
            };
            assert_eq!(cell("group"), expected_key);
            assert_eq!(cell("name"), group["name"].as_str().unwrap());
            assert_eq!(cell("engagements"), group["engagements"].to_string());
            for status in STATUSES {
                assert_eq!(
                    cell(&format!("status_{status}")),
                    group["status"][status].to_string()
                );
            }
            for status in &FUNNEL[1..] {
                assert_eq!(
                    cell(&format!("reached_{status}")),
                    group["reached"][status].to_string()
                );
                // serde_json's default float parsing may be off by an ulp, so not bit for bit.
                let rate: f64 = cell(&format!("rate_{status}")).parse().unwrap();
                assert!((rate - group["rates"][status].as_f64().unwrap()).abs() < 1e-12);
            }
            for (column, field) in [
                ("median_days_intent_to_signed", "intent_to_signed"),
                ("median_days_signed_to_landed", "signed_to_landed"),
            ] {
                let text = cell(column);
                match group["median_days"][field].as_f64() {
                    None => assert_eq!(text, ""),
                    // Days with one decimal, as a spreadsheet shows them.
                    Some(days) => assert_eq!(text, format!("{days:.1}")),
                }
            }
            let top: Vec<String> = group["top_resources"]
                .as_array()
                .unwrap()
                .iter()
                .map(|t| {
                    format!(
                        "{}:{}",
                        t["resource_id"].as_str().unwrap(),
                        t["engagements"]
                    )
                })
                .collect();
            let top = top.join(";");
            let expected_top = if top.starts_with('-') {
                format!("'{top}")
            } else {
                top
            };
            assert_eq!(cell("top_resources"), expected_top);
        }
    }
}

#[test]
fn the_dashboard_is_served_with_the_csp() {
    let server = Server::start("eng-dashboard");
    let page = server.get("/dashboard");
    assert_eq!(page.status, 200);
    assert!(page
        .header("content-type")
        .unwrap()
        .starts_with("text/html"));
    assert_eq!(
        page.header("content-security-policy"),
        Some(duijie_server::CSP)
    );
    let html = page.text();
    assert!(html.contains(r#"<script src="/dashboard/dashboard.js"></script>"#));
    assert!(
        !html.contains("<script>"),
        "no inline script: the CSP forbids it"
    );
    assert!(
        !html.contains("http://") && !html.contains("https://"),
        "no CDN"
    );
    let script = server.get("/dashboard/dashboard.js");
    assert_eq!(script.status, 200);
    assert!(script
        .header("content-type")
        .unwrap()
        .starts_with("text/javascript"));
    let js = script.text();
    assert!(!js.contains("innerHTML") && !js.contains("eval(") && !js.contains("document.write"));
    assert!(js.contains("textContent") && js.contains("sessionStorage"));
    // The per-fair section: a picker of the fairs and their figures.
    assert!(html.contains(r#"<select id="fair-pick">"#) && html.contains(r#"id="fair-table""#));
    assert!(js.contains(r#""/api/v1/fairs/" + encodeURIComponent(id) + "/stats""#));
}
