//! `duijie token`: API tokens of a store: created (shown once), listed by id, revoked.

use std::path::PathBuf;

use anyhow::{Context, Result};

use crate::auth::{create_token, token_id, Scope};
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
    /// List the tokens of the store: id, scope and organisation (never the tokens themselves).
    List {
        /// Data folder of the store (also `DUIJIE_DATA`).
        #[arg(long)]
        data: Option<PathBuf>,
        /// The store as a URL: sqlite://PATH or postgres://… (also `DUIJIE_DATABASE`).
        #[arg(long)]
        database: Option<String>,
    },
    /// Revoke a token by its id (as `token list` and records' `created_by` show it): from then on
    /// every request with it is 401, on every replica of the store.
    Revoke {
        /// The token's id: its 16 hex digits.
        id: String,
        /// Data folder of the store (also `DUIJIE_DATA`).
        #[arg(long)]
        data: Option<PathBuf>,
        /// The store as a URL: sqlite://PATH or postgres://… (also `DUIJIE_DATABASE`).
        #[arg(long)]
        database: Option<String>,
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
        TokenCommand::List { data, database } => {
            let location = crate::commands::store_location(database.as_deref(), data.as_deref())?;
            let store = Store::connect(&location)?;
            let mut tokens = store.tokens()?;
            tokens.sort_by(|a, b| {
                (&a.scope, &a.organization, &a.hash).cmp(&(&b.scope, &b.organization, &b.hash))
            });
            println!("{} token(s) in {}:", tokens.len(), location.describe());
            for stored in tokens {
                let organization = stored.organization.as_deref().unwrap_or("");
                println!(
                    "{}\t{}\t{organization}",
                    token_id(&stored.hash),
                    stored.scope
                );
            }
            Ok(())
        }
        TokenCommand::Revoke { id, data, database } => {
            let location = crate::commands::store_location(database.as_deref(), data.as_deref())?;
            let store = Store::connect(&location)?;
            let wanted = id.trim().to_ascii_lowercase();
            let matching: Vec<_> = store
                .tokens()?
                .into_iter()
                .filter(|stored| token_id(&stored.hash) == wanted)
                .collect();
            let [stored] = matching.as_slice() else {
                anyhow::bail!(
                    "no token with id '{id}' in {} (`duijie token list` shows the ids)",
                    location.describe()
                );
            };
            store.delete_token(&stored.hash)?;
            println!(
                "Revoked the {} token {wanted} in {}.",
                stored.scope,
                location.describe()
            );
            Ok(())
        }
    }
}
