//! Stage one: the resources that share terms or keyword phrases with the need (or, for a need with no
//! text, fit its structured fields), of which the best few hundred go on to stage two.

use std::cell::RefCell;

use crate::index::FxSet;
use crate::matcher::feedback::Prior;
use crate::matcher::query::Query;
use crate::matcher::Matcher;
use crate::model::Need;

/// A resource stage one found, with its evidence.
#[derive(Clone, Copy, Default)]
pub(crate) struct Candidate {
    pub(crate) doc: u32,
    pub(crate) text_raw: f64,
    pub(crate) stage_one: f64,
    /// The keyword evidence before scaling (`keyword_value`), set once stage two begins.
    pub(crate) keyword_raw: f64,
    /// The related-keyword evidence before scaling (`related_value`), set with `keyword_raw`.
    pub(crate) related_raw: f64,
}

/// Per-thread accumulators sized to the catalog, reused across needs so a match allocates little.
#[derive(Default)]
pub(crate) struct Scratch {
    epoch: u32,
    /// Per resource, its sums for the current need (valid where `stamp` is the current epoch): one
    /// place per resource, so a posting touches one cache line.
    slots: Vec<Slot>,
    touched: Vec<u32>,
}

thread_local! {
    pub(crate) static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

/// A term in more than this share of the catalog only adds to resources that rarer terms found.
const COMMON_TERM_SHARE: usize = 8;
/// Nor does a term in more than this many resources (an eighth of 100,000, so that nothing changes
/// up to that size): in a national catalog a term in 2% of it would find 20,000 resources, too
/// many to seed a top ten, and walking them was half of a match (1,000,000 generated resources:
/// p50 18.7 ms before, 9.4 ms after, recall@10 the same).
const COMMON_TERM_POSTINGS: usize = 12_500;
/// How many stage-one candidates stage two scores in full, at least.
const MIN_CANDIDATES: usize = 200;
/// Needs of at most this many terms (pairs and words) weigh coverage as its 1.5th power, of at
/// least `LONG_NEED_WORDS` as its square root (`text_candidates`). Eval-dev, from a plain share:
/// kw2 (two keywords) 0.9296 → 0.9311 nDCG@10, topic 0.3643 → 0.3706, field 0.3806 → 0.3904.
pub(crate) const SHORT_NEED_WORDS: f64 = 8.0;
const LONG_NEED_WORDS: f64 = 32.0;

impl Matcher {
    /// Stage one: resources sharing terms or keyword phrases with the need, best first by text and
    /// exact keyword evidence; at most a few hundred.
    #[inline(never)]
    pub(crate) fn text_candidates(
        &self,
        query: &Query,
        allowed: Option<&Vec<bool>>,
        top: usize,
        scratch: &mut Scratch,
    ) -> Vec<Candidate> {
        scratch.begin(self.index.n_docs);
        // The accumulators as locals, so that the posting loops keep the epoch and the slots'
        // place in registers rather than reading them again after every write to a slot.
        let epoch = scratch.epoch;
        let slots = scratch.slots.as_mut_slice();
        let touched = &mut scratch.touched;
        let common = self.common_frequency();
        for term in &query.terms {
            let range = self.index.posting_range(term.id);
            let docs = &self.index.postings.items[range.clone()];
            let impacts = &self.impacts[range];
            let only_found = (term.refines || term.frequency > common) && !touched.is_empty();
            for (&doc, &impact) in docs.iter().zip(impacts) {
                let doc_index = doc as usize;
                if allowed.is_some_and(|allowed| !allowed[doc_index]) {
                    continue;
                }
                let slot = &mut slots[doc_index];
                if slot.stamp != epoch {
                    if only_found {
                        continue;
                    }
                    *slot = Slot {
                        stamp: epoch,
                        ..Slot::default()
                    };
                    touched.push(doc);
                }
                slot.text += term.weight * f64::from(impact);
                slot.cover += term.weight;
            }
        }
        for phrase in &query.phrases {
            let Some(id) = phrase.id else { continue };
            for &doc in self.index.phrase_postings.row(id as usize) {
                let doc_index = doc as usize;
                if allowed.is_some_and(|allowed| !allowed[doc_index]) {
                    continue;
                }
                let slot = &mut slots[doc_index];
                if slot.stamp != epoch {
                    *slot = Slot {
                        stamp: epoch,
                        ..Slot::default()
                    };
                    touched.push(doc);
                }
                slot.phrase += phrase.weight;
            }
        }
        let text_scale = if query.total_weight > 0.0 {
            self.weights.text / query.total_weight
        } else {
            0.0
        };
        let phrase_scale = if query.total_phrase_weight > 0.0 {
            self.weights.keywords / query.total_phrase_weight
        } else {
            0.0
        };
        let short = short_share(query);
        let found = touched.iter().map(|&doc| {
            let slot = &slots[doc as usize];
            let text = text_evidence(query, short, slot.text, slot.cover);
            Candidate {
                doc,
                text_raw: text,
                stage_one: text * text_scale + slot.phrase * phrase_scale,
                keyword_raw: 0.0,
                related_raw: 0.0,
            }
        });
        // The best by text, and separately the best by keyword evidence, so that neither kind of
        // evidence can crowd the other out of stage two.
        let keep = MIN_CANDIDATES.max(top * 2);
        best_candidates(found, keep, keep / 4, &self.id_rank)
    }

    /// The document frequency above which a term only adds to resources that rarer terms found
    /// (unless none did before it): an eighth of the catalog, at most `COMMON_TERM_POSTINGS`, and
    /// none in a catalog no larger than the stage-two pool, which is scored in full, so nothing is
    /// pruned: there, a share of an eighth is one or two resources, and pruning would drop
    /// resources that share an even rarer term with the need than the first one walked.
    pub(crate) fn common_frequency(&self) -> usize {
        if self.index.n_docs <= MIN_CANDIDATES {
            usize::MAX
        } else {
            (self.index.n_docs / COMMON_TERM_SHARE).min(COMMON_TERM_POSTINGS)
        }
    }

    /// A need with no text: every allowed resource is a candidate, ranked by its structured fit.
    pub(crate) fn structured_candidates(
        &self,
        need: &Need,
        allowed: Option<&Vec<bool>>,
        top: usize,
    ) -> Vec<Candidate> {
        let says_something = !need.disciplines.is_empty()
            || !need.industries.is_empty()
            || need.region.is_some()
            || !need.modes.is_empty()
            || need.min_maturity.is_some()
            || !need.kinds.is_empty();
        if !says_something {
            return Vec::new();
        }
        let empty_query = Query::default();
        let prior = Prior::default();
        let mut candidates: Vec<(f64, Candidate)> = (0..self.resources.len() as u32)
            .filter(|&doc| allowed.is_none_or(|allowed| allowed[doc as usize]))
            .map(|doc| {
                let candidate = Candidate {
                    doc,
                    ..Candidate::default()
                };
                let fit = self.fit(&self.score(need, &empty_query, &prior, &candidate));
                (fit, candidate)
            })
            .collect();
        let keep = MIN_CANDIDATES.max(top * 2);
        let order = |a: &(f64, Candidate), b: &(f64, Candidate)| {
            b.0.total_cmp(&a.0)
                .then(self.id_rank[a.1.doc as usize].cmp(&self.id_rank[b.1.doc as usize]))
        };
        if candidates.len() > keep {
            candidates.select_nth_unstable_by(keep - 1, order);
            candidates.truncate(keep);
        }
        candidates
            .into_iter()
            .map(|(_, candidate)| candidate)
            .collect()
    }
}

/// How much coverage counts for this need (`text_evidence`): as its 1.5th power for a need of a
/// few words (two keywords, each of which a match should hold), as its square root for a sentence
/// (no resource holds most of its words, and those it holds are not all of one weight); in
/// between, a blend. The share of the 1.5th power.
pub(crate) fn short_share(query: &Query) -> f64 {
    ((LONG_NEED_WORDS - query.words) / (LONG_NEED_WORDS - SHORT_NEED_WORDS)).clamp(0.0, 1.0)
}

/// A resource's text evidence from its sums over the need's terms (`text`: weight times impact;
/// `cover`: weight): BM25F times the share of the need's term weight the resource covers, so that
/// a resource with every term of the need beats one that repeats a few of them. Larger sums never
/// give less. (`sqrt` is correctly rounded everywhere, as `powf` is not.)
pub(crate) fn text_evidence(query: &Query, short: f64, text: f64, cover: f64) -> f64 {
    let coverage = if query.total_weight > 0.0 {
        cover / query.total_weight
    } else {
        0.0
    };
    let root = coverage.sqrt();
    text * (short * coverage * root + (1.0 - short) * root)
}

/// Stage one's choice: the best `keep` of `found` by text, and the best `keep_others` of the
/// others by stage one, sorted by stage one; ties go to the lower id (`id_rank`).
///
/// One pass, keeping two bounded selections: the best `keep` by text, and the best `keep +
/// keep_others` by stage one, which hold the chosen others (at most `keep` of them can be among the
/// best by text, so each chosen other has fewer than `keep + keep_others` resources before it).
fn best_candidates(
    found: impl Iterator<Item = Candidate>,
    keep: usize,
    keep_others: usize,
    id_rank: &[u32],
) -> Vec<Candidate> {
    let mut by_text = BestOf::new(keep, true);
    let mut by_stage_one = BestOf::new(keep + keep_others, false);
    for candidate in found {
        // Most are below both floors: one comparison each turns them away.
        if candidate.text_raw >= by_text.floor {
            by_text.offer(candidate.text_raw, candidate, id_rank);
        }
        if candidate.stage_one >= by_stage_one.floor {
            by_stage_one.offer(candidate.stage_one, candidate, id_rank);
        }
    }
    let mut chosen = by_text.into_vec();
    let in_text: FxSet<u32> = chosen.iter().map(|candidate| candidate.doc).collect();
    let mut others: Vec<Candidate> = by_stage_one
        .into_vec()
        .into_iter()
        .filter(|candidate| !in_text.contains(&candidate.doc))
        .collect();
    let order = |a: &Candidate, b: &Candidate| {
        b.stage_one
            .total_cmp(&a.stage_one)
            .then(id_rank[a.doc as usize].cmp(&id_rank[b.doc as usize]))
    };
    // The best `keep_others` of the others by a selection, not a sort: the order is total (ranks
    // differ), so they are the ones sorting would keep, and the sort below orders them.
    if others.len() > keep_others {
        if keep_others > 0 {
            others.select_nth_unstable_by(keep_others - 1, order);
        }
        others.truncate(keep_others);
    }
    chosen.extend(others);
    chosen.sort_by(order);
    chosen
}

/// The best `capacity` items offered, by key (larger first) and then by rank (smaller first).
///
/// Offers that may stay are appended to a buffer of twice `capacity`; when it is full, a
/// selection (`select_nth_unstable`, linear) keeps the best `capacity` and raises the floor to the
/// worst of them. The order is total (ranks differ), so the items kept are exactly the best, as a
/// full sort would give; appending and selecting now and then costs less than a bounded heap's
/// sift on every replacement (2.5% fewer instructions per match at 20,000 resources, bench/work.sh;
/// a buffer of three or six times `capacity` saved less or cost more).
struct BestOf {
    capacity: usize,
    /// Whether the key is the text evidence (else the stage-one score).
    by_text: bool,
    /// The key of the worst item kept at the last selection (else -inf; +inf when it may hold
    /// nothing): an offer below it cannot stay.
    floor: f64,
    items: Vec<Ranked>,
    /// The buffer's length that triggers a selection.
    limit: usize,
}

/// A buffered item, small so that selecting moves little: the key (as `worse_first`), the other
/// stage-one score, the resource and its id rank.
struct Ranked {
    order: u64,
    other: f64,
    doc: u32,
    rank: u32,
}

impl Ranked {
    fn key(&self) -> f64 {
        key_of(self.order)
    }
}

impl Ord for Ranked {
    /// Worse is greater: a smaller key, or the same key and a larger rank.
    fn cmp(&self, other: &Ranked) -> std::cmp::Ordering {
        self.order
            .cmp(&other.order)
            .then(self.rank.cmp(&other.rank))
    }
}

/// A key as an integer that orders as `f64::total_cmp` orders the keys, reversed (a larger key is
/// a smaller integer): computed once per offer, so that a selection compares integers.
/// `total_cmp`'s own transform flips the bits other than the sign of a negative number; flipping
/// the sign bit too orders them as unsigned integers, and flipping every bit reverses that.
fn worse_first(key: f64) -> u64 {
    let bits = key.to_bits();
    let ascending = if bits >> 63 == 1 {
        !bits
    } else {
        bits | 1 << 63
    };
    !ascending
}

/// The key `worse_first` was given.
fn key_of(order: u64) -> f64 {
    let ascending = !order;
    f64::from_bits(if ascending >> 63 == 1 {
        ascending & !(1 << 63)
    } else {
        !ascending
    })
}

impl PartialOrd for Ranked {
    fn partial_cmp(&self, other: &Ranked) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Ranked {
    fn eq(&self, other: &Ranked) -> bool {
        self.cmp(other).is_eq()
    }
}

impl Eq for Ranked {}

impl BestOf {
    fn new(capacity: usize, by_text: bool) -> BestOf {
        let limit = 2 * capacity + 64;
        BestOf {
            capacity,
            by_text,
            floor: if capacity == 0 {
                f64::INFINITY
            } else {
                f64::NEG_INFINITY
            },
            items: Vec::with_capacity(limit),
            limit,
        }
    }

    /// Offers a candidate under `key`, which the caller has checked against `floor` (one
    /// comparison, before the call); its rank is read (at a random place) only then.
    fn offer(&mut self, key: f64, candidate: Candidate, id_rank: &[u32]) {
        let ranked = Ranked {
            order: worse_first(key),
            other: if self.by_text {
                candidate.stage_one
            } else {
                candidate.text_raw
            },
            doc: candidate.doc,
            rank: id_rank[candidate.doc as usize],
        };
        self.items.push(ranked);
        if self.items.len() >= self.limit {
            self.select();
        }
    }

    /// Keeps the best `capacity` items (in no particular order) and raises the floor to the worst
    /// of them.
    fn select(&mut self) {
        if self.items.len() <= self.capacity || self.capacity == 0 {
            self.items.truncate(self.capacity);
            return;
        }
        // `Ranked` orders worse as greater: the first `capacity` are then the best.
        self.items.select_nth_unstable(self.capacity - 1);
        self.items.truncate(self.capacity);
        self.floor = self.items[self.capacity - 1].key();
    }

    fn into_vec(mut self) -> Vec<Candidate> {
        self.select();
        self.items
            .into_iter()
            .map(|ranked| {
                let (text_raw, stage_one) = if self.by_text {
                    (ranked.key(), ranked.other)
                } else {
                    (ranked.other, ranked.key())
                };
                Candidate {
                    doc: ranked.doc,
                    text_raw,
                    stage_one,
                    keyword_raw: 0.0,
                    related_raw: 0.0,
                }
            })
            .collect()
    }
}

/// 32 bytes, aligned to 32 so that no slot straddles two cache lines.
#[derive(Clone, Copy, Default)]
#[repr(align(32))]
struct Slot {
    text: f64,
    cover: f64,
    phrase: f64,
    stamp: u32,
}

impl Scratch {
    fn begin(&mut self, n_docs: usize) {
        if self.slots.len() != n_docs {
            *self = Scratch {
                epoch: 0,
                slots: vec![Slot::default(); n_docs],
                touched: Vec::new(),
            };
        }
        self.epoch = self.epoch.wrapping_add(1);
        if self.epoch == 0 {
            self.slots.iter_mut().for_each(|slot| slot.stamp = 0);
            self.epoch = 1;
        }
        self.touched.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::{best_candidates, key_of, worse_first, Candidate};
    use proptest::prelude::*;

    proptest! {
        /// `worse_first` orders any two keys (any bits: negative, zeros, infinities, NaNs) as
        /// `total_cmp` does, reversed, and `key_of` gives the key back bit for bit.
        #[test]
        fn worse_first_is_total_cmp_reversed(a in any::<u64>(), b in any::<u64>()) {
            let (a, b) = (f64::from_bits(a), f64::from_bits(b));
            prop_assert_eq!(worse_first(a).cmp(&worse_first(b)), b.total_cmp(&a));
            prop_assert_eq!(key_of(worse_first(a)).to_bits(), a.to_bits());
        }

        /// The one-pass choice is the one of sorting everything: the best `keep` by text, then the
        /// best `keep_others` of the rest by stage one, whatever the ties (keys drawn from a
        /// handful of values) and whatever the id order.
        #[test]
        fn best_candidates_are_those_of_a_full_sort(
            keys in proptest::collection::vec((0u8..5, 0u8..5), 0..120),
            keep in 0usize..40,
            keep_others in 0usize..20,
            shuffle in any::<u64>(),
        ) {
            let id_rank: Vec<u32> = (0..keys.len() as u64)
                .map(|doc| ((doc.wrapping_mul(2654435761) ^ shuffle) % 1_000_003) as u32 * 128 + doc as u32 % 128)
                .collect();
            let found: Vec<Candidate> = keys
                .iter()
                .enumerate()
                .map(|(doc, &(text, stage_one))| Candidate {
                    doc: doc as u32,
                    text_raw: f64::from(text),
                    stage_one: f64::from(stage_one),
                    keyword_raw: 0.0,
                    related_raw: 0.0,
                })
                .collect();
            let rank = |c: &Candidate| id_rank[c.doc as usize];
            let mut by_text = found.clone();
            by_text.sort_by(|a, b| b.text_raw.total_cmp(&a.text_raw).then(rank(a).cmp(&rank(b))));
            let mut others = by_text.split_off(keep.min(by_text.len()));
            let order = |a: &Candidate, b: &Candidate| {
                b.stage_one.total_cmp(&a.stage_one).then(rank(a).cmp(&rank(b)))
            };
            others.sort_by(order);
            others.truncate(keep_others);
            let mut expected = by_text;
            expected.extend(others);
            expected.sort_by(order);
            let got = best_candidates(found.into_iter(), keep, keep_others, &id_rank);
            let docs = |items: &[Candidate]| items.iter().map(|c| c.doc).collect::<Vec<_>>();
            prop_assert_eq!(docs(&got), docs(&expected));
        }
    }
}
