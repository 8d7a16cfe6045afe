//! Data-driven matching checks: each case is a catalog, a need and the expected ranking.

use duijie_core::jsonl::{need_from_json, parse_catalog_jsonl};
use duijie_core::matcher::catalog_version;
use duijie_core::{Filters, MatchOptions, MatchResult, Matcher, Weights};

/// The one place these tests call the matcher: parses the catalog (JSON Lines) and the need (JSON),
/// applies `filters` (JSON of `Filters`), and checks the ranked ids, space-separated, against `expect`.
fn check_with(catalog: &str, need: &str, filters: &str, expect: &str) -> Vec<MatchResult> {
    let parsed = parse_catalog_jsonl(catalog);
    assert!(
        parsed.errors.is_empty(),
        "catalog errors: {:?}",
        parsed.errors
    );
    let need_value: serde_json::Value = serde_json::from_str(need).expect("need is JSON");
    let need = need_from_json(&need_value).expect("need is valid");
    let filters: Filters = serde_json::from_str(filters).expect("filters are valid");
    let weights = Weights::default();
    let version = catalog_version(&parsed.resources, &weights);
    let matcher = Matcher::new(version, parsed.resources, weights);
    let options = MatchOptions {
        top: 20,
        filters,
        ..MatchOptions::default()
    };
    let results = matcher.match_need(&need, &options);
    let ids: Vec<&str> = results.iter().map(|result| result.id.as_str()).collect();
    assert_eq!(ids.join(" "), expect, "ranking of {need:?}");
    results
}

fn check(catalog: &str, need: &str, expect: &str) -> Vec<MatchResult> {
    check_with(catalog, need, "{}", expect)
}

fn component(result: &MatchResult, name: &str) -> f64 {
    result
        .components
        .iter()
        .find(|component| component.name == name)
        .map(|component| component.value)
        .expect("every component is reported")
}

fn result<'a>(results: &'a [MatchResult], id: &str) -> &'a MatchResult {
    results
        .iter()
        .find(|result| result.id == id)
        .expect("every resource is a result")
}

/// The text a span covers, read back through UTF-16 as a browser would.
fn covered(text: &str, start: u32, end: u32) -> String {
    let units: Vec<u16> = text.encode_utf16().collect();
    String::from_utf16(&units[start as usize..end as usize]).expect("spans fall on characters")
}

#[test]
fn near_miss_keyword_gets_less_credit_than_exact() {
    let results = check(
        r#"{"id":"exact","kind":"achievement","title":"储能系统","keywords":["锂电池"]}
{"id":"near","kind":"achievement","title":"储能系统","keywords":["锂离子电池"]}
{"id":"none","kind":"achievement","title":"储能系统","keywords":["光伏组件"]}"#,
        r#"{"text":"储能系统","keywords":["锂电池"]}"#,
        "exact near none",
    );
    let (exact, near, none) = (
        component(&results[0], "keywords"),
        component(&results[1], "keywords"),
        component(&results[2], "keywords"),
    );
    assert!(
        exact > near && near > 0.0 && none == 0.0,
        "{exact} {near} {none}"
    );
    let reason = results[1]
        .reasons
        .iter()
        .find(|reason| reason.component == "keywords")
        .expect("near-miss credit is explained");
    assert!(
        reason.zh.contains("相近") && reason.zh.contains("锂离子电池"),
        "{reason:?}"
    );
}

#[test]
fn region_proximity_orders_county_city_province() {
    let line = |id: &str, region: &str| {
        format!(r#"{{"id":"{id}","kind":"organization","title":"工业机器人","region":"{region}"}}"#)
    };
    let catalog = [
        line("a-beijing", "110101"),
        line("b-guangzhou", "440100"),
        line("c-luohu", "440303"),
        line("d-nanshan", "440305"),
    ]
    .join("\n");
    let results = check(
        &catalog,
        r#"{"text":"工业机器人","region":"440305"}"#,
        "d-nanshan c-luohu b-guangzhou a-beijing",
    );
    let regions: Vec<f64> = results.iter().map(|r| component(r, "region")).collect();
    assert_eq!(regions, [1.0, 0.75, 0.5, 0.0]);
}

const MIXED: &str = r#"{"id":"ach-bj","kind":"achievement","title":"水处理技术","region":"110101","maturity":7}
{"id":"ach-sz","kind":"achievement","title":"水处理技术","region":"440305","maturity":3}
{"id":"exp-sz","kind":"expert","title":"水处理专家","region":"440305"}
{"id":"org-tj","kind":"organization","title":"水处理研究院","region":"120101"}
{"id":"pat-gz","kind":"patent","title":"水处理装置","region":"440100","maturity":5}"#;

#[test]
fn kind_filter_keeps_only_those_kinds() {
    check_with(
        MIXED,
        r#"{"text":"水处理"}"#,
        r#"{"kinds":["patent","expert"]}"#,
        "exp-sz pat-gz",
    );
    // A need's own kinds narrow the filter further.
    check_with(
        MIXED,
        r#"{"text":"水处理","kinds":["expert","achievement"]}"#,
        r#"{"kinds":["patent","expert"]}"#,
        "exp-sz",
    );
}

#[test]
fn region_scope_covers_descendants_and_strategic_members() {
    check_with(
        MIXED,
        r#"{"text":"水处理技术"}"#,
        r#"{"region":"440000"}"#,
        "ach-sz exp-sz pat-gz",
    );
    check_with(
        MIXED,
        r#"{"text":"水处理技术"}"#,
        r#"{"region":"jjj"}"#,
        "ach-bj org-tj",
    );
    check_with(
        MIXED,
        r#"{"text":"水处理技术"}"#,
        r#"{"region":"gba"}"#,
        "ach-sz exp-sz pat-gz",
    );
}

#[test]
fn min_maturity_filter_drops_immature_and_unrated() {
    check_with(
        MIXED,
        r#"{"text":"水处理"}"#,
        r#"{"min_maturity":5}"#,
        "ach-bj pat-gz",
    );
    check(MIXED, r#"{"text":"水处理","min_maturity":6}"#, "ach-bj");
}

#[test]
fn a_good_match_is_explained_with_highlights() {
    let results = check(
        r#"{"id":"r1","kind":"achievement","title":"😀𠀀锂电池回收技术","summary":"废旧锂电池的梯次利用","keywords":["电池回收"]}"#,
        r#"{"text":"锂电池回收"}"#,
        "r1",
    );
    let result = &results[0];
    assert!(!result.reasons.is_empty());
    for reason in &result.reasons {
        assert!(!reason.zh.is_empty() && !reason.en.is_empty(), "{reason:?}");
    }
    let title = "😀𠀀锂电池回收技术";
    let mut highlighted = String::new();
    for matched in result.matched.iter().filter(|m| m.field == "title") {
        for span in &matched.spans {
            let text = covered(title, span.start, span.end);
            assert_eq!(text, matched.term, "span {span:?}");
            highlighted.push_str(&text);
        }
    }
    for term in ["锂电", "电池", "池回", "回收"] {
        assert!(highlighted.contains(term), "{term} in {highlighted}");
    }
    assert!(!highlighted.contains('技'));
    let summary = "废旧锂电池的梯次利用";
    for matched in result.matched.iter().filter(|m| m.field == "summary") {
        for span in &matched.spans {
            assert_eq!(covered(summary, span.start, span.end), matched.term);
        }
    }
    let keyword = result
        .matched
        .iter()
        .find(|m| m.field == "keywords")
        .expect("the keyword is highlighted");
    assert_eq!(keyword.item, Some(0));
    let span = keyword.spans[0];
    assert_eq!(covered("电池回收", span.start, span.end), keyword.term);
}

#[test]
fn latin_terms_match() {
    let catalog = r#"{"id":"5g","kind":"achievement","title":"5G 基站天线"}
{"id":"pm25","kind":"achievement","title":"PM2.5 在线监测仪"}
{"id":"plc","kind":"achievement","title":"PLC 可编程控制器"}
{"id":"other","kind":"achievement","title":"有机肥发酵"}"#;
    check(catalog, r#"{"text":"5G"}"#, "5g");
    check(catalog, r#"{"text":"pm2.5"}"#, "pm25");
    check(catalog, r#"{"text":"plc"}"#, "plc");
    check(catalog, r#"{"text":"ＰＬＣ"}"#, "plc");
    let results = check(catalog, r#"{"text":"需要ＰＭ２．５监测"}"#, "pm25");
    assert!(results[0].matched.iter().any(|m| m.term == "pm2.5"));
}

#[test]
fn every_term_finds_its_resources_in_a_small_catalog() {
    // Regression: with fewer than eight resources every term counted as "common", so only the
    // rarest term of the need could bring in candidates, and 光伏组件 was never found here.
    check(
        r#"{"id":"battery","kind":"achievement","title":"锂电池回收"}
{"id":"solar","kind":"achievement","title":"光伏组件清洗"}
{"id":"rice","kind":"achievement","title":"水稻育种"}"#,
        r#"{"text":"锂电池回收，光伏组件"}"#,
        "battery solar",
    );
}

#[test]
fn a_lone_character_finds_the_words_containing_it() {
    // 银 alone in the need: resources with 银 inside a longer word match, the others do not.
    let results = check(
        r#"{"id":"silver","kind":"achievement","title":"纺织品银含量测定"}
{"id":"gold","kind":"achievement","title":"纺织品金含量测定"}
{"id":"rice","kind":"achievement","title":"水稻育种"}"#,
        r#"{"text":"银 含量"}"#,
        "silver gold",
    );
    let silver = results[0]
        .matched
        .iter()
        .find(|m| m.field == "title")
        .expect("the title is matched");
    let text = "纺织品银含量测定";
    let shown: Vec<String> = silver
        .spans
        .iter()
        .map(|span| covered(text, span.start, span.end))
        .collect();
    assert_eq!(shown, ["银含量"]);
}

#[test]
fn characters_of_an_unknown_pair_still_find_related_resources() {
    // No resource has 朱熹 or 经教; the one sharing their characters (朱, 经, 教) is found and
    // ranked first, ahead of one sharing only a common character.
    check(
        r#"{"id":"zhu","kind":"achievement","title":"朱子的经学与教化"}
{"id":"edu","kind":"achievement","title":"高等教育改革"}
{"id":"rice","kind":"achievement","title":"水稻育种"}"#,
        r#"{"text":"经教 朱熹"}"#,
        "zhu edu",
    );
}

#[test]
fn characters_only_refine_when_the_words_are_known() {
    // 与 sits between two known words: it adds to resources the words found, it finds none itself.
    check(
        r#"{"id":"monitor","kind":"achievement","title":"大气监测与治理"}
{"id":"other","kind":"achievement","title":"科技与文化"}"#,
        r#"{"text":"监测与治理"}"#,
        "monitor",
    );
}

#[test]
fn reasons_name_words_of_the_need_not_lone_characters() {
    let results = check(
        r#"{"id":"mine","kind":"achievement","title":"锂矿开采与废旧电池回收"}
{"id":"rice","kind":"achievement","title":"水稻育种"}"#,
        r#"{"text":"锂电池"}"#,
        "mine",
    );
    let text = &results[0]
        .reasons
        .iter()
        .find(|reason| reason.component == "text")
        .expect("a text reason")
        .zh;
    // 锂 is a character of the need's words, not a word of it: evidence, but not shown.
    assert!(text.ends_with("命中“电池”"), "{text}");
}

#[test]
fn a_related_keyword_counts_by_how_key_a_phrase_it_is() {
    // a1 and a2 match the need best and both list 储能安全 and 研究; rb lists 储能安全, rm lists 研究.
    // Both keywords get the same votes, but 研究 is written in every title and listed by three of
    // the seven, 储能安全 written in none (keyness 1/2 by Laplace's rule against (3 + 1) / (7 + 2)): the
    // keyword that is no key phrase of the texts holding it supports less, by the square root of
    // the keynesses' ratio.
    let results = check(
        r#"{"id":"a1","kind":"achievement","title":"锂电池热失控预警研究","keywords":["储能安全","研究"]}
{"id":"a2","kind":"achievement","title":"锂电池热失控抑制研究","keywords":["储能安全","研究"]}
{"id":"rb","kind":"achievement","title":"电池模组温度监测研究","keywords":["储能安全"]}
{"id":"rm","kind":"achievement","title":"电池模组温度监测研究","keywords":["研究"]}
{"id":"x1","kind":"achievement","title":"水稻育种研究"}
{"id":"x2","kind":"achievement","title":"小麦育种研究"}
{"id":"x3","kind":"achievement","title":"玉米育种研究"}"#,
        r#"{"text":"锂电池热失控"}"#,
        "a1 a2 rb rm",
    );
    let related = |id: &str| component(result(&results, id), "related");
    let ratio = related("rm") / related("rb");
    let expected: f64 = ((4.0 / 9.0) / (1.0 / 2.0_f64)).sqrt();
    assert!((ratio - expected).abs() < 1e-12, "{ratio} {expected}");
    // Even the best supported resource's value says how key its keyword is: below 1.
    assert!(related("rb") < 1.0 && related("a1") < 1.0);
}

#[test]
fn keywords_shared_with_the_best_matches_support_a_text_match() {
    // rb and ra say the same about the need; rb lists a keyword of a better text match (a1), ra one
    // that no other match lists, whose vote is ra's own and counts only a tenth: rb ranks first
    // although ids would break the tie the other way. rc lists what rb lists and matches the need's
    // text better: shared keywords support a text match, and count for more the better it is. a1
    // and a2 match the text alike; a1 lists 储能安全 as rb and rc do, which they vote for, a2 only a
    // keyword of its own.
    let results = check(
        r#"{"id":"a1","kind":"achievement","title":"锂电池热失控预警","keywords":["热失控","储能安全"]}
{"id":"a2","kind":"achievement","title":"锂电池热失控抑制","keywords":["电池管理"]}
{"id":"ra","kind":"achievement","title":"电池模组温度监测","keywords":["光伏组件"]}
{"id":"rb","kind":"achievement","title":"电池模组温度监测","keywords":["储能安全"]}
{"id":"rc","kind":"achievement","title":"锂电池模组温度监测","keywords":["储能安全"]}"#,
        r#"{"text":"锂电池热失控"}"#,
        "a1 a2 rc rb ra",
    );
    let by_id = |id: &str| result(&results, id);
    let related = |id: &str| component(by_id(id), "related");
    let added = |id: &str| {
        by_id(id)
            .components
            .iter()
            .find(|component| component.name == "related")
            .expect("every component is reported")
            .contribution
    };
    assert!(related("a1") > 0.0 && related("a2") > 0.0);
    // ra's only vote is its own tenth, rb's keyword has a1's and rc's whole votes and a tenth of
    // rb's own; both have the same text.
    let ratio = related("ra") / related("rb");
    assert!(ratio > 0.0 && ratio < 0.1, "{ratio}");
    assert_eq!(
        component(by_id("ra"), "text"),
        component(by_id("rb"), "text")
    );
    assert!(component(by_id("rc"), "text") > component(by_id("rb"), "text"));
    // The same vote supports the better text match more: it raises relevance toward the text.
    assert!(related("rc") > 0.5 && related("rb") > 0.5);
    assert!(added("rc") > added("rb"), "{} {}", added("rc"), added("rb"));
    let reason = by_id("rb")
        .reasons
        .iter()
        .find(|reason| reason.component == "related")
        .expect("related keywords are explained");
    assert!(reason.zh.contains("“储能安全”"), "{reason:?}");
    // ra's value is its own tenth only: no other match shares its keyword, and no reason says so.
    assert!(related("ra") > 0.0);
    assert!(!by_id("ra")
        .reasons
        .iter()
        .any(|reason| reason.component == "related"));
}

#[test]
fn only_the_first_results_asked_for_are_explained() {
    let catalog = r#"{"id":"a1","kind":"achievement","title":"锂电池热失控预警","keywords":["热失控"]}
{"id":"a2","kind":"achievement","title":"锂电池热失控抑制","keywords":["热失控"]}
{"id":"a3","kind":"achievement","title":"锂电池回收","keywords":["回收"]}"#;
    let full = check(catalog, r#"{"text":"锂电池热失控"}"#, "a1 a2 a3");
    let parsed = parse_catalog_jsonl(catalog);
    let weights = Weights::default();
    let version = catalog_version(&parsed.resources, &weights);
    let matcher = Matcher::new(version, parsed.resources, weights);
    let need = need_from_json(&serde_json::json!({"text": "锂电池热失控"})).expect("need is valid");
    let options = MatchOptions {
        top: 20,
        explain: 1,
        ..MatchOptions::default()
    };
    let partly = matcher.match_need(&need, &options);
    assert_eq!(partly[0], full[0]);
    for (short, whole) in partly.iter().zip(&full).skip(1) {
        assert!(!whole.matched.is_empty() && !whole.reasons.is_empty());
        assert!(short.matched.is_empty() && short.reasons.is_empty());
        assert_eq!(
            (&short.id, short.score.to_bits(), &short.components),
            (&whole.id, whole.score.to_bits(), &whole.components)
        );
    }
    assert_eq!(partly.len(), full.len());
}

/// A catalog where 液流电池 is a name for a topic (both resources that mention it list it) and 方法
/// a word of the prose (six mention it, one lists it).
const KEYNESS_CATALOG: &str = r#"{"id":"gen","kind":"achievement","title":"储能调度方法","keywords":["方法"]}
{"id":"m1","kind":"achievement","title":"电网测试方法","keywords":["电网"]}
{"id":"m2","kind":"achievement","title":"风电评价方法","keywords":["风电"]}
{"id":"m3","kind":"achievement","title":"负荷预测方法","keywords":["负荷"]}
{"id":"m4","kind":"achievement","title":"光伏运维方法","keywords":["光伏"]}
{"id":"m5","kind":"achievement","title":"氢能安全方法","keywords":["氢能"]}
{"id":"t1","kind":"achievement","title":"全钒液流电池储能","keywords":["液流电池"]}
{"id":"t2","kind":"achievement","title":"铁铬液流电池电堆","keywords":["液流电池"]}
{"id":"x1","kind":"achievement","title":"方法论","keywords":["液流电池"]}"#;

#[test]
fn phrase_mentions_count_resources_holding_the_phrase_in_title_or_body() {
    let parsed = parse_catalog_jsonl(KEYNESS_CATALOG);
    assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
    let index = duijie_core::index::Index::build(&parsed.resources);
    let mentions = |phrase: &str| index.phrase_mentions[index.phrases[phrase] as usize];
    // 方法: gen, m1..m5 and x1 (方法论) mention it, gen lists it.
    assert_eq!(mentions("方法"), (7, 1));
    // 液流电池: t1 and t2 mention and list it; x1 lists it without mentioning it.
    assert_eq!(mentions("液流电池"), (2, 2));
    // Keywords alone are no mention: 电网 is only m1's keyword, its title says 电网 too.
    assert_eq!(mentions("电网"), (1, 1));
}

#[test]
fn a_phrase_the_catalog_seldom_lists_where_it_occurs_counts_little() {
    // The need holds two of the catalog's phrases. 方法 is listed by one resource, 液流电池 by three,
    // so as keywords alone 方法 is the rarer and would weigh more; but 方法 is listed by one of the
    // seven resources that mention it, and 液流电池 by both that do: a resource listing 液流电池
    // covers more of what the need is about.
    let results = check(
        KEYNESS_CATALOG,
        r#"{"text":"液流电池储能方法"}"#,
        "t1 t2 x1 gen m5 m1 m2 m3 m4",
    );
    let by_id = |id: &str| result(&results, id);
    let (topical, generic) = (
        component(by_id("x1"), "keywords"),
        component(by_id("gen"), "keywords"),
    );
    assert!(topical > generic, "{topical} {generic}");
    // The same phrase found in the text and stated as a keyword: the need's terms (and so their
    // weights) are the same, and the share it holds counts by its keyness, (1 + 1) / (7 + 2) by
    // Laplace's rule, in the text and whole as a keyword. The component is s / (s + half):
    // s / half = v / (1 - v).
    let found = check(
        KEYNESS_CATALOG,
        r#"{"text":"储能 方法"}"#,
        "gen t1 m5 x1 m1 m2 m3 m4",
    );
    let stated = check(
        KEYNESS_CATALOG,
        r#"{"text":"储能","keywords":["方法"]}"#,
        "gen t1 m5 x1 m1 m2 m3 m4",
    );
    let odds = |results: &[MatchResult]| {
        let value = component(result(results, "gen"), "keywords");
        value / (1.0 - value)
    };
    let ratio = odds(&stated) / odds(&found);
    assert!((ratio - 4.5).abs() < 1e-9, "{ratio}");
}

#[test]
fn context_no_resource_holds_costs_a_long_need_less_than_its_share() {
    // The same resource answers both needs: the short one names the problem, the long one tells it
    // as an enterprise does, with its setting, costs and hopes, which no resource holds. The
    // resource's evidence is a smaller share of the long need, which the length credit (the square
    // root of its length over a short need's) makes up in part: its text value stays well above
    // what the share alone gives (0.14 without the credit), and a resource sharing only the
    // setting's words stays far below it.
    let catalog = r#"{"id":"kiln","kind":"achievement","title":"辊道窑烟气余热回收换热器","summary":"陶瓷辊道窑烟气余热回收利用：换热设备与余热发电。"}
{"id":"gas","kind":"achievement","title":"天然气管网调度","summary":"城市天然气管网的负荷预测与调度。"}
{"id":"rice","kind":"achievement","title":"水稻育种","summary":"杂交水稻育种方法。"}"#;
    let short = check(catalog, r#"{"text":"辊道窑烟气余热回收"}"#, "kiln");
    let long = check(
        catalog,
        r#"{"text":"我们是佛山的建筑陶瓷厂，辊道窑烟气温度高，想做窑炉余热回收利用。每年天然气费用很高，车间夏天很热，老板希望三年内收回投资，需要换热设备和余热发电方面的专家"}"#,
        "kiln gas",
    );
    let text = |result: &MatchResult| component(result, "text");
    assert!(text(&short[0]) > 0.8, "{}", text(&short[0]));
    assert!(text(&long[0]) > 0.25, "{}", text(&long[0]));
    assert!(text(&long[1]) < text(&long[0]) / 4.0, "{}", text(&long[1]));
}

#[test]
fn a_pair_across_two_words_weighs_less_than_a_word() {
    // 备和 in 设备和余热 is across 设备 and 余热: a resource sharing only that pair (储备和平) is
    // a worse match than one sharing the word 余热 (余热锅炉), though both pairs are as rare.
    let results = check(
        r#"{"id":"a-across","kind":"achievement","title":"储备和平"}
{"id":"b-word","kind":"achievement","title":"余热锅炉"}"#,
        r#"{"text":"设备和余热"}"#,
        "b-word a-across",
    );
    assert!(
        component(result(&results, "a-across"), "text")
            < component(result(&results, "b-word"), "text")
    );
}

#[test]
fn a_pair_with_a_particle_the_catalog_lists_is_a_word() {
    // 和谐 holds the particle 和, but the catalog lists it as a keyword: it weighs as a word.
    let results = check(
        r#"{"id":"a-listed","kind":"achievement","title":"和谐社区","keywords":["和谐"]}
{"id":"b-word","kind":"achievement","title":"社区养老","keywords":["养老"]}"#,
        r#"{"text":"和谐养老"}"#,
        "a-listed b-word",
    );
    assert_eq!(
        component(result(&results, "a-listed"), "text"),
        component(result(&results, "b-word"), "text")
    );
}
