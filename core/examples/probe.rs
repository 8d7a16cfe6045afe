//! Development probe: how often the inferred discipline of a suite's needs is the discipline of their
//! relevant resources. `cargo run --release -p duijie-core --example probe -- CATALOG QUERIES`.

use std::collections::HashMap;

use duijie_core::jsonl::{parse_catalog_jsonl, parse_queries_jsonl};
use duijie_core::{Matcher, Weights};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let catalog = parse_catalog_jsonl(&std::fs::read_to_string(&args[1]).expect("catalog"));
    let (queries, _) = parse_queries_jsonl(&std::fs::read_to_string(&args[2]).expect("queries"));
    let discipline_of: HashMap<String, String> = catalog
        .resources
        .iter()
        .map(|resource| {
            (
                resource.id.clone(),
                resource.disciplines.first().cloned().unwrap_or_default(),
            )
        })
        .collect();
    let matcher = Matcher::new("probe", catalog.resources, Weights::default());
    let (mut top1, mut top3, mut n) = (0, 0, 0);
    for query in &queries {
        let Some(truth) = query.relevant.iter().find_map(|id| discipline_of.get(id)) else {
            continue;
        };
        let inferred = matcher.infer_disciplines(&query.need);
        n += 1;
        if inferred.first().is_some_and(|(code, _)| code == truth) {
            top1 += 1;
        }
        if inferred.iter().take(3).any(|(code, _)| code == truth) {
            top3 += 1;
        }
    }
    println!(
        "queries {n}: top-1 {:.3}, top-3 {:.3}",
        top1 as f64 / n as f64,
        top3 as f64 / n as f64
    );
}
