//! `duijie export` and `duijie import-instance`: a whole instance (every table of the store) to a
//! file and from it, to move it between stores, SQLite and PostgreSQL alike (`store/instance.rs`).

use std::io::{BufReader, BufWriter};
use std::path::PathBuf;

use anyhow::{Context, Result};

use crate::store::instance::Moved;
use crate::store::Store;

#[derive(clap::Args)]
pub struct ExportArgs {
    /// The store as a URL: sqlite://PATH (a data folder) or postgres://… (also `DUIJIE_DATABASE`).
    #[arg(long)]
    pub database: Option<String>,
    /// Data folder of a SQLite store instead (also `DUIJIE_DATA`).
    #[arg(long)]
    pub data: Option<PathBuf>,
    /// The file to write (JSON Lines; it holds the tokens' hashes and the webhooks' secrets: keep
    /// it as safe as the database).
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
}

#[derive(clap::Args)]
pub struct ImportArgs {
    /// A file of `duijie export`.
    pub file: PathBuf,
    /// The store as a URL: sqlite://PATH (a data folder) or postgres://… (also `DUIJIE_DATABASE`).
    #[arg(long)]
    pub database: Option<String>,
    /// Data folder of a SQLite store instead (also `DUIJIE_DATA`).
    #[arg(long)]
    pub data: Option<PathBuf>,
    /// Delete everything in the target store first (in the same transaction); without it a
    /// store that holds anything is refused.
    #[arg(long)]
    pub replace: bool,
}

fn summary(moved: &Moved) -> String {
    let tables: Vec<String> = moved
        .tables
        .iter()
        .filter(|(_, rows)| *rows > 0)
        .map(|(table, rows)| format!("{table} {rows}"))
        .collect();
    format!(
        "{} rows of {} tables ({})",
        moved.rows(),
        moved.tables.len(),
        tables.join(", ")
    )
}

/// The store, with no statement timeout: moving an instance reads or writes whole tables at once,
/// which may outlast the one a serving replica keeps.
fn open(location: &crate::store::Location) -> Result<Store> {
    let options = crate::store::StoreOptions {
        statement_timeout: Some(std::time::Duration::ZERO),
        ..crate::store::StoreOptions::default()
    };
    Store::connect_with(location, &options)
        .with_context(|| format!("cannot open the store in {}", location.describe()))
}

pub fn export(args: ExportArgs) -> Result<()> {
    let location = crate::commands::store_location(args.database.as_deref(), args.data.as_deref())?;
    let store = open(&location)?;
    // Written beside the target and renamed when complete: a failed export leaves no half file.
    let partial = args.out.with_extension("partial");
    let file = std::fs::File::create(&partial)
        .with_context(|| format!("cannot create {}", partial.display()))?;
    let mut out = BufWriter::new(file);
    let moved = store
        .export_instance(&mut out)
        .with_context(|| format!("cannot export the store in {}", location.describe()));
    drop(out);
    let moved = match moved {
        Ok(moved) => moved,
        Err(error) => {
            let _ = std::fs::remove_file(&partial);
            return Err(error);
        }
    };
    std::fs::rename(&partial, &args.out)
        .with_context(|| format!("cannot write {}", args.out.display()))?;
    println!(
        "Exported {} from {} to {}",
        summary(&moved),
        location.describe(),
        args.out.display()
    );
    Ok(())
}

pub fn import(args: ImportArgs) -> Result<()> {
    let location = crate::commands::store_location(args.database.as_deref(), args.data.as_deref())?;
    let file = std::fs::File::open(&args.file)
        .with_context(|| format!("cannot read {}", args.file.display()))?;
    let store = open(&location)?;
    let moved = store
        .import_instance(BufReader::new(file), args.replace)
        .with_context(|| {
            format!(
                "{}: nothing imported into {}",
                args.file.display(),
                location.describe()
            )
        })?;
    println!(
        "Imported {} from {} into {}",
        summary(&moved),
        args.file.display(),
        location.describe()
    );
    Ok(())
}
