//! `duijie eval`: match quality (Recall@10, MRR@10, nDCG@10) and speed on a suite of needs.

use std::collections::{BTreeMap, BTreeSet};
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
    /// Judgments as `qid<TAB>id<TAB>grade` lines (a pooled suite's qrels): also report whether the
    /// top score tells a need the catalog can serve from one it cannot, as `answerable.py` in
    /// ../shared/bench does: the AUC of each need's top score on the whole catalog against its top
    /// score on the catalog without the resources judged useful for it (grade >= 1). With --suite,
    /// the suite's `qrels-need.tsv` is used for the kinds whose needs it judges.
    #[arg(long, value_name = "FILE", conflicts_with = "suite")]
    pub answerable: Option<PathBuf>,
}

/// What one catalog and query file give.
struct Report {
    queries: usize,
    quality: Quality,
    build_ms: f64,
    latencies_ms: Vec<f64>,
    kinds: BTreeMap<String, (Vec<Quality>, Vec<f64>)>,
    answerable: Option<Answerable>,
}

/// Each need's useful resources (judged grade >= 1), by qid.
type Useful = BTreeMap<String, BTreeSet<String>>;

/// Whether the top score tells a need the catalog can serve from one it cannot.
struct Answerable {
    /// The share of (answerable, unanswerable) pairs of top scores in the right order, ties half.
    auc: f64,
    answerable_median: f64,
    unanswerable_median: f64,
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
        let qrels = suite.join("qrels-need.tsv");
        let useful = if qrels.exists() {
            Some(read_useful(&qrels)?)
        } else {
            None
        };
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
            let report = evaluate(
                &catalog,
                &queries,
                &weights,
                runs.as_deref(),
                useful.as_ref(),
            )?;
            kinds.insert(kind.clone(), summary(&report));
            if !args.json {
                eprintln!("{kind}: done");
            }
        }
        Value::Object(kinds)
    } else {
        let catalog = args.catalog.as_deref().context("--catalog is required")?;
        let queries = args.queries.as_deref().context("--queries is required")?;
        let useful = match &args.answerable {
            Some(path) => Some(read_useful(path)?),
            None => None,
        };
        let report = evaluate(
            catalog,
            queries,
            &weights,
            args.runs.as_deref(),
            useful.as_ref(),
        )?;
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
    useful: Option<&Useful>,
) -> Result<Report> {
    let resources = read_catalog(catalog)?;
    let queries: Vec<Query> = read_queries(queries)?;
    // Judgments apply when they cover every need of the file.
    let useful =
        useful.filter(|useful| queries.iter().all(|query| useful.contains_key(&query.qid)));
    let all_resources = useful.map(|_| resources.clone());
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
        answerable: None,
    };
    let mut top_scores = Vec::new();
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
            for (rank, result) in results.iter().take(10).enumerate() {
                run_lines.push_str(&format!(
                    "{}\t{}\t{}\t{:.6}\n",
                    query.qid,
                    rank + 1,
                    result.id,
                    result.score
                ));
            }
        }
        top_scores.push(results.first().map_or(0.0, |result| result.score));
        qualities.push(quality);
        report.latencies_ms.push(elapsed_ms);
        let entry = report.kinds.entry(query.kind.clone()).or_default();
        entry.0.push(quality);
        entry.1.push(elapsed_ms);
    }
    report.quality = mean(&qualities);
    if let (Some(useful), Some(all_resources)) = (useful, all_resources) {
        let mut unanswerable = Vec::with_capacity(queries.len());
        for query in &queries {
            let cut: Vec<_> = all_resources
                .iter()
                .filter(|resource| !useful[&query.qid].contains(&resource.id))
                .cloned()
                .collect();
            let version = duijie_core::matcher::catalog_version(&cut, weights);
            let matcher = Matcher::new(version, cut, weights.clone());
            let results = matcher.match_need(&query.need, &options);
            unanswerable.push(results.first().map_or(0.0, |result| result.score));
        }
        report.answerable = Some(answerable(&top_scores, &unanswerable));
    }
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
    if let Some(answerable) = &report.answerable {
        output["answerable"] = json!({
            "auc": round(answerable.auc, 4),
            "answerable_median": round(answerable.answerable_median, 4),
            "unanswerable_median": round(answerable.unanswerable_median, 4),
        });
    }
    output
}

/// `answerable.py`'s figures: the AUC, and the median top score of each side (the upper median).
fn answerable(answerable: &[f64], unanswerable: &[f64]) -> Answerable {
    let mut wins = 0.0;
    for a in answerable {
        for u in unanswerable {
            wins += if a > u {
                1.0
            } else if a == u {
                0.5
            } else {
                0.0
            };
        }
    }
    let median = |values: &[f64]| {
        let mut sorted = values.to_vec();
        sorted.sort_by(f64::total_cmp);
        sorted.get(sorted.len() / 2).copied().unwrap_or(0.0)
    };
    Answerable {
        auc: wins / (answerable.len() * unanswerable.len()).max(1) as f64,
        answerable_median: median(answerable),
        unanswerable_median: median(unanswerable),
    }
}

/// Reads `qid<TAB>id<TAB>grade` judgments: the resources graded 1 or more, by need.
fn read_useful(path: &Path) -> Result<Useful> {
    let mut useful = Useful::new();
    for (number, line) in read_text(path)?.lines().enumerate() {
        let parts: Vec<&str> = line.split('\t').collect();
        if parts.len() < 3 {
            continue;
        }
        let grade: i64 = parts[2]
            .trim()
            .parse()
            .with_context(|| format!("{}:{}: grade: not a number", path.display(), number + 1))?;
        let entry = useful.entry(parts[0].to_string()).or_default();
        if grade >= 1 {
            entry.insert(parts[1].to_string());
        }
    }
    Ok(useful)
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
    let answerable = |name: &str, value: &Value| {
        if let Some(answerable) = value.get("answerable") {
            println!(
                "{name}: answerable AUC {:.4} (top score median {:.4} answerable, {:.4} not)",
                answerable["auc"].as_f64().unwrap_or(0.0),
                answerable["answerable_median"].as_f64().unwrap_or(0.0),
                answerable["unanswerable_median"].as_f64().unwrap_or(0.0),
            );
        }
    };
    answerable("all", output);
    if let Some(kinds) = kinds {
        for (kind, value) in kinds {
            answerable(kind, value);
        }
    }
}
