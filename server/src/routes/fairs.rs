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

use std::collections::{BTreeMap, HashMap, HashSet};

use actix_web::{web, HttpRequest, HttpResponse};
use duijie_core::model::NeedRecord;
use duijie_core::FieldError;
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

use crate::auth::{caller, Caller, Scope};
use crate::error::ApiError;
use crate::fair::figures::{
    figures, Figures, OutcomeFigures, ParticipantFigures, RequestFigures, ScheduleFigures,
};
use crate::fair::{
    day, fits_of, need_participant, pair_fit, resource_participant, Answer, Decision, Fair,
    FairData, Meeting, MeetingRequest, NewRequest, Participant, Presence, Registration,
    RequestStatus, Requester, Settings, Slot,
};
use crate::import::{check_text_safety, checked, decode_records};
use crate::routes::catalog::{import_request, refusal_to_error, ImportMode, ImportRequest};
use crate::routes::openapi::{
    BadRequest, Conflict, Forbidden, Invalid, NotFound, PayloadTooLarge, Unauthorized,
};
use crate::routes::{number_param, query_params, read_body, read_json};
use crate::state::AppState;
use crate::stats::{one_group, Group, GroupBy};
use crate::store::engagements::new_public_id;

pub const SUGGESTIONS_QUERY: &[&str] = &["limit"];
const DEFAULT_SUGGESTIONS: usize = 50;
const MAX_SUGGESTIONS: usize = 2000;
/// Most requests one bulk send creates.
const MAX_BULK: usize = 5000;

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

/// `GET /api/v1/fairs/{id}/participants`.
#[derive(Serialize, ToSchema)]
pub struct ParticipantList {
    /// By id.
    items: Vec<Participant>,
}

/// A participant to register (`need` or `resource`, not both).
#[derive(Serialize, ToSchema)]
pub struct RegistrationBody {
    /// A stored need's id: its enterprise meets.
    #[serde(skip_serializing_if = "Option::is_none")]
    need: Option<String>,
    /// A resource's id in the catalog.
    #[serde(skip_serializing_if = "Option::is_none")]
    resource: Option<String>,
    /// The slot indices they are there (default: all).
    #[serde(skip_serializing_if = "Option::is_none")]
    slots: Option<Vec<usize>>,
    /// Their own maximum of meetings (the fair's when lower).
    #[serde(skip_serializing_if = "Option::is_none")]
    max_meetings: Option<usize>,
    /// `present` (default) or `no_show`.
    #[serde(skip_serializing_if = "Option::is_none")]
    presence: Option<Presence>,
}

/// The answer to an import of participants.
#[derive(Serialize, ToSchema)]
pub struct ParticipantsImported {
    imported: usize,
    added: usize,
    updated: usize,
    /// Removed by a `replace` import.
    removed: usize,
    mode: ImportMode,
    dry_run: bool,
}

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

/// One meeting of the schedule, with its time.
#[derive(Serialize, ToSchema)]
pub struct ScheduledMeeting {
    request: String,
    need: String,
    resource: String,
    slot: usize,
    /// Counted from 0; printed pages count from 1.
    table: usize,
    day: String,
    start: String,
    end: String,
    /// fit × priority.
    weight: f64,
    published: bool,
}

/// The fair's schedule.
#[derive(Serialize, ToSchema)]
pub struct ScheduleView {
    /// How many times the fair has been scheduled (0: never).
    revision: u64,
    /// The total weight of the meetings.
    objective: f64,
    /// By slot, then table.
    meetings: Vec<ScheduledMeeting>,
    /// Accepted requests (between present participants) without a meeting.
    unscheduled: Vec<String>,
    published: usize,
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

/// A fair's participants.
///
/// Any token.
#[utoipa::path(
    get,
    path = "/api/v1/fairs/{id}/participants",
    tag = "fairs",
    operation_id = "list_participants",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The fair's id.")),
    responses(
        (status = 200, description = "The participants, by id.", body = ParticipantList),
        (status = 401, response = Unauthorized),
        (status = 404, response = NotFound)
    )
)]
pub async fn participants(
    request: HttpRequest,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    caller(&request, &state)?;
    let data = web::block(move || load(&state, &path)).await??;
    Ok(HttpResponse::Ok().json(ParticipantList {
        items: data.participants,
    }))
}

/// The participant a registration makes, against the stored needs and the catalog.
fn participant_of(
    state: &AppState,
    registration: &Registration,
    n_slots: usize,
) -> Result<Participant, Vec<FieldError>> {
    let demand = state.demand.current();
    let catalog = state.catalog();
    let need = registration
        .need
        .as_deref()
        .and_then(|id| demand.get(id))
        .map(|entry| entry.need.clone());
    let resource = registration
        .resource
        .as_deref()
        .and_then(|id| catalog.get(id));
    registration.participant(need.as_deref(), resource, n_slots, &now())
}

fn registration_from(value: &Value) -> Result<Registration, ApiError> {
    checked(value, Vec::new(), Registration::from_json)
        .map_err(|errors| ApiError::invalid("the participant is not valid", errors))
}

/// Register a participant.
///
/// Editor or admin. `{"need": ID}` (a stored need: its enterprise meets; several needs of one
/// enterprise are one person to the scheduler, present in the union of their slots) or
/// `{"resource": ID}` (a resource of the catalog), with the slots they are there (default all:
/// half a day, or a gap, is a shorter list) and their own maximum of meetings. 409 when already
/// registered (`PUT .../participants/{participant}` changes one).
#[utoipa::path(
    post,
    path = "/api/v1/fairs/{id}/participants",
    tag = "fairs",
    operation_id = "add_participant",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The fair's id.")),
    request_body(content = RegistrationBody, description = "Who, and when they are there."),
    responses(
        (status = 201, description = "Registered.", body = Participant),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
        (status = 413, response = PayloadTooLarge),
        (status = 422, response = Invalid)
    )
)]
pub async fn add_participant(
    request: HttpRequest,
    path: web::Path<String>,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    crate::auth::require_writer(&request, &state)?;
    let value = read_json(&request, payload, state.config.body_limit).await?;
    let registration = registration_from(&value)?;
    let answer = web::block(move || {
        change(&state, &path, |data| {
            let n_slots = data.fair.settings.slots().len();
            let participant = participant_of(&state, &registration, n_slots)
                .map_err(|errors| ApiError::invalid("the participant is not valid", errors))?;
            if data.participant(&participant.id).is_some() {
                return Err(ApiError::Conflict(format!(
                    "{} is registered; PUT /api/v1/fairs/{}/participants/{} changes it",
                    participant.id, data.fair.id, participant.id
                )));
            }
            data.participants.push(participant.clone());
            data.participants.sort_by(|a, b| a.id.cmp(&b.id));
            Ok(participant)
        })
    })
    .await??;
    Ok(HttpResponse::Created().json(answer))
}

/// Change a participant: their slots, maximum, or presence.
///
/// Editor or admin. The body names the same need or resource as the path (`need:ID`,
/// `resource:ID`); an unregistered one is registered. `"presence": "no_show"` takes their requests
/// out of the next schedule (a late registration is a new participant); published meetings of
/// others stay where they are.
#[utoipa::path(
    put,
    path = "/api/v1/fairs/{id}/participants/{participant}",
    tag = "fairs",
    operation_id = "put_participant",
    security(("bearer" = [])),
    params(
        ("id" = String, Path, description = "The fair's id."),
        ("participant" = String, Path, description = "`need:ID` or `resource:ID`.")
    ),
    request_body(content = RegistrationBody, description = "Who, and when they are there."),
    responses(
        (status = 200, description = "Stored.", body = Participant),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 413, response = PayloadTooLarge),
        (status = 422, response = Invalid)
    )
)]
pub async fn put_participant(
    request: HttpRequest,
    path: web::Path<(String, String)>,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    crate::auth::require_writer(&request, &state)?;
    let value = read_json(&request, payload, state.config.body_limit).await?;
    let registration = registration_from(&value)?;
    let (fair, id) = path.into_inner();
    if registration.id != id {
        return Err(ApiError::invalid(
            "the body names another participant than the path",
            vec![FieldError::new(
                if registration.need.is_some() {
                    "need"
                } else {
                    "resource"
                },
                format!("names '{}', the path '{id}'", registration.id),
            )],
        ));
    }
    let answer = web::block(move || {
        change(&state, &fair, |data| {
            let n_slots = data.fair.settings.slots().len();
            let mut participant = participant_of(&state, &registration, n_slots)
                .map_err(|errors| ApiError::invalid("the participant is not valid", errors))?;
            match data.participants.iter_mut().find(|old| old.id == id) {
                Some(old) => {
                    participant.registered_at = old.registered_at.clone();
                    *old = participant.clone();
                }
                None => {
                    data.participants.push(participant.clone());
                    data.participants.sort_by(|a, b| a.id.cmp(&b.id));
                }
            }
            Ok(participant)
        })
    })
    .await??;
    Ok(HttpResponse::Ok().json(answer))
}

/// Import participants from JSON Lines, CSV or XLSX, all or nothing.
///
/// Editor or admin. One participant per row: `need` or `resource` (需求编号, 资源编号), `slots`
/// (时段: slot indices separated by `;`), `max_meetings` (最多洽谈数), `presence` (出席). The
/// format, encoding and bounds as `POST /api/v1/import`; errors located by line, column and field
/// (422), nothing written. `mode=replace` makes the participants exactly the upload's (refused with
/// 409 when it would drop a participant with requests, or more than half without
/// `allow_shrink=true`).
#[utoipa::path(
    post,
    path = "/api/v1/fairs/{id}/participants/import",
    tag = "fairs",
    operation_id = "import_participants",
    security(("bearer" = [])),
    params(
        ("id" = String, Path, description = "The fair's id."),
        ("format" = Option<String>, Query, description = "`jsonl`, `csv` or `xlsx`; else the Content-Type says it."),
        ("encoding" = Option<String>, Query, description = "CSV only: `utf-8` or `gbk`; detected when absent."),
        ("dry_run" = Option<bool>, Query, description = "Validate only; write nothing."),
        ("mode" = Option<ImportMode>, Query, description = "`upsert` (default) or `replace`."),
        ("allow_shrink" = Option<bool>, Query, description = "With `replace`: allow removing more than half of the participants.")
    ),
    request_body(
        description = "One participant per line (JSON Lines) or row (CSV, XLSX).",
        content(
            (String = "application/x-ndjson"),
            (String = "text/csv"),
            (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        )
    ),
    responses(
        (status = 200, description = "Imported (or, with `dry_run`, valid).", body = ParticipantsImported),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
        (status = 413, response = PayloadTooLarge),
        (status = 422, response = Invalid)
    )
)]
pub async fn import_participants(
    request: HttpRequest,
    path: web::Path<String>,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    crate::auth::require_writer(&request, &state)?;
    let ImportRequest {
        format,
        encoding,
        dry_run,
        allow_shrink,
        replace,
    } = import_request(&request)?;
    let body = read_body(&request, payload, state.config.import_limit).await?;
    let limits = state.config.import_limits();
    let answer = web::block(move || -> Result<ParticipantsImported, ApiError> {
        let rows: Vec<Registration> =
            decode_records(format, &body, encoding, &limits).map_err(refusal_to_error)?;
        if rows.is_empty() {
            return Err(ApiError::invalid(
                "the upload has no participants; nothing was imported",
                vec![FieldError::new("", "the upload has no rows")],
            ));
        }
        let fair = path.into_inner();
        let imported = rows.len();
        let mut answer = None;
        let mut run = |data: &mut FairData| -> Result<(), ApiError> {
            let n_slots = data.fair.settings.slots().len();
            let mut errors = Vec::new();
            let mut participants = Vec::new();
            // Checked against the fair and the stored needs and catalog: each error names the
            // row's participant (`id`), which is one row of the upload.
            for row in &rows {
                match participant_of(&state, row, n_slots) {
                    Ok(participant) => participants.push(participant),
                    Err(more) => errors.extend(more),
                }
            }
            if !errors.is_empty() {
                return Err(ApiError::invalid(
                    "some participants are not valid; nothing was imported",
                    errors,
                ));
            }
            let new_ids: HashSet<&str> = participants.iter().map(|p| p.id.as_str()).collect();
            let mut removed = 0;
            if replace {
                let leaving: Vec<&Participant> = data
                    .participants
                    .iter()
                    .filter(|old| !new_ids.contains(old.id.as_str()))
                    .collect();
                if let Some(busy) = leaving.iter().find(|old| {
                    data.requests.iter().any(|request| {
                        need_participant(&request.need) == old.id
                            || resource_participant(&request.resource) == old.id
                    })
                }) {
                    return Err(ApiError::Conflict(format!(
                        "this replace would remove {}, who has meeting requests; mark them no_show instead",
                        busy.id
                    )));
                }
                if leaving.len() * 2 > data.participants.len() && !allow_shrink {
                    return Err(ApiError::Conflict(format!(
                        "this replace would remove {} of the {} participants (more than half); send allow_shrink=true to do it",
                        leaving.len(),
                        data.participants.len()
                    )));
                }
                removed = leaving.len();
                data.participants.retain(|old| new_ids.contains(old.id.as_str()));
            }
            let mut added = 0;
            let mut updated = 0;
            for mut participant in participants {
                match data.participants.iter_mut().find(|old| old.id == participant.id) {
                    Some(old) => {
                        participant.registered_at = old.registered_at.clone();
                        *old = participant;
                        updated += 1;
                    }
                    None => {
                        data.participants.push(participant);
                        added += 1;
                    }
                }
            }
            data.participants.sort_by(|a, b| a.id.cmp(&b.id));
            answer = Some(ParticipantsImported {
                imported,
                added,
                updated,
                removed,
                mode: if replace {
                    ImportMode::Replace
                } else {
                    ImportMode::Upsert
                },
                dry_run,
            });
            Ok(())
        };
        if dry_run {
            let mut data = load(&state, &fair)?;
            run(&mut data)?;
        } else {
            change(&state, &fair, run)?;
        }
        answer.ok_or_else(|| ApiError::Internal("the import gave no answer".into()))
    })
    .await??;
    Ok(HttpResponse::Ok().json(answer))
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

pub(crate) fn stored_need(state: &AppState, id: &str) -> Option<std::sync::Arc<NeedRecord>> {
    state
        .demand
        .current()
        .get(id)
        .map(|entry| entry.need.clone())
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

fn schedule_view(data: &FairData) -> ScheduleView {
    let slots = data.fair.settings.slots();
    let mut objective = 0.0;
    let mut meetings = Vec::new();
    let mut seated: HashSet<&str> = HashSet::new();
    for meeting in &data.meetings {
        let (Some(request), Some(slot)) = (data.request(&meeting.request), slots.get(meeting.slot))
        else {
            continue;
        };
        seated.insert(request.id.as_str());
        objective += request.weight();
        meetings.push(ScheduledMeeting {
            request: request.id.clone(),
            need: request.need.clone(),
            resource: request.resource.clone(),
            slot: meeting.slot,
            table: meeting.table,
            day: slot.day.clone(),
            start: slot.start.clone(),
            end: slot.end.clone(),
            weight: request.weight(),
            published: meeting.published,
        });
    }
    let (instance, _) = data.instance(slots.len());
    let unscheduled = instance
        .requests
        .iter()
        .filter(|request| !seated.contains(request.id.as_str()))
        .map(|request| request.id.clone())
        .collect();
    ScheduleView {
        revision: data.fair.revision,
        objective,
        published: meetings.iter().filter(|meeting| meeting.published).count(),
        meetings,
        unscheduled,
    }
}

/// Schedule the fair: place the accepted requests into (slot, table).
///
/// Editor or admin. Nobody in two places at once, only when both sides are there, at most `tables`
/// meetings a slot, each participant within their maximum; maximises the sum of fit × priority.
/// Published meetings never move: after a cancellation, a no-show or a late registration this
/// re-plans from the current schedule, keeping every published meeting and filling the freed
/// tables. 409 when a published meeting can no longer be held where it is (its table or slot is
/// gone).
#[utoipa::path(
    post,
    path = "/api/v1/fairs/{id}/schedule",
    tag = "fairs",
    operation_id = "plan_fair",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The fair's id.")),
    responses(
        (status = 200, description = "The new schedule.", body = ScheduleView),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict)
    )
)]
pub async fn plan(
    request: HttpRequest,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    crate::auth::require_writer(&request, &state)?;
    let answer = web::block(move || {
        change(&state, &path, |data| {
            let started = std::time::Instant::now();
            let n_slots = data.fair.settings.slots().len();
            let (instance, published) = data.instance(n_slots);
            let options = duijie_schedule::Options::default();
            let result = if data.meetings.is_empty() {
                duijie_schedule::solve(&instance, &options)
            } else {
                duijie_schedule::replan(&instance, &data.planned(), &published, &options)
            }
            .map_err(|error| ApiError::Conflict(format!("the fair cannot be scheduled: {error}")))?;
            let published: HashSet<&str> = published.iter().map(String::as_str).collect();
            let before = std::mem::take(&mut data.meetings);
            data.meetings = result
                .meetings
                .iter()
                .map(|meeting| Meeting {
                    request: meeting.request.clone(),
                    slot: meeting.slot,
                    table: meeting.table,
                    published: published.contains(meeting.request.as_str()),
                })
                .collect();
            data.note_dropped(&before);
            data.fair.revision += 1;
            eprintln!(
                "duijie serve: fair {} scheduled ({} requests, {} meetings, objective {:.3}) in {} ms",
                data.fair.id,
                instance.requests.len(),
                data.meetings.len(),
                result.objective,
                started.elapsed().as_millis()
            );
            Ok(())
        })?;
        Ok::<_, ApiError>(schedule_view(&load(&state, &path)?))
    })
    .await??;
    Ok(HttpResponse::Ok().json(answer))
}

/// The fair's schedule.
///
/// A broker, editor or admin token.
#[utoipa::path(
    get,
    path = "/api/v1/fairs/{id}/schedule",
    tag = "fairs",
    operation_id = "get_schedule",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The fair's id.")),
    responses(
        (status = 200, description = "The schedule.", body = ScheduleView),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound)
    )
)]
pub async fn schedule(
    request: HttpRequest,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    member(&request, &state)?;
    let data = web::block(move || load(&state, &path)).await??;
    Ok(HttpResponse::Ok().json(schedule_view(&data)))
}

/// Publish the schedule: every meeting now in it is announced and never moves again.
///
/// Editor or admin.
#[utoipa::path(
    post,
    path = "/api/v1/fairs/{id}/schedule/publish",
    tag = "fairs",
    operation_id = "publish_schedule",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The fair's id.")),
    responses(
        (status = 200, description = "The published schedule.", body = ScheduleView),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict)
    )
)]
pub async fn publish(
    request: HttpRequest,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    crate::auth::require_writer(&request, &state)?;
    let answer = web::block(move || {
        change(&state, &path, |data| {
            if data.fair.revision == 0 {
                return Err(ApiError::Conflict(
                    "the fair has no schedule yet: POST .../schedule first".to_string(),
                ));
            }
            for meeting in &mut data.meetings {
                meeting.published = true;
            }
            Ok(())
        })?;
        Ok::<_, ApiError>(schedule_view(&load(&state, &path)?))
    })
    .await??;
    Ok(HttpResponse::Ok().json(answer))
}

/// The fair and the participant an agenda is for, if the caller may read it: a broker, editor or
/// admin, or the enterprise of a need participant.
fn agenda_of(
    who: &Caller,
    state: &AppState,
    fair: &str,
    participant: &str,
) -> Result<(FairData, Participant), ApiError> {
    let data = load(state, fair)?;
    let found = data.participant(participant).cloned().ok_or_else(|| {
        ApiError::NotFound(format!("no participant '{participant}' in this fair"))
    })?;
    if who.scope == Scope::Enterprise
        && (found.need.is_none() || Some(&found.name) != who.organization.as_ref())
    {
        return Err(ApiError::Forbidden("enterprise".to_string()));
    }
    Ok((data, found))
}

/// A participant's agenda as a printable page (A4, Chinese).
///
/// A broker, editor or admin token, or the enterprise of a need participant (its enterprise's
/// meetings). Meetings not yet published are marked 暂定.
#[utoipa::path(
    get,
    path = "/api/v1/fairs/{id}/participants/{participant}/agenda",
    tag = "fairs",
    operation_id = "agenda_page",
    security(("bearer" = [])),
    params(
        ("id" = String, Path, description = "The fair's id."),
        ("participant" = String, Path, description = "`need:ID` or `resource:ID`.")
    ),
    responses(
        (status = 200, description = "The agenda.", body = String, content_type = "text/html; charset=utf-8"),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound)
    )
)]
pub async fn agenda_page(
    request: HttpRequest,
    path: web::Path<(String, String)>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let who = caller(&request, &state)?;
    let (fair, participant) = path.into_inner();
    let page = web::block(move || {
        let (data, participant) = agenda_of(&who, &state, &fair, &participant)?;
        Ok::<_, ApiError>(day::agenda_html(
            &data,
            &data.fair.settings.slots(),
            &participant,
        ))
    })
    .await??;
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header(("Cache-Control", "no-store"))
        .body(page))
}

/// A participant's agenda as an iCalendar file.
///
/// As the page. One VEVENT per meeting, its UID made of the fair's and the request's ids and its
/// SEQUENCE the schedule's revision, so that importing the file again after a re-plan updates the
/// calendar's entries; unpublished meetings are TENTATIVE. A meeting a cancellation or a re-plan took
/// out stays in the file as CANCELLED, under its UID with a SEQUENCE above the one it had, so that
/// calendars remove it.
#[utoipa::path(
    get,
    path = "/api/v1/fairs/{id}/participants/{participant}/agenda.ics",
    tag = "fairs",
    operation_id = "agenda_calendar",
    security(("bearer" = [])),
    params(
        ("id" = String, Path, description = "The fair's id."),
        ("participant" = String, Path, description = "`need:ID` or `resource:ID`.")
    ),
    responses(
        (status = 200, description = "The agenda (RFC 5545).", body = String, content_type = "text/calendar; charset=utf-8"),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound)
    )
)]
pub async fn agenda_calendar(
    request: HttpRequest,
    path: web::Path<(String, String)>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let who = caller(&request, &state)?;
    let (fair, participant) = path.into_inner();
    let (file, name) = web::block(move || {
        let (data, participant) = agenda_of(&who, &state, &fair, &participant)?;
        Ok::<_, ApiError>(calendar_file(&data, &participant))
    })
    .await??;
    Ok(calendar_answer(file, &name))
}

/// A participant's calendar subscription.
#[derive(Serialize, ToSchema)]
pub struct CalendarSubscription {
    pub fair: String,
    pub participant: String,
    /// The agenda's `.ics`, read without a token: the secret in the path is the permission. Keep it
    /// as a password; asking again replaces it.
    pub url: String,
}

fn secret_hash(secret: &str) -> String {
    use sha2::Digest as _;
    sha2::Sha256::digest(secret.as_bytes())
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

/// The agenda's calendar file and its file name.
fn calendar_file(data: &FairData, participant: &Participant) -> (String, String) {
    let stamp = duijie_core::time::parse_rfc3339(&data.fair.updated_at).unwrap_or(0);
    let file = day::agenda_ics(data, &data.fair.settings.slots(), participant, stamp);
    let name: String = participant
        .id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    (file, name)
}

fn calendar_answer(file: String, name: &str) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/calendar; charset=utf-8")
        .insert_header(("Cache-Control", "no-store"))
        .insert_header((
            "Content-Disposition",
            format!("attachment; filename=\"{name}.ics\""),
        ))
        .body(file)
}

/// Make a participant's calendar subscription: a URL a calendar application polls without a token.
///
/// Who may read the agenda (a broker, editor or admin token, or the enterprise of a need
/// participant). The URL holds a new 128-bit secret and reads only this participant's agenda
/// (`GET /api/v1/calendars/{secret}/agenda.ics`); asking again makes a new one and the old one stops
/// working.
#[utoipa::path(
    post,
    path = "/api/v1/fairs/{id}/participants/{participant}/calendar",
    tag = "fairs",
    operation_id = "agenda_subscription",
    security(("bearer" = [])),
    params(
        ("id" = String, Path, description = "The fair's id."),
        ("participant" = String, Path, description = "`need:ID` or `resource:ID`.")
    ),
    responses(
        (status = 201, description = "The subscription URL.", body = CalendarSubscription),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound)
    )
)]
pub async fn subscribe(
    request: HttpRequest,
    path: web::Path<(String, String)>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let who = caller(&request, &state)?;
    let (fair, participant) = path.into_inner();
    let answer = web::block(move || {
        let (data, participant) = agenda_of(&who, &state, &fair, &participant)?;
        let secret = new_public_id()?;
        state.store.set_fair_calendar(
            &data.fair.id,
            &participant.id,
            &secret_hash(&secret),
            &now(),
        )?;
        Ok::<_, ApiError>(CalendarSubscription {
            fair: data.fair.id,
            participant: participant.id,
            url: format!("/api/v1/calendars/{secret}/agenda.ics"),
        })
    })
    .await??;
    Ok(HttpResponse::Created().json(answer))
}

/// A participant's agenda by its subscription URL, without a token.
///
/// No token: the secret in the path (from `POST .../participants/{participant}/calendar`) is the
/// permission, and it reads only that participant's agenda, as `.../agenda.ics` gives it (cancelled
/// meetings included, so calendars remove them). 404 for a secret that is not (or no longer) one.
#[utoipa::path(
    get,
    path = "/api/v1/calendars/{secret}/agenda.ics",
    tag = "fairs",
    operation_id = "subscribed_calendar",
    params(("secret" = String, Path, description = "The subscription's secret: 32 hex digits.")),
    responses(
        (status = 200, description = "The agenda (RFC 5545).", body = String, content_type = "text/calendar; charset=utf-8"),
        (status = 404, response = NotFound)
    )
)]
pub async fn subscribed_calendar(
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let secret = path.into_inner();
    let missing = || ApiError::NotFound("no calendar subscription with this secret".to_string());
    if secret.len() != 32 || !secret.bytes().all(|byte| byte.is_ascii_hexdigit()) {
        return Err(missing());
    }
    let (file, name) = web::block(move || {
        let (fair, participant) = state
            .store
            .fair_calendar(&secret_hash(&secret.to_ascii_lowercase()))?
            .ok_or_else(missing)?;
        let data = state.store.fair(&fair)?.ok_or_else(missing)?;
        let participant = data
            .participant(&participant)
            .cloned()
            .ok_or_else(missing)?;
        Ok::<_, ApiError>(calendar_file(&data, &participant))
    })
    .await??;
    Ok(calendar_answer(file, &name))
}

/// The table plan: for each slot, who meets at which table, as a printable page (A4, Chinese).
///
/// A broker, editor or admin token.
#[utoipa::path(
    get,
    path = "/api/v1/fairs/{id}/plan",
    tag = "fairs",
    operation_id = "table_plan",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The fair's id.")),
    responses(
        (status = 200, description = "The table plan.", body = String, content_type = "text/html; charset=utf-8"),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound)
    )
)]
pub async fn table_plan(
    request: HttpRequest,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    member(&request, &state)?;
    let page = web::block(move || {
        let data = load(&state, &path)?;
        Ok::<_, ApiError>(day::plan_html(&data, &data.fair.settings.slots()))
    })
    .await??;
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header(("Cache-Control", "no-store"))
        .body(page))
}

/// `GET /api/v1/fairs/{id}/stats`: the fair's figures for the dashboard.
#[derive(Serialize, ToSchema)]
pub struct FairStats {
    /// The fair's id.
    fair: String,
    /// The fair's name.
    name: String,
    participants: ParticipantFigures,
    requests: RequestFigures,
    schedule: ScheduleFigures,
    outcomes: OutcomeFigures,
    /// The engagements recorded at this fair (follow-ups): those whose `fair` is exactly this
    /// fair's id (not its name: names are free text and need not be unique), over all time, with
    /// their later stages as `GET /api/v1/stats?group_by=fair` counts them (its group `key` is the
    /// fair's id; an empty group when there is none).
    #[schema(value_type = crate::stats::GroupSchema)]
    follow_ups: Group,
}

/// A fair's figures: participants, requests by status and decline reason, the schedule and the
/// tables it uses, and the follow-ups (engagements) the fair started with their later stages.
///
/// A broker, editor or admin token. Meeting outcomes (held, no-show) are not recorded yet (the
/// widget's check-in is not built): `outcomes` holds nulls. Follow-ups are the engagements whose
/// `fair` equals the fair's id.
#[utoipa::path(
    get,
    path = "/api/v1/fairs/{id}/stats",
    tag = "fairs",
    operation_id = "fair_stats",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The fair's id.")),
    responses(
        (status = 200, description = "The figures.", body = FairStats),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound)
    )
)]
pub async fn stats(
    request: HttpRequest,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    member(&request, &state)?;
    let answer = web::block(move || {
        let data = load(&state, &path)?;
        let Figures {
            participants,
            requests,
            schedule,
            outcomes,
        } = figures(&data);
        let prepared = crate::routes::engagements::prepared_stats(&state)?;
        Ok::<_, ApiError>(FairStats {
            follow_ups: one_group(&prepared, GroupBy::Fair, &data.fair.id),
            fair: data.fair.id,
            name: data.fair.settings.name,
            participants,
            requests,
            schedule,
            outcomes,
        })
    })
    .await??;
    Ok(HttpResponse::Ok().json(answer))
}
