//! The golden score file checked from WebAssembly in a browser: the core on wasm32, and the JavaScript
//! API of `Matcher`, must both reproduce `tests/golden/scores.json` bit for bit.
#![cfg(target_arch = "wasm32")]

use duijie_tests::{check_golden, compute_golden, golden_cases, golden_result, GOLDEN_CATALOG};
use duijie_wasm::{MatchResultJs, Matcher};
use serde_json::{json, Value};
use wasm_bindgen::JsValue;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
fn core_on_wasm32_matches_the_golden_file() {
    let computed = compute_golden();
    check_golden(&computed);
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
    check_golden(&computed);
}

/// A JS-facing result in the golden file's shape.
fn result_json(result: &MatchResultJs) -> Value {
    golden_result(
        &result.id,
        result.score,
        result
            .components
            .iter()
            .map(|component| (component.name.as_str(), component.applies, component.value)),
    )
}
