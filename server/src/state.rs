//! The service's shared state: the store, the current catalog (swapped whole after each commit, so a
//! reader sees the old catalog or the new, never a mix), the tokens and the metrics.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};

use duijie_core::index::Analysis;
use duijie_core::matcher::catalog_version;
use duijie_core::{Matcher, Resource, Weights};

use crate::config::Config;
use crate::demand::DemandState;
use crate::error::ApiError;
use crate::metrics::Metrics;
use crate::store::{CatalogUpdate, Change, Store, StoreError};
use crate::throttle::RateLimiter;
use crate::worker::lock;

/// Most distinct snapshot queries kept per catalog version.
const MAX_CACHED_SNAPSHOTS: usize = 256;

/// Most bytes (JSON and gzip) of the snapshots kept per catalog version, the newest always kept:
/// 256 anonymous queries for distinct (region, kinds) pairs pinned 80 MB on the 2,423-resource
/// demo catalog, and pin in proportion to the catalog.
const MAX_CACHED_SNAPSHOT_BYTES: usize = 256 << 20;

/// One catalog version in memory: the matcher, and cached snapshots.
pub struct Catalog {
    pub matcher: Matcher,
    pub generation: i64,
    /// By query: the snapshot and when it was cached (a count), the oldest going first.
    snapshots: Mutex<HashMap<String, (Arc<Snapshot>, u64)>>,
    /// What the next catalog's index is built from (`Catalog::update`), until that one takes it:
    /// only the newest catalog holds it.
    analysis: Mutex<Option<Analysis>>,
}

/// A prepared snapshot answer: the body plain and gzip-compressed, and its strong ETag.
pub struct Snapshot {
    pub etag: String,
    pub json: Vec<u8>,
    pub gzip: Vec<u8>,
}

impl Catalog {
    /// Builds the index. Takes a while for a large catalog: call it off the request threads.
    pub fn build(
        version: String,
        generation: i64,
        resources: Vec<Resource>,
        weights: Weights,
    ) -> Catalog {
        let (matcher, analysis) = Matcher::new_updatable(version, resources, weights);
        Catalog::with_matcher(matcher, generation, analysis)
    }

    /// `build`, from `previous` (the catalog this one replaces): the resources it holds unchanged
    /// are not analysed again, so a change of a few resources is indexed in a fraction of a full
    /// build; the index is the same. Takes `previous`'s analysis (a full build when it has none).
    pub fn update(
        previous: &Catalog,
        version: String,
        generation: i64,
        resources: Vec<Resource>,
        weights: Weights,
    ) -> Catalog {
        let analysis = lock(&previous.analysis).take();
        let (matcher, analysis) = match analysis {
            Some(analysis) => previous
                .matcher
                .update(&analysis, version, resources, weights),
            None => Matcher::new_updatable(version, resources, weights),
        };
        Catalog::with_matcher(matcher, generation, analysis)
    }

    fn with_matcher(matcher: Matcher, generation: i64, analysis: Option<Analysis>) -> Catalog {
        Catalog {
            matcher,
            generation,
            snapshots: Mutex::new(HashMap::new()),
            analysis: Mutex::new(analysis),
        }
    }

    pub fn version(&self) -> &str {
        self.matcher.version()
    }

    pub fn resources(&self) -> &[Resource] {
        self.matcher.resources()
    }

    pub fn get(&self, id: &str) -> Option<&Resource> {
        self.matcher.get(id)
    }

    /// The position of a resource in `resources()`.
    pub fn position(&self, id: &str) -> Option<usize> {
        self.matcher.position(id)
    }

    /// The cached snapshot for `key`, if built already.
    pub fn cached_snapshot(&self, key: &str) -> Option<Arc<Snapshot>> {
        lock(&self.snapshots)
            .get(key)
            .map(|(snapshot, _)| snapshot.clone())
    }

    /// The cached snapshot for `key`, or the one `make` builds (then cached).
    pub fn snapshot(
        &self,
        key: &str,
        make: impl FnOnce() -> Result<Snapshot, ApiError>,
    ) -> Result<Arc<Snapshot>, ApiError> {
        if let Some(found) = self.cached_snapshot(key) {
            return Ok(found);
        }
        let snapshot = Arc::new(make()?);
        let mut snapshots = lock(&self.snapshots);
        let order = snapshots
            .values()
            .map(|(_, cached)| cached + 1)
            .max()
            .unwrap_or(0);
        snapshots.insert(key.to_string(), (snapshot.clone(), order));
        evict_oldest(
            &mut snapshots,
            MAX_CACHED_SNAPSHOTS,
            MAX_CACHED_SNAPSHOT_BYTES,
        );
        Ok(snapshot)
    }
}

/// Drops the snapshots cached first until at most `max_entries` of at most `max_bytes` (JSON and
/// gzip) are left; the newest stays even when it alone is larger.
fn evict_oldest(
    snapshots: &mut HashMap<String, (Arc<Snapshot>, u64)>,
    max_entries: usize,
    max_bytes: usize,
) {
    let size = |snapshot: &Snapshot| snapshot.json.len() + snapshot.gzip.len();
    let mut bytes: usize = snapshots.values().map(|(kept, _)| size(kept)).sum();
    while snapshots.len() > 1 && (snapshots.len() > max_entries || bytes > max_bytes) {
        let Some(oldest) = snapshots
            .iter()
            .min_by_key(|(_, (_, cached))| *cached)
            .map(|(oldest, _)| oldest.clone())
        else {
            break;
        };
        if let Some((gone, _)) = snapshots.remove(&oldest) {
            bytes -= size(&gone);
        }
    }
}

pub struct AppState {
    pub store: Arc<Store>,
    pub config: Config,
    pub metrics: Metrics,
    pub weights: Weights,
    catalog: RwLock<Arc<Catalog>>,
    /// Serialises catalog writes, so each one starts from the catalog the previous one left.
    write_lock: Mutex<()>,
    /// The Content-Security-Policy header, with the configured portals as `frame-ancestors`.
    pub csp: actix_web::http::header::HeaderValue,
    /// The engagement rows in columns for `/api/v1/stats`, for the rows the store last read.
    pub prepared_stats: Arc<Mutex<Option<Arc<crate::stats::Prepared>>>>,
    /// Requests with an unknown token per client (`auth_failures_per_min`); `None`: no limit.
    pub auth_failures: Option<RateLimiter>,
    /// `POST /api/v1/match` per client (`match_rate`, `match_burst`); `None`: no limit.
    pub match_limiter: Option<RateLimiter>,
    /// The stored needs and their fits with the catalog (forward lists, reverse index).
    pub demand: DemandState,
    /// Subscriptions' derive and delivery workers, and the push clock.
    pub push: crate::push::Push,
    /// Debug builds only: engagement bodies may carry `at` to backdate a step (`DUIJIE_TEST_CLOCK`
    /// for `duijie serve`; set directly by the in-process tests). Release builds ignore it.
    pub test_clock: bool,
}

impl AppState {
    /// Loads the stored catalog; a store that never had one gets `initial` (the demo catalog, or none).
    pub fn open(
        store: Arc<Store>,
        config: Config,
        initial: Option<Vec<Resource>>,
    ) -> Result<AppState, ApiError> {
        let weights = Weights::default();
        let stored = match store.catalog()? {
            Some(stored) => stored,
            None => {
                let resources = initial.unwrap_or_default();
                let version = catalog_version(&resources, &weights);
                store.apply(&Change::Replace(&resources), &version, None, &[], 0)?;
                store
                    .catalog()?
                    .ok_or_else(|| ApiError::Internal("the catalog row vanished".into()))?
            }
        };
        let catalog = Arc::new(Catalog::build(
            stored.version,
            stored.generation,
            stored.resources,
            weights.clone(),
        ));
        let demand = DemandState::start(catalog.clone(), store.needs()?);
        let push = crate::push::Push::start(
            store.clone(),
            demand.clone(),
            catalog.clone(),
            config
                .public_url
                .clone()
                .unwrap_or_else(|| format!("http://{}", config.addr))
                .trim_end_matches('/')
                .to_string(),
            config
                .smtp_relay()
                .map_err(|error| ApiError::Internal(error.to_string()))?,
            config
                .webhook_tls()
                .map_err(|error| ApiError::Internal(error.to_string()))?,
            config.webhook_private_hosts,
        );
        Ok(AppState {
            demand,
            push,
            store,
            metrics: Metrics::default(),
            weights,
            catalog: RwLock::new(catalog),
            write_lock: Mutex::new(()),
            prepared_stats: Arc::default(),
            auth_failures: RateLimiter::new(
                f64::from(config.auth_failures_per_min) / 60.0,
                f64::from(config.auth_failures_per_min),
            ),
            match_limiter: RateLimiter::new(
                f64::from(config.match_rate),
                f64::from(config.match_burst.max(config.match_rate)),
            ),
            test_clock: false,
            csp: actix_web::http::header::HeaderValue::from_str(&config.csp())
                .unwrap_or_else(|_| actix_web::http::header::HeaderValue::from_static(crate::CSP)),
            config,
        })
    }

    /// The current catalog. Cheap: one `Arc` clone.
    pub fn catalog(&self) -> Arc<Catalog> {
        self.catalog
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    /// Reloads the catalog when the store's generation differs from the one in memory: another
    /// replica, or a command, changed it. Blocking. Returns whether it reloaded.
    pub fn reload_if_changed(&self) -> Result<bool, ApiError> {
        self.demand.reload_if_changed(&self.store)?;
        let Some((_, generation)) = self.store.version()? else {
            return Ok(false);
        };
        if generation == self.catalog().generation {
            return Ok(false);
        }
        let _guard = lock(&self.write_lock);
        // A write of this replica held the lock meanwhile: it may have swapped this generation in
        // (its own announcement comes here too), and reading the store again would be waste.
        if generation == self.catalog().generation {
            return Ok(false);
        }
        self.reload_from_store()?;
        Ok(true)
    }

    /// Applies a change: checks it against the current catalog, commits it in one transaction, builds
    /// the new matcher, then swaps it in. Blocking: run it in `web::block`.
    /// `check` sees the current catalog first and may refuse the change (say, a create of an existing id).
    pub fn write(
        &self,
        change: Change<'_>,
        dry_run: bool,
        check: impl Fn(&Catalog) -> Result<(), ApiError>,
    ) -> Result<Arc<Catalog>, ApiError> {
        let _guard = lock(&self.write_lock);
        // Another replica may have changed the store since this one last looked: the store refuses a
        // change made against an old generation, and the write is redone on the reloaded catalog.
        for _attempt in 0..3 {
            let current = self.catalog();
            check(&current)?;
            let resources = apply_in_memory(&current, &change)?;
            let version = catalog_version(&resources, &self.weights);
            if dry_run {
                return Ok(Arc::new(Catalog::build(
                    version,
                    current.generation,
                    Vec::new(),
                    self.weights.clone(),
                )));
            }
            let started = std::time::Instant::now();
            let changed = match &change {
                Change::Replace(incoming) | Change::Upsert(incoming) => {
                    crate::push::changed_resources(&current, incoming)
                }
                Change::Delete(_) | Change::DeleteMany(_) => Vec::new(),
            };
            let generation = match self.store.apply(
                &change,
                &version,
                Some(current.generation),
                &changed,
                self.push.clock().now(),
            ) {
                Ok(generation) => generation,
                Err(StoreError::Stale) => {
                    self.reload_from_store()?;
                    continue;
                }
                Err(error) => return Err(error.into()),
            };
            let committed = started.elapsed();
            let n_resources = resources.len();
            let catalog = Arc::new(Catalog::update(
                &current,
                version,
                generation,
                resources,
                self.weights.clone(),
            ));
            eprintln!(
                "duijie serve: catalog {} ({n_resources} resources): committed in {} ms, indexed in {} ms",
                catalog.version(),
                committed.as_millis(),
                (started.elapsed() - committed).as_millis()
            );
            self.swap(catalog.clone());
            return Ok(catalog);
        }
        Err(ApiError::Internal(
            "the stored catalog kept changing under this write".into(),
        ))
    }

    fn swap(&self, catalog: Arc<Catalog>) {
        *self
            .catalog
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = catalog.clone();
        self.demand.follow(catalog.clone());
        self.push.follow(catalog);
    }

    /// Replaces the in-memory catalog with the stored one: reads what changed since the generation in
    /// memory (the whole catalog when the store's change log cannot say) and indexes only that. The
    /// caller holds `write_lock`.
    fn reload_from_store(&self) -> Result<(), ApiError> {
        let started = std::time::Instant::now();
        let current = self.catalog();
        let Some(update) = self.store.catalog_since(current.generation)? else {
            return Ok(());
        };
        let (version, generation, resources, read) = match update {
            CatalogUpdate::Whole(stored) => (
                stored.version,
                stored.generation,
                stored.resources,
                "whole".to_string(),
            ),
            CatalogUpdate::Changes {
                version,
                generation,
                upserted,
                deleted,
            } => {
                let read = format!("{} changed", upserted.len() + deleted.len());
                let mut resources = apply_in_memory(&current, &Change::Upsert(&upserted))?;
                if !deleted.is_empty() {
                    let gone: std::collections::HashSet<&str> =
                        deleted.iter().map(String::as_str).collect();
                    resources.retain(|resource| !gone.contains(resource.id.as_str()));
                }
                (version, generation, resources, read)
            }
        };
        let loaded = started.elapsed();
        let n_resources = resources.len();
        let catalog = Arc::new(Catalog::update(
            &current,
            version,
            generation,
            resources,
            self.weights.clone(),
        ));
        eprintln!(
            "duijie serve: catalog {} ({n_resources} resources) followed: read ({read}) in {} ms, \
             indexed in {} ms",
            catalog.version(),
            loaded.as_millis(),
            (started.elapsed() - loaded).as_millis()
        );
        self.swap(catalog);
        Ok(())
    }
}

/// The resources after `change`, sorted by id.
fn apply_in_memory(current: &Catalog, change: &Change<'_>) -> Result<Vec<Resource>, ApiError> {
    Ok(match change {
        Change::Replace(resources) => {
            let mut resources = resources.to_vec();
            resources.sort_by(|a, b| a.id.cmp(&b.id));
            resources
        }
        Change::Upsert(new) => {
            let mut by_id: std::collections::BTreeMap<&str, &Resource> = current
                .resources()
                .iter()
                .map(|resource| (resource.id.as_str(), resource))
                .collect();
            for resource in new.iter() {
                by_id.insert(resource.id.as_str(), resource);
            }
            by_id.into_values().cloned().collect()
        }
        Change::Delete(id) => {
            if current.get(id).is_none() {
                return Err(ApiError::no_resource(id));
            }
            current
                .resources()
                .iter()
                .filter(|resource| resource.id != *id)
                .cloned()
                .collect()
        }
        Change::DeleteMany(ids) => {
            let gone: std::collections::HashSet<&str> = ids.iter().map(String::as_str).collect();
            current
                .resources()
                .iter()
                .filter(|resource| !gone.contains(resource.id.as_str()))
                .cloned()
                .collect()
        }
    })
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;
    use std::sync::Arc;

    use crate::state::{evict_oldest, Snapshot};

    fn of(bytes: usize) -> Arc<Snapshot> {
        Arc::new(Snapshot {
            etag: String::new(),
            json: vec![b' '; bytes],
            gzip: Vec::new(),
        })
    }

    #[test]
    fn the_snapshot_cache_keeps_the_newest_within_its_bytes_and_entries() {
        let mut cache = HashMap::new();
        for (order, key) in ["a", "b", "c"].into_iter().enumerate() {
            cache.insert(key.to_string(), (of(100), order as u64));
            evict_oldest(&mut cache, 10, 250);
        }
        let mut kept: Vec<&str> = cache.keys().map(String::as_str).collect();
        kept.sort_unstable();
        assert_eq!(kept, ["b", "c"], "the oldest goes first");
        // One larger than the bound alone stays, the others go.
        cache.insert("big".to_string(), (of(1000), 3));
        evict_oldest(&mut cache, 10, 250);
        assert_eq!(cache.keys().collect::<Vec<_>>(), ["big"]);
        // And the number of entries.
        for order in 4..20u64 {
            cache.insert(order.to_string(), (of(1), order));
            evict_oldest(&mut cache, 5, 250);
        }
        assert_eq!(cache.len(), 5);
        assert!(cache.contains_key("19") && !cache.contains_key("big"));
    }
}
