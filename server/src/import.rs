//! Turning an uploaded file (JSON Lines, CSV or XLSX) into validated records, all or nothing:
//! resources for the catalog, or stored needs.
//!
//! Every row becomes a JSON object and goes through the record's decoder
//! (`duijie_core::jsonl::resource_from_json`, `need_record_from_json`), so all formats share one
//! validation. On top of it, every text value is checked for spreadsheet formulas
//! and script URLs (see `check_text_safety`), because catalog files travel back into Excel and into
//! web pages.
//!
//! CSV and XLSX headers are the interchange field names, nested ones as `patent.number` or
//! `contact.phone`, or their Chinese names: both from the record's field table
//! (`duijie_core::fields::RESOURCE_FIELDS`, `NEED_RECORD_FIELDS`).

use std::borrow::Cow;
use std::collections::HashMap;
use std::io::Cursor;

use duijie_core::fields::{header_of, Field, Shape, NEED_RECORD_FIELDS, RESOURCE_FIELDS};
use duijie_core::jsonl::{need_record_from_json, resource_from_json, split_list};
use duijie_core::model::NeedRecord;
use duijie_core::plain::plain_text;
use duijie_core::{FieldError, Kind, Resource};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

/// A kind of record an upload holds: its field table (headers, list cells), its decoder, its id.
pub trait Record: Sized + Send + 'static {
    const FIELDS: &'static [Field<Self>];

    /// Decodes and validates one row's object.
    fn from_json(value: &Value) -> Result<Self, Vec<FieldError>>;

    fn id(&self) -> &str;

    /// Completes a row's object before it is decoded.
    fn complete(_object: &mut Value) {}
}

impl Record for Resource {
    const FIELDS: &'static [Field<Resource>] = &RESOURCE_FIELDS;

    fn from_json(value: &Value) -> Result<Resource, Vec<FieldError>> {
        resource_from_json(value)
    }

    fn id(&self) -> &str {
        &self.id
    }
}

impl Record for NeedRecord {
    const FIELDS: &'static [Field<NeedRecord>] = &NEED_RECORD_FIELDS;

    fn from_json(value: &Value) -> Result<NeedRecord, Vec<FieldError>> {
        need_record_from_json(value)
    }

    fn id(&self) -> &str {
        &self.id
    }

    /// A need without an id (an enterprise's spreadsheet has none) gets `need_id`'s, so that
    /// importing the same sheet again updates its needs rather than adding them twice.
    fn complete(object: &mut Value) {
        if let Value::Object(object) = object {
            let absent = match object.get("id") {
                None | Some(Value::Null) => true,
                Some(Value::String(id)) => id.trim().is_empty(),
                Some(_) => false,
            };
            if absent {
                let text = |key: &str| object.get(key).and_then(Value::as_str).unwrap_or("");
                let id = need_id(text("organization"), text("title"), text("text"));
                object.insert("id".to_string(), Value::String(id));
            }
        }
    }
}

/// The id of a need that came without one: `need-` and 16 hex digits of the SHA-256 of its
/// organisation and title (or, without a title, its text), the same for the same need in every
/// upload.
pub fn need_id(organization: &str, title: &str, text: &str) -> String {
    let name = if title.trim().is_empty() { text } else { title };
    let digest = Sha256::digest(format!("{}\u{1f}{}", organization.trim(), name.trim()).as_bytes());
    let hex: String = digest[..8]
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect();
    format!("need-{hex}")
}

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

/// Bounds on one upload beyond its size in bytes, so that a small hostile file cannot make the
/// service allocate without limit (a workbook naming cell XFD1048576, a zip that inflates a
/// thousandfold, millions of bad lines).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Data rows (non-blank lines or spreadsheet rows after the header), every format; a
    /// spreadsheet cell below row `max_rows + 1` is refused too.
    pub max_rows: usize,
    /// Spreadsheet columns: a cell right of column `xlsx_max_columns` is refused.
    pub xlsx_max_columns: usize,
    /// Spreadsheet cells read in all.
    pub xlsx_max_cells: usize,
    /// Bytes of a workbook's zip parts once inflated, all parts together.
    pub xlsx_max_bytes: u64,
    /// Located errors kept and listed; the rest are only counted.
    pub max_errors: usize,
    /// Bytes of resources kept, beyond twice the upload's text, while it is first read (see
    /// `decode_within`).
    pub keep_slack: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_rows: 1_000_000,
            xlsx_max_columns: 256,
            xlsx_max_cells: 5_000_000,
            xlsx_max_bytes: 256 << 20,
            max_errors: crate::error::MAX_LISTED_ERRORS,
            keep_slack: 32 << 20,
        }
    }
}

/// Why an upload was refused.
#[derive(Debug)]
pub enum Refusal {
    /// Rows that do not validate: the first `limits.max_errors` errors in file order, how many
    /// errors there were in all, and on how many rows (or header lines).
    Invalid {
        errors: Vec<FieldError>,
        total: usize,
        rows: usize,
    },
    /// The upload is beyond one of the `Limits`; the message says where and which.
    TooLarge { message: String, limit: u64 },
}

/// Decodes and validates an upload within the default `Limits`. Any problem fails the whole upload;
/// the errors listed are the first ones.
pub fn decode(
    format: Format,
    bytes: &[u8],
    encoding: Encoding,
) -> Result<Vec<Resource>, Vec<FieldError>> {
    decode_within(format, bytes, encoding, &Limits::default()).map_err(|refusal| match refusal {
        Refusal::Invalid { errors, .. } => errors,
        Refusal::TooLarge { message, .. } => vec![FieldError::new("", message)],
    })
}

/// Decodes and validates an upload, row by row as it is read: at most one batch of rows is held as
/// JSON at a time, at most `limits.max_errors` errors are kept, and resources are kept only while
/// they take about as much memory as the upload itself.
///
/// Past that (many small rows: a resource takes a few hundred bytes whatever its text), the rows
/// are only checked, and when all of them pass, the upload is read a second time to keep them. So a
/// refused upload costs a small multiple of its size even when its only bad row is the last one.
pub fn decode_within(
    format: Format,
    bytes: &[u8],
    encoding: Encoding,
    limits: &Limits,
) -> Result<Vec<Resource>, Refusal> {
    decode_records(format, bytes, encoding, limits)
}

/// `decode_within` for any kind of record: resources, or stored needs.
pub fn decode_records<R: Record>(
    format: Format,
    bytes: &[u8],
    encoding: Encoding,
    limits: &Limits,
) -> Result<Vec<R>, Refusal> {
    let (text, size) = match format {
        Format::Jsonl | Format::Csv => {
            let text = decode_text(bytes, encoding)?;
            let size = text.len();
            (Some(text), size)
        }
        Format::Xlsx => (None, check_zip(bytes, limits)?),
    };
    // A typical row's resource takes under twice its text; many small rows take more.
    let budget = size.saturating_mul(2).saturating_add(limits.keep_slack);
    for keep_budget in [budget, usize::MAX] {
        let mut collector = Collector::<R>::new(*limits, keep_budget);
        match (format, &text) {
            (Format::Xlsx, _) | (_, None) => xlsx_rows(bytes, &mut collector)?,
            (Format::Jsonl, Some(text)) => jsonl_rows(text, &mut collector)?,
            (Format::Csv, Some(text)) => csv_rows(text, &mut collector)?,
        }
        if let Some(resources) = collector.finish()? {
            return Ok(resources);
        }
    }
    Err(Refusal::TooLarge {
        message: "the upload could not be kept in memory".to_string(),
        limit: size as u64,
    })
}

/// Validates `(line, object)` rows: safety checks, `resource_from_json`, duplicate ids.
pub fn validate_rows(rows: Vec<(usize, Value)>) -> Result<Vec<Resource>, Vec<FieldError>> {
    let limits = Limits {
        max_rows: usize::MAX,
        max_errors: usize::MAX,
        ..Limits::default()
    };
    let mut collector = Collector::<Resource>::new(limits, usize::MAX);
    for (line, value) in rows {
        collector
            .row(line, Some(value), Vec::new())
            .map_err(|_| Vec::<FieldError>::new())?;
    }
    match collector.finish() {
        Ok(resources) => Ok(resources.unwrap_or_default()),
        Err(Refusal::Invalid { errors, .. }) => Err(errors),
        Err(Refusal::TooLarge { message, .. }) => Err(vec![FieldError::new("", message)]),
    }
}

impl From<Vec<FieldError>> for Refusal {
    fn from(errors: Vec<FieldError>) -> Refusal {
        let total = errors.len();
        let mut lines: Vec<Option<usize>> = errors.iter().map(|error| error.line).collect();
        lines.dedup();
        Refusal::Invalid {
            rows: lines.len(),
            errors,
            total,
        }
    }
}

/// Rows are checked in batches of this many, in parallel; only one batch is held as JSON.
const BATCH_ROWS: usize = 8192;

/// A row waiting to be checked: its line, its object (none when it could not be read) and the
/// errors found while reading it.
type Pending = (usize, Option<Value>, Vec<FieldError>);

/// Takes rows in file order, checks them a batch at a time, and keeps the resources (within
/// `keep_budget` bytes, estimated), the first errors and the count of all errors.
struct Collector<R: 'static> {
    limits: Limits,
    batch: Vec<Pending>,
    rows: usize,
    resources: Vec<R>,
    /// The estimated bytes of `resources`, and how many they may take.
    kept_bytes: usize,
    keep_budget: usize,
    /// Resources were dropped for the budget: all rows are checked, none kept.
    over_budget: bool,
    /// The first line of each id, by a 128-bit hash of the id (16 bytes a row, whatever the id).
    first_line_of: HashMap<u128, usize>,
    errors: Vec<FieldError>,
    total_errors: usize,
    bad_rows: usize,
    /// The columns of a CSV or XLSX upload once its header is read, to locate errors.
    layout: Layout<R>,
}

/// Where an upload's columns are, so that each error is located as precisely as its format allows:
/// in XLSX by sheet, cell (`J11`) and header, in CSV by column and header (JSON Lines has none: its
/// errors name the field).
struct Layout<R: 'static> {
    /// The sheet's name (XLSX).
    sheet: Option<String>,
    /// The zero-based column of the header's first cell (XLSX; 0 in CSV).
    first_column: u32,
    /// Each column's header as the file writes it, and the field it names, from `first_column` on.
    columns: Vec<(String, &'static Field<R>)>,
}

// By hand: a derive would ask `R` itself to be `Default`.
impl<R> Default for Layout<R> {
    fn default() -> Layout<R> {
        Layout {
            sheet: None,
            first_column: 0,
            columns: Vec::new(),
        }
    }
}

impl<R> Layout<R> {
    /// The zero-based column (of the sheet, or of the CSV row) holding `field` (`keywords[2]` is
    /// in the `keywords` column; `patent`, in the first `patent.*` column).
    fn column_of(&self, field: &str) -> Option<u32> {
        let name = field.split('[').next().unwrap_or(field);
        let index = self
            .columns
            .iter()
            .position(|(_, column)| column.name == name)
            .or_else(|| {
                self.columns
                    .iter()
                    .position(|(_, column)| column.nested().is_some() && column.key() == name)
            })?;
        Some(self.first_column + index as u32)
    }

    /// Fills in the sheet, and from the error's column (or else its field) the column, its header
    /// and, in a sheet, the cell (in the error's row, its `line`).
    fn locate(&self, error: &mut FieldError) {
        if error.sheet.is_none() {
            error.sheet = self.sheet.clone();
        }
        let column = match error.column {
            Some(column) => column.checked_sub(1).map(|column| column as u32),
            None => self.column_of(&error.field),
        };
        let Some(column) = column else {
            return;
        };
        error.column = Some(column as usize + 1);
        if error.header.is_none() {
            error.header = column
                .checked_sub(self.first_column)
                .and_then(|index| self.columns.get(index as usize))
                .map(|(header, _)| clean_header(header));
        }
        if let (Some(_), None, Some(line)) = (&self.sheet, &error.cell, error.line) {
            if line > 0 {
                error.cell = Some(cell_name(line as u32 - 1, column));
            }
        }
    }
}

/// A header as shown in messages: trimmed, without a byte order mark.
fn clean_header(header: &str) -> String {
    header
        .trim()
        .trim_start_matches('\u{feff}')
        .trim()
        .to_string()
}

/// A 128-bit hash of an id, for finding duplicates without keeping the ids (two SipHash-1-3 with
/// different inputs; a collision among a million ids has odds of about 2^-88).
fn id_key(id: &str) -> u128 {
    use std::hash::{Hash, Hasher};
    let mut low = std::collections::hash_map::DefaultHasher::new();
    id.hash(&mut low);
    let mut high = std::collections::hash_map::DefaultHasher::new();
    0xd1u8.hash(&mut high);
    id.hash(&mut high);
    (u128::from(high.finish()) << 64) | u128::from(low.finish())
}

impl<R: Record> Collector<R> {
    fn new(limits: Limits, keep_budget: usize) -> Collector<R> {
        Collector {
            limits,
            batch: Vec::new(),
            rows: 0,
            resources: Vec::new(),
            kept_bytes: 0,
            keep_budget,
            over_budget: false,
            first_line_of: HashMap::new(),
            errors: Vec::new(),
            total_errors: 0,
            bad_rows: 0,
            layout: Layout::default(),
        }
    }

    /// One data row on `line` (`what` names lines in messages: "line" or "row"): its object when it
    /// could be read, and the errors found reading it. Refused past `limits.max_rows` rows.
    fn row(
        &mut self,
        line: usize,
        value: Option<Value>,
        errors: Vec<FieldError>,
    ) -> Result<(), Refusal> {
        self.rows += 1;
        if self.rows > self.limits.max_rows {
            return Err(too_many_rows(line, self.limits.max_rows));
        }
        self.batch.push((line, value, errors));
        if self.batch.len() >= BATCH_ROWS {
            self.flush();
        }
        Ok(())
    }

    /// Errors that belong to no row (a header line).
    fn errors_at(&mut self, errors: Vec<FieldError>) {
        if !errors.is_empty() {
            self.bad_rows += 1;
        }
        for error in errors {
            self.keep(error);
        }
    }

    /// Counts an error, and keeps it, located by the layout, while fewer than `max_errors` are.
    fn keep(&mut self, mut error: FieldError) {
        self.total_errors += 1;
        if self.errors.len() < self.limits.max_errors {
            self.layout.locate(&mut error);
            self.errors.push(error);
        }
    }

    fn flush(&mut self) {
        let batch = std::mem::take(&mut self.batch);
        for (line, id, outcome, text_bytes) in check_rows_in_parallel::<R>(batch) {
            let row_errors = match outcome {
                Ok(resource) => match self.first_line_of.get(&id_key(resource.id())) {
                    Some(first) => vec![FieldError::new(
                        "id",
                        format!("duplicate id '{}', first on line {first}", resource.id()),
                    )],
                    None => {
                        self.first_line_of.insert(id_key(resource.id()), line);
                        self.kept_bytes += std::mem::size_of::<R>() + text_bytes;
                        if self.kept_bytes > self.keep_budget {
                            self.over_budget = true;
                            self.resources = Vec::new();
                        }
                        // Once any row failed nothing is imported, so the resources are not kept.
                        if self.total_errors == 0 && !self.over_budget {
                            self.resources.push(resource);
                        }
                        Vec::new()
                    }
                },
                Err(row_errors) => row_errors,
            };
            if !row_errors.is_empty() {
                self.bad_rows += 1;
                self.resources = Vec::new();
            }
            for mut error in row_errors {
                error.line = Some(line);
                if error.id.is_none() {
                    error.id = id.clone().filter(|id| !id.is_empty());
                }
                self.keep(error);
            }
        }
    }

    /// The resources; `Ok(None)` when every row passed but they were not kept (over the budget).
    fn finish(mut self) -> Result<Option<Vec<R>>, Refusal> {
        self.flush();
        if self.total_errors == 0 {
            Ok((!self.over_budget).then_some(self.resources))
        } else {
            Err(Refusal::Invalid {
                errors: self.errors,
                total: self.total_errors,
                rows: self.bad_rows,
            })
        }
    }
}

fn too_many_rows(line: usize, max_rows: usize) -> Refusal {
    Refusal::TooLarge {
        message: format!(
            "row {line}: the import takes at most {max_rows} data rows (import_max_rows); split the file"
        ),
        limit: max_rows as u64,
    }
}

/// One checked row: its line, its id as written, the resource or its errors, and the bytes of its
/// text (to estimate what the resource takes).
type CheckedRow<R> = (usize, Option<String>, Result<R, Vec<FieldError>>, usize);

/// The bytes of every string in `value`, keys included.
fn text_bytes(value: &Value) -> usize {
    match value {
        Value::String(text) => text.len(),
        Value::Array(items) => items.iter().map(text_bytes).sum(),
        Value::Object(object) => object
            .iter()
            .map(|(key, item)| key.len() + text_bytes(item))
            .sum(),
        _ => 0,
    }
}

fn check_row<R: Record>((line, value, row_errors): Pending) -> CheckedRow<R> {
    let Some(mut value) = value else {
        return (line, None, Err(row_errors), 0);
    };
    R::complete(&mut value);
    let bytes = text_bytes(&value);
    let id = value
        .get("id")
        .and_then(Value::as_str)
        .map(|id| id.trim().to_string());
    let outcome = checked(&value, row_errors, R::from_json);
    (line, id, outcome, bytes)
}

/// `check_row` over `rows` on all cores, results in input order.
fn check_rows_in_parallel<R: Record>(rows: Vec<Pending>) -> Vec<CheckedRow<R>> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    if threads < 2 || rows.len() < 1000 {
        return rows.into_iter().map(check_row::<R>).collect();
    }
    let chunk_len = rows.len().div_ceil(threads);
    let mut chunks: Vec<Vec<Pending>> = Vec::with_capacity(threads);
    let mut rows = rows.into_iter();
    loop {
        let chunk: Vec<Pending> = rows.by_ref().take(chunk_len).collect();
        if chunk.is_empty() {
            break;
        }
        chunks.push(chunk);
    }
    std::thread::scope(|scope| {
        let handles: Vec<_> = chunks
            .into_iter()
            .map(|chunk| {
                scope.spawn(move || chunk.into_iter().map(check_row::<R>).collect::<Vec<_>>())
            })
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

/// One record read as an import row is: the text rules (`check_text_safety`) and then `decode`,
/// with every error of both added to `errors` (the ones found before, such as a row's unreadable
/// cells). The import, the routes that take one record (a resource, a need, a fair's settings, a
/// participant, a meeting request) and nothing else apply them.
pub fn checked<T>(
    value: &Value,
    mut errors: Vec<FieldError>,
    decode: impl FnOnce(&Value) -> Result<T, Vec<FieldError>>,
) -> Result<T, Vec<FieldError>> {
    errors.extend(check_text_safety(value));
    match decode(value) {
        Ok(record) if errors.is_empty() => Ok(record),
        Ok(_) => Err(errors),
        Err(more) => {
            errors.extend(more);
            Err(errors)
        }
    }
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
/// - Both rules look at the value as written and as the plain-text rule (`duijie_core::plain`)
///   leaves it, so markup cannot hide a formula (`<b>=1+1</b>`) or a URL (`javascript&#58;`).
pub fn check_text_safety(value: &Value) -> Vec<FieldError> {
    let mut errors = Vec::new();
    walk_strings(value, "", &mut |field, raw| {
        // The text as stored, after the plain-text rule of free-text fields: `<p>=1+1</p>` is a
        // formula once its tags are gone. Both are checked, whatever the field.
        let plain = plain_text(raw).unwrap_or(Cow::Borrowed(raw));
        let texts: &[&str] = if plain == raw { &[raw] } else { &[raw, &plain] };
        let mut parts: Vec<&str> = texts.to_vec();
        for text in texts {
            if text.contains(';') || text.contains('；') {
                parts.extend(text.split([';', '；']));
            }
        }
        if parts.iter().any(|part| is_formula(part)) {
            errors.push(FieldError::new(
                field,
                "looks like a spreadsheet formula (starts with =, or with +, - or @ before a function call or cell reference); remove the leading sign",
            ));
        }
        if texts.iter().any(|text| is_script_url(text)) {
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
///
/// Linear in the length of `text`: a run of leading signs is walked once (a value of a million `+`
/// used to be rescanned once per sign).
pub fn is_formula(text: &str) -> bool {
    let text = text.trim_start();
    let mut chars = text.chars();
    match chars.next() {
        Some('=') => true,
        Some('+' | '-' | '@') => {
            let rest = chars.as_str();
            // A call or a reference starts with a letter or `$`, never with a sign, so after a run
            // of signs only the first other character can start one (or be `=`).
            let signs = rest
                .as_bytes()
                .iter()
                .position(|b| !matches!(b, b'+' | b'-' | b'@'))
                .unwrap_or(rest.len());
            let after = &rest[signs..];
            rest.contains('|') || starts_with_call_or_reference(after) || after.starts_with('=')
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
    // A script URL has a colon: most text is passed over by one `memchr`.
    if !text.contains(':') {
        return false;
    }
    let squeezed: String = text
        .chars()
        .filter(|c| !c.is_whitespace() && !c.is_control())
        .flat_map(char::to_lowercase)
        .collect();
    squeezed.contains("javascript:") || squeezed.contains("vbscript:")
}

/// What a file sent as text (CSV, JSON Lines) is instead, by its first bytes, told as a clerk can
/// act on it: it was "not valid UTF-8 (byte 16) nor GB18030".
fn binary_kind(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"PK\x03\x04") {
        Some("this is an Excel workbook (.xlsx) or another zip file, not text: send an .xlsx with format=xlsx, or save the sheet as CSV UTF-8")
    } else if bytes.starts_with(b"\xD0\xCF\x11\xE0") {
        Some("this is an Excel 97-2003 workbook (.xls) or a password-protected one, not text: save it as CSV UTF-8, or as .xlsx without a password")
    } else if bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF") {
        Some("this is UTF-16 text (Excel's \"Unicode text\"): save the sheet as CSV UTF-8 (comma-separated)")
    } else {
        None
    }
}

/// Bytes to text: UTF-8 (a BOM is dropped), or GB18030 when asked or when the bytes are not UTF-8 but
/// are valid GB18030.
fn decode_text(bytes: &[u8], encoding: Encoding) -> Result<Cow<'_, str>, Refusal> {
    if let Some(what) = binary_kind(bytes) {
        return Err(vec![FieldError::new("", what).at_line(1)].into());
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let gb18030 = |bytes: &[u8]| -> Option<Cow<'_, str>> {
        encoding_rs::GB18030
            .decode_without_bom_handling_and_without_replacement(bytes)
            .map(|text| Cow::Owned(text.into_owned()))
    };
    match encoding {
        Encoding::Gbk => gb18030(bytes).ok_or_else(|| {
            vec![FieldError::new("", "not valid GBK/GB18030 text").at_line(1)].into()
        }),
        Encoding::Utf8 | Encoding::Detect => match std::str::from_utf8(bytes) {
            // Borrowed: a UTF-8 upload is not copied.
            Ok(text) => Ok(Cow::Borrowed(text)),
            Err(error) => {
                let valid = error.valid_up_to();
                // Text that is UTF-8 up to one bad byte, with a Chinese (three-byte) character
                // before it, is taken as UTF-8 with a bad byte, not GB18030: GB18030 text is
                // rarely valid UTF-8 that far, while UTF-8 often decodes as GB18030 (王芳 read as
                // 鐜嬭姵 because of one stray Latin-1 byte further on). `?encoding=gbk` still reads
                // such a file as GB18030.
                let utf8_before = bytes[..valid].iter().any(|&byte| byte >= 0xE0);
                if encoding == Encoding::Detect && !utf8_before {
                    if let Some(text) = gb18030(bytes) {
                        return Ok(text);
                    }
                }
                let line = bytes[..valid].iter().filter(|&&b| b == b'\n').count() + 1;
                let message = if utf8_before {
                    format!(
                        "not valid UTF-8 at byte {valid}, though the text before it is UTF-8; correct that character and save the file as UTF-8 (or send ?encoding=gbk if the file is GBK)"
                    )
                } else {
                    format!(
                        "not valid UTF-8 (byte {valid}) nor GB18030; save the file as UTF-8 or send ?encoding=gbk"
                    )
                };
                Err(vec![FieldError::new("", message).at_line(line)].into())
            }
        },
    }
}

fn jsonl_rows<R: Record>(text: &str, collector: &mut Collector<R>) -> Result<(), Refusal> {
    for (index, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        // Past the error cap a bad line is only counted, so its message is not even written.
        let row = match serde_json::from_str::<Value>(line) {
            Ok(value) => (Some(value), Vec::new()),
            Err(_) if collector.errors.len() >= collector.limits.max_errors => {
                (None, vec![FieldError::new("", "not valid JSON")])
            }
            Err(error) => (
                None,
                vec![FieldError::new("", format!("not valid JSON: {error}"))],
            ),
        };
        collector.row(index + 1, row.0, row.1)?;
    }
    Ok(())
}

/// Maps a header row to fields (the record's table, `Record::FIELDS`); an unknown or
/// repeated header is an error on line `line`, located by its column (`first_column` is the
/// zero-based column of the first header: 0 in CSV).
fn header_fields<R: Record>(
    headers: &[String],
    line: usize,
    first_column: u32,
) -> Result<Vec<&'static Field<R>>, Vec<FieldError>> {
    let mut fields: Vec<&'static Field<R>> = Vec::new();
    let mut errors = Vec::new();
    let column_number = |index: usize| first_column as usize + index + 1;
    for (index, header) in headers.iter().enumerate() {
        let error = match header_of(R::FIELDS, header) {
            Some(field) => match fields.iter().position(|seen| seen.name == field.name) {
                Some(first) => FieldError::new(
                    field.name,
                    format!(
                        "repeats the field '{}' of column {}",
                        field.name,
                        column_number(first)
                    ),
                ),
                None => {
                    fields.push(field);
                    continue;
                }
            },
            None => FieldError::new(
                header.trim(),
                "unknown header; use the interchange field names or the Chinese names in the import documentation",
            ),
        };
        let mut error = error.at_line(line);
        error.column = Some(column_number(index));
        error.header = Some(clean_header(header));
        errors.push(error);
    }
    if errors.is_empty() {
        Ok(fields)
    } else {
        Err(errors)
    }
}

/// The layout of a header that `header_fields` read: each header as written with its field.
fn columns_of<R>(
    headers: Vec<String>,
    fields: &[&'static Field<R>],
) -> Vec<(String, &'static Field<R>)> {
    headers.into_iter().zip(fields.iter().copied()).collect()
}

/// One row's cells as the JSON object the record's decoder reads. Empty cells are absent fields;
/// a list field's cell holds its items separated by `;` or `；`; `kind` (and each of a need's
/// `kinds`) may be a Chinese label (`Kind::from_label`: 专家, 科技成果 or 成果, 专利, 机构).
fn row_object<R>(fields: &[&'static Field<R>], cells: &[String]) -> Value {
    let kind_code = |cell: &str| {
        Kind::from_label(cell)
            .map_or(cell, |kind| kind.as_str())
            .to_string()
    };
    let mut object = Map::new();
    for (field, cell) in fields.iter().zip(cells) {
        let cell = cell.trim();
        if cell.is_empty() {
            continue;
        }
        let value = match field.shape {
            Shape::List if field.name == "kinds" => Value::Array(
                split_list(cell)
                    .iter()
                    .map(|item| Value::String(kind_code(item)))
                    .collect(),
            ),
            Shape::List => Value::Array(split_list(cell).into_iter().map(Value::String).collect()),
            Shape::Text if field.name == "kind" => Value::String(kind_code(cell)),
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

/// Whether the byte at `index` ends a line: `\n`, or a `\r` not followed by `\n` (so `\r\n` ends
/// one line, at its `\n`).
fn ends_line(bytes: &[u8], index: usize) -> bool {
    match bytes[index] {
        b'\n' => true,
        b'\r' => bytes.get(index + 1) != Some(&b'\n'),
        _ => false,
    }
}

/// Where a quoted CSV cell opens that is never closed, as (line, column), both from 1: the csv
/// crate reads such a cell to the end of the file, so every row after it became part of one cell
/// and was lost without a word. RFC 4180: a quote opens a cell only at its start, and `""` in a
/// quoted cell is a quote.
fn unclosed_quote(text: &str) -> Option<(usize, usize)> {
    let bytes = text.as_bytes();
    let (mut line, mut column) = (1, 1);
    let mut at_cell_start = true;
    let mut opened: Option<(usize, usize)> = None;
    let mut index = 0;
    while index < bytes.len() {
        let byte = bytes[index];
        if opened.is_some() {
            if byte == b'"' {
                if bytes.get(index + 1) == Some(&b'"') {
                    index += 1;
                } else {
                    opened = None;
                }
            }
        } else {
            match byte {
                b'"' if at_cell_start => opened = Some((line, column)),
                b',' => {
                    column += 1;
                    at_cell_start = true;
                    index += 1;
                    continue;
                }
                b'\r' | b'\n' => {
                    column = 1;
                    at_cell_start = true;
                }
                _ => {}
            }
        }
        if ends_line(bytes, index) {
            line += 1;
        }
        at_cell_start = at_cell_start && matches!(byte, b'\r' | b'\n');
        index += 1;
    }
    opened
}

/// Line numbers of byte offsets in a text, read in increasing order: a line ends at `\n`, `\r\n`
/// or a lone `\r` (the csv crate counts `\n` only, so a file from Excel on Windows was one line
/// off, and an old Mac's all on line 1).
struct Lines<'a> {
    text: &'a [u8],
    offset: usize,
    line: usize,
}

impl Lines<'_> {
    fn new(text: &str) -> Lines<'_> {
        Lines {
            text: text.as_bytes(),
            offset: 0,
            line: 1,
        }
    }

    /// The line of the byte at `offset` (not before the last asked). An offset at the `\n` of a
    /// `\r\n` is the line after it: the csv crate gives a record after a `\r\n` that offset.
    fn at(&mut self, offset: usize) -> usize {
        let mut end = offset.min(self.text.len());
        if end > 0 && self.text.get(end) == Some(&b'\n') && self.text[end - 1] == b'\r' {
            end += 1;
        }
        while self.offset < end {
            if ends_line(self.text, self.offset) {
                self.line += 1;
            }
            self.offset += 1;
        }
        self.line
    }
}

fn csv_rows<R: Record>(text: &str, collector: &mut Collector<R>) -> Result<(), Refusal> {
    let mut lines = Lines::new(text);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut records = reader.records();
    let header = match records.next() {
        None => return Ok(()),
        Some(Err(error)) => {
            return Err(
                vec![FieldError::new("", format!("not valid CSV: {error}")).at_line(1)].into(),
            )
        }
        Some(Ok(header)) => header,
    };
    let headers: Vec<String> = header.iter().map(str::to_string).collect();
    if let Some((line, column)) = unclosed_quote(text) {
        let mut error = FieldError::new(
            "",
            "a quote opens this cell and is never closed, so every row after it would be read as this one cell; close the quote (a quote inside a quoted cell is written twice: \"\")",
        )
        .at_line(line);
        error.column = Some(column);
        error.header = headers.get(column - 1).cloned();
        return Err(vec![error].into());
    }
    let fields = header_fields::<R>(&headers, 1, 0)?;
    let id_column = fields.iter().position(|field| field.name == "id");
    collector.layout.columns = columns_of(headers, &fields);
    for record in records {
        match record {
            Err(error) => {
                let line = error
                    .position()
                    .map(|position| lines.at(position.byte() as usize))
                    .unwrap_or(0);
                let error = FieldError::new("", format!("not valid CSV: {error}"));
                collector.row(line, None, vec![error])?;
            }
            Ok(record) => {
                let line = record
                    .position()
                    .map(|position| lines.at(position.byte() as usize))
                    .unwrap_or(0);
                if record.iter().all(|cell| cell.trim().is_empty()) {
                    continue;
                }
                if record.len() != fields.len() {
                    let mut error = FieldError::new(
                        "",
                        format!(
                            "has {} cells but the header has {} columns",
                            record.len(),
                            fields.len()
                        ),
                    );
                    // The id, when the short row still reaches its column.
                    error.id = id_column
                        .and_then(|column| record.get(column))
                        .map(str::trim)
                        .filter(|id| !id.is_empty())
                        .map(str::to_string);
                    collector.row(line, None, vec![error])?;
                    continue;
                }
                let cells: Vec<String> = record.iter().map(str::to_string).collect();
                collector.row(line, Some(row_object(&fields, &cells)), Vec::new())?;
            }
        }
    }
    Ok(())
}

/// Parts a workbook may have; real ones have a few dozen.
const MAX_ZIP_ENTRIES: usize = 10_000;

/// Refuses a workbook whose zip parts inflate past `limits.xlsx_max_bytes`, by their declared sizes
/// and then by inflating each part into nothing (a declared size may lie), before calamine reads
/// any of it. Returns the inflated size of all parts.
fn check_zip(bytes: &[u8], limits: &Limits) -> Result<usize, Refusal> {
    let not_xlsx = |error: String| -> Refusal {
        vec![FieldError::new(
            "",
            format!("not a readable .xlsx file: {error}"),
        )]
        .into()
    };
    let limit = limits.xlsx_max_bytes;
    let too_large = |name: &str, size: u64| {
        Refusal::TooLarge {
        message: format!(
            "part {name} of the workbook inflates to {size} bytes or more; the import reads at most {limit} bytes of a workbook, all parts together (xlsx_max_bytes)"
        ),
        limit,
    }
    };
    if bytes.starts_with(b"\xD0\xCF\x11\xE0") {
        return Err(not_xlsx(
            "it is an Excel 97-2003 workbook (.xls) or a password-protected one: save it as .xlsx without a password".to_string(),
        ));
    }
    if !bytes.starts_with(b"PK") {
        return Err(not_xlsx(
            "it is not a zip archive, as every .xlsx is (a CSV or JSON Lines file takes format=csv or format=jsonl)".to_string(),
        ));
    }
    let mut archive =
        zip::ZipArchive::new(Cursor::new(bytes)).map_err(|error| not_xlsx(error.to_string()))?;
    if archive.len() > MAX_ZIP_ENTRIES {
        return Err(Refusal::TooLarge {
            message: format!(
                "the workbook has {} parts; at most {MAX_ZIP_ENTRIES} are read",
                archive.len()
            ),
            limit: MAX_ZIP_ENTRIES as u64,
        });
    }
    let mut total: u64 = 0;
    for index in 0..archive.len() {
        let mut part = archive
            .by_index(index)
            .map_err(|error| not_xlsx(error.to_string()))?;
        let name = part
            .name()
            .map(|name| name.into_owned())
            .unwrap_or_else(|_| format!("#{index}"));
        let declared = part.size();
        if total.saturating_add(declared) > limit {
            return Err(too_large(&name, declared));
        }
        let budget = limit - total;
        // The parts calamine reads whole before any cell, into objects several times their size:
        // their elements are counted as they inflate.
        let eager = EAGER_PARTS
            .iter()
            .find(|part| name.eq_ignore_ascii_case(part.name));
        let xml = name.ends_with(".xml") || name.ends_with(".rels");
        let mut counter = (xml || eager.is_some()).then(|| {
            let mut counter = Occurrences::new(eager.map_or("<", |part| part.counted));
            counter.check_references = name.starts_with("xl/worksheets/");
            counter
        });
        let inflated = match &mut counter {
            Some(counter) => {
                std::io::copy(&mut std::io::Read::take(&mut part, budget + 1), counter)
            }
            None => std::io::copy(
                &mut std::io::Read::take(&mut part, budget + 1),
                &mut std::io::sink(),
            ),
        }
        .map_err(|error| not_xlsx(format!("{name}: {error}")))?;
        if inflated > budget {
            return Err(too_large(&name, inflated));
        }
        // A cell or row number past Excel's own (XFD, 1048576) overflowed in the reader: a 500 in
        // a debug build, and in a release one a far cell landed on row 2 over a visible one.
        if let Some(reference) = counter
            .as_ref()
            .and_then(|counter| counter.bad_reference.as_ref())
        {
            return Err(not_xlsx(format!(
                "{name}: the cell reference '{reference}' is not one (Excel's go up to XFD1048576)"
            )));
        }
        // Each text or attribute value is read whole, and one of tens of megabytes cost ten
        // times that; a cell holds at most 32,767 characters in Excel.
        if let Some(counter) = counter
            .as_ref()
            .filter(|counter| counter.longest() > MAX_XML_RUN)
        {
            return Err(Refusal::TooLarge {
                message: format!(
                    "part {name} of the workbook holds a value of {} bytes or more; the import reads values of at most {MAX_XML_RUN} bytes",
                    counter.longest()
                ),
                limit: MAX_XML_RUN as u64,
            });
        }
        if let (Some(part), Some(counter)) = (eager, &counter) {
            let most = part.most.unwrap_or(limits.xlsx_max_cells);
            if counter.count > most {
                return Err(Refusal::TooLarge {
                    message: format!(
                        "part {name} of the workbook holds {} {}; the import reads at most {most}",
                        counter.count, part.what
                    ),
                    limit: most as u64,
                });
            }
        }
        total += inflated;
    }
    Ok(total as usize)
}

/// A part calamine reads whole before any cell, into objects several times the bytes of its XML
/// (a 555 KB upload of 12 million `<xf/>` took 2.2 GB).
struct EagerPart {
    name: &'static str,
    /// What is counted in it, and what that is.
    counted: &'static str,
    what: &'static str,
    /// How many at most; `None` for `xlsx_max_cells` (each shared string is a cell's text).
    most: Option<usize>,
}

const EAGER_PARTS: [EagerPart; 3] = [
    EagerPart {
        name: "xl/sharedStrings.xml",
        counted: "<si",
        what: "shared strings",
        most: None,
    },
    EagerPart {
        name: "xl/styles.xml",
        counted: "<",
        what: "XML tags",
        most: Some(MAX_EAGER_ELEMENTS),
    },
    EagerPart {
        name: "xl/workbook.xml",
        counted: "<",
        what: "XML tags",
        most: Some(MAX_EAGER_ELEMENTS),
    },
];

/// Elements of a workbook's styles or of its workbook part: Excel itself keeps at most 64,000
/// cell formats, each an element or a few.
const MAX_EAGER_ELEMENTS: usize = 500_000;

/// The longest run of bytes without a `<` in an XML part of a workbook: a text or attribute value
/// and its tag's name.
const MAX_XML_RUN: usize = 1 << 20;

/// A sink that counts the occurrences of a pattern in what is written to it (also across writes),
/// and measures the longest run of bytes without a `<`.
struct Occurrences {
    pattern: &'static [u8],
    /// How far into the pattern the bytes written last end.
    matched: usize,
    count: usize,
    /// The bytes since the last `<`, and the most there were.
    run: usize,
    longest_run: usize,
    /// Whether to check the cell references (`r="…"`, `ref="…"`) of a worksheet: the last bytes
    /// seen, the value being read, and the first that is not a reference.
    check_references: bool,
    last: [u8; 6],
    reference: Option<Vec<u8>>,
    bad_reference: Option<String>,
}

impl Occurrences {
    fn new(pattern: &'static str) -> Occurrences {
        Occurrences {
            pattern: pattern.as_bytes(),
            matched: 0,
            count: 0,
            run: 0,
            longest_run: 0,
            check_references: false,
            last: [0; 6],
            reference: None,
            bad_reference: None,
        }
    }

    /// The longest run of bytes without a `<` written so far.
    fn longest(&self) -> usize {
        self.longest_run.max(self.run)
    }

    /// Follows the attributes `r` and `ref` of a worksheet through one more byte.
    fn reference_byte(&mut self, byte: u8) {
        if let Some(value) = &mut self.reference {
            if byte == b'"' || value.len() > 24 {
                let done = std::mem::take(value);
                self.reference = None;
                if self.bad_reference.is_none() && !is_reference(&done) {
                    self.bad_reference = Some(String::from_utf8_lossy(&done).into_owned());
                }
            } else {
                value.push(byte);
            }
            return;
        }
        self.last.rotate_left(1);
        self.last[5] = byte;
        if self.last[2..] == *b" r=\"" || self.last[..] == *b" ref=\"" {
            self.reference = Some(Vec::new());
        }
    }
}

/// Whether `value` is a cell reference or a range of two within Excel's bounds: up to three
/// letters (XFD), up to seven digits (1048576), each part optional and after an optional `$`.
fn is_reference(value: &[u8]) -> bool {
    value.split(|&byte| byte == b':').all(|part| {
        let part = part.strip_prefix(b"$").unwrap_or(part);
        let letters = part
            .iter()
            .take_while(|byte| byte.is_ascii_alphabetic())
            .count();
        let rest = &part[letters..];
        let rest = rest.strip_prefix(b"$").unwrap_or(rest);
        letters <= 3 && rest.len() <= 7 && rest.iter().all(u8::is_ascii_digit)
    })
}

impl std::io::Write for Occurrences {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        for &byte in bytes {
            if self.check_references {
                self.reference_byte(byte);
            }
            if byte == b'<' {
                self.longest_run = self.longest_run.max(self.run);
                self.run = 0;
            } else {
                self.run += 1;
            }
            // The patterns start with '<', which occurs nowhere else in them: a mismatch restarts
            // at this byte.
            if byte == self.pattern[self.matched] {
                self.matched += 1;
            } else {
                self.matched = usize::from(byte == self.pattern[0]);
            }
            if self.matched == self.pattern.len() {
                self.count += 1;
                self.matched = 0;
            }
        }
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// `A1`-style name of a zero-based cell position.
fn cell_name(row: u32, column: u32) -> String {
    let mut letters = Vec::new();
    let mut n = column as u64 + 1;
    while n > 0 {
        letters.push(b'A' + ((n - 1) % 26) as u8);
        n = (n - 1) / 26;
    }
    letters.reverse();
    format!("{}{}", String::from_utf8_lossy(&letters), row as u64 + 1)
}

/// One cell's value as text, as a CSV cell would hold it.
fn cell_text(cell: &calamine::DataRef<'_>) -> String {
    use calamine::DataRef;
    match cell {
        DataRef::Empty => String::new(),
        DataRef::String(text) => text.clone(),
        DataRef::SharedString(text) => text.to_string(),
        DataRef::Float(number) if number.fract() == 0.0 && number.abs() < 1e15 => {
            format!("{}", *number as i64)
        }
        DataRef::Float(number) => number.to_string(),
        DataRef::Int(number) => number.to_string(),
        DataRef::Bool(value) => value.to_string(),
        // A whole day (a need's 截止日期) is written as a date; anything else is not RFC 3339, so
        // validation refuses it with a located message.
        DataRef::DateTime(value) => {
            excel_date(value.as_f64()).unwrap_or_else(|| format!("Excel date {}", value.as_f64()))
        }
        DataRef::DateTimeIso(text) | DataRef::DurationIso(text) => text.clone(),
        DataRef::Error(error) => format!("#ERROR {error}"),
    }
}

/// An Excel date serial (days since 1899-12-30) that is a whole day, as `YYYY-MM-DD`.
pub(crate) fn excel_date(serial: f64) -> Option<String> {
    if serial.fract() != 0.0 || !(1.0..=2_958_465.0).contains(&serial) {
        return None;
    }
    let days = serial as i64 - 25_569;
    let time = duijie_core::time::format_utc(days * 86_400);
    Some(time[..10].to_string())
}

/// A spreadsheet row being read: its cells by column, and whether one was an Excel error or a
/// formula.
#[derive(Default)]
struct SheetRow {
    index: u32,
    cells: Vec<(u32, String)>,
    /// The column of the first cell holding an Excel error value.
    error_column: Option<u32>,
    /// The column of the first number too long for Excel to have kept its digits.
    lost_digits_column: Option<u32>,
    /// The columns of cells holding a formula.
    formula_columns: Vec<u32>,
}

/// The first visible worksheet, streamed cell by cell: bounds are checked on each cell before
/// anything is kept, and each row goes to the collector when the next begins. The caller has
/// checked the zip (`check_zip`).
fn xlsx_rows<R: Record>(bytes: &[u8], collector: &mut Collector<R>) -> Result<(), Refusal> {
    use calamine::{Reader, Xlsx};

    let limits = collector.limits;
    let not_xlsx = |error: String| -> Refusal {
        vec![FieldError::new(
            "",
            format!("not a readable .xlsx file: {error}"),
        )]
        .into()
    };
    let mut workbook: Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(bytes))
        .map_err(|error: calamine::XlsxError| not_xlsx(error.to_string()))?;
    // The first sheet a clerk sees: a hidden one (old data kept out of sight) is passed over.
    let visible: Vec<String> = workbook
        .sheets_metadata()
        .iter()
        .filter(|sheet| {
            sheet.typ == calamine::SheetType::WorkSheet
                && sheet.visible == calamine::SheetVisible::Visible
        })
        .map(|sheet| sheet.name.clone())
        .collect();
    let Some((sheet_name, other_sheets)) = visible.split_first() else {
        return Err(not_xlsx("it has no visible worksheet".to_string()));
    };
    let sheet_name = sheet_name.clone();
    let mut reader = workbook
        .worksheet_cells_reader(&sheet_name)
        .map_err(|error| not_xlsx(error.to_string()))?;
    collector.layout.sheet = Some(sheet_name.clone());
    let max_rows = limits.max_rows.saturating_add(1).min(u32::MAX as usize) as u32;
    let max_columns = limits.xlsx_max_columns.min(u32::MAX as usize) as u32;
    let beyond = |row: u32, column: u32, declared: bool| -> Option<Refusal> {
        let what = if declared {
            "the sheet declares cells up to"
        } else {
            "cell"
        };
        if column >= max_columns {
            return Some(Refusal::TooLarge {
                message: format!(
                    "{what} {} (column {}): the import reads at most {max_columns} columns (xlsx_max_columns)",
                    cell_name(row, column),
                    column as u64 + 1
                ),
                limit: max_columns as u64,
            });
        }
        if row >= max_rows {
            return Some(Refusal::TooLarge {
                message: format!(
                    "{what} {} (row {}): the import takes at most {} data rows after the header (import_max_rows)",
                    cell_name(row, column),
                    row as u64 + 1,
                    limits.max_rows
                ),
                limit: limits.max_rows as u64,
            });
        }
        None
    };
    let dimensions = reader.dimensions();
    if let Some(refusal) = beyond(dimensions.end.0, dimensions.end.1, true) {
        return Err(refusal);
    }
    let mut header: SheetHeader<R> = None;
    let mut row = SheetRow::default();
    let mut n_cells: usize = 0;
    loop {
        let cell = reader
            .next_cell_with_formula()
            .map_err(|error| not_xlsx(error.to_string()))?;
        let Some(cell) = cell else {
            break;
        };
        let (row_index, column) = cell.pos;
        if let Some(refusal) = beyond(row_index, column, false) {
            return Err(refusal);
        }
        n_cells += 1;
        if n_cells > limits.xlsx_max_cells {
            return Err(Refusal::TooLarge {
                message: format!(
                    "cell {}: the import reads at most {} cells of a sheet (xlsx_max_cells)",
                    cell_name(row_index, column),
                    limits.xlsx_max_cells
                ),
                limit: limits.xlsx_max_cells as u64,
            });
        }
        if row_index != row.index {
            let done = std::mem::replace(
                &mut row,
                SheetRow {
                    index: row_index,
                    ..SheetRow::default()
                },
            );
            sheet_row(done, &mut header, collector)?;
        }
        if cell
            .formula
            .as_deref()
            .is_some_and(|formula| !formula.trim().is_empty())
        {
            row.formula_columns.push(column);
        }
        if matches!(cell.value, calamine::DataRef::Error(_)) && row.error_column.is_none() {
            row.error_column = Some(column);
        }
        if matches!(cell.value, calamine::DataRef::Float(number) if number.abs() >= 1e15)
            && row.lost_digits_column.is_none()
        {
            row.lost_digits_column = Some(column);
        }
        let text = cell_text(&cell.value);
        if !text.is_empty() {
            row.cells.push((column, text));
        }
    }
    sheet_row(row, &mut header, collector)?;
    // An empty first sheet (a 说明 sheet before the data) imported nothing with a 200.
    if header.is_none() && !other_sheets.is_empty() {
        return Err(vec![FieldError::new(
            "",
            format!(
                "sheet '{sheet_name}' is empty; the import reads only the first visible sheet, so move the sheet with the data ('{}') first",
                other_sheets.join("', '")
            ),
        )]
        .into());
    }
    Ok(())
}

/// The header of a sheet once read: its row, its first column and its fields.
type SheetHeader<R> = Option<(u32, u32, Vec<&'static Field<R>>)>;

/// Hands one spreadsheet row to the collector; the first row with a value is the header. Errors
/// found here name their column; the collector's layout adds the header and the cell.
fn sheet_row<R: Record>(
    row: SheetRow,
    header: &mut SheetHeader<R>,
    collector: &mut Collector<R>,
) -> Result<(), Refusal> {
    let line = row.index as usize + 1;
    let field_at = |column: u32| -> &'static str {
        header
            .as_ref()
            .and_then(|(_, first_column, fields)| {
                column
                    .checked_sub(*first_column)
                    .and_then(|offset| fields.get(offset as usize))
            })
            .map_or("", |field| field.name)
    };
    let at_column = |error: FieldError, column: u32| -> FieldError {
        let mut error = error.at_line(line);
        error.column = Some(column as usize + 1);
        error
    };
    // The record's id as written, for errors on rows that are not read further.
    let id = header.as_ref().and_then(|(_, first_column, fields)| {
        let id_column = first_column + fields.iter().position(|field| field.name == "id")? as u32;
        row.cells
            .iter()
            .find(|(column, _)| *column == id_column)
            .map(|(_, text)| text.trim().to_string())
            .filter(|id| !id.is_empty())
    });
    let with_id = |mut error: FieldError| -> FieldError {
        error.id = id.clone();
        error
    };
    // A cell holding a formula is refused whatever value Excel cached for it.
    let mut errors: Vec<FieldError> = row
        .formula_columns
        .iter()
        .map(|&column| {
            with_id(at_column(
                FieldError::new(
                    field_at(column),
                    "is a spreadsheet formula; paste values only",
                ),
                column,
            ))
        })
        .collect();
    if row.cells.iter().all(|(_, text)| text.trim().is_empty()) {
        if header.is_some() && !errors.is_empty() {
            collector.row(line, None, errors)?;
        } else {
            collector.errors_at(errors);
        }
        return Ok(());
    }
    let Some((_, first_column, fields)) = header.as_ref() else {
        let first_column = row
            .cells
            .iter()
            .map(|(column, _)| *column)
            .min()
            .unwrap_or(0);
        let last_column = row
            .cells
            .iter()
            .map(|(column, _)| *column)
            .max()
            .unwrap_or(0);
        let mut headers = vec![String::new(); (last_column - first_column) as usize + 1];
        for (column, text) in row.cells {
            headers[(column - first_column) as usize] = text;
        }
        match header_fields::<R>(&headers, line, first_column) {
            Ok(fields) => {
                collector.errors_at(errors);
                collector.layout.first_column = first_column;
                collector.layout.columns = columns_of(headers, &fields);
                *header = Some((row.index, first_column, fields));
                return Ok(());
            }
            Err(header_errors) => {
                errors.extend(header_errors);
                collector.errors_at(errors);
                // Without a header no row can be read: stop here, as a bad CSV header does.
                return Err(Refusal::Invalid {
                    total: collector.total_errors,
                    rows: collector.bad_rows,
                    errors: std::mem::take(&mut collector.errors),
                });
            }
        }
    };
    if let Some(column) = row.error_column {
        errors.push(with_id(at_column(
            FieldError::new(field_at(column), "is an Excel error value"),
            column,
        )));
        return collector.row(line, None, errors);
    }
    if let Some(column) = row.lost_digits_column {
        errors.push(with_id(at_column(
            FieldError::new(
                field_at(column),
                "is a number of 16 digits or more, of which Excel keeps only 15 (440305123456789012 becomes 440305123456789000): format the column as text and type it again",
            ),
            column,
        )));
        return collector.row(line, None, errors);
    }
    let mut cells = vec![String::new(); fields.len()];
    for (column, text) in row.cells {
        let offset = column
            .checked_sub(*first_column)
            .map(|offset| offset as usize);
        match offset.filter(|offset| *offset < fields.len()) {
            Some(offset) => cells[offset] = text,
            None if text.trim().is_empty() => {}
            None => {
                errors.push(with_id(at_column(
                    FieldError::new("", "has a cell beyond the header's columns"),
                    column,
                )));
                return collector.row(line, None, errors);
            }
        }
    }
    collector.row(line, Some(row_object(fields, &cells)), errors)
}
