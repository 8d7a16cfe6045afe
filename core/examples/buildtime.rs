//! Development probe: index build time. `cargo run --release -p duijie-core --example buildtime -- CATALOG`.
use duijie_core::jsonl::parse_catalog_jsonl;
use std::time::Instant;
fn main() {
    let args: Vec<String> = std::env::args().collect();
    let catalog = parse_catalog_jsonl(&std::fs::read_to_string(&args[1]).expect("catalog"));
    for _ in 0..3 {
        let t = Instant::now();
        let index = duijie_core::index::Index::build(&catalog.resources);
        println!(
            "index {} terms {} postings {} phrases {:?}",
            index.terms.len(),
            index.postings.items.len(),
            index.phrases.len(),
            t.elapsed()
        );
    }
}
