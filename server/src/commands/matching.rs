//! `duijie match`: rank a catalog's resources for one need and explain each score.

use std::path::PathBuf;

use anyhow::{bail, Result};
use duijie_core::{jsonl::need_from_json, Kind, MatchOptions, Matcher, Need, Weights};

use crate::answer::match_answer;
use crate::catalog_file::{read_catalog, read_text};

#[derive(clap::Args)]
pub struct MatchArgs {
    /// Catalog in JSON Lines.
    #[arg(long)]
    pub catalog: PathBuf,
    /// Print the answer as JSON, the same shape as `POST /api/v1/match`.
    #[arg(long)]
    pub json: bool,
    /// How many results.
    #[arg(long, default_value_t = 10)]
    pub top: usize,
    /// Only these kinds (comma-separated: expert,achievement,patent,organization).
    #[arg(long, value_delimiter = ',')]
    pub kinds: Vec<String>,
    /// Only resources within this region (GB/T 2260 code, region name or path, or strategic region id).
    #[arg(long)]
    pub region: Option<String>,
    /// Weights as a JSON file (default: the built-in weights).
    #[arg(long)]
    pub weights: Option<PathBuf>,
    /// The need: free text, or a JSON need object when it starts with `{`.
    pub text: String,
}

pub fn run(args: MatchArgs) -> Result<()> {
    let need = parse_need(&args.text)?;
    let mut options = MatchOptions {
        top: args.top.clamp(1, duijie_core::matcher::MAX_TOP),
        ..MatchOptions::default()
    };
    for kind in &args.kinds {
        match Kind::parse(kind.trim()) {
            Some(kind) => options.filters.kinds.push(kind),
            None => {
                bail!("--kinds: unknown kind '{kind}' (expert, achievement, patent, organization)")
            }
        }
    }
    options.filters.region = args.region.clone();
    options.filters = match options.filters.canonical() {
        Ok(filters) => filters,
        Err(errors) => bail!("--{}", errors[0]),
    };
    let weights = read_weights(args.weights.as_deref())?;
    let resources = read_catalog(&args.catalog)?;
    let version = duijie_core::matcher::catalog_version(&resources, &weights);
    let matcher = Matcher::new(version, resources, weights);
    let results = matcher.match_need(&need, &options);
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&match_answer(&matcher, &results))?
        );
        return Ok(());
    }
    println!(
        "catalog {} · {} resources · {} results",
        matcher.version(),
        matcher.len(),
        results.len()
    );
    for (rank, result) in results.iter().enumerate() {
        let resource = matcher.get(&result.id);
        let title = resource
            .map(|resource| resource.title.as_str())
            .unwrap_or("");
        let kind = resource
            .map(|resource| resource.kind.as_str())
            .unwrap_or("");
        println!(
            "{:>3}. {:.4} {:<8}  {}  [{}] {}",
            rank + 1,
            result.score,
            result.band.as_str(),
            result.id,
            kind,
            title
        );
        let components: Vec<String> = result
            .components
            .iter()
            .filter(|component| component.applies)
            .map(|component| {
                format!(
                    "{} {:.2} (+{:.3})",
                    component.name, component.value, component.contribution
                )
            })
            .collect();
        println!("     {}", components.join(" · "));
        for reason in &result.reasons {
            println!("     - {} / {}", reason.zh, reason.en);
        }
    }
    Ok(())
}

#[derive(clap::Args)]
pub struct BandsArgs {
    /// Print a JSON array of `{"name", "min", "zh", "en"}`.
    #[arg(long)]
    pub json: bool,
}

/// `duijie bands`: the bands of fit every answer, push threshold and coverage figure shares.
pub fn bands(args: BandsArgs) -> Result<()> {
    let bands: Vec<serde_json::Value> = duijie_core::Band::EDGES
        .iter()
        .map(|(band, min)| {
            serde_json::json!({
                "name": band.as_str(),
                "min": min,
                "zh": band.label_zh(),
                "en": band.label_en(),
            })
        })
        .collect();
    if args.json {
        println!("{}", serde_json::to_string(&bands)?);
    } else {
        for (band, min) in duijie_core::Band::EDGES {
            println!(
                "{:<9} fit >= {min:.2}  {} / {}",
                band.as_str(),
                band.label_zh(),
                band.label_en()
            );
        }
        println!("none      below: no match (at most the nearest the catalog has)");
    }
    Ok(())
}

/// Free text, or a JSON need object.
pub fn parse_need(text: &str) -> Result<Need> {
    if text.trim_start().starts_with('{') {
        let value: serde_json::Value = serde_json::from_str(text)?;
        return need_from_json(&value).map_err(|errors| {
            let listed: Vec<String> = errors
                .iter()
                .map(|error| format!("need: {error}"))
                .collect();
            anyhow::anyhow!(listed.join("\n"))
        });
    }
    let need = Need::from_text(text);
    if let Some(error) = duijie_core::validate::validate_need(&need).first() {
        bail!("need: {error}");
    }
    Ok(need)
}

/// The weights in a JSON file, or the built-in ones.
pub fn read_weights(path: Option<&std::path::Path>) -> Result<Weights> {
    let Some(path) = path else {
        return Ok(Weights::default());
    };
    let weights: Weights = serde_json::from_str(&read_text(path)?)
        .map_err(|error| anyhow::anyhow!("{}: {error}", path.display()))?;
    if let Err(message) = weights.validate() {
        bail!("{}: {message}", path.display());
    }
    Ok(weights)
}
