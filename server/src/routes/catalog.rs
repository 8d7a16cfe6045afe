//! Whole-catalog routes: import (all or nothing), export (private fields included, so it needs a
//! token) and the public snapshot the widget loads.

use std::io::Write as _;

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use duijie_core::{Kind, Resource, Weights};
use serde::Serialize;
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use crate::auth::require_writer;
use crate::error::{ApiError, Code};
use crate::import::{decode_within, Encoding, Format, Refusal};
use crate::routes::openapi::{
    BadRequest, Conflict, Forbidden, Invalid, PayloadTooLarge, TooManyRequests, Unauthorized,
};
use crate::routes::{query_params, read_body};
use crate::state::{AppState, Snapshot};
use crate::store::Change;

pub const IMPORT_QUERY: &[&str] = &["format", "encoding", "dry_run", "mode", "allow_shrink"];
pub const SNAPSHOT_QUERY: &[&str] = &["region", "kinds"];

/// How an import changes the catalog.
#[derive(Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ImportMode {
    /// Add the imported resources, replacing those with the same id; keep the others.
    Upsert,
    /// Make the catalog exactly the imported resources.
    Replace,
}

/// The answer to an import.
#[derive(Serialize, ToSchema)]
pub struct Imported {
    /// How many resources the upload held.
    imported: usize,
    /// The catalog version after the import (unchanged by a dry run).
    catalog_version: String,
    mode: ImportMode,
    dry_run: bool,
    /// How many resources of the bundled demo catalog the catalog holds after the import
    /// (`DELETE /api/v1/demo` removes them).
    demo_resources: usize,
}

/// `GET /api/v1/snapshot`.
#[derive(Serialize, ToSchema)]
pub struct SnapshotBody<'a> {
    catalog_version: &'a str,
    /// The weights the service scores with, so the widget scores the same.
    #[schema(value_type = crate::schema::Weights)]
    weights: &'a Weights,
    /// The `region` asked for, or null.
    #[schema(required = true)]
    region: Option<String>,
    /// The `kinds` asked for (sorted, without repeats); empty for all.
    #[schema(value_type = Vec<crate::schema::Kind>)]
    kinds: Vec<Kind>,
    /// Public fields only.
    #[schema(value_type = Vec<crate::schema::Resource>)]
    resources: Vec<Resource>,
}

/// Import JSON Lines, CSV or XLSX, all or nothing.
///
/// The format comes from `format`, else the Content-Type. Any invalid row: 422 listing the first
/// 1,000 problems in file order and counting the rest, and nothing is written; past an import
/// bound (rows, columns, cells, inflated bytes of a workbook): 413 `too_large`. A `replace` with no
/// rows is refused (422), and one that would remove more than half of the catalog needs
/// `allow_shrink=true` (else 409).
#[utoipa::path(
    post,
    path = "/api/v1/import",
    tag = "catalog",
    operation_id = "import_catalog",
    security(("bearer" = [])),
    params(
        ("format" = Option<String>, Query, description = "`jsonl`, `csv` or `xlsx`; else the Content-Type says it."),
        ("encoding" = Option<String>, Query, description = "CSV only: `utf-8` or `gbk`; detected when absent."),
        ("dry_run" = Option<bool>, Query, description = "Validate only; write nothing."),
        ("mode" = Option<ImportMode>, Query, description = "`upsert` (default) or `replace`."),
        ("allow_shrink" = Option<bool>, Query, description = "With `replace`: allow removing more than half of the catalog.")
    ),
    request_body(
        description = "The rows: one resource per line (JSON Lines) or row (CSV, XLSX).",
        content(
            (String = "application/x-ndjson"),
            (String = "text/csv"),
            (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        )
    ),
    responses(
        (status = 200, description = "Imported (or, with `dry_run`, valid).", body = Imported),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 409, response = Conflict),
        (status = 413, response = PayloadTooLarge),
        (status = 422, response = Invalid),
        (status = 429, response = TooManyRequests)
    )
)]
pub async fn import(
    request: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    require_writer(&request, &state)?;
    let ImportRequest {
        format,
        encoding,
        dry_run,
        allow_shrink,
        replace,
    } = import_request(&request)?;
    let body = read_body(&request, payload, state.config.import_limit).await?;
    let limits = state.config.import_limits();
    let answer = web::block(move || -> Result<Imported, ApiError> {
        let started = std::time::Instant::now();
        let resources =
            decode_within(format, &body, encoding, &limits).map_err(refusal_to_error)?;
        if replace && resources.is_empty() {
            return Err(ApiError::invalid(
                "a replace import with no rows would empty the catalog; nothing was imported",
                vec![duijie_core::FieldError::new("", "the upload has no rows")],
            ));
        }
        eprintln!(
            "duijie serve: import of {} bytes: {} resources decoded and validated in {} ms",
            body.len(),
            resources.len(),
            started.elapsed().as_millis()
        );
        let change = if replace {
            Change::Replace(&resources)
        } else {
            Change::Upsert(&resources)
        };
        let new_ids: std::collections::HashSet<&str> = resources
            .iter()
            .map(|resource| resource.id.as_str())
            .collect();
        let catalog = state.write(change, dry_run, |current| {
            if !replace || allow_shrink {
                return Ok(());
            }
            let removed = current
                .resources()
                .iter()
                .filter(|resource| !new_ids.contains(resource.id.as_str()))
                .count();
            let before = current.resources().len();
            if removed * 2 > before {
                return Err(ApiError::Conflict(format!(
                    "this replace would remove {removed} of the catalog's {before} resources (more than half); send allow_shrink=true to do it"
                )));
            }
            Ok(())
        })?;
        Ok(Imported {
            imported: resources.len(),
            catalog_version: catalog.version().to_string(),
            mode: if replace {
                ImportMode::Replace
            } else {
                ImportMode::Upsert
            },
            dry_run,
            // The demo catalog stays beside an upsert: the answer says how much of it is left
            // (`DELETE /api/v1/demo` removes it).
            demo_resources: if replace {
                crate::demo::count_in(&resources)
            } else {
                crate::demo::count_in(state.catalog().resources())
            },
        })
    })
    .await??;
    Ok(HttpResponse::Ok().json(answer))
}

/// What an import asks for, from its query (`IMPORT_QUERY`) and Content-Type: the same for the
/// catalog's import and the needs'.
pub struct ImportRequest {
    pub format: Format,
    pub encoding: Encoding,
    pub dry_run: bool,
    pub allow_shrink: bool,
    /// `mode=replace` (else upsert).
    pub replace: bool,
}

/// Reads an import's query parameters and Content-Type; a bad one is a 400.
pub fn import_request(request: &HttpRequest) -> Result<ImportRequest, ApiError> {
    let params = query_params(request, IMPORT_QUERY)?;
    let format = match params.get("format") {
        Some(format) => Format::parse(format).ok_or_else(|| {
            ApiError::bad_request(Code::BadQuery, format!("format: '{format}' is not jsonl, csv or xlsx"))
        })?,
        None => request
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .and_then(Format::from_content_type)
            .ok_or_else(|| {
                ApiError::bad_request(
                    Code::UnknownFormat,
                    "say the format with ?format=jsonl|csv|xlsx or a Content-Type (application/x-ndjson, text/csv, or the .xlsx type)",
                )
            })?,
    };
    let encoding = match params.get("encoding") {
        Some(encoding) => Encoding::parse(encoding).ok_or_else(|| {
            ApiError::bad_request(
                Code::BadQuery,
                format!("encoding: '{encoding}' is not utf-8 or gbk"),
            )
        })?,
        None => Encoding::Detect,
    };
    let flag = |name: &str| match params.get(name).map(String::as_str) {
        None | Some("false") | Some("0") => Ok(false),
        Some("true") | Some("1") | Some("") => Ok(true),
        Some(other) => Err(ApiError::bad_request(
            Code::BadQuery,
            format!("{name}: '{other}' is not true or false"),
        )),
    };
    let replace = match params.get("mode").map(String::as_str) {
        None | Some("upsert") => false,
        Some("replace") => true,
        Some(other) => {
            return Err(ApiError::bad_request(
                Code::BadQuery,
                format!("mode: '{other}' is not upsert or replace"),
            ))
        }
    };
    Ok(ImportRequest {
        format,
        encoding,
        dry_run: flag("dry_run")?,
        allow_shrink: flag("allow_shrink")?,
        replace,
    })
}

/// The answer to a refused upload: 422 with the first errors and the count of the rest, or 413.
pub fn refusal_to_error(refusal: Refusal) -> ApiError {
    match refusal {
        Refusal::TooLarge { message, limit } => ApiError::TooLarge { message, limit },
        Refusal::Invalid {
            errors,
            total,
            rows,
        } => {
            let omitted = total.saturating_sub(errors.len());
            let mut message = if omitted > 0 {
                format!(
                    "{} errors on {} rows; the first {} are listed, and {} more; nothing was imported",
                    thousands(total),
                    thousands(rows),
                    thousands(errors.len()),
                    thousands(omitted)
                )
            } else {
                format!("{total} error(s) on {rows} row(s); nothing was imported")
            };
            // The first error in words, located (`Sheet1!J11 (关键词): x-1: keywords[1]: …`).
            if let Some(first) = errors.first() {
                message.push_str(&format!("; first: {first}"));
            }
            ApiError::Invalid {
                message,
                errors,
                omitted,
            }
        }
    }
}

/// `12345` as `12,345`.
fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

/// The whole catalog, private fields included, as JSON Lines that import back unchanged.
#[utoipa::path(
    get,
    path = "/api/v1/export",
    tag = "catalog",
    operation_id = "export_catalog",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "One resource per line, contacts included.",
            body = String, content_type = "application/x-ndjson",
            headers(("X-Catalog-Version" = String, description = "The catalog version exported."))),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden)
    )
)]
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

/// The public catalog slice the widget loads; gzip and ETag.
///
/// Public fields only. Gzip when accepted; a strong ETag per catalog version, query and encoding;
/// `If-None-Match` gives 304. Built once per (version, query) and cached.
#[utoipa::path(
    get,
    path = "/api/v1/snapshot",
    tag = "catalog",
    operation_id = "get_snapshot",
    params(
        ("region" = Option<String>, Query, description = "A GB/T 2260 code, a region name or path (佛山市, 广东省佛山市禅城区) or a strategic region id: only resources there."),
        ("kinds" = Option<String>, Query, description = "Comma-separated kinds to keep: expert, achievement, patent, organization."),
        ("kind" = Option<String>, Query, deprecated, description = "The old name of `kinds`, accepted until the next release."),
        ("If-None-Match" = Option<String>, Header, description = "An ETag from an earlier answer.")
    ),
    responses(
        (status = 200, description = "The snapshot.", body = SnapshotBody,
            headers(
                ("ETag" = String, description = "Strong; per catalog version, query and encoding."),
                ("X-Catalog-Version" = String)
            )),
        (status = 304, description = "Not modified: the `If-None-Match` tag is current."),
        (status = 400, response = BadRequest)
    )
)]
pub async fn snapshot(
    request: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let params = query_params(&request, SNAPSHOT_QUERY)?;
    let mut filters = crate::routes::resources::filters_from(&params)?;
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
                let resources: Vec<Resource> = catalog
                    .resources()
                    .iter()
                    .zip(catalog.matcher.passing(&filters))
                    .filter(|(_, passes)| *passes)
                    .map(|(resource, _)| resource.public())
                    .collect();
                let kinds: Vec<Kind> = filters.kinds.clone();
                let body = SnapshotBody {
                    catalog_version: catalog.version(),
                    weights: catalog.matcher.weights(),
                    region: filters.region.clone(),
                    kinds,
                    resources,
                };
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
