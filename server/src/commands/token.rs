//! `duijie token`: API tokens. (Being built by the catalog service issue.)

use std::path::PathBuf;

use anyhow::{bail, Result};

#[derive(clap::Subcommand)]
pub enum TokenCommand {
    /// Create a token and print it once, as the last line of standard output.
    Create {
        #[arg(long, default_value = "duijie-data")]
        data: PathBuf,
        #[arg(long)]
        scope: String,
    },
}

pub fn run(_command: TokenCommand) -> Result<()> {
    bail!("tokens are not built yet")
}
