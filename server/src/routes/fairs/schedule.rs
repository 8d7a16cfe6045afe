//! A fair's schedule: planned from the accepted requests (`duijie-schedule`), published, re-planned
//! without moving a published meeting; the table plan and the fair's figures.

use std::collections::HashSet;

use actix_web::{web, HttpRequest, HttpResponse};
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::ApiError;
use crate::fair::figures::{
    figures, Figures, OutcomeFigures, ParticipantFigures, RequestFigures, ScheduleFigures,
};
use crate::fair::{day, FairData, Meeting};
use crate::routes::fairs::{change, load, member};
use crate::routes::openapi::{Conflict, Forbidden, NotFound, Unauthorized};
use crate::state::AppState;
use crate::stats::{one_group, Group, GroupBy};

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
