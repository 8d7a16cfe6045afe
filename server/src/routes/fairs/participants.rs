//! `/api/v1/fairs/{id}/participants`: registering a fair's participants (stored needs, standing for
//! their enterprises, and resources), one at a time or imported from a file.

use std::collections::HashSet;

use actix_web::{web, HttpRequest, HttpResponse};
use duijie_core::FieldError;
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

use crate::auth::caller;
use crate::error::ApiError;
use crate::fair::{
    need_participant, resource_participant, FairData, Participant, Presence, Registration,
};
use crate::import::{checked, decode_records};
use crate::routes::catalog::{import_request, refusal_to_error, ImportMode, ImportRequest};
use crate::routes::fairs::{change, load, now};
use crate::routes::openapi::{
    BadRequest, Conflict, Forbidden, Invalid, NotFound, PayloadTooLarge, Unauthorized,
};
use crate::routes::{read_body, read_json};
use crate::state::AppState;

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

/// A fair's participants.
///
/// Any token. An enterprise token sees the resources and its own needs' participants only: the
/// others' organisations and need titles are theirs (a members' need is not shown to another
/// enterprise anywhere else either).
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
    let who = caller(&request, &state)?;
    let viewer = crate::demand::Viewer::of(Some(&who));
    let demand = state.demand.current();
    let data = web::block(move || load(&state, &path)).await??;
    let items = data
        .participants
        .into_iter()
        .filter(|participant| match (&who.scope, &participant.need) {
            (crate::auth::Scope::Enterprise, Some(id)) => {
                demand.get(id).is_some_and(|entry| viewer.sees(&entry.need))
            }
            _ => true,
        })
        .collect();
    Ok(HttpResponse::Ok().json(ParticipantList { items }))
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
