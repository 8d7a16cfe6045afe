//! Stored needs in the store: table `needs` (one row per need: its id, enterprise, status and
//! visibility as columns, the whole record as JSON) and the row `need_state`, whose generation
//! every change bumps, so that replicas and a running server see what a command wrote.
//!
//! Every change (one need or a whole import) is one transaction that also bumps the generation,
//! as for the catalog. The SQL is plain: one table, one counter row, no SQLite-only features but
//! `INSERT ... ON CONFLICT`, which PostgreSQL shares.

use duijie_core::model::NeedRecord;
use rusqlite::{params, Connection, OptionalExtension};

use crate::store::{lock, Store, StoreError};

/// One change of the stored needs, applied in one transaction with a new generation.
#[derive(Debug)]
pub enum NeedChange<'a> {
    /// Every need goes; these come.
    Replace(&'a [NeedRecord]),
    /// These are inserted, or overwrite the need of the same id.
    Upsert(&'a [NeedRecord]),
    Delete(&'a str),
}

/// The stored needs and the generation they were read at.
#[derive(Debug)]
pub struct StoredNeeds {
    pub generation: i64,
    /// By id.
    pub needs: Vec<NeedRecord>,
}

pub(crate) fn migrate(connection: &Connection) -> Result<(), StoreError> {
    connection.execute_batch(
        "CREATE TABLE IF NOT EXISTS needs (
             id TEXT PRIMARY KEY,
             organization TEXT NOT NULL,
             status TEXT NOT NULL,
             visibility TEXT NOT NULL,
             body TEXT NOT NULL
         );
         CREATE TABLE IF NOT EXISTS need_state (
             id INTEGER PRIMARY KEY CHECK (id = 1),
             generation INTEGER NOT NULL
         );",
    )?;
    Ok(())
}

impl Store {
    /// Every stored need, by id, with the generation read in the same transaction.
    pub fn needs(&self) -> Result<StoredNeeds, StoreError> {
        let mut connection = lock(&self.need_connection);
        let transaction = connection.transaction()?;
        let generation = need_generation(&transaction)?;
        let mut needs = Vec::new();
        {
            let mut statement = transaction.prepare("SELECT id, body FROM needs ORDER BY id")?;
            let mut rows = statement.query([])?;
            while let Some(row) = rows.next()? {
                let id: String = row.get(0)?;
                let body: String = row.get(1)?;
                let need = serde_json::from_str(&body)
                    .map_err(|source| StoreError::Corrupt { id, source })?;
                needs.push(need);
            }
        }
        transaction.commit()?;
        Ok(StoredNeeds { generation, needs })
    }

    /// The generation of the stored needs: 0 before the first change.
    pub fn need_generation(&self) -> Result<i64, StoreError> {
        need_generation(&lock(&self.need_connection))
    }

    /// Applies `change` in one transaction, provided the stored generation is still `expected`
    /// (when given): otherwise `StoreError::Stale` and nothing is written. Returns the new
    /// generation, and for a delete whether the need existed (false: nothing was written).
    pub fn apply_needs(
        &self,
        change: &NeedChange<'_>,
        expected: Option<i64>,
    ) -> Result<(i64, bool), StoreError> {
        let mut connection = lock(&self.need_connection);
        // IMMEDIATE: the generation read below cannot change before the commit.
        let transaction =
            connection.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let stored = need_generation(&transaction)?;
        if expected.is_some_and(|expected| expected != stored) {
            return Err(StoreError::Stale);
        }
        match change {
            NeedChange::Replace(needs) => {
                transaction.execute("DELETE FROM needs", [])?;
                insert_needs(&transaction, needs)?;
            }
            NeedChange::Upsert(needs) => insert_needs(&transaction, needs)?,
            NeedChange::Delete(id) => {
                let deleted =
                    transaction.execute("DELETE FROM needs WHERE id = ?1", params![id])?;
                if deleted == 0 {
                    return Ok((stored, false));
                }
            }
        }
        let generation: i64 = transaction.query_row(
            "INSERT INTO need_state (id, generation) VALUES (1, 1)
             ON CONFLICT (id) DO UPDATE SET generation = need_state.generation + 1
             RETURNING generation",
            [],
            |row| row.get(0),
        )?;
        transaction.commit()?;
        Ok((generation, true))
    }
}

fn need_generation(connection: &Connection) -> Result<i64, StoreError> {
    Ok(connection
        .query_row(
            "SELECT generation FROM need_state WHERE id = 1",
            [],
            |row| row.get(0),
        )
        .optional()?
        .unwrap_or(0))
}

fn insert_needs(
    transaction: &rusqlite::Transaction<'_>,
    needs: &[NeedRecord],
) -> Result<(), StoreError> {
    let mut statement = transaction.prepare(
        "INSERT INTO needs (id, organization, status, visibility, body) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (id) DO UPDATE SET organization = excluded.organization,
             status = excluded.status, visibility = excluded.visibility, body = excluded.body",
    )?;
    for need in needs {
        let body = serde_json::to_string(need)?;
        statement.execute(params![
            need.id,
            need.organization,
            need.status.as_str(),
            need.visibility.as_str(),
            body
        ])?;
    }
    Ok(())
}
