//! What the page asks a matcher and what it gets back, in one shape whoever answers: the local
//! matcher (on the downloaded snapshot, `State::ask`) or, while the snapshot still loads,
//! `POST /api/v1/match` on the server, whose JSON an `Answer` reads. Pure data and two functions;
//! tested natively.

use duijie_core::{Filters, MatchOptions, MatchResult, Matcher, Need, Resource};
use serde::{Deserialize, Serialize};

use crate::state::FilterKey;

/// One question: the need and filters of the broker's text and pickers, and, for the empty state,
/// the same with each active filter relaxed (counted only when the question itself finds nothing).
#[derive(Clone, Debug, PartialEq)]
pub struct Query {
    /// The reducer's number for this question; answers to older ones are dropped.
    pub id: u64,
    pub need: Need,
    pub filters: Filters,
    pub top: usize,
    /// How many results the page shows: only these carry their whole resource and explanation; the
    /// others carry their id, score and what facets count (kind, region), which keeps answers small.
    pub detail: usize,
    pub relax: Vec<Relaxed>,
}

/// The question with one filter cleared.
#[derive(Clone, Debug, PartialEq)]
pub struct Relaxed {
    pub key: FilterKey,
    pub need: Need,
    pub filters: Filters,
}

/// An answer: `{"catalog_version", "results": [{"id", "score", "components", "matched", "reasons",
/// "resource"}]}` as `POST /api/v1/match` sends it, plus the question's `id` and, from the local
/// matcher, the relaxed filters' counts.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Answer {
    #[serde(default)]
    pub id: u64,
    #[serde(default)]
    pub catalog_version: String,
    pub results: Vec<Found>,
    #[serde(default)]
    pub relax: Vec<(FilterKey, usize)>,
    /// How many of the results carry their whole resource (all of them, from the server).
    #[serde(default = "all")]
    pub detail: usize,
}

fn all() -> usize {
    usize::MAX
}

/// One result with the resource it names (public fields only).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Found {
    #[serde(flatten)]
    pub result: MatchResult,
    #[serde(default)]
    pub resource: Option<Resource>,
}

/// Answers a question on a local matcher.
pub fn answer(matcher: &Matcher, query: &Query) -> Answer {
    // Explanations only for the results shown (`detail`); none for the relaxed questions, which
    // are only counted.
    let run = |need: &Need, filters: &Filters, explain: usize| {
        let options = MatchOptions {
            top: query.top,
            explain,
            filters: filters.clone(),
        };
        matcher.match_need(need, &options)
    };
    let results = run(&query.need, &query.filters, query.detail);
    let mut relax = Vec::new();
    if results.is_empty() {
        for relaxed in &query.relax {
            let count = run(&relaxed.need, &relaxed.filters, 0).len();
            if count > 0 {
                relax.push((relaxed.key, count));
            }
        }
    }
    Answer {
        id: query.id,
        catalog_version: matcher.version().to_string(),
        results: results
            .into_iter()
            .enumerate()
            .map(|(position, mut result)| {
                let resource = matcher.get(&result.id);
                let resource = if position < query.detail {
                    resource.map(Resource::public)
                } else {
                    // Matched terms and reasons were never made (`explain`); components go too.
                    result.components.clear();
                    resource.map(|resource| {
                        let mut light = Resource::new(resource.id.clone(), resource.kind);
                        light.region = resource.region.clone();
                        light
                    })
                };
                Found { result, resource }
            })
            .collect(),
        relax,
        detail: query.detail,
    }
}

/// The body of `POST /api/v1/match` for a question, narrowed to the page's scope (the `region`
/// and `kinds` its snapshot is cut to), since the server matches its whole catalog.
pub fn server_request(query: &Query, scope: &Filters) -> serde_json::Value {
    let mut filters = query.filters.clone();
    if filters.region.is_none() {
        filters.region = scope.region.clone();
    }
    if !scope.kinds.is_empty() {
        let within: Vec<_> = filters
            .kinds
            .iter()
            .copied()
            .filter(|kind| scope.kinds.contains(kind))
            .collect();
        filters.kinds = if within.is_empty() {
            scope.kinds.clone()
        } else {
            within
        };
    }
    serde_json::json!({
        "need": query.need,
        "limit": query.top,
        "filters": filters,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use duijie_core::Kind;

    fn matcher() -> Matcher {
        let mut battery = Resource::new("a1", Kind::Achievement);
        battery.title = "锂电池热失控预警系统".to_string();
        battery.region = Some("440305".to_string());
        battery.contact = Some(duijie_core::model::Contact {
            name: "王工".to_string(),
            ..Default::default()
        });
        Matcher::new("c-test", vec![battery], Default::default())
    }

    fn query(text: &str, filters: Filters) -> Query {
        Query {
            id: 7,
            need: Need::from_text(text),
            filters,
            top: 10,
            detail: 10,
            relax: vec![Relaxed {
                key: FilterKey::Region,
                need: Need::from_text(text),
                filters: Filters::default(),
            }],
        }
    }

    #[test]
    fn answers_carry_public_resources_and_the_question_id() {
        let answer = answer(&matcher(), &query("锂电池", Filters::default()));
        assert_eq!(answer.id, 7);
        assert_eq!(answer.catalog_version, "c-test");
        assert_eq!(answer.results.len(), 1);
        let resource = answer.results[0].resource.as_ref().expect("the resource");
        assert_eq!(resource.title, "锂电池热失控预警系统");
        assert_eq!(resource.contact, None);
        assert!(
            answer.relax.is_empty(),
            "relaxing is only for empty answers"
        );
    }

    #[test]
    fn results_past_the_shown_ones_carry_only_what_facets_count() {
        let mut question = query("锂电池", Filters::default());
        question.detail = 0;
        let answer = answer(&matcher(), &question);
        let resource = answer.results[0].resource.as_ref().expect("the resource");
        assert_eq!(resource.title, "");
        assert_eq!(resource.kind, Kind::Achievement);
        assert_eq!(resource.region.as_deref(), Some("440305"));
        assert!(
            answer.results[0].result.reasons.is_empty()
                && answer.results[0].result.matched.is_empty()
        );
        assert_eq!(answer.detail, 0);
    }

    #[test]
    fn empty_answers_count_what_relaxing_would_give() {
        let beijing = Filters {
            region: Some("110000".to_string()),
            ..Filters::default()
        };
        let answer = answer(&matcher(), &query("锂电池", beijing));
        assert!(answer.results.is_empty());
        assert_eq!(answer.relax, [(FilterKey::Region, 1)]);
    }

    #[test]
    fn answers_read_back_from_json_and_from_the_servers_shape() {
        let sent = answer(&matcher(), &query("锂电池", Filters::default()));
        let text = serde_json::to_string(&sent).expect("serialises");
        let read: Answer = serde_json::from_str(&text).expect("reads back");
        assert_eq!(read, sent);
        // The server's answer has no `id` or `relax`.
        let server = r#"{"catalog_version":"c1","results":[{"id":"x","score":0.5,"components":[],"matched":[],"reasons":[],"resource":null}]}"#;
        let read: Answer = serde_json::from_str(server).expect("reads the server's shape");
        assert_eq!(read.results[0].result.id, "x");
        assert_eq!(read.detail, usize::MAX, "the server sends whole resources");
    }

    #[test]
    fn server_requests_stay_in_the_page_scope() {
        let scope = Filters {
            region: Some("440000".to_string()),
            kinds: vec![Kind::Expert, Kind::Achievement],
            ..Filters::default()
        };
        let body = server_request(&query("锂电池", Filters::default()), &scope);
        assert_eq!(body["filters"]["region"], "440000");
        assert_eq!(
            body["filters"]["kinds"],
            serde_json::json!(["expert", "achievement"])
        );
        assert_eq!(body["limit"], 10);
        let narrower = Filters {
            region: Some("440300".to_string()),
            kinds: vec![Kind::Expert, Kind::Patent],
            ..Filters::default()
        };
        let body = server_request(&query("锂电池", narrower), &scope);
        assert_eq!(body["filters"]["region"], "440300");
        assert_eq!(body["filters"]["kinds"], serde_json::json!(["expert"]));
    }
}
