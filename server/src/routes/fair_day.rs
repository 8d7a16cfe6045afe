//! The fair's day for brokers at the tables: `GET /api/v1/fairs/{id}/day` (the schedule with who
//! meets whom, the participants and whether they checked in, each meeting's outcome: what the
//! widget keeps for offline use), `POST .../checkins` and `POST .../meetings/{request}/outcome`.
//! Each write is recorded once per token and `idempotency_key` (a retry gets the entry it made,
//! 200), and a meeting's first `follow_up` records its engagement intent, with the fair's id, once.
//!
//! Who may do what: broker, editor and admin tokens read the day and record; an enterprise's is 403.

use actix_web::{web, HttpRequest, HttpResponse};
use serde::Serialize;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use crate::error::ApiError;
use crate::fair::outcomes::{
    follow_up_key, DayAction, DayActionKind, DayRequest, MeetingOutcome, Recorded,
};
use crate::fair::{FairData, Presence, Slot};
use crate::routes::fairs::{change, load, member, now, stored_need};
use crate::routes::openapi::{
    BadRequest, Conflict, Forbidden, Invalid, NotFound, PayloadTooLarge, Unauthorized,
};
use crate::routes::read_json;
use crate::state::AppState;
use crate::store::engagements::{Actor, Created, Enterprise, NewEngagement, ResourceCopy};

/// A participant as the broker's day shows them.
#[derive(Serialize, ToSchema)]
pub struct DayParticipant {
    /// `need:ID` or `resource:ID`.
    id: String,
    /// Who sits at the table: the need's enterprise, or the resource's title.
    name: String,
    title: String,
    /// The slots they are there.
    slots: Vec<usize>,
    presence: Presence,
    /// When they were first checked in (RFC 3339 UTC); null until then.
    checked_in_at: Option<String>,
}

/// One meeting of the schedule with both sides and its outcome.
#[derive(Serialize, ToSchema)]
pub struct DayMeeting {
    /// The meeting's request id (outcomes are recorded under it).
    request: String,
    slot: usize,
    /// Counted from 0; printed pages count from 1.
    table: usize,
    day: String,
    start: String,
    end: String,
    /// The need's participant id and who sits for it (its enterprise).
    need: String,
    need_name: String,
    need_title: String,
    /// The resource's participant id and its title.
    resource: String,
    resource_name: String,
    published: bool,
    /// The last outcome recorded; null until one is.
    #[schema(value_type = Option<MeetingOutcome>)]
    outcome: Option<MeetingOutcome>,
}

/// `GET /api/v1/fairs/{id}/day`.
#[derive(Serialize, ToSchema)]
pub struct DayView {
    fair: String,
    name: String,
    venue: String,
    days: Vec<String>,
    tables: usize,
    /// The schedule's revision (0: never scheduled).
    revision: u64,
    slots: Vec<Slot>,
    /// By id.
    participants: Vec<DayParticipant>,
    /// By slot, then table.
    meetings: Vec<DayMeeting>,
    /// Every check-in and outcome recorded, in order: each request applied once.
    actions: Vec<DayAction>,
}

/// What recording a check-in or an outcome gives back.
#[derive(Serialize, ToSchema)]
pub struct DayRecorded {
    /// The log entry's id.
    id: String,
    /// `checked_in`, or the outcome recorded (`held`, `no_show`, `follow_up`).
    status: String,
    action: DayAction,
    /// With `follow_up`: the id of the meeting's engagement (`/api/v1/engagements/{id}`).
    #[serde(skip_serializing_if = "Option::is_none")]
    engagement: Option<String>,
}

/// A check-in to record. Unknown fields are refused (422).
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct CheckInBody {
    /// `need:ID` or `resource:ID`, a participant of the fair.
    participant: String,
    /// The same key from the same token with the same body is this check-in again (200); with
    /// another body, 409.
    #[schema(min_length = 1, max_length = 200)]
    idempotency_key: Option<String>,
}

/// A meeting's outcome to record. Unknown fields are refused (422).
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct OutcomeBody {
    outcome: MeetingOutcome,
    #[schema(max_length = 2000)]
    note: Option<String>,
    /// As for a check-in.
    #[schema(min_length = 1, max_length = 200)]
    idempotency_key: Option<String>,
}

fn day_view(data: &FairData) -> DayView {
    let slots = data.fair.settings.slots();
    let participants = data
        .participants
        .iter()
        .map(|participant| DayParticipant {
            id: participant.id.clone(),
            name: participant.name.clone(),
            title: participant.title.clone(),
            slots: participant.slots.clone(),
            presence: participant.presence,
            checked_in_at: data
                .checked_in(&participant.id)
                .map(|action| action.at.clone()),
        })
        .collect();
    let meetings = data
        .meetings
        .iter()
        .filter_map(|meeting| {
            let request = data.request(&meeting.request)?;
            let slot = slots.get(meeting.slot)?;
            let (need, resource) = data.sides(request);
            let (need, resource) = (need?, resource?);
            Some(DayMeeting {
                request: request.id.clone(),
                slot: meeting.slot,
                table: meeting.table,
                day: slot.day.clone(),
                start: slot.start.clone(),
                end: slot.end.clone(),
                need: need.id.clone(),
                need_name: need.name.clone(),
                need_title: need.title.clone(),
                resource: resource.id.clone(),
                resource_name: resource.name.clone(),
                published: meeting.published,
                outcome: data
                    .outcome_of(&request.id)
                    .and_then(|action| action.outcome),
            })
        })
        .collect();
    DayView {
        fair: data.fair.id.clone(),
        name: data.fair.settings.name.clone(),
        venue: data.fair.settings.venue.clone(),
        days: data.fair.settings.days.clone(),
        tables: data.fair.settings.tables,
        revision: data.fair.revision,
        slots,
        participants,
        meetings,
        actions: data.actions.clone(),
    }
}

/// The fair's day for the brokers at the tables: the schedule (slots, tables, who meets whom), the
/// participants with their check-ins, each meeting's outcome, and the log of what was recorded.
///
/// A broker, editor or admin token.
#[utoipa::path(
    get,
    path = "/api/v1/fairs/{id}/day",
    tag = "fairs",
    operation_id = "fair_day",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The fair's id.")),
    responses(
        (status = 200, description = "The day.", body = DayView),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound)
    )
)]
pub async fn day(
    request: HttpRequest,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    member(&request, &state)?;
    let data = web::block(move || load(&state, &path)).await??;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(day_view(&data)))
}

/// Records `asked` in the fair `fair` for the caller, then (for a follow-up) its engagement.
fn record(
    state: &AppState,
    fair: &str,
    asked: DayRequest,
    by: Actor,
) -> Result<(bool, DayRecorded), ApiError> {
    let at = now();
    let recorded = change(state, fair, |data| {
        if let Some(request) = &asked.request {
            if !data
                .meetings
                .iter()
                .any(|meeting| &meeting.request == request)
            {
                return Err(ApiError::NotFound(format!(
                    "no meeting of request '{request}' in this fair's schedule"
                )));
            }
        }
        data.record(&asked, &by.token, &by.scope, &at)
            .map_err(|errors| ApiError::invalid("the record is not valid", errors))
    })?;
    let (new, action) = match recorded {
        Recorded::New(action) => (true, action),
        Recorded::Replayed(action) => (false, action),
        Recorded::KeyReused(id) => {
            return Err(ApiError::Conflict(format!(
            "idempotency_key was already used by this token for entry {id} with a different body"
        )))
        }
    };
    let engagement = match action.outcome {
        // On a retry too: the fair's entry may have been written and the engagement not.
        Some(MeetingOutcome::FollowUp) => {
            let request = action.request.clone().unwrap_or_default();
            Some(follow_up(state, fair, &request)?)
        }
        _ => None,
    };
    let status = match (action.kind, action.outcome) {
        (DayActionKind::Outcome, Some(outcome)) => outcome.as_str(),
        _ => "checked_in",
    };
    Ok((
        new,
        DayRecorded {
            id: action.id.clone(),
            status: status.to_string(),
            action,
            engagement,
        },
    ))
}

/// The engagement intent of the meeting of `request`, created the first time: by the token of the
/// meeting's first follow-up, under a key fixed by the fair and the request, so the store's
/// idempotency makes it exactly one whoever asks and however often. Its id.
fn follow_up(state: &AppState, fair: &str, request: &str) -> Result<String, ApiError> {
    let data = load(state, fair)?;
    let (Some(first), Some(meeting)) = (data.first_follow_up(request), data.request(request))
    else {
        return Err(ApiError::NotFound(format!(
            "no follow-up of request '{request}' in this fair"
        )));
    };
    let (need_side, _) = data.sides(meeting);
    let stored = stored_need(state, &meeting.need);
    let text = stored
        .as_ref()
        .map(|need| {
            if need.text.trim().is_empty() {
                need.title.clone()
            } else {
                need.text.clone()
            }
        })
        .or_else(|| need_side.map(|side| side.title.clone()))
        .filter(|text| !text.trim().is_empty())
        .unwrap_or_else(|| format!("对接会洽谈 {request}"));
    let resource = {
        let catalog = state.catalog();
        match catalog.get(&meeting.resource) {
            Some(resource) => ResourceCopy {
                kind: resource.kind.as_str().to_string(),
                title: resource.title.clone(),
                region: resource.region.clone(),
                disciplines: resource.disciplines.clone(),
                industries: resource.industries.clone(),
                society: resource.society.clone(),
            },
            // Gone from the catalog since the fair: what the fair knew of it.
            None => ResourceCopy {
                title: data
                    .participant(&crate::fair::resource_participant(&meeting.resource))
                    .map(|side| side.title.clone())
                    .unwrap_or_else(|| meeting.resource.clone()),
                ..ResourceCopy::default()
            },
        }
    };
    let key = follow_up_key(fair, request);
    let hash: String = Sha256::digest(key.as_bytes())
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect();
    let new = NewEngagement {
        need: json!({ "text": text }),
        resource_id: meeting.resource.clone(),
        resource,
        fair: Some(fair.to_string()),
        note: Some(format!(
            "{}：洽谈后续（{request}）",
            data.fair.settings.name
        )),
        enterprise: Enterprise {
            name: need_side.map(|side| side.name.clone()),
            region: None,
            need_id: Some(meeting.need.clone()),
        },
        at: crate::engagement::now_seconds(),
        by: Actor {
            token: first.by.clone(),
            scope: first.scope.clone(),
        },
        idempotency: Some((key, hash)),
    };
    match state.store.create_engagement(&new)? {
        Created::New(engagement) | Created::Replayed(engagement) => Ok(engagement.public_id),
        Created::KeyReused { id } => Ok(id),
    }
}

fn answer(new: bool, recorded: DayRecorded) -> HttpResponse {
    if new {
        HttpResponse::Created().json(recorded)
    } else {
        HttpResponse::Ok().json(recorded)
    }
}

/// Check a participant in.
///
/// A broker, editor or admin token. Recorded once per token and `idempotency_key`: a retry (same
/// key, same body) answers 200 with the entry it made; the same key with another body is a 409. A
/// participant checked in again is recorded again; the first check-in counts.
#[utoipa::path(
    post,
    path = "/api/v1/fairs/{id}/checkins",
    tag = "fairs",
    operation_id = "check_in",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The fair's id.")),
    request_body = CheckInBody,
    responses(
        (status = 201, description = "Recorded.", body = DayRecorded),
        (status = 200, description = "A retry: the entry recorded before.", body = DayRecorded),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
        (status = 413, response = PayloadTooLarge),
        (status = 422, response = Invalid)
    )
)]
pub async fn check_in(
    request: HttpRequest,
    path: web::Path<String>,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let who = member(&request, &state)?;
    let value: Value = read_json(&request, payload, state.config.body_limit).await?;
    let asked = DayRequest::check_in(&value)
        .map_err(|errors| ApiError::invalid("the check-in is not valid", errors))?;
    let by = Actor {
        token: who.token_id.clone(),
        scope: who.scope.as_str().to_string(),
    };
    let (new, recorded) = web::block(move || record(&state, &path, asked, by)).await??;
    Ok(answer(new, recorded))
}

/// Record a meeting's outcome: `held`, `no_show` or `follow_up` (held, and both sides want to go
/// on).
///
/// A broker, editor or admin token; the meeting must be in the fair's schedule. Recorded once per
/// token and `idempotency_key`, as a check-in. The last outcome recorded is the meeting's. The
/// meeting's first `follow_up` records an engagement intent (`POST /api/v1/engagements`' record,
/// with `fair` the fair's id and `need_id` the need), exactly once whoever records it and however
/// often; the answer names it.
#[utoipa::path(
    post,
    path = "/api/v1/fairs/{id}/meetings/{request}/outcome",
    tag = "fairs",
    operation_id = "meeting_outcome",
    security(("bearer" = [])),
    params(
        ("id" = String, Path, description = "The fair's id."),
        ("request" = String, Path, description = "The meeting's request id.")
    ),
    request_body = OutcomeBody,
    responses(
        (status = 201, description = "Recorded.", body = DayRecorded),
        (status = 200, description = "A retry: the entry recorded before.", body = DayRecorded),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
        (status = 413, response = PayloadTooLarge),
        (status = 422, response = Invalid)
    )
)]
pub async fn outcome(
    request: HttpRequest,
    path: web::Path<(String, String)>,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let who = member(&request, &state)?;
    let value: Value = read_json(&request, payload, state.config.body_limit).await?;
    let (fair, meeting) = path.into_inner();
    let asked = DayRequest::outcome(&meeting, &value)
        .map_err(|errors| ApiError::invalid("the outcome is not valid", errors))?;
    let by = Actor {
        token: who.token_id.clone(),
        scope: who.scope.as_str().to_string(),
    };
    let (new, recorded) = web::block(move || record(&state, &fair, asked, by)).await??;
    Ok(answer(new, recorded))
}
