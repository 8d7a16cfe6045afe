//! `duijie migrate --database URL`: brings a store's schema to the newest version this binary knows
//! (what `duijie serve` does when it starts), and says which versions it applied.

use std::path::PathBuf;

use anyhow::{Context, Result};

use crate::store::migrate::known_version;
use crate::store::Store;

#[derive(clap::Args)]
pub struct MigrateArgs {
    /// The store as a URL: sqlite://PATH (a data folder) or postgres://… (also `DUIJIE_DATABASE`).
    #[arg(long)]
    pub database: Option<String>,
    /// Data folder of a SQLite store instead (also `DUIJIE_DATA`).
    #[arg(long)]
    pub data: Option<PathBuf>,
}

pub fn run(args: MigrateArgs) -> Result<()> {
    let location = crate::commands::store_location(args.database.as_deref(), args.data.as_deref())?;
    let store = Store::connect(&location)
        .with_context(|| format!("cannot migrate the store in {}", location.describe()))?;
    let migrated = store.migrated();
    if migrated.applied.is_empty() {
        println!(
            "{}: schema at version {} (the newest this duijie knows); nothing to do",
            location.describe(),
            known_version()
        );
    } else {
        let applied: Vec<String> = migrated.applied.iter().map(i64::to_string).collect();
        println!(
            "{}: schema from version {} to {} (applied {})",
            location.describe(),
            migrated.from,
            known_version(),
            applied.join(", ")
        );
    }
    Ok(())
}
