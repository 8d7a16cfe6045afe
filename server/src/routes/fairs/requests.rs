//! A fair's meeting requests: made one at a time or in bulk, suggested by fit, and answered by the
//! other side.

use std::collections::{BTreeMap, HashMap};

use actix_web::{web, HttpRequest, HttpResponse};
use duijie_core::FieldError;
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

use crate::auth::{caller, Caller, Scope};
use crate::error::ApiError;
use crate::fair::{
    fits_of, need_participant, pair_fit, resource_participant, Answer, Decision, FairData,
    MeetingRequest, NewRequest, Participant, Presence, RequestStatus, Requester,
};
use crate::import::{check_text_safety, checked};
use crate::routes::fairs::{change, load, now, stored_need};
use crate::routes::openapi::{
    BadRequest, Conflict, Forbidden, Invalid, NotFound, PayloadTooLarge, Unauthorized,
};
use crate::routes::{number_param, query_params, read_json};
use crate::state::AppState;
use crate::store::engagements::new_public_id;

pub const SUGGESTIONS_QUERY: &[&str] = &["limit"];
const DEFAULT_SUGGESTIONS: usize = 50;
const MAX_SUGGESTIONS: usize = 2000;
/// Most requests one bulk send creates.
const MAX_BULK: usize = 5000;

/// `GET /api/v1/fairs/{id}/requests`.
#[derive(Serialize, ToSchema)]
pub struct RequestList {
    /// In creation order.
    items: Vec<MeetingRequest>,
}

/// Requests the organiser sends at once (typically from the suggestions).
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct BulkBody {
    requests: Vec<NewRequest>,
}

/// The answer to a bulk send.
#[derive(Serialize, ToSchema)]
pub struct BulkSent {
    /// The requests created, marked `suggested`.
    items: Vec<MeetingRequest>,
    /// Pairs skipped because they already have a request that is not cancelled.
    existing: usize,
}

/// A pair duijie suggests: a registered need and a registered resource without a request yet.
#[derive(Serialize, ToSchema)]
pub struct Suggestion {
    need: String,
    resource: String,
    /// The pair's fit, as a request between them would carry it.
    fit: f64,
    /// The need's enterprise.
    enterprise: String,
    need_title: String,
    resource_title: String,
}

/// `GET /api/v1/fairs/{id}/suggestions`.
#[derive(Serialize, ToSchema)]
pub struct SuggestionList {
    /// Best fit first (ties by need, then resource id).
    items: Vec<Suggestion>,
}

/// Whether the enterprise caller owns the need participant `need` of the fair.
fn owns_need(data: &FairData, who: &Caller, need: &str) -> bool {
    data.participant(&need_participant(need))
        .is_some_and(|participant| Some(&participant.name) == who.organization.as_ref())
}

/// A fair's meeting requests.
///
/// Any token; an enterprise sees the requests of its own needs only.
#[utoipa::path(
    get,
    path = "/api/v1/fairs/{id}/requests",
    tag = "fairs",
    operation_id = "list_requests",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The fair's id.")),
    responses(
        (status = 200, description = "The requests, in creation order.", body = RequestList),
        (status = 401, response = Unauthorized),
        (status = 404, response = NotFound)
    )
)]
pub async fn requests(
    request: HttpRequest,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let who = caller(&request, &state)?;
    let data = web::block(move || load(&state, &path)).await??;
    let items = data
        .requests
        .iter()
        .filter(|request| who.scope != Scope::Enterprise || owns_need(&data, &who, &request.need))
        .cloned()
        .collect();
    Ok(HttpResponse::Ok().json(RequestList { items }))
}

/// Checks a new request against the fair: both sides registered, no live request for the pair.
fn check_new(data: &FairData, new: &NewRequest, at: &str) -> Result<(), ApiError> {
    let mut errors = Vec::new();
    let field = |name: &str| {
        if at.is_empty() {
            name.to_string()
        } else {
            format!("{at}.{name}")
        }
    };
    if data.participant(&need_participant(&new.need)).is_none() {
        errors.push(FieldError::new(
            field("need"),
            format!("need '{}' is not registered for this fair", new.need),
        ));
    }
    if data
        .participant(&resource_participant(&new.resource))
        .is_none()
    {
        errors.push(FieldError::new(
            field("resource"),
            format!(
                "resource '{}' is not registered for this fair",
                new.resource
            ),
        ));
    }
    if !errors.is_empty() {
        return Err(ApiError::invalid("the request is not valid", errors));
    }
    Ok(())
}

/// The live (not cancelled) request of a pair, if any.
fn live_request<'a>(data: &'a FairData, need: &str, resource: &str) -> Option<&'a MeetingRequest> {
    data.requests.iter().find(|request| {
        request.need == need
            && request.resource == resource
            && request.status != RequestStatus::Cancelled
    })
}

fn new_request(
    new: NewRequest,
    fit: f64,
    who: &Caller,
    suggested: bool,
) -> Result<MeetingRequest, ApiError> {
    Ok(MeetingRequest {
        id: new_public_id()?.chars().take(16).collect(),
        need: new.need,
        resource: new.resource,
        fit,
        priority: new.priority.unwrap_or(1.0),
        status: RequestStatus::Pending,
        reason: None,
        note: new.note,
        requested_by: match who.scope {
            Scope::Enterprise => Requester::Enterprise,
            Scope::Broker => Requester::Broker,
            Scope::Admin | Scope::Editor => Requester::Organizer,
        },
        requested_token: who.token_id.clone(),
        suggested,
        created_at: now(),
        answered_at: None,
        answered_by: None,
    })
}

/// Request a meeting between a registered need and a registered resource.
///
/// A broker, an editor or admin (the organiser), or the enterprise owning the need (403 for
/// another's). The request carries the pair's fit (`POST /api/v1/match`'s score for the resource,
/// 0 when it is not among the need's best 100); only the organiser sets `priority`. 409 when the
/// pair already has a request that is not cancelled.
#[utoipa::path(
    post,
    path = "/api/v1/fairs/{id}/requests",
    tag = "fairs",
    operation_id = "create_request",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The fair's id.")),
    request_body(content = NewRequest, description = "The pair."),
    responses(
        (status = 201, description = "Requested.", body = MeetingRequest),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
        (status = 413, response = PayloadTooLarge),
        (status = 422, response = Invalid)
    )
)]
pub async fn create_request(
    request: HttpRequest,
    path: web::Path<String>,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let who = caller(&request, &state)?;
    let value = read_json(&request, payload, state.config.body_limit).await?;
    let new = checked(&value, Vec::new(), |value| NewRequest::from_json(value, ""))
        .map_err(|errors| ApiError::invalid("the request is not valid", errors))?;
    if new.priority.is_some() && !who.scope.can_write() {
        return Err(ApiError::invalid(
            "the request is not valid",
            vec![FieldError::new(
                "priority",
                "only the organiser sets a priority",
            )],
        ));
    }
    let answer = web::block(move || {
        let catalog = state.catalog();
        change(&state, &path, |data| {
            if who.scope == Scope::Enterprise && !owns_need(data, &who, &new.need) {
                return Err(ApiError::Forbidden("enterprise".to_string()));
            }
            check_new(data, &new, "")?;
            if let Some(existing) = live_request(data, &new.need, &new.resource) {
                return Err(ApiError::Conflict(format!(
                    "the pair already has request {}",
                    existing.id
                )));
            }
            let fit = stored_need(&state, &new.need)
                .map_or(0.0, |need| pair_fit(&catalog, &need, &new.resource));
            let created = new_request(new, fit, &who, false)?;
            data.requests.push(created.clone());
            Ok(created)
        })
    })
    .await??;
    Ok(HttpResponse::Created().json(answer))
}

/// Send many requests at once: the organiser's bulk send of suggested pairs.
///
/// Editor or admin. Every pair is checked first (422 names each wrong one, `requests[3].need`, and
/// nothing is sent); pairs that already have a live request are skipped and counted. The requests
/// are marked `suggested`.
#[utoipa::path(
    post,
    path = "/api/v1/fairs/{id}/requests/bulk",
    tag = "fairs",
    operation_id = "send_requests",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The fair's id.")),
    request_body(content = BulkBody, description = "The pairs."),
    responses(
        (status = 201, description = "Sent.", body = BulkSent),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 413, response = PayloadTooLarge),
        (status = 422, response = Invalid)
    )
)]
pub async fn send_requests(
    request: HttpRequest,
    path: web::Path<String>,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let who = caller(&request, &state)?;
    if !who.scope.can_write() {
        return Err(ApiError::Forbidden(who.scope.to_string()));
    }
    let value = read_json(&request, payload, state.config.body_limit).await?;
    let mut errors = check_text_safety(&value);
    let mut pairs = Vec::new();
    match value.get("requests") {
        Some(Value::Array(items)) if items.len() <= MAX_BULK => {
            for (index, item) in items.iter().enumerate() {
                match NewRequest::from_json(item, &format!("requests[{index}]")) {
                    Ok(new) => pairs.push(new),
                    Err(more) => errors.extend(more),
                }
            }
        }
        _ => errors.push(FieldError::new(
            "requests",
            format!("must be a list of at most {MAX_BULK} {{\"need\", \"resource\"}}"),
        )),
    }
    if value.as_object().is_some_and(|object| object.len() > 1) {
        errors.push(FieldError::new("", "the body holds only `requests`"));
    }
    if !errors.is_empty() {
        return Err(ApiError::invalid("the requests are not valid", errors));
    }
    let answer = web::block(move || {
        let catalog = state.catalog();
        change(&state, &path, |data| {
            let mut errors = Vec::new();
            for (index, new) in pairs.iter().enumerate() {
                if let Err(ApiError::Invalid { errors: more, .. }) =
                    check_new(data, new, &format!("requests[{index}]"))
                {
                    errors.extend(more);
                }
            }
            if !errors.is_empty() {
                return Err(ApiError::invalid("the requests are not valid", errors));
            }
            let mut fits: HashMap<String, HashMap<String, f64>> = HashMap::new();
            let mut items = Vec::new();
            let mut existing = 0;
            for new in pairs {
                if live_request(data, &new.need, &new.resource).is_some() {
                    existing += 1;
                    continue;
                }
                let of_need = fits.entry(new.need.clone()).or_insert_with(|| {
                    stored_need(&state, &new.need)
                        .map(|need| fits_of(&catalog, &need).into_iter().collect())
                        .unwrap_or_default()
                });
                let fit = of_need.get(&new.resource).copied().unwrap_or(0.0);
                let created = new_request(new, fit, &who, true)?;
                data.requests.push(created.clone());
                items.push(created);
            }
            Ok(BulkSent { items, existing })
        })
    })
    .await??;
    Ok(HttpResponse::Created().json(answer))
}

/// The best-fitting pairs among the registered participants, for the organiser to send.
///
/// Editor or admin. For each present need, the present resources among its best 100 matches (the
/// matcher's fit, the number `POST /api/v1/match` gives the pair), without a live request yet;
/// best fit first.
#[utoipa::path(
    get,
    path = "/api/v1/fairs/{id}/suggestions",
    tag = "fairs",
    operation_id = "suggest_requests",
    security(("bearer" = [])),
    params(
        ("id" = String, Path, description = "The fair's id."),
        ("limit" = Option<usize>, Query, description = "How many: 50 by default, at most 2,000.")
    ),
    responses(
        (status = 200, description = "Suggested pairs.", body = SuggestionList),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound)
    )
)]
pub async fn suggestions(
    request: HttpRequest,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    crate::auth::require_writer(&request, &state)?;
    let params = query_params(&request, SUGGESTIONS_QUERY)?;
    let limit = number_param(&params, "limit", DEFAULT_SUGGESTIONS)?.clamp(1, MAX_SUGGESTIONS);
    let answer = web::block(move || {
        let data = load(&state, &path)?;
        let catalog = state.catalog();
        let resources: BTreeMap<&str, &Participant> = data
            .participants
            .iter()
            .filter(|participant| participant.presence == Presence::Present)
            .filter_map(|participant| Some((participant.resource.as_deref()?, participant)))
            .collect();
        let mut items = Vec::new();
        for participant in &data.participants {
            let Some(need_id) = participant.need.as_deref() else {
                continue;
            };
            if participant.presence != Presence::Present {
                continue;
            }
            let Some(need) = stored_need(&state, need_id) else {
                continue;
            };
            for (resource, fit) in fits_of(&catalog, &need) {
                let Some(side) = resources.get(resource.as_str()) else {
                    continue;
                };
                if fit <= 0.0 || live_request(&data, need_id, &resource).is_some() {
                    continue;
                }
                items.push(Suggestion {
                    need: need_id.to_string(),
                    resource,
                    fit,
                    enterprise: participant.name.clone(),
                    need_title: participant.title.clone(),
                    resource_title: side.title.clone(),
                });
            }
        }
        items.sort_by(|a, b| {
            b.fit
                .total_cmp(&a.fit)
                .then_with(|| a.need.cmp(&b.need))
                .then_with(|| a.resource.cmp(&b.resource))
        });
        items.truncate(limit);
        Ok::<_, ApiError>(SuggestionList { items })
    })
    .await??;
    Ok(HttpResponse::Ok().json(answer))
}

/// Answer a request: accept, decline (with a reason), or cancel.
///
/// The other side answers: the enterprise owning the need (a request it did not make) or a broker
/// (for the resource; not a request its own token made). The organiser (editor or admin) accepts or
/// declines on a participant's behalf only after the fair's request deadline (409 before). A
/// decline needs its reason: `not_relevant`, `too_early`, `no_capacity` or `other`. Cancel (the
/// organiser, a broker or the owning enterprise) withdraws a pending or accepted request and frees
/// its table; a published meeting's table is filled at the next re-plan. 409 when the request's
/// status does not allow the decision (`details`-free; the message names the status).
#[utoipa::path(
    post,
    path = "/api/v1/fairs/{id}/requests/{request}/answer",
    tag = "fairs",
    operation_id = "answer_request",
    security(("bearer" = [])),
    params(
        ("id" = String, Path, description = "The fair's id."),
        ("request" = String, Path, description = "The request's id.")
    ),
    request_body(content = Answer, description = "The decision."),
    responses(
        (status = 200, description = "Answered.", body = MeetingRequest),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
        (status = 413, response = PayloadTooLarge),
        (status = 422, response = Invalid)
    )
)]
pub async fn answer(
    request: HttpRequest,
    path: web::Path<(String, String)>,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let who = caller(&request, &state)?;
    let value = read_json(&request, payload, state.config.body_limit).await?;
    let answer = Answer::from_json(&value)
        .map_err(|errors| ApiError::invalid("the answer is not valid", errors))?;
    let (fair, id) = path.into_inner();
    let answered = web::block(move || {
        change(&state, &fair, |data| {
            let position = data
                .requests
                .iter()
                .position(|request| request.id == id)
                .ok_or_else(|| ApiError::NotFound(format!("no request with id '{id}' in this fair")))?;
            let current = data.requests[position].clone();
            let enterprise_owns = who.scope == Scope::Enterprise && owns_need(data, &who, &current.need);
            if who.scope == Scope::Enterprise && !enterprise_owns {
                return Err(ApiError::Forbidden("enterprise".to_string()));
            }
            let status_name = |status: RequestStatus| {
                serde_json::to_value(status)
                    .ok()
                    .and_then(|value| value.as_str().map(str::to_string))
                    .unwrap_or_default()
            };
            let answered_by = match answer.decision {
                Decision::Cancel => {
                    if !matches!(current.status, RequestStatus::Pending | RequestStatus::Accepted) {
                        return Err(ApiError::Conflict(format!(
                            "request {id} is {}: only a pending or accepted request can be cancelled",
                            status_name(current.status)
                        )));
                    }
                    match who.scope {
                        Scope::Enterprise => Requester::Enterprise,
                        Scope::Broker => Requester::Broker,
                        Scope::Admin | Scope::Editor => Requester::Organizer,
                    }
                }
                Decision::Accept | Decision::Decline => {
                    if current.status != RequestStatus::Pending {
                        return Err(ApiError::Conflict(format!(
                            "request {id} is {}: only a pending request is accepted or declined",
                            status_name(current.status)
                        )));
                    }
                    match who.scope {
                        Scope::Enterprise => {
                            if current.requested_by == Requester::Enterprise {
                                return Err(ApiError::ForbiddenHere(
                                    "the other side answers a request: an enterprise does not answer its own",
                                ));
                            }
                            Requester::Enterprise
                        }
                        Scope::Broker => {
                            if current.requested_token == who.token_id {
                                return Err(ApiError::ForbiddenHere(
                                    "the other side answers a request: a broker does not answer its own",
                                ));
                            }
                            Requester::Broker
                        }
                        Scope::Admin | Scope::Editor => {
                            let deadline = data.fair.settings.deadline();
                            if crate::engagement::now_seconds() <= deadline {
                                return Err(ApiError::Conflict(format!(
                                    "the participants answer until the request deadline ({}); after it the organiser may answer on their behalf",
                                    data.fair.settings.request_deadline
                                )));
                            }
                            Requester::Organizer
                        }
                    }
                }
            };
            let request = &mut data.requests[position];
            request.status = match answer.decision {
                Decision::Accept => RequestStatus::Accepted,
                Decision::Decline => RequestStatus::Declined,
                Decision::Cancel => RequestStatus::Cancelled,
            };
            request.reason = answer.reason;
            request.answered_at = Some(now());
            request.answered_by = Some(answered_by);
            let request = request.clone();
            if request.status == RequestStatus::Cancelled {
                let before = data.meetings.clone();
                data.meetings.retain(|meeting| meeting.request != request.id);
                data.note_dropped(&before);
            }
            Ok(request)
        })
    })
    .await??;
    Ok(HttpResponse::Ok().json(answered))
}
