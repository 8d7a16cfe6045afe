//! Fast in-process tests of the parts that need no server: import rules, configuration, the demo data.

use duijie_core::FieldError;

use crate::commands::serve::{resolve_config, ServeArgs};
use crate::import::{decode, is_formula, is_script_url, Encoding, Format};

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
