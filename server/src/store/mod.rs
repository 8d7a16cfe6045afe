//! The store: the catalog, its version, the API tokens, the engagements, the stored needs and the
//! docking fairs, in one SQLite file in the data folder (the embedded default) or in one PostgreSQL
//! database shared by replicas (`--database postgres://…`).
//!
//! One interface, two engines: every query is written once against `db::Db` (`?N` placeholders,
//! SQL both engines share), and `Store::with` hands it a connection of the right area: on SQLite one
//! of the store's own connections (one per area, so that a long import does not hold up token
//! look-ups), on PostgreSQL one of the pool's. The schema is the versioned files of
//! `server/migrations/{sqlite,postgres}`, applied when the store is opened (`migrate`).
//!
//! Durability: SQLite in WAL with `synchronous=FULL`, so an acknowledged write survives a power cut,
//! and every catalog change (one resource or a whole import) is ONE transaction that also writes the
//! catalog version row, so a crash at any moment leaves either the previous catalog or the new one.
//!
//! Blocking: every method does I/O and may wait for a lock; call it in `web::block` (the PostgreSQL
//! client runs its own runtime and panics inside the server's).

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use duijie_core::Resource;
use postgres::fallible_iterator::FallibleIterator as _;
use rusqlite::Connection;

use crate::store::db::{params, Area, Db, Engine, PgConnector, PgManager};
// A panic while holding a connection's lock cannot leave SQLite half-written (the transaction
// rolls back), so a poisoned lock is still safe to use.
use crate::worker::lock;

pub mod db;
pub mod engagements;
pub mod fairs;
pub mod instance;
pub mod migrate;
pub mod needs;
pub mod push;
pub mod sslmode;

/// The file inside the data folder.
pub const DB_FILE: &str = "duijie.sqlite3";

/// The channel a catalog change is announced on (PostgreSQL NOTIFY; the payload is the generation).
pub const CATALOG_CHANNEL: &str = "duijie_catalog";

/// The channel a change of the stored needs is announced on.
pub const NEEDS_CHANNEL: &str = "duijie_needs";

/// How a PostgreSQL store connects: `duijie serve`'s `--db-pool-size`, `--db-connect-timeout` and
/// `--db-statement-timeout`; the commands take the defaults. SQLite ignores it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StoreOptions {
    /// Connections the pool keeps open at most.
    pub pool_size: u32,
    /// How long opening a connection (or waiting for a free one of the pool) may take; also how
    /// long a store call waits when the database stops answering, before it fails. `None`: the
    /// URL's `connect_timeout`, else `DEFAULT_CONNECT_TIMEOUT`.
    pub connect_timeout: Option<Duration>,
    /// The longest a statement may run (PostgreSQL's `statement_timeout`); `None`: as the URL's
    /// `options` say, else `DEFAULT_STATEMENT_TIMEOUT`. Zero: no limit.
    pub statement_timeout: Option<Duration>,
}

/// The pool size when none is given.
pub const DEFAULT_POOL_SIZE: u32 = 16;

/// The connect timeout when neither the flag nor the URL's `connect_timeout` gives one.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// The statement timeout when neither the flag nor the URL's `options` gives one: a bound on a
/// statement that hangs, long enough for the largest the store makes on a loaded machine (reading or
/// deleting a catalog of a million resources; bench/results/pg_scale.md saw a 1M import commit in
/// 82 s). A database that is down is caught by the connect timeout, not by this.
pub const DEFAULT_STATEMENT_TIMEOUT: Duration = Duration::from_secs(300);

impl Default for StoreOptions {
    fn default() -> StoreOptions {
        StoreOptions {
            pool_size: DEFAULT_POOL_SIZE,
            connect_timeout: None,
            statement_timeout: None,
        }
    }
}

/// While the database does not answer, store calls fail at once with the last error; one call in
/// this long tries a connection again.
const PROBE_EVERY: Duration = Duration::from_millis(500);

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot create the data folder {path}: {source}")]
    Folder {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("database: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("database: {}", postgres_message(.0))]
    Postgres(#[from] postgres::Error),
    /// No connection of the pool; the text says why (so it is no `source`, which a caller printing
    /// the chain would show twice).
    #[error("database: no connection: {0}")]
    Pool(r2d2::Error),
    /// The database does not answer (stopped, unreachable, shutting down); the cause as the client
    /// saw it.
    #[error("database unreachable: {0}")]
    Unavailable(String),
    #[error("database: column {index} holds {found}, not what the store expects")]
    Column { index: usize, found: String },
    #[error("database: a query returned no row")]
    NoRow,
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
    #[error(
        "--database {0}: not a database URL (sqlite://PATH of a data folder, or postgres://…)"
    )]
    Url(String),
    /// The URL's TLS parameters cannot be followed (`sslmode`, `sslrootcert`); the URL without its
    /// password, and why.
    #[error("--database {0}: {1}")]
    Tls(String, String),
    /// The database was migrated by a newer duijie: this binary does not know its tables.
    #[error(
        "the database's schema is at version {found}, newer than this duijie knows (version \
         {known}); run the duijie that migrated it, or a newer one"
    )]
    SchemaTooNew { found: i64, known: i64 },
}

impl From<r2d2::Error> for StoreError {
    fn from(error: r2d2::Error) -> StoreError {
        StoreError::Pool(error)
    }
}

impl StoreError {
    /// Why the database did not answer, when that is what this error is: no connection could be had,
    /// the connection broke or the server is shutting down, or a statement ran past the statement
    /// timeout. `None` for every other error (a bad query, a constraint, a corrupt row: our fault).
    pub fn unavailable(&self) -> Option<String> {
        match self {
            StoreError::Unavailable(cause) => Some(cause.clone()),
            StoreError::Pool(error) => Some(error.to_string()),
            StoreError::Postgres(error) => match error.as_db_error() {
                Some(db) => {
                    let code = db.code().code();
                    // 08: connection exceptions; 57P0x: the server shutting down or starting up;
                    // 53300: too many connections; 57014: cancelled (the statement timeout).
                    let down = code.starts_with("08")
                        || code.starts_with("57P0")
                        || code == "53300"
                        || code == "57014";
                    down.then(|| postgres_message(error))
                }
                // The client's own failures of the connection (not of a parameter or a column).
                None => {
                    let message = error.to_string();
                    [
                        "error communicating with the server",
                        "connection closed",
                        "error connecting to server",
                        "timeout waiting for server",
                        "error performing TLS handshake",
                    ]
                    .iter()
                    .any(|kind| message.starts_with(kind))
                    .then(|| postgres_message(error))
                }
            },
            _ => None,
        }
    }
}

/// Where a store is: `sqlite://PATH` (a data folder, as `--data PATH`) or a PostgreSQL URL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Location {
    Sqlite(PathBuf),
    Postgres(String),
}

impl Location {
    /// Reads `--database URL`: `sqlite://PATH` (`sqlite:///abs` is the absolute `/abs`),
    /// `postgres://…` or `postgresql://…` (libpq's URL form).
    pub fn parse(url: &str) -> Result<Location, StoreError> {
        if let Some(path) = url.strip_prefix("sqlite://") {
            if path.is_empty() {
                return Err(StoreError::Url(url.to_string()));
            }
            return Ok(Location::Sqlite(PathBuf::from(path)));
        }
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(Location::Postgres(url.to_string()));
        }
        Err(StoreError::Url(url.to_string()))
    }

    /// The location as shown in messages: the folder, or the URL without its password.
    pub fn describe(&self) -> String {
        match self {
            Location::Sqlite(folder) => folder.display().to_string(),
            Location::Postgres(url) => redact(url),
        }
    }
}

/// How to connect to `url` with `options`: TLS as the URL's `sslmode` and `sslrootcert` say
/// (`sslmode::Tls`); the connect timeout of the options when given, else the URL's
/// `connect_timeout`, else `DEFAULT_CONNECT_TIMEOUT`; the statement timeout likewise (the URL's is a
/// `-c statement_timeout=…` in its `options`), sent as a startup option so that it holds on every
/// connection of the pool and the listener's.
fn client_config(url: &str, options: &StoreOptions) -> Result<PgConnector, StoreError> {
    let refused = |why: String| StoreError::Tls(redact(url), why);
    let (rest, tls) = sslmode::Tls::split(url).map_err(refused)?;
    let mut config: postgres::Config = rest.parse()?;
    config.ssl_mode(tls.client_mode());
    let connector = tls.connector().map_err(refused)?;
    match options.connect_timeout {
        Some(timeout) => {
            config.connect_timeout(timeout);
        }
        None if config.get_connect_timeout().is_none() => {
            config.connect_timeout(DEFAULT_CONNECT_TIMEOUT);
        }
        None => {}
    }
    let startup = config.get_options().unwrap_or_default().to_string();
    let statement_timeout = match options.statement_timeout {
        Some(timeout) => Some(timeout),
        None if startup.contains("statement_timeout") => None,
        None => Some(DEFAULT_STATEMENT_TIMEOUT),
    };
    if let Some(timeout) = statement_timeout {
        // A later -c wins over an earlier one of the URL.
        let startup = format!(
            "{startup} -c statement_timeout={}",
            timeout.as_millis().min(i32::MAX as u128)
        );
        config.options(startup.trim());
    }
    Ok(PgConnector::new(config, connector))
}

/// A PostgreSQL error with the server's message and code (the client's own Display says only
/// "db error"), or the client's with its cause; a certificate refused for its issuer says which
/// CAs were trusted.
fn postgres_message(error: &postgres::Error) -> String {
    match error.as_db_error() {
        Some(db) => format!("{} ({}): {}", db.severity(), db.code().code(), db.message()),
        None => match std::error::Error::source(error) {
            Some(source) => {
                // rustls' error, as the TLS stream hands it over inside an I/O error.
                let not_trusted = source
                    .downcast_ref::<std::io::Error>()
                    .and_then(|io| io.get_ref())
                    .and_then(|inner| inner.downcast_ref::<rustls::Error>())
                    .is_some_and(|tls| {
                        // BadSignature: signed by another CA of the same name.
                        matches!(
                            tls,
                            rustls::Error::InvalidCertificate(
                                rustls::CertificateError::UnknownIssuer
                                    | rustls::CertificateError::BadSignature
                            )
                        )
                    });
                let hint = if not_trusted {
                    " (the database's certificate is not signed by a CA of the URL's \
                     sslrootcert, or by a public CA when it names none)"
                } else {
                    ""
                };
                format!("{error}: {source}{hint}")
            }
            None => error.to_string(),
        },
    }
}

/// A URL with its password hidden, for messages: `postgres://user:secret@host/db` as
/// `postgres://user:***@host/db` (the store's, and push's SMTP relay). A password may hold `@`.
pub(crate) fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let Some((credentials, host)) = rest.rsplit_once('@') else {
        return url.to_string();
    };
    match credentials.split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
        None => url.to_string(),
    }
}

/// `text` (a part of a URL) with its `%XX` escapes decoded (the store's `sslrootcert`, push's SMTP
/// login). The error says what is wrong, to follow the name of what was decoded.
pub(crate) fn percent_decode(text: &str) -> Result<String, String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let byte = text
                .get(i + 1..i + 3)
                .and_then(|hex| u8::from_str_radix(hex, 16).ok())
                .ok_or("has a % not followed by two hex digits")?;
            out.push(byte);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| "is not UTF-8".to_string())
}

/// Generations of the catalog's change log kept (`catalog_changes`): a replica further behind reads
/// the whole catalog.
pub const CHANGE_LOG_GENERATIONS: i64 = 1000;

/// Most resource ids the change log lists for one change, and most a replica reads one by one: a
/// larger change is logged (and read) as a change of the whole catalog.
pub const MAX_LOGGED_CHANGES: usize = 1000;

/// The change log's id for "the whole catalog".
const WHOLE_CATALOG: &str = "";

/// What a replica holding some generation reads to catch up (`Store::catalog_since`).
#[derive(Debug)]
pub enum CatalogUpdate {
    /// The whole catalog: the change log does not reach back to that generation, or a change since
    /// replaced the catalog or changed more than `MAX_LOGGED_CHANGES` resources.
    Whole(StoredCatalog),
    /// Only what changed: the resources written since (as stored now) and the ids deleted since.
    Changes {
        version: String,
        generation: i64,
        upserted: Vec<Resource>,
        deleted: Vec<String>,
    },
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

/// SQLite's connections, one per area.
struct SqliteConnections {
    /// Catalog reads and writes.
    catalog: Mutex<Connection>,
    /// Token look-ups, on their own connection so that they never wait behind a long import (WAL lets
    /// readers run beside the writer).
    tokens: Mutex<Connection>,
    /// Engagement writes, on their own connection for the same reason.
    engagements: Mutex<Connection>,
    /// Idle read-only connections for engagement reads and statistics, so that readers neither wait
    /// for each other nor for the engagement writer (WAL); opened on demand.
    engagement_readers: Mutex<Vec<Connection>>,
    /// Stored needs, on their own connection: a large import of needs does not hold up the
    /// catalog's.
    needs: Mutex<Connection>,
    /// Docking fairs, on their own connection.
    fairs: Mutex<Connection>,
    /// Subscriptions, the outbox and deliveries, on their own connection (the change log rows are
    /// written on the catalog's, inside its transaction).
    push: Mutex<Connection>,
    path: PathBuf,
}

enum Engines {
    Sqlite(Box<SqliteConnections>),
    Postgres(r2d2::Pool<PgManager>),
}

pub struct Store {
    engines: Engines,
    /// The statistics rows of every engagement, and the version of the engagement tables they were
    /// read at (see `Store::engagement_stat_rows`).
    engagement_stats: Mutex<Option<(i64, std::sync::Arc<Vec<engagements::StatRow>>)>>,
    location: Location,
    /// What the migration at opening found and did.
    migrated: migrate::Migrated,
    /// PostgreSQL: how to connect (the outage probe's and the listener's own connections).
    postgres_config: Option<PgConnector>,
    /// PostgreSQL: when the database last failed to answer a connection, and why; `None` while it
    /// answers.
    outage: Mutex<Option<(Instant, String)>>,
}

/// Read-only SQLite connections kept open between requests.
const MAX_IDLE_READERS: usize = 8;

fn open_sqlite(path: &Path, foreign_keys: bool) -> Result<Connection, StoreError> {
    let connection = Connection::open(path)?;
    connection.pragma_update(None, "synchronous", "FULL")?;
    if foreign_keys {
        connection.pragma_update(None, "foreign_keys", "ON")?;
    }
    connection.busy_timeout(std::time::Duration::from_secs(10))?;
    Ok(connection)
}

impl Store {
    /// Opens (creating when needed) the SQLite store in `folder`.
    pub fn open(folder: &Path) -> Result<Store, StoreError> {
        Store::connect(&Location::Sqlite(folder.to_path_buf()))
    }

    /// Opens the store at `location`, creating it when needed, and brings its schema to the
    /// newest version this binary knows (`StoreError::SchemaTooNew` when it is newer still).
    pub fn connect(location: &Location) -> Result<Store, StoreError> {
        Store::connect_with(location, &StoreOptions::default())
    }

    /// `connect`, with the pool and timeouts of `options` on PostgreSQL.
    pub fn connect_with(location: &Location, options: &StoreOptions) -> Result<Store, StoreError> {
        let migrated;
        let mut postgres_config = None;
        let engines = match location {
            Location::Sqlite(folder) => {
                std::fs::create_dir_all(folder).map_err(|source| StoreError::Folder {
                    path: folder.to_path_buf(),
                    source,
                })?;
                let path = folder.join(DB_FILE);
                let connection = Connection::open(&path)?;
                connection.pragma_update(None, "journal_mode", "WAL")?;
                // FULL, not NORMAL: in WAL mode NORMAL may lose the last commits on power loss, and an
                // acknowledged import must not be lost. Catalog writes are rare, so the fsync is cheap.
                connection.pragma_update(None, "synchronous", "FULL")?;
                connection.pragma_update(None, "foreign_keys", "ON")?;
                connection.busy_timeout(std::time::Duration::from_secs(10))?;
                migrated = migrate::migrate(&mut Db::sqlite(&connection))?;
                Engines::Sqlite(Box::new(SqliteConnections {
                    catalog: Mutex::new(connection),
                    tokens: Mutex::new(open_sqlite(&path, false)?),
                    engagements: Mutex::new(open_sqlite(&path, true)?),
                    engagement_readers: Mutex::new(Vec::new()),
                    needs: Mutex::new(open_sqlite(&path, false)?),
                    fairs: Mutex::new(open_sqlite(&path, true)?),
                    push: Mutex::new(open_sqlite(&path, true)?),
                    path,
                }))
            }
            Location::Postgres(url) => {
                let connector = client_config(url, options)?;
                let connect_timeout = connector.config.get_connect_timeout().copied();
                let pool = r2d2::Pool::builder()
                    .max_size(options.pool_size.max(1))
                    .min_idle(Some(1))
                    .connection_timeout(connect_timeout.unwrap_or(DEFAULT_CONNECT_TIMEOUT))
                    .build(PgManager::new(connector.clone()))?;
                postgres_config = Some(connector);
                let mut connection = pool.get()?;
                migrated = migrate::migrate(&mut Db::postgres(&mut connection))?;
                drop(connection);
                Engines::Postgres(pool)
            }
        };
        Ok(Store {
            engines,
            engagement_stats: Mutex::new(None),
            location: location.clone(),
            migrated,
            postgres_config,
            outage: Mutex::new(None),
        })
    }

    /// What the migration when this store was opened found and applied.
    pub fn migrated(&self) -> &migrate::Migrated {
        &self.migrated
    }

    /// Where this store is.
    pub fn location(&self) -> &Location {
        &self.location
    }

    pub fn engine(&self) -> Engine {
        match self.engines {
            Engines::Sqlite(_) => Engine::Sqlite,
            Engines::Postgres(_) => Engine::Postgres,
        }
    }

    /// Runs `work` on a connection of `area` (SQLite: the area's own connection, locked meanwhile;
    /// PostgreSQL: one of the pool's). A transaction `work` leaves open is rolled back.
    pub fn with<T: Send, E: From<StoreError> + Send>(
        &self,
        area: Area,
        work: impl FnOnce(&mut Db<'_>) -> Result<T, E> + Send,
    ) -> Result<T, E> {
        match &self.engines {
            Engines::Sqlite(connections) => {
                let connection = match area {
                    Area::Catalog | Area::Migrations => &connections.catalog,
                    Area::Tokens => &connections.tokens,
                    Area::Engagements => &connections.engagements,
                    Area::Needs => &connections.needs,
                    Area::Fairs => &connections.fairs,
                    Area::Push => &connections.push,
                };
                let connection = lock(connection);
                let mut db = Db::sqlite(&connection);
                let result = work(&mut db);
                drop(db);
                result
            }
            // Off the async runtime: a request handler may call the store directly.
            Engines::Postgres(pool) => self.off_runtime(|| {
                let mut connection = self.pooled(pool)?;
                let mut db = Db::postgres(&mut connection);
                let result = work(&mut db);
                drop(db);
                result
            }),
        }
    }

    /// A connection of the pool: an idle one (checked alive) at once; else, when the pool has none
    /// left at all (as once the database stopped: every connection broke) or the database has been
    /// failing, first a quick try of a connection of its own, so that while the database does not
    /// answer every call fails at once (`StoreError::Unavailable`, the same cause for `PROBE_EVERY`)
    /// instead of each waiting out the pool's connect timeout, which it keeps retrying within.
    fn pooled(
        &self,
        pool: &r2d2::Pool<PgManager>,
    ) -> Result<r2d2::PooledConnection<PgManager>, StoreError> {
        if let Some(connection) = pool.try_get() {
            return Ok(connection);
        }
        let Some(config) = &self.postgres_config else {
            return pool.get().map_err(StoreError::from);
        };
        // While the database is out, callers fail at once; one every `PROBE_EVERY` tries again.
        let failing = match lock(&self.outage).as_mut() {
            Some((probed, cause)) if probed.elapsed() < PROBE_EVERY => {
                return Err(StoreError::Unavailable(cause.clone()));
            }
            Some((probed, _)) => {
                *probed = Instant::now();
                true
            }
            None => false,
        };
        if failing || pool.state().connections == 0 {
            match config.connect() {
                Ok(_probe) => {
                    *lock(&self.outage) = None;
                    if failing {
                        eprintln!(
                            "duijie serve: the database in {} answers again",
                            self.location.describe()
                        );
                    }
                }
                Err(error) => {
                    let cause = postgres_message(&error);
                    if StoreError::Postgres(error).unavailable().is_some() {
                        if !failing {
                            eprintln!(
                                "duijie serve: the database in {} does not answer: {cause}; reads \
                                 answer from memory, writes fail with 503 until it is back",
                                self.location.describe()
                            );
                        }
                        *lock(&self.outage) = Some((Instant::now(), cause.clone()));
                        return Err(StoreError::Unavailable(cause));
                    }
                }
            }
        }
        pool.get().map_err(|error| {
            let error = StoreError::from(error);
            *lock(&self.outage) = Some((Instant::now(), error.to_string()));
            error
        })
    }

    /// On PostgreSQL, starts a thread that LISTENs on its own connection for the catalog's and the
    /// stored needs' changes committed by any replica and calls `changed` for each (and once after
    /// every reconnection, for what it may have missed meanwhile); a dropped connection is opened
    /// again a second later. Nothing on SQLite (false): its readers only poll. Detached: it ends
    /// with the process.
    pub fn listen(&self, changed: impl Fn() + Send + 'static) -> bool {
        let Some(config) = self.postgres_config.clone() else {
            return false;
        };
        let location = self.location.describe();
        std::thread::spawn(move || {
            let mut first = true;
            // A database that stays down is reported once, not every second.
            let mut reported = false;
            loop {
                match config.connect() {
                    Ok(mut client) => {
                        reported = false;
                        let listening = client.batch_execute(&format!(
                            "LISTEN {CATALOG_CHANNEL}; LISTEN {NEEDS_CHANNEL}"
                        ));
                        if let Err(error) = listening {
                            eprintln!(
                                "duijie serve: cannot listen in {location}: {}",
                                postgres_message(&error)
                            );
                        } else {
                            if !first {
                                changed();
                            }
                            first = false;
                            let mut notifications = client.notifications();
                            let mut iter = notifications.blocking_iter();
                            loop {
                                match iter.next() {
                                    Ok(Some(_)) => changed(),
                                    Ok(None) => break,
                                    Err(error) => {
                                        eprintln!(
                                            "duijie serve: the listener in {location} stopped: {}; \
                                             listening again",
                                            postgres_message(&error)
                                        );
                                        break;
                                    }
                                }
                            }
                        }
                    }
                    Err(error) => {
                        if !reported {
                            eprintln!(
                                "duijie serve: cannot listen in {location}: {}; trying again every \
                                 second",
                                postgres_message(&error)
                            );
                        }
                        reported = true;
                    }
                }
                std::thread::sleep(std::time::Duration::from_secs(1));
            }
        });
        true
    }

    /// Runs `work`, on a thread of its own when this is a PostgreSQL store and the caller is on an
    /// async runtime: the synchronous PostgreSQL client blocks on a runtime of its own, which cannot
    /// run inside another (it panics). SQLite calls run where they are, as before.
    fn off_runtime<T: Send>(&self, work: impl FnOnce() -> T + Send) -> T {
        if self.engine() == Engine::Sqlite || tokio::runtime::Handle::try_current().is_err() {
            return work();
        }
        std::thread::scope(|scope| {
            scope
                .spawn(work)
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
        })
    }

    /// Runs `read` for the engagement readers: on SQLite an idle read-only connection (a new one when
    /// all are busy), kept afterwards; on PostgreSQL one of the pool's.
    pub(crate) fn with_reader<T: Send>(
        &self,
        read: impl FnOnce(&mut Db<'_>) -> Result<T, StoreError> + Send,
    ) -> Result<T, StoreError> {
        let Engines::Sqlite(connections) = &self.engines else {
            return self.with(Area::Engagements, read);
        };
        let idle = connections
            .engagement_readers
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .pop();
        let connection = match idle {
            Some(connection) => connection,
            None => {
                let connection = Connection::open_with_flags(
                    &connections.path,
                    rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY
                        | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
                )?;
                connection.busy_timeout(std::time::Duration::from_secs(10))?;
                connection
            }
        };
        let mut db = Db::sqlite(&connection);
        let result = read(&mut db);
        drop(db);
        let mut readers = connections
            .engagement_readers
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if readers.len() < MAX_IDLE_READERS {
            readers.push(connection);
        }
        result
    }

    /// The stored catalog, or `None` when this store has never had one (a new data folder).
    pub fn catalog(&self) -> Result<Option<StoredCatalog>, StoreError> {
        self.with(Area::Catalog, |db| {
            db.begin_read()?;
            let Some(row) = db.query_opt(
                "SELECT version, generation FROM catalog WHERE id = 1",
                params![],
            )?
            else {
                return Ok(None);
            };
            let catalog = read_whole(db, row.get(0)?, row.get(1)?)?;
            db.commit()?;
            Ok(Some(catalog))
        })
    }

    /// What changed in the stored catalog since generation `known` (the one a replica holds): only
    /// the rows the change log names when it covers every generation since, else the whole catalog.
    /// `None` when this store has never had a catalog.
    pub fn catalog_since(&self, known: i64) -> Result<Option<CatalogUpdate>, StoreError> {
        self.with(Area::Catalog, |db| {
            db.begin_read()?;
            let Some(row) = db.query_opt(
                "SELECT version, generation FROM catalog WHERE id = 1",
                params![],
            )?
            else {
                return Ok(None);
            };
            let (version, generation): (String, i64) = (row.get(0)?, row.get(1)?);
            let mut logged: Vec<(i64, String)> = Vec::new();
            if generation > known && generation - known <= CHANGE_LOG_GENERATIONS {
                for row in db.query(
                    "SELECT generation, id FROM catalog_changes WHERE generation > ?1 AND \
                     generation <= ?2 ORDER BY generation",
                    params![known, generation],
                )? {
                    logged.push((row.get(0)?, row.get(1)?));
                }
            }
            let mut generations: Vec<i64> = logged.iter().map(|(logged, _)| *logged).collect();
            generations.dedup();
            let mut ids: Vec<String> = logged.into_iter().map(|(_, id)| id).collect();
            ids.sort_unstable();
            ids.dedup();
            // Every generation since must have its rows, none of them "the whole catalog".
            let complete = generations.len() as i64 == generation - known
                && generations.first() == Some(&(known + 1))
                && ids.len() <= MAX_LOGGED_CHANGES
                && !ids.iter().any(|id| id == WHOLE_CATALOG);
            let update = if complete {
                let mut upserted = Vec::new();
                let mut deleted = Vec::new();
                for id in ids {
                    match db.query_opt("SELECT body FROM resources WHERE id = ?1", params![id])? {
                        Some(row) => {
                            let body: String = row.get(0)?;
                            upserted.push(
                                serde_json::from_str(&body)
                                    .map_err(|source| StoreError::Corrupt { id, source })?,
                            );
                        }
                        None => deleted.push(id),
                    }
                }
                CatalogUpdate::Changes {
                    version,
                    generation,
                    upserted,
                    deleted,
                }
            } else {
                CatalogUpdate::Whole(read_whole(db, version, generation)?)
            };
            db.commit()?;
            Ok(Some(update))
        })
    }

    /// The current catalog version and generation, without the resources.
    pub fn version(&self) -> Result<Option<(String, i64)>, StoreError> {
        self.with(Area::Catalog, |db| {
            db.query_opt(
                "SELECT version, generation FROM catalog WHERE id = 1",
                params![],
            )?
            .map(|row| Ok((row.get(0)?, row.get(1)?)))
            .transpose()
        })
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
        self.with(Area::Catalog, |db| {
            // The write lock is taken at once, so the generation read below cannot change before the
            // commit, even when another process shares the database.
            db.begin_write(Area::Catalog)?;
            if let Some(expected) = expected {
                let stored: Option<i64> = db
                    .query_opt("SELECT generation FROM catalog WHERE id = 1", params![])?
                    .map(|row| row.get(0))
                    .transpose()?;
                if stored != Some(expected) {
                    return Err(StoreError::Stale);
                }
            }
            match change {
                Change::Replace(resources) => {
                    db.execute("DELETE FROM resources", params![])?;
                    insert_all(db, resources)?;
                }
                Change::Upsert(resources) => insert_all(db, resources)?,
                Change::Delete(id) => {
                    db.execute("DELETE FROM resources WHERE id = ?1", params![id])?;
                }
                Change::DeleteMany(ids) => {
                    for id in ids.iter() {
                        db.execute("DELETE FROM resources WHERE id = ?1", params![id])?;
                    }
                }
            }
            #[cfg(debug_assertions)]
            pause_for_crash_tests();
            let updated_at = duijie_core::time::format_utc(crate::engagement::now_seconds());
            let generation: i64 = db
                .query_one(
                    "INSERT INTO catalog (id, version, generation, updated_at) VALUES (1, ?1, 1, ?2)
                     ON CONFLICT (id) DO UPDATE SET version = excluded.version,
                         generation = catalog.generation + 1, updated_at = excluded.updated_at
                     RETURNING generation",
                    params![version, updated_at],
                )?
                .get(0)?;
            log_catalog_change(db, generation, change)?;
            push::record_change(db, generation, version, changed, now)?;
            db.notify(CATALOG_CHANNEL, &generation.to_string())?;
            db.commit()?;
            Ok(generation)
        })
    }

    pub fn insert_token(
        &self,
        hash: &[u8],
        scope: &str,
        organization: Option<&str>,
    ) -> Result<(), StoreError> {
        self.with(Area::Tokens, |db| {
            db.execute(
                "INSERT INTO tokens (hash, scope, organization) VALUES (?1, ?2, ?3)",
                params![hash, scope, organization],
            )?;
            Ok(())
        })
    }

    /// Every stored token.
    /// Deletes the token stored under `hash`; whether there was one.
    pub fn delete_token(&self, hash: &[u8]) -> Result<bool, StoreError> {
        self.with(Area::Tokens, |db| {
            let deleted = db.execute("DELETE FROM tokens WHERE hash = ?1", params![hash])?;
            Ok(deleted > 0)
        })
    }

    pub fn tokens(&self) -> Result<Vec<StoredToken>, StoreError> {
        self.with(Area::Tokens, |db| {
            db.query("SELECT hash, scope, organization FROM tokens", params![])?
                .into_iter()
                .map(|row| {
                    Ok(StoredToken {
                        hash: row.get(0)?,
                        scope: row.get(1)?,
                        organization: row.get(2)?,
                    })
                })
                .collect()
        })
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

/// Every stored resource, by id, with the catalog's `version` and `generation`; inside the caller's
/// transaction.
fn read_whole(
    db: &mut Db<'_>,
    version: String,
    generation: i64,
) -> Result<StoredCatalog, StoreError> {
    let mut resources = Vec::new();
    for row in db.query("SELECT id, body FROM resources ORDER BY id", params![])? {
        let id: String = row.get(0)?;
        let body: String = row.get(1)?;
        let resource =
            serde_json::from_str(&body).map_err(|source| StoreError::Corrupt { id, source })?;
        resources.push(resource);
    }
    Ok(StoredCatalog {
        version,
        generation,
        resources,
    })
}

/// Writes the change log rows of `change`, committed as `generation` (see `catalog_changes`), and
/// forgets the generations older than `CHANGE_LOG_GENERATIONS`.
fn log_catalog_change(
    db: &mut Db<'_>,
    generation: i64,
    change: &Change<'_>,
) -> Result<(), StoreError> {
    let ids: Vec<&str> = match change {
        Change::Replace(_) => Vec::new(),
        Change::Upsert(resources) => resources
            .iter()
            .map(|resource| resource.id.as_str())
            .collect(),
        Change::Delete(id) => vec![id],
        Change::DeleteMany(ids) => ids.iter().map(String::as_str).collect(),
    };
    let whole = matches!(change, Change::Replace(_)) || ids.len() > MAX_LOGGED_CHANGES;
    let ids = if whole { vec![WHOLE_CATALOG] } else { ids };
    for id in ids {
        db.execute(
            "INSERT INTO catalog_changes (generation, id) VALUES (?1, ?2)
             ON CONFLICT (generation, id) DO NOTHING",
            params![generation, id],
        )?;
    }
    db.execute(
        "DELETE FROM catalog_changes WHERE generation <= ?1",
        params![generation - CHANGE_LOG_GENERATIONS],
    )?;
    Ok(())
}

fn insert_all(db: &mut Db<'_>, resources: &[Resource]) -> Result<(), StoreError> {
    for resource in resources {
        let body = serde_json::to_string(resource)?;
        db.execute(
            "INSERT INTO resources (id, kind, body) VALUES (?1, ?2, ?3)
             ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, body = excluded.body",
            params![resource.id, resource.kind.as_str(), body],
        )?;
    }
    Ok(())
}
