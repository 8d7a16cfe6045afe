//! Imports: JSON Lines, CSV (UTF-8 with or without BOM, GBK), Chinese headers, all-or-nothing with
//! every bad row located, dry runs and modes.

use serde_json::Value;

use crate::support::{jsonl, resource, small_catalog, Server};

/// `(line, field)` of every error of a 422 answer.
fn located(reply: &crate::support::Reply) -> Vec<(u64, String)> {
    assert_eq!(reply.status, 422, "{}", reply.text());
    reply.json()["error"]["details"]["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|error| {
            (
                error["line"].as_u64().unwrap_or(0),
                error["field"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

#[test]
fn csv_with_bom_chinese_headers_and_lists() {
    let server = Server::start("csv");
    let editor = server.token("editor");
    let csv = "\u{feff}编号,类型,名称,摘要,关键词,合作方式,成熟度,contact.phone,patent.number\n\
               c-1,科技成果,锂电池回收,回收正极材料,锂电池；回收;正极,技术转让；技术咨询,7,010-1,\n\
               c-2,patent,一种储能方法,\"储能,含逗号\",储能,license,5,,CN1\n";
    let reply = server.import("", &editor, "text/csv; charset=utf-8", csv.as_bytes());
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert_eq!(reply.json()["imported"], 2);
    let one = server.get("/api/v1/resources/c-1").json();
    assert_eq!(one["kind"], "achievement");
    assert_eq!(
        one["keywords"],
        serde_json::json!(["锂电池", "回收", "正极"])
    );
    assert_eq!(one["modes"], serde_json::json!(["transfer", "consulting"]));
    assert_eq!(one["maturity"], 7);
    let two = server.get("/api/v1/resources/c-2").json();
    assert_eq!(two["summary"], "储能,含逗号");
    assert_eq!(two["patent"]["number"], "CN1");
}

#[test]
fn csv_in_gbk_detected_or_declared() {
    let server = Server::start("gbk");
    let editor = server.token("editor");
    let text = "id,kind,title,summary\ng-1,achievement,污水处理新工艺,低能耗的污水处理\n";
    let (gbk, _, _) = encoding_rs::GBK.encode(text);
    assert!(std::str::from_utf8(&gbk).is_err());
    let detected = server.import("?format=csv", &editor, "text/csv", &gbk);
    assert_eq!(detected.status, 200, "{}", detected.text());
    assert_eq!(
        server.get("/api/v1/resources/g-1").json()["title"],
        "污水处理新工艺"
    );
    let declared = server.import("?format=csv&encoding=gbk", &editor, "text/csv", &gbk);
    assert_eq!(declared.status, 200, "{}", declared.text());
    // Bytes that are neither UTF-8 nor GB18030.
    let mut bad = b"id,kind,title\nb-1,achievement,".to_vec();
    bad.extend([0xFF, 0xFF, 0xFF]);
    bad.push(b'\n');
    let reply = server.import("?format=csv", &editor, "text/csv", &bad);
    assert_eq!(located(&reply), vec![(2, String::new())]);
}

/// A clerk's CSV as Excel and editors write it: a quote left open is refused where it opens (the
/// csv crate read it to the end of the file, and every row after it was lost inside one cell);
/// Windows (CRLF) and old Mac (CR) line ends give the same line numbers as LF; UTF-8 with one
/// stray byte is not read as GB18030.
#[test]
fn csv_open_quotes_line_ends_and_stray_bytes_are_located() {
    let server = Server::start("csv-edges");
    let editor = server.token("editor");
    let before = server.catalog();
    let csv = "id,kind,title,summary\na1,expert,张三,\"未闭合的引号\na2,expert,李四,正常\na3,expert,王五,正常\n";
    let reply = server.import("?format=csv", &editor, "text/csv", csv.as_bytes());
    assert_eq!(reply.status, 422, "{}", reply.text());
    let error = &reply.json()["error"]["details"]["errors"][0];
    assert_eq!(error["line"], 2, "{error}");
    assert_eq!(error["column"], 4, "{error}");
    assert_eq!(error["header"], "summary", "{error}");
    assert!(error["message"].as_str().unwrap().contains("never closed"));
    assert_eq!(server.catalog(), before, "nothing may be written");
    // A quoted cell over two lines, with a quote in it, closes; the rows after it keep their lines.
    for end in ["\n", "\r\n", "\r"] {
        let csv = [
            "id,kind,title,summary",
            "q1,expert,甲,\"第一行",
            "第二行 \"\"引\"\"\"",
            "bad,nokind,乙,x",
            "ok,expert,丙,y",
            "",
        ]
        .join(end);
        let reply = server.import("?format=csv", &editor, "text/csv", csv.as_bytes());
        assert_eq!(
            located(&reply),
            vec![(4, "kind".to_string())],
            "line end {end:?}"
        );
    }
    // UTF-8 Chinese, then one Latin-1 byte: refused at that byte, not read as GB18030.
    let mut mixed = "id,kind,title,organization\ne1,expert,王芳,清华大学\ne2,expert,张伟,ETH Z"
        .as_bytes()
        .to_vec();
    mixed.push(0xFC);
    mixed.extend("rich\n".as_bytes());
    let reply = server.import("?format=csv", &editor, "text/csv", &mixed);
    assert_eq!(located(&reply), vec![(3, String::new())]);
    assert!(
        reply.text().contains("the text before it is UTF-8"),
        "{}",
        reply.text()
    );
    assert_eq!(server.catalog(), before, "nothing may be written");
}

/// A file of the wrong kind is named as what it is, in words a clerk can act on: a workbook sent
/// as CSV, an .xls (or a password-protected workbook) and Excel's "Unicode text" were all "not
/// valid UTF-8 (byte N) nor GB18030", and anything not a zip sent as XLSX a zip library's error.
#[test]
fn a_file_of_the_wrong_kind_is_named() {
    let server = Server::start("wrong-kind");
    let editor = server.token("editor");
    let workbook = crate::xlsx::workbook(&[vec![crate::xlsx::Cell::Text("id")]]);
    let mut utf16 = vec![0xFF, 0xFE];
    for unit in "编号\t类型\n".encode_utf16() {
        utf16.extend(unit.to_le_bytes());
    }
    let old_excel = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1rest of an OLE file".to_vec();
    for (query, body, said) in [
        ("?format=csv", workbook.clone(), "format=xlsx"),
        ("?format=jsonl", workbook, "format=xlsx"),
        ("?format=csv", utf16, "UTF-16"),
        ("?format=csv", old_excel.clone(), ".xls"),
        ("?format=xlsx", old_excel, ".xls"),
        (
            "?format=xlsx",
            b"id,kind,title\n".to_vec(),
            "not a zip archive",
        ),
    ] {
        let reply = server.import(query, &editor, "application/octet-stream", &body);
        assert_eq!(reply.status, 422, "{query}: {}", reply.text());
        assert!(
            reply.text().contains(said),
            "{query} {said}: {}",
            reply.text()
        );
    }
}

#[test]
fn every_bad_row_is_listed_and_nothing_is_written() {
    let server = Server::start("bad-rows");
    let editor = server.token("editor");
    let before = server.catalog();
    let long_title = "长".repeat(600);
    let csv = format!(
        "id,kind,title,summary,disciplines\n\
         ok-1,achievement,好的一行,摘要,\n\
         ragged,achievement,少了一列\n\
         dup,achievement,第一次,摘要,\n\
         dup,achievement,第二次,摘要,\n\
         long,achievement,{long_title},摘要,\n\
         formula,achievement,=HYPERLINK(\"http://x\"),摘要,\n\
         plus,achievement,+SUM(A1:A2),摘要,\n\
         js,achievement,标题,javascript:alert(1),\n\
         code,achievement,标题,摘要,不存在的学科XYZ\n\
         ok-2,achievement,-5 摄氏度下的储存,+86 10 电话,\n"
    );
    let reply = server.import("?format=csv", &editor, "text/csv", csv.as_bytes());
    let errors = located(&reply);
    let lines: Vec<u64> = errors.iter().map(|(line, _)| *line).collect();
    for expected in [3, 5, 6, 7, 8, 9, 10] {
        assert!(
            lines.contains(&expected),
            "line {expected} missing: {errors:?}"
        );
    }
    assert!(
        !lines.contains(&2) && !lines.contains(&4) && !lines.contains(&11),
        "{errors:?}"
    );
    assert!(errors.contains(&(5, "id".to_string())), "{errors:?}");
    assert!(errors.contains(&(6, "title".to_string())), "{errors:?}");
    assert!(errors.contains(&(7, "title".to_string())), "{errors:?}");
    assert!(errors.contains(&(9, "summary".to_string())), "{errors:?}");
    assert_eq!(server.catalog(), before, "nothing may be written");
}

#[test]
fn jsonl_errors_formula_and_script_urls_anywhere() {
    let server = Server::start("jsonl-bad");
    let editor = server.token("editor");
    let mut formula = resource("f-1", "expert", "王五");
    formula["keywords"] = serde_json::json!(["储能", "@SUM(1)"]);
    let mut script = resource("s-1", "organization", "研究院");
    script["contact"]["email"] = serde_json::json!("JavaScript :alert(1)");
    let mut body = jsonl(&[resource("ok", "achievement", "好"), formula, script]);
    body.extend(b"{not json\n");
    let reply = server.import("?format=jsonl", &editor, "application/x-ndjson", &body);
    let errors = located(&reply);
    assert!(
        errors.contains(&(2, "keywords[1]".to_string())),
        "{errors:?}"
    );
    assert!(
        errors.contains(&(3, "contact.email".to_string())),
        "{errors:?}"
    );
    assert!(errors.iter().any(|(line, _)| *line == 4), "{errors:?}");
    assert_eq!(server.catalog().0, 0);
}

#[test]
fn dry_run_upsert_and_replace() {
    let server = Server::start("modes");
    let editor = server.token("editor");
    let catalog = jsonl(&small_catalog(10));
    let dry = server.import(
        "?format=jsonl&dry_run=true",
        &editor,
        "application/x-ndjson",
        &catalog,
    );
    assert_eq!(dry.status, 200, "{}", dry.text());
    assert_eq!(dry.json()["dry_run"], true);
    assert_eq!(server.catalog().0, 0);
    let real = server.import("?format=jsonl", &editor, "application/x-ndjson", &catalog);
    assert_eq!(
        real.json()["catalog_version"],
        dry.json()["catalog_version"]
    );
    assert_eq!(
        server.catalog().1,
        real.json()["catalog_version"].as_str().unwrap()
    );
    let more = jsonl(&[resource("extra", "expert", "李四")]);
    server.import(
        "?format=jsonl&mode=upsert",
        &editor,
        "application/x-ndjson",
        &more,
    );
    assert_eq!(server.catalog().0, 11);
    server.import(
        "?format=jsonl&mode=replace&allow_shrink=true",
        &editor,
        "application/x-ndjson",
        &more,
    );
    assert_eq!(server.catalog().0, 1);
    let unknown = server.import("", &editor, "application/octet-stream", &more);
    assert_eq!(unknown.status, 400);
    assert_eq!(unknown.error_code(), "unknown_format");
    let bad_mode = server.import("?format=jsonl&mode=merge", &editor, "text/plain", &more);
    assert_eq!(bad_mode.status, 400);
}

#[test]
fn export_imports_back_unchanged() {
    let server = Server::start("export");
    let editor = server.token("editor");
    let mut catalog = small_catalog(12);
    catalog[0]["updated_at"] = Value::String("2024-05-01T08:00:00Z".into());
    catalog[1]["expertise"] = serde_json::json!(["电池管理", "热失控"]);
    catalog[1]["position"] = serde_json::json!("教授");
    server.import(
        "?format=jsonl",
        &editor,
        "application/x-ndjson",
        &jsonl(&catalog),
    );
    let exported = server.request("GET", "/api/v1/export", Some(&editor), &[], None);
    assert_eq!(exported.status, 200);
    assert!(
        exported.text().contains("010-12345678"),
        "export keeps contacts"
    );
    let version = server.catalog().1;

    let second = Server::start("export-2");
    let editor2 = second.token("editor");
    let reply = second.import(
        "?format=jsonl&mode=replace",
        &editor2,
        "application/x-ndjson",
        &exported.body,
    );
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert_eq!(second.catalog().1, version, "same content, same version");
    let again = second.request("GET", "/api/v1/export", Some(&editor2), &[], None);
    assert_eq!(again.body, exported.body);
}
