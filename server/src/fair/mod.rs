//! Docking fairs (对接会), the server's domain rules: a fair's settings and the slots they give, its
//! participants (registered needs, each standing for its enterprise, and resources), the meeting
//! requests between them and their answers, and the scheduler's instance built from the accepted
//! ones (`duijie-schedule`). Routes (`routes/fairs/`) and the store call these; nothing here
//! knows HTTP or SQL.

pub mod day;
pub mod figures;
pub mod outcomes;

use std::collections::{BTreeMap, BTreeSet};

use duijie_core::model::NeedRecord;
use duijie_core::{FieldError, MatchOptions, Resource};
use duijie_schedule::{Instance, Lock, Meeting as PlannedMeeting, Participant as Person, Request};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::ToSchema;

use crate::state::Catalog;

/// A pair's fit is the score the need's match gives the resource with at most this many results:
/// up to half the matcher's smallest candidate pool, every `POST /api/v1/match` limit up to it gives
/// the pair the same number. A resource outside that many has fit 0.
pub const FIT_TOP: usize = 100;

/// Longest name, venue and note.
const MAX_TEXT: usize = 200;
const MAX_NOTE: usize = 2000;
const MAX_DAYS: usize = 14;

/// A break in each day: no slot overlaps it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Break {
    /// `HH:MM`, local time.
    pub start: String,
    /// `HH:MM`, local time.
    pub end: String,
}

/// What an organiser says about a fair (the body of `POST` and `PUT /api/v1/fairs[/{id}]`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Settings {
    pub name: String,
    /// Where the tables are.
    #[serde(default)]
    pub venue: String,
    /// A GB/T 2260 code, or a region's name or path (stored as its code).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// The fair's days, `YYYY-MM-DD`, ascending.
    pub days: Vec<String>,
    /// When the first slot of each day starts, `HH:MM`, local time.
    pub day_start: String,
    /// No slot of a day ends after this, `HH:MM`.
    pub day_end: String,
    /// Breaks (lunch): no slot overlaps one; the next slot starts at the break's end.
    #[serde(default)]
    pub breaks: Vec<Break>,
    /// The length of a meeting, in minutes (5 to 240).
    pub slot_minutes: u32,
    /// How many tables (at most this many meetings a slot).
    pub tables: usize,
    /// The most meetings one participant (an enterprise, a resource) takes over the fair.
    pub max_meetings: usize,
    /// Requests unanswered by then may be accepted by the organiser on the participant's behalf
    /// (RFC 3339).
    pub request_deadline: String,
    /// The fair's offset from UTC, `+HH:MM` (default `+08:00`): the slots' times are local.
    #[serde(default = "default_offset")]
    pub utc_offset: String,
}

fn default_offset() -> String {
    "+08:00".to_string()
}

/// One meeting slot, derived from the settings.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct Slot {
    /// Counted from 0 over the whole fair; participants' `slots` name these.
    pub index: usize,
    pub day: String,
    /// `HH:MM`, local time.
    pub start: String,
    pub end: String,
    /// The start, seconds since the Unix epoch (UTC).
    #[serde(skip)]
    pub starts_at: i64,
}

/// A fair as stored.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Fair {
    pub id: String,
    #[serde(flatten)]
    pub settings: Settings,
    pub created_at: String,
    pub updated_at: String,
    /// How many times the fair has been scheduled: the schedule's revision (0: never).
    pub revision: u64,
}

/// Whether a participant is (still) coming.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Presence {
    Present,
    /// Cancelled or did not come: their requests leave the schedule at the next re-plan.
    NoShow,
}

/// A registered participant: a stored need (its enterprise meets) or a resource (an expert, an
/// achievement's or patent's holder, an organisation's representative).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Participant {
    /// `need:ID` or `resource:ID`.
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub need: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource: Option<String>,
    /// Who sits at the table: the need's organisation, or the resource's title.
    pub name: String,
    /// The need's or the resource's title.
    pub title: String,
    /// The slots they are there (indices into the fair's `slots`), ascending.
    pub slots: Vec<usize>,
    /// Their own maximum of meetings, below the fair's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_meetings: Option<usize>,
    pub presence: Presence,
    pub registered_at: String,
}

impl Participant {
    /// The person the scheduler seats: an enterprise for all its registered needs (it cannot be at
    /// two tables at once), a resource for itself.
    pub fn person(&self) -> String {
        match &self.need {
            Some(_) => format!("enterprise:{}", self.name),
            None => self.id.clone(),
        }
    }
}

/// Where a meeting request stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RequestStatus {
    Pending,
    Accepted,
    Declined,
    Cancelled,
}

/// Why the other side declined: a fixed list, for the indicators.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DeclineReason {
    NotRelevant,
    TooEarly,
    NoCapacity,
    Other,
}

impl DeclineReason {
    pub const NAMES: &'static str = "not_relevant, too_early, no_capacity, other";

    pub fn parse(text: &str) -> Option<DeclineReason> {
        Some(match text {
            "not_relevant" => DeclineReason::NotRelevant,
            "too_early" => DeclineReason::TooEarly,
            "no_capacity" => DeclineReason::NoCapacity,
            "other" => DeclineReason::Other,
            _ => return None,
        })
    }
}

/// Who asked for a meeting, by the scope of the token.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Requester {
    /// The need's enterprise itself.
    Enterprise,
    /// A participant's broker.
    Broker,
    /// The organiser (an editor or admin), one by one or from the suggestions.
    Organizer,
}

/// A meeting request between a registered need and a registered resource.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct MeetingRequest {
    pub id: String,
    pub need: String,
    pub resource: String,
    /// The pair's fit: the score the need's match gives the resource (`FIT_TOP` results), as
    /// `POST /api/v1/match` gives it; 0 when the resource is not among them.
    pub fit: f64,
    /// Set by the organiser (default 1); the scheduler maximises the sum of fit × priority.
    pub priority: f64,
    pub status: RequestStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<DeclineReason>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    pub requested_by: Requester,
    /// The first 16 hex digits of the requesting token's SHA-256.
    pub requested_token: String,
    /// Whether the organiser sent it from duijie's suggestions.
    pub suggested: bool,
    pub created_at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answered_at: Option<String>,
    /// `enterprise`, `broker`, or `organizer` (on the participant's behalf, after the deadline).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answered_by: Option<Requester>,
}

impl MeetingRequest {
    /// The scheduler's weight.
    pub fn weight(&self) -> f64 {
        self.fit * self.priority
    }
}

/// A meeting of the stored schedule.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Meeting {
    pub request: String,
    pub slot: usize,
    pub table: usize,
    /// On printed agendas: a re-plan never moves it.
    pub published: bool,
}

/// Everything stored about one fair.
#[derive(Clone, Debug, PartialEq)]
pub struct FairData {
    pub fair: Fair,
    /// By id.
    pub participants: Vec<Participant>,
    /// In creation order.
    pub requests: Vec<MeetingRequest>,
    /// By slot, then table.
    pub meetings: Vec<Meeting>,
    /// The day's check-ins and meeting outcomes, in the order recorded.
    pub actions: Vec<outcomes::DayAction>,
    /// Meetings a schedule had and a later change took out (a cancellation, a re-plan), by request:
    /// calendars are told they are cancelled.
    pub dropped: Vec<Dropped>,
}

/// A meeting taken out of the schedule, where it was, and the SEQUENCE its cancellation carries in
/// calendars (above every SEQUENCE the meeting was published with).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Dropped {
    pub request: String,
    pub slot: usize,
    pub table: usize,
    pub sequence: u64,
}

impl FairData {
    pub fn participant(&self, id: &str) -> Option<&Participant> {
        self.participants
            .iter()
            .find(|participant| participant.id == id)
    }

    pub fn request(&self, id: &str) -> Option<&MeetingRequest> {
        self.requests.iter().find(|request| request.id == id)
    }

    /// The participant of a request's need and of its resource.
    pub fn sides(&self, request: &MeetingRequest) -> (Option<&Participant>, Option<&Participant>) {
        (
            self.participant(&need_participant(&request.need)),
            self.participant(&resource_participant(&request.resource)),
        )
    }

    /// The scheduler's instance: present people (an enterprise's slots are the union of its
    /// registered needs', its maximum the smallest given), the accepted requests between present
    /// participants with weight fit × priority, and the published meetings of those requests
    /// locked where they are. Returns the instance and the ids of the published meetings kept.
    pub fn instance(&self, slots: usize) -> (Instance, Vec<String>) {
        let fair_max = self.fair.settings.max_meetings;
        let mut people: BTreeMap<String, (BTreeSet<usize>, usize)> = BTreeMap::new();
        for participant in &self.participants {
            if participant.presence != Presence::Present {
                continue;
            }
            let entry = people
                .entry(participant.person())
                .or_insert_with(|| (BTreeSet::new(), fair_max));
            entry.0.extend(participant.slots.iter().copied());
            if let Some(own) = participant.max_meetings {
                entry.1 = entry.1.min(own);
            }
        }
        let mut requests = Vec::new();
        let mut published = Vec::new();
        for request in &self.requests {
            if request.status != RequestStatus::Accepted {
                continue;
            }
            let (Some(need), Some(resource)) = self.sides(request) else {
                continue;
            };
            if need.presence != Presence::Present || resource.presence != Presence::Present {
                continue;
            }
            let lock = self
                .meetings
                .iter()
                .find(|meeting| meeting.request == request.id && meeting.published)
                .map(|meeting| Lock {
                    slot: meeting.slot,
                    table: meeting.table,
                });
            if lock.is_some() {
                published.push(request.id.clone());
            }
            requests.push(Request {
                id: request.id.clone(),
                a: need.person(),
                b: resource.person(),
                weight: request.weight(),
                lock,
            });
        }
        let instance = Instance {
            slots,
            tables: self.fair.settings.tables,
            participants: people
                .into_iter()
                .map(|(id, (available, max_meetings))| Person {
                    id,
                    available: available.into_iter().collect(),
                    max_meetings,
                })
                .collect(),
            requests,
        };
        (instance, published)
    }

    /// The stored schedule as the scheduler's, to start a re-plan from.
    pub fn planned(&self) -> duijie_schedule::Schedule {
        duijie_schedule::Schedule {
            meetings: self
                .meetings
                .iter()
                .map(|meeting| PlannedMeeting {
                    request: meeting.request.clone(),
                    slot: meeting.slot,
                    table: meeting.table,
                })
                .collect(),
            unscheduled: Vec::new(),
            objective: 0.0,
        }
    }

    /// Notes the meetings of `before` that the schedule no longer has as dropped (a meeting dropped
    /// again keeps its first place), and forgets those it has again. Call it after changing the
    /// meetings and before raising the revision.
    pub fn note_dropped(&mut self, before: &[Meeting]) {
        let now: BTreeSet<&str> = self
            .meetings
            .iter()
            .map(|meeting| meeting.request.as_str())
            .collect();
        self.dropped
            .retain(|dropped| !now.contains(dropped.request.as_str()));
        let sequence = self.fair.revision + 1;
        for meeting in before {
            if now.contains(meeting.request.as_str())
                || self
                    .dropped
                    .iter()
                    .any(|dropped| dropped.request == meeting.request)
            {
                continue;
            }
            self.dropped.push(Dropped {
                request: meeting.request.clone(),
                slot: meeting.slot,
                table: meeting.table,
                sequence,
            });
        }
    }

    /// Whether the request's meeting involves the participant's person (for a need: its
    /// enterprise).
    fn involves(&self, request: &str, person: &str) -> bool {
        self.request(request).is_some_and(|request| {
            let (need, resource) = self.sides(request);
            need.is_some_and(|side| side.person() == person)
                || resource.is_some_and(|side| side.person() == person)
        })
    }

    /// The dropped meetings of the participant's person.
    pub fn dropped_of<'a>(&'a self, participant: &Participant) -> Vec<&'a Dropped> {
        let person = participant.person();
        self.dropped
            .iter()
            .filter(|dropped| self.involves(&dropped.request, &person))
            .collect()
    }

    /// The meetings of the participant's person (for a need: its enterprise's), by slot.
    pub fn meetings_of<'a>(&'a self, participant: &Participant) -> Vec<&'a Meeting> {
        let person = participant.person();
        self.meetings
            .iter()
            .filter(|meeting| self.involves(&meeting.request, &person))
            .collect()
    }
}

pub fn need_participant(need: &str) -> String {
    format!("need:{need}")
}

pub fn resource_participant(resource: &str) -> String {
    format!("resource:{resource}")
}

/// Reads a JSON object field by field, collecting every problem located by field.
struct Reader<'a> {
    object: &'a Map<String, Value>,
    errors: Vec<FieldError>,
}

impl<'a> Reader<'a> {
    fn new(value: &'a Value, allowed: &[&str], errors: Vec<FieldError>) -> Option<Reader<'a>> {
        let Value::Object(object) = value else {
            return None;
        };
        let mut reader = Reader { object, errors };
        for key in object.keys() {
            if !allowed.contains(&key.as_str()) {
                reader.error(
                    key,
                    format!("unknown field (known: {})", allowed.join(", ")),
                );
            }
        }
        Some(reader)
    }

    fn error(&mut self, field: &str, message: impl Into<String>) {
        self.errors.push(FieldError::new(field, message));
    }

    fn get(&self, field: &str) -> Option<&'a Value> {
        self.object.get(field).filter(|value| !value.is_null())
    }

    /// A string of at most `max` characters; `None` (with an error when `required`) when absent.
    fn text(&mut self, field: &str, required: bool, max: usize) -> Option<String> {
        match self.get(field) {
            None if required => {
                self.error(field, "required");
                None
            }
            None => None,
            Some(Value::String(text)) => {
                let text = text.trim();
                if required && text.is_empty() {
                    self.error(field, "required");
                    None
                } else if text.chars().count() > max {
                    self.error(field, format!("at most {max} characters"));
                    None
                } else {
                    Some(text.to_string())
                }
            }
            Some(_) => {
                self.error(field, "must be a string");
                None
            }
        }
    }

    fn integer(&mut self, field: &str, range: std::ops::RangeInclusive<u64>) -> Option<u64> {
        match self.get(field) {
            None => None,
            Some(value) => match value
                .as_u64()
                .or_else(|| value.as_str().and_then(|text| text.trim().parse().ok()))
                .filter(|number| range.contains(number))
            {
                Some(number) => Some(number),
                None => {
                    self.error(
                        field,
                        format!(
                            "must be a whole number from {} to {}",
                            range.start(),
                            range.end()
                        ),
                    );
                    None
                }
            },
        }
    }

    fn required_integer(
        &mut self,
        field: &str,
        range: std::ops::RangeInclusive<u64>,
    ) -> Option<u64> {
        if self.get(field).is_none() {
            self.error(field, "required");
            return None;
        }
        self.integer(field, range)
    }

    fn number(&mut self, field: &str, low: f64, high: f64) -> Option<f64> {
        match self.get(field) {
            None => None,
            Some(value) => match value.as_f64().filter(|x| (low..=high).contains(x)) {
                Some(number) => Some(number),
                None => {
                    self.error(field, format!("must be a number from {low} to {high}"));
                    None
                }
            },
        }
    }
}

/// Minutes since midnight of `HH:MM`.
fn minutes_of(text: &str) -> Option<u32> {
    let (hours, minutes) = text.split_once(':')?;
    if hours.len() != 2 || minutes.len() != 2 {
        return None;
    }
    let hours: u32 = hours.parse().ok()?;
    let minutes: u32 = minutes.parse().ok()?;
    (hours < 24 && minutes < 60).then_some(hours * 60 + minutes)
}

fn clock(minutes: u32) -> String {
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

/// Seconds east of UTC of `+HH:MM`.
fn offset_seconds(text: &str) -> Option<i64> {
    let (sign, rest) = match text.as_bytes().first()? {
        b'+' => (1, &text[1..]),
        b'-' => (-1, &text[1..]),
        _ => return None,
    };
    let minutes = minutes_of(rest)?;
    (minutes <= 14 * 60).then_some(sign * i64::from(minutes) * 60)
}

impl Settings {
    /// The settings a request body gives, validated: every problem located by field (a 422).
    pub fn from_json(value: &Value) -> Result<Settings, Vec<FieldError>> {
        let allowed = [
            "name",
            "venue",
            "region",
            "days",
            "day_start",
            "day_end",
            "breaks",
            "slot_minutes",
            "tables",
            "max_meetings",
            "request_deadline",
            "utc_offset",
        ];
        let Some(mut reader) = Reader::new(value, &allowed, Vec::new()) else {
            return Err(vec![FieldError::new("", "must be a JSON object")]);
        };
        let name = reader.text("name", true, MAX_TEXT);
        let venue = reader.text("venue", false, MAX_TEXT).unwrap_or_default();
        let region = reader
            .text("region", false, MAX_TEXT)
            .filter(|text| !text.is_empty())
            .and_then(|text| {
                duijie_core::validate::canonical_region(&mut reader.errors, "region", &text)
            });
        let mut days = Vec::new();
        match reader.get("days") {
            Some(Value::Array(items)) if !items.is_empty() && items.len() <= MAX_DAYS => {
                for (index, item) in items.iter().enumerate() {
                    let field = format!("days[{index}]");
                    match item.as_str().map(str::trim) {
                        Some(day) if duijie_core::time::parse_date(day).is_some() => {
                            if days
                                .last()
                                .is_some_and(|last: &String| last.as_str() >= day)
                            {
                                reader.error(&field, "days must be ascending, each once");
                            }
                            days.push(day.to_string());
                        }
                        _ => reader.error(&field, "must be a date, YYYY-MM-DD"),
                    }
                }
            }
            None => reader.error("days", "required"),
            Some(_) => reader.error(
                "days",
                format!("must be a list of 1 to {MAX_DAYS} dates, YYYY-MM-DD"),
            ),
        }
        let time = |reader: &mut Reader<'_>, field: &str| -> Option<String> {
            let text = reader.text(field, true, 5)?;
            match minutes_of(&text) {
                Some(_) => Some(text),
                None => {
                    reader.error(field, "must be a time of day, HH:MM");
                    None
                }
            }
        };
        let day_start = time(&mut reader, "day_start");
        let day_end = time(&mut reader, "day_end");
        if let (Some(start), Some(end)) = (&day_start, &day_end) {
            if minutes_of(start) >= minutes_of(end) {
                reader.error("day_end", "must be after day_start");
            }
        }
        let mut breaks = Vec::new();
        match reader.get("breaks") {
            None => {}
            Some(Value::Array(items)) => {
                for (index, item) in items.iter().enumerate() {
                    let start = item.get("start").and_then(Value::as_str).map(str::trim);
                    let end = item.get("end").and_then(Value::as_str).map(str::trim);
                    match (start.and_then(minutes_of), end.and_then(minutes_of)) {
                        (Some(from), Some(to)) if from < to => breaks.push(Break {
                            start: clock(from),
                            end: clock(to),
                        }),
                        _ => reader.error(
                            &format!("breaks[{index}]"),
                            "must be {\"start\": \"HH:MM\", \"end\": \"HH:MM\"}, start before end",
                        ),
                    }
                }
            }
            Some(_) => reader.error("breaks", "must be a list of {\"start\", \"end\"}"),
        }
        let slot_minutes = reader.required_integer("slot_minutes", 5..=240);
        let tables = reader.required_integer("tables", 1..=duijie_schedule::MAX_TABLES as u64);
        let max_meetings = reader.required_integer("max_meetings", 1..=1000);
        let request_deadline = reader.text("request_deadline", true, 40);
        if let Some(deadline) = &request_deadline {
            if duijie_core::time::parse_rfc3339(deadline).is_none() {
                reader.error(
                    "request_deadline",
                    "must be a time, RFC 3339 (2025-06-01T18:00:00+08:00)",
                );
            }
        }
        let utc_offset = reader
            .text("utc_offset", false, 6)
            .unwrap_or_else(default_offset);
        if offset_seconds(&utc_offset).is_none() {
            reader.error("utc_offset", "must be an offset from UTC, +HH:MM");
        }
        let errors = std::mem::take(&mut reader.errors);
        let (
            Some(name),
            Some(day_start),
            Some(day_end),
            Some(slot_minutes),
            Some(tables),
            Some(max_meetings),
            Some(request_deadline),
            true,
        ) = (
            name,
            day_start,
            day_end,
            slot_minutes,
            tables,
            max_meetings,
            request_deadline,
            errors.is_empty(),
        )
        else {
            return Err(errors);
        };
        let settings = Settings {
            name,
            venue,
            region,
            days,
            day_start,
            day_end,
            breaks,
            slot_minutes: slot_minutes as u32,
            tables: tables as usize,
            max_meetings: max_meetings as usize,
            request_deadline,
            utc_offset,
        };
        let slots = settings.slots();
        if slots.is_empty() {
            return Err(vec![FieldError::new(
                "slot_minutes",
                "no slot fits between day_start and day_end outside the breaks",
            )]);
        }
        if slots.len() > duijie_schedule::MAX_SLOTS {
            return Err(vec![FieldError::new(
                "days",
                format!(
                    "{} slots; the scheduler takes at most {}",
                    slots.len(),
                    duijie_schedule::MAX_SLOTS
                ),
            )]);
        }
        Ok(settings)
    }

    /// The fair's slots: each day from `day_start`, one after another, none overlapping a break (the
    /// next starts at the break's end), none ending after `day_end`.
    pub fn slots(&self) -> Vec<Slot> {
        let (Some(start), Some(end)) = (minutes_of(&self.day_start), minutes_of(&self.day_end))
        else {
            return Vec::new();
        };
        let offset = offset_seconds(&self.utc_offset).unwrap_or(8 * 3600);
        let length = self.slot_minutes.max(1);
        let breaks: Vec<(u32, u32)> = self
            .breaks
            .iter()
            .filter_map(|pause| Some((minutes_of(&pause.start)?, minutes_of(&pause.end)?)))
            .collect();
        let mut slots = Vec::new();
        for day in &self.days {
            let Some(midnight) = duijie_core::time::parse_date(day) else {
                continue;
            };
            let mut at = start;
            while at + length <= end {
                let overlapping = breaks
                    .iter()
                    .filter(|(from, to)| at < *to && *from < at + length)
                    .map(|(_, to)| *to)
                    .max();
                if let Some(resume) = overlapping {
                    at = resume;
                    continue;
                }
                slots.push(Slot {
                    index: slots.len(),
                    day: day.clone(),
                    start: clock(at),
                    end: clock(at + length),
                    starts_at: midnight + i64::from(at) * 60 - offset,
                });
                at += length;
            }
        }
        slots
    }

    /// The deadline, seconds since the epoch.
    pub fn deadline(&self) -> i64 {
        duijie_core::time::parse_rfc3339(&self.request_deadline).unwrap_or(i64::MAX)
    }
}

/// One participant to register: `{"need": ID}` or `{"resource": ID}`, with the slots they attend
/// (default: all) and their own maximum of meetings. Also a row of a participants' import.
#[derive(Clone, Debug, PartialEq)]
pub struct Registration {
    pub id: String,
    pub need: Option<String>,
    pub resource: Option<String>,
    pub slots: Option<Vec<usize>>,
    pub max_meetings: Option<usize>,
    pub presence: Presence,
}

/// The fields of a registration, as the importer reads them (headers in Chinese too).
pub const REGISTRATION_FIELDS: [duijie_core::fields::Field<Registration>; 5] = {
    use duijie_core::fields::{Field, FieldValue, Shape};
    [
        Field {
            name: "need",
            headers_zh: &["需求编号", "需求"],
            shape: Shape::Text,
            hashed: false,
            private: false,
            free_text: false,
            value: |row| FieldValue::Text(row.need.as_deref().unwrap_or("")),
        },
        Field {
            name: "resource",
            headers_zh: &["资源编号", "资源"],
            shape: Shape::Text,
            hashed: false,
            private: false,
            free_text: false,
            value: |row| FieldValue::Text(row.resource.as_deref().unwrap_or("")),
        },
        Field {
            name: "slots",
            headers_zh: &["时段", "参会时段"],
            shape: Shape::List,
            hashed: false,
            private: false,
            free_text: false,
            value: |_| FieldValue::Absent,
        },
        Field {
            name: "max_meetings",
            headers_zh: &["最多洽谈数", "最多场次"],
            shape: Shape::Integer,
            hashed: false,
            private: false,
            free_text: false,
            value: |row| FieldValue::Integer(row.max_meetings.and_then(|n| u8::try_from(n).ok())),
        },
        Field {
            name: "presence",
            headers_zh: &["出席", "状态"],
            shape: Shape::Text,
            hashed: false,
            private: false,
            free_text: false,
            value: |row| {
                FieldValue::Text(match row.presence {
                    Presence::Present => "present",
                    Presence::NoShow => "no_show",
                })
            },
        },
    ]
};

impl Registration {
    /// A registration from a body or an import row; slots are checked against the fair later
    /// (`check_slots`), as an import does not know the fair.
    pub fn from_json(value: &Value) -> Result<Registration, Vec<FieldError>> {
        let allowed = ["need", "resource", "slots", "max_meetings", "presence"];
        let Some(mut reader) = Reader::new(value, &allowed, Vec::new()) else {
            return Err(vec![FieldError::new("", "must be a JSON object")]);
        };
        let need = reader
            .text("need", false, MAX_TEXT)
            .filter(|id| !id.is_empty());
        let resource = reader
            .text("resource", false, MAX_TEXT)
            .filter(|id| !id.is_empty());
        let id = match (&need, &resource) {
            (Some(need), None) => need_participant(need),
            (None, Some(resource)) => resource_participant(resource),
            _ => {
                reader.error(
                    "need",
                    "give either need (a stored need's id) or resource (a resource's id)",
                );
                String::new()
            }
        };
        let slots = match reader.get("slots") {
            None => None,
            Some(Value::Array(items)) => {
                let mut slots = Vec::new();
                for (index, item) in items.iter().enumerate() {
                    let number = match item {
                        Value::Number(number) => number.as_u64(),
                        Value::String(text) => text.trim().parse().ok(),
                        _ => None,
                    };
                    match number {
                        Some(slot) => slots.push(slot as usize),
                        None => reader.error(
                            &format!("slots[{index}]"),
                            "must be a slot index (0, 1, ...)",
                        ),
                    }
                }
                slots.sort_unstable();
                slots.dedup();
                Some(slots)
            }
            Some(_) => {
                reader.error("slots", "must be a list of slot indices");
                None
            }
        };
        let max_meetings = reader.integer("max_meetings", 1..=1000).map(|n| n as usize);
        let presence = match reader.text("presence", false, 20).as_deref() {
            None | Some("") | Some("present") => Presence::Present,
            Some("no_show") => Presence::NoShow,
            Some(_) => {
                reader.error("presence", "must be present or no_show");
                Presence::Present
            }
        };
        if reader.errors.is_empty() {
            Ok(Registration {
                id,
                need,
                resource,
                slots,
                max_meetings,
                presence,
            })
        } else {
            let id = (!id.is_empty()).then_some(id);
            Err(reader
                .errors
                .into_iter()
                .map(|mut error| {
                    error.id = id.clone();
                    error
                })
                .collect())
        }
    }

    /// The participant this registration makes, given what it names and the fair's slots; errors
    /// name the field.
    pub fn participant(
        &self,
        need: Option<&NeedRecord>,
        resource: Option<&Resource>,
        n_slots: usize,
        now: &str,
    ) -> Result<Participant, Vec<FieldError>> {
        let mut errors = Vec::new();
        let (name, title) = match (&self.need, &self.resource, need, resource) {
            (Some(_), _, Some(need), _) => (need.organization.clone(), need.title.clone()),
            (_, Some(_), _, Some(resource)) => (resource.title.clone(), resource.title.clone()),
            (Some(id), _, None, _) => {
                errors.push(FieldError::new(
                    "need",
                    format!("no stored need with id '{id}'"),
                ));
                (String::new(), String::new())
            }
            (_, Some(id), _, None) => {
                errors.push(FieldError::new(
                    "resource",
                    format!("no resource with id '{id}' in the catalog"),
                ));
                (String::new(), String::new())
            }
            _ => (String::new(), String::new()),
        };
        let slots = self.slots.clone().unwrap_or_else(|| (0..n_slots).collect());
        for slot in &slots {
            if *slot >= n_slots {
                errors.push(FieldError::new(
                    "slots",
                    format!(
                        "slot {slot} does not exist (the fair has {n_slots} slots, 0 to {})",
                        n_slots.saturating_sub(1)
                    ),
                ));
            }
        }
        if !errors.is_empty() {
            for error in &mut errors {
                error.id = Some(self.id.clone());
            }
            return Err(errors);
        }
        Ok(Participant {
            id: self.id.clone(),
            need: self.need.clone(),
            resource: self.resource.clone(),
            name,
            title,
            slots,
            max_meetings: self.max_meetings,
            presence: self.presence,
            registered_at: now.to_string(),
        })
    }
}

impl crate::import::Record for Registration {
    const FIELDS: &'static [duijie_core::fields::Field<Registration>] = &REGISTRATION_FIELDS;

    fn from_json(value: &Value) -> Result<Registration, Vec<FieldError>> {
        Registration::from_json(value)
    }

    fn id(&self) -> &str {
        &self.id
    }
}

/// A request's body: `{"need", "resource", "priority", "note"}`.
#[derive(Clone, Debug, PartialEq, Deserialize, ToSchema)]
pub struct NewRequest {
    pub need: String,
    pub resource: String,
    /// The organiser's priority (editor or admin only; default 1).
    #[serde(default)]
    pub priority: Option<f64>,
    #[serde(default)]
    pub note: Option<String>,
}

impl NewRequest {
    pub fn from_json(value: &Value, at: &str) -> Result<NewRequest, Vec<FieldError>> {
        let allowed = ["need", "resource", "priority", "note"];
        let Some(mut reader) = Reader::new(value, &allowed, Vec::new()) else {
            return Err(vec![FieldError::new(at, "must be a JSON object")]);
        };
        let need = reader.text("need", true, MAX_TEXT);
        let resource = reader.text("resource", true, MAX_TEXT);
        let priority = reader.number("priority", 0.0, 100.0);
        let note = reader
            .text("note", false, MAX_NOTE)
            .filter(|note| !note.is_empty());
        let errors: Vec<FieldError> = reader
            .errors
            .into_iter()
            .map(|mut error| {
                if !at.is_empty() {
                    error.field = format!("{at}.{}", error.field);
                }
                error
            })
            .collect();
        match (need, resource, errors.is_empty()) {
            (Some(need), Some(resource), true) => Ok(NewRequest {
                need,
                resource,
                priority,
                note,
            }),
            _ => Err(errors),
        }
    }
}

/// What the other side (or the organiser) does with a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    Accept,
    Decline,
    /// Withdraws a pending or accepted request (a cancellation before or after scheduling).
    Cancel,
}

/// The body of an answer: `{"decision", "reason"}`; a decline needs its reason.
#[derive(Clone, Debug, PartialEq, Deserialize, ToSchema)]
pub struct Answer {
    pub decision: Decision,
    /// A decline's reason: not_relevant, too_early, no_capacity, other.
    #[serde(default)]
    pub reason: Option<DeclineReason>,
}

impl Answer {
    pub fn from_json(value: &Value) -> Result<Answer, Vec<FieldError>> {
        let Some(mut reader) = Reader::new(value, &["decision", "reason"], Vec::new()) else {
            return Err(vec![FieldError::new("", "must be a JSON object")]);
        };
        let decision = match reader.text("decision", true, 20).as_deref() {
            Some("accept") => Some(Decision::Accept),
            Some("decline") => Some(Decision::Decline),
            Some("cancel") => Some(Decision::Cancel),
            Some(_) => {
                reader.error("decision", "must be accept, decline or cancel");
                None
            }
            None => None,
        };
        let reason = match reader.text("reason", false, 20).as_deref() {
            None | Some("") => None,
            Some(text) => match DeclineReason::parse(text) {
                Some(reason) => Some(reason),
                None => {
                    reader.error("reason", format!("must be one of {}", DeclineReason::NAMES));
                    None
                }
            },
        };
        match decision {
            Some(Decision::Decline) if reason.is_none() && reader.errors.is_empty() => {
                reader.error(
                    "reason",
                    format!("a decline needs its reason: {}", DeclineReason::NAMES),
                );
            }
            Some(Decision::Accept | Decision::Cancel) if reason.is_some() => {
                reader.error("reason", "only a decline takes a reason");
            }
            _ => {}
        }
        match (decision, reader.errors.is_empty()) {
            (Some(decision), true) => Ok(Answer { decision, reason }),
            _ => Err(reader.errors),
        }
    }
}

/// The fit of a (need, resource) pair: the score the need's match (`FIT_TOP` results) gives the
/// resource, exactly as `POST /api/v1/match` computes it; 0 when the resource is not among them.
pub fn pair_fit(catalog: &Catalog, need: &NeedRecord, resource: &str) -> f64 {
    fits_of(catalog, need)
        .into_iter()
        .find(|(id, _)| id == resource)
        .map_or(0.0, |(_, fit)| fit)
}

/// The need's best `FIT_TOP` resources with their fits, best first.
pub fn fits_of(catalog: &Catalog, need: &NeedRecord) -> Vec<(String, f64)> {
    let options = MatchOptions {
        top: FIT_TOP,
        explain: 0,
        ..MatchOptions::default()
    };
    catalog
        .matcher
        .match_need(&need.need(), &options)
        .into_iter()
        .map(|result| (result.id, result.score))
        .collect()
}
