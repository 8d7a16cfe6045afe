//! JSON Lines catalog errors: each is located by line and field, and every error is reported at once.

use duijie_core::jsonl::parse_catalog_jsonl;

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
