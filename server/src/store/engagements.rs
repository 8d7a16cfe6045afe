//! Engagements in the store: table `engagements` (one row per engagement, with a copy of the
//! resource's classification taken at creation and the time each status was first reached) and
//! table `engagement_steps` (every status change: who, when, the note). Every write is one
//! write transaction (`Db::begin_write`), so a retried create or two racing moves never half-apply.
//!
//! An engagement is known outside by `public_id`, 128 random bits in hex, so ids cannot be counted
//! or guessed; the integer `id` stays inside (step rows, newest-first order). Records stored before
//! public ids existed got one when the store was migrated, and keep their old number as `legacy_id`,
//! by which their owner's widget may still ask for them.

use std::sync::{Arc, Mutex, MutexGuard};

use duijie_core::engagement::Status;
use duijie_core::time::{format_utc, parse_time_or_date};
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

use crate::store::db::{params, Area, Db, Row};
use crate::store::{Store, StoreError};

/// Who did something: an id derived from the token (never the token) and its scope.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct Actor {
    /// The token's id: the first 16 hex digits of its SHA-256.
    pub token: String,
    /// `admin`, `editor` or `broker`.
    pub scope: String,
}

/// What an engagement keeps of its resource, copied at creation so that statistics do not change
/// when the catalog does.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct ResourceCopy {
    /// `expert`, `achievement`, `patent` or `organization`.
    pub kind: String,
    pub title: String,
    pub region: Option<String>,
    pub disciplines: Vec<String>,
    pub industries: Vec<String>,
    pub society: String,
}

pub struct NewEngagement {
    pub need: Value,
    pub resource_id: String,
    pub resource: ResourceCopy,
    pub fair: Option<String>,
    pub note: Option<String>,
    /// The enterprise the need is from, as the broker wrote it, and its GB/T 2260 region.
    pub enterprise: Enterprise,
    pub at: i64,
    pub by: Actor,
    /// The idempotency key and the SHA-256 (hex) of the request body it came with.
    pub idempotency: Option<(String, String)>,
}

/// The need's side of an engagement: the enterprise, where it is, and the stored need it answers
/// (each optional).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Enterprise {
    pub name: Option<String>,
    pub region: Option<String>,
    /// The id of a stored need (`/api/v1/needs/{id}`), as the broker's widget gave it.
    pub need_id: Option<String>,
}

#[derive(Clone, Debug)]
pub struct Step {
    pub from: Option<Status>,
    pub to: Status,
    pub at: String,
    pub by: Actor,
    pub note: Option<String>,
}

/// How a request names an engagement: its public id, or (records stored before public ids) its
/// old sequential number.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EngagementRef {
    Public(String),
    Legacy(i64),
}

impl EngagementRef {
    /// A path segment as a reference: 32 hex digits, or a positive number; `None` for anything else.
    pub fn parse(text: &str) -> Option<EngagementRef> {
        if text.len() == 32 && text.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Some(EngagementRef::Public(text.to_ascii_lowercase()));
        }
        if !text.is_empty() && text.len() <= 18 && text.bytes().all(|b| b.is_ascii_digit()) {
            return text
                .parse::<i64>()
                .ok()
                .filter(|n| *n > 0)
                .map(EngagementRef::Legacy);
        }
        None
    }
}

/// A new public id: 128 bits from the operating system's random source, as 32 hex digits.
pub fn new_public_id() -> Result<String, StoreError> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|error| StoreError::Random(error.to_string()))?;
    Ok(bytes.iter().map(|byte| format!("{byte:02x}")).collect())
}

#[derive(Clone, Debug)]
pub struct Engagement {
    /// The row id, never shown.
    pub id: i64,
    /// The id the API shows.
    pub public_id: String,
    pub status: Status,
    pub need: Value,
    pub resource_id: String,
    pub resource: ResourceCopy,
    pub fair: Option<String>,
    pub enterprise: Enterprise,
    pub created_at: String,
    pub updated_at: String,
    pub history: Vec<Step>,
}

/// The outcome of a create.
pub enum Created {
    New(Engagement),
    /// The same key with the same body: the original record.
    Replayed(Engagement),
    /// The same key with another body.
    KeyReused {
        id: String,
    },
}

/// The outcome of a status change.
pub enum Moved {
    Done(Box<Engagement>),
    NotFound,
    Refused {
        current: Status,
        allowed: Vec<Status>,
    },
}

/// Filters of the list; times are stored-format strings (`format_utc`), `until` exclusive.
#[derive(Clone, Debug, Default)]
pub struct ListQuery {
    pub status: Option<Status>,
    pub society: Option<String>,
    pub fair: Option<String>,
    pub since: Option<String>,
    pub until: Option<String>,
}

/// One engagement as the statistics see it.
#[derive(Clone, Debug)]
pub struct StatRow {
    /// A number of `resource_id` among the rows read together (dense from 0), to count by.
    pub resource: u32,
    pub resource_id: String,
    pub title: String,
    pub kind: String,
    pub region: Option<String>,
    pub disciplines: Vec<String>,
    pub industries: Vec<String>,
    pub society: String,
    pub fair: Option<String>,
    /// The enterprise's region (GB/T 2260), when the engagement names one.
    pub enterprise_region: Option<String>,
    pub status: Status,
    pub created_at: i64,
    /// When each funnel status after intent was first reached: contacted, negotiating, signed, landed.
    pub reached: [Option<i64>; 4],
}

/// An engagement as the API gives it.
#[derive(Serialize, ToSchema)]
pub struct EngagementBody<'a> {
    /// 128 random bits as 32 hex digits.
    id: &'a str,
    #[schema(value_type = crate::schema::Status)]
    status: Status,
    /// The need as it was recorded.
    #[schema(value_type = crate::schema::Need)]
    need: &'a Value,
    resource_id: &'a str,
    resource: &'a ResourceCopy,
    fair: Option<&'a str>,
    /// The note of the creation step.
    note: Option<&'a str>,
    /// The enterprise the need is from, as the broker wrote it.
    enterprise: Option<&'a str>,
    /// Where the enterprise is: a GB/T 2260 code.
    enterprise_region: Option<&'a str>,
    /// The stored need (`/api/v1/needs/{id}`) the engagement answers, when the broker saved one.
    need_id: Option<&'a str>,
    /// RFC 3339 UTC, whole seconds.
    created_at: &'a str,
    created_by: Option<&'a Actor>,
    updated_at: &'a str,
    /// Every status change, creation first.
    history: Vec<StepBody<'a>>,
}

/// One status change of an engagement.
#[derive(Serialize, ToSchema)]
pub struct StepBody<'a> {
    /// Null for the creation step.
    #[schema(value_type = Option<crate::schema::Status>)]
    from: Option<Status>,
    #[schema(value_type = crate::schema::Status)]
    to: Status,
    /// RFC 3339 UTC, whole seconds.
    at: &'a str,
    by: &'a Actor,
    note: Option<&'a str>,
}

impl Engagement {
    /// The engagement as the API gives it.
    pub fn body(&self) -> EngagementBody<'_> {
        EngagementBody {
            id: &self.public_id,
            status: self.status,
            need: &self.need,
            resource_id: &self.resource_id,
            resource: &self.resource,
            fair: self.fair.as_deref(),
            note: self.history.first().and_then(|step| step.note.as_deref()),
            enterprise: self.enterprise.name.as_deref(),
            enterprise_region: self.enterprise.region.as_deref(),
            need_id: self.enterprise.need_id.as_deref(),
            created_at: &self.created_at,
            created_by: self.history.first().map(|step| &step.by),
            updated_at: &self.updated_at,
            history: self
                .history
                .iter()
                .map(|step| StepBody {
                    from: step.from,
                    to: step.to,
                    at: &step.at,
                    by: &step.by,
                    note: step.note.as_deref(),
                })
                .collect(),
        }
    }

    pub fn to_json(&self) -> Value {
        serde_json::to_value(self.body()).unwrap_or(Value::Null)
    }
}

/// List fields are stored joined by a newline (codes never hold one).
fn join(items: &[String]) -> String {
    items.join("\n")
}

fn split(text: &str) -> Vec<String> {
    text.split('\n')
        .filter(|item| !item.is_empty())
        .map(str::to_string)
        .collect()
}

const ENGAGEMENT_COLUMNS: &str =
    "id, status, need, resource_id, kind, title, region, disciplines, \
     industries, society, fair, created_at, updated_at, public_id, enterprise, enterprise_region, \
     need_id";

/// The row id of the engagement `reference` names, when it exists and (with `owner`) was created by
/// that token.
fn row_id(
    db: &mut Db<'_>,
    reference: &EngagementRef,
    owner: Option<&str>,
) -> Result<Option<i64>, StoreError> {
    let row = match reference {
        EngagementRef::Public(public_id) => db.query_opt(
            "SELECT id FROM engagements WHERE public_id = ?1",
            params![public_id],
        )?,
        EngagementRef::Legacy(number) => db.query_opt(
            "SELECT id FROM engagements WHERE legacy_id = ?1",
            params![number],
        )?,
    };
    let id: Option<i64> = row.map(|row| row.get(0)).transpose()?;
    let (Some(id), Some(owner)) = (id, owner) else {
        return Ok(id);
    };
    let creator: Option<String> = db
        .query_opt(
            "SELECT by_token FROM engagement_steps WHERE engagement_id = ?1 AND seq = 0",
            params![id],
        )?
        .map(|row| row.get(0))
        .transpose()?;
    Ok((creator.as_deref() == Some(owner)).then_some(id))
}

impl Store {
    /// Creates an engagement in status `intent`, or (same token, same idempotency key) returns the
    /// one created before.
    pub fn create_engagement(&self, new: &NewEngagement) -> Result<Created, StoreError> {
        self.with(Area::Engagements, |db| {
            db.begin_write(Area::Engagements)?;
            if let Some((key, hash)) = &new.idempotency {
                let found = db.query_opt(
                    "SELECT id, request_hash, public_id FROM engagements
                     WHERE idempotency_owner = ?1 AND idempotency_key = ?2",
                    params![new.by.token, key],
                )?;
                if let Some(row) = found {
                    let (id, stored_hash, public_id): (i64, String, String) =
                        (row.get(0)?, row.get(1)?, row.get(2)?);
                    if &stored_hash != hash {
                        return Ok(Created::KeyReused { id: public_id });
                    }
                    let engagement = read_engagement(db, id)?.ok_or(StoreError::NoRow)?;
                    return Ok(Created::Replayed(engagement));
                }
            }
            let at = format_utc(new.at);
            let (owner, key, hash) = match &new.idempotency {
                Some((key, hash)) => (Some(new.by.token.as_str()), Some(key), Some(hash)),
                None => (None, None, None),
            };
            let id: i64 = db
                .query_one(
                    "INSERT INTO engagements (status, need, resource_id, kind, title, region,
                         disciplines, industries, society, fair, created_at, updated_at,
                         idempotency_owner, idempotency_key, request_hash, public_id, enterprise,
                         enterprise_region, need_id)
                     VALUES ('intent', ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10, ?11, ?12, ?13,
                         ?14, ?15, ?16, ?17)
                     RETURNING id",
                    params![
                        serde_json::to_string(&new.need)?,
                        new.resource_id,
                        new.resource.kind,
                        new.resource.title,
                        new.resource.region,
                        join(&new.resource.disciplines),
                        join(&new.resource.industries),
                        new.resource.society,
                        new.fair,
                        at,
                        owner,
                        key,
                        hash,
                        new_public_id()?,
                        new.enterprise.name,
                        new.enterprise.region,
                        new.enterprise.need_id,
                    ],
                )?
                .get(0)?;
            db.execute(
                "INSERT INTO engagement_steps (engagement_id, seq, from_status, to_status, at,
                     by_token, by_scope, note)
                 VALUES (?1, 0, NULL, 'intent', ?2, ?3, ?4, ?5)",
                params![id, at, new.by.token, new.by.scope, new.note],
            )?;
            let engagement = read_engagement(db, id)?.ok_or(StoreError::NoRow)?;
            db.commit()?;
            Ok(Created::New(engagement))
        })
    }

    /// Moves the engagement `reference` names to `to` when its current status allows it. With
    /// `owner`, only an engagement created by that token is found: any other is `NotFound`, as if
    /// it did not exist, and its status is not looked at.
    pub fn move_engagement(
        &self,
        reference: &EngagementRef,
        owner: Option<&str>,
        to: Status,
        at: i64,
        by: &Actor,
        note: Option<&str>,
    ) -> Result<Moved, StoreError> {
        self.with(Area::Engagements, |db| {
            db.begin_write(Area::Engagements)?;
            let Some(id) = row_id(db, reference, owner)? else {
                return Ok(Moved::NotFound);
            };
            let current: Option<String> = db
                .query_opt("SELECT status FROM engagements WHERE id = ?1", params![id])?
                .map(|row| row.get(0))
                .transpose()?;
            let Some(current) = current else {
                return Ok(Moved::NotFound);
            };
            let current = status_of(&current)?;
            if !current.may_move_to(to) {
                return Ok(Moved::Refused {
                    current,
                    allowed: current.allowed_next().to_vec(),
                });
            }
            let at = format_utc(at);
            // The column names come from a fixed list, never from the request.
            let column = match to {
                Status::Contacted => "contacted_at",
                Status::Negotiating => "negotiating_at",
                Status::Signed => "signed_at",
                Status::Landed => "landed_at",
                Status::Dropped => "dropped_at",
                Status::Intent => "created_at",
            };
            db.execute(
                &format!(
                    "UPDATE engagements SET status = ?1, updated_at = ?2, {column} = ?2 WHERE id = ?3"
                ),
                params![to.as_str(), at, id],
            )?;
            db.execute(
                "INSERT INTO engagement_steps (engagement_id, seq, from_status, to_status, at,
                     by_token, by_scope, note)
                 VALUES (?1, (SELECT COUNT(*) FROM engagement_steps WHERE engagement_id = ?1),
                     ?2, ?3, ?4, ?5, ?6, ?7)",
                params![id, current.as_str(), to.as_str(), at, by.token, by.scope, note],
            )?;
            let engagement = read_engagement(db, id)?.ok_or(StoreError::NoRow)?;
            db.commit()?;
            Ok(Moved::Done(Box::new(engagement)))
        })
    }

    /// The engagement `reference` names; with `owner`, only when that token created it.
    pub fn engagement(
        &self,
        reference: &EngagementRef,
        owner: Option<&str>,
    ) -> Result<Option<Engagement>, StoreError> {
        self.with_reader(|db| {
            db.begin_read()?;
            let found = match row_id(db, reference, owner)? {
                Some(id) => read_engagement(db, id)?,
                None => None,
            };
            db.commit()?;
            Ok(found)
        })
    }

    /// The engagements passing `query` and `region_passes`, newest first: `(total, page)`.
    pub fn engagements(
        &self,
        query: &ListQuery,
        region_passes: &(dyn Fn(Option<&str>) -> bool + Sync),
        limit: usize,
        offset: usize,
    ) -> Result<(usize, Vec<Engagement>), StoreError> {
        self.with_reader(|db| {
            // One read transaction, so the total and the page come from the same state. The CASTs
            // give PostgreSQL the type of a parameter that may be NULL.
            db.begin_read()?;
            let rows = db.query(
                "SELECT id, region FROM engagements
                 WHERE (CAST(?1 AS TEXT) IS NULL OR status = ?1)
                   AND (CAST(?2 AS TEXT) IS NULL OR society = ?2)
                   AND (CAST(?3 AS TEXT) IS NULL OR fair = ?3)
                   AND (CAST(?4 AS TEXT) IS NULL OR created_at >= ?4)
                   AND (CAST(?5 AS TEXT) IS NULL OR created_at < ?5)
                 ORDER BY id DESC",
                params![
                    query.status.map(Status::as_str),
                    query.society,
                    query.fair,
                    query.since,
                    query.until
                ],
            )?;
            let mut ids = Vec::new();
            for row in rows {
                let region: Option<String> = row.get(1)?;
                if region_passes(region.as_deref()) {
                    ids.push(row.get::<i64>(0)?);
                }
            }
            let mut page = Vec::new();
            for &id in ids.iter().skip(offset).take(limit) {
                if let Some(engagement) = read_engagement(db, id)? {
                    page.push(engagement);
                }
            }
            db.commit()?;
            Ok((ids.len(), page))
        })
    }

    /// Every engagement as a statistics row. Steps are only ever inserted, one per create or move, so
    /// the largest step `rowid` (SQLite's own; a BIGSERIAL column in PostgreSQL, whose engagement
    /// writers are serialized) is a version of the engagement tables (whichever process wrote): while
    /// it is unchanged the rows read before are returned again without reading the table.
    pub fn engagement_stat_rows(&self) -> Result<Arc<Vec<StatRow>>, StoreError> {
        self.with_reader(|db| {
            // Held while reading: concurrent requests after a change wait for one read and share
            // its rows, instead of each reading 100,000 rows and replacing the others' copy.
            let mut cache = lock_stats(&self.engagement_stats);
            db.begin_read()?;
            let version: i64 = db
                .query_one(
                    "SELECT COALESCE(MAX(rowid), 0) FROM engagement_steps",
                    params![],
                )?
                .get(0)?;
            if let Some((cached, rows)) = &*cache {
                if *cached == version {
                    return Ok(rows.clone());
                }
            }
            let rows = db.query(
                "SELECT resource_id, title, kind, region, disciplines, industries, society, fair,
                     status, created_at, contacted_at, negotiating_at, signed_at, landed_at,
                     enterprise_region
                 FROM engagements",
                params![],
            )?;
            db.commit()?;
            let mut out = Vec::new();
            let mut numbers: std::collections::HashMap<String, u32> =
                std::collections::HashMap::new();
            let time = |row: &Row, index: usize| -> Result<Option<i64>, StoreError> {
                let text: Option<String> = row.get(index)?;
                Ok(text.as_deref().and_then(parse_time_or_date))
            };
            for row in &rows {
                let status: String = row.get(8)?;
                let resource_id: String = row.get(0)?;
                let next = numbers.len() as u32;
                let resource = *numbers.entry(resource_id.clone()).or_insert(next);
                out.push(StatRow {
                    resource,
                    resource_id,
                    title: row.get(1)?,
                    kind: row.get(2)?,
                    region: row.get(3)?,
                    disciplines: split(&row.get::<String>(4)?),
                    industries: split(&row.get::<String>(5)?),
                    society: row.get(6)?,
                    fair: row.get(7)?,
                    enterprise_region: row.get(14)?,
                    status: status_of(&status)?,
                    created_at: time(row, 9)?.unwrap_or(0),
                    reached: [
                        time(row, 10)?,
                        time(row, 11)?,
                        time(row, 12)?,
                        time(row, 13)?,
                    ],
                });
            }
            let out = Arc::new(out);
            *cache = Some((version, out.clone()));
            Ok(out)
        })
    }
}

type StatsCache = Option<(i64, Arc<Vec<StatRow>>)>;

fn lock_stats(cache: &Mutex<StatsCache>) -> MutexGuard<'_, StatsCache> {
    cache
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn status_of(text: &str) -> Result<Status, StoreError> {
    Status::parse(text).ok_or_else(|| StoreError::Column {
        index: 0,
        found: format!("status '{text}'"),
    })
}

fn read_engagement(db: &mut Db<'_>, id: i64) -> Result<Option<Engagement>, StoreError> {
    let Some(row) = db.query_opt(
        &format!("SELECT {ENGAGEMENT_COLUMNS} FROM engagements WHERE id = ?1"),
        params![id],
    )?
    else {
        return Ok(None);
    };
    let id: i64 = row.get(0)?;
    let status: String = row.get(1)?;
    let need: String = row.get(2)?;
    let resource = ResourceCopy {
        kind: row.get(4)?,
        title: row.get(5)?,
        region: row.get(6)?,
        disciplines: split(&row.get::<String>(7)?),
        industries: split(&row.get::<String>(8)?),
        society: row.get(9)?,
    };
    let enterprise = Enterprise {
        name: row.get(14)?,
        region: row.get(15)?,
        need_id: row.get(16)?,
    };
    let mut history = Vec::new();
    for row in db.query(
        "SELECT from_status, to_status, at, by_token, by_scope, note FROM engagement_steps
         WHERE engagement_id = ?1 ORDER BY seq",
        params![id],
    )? {
        let from: Option<String> = row.get(0)?;
        let to: String = row.get(1)?;
        history.push(Step {
            from: from.as_deref().map(status_of).transpose()?,
            to: status_of(&to)?,
            at: row.get(2)?,
            by: Actor {
                token: row.get(3)?,
                scope: row.get(4)?,
            },
            note: row.get(5)?,
        });
    }
    Ok(Some(Engagement {
        id,
        public_id: row.get(13)?,
        status: status_of(&status)?,
        need: serde_json::from_str(&need)?,
        resource_id: row.get(3)?,
        resource,
        fair: row.get(10)?,
        enterprise,
        created_at: row.get(11)?,
        updated_at: row.get(12)?,
        history,
    }))
}
