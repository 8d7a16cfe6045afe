//! `/api/v1/fairs`: docking fairs (对接会). The organiser (an editor or admin) sets a fair up and
//! registers participants (stored needs, standing for their enterprises, and resources); brokers,
//! the organiser and enterprises request meetings, duijie suggests the best-fitting pairs, the other
//! side accepts or declines; the organiser schedules the accepted requests (`duijie-schedule`),
//! publishes the schedule and re-plans after changes without moving a published meeting; agendas and
//! table plans print as pages and load into calendars (`.ics`); the fair's figures feed the dashboard.
//!
//! Who may do what: any token reads fairs, their participants and (an enterprise: its own needs')
//! requests; brokers, editors and admins read the schedule, the table plan and the fair's figures, and
//! an enterprise its own agendas; only editors and admins change fairs, participants and schedules.

mod calendars;
mod participants;
mod requests;
mod schedule;

use actix_web::{web, HttpRequest, HttpResponse};
use duijie_core::model::NeedRecord;
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

use crate::auth::{caller, Caller, Scope};
use crate::error::ApiError;
use crate::fair::{Fair, FairData, Presence, RequestStatus, Settings, Slot};
use crate::import::checked;
use crate::routes::openapi::{
    BadRequest, Conflict, Forbidden, Invalid, NotFound, PayloadTooLarge, Unauthorized,
};
use crate::routes::read_json;
use crate::state::AppState;
use crate::store::engagements::new_public_id;

pub use crate::routes::fairs::calendars::*;
pub use crate::routes::fairs::participants::*;
pub use crate::routes::fairs::requests::*;
pub use crate::routes::fairs::schedule::*;

/// A fair with the slots its settings give and counts of what it holds.
#[derive(Serialize, ToSchema)]
pub struct FairView {
    #[serde(flatten)]
    fair: Fair,
    /// The meeting slots, derived from the days, times, breaks and slot length.
    slots: Vec<Slot>,
    counts: FairCounts,
}

#[derive(Serialize, ToSchema)]
pub struct FairCounts {
    participants: usize,
    /// Participants not marked no-show.
    present: usize,
    requests: usize,
    pending: usize,
    accepted: usize,
    declined: usize,
    cancelled: usize,
    /// Meetings in the current schedule.
    meetings: usize,
    /// Of which published.
    published: usize,
}

/// `GET /api/v1/fairs`.
#[derive(Serialize, ToSchema)]
pub struct FairList {
    /// By id.
    items: Vec<Fair>,
}

pub(crate) fn now() -> String {
    duijie_core::time::format_utc(crate::engagement::now_seconds())
}

pub(crate) fn no_fair(id: &str) -> ApiError {
    ApiError::NotFound(format!("no fair with id '{id}'"))
}

pub(crate) fn load(state: &AppState, id: &str) -> Result<FairData, ApiError> {
    state.store.fair(id)?.ok_or_else(|| no_fair(id))
}

/// Runs `change` on the stored fair `id` in one transaction: 404 when there is none.
pub(crate) fn change<T: Send>(
    state: &AppState,
    id: &str,
    change: impl FnOnce(&mut FairData) -> Result<T, ApiError> + Send,
) -> Result<T, ApiError> {
    state.store.change_fair(id, |current| {
        let mut data = current.ok_or_else(|| no_fair(id))?;
        let answer = change(&mut data)?;
        data.fair.updated_at = now();
        Ok((data, answer))
    })
}

fn counts(data: &FairData) -> FairCounts {
    let count = |status| {
        data.requests
            .iter()
            .filter(|request| request.status == status)
            .count()
    };
    FairCounts {
        participants: data.participants.len(),
        present: data
            .participants
            .iter()
            .filter(|participant| participant.presence == Presence::Present)
            .count(),
        requests: data.requests.len(),
        pending: count(RequestStatus::Pending),
        accepted: count(RequestStatus::Accepted),
        declined: count(RequestStatus::Declined),
        cancelled: count(RequestStatus::Cancelled),
        meetings: data.meetings.len(),
        published: data
            .meetings
            .iter()
            .filter(|meeting| meeting.published)
            .count(),
    }
}

fn view(data: &FairData) -> FairView {
    FairView {
        fair: data.fair.clone(),
        slots: data.fair.settings.slots(),
        counts: counts(data),
    }
}

/// A token of a broker, an editor or an admin (401 without one, 403 for an enterprise).
pub(crate) fn member(request: &HttpRequest, state: &AppState) -> Result<Caller, ApiError> {
    let who = caller(request, state)?;
    if who.scope == Scope::Enterprise {
        return Err(ApiError::Forbidden(who.scope.to_string()));
    }
    Ok(who)
}

fn settings_from(value: &Value) -> Result<Settings, ApiError> {
    checked(value, Vec::new(), Settings::from_json)
        .map_err(|errors| ApiError::invalid("the fair is not valid", errors))
}

/// Create a docking fair.
///
/// Editor or admin. The slots follow from the days, `day_start`, `day_end`, the breaks and
/// `slot_minutes`; the answer lists them. 422 names every field that is wrong.
#[utoipa::path(
    post,
    path = "/api/v1/fairs",
    tag = "fairs",
    operation_id = "create_fair",
    security(("bearer" = [])),
    request_body(content = Settings, description = "The fair."),
    responses(
        (status = 201, description = "Created.", body = FairView,
            headers(("Location" = String, description = "The new fair's URL."))),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 413, response = PayloadTooLarge),
        (status = 422, response = Invalid)
    )
)]
pub async fn create(
    request: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    crate::auth::require_writer(&request, &state)?;
    let value = read_json(&request, payload, state.config.body_limit).await?;
    let settings = settings_from(&value)?;
    let answer = web::block(move || {
        let id: String = new_public_id()?.chars().take(16).collect();
        let at = now();
        let data = FairData {
            fair: Fair {
                id: id.clone(),
                settings,
                created_at: at.clone(),
                updated_at: at,
                revision: 0,
            },
            participants: Vec::new(),
            requests: Vec::new(),
            meetings: Vec::new(),
            actions: Vec::new(),
            dropped: Vec::new(),
        };
        let answer = view(&data);
        state.store.change_fair(&id, |current| match current {
            Some(_) => Err(ApiError::Conflict(format!("fair '{id}' exists"))),
            None => Ok((data, ())),
        })?;
        Ok::<_, ApiError>(answer)
    })
    .await??;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/fairs/{}", answer.fair.id)))
        .json(answer))
}

/// The fairs.
///
/// Any token.
#[utoipa::path(
    get,
    path = "/api/v1/fairs",
    tag = "fairs",
    operation_id = "list_fairs",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Every fair, by id.", body = FairList),
        (status = 401, response = Unauthorized)
    )
)]
pub async fn list(
    request: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    caller(&request, &state)?;
    let items = web::block(move || state.store.fairs()).await??;
    Ok(HttpResponse::Ok().json(FairList { items }))
}

/// One fair, its slots and counts.
///
/// Any token.
#[utoipa::path(
    get,
    path = "/api/v1/fairs/{id}",
    tag = "fairs",
    operation_id = "get_fair",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The fair's id.")),
    responses(
        (status = 200, description = "The fair.", body = FairView),
        (status = 401, response = Unauthorized),
        (status = 404, response = NotFound)
    )
)]
pub async fn get(
    request: HttpRequest,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    caller(&request, &state)?;
    let data = web::block(move || load(&state, &path)).await??;
    Ok(HttpResponse::Ok().json(view(&data)))
}

/// Change a fair's settings.
///
/// Editor or admin. The whole settings, validated as on creation; 409 when the new slots or tables
/// would leave out a participant's slot or a scheduled meeting.
#[utoipa::path(
    put,
    path = "/api/v1/fairs/{id}",
    tag = "fairs",
    operation_id = "put_fair",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The fair's id.")),
    request_body(content = Settings, description = "The fair's settings."),
    responses(
        (status = 200, description = "Stored.", body = FairView),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
        (status = 413, response = PayloadTooLarge),
        (status = 422, response = Invalid)
    )
)]
pub async fn put(
    request: HttpRequest,
    path: web::Path<String>,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    crate::auth::require_writer(&request, &state)?;
    let value = read_json(&request, payload, state.config.body_limit).await?;
    let settings = settings_from(&value)?;
    let answer = web::block(move || {
        change(&state, &path, |data| {
            let n_slots = settings.slots().len();
            if let Some(participant) = data
                .participants
                .iter()
                .find(|participant| participant.slots.iter().any(|slot| *slot >= n_slots))
            {
                return Err(ApiError::Conflict(format!(
                    "participant {} attends a slot the new settings do not have ({n_slots} slots); change their slots first",
                    participant.id
                )));
            }
            if let Some(meeting) = data
                .meetings
                .iter()
                .find(|meeting| meeting.slot >= n_slots || meeting.table >= settings.tables)
            {
                return Err(ApiError::Conflict(format!(
                    "request {} meets at slot {}, table {}, which the new settings do not have",
                    meeting.request, meeting.slot, meeting.table
                )));
            }
            data.fair.settings = settings;
            Ok(())
        })?;
        load(&state, &path)
    })
    .await??;
    Ok(HttpResponse::Ok().json(view(&answer)))
}

pub(crate) fn stored_need(state: &AppState, id: &str) -> Option<std::sync::Arc<NeedRecord>> {
    state
        .demand
        .current()
        .get(id)
        .map(|entry| entry.need.clone())
}
