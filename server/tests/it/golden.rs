//! The server against the golden score file (`tests/golden/`): ids, order and exact score bits over
//! HTTP, the third of the three checks (native, wasm, server) that keep every platform in agreement.

use serde_json::{json, Value};

use crate::support::Server;

const CATALOG: &str = include_str!("../../../tests/golden/catalog.jsonl");
const NEEDS: &str = include_str!("../../../tests/golden/needs.jsonl");
const SCORES: &str = include_str!("../../../tests/golden/scores.json");

/// The numbers that follow each `"key":` in JSON text, as written. Read with Rust's correctly rounded
/// parser, so the bits compared are the bits the server printed.
fn numbers_after(text: &str, key: &str) -> Vec<f64> {
    let pattern = format!("\"{key}\":");
    text.match_indices(&pattern)
        .map(|(at, _)| {
            let rest = &text[at + pattern.len()..];
            let end = rest
                .find(|c: char| !(c.is_ascii_digit() || matches!(c, '.' | '-' | '+' | 'e' | 'E')))
                .unwrap_or(rest.len());
            rest[..end].parse::<f64>().expect("a number")
        })
        .collect()
}

#[test]
fn match_route_reproduces_the_golden_scores_bit_for_bit() {
    let server = Server::start("golden");
    let editor = server.token("editor");
    let reply = server.import(
        "?format=jsonl",
        &editor,
        "application/x-ndjson",
        CATALOG.as_bytes(),
    );
    assert_eq!(reply.status, 200, "{}", reply.text());
    let golden: Value = serde_json::from_str(SCORES).unwrap();
    assert_eq!(reply.json()["catalog_version"], golden["catalog_version"]);
    let cases = golden["cases"].as_array().unwrap();
    let needs: Vec<Value> = NEEDS
        .lines()
        .filter(|line| !line.trim().is_empty())
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(needs.len(), cases.len());
    for (index, (case, expected)) in needs.iter().zip(cases).enumerate() {
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
        let expected = expected.as_array().unwrap();
        let ids: Vec<&str> = answer["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|result| result["id"].as_str().unwrap())
            .collect();
        let expected_ids: Vec<&str> = expected
            .iter()
            .map(|result| result["id"].as_str().unwrap())
            .collect();
        assert_eq!(ids, expected_ids, "case {index}: ids or order");
        let text = reply.text();
        let scores: Vec<String> = numbers_after(&text, "score")
            .iter()
            .map(|score| format!("{:016x}", score.to_bits()))
            .collect();
        let expected_scores: Vec<&str> = expected
            .iter()
            .map(|result| result["score_bits"].as_str().unwrap())
            .collect();
        assert_eq!(scores, expected_scores, "case {index}: score bits");
        let values: Vec<String> = numbers_after(&text, "value")
            .iter()
            .map(|value| format!("{:016x}", value.to_bits()))
            .collect();
        let expected_values: Vec<&str> = expected
            .iter()
            .flat_map(|result| result["components"].as_array().unwrap())
            .map(|component| component["value_bits"].as_str().unwrap())
            .collect();
        assert_eq!(
            values, expected_values,
            "case {index}: component value bits"
        );
    }
}
