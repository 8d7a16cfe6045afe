//! Precise push: stored needs subscribe, and after each catalog change the resources it added or
//! changed that now rank in a need's own top `top` with fit ≥ `min_fit` reach the subscriber once
//! per content version, by webhook (signed), e-mail digest or Atom feed.
//!
//! How it stays exact and exactly once:
//! - `Store::apply` writes the change log row (which resources the change added or changed, with
//!   their content hashes, `changed_resources`) in the catalog change's own transaction.
//! - The derive worker reads the rows not yet derived and, for each active subscription, runs the
//!   need's forward match on the catalog of that change (`MatchOptions { top, kinds }`, as
//!   `GET /api/v1/needs/{id}/matches` does); the results that are in the change and reach `min_fit`
//!   are the items. A need is matched only when `Matcher::could_rank` cannot rule the change out
//!   (it is exact: a resource stage one would not find, or whose fit is bounded below `min_fit`,
//!   is never a result), so most needs cost an analysis instead of a match; the fits of the
//!   other resources may move with the catalog's statistics, but only changed resources are
//!   pushed, and each one pushed is ranked by a full match. Items and their deliveries are
//!   committed in parts as they are made, the last part with the row's `derived` mark, and items
//!   are unique per (subscription, resource, content hash): a crash anywhere derives the change
//!   again, which makes only what was not yet made, or finds it done, never twice.
//! - The delivery worker sends the deliveries due: a webhook POST signed with HMAC-SHA256, retried
//!   with exponential backoff and jitter under the same `delivery_id`; a subscription whose every
//!   attempt failed for 3 days is paused with the reason. The clock is `Clock`, which tests move.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::sync::atomic::{AtomicI64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

use duijie_core::{ChangeSet, Filters, Kind, MatchOptions, Resource};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::demand::DemandState;
use crate::error::ApiError;
use crate::markup::escape;
use crate::state::Catalog;
use crate::store::push::{
    Attempt, ChangedResource, DueDelivery, NewItem, PendingChange, Subscription,
};
use crate::store::Store;
use crate::worker::{lock, Signal};

/// A subscription whose every delivery attempt failed for this long is paused.
pub const PAUSE_AFTER_SECS: i64 = 3 * 86_400;

/// The first retry waits about this long; each next one twice as long, up to `MAX_BACKOFF_SECS`.
const FIRST_BACKOFF_SECS: i64 = 10;
const MAX_BACKOFF_SECS: i64 = 3_600;

/// Subscriptions a derive thread takes at a time.
const DERIVE_BLOCK: usize = 64;

/// A derive commits the items made so far this often, so that their deliveries need not wait for
/// the whole change.
const COMMIT_EVERY: Duration = Duration::from_millis(500);

/// Deliveries sent at once by the delivery worker.
const SENDERS: usize = 16;

/// How long a replica's claim on the deliveries it sends lasts: longer than a round of
/// `claim_due_deliveries`' 256 deliveries at `SENDERS` at a time, each at most 15 s (connect and
/// answer timeouts). A replica that dies mid-round leaves its claimed deliveries to be sent again,
/// under their ids, this long after.
const CLAIM_SECS: i64 = 900;

/// The push clock: the system's time plus an offset that tests move (`advance`).
#[derive(Clone, Default)]
pub struct Clock {
    offset: Arc<AtomicI64>,
}

impl Clock {
    /// Unix seconds, now.
    pub fn now(&self) -> i64 {
        crate::engagement::now_seconds() + self.offset.load(Ordering::SeqCst)
    }

    /// Moves the clock `seconds` ahead.
    pub fn advance(&self, seconds: i64) {
        self.offset.fetch_add(seconds, Ordering::SeqCst);
    }
}

/// The content version of a resource: the SHA-256 of its public fields but `updated_at`, so an
/// edit that changes nothing a reader or the matcher sees is no new version.
pub fn content_hash(resource: &Resource) -> String {
    let mut public = resource.public();
    public.updated_at = None;
    let bytes = serde_json::to_vec(&public).unwrap_or_default();
    hex(&Sha256::digest(&bytes)[..16])
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().fold(String::new(), |mut out, byte| {
        let _ = write!(out, "{byte:02x}");
        out
    })
}

/// The resources of `incoming` that `before` lacks (`new`) or holds with other content
/// (`updated`), by id.
pub fn changed_resources(before: &Catalog, incoming: &[Resource]) -> Vec<ChangedResource> {
    let mut changed: BTreeMap<&str, ChangedResource> = BTreeMap::new();
    for resource in incoming {
        let change = match before.get(&resource.id) {
            None => "new",
            Some(old) if old == resource => continue,
            Some(old) => {
                if content_hash(old) == content_hash(resource) {
                    continue;
                }
                "updated"
            }
        };
        changed.insert(
            &resource.id,
            ChangedResource {
                id: resource.id.clone(),
                hash: content_hash(resource),
                change: change.to_string(),
            },
        );
    }
    changed.into_values().collect()
}

/// HMAC-SHA256 (RFC 2104) of `message` under `key`.
pub fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    let mut block = [0u8; 64];
    if key.len() > 64 {
        block[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let mut inner = Sha256::new();
    inner.update(block.map(|byte| byte ^ 0x36));
    inner.update(message);
    let mut outer = Sha256::new();
    outer.update(block.map(|byte| byte ^ 0x5c));
    outer.update(inner.finalize());
    outer.finalize().into()
}

/// The `Duijie-Signature` header of a webhook body sent at `t`:
/// `t=UNIX_SECONDS,v1=HEX(HMAC-SHA256(secret, "t.body"))`.
pub fn signature(secret: &str, t: i64, body: &[u8]) -> String {
    let mut message = format!("{t}.").into_bytes();
    message.extend_from_slice(body);
    format!(
        "t={t},v1={}",
        hex(&hmac_sha256(secret.as_bytes(), &message))
    )
}

/// The wait before retry number `attempts` (1 for the first retry): exponential, capped, with up
/// to a quarter of jitter either way.
pub fn backoff(attempts: i64) -> i64 {
    let base = FIRST_BACKOFF_SECS
        .saturating_mul(1i64 << attempts.clamp(1, 20).saturating_sub(1))
        .min(MAX_BACKOFF_SECS);
    let mut byte = [0u8; 2];
    let jitter = match getrandom::fill(&mut byte) {
        Ok(()) => i64::from(u16::from_le_bytes(byte)) % (base / 2 + 1) - base / 4,
        Err(_) => 0,
    };
    (base + jitter).max(1)
}

/// Counters for `/metrics`.
#[derive(Default)]
struct Counters {
    /// (channel, outcome) → attempts.
    deliveries: BTreeMap<(String, &'static str), u64>,
    /// Seconds from a change's commit to the delivery of its items: bucket counts, sum, count.
    latency: ([u64; LATENCY_BUCKETS.len()], f64, u64),
    items: u64,
}

const LATENCY_BUCKETS: [f64; 8] = [1.0, 5.0, 30.0, 60.0, 300.0, 3_600.0, 86_400.0, 604_800.0];

/// The push side of a running service: the catalogs changes are derived on, the clock and the two
/// workers (derive and deliver), which end when it is dropped.
pub struct Push {
    shared: Arc<Shared>,
}

struct Shared {
    store: Arc<Store>,
    demand: DemandState,
    /// Catalogs by generation, kept until their change is derived.
    catalogs: Mutex<BTreeMap<i64, Arc<Catalog>>>,
    clock: Clock,
    /// The service's address as links in deliveries give it (`http://HOST:PORT`).
    base_url: Mutex<String>,
    /// The SMTP relay e-mail digests go through (`--smtp`, `--smtp-ca`).
    smtp: Option<crate::push_mail::Relay>,
    derive_signal: Signal,
    deliver_signal: Signal,
    /// One derive at a time, and one delivery round at a time (the worker's or `run_now`'s), so a
    /// due delivery is never sent twice by this process.
    derive_lock: Mutex<()>,
    deliver_lock: Mutex<()>,
    counters: Mutex<Counters>,
    agent: ureq::Agent,
    /// Whether webhooks may go to hosts inside the operator's network (`webhook_private_hosts`).
    private_hosts: bool,
}

impl Push {
    /// Starts the workers on `catalog` (the stored one).
    pub fn start(
        store: Arc<Store>,
        demand: DemandState,
        catalog: Arc<Catalog>,
        base_url: String,
        smtp: Option<crate::push_mail::Relay>,
        webhook_tls: Arc<rustls::ClientConfig>,
        private_hosts: bool,
    ) -> Push {
        let shared = Arc::new(Shared {
            store,
            demand,
            catalogs: Mutex::new(BTreeMap::from([(catalog.generation, catalog)])),
            clock: Clock::default(),
            base_url: Mutex::new(base_url),
            smtp,
            derive_signal: Signal::default(),
            deliver_signal: Signal::default(),
            derive_lock: Mutex::new(()),
            deliver_lock: Mutex::new(()),
            counters: Mutex::new(Counters::default()),
            // A connection kept per sender: ureq keeps one per host unless told, and the others
            // would connect anew for every delivery to the same receiver.
            agent: ureq::AgentBuilder::new()
                .max_idle_connections(4 * SENDERS)
                .max_idle_connections_per_host(SENDERS)
                .timeout_connect(Duration::from_secs(5))
                .timeout(Duration::from_secs(10))
                .redirects(0)
                .tls_config(webhook_tls)
                .resolver(crate::webhook_hosts::Resolver {
                    allow_private: private_hosts,
                })
                .build(),
            private_hosts,
        });
        shared.derive_signal.raise();
        shared.deliver_signal.raise();
        let weak = Arc::downgrade(&shared);
        std::thread::Builder::new()
            .name("duijie-push-derive".to_string())
            .spawn(move || run(weak, |shared| &shared.derive_signal, Shared::derive))
            .expect("a thread for the push worker");
        let weak = Arc::downgrade(&shared);
        std::thread::Builder::new()
            .name("duijie-push-deliver".to_string())
            .spawn(move || run(weak, |shared| &shared.deliver_signal, Shared::deliver))
            .expect("a thread for the delivery worker");
        Push { shared }
    }

    pub fn clock(&self) -> &Clock {
        &self.shared.clock
    }

    /// Whether webhooks may go to hosts inside the operator's network (`webhook_private_hosts`).
    pub fn allows_private_hosts(&self) -> bool {
        self.shared.private_hosts
    }

    pub fn base_url(&self) -> String {
        lock(&self.shared.base_url).clone()
    }

    /// Sets the address links give (`duijie serve` once it knows the port it listens on).
    pub fn set_base_url(&self, url: String) {
        *lock(&self.shared.base_url) = url;
    }

    /// A new catalog is served: changes committed with it can be derived.
    pub fn follow(&self, catalog: Arc<Catalog>) {
        let mut catalogs = lock(&self.shared.catalogs);
        catalogs.insert(catalog.generation, catalog);
        // Changes not derived by now are derived on the newest catalog (see `Shared::derive`).
        while catalogs.len() > 16 {
            catalogs.pop_first();
        }
        drop(catalogs);
        self.shared.derive_signal.raise();
    }

    /// Wakes both workers (a subscription was resumed, a test moved the clock).
    pub fn wake(&self) {
        self.shared.derive_signal.raise();
        self.shared.deliver_signal.raise();
    }

    /// Derives and delivers everything due now, in this thread: for tests and the command line.
    pub fn run_now(&self) -> Result<(), ApiError> {
        self.shared.derive()?;
        self.shared.deliver()
    }

    /// The Prometheus series of push.
    pub fn render_metrics(&self) -> String {
        let mut out = String::new();
        let counts = self.shared.store.push_counts().unwrap_or_default();
        out.push_str("# HELP duijie_push_queue_depth Deliveries not yet through.\n");
        out.push_str("# TYPE duijie_push_queue_depth gauge\n");
        let _ = writeln!(out, "duijie_push_queue_depth {}", counts.queued);
        out.push_str(
            "# HELP duijie_push_pending_changes Catalog changes not yet derived into items.\n",
        );
        out.push_str("# TYPE duijie_push_pending_changes gauge\n");
        let _ = writeln!(
            out,
            "duijie_push_pending_changes {}",
            counts.pending_changes
        );
        out.push_str(
            "# HELP duijie_push_waiting_items Items waiting for a daily or weekly digest.\n",
        );
        out.push_str("# TYPE duijie_push_waiting_items gauge\n");
        let _ = writeln!(out, "duijie_push_waiting_items {}", counts.waiting_items);
        out.push_str("# HELP duijie_push_subscriptions Subscriptions, and of them paused.\n");
        out.push_str("# TYPE duijie_push_subscriptions gauge\n");
        let _ = writeln!(
            out,
            "duijie_push_subscriptions{{state=\"active\"}} {}",
            counts.subscriptions - counts.paused
        );
        let _ = writeln!(
            out,
            "duijie_push_subscriptions{{state=\"paused\"}} {}",
            counts.paused
        );
        let counters = lock(&self.shared.counters);
        out.push_str("# HELP duijie_push_items_total Items derived from catalog changes.\n");
        out.push_str("# TYPE duijie_push_items_total counter\n");
        let _ = writeln!(out, "duijie_push_items_total {}", counters.items);
        out.push_str(
            "# HELP duijie_push_deliveries_total Delivery attempts by channel and outcome.\n",
        );
        out.push_str("# TYPE duijie_push_deliveries_total counter\n");
        for ((channel, outcome), count) in &counters.deliveries {
            let _ = writeln!(
                out,
                "duijie_push_deliveries_total{{channel=\"{channel}\",outcome=\"{outcome}\"}} {count}"
            );
        }
        out.push_str("# HELP duijie_push_latency_seconds From a catalog change's commit to the delivery of its items.\n");
        out.push_str("# TYPE duijie_push_latency_seconds histogram\n");
        let (buckets, sum, count) = &counters.latency;
        for (bucket, bound) in buckets.iter().zip(LATENCY_BUCKETS) {
            let _ = writeln!(
                out,
                "duijie_push_latency_seconds_bucket{{le=\"{bound}\"}} {bucket}"
            );
        }
        let _ = writeln!(
            out,
            "duijie_push_latency_seconds_bucket{{le=\"+Inf\"}} {count}"
        );
        let _ = writeln!(out, "duijie_push_latency_seconds_sum {sum}");
        let _ = writeln!(out, "duijie_push_latency_seconds_count {count}");
        out
    }
}

/// A worker: waits for its signal (or half a second), works, and ends once the state is dropped.
fn run(
    shared: Weak<Shared>,
    signal: fn(&Shared) -> &Signal,
    work: fn(&Shared) -> Result<(), ApiError>,
) {
    loop {
        let Some(strong) = shared.upgrade() else {
            return;
        };
        let _ = signal(&strong).wait(Duration::from_millis(500));
        if let Err(error) = work(&strong) {
            // A database that does not answer is logged once by the store, not twice a second here.
            if !matches!(error, ApiError::StoreUnavailable(_)) {
                eprintln!("duijie serve: push: {error}");
            }
            std::thread::sleep(Duration::from_millis(500));
        }
    }
}

impl Shared {
    /// Derives every pending change whose catalog is here; a change committed before its catalog
    /// is swapped in waits for it (`follow` wakes this again).
    fn derive(&self) -> Result<(), ApiError> {
        let _guard = lock(&self.derive_lock);
        for change in self.store.pending_changes()? {
            let catalog = {
                let catalogs = lock(&self.catalogs);
                let newest = catalogs.last_key_value().map(|(generation, _)| *generation);
                match catalogs.get(&change.generation) {
                    Some(catalog) => catalog.clone(),
                    // Not yet swapped in: later.
                    None if newest.is_none_or(|newest| newest < change.generation) => return Ok(()),
                    // Its catalog is gone (a crash, then later changes, or many changes in a
                    // row): the newest one ranks, and items carry that catalog's content hashes.
                    None => catalogs
                        .last_key_value()
                        .map(|(_, catalog)| catalog.clone())
                        .expect("a catalog"),
                }
            };
            self.derive_one(&change, &catalog)?;
            let mut catalogs = lock(&self.catalogs);
            while catalogs.len() > 1
                && catalogs
                    .first_key_value()
                    .is_some_and(|(generation, _)| *generation < change.generation)
            {
                catalogs.pop_first();
            }
        }
        Ok(())
    }

    /// Derives one change on `catalog`. Each active subscription's need is first asked
    /// `Matcher::could_rank` (exact: false only when no match of the need can return a changed
    /// resource with its `min_fit`), and only the needs it cannot rule out are matched, once,
    /// explaining the changed results alone. The demand side's lists wait meanwhile (they are
    /// recomputed for every need on a new catalog, which push need not wait for), and items are
    /// committed every `COMMIT_EVERY` so that the first deliveries leave while the rest is derived.
    fn derive_one(&self, change: &PendingChange, catalog: &Arc<Catalog>) -> Result<(), ApiError> {
        let _hold = self.demand.hold();
        let started = Instant::now();
        let subscriptions: Vec<Subscription> = self
            .store
            .subscriptions()?
            .into_iter()
            .filter(|subscription| {
                !subscription.paused && subscription.since_generation < change.generation
            })
            .collect();
        let changed: HashMap<&str, &ChangedResource> = change
            .changed
            .iter()
            .map(|resource| (resource.id.as_str(), resource))
            .collect();
        let set = catalog
            .matcher
            .change_set(change.changed.iter().map(|resource| resource.id.as_str()));
        let demand = self.demand.current();
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
        // Debug builds only: with `DUIJIE_TEST_DERIVE_PART_DELAY_MS` set, each subscription is a
        // part committed alone, and the derive pauses after the first part with items, so the
        // integration tests can kill -9 it between two parts.
        #[cfg(debug_assertions)]
        let part_hook = std::env::var_os("DUIJIE_TEST_DERIVE_PART_DELAY_MS").is_some();
        #[cfg(not(debug_assertions))]
        let part_hook = false;
        let (block, commit_every) = if part_hook {
            (1, Duration::ZERO)
        } else {
            (DERIVE_BLOCK, COMMIT_EVERY)
        };
        let next = AtomicUsize::new(0);
        let matched = AtomicUsize::new(0);
        let (sender, receiver) = std::sync::mpsc::channel::<Vec<NewItem>>();
        let mut committed_once = false;
        let (mut total_items, mut total_deliveries) = (0, 0);
        let mut commit = |items: &[NewItem], last: bool| -> Result<(), ApiError> {
            if !committed_once {
                committed_once = true;
                #[cfg(debug_assertions)]
                pause_for_crash_tests("DUIJIE_TEST_DERIVE_DELAY_MS", "push items derived");
            }
            let (n_items, n_deliveries) = self.store.commit_derived(
                change,
                catalog.version(),
                items,
                &subscriptions,
                self.clock.now(),
                last,
            )?;
            lock(&self.counters).items += n_items as u64;
            total_items += n_items;
            total_deliveries += n_deliveries;
            if n_deliveries > 0 {
                self.deliver_signal.raise();
            }
            Ok(())
        };
        std::thread::scope(|scope| -> Result<(), ApiError> {
            for _ in 0..threads {
                let sender = sender.clone();
                let (demand, changed, set, next, matched, subscriptions) =
                    (&demand, &changed, &set, &next, &matched, &subscriptions);
                scope.spawn(move || loop {
                    let start = next.fetch_add(block, Ordering::Relaxed);
                    if start >= subscriptions.len() {
                        return;
                    }
                    let end = (start + block).min(subscriptions.len());
                    let mut items = Vec::new();
                    for subscription in &subscriptions[start..end] {
                        let Some(entry) = demand.get(&subscription.need_id) else {
                            continue;
                        };
                        let need = entry.need.need();
                        let filters = Filters {
                            kinds: subscription
                                .kinds
                                .iter()
                                .filter_map(|kind| Kind::parse(kind))
                                .collect(),
                            ..Filters::default()
                        };
                        if let Some(found) =
                            items_for(catalog, &need, subscription, filters, set, changed)
                        {
                            matched.fetch_add(1, Ordering::Relaxed);
                            items.extend(found);
                        }
                    }
                    if sender.send(items).is_err() {
                        return;
                    }
                });
            }
            drop(sender);
            let mut pending: Vec<NewItem> = Vec::new();
            let mut since = Instant::now();
            for items in receiver {
                pending.extend(items);
                if !pending.is_empty() && since.elapsed() >= commit_every {
                    commit(&pending, false)?;
                    pending.clear();
                    since = Instant::now();
                    #[cfg(debug_assertions)]
                    if part_hook {
                        pause_for_crash_tests(
                            "DUIJIE_TEST_DERIVE_PART_DELAY_MS",
                            "push items partly committed",
                        );
                    }
                }
            }
            commit(&pending, true)
        })?;
        eprintln!(
            "duijie serve: push: change {} ({} resources) derived on catalog {} in {} ms: {} \
             subscriptions, {} matched (the others ruled out by could_rank), {} items, {} deliveries",
            change.generation,
            change.changed.len(),
            catalog.version(),
            started.elapsed().as_millis(),
            subscriptions.len(),
            matched.into_inner(),
            total_items,
            total_deliveries
        );
        Ok(())
    }

    /// Cuts the digests due, then sends every delivery due, `SENDERS` at a time.
    fn deliver(&self) -> Result<(), ApiError> {
        let _guard = lock(&self.deliver_lock);
        let now = self.clock.now();
        self.store.cut_digests(now)?;
        loop {
            let due = self
                .store
                .claim_due_deliveries(now, now + claim_secs(), 256)?;
            if due.is_empty() {
                return Ok(());
            }
            // Each sender takes the next delivery as it is free, so that one slow receiver holds
            // up one sender, not a share of the round.
            let next = AtomicUsize::new(0);
            let attempts: Vec<(Attempt, &DueDelivery)> = std::thread::scope(|scope| {
                let workers: Vec<_> = (0..SENDERS.min(due.len()))
                    .map(|_| {
                        let (due, next) = (&due, &next);
                        scope.spawn(move || {
                            let mut attempts = Vec::new();
                            while let Some(delivery) = due.get(next.fetch_add(1, Ordering::Relaxed))
                            {
                                attempts.push((self.attempt(delivery), delivery));
                            }
                            attempts
                        })
                    })
                    .collect();
                workers
                    .into_iter()
                    .flat_map(|worker| {
                        worker
                            .join()
                            .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
                    })
                    .collect()
            });
            let records: Vec<Attempt> = attempts
                .iter()
                .map(|(attempt, _)| attempt.clone())
                .collect();
            for id in self.store.record_attempts(&records, PAUSE_AFTER_SECS)? {
                eprintln!(
                    "duijie serve: push: subscription {id} paused: every delivery failed for 3 days"
                );
            }
            let mut counters = lock(&self.counters);
            for (attempt, delivery) in &attempts {
                let outcome = if attempt.failure.is_none() {
                    "delivered"
                } else {
                    "failed"
                };
                *counters
                    .deliveries
                    .entry((delivery.subscription.channel.clone(), outcome))
                    .or_default() += 1;
                if attempt.failure.is_none() {
                    let seconds = (attempt.at - delivery.changed_at).max(0) as f64;
                    for (bucket, bound) in counters.latency.0.iter_mut().zip(LATENCY_BUCKETS) {
                        if seconds <= bound {
                            *bucket += 1;
                        }
                    }
                    counters.latency.1 += seconds;
                    counters.latency.2 += 1;
                }
            }
        }
    }

    /// One attempt of a delivery (recorded by the caller, with the others of its round).
    fn attempt(&self, delivery: &DueDelivery) -> Attempt {
        let subscription = &delivery.subscription;
        let sent = match subscription.channel.as_str() {
            "webhook" => self.send_webhook(delivery),
            "email" => self.send_email(delivery),
            other => Err(format!("channel {other} has no deliveries")),
        };
        #[cfg(debug_assertions)]
        pause_for_crash_tests("DUIJIE_TEST_DELIVER_DELAY_MS", "push delivery sent");
        let now = self.clock.now();
        Attempt {
            delivery_id: delivery.id.clone(),
            subscription_id: subscription.id.clone(),
            at: now,
            failure: sent
                .err()
                .map(|error| (error, now + backoff(delivery.attempts + 1))),
        }
    }

    /// The webhook body of a delivery.
    fn webhook_body(&self, delivery: &DueDelivery) -> Vec<u8> {
        let items: Vec<Value> = delivery
            .items
            .iter()
            .filter_map(|item| serde_json::from_str(item).ok())
            .collect();
        let subscription = &delivery.subscription;
        serde_json::to_vec(&json!({
            "delivery_id": delivery.id,
            "subscription_id": subscription.id,
            "need_id": subscription.need_id,
            "catalog_version": delivery.catalog_version,
            "items": items,
            "unsubscribe_url": unsubscribe_url(&lock(&self.base_url), subscription),
        }))
        .unwrap_or_default()
    }

    fn send_webhook(&self, delivery: &DueDelivery) -> Result<(), String> {
        let subscription = &delivery.subscription;
        let url = subscription.url.as_deref().ok_or("no url")?;
        let body = self.webhook_body(delivery);
        let t = self.clock.now();
        match self
            .agent
            .post(url)
            .set("Content-Type", "application/json")
            .set("Duijie-Delivery", &delivery.id)
            .set(
                "Duijie-Signature",
                &signature(&subscription.secret, t, &body),
            )
            .send_bytes(&body)
        {
            Ok(response) => {
                // Read to its end, so that the connection goes back to the pool for the next
                // delivery (a body left unread closes it).
                let _ = std::io::copy(
                    &mut std::io::Read::take(response.into_reader(), 64 * 1024),
                    &mut std::io::sink(),
                );
                Ok(())
            }
            Err(ureq::Error::Status(status, _)) => Err(format!("HTTP {status}")),
            Err(error) => Err(error.to_string()),
        }
    }

    fn send_email(&self, delivery: &DueDelivery) -> Result<(), String> {
        let relay = self.smtp.as_ref().ok_or("no SMTP relay (--smtp)")?;
        let subscription = &delivery.subscription;
        let to = subscription.email.as_deref().ok_or("no email")?;
        let need = self
            .demand
            .current()
            .get(&subscription.need_id)
            .map(|entry| entry.need.title.clone())
            .unwrap_or_else(|| subscription.need_id.clone());
        let base = lock(&self.base_url).clone();
        let message = crate::push_mail::digest(
            &need,
            delivery,
            &base,
            &unsubscribe_url(&base, subscription),
        );
        relay.send(to, &message)
    }
}

/// `CLAIM_SECS`; debug builds take `DUIJIE_TEST_CLAIM_SECS` instead when it is set, so that the
/// kill -9 tests see a killed replica's claims lapse in seconds.
fn claim_secs() -> i64 {
    #[cfg(debug_assertions)]
    if let Some(secs) = std::env::var("DUIJIE_TEST_CLAIM_SECS")
        .ok()
        .and_then(|secs| secs.parse::<i64>().ok())
    {
        return secs;
    }
    CLAIM_SECS
}

/// Debug builds only: when the variable `name` is set, waits that many milliseconds (announcing it
/// on standard error as `what`, not yet recorded), so the integration tests can kill -9 the server
/// between a step and its record.
#[cfg(debug_assertions)]
fn pause_for_crash_tests(name: &str, what: &str) {
    if let Some(ms) = std::env::var(name)
        .ok()
        .and_then(|ms| ms.parse::<u64>().ok())
    {
        eprintln!("duijie serve: test hook: {what}, recording in {ms} ms");
        std::thread::sleep(Duration::from_millis(ms));
    }
}

/// The items of one subscription for a change: its forward match on `catalog` (with the
/// subscription's kinds as `filters`), the results in the change (`set`, `changed`) with fit ≥
/// `min_fit`, explained; one match, which explains those results alone, and only when
/// `Matcher::could_rank` cannot rule the need out (None when it does), on one analysis of the need.
fn items_for(
    catalog: &Catalog,
    need: &duijie_core::Need,
    subscription: &Subscription,
    filters: Filters,
    set: &ChangeSet,
    changed: &HashMap<&str, &ChangedResource>,
) -> Option<Vec<NewItem>> {
    let options = MatchOptions {
        top: subscription.top,
        explain: 0,
        filters,
    };
    let qualifies = |result: &duijie_core::MatchResult| {
        result.score >= subscription.min_fit && changed.contains_key(result.id.as_str())
    };
    let results = catalog.matcher.match_if_reachable(
        need,
        &options,
        set,
        subscription.min_fit,
        |_, result| qualifies(result),
    )?;
    let items = results
        .iter()
        .enumerate()
        .filter(|(_, result)| qualifies(result))
        .filter_map(|(rank, result)| {
            let resource = catalog.get(&result.id)?;
            let change = changed.get(result.id.as_str())?;
            let body = json!({
                "resource": resource.public(),
                "fit": result.score,
                "band": result.band,
                "rank": rank + 1,
                "components": result.components,
                "reasons": result.reasons,
                "change": change.change,
                "catalog_version": catalog.version(),
            });
            Some(NewItem {
                subscription_id: subscription.id.clone(),
                resource_id: result.id.clone(),
                hash: content_hash(resource),
                change: change.change.clone(),
                body: body.to_string(),
            })
        })
        .collect();
    Some(items)
}

/// The one-click unsubscribe link of a subscription.
pub fn unsubscribe_url(base: &str, subscription: &Subscription) -> String {
    format!("{base}/unsubscribe/{}", subscription.unsubscribe_token)
}

/// The Atom feed link of a subscription.
pub fn feed_url(base: &str, subscription: &Subscription) -> String {
    format!("{base}/feeds/{}.atom", subscription.feed_token)
}

/// A subscription's Atom 1.0 feed of its newest items (`items`: made at, item JSON; newest first).
pub fn atom_feed(
    base: &str,
    subscription: &Subscription,
    need_title: &str,
    items: &[(i64, String)],
) -> String {
    let updated = items.first().map_or(subscription.created_at, |(at, _)| *at);
    let mut out = String::new();
    out.push_str("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
    out.push_str("<feed xmlns=\"http://www.w3.org/2005/Atom\">\n");
    let _ = writeln!(
        out,
        "  <id>urn:duijie:subscription:{}</id>",
        escape(&subscription.id)
    );
    let _ = writeln!(out, "  <title>对接推送：{}</title>", escape(need_title));
    let _ = writeln!(
        out,
        "  <updated>{}</updated>",
        duijie_core::time::format_utc(updated)
    );
    let _ = writeln!(
        out,
        "  <link rel=\"self\" href=\"{}\"/>",
        escape(&feed_url(base, subscription))
    );
    out.push_str("  <author><name>duijie</name></author>\n");
    for (at, body) in items {
        let Ok(item) = serde_json::from_str::<Value>(body) else {
            continue;
        };
        let resource = &item["resource"];
        let id = resource["id"].as_str().unwrap_or_default();
        let title = resource["title"].as_str().unwrap_or(id);
        let fit = item["fit"].as_f64().unwrap_or(0.0);
        let reasons: Vec<&str> = item["reasons"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|reason| reason["zh"].as_str())
            .collect();
        let link = format!("{base}/api/v1/resources/{id}");
        out.push_str("  <entry>\n");
        let _ = writeln!(
            out,
            "    <id>urn:duijie:item:{}:{}:{}</id>",
            escape(&subscription.id),
            escape(id),
            escape(item["catalog_version"].as_str().unwrap_or_default())
        );
        let _ = writeln!(out, "    <title>{}</title>", escape(title));
        let _ = writeln!(
            out,
            "    <updated>{}</updated>",
            duijie_core::time::format_utc(*at)
        );
        let _ = writeln!(out, "    <link href=\"{}\"/>", escape(&link));
        let _ = writeln!(
            out,
            "    <content type=\"text\">匹配度 {}%（{}）。{}</content>",
            duijie_core::Band::percent(fit),
            if item["change"] == "updated" {
                "更新"
            } else {
                "新增"
            },
            escape(&reasons.join("；"))
        );
        out.push_str("  </entry>\n");
    }
    out.push_str("</feed>\n");
    out
}
