//! `duijie eval`: match quality (Recall@10, MRR@10, nDCG@10) and speed on a suite of needs.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result};
use duijie_core::eval::{mean, quality_at, Quality};
use duijie_core::jsonl::Query;
use duijie_core::{MatchOptions, Matcher};
use serde_json::{json, Value};

use crate::catalog_file::{read_catalog, read_queries, read_text};
use crate::commands::matching::read_weights;

#[derive(clap::Args)]
pub struct EvalArgs {
    /// Catalog in JSON Lines.
    #[arg(long, required_unless_present = "suite")]
    pub catalog: Option<PathBuf>,
    /// Queries in JSON Lines: {"qid", "kind", "need", "relevant"}.
    #[arg(long, required_unless_present = "suite")]
    pub queries: Option<PathBuf>,
    /// A suite folder whose suite.json names a catalog and a queries file per kind; runs every kind.
    #[arg(long, conflicts_with_all = ["catalog", "queries"])]
    pub suite: Option<PathBuf>,
    /// Print one JSON object.
    #[arg(long)]
    pub json: bool,
    /// Weights as a JSON file (default: the built-in weights).
    #[arg(long)]
    pub weights: Option<PathBuf>,
    /// Also write each need's top ten to DIR/duijie.run.tsv (with --suite, DIR/KIND/duijie.run.tsv),
    /// one `qid<TAB>rank<TAB>id` line per result: the run files the peers write with RUNS_DIR, to
    /// compare need by need.
    #[arg(long, value_name = "DIR")]
    pub runs: Option<PathBuf>,
}

/// What one catalog and query file give.
struct Report {
    queries: usize,
    quality: Quality,
    build_ms: f64,
    latencies_ms: Vec<f64>,
    kinds: BTreeMap<String, (Vec<Quality>, Vec<f64>)>,
}

pub fn run(args: EvalArgs) -> Result<()> {
    let weights = read_weights(args.weights.as_deref())?;
    let output = if let Some(suite) = &args.suite {
        let manifest: BTreeMap<String, BTreeMap<String, String>> =
            serde_json::from_str(&read_text(&suite.join("suite.json"))?).with_context(|| {
                format!(
                    "{}: not a suite manifest",
                    suite.join("suite.json").display()
                )
            })?;
        let mut kinds = serde_json::Map::new();
        for (kind, files) in &manifest {
            let catalog = suite.join(
                files
                    .get("catalog")
                    .context("suite.json: a kind without a catalog")?,
            );
            let queries = suite.join(
                files
                    .get("queries")
                    .context("suite.json: a kind without queries")?,
            );
            let runs = args.runs.as_ref().map(|dir| dir.join(kind));
            let report = evaluate(&catalog, &queries, &weights, runs.as_deref())?;
            kinds.insert(kind.clone(), summary(&report));
            if !args.json {
                eprintln!("{kind}: done");
            }
        }
        Value::Object(kinds)
    } else {
        let catalog = args.catalog.as_deref().context("--catalog is required")?;
        let queries = args.queries.as_deref().context("--queries is required")?;
        let report = evaluate(catalog, queries, &weights, args.runs.as_deref())?;
        let mut output = summary(&report);
        let kinds: serde_json::Map<String, Value> = report
            .kinds
            .iter()
            .map(|(kind, (qualities, latencies))| {
                (
                    kind.clone(),
                    fields(qualities.len(), mean(qualities), report.build_ms, latencies),
                )
            })
            .collect();
        output["kinds"] = Value::Object(kinds);
        output
    };
    if args.json {
        println!("{}", serde_json::to_string(&output)?);
    } else {
        print_table(&output);
    }
    Ok(())
}

fn evaluate(
    catalog: &Path,
    queries: &Path,
    weights: &duijie_core::Weights,
    runs: Option<&Path>,
) -> Result<Report> {
    let resources = read_catalog(catalog)?;
    let queries: Vec<Query> = read_queries(queries)?;
    let version = duijie_core::matcher::catalog_version(&resources, weights);
    let started = Instant::now();
    let matcher = Matcher::new(version, resources, weights.clone());
    let build_ms = started.elapsed().as_secs_f64() * 1e3;
    let options = MatchOptions::default();
    for query in &queries {
        std::hint::black_box(matcher.match_need(&query.need, &options));
    }
    let mut report = Report {
        queries: queries.len(),
        quality: Quality::default(),
        build_ms,
        latencies_ms: Vec::new(),
        kinds: BTreeMap::new(),
    };
    let mut qualities = Vec::with_capacity(queries.len());
    let mut run_lines = String::new();
    for query in &queries {
        let started = Instant::now();
        let results = matcher.match_need(&query.need, &options);
        let elapsed_ms = started.elapsed().as_secs_f64() * 1e3;
        let ranked: Vec<&str> = results.iter().map(|result| result.id.as_str()).collect();
        let relevant: Vec<&str> = query.relevant.iter().map(String::as_str).collect();
        let quality = quality_at(&ranked, &relevant, 10);
        if runs.is_some() {
            for (rank, id) in ranked.iter().take(10).enumerate() {
                run_lines.push_str(&format!("{}\t{}\t{id}\n", query.qid, rank + 1));
            }
        }
        qualities.push(quality);
        report.latencies_ms.push(elapsed_ms);
        let entry = report.kinds.entry(query.kind.clone()).or_default();
        entry.0.push(quality);
        entry.1.push(elapsed_ms);
    }
    report.quality = mean(&qualities);
    if let Some(dir) = runs {
        std::fs::create_dir_all(dir)
            .and_then(|()| std::fs::write(dir.join("duijie.run.tsv"), run_lines))
            .with_context(|| format!("{}: cannot write the run file", dir.display()))?;
    }
    Ok(report)
}

fn summary(report: &Report) -> Value {
    let mut output = fields(
        report.queries,
        report.quality,
        report.build_ms,
        &report.latencies_ms,
    );
    output["kinds"] = json!({});
    output
}

fn fields(queries: usize, quality: Quality, build_ms: f64, latencies_ms: &[f64]) -> Value {
    let mut sorted = latencies_ms.to_vec();
    sorted.sort_by(f64::total_cmp);
    json!({
        "queries": queries,
        "recall@10": round(quality.recall, 4),
        "mrr@10": round(quality.mrr, 4),
        "ndcg@10": round(quality.ndcg, 4),
        "build_ms": round(build_ms, 1),
        "p50_ms": round(percentile(&sorted, 0.50), 4),
        "p95_ms": round(percentile(&sorted, 0.95), 4),
    })
}

/// The nearest-rank percentile of sorted values.
pub fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((p * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

fn round(value: f64, digits: i32) -> f64 {
    let scale = 10f64.powi(digits);
    (value * scale).round() / scale
}

fn print_table(output: &Value) {
    println!(
        "{:<12} {:>7} {:>9} {:>8} {:>8} {:>10} {:>9} {:>9}",
        "kind", "queries", "recall@10", "mrr@10", "ndcg@10", "build_ms", "p50_ms", "p95_ms"
    );
    let row = |name: &str, value: &Value| {
        println!(
            "{:<12} {:>7} {:>9.4} {:>8.4} {:>8.4} {:>10.1} {:>9.4} {:>9.4}",
            name,
            value["queries"],
            value["recall@10"].as_f64().unwrap_or(0.0),
            value["mrr@10"].as_f64().unwrap_or(0.0),
            value["ndcg@10"].as_f64().unwrap_or(0.0),
            value["build_ms"].as_f64().unwrap_or(0.0),
            value["p50_ms"].as_f64().unwrap_or(0.0),
            value["p95_ms"].as_f64().unwrap_or(0.0),
        )
    };
    if output.get("queries").is_some() {
        row("all", output);
    }
    let kinds = output
        .get("kinds")
        .and_then(Value::as_object)
        .or_else(|| output.as_object());
    if let Some(kinds) = kinds {
        for (kind, value) in kinds {
            if value.get("queries").is_some() {
                row(kind, value);
            }
        }
    }
}
