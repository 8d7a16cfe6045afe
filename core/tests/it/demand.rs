//! Demand analysis: groups by province, industry and theme over a small catalog, coverage by the
//! strong band, and themes independent of the needs' input order (a property test).

use duijie_core::demand::{analyze, DemandAnalysis, DemandNeed, DemandOptions, Fit, GroupBy};
use duijie_core::model::{NeedRecord, NeedStatus};
use duijie_core::{Band, Filters, Kind, MatchOptions, Matcher, Resource, Weights};
use proptest::prelude::*;

/// Technologies of the catalog: each has resources that list it and describe it.
const TOPICS: &[(&str, &str)] = &[
    (
        "余热回收",
        "陶瓷窑炉烟气余热回收利用系统，回收窑炉排烟余热用于干燥",
    ),
    (
        "锂电池",
        "锂电池正极材料制备与电池管理系统，提高锂电池循环寿命",
    ),
    (
        "污水处理",
        "工业污水处理与中水回用工艺，膜生物反应器处理印染污水",
    ),
    (
        "工业机器人",
        "工业机器人视觉引导与运动控制，焊接工业机器人离线编程",
    ),
    ("土壤修复", "重金属污染土壤修复技术与药剂，农田土壤修复示范"),
    (
        "数控机床",
        "五轴数控机床误差补偿与精度检测，数控机床主轴热变形控制",
    ),
];

fn catalog() -> Vec<Resource> {
    let mut resources = Vec::new();
    for (topic_index, (keyword, text)) in TOPICS.iter().enumerate() {
        for copy in 0..3 {
            let mut resource = Resource::new(format!("r{topic_index}{copy}"), Kind::Expert);
            resource.title = format!("{keyword}研究团队{copy}");
            resource.summary = (*text).to_string();
            resource.keywords = vec![(*keyword).to_string()];
            resource.society = format!("学会{}", topic_index % 2);
            resources.push(resource);
        }
    }
    // Prose the catalog shares, which no need should be themed by.
    for copy in 0..6 {
        let mut resource = Resource::new(format!("z{copy}"), Kind::Achievement);
        resource.title = format!("技术开发方法{copy}");
        resource.summary = "一种技术开发方法与研究平台".to_string();
        resources.push(resource);
    }
    resources
}

fn need(id: &str, text: &str, region: Option<&str>, industry: &str) -> NeedRecord {
    NeedRecord {
        id: id.to_string(),
        title: String::new(),
        text: text.to_string(),
        organization: format!("企业{}", &id[id.len() - 1..]),
        industries: vec![industry.to_string()],
        region: region.map(str::to_string),
        status: NeedStatus::Open,
        ..NeedRecord::default()
    }
}

/// Each need's forward list and key phrases, as the service computes them.
fn computed(
    matcher: &Matcher,
    needs: &[NeedRecord],
) -> Vec<(Vec<Fit>, Vec<duijie_core::demand::KeyPhrase>)> {
    let resources = matcher.resources();
    needs
        .iter()
        .map(|need| {
            let options = MatchOptions {
                top: 20,
                explain: 0,
                filters: Filters::default(),
            };
            let fits = matcher
                .match_need(&need.need(), &options)
                .iter()
                .map(|result| Fit {
                    resource: resources.iter().position(|r| r.id == result.id).unwrap() as u32,
                    score: result.score,
                })
                .collect();
            (fits, matcher.key_phrases(&need.need()))
        })
        .collect()
}

fn run(matcher: &Matcher, needs: &[NeedRecord], options: &DemandOptions) -> DemandAnalysis {
    let lists = computed(matcher, needs);
    let inputs: Vec<DemandNeed<'_>> = needs
        .iter()
        .zip(&lists)
        .map(|(need, (fits, phrases))| DemandNeed {
            need,
            fits,
            phrases,
        })
        .collect();
    analyze(&inputs, matcher.resources(), options)
}

fn matcher() -> Matcher {
    Matcher::new("test", catalog(), Weights::default())
}

fn sample_needs() -> Vec<NeedRecord> {
    vec![
        need(
            "n1",
            "我们是佛山的建筑陶瓷厂，想找陶瓷窑炉余热回收方面的专家",
            Some("440604"),
            "3071",
        ),
        need(
            "n2",
            "陶瓷窑炉排烟温度高，希望余热回收用于坯体干燥",
            Some("440605"),
            "3071",
        ),
        need("n3", "窑炉余热回收改造，降低能耗", Some("440100"), "3072"),
        need("n4", "印染企业污水处理提标改造", Some("330602"), "1713"),
        need("n5", "污水处理中水回用，膜工艺", None, "1713"),
        need("n6", "锂电池正极材料量产工艺", Some("440300"), "3841"),
        need("n7", "寻找研究方法", Some("110101"), "7310"),
    ]
}

#[test]
fn themes_gather_needs_by_their_key_technology() {
    let matcher = matcher();
    let analysis = run(
        &matcher,
        &sample_needs(),
        &DemandOptions {
            group_by: GroupBy::Theme,
            ..DemandOptions::default()
        },
    );
    let themes: Vec<(&str, Vec<&str>, usize)> = analysis
        .groups
        .iter()
        .map(|group| {
            (
                group.key.as_str(),
                group.phrases.iter().map(String::as_str).collect(),
                group.open,
            )
        })
        .collect();
    assert_eq!(analysis.groups[0].key, "余热回收", "{themes:?}");
    assert_eq!(analysis.groups[0].open, 3, "{themes:?}");
    assert_eq!(analysis.groups[0].enterprises, 3);
    assert!(
        themes
            .iter()
            .any(|(key, _, open)| *key == "污水处理" && *open == 2),
        "{themes:?}"
    );
    // The lone needs (锂电池, the prose) are in no theme.
    assert_eq!(analysis.unthemed, 2, "{themes:?}");
    assert_eq!(analysis.total_groups, analysis.groups.len());
    assert!(analysis.groups.iter().all(|group| group.open >= 2));
}

#[test]
fn regions_by_province_and_industries_by_section() {
    let matcher = matcher();
    let needs = sample_needs();
    let by_region = run(
        &matcher,
        &needs,
        &DemandOptions {
            group_by: GroupBy::Region,
            ..DemandOptions::default()
        },
    );
    let keys: Vec<(&str, &str, usize)> = by_region
        .groups
        .iter()
        .map(|group| (group.key.as_str(), group.name.as_str(), group.open))
        .collect();
    assert_eq!(keys[0], ("440000", "广东省", 4), "{keys:?}");
    assert!(keys.contains(&("(none)", "(none)", 1)), "{keys:?}");
    assert_eq!(by_region.overall.open, 7);

    let by_industry = run(
        &matcher,
        &needs,
        &DemandOptions {
            group_by: GroupBy::Industry,
            ..DemandOptions::default()
        },
    );
    let keys: Vec<(&str, usize)> = by_industry
        .groups
        .iter()
        .map(|group| (group.key.as_str(), group.open))
        .collect();
    // 3071, 3072, 1713, 3841 are manufacturing (C); 7310 is research (M).
    assert_eq!(keys, vec![("C", 6), ("M", 1)]);
}

#[test]
fn coverage_counts_needs_with_a_strong_fit_and_lists_the_others() {
    let matcher = matcher();
    let needs = sample_needs();
    let lists = computed(&matcher, &needs);
    let analysis = run(&matcher, &needs, &DemandOptions::default());
    let strong: Vec<&str> = needs
        .iter()
        .zip(&lists)
        .filter(|(_, (fits, _))| fits.iter().any(|fit| Band::of(fit.score) == Band::Strong))
        .map(|(need, _)| need.id.as_str())
        .collect();
    let overall = &analysis.overall;
    assert_eq!(overall.covered, strong.len());
    assert_eq!(overall.covered + overall.uncovered_total, overall.open);
    assert!(overall
        .uncovered
        .iter()
        .all(|need| !strong.contains(&need.id.as_str())));
    assert!(
        overall.covered > 0 && overall.uncovered_total > 0,
        "{overall:?}"
    );
    // The resource covering most needs covers at most as many as the group has covered.
    let top = &overall.top_resources[0];
    assert!(top.needs >= 1 && top.needs <= overall.covered);
    assert!(overall.top_societies[0].needs >= top.needs);
}

#[test]
fn filters_and_statuses_choose_the_needs() {
    let matcher = matcher();
    let mut needs = sample_needs();
    needs[0].status = NeedStatus::Solved;
    needs[1].updated_at = Some("2026-03-01T00:00:00Z".to_string());
    let options = DemandOptions {
        filters: Filters {
            region: Some("440000".to_string()),
            ..Filters::default()
        }
        .canonical()
        .unwrap(),
        ..DemandOptions::default()
    };
    assert_eq!(run(&matcher, &needs, &options).overall.open, 3);
    let dated = DemandOptions {
        since: duijie_core::time::parse_date("2026-01-01"),
        until: duijie_core::time::parse_date("2026-04-01"),
        ..DemandOptions::default()
    };
    let analysis = run(&matcher, &needs, &dated);
    assert_eq!(analysis.overall.open, 1);
    assert_eq!(analysis.groups[0].key, "C");
}

/// Needs of random phrases of the catalog and filler, in any region.
fn random_need(index: usize) -> impl Strategy<Value = NeedRecord> {
    (
        prop::collection::vec(prop::sample::select(TOPICS.to_vec()), 0..3),
        prop::sample::select(vec!["，希望合作", "改造", "研究方法", "", "工艺提升"]),
        prop::option::of(prop::sample::select(vec!["440604", "330602", "110101"])),
        prop::sample::select(vec!["3071", "1713", "7310"]),
        0usize..4,
    )
        .prop_map(move |(topics, filler, region, industry, organization)| {
            let text: String = topics
                .iter()
                .map(|(keyword, _)| format!("{keyword}{filler}"))
                .collect::<Vec<_>>()
                .join("；");
            let mut need = need(&format!("n{index:03}"), &text, region, industry);
            need.organization = format!("企业{organization}");
            need
        })
}

fn random_needs() -> impl Strategy<Value = Vec<NeedRecord>> {
    (0usize..30).prop_flat_map(|n| (0..n).map(random_need).collect::<Vec<_>>())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn groups_do_not_depend_on_the_input_order(
        needs in random_needs(),
        seed in any::<u64>(),
    ) {
        let matcher = matcher();
        let mut shuffled = needs.clone();
        // A Fisher–Yates shuffle driven by the seed.
        let mut state = seed | 1;
        for i in (1..shuffled.len()).rev() {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            shuffled.swap(i, (state % (i as u64 + 1)) as usize);
        }
        for group_by in GroupBy::ALL {
            let options = DemandOptions { group_by, ..DemandOptions::default() };
            let first = run(&matcher, &needs, &options);
            let second = run(&matcher, &shuffled, &options);
            prop_assert_eq!(&first, &second);
            // Every open need is counted once per theme partition.
            if group_by == GroupBy::Theme {
                let themed: usize = first.groups.iter().map(|group| group.open).sum();
                prop_assert_eq!(themed + first.unthemed, first.overall.open);
            }
        }
    }
}
