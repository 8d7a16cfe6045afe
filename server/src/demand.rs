//! The demand side in memory: the stored needs, each need's forward list (its best resources of
//! one catalog version, with their fits), and the reverse index built from those lists (for each
//! resource, the needs whose forward list holds it, by that same fit).
//!
//! A need's fit with a resource depends on the whole catalog (the discipline prior and related
//! keywords are voted by the need's best text matches), so it cannot be computed from the pair
//! alone. Each need's forward top `FORWARD` is computed with the matcher, exactly as
//! `POST /api/v1/match` computes it, and the reverse index is made of those lists: a resource is
//! in a need's forward top k (k ≤ `FORWARD`) exactly when the need is in the resource's reverse
//! list with the same fit, by construction. Coverage and push read the same lists.
//!
//! `Demand` is one consistent state (needs at one store generation, fits of one catalog version),
//! swapped whole, so readers never see a half-applied change. A write of a few needs computes their
//! lists at once; an import, or a new catalog version, leaves them to the background worker (both
//! cores), and until it is done answers name the catalog version their fits were computed on and say
//! they are not ready.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, RwLock, Weak};
use std::time::{Duration, Instant};

use duijie_core::demand::KeyPhrase;
use duijie_core::model::NeedRecord;
use duijie_core::{Filters, MatchOptions};
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::ApiError;
use crate::state::Catalog;
use crate::store::needs::{NeedChange, StoredNeeds};
use crate::store::{Store, StoreError};
use crate::worker::{lock, Signal};

/// How many resources each need's forward list keeps: at least the ten a forward answer shows.
pub const FORWARD: usize = 20;

/// Writes of at most this many needs compute their lists at once; larger ones leave them to the
/// background worker.
const COMPUTE_AT_ONCE: usize = 32;

pub use duijie_core::demand::Fit;

/// What is computed for a need on one catalog: its forward list and its key phrases (for themes).
#[derive(Clone, Debug, PartialEq)]
pub struct Forward {
    /// Its best `FORWARD` resources of the catalog, best first.
    pub fits: Vec<Fit>,
    /// Its key phrases on the catalog (`Matcher::key_phrases`).
    pub phrases: Vec<KeyPhrase>,
}

/// A stored need and its forward list.
#[derive(Clone, Debug)]
pub struct Entry {
    pub need: Arc<NeedRecord>,
    /// Its forward list and key phrases on `Demand::catalog`; `None` until computed.
    pub fits: Option<Arc<Forward>>,
}

/// One need of a resource's reverse list.
#[derive(Clone, Debug)]
pub struct Reverse {
    pub score: f64,
    pub need: Arc<NeedRecord>,
}

/// One consistent state of the demand side.
#[derive(Clone)]
pub struct Demand {
    /// The store generation of the needs.
    pub generation: i64,
    /// The catalog the fits were computed on.
    pub catalog: Arc<Catalog>,
    /// Every stored need, by id.
    pub needs: BTreeMap<Arc<str>, Entry>,
    /// By resource position in `catalog`: the needs whose forward list holds it, best fit first,
    /// ties by need id.
    reverse: Vec<Arc<[Reverse]>>,
    /// How many needs have no forward list yet.
    pending: usize,
}

/// Whether the fits are computed for every need on the current catalog.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct FitsStatus {
    /// The catalog version the fits (forward lists and reverse index) were computed on.
    pub catalog_version: String,
    /// True when every need's list is computed on the catalog the service serves now.
    pub ready: bool,
    /// Needs whose list on the current catalog is still to be computed.
    pub pending: usize,
}

impl Demand {
    fn new(catalog: Arc<Catalog>, stored: StoredNeeds) -> Demand {
        let needs: BTreeMap<Arc<str>, Entry> = stored
            .needs
            .into_iter()
            .map(|need| {
                (
                    Arc::from(need.id.as_str()),
                    Entry {
                        need: Arc::new(need),
                        fits: None,
                    },
                )
            })
            .collect();
        let pending = needs.len();
        Demand {
            generation: stored.generation,
            reverse: vec![Arc::from(Vec::new()); catalog.resources().len()],
            catalog,
            needs,
            pending,
        }
    }

    pub fn get(&self, id: &str) -> Option<&Entry> {
        self.needs.get(id)
    }

    /// The needs whose forward list holds the resource at `position` of `catalog`, best fit first.
    pub fn reverse(&self, position: usize) -> &[Reverse] {
        self.reverse.get(position).map_or(&[], |list| list)
    }

    /// Readiness against `latest`, the catalog the service serves now.
    pub fn status(&self, latest: &Catalog) -> FitsStatus {
        let current = same_catalog(&self.catalog, latest);
        FitsStatus {
            catalog_version: self.catalog.version().to_string(),
            ready: current && self.pending == 0,
            pending: if current {
                self.pending
            } else {
                self.needs.len()
            },
        }
    }

    /// This state after `change`, committed as `generation`: the lists of up to `COMPUTE_AT_ONCE`
    /// changed needs computed now (on `catalog`), those of more left pending.
    fn applied(&self, change: &NeedChange<'_>, generation: i64) -> Demand {
        let mut next = self.clone();
        next.generation = generation;
        match change {
            NeedChange::Replace(needs) => {
                next.needs.clear();
                next.reverse = vec![Arc::from(Vec::new()); self.catalog.resources().len()];
                next.pending = 0;
                next.insert(needs);
            }
            NeedChange::Upsert(needs) => next.insert(needs),
            NeedChange::Delete(id) => {
                if let Some(old) = next.needs.remove(*id) {
                    next.forget(&[old]);
                }
            }
        }
        next
    }

    fn insert(&mut self, needs: &[NeedRecord]) {
        let mut replaced: Vec<Entry> = Vec::new();
        let mut added: Vec<Arc<NeedRecord>> = Vec::with_capacity(needs.len());
        for need in needs {
            let need = Arc::new(need.clone());
            let entry = Entry {
                need: need.clone(),
                fits: None,
            };
            self.pending += 1;
            if let Some(old) = self.needs.insert(Arc::from(need.id.as_str()), entry) {
                replaced.push(old);
            }
            added.push(need);
        }
        self.forget(&replaced);
        if added.len() <= COMPUTE_AT_ONCE {
            for need in added {
                let fits = forward(&self.catalog, &need);
                if let Some(entry) = self.needs.get_mut(need.id.as_str()) {
                    if Arc::ptr_eq(&entry.need, &need) {
                        entry.fits = Some(fits.clone());
                        self.pending -= 1;
                        self.add(&need, &fits.fits);
                    }
                }
            }
        }
    }

    /// Takes needs that left (or were replaced) out of the reverse index.
    fn forget(&mut self, old: &[Entry]) {
        self.pending -= old.iter().filter(|entry| entry.fits.is_none()).count();
        let ids: std::collections::HashSet<&str> = old
            .iter()
            .filter(|entry| entry.fits.is_some())
            .map(|entry| entry.need.id.as_str())
            .collect();
        let mut positions: Vec<u32> = old
            .iter()
            .filter_map(|entry| entry.fits.as_deref())
            .flat_map(|forward| &forward.fits)
            .map(|fit| fit.resource)
            .collect();
        positions.sort_unstable();
        positions.dedup();
        for position in positions {
            let list = &mut self.reverse[position as usize];
            *list = list
                .iter()
                .filter(|entry| !ids.contains(entry.need.id.as_str()))
                .cloned()
                .collect();
        }
    }

    /// Puts a need's forward list into the reverse index.
    fn add(&mut self, need: &Arc<NeedRecord>, fits: &[Fit]) {
        for fit in fits {
            let list = &mut self.reverse[fit.resource as usize];
            let entry = Reverse {
                score: fit.score,
                need: need.clone(),
            };
            let at = list.partition_point(|other| reverse_order(other, &entry).is_lt());
            let mut grown = Vec::with_capacity(list.len() + 1);
            grown.extend_from_slice(&list[..at]);
            grown.push(entry);
            grown.extend_from_slice(&list[at..]);
            *list = Arc::from(grown);
        }
    }

    /// The forward lists of `computed` (needs by id, as they were when computed) set on the needs
    /// that are still those, with a reverse index rebuilt whole.
    fn with_fits(
        &self,
        catalog: Arc<Catalog>,
        computed: HashMap<&str, (&Arc<NeedRecord>, Arc<Forward>)>,
    ) -> Demand {
        let same = same_catalog(&self.catalog, &catalog);
        let mut pending = 0;
        let needs: BTreeMap<Arc<str>, Entry> = self
            .needs
            .iter()
            .map(|(id, entry)| {
                let fits = match computed.get(&**id) {
                    Some((need, fits)) if Arc::ptr_eq(need, &entry.need) => Some(fits.clone()),
                    // Computed on an earlier version of the need: its present list (on this
                    // catalog) stands, or it is still to be computed.
                    _ if same => entry.fits.clone(),
                    _ => None,
                };
                if fits.is_none() {
                    pending += 1;
                }
                (
                    id.clone(),
                    Entry {
                        need: entry.need.clone(),
                        fits,
                    },
                )
            })
            .collect();
        let reverse = build_reverse(&needs, catalog.resources().len());
        Demand {
            generation: self.generation,
            catalog,
            needs,
            reverse,
            pending,
        }
    }
}

/// Reverse lists are by fit, best first, then by need id.
fn reverse_order(a: &Reverse, b: &Reverse) -> std::cmp::Ordering {
    b.score
        .total_cmp(&a.score)
        .then_with(|| a.need.id.cmp(&b.need.id))
}

fn build_reverse(needs: &BTreeMap<Arc<str>, Entry>, n_resources: usize) -> Vec<Arc<[Reverse]>> {
    let mut lists: Vec<Vec<Reverse>> = vec![Vec::new(); n_resources];
    for entry in needs.values() {
        for fit in entry.fits.iter().flat_map(|forward| forward.fits.iter()) {
            lists[fit.resource as usize].push(Reverse {
                score: fit.score,
                need: entry.need.clone(),
            });
        }
    }
    lists
        .into_iter()
        .map(|mut list| {
            list.sort_by(reverse_order);
            Arc::from(list)
        })
        .collect()
}

/// Two catalogs with the same version hold the same resources in the same order (by id) and the
/// same weights, so fits computed on one hold for the other.
fn same_catalog(a: &Catalog, b: &Catalog) -> bool {
    a.version() == b.version() && a.resources().len() == b.resources().len()
}

/// A need's forward list on `catalog`: what `POST /api/v1/match` ranks first for it, without
/// explanations (they change no fit); and its key phrases.
pub fn forward(catalog: &Catalog, need: &NeedRecord) -> Arc<Forward> {
    let options = MatchOptions {
        top: FORWARD,
        explain: 0,
        filters: Filters::default(),
    };
    let need = need.need();
    let fits = catalog
        .matcher
        .match_need(&need, &options)
        .iter()
        .filter_map(|result| {
            Some(Fit {
                resource: catalog.position(&result.id)? as u32,
                score: result.score,
            })
        })
        .collect();
    Arc::new(Forward {
        fits,
        phrases: catalog.matcher.key_phrases(&need),
    })
}

/// The forward lists of `needs` on `catalog`, on every core; `done` counts the needs computed.
/// While `held` is not 0 (precise push derives a change), no next block of needs is begun.
pub fn forward_all(
    catalog: &Catalog,
    needs: &[Arc<NeedRecord>],
    done: &AtomicUsize,
    held: &AtomicUsize,
) -> Vec<Arc<Forward>> {
    const BLOCK: usize = 64;
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let next = AtomicUsize::new(0);
    let mut blocks: Vec<(usize, Vec<Arc<Forward>>)> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    let mut blocks = Vec::new();
                    loop {
                        while held.load(Ordering::SeqCst) > 0 {
                            std::thread::sleep(Duration::from_millis(20));
                        }
                        let start = next.fetch_add(BLOCK, Ordering::Relaxed);
                        if start >= needs.len() {
                            return blocks;
                        }
                        let end = (start + BLOCK).min(needs.len());
                        let lists = needs[start..end]
                            .iter()
                            .map(|need| forward(catalog, need))
                            .collect();
                        done.fetch_add(end - start, Ordering::Relaxed);
                        blocks.push((start, lists));
                    }
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
    blocks.sort_by_key(|(start, _)| *start);
    blocks.into_iter().flat_map(|(_, lists)| lists).collect()
}

/// The need with `updated_at` set to now when it has none: when it was last written.
pub fn stamped(mut need: NeedRecord) -> NeedRecord {
    if need.updated_at.is_none() {
        need.updated_at = Some(duijie_core::time::format_utc(
            crate::engagement::now_seconds(),
        ));
    }
    need
}

/// Who reads: what they may see of a need.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Viewer {
    /// No token: public needs, without contact.
    Anonymous,
    /// A broker: every need, without contact.
    Member,
    /// An editor or admin: every need, with contact.
    Writer,
    /// An enterprise: its own needs only, with contact.
    Enterprise(String),
}

impl Viewer {
    pub fn of(caller: Option<&crate::auth::Caller>) -> Viewer {
        use crate::auth::Scope;
        match caller {
            None => Viewer::Anonymous,
            Some(caller) => match caller.scope {
                Scope::Admin | Scope::Editor => Viewer::Writer,
                Scope::Broker => Viewer::Member,
                Scope::Enterprise => {
                    Viewer::Enterprise(caller.organization.clone().unwrap_or_default())
                }
            },
        }
    }

    /// Whether the need belongs to this enterprise.
    pub fn owns(&self, need: &NeedRecord) -> bool {
        matches!(self, Viewer::Enterprise(organization) if *organization == need.organization)
    }

    /// Whether lists show this need to the viewer.
    pub fn sees(&self, need: &NeedRecord) -> bool {
        match self {
            Viewer::Anonymous => need.visibility == duijie_core::model::Visibility::Public,
            Viewer::Member | Viewer::Writer => true,
            Viewer::Enterprise(_) => self.owns(need),
        }
    }

    /// Whether the viewer sees the need's contact.
    pub fn sees_contact(&self, need: &NeedRecord) -> bool {
        matches!(self, Viewer::Writer) || self.owns(need)
    }

    /// The need as this viewer may read it (without contact unless allowed).
    pub fn view(&self, need: &NeedRecord) -> NeedRecord {
        if self.sees_contact(need) {
            need.clone()
        } else {
            need.public()
        }
    }

    /// Reading one need by id. A members' need that the viewer may not read answers as a missing
    /// one (`no_need`), without a token or for another organisation's enterprise: 401 or 403 there
    /// told an outsider that the need exists, and ids made from an organisation and a title can
    /// be computed. An enterprise reading another's public need, which anyone may list, is 403.
    pub fn may_read(&self, need: &NeedRecord) -> Result<(), ApiError> {
        let public = need.visibility == duijie_core::model::Visibility::Public;
        match self {
            Viewer::Anonymous if !public => Err(no_need(&need.id)),
            Viewer::Enterprise(_) if !self.owns(need) && !public => Err(no_need(&need.id)),
            Viewer::Enterprise(_) if !self.owns(need) => {
                Err(ApiError::Forbidden("enterprise".to_string()))
            }
            _ => Ok(()),
        }
    }
}

/// The answer for a need id with no need the caller may read: 404.
pub fn no_need(id: &str) -> ApiError {
    ApiError::NotFound(format!("no need with id '{id}'"))
}

/// The demand side of a running service: the current `Demand`, writes, and the background worker
/// that computes the forward lists. A clone shares them.
#[derive(Clone)]
pub struct DemandState {
    shared: Arc<Shared>,
}

struct Shared {
    current: RwLock<Arc<Demand>>,
    /// Serialises writes (and the worker's swaps), so each starts from the state the last left.
    write_lock: Mutex<()>,
    /// The catalog the service serves now, which the worker computes the lists on.
    latest: Mutex<Arc<Catalog>>,
    /// Raised when there is work; the worker waits on it.
    signal: Signal,
    /// How many holds (`DemandState::hold`) are taken: while any is, the lists wait.
    held: AtomicUsize,
}

/// While it lives, the demand worker begins no next block of lists (`DemandState::hold`).
pub struct Hold {
    shared: Arc<Shared>,
}

impl Drop for Hold {
    fn drop(&mut self) {
        self.shared.held.fetch_sub(1, Ordering::SeqCst);
    }
}

impl DemandState {
    /// The needs `stored` on `catalog`, with a worker thread that computes their lists (and
    /// recomputes them when the catalog changes); it ends when the state is dropped.
    pub fn start(catalog: Arc<Catalog>, stored: StoredNeeds) -> DemandState {
        let shared = Arc::new(Shared {
            current: RwLock::new(Arc::new(Demand::new(catalog.clone(), stored))),
            write_lock: Mutex::new(()),
            latest: Mutex::new(catalog),
            signal: Signal::default(),
            held: AtomicUsize::new(0),
        });
        shared.signal.raise();
        let weak = Arc::downgrade(&shared);
        std::thread::Builder::new()
            .name("duijie-demand".to_string())
            .spawn(move || worker(weak))
            .expect("a thread for the demand worker");
        DemandState { shared }
    }

    /// The current state. Cheap: one `Arc` clone.
    pub fn current(&self) -> Arc<Demand> {
        self.shared.current()
    }

    /// Holds the lists back: until the hold is dropped, the worker begins no next block of needs
    /// (64), leaving the cores to precise push, whose deliveries wait on its derive, while
    /// nothing waits on the lists but their own readers, which are told they are not ready.
    pub fn hold(&self) -> Hold {
        self.shared.held.fetch_add(1, Ordering::SeqCst);
        Hold {
            shared: self.shared.clone(),
        }
    }

    /// The catalog the service now serves: the lists follow it in the background.
    pub fn follow(&self, catalog: Arc<Catalog>) {
        *lock(&self.shared.latest) = catalog;
        self.shared.wake();
    }

    /// Readiness of the current state against the catalog the service serves now.
    pub fn status(&self) -> FitsStatus {
        let latest = lock(&self.shared.latest).clone();
        self.current().status(&latest)
    }

    /// Applies a change: checks it against the current state, commits it (one transaction), then
    /// swaps in the new state. Blocking: run it in `web::block`. A store changed by another process
    /// since this one read it is reloaded and the write redone.
    pub fn write(
        &self,
        store: &Store,
        change: NeedChange<'_>,
        check: impl Fn(&Demand) -> Result<(), ApiError>,
    ) -> Result<Arc<Demand>, ApiError> {
        let _guard = lock(&self.shared.write_lock);
        for _attempt in 0..3 {
            let current = self.current();
            check(&current)?;
            match store.apply_needs(&change, Some(current.generation)) {
                Ok((generation, true)) => {
                    let next = Arc::new(current.applied(&change, generation));
                    self.shared.swap(next.clone());
                    if next.pending > 0 {
                        self.shared.wake();
                    }
                    return Ok(next);
                }
                Ok((_, false)) => {
                    return Err(ApiError::NotFound("no such need".to_string()));
                }
                Err(StoreError::Stale) => self.reload_locked(store)?,
                Err(error) => return Err(error.into()),
            }
        }
        Err(ApiError::Internal(
            "the stored needs kept changing under this write".into(),
        ))
    }

    /// Reloads the needs when the store's generation differs from the one in memory (another
    /// replica, or `duijie needs import`, changed them). Returns whether it reloaded.
    pub fn reload_if_changed(&self, store: &Store) -> Result<bool, ApiError> {
        if store.need_generation()? == self.current().generation {
            return Ok(false);
        }
        let _guard = lock(&self.shared.write_lock);
        self.reload_locked(store)?;
        Ok(true)
    }

    /// Reads every stored need; needs unchanged keep their lists. The caller holds `write_lock`.
    fn reload_locked(&self, store: &Store) -> Result<(), ApiError> {
        let stored = store.needs()?;
        let current = self.current();
        let mut next = Demand::new(
            current.catalog.clone(),
            StoredNeeds {
                generation: stored.generation,
                needs: Vec::new(),
            },
        );
        next.needs = stored
            .needs
            .into_iter()
            .map(|need| {
                let entry = match current.needs.get(need.id.as_str()) {
                    Some(entry) if *entry.need == need => entry.clone(),
                    _ => Entry {
                        need: Arc::new(need),
                        fits: None,
                    },
                };
                (Arc::from(entry.need.id.as_str()), entry)
            })
            .collect();
        next.pending = next
            .needs
            .values()
            .filter(|entry| entry.fits.is_none())
            .count();
        next.reverse = build_reverse(&next.needs, next.catalog.resources().len());
        self.shared.swap(Arc::new(next));
        self.shared.wake();
        Ok(())
    }

    /// Blocks until every list is computed on the current catalog, or `timeout` passes; returns
    /// whether they are. For the command line and benchmarks.
    pub fn wait_ready(&self, timeout: Duration) -> bool {
        let started = Instant::now();
        while started.elapsed() < timeout {
            if self.status().ready {
                return true;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        self.status().ready
    }
}

impl Shared {
    fn current(&self) -> Arc<Demand> {
        self.current
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    fn swap(&self, demand: Arc<Demand>) {
        *self
            .current
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = demand;
    }

    fn wake(&self) {
        self.signal.raise();
    }

    /// Brings the lists up to date with the latest catalog, then computes the pending ones.
    fn work(&self) {
        loop {
            let latest = lock(&self.latest).clone();
            let current = self.current();
            let needs: Vec<Arc<NeedRecord>> = if same_catalog(&current.catalog, &latest) {
                if current.pending == 0 {
                    if !Arc::ptr_eq(&current.catalog, &latest) {
                        // The same version built again (a reload): the lists hold as they are.
                        let _guard = lock(&self.write_lock);
                        let mut next = (*self.current()).clone();
                        if same_catalog(&next.catalog, &latest) {
                            next.catalog = latest;
                            self.swap(Arc::new(next));
                        }
                    }
                    return;
                }
                current
                    .needs
                    .values()
                    .filter(|entry| entry.fits.is_none())
                    .map(|entry| entry.need.clone())
                    .collect()
            } else {
                current
                    .needs
                    .values()
                    .map(|entry| entry.need.clone())
                    .collect()
            };
            let started = Instant::now();
            let done = AtomicUsize::new(0);
            let lists = forward_all(&latest, &needs, &done, &self.held);
            let computed: HashMap<&str, (&Arc<NeedRecord>, Arc<Forward>)> = needs
                .iter()
                .zip(lists)
                .map(|(need, fits)| (need.id.as_str(), (need, fits)))
                .collect();
            let _guard = lock(&self.write_lock);
            let next = self.current().with_fits(latest.clone(), computed);
            if !needs.is_empty() {
                eprintln!(
                    "duijie serve: forward lists of {} needs on catalog {} computed in {} ms; {} pending",
                    needs.len(),
                    latest.version(),
                    started.elapsed().as_millis(),
                    next.pending
                );
            }
            self.swap(Arc::new(next));
        }
    }
}

/// The worker: waits for work, does it, and ends once the state is dropped.
fn worker(shared: Weak<Shared>) {
    loop {
        let Some(strong) = shared.upgrade() else {
            return;
        };
        if strong.signal.wait(Duration::from_millis(500)) {
            strong.work();
        }
    }
}
