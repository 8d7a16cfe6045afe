//! Development probe: what precise push's derive costs per need, single-threaded, on the catalog and
//! needs of bench/push.py. `cargo run --release -p duijie-core --example pushprobe -- WORK [NEEDS]`
//! (WORK: bench/push.py's folder, e.g. /tmp/duijie-bench-needs/20000-100000-1).

use std::collections::HashSet;
use std::time::Instant;

use duijie_core::jsonl::{need_record_from_json, parse_catalog_jsonl};
use duijie_core::{Filters, MatchOptions, Matcher, Weights};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let work = &args[1];
    let n: usize = args.get(2).map_or(2000, |n| n.parse().expect("NEEDS"));
    // Which part to run (for instruction counts: `perf stat -e instructions:u`): `old` asks
    // could_rank and matches the needs it passes, `new` asks match_if_reachable, `none` only
    // indexes; anything else runs all three and prints their times.
    let mode = args.get(3).map_or("all", String::as_str);
    let mut resources = parse_catalog_jsonl(
        &std::fs::read_to_string(format!("{work}/catalog.jsonl")).expect("catalog"),
    )
    .resources;
    let fresh = parse_catalog_jsonl(
        &std::fs::read_to_string(format!("{work}/new-2000-2/catalog.jsonl")).expect("new"),
    )
    .resources;
    let mut changed = Vec::new();
    for (i, mut resource) in fresh.into_iter().enumerate().take(2000) {
        resource.id = format!("new-{}-{i:05}", if i < 1000 { "a" } else { "b" });
        if i >= 1000 {
            changed.push(resource.id.clone());
        }
        resources.push(resource);
    }
    let needs: Vec<_> = std::fs::read_to_string(format!("{work}/needs.jsonl"))
        .expect("needs")
        .lines()
        .take(n)
        .map(|line| {
            need_record_from_json(&serde_json::from_str(line).expect("json"))
                .expect("need")
                .need()
        })
        .collect();
    let started = Instant::now();
    let matcher = Matcher::new("probe", resources, Weights::default());
    eprintln!("index: {:?}", started.elapsed());
    let set = matcher.change_set(changed.iter().map(String::as_str));
    let in_set: HashSet<&str> = changed.iter().map(String::as_str).collect();
    let filters = Filters::default();
    let options = MatchOptions {
        top: 10,
        explain: 0,
        filters: Filters::default(),
    };
    let keep =
        |_: usize, r: &duijie_core::MatchResult| r.score >= 0.35 && in_set.contains(r.id.as_str());
    match mode {
        "none" => return,
        "old" => {
            let mut items = 0;
            for need in &needs {
                if matcher.could_rank(need, &filters, &set, 0.35) {
                    items += matcher
                        .match_need_explaining(need, &options, keep)
                        .iter()
                        .filter(|r| keep(0, r))
                        .count();
                }
            }
            println!("old: {items} items");
            return;
        }
        "new" => {
            let mut items = 0;
            for need in &needs {
                if let Some(results) = matcher.match_if_reachable(need, &options, &set, 0.35, keep)
                {
                    items += results.iter().filter(|r| keep(0, r)).count();
                }
            }
            println!("new: {items} items");
            return;
        }
        _ => {}
    }
    let started = Instant::now();
    let passing: Vec<_> = needs
        .iter()
        .filter(|need| matcher.could_rank(need, &filters, &set, 0.35))
        .collect();
    let bound = started.elapsed();
    let started = Instant::now();
    let mut with_items = 0;
    let mut items = 0;
    for need in &passing {
        let results = matcher.match_need_explaining(need, &options, |_, r| {
            r.score >= 0.35 && in_set.contains(r.id.as_str())
        });
        let k = results
            .iter()
            .filter(|r| r.score >= 0.35 && in_set.contains(r.id.as_str()))
            .count();
        items += k;
        with_items += usize::from(k > 0);
    }
    let matching = started.elapsed();
    let started = Instant::now();
    for need in &passing {
        std::hint::black_box(matcher.match_need_explaining(need, &options, |_, _| false));
    }
    let unexplained = started.elapsed();
    let started = Instant::now();
    let mut combined_items = 0;
    for need in &needs {
        if let Some(results) = matcher.match_if_reachable(need, &options, &set, 0.35, keep) {
            combined_items += results.iter().filter(|r| keep(0, r)).count();
        }
    }
    let combined = started.elapsed();
    println!(
        "match_if_reachable: {:.3} ms per need, {} items",
        combined.as_secs_f64() * 1e3 / needs.len() as f64,
        combined_items
    );
    println!(
        "{} needs: could_rank {:.3} ms each, passed {}; match {:.3} ms each ({:.3} unexplained); {} needs with items, {} items",
        needs.len(),
        bound.as_secs_f64() * 1e3 / needs.len() as f64,
        passing.len(),
        matching.as_secs_f64() * 1e3 / passing.len().max(1) as f64,
        unexplained.as_secs_f64() * 1e3 / passing.len().max(1) as f64,
        with_items,
        items
    );
}
