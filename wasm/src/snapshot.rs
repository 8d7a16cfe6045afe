//! Reading a catalog for the matcher: the server's snapshot object, or JSON Lines of resources.

use duijie_core::jsonl::{parse_catalog_jsonl, resource_from_json};
use duijie_core::matcher::catalog_version;
use duijie_core::{FieldError, Resource, Weights};
use serde_json::Value;

/// A decoded catalog: its version, weights and resources.
pub struct Catalog {
    pub version: String,
    pub weights: Weights,
    pub resources: Vec<Resource>,
}

/// How many field errors an error message lists before it says how many more there are.
const MAX_LISTED_ERRORS: usize = 10;

/// Decodes a catalog from text: the snapshot object of `GET /api/v1/snapshot` (one JSON object with
/// `resources`), or JSON Lines with one resource a line.
pub fn catalog_from_text(text: &str) -> Result<Catalog, String> {
    let trimmed = text.trim_start_matches('\u{feff}').trim();
    // A snapshot is one JSON object with `resources`; anything else is read as JSON Lines, which also
    // covers a one-line catalog whose only line is a resource object.
    if trimmed.starts_with('{') {
        if let Ok(value) = serde_json::from_str::<Value>(trimmed) {
            if value.get("resources").is_some() {
                return catalog_from_snapshot(&value);
            }
        }
    }
    let parsed = parse_catalog_jsonl(trimmed);
    if !parsed.errors.is_empty() {
        return Err(describe_errors("catalog", &parsed.errors));
    }
    let weights = Weights::default();
    let version = catalog_version(&parsed.resources, &weights);
    Ok(Catalog {
        version,
        weights,
        resources: parsed.resources,
    })
}

/// Decodes the snapshot object `{"catalog_version", "weights", "region", "kinds", "resources"}`.
///
/// The snapshot's own `catalog_version` is kept, so results name the same version as the server's.
pub fn catalog_from_snapshot(value: &Value) -> Result<Catalog, String> {
    let Some(object) = value.as_object() else {
        return Err("a snapshot must be a JSON object".to_string());
    };
    let weights = match object.get("weights") {
        None | Some(Value::Null) => Weights::default(),
        Some(weights) => serde_json::from_value::<Weights>(weights.clone())
            .map_err(|error| format!("snapshot weights: {error}"))?,
    };
    weights
        .validate()
        .map_err(|error| format!("snapshot weights: {error}"))?;
    let Some(items) = object.get("resources").and_then(Value::as_array) else {
        return Err("snapshot: 'resources' must be an array".to_string());
    };
    let mut resources = Vec::with_capacity(items.len());
    let mut errors = Vec::new();
    for (index, item) in items.iter().enumerate() {
        match resource_from_json(item) {
            Ok(resource) => resources.push(resource),
            Err(found) => errors.extend(found.into_iter().map(|mut error| {
                error.field = format!("resources[{index}].{}", error.field);
                error
            })),
        }
    }
    if !errors.is_empty() {
        return Err(describe_errors("snapshot", &errors));
    }
    let version = match object.get("catalog_version").and_then(Value::as_str) {
        Some(version) if !version.is_empty() => version.to_string(),
        _ => catalog_version(&resources, &weights),
    };
    Ok(Catalog {
        version,
        weights,
        resources,
    })
}

/// One message for a list of field errors: the first few, then a count of the rest.
pub fn describe_errors(what: &str, errors: &[FieldError]) -> String {
    let mut message = format!("invalid {what}: {} error(s)", errors.len());
    for error in errors.iter().take(MAX_LISTED_ERRORS) {
        message.push_str("\n  ");
        if let Some(line) = error.line {
            message.push_str(&format!("line {line}: "));
        }
        if let Some(id) = &error.id {
            message.push_str(&format!("[{id}] "));
        }
        message.push_str(&format!("{}: {}", error.field, error.message));
    }
    if errors.len() > MAX_LISTED_ERRORS {
        message.push_str(&format!(
            "\n  ... and {} more",
            errors.len() - MAX_LISTED_ERRORS
        ));
    }
    message
}
