//! `POST /api/v1/match` (the same answer as `duijie match --json`) and the taxonomies for pickers.

use actix_web::{web, HttpRequest, HttpResponse};
use duijie_core::jsonl::need_from_json;
use duijie_core::matcher::MAX_TOP;
use duijie_core::{FieldError, Filters, MatchOptions, Mode};
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

use crate::answer::{match_answer, MatchAnswer};
use crate::error::{ApiError, Code};
use crate::routes::openapi::{
    BadRequest, Invalid, NotFound, PayloadTooLarge, TooManyRequests, UnsupportedMediaType,
};
use crate::routes::read_json;
use crate::state::AppState;

/// Results when the request gives no `limit`.
const DEFAULT_LIMIT: usize = 10;

// The handler reads the body field by field from the JSON value, so that a 422 lists every problem
// at once; this type documents what it accepts.
/// A need to match, how many results, and hard filters. Unknown fields are refused (422).
#[derive(ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct MatchRequest {
    #[schema(value_type = crate::schema::Need)]
    need: Value,
    /// How many results: 10 by default, at most 1,000.
    #[schema(minimum = 1, maximum = 1000)]
    limit: Option<usize>,
    #[schema(value_type = Option<crate::schema::Filters>)]
    filters: Option<Value>,
}

/// `GET /api/v1/taxonomies/{name}`.
#[derive(Serialize, ToSchema)]
#[serde(untagged)]
pub enum Taxonomy<'a> {
    /// Regions, industries or disciplines: a flat list of codes (children find their parent by code).
    Tree {
        name: TreeName,
        items: Vec<TreeItem<'a>>,
        /// Regions only: the national strategic regions with their member codes.
        #[serde(skip_serializing_if = "Option::is_none")]
        strategic: Option<Vec<StrategicItem<'a>>>,
    },
    /// The cooperation modes with their labels.
    Modes {
        name: ModesName,
        items: Vec<ModeItem>,
    },
}

/// The taxonomies that are trees of codes.
#[derive(Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TreeName {
    Regions,
    Industries,
    Disciplines,
}

/// The list of cooperation modes.
#[derive(Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ModesName {
    Modes,
}

/// One code of a taxonomy tree.
#[derive(Serialize, ToSchema)]
pub struct TreeItem<'a> {
    code: &'a str,
    name: &'a str,
    /// The parent's code; null at the top.
    #[schema(required = true)]
    parent: Option<&'a str>,
    /// Depth in its own system: regions 1 province, 2 city, 3 county; industries 1 section .. 4
    /// class; disciplines 0 category, 1 discipline.
    level: u8,
}

/// A national strategic region.
#[derive(Serialize, ToSchema)]
pub struct StrategicItem<'a> {
    /// The id a `region` parameter or filter takes.
    id: &'a str,
    name: &'a str,
    kind: &'a str,
    /// GB/T 2260 codes.
    members: &'a [String],
}

/// A cooperation mode.
#[derive(Serialize, ToSchema)]
pub struct ModeItem {
    #[schema(value_type = crate::schema::Mode)]
    code: Mode,
    /// Chinese label.
    name: &'static str,
    /// English label.
    name_en: &'static str,
}

/// Rank resources for a need, with explained scores.
///
/// The same answer as `duijie match --json`. Public, so limited per client (`match_rate`: 429 with
/// `Retry-After`), and only for JSON bodies: a form or text body (which a page on any site can post
/// without asking) is 415.
#[utoipa::path(
    post,
    path = "/api/v1/match",
    tag = "matching",
    operation_id = "match_need",
    request_body = MatchRequest,
    responses(
        (status = 200, description = "The best resources for the need, best first.", body = MatchAnswer),
        (status = 400, response = BadRequest),
        (status = 413, response = PayloadTooLarge),
        (status = 415, response = UnsupportedMediaType),
        (status = 422, response = Invalid),
        (status = 429, response = TooManyRequests)
    )
)]
pub async fn match_need(
    request: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    if let Some(limiter) = &state.match_limiter {
        limiter
            .take(crate::throttle::client_ip(&request))
            .map_err(|retry_after| ApiError::RateLimited {
                message: "too many match requests from this address".to_string(),
                retry_after,
            })?;
    }
    require_json(&request)?;
    let body = read_json(&request, payload, state.config.body_limit).await?;
    let Value::Object(object) = &body else {
        return Err(ApiError::bad_request(
            Code::BadJson,
            "the body must be an object: {\"need\": {...}, \"limit\": N, \"filters\": {...}}",
        ));
    };
    let mut errors = Vec::new();
    for key in object.keys() {
        if !["need", "limit", "filters"].contains(&key.as_str()) {
            errors.push(FieldError::new(key.clone(), "unknown field"));
        }
    }
    let need = match object.get("need") {
        None => {
            errors.push(FieldError::new("need", "is required"));
            None
        }
        Some(need) => match need_from_json(need) {
            Ok(need) => Some(need),
            Err(need_errors) => {
                errors.extend(need_errors.into_iter().map(|mut error| {
                    error.field = if error.field.is_empty() {
                        "need".to_string()
                    } else {
                        format!("need.{}", error.field)
                    };
                    error
                }));
                None
            }
        },
    };
    let limit = match object.get("limit") {
        None | Some(Value::Null) => DEFAULT_LIMIT,
        Some(value) => match value.as_u64() {
            Some(limit) if (1..=MAX_TOP as u64).contains(&limit) => limit as usize,
            _ => {
                errors.push(FieldError::new(
                    "limit",
                    format!("must be an integer from 1 to {MAX_TOP}"),
                ));
                DEFAULT_LIMIT
            }
        },
    };
    let filters = match object.get("filters") {
        None | Some(Value::Null) => Filters::default(),
        Some(value) => match serde_json::from_value::<Filters>(value.clone()) {
            // Canonical and checked as `/api/v1/resources` checks its query.
            Ok(filters) => filters.canonical().unwrap_or_else(|filter_errors| {
                errors.extend(filter_errors.into_iter().map(|mut error| {
                    error.field = format!("filters.{}", error.field);
                    error
                }));
                Filters::default()
            }),
            Err(error) => {
                errors.push(FieldError::new("filters", error.to_string()));
                Filters::default()
            }
        },
    };
    let need = match need {
        Some(need) if errors.is_empty() => need,
        _ => return Err(ApiError::invalid("the match request is not valid", errors)),
    };
    let catalog = state.catalog();
    let options = MatchOptions {
        top: limit,
        filters,
        ..MatchOptions::default()
    };
    let results = catalog.matcher.match_need(&need, &options);
    Ok(HttpResponse::Ok().json(match_answer(&catalog.matcher, &results)))
}

/// 415 unless the Content-Type is `application/json` (parameters such as a charset allowed).
fn require_json(request: &HttpRequest) -> Result<(), ApiError> {
    let content_type = request
        .headers()
        .get(actix_web::http::header::CONTENT_TYPE)
        .map(|value| String::from_utf8_lossy(value.as_bytes()).into_owned())
        .unwrap_or_default();
    let essence = content_type.split(';').next().unwrap_or("").trim();
    if essence.eq_ignore_ascii_case("application/json") {
        Ok(())
    } else {
        Err(ApiError::UnsupportedMediaType(content_type))
    }
}

/// A taxonomy for pickers: regions, industries, disciplines or modes.
///
/// Flat lists of `{"code", "name", "parent", "level"}` (children find their parent by code); regions
/// also carry `strategic`: the national strategic regions with their member codes.
#[utoipa::path(
    get,
    path = "/api/v1/taxonomies/{name}",
    tag = "matching",
    operation_id = "get_taxonomy",
    params(("name" = String, Path, description = "`regions`, `industries`, `disciplines` or `modes`.")),
    responses(
        (status = 200, description = "The taxonomy.", body = Taxonomy),
        (status = 404, response = NotFound)
    )
)]
pub async fn taxonomy(path: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let taxonomies = duijie_core::taxonomy::taxonomies();
    let nodes = |tree: &'static duijie_core::taxonomy::Tree| -> Vec<TreeItem<'static>> {
        tree.nodes()
            .iter()
            .map(|node| TreeItem {
                code: &node.code,
                name: &node.name,
                parent: node.parent.as_deref(),
                level: node.level,
            })
            .collect()
    };
    let body = match path.as_str() {
        "regions" => Taxonomy::Tree {
            name: TreeName::Regions,
            items: nodes(&taxonomies.regions),
            strategic: Some(
                taxonomies
                    .strategic
                    .iter()
                    .map(|region| StrategicItem {
                        id: &region.id,
                        name: &region.name,
                        kind: &region.kind,
                        members: &region.members,
                    })
                    .collect(),
            ),
        },
        "industries" => Taxonomy::Tree {
            name: TreeName::Industries,
            items: nodes(&taxonomies.industries),
            strategic: None,
        },
        "disciplines" => Taxonomy::Tree {
            name: TreeName::Disciplines,
            items: nodes(&taxonomies.disciplines),
            strategic: None,
        },
        "modes" => Taxonomy::Modes {
            name: ModesName::Modes,
            items: Mode::ALL
                .iter()
                .map(|mode| ModeItem {
                    code: *mode,
                    name: mode.label_zh(),
                    name_en: mode.label_en(),
                })
                .collect(),
        },
        other => {
            return Err(ApiError::NotFound(format!(
                "no taxonomy '{other}': regions, industries, disciplines or modes"
            )))
        }
    };
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "public, max-age=3600"))
        .json(body))
}
