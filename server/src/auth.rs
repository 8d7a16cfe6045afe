//! API tokens: 32 random bytes shown once as hex, stored as their SHA-256, compared in constant time.
//! Reads are public; catalog writes need an `editor` or `admin` token; an `enterprise` token acts for
//! one organisation and writes only its needs.

use std::fmt;

use actix_web::HttpRequest;
use serde::Serialize;
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use crate::error::ApiError;
use crate::state::AppState;
use crate::store::{Store, StoreError};

/// What a token may do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// Everything, including exports.
    Admin,
    /// Catalog writes, imports and exports.
    Editor,
    /// Brokers at a fair: reads (members' needs too), and recording and moving engagements; no
    /// catalog writes.
    Broker,
    /// An enterprise: creates needs of its organisation, and reads and changes only those.
    Enterprise,
}

impl Scope {
    pub const ALL: [Scope; 4] = [
        Scope::Admin,
        Scope::Editor,
        Scope::Broker,
        Scope::Enterprise,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Admin => "admin",
            Scope::Editor => "editor",
            Scope::Broker => "broker",
            Scope::Enterprise => "enterprise",
        }
    }

    pub fn parse(text: &str) -> Option<Scope> {
        Scope::ALL.into_iter().find(|scope| scope.as_str() == text)
    }

    /// Whether this scope may change or export the catalog.
    pub fn can_write(self) -> bool {
        matches!(self, Scope::Admin | Scope::Editor)
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error("the operating system gave no random bytes: {0}")]
    Random(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("an enterprise token needs its organization (--organization), and only it takes one")]
    Organization,
}

/// Creates a token of `scope` in `store` and returns it; only its hash is kept. An enterprise token
/// acts for `organization` (and only it has one).
pub fn create_token(
    store: &Store,
    scope: Scope,
    organization: Option<&str>,
) -> Result<String, TokenError> {
    let organization = organization.map(str::trim).filter(|name| !name.is_empty());
    if (scope == Scope::Enterprise) != organization.is_some() {
        return Err(TokenError::Organization);
    }
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|error| TokenError::Random(error.to_string()))?;
    let token: String = bytes.iter().map(|byte| format!("{byte:02x}")).collect();
    store.insert_token(&hash(&token), scope.as_str(), organization)?;
    Ok(token)
}

fn hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

/// Equality that takes the same time wherever the inputs differ.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The scope of the request's bearer token: 401 without one (or with one the store does not know,
/// which the message says).
pub fn caller_scope(request: &HttpRequest, state: &AppState) -> Result<Scope, ApiError> {
    Ok(caller(request, state)?.scope)
}

/// Who is calling: the token's id (the first 16 hex digits of its SHA-256, so records can name the
/// token without holding it) and its scope. 401 without a valid token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Caller {
    pub token_id: String,
    pub scope: Scope,
    /// The organisation an enterprise token acts for.
    pub organization: Option<String>,
}

/// A client that sent more unknown tokens than `auth_failures_per_min` allows gets 429 for every
/// request with a token until its allowance refills, before its token is even looked at.
pub fn caller(request: &HttpRequest, state: &AppState) -> Result<Caller, ApiError> {
    let Some(header) = request
        .headers()
        .get(actix_web::http::header::AUTHORIZATION)
    else {
        return Err(ApiError::Unauthorized);
    };
    let ip = crate::throttle::client_ip(request);
    if let Some(limiter) = &state.auth_failures {
        limiter
            .check(ip)
            .map_err(|retry_after| ApiError::RateLimited {
                message: "too many requests with an unknown token from this address".to_string(),
                retry_after,
            })?;
    }
    // A refusal counts against this address's allowance.
    let refused = |error: ApiError| {
        if let Some(limiter) = &state.auth_failures {
            let _ = limiter.take(ip);
        }
        error
    };
    let token = header
        .to_str()
        .ok()
        .and_then(|value| value.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|token| !token.is_empty())
        .ok_or_else(|| refused(ApiError::BadAuthorization))?;
    let wanted = hash(token);
    let mut found = None;
    // Every stored hash is compared, so the time does not tell which one matched.
    for stored in state.store.tokens()? {
        if constant_time_eq(&stored.hash, &wanted) {
            found = Scope::parse(&stored.scope).map(|scope| (scope, stored.organization));
        }
    }
    let (scope, organization) = found.ok_or_else(|| refused(ApiError::UnknownToken))?;
    Ok(Caller {
        token_id: token_id(&wanted),
        scope,
        organization,
    })
}

/// A token's id, as records name who made them (`created_by`) and `duijie token list` and `revoke`
/// name tokens: the first 16 hex digits of the SHA-256 the store keeps, never the token.
pub fn token_id(hash: &[u8]) -> String {
    hash.iter()
        .take(8)
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

/// The caller when the request has an `Authorization` header; `None` without one. A header with an
/// unknown token is still a 401, so a mistyped token does not pass as anonymous.
pub fn optional_caller(
    request: &HttpRequest,
    state: &AppState,
) -> Result<Option<Caller>, ApiError> {
    if request
        .headers()
        .contains_key(actix_web::http::header::AUTHORIZATION)
    {
        caller(request, state).map(Some)
    } else {
        Ok(None)
    }
}

/// 401 without a valid token, 403 when its scope may not write.
pub fn require_writer(request: &HttpRequest, state: &AppState) -> Result<Scope, ApiError> {
    let scope = caller_scope(request, state)?;
    if !scope.can_write() {
        return Err(ApiError::Forbidden(scope.to_string()));
    }
    Ok(scope)
}
