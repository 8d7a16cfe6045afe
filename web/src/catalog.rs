//! The catalog snapshot the widget loads from `GET /api/v1/snapshot`, decoded into a matcher.

use duijie_core::matcher::catalog_version;
use duijie_core::{Matcher, Resource, Weights};
use serde::Deserialize;

/// The snapshot object `{"catalog_version", "weights", "region", "kinds", "resources"}`.
#[derive(Deserialize)]
pub struct Snapshot {
    #[serde(default)]
    catalog_version: String,
    #[serde(default)]
    weights: Option<Weights>,
    resources: Vec<Resource>,
}

/// Decodes the snapshot.
///
/// The resources are decoded straight into `Resource` (serde) rather than through the validating
/// interchange decoder: the server validated every one at import, and page load at a fair must stay
/// short. The matcher package (duijie-wasm) validates, for catalogs from anywhere.
pub fn decode_snapshot(bytes: &[u8]) -> Result<Snapshot, String> {
    serde_json::from_slice(bytes).map_err(|error| format!("invalid snapshot: {error}"))
}

/// Indexes a decoded snapshot.
pub fn matcher_from_snapshot(snapshot: Snapshot) -> Matcher {
    let weights = snapshot.weights.unwrap_or_default();
    let version = if snapshot.catalog_version.is_empty() {
        catalog_version(&snapshot.resources, &weights)
    } else {
        snapshot.catalog_version
    };
    Matcher::new(version, snapshot.resources, weights)
}

/// Runs one throwaway match, so that the browser compiles the matching code at load rather than on
/// the broker's first keystroke (Chromium compiles WebAssembly functions lazily, on first call).
pub fn warm_up(matcher: &Matcher) {
    let Some(resource) = matcher.resources().first() else {
        return;
    };
    let need = duijie_core::Need {
        text: resource.title.clone(),
        ..duijie_core::Need::default()
    };
    std::hint::black_box(matcher.match_need(&need, &duijie_core::MatchOptions::default()));
}
