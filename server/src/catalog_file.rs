//! Reading catalog and suite files from disk, with errors located by file, line and field.

use std::fmt::Write as _;
use std::path::Path;

use anyhow::{bail, Context, Result};
use duijie_core::jsonl::{parse_catalog_jsonl, parse_queries_jsonl, Query};
use duijie_core::{FieldError, Resource};

/// At most this many errors are listed in a message; the count says how many there were.
const MAX_LISTED_ERRORS: usize = 20;

/// Reads a JSON Lines catalog. Any invalid line fails the whole file, listing every error.
pub fn read_catalog(path: &Path) -> Result<Vec<Resource>> {
    let text = read_text(path)?;
    let parsed = parse_catalog_jsonl(&text);
    if !parsed.errors.is_empty() {
        bail!(describe_errors(path, &parsed.errors));
    }
    Ok(parsed.resources)
}

/// Reads a matching-quality suite.
pub fn read_queries(path: &Path) -> Result<Vec<Query>> {
    let text = read_text(path)?;
    let (queries, errors) = parse_queries_jsonl(&text);
    if !errors.is_empty() {
        bail!(describe_errors(path, &errors));
    }
    Ok(queries)
}

/// Reads a file as UTF-8, naming the first invalid byte's line when it is not.
pub fn read_text(path: &Path) -> Result<String> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    match String::from_utf8(bytes) {
        Ok(text) => Ok(text),
        Err(error) => {
            let valid = error.utf8_error().valid_up_to();
            let line = error.as_bytes()[..valid]
                .iter()
                .filter(|&&b| b == b'\n')
                .count()
                + 1;
            bail!(
                "{}:{line}: not valid UTF-8 (byte {valid}); save the file as UTF-8",
                path.display()
            )
        }
    }
}

/// `FILE:LINE: field: message` for each error, as compilers print them.
pub fn describe_errors(path: &Path, errors: &[FieldError]) -> String {
    let mut message = format!("{} has {} error(s):", path.display(), errors.len());
    for error in errors.iter().take(MAX_LISTED_ERRORS) {
        let _ = write!(message, "\n  {}", path.display());
        if let Some(line) = error.line {
            let _ = write!(message, ":{line}");
        }
        let _ = write!(message, ": ");
        if let Some(id) = &error.id {
            let _ = write!(message, "[{id}] ");
        }
        if !error.field.is_empty() {
            let _ = write!(message, "{}: ", error.field);
        }
        message.push_str(&error.message);
    }
    if errors.len() > MAX_LISTED_ERRORS {
        let _ = write!(
            message,
            "\n  … and {} more",
            errors.len() - MAX_LISTED_ERRORS
        );
    }
    message
}
