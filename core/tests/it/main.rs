//! duijie-core's integration tests: one binary, one module per concern.

mod checks;
mod demand;
mod engagement;
mod fields;
mod filters;
mod need_records;
mod properties;
mod reach;
mod spreadsheet;
mod timestamps;
mod validation;
