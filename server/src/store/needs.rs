//! Stored needs in the store: table `needs` (one row per need: its id, enterprise, status and
//! visibility as columns, the whole record as JSON) and the row `need_state`, whose generation
//! every change bumps, so that replicas and a running server see what a command wrote.
//!
//! Every change (one need or a whole import) is one transaction that also bumps the generation,
//! as for the catalog. The tables are in `server/migrations`.

use duijie_core::model::NeedRecord;

use crate::store::db::{params, Area, Db};
use crate::store::{Store, StoreError};

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

impl Store {
    /// Every stored need, by id, with the generation read in the same transaction.
    pub fn needs(&self) -> Result<StoredNeeds, StoreError> {
        self.with(Area::Needs, |db| {
            db.begin_read()?;
            let generation = need_generation(db)?;
            let mut needs = Vec::new();
            for row in db.query("SELECT id, body FROM needs ORDER BY id", params![])? {
                let id: String = row.get(0)?;
                let body: String = row.get(1)?;
                let need = serde_json::from_str(&body)
                    .map_err(|source| StoreError::Corrupt { id, source })?;
                needs.push(need);
            }
            db.commit()?;
            Ok(StoredNeeds { generation, needs })
        })
    }

    /// The generation of the stored needs: 0 before the first change.
    pub fn need_generation(&self) -> Result<i64, StoreError> {
        self.with(Area::Needs, need_generation)
    }

    /// Applies `change` in one transaction, provided the stored generation is still `expected`
    /// (when given): otherwise `StoreError::Stale` and nothing is written. Returns the new
    /// generation, and for a delete whether the need existed (false: nothing was written).
    pub fn apply_needs(
        &self,
        change: &NeedChange<'_>,
        expected: Option<i64>,
    ) -> Result<(i64, bool), StoreError> {
        self.with(Area::Needs, |db| {
            // The write lock at once: the generation read below cannot change before the commit.
            db.begin_write(Area::Needs)?;
            let stored = need_generation(db)?;
            if expected.is_some_and(|expected| expected != stored) {
                return Err(StoreError::Stale);
            }
            match change {
                NeedChange::Replace(needs) => {
                    db.execute("DELETE FROM needs", params![])?;
                    insert_needs(db, needs)?;
                }
                NeedChange::Upsert(needs) => insert_needs(db, needs)?,
                NeedChange::Delete(id) => {
                    let deleted = db.execute("DELETE FROM needs WHERE id = ?1", params![id])?;
                    if deleted == 0 {
                        return Ok((stored, false));
                    }
                }
            }
            let generation: i64 = db
                .query_one(
                    "INSERT INTO need_state (id, generation) VALUES (1, 1)
                     ON CONFLICT (id) DO UPDATE SET generation = need_state.generation + 1
                     RETURNING generation",
                    params![],
                )?
                .get(0)?;
            db.notify(crate::store::NEEDS_CHANNEL, &generation.to_string())?;
            db.commit()?;
            Ok((generation, true))
        })
    }
}

fn need_generation(db: &mut Db<'_>) -> Result<i64, StoreError> {
    db.query_opt("SELECT generation FROM need_state WHERE id = 1", params![])?
        .map_or(Ok(0), |row| row.get(0))
}

fn insert_needs(db: &mut Db<'_>, needs: &[NeedRecord]) -> Result<(), StoreError> {
    for need in needs {
        let body = serde_json::to_string(need)?;
        db.execute(
            "INSERT INTO needs (id, organization, status, visibility, body) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (id) DO UPDATE SET organization = excluded.organization,
                 status = excluded.status, visibility = excluded.visibility, body = excluded.body",
            params![
                need.id,
                need.organization,
                need.status.as_str(),
                need.visibility.as_str(),
                body
            ],
        )?;
    }
    Ok(())
}
