//! `POST /api/v1/match` (the same answer as `duijie match --json`) and the taxonomies for pickers.

use actix_web::{web, HttpRequest, HttpResponse};
use duijie_core::jsonl::need_from_json;
use duijie_core::matcher::MAX_TOP;
use duijie_core::{FieldError, Filters, MatchOptions, Mode};
use serde_json::{json, Value};

use crate::answer::match_answer;
use crate::error::ApiError;
use crate::routes::read_json;
use crate::state::AppState;

/// Results when the request gives no `limit`.
const DEFAULT_LIMIT: usize = 10;

/// `{"need": {...}, "limit": N, "filters": {...}}` → `{"catalog_version", "results": [...]}`.
pub async fn match_need(
    request: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let body = read_json(&request, payload, state.config.body_limit).await?;
    let Value::Object(object) = &body else {
        return Err(ApiError::bad_request(
            "bad_json",
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
            Ok(filters) => {
                if let Some(region) = &filters.region {
                    let mut region_errors = Vec::new();
                    duijie_core::validate::check_region(
                        &mut region_errors,
                        "filters.region",
                        region,
                    );
                    errors.extend(region_errors);
                }
                filters
            }
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

/// `GET /api/v1/taxonomies/{regions|industries|disciplines|modes}`: flat lists of
/// `{"code", "name", "parent", "level"}` (children find their parent by code); regions also carry
/// `strategic`: the national strategic regions with their member codes.
pub async fn taxonomy(path: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let taxonomies = duijie_core::taxonomy::taxonomies();
    let nodes = |tree: &duijie_core::taxonomy::Tree| -> Vec<Value> {
        tree.nodes()
            .iter()
            .map(|node| {
                json!({"code": node.code, "name": node.name, "parent": node.parent, "level": node.level})
            })
            .collect()
    };
    let body = match path.as_str() {
        "regions" => {
            let strategic: Vec<Value> = taxonomies
                .strategic
                .iter()
                .map(|region| {
                    json!({"id": region.id, "name": region.name, "kind": region.kind, "members": region.members})
                })
                .collect();
            json!({"name": "regions", "items": nodes(&taxonomies.regions), "strategic": strategic})
        }
        "industries" => json!({"name": "industries", "items": nodes(&taxonomies.industries)}),
        "disciplines" => json!({"name": "disciplines", "items": nodes(&taxonomies.disciplines)}),
        "modes" => {
            let items: Vec<Value> = Mode::ALL
                .iter()
                .map(|mode| json!({"code": mode.as_str(), "name": mode.label_zh(), "name_en": mode.label_en()}))
                .collect();
            json!({"name": "modes", "items": items})
        }
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
