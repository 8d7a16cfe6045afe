//! The service's one error type and its mapping to HTTP: the caller's mistakes are 4xx with a located
//! message, ours are 5xx with a generic message (the cause goes to the log, never to the caller).
//! Every answer's `error.code` is a [`Code`]: one table of stable names, each with its HTTP status.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use duijie_core::FieldError;
use serde::Serialize;
use utoipa::ToSchema;

use crate::store::StoreError;

/// At most this many row errors are listed in one answer; `details.total` says how many there were.
pub const MAX_LISTED_ERRORS: usize = 1000;

// Every error code the service answers with, as meilisearch's `Code`: a stable snake_case name
// (the body's `error.code`, what a client branches on) and the HTTP status that goes with it.
// Handlers pick a variant, never a free-text code; `server/README.md` lists them (checked by a
// test), and the OpenAPI document lists them under each error status.
/// What went wrong, stably named: clients branch on this. Each error response of an operation lists
/// the codes of its status.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Code {
    BadQuery,
    BadJson,
    BadBody,
    UnknownFormat,
    Unauthorized,
    Forbidden,
    OriginNotAllowed,
    NotFound,
    RouteNotFound,
    Conflict,
    PayloadTooLarge,
    Invalid,
    Internal,
    Timeout,
    TooLarge,
    MethodNotAllowed,
    UnsupportedMediaType,
    RateLimited,
    StoreUnavailable,
}

impl Code {
    pub const ALL: [Code; 19] = [
        Code::BadQuery,
        Code::BadJson,
        Code::BadBody,
        Code::UnknownFormat,
        Code::Unauthorized,
        Code::Forbidden,
        Code::OriginNotAllowed,
        Code::NotFound,
        Code::RouteNotFound,
        Code::Conflict,
        Code::PayloadTooLarge,
        Code::Invalid,
        Code::Internal,
        Code::Timeout,
        Code::TooLarge,
        Code::MethodNotAllowed,
        Code::UnsupportedMediaType,
        Code::RateLimited,
        Code::StoreUnavailable,
    ];

    /// The stable name sent as `error.code`.
    pub fn name(self) -> &'static str {
        match self {
            Code::BadQuery => "bad_query",
            Code::BadJson => "bad_json",
            Code::BadBody => "bad_body",
            Code::UnknownFormat => "unknown_format",
            Code::Unauthorized => "unauthorized",
            Code::Forbidden => "forbidden",
            Code::OriginNotAllowed => "origin_not_allowed",
            Code::NotFound => "not_found",
            Code::RouteNotFound => "route_not_found",
            Code::Conflict => "conflict",
            Code::PayloadTooLarge => "payload_too_large",
            Code::Invalid => "invalid",
            Code::Internal => "internal",
            Code::Timeout => "timeout",
            Code::TooLarge => "too_large",
            Code::MethodNotAllowed => "method_not_allowed",
            Code::UnsupportedMediaType => "unsupported_media_type",
            Code::RateLimited => "rate_limited",
            Code::StoreUnavailable => "store_unavailable",
        }
    }

    pub fn status(self) -> StatusCode {
        match self {
            Code::BadQuery | Code::BadJson | Code::BadBody | Code::UnknownFormat => {
                StatusCode::BAD_REQUEST
            }
            Code::Unauthorized => StatusCode::UNAUTHORIZED,
            Code::Forbidden | Code::OriginNotAllowed => StatusCode::FORBIDDEN,
            Code::NotFound | Code::RouteNotFound => StatusCode::NOT_FOUND,
            Code::Conflict => StatusCode::CONFLICT,
            Code::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Code::Invalid => StatusCode::UNPROCESSABLE_ENTITY,
            Code::Internal => StatusCode::INTERNAL_SERVER_ERROR,
            Code::Timeout | Code::StoreUnavailable => StatusCode::SERVICE_UNAVAILABLE,
            Code::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Code::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Code::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Code::RateLimited => StatusCode::TOO_MANY_REQUESTS,
        }
    }

    /// What the code means, for the README and the OpenAPI document.
    pub fn description(self) -> &'static str {
        match self {
            Code::BadQuery => {
                "a query parameter is unknown, given twice, or has a value the route does not take"
            }
            Code::BadJson => "the body is not JSON, or not the JSON object the route takes",
            Code::BadBody => "the request body could not be read",
            Code::UnknownFormat => {
                "an import says its format neither with `?format=` nor with its Content-Type"
            }
            Code::Unauthorized => {
                "the route needs a token (`Authorization: Bearer TOKEN`) and none, a malformed header or an unknown token was sent (the message says which)"
            }
            Code::Forbidden => "the token's scope may not do this",
            Code::OriginNotAllowed => {
                "a browser call from an origin that is not configured (`--cors-origin`)"
            }
            Code::NotFound => "what the path names (a resource, an engagement, a taxonomy) does not exist",
            Code::RouteNotFound => "no route has this method and path",
            Code::Conflict => {
                "the request conflicts with the current state: an existing id, a reused idempotency key, a status move that is not allowed (`details.current`, `details.allowed`)"
            }
            Code::PayloadTooLarge => "the body is larger than the route's limit (`details.limit`, in bytes)",
            Code::Invalid => {
                "the body's records do not validate: `details.errors` lists every problem (`line`, `id`, `field`, `message`, and in an import `sheet`, `cell`, `column`, `header` where the format has them), `details.total` counts them"
            }
            Code::Internal => "our fault; the server log has the cause, the answer does not",
            Code::Timeout => "the request took longer than the configured limit",
            Code::TooLarge => {
                "an import within the body limit but past another bound (rows, columns, cells, inflated bytes of a workbook): the message names the bound, its setting and where it was passed (`details.limit`)"
            }
            Code::MethodNotAllowed => {
                "the path exists but does not take this method (TRACE and CONNECT never); `Allow` lists the ones it takes"
            }
            Code::UnsupportedMediaType => "the body must be sent as `Content-Type: application/json`",
            Code::RateLimited => {
                "too many requests (or requests with an unknown token) from this client address; retry after `Retry-After` seconds (also in the message)"
            }
            Code::StoreUnavailable => {
                "the database does not answer (PostgreSQL stopped, unreachable or past `--db-statement-timeout`): whatever needs it (every write, token checks) fails at once, reads of the catalog and matching answer from memory; retry once it is back, no restart needed"
            }
        }
    }
}

/// The body of every error answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorObject,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorObject {
    pub code: Code,
    /// A message for people, in English; clients branch on `code`, not on this.
    pub message: String,
    pub details: ErrorDetails,
}

/// What an error adds to its message; which fields are present depends on `code`, and most
/// codes give none (`{}`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, ToSchema)]
pub struct ErrorDetails {
    /// `invalid`: how many problems there were (at most 1,000 are listed).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total: Option<usize>,
    /// `invalid`: the problems, each located by record id and field, and in an import as precisely as
    /// its format allows (line; XLSX sheet, cell and header; CSV column and header).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Vec<crate::schema::FieldError>>)]
    pub errors: Option<Vec<FieldError>>,
    /// `payload_too_large`: the route's limit in bytes; `too_large`: the bound passed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<usize>,
    /// `conflict` of a status move: the engagement's status now.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<crate::schema::Status>)]
    pub current: Option<duijie_core::engagement::Status>,
    /// `conflict` of a status move: the statuses it may move to (`[]` from landed or dropped).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Vec<crate::schema::Status>>)]
    pub allowed: Option<Vec<duijie_core::engagement::Status>>,
}

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// A malformed request (bad JSON, a bad query parameter, an unknown format), with its code.
    #[error("{message}")]
    BadRequest { code: Code, message: String },
    /// Records that do not validate, each located by line and field; `omitted` more were counted
    /// but not kept.
    #[error("{message}")]
    Invalid {
        message: String,
        errors: Vec<FieldError>,
        omitted: usize,
    },
    #[error("this route needs a token: send 'Authorization: Bearer TOKEN'")]
    Unauthorized,
    /// An `Authorization` header that is not `Bearer TOKEN`.
    #[error("the Authorization header must be 'Bearer TOKEN'")]
    BadAuthorization,
    /// A bearer token the store does not know.
    #[error("this token is not known here: it may be mistyped, revoked, or created for another data folder ('duijie token create --data DIR' makes one for the folder this service runs on)")]
    UnknownToken,
    #[error("this token's scope ({0}) may not do this")]
    Forbidden(String),
    /// Refused to this caller whatever its token: the message says why.
    #[error("{0}")]
    ForbiddenHere(&'static str),
    /// Something named by the request does not exist; the message names it.
    #[error("{0}")]
    NotFound(String),
    #[error("no route {method} {path}")]
    RouteNotFound { method: String, path: String },
    #[error("{0}")]
    Conflict(String),
    /// A conflict whose `details` tell the caller what would be accepted.
    #[error("{message}")]
    ConflictWith {
        message: String,
        details: ErrorDetails,
    },
    #[error("the request body is larger than {limit} bytes")]
    PayloadTooLarge { limit: usize },
    /// An upload within the body limit but beyond another bound (rows, cells, inflated bytes); the
    /// message locates it and names the setting.
    #[error("{message}")]
    TooLarge { message: String, limit: u64 },
    #[error("{method} is not allowed here; this path takes: {allow}")]
    MethodNotAllowed { method: String, allow: String },
    #[error("send the body as application/json (Content-Type was '{0}')")]
    UnsupportedMediaType(String),
    /// Too many requests (or failed sign-ins) from one client; retry after `retry_after` seconds.
    #[error("{message}; retry in {retry_after} s")]
    RateLimited { message: String, retry_after: u64 },
    #[error("the request took longer than {0} s")]
    Timeout(u64),
    #[error("origin '{0}' is not allowed")]
    OriginNotAllowed(String),
    /// The database does not answer; the cause as the store's client saw it.
    #[error("the database does not answer ({0}); this request needs it and was not done: retry once it is back (reads of the catalog and matching still answer)")]
    StoreUnavailable(String),
    /// Our fault. The message is logged, not sent.
    #[error("internal error: {0}")]
    Internal(String),
}

impl ApiError {
    pub fn bad_request(code: Code, message: impl Into<String>) -> ApiError {
        ApiError::BadRequest {
            code,
            message: message.into(),
        }
    }

    pub fn invalid(message: impl Into<String>, errors: Vec<FieldError>) -> ApiError {
        ApiError::Invalid {
            message: message.into(),
            errors,
            omitted: 0,
        }
    }

    pub fn code(&self) -> Code {
        match self {
            ApiError::BadRequest { code, .. } => *code,
            ApiError::Invalid { .. } => Code::Invalid,
            ApiError::Unauthorized | ApiError::BadAuthorization | ApiError::UnknownToken => {
                Code::Unauthorized
            }
            ApiError::Forbidden(_) | ApiError::ForbiddenHere(_) => Code::Forbidden,
            ApiError::NotFound(_) => Code::NotFound,
            ApiError::RouteNotFound { .. } => Code::RouteNotFound,
            ApiError::Conflict(_) | ApiError::ConflictWith { .. } => Code::Conflict,
            ApiError::PayloadTooLarge { .. } => Code::PayloadTooLarge,
            ApiError::TooLarge { .. } => Code::TooLarge,
            ApiError::MethodNotAllowed { .. } => Code::MethodNotAllowed,
            ApiError::UnsupportedMediaType(_) => Code::UnsupportedMediaType,
            ApiError::RateLimited { .. } => Code::RateLimited,
            ApiError::Timeout(_) => Code::Timeout,
            ApiError::OriginNotAllowed(_) => Code::OriginNotAllowed,
            ApiError::StoreUnavailable(_) => Code::StoreUnavailable,
            ApiError::Internal(_) => Code::Internal,
        }
    }

    pub fn no_resource(id: &str) -> ApiError {
        ApiError::NotFound(format!("no resource with id '{id}'"))
    }

    fn details(&self) -> ErrorDetails {
        match self {
            ApiError::Invalid {
                errors, omitted, ..
            } => ErrorDetails {
                total: Some(errors.len() + omitted),
                errors: Some(errors.iter().take(MAX_LISTED_ERRORS).cloned().collect()),
                ..ErrorDetails::default()
            },
            ApiError::PayloadTooLarge { limit } => ErrorDetails {
                limit: Some(*limit),
                ..ErrorDetails::default()
            },
            ApiError::TooLarge { limit, .. } => ErrorDetails {
                limit: Some(usize::try_from(*limit).unwrap_or(usize::MAX)),
                ..ErrorDetails::default()
            },
            ApiError::ConflictWith { details, .. } => details.clone(),
            _ => ErrorDetails::default(),
        }
    }

    /// The `{"error": {...}}` body.
    pub fn body(&self) -> ErrorBody {
        let message = match self {
            ApiError::Internal(_) => "internal error; the server log has the cause".to_string(),
            other => other.to_string(),
        };
        ErrorBody {
            error: ErrorObject {
                code: self.code(),
                message,
                details: self.details(),
            },
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.code().status()
    }

    fn error_response(&self) -> HttpResponse {
        if let ApiError::Internal(cause) = self {
            eprintln!("duijie serve: internal error: {cause}");
        }
        let mut response = HttpResponse::build(self.status_code());
        match self {
            ApiError::Unauthorized => {
                response.insert_header(("WWW-Authenticate", "Bearer"));
            }
            ApiError::MethodNotAllowed { allow, .. } => {
                response.insert_header(("Allow", allow.as_str()));
            }
            ApiError::RateLimited { retry_after, .. } => {
                response.insert_header(("Retry-After", retry_after.to_string()));
            }
            // RFC 6750: a token was sent, and it is not one.
            ApiError::BadAuthorization | ApiError::UnknownToken => {
                response.insert_header(("WWW-Authenticate", "Bearer error=\"invalid_token\""));
            }
            _ => {}
        }
        let mut response = response.json(self.body());
        crate::security_headers(
            response.headers_mut(),
            actix_web::http::header::HeaderValue::from_static(crate::CSP),
        );
        response
    }
}

/// A database that does not answer is 503 `store_unavailable` (logged once by the store, not per
/// request); any other store error is ours.
impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> ApiError {
        match error.unavailable() {
            Some(cause) => ApiError::StoreUnavailable(cause),
            None => ApiError::Internal(error.to_string()),
        }
    }
}

impl From<actix_web::error::BlockingError> for ApiError {
    fn from(error: actix_web::error::BlockingError) -> ApiError {
        ApiError::Internal(error.to_string())
    }
}
