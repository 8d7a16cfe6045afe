//! duijie-core: the model, taxonomies, Chinese text analysis, index and explained need–resource scoring.
//!
//! Pure Rust with no I/O: it takes strings and values and returns values, so the same code scores in the
//! browser (wasm32) and on the server with bit-identical results.

pub mod model;
pub mod taxonomy;

pub use model::{Contact, FieldError, Kind, Mode, Need, Patent, Resource};
