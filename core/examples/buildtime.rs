//! Development probe: index build time. `cargo run --release -p duijie-core --example buildtime -- CATALOG`.
use duijie_core::jsonl::parse_catalog_jsonl;
use std::time::Instant;
fn main() {
    let args: Vec<String> = std::env::args().collect();
    let text = std::fs::read_to_string(&args[1]).expect("catalog");
    let t = Instant::now();
    let catalog = parse_catalog_jsonl(&text);
    println!("parse {:?}", t.elapsed());
    let bodies: Vec<String> = catalog
        .resources
        .iter()
        .map(|resource| serde_json::to_string(resource).expect("encode"))
        .collect();
    let t = Instant::now();
    let decoded: Vec<duijie_core::Resource> = bodies
        .iter()
        .map(|body| serde_json::from_str(body).expect("decode"))
        .collect();
    println!("decode {} stored bodies {:?}", decoded.len(), t.elapsed());
    let weights = duijie_core::Weights::default();
    // `buildtime CATALOG N`: only N updates by one resource (to profile them).
    let updates: usize = args.get(2).map_or(5, |n| n.parse().expect("a number"));
    let fresh_builds = if args.len() > 2 { 0 } else { 3 };
    for _ in 0..fresh_builds {
        let t = Instant::now();
        let index = duijie_core::index::Index::build(&catalog.resources);
        println!(
            "index {} terms {} postings {} phrases {:?}",
            index.terms.len(),
            index.postings.items.len(),
            index.phrases.len(),
            t.elapsed()
        );
        let t = Instant::now();
        let version = duijie_core::matcher::catalog_version(&catalog.resources, &weights);
        println!("version {version} {:?}", t.elapsed());
        let t = Instant::now();
        let matcher =
            duijie_core::Matcher::new(version, catalog.resources.clone(), weights.clone());
        println!("matcher {} {:?}", matcher.len(), t.elapsed());
    }
    let t = Instant::now();
    let (mut matcher, analysis) =
        duijie_core::Matcher::new_updatable("v0", catalog.resources.clone(), weights.clone());
    let mut analysis = analysis.expect("kept");
    println!("updatable matcher {:?}", t.elapsed());
    let mut resources = catalog.resources.clone();
    for change in 0..updates {
        let mut changed = resources[0].clone();
        changed.id = format!("zz-{change}");
        changed.title = format!("{} {change}", changed.title);
        resources.push(changed);
        let t = Instant::now();
        let (next, next_analysis) = matcher.update(
            &analysis,
            format!("v{change}"),
            resources.clone(),
            weights.clone(),
        );
        println!("update by one resource {:?}", t.elapsed());
        matcher = next;
        analysis = next_analysis.expect("kept");
    }
}
