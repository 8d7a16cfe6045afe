//! The match answer's JSON shape, shared by `duijie match --json` and `POST /api/v1/match`, so both
//! print the same thing for the same catalog and need.

use duijie_core::{Band, Component, MatchResult, Matched, Matcher, Reason, Resource};
use serde::Serialize;
use utoipa::ToSchema;

// Serialised straight from the results (building a `serde_json::Value` tree first cost a tenth of a
// match request).
/// The resources that best fit a need, each with its explained score and its public fields.
#[derive(Serialize, ToSchema)]
pub struct MatchAnswer<'a> {
    /// The catalog the results come from (it changes with every write).
    catalog_version: &'a str,
    /// Best first.
    results: Vec<AnswerResult<'a>>,
}

/// One ranked resource with its explained fit.
#[derive(Serialize, ToSchema)]
pub struct AnswerResult<'a> {
    id: &'a str,
    /// The fit in [0, 1], the same for every need and catalog: relevance (text raised by its
    /// support) and the structured components the need gives, in a weighted mean.
    score: f64,
    /// The band of the fit: `strong`, `possible`, `weak` or `none`.
    #[schema(value_type = crate::schema::Band)]
    band: Band,
    #[schema(value_type = Vec<crate::schema::Component>)]
    components: &'a [Component],
    /// Where the need's terms occur in the resource (for highlighting).
    #[schema(value_type = Vec<crate::schema::Matched>)]
    matched: &'a [Matched],
    #[schema(value_type = Vec<crate::schema::Reason>)]
    reasons: &'a [Reason],
    /// The resource's public fields; null if it left the catalog since the match.
    #[schema(value_type = Option<crate::schema::Resource>, required = true)]
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
                band: result.band,
                components: &result.components,
                matched: &result.matched,
                reasons: &result.reasons,
                resource: matcher.get(&result.id).map(Resource::public),
            })
            .collect(),
    }
}
