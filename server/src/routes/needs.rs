//! `/api/v1/needs`: the stored needs (read, search with facets, create, replace, delete, import,
//! export), a need's matches (`POST /api/v1/match`'s answer for it), and a resource's needs (the
//! reverse list: the stored needs it fits best).
//!
//! Who sees what (`demand::Viewer`): without a token, public needs without `contact`; a broker,
//! every need without `contact`; an editor or admin, everything; an enterprise token, only its own
//! organisation's needs, with `contact`, and it may create and change only those. A broker may
//! create a need for an enterprise it names (the widget's "save as need"), but not change one.

use std::collections::BTreeMap;

use actix_web::{web, HttpRequest, HttpResponse};
use duijie_core::matcher::MAX_TOP;
use duijie_core::model::{NeedRecord, NeedStatus};
use duijie_core::{Band, Component, FieldError, MatchOptions, Matched, Reason};
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

use crate::answer::{match_answer, MatchAnswer};
use crate::auth::{caller, optional_caller, Scope};
use crate::demand::{no_need, stamped, Demand, FitsStatus, Viewer};
use crate::error::{ApiError, Code};
use crate::import::{checked, decode_records, Record};
use crate::routes::catalog::{import_request, refusal_to_error, ImportMode, ImportRequest};
use crate::routes::openapi::{
    BadRequest, Conflict, Forbidden, Invalid, NotFound, PayloadTooLarge, TooManyRequests,
    Unauthorized,
};
use crate::routes::resources::{filters_from, province_key};
use crate::routes::{number_param, query_params, read_body, read_json};
use crate::state::AppState;
use crate::store::needs::NeedChange;

pub const LIST_QUERY: &[&str] = &["q", "region", "industries", "status", "limit", "offset"];
pub const MATCHES_QUERY: &[&str] = &["limit"];
pub const REVERSE_QUERY: &[&str] = &["status", "limit", "offset"];

/// Default and largest page size of the lists.
const DEFAULT_LIMIT: usize = 20;
const MAX_LIMIT: usize = 200;
/// Default and largest page of a resource's needs: each item is explained by a match.
const DEFAULT_REVERSE_LIMIT: usize = 10;
const MAX_REVERSE_LIMIT: usize = 50;

/// `GET /api/v1/needs`.
#[derive(Serialize, ToSchema)]
pub struct NeedList<'a> {
    /// How many needs pass the filters (and match `q`), over all pages.
    total: usize,
    limit: usize,
    offset: usize,
    /// In id order; `contact` only for an editor, an admin or the owning enterprise.
    #[schema(value_type = Vec<crate::schema::NeedRecord>)]
    items: Vec<NeedRecord>,
    facets: NeedFacets<'a>,
    /// Whether the needs' forward lists (and the reverse index) are computed on the current catalog.
    fits: FitsStatus,
}

/// Counts over the whole filtered set (not only the page).
#[derive(Serialize, ToSchema)]
pub struct NeedFacets<'a> {
    /// By status.
    #[schema(value_type = BTreeMap<String, usize>)]
    status: BTreeMap<&'a str, usize>,
    /// By province: the code of the province the need's region lies in.
    #[schema(value_type = BTreeMap<String, usize>)]
    province: BTreeMap<&'a str, usize>,
    /// By industry code, as the needs give them.
    #[schema(value_type = BTreeMap<String, usize>)]
    industry: BTreeMap<&'a str, usize>,
}

/// The answer to a write of one need.
#[derive(Serialize, ToSchema)]
pub struct NeedWritten {
    id: String,
    /// The need as stored.
    #[schema(value_type = crate::schema::NeedRecord)]
    need: NeedRecord,
    /// The state of the fits after the write (a need written alone has its forward list at once).
    fits: FitsStatus,
}

/// The answer to a delete.
#[derive(Serialize, ToSchema)]
pub struct NeedDeleted {
    /// Always true.
    deleted: bool,
}

/// The answer to an import of needs.
#[derive(Serialize, ToSchema)]
pub struct NeedsImported {
    /// How many needs the upload held.
    imported: usize,
    mode: ImportMode,
    dry_run: bool,
    /// The state of the fits: the imported needs' forward lists are computed in the background.
    fits: FitsStatus,
}

/// `GET /api/v1/resources/{id}/needs`: the stored needs a resource fits best.
#[derive(Serialize, ToSchema)]
pub struct ResourceNeeds {
    resource_id: String,
    /// The catalog version the fits were computed on.
    catalog_version: String,
    /// True when every need's forward list is computed on the catalog the service serves now.
    ready: bool,
    /// Needs whose forward list on the current catalog is still to be computed.
    pending: usize,
    /// How many needs of the asked statuses (that the caller may see) the resource is in the
    /// forward list of.
    total: usize,
    limit: usize,
    offset: usize,
    /// Best fit first (ties by need id).
    items: Vec<NeedFit>,
}

/// A stored need with the fit of the resource to it and its explanation: exactly the result the
/// need's forward match gives the resource.
#[derive(Serialize, ToSchema)]
pub struct NeedFit {
    #[schema(value_type = crate::schema::NeedRecord)]
    need: NeedRecord,
    /// The fit of the (need, resource) pair, as the need's forward match gives it.
    score: f64,
    /// The band of the fit: `strong`, `possible`, `weak` or `none`.
    #[schema(value_type = crate::schema::Band)]
    band: Band,
    /// Its rank (from 1) in the need's forward match.
    rank: usize,
    #[schema(value_type = Vec<crate::schema::Component>)]
    components: Vec<Component>,
    /// Where the need's terms occur in the resource.
    #[schema(value_type = Vec<crate::schema::Matched>)]
    matched: Vec<Matched>,
    #[schema(value_type = Vec<crate::schema::Reason>)]
    reasons: Vec<Reason>,
}

/// Search and filter the stored needs, with facets.
///
/// Without a token only public needs, never `contact`; a broker sees members' needs too, an editor
/// or admin everything; an enterprise token lists its own organisation's needs only. `q` keeps the
/// needs whose title, text, organisation or keywords hold every word of it.
#[utoipa::path(
    get,
    path = "/api/v1/needs",
    tag = "needs",
    operation_id = "list_needs",
    params(
        ("q" = Option<String>, Query, description = "Words that the title, text, organization or keywords must all hold (any case)."),
        ("region" = Option<String>, Query, description = "A GB/T 2260 code (covers its descendants) or a strategic region id."),
        ("industries" = Option<String>, Query, description = "Comma-separated GB/T 4754 codes or names: keep needs in one of them or under one."),
        ("industry" = Option<String>, Query, deprecated, description = "The singular name of `industries`."),
        ("status" = Option<String>, Query, description = "Comma-separated statuses to keep: open, matched, solved, closed (default: all)."),
        ("limit" = Option<usize>, Query, description = "Page size: 20 by default, at most 200."),
        ("offset" = Option<usize>, Query, description = "How many to skip.")
    ),
    responses(
        (status = 200, description = "A page of needs.", body = NeedList),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized)
    )
)]
pub async fn list(
    request: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let viewer = Viewer::of(optional_caller(&request, &state)?.as_ref());
    let params = query_params(&request, LIST_QUERY)?;
    let filters = filters_from(&params)?;
    let statuses = statuses_from(&params, &NeedStatus::ALL)?;
    let limit = number_param(&params, "limit", DEFAULT_LIMIT)?.clamp(1, MAX_LIMIT);
    let offset = number_param(&params, "offset", 0)?;
    let words: Vec<String> = params
        .get("q")
        .map(|q| q.split_whitespace().map(str::to_lowercase).collect())
        .unwrap_or_default();
    let demand = state.demand.current();
    let fits = state.demand.status();
    let body = web::block(move || {
        let hits: Vec<&NeedRecord> = demand
            .needs
            .values()
            .map(|entry| &*entry.need)
            .filter(|need| {
                viewer.sees(need)
                    && statuses.contains(&need.status)
                    && filters.region_passes(need.region.as_deref())
                    && filters.industries_pass(&need.industries)
                    && holds_words(need, &words)
            })
            .collect();
        let mut by_status: BTreeMap<&str, usize> = BTreeMap::new();
        let mut by_province: BTreeMap<&str, usize> = BTreeMap::new();
        let mut by_industry: BTreeMap<&str, usize> = BTreeMap::new();
        for need in &hits {
            *by_status.entry(need.status.as_str()).or_default() += 1;
            if let Some(region) = &need.region {
                *by_province.entry(province_key(region)).or_default() += 1;
            }
            for industry in &need.industries {
                *by_industry.entry(industry.as_str()).or_default() += 1;
            }
        }
        let items = hits
            .iter()
            .skip(offset)
            .take(limit)
            .map(|need| viewer.view(need))
            .collect();
        serde_json::to_vec(&NeedList {
            total: hits.len(),
            limit,
            offset,
            items,
            facets: NeedFacets {
                status: by_status,
                province: by_province,
                industry: by_industry,
            },
            fits,
        })
        .map_err(|error| ApiError::Internal(error.to_string()))
    })
    .await??;
    Ok(HttpResponse::Ok()
        .content_type("application/json")
        .body(body))
}

/// Whether the need's title, text, organisation or keywords hold every word (lower case).
fn holds_words(need: &NeedRecord, words: &[String]) -> bool {
    if words.is_empty() {
        return true;
    }
    let mut haystack = format!("{}\n{}\n{}", need.title, need.text, need.organization);
    for keyword in &need.keywords {
        haystack.push('\n');
        haystack.push_str(keyword);
    }
    let haystack = haystack.to_lowercase();
    words.iter().all(|word| haystack.contains(word.as_str()))
}

/// The `status` parameter: comma-separated statuses, or `default` when absent.
fn statuses_from(
    params: &BTreeMap<String, String>,
    default: &[NeedStatus],
) -> Result<Vec<NeedStatus>, ApiError> {
    let Some(text) = params.get("status") else {
        return Ok(default.to_vec());
    };
    text.split(',')
        .map(str::trim)
        .filter(|item| !item.is_empty())
        .map(|item| {
            NeedStatus::from_label(item).ok_or_else(|| {
                ApiError::bad_request(
                    Code::BadQuery,
                    format!("status: unknown status '{item}' (open, matched, solved, closed)"),
                )
            })
        })
        .collect()
}

/// One stored need.
///
/// A public need for anyone (without `contact`); a members' need for a broker, editor or admin
/// token, and for the owning enterprise's: to anyone else it is 404, as a need that does not
/// exist, so that outsiders cannot learn which members' needs there are. An enterprise token reads
/// only its organisation's needs (403 for another's public need). `contact` for an editor, an
/// admin or the owning enterprise. 401 is for an unknown token.
#[utoipa::path(
    get,
    path = "/api/v1/needs/{id}",
    tag = "needs",
    operation_id = "get_need",
    params(("id" = String, Path, description = "The need's id.")),
    responses(
        (status = 200, description = "The need.", body = crate::schema::NeedRecord),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound)
    )
)]
pub async fn get(
    request: HttpRequest,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let viewer = Viewer::of(optional_caller(&request, &state)?.as_ref());
    let demand = state.demand.current();
    let need = readable(&demand, &path, &viewer)?;
    Ok(HttpResponse::Ok().json(viewer.view(need)))
}

/// The need `id` if the viewer may read it: 404 when there is none, else `Viewer::may_read`.
fn readable<'a>(demand: &'a Demand, id: &str, viewer: &Viewer) -> Result<&'a NeedRecord, ApiError> {
    let entry = demand.get(id).ok_or_else(|| no_need(id))?;
    viewer.may_read(&entry.need)?;
    Ok(&entry.need)
}

/// The caller of a need write: an editor, an admin or an enterprise, and for a create a broker too
/// (401 without a token, 403 for a broker replacing or deleting).
fn need_writer(request: &HttpRequest, state: &AppState, create: bool) -> Result<Viewer, ApiError> {
    let who = caller(request, state)?;
    match who.scope {
        Scope::Broker if !create => Err(ApiError::Forbidden(who.scope.to_string())),
        _ => Ok(Viewer::of(Some(&who))),
    }
}

/// A need from a request body, validated as an import row is. An enterprise's need is of its
/// organisation: given another, 403; given none, its own. Stamped with the time when it has no
/// `updated_at`.
fn need_from_body(mut value: Value, viewer: &Viewer) -> Result<NeedRecord, ApiError> {
    if let (Viewer::Enterprise(own), Value::Object(object)) = (viewer, &mut value) {
        match object.get("organization") {
            None | Some(Value::Null) => {
                object.insert("organization".to_string(), Value::String(own.clone()));
            }
            Some(Value::String(given)) if given.trim().is_empty() => {
                object.insert("organization".to_string(), Value::String(own.clone()));
            }
            Some(Value::String(given)) if given.trim() == own => {}
            Some(_) => return Err(ApiError::Forbidden("enterprise".to_string())),
        }
    }
    // A broker records a need for an enterprise, which it must name.
    if *viewer == Viewer::Member
        && value["organization"]
            .as_str()
            .is_none_or(|given| given.trim().is_empty())
    {
        return Err(ApiError::invalid(
            "the need is not valid",
            vec![FieldError::new(
                "organization",
                "is required: the enterprise the broker records the need for",
            )],
        ));
    }
    NeedRecord::complete(&mut value);
    checked(&value, Vec::new(), NeedRecord::from_json)
        .map(stamped)
        .map_err(|errors| ApiError::invalid("the need is not valid", errors))
}

/// Create a stored need.
///
/// An editor, admin, enterprise or broker token (an enterprise's need is of its organisation:
/// without `organization` it is filled in, with another it is 403; a broker must name the
/// `organization` it records the need for). Without `id`, the need gets `need-` and 16 hex digits
/// derived from its organisation and title, as an import would give it. A retry is safe: the same
/// need again (the same `id` and fields, `updated_at` aside) answers 200 with the stored record; a
/// different need under an existing id is 409.
#[utoipa::path(
    post,
    path = "/api/v1/needs",
    tag = "needs",
    operation_id = "create_need",
    security(("bearer" = [])),
    request_body(content = crate::schema::NeedRecord, description = "The need, validated as an import row is; `id` may be left out."),
    responses(
        (status = 201, description = "Created.", body = NeedWritten,
            headers(("Location" = String, description = "The new need's URL."))),
        (status = 200, description = "A retry: the same need as the one stored under its id; the stored record.", body = NeedWritten),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 409, response = Conflict),
        (status = 413, response = PayloadTooLarge),
        (status = 422, response = Invalid)
    )
)]
pub async fn create(
    request: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let viewer = need_writer(&request, &state, true)?;
    let value = read_json(&request, payload, state.config.body_limit).await?;
    let answer = web::block(move || {
        let need = need_from_body(value, &viewer)?;
        if let Some(entry) = state.demand.current().get(&need.id) {
            // As the caller may read them: a broker, who may not read the contact, learnt by a
            // 200 or a 409 whether a guessed contact was the stored one.
            if same_need(&viewer.view(&entry.need), &viewer.view(&need)) {
                return Ok::<_, ApiError>((
                    false,
                    NeedWritten {
                        id: need.id.clone(),
                        need: viewer.view(&entry.need),
                        fits: state.demand.status(),
                    },
                ));
            }
        }
        state.demand.write(
            &state.store,
            NeedChange::Upsert(std::slice::from_ref(&need)),
            |current| match current.get(&need.id) {
                Some(_) => Err(ApiError::Conflict(format!(
                    "a need with id '{}' exists; PUT /api/v1/needs/{} replaces it",
                    need.id, need.id
                ))),
                None => Ok(()),
            },
        )?;
        Ok((
            true,
            NeedWritten {
                id: need.id.clone(),
                need: viewer.view(&need),
                fits: state.demand.status(),
            },
        ))
    })
    .await??;
    match answer {
        (true, answer) => Ok(HttpResponse::Created()
            .insert_header(("Location", format!("/api/v1/needs/{}", answer.id)))
            .json(answer)),
        (false, answer) => Ok(HttpResponse::Ok().json(answer)),
    }
}

/// Whether a create repeats the stored need: the same fields, whenever each was stamped.
fn same_need(stored: &NeedRecord, new: &NeedRecord) -> bool {
    let unstamped = |need: &NeedRecord| NeedRecord {
        updated_at: None,
        ..need.clone()
    };
    unstamped(stored) == unstamped(new)
}

/// Create or replace a stored need.
///
/// An editor, admin or enterprise token; an enterprise replaces only its organisation's needs
/// (403 for another's) and cannot give one to another organisation.
#[utoipa::path(
    put,
    path = "/api/v1/needs/{id}",
    tag = "needs",
    operation_id = "put_need",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The need's id; the body's `id`, if any, must be the same.")),
    request_body(content = crate::schema::NeedRecord, description = "The need, validated as an import row is."),
    responses(
        (status = 200, description = "Stored.", body = NeedWritten),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 413, response = PayloadTooLarge),
        (status = 422, response = Invalid)
    )
)]
pub async fn put(
    request: HttpRequest,
    path: web::Path<String>,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let viewer = need_writer(&request, &state, false)?;
    let mut value = read_json(&request, payload, state.config.body_limit).await?;
    let id = path.into_inner();
    if let Value::Object(object) = &mut value {
        match object.get("id") {
            None | Some(Value::Null) => {
                object.insert("id".to_string(), Value::String(id.clone()));
            }
            Some(Value::String(body_id)) if body_id.trim() == id => {}
            Some(_) => {
                return Err(ApiError::invalid(
                    "the body's id differs from the path's",
                    vec![FieldError::new(
                        "id",
                        format!("must be '{id}', as in the path"),
                    )],
                ))
            }
        }
    }
    let answer = web::block(move || {
        let need = need_from_body(value, &viewer)?;
        state.demand.write(
            &state.store,
            NeedChange::Upsert(std::slice::from_ref(&need)),
            |current| match current.get(&need.id) {
                Some(entry) => changeable(&viewer, &entry.need),
                None => Ok(()),
            },
        )?;
        Ok::<_, ApiError>(NeedWritten {
            id: need.id.clone(),
            need: viewer.view(&need),
            fits: state.demand.status(),
        })
    })
    .await??;
    Ok(HttpResponse::Ok().json(answer))
}

/// An enterprise changes only its organisation's needs.
fn changeable(viewer: &Viewer, need: &NeedRecord) -> Result<(), ApiError> {
    match viewer {
        Viewer::Enterprise(_) if !viewer.owns(need) => {
            Err(ApiError::Forbidden("enterprise".to_string()))
        }
        _ => Ok(()),
    }
}

/// Delete a stored need.
///
/// An editor, admin or enterprise token; an enterprise deletes only its organisation's needs.
#[utoipa::path(
    delete,
    path = "/api/v1/needs/{id}",
    tag = "needs",
    operation_id = "delete_need",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The need's id.")),
    responses(
        (status = 200, description = "Deleted.", body = NeedDeleted),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound)
    )
)]
pub async fn delete(
    request: HttpRequest,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let viewer = need_writer(&request, &state, false)?;
    let id = path.into_inner();
    web::block(move || {
        state.demand.write(
            &state.store,
            NeedChange::Delete(&id),
            |current| match current.get(&id) {
                Some(entry) => changeable(&viewer, &entry.need),
                None => Err(no_need(&id)),
            },
        )
    })
    .await??;
    Ok(HttpResponse::Ok().json(NeedDeleted { deleted: true }))
}

/// Import needs from JSON Lines, CSV or XLSX, all or nothing.
///
/// Editor or admin. As the catalog's import (`POST /api/v1/import`): the format from `format` or
/// the Content-Type, CSV in UTF-8 or GBK, the same bounds (413) and the same 422 listing the first
/// 1,000 problems located by line and field, with nothing written. Headers are the field names or
/// their Chinese names (需求名称, 需求描述, 企业名称, 所属行业, 所在地区, 合作方式, 预算, 截止日期, 联系人,
/// 联系电话, ...). A row without `id` gets one derived from its organisation and title, so the
/// same sheet imported again updates its needs. The answer comes once the needs are stored; their
/// forward lists follow in the background (`fits.ready`).
#[utoipa::path(
    post,
    path = "/api/v1/needs/import",
    tag = "needs",
    operation_id = "import_needs",
    security(("bearer" = [])),
    params(
        ("format" = Option<String>, Query, description = "`jsonl`, `csv` or `xlsx`; else the Content-Type says it."),
        ("encoding" = Option<String>, Query, description = "CSV only: `utf-8` or `gbk`; detected when absent."),
        ("dry_run" = Option<bool>, Query, description = "Validate only; write nothing."),
        ("mode" = Option<ImportMode>, Query, description = "`upsert` (default) or `replace` (the stored needs become exactly the upload's)."),
        ("allow_shrink" = Option<bool>, Query, description = "With `replace`: allow removing more than half of the needs.")
    ),
    request_body(
        description = "The rows: one need per line (JSON Lines) or row (CSV, XLSX).",
        content(
            (String = "application/x-ndjson"),
            (String = "text/csv"),
            (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        )
    ),
    responses(
        (status = 200, description = "Imported (or, with `dry_run`, valid).", body = NeedsImported),
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
    crate::auth::require_writer(&request, &state)?;
    let ImportRequest {
        format,
        encoding,
        dry_run,
        allow_shrink,
        replace,
    } = import_request(&request)?;
    let body = read_body(&request, payload, state.config.import_limit).await?;
    let limits = state.config.import_limits();
    let answer = web::block(move || -> Result<NeedsImported, ApiError> {
        let started = std::time::Instant::now();
        let needs: Vec<NeedRecord> = decode_records(format, &body, encoding, &limits)
            .map_err(refusal_to_error)?
            .into_iter()
            .map(stamped)
            .collect();
        if replace && needs.is_empty() {
            return Err(ApiError::invalid(
                "a replace import with no rows would remove every need; nothing was imported",
                vec![FieldError::new("", "the upload has no rows")],
            ));
        }
        let decoded = started.elapsed();
        if !dry_run {
            let change = if replace {
                NeedChange::Replace(&needs)
            } else {
                NeedChange::Upsert(&needs)
            };
            let new_ids: std::collections::HashSet<&str> =
                needs.iter().map(|need| need.id.as_str()).collect();
            state.demand.write(&state.store, change, |current| {
                if !replace || allow_shrink {
                    return Ok(());
                }
                let before = current.needs.len();
                let removed = current
                    .needs
                    .keys()
                    .filter(|id| !new_ids.contains(&***id))
                    .count();
                if removed * 2 > before {
                    return Err(ApiError::Conflict(format!(
                        "this replace would remove {removed} of the {before} stored needs (more than half); send allow_shrink=true to do it"
                    )));
                }
                Ok(())
            })?;
        }
        eprintln!(
            "duijie serve: import of {} needs ({} bytes): decoded and validated in {} ms, stored in {} ms",
            needs.len(),
            body.len(),
            decoded.as_millis(),
            (started.elapsed() - decoded).as_millis()
        );
        Ok(NeedsImported {
            imported: needs.len(),
            mode: if replace {
                ImportMode::Replace
            } else {
                ImportMode::Upsert
            },
            dry_run,
            fits: state.demand.status(),
        })
    })
    .await??;
    Ok(HttpResponse::Ok().json(answer))
}

/// Every stored need, contacts included, as JSON Lines that import back unchanged.
#[utoipa::path(
    get,
    path = "/api/v1/needs/export",
    tag = "needs",
    operation_id = "export_needs",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "One need per line, contacts included.",
            body = String, content_type = "application/x-ndjson"),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden)
    )
)]
pub async fn export(
    request: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    crate::auth::require_writer(&request, &state)?;
    let demand = state.demand.current();
    let body = web::block(move || -> Result<Vec<u8>, ApiError> {
        let mut out = Vec::new();
        for entry in demand.needs.values() {
            serde_json::to_writer(&mut out, &*entry.need)
                .map_err(|error| ApiError::Internal(error.to_string()))?;
            out.push(b'\n');
        }
        Ok(out)
    })
    .await??;
    Ok(HttpResponse::Ok()
        .content_type("application/x-ndjson; charset=utf-8")
        .insert_header(("Cache-Control", "no-store"))
        .body(body))
}

/// A stored need's matches: exactly what `POST /api/v1/match` answers for it.
///
/// The need as the matcher reads it (its title, text and need fields) against the current catalog,
/// with no filters beyond its own; readable as the need is (`GET /api/v1/needs/{id}`). Limited per
/// client as `POST /api/v1/match` (429).
#[utoipa::path(
    get,
    path = "/api/v1/needs/{id}/matches",
    tag = "needs",
    operation_id = "need_matches",
    params(
        ("id" = String, Path, description = "The need's id."),
        ("limit" = Option<usize>, Query, description = "How many results: 10 by default, at most 1,000.")
    ),
    responses(
        (status = 200, description = "The best resources for the need, best first.", body = MatchAnswer),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 429, response = TooManyRequests)
    )
)]
pub async fn matches(
    request: HttpRequest,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let viewer = Viewer::of(optional_caller(&request, &state)?.as_ref());
    let params = query_params(&request, MATCHES_QUERY)?;
    let limit = number_param(&params, "limit", 10)?;
    if !(1..=MAX_TOP).contains(&limit) {
        return Err(ApiError::bad_request(
            Code::BadQuery,
            format!("limit: must be an integer from 1 to {MAX_TOP}"),
        ));
    }
    let need = readable(&state.demand.current(), &path, &viewer)?.need();
    take_match(&request, &state)?;
    let catalog = state.catalog();
    let body = web::block(move || {
        let options = MatchOptions {
            top: limit,
            ..MatchOptions::default()
        };
        let results = catalog.matcher.match_need(&need, &options);
        serde_json::to_vec(&match_answer(&catalog.matcher, &results))
            .map_err(|error| ApiError::Internal(error.to_string()))
    })
    .await??;
    Ok(HttpResponse::Ok()
        .content_type("application/json")
        .body(body))
}

/// One request's share of the per-client match allowance (`match_rate`).
pub(crate) fn take_match(request: &HttpRequest, state: &AppState) -> Result<(), ApiError> {
    take_matches(crate::throttle::client_ip(request), state, 1)
}

/// The share of the per-client match allowance of a request that runs `count` matches.
fn take_matches(ip: std::net::IpAddr, state: &AppState, count: usize) -> Result<(), ApiError> {
    if let Some(limiter) = &state.match_limiter {
        limiter
            .take_many(ip, count)
            .map_err(|retry_after| ApiError::RateLimited {
                message: "too many match requests from this address".to_string(),
                retry_after,
            })?;
    }
    Ok(())
}

/// The stored needs a resource fits best: "which enterprises could use this?"
///
/// Every stored need whose forward match (top 20) holds the resource, by the fit that match gives
/// the pair (best first, ties by need id), each with the explanation the forward match gives it.
/// The fits are computed per catalog version (`catalog_version`); after a change of the catalog
/// or an import of needs they are recomputed in the background, and `ready` is false until then.
/// The needs the caller may see (as `GET /api/v1/needs`), of the asked statuses (open by default).
#[utoipa::path(
    get,
    path = "/api/v1/resources/{id}/needs",
    tag = "needs",
    operation_id = "resource_needs",
    params(
        ("id" = String, Path, description = "The resource's id."),
        ("status" = Option<String>, Query, description = "Comma-separated statuses to keep: open (default), matched, solved, closed."),
        ("limit" = Option<usize>, Query, description = "Page size: 10 by default, at most 50."),
        ("offset" = Option<usize>, Query, description = "How many to skip.")
    ),
    responses(
        (status = 200, description = "The needs the resource fits, best first.", body = ResourceNeeds),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 404, response = NotFound),
        (status = 429, response = TooManyRequests)
    )
)]
pub async fn resource_needs(
    request: HttpRequest,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let viewer = Viewer::of(optional_caller(&request, &state)?.as_ref());
    let params = query_params(&request, REVERSE_QUERY)?;
    let statuses = statuses_from(&params, &[NeedStatus::Open])?;
    let limit = number_param(&params, "limit", DEFAULT_REVERSE_LIMIT)?.clamp(1, MAX_REVERSE_LIMIT);
    let offset = number_param(&params, "offset", 0)?;
    let resource_id = path.into_inner();
    if state.catalog().get(&resource_id).is_none() {
        return Err(ApiError::no_resource(&resource_id));
    }
    let demand = state.demand.current();
    let fits = state.demand.status();
    let client = crate::throttle::client_ip(&request);
    let body = web::block(move || {
        let list: Vec<&crate::demand::Reverse> = match demand.catalog.position(&resource_id) {
            Some(position) => demand
                .reverse(position)
                .iter()
                .filter(|entry| statuses.contains(&entry.need.status) && viewer.sees(&entry.need))
                .collect(),
            None => Vec::new(),
        };
        // Each item on the page is explained by matching its need again (`explain`): the page
        // costs as many matches as it holds, and takes as many from the allowance.
        take_matches(client, &state, list.len().saturating_sub(offset).min(limit))?;
        let items = list
            .iter()
            .skip(offset)
            .take(limit)
            .map(|entry| explain(&demand, &resource_id, entry, &viewer))
            .collect::<Result<Vec<_>, ApiError>>()?;
        serde_json::to_vec(&ResourceNeeds {
            resource_id: resource_id.clone(),
            catalog_version: fits.catalog_version,
            ready: fits.ready,
            pending: fits.pending,
            total: list.len(),
            limit,
            offset,
            items,
        })
        .map_err(|error| ApiError::Internal(error.to_string()))
    })
    .await??;
    Ok(HttpResponse::Ok()
        .content_type("application/json")
        .body(body))
}

/// The forward match's result for the resource in the need's list, explained: the need matched on
/// the catalog its list was computed on, down to the resource's rank.
fn explain(
    demand: &Demand,
    resource_id: &str,
    entry: &crate::demand::Reverse,
    viewer: &Viewer,
) -> Result<NeedFit, ApiError> {
    let position = demand.catalog.position(resource_id);
    let rank = demand
        .get(&entry.need.id)
        .and_then(|stored| stored.fits.as_ref())
        .and_then(|forward| {
            forward
                .fits
                .iter()
                .position(|fit| Some(fit.resource as usize) == position)
        })
        .ok_or_else(|| ApiError::Internal(format!("need {} lost its list", entry.need.id)))?;
    let options = MatchOptions {
        top: rank + 1,
        explain: rank + 1,
        ..MatchOptions::default()
    };
    let result = demand
        .catalog
        .matcher
        .match_need(&entry.need.need(), &options)
        .into_iter()
        .find(|result| result.id == resource_id)
        .ok_or_else(|| {
            ApiError::Internal(format!(
                "need {}: resource {resource_id} not at rank {}",
                entry.need.id,
                rank + 1
            ))
        })?;
    debug_assert_eq!(result.score.to_bits(), entry.score.to_bits());
    Ok(NeedFit {
        need: viewer.view(&entry.need),
        score: entry.score,
        band: result.band,
        rank: rank + 1,
        components: result.components,
        matched: result.matched,
        reasons: result.reasons,
    })
}
