//! XLSX imports, with workbooks written here: a stored (uncompressed) zip of the few XML parts Excel
//! needs, so no spreadsheet writer is needed to test the reader.

use crate::support::Server;

pub enum Cell<'a> {
    Text(&'a str),
    Number(f64),
    /// A formula and the value Excel cached for it.
    Formula(&'a str, &'a str),
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn column(index: usize) -> String {
    let mut name = String::new();
    let mut n = index + 1;
    while n > 0 {
        name.insert(0, (b'A' + ((n - 1) % 26) as u8) as char);
        n = (n - 1) / 26;
    }
    name
}

/// A one-sheet workbook of `rows`.
pub fn workbook(rows: &[Vec<Cell<'_>>]) -> Vec<u8> {
    let mut sheet = String::from(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>"#,
    );
    for (row_index, row) in rows.iter().enumerate() {
        sheet.push_str(&format!("<row r=\"{}\">", row_index + 1));
        for (column_index, cell) in row.iter().enumerate() {
            let reference = format!("{}{}", column(column_index), row_index + 1);
            match cell {
                Cell::Text(text) => sheet.push_str(&format!(
                    "<c r=\"{reference}\" t=\"inlineStr\"><is><t>{}</t></is></c>",
                    escape(text)
                )),
                Cell::Number(number) => {
                    sheet.push_str(&format!("<c r=\"{reference}\"><v>{number}</v></c>"))
                }
                Cell::Formula(formula, cached) => sheet.push_str(&format!(
                    "<c r=\"{reference}\" t=\"str\"><f>{}</f><v>{}</v></c>",
                    escape(formula),
                    escape(cached)
                )),
            }
        }
        sheet.push_str("</row>");
    }
    sheet.push_str("</sheetData></worksheet>");
    workbook_with_sheet(sheet, false)
}

/// A one-sheet workbook whose sheet is `sheet` (the XML as written), its parts stored or deflated.
pub fn workbook_with_sheet(sheet: String, deflate: bool) -> Vec<u8> {
    workbook_with_parts(sheet, Vec::new(), deflate)
}

/// As `workbook_with_sheet`, with `extra` parts (name, XML) besides, or instead of the part of
/// the same name.
pub fn workbook_with_parts(sheet: String, extra: Vec<(&str, String)>, deflate: bool) -> Vec<u8> {
    let mut parts: Vec<(&str, String)> = vec![
        ("[Content_Types].xml", r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#.to_string()),
        ("_rels/.rels", r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#.to_string()),
        ("xl/workbook.xml", r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>"#.to_string()),
        ("xl/_rels/workbook.xml.rels", r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#.to_string()),
        ("xl/worksheets/sheet1.xml", sheet),
    ];
    for (name, content) in extra {
        parts.retain(|(part, _)| *part != name);
        parts.push((name, content));
    }
    zip(&parts, deflate)
}

/// A zip archive with every entry stored uncompressed, or deflated.
fn zip(parts: &[(&str, String)], deflate: bool) -> Vec<u8> {
    use std::io::Write as _;
    let mut out = Vec::new();
    let mut central = Vec::new();
    for (name, content) in parts {
        let mut crc = flate2::Crc::new();
        crc.update(content.as_bytes());
        let offset = out.len() as u32;
        let size = content.len() as u32;
        let data = if deflate {
            let mut encoder =
                flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
            encoder.write_all(content.as_bytes()).unwrap();
            encoder.finish().unwrap()
        } else {
            content.as_bytes().to_vec()
        };
        let method: u16 = if deflate { 8 } else { 0 };
        let common = |buffer: &mut Vec<u8>| {
            buffer.extend(20u16.to_le_bytes()); // version needed
            buffer.extend(0u16.to_le_bytes()); // flags
            buffer.extend(method.to_le_bytes()); // stored or deflated
            buffer.extend(0u32.to_le_bytes()); // time and date
            buffer.extend(crc.sum().to_le_bytes());
            buffer.extend((data.len() as u32).to_le_bytes());
            buffer.extend(size.to_le_bytes());
            buffer.extend((name.len() as u16).to_le_bytes());
            buffer.extend(0u16.to_le_bytes()); // extra length
        };
        out.extend(0x04034b50u32.to_le_bytes());
        common(&mut out);
        out.extend(name.as_bytes());
        out.extend(&data);
        central.extend(0x02014b50u32.to_le_bytes());
        central.extend(20u16.to_le_bytes()); // version made by
        common(&mut central);
        central.extend(0u16.to_le_bytes()); // comment length
        central.extend(0u16.to_le_bytes()); // disk
        central.extend(0u16.to_le_bytes()); // internal attributes
        central.extend(0u32.to_le_bytes()); // external attributes
        central.extend(offset.to_le_bytes());
        central.extend(name.as_bytes());
    }
    let central_offset = out.len() as u32;
    out.extend(&central);
    out.extend(0x06054b50u32.to_le_bytes());
    out.extend(0u16.to_le_bytes());
    out.extend(0u16.to_le_bytes());
    out.extend((parts.len() as u16).to_le_bytes());
    out.extend((parts.len() as u16).to_le_bytes());
    out.extend((central.len() as u32).to_le_bytes());
    out.extend(central_offset.to_le_bytes());
    out.extend(0u16.to_le_bytes());
    out
}

pub const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

#[test]
fn xlsx_import_with_chinese_headers() {
    use Cell::{Number, Text};
    let server = Server::start("xlsx");
    let editor = server.token("editor");
    let book = workbook(&[
        vec![
            Text("编号"),
            Text("类型"),
            Text("名称"),
            Text("关键词"),
            Text("成熟度"),
        ],
        vec![
            Text("x-1"),
            Text("科技成果"),
            Text("秸秆还田技术"),
            Text("秸秆；还田"),
            Number(6.0),
        ],
        vec![
            Text("x-2"),
            Text("expert"),
            Text("赵六"),
            Text("土壤改良"),
            Text(""),
        ],
    ]);
    let reply = server.import("", &editor, XLSX, &book);
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert_eq!(reply.json()["imported"], 2);
    let one = server.get("/api/v1/resources/x-1").json();
    assert_eq!(one["maturity"], 6);
    assert_eq!(one["keywords"], serde_json::json!(["秸秆", "还田"]));
}

#[test]
fn xlsx_formula_cells_and_bad_rows_are_refused() {
    use Cell::{Formula, Text};
    let server = Server::start("xlsx-bad");
    let editor = server.token("editor");
    let book = workbook(&[
        vec![Text("id"), Text("kind"), Text("title")],
        vec![Text("ok"), Text("achievement"), Text("好")],
        vec![
            Text("f"),
            Text("achievement"),
            Formula("HYPERLINK(\"http://x\",\"点击\")", "点击"),
        ],
        vec![Text("t"), Text("achievement"), Text("=1+1")],
        vec![Text("k"), Text("robot"), Text("坏类型")],
    ]);
    let reply = server.import("?format=xlsx", &editor, "application/octet-stream", &book);
    assert_eq!(reply.status, 422, "{}", reply.text());
    let lines: Vec<u64> = reply.json()["error"]["details"]["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|error| error["line"].as_u64().unwrap())
        .collect();
    for line in [3, 4, 5] {
        assert!(lines.contains(&line), "{line}: {lines:?}");
    }
    assert!(!lines.contains(&2));
    assert_eq!(server.catalog().0, 0);
    let garbage = server.import("?format=xlsx", &editor, XLSX, b"not a zip");
    assert_eq!(garbage.status, 422);
}
