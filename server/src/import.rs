//! Turning an uploaded file (JSON Lines, CSV or XLSX) into validated resources, all or nothing.
//!
//! Every row becomes a JSON object and goes through `duijie_core::jsonl::resource_from_json`, so all
//! formats share one validation. On top of it, every text value is checked for spreadsheet formulas
//! and script URLs (see `check_text_safety`), because catalog files travel back into Excel and into
//! web pages.
//!
//! CSV and XLSX headers are the interchange field names, nested ones as `patent.number` or
//! `contact.phone`, or their Chinese names: both from the table `duijie_core::fields::RESOURCE_FIELDS`.

use std::collections::HashMap;
use std::io::Cursor;

use duijie_core::fields::{field_of_header, Field, Shape};
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
    // Rows are independent, so they are checked on every core (a 100k import spends most of its
    // decoding time here); duplicates are then found in file order.
    let checked = check_rows_in_parallel(rows);
    let mut errors = Vec::new();
    let mut resources = Vec::with_capacity(checked.len());
    let mut first_line_of: HashMap<String, usize> = HashMap::new();
    for (line, id, outcome) in checked {
        let row_errors = match outcome {
            Ok(resource) => match first_line_of.get(&resource.id) {
                Some(first) => vec![FieldError::new(
                    "id",
                    format!("duplicate id '{}', first on line {first}", resource.id),
                )],
                None => {
                    first_line_of.insert(resource.id.clone(), line);
                    resources.push(resource);
                    Vec::new()
                }
            },
            Err(row_errors) => row_errors,
        };
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

/// One checked row: its line, its id as written, and the resource or its errors.
type CheckedRow = (usize, Option<String>, Result<Resource, Vec<FieldError>>);

fn check_row((line, value): (usize, Value)) -> CheckedRow {
    let id = value
        .get("id")
        .and_then(Value::as_str)
        .map(|id| id.trim().to_string());
    let mut row_errors = check_text_safety(&value);
    let outcome = match resource_from_json(&value) {
        Ok(resource) if row_errors.is_empty() => Ok(resource),
        Ok(_) => Err(row_errors),
        Err(more) => {
            row_errors.extend(more);
            Err(row_errors)
        }
    };
    (line, id, outcome)
}

/// `check_row` over `rows` on all cores, results in input order.
fn check_rows_in_parallel(rows: Vec<(usize, Value)>) -> Vec<CheckedRow> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    if threads < 2 || rows.len() < 1000 {
        return rows.into_iter().map(check_row).collect();
    }
    let chunk_len = rows.len().div_ceil(threads);
    let mut chunks: Vec<Vec<(usize, Value)>> = Vec::with_capacity(threads);
    let mut rows = rows.into_iter();
    loop {
        let chunk: Vec<(usize, Value)> = rows.by_ref().take(chunk_len).collect();
        if chunk.is_empty() {
            break;
        }
        chunks.push(chunk);
    }
    std::thread::scope(|scope| {
        let handles: Vec<_> = chunks
            .into_iter()
            .map(|chunk| scope.spawn(move || chunk.into_iter().map(check_row).collect::<Vec<_>>()))
            .collect();
        handles
            .into_iter()
            .flat_map(|handle| {
                handle
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .collect()
    })
}

/// Formula and script checks on every string of a record, located by field.
///
/// - A value is a spreadsheet formula when, after leading spaces, it starts with `=` (always), or with
///   `+`, `-` or `@` followed by a function call (`SUM(`), a cell reference (`A1`, `$B$2`), another
///   sign that starts a formula, or anything holding `|` (DDE: `-cmd|' /C calc'!A0`). So `-5`,
///   `+86 10 …`, `-前500年` and `@@` pass; `=1+2`, `+SUM(A1)`, `@SUM(1)`, `-A1` fail. List values are
///   checked item by item too.
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
                "looks like a spreadsheet formula (starts with =, or with +, - or @ before a function call or cell reference); remove the leading sign",
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

/// Whether a value would run as a spreadsheet formula (see `check_text_safety` for the rule).
pub fn is_formula(text: &str) -> bool {
    let text = text.trim_start();
    let mut chars = text.chars();
    match chars.next() {
        Some('=') => true,
        Some('+' | '-' | '@') => {
            let rest = chars.as_str();
            rest.contains('|')
                || starts_with_call_or_reference(rest)
                || (rest.starts_with(['+', '-', '@', '=']) && is_formula(rest))
        }
        _ => false,
    }
}

/// `NAME(` (a function call) or a cell reference such as `A1`, `$B$2`, `AB12`.
fn starts_with_call_or_reference(text: &str) -> bool {
    let bytes = text.as_bytes();
    let name_len = bytes
        .iter()
        .take_while(|b| b.is_ascii_alphanumeric() || **b == b'_' || **b == b'.')
        .count();
    if name_len > 0 && bytes[0].is_ascii_alphabetic() && bytes.get(name_len) == Some(&b'(') {
        return true;
    }
    let mut position = 0;
    if bytes.get(position) == Some(&b'$') {
        position += 1;
    }
    let letters = bytes[position..]
        .iter()
        .take_while(|b| b.is_ascii_alphabetic())
        .count();
    if !(1..=3).contains(&letters) {
        return false;
    }
    position += letters;
    if bytes.get(position) == Some(&b'$') {
        position += 1;
    }
    let digits = bytes[position..]
        .iter()
        .take_while(|b| b.is_ascii_digit())
        .count();
    digits > 0
        && !bytes
            .get(position + digits)
            .is_some_and(|b| b.is_ascii_alphanumeric())
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

/// Maps a header row to fields (the table `duijie_core::fields::RESOURCE_FIELDS`); an unknown or
/// repeated header is an error on line `line`.
fn header_fields(headers: &[String], line: usize) -> Result<Vec<&'static Field>, Vec<FieldError>> {
    let mut fields = Vec::new();
    let mut errors = Vec::new();
    for (column, header) in headers.iter().enumerate() {
        match field_of_header(header) {
            Some(field) if fields.iter().any(|seen: &&Field| seen.name == field.name) => errors
                .push(
                    FieldError::new(
                        field.name,
                        format!("column {} repeats field '{}'", column + 1, field.name),
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
/// a list field's cell holds its items separated by `;` or `；`; `kind` may be a Chinese label
/// (`Kind::from_label`: 专家, 科技成果 or 成果, 专利, 机构).
fn row_object(fields: &[&'static Field], cells: &[String]) -> Value {
    let mut object = Map::new();
    for (field, cell) in fields.iter().zip(cells) {
        let cell = cell.trim();
        if cell.is_empty() {
            continue;
        }
        let value = match field.shape {
            Shape::List => Value::Array(split_list(cell).into_iter().map(Value::String).collect()),
            Shape::Text if field.name == "kind" => Value::String(
                Kind::from_label(cell)
                    .map_or(cell, |kind| kind.as_str())
                    .to_string(),
            ),
            Shape::Text | Shape::Integer => Value::String(cell.to_string()),
        };
        match field.nested() {
            Some((outer, inner)) => {
                let nested = object
                    .entry(outer.to_string())
                    .or_insert_with(|| Value::Object(Map::new()));
                if let Value::Object(nested) = nested {
                    nested.insert(inner.to_string(), value);
                }
            }
            None => {
                object.insert(field.name.to_string(), value);
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
                    fields.get(position).map_or("", |field| field.name),
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
