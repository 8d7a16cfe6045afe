//! Stage two: the value of each component for one candidate (text, keywords with near-miss credit,
//! related keywords, discipline, industry, region, maturity, modes), and the fit they give.

use crate::matcher::feedback::Prior;
use crate::matcher::query::Query;
use crate::matcher::retrieval::{Candidate, SHORT_NEED_WORDS};
use crate::matcher::Matcher;
use crate::model::Need;
use crate::score::{Band, Component, MatchResult, Weights};
use crate::taxonomy::taxonomies;

/// Text evidence (the field-weighted BM25 of the need's terms, times their coverage, as a share
/// of the need's term weight, credited for the need's length: `text_value`) at which the text
/// component is one half: `x / (x + TEXT_HALF)`. A resource holding every term of a short need
/// once in its summary has about 0.3; the best match of an enterprise's need about 0.2; one
/// sharing a few words 0.02.
const TEXT_HALF: f64 = 0.3;
/// The share of the need's text weight held by key phrases a resource lists (weighted by their
/// keyness) at which the keyword component is one half.
const KEYWORD_HALF: f64 = 0.02;

/// One candidate's component values (`None` where a component does not apply to the need).
#[derive(Default)]
pub(crate) struct Scores {
    pub(crate) text: Option<f64>,
    pub(crate) keywords: Option<f64>,
    pub(crate) related: Option<f64>,
    /// Proximity to the disciplines the need gives.
    pub(crate) discipline: Option<f64>,
    /// The discipline inferred from the need's text: the resource's best discipline's share of the
    /// votes of the best text matches, that is how sure the inference is.
    pub(crate) inferred: Option<f64>,
    pub(crate) industry: Option<f64>,
    pub(crate) region: Option<f64>,
    pub(crate) maturity: Option<f64>,
    pub(crate) modes: Option<f64>,
}

impl Scores {
    /// Component values (None when it does not apply) with their weights, in `Weights::named` order.
    pub(crate) fn values(&self, weights: &Weights) -> [(Option<f64>, f64); 9] {
        [
            (self.text, weights.text),
            (self.keywords, weights.keywords),
            (self.related, weights.related),
            (self.discipline, weights.discipline),
            (self.inferred, weights.inferred),
            (self.industry, weights.industry),
            (self.region, weights.region),
            (self.maturity, weights.maturity),
            (self.modes, weights.modes),
        ]
    }

    /// Each component's part of the fit, in `Weights::named` order, and the fit (their sum).
    ///
    /// Relevance is the text's value, raised by its support (keywords, related, inferred) toward
    /// it and never past it: the square root of `text × (1 + Σ support weight × value) / (1 + Σ
    /// support weights)`, the support weights counting whether or not a support applies, so that
    /// the same text evidence means the same relevance for every need. (The root spreads the scale
    /// of relevance over that of the structured components, where 1 is a perfect fit, and changes
    /// no order; `sqrt` is correctly rounded everywhere.) The fit is the weighted mean of relevance
    /// and the structured components that apply; the text's and its supports' parts share the
    /// relevance in proportion.
    pub(crate) fn contributions(&self, weights: &Weights) -> ([f64; 9], f64) {
        let mut parts = [0.0; 9];
        let supports = [
            (1, self.keywords, weights.keywords),
            (2, self.related, weights.related),
            (4, self.inferred, weights.inferred),
        ];
        let support_total = 1.0 + weights.keywords + weights.related + weights.inferred;
        let structured = [
            (3, self.discipline, weights.discipline),
            (5, self.industry, weights.industry),
            (6, self.region, weights.region),
            (7, self.maturity, weights.maturity),
            (8, self.modes, weights.modes),
        ];
        let mut total = 0.0;
        if self.text.is_some() {
            total += weights.text;
        }
        for (_, value, weight) in structured {
            if value.is_some() {
                total += weight;
            }
        }
        if total <= 0.0 {
            return (parts, 0.0);
        }
        if let Some(text) = self.text {
            let mut raised = 1.0;
            for (_, value, weight) in supports {
                raised += weight * value.unwrap_or(0.0);
            }
            let relevance = text * raised / support_total;
            if relevance > 0.0 {
                let share = weights.text / total * relevance.sqrt() / raised;
                parts[0] = share;
                for (slot, value, weight) in supports {
                    parts[slot] = share * weight * value.unwrap_or(0.0);
                }
            }
        }
        for (slot, value, weight) in structured {
            if let Some(value) = value {
                parts[slot] = weight * value / total;
            }
        }
        let fit: f64 = parts.iter().sum();
        (parts, fit.clamp(0.0, 1.0))
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
        let mut scores = Scores {
            text: text_value(query, candidate.text_raw),
            keywords: keyword_component(query, candidate.keyword_raw),
            ..Scores::default()
        };
        if query.related_scale > 0.0 {
            scores.related = Some((candidate.related_raw / query.related_scale).min(1.0));
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
            // Shares summed in voter order can round a whole vote to just above 1.
            scores.inferred = Some(best.min(1.0));
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

    /// The share of the need's text weight held by key phrases the resource lists as keywords (or
    /// nearly), each counted by its keyness: per phrase, 1 when the resource lists it, else the
    /// best near-miss credit of its keywords (锂电池 / 锂离子电池). A phrase that is a small part of
    /// a long need adds little, however key it is, and one that is likely no key phrase (方法)
    /// little however large.
    pub(crate) fn keyword_value(&self, query: &Query, candidate: &Candidate) -> f64 {
        if query.total_phrase_weight <= 0.0 || query.total_weight <= 0.0 {
            return 0.0;
        }
        let range = self.index.doc_phrases.row_range(candidate.doc as usize);
        let keywords = &self.index.doc_phrases.items[range.clone()];
        let ends = &self.index.doc_phrase_ends[range];
        let mut share = 0.0;
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
            share += credit * phrase.keyness * phrase.text_weight;
        }
        share / query.total_weight
    }

    /// The fit: see `Scores::contributions`.
    pub(crate) fn fit(&self, scores: &Scores) -> f64 {
        scores.contributions(&self.weights).1
    }

    /// A result with its score and components, not yet explained.
    pub(crate) fn components(&self, fit: f64, doc: u32, scores: &Scores) -> MatchResult {
        let (parts, _) = scores.contributions(&self.weights);
        let components = scores
            .values(&self.weights)
            .into_iter()
            .zip(self.weights.named())
            .zip(parts)
            .map(|(((value, weight), (name, _)), contribution)| Component {
                name: name.to_string(),
                value: value.unwrap_or(0.0),
                weight,
                applies: value.is_some(),
                contribution,
            })
            .collect();
        MatchResult {
            id: self.resources[doc as usize].id.clone(),
            score: fit,
            band: Band::of(fit),
            components,
            matched: Vec::new(),
            reasons: Vec::new(),
        }
    }
}

/// The text component of a resource with this text evidence (`None` for a need of no weight);
/// more evidence never gives less.
///
/// A need of more than a few words holds more than any one resource answers (the asker's setting,
/// goals, constraints), so its evidence counts `sqrt(length / SHORT_NEED_WORDS)` times, its length
/// being its pairs and words whether the catalog has them or not: the best answers to a long need
/// and to a short one then have closer text values, and the fit means more nearly the same for
/// both. Eval-dev, with `TEXT_HALF` from 0.2 to 0.3: answerable AUC 0.890 → 0.918, need and
/// need-best nDCG@10 0.8849 → 0.8854 and 0.9272 → 0.9279; generated 20,000 catalog 0.9772 →
/// 0.9696. (`sqrt` is correctly rounded everywhere, as `powf` is not.)
pub(crate) fn text_value(query: &Query, text_raw: f64) -> Option<f64> {
    (query.total_weight > 0.0).then(|| {
        let credit = (query.length.max(SHORT_NEED_WORDS) / SHORT_NEED_WORDS).sqrt();
        let evidence = text_raw / query.total_weight * credit;
        evidence / (evidence + TEXT_HALF)
    })
}

/// Whether the keyword component applies to the need (it has phrases of some weight).
pub(crate) fn keywords_apply(query: &Query) -> bool {
    !query.phrases.is_empty() && query.total_phrase_weight > 0.0
}

/// The keyword component of a resource with this keyword evidence (`keyword_value`), where it
/// applies.
pub(crate) fn keyword_component(query: &Query, keyword_raw: f64) -> Option<f64> {
    keywords_apply(query).then(|| keyword_raw / (keyword_raw + KEYWORD_HALF))
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
    let similarity = normalized_levenshtein(a, b);
    // Whether one contains the other matters only between 0.4 and 0.6: asked only there.
    if similarity >= 0.6 || (similarity >= 0.4 && (a.contains(b) || b.contains(a))) {
        0.8 * similarity
    } else {
        0.0
    }
}

/// Longest phrase, in characters, whose edit similarity is computed on the stack.
const SHORT_PHRASE_CHARS: usize = 32;

/// `strsim::normalized_levenshtein`, the same value: for phrases of at most `SHORT_PHRASE_CHARS`
/// characters (keyword phrases are), on their characters decoded once into arrays on the stack,
/// rather than decoding the second phrase again for every character of the first and allocating
/// the distance row.
fn normalized_levenshtein(a: &str, b: &str) -> f64 {
    let mut a_chars = ['\0'; SHORT_PHRASE_CHARS];
    let mut b_chars = ['\0'; SHORT_PHRASE_CHARS];
    let (mut a_len, mut b_len) = (0, 0);
    for (chars, len, text) in [(&mut a_chars, &mut a_len, a), (&mut b_chars, &mut b_len, b)] {
        for c in text.chars() {
            if *len == SHORT_PHRASE_CHARS {
                return strsim::normalized_levenshtein(a, b);
            }
            chars[*len] = c;
            *len += 1;
        }
    }
    if a_len == 0 && b_len == 0 {
        return 1.0;
    }
    // strsim's dynamic programme, one row kept.
    let mut row = [0usize; SHORT_PHRASE_CHARS];
    for (j, cell) in row.iter_mut().enumerate().take(b_len) {
        *cell = j + 1;
    }
    let mut result = b_len;
    for (i, &a_char) in a_chars[..a_len].iter().enumerate() {
        result = i + 1;
        let mut distance_b = i;
        for (&b_char, cell) in b_chars[..b_len].iter().zip(row.iter_mut()) {
            let distance_a = distance_b + usize::from(a_char != b_char);
            distance_b = *cell;
            result = (result + 1).min(distance_a.min(distance_b + 1));
            *cell = result;
        }
    }
    1.0 - (result as f64) / (a_len.max(b_len) as f64)
}

#[cfg(test)]
mod tests {
    use crate::matcher::components::normalized_levenshtein;
    use proptest::prelude::*;

    proptest! {
        /// The same value as strsim's, bit for bit, for short phrases and for long ones (which
        /// go to strsim itself), over a small alphabet so that near strings are common.
        #[test]
        fn normalized_levenshtein_is_strsims(
            a in "[锂离子电池ab ]{0,40}",
            b in "[锂离子电池ab ]{0,40}",
        ) {
            prop_assert_eq!(
                normalized_levenshtein(&a, &b).to_bits(),
                strsim::normalized_levenshtein(&a, &b).to_bits()
            );
        }
    }
}
