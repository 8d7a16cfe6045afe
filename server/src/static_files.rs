//! The widget's built files (`web/dist`), served as a CDN would: the brotli or gzip variant that
//! `cargo xtask web` wrote beside a file (`app.js.br`, `app.js.gz`) when the client accepts it, never
//! compressed at request time; a strong ETag per variant, with 304 on `If-None-Match`; a year's
//! `immutable` caching for content-hashed names, a few minutes for `embed.js` (portals load it by
//! its fixed URL), and revalidation on each use for every other file. They are public and alike for
//! every origin: `Access-Control-Allow-Origin: *`, and no `Vary: Origin`.

use std::path::{Component, Path, PathBuf};

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse};
use sha2::{Digest, Sha256};

/// Cache-Control of a content-hashed name (`app.0123456789abcdef.js`): its bytes never change.
pub const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// Cache-Control of `embed.js`: portals load it by a fixed URL, so a new build reaches them within
/// five minutes; after that a browser revalidates it (a 304 without a body when unchanged).
pub const EMBED: &str = "public, max-age=300";
/// Cache-Control of every other file (the page, the service worker, the matcher package): revalidate
/// on each use.
pub const REVALIDATE: &str = "no-cache";

/// How a file is sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    Brotli,
    Gzip,
    Identity,
}

impl Encoding {
    /// The suffix of the variant's file, and the `Content-Encoding` it is sent with.
    fn variant(self) -> Option<(&'static str, &'static str)> {
        match self {
            Encoding::Brotli => Some((".br", "br")),
            Encoding::Gzip => Some((".gz", "gzip")),
            Encoding::Identity => None,
        }
    }
}

/// A file of the static folder, found for a URL path.
pub struct StaticFile {
    /// The file as built (identity).
    pub path: PathBuf,
    pub content_type: &'static str,
    pub cache_control: &'static str,
}

/// The file under `folder` a URL path names; `None` for anything outside it, dot files included.
pub fn find(folder: &Path, url_path: &str) -> Option<StaticFile> {
    let relative = url_path.trim_start_matches('/');
    let relative = if relative.is_empty() {
        "index.html"
    } else {
        relative
    };
    let relative = Path::new(relative);
    if !relative
        .components()
        .all(|component| matches!(component, Component::Normal(part) if !part.to_string_lossy().starts_with('.')))
    {
        return None;
    }
    let mut path = folder.join(relative);
    if path.is_dir() {
        path = path.join("index.html");
    }
    if !path.is_file() {
        return None;
    }
    let name = path.file_name()?.to_string_lossy().into_owned();
    let content_type = content_type(&name);
    let cache_control = if is_hashed(&name) {
        IMMUTABLE
    } else if path == folder.join("embed.js") {
        EMBED
    } else {
        REVALIDATE
    };
    Some(StaticFile {
        path,
        content_type,
        cache_control,
    })
}

/// Whether a file name carries its content's hash as `xtask web` writes it: 16 lowercase hex digits
/// between the stem and the extension (`duijie-web_bg.0123456789abcdef.wasm`).
pub fn is_hashed(name: &str) -> bool {
    let parts: Vec<&str> = name.split('.').collect();
    parts.len() >= 3 && {
        let hash = parts[parts.len() - 2];
        hash.len() == 16
            && hash
                .bytes()
                .all(|byte| byte.is_ascii_digit() || (b'a'..=b'f').contains(&byte))
    }
}

fn content_type(name: &str) -> &'static str {
    match name.rsplit('.').next().unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "wasm" => "application/wasm",
        "css" => "text/css; charset=utf-8",
        "json" | "map" => "application/json",
        "ts" => "text/plain; charset=utf-8",
        "md" => "text/markdown; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "txt" => "text/plain; charset=utf-8",
        "webmanifest" => "application/manifest+json",
        _ => "application/octet-stream",
    }
}

/// The codings `Accept-Encoding` allows, best first: brotli, then gzip, then identity (always
/// allowed). A coding is allowed when named, or covered by `*`, without `q=0`.
pub fn accepted(request: &HttpRequest) -> Vec<Encoding> {
    let mut named: Vec<(String, bool)> = Vec::new();
    for value in request
        .headers()
        .get_all(header::ACCEPT_ENCODING)
        .filter_map(|value| value.to_str().ok())
    {
        for item in value.split(',') {
            let mut parts = item.split(';');
            let coding = parts.next().unwrap_or("").trim().to_ascii_lowercase();
            if coding.is_empty() {
                continue;
            }
            let refused = parts.any(|param| {
                let param = param.trim().replace(' ', "");
                param
                    .strip_prefix("q=")
                    .and_then(|q| q.parse::<f32>().ok())
                    .is_some_and(|q| q <= 0.0)
            });
            named.push((coding, !refused));
        }
    }
    let allows = |coding: &str| match named.iter().find(|(name, _)| name == coding) {
        Some((_, allowed)) => *allowed,
        None => named.iter().any(|(name, allowed)| name == "*" && *allowed),
    };
    let mut encodings = Vec::new();
    if allows("br") {
        encodings.push(Encoding::Brotli);
    }
    if allows("gzip") {
        encodings.push(Encoding::Gzip);
    }
    encodings.push(Encoding::Identity);
    encodings
}

/// What is sent for a file: its bytes in one coding, and their ETag.
pub struct Variant {
    pub encoding: Encoding,
    pub bytes: Vec<u8>,
    /// A strong ETag of these bytes: each variant has its own, as RFC 9110 asks of different bytes.
    pub etag: String,
}

/// The bytes to send for `file`: the first variant that the client accepts and that exists.
/// Blocking (reads and hashes the file): run it in `web::block`.
pub fn read(file: &Path, encodings: &[Encoding]) -> std::io::Result<Variant> {
    let variant = |encoding: Encoding, bytes: Vec<u8>| {
        let etag = format!(
            "\"{}\"",
            Sha256::digest(&bytes)[..16]
                .iter()
                .map(|byte| format!("{byte:02x}"))
                .collect::<String>()
        );
        Variant {
            encoding,
            bytes,
            etag,
        }
    };
    for &encoding in encodings {
        let Some((suffix, _)) = encoding.variant() else {
            break;
        };
        let mut name = file.as_os_str().to_owned();
        name.push(suffix);
        if let Ok(bytes) = std::fs::read(PathBuf::from(name)) {
            return Ok(variant(encoding, bytes));
        }
    }
    std::fs::read(file).map(|bytes| variant(Encoding::Identity, bytes))
}

/// The answer for `file` sent as `variant`: 200 with its bytes, or 304 without them when
/// `If-None-Match` names its ETag (or is `*`).
pub fn respond(request: &HttpRequest, file: &StaticFile, variant: Variant) -> HttpResponse {
    let matches = request
        .headers()
        .get_all(header::IF_NONE_MATCH)
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(|tag| tag.trim().trim_start_matches("W/"))
        .any(|tag| tag == variant.etag || tag == "*");
    let mut response = if matches {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    response
        .insert_header((header::ETAG, variant.etag))
        .insert_header((header::CACHE_CONTROL, file.cache_control))
        .insert_header((header::VARY, "Accept-Encoding"))
        // Public files, alike for every origin: any page may read them (portals import
        // `pkg-matcher/`), and the answer does not vary on Origin.
        .insert_header((header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"));
    if matches {
        return response.finish();
    }
    response.content_type(file.content_type);
    if let Some((_, coding)) = variant.encoding.variant() {
        response.insert_header((header::CONTENT_ENCODING, coding));
    }
    response.body(variant.bytes)
}
