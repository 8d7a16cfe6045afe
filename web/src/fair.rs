//! A docking fair's day in the broker's hands: the fairs (`GET /api/v1/fairs`), the opened fair's
//! day (`GET /api/v1/fairs/{id}/day`: slots, tables, who meets whom, check-ins, outcomes) kept in
//! localStorage so it opens with the network gone, and the check-ins and meeting outcomes the
//! broker records, queued in the engagements' exactly-once queue (`crate::engagements`) and read
//! back from it, so what was recorded offline shows at once and after a reload.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::browser::storage;
use crate::engagements::{self, Entry};

/// The fair the broker opened.
const OPEN_KEY: &str = "duijie:fair-open";
/// The fairs as last listed.
const LIST_KEY: &str = "duijie:fairs";
/// The opened fair's day as last read, per fair: this prefix and the fair's id.
const DAY_KEY: &str = "duijie:fair-day:";

/// A fair of the list.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FairItem {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub days: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Slot {
    pub index: usize,
    pub day: String,
    pub start: String,
    pub end: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Person {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub checked_in_at: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Meeting {
    pub request: String,
    pub slot: usize,
    pub table: usize,
    pub need_name: String,
    #[serde(default)]
    pub need_title: String,
    pub resource_name: String,
    #[serde(default)]
    pub outcome: Option<String>,
}

/// A fair's day as the server gave it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Day {
    pub fair: String,
    pub name: String,
    #[serde(default)]
    pub venue: String,
    pub slots: Vec<Slot>,
    pub participants: Vec<Person>,
    pub meetings: Vec<Meeting>,
}

/// What the broker's device knows of a check-in or an outcome: recorded on the server, or queued
/// here (not sent yet), or refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Mark {
    Server(String),
    Queued(String),
    Sent(String),
    Refused(String),
}

impl Mark {
    pub fn value(&self) -> &str {
        match self {
            Mark::Server(value)
            | Mark::Queued(value)
            | Mark::Sent(value)
            | Mark::Refused(value) => value,
        }
    }

    /// `server`, `queued`, `sent` or `failed`, for styling and tests.
    pub fn state(&self) -> &'static str {
        match self {
            Mark::Server(_) => "server",
            Mark::Queued(_) => "queued",
            Mark::Sent(_) => "sent",
            Mark::Refused(_) => "failed",
        }
    }
}

fn read<T: for<'de> Deserialize<'de>>(key: &str) -> Option<T> {
    let text = storage()?.get_item(key).ok().flatten()?;
    serde_json::from_str(&text).ok()
}

fn write(key: &str, value: &impl Serialize) {
    if let (Some(storage), Ok(text)) = (storage(), serde_json::to_string(value)) {
        let _ = storage.set_item(key, &text);
    }
}

/// The fair the broker opened, if any.
pub fn opened() -> Option<String> {
    storage()?
        .get_item(OPEN_KEY)
        .ok()
        .flatten()
        .filter(|id| !id.is_empty())
}

pub fn set_opened(fair: Option<&str>) {
    if let Some(storage) = storage() {
        let _ = match fair {
            Some(fair) => storage.set_item(OPEN_KEY, fair),
            None => storage.remove_item(OPEN_KEY),
        };
    }
}

/// The fairs as last listed.
pub fn cached_list() -> Vec<FairItem> {
    read(LIST_KEY).unwrap_or_default()
}

/// The fair's day as last read.
pub fn cached_day(fair: &str) -> Option<Day> {
    read(&format!("{DAY_KEY}{fair}"))
}

fn encode(text: &str) -> String {
    String::from(js_sys::encode_uri_component(text))
}

/// Lists the fairs and keeps the list; `None` when the server cannot be asked.
pub async fn fetch_list(token: &str) -> Option<Vec<FairItem>> {
    let (status, body) = engagements::request("GET", "/api/v1/fairs", token, None)
        .await
        .ok()?;
    if status != 200 {
        return None;
    }
    let items: Vec<FairItem> = serde_json::from_value(body["items"].clone()).ok()?;
    write(LIST_KEY, &items);
    Some(items)
}

/// Reads the fair's day and keeps it; `None` when the server cannot be asked or refuses.
pub async fn fetch_day(token: &str, fair: &str) -> Option<Day> {
    let path = format!("/api/v1/fairs/{}/day", encode(fair));
    let (status, body) = engagements::request("GET", &path, token, None).await.ok()?;
    if status != 200 {
        return None;
    }
    let day: Day = serde_json::from_value(body).ok()?;
    write(&format!("{DAY_KEY}{fair}"), &day);
    Some(day)
}

/// Where a fair's check-ins are sent.
pub fn checkins_path(fair: &str) -> String {
    format!("/api/v1/fairs/{}/checkins", encode(fair))
}

/// Where a meeting's outcomes are sent.
pub fn outcome_path(fair: &str, request: &str) -> String {
    format!(
        "/api/v1/fairs/{}/meetings/{}/outcome",
        encode(fair),
        encode(request)
    )
}

/// Queues a check-in of `participant`.
pub fn check_in(fair: &str, participant: &str) {
    engagements::enqueue_fair_action(checkins_path(fair), json!({ "participant": participant }));
}

/// Queues a meeting's outcome: `held`, `no_show` or `follow_up`.
pub fn record_outcome(fair: &str, request: &str, outcome: &str) {
    engagements::enqueue_fair_action(outcome_path(fair, request), json!({ "outcome": outcome }));
}

fn mark_of(entry: &Entry, value: String) -> Mark {
    match (&entry.error, &entry.id) {
        (Some(_), _) => Mark::Refused(value),
        (None, Some(_)) => Mark::Sent(value),
        (None, None) => Mark::Queued(value),
    }
}

/// The newest queued entry to `target`, with its body, that `keep` accepts.
fn newest<'a>(
    queue: &'a [Entry],
    target: &str,
    keep: impl Fn(&Value) -> bool,
) -> Option<(&'a Entry, Value)> {
    queue.iter().rev().find_map(|entry| {
        if entry.target.as_deref() != Some(target) {
            return None;
        }
        let body: Value = serde_json::from_str(&entry.body).ok()?;
        keep(&body).then_some((entry, body))
    })
}

/// Whether the participant is checked in: by this device's queue of check-ins sent to `target`
/// (`checkins_path`; a refused check-in does not count), else by the server's day.
pub fn check_in_mark(queue: &[Entry], target: &str, person: &Person) -> Option<Mark> {
    let queued = newest(queue, target, |body| {
        body["participant"].as_str() == Some(person.id.as_str())
    })
    .map(|(entry, _)| mark_of(entry, "checked_in".to_string()));
    match queued {
        Some(Mark::Refused(_)) | None => person
            .checked_in_at
            .as_ref()
            .map(|_| Mark::Server("checked_in".to_string()))
            .or(queued),
        queued => queued,
    }
}

/// A meeting's outcome: the last one this device sent to `target` (`outcome_path`), else the
/// server's.
pub fn outcome_mark(queue: &[Entry], target: &str, meeting: &Meeting) -> Option<Mark> {
    let queued = newest(queue, target, |body| body["outcome"].is_string())
        .map(|(entry, body)| mark_of(entry, body["outcome"].as_str().unwrap_or_default().into()));
    match queued {
        Some(Mark::Refused(_)) | None => meeting.outcome.clone().map(Mark::Server).or(queued),
        queued => queued,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(target: &str, body: Value, id: Option<&str>, error: Option<&str>) -> Entry {
        Entry {
            key: "k".into(),
            body: body.to_string(),
            target: Some(target.into()),
            id: id.map(str::to_string),
            error: error.map(str::to_string),
            ..Entry::default()
        }
    }

    fn person(checked: bool) -> Person {
        Person {
            id: "need:n-1".into(),
            name: "甲公司".into(),
            title: String::new(),
            checked_in_at: checked.then(|| "2030-06-01T01:00:00Z".to_string()),
        }
    }

    fn meeting(outcome: Option<&str>) -> Meeting {
        Meeting {
            request: "r-1".into(),
            slot: 0,
            table: 0,
            need_name: "甲公司".into(),
            need_title: String::new(),
            resource_name: "乙专家".into(),
            outcome: outcome.map(str::to_string),
        }
    }

    // The targets as `checkins_path` and `outcome_path` make them (encoding needs a browser).
    const CHECKINS: &str = "/api/v1/fairs/f1/checkins";
    const OUTCOME: &str = "/api/v1/fairs/f1/meetings/r-1/outcome";

    #[test]
    fn the_queue_says_what_this_device_recorded_before_the_server_knows() {
        assert_eq!(check_in_mark(&[], CHECKINS, &person(false)), None);
        let server = Some(Mark::Server("checked_in".into()));
        assert_eq!(check_in_mark(&[], CHECKINS, &person(true)), server);
        let queued = entry(CHECKINS, json!({"participant": "need:n-1"}), None, None);
        assert_eq!(
            check_in_mark(std::slice::from_ref(&queued), CHECKINS, &person(false)),
            Some(Mark::Queued("checked_in".into()))
        );
        let sent = entry(
            CHECKINS,
            json!({"participant": "need:n-1"}),
            Some("a1"),
            None,
        );
        assert_eq!(
            check_in_mark(&[sent], CHECKINS, &person(true)),
            Some(Mark::Sent("checked_in".into()))
        );
        // Another participant's, or another fair's, check-in is not theirs.
        let other = entry(CHECKINS, json!({"participant": "need:n-2"}), None, None);
        assert_eq!(check_in_mark(&[other], CHECKINS, &person(false)), None);
        assert_eq!(
            check_in_mark(&[queued], "/api/v1/fairs/f2/checkins", &person(false)),
            None
        );
        // A refused check-in shows as refused, unless the server has one.
        let refused = entry(
            CHECKINS,
            json!({"participant": "need:n-1"}),
            None,
            Some("no"),
        );
        assert_eq!(
            check_in_mark(std::slice::from_ref(&refused), CHECKINS, &person(false))
                .map(|mark| mark.state()),
            Some("failed")
        );
        assert_eq!(check_in_mark(&[refused], CHECKINS, &person(true)), server);
    }

    #[test]
    fn the_newest_outcome_this_device_recorded_wins_over_the_servers() {
        let held = entry(OUTCOME, json!({"outcome": "held"}), Some("a1"), None);
        let follow = entry(OUTCOME, json!({"outcome": "follow_up"}), None, None);
        assert_eq!(
            outcome_mark(&[held.clone(), follow], OUTCOME, &meeting(Some("held"))),
            Some(Mark::Queued("follow_up".into()))
        );
        assert_eq!(
            outcome_mark(&[held], OUTCOME, &meeting(None)),
            Some(Mark::Sent("held".into()))
        );
        assert_eq!(
            outcome_mark(&[], OUTCOME, &meeting(Some("no_show"))),
            Some(Mark::Server("no_show".into()))
        );
        assert_eq!(outcome_mark(&[], OUTCOME, &meeting(None)), None);
    }
}
