//! The match answer's JSON shape, shared by `duijie match --json` and `POST /api/v1/match`, so both
//! print the same thing for the same catalog and need.

use duijie_core::{Component, MatchResult, Matched, Matcher, Reason, Resource};
use serde::Serialize;

/// `{"catalog_version", "results": [{"id", "score", "components", "matched", "reasons", "resource"}]}`,
/// with each resource's public fields only. Serialised straight from the results (building a
/// `serde_json::Value` tree first cost a tenth of a match request).
#[derive(Serialize)]
pub struct MatchAnswer<'a> {
    catalog_version: &'a str,
    results: Vec<AnswerResult<'a>>,
}

#[derive(Serialize)]
struct AnswerResult<'a> {
    id: &'a str,
    score: f64,
    components: &'a [Component],
    matched: &'a [Matched],
    reasons: &'a [Reason],
    resource: Option<Resource>,
}

pub fn match_answer<'a>(matcher: &'a Matcher, results: &'a [MatchResult]) -> MatchAnswer<'a> {
    MatchAnswer {
        catalog_version: matcher.version(),
        results: results
            .iter()
            .map(|result| AnswerResult {
                id: &result.id,
                score: result.score,
                components: &result.components,
                matched: &result.matched,
                reasons: &result.reasons,
                resource: matcher.get(&result.id).map(Resource::public),
            })
            .collect(),
    }
}
