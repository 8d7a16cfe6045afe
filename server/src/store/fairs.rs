//! Docking fairs in the store: table `fairs` (one row per fair, its settings as JSON), and per fair
//! its participants (`fair_participants`), meeting requests (`fair_requests`) and scheduled
//! meetings (`fair_meetings`), each row keyed by the fair and its own id, the record as JSON; and
//! the day's log of check-ins and meeting outcomes (`fair_actions`), one row per entry, in order;
//! the meetings a change took out of the schedule (`fair_dropped`), for calendars; and each
//! participant's calendar subscription (`fair_calendars`: the SHA-256 of the secret in its URL).
//!
//! A change of a fair is one IMMEDIATE transaction: the fair is read, the caller's change applied
//! to it in memory, and its rows written back, so two writers of one fair (two replicas, two
//! answers at once) never lose each other's change.

use rusqlite::{params, Connection, OptionalExtension};

use crate::fair::outcomes::DayAction;
use crate::fair::{Dropped, Fair, FairData, Meeting, MeetingRequest, Participant};
use crate::store::{lock, Store, StoreError};

pub(crate) fn migrate(connection: &Connection) -> Result<(), StoreError> {
    connection.execute_batch(
        "CREATE TABLE IF NOT EXISTS fairs (
             id TEXT PRIMARY KEY,
             body TEXT NOT NULL
         );
         CREATE TABLE IF NOT EXISTS fair_participants (
             fair TEXT NOT NULL REFERENCES fairs (id),
             id TEXT NOT NULL,
             body TEXT NOT NULL,
             PRIMARY KEY (fair, id)
         );
         CREATE TABLE IF NOT EXISTS fair_requests (
             fair TEXT NOT NULL REFERENCES fairs (id),
             id TEXT NOT NULL,
             position INTEGER NOT NULL,
             need TEXT NOT NULL,
             resource TEXT NOT NULL,
             status TEXT NOT NULL,
             body TEXT NOT NULL,
             PRIMARY KEY (fair, id)
         );
         CREATE TABLE IF NOT EXISTS fair_meetings (
             fair TEXT NOT NULL REFERENCES fairs (id),
             request TEXT NOT NULL,
             slot INTEGER NOT NULL,
             seat INTEGER NOT NULL,
             published INTEGER NOT NULL,
             PRIMARY KEY (fair, request)
         );
         CREATE TABLE IF NOT EXISTS fair_calendars (
             secret_hash TEXT PRIMARY KEY,
             fair TEXT NOT NULL REFERENCES fairs (id),
             participant TEXT NOT NULL,
             created_at TEXT NOT NULL
         );
         CREATE INDEX IF NOT EXISTS fair_calendars_participant ON fair_calendars (fair, participant);
         CREATE TABLE IF NOT EXISTS fair_dropped (
             fair TEXT NOT NULL REFERENCES fairs (id),
             request TEXT NOT NULL,
             body TEXT NOT NULL,
             PRIMARY KEY (fair, request)
         );
         CREATE TABLE IF NOT EXISTS fair_actions (
             fair TEXT NOT NULL REFERENCES fairs (id),
             position INTEGER NOT NULL,
             body TEXT NOT NULL,
             PRIMARY KEY (fair, position)
         );",
    )?;
    Ok(())
}

fn decode<T: serde::de::DeserializeOwned>(id: &str, body: &str) -> Result<T, StoreError> {
    serde_json::from_str(body).map_err(|source| StoreError::Corrupt {
        id: id.to_string(),
        source,
    })
}

fn read(connection: &Connection, id: &str) -> Result<Option<FairData>, StoreError> {
    let body: Option<String> = connection
        .query_row("SELECT body FROM fairs WHERE id = ?1", params![id], |row| {
            row.get(0)
        })
        .optional()?;
    let Some(body) = body else {
        return Ok(None);
    };
    let fair: Fair = decode(id, &body)?;
    let mut participants = Vec::new();
    {
        let mut statement = connection
            .prepare_cached("SELECT id, body FROM fair_participants WHERE fair = ?1 ORDER BY id")?;
        let mut rows = statement.query(params![id])?;
        while let Some(row) = rows.next()? {
            let key: String = row.get(0)?;
            let body: String = row.get(1)?;
            participants.push(decode::<Participant>(&key, &body)?);
        }
    }
    let mut requests = Vec::new();
    {
        let mut statement = connection.prepare_cached(
            "SELECT id, body FROM fair_requests WHERE fair = ?1 ORDER BY position",
        )?;
        let mut rows = statement.query(params![id])?;
        while let Some(row) = rows.next()? {
            let key: String = row.get(0)?;
            let body: String = row.get(1)?;
            requests.push(decode::<MeetingRequest>(&key, &body)?);
        }
    }
    let mut meetings = Vec::new();
    {
        let mut statement = connection.prepare_cached(
            "SELECT request, slot, seat, published FROM fair_meetings WHERE fair = ?1
             ORDER BY slot, seat",
        )?;
        let mut rows = statement.query(params![id])?;
        while let Some(row) = rows.next()? {
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
    }
    let mut actions = Vec::new();
    {
        let mut statement = connection.prepare_cached(
            "SELECT position, body FROM fair_actions WHERE fair = ?1 ORDER BY position",
        )?;
        let mut rows = statement.query(params![id])?;
        while let Some(row) = rows.next()? {
            let position: i64 = row.get(0)?;
            let body: String = row.get(1)?;
            actions.push(decode::<DayAction>(&position.to_string(), &body)?);
        }
    }
    let mut dropped = Vec::new();
    {
        let mut statement = connection.prepare_cached(
            "SELECT request, body FROM fair_dropped WHERE fair = ?1 ORDER BY request",
        )?;
        let mut rows = statement.query(params![id])?;
        while let Some(row) = rows.next()? {
            let key: String = row.get(0)?;
            let body: String = row.get(1)?;
            dropped.push(decode::<Dropped>(&key, &body)?);
        }
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

fn write(transaction: &rusqlite::Transaction<'_>, data: &FairData) -> Result<(), StoreError> {
    let id = data.fair.id.as_str();
    transaction.execute(
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
        transaction.execute(&format!("DELETE FROM {table} WHERE fair = ?1"), params![id])?;
    }
    {
        let mut statement = transaction
            .prepare_cached("INSERT INTO fair_participants (fair, id, body) VALUES (?1, ?2, ?3)")?;
        for participant in &data.participants {
            statement.execute(params![
                id,
                participant.id,
                serde_json::to_string(participant)?
            ])?;
        }
    }
    {
        let mut statement = transaction.prepare_cached(
            "INSERT INTO fair_requests (fair, id, position, need, resource, status, body)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        )?;
        for (position, request) in data.requests.iter().enumerate() {
            let status = serde_json::to_value(request.status)?;
            statement.execute(params![
                id,
                request.id,
                position as i64,
                request.need,
                request.resource,
                status.as_str().unwrap_or_default(),
                serde_json::to_string(request)?
            ])?;
        }
    }
    {
        let mut statement = transaction.prepare_cached(
            "INSERT INTO fair_meetings (fair, request, slot, seat, published)
             VALUES (?1, ?2, ?3, ?4, ?5)",
        )?;
        for meeting in &data.meetings {
            statement.execute(params![
                id,
                meeting.request,
                meeting.slot as i64,
                meeting.table as i64,
                i64::from(meeting.published)
            ])?;
        }
    }
    {
        let mut statement = transaction.prepare_cached(
            "INSERT INTO fair_actions (fair, position, body) VALUES (?1, ?2, ?3)",
        )?;
        for (position, action) in data.actions.iter().enumerate() {
            statement.execute(params![id, position as i64, serde_json::to_string(action)?])?;
        }
    }
    {
        let mut statement = transaction
            .prepare_cached("INSERT INTO fair_dropped (fair, request, body) VALUES (?1, ?2, ?3)")?;
        for dropped in &data.dropped {
            statement.execute(params![
                id,
                dropped.request,
                serde_json::to_string(dropped)?
            ])?;
        }
    }
    Ok(())
}

impl Store {
    /// Every fair's record (not its participants or requests), by id.
    pub fn fairs(&self) -> Result<Vec<Fair>, StoreError> {
        let connection = lock(&self.fair_connection);
        let mut statement = connection.prepare_cached("SELECT id, body FROM fairs ORDER BY id")?;
        let mut rows = statement.query([])?;
        let mut fairs = Vec::new();
        while let Some(row) = rows.next()? {
            let id: String = row.get(0)?;
            let body: String = row.get(1)?;
            fairs.push(decode(&id, &body)?);
        }
        Ok(fairs)
    }

    /// Everything stored about one fair, read in one transaction.
    pub fn fair(&self, id: &str) -> Result<Option<FairData>, StoreError> {
        let mut connection = lock(&self.fair_connection);
        let transaction = connection.transaction()?;
        let data = read(&transaction, id)?;
        transaction.commit()?;
        Ok(data)
    }

    /// Reads the fair `id` (`None`: there is none), lets `change` change it (or refuse), and
    /// writes what it returns, all in one transaction; nothing is written when `change` fails.
    pub fn change_fair<T, E: From<StoreError>>(
        &self,
        id: &str,
        change: impl FnOnce(Option<FairData>) -> Result<(FairData, T), E>,
    ) -> Result<T, E> {
        let mut connection = lock(&self.fair_connection);
        let transaction = connection
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(StoreError::from)?;
        let current = read(&transaction, id)?;
        let (data, answer) = change(current)?;
        write(&transaction, &data)?;
        transaction.commit().map_err(StoreError::from)?;
        Ok(answer)
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
        let mut connection = lock(&self.fair_connection);
        let transaction =
            connection.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        transaction.execute(
            "DELETE FROM fair_calendars WHERE fair = ?1 AND participant = ?2",
            params![fair, participant],
        )?;
        transaction.execute(
            "INSERT INTO fair_calendars (secret_hash, fair, participant, created_at)
             VALUES (?1, ?2, ?3, ?4)",
            params![secret_hash, fair, participant, at],
        )?;
        transaction.commit()?;
        Ok(())
    }

    /// The fair and participant of a calendar subscription, by the SHA-256 (hex) of its secret.
    pub fn fair_calendar(&self, secret_hash: &str) -> Result<Option<(String, String)>, StoreError> {
        let connection = lock(&self.fair_connection);
        Ok(connection
            .query_row(
                "SELECT fair, participant FROM fair_calendars WHERE secret_hash = ?1",
                params![secret_hash],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .optional()?)
    }
}
