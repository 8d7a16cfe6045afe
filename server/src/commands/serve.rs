//! `duijie serve`: the catalog service. (Being built by the catalog service issue.)

use std::path::PathBuf;

use anyhow::{bail, Result};

#[derive(clap::Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub addr: String,
    /// Data folder of the embedded store.
    #[arg(long, default_value = "duijie-data")]
    pub data: PathBuf,
}

pub fn run(_args: ServeArgs) -> Result<()> {
    bail!("serve is not built yet")
}
