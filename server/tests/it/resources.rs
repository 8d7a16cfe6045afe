//! Resource reads and writes, search with facets, taxonomies, and privacy of contacts.

use serde_json::{json, Value};

use crate::support::{jsonl, resource, small_catalog, Server};

#[test]
fn create_read_replace_delete_and_contacts_stay_private() {
    let server = Server::start("crud");
    let editor = server.token("editor");
    let body = resource("p-1", "patent", "一种锂电池回收方法");
    let created = server.send("POST", "/api/v1/resources", Some(&editor), Some(&body));
    assert_eq!(created.status, 201, "{}", created.text());
    assert_eq!(created.header("location"), Some("/api/v1/resources/p-1"));
    let again = server.send("POST", "/api/v1/resources", Some(&editor), Some(&body));
    assert_eq!(again.status, 409);
    assert_eq!(again.error_code(), "conflict");

    let got = server.get("/api/v1/resources/p-1").json();
    assert_eq!(got["title"], "一种锂电池回收方法");
    assert_eq!(got["patent"]["number"], "CN202010000001.1");
    // Contacts never leave the server on a public route.
    for path in [
        "/api/v1/resources/p-1",
        "/api/v1/resources",
        "/api/v1/resources?q=锂电池",
        "/api/v1/snapshot",
    ] {
        let reply = server.get(path);
        assert_eq!(reply.status, 200, "{path}");
        assert!(
            !reply.text().contains("contact"),
            "{path}: {}",
            reply.text()
        );
        assert!(!reply.text().contains("010-12345678"), "{path}");
    }
    let matched = server.send(
        "POST",
        "/api/v1/match",
        None,
        Some(&json!({"need": {"text": "锂电池回收"}})),
    );
    assert!(!matched.text().contains("010-12345678"));

    let mut changed = body.clone();
    changed["title"] = json!("一种改进的锂电池回收方法");
    changed.as_object_mut().unwrap().remove("id");
    let put = server.send(
        "PUT",
        "/api/v1/resources/p-1",
        Some(&editor),
        Some(&changed),
    );
    assert_eq!(put.status, 200, "{}", put.text());
    assert_eq!(
        server.get("/api/v1/resources/p-1").json()["title"],
        "一种改进的锂电池回收方法"
    );
    let mut other_id = body.clone();
    other_id["id"] = json!("p-2");
    let mismatch = server.send(
        "PUT",
        "/api/v1/resources/p-1",
        Some(&editor),
        Some(&other_id),
    );
    assert_eq!(mismatch.status, 422);

    let deleted = server.send("DELETE", "/api/v1/resources/p-1", Some(&editor), None);
    assert_eq!(deleted.status, 200);
    let missing = server.get("/api/v1/resources/p-1");
    assert_eq!(missing.status, 404);
    assert_eq!(missing.error_code(), "not_found");
    let again = server.send("DELETE", "/api/v1/resources/p-1", Some(&editor), None);
    assert_eq!(again.status, 404);
}

#[test]
fn invalid_resource_bodies_are_located_422s() {
    let server = Server::start("invalid-body");
    let editor = server.token("editor");
    let reply = server.send(
        "POST",
        "/api/v1/resources",
        Some(&editor),
        Some(&json!({"id": "bad id!", "kind": "robot", "colour": "red"})),
    );
    assert_eq!(reply.status, 422, "{}", reply.text());
    let errors = reply.json()["error"]["details"]["errors"].clone();
    let fields: Vec<&str> = errors
        .as_array()
        .unwrap()
        .iter()
        .map(|error| error["field"].as_str().unwrap())
        .collect();
    assert!(fields.contains(&"kind"), "{fields:?}");
    assert!(fields.contains(&"colour"), "{fields:?}");
    let reply = server.send("POST", "/api/v1/resources", Some(&editor), None);
    assert_eq!(reply.status, 400);
    assert_eq!(reply.error_code(), "bad_json");
    // A byte order mark before the JSON (Notepad, PowerShell's Out-File) is not part of it.
    let mut marked = b"\xEF\xBB\xBF".to_vec();
    marked.extend(r#"{"need": {"text": "锂电池"}}"#.as_bytes());
    let reply = server.request(
        "POST",
        "/api/v1/match",
        None,
        &[],
        Some(("application/json", marked)),
    );
    assert_eq!(reply.status, 200, "{}", reply.text());
}

#[test]
fn list_filters_pages_and_facets() {
    let server = Server::start("list");
    let editor = server.token("editor");
    let imported = server.import(
        "?format=jsonl",
        &editor,
        "application/x-ndjson",
        &jsonl(&small_catalog(20)),
    );
    assert_eq!(imported.status, 200, "{}", imported.text());

    let all = server.get("/api/v1/resources?limit=5").json();
    assert_eq!(all["total"], 20);
    assert_eq!(all["items"].as_array().unwrap().len(), 5);
    assert_eq!(
        all["facets"]["kind"],
        json!({"achievement": 5, "expert": 5, "organization": 5, "patent": 5})
    );
    let page = server.get("/api/v1/resources?limit=5&offset=18").json();
    assert_eq!(page["items"].as_array().unwrap().len(), 2);
    assert_eq!(page["items"][0]["id"], "r-00018");

    let experts = server.get("/api/v1/resources?kinds=expert").json();
    assert_eq!(experts["total"], 5);
    assert!(experts["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|item| item["kind"] == "expert"));
    let two = server.get("/api/v1/resources?kinds=expert,patent").json();
    assert_eq!(two["total"], 10);

    for bad in [
        "/api/v1/resources?kinds=robot",
        "/api/v1/resources?limit=many",
        "/api/v1/resources?colour=red",
        "/api/v1/resources?region=999999",
    ] {
        let reply = server.get(bad);
        assert_eq!(reply.status, 400, "{bad}: {}", reply.text());
        assert_eq!(reply.error_code(), "bad_query", "{bad}");
    }
}

#[test]
fn taxonomies_for_pickers() {
    let server = Server::start("taxonomies");
    let modes = server.get("/api/v1/taxonomies/modes").json();
    let codes: Vec<&str> = modes["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["code"].as_str().unwrap())
        .collect();
    assert_eq!(
        codes,
        [
            "transfer",
            "license",
            "joint_rd",
            "consulting",
            "training",
            "equity",
            "promotion"
        ]
    );
    for name in ["regions", "industries", "disciplines"] {
        let reply = server.get(&format!("/api/v1/taxonomies/{name}"));
        assert_eq!(reply.status, 200);
        assert!(reply.json()["items"].is_array());
    }
    assert!(server.get("/api/v1/taxonomies/regions").json()["strategic"].is_array());
    let unknown = server.get("/api/v1/taxonomies/planets");
    assert_eq!(unknown.status, 404);
    assert_eq!(unknown.error_code(), "not_found");
}

#[test]
fn demo_catalog_on_a_new_store_only() {
    let data = crate::support::temp_dir("demo");
    let server = Server::start_with(&data, &[]);
    let (count, version) = server.catalog();
    assert!(count > 2000, "{count}");
    let expert: Value = server.get("/api/v1/resources/demo-expert-0001").json();
    assert_eq!(expert["kind"], "expert");
    assert!(expert.get("contact").is_none());
    // Deleting down to nothing does not bring the demo back on restart.
    let editor = server.token("editor");
    let replaced = server.import(
        "?format=jsonl&mode=replace&allow_shrink=true",
        &editor,
        "application/x-ndjson",
        &crate::support::jsonl(&[resource("last", "expert", "最后一位")]),
    );
    assert_eq!(replaced.status, 200, "{}", replaced.text());
    let deleted = server.send("DELETE", "/api/v1/resources/last", Some(&editor), None);
    assert_eq!(deleted.status, 200, "{}", deleted.text());
    drop(server);
    let server = Server::start_with(&data, &[]);
    let (after, after_version) = server.catalog();
    assert_eq!(after, 0);
    assert_ne!(after_version, version);
}

#[test]
fn region_filters_cover_descendants_and_strategic_regions() {
    let server = Server::start("regions");
    let editor = server.token("editor");
    let mut beijing = resource("bj", "expert", "北京专家");
    beijing["region"] = json!("110101");
    let mut shenzhen = resource("sz", "achievement", "深圳成果");
    shenzhen["region"] = json!("440300");
    let nowhere = resource("none", "achievement", "无地区");
    let reply = server.import(
        "?format=jsonl",
        &editor,
        "application/x-ndjson",
        &jsonl(&[beijing, shenzhen, nowhere]),
    );
    assert_eq!(reply.status, 200, "{}", reply.text());
    let ids = |path: &str| -> Vec<String> {
        let reply = server.get(path);
        assert_eq!(reply.status, 200, "{path}: {}", reply.text());
        let body = reply.json();
        let list = if body["items"].is_array() {
            &body["items"]
        } else {
            &body["resources"]
        };
        list.as_array()
            .unwrap()
            .iter()
            .map(|item| item["id"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(ids("/api/v1/resources?region=110000"), ["bj"]);
    assert_eq!(ids("/api/v1/resources?region=jjj"), ["bj"]);
    assert_eq!(ids("/api/v1/resources?region=440000"), ["sz"]);
    assert_eq!(ids("/api/v1/snapshot?region=110000"), ["bj"]);
    let facets = server.get("/api/v1/resources").json()["facets"]["province"].clone();
    assert_eq!(facets, json!({"110000": 1, "440000": 1}));
    let bad = server.import(
        "?format=jsonl",
        &editor,
        "application/x-ndjson",
        &jsonl(&[{
            let mut value = resource("bad-region", "expert", "x");
            value["region"] = json!("999999");
            value
        }]),
    );
    assert_eq!(bad.status, 422);
}
