//! The golden score file checked from WebAssembly in a browser: the core on wasm32, and the JavaScript
//! API of `Matcher`, must both reproduce `tests/golden/scores.json` bit for bit.
#![cfg(target_arch = "wasm32")]

use duijie_tests::{compute_golden, golden_cases, GOLDEN_CATALOG, GOLDEN_SCORES};
use duijie_wasm::{MatchResultJs, Matcher};
use serde_json::{json, Value};
use wasm_bindgen::JsValue;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

/// The expected golden answer.
fn expected() -> Value {
    serde_json::from_str(GOLDEN_SCORES).expect("scores.json is JSON")
}

#[wasm_bindgen_test]
fn core_on_wasm32_matches_the_golden_file() {
    let computed = compute_golden();
    check(&computed, &expected());
}

#[wasm_bindgen_test]
fn javascript_api_matches_the_golden_file() {
    let matcher = Matcher::new(JsValue::from_str(GOLDEN_CATALOG)).expect("golden catalog loads");
    let cases: Vec<Value> = golden_cases()
        .iter()
        .map(|case| {
            // Through the JS boundary both ways: the need and options as JS objects, the results back.
            let need = serde_wasm_bindgen::to_value(&case.need).expect("need to JS");
            let options = serde_wasm_bindgen::to_value(&case.options).expect("options to JS");
            let results = matcher.match_need(need, options).expect("match succeeds");
            let results: Vec<MatchResultJs> =
                serde_wasm_bindgen::from_value(results).expect("results from JS");
            Value::Array(results.iter().map(result_json).collect())
        })
        .collect();
    let computed = json!({ "catalog_version": matcher.catalog_version(), "cases": cases });
    check(&computed, &expected());
}

/// A JS-facing result in the golden file's shape (as `duijie_tests::results_json` writes it).
fn result_json(result: &MatchResultJs) -> Value {
    json!({
        "id": result.id,
        "score": format!("{:.6}", result.score),
        "score_bits": format!("{:016x}", result.score.to_bits()),
        "components": result.components.iter().map(|component| json!({
            "name": component.name,
            "applies": component.applies,
            "value_bits": format!("{:016x}", component.value.to_bits()),
        })).collect::<Vec<_>>(),
    })
}

/// The one comparison: the same catalog version and, case by case, the same ids and bits.
fn check(computed: &Value, expected: &Value) {
    assert_eq!(computed["catalog_version"], expected["catalog_version"]);
    let computed_cases = computed["cases"].as_array().expect("cases");
    let expected_cases = expected["cases"].as_array().expect("cases");
    assert_eq!(computed_cases.len(), expected_cases.len());
    for (index, (got, want)) in computed_cases.iter().zip(expected_cases).enumerate() {
        assert_eq!(got, want, "golden case {index} differs");
    }
}
