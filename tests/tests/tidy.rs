//! Workspace tidiness: duijie-core and duijie-schedule stay free of I/O and browser crates, nothing
//! but the server depends on duijie-server, every source file opens with a `//!` line, and no page
//! parses catalog text as HTML.

use std::path::{Path, PathBuf};

/// Crates duijie-core must never name: browser bindings, web frameworks, async runtimes, databases
/// and other I/O. A name ending in `*` is a prefix.
const CORE_FORBIDDEN: &[&str] = &[
    "wasm-bindgen",
    "wasm-bindgen-*",
    "js-sys",
    "web-sys",
    "gloo*",
    "actix*",
    "yew*",
    "tokio*",
    "async-std",
    "smol",
    "mio",
    "hyper*",
    "reqwest",
    "ureq",
    "axum",
    "rusqlite",
    "sqlx*",
    "diesel*",
    "postgres*",
    "redis",
    "tempfile",
    "walkdir",
    "memmap2",
    "notify",
];

/// The folders whose `.rs` files must open with `//!`.
const SOURCE_DIRS: &[&str] = &[
    "core/src",
    "schedule/src",
    "schedule/tests",
    "wasm/src",
    "server/src",
    "web/src",
    "tests/src",
    "xtask/src",
];

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the tests crate sits in the workspace")
        .to_path_buf()
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}

/// The names of every dependency a manifest declares, in any dependency table (normal, dev, build,
/// target-specific or workspace), found by plain line parsing.
fn dependency_names(manifest: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut in_dependencies = false;
    for line in manifest.lines() {
        let line = line.split('#').next().unwrap_or("").trim();
        if line.starts_with('[') {
            let header = line.trim_matches(|c| c == '[' || c == ']').trim();
            let parts: Vec<&str> = header.split('.').collect();
            // `[dependencies.serde]`-style tables name the dependency in the header.
            if let Some(position) = parts.iter().position(|part| part.ends_with("dependencies")) {
                if position + 1 < parts.len() {
                    names.push(parts[position + 1].trim_matches('"').to_string());
                    in_dependencies = false;
                } else {
                    in_dependencies = true;
                }
            } else {
                in_dependencies = false;
            }
            continue;
        }
        if in_dependencies {
            if let Some((key, _)) = line.split_once('=') {
                // `serde.workspace = true` names `serde`.
                let key = key.trim().trim_matches('"');
                let name = key.split('.').next().unwrap_or(key).trim_matches('"');
                if !name.is_empty() {
                    names.push(name.to_string());
                }
            }
        }
    }
    names
}

fn is_forbidden(name: &str) -> bool {
    CORE_FORBIDDEN
        .iter()
        .any(|pattern| match pattern.strip_suffix('*') {
            Some(prefix) => name.starts_with(prefix),
            None => name == *pattern,
        })
}

/// Every Cargo.toml of the workspace: the root's and each member's.
fn manifests() -> Vec<PathBuf> {
    let root = workspace();
    let mut manifests = vec![root.join("Cargo.toml")];
    for member in [
        "core", "schedule", "wasm", "server", "web", "tests", "xtask",
    ] {
        let path = root.join(member).join("Cargo.toml");
        if path.exists() {
            manifests.push(path);
        }
    }
    manifests
}

#[test]
fn dependency_parsing_finds_every_form() {
    let names = dependency_names(
        "[package]\nname = \"x\"\n[dependencies]\nserde.workspace = true\n\"tokio\" = \"1\"\n\
         [dev-dependencies.rusqlite]\nversion = \"0.30\"\n[target.'cfg(unix)'.dependencies]\n\
         js-sys = \"0.3\" # comment\n[features]\nactix = []\n",
    );
    assert_eq!(names, ["serde", "tokio", "rusqlite", "js-sys"]);
}

#[test]
fn core_and_schedule_name_no_io_or_browser_crates() {
    for crate_dir in ["core", "schedule"] {
        let manifest = read(&workspace().join(crate_dir).join("Cargo.toml"));
        let forbidden: Vec<String> = dependency_names(&manifest)
            .into_iter()
            .filter(|name| is_forbidden(name))
            .collect();
        assert!(
            forbidden.is_empty(),
            "{crate_dir}/Cargo.toml must not depend on {forbidden:?}: it does no I/O (ARCHITECTURE.md)"
        );
    }
}

#[test]
fn only_the_server_depends_on_the_server() {
    let server = workspace().join("server/Cargo.toml");
    let offenders: Vec<String> = manifests()
        .into_iter()
        .filter(|path| *path != server)
        .filter(|path| {
            dependency_names(&read(path))
                .iter()
                .any(|name| name == "duijie-server")
        })
        .map(|path| path.display().to_string())
        .collect();
    assert!(
        offenders.is_empty(),
        "these manifests depend on duijie-server: {offenders:?}"
    );
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<PathBuf> = entries
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|extension| extension == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn every_source_file_opens_with_a_module_doc() {
    let root = workspace();
    let mut files = Vec::new();
    for dir in SOURCE_DIRS {
        rust_files(&root.join(dir), &mut files);
    }
    assert!(files.len() > 10, "found only {} source files", files.len());
    let undocumented: Vec<String> = files
        .iter()
        .filter(|path| !read(path).trim_start_matches('\u{feff}').starts_with("//!"))
        .map(|path| {
            path.strip_prefix(&root)
                .unwrap_or(path)
                .display()
                .to_string()
        })
        .collect();
    assert!(
        undocumented.is_empty(),
        "these files lack a `//!` first line: {undocumented:?}"
    );
}

/// The copies of the field table that other languages need say what the table says: the
/// TypeScript `Resource` of the wasm bindings names exactly the public fields, and the server's
/// README lists every Chinese spreadsheet header with its field.
#[test]
fn the_field_table_is_what_bindings_and_docs_say() {
    use duijie_core::fields::RESOURCE_FIELDS;

    let bindings = read(&workspace().join("wasm/src/lib.rs"));
    let start = bindings
        .find("export interface Resource {")
        .expect("the TypeScript Resource interface");
    let end = start + bindings[start..].find("\n}").expect("its end");
    let interface = &bindings[start..end];
    let mut declared: Vec<String> = Vec::new();
    for part in interface.split(['{', ';', ',']) {
        if let Some((name, _)) = part.split_once(':') {
            let name = name.trim().trim_end_matches('?');
            if !name.is_empty() && name.chars().all(|c| c.is_ascii_lowercase() || c == '_') {
                declared.push(name.to_string());
            }
        }
    }
    // Nested keys follow their object's name: `patent: { number, ... }` declares `patent` too.
    let mut public: Vec<String> = Vec::new();
    for field in RESOURCE_FIELDS.iter().filter(|field| !field.private) {
        let keys = match field.nested() {
            Some((outer, inner)) => vec![outer, inner],
            None => vec![field.name],
        };
        for key in keys {
            if !public.iter().any(|known| known == key) {
                public.push(key.to_string());
            }
        }
    }
    declared.sort();
    declared.dedup();
    public.sort();
    assert_eq!(
        declared, public,
        "wasm/src/lib.rs: export interface Resource"
    );

    let readme = read(&workspace().join("server/README.md"));
    for field in &RESOURCE_FIELDS {
        let listed = field.headers_zh.join("/");
        assert!(
            readme.contains(&format!("{listed} {}", field.name)),
            "server/README.md lists no '{listed} {}'",
            field.name
        );
    }
}

/// Ways a page can turn a string into HTML. Stored text may hold `<` (`P<0.05`, `<经济学家>`, or
/// anything a character reference decoded to), so every page inserts it as text.
const HTML_SINKS: &[&str] = &[
    "innerHTML",
    "outerHTML",
    "insertAdjacentHTML",
    "document.write",
    "createContextualFragment",
    "DOMParser",
    "from_html_unchecked",
    "set_inner_html",
    "VRaw",
];

/// The widget (yew, its static scripts) and the dashboard insert catalog text as text: none of their
/// sources names a way to parse a string as HTML.
#[test]
fn pages_insert_text_never_html() {
    let root = workspace();
    let mut files = Vec::new();
    rust_files(&root.join("web/src"), &mut files);
    for dir in ["web/static", "server/static"] {
        let Ok(entries) = std::fs::read_dir(root.join(dir)) else {
            continue;
        };
        files.extend(
            entries
                .filter_map(|entry| entry.ok().map(|entry| entry.path()))
                .filter(|path| {
                    path.extension()
                        .is_some_and(|extension| extension == "js" || extension == "html")
                }),
        );
    }
    assert!(files.len() > 5, "found only {} page sources", files.len());
    let mut found = Vec::new();
    for path in &files {
        let text = read(path);
        for sink in HTML_SINKS {
            if text.contains(sink) {
                found.push(format!(
                    "{}: {sink}",
                    path.strip_prefix(&root).unwrap_or(path).display()
                ));
            }
        }
    }
    assert!(
        found.is_empty(),
        "insert text with textContent or yew's text nodes: {found:?}"
    );
}
