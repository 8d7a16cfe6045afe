//! The catalog version: a content hash of the resources and weights, the same on every platform.

use crate::fields::{FieldValue, RESOURCE_FIELDS};
use crate::model::Resource;
use crate::score::Weights;

/// A content hash of a catalog and its weights, as `c-` and 16 hex digits: the same resources (in any
/// order) and weights give the same version on every platform. Each resource contributes the fields
/// the table `fields::RESOURCE_FIELDS` marks as hashed, in its order (every public field: a change a
/// reader could see is a new version; a contact's is not).
pub fn catalog_version(resources: &[Resource], weights: &Weights) -> String {
    let mut per_resource: Vec<u64> = resources
        .iter()
        .map(|resource| {
            let mut hasher = Fnv64::default();
            for field in RESOURCE_FIELDS.iter().filter(|field| field.hashed) {
                hasher.value((field.value)(resource));
            }
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

    /// A field's value. Modes carry no end mark, and a field of an absent object (a resource
    /// without `patent`) adds nothing, as in the first version of this hash: changing either
    /// would change every catalog's version.
    fn value(&mut self, value: FieldValue<'_>) {
        match value {
            FieldValue::Absent => {}
            FieldValue::Text(text) => self.text(text),
            FieldValue::List(texts) => self.texts(texts),
            FieldValue::Modes(modes) => {
                for mode in modes {
                    self.text(mode.as_str());
                }
            }
            // No resource field has this shape (a stored need's `kinds` does).
            FieldValue::Kinds(kinds) => {
                for kind in kinds {
                    self.text(kind.as_str());
                }
                self.bytes(&[0xfe]);
            }
            FieldValue::Integer(number) => self.bytes(&[number.unwrap_or(0), 0xff]),
        }
    }

    fn finish(&self) -> u64 {
        self.0
    }
}
