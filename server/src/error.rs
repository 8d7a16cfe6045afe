//! The service's one error type and its mapping to HTTP: the caller's mistakes are 4xx with a located
//! message, ours are 5xx with a generic message (the cause goes to the log, never to the caller).

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use duijie_core::FieldError;
use serde_json::{json, Value};

use crate::store::StoreError;

/// At most this many row errors are listed in one answer; `details.total` says how many there were.
pub const MAX_LISTED_ERRORS: usize = 1000;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// A malformed request: bad JSON, a bad query parameter, an unknown format.
    #[error("{message}")]
    BadRequest { code: &'static str, message: String },
    /// Records that do not validate, each located by line and field.
    #[error("{message}")]
    Invalid {
        message: String,
        errors: Vec<FieldError>,
    },
    #[error("this route needs a token: send 'Authorization: Bearer TOKEN'")]
    Unauthorized,
    #[error("this token's scope ({0}) may not do this")]
    Forbidden(String),
    /// Something named by the request does not exist; the message names it.
    #[error("{0}")]
    NotFound(String),
    #[error("no route {method} {path}")]
    RouteNotFound { method: String, path: String },
    #[error("{0}")]
    Conflict(String),
    /// A conflict whose `details` tell the caller what would be accepted.
    #[error("{message}")]
    ConflictWith { message: String, details: Value },
    #[error("the request body is larger than {limit} bytes")]
    PayloadTooLarge { limit: usize },
    #[error("the request took longer than {0} s")]
    Timeout(u64),
    #[error("origin '{0}' is not allowed")]
    OriginNotAllowed(String),
    /// Our fault. The message is logged, not sent.
    #[error("internal error: {0}")]
    Internal(String),
}

impl ApiError {
    pub fn bad_request(code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError::BadRequest {
            code,
            message: message.into(),
        }
    }

    pub fn invalid(message: impl Into<String>, errors: Vec<FieldError>) -> ApiError {
        ApiError::Invalid {
            message: message.into(),
            errors,
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            ApiError::BadRequest { code, .. } => code,
            ApiError::Invalid { .. } => "invalid",
            ApiError::Unauthorized => "unauthorized",
            ApiError::Forbidden(_) => "forbidden",
            ApiError::NotFound(_) => "not_found",
            ApiError::RouteNotFound { .. } => "route_not_found",
            ApiError::Conflict(_) | ApiError::ConflictWith { .. } => "conflict",
            ApiError::PayloadTooLarge { .. } => "payload_too_large",
            ApiError::Timeout(_) => "timeout",
            ApiError::OriginNotAllowed(_) => "origin_not_allowed",
            ApiError::Internal(_) => "internal",
        }
    }

    pub fn no_resource(id: &str) -> ApiError {
        ApiError::NotFound(format!("no resource with id '{id}'"))
    }

    fn details(&self) -> Value {
        match self {
            ApiError::Invalid { errors, .. } => {
                let listed: Vec<&FieldError> = errors.iter().take(MAX_LISTED_ERRORS).collect();
                json!({ "total": errors.len(), "errors": listed })
            }
            ApiError::PayloadTooLarge { limit } => json!({ "limit": limit }),
            ApiError::ConflictWith { details, .. } => details.clone(),
            _ => json!({}),
        }
    }

    /// The `{"error": {...}}` body.
    pub fn body(&self) -> Value {
        let message = match self {
            ApiError::Internal(_) => "internal error; the server log has the cause".to_string(),
            other => other.to_string(),
        };
        json!({ "error": { "code": self.code(), "message": message, "details": self.details() } })
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::BadRequest { .. } => StatusCode::BAD_REQUEST,
            ApiError::Invalid { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::Unauthorized => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) | ApiError::OriginNotAllowed(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) | ApiError::RouteNotFound { .. } => StatusCode::NOT_FOUND,
            ApiError::Conflict(_) | ApiError::ConflictWith { .. } => StatusCode::CONFLICT,
            ApiError::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::Timeout(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let ApiError::Internal(cause) = self {
            eprintln!("duijie serve: internal error: {cause}");
        }
        let mut response = HttpResponse::build(self.status_code());
        if matches!(self, ApiError::Unauthorized) {
            response.insert_header(("WWW-Authenticate", "Bearer"));
        }
        let mut response = response.json(self.body());
        crate::security_headers(
            response.headers_mut(),
            actix_web::http::header::HeaderValue::from_static(crate::CSP),
        );
        response
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> ApiError {
        ApiError::Internal(error.to_string())
    }
}

impl From<actix_web::error::BlockingError> for ApiError {
    fn from(error: actix_web::error::BlockingError) -> ApiError {
        ApiError::Internal(error.to_string())
    }
}
