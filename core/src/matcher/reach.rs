//! Which needs a catalog change can reach: an exact test, far cheaper than a match, of whether a
//! need's match could return one of a few resources with at least a given fit. Precise push asks it
//! of every subscribed need after each change and matches only those it cannot rule out.
//!
//! A resource is a result only if stage one found it (`text_candidates`): it holds one of the
//! terms walked in full (every term rarer than `common_frequency` that is not a refining character,
//! and the first term walked when none is), or lists one of the need's keyword phrases. A need
//! with neither terms nor phrases takes every resource the filters let through
//! (`structured_candidates`). And its fit is at most what its components give with the text
//! evidence of every need term it holds (evidence only grows with more terms), its exact keyword
//! and structured components, and full support from the related keywords and the inferred
//! discipline, which depend on the other candidates. A resource that fails either cannot be
//! returned, whatever the rest of the catalog.

use crate::index::Csr;
use crate::matcher::components::{keyword_component, keywords_apply, text_value, Scores};
use crate::matcher::feedback::Prior;
use crate::matcher::query::Query;
use crate::matcher::retrieval::{short_share, text_evidence, Candidate};
use crate::matcher::{Filters, MatchOptions, Matcher};
use crate::model::Need;
use crate::score::MatchResult;

/// Room left for rounding when an upper bound of a fit is compared with a threshold: the bound
/// adds the same numbers in the same order as the fit does, and more of them, but a division or
/// square root rounded the other way must never rule out a resource.
const ROUNDING_ROOM: f64 = 1e-9;

/// A few resources of a catalog (a change's: those it added or changed), indexed as stage one
/// reads them: for each term and keyword phrase, which of them hold it.
pub struct ChangeSet {
    /// The resources, by position in the catalog.
    docs: Vec<u32>,
    /// Per term id: the resources holding it, as indexes into `docs`, with their BM25F impact.
    terms: Csr<(u32, f32)>,
    /// Per keyword phrase id: the resources listing it as a keyword, as indexes into `docs`, so
    /// that a need's phrases are looked up rather than every resource's keywords scanned.
    phrases: Csr<u32>,
}

impl ChangeSet {
    /// How many resources it holds.
    pub fn len(&self) -> usize {
        self.docs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.docs.is_empty()
    }
}

/// One resource's sums over the need's terms.
#[derive(Clone, Copy, Default)]
struct Sums {
    text: f64,
    cover: f64,
    found: bool,
    /// Whether a term or phrase of the need reached it (it is then in the list of those reached).
    reached: bool,
}

impl Matcher {
    /// The resources of this catalog with these ids (ids it does not hold are left out), for
    /// `could_rank`. One pass over the index's postings.
    pub fn change_set<'a>(&self, ids: impl IntoIterator<Item = &'a str>) -> ChangeSet {
        let mut docs: Vec<u32> = ids
            .into_iter()
            .filter_map(|id| self.ids.get(id).copied())
            .collect();
        docs.sort_unstable();
        docs.dedup();
        let mut slot = vec![u32::MAX; self.resources.len()];
        for (k, &doc) in docs.iter().enumerate() {
            slot[doc as usize] = k as u32;
        }
        let n_terms = self.index.postings.offsets.len().saturating_sub(1);
        let mut terms = Csr {
            offsets: Vec::with_capacity(n_terms + 1),
            items: Vec::new(),
        };
        terms.offsets.push(0);
        for term in 0..n_terms {
            let range = self.index.posting_range(term as u32);
            for (&doc, &impact) in self.index.postings.items[range.clone()]
                .iter()
                .zip(&self.impacts[range])
            {
                let k = slot[doc as usize];
                if k != u32::MAX {
                    terms.items.push((k, impact));
                }
            }
            terms.offsets.push(terms.items.len() as u64);
        }
        let mut listed: Vec<(u32, u32)> = docs
            .iter()
            .enumerate()
            .flat_map(|(k, &doc)| {
                self.index
                    .doc_phrases
                    .row(doc as usize)
                    .iter()
                    .map(move |&phrase| (phrase, k as u32))
            })
            .collect();
        listed.sort_unstable();
        listed.dedup();
        let mut phrases = Csr {
            offsets: Vec::with_capacity(self.index.phrase_keys.len() + 1),
            items: Vec::with_capacity(listed.len()),
        };
        phrases.offsets.push(0);
        let mut next = listed.iter().peekable();
        for phrase in 0..self.index.phrase_keys.len() as u32 {
            while let Some(&(_, k)) = next.next_if(|&&(id, _)| id == phrase) {
                phrases.items.push(k);
            }
            phrases.offsets.push(phrases.items.len() as u64);
        }
        ChangeSet {
            docs,
            terms,
            phrases,
        }
    }

    /// Whether `match_need(need, options)` with these `filters`, any `top` and any `explain`,
    /// could return a resource of `set` with a fit of at least `min_fit`. False means it cannot
    /// (exactly: see the module's note); true means it may, and only a match tells. Costs one
    /// analysis of the need and a walk of the set's part of the need's postings.
    pub fn could_rank(
        &self,
        need: &Need,
        filters: &Filters,
        set: &ChangeSet,
        min_fit: f64,
    ) -> bool {
        if set.is_empty() {
            return false;
        }
        let Some(filters) = filters.narrowed_by(need) else {
            return false;
        };
        self.reaches(need, &self.analyze(need), &filters, set, min_fit)
    }

    /// `could_rank(need, &options.filters, set, min_fit)`, then, unless it is false,
    /// `match_need_explaining(need, options, explain)`: the same answers, on one analysis of the
    /// need instead of two. None when `could_rank` rules the need out.
    pub fn match_if_reachable(
        &self,
        need: &Need,
        options: &MatchOptions,
        set: &ChangeSet,
        min_fit: f64,
        explain: impl Fn(usize, &MatchResult) -> bool,
    ) -> Option<Vec<MatchResult>> {
        if set.is_empty() {
            return None;
        }
        let filters = options.filters.narrowed_by(need)?;
        let query = self.analyze(need);
        self.reaches(need, &query, &filters, set, min_fit)
            .then(|| self.match_analyzed(need, query, options, explain))
    }

    /// `could_rank` on the need's analysis, with `filters` already narrowed by the need.
    fn reaches(
        &self,
        need: &Need,
        query: &Query,
        filters: &Filters,
        set: &ChangeSet,
        min_fit: f64,
    ) -> bool {
        let filtered = !filters.is_empty();
        // A need with neither terms nor phrases takes every resource the filters let through.
        let structured = query.terms.is_empty() && query.phrases.is_empty();
        let mut sums = vec![Sums::default(); set.docs.len()];
        // The resources some term or phrase of the need reached: only they can be found.
        let mut reached: Vec<u32> = Vec::new();
        // As `text_candidates` walks: a term walked in full finds resources, a common or refining
        // term only adds to those found, unless none was found before it. With filters, a term may
        // find nothing that passes them, so every term counts as walked in full.
        let common = self.common_frequency();
        let mut found_some = false;
        for term in &query.terms {
            let in_full = !((term.refines || term.frequency > common) && found_some);
            for &(k, impact) in set.terms.row(term.id as usize) {
                let sums = &mut sums[k as usize];
                if !sums.reached {
                    sums.reached = true;
                    reached.push(k);
                }
                sums.found |= in_full;
                sums.text += term.weight * f64::from(impact);
                sums.cover += term.weight;
            }
            if !filtered && term.frequency > 0 {
                found_some = true;
            }
        }
        // A resource listing one of the need's phrases as a keyword is found (its own keywords:
        // `doc_phrases`, indexed by phrase in the set).
        for id in query.phrases.iter().filter_map(|phrase| phrase.id) {
            for &k in set.phrases.row(id as usize) {
                let sums = &mut sums[k as usize];
                if !sums.reached {
                    sums.reached = true;
                    reached.push(k);
                }
                sums.found = true;
            }
        }
        if structured {
            reached = (0..set.docs.len() as u32).collect();
        }
        let short = short_share(query);
        let prior = Prior::default();
        // Bounds that cost no look at the resource, which most resources fail: every component
        // but the text (and then the keywords) at its most, 1.
        let loose = |text: Option<f64>, keywords: Option<f64>| {
            self.fit(&Scores {
                text,
                keywords,
                related: Some(1.0),
                discipline: (!need.disciplines.is_empty()).then_some(1.0),
                inferred: need.disciplines.is_empty().then_some(1.0),
                industry: (!need.industries.is_empty()).then_some(1.0),
                region: need.region.is_some().then_some(1.0),
                maturity: need.min_maturity.is_some().then_some(1.0),
                modes: (!need.modes.is_empty()).then_some(1.0),
            })
        };
        let most_keywords = keywords_apply(query).then_some(1.0);
        reached.iter().any(|&k| {
            let (doc, sums) = (set.docs[k as usize], &sums[k as usize]);
            if !(structured || sums.found) {
                return false;
            }
            let text_raw = text_evidence(query, short, sums.text, sums.cover);
            let text = text_value(query, text_raw);
            if loose(text, most_keywords) + ROUNDING_ROOM < min_fit
                || (filtered && !filters.passes(&self.resources[doc as usize]))
            {
                return false;
            }
            let mut candidate = Candidate {
                doc,
                text_raw,
                ..Candidate::default()
            };
            candidate.keyword_raw = self.keyword_value(query, &candidate);
            let keywords = keyword_component(query, candidate.keyword_raw);
            if loose(text, keywords) + ROUNDING_ROOM < min_fit {
                return false;
            }
            // Then the structured components, exactly (taxonomy look-ups).
            let mut scores = self.score(need, query, &prior, &candidate);
            // Full support from what the other candidates vote: at most 1 each, and only ever
            // raising the fit.
            scores.related = Some(1.0);
            if need.disciplines.is_empty() {
                scores.inferred = Some(1.0);
            }
            self.fit(&scores) + ROUNDING_ROOM >= min_fit
        })
    }
}
