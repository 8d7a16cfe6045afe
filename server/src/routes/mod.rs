//! The route table: every route of the service, once. It registers the routes and generates
//! `/api/openapi.json`, so the document lists exactly the routes that exist.

use std::collections::BTreeMap;

use actix_web::http::Method;
use actix_web::{guard, web, HttpRequest};
use serde_json::{json, Value};

use crate::error::ApiError;

pub mod catalog;
pub mod engagements;
pub mod matching;
pub mod resources;
pub mod system;

/// Who may call a route.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    Public,
    /// Any valid token: `broker`, `editor` or `admin`.
    Token,
    /// An `editor` or `admin` token.
    Writer,
}

/// One route: how it is called, what it does, and the handler.
pub struct RouteSpec {
    pub method: Method,
    pub path: &'static str,
    pub summary: &'static str,
    pub access: Access,
    /// Query parameters it accepts.
    pub query: &'static [&'static str],
    pub handler: fn() -> actix_web::Route,
}

/// Every route of the service.
pub fn routes() -> Vec<RouteSpec> {
    use Access::{Public, Token, Writer};
    let spec = |method: Method,
                path: &'static str,
                summary: &'static str,
                access: Access,
                query: &'static [&'static str],
                handler: fn() -> actix_web::Route| RouteSpec {
        method,
        path,
        summary,
        access,
        query,
        handler,
    };
    vec![
        spec(
            Method::GET,
            "/healthz",
            "Liveness and the catalog version.",
            Public,
            &[],
            || web::route().to(system::healthz),
        ),
        spec(
            Method::GET,
            "/metrics",
            "Prometheus metrics.",
            Public,
            &[],
            || web::route().to(system::metrics),
        ),
        spec(
            Method::GET,
            "/api/openapi.json",
            "This document.",
            Public,
            &[],
            || web::route().to(system::openapi),
        ),
        spec(
            Method::GET,
            "/api/v1/resources",
            "Search and filter resources (public fields), with facets.",
            Public,
            resources::LIST_QUERY,
            || web::route().to(resources::list),
        ),
        spec(
            Method::POST,
            "/api/v1/resources",
            "Create a resource.",
            Writer,
            &[],
            || web::route().to(resources::create),
        ),
        spec(
            Method::GET,
            "/api/v1/resources/{id}",
            "One resource (public fields).",
            Public,
            &[],
            || web::route().to(resources::get),
        ),
        spec(
            Method::PUT,
            "/api/v1/resources/{id}",
            "Create or replace a resource.",
            Writer,
            &[],
            || web::route().to(resources::put),
        ),
        spec(
            Method::DELETE,
            "/api/v1/resources/{id}",
            "Delete a resource.",
            Writer,
            &[],
            || web::route().to(resources::delete),
        ),
        spec(
            Method::POST,
            "/api/v1/import",
            "Import JSON Lines, CSV or XLSX, all or nothing.",
            Writer,
            catalog::IMPORT_QUERY,
            || web::route().to(catalog::import),
        ),
        spec(
            Method::GET,
            "/api/v1/export",
            "The whole catalog as JSON Lines, private fields included.",
            Writer,
            &[],
            || web::route().to(catalog::export),
        ),
        spec(
            Method::GET,
            "/api/v1/snapshot",
            "The public catalog slice the widget loads; gzip and ETag.",
            Public,
            catalog::SNAPSHOT_QUERY,
            || web::route().to(catalog::snapshot),
        ),
        spec(
            Method::POST,
            "/api/v1/match",
            "Rank resources for a need, with explained scores.",
            Public,
            &[],
            || web::route().to(matching::match_need),
        ),
        spec(
            Method::GET,
            "/api/v1/taxonomies/{name}",
            "A taxonomy for pickers: regions, industries, disciplines or modes.",
            Public,
            &[],
            || web::route().to(matching::taxonomy),
        ),
        spec(
            Method::GET,
            "/api/v1/whoami",
            "The calling token's scope and id.",
            Token,
            &[],
            || web::route().to(system::whoami),
        ),
        spec(
            Method::POST,
            "/api/v1/engagements",
            "Record an engagement (status intent); idempotent per token and idempotency_key.",
            Token,
            &[],
            || web::route().to(engagements::create),
        ),
        spec(
            Method::GET,
            "/api/v1/engagements",
            "List engagements, newest first, with filters.",
            Writer,
            engagements::LIST_QUERY,
            || web::route().to(engagements::list),
        ),
        spec(
            Method::GET,
            "/api/v1/engagements/{id}",
            "One engagement with its history: any of an editor or admin, a broker's own.",
            Token,
            &[],
            || web::route().to(engagements::get),
        ),
        spec(
            Method::POST,
            "/api/v1/engagements/{id}/transitions",
            "Move an engagement to its next status, or to dropped.",
            Token,
            &[],
            || web::route().to(engagements::transition),
        ),
        spec(
            Method::GET,
            "/api/v1/stats",
            "Evaluation indicators of engagements by group, as JSON or CSV.",
            Writer,
            engagements::STATS_QUERY,
            || web::route().to(engagements::stats),
        ),
        spec(
            Method::GET,
            "/dashboard",
            "The indicators dashboard (HTML).",
            Public,
            &[],
            || web::route().to(engagements::dashboard),
        ),
        spec(
            Method::GET,
            "/dashboard/dashboard.js",
            "The dashboard's script.",
            Public,
            &[],
            || web::route().to(engagements::dashboard_js),
        ),
    ]
}

/// Registers every route of `routes()`; GET routes also answer HEAD (load balancers, `curl -I`).
pub fn configure(config: &mut web::ServiceConfig) {
    for route in routes() {
        let handler = (route.handler)();
        let handler = if route.method == Method::GET {
            handler.guard(guard::Any(guard::Get()).or(guard::Head()))
        } else {
            handler.method(route.method.clone())
        };
        config.route(route.path, handler);
    }
}

/// The OpenAPI 3 document of `routes()`.
pub fn openapi() -> Value {
    let mut paths: BTreeMap<&str, serde_json::Map<String, Value>> = BTreeMap::new();
    for route in routes() {
        let mut parameters: Vec<Value> = route
            .path
            .split('/')
            .filter_map(|segment| segment.strip_prefix('{')?.strip_suffix('}'))
            .map(|name| json!({"name": name, "in": "path", "required": true, "schema": {"type": "string"}}))
            .collect();
        parameters.extend(route.query.iter().map(
            |name| json!({"name": name, "in": "query", "required": false, "schema": {"type": "string"}}),
        ));
        let mut operation = json!({
            "summary": route.summary,
            "parameters": parameters,
            "responses": {
                "200": {"description": "Success."},
                "4XX": {"description": "The caller's mistake: {\"error\": {\"code\", \"message\", \"details\"}}."},
                "5XX": {"description": "Ours: {\"error\": {\"code\", \"message\", \"details\"}}."}
            }
        });
        if route.access != Access::Public {
            operation["security"] = json!([{"bearer": []}]);
        }
        paths
            .entry(route.path)
            .or_default()
            .insert(route.method.as_str().to_ascii_lowercase(), operation);
    }
    json!({
        "openapi": "3.0.3",
        "info": {"title": "duijie catalog service", "version": env!("CARGO_PKG_VERSION")},
        "paths": paths,
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}}
    })
}

/// The request's query parameters; an unknown one or a repeated one is a 400.
pub fn query_params(
    request: &HttpRequest,
    allowed: &[&str],
) -> Result<BTreeMap<String, String>, ApiError> {
    let pairs = web::Query::<Vec<(String, String)>>::from_query(request.query_string())
        .map_err(|error| ApiError::bad_request("bad_query", format!("query string: {error}")))?
        .into_inner();
    let mut params = BTreeMap::new();
    for (name, value) in pairs {
        if !allowed.contains(&name.as_str()) {
            return Err(ApiError::bad_request(
                "bad_query",
                format!(
                    "unknown query parameter '{name}'; this route takes: {}",
                    allowed.join(", ")
                ),
            ));
        }
        if params.insert(name.clone(), value).is_some() {
            return Err(ApiError::bad_request(
                "bad_query",
                format!("query parameter '{name}' is given twice"),
            ));
        }
    }
    Ok(params)
}

/// A non-negative integer query parameter, or `default`.
pub fn number_param(
    params: &BTreeMap<String, String>,
    name: &str,
    default: usize,
) -> Result<usize, ApiError> {
    match params.get(name) {
        None => Ok(default),
        Some(text) => text.trim().parse().map_err(|_| {
            ApiError::bad_request(
                "bad_query",
                format!("'{name}' must be a non-negative integer"),
            )
        }),
    }
}

/// The request body, refusing more than `limit` bytes with a 413.
pub async fn read_body(
    request: &HttpRequest,
    payload: web::Payload,
    limit: usize,
) -> Result<web::Bytes, ApiError> {
    let declared = request
        .headers()
        .get(actix_web::http::header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<usize>().ok());
    if declared.is_some_and(|length| length > limit) {
        return Err(ApiError::PayloadTooLarge { limit });
    }
    match payload.to_bytes_limited(limit).await {
        Ok(Ok(bytes)) => Ok(bytes),
        Ok(Err(_)) => Err(ApiError::PayloadTooLarge { limit }),
        Err(error) => Err(ApiError::bad_request(
            "bad_body",
            format!("cannot read the request body: {error}"),
        )),
    }
}

/// The request body as a JSON value.
pub async fn read_json(
    request: &HttpRequest,
    payload: web::Payload,
    limit: usize,
) -> Result<Value, ApiError> {
    let bytes = read_body(request, payload, limit).await?;
    serde_json::from_slice(&bytes).map_err(|error| {
        ApiError::bad_request("bad_json", format!("the body is not valid JSON: {error}"))
    })
}
