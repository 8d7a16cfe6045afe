//! Health, metrics, the OpenAPI document, and the fallback: the widget's static files
//! (`crate::static_files`) or a JSON 404.

use std::sync::OnceLock;

use actix_web::http::Method;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::Scope;
use crate::config::MetricsAccess;
use crate::error::ApiError;
use crate::routes::openapi::{Forbidden, NotReady, Unauthorized};
use crate::state::AppState;

/// `GET /healthz`.
#[derive(Serialize, ToSchema)]
pub struct Health<'a> {
    /// Always `ok` when the service answers.
    status: &'a str,
    catalog_version: &'a str,
    /// How many resources the catalog holds.
    resources: usize,
}

/// `GET /readyz`.
#[derive(Serialize, ToSchema)]
pub struct Readiness {
    /// `ready`; `behind` when the store holds a newer catalog or newer needs than this replica has
    /// in memory (another replica or a command changed them, and this one has not reloaded yet);
    /// `unreachable` when the store did not answer.
    status: &'static str,
    /// The catalog version this replica answers with.
    catalog_version: String,
    /// The catalog generation in memory.
    generation: i64,
    /// The catalog generation in the store; null when it did not answer.
    stored_generation: Option<i64>,
    /// The generation of the stored needs in memory, and in the store (null: no answer).
    need_generation: i64,
    stored_need_generation: Option<i64>,
}

/// `GET /api/v1/whoami`.
#[derive(Serialize, ToSchema)]
pub struct WhoAmI {
    scope: Scope,
    /// The token's id: the first 16 hex digits of its SHA-256, as records name it (never the token).
    token_id: String,
}

/// Liveness and the catalog version.
#[utoipa::path(
    get,
    path = "/healthz",
    tag = "system",
    operation_id = "healthz",
    responses((status = 200, description = "The service is up.", body = Health))
)]
pub async fn healthz(state: web::Data<AppState>) -> HttpResponse {
    let catalog = state.catalog();
    HttpResponse::Ok().json(Health {
        status: "ok",
        catalog_version: catalog.version(),
        resources: catalog.resources().len(),
    })
}

/// Readiness: whether this replica's in-memory catalog and needs are those of the store.
///
/// For a load balancer in front of replicas sharing one database: a replica behind the store's
/// catalog (it reloads within `reload_secs`) or cut off from the store answers 503.
#[utoipa::path(
    get,
    path = "/readyz",
    tag = "system",
    operation_id = "readyz",
    responses(
        (status = 200, description = "In step with the store.", body = Readiness),
        (status = 503, response = NotReady)
    )
)]
pub async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    let catalog = state.catalog();
    let demand = state.demand.current();
    let store = state.store.clone();
    let stored = web::block(move || -> Result<(i64, i64), crate::store::StoreError> {
        let catalog = store.version()?.map_or(0, |(_, generation)| generation);
        Ok((catalog, store.need_generation()?))
    })
    .await
    .ok()
    .and_then(Result::ok);
    let status = match stored {
        None => "unreachable",
        Some((catalog_generation, need_generation))
            if catalog_generation != catalog.generation || need_generation != demand.generation =>
        {
            "behind"
        }
        Some(_) => "ready",
    };
    let body = Readiness {
        status,
        catalog_version: catalog.version().to_string(),
        generation: catalog.generation,
        stored_generation: stored.map(|(catalog, _)| catalog),
        need_generation: demand.generation,
        stored_need_generation: stored.map(|(_, needs)| needs),
    };
    if status == "ready" {
        HttpResponse::Ok().json(body)
    } else {
        HttpResponse::ServiceUnavailable().json(body)
    }
}

/// The calling token's scope and id.
///
/// How the widget checks a broker's sign-in.
#[utoipa::path(
    get,
    path = "/api/v1/whoami",
    tag = "system",
    operation_id = "whoami",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The token is valid.", body = WhoAmI),
        (status = 401, response = Unauthorized)
    )
)]
pub async fn whoami(
    request: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let who = crate::auth::caller(&request, &state)?;
    Ok(HttpResponse::Ok().json(WhoAmI {
        scope: who.scope,
        token_id: who.token_id,
    }))
}

/// Prometheus metrics.
///
/// For whom `metrics_access` allows: clients on this host (default; 403 for others), an editor or
/// admin token, or anyone.
#[utoipa::path(
    get,
    path = "/metrics",
    tag = "system",
    operation_id = "metrics",
    responses(
        (
            status = 200,
            description = "Requests by route and status, latency by route, the catalog's size and version.",
            body = String,
            content_type = "text/plain; version=0.0.4; charset=utf-8"
        ),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden)
    )
)]
pub async fn metrics(
    request: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    match state.config.metrics_access {
        MetricsAccess::Public => {}
        MetricsAccess::Token => {
            crate::auth::require_writer(&request, &state)?;
        }
        MetricsAccess::Loopback => {
            if !crate::throttle::client_ip(&request).is_loopback() {
                return Err(ApiError::ForbiddenHere(
                    "/metrics answers clients on this host only (metrics_access = loopback)",
                ));
            }
        }
    }
    let catalog = state.catalog();
    let mut body = state
        .metrics
        .render(catalog.resources().len(), catalog.version());
    body.push_str(&state.push.render_metrics());
    Ok(HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(body))
}

/// This document.
#[utoipa::path(
    get,
    path = "/api/openapi.json",
    tag = "system",
    operation_id = "openapi",
    responses((status = 200, description = "The OpenAPI 3.1 document of the service.", body = Object))
)]
pub async fn openapi() -> HttpResponse {
    static DOCUMENT: OnceLock<Vec<u8>> = OnceLock::new();
    let document = DOCUMENT.get_or_init(|| {
        crate::routes::openapi::document()
            .to_json()
            .unwrap_or_default()
            .into_bytes()
    });
    HttpResponse::Ok()
        .content_type("application/json")
        .body(document.clone())
}

const NOT_BUILT: &str = "<!doctype html>\n<html lang=\"zh\"><head><meta charset=\"utf-8\"><title>duijie</title></head>\n<body><h1>duijie 对接</h1><p>The widget is not built. Build it (<code>cargo xtask web</code>) or start the server with <code>--static DIR</code>; the API is at <a href=\"/api/openapi.json\">/api/openapi.json</a>.</p></body></html>\n";

/// Anything no route takes: the widget's files for GET and HEAD outside `/api/`, else a JSON 404.
pub async fn fallback(
    request: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let path = request.path();
    let not_found = || ApiError::RouteNotFound {
        method: request.method().to_string(),
        path: path.to_string(),
    };
    // A method no route of this path takes is 405 with the methods it does take; TRACE and
    // CONNECT are never taken.
    let method = request.method();
    let route_methods = crate::routes::methods_of(path);
    let never = *method == Method::TRACE || *method == Method::CONNECT;
    if !route_methods.is_empty() || never {
        let allow = if route_methods.is_empty() {
            "GET, HEAD".to_string()
        } else {
            route_methods.join(", ")
        };
        return Err(ApiError::MethodNotAllowed {
            method: method.to_string(),
            allow,
        });
    }
    if !(*method == Method::GET || *method == Method::HEAD) || path.starts_with("/api/") {
        return Err(not_found());
    }
    let Some(folder) = state.config.static_folder() else {
        if path == "/" || path == "/index.html" {
            return Ok(HttpResponse::Ok()
                .content_type("text/html; charset=utf-8")
                .body(NOT_BUILT));
        }
        return Err(not_found());
    };
    let Some(file) = crate::static_files::find(&folder, path) else {
        return Err(not_found());
    };
    let encodings = crate::static_files::accepted(&request);
    let path_on_disk = file.path.clone();
    let read = web::block(move || crate::static_files::read(&path_on_disk, &encodings)).await?;
    match read {
        Ok(variant) => Ok(crate::static_files::respond(&request, &file, variant)),
        Err(_) => Err(not_found()),
    }
}
