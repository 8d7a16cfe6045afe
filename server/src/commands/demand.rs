//! `duijie demand --catalog FILE --needs FILE`: the demand analysis (`GET /api/v1/demand`) on
//! files, as `duijie match` is the matcher on files. Every need's forward list is computed as the
//! service computes it, on both cores.

use std::path::PathBuf;
use std::sync::atomic::AtomicUsize;
use std::sync::Arc;

use anyhow::{bail, Context, Result};
use duijie_core::demand::{analyze, DemandNeed, DemandOptions, GroupBy};
use duijie_core::time::parse_time_or_date;
use duijie_core::Filters;

use crate::catalog_file::read_catalog;
use crate::commands::matching::read_weights;
use crate::commands::needs::read_needs;
use crate::demand::forward_all;
use crate::demand_answer::DemandAnswer;
use crate::state::Catalog;

#[derive(clap::Args)]
pub struct DemandArgs {
    /// Catalog in JSON Lines (as `duijie match` reads it).
    #[arg(long)]
    pub catalog: PathBuf,
    /// Stored needs: JSON Lines, CSV or XLSX by extension (as `duijie needs import` reads them).
    #[arg(long)]
    pub needs: PathBuf,
    /// Print the answer as JSON, the same shape as `GET /api/v1/demand`.
    #[arg(long)]
    pub json: bool,
    /// industry (the GB/T 4754 section), region (the province) or theme (a common key technology).
    #[arg(long, default_value = "industry")]
    pub group_by: String,
    /// Only needs within this region (GB/T 2260 code, name or path, or strategic region id).
    #[arg(long)]
    pub region: Option<String>,
    /// Only needs in one of these industries or under one (comma-separated codes or names).
    #[arg(long, value_delimiter = ',')]
    pub industries: Vec<String>,
    /// Needs updated at or after (RFC 3339 time or YYYY-MM-DD).
    #[arg(long)]
    pub since: Option<String>,
    /// Needs updated before (RFC 3339 time or YYYY-MM-DD).
    #[arg(long)]
    pub until: Option<String>,
    /// Most groups listed.
    #[arg(long, default_value_t = 50)]
    pub limit: usize,
    /// Weights as a JSON file (default: the built-in weights).
    #[arg(long)]
    pub weights: Option<PathBuf>,
}

pub fn run(args: DemandArgs) -> Result<()> {
    let Some(group_by) = GroupBy::parse(&args.group_by) else {
        bail!(
            "--group-by {}: not industry, region or theme",
            args.group_by
        );
    };
    let filters = Filters {
        region: args.region.clone(),
        industries: args.industries.clone(),
        ..Filters::default()
    };
    let filters = match filters.canonical() {
        Ok(filters) => filters,
        Err(errors) => bail!("--{}", errors[0]),
    };
    let time = |name: &str, text: &Option<String>| -> Result<Option<i64>> {
        text.as_deref()
            .map(|text| {
                parse_time_or_date(text).with_context(|| {
                    format!("--{name} {text}: not an RFC 3339 time or a YYYY-MM-DD date")
                })
            })
            .transpose()
    };
    let options = DemandOptions {
        group_by,
        filters,
        since: time("since", &args.since)?,
        until: time("until", &args.until)?,
        groups: args.limit.max(1),
        ..DemandOptions::default()
    };
    let weights = read_weights(args.weights.as_deref())?;
    let resources = read_catalog(&args.catalog)?;
    let needs = read_needs(&args.needs, None, None, "nothing was analysed")?;
    let version = duijie_core::matcher::catalog_version(&resources, &weights);
    let catalog = Catalog::build(version, 0, resources, weights);
    let shared: Vec<Arc<duijie_core::model::NeedRecord>> =
        needs.into_iter().map(Arc::new).collect();
    let lists = forward_all(
        &catalog,
        &shared,
        &AtomicUsize::new(0),
        &AtomicUsize::new(0),
    );
    let inputs: Vec<DemandNeed<'_>> = shared
        .iter()
        .zip(&lists)
        .map(|(need, forward)| DemandNeed {
            need,
            fits: &forward.fits,
            phrases: &forward.phrases,
        })
        .collect();
    let analysis = analyze(&inputs, catalog.resources(), &options);
    let answer = DemandAnswer::new(analysis, catalog.version(), true, 0);
    if args.json {
        println!("{}", serde_json::to_string_pretty(&answer)?);
    } else {
        print!("{}", answer.text());
    }
    Ok(())
}
