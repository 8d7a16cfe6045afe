//! One domain rule, one answer: routes that apply the same rule (the hard filters, RFC 3339 times,
//! engagement statuses, the province of a region) agree with each other.

use std::collections::BTreeSet;

use serde_json::{json, Value};

use crate::support::{temp_dir, Server};

/// The ids of every result of `POST /api/v1/match` (at most 1000).
fn match_ids(server: &Server, text: &str, filters: &Value) -> BTreeSet<String> {
    let reply = server.send(
        "POST",
        "/api/v1/match",
        None,
        Some(&json!({"need": {"text": text}, "limit": 1000, "filters": filters})),
    );
    assert_eq!(reply.status, 200, "{filters}: {}", reply.text());
    let results = reply.json()["results"].as_array().unwrap().clone();
    assert!(results.len() < 1000, "{text} {filters}: the answer was cut");
    results
        .iter()
        .map(|result| result["id"].as_str().unwrap().to_string())
        .collect()
}

/// The ids of every item of `GET /api/v1/resources?QUERY`, page by page.
fn list_ids(server: &Server, query: &str) -> BTreeSet<String> {
    let mut ids = BTreeSet::new();
    loop {
        let path = format!("/api/v1/resources?{query}&limit=200&offset={}", ids.len());
        let reply = server.get(&path);
        assert_eq!(reply.status, 200, "{path}: {}", reply.text());
        let page = reply.json();
        let items = page["items"].as_array().unwrap();
        ids.extend(
            items
                .iter()
                .map(|item| item["id"].as_str().unwrap().to_string()),
        );
        if items.is_empty() || ids.len() as u64 >= page["total"].as_u64().unwrap() {
            assert_eq!(ids.len() as u64, page["total"].as_u64().unwrap(), "{path}");
            return ids;
        }
    }
}

/// For each filter, written as the resources route's query and as the match request's `filters`:
/// `/resources?q=` lists what `/match` answers; and `/resources` without `q` lists every resource the
/// filtered match answers, while every resource of the unfiltered match that it lists is in the
/// filtered answer.
#[test]
fn resources_and_match_apply_the_same_filters() {
    let server = Server::start_with(&temp_dir("rules-filters"), &[]);
    let cases: &[(&str, &str, Value, usize)] = &[
        // The case: 0 results on /resources, 17 on /match.
        (
            "数控机床热误差补偿",
            "disciplines=460",
            json!({"disciplines": ["460"]}),
            1,
        ),
        (
            "数控机床热误差补偿",
            "disciplines=机械工程",
            json!({"disciplines": ["机械工程"]}),
            1,
        ),
        (
            "数控机床热误差补偿",
            "industries=C",
            json!({"industries": ["C"]}),
            1,
        ),
        (
            "数控机床热误差补偿",
            "industries=C34",
            json!({"industries": ["C34"]}),
            0,
        ),
        (
            "农业种植技术",
            "region=410000",
            json!({"region": "410000"}),
            1,
        ),
        (
            "农业种植技术",
            "region=410100",
            json!({"region": "410100"}),
            0,
        ),
        ("农业种植技术", "region=jjj", json!({"region": "jjj"}), 1),
        (
            "锂电池储能",
            "kinds=patent,expert",
            json!({"kinds": ["patent", "expert"]}),
            1,
        ),
        (
            "锂电池储能",
            "min_maturity=6",
            json!({"min_maturity": 6}),
            1,
        ),
        (
            "数控机床热误差补偿",
            "disciplines=460&kinds=achievement&min_maturity=3",
            json!({"disciplines": ["460"], "kinds": ["achievement"], "min_maturity": 3}),
            1,
        ),
    ];
    for (text, query, filters, at_least) in cases {
        let matched = match_ids(&server, text, filters);
        assert!(
            matched.len() >= *at_least,
            "{text} {query}: {} results",
            matched.len()
        );
        let listed = list_ids(&server, &format!("q={text}&{query}"));
        assert_eq!(
            listed, matched,
            "{text} {query}: /resources?q= against /match"
        );
        // Matching keeps the best few hundred candidates, so an unfiltered match finds fewer of
        // the passing resources than a filtered one: each filtered result passes the filters of
        // `/resources`, and each unfiltered result that passes them is a filtered result.
        let passing = list_ids(&server, query);
        assert!(
            matched.is_subset(&passing),
            "{text} {query}: matched but not listed: {:?}",
            matched.difference(&passing).collect::<Vec<_>>()
        );
        let found = match_ids(&server, text, &json!({}));
        let kept: BTreeSet<String> = found.intersection(&passing).cloned().collect();
        assert!(
            kept.is_subset(&matched),
            "{text} {query}: listed and found but filtered out by /match: {:?}",
            kept.difference(&matched).collect::<Vec<_>>()
        );
    }
}

/// A code no taxonomy knows is refused by both routes, where `/match` used to answer it with no
/// results.
#[test]
fn resources_and_match_refuse_the_same_codes() {
    let server = Server::start("rules-bad-filters");
    let cases: &[(&str, Value, &str)] = &[
        (
            "disciplines=999",
            json!({"disciplines": ["999"]}),
            "filters.disciplines[0]",
        ),
        (
            "disciplines=炼金术",
            json!({"disciplines": ["炼金术"]}),
            "filters.disciplines[0]",
        ),
        (
            "industries=Z99",
            json!({"industries": ["Z99"]}),
            "filters.industries[0]",
        ),
        (
            "region=999999",
            json!({"region": "999999"}),
            "filters.region",
        ),
        (
            "min_maturity=10",
            json!({"min_maturity": 10}),
            "filters.min_maturity",
        ),
        (
            "min_maturity=0",
            json!({"min_maturity": 0}),
            "filters.min_maturity",
        ),
    ];
    for (query, filters, field) in cases {
        let listed = server.get(&format!("/api/v1/resources?{query}"));
        assert_eq!(listed.status, 400, "{query}: {}", listed.text());
        assert_eq!(listed.error_code(), "bad_query");
        let matched = server.send(
            "POST",
            "/api/v1/match",
            None,
            Some(&json!({"need": {"text": "锂电池"}, "filters": filters})),
        );
        assert_eq!(matched.status, 422, "{filters}: {}", matched.text());
        let errors = matched.json()["error"]["details"]["errors"].clone();
        assert_eq!(errors[0]["field"], *field, "{errors}");
    }
}

/// A resource's `updated_at` and the engagement list's `since` are read by one RFC 3339 parser:
/// each time is accepted by both or refused by both.
#[test]
fn resources_and_engagements_read_times_alike() {
    let server = Server::start("rules-times");
    let editor = server.token("editor");
    for (index, (time, valid)) in [
        ("2024-02-29T08:00:00+08:00", true),
        ("2016-12-31T23:59:60Z", true),
        ("2026-11-26t10:00:00.5z", true),
        ("2026-02-30T00:00:00Z", false),
        ("2025-02-29T00:00:00Z", false),
        ("2026-11-26T10:00:00+24:00", false),
        ("2026-11-26T12:00:60Z", false),
    ]
    .into_iter()
    .enumerate()
    {
        let mut body = crate::support::resource(&format!("t-{index}"), "expert", "王工");
        body["updated_at"] = json!(time);
        let created = server.send("POST", "/api/v1/resources", Some(&editor), Some(&body));
        assert_eq!(
            created.status,
            if valid { 201 } else { 422 },
            "{time}: {}",
            created.text()
        );
        let listed = server.get_with(
            &format!("/api/v1/engagements?since={}", time.replace('+', "%2B")),
            &[("Authorization", &format!("Bearer {editor}"))],
        );
        assert_eq!(
            listed.status,
            if valid { 200 } else { 400 },
            "{time}: {}",
            listed.text()
        );
    }
}

/// The resources' province facet and the statistics by region count each resource under the
/// province `Taxonomies::province_of` gives (the widget's facets call it too).
#[test]
fn facets_and_statistics_count_the_same_provinces() {
    let server = Server::start("rules-provinces");
    let editor = server.token("editor");
    let regions = ["469001", "110101", "440305", "440300", "440000", "650000"];
    let resources: Vec<Value> = regions
        .iter()
        .enumerate()
        .map(|(index, region)| {
            let mut resource = crate::support::resource(&format!("r-{index}"), "expert", "王工");
            resource["region"] = json!(region);
            resource
        })
        .collect();
    let imported = server.import(
        "?format=jsonl",
        &editor,
        "application/x-ndjson",
        &crate::support::jsonl(&resources),
    );
    assert_eq!(imported.status, 200, "{}", imported.text());
    let taxonomies = duijie_core::taxonomy::taxonomies();
    let mut expected = serde_json::Map::new();
    for region in regions {
        let province = &taxonomies.province_of(region).unwrap().code;
        let count = expected.get(province).and_then(Value::as_u64).unwrap_or(0);
        expected.insert(province.clone(), json!(count + 1));
    }
    let expected = Value::Object(expected);
    assert_eq!(
        expected,
        json!({"460000": 1, "110000": 1, "440000": 3, "650000": 1})
    );
    let facets = server.get("/api/v1/resources").json()["facets"]["province"].clone();
    assert_eq!(facets, expected);

    let broker = server.token("broker");
    for index in 0..regions.len() {
        let reply = server.send(
            "POST",
            "/api/v1/engagements",
            Some(&broker),
            Some(&json!({"need": {"text": "锂电池"}, "resource_id": format!("r-{index}")})),
        );
        assert_eq!(reply.status, 201, "{}", reply.text());
    }
    let stats = server.get_with(
        "/api/v1/stats?group_by=region",
        &[("Authorization", &format!("Bearer {editor}"))],
    );
    assert_eq!(stats.status, 200, "{}", stats.text());
    let by_region: serde_json::Map<String, Value> = stats.json()["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|group| {
            (
                group["key"].as_str().unwrap().to_string(),
                group["engagements"].clone(),
            )
        })
        .collect();
    assert_eq!(Value::Object(by_region), expected);
}

/// The statistics CSV escapes text cells with `duijie_core::spreadsheet::escape_cell`, the escape
/// of the widget's shortlist CSV: no cell starts a formula, and unescaping gives the text back.
#[test]
fn the_stats_csv_escapes_cells_as_the_widget_does() {
    use duijie_core::spreadsheet::{escape_cell, unescape_cell};

    let server = Server::start("rules-csv");
    let editor = server.token("editor");
    let societies = ["-前500年研究会", "＋学会", "'引号学会", "中国机械工程学会"];
    let resources: Vec<Value> = societies
        .iter()
        .enumerate()
        .map(|(index, society)| {
            let mut resource = crate::support::resource(&format!("s-{index}"), "expert", "王工");
            resource["society"] = json!(society);
            resource
        })
        .collect();
    let imported = server.import(
        "?format=jsonl",
        &editor,
        "application/x-ndjson",
        &crate::support::jsonl(&resources),
    );
    assert_eq!(imported.status, 200, "{}", imported.text());
    let broker = server.token("broker");
    for index in 0..societies.len() {
        let reply = server.send(
            "POST",
            "/api/v1/engagements",
            Some(&broker),
            Some(&json!({"need": {"text": "锂电池"}, "resource_id": format!("s-{index}")})),
        );
        assert_eq!(reply.status, 201, "{}", reply.text());
    }
    let reply = server.get_with(
        "/api/v1/stats?group_by=society&format=csv",
        &[("Authorization", &format!("Bearer {editor}"))],
    );
    assert_eq!(reply.status, 200, "{}", reply.text());
    let text = reply.text();
    let mut reader = csv::Reader::from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    let mut keys: Vec<String> = Vec::new();
    for record in reader.records() {
        let record = record.unwrap();
        let key = &record[0];
        assert_eq!(escape_cell(unescape_cell(key)), key);
        keys.push(unescape_cell(key).to_string());
        for cell in record.iter() {
            assert!(
                !cell.starts_with(['=', '+', '-', '@', '\t', '\r', '＝', '＋', '－', '＠']),
                "{cell:?}"
            );
        }
    }
    keys.sort();
    let mut expected: Vec<String> = societies.iter().map(|s| s.to_string()).collect();
    expected.sort();
    assert_eq!(keys, expected);
}
