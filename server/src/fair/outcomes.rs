//! The fair's day as brokers record it: a check-in per participant and each meeting's outcome
//! (held, no-show, follow-up wanted), kept as a log of what was recorded, each entry applied exactly
//! once per (token, idempotency key). The current state is read from the log: a participant is
//! checked in from their first check-in, and a meeting's outcome is the last one recorded. Routes
//! (`routes/fair_day.rs`) and the store call these; nothing here knows HTTP or SQL.

use duijie_core::FieldError;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use crate::fair::FairData;

/// Longest idempotency key and note.
const MAX_KEY: usize = 200;
const MAX_NOTE: usize = 2000;

/// What happened at a meeting.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MeetingOutcome {
    /// Both sides met.
    Held,
    /// One side did not come.
    NoShow,
    /// Held, and the two sides want to go on: an engagement intent is recorded, with the fair's id.
    FollowUp,
}

impl MeetingOutcome {
    pub const NAMES: &'static str = "held, no_show, follow_up";

    pub fn parse(text: &str) -> Option<MeetingOutcome> {
        Some(match text {
            "held" => MeetingOutcome::Held,
            "no_show" => MeetingOutcome::NoShow,
            "follow_up" => MeetingOutcome::FollowUp,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            MeetingOutcome::Held => "held",
            MeetingOutcome::NoShow => "no_show",
            MeetingOutcome::FollowUp => "follow_up",
        }
    }
}

/// What a log entry records.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DayActionKind {
    CheckIn,
    Outcome,
}

/// One check-in or outcome, as recorded (once).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct DayAction {
    /// `a` and the entry's number in the fair's log (`a1`, `a2`, …).
    pub id: String,
    pub kind: DayActionKind,
    /// The participant checked in (`need:ID` or `resource:ID`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub participant: Option<String>,
    /// The meeting's request id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<MeetingOutcome>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// When the server recorded it (RFC 3339 UTC).
    pub at: String,
    /// The first 16 hex digits of the recording token's SHA-256.
    pub by: String,
    /// The token's scope: broker, editor or admin.
    pub scope: String,
    /// The key the client sent; the same key from the same token is this entry again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idempotency_key: Option<String>,
    /// The SHA-256 (hex) of what was asked (path and body), to tell a retry from a reused key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_hash: Option<String>,
}

/// A check-in or an outcome as asked, before it is recorded.
#[derive(Clone, Debug, PartialEq)]
pub struct DayRequest {
    pub kind: DayActionKind,
    pub participant: Option<String>,
    pub request: Option<String>,
    pub outcome: Option<MeetingOutcome>,
    pub note: Option<String>,
    pub key: Option<String>,
    pub hash: String,
}

fn hash_of(subject: &str, body: &Value) -> String {
    let mut hasher = Sha256::new();
    hasher.update(subject.as_bytes());
    hasher.update(b"\n");
    // serde_json's maps are ordered (BTreeMap), so the same fields give the same text.
    hasher.update(body.to_string().as_bytes());
    hasher
        .finalize()
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

fn object<'a>(
    body: &'a Value,
    allowed: &[&str],
    errors: &mut Vec<FieldError>,
) -> Option<&'a serde_json::Map<String, Value>> {
    let Value::Object(map) = body else {
        errors.push(FieldError::new("", "must be a JSON object"));
        return None;
    };
    for key in map.keys() {
        if !allowed.contains(&key.as_str()) {
            errors.push(FieldError::new(
                key,
                format!("unknown field (known: {})", allowed.join(", ")),
            ));
        }
    }
    Some(map)
}

fn text(
    map: &serde_json::Map<String, Value>,
    field: &str,
    max: usize,
    errors: &mut Vec<FieldError>,
) -> Option<String> {
    match map.get(field) {
        None | Some(Value::Null) => None,
        Some(Value::String(text)) if text.trim().is_empty() => {
            errors.push(FieldError::new(field, "must not be empty"));
            None
        }
        Some(Value::String(text)) if text.chars().count() > max => {
            errors.push(FieldError::new(
                field,
                format!("is longer than {max} characters"),
            ));
            None
        }
        Some(Value::String(text)) => Some(text.trim().to_string()),
        Some(_) => {
            errors.push(FieldError::new(field, "must be a string"));
            None
        }
    }
}

impl DayRequest {
    /// A check-in body: `{"participant", "idempotency_key"?}`.
    pub fn check_in(body: &Value) -> Result<DayRequest, Vec<FieldError>> {
        let mut errors = Vec::new();
        let map = object(body, &["participant", "idempotency_key"], &mut errors);
        let (participant, key) = match map {
            Some(map) => (
                text(map, "participant", 300, &mut errors),
                text(map, "idempotency_key", MAX_KEY, &mut errors),
            ),
            None => (None, None),
        };
        if participant.is_none() && !errors.iter().any(|error| error.field == "participant") {
            errors.push(FieldError::new("participant", "is required"));
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(DayRequest {
            kind: DayActionKind::CheckIn,
            participant,
            request: None,
            outcome: None,
            note: None,
            key,
            hash: hash_of("check_in", body),
        })
    }

    /// An outcome body for the meeting of `request`: `{"outcome", "note"?, "idempotency_key"?}`.
    pub fn outcome(request: &str, body: &Value) -> Result<DayRequest, Vec<FieldError>> {
        let mut errors = Vec::new();
        let map = object(body, &["outcome", "note", "idempotency_key"], &mut errors);
        let (outcome, note, key) = match map {
            Some(map) => {
                let outcome = match map.get("outcome") {
                    None | Some(Value::Null) => {
                        errors.push(FieldError::new("outcome", "is required"));
                        None
                    }
                    Some(Value::String(name)) => {
                        let parsed = MeetingOutcome::parse(name);
                        if parsed.is_none() {
                            errors.push(FieldError::new(
                                "outcome",
                                format!("must be one of {}", MeetingOutcome::NAMES),
                            ));
                        }
                        parsed
                    }
                    Some(_) => {
                        errors.push(FieldError::new("outcome", "must be a string"));
                        None
                    }
                };
                (
                    outcome,
                    text(map, "note", MAX_NOTE, &mut errors),
                    text(map, "idempotency_key", MAX_KEY, &mut errors),
                )
            }
            None => (None, None, None),
        };
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(DayRequest {
            kind: DayActionKind::Outcome,
            participant: None,
            request: Some(request.to_string()),
            outcome,
            note,
            key,
            hash: hash_of(&format!("outcome {request}"), body),
        })
    }
}

/// What recording a request did.
#[derive(Clone, Debug, PartialEq)]
pub enum Recorded {
    /// A new log entry.
    New(DayAction),
    /// The same token sent this key with this request before: the entry it made then.
    Replayed(DayAction),
    /// The same token sent this key with another request.
    KeyReused(String),
}

impl FairData {
    /// The entry the token `by` recorded under `key`, if any.
    pub fn action_by_key(&self, by: &str, key: &str) -> Option<&DayAction> {
        self.actions
            .iter()
            .find(|action| action.by == by && action.idempotency_key.as_deref() == Some(key))
    }

    /// When the participant was first checked in.
    pub fn checked_in(&self, participant: &str) -> Option<&DayAction> {
        self.actions.iter().find(|action| {
            action.kind == DayActionKind::CheckIn
                && action.participant.as_deref() == Some(participant)
        })
    }

    /// The meeting's outcome: the last one recorded.
    pub fn outcome_of(&self, request: &str) -> Option<&DayAction> {
        self.actions.iter().rev().find(|action| {
            action.kind == DayActionKind::Outcome && action.request.as_deref() == Some(request)
        })
    }

    /// The first follow-up recorded for the meeting: whose token records its engagement.
    pub fn first_follow_up(&self, request: &str) -> Option<&DayAction> {
        self.actions.iter().find(|action| {
            action.request.as_deref() == Some(request)
                && action.outcome == Some(MeetingOutcome::FollowUp)
        })
    }

    /// Records `asked` for the token `by` (scope `scope`) at `at`, or finds the entry a retry of it
    /// made. A participant or meeting the fair does not have is an error located by field.
    pub fn record(
        &mut self,
        asked: &DayRequest,
        by: &str,
        scope: &str,
        at: &str,
    ) -> Result<Recorded, Vec<FieldError>> {
        if let Some(key) = &asked.key {
            if let Some(found) = self.action_by_key(by, key) {
                return Ok(
                    if found.request_hash.as_deref() == Some(asked.hash.as_str()) {
                        Recorded::Replayed(found.clone())
                    } else {
                        Recorded::KeyReused(found.id.clone())
                    },
                );
            }
        }
        if let Some(participant) = &asked.participant {
            if self.participant(participant).is_none() {
                return Err(vec![FieldError::new(
                    "participant",
                    format!("no participant '{participant}' in this fair"),
                )]);
            }
        }
        if let Some(request) = &asked.request {
            if !self
                .meetings
                .iter()
                .any(|meeting| &meeting.request == request)
            {
                return Err(vec![FieldError::new(
                    "request",
                    format!("no meeting of request '{request}' in this fair's schedule"),
                )]);
            }
        }
        let action = DayAction {
            id: format!("a{}", self.actions.len() + 1),
            kind: asked.kind,
            participant: asked.participant.clone(),
            request: asked.request.clone(),
            outcome: asked.outcome,
            note: asked.note.clone(),
            at: at.to_string(),
            by: by.to_string(),
            scope: scope.to_string(),
            idempotency_key: asked.key.clone(),
            request_hash: Some(asked.hash.clone()),
        };
        self.actions.push(action.clone());
        Ok(Recorded::New(action))
    }
}

/// The idempotency key of the engagement a meeting's follow-up records: one per fair and request,
/// so that however often (and by whom) the follow-up is recorded, the engagement is created once.
pub fn follow_up_key(fair: &str, request: &str) -> String {
    format!("fair:{fair}:follow-up:{request}")
}
