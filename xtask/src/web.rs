//! `cargo xtask web`: builds the widget (duijie-web) into `web/dist`, which `duijie serve` serves at
//! `/`, and the matcher package (duijie-wasm, with TypeScript definitions) into
//! `web/dist/pkg-matcher`. Installs what it needs when missing: the wasm32 target, wasm-bindgen-cli at
//! the Cargo.lock version, and binaryen's wasm-opt from npm (`web/tools`).
//!
//! The widget's files get content-hashed names (`app.0123456789abcdef.js`), which the server caches
//! for a year, and every text or wasm file gets a brotli (`.br`) and a gzip (`.gz`) variant beside it,
//! which the server sends as they are. Steps whose inputs did not change are skipped: wasm-bindgen and
//! wasm-opt run only for a wasm file cargo changed, and a file is compressed only once per content
//! (both kept under `target/xtask-web`), so a build of an unchanged tree takes seconds.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use sha2::{Digest, Sha256};

use crate::cargo;

const TARGET: &str = "wasm32-unknown-unknown";
/// The cargo profile of both wasm builds (in the root Cargo.toml): the release profile tuned for
/// size, so the native builds keep theirs.
const PROFILE: &str = "wasm-release";
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
/// The files of `web/static` that get content-hashed names, besides the wasm and its bindings.
const HASHED_STATIC: &[&str] = &["app.js", "style.css"];
/// The extensions of files that get compressed variants (images and fonts are compressed already).
const COMPRESSIBLE: &[&str] = &[
    "html", "js", "mjs", "css", "wasm", "json", "ts", "md", "svg", "txt", "map",
];
/// Brotli's best quality and a 4 MiB window (larger than any file here).
const BROTLI_QUALITY: u32 = 11;
const BROTLI_WINDOW: u32 = 22;

/// wasm-bindgen and wasm-opt, with what identifies their versions and settings.
struct Tools {
    wasm_bindgen: PathBuf,
    wasm_opt: PathBuf,
    /// Changes whenever either tool or wasm-opt's flags change: part of each cached step's key.
    key: String,
}

pub fn build() -> Result<(), String> {
    let started = Instant::now();
    let root = workspace_root();
    ensure_target()?;
    let tools = Tools {
        wasm_bindgen: ensure_wasm_bindgen(&root)?,
        wasm_opt: ensure_wasm_opt(&root)?,
        key: format!(
            "wasm-bindgen {}; wasm-opt -Oz {}; {}",
            locked_version(&root, "wasm-bindgen")?,
            WASM_FEATURES.join(" "),
            fs::read_to_string(root.join("web/tools/package-lock.json"))
                .map_err(|error| format!("cannot read web/tools/package-lock.json: {error}"))?
        ),
    };
    // Cargo puts the build where CARGO_TARGET_DIR says, if it is set.
    let target_dir = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"));
    let built = target_dir.join(TARGET).join(PROFILE);
    let cache = target_dir.join("xtask-web");

    // The widget, and the matcher package for portal developers (built apart, as before: one cargo
    // invocation would unify their dependencies' features and change both wasm files).
    for package in ["duijie-web", "duijie-wasm"] {
        cargo(
            &[
                "build",
                "-p",
                package,
                "--target",
                TARGET,
                "--profile",
                PROFILE,
                "--locked",
            ],
            &[],
        )?;
    }
    let widget = bindgen(
        &tools,
        &cache,
        &built.join("duijie_web.wasm"),
        "duijie-web",
        &["--no-typescript"],
    )?;
    let matcher = bindgen(
        &tools,
        &cache,
        &built.join("duijie_wasm.wasm"),
        "duijie_wasm",
        &[],
    )?;

    // Everything goes into a new folder that then replaces web/dist, so a running server serves
    // either the old build or the new one.
    let next = root.join("web/dist.next");
    clear(&next)?;
    let names = assemble_widget(&root, &widget, &next)?;
    assemble_package(&root, &matcher, &next.join("pkg-matcher"))?;
    // Not served (the server refuses dot files): which hashed name each source file got, for tests
    // and benchmarks.
    let manifest: Vec<String> = names
        .iter()
        .map(|(name, hashed)| format!("  \"{name}\": \"{hashed}\""))
        .collect();
    write(
        &next.join(".manifest.json"),
        format!("{{\n{}\n}}\n", manifest.join(",\n")).as_bytes(),
    )?;
    compress_all(&cache.join("compressed"), &next)?;
    replace_dist(&root.join("web/dist"), &next)?;

    let dist = root.join("web/dist");
    for file in [
        names["duijie-web_bg.wasm"].as_str(),
        names["duijie-web.js"].as_str(),
        names["app.js"].as_str(),
        "pkg-matcher/duijie_wasm_bg.wasm",
    ] {
        let size = |suffix: &str| {
            fs::metadata(dist.join(format!("{file}{suffix}")))
                .map(|meta| meta.len())
                .unwrap_or(0)
        };
        eprintln!(
            "{file}: {} bytes, gzip {}, brotli {}",
            size(""),
            size(".gz"),
            size(".br")
        );
    }
    eprintln!(
        "built web/dist in {:.1} s; run: cargo run --release -p duijie-server -- serve",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// wasm-bindgen, then wasm-opt, on `wasm`: the folder holding the bindings and the optimized
/// `<out_name>_bg.wasm`. Kept under `cache` by a hash of the wasm file and the tools, so a wasm file
/// cargo did not change is not processed again.
fn bindgen(
    tools: &Tools,
    cache: &Path,
    wasm: &Path,
    out_name: &str,
    args: &[&str],
) -> Result<PathBuf, String> {
    let mut hasher = Sha256::new();
    hasher.update(read(wasm)?);
    hasher.update(tools.key.as_bytes());
    hasher.update(args.join(" ").as_bytes());
    let key = hex(&hasher.finalize()[..8]);
    let folder = cache.join(format!("{out_name}-{key}"));
    if folder.is_dir() {
        eprintln!(
            "{}: unchanged, wasm-bindgen and wasm-opt skipped",
            wasm.display()
        );
        return Ok(folder);
    }
    let partial = cache.join(format!("{out_name}.partial"));
    clear(&partial)?;
    run(Command::new(&tools.wasm_bindgen)
        .arg(wasm)
        .args(["--target", "web"])
        .args(args)
        .args(["--out-name", out_name, "--out-dir"])
        .arg(&partial))?;
    optimize(
        &tools.wasm_opt,
        &partial.join(format!("{out_name}_bg.wasm")),
    )?;
    // The outputs of earlier builds of this module are of no further use.
    for entry in fs::read_dir(cache).map_err(|error| error.to_string())? {
        let path = entry.map_err(|error| error.to_string())?.path();
        let name = path.file_name().unwrap_or_default().to_string_lossy();
        if name.starts_with(&format!("{out_name}-")) {
            clear(&path)?;
        }
    }
    fs::rename(&partial, &folder).map_err(|error| error.to_string())?;
    Ok(folder)
}

/// Writes the widget into `out`: the wasm, its bindings, `app.js` and `style.css` under
/// content-hashed names, each file naming the hashed names of those it loads, then `index.html` and
/// `sw.js` (fixed names) naming them all, and the other files of `web/static` as they are. Returns
/// the hashed name of each source file.
fn assemble_widget(
    root: &Path,
    widget: &Path,
    out: &Path,
) -> Result<BTreeMap<String, String>, String> {
    let statics = root.join("web/static");
    let mut names = BTreeMap::new();
    let mut put_hashed = |name: &str, bytes: &[u8]| -> Result<String, String> {
        let hashed = hashed_name(name, bytes);
        write(&out.join(&hashed), bytes)?;
        names.insert(name.to_string(), hashed.clone());
        Ok(hashed)
    };
    let wasm = put_hashed(
        "duijie-web_bg.wasm",
        &read(&widget.join("duijie-web_bg.wasm"))?,
    )?;
    let bindings = rewrite(
        &read_text(&widget.join("duijie-web.js"))?,
        "duijie-web.js (wasm-bindgen's output)",
        &[("'duijie-web_bg.wasm'".to_string(), format!("'{wasm}'"))],
    )?;
    let bindings = put_hashed("duijie-web.js", bindings.as_bytes())?;
    let app = rewrite(
        &read_text(&statics.join("app.js"))?,
        "web/static/app.js",
        &[("'./duijie-web.js'".to_string(), format!("'./{bindings}'"))],
    )?;
    put_hashed("app.js", app.as_bytes())?;
    put_hashed("style.css", &read(&statics.join("style.css"))?)?;

    // index.html names the wasm (preloaded), app.js and style.css; sw.js names all four.
    let quoted = |quote: char, skip: &str| -> Vec<(String, String)> {
        names
            .iter()
            .filter(|(name, _)| name.as_str() != skip)
            .map(|(name, hashed)| {
                (
                    format!("{quote}{name}{quote}"),
                    format!("{quote}{hashed}{quote}"),
                )
            })
            .collect()
    };
    let index = rewrite(
        &read_text(&root.join("web/index.html"))?,
        "web/index.html",
        &quoted('"', "duijie-web.js"),
    )?;
    write(&out.join("index.html"), index.as_bytes())?;
    // The worker's cache is named after this build: a new build is a new sw.js, which the browser
    // installs, caching the new files and dropping the old cache.
    let mut build = Sha256::new();
    build.update(index.as_bytes());
    for hashed in names.values() {
        build.update(hashed.as_bytes());
    }
    let build = hex(&build.finalize()[..8]);
    let mut worker_pairs = quoted('\'', "");
    worker_pairs.push((
        "const BUILD = 'dev';".to_string(),
        format!("const BUILD = '{build}';"),
    ));
    let worker = rewrite(
        &read_text(&statics.join("sw.js"))?,
        "web/static/sw.js",
        &worker_pairs,
    )?;
    write(&out.join("sw.js"), worker.as_bytes())?;

    for entry in fs::read_dir(&statics).map_err(|error| error.to_string())? {
        let path = entry.map_err(|error| error.to_string())?.path();
        let name = path.file_name().unwrap_or_default().to_string_lossy();
        if path.is_file() && !HASHED_STATIC.contains(&name.as_ref()) && name != "sw.js" {
            write(&out.join(name.as_ref()), &read(&path)?)?;
        }
    }
    Ok(names)
}

/// Writes the matcher package into `out` under its fixed names (portal developers import
/// `pkg-matcher/duijie_wasm.js`).
fn assemble_package(root: &Path, matcher: &Path, out: &Path) -> Result<(), String> {
    fs::create_dir_all(out).map_err(|error| error.to_string())?;
    for entry in fs::read_dir(matcher).map_err(|error| error.to_string())? {
        let path = entry.map_err(|error| error.to_string())?.path();
        if path.is_file() {
            write(
                &out.join(path.file_name().expect("a file name")),
                &read(&path)?,
            )?;
        }
    }
    write(&out.join("README.md"), &read(&root.join("wasm/README.md"))?)?;
    write(
        &out.join("package.json"),
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
"#
        .as_bytes(),
    )
}

/// Writes a brotli and a gzip variant beside each compressible file under `folder` (`app.js.br`,
/// `app.js.gz`), where smaller than the file. Each content is compressed once: the variants are kept
/// in `cache` by the content's hash (those no file uses any more are removed), and new ones are made
/// on every core.
fn compress_all(cache: &Path, folder: &Path) -> Result<(), String> {
    fs::create_dir_all(cache).map_err(|error| error.to_string())?;
    let mut files = Vec::new();
    list_files(folder, &mut files)?;
    files.retain(|file| {
        let name = file.file_name().unwrap_or_default().to_string_lossy();
        let extension = file.extension().unwrap_or_default().to_string_lossy();
        !name.starts_with('.') && COMPRESSIBLE.contains(&extension.as_ref())
    });
    let mut jobs = Vec::new();
    for file in files {
        let bytes = read(&file)?;
        let key = hex(&Sha256::digest(&bytes)[..16]);
        jobs.push((file, bytes, key));
    }
    let todo: Vec<&(PathBuf, Vec<u8>, String)> = jobs
        .iter()
        .filter(|(_, _, key)| {
            !(cache.join(format!("{key}.br")).is_file()
                && cache.join(format!("{key}.gz")).is_file())
        })
        .collect();
    let started = Instant::now();
    let workers = std::thread::available_parallelism()
        .map(usize::from)
        .unwrap_or(1)
        .min(todo.len().max(1));
    let next = std::sync::atomic::AtomicUsize::new(0);
    let results: Vec<Result<(), String>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                scope.spawn(|| -> Result<(), String> {
                    loop {
                        let index = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let Some((_, bytes, key)) = todo.get(index) else {
                            return Ok(());
                        };
                        write_atomically(&cache.join(format!("{key}.br")), &brotli(bytes)?)?;
                        write_atomically(&cache.join(format!("{key}.gz")), &gzip(bytes)?)?;
                    }
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|handle| {
                handle
                    .join()
                    .unwrap_or_else(|_| Err("a compression thread panicked".into()))
            })
            .collect()
    });
    results.into_iter().collect::<Result<Vec<()>, String>>()?;
    eprintln!(
        "compressed {} of {} files in {:.1} s (the others unchanged)",
        todo.len(),
        jobs.len(),
        started.elapsed().as_secs_f64()
    );
    for (file, bytes, key) in &jobs {
        for suffix in ["br", "gz"] {
            let variant = read(&cache.join(format!("{key}.{suffix}")))?;
            if variant.len() < bytes.len() {
                let mut name = file.as_os_str().to_owned();
                name.push(format!(".{suffix}"));
                write(Path::new(&name), &variant)?;
            }
        }
    }
    let used: Vec<&str> = jobs.iter().map(|(_, _, key)| key.as_str()).collect();
    for entry in fs::read_dir(cache).map_err(|error| error.to_string())? {
        let path = entry.map_err(|error| error.to_string())?.path();
        let stem = path.file_stem().unwrap_or_default().to_string_lossy();
        if !used.contains(&stem.as_ref()) {
            fs::remove_file(&path).map_err(|error| error.to_string())?;
        }
    }
    Ok(())
}

fn brotli(bytes: &[u8]) -> Result<Vec<u8>, String> {
    let params = brotli::enc::BrotliEncoderParams {
        quality: BROTLI_QUALITY as i32,
        lgwin: BROTLI_WINDOW as i32,
        size_hint: bytes.len(),
        ..Default::default()
    };
    let mut out = Vec::new();
    brotli::BrotliCompress(&mut &bytes[..], &mut out, &params)
        .map_err(|error| format!("brotli: {error}"))?;
    Ok(out)
}

fn gzip(bytes: &[u8]) -> Result<Vec<u8>, String> {
    use std::io::Write;
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder
        .write_all(bytes)
        .and_then(|()| encoder.finish())
        .map_err(|error| format!("gzip: {error}"))
}

/// Every file under `folder`, recursively.
fn list_files(folder: &Path, files: &mut Vec<PathBuf>) -> Result<(), String> {
    for entry in fs::read_dir(folder).map_err(|error| error.to_string())? {
        let path = entry.map_err(|error| error.to_string())?.path();
        if path.is_dir() {
            list_files(&path, files)?;
        } else {
            files.push(path);
        }
    }
    Ok(())
}

/// Puts the freshly built `next` in the place of `dist`: two renames, so a running server finds a
/// whole build at `dist` but for an instant.
fn replace_dist(dist: &Path, next: &Path) -> Result<(), String> {
    let previous = dist.with_extension("previous");
    clear(&previous)?;
    if dist.exists() {
        fs::rename(dist, &previous)
            .map_err(|error| format!("cannot move {}: {error}", dist.display()))?;
    }
    fs::rename(next, dist).map_err(|error| format!("cannot move {}: {error}", next.display()))?;
    clear(&previous)
}

/// `name` with the first 16 hex digits of the SHA-256 of `bytes` before its extension:
/// `app.js` becomes `app.0123456789abcdef.js` (the form the server caches as immutable).
fn hashed_name(name: &str, bytes: &[u8]) -> String {
    let hash = hex(&Sha256::digest(bytes)[..8]);
    match name.rsplit_once('.') {
        Some((stem, extension)) => format!("{stem}.{hash}.{extension}"),
        None => format!("{name}.{hash}"),
    }
}

/// `text` with every `from` replaced by its `to`; each `from` must occur, or the build stops (the file
/// changed and this code must follow).
fn rewrite(text: &str, file: &str, pairs: &[(String, String)]) -> Result<String, String> {
    let mut text = text.to_string();
    for (from, to) in pairs {
        if !text.contains(from.as_str()) {
            return Err(format!(
                "{file} no longer contains {from}, which xtask/src/web.rs replaces by {to}"
            ));
        }
        text = text.replace(from.as_str(), to);
    }
    Ok(text)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

fn read(path: &Path) -> Result<Vec<u8>, String> {
    fs::read(path).map_err(|error| format!("cannot read {}: {error}", path.display()))
}

fn read_text(path: &Path) -> Result<String, String> {
    fs::read_to_string(path).map_err(|error| format!("cannot read {}: {error}", path.display()))
}

fn write(path: &Path, bytes: &[u8]) -> Result<(), String> {
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).map_err(|error| error.to_string())?;
    }
    fs::write(path, bytes).map_err(|error| format!("cannot write {}: {error}", path.display()))
}

/// Writes through a temporary file, so an interrupted build leaves no truncated cache entry.
fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), String> {
    let mut partial = path.as_os_str().to_owned();
    partial.push(".partial");
    let partial = PathBuf::from(partial);
    write(&partial, bytes)?;
    fs::rename(&partial, path).map_err(|error| format!("cannot write {}: {error}", path.display()))
}

/// Removes `folder` and everything in it, if it exists.
fn clear(folder: &Path) -> Result<(), String> {
    if folder.exists() {
        fs::remove_dir_all(folder)
            .map_err(|error| format!("cannot clear {}: {error}", folder.display()))?;
    }
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

/// Stops when the widget is over its size budget: `tests/e2e/size.mjs` adds up the gzip -9 sizes of
/// the wasm, its bindings and `app.js` in `web/dist` (as `bench.mjs` prints them) and fails above
/// 500,000 bytes.
pub fn size_check() -> Result<(), String> {
    run(Command::new("node")
        .arg("size.mjs")
        .current_dir(workspace_root().join("tests/e2e")))
    .map_err(|error| {
        format!(
            "{error}: the widget (wasm + JS, gzip) is over its 500,000-byte budget, or node failed"
        )
    })
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

/// Runs the contract tests (`tests/contract`: the served OpenAPI document linted by Redocly, and a
/// client generated from it calling the server) after installing their npm packages.
pub fn contract_test() -> Result<(), String> {
    let contract = workspace_root().join("tests/contract");
    if !contract.join("node_modules/.bin/redocly").exists() {
        run(Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund"])
            .current_dir(&contract))?;
    }
    run(Command::new("npm").args(["test"]).current_dir(&contract))
}

#[cfg(test)]
mod tests {
    use crate::web::{hashed_name, rewrite};

    #[test]
    fn a_hashed_name_carries_16_hex_digits_before_the_extension() {
        let name = hashed_name("duijie-web_bg.wasm", b"\0asm");
        let parts: Vec<&str> = name.split('.').collect();
        assert_eq!(parts.len(), 3, "{name}");
        assert_eq!(parts[0], "duijie-web_bg");
        assert_eq!(parts[2], "wasm");
        assert_eq!(parts[1].len(), 16);
        assert!(parts[1]
            .bytes()
            .all(|byte| byte.is_ascii_digit() || (b'a'..=b'f').contains(&byte)));
        assert_eq!(name, hashed_name("duijie-web_bg.wasm", b"\0asm"));
        assert_ne!(name, hashed_name("duijie-web_bg.wasm", b"\0asm2"));
    }

    #[test]
    fn a_reference_that_is_gone_stops_the_build() {
        let pairs = [(
            "'app.js'".to_string(),
            "'app.0123456789abcdef.js'".to_string(),
        )];
        assert_eq!(
            rewrite("load('app.js'); load('app.js')", "sw.js", &pairs).unwrap(),
            "load('app.0123456789abcdef.js'); load('app.0123456789abcdef.js')"
        );
        assert!(rewrite("load('main.js')", "sw.js", &pairs).is_err());
    }
}
