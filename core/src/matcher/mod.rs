//! The matcher: a catalog version, its resources and their index, and top-k matching of needs.
//!
//! Matching runs in two stages. Stage one walks the posting lists of the need's terms (rarest first)
//! and of the catalog keyword phrases found in the need, accumulating field-weighted BM25 (BM25F) and
//! exact keyword evidence for the resources that contain them; it never touches a resource that shares
//! nothing with the need. Stage two takes the best few hundred of those and scores every component
//! (text, keywords with near-miss credit, discipline, industry, region, maturity, modes), then sorts by
//! fit and breaks ties by id.
//!
//! One file per concern: need analysis in `query.rs`, stage one in `retrieval.rs`, stage two in
//! `components.rs` (with the evidence of the best text matches in `feedback.rs`), the hard filters in
//! `filters.rs`, explanations in `explain/`, the catalog version in `version.rs`, and which needs a
//! few resources can reach (for push) in `reach.rs`.

mod bits;
mod components;
mod explain;
mod feedback;
mod filters;
mod query;
mod reach;
mod retrieval;
mod version;

use std::future::Future;

#[cfg(feature = "serde")]
use serde::{Deserialize, Serialize};

use crate::index::{Analysis, FxMap, Index, N_FIELDS};
use crate::matcher::components::Scores;
use crate::matcher::explain::ExplainContext;
use crate::matcher::query::Query;
use crate::matcher::retrieval::SCRATCH;
use crate::model::{Need, Resource};
use crate::pause::{no_pause, run_ready};
use crate::score::{MatchResult, Weights};

pub use crate::matcher::filters::Filters;
pub use crate::matcher::reach::ChangeSet;
pub use crate::matcher::version::catalog_version;

/// How to match.
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(
    feature = "serde",
    derive(Serialize, Deserialize),
    serde(default, deny_unknown_fields)
)]
pub struct MatchOptions {
    /// How many results to return (at most `MAX_TOP`).
    pub top: usize,
    /// How many of them, best first, carry their matched terms and reasons; the others carry
    /// their score and components only. Explaining is a large share of a match (highlighting
    /// reads each result's whole text), and a caller that shows ten results, or only counts them,
    /// need not pay for the rest. Default: all.
    pub explain: usize,
    pub filters: Filters,
}

impl Default for MatchOptions {
    fn default() -> MatchOptions {
        MatchOptions {
            top: 10,
            explain: usize::MAX,
            filters: Filters::default(),
        }
    }
}

/// Longest result list one call returns.
pub const MAX_TOP: usize = 1000;

/// BM25 saturation.
const K1: f64 = 2.0;
/// Per field: weight in the combined term frequency, and length normalisation `b`.
/// Title, keywords, body, lead (the summary's first sentence, whose terms count in the body too).
const FIELD_WEIGHTS: [f64; N_FIELDS] = [2.5, 2.5, 1.0, 1.0];
const FIELD_B: [f64; N_FIELDS] = [0.5, 0.5, 0.75, 0.5];

/// A catalog version ready to match against.
pub struct Matcher {
    version: String,
    weights: Weights,
    resources: Vec<Resource>,
    index: Index,
    ids: FxMap<String, u32>,
    /// Per posting (aligned with the index's postings): the BM25F saturation of the term in the
    /// resource, `c / (K1 + c)` with `c` the field-weighted, length-normalised term frequency. Kept
    /// instead of the frequencies: stage one then reads one number per posting, in order, rather
    /// than the resource's field norms at a random place.
    impacts: Vec<f32>,
    /// Each resource's position in id order: ties break by id, so scores never depend on the order
    /// the catalog was loaded in.
    id_rank: Vec<u32>,
}

/// Per resource, each field's weight over its length normalisation (BM25F's `w / (1 - b + b·l/avg)`).
fn field_norms(index: &Index) -> Vec<[f64; N_FIELDS]> {
    (0..index.n_docs)
        .map(|doc| {
            std::array::from_fn(|field| {
                let length = f64::from(index.lengths[field][doc]);
                let average = index.average_lengths[field];
                FIELD_WEIGHTS[field] / (1.0 - FIELD_B[field] + FIELD_B[field] * length / average)
            })
        })
        .collect()
}

/// One posting's impact: `c / (K1 + c)`, `c` its field frequencies weighted by `norms`.
fn impact(norms: &[f64; N_FIELDS], tf: crate::index::PackedTf) -> f32 {
    let mut combined = 0.0;
    for (field, norm) in norms.iter().enumerate() {
        let frequency = tf.field(field);
        if frequency > 0 {
            combined += f64::from(frequency) * norm;
        }
    }
    (combined / (K1 + combined)) as f32
}

impl Matcher {
    /// Indexes `resources` (assumed valid: see `validate_resource`) under `version`.
    pub fn new(version: impl Into<String>, resources: Vec<Resource>, weights: Weights) -> Matcher {
        run_ready(Matcher::build_pausing(
            version.into(),
            resources,
            weights,
            &mut no_pause,
        ))
    }

    /// The matcher over `index` and its `impacts`: the resources' order by id, for ties.
    fn finish(
        version: String,
        weights: Weights,
        resources: Vec<Resource>,
        index: Index,
        impacts: Vec<f32>,
    ) -> Matcher {
        let mut by_id: Vec<u32> = (0..resources.len() as u32).collect();
        by_id.sort_by(|&a, &b| {
            resources[a as usize]
                .id
                .cmp(&resources[b as usize].id)
                .then(a.cmp(&b))
        });
        let mut id_rank = vec![0u32; resources.len()];
        for (rank, &doc) in by_id.iter().enumerate() {
            id_rank[doc as usize] = rank as u32;
        }
        let ids = resources
            .iter()
            .enumerate()
            .map(|(doc, resource)| (resource.id.clone(), doc as u32))
            .collect();
        Matcher {
            version,
            weights,
            resources,
            index,
            ids,
            impacts,
            id_rank,
        }
    }

    /// `new`, awaiting `pause()` every few resources so that a browser page can index on its own
    /// thread and still answer its broker (see `crate::pause`). The matcher is the same.
    pub async fn build_pausing<P, F>(
        version: String,
        resources: Vec<Resource>,
        weights: Weights,
        pause: &mut P,
    ) -> Matcher
    where
        P: FnMut() -> F,
        F: Future<Output = ()>,
    {
        let mut index = Index::build_pausing(&resources, pause).await;
        let field_norms = field_norms(&index);
        let tfs = std::mem::take(&mut index.tfs);
        const POSTINGS_PER_PAUSE: usize = 1 << 15;
        let mut impacts: Vec<f32> = Vec::with_capacity(tfs.len());
        for (docs, tfs) in index
            .postings
            .items
            .chunks(POSTINGS_PER_PAUSE)
            .zip(tfs.chunks(POSTINGS_PER_PAUSE))
        {
            impacts.extend(
                docs.iter()
                    .zip(tfs)
                    .map(|(&doc, &tf)| impact(&field_norms[doc as usize], tf)),
            );
            pause().await;
        }
        drop(tfs);
        drop(field_norms);
        Matcher::finish(version, weights, resources, index, impacts)
    }

    /// `new`, and the analysis `update` builds the matcher of the next catalog from (some memory,
    /// and none beyond `index::MAX_KEPT_RESOURCES`). The same matcher.
    pub fn new_updatable(
        version: impl Into<String>,
        resources: Vec<Resource>,
        weights: Weights,
    ) -> (Matcher, Option<Analysis>) {
        let (index, analysis) = Index::build_keeping(&resources);
        let matcher = Matcher::with_index(version.into(), resources, weights, index);
        (matcher, analysis)
    }

    /// The matcher of `resources` and its analysis, built from this one and its `analysis` (from
    /// `new_updatable` or `update`): the resources this one holds unchanged (same id, same content)
    /// are not analysed again, so a change of a few resources costs far less than `new`. The same
    /// matcher as `new` builds, scores and all.
    pub fn update(
        &self,
        analysis: &Analysis,
        version: impl Into<String>,
        resources: Vec<Resource>,
        weights: Weights,
    ) -> (Matcher, Option<Analysis>) {
        let (index, analysis) = self.index.update(
            analysis,
            &self.resources,
            |id| self.ids.get(id).copied(),
            &resources,
        );
        let matcher = Matcher::with_index(version.into(), resources, weights, index);
        (matcher, analysis)
    }

    /// The matcher over `index`, the index of `resources`: the end of `build_pausing`, for the
    /// builds that never pause (`new_updatable`, `update`). The widget's build writes its pausing
    /// loop out rather than calling this (a second future nested in it made the wasm widget about
    /// 2 KB (gzip) larger and over its budget); the rest is shared (`field_norms`, `impact`,
    /// `Matcher::finish`).
    fn with_index(
        version: String,
        resources: Vec<Resource>,
        weights: Weights,
        mut index: Index,
    ) -> Matcher {
        let field_norms = field_norms(&index);
        let tfs = std::mem::take(&mut index.tfs);
        let impacts = index
            .postings
            .items
            .iter()
            .zip(&tfs)
            .map(|(&doc, &tf)| impact(&field_norms[doc as usize], tf))
            .collect();
        Matcher::finish(version, weights, resources, index, impacts)
    }

    pub fn version(&self) -> &str {
        &self.version
    }

    pub fn weights(&self) -> &Weights {
        &self.weights
    }

    pub fn resources(&self) -> &[Resource] {
        &self.resources
    }

    pub fn len(&self) -> usize {
        self.resources.len()
    }

    pub fn is_empty(&self) -> bool {
        self.resources.is_empty()
    }

    /// The resource with this id.
    pub fn get(&self, id: &str) -> Option<&Resource> {
        self.ids.get(id).map(|&doc| &self.resources[doc as usize])
    }

    /// The position in `resources()` of the resource with this id.
    pub fn position(&self, id: &str) -> Option<usize> {
        self.ids.get(id).map(|&doc| doc as usize)
    }

    /// The disciplines the need's text is about, as voted by the resources that match it best: canonical
    /// codes with their share of the votes (summing to 1), the best first. Empty when the need names
    /// its disciplines.
    pub fn infer_disciplines(&self, need: &Need) -> Vec<(String, f64)> {
        let query = self.analyze(need);
        let candidates = SCRATCH
            .with(|scratch| self.text_candidates(&query, None, MAX_TOP, &mut scratch.borrow_mut()));
        let mut inferred: Vec<(String, f64)> = self
            .discipline_prior(need, &candidates, &self.by_text(&candidates))
            .disciplines
            .into_iter()
            .map(|(id, weight)| (self.index.discipline_codes[id as usize].clone(), weight))
            .collect();
        inferred.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        inferred
    }

    /// The best `options.top` resources for `need`, best first, ties broken by id.
    pub fn match_need(&self, need: &Need, options: &MatchOptions) -> Vec<MatchResult> {
        self.match_need_explaining(need, options, |rank, _| rank < options.explain)
    }

    /// `match_need`, explaining the results (0-based rank, unexplained result) that `explain`
    /// picks rather than the first `options.explain`: a caller that keeps only some results (push
    /// keeps the changed resources) explains those alone, in one match. Scores are the same.
    pub fn match_need_explaining(
        &self,
        need: &Need,
        options: &MatchOptions,
        explain: impl Fn(usize, &MatchResult) -> bool,
    ) -> Vec<MatchResult> {
        self.match_analyzed(need, self.analyze(need), options, explain)
    }

    /// `match_need_explaining` on the need's analysis (`analyze`), which precise push has made
    /// already to ask `could_rank` (`match_if_reachable`).
    pub(crate) fn match_analyzed(
        &self,
        need: &Need,
        query: Query,
        options: &MatchOptions,
        explain: impl Fn(usize, &MatchResult) -> bool,
    ) -> Vec<MatchResult> {
        let top = options.top.clamp(1, MAX_TOP);
        let allowed = self.allowed(need, &options.filters);
        let mut candidates = SCRATCH.with(|scratch| {
            let mut scratch = scratch.borrow_mut();
            if query.terms.is_empty() && query.phrases.is_empty() {
                self.structured_candidates(need, allowed.as_ref(), top)
            } else {
                self.text_candidates(&query, allowed.as_ref(), top, &mut scratch)
            }
        });
        let by_text = self.by_text(&candidates);
        let prior = self.discipline_prior(need, &candidates, &by_text);
        let related = self.related_keywords(&candidates, &by_text);
        // Text and keyword evidence are absolute (a share of the need's term weight), so that a
        // fit means the same for every need; the related keywords, like the discipline prior, are
        // a share of the best text matches' votes.
        let mut query = query;
        let mut related_scale: f64 = 0.0;
        for candidate in &mut candidates {
            candidate.keyword_raw = self.keyword_value(&query, candidate);
            let value = self.related_value(&related, candidate.doc);
            related_scale = related_scale.max(value.vote);
            candidate.related_raw = value.keyed;
        }
        query.related_scale = related_scale;
        let scored: Vec<(f64, u32, Scores)> = candidates
            .iter()
            .map(|candidate| {
                let scores = self.score(need, &query, &prior, candidate);
                (self.fit(&scores), candidate.doc, scores)
            })
            .collect();
        // By fit, then id, then stage-one order (a stable sort's): the best `top` chosen first, so
        // only they are sorted, and by position, so the scores stay where they are.
        let order = |&a: &usize, &b: &usize| {
            let (fit_a, doc_a, _) = &scored[a];
            let (fit_b, doc_b, _) = &scored[b];
            fit_b
                .total_cmp(fit_a)
                .then_with(|| {
                    self.resources[*doc_a as usize]
                        .id
                        .cmp(&self.resources[*doc_b as usize].id)
                })
                .then(a.cmp(&b))
        };
        let mut best: Vec<usize> = (0..scored.len()).collect();
        if best.len() > top {
            best.select_nth_unstable_by(top - 1, order);
            best.truncate(top);
        }
        best.sort_unstable_by(order);
        let context = ExplainContext::new(need, &query, &related, &prior);
        best.into_iter()
            .enumerate()
            .map(|(rank, position)| {
                let (fit, doc, scores) = &scored[position];
                let result = self.components(*fit, *doc, scores);
                if explain(rank, &result) {
                    self.explain(&context, *doc, scores, result)
                } else {
                    result
                }
            })
            .collect()
    }
}
