//! The bundled demo catalog (CSL achievements plus made-up experts, patents and organisations; see
//! `server/data/README.md`), loaded into a new, empty store.

use std::collections::HashSet;
use std::io::Read as _;
use std::sync::OnceLock;

use duijie_core::jsonl::resource_from_json;
use duijie_core::Resource;

const DEMO_GZ: &[u8] = include_bytes!("../data/demo-catalog.jsonl.gz");

#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error("the bundled demo catalog is not gzip: {0}")]
    Gzip(#[from] std::io::Error),
    #[error("the bundled demo catalog, line {line}: {source}")]
    Json {
        line: usize,
        source: serde_json::Error,
    },
    #[error("the bundled demo catalog, line {line}: {message}")]
    Invalid { line: usize, message: String },
}

/// The demo resources, read by `resource_from_json` as an import reads them, so that they are
/// stored as imported records are: their free text through the plain-text rule (the CSL abstracts
/// carry `<br>`), their regions as codes. A test checks they pass and have unique ids.
pub fn resources() -> Result<Vec<Resource>, DemoError> {
    let mut text = String::new();
    flate2::read::GzDecoder::new(DEMO_GZ).read_to_string(&mut text)?;
    text.lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(index, line)| {
            let value: serde_json::Value =
                serde_json::from_str(line).map_err(|source| DemoError::Json {
                    line: index + 1,
                    source,
                })?;
            resource_from_json(&value).map_err(|errors| DemoError::Invalid {
                line: index + 1,
                message: errors
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("; "),
            })
        })
        .collect()
}

/// The ids of the demo resources, decoded once: what `DELETE /api/v1/demo` removes, whatever the
/// resources became since (an edited demo resource is still one).
pub fn ids() -> &'static HashSet<String> {
    static IDS: OnceLock<HashSet<String>> = OnceLock::new();
    IDS.get_or_init(|| {
        resources()
            .map(|resources| resources.into_iter().map(|resource| resource.id).collect())
            .unwrap_or_default()
    })
}

/// How many of `resources` are demo resources.
pub fn count_in(resources: &[Resource]) -> usize {
    let ids = ids();
    resources
        .iter()
        .filter(|resource| ids.contains(&resource.id))
        .count()
}
