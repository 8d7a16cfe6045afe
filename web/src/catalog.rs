//! The catalog snapshot the widget loads from `GET /api/v1/snapshot`, decoded into a matcher.

use duijie_core::jsonl::resource_from_json;
use duijie_core::matcher::catalog_version;
use duijie_core::{Matcher, Weights};
use serde_json::Value;

/// Decodes the snapshot object `{"catalog_version", "weights", "region", "kinds", "resources"}` and
/// indexes it. Invalid entries are skipped and counted rather than refused, so that one bad record
/// never leaves a broker at a fair without a widget.
pub fn matcher_from_snapshot(text: &str) -> Result<(Matcher, usize), String> {
    let value: Value =
        serde_json::from_str(text).map_err(|error| format!("snapshot is not JSON: {error}"))?;
    let weights = match value.get("weights") {
        None | Some(Value::Null) => Weights::default(),
        Some(weights) => serde_json::from_value::<Weights>(weights.clone())
            .map_err(|error| format!("snapshot weights: {error}"))?,
    };
    let items = value
        .get("resources")
        .and_then(Value::as_array)
        .ok_or_else(|| "snapshot has no resources array".to_string())?;
    let mut skipped = 0;
    let resources: Vec<_> = items
        .iter()
        .filter_map(|item| match resource_from_json(item) {
            Ok(resource) => Some(resource),
            Err(_) => {
                skipped += 1;
                None
            }
        })
        .collect();
    let version = match value.get("catalog_version").and_then(Value::as_str) {
        Some(version) if !version.is_empty() => version.to_string(),
        _ => catalog_version(&resources, &weights),
    };
    Ok((Matcher::new(version, resources, weights), skipped))
}
