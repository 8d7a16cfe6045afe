//! Shared helpers for the cross-crate tests: the golden score vectors every platform must reproduce.
//!
//! `golden/catalog.jsonl` and `golden/needs.jsonl` are the inputs; `golden/scores.json` holds the
//! expected results with exact score bits. Native code, the wasm build and the server each compute the
//! same answers (`compute_golden`, or through their own API) and compare them with `check_golden`, so
//! all three agree with each other without depending on each other.

use duijie_core::jsonl::{need_from_json, parse_catalog_jsonl};
use duijie_core::{MatchOptions, MatchResult, Matcher, Need, Weights};
use serde_json::{json, Value};

pub const GOLDEN_CATALOG: &str = include_str!("../golden/catalog.jsonl");
pub const GOLDEN_NEEDS: &str = include_str!("../golden/needs.jsonl");
pub const GOLDEN_SCORES: &str = include_str!("../golden/scores.json");

/// One golden case: a need and its match options.
pub struct GoldenCase {
    pub need: Need,
    pub options: MatchOptions,
}

/// The golden catalog as a matcher with the default weights.
pub fn golden_matcher() -> Matcher {
    let parsed = parse_catalog_jsonl(GOLDEN_CATALOG);
    assert!(
        parsed.errors.is_empty(),
        "golden catalog is invalid: {:?}",
        parsed.errors
    );
    let weights = Weights::default();
    let version = duijie_core::matcher::catalog_version(&parsed.resources, &weights);
    Matcher::new(version, parsed.resources, weights)
}

/// The golden cases, in file order.
pub fn golden_cases() -> Vec<GoldenCase> {
    GOLDEN_NEEDS
        .lines()
        .filter(|line| !line.trim().is_empty())
        .map(|line| {
            let value: Value = serde_json::from_str(line).expect("golden needs are JSON");
            let need = need_from_json(&value["need"]).expect("golden needs are valid");
            let options = match value.get("options") {
                Some(options) => {
                    serde_json::from_value(options.clone()).expect("golden options are valid")
                }
                None => MatchOptions::default(),
            };
            GoldenCase { need, options }
        })
        .collect()
}

/// The results as golden JSON (`golden_result` of each).
pub fn results_json(results: &[MatchResult]) -> Value {
    Value::Array(
        results
            .iter()
            .map(|result| {
                golden_result(
                    &result.id,
                    result.score,
                    result.components.iter().map(|component| {
                        (component.name.as_str(), component.applies, component.value)
                    }),
                )
            })
            .collect(),
    )
}

/// One result as `scores.json` holds it: the id, the score as exact bits (hex) beside a readable
/// decimal, and each component's name, whether it applies and its value's bits. The three checks
/// (native, wasm, server) each write their results with this, then compare with `check_golden`.
pub fn golden_result<'a>(
    id: &str,
    score: f64,
    components: impl IntoIterator<Item = (&'a str, bool, f64)>,
) -> Value {
    json!({
        "id": id,
        "score": format!("{score:.6}"),
        "score_bits": format!("{:016x}", score.to_bits()),
        "components": components.into_iter().map(|(name, applies, value)| json!({
            "name": name,
            "applies": applies,
            "value_bits": format!("{:016x}", value.to_bits()),
        })).collect::<Vec<_>>(),
    })
}

/// Every golden case's results, as `scores.json` holds them.
pub fn compute_golden() -> Value {
    let matcher = golden_matcher();
    let cases: Vec<Value> = golden_cases()
        .iter()
        .map(|case| results_json(&matcher.match_need(&case.need, &case.options)))
        .collect();
    json!({ "catalog_version": matcher.version(), "cases": cases })
}

/// The one comparison of the three checks: `computed` (`{"catalog_version", "cases"}`, each case's
/// results written by `golden_result`) against `scores.json`: the same catalog version and, case by
/// case, the same ids in the same order with the same bits.
pub fn check_golden(computed: &Value) {
    let expected: Value = serde_json::from_str(GOLDEN_SCORES).expect("golden/scores.json is JSON");
    assert_eq!(
        computed["catalog_version"], expected["catalog_version"],
        "catalog version differs"
    );
    let computed_cases = computed["cases"].as_array().expect("cases");
    let expected_cases = expected["cases"].as_array().expect("cases");
    assert_eq!(
        computed_cases.len(),
        expected_cases.len(),
        "number of golden cases differs"
    );
    for (index, (computed_case, expected_case)) in
        computed_cases.iter().zip(expected_cases).enumerate()
    {
        assert_eq!(computed_case, expected_case, "golden case {index} differs");
    }
}
