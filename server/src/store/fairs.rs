//! Docking fairs in the store: table `fairs` (one row per fair, its settings as JSON), and per fair
//! its participants (`fair_participants`), meeting requests (`fair_requests`) and scheduled
//! meetings (`fair_meetings`), each row keyed by the fair and its own id, the record as JSON; and
//! the day's log of check-ins and meeting outcomes (`fair_actions`), one row per entry, in order;
//! the meetings a change took out of the schedule (`fair_dropped`), for calendars; and each
//! participant's calendar subscription (`fair_calendars`: the SHA-256 of the secret in its URL).
//! The tables are in `server/migrations`.
//!
//! A change of a fair is one write transaction: the fair is read, the caller's change applied
//! to it in memory, and its rows written back, so two writers of one fair (two replicas, two
//! answers at once) never lose each other's change.

use crate::fair::outcomes::DayAction;
use crate::fair::{Dropped, Fair, FairData, Meeting, MeetingRequest, Participant};
use crate::store::db::{params, Area, Db};
use crate::store::{Store, StoreError};

fn decode<T: serde::de::DeserializeOwned>(id: &str, body: &str) -> Result<T, StoreError> {
    serde_json::from_str(body).map_err(|source| StoreError::Corrupt {
        id: id.to_string(),
        source,
    })
}

fn read(db: &mut Db<'_>, id: &str) -> Result<Option<FairData>, StoreError> {
    let Some(row) = db.query_opt("SELECT body FROM fairs WHERE id = ?1", params![id])? else {
        return Ok(None);
    };
    let body: String = row.get(0)?;
    let fair: Fair = decode(id, &body)?;
    let mut participants = Vec::new();
    for row in db.query(
        "SELECT id, body FROM fair_participants WHERE fair = ?1 ORDER BY id",
        params![id],
    )? {
        let key: String = row.get(0)?;
        let body: String = row.get(1)?;
        participants.push(decode::<Participant>(&key, &body)?);
    }
    let mut requests = Vec::new();
    for row in db.query(
        "SELECT id, body FROM fair_requests WHERE fair = ?1 ORDER BY position",
        params![id],
    )? {
        let key: String = row.get(0)?;
        let body: String = row.get(1)?;
        requests.push(decode::<MeetingRequest>(&key, &body)?);
    }
    let mut meetings = Vec::new();
    for row in db.query(
        "SELECT request, slot, seat, published FROM fair_meetings WHERE fair = ?1
         ORDER BY slot, seat",
        params![id],
    )? {
        let slot: i64 = row.get(1)?;
        let seat: i64 = row.get(2)?;
        let published: i64 = row.get(3)?;
        meetings.push(Meeting {
            request: row.get(0)?,
            slot: slot as usize,
            table: seat as usize,
            published: published != 0,
        });
    }
    let mut actions = Vec::new();
    for row in db.query(
        "SELECT position, body FROM fair_actions WHERE fair = ?1 ORDER BY position",
        params![id],
    )? {
        let position: i64 = row.get(0)?;
        let body: String = row.get(1)?;
        actions.push(decode::<DayAction>(&position.to_string(), &body)?);
    }
    let mut dropped = Vec::new();
    for row in db.query(
        "SELECT request, body FROM fair_dropped WHERE fair = ?1 ORDER BY request",
        params![id],
    )? {
        let key: String = row.get(0)?;
        let body: String = row.get(1)?;
        dropped.push(decode::<Dropped>(&key, &body)?);
    }
    Ok(Some(FairData {
        fair,
        participants,
        requests,
        meetings,
        actions,
        dropped,
    }))
}

fn write(db: &mut Db<'_>, data: &FairData) -> Result<(), StoreError> {
    let id = data.fair.id.as_str();
    db.execute(
        "INSERT INTO fairs (id, body) VALUES (?1, ?2)
         ON CONFLICT (id) DO UPDATE SET body = excluded.body",
        params![id, serde_json::to_string(&data.fair)?],
    )?;
    for table in [
        "fair_participants",
        "fair_requests",
        "fair_meetings",
        "fair_actions",
        "fair_dropped",
    ] {
        db.execute(&format!("DELETE FROM {table} WHERE fair = ?1"), params![id])?;
    }
    for participant in &data.participants {
        db.execute(
            "INSERT INTO fair_participants (fair, id, body) VALUES (?1, ?2, ?3)",
            params![id, participant.id, serde_json::to_string(participant)?],
        )?;
    }
    for (position, request) in data.requests.iter().enumerate() {
        let status = serde_json::to_value(request.status)?;
        db.execute(
            "INSERT INTO fair_requests (fair, id, position, need, resource, status, body)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                id,
                request.id,
                position as i64,
                request.need,
                request.resource,
                status.as_str().unwrap_or_default(),
                serde_json::to_string(request)?
            ],
        )?;
    }
    for meeting in &data.meetings {
        db.execute(
            "INSERT INTO fair_meetings (fair, request, slot, seat, published)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![
                id,
                meeting.request,
                meeting.slot as i64,
                meeting.table as i64,
                meeting.published
            ],
        )?;
    }
    for (position, action) in data.actions.iter().enumerate() {
        db.execute(
            "INSERT INTO fair_actions (fair, position, body) VALUES (?1, ?2, ?3)",
            params![id, position as i64, serde_json::to_string(action)?],
        )?;
    }
    for dropped in &data.dropped {
        db.execute(
            "INSERT INTO fair_dropped (fair, request, body) VALUES (?1, ?2, ?3)",
            params![id, dropped.request, serde_json::to_string(dropped)?],
        )?;
    }
    Ok(())
}

impl Store {
    /// Every fair's record (not its participants or requests), by id.
    pub fn fairs(&self) -> Result<Vec<Fair>, StoreError> {
        self.with(Area::Fairs, |db| {
            let mut fairs = Vec::new();
            for row in db.query("SELECT id, body FROM fairs ORDER BY id", params![])? {
                let id: String = row.get(0)?;
                let body: String = row.get(1)?;
                fairs.push(decode(&id, &body)?);
            }
            Ok(fairs)
        })
    }

    /// Everything stored about one fair, read in one transaction.
    pub fn fair(&self, id: &str) -> Result<Option<FairData>, StoreError> {
        self.with(Area::Fairs, |db| {
            db.begin_read()?;
            let data = read(db, id)?;
            db.commit()?;
            Ok(data)
        })
    }

    /// Reads the fair `id` (`None`: there is none), lets `change` change it (or refuse), and
    /// writes what it returns, all in one transaction; nothing is written when `change` fails.
    pub fn change_fair<T: Send, E: From<StoreError> + Send>(
        &self,
        id: &str,
        change: impl FnOnce(Option<FairData>) -> Result<(FairData, T), E> + Send,
    ) -> Result<T, E> {
        self.with(Area::Fairs, |db| {
            db.begin_write(Area::Fairs)?;
            let current = read(db, id)?;
            let (data, answer) = change(current)?;
            write(db, &data)?;
            db.commit()?;
            Ok(answer)
        })
    }

    /// Makes `secret_hash` (the SHA-256, hex, of a subscription URL's secret) the one calendar
    /// subscription of the participant: an earlier one stops working.
    pub fn set_fair_calendar(
        &self,
        fair: &str,
        participant: &str,
        secret_hash: &str,
        at: &str,
    ) -> Result<(), StoreError> {
        self.with(Area::Fairs, |db| {
            db.begin_write(Area::Fairs)?;
            db.execute(
                "DELETE FROM fair_calendars WHERE fair = ?1 AND participant = ?2",
                params![fair, participant],
            )?;
            db.execute(
                "INSERT INTO fair_calendars (secret_hash, fair, participant, created_at)
                 VALUES (?1, ?2, ?3, ?4)",
                params![secret_hash, fair, participant, at],
            )?;
            db.commit()?;
            Ok(())
        })
    }

    /// The fair and participant of a calendar subscription, by the SHA-256 (hex) of its secret.
    pub fn fair_calendar(&self, secret_hash: &str) -> Result<Option<(String, String)>, StoreError> {
        self.with(Area::Fairs, |db| {
            db.query_opt(
                "SELECT fair, participant FROM fair_calendars WHERE secret_hash = ?1",
                params![secret_hash],
            )?
            .map(|row| Ok((row.get(0)?, row.get(1)?)))
            .transpose()
        })
    }
}
