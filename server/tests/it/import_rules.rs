//! The society clerk's rough edges of issue 17, through the importer over HTTP with real files (CSV
//! in UTF-8 and GBK, XLSX written here, JSON Lines): records without the name their kind needs are
//! refused, regions are read by name or path and stored as codes, every error is located as
//! precisely as its format allows, and HTML in text fields is read as text.

use serde_json::{json, Value};

use crate::support::{jsonl, resource, Reply, Server};
use crate::xlsx::{workbook, Cell, XLSX};

/// Every error of a 422 answer.
fn errors(reply: &Reply) -> Vec<Value> {
    assert_eq!(reply.status, 422, "{}", reply.text());
    assert_eq!(reply.error_code(), "invalid");
    reply.json()["error"]["details"]["errors"]
        .as_array()
        .unwrap()
        .clone()
}

/// The error of a 422 answer on `field` of record `id`.
fn error_on(reply: &Reply, id: &str, field: &str) -> Value {
    errors(reply)
        .into_iter()
        .find(|error| error["id"] == id && error["field"] == field)
        .unwrap_or_else(|| panic!("no error on {id} {field}: {}", reply.text()))
}

/// The answer's message, which names the first error with its location.
fn message(reply: &Reply) -> String {
    reply.json()["error"]["message"]
        .as_str()
        .unwrap()
        .to_string()
}

fn gbk(text: &str) -> Vec<u8> {
    let (bytes, _, unmappable) = encoding_rs::GBK.encode(text);
    assert!(!unmappable);
    bytes.into_owned()
}

fn text_row(cells: &[&'static str]) -> Vec<Cell<'static>> {
    cells.iter().map(|text| Cell::Text(text)).collect()
}

/// An expert or an organisation without its name was accepted when it had a summary; now they need
/// it in every format, and the error names the record and where the name goes. An achievement or a
/// patent needs a title or at least a description.
#[test]
fn a_record_without_the_name_its_kind_needs_is_refused_in_every_format() {
    let server = Server::start("nameless");
    let editor = server.token("editor");
    let csv = "编号,类型,姓名,简介\n\
               e-1,专家,,长期从事锂电池热管理研究\n\
               o-1,机构,  ,省级重点实验室\n\
               ok-1,专家,王工,储能\n";
    for (encoding, body) in [("utf-8", csv.as_bytes().to_vec()), ("gbk", gbk(csv))] {
        let reply = server.import(
            &format!("?format=csv&encoding={encoding}"),
            &editor,
            "text/csv",
            &body,
        );
        for (id, line, named) in [
            ("e-1", 2, "expert's name"),
            ("o-1", 3, "organization's name"),
        ] {
            let error = error_on(&reply, id, "title");
            assert_eq!(error["line"], line, "{encoding}");
            assert_eq!(error["column"], 3, "{encoding}");
            assert_eq!(error["header"], "姓名", "{encoding}");
            assert!(error.get("cell").is_none(), "{encoding}: {error}");
            assert!(
                error["message"].as_str().unwrap().contains(named),
                "{error}"
            );
        }
        assert_eq!(errors(&reply).len(), 2, "{}", reply.text());
    }
    let book = workbook(&[
        text_row(&["编号", "类型", "姓名", "简介"]),
        text_row(&["e-1", "专家", "", "长期从事锂电池热管理研究"]),
        text_row(&["ok-1", "专家", "王工", "储能"]),
    ]);
    let reply = server.import("?format=xlsx", &editor, XLSX, &book);
    let error = error_on(&reply, "e-1", "title");
    assert_eq!(
        (
            &error["sheet"],
            &error["cell"],
            &error["header"],
            &error["line"]
        ),
        (&json!("Sheet1"), &json!("C2"), &json!("姓名"), &json!(2))
    );
    let mut nameless = resource("e-2", "expert", "");
    nameless["title"] = json!("");
    let reply = server.import(
        "?format=jsonl",
        &editor,
        "application/x-ndjson",
        &jsonl(&[resource("ok-2", "expert", "李工"), nameless.clone()]),
    );
    let error = error_on(&reply, "e-2", "title");
    assert_eq!(error["line"], 2);
    assert!(error.get("header").is_none(), "{error}");
    let posted = server.send("POST", "/api/v1/resources", Some(&editor), Some(&nameless));
    assert_eq!(posted.status, 422, "{}", posted.text());
    assert_eq!(server.catalog().0, 0, "nothing was imported");

    let mut untitled = resource("a-1", "achievement", "");
    untitled["title"] = json!("");
    untitled["summary"] = json!("");
    let reply = server.import(
        "?format=jsonl",
        &editor,
        "application/x-ndjson",
        &jsonl(std::slice::from_ref(&untitled)),
    );
    let error = error_on(&reply, "a-1", "title");
    assert!(
        error["message"].as_str().unwrap().contains("description"),
        "{error}"
    );
    untitled["summary"] = json!("对江苏省常州地区印染行业余热回收的现状进行了调查");
    let reply = server.import(
        "?format=jsonl",
        &editor,
        "application/x-ndjson",
        &jsonl(&[untitled]),
    );
    assert_eq!(reply.status, 200, "{}", reply.text());
}

/// A region is read by code, name, short name or path in every format and route, and stored as its
/// code; an ambiguous name is refused with its candidates, located like any error.
#[test]
fn regions_are_read_by_name_and_ambiguous_ones_are_refused_with_candidates() {
    let server = Server::start("regions");
    let editor = server.token("editor");
    let written = [
        ("r-1", "广东省佛山市禅城区", "440604"),
        ("r-2", "佛山市", "440600"),
        ("r-3", "广东 佛山", "440600"),
        ("r-4", "禅城", "440604"),
        ("r-5", "440604", "440604"),
    ];
    let mut csv = String::from("编号,类型,名称,地区\n");
    for (id, region, _) in written {
        csv.push_str(&format!("{id},科技成果,成果{id},{region}\n"));
    }
    let reply = server.import("?format=csv", &editor, "text/csv", &gbk(&csv));
    assert_eq!(reply.status, 200, "{}", reply.text());
    let sheet_ids: Vec<String> = written.iter().map(|(id, _, _)| format!("x{id}")).collect();
    let mut rows = vec![text_row(&["编号", "类型", "名称", "地区"])];
    let mut lines = Vec::new();
    for ((_, region, _), id) in written.iter().zip(&sheet_ids) {
        rows.push(vec![
            Cell::Text(id),
            Cell::Text("专家"),
            Cell::Text("王工"),
            Cell::Text(region),
        ]);
        let mut record = resource(&format!("j{id}"), "expert", "王工");
        record["region"] = json!(region);
        lines.push(record);
    }
    assert_eq!(
        server.import("", &editor, XLSX, &workbook(&rows)).status,
        200
    );
    let reply = server.import(
        "?format=jsonl",
        &editor,
        "application/x-ndjson",
        &jsonl(&lines),
    );
    assert_eq!(reply.status, 200, "{}", reply.text());
    for (id, _, code) in written {
        for stored in [id.to_string(), format!("x{id}"), format!("jx{id}")] {
            let resource = server.get(&format!("/api/v1/resources/{stored}")).json();
            assert_eq!(resource["region"], code, "{stored}");
        }
    }
    // Filters read names too, on every route.
    let listed = server.get("/api/v1/resources?region=%E4%BD%9B%E5%B1%B1%E5%B8%82&limit=100");
    assert_eq!(listed.status, 200, "{}", listed.text());
    assert_eq!(listed.json()["total"], 15);
    let matched = server.send(
        "POST",
        "/api/v1/match",
        None,
        Some(&json!({"need": {"text": "成果", "region": "佛山禅城"}, "filters": {"region": "广东省佛山市禅城区"}})),
    );
    assert_eq!(matched.status, 200, "{}", matched.text());

    // An engagement's enterprise is placed the same way, and kept as a code.
    let broker = server.token("broker");
    let engagement = |region: &str| {
        server.send(
            "POST",
            "/api/v1/engagements",
            Some(&broker),
            Some(&json!({"need": {"text": "秸秆还田", "region": region}, "resource_id": "r-1", "enterprise_region": region})),
        )
    };
    let created = engagement("广东省佛山市");
    assert_eq!(created.status, 201, "{}", created.text());
    assert_eq!(created.json()["enterprise_region"], "440600");
    let refused = engagement("朝阳");
    assert_eq!(refused.status, 422, "{}", refused.text());
    for field in ["enterprise_region", "need.region"] {
        assert!(
            errors(&refused).iter().any(|error| error["field"] == field
                && error["message"]
                    .as_str()
                    .unwrap()
                    .contains("辽宁省朝阳市 211300")),
            "{field}: {}",
            refused.text()
        );
    }

    // 朝阳 is four places: refused with each of them, located by line, column, header and id.
    let candidates = [
        "北京市朝阳区 110105",
        "辽宁省朝阳市 211300",
        "辽宁省朝阳市朝阳县 211321",
        "吉林省长春市朝阳区 220104",
    ];
    let reply = server.import(
        "?format=csv",
        &editor,
        "text/csv",
        "编号,类型,名称,地区\nz-1,科技成果,成果,朝阳\n".as_bytes(),
    );
    let error = error_on(&reply, "z-1", "region");
    assert_eq!(
        (&error["line"], &error["column"], &error["header"]),
        (&json!(2), &json!(4), &json!("地区"))
    );
    for candidate in candidates {
        assert!(
            error["message"].as_str().unwrap().contains(candidate),
            "{error}"
        );
    }
    let book = workbook(&[
        text_row(&["编号", "类型", "名称", "地区"]),
        text_row(&["z-2", "科技成果", "成果", "朝阳区"]),
    ]);
    let reply = server.import("", &editor, XLSX, &book);
    let error = error_on(&reply, "z-2", "region");
    assert_eq!(error["cell"], "D2");
    assert!(
        message(&reply).contains("Sheet1!D2 (地区): z-2: region: region '朝阳区' is ambiguous"),
        "{}",
        message(&reply)
    );
    let listed = server.get("/api/v1/resources?region=%E6%9C%9D%E9%98%B3");
    assert_eq!(listed.status, 400, "{}", listed.text());
    for candidate in candidates {
        assert!(listed.text().contains(candidate), "{}", listed.text());
    }
    let matched = server.send(
        "POST",
        "/api/v1/match",
        None,
        Some(&json!({"need": {"text": "成果"}, "filters": {"region": "朝阳"}})),
    );
    assert_eq!(matched.status, 422, "{}", matched.text());
    assert!(
        matched.text().contains("北京市朝阳区 110105"),
        "{}",
        matched.text()
    );
}

/// The columns of the locating workbook and CSV: `关键词` is the tenth, column J.
const HEADERS: [&str; 10] = [
    "编号",
    "类型",
    "名称",
    "摘要",
    "学科",
    "行业",
    "单位",
    "学会",
    "合作方式",
    "关键词",
];

/// Ten rows: nine good ones (rows 2 to 10), then on row 11 record `bad-11` whose keyword cell is
/// `bad_keyword`.
fn locating_rows(bad_keyword: &str) -> Vec<Vec<String>> {
    (2..=11)
        .map(|index| {
            let (id, keyword) = if index == 11 {
                ("bad-11".to_string(), bad_keyword)
            } else {
                (format!("ok-{index}"), "秸秆")
            };
            [
                id.as_str(),
                "科技成果",
                "秸秆还田",
                "摘要",
                "",
                "",
                "某大学",
                "",
                "技术转让",
                keyword,
            ]
            .map(str::to_string)
            .to_vec()
        })
        .collect()
}

/// The XLSX error said `column 10` where it should name the cell: every error names its place as
/// precisely as the format allows, in the error and in the answer's message.
#[test]
fn every_import_error_is_located_by_cell_header_and_id() {
    let server = Server::start("located");
    let editor = server.token("editor");

    // XLSX: sheet, cell, header and id; a formula cell too.
    let data = locating_rows("=HYPERLINK(\"http://x\")");
    let mut rows = vec![HEADERS
        .iter()
        .map(|text| Cell::Text(text))
        .collect::<Vec<_>>()];
    for row in &data {
        rows.push(row.iter().map(|text| Cell::Text(text)).collect());
    }
    rows[3][3] = Cell::Formula("CONCAT(\"a\",\"b\")", "ab");
    let reply = server.import("?format=xlsx", &editor, XLSX, &workbook(&rows));
    let error = error_on(&reply, "bad-11", "keywords[0]");
    assert_eq!(
        (
            &error["sheet"],
            &error["cell"],
            &error["column"],
            &error["header"],
            &error["line"]
        ),
        (
            &json!("Sheet1"),
            &json!("J11"),
            &json!(10),
            &json!("关键词"),
            &json!(11)
        ),
        "{error}"
    );
    let formula = error_on(&reply, "ok-4", "summary");
    assert_eq!(
        (&formula["cell"], &formula["header"]),
        (&json!("D4"), &json!("摘要"))
    );
    assert!(
        message(&reply)
            .contains("first: Sheet1!D4 (摘要): ok-4: summary: is a spreadsheet formula"),
        "{}",
        message(&reply)
    );
    assert!(!reply.text().contains("column 10"), "{}", reply.text());

    // CSV, in UTF-8 and in GBK: line, column, header and id.
    let mut csv = HEADERS.join(",");
    csv.push('\n');
    for row in locating_rows("+SUM(A1:A2)") {
        csv.push_str(&row.join(","));
        csv.push('\n');
    }
    for (encoding, body) in [("utf-8", csv.as_bytes().to_vec()), ("gbk", gbk(&csv))] {
        let reply = server.import(
            &format!("?format=csv&encoding={encoding}"),
            &editor,
            "text/csv",
            &body,
        );
        let error = error_on(&reply, "bad-11", "keywords[0]");
        assert_eq!(
            (&error["line"], &error["column"], &error["header"]),
            (&json!(11), &json!(10), &json!("关键词")),
            "{encoding}: {error}"
        );
        assert!(
            error.get("cell").is_none() && error.get("sheet").is_none(),
            "{error}"
        );
        assert!(
            message(&reply).contains("first: line 11, column 10 (关键词): bad-11: keywords[0]: looks like a spreadsheet formula"),
            "{}",
            message(&reply)
        );
    }

    // JSON Lines: line, field and id.
    let mut records: Vec<Value> = (2..=10)
        .map(|index| resource(&format!("ok-{index}"), "achievement", "秸秆还田"))
        .collect();
    let mut bad = resource("bad-10", "achievement", "秸秆还田");
    bad["keywords"] = json!(["秸秆", "@SUM(1)"]);
    records.push(bad);
    let reply = server.import(
        "?format=jsonl",
        &editor,
        "application/x-ndjson",
        &jsonl(&records),
    );
    let error = error_on(&reply, "bad-10", "keywords[1]");
    assert_eq!(error["line"], 10);
    assert!(
        error.get("header").is_none() && error.get("column").is_none(),
        "{error}"
    );
    assert!(
        message(&reply).contains("first: line 10: bad-10: keywords[1]:"),
        "{}",
        message(&reply)
    );

    // Header and shape errors: a header cell, a short CSV row with its id, a cell past the header.
    let book = workbook(&[
        text_row(&["编号", "类型", "颜色"]),
        text_row(&["h-1", "专家", "红"]),
    ]);
    let reply = server.import("?format=xlsx", &editor, XLSX, &book);
    let error = &errors(&reply)[0];
    assert_eq!(
        (&error["cell"], &error["header"], &error["line"]),
        (&json!("C1"), &json!("颜色"), &json!(1)),
        "{error}"
    );
    let reply = server.import(
        "?format=csv",
        &editor,
        "text/csv",
        "编号,类型,名称\ns-1,专家\n".as_bytes(),
    );
    let error = &errors(&reply)[0];
    assert_eq!(
        (&error["line"], &error["id"]),
        (&json!(2), &json!("s-1")),
        "{error}"
    );
    let book = workbook(&[
        text_row(&["编号", "类型", "名称"]),
        text_row(&["w-1", "专家", "王工", "多出来的"]),
    ]);
    let reply = server.import("?format=xlsx", &editor, XLSX, &book);
    let error = &errors(&reply)[0];
    assert_eq!(
        (&error["cell"], &error["id"]),
        (&json!("D2"), &json!("w-1")),
        "{error}"
    );
    assert_eq!(server.catalog().0, 0);
}

/// Source HTML showed raw in summaries: free-text fields are read as text in every format (line
/// breaks and paragraphs to newlines, other tags dropped, references decoded), markup cannot hide a
/// formula, and the text stored exports and imports back unchanged.
#[test]
fn html_in_text_fields_is_read_as_text() {
    let server = Server::start("html");
    let editor = server.token("editor");
    let summary = "<p>第一段&nbsp;R&amp;D</p><p>第二段<br>第三行</p>";
    let expected = "第一段 R&D\n第二段\n第三行";
    let csv = format!(
        "编号,类型,名称,摘要,关键词,联系电话\nh-1,科技成果,<b>秸秆</b>还田,\"{}\",储能&lt;电站&gt;；<span>热失控</span>,010&nbsp;1\n",
        summary.replace('"', "\"\"")
    );
    let reply = server.import("?format=csv", &editor, "text/csv", &gbk(&csv));
    assert_eq!(reply.status, 200, "{}", reply.text());
    let book = workbook(&[
        text_row(&["编号", "类型", "名称", "摘要"]),
        vec![
            Cell::Text("h-2"),
            Cell::Text("专家"),
            Cell::Text("王工&nbsp;"),
            Cell::Text(summary),
        ],
    ]);
    assert_eq!(server.import("", &editor, XLSX, &book).status, 200);
    let mut record = resource("h-3", "organization", "<font color=red>研究院</font>");
    record["summary"] = json!(summary);
    let reply = server.import(
        "?format=jsonl",
        &editor,
        "application/x-ndjson",
        &jsonl(&[record]),
    );
    assert_eq!(reply.status, 200, "{}", reply.text());

    let one = server.get("/api/v1/resources/h-1").json();
    assert_eq!(one["title"], "秸秆还田");
    assert_eq!(one["summary"], expected);
    assert_eq!(one["keywords"], json!(["储能<电站>", "热失控"]));
    assert_eq!(server.get("/api/v1/resources/h-2").json()["title"], "王工");
    assert_eq!(
        server.get("/api/v1/resources/h-2").json()["summary"],
        expected
    );
    assert_eq!(
        server.get("/api/v1/resources/h-3").json()["title"],
        "研究院"
    );
    let exported = server.request("GET", "/api/v1/export", Some(&editor), &[], None);
    assert!(
        exported.text().contains("010&nbsp;1"),
        "a phone number is not free text"
    );

    // Exported and imported again: the same text, so the same catalog version.
    let version = server.catalog().1;
    let reply = server.import(
        "?format=jsonl&mode=replace",
        &editor,
        "application/x-ndjson",
        &exported.body,
    );
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert_eq!(server.catalog().1, version);

    // Markup cannot hide a formula.
    let reply = server.import(
        "?format=csv",
        &editor,
        "text/csv",
        "编号,类型,名称\nf-1,科技成果,<p>=1+1</p>\n".as_bytes(),
    );
    let error = error_on(&reply, "f-1", "title");
    assert!(
        error["message"].as_str().unwrap().contains("formula"),
        "{error}"
    );
}
