//! `GET /api/v1/demand` (需求侧分析: open needs by province, industry or theme, their coverage, the
//! uncovered needs, who covers the most) and the `/dashboard/demand` page that draws it.

use actix_web::{web, HttpRequest, HttpResponse};
use duijie_core::demand::{analyze, DemandNeed, DemandOptions, GroupBy};
use duijie_core::time::parse_time_or_date;

use crate::auth::optional_caller;
use crate::demand::Viewer;
use crate::demand_answer::DemandAnswer;
use crate::error::{ApiError, Code};
use crate::routes::engagements::time_range;
use crate::routes::openapi::{BadRequest, TooManyRequests, Unauthorized};
use crate::routes::resources::filters_from;
use crate::routes::{number_param, query_params};
use crate::state::AppState;

pub const DEMAND_QUERY: &[&str] = &[
    "group_by",
    "region",
    "industries",
    "since",
    "until",
    "limit",
];

/// Default and largest number of groups listed.
const DEFAULT_GROUPS: usize = 50;
const MAX_GROUPS: usize = 1000;

/// Demand analysis: open needs by province, industry or theme.
///
/// The open stored needs the caller may see (without a token the public ones; a broker, editor or
/// admin every one; an enterprise its own), within `region` and `industries`, last updated in
/// `[since, until)`, grouped by the province of their region (`region`), the GB/T 4754 section of
/// each of their industries (`industry`, the default), or a common key technology (`theme`: needs
/// drawn together by a key phrase of the catalog or of their own keywords, each need in one theme
/// at most, each theme labelled with its phrases; the same needs and catalog give the same themes).
/// Per group: the open needs, distinct enterprises, the needs covered (a resource in the strong band
/// of fit in their forward list) and their share, the uncovered needs (at most 20 listed), and the
/// resources and societies covering the most of its needs. Needs whose forward list is not yet
/// computed on the current catalog are left out (`pending`). Never a contact. Limited per client
/// as `POST /api/v1/match` (429).
#[utoipa::path(
    get,
    path = "/api/v1/demand",
    tag = "needs",
    operation_id = "demand_analysis",
    params(
        ("group_by" = Option<String>, Query, description = "`industry` (default), `region` or `theme`."),
        ("region" = Option<String>, Query, description = "A GB/T 2260 code (covers its descendants) or a strategic region id."),
        ("industries" = Option<String>, Query, description = "Comma-separated GB/T 4754 codes or names: keep needs in one of them or under one."),
        ("industry" = Option<String>, Query, deprecated, description = "The singular name of `industries`."),
        ("since" = Option<String>, Query, description = "Needs updated at or after: an RFC 3339 time or a YYYY-MM-DD date."),
        ("until" = Option<String>, Query, description = "Needs updated before: an RFC 3339 time or a YYYY-MM-DD date."),
        ("limit" = Option<usize>, Query, description = "Most groups listed, the largest: 50 by default, at most 1,000.")
    ),
    responses(
        (status = 200, description = "The analysis.", body = DemandAnswer),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 429, response = TooManyRequests)
    )
)]
pub async fn demand(
    request: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let viewer = Viewer::of(optional_caller(&request, &state)?.as_ref());
    let params = query_params(&request, DEMAND_QUERY)?;
    let group_by_text = params
        .get("group_by")
        .map(|text| text.trim())
        .filter(|text| !text.is_empty())
        .unwrap_or("industry");
    let group_by = GroupBy::parse(group_by_text).ok_or_else(|| {
        ApiError::bad_request(
            Code::BadQuery,
            format!("group_by: unknown grouping '{group_by_text}' (industry, region, theme)"),
        )
    })?;
    let filters = filters_from(&params)?;
    let (since, until) = time_range(&params)?;
    let limit = number_param(&params, "limit", DEFAULT_GROUPS)?.clamp(1, MAX_GROUPS);
    let options = DemandOptions {
        group_by,
        filters,
        since: since.as_deref().and_then(parse_time_or_date),
        until: until.as_deref().and_then(parse_time_or_date),
        groups: limit,
        ..DemandOptions::default()
    };
    crate::routes::needs::take_match(&request, &state)?;
    let demand = state.demand.current();
    let fits = state.demand.status();
    let body = web::block(move || {
        let needs: Vec<DemandNeed<'_>> = demand
            .needs
            .values()
            .filter(|entry| viewer.sees(&entry.need))
            .filter_map(|entry| {
                let forward = entry.fits.as_deref()?;
                Some(DemandNeed {
                    need: &entry.need,
                    fits: &forward.fits,
                    phrases: &forward.phrases,
                })
            })
            .collect();
        let analysis = analyze(&needs, demand.catalog.resources(), &options);
        serde_json::to_vec(&DemandAnswer::new(
            analysis,
            &fits.catalog_version,
            fits.ready,
            fits.pending,
        ))
        .map_err(|error| ApiError::Internal(error.to_string()))
    })
    .await??;
    Ok(HttpResponse::Ok()
        .content_type("application/json")
        .body(body))
}

const DASHBOARD_HTML: &str = include_str!("../../static/demand.html");
const DASHBOARD_JS: &str = include_str!("../../static/demand.js");

/// The demand dashboard (HTML): coverage by province and by industry, the largest uncovered themes.
///
/// A static page (its script is a separate file, as the CSP wants); it reads `GET /api/v1/demand`,
/// with a token when one is given (without one, public needs only).
#[utoipa::path(
    get,
    path = "/dashboard/demand",
    tag = "needs",
    operation_id = "demand_dashboard",
    responses((status = 200, description = "The page.", body = String, content_type = "text/html; charset=utf-8"))
)]
pub async fn dashboard() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header(("Cache-Control", "no-cache"))
        .body(DASHBOARD_HTML)
}

/// The demand dashboard's script.
#[utoipa::path(
    get,
    path = "/dashboard/demand.js",
    tag = "needs",
    operation_id = "demand_dashboard_script",
    responses((status = 200, description = "The script.", body = String, content_type = "text/javascript; charset=utf-8"))
)]
pub async fn dashboard_js() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/javascript; charset=utf-8")
        .insert_header(("Cache-Control", "no-cache"))
        .body(DASHBOARD_JS)
}
