//! A fair's figures for the dashboard (`GET /api/v1/fairs/{id}/stats`): its participants, its
//! requests by status and decline reason, the schedule and how many of the fair's (slot, table)
//! places it uses, the check-ins and the meetings' outcomes. The follow-ups (the engagements recorded at the fair) are counted by
//! `crate::stats`; the route puts the two together. Nothing here knows HTTP or SQL.

use std::collections::BTreeSet;

use serde::Serialize;
use utoipa::ToSchema;

use crate::fair::outcomes::MeetingOutcome;
use crate::fair::{DeclineReason, FairData, Presence, RequestStatus};

/// Who is registered.
#[derive(Clone, Debug, Default, PartialEq, Serialize, ToSchema)]
pub struct ParticipantFigures {
    /// Every registered participant (needs and resources).
    pub total: usize,
    /// Registered needs (each stands for its enterprise).
    pub needs: usize,
    /// Distinct enterprises among the registered needs (one person to the scheduler).
    pub enterprises: usize,
    /// Registered resources.
    pub resources: usize,
    pub present: usize,
    /// Marked `no_show` by the organiser (cancelled or did not come).
    pub no_show: usize,
}

/// Declined requests by the reason given.
#[derive(Clone, Debug, Default, PartialEq, Serialize, ToSchema)]
pub struct DeclineReasons {
    pub not_relevant: usize,
    pub too_early: usize,
    pub no_capacity: usize,
    pub other: usize,
}

/// The meeting requests, by current status.
#[derive(Clone, Debug, Default, PartialEq, Serialize, ToSchema)]
pub struct RequestFigures {
    /// Every request made, whatever its status now.
    pub total: usize,
    /// Of which sent by the organiser from duijie's suggestions.
    pub suggested: usize,
    pub pending: usize,
    pub accepted: usize,
    pub declined: usize,
    /// Withdrawn after being made (pending or accepted then).
    pub cancelled: usize,
    /// `declined` by reason (they add up to `declined`).
    pub decline_reasons: DeclineReasons,
}

/// The schedule and the tables it uses.
#[derive(Clone, Debug, Default, PartialEq, Serialize, ToSchema)]
pub struct ScheduleFigures {
    /// How many times the fair has been scheduled (0: never).
    pub revision: u64,
    /// Meetings in the current schedule.
    pub scheduled: usize,
    /// Of which published.
    pub published: usize,
    /// Accepted requests between present participants that have no meeting.
    pub unscheduled: usize,
    /// The fair's slots.
    pub slots: usize,
    /// The fair's tables.
    pub tables: usize,
    /// Distinct (slot, table) places the schedule uses.
    pub places_used: usize,
    /// `slots × tables`: every place there is.
    pub places: usize,
    /// `places_used / places` (0 when the fair has no place).
    pub tables_used: f64,
}

/// What happened at the tables, as brokers recorded it at the fair (check-ins and each meeting's
/// last recorded outcome).
#[derive(Clone, Debug, Default, PartialEq, Serialize, ToSchema)]
pub struct OutcomeFigures {
    /// Participants checked in.
    pub checked_in: usize,
    /// Scheduled meetings with an outcome recorded.
    pub recorded: usize,
    /// Meetings held (a follow-up counts as held too).
    pub held: usize,
    /// Meetings one side did not come to (a participant marked `no_show` by the organiser is
    /// counted in `participants.no_show`).
    pub no_shows: usize,
    /// Meetings held after which the two sides want to go on: each made one engagement intent
    /// (its later stages are in `follow_ups`).
    pub follow_ups: usize,
}

/// The fair's own figures (everything but the follow-ups).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Figures {
    pub participants: ParticipantFigures,
    pub requests: RequestFigures,
    pub schedule: ScheduleFigures,
    pub outcomes: OutcomeFigures,
}

/// Counts a fair's figures from what is stored about it.
pub fn figures(data: &FairData) -> Figures {
    let mut participants = ParticipantFigures {
        total: data.participants.len(),
        ..ParticipantFigures::default()
    };
    let mut enterprises = BTreeSet::new();
    for participant in &data.participants {
        if participant.need.is_some() {
            participants.needs += 1;
            enterprises.insert(participant.name.as_str());
        } else {
            participants.resources += 1;
        }
        match participant.presence {
            Presence::Present => participants.present += 1,
            Presence::NoShow => participants.no_show += 1,
        }
    }
    participants.enterprises = enterprises.len();

    let mut requests = RequestFigures {
        total: data.requests.len(),
        ..RequestFigures::default()
    };
    for request in &data.requests {
        requests.suggested += usize::from(request.suggested);
        match request.status {
            RequestStatus::Pending => requests.pending += 1,
            RequestStatus::Accepted => requests.accepted += 1,
            RequestStatus::Cancelled => requests.cancelled += 1,
            RequestStatus::Declined => {
                requests.declined += 1;
                let reasons = &mut requests.decline_reasons;
                match request.reason.unwrap_or(DeclineReason::Other) {
                    DeclineReason::NotRelevant => reasons.not_relevant += 1,
                    DeclineReason::TooEarly => reasons.too_early += 1,
                    DeclineReason::NoCapacity => reasons.no_capacity += 1,
                    DeclineReason::Other => reasons.other += 1,
                }
            }
        }
    }

    // The meetings as the schedule shows them: of a known request, at a slot the fair has.
    let slots = data.fair.settings.slots().len();
    let tables = data.fair.settings.tables;
    let meetings: Vec<_> = data
        .meetings
        .iter()
        .filter(|meeting| data.request(&meeting.request).is_some() && meeting.slot < slots)
        .collect();
    let seated: BTreeSet<&str> = meetings
        .iter()
        .map(|meeting| meeting.request.as_str())
        .collect();
    let places_used = meetings
        .iter()
        .map(|meeting| (meeting.slot, meeting.table))
        .collect::<BTreeSet<_>>()
        .len();
    let places = slots * tables;
    let (instance, _) = data.instance(slots);
    let schedule = ScheduleFigures {
        revision: data.fair.revision,
        scheduled: meetings.len(),
        published: meetings.iter().filter(|meeting| meeting.published).count(),
        unscheduled: instance
            .requests
            .iter()
            .filter(|request| !seated.contains(request.id.as_str()))
            .count(),
        slots,
        tables,
        places_used,
        places,
        tables_used: if places == 0 {
            0.0
        } else {
            places_used as f64 / places as f64
        },
    };
    Figures {
        participants,
        requests,
        schedule,
        outcomes: outcomes(data, &seated),
    }
}

/// The outcomes of the scheduled meetings and the check-ins.
fn outcomes(data: &FairData, seated: &BTreeSet<&str>) -> OutcomeFigures {
    let mut figures = OutcomeFigures {
        checked_in: data
            .participants
            .iter()
            .filter(|participant| data.checked_in(&participant.id).is_some())
            .count(),
        ..OutcomeFigures::default()
    };
    for request in seated {
        let Some(outcome) = data.outcome_of(request).and_then(|action| action.outcome) else {
            continue;
        };
        figures.recorded += 1;
        match outcome {
            MeetingOutcome::Held => figures.held += 1,
            MeetingOutcome::NoShow => figures.no_shows += 1,
            MeetingOutcome::FollowUp => {
                figures.held += 1;
                figures.follow_ups += 1;
            }
        }
    }
    figures
}
