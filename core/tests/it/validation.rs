//! JSON Lines catalog errors: each is located by line and field, and every error is reported at once;
//! what each kind requires, and regions written as names.

use duijie_core::jsonl::{need_from_json, parse_catalog_jsonl, resource_from_json};
use serde_json::json;

/// The `(line, field)` of every error in `catalog`.
fn errors(catalog: &str) -> Vec<(Option<usize>, String)> {
    parse_catalog_jsonl(catalog)
        .errors
        .into_iter()
        .map(|error| (error.line, error.field))
        .collect()
}

/// Checks that the one-record `catalog` fails with exactly these fields, on line 1.
fn check(catalog: &str, fields: &[&str]) {
    let expected: Vec<(Option<usize>, String)> = fields
        .iter()
        .map(|field| (Some(1), field.to_string()))
        .collect();
    let mut actual = errors(catalog);
    actual.sort();
    let mut expected = expected;
    expected.sort();
    assert_eq!(actual, expected, "{catalog}");
}

#[test]
fn single_problems_are_located() {
    check(
        r#"{"id":"a","kind":"expert","title":"t","colour":"red"}"#,
        &["colour"],
    );
    check(r#"{"id":"a","kind":"robot","title":"t"}"#, &["kind"]);
    check(r#"{"id":"a b/c","kind":"expert","title":"t"}"#, &["id"]);
    check(r#"{"id":"a","kind":"expert"}"#, &["title"]);
    check(
        r#"{"id":"a","kind":"achievement","title":"t","maturity":10}"#,
        &["maturity"],
    );
    check(
        r#"{"id":"a","kind":"expert","title":"t","maturity":5}"#,
        &["maturity"],
    );
    check(
        r#"{"id":"a","kind":"expert","title":"t","disciplines":["999"]}"#,
        &["disciplines[0]"],
    );
    check(
        r#"{"id":"a","kind":"expert","title":"t","industries":["X9999"]}"#,
        &["industries[0]"],
    );
    check(
        r#"{"id":"a","kind":"expert","title":"t","region":"999999"}"#,
        &["region"],
    );
    // A time must exist: the one RFC 3339 parser (`duijie_core::time`) decides.
    for bad in [
        "2026-02-30T00:00:00Z",
        "2025-02-29T08:00:00+08:00",
        "2026-11-26T10:00:00+25:00",
        "2026-11-26",
    ] {
        check(
            &format!(r#"{{"id":"a","kind":"expert","title":"t","updated_at":"{bad}"}}"#),
            &["updated_at"],
        );
    }
    check(
        r#"{"id":"a","kind":"expert","title":"t","updated_at":"2024-02-29T08:00:00+08:00"}"#,
        &[],
    );
    check("{not json", &[""]);
    check("[1, 2]", &[""]);
    check("\"a string\"", &[""]);
}

#[test]
fn duplicate_id_is_an_error_on_its_second_line() {
    let parsed = parse_catalog_jsonl(
        "{\"id\":\"a\",\"kind\":\"expert\",\"title\":\"t\"}\n\n{\"id\":\"a\",\"kind\":\"patent\",\"title\":\"u\"}\n",
    );
    assert_eq!(parsed.resources.len(), 1);
    assert_eq!(parsed.errors.len(), 1);
    let error = &parsed.errors[0];
    assert_eq!((error.line, error.field.as_str()), (Some(3), "id"));
    assert!(error.message.contains("line 1"), "{}", error.message);
}

#[test]
fn every_problem_of_a_record_is_reported_at_once() {
    check(
        r#"{"id":"a","kind":"expert","title":"t","maturity":5,"region":"999999","shoe_size":42}"#,
        &["maturity", "region", "shoe_size"],
    );
}

#[test]
fn lines_are_counted_across_good_and_bad_records() {
    let catalog = [
        r#"{"id":"a","kind":"expert","title":"t"}"#,
        r#"{"id":"b","kind":"expert","title":"t"}"#,
        r#"{"id":"c","kind":"expert","title":"t""#,
        r#"{"id":"d","kind":"expert","title":"t"}"#,
        r#"{"id":"e","kind":"expert","title":"t","nickname":"x"}"#,
    ]
    .join("\n");
    assert_eq!(
        errors(&catalog),
        [(Some(3), String::new()), (Some(5), "nickname".to_string())]
    );
}

/// An expert needs a name and an organisation its name, whatever else the record has; an achievement
/// or a patent needs a title or at least a summary (text that is only markup counts as empty).
#[test]
fn every_kind_needs_its_name_or_title() {
    for (kind, named, summary_is_enough) in [
        ("expert", "expert's name (姓名)", false),
        ("organization", "organization's name (名称)", false),
        ("achievement", "achievement's title (名称)", true),
        ("patent", "patent's title (名称)", true),
    ] {
        for title in [
            r#""title":"","#,
            r#""title":"  ","#,
            "",
            r#""title":"<br>","#,
        ] {
            for summary in ["有摘要", "", "<p></p>"] {
                let record = format!(
                    r#"{{"id":"a","kind":"{kind}",{title}"summary":"{summary}","keywords":["k"]}}"#
                );
                if summary_is_enough && summary == "有摘要" {
                    check(&record, &[]);
                    continue;
                }
                check(&record, &["title"]);
                let error = &parse_catalog_jsonl(&record).errors[0];
                assert!(error.message.contains(named), "{record}: {}", error.message);
                assert_eq!(error.id.as_deref(), Some("a"));
            }
        }
    }
}

/// A region is read by `canonical_region` in records and needs alike: a name or a path lands as its
/// code, an ambiguous name is refused with its candidates.
#[test]
fn regions_are_read_by_name_and_stored_as_codes() {
    let region_of = |region: &str| {
        resource_from_json(&json!({"id": "a", "kind": "expert", "title": "t", "region": region}))
            .map(|resource| resource.region)
    };
    for (written, code) in [
        ("广东省佛山市禅城区", "440604"),
        ("佛山市", "440600"),
        ("广东 佛山 禅城", "440604"),
        ("440604", "440604"),
    ] {
        assert_eq!(region_of(written), Ok(Some(code.to_string())), "{written}");
        let need = need_from_json(&json!({"text": "x", "region": written})).unwrap();
        assert_eq!(need.region.as_deref(), Some(code), "need {written}");
    }
    let errors = region_of("朝阳").unwrap_err();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].field, "region");
    for candidate in [
        "北京市朝阳区 110105",
        "辽宁省朝阳市 211300",
        "吉林省长春市朝阳区 220104",
    ] {
        assert!(
            errors[0].message.contains(candidate),
            "{}",
            errors[0].message
        );
    }
    let errors = need_from_json(&json!({"text": "x", "region": "火星"})).unwrap_err();
    assert_eq!(errors[0].field, "region");
    assert!(
        errors[0].message.contains("unknown region '火星'"),
        "{}",
        errors[0].message
    );
}
