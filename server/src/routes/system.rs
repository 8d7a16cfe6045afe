//! Health, metrics, the OpenAPI document, and the fallback: the widget's static files
//! (`crate::static_files`) or a JSON 404.

use actix_web::http::Method;
use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::json;

use crate::error::ApiError;
use crate::state::AppState;

pub async fn healthz(state: web::Data<AppState>) -> HttpResponse {
    let catalog = state.catalog();
    HttpResponse::Ok().json(json!({
        "status": "ok",
        "catalog_version": catalog.version(),
        "resources": catalog.resources().len(),
    }))
}

/// `GET /api/v1/whoami`: the calling token's scope and id (how the widget checks a broker's
/// sign-in). 401 without a valid token.
pub async fn whoami(
    request: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let who = crate::auth::caller(&request, &state)?;
    Ok(HttpResponse::Ok().json(json!({
        "scope": who.scope.as_str(),
        "token_id": who.token_id,
    })))
}

pub async fn metrics(state: web::Data<AppState>) -> HttpResponse {
    let catalog = state.catalog();
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(
            state
                .metrics
                .render(catalog.resources().len(), catalog.version()),
        )
}

pub async fn openapi() -> HttpResponse {
    HttpResponse::Ok().json(crate::routes::openapi())
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
    if !(request.method() == Method::GET || request.method() == Method::HEAD)
        || path.starts_with("/api/")
    {
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
