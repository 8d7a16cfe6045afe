//! Need analysis: the need's terms (pairs, characters, words) and the catalog keyword phrases it holds,
//! each with its weight.

use std::collections::{BTreeMap, BTreeSet};

use crate::detmath::ln;
use crate::index::{phrase_ends, phrase_key};
use crate::matcher::Matcher;
use crate::model::Need;
use crate::need_text::{matching_text, read_need};
use crate::text::{for_each_token, han_key_chars, is_joiner, normalize_char, Term};

/// The analysed need: its terms and keyword phrases with their weights, and the scales that stage two
/// judges evidence against.
#[derive(Default)]
pub(crate) struct Query {
    pub(crate) terms: Vec<QueryTerm>,
    /// The sum of every need term's weight, including terms the catalog does not have.
    pub(crate) total_weight: f64,
    pub(crate) phrases: Vec<QueryPhrase>,
    /// The sum of the phrases' `cover`.
    pub(crate) total_phrase_weight: f64,
    /// The related-keyword votes that count as full agreement: the best candidate's (0: none
    /// applies). A share of the best text matches' votes, as the discipline prior is.
    pub(crate) related_scale: f64,
    /// How many of the need's terms find resources themselves (pairs and words, not the characters
    /// of pairs), for `short_share`.
    pub(crate) words: f64,
    /// How many pairs and words of weight the need has, whether the catalog has them or not: its
    /// length, for `text_value`.
    pub(crate) length: f64,
}

pub(crate) struct QueryTerm {
    pub(crate) term: Term,
    pub(crate) id: u32,
    pub(crate) frequency: usize,
    pub(crate) weight: f64,
    /// Only adds to resources that other terms found (a character of a pair the catalog has).
    pub(crate) refines: bool,
    /// A character of one of the need's pairs rather than a term of the need: evidence, but no word
    /// of the need to show a reader.
    pub(crate) from_pair: bool,
}

pub(crate) struct QueryPhrase {
    pub(crate) key: String,
    /// The phrase's id when some resource lists it as a keyword.
    pub(crate) id: Option<u32>,
    /// The phrase's `idf` as a keyword times its keyness: its weight in stage one.
    pub(crate) weight: f64,
    /// How likely the phrase is a key phrase of the need: 1 for a keyword it states.
    pub(crate) keyness: f64,
    /// The weight of the need's terms the phrase holds (its share of the need's text evidence).
    pub(crate) text_weight: f64,
    /// Its first and last characters (see `index::phrase_ends`).
    pub(crate) ends: (char, char),
}

/// A pair with a joining particle (`text::is_joiner`: 备和 in 设备和余热) weighs this share of its
/// weight, unless the catalog lists it as a keyword phrase: most such pairs are across two words, and
/// being rare in any catalog they would otherwise weigh as much as the rarest words of the need.
/// Eval-dev: need-best nDCG@10 0.9302 → 0.9332, need 0.8923 → 0.8916, topic 0.3316 → 0.3389, field
/// 0.3724 → 0.3768, answerable AUC 0.9163 → 0.9186; generated 20,000 catalog 0.9690 → 0.9683. A
/// dictionary's word boundaries in place of the particles lose (`bench/results/segmentation.md`).
const JOINER_PAIR_WEIGHT: f64 = 0.5;
/// Longest need text (in characters) scanned for keyword phrases.
const MAX_PHRASE_SCAN_CHARS: usize = 2000;
/// A character of one of the need's pairs counts this share of its inverse document frequency, and
/// `ORPHAN_CHAR_WEIGHT` when no pair containing it is in the catalog. Character evidence adds to a
/// resource's coverage, not to the need's total weight: it refines, it never dilutes.
const CHAR_WEIGHT: f64 = 0.5;
const ORPHAN_CHAR_WEIGHT: f64 = 1.0;

impl Matcher {
    /// The need's terms and keyword phrases, with their weights.
    pub(crate) fn analyze(&self, need: &Need) -> Query {
        let n_docs = self.index.n_docs as f64;
        // Each term with the largest weight its occurrences have in the need (`need_text`): a
        // form's labels and budget and the talk about the asker weigh nothing, its name more;
        // times `1 + ln n` for a term the need says n times, as what a need repeats is what it is
        // about (除磷 three times in a phosphorus-removal need; eval-dev need nDCG@10 0.8854 →
        // 0.8901, topic 0.3260 → 0.3316, field 0.3660 → 0.3724). A keyword the need states is
        // evidence as it stands.
        let need_text = matching_text(need);
        let read = read_need(&need_text);
        // Per term its largest weight, and how many times the need says it with some weight (in a
        // map of the same type: the widget carries one copy of its code).
        let mut counts: BTreeMap<Term, f64> = BTreeMap::new();
        let mut times: BTreeMap<Term, f64> = BTreeMap::new();
        for_each_token(&need_text, |term, start, end| {
            let mut weight = read.weight(start, end);
            if let Term::Han(key) = term {
                if let (first, Some(second)) = han_key_chars(key) {
                    if (is_joiner(first) || is_joiner(second))
                        && !self.index.lists_pair(first, second)
                    {
                        weight *= JOINER_PAIR_WEIGHT;
                    }
                }
            }
            if weight > 0.0 {
                *times.entry(term.clone()).or_insert(0.0) += 1.0;
                let entry = counts.entry(term).or_insert(0.0);
                *entry = entry.max(weight);
            }
        });
        for ((_, weight), (_, &said)) in counts.iter_mut().zip(&times) {
            *weight *= 1.0 + ln(said);
        }
        for keyword in &need.keywords {
            for_each_token(keyword, |term, _, _| {
                let entry = counts.entry(term).or_insert(0.0);
                *entry = entry.max(1.0);
            });
        }
        // The characters of the need's pairs. A character is an orphan when a pair containing it is
        // not in the catalog and neither character of that pair is in one that is (经教 in
        // "经教 朱熹"); 与 in 监测与治理 is not, its neighbours' words being known.
        let mut covered: BTreeSet<char> = BTreeSet::new();
        let mut absent: Vec<(char, char)> = Vec::new();
        for term in counts.keys() {
            let Term::Han(key) = term else { continue };
            if let (first, Some(second)) = han_key_chars(*key) {
                if self.index.terms.get(term).is_some() {
                    covered.extend([first, second]);
                } else {
                    absent.push((first, second));
                }
            }
        }
        // Character → whether it is an orphan, and the largest weight of the pairs holding it.
        let mut pair_chars: BTreeMap<char, (bool, f64)> = BTreeMap::new();
        for (term, &weight) in &counts {
            let Term::Han(key) = term else { continue };
            if let (first, Some(second)) = han_key_chars(*key) {
                for c in [first, second] {
                    let entry = pair_chars.entry(c).or_insert((false, 0.0));
                    entry.1 = entry.1.max(weight);
                }
            }
        }
        for (first, second) in absent {
            let orphan = !covered.contains(&first) && !covered.contains(&second);
            for c in [first, second] {
                if let Some(entry) = pair_chars.get_mut(&c) {
                    entry.0 |= orphan;
                }
            }
        }
        let mut terms = Vec::with_capacity(counts.len() + pair_chars.len());
        let mut total_weight = 0.0;
        // Each pair's and word's weight, for the phrases' share of the need (`text_weight`).
        let mut term_weights: BTreeMap<Term, f64> = BTreeMap::new();
        for (term, &need_weight) in counts.iter() {
            if let Term::Han(key) = term {
                if let (c, None) = han_key_chars(*key) {
                    if self.index.common_chars.contains(c) {
                        // Too common to be indexed on its own (`MAX_CHAR_SHARE`): no evidence.
                        continue;
                    }
                }
            }
            let id = self.index.terms.get(term);
            let frequency = id.map_or(0, |id| self.index.docs(id).len());
            let weight = need_weight * idf(n_docs, frequency as f64);
            total_weight += weight;
            term_weights.insert(term.clone(), weight);
            if let Some(id) = id {
                terms.push(QueryTerm {
                    term: term.clone(),
                    id,
                    frequency,
                    weight,
                    refines: false,
                    from_pair: false,
                });
            }
        }
        // Each character of a pair is evidence too, weaker than the pair: a resource sharing a
        // need's rare characters but not its words is related (朱熹 / 朱子), and a pair no resource
        // has (经教) is left with its characters' evidence only.
        for (c, (orphan, need_weight)) in pair_chars {
            let term = Term::han_single(c);
            if counts.contains_key(&term) {
                continue;
            }
            let Some(id) = self.index.terms.get(&term) else {
                continue;
            };
            let frequency = self.index.docs(id).len();
            let share = if orphan {
                ORPHAN_CHAR_WEIGHT
            } else {
                CHAR_WEIGHT
            };
            terms.push(QueryTerm {
                term,
                id,
                frequency,
                weight: need_weight * share * idf(n_docs, frequency as f64),
                refines: !orphan,
                from_pair: true,
            });
        }
        // Rarest first: they find the candidates; the common ones only add to them.
        terms.sort_by(|a, b| {
            a.refines
                .cmp(&b.refines)
                .then(a.frequency.cmp(&b.frequency))
                .then_with(|| a.term.cmp(&b.term))
        });

        let mut phrase_keys: Vec<String> = need
            .keywords
            .iter()
            .filter_map(|keyword| phrase_key(keyword))
            .collect();
        let mut given = phrase_keys.clone();
        given.sort();
        // The need's characters, normalised one for one, with the weight each has in the need.
        let (text, char_weights): (Vec<char>, Vec<f64>) = need_text
            .char_indices()
            .take(MAX_PHRASE_SCAN_CHARS)
            .map(|(offset, c)| {
                (
                    normalize_char(c),
                    read.weight(offset, offset + c.len_utf8()),
                )
            })
            .unzip();
        let mut found_weights: BTreeMap<String, f64> = BTreeMap::new();
        let mut window = String::new();
        for start in 0..text.len() {
            if !text[start].is_alphanumeric()
                || (start > 0 && is_word_char(text[start - 1]) && is_word_char(text[start]))
            {
                continue;
            }
            let Some(&lengths) = self.index.phrase_lengths.get(&text[start]) else {
                continue;
            };
            let longest = 32 - lengths.leading_zeros() as usize;
            window.clear();
            for end in start..text.len().min(start + longest) {
                if text[end].is_whitespace() {
                    break;
                }
                window.push(text[end]);
                if end == start {
                    continue;
                }
                let next_is_word =
                    text.get(end + 1).is_some_and(|&c| is_word_char(c)) && is_word_char(text[end]);
                if !next_is_word
                    && lengths & (1 << (end - start)) != 0
                    && self.index.phrase_last_chars.contains(&text[end])
                    && self.index.phrases.contains_key(window.as_str())
                {
                    // A phrase counts as much as its least character (none in a label or talk).
                    let weight = char_weights[start..=end]
                        .iter()
                        .copied()
                        .fold(f64::INFINITY, f64::min);
                    if weight > 0.0 {
                        let entry = found_weights.entry(window.clone()).or_insert(0.0);
                        *entry = entry.max(weight);
                        phrase_keys.push(window.clone());
                    }
                }
            }
        }
        phrase_keys.sort();
        phrase_keys.dedup();
        let mut phrases = Vec::with_capacity(phrase_keys.len());
        let mut total_phrase_weight = 0.0;
        for key in phrase_keys {
            let id = self.index.phrases.get(key.as_str()).copied();
            let frequency = id.map_or(0, |id| self.index.phrase_postings.row(id as usize).len());
            let cover = idf(n_docs, frequency as f64);
            // A phrase the need states as a keyword is one; a phrase found in its text is one as
            // often as the catalog lists it where it occurs.
            let stated = given.binary_search(&key).is_ok();
            let need_weight = if stated {
                1.0
            } else {
                found_weights.get(&key).copied().unwrap_or(1.0)
            };
            let cover = need_weight * cover;
            let keyness = match id {
                Some(id) if !stated => self.keyness(id),
                _ => 1.0,
            };
            let weight = cover * keyness;
            let mut text_weight = 0.0;
            for_each_token(&key, |term, _, _| {
                if let Some(&term_weight) = term_weights.get(&term) {
                    text_weight += term_weight;
                }
            });
            total_phrase_weight += cover;
            let ends = phrase_ends(&key);
            phrases.push(QueryPhrase {
                key,
                id,
                weight,
                keyness,
                text_weight,
                ends,
            });
        }
        let words = terms.iter().filter(|term| !term.refines).count() as f64;
        Query {
            words,
            length: counts.len() as f64,
            terms,
            total_weight,
            phrases,
            total_phrase_weight,
            related_scale: 0.0,
        }
    }
}

/// Inverse document frequency, BM25's form, always positive.
fn idf(n_docs: f64, frequency: f64) -> f64 {
    ln(1.0 + (n_docs - frequency + 0.5) / (frequency + 0.5))
}

fn is_word_char(c: char) -> bool {
    c.is_ascii_alphanumeric()
}
