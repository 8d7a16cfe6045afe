//! The catalog snapshot the widget loads from `GET /api/v1/snapshot`, decoded and indexed into a
//! matcher in slices, so that the page keeps answering its broker meanwhile.

use std::future::Future;

use duijie_core::matcher::catalog_version;
use duijie_core::pause::RESOURCES_PER_PAUSE;
use duijie_core::{Matcher, Resource, Weights};
use serde::Deserialize;
use serde_json::value::RawValue;

/// The snapshot object `{"catalog_version", "weights", "region", "kinds", "resources"}`, with each
/// resource still raw JSON: reading that is a quick scan, and the resources are then decoded a few
/// at a time.
#[derive(Deserialize)]
struct RawSnapshot<'a> {
    #[serde(default)]
    catalog_version: String,
    #[serde(default)]
    weights: Option<Weights>,
    #[serde(borrow)]
    resources: Vec<&'a RawValue>,
}

/// Decodes and indexes a snapshot, awaiting `pause()` every few resources (see
/// `duijie_core::pause`); `decoded` is called between decoding and indexing (for User Timing).
///
/// The resources are decoded straight into `Resource` (serde) rather than through the validating
/// interchange decoder: the server validated every one at import, and page load at a fair must stay
/// short. The matcher package (duijie-wasm) validates, for catalogs from anywhere.
pub async fn load<P, F>(
    bytes: &[u8],
    pause: &mut P,
    decoded: impl FnOnce(),
) -> Result<Matcher, String>
where
    P: FnMut() -> F,
    F: Future<Output = ()>,
{
    let raw: RawSnapshot = serde_json::from_slice(bytes).map_err(invalid)?;
    let mut resources = Vec::with_capacity(raw.resources.len());
    for (position, resource) in raw.resources.iter().enumerate() {
        if position % RESOURCES_PER_PAUSE == 0 {
            pause().await;
        }
        resources.push(serde_json::from_str::<Resource>(resource.get()).map_err(invalid)?);
    }
    decoded();
    let weights = raw.weights.unwrap_or_default();
    let version = if raw.catalog_version.is_empty() {
        catalog_version(&resources, &weights)
    } else {
        raw.catalog_version
    };
    Ok(Matcher::build_pausing(version, resources, weights, pause).await)
}

fn invalid(error: serde_json::Error) -> String {
    format!("invalid snapshot: {error}")
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

#[cfg(test)]
mod tests {
    use super::*;
    use duijie_core::pause::{no_pause, run_ready};

    fn load_now(bytes: &[u8]) -> Result<Matcher, String> {
        run_ready(load(bytes, &mut no_pause, || {}))
    }

    #[test]
    fn snapshots_load_as_the_matcher_of_their_resources() {
        let snapshot = r#"{"catalog_version":"c9","region":null,"resources":[
            {"id":"a1","kind":"achievement","title":"锂电池热失控预警系统"},
            {"id":"e1","kind":"expert","title":"张工","summary":"污水处理"}]}"#;
        let matcher = load_now(snapshot.as_bytes()).expect("loads");
        assert_eq!((matcher.version(), matcher.len()), ("c9", 2));
        assert_eq!(
            matcher.get("e1").map(|r| r.summary.as_str()),
            Some("污水处理")
        );
        let error = load_now(br#"{"resources":[{"id":"x"}]}"#)
            .err()
            .expect("a kind is needed");
        assert!(error.starts_with("invalid snapshot: "), "{error}");
    }
}
