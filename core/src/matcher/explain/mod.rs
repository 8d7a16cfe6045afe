//! Explanations: where the need's terms occur in a result (matched terms with UTF-16 spans), and the
//! reasons for its components (their zh/en text is in `text.rs`).

mod text;

use std::collections::BTreeMap;

use crate::index::FxSet;
use crate::matcher::bits::Bits;
use crate::matcher::components::Scores;
use crate::matcher::feedback::{Prior, Related};
use crate::matcher::query::{Query, QueryTerm};
use crate::matcher::Matcher;
use crate::model::{Need, Resource};
use crate::score::{MatchResult, Matched};
use crate::text::{
    for_each_highlight_term, han_key_chars, is_han, is_joiner, normalize, normalize_char,
    utf16_spans_with_ranges, Term,
};

/// What explaining a result needs from its match: the need, its analysis, the related keywords, and
/// the need's terms for highlighting (built once per match, shared by every result explained).
pub(crate) struct ExplainContext<'a> {
    need: &'a Need,
    query: &'a Query,
    related: &'a Related,
    prior: &'a Prior,
    wanted: Wanted<'a>,
}

impl<'a> ExplainContext<'a> {
    pub(crate) fn new(
        need: &'a Need,
        query: &'a Query,
        related: &'a Related,
        prior: &'a Prior,
    ) -> ExplainContext<'a> {
        ExplainContext {
            need,
            query,
            related,
            prior,
            wanted: Wanted::new(&query.terms),
        }
    }
}

impl Matcher {
    /// `result` with the need's terms found in the resource and the reasons for its components.
    pub(crate) fn explain(
        &self,
        context: &ExplainContext,
        doc: u32,
        scores: &Scores,
        mut result: MatchResult,
    ) -> MatchResult {
        result.matched = self.matched(&context.wanted, &self.resources[doc as usize]);
        result.reasons = self.reasons(context, doc, scores, &result.matched);
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
            self.words_of_the_need(text, &mut ranges);
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
}

impl Matcher {
    /// `ranges` (byte ranges of the need's terms found in `text`) as words of the need: runs of
    /// adjacent terms, without a joining particle at either end, of two characters or more unless
    /// the character is a term of the need on its own. What is left is what a reader sees marked.
    fn words_of_the_need(&self, text: &str, ranges: &mut Vec<(usize, usize)>) {
        ranges.sort_unstable();
        let mut runs: Vec<(usize, usize)> = Vec::with_capacity(ranges.len());
        for &(start, end) in ranges.iter() {
            match runs.last_mut() {
                Some(last) if start <= last.1 => last.1 = last.1.max(end),
                _ => runs.push((start, end)),
            }
        }
        ranges.clear();
        for (mut start, mut end) in runs {
            let run = &text[start..end];
            let chars: Vec<char> = run.chars().collect();
            if chars.len() >= 2 {
                let pair =
                    |a: char, b: char| self.index.lists_pair(normalize_char(a), normalize_char(b));
                let (mut first, mut last) = (0, chars.len() - 1);
                while last > first
                    && is_joiner(normalize_char(chars[first]))
                    && !pair(chars[first], chars[first + 1])
                {
                    start += chars[first].len_utf8();
                    first += 1;
                }
                while last > first
                    && is_joiner(normalize_char(chars[last]))
                    && !pair(chars[last - 1], chars[last])
                {
                    end -= chars[last].len_utf8();
                    last -= 1;
                }
                if last > first || !is_han(chars[first]) {
                    ranges.push((start, end));
                }
            } else if chars.first().is_some_and(|&c| !is_han(c)) {
                // A word (PLC, 5G) is a word of the need.
                ranges.push((start, end));
            } else {
                // A lone character: only where the need has it on its own (银 in "银 提取"),
                // which `Wanted` alone lets through.
                ranges.push((start, end));
            }
        }
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
            // A character of a pair is evidence but no word of the need: not shown.
            terms: terms
                .iter()
                .filter(|term| !term.from_pair)
                .map(|term| &term.term)
                .collect(),
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
