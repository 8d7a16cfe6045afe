//! Decoding resources and needs from JSON values and JSON Lines text, reporting every error.
//!
//! Serde's derive stops at the first problem; catalog staff need all of them, each located by line and
//! field, so records are decoded field by field from a `serde_json::Value`. Importers of other formats
//! (CSV, Excel) build the same JSON object per row and call `resource_from_json`, so every format is
//! checked by this one function.

use std::borrow::Cow;
use std::collections::HashMap;

use serde_json::{Map, Value};

use crate::fields;
use crate::model::{
    Contact, FieldError, Kind, Mode, Need, NeedRecord, NeedStatus, Patent, Resource, Visibility,
};
use crate::plain::{plain_text, reference_len, TooDeep, MAX_PASSES};
use crate::validate::{
    canonical_region, clip, validate_need, validate_need_record, validate_resource,
};

/// The fields a need object may have; anything else is an error, not silently dropped. (A
/// resource's are the table `fields::RESOURCE_FIELDS`.)
pub const NEED_FIELDS: [&str; 10] = [
    "title",
    "text",
    "keywords",
    "disciplines",
    "industries",
    "region",
    "modes",
    "min_maturity",
    "kinds",
    "budget",
];

/// Decodes and validates one resource. On failure, returns every problem found.
pub fn resource_from_json(value: &Value) -> Result<Resource, Vec<FieldError>> {
    let Some(object) = value.as_object() else {
        return Err(vec![FieldError::new(
            "",
            "a resource must be a JSON object",
        )]);
    };
    let mut decoder = Decoder::default();
    decoder.unknown_fields(object, fields::is_resource_key);
    let id = decoder.string(object, "id").unwrap_or_default();
    let kind = match object.get("kind") {
        None | Some(Value::Null) => {
            decoder.error(
                "kind",
                "is required: expert, achievement, patent or organization",
            );
            None
        }
        Some(Value::String(text)) => {
            let kind = Kind::parse(text.trim());
            if kind.is_none() {
                decoder.error(
                    "kind",
                    format!(
                        "unknown kind '{}': expert, achievement, patent or organization",
                        clip(text)
                    ),
                );
            }
            kind
        }
        Some(_) => {
            decoder.error("kind", "must be a string");
            None
        }
    };
    if object.get("id").is_none_or(Value::is_null) {
        decoder.error("id", "is required");
    }
    let mut resource = Resource::new(id, kind.unwrap_or(Kind::Achievement));
    resource.title = decoder.text(object, "title").unwrap_or_default();
    resource.summary = decoder.text(object, "summary").unwrap_or_default();
    resource.keywords = decoder.texts(object, "keywords");
    resource.disciplines = decoder.texts(object, "disciplines");
    resource.industries = decoder.texts(object, "industries");
    resource.region = decoder
        .text(object, "region")
        .filter(|region| !region.is_empty())
        .and_then(|region| canonical_region(&mut decoder.errors, "region", &region));
    resource.organization = decoder.text(object, "organization").unwrap_or_default();
    resource.society = decoder.text(object, "society").unwrap_or_default();
    resource.modes = decoder.modes(object, "modes");
    resource.maturity = decoder.small_int(object, "maturity");
    resource.position = decoder.text(object, "position").unwrap_or_default();
    resource.expertise = decoder.texts(object, "expertise");
    resource.updated_at = decoder
        .text(object, "updated_at")
        .filter(|time| !time.is_empty());
    resource.patent = decoder.object(object, "patent").map(|patent| Patent {
        number: decoder.text(patent, "patent.number").unwrap_or_default(),
        ipc: decoder.texts(patent, "patent.ipc"),
        status: decoder.text(patent, "patent.status").unwrap_or_default(),
    });
    resource.contact = decoder.object(object, "contact").map(|contact| Contact {
        name: decoder.text(contact, "contact.name").unwrap_or_default(),
        phone: decoder.text(contact, "contact.phone").unwrap_or_default(),
        email: decoder.text(contact, "contact.email").unwrap_or_default(),
    });
    if kind.is_some() {
        decoder.errors.extend(validate_resource(&resource));
    }
    decoder.finish(resource)
}

/// Decodes and validates one need.
pub fn need_from_json(value: &Value) -> Result<Need, Vec<FieldError>> {
    let Some(object) = value.as_object() else {
        return Err(vec![FieldError::new("", "a need must be a JSON object")]);
    };
    let mut decoder = Decoder::default();
    decoder.unknown_fields(object, |key| NEED_FIELDS.contains(&key));
    let mut need = Need {
        title: decoder.string(object, "title").unwrap_or_default(),
        text: decoder.string(object, "text").unwrap_or_default(),
        keywords: decoder.strings(object, "keywords"),
        disciplines: decoder.strings(object, "disciplines"),
        industries: decoder.strings(object, "industries"),
        region: None,
        modes: decoder.modes(object, "modes"),
        min_maturity: decoder.small_int(object, "min_maturity"),
        kinds: Vec::new(),
        budget: None,
    };
    need.region = decoder
        .string(object, "region")
        .filter(|region| !region.is_empty())
        .and_then(|region| canonical_region(&mut decoder.errors, "region", &region));
    need.kinds = decoder.kinds(object, "kinds");
    match object.get("budget") {
        None | Some(Value::Null) => {}
        Some(Value::Number(number)) => need.budget = number.as_f64(),
        Some(_) => decoder.error("budget", "must be a number (万元)"),
    }
    decoder.errors.extend(validate_need(&need));
    decoder.finish(need)
}

/// Decodes and validates one stored need (`NeedRecord`). On failure, returns every problem found.
///
/// `status` and `visibility` take their codes or Chinese labels (`NeedStatus::from_label`,
/// `Visibility::from_label`); `deadline` a date written `2025-06-30`, `2025/6/30`, `2025.6.30` or
/// `2025年6月30日`, kept as `2025-06-30`.
pub fn need_record_from_json(value: &Value) -> Result<NeedRecord, Vec<FieldError>> {
    let Some(object) = value.as_object() else {
        return Err(vec![FieldError::new("", "a need must be a JSON object")]);
    };
    let mut decoder = Decoder::default();
    decoder.unknown_fields(object, fields::is_need_record_key);
    if object.get("id").is_none_or(Value::is_null) {
        decoder.error("id", "is required");
    }
    let mut record = NeedRecord {
        id: decoder.string(object, "id").unwrap_or_default(),
        title: decoder.need_text(object, "title").unwrap_or_default(),
        text: decoder.need_text(object, "text").unwrap_or_default(),
        organization: decoder
            .need_text(object, "organization")
            .unwrap_or_default(),
        keywords: decoder.texts(object, "keywords"),
        disciplines: decoder.strings(object, "disciplines"),
        industries: decoder.strings(object, "industries"),
        region: None,
        modes: decoder.modes(object, "modes"),
        min_maturity: decoder.small_int(object, "min_maturity"),
        kinds: decoder.kinds(object, "kinds"),
        budget: decoder.need_text(object, "budget").unwrap_or_default(),
        deadline: decoder
            .string(object, "deadline")
            .filter(|deadline| !deadline.is_empty())
            .map(|deadline| crate::time::normalize_date(&deadline).unwrap_or(deadline)),
        status: NeedStatus::Open,
        visibility: Visibility::Public,
        contact: decoder.object(object, "contact").map(|contact| Contact {
            name: decoder
                .need_text(contact, "contact.name")
                .unwrap_or_default(),
            phone: decoder.string(contact, "contact.phone").unwrap_or_default(),
            email: decoder.string(contact, "contact.email").unwrap_or_default(),
        }),
        updated_at: decoder
            .string(object, "updated_at")
            .filter(|time| !time.is_empty()),
    };
    record.region = decoder
        .string(object, "region")
        .filter(|region| !region.is_empty())
        .and_then(|region| canonical_region(&mut decoder.errors, "region", &region));
    if let Some(status) = decoder
        .string(object, "status")
        .filter(|text| !text.is_empty())
    {
        match NeedStatus::from_label(&status) {
            Some(status) => record.status = status,
            None => decoder.error(
                "status",
                format!(
                    "unknown status '{}': open, matched, solved or closed",
                    clip(&status)
                ),
            ),
        }
    }
    if let Some(visibility) = decoder
        .string(object, "visibility")
        .filter(|text| !text.is_empty())
    {
        match Visibility::from_label(&visibility) {
            Some(visibility) => record.visibility = visibility,
            None => decoder.error(
                "visibility",
                format!(
                    "unknown visibility '{}': public or members",
                    clip(&visibility)
                ),
            ),
        }
    }
    decoder.errors.extend(validate_need_record(&record));
    decoder.finish(record)
}

/// A catalog read from JSON Lines: the valid resources, and every error of the invalid lines.
#[derive(Debug, Default)]
pub struct ParsedCatalog {
    pub resources: Vec<Resource>,
    pub errors: Vec<FieldError>,
}

/// Reads a catalog in JSON Lines. Blank lines are skipped; a duplicate id is an error on its second line.
/// Lines are numbered from 1.
pub fn parse_catalog_jsonl(text: &str) -> ParsedCatalog {
    let mut parsed = ParsedCatalog::default();
    let mut first_line_of: HashMap<String, usize> = HashMap::new();
    for (line_index, line) in text.lines().enumerate() {
        let line_no = line_index + 1;
        let line = line.trim_start_matches('\u{feff}').trim();
        if line.is_empty() {
            continue;
        }
        match serde_json::from_str::<Value>(line) {
            Err(error) => parsed
                .errors
                .push(FieldError::new("", format!("not valid JSON: {error}")).at_line(line_no)),
            Ok(value) => match resource_from_json(&value) {
                Ok(resource) => {
                    if let Some(first) = first_line_of.get(&resource.id) {
                        let mut error = FieldError::new(
                            "id",
                            format!("duplicate id '{}', first on line {first}", resource.id),
                        )
                        .at_line(line_no);
                        error.id = Some(resource.id.clone());
                        parsed.errors.push(error);
                    } else {
                        first_line_of.insert(resource.id.clone(), line_no);
                        parsed.resources.push(resource);
                    }
                }
                Err(errors) => parsed
                    .errors
                    .extend(errors.into_iter().map(|error| error.at_line(line_no))),
            },
        }
    }
    parsed
}

/// One line of a matching-quality suite: `{"qid", "kind", "need", "relevant"}`.
#[derive(Clone, Debug)]
pub struct Query {
    pub qid: String,
    pub kind: String,
    pub need: Need,
    pub relevant: Vec<String>,
}

/// Reads a matching-quality suite in JSON Lines.
pub fn parse_queries_jsonl(text: &str) -> (Vec<Query>, Vec<FieldError>) {
    let mut queries = Vec::new();
    let mut errors = Vec::new();
    for (line_index, line) in text.lines().enumerate() {
        let line_no = line_index + 1;
        let line = line.trim_start_matches('\u{feff}').trim();
        if line.is_empty() {
            continue;
        }
        let value: Value = match serde_json::from_str(line) {
            Ok(value) => value,
            Err(error) => {
                errors
                    .push(FieldError::new("", format!("not valid JSON: {error}")).at_line(line_no));
                continue;
            }
        };
        let Some(object) = value.as_object() else {
            errors.push(FieldError::new("", "a query must be a JSON object").at_line(line_no));
            continue;
        };
        let mut decoder = Decoder::default();
        decoder.unknown_fields(object, |key| {
            ["qid", "kind", "need", "relevant"].contains(&key)
        });
        let qid = decoder
            .string(object, "qid")
            .unwrap_or_else(|| format!("line-{line_no}"));
        let kind = decoder.string(object, "kind").unwrap_or_default();
        let relevant = decoder.strings(object, "relevant");
        let need = match object.get("need") {
            Some(need) => match need_from_json(need) {
                Ok(need) => Some(need),
                Err(need_errors) => {
                    for mut error in need_errors {
                        error.field = format!("need.{}", error.field);
                        decoder.errors.push(error);
                    }
                    None
                }
            },
            None => {
                decoder.error("need", "is required");
                None
            }
        };
        match (need, decoder.errors.is_empty()) {
            (Some(need), true) => queries.push(Query {
                qid,
                kind,
                need,
                relevant,
            }),
            _ => errors.extend(
                decoder
                    .errors
                    .into_iter()
                    .map(|error| error.at_line(line_no)),
            ),
        }
    }
    (queries, errors)
}

/// Collects errors while reading fields of one object.
#[derive(Default)]
struct Decoder {
    errors: Vec<FieldError>,
}

impl Decoder {
    fn error(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.errors.push(FieldError::new(field, message));
    }

    fn finish<T>(self, value: T) -> Result<T, Vec<FieldError>> {
        if self.errors.is_empty() {
            Ok(value)
        } else {
            Err(self.errors)
        }
    }

    fn unknown_fields(&mut self, object: &Map<String, Value>, known: impl Fn(&str) -> bool) {
        let mut unknown: Vec<&String> = object.keys().filter(|key| !known(key)).collect();
        unknown.sort();
        for key in unknown {
            self.error(clip(key), "unknown field");
        }
    }

    /// `path` is the field's name in messages (`patent.number`); its last part is the key.
    fn string(&mut self, object: &Map<String, Value>, path: &str) -> Option<String> {
        let key = path.rsplit('.').next().unwrap_or(path);
        match object.get(key) {
            None | Some(Value::Null) => None,
            Some(Value::String(text)) => Some(text.trim().to_string()),
            Some(Value::Number(number)) => Some(number.to_string()),
            Some(_) => {
                self.error(path, "must be a string");
                None
            }
        }
    }

    /// A resource's text field (`path` names it in the field table): `string`, then, for a free-text
    /// field, the plain-text rule (`plain::plain_text`), trimmed again.
    fn text(&mut self, object: &Map<String, Value>, path: &str) -> Option<String> {
        let text = self.string(object, path)?;
        Some(self.plain(path, path, text))
    }

    /// A resource's list field: `strings`, then, for a free-text field, the plain-text rule on each
    /// item. An item left empty by the rule stays, for validation to name.
    fn texts(&mut self, object: &Map<String, Value>, path: &str) -> Vec<String> {
        let items = self.strings(object, path);
        if !fields::field(path).is_some_and(|field| field.free_text) {
            return items;
        }
        items
            .into_iter()
            .enumerate()
            .map(|(index, item)| self.plain(path, &format!("{path}[{index}]"), item))
            .collect()
    }

    /// `text` through the plain-text rule when the field table marks `path` free text; `located`
    /// names it in an error (`keywords[2]`).
    fn plain(&mut self, path: &str, located: &str, text: String) -> String {
        if !fields::field(path).is_some_and(|field| field.free_text) {
            return text;
        }
        self.plain_always(located, text)
    }

    /// A stored need's free text (`NEED_RECORD_FIELDS` marks which): `string`, then the plain-text
    /// rule.
    fn need_text(&mut self, object: &Map<String, Value>, path: &str) -> Option<String> {
        let text = self.string(object, path)?;
        Some(self.plain_always(path, text))
    }

    /// `text` through the plain-text rule; `located` names it in an error.
    fn plain_always(&mut self, located: &str, text: String) -> String {
        match plain_text(&text) {
            Ok(Cow::Borrowed(_)) => text,
            Ok(Cow::Owned(plain)) => plain.trim().to_string(),
            Err(TooDeep) => {
                self.error(
                    located,
                    format!(
                        "holds HTML escaped more than {MAX_PASSES} times over (&amp;amp;…); unescape it before importing"
                    ),
                );
                text
            }
        }
    }

    /// A list of strings; a single string is accepted as a list split on `;` or `；`.
    fn strings(&mut self, object: &Map<String, Value>, path: &str) -> Vec<String> {
        let key = path.rsplit('.').next().unwrap_or(path);
        match object.get(key) {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::String(text)) => split_list(text),
            Some(Value::Array(items)) => {
                let mut out = Vec::with_capacity(items.len());
                for (index, item) in items.iter().enumerate() {
                    match item {
                        Value::String(text) => out.push(text.trim().to_string()),
                        Value::Number(number) => out.push(number.to_string()),
                        _ => self.error(format!("{path}[{index}]"), "must be a string"),
                    }
                }
                out
            }
            Some(_) => {
                self.error(path, "must be a list of strings");
                Vec::new()
            }
        }
    }

    fn modes(&mut self, object: &Map<String, Value>, path: &str) -> Vec<Mode> {
        let mut modes = Vec::new();
        for (index, text) in self.strings(object, path).iter().enumerate() {
            match Mode::parse(text) {
                Some(mode) if !modes.contains(&mode) => modes.push(mode),
                Some(_) => {}
                None => self.error(
                    format!("{path}[{index}]"),
                    format!(
                        "unknown cooperation mode '{}': transfer, license, joint_rd, consulting, training, equity or promotion",
                        clip(text)
                    ),
                ),
            }
        }
        modes
    }

    /// Resource kinds by code, each once.
    fn kinds(&mut self, object: &Map<String, Value>, path: &str) -> Vec<Kind> {
        let mut kinds = Vec::new();
        for (index, kind) in self.strings(object, path).iter().enumerate() {
            match Kind::parse(kind.trim()) {
                Some(kind) if !kinds.contains(&kind) => kinds.push(kind),
                Some(_) => {}
                None => self.error(
                    format!("{path}[{index}]"),
                    format!("unknown kind '{}'", clip(kind)),
                ),
            }
        }
        kinds
    }

    fn small_int(&mut self, object: &Map<String, Value>, key: &str) -> Option<u8> {
        match object.get(key) {
            None | Some(Value::Null) => None,
            Some(Value::Number(number)) => match number.as_u64() {
                Some(value @ 0..=255) => Some(value as u8),
                _ => {
                    self.error(key, "must be an integer from 1 to 9");
                    None
                }
            },
            Some(Value::String(text)) if text.trim().is_empty() => None,
            Some(Value::String(text)) => match text.trim().parse::<u8>() {
                Ok(value) => Some(value),
                Err(_) => {
                    self.error(key, "must be an integer from 1 to 9");
                    None
                }
            },
            Some(_) => {
                self.error(key, "must be an integer from 1 to 9");
                None
            }
        }
    }

    /// A nested object of a resource (`patent`, `contact`), whose keys the field table lists.
    fn object<'a>(
        &mut self,
        object: &'a Map<String, Value>,
        key: &str,
    ) -> Option<&'a Map<String, Value>> {
        match object.get(key) {
            None | Some(Value::Null) => None,
            Some(Value::Object(inner)) => {
                let mut unknown: Vec<&String> = inner
                    .keys()
                    .filter(|name| !fields::is_nested_key(key, name))
                    .collect();
                unknown.sort();
                for name in unknown {
                    self.error(format!("{key}.{}", clip(name)), "unknown field");
                }
                Some(inner)
            }
            Some(_) => {
                self.error(key, "must be an object");
                None
            }
        }
    }
}

/// Splits a list cell on `;` or `；`, trimming items and dropping empty ones. The `;` that ends a
/// character reference (`储能&lt;电站&gt;`) is no separator: free-text items are read through the
/// plain-text rule after the split.
pub fn split_list(text: &str) -> Vec<String> {
    let mut items = Vec::new();
    let mut start = 0;
    let mut position = 0;
    while let Some(offset) = text[position..].find(['&', ';', '；']) {
        let at = position + offset;
        if text[at..].starts_with('&') {
            position = at + reference_len(&text[at..]).unwrap_or(1);
            continue;
        }
        items.push(&text[start..at]);
        position = at + text[at..].chars().next().map_or(1, char::len_utf8);
        start = position;
    }
    items.push(&text[start..]);
    items
        .into_iter()
        .map(str::trim)
        .filter(|item| !item.is_empty())
        .map(str::to_string)
        .collect()
}
