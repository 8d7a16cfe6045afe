//! `cargo xtask web`: builds the widget (duijie-web) into `web/dist`, which `duijie serve` serves at
//! `/`, and the matcher package (duijie-wasm, with TypeScript definitions) into
//! `web/dist/pkg-matcher`. Installs what it needs when missing: the wasm32 target, wasm-bindgen-cli at
//! the Cargo.lock version, and binaryen's wasm-opt from npm (`web/tools`).

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::cargo;

const TARGET: &str = "wasm32-unknown-unknown";
/// Features every wasm32 build of rustc 1.95 uses; wasm-opt must be told, as wasm-bindgen strips the
/// target-features section.
const WASM_FEATURES: &[&str] = &[
    "--enable-bulk-memory",
    "--enable-nontrapping-float-to-int",
    "--enable-sign-ext",
    "--enable-mutable-globals",
    "--enable-reference-types",
    "--enable-multivalue",
];

pub fn build() -> Result<(), String> {
    let root = workspace_root();
    ensure_target()?;
    let wasm_bindgen = ensure_wasm_bindgen(&root)?;
    let wasm_opt = ensure_wasm_opt(&root)?;

    let dist = root.join("web/dist");
    if dist.exists() {
        fs::remove_dir_all(&dist)
            .map_err(|error| format!("cannot clear {}: {error}", dist.display()))?;
    }
    fs::create_dir_all(&dist).map_err(|error| error.to_string())?;

    // The widget.
    cargo(
        &[
            "build",
            "-p",
            "duijie-web",
            "--target",
            TARGET,
            "--release",
            "--locked",
        ],
        &[],
    )?;
    // Cargo puts the build where CARGO_TARGET_DIR says, if it is set.
    let target_dir = std::env::var_os("CARGO_TARGET_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| root.join("target"));
    let built = target_dir.join(TARGET).join("release");
    run(Command::new(&wasm_bindgen)
        .arg(built.join("duijie_web.wasm"))
        .args([
            "--target",
            "web",
            "--no-typescript",
            "--out-name",
            "duijie-web",
            "--out-dir",
        ])
        .arg(&dist))?;
    optimize(&wasm_opt, &dist.join("duijie-web_bg.wasm"))?;
    copy(&root.join("web/index.html"), &dist.join("index.html"))?;
    for entry in fs::read_dir(root.join("web/static")).map_err(|error| error.to_string())? {
        let path = entry.map_err(|error| error.to_string())?.path();
        if path.is_file() {
            copy(&path, &dist.join(path.file_name().expect("a file name")))?;
        }
    }

    // The matcher package for portal developers.
    cargo(
        &[
            "build",
            "-p",
            "duijie-wasm",
            "--target",
            TARGET,
            "--release",
            "--locked",
        ],
        &[],
    )?;
    let package = dist.join("pkg-matcher");
    run(Command::new(&wasm_bindgen)
        .arg(built.join("duijie_wasm.wasm"))
        .args(["--target", "web", "--out-name", "duijie_wasm", "--out-dir"])
        .arg(&package))?;
    optimize(&wasm_opt, &package.join("duijie_wasm_bg.wasm"))?;
    copy(&root.join("wasm/README.md"), &package.join("README.md"))?;
    fs::write(
        package.join("package.json"),
        r#"{
  "name": "duijie-wasm",
  "version": "0.0.0",
  "description": "duijie's need–resource matcher in WebAssembly: the same scores as the server, in the browser.",
  "type": "module",
  "main": "duijie_wasm.js",
  "types": "duijie_wasm.d.ts",
  "files": ["duijie_wasm.js", "duijie_wasm.d.ts", "duijie_wasm_bg.wasm", "duijie_wasm_bg.wasm.d.ts", "README.md"],
  "license": "Apache-2.0"
}
"#,
    )
    .map_err(|error| error.to_string())?;

    for file in [
        "duijie-web_bg.wasm",
        "duijie-web.js",
        "pkg-matcher/duijie_wasm_bg.wasm",
    ] {
        let size = fs::metadata(dist.join(file))
            .map(|meta| meta.len())
            .unwrap_or(0);
        eprintln!("{file}: {size} bytes");
    }
    eprintln!("built web/dist; run: cargo run --release -p duijie-server -- serve");
    Ok(())
}

pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask sits in the workspace")
        .to_path_buf()
}

fn ensure_target() -> Result<(), String> {
    let installed = Command::new("rustup")
        .args(["target", "list", "--installed"])
        .output()
        .map(|output| String::from_utf8_lossy(&output.stdout).contains(TARGET))
        .unwrap_or(false);
    if !installed {
        run(Command::new("rustup").args(["target", "add", TARGET]))?;
    }
    Ok(())
}

/// The version of a package in Cargo.lock.
pub fn locked_version(root: &Path, package: &str) -> Result<String, String> {
    let lock = fs::read_to_string(root.join("Cargo.lock")).map_err(|error| error.to_string())?;
    let name_line = format!("name = \"{package}\"");
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line == name_line {
            if let Some(version) = lines
                .next()
                .and_then(|line| line.strip_prefix("version = \""))
                .and_then(|rest| rest.strip_suffix('"'))
            {
                return Ok(version.to_string());
            }
        }
    }
    Err(format!("{package} is not in Cargo.lock"))
}

/// wasm-bindgen at exactly the Cargo.lock version of the crate (the CLI refuses any other).
pub fn ensure_wasm_bindgen(root: &Path) -> Result<PathBuf, String> {
    let version = locked_version(root, "wasm-bindgen")?;
    let current = Command::new("wasm-bindgen")
        .arg("--version")
        .output()
        .map(|output| String::from_utf8_lossy(&output.stdout).trim().to_string())
        .unwrap_or_default();
    if current != format!("wasm-bindgen {version}") {
        eprintln!("installing wasm-bindgen-cli {version} (found '{current}')");
        cargo(&["install", "wasm-bindgen-cli", "--version", &version], &[]).map_err(|error| {
            format!("{error}; install it with: cargo install wasm-bindgen-cli --version {version}")
        })?;
    }
    Ok(PathBuf::from("wasm-bindgen"))
}

/// wasm-opt from npm's binaryen (pinned in web/tools/package-lock.json).
fn ensure_wasm_opt(root: &Path) -> Result<PathBuf, String> {
    let tools = root.join("web/tools");
    let wasm_opt = tools.join("node_modules/.bin/wasm-opt");
    if !wasm_opt.exists() {
        run(Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund"])
            .current_dir(&tools))
        .map_err(|error| format!("{error}; install it with: (cd web/tools && npm ci)"))?;
    }
    Ok(wasm_opt)
}

fn optimize(wasm_opt: &Path, file: &Path) -> Result<(), String> {
    run(Command::new(wasm_opt)
        .arg("-Oz")
        .args(WASM_FEATURES)
        .arg(file)
        .arg("-o")
        .arg(file))
}

fn copy(from: &Path, to: &Path) -> Result<(), String> {
    fs::copy(from, to).map(|_| ()).map_err(|error| {
        format!(
            "cannot copy {} to {}: {error}",
            from.display(),
            to.display()
        )
    })
}

fn run(command: &mut Command) -> Result<(), String> {
    eprintln!("$ {command:?}");
    let status = command
        .status()
        .map_err(|error| format!("cannot run {:?}: {error}", command.get_program()))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{:?} failed ({status})", command.get_program()))
    }
}

/// Runs the end-to-end tests (`tests/e2e`, node's test runner) after installing their npm packages.
pub fn e2e_test() -> Result<(), String> {
    let e2e = workspace_root().join("tests/e2e");
    if !e2e.join("node_modules/playwright-core").exists() {
        run(Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund"])
            .current_dir(&e2e))?;
    }
    run(Command::new("npm").args(["test"]).current_dir(&e2e))
}
