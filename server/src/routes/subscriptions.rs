//! `/api/v1/subscriptions`: a stored need's standing order for precise push (create, list, read,
//! change, delete), the one-click unsubscribe link (`/unsubscribe/{token}`) and the Atom feed
//! (`/feeds/{token}.atom`). What is pushed and how is `crate::push`.

use actix_web::{web, HttpRequest, HttpResponse};
use duijie_core::{Band, FieldError, Kind};
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

use crate::auth::{caller, require_writer, Caller, Scope};
use crate::demand::{Demand, Viewer};
use crate::error::{ApiError, Code};
use crate::push::{feed_url, unsubscribe_url};
use crate::routes::openapi::{
    BadRequest, Forbidden, Invalid, NotFound, PayloadTooLarge, Unauthorized,
};
use crate::routes::read_json;
use crate::state::AppState;
use crate::store::push::{random_id, PushCounts, Subscription};

/// The most results a subscription's forward match may rank.
pub const MAX_TOP: usize = 100;

/// A subscription as its owner reads it (never the webhook secret).
#[derive(Serialize, ToSchema)]
pub struct SubscriptionView {
    pub id: String,
    pub need_id: String,
    /// The need's enterprise.
    pub organization: String,
    /// `webhook`, `email` or `feed`.
    pub channel: String,
    /// The webhook's URL.
    pub url: Option<String>,
    /// The e-mail address of the digest.
    pub email: Option<String>,
    /// Items need at least this fit.
    pub min_fit: f64,
    /// Items must rank within the need's top `top`.
    pub top: usize,
    /// `immediate`, `daily` or `weekly`.
    pub frequency: String,
    /// Resource kinds the need's forward match keeps; empty: all.
    pub kinds: Vec<String>,
    pub paused: bool,
    /// Why it is paused (by its owner, or after 3 days of failed deliveries).
    pub paused_reason: Option<String>,
    /// The last delivery error, while deliveries fail.
    pub last_error: Option<String>,
    /// Since when every delivery attempt failed (RFC 3339).
    pub failing_since: Option<String>,
    pub created_at: String,
    /// The subscription's Atom feed (a secret URL).
    pub feed_url: String,
    /// The one-click unsubscribe link every delivery carries.
    pub unsubscribe_url: String,
}

/// A new subscription, with the webhook secret (shown this once).
#[derive(Serialize, ToSchema)]
pub struct SubscriptionCreated {
    pub subscription: SubscriptionView,
    /// The HMAC-SHA256 key of the `Duijie-Signature` header: `t=UNIX_SECONDS,v1=HEX(HMAC-SHA256(secret, "t.body"))`.
    pub secret: String,
}

/// The subscriptions the caller may manage.
#[derive(Serialize, ToSchema)]
pub struct SubscriptionList {
    pub items: Vec<SubscriptionView>,
}

/// A deleted subscription.
#[derive(Serialize, ToSchema)]
pub struct SubscriptionDeleted {
    pub id: String,
    pub deleted: bool,
}

/// The body of a create or change.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct SubscriptionBody {
    /// The stored need (create only).
    need_id: Option<String>,
    /// `webhook`, `email` or `feed` (create only).
    channel: Option<String>,
    /// A webhook's `https://` (or `http://`) URL.
    url: Option<String>,
    /// An e-mail digest's address.
    email: Option<String>,
    /// Default: the lower edge of the strong band.
    min_fit: Option<f64>,
    /// Default 10, at most 100.
    top: Option<usize>,
    /// `immediate` (default), `daily` or `weekly`.
    frequency: Option<String>,
    kinds: Option<Vec<String>>,
    paused: Option<bool>,
}

/// The days `GET /api/v1/push/stats` counts, today included.
pub const STATS_DAYS: i64 = 14;

/// One UTC day's delivery attempts.
#[derive(Serialize, ToSchema)]
pub struct PushDay {
    /// `YYYY-MM-DD` (UTC).
    pub day: String,
    /// Deliveries that went through that day.
    pub delivered: i64,
    /// Delivery attempts that failed that day (a delivery retried five times counts five).
    pub failed: i64,
}

/// A subscription whose deliveries fail or that is paused, with why.
#[derive(Serialize, ToSchema)]
pub struct PushTrouble {
    pub id: String,
    pub need_id: String,
    pub organization: String,
    pub channel: String,
    pub paused: bool,
    /// Why it is paused (by its owner, or after 3 days of failed deliveries).
    pub paused_reason: Option<String>,
    /// The last delivery error, while deliveries fail.
    pub last_error: Option<String>,
    /// Since when every delivery attempt failed (RFC 3339).
    pub failing_since: Option<String>,
}

/// The push figures the dashboard shows.
#[derive(Serialize, ToSchema)]
pub struct PushStats {
    /// The last 14 UTC days, oldest first, today last (days without attempts count 0).
    pub days: Vec<PushDay>,
    /// Subscriptions, paused ones, queued deliveries, delivered ones, items waiting for a digest
    /// and catalog changes not yet derived, now.
    pub counts: PushCounts,
    /// Subscriptions that are failing now (not paused), by id.
    pub failing: Vec<PushTrouble>,
    /// Paused subscriptions with their reason, by id.
    pub paused: Vec<PushTrouble>,
}

fn view(state: &AppState, subscription: &Subscription) -> SubscriptionView {
    let base = &state.push.base_url();
    SubscriptionView {
        id: subscription.id.clone(),
        need_id: subscription.need_id.clone(),
        organization: subscription.organization.clone(),
        channel: subscription.channel.clone(),
        url: subscription.url.clone(),
        email: subscription.email.clone(),
        min_fit: subscription.min_fit,
        top: subscription.top,
        frequency: subscription.frequency.clone(),
        kinds: subscription.kinds.clone(),
        paused: subscription.paused,
        paused_reason: subscription.paused_reason.clone(),
        last_error: subscription.last_error.clone(),
        failing_since: subscription
            .failing_since
            .map(duijie_core::time::format_utc),
        created_at: duijie_core::time::format_utc(subscription.created_at),
        feed_url: feed_url(base, subscription),
        unsubscribe_url: unsubscribe_url(base, subscription),
    }
}

/// Who may create subscriptions: every scope, an enterprise for its own needs only.
fn manager(request: &HttpRequest, state: &AppState) -> Result<Caller, ApiError> {
    caller(request, state)
}

/// Who may list, read, change and delete subscriptions once made: the need's enterprise, an
/// editor or an admin. Not a broker: a broker saves a need's subscription for an enterprise from
/// the widget (the create's answer is its own), but the subscriptions' e-mail addresses and
/// webhook URLs are the enterprises' contacts, and any broker could redirect them (a review
/// moved a webhook to another host with a broker token).
fn keeper(request: &HttpRequest, state: &AppState) -> Result<Caller, ApiError> {
    let who = caller(request, state)?;
    if who.scope == Scope::Broker {
        return Err(ApiError::Forbidden(who.scope.to_string()));
    }
    Ok(who)
}

fn may_manage(who: &Caller, organization: &str) -> Result<(), ApiError> {
    match who.scope {
        Scope::Enterprise if who.organization.as_deref() != Some(organization) => {
            Err(ApiError::Forbidden("enterprise".to_string()))
        }
        _ => Ok(()),
    }
}

/// The organisation a subscription is managed by: its need's, now (an admin may have given the
/// need to another organisation since), or the one it was made for when the need is gone.
fn organization_of(demand: &Demand, subscription: &Subscription) -> String {
    demand.get(&subscription.need_id).map_or_else(
        || subscription.organization.clone(),
        |entry| entry.need.organization.clone(),
    )
}

fn no_subscription(id: &str) -> ApiError {
    ApiError::NotFound(format!("no subscription with id '{id}'"))
}

/// Reads the settings of `body` onto `subscription`, every error located by field.
fn apply_body(
    subscription: &mut Subscription,
    body: &serde_json::Map<String, Value>,
    private_hosts: bool,
    errors: &mut Vec<FieldError>,
) {
    for (name, value) in body {
        match name.as_str() {
            "url" => match value.as_str() {
                Some(url)
                    if ["http://", "https://"].iter().any(|scheme| {
                        url.strip_prefix(scheme)
                            .is_some_and(|rest| !rest.is_empty() && !rest.starts_with('/'))
                    }) && url.len() <= 2048 =>
                {
                    match crate::webhook_hosts::refusal(url).filter(|_| !private_hosts) {
                        Some(why) => errors.push(FieldError::new("url", why)),
                        None => subscription.url = Some(url.to_string()),
                    }
                }
                _ => errors.push(FieldError::new(
                    "url",
                    "must be an http:// or https:// URL of at most 2048 bytes",
                )),
            },
            "email" => match value.as_str() {
                Some(email)
                    if email.contains('@')
                        && email.len() <= 254
                        && !email.contains(['\r', '\n', '<', '>', ' ', ',']) =>
                {
                    subscription.email = Some(email.to_string())
                }
                _ => errors.push(FieldError::new("email", "must be an e-mail address")),
            },
            "min_fit" => match value.as_f64() {
                Some(fit) if (0.0..=1.0).contains(&fit) => subscription.min_fit = fit,
                _ => errors.push(FieldError::new("min_fit", "must be a number from 0 to 1")),
            },
            "top" => match value.as_u64() {
                Some(top) if (1..=MAX_TOP as u64).contains(&top) => subscription.top = top as usize,
                _ => errors.push(FieldError::new(
                    "top",
                    format!("must be an integer from 1 to {MAX_TOP}"),
                )),
            },
            "frequency" => match value.as_str() {
                Some(frequency @ ("immediate" | "daily" | "weekly")) => {
                    subscription.frequency = frequency.to_string()
                }
                _ => errors.push(FieldError::new(
                    "frequency",
                    "must be immediate, daily or weekly",
                )),
            },
            "kinds" => {
                let kinds: Option<Vec<String>> = value.as_array().and_then(|kinds| {
                    kinds
                        .iter()
                        .map(|kind| {
                            kind.as_str()
                                .filter(|kind| Kind::parse(kind).is_some())
                                .map(str::to_string)
                        })
                        .collect()
                });
                match kinds {
                    Some(kinds) => subscription.kinds = kinds,
                    None => errors.push(FieldError::new(
                        "kinds",
                        "must be a list of expert, achievement, patent, organization",
                    )),
                }
            }
            "paused" => match value.as_bool() {
                Some(paused) => {
                    subscription.paused = paused;
                    if paused {
                        subscription.paused_reason = Some("paused by its owner".to_string());
                    } else {
                        subscription.paused_reason = None;
                        subscription.failing_since = None;
                    }
                }
                None => errors.push(FieldError::new("paused", "must be true or false")),
            },
            "need_id" | "channel" => {}
            other => errors.push(FieldError::new(other, "is not a field of a subscription")),
        }
    }
}

/// Create a subscription of a stored need.
///
/// The need's enterprise token (its own needs only), a broker, editor or admin token. After each
/// catalog change, every resource the change added or changed that now ranks in the need's top
/// `top` with fit ≥ `min_fit` is pushed once per content version, on the channel: a signed webhook
/// POST, an e-mail digest (`daily`/`weekly`, or each change), or the Atom feed. A webhook's
/// `secret` is in this answer only.
#[utoipa::path(
    post,
    path = "/api/v1/subscriptions",
    tag = "subscriptions",
    operation_id = "create_subscription",
    security(("bearer" = [])),
    request_body(content = SubscriptionBody, description = "`need_id` and `channel`; `url` for a webhook, `email` for e-mail; the rest optional."),
    responses(
        (status = 201, description = "Created.", body = SubscriptionCreated,
            headers(("Location" = String, description = "The new subscription's URL."))),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 413, response = PayloadTooLarge),
        (status = 422, response = Invalid)
    )
)]
pub async fn create(
    request: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let who = manager(&request, &state)?;
    let value = read_json(&request, payload, state.config.body_limit).await?;
    let Value::Object(body) = value else {
        return Err(ApiError::bad_request(
            Code::BadJson,
            "the body must be a JSON object",
        ));
    };
    let need_id = body
        .get("need_id")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let channel = body
        .get("channel")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let mut errors = Vec::new();
    if need_id.is_empty() {
        errors.push(FieldError::new("need_id", "is required"));
    }
    if !matches!(channel.as_str(), "webhook" | "email" | "feed") {
        errors.push(FieldError::new("channel", "must be webhook, email or feed"));
    }
    if !errors.is_empty() {
        return Err(ApiError::invalid("the subscription is not valid", errors));
    }
    let need = {
        let demand = state.demand.current();
        let entry = demand
            .get(&need_id)
            .ok_or_else(|| crate::demand::no_need(&need_id))?;
        Viewer::of(Some(&who)).may_read(&entry.need)?;
        entry.need.clone()
    };
    may_manage(&who, &need.organization)?;
    let now = state.push.clock().now();
    // Changes committed from now on are pushed to it, not those before (even if not yet derived).
    let since_generation = state
        .store
        .version()?
        .map_or(0, |(_, generation)| generation);
    let mut subscription = Subscription {
        id: random_id("sub-")?,
        need_id,
        organization: need.organization.clone(),
        channel,
        url: None,
        email: None,
        min_fit: Band::Strong.min_fit(),
        top: 10,
        frequency: "immediate".to_string(),
        kinds: Vec::new(),
        paused: false,
        paused_reason: None,
        secret: random_id("whsec_")?,
        feed_token: random_id("")?,
        unsubscribe_token: random_id("")?,
        created_at: now,
        failing_since: None,
        last_error: None,
        last_batch_at: now,
        since_generation,
    };
    apply_body(
        &mut subscription,
        &body,
        state.push.allows_private_hosts(),
        &mut errors,
    );
    if subscription.channel == "webhook" && subscription.url.is_none() {
        errors.push(FieldError::new("url", "is required for a webhook"));
    }
    if subscription.channel == "email" && subscription.email.is_none() {
        errors.push(FieldError::new("email", "is required for e-mail"));
    }
    if !errors.is_empty() {
        return Err(ApiError::invalid("the subscription is not valid", errors));
    }
    let stored = subscription.clone();
    let store = state.store.clone();
    web::block(move || store.insert_subscription(&stored)).await??;
    Ok(HttpResponse::Created()
        .insert_header((
            "Location",
            format!("/api/v1/subscriptions/{}", subscription.id),
        ))
        .json(SubscriptionCreated {
            subscription: view(&state, &subscription),
            secret: subscription.secret.clone(),
        }))
}

/// List subscriptions.
///
/// An editor or admin token, or an enterprise's for its own needs' (a broker's is 403).
#[utoipa::path(
    get,
    path = "/api/v1/subscriptions",
    tag = "subscriptions",
    operation_id = "list_subscriptions",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The subscriptions the caller may manage, by id.", body = SubscriptionList),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden)
    )
)]
pub async fn list(
    request: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let who = keeper(&request, &state)?;
    let store = state.store.clone();
    let subscriptions = web::block(move || store.subscriptions()).await??;
    let demand = state.demand.current();
    let items = subscriptions
        .iter()
        .filter(|subscription| may_manage(&who, &organization_of(&demand, subscription)).is_ok())
        .map(|subscription| view(&state, subscription))
        .collect();
    Ok(HttpResponse::Ok().json(SubscriptionList { items }))
}

async fn managed(
    request: &HttpRequest,
    state: &web::Data<AppState>,
    id: &str,
) -> Result<Subscription, ApiError> {
    let who = keeper(request, state)?;
    let store = state.store.clone();
    let wanted = id.to_string();
    let subscription = web::block(move || store.subscription(&wanted))
        .await??
        .ok_or_else(|| no_subscription(id))?;
    may_manage(
        &who,
        &organization_of(&state.demand.current(), &subscription),
    )?;
    Ok(subscription)
}

/// Read a subscription.
#[utoipa::path(
    get,
    path = "/api/v1/subscriptions/{id}",
    tag = "subscriptions",
    operation_id = "get_subscription",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The subscription's id.")),
    responses(
        (status = 200, description = "The subscription.", body = SubscriptionView),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound)
    )
)]
pub async fn get(
    request: HttpRequest,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let subscription = managed(&request, &state, &path).await?;
    Ok(HttpResponse::Ok().json(view(&state, &subscription)))
}

/// Change a subscription: pause or resume it, its frequency, thresholds, kinds or address.
///
/// Resuming (`"paused": false`) clears the reason and retries its waiting deliveries now.
#[utoipa::path(
    patch,
    path = "/api/v1/subscriptions/{id}",
    tag = "subscriptions",
    operation_id = "patch_subscription",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The subscription's id.")),
    request_body(content = SubscriptionBody, description = "The fields to change (not `need_id` or `channel`)."),
    responses(
        (status = 200, description = "Changed.", body = SubscriptionView),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 413, response = PayloadTooLarge),
        (status = 422, response = Invalid)
    )
)]
pub async fn patch(
    request: HttpRequest,
    path: web::Path<String>,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let mut subscription = managed(&request, &state, &path).await?;
    let value = read_json(&request, payload, state.config.body_limit).await?;
    let Value::Object(body) = value else {
        return Err(ApiError::bad_request(
            Code::BadJson,
            "the body must be a JSON object",
        ));
    };
    let mut errors = Vec::new();
    for fixed in ["need_id", "channel"] {
        if body
            .get(fixed)
            .is_some_and(|given| given.as_str() != Some(field_of(&subscription, fixed)))
        {
            errors.push(FieldError::new(
                fixed,
                "cannot change: delete the subscription and create another",
            ));
        }
    }
    apply_body(
        &mut subscription,
        &body,
        state.push.allows_private_hosts(),
        &mut errors,
    );
    if !errors.is_empty() {
        return Err(ApiError::invalid("the change is not valid", errors));
    }
    let stored = subscription.clone();
    let store = state.store.clone();
    web::block(move || store.update_subscription(&stored)).await??;
    state.push.wake();
    Ok(HttpResponse::Ok().json(view(&state, &subscription)))
}

fn field_of<'a>(subscription: &'a Subscription, name: &str) -> &'a str {
    match name {
        "need_id" => &subscription.need_id,
        _ => &subscription.channel,
    }
}

/// Delete a subscription, with its waiting items and deliveries.
#[utoipa::path(
    delete,
    path = "/api/v1/subscriptions/{id}",
    tag = "subscriptions",
    operation_id = "delete_subscription",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The subscription's id.")),
    responses(
        (status = 200, description = "Deleted.", body = SubscriptionDeleted),
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
    let subscription = managed(&request, &state, &path).await?;
    let store = state.store.clone();
    let id = subscription.id.clone();
    web::block(move || store.delete_subscription(&id)).await??;
    Ok(HttpResponse::Ok().json(SubscriptionDeleted {
        id: subscription.id,
        deleted: true,
    }))
}

/// The unsubscribe link every delivery carries: a page asking to confirm, which deletes nothing.
///
/// No token: the link's secret is the authority. Mail scanners and link previews fetch links by
/// `GET` (and `HEAD`), so these only show a small Chinese page whose form `POST`s to the same
/// address; the `POST` (also the RFC 8058 one-click request mail clients send, see
/// `List-Unsubscribe-Post`) deletes the subscription.
#[utoipa::path(
    get,
    path = "/unsubscribe/{token}",
    tag = "subscriptions",
    operation_id = "unsubscribe",
    params(("token" = String, Path, description = "The subscription's unsubscribe secret.")),
    responses(
        (status = 200, description = "A page asking to confirm (nothing is deleted).", body = String, content_type = "text/html"),
        (status = 404, response = NotFound)
    )
)]
pub async fn unsubscribe(
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let token = path.into_inner();
    let store = state.store.clone();
    let wanted = token.clone();
    let subscription =
        web::block(move || store.subscription_by_token("unsubscribe_token", &wanted))
            .await??
            .ok_or_else(unsubscribed_already)?;
    let need = crate::markup::escape(&need_title(&state, &subscription));
    let channel = match subscription.channel.as_str() {
        "email" => "电子邮件",
        "webhook" => "Webhook",
        _ => "订阅源",
    };
    let action = crate::markup::escape(&format!("/unsubscribe/{}", url_segment(&token)));
    Ok(page(format!(
        "<title>退订推送</title>\
         <h1>退订推送</h1>\
         <p>确定不再接收需求「{need}」的推送（{channel}）吗？</p>\
         <form method=\"post\" action=\"{action}\">\
         <input type=\"hidden\" name=\"List-Unsubscribe\" value=\"One-Click\">\
         <button type=\"submit\">确认退订</button></form>"
    )))
}

/// One-click unsubscribe by `POST` (RFC 8058): deletes the subscription.
///
/// The body is ignored: mail clients send `List-Unsubscribe=One-Click`, the confirmation page's
/// form sends the same.
#[utoipa::path(
    post,
    path = "/unsubscribe/{token}",
    tag = "subscriptions",
    operation_id = "unsubscribe_post",
    params(("token" = String, Path, description = "The subscription's unsubscribe secret.")),
    responses(
        (status = 200, description = "Unsubscribed (a page saying so).", body = String, content_type = "text/html"),
        (status = 404, response = NotFound)
    )
)]
pub async fn unsubscribe_post(
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let token = path.into_inner();
    let store = state.store.clone();
    let gone = web::block(move || -> Result<Option<Subscription>, ApiError> {
        let Some(subscription) = store.subscription_by_token("unsubscribe_token", &token)? else {
            return Ok(None);
        };
        store.delete_subscription(&subscription.id)?;
        Ok(Some(subscription))
    })
    .await??
    .ok_or_else(unsubscribed_already)?;
    let need = crate::markup::escape(&need_title(&state, &gone));
    Ok(page(format!(
        "<title>已退订</title><p>已退订：需求「{need}」不再推送。</p>"
    )))
}

fn unsubscribed_already() -> ApiError {
    ApiError::NotFound("no subscription has this link (already unsubscribed?)".to_string())
}

/// The need's title, or its id when the need is gone.
fn need_title(state: &AppState, subscription: &Subscription) -> String {
    state
        .demand
        .current()
        .get(&subscription.need_id)
        .map_or_else(
            || subscription.need_id.clone(),
            |entry| entry.need.title.clone(),
        )
}

/// A path segment with every byte outside the unreserved set percent-encoded (tokens are hex, but
/// the path is what the caller sent).
fn url_segment(text: &str) -> String {
    text.bytes()
        .map(|byte| match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                char::from(byte).to_string()
            }
            other => format!("%{other:02X}"),
        })
        .collect()
}

/// A small Chinese page, never cached (its link is a secret).
fn page(body: String) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header(("Cache-Control", "no-store"))
        .body(format!(
            "<!doctype html><html lang=\"zh\"><meta charset=\"utf-8\">\
             <meta name=\"robots\" content=\"noindex\">{body}</html>"
        ))
}

/// A subscription's Atom 1.0 feed: its newest 100 items.
///
/// No token: the URL's secret is the authority.
#[utoipa::path(
    get,
    path = "/feeds/{token}.atom",
    tag = "subscriptions",
    operation_id = "subscription_feed",
    params(("token" = String, Path, description = "The subscription's feed secret.")),
    responses(
        (status = 200, description = "The feed.", body = String, content_type = "application/atom+xml"),
        (status = 404, response = NotFound)
    )
)]
pub async fn feed(
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let token = path.into_inner();
    let store = state.store.clone();
    let found = web::block(move || -> Result<_, ApiError> {
        let Some(subscription) = store.subscription_by_token("feed_token", &token)? else {
            return Ok(None);
        };
        let items = store.subscription_items(&subscription.id, 100)?;
        Ok(Some((subscription, items)))
    })
    .await??;
    let (subscription, items) =
        found.ok_or_else(|| ApiError::NotFound("no feed at this address".to_string()))?;
    let title = need_title(&state, &subscription);
    Ok(HttpResponse::Ok()
        .content_type("application/atom+xml; charset=utf-8")
        .body(crate::push::atom_feed(
            &state.push.base_url(),
            &subscription,
            &title,
            &items,
        )))
}

/// Push figures for the dashboard.
///
/// Editor or admin. Delivery attempts per UTC day over the last 14 days (delivered, failed), the
/// counts of subscriptions and queues, the subscriptions whose deliveries fail now and the paused
/// ones with their reason.
#[utoipa::path(
    get,
    path = "/api/v1/push/stats",
    tag = "subscriptions",
    operation_id = "push_stats",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The figures.", body = PushStats),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden)
    )
)]
pub async fn stats(
    request: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    require_writer(&request, &state)?;
    let today = state.push.clock().now().div_euclid(86_400);
    let first = today - (STATS_DAYS - 1);
    let store = state.store.clone();
    let (counted, counts, subscriptions) = web::block(move || {
        Ok::<_, crate::store::StoreError>((
            store.push_attempt_days(first)?,
            store.push_counts()?,
            store.subscriptions()?,
        ))
    })
    .await??;
    let days = (first..=today)
        .map(|day| {
            let (delivered, failed) = counted
                .iter()
                .find(|(at, _, _)| *at == day)
                .map_or((0, 0), |(_, delivered, failed)| (*delivered, *failed));
            PushDay {
                day: duijie_core::time::format_utc(day * 86_400)[..10].to_string(),
                delivered,
                failed,
            }
        })
        .collect();
    let trouble = |subscription: &Subscription| PushTrouble {
        id: subscription.id.clone(),
        need_id: subscription.need_id.clone(),
        organization: subscription.organization.clone(),
        channel: subscription.channel.clone(),
        paused: subscription.paused,
        paused_reason: subscription.paused_reason.clone(),
        last_error: subscription.last_error.clone(),
        failing_since: subscription
            .failing_since
            .map(duijie_core::time::format_utc),
    };
    let mut failing: Vec<PushTrouble> = subscriptions
        .iter()
        .filter(|subscription| !subscription.paused && subscription.failing_since.is_some())
        .map(trouble)
        .collect();
    let mut paused: Vec<PushTrouble> = subscriptions
        .iter()
        .filter(|subscription| subscription.paused)
        .map(trouble)
        .collect();
    failing.sort_by(|a, b| a.id.cmp(&b.id));
    paused.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(HttpResponse::Ok().json(PushStats {
        days,
        counts,
        failing,
        paused,
    }))
}
