//! Fast in-process tests of the parts that need no server: import rules, configuration, the demo data.

use duijie_core::FieldError;

use crate::commands::serve::{resolve_config, ServeArgs};
use crate::import::{decode, is_formula, is_script_url, Encoding, Format};
use crate::webhook_hosts::{is_public, refusal, Resolver};

fn check_formula(text: &str, expect: bool) {
    assert_eq!(is_formula(text), expect, "{text:?}");
}

#[test]
fn formula_rule() {
    for text in [
        "=1+2",
        " =A1",
        "@SUM(A1)",
        "+SUM(A1)",
        "-cmd|' /C calc'!A0",
        "+A1",
        "-$B$2*3",
        "+-HYPERLINK(\"x\")",
        "@@SUM(1)",
    ] {
        check_formula(text, true);
    }
    // Signs before numbers, phone numbers, Chinese text, and `@@` (all seen in real records) pass.
    for text in [
        "-5",
        "+86 10 5555 0000",
        "- 注意",
        "-.5",
        "+",
        "锂电池",
        "a=b",
        "5G",
        "@@",
        "-前500年",
        "-x",
        "+ABCD12",
    ] {
        check_formula(text, false);
    }
}

#[test]
fn script_url_rule() {
    assert!(is_script_url("javascript:alert(1)"));
    assert!(is_script_url("JaVa\tScript :x"));
    assert!(is_script_url("vbscript:msgbox"));
    assert!(!is_script_url("Java 脚本开发"));
    assert!(!is_script_url("https://example.org/java"));
}

fn errors_of(format: Format, bytes: &[u8]) -> Vec<FieldError> {
    decode(format, bytes, Encoding::Detect).expect_err("should fail")
}

#[test]
fn csv_headers_unknown_and_repeated() {
    let errors = errors_of(Format::Csv, "id,名称,colour,title\n".as_bytes());
    let fields: Vec<&str> = errors.iter().map(|error| error.field.as_str()).collect();
    assert_eq!(fields, ["colour", "title"]);
    assert!(errors.iter().all(|error| error.line == Some(1)));
}

#[test]
fn csv_rows_map_to_interchange_fields() {
    let csv = "编号,类型,标题,联系人,电话,IPC分类号,专利号\np1,专利,一种方法,王,010,H01M 10/05；H01M 4/00,CN1\n";
    let resources = decode(Format::Csv, csv.as_bytes(), Encoding::Utf8).unwrap();
    let patent = resources[0].patent.as_ref().unwrap();
    assert_eq!(patent.ipc, ["H01M 10/05", "H01M 4/00"]);
    assert_eq!(resources[0].contact.as_ref().unwrap().phone, "010");
}

#[test]
fn utf8_declared_refuses_gbk() {
    let (gbk, _, _) = encoding_rs::GBK.encode("id,kind,title\nx,achievement,污水\n");
    assert!(decode(Format::Csv, &gbk, Encoding::Utf8).is_err());
    assert!(decode(Format::Csv, &gbk, Encoding::Detect).is_ok());
}

#[test]
fn demo_catalog_decodes_with_unique_ids_marked_demo() {
    let resources = crate::demo::resources().unwrap();
    assert!(resources.len() > 2000);
    let mut ids: Vec<&str> = resources
        .iter()
        .map(|resource| resource.id.as_str())
        .collect();
    assert!(ids.iter().all(|id| id.starts_with("demo-")));
    // The CSL abstracts' <br> are read as line breaks, as an import reads them.
    assert!(resources
        .iter()
        .all(|resource| !resource.summary.contains("<br>")));
    assert!(resources
        .iter()
        .any(|resource| resource.summary.contains("报告如下：\n")));
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), resources.len());
    for kind in duijie_core::Kind::ALL {
        assert!(
            resources.iter().any(|resource| resource.kind == kind),
            "{kind}"
        );
    }
}

fn args(flags: &[&str]) -> ServeArgs {
    use clap::Parser;
    #[derive(clap::Parser)]
    struct Wrapper {
        #[command(flatten)]
        serve: ServeArgs,
    }
    Wrapper::parse_from(std::iter::once("serve").chain(flags.iter().copied())).serve
}

#[test]
fn config_flags_beat_environment_beat_file() {
    let dir = std::env::temp_dir().join(format!("duijie-config-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("duijie.toml");
    std::fs::write(
        &file,
        "addr = \"127.0.0.1:1\"\ndata = \"from-file\"\ncors_origins = [\"https://a.example\"]\nbody_limit = 10\n",
    )
    .unwrap();
    let env = |name: &str| match name {
        "DUIJIE_DATA" => Some("from-env".to_string()),
        "DUIJIE_ADDR" => Some("127.0.0.1:2".to_string()),
        _ => None,
    };
    let config = resolve_config(
        &args(&["--config", file.to_str().unwrap(), "--addr", "127.0.0.1:3"]),
        env,
    )
    .unwrap();
    assert_eq!(config.addr, "127.0.0.1:3");
    assert_eq!(config.data, std::path::PathBuf::from("from-env"));
    assert_eq!(config.cors_origins, ["https://a.example"]);
    assert_eq!(config.body_limit, 10);
    assert_eq!(
        config.csp(),
        format!(
            "{}; frame-ancestors 'self' https://a.example",
            crate::CSP_BASE
        )
    );
    // Not origins: refused with a message, never pasted into the CSP.
    for bad in [
        "https://a.example/",
        "a.example",
        "https://a.example; script-src *",
        "https://a.example:99999",
        "ftp://a.example",
        "https://",
    ] {
        let error = resolve_config(&args(&["--cors-origin", bad]), |_| None)
            .unwrap_err()
            .to_string();
        assert!(error.contains("is not an origin"), "{bad}: {error}");
    }
    for good in [
        "http://localhost:8080",
        "https://kx.example.cn",
        "http://[::1]:3000",
    ] {
        assert!(crate::config::is_origin(good), "{good}");
    }
    std::fs::write(&file, "colour = 1\n").unwrap();
    assert!(resolve_config(&args(&["--config", file.to_str().unwrap()]), |_| None).is_err());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn demo_catalog_passes_validation() {
    let resources = crate::demo::resources().unwrap();
    let rows = resources
        .iter()
        .enumerate()
        .map(|(index, resource)| (index + 1, serde_json::to_value(resource).unwrap()))
        .collect();
    let errors = crate::import::validate_rows(rows).err().unwrap_or_default();
    assert!(
        errors.is_empty(),
        "{} errors, first: {:?}",
        errors.len(),
        errors.first()
    );
}

#[test]
fn parallel_validation_keeps_file_order_and_finds_duplicates_across_chunks() {
    let mut rows: Vec<(usize, serde_json::Value)> = (0..1500)
        .map(|i| {
            let value =
                serde_json::json!({"id": format!("r-{i}"), "kind": "expert", "title": "专家"});
            (i + 1, value)
        })
        .collect();
    rows[1399].1["id"] = serde_json::json!("r-4");
    rows[1199].1["kind"] = serde_json::json!("robot");
    let errors = crate::import::validate_rows(rows.clone()).unwrap_err();
    let located: Vec<(Option<usize>, &str)> = errors
        .iter()
        .map(|error| (error.line, error.field.as_str()))
        .collect();
    assert_eq!(located, [(Some(1200), "kind"), (Some(1400), "id")]);
    assert!(errors[1].message.contains("first on line 5"));
    rows[1399].1["id"] = serde_json::json!("r-1399");
    rows[1199].1["kind"] = serde_json::json!("expert");
    let resources = crate::import::validate_rows(rows).unwrap();
    assert_eq!(resources[1234].id, "r-1234");
}

/// The OpenAPI document as JSON.
fn document() -> serde_json::Value {
    serde_json::to_value(crate::routes::openapi::document()).unwrap()
}

/// The property names of a component schema, sorted.
fn schema_properties(document: &serde_json::Value, name: &str) -> Vec<String> {
    let schema = &document["components"]["schemas"][name];
    let mut names: Vec<String> = schema["properties"]
        .as_object()
        .unwrap_or_else(|| panic!("schema {name} has no properties: {schema}"))
        .keys()
        .cloned()
        .collect();
    names.sort();
    names
}

/// The keys of a serialised value, sorted.
fn keys(value: impl serde::Serialize) -> Vec<String> {
    let value = serde_json::to_value(value).unwrap();
    let mut names: Vec<String> = value.as_object().unwrap().keys().cloned().collect();
    names.sort();
    names
}

fn enum_values(document: &serde_json::Value, name: &str) -> Vec<String> {
    document["components"]["schemas"][name]["enum"]
        .as_array()
        .unwrap_or_else(|| panic!("schema {name} is not an enum"))
        .iter()
        .map(|value| value.as_str().unwrap().to_string())
        .collect()
}

/// The server-side schemas of core types (`crate::schema`) have exactly the fields the core types
/// serialise. Each value is written field by field, without `..`, so a field added to a core type
/// fails to compile here until its schema is updated too.
#[test]
fn core_schemas_match_the_core_types() {
    use duijie_core::{
        Component, Contact, Filters, Kind, Matched, Mode, Need, Patent, Reason, Resource, Span,
        Weights,
    };
    let document = document();
    let patent = Patent {
        number: "CN1".into(),
        ipc: vec!["H01M".into()],
        status: "授权".into(),
    };
    let contact = Contact {
        name: "王工".into(),
        phone: "1".into(),
        email: "a@b.c".into(),
    };
    let resource = Resource {
        id: "r".into(),
        kind: Kind::Patent,
        title: "t".into(),
        summary: "s".into(),
        keywords: vec!["k".into()],
        disciplines: vec!["d".into()],
        industries: vec!["i".into()],
        region: Some("440300".into()),
        organization: "o".into(),
        society: "s".into(),
        modes: vec![Mode::License],
        maturity: Some(5),
        patent: Some(patent.clone()),
        position: "p".into(),
        expertise: vec!["e".into()],
        contact: Some(contact.clone()),
        updated_at: Some("2026-01-01".into()),
    };
    let need = Need {
        title: "n".into(),
        text: "t".into(),
        keywords: vec!["k".into()],
        disciplines: vec!["d".into()],
        industries: vec!["i".into()],
        region: Some("440300".into()),
        modes: vec![Mode::License],
        min_maturity: Some(3),
        kinds: vec![Kind::Expert],
        budget: Some(10.0),
    };
    let stored_need = duijie_core::model::NeedRecord {
        id: "n".into(),
        title: "t".into(),
        text: "t".into(),
        organization: "o".into(),
        keywords: vec!["k".into()],
        disciplines: vec!["d".into()],
        industries: vec!["i".into()],
        region: Some("440300".into()),
        modes: vec![Mode::License],
        min_maturity: Some(3),
        kinds: vec![Kind::Expert],
        budget: "50万元以内".into(),
        deadline: Some("2026-06-30".into()),
        status: duijie_core::model::NeedStatus::Matched,
        visibility: duijie_core::model::Visibility::Members,
        contact: Some(contact.clone()),
        updated_at: Some("2026-01-01T00:00:00Z".into()),
    };
    let filters = Filters {
        kinds: vec![Kind::Expert],
        region: Some("440300".into()),
        disciplines: vec!["d".into()],
        industries: vec!["i".into()],
        min_maturity: Some(3),
    };
    let field_error = FieldError {
        line: Some(1),
        sheet: Some("s".into()),
        cell: Some("A1".into()),
        column: Some(1),
        header: Some("h".into()),
        id: Some("r".into()),
        field: "f".into(),
        message: "m".into(),
    };
    let component = Component {
        name: "text".into(),
        value: 0.5,
        weight: 1.0,
        applies: true,
        contribution: 0.1,
    };
    let span = Span { start: 0, end: 1 };
    let matched = Matched {
        term: "t".into(),
        field: "keywords".into(),
        item: Some(0),
        spans: vec![span],
    };
    let reason = Reason {
        component: "text".into(),
        zh: "z".into(),
        en: "e".into(),
    };
    let checks: Vec<(&str, Vec<String>)> = vec![
        ("Resource", keys(&resource)),
        ("Patent", keys(&patent)),
        ("Contact", keys(&contact)),
        ("Need", keys(&need)),
        ("NeedRecord", keys(&stored_need)),
        ("Filters", keys(&filters)),
        ("FieldError", keys(&field_error)),
        ("Weights", keys(Weights::default())),
        ("Component", keys(&component)),
        ("Span", keys(span)),
        ("Matched", keys(&matched)),
        ("Reason", keys(&reason)),
    ];
    for (name, serialised) in checks {
        assert_eq!(schema_properties(&document, name), serialised, "{name}");
    }
    let kinds: Vec<&str> = Kind::ALL.iter().map(|kind| kind.as_str()).collect();
    assert_eq!(enum_values(&document, "Kind"), kinds);
    let modes: Vec<&str> = Mode::ALL.iter().map(|mode| mode.as_str()).collect();
    assert_eq!(enum_values(&document, "Mode"), modes);
    let statuses: Vec<&str> = duijie_core::engagement::Status::ALL
        .iter()
        .map(|status| status.as_str())
        .collect();
    assert_eq!(enum_values(&document, "Status"), statuses);
    let need_statuses: Vec<&str> = duijie_core::model::NeedStatus::ALL
        .iter()
        .map(|status| status.as_str())
        .collect();
    assert_eq!(enum_values(&document, "NeedStatus"), need_statuses);
    let visibilities: Vec<&str> = duijie_core::model::Visibility::ALL
        .iter()
        .map(|visibility| visibility.as_str())
        .collect();
    assert_eq!(enum_values(&document, "Visibility"), visibilities);
    let scopes: Vec<&str> = crate::auth::Scope::ALL
        .iter()
        .map(|scope| scope.as_str())
        .collect();
    let mut documented = enum_values(&document, "Scope");
    documented.sort();
    let mut scopes = scopes;
    scopes.sort();
    assert_eq!(documented, scopes);
}

/// A statistics group is serialised by hand; its schema is declared beside it.
#[test]
fn stats_group_schema_matches_its_serialisation() {
    let document = document();
    let group = crate::stats::Group {
        top_resources: vec![("r".into(), "t".into(), 1)],
        ..crate::stats::Group::default()
    };
    assert_eq!(schema_properties(&document, "Group"), keys(&group));
    let value = serde_json::to_value(&group).unwrap();
    for (field, schema) in [
        ("status", "StatusCounts"),
        ("reached", "ReachedCounts"),
        ("rates", "Rates"),
        ("median_days", "MedianDays"),
    ] {
        assert_eq!(
            schema_properties(&document, schema),
            keys(&value[field]),
            "{field}"
        );
    }
    assert_eq!(
        schema_properties(&document, "TopResource"),
        keys(&value["top_resources"][0])
    );
}

/// The error codes: unique names, sent as their names, listed in the document's `Code` schema.
#[test]
fn error_codes_are_one_table() {
    use crate::error::Code;
    let names: Vec<&str> = Code::ALL.iter().map(|code| code.name()).collect();
    let unique: std::collections::BTreeSet<&str> = names.iter().copied().collect();
    assert_eq!(unique.len(), names.len(), "{names:?}");
    for code in Code::ALL {
        assert_eq!(serde_json::to_value(code).unwrap(), code.name());
        assert!(code.status().is_client_error() || code.status().is_server_error());
    }
    assert_eq!(enum_values(&document(), "Code"), names);
}

/// The table of error codes in `server/README.md`, as `error_codes_in_the_readme` expects it.
fn error_code_table() -> String {
    let mut table = String::from("| code | HTTP status | meaning |\n|---|---|---|\n");
    for code in crate::error::Code::ALL {
        table.push_str(&format!(
            "| `{}` | {} | {} |\n",
            code.name(),
            code.status().as_u16(),
            code.description()
        ));
    }
    table
}

/// `server/README.md` lists every error code with its status, exactly as `error::Code` has them.
#[test]
fn error_codes_in_the_readme() {
    let readme = include_str!("../README.md");
    let start = "<!-- error codes: generated from error::Code; tests::error_codes_in_the_readme checks it -->\n";
    let end = "<!-- end of error codes -->";
    let listed = readme
        .split_once(start)
        .and_then(|(_, rest)| rest.split_once(end))
        .map(|(table, _)| table)
        .expect("server/README.md has the error code table between its markers");
    let expected = error_code_table();
    assert!(
        listed == expected,
        "server/README.md's error code table is out of date; put this between the markers:\n{expected}"
    );
}

/// Every operation has a unique id, a tag, and an error shape for every 4xx and 5xx it lists; every
/// reference resolves; each route's documented query parameters are the ones it accepts.
#[test]
fn the_document_is_complete() {
    let document = document();
    let mut operation_ids = std::collections::BTreeSet::new();
    for route in crate::routes::routes() {
        let method = route.method.as_str().to_ascii_lowercase();
        let operation = &document["paths"][&route.path][&method];
        let id = operation["operationId"].as_str().unwrap_or_default();
        assert!(!id.is_empty(), "{method} {}", route.path);
        assert!(
            operation_ids.insert(id.to_string()),
            "operationId {id} twice"
        );
        assert!(operation["tags"][0].is_string(), "{id} has no tag");
        for (status, response) in operation["responses"].as_object().unwrap() {
            if status.starts_with('4') || status.starts_with('5') {
                let reference = response["$ref"].as_str().unwrap_or_default();
                assert!(
                    reference.starts_with("#/components/responses/"),
                    "{id} {status}: {response}"
                );
            }
        }
        let mut documented: Vec<String> = operation["parameters"]
            .as_array()
            .map(|parameters| {
                parameters
                    .iter()
                    .filter(|parameter| parameter["in"] == "query")
                    .map(|parameter| parameter["name"].as_str().unwrap().to_string())
                    .collect()
            })
            .unwrap_or_default();
        documented.sort();
        let mut accepted: Vec<String> = route.query.iter().map(|name| name.to_string()).collect();
        for (old, new) in crate::routes::QUERY_ALIASES {
            if route.query.contains(new) {
                accepted.push(old.to_string());
            }
        }
        accepted.sort();
        assert_eq!(documented, accepted, "{id}");
    }
    let text = document.to_string();
    for piece in text.split("\"$ref\":\"#").skip(1) {
        let pointer = &piece[..piece.find('"').unwrap()];
        assert!(
            document.pointer(pointer).is_some(),
            "unresolved reference #{pointer}"
        );
    }
}

#[test]
fn rows_over_the_memory_budget_are_read_again_and_all_kept() {
    use crate::import::{decode_within, Limits, Refusal};
    let mut jsonl = String::new();
    for i in 0..3000 {
        jsonl.push_str(&format!(
            "{{\"id\":\"r-{i}\",\"kind\":\"expert\",\"title\":\"专家\"}}\n"
        ));
    }
    // Without slack, 3,000 small rows are over twice their text: checked, dropped, read again.
    let limits = Limits {
        keep_slack: 0,
        ..Limits::default()
    };
    let resources =
        decode_within(Format::Jsonl, jsonl.as_bytes(), Encoding::Utf8, &limits).unwrap();
    assert_eq!(resources.len(), 3000);
    assert_eq!(resources[2999].id, "r-2999");
    jsonl.push_str("{\"id\":\"r-7\",\"kind\":\"expert\",\"title\":\"重复\"}\n");
    match decode_within(Format::Jsonl, jsonl.as_bytes(), Encoding::Utf8, &limits) {
        Err(Refusal::Invalid { errors, total, .. }) => {
            assert_eq!(total, 1);
            assert_eq!(errors[0].line, Some(3001));
            assert!(
                errors[0].message.contains("first on line 8"),
                "{}",
                errors[0].message
            );
        }
        other => panic!("{other:?}"),
    }
}

/// A store made before engagements named their enterprise gets the new columns, empty, and its
/// records read as before.
#[test]
fn an_older_engagement_table_gains_the_enterprise_columns() {
    let folder = std::env::temp_dir().join(format!("duijie-unit-migrate-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&folder);
    std::fs::create_dir_all(&folder).unwrap();
    {
        let connection = rusqlite::Connection::open(folder.join("duijie.sqlite3")).unwrap();
        connection
            .execute_batch(
                "CREATE TABLE engagements (
                     id INTEGER PRIMARY KEY AUTOINCREMENT, status TEXT NOT NULL, need TEXT NOT NULL,
                     resource_id TEXT NOT NULL, kind TEXT NOT NULL, title TEXT NOT NULL, region TEXT,
                     disciplines TEXT NOT NULL, industries TEXT NOT NULL, society TEXT NOT NULL,
                     fair TEXT, created_at TEXT NOT NULL, updated_at TEXT NOT NULL,
                     contacted_at TEXT, negotiating_at TEXT, signed_at TEXT, landed_at TEXT,
                     dropped_at TEXT, idempotency_owner TEXT, idempotency_key TEXT, request_hash TEXT,
                     UNIQUE (idempotency_owner, idempotency_key));
                 INSERT INTO engagements (status, need, resource_id, kind, title, region, disciplines,
                     industries, society, fair, created_at, updated_at)
                 VALUES ('intent', '{\"text\":\"需要\"}', 'a-1', 'achievement', '成果', '110108', '',
                     '', '', NULL, '2025-01-01T00:00:00Z', '2025-01-01T00:00:00Z');",
            )
            .unwrap();
    }
    let store = crate::store::Store::open(&folder).unwrap();
    let rows = store.engagement_stat_rows().unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].enterprise_region, None);
    drop(store);
    // Opening it again finds the columns there.
    crate::store::Store::open(&folder).unwrap();
    let _ = std::fs::remove_dir_all(&folder);
}

/// `docs/formats.md` has a row for every resource field (`duijie_core::fields::RESOURCE_FIELDS`),
/// and in its section on stored needs for every need field (`NEED_RECORD_FIELDS`), listing each
/// Chinese header the importer reads for it, and says "list" of every list field, "private" of
/// every private one and "free text" of exactly the free-text ones.
#[test]
fn the_formats_document_names_every_field_and_header() {
    use duijie_core::fields::{Field, Shape, NEED_RECORD_FIELDS, RESOURCE_FIELDS};

    fn check<R>(section: &str, fields: &[Field<R>]) {
        for field in fields {
            let name = field.name;
            let row = section
                .lines()
                .find(|line| line.starts_with(&format!("| `{name}` |")))
                .unwrap_or_else(|| panic!("docs/formats.md has no row for `{name}`"));
            let cells: Vec<&str> = row.split('|').map(str::trim).collect();
            for header in field.headers_zh {
                assert!(
                    cells[2].split(',').any(|listed| listed.trim() == *header),
                    "docs/formats.md: the row of `{name}` does not list {header}"
                );
            }
            if field.shape == Shape::List {
                assert!(
                    cells[3].contains("list"),
                    "docs/formats.md: `{name}` is a list"
                );
            }
            if field.private {
                assert!(
                    cells[3].contains("private"),
                    "docs/formats.md: `{name}` is private"
                );
            }
            assert_eq!(
                cells[3].contains("free text"),
                field.free_text,
                "docs/formats.md: `{name}` is free text exactly when the field table says so"
            );
        }
    }

    let document = include_str!("../../docs/formats.md");
    let (resources, needs) = document
        .split_once("## Stored needs")
        .expect("docs/formats.md has a section on stored needs");
    check(resources, &RESOURCE_FIELDS);
    check(needs, &NEED_RECORD_FIELDS);
}

/// A spreadsheet cell formatted as a date (a need's 截止日期) reads as the date it shows: Excel
/// counts days from 1899-12-30. Fractions of a day and impossible serials stay unread.
#[test]
fn excel_date_cells_read_as_dates() {
    use crate::import::excel_date;
    assert_eq!(excel_date(25_569.0).as_deref(), Some("1970-01-01"));
    assert_eq!(excel_date(45_473.0).as_deref(), Some("2024-06-30"));
    assert_eq!(excel_date(45_473.5), None);
    assert_eq!(excel_date(0.0), None);
    assert_eq!(excel_date(-3.0), None);
}

// Webhook hosts (server/src/webhook_hosts.rs).

#[test]
fn addresses_inside_a_network_are_not_public() {
    for private in [
        "127.0.0.1",
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "169.254.169.254",
        "100.64.0.1",
        "0.0.0.0",
        "224.0.0.1",
        "255.255.255.255",
        "::1",
        "::",
        "fc00::1",
        "fd12::1",
        "fe80::1",
        "::ffff:127.0.0.1",
        "::ffff:10.0.0.1",
    ] {
        assert!(!is_public(private.parse().unwrap()), "{private}");
    }
    for public in ["8.8.8.8", "1.1.1.1", "223.5.5.5", "2400:3200::1"] {
        assert!(is_public(public.parse().unwrap()), "{public}");
    }
}

#[test]
fn literal_private_hosts_are_refused_when_written() {
    for url in [
        "http://127.0.0.1:9000/hook",
        "http://localhost/hook",
        "http://LOCALHOST.:80/",
        "http://[::1]:8080/x",
        "http://user@169.254.169.254/latest/meta-data",
        "http://10.0.0.5",
    ] {
        assert!(refusal(url).is_some(), "{url}");
    }
    for url in ["http://hooks.example.com/x", "http://8.8.8.8:80/"] {
        assert!(refusal(url).is_none(), "{url}");
    }
}

#[test]
fn a_name_resolving_to_loopback_reaches_nothing_unless_allowed() {
    let strict = Resolver {
        allow_private: false,
    };
    let error = ureq::Resolver::resolve(&strict, "localhost:80").unwrap_err();
    assert_eq!(error.kind(), std::io::ErrorKind::PermissionDenied);
    let open = Resolver {
        allow_private: true,
    };
    assert!(!ureq::Resolver::resolve(&open, "localhost:80")
        .unwrap()
        .is_empty());
}
