//! Versioned schema migrations: the files of `server/migrations/{sqlite,postgres}`, numbered from
//! 0001, built into the binary and applied in order when a store is opened (and by `duijie
//! migrate`). Table `schema_migrations` records every version applied; a database at a version this
//! binary does not know is refused (`StoreError::SchemaTooNew`), since its tables may no longer be
//! what these queries expect.
//!
//! A SQLite data folder from before versioned migrations has the tables of version 1 in older
//! shapes; `upgrade_legacy` brings them to version 1's first (columns added since, public ids of
//! engagements), then version 1's file (all `IF NOT EXISTS`) is recorded as applied.

use crate::store::db::{params, Area, Db, Engine};
use crate::store::engagements::new_public_id;
use crate::store::StoreError;

/// One migration: its version, its name, and its SQL on each engine.
pub struct Migration {
    pub version: i64,
    pub name: &'static str,
    pub sqlite: &'static str,
    pub postgres: &'static str,
}

/// Every migration this binary knows, oldest first. A new one is a pair of files and a line here.
pub const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "initial",
        sqlite: include_str!("../../migrations/sqlite/0001_initial.sql"),
        postgres: include_str!("../../migrations/postgres/0001_initial.sql"),
    },
    Migration {
        version: 2,
        name: "push",
        sqlite: include_str!("../../migrations/sqlite/0002_push.sql"),
        postgres: include_str!("../../migrations/postgres/0002_push.sql"),
    },
    Migration {
        version: 3,
        name: "fair_day",
        sqlite: include_str!("../../migrations/sqlite/0003_fair_day.sql"),
        postgres: include_str!("../../migrations/postgres/0003_fair_day.sql"),
    },
    Migration {
        version: 4,
        name: "push_attempt_days",
        sqlite: include_str!("../../migrations/sqlite/0004_push_attempt_days.sql"),
        postgres: include_str!("../../migrations/postgres/0004_push_attempt_days.sql"),
    },
    Migration {
        version: 5,
        name: "catalog_changes",
        sqlite: include_str!("../../migrations/sqlite/0005_catalog_changes.sql"),
        postgres: include_str!("../../migrations/postgres/0005_catalog_changes.sql"),
    },
];

/// The newest schema version this binary knows.
pub fn known_version() -> i64 {
    MIGRATIONS.last().map_or(0, |migration| migration.version)
}

/// What `migrate` found and did.
#[derive(Debug)]
pub struct Migrated {
    /// The version before.
    pub from: i64,
    /// The versions applied now, in order.
    pub applied: Vec<i64>,
}

/// Brings the schema to `known_version()`, in one transaction that holds the migration lock (two
/// replicas starting at once: the second waits, then finds nothing to do).
pub fn migrate(db: &mut Db<'_>) -> Result<Migrated, StoreError> {
    db.begin_write(Area::Migrations)?;
    db.batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
             version BIGINT PRIMARY KEY,
             name TEXT NOT NULL,
             applied_at TEXT NOT NULL
         )",
    )?;
    let from: i64 = db
        .query_one(
            "SELECT COALESCE(MAX(version), 0) FROM schema_migrations",
            params![],
        )?
        .get(0)?;
    if from > known_version() {
        return Err(StoreError::SchemaTooNew {
            found: from,
            known: known_version(),
        });
    }
    if from == 0 && db.engine() == Engine::Sqlite {
        upgrade_legacy(db)?;
    }
    let mut applied = Vec::new();
    for migration in MIGRATIONS.iter().filter(|m| m.version > from) {
        db.batch(match db.engine() {
            Engine::Sqlite => migration.sqlite,
            Engine::Postgres => migration.postgres,
        })?;
        let now = duijie_core::time::format_utc(crate::engagement::now_seconds());
        db.execute(
            "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?1, ?2, ?3)",
            params![migration.version, migration.name, now],
        )?;
        applied.push(migration.version);
    }
    db.commit()?;
    Ok(Migrated { from, applied })
}

/// Whether `table` has `column` (SQLite).
fn has_column(db: &mut Db<'_>, table: &str, column: &str) -> Result<bool, StoreError> {
    let connection = db.as_sqlite().expect("SQLite only");
    Ok(connection
        .prepare(&format!("SELECT {column} FROM {table} LIMIT 0"))
        .is_ok())
}

/// Whether `table` exists (SQLite).
fn has_table(db: &mut Db<'_>, table: &str) -> Result<bool, StoreError> {
    Ok(db
        .query_opt(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name = ?1",
            params![table],
        )?
        .is_some())
}

/// SQLite stores made before versioned migrations: the columns added since each table was first
/// made, and a public id for every engagement stored before public ids (its old number kept as
/// `legacy_id`). Tables that do not exist are left to version 1's file.
fn upgrade_legacy(db: &mut Db<'_>) -> Result<(), StoreError> {
    if has_table(db, "tokens")? && !has_column(db, "tokens", "organization")? {
        db.batch("ALTER TABLE tokens ADD COLUMN organization TEXT")?;
    }
    if !has_table(db, "engagements")? {
        return Ok(());
    }
    if !has_column(db, "engagements", "public_id")? {
        db.batch(
            "ALTER TABLE engagements ADD COLUMN public_id TEXT;
             ALTER TABLE engagements ADD COLUMN legacy_id INTEGER;",
        )?;
    }
    let missing = db.query(
        "SELECT id FROM engagements WHERE public_id IS NULL",
        params![],
    )?;
    for row in missing {
        let id: i64 = row.get(0)?;
        db.execute(
            "UPDATE engagements SET public_id = ?1, legacy_id = id
             WHERE id = ?2 AND public_id IS NULL",
            params![new_public_id()?, id],
        )?;
    }
    for column in ["enterprise", "enterprise_region", "need_id"] {
        if !has_column(db, "engagements", column)? {
            db.batch(&format!("ALTER TABLE engagements ADD COLUMN {column} TEXT"))?;
        }
    }
    Ok(())
}
