//! `/api/v1/resources`: search with facets, read one, and (with a writer token) create, replace, delete.

use std::collections::BTreeMap;

use actix_web::{web, HttpRequest, HttpResponse};
use duijie_core::jsonl::resource_from_json;
use duijie_core::matcher::MAX_TOP;
use duijie_core::{Filters, Kind, MatchOptions, Need, Resource};
use serde_json::{json, Value};

use crate::auth::require_writer;
use crate::error::ApiError;
use crate::import::check_text_safety;
use crate::routes::{number_param, query_params, read_json};
use crate::state::{passes, AppState};
use crate::store::Change;

pub const LIST_QUERY: &[&str] = &[
    "q",
    "kind",
    "region",
    "industry",
    "discipline",
    "limit",
    "offset",
];

/// Default and largest page size.
const DEFAULT_LIMIT: usize = 20;
const MAX_LIMIT: usize = 200;

/// `{"total", "items", "facets"}`. With `q`, items are ranked by the matcher (best first, each with its
/// `score`); without, they are in id order. Facets count the whole filtered set: by kind, by province
/// (the region's first two digits + `0000`), by discipline.
pub async fn list(
    request: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let params = query_params(&request, LIST_QUERY)?;
    let filters = filters_from(&params)?;
    let limit = number_param(&params, "limit", DEFAULT_LIMIT)?.clamp(1, MAX_LIMIT);
    let offset = number_param(&params, "offset", 0)?;
    let catalog = state.catalog();
    let text = params.get("q").map(|q| q.trim()).unwrap_or("");
    let hits: Vec<(&Resource, Option<f64>)> = if text.is_empty() {
        catalog
            .resources()
            .iter()
            .filter(|resource| passes(&filters, resource))
            .map(|resource| (resource, None))
            .collect()
    } else {
        let need = Need::from_text(text);
        if let Some(error) = duijie_core::validate::validate_need(&need)
            .into_iter()
            .next()
        {
            return Err(ApiError::bad_request(
                "bad_query",
                format!("q: {}", error.message),
            ));
        }
        // Only ids and scores are used: no explanations.
        let options = MatchOptions {
            top: MAX_TOP,
            explain: 0,
            filters: filters.clone(),
        };
        catalog
            .matcher
            .match_need(&need, &options)
            .into_iter()
            .filter_map(|result| {
                let resource = catalog.get(&result.id)?;
                passes(&filters, resource).then_some((resource, Some(result.score)))
            })
            .collect()
    };
    let mut by_kind: BTreeMap<&str, usize> = BTreeMap::new();
    let mut by_province: BTreeMap<String, usize> = BTreeMap::new();
    let mut by_discipline: BTreeMap<&str, usize> = BTreeMap::new();
    for (resource, _) in &hits {
        *by_kind.entry(resource.kind.as_str()).or_default() += 1;
        if let Some(region) = &resource.region {
            *by_province.entry(province_of(region)).or_default() += 1;
        }
        for discipline in &resource.disciplines {
            *by_discipline.entry(discipline.as_str()).or_default() += 1;
        }
    }
    let items: Vec<Value> = hits
        .iter()
        .skip(offset)
        .take(limit)
        .map(|(resource, score)| {
            let mut item = serde_json::to_value(resource.public()).unwrap_or(Value::Null);
            if let (Some(score), Value::Object(object)) = (score, &mut item) {
                object.insert("score".to_string(), json!(score));
            }
            item
        })
        .collect();
    Ok(HttpResponse::Ok().json(json!({
        "catalog_version": catalog.version(),
        "total": hits.len(),
        "limit": limit,
        "offset": offset,
        "items": items,
        "facets": {"kind": by_kind, "province": by_province, "discipline": by_discipline},
    })))
}

/// The province code of a GB/T 2260 code: its first two digits and `0000`.
pub fn province_of(region: &str) -> String {
    if region.len() == 6 && region.bytes().all(|b| b.is_ascii_digit()) {
        format!("{}0000", &region[..2])
    } else {
        region.to_string()
    }
}

/// The hard filters of the query: `kind` (comma-separated), `region` (code or strategic region id),
/// `industry`, `discipline` (comma-separated codes); every code is checked against the taxonomies.
pub fn filters_from(params: &BTreeMap<String, String>) -> Result<Filters, ApiError> {
    let mut filters = Filters::default();
    let list = |name: &str| -> Vec<String> {
        params
            .get(name)
            .map(|text| duijie_core::jsonl::split_list(&text.replace(',', ";")))
            .unwrap_or_default()
    };
    for kind in list("kind") {
        filters.kinds.push(Kind::parse(&kind).ok_or_else(|| {
            ApiError::bad_request(
                "bad_query",
                format!("kind: unknown kind '{kind}' (expert, achievement, patent, organization)"),
            )
        })?);
    }
    if let Some(region) = params
        .get("region")
        .map(|region| region.trim())
        .filter(|r| !r.is_empty())
    {
        let mut errors = Vec::new();
        duijie_core::validate::check_region(&mut errors, "region", region);
        if let Some(error) = errors.first() {
            return Err(ApiError::bad_request("bad_query", error.to_string()));
        }
        filters.region = Some(region.to_string());
    }
    let taxonomies = duijie_core::taxonomy::taxonomies();
    for industry in list("industry") {
        if taxonomies.industries.get(&industry).is_none() {
            return Err(ApiError::bad_request(
                "bad_query",
                format!("industry: unknown GB/T 4754 code '{industry}'"),
            ));
        }
        filters.industries.push(industry);
    }
    for discipline in list("discipline") {
        match taxonomies.canonical_discipline(&discipline) {
            Some(code) => filters.disciplines.push(code.to_string()),
            None => {
                return Err(ApiError::bad_request(
                    "bad_query",
                    format!("discipline: unknown discipline '{discipline}'"),
                ))
            }
        }
    }
    Ok(filters)
}

pub async fn get(
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let catalog = state.catalog();
    let resource = catalog
        .get(&path)
        .ok_or_else(|| ApiError::no_resource(&path))?;
    Ok(HttpResponse::Ok().json(resource.public()))
}

/// A resource from a request body, validated as an import row is.
fn resource_from_body(value: &Value) -> Result<Resource, ApiError> {
    let mut errors = check_text_safety(value);
    match resource_from_json(value) {
        Ok(resource) if errors.is_empty() => return Ok(resource),
        Ok(_) => {}
        Err(more) => errors.extend(more),
    }
    Err(ApiError::invalid("the resource is not valid", errors))
}

pub async fn create(
    request: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    require_writer(&request, &state)?;
    let value = read_json(&request, payload, state.config.body_limit).await?;
    let resource = resource_from_body(&value)?;
    let id = resource.id.clone();
    let catalog = web::block(move || {
        state.write(
            Change::Upsert(std::slice::from_ref(&resource)),
            false,
            |current| match current.get(&resource.id) {
                Some(_) => Err(ApiError::Conflict(format!(
                    "a resource with id '{}' exists; PUT /api/v1/resources/{} replaces it",
                    resource.id, resource.id
                ))),
                None => Ok(()),
            },
        )
    })
    .await??;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/resources/{id}")))
        .json(json!({"id": id, "catalog_version": catalog.version()})))
}

pub async fn put(
    request: HttpRequest,
    path: web::Path<String>,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    require_writer(&request, &state)?;
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
                    vec![duijie_core::FieldError::new(
                        "id",
                        format!("must be '{id}', as in the path"),
                    )],
                ))
            }
        }
    }
    let resource = resource_from_body(&value)?;
    let catalog = web::block(move || {
        state.write(
            Change::Upsert(std::slice::from_ref(&resource)),
            false,
            |_| Ok(()),
        )
    })
    .await??;
    Ok(HttpResponse::Ok().json(json!({"id": id, "catalog_version": catalog.version()})))
}

pub async fn delete(
    request: HttpRequest,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    require_writer(&request, &state)?;
    let id = path.into_inner();
    let catalog = web::block(move || state.write(Change::Delete(&id), false, |_| Ok(()))).await??;
    Ok(HttpResponse::Ok().json(json!({"deleted": true, "catalog_version": catalog.version()})))
}
