//! duijie-core: the model, taxonomies, Chinese text analysis, index and explained need–resource scoring.
//!
//! Pure Rust with no I/O: it takes strings and values and returns values, so the same code scores in the
//! browser (wasm32) and on the server with bit-identical results.

pub mod demand;
mod detmath;
pub mod engagement;
pub mod eval;
pub mod fields;
pub mod index;
#[cfg(feature = "serde")]
pub mod jsonl;
pub mod matcher;
pub mod model;
pub mod need_text;
pub mod pause;
pub mod plain;
pub mod score;
pub mod spreadsheet;
pub mod taxonomy;
pub mod text;
pub mod time;
pub mod validate;

pub use matcher::{ChangeSet, Filters, MatchOptions, Matcher};
pub use model::{Contact, FieldError, Kind, Mode, Need, Patent, Resource};
pub use score::{Band, Component, MatchResult, Matched, Reason, Span, Weights};
