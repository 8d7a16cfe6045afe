//! `/api/v1/resources`: search with facets, read one, and (with a writer token) create, replace, delete.

use std::collections::BTreeMap;

use actix_web::{web, HttpRequest, HttpResponse};
use duijie_core::jsonl::resource_from_json;
use duijie_core::matcher::MAX_TOP;
use duijie_core::{Filters, Kind, MatchOptions, Need, Resource};
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

use crate::auth::require_writer;
use crate::error::{ApiError, Code};
use crate::import::checked;
use crate::routes::openapi::{
    BadRequest, Conflict, Forbidden, Invalid, NotFound, PayloadTooLarge, Unauthorized,
};
use crate::routes::{number_param, query_params, read_json};
use crate::state::AppState;
use crate::store::Change;

/// The old singular names `kind`, `industry` and `discipline` are still accepted (`QUERY_ALIASES`).
pub const LIST_QUERY: &[&str] = &[
    "q",
    "kinds",
    "region",
    "industries",
    "disciplines",
    "min_maturity",
    "limit",
    "offset",
];

/// Default and largest page size.
const DEFAULT_LIMIT: usize = 20;
const MAX_LIMIT: usize = 200;

/// `GET /api/v1/resources`.
#[derive(Serialize, ToSchema)]
pub struct ResourceList<'a> {
    catalog_version: &'a str,
    /// How many resources pass the filters (and match `q`), over all pages.
    total: usize,
    limit: usize,
    offset: usize,
    items: Vec<ListItem>,
    facets: Facets<'a>,
}

/// A resource's public fields, with its `score` when the list is ranked by `q`.
#[derive(Serialize, ToSchema)]
pub struct ListItem {
    #[serde(flatten)]
    #[schema(value_type = crate::schema::Resource)]
    resource: Resource,
    /// The match score in [0, 1], when `q` is given.
    #[serde(skip_serializing_if = "Option::is_none")]
    score: Option<f64>,
}

/// Counts over the whole filtered set (not only the page).
#[derive(Serialize, ToSchema)]
pub struct Facets<'a> {
    /// By kind.
    #[schema(value_type = BTreeMap<String, usize>)]
    kind: BTreeMap<&'a str, usize>,
    /// By province: the code of the province a region lies in (`province_key`).
    #[schema(value_type = BTreeMap<String, usize>)]
    province: BTreeMap<&'a str, usize>,
    /// By discipline code.
    #[schema(value_type = BTreeMap<String, usize>)]
    discipline: BTreeMap<&'a str, usize>,
}

/// The answer to a write of one resource.
#[derive(Serialize, ToSchema)]
pub struct Written<'a> {
    id: &'a str,
    /// The catalog version after the write.
    catalog_version: &'a str,
}

/// The answer to a delete.
#[derive(Serialize, ToSchema)]
pub struct Deleted<'a> {
    /// Always true.
    deleted: bool,
    catalog_version: &'a str,
}

/// Search and filter resources (public fields), with facets.
///
/// With `q`, items are ranked by the matcher (best first, each with its `score`); without, they are
/// in id order. Facets count the whole filtered set: by kind, by province (`province_key`), by
/// discipline.
#[utoipa::path(
    get,
    path = "/api/v1/resources",
    tag = "resources",
    operation_id = "list_resources",
    params(
        ("q" = Option<String>, Query, description = "Free text: rank the resources by how well they match it."),
        ("kinds" = Option<String>, Query, description = "Comma-separated kinds to keep: expert, achievement, patent, organization."),
        ("region" = Option<String>, Query, description = "A GB/T 2260 code (covers its descendants), a region name or path (佛山市, 广东省佛山市禅城区), or a strategic region id (covers its members); an ambiguous name is a 400 listing the candidates."),
        ("industries" = Option<String>, Query, description = "Comma-separated GB/T 4754 codes (with or without the section letter) or names to keep, with the industries under them."),
        ("disciplines" = Option<String>, Query, description = "Comma-separated disciplines (GB/T 13745 codes or names, CSL disciplines) to keep, with the disciplines under them and those of the other system mapped to them."),
        ("min_maturity" = Option<u8>, Query, description = "Keep resources with at least this TRL (1 to 9)."),
        ("limit" = Option<usize>, Query, description = "Page size: 20 by default, at most 200."),
        ("offset" = Option<usize>, Query, description = "How many to skip."),
        ("kind" = Option<String>, Query, deprecated, description = "The old name of `kinds`, accepted until the next release."),
        ("industry" = Option<String>, Query, deprecated, description = "The old name of `industries`, accepted until the next release."),
        ("discipline" = Option<String>, Query, deprecated, description = "The old name of `disciplines`, accepted until the next release.")
    ),
    responses(
        (status = 200, description = "A page of resources.", body = ResourceList),
        (status = 400, response = BadRequest)
    )
)]
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
            .zip(catalog.matcher.passing(&filters))
            .filter(|(_, passes)| *passes)
            .map(|(resource, _)| (resource, None))
            .collect()
    } else {
        let need = Need::from_text(text);
        if let Some(error) = duijie_core::validate::validate_need(&need)
            .into_iter()
            .next()
        {
            return Err(ApiError::bad_request(
                Code::BadQuery,
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
            .filter_map(|result| Some((catalog.get(&result.id)?, Some(result.score))))
            .collect()
    };
    let mut by_kind: BTreeMap<&str, usize> = BTreeMap::new();
    let mut by_province: BTreeMap<&str, usize> = BTreeMap::new();
    let mut by_discipline: BTreeMap<&str, usize> = BTreeMap::new();
    for (resource, _) in &hits {
        *by_kind.entry(resource.kind.as_str()).or_default() += 1;
        if let Some(region) = &resource.region {
            *by_province.entry(province_key(region)).or_default() += 1;
        }
        for discipline in &resource.disciplines {
            *by_discipline.entry(discipline.as_str()).or_default() += 1;
        }
    }
    let items: Vec<ListItem> = hits
        .iter()
        .skip(offset)
        .take(limit)
        .map(|(resource, score)| ListItem {
            resource: resource.public(),
            score: *score,
        })
        .collect();
    Ok(HttpResponse::Ok().json(ResourceList {
        catalog_version: catalog.version(),
        total: hits.len(),
        limit,
        offset,
        items,
        facets: Facets {
            kind: by_kind,
            province: by_province,
            discipline: by_discipline,
        },
    }))
}

/// The hard filters of the query: `kinds` (comma-separated), `region` (code or strategic region id),
/// `industries`, `disciplines` (comma-separated, by code or name), `min_maturity` (a TRL); canonical
/// and checked by `Filters::canonical`, as `POST /api/v1/match` checks its `filters`.
pub fn filters_from(params: &BTreeMap<String, String>) -> Result<Filters, ApiError> {
    let list = |name: &str| -> Vec<String> {
        params
            .get(name)
            .map(|text| duijie_core::jsonl::split_list(&text.replace(',', ";")))
            .unwrap_or_default()
    };
    let mut filters = Filters {
        region: params.get("region").cloned(),
        disciplines: list("disciplines"),
        industries: list("industries"),
        ..Filters::default()
    };
    for kind in list("kinds") {
        filters.kinds.push(Kind::parse(&kind).ok_or_else(|| {
            ApiError::bad_request(
                Code::BadQuery,
                format!("kinds: unknown kind '{kind}' (expert, achievement, patent, organization)"),
            )
        })?);
    }
    if let Some(text) = params.get("min_maturity").map(|text| text.trim()) {
        if !text.is_empty() {
            filters.min_maturity = Some(text.parse().map_err(|_| {
                ApiError::bad_request(Code::BadQuery, "min_maturity: must be a TRL from 1 to 9")
            })?);
        }
    }
    filters.canonical().map_err(|errors| {
        // Errors name the parameter, as the query wrote it (`disciplines`, not `disciplines[1]`).
        let messages: Vec<String> = errors
            .iter()
            .map(|error| {
                let parameter = error.field.split('[').next().unwrap_or("");
                format!("{parameter}: {}", error.message)
            })
            .collect();
        ApiError::bad_request(Code::BadQuery, messages.join("; "))
    })
}

/// One resource (public fields).
#[utoipa::path(
    get,
    path = "/api/v1/resources/{id}",
    tag = "resources",
    operation_id = "get_resource",
    params(("id" = String, Path, description = "The resource's id.")),
    responses(
        (status = 200, description = "The resource, without its contact.", body = crate::schema::Resource),
        (status = 404, response = NotFound)
    )
)]
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
    checked(value, Vec::new(), resource_from_json)
        .map_err(|errors| ApiError::invalid("the resource is not valid", errors))
}

/// Create a resource.
#[utoipa::path(
    post,
    path = "/api/v1/resources",
    tag = "resources",
    operation_id = "create_resource",
    security(("bearer" = [])),
    request_body(content = crate::schema::Resource, description = "The resource, validated as an import row is."),
    responses(
        (status = 201, description = "Created.", body = Written,
            headers(("Location" = String, description = "The new resource's URL."))),
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
    require_writer(&request, &state)?;
    let value = read_json(&request, payload, state.config.body_limit).await?;
    // Validation is CPU work on up to `body_limit` bytes: off the async workers, with the write.
    let (id, catalog) = web::block(move || {
        let resource = resource_from_body(&value)?;
        let id = resource.id.clone();
        state
            .write(
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
            .map(|catalog| (id, catalog))
    })
    .await??;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/resources/{id}")))
        .json(Written {
            id: &id,
            catalog_version: catalog.version(),
        }))
}

/// Create or replace a resource.
#[utoipa::path(
    put,
    path = "/api/v1/resources/{id}",
    tag = "resources",
    operation_id = "put_resource",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The resource's id; the body's `id`, if any, must be the same.")),
    request_body(content = crate::schema::Resource, description = "The resource, validated as an import row is."),
    responses(
        (status = 200, description = "Stored.", body = Written),
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
    let catalog = web::block(move || {
        let resource = resource_from_body(&value)?;
        state.write(
            Change::Upsert(std::slice::from_ref(&resource)),
            false,
            |_| Ok(()),
        )
    })
    .await??;
    Ok(HttpResponse::Ok().json(Written {
        id: &id,
        catalog_version: catalog.version(),
    }))
}

/// Delete a resource.
#[utoipa::path(
    delete,
    path = "/api/v1/resources/{id}",
    tag = "resources",
    operation_id = "delete_resource",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The resource's id.")),
    responses(
        (status = 200, description = "Deleted.", body = Deleted),
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
    require_writer(&request, &state)?;
    let id = path.into_inner();
    let catalog = web::block(move || state.write(Change::Delete(&id), false, |_| Ok(()))).await??;
    Ok(HttpResponse::Ok().json(Deleted {
        deleted: true,
        catalog_version: catalog.version(),
    }))
}

/// The province a region counts under in facets and statistics: its province's code
/// (`Taxonomies::province_of`), or the code itself when the taxonomies do not know it.
pub fn province_key(region: &str) -> &str {
    duijie_core::taxonomy::taxonomies()
        .province_of(region)
        .map_or(region, |province| province.code.as_str())
}
