//! Turning an uploaded file (JSON Lines, CSV or XLSX) into validated resources, all or nothing.
//!
//! Every row becomes a JSON object and goes through `duijie_core::jsonl::resource_from_json`, so all
//! formats share one validation. On top of it, every text value is checked for spreadsheet formulas
//! and script URLs (see `check_text_safety`), because catalog files travel back into Excel and into
//! web pages.
//!
//! CSV and XLSX headers are the interchange field names, nested ones as `patent.number` or
//! `contact.phone`, or the Chinese names of `CHINESE_HEADERS`.

use std::collections::HashMap;
use std::io::Cursor;

use duijie_core::jsonl::{resource_from_json, split_list};
use duijie_core::{FieldError, Kind, Resource};
use serde_json::{Map, Value};

/// An upload's format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Jsonl,
    Csv,
    Xlsx,
}

impl Format {
    pub fn parse(text: &str) -> Option<Format> {
        match text.trim().to_ascii_lowercase().as_str() {
            "jsonl" | "ndjson" | "json" => Some(Format::Jsonl),
            "csv" => Some(Format::Csv),
            "xlsx" | "excel" => Some(Format::Xlsx),
            _ => None,
        }
    }

    /// From a Content-Type such as `text/csv; charset=utf-8`.
    pub fn from_content_type(content_type: &str) -> Option<Format> {
        let essence = content_type
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        match essence.as_str() {
            "application/x-ndjson"
            | "application/jsonl"
            | "application/x-jsonlines"
            | "application/json-lines"
            | "application/json" => Some(Format::Jsonl),
            "text/csv" | "application/csv" => Some(Format::Csv),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" => {
                Some(Format::Xlsx)
            }
            _ => None,
        }
    }
}

/// The text encoding of a CSV or JSON Lines upload.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    /// UTF-8, or GB18030 when the bytes are not UTF-8 but decode as GB18030.
    Detect,
    Utf8,
    /// GBK, read as its superset GB18030.
    Gbk,
}

impl Encoding {
    pub fn parse(text: &str) -> Option<Encoding> {
        match text.trim().to_ascii_lowercase().as_str() {
            "utf-8" | "utf8" => Some(Encoding::Utf8),
            "gbk" | "gb18030" | "gb2312" | "cp936" => Some(Encoding::Gbk),
            "auto" | "detect" => Some(Encoding::Detect),
            _ => None,
        }
    }
}

/// Chinese CSV/XLSX headers and the fields they name.
pub const CHINESE_HEADERS: [(&str, &str); 30] = [
    ("编号", "id"),
    ("类型", "kind"),
    ("类别", "kind"),
    ("名称", "title"),
    ("标题", "title"),
    ("姓名", "title"),
    ("摘要", "summary"),
    ("简介", "summary"),
    ("关键词", "keywords"),
    ("学科", "disciplines"),
    ("行业", "industries"),
    ("地区", "region"),
    ("区域", "region"),
    ("单位", "organization"),
    ("机构", "organization"),
    ("学会", "society"),
    ("合作方式", "modes"),
    ("成熟度", "maturity"),
    ("技术成熟度", "maturity"),
    ("专利号", "patent.number"),
    ("IPC分类号", "patent.ipc"),
    ("法律状态", "patent.status"),
    ("职称", "position"),
    ("专长", "expertise"),
    ("研究方向", "expertise"),
    ("联系人", "contact.name"),
    ("电话", "contact.phone"),
    ("联系电话", "contact.phone"),
    ("邮箱", "contact.email"),
    ("更新时间", "updated_at"),
];

/// The interchange fields a CSV/XLSX column may name (nested ones with a dot).
const COLUMN_FIELDS: [&str; 21] = [
    "id",
    "kind",
    "title",
    "summary",
    "keywords",
    "disciplines",
    "industries",
    "region",
    "organization",
    "society",
    "modes",
    "maturity",
    "position",
    "expertise",
    "updated_at",
    "patent.number",
    "patent.ipc",
    "patent.status",
    "contact.name",
    "contact.phone",
    "contact.email",
];

/// Decodes and validates an upload. Any problem fails the whole upload, listing every problem.
pub fn decode(
    format: Format,
    bytes: &[u8],
    encoding: Encoding,
) -> Result<Vec<Resource>, Vec<FieldError>> {
    // Rows that cannot be read (bad JSON, ragged CSV) are reported together with the validation errors
    // of the rows that can, so one answer lists every bad row.
    let (rows, mut errors) = match format {
        Format::Jsonl => jsonl_rows(&decode_text(bytes, encoding)?),
        Format::Csv => csv_rows(&decode_text(bytes, encoding)?),
        Format::Xlsx => xlsx_rows(bytes),
    }?;
    match validate_rows(rows) {
        Ok(resources) if errors.is_empty() => Ok(resources),
        Ok(_) => Err(errors),
        Err(more) => {
            errors.extend(more);
            errors.sort_by_key(|error| error.line);
            Err(errors)
        }
    }
}

/// Readable rows as `(line, object)`, and the errors of the unreadable ones; `Err` when nothing can be
/// read (a bad header, a file that is not a workbook).
type Rows = Result<(Vec<(usize, Value)>, Vec<FieldError>), Vec<FieldError>>;

/// Validates `(line, object)` rows: safety checks, `resource_from_json`, duplicate ids.
pub fn validate_rows(rows: Vec<(usize, Value)>) -> Result<Vec<Resource>, Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut resources = Vec::with_capacity(rows.len());
    let mut first_line_of: HashMap<String, usize> = HashMap::new();
    for (line, value) in rows {
        let id = value
            .get("id")
            .and_then(Value::as_str)
            .map(|id| id.trim().to_string());
        let mut row_errors = check_text_safety(&value);
        match resource_from_json(&value) {
            Ok(resource) if row_errors.is_empty() => {
                if let Some(first) = first_line_of.get(&resource.id) {
                    row_errors.push(FieldError::new(
                        "id",
                        format!("duplicate id '{}', first on line {first}", resource.id),
                    ));
                } else {
                    first_line_of.insert(resource.id.clone(), line);
                    resources.push(resource);
                }
            }
            Ok(_) => {}
            Err(more) => row_errors.extend(more),
        }
        for mut error in row_errors {
            error.line = Some(line);
            if error.id.is_none() {
                error.id = id.clone().filter(|id| !id.is_empty());
            }
            errors.push(error);
        }
    }
    if errors.is_empty() {
        Ok(resources)
    } else {
        Err(errors)
    }
}

/// Formula and script checks on every string of a record, located by field.
///
/// - A value is a spreadsheet formula when, after leading spaces, it starts with `=` or `@` (always),
///   or with `+` or `-` followed by anything but a digit, `.` or a space (`-5`, `+86 10 …` and `- 注`
///   pass; `+SUM(A1)`, `-cmd|…` and `+A1` fail). List values are checked item by item too.
/// - A value holding `javascript:` or `vbscript:` (any case, ignoring spaces and control characters
///   inside) is a script URL.
pub fn check_text_safety(value: &Value) -> Vec<FieldError> {
    let mut errors = Vec::new();
    walk_strings(value, "", &mut |field, text| {
        let mut parts = vec![text];
        if text.contains([';', '；']) {
            parts.extend(text.split([';', '；']));
        }
        if parts.iter().any(|part| is_formula(part)) {
            errors.push(FieldError::new(
                field,
                "looks like a spreadsheet formula (starts with =, @, or + or - before a non-number); remove the leading sign or quote it in another way",
            ));
        }
        if is_script_url(text) {
            errors.push(FieldError::new(
                field,
                "holds a javascript: or vbscript: URL",
            ));
        }
    });
    errors
}

fn walk_strings(value: &Value, path: &str, visit: &mut dyn FnMut(&str, &str)) {
    match value {
        Value::String(text) => visit(path, text),
        Value::Array(items) => {
            for (index, item) in items.iter().enumerate() {
                walk_strings(item, &format!("{path}[{index}]"), visit);
            }
        }
        Value::Object(object) => {
            for (key, item) in object {
                let path = if path.is_empty() {
                    key.clone()
                } else {
                    format!("{path}.{key}")
                };
                walk_strings(item, &path, visit);
            }
        }
        _ => {}
    }
}

pub fn is_formula(text: &str) -> bool {
    let text = text.trim_start();
    let mut chars = text.chars();
    match chars.next() {
        Some('=') | Some('@') => true,
        Some('+') | Some('-') => match chars.next() {
            None => false,
            Some(next) => !(next.is_ascii_digit() || next == '.' || next.is_whitespace()),
        },
        _ => false,
    }
}

pub fn is_script_url(text: &str) -> bool {
    let squeezed: String = text
        .chars()
        .filter(|c| !c.is_whitespace() && !c.is_control())
        .flat_map(char::to_lowercase)
        .collect();
    squeezed.contains("javascript:") || squeezed.contains("vbscript:")
}

/// Bytes to text: UTF-8 (a BOM is dropped), or GB18030 when asked or when the bytes are not UTF-8 but
/// are valid GB18030.
fn decode_text(bytes: &[u8], encoding: Encoding) -> Result<String, Vec<FieldError>> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let gb18030 = |bytes: &[u8]| {
        encoding_rs::GB18030
            .decode_without_bom_handling_and_without_replacement(bytes)
            .map(|text| text.into_owned())
    };
    match encoding {
        Encoding::Gbk => gb18030(bytes)
            .ok_or_else(|| vec![FieldError::new("", "not valid GBK/GB18030 text").at_line(1)]),
        Encoding::Utf8 | Encoding::Detect => match std::str::from_utf8(bytes) {
            Ok(text) => Ok(text.to_string()),
            Err(error) => {
                if encoding == Encoding::Detect {
                    if let Some(text) = gb18030(bytes) {
                        return Ok(text);
                    }
                }
                let valid = error.valid_up_to();
                let line = bytes[..valid].iter().filter(|&&b| b == b'\n').count() + 1;
                Err(vec![FieldError::new(
                    "",
                    format!(
                        "not valid UTF-8 (byte {valid}) nor GB18030; save the file as UTF-8 or send ?encoding=gbk"
                    ),
                )
                .at_line(line)])
            }
        },
    }
}

fn jsonl_rows(text: &str) -> Rows {
    let mut rows = Vec::new();
    let mut errors = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        match serde_json::from_str::<Value>(line) {
            Ok(value) => rows.push((index + 1, value)),
            Err(error) => errors
                .push(FieldError::new("", format!("not valid JSON: {error}")).at_line(index + 1)),
        }
    }
    Ok((rows, errors))
}

/// The field a header names, or `None` when it names none.
fn header_field(header: &str) -> Option<&'static str> {
    let header = header.trim().trim_start_matches('\u{feff}').trim();
    let lower = header.to_ascii_lowercase();
    COLUMN_FIELDS
        .iter()
        .find(|field| **field == lower)
        .copied()
        .or_else(|| {
            CHINESE_HEADERS
                .iter()
                .find(|(name, _)| name.eq_ignore_ascii_case(header))
                .map(|(_, field)| *field)
        })
}

/// Maps a header row to fields; an unknown or repeated header is an error on line `line`.
fn header_fields(headers: &[String], line: usize) -> Result<Vec<&'static str>, Vec<FieldError>> {
    let mut fields = Vec::new();
    let mut errors = Vec::new();
    for (column, header) in headers.iter().enumerate() {
        match header_field(header) {
            Some(field) if fields.contains(&field) => errors.push(
                FieldError::new(
                    field,
                    format!("column {} repeats field '{field}'", column + 1),
                )
                .at_line(line),
            ),
            Some(field) => fields.push(field),
            None => errors.push(
                FieldError::new(
                    header.trim(),
                    format!(
                        "column {}: unknown header; use the interchange field names or the Chinese names in the import documentation",
                        column + 1
                    ),
                )
                .at_line(line),
            ),
        }
    }
    if errors.is_empty() {
        Ok(fields)
    } else {
        Err(errors)
    }
}

/// One row's cells as the JSON object `resource_from_json` reads. Empty cells are absent fields;
/// `kind` may be a Chinese label (专家, 科技成果 or 成果, 专利, 机构).
fn row_object(fields: &[&'static str], cells: &[String]) -> Value {
    let mut object = Map::new();
    for (field, cell) in fields.iter().zip(cells) {
        let cell = cell.trim();
        if cell.is_empty() {
            continue;
        }
        let mut value = Value::String(cell.to_string());
        if *field == "kind" {
            if let Some(kind) = Kind::ALL.into_iter().find(|kind| kind.label_zh() == cell) {
                value = Value::String(kind.as_str().to_string());
            } else if cell == "成果" {
                value = Value::String("achievement".to_string());
            }
        }
        if *field == "patent.ipc" {
            value = Value::Array(split_list(cell).into_iter().map(Value::String).collect());
        }
        match field.split_once('.') {
            Some((outer, inner)) => {
                let nested = object
                    .entry(outer.to_string())
                    .or_insert_with(|| Value::Object(Map::new()));
                if let Value::Object(nested) = nested {
                    nested.insert(inner.to_string(), value);
                }
            }
            None => {
                object.insert(field.to_string(), value);
            }
        }
    }
    Value::Object(object)
}

fn csv_rows(text: &str) -> Rows {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut records = reader.records();
    let header = match records.next() {
        None => return Ok((Vec::new(), Vec::new())),
        Some(Err(error)) => {
            return Err(vec![
                FieldError::new("", format!("not valid CSV: {error}")).at_line(1)
            ])
        }
        Some(Ok(header)) => header,
    };
    let headers: Vec<String> = header.iter().map(str::to_string).collect();
    let fields = header_fields(&headers, 1)?;
    let mut rows = Vec::new();
    let mut errors = Vec::new();
    for record in records {
        match record {
            Err(error) => {
                let line = error
                    .position()
                    .map(|position| position.line() as usize)
                    .unwrap_or(0);
                errors.push(FieldError::new("", format!("not valid CSV: {error}")).at_line(line));
            }
            Ok(record) => {
                let line = record
                    .position()
                    .map(|position| position.line() as usize)
                    .unwrap_or(0);
                if record.iter().all(|cell| cell.trim().is_empty()) {
                    continue;
                }
                if record.len() != fields.len() {
                    errors.push(
                        FieldError::new(
                            "",
                            format!(
                                "has {} cells but the header has {} columns",
                                record.len(),
                                fields.len()
                            ),
                        )
                        .at_line(line),
                    );
                    continue;
                }
                let cells: Vec<String> = record.iter().map(str::to_string).collect();
                rows.push((line, row_object(&fields, &cells)));
            }
        }
    }
    Ok((rows, errors))
}

fn xlsx_rows(bytes: &[u8]) -> Rows {
    use calamine::{Data, Reader, Xlsx};

    let not_xlsx = |error: String| {
        vec![FieldError::new(
            "",
            format!("not a readable .xlsx file: {error}"),
        )]
    };
    let mut workbook: Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(bytes))
        .map_err(|error: calamine::XlsxError| not_xlsx(error.to_string()))?;
    let Some(sheet_name) = workbook.sheet_names().first().cloned() else {
        return Ok((Vec::new(), Vec::new()));
    };
    let range = workbook
        .worksheet_range(&sheet_name)
        .map_err(|error| not_xlsx(error.to_string()))?;
    let formulas = workbook
        .worksheet_formula(&sheet_name)
        .map_err(|error| not_xlsx(error.to_string()))?;
    let first_row = range.start().map_or(0, |(row, _)| row);
    let mut errors = Vec::new();
    // A cell holding a formula is refused whatever value Excel cached for it.
    for (row, column, formula) in formulas.used_cells() {
        if !formula.trim().is_empty() {
            let (row, column) = match formulas.start() {
                Some((start_row, start_column)) => {
                    (start_row as usize + row, start_column as usize + column)
                }
                None => (row, column),
            };
            errors.push(
                FieldError::new(
                    format!("column {}", column + 1),
                    "is a spreadsheet formula; paste values only",
                )
                .at_line(row + 1),
            );
        }
    }
    let mut rows_iter = range.rows();
    let Some(header) = rows_iter.next() else {
        return Ok((Vec::new(), errors));
    };
    let header_line = first_row as usize + 1;
    let cell_text = |cell: &Data| -> String {
        match cell {
            Data::Empty => String::new(),
            Data::String(text) => text.clone(),
            Data::Float(number) if number.fract() == 0.0 && number.abs() < 1e15 => {
                format!("{}", *number as i64)
            }
            Data::Float(number) => number.to_string(),
            Data::Int(number) => number.to_string(),
            Data::Bool(value) => value.to_string(),
            // Not RFC 3339, so `updated_at` validation refuses it with a located message.
            Data::DateTime(value) => format!("Excel date {}", value.as_f64()),
            Data::DateTimeIso(text) | Data::DurationIso(text) => text.clone(),
            Data::Error(error) => format!("#ERROR {error}"),
        }
    };
    let headers: Vec<String> = header.iter().map(cell_text).collect();
    let fields = match header_fields(&headers, header_line) {
        Ok(fields) => fields,
        Err(mut header_errors) => {
            header_errors.extend(errors);
            return Err(header_errors);
        }
    };
    let mut rows = Vec::new();
    for (offset, row) in rows_iter.enumerate() {
        let line = header_line + offset + 1;
        let cells: Vec<String> = row.iter().map(cell_text).collect();
        if cells.iter().all(|cell| cell.trim().is_empty()) {
            continue;
        }
        if let Some(position) = row.iter().position(|cell| matches!(cell, Data::Error(_))) {
            errors.push(
                FieldError::new(
                    fields.get(position).copied().unwrap_or(""),
                    "is an Excel error value",
                )
                .at_line(line),
            );
            continue;
        }
        let mut cells = cells;
        cells.truncate(fields.len());
        if row.len() > fields.len()
            && row[fields.len()..]
                .iter()
                .any(|cell| !matches!(cell, Data::Empty))
        {
            errors.push(FieldError::new("", "has cells beyond the header's columns").at_line(line));
            continue;
        }
        rows.push((line, row_object(&fields, &cells)));
    }
    Ok((rows, errors))
}
