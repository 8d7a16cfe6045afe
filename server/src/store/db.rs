//! The store's two engines behind one small SQL interface: `Db` runs a statement on a SQLite
//! connection or a PostgreSQL client with the same text and the same parameters, and gives rows
//! back as `Value`s, so the store's queries are written once.
//!
//! The SQL the store writes is the subset both engines share: `?N` placeholders (rewritten to `$N`
//! for PostgreSQL), `INSERT ... ON CONFLICT ... DO UPDATE`, `RETURNING`, integers as 64-bit, no
//! SQLite-only functions. Where the engines must differ (the schema files, a statement or two) the
//! caller asks `Db::engine`. A write transaction (`Db::begin_write`) holds the area's write lock
//! until it ends: SQLite's `BEGIN IMMEDIATE` (one writer per file), a transaction-scoped advisory
//! lock per area in PostgreSQL, so that two replicas writing at once serialize as two processes on
//! one SQLite file do.

use std::collections::HashMap;
use std::error::Error as StdError;

use postgres::types::{IsNull, ToSql, Type};

use crate::store::StoreError;

/// Which database a `Db` talks to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

/// One parameter or column value.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Null,
    Int(i64),
    Real(f64),
    Text(String),
    Blob(Vec<u8>),
}

/// What may be a parameter of a statement (`params!`).
pub trait Param {
    fn value(&self) -> Value;
}

impl Param for i64 {
    fn value(&self) -> Value {
        Value::Int(*self)
    }
}

impl Param for bool {
    fn value(&self) -> Value {
        Value::Int(i64::from(*self))
    }
}

impl Param for f64 {
    fn value(&self) -> Value {
        Value::Real(*self)
    }
}

impl Param for str {
    fn value(&self) -> Value {
        Value::Text(self.to_string())
    }
}

impl Param for String {
    fn value(&self) -> Value {
        Value::Text(self.clone())
    }
}

impl Param for [u8] {
    fn value(&self) -> Value {
        Value::Blob(self.to_vec())
    }
}

impl Param for Vec<u8> {
    fn value(&self) -> Value {
        Value::Blob(self.clone())
    }
}

impl Param for Value {
    fn value(&self) -> Value {
        self.clone()
    }
}

impl<T: Param + ?Sized> Param for &T {
    fn value(&self) -> Value {
        (**self).value()
    }
}

impl<T: Param> Param for Option<T> {
    fn value(&self) -> Value {
        self.as_ref().map_or(Value::Null, Param::value)
    }
}

/// The parameters of a statement, in order: `params![id, body]`.
macro_rules! params {
    ($($param:expr),* $(,)?) => {
        &[$($crate::store::db::Param::value(&$param)),*] as &[$crate::store::db::Value]
    };
}
pub(crate) use params;

/// What a column value may be read as (`Row::get`).
pub trait FromValue: Sized {
    fn from_value(value: &Value) -> Option<Self>;
}

impl FromValue for i64 {
    fn from_value(value: &Value) -> Option<i64> {
        match value {
            Value::Int(int) => Some(*int),
            _ => None,
        }
    }
}

impl FromValue for f64 {
    fn from_value(value: &Value) -> Option<f64> {
        match value {
            Value::Real(real) => Some(*real),
            Value::Int(int) => Some(*int as f64),
            _ => None,
        }
    }
}

/// Flags are stored as integers (0 or 1) on both engines.
impl FromValue for bool {
    fn from_value(value: &Value) -> Option<bool> {
        match value {
            Value::Int(int) => Some(*int != 0),
            _ => None,
        }
    }
}

impl FromValue for String {
    fn from_value(value: &Value) -> Option<String> {
        match value {
            Value::Text(text) => Some(text.clone()),
            _ => None,
        }
    }
}

impl FromValue for Vec<u8> {
    fn from_value(value: &Value) -> Option<Vec<u8>> {
        match value {
            Value::Blob(bytes) => Some(bytes.clone()),
            _ => None,
        }
    }
}

impl<T: FromValue> FromValue for Option<T> {
    fn from_value(value: &Value) -> Option<Option<T>> {
        match value {
            Value::Null => Some(None),
            other => T::from_value(other).map(Some),
        }
    }
}

/// One row of an answer.
#[derive(Clone, Debug)]
pub struct Row(Vec<Value>);

impl Row {
    /// Every column, in order.
    pub fn values(&self) -> &[Value] {
        &self.0
    }

    /// Column `index` as a `T`; a column of another type is an error (as rusqlite's `get`).
    pub fn get<T: FromValue>(&self, index: usize) -> Result<T, StoreError> {
        let value = self.0.get(index).unwrap_or(&Value::Null);
        T::from_value(value).ok_or_else(|| StoreError::Column {
            index,
            found: format!("{value:?}"),
        })
    }
}

/// The areas of the store whose writers exclude each other (one advisory lock each in PostgreSQL).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Area {
    Catalog,
    Tokens,
    Engagements,
    Needs,
    Fairs,
    Push,
    Migrations,
}

impl Area {
    /// The key of the area's advisory lock: an arbitrary constant of this program ("dj" and a number).
    fn lock_key(self) -> i64 {
        let base = 0x646a_0000_i64;
        base + match self {
            Area::Catalog => 1,
            Area::Tokens => 2,
            Area::Engagements => 3,
            Area::Needs => 4,
            Area::Fairs => 5,
            Area::Migrations => 6,
            Area::Push => 7,
        }
    }
}

/// A PostgreSQL connection of the pool, with the statements it has prepared (by their text).
pub struct PgConnection {
    client: postgres::Client,
    statements: HashMap<String, postgres::Statement>,
}

/// How to open a PostgreSQL connection: the client's configuration and its TLS connector (the
/// pool's connections, the outage probe's and the listener's).
#[derive(Clone)]
pub struct PgConnector {
    pub config: postgres::Config,
    tls: tokio_postgres_rustls::MakeRustlsConnect,
}

impl PgConnector {
    pub fn new(
        config: postgres::Config,
        tls: tokio_postgres_rustls::MakeRustlsConnect,
    ) -> PgConnector {
        PgConnector { config, tls }
    }

    /// A new connection.
    pub fn connect(&self) -> Result<postgres::Client, postgres::Error> {
        self.config.connect(self.tls.clone())
    }
}

/// Why the pool could not open a connection: the client's error, shown with its cause (the pool
/// keeps only the text of the last one, and the client's own text says only "error performing TLS
/// handshake" or "error connecting to server").
#[derive(Debug)]
pub struct ConnectError(pub postgres::Error);

impl std::fmt::Display for ConnectError {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str(&crate::store::postgres_message(&self.0))
    }
}

impl StdError for ConnectError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        Some(&self.0)
    }
}

/// The r2d2 manager of the PostgreSQL pool.
pub struct PgManager {
    connector: PgConnector,
}

impl PgManager {
    pub fn new(connector: PgConnector) -> PgManager {
        PgManager { connector }
    }
}

impl r2d2::ManageConnection for PgManager {
    type Connection = PgConnection;
    type Error = ConnectError;

    fn connect(&self) -> Result<PgConnection, ConnectError> {
        Ok(PgConnection {
            client: self.connector.connect().map_err(ConnectError)?,
            statements: HashMap::new(),
        })
    }

    fn is_valid(&self, connection: &mut PgConnection) -> Result<(), ConnectError> {
        connection
            .client
            .simple_query("")
            .map(|_| ())
            .map_err(ConnectError)
    }

    fn has_broken(&self, connection: &mut PgConnection) -> bool {
        connection.client.is_closed()
    }
}

enum Inner<'a> {
    Sqlite(&'a rusqlite::Connection),
    Postgres(&'a mut PgConnection),
}

/// One connection of either engine, for the length of one store call. A transaction begun and not
/// committed when it is dropped is rolled back.
pub struct Db<'a> {
    inner: Inner<'a>,
    in_transaction: bool,
}

impl<'a> Db<'a> {
    pub fn sqlite(connection: &'a rusqlite::Connection) -> Db<'a> {
        Db {
            inner: Inner::Sqlite(connection),
            in_transaction: false,
        }
    }

    pub fn postgres(connection: &'a mut PgConnection) -> Db<'a> {
        Db {
            inner: Inner::Postgres(connection),
            in_transaction: false,
        }
    }

    pub fn engine(&self) -> Engine {
        match self.inner {
            Inner::Sqlite(_) => Engine::Sqlite,
            Inner::Postgres(_) => Engine::Postgres,
        }
    }

    /// The SQLite connection, for what only SQLite has (its legacy schema upgrades).
    pub fn as_sqlite(&self) -> Option<&rusqlite::Connection> {
        match self.inner {
            Inner::Sqlite(connection) => Some(connection),
            Inner::Postgres(_) => None,
        }
    }

    /// Tells the replicas listening on `channel` (PostgreSQL's NOTIFY, sent when the transaction
    /// commits); nothing on SQLite, whose readers poll.
    pub fn notify(&mut self, channel: &str, payload: &str) -> Result<(), StoreError> {
        if self.engine() == Engine::Postgres {
            self.execute("SELECT pg_notify(?1, ?2)", params![channel, payload])?;
        }
        Ok(())
    }

    /// Runs statements without parameters or answers (schema files).
    pub fn batch(&mut self, sql: &str) -> Result<(), StoreError> {
        match &mut self.inner {
            Inner::Sqlite(connection) => connection.execute_batch(sql)?,
            Inner::Postgres(connection) => connection.client.batch_execute(sql)?,
        }
        Ok(())
    }

    /// Begins a read transaction: every statement until `commit` sees one state of the database.
    pub fn begin_read(&mut self) -> Result<(), StoreError> {
        match self.engine() {
            Engine::Sqlite => self.batch("BEGIN")?,
            Engine::Postgres => self.batch("BEGIN ISOLATION LEVEL REPEATABLE READ")?,
        }
        self.in_transaction = true;
        Ok(())
    }

    /// Begins a write transaction holding `area`'s write lock until it ends, so that what it reads
    /// cannot change before it commits.
    pub fn begin_write(&mut self, area: Area) -> Result<(), StoreError> {
        match self.engine() {
            Engine::Sqlite => self.batch("BEGIN IMMEDIATE")?,
            Engine::Postgres => {
                self.batch("BEGIN")?;
                self.in_transaction = true;
                self.lock(area)?;
            }
        }
        self.in_transaction = true;
        Ok(())
    }

    /// Inside a write transaction, takes `area`'s write lock too (nothing more on SQLite, whose
    /// write transaction excludes every other writer). The wait for the lock is not bounded by the
    /// statement timeout: it lasts as long as the other writer's transaction (a large import), whose
    /// statements are each bounded.
    pub fn lock(&mut self, area: Area) -> Result<(), StoreError> {
        if self.engine() == Engine::Postgres {
            // One round trip; `TO DEFAULT` is the connection's own timeout (its startup option).
            self.batch(&format!(
                "SET LOCAL statement_timeout = 0; SELECT pg_advisory_xact_lock({}); \
                 SET LOCAL statement_timeout TO DEFAULT",
                area.lock_key()
            ))?;
        }
        Ok(())
    }

    pub fn commit(&mut self) -> Result<(), StoreError> {
        if self.in_transaction {
            self.in_transaction = false;
            self.batch("COMMIT")?;
        }
        Ok(())
    }

    /// Runs one statement; the number of rows it changed.
    pub fn execute(&mut self, sql: &str, params: &[Value]) -> Result<u64, StoreError> {
        match &mut self.inner {
            Inner::Sqlite(connection) => {
                let mut statement = connection.prepare_cached(sql)?;
                let changed = statement.execute(rusqlite::params_from_iter(params.iter()))?;
                Ok(changed as u64)
            }
            Inner::Postgres(connection) => {
                let statement = connection.prepare(sql)?;
                let params = pg_params(params);
                Ok(connection.client.execute(&statement, &params)?)
            }
        }
    }

    /// Runs one query; every row of its answer.
    pub fn query(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Row>, StoreError> {
        match &mut self.inner {
            Inner::Sqlite(connection) => {
                let mut statement = connection.prepare_cached(sql)?;
                let columns = statement.column_count();
                let mut rows = statement.query(rusqlite::params_from_iter(params.iter()))?;
                let mut out = Vec::new();
                while let Some(row) = rows.next()? {
                    let mut values = Vec::with_capacity(columns);
                    for index in 0..columns {
                        values.push(match row.get_ref(index)? {
                            rusqlite::types::ValueRef::Null => Value::Null,
                            rusqlite::types::ValueRef::Integer(int) => Value::Int(int),
                            rusqlite::types::ValueRef::Real(real) => Value::Real(real),
                            rusqlite::types::ValueRef::Text(text) => {
                                Value::Text(String::from_utf8_lossy(text).into_owned())
                            }
                            rusqlite::types::ValueRef::Blob(bytes) => Value::Blob(bytes.to_vec()),
                        });
                    }
                    out.push(Row(values));
                }
                Ok(out)
            }
            Inner::Postgres(connection) => {
                let statement = connection.prepare(sql)?;
                let params = pg_params(params);
                let rows = connection.client.query(&statement, &params)?;
                rows.iter().map(pg_row).collect()
            }
        }
    }

    /// The first row of a query's answer, if any.
    pub fn query_opt(&mut self, sql: &str, params: &[Value]) -> Result<Option<Row>, StoreError> {
        Ok(self.query(sql, params)?.into_iter().next())
    }

    /// The first row of a query's answer; none is an error.
    pub fn query_one(&mut self, sql: &str, params: &[Value]) -> Result<Row, StoreError> {
        self.query_opt(sql, params)?.ok_or(StoreError::NoRow)
    }
}

impl Drop for Db<'_> {
    fn drop(&mut self) {
        if self.in_transaction {
            self.in_transaction = false;
            let _ = self.batch("ROLLBACK");
        }
    }
}

impl PgConnection {
    /// The prepared statement of `sql` (with `?N` as `$N`), prepared once per connection.
    fn prepare(&mut self, sql: &str) -> Result<postgres::Statement, StoreError> {
        if let Some(statement) = self.statements.get(sql) {
            return Ok(statement.clone());
        }
        let statement = self.client.prepare(&dollar_placeholders(sql))?;
        self.statements.insert(sql.to_string(), statement.clone());
        Ok(statement)
    }
}

/// `?1` becomes `$1`: the store's statements use no `?` but in placeholders.
pub fn dollar_placeholders(sql: &str) -> String {
    sql.replace('?', "$")
}

fn pg_params(params: &[Value]) -> Vec<&(dyn ToSql + Sync)> {
    params
        .iter()
        .map(|value| value as &(dyn ToSql + Sync))
        .collect()
}

fn pg_row(row: &postgres::Row) -> Result<Row, StoreError> {
    let mut values = Vec::with_capacity(row.len());
    for (index, column) in row.columns().iter().enumerate() {
        let ty = column.type_();
        let value = if *ty == Type::VOID {
            None
        } else if *ty == Type::INT8 {
            row.try_get::<_, Option<i64>>(index)?.map(Value::Int)
        } else if *ty == Type::INT4 {
            row.try_get::<_, Option<i32>>(index)?
                .map(|int| Value::Int(i64::from(int)))
        } else if *ty == Type::INT2 {
            row.try_get::<_, Option<i16>>(index)?
                .map(|int| Value::Int(i64::from(int)))
        } else if *ty == Type::BOOL {
            row.try_get::<_, Option<bool>>(index)?
                .map(|flag| Value::Int(i64::from(flag)))
        } else if *ty == Type::FLOAT8 {
            row.try_get::<_, Option<f64>>(index)?.map(Value::Real)
        } else if *ty == Type::BYTEA {
            row.try_get::<_, Option<Vec<u8>>>(index)?.map(Value::Blob)
        } else {
            row.try_get::<_, Option<String>>(index)?.map(Value::Text)
        };
        values.push(value.unwrap_or(Value::Null));
    }
    Ok(Row(values))
}

impl rusqlite::ToSql for Value {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        use rusqlite::types::{ToSqlOutput, ValueRef};
        Ok(ToSqlOutput::Borrowed(match self {
            Value::Null => ValueRef::Null,
            Value::Int(int) => ValueRef::Integer(*int),
            Value::Real(real) => ValueRef::Real(*real),
            Value::Text(text) => ValueRef::Text(text.as_bytes()),
            Value::Blob(bytes) => ValueRef::Blob(bytes),
        }))
    }
}

impl ToSql for Value {
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut postgres::types::private::BytesMut,
    ) -> Result<IsNull, Box<dyn StdError + Sync + Send>> {
        match self {
            Value::Null => Ok(IsNull::Yes),
            Value::Int(int) if *ty == Type::INT4 => i32::try_from(*int)?.to_sql(ty, out),
            Value::Int(int) if *ty == Type::INT2 => i16::try_from(*int)?.to_sql(ty, out),
            Value::Int(int) if *ty == Type::BOOL => (*int != 0).to_sql(ty, out),
            // A whole number read from SQLite's REAL column (an instance moved between engines).
            Value::Int(int) if *ty == Type::FLOAT8 => (*int as f64).to_sql(ty, out),
            Value::Int(int) => int.to_sql(ty, out),
            Value::Real(real) if *ty == Type::FLOAT4 => (*real as f32).to_sql(ty, out),
            Value::Real(real) => real.to_sql(ty, out),
            Value::Text(text) => text.as_str().to_sql(ty, out),
            Value::Blob(bytes) => bytes.as_slice().to_sql(ty, out),
        }
    }

    fn accepts(_: &Type) -> bool {
        true
    }

    postgres::types::to_sql_checked!();
}
