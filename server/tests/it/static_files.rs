//! The widget's files served as a CDN would: the precompressed variant the client accepts, ETag and
//! 304, and the caching each kind of name gets.

use crate::support::{temp_dir, Process, Server};

const HASHED_WASM: &str = "duijie-web_bg.0123456789abcdef.wasm";

/// A built folder as `cargo xtask web` writes it, with recognisable bytes in each variant: a hashed
/// wasm with brotli and gzip variants, a page with both, `embed.js` with gzip only, a service worker
/// and a matcher package file without variants; served.
fn served_folder(name: &str) -> (Server, std::path::PathBuf) {
    let (dir, web) = built_folder(name);
    let server = Server::start_with(
        &dir.join("data"),
        &["--no-demo", "--static", web.to_str().unwrap()],
    );
    (server, web)
}

/// The folder of `served_folder` in a new temporary folder: `(temporary folder, built folder)`.
fn built_folder(name: &str) -> (std::path::PathBuf, std::path::PathBuf) {
    let dir = temp_dir(name);
    let web = dir.join("dist");
    let files: &[(&str, &[u8])] = &[
        (HASHED_WASM, b"\0asm identity bytes"),
        ("duijie-web_bg.0123456789abcdef.wasm.br", b"brotli bytes"),
        ("duijie-web_bg.0123456789abcdef.wasm.gz", b"gzip bytes!"),
        ("index.html", b"<h1>widget</h1>"),
        ("index.html.br", b"<br page>"),
        ("index.html.gz", b"<gz page>"),
        ("embed.js", b"// embed"),
        ("embed.js.gz", b"gz embed"),
        ("sw.js", b"// worker"),
        ("pkg-matcher/duijie_wasm.js", b"// package"),
    ];
    for (file, bytes) in files {
        let path = web.join(file);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, bytes).unwrap();
    }
    (dir, web)
}

#[test]
fn the_variant_the_client_accepts_is_sent_as_built() {
    let (server, _web) = served_folder("negotiation");
    let cases: &[(&str, &str, Option<&str>)] = &[
        ("gzip, deflate, br, zstd", "brotli bytes", Some("br")),
        ("br", "brotli bytes", Some("br")),
        ("gzip", "gzip bytes!", Some("gzip")),
        ("br;q=0, gzip", "gzip bytes!", Some("gzip")),
        ("*", "brotli bytes", Some("br")),
        ("*, br;q=0", "gzip bytes!", Some("gzip")),
        ("identity", "\0asm identity bytes", None),
        ("deflate", "\0asm identity bytes", None),
    ];
    for (accept, body, encoding) in cases {
        let reply = server.get_with(&format!("/{HASHED_WASM}"), &[("Accept-Encoding", accept)]);
        assert_eq!(reply.status, 200, "{accept}");
        assert_eq!(reply.text(), *body, "{accept}");
        assert_eq!(reply.header("content-encoding"), *encoding, "{accept}");
        assert_eq!(
            reply.header("content-type"),
            Some("application/wasm"),
            "{accept}"
        );
        assert_eq!(
            reply.header("content-length"),
            Some(body.len().to_string().as_str()),
            "{accept}"
        );
        assert!(
            reply
                .header("vary")
                .is_some_and(|vary| vary.contains("Accept-Encoding")),
            "{accept}: {:?}",
            reply.header("vary")
        );
    }
    // No Accept-Encoding at all: the file as built.
    let plain = server.get(&format!("/{HASHED_WASM}"));
    assert_eq!(plain.text(), "\0asm identity bytes");
    // A file with a gzip variant only: gzip even when brotli is preferred.
    let embed = server.get_with("/embed.js", &[("Accept-Encoding", "br, gzip")]);
    assert_eq!(embed.text(), "gz embed");
    assert_eq!(embed.header("content-encoding"), Some("gzip"));
    assert_eq!(
        embed.header("content-type"),
        Some("text/javascript; charset=utf-8")
    );
    // A file without variants, under a folder.
    let package = server.get_with(
        "/pkg-matcher/duijie_wasm.js",
        &[("Accept-Encoding", "br, gzip")],
    );
    assert_eq!(package.text(), "// package");
    assert_eq!(package.header("content-encoding"), None);
}

#[test]
fn hashed_names_are_immutable_and_the_others_revalidate() {
    let (server, _web) = served_folder("cache-control");
    let cases = [
        (
            format!("/{HASHED_WASM}"),
            "public, max-age=31536000, immutable",
        ),
        ("/".to_string(), "no-cache"),
        ("/index.html".to_string(), "no-cache"),
        ("/sw.js".to_string(), "no-cache"),
        ("/pkg-matcher/duijie_wasm.js".to_string(), "no-cache"),
        ("/embed.js".to_string(), "public, max-age=300"),
    ];
    for (path, cache_control) in &cases {
        let reply = server.get_with(path, &[("Accept-Encoding", "gzip, br")]);
        assert_eq!(reply.status, 200, "{path}");
        assert_eq!(
            reply.header("cache-control"),
            Some(*cache_control),
            "{path}"
        );
        // The security headers of every response stay.
        assert_eq!(reply.header("x-content-type-options"), Some("nosniff"));
        assert!(reply
            .header("content-security-policy")
            .is_some_and(|csp| csp.contains("frame-ancestors")));
        assert_eq!(reply.header("referrer-policy"), Some("no-referrer"));
    }
}

#[test]
fn an_unchanged_file_is_revalidated_with_a_304_without_a_body() {
    let (server, web) = served_folder("etag");
    let brotli = [("Accept-Encoding", "br, gzip")];
    let page = server.get_with("/", &brotli);
    assert_eq!(page.text(), "<br page>");
    let etag = page.header("etag").unwrap().to_string();
    assert!(
        etag.starts_with('"') && etag.len() == 34,
        "a strong ETag: {etag}"
    );

    for tag in [
        etag.clone(),
        format!("W/{etag}"),
        format!("\"x\", {etag}"),
        "*".into(),
    ] {
        let again = server.get_with(
            "/",
            &[("Accept-Encoding", "br, gzip"), ("If-None-Match", &tag)],
        );
        assert_eq!(again.status, 304, "If-None-Match: {tag}");
        assert!(again.body.is_empty());
        assert_eq!(again.header("etag"), Some(etag.as_str()));
        assert_eq!(again.header("cache-control"), Some("no-cache"));
        assert!(again
            .header("vary")
            .is_some_and(|vary| vary.contains("Accept-Encoding")));
        assert_eq!(again.header("x-content-type-options"), Some("nosniff"));
    }

    // Each variant has its own tag: the brotli page's tag does not validate the gzip page.
    let gzip = server.get_with(
        "/",
        &[("Accept-Encoding", "gzip"), ("If-None-Match", &etag)],
    );
    assert_eq!(gzip.status, 200);
    assert_eq!(gzip.text(), "<gz page>");
    assert_ne!(gzip.header("etag"), Some(etag.as_str()));

    // A new build of the page: the old tag no longer matches.
    std::fs::write(web.join("index.html.br"), "<new br page>").unwrap();
    let changed = server.get_with("/", &[("Accept-Encoding", "br"), ("If-None-Match", &etag)]);
    assert_eq!(changed.status, 200);
    assert_eq!(changed.text(), "<new br page>");
    assert_ne!(changed.header("etag"), Some(etag.as_str()));

    // Files of fixed names and hashed ones alike answer conditional requests.
    for path in ["/embed.js", &format!("/{HASHED_WASM}")] {
        let tag = server
            .get_with(path, &brotli)
            .header("etag")
            .unwrap()
            .to_string();
        let again = server.get_with(
            path,
            &[("Accept-Encoding", "br, gzip"), ("If-None-Match", &tag)],
        );
        assert_eq!(again.status, 304, "{path}");
    }
}

/// On the wire (actix-http drops a HEAD answer's body, so a real process): a file's HEAD, and an
/// API route's, give the length without the body.
#[test]
fn head_gives_the_length_without_the_body() {
    let (dir, web) = built_folder("head");
    let server = Process::start_with(
        &dir.join("data"),
        &["--no-demo", "--static", web.to_str().unwrap()],
    );
    let path = format!("/{HASHED_WASM}");
    let reply = server.request("HEAD", &path, None, &[("Accept-Encoding", "br")], None);
    assert_eq!(reply.status, 200);
    assert!(reply.body.is_empty());
    assert_eq!(reply.header("content-length"), Some("12"));
    assert_eq!(reply.header("content-encoding"), Some("br"));
    let head = server.request("HEAD", "/healthz", None, &[], None);
    assert_eq!(head.status, 200);
    assert!(head.body.is_empty());
}

#[test]
fn dot_files_and_paths_outside_the_folder_are_not_served() {
    let (server, web) = served_folder("outside");
    std::fs::write(web.join(".manifest.json"), "{}").unwrap();
    for path in ["/.manifest.json", "/../Cargo.toml", "/missing.js"] {
        assert_eq!(server.get_with(path, &[]).status, 404, "{path}");
    }
}

#[test]
fn static_files_are_alike_for_every_origin() {
    let dir = temp_dir("origin");
    let web = dir.join("dist");
    std::fs::create_dir_all(&web).unwrap();
    std::fs::write(web.join(HASHED_WASM), b"\0asm").unwrap();
    let server = Server::start_with(
        &dir.join("data"),
        &[
            "--no-demo",
            "--static",
            web.to_str().unwrap(),
            "--cors-origin",
            "https://kx.example.cn",
        ],
    );
    // A page's module and preload requests carry Origin, its service worker's do not: one answer for
    // all, so that a browser cache holding one serves the other.
    for origin in [
        None,
        Some("https://kx.example.cn"),
        Some("https://evil.example.com"),
    ] {
        let headers: Vec<(&str, &str)> = origin
            .map(|origin| ("Origin", origin))
            .into_iter()
            .collect();
        let reply = server.get_with(&format!("/{HASHED_WASM}"), &headers);
        assert_eq!(reply.status, 200);
        assert_eq!(
            reply.header("access-control-allow-origin"),
            Some("*"),
            "{origin:?}"
        );
        let vary: Vec<&str> = reply
            .headers
            .iter()
            .filter(|(name, _)| name.eq_ignore_ascii_case("vary"))
            .map(|(_, value)| value.as_str())
            .collect();
        assert_eq!(vary, ["Accept-Encoding"], "{origin:?}");
    }
    // The API keeps its own policy: configured origins only, varying on Origin.
    let api = server.get_with("/healthz", &[("Origin", "https://evil.example.com")]);
    assert!(api.header("access-control-allow-origin").is_none());
}
