//! Intended engagements (对接意向) recorded at the fair: queued in localStorage, sent to
//! `POST /api/v1/engagements` with a broker token when the server is reachable, and followed by
//! their status. The same queue carries the needs a broker saves as stored needs (`POST
//! /api/v1/needs`, for an enterprise the broker names); an intent recorded for a saved need names it;
//! and a fair's check-ins and meeting outcomes (`POST /api/v1/fairs/{id}/checkins` and
//! `.../meetings/{request}/outcome`, see `crate::fair`).
//!
//! Exactly once: each entry gets an idempotency key when it is queued and keeps the exact request
//! body, so a retry after a dropped connection (the server may have recorded it) is the same
//! request, which the server answers with the record it already has. An entry leaves the queue only
//! when the server has answered it; a reply that retrying cannot change (a refused body) marks it
//! failed, with the server's message, instead of retrying forever.

use duijie_core::engagement::Status;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{Request, RequestInit, Response};

use crate::browser::{storage, window};

const QUEUE_KEY: &str = "duijie:engagements";
const TOKEN_KEY: &str = "duijie:broker-token";
/// The fair the broker chose at sign-in.
const FAIR_KEY: &str = "duijie:fair";
/// The fields an error answer names as refused, with why: the server lists them under
/// `details.errors` (`ApiError::invalid`).
pub fn refused_fields(error: &Value) -> Vec<(String, String)> {
    error["details"]["errors"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|detail| {
            Some((
                detail["field"].as_str()?.to_string(),
                detail["message"].as_str()?.to_string(),
            ))
        })
        .collect()
}

/// The enterprise of the last intent, offered again for the next one (a broker often records
/// several intents for the enterprise at the table).
const ENTERPRISE_KEY: &str = "duijie:enterprise";
/// Retry delay after a send that could not reach the server.
pub const RETRY_MS: i32 = 3000;

/// One queued engagement and what the server said of it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    /// The idempotency key, fixed when queued.
    pub key: String,
    pub resource_id: String,
    /// The request body, sent byte for byte on every attempt.
    pub body: String,
    pub recorded_at: String,
    /// The server's record id, once it has answered: 32 hex digits (a number from servers before
    /// ids were random; the server still answers to it, and the next status check replaces it).
    #[serde(default, deserialize_with = "record_id_field")]
    pub id: Option<String>,
    /// The record's status on the server (intent, contacted, …, landed, dropped).
    #[serde(default)]
    pub status: Option<String>,
    /// Why the server refused it; such an entry is not sent again.
    #[serde(default)]
    pub error: Option<String>,
    /// A need saved as a stored need (sent to `/api/v1/needs`, its id fixed in the body) rather
    /// than an intent.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub saves_need: bool,
    /// Where a fair's check-in or meeting outcome is sent (its body carries the key); `None` for
    /// intents and saved needs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
}

/// What the broker says of an intent besides the need and the resource: the fair it is recorded
/// at, a note, and the enterprise (its name and GB/T 2260 region). Empty values are left out.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Details {
    pub fair: Option<String>,
    pub note: Option<String>,
    pub enterprise: Option<String>,
    pub enterprise_region: Option<String>,
    /// The stored need the intent answers (a need the broker saved).
    pub need_id: Option<String>,
}

impl Details {
    /// The enterprise part, as remembered for the next intent.
    pub fn enterprise_only(&self) -> Details {
        Details {
            enterprise: self.enterprise.clone(),
            enterprise_region: self.enterprise_region.clone(),
            ..Details::default()
        }
    }
}

impl Entry {
    /// A new entry for `need` about `resource_id`, with its key and body fixed now.
    pub fn new(
        key: String,
        need: &str,
        resource_id: &str,
        recorded_at: String,
        details: &Details,
    ) -> Entry {
        let mut body = json!({
            "need": {"text": need},
            "resource_id": resource_id,
            "idempotency_key": key,
        });
        for (name, value) in [
            ("fair", &details.fair),
            ("note", &details.note),
            ("enterprise", &details.enterprise),
            ("enterprise_region", &details.enterprise_region),
            ("need_id", &details.need_id),
        ] {
            if let Some(value) = value
                .as_deref()
                .map(str::trim)
                .filter(|value| !value.is_empty())
            {
                body[name] = json!(value);
            }
        }
        let body = body.to_string();
        Entry {
            key,
            resource_id: resource_id.to_string(),
            body,
            recorded_at,
            ..Entry::default()
        }
    }

    /// The need as typed, saved for `organization`: a members' need whose id is fixed now, from
    /// the key, so that a retry is the same request and stores it once.
    pub fn saved_need(key: String, need: &str, organization: &str, recorded_at: String) -> Entry {
        let body = json!({
            "id": format!("need-{key}"),
            "text": need,
            "organization": organization.trim(),
            "visibility": "members",
        });
        Entry {
            key,
            body: body.to_string(),
            recorded_at,
            saves_need: true,
            ..Entry::default()
        }
    }

    /// A fair's check-in or outcome: `body` (an object) sent to `target` with the key added.
    pub fn fair_action(key: String, target: String, mut body: Value, recorded_at: String) -> Entry {
        body["idempotency_key"] = json!(key);
        Entry {
            key,
            body: body.to_string(),
            recorded_at,
            target: Some(target),
            ..Entry::default()
        }
    }

    /// Where the entry is sent.
    pub fn path(&self) -> &str {
        match &self.target {
            Some(target) => target,
            None if self.saves_need => "/api/v1/needs",
            None => "/api/v1/engagements",
        }
    }

    /// For a saved need: its stored id and the need's text as saved.
    pub fn saved(&self) -> Option<(String, String)> {
        if !self.saves_need {
            return None;
        }
        let body: Value = serde_json::from_str(&self.body).ok()?;
        Some((
            body["id"].as_str()?.to_string(),
            body["text"].as_str()?.to_string(),
        ))
    }

    /// Waiting to be sent.
    pub fn pending(&self) -> bool {
        self.id.is_none() && self.error.is_none()
    }

    /// Sent, and still moving on the server (worth asking for its status).
    pub fn open(&self) -> bool {
        !self.saves_need
            && self.target.is_none()
            && self.id.is_some()
            && !self
                .status
                .as_deref()
                .and_then(Status::parse)
                .is_some_and(Status::is_final)
    }
}

/// What one reply means for an entry.
#[derive(Debug, PartialEq)]
pub enum Outcome {
    /// Recorded (201) or already recorded under this key (200).
    Recorded { id: String, status: String },
    /// The token is missing, unknown or not allowed: keep the entry, ask the broker to sign in.
    SignIn,
    /// The server refused the body; retrying the same request cannot succeed.
    Refused(String),
    /// Not now (a server error, overload, a proxy): keep the entry and retry.
    Retry,
}

/// Reads a reply to `POST /api/v1/engagements` (the record) or `POST /api/v1/needs` (the need
/// under `need`).
pub fn outcome(status: u16, body: &Value) -> Outcome {
    match status {
        200 | 201 => match (
            record_id(&body["id"]),
            body["status"].as_str().or(body["need"]["status"].as_str()),
        ) {
            (Some(id), Some(state)) => Outcome::Recorded {
                id,
                status: state.to_string(),
            },
            _ => Outcome::Retry,
        },
        401 | 403 => Outcome::SignIn,
        400 | 404 | 409 | 413 | 422 => {
            let error = &body["error"];
            let mut message = error["message"]
                .as_str()
                .unwrap_or("refused by the server")
                .to_string();
            for (field, text) in refused_fields(error) {
                message.push_str(&format!("; {field}: {text}"));
            }
            Outcome::Refused(message)
        }
        _ => Outcome::Retry,
    }
}

/// A record's id as the server gives it: text, or a number from servers before ids were random.
fn record_id(value: &Value) -> Option<String> {
    match value {
        Value::String(id) if !id.is_empty() => Some(id.clone()),
        Value::Number(id) => id.as_u64().map(|id| id.to_string()),
        _ => None,
    }
}

fn record_id_field<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<String>, D::Error> {
    Ok(record_id(&Value::deserialize(deserializer)?))
}

/// Applies a reply's outcome to an entry.
pub fn apply(entry: &mut Entry, outcome: &Outcome) {
    match outcome {
        Outcome::Recorded { id, status } => {
            entry.id = Some(id.clone());
            entry.status = Some(status.clone());
            entry.error = None;
        }
        Outcome::Refused(message) => entry.error = Some(message.clone()),
        Outcome::SignIn | Outcome::Retry => {}
    }
}

/// Reads the stored queue. Entries stored by an earlier widget (no key) get one now.
pub fn load() -> Vec<Entry> {
    let Some(text) = storage().and_then(|storage| storage.get_item(QUEUE_KEY).ok().flatten())
    else {
        return Vec::new();
    };
    let values: Vec<Value> = serde_json::from_str(&text).unwrap_or_default();
    values
        .into_iter()
        .filter_map(
            |value| match serde_json::from_value::<Entry>(value.clone()) {
                Ok(entry) => Some(entry),
                Err(_) => {
                    let resource_id = value["resource_id"].as_str()?;
                    let need = value["need"]["text"].as_str().unwrap_or_default();
                    let recorded_at = value["recorded_at"].as_str().unwrap_or_default();
                    Some(Entry::new(
                        new_key(),
                        need,
                        resource_id,
                        recorded_at.to_string(),
                        &Details::default(),
                    ))
                }
            },
        )
        .collect()
}

pub fn save(queue: &[Entry]) {
    if let (Some(storage), Ok(text)) = (storage(), serde_json::to_string(queue)) {
        let _ = storage.set_item(QUEUE_KEY, &text);
    }
}

/// Queues an intent for `resource_id` with the need as typed and the broker's details; remembers
/// the enterprise for the next intent.
pub fn enqueue(need: &str, resource_id: &str, details: &Details) {
    let mut queue = load();
    let recorded_at = String::from(js_sys::Date::new_0().to_iso_string());
    queue.push(Entry::new(
        new_key(),
        need,
        resource_id,
        recorded_at,
        details,
    ));
    save(&queue);
    if let (Some(storage), Ok(text)) =
        (storage(), serde_json::to_string(&details.enterprise_only()))
    {
        let _ = storage.set_item(ENTERPRISE_KEY, &text);
    }
}

/// Queues a fair's check-in or outcome (`body` to `target`), with its key fixed now.
pub fn enqueue_fair_action(target: String, body: Value) {
    let mut queue = load();
    let recorded_at = String::from(js_sys::Date::new_0().to_iso_string());
    queue.push(Entry::fair_action(new_key(), target, body, recorded_at));
    save(&queue);
}

/// Queues the need as typed, to be saved as a stored need of `organization`; remembers the
/// enterprise for the intents that follow.
pub fn enqueue_need(need: &str, organization: &str) {
    let mut queue = load();
    let recorded_at = String::from(js_sys::Date::new_0().to_iso_string());
    queue.push(Entry::saved_need(
        new_key(),
        need,
        organization,
        recorded_at,
    ));
    save(&queue);
    let mut last = last_enterprise();
    last.enterprise = Some(organization.trim().to_string());
    if let (Some(storage), Ok(text)) = (storage(), serde_json::to_string(&last)) {
        let _ = storage.set_item(ENTERPRISE_KEY, &text);
    }
}

/// The newest saved need whose text is `need` (trimmed), refused or not.
pub fn saved_entry_for(queue: &[Entry], need: &str) -> Option<Entry> {
    queue
        .iter()
        .rev()
        .find(|entry| entry.saved().is_some_and(|(_, text)| text == need))
        .cloned()
}

/// The newest saved need whose text is `need`, if the server did not refuse it: the one the
/// intents for this need name.
pub fn saved_need_for(queue: &[Entry], need: &str) -> Option<Entry> {
    saved_entry_for(queue, need).filter(|entry| entry.error.is_none())
}

/// The enterprise of the last intent (name and region), to offer for the next one.
pub fn last_enterprise() -> Details {
    storage()
        .and_then(|storage| storage.get_item(ENTERPRISE_KEY).ok().flatten())
        .and_then(|text| serde_json::from_str(&text).ok())
        .unwrap_or_default()
}

/// The fair the broker chose, if any.
pub fn stored_fair() -> Option<String> {
    storage()
        .and_then(|storage| storage.get_item(FAIR_KEY).ok().flatten())
        .filter(|fair| !fair.trim().is_empty())
}

pub fn set_fair(fair: Option<&str>) {
    if let Some(storage) = storage() {
        let _ = match fair.map(str::trim).filter(|fair| !fair.is_empty()) {
            Some(fair) => storage.set_item(FAIR_KEY, fair),
            None => storage.remove_item(FAIR_KEY),
        };
    }
}

/// The newest entry for a resource.
pub fn entry_for(queue: &[Entry], resource_id: &str) -> Option<Entry> {
    queue
        .iter()
        .rev()
        .find(|entry| entry.resource_id == resource_id)
        .cloned()
}

/// A random idempotency key: 128 bits from the browser's CSPRNG, as hex.
fn new_key() -> String {
    let mut bytes = [0u8; 16];
    let filled = window()
        .crypto()
        .ok()
        .and_then(|crypto| crypto.get_random_values_with_u8_array(&mut bytes).ok())
        .is_some();
    if !filled {
        // No Web Crypto (very old browsers): time and Math.random still make a collision unlikely
        // within one broker's queue, which is what the key is scoped to.
        let seed = js_sys::Date::now().to_bits() ^ (js_sys::Math::random() * 1e15) as u64;
        bytes[..8].copy_from_slice(&seed.to_le_bytes());
        bytes[8..].copy_from_slice(&((js_sys::Math::random() * 1e15) as u64).to_le_bytes());
    }
    let hex: String = bytes.iter().map(|byte| format!("{byte:02x}")).collect();
    format!("w-{hex}")
}

/// The stored queue and sign-in, for the widget's state.
pub fn stored() -> crate::state::Action {
    crate::state::Action::Engagements {
        queue: load(),
        signed_in: token().is_some(),
    }
}

/// The broker token the widget signed in with.
pub fn token() -> Option<String> {
    storage()
        .and_then(|storage| storage.get_item(TOKEN_KEY).ok().flatten())
        .filter(|token| !token.is_empty())
}

pub fn set_token(token: Option<&str>) {
    if let Some(storage) = storage() {
        let _ = match token {
            Some(token) => storage.set_item(TOKEN_KEY, token),
            None => storage.remove_item(TOKEN_KEY),
        };
    }
}

/// Checks a token with `GET /api/v1/whoami`: its scope, or why it cannot be used.
pub async fn sign_in(token: &str) -> Result<String, SignInError> {
    let (status, body) = request("GET", "/api/v1/whoami", token, None)
        .await
        .map_err(|_| SignInError::Network)?;
    match (status, body["scope"].as_str()) {
        (200, Some(scope)) => Ok(scope.to_string()),
        (401 | 403, _) => Err(SignInError::Rejected),
        _ => Err(SignInError::Network),
    }
}

#[derive(Debug, PartialEq, Eq)]
pub enum SignInError {
    Rejected,
    Network,
}

/// What a send run did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct SendReport {
    /// Some entry is still pending because the server could not be reached or said not now.
    pub retry: bool,
    /// The server refused the token.
    pub sign_in: bool,
}

thread_local! {
    static SENDING: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Sends every pending entry, then asks for the status of the open ones. One run at a time; the
/// queue is saved after every reply, so a reload mid-run loses nothing.
pub async fn send_pending(token: &str) -> SendReport {
    let mut report = SendReport::default();
    if SENDING.with(|sending| sending.replace(true)) {
        return report;
    }
    for key in load()
        .iter()
        .filter(|entry| entry.pending())
        .map(|entry| entry.key.clone())
        .collect::<Vec<_>>()
    {
        // Read the entry again: another tab may have sent it meanwhile.
        let Some(entry) = load().into_iter().find(|entry| entry.key == key) else {
            continue;
        };
        if !entry.pending() {
            continue;
        }
        let outcome = match request("POST", entry.path(), token, Some(&entry.body)).await {
            Ok((status, body)) => outcome(status, &body),
            Err(()) => Outcome::Retry,
        };
        match outcome {
            Outcome::SignIn => {
                report.sign_in = true;
                break;
            }
            Outcome::Retry => {
                report.retry = true;
                break;
            }
            _ => update(&key, |entry| apply(entry, &outcome)),
        }
    }
    if !report.sign_in {
        for (key, id) in load()
            .iter()
            .filter(|entry| entry.open())
            .filter_map(|entry| Some((entry.key.clone(), entry.id.clone()?)))
            .collect::<Vec<_>>()
        {
            let path = format!("/api/v1/engagements/{id}");
            if let Ok((200, body)) = request("GET", &path, token, None).await {
                if let Some(status) = body["status"].as_str() {
                    let record = record_id(&body["id"]);
                    update(&key, |entry| {
                        entry.status = Some(status.to_string());
                        // An old numeric id becomes the record's random id.
                        if record.is_some() {
                            entry.id = record;
                        }
                    });
                }
            }
        }
    }
    SENDING.with(|sending| sending.set(false));
    report
}

fn update(key: &str, change: impl FnOnce(&mut Entry)) {
    let mut queue = load();
    if let Some(entry) = queue.iter_mut().find(|entry| entry.key == key) {
        change(entry);
        save(&queue);
    }
}

/// One JSON request with the token; the status and the parsed body (null when not JSON), or
/// `Err` when the network failed.
pub(crate) async fn request(
    method: &str,
    path: &str,
    token: &str,
    body: Option<&str>,
) -> Result<(u16, Value), ()> {
    let init = RequestInit::new();
    init.set_method(method);
    if let Some(body) = body {
        init.set_body(&wasm_bindgen::JsValue::from_str(body));
    }
    let request = Request::new_with_str_and_init(path, &init).map_err(|_| ())?;
    let headers = request.headers();
    headers
        .set("Authorization", &format!("Bearer {token}"))
        .map_err(|_| ())?;
    if body.is_some() {
        headers
            .set("Content-Type", "application/json")
            .map_err(|_| ())?;
    }
    let response: Response = JsFuture::from(window().fetch_with_request(&request))
        .await
        .map_err(|_| ())?
        .dyn_into()
        .map_err(|_| ())?;
    let status = response.status();
    let text = match response.text() {
        Ok(promise) => JsFuture::from(promise)
            .await
            .ok()
            .and_then(|text| text.as_string())
            .ok_or(())?,
        Err(_) => return Err(()),
    };
    Ok((status, serde_json::from_str(&text).unwrap_or(Value::Null)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_entry_carries_its_key_in_a_fixed_body() {
        let entry = Entry::new(
            "w-1".into(),
            "锂电池回收",
            "a-1",
            "2026-11-26T00:00:00Z".into(),
            &Details::default(),
        );
        let body: Value = serde_json::from_str(&entry.body).unwrap();
        assert_eq!(
            body,
            json!({"need": {"text": "锂电池回收"}, "resource_id": "a-1", "idempotency_key": "w-1"})
        );
        assert!(entry.pending() && !entry.open());
    }

    #[test]
    fn an_entry_carries_the_fair_note_and_enterprise_given() {
        let details = Details {
            fair: Some("2025 大湾区对接会".into()),
            note: Some(" 三个月内试点 ".into()),
            enterprise: Some("示例储能科技".into()),
            enterprise_region: Some("440305".into()),
            need_id: None,
        };
        let entry = Entry::new("w-9".into(), "热失控预警", "a-9", String::new(), &details);
        let body: Value = serde_json::from_str(&entry.body).unwrap();
        assert_eq!(
            body,
            json!({"need": {"text": "热失控预警"}, "resource_id": "a-9", "idempotency_key": "w-9",
                "fair": "2025 大湾区对接会", "note": "三个月内试点", "enterprise": "示例储能科技",
                "enterprise_region": "440305"})
        );
        // Blank details are left out rather than sent empty (the server refuses empty names).
        let blank = Details {
            note: Some("  ".into()),
            ..Details::default()
        };
        let entry = Entry::new("w-10".into(), "需要", "a-10", String::new(), &blank);
        assert!(!entry.body.contains("note"));
        assert_eq!(details.enterprise_only().note, None);
    }

    #[test]
    fn a_saved_need_has_a_fixed_id_and_intents_name_it() {
        let entry = Entry::saved_need("w-5".into(), "热失控预警", " 示例储能科技 ", String::new());
        let body: Value = serde_json::from_str(&entry.body).unwrap();
        assert_eq!(
            body,
            json!({"id": "need-w-5", "text": "热失控预警", "organization": "示例储能科技",
                "visibility": "members"})
        );
        assert_eq!(entry.path(), "/api/v1/needs");
        assert!(entry.pending() && !entry.open());
        let queue = vec![entry.clone()];
        assert_eq!(saved_need_for(&queue, "热失控预警"), Some(entry.clone()));
        assert_eq!(saved_need_for(&queue, "另一个需求"), None);
        // A refused need is shown, but intents do not name it.
        let mut refused = queue.clone();
        apply(&mut refused[0], &Outcome::Refused("no".into()));
        assert!(saved_entry_for(&refused, "热失控预警").is_some());
        assert_eq!(saved_need_for(&refused, "热失控预警"), None);
        // The server answers a saved need with the need under `need`.
        let mut sent = entry;
        let reply = json!({"id": "need-w-5", "need": {"id": "need-w-5", "status": "open"}});
        apply(&mut sent, &outcome(201, &reply));
        assert_eq!(sent.id.as_deref(), Some("need-w-5"));
        assert!(!sent.pending() && !sent.open());
        let details = Details {
            need_id: Some("need-w-5".into()),
            ..Details::default()
        };
        let intent = Entry::new("w-6".into(), "热失控预警", "a-1", String::new(), &details);
        let body: Value = serde_json::from_str(&intent.body).unwrap();
        assert_eq!(body["need_id"], "need-w-5");
        assert_eq!(intent.path(), "/api/v1/engagements");
    }

    #[test]
    fn a_fair_action_goes_to_its_target_with_its_key_and_is_done_once_answered() {
        let target = "/api/v1/fairs/f1/meetings/r-1/outcome".to_string();
        let mut entry = Entry::fair_action(
            "w-7".into(),
            target.clone(),
            json!({"outcome": "follow_up"}),
            String::new(),
        );
        assert_eq!(entry.path(), target);
        let body: Value = serde_json::from_str(&entry.body).unwrap();
        assert_eq!(
            body,
            json!({"outcome": "follow_up", "idempotency_key": "w-7"})
        );
        assert!(entry.pending());
        // Stored and read back, it is the same request.
        let stored: Entry = serde_json::from_str(&serde_json::to_string(&entry).unwrap()).unwrap();
        assert_eq!(stored, entry);
        // The server answers with its log entry; no status to follow afterwards.
        apply(
            &mut entry,
            &outcome(201, &json!({"id": "a3", "status": "follow_up"})),
        );
        assert!(!entry.pending() && !entry.open());
        // An intent stored before fair actions existed reads as one.
        let old: Entry = serde_json::from_str(
            r#"{"key":"w-1","resource_id":"a-1","body":"{}","recorded_at":""}"#,
        )
        .unwrap();
        assert_eq!(old.path(), "/api/v1/engagements");
    }

    #[test]
    fn replies_decide_whether_to_keep_retry_or_stop() {
        let recorded = json!({"id": "9f86d081884c7d659a2feaa0c55ad015", "status": "intent"});
        assert_eq!(
            outcome(201, &recorded),
            Outcome::Recorded {
                id: "9f86d081884c7d659a2feaa0c55ad015".into(),
                status: "intent".into()
            }
        );
        // A server from before random ids answers with a number.
        assert_eq!(
            outcome(201, &json!({"id": 7, "status": "intent"})),
            Outcome::Recorded {
                id: "7".into(),
                status: "intent".into()
            }
        );
        // A replay of the same key answers 200 with the same record.
        assert_eq!(outcome(200, &recorded), outcome(201, &recorded));
        assert_eq!(outcome(401, &Value::Null), Outcome::SignIn);
        assert_eq!(outcome(403, &Value::Null), Outcome::SignIn);
        for status in [500, 502, 503, 429] {
            assert_eq!(outcome(status, &Value::Null), Outcome::Retry, "{status}");
        }
        // A 2xx without a record (a captive portal's page) is not taken as sent.
        assert_eq!(outcome(200, &json!("<html>")), Outcome::Retry);
        let refused = json!({"error": {"code": "invalid", "message": "the engagement is not valid",
            "details": {"errors": [{"field": "resource_id", "message": "no resource with id 'x'"}], "total": 1}}});
        assert_eq!(
            outcome(422, &refused),
            Outcome::Refused(
                "the engagement is not valid; resource_id: no resource with id 'x'".into()
            )
        );
    }

    #[test]
    fn entries_stored_with_numeric_ids_still_load() {
        let stored = r#"[{"key":"w-1","resource_id":"a","body":"{}","recorded_at":"","id":12,"status":"intent"},
            {"key":"w-2","resource_id":"b","body":"{}","recorded_at":"","id":"00ff00ff00ff00ff00ff00ff00ff00ff"},
            {"key":"w-3","resource_id":"c","body":"{}","recorded_at":""}]"#;
        let entries: Vec<Entry> = serde_json::from_str(stored).unwrap();
        assert_eq!(entries[0].id.as_deref(), Some("12"));
        assert_eq!(
            entries[1].id.as_deref(),
            Some("00ff00ff00ff00ff00ff00ff00ff00ff")
        );
        assert_eq!(entries[2].id, None);
        assert!(entries[0].open() && entries[2].pending());
    }

    #[test]
    fn applying_outcomes_moves_an_entry_once() {
        let mut entry = Entry::new(
            "w-2".into(),
            "need",
            "a-2",
            String::new(),
            &Details::default(),
        );
        apply(&mut entry, &Outcome::Retry);
        apply(&mut entry, &Outcome::SignIn);
        assert!(entry.pending());
        apply(
            &mut entry,
            &Outcome::Recorded {
                id: "3".into(),
                status: "intent".into(),
            },
        );
        assert!(!entry.pending() && entry.open());
        entry.status = Some("landed".into());
        assert!(!entry.open());
        // Open until the status is final, as `duijie_core::engagement::Status` says; a status this
        // widget does not know stays open.
        for status in Status::ALL {
            entry.status = Some(status.as_str().into());
            assert_eq!(entry.open(), !status.is_final(), "{status}");
        }
        entry.status = Some("reviewed".into());
        assert!(entry.open());
        let mut refused = Entry::new(
            "w-3".into(),
            "need",
            "a-3",
            String::new(),
            &Details::default(),
        );
        apply(&mut refused, &Outcome::Refused("no".into()));
        assert!(!refused.pending() && !refused.open());
    }
}
