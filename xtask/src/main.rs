//! Project automation: `cargo xtask ci` runs every check CI runs; `cargo xtask golden --update`
//! rewrites the golden score file after an intended scoring change; `cargo xtask web` builds the
//! widget into `web/dist` and the matcher package into `web/dist/pkg-matcher`.

mod web;

use std::process::{Command, ExitCode};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("ci") => ci(),
        Some("golden") if args.get(1).map(String::as_str) == Some("--update") => golden_update(),
        Some("web") => web::build(),
        _ => {
            eprintln!("usage: cargo xtask ci | cargo xtask golden --update | cargo xtask web");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("xtask: {message}");
            ExitCode::FAILURE
        }
    }
}

/// The cargo-deny version `.ci/run` installs.
const CARGO_DENY: &str = "0.20.2";

/// The checks of STYLE.md §8 that apply to what exists, in order, stopping at the first failure.
fn ci() -> Result<(), String> {
    cargo(&["fmt", "--all", "--check"], &[])?;
    // The dependencies' licences, duplicates and sources (deny.toml). Advisories need the RustSec
    // database from GitHub, out of reach here (README.md, "Checks on the dependencies").
    let deny = ["deny", "--locked", "check", "licenses", "bans", "sources"];
    cargo(&deny, &[]).map_err(|error| {
        let install = format!("cargo install cargo-deny --version {CARGO_DENY} --locked");
        format!("{error}; install cargo-deny with: {install}")
    })?;
    cargo(
        &[
            "clippy",
            "--workspace",
            "--all-targets",
            "--locked",
            "--",
            "-D",
            "warnings",
        ],
        &[],
    )?;
    cargo(
        &[
            "check",
            "-p",
            "duijie-core",
            "--target",
            "wasm32-unknown-unknown",
            "--locked",
        ],
        &[],
    )?;
    cargo(
        &[
            "clippy",
            "-p",
            "duijie-core",
            "-p",
            "duijie-wasm",
            "-p",
            "duijie-web",
            "--target",
            "wasm32-unknown-unknown",
            "--locked",
            "--",
            "-D",
            "warnings",
        ],
        &[],
    )?;
    cargo(&["test", "--workspace", "--locked"], &[])?;
    // The golden file from wasm, in headless Chrome (the runner is wasm-bindgen-test-runner).
    web::ensure_wasm_bindgen(&web::workspace_root())?;
    let chromedriver =
        std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "/usr/bin/chromedriver".to_string());
    cargo(
        &[
            "test",
            "-p",
            "duijie-wasm",
            "--target",
            "wasm32-unknown-unknown",
            "--locked",
        ],
        &[("CHROMEDRIVER", chromedriver.as_str())],
    )?;
    // Again as `cargo xtask web` optimizes the wasm it ships (the size-tuned `wasm-release` profile):
    // the optimization level must not change a score.
    cargo(
        &[
            "test",
            "-p",
            "duijie-wasm",
            "--target",
            "wasm32-unknown-unknown",
            "--profile",
            "wasm-release",
            "--locked",
        ],
        &[("CHROMEDRIVER", chromedriver.as_str())],
    )?;
    // The widget end to end: a release server, the built widget, headless Chromium.
    web::build()?;
    web::size_check()?;
    cargo(
        &["build", "--release", "-p", "duijie-server", "--locked"],
        &[],
    )?;
    web::e2e_test()?;
    // The API contract: the served OpenAPI document through an independent linter, and a client
    // generated from it.
    web::contract_test()?;
    Ok(())
}

fn golden_update() -> Result<(), String> {
    cargo(
        &["test", "-p", "duijie-tests", "--test", "golden", "native"],
        &[("DUIJIE_UPDATE_GOLDEN", "1")],
    )?;
    eprintln!("rewrote tests/golden/scores.json; review the diff and say why in the commit");
    Ok(())
}

pub(crate) fn cargo(args: &[&str], envs: &[(&str, &str)]) -> Result<(), String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
    eprintln!("$ cargo {}", args.join(" "));
    let status = Command::new(cargo)
        .args(args)
        .envs(envs.iter().copied())
        .status()
        .map_err(|error| format!("cannot run cargo: {error}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("cargo {} failed ({status})", args.join(" ")))
    }
}
