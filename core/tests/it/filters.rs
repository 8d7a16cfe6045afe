//! The hard filters are one rule: the matcher keeps exactly the resources `Filters::passes` keeps,
//! and `Filters::canonical` writes codes so that a code and its name filter alike.

use duijie_core::{Filters, Kind, MatchOptions, Matcher, Need, Resource};
use proptest::prelude::*;

const REGIONS: &[&str] = &["440305", "440300", "440000", "110101", "469001", "130638"];
const SCOPES: &[&str] = &["440000", "440300", "110000", "jjj", "xiongan", "460000"];
/// CSL disciplines, GB/T codes and names, a 5-digit GB/T code.
const DISCIPLINES: &[&str] = &[
    "机械工程",
    "兵器科学与技术",
    "460",
    "46020",
    "力学",
    "130",
    "数学",
    "110",
    "园艺学",
];
/// Section letters, divisions, classes with and without their section letter.
const INDUSTRIES: &[&str] = &["C", "C38", "38", "3841", "C3841", "A", "0111", "5232"];

fn resource(id: usize) -> impl Strategy<Value = Resource> {
    (
        prop::sample::select(Kind::ALL.to_vec()),
        prop::option::of(1u8..=9),
        prop::option::of(prop::sample::select(REGIONS)),
        prop::sample::subsequence(DISCIPLINES, 0..3),
        prop::sample::subsequence(INDUSTRIES, 0..3),
    )
        .prop_map(move |(kind, maturity, region, disciplines, industries)| {
            let mut resource = Resource::new(format!("r{id:03}"), kind);
            resource.title = format!("锂电池储能技术{id}");
            resource.maturity = maturity;
            resource.region = region.map(str::to_string);
            resource.disciplines = disciplines.into_iter().map(str::to_string).collect();
            resource.industries = industries.into_iter().map(str::to_string).collect();
            resource
        })
}

fn filters() -> impl Strategy<Value = Filters> {
    (
        prop::sample::subsequence(Kind::ALL.to_vec(), 0..3),
        prop::option::of(prop::sample::select(SCOPES)),
        prop::sample::subsequence(DISCIPLINES, 0..2),
        prop::sample::subsequence(INDUSTRIES, 0..2),
        prop::option::of(1u8..=9),
    )
        .prop_map(
            |(kinds, region, disciplines, industries, min_maturity)| Filters {
                kinds,
                region: region.map(str::to_string),
                disciplines: disciplines.into_iter().map(str::to_string).collect(),
                industries: industries.into_iter().map(str::to_string).collect(),
                min_maturity,
            },
        )
}

fn ids(matcher: &Matcher, need: &Need, filters: &Filters) -> Vec<String> {
    let options = MatchOptions {
        top: 1000,
        explain: 0,
        filters: filters.clone(),
    };
    let mut ids: Vec<String> = matcher
        .match_need(need, &options)
        .into_iter()
        .map(|result| result.id)
        .collect();
    ids.sort();
    ids
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// Every resource shares the need's text, so the match lists all of them; filtered, exactly
    /// those `passes` keeps (and the need's own kinds and minimum maturity), with the filters as
    /// given or canonical.
    #[test]
    fn the_matcher_keeps_what_passes_keeps(
        catalog in (1usize..20).prop_flat_map(|n| (0..n).map(resource).collect::<Vec<_>>()),
        filters in filters(),
        need_kinds in prop::sample::subsequence(Kind::ALL.to_vec(), 0..3),
        need_maturity in prop::option::of(1u8..=9),
    ) {
        let matcher = Matcher::new("c-test", catalog.clone(), Default::default());
        let mut need = Need::from_text("锂电池储能");
        need.kinds = need_kinds;
        need.min_maturity = need_maturity;
        prop_assert_eq!(ids(&matcher, &Need::from_text("锂电池储能"), &Filters::default()).len(), catalog.len());
        let mut expected: Vec<String> = catalog
            .iter()
            .filter(|resource| {
                filters.passes(resource)
                    && (need.kinds.is_empty() || need.kinds.contains(&resource.kind))
                    && need.min_maturity.is_none_or(|min| resource.maturity.is_some_and(|m| m >= min))
            })
            .map(|resource| resource.id.clone())
            .collect();
        expected.sort();
        prop_assert_eq!(&ids(&matcher, &need, &filters), &expected);
        let canonical = filters.canonical().expect("known codes");
        prop_assert_eq!(&ids(&matcher, &need, &canonical), &expected);
        let passing = matcher.passing(&filters);
        for (resource, passes) in catalog.iter().zip(passing) {
            prop_assert_eq!(passes, filters.passes(resource));
            prop_assert_eq!(canonical.passes(resource), passes);
        }
        prop_assert_eq!(canonical.canonical(), Ok(canonical.clone()));
    }
}

#[test]
fn canonical_codes() {
    let filters = Filters {
        kinds: vec![Kind::Expert, Kind::Expert],
        region: Some(" 440300 ".to_string()),
        disciplines: vec![
            "机械工程".into(),
            "460.20".into(),
            "460".into(),
            "农学".into(),
        ],
        industries: vec!["C3841".into(), "3841".into(), "C".into()],
        min_maturity: Some(3),
    };
    let canonical = filters.canonical().unwrap();
    assert_eq!(canonical.kinds, [Kind::Expert]);
    assert_eq!(canonical.region.as_deref(), Some("440300"));
    assert_eq!(canonical.disciplines, ["机械工程", "460", "210"]);
    assert_eq!(canonical.industries, ["3841", "C"]);
    let empty_region = Filters {
        region: Some(" ".to_string()),
        ..Filters::default()
    };
    assert_eq!(empty_region.canonical(), Ok(Filters::default()));
}

/// The region filter reads a region as records do (`canonical_region`): a name or a path gives its
/// code, an ambiguous name is refused with the candidates.
#[test]
fn a_region_filters_by_code_or_name() {
    for written in ["广东省佛山市", "佛山", "广东/佛山市", "440600"] {
        let filters = Filters {
            region: Some(written.to_string()),
            ..Filters::default()
        };
        assert_eq!(
            filters.canonical().unwrap().region.as_deref(),
            Some("440600"),
            "{written}"
        );
    }
    let ambiguous = Filters {
        region: Some("朝阳区".to_string()),
        ..Filters::default()
    };
    let errors = ambiguous.canonical().unwrap_err();
    assert_eq!(errors[0].field, "region");
    assert!(
        errors[0].message.contains("北京市朝阳区 110105")
            && errors[0].message.contains("吉林省长春市朝阳区 220104"),
        "{}",
        errors[0].message
    );
}

#[test]
fn unknown_codes_are_located() {
    let filters = Filters {
        region: Some("999999".into()),
        disciplines: vec!["460".into(), "炼金术".into()],
        industries: vec!["Z99".into()],
        min_maturity: Some(10),
        ..Filters::default()
    };
    let fields: Vec<String> = filters
        .canonical()
        .unwrap_err()
        .into_iter()
        .map(|error| error.field)
        .collect();
    assert_eq!(
        fields,
        ["region", "disciplines[1]", "industries[0]", "min_maturity"]
    );
}

#[test]
fn a_discipline_filters_alike_by_code_by_name_and_across_systems() {
    let mut machines = Resource::new("a", Kind::Achievement);
    machines.disciplines = vec!["机械工程".into()];
    let mut weapons = Resource::new("b", Kind::Achievement);
    weapons.disciplines = vec!["兵器科学与技术".into()];
    let mut maths = Resource::new("c", Kind::Achievement);
    maths.disciplines = vec!["数学".into()];
    let by = |discipline: &str| {
        let filters = Filters {
            disciplines: vec![discipline.to_string()],
            ..Filters::default()
        };
        [&machines, &weapons, &maths].map(|resource| filters.passes(resource))
    };
    // GB/T 460 keeps the CSL disciplines mapped to it; the CSL name keeps itself.
    assert_eq!(by("460"), [true, true, false]);
    assert_eq!(by("46020"), [true, true, false]);
    assert_eq!(by("机械工程"), [true, false, false]);
    assert_eq!(by("110"), [false, false, true]);
}

#[test]
fn an_industry_filters_alike_with_or_without_its_section_letter() {
    let mut resource = Resource::new("a", Kind::Achievement);
    for written in ["3841", "C3841"] {
        resource.industries = vec![written.to_string()];
        for wanted in ["C", "38", "C38", "384", "3841", "C3841"] {
            let filters = Filters {
                industries: vec![wanted.to_string()],
                ..Filters::default()
            };
            assert!(filters.passes(&resource), "{written} under {wanted}");
        }
        let other = Filters {
            industries: vec!["A".to_string()],
            ..Filters::default()
        };
        assert!(!other.passes(&resource));
    }
}
