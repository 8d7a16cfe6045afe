//! `duijie needs import FILE --data DIR`: stored needs from a file into the store of a data folder,
//! validated as `POST /api/v1/needs/import` validates them, all or nothing. A `duijie serve` on the
//! same folder follows within `reload_secs` and computes the new needs' forward lists.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use duijie_core::model::NeedRecord;

use crate::catalog_file::describe_errors;
use crate::demand::stamped;
use crate::import::{decode_records, Encoding, Format, Limits, Refusal};
use crate::store::needs::NeedChange;
use crate::store::Store;

#[derive(clap::Subcommand)]
pub enum NeedsCommand {
    /// Import needs from JSON Lines, CSV (UTF-8 or GBK) or XLSX; any bad row refuses the whole file.
    Import {
        /// The file; its format from --format or its extension (.jsonl, .csv, .xlsx).
        file: PathBuf,
        /// Data folder of the store (also `DUIJIE_DATA`).
        #[arg(long)]
        data: Option<PathBuf>,
        /// The store as a URL: sqlite://PATH or postgres://… (also `DUIJIE_DATABASE`).
        #[arg(long)]
        database: Option<String>,
        /// jsonl, csv or xlsx.
        #[arg(long)]
        format: Option<String>,
        /// CSV: utf-8 or gbk (detected when absent).
        #[arg(long)]
        encoding: Option<String>,
        /// Make the stored needs exactly the file's (default: add them, replacing those of the
        /// same id).
        #[arg(long)]
        replace: bool,
        /// With --replace: allow removing more than half of the stored needs.
        #[arg(long)]
        allow_shrink: bool,
        /// Validate only; write nothing.
        #[arg(long)]
        dry_run: bool,
    },
}

pub fn run(command: NeedsCommand) -> Result<()> {
    match command {
        NeedsCommand::Import {
            file,
            data,
            database,
            format,
            encoding,
            replace,
            allow_shrink,
            dry_run,
        } => {
            let started = std::time::Instant::now();
            let needs: Vec<NeedRecord> = read_needs(
                &file,
                format.as_deref(),
                encoding.as_deref(),
                "nothing was imported",
            )?
            .into_iter()
            .map(stamped)
            .collect();
            let decoded = started.elapsed();
            if replace && needs.is_empty() {
                bail!(
                    "{}: no rows; a replace would remove every need; nothing was imported",
                    file.display()
                );
            }
            if dry_run {
                println!(
                    "{}: {} needs, all valid (dry run: nothing written)",
                    file.display(),
                    needs.len()
                );
                return Ok(());
            }
            let location = crate::commands::store_location(database.as_deref(), data.as_deref())?;
            let store = Store::connect(&location)?;
            let stored = store.needs()?;
            if replace && !allow_shrink {
                let new_ids: std::collections::HashSet<&str> =
                    needs.iter().map(|need| need.id.as_str()).collect();
                let removed = stored
                    .needs
                    .iter()
                    .filter(|need| !new_ids.contains(need.id.as_str()))
                    .count();
                if removed * 2 > stored.needs.len() {
                    bail!(
                        "this replace would remove {removed} of the {} stored needs (more than half); add --allow-shrink to do it",
                        stored.needs.len()
                    );
                }
            }
            let change = if replace {
                NeedChange::Replace(&needs)
            } else {
                NeedChange::Upsert(&needs)
            };
            let (generation, _) = store.apply_needs(&change, Some(stored.generation))?;
            println!(
                "{}: {} needs imported into {} (generation {generation}) in {} ms (validated in {} ms); a running duijie serve on this folder follows within reload_secs",
                file.display(),
                needs.len(),
                location.describe(),
                started.elapsed().as_millis(),
                decoded.as_millis()
            );
            Ok(())
        }
    }
}

/// The needs of a file, validated as the import validates them; its format from `format` or its
/// extension. Any bad row refuses the file, with every error located and `consequence` said.
pub fn read_needs(
    file: &Path,
    format: Option<&str>,
    encoding: Option<&str>,
    consequence: &str,
) -> Result<Vec<NeedRecord>> {
    let format = match format {
        Some(format) => Format::parse(format)
            .with_context(|| format!("--format {format}: not jsonl, csv or xlsx"))?,
        None => file
            .extension()
            .and_then(|extension| extension.to_str())
            .and_then(Format::parse)
            .with_context(|| {
                format!(
                    "{}: say the format with --format jsonl|csv|xlsx",
                    file.display()
                )
            })?,
    };
    let encoding = match encoding {
        Some(encoding) => Encoding::parse(encoding)
            .with_context(|| format!("--encoding {encoding}: not utf-8 or gbk"))?,
        None => Encoding::Detect,
    };
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    match decode_records(format, &bytes, encoding, &Limits::default()) {
        Ok(needs) => Ok(needs),
        Err(Refusal::Invalid { errors, total, .. }) => {
            let mut message = describe_errors(file, &errors);
            if total > errors.len() {
                message.push_str(&format!(" ({total} errors in all)"));
            }
            bail!("{message}\n{consequence}");
        }
        Err(Refusal::TooLarge { message, .. }) => {
            bail!("{}: {message}; {consequence}", file.display())
        }
    }
}
