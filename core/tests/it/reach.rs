//! `Matcher::could_rank`, the test precise push asks before matching a need: it never rules out a
//! resource that a match returns with the fit asked for (property tests over random catalogs,
//! small ones scored in full and larger ones where common terms only add to what rarer terms
//! found), and it rules out what shares nothing with the need.

use duijie_core::jsonl::{need_from_json, parse_catalog_jsonl};
use duijie_core::matcher::{catalog_version, MAX_TOP};
use duijie_core::{Filters, Kind, MatchOptions, MatchResult, Matcher, Need, Resource, Weights};
use proptest::prelude::*;

const ALPHABET: &[char] = &[
    '锂', '电', '池', '离', '子', '材', '料', '机', '器', '人', '控', '制', '系', '统', '水', '处',
    '理', '技', '术', '热', '失', '预', '警', '膜', 'a', 'b', 'p', 'l', 'c', ' ', '，', '。',
];

fn text(max: usize) -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(ALPHABET), 0..max)
        .prop_map(|chars| chars.into_iter().collect())
}

fn resource() -> impl Strategy<Value = Resource> {
    (
        text(16),
        text(80),
        prop::collection::vec(text(6), 0..4),
        prop::sample::select(Kind::ALL.to_vec()),
        prop::option::of(prop::sample::select(vec!["440305", "440303", "110101"])),
        prop::option::of(1u8..=9),
        prop::collection::vec(
            prop::sample::select(vec!["080", "0802", "460", "620"]),
            0..3,
        ),
    )
        .prop_map(
            |(title, summary, keywords, kind, region, maturity, disciplines)| {
                let mut resource = Resource::new("", kind);
                resource.title = title;
                resource.summary = summary;
                resource.keywords = keywords;
                resource.region = region.map(str::to_string);
                resource.maturity = maturity;
                resource.disciplines = disciplines.into_iter().map(str::to_string).collect();
                resource
            },
        )
}

fn need() -> impl Strategy<Value = Need> {
    (
        text(60),
        prop::collection::vec(text(6), 0..3),
        prop::option::of(prop::sample::select(vec!["440305", "110101"])),
        prop::option::of(0u8..=9),
        prop::collection::vec(prop::sample::select(vec!["080", "460"]), 0..2),
        prop::collection::vec(prop::sample::select(Kind::ALL.to_vec()), 0..2),
    )
        .prop_map(
            |(text, keywords, region, min_maturity, disciplines, kinds)| Need {
                text,
                keywords,
                region: region.map(str::to_string),
                min_maturity,
                disciplines: disciplines.into_iter().map(str::to_string).collect(),
                kinds,
                ..Need::default()
            },
        )
}

fn matcher(mut resources: Vec<Resource>) -> Matcher {
    for (index, resource) in resources.iter_mut().enumerate() {
        resource.id = format!("r{index:04}");
    }
    let version = catalog_version(&resources, &Weights::default());
    Matcher::new(version, resources, Weights::default())
}

/// Every result of a full match that is in the set with a fit of at least `min_fit` is one
/// `could_rank` allows; returns whether there was one.
fn check(matcher: &Matcher, need: &Need, kinds: Vec<Kind>, changed: &[bool], min_fit: f64) -> bool {
    let ids: Vec<&str> = matcher
        .resources()
        .iter()
        .zip(changed)
        .filter(|(_, &changed)| changed)
        .map(|(resource, _)| resource.id.as_str())
        .collect();
    let set = matcher.change_set(ids.iter().copied());
    let filters = Filters {
        kinds,
        ..Filters::default()
    };
    let options = MatchOptions {
        top: MAX_TOP,
        explain: 0,
        filters: filters.clone(),
    };
    let reached = matcher
        .match_need(need, &options)
        .iter()
        .find(|result| result.score >= min_fit && ids.contains(&result.id.as_str()))
        .map(|result| (result.id.clone(), result.score));
    let could = matcher.could_rank(need, &filters, &set, min_fit);
    assert!(
        reached.is_none() || could,
        "could_rank says no, but the match returns {reached:?} (min_fit {min_fit})"
    );
    // Push asks both at once, on one analysis of the need: the same answer and the same results.
    let in_set = |_: usize, result: &MatchResult| ids.contains(&result.id.as_str());
    let both = matcher.match_if_reachable(need, &options, &set, min_fit, in_set);
    assert_eq!(
        both.is_some(),
        could,
        "match_if_reachable is not could_rank"
    );
    if let Some(results) = both {
        assert_eq!(
            results,
            matcher.match_need_explaining(need, &options, in_set),
            "match_if_reachable's results are not the match's"
        );
    }
    reached.is_some()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn could_rank_never_rules_out_a_result(
        resources in prop::collection::vec(resource(), 0..40),
        need in need(),
        changed in prop::collection::vec(any::<bool>(), 40),
        kinds in prop::collection::vec(prop::sample::select(Kind::ALL.to_vec()), 0..2),
        min_fit in 0.0f64..0.7,
    ) {
        let matcher = matcher(resources);
        check(&matcher, &need, kinds, &changed, min_fit);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(12))]

    /// Over 200 resources stage one prunes: a term in more than an eighth of them only adds to
    /// resources that rarer terms found.
    #[test]
    fn could_rank_never_rules_out_a_result_where_stage_one_prunes(
        resources in prop::collection::vec(resource(), 220..320),
        needs in prop::collection::vec(need(), 8),
        changed in prop::collection::vec(prop::bool::weighted(0.1), 320),
        min_fit in 0.0f64..0.6,
    ) {
        let matcher = matcher(resources);
        for need in &needs {
            check(&matcher, need, Vec::new(), &changed, min_fit);
        }
    }
}

/// On the golden catalog, each resource alone as the change, for each golden need: every strong
/// result is allowed, and most pairs are ruled out without a match.
#[test]
fn could_rank_rules_out_most_pairs_of_the_golden_catalog() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/golden/");
    let catalog = std::fs::read_to_string(format!("{root}catalog.jsonl")).expect("golden catalog");
    let parsed = parse_catalog_jsonl(&catalog);
    assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
    let resources = parsed.resources;
    let version = catalog_version(&resources, &Weights::default());
    let matcher = Matcher::new(version, resources, Weights::default());
    let needs = std::fs::read_to_string(format!("{root}needs.jsonl")).expect("golden needs");
    let (mut reached, mut allowed, mut pairs) = (0, 0, 0);
    for line in needs.lines().filter(|line| !line.trim().is_empty()) {
        let value: serde_json::Value = serde_json::from_str(line).expect("json");
        let need = need_from_json(&value["need"]).expect("a need");
        for (position, resource) in matcher.resources().iter().enumerate() {
            let mut changed = vec![false; matcher.len()];
            changed[position] = true;
            pairs += 1;
            reached += usize::from(check(&matcher, &need, Vec::new(), &changed, 0.35));
            let set = matcher.change_set([resource.id.as_str()]);
            allowed += usize::from(matcher.could_rank(&need, &Filters::default(), &set, 0.35));
        }
    }
    assert!(reached > 0, "no strong result at all");
    assert!(
        allowed * 4 < pairs,
        "could_rank allows {allowed} of {pairs} pairs ({reached} strong results)"
    );
}
