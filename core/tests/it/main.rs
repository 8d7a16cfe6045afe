//! duijie-core's integration tests: one binary, one module per concern.

mod checks;
mod properties;
mod validation;
