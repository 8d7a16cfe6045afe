//! The matcher: a catalog version, its resources and their index, and top-k matching of needs.

#[cfg(feature = "serde")]
use serde::{Deserialize, Serialize};

use crate::model::{Kind, Need, Resource};
use crate::score::{MatchResult, Weights};

/// Hard filters: a resource outside them is never a result, whatever its score.
#[derive(Clone, Debug, Default, PartialEq)]
#[cfg_attr(
    feature = "serde",
    derive(Serialize, Deserialize),
    serde(default, deny_unknown_fields)
)]
pub struct Filters {
    /// Kinds to keep; empty keeps all. A need's own `kinds` are added to these.
    pub kinds: Vec<Kind>,
    /// A GB/T 2260 code (covers its descendants) or a strategic region id (covers its members).
    pub region: Option<String>,
    /// Keep resources with one of these disciplines (or a discipline under one of them).
    pub disciplines: Vec<String>,
    /// Keep resources with one of these industries (or an industry under one of them).
    pub industries: Vec<String>,
    /// Keep resources with at least this TRL. A need's own `min_maturity` also applies.
    pub min_maturity: Option<u8>,
}

/// How to match.
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(
    feature = "serde",
    derive(Serialize, Deserialize),
    serde(default, deny_unknown_fields)
)]
pub struct MatchOptions {
    /// How many results to return.
    pub top: usize,
    pub filters: Filters,
}

impl Default for MatchOptions {
    fn default() -> MatchOptions {
        MatchOptions {
            top: 10,
            filters: Filters::default(),
        }
    }
}

/// Longest result list one call returns.
pub const MAX_TOP: usize = 1000;

/// A catalog version ready to match against.
pub struct Matcher {
    version: String,
    weights: Weights,
    resources: Vec<Resource>,
}

impl Matcher {
    /// Indexes `resources` (assumed valid: see `validate_resource`) under `version`.
    pub fn new(version: impl Into<String>, resources: Vec<Resource>, weights: Weights) -> Matcher {
        Matcher {
            version: version.into(),
            weights,
            resources,
        }
    }

    pub fn version(&self) -> &str {
        &self.version
    }

    pub fn weights(&self) -> &Weights {
        &self.weights
    }

    pub fn resources(&self) -> &[Resource] {
        &self.resources
    }

    pub fn len(&self) -> usize {
        self.resources.len()
    }

    pub fn is_empty(&self) -> bool {
        self.resources.is_empty()
    }

    /// The resource with this id.
    pub fn get(&self, id: &str) -> Option<&Resource> {
        self.resources.iter().find(|resource| resource.id == id)
    }

    /// The best `options.top` resources for `need`, best first, ties broken by id.
    pub fn match_need(&self, _need: &Need, _options: &MatchOptions) -> Vec<MatchResult> {
        Vec::new()
    }
}

/// A content hash of a catalog and its weights, as `c-` and 16 hex digits: the same resources (in any
/// order) and weights give the same version on every platform.
pub fn catalog_version(resources: &[Resource], weights: &Weights) -> String {
    let mut per_resource: Vec<u64> = resources
        .iter()
        .map(|resource| {
            let mut hasher = Fnv64::default();
            hasher.text(&resource.id);
            hasher.text(resource.kind.as_str());
            hasher.text(&resource.title);
            hasher.text(&resource.summary);
            hasher.texts(&resource.keywords);
            hasher.texts(&resource.disciplines);
            hasher.texts(&resource.industries);
            hasher.text(resource.region.as_deref().unwrap_or(""));
            hasher.text(&resource.organization);
            hasher.text(&resource.society);
            for mode in &resource.modes {
                hasher.text(mode.as_str());
            }
            hasher.bytes(&[resource.maturity.unwrap_or(0), 0xff]);
            if let Some(patent) = &resource.patent {
                hasher.text(&patent.number);
                hasher.texts(&patent.ipc);
                hasher.text(&patent.status);
            }
            hasher.text(&resource.position);
            hasher.texts(&resource.expertise);
            hasher.text(resource.updated_at.as_deref().unwrap_or(""));
            hasher.finish()
        })
        .collect();
    per_resource.sort_unstable();
    let mut hasher = Fnv64::default();
    for hash in per_resource {
        hasher.bytes(&hash.to_le_bytes());
    }
    hasher.text(&weights.version);
    for (name, weight) in weights.named() {
        hasher.text(name);
        hasher.bytes(&weight.to_bits().to_le_bytes());
    }
    format!("c-{:016x}", hasher.finish())
}

/// FNV-1a, 64 bits: tiny, and the same everywhere.
struct Fnv64(u64);

impl Default for Fnv64 {
    fn default() -> Fnv64 {
        Fnv64(0xcbf2_9ce4_8422_2325)
    }
}

impl Fnv64 {
    fn bytes(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.0 ^= u64::from(byte);
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
    }

    /// A string and a terminator, so that ("ab", "c") and ("a", "bc") differ.
    fn text(&mut self, text: &str) {
        self.bytes(text.as_bytes());
        self.bytes(&[0xff]);
    }

    fn texts(&mut self, texts: &[String]) {
        for text in texts {
            self.text(text);
        }
        self.bytes(&[0xfe]);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}
