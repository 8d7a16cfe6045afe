//! Chinese text analysis: normalisation, terms and highlight spans.
//!
//! Han text has no spaces, so it is cut into overlapping character bigrams (a lone Han character stays a
//! unigram); Latin letters and digits form whole words (`5g`, `pm2.5`, `plc`). Normalisation folds
//! full-width forms to half-width and upper case to lower case, so `ＰＬＣ` and `plc` are one term.
//! Every term keeps its byte range in the original text, which turns into UTF-16 spans for JavaScript.

use crate::score::Span;

/// One character after normalisation: full-width ASCII to ASCII, ideographic space to space, lower case.
pub fn normalize_char(c: char) -> char {
    if c.is_ascii() {
        return c.to_ascii_lowercase();
    }
    if ('\u{3400}'..='\u{9fff}').contains(&c) {
        return c;
    }
    let c = match c {
        '\u{ff01}'..='\u{ff5e}' => char::from_u32(c as u32 - 0xfee0).unwrap_or(c),
        '\u{3000}' => ' ',
        _ => c,
    };
    if c.is_ascii() {
        return c.to_ascii_lowercase();
    }
    let mut lower = c.to_lowercase();
    match (lower.next(), lower.next()) {
        (Some(single), None) => single,
        _ => c,
    }
}

/// The whole text normalised character by character (the character count is unchanged).
pub fn normalize(text: &str) -> String {
    text.chars().map(normalize_char).collect()
}

/// Whether `c` is a Han character (CJK unified ideographs, extensions and compatibility ideographs).
pub fn is_han(c: char) -> bool {
    matches!(c as u32,
        0x3400..=0x4dbf | 0x4e00..=0x9fff | 0xf900..=0xfaff | 0x20000..=0x2fa1f | 0x30000..=0x323af | 0x3007)
}

/// Particles and conjunctions that join words (的, 和, 与). A pair holding one is most often across
/// two words (备和 in 设备和余热, 与余 in 换热与余热) unless the catalog lists it as a keyword
/// phrase (和谐, 在线): such a pair weighs less in a need (`matcher::query`) and does not begin or
/// end a highlighted word (`matcher::explain`).
const JOINERS: &[char] = &[
    '的', '了', '和', '与', '及', '或', '是', '在', '把', '被', '从', '也', '都', '就', '又', '很',
    '还', '而', '并', '但', '着', '吗', '呢', '吧', '啊', '之', '其', '该', '此', '这', '那', '对',
    '为',
];

/// Whether `c` (normalised) is a particle or conjunction that joins words (`JOINERS`).
pub fn is_joiner(c: char) -> bool {
    JOINERS.contains(&c)
}

/// What kind of run a character belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CharClass {
    Han,
    Word,
    Other,
}

/// The class of a normalised character.
pub fn char_class(c: char) -> CharClass {
    if is_han(c) {
        CharClass::Han
    } else if c.is_alphanumeric() {
        CharClass::Word
    } else {
        CharClass::Other
    }
}

/// A term as a compact key: a Han bigram or unigram packed into 64 bits, or a word.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Term {
    /// One or two Han characters: `first << 21 | second`, with `second` 0 for a unigram.
    Han(u64),
    /// A normalised word of letters and digits, at most `MAX_WORD_BYTES` long.
    Word(Box<str>),
}

/// A packed Han key's characters (`Term::Han`): the first, and the second unless it is a unigram.
pub fn han_key_chars(key: u64) -> (char, Option<char>) {
    let first = char::from_u32((key >> 21) as u32).unwrap_or('\u{fffd}');
    let second = (key & HAN_SECOND) as u32;
    (
        first,
        (second != 0).then(|| char::from_u32(second).unwrap_or('\u{fffd}')),
    )
}

/// The bits of a packed Han key that hold its second character (zero for a unigram).
pub const HAN_SECOND: u64 = 0x1f_ffff;

/// Longer words are cut: they are identifiers or garbage, and a cut word still matches itself.
pub const MAX_WORD_BYTES: usize = 64;

impl Term {
    pub fn han_pair(first: char, second: char) -> Term {
        Term::Han((u64::from(first) << 21) | u64::from(second))
    }

    pub fn han_single(first: char) -> Term {
        Term::Han(u64::from(first) << 21)
    }

    /// The term as text, for explanations.
    pub fn text(&self) -> String {
        match self {
            Term::Han(key) => {
                let (first, second) = han_key_chars(*key);
                let mut out = String::from(first);
                out.extend(second);
                out
            }
            Term::Word(word) => word.to_string(),
        }
    }
}

/// A term and where it came from in the text (byte range of the original, unnormalised text).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Token {
    pub term: Term,
    pub start: usize,
    pub end: usize,
}

/// Calls `emit` for every term of `text`, in text order: Han bigrams (a lone Han character as a
/// unigram), and words. Its callers (a need's analysis, a phrase's terms) are not hot, so they share
/// one copy of the tokenizer through a trait object: each copy is kilobytes of the widget's wasm.
pub fn for_each_token(text: &str, mut emit: impl FnMut(Term, usize, usize)) {
    let emit: &mut dyn FnMut(Term, usize, usize) = &mut emit;
    for_each_token_with(text, None, emit)
}

/// As `for_each_token`, and with `Some(chars)`, each Han character `chars` accepts as a unigram
/// too, in a run of any length (and a lone character only if accepted): what the index keeps, so
/// that a need's rare characters find resources that share them but not the words around them.
pub fn for_each_token_with(
    text: &str,
    chars: Option<&dyn Fn(char) -> bool>,
    mut emit: impl FnMut(Term, usize, usize),
) {
    let keep = |c: char| chars.is_none_or(|chars| chars(c));
    let chars_too = |c: char| chars.is_some_and(|chars| chars(c));
    // One pass, each character normalised once: maximal runs of Han or of word characters (a `.`
    // between digits stays in a word), each Han run's terms emitted as it is read and each word
    // gathered until its run ends. The Han run being read: where its last character starts, that
    // character, and whether the run has emitted a pair.
    let mut han: Option<(usize, char, bool)> = None;
    let mut word = String::new();
    let mut word_range: Option<(usize, usize)> = None;
    let finish_han = |han: &mut Option<(usize, char, bool)>,
                      emit: &mut dyn FnMut(Term, usize, usize)| {
        if let Some((first_offset, first, emitted)) = han.take() {
            if !emitted && keep(first) {
                emit(
                    Term::han_single(first),
                    first_offset,
                    first_offset + first.len_utf8(),
                );
            }
        }
    };
    let finish_word = |word: &mut String,
                       range: &mut Option<(usize, usize)>,
                       emit: &mut dyn FnMut(Term, usize, usize)| {
        if let Some((start, end)) = range.take() {
            if word.len() > MAX_WORD_BYTES {
                let mut cut = MAX_WORD_BYTES;
                while !word.is_char_boundary(cut) {
                    cut -= 1;
                }
                word.truncate(cut);
            }
            emit(Term::Word(word.as_str().into()), start, end);
            word.clear();
        }
    };
    let mut characters = text.char_indices().peekable();
    let mut previous: Option<char> = None;
    while let Some((offset, raw)) = characters.next() {
        let c = normalize_char(raw);
        let mut class = char_class(c);
        if c == '.' && previous.is_some_and(|p| p.is_ascii_digit()) {
            if let Some(&(_, next)) = characters.peek() {
                if normalize_char(next).is_ascii_digit() {
                    class = CharClass::Word;
                }
            }
        }
        if class != CharClass::Han {
            finish_han(&mut han, &mut emit);
        }
        if class != CharClass::Word {
            finish_word(&mut word, &mut word_range, &mut emit);
        }
        match class {
            CharClass::Han => match &mut han {
                None => han = Some((offset, c, false)),
                Some((first_offset, first, emitted)) => {
                    if !*emitted && chars_too(*first) {
                        emit(
                            Term::han_single(*first),
                            *first_offset,
                            *first_offset + first.len_utf8(),
                        );
                    }
                    emit(
                        Term::han_pair(*first, c),
                        *first_offset,
                        offset + c.len_utf8(),
                    );
                    if chars_too(c) {
                        emit(Term::han_single(c), offset, offset + c.len_utf8());
                    }
                    *emitted = true;
                    *first_offset = offset;
                    *first = c;
                }
            },
            CharClass::Word => {
                word.push(c);
                let end = offset + raw.len_utf8();
                word_range = Some((word_range.map_or(offset, |(start, _)| start), end));
            }
            CharClass::Other => {}
        }
        previous = Some(c);
    }
    finish_han(&mut han, &mut emit);
    finish_word(&mut word, &mut word_range, &mut emit);
}

/// For highlighting: the terms `for_each_token_with(text, Some(&|_| true), ..)` gives (every Han
/// character, every adjacent pair, every word), in the same order, except the Han terms of a
/// character `han_wanted` turns away and, unless `words`, the words.
///
/// Highlighting reads a result's whole text for a need's few terms: most characters are in no
/// wanted term, and here they cost a range test and a call to `han_wanted` (a bitmap, say)
/// instead of a term each. A Han character is the same normalised (`normalize_char`), and no
/// term spans a Han character and another, so the text splits into Han runs, read here, and the
/// rest, tokenized as before when `words`.
pub fn for_each_highlight_term(
    text: &str,
    han_wanted: impl Fn(char) -> bool,
    words: bool,
    mut emit: impl FnMut(Term, usize, usize),
) {
    // The words of the other characters' run `start..end`, at their offsets in `text`.
    let words_of = |start: usize, end: usize, emit: &mut dyn FnMut(Term, usize, usize)| {
        for_each_token_with(&text[start..end], None, |term, from, to| {
            emit(term, start + from, start + to)
        });
    };
    // The previous character when it is Han and wanted, with its offset.
    let mut previous: Option<(usize, char)> = None;
    // Where the current run of other characters began, and whether it holds a letter or digit
    // (normalising keeps a character's being one).
    let mut other_start: Option<usize> = None;
    let mut other_has_word = false;
    for (offset, c) in text.char_indices() {
        if !is_han(c) {
            previous = None;
            other_start.get_or_insert(offset);
            other_has_word |= words && c.is_alphanumeric();
            continue;
        }
        if let Some(start) = other_start.take() {
            if std::mem::take(&mut other_has_word) {
                words_of(start, offset, &mut emit);
            }
        }
        if !han_wanted(c) {
            previous = None;
            continue;
        }
        if let Some((first_offset, first)) = previous {
            emit(
                Term::han_pair(first, c),
                first_offset,
                offset + c.len_utf8(),
            );
        }
        emit(Term::han_single(c), offset, offset + c.len_utf8());
        previous = Some((offset, c));
    }
    if let Some(start) = other_start {
        if other_has_word {
            words_of(start, text.len(), &mut emit);
        }
    }
}

/// Every term of `text` with its byte range.
pub fn tokens(text: &str) -> Vec<Token> {
    let mut out = Vec::new();
    for_each_token(text, |term, start, end| {
        out.push(Token { term, start, end })
    });
    out
}

/// Converts byte ranges of `text` into UTF-16 spans, merging overlapping and touching ranges.
/// Ranges must lie on character boundaries; others are dropped.
pub fn utf16_spans(text: &str, ranges: &[(usize, usize)]) -> Vec<Span> {
    utf16_spans_with_ranges(text, ranges)
        .into_iter()
        .map(|(_, span)| span)
        .collect()
}

/// As `utf16_spans`, each span with the merged byte range it covers (to read its text).
pub fn utf16_spans_with_ranges(
    text: &str,
    ranges: &[(usize, usize)],
) -> Vec<((usize, usize), Span)> {
    let mut ranges: Vec<(usize, usize)> = ranges
        .iter()
        .copied()
        .filter(|&(start, end)| {
            start < end
                && end <= text.len()
                && text.is_char_boundary(start)
                && text.is_char_boundary(end)
        })
        .collect();
    ranges.sort_unstable();
    let mut merged: Vec<(usize, usize)> = Vec::with_capacity(ranges.len());
    for (start, end) in ranges {
        match merged.last_mut() {
            Some(last) if start <= last.1 => last.1 = last.1.max(end),
            _ => merged.push((start, end)),
        }
    }
    let mut spans = Vec::with_capacity(merged.len());
    let mut units = 0u32;
    let mut byte = 0usize;
    let mut chars = text.char_indices();
    let mut to_units = |target: usize, units: &mut u32, byte: &mut usize| {
        while *byte < target {
            match chars.next() {
                Some((offset, c)) => {
                    *units += c.len_utf16() as u32;
                    *byte = offset + c.len_utf8();
                }
                None => break,
            }
        }
    };
    for (start, end) in merged {
        to_units(start, &mut units, &mut byte);
        let span_start = units;
        to_units(end, &mut units, &mut byte);
        spans.push((
            (start, end),
            Span {
                start: span_start,
                end: units,
            },
        ));
    }
    spans
}

/// The number of characters of `text` (used for length limits and normalisation).
pub fn char_count(text: &str) -> usize {
    text.chars().count()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// A maximal run of Han characters or of word characters, by byte range in the text.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    struct Run {
        class: CharClass,
        start: usize,
        end: usize,
    }

    /// Splits text into Han runs and word runs. A `.` between two digits stays inside a word (`pm2.5`).
    fn runs(text: &str) -> Vec<Run> {
        let mut out = Vec::new();
        let mut current: Option<Run> = None;
        let mut chars = text.char_indices().peekable();
        let mut previous: Option<char> = None;
        while let Some((offset, raw)) = chars.next() {
            let c = normalize_char(raw);
            let mut class = char_class(c);
            if c == '.' && previous.is_some_and(|p| p.is_ascii_digit()) {
                if let Some(&(_, next)) = chars.peek() {
                    if normalize_char(next).is_ascii_digit() {
                        class = CharClass::Word;
                    }
                }
            }
            let end = offset + raw.len_utf8();
            match (&mut current, class) {
                (_, CharClass::Other) => {
                    if let Some(run) = current.take() {
                        out.push(run);
                    }
                }
                (Some(run), class) if run.class == class => run.end = end,
                (_, class) => {
                    if let Some(run) = current.take() {
                        out.push(run);
                    }
                    current = Some(Run {
                        class,
                        start: offset,
                        end,
                    });
                }
            }
            previous = Some(c);
        }
        if let Some(run) = current {
            out.push(run);
        }
        out
    }

    /// The two-pass tokenizer `for_each_token_with` replaced (runs first, then terms), kept to
    /// check that the one-pass one emits the same terms at the same ranges in the same order.
    fn reference_for_each_token_with(
        text: &str,
        chars: Option<&dyn Fn(char) -> bool>,
        mut emit: impl FnMut(Term, usize, usize),
    ) {
        let keep = |c: char| chars.is_none_or(|chars| chars(c));
        let chars_too = |c: char| chars.is_some_and(|chars| chars(c));
        for run in runs(text) {
            let slice = &text[run.start..run.end];
            match run.class {
                CharClass::Han => {
                    let mut chars = slice
                        .char_indices()
                        .map(|(offset, c)| (run.start + offset, normalize_char(c)));
                    let Some((mut first_offset, mut first)) = chars.next() else {
                        continue;
                    };
                    let mut emitted = false;
                    for (offset, c) in chars {
                        if !emitted && chars_too(first) {
                            emit(
                                Term::han_single(first),
                                first_offset,
                                first_offset + first.len_utf8(),
                            );
                        }
                        emit(
                            Term::han_pair(first, c),
                            first_offset,
                            offset + c.len_utf8(),
                        );
                        if chars_too(c) {
                            emit(Term::han_single(c), offset, offset + c.len_utf8());
                        }
                        emitted = true;
                        first_offset = offset;
                        first = c;
                    }
                    if !emitted && keep(first) {
                        emit(
                            Term::han_single(first),
                            first_offset,
                            first_offset + first.len_utf8(),
                        );
                    }
                }
                CharClass::Word => {
                    let mut word: String = slice.chars().map(normalize_char).collect();
                    if word.len() > MAX_WORD_BYTES {
                        let mut cut = MAX_WORD_BYTES;
                        while !word.is_char_boundary(cut) {
                            cut -= 1;
                        }
                        word.truncate(cut);
                    }
                    emit(Term::Word(word.into_boxed_str()), run.start, run.end);
                }
                CharClass::Other => {}
            }
        }
    }

    /// Texts of pieces that exercise every rule of the tokenizer: Han runs (extension B,
    /// compatibility ideographs, 〇), words with digits and `.`, full-width forms, case folding
    /// and separators.
    fn tricky_text() -> impl Strategy<Value = String> {
        proptest::collection::vec(
            prop_oneof![
                Just("锂"),
                Just("电池"),
                Just("热失控"),
                Just("〇"),
                Just("𠀀𠀁"),
                Just("豈"),
                Just("PM"),
                Just("2"),
                Just("."),
                Just("5"),
                Just("Ｇ"),
                Just("５"),
                Just("ａ"),
                Just("Ω"),
                Just("É"),
                Just("ǅ"),
                Just(" "),
                Just("\u{3000}"),
                Just("，"),
                Just("-"),
                Just("x"),
                Just("9"),
                Just("\n"),
                Just("é"),
                Just("İ"),
                Just("ﬁ"),
            ],
            0..40,
        )
        .prop_map(|pieces| pieces.concat())
    }

    proptest! {
        #[test]
        fn one_pass_tokens_are_the_two_pass_ones(
            text in tricky_text(),
            long_word in 0usize..3,
            rare in any::<u32>(),
        ) {
            let mut text = text;
            if long_word > 0 {
                text.push_str(&"ab".repeat(20 * long_word));
                text.push_str("ＰＭ２.５");
            }
            let accept = |c: char| (c as u32 ^ rare).is_multiple_of(3);
            for chars in [None, Some(&accept as &dyn Fn(char) -> bool)] {
                let mut one = Vec::new();
                for_each_token_with(&text, chars, |term, start, end| one.push((term, start, end)));
                let mut two = Vec::new();
                reference_for_each_token_with(&text, chars, |term, start, end| two.push((term, start, end)));
                prop_assert_eq!(one, two);
            }
        }
    }

    proptest! {
        #[test]
        fn highlight_terms_are_the_tokenizer_s_wanted_ones(
            text in tricky_text(),
            rare in any::<u32>(),
            words in any::<bool>(),
        ) {
            let wanted = |c: char| !(c as u32 ^ rare).is_multiple_of(3);
            let mut fast = Vec::new();
            for_each_highlight_term(&text, wanted, words, |term, start, end| fast.push((term, start, end)));
            let mut general = Vec::new();
            for_each_token_with(&text, Some(&|_| true), |term, start, end| {
                let keep = match &term {
                    Term::Han(key) => {
                        let (first, second) = han_key_chars(*key);
                        wanted(first) && second.is_none_or(wanted)
                    }
                    Term::Word(_) => words,
                };
                if keep {
                    general.push((term, start, end));
                }
            });
            prop_assert_eq!(fast, general);
        }
    }

    fn terms(text: &str) -> Vec<String> {
        tokens(text).iter().map(|token| token.term.text()).collect()
    }

    #[test]
    fn han_bigrams_and_words() {
        assert_eq!(terms("锂电池"), ["锂电", "电池"]);
        assert_eq!(terms("5G基站"), ["5g", "基站"]);
        assert_eq!(terms("PM2.5监测"), ["pm2.5", "监测"]);
        assert_eq!(terms("ＰＬＣ控制"), ["plc", "控制"]);
        assert_eq!(terms("水，电"), ["水", "电"]);
        assert_eq!(terms("版本2.与"), ["版本", "2", "与"]);
        assert!(terms("").is_empty());
        assert!(terms("，。！").is_empty());
    }

    #[test]
    fn index_tokens_add_characters() {
        let mut terms = Vec::new();
        for_each_token_with("锂电池，水 5G", Some(&|_| true), |term, _, _| {
            terms.push(term.text())
        });
        assert_eq!(terms, ["锂", "锂电", "电", "电池", "池", "水", "5g"]);
        terms.clear();
        for_each_token_with(
            "锂电池，水",
            Some(&|c| c != '电' && c != '水'),
            |term, _, _| terms.push(term.text()),
        );
        assert_eq!(terms, ["锂", "锂电", "电池", "池"]);
    }

    #[test]
    fn spans_are_utf16() {
        // U+20000 takes two UTF-16 units.
        let text = "𠀀锂电池";
        let token = &tokens(text)[2];
        assert_eq!(token.term.text(), "电池");
        let spans = utf16_spans(text, &[(token.start, token.end)]);
        assert_eq!(spans, [Span { start: 3, end: 5 }]);
    }

    #[test]
    fn spans_merge() {
        let text = "锂电池";
        let spans = utf16_spans(text, &[(0, 6), (3, 9), (42, 50)]);
        assert_eq!(spans, [Span { start: 0, end: 3 }]);
    }
}
