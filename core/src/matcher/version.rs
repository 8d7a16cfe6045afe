//! The catalog version: a content hash of the resources and weights, the same on every platform.

use crate::model::Resource;
use crate::score::Weights;

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
