//! The match answer's JSON shape, shared by `duijie match --json` and `POST /api/v1/match`, so both
//! print the same thing for the same catalog and need.

use duijie_core::{MatchResult, Matcher};
use serde_json::{json, Value};

/// `{"catalog_version", "results": [{"id", "score", "components", "matched", "reasons", "resource"}]}`,
/// with each resource's public fields only.
pub fn match_answer(matcher: &Matcher, results: &[MatchResult]) -> Value {
    let results: Vec<Value> = results
        .iter()
        .map(|result| {
            let resource = matcher.get(&result.id).map(|resource| resource.public());
            json!({
                "id": result.id,
                "score": result.score,
                "components": result.components,
                "matched": result.matched,
                "reasons": result.reasons,
                "resource": resource,
            })
        })
        .collect();
    json!({ "catalog_version": matcher.version(), "results": results })
}
