//! Decoding fair and schedule files from JSON values, each error located by record and field.
//!
//! Serde's derive would say "invalid type at line 40 column 12"; an organiser needs "request r17:
//! weight: must be a number", so records are decoded field by field. The command line and the
//! service both read fairs through [`instance_from_json`].

use serde_json::{Map, Value};

use crate::error::ScheduleError;
use crate::model::{Instance, Lock, Meeting, Participant, Request, Schedule};

/// Decodes a fair: `{"slots", "tables", "participants": [{"id", "available", "max_meetings"}],
/// "requests": [{"id", "a", "b", "weight", "lock": {"slot", "table"}}]}`. Unknown fields are
/// errors. The result still goes through the checks of [`crate::solve`] (unknown participants,
/// locks).
pub fn instance_from_json(value: &Value) -> Result<Instance, ScheduleError> {
    let fair = object(value, "fair", "")?;
    known_fields(
        fair,
        "fair",
        &["slots", "tables", "participants", "requests"],
    )?;
    let slots = count(fair, "fair", "slots")?;
    let tables = count(fair, "fair", "tables")?;
    let mut participants = Vec::new();
    for (index, value) in list(fair, "fair", "participants")?.iter().enumerate() {
        let at = record_name(value, "participant", "participants", index);
        let record = object(value, &at, "")?;
        known_fields(record, &at, &["id", "available", "max_meetings"])?;
        let id = text(record, &at, "id")?;
        let mut available = Vec::new();
        for (position, slot) in list(record, &at, "available")?.iter().enumerate() {
            available.push(slot.as_u64().map(|slot| slot as usize).ok_or_else(|| {
                malformed(
                    &at,
                    format!("available[{position}]"),
                    "must be a slot number (a whole number from 0)",
                )
            })?);
        }
        let max_meetings = count(record, &at, "max_meetings")?;
        participants.push(Participant {
            id,
            available,
            max_meetings,
        });
    }
    let mut requests = Vec::new();
    for (index, value) in list(fair, "fair", "requests")?.iter().enumerate() {
        let at = record_name(value, "request", "requests", index);
        let record = object(value, &at, "")?;
        known_fields(record, &at, &["id", "a", "b", "weight", "lock"])?;
        let id = text(record, &at, "id")?;
        let a = text(record, &at, "a")?;
        let b = text(record, &at, "b")?;
        let weight = match record.get("weight") {
            Some(Value::Number(number)) => number.as_f64().unwrap_or(f64::NAN),
            None | Some(Value::Null) => return Err(malformed(&at, "weight", "is required")),
            Some(_) => return Err(malformed(&at, "weight", "must be a number")),
        };
        let lock = match record.get("lock") {
            None | Some(Value::Null) => None,
            Some(value) => {
                let lock = object(value, &at, "lock")?;
                known_fields_in(lock, &at, "lock.", &["slot", "table"])?;
                Some(Lock {
                    slot: count_in(lock, &at, "lock.", "slot")?,
                    table: count_in(lock, &at, "lock.", "table")?,
                })
            }
        };
        requests.push(Request {
            id,
            a,
            b,
            weight,
            lock,
        });
    }
    Ok(Instance {
        slots,
        tables,
        participants,
        requests,
    })
}

/// Decodes a schedule as `duijie schedule --json` prints it: `{"meetings": [{"request", "slot",
/// "table"}], "unscheduled", "objective"}`, and `"upper_bound"` with `--bound` (ignored). Only
/// `meetings` is required: it is what re-planning starts from.
pub fn schedule_from_json(value: &Value) -> Result<Schedule, ScheduleError> {
    let schedule = object(value, "schedule", "")?;
    known_fields(
        schedule,
        "schedule",
        &["meetings", "unscheduled", "objective", "upper_bound"],
    )?;
    let mut meetings = Vec::new();
    for (index, value) in list(schedule, "schedule", "meetings")?.iter().enumerate() {
        let at = format!("schedule: meetings[{index}]");
        let record = object(value, &at, "")?;
        known_fields(record, &at, &["request", "slot", "table"])?;
        meetings.push(Meeting {
            request: text(record, &at, "request")?,
            slot: count(record, &at, "slot")?,
            table: count(record, &at, "table")?,
        });
    }
    let mut unscheduled = Vec::new();
    if let Some(value) = schedule.get("unscheduled").filter(|value| !value.is_null()) {
        let Some(ids) = value.as_array() else {
            return Err(malformed("schedule", "unscheduled", "must be a list"));
        };
        for (index, id) in ids.iter().enumerate() {
            let id = id.as_str().ok_or_else(|| {
                malformed(
                    "schedule",
                    format!("unscheduled[{index}]"),
                    "must be a string",
                )
            })?;
            unscheduled.push(id.to_string());
        }
    }
    let objective = match schedule.get("objective") {
        None | Some(Value::Null) => 0.0,
        Some(value) => value
            .as_f64()
            .ok_or_else(|| malformed("schedule", "objective", "must be a number"))?,
    };
    Ok(Schedule {
        meetings,
        unscheduled,
        objective,
    })
}

fn malformed(at: &str, field: impl Into<String>, message: impl Into<String>) -> ScheduleError {
    ScheduleError::Malformed {
        at: at.to_string(),
        field: field.into(),
        message: message.into(),
    }
}

/// `participant ID` when the record has a string id, else its place in the list.
fn record_name(value: &Value, kind: &str, list: &str, index: usize) -> String {
    match value.get("id").and_then(Value::as_str) {
        Some(id) if !id.is_empty() => format!("{kind} {id}"),
        _ => format!("{list}[{index}]"),
    }
}

fn object<'v>(
    value: &'v Value,
    at: &str,
    field: &str,
) -> Result<&'v Map<String, Value>, ScheduleError> {
    value
        .as_object()
        .ok_or_else(|| malformed(at, field, "must be a JSON object"))
}

fn known_fields(
    object: &Map<String, Value>,
    at: &str,
    fields: &[&str],
) -> Result<(), ScheduleError> {
    known_fields_in(object, at, "", fields)
}

fn known_fields_in(
    object: &Map<String, Value>,
    at: &str,
    prefix: &str,
    fields: &[&str],
) -> Result<(), ScheduleError> {
    match object.keys().find(|key| !fields.contains(&key.as_str())) {
        Some(key) => Err(malformed(
            at,
            format!("{prefix}{key}"),
            format!("unknown field (known: {})", fields.join(", ")),
        )),
        None => Ok(()),
    }
}

fn list<'v>(
    object: &'v Map<String, Value>,
    at: &str,
    field: &str,
) -> Result<&'v Vec<Value>, ScheduleError> {
    match object.get(field) {
        Some(Value::Array(items)) => Ok(items),
        None | Some(Value::Null) => Err(malformed(at, field, "is required")),
        Some(_) => Err(malformed(at, field, "must be a list")),
    }
}

fn text(object: &Map<String, Value>, at: &str, field: &str) -> Result<String, ScheduleError> {
    match object.get(field) {
        Some(Value::String(text)) if !text.is_empty() => Ok(text.clone()),
        Some(Value::String(_)) => Err(malformed(at, field, "must not be empty")),
        None | Some(Value::Null) => Err(malformed(at, field, "is required")),
        Some(_) => Err(malformed(at, field, "must be a string")),
    }
}

fn count(object: &Map<String, Value>, at: &str, field: &str) -> Result<usize, ScheduleError> {
    count_in(object, at, "", field)
}

fn count_in(
    object: &Map<String, Value>,
    at: &str,
    prefix: &str,
    field: &str,
) -> Result<usize, ScheduleError> {
    match object.get(field) {
        Some(value) if value.is_u64() => Ok(value.as_u64().unwrap_or(0) as usize),
        None | Some(Value::Null) => Err(malformed(at, format!("{prefix}{field}"), "is required")),
        Some(_) => Err(malformed(
            at,
            format!("{prefix}{field}"),
            "must be a whole number from 0",
        )),
    }
}
