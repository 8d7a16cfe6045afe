//! Shared helpers for the cross-crate tests: the golden score vectors every platform must reproduce.
//!
//! `golden/catalog.jsonl` and `golden/needs.jsonl` are the inputs; `golden/scores.json` holds the
//! expected results with exact score bits. Native code, the wasm build and the server each compute the
//! same answers with `compute_golden` or equivalent and compare bits, so all three agree with each
//! other without depending on each other.

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

/// The results as golden JSON: ids, and every score and component value as exact bits (hex) beside
/// a readable decimal.
pub fn results_json(results: &[MatchResult]) -> Value {
    Value::Array(
        results
            .iter()
            .map(|result| {
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
            })
            .collect(),
    )
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
