//! A fair's agendas: a participant's meetings as a page and as `.ics`, and calendar subscriptions
//! read without a token at a secret URL.

use actix_web::{web, HttpRequest, HttpResponse};
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::{caller, Caller, Scope};
use crate::error::ApiError;
use crate::fair::{day, FairData, Participant};
use crate::routes::fairs::{load, now};
use crate::routes::openapi::{Forbidden, NotFound, Unauthorized};
use crate::state::AppState;
use crate::store::engagements::new_public_id;

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
