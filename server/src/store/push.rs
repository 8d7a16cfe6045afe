//! Push in the store: table `subscriptions` (a stored need's standing order), `push_changes` (the
//! durable change log: which resources a catalog change added or changed, written in the SAME
//! transaction as the change by `Store::apply`), `push_items` (the outbox: one row per subscription,
//! resource and content version, unique) and `push_deliveries` (what a channel sends, with its
//! attempts).
//!
//! Exactly once: a change row is derived into items, deliveries and its own `derived` mark in one
//! transaction, so a crash before that commit derives it again after the restart and a crash after
//! it finds nothing left to derive; the unique key (subscription, resource, content hash) refuses a
//! second item for the same content version whatever happens. The tables are in `server/migrations`
//! (0002); every query goes through `store::db`, on SQLite and PostgreSQL alike.

use serde::{Deserialize, Serialize};

use crate::store::db::{params, Area, Db, Row};
use crate::store::{Store, StoreError};

/// A resource a catalog change added or whose content (public fields but `updated_at`) it changed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangedResource {
    pub id: String,
    /// `content_hash` of the resource as the change left it.
    pub hash: String,
    /// `new` or `updated`.
    pub change: String,
}

/// A change row not yet derived into items.
#[derive(Clone, Debug)]
pub struct PendingChange {
    pub generation: i64,
    pub version: String,
    pub changed: Vec<ChangedResource>,
    /// When the change committed (Unix seconds, the push clock's).
    pub committed_at: i64,
}

/// A subscription as stored.
#[derive(Clone, Debug, PartialEq)]
pub struct Subscription {
    pub id: String,
    pub need_id: String,
    /// The need's organisation when subscribed: whose enterprise token may manage it.
    pub organization: String,
    /// `webhook`, `email` or `feed`.
    pub channel: String,
    pub url: Option<String>,
    pub email: Option<String>,
    pub min_fit: f64,
    pub top: usize,
    /// `immediate`, `daily` or `weekly`.
    pub frequency: String,
    /// Kind names; empty: every kind.
    pub kinds: Vec<String>,
    pub paused: bool,
    pub paused_reason: Option<String>,
    /// The webhook's HMAC key (shown once, at creation).
    pub secret: String,
    pub feed_token: String,
    pub unsubscribe_token: String,
    pub created_at: i64,
    /// Since when every attempt of a delivery failed; `None` when the last one went through.
    pub failing_since: Option<i64>,
    pub last_error: Option<String>,
    /// When the last digest (daily or weekly) was cut.
    pub last_batch_at: i64,
    /// The catalog generation when it was made: only later changes are pushed to it.
    pub since_generation: i64,
}

/// One item derived for a subscription.
#[derive(Clone, Debug)]
pub struct NewItem {
    pub subscription_id: String,
    pub resource_id: String,
    pub hash: String,
    pub change: String,
    /// The item's JSON.
    pub body: String,
}

/// A delivery due now, with what it carries.
#[derive(Clone, Debug)]
pub struct DueDelivery {
    pub id: String,
    pub subscription: Subscription,
    pub catalog_version: String,
    /// The items' JSON, in the order they were made.
    pub items: Vec<String>,
    pub attempts: i64,
    /// When the earliest change it carries committed.
    pub changed_at: i64,
}

/// One attempt of a delivery, to record.
#[derive(Clone, Debug)]
pub struct Attempt {
    pub delivery_id: String,
    pub subscription_id: String,
    /// When it was made.
    pub at: i64,
    /// `None`: delivered; else the error and when to try again.
    pub failure: Option<(String, i64)>,
}

/// The counts the dashboard and the metrics show.
#[derive(Clone, Debug, Default, Serialize, utoipa::ToSchema)]
pub struct PushCounts {
    pub subscriptions: i64,
    pub paused: i64,
    /// Deliveries not yet through.
    pub queued: i64,
    pub delivered: i64,
    /// Items waiting for a daily or weekly digest.
    pub waiting_items: i64,
    /// Catalog changes not yet derived into items.
    pub pending_changes: i64,
}

/// Writes the change log row of a catalog change, inside its transaction (`Store::apply`).
pub(crate) fn record_change(
    db: &mut Db<'_>,
    generation: i64,
    version: &str,
    changed: &[ChangedResource],
    now: i64,
) -> Result<(), StoreError> {
    if changed.is_empty() {
        return Ok(());
    }
    db.execute(
        "INSERT INTO push_changes (generation, version, changed, committed_at) VALUES (?1, ?2, ?3, ?4)",
        params![generation, version, serde_json::to_string(changed)?, now],
    )?;
    Ok(())
}

const SUBSCRIPTION_COLUMNS: &str = "id, need_id, organization, channel, url, email, min_fit, top, \
    frequency, kinds, paused, paused_reason, secret, feed_token, unsubscribe_token, created_at, \
    failing_since, last_error, last_batch_at, since_generation";

fn subscription_of(row: &Row) -> Result<Subscription, StoreError> {
    subscription_of_at(row, 0)
}

/// The period of a digest frequency, in seconds; 0 for `immediate`.
pub fn period_of(frequency: &str) -> i64 {
    match frequency {
        "daily" => 86_400,
        "weekly" => 7 * 86_400,
        _ => 0,
    }
}

/// A random id: `prefix` and 32 hex digits.
pub fn random_id(prefix: &str) -> Result<String, StoreError> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|error| StoreError::Random(error.to_string()))?;
    Ok(format!(
        "{prefix}{}",
        bytes
            .iter()
            .map(|byte| format!("{byte:02x}"))
            .collect::<String>()
    ))
}

impl Store {
    pub fn insert_subscription(&self, subscription: &Subscription) -> Result<(), StoreError> {
        self.with(Area::Push, |db| {
            db.execute(
                &format!(
                    "INSERT INTO subscriptions ({SUBSCRIPTION_COLUMNS}) VALUES \
                     (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20)"
                ),
                params![
                    subscription.id,
                    subscription.need_id,
                    subscription.organization,
                    subscription.channel,
                    subscription.url,
                    subscription.email,
                    subscription.min_fit,
                    subscription.top as i64,
                    subscription.frequency,
                    serde_json::to_string(&subscription.kinds)?,
                    subscription.paused,
                    subscription.paused_reason,
                    subscription.secret,
                    subscription.feed_token,
                    subscription.unsubscribe_token,
                    subscription.created_at,
                    subscription.failing_since,
                    subscription.last_error,
                    subscription.last_batch_at,
                    subscription.since_generation,
                ],
            )?;
            Ok(())
        })
    }

    /// Writes the settings a `PATCH` may change.
    pub fn update_subscription(&self, subscription: &Subscription) -> Result<(), StoreError> {
        self.with(Area::Push, |db| {
            db.execute(
                "UPDATE subscriptions SET url = ?2, email = ?3, min_fit = ?4, top = ?5, frequency = ?6,
                     kinds = ?7, paused = ?8, paused_reason = ?9, failing_since = ?10
                 WHERE id = ?1",
                params![
                    subscription.id,
                    subscription.url,
                    subscription.email,
                    subscription.min_fit,
                    subscription.top as i64,
                    subscription.frequency,
                    serde_json::to_string(&subscription.kinds)?,
                    subscription.paused,
                    subscription.paused_reason,
                    subscription.failing_since,
                ],
            )?;
            Ok(())
        })
    }

    /// Deletes a subscription with its items and deliveries; whether it existed.
    pub fn delete_subscription(&self, id: &str) -> Result<bool, StoreError> {
        self.with(Area::Push, |db| {
            db.begin_write(Area::Push)?;
            db.execute(
                "DELETE FROM push_items WHERE subscription_id = ?1",
                params![id],
            )?;
            db.execute(
                "DELETE FROM push_deliveries WHERE subscription_id = ?1",
                params![id],
            )?;
            let deleted = db.execute("DELETE FROM subscriptions WHERE id = ?1", params![id])?;
            db.commit()?;
            Ok(deleted > 0)
        })
    }

    /// Every subscription, by id.
    pub fn subscriptions(&self) -> Result<Vec<Subscription>, StoreError> {
        self.with(Area::Push, |db| {
            db.query(
                &format!("SELECT {SUBSCRIPTION_COLUMNS} FROM subscriptions ORDER BY id"),
                params![],
            )?
            .iter()
            .map(subscription_of)
            .collect()
        })
    }

    pub fn subscription(&self, id: &str) -> Result<Option<Subscription>, StoreError> {
        self.subscription_where("id", id)
    }

    /// The subscription whose `column` (`feed_token` or `unsubscribe_token`) is `token`.
    pub fn subscription_by_token(
        &self,
        column: &str,
        token: &str,
    ) -> Result<Option<Subscription>, StoreError> {
        match column {
            "feed_token" | "unsubscribe_token" => self.subscription_where(column, token),
            _ => Ok(None),
        }
    }

    fn subscription_where(
        &self,
        column: &str,
        value: &str,
    ) -> Result<Option<Subscription>, StoreError> {
        self.with(Area::Push, |db| {
            db.query_opt(
                &format!("SELECT {SUBSCRIPTION_COLUMNS} FROM subscriptions WHERE {column} = ?1"),
                params![value],
            )?
            .as_ref()
            .map(subscription_of)
            .transpose()
        })
    }

    /// The change rows not yet derived, oldest first.
    pub fn pending_changes(&self) -> Result<Vec<PendingChange>, StoreError> {
        self.with(Area::Push, |db| {
            db.query(
                "SELECT generation, version, changed, committed_at FROM push_changes
                 WHERE derived = 0 ORDER BY generation",
                params![],
            )?
            .iter()
            .map(|row| {
                Ok(PendingChange {
                    generation: row.get(0)?,
                    version: row.get(1)?,
                    changed: serde_json::from_str(&row.get::<String>(2)?)?,
                    committed_at: row.get(3)?,
                })
            })
            .collect()
        })
    }

    /// Writes items derived from the change `change`, a delivery for each immediate subscription
    /// (webhook or email) that got new ones, and, when `last` (these are the change's last items),
    /// marks the change derived: one transaction. An item already made for the same content
    /// version is left out, so a change whose first items were committed before a crash is
    /// derived again whole and makes each item and delivery once. Returns how many items and
    /// deliveries were made.
    pub fn commit_derived(
        &self,
        change: &PendingChange,
        catalog_version: &str,
        items: &[NewItem],
        subscriptions: &[Subscription],
        now: i64,
        last: bool,
    ) -> Result<(usize, usize), StoreError> {
        self.with(Area::Push, |db| {
            db.begin_write(Area::Push)?;
            let derived: Option<i64> = db
                .query_opt(
                    "SELECT derived FROM push_changes WHERE generation = ?1",
                    params![change.generation],
                )?
                .map(|row| row.get(0))
                .transpose()?;
            if derived != Some(0) {
                return Ok((0, 0));
            }
            let mut made: std::collections::BTreeMap<&str, Vec<i64>> =
                std::collections::BTreeMap::new();
            for item in items {
                // No row back: an item for this content version exists already.
                let inserted = db.query_opt(
                    "INSERT INTO push_items (subscription_id, resource_id, content_hash,
                         change, catalog_version, generation, created_at, changed_at, body)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
                     ON CONFLICT DO NOTHING
                     RETURNING seq",
                    params![
                        item.subscription_id,
                        item.resource_id,
                        item.hash,
                        item.change,
                        catalog_version,
                        change.generation,
                        now,
                        change.committed_at,
                        item.body
                    ],
                )?;
                if let Some(row) = inserted {
                    made.entry(item.subscription_id.as_str())
                        .or_default()
                        .push(row.get(0)?);
                }
            }
            let n_items = made.values().map(Vec::len).sum();
            let mut n_deliveries = 0;
            for subscription in subscriptions {
                let Some(seqs) = made.get(subscription.id.as_str()) else {
                    continue;
                };
                if subscription.channel == "feed" || subscription.frequency != "immediate" {
                    continue;
                }
                let id = random_id("d-")?;
                db.execute(
                    "INSERT INTO push_deliveries (id, subscription_id, catalog_version, created_at,
                         changed_at, due_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?4)",
                    params![
                        id,
                        subscription.id,
                        catalog_version,
                        now,
                        change.committed_at
                    ],
                )?;
                for seq in seqs {
                    db.execute(
                        "UPDATE push_items SET delivery_id = ?1 WHERE seq = ?2",
                        params![id, seq],
                    )?;
                }
                n_deliveries += 1;
            }
            if last {
                db.execute(
                    "UPDATE push_changes SET derived = 1 WHERE generation = ?1",
                    params![change.generation],
                )?;
                // Derived rows serve no one any more (the items remember what was pushed).
                db.execute(
                    "DELETE FROM push_changes WHERE derived = 1 AND generation < ?1",
                    params![change.generation],
                )?;
            }
            db.commit()?;
            Ok((n_items, n_deliveries))
        })
    }

    /// Cuts the daily and weekly digests that are due at `now`: one delivery per active
    /// subscription (webhook or email) whose period has passed and that has items waiting.
    pub fn cut_digests(&self, now: i64) -> Result<usize, StoreError> {
        self.with(Area::Push, |db| {
            db.begin_write(Area::Push)?;
            let due = db.query(
                "SELECT id, frequency, last_batch_at FROM subscriptions
                 WHERE paused = 0 AND channel != 'feed' AND frequency != 'immediate'",
                params![],
            )?;
            let mut cut = 0;
            for row in due {
                let id: String = row.get(0)?;
                let frequency: String = row.get(1)?;
                let last: i64 = row.get(2)?;
                if now < last + period_of(&frequency) {
                    continue;
                }
                let waiting: Option<i64> = db
                    .query_one(
                        "SELECT MIN(changed_at) FROM push_items
                         WHERE subscription_id = ?1 AND delivery_id IS NULL",
                        params![id],
                    )?
                    .get(0)?;
                db.execute(
                    "UPDATE subscriptions SET last_batch_at = ?2 WHERE id = ?1",
                    params![id, now],
                )?;
                let Some(changed_at) = waiting else {
                    continue;
                };
                let latest: String = db
                    .query_one(
                        "SELECT catalog_version FROM push_items WHERE subscription_id = ?1
                         AND delivery_id IS NULL ORDER BY seq DESC LIMIT 1",
                        params![id],
                    )?
                    .get(0)?;
                let delivery = random_id("d-")?;
                db.execute(
                    "INSERT INTO push_deliveries (id, subscription_id, catalog_version, created_at,
                         changed_at, due_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?4)",
                    params![delivery, id, latest, now, changed_at],
                )?;
                db.execute(
                    "UPDATE push_items SET delivery_id = ?1
                     WHERE subscription_id = ?2 AND delivery_id IS NULL",
                    params![delivery, id],
                )?;
                cut += 1;
            }
            db.commit()?;
            Ok(cut)
        })
    }

    /// Claims up to `limit` deliveries due at `now` of active subscriptions, oldest first: each is
    /// moved to `claimed_until` in the transaction that reads it, so that another replica on the
    /// same database does not send it meanwhile (its own claim finds it no longer due). Recording
    /// the attempt sets when it is due next; a replica that dies before recording leaves the
    /// delivery to be sent again, under its id, once the claim lapses.
    pub fn claim_due_deliveries(
        &self,
        now: i64,
        claimed_until: i64,
        limit: usize,
    ) -> Result<Vec<DueDelivery>, StoreError> {
        self.with(Area::Push, |db| {
            db.begin_write(Area::Push)?;
            let candidates = db.query(
                &format!(
                    "SELECT d.id, d.catalog_version, d.attempts, d.changed_at, {}
                     FROM push_deliveries d JOIN subscriptions s ON s.id = d.subscription_id
                     WHERE d.status = 'pending' AND d.due_at <= ?1 AND s.paused = 0
                     ORDER BY d.due_at, d.id LIMIT ?2",
                    SUBSCRIPTION_COLUMNS
                        .split(", ")
                        .map(|column| format!("s.{column}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                params![now, limit as i64],
            )?;
            // The area's write lock serializes claims across replicas; the update's condition
            // keeps a row that is no longer due (claimed, or sent) out all the same.
            let mut rows = Vec::with_capacity(candidates.len());
            for row in candidates {
                let id: String = row.get(0)?;
                if db.execute(
                    "UPDATE push_deliveries SET due_at = ?2
                     WHERE id = ?1 AND status = 'pending' AND due_at <= ?3",
                    params![id, claimed_until, now],
                )? == 1
                {
                    rows.push(row);
                }
            }
            let mut due = Vec::with_capacity(rows.len());
            for row in rows {
                let id: String = row.get(0)?;
                let bodies = db
                    .query(
                        "SELECT body FROM push_items WHERE delivery_id = ?1 ORDER BY seq",
                        params![id],
                    )?
                    .iter()
                    .map(|item| item.get::<String>(0))
                    .collect::<Result<Vec<_>, _>>()?;
                due.push(DueDelivery {
                    id,
                    subscription: subscription_of_at(&row, 4)?,
                    catalog_version: row.get(1)?,
                    items: bodies,
                    attempts: row.get(2)?,
                    changed_at: row.get(3)?,
                });
            }
            db.commit()?;
            Ok(due)
        })
    }

    /// Records a round of delivery attempts in one transaction: a success marks the delivery
    /// delivered and clears its subscription's failure; a failure sets the next try and, once the
    /// subscription has failed for `pause_after` seconds or more, pauses it with the reason.
    /// Returns the subscriptions it paused.
    pub fn record_attempts(
        &self,
        attempts: &[Attempt],
        pause_after: i64,
    ) -> Result<Vec<String>, StoreError> {
        self.with(Area::Push, |db| {
            db.begin_write(Area::Push)?;
            let mut paused = Vec::new();
            for attempt in attempts {
                // The dashboard's deliveries per day: one count per UTC day and outcome.
                db.execute(
                    "INSERT INTO push_attempt_days (day, outcome, attempts) VALUES (?1, ?2, 1)
                     ON CONFLICT (day, outcome)
                     DO UPDATE SET attempts = push_attempt_days.attempts + 1",
                    params![
                        attempt.at.div_euclid(86_400),
                        if attempt.failure.is_none() {
                            "delivered"
                        } else {
                            "failed"
                        }
                    ],
                )?;
                match &attempt.failure {
                    None => {
                        db.execute(
                            "UPDATE push_deliveries SET status = 'delivered', attempts = attempts + 1,
                                 delivered_at = ?2, last_error = NULL WHERE id = ?1",
                            params![attempt.delivery_id, attempt.at],
                        )?;
                        db.execute(
                            "UPDATE subscriptions SET failing_since = NULL, last_error = NULL
                             WHERE id = ?1 AND failing_since IS NOT NULL",
                            params![attempt.subscription_id],
                        )?;
                    }
                    Some((error, retry_at)) => {
                        db.execute(
                            "UPDATE push_deliveries SET attempts = attempts + 1, due_at = ?2,
                                 last_error = ?3 WHERE id = ?1",
                            params![attempt.delivery_id, retry_at, error],
                        )?;
                        db.execute(
                            "UPDATE subscriptions SET failing_since = COALESCE(failing_since, ?2),
                                 last_error = ?3 WHERE id = ?1",
                            params![attempt.subscription_id, attempt.at, error],
                        )?;
                        if db.execute(
                            "UPDATE subscriptions SET paused = 1,
                                 paused_reason = 'every delivery failed for 3 days; last error: '
                                     || CAST(?2 AS TEXT)
                             WHERE id = ?1 AND paused = 0 AND failing_since <= ?3",
                            params![attempt.subscription_id, error, attempt.at - pause_after],
                        )? > 0
                        {
                            paused.push(attempt.subscription_id.clone());
                        }
                    }
                }
            }
            db.commit()?;
            Ok(paused)
        })
    }

    /// The newest `limit` items of a subscription: (made at, item JSON), newest first.
    pub fn subscription_items(
        &self,
        subscription_id: &str,
        limit: usize,
    ) -> Result<Vec<(i64, String)>, StoreError> {
        self.with(Area::Push, |db| {
            db.query(
                "SELECT created_at, body FROM push_items WHERE subscription_id = ?1
                 ORDER BY seq DESC LIMIT ?2",
                params![subscription_id, limit as i64],
            )?
            .iter()
            .map(|row| Ok((row.get(0)?, row.get(1)?)))
            .collect()
        })
    }

    /// The delivery attempts of each UTC day from `first_day` on (days since 1970-01-01):
    /// (day, delivered, failed).
    pub fn push_attempt_days(&self, first_day: i64) -> Result<Vec<(i64, i64, i64)>, StoreError> {
        self.with(Area::Push, |db| {
            db.query(
                "SELECT day,
                        CAST(SUM(CASE WHEN outcome = 'delivered' THEN attempts ELSE 0 END) AS BIGINT),
                        CAST(SUM(CASE WHEN outcome = 'failed' THEN attempts ELSE 0 END) AS BIGINT)
                 FROM push_attempt_days WHERE day >= ?1 GROUP BY day ORDER BY day",
                params![first_day],
            )?
            .iter()
            .map(|row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))
            .collect()
        })
    }

    /// The counts of subscriptions, deliveries and waiting items.
    pub fn push_counts(&self) -> Result<PushCounts, StoreError> {
        self.with(Area::Push, |db| {
            let mut count =
                |sql: &str| -> Result<i64, StoreError> { db.query_one(sql, params![])?.get(0) };
            Ok(PushCounts {
                subscriptions: count("SELECT COUNT(*) FROM subscriptions")?,
                paused: count("SELECT COUNT(*) FROM subscriptions WHERE paused = 1")?,
                queued: count("SELECT COUNT(*) FROM push_deliveries WHERE status = 'pending'")?,
                delivered: count(
                    "SELECT COUNT(*) FROM push_deliveries WHERE status = 'delivered'",
                )?,
                waiting_items: count("SELECT COUNT(*) FROM push_items WHERE delivery_id IS NULL")?,
                pending_changes: count("SELECT COUNT(*) FROM push_changes WHERE derived = 0")?,
            })
        })
    }
}

/// A subscription read from a row whose columns `SUBSCRIPTION_COLUMNS` start at `at`.
fn subscription_of_at(row: &Row, at: usize) -> Result<Subscription, StoreError> {
    let kinds: String = row.get(at + 9)?;
    Ok(Subscription {
        id: row.get(at)?,
        need_id: row.get(at + 1)?,
        organization: row.get(at + 2)?,
        channel: row.get(at + 3)?,
        url: row.get(at + 4)?,
        email: row.get(at + 5)?,
        min_fit: row.get(at + 6)?,
        top: row.get::<i64>(at + 7)?.max(0) as usize,
        frequency: row.get(at + 8)?,
        kinds: serde_json::from_str(&kinds).unwrap_or_default(),
        paused: row.get(at + 10)?,
        paused_reason: row.get(at + 11)?,
        secret: row.get(at + 12)?,
        feed_token: row.get(at + 13)?,
        unsubscribe_token: row.get(at + 14)?,
        created_at: row.get(at + 15)?,
        failing_since: row.get(at + 16)?,
        last_error: row.get(at + 17)?,
        last_batch_at: row.get(at + 18)?,
        since_generation: row.get(at + 19)?,
    })
}
