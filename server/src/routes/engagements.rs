//! `/api/v1/engagements` (对接记录: record, follow, list), `/api/v1/stats` (evaluation indicators) and
//! the `/dashboard` page that draws them.

use std::collections::BTreeMap;
use std::sync::Arc;

use actix_web::{web, HttpRequest, HttpResponse};
use duijie_core::engagement::Status;
use duijie_core::time::{format_utc, parse_time_or_date};
use duijie_core::validate::canonical_region;
use duijie_core::{FieldError, Filters};
use serde::Serialize;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use crate::auth::{caller, require_writer, Caller, Scope};
use crate::engagement::now_seconds;
use crate::error::{ApiError, Code, ErrorDetails};
use crate::import::check_text_safety;
use crate::routes::openapi::{
    BadRequest, Conflict, Forbidden, Invalid, NotFound, PayloadTooLarge, Unauthorized,
};
use crate::routes::{number_param, query_params, read_body};
use crate::state::AppState;
use crate::stats::{compute, to_csv, Group, GroupBy, Prepared, ProvinceOf};
use crate::store::engagements::{
    Actor, Created, EngagementBody, EngagementRef, Enterprise, ListQuery, Moved, NewEngagement,
    ResourceCopy,
};

pub const LIST_QUERY: &[&str] = &[
    "status", "region", "society", "fair", "since", "until", "limit", "offset",
];
pub const STATS_QUERY: &[&str] = &["group_by", "province_of", "since", "until", "format"];

const DEFAULT_LIMIT: usize = 50;
const MAX_LIMIT: usize = 500;
const MAX_NOTE_CHARS: usize = 2000;
const MAX_FAIR_CHARS: usize = 200;
const MAX_KEY_CHARS: usize = 200;

// The handler reads the body field by field (every problem is reported at once); this type
// documents what it accepts.
/// An engagement to record. Unknown fields, formula-like text and over-long values are refused (422).
#[derive(ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct NewEngagementRequest {
    /// The need as the enterprise stated it; `text` must not be empty.
    #[schema(value_type = crate::schema::Need)]
    need: Value,
    /// A resource of the current catalog.
    #[schema(min_length = 1, max_length = 128)]
    resource_id: String,
    /// The fair or event it was recorded at.
    #[schema(min_length = 1, max_length = 200)]
    fair: Option<String>,
    #[schema(max_length = 2000)]
    note: Option<String>,
    /// The enterprise the need is from.
    #[schema(min_length = 1, max_length = 200)]
    enterprise: Option<String>,
    /// Where the enterprise is: a GB/T 2260 province, city or county (not a strategic region), by code
    /// or by name or path (佛山市, 广东省佛山市); stored as its code.
    #[schema(min_length = 1, max_length = 64)]
    enterprise_region: Option<String>,
    /// The id of the stored need (`POST /api/v1/needs`) this engagement answers, kept as given.
    #[schema(min_length = 1, max_length = 128)]
    need_id: Option<String>,
    /// The same key from the same token with the same body returns the original record (200)
    /// instead of a new one; with another body, 409.
    #[schema(min_length = 1, max_length = 200)]
    idempotency_key: Option<String>,
}

/// A status move. Unknown fields are refused (422).
#[derive(ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct TransitionRequest {
    /// The next status on the path (intent → contacted → negotiating → signed → landed), or
    /// `dropped` from any open status.
    #[schema(value_type = crate::schema::Status)]
    to: Status,
    #[schema(max_length = 2000)]
    note: Option<String>,
}

/// `GET /api/v1/engagements`.
#[derive(Serialize, ToSchema)]
pub struct EngagementList<'a> {
    /// How many engagements pass the filters, over all pages.
    total: usize,
    limit: usize,
    offset: usize,
    /// Newest first.
    items: Vec<EngagementBody<'a>>,
}

/// `GET /api/v1/stats` as JSON.
#[derive(Serialize, ToSchema)]
pub struct StatsAnswer<'a> {
    /// `region`, `discipline`, `industry`, `society`, `kind`, `fair` or `month`.
    group_by: &'a str,
    /// With `group_by=region`: whose province was counted, `resource` or `need` (the enterprise's).
    #[serde(skip_serializing_if = "Option::is_none")]
    province_of: Option<&'a str>,
    /// The window's start (inclusive, UTC), as given.
    since: Option<String>,
    /// The window's end (exclusive, UTC), as given.
    until: Option<String>,
    #[schema(value_type = crate::stats::GroupSchema)]
    overall: &'a Group,
    #[schema(value_type = Vec<crate::stats::GroupSchema>)]
    groups: &'a [Group],
}

/// Debug builds only: with the test clock on (`DUIJIE_TEST_CLOCK` set), create and transition
/// bodies may carry `at` (RFC 3339) to backdate the step, so tests can build a history spread over
/// months.
fn test_clock(state: &AppState) -> bool {
    cfg!(debug_assertions) && state.test_clock
}

/// Record an engagement (status intent); idempotent per token and idempotency_key.
///
/// Any token (broker, editor, admin).
#[utoipa::path(
    post,
    path = "/api/v1/engagements",
    tag = "engagements",
    operation_id = "create_engagement",
    security(("bearer" = [])),
    request_body = NewEngagementRequest,
    responses(
        (status = 201, description = "Recorded.", body = EngagementBody,
            headers(("Location" = String, description = "The engagement's URL."))),
        (status = 200, description = "A retry: the same key and body as an earlier request; the record as it is now.", body = EngagementBody),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
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
    let who = caller(&request, &state)?;
    let bytes = read_body(&request, payload, state.config.body_limit).await?;
    // Parsing and checking a body of up to `body_limit` is CPU work: off the async workers.
    let clock = test_clock(&state);
    let checked = web::block(move || check_create(&bytes, clock)).await??;
    let (body, need_value, resource_id, fair, note, key, mut enterprise, at, mut errors) = checked;
    // An enterprise records its own engagements: in its own name, for its own stored needs. Any
    // other name or need would put its records in another's figures.
    if let (Scope::Enterprise, Some(own)) = (who.scope, &who.organization) {
        match &enterprise.name {
            Some(name) if name != own => {
                return Err(ApiError::ForbiddenHere(
                    "an enterprise token records engagements in its own organisation's name only",
                ))
            }
            _ => enterprise.name = Some(own.clone()),
        }
        if let Some(need_id) = &enterprise.need_id {
            let viewer = crate::demand::Viewer::of(Some(&who));
            let theirs = state
                .demand
                .current()
                .get(need_id)
                .is_some_and(|entry| viewer.owns(&entry.need));
            if !theirs {
                return Err(crate::demand::no_need(need_id));
            }
        }
    }
    let catalog = state.catalog();
    let resource = resource_id.as_deref().and_then(|id| catalog.get(id));
    if let (Some(id), None) = (&resource_id, resource) {
        errors.push(FieldError::new(
            "resource_id",
            format!("no resource with id '{id}' in the catalog"),
        ));
    }
    let (Some(resource), Some(need), true) = (resource, need_value, errors.is_empty()) else {
        return Err(ApiError::invalid("the engagement is not valid", errors));
    };
    let new = NewEngagement {
        need,
        resource_id: resource.id.clone(),
        resource: ResourceCopy {
            kind: resource.kind.as_str().to_string(),
            title: resource.title.clone(),
            region: resource.region.clone(),
            disciplines: resource.disciplines.clone(),
            industries: resource.industries.clone(),
            society: resource.society.clone(),
        },
        fair,
        note,
        enterprise,
        at: at.unwrap_or_else(now_seconds),
        by: actor(&who),
        idempotency: key.map(|key| (key, body_hash(&body))),
    };
    drop(catalog);
    let store = state.store.clone();
    let created = web::block(move || store.create_engagement(&new)).await??;
    match created {
        Created::New(engagement) => Ok(HttpResponse::Created()
            .insert_header((
                "Location",
                format!("/api/v1/engagements/{}", engagement.public_id),
            ))
            .json(engagement.to_json())),
        Created::Replayed(engagement) => Ok(HttpResponse::Ok().json(engagement.to_json())),
        Created::KeyReused { id } => Err(ApiError::Conflict(format!(
            "idempotency_key was already used by this token for engagement {id} with a different body"
        ))),
    }
}

/// A create body, parsed and checked: lengths and types first, then the formula and script checks
/// (linear in the body), then the need.
type CheckedCreate = (
    Value,
    Option<Value>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Enterprise,
    Option<i64>,
    Vec<FieldError>,
);

fn check_create(bytes: &[u8], test_clock: bool) -> Result<CheckedCreate, ApiError> {
    let body = parse_json(bytes)?;
    let mut errors = Vec::new();
    let mut fields = Fields::new(
        &body,
        &[
            "need",
            "resource_id",
            "fair",
            "note",
            "enterprise",
            "enterprise_region",
            "need_id",
            "idempotency_key",
        ],
        &mut errors,
        test_clock,
    );
    let need_value = fields.take("need").cloned();
    let resource_id = fields.string("resource_id", 1, 128, true);
    let fair = fields.string("fair", 1, MAX_FAIR_CHARS, false);
    let note = fields.string("note", 0, MAX_NOTE_CHARS, false);
    let key = fields.string("idempotency_key", 1, MAX_KEY_CHARS, false);
    let enterprise = fields.string("enterprise", 1, MAX_FAIR_CHARS, false);
    // A path of names in full (新疆维吾尔自治区伊犁哈萨克自治州伊宁市) takes more than a code.
    let enterprise_region = fields.string("enterprise_region", 1, 64, false);
    let need_id = fields.string("need_id", 1, 128, false);
    let at = fields.at();
    fields.finish();
    errors.extend(check_text_safety(&body));
    // Where the enterprise is: a place (GB/T 2260 province, city or county), not a strategic region,
    // read as every region is (a code, a name or a path such as 广东省佛山市) and kept as its code.
    let enterprise_region = enterprise_region.and_then(|written| {
        let code = canonical_region(&mut errors, "enterprise_region", &written)?;
        if duijie_core::taxonomy::taxonomies()
            .regions
            .get(&code)
            .is_none()
        {
            errors.push(FieldError::new(
                "enterprise_region",
                format!("'{code}' is a strategic region; give the enterprise's province, city or county"),
            ));
            return None;
        }
        Some(code)
    });
    match &need_value {
        None | Some(Value::Null) => errors.push(FieldError::new("need", "is required")),
        Some(value) => {
            match duijie_core::jsonl::need_from_json(value) {
                // The core scores any text, even none; a recorded need must say what was needed.
                Ok(need) if need.text.trim().is_empty() => errors.push(FieldError::new(
                    "need.text",
                    "is required: the need as the enterprise stated it",
                )),
                Ok(_) => {}
                Err(need_errors) => errors.extend(need_errors.into_iter().map(|mut error| {
                    error.field = if error.field.is_empty() {
                        "need".to_string()
                    } else {
                        format!("need.{}", error.field)
                    };
                    error
                })),
            }
        }
    }
    let enterprise = Enterprise {
        name: enterprise,
        region: enterprise_region,
        need_id,
    };
    Ok((
        body,
        need_value,
        resource_id,
        fair,
        note,
        key,
        enterprise,
        at,
        errors,
    ))
}

/// Move an engagement to its next status, or to dropped.
///
/// Editors and admins move any; a broker only those it recorded (another's is a 404, as a missing one).
#[utoipa::path(
    post,
    path = "/api/v1/engagements/{id}/transitions",
    tag = "engagements",
    operation_id = "transition_engagement",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The engagement's id: 32 hex digits (a number for records stored before ids were random).")),
    request_body = TransitionRequest,
    responses(
        (status = 200, description = "Moved.", body = EngagementBody),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
        (status = 413, response = PayloadTooLarge),
        (status = 422, response = Invalid)
    )
)]
pub async fn transition(
    request: HttpRequest,
    path: web::Path<String>,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let who = caller(&request, &state)?;
    let reference = engagement_ref(&path)?;
    let bytes = read_body(&request, payload, state.config.body_limit).await?;
    let clock = test_clock(&state);
    let (to, note, at) = web::block(move || check_transition(&bytes, clock)).await??;
    let store = state.store.clone();
    let by = actor(&who);
    let at = at.unwrap_or_else(now_seconds);
    // A broker moves only the records it created; any other is answered as one that does not
    // exist, without its status.
    let owner = (!who.scope.can_write()).then(|| who.token_id.clone());
    let moved = web::block(move || {
        store.move_engagement(&reference, owner.as_deref(), to, at, &by, note.as_deref())
    })
    .await??;
    match moved {
        Moved::Done(engagement) => Ok(HttpResponse::Ok().json(engagement.to_json())),
        Moved::NotFound => Err(no_engagement(&path)),
        Moved::Refused { current, allowed } => Err(ApiError::ConflictWith {
            message: format!("an engagement in status '{current}' cannot move to '{to}'"),
            details: ErrorDetails {
                current: Some(current),
                allowed: Some(allowed),
                ..ErrorDetails::default()
            },
        }),
    }
}

/// A transition body, parsed and checked (lengths first, then formulas): `(to, note, at)`.
fn check_transition(
    bytes: &[u8],
    test_clock: bool,
) -> Result<(Status, Option<String>, Option<i64>), ApiError> {
    let body = parse_json(bytes)?;
    let mut errors = Vec::new();
    let mut fields = Fields::new(&body, &["to", "note"], &mut errors, test_clock);
    let to = fields.string("to", 1, 32, true);
    let note = fields.string("note", 0, MAX_NOTE_CHARS, false);
    let at = fields.at();
    fields.finish();
    errors.extend(check_text_safety(&body));
    let to = match to.as_deref().map(|to| (to, Status::parse(to))) {
        Some((_, Some(status))) => Some(status),
        Some((text, None)) => {
            errors.push(FieldError::new(
                "to",
                format!(
                    "unknown status '{text}' (contacted, negotiating, signed, landed, dropped)"
                ),
            ));
            None
        }
        None => None,
    };
    let (Some(to), true) = (to, errors.is_empty()) else {
        return Err(ApiError::invalid("the transition is not valid", errors));
    };
    Ok((to, note, at))
}

/// One engagement with its history: any of an editor or admin, a broker's own (another's is a 404).
#[utoipa::path(
    get,
    path = "/api/v1/engagements/{id}",
    tag = "engagements",
    operation_id = "get_engagement",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The engagement's id: 32 hex digits (a number for records stored before ids were random).")),
    responses(
        (status = 200, description = "The engagement.", body = EngagementBody),
        (status = 401, response = Unauthorized),
        (status = 404, response = NotFound)
    )
)]
pub async fn get(
    request: HttpRequest,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let who = caller(&request, &state)?;
    let reference = engagement_ref(&path)?;
    let store = state.store.clone();
    // A broker follows the engagements it recorded (the widget shows their status); reading
    // anyone's is for editors and admins. Another's is answered as one that does not exist.
    let owner = (!who.scope.can_write()).then(|| who.token_id.clone());
    let engagement = web::block(move || store.engagement(&reference, owner.as_deref())).await??;
    let engagement = engagement.ok_or_else(|| no_engagement(&path))?;
    Ok(HttpResponse::Ok().json(engagement.to_json()))
}

/// List engagements, newest first, with filters.
///
/// Editor or admin.
#[utoipa::path(
    get,
    path = "/api/v1/engagements",
    tag = "engagements",
    operation_id = "list_engagements",
    security(("bearer" = [])),
    params(
        ("status" = Option<crate::schema::Status>, Query, description = "Only engagements in this status now."),
        ("region" = Option<String>, Query, description = "A GB/T 2260 code (covers its descendants), a region name or path (佛山市, 广东省佛山市禅城区), or a strategic region id, matched against the resource's region copied at creation."),
        ("society" = Option<String>, Query, description = "Only this society's resources."),
        ("fair" = Option<String>, Query, description = "Only engagements recorded at this fair."),
        ("since" = Option<String>, Query, description = "Created at or after: an RFC 3339 time or a YYYY-MM-DD date (midnight UTC)."),
        ("until" = Option<String>, Query, description = "Created before: an RFC 3339 time or a YYYY-MM-DD date (midnight UTC)."),
        ("limit" = Option<usize>, Query, description = "Page size: 50 by default, at most 500."),
        ("offset" = Option<usize>, Query, description = "How many to skip.")
    ),
    responses(
        (status = 200, description = "A page of engagements.", body = EngagementList),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden)
    )
)]
pub async fn list(
    request: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    require_writer(&request, &state)?;
    let params = query_params(&request, LIST_QUERY)?;
    let limit = number_param(&params, "limit", DEFAULT_LIMIT)?.clamp(1, MAX_LIMIT);
    let offset = number_param(&params, "offset", 0)?;
    let status = match non_empty(&params, "status") {
        None => None,
        Some(text) => Some(Status::parse(text).ok_or_else(|| {
            ApiError::bad_request(Code::BadQuery, format!("status: unknown status '{text}'"))
        })?),
    };
    // The region scope of the resource filters, checked and applied by the same code.
    let region = Filters {
        region: non_empty(&params, "region").map(str::to_string),
        ..Filters::default()
    }
    .canonical()
    .map_err(|errors| {
        let message = errors.first().map(ToString::to_string).unwrap_or_default();
        ApiError::bad_request(Code::BadQuery, message)
    })?;
    let (since, until) = time_range(&params)?;
    let query = ListQuery {
        status,
        society: non_empty(&params, "society").map(str::to_string),
        fair: non_empty(&params, "fair").map(str::to_string),
        since,
        until,
    };
    let store = state.store.clone();
    let (total, page) = web::block(move || {
        let region_passes = |code: Option<&str>| region.region_passes(code);
        store.engagements(&query, &region_passes, limit, offset)
    })
    .await??;
    Ok(HttpResponse::Ok().json(EngagementList {
        total,
        limit,
        offset,
        items: page.iter().map(|engagement| engagement.body()).collect(),
    }))
}

/// Evaluation indicators of engagements by group, as JSON or CSV.
///
/// Editor or admin. The population is every engagement created in `[since, until)`; see
/// `server/README.md` ("Indicator definitions") for each figure.
#[utoipa::path(
    get,
    path = "/api/v1/stats",
    tag = "engagements",
    operation_id = "get_stats",
    security(("bearer" = [])),
    params(
        ("group_by" = Option<String>, Query, description = "`region` (default: the province), `discipline`, `industry`, `society`, `kind`, `fair` or `month`."),
        ("province_of" = Option<String>, Query, description = "With `group_by=region`: the province of the `resource` (default) or of the `need` (the engagement's `enterprise_region`)."),
        ("since" = Option<String>, Query, description = "Created at or after: an RFC 3339 time or a YYYY-MM-DD date."),
        ("until" = Option<String>, Query, description = "Created before: an RFC 3339 time or a YYYY-MM-DD date."),
        ("format" = Option<String>, Query, description = "`json` (default) or `csv`.")
    ),
    responses(
        (status = 200, description = "The indicators.", content(
            (StatsAnswer = "application/json"),
            (String = "text/csv")
        )),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden)
    )
)]
pub async fn stats(
    request: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    require_writer(&request, &state)?;
    let params = query_params(&request, STATS_QUERY)?;
    let group_by_text = non_empty(&params, "group_by").unwrap_or("region");
    let group_by = GroupBy::parse(group_by_text).ok_or_else(|| {
        ApiError::bad_request(
            Code::BadQuery,
            format!(
                "group_by: unknown grouping '{group_by_text}' (region, discipline, industry, society, kind, fair, month)"
            ),
        )
    })?;
    let province_of = match non_empty(&params, "province_of") {
        None => None,
        Some(_) if group_by != GroupBy::Region => {
            return Err(ApiError::bad_request(
                Code::BadQuery,
                "province_of: only group_by=region counts by province",
            ))
        }
        Some(text) => Some(ProvinceOf::parse(text).ok_or_else(|| {
            ApiError::bad_request(
                Code::BadQuery,
                format!("province_of: '{text}' is not resource or need"),
            )
        })?),
    };
    let group_by = group_by.with_province_of(province_of.unwrap_or(ProvinceOf::Resource));
    let csv = match non_empty(&params, "format").unwrap_or("json") {
        "json" => false,
        "csv" => true,
        other => {
            return Err(ApiError::bad_request(
                Code::BadQuery,
                format!("format: unknown format '{other}' (json, csv)"),
            ))
        }
    };
    let (since, until) = time_range(&params)?;
    let (since_echo, until_echo) = (since.clone(), until.clone());
    let (groups, overall) = web::block(move || {
        let prepared = prepared_stats(&state)?;
        let since = since
            .as_deref()
            .and_then(parse_time_or_date)
            .unwrap_or(i64::MIN);
        let until = until
            .as_deref()
            .and_then(parse_time_or_date)
            .unwrap_or(i64::MAX);
        Ok::<_, ApiError>(compute(&prepared, group_by, since, until))
    })
    .await??;
    if csv {
        let body = to_csv(&groups).map_err(|error| ApiError::Internal(error.to_string()))?;
        return Ok(HttpResponse::Ok()
            .content_type("text/csv; charset=utf-8")
            .insert_header((
                "Content-Disposition",
                format!("attachment; filename=\"{}\"", group_by.file_name()),
            ))
            .body(body));
    }
    let body = serde_json::to_vec(&StatsAnswer {
        group_by: group_by.as_str(),
        province_of: match group_by {
            GroupBy::Region => Some(ProvinceOf::Resource.as_str()),
            GroupBy::NeedRegion => Some(ProvinceOf::Need.as_str()),
            _ => None,
        },
        since: since_echo,
        until: until_echo,
        overall: &overall,
        groups: &groups,
    })
    .map_err(|error| ApiError::Internal(error.to_string()))?;
    Ok(HttpResponse::Ok()
        .content_type("application/json")
        .body(body))
}

/// The engagement rows in columns for the indicators, rebuilt only when the rows changed (shared by
/// `/api/v1/stats` and a fair's figures). Blocking: call it in `web::block`.
pub fn prepared_stats(state: &AppState) -> Result<Arc<Prepared>, ApiError> {
    let rows = state.store.engagement_stat_rows()?;
    let mut cached = state
        .prepared_stats
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    Ok(match &*cached {
        Some(prepared) if prepared.is_of(&rows) => prepared.clone(),
        _ => {
            let prepared = Arc::new(Prepared::new(rows));
            *cached = Some(prepared.clone());
            prepared
        }
    })
}

const DASHBOARD_HTML: &str = include_str!("../../static/dashboard.html");
const DASHBOARD_JS: &str = include_str!("../../static/dashboard.js");

/// The indicators dashboard (HTML).
///
/// A static page (its script is a separate file, as the CSP wants); it asks for an editor or admin
/// token.
#[utoipa::path(
    get,
    path = "/dashboard",
    tag = "engagements",
    operation_id = "dashboard",
    responses((status = 200, description = "The page.", body = String, content_type = "text/html; charset=utf-8"))
)]
pub async fn dashboard() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header(("Cache-Control", "no-cache"))
        .body(DASHBOARD_HTML)
}

/// The dashboard's script.
#[utoipa::path(
    get,
    path = "/dashboard/dashboard.js",
    tag = "engagements",
    operation_id = "dashboard_script",
    responses((status = 200, description = "The script.", body = String, content_type = "text/javascript; charset=utf-8"))
)]
pub async fn dashboard_js() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/javascript; charset=utf-8")
        .insert_header(("Cache-Control", "no-cache"))
        .body(DASHBOARD_JS)
}

fn actor(who: &Caller) -> Actor {
    Actor {
        token: who.token_id.clone(),
        scope: who.scope.as_str().to_string(),
    }
}

fn no_engagement(text: &str) -> ApiError {
    ApiError::NotFound(format!("no engagement with id '{text}'"))
}

fn engagement_ref(text: &str) -> Result<EngagementRef, ApiError> {
    EngagementRef::parse(text).ok_or_else(|| no_engagement(text))
}

fn parse_json(bytes: &[u8]) -> Result<Value, ApiError> {
    serde_json::from_slice(bytes).map_err(|error| {
        ApiError::bad_request(
            Code::BadJson,
            format!("the body is not valid JSON: {error}"),
        )
    })
}

fn non_empty<'a>(params: &'a BTreeMap<String, String>, name: &str) -> Option<&'a str> {
    params
        .get(name)
        .map(|value| value.trim())
        .filter(|value| !value.is_empty())
}

/// `since` (inclusive) and `until` (exclusive) as stored-format UTC strings; each an RFC 3339 time
/// or a date (its midnight UTC).
pub(crate) fn time_range(
    params: &BTreeMap<String, String>,
) -> Result<(Option<String>, Option<String>), ApiError> {
    let parse = |name: &str| -> Result<Option<String>, ApiError> {
        match non_empty(params, name) {
            None => Ok(None),
            Some(text) => parse_time_or_date(text)
                .map(format_utc)
                .map(Some)
                .ok_or_else(|| {
                    ApiError::bad_request(
                        Code::BadQuery,
                        format!("{name}: '{text}' is not an RFC 3339 time or a YYYY-MM-DD date"),
                    )
                }),
        }
    };
    Ok((parse("since")?, parse("until")?))
}

/// The SHA-256 (hex) of a JSON value written with its object keys sorted, so that the same body
/// sent again hashes the same whatever its key order and spacing.
fn body_hash(value: &Value) -> String {
    fn canonical(value: &Value, out: &mut String) {
        match value {
            Value::Object(object) => {
                let sorted: BTreeMap<&String, &Value> = object.iter().collect();
                out.push('{');
                for (index, (key, item)) in sorted.into_iter().enumerate() {
                    if index > 0 {
                        out.push(',');
                    }
                    out.push_str(&Value::String(key.clone()).to_string());
                    out.push(':');
                    canonical(item, out);
                }
                out.push('}');
            }
            Value::Array(items) => {
                out.push('[');
                for (index, item) in items.iter().enumerate() {
                    if index > 0 {
                        out.push(',');
                    }
                    canonical(item, out);
                }
                out.push(']');
            }
            other => out.push_str(&other.to_string()),
        }
    }
    let mut text = String::new();
    canonical(value, &mut text);
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

/// Reads the fields of a JSON object body, collecting errors: unknown fields, wrong types, lengths.
struct Fields<'a> {
    object: Option<&'a Map<String, Value>>,
    known: Vec<&'static str>,
    errors: &'a mut Vec<FieldError>,
    /// Whether `at` is read (`test_clock`).
    test_clock: bool,
}

impl<'a> Fields<'a> {
    fn new(
        body: &'a Value,
        known: &[&'static str],
        errors: &'a mut Vec<FieldError>,
        test_clock: bool,
    ) -> Fields<'a> {
        let object = body.as_object();
        if object.is_none() {
            errors.push(FieldError::new("", "the body must be a JSON object"));
        }
        let mut known = known.to_vec();
        if test_clock {
            known.push("at");
        }
        Fields {
            object,
            known,
            errors,
            test_clock,
        }
    }

    fn take(&self, name: &str) -> Option<&'a Value> {
        self.object?.get(name)
    }

    /// A string of `min..=max` characters (trimmed); absent or null is `None` (an error if required).
    fn string(&mut self, name: &str, min: usize, max: usize, required: bool) -> Option<String> {
        match self.take(name) {
            None | Some(Value::Null) => {
                if required && self.object.is_some() {
                    self.errors.push(FieldError::new(name, "is required"));
                }
                None
            }
            Some(Value::String(text)) => {
                let text = text.trim();
                let chars = text.chars().count();
                if chars < min || chars > max {
                    self.errors.push(FieldError::new(
                        name,
                        format!("must be {min} to {max} characters"),
                    ));
                    return None;
                }
                Some(text.to_string())
            }
            Some(_) => {
                self.errors.push(FieldError::new(name, "must be a string"));
                None
            }
        }
    }

    /// The test clock's `at`, when enabled and given.
    fn at(&mut self) -> Option<i64> {
        if !self.test_clock {
            return None;
        }
        let text = self.string("at", 1, 64, false)?;
        let seconds = parse_time_or_date(&text);
        if seconds.is_none() {
            self.errors
                .push(FieldError::new("at", "must be an RFC 3339 time"));
        }
        seconds
    }

    fn finish(self) {
        if let Some(object) = self.object {
            for name in object.keys() {
                if !self.known.contains(&name.as_str()) {
                    self.errors.push(FieldError::new(
                        name.clone(),
                        format!("unknown field; this body takes: {}", self.known.join(", ")),
                    ));
                }
            }
        }
    }
}
