//! The matcher: a catalog version, its resources and their index, and top-k matching of needs.
//!
//! Matching runs in two stages. Stage one walks the posting lists of the need's terms (rarest first)
//! and of the catalog keyword phrases found in the need, accumulating field-weighted BM25 (BM25F) and
//! exact keyword evidence for the resources that contain them; it never touches a resource that shares
//! nothing with the need. Stage two takes the best few hundred of those and scores every component
//! (text, keywords with near-miss credit, discipline, industry, region, maturity, modes), then sorts by
//! fit and breaks ties by id.

mod bits;
mod components;
mod feedback;
mod filters;
mod query;
mod retrieval;
mod version;

use std::collections::BTreeMap;
use std::future::Future;

#[cfg(feature = "serde")]
use serde::{Deserialize, Serialize};

use crate::index::{FxMap, FxSet, Index, N_FIELDS};
use crate::matcher::bits::Bits;
use crate::matcher::components::{near_miss, Scores};
use crate::matcher::feedback::Related;
use crate::matcher::query::{Query, QueryTerm};
use crate::matcher::retrieval::SCRATCH;
use crate::model::{Mode, Need, Resource};
use crate::pause::{no_pause, run_ready};
use crate::score::{MatchResult, Matched, Reason, Weights};
use crate::taxonomy::taxonomies;
use crate::text::{
    for_each_highlight_term, han_key_chars, normalize, utf16_spans_with_ranges, Term,
};

pub use crate::matcher::filters::Filters;
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
        let field_norms: Vec<[f64; N_FIELDS]> = (0..index.n_docs)
            .map(|doc| {
                std::array::from_fn(|field| {
                    let length = f64::from(index.lengths[field][doc]);
                    let average = index.average_lengths[field];
                    FIELD_WEIGHTS[field]
                        / (1.0 - FIELD_B[field] + FIELD_B[field] * length / average)
                })
            })
            .collect();
        let tfs = std::mem::take(&mut index.tfs);
        const POSTINGS_PER_PAUSE: usize = 1 << 15;
        let mut impacts: Vec<f32> = Vec::with_capacity(tfs.len());
        for (docs, tfs) in index
            .postings
            .items
            .chunks(POSTINGS_PER_PAUSE)
            .zip(tfs.chunks(POSTINGS_PER_PAUSE))
        {
            impacts.extend(docs.iter().zip(tfs).map(|(&doc, &tf)| {
                let mut combined = 0.0;
                for (field, norm) in field_norms[doc as usize].iter().enumerate() {
                    let frequency = tf.field(field);
                    if frequency > 0 {
                        combined += f64::from(frequency) * norm;
                    }
                }
                (combined / (K1 + combined)) as f32
            }));
            pause().await;
        }
        drop(tfs);
        drop(field_norms);
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

    /// The disciplines the need's text is about, as voted by the resources that match it best: canonical
    /// codes with a weight in (0, 1], the best first. Empty when the need names its disciplines.
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
        let top = options.top.clamp(1, MAX_TOP);
        let allowed = self.allowed(need, &options.filters);
        let query = self.analyze(need);
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
        // Text and keyword evidence are judged against the best the catalog offers for this need, so
        // that a long need (whose terms no single resource can all contain) weighs its text as much
        // as a short one against the structured components.
        let mut query = query;
        let best_text = candidates
            .iter()
            .map(|candidate| candidate.text_raw)
            .fold(0.0, f64::max);
        if best_text > 0.0 {
            query.text_scale = best_text;
        }
        let mut best_keywords: f64 = 0.0;
        for candidate in &mut candidates {
            let (keywords, cover) = self.keyword_value(&query, candidate);
            candidate.keyword_raw = keywords;
            best_keywords = best_keywords.max(cover);
            candidate.related_raw = self.related_value(&related, candidate.doc);
        }
        query.related_scale = candidates
            .iter()
            .map(|candidate| candidate.related_raw)
            .fold(0.0, f64::max);
        if best_keywords > 0.0 {
            query.keyword_scale = best_keywords;
        }
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
        let wanted = Wanted::new(&query.terms);
        best.into_iter()
            .enumerate()
            .map(|(rank, position)| {
                let (fit, doc, scores) = &scored[position];
                let result = self.components(*fit, *doc, scores);
                if rank < options.explain {
                    self.explain(need, &query, &related, &wanted, *doc, scores, result)
                } else {
                    result
                }
            })
            .collect()
    }

    /// `result` with the need's terms found in the resource and the reasons for its components.
    #[allow(clippy::too_many_arguments)]
    fn explain(
        &self,
        need: &Need,
        query: &Query,
        related: &Related,
        wanted: &Wanted,
        doc: u32,
        scores: &Scores,
        mut result: MatchResult,
    ) -> MatchResult {
        result.matched = self.matched(wanted, &self.resources[doc as usize]);
        result.reasons = self.reasons(need, query, related, doc, scores, &result.matched);
        result
    }

    /// Where the need's terms (`wanted`) occur in the resource's title, summary and keywords.
    fn matched(&self, wanted: &Wanted, resource: &Resource) -> Vec<Matched> {
        let mut out = Vec::new();
        let mut ranges: Vec<(usize, usize)> = Vec::new();
        let mut field = |name: &str, item: Option<u32>, text: &str| {
            ranges.clear();
            for_each_highlight_term(
                text,
                |c| wanted.may_hold(c),
                wanted.words,
                |term, start, end| {
                    if wanted.has(&term) {
                        ranges.push((start, end));
                    }
                },
            );
            if ranges.is_empty() {
                return;
            }
            let mut by_text: BTreeMap<String, Vec<crate::score::Span>> = BTreeMap::new();
            for ((start, end), span) in utf16_spans_with_ranges(text, &ranges) {
                by_text
                    .entry(normalize(&text[start..end]))
                    .or_default()
                    .push(span);
            }
            let mut entries: Vec<Matched> = by_text
                .into_iter()
                .map(|(term, spans)| Matched {
                    term,
                    field: name.to_string(),
                    item,
                    spans,
                })
                .collect();
            entries.sort_by_key(|entry| entry.spans[0].start);
            out.extend(entries);
        };
        field("title", None, &resource.title);
        for (index, keyword) in resource.keywords.iter().enumerate() {
            field("keywords", Some(index as u32), keyword);
        }
        field("summary", None, &resource.summary);
        out
    }

    fn reasons(
        &self,
        need: &Need,
        query: &Query,
        related: &Related,
        doc: u32,
        scores: &Scores,
        matched: &[Matched],
    ) -> Vec<Reason> {
        let resource = &self.resources[doc as usize];
        let taxonomies = taxonomies();
        let mut reasons = Vec::new();
        // The resource's keyword phrases (ids) and the keyword each came from, as written.
        let phrase_range = self.index.doc_phrases.row_range(doc as usize);
        let phrase_ids = &self.index.doc_phrases.items[phrase_range.clone()];
        let as_written = |item: usize| -> &str {
            let source = usize::from(self.index.doc_phrase_sources[phrase_range.start + item]);
            resource
                .keywords
                .iter()
                .chain(&resource.expertise)
                .nth(source)
                .map_or("", String::as_str)
        };
        if let Some(text) = scores.text.filter(|&text| text > 0.0) {
            // Matches in the title and keywords first (else in the summary); words before lone
            // characters, which say less to a reader.
            let in_fields: Vec<&Matched> = matched
                .iter()
                .filter(|entry| entry.field != "summary")
                .collect();
            let pool: Vec<&Matched> = if in_fields.is_empty() {
                matched.iter().collect()
            } else {
                in_fields
            };
            let mut terms: Vec<&str> = Vec::new();
            for words in [true, false] {
                for entry in &pool {
                    let is_word = entry.term.chars().nth(1).is_some();
                    if is_word == words && !terms.contains(&entry.term.as_str()) && terms.len() < 5
                    {
                        terms.push(&entry.term);
                    }
                }
            }
            let percent = (text * 100.0).round();
            let quoted_zh: Vec<String> = terms.iter().map(|term| format!("“{term}”")).collect();
            let quoted_en: Vec<String> = terms.iter().map(|term| format!("\"{term}\"")).collect();
            reasons.push(Reason {
                component: "text".to_string(),
                zh: format!("文本相关度 {percent}%：命中{}", quoted_zh.join("、")),
                en: format!(
                    "Text relevance {percent}%: matches {}",
                    quoted_en.join(", ")
                ),
            });
        }
        if scores.keywords.is_some_and(|value| value > 0.0) {
            let mut exact = Vec::new();
            let mut near = Vec::new();
            for (item, &id) in phrase_ids.iter().enumerate() {
                let key = &*self.index.phrase_keys[id as usize];
                if query.phrases.iter().any(|phrase| phrase.id == Some(id)) {
                    exact.push(as_written(item));
                } else if query
                    .phrases
                    .iter()
                    .any(|phrase| near_miss(&phrase.key, key) > 0.0)
                {
                    near.push(as_written(item));
                }
            }
            if !exact.is_empty() || !near.is_empty() {
                let mut zh = String::from("关键词");
                let mut en = String::from("Keywords");
                if !exact.is_empty() {
                    zh.push_str(&format!("命中：{}", exact.join("、")));
                    en.push_str(&format!(" match: {}", exact.join(", ")));
                }
                if !near.is_empty() {
                    zh.push_str(&format!(
                        "{}相近：{}",
                        if exact.is_empty() { "" } else { "；" },
                        near.join("、")
                    ));
                    en.push_str(&format!(
                        "{} close: {}",
                        if exact.is_empty() { "" } else { ";" },
                        near.join(", ")
                    ));
                }
                reasons.push(Reason {
                    component: "keywords".to_string(),
                    zh,
                    en,
                });
            } else {
                reasons.push(Reason {
                    component: "keywords".to_string(),
                    zh: "需求中的关键短语出现在标题或摘要中".to_string(),
                    en: "Key phrases of the need appear in the title or summary".to_string(),
                });
            }
        }
        if scores.related.is_some_and(|value| value > 0.0) {
            // The keywords another of the best matches lists too, as written, most voted first (at
            // most three). A voter whose keywords no other lists has only its own tenth: no reason.
            let mut votes: Vec<(usize, f64)> = self
                .related_votes(related, doc)
                .filter(|&(_, _, shared)| shared)
                .map(|(item, vote, _)| (item, vote))
                .collect();
            votes.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
            let names: Vec<&str> = votes
                .iter()
                .take(3)
                .map(|&(item, _)| as_written(item))
                .collect();
            let quoted_zh: Vec<String> = names.iter().map(|name| format!("“{name}”")).collect();
            let quoted_en: Vec<String> = names.iter().map(|name| format!("\"{name}\"")).collect();
            if !names.is_empty() {
                reasons.push(Reason {
                    component: "related".to_string(),
                    zh: format!(
                        "与最符合需求文本的资源有共同关键词：{}",
                        quoted_zh.join("、")
                    ),
                    en: format!(
                        "Shares keywords with the resources that best match the need's text: {}",
                        quoted_en.join(", ")
                    ),
                });
            }
        }
        if let Some(value) = scores.discipline.filter(|&value| value > 0.0) {
            let names: Vec<String> = resource
                .disciplines
                .iter()
                .map(|discipline| {
                    taxonomies
                        .disciplines
                        .resolve(discipline)
                        .map_or(discipline.clone(), |node| node.name.clone())
                })
                .collect();
            let names = names.join("、");
            let (zh, en) = if scores.discipline_inferred {
                (
                    format!("所属学科“{names}”与需求所属领域一致（由需求文本推断）"),
                    format!(
                        "Discipline {names} fits the field the need's text is about (inferred)"
                    ),
                )
            } else if value >= 1.0 {
                (
                    format!("学科一致：{names}"),
                    format!("Same discipline: {names}"),
                )
            } else {
                (
                    format!("学科相近：{names}"),
                    format!("Related discipline: {names}"),
                )
            };
            reasons.push(Reason {
                component: "discipline".to_string(),
                zh,
                en,
            });
        }
        if let Some(value) = scores.industry.filter(|&value| value > 0.0) {
            let names: Vec<String> = resource
                .industries
                .iter()
                .map(|code| {
                    taxonomies
                        .industries
                        .get(code)
                        .map_or(code.clone(), |node| format!("{} {}", node.code, node.name))
                })
                .collect();
            let (zh, en) = if value >= 1.0 {
                ("行业一致", "Same industry")
            } else {
                ("行业相近", "Related industry")
            };
            reasons.push(Reason {
                component: "industry".to_string(),
                zh: format!("{zh}：{}", names.join("、")),
                en: format!("{en}: {}", names.join(", ")),
            });
        }
        if let (Some(value), Some(region)) = (
            scores.region.filter(|&value| value > 0.0),
            resource.region.as_deref(),
        ) {
            let name = taxonomies
                .regions
                .get(region)
                .map_or(region.to_string(), |node| node.name.clone());
            let (zh, en) = if value >= 1.0 {
                ("同一地区", "Same area")
            } else if value >= 0.75 {
                ("同一地市", "Same city")
            } else if value >= 0.5 {
                ("同一省份", "Same province")
            } else {
                ("同一国家战略区域", "Same national strategic region")
            };
            reasons.push(Reason {
                component: "region".to_string(),
                zh: format!("{zh}：{name}"),
                en: format!("{en}: {name}"),
            });
        }
        if let (Some(_), Some(maturity), Some(min)) =
            (scores.maturity, resource.maturity, need.min_maturity)
        {
            let (zh, en) = if maturity >= min {
                (
                    format!("技术成熟度 TRL {maturity}，达到要求的 TRL {min}"),
                    format!("Readiness TRL {maturity} meets the required TRL {min}"),
                )
            } else {
                (
                    format!("技术成熟度 TRL {maturity}，低于要求的 TRL {min}"),
                    format!("Readiness TRL {maturity} is below the required TRL {min}"),
                )
            };
            reasons.push(Reason {
                component: "maturity".to_string(),
                zh,
                en,
            });
        }
        if scores.modes.is_some_and(|value| value > 0.0) {
            let offered: Vec<Mode> = need
                .modes
                .iter()
                .copied()
                .filter(|mode| resource.modes.contains(mode))
                .collect();
            reasons.push(Reason {
                component: "modes".to_string(),
                zh: format!(
                    "提供所需合作方式：{}",
                    offered
                        .iter()
                        .map(|mode| mode.label_zh())
                        .collect::<Vec<_>>()
                        .join("、")
                ),
                en: format!(
                    "Offers the wanted cooperation: {}",
                    offered
                        .iter()
                        .map(|mode| mode.label_en())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            });
        }
        reasons
    }
}

/// The need's terms, for highlighting: most of a resource's text shares no character with them, and
/// a bitmap of their first characters turns those terms away before a lookup.
struct Wanted<'a> {
    terms: FxSet<&'a Term>,
    /// The first character of each Han term.
    han_first: Bits<16>,
    /// Each character of each Han term.
    han_chars: Bits<16>,
    /// Whether any term is a word.
    words: bool,
}

impl<'a> Wanted<'a> {
    fn new(terms: &'a [QueryTerm]) -> Wanted<'a> {
        let mut han_first = Bits::new();
        let mut han_chars = Bits::new();
        let mut words = false;
        for term in terms {
            match term.term {
                Term::Han(key) => {
                    let (first, second) = han_key_chars(key);
                    han_first.insert(first as usize);
                    for c in std::iter::once(first).chain(second) {
                        han_chars.insert(c as usize);
                    }
                }
                Term::Word(_) => words = true,
            }
        }
        Wanted {
            terms: terms.iter().map(|term| &term.term).collect(),
            han_first,
            han_chars,
            words,
        }
    }

    /// False when no Han term holds `c`.
    fn may_hold(&self, c: char) -> bool {
        self.han_chars.may_contain(c as usize)
    }

    fn has(&self, term: &Term) -> bool {
        if let Term::Han(key) = term {
            if !self.han_first.may_contain((key >> 21) as usize) {
                return false;
            }
        }
        self.terms.contains(term)
    }
}
