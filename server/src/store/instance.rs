//! A whole instance as one file, to move it between stores and engines (`duijie export`, `duijie
//! import-instance`): every table the store keeps (the catalog and its version, the tokens, the
//! engagements and their steps, the stored needs, the subscriptions and their outbox, the fairs),
//! row by row, written and read through `Db` like every other query, so one rule serves SQLite and
//! PostgreSQL alike.
//!
//! The file is JSON Lines: a header (`format`, `format_version`, `schema_version`, the source's
//! engine), then for each table a line `{"table", "columns", "rows"}` followed by its rows, one JSON
//! array each (null, an integer, a number with a fraction, a string, or `{"hex": "…"}` for bytes).
//! An import is one transaction holding every area's write lock: all of it or nothing.

use std::collections::BTreeSet;
use std::io::{BufRead, Write};

use serde::{Deserialize, Serialize};

use crate::store::db::{params, Area, Db, Engine, Value};
use crate::store::migrate::known_version;
use crate::store::{Store, StoreError, CATALOG_CHANNEL, NEEDS_CHANNEL};

/// The first line's `format`.
pub const FORMAT: &str = "duijie-instance";

/// The version of this file's layout (not of the schema, which the header names apart).
pub const FORMAT_VERSION: i64 = 1;

/// Every table of the store, each before the tables that reference it: rows are written and
/// inserted in this order, and deleted in the reverse one. A table the store has and this list does
/// not is refused by both commands, so a migration that adds one cannot be left out silently.
pub const TABLES: &[&str] = &[
    "catalog",
    "resources",
    "tokens",
    "engagements",
    "engagement_steps",
    "needs",
    "need_state",
    "fairs",
    "fair_participants",
    "fair_requests",
    "fair_meetings",
    "fair_calendars",
    "fair_dropped",
    "fair_actions",
    "subscriptions",
    "push_changes",
    "push_deliveries",
    "push_items",
    "push_attempt_days",
];

/// The table of the applied migrations: each store keeps its own (the target is migrated when it is
/// opened), so it is not moved.
const MIGRATIONS_TABLE: &str = "schema_migrations";

/// The catalog's change log: it tells replicas what changed since the generation they hold, in this
/// store only, so it is not moved either; an import empties it (replicas then read the whole
/// catalog).
const CHANGE_LOG_TABLE: &str = "catalog_changes";

#[derive(Debug, thiserror::Error)]
pub enum InstanceError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("line {line}: {message}")]
    File { line: usize, message: String },
    #[error(
        "the store has a table the instance file does not know ({0}): this duijie is older than \
         the store's schema, or the table list in store/instance.rs misses it"
    )]
    UnknownTable(String),
    #[error(
        "the target store is not empty (table {table} holds {rows} rows): import into a new store, \
         or pass --replace to delete everything in it first"
    )]
    NotEmpty { table: String, rows: i64 },
    #[error(
        "the file was exported at schema version {found}, this duijie's stores are at version \
         {known}: import it with the duijie that exported it (then migrate), or export it again \
         with this one"
    )]
    SchemaVersion { found: i64, known: i64 },
}

/// The file's first line.
#[derive(Debug, Serialize, Deserialize)]
struct Header {
    format: String,
    format_version: i64,
    schema_version: i64,
    engine: String,
}

/// The line before a table's rows.
#[derive(Debug, Serialize, Deserialize)]
struct TableHeader {
    table: String,
    columns: Vec<String>,
    rows: usize,
}

/// How many rows of each table were moved, in `TABLES` order.
#[derive(Debug, Default)]
pub struct Moved {
    pub tables: Vec<(String, usize)>,
}

impl Moved {
    pub fn rows(&self) -> usize {
        self.tables.iter().map(|(_, rows)| rows).sum()
    }
}

/// The tables of the store (the migrations' table left out).
fn tables(db: &mut Db<'_>) -> Result<BTreeSet<String>, StoreError> {
    let sql = match db.engine() {
        Engine::Sqlite => {
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        }
        Engine::Postgres => {
            "SELECT CAST(table_name AS TEXT) FROM information_schema.tables
             WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"
        }
    };
    db.query(sql, params![])?
        .iter()
        .map(|row| row.get::<String>(0))
        .filter(|name| !matches!(name, Ok(name) if name == MIGRATIONS_TABLE || name == CHANGE_LOG_TABLE))
        .collect()
}

/// Refuses a store with a table `TABLES` does not name.
fn check_tables(db: &mut Db<'_>) -> Result<(), InstanceError> {
    match tables(db)?
        .into_iter()
        .find(|table| !TABLES.contains(&table.as_str()))
    {
        Some(unknown) => Err(InstanceError::UnknownTable(unknown)),
        None => Ok(()),
    }
}

/// The columns of `table`, in the store's order. SQLite's steps have their implicit `rowid` first
/// (the statistics cache is keyed by it; PostgreSQL has it as a column of its own).
fn columns(db: &mut Db<'_>, table: &str) -> Result<Vec<String>, StoreError> {
    let mut columns = Vec::new();
    let sql = match db.engine() {
        Engine::Sqlite => {
            if table == "engagement_steps" {
                columns.push("rowid".to_string());
            }
            "SELECT name FROM pragma_table_info(?1) ORDER BY cid"
        }
        Engine::Postgres => {
            "SELECT CAST(column_name AS TEXT) FROM information_schema.columns
             WHERE table_schema = current_schema() AND table_name = ?1 ORDER BY ordinal_position"
        }
    };
    for row in db.query(sql, params![table])? {
        columns.push(row.get(0)?);
    }
    Ok(columns)
}

fn to_json(value: &Value) -> serde_json::Value {
    match value {
        Value::Null => serde_json::Value::Null,
        Value::Int(int) => serde_json::Value::from(*int),
        Value::Real(real) => serde_json::Value::from(*real),
        Value::Text(text) => serde_json::Value::from(text.as_str()),
        Value::Blob(bytes) => {
            let hex: String = bytes.iter().map(|byte| format!("{byte:02x}")).collect();
            serde_json::json!({ "hex": hex })
        }
    }
}

fn from_json(value: &serde_json::Value) -> Option<Value> {
    Some(match value {
        serde_json::Value::Null => Value::Null,
        serde_json::Value::Number(number) => match number.as_i64() {
            Some(int) => Value::Int(int),
            None => Value::Real(number.as_f64()?),
        },
        serde_json::Value::String(text) => Value::Text(text.clone()),
        serde_json::Value::Object(object) => {
            let hex = object.get("hex")?.as_str()?;
            if hex.len() % 2 != 0 {
                return None;
            }
            let bytes: Option<Vec<u8>> = (0..hex.len())
                .step_by(2)
                .map(|at| u8::from_str_radix(hex.get(at..at + 2)?, 16).ok())
                .collect();
            Value::Blob(bytes?)
        }
        _ => return None,
    })
}

/// A JSON line of the file, or where it is not one.
fn parse_line<T: serde::de::DeserializeOwned>(
    line: &str,
    number: usize,
    what: &str,
) -> Result<T, InstanceError> {
    serde_json::from_str(line).map_err(|error| InstanceError::File {
        line: number,
        message: format!("not {what}: {error}"),
    })
}

impl Store {
    /// Writes every table of this store to `out`, as one snapshot (a read transaction).
    pub fn export_instance(&self, out: &mut (impl Write + Send)) -> Result<Moved, InstanceError> {
        self.with(Area::Migrations, |db| {
            db.begin_read()?;
            check_tables(db)?;
            let header = Header {
                format: FORMAT.to_string(),
                format_version: FORMAT_VERSION,
                schema_version: known_version(),
                engine: match db.engine() {
                    Engine::Sqlite => "sqlite".to_string(),
                    Engine::Postgres => "postgres".to_string(),
                },
            };
            serde_json::to_writer(&mut *out, &header).map_err(std::io::Error::from)?;
            out.write_all(b"\n")?;
            let mut moved = Moved::default();
            for table in TABLES {
                let columns = columns(db, table)?;
                let rows = db.query(
                    &format!("SELECT {} FROM {table}", columns.join(", ")),
                    params![],
                )?;
                let line = TableHeader {
                    table: table.to_string(),
                    columns,
                    rows: rows.len(),
                };
                serde_json::to_writer(&mut *out, &line).map_err(std::io::Error::from)?;
                out.write_all(b"\n")?;
                for row in &rows {
                    let values: Vec<serde_json::Value> = row.values().iter().map(to_json).collect();
                    serde_json::to_writer(&mut *out, &values).map_err(std::io::Error::from)?;
                    out.write_all(b"\n")?;
                }
                moved.tables.push((table.to_string(), rows.len()));
            }
            db.commit()?;
            out.flush()?;
            Ok(moved)
        })
    }

    /// Reads an instance file into this store, in one transaction holding every area's write
    /// lock: all of it or nothing. A store with any row is refused unless `replace`, which deletes
    /// every row first (in the same transaction).
    pub fn import_instance(
        &self,
        input: impl BufRead + Send,
        replace: bool,
    ) -> Result<Moved, InstanceError> {
        self.with(Area::Migrations, |db| {
            db.begin_write(Area::Migrations)?;
            for area in [
                Area::Catalog,
                Area::Tokens,
                Area::Engagements,
                Area::Needs,
                Area::Fairs,
                Area::Push,
            ] {
                db.lock(area)?;
            }
            check_tables(db)?;
            db.execute(&format!("DELETE FROM {CHANGE_LOG_TABLE}"), params![])?;
            if replace {
                for table in TABLES.iter().rev() {
                    db.execute(&format!("DELETE FROM {table}"), params![])?;
                }
            } else {
                for table in TABLES {
                    let rows: i64 = db
                        .query_one(&format!("SELECT COUNT(*) FROM {table}"), params![])?
                        .get(0)?;
                    if rows > 0 {
                        return Err(InstanceError::NotEmpty {
                            table: table.to_string(),
                            rows,
                        });
                    }
                }
            }

            let mut lines = input.lines().enumerate();
            let mut next = || -> Result<Option<(usize, String)>, InstanceError> {
                match lines.next() {
                    Some((index, line)) => Ok(Some((index + 1, line?))),
                    None => Ok(None),
                }
            };
            let Some((number, line)) = next()? else {
                return Err(InstanceError::File {
                    line: 1,
                    message: "the file is empty".to_string(),
                });
            };
            let header: Header = parse_line(&line, number, "an instance file's header")?;
            if header.format != FORMAT || header.format_version != FORMAT_VERSION {
                return Err(InstanceError::File {
                    line: number,
                    message: format!(
                        "format {} version {}, not {FORMAT} version {FORMAT_VERSION} (a file of \
                         `duijie export`)",
                        header.format, header.format_version
                    ),
                });
            }
            if header.schema_version != known_version() {
                return Err(InstanceError::SchemaVersion {
                    found: header.schema_version,
                    known: known_version(),
                });
            }
            let mut moved = Moved::default();
            let mut seen = BTreeSet::new();
            while let Some((number, line)) = next()? {
                if line.trim().is_empty() {
                    continue;
                }
                let section: TableHeader = parse_line(&line, number, "a table's header")?;
                if !TABLES.contains(&section.table.as_str()) || !seen.insert(section.table.clone())
                {
                    return Err(InstanceError::File {
                        line: number,
                        message: format!(
                            "table {} is not one of the store's, or comes twice",
                            section.table
                        ),
                    });
                }
                let known = columns(db, &section.table)?;
                if let Some(unknown) = section
                    .columns
                    .iter()
                    .find(|column| !known.contains(column))
                {
                    return Err(InstanceError::File {
                        line: number,
                        message: format!("table {} has no column {unknown}", section.table),
                    });
                }
                let placeholders: Vec<String> = (1..=section.columns.len())
                    .map(|index| format!("?{index}"))
                    .collect();
                let insert = format!(
                    "INSERT INTO {} ({}) VALUES ({})",
                    section.table,
                    section.columns.join(", "),
                    placeholders.join(", ")
                );
                for _ in 0..section.rows {
                    let Some((number, line)) = next()? else {
                        return Err(InstanceError::File {
                            line: number,
                            message: format!(
                                "the file ends inside table {} (it announced {} rows)",
                                section.table, section.rows
                            ),
                        });
                    };
                    let values: Vec<serde_json::Value> = parse_line(&line, number, "a row")?;
                    let values: Option<Vec<Value>> = values.iter().map(from_json).collect();
                    let values = values
                        .filter(|values| values.len() == section.columns.len())
                        .ok_or_else(|| InstanceError::File {
                            line: number,
                            message: format!(
                                "a row of {} must be an array of {} values",
                                section.table,
                                section.columns.len()
                            ),
                        })?;
                    db.execute(&insert, &values)?;
                }
                moved.tables.push((section.table, section.rows));
            }
            if db.engine() == Engine::Postgres {
                follow_serials(db)?;
            }
            db.notify(CATALOG_CHANNEL, "import")?;
            db.notify(NEEDS_CHANNEL, "import")?;
            db.commit()?;
            Ok(moved)
        })
    }
}

/// PostgreSQL: every serial column's sequence continues after the largest value imported (SQLite's
/// AUTOINCREMENT follows by itself).
fn follow_serials(db: &mut Db<'_>) -> Result<(), StoreError> {
    let serials = db.query(
        "SELECT CAST(table_name AS TEXT), CAST(column_name AS TEXT) FROM information_schema.columns
         WHERE table_schema = current_schema() AND column_default LIKE 'nextval(%'",
        params![],
    )?;
    for row in serials {
        let (table, column): (String, String) = (row.get(0)?, row.get(1)?);
        db.query(
            &format!(
                "SELECT setval(pg_get_serial_sequence('{table}', '{column}'),
                     COALESCE((SELECT MAX({column}) FROM {table}), 0) + 1, false)"
            ),
            params![],
        )?;
    }
    Ok(())
}
