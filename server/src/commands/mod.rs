//! One module per `duijie` subcommand.

pub mod demand;
pub mod eval;
pub mod instance;
pub mod matching;
pub mod migrate;
pub mod needs;
pub mod schedule;
pub mod serve;
pub mod token;

/// The store a command's `--database URL` or `--data DIR` names: `--database`, else `--data`, else
/// `DUIJIE_DATABASE`, else `DUIJIE_DATA`, else the folder `duijie-data`.
pub fn store_location(
    database: Option<&str>,
    data: Option<&std::path::Path>,
) -> anyhow::Result<crate::store::Location> {
    use crate::store::Location;
    if let Some(url) = database {
        return Ok(Location::parse(url)?);
    }
    if let Some(data) = data {
        return Ok(Location::Sqlite(data.to_path_buf()));
    }
    if let Some(url) = std::env::var("DUIJIE_DATABASE")
        .ok()
        .filter(|url| !url.is_empty())
    {
        return Ok(Location::parse(&url)?);
    }
    let data = std::env::var_os("DUIJIE_DATA")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| std::path::PathBuf::from("duijie-data"));
    Ok(Location::Sqlite(data))
}
