//! Tests of the shipped taxonomies: table counts, tree integrity, lookups and proximities.

use proptest::prelude::*;

use crate::taxonomy::{taxonomies, RegionLookupError, Tree};

/// Asserts `(a, b, expected)` both ways round, so every case also checks symmetry.
fn check_proximity(proximity: impl Fn(&str, &str) -> f64, cases: &[(&str, &str, f64)]) {
    for &(a, b, expected) in cases {
        assert_eq!(proximity(a, b), expected, "proximity({a}, {b})");
        assert_eq!(proximity(b, a), expected, "proximity({b}, {a})");
    }
}

fn count_by_level(tree: &Tree, level: u8) -> usize {
    tree.nodes()
        .iter()
        .filter(|node| node.level == level)
        .count()
}

#[test]
fn table_counts_match_sources() {
    let taxonomies = taxonomies();
    let cases: &[(&str, usize, usize)] = &[
        ("regions", taxonomies.regions.nodes().len(), 3217),
        ("provinces", count_by_level(&taxonomies.regions, 1), 34),
        ("cities", count_by_level(&taxonomies.regions, 2), 337),
        ("counties", count_by_level(&taxonomies.regions, 3), 2846),
        ("strategic regions", taxonomies.strategic.len(), 54),
        (
            "strategic members",
            taxonomies
                .strategic
                .iter()
                .map(|region| region.members.len())
                .sum(),
            189,
        ),
        (
            "industry sections",
            count_by_level(&taxonomies.industries, 1),
            20,
        ),
        (
            "industry divisions",
            count_by_level(&taxonomies.industries, 2),
            97,
        ),
        (
            "industry groups",
            count_by_level(&taxonomies.industries, 3),
            473,
        ),
        (
            "industry classes",
            count_by_level(&taxonomies.industries, 4),
            1381,
        ),
        ("sei", taxonomies.sei.nodes().len(), 49),
        ("sei level 1", count_by_level(&taxonomies.sei, 1), 9),
        (
            "gbt13745",
            taxonomies
                .disciplines
                .nodes()
                .iter()
                .filter(|node| !is_csl(&node.code))
                .count(),
            67,
        ),
        (
            "gbt13745 categories",
            taxonomies
                .disciplines
                .nodes()
                .iter()
                .filter(|node| node.level == 0 && !is_csl(&node.code))
                .count(),
            5,
        ),
        (
            "csl disciplines",
            taxonomies
                .disciplines
                .nodes()
                .iter()
                .filter(|node| node.level == 1 && is_csl(&node.code))
                .count(),
            67,
        ),
        (
            "csl categories",
            taxonomies
                .disciplines
                .nodes()
                .iter()
                .filter(|node| node.code.starts_with("csl-cat:"))
                .count(),
            13,
        ),
    ];
    for &(what, actual, expected) in cases {
        assert_eq!(actual, expected, "{what}");
    }
}

/// GB/T 13745 codes are letters or digits; CSL codes are their Chinese names or `csl-cat:` ids.
fn is_csl(code: &str) -> bool {
    !code
        .chars()
        .all(|character| character.is_ascii_alphanumeric())
}

#[test]
fn every_code_resolves_and_every_parent_exists() {
    let taxonomies = taxonomies();
    for (what, tree) in [
        ("regions", &taxonomies.regions),
        ("industries", &taxonomies.industries),
        ("disciplines", &taxonomies.disciplines),
        ("sei", &taxonomies.sei),
    ] {
        let mut codes = std::collections::BTreeSet::new();
        for node in tree.nodes() {
            assert!(
                codes.insert(node.code.as_str()),
                "{what}: duplicate code {}",
                node.code
            );
            assert_eq!(tree.get(&node.code), Some(node), "{what}: {}", node.code);
            assert_eq!(
                tree.resolve(&node.code),
                Some(node),
                "{what}: {}",
                node.code
            );
            if let Some(parent) = &node.parent {
                let parent_node = tree
                    .get(parent)
                    .unwrap_or_else(|| panic!("{what}: parent {parent} of {}", node.code));
                assert!(
                    parent_node.level < node.level,
                    "{what}: level of {} under {parent}",
                    node.code
                );
                assert!(
                    tree.children(parent).contains(&node),
                    "{what}: {} not a child of {parent}",
                    node.code
                );
            }
        }
    }
    for region in &taxonomies.strategic {
        assert_eq!(region.members.len(), region.member_notes.len());
        for member in &region.members {
            assert!(
                taxonomies.regions.get(member).is_some(),
                "{}: member {member}",
                region.id
            );
        }
    }
}

#[test]
fn region_ancestors() {
    let regions = &taxonomies().regions;
    let codes = |code: &str| {
        regions
            .ancestors(code)
            .iter()
            .map(|node| node.code.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(codes("440305"), ["440300", "440000"]);
    assert_eq!(codes("110101"), ["110000"]);
    assert_eq!(codes("429004"), ["429000", "420000"]);
    assert_eq!(codes("440000"), Vec::<String>::new());
    assert_eq!(codes("999999"), Vec::<String>::new());
    assert_eq!(
        regions.get("440305").map(|node| node.name.as_str()),
        Some("南山区")
    );
}

#[test]
fn province_of_every_region() {
    let taxonomies = taxonomies();
    for (code, province) in [
        ("440305", Some("440000")),
        ("440300", Some("440000")),
        ("440000", Some("440000")),
        ("110101", Some("110000")),
        ("469001", Some("460000")),
        ("999999", None),
        ("440399", None),
        ("jjj", None),
        ("", None),
    ] {
        assert_eq!(
            taxonomies.province_of(code).map(|node| node.code.as_str()),
            province,
            "{code}"
        );
    }
    // Every region lies in the province its ancestors end at, and a province covers it.
    for node in taxonomies.regions.nodes() {
        let province = taxonomies.province_of(&node.code).expect("a known code");
        assert_eq!(province.level, 1, "{}", node.code);
        assert!(taxonomies.region_covers(&province.code, &node.code));
        let top = taxonomies.regions.ancestors(&node.code).last().copied();
        assert_eq!(top.unwrap_or(node).code, province.code);
    }
}

#[test]
fn region_covers() {
    let taxonomies = taxonomies();
    let cases = [
        ("440000", "440305", true),
        ("440000", "440300", true),
        ("440000", "440000", true),
        ("440300", "440305", true),
        ("440300", "440100", false),
        ("440305", "440300", false),
        ("jjj", "110101", true),
        ("jjj", "130600", true),
        ("jjj", "310000", false),
        ("xiongan", "130638", true),
        ("xiongan", "130100", false),
        ("yrd", "320583", true),
        ("yrd_core", "310115", true),
        ("gba", "440305", true),
        ("gba", "810000", true),
        ("gba", "440000", false),
        ("nowhere", "110101", false),
        ("440000", "nowhere", false),
        ("", "110101", false),
    ];
    for (scope, code, expected) in cases {
        assert_eq!(
            taxonomies.region_covers(scope, code),
            expected,
            "region_covers({scope}, {code})"
        );
    }
}

#[test]
fn strategic_regions_of_a_county() {
    let taxonomies = taxonomies();
    let ids = |code: &str| {
        taxonomies
            .strategic_regions_of(code)
            .iter()
            .map(|region| region.id.as_str())
            .collect::<Vec<_>>()
    };
    let of_dongcheng = ids("110101");
    assert!(
        of_dongcheng.contains(&"jjj") && of_dongcheng.contains(&"ftz_11"),
        "{of_dongcheng:?}"
    );
    assert!(ids("440305").contains(&"gba"));
    assert!(ids("440000").iter().all(|id| *id != "gba"));
    assert!(ids("nowhere").is_empty());
    // File order: the result is a subsequence of the strategic table.
    let all: Vec<&str> = taxonomies
        .strategic
        .iter()
        .map(|region| region.id.as_str())
        .collect();
    let positions: Vec<usize> = of_dongcheng
        .iter()
        .map(|id| all.iter().position(|other| other == id).unwrap())
        .collect();
    assert!(positions.windows(2).all(|pair| pair[0] < pair[1]));
    assert_eq!(
        taxonomies
            .strategic_region("jjj")
            .map(|region| region.members.len()),
        Some(3)
    );
}

#[test]
fn region_proximities() {
    let taxonomies = taxonomies();
    check_proximity(
        |a, b| taxonomies.region_proximity(a, b),
        &[
            ("440305", "440305", 1.0),
            // Two districts of 深圳, and 深圳 and one of its districts.
            ("440305", "440304", 0.75),
            ("440300", "440305", 0.75),
            // Districts of a municipality share its city.
            ("110101", "110105", 0.75),
            ("110000", "110101", 0.75),
            // The same province: a province against a city or county in it, and two cities.
            ("440000", "440305", 0.5),
            ("440000", "440300", 0.5),
            ("440100", "440305", 0.5),
            // 仙桃 and 潜江 hang off a virtual group, which is no city.
            ("429004", "429005", 0.5),
            ("429000", "429004", 0.5),
            // 深圳 and 香港 share 粤港澳大湾区; 上海 and 南京 share the Yangtze delta.
            ("440305", "810000", 0.25),
            ("310115", "320100", 0.25),
            // 北京 and 拉萨 share nothing.
            ("110101", "540100", 0.0),
            ("110101", "nowhere", 0.0),
            ("nowhere", "nowhere", 0.0),
        ],
    );
}

#[test]
fn region_proximity_is_symmetric_and_bounded() {
    let taxonomies = taxonomies();
    let nodes = taxonomies.regions.nodes();
    // A deterministic spread of pairs across the table.
    for (step, node) in nodes.iter().enumerate().step_by(7) {
        for other in nodes.iter().skip(step % 13).step_by(97) {
            let forward = taxonomies.region_proximity(&node.code, &other.code);
            assert_eq!(
                forward,
                taxonomies.region_proximity(&other.code, &node.code)
            );
            assert!((0.0..=1.0).contains(&forward));
        }
    }
}

#[test]
fn region_names() {
    let taxonomies = taxonomies();
    let regions = &taxonomies.regions;
    let cases = [
        ("广东省", Some("440000")),
        ("广东", Some("440000")),
        ("深圳", Some("440300")),
        ("深圳市", Some("440300")),
        ("南山区", None),
        ("广西", Some("450000")),
        ("内蒙古", Some("150000")),
        ("香港", Some("810000")),
        ("延边", Some("222400")),
        // A province's short name beats a county's: 河南蒙古族自治县 is written out in full.
        ("河南", Some("410000")),
        ("河南蒙古族自治县", Some("632324")),
        ("吉林", Some("220000")),
        ("吉林市", Some("220200")),
        // 朝阳 is 朝阳市 and 朝阳县 (辽宁) and two 朝阳区: ambiguous.
        ("朝阳", None),
        ("朝阳区", None),
        ("省直辖县级行政区划", None),
        ("", None),
        ("火星", None),
    ];
    for (name, expected) in cases {
        assert_eq!(
            regions.by_name(name).map(|node| node.code.as_str()),
            expected,
            "by_name({name})"
        );
    }
    let codes = |name: &str| {
        taxonomies
            .find_regions(name)
            .iter()
            .map(|node| node.code.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(codes("朝阳区"), ["110105", "220104"]);
    assert_eq!(codes("朝阳"), ["110105", "211300", "211321", "220104"]);
    assert!(codes("南山区").len() >= 2);
    assert_eq!(codes("吉林"), ["220000", "220200"]);
    assert_eq!(
        regions.resolve("深圳").map(|node| node.code.as_str()),
        Some("440300")
    );
}

#[test]
fn industry_codes_and_names() {
    let industries = &taxonomies().industries;
    let cases = [
        ("C", Some("C")),
        ("38", Some("38")),
        ("384", Some("384")),
        ("3841", Some("3841")),
        ("C38", Some("38")),
        ("C384", Some("384")),
        ("C3841", Some("3841")),
        ("A3841", None),
        ("9999", None),
        ("稻谷种植", Some("0111")),
        ("农业", Some("01")),
    ];
    for (input, expected) in cases {
        assert_eq!(
            industries.resolve(input).map(|node| node.code.as_str()),
            expected,
            "resolve({input})"
        );
    }
    let ancestors: Vec<&str> = industries
        .ancestors("3841")
        .iter()
        .map(|node| node.code.as_str())
        .collect();
    assert_eq!(ancestors, ["384", "38", "C"]);
    // An undivided group takes the name of its only class (code ending in 0); others stay empty.
    assert_eq!(
        industries.get("081").map(|node| node.name.as_str()),
        Some("铁矿采选")
    );
    assert_eq!(
        industries.get("011").map(|node| node.name.as_str()),
        Some("")
    );
}

#[test]
fn industry_proximities() {
    let taxonomies = taxonomies();
    check_proximity(
        |a, b| taxonomies.industry_proximity(a, b),
        &[
            ("3841", "3841", 1.0),
            ("3841", "C3841", 1.0),
            ("3841", "3842", 0.75),
            ("3841", "384", 0.75),
            ("3841", "3811", 0.5),
            ("3841", "38", 0.5),
            ("3841", "3911", 0.25),
            ("3841", "C", 0.25),
            ("3841", "0111", 0.0),
            ("C", "A", 0.0),
            ("3841", "nowhere", 0.0),
        ],
    );
}

#[test]
fn sei_tree() {
    let taxonomies = taxonomies();
    let sei = &taxonomies.sei;
    assert_eq!(
        sei.get("1.1").and_then(|node| node.parent.as_deref()),
        Some("1")
    );
    assert_eq!(
        sei.by_name("新一代信息技术产业")
            .map(|node| node.code.as_str()),
        Some("1")
    );
    check_proximity(
        |a, b| taxonomies.sei_proximity(a, b),
        &[
            ("1.1", "1.1", 1.0),
            ("1.1", "1.2", 0.5),
            ("1", "1.2", 0.5),
            ("1.1", "2.1", 0.0),
        ],
    );
}

#[test]
fn canonical_disciplines() {
    let taxonomies = taxonomies();
    let cases = [
        ("520", Some("520")),
        ("A", Some("A")),
        ("园艺学", Some("园艺学")),
        ("化学/化学工程与技术", Some("化学/化学工程与技术")),
        // A name in both systems is the CSL discipline.
        ("数学", Some("数学")),
        ("军事学", Some("军事学")),
        // GB/T names give their codes, also where a CSL category has the same name.
        ("农学", Some("210")),
        ("临床医学", Some("320")),
        ("化学", Some("150")),
        ("自然科学", Some("A")),
        // A part of a merged CSL name.
        ("化学工程与技术", Some("化学/化学工程与技术")),
        ("兽医学", Some("畜牧学/兽医学")),
        // CSL categories that are no discipline.
        ("医学", Some("csl-cat:医学")),
        // GB/T levels 2 and 3 fall back to level 1.
        ("52020", Some("520")),
        ("520.20", Some("520")),
        ("5202010", Some("520")),
        ("99920", None),
        ("52", None),
        ("炼金术", None),
    ];
    for (input, expected) in cases {
        assert_eq!(
            taxonomies.canonical_discipline(input),
            expected,
            "canonical_discipline({input})"
        );
    }
}

#[test]
fn every_csl_discipline_is_mapped() {
    let taxonomies = taxonomies();
    for node in taxonomies
        .disciplines
        .nodes()
        .iter()
        .filter(|node| node.level == 1 && is_csl(&node.code))
    {
        let mapped = taxonomies.csl_to_gbt13745(&node.code);
        assert!(!mapped.is_empty(), "{} has no GB/T mapping", node.code);
        assert!(mapped
            .iter()
            .all(|gbt| gbt.level == 1 && !is_csl(&gbt.code)));
    }
    assert_eq!(
        mapping_rows(),
        76,
        "core/data/SOURCES.md states the number of pairs"
    );
    // Every row of the mapping names a real CSL discipline and a real GB/T code with its exact name.
    let mapping =
        crate::taxonomy::csv::Table::parse(include_str!("../../data/csl-to-gbt13745.csv"));
    let (csl, code, name) = (
        mapping.column("csl_discipline"),
        mapping.column("gbt13745_code"),
        mapping.column("gbt13745_name"),
    );
    for row in mapping.rows() {
        let gbt = taxonomies
            .disciplines
            .get(&row[code])
            .unwrap_or_else(|| panic!("{:?}", row));
        assert_eq!(gbt.name, row[name]);
        assert!(
            is_csl(&row[csl]) && taxonomies.disciplines.get(&row[csl]).is_some(),
            "{:?}",
            row
        );
    }
}

#[test]
fn discipline_proximities() {
    let taxonomies = taxonomies();
    check_proximity(
        |a, b| taxonomies.discipline_proximity(a, b),
        &[
            ("520", "520", 1.0),
            ("园艺学", "园艺学", 1.0),
            ("农学", "210", 1.0),
            // GB/T: the same category, and a discipline against its category.
            ("520", "510", 0.5),
            ("520", "D", 0.5),
            ("520", "110", 0.0),
            // CSL: the same category.
            ("园艺学", "作物学", 0.5),
            ("园艺学", "csl-cat:农学", 0.5),
            // Across systems through the mapping.
            ("园艺学", "210", 0.8),
            ("数学", "110", 0.8),
            ("基础医学/临床医学", "320", 0.8),
            ("计算机科学与技术", "520", 0.8),
            // Mapped into the same GB/T category.
            ("园艺学", "220", 0.4),
            ("计算机科学与技术", "510", 0.4),
            ("数学", "A", 0.4),
            // Two CSL disciplines of different CSL categories mapped into one GB/T category.
            ("心理学", "数学", 0.4),
            // Two CSL disciplines of different CSL categories mapped to one GB/T discipline.
            ("农业工程", "园艺学", 0.5),
            ("计算机科学与技术", "210", 0.0),
            ("哲学", "计算机科学与技术", 0.0),
            ("520", "炼金术", 0.0),
        ],
    );
}

#[test]
fn discipline_proximity_is_symmetric_and_bounded() {
    let taxonomies = taxonomies();
    let nodes = taxonomies.disciplines.nodes();
    for a in nodes {
        for b in nodes {
            let forward = taxonomies.discipline_proximity(&a.code, &b.code);
            assert_eq!(
                forward,
                taxonomies.discipline_proximity(&b.code, &a.code),
                "{} {}",
                a.code,
                b.code
            );
            assert!((0.0..=1.0).contains(&forward));
        }
    }
}

#[test]
fn every_name_finds_its_node() {
    let taxonomies = taxonomies();
    for tree in [
        &taxonomies.regions,
        &taxonomies.industries,
        &taxonomies.disciplines,
        &taxonomies.sei,
    ] {
        for node in tree.nodes().iter().filter(|node| !node.name.is_empty()) {
            assert!(
                tree.find_by_name(&node.name).contains(&node),
                "find_by_name({})",
                node.name
            );
            // A name held by one node only is found by `by_name` too.
            if tree.find_by_name(&node.name).len() == 1 {
                assert_eq!(
                    tree.by_name(&node.name),
                    Some(node),
                    "by_name({})",
                    node.name
                );
            }
        }
    }
}

proptest! {
    #[test]
    fn proximities_are_symmetric_and_bounded(a in 0usize..10_000, b in 0usize..10_000) {
        let taxonomies = taxonomies();
        let checks: [(&Tree, &dyn Fn(&str, &str) -> f64); 4] = [
            (&taxonomies.regions, &|x, y| taxonomies.region_proximity(x, y)),
            (&taxonomies.industries, &|x, y| taxonomies.industry_proximity(x, y)),
            (&taxonomies.disciplines, &|x, y| taxonomies.discipline_proximity(x, y)),
            (&taxonomies.sei, &|x, y| taxonomies.sei_proximity(x, y)),
        ];
        for (tree, proximity) in checks {
            let nodes = tree.nodes();
            let (code_a, code_b) = (&nodes[a % nodes.len()].code, &nodes[b % nodes.len()].code);
            let forward = proximity(code_a, code_b);
            prop_assert_eq!(forward, proximity(code_b, code_a));
            prop_assert!((0.0..=1.0).contains(&forward));
            prop_assert_eq!(forward == 1.0, code_a == code_b);
        }
    }
}

fn mapping_rows() -> usize {
    crate::taxonomy::csv::Table::parse(include_str!("../../data/csl-to-gbt13745.csv")).n_rows()
}

/// `resolve_region` of each `(text, expected)`: `Ok(code)`, or `Err` with the candidates' codes
/// (empty for an unknown region).
fn check_resolve(cases: &[(&str, Result<&str, &[&str]>)]) {
    let taxonomies = taxonomies();
    for (text, expected) in cases {
        let got = taxonomies
            .resolve_region(text)
            .map_err(|error| match error {
                RegionLookupError::Unknown => Vec::new(),
                RegionLookupError::Ambiguous(nodes) => {
                    nodes.iter().map(|node| node.code.as_str()).collect()
                }
            });
        let expected = expected.map_err(|codes| codes.to_vec());
        assert_eq!(got, expected, "resolve_region({text:?})");
    }
}

#[test]
fn regions_as_people_write_them() {
    check_resolve(&[
        // Codes and strategic region ids.
        ("440604", Ok("440604")),
        (" 440604 ", Ok("440604")),
        ("999999", Err(&[])),
        ("jjj", Ok("jjj")),
        // Names, short names and paths, with or without suffixes and separators.
        ("佛山市", Ok("440600")),
        ("佛山", Ok("440600")),
        ("禅城区", Ok("440604")),
        ("禅城", Ok("440604")),
        ("广东省佛山市禅城区", Ok("440604")),
        ("广东佛山禅城", Ok("440604")),
        ("广东省佛山禅城区", Ok("440604")),
        ("佛山市禅城区", Ok("440604")),
        ("广东省禅城区", Ok("440604")),
        ("广东省 佛山市 禅城区", Ok("440604")),
        ("广东/佛山/禅城", Ok("440604")),
        ("广东省·佛山市", Ok("440600")),
        ("北京朝阳", Ok("110105")),
        ("北京市朝阳区", Ok("110105")),
        ("长春市朝阳区", Ok("220104")),
        ("吉林省长春市朝阳区", Ok("220104")),
        ("湖北省仙桃市", Ok("429004")),
        ("湖北省省直辖县级行政区划仙桃市", Ok("429004")),
        // Ranks decide as in `by_name`: a province's short name beats a city's.
        ("吉林", Ok("220000")),
        ("吉林市", Ok("220200")),
        ("河南", Ok("410000")),
        ("吉林船营区", Ok("220204")),
        // Ambiguous: every candidate is listed.
        ("朝阳", Err(&["110105", "211300", "211321", "220104"])),
        ("朝阳区", Err(&["110105", "220104"])),
        ("辽宁朝阳", Err(&["211300", "211321"])),
        ("辽宁朝阳朝阳", Ok("211321")),
        ("南山区", Err(&["230404", "440305"])),
        ("深圳南山", Ok("440305")),
        // Unknown: no such name, the wrong order, nothing at all, too long.
        ("火星", Err(&[])),
        ("广东省火星市", Err(&[])),
        ("禅城区佛山市", Err(&[])),
        ("佛山佛山", Err(&[])),
        ("", Err(&[])),
        (" / ", Err(&[])),
        (&"广东".repeat(40), Err(&[])),
    ]);
}

#[test]
fn region_paths() {
    let taxonomies = taxonomies();
    assert_eq!(taxonomies.region_path("440604"), "广东省佛山市禅城区");
    assert_eq!(taxonomies.region_path("110105"), "北京市朝阳区");
    assert_eq!(taxonomies.region_path("429004"), "湖北省仙桃市");
    assert_eq!(taxonomies.region_path("440000"), "广东省");
    assert_eq!(taxonomies.region_path("999999"), "");
}

/// The names of a region's path, virtual groups left out, each written by `write`.
fn path_of(node: &crate::taxonomy::Node, write: impl Fn(&str) -> String) -> Vec<String> {
    let taxonomies = taxonomies();
    let mut names: Vec<String> = taxonomies
        .regions
        .ancestors(&node.code)
        .iter()
        .filter(|ancestor| !ancestor.name.contains("直辖县级行政区划"))
        .map(|ancestor| write(&ancestor.name))
        .collect();
    names.reverse();
    names.push(write(&node.name));
    names
}

/// Every region's code and full path resolve to its code; its name resolves to its code, or is
/// refused as ambiguous with the region among the candidates.
#[test]
fn every_region_resolves_by_code_name_and_path() {
    let taxonomies = taxonomies();
    for node in taxonomies.regions.nodes() {
        assert_eq!(
            taxonomies.resolve_region(&node.code),
            Ok(node.code.as_str())
        );
        let path = taxonomies.region_path(&node.code);
        assert_eq!(path, path_of(node, str::to_string).concat());
        assert_eq!(
            taxonomies.resolve_region(&path),
            Ok(node.code.as_str()),
            "{path}"
        );
        assert_eq!(
            taxonomies.resolve_region(&path_of(node, str::to_string).join(" ")),
            Ok(node.code.as_str()),
            "{path} with spaces"
        );
        match taxonomies.resolve_region(&node.name) {
            Ok(code) => assert_eq!(code, node.code, "{}", node.name),
            Err(RegionLookupError::Ambiguous(candidates)) => {
                assert!(candidates.contains(&node), "{}: {candidates:?}", node.name)
            }
            Err(RegionLookupError::Unknown) => panic!("{} is unknown", node.name),
        }
    }
}

/// A path written with short names where they exist, any separator, and levels left out: it
/// resolves to the region, or is refused as ambiguous with the region among the candidates
/// (辽宁朝阳 is 朝阳市 and 朝阳县); never unknown, and never another region, except one a level
/// higher that is exactly so called: 吉林 (吉林市 short, its province left out) is 吉林省, and 河北
/// (天津's 河北区 short, its city left out) is 河北省. Every region, every choice of short names
/// and of levels kept, each with one of the separators in turn: no random case can be missed.
#[test]
fn paths_with_short_names_resolve_to_their_region() {
    let taxonomies = taxonomies();
    let separators = ["", " ", "/", "-", "·", "，"];
    let mut checked = 0usize;
    for (index, node) in taxonomies.regions.nodes().iter().enumerate() {
        let full = path_of(node, str::to_string);
        let last = full.len() - 1;
        for choice in 0u32..64 {
            let short = |level: usize| choice & (1 << level) != 0;
            let keep = |level: usize| choice & (1 << (3 + level)) != 0;
            let parts: Vec<String> = full
                .iter()
                .enumerate()
                .filter(|(level, _)| *level == last || keep(*level))
                .map(|(level, name)| {
                    if short(level) {
                        crate::taxonomy::names::short_region_name(name)
                            .unwrap_or(name)
                            .to_string()
                    } else {
                        name.clone()
                    }
                })
                .collect();
            let text = parts.join(separators[(index + choice as usize) % separators.len()]);
            checked += 1;
            match taxonomies.resolve_region(&text) {
                Ok(code) if code == node.code => {}
                Ok(code) => {
                    let other = taxonomies.regions.get(code).expect("a region");
                    assert!(
                        other.level < node.level
                            && (text == other.name
                                || crate::taxonomy::names::short_region_name(&other.name)
                                    == Some(text.as_str())),
                        "{text} resolved to {code}, not {} nor a higher region so named",
                        node.code
                    )
                }
                Err(RegionLookupError::Ambiguous(candidates)) => {
                    assert!(candidates.contains(&node), "{text}: {candidates:?}")
                }
                Err(RegionLookupError::Unknown) => panic!("{text} is unknown"),
            }
        }
    }
    assert!(checked > 3000 * 64, "{checked}");
}
