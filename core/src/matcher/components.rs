//! Stage two: the value of each component for one candidate (text, keywords with near-miss credit,
//! related keywords, discipline, industry, region, maturity, modes), and the fit they give.

use crate::matcher::feedback::Prior;
use crate::matcher::query::Query;
use crate::matcher::retrieval::Candidate;
use crate::matcher::Matcher;
use crate::model::Need;
use crate::score::{Component, MatchResult, Weights};
use crate::taxonomy::taxonomies;

/// One candidate's component values (`None` where a component does not apply to the need).
#[derive(Default)]
pub(crate) struct Scores {
    pub(crate) text: Option<f64>,
    pub(crate) keywords: Option<f64>,
    pub(crate) related: Option<f64>,
    pub(crate) discipline: Option<f64>,
    pub(crate) discipline_inferred: bool,
    pub(crate) industry: Option<f64>,
    pub(crate) region: Option<f64>,
    pub(crate) maturity: Option<f64>,
    pub(crate) modes: Option<f64>,
}

impl Scores {
    /// Component values (None when it does not apply) with their weights, in `Weights::named` order.
    fn values(&self, weights: &Weights) -> [(Option<f64>, f64); 8] {
        [
            (self.text, weights.text),
            (self.keywords, weights.keywords),
            (self.related, weights.related),
            (self.discipline, weights.discipline),
            (self.industry, weights.industry),
            (self.region, weights.region),
            (self.maturity, weights.maturity),
            (self.modes, weights.modes),
        ]
    }
}

impl Matcher {
    /// Stage two: every component of one candidate.
    pub(crate) fn score(
        &self,
        need: &Need,
        query: &Query,
        prior: &Prior,
        candidate: &Candidate,
    ) -> Scores {
        let doc = candidate.doc as usize;
        let resource = &self.resources[doc];
        let taxonomies = taxonomies();
        let mut scores = Scores::default();
        if query.total_weight > 0.0 {
            scores.text = Some((candidate.text_raw / query.text_scale).min(1.0));
        }
        if !query.phrases.is_empty() && query.total_phrase_weight > 0.0 {
            scores.keywords = Some((candidate.keyword_raw / query.keyword_scale).min(1.0));
        }
        if query.related_scale > 0.0 {
            // Shared keywords support a text match and do not stand in for one: a resource
            // sharing no term with the need gets nothing from them. (`sqrt` is correctly rounded
            // by IEEE 754, the same on every platform.)
            let text = scores.text.unwrap_or(0.0);
            scores.related =
                Some((candidate.related_raw / query.related_scale).min(1.0) * text.sqrt());
        }
        if !need.disciplines.is_empty() {
            let mut best: f64 = 0.0;
            for wanted in &need.disciplines {
                let wanted = taxonomies.canonical_discipline(wanted).unwrap_or(wanted);
                for &id in self.index.doc_disciplines.row(doc) {
                    best =
                        best.max(taxonomies.discipline_proximity(
                            wanted,
                            &self.index.discipline_codes[id as usize],
                        ));
                }
            }
            scores.discipline = Some(best);
        } else if !prior.disciplines.is_empty() {
            let best = self
                .index
                .doc_disciplines
                .row(doc)
                .iter()
                .filter_map(|id| prior.disciplines.get(id).copied())
                .fold(0.0, f64::max);
            scores.discipline = Some(best);
            scores.discipline_inferred = true;
        }
        if !need.industries.is_empty() {
            let mut best: f64 = 0.0;
            for wanted in &need.industries {
                for industry in &resource.industries {
                    best = best.max(taxonomies.industry_proximity(wanted, industry));
                }
            }
            scores.industry = Some(best);
        }
        if let Some(wanted) = &need.region {
            scores.region = Some(
                resource
                    .region
                    .as_deref()
                    .map_or(0.0, |region| taxonomies.region_proximity(wanted, region)),
            );
        }
        if let Some(min) = need.min_maturity {
            scores.maturity = Some(match resource.maturity {
                Some(maturity) if maturity >= min => {
                    0.5 + 0.5 * f64::from(maturity - min + 1) / f64::from(10 - min.min(9))
                }
                Some(maturity) => 0.5 * f64::from(maturity) / f64::from(min),
                None => 0.0,
            });
        }
        if !need.modes.is_empty() {
            let offered = need
                .modes
                .iter()
                .filter(|mode| resource.modes.contains(mode))
                .count();
            scores.modes = Some(offered as f64 / need.modes.len() as f64);
        }
        scores
    }

    /// How likely a catalog phrase met in a need's text is a key phrase of it: of the resources
    /// that mention the phrase (hold its terms in title or body), the share that list it as a
    /// keyword, with Laplace's rule for the few (one of one is 2/3, none mentioned 1/2). A name for
    /// a topic scores high (朱熹, 红景天), a word of the field's prose low (方法, 研究), and so does
    /// any phrase of a catalog whose keywords say little of their resources' texts.
    pub(crate) fn keyness(&self, phrase: u32) -> f64 {
        let (mentioned, listed) = self.index.phrase_mentions[phrase as usize];
        (f64::from(listed) + 1.0) / (f64::from(mentioned) + 2.0)
    }

    /// The need's key phrases that the resource lists as keywords (or nearly): per phrase, 1 when
    /// the resource lists it, else the best near-miss credit of its keywords (锂电池 / 锂离子电池).
    /// Two shares of the phrases' total `idf`: weighted by each phrase's keyness (the component's
    /// value before scaling), and not (what scales it: a need whose phrases no resource lists all
    /// of is judged by the best coverage it gets, while phrases that are likely no key phrases of
    /// the need stay weak however well a resource covers them).
    pub(crate) fn keyword_value(&self, query: &Query, candidate: &Candidate) -> (f64, f64) {
        if query.total_phrase_weight <= 0.0 {
            return (0.0, 0.0);
        }
        let range = self.index.doc_phrases.row_range(candidate.doc as usize);
        let keywords = &self.index.doc_phrases.items[range.clone()];
        let ends = &self.index.doc_phrase_ends[range];
        let mut credit_sum = 0.0;
        let mut cover_sum = 0.0;
        for phrase in &query.phrases {
            let credit = if phrase.id.is_some_and(|id| keywords.contains(&id)) {
                1.0
            } else {
                // `near_miss` is 0 unless the first or the last characters agree: check those first.
                keywords
                    .iter()
                    .zip(ends)
                    .filter(|(_, &(first, last))| first == phrase.ends.0 || last == phrase.ends.1)
                    .map(|(&id, _)| near_miss(&phrase.key, &self.index.phrase_keys[id as usize]))
                    .fold(0.0, f64::max)
            };
            credit_sum += phrase.weight * credit;
            cover_sum += phrase.cover * credit;
        }
        (
            credit_sum / query.total_phrase_weight,
            cover_sum / query.total_phrase_weight,
        )
    }

    /// The weighted mean of the components that apply.
    pub(crate) fn fit(&self, scores: &Scores) -> f64 {
        let mut weighted = 0.0;
        let mut total = 0.0;
        for (value, weight) in scores.values(&self.weights) {
            if let Some(value) = value {
                weighted += weight * value;
                total += weight;
            }
        }
        if total > 0.0 {
            (weighted / total).clamp(0.0, 1.0)
        } else {
            0.0
        }
    }

    /// A result with its score and components, not yet explained.
    pub(crate) fn components(&self, fit: f64, doc: u32, scores: &Scores) -> MatchResult {
        let components = scores
            .values(&self.weights)
            .into_iter()
            .zip(self.weights.named())
            .map(|((value, weight), (name, _))| Component {
                name: name.to_string(),
                value: value.unwrap_or(0.0),
                weight,
                applies: value.is_some(),
            })
            .collect();
        MatchResult {
            id: self.resources[doc as usize].id.clone(),
            score: fit,
            components,
            matched: Vec::new(),
            reasons: Vec::new(),
        }
    }
}

/// Near-miss credit between two different phrases: a share of the normalised edit similarity when
/// one contains the other or they are close (锂电池 / 锂离子电池), else 0.
pub(crate) fn near_miss(a: &str, b: &str) -> f64 {
    if a == b {
        return 1.0;
    }
    let (a_first, b_first) = (a.chars().next(), b.chars().next());
    let (a_last, b_last) = (a.chars().last(), b.chars().last());
    if a_first != b_first && a_last != b_last {
        return 0.0;
    }
    let similarity = strsim::normalized_levenshtein(a, b);
    let contains = a.contains(b) || b.contains(a);
    if similarity >= 0.6 || (contains && similarity >= 0.4) {
        0.8 * similarity
    } else {
        0.0
    }
}
