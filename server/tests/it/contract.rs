//! The OpenAPI document against the service's real answers: every route is called (successes and
//! each kind of error), and each answer must fit the schema the document gives for its route,
//! status and content type, with no property the document does not name. Request bodies the server
//! accepts must fit the documented request schemas too. Also: query parameter names agree across
//! routes, the old singular names still work for one release.

use serde_json::{json, Value};

use crate::support::{resource, Reply, Server};

/// A subset of JSON Schema (what utoipa writes), stricter than JSON Schema in one way: an object
/// may only have the properties its schema names (or allows by `additionalProperties`), so that an
/// undocumented field in an answer fails.
struct Checker<'a> {
    document: &'a Value,
}

impl<'a> Checker<'a> {
    fn resolve(&self, mut schema: &'a Value) -> &'a Value {
        while let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
            schema = self
                .document
                .pointer(reference.trim_start_matches('#'))
                .unwrap_or_else(|| panic!("unresolved {reference}"));
        }
        schema
    }

    /// The problems of `value` against `schema`, each located by a JSON path.
    fn check(&self, schema: &'a Value, value: &Value, at: &str, problems: &mut Vec<String>) {
        let schema = self.resolve(schema);
        if let Some(options) = schema.get("oneOf").and_then(Value::as_array) {
            let fits = options
                .iter()
                .filter(|option| self.fits(option, value, at))
                .count();
            if fits != 1 {
                problems.push(format!(
                    "{at}: fits {fits} of the oneOf schemas (must be 1): {value}"
                ));
            }
            return;
        }
        if let Some(options) = schema.get("anyOf").and_then(Value::as_array) {
            if !options.iter().any(|option| self.fits(option, value, at)) {
                problems.push(format!("{at}: fits none of the anyOf schemas: {value}"));
            }
            return;
        }
        if let Some(parts) = schema.get("allOf").and_then(Value::as_array) {
            // Each part may name only some of the properties; together they must name all.
            let mut named = Vec::new();
            self.check_parts(parts, value, at, problems, &mut named);
            if let Some(object) = value.as_object() {
                for key in object.keys() {
                    if !named.contains(key) {
                        problems.push(format!("{at}.{key}: not in the schema"));
                    }
                }
            }
            return;
        }
        self.check_open(schema, value, at, problems);
        if let (Some(object), Some(properties)) = (
            value.as_object(),
            schema.get("properties").and_then(Value::as_object),
        ) {
            if schema.get("additionalProperties").is_none() {
                for key in object.keys() {
                    if !properties.contains_key(key) {
                        problems.push(format!("{at}.{key}: not in the schema"));
                    }
                }
            }
        }
    }

    /// Checks `value` against each part of an allOf (a part that is an allOf itself, as a
    /// flattened struct that flattens another, part by part) and collects the properties they name.
    fn check_parts(
        &self,
        parts: &'a [Value],
        value: &Value,
        at: &str,
        problems: &mut Vec<String>,
        named: &mut Vec<String>,
    ) {
        for part in parts {
            let part = self.resolve(part);
            if let Some(inner) = part.get("allOf").and_then(Value::as_array) {
                self.check_parts(inner, value, at, problems, named);
                continue;
            }
            self.check_open(part, value, at, problems);
            if let Some(properties) = part.get("properties").and_then(Value::as_object) {
                named.extend(properties.keys().cloned());
            }
        }
    }

    fn fits(&self, schema: &'a Value, value: &Value, at: &str) -> bool {
        let mut problems = Vec::new();
        self.check(schema, value, at, &mut problems);
        problems.is_empty()
    }

    /// Everything but the closedness of objects.
    fn check_open(&self, schema: &'a Value, value: &Value, at: &str, problems: &mut Vec<String>) {
        let schema = self.resolve(schema);
        if let Some(types) = schema.get("type") {
            let types: Vec<&str> = match types {
                Value::String(name) => vec![name.as_str()],
                Value::Array(names) => names.iter().filter_map(Value::as_str).collect(),
                _ => Vec::new(),
            };
            let fits = types.iter().any(|name| match *name {
                "null" => value.is_null(),
                "boolean" => value.is_boolean(),
                "string" => value.is_string(),
                "integer" => value.is_i64() || value.is_u64(),
                "number" => value.is_number(),
                "array" => value.is_array(),
                "object" => value.is_object(),
                _ => false,
            });
            if !fits {
                problems.push(format!("{at}: {value} is not of type {types:?}"));
                return;
            }
        }
        if let Some(allowed) = schema.get("enum").and_then(Value::as_array) {
            if !allowed.contains(value) {
                problems.push(format!("{at}: {value} is not one of {allowed:?}"));
            }
        }
        if let Some(number) = value.as_f64() {
            if let Some(minimum) = schema.get("minimum").and_then(Value::as_f64) {
                if number < minimum {
                    problems.push(format!("{at}: {number} < minimum {minimum}"));
                }
            }
            if let Some(maximum) = schema.get("maximum").and_then(Value::as_f64) {
                if number > maximum {
                    problems.push(format!("{at}: {number} > maximum {maximum}"));
                }
            }
        }
        if let Some(object) = value.as_object() {
            let properties = schema.get("properties").and_then(Value::as_object);
            for name in schema
                .get("required")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
            {
                if !object.contains_key(name) {
                    problems.push(format!("{at}.{name}: required but absent"));
                }
            }
            for (key, item) in object {
                match properties.and_then(|properties| properties.get(key)) {
                    Some(property) => self.check(property, item, &format!("{at}.{key}"), problems),
                    None => {
                        if let Some(extra) = schema
                            .get("additionalProperties")
                            .filter(|extra| extra.is_object())
                        {
                            self.check(extra, item, &format!("{at}.{key}"), problems);
                        }
                    }
                }
            }
        }
        if let (Some(items), Some(schema)) = (value.as_array(), schema.get("items")) {
            for (index, item) in items.iter().enumerate() {
                self.check(schema, item, &format!("{at}[{index}]"), problems);
            }
        }
    }
}

/// The service and its document, to call routes and check their answers.
struct Contract {
    server: Server,
    document: Value,
    /// (method, path template, status) of every answer checked.
    checked: Vec<(String, String, u16)>,
}

impl Contract {
    fn start(name: &str) -> Contract {
        let server = Server::start(name);
        let document = server.get("/api/openapi.json").json();
        Contract {
            server,
            document,
            checked: Vec::new(),
        }
    }

    fn operation(&self, method: &str, template: &str) -> &Value {
        let operation = &self.document["paths"][template][method.to_ascii_lowercase()];
        assert!(
            operation.is_object(),
            "{method} {template} is not documented"
        );
        operation
    }

    /// Sends a request to `template` (filled in as `path`) and checks the answer (and a JSON body
    /// sent, when the answer is a success) against the document; returns the answer.
    fn call(
        &mut self,
        method: &str,
        template: &str,
        path: &str,
        token: Option<&str>,
        body: Option<(&str, Vec<u8>)>,
    ) -> Reply {
        let sent_json = body
            .as_ref()
            .filter(|(content_type, _)| *content_type == "application/json")
            .and_then(|(_, bytes)| serde_json::from_slice::<Value>(bytes).ok());
        let reply = self.server.request(method, path, token, &[], body);
        let checker = Checker {
            document: &self.document,
        };
        let operation = self.operation(method, template);
        let label = format!("{method} {path} → {}", reply.status);
        if let (Some(sent), true) = (&sent_json, reply.status < 300) {
            let schema = &checker.resolve(&operation["requestBody"])["content"]["application/json"]
                ["schema"];
            assert!(
                !schema.is_null(),
                "{label}: no JSON request body documented"
            );
            let mut problems = Vec::new();
            checker.check(schema, sent, "body", &mut problems);
            assert!(problems.is_empty(), "{label}: request {problems:#?}");
        }
        let response = &operation["responses"][reply.status.to_string()];
        assert!(!response.is_null(), "{label}: status not documented");
        let response = checker.resolve(response);
        let content_type = reply
            .header("content-type")
            .unwrap_or("")
            .split(';')
            .next()
            .unwrap()
            .trim()
            .to_string();
        let content = response["content"].as_object();
        if reply.body.is_empty() {
            assert!(
                content.is_none() || method == "HEAD",
                "{label}: empty answer, documented {response}"
            );
        } else {
            let content = content.unwrap_or_else(|| panic!("{label}: no content documented"));
            let (_, media) = content
                .iter()
                .find(|(documented, _)| {
                    documented.split(';').next().unwrap().trim() == content_type
                })
                .unwrap_or_else(|| {
                    panic!("{label}: content type {content_type} not documented: {content:?}")
                });
            if content_type == "application/json" {
                let mut problems = Vec::new();
                checker.check(&media["schema"], &reply.json(), "answer", &mut problems);
                assert!(
                    problems.is_empty(),
                    "{label}: {problems:#?}\n{}",
                    reply.text()
                );
            }
        }
        self.checked
            .push((method.to_string(), template.to_string(), reply.status));
        reply
    }

    fn json(
        &mut self,
        method: &str,
        template: &str,
        path: &str,
        token: Option<&str>,
        body: &Value,
    ) -> Reply {
        let bytes = body.to_string().into_bytes();
        self.call(
            method,
            template,
            path,
            token,
            Some(("application/json", bytes)),
        )
    }
}

#[test]
fn every_answer_fits_the_document() {
    let mut contract = Contract::start("contract");
    let editor = contract.server.token("editor");
    let broker = contract.server.token("broker");
    let golden = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/golden/catalog.jsonl"
    ))
    .unwrap();
    let jsonl = "application/x-ndjson";

    // System.
    contract.call("GET", "/healthz", "/healthz", None, None);
    contract.call("GET", "/readyz", "/readyz", None, None);
    contract.call("GET", "/metrics", "/metrics", None, None);
    contract.call("GET", "/api/openapi.json", "/api/openapi.json", None, None);
    contract.call(
        "GET",
        "/api/v1/whoami",
        "/api/v1/whoami",
        Some(&broker),
        None,
    );
    contract.call("GET", "/api/v1/whoami", "/api/v1/whoami", None, None);
    contract.call("GET", "/dashboard", "/dashboard", None, None);
    let script = "/dashboard/dashboard.js";
    contract.call("GET", script, script, None, None);

    // The catalog.
    let import = "/api/v1/import";
    let reply = contract.call(
        "POST",
        import,
        "/api/v1/import?format=jsonl",
        Some(&editor),
        Some((jsonl, golden.clone())),
    );
    assert_eq!(reply.status, 200, "{}", reply.text());
    let dry = "/api/v1/import?format=jsonl&dry_run=true&mode=replace";
    contract.call("POST", import, dry, Some(&editor), Some((jsonl, golden)));
    let bad_rows = b"{\"id\": \"x\", \"kind\": \"robot\"}\n{\"id\": \"y\"}\n".to_vec();
    let reply = contract.call(
        "POST",
        import,
        "/api/v1/import?format=jsonl",
        Some(&editor),
        Some((jsonl, bad_rows)),
    );
    assert_eq!(reply.status, 422);
    contract.call(
        "POST",
        import,
        "/api/v1/import",
        Some(&editor),
        Some(("application/octet-stream", b"x".to_vec())),
    );
    contract.call("POST", import, import, Some(&broker), None);
    contract.call("POST", import, import, None, None);
    contract.call(
        "GET",
        "/api/v1/export",
        "/api/v1/export",
        Some(&editor),
        None,
    );
    let snapshot = "/api/v1/snapshot";
    contract.call("GET", snapshot, snapshot, None, None);
    contract.call(
        "GET",
        snapshot,
        "/api/v1/snapshot?kinds=expert,patent&region=110000",
        None,
        None,
    );
    contract.call("GET", snapshot, "/api/v1/snapshot?kinds=robot", None, None);

    // Resources.
    let list = "/api/v1/resources";
    let reply = contract.call(
        "GET",
        list,
        "/api/v1/resources?q=锂电池&limit=3",
        None,
        None,
    );
    assert!(
        reply.json()["items"][0]["score"].is_number(),
        "{}",
        reply.text()
    );
    contract.call(
        "GET",
        list,
        "/api/v1/resources?kinds=achievement,expert&offset=2",
        None,
        None,
    );
    contract.call("GET", list, "/api/v1/resources?colour=red", None, None);
    let one = "/api/v1/resources/{id}";
    let body = resource("p-1", "patent", "一种锂电池回收方法");
    let reply = contract.json("POST", list, list, Some(&editor), &body);
    assert_eq!(reply.status, 201, "{}", reply.text());
    contract.json("POST", list, list, Some(&editor), &body);
    contract.json("POST", list, list, Some(&broker), &body);
    contract.json("POST", list, list, None, &body);
    contract.json(
        "POST",
        list,
        list,
        Some(&editor),
        &json!({"id": "q", "kind": "robot"}),
    );
    contract.call(
        "POST",
        list,
        list,
        Some(&editor),
        Some(("application/json", b"{".to_vec())),
    );
    contract.call("GET", one, "/api/v1/resources/p-1", None, None);
    contract.call("GET", one, "/api/v1/resources/missing", None, None);
    contract.json("PUT", one, "/api/v1/resources/p-1", Some(&editor), &body);
    contract.json("PUT", one, "/api/v1/resources/p-2", Some(&editor), &body);
    contract.call("DELETE", one, "/api/v1/resources/p-1", Some(&editor), None);
    contract.call("DELETE", one, "/api/v1/resources/p-1", Some(&editor), None);

    // Matching.
    let matching = "/api/v1/match";
    let need = json!({
        "need": {"text": "锂电池热失控预警", "keywords": ["锂电池"], "region": "440300",
                 "modes": ["joint_rd"], "min_maturity": 3, "kinds": ["achievement", "patent"], "budget": 50},
        "limit": 5,
        "filters": {"kinds": ["achievement", "patent"], "region": "440000", "min_maturity": 1},
    });
    let reply = contract.json("POST", matching, matching, None, &need);
    assert_eq!(reply.status, 200, "{}", reply.text());
    contract.json(
        "POST",
        matching,
        matching,
        None,
        &json!({"need": {"text": "形状记忆合金"}}),
    );
    contract.json(
        "POST",
        matching,
        matching,
        None,
        &json!({"need": {"txt": "x"}, "limit": 0}),
    );
    contract.json("POST", matching, matching, None, &json!([1]));
    let huge = json!({"need": {"text": "x".repeat(1_100_000)}});
    contract.json("POST", matching, matching, None, &huge);
    let taxonomy = "/api/v1/taxonomies/{name}";
    for name in ["regions", "industries", "disciplines", "modes", "colours"] {
        let path = format!("/api/v1/taxonomies/{name}");
        contract.call("GET", taxonomy, &path, None, None);
    }

    // Engagements and statistics.
    let engagements = "/api/v1/engagements";
    let engagement = json!({
        "need": {"text": "锂电池热失控预警", "region": "440300"},
        "resource_id": reply.json()["results"][0]["id"],
        "fair": "2026 科博会", "note": "首次接触", "idempotency_key": "k-1",
        "enterprise": "示例储能科技有限公司", "enterprise_region": "440305",
        "need_id": "need-w-1",
    });
    let created = contract.json("POST", engagements, engagements, Some(&broker), &engagement);
    assert_eq!(created.status, 201, "{}", created.text());
    let id = created.json()["id"].as_str().unwrap().to_string();
    contract.json("POST", engagements, engagements, Some(&broker), &engagement);
    let mut reused = engagement.clone();
    reused["note"] = json!("另一次");
    contract.json("POST", engagements, engagements, Some(&broker), &reused);
    contract.json(
        "POST",
        engagements,
        engagements,
        Some(&broker),
        &json!({"need": {}}),
    );
    contract.json("POST", engagements, engagements, None, &engagement);
    let moves = "/api/v1/engagements/{id}/transitions";
    let path = format!("/api/v1/engagements/{id}/transitions");
    let moved = contract.json(
        "POST",
        moves,
        &path,
        Some(&broker),
        &json!({"to": "contacted", "note": "电话"}),
    );
    assert_eq!(moved.status, 200, "{}", moved.text());
    let refused = contract.json(
        "POST",
        moves,
        &path,
        Some(&broker),
        &json!({"to": "landed"}),
    );
    assert_eq!(
        refused.json()["error"]["details"]["allowed"],
        json!(["negotiating", "dropped"])
    );
    contract.json(
        "POST",
        moves,
        &path,
        Some(&broker),
        &json!({"to": "flying"}),
    );
    contract.json(
        "POST",
        moves,
        "/api/v1/engagements/999/transitions",
        Some(&broker),
        &json!({"to": "dropped"}),
    );
    let get = "/api/v1/engagements/{id}";
    contract.call(
        "GET",
        get,
        &format!("/api/v1/engagements/{id}"),
        Some(&editor),
        None,
    );
    contract.call("GET", get, "/api/v1/engagements/999", Some(&editor), None);
    let other_broker = contract.server.token("broker");
    let path = format!("/api/v1/engagements/{id}");
    contract.call("GET", get, &path, Some(&other_broker), None);
    contract.call(
        "GET",
        engagements,
        "/api/v1/engagements?status=contacted&region=440000",
        Some(&editor),
        None,
    );
    contract.call(
        "GET",
        engagements,
        "/api/v1/engagements?status=flying",
        Some(&editor),
        None,
    );
    contract.call("GET", engagements, engagements, Some(&broker), None);
    let stats = "/api/v1/stats";
    for group_by in ["region", "month", "discipline"] {
        let path = format!("/api/v1/stats?group_by={group_by}");
        contract.call("GET", stats, &path, Some(&editor), None);
    }
    contract.call(
        "GET",
        stats,
        "/api/v1/stats?format=csv&since=2020-01-01",
        Some(&editor),
        None,
    );
    contract.call(
        "GET",
        stats,
        "/api/v1/stats?group_by=colour",
        Some(&editor),
        None,
    );
    for query in ["group_by=region&province_of=need", "province_of=planet"] {
        let path = format!("/api/v1/stats?{query}");
        contract.call("GET", stats, &path, Some(&editor), None);
    }

    // Starting out: the import templates, the demo catalog, the embed check.
    let templates = "/api/v1/import/templates";
    contract.call("GET", templates, templates, None, None);
    let template = "/api/v1/import/templates/{name}";
    for name in [
        "resources.csv",
        "resources.xlsx",
        "resources.jsonl",
        "resources.ods",
    ] {
        let path = format!("/api/v1/import/templates/{name}");
        contract.call("GET", template, &path, None, None);
    }
    let demo = "/api/v1/demo";
    contract.call("GET", demo, demo, None, None);
    for token in [None, Some(broker.as_str()), Some(editor.as_str())] {
        contract.call("DELETE", demo, demo, token, None);
    }
    let embed = "/api/v1/embed/check";
    contract.call("GET", embed, embed, None, None);

    // Stored needs.
    let enterprise = crate::support::enterprise_token(&contract.server.data, "甲公司");
    let needs = "/api/v1/needs";
    let need = json!({
        "id": "n-1", "title": "锂电池热失控预警", "text": "储能电站需要锂电池热失控的早期预警方案",
        "organization": "甲公司", "keywords": ["锂电池"], "industries": ["C38"], "region": "440300",
        "modes": ["joint_rd"], "min_maturity": 3, "kinds": ["achievement", "patent"],
        "budget": "50万元以内", "deadline": "2026-12-31", "status": "open", "visibility": "members",
        "contact": {"name": "赵经理", "phone": "0755-1", "email": "zhao@example.cn"},
    });
    let reply = contract.json("POST", needs, needs, Some(&enterprise), &need);
    assert_eq!(reply.status, 201, "{}", reply.text());
    // A retry (200), another need under its id (409), another enterprise's need (403), a broker's
    // need with no enterprise (422).
    let reply = contract.json("POST", needs, needs, Some(&enterprise), &need);
    assert_eq!(reply.status, 200, "{}", reply.text());
    let mut changed = need.clone();
    changed["text"] = json!("另一项需求");
    contract.json("POST", needs, needs, Some(&enterprise), &changed);
    let stranger = crate::support::enterprise_token(&contract.server.data, "乙公司");
    contract.json("POST", needs, needs, Some(&stranger), &changed);
    contract.json("POST", needs, needs, Some(&broker), &json!({"text": "x"}));
    contract.json("POST", needs, needs, None, &need);
    contract.json(
        "POST",
        needs,
        needs,
        Some(&editor),
        &json!({"title": "x", "industries": ["Z9"]}),
    );
    contract.call(
        "POST",
        needs,
        needs,
        Some(&editor),
        Some(("application/json", b"{".to_vec())),
    );
    contract.call(
        "GET",
        needs,
        "/api/v1/needs?q=锂电池&region=440000&status=open,matched",
        Some(&editor),
        None,
    );
    contract.call("GET", needs, needs, None, None);
    contract.call("GET", needs, "/api/v1/needs?status=flying", None, None);
    let one = "/api/v1/needs/{id}";
    contract.call("GET", one, "/api/v1/needs/n-1", Some(&enterprise), None);
    contract.call("GET", one, "/api/v1/needs/n-1", None, None);
    contract.call("GET", one, "/api/v1/needs/missing", None, None);
    contract.json("PUT", one, "/api/v1/needs/n-1", Some(&editor), &need);
    contract.json("PUT", one, "/api/v1/needs/n-2", Some(&editor), &need);
    let other = crate::support::enterprise_token(&contract.server.data, "乙公司");
    contract.json(
        "PUT",
        one,
        "/api/v1/needs/n-1",
        Some(&other),
        &json!({"title": "x"}),
    );
    contract.call("GET", one, "/api/v1/needs/n-1", Some(&other), None);
    // An unknown token (401); another enterprise's public need (403: anyone may list it, but an
    // enterprise reads only its own).
    contract.call("GET", one, "/api/v1/needs/n-1", Some("0000"), None);
    let mut public = need.clone();
    public["id"] = json!("n-public");
    public["visibility"] = json!("public");
    let reply = contract.json("PUT", one, "/api/v1/needs/n-public", Some(&editor), &public);
    assert!(reply.status < 300, "{}", reply.text());
    contract.call("GET", one, "/api/v1/needs/n-public", Some(&other), None);
    // Subscriptions of a stored need (push).
    let subscriptions = "/api/v1/subscriptions";
    let webhook =
        json!({"need_id": "n-1", "channel": "webhook", "url": "http://hooks.example.com/hook"});
    let reply = contract.json(
        "POST",
        subscriptions,
        subscriptions,
        Some(&enterprise),
        &webhook,
    );
    assert_eq!(reply.status, 201, "{}", reply.text());
    let created = reply.json()["subscription"].clone();
    contract.json("POST", subscriptions, subscriptions, Some(&other), &webhook);
    contract.json("POST", subscriptions, subscriptions, None, &webhook);
    contract.json(
        "POST",
        subscriptions,
        subscriptions,
        Some(&editor),
        &json!({"need_id": "n-1", "channel": "pigeon"}),
    );
    contract.json(
        "POST",
        subscriptions,
        subscriptions,
        Some(&editor),
        &json!({"need_id": "missing", "channel": "feed"}),
    );
    contract.call(
        "POST",
        subscriptions,
        subscriptions,
        Some(&editor),
        Some(("application/json", b"[".to_vec())),
    );
    contract.call("GET", subscriptions, subscriptions, Some(&enterprise), None);
    contract.call("GET", subscriptions, subscriptions, None, None);
    let subscription = "/api/v1/subscriptions/{id}";
    let own = format!("/api/v1/subscriptions/{}", created["id"].as_str().unwrap());
    contract.call("GET", subscription, &own, Some(&broker), None);
    contract.call("GET", subscription, &own, Some(&other), None);
    contract.call(
        "GET",
        subscription,
        "/api/v1/subscriptions/missing",
        Some(&editor),
        None,
    );
    contract.json(
        "PATCH",
        subscription,
        &own,
        Some(&enterprise),
        &json!({"paused": true, "frequency": "daily"}),
    );
    contract.json(
        "PATCH",
        subscription,
        &own,
        Some(&enterprise),
        &json!({"top": 1000}),
    );
    contract.call(
        "PATCH",
        subscription,
        &own,
        Some(&enterprise),
        Some(("application/json", b"1".to_vec())),
    );
    let feed = created["feed_url"].as_str().unwrap();
    let feed = &feed[feed.find("/feeds/").unwrap()..];
    let reply = contract.call("GET", "/feeds/{token}.atom", feed, None, None);
    assert_eq!(reply.status, 200, "{}", reply.text());
    contract.call(
        "GET",
        "/feeds/{token}.atom",
        "/feeds/missing.atom",
        None,
        None,
    );
    // The dashboard's push figures (the subscription above is paused now).
    let push_stats = "/api/v1/push/stats";
    let reply = contract.call("GET", push_stats, push_stats, Some(&editor), None);
    assert_eq!(reply.status, 200, "{}", reply.text());
    contract.call("GET", push_stats, push_stats, Some(&broker), None);
    contract.call("GET", push_stats, push_stats, None, None);
    contract.call("DELETE", subscription, &own, Some(&other), None);
    let reply = contract.call("DELETE", subscription, &own, Some(&enterprise), None);
    assert_eq!(reply.status, 200, "{}", reply.text());
    contract.call("DELETE", subscription, &own, Some(&enterprise), None);
    let reply = contract.json(
        "POST",
        subscriptions,
        subscriptions,
        Some(&broker),
        &json!({"need_id": "n-1", "channel": "feed"}),
    );
    let link = reply.json()["subscription"]["unsubscribe_url"]
        .as_str()
        .unwrap()
        .to_string();
    let link = &link[link.find("/unsubscribe/").unwrap()..];
    let reply = contract.call("POST", "/unsubscribe/{token}", link, None, None);
    assert_eq!(reply.status, 200, "{}", reply.text());
    contract.call("GET", "/unsubscribe/{token}", link, None, None);
    let reply = contract.json(
        "POST",
        subscriptions,
        subscriptions,
        Some(&broker),
        &json!({"need_id": "n-1", "channel": "feed"}),
    );
    let link = reply.json()["subscription"]["unsubscribe_url"]
        .as_str()
        .unwrap()
        .to_string();
    let link = &link[link.find("/unsubscribe/").unwrap()..];
    contract.call("GET", "/unsubscribe/{token}", link, None, None);
    contract.call("POST", "/unsubscribe/{token}", link, None, None);
    let forward = "/api/v1/needs/{id}/matches";
    let reply = contract.call(
        "GET",
        forward,
        "/api/v1/needs/n-1/matches?limit=3",
        Some(&broker),
        None,
    );
    assert_eq!(reply.status, 200, "{}", reply.text());
    contract.call("GET", forward, "/api/v1/needs/n-1/matches", None, None);
    contract.call(
        "GET",
        forward,
        "/api/v1/needs/n-1/matches",
        Some("0000"),
        None,
    );
    contract.call(
        "GET",
        forward,
        "/api/v1/needs/n-1/matches?limit=0",
        Some(&broker),
        None,
    );
    contract.call("GET", forward, "/api/v1/needs/missing/matches", None, None);
    let top = reply.json()["results"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let reverse = "/api/v1/resources/{id}/needs";
    let started = std::time::Instant::now();
    loop {
        let reply = contract.call(
            "GET",
            reverse,
            &format!("/api/v1/resources/{top}/needs"),
            Some(&editor),
            None,
        );
        if reply.json()["ready"] == true {
            assert!(
                !reply.json()["items"].as_array().unwrap().is_empty(),
                "{}",
                reply.text()
            );
            break;
        }
        assert!(started.elapsed().as_secs() < 60, "{}", reply.text());
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    contract.call(
        "GET",
        reverse,
        &format!("/api/v1/resources/{top}/needs?status=closed&limit=3"),
        None,
        None,
    );
    contract.call(
        "GET",
        reverse,
        "/api/v1/resources/missing/needs",
        None,
        None,
    );
    contract.call(
        "GET",
        reverse,
        &format!("/api/v1/resources/{top}/needs?status=x"),
        None,
        None,
    );
    let demand = "/api/v1/demand";
    for query in [
        "",
        "?group_by=region",
        "?group_by=theme&limit=5",
        "?group_by=industry&region=440000&industry=C&since=2020-01-01&until=2100-01-01",
        "?group_by=planet",
        "?since=yesterday",
    ] {
        contract.call("GET", demand, &format!("{demand}{query}"), None, None);
    }
    contract.call(
        "GET",
        demand,
        "/api/v1/demand?group_by=theme",
        Some(&broker),
        None,
    );
    contract.call("GET", "/dashboard/demand", "/dashboard/demand", None, None);
    let script = "/dashboard/demand.js";
    contract.call("GET", script, script, None, None);
    let import_needs = "/api/v1/needs/import";
    let rows = "需求名称,企业名称,所属行业,截止日期\n锂电池回收,乙公司,C38,2026/6/30\n";
    let reply = contract.call(
        "POST",
        import_needs,
        "/api/v1/needs/import?format=csv",
        Some(&editor),
        Some(("text/csv", rows.as_bytes().to_vec())),
    );
    assert_eq!(reply.status, 200, "{}", reply.text());
    let bad = "需求名称,所属行业\n锂电池回收,Z9\n";
    contract.call(
        "POST",
        import_needs,
        import_needs,
        Some(&editor),
        Some(("text/csv", bad.as_bytes().to_vec())),
    );
    contract.call(
        "POST",
        import_needs,
        import_needs,
        Some(&editor),
        Some(("application/octet-stream", b"x".to_vec())),
    );
    contract.call(
        "POST",
        import_needs,
        "/api/v1/needs/import?format=jsonl&mode=replace",
        Some(&editor),
        Some((jsonl, b"{\"id\": \"n-9\", \"title\": \"x\"}\n".to_vec())),
    );
    contract.call("POST", import_needs, import_needs, Some(&broker), None);
    contract.call("POST", import_needs, import_needs, None, None);
    let export_needs = "/api/v1/needs/export";
    contract.call("GET", export_needs, export_needs, Some(&editor), None);
    contract.call("GET", export_needs, export_needs, Some(&broker), None);
    contract.call("GET", export_needs, export_needs, None, None);
    contract.call("DELETE", one, "/api/v1/needs/n-2", Some(&other), None);
    contract.call("DELETE", one, "/api/v1/needs/n-2", Some(&editor), None);
    contract.call("DELETE", one, "/api/v1/needs/n-2", Some(&editor), None);
    contract.call("DELETE", one, "/api/v1/needs/n-2", None, None);

    // Docking fairs.
    let fairs = "/api/v1/fairs";
    let settings = crate::fairs::settings(crate::fairs::PAST);
    contract.json("POST", fairs, fairs, Some(&broker), &settings);
    contract.json("POST", fairs, fairs, None, &settings);
    contract.json("POST", fairs, fairs, Some(&editor), &json!({"name": ""}));
    contract.call(
        "POST",
        fairs,
        fairs,
        Some(&editor),
        Some(("application/json", b"{".to_vec())),
    );
    let reply = contract.json("POST", fairs, fairs, Some(&editor), &settings);
    assert_eq!(reply.status, 201, "{}", reply.text());
    let fair = reply.json()["id"].as_str().unwrap().to_string();
    let reply = contract.json("POST", fairs, fairs, Some(&editor), &settings);
    let unscheduled = reply.json()["id"].as_str().unwrap().to_string();
    contract.call("GET", fairs, fairs, Some(&broker), None);
    contract.call("GET", fairs, fairs, None, None);
    let one_fair = "/api/v1/fairs/{id}";
    let at = |tail: &str| format!("/api/v1/fairs/{fair}{tail}");
    contract.call("GET", one_fair, &at(""), Some(&enterprise), None);
    contract.call(
        "GET",
        one_fair,
        "/api/v1/fairs/missing",
        Some(&editor),
        None,
    );
    contract.json("PUT", one_fair, &at(""), Some(&editor), &settings);
    contract.json("PUT", one_fair, &at(""), Some(&broker), &settings);
    contract.json(
        "PUT",
        one_fair,
        &at(""),
        Some(&editor),
        &json!({"tables": -1}),
    );
    contract.json(
        "PUT",
        one_fair,
        "/api/v1/fairs/missing",
        Some(&editor),
        &settings,
    );
    let resources: Vec<String> = contract
        .server
        .send(
            "GET",
            "/api/v1/needs/n-1/matches?limit=3",
            Some(&editor),
            None,
        )
        .json()["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|result| result["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(resources.len(), 3);
    let participants = "/api/v1/fairs/{id}/participants";
    let reply = contract.json(
        "POST",
        participants,
        &at("/participants"),
        Some(&editor),
        &json!({"need": "n-1"}),
    );
    assert_eq!(reply.status, 201, "{}", reply.text());
    for (token, body) in [
        (Some(&editor), json!({"need": "n-1"})),
        (Some(&editor), json!({"resource": resources[0]})),
        (Some(&editor), json!({"need": "missing", "slots": [99]})),
        (Some(&broker), json!({"need": "n-1"})),
        (None, json!({"need": "n-1"})),
    ] {
        contract.json(
            "POST",
            participants,
            &at("/participants"),
            token.map(String::as_str),
            &body,
        );
    }
    contract.json(
        "POST",
        participants,
        "/api/v1/fairs/missing/participants",
        Some(&editor),
        &json!({"need": "n-1"}),
    );
    let participant = "/api/v1/fairs/{id}/participants/{participant}";
    let second = format!("resource:{}", resources[1]);
    contract.json(
        "PUT",
        participant,
        &at(&format!("/participants/{second}")),
        Some(&editor),
        &json!({"resource": resources[1], "slots": [0, 1, 2, 3]}),
    );
    contract.json(
        "PUT",
        participant,
        &at(&format!("/participants/{second}")),
        Some(&editor),
        &json!({"resource": resources[2]}),
    );
    contract.json(
        "PUT",
        participant,
        &at(&format!("/participants/{second}")),
        Some(&broker),
        &json!({"resource": resources[1]}),
    );
    let import_participants = "/api/v1/fairs/{id}/participants/import";
    let rows = |rows: &[Value]| Some((jsonl, crate::support::jsonl(rows)));
    contract.call(
        "POST",
        import_participants,
        &at("/participants/import?format=jsonl"),
        Some(&editor),
        rows(&[json!({"resource": resources[2]})]),
    );
    contract.call(
        "POST",
        import_participants,
        &at("/participants/import?format=jsonl"),
        Some(&editor),
        rows(&[json!({"resource": "missing"})]),
    );
    contract.call(
        "POST",
        import_participants,
        &at("/participants/import?format=jsonl&mode=replace"),
        Some(&editor),
        rows(&[json!({"resource": resources[2]})]),
    );
    contract.call(
        "POST",
        import_participants,
        &at("/participants/import?format=pdf"),
        Some(&editor),
        rows(&[json!({"resource": resources[2]})]),
    );
    contract.call(
        "POST",
        import_participants,
        &at("/participants/import"),
        Some(&broker),
        None,
    );
    contract.call(
        "GET",
        participants,
        &at("/participants"),
        Some(&broker),
        None,
    );
    let requests = "/api/v1/fairs/{id}/requests";
    let pair = |resource: &str| json!({"need": "n-1", "resource": resource});
    let reply = contract.json(
        "POST",
        requests,
        &at("/requests"),
        Some(&enterprise),
        &pair(&resources[0]),
    );
    assert_eq!(reply.status, 201, "{}", reply.text());
    let first = reply.json()["id"].as_str().unwrap().to_string();
    contract.json(
        "POST",
        requests,
        &at("/requests"),
        Some(&enterprise),
        &pair(&resources[0]),
    );
    contract.json(
        "POST",
        requests,
        &at("/requests"),
        Some(&other),
        &pair(&resources[1]),
    );
    contract.json(
        "POST",
        requests,
        &at("/requests"),
        Some(&editor),
        &pair("missing"),
    );
    contract.json(
        "POST",
        requests,
        "/api/v1/fairs/missing/requests",
        Some(&editor),
        &pair("x"),
    );
    let bulk = "/api/v1/fairs/{id}/requests/bulk";
    let reply = contract.json(
        "POST",
        bulk,
        &at("/requests/bulk"),
        Some(&editor),
        &json!({"requests": [pair(&resources[1]), pair(&resources[0])]}),
    );
    assert_eq!(reply.status, 201, "{}", reply.text());
    let sent = reply.json()["items"][0]["id"].as_str().unwrap().to_string();
    contract.json(
        "POST",
        bulk,
        &at("/requests/bulk"),
        Some(&editor),
        &json!({"requests": [{"need": 1}]}),
    );
    contract.json(
        "POST",
        bulk,
        &at("/requests/bulk"),
        Some(&broker),
        &json!({"requests": []}),
    );
    contract.call("GET", requests, &at("/requests"), Some(&enterprise), None);
    contract.call("GET", requests, &at("/requests"), None, None);
    let suggestions = "/api/v1/fairs/{id}/suggestions";
    contract.call(
        "GET",
        suggestions,
        &at("/suggestions?limit=5"),
        Some(&editor),
        None,
    );
    contract.call(
        "GET",
        suggestions,
        &at("/suggestions?limit=x"),
        Some(&editor),
        None,
    );
    contract.call("GET", suggestions, &at("/suggestions"), Some(&broker), None);
    let answer = "/api/v1/fairs/{id}/requests/{request}/answer";
    let answer_at = |id: &str| at(&format!("/requests/{id}/answer"));
    let accept = json!({"decision": "accept"});
    contract.json(
        "POST",
        answer,
        &answer_at(&first),
        Some(&broker),
        &json!({"decision": "decline"}),
    );
    contract.json("POST", answer, &answer_at(&first), Some(&editor), &accept);
    contract.json("POST", answer, &answer_at(&first), Some(&editor), &accept);
    contract.json("POST", answer, &answer_at(&sent), Some(&other), &accept);
    contract.json("POST", answer, &answer_at(&sent), Some(&broker), &accept);
    contract.json(
        "POST",
        answer,
        &answer_at("missing"),
        Some(&broker),
        &accept,
    );
    let plan = "/api/v1/fairs/{id}/schedule";
    contract.call("POST", plan, &at("/schedule"), Some(&broker), None);
    let reply = contract.call("POST", plan, &at("/schedule"), Some(&editor), None);
    assert_eq!(
        reply.json()["meetings"].as_array().unwrap().len(),
        2,
        "{}",
        reply.text()
    );
    contract.call(
        "POST",
        plan,
        "/api/v1/fairs/missing/schedule",
        Some(&editor),
        None,
    );
    contract.call("GET", plan, &at("/schedule"), Some(&broker), None);
    contract.call("GET", plan, &at("/schedule"), Some(&enterprise), None);
    let publish = "/api/v1/fairs/{id}/schedule/publish";
    contract.call(
        "POST",
        publish,
        &at("/schedule/publish"),
        Some(&editor),
        None,
    );
    contract.call(
        "POST",
        publish,
        &format!("/api/v1/fairs/{unscheduled}/schedule/publish"),
        Some(&editor),
        None,
    );
    for (template, tail) in [
        (
            "/api/v1/fairs/{id}/participants/{participant}/agenda",
            "agenda",
        ),
        (
            "/api/v1/fairs/{id}/participants/{participant}/agenda.ics",
            "agenda.ics",
        ),
    ] {
        let own = at(&format!("/participants/need:n-1/{tail}"));
        let reply = contract.call("GET", template, &own, Some(&enterprise), None);
        assert_eq!(reply.status, 200, "{}", reply.text());
        contract.call("GET", template, &own, Some(&other), None);
        contract.call("GET", template, &own, None, None);
        contract.call(
            "GET",
            template,
            &at(&format!("/participants/need:x/{tail}")),
            Some(&editor),
            None,
        );
    }
    let table_plan = "/api/v1/fairs/{id}/plan";
    contract.call("GET", table_plan, &at("/plan"), Some(&broker), None);
    contract.call("GET", table_plan, &at("/plan"), Some(&enterprise), None);
    contract.call(
        "GET",
        table_plan,
        "/api/v1/fairs/missing/plan",
        Some(&editor),
        None,
    );
    let fair_stats = "/api/v1/fairs/{id}/stats";
    let reply = contract.call("GET", fair_stats, &at("/stats"), Some(&broker), None);
    assert_eq!(reply.json()["schedule"]["scheduled"], 2, "{}", reply.text());
    contract.call("GET", fair_stats, &at("/stats"), Some(&enterprise), None);
    contract.call("GET", fair_stats, &at("/stats"), None, None);
    contract.call(
        "GET",
        fair_stats,
        "/api/v1/fairs/missing/stats",
        Some(&editor),
        None,
    );

    // The day: read, check-ins and outcomes, each once per key.
    let fair_day = "/api/v1/fairs/{id}/day";
    let reply = contract.call("GET", fair_day, &at("/day"), Some(&broker), None);
    let meeting = reply.json()["meetings"][0].clone();
    let request = meeting["request"].as_str().unwrap().to_string();
    let participant = meeting["need"].as_str().unwrap().to_string();
    contract.call("GET", fair_day, &at("/day"), Some(&enterprise), None);
    contract.call(
        "GET",
        fair_day,
        "/api/v1/fairs/missing/day",
        Some(&broker),
        None,
    );
    let json = |value: Value| Some(("application/json", value.to_string().into_bytes()));
    let checkins = "/api/v1/fairs/{id}/checkins";
    let check_in = json!({"participant": participant, "idempotency_key": "c-1"});
    for _ in 0..2 {
        contract.call(
            "POST",
            checkins,
            &at("/checkins"),
            Some(&broker),
            json(check_in.clone()),
        );
    }
    for (token, body) in [
        (
            Some(broker.as_str()),
            json!({"participant": "need:x", "idempotency_key": "c-1"}),
        ),
        (Some(broker.as_str()), json!({"participant": "need:x"})),
        (Some(enterprise.as_str()), check_in.clone()),
        (None, check_in.clone()),
    ] {
        contract.call("POST", checkins, &at("/checkins"), token, json(body));
    }
    contract.call(
        "POST",
        checkins,
        "/api/v1/fairs/missing/checkins",
        Some(&broker),
        json(check_in.clone()),
    );
    let outcome = "/api/v1/fairs/{id}/meetings/{request}/outcome";
    let path = at(&format!("/meetings/{request}/outcome"));
    let follow_up = json!({"outcome": "follow_up", "idempotency_key": "o-1"});
    for _ in 0..2 {
        let reply = contract.call(
            "POST",
            outcome,
            &path,
            Some(&broker),
            json(follow_up.clone()),
        );
        assert_eq!(reply.json()["engagement"].as_str().unwrap().len(), 32);
    }
    for (token, body) in [
        (
            Some(broker.as_str()),
            json!({"outcome": "held", "idempotency_key": "o-1"}),
        ),
        (Some(broker.as_str()), json!({"outcome": "maybe"})),
        (Some(enterprise.as_str()), follow_up.clone()),
        (None, follow_up.clone()),
    ] {
        contract.call("POST", outcome, &path, token, json(body));
    }
    contract.call(
        "POST",
        outcome,
        &at("/meetings/missing/outcome"),
        Some(&broker),
        json(follow_up.clone()),
    );

    // A calendar subscription, and the calendar read by its URL without a token.
    let subscribe = "/api/v1/fairs/{id}/participants/{participant}/calendar";
    let own = at("/participants/need:n-1/calendar");
    let reply = contract.call("POST", subscribe, &own, Some(&broker), None);
    let url = reply.json()["url"].as_str().unwrap().to_string();
    contract.call("POST", subscribe, &own, None, None);
    contract.call(
        "POST",
        subscribe,
        &at("/participants/need:x/calendar"),
        Some(&editor),
        None,
    );
    let subscribed = "/api/v1/calendars/{secret}/agenda.ics";
    contract.call("GET", subscribed, &url, None, None);
    contract.call(
        "GET",
        subscribed,
        "/api/v1/calendars/0123456789abcdef0123456789abcdef/agenda.ics",
        None,
        None,
    );

    // Every documented operation was called, and each documented error status of the main ones.
    let mut documented = Vec::new();
    for (template, operations) in contract.document["paths"].as_object().unwrap() {
        for method in operations.as_object().unwrap().keys() {
            documented.push((method.to_ascii_uppercase(), template.clone()));
        }
    }
    for (method, template) in &documented {
        assert!(
            contract
                .checked
                .iter()
                .any(|(m, t, _)| m == method && t == template),
            "{method} {template} was not called"
        );
    }
    for (method, template, statuses) in [
        ("POST", "/api/v1/match", &[200, 400, 413, 422][..]),
        ("POST", "/api/v1/resources", &[201, 400, 401, 403, 409, 422]),
        ("POST", "/api/v1/import", &[200, 400, 401, 403, 422]),
        (
            "POST",
            "/api/v1/needs",
            &[200, 201, 400, 401, 403, 409, 422],
        ),
        (
            "POST",
            "/api/v1/needs/import",
            &[200, 400, 401, 403, 409, 422],
        ),
        ("GET", "/api/v1/needs/{id}", &[200, 401, 403, 404]),
        ("GET", "/api/v1/needs/{id}/matches", &[200, 400, 401, 404]),
        ("GET", "/api/v1/resources/{id}/needs", &[200, 400, 404]),
        ("POST", "/api/v1/fairs", &[201, 400, 401, 403, 422]),
        ("PUT", "/api/v1/fairs/{id}", &[200, 403, 404, 422]),
        (
            "POST",
            "/api/v1/fairs/{id}/participants",
            &[201, 401, 403, 404, 409, 422],
        ),
        (
            "POST",
            "/api/v1/fairs/{id}/participants/import",
            &[200, 400, 403, 409, 422],
        ),
        (
            "POST",
            "/api/v1/fairs/{id}/requests",
            &[201, 403, 404, 409, 422],
        ),
        ("POST", "/api/v1/fairs/{id}/requests/bulk", &[201, 403, 422]),
        (
            "POST",
            "/api/v1/fairs/{id}/requests/{request}/answer",
            &[200, 403, 404, 409, 422],
        ),
        ("POST", "/api/v1/fairs/{id}/schedule/publish", &[200, 409]),
        ("GET", "/api/v1/fairs/{id}/stats", &[200, 401, 403, 404]),
        ("POST", "/api/v1/engagements", &[200, 201, 401, 409, 422]),
        (
            "POST",
            "/api/v1/engagements/{id}/transitions",
            &[200, 404, 409, 422],
        ),
    ] {
        for status in statuses {
            assert!(
                contract
                    .checked
                    .iter()
                    .any(|(m, t, s)| m == method && t == template && s == status),
                "{method} {template} {status} was not checked"
            );
        }
    }
}

/// List-valued query parameters are plural on every route (`kinds`, `industries`, `disciplines`);
/// the old singular names of `/api/v1/resources` are still accepted for one release, and giving
/// both names of one parameter is a repeated parameter.
#[test]
fn query_parameter_names_agree_across_routes() {
    let server = Server::start("query-names");
    let editor = server.token("editor");
    let catalog: Vec<Value> = vec![
        json!({"id": "e-1", "kind": "expert", "title": "锂电池专家", "region": "440305",
               "industries": ["C3841"], "disciplines": ["480"]}),
        json!({"id": "a-1", "kind": "achievement", "title": "锂电池回收", "region": "110101"}),
        json!({"id": "p-1", "kind": "patent", "title": "锂电池隔膜", "region": "440305"}),
    ];
    let reply = server.import(
        "?format=jsonl",
        &editor,
        "application/x-ndjson",
        &crate::support::jsonl(&catalog),
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
        let mut ids: Vec<String> = list
            .as_array()
            .unwrap()
            .iter()
            .map(|item| item["id"].as_str().unwrap().to_string())
            .collect();
        ids.sort();
        ids
    };
    // The same name and the same answer on both routes that filter by kind.
    assert_eq!(ids("/api/v1/resources?kinds=expert,patent"), ["e-1", "p-1"]);
    assert_eq!(ids("/api/v1/snapshot?kinds=expert,patent"), ["e-1", "p-1"]);
    assert_eq!(ids("/api/v1/resources?industries=C3841"), ["e-1"]);
    assert_eq!(ids("/api/v1/resources?disciplines=480"), ["e-1"]);
    // The old names, for one release.
    assert_eq!(ids("/api/v1/resources?kind=expert,patent"), ["e-1", "p-1"]);
    assert_eq!(ids("/api/v1/resources?industry=C3841"), ["e-1"]);
    assert_eq!(ids("/api/v1/resources?discipline=480"), ["e-1"]);
    assert_eq!(ids("/api/v1/snapshot?kind=achievement"), ["a-1"]);
    let both = server.get("/api/v1/resources?kind=expert&kinds=patent");
    assert_eq!(both.status, 400, "{}", both.text());
    assert_eq!(both.error_code(), "bad_query");
    assert!(both.text().contains("old name 'kind'"), "{}", both.text());
    let bad = server.get("/api/v1/resources?kinds=robot");
    assert_eq!(bad.status, 400);
    assert!(bad.text().contains("kinds: unknown kind"), "{}", bad.text());
    // The document names the new parameters and marks the old ones deprecated.
    let document = server.get("/api/openapi.json").json();
    let parameters = document["paths"]["/api/v1/resources"]["get"]["parameters"]
        .as_array()
        .unwrap()
        .clone();
    let deprecated = |name: &str| {
        parameters
            .iter()
            .find(|parameter| parameter["name"] == name)
            .map(|parameter| parameter["deprecated"] == true)
    };
    assert_eq!(deprecated("kinds"), Some(false));
    assert_eq!(deprecated("kind"), Some(true));
    assert_eq!(deprecated("industries"), Some(false));
    assert_eq!(deprecated("industry"), Some(true));
}

/// The checker fails an answer the document does not describe: an unknown field, a missing or
/// mistyped one, a value outside an enum, a oneOf that fits twice.
#[test]
fn the_checker_finds_what_the_document_does_not_say() {
    let document = json!({"components": {"schemas": {
        "Kind": {"type": "string", "enum": ["expert", "patent"]},
        "Item": {"type": "object", "required": ["id"], "properties": {
            "id": {"type": "string"},
            "kind": {"$ref": "#/components/schemas/Kind"},
            "score": {"type": ["number", "null"]},
        }},
        "Either": {"oneOf": [
            {"type": "object", "properties": {"a": {"type": "integer"}}},
            {"type": "object", "properties": {"a": {"type": "number"}}},
        ]},
    }}});
    let checker = Checker {
        document: &document,
    };
    let item = json!({"$ref": "#/components/schemas/Item"});
    let problems = |schema: &Value, value: Value| {
        let mut problems = Vec::new();
        checker.check(schema, &value, "answer", &mut problems);
        problems
    };
    assert_eq!(
        problems(&item, json!({"id": "a", "kind": "patent", "score": null})),
        Vec::<String>::new()
    );
    assert_eq!(
        problems(&item, json!({"id": "a", "colour": "red"})),
        ["answer.colour: not in the schema"]
    );
    assert_eq!(
        problems(&item, json!({"kind": "expert"})),
        ["answer.id: required but absent"]
    );
    assert_eq!(problems(&item, json!({"id": 1})).len(), 1);
    assert_eq!(
        problems(&item, json!({"id": "a", "kind": "robot"})).len(),
        1
    );
    assert_eq!(
        problems(&item, json!({"id": "a", "score": "high"})).len(),
        1
    );
    let either = json!({"$ref": "#/components/schemas/Either"});
    assert_eq!(problems(&either, json!({"a": 1.5})), Vec::<String>::new());
    assert_eq!(problems(&either, json!({"a": 1})).len(), 1, "fits both");
}

/// An operation the document says needs a token answers 401 without one; any other does not.
#[test]
fn documented_security_is_enforced() {
    let server = Server::start("contract-security");
    let document = server.get("/api/openapi.json").json();
    for (template, operations) in document["paths"].as_object().unwrap() {
        for (method, operation) in operations.as_object().unwrap() {
            let needs_token = operation["security"]
                .as_array()
                .unwrap()
                .iter()
                .all(|requirement| requirement.get("bearer").is_some());
            let path = template.replace("{id}", "1").replace("{name}", "modes");
            let method = method.to_ascii_uppercase();
            let reply = server.request(&method, &path, None, &[], None);
            if needs_token {
                assert_eq!(reply.status, 401, "{method} {template}: {}", reply.text());
                assert!(
                    operation["responses"]["401"].is_object(),
                    "{method} {template}"
                );
            } else {
                assert_ne!(reply.status, 401, "{method} {template}");
            }
        }
    }
}
