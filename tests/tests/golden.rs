//! The golden score file, checked natively: ids, order and exact score bits.
//!
//! Regenerate after an intended scoring change with `cargo xtask golden --update`, and say why in the
//! commit: every platform (native, wasm, server) is held to this file.

use duijie_tests::{check_golden, compute_golden, GOLDEN_SCORES};
use serde_json::Value;

#[test]
fn native_scores_match_the_golden_file() {
    let actual = compute_golden();
    if std::env::var_os("DUIJIE_UPDATE_GOLDEN").is_some() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/golden/scores.json");
        let text = serde_json::to_string_pretty(&actual).expect("golden serialises") + "\n";
        std::fs::write(path, text).expect("golden file is writable");
        return;
    }
    check_golden(&actual);
}

#[test]
fn golden_file_exercises_the_components() {
    let expected: Value = serde_json::from_str(GOLDEN_SCORES).expect("golden/scores.json is JSON");
    let mut applied = std::collections::BTreeSet::new();
    let mut n_results = 0;
    for case in expected["cases"].as_array().expect("cases") {
        for result in case.as_array().expect("results") {
            n_results += 1;
            for component in result["components"].as_array().expect("components") {
                if component["applies"] == true && component["value_bits"] != "0000000000000000" {
                    applied.insert(component["name"].as_str().unwrap_or_default().to_string());
                }
            }
        }
    }
    assert!(
        n_results >= 50,
        "the golden file holds too few results ({n_results})"
    );
    for name in [
        "text",
        "keywords",
        "related",
        "discipline",
        "industry",
        "region",
        "maturity",
        "modes",
    ] {
        assert!(
            applied.contains(name),
            "no golden result has a non-zero '{name}' component"
        );
    }
}
