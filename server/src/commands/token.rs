//! `duijie token`: API tokens, created into the store of a data folder.

use std::path::PathBuf;

use anyhow::{Context, Result};

use crate::auth::{create_token, Scope};
use crate::store::Store;

#[derive(clap::Subcommand)]
pub enum TokenCommand {
    /// Create a token and print it once, as the last line of standard output.
    Create {
        /// Data folder of the store (also `DUIJIE_DATA`).
        #[arg(long)]
        data: Option<PathBuf>,
        /// The store as a URL: sqlite://PATH or postgres://… (also `DUIJIE_DATABASE`).
        #[arg(long)]
        database: Option<String>,
        /// admin, editor (catalog writes, imports, exports), broker (no catalog writes) or
        /// enterprise (its own needs only).
        #[arg(long, value_parser = ["admin", "editor", "broker", "enterprise"])]
        scope: String,
        /// The organisation an enterprise token acts for (企业名称, as its needs name it).
        #[arg(long)]
        organization: Option<String>,
    },
}

pub fn run(command: TokenCommand) -> Result<()> {
    match command {
        TokenCommand::Create {
            data,
            database,
            scope,
            organization,
        } => {
            let location = crate::commands::store_location(database.as_deref(), data.as_deref())?;
            let scope = Scope::parse(&scope).context("unknown scope")?;
            let store = Store::connect(&location)?;
            let token = create_token(&store, scope, organization.as_deref())?;
            // "an admin token", "an editor token", "a broker token".
            let article = if scope.as_str().starts_with(['a', 'e', 'i', 'o', 'u']) {
                "an"
            } else {
                "a"
            };
            println!(
                "Created {article} {scope} token in {}. It is shown once; keep it secret:",
                location.describe()
            );
            println!("{token}");
            Ok(())
        }
    }
}
