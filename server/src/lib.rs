//! duijie-server: the catalog service (actix-web, persistence, import, auth) and the `duijie` command line.

pub mod answer;
pub mod auth;
pub mod catalog_file;
pub mod cli;
pub mod commands;
pub mod config;
pub mod demand;
pub mod demand_answer;
pub mod demo;
pub mod engagement;
pub mod error;
pub mod fair;
pub mod import;
pub mod markup;
pub mod metrics;
pub mod push;
pub mod push_mail;
pub mod routes;
pub mod schema;
pub mod state;
pub mod static_files;
pub mod stats;
pub mod store;
pub mod throttle;
pub mod tls;
pub mod webhook_hosts;
pub mod worker;

#[cfg(test)]
mod tests;

use std::time::{Duration, Instant};

use actix_web::body::BoxBody;
use actix_web::dev::{Service, ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderMap, HeaderName, HeaderValue};
use actix_web::http::Method;
use actix_web::{web, App, HttpResponse, ResponseError};

use crate::error::ApiError;
use crate::state::AppState;

/// The Content-Security-Policy without `frame-ancestors`: the widget's own files only (wasm allowed).
macro_rules! csp_base {
    () => {
        "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'"
    };
}
pub const CSP_BASE: &str = csp_base!();

/// The Content-Security-Policy of a service with no portal origins configured (and of responses
/// made before the configuration is known): only the service may frame its pages.
pub const CSP: &str = concat!(csp_base!(), "; frame-ancestors 'self'");

/// The whole service as an actix `App`: routes, fallback, and one middleware for timeouts, CORS,
/// security headers and metrics.
pub fn create_app(
    state: web::Data<AppState>,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<BoxBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    let middleware_state = state.clone();
    App::new()
        .app_data(state)
        .configure(routes::configure)
        .default_service(web::to(routes::system::fallback))
        .wrap_fn(move |request, service| {
            let state = middleware_state.clone();
            let started = Instant::now();
            let origin = request
                .headers()
                .get(header::ORIGIN)
                .and_then(|value| value.to_str().ok())
                .map(str::to_string);
            let method = request.method().to_string();
            let path = request.path();
            let bulk = [
                "/api/v1/import",
                "/api/v1/export",
                "/api/v1/needs/import",
                "/api/v1/needs/export",
            ];
            let timeout_secs = if bulk.iter().any(|prefix| path.starts_with(prefix)) {
                state.config.import_timeout_secs
            } else {
                state.config.request_timeout_secs
            };
            let preflight = request.method() == Method::OPTIONS
                && request
                    .headers()
                    .contains_key(header::ACCESS_CONTROL_REQUEST_METHOD);
            // The request must not be cloned before routing (actix needs it unshared), so a timeout or
            // an error is answered through `ApiError::error_response`, which sets the same headers.
            let call = if preflight {
                Err(request)
            } else {
                Ok(service.call(request))
            };
            async move {
                let allowed = origin.as_deref().filter(|origin| {
                    state
                        .config
                        .cors_origins
                        .iter()
                        .any(|allowed| allowed == origin)
                });
                let mut response = match call {
                    Err(request) => {
                        let (http_request, _) = request.into_parts();
                        ServiceResponse::new(http_request, preflight_response(allowed, &origin))
                    }
                    Ok(call) => {
                        let outcome =
                            actix_web::rt::time::timeout(Duration::from_secs(timeout_secs), call)
                                .await;
                        match outcome {
                            Ok(Ok(response)) => response,
                            Ok(Err(error)) => {
                                let status = error.as_response_error().status_code().as_u16();
                                state.metrics.record(
                                    &method,
                                    "unmatched",
                                    status,
                                    started.elapsed(),
                                );
                                return Err(error);
                            }
                            Err(_) => {
                                state
                                    .metrics
                                    .record(&method, "timeout", 503, started.elapsed());
                                return Err(ApiError::Timeout(timeout_secs).into());
                            }
                        }
                    }
                };
                let headers = response.headers_mut();
                // frame-ancestors names the configured portals, which may embed the widget.
                security_headers(headers, state.csp.clone());
                // Every answer names the catalog version it was computed on (replicas sharing a
                // database may be at different ones for up to `reload_secs`); routes that answer
                // from another catalog (an export in progress) set it themselves.
                if !headers.contains_key(CATALOG_VERSION) {
                    if let Ok(version) = HeaderValue::from_str(state.catalog().version()) {
                        headers.insert(HeaderName::from_static(CATALOG_VERSION), version);
                    }
                }
                // The widget's files are the same for every origin and say so (`static_files`):
                // they do not vary on Origin, so that the service worker's requests (without
                // Origin) find the page's (with Origin) in the HTTP cache.
                let for_every_origin = headers
                    .get(header::ACCESS_CONTROL_ALLOW_ORIGIN)
                    .is_some_and(|value| value == "*");
                if !for_every_origin {
                    if let Some(origin) =
                        allowed.and_then(|origin| HeaderValue::from_str(origin).ok())
                    {
                        headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
                        headers.insert(
                            header::ACCESS_CONTROL_EXPOSE_HEADERS,
                            HeaderValue::from_static("etag, x-catalog-version"),
                        );
                    }
                    if origin.is_some() {
                        headers.append(header::VARY, HeaderValue::from_static("Origin"));
                    }
                }
                let route = response
                    .request()
                    .match_pattern()
                    .unwrap_or_else(|| "unmatched".to_string());
                state.metrics.record(
                    &method,
                    &route,
                    response.status().as_u16(),
                    started.elapsed(),
                );
                Ok(response)
            }
        })
}

/// The header naming the catalog version an answer was computed on.
pub const CATALOG_VERSION: &str = "x-catalog-version";

/// Sets the security headers every response carries, with this Content-Security-Policy.
pub fn security_headers(headers: &mut HeaderMap, csp: HeaderValue) {
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::CONTENT_SECURITY_POLICY, csp);
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
}

/// The answer to a CORS preflight: allowed for the configured origins, 403 for any other.
fn preflight_response(allowed: Option<&str>, origin: &Option<String>) -> HttpResponse {
    match allowed {
        Some(_) => HttpResponse::NoContent()
            .insert_header((
                header::ACCESS_CONTROL_ALLOW_METHODS,
                "GET, POST, PUT, DELETE",
            ))
            .insert_header((
                header::ACCESS_CONTROL_ALLOW_HEADERS,
                "authorization, content-type, if-none-match",
            ))
            .insert_header((header::ACCESS_CONTROL_MAX_AGE, "600"))
            .finish(),
        None => ApiError::OriginNotAllowed(origin.clone().unwrap_or_default()).error_response(),
    }
}
