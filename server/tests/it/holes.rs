//! Issue 17's holes: a hostile body or caller must neither kill nor stall the service, nor reach
//! what is not theirs. Each test here failed before its fix.

use std::io::{Read as _, Write as _};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::support::{jsonl, raw, raw_from, request, resource, small_catalog, Process, Server};
use crate::xlsx::{workbook_with_parts, workbook_with_sheet, XLSX};

/// An engagement id as the answer gives it.
fn id_of(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

const SHEET_HEAD: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">"#;

/// A sheet of a header row (`id, kind, title`), then `rows` as written.
fn sheet(dimension: Option<&str>, rows: &str) -> String {
    let dimension = dimension
        .map(|reference| format!("<dimension ref=\"{reference}\"/>"))
        .unwrap_or_default();
    format!(
        "{SHEET_HEAD}{dimension}<sheetData><row r=\"1\"><c r=\"A1\" t=\"inlineStr\"><is><t>id</t></is></c><c r=\"B1\" t=\"inlineStr\"><is><t>kind</t></is></c><c r=\"C1\" t=\"inlineStr\"><is><t>title</t></is></c></row>{rows}</sheetData></worksheet>"
    )
}

fn text_cell(reference: &str, text: &str) -> String {
    format!("<c r=\"{reference}\" t=\"inlineStr\"><is><t>{text}</t></is></c>")
}

#[test]
fn a_workbook_with_a_far_cell_is_refused_without_a_dense_grid() {
    let server = Server::start("far-cell");
    let editor = server.token("editor");
    let far = format!("<row r=\"1048576\">{}</row>", text_cell("XFD1048576", "x"));
    for (dimension, query) in [
        (Some("A1:XFD1048576"), "?format=xlsx"),
        (None, "?format=xlsx"),
        (None, "?format=xlsx&dry_run=true"),
    ] {
        let book = workbook_with_sheet(sheet(dimension, &far), true);
        assert!(book.len() < 4096, "{} bytes", book.len());
        let started = Instant::now();
        let reply = server.import(query, &editor, XLSX, &book);
        assert_eq!(reply.status, 413, "{dimension:?} {query}: {}", reply.text());
        assert_eq!(reply.error_code(), "too_large");
        let message = reply.json()["error"]["message"]
            .as_str()
            .unwrap()
            .to_string();
        assert!(message.contains("XFD1048576"), "{message}");
        assert!(
            started.elapsed() < Duration::from_secs(1),
            "{:?}",
            started.elapsed()
        );
        assert_eq!(server.get("/healthz").status, 200, "the server lives");
    }
}

/// A two-sheet workbook: its first sheet (`first_state`: visible or hidden) holds `first`, the second
/// holds `second` (each the rows after the header `sheet` writes).
fn two_sheets(first_state: &str, first: &str, second: &str) -> Vec<u8> {
    let workbook = format!(
        "<workbook xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\"><sheets><sheet name=\"旧数据\" sheetId=\"1\" state=\"{first_state}\" r:id=\"rId1\"/><sheet name=\"数据\" sheetId=\"2\" r:id=\"rId2\"/></sheets></workbook>"
    );
    let relations = "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\"><Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet\" Target=\"worksheets/sheet1.xml\"/><Relationship Id=\"rId2\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet\" Target=\"worksheets/sheet2.xml\"/></Relationships>";
    let first = if first.is_empty() {
        format!("{SHEET_HEAD}<sheetData/></worksheet>")
    } else {
        sheet(None, first)
    };
    workbook_with_parts(
        first,
        vec![
            ("xl/workbook.xml", workbook),
            ("xl/_rels/workbook.xml.rels", relations.to_string()),
            ("xl/worksheets/sheet2.xml", sheet(None, second)),
        ],
        false,
    )
}

/// What a clerk's workbook may hold besides its data: a hidden sheet of old rows first (passed
/// over: the first visible sheet is read), an empty sheet first (refused, naming the others), a
/// long code typed as a number (Excel kept 15 of its digits: refused where it is), and a cell
/// reference past Excel's bounds (the reader's arithmetic overflowed: a 500, or a far cell on row
/// 2 in a release build; refused, naming it).
#[test]
fn hidden_and_empty_sheets_long_numbers_and_bad_references_are_located() {
    let server = Server::start("xlsx-clerk");
    let editor = server.token("editor");
    let row = |id: &str| {
        format!(
            "<row r=\"2\">{}{}{}</row>",
            text_cell("A2", id),
            text_cell("B2", "expert"),
            text_cell("C2", "张三")
        )
    };
    let reply = server.import(
        "?format=xlsx",
        &editor,
        XLSX,
        &two_sheets("hidden", &row("old-1"), &row("new-1")),
    );
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert_eq!(server.get("/api/v1/resources/new-1").status, 200);
    assert_eq!(server.get("/api/v1/resources/old-1").status, 404);
    let before = server.catalog();
    let reply = server.import(
        "?format=xlsx",
        &editor,
        XLSX,
        &two_sheets("visible", "", &row("new-2")),
    );
    assert_eq!(reply.status, 422, "{}", reply.text());
    assert!(
        reply.text().contains("'旧数据' is empty") && reply.text().contains("'数据'"),
        "{}",
        reply.text()
    );
    let long = format!(
        "<row r=\"2\"><c r=\"A2\"><v>440305123456789012</v></c>{}{}</row>",
        text_cell("B2", "expert"),
        text_cell("C2", "张三")
    );
    let reply = server.import(
        "?format=xlsx",
        &editor,
        XLSX,
        &workbook_with_sheet(sheet(None, &long), false),
    );
    assert_eq!(reply.status, 422, "{}", reply.text());
    let error = &reply.json()["error"]["details"]["errors"][0];
    assert_eq!(error["cell"], "A2", "{error}");
    assert!(error["message"].as_str().unwrap().contains("15"), "{error}");
    for reference in ["A4294967296", "ZZZZZZZZ2"] {
        let bad = format!("<row r=\"2\">{}</row>", text_cell(reference, "x"));
        let reply = server.import(
            "?format=xlsx",
            &editor,
            XLSX,
            &workbook_with_sheet(sheet(None, &bad), false),
        );
        assert_eq!(reply.status, 422, "{reference}: {}", reply.text());
        assert!(reply.text().contains(reference), "{}", reply.text());
    }
    assert_eq!(server.catalog(), before, "nothing more may be written");
}

#[test]
fn workbook_bounds_are_configurable_and_located() {
    let server = Server::start_config(
        "xlsx-bounds",
        "import_max_rows = 3\nxlsx_max_bytes = 200000\nxlsx_max_cells = 100\nxlsx_max_columns = 8\n",
    );
    let editor = server.token("editor");
    let row = |n: usize| {
        format!(
            "<row r=\"{n}\">{}{}{}</row>",
            text_cell(&format!("A{n}"), &format!("id-{n}")),
            text_cell(&format!("B{n}"), "expert"),
            text_cell(&format!("C{n}"), "张三"),
        )
    };
    let rows: String = (2..=5).map(row).collect();
    let reply = server.import(
        "?format=xlsx",
        &editor,
        XLSX,
        &workbook_with_sheet(sheet(None, &rows), true),
    );
    assert_eq!(reply.status, 413, "{}", reply.text());
    let message = reply.json()["error"]["message"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        message.contains("row 5") && message.contains('3'),
        "{message}"
    );
    // A part that inflates past the bound is refused by its size, before it is read.
    let padding = format!(
        "<row r=\"2\">{}</row>",
        text_cell("A2", &" ".repeat(300_000))
    );
    let reply = server.import(
        "?format=xlsx",
        &editor,
        XLSX,
        &workbook_with_sheet(sheet(None, &padding), true),
    );
    assert_eq!(reply.status, 413, "{}", reply.text());
    let message = reply.json()["error"]["message"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        message.contains("sheet1.xml") && message.contains("200000"),
        "{message}"
    );
    // The parts the reader takes whole before any cell: shared strings count as cells, and a
    // workbook's styles and its workbook part have a bound of their own (below, with the default
    // limits). Each is small once deflated: a 555 KB upload of 12 million styles took 2.2 GB of
    // memory, and was imported.
    let one_row = format!("<row r=\"2\">{}</row>", text_cell("A2", "id-2"));
    let strings = format!(
        "<sst xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\">{}</sst>",
        "<si><t>a</t></si>".repeat(101)
    );
    let reply = server.import(
        "?format=xlsx",
        &editor,
        XLSX,
        &workbook_with_parts(
            sheet(None, &one_row),
            vec![("xl/sharedStrings.xml", strings)],
            true,
        ),
    );
    assert_eq!(reply.status, 413, "{}", reply.text());
    assert!(
        reply.text().contains("xl/sharedStrings.xml")
            && reply.text().contains("101 shared strings"),
        "{}",
        reply.text()
    );
    let defaults = Server::start("xlsx-eager-parts");
    let editor_of_defaults = defaults.token("editor");
    let styles = format!(
        "<styleSheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><cellXfs>{}</cellXfs></styleSheet>",
        "<xf numFmtId=\"14\"/>".repeat(600_000)
    );
    let names = format!(
        "<workbook xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\"><sheets><sheet name=\"Sheet1\" sheetId=\"1\" r:id=\"rId1\"/></sheets><definedNames>{}</definedNames></workbook>",
        "<definedName name=\"a\">b</definedName>".repeat(300_000)
    );
    // One cell's text of 2 MiB (Excel holds at most 32,767 characters in a cell).
    let long_cell = format!(
        "<row r=\"2\">{}</row>",
        text_cell("A2", &"长".repeat(700_000))
    );
    let upload = workbook_with_sheet(sheet(None, &long_cell), true);
    let reply = defaults.import("?format=xlsx", &editor_of_defaults, XLSX, &upload);
    assert_eq!(reply.status, 413, "{}", reply.text());
    assert!(
        reply.text().contains("sheet1.xml") && reply.text().contains("at most 1048576 bytes"),
        "{}",
        reply.text()
    );
    for (part, content) in [("xl/styles.xml", styles), ("xl/workbook.xml", names)] {
        let upload = workbook_with_parts(sheet(None, &one_row), vec![(part, content)], true);
        assert!(upload.len() < 200_000, "{}", upload.len());
        let reply = defaults.import("?format=xlsx", &editor_of_defaults, XLSX, &upload);
        assert_eq!(reply.status, 413, "{part}: {}", reply.text());
        assert!(
            reply.text().contains(part) && reply.text().contains("XML tags"),
            "{}",
            reply.text()
        );
    }
    // Columns past the bound, and a declared dimension past it.
    let wide = format!("<row r=\"2\">{}</row>", text_cell("J2", "x"));
    let reply = server.import(
        "?format=xlsx",
        &editor,
        XLSX,
        &workbook_with_sheet(sheet(None, &wide), false),
    );
    assert_eq!(reply.status, 413, "{}", reply.text());
    assert!(reply.text().contains("J2"), "{}", reply.text());
    let reply = server.import(
        "?format=xlsx",
        &editor,
        XLSX,
        &workbook_with_sheet(sheet(Some("A1:C9999"), ""), false),
    );
    assert_eq!(reply.status, 413, "{}", reply.text());
    // The same bound on rows holds for JSON Lines and CSV.
    let reply = server.import(
        "?format=jsonl",
        &editor,
        "application/x-ndjson",
        &jsonl(&small_catalog(4)),
    );
    assert_eq!(reply.status, 413, "{}", reply.text());
    let reply = server.import(
        "?format=jsonl",
        &editor,
        "application/x-ndjson",
        &jsonl(&small_catalog(3)),
    );
    assert_eq!(reply.status, 200, "{}", reply.text());
}

/// A note (or need) of a million `+` used to take 20 s to refuse, on an async worker.
#[test]
fn a_million_signs_are_refused_within_a_second_and_health_answers() {
    // Requests run at once on a real server's workers.
    let server = Process::start("signs");
    let editor = server.token("editor");
    let broker = server.token("broker");
    let reply = server.import(
        "?format=jsonl",
        &editor,
        "application/x-ndjson",
        &jsonl(&small_catalog(2)),
    );
    assert_eq!(reply.status, 200);
    let created = server.send(
        "POST",
        "/api/v1/engagements",
        Some(&broker),
        Some(&json!({"need": {"text": "锂电池"}, "resource_id": "r-00000"})),
    );
    assert_eq!(created.status, 201, "{}", created.text());
    let id = id_of(&created.json()["id"]);
    let signs = "+".repeat(1_000_000);
    let bodies: Vec<(String, Value)> = vec![
        (
            format!("/api/v1/engagements/{id}/transitions"),
            json!({"to": "contacted", "note": signs}),
        ),
        (
            "/api/v1/engagements".to_string(),
            json!({"need": {"text": signs}, "resource_id": "r-00000"}),
        ),
        (
            "/api/v1/engagements".to_string(),
            json!({"need": {"text": "x"}, "resource_id": "r-00000", "fair": signs}),
        ),
    ];
    let hostile: Vec<_> = bodies
        .into_iter()
        .map(|(path, body)| {
            let url = server.url(&path);
            let broker = broker.clone();
            std::thread::spawn(move || {
                let started = Instant::now();
                let reply = request(
                    "POST",
                    &url,
                    Some(&broker),
                    &[],
                    Some(("application/json", body.to_string().into_bytes())),
                );
                (reply.status, started.elapsed())
            })
        })
        .collect();
    std::thread::sleep(Duration::from_millis(100));
    let started = Instant::now();
    assert_eq!(server.get("/healthz").status, 200);
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "healthz took {:?}",
        started.elapsed()
    );
    for handle in hostile {
        let (status, took) = handle.join().unwrap();
        assert_eq!(status, 422);
        assert!(
            took < Duration::from_secs(1),
            "a hostile body took {took:?}"
        );
    }
    let own = server.send(
        "GET",
        &format!("/api/v1/engagements/{id}"),
        Some(&broker),
        None,
    );
    assert_eq!(own.json()["status"], "intent");
}

#[test]
fn a_broker_neither_moves_nor_reads_another_brokers_engagement() {
    let server = Server::start("owner");
    let editor = server.token("editor");
    let reply = server.import(
        "?format=jsonl",
        &editor,
        "application/x-ndjson",
        &jsonl(&small_catalog(2)),
    );
    assert_eq!(reply.status, 200);
    let owner = server.token("broker");
    let other = server.token("broker");
    let body = json!({"need": {"text": "锂电池"}, "resource_id": "r-00000"});
    let first = server.send("POST", "/api/v1/engagements", Some(&owner), Some(&body));
    let second = server.send("POST", "/api/v1/engagements", Some(&owner), Some(&body));
    let id = id_of(&first.json()["id"]);
    let next = id_of(&second.json()["id"]);
    let path = format!("/api/v1/engagements/{id}");
    for (method, path, body) in [
        (
            "POST",
            format!("{path}/transitions"),
            Some(json!({"to": "dropped"})),
        ),
        (
            "POST",
            format!("{path}/transitions"),
            Some(json!({"to": "signed"})),
        ),
        ("GET", path.clone(), None),
    ] {
        let reply = server.send(method, &path, Some(&other), body.as_ref());
        assert_eq!(reply.status, 404, "{method} {path}: {}", reply.text());
        let text = reply.text();
        assert!(
            !text.contains("intent") && !text.contains("current"),
            "{text}"
        );
        // The same answer as for an id that does not exist.
        let missing = server.send(
            method,
            &path.replace(&id, &"0".repeat(32)),
            Some(&other),
            body.as_ref(),
        );
        assert_eq!(missing.status, 404);
        assert_eq!(missing.text().replace(&"0".repeat(32), &id), text);
    }
    // Ids are 128 random bits: nothing to count on.
    for id in [&id, &next] {
        assert_eq!(id.len(), 32, "{id}");
        assert!(id.bytes().all(|b| b.is_ascii_hexdigit()), "{id}");
    }
    assert_ne!(id, next);
    let record = server.send("GET", &path, Some(&editor), None).json();
    assert_eq!(record["status"], "intent");
    assert_eq!(record["history"].as_array().unwrap().len(), 1);
    // The owner and an editor still move it.
    let moved = server.send(
        "POST",
        &format!("{path}/transitions"),
        Some(&owner),
        Some(&json!({"to": "contacted"})),
    );
    assert_eq!(moved.status, 200, "{}", moved.text());
    let moved = server.send(
        "POST",
        &format!("{path}/transitions"),
        Some(&editor),
        Some(&json!({"to": "negotiating"})),
    );
    assert_eq!(moved.status, 200, "{}", moved.text());
}

/// A store written before ids were random keeps its records: they get random ids, their old numbers
/// still find them (for their owner), and everything else is unchanged.
#[test]
fn engagements_stored_with_sequential_ids_keep_working() {
    if crate::support::postgres().is_some() {
        // A SQLite data folder from before public ids: there is no such PostgreSQL store.
        return;
    }
    let dir = crate::support::temp_dir("legacy");
    let owner = "b".repeat(64);
    {
        use sha2::Digest as _;
        let hash = sha2::Sha256::digest(owner.as_bytes()).to_vec();
        let token_id: String = hash[..8].iter().map(|byte| format!("{byte:02x}")).collect();
        let connection = rusqlite::Connection::open(dir.join("duijie.sqlite3")).unwrap();
        connection
            .execute_batch(&include_str!("legacy_engagements.sql").replace("OWNER", &token_id))
            .unwrap();
        connection
            .execute(
                "INSERT INTO tokens (hash, scope) VALUES (?1, 'broker')",
                rusqlite::params![hash],
            )
            .unwrap();
    }
    let server = Server::start_with(&dir, &["--no-demo"]);
    let editor = server.token("editor");
    let listed = server
        .send("GET", "/api/v1/engagements", Some(&editor), None)
        .json();
    assert_eq!(listed["total"], 2);
    let ids: Vec<String> = listed["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["id"].as_str().unwrap().to_string())
        .collect();
    assert!(ids.iter().all(|id| id.len() == 32), "{ids:?}");
    // Newest first, as before.
    assert_eq!(listed["items"][0]["need"]["text"], "第二条");
    let old = server.send("GET", "/api/v1/engagements/1", Some(&owner), None);
    assert_eq!(old.status, 200, "{}", old.text());
    assert_eq!(old.json()["id"], ids[1].as_str());
    assert_eq!(old.json()["status"], "contacted");
    assert_eq!(old.json()["history"].as_array().unwrap().len(), 2);
    let by_new = server.send(
        "GET",
        &format!("/api/v1/engagements/{}", ids[1]),
        Some(&owner),
        None,
    );
    assert_eq!(by_new.json(), old.json());
    let moved = server.send(
        "POST",
        "/api/v1/engagements/1/transitions",
        Some(&owner),
        Some(&json!({"to": "negotiating"})),
    );
    assert_eq!(moved.status, 200, "{}", moved.text());
    let stats = server
        .send("GET", "/api/v1/stats?group_by=kind", Some(&editor), None)
        .json();
    assert_eq!(stats["overall"]["engagements"], 2);
    // A restart does not give them new ids again.
    drop(server);
    let server = Server::start_with(&dir, &["--no-demo"]);
    let again = server
        .send("GET", "/api/v1/engagements", Some(&editor), None)
        .json();
    assert_eq!(again["items"][1]["id"], ids[1].as_str());
}

/// Imports the server refuses, and the growth of its peak memory (MiB) against the body's size.
fn refused_import_growth(name: &str, body: &[u8]) -> (u64, u64, Value) {
    let server = Process::start(name);
    let editor = server.token("editor");
    let before = server.memory_kib("VmRSS");
    let reply = server.import("?format=jsonl", &editor, "application/x-ndjson", body);
    assert_eq!(reply.status, 422, "{}", reply.text());
    let grew_mib = server.memory_kib("VmHWM").saturating_sub(before) / 1024;
    let body_mib = (body.len() >> 20) as u64;
    eprintln!("{name}: peak RSS grew by {grew_mib} MiB for a {body_mib} MiB body");
    (grew_mib, body_mib, reply.json())
}

/// 32 MiB of bad lines used to cost gigabytes (one located error kept per line); 500,000 small
/// valid rows before one bad row cost a resource each (a few hundred bytes, whatever the row).
#[test]
fn an_invalid_import_costs_a_small_multiple_of_its_body() {
    let mut body = Vec::with_capacity(32 << 20);
    let mut n = 0;
    while body.len() < 32 << 20 {
        // About 45 bytes a line: 750,000 lines, under the bound on rows.
        if n % 2 == 0 {
            body.extend_from_slice(b"not json: this line is not a resource at all\n");
        } else {
            body.extend_from_slice(b"{\"id\":\"x-0000000\",\"kind\":\"robot\",\"title\":\"\"}\n");
        }
        n += 1;
    }
    let (grew_mib, body_mib, answer) = refused_import_growth("memory", &body);
    let error = &answer["error"];
    let listed = error["details"]["errors"].as_array().unwrap().len();
    assert!(listed <= 1000, "{listed}");
    let total = error["details"]["total"].as_u64().unwrap();
    assert!(total >= n as u64, "{total} errors for {n} lines");
    let message = error["message"].as_str().unwrap();
    assert!(message.contains("more"), "{message}");
    // The bound server/README.md states: three times the body, plus 128 MiB.
    assert!(
        grew_mib <= 3 * body_mib + 128,
        "grew by {grew_mib} MiB for {body_mib} MiB"
    );

    let mut body = Vec::new();
    for i in 0..500_000 {
        body.extend_from_slice(
            format!("{{\"id\":\"a{i:07}\",\"kind\":\"expert\",\"title\":\"x\"}}\n").as_bytes(),
        );
    }
    body.extend_from_slice(b"{\"id\":\"bad\",\"kind\":\"robot\",\"title\":\"x\"}\n");
    let (grew_mib, body_mib, answer) = refused_import_growth("memory-small-rows", &body);
    assert_eq!(answer["error"]["details"]["total"], 1);
    assert!(
        grew_mib <= 3 * body_mib + 128,
        "grew by {grew_mib} MiB for {body_mib} MiB"
    );
}

#[test]
fn an_empty_or_shrinking_replace_is_refused_unless_allowed() {
    let server = Server::start("shrink");
    let editor = server.token("editor");
    let reply = server.import(
        "?format=jsonl",
        &editor,
        "application/x-ndjson",
        &jsonl(&small_catalog(10)),
    );
    assert_eq!(reply.status, 200);
    for query in [
        "?format=csv&mode=replace",
        "?format=csv&mode=replace&allow_shrink=true",
        "?format=csv&mode=replace&dry_run=true",
    ] {
        let reply = server.import(query, &editor, "text/csv", b"id,kind,title\n");
        assert_eq!(reply.status, 422, "{query}: {}", reply.text());
        assert!(reply.text().contains("no rows"), "{}", reply.text());
    }
    assert_eq!(server.catalog().0, 10);
    let few = jsonl(&small_catalog(4));
    let reply = server.import(
        "?format=jsonl&mode=replace",
        &editor,
        "application/x-ndjson",
        &few,
    );
    assert_eq!(reply.status, 409, "{}", reply.text());
    assert!(reply.text().contains("allow_shrink"), "{}", reply.text());
    assert_eq!(server.catalog().0, 10);
    let half = jsonl(&small_catalog(5));
    let reply = server.import(
        "?format=jsonl&mode=replace",
        &editor,
        "application/x-ndjson",
        &half,
    );
    assert_eq!(
        reply.status,
        200,
        "removing half is allowed: {}",
        reply.text()
    );
    let reply = server.import(
        "?format=jsonl&mode=replace&allow_shrink=true",
        &editor,
        "application/x-ndjson",
        &jsonl(&small_catalog(1)),
    );
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert_eq!(server.catalog().0, 1);
}

/// 2,000 idle connections from one address, against a server started with a soft open-file limit
/// of 1,024: another client (another loopback address) is still answered at once.
#[test]
fn idle_sockets_past_a_low_open_file_limit_leave_the_service_up() {
    let server = Process::start_with_nofile("nofile", 1024);
    let idle: Vec<TcpStream> = (0..2000)
        .filter_map(|_| TcpStream::connect(server.addr()).ok())
        .collect();
    assert_eq!(idle.len(), 2000);
    std::thread::sleep(Duration::from_millis(500));
    let started = Instant::now();
    let reply = raw_from(
        "127.0.0.2",
        server.addr(),
        b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        Duration::from_secs(5),
    );
    assert!(reply.starts_with("HTTP/1.1 200"), "{reply}");
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
    drop(idle);
}

#[test]
fn connections_are_capped_per_client_and_slow_heads_are_cut() {
    let server = Process::start_config(
        "conns",
        "max_connections_per_ip = 8\nclient_request_timeout_secs = 1\n",
    );
    let idle: Vec<TcpStream> = (0..8)
        .map(|_| TcpStream::connect(server.addr()).unwrap())
        .collect();
    std::thread::sleep(Duration::from_millis(200));
    let shed = raw(
        server.addr(),
        b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n",
        Duration::from_secs(3),
    );
    assert!(shed.starts_with("HTTP/1.1 503"), "{shed}");
    assert!(shed.to_ascii_lowercase().contains("retry-after"), "{shed}");
    // A client that sends its head too slowly is cut off, which frees its place.
    let mut slow = idle;
    let mut first = slow.remove(0);
    first.write_all(b"GET /healthz HTTP/1.1\r\n").unwrap();
    first
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let started = Instant::now();
    let mut answer = Vec::new();
    let _ = first.read_to_end(&mut answer);
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "{:?}",
        started.elapsed()
    );
    drop(slow);
    std::thread::sleep(Duration::from_millis(1500));
    let reply = raw(
        server.addr(),
        b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        Duration::from_secs(3),
    );
    assert!(reply.starts_with("HTTP/1.1 200"), "{reply}");
}

/// Behind a reverse proxy named in `trusted_proxies`, the per-client limits and `metrics_access`
/// take the client from `X-Forwarded-For`: one client's bad tokens no longer lock out every
/// token holder behind the same proxy, and a client outside is not taken for one on this host.
#[test]
fn behind_a_trusted_proxy_each_client_is_its_own() {
    let server = Server::start_config("proxied", "trusted_proxies = [\"127.0.0.1\"]\n");
    let good = server.token("editor");
    let from = |client: &str, token: &str| {
        server
            .request(
                "GET",
                "/api/v1/whoami",
                Some(token),
                &[("X-Forwarded-For", client)],
                None,
            )
            .status
    };
    let mut limited = false;
    for guess in 0..100 {
        match from("203.0.113.7", &format!("{guess:064x}")) {
            429 => {
                limited = true;
                break;
            }
            status => assert_eq!(status, 401),
        }
    }
    assert!(
        limited,
        "100 wrong tokens from one client were all answered 401"
    );
    assert_eq!(from("203.0.113.7", &good), 429, "the guesser stays limited");
    assert_eq!(from("203.0.113.8", &good), 200, "another client is not");
    // The metrics are for this host: a client outside, through the proxy, is refused.
    let metrics = server.request(
        "GET",
        "/metrics",
        None,
        &[("X-Forwarded-For", "203.0.113.8")],
        None,
    );
    assert_eq!(metrics.status, 403, "{}", metrics.text());
}

#[test]
fn token_guessing_and_match_floods_get_429() {
    // The default allowance of unknown tokens; a small one for matches, so that a debug build's
    // slow matches cannot refill it.
    let server = Process::start_config("flood", "match_rate = 2\nmatch_burst = 5\n");
    let mut limited = None;
    for guess in 0..200 {
        let reply = server.send(
            "GET",
            "/api/v1/whoami",
            Some(&format!("{guess:064x}")),
            None,
        );
        if reply.status == 429 {
            limited = Some(reply);
            break;
        }
        assert_eq!(reply.status, 401);
    }
    let limited = limited.expect("200 wrong tokens in a row were all answered 401");
    assert_eq!(limited.error_code(), "rate_limited");
    assert!(
        limited
            .header("retry-after")
            .unwrap()
            .parse::<u64>()
            .unwrap()
            >= 1
    );
    // Public reads without a token still answer.
    assert_eq!(server.get("/api/v1/resources").status, 200);
    let body = json!({"need": {"text": "锂电池"}});
    let mut statuses = Vec::new();
    for _ in 0..20 {
        statuses.push(server.send("POST", "/api/v1/match", None, Some(&body)));
    }
    let refused = statuses
        .iter()
        .find(|reply| reply.status == 429)
        .expect("20 matches at once were all answered");
    assert!(refused.header("retry-after").is_some());
    assert!(statuses[0].status == 200);
}

#[test]
fn metrics_can_need_a_token() {
    let server = Server::start_config("metrics", "metrics_access = \"token\"\n");
    assert_eq!(server.get("/metrics").status, 401);
    let admin = server.token("admin");
    let reply = server.send("GET", "/metrics", Some(&admin), None);
    assert_eq!(reply.status, 200);
    let broker = server.token("broker");
    assert_eq!(
        server.send("GET", "/metrics", Some(&broker), None).status,
        403
    );
}

#[test]
fn chunked_bodies_over_the_limit_trace_and_content_types() {
    let server = Process::start_config("minor", "body_limit = 2000\n");
    let mut chunked = b"POST /api/v1/match HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n".to_vec();
    for _ in 0..10 {
        chunked.extend_from_slice(b"3e8\r\n");
        chunked.extend(std::iter::repeat_n(b' ', 1000));
        chunked.extend_from_slice(b"\r\n");
    }
    chunked.extend_from_slice(b"0\r\n\r\n");
    let reply = raw(server.addr(), &chunked, Duration::from_secs(5));
    assert!(reply.starts_with("HTTP/1.1 413"), "{reply}");
    for path in ["/api/v1/resources", "/healthz", "/", "/api/v1/nothing"] {
        let reply = raw(
            server.addr(),
            format!("TRACE {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").as_bytes(),
            Duration::from_secs(5),
        );
        assert!(reply.starts_with("HTTP/1.1 405"), "{path}: {reply}");
    }
    let reply = request("DELETE", &server.url("/api/v1/match"), None, &[], None);
    assert_eq!(reply.status, 405);
    assert_eq!(reply.header("allow"), Some("POST"));
    let body = br#"{"need": {"text": "x"}}"#.to_vec();
    for content_type in [
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
    ] {
        let reply = request(
            "POST",
            &server.url("/api/v1/match"),
            None,
            &[],
            Some((content_type, body.clone())),
        );
        assert_eq!(reply.status, 415, "{content_type}");
        assert_eq!(reply.error_code(), "unsupported_media_type");
    }
    let reply = request(
        "POST",
        &server.url("/api/v1/match"),
        None,
        &[],
        Some(("application/json; charset=utf-8", body)),
    );
    assert_eq!(reply.status, 200, "{}", reply.text());
}

/// Who may call a route.
#[derive(Clone, Copy, PartialEq)]
enum Access {
    Public,
    /// Any valid token.
    Token,
    /// An editor or admin token.
    Writer,
    /// An editor or admin token, or the broker that recorded the engagement.
    Owner,
    /// An editor, admin or enterprise token (a need of the enterprise's own organisation), or a
    /// broker (creating a need for an enterprise it names; it may not replace or delete one).
    NeedWriter,
    /// A broker, editor or admin token, or the owning enterprise (a members' need).
    Member,
}

/// Who may call each route, written out; every route of the route table must be here.
fn access_of(method: &str, path: &str) -> Option<Access> {
    use Access::{Member, NeedWriter, Owner, Public, Token, Writer};
    Some(match (method, path) {
        (
            "GET",
            "/healthz" | "/readyz" | "/metrics" | "/api/openapi.json" | "/api/v1/resources",
        )
        | ("GET", "/api/v1/resources/{id}" | "/api/v1/snapshot" | "/api/v1/taxonomies/{name}")
        | ("GET", "/dashboard" | "/dashboard/dashboard.js")
        | ("GET", "/dashboard/demand" | "/dashboard/demand.js" | "/api/v1/demand")
        | ("GET", "/api/v1/import/templates" | "/api/v1/import/templates/{name}")
        | ("GET", "/api/v1/demo" | "/api/v1/embed/check")
        | ("GET", "/api/v1/needs" | "/api/v1/resources/{id}/needs")
        | ("POST", "/api/v1/match") => Public,
        // The secret in the path is the permission.
        ("GET", "/api/v1/calendars/{secret}/agenda.ics") => Public,
        ("DELETE", "/api/v1/demo") => Writer,
        ("POST", "/api/v1/resources" | "/api/v1/import" | "/api/v1/needs/import")
        | ("PUT" | "DELETE", "/api/v1/resources/{id}" | "/api/v1/needs/{id}")
        | ("GET", "/api/v1/export" | "/api/v1/engagements" | "/api/v1/stats")
        | ("GET", "/api/v1/needs/export" | "/api/v1/push/stats") => Writer,
        ("POST", "/api/v1/needs") => NeedWriter,
        ("GET", "/api/v1/needs/{id}" | "/api/v1/needs/{id}/matches") => Member,
        ("POST", "/api/v1/fairs" | "/api/v1/fairs/{id}/participants")
        | ("PUT", "/api/v1/fairs/{id}" | "/api/v1/fairs/{id}/participants/{participant}")
        | ("POST", "/api/v1/fairs/{id}/participants/import" | "/api/v1/fairs/{id}/requests/bulk")
        | ("POST", "/api/v1/fairs/{id}/schedule" | "/api/v1/fairs/{id}/schedule/publish")
        | ("GET", "/api/v1/fairs/{id}/suggestions") => Writer,
        ("GET", "/api/v1/fairs" | "/api/v1/fairs/{id}" | "/api/v1/fairs/{id}/participants")
        | ("GET", "/api/v1/fairs/{id}/requests") => Token,
        // The matrix's enterprise is not the need's: the request, its answer and the agendas
        // are a broker's, the organiser's or the owning enterprise's.
        (
            "POST",
            "/api/v1/fairs/{id}/requests" | "/api/v1/fairs/{id}/requests/{request}/answer",
        )
        | ("GET", "/api/v1/fairs/{id}/schedule" | "/api/v1/fairs/{id}/plan")
        | ("GET", "/api/v1/fairs/{id}/stats" | "/api/v1/fairs/{id}/day")
        | ("POST", "/api/v1/fairs/{id}/checkins")
        | ("POST", "/api/v1/fairs/{id}/meetings/{request}/outcome")
        | ("POST", "/api/v1/fairs/{id}/participants/{participant}/calendar")
        | (
            "GET",
            "/api/v1/fairs/{id}/participants/{participant}/agenda"
            | "/api/v1/fairs/{id}/participants/{participant}/agenda.ics",
        ) => Member,
        ("GET" | "POST", "/api/v1/subscriptions")
        | ("GET" | "PATCH" | "DELETE", "/api/v1/subscriptions/{id}") => Token,
        ("GET" | "POST", "/unsubscribe/{token}") | ("GET", "/feeds/{token}.atom") => Public,
        ("GET", "/api/v1/whoami") | ("POST", "/api/v1/engagements") => Token,
        ("GET", "/api/v1/engagements/{id}") | ("POST", "/api/v1/engagements/{id}/transitions") => {
            Owner
        }
        _ => return None,
    })
}

/// Every route of the route table with no token, a wrong one and each scope's (a broker that is
/// not the engagement's owner): no 2xx where `access_of` says the caller may not go.
#[test]
fn auth_matrix_has_no_unexpected_success() {
    use duijie_server::routes::routes;
    let server = Server::start_config("matrix", "auth_failures_per_min = 0\nmatch_rate = 0\n");
    let editor = server.token("editor");
    let reply = server.import(
        "?format=jsonl",
        &editor,
        "application/x-ndjson",
        &jsonl(&small_catalog(4)),
    );
    assert_eq!(reply.status, 200);
    let owner = server.token("broker");
    let created = server.send(
        "POST",
        "/api/v1/engagements",
        Some(&owner),
        Some(&json!({"need": {"text": "锂电池"}, "resource_id": "r-00000"})),
    );
    let engagement = id_of(&created.json()["id"]);
    // A members' need of an organisation that the matrix's enterprise token is not.
    let need = json!({"id": "n-1", "title": "锂电池回收", "organization": "甲公司", "visibility": "members"});
    let reply = server.send("POST", "/api/v1/needs", Some(&editor), Some(&need));
    assert_eq!(reply.status, 201, "{}", reply.text());
    // A fair past its request deadline with that need and a resource registered, one request
    // between them, and a schedule.
    let settings = crate::fairs::settings(crate::fairs::PAST);
    let reply = server.send("POST", "/api/v1/fairs", Some(&editor), Some(&settings));
    assert_eq!(reply.status, 201, "{}", reply.text());
    let fair = reply.json()["id"].as_str().unwrap().to_string();
    for participant in [json!({"need": "n-1"}), json!({"resource": "r-00001"})] {
        let reply = server.send(
            "POST",
            &format!("/api/v1/fairs/{fair}/participants"),
            Some(&editor),
            Some(&participant),
        );
        assert_eq!(reply.status, 201, "{}", reply.text());
    }
    let pair = json!({"need": "n-1", "resource": "r-00001"});
    let reply = server.send(
        "POST",
        &format!("/api/v1/fairs/{fair}/requests"),
        Some(&editor),
        Some(&pair),
    );
    assert_eq!(reply.status, 201, "{}", reply.text());
    let fair_request = reply.json()["id"].as_str().unwrap().to_string();
    let tokens: Vec<(&str, Option<String>)> = vec![
        ("none", None),
        ("wrong", Some("f".repeat(64))),
        ("broker", Some(server.token("broker"))),
        ("editor", Some(editor.clone())),
        ("admin", Some(server.token("admin"))),
        (
            "enterprise",
            Some(crate::support::enterprise_token(&server.data, "乙公司")),
        ),
    ];
    let mut unexpected = Vec::new();
    let mut checked = 0;
    for route in routes() {
        let access = access_of(route.method.as_str(), &route.path)
            .unwrap_or_else(|| panic!("{} {} is not in access_of", route.method, route.path));
        let path = route
            .path
            .replace(
                "{id}",
                if route.path.contains("engagements") {
                    &engagement
                } else if route.path.starts_with("/api/v1/fairs/") {
                    &fair
                } else if route.path.starts_with("/api/v1/needs/") {
                    "n-1"
                } else {
                    "r-00001"
                },
            )
            .replace("{name}", "modes")
            .replace("{participant}", "need:n-1")
            .replace("{request}", &fair_request);
        let body = match (route.method.as_str(), route.path.as_str()) {
            ("POST", "/api/v1/import") => Some((
                "application/x-ndjson",
                jsonl(&[resource("m-1", "expert", "李四")]),
            )),
            ("POST", "/api/v1/engagements") => Some((
                "application/json",
                json!({"need": {"text": "x"}, "resource_id": "r-00001"})
                    .to_string()
                    .into_bytes(),
            )),
            ("POST", "/api/v1/engagements/{id}/transitions") => Some((
                "application/json",
                json!({"to": "contacted"}).to_string().into_bytes(),
            )),
            ("POST", "/api/v1/match") => Some((
                "application/json",
                json!({"need": {"text": "x"}}).to_string().into_bytes(),
            )),
            ("POST", "/api/v1/needs/import") => Some((
                "application/x-ndjson",
                jsonl(&[json!({"id": "n-2", "title": "储能", "organization": "甲公司"})]),
            )),
            // Without an organisation: an enterprise's own.
            ("POST", "/api/v1/needs") => Some((
                "application/json",
                json!({"title": "储能"}).to_string().into_bytes(),
            )),
            ("POST", "/api/v1/fairs") | ("PUT", "/api/v1/fairs/{id}") => {
                Some(("application/json", settings.to_string().into_bytes()))
            }
            ("POST", "/api/v1/fairs/{id}/participants") => Some((
                "application/json",
                json!({"resource": "r-00002"}).to_string().into_bytes(),
            )),
            ("PUT", "/api/v1/fairs/{id}/participants/{participant}") => Some((
                "application/json",
                json!({"need": "n-1"}).to_string().into_bytes(),
            )),
            ("POST", "/api/v1/fairs/{id}/participants/import") => Some((
                "application/x-ndjson",
                jsonl(&[json!({"resource": "r-00003"})]),
            )),
            ("POST", "/api/v1/fairs/{id}/requests") => {
                Some(("application/json", pair.to_string().into_bytes()))
            }
            ("POST", "/api/v1/fairs/{id}/requests/bulk") => Some((
                "application/json",
                json!({"requests": [pair]}).to_string().into_bytes(),
            )),
            ("POST", "/api/v1/fairs/{id}/requests/{request}/answer") => Some((
                "application/json",
                json!({"decision": "cancel"}).to_string().into_bytes(),
            )),
            ("POST", "/api/v1/fairs/{id}/schedule" | "/api/v1/fairs/{id}/schedule/publish") => None,
            ("POST", "/api/v1/fairs/{id}/checkins") => Some((
                "application/json",
                json!({"participant": "need:n-1"}).to_string().into_bytes(),
            )),
            ("POST", "/api/v1/fairs/{id}/meetings/{request}/outcome") => Some((
                "application/json",
                json!({"outcome": "held"}).to_string().into_bytes(),
            )),
            ("POST", "/api/v1/fairs/{id}/participants/{participant}/calendar") => None,
            ("PUT", "/api/v1/needs/{id}") => {
                Some(("application/json", need.to_string().into_bytes()))
            }
            ("POST" | "PUT", _) => Some((
                "application/json",
                resource("r-00001", "expert", "王五")
                    .to_string()
                    .into_bytes(),
            )),
            _ => None,
        };
        let path = if route.path == "/api/v1/import"
            || route.path == "/api/v1/needs/import"
            || route.path == "/api/v1/fairs/{id}/participants/import"
        {
            format!("{path}?format=jsonl&dry_run=true")
        } else {
            path
        };
        for (name, token) in &tokens {
            let reply = server.request(
                route.method.as_str(),
                &path,
                token.as_deref(),
                &[],
                body.clone(),
            );
            checked += 1;
            // The broker here is not the engagement's owner, the enterprise not the need's.
            let may = match access {
                Access::Public => true,
                Access::Token => matches!(*name, "broker" | "editor" | "admin" | "enterprise"),
                Access::Writer | Access::Owner => matches!(*name, "editor" | "admin"),
                Access::NeedWriter => {
                    matches!(*name, "broker" | "editor" | "admin" | "enterprise")
                }
                Access::Member => matches!(*name, "broker" | "editor" | "admin"),
            };
            if (200..300).contains(&reply.status) && !may {
                unexpected.push(format!(
                    "{} {path} with {name}: {}",
                    route.method, reply.status
                ));
            }
            if !may && !(400..500).contains(&reply.status) {
                unexpected.push(format!(
                    "{} {path} with {name}: {} (not a refusal)",
                    route.method, reply.status
                ));
            }
        }
    }
    assert!(checked >= 100, "{checked}");
    assert!(unexpected.is_empty(), "{unexpected:#?}");
}
