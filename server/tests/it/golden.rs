//! The server against the golden score file (`tests/golden/`): ids, order and exact score bits over
//! HTTP, the third of the three checks (native, wasm, server) that keep every platform in agreement.

use duijie_tests::{check_golden, golden_result, GOLDEN_CATALOG, GOLDEN_NEEDS};
use serde_json::{json, Value};

use crate::support::Server;

/// A match answer's results in the golden file's shape. The numbers are read back with serde_json's
/// correctly rounded parser (`float_roundtrip`), so the bits compared are the bits the server printed.
fn answer_results(answer: &Value) -> Value {
    let results = answer["results"].as_array().expect("results");
    Value::Array(
        results
            .iter()
            .map(|result| {
                let components = result["components"].as_array().expect("components");
                golden_result(
                    result["id"].as_str().expect("an id"),
                    result["score"].as_f64().expect("a score"),
                    components.iter().map(|component| {
                        (
                            component["name"].as_str().expect("a name"),
                            component["applies"].as_bool().expect("applies"),
                            component["value"].as_f64().expect("a value"),
                        )
                    }),
                )
            })
            .collect(),
    )
}

#[test]
fn match_route_reproduces_the_golden_scores_bit_for_bit() {
    let server = Server::start("golden");
    let editor = server.token("editor");
    let reply = server.import(
        "?format=jsonl",
        &editor,
        "application/x-ndjson",
        GOLDEN_CATALOG.as_bytes(),
    );
    assert_eq!(reply.status, 200, "{}", reply.text());
    let catalog_version = reply.json()["catalog_version"].clone();
    let cases: Vec<Value> = GOLDEN_NEEDS
        .lines()
        .filter(|line| !line.trim().is_empty())
        .enumerate()
        .map(|(index, line)| {
            let case: Value = serde_json::from_str(line).unwrap();
            let options = case.get("options").cloned().unwrap_or(json!({}));
            let mut body = json!({"need": case["need"]});
            if let Some(top) = options.get("top") {
                body["limit"] = top.clone();
            }
            if let Some(filters) = options.get("filters") {
                body["filters"] = filters.clone();
            }
            let reply = server.send("POST", "/api/v1/match", None, Some(&body));
            assert_eq!(reply.status, 200, "case {index}: {}", reply.text());
            let answer = reply.json();
            assert_eq!(answer["catalog_version"], catalog_version, "case {index}");
            answer_results(&answer)
        })
        .collect();
    check_golden(&json!({"catalog_version": catalog_version, "cases": cases}));
}
