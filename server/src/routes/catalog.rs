//! Whole-catalog routes: import (all or nothing), export (private fields included, so it needs a
//! token) and the public snapshot the widget loads.

use std::io::Write as _;

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use duijie_core::Kind;
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::auth::require_writer;
use crate::error::ApiError;
use crate::import::{decode, Encoding, Format};
use crate::routes::{query_params, read_body};
use crate::state::{passes, AppState, Snapshot};
use crate::store::Change;

pub const IMPORT_QUERY: &[&str] = &["format", "encoding", "dry_run", "mode"];
pub const SNAPSHOT_QUERY: &[&str] = &["region", "kinds"];

/// `POST /api/v1/import?format=jsonl|csv|xlsx&encoding=utf-8|gbk&mode=upsert|replace&dry_run=true`.
/// The format comes from `format`, else the Content-Type. Any invalid row: 422 listing every bad row,
/// and nothing is written. Success: `{"imported", "catalog_version", "mode", "dry_run"}`.
pub async fn import(
    request: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    require_writer(&request, &state)?;
    let params = query_params(&request, IMPORT_QUERY)?;
    let format = match params.get("format") {
        Some(format) => Format::parse(format).ok_or_else(|| {
            ApiError::bad_request("bad_query", format!("format: '{format}' is not jsonl, csv or xlsx"))
        })?,
        None => request
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .and_then(Format::from_content_type)
            .ok_or_else(|| {
                ApiError::bad_request(
                    "unknown_format",
                    "say the format with ?format=jsonl|csv|xlsx or a Content-Type (application/x-ndjson, text/csv, or the .xlsx type)",
                )
            })?,
    };
    let encoding = match params.get("encoding") {
        Some(encoding) => Encoding::parse(encoding).ok_or_else(|| {
            ApiError::bad_request(
                "bad_query",
                format!("encoding: '{encoding}' is not utf-8 or gbk"),
            )
        })?,
        None => Encoding::Detect,
    };
    let dry_run = match params.get("dry_run").map(String::as_str) {
        None | Some("false") | Some("0") => false,
        Some("true") | Some("1") | Some("") => true,
        Some(other) => {
            return Err(ApiError::bad_request(
                "bad_query",
                format!("dry_run: '{other}' is not true or false"),
            ))
        }
    };
    let replace = match params.get("mode").map(String::as_str) {
        None | Some("upsert") => false,
        Some("replace") => true,
        Some(other) => {
            return Err(ApiError::bad_request(
                "bad_query",
                format!("mode: '{other}' is not upsert or replace"),
            ))
        }
    };
    let body = read_body(&request, payload, state.config.import_limit).await?;
    let answer = web::block(move || -> Result<serde_json::Value, ApiError> {
        let resources = decode(format, &body, encoding).map_err(|errors| {
            let rows: std::collections::BTreeSet<Option<usize>> =
                errors.iter().map(|error| error.line).collect();
            ApiError::invalid(
                format!(
                    "{} error(s) on {} row(s); nothing was imported",
                    errors.len(),
                    rows.len()
                ),
                errors,
            )
        })?;
        let change = if replace {
            Change::Replace(&resources)
        } else {
            Change::Upsert(&resources)
        };
        let catalog = state.write(change, dry_run, |_| Ok(()))?;
        Ok(json!({
            "imported": resources.len(),
            "catalog_version": catalog.version(),
            "mode": if replace { "replace" } else { "upsert" },
            "dry_run": dry_run,
        }))
    })
    .await??;
    Ok(HttpResponse::Ok().json(answer))
}

/// The whole catalog, private fields included, as JSON Lines that import back unchanged.
pub async fn export(
    request: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    require_writer(&request, &state)?;
    let catalog = state.catalog();
    let version = catalog.version().to_string();
    let body = web::block(move || -> Result<Vec<u8>, ApiError> {
        let mut out = Vec::new();
        for resource in catalog.resources() {
            serde_json::to_writer(&mut out, resource)
                .map_err(|error| ApiError::Internal(error.to_string()))?;
            out.push(b'\n');
        }
        Ok(out)
    })
    .await??;
    Ok(HttpResponse::Ok()
        .content_type("application/x-ndjson; charset=utf-8")
        .insert_header(("X-Catalog-Version", version))
        .insert_header(("Cache-Control", "no-store"))
        .body(body))
}

/// `GET /api/v1/snapshot?region=&kinds=`: `{"catalog_version", "weights", "region", "kinds",
/// "resources"}` with public fields only. Gzip when accepted; a strong ETag per catalog version, query
/// and encoding; `If-None-Match` gives 304. Built once per (version, query) and cached.
pub async fn snapshot(
    request: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let params = query_params(&request, SNAPSHOT_QUERY)?;
    let mut filter_params = std::collections::BTreeMap::new();
    if let Some(region) = params.get("region") {
        filter_params.insert("region".to_string(), region.clone());
    }
    if let Some(kinds) = params.get("kinds") {
        filter_params.insert("kind".to_string(), kinds.clone());
    }
    let mut filters = crate::routes::resources::filters_from(&filter_params)?;
    filters.kinds.sort();
    filters.kinds.dedup();
    let catalog = state.catalog();
    let kinds: Vec<&str> = filters.kinds.iter().map(|kind| kind.as_str()).collect();
    let region = filters.region.clone().unwrap_or_default();
    let key = format!("{}|{}|{}", catalog.version(), region, kinds.join(","));
    let gzip = accepts_gzip(&request);
    // Revalidation is the common case: answer it from the cache without leaving the worker thread.
    let cached = if let Some(cached) = catalog.cached_snapshot(&key) {
        cached
    } else {
        let catalog = catalog.clone();
        let key = key.clone();
        web::block(move || {
            catalog.snapshot(&key, || {
                let resources: Vec<duijie_core::Resource> = catalog
                    .resources()
                    .iter()
                    .filter(|resource| passes(&filters, resource))
                    .map(|resource| resource.public())
                    .collect();
                let kinds: Vec<Kind> = filters.kinds.clone();
                let body = json!({
                    "catalog_version": catalog.version(),
                    "weights": catalog.matcher.weights(),
                    "region": filters.region,
                    "kinds": kinds,
                    "resources": resources,
                });
                let json = serde_json::to_vec(&body)
                    .map_err(|error| ApiError::Internal(error.to_string()))?;
                let mut encoder =
                    flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
                encoder
                    .write_all(&json)
                    .map_err(|error| ApiError::Internal(error.to_string()))?;
                let gzip = encoder
                    .finish()
                    .map_err(|error| ApiError::Internal(error.to_string()))?;
                let digest = Sha256::digest(key.as_bytes());
                let etag: String = digest[..16]
                    .iter()
                    .map(|byte| format!("{byte:02x}"))
                    .collect();
                Ok(Snapshot {
                    etag: format!("\"{etag}\""),
                    json,
                    gzip,
                })
            })
        })
        .await??
    };
    // The gzip representation has its own strong ETag, as RFC 9110 asks of different bytes.
    let etag = if gzip {
        format!("{}-gz\"", cached.etag.trim_end_matches('"'))
    } else {
        cached.etag.clone()
    };
    let mut response = if if_none_match(&request, &cached.etag) {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    response
        .insert_header((header::ETAG, etag))
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .insert_header((header::VARY, "Accept-Encoding"))
        .insert_header(("X-Catalog-Version", catalog.version().to_string()));
    if if_none_match(&request, &cached.etag) {
        return Ok(response.finish());
    }
    response.content_type("application/json");
    if gzip {
        response.insert_header((header::CONTENT_ENCODING, "gzip"));
        Ok(response.body(cached.gzip.clone()))
    } else {
        Ok(response.body(cached.json.clone()))
    }
}

/// Whether `Accept-Encoding` accepts gzip (present and not `q=0`).
fn accepts_gzip(request: &HttpRequest) -> bool {
    request
        .headers()
        .get_all(header::ACCEPT_ENCODING)
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .any(|item| {
            let mut parts = item.split(';');
            let coding = parts.next().unwrap_or("").trim();
            let refused = parts.any(|param| {
                let param = param.trim().replace(' ', "");
                param == "q=0" || param == "q=0.0" || param == "q=0.00" || param == "q=0.000"
            });
            (coding.eq_ignore_ascii_case("gzip") || coding == "*") && !refused
        })
}

/// Whether `If-None-Match` names this snapshot (either encoding's tag) or is `*`.
fn if_none_match(request: &HttpRequest, etag: &str) -> bool {
    let bare = etag.trim_matches('"');
    request
        .headers()
        .get_all(header::IF_NONE_MATCH)
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(|tag| tag.trim().trim_start_matches("W/").trim_matches('"'))
        .any(|tag| tag == "*" || tag == bare || tag.strip_suffix("-gz") == Some(bare))
}
