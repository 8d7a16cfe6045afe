//! The embedded store: the catalog, its version, the API tokens, the engagements, the stored needs
//! and the docking fairs in one SQLite file in the data folder.
//!
//! Durability: WAL with `synchronous=FULL`, so an acknowledged write survives a power cut, and every
//! catalog change (one resource or a whole import) is ONE transaction that also writes the catalog
//! version row, so a crash at any moment leaves either the previous catalog or the new one.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use duijie_core::Resource;
use rusqlite::{params, Connection, OptionalExtension};

pub mod engagements;
pub mod fairs;
pub mod needs;
pub mod push;

/// The file inside the data folder.
pub const DB_FILE: &str = "duijie.sqlite3";

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot create the data folder {path}: {source}")]
    Folder {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("database: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("stored resource '{id}' is not readable: {source}")]
    Corrupt {
        id: String,
        source: serde_json::Error,
    },
    #[error("cannot encode resource: {0}")]
    Encode(#[from] serde_json::Error),
    #[error("the operating system gave no random bytes: {0}")]
    Random(String),
    /// The catalog changed (another process wrote) since the caller read the generation it expected.
    #[error("the stored catalog changed since it was read")]
    Stale,
}

/// The catalog as stored: its version, a counter bumped by every change, and its resources by id.
#[derive(Debug)]
pub struct StoredCatalog {
    pub version: String,
    pub generation: i64,
    pub resources: Vec<Resource>,
}

/// One change of the catalog, applied in one transaction together with the new version.
#[derive(Debug)]
pub enum Change<'a> {
    /// Everything goes; these come.
    Replace(&'a [Resource]),
    /// These are inserted or overwrite the resource of the same id.
    Upsert(&'a [Resource]),
    Delete(&'a str),
    /// These ids go (those not in the catalog are ignored).
    DeleteMany(&'a [String]),
}

/// A token's stored form: the SHA-256 of the token, never the token.
#[derive(Clone, Debug)]
pub struct StoredToken {
    pub hash: Vec<u8>,
    pub scope: String,
    /// The enterprise an `enterprise` token acts for; `None` for the other scopes.
    pub organization: Option<String>,
}

pub struct Store {
    /// Catalog reads and writes.
    connection: Mutex<Connection>,
    /// Token look-ups, on their own connection so that they never wait behind a long import (WAL lets
    /// readers run beside the writer).
    token_connection: Mutex<Connection>,
    /// Engagement writes and statistics, on their own connection for the same reason.
    engagement_connection: Mutex<Connection>,
    /// Idle read-only connections for engagement reads and statistics, so that readers neither wait
    /// for each other nor for the engagement writer (WAL); opened on demand.
    engagement_readers: Mutex<Vec<Connection>>,
    /// The statistics rows of every engagement, and the version of the engagement tables they were
    /// read at (see `Store::engagement_stat_rows`).
    engagement_stats: Mutex<Option<(i64, std::sync::Arc<Vec<engagements::StatRow>>)>>,
    /// Stored needs, on their own connection: a large import of needs does not hold up the
    /// catalog's.
    need_connection: Mutex<Connection>,
    /// Docking fairs, on their own connection.
    fair_connection: Mutex<Connection>,
    /// Subscriptions, the outbox and deliveries, on their own connection (the change log rows are
    /// written on the catalog's, inside its transaction).
    push_connection: Mutex<Connection>,
    path: PathBuf,
}

impl Store {
    /// Opens (creating when needed) the store in `folder`.
    pub fn open(folder: &Path) -> Result<Store, StoreError> {
        std::fs::create_dir_all(folder).map_err(|source| StoreError::Folder {
            path: folder.to_path_buf(),
            source,
        })?;
        let connection = Connection::open(folder.join(DB_FILE))?;
        connection.pragma_update(None, "journal_mode", "WAL")?;
        // FULL, not NORMAL: in WAL mode NORMAL may lose the last commits on power loss, and an
        // acknowledged import must not be lost. Catalog writes are rare, so the fsync is cheap.
        connection.pragma_update(None, "synchronous", "FULL")?;
        connection.pragma_update(None, "foreign_keys", "ON")?;
        connection.busy_timeout(std::time::Duration::from_secs(10))?;
        connection.execute_batch(
            "CREATE TABLE IF NOT EXISTS catalog (
                 id INTEGER PRIMARY KEY CHECK (id = 1),
                 version TEXT NOT NULL,
                 generation INTEGER NOT NULL,
                 updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
             );
             CREATE TABLE IF NOT EXISTS resources (
                 id TEXT PRIMARY KEY,
                 kind TEXT NOT NULL,
                 body TEXT NOT NULL
             );
             CREATE TABLE IF NOT EXISTS tokens (
                 hash BLOB PRIMARY KEY,
                 scope TEXT NOT NULL,
                 created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
             );",
        )?;
        engagements::migrate(&connection)?;
        needs::migrate(&connection)?;
        fairs::migrate(&connection)?;
        push::migrate(&connection)?;
        migrate_tokens(&connection)?;
        let token_connection = Connection::open(folder.join(DB_FILE))?;
        token_connection.pragma_update(None, "synchronous", "FULL")?;
        token_connection.busy_timeout(std::time::Duration::from_secs(10))?;
        let engagement_connection = Connection::open(folder.join(DB_FILE))?;
        engagement_connection.pragma_update(None, "synchronous", "FULL")?;
        engagement_connection.pragma_update(None, "foreign_keys", "ON")?;
        engagement_connection.busy_timeout(std::time::Duration::from_secs(10))?;
        let need_connection = Connection::open(folder.join(DB_FILE))?;
        need_connection.pragma_update(None, "synchronous", "FULL")?;
        need_connection.busy_timeout(std::time::Duration::from_secs(10))?;
        let fair_connection = Connection::open(folder.join(DB_FILE))?;
        fair_connection.pragma_update(None, "synchronous", "FULL")?;
        fair_connection.pragma_update(None, "foreign_keys", "ON")?;
        fair_connection.busy_timeout(std::time::Duration::from_secs(10))?;
        let push_connection = Connection::open(folder.join(DB_FILE))?;
        push_connection.pragma_update(None, "synchronous", "FULL")?;
        push_connection.pragma_update(None, "foreign_keys", "ON")?;
        push_connection.busy_timeout(std::time::Duration::from_secs(10))?;
        Ok(Store {
            push_connection: Mutex::new(push_connection),
            fair_connection: Mutex::new(fair_connection),
            need_connection: Mutex::new(need_connection),
            connection: Mutex::new(connection),
            token_connection: Mutex::new(token_connection),
            engagement_connection: Mutex::new(engagement_connection),
            engagement_readers: Mutex::new(Vec::new()),
            engagement_stats: Mutex::new(None),
            path: folder.join(DB_FILE),
        })
    }

    fn connection(&self) -> std::sync::MutexGuard<'_, Connection> {
        lock(&self.connection)
    }

    /// The stored catalog, or `None` when this store has never had one (a new data folder).
    pub fn catalog(&self) -> Result<Option<StoredCatalog>, StoreError> {
        let connection = self.connection();
        let row: Option<(String, i64)> = connection
            .query_row(
                "SELECT version, generation FROM catalog WHERE id = 1",
                [],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .optional()?;
        let Some((version, generation)) = row else {
            return Ok(None);
        };
        let mut statement = connection.prepare("SELECT id, body FROM resources ORDER BY id")?;
        let mut rows = statement.query([])?;
        let mut resources = Vec::new();
        while let Some(row) = rows.next()? {
            let id: String = row.get(0)?;
            let body: String = row.get(1)?;
            let resource =
                serde_json::from_str(&body).map_err(|source| StoreError::Corrupt { id, source })?;
            resources.push(resource);
        }
        Ok(Some(StoredCatalog {
            version,
            generation,
            resources,
        }))
    }

    /// The current catalog version and generation, without the resources.
    pub fn version(&self) -> Result<Option<(String, i64)>, StoreError> {
        Ok(self
            .connection()
            .query_row(
                "SELECT version, generation FROM catalog WHERE id = 1",
                [],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .optional()?)
    }

    /// Applies `change` and records `version`, all in one transaction, provided the stored generation is
    /// still `expected` (when given): otherwise `StoreError::Stale` and nothing is written. The same
    /// transaction writes the push change log row of `changed` (the resources the change added or
    /// changed, see `push`), stamped `now`. Returns the new generation.
    pub fn apply(
        &self,
        change: &Change<'_>,
        version: &str,
        expected: Option<i64>,
        changed: &[push::ChangedResource],
        now: i64,
    ) -> Result<i64, StoreError> {
        let mut connection = self.connection();
        // IMMEDIATE takes the write lock at once, so the generation read below cannot change before
        // the commit, even when another process shares the file.
        let transaction =
            connection.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        if let Some(expected) = expected {
            let stored: Option<i64> = transaction
                .query_row("SELECT generation FROM catalog WHERE id = 1", [], |row| {
                    row.get(0)
                })
                .optional()?;
            if stored != Some(expected) {
                return Err(StoreError::Stale);
            }
        }
        match change {
            Change::Replace(resources) => {
                transaction.execute("DELETE FROM resources", [])?;
                insert_all(&transaction, resources)?;
            }
            Change::Upsert(resources) => insert_all(&transaction, resources)?,
            Change::Delete(id) => {
                transaction.execute("DELETE FROM resources WHERE id = ?1", params![id])?;
            }
            Change::DeleteMany(ids) => {
                let mut statement = transaction.prepare("DELETE FROM resources WHERE id = ?1")?;
                for id in ids.iter() {
                    statement.execute(params![id])?;
                }
            }
        }
        #[cfg(debug_assertions)]
        pause_for_crash_tests();
        let generation: i64 = transaction.query_row(
            "INSERT INTO catalog (id, version, generation) VALUES (1, ?1, 1)
             ON CONFLICT (id) DO UPDATE SET version = excluded.version,
                 generation = catalog.generation + 1,
                 updated_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now')
             RETURNING generation",
            params![version],
            |row| row.get(0),
        )?;
        push::record_change(&transaction, generation, version, changed, now)?;
        transaction.commit()?;
        Ok(generation)
    }

    pub fn insert_token(
        &self,
        hash: &[u8],
        scope: &str,
        organization: Option<&str>,
    ) -> Result<(), StoreError> {
        lock(&self.token_connection).execute(
            "INSERT INTO tokens (hash, scope, organization) VALUES (?1, ?2, ?3)",
            params![hash, scope, organization],
        )?;
        Ok(())
    }

    pub fn tokens(&self) -> Result<Vec<StoredToken>, StoreError> {
        let connection = lock(&self.token_connection);
        let mut statement =
            connection.prepare_cached("SELECT hash, scope, organization FROM tokens")?;
        let tokens = statement
            .query_map([], |row| {
                Ok(StoredToken {
                    hash: row.get(0)?,
                    scope: row.get(1)?,
                    organization: row.get(2)?,
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(tokens)
    }
}

/// Debug builds only: when `DUIJIE_TEST_COMMIT_DELAY_MS` is set, a catalog transaction waits that long
/// before it commits (announcing it on standard error), so the integration tests can kill -9 the
/// server inside an open transaction and check that a restart shows the previous catalog.
#[cfg(debug_assertions)]
fn pause_for_crash_tests() {
    if let Some(ms) = std::env::var("DUIJIE_TEST_COMMIT_DELAY_MS")
        .ok()
        .and_then(|ms| ms.parse::<u64>().ok())
    {
        eprintln!("duijie serve: test hook: transaction open, committing in {ms} ms");
        std::thread::sleep(std::time::Duration::from_millis(ms));
    }
}

/// Stores made before enterprise tokens have no `organization` column in `tokens`: it is added.
fn migrate_tokens(connection: &Connection) -> Result<(), StoreError> {
    let has_organization = connection
        .prepare("SELECT organization FROM tokens LIMIT 0")
        .is_ok();
    if !has_organization {
        connection.execute_batch("ALTER TABLE tokens ADD COLUMN organization TEXT")?;
    }
    Ok(())
}

/// A panic while holding the lock cannot leave SQLite half-written (the transaction rolls back), so a
/// poisoned lock is still safe to use.
fn lock(connection: &Mutex<Connection>) -> std::sync::MutexGuard<'_, Connection> {
    connection
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn insert_all(
    transaction: &rusqlite::Transaction<'_>,
    resources: &[Resource],
) -> Result<(), StoreError> {
    let mut statement = transaction
        .prepare("INSERT OR REPLACE INTO resources (id, kind, body) VALUES (?1, ?2, ?3)")?;
    for resource in resources {
        let body = serde_json::to_string(resource)?;
        statement.execute(params![resource.id, resource.kind.as_str(), body])?;
    }
    Ok(())
}
