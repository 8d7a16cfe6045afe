//! The inverted index of a catalog: one posting list per term across all text fields, the catalog's
//! keyword phrases, and per-resource codes for the structured components and filters.
//!
//! Postings are stored in one flat array (CSR) built in two passes over the catalog, so building a
//! million resources allocates the final arrays once instead of growing millions of small vectors.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use std::future::Future;

use crate::model::Resource;
use crate::pause::{no_pause, run_ready, RESOURCES_PER_PAUSE};
use crate::taxonomy::taxonomies;
use crate::text::{for_each_token, for_each_token_with, is_han, normalize, Term, HAN_SECOND};

/// The text fields, in posting order.
pub(crate) const FIELD_TITLE: usize = 0;
pub(crate) const FIELD_KEYWORDS: usize = 1;
pub(crate) const FIELD_BODY: usize = 2;
/// The summary's first sentence (its terms count in the body too): abstracts and expertise statements
/// open with what they are about.
pub(crate) const FIELD_LEAD: usize = 3;
pub(crate) const N_FIELDS: usize = 4;

/// Term frequencies of one posting, each saturated: title (4 bits), keywords (3), lead (3), body (6).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct PackedTf(pub(crate) u16);

impl PackedTf {
    fn new(counts: [u32; N_FIELDS]) -> PackedTf {
        PackedTf(
            (counts[FIELD_TITLE].min(15) as u16) << 12
                | (counts[FIELD_KEYWORDS].min(7) as u16) << 9
                | (counts[FIELD_LEAD].min(7) as u16) << 6
                | counts[FIELD_BODY].min(63) as u16,
        )
    }

    pub(crate) fn field(self, field: usize) -> u32 {
        match field {
            FIELD_TITLE => u32::from(self.0 >> 12),
            FIELD_KEYWORDS => u32::from((self.0 >> 9) & 0x7),
            FIELD_LEAD => u32::from((self.0 >> 6) & 0x7),
            _ => u32::from(self.0 & 0x3f),
        }
    }
}

/// A fast, deterministic hasher for term keys (FxHash). Only lookups use it; nothing iterates a map
/// in hash order to produce output.
#[derive(Default, Clone, Copy)]
pub struct FxHasher(u64);

impl Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        // Whole words, then the tail byte by byte: a copy of a variable-length tail is a call to
        // memcpy, which made string keys several times slower to hash.
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            self.write_u64(u64::from_le_bytes(word));
        }
        let tail = chunks.remainder();
        if !tail.is_empty() {
            let word = tail.iter().enumerate().fold(0u64, |word, (index, &byte)| {
                word | u64::from(byte) << (8 * index)
            });
            self.write_u64(word);
        }
    }

    fn write_u64(&mut self, value: u64) {
        self.0 = (self.0.rotate_left(5) ^ value).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }

    fn write_u8(&mut self, value: u8) {
        self.write_u64(u64::from(value));
    }

    fn write_usize(&mut self, value: usize) {
        self.write_u64(value as u64);
    }

    fn finish(&self) -> u64 {
        // The multiply leaves the low bits depending only on the key's low bits, and hash tables
        // pick buckets from the low bits: a Han bigram key keeps its first character in bits 21 and
        // up, so without this final mix every bigram ending in the same character shares a bucket.
        let mut hash = self.0;
        hash ^= hash >> 33;
        hash = hash.wrapping_mul(0xff51_afd7_ed55_8ccd);
        hash ^= hash >> 33;
        hash
    }
}

pub type FxMap<K, V> = HashMap<K, V, BuildHasherDefault<FxHasher>>;
pub(crate) type FxSet<K> = std::collections::HashSet<K, BuildHasherDefault<FxHasher>>;

/// A Han character in more than `1 / MAX_CHAR_SHARE` of the catalog (and more than
/// `MIN_CHAR_LIMIT` resources) is not indexed on its own. The limit bounds the cost of walking a
/// character's postings; walking a thousand costs little, so a small catalog keeps the evidence of
/// characters as common as a few percent of it (eval-dev, 1,903 resources, nDCG@10 with 1,000
/// against 200: kw2 0.9311 / 0.9291, topic 0.3706 / 0.3664, field 0.3904 / 0.3971), and nothing
/// changes from 32,000 resources up.
pub(crate) const MAX_CHAR_SHARE: usize = 32;
pub(crate) const MIN_CHAR_LIMIT: usize = 1000;

/// Compressed-sparse-row lists: `items[offsets[i]..offsets[i + 1]]` belong to row `i`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Csr<T> {
    pub(crate) offsets: Vec<u64>,
    pub items: Vec<T>,
}

impl<T: Copy> Csr<T> {
    pub(crate) fn row(&self, row: usize) -> &[T] {
        &self.items[self.row_range(row)]
    }

    /// Where a row's items are in `items` (empty for a row that does not exist), for arrays kept
    /// in parallel with them.
    pub(crate) fn row_range(&self, row: usize) -> std::ops::Range<usize> {
        match (self.offsets.get(row), self.offsets.get(row + 1)) {
            (Some(&start), Some(&end)) => start as usize..end as usize,
            _ => 0..0,
        }
    }

    /// Builds rows from (row, item) pairs given row by row in order.
    fn from_rows(rows: impl Iterator<Item = Vec<T>>) -> Csr<T> {
        let mut csr = Csr {
            offsets: vec![0],
            items: Vec::new(),
        };
        for row in rows {
            csr.items.extend_from_slice(&row);
            csr.offsets.push(csr.items.len() as u64);
        }
        csr.items.shrink_to_fit();
        csr
    }
}

/// The term dictionary: ids in first-seen order. Han terms, nearly all of them, have their own table
/// keyed by the packed 64-bit key: its entries are half the size of a `Term`'s and cheaper to hash
/// and compare, and looking terms up is most of the cost of building an index.
#[derive(Default)]
pub struct TermDict {
    han: FxMap<u64, u32>,
    words: FxMap<Box<str>, u32>,
}

impl TermDict {
    pub(crate) fn get(&self, term: &Term) -> Option<u32> {
        match term {
            Term::Han(key) => self.han.get(key).copied(),
            Term::Word(word) => self.words.get(word).copied(),
        }
    }

    /// The term's id, a new one if it is new.
    fn intern(&mut self, term: Term) -> u32 {
        let next_id = self.len() as u32;
        match term {
            Term::Han(key) => *self.han.entry(key).or_insert(next_id),
            Term::Word(word) => *self.words.entry(word).or_insert(next_id),
        }
    }

    /// The term's id, `id` if it is new.
    fn get_or_insert(&mut self, term: Term, id: u32) -> u32 {
        match term {
            Term::Han(key) => *self.han.entry(key).or_insert(id),
            Term::Word(word) => *self.words.entry(word).or_insert(id),
        }
    }

    pub fn len(&self) -> usize {
        self.han.len() + self.words.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The index of one catalog.
pub struct Index {
    pub(crate) n_docs: usize,
    pub terms: TermDict,
    /// Per term: ascending resource indexes, and their term frequencies per field (which
    /// `Matcher::new` takes, keeping per-posting impacts instead).
    pub postings: Csr<u32>,
    pub(crate) tfs: Vec<PackedTf>,
    /// Per field, per resource: the number of terms.
    pub(crate) lengths: [Vec<u32>; N_FIELDS],
    pub(crate) average_lengths: [f64; N_FIELDS],
    /// The catalog's keyword phrases (normalised), and per phrase the resources that list it.
    pub phrases: FxMap<Box<str>, u32>,
    /// Phrase keys by id.
    pub(crate) phrase_keys: Vec<Box<str>>,
    /// Per character some phrase starts with, the lengths in characters of such phrases (bit
    /// `n - 1` for `n`; phrases are at most 32 characters); and the characters some phrase ends
    /// with: scanning a need for the catalog's phrases looks up only the windows that could be one.
    pub(crate) phrase_lengths: FxMap<char, u32>,
    pub(crate) phrase_last_chars: FxSet<char>,
    pub(crate) phrase_postings: Csr<u32>,
    /// Per phrase: how many resources mention it (hold all its terms in title or body), and how
    /// many of those list it. Listed by few of the many that mention it, a phrase is a word of the
    /// field's prose (方法, 研究); listed by most, a name for a topic (朱熹, 红景天).
    pub phrase_mentions: Vec<(u32, u32)>,
    /// The Han characters too common to be indexed on their own as unigram terms (`MAX_CHAR_SHARE`).
    pub(crate) common_chars: CharSet,
    /// Per resource: its keyword phrases, in the order it lists them.
    pub(crate) doc_phrases: Csr<u32>,
    /// The first and last characters (`phrase_ends`) of each item of `doc_phrases`, beside it: a
    /// near miss needs one of them in common, and comparing these spares reading the keys of most
    /// candidates' keywords.
    pub(crate) doc_phrase_ends: Vec<(char, char)>,
    /// Beside each item of `doc_phrases`, the position of the keyword it came from in the
    /// resource's keywords followed by its expertise (to quote it as written).
    pub(crate) doc_phrase_sources: Vec<u16>,
    /// Distinct canonical discipline codes, and per resource the indexes of its disciplines.
    pub(crate) discipline_codes: Vec<String>,
    pub(crate) doc_disciplines: Csr<u16>,
    /// Distinct industry codes, and per resource its industries.
    pub(crate) industry_codes: Vec<String>,
    pub(crate) doc_industries: Csr<u16>,
    /// Distinct region codes, and per resource its region (`u16::MAX` for none).
    pub(crate) region_codes: Vec<String>,
    pub(crate) doc_region: Vec<u16>,
}

/// What a build keeping its analysis holds besides the index, so that the index of a slightly
/// different catalog can be built without analysing again the resources it shares with this one:
/// per resource its terms in the order the build first met them, with their frequencies (what the
/// tokenizer and the dictionary, most of a build, gave for it), and per Han character how many
/// resources hold it (what decides the common characters).
#[derive(Clone, Debug, Default)]
pub struct Analysis {
    doc_terms: Csr<(u32, PackedTf)>,
    char_frequency: Vec<u32>,
}

/// The postings of a catalog, by term, and the field lengths by resource.
struct Postings {
    offsets: Vec<u64>,
    docs: Vec<u32>,
    tfs: Vec<PackedTf>,
    lengths: [Vec<u32>; N_FIELDS],
}

/// Where a text of a resource counts.
#[derive(Clone, Copy)]
enum Source {
    Title,
    Keywords,
    /// The body, and its lead sentence the lead field too.
    Summary,
    Body,
}

/// Every text of a resource the index reads, in order, with where it counts: the one list of them,
/// for the terms and for the character counts alike.
fn for_each_field_text<'a>(resource: &'a Resource, mut visit: impl FnMut(Source, &'a str)) {
    visit(Source::Title, &resource.title);
    for keyword in resource.keywords.iter().chain(&resource.expertise) {
        visit(Source::Keywords, keyword);
    }
    visit(Source::Summary, &resource.summary);
    for text in [&resource.organization, &resource.position] {
        visit(Source::Body, text);
    }
}

/// Calls `emit(fields, term)` for every term of a resource's text fields, `fields` a bit set of
/// the fields it counts in (a term of the summary's lead sentence counts in the body and the lead,
/// and is looked up once). Characters not in `common` are terms too.
fn for_each_field_term(resource: &Resource, common: &CharSet, mut emit: impl FnMut(u8, Term)) {
    const BODY: u8 = 1 << FIELD_BODY;
    let chars: Option<&dyn Fn(char) -> bool> = Some(&|c| !common.contains(c));
    for_each_field_text(resource, |source, text| {
        let fields = match source {
            Source::Title => 1 << FIELD_TITLE,
            Source::Keywords => 1 << FIELD_KEYWORDS,
            Source::Body => BODY,
            Source::Summary => {
                let lead_end = lead_sentence(text).len();
                for_each_token_with(text, chars, |term, _, end| {
                    emit(
                        if end <= lead_end {
                            BODY | 1 << FIELD_LEAD
                        } else {
                            BODY
                        },
                        term,
                    )
                });
                return;
            }
        };
        for_each_token_with(text, chars, |term, _, _| emit(fields, term));
    });
}

/// A set of characters as a bit set over the code points (Han characters lie below U+32400).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct CharSet {
    bits: Vec<u64>,
}

impl CharSet {
    pub(crate) fn contains(&self, c: char) -> bool {
        let c = c as usize;
        self.bits
            .get(c / 64)
            .is_some_and(|word| word & (1 << (c % 64)) != 0)
    }

    fn insert(&mut self, c: char) {
        let c = c as usize;
        if self.bits.len() <= c / 64 {
            self.bits.resize(c / 64 + 1, 0);
        }
        self.bits[c / 64] |= 1 << (c % 64);
    }

    /// The Han characters in more than `limit` of `resources`: the ones not indexed on their own.
    async fn common_han<P, F>(resources: &[Resource], limit: usize, pause: &mut P) -> CharSet
    where
        P: FnMut() -> F,
        F: Future<Output = ()>,
    {
        CharSet::over(&han_frequency(resources, pause).await, limit)
    }

    /// The characters counted in more than `limit` resources of `frequency` (`han_frequency`).
    fn over(frequency: &[u32], limit: usize) -> CharSet {
        let mut set = CharSet::default();
        for (code, &count) in frequency.iter().enumerate() {
            if count as usize > limit {
                if let Some(c) = char::from_u32(code as u32) {
                    set.insert(c);
                }
            }
        }
        set
    }
}

/// Han characters lie below this code point.
const HAN_END: usize = 0x32400;

/// Per Han character (by code point): how many of `resources` hold it in a text the index reads.
async fn han_frequency<P, F>(resources: &[Resource], pause: &mut P) -> Vec<u32>
where
    P: FnMut() -> F,
    F: Future<Output = ()>,
{
    let mut frequency = vec![0u32; HAN_END];
    // The last resource that counted each character, so each counts once per resource.
    let mut seen = vec![u32::MAX; HAN_END];
    for (doc, resource) in resources.iter().enumerate() {
        for_each_field_text(resource, |_, text| {
            for c in text.chars() {
                let code = c as usize;
                if code < HAN_END && seen[code] != doc as u32 && is_han(c) {
                    seen[code] = doc as u32;
                    frequency[code] += 1;
                }
            }
        });
        if doc % (4 * RESOURCES_PER_PAUSE) == 0 {
            pause().await;
        }
    }
    frequency
}

/// Calls `count(code)` once for each distinct Han character a resource holds in a text the index
/// reads (what `han_frequency` counts of it).
fn for_each_distinct_han(resource: &Resource, mut count: impl FnMut(usize)) {
    let mut codes: Vec<usize> = Vec::new();
    for_each_field_text(resource, |_, text| {
        codes.extend(
            text.chars()
                .filter(|&c| (c as usize) < HAN_END && is_han(c))
                .map(|c| c as usize),
        );
    });
    codes.sort_unstable();
    codes.dedup();
    for code in codes {
        count(code);
    }
}

/// Calls `visit(field)` for each field in a bit set from `for_each_field_term`.
fn for_each_field(fields: u8, mut visit: impl FnMut(usize)) {
    for field in 0..N_FIELDS {
        if fields & (1 << field) != 0 {
            visit(field);
        }
    }
}

/// The first sentence of a text: up to the first 。！？；!?; or a full stop not between digits, at
/// most 120 characters.
pub(crate) fn lead_sentence(text: &str) -> &str {
    const MAX_CHARS: usize = 120;
    let mut previous = ' ';
    let mut chars = text.char_indices().peekable();
    let mut n_chars = 0;
    while let Some((offset, c)) = chars.next() {
        n_chars += 1;
        let next = chars.peek().map_or(' ', |&(_, next)| next);
        let ends = matches!(c, '。' | '！' | '？' | '；' | '!' | '?' | ';')
            || (c == '.' && !(previous.is_ascii_digit() && next.is_ascii_digit()));
        if ends || n_chars >= MAX_CHARS {
            return &text[..offset + c.len_utf8()];
        }
        previous = c;
    }
    text
}

/// A keyword as a phrase key: normalised, inner whitespace removed. Phrases of one character are
/// too ambiguous to be evidence and are skipped.
pub(crate) fn phrase_key(keyword: &str) -> Option<String> {
    let key: String = normalize(keyword)
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    (key.chars().count() >= 2).then_some(key)
}

/// Groups one resource's (term, field) occurrences into its postings: each term once, ascending,
/// with its frequency per field.
/// A resource's postings: `(term id, frequencies)` for each distinct term, ids from `lookup` (`None`
/// skips a term). Adds the resource's field lengths to `field_lengths`.
///
/// Han terms are grouped by their packed key within the resource first, so the dictionary (large,
/// and out of cache) is consulted once per distinct term rather than once per occurrence: that
/// lookup dominated the build. Words, rarer, are looked up as they come.
fn collect_doc_postings(
    resource: &Resource,
    common_chars: &CharSet,
    lookup: &mut impl FnMut(Term) -> Option<u32>,
    local: &mut Vec<(u64, u8)>,
    out: &mut Vec<(u32, PackedTf)>,
    field_lengths: &mut [u32; N_FIELDS],
) {
    // Word ids are kept with this bit set: Han keys stay below 2^42.
    const WORD: u64 = 1 << 63;
    local.clear();
    out.clear();
    for_each_field_term(resource, common_chars, |fields, term| {
        let key = match term {
            Term::Han(key) => key,
            word => match lookup(word) {
                Some(id) => WORD | u64::from(id),
                None => {
                    // Still counted in the field lengths, as every term is.
                    for_each_field(fields, |field| field_lengths[field] += 1);
                    return;
                }
            },
        };
        // A field's length counts its bigrams and words: its characters, indexed too, would only
        // scale every length alike.
        let counts = key & WORD != 0 || key & HAN_SECOND != 0;
        for_each_field(fields, |field| {
            if counts {
                field_lengths[field] += 1;
            }
            local.push((key, field as u8));
        });
    });
    local.sort_unstable();
    let mut start = 0;
    while start < local.len() {
        let key = local[start].0;
        let mut counts = [0u32; N_FIELDS];
        let mut end = start;
        while end < local.len() && local[end].0 == key {
            counts[local[end].1 as usize] += 1;
            end += 1;
        }
        let id = if key & WORD != 0 {
            Some((key & !WORD) as u32)
        } else {
            lookup(Term::Han(key))
        };
        if let Some(id) = id {
            out.push((id, PackedTf::new(counts)));
        }
        start = end;
    }
}

/// The first and last characters of a phrase (`'\0'` for an empty one).
pub(crate) fn phrase_ends(key: &str) -> (char, char) {
    (
        key.chars().next().unwrap_or('\0'),
        key.chars().next_back().unwrap_or('\0'),
    )
}

/// How many resources mention `key` in their title or body (hold each of its terms there), and how
/// many of those list it as a keyword (`listers`, ascending): intersections of the terms'
/// postings, rarest first. (0, 0) when some term is in no resource.
fn phrase_mentions_of(
    key: &str,
    listers: &[u32],
    terms: &TermDict,
    offsets: &[u64],
    docs: &[u32],
    tfs: &[PackedTf],
) -> (u32, u32) {
    let mut lists: Vec<std::ops::Range<usize>> = Vec::new();
    let mut missing = false;
    for_each_token(key, |term, _, _| match terms.get(&term) {
        Some(id) => lists.push(offsets[id as usize] as usize..offsets[id as usize + 1] as usize),
        None => missing = true,
    });
    if missing || lists.is_empty() {
        return (0, 0);
    }
    lists.sort_by_key(|range| (range.len(), range.start));
    lists.dedup();
    let in_text = |position: usize| {
        let tf = tfs[position];
        tf.field(FIELD_TITLE) > 0 || tf.field(FIELD_BODY) > 0
    };
    let (first, rest) = lists.split_first().expect("not empty");
    let mut cursors: Vec<usize> = rest.iter().map(|range| range.start).collect();
    let mut lister = 0;
    let (mut mentioned, mut both) = (0u32, 0u32);
    'docs: for position in first.clone() {
        let doc = docs[position];
        if !in_text(position) {
            continue;
        }
        for (range, cursor) in rest.iter().zip(&mut cursors) {
            // Gallop to the first posting not below `doc`.
            let tail = &docs[*cursor..range.end];
            let mut step = 1;
            while step < tail.len() && tail[step] < doc {
                step *= 2;
            }
            let lower = step / 2;
            let end = (step + 1).min(tail.len());
            *cursor += lower + tail[lower..end].partition_point(|&d| d < doc);
            if *cursor >= range.end {
                break 'docs;
            }
            if docs[*cursor] != doc || !in_text(*cursor) {
                continue 'docs;
            }
        }
        mentioned += 1;
        lister += listers[lister..].partition_point(|&d| d < doc);
        if listers.get(lister) == Some(&doc) {
            both += 1;
        }
    }
    (mentioned, both)
}

/// The keyword phrases of a catalog as a build lists them: the phrases and their ids (first met
/// first), per phrase the resources listing it, per resource its phrases (each once, in the order
/// it lists them) and beside each the position of the keyword it came from.
#[derive(Default)]
struct PhraseLists {
    phrases: FxMap<Box<str>, u32>,
    phrase_docs: Vec<Vec<u32>>,
    doc_phrase_rows: Vec<Vec<u32>>,
    doc_phrase_sources: Vec<u16>,
}

impl PhraseLists {
    /// Adds resource `doc`'s phrases: those `previous` (a previous index's phrases) holds get the
    /// new id `remap` gives them, numbered as met; the others go to `phrases`.
    fn add(
        &mut self,
        doc: usize,
        resource: &Resource,
        previous: &FxMap<Box<str>, u32>,
        remap: &mut [u32],
    ) {
        let mut row = Vec::with_capacity(resource.keywords.len());
        for (source, keyword) in resource
            .keywords
            .iter()
            .chain(&resource.expertise)
            .enumerate()
        {
            let Some(key) = phrase_key(keyword) else {
                continue;
            };
            let n_chars = key.chars().count();
            if n_chars > 32 {
                continue;
            }
            let next_id = self.phrase_docs.len() as u32;
            let id = match previous.get(key.as_str()) {
                Some(&old) => self.renumber(old, remap),
                None => *self.phrases.entry(key.into_boxed_str()).or_insert(next_id),
            };
            if id as usize == self.phrase_docs.len() {
                self.phrase_docs.push(Vec::new());
            }
            if self.phrase_docs[id as usize].last() != Some(&(doc as u32)) {
                self.phrase_docs[id as usize].push(doc as u32);
                row.push(id);
                self.doc_phrase_sources
                    .push(source.min(usize::from(u16::MAX)) as u16);
            }
        }
        self.doc_phrase_rows.push(row);
    }

    /// The new id of a phrase of the previous index.
    fn renumber(&mut self, old: u32, remap: &mut [u32]) -> u32 {
        if remap[old as usize] == UNMET {
            remap[old as usize] = self.phrase_docs.len() as u32;
            self.phrase_docs.push(Vec::new());
        }
        remap[old as usize]
    }

    /// The lists of `resources`, taking from `previous` the phrases of each resource found there
    /// (`reused`: its position in `previous`) rather than normalising its keywords again.
    fn renumbered(resources: &[Resource], previous: &Index, reused: &[Option<u32>]) -> PhraseLists {
        let mut lists = PhraseLists::default();
        let mut remap = vec![UNMET; previous.phrases.len()];
        for (doc, resource) in resources.iter().enumerate() {
            let Some(old) = reused.get(doc).copied().flatten() else {
                lists.add(doc, resource, &previous.phrases, &mut remap);
                continue;
            };
            // Its row there lists each of its phrases once, in the order it lists them.
            let range = previous.doc_phrases.row_range(old as usize);
            let mut row = Vec::with_capacity(range.len());
            for (&old_id, &source) in previous.doc_phrases.items[range.clone()]
                .iter()
                .zip(&previous.doc_phrase_sources[range])
            {
                let id = lists.renumber(old_id, &mut remap);
                lists.phrase_docs[id as usize].push(doc as u32);
                row.push(id);
                lists.doc_phrase_sources.push(source);
            }
            lists.doc_phrase_rows.push(row);
        }
        let mut phrases = previous.phrases.clone();
        phrases.retain(|_, id| {
            *id = remap[*id as usize];
            *id != UNMET
        });
        phrases.extend(std::mem::take(&mut lists.phrases));
        lists.phrases = phrases;
        lists
    }
}

/// The number of resources a Han character may be in and still be indexed on its own.
fn char_limit(n_docs: usize) -> usize {
    (n_docs / MAX_CHAR_SHARE).max(MIN_CHAR_LIMIT)
}

/// Catalogs of up to this many resources keep their analysis (`Index::build_keeping`): about 8
/// bytes per posting, some 30 MB at 20,000 resources. Larger ones are built afresh on every change.
pub const MAX_KEPT_RESOURCES: usize = 100_000;

/// A term id not given yet.
const UNMET: u32 = u32::MAX;

/// The term ids of a build that keeps its analysis, given in the order a fresh build gives them
/// (first met first), to terms of the previous dictionary (renumbered) and to new ones alike.
struct Numbering {
    /// Per id of the previous dictionary: its new id, `UNMET` while no resource has met it.
    remap: Vec<u32>,
    /// The terms the previous dictionary lacks, with their new ids.
    fresh: TermDict,
    next: u32,
    /// Per new id: the last resource analysed that met it.
    last_doc: Vec<u32>,
    /// The resource being analysed: its terms in the order it met them.
    order: Vec<u32>,
}

impl Numbering {
    fn new_id(&mut self) -> u32 {
        let id = self.next;
        self.next += 1;
        self.last_doc.push(UNMET);
        id
    }

    /// The new id of a term of the previous dictionary.
    fn renumber(&mut self, old: u32) -> u32 {
        if self.remap[old as usize] == UNMET {
            self.remap[old as usize] = self.new_id();
        }
        self.remap[old as usize]
    }

    /// The new id of a term resource `doc` meets, noted in `order` the first time it does.
    fn meet(&mut self, previous: &TermDict, term: Term, doc: u32) -> u32 {
        let id = match previous.get(&term) {
            Some(old) => self.renumber(old),
            None => {
                let next = self.next;
                let id = self.fresh.get_or_insert(term, next);
                if id == next {
                    self.new_id();
                }
                id
            }
        };
        if self.last_doc[id as usize] != doc {
            self.last_doc[id as usize] = doc;
            self.order.push(id);
        }
        id
    }
}

/// Interns strings to small indexes in first-seen order.
struct Interner {
    codes: Vec<String>,
    lookup: FxMap<String, u16>,
}

impl Interner {
    fn new() -> Interner {
        Interner {
            codes: Vec::new(),
            lookup: FxMap::default(),
        }
    }

    fn intern(&mut self, code: &str) -> u16 {
        if let Some(&id) = self.lookup.get(code) {
            return id;
        }
        let id = self.codes.len().min(u16::MAX as usize - 1) as u16;
        if self.codes.len() < u16::MAX as usize - 1 {
            self.codes.push(code.to_string());
            self.lookup.insert(code.to_string(), id);
        }
        id
    }
}

/// The tables of the keyword phrases that follow from their lists (`PhraseLists`): what every
/// build, fresh or updated, derives the same way.
struct PhraseTables {
    postings: Csr<u32>,
    /// Each phrase's key, by id.
    keys: Vec<Box<str>>,
    /// Each phrase's first and last character, by id.
    ends: Vec<(char, char)>,
    /// Per first character, the lengths (in characters, as bits) of the phrases starting with it.
    lengths: FxMap<char, u32>,
    last_chars: FxSet<char>,
    doc_phrases: Csr<u32>,
}

impl PhraseTables {
    fn new(
        phrases: &FxMap<Box<str>, u32>,
        phrase_docs: Vec<Vec<u32>>,
        doc_phrase_rows: Vec<Vec<u32>>,
    ) -> PhraseTables {
        let postings = Csr::from_rows(phrase_docs.into_iter());
        // Each entry is written at its own id, so the map's order does not matter.
        let mut keys: Vec<Box<str>> = vec![Box::from(""); phrases.len()];
        #[allow(clippy::iter_over_hash_type)]
        for (key, &id) in phrases {
            keys[id as usize] = key.clone();
        }
        let ends: Vec<(char, char)> = keys.iter().map(|key| phrase_ends(key)).collect();
        let mut lengths: FxMap<char, u32> = FxMap::default();
        for (key, &(first, _)) in keys.iter().zip(&ends) {
            let n_chars = key.chars().count().clamp(1, 32);
            *lengths.entry(first).or_insert(0) |= 1 << (n_chars - 1);
        }
        let last_chars = ends.iter().map(|&(_, last)| last).collect();
        PhraseTables {
            postings,
            keys,
            ends,
            lengths,
            last_chars,
            doc_phrases: Csr::from_rows(doc_phrase_rows.into_iter()),
        }
    }
}

/// Each field's average length over the catalog (at least 1), for BM25F's length normalisation.
fn average_lengths(lengths: &[Vec<u32>; N_FIELDS], n_docs: usize) -> [f64; N_FIELDS] {
    std::array::from_fn(|field| {
        let sum: u64 = lengths[field].iter().map(|&length| u64::from(length)).sum();
        if n_docs == 0 {
            1.0
        } else {
            (sum as f64 / n_docs as f64).max(1.0)
        }
    })
}

impl Index {
    pub fn build(resources: &[Resource]) -> Index {
        run_ready(Index::build_pausing(resources, &mut no_pause))
    }

    /// `build`, awaiting `pause()` every few resources (see `crate::pause`).
    pub(crate) async fn build_pausing<P, F>(resources: &[Resource], pause: &mut P) -> Index
    where
        P: FnMut() -> F,
        F: Future<Output = ()>,
    {
        let n_docs = resources.len();
        // Pass 1: the term dictionary, document frequencies, field lengths, and each resource's
        // postings (term, frequencies) while they fit the buffer budget. Dictionary lookups miss the
        // cache and dominate the build, so pass 2 reuses these rather than looking every term up again;
        // resources past the budget are tokenized again, which bounds the extra memory at a million.
        const BUFFER_BUDGET: usize = 48 << 20;
        // Characters in more than a share of the catalog say little and would cost much: only the
        // others are indexed on their own.
        let common_chars = CharSet::common_han(
            resources,
            (n_docs / MAX_CHAR_SHARE).max(MIN_CHAR_LIMIT),
            pause,
        )
        .await;
        let mut terms = TermDict::default();
        let mut document_frequency: Vec<u32> = Vec::new();
        let mut lengths: [Vec<u32>; N_FIELDS] = std::array::from_fn(|_| Vec::with_capacity(n_docs));
        let mut buffered: Vec<(u32, PackedTf)> = Vec::new();
        let mut buffered_ends: Vec<usize> = Vec::new();
        let mut buffering = true;
        let mut doc_terms: Vec<(u64, u8)> = Vec::new();
        let mut doc_postings: Vec<(u32, PackedTf)> = Vec::new();
        for (doc, resource) in resources.iter().enumerate() {
            if doc % RESOURCES_PER_PAUSE == 0 {
                pause().await;
            }
            let mut field_lengths = [0u32; N_FIELDS];
            let mut intern = |term: Term| {
                let id = terms.intern(term);
                if id as usize == document_frequency.len() {
                    document_frequency.push(0);
                }
                Some(id)
            };
            collect_doc_postings(
                resource,
                &common_chars,
                &mut intern,
                &mut doc_terms,
                &mut doc_postings,
                &mut field_lengths,
            );
            for field in 0..N_FIELDS {
                lengths[field].push(field_lengths[field]);
            }
            for &(id, _) in &doc_postings {
                document_frequency[id as usize] += 1;
            }
            // Buffered resources are a prefix: the first one over the budget ends buffering.
            buffering &= buffered.len() + doc_postings.len() <= BUFFER_BUDGET;
            if buffering {
                buffered.extend_from_slice(&doc_postings);
                buffered_ends.push(buffered.len());
            }
        }
        // Pass 2: fill each term's slice of the flat posting array, in resource order.
        let mut offsets = Vec::with_capacity(document_frequency.len() + 1);
        let mut total = 0u64;
        offsets.push(0);
        for &frequency in &document_frequency {
            total += u64::from(frequency);
            offsets.push(total);
        }
        drop(document_frequency);
        let mut cursor: Vec<u64> = offsets[..offsets.len() - 1].to_vec();
        let mut docs = vec![0u32; total as usize];
        let mut tfs = vec![PackedTf::default(); total as usize];
        let mut scatter = |doc: usize, postings: &[(u32, PackedTf)]| {
            for &(id, tf) in postings {
                let slot = &mut cursor[id as usize];
                docs[*slot as usize] = doc as u32;
                tfs[*slot as usize] = tf;
                *slot += 1;
            }
        };
        let mut start = 0;
        for (doc, &end) in buffered_ends.iter().enumerate() {
            scatter(doc, &buffered[start..end]);
            start = end;
            if doc % (16 * RESOURCES_PER_PAUSE) == 0 {
                pause().await;
            }
        }
        drop(buffered);
        for (doc, resource) in resources.iter().enumerate().skip(buffered_ends.len()) {
            if doc % RESOURCES_PER_PAUSE == 0 {
                pause().await;
            }
            collect_doc_postings(
                resource,
                &common_chars,
                &mut |term: Term| terms.get(&term),
                &mut doc_terms,
                &mut doc_postings,
                &mut [0; N_FIELDS],
            );
            scatter(doc, &doc_postings);
        }
        drop(cursor);
        let average_lengths = average_lengths(&lengths, n_docs);

        // Keyword phrases.
        let mut phrases: FxMap<Box<str>, u32> = FxMap::default();
        let mut phrase_docs: Vec<Vec<u32>> = Vec::new();
        let mut doc_phrase_rows: Vec<Vec<u32>> = Vec::with_capacity(n_docs);
        let mut doc_phrase_sources: Vec<u16> = Vec::new();
        for (doc, resource) in resources.iter().enumerate() {
            if doc % (16 * RESOURCES_PER_PAUSE) == 0 {
                pause().await;
            }
            let mut row = Vec::with_capacity(resource.keywords.len());
            for (source, keyword) in resource
                .keywords
                .iter()
                .chain(&resource.expertise)
                .enumerate()
            {
                let Some(key) = phrase_key(keyword) else {
                    continue;
                };
                let n_chars = key.chars().count();
                if n_chars > 32 {
                    continue;
                }
                let next_id = phrases.len() as u32;
                let id = *phrases.entry(key.into_boxed_str()).or_insert(next_id);
                if id as usize == phrase_docs.len() {
                    phrase_docs.push(Vec::new());
                }
                if phrase_docs[id as usize].last() != Some(&(doc as u32)) {
                    phrase_docs[id as usize].push(doc as u32);
                    row.push(id);
                    doc_phrase_sources.push(source.min(usize::from(u16::MAX)) as u16);
                }
            }
            doc_phrase_rows.push(row);
        }
        let tables = PhraseTables::new(&phrases, phrase_docs, doc_phrase_rows);
        // A few intersections between pauses: at 100,000 resources all of them take about 90 ms
        // natively, one main-thread task in a browser otherwise.
        const PHRASES_PER_PAUSE: usize = 16;
        let mut phrase_mentions = Vec::with_capacity(tables.keys.len());
        for (id, key) in tables.keys.iter().enumerate() {
            if id % PHRASES_PER_PAUSE == 0 {
                pause().await;
            }
            phrase_mentions.push(phrase_mentions_of(
                key,
                tables.postings.row(id),
                &terms,
                &offsets,
                &docs,
                &tfs,
            ));
        }
        Index::from_parts(
            resources,
            common_chars,
            terms,
            Postings {
                offsets,
                docs,
                tfs,
                lengths,
            },
            average_lengths,
            (phrases, tables, phrase_mentions, doc_phrase_sources),
        )
    }

    /// The index from its postings: the field statistics, the keyword phrases and the structured
    /// codes (what every build computes over the whole catalog). The end of `build_pausing`, for the
    /// builds that never pause (`build_keeping`, `update`): the widget's build writes its pausing
    /// loops out rather than calling this (a second future nested in it made the wasm widget about
    /// 2 KB (gzip) larger and over its budget); the rest is shared (`average_lengths`,
    /// `PhraseTables::new`, `phrase_mentions_of`, `Index::from_parts`). The property tests check
    /// that the two give the same index.
    /// With `previous` (an index and, per resource, the position of the same resource in it), the
    /// keyword phrases of a resource found there are taken from it rather than normalised again.
    fn assemble(
        resources: &[Resource],
        common_chars: CharSet,
        terms: TermDict,
        postings: Postings,
        previous: Option<(&Index, &[Option<u32>])>,
    ) -> Index {
        let n_docs = resources.len();
        let Postings {
            offsets,
            docs,
            tfs,
            lengths,
        } = postings;
        let average_lengths = average_lengths(&lengths, n_docs);

        // Keyword phrases, numbered first met first.
        let PhraseLists {
            phrases,
            phrase_docs,
            doc_phrase_rows,
            doc_phrase_sources,
        } = match previous {
            Some((index, reused)) => PhraseLists::renumbered(resources, index, reused),
            None => {
                let mut lists = PhraseLists::default();
                for (doc, resource) in resources.iter().enumerate() {
                    lists.add(doc, resource, &FxMap::default(), &mut Vec::new());
                }
                lists
            }
        };
        let tables = PhraseTables::new(&phrases, phrase_docs, doc_phrase_rows);
        let phrase_mentions = tables
            .keys
            .iter()
            .enumerate()
            .map(|(id, key)| {
                phrase_mentions_of(key, tables.postings.row(id), &terms, &offsets, &docs, &tfs)
            })
            .collect();
        Index::from_parts(
            resources,
            common_chars,
            terms,
            Postings {
                offsets,
                docs,
                tfs,
                lengths,
            },
            average_lengths,
            (phrases, tables, phrase_mentions, doc_phrase_sources),
        )
    }

    /// The index from its postings and phrase tables: the per-resource phrase ends and the
    /// structured codes, which every build (fresh or updated) derives the same way.
    fn from_parts(
        resources: &[Resource],
        common_chars: CharSet,
        terms: TermDict,
        postings: Postings,
        average_lengths: [f64; N_FIELDS],
        (phrases, tables, phrase_mentions, doc_phrase_sources): (
            FxMap<Box<str>, u32>,
            PhraseTables,
            Vec<(u32, u32)>,
            Vec<u16>,
        ),
    ) -> Index {
        let doc_phrase_ends = tables
            .doc_phrases
            .items
            .iter()
            .map(|&id| tables.ends[id as usize])
            .collect();

        // Structured codes.
        let taxonomies = taxonomies();
        let mut discipline_interner = Interner::new();
        let mut industry_interner = Interner::new();
        let mut region_interner = Interner::new();
        let doc_disciplines = Csr::from_rows(resources.iter().map(|resource| {
            resource
                .disciplines
                .iter()
                .map(|discipline| {
                    let code = taxonomies
                        .canonical_discipline(discipline)
                        .unwrap_or(discipline);
                    discipline_interner.intern(code)
                })
                .collect()
        }));
        let doc_industries = Csr::from_rows(resources.iter().map(|resource| {
            resource
                .industries
                .iter()
                .map(|industry| industry_interner.intern(industry))
                .collect()
        }));
        let doc_region = resources
            .iter()
            .map(|resource| {
                resource
                    .region
                    .as_deref()
                    .map_or(u16::MAX, |region| region_interner.intern(region))
            })
            .collect();

        let Postings {
            offsets,
            docs,
            tfs,
            lengths,
        } = postings;
        Index {
            n_docs: resources.len(),
            common_chars,
            terms,
            postings: Csr {
                offsets,
                items: docs,
            },
            tfs,
            lengths,
            average_lengths,
            phrases,
            phrase_keys: tables.keys,
            phrase_lengths: tables.lengths,
            phrase_last_chars: tables.last_chars,
            phrase_postings: tables.postings,
            phrase_mentions,
            doc_phrases: tables.doc_phrases,
            doc_phrase_ends,
            doc_phrase_sources,
            discipline_codes: discipline_interner.codes,
            doc_disciplines,
            industry_codes: industry_interner.codes,
            doc_industries,
            region_codes: region_interner.codes,
            doc_region,
        }
    }

    /// `build`, and the analysis that `update` builds the next index from (more memory: see
    /// `MAX_KEPT_RESOURCES`, beyond which there is none). The same index.
    pub fn build_keeping(resources: &[Resource]) -> (Index, Option<Analysis>) {
        if resources.len() > MAX_KEPT_RESOURCES {
            return (Index::build(resources), None);
        }
        let frequency = run_ready(han_frequency(resources, &mut no_pause));
        let common_chars = CharSet::over(&frequency, char_limit(resources.len()));
        let (index, analysis) = Index::analysed(resources, frequency, common_chars, None, &[]);
        (index, Some(analysis))
    }

    /// The index of `resources` and its analysis, built from this one, the index of `old`, and
    /// its `analysis` (`old_doc` finds a resource's position in `old` by id): the resources `old`
    /// holds unchanged are not analysed again. The same as `build_keeping(resources)`, which it
    /// falls back to when the common characters change.
    pub fn update(
        &self,
        analysis: &Analysis,
        old: &[Resource],
        old_doc: impl Fn(&str) -> Option<u32>,
        resources: &[Resource],
    ) -> (Index, Option<Analysis>) {
        match self.try_update(analysis, old, old_doc, resources) {
            Some((index, analysis)) => (index, Some(analysis)),
            None => Index::build_keeping(resources),
        }
    }

    fn try_update(
        &self,
        analysis: &Analysis,
        old: &[Resource],
        old_doc: impl Fn(&str) -> Option<u32>,
        resources: &[Resource],
    ) -> Option<(Index, Analysis)> {
        if resources.len() > MAX_KEPT_RESOURCES || old.len() != self.n_docs {
            return None;
        }
        let mut kept = vec![false; old.len()];
        let mut reused = Vec::with_capacity(resources.len());
        for resource in resources {
            let found =
                old_doc(&resource.id).filter(|&doc| old.get(doc as usize) == Some(resource));
            if let Some(doc) = found {
                // Each analysis is reused once, so the character counts stay right.
                if std::mem::replace(&mut kept[doc as usize], true) {
                    return None;
                }
            }
            reused.push(found);
        }
        let mut frequency = analysis.char_frequency.clone();
        for (resource, _) in old.iter().zip(&kept).filter(|(_, &kept)| !kept) {
            for_each_distinct_han(resource, |code| {
                frequency[code] = frequency[code].saturating_sub(1);
            });
        }
        for (resource, _) in resources
            .iter()
            .zip(&reused)
            .filter(|(_, found)| found.is_none())
        {
            for_each_distinct_han(resource, |code| frequency[code] += 1);
        }
        let common_chars = CharSet::over(&frequency, char_limit(resources.len()));
        if common_chars != self.common_chars {
            return None;
        }
        Some(Index::analysed(
            resources,
            frequency,
            common_chars,
            Some((self, analysis)),
            &reused,
        ))
    }

    /// The index of `resources` with its analysis: resource `doc` takes the analysis of resource
    /// `reused[doc]` of `previous` when there is one, and is analysed otherwise. Term ids are
    /// given in the order `build` gives them (first met first), so the index is the one `build`
    /// makes.
    fn analysed(
        resources: &[Resource],
        char_frequency: Vec<u32>,
        common_chars: CharSet,
        previous: Option<(&Index, &Analysis)>,
        reused: &[Option<u32>],
    ) -> (Index, Analysis) {
        let n_docs = resources.len();
        let empty = TermDict::default();
        let previous_terms = previous.map_or(&empty, |(index, _)| &index.terms);
        let mut numbering = Numbering {
            remap: vec![UNMET; previous_terms.len()],
            fresh: TermDict::default(),
            next: 0,
            last_doc: Vec::new(),
            order: Vec::new(),
        };
        let mut lengths: [Vec<u32>; N_FIELDS] = std::array::from_fn(|_| Vec::with_capacity(n_docs));
        let mut rows: Csr<(u32, PackedTf)> = Csr {
            offsets: Vec::with_capacity(n_docs + 1),
            items: Vec::new(),
        };
        rows.offsets.push(0);
        let mut tf_of: Vec<PackedTf> = Vec::new();
        let mut doc_terms: Vec<(u64, u8)> = Vec::new();
        let mut doc_postings: Vec<(u32, PackedTf)> = Vec::new();
        for (doc, resource) in resources.iter().enumerate() {
            match previous.zip(reused.get(doc).copied().flatten()) {
                Some(((index, analysis), old)) => {
                    for &(old_id, tf) in analysis.doc_terms.row(old as usize) {
                        let id = numbering.renumber(old_id);
                        rows.items.push((id, tf));
                    }
                    for (lengths, previous) in lengths.iter_mut().zip(&index.lengths) {
                        lengths.push(previous[old as usize]);
                    }
                }
                None => {
                    numbering.order.clear();
                    let mut field_lengths = [0u32; N_FIELDS];
                    collect_doc_postings(
                        resource,
                        &common_chars,
                        &mut |term: Term| Some(numbering.meet(previous_terms, term, doc as u32)),
                        &mut doc_terms,
                        &mut doc_postings,
                        &mut field_lengths,
                    );
                    tf_of.resize(numbering.next as usize, PackedTf::default());
                    for &(id, tf) in &doc_postings {
                        tf_of[id as usize] = tf;
                    }
                    rows.items
                        .extend(numbering.order.iter().map(|&id| (id, tf_of[id as usize])));
                    for field in 0..N_FIELDS {
                        lengths[field].push(field_lengths[field]);
                    }
                }
            }
            rows.offsets.push(rows.items.len() as u64);
        }
        drop(tf_of);
        // The postings, filled as `build` fills them: each term's slice in resource order.
        let mut document_frequency = vec![0u32; numbering.next as usize];
        for &(id, _) in &rows.items {
            document_frequency[id as usize] += 1;
        }
        let mut offsets = Vec::with_capacity(document_frequency.len() + 1);
        let mut total = 0u64;
        offsets.push(0);
        for &frequency in &document_frequency {
            total += u64::from(frequency);
            offsets.push(total);
        }
        drop(document_frequency);
        let mut cursor: Vec<u64> = offsets[..offsets.len() - 1].to_vec();
        let mut docs = vec![0u32; total as usize];
        let mut tfs = vec![PackedTf::default(); total as usize];
        for doc in 0..n_docs {
            for &(id, tf) in rows.row(doc) {
                let slot = &mut cursor[id as usize];
                docs[*slot as usize] = doc as u32;
                tfs[*slot as usize] = tf;
                *slot += 1;
            }
        }
        drop(cursor);
        // The dictionary: the previous one's terms still met, renumbered, and the new ones.
        let mut terms = TermDict::default();
        if let Some((index, _)) = previous {
            let remap = &numbering.remap;
            let renumber = |id: &mut u32| {
                *id = remap[*id as usize];
                *id != UNMET
            };
            terms.han = index.terms.han.clone();
            terms.han.retain(|_, id| renumber(id));
            terms.words = index.terms.words.clone();
            terms.words.retain(|_, id| renumber(id));
        }
        terms.han.extend(numbering.fresh.han);
        terms.words.extend(numbering.fresh.words);
        let index = Index::assemble(
            resources,
            common_chars,
            terms,
            Postings {
                offsets,
                docs,
                tfs,
                lengths,
            },
            previous.map(|(index, _)| (index, reused)),
        );
        let analysis = Analysis {
            doc_terms: rows,
            char_frequency,
        };
        (index, analysis)
    }

    /// Whether some resource lists the pair `a b` (normalised characters) as a keyword phrase.
    pub(crate) fn lists_pair(&self, a: char, b: char) -> bool {
        let mut key = [0u8; 8];
        let first = a.encode_utf8(&mut key).len();
        let second = b.encode_utf8(&mut key[first..]).len();
        std::str::from_utf8(&key[..first + second]).is_ok_and(|key| self.phrases.contains_key(key))
    }

    /// Where a term's postings are in `postings.items` (and `tfs`).
    pub(crate) fn posting_range(&self, term_id: u32) -> std::ops::Range<usize> {
        let row = term_id as usize;
        self.postings.offsets[row] as usize..self.postings.offsets[row + 1] as usize
    }

    /// The resources a term occurs in, ascending.
    pub(crate) fn docs(&self, term_id: u32) -> &[u32] {
        &self.postings.items[self.posting_range(term_id)]
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use proptest::prelude::*;

    use crate::index::Index;
    use crate::model::{Kind, Resource};

    /// Han characters, a few letters, digits and separators: enough for shared bigrams, words,
    /// phrases and lead sentences.
    const ALPHABET: &[char] = &[
        '锂', '电', '池', '离', '子', '材', '料', '机', '器', '人', '控', '制', '水', '处', '理',
        'a', 'b', 'p', 'l', 'c', '5', '2', '.', ' ', '，', '。', '；',
    ];

    fn text(max: usize) -> impl Strategy<Value = String> {
        prop::collection::vec(prop::sample::select(ALPHABET), 0..max)
            .prop_map(|chars| chars.into_iter().collect())
    }

    /// A resource's content (its id is given where it is placed).
    fn content() -> impl Strategy<Value = Resource> {
        (
            text(16),
            text(80),
            prop::collection::vec(text(6), 0..4),
            prop::collection::vec(text(6), 0..2),
            text(10),
            prop::option::of(prop::sample::select(vec!["440305", "110101", "999999"])),
            prop::collection::vec(prop::sample::select(vec!["080", "0802", "460"]), 0..3),
            prop::collection::vec(prop::sample::select(vec!["C38", "I65"]), 0..2),
        )
            .prop_map(
                |(
                    title,
                    summary,
                    keywords,
                    expertise,
                    organization,
                    region,
                    disciplines,
                    industries,
                )| {
                    let mut resource = Resource::new(String::new(), Kind::Expert);
                    resource.title = title;
                    resource.summary = summary;
                    resource.keywords = keywords;
                    resource.expertise = expertise;
                    resource.organization = organization;
                    resource.region = region.map(str::to_string);
                    resource.disciplines = disciplines.into_iter().map(str::to_string).collect();
                    resource.industries = industries.into_iter().map(str::to_string).collect();
                    resource
                },
            )
    }

    /// A catalog sorted by id, and the changes to it: per id of 0..40, nothing, an upsert or a
    /// delete, in rounds.
    fn catalog_and_changes(
    ) -> impl Strategy<Value = (Vec<Resource>, Vec<Vec<(usize, Option<Resource>)>>)> {
        let resources = prop::collection::btree_map(0usize..40, content(), 0..30);
        let change = (0usize..40, prop::option::of(content()));
        let rounds = prop::collection::vec(prop::collection::vec(change, 0..5), 1..4);
        (resources, rounds).prop_map(|(resources, rounds)| {
            let catalog = resources
                .into_iter()
                .map(|(id, mut resource)| {
                    resource.id = format!("r{id:02}");
                    resource
                })
                .collect();
            (catalog, rounds)
        })
    }

    fn apply(catalog: &[Resource], changes: &[(usize, Option<Resource>)]) -> Vec<Resource> {
        let mut by_id: std::collections::BTreeMap<String, Resource> = catalog
            .iter()
            .map(|resource| (resource.id.clone(), resource.clone()))
            .collect();
        for (id, change) in changes {
            let id = format!("r{id:02}");
            match change {
                Some(resource) => {
                    let mut resource = resource.clone();
                    resource.id = id.clone();
                    by_id.insert(id, resource);
                }
                None => {
                    by_id.remove(&id);
                }
            }
        }
        by_id.into_values().collect()
    }

    /// Every part of two indexes is the same (the dictionaries as maps, the floats bit for bit).
    fn assert_same(a: &Index, b: &Index) {
        assert_eq!(a.n_docs, b.n_docs);
        assert_eq!(a.terms.han, b.terms.han);
        assert_eq!(a.terms.words, b.terms.words);
        assert_eq!(a.postings, b.postings);
        assert_eq!(a.tfs, b.tfs);
        assert_eq!(a.lengths, b.lengths);
        assert_eq!(
            a.average_lengths.map(f64::to_bits),
            b.average_lengths.map(f64::to_bits)
        );
        assert_eq!(a.phrases, b.phrases);
        assert_eq!(a.phrase_keys, b.phrase_keys);
        assert_eq!(a.phrase_lengths, b.phrase_lengths);
        assert_eq!(a.phrase_last_chars, b.phrase_last_chars);
        assert_eq!(a.phrase_postings, b.phrase_postings);
        assert_eq!(a.phrase_mentions, b.phrase_mentions);
        assert_eq!(a.common_chars, b.common_chars);
        assert_eq!(a.doc_phrases, b.doc_phrases);
        assert_eq!(a.doc_phrase_ends, b.doc_phrase_ends);
        assert_eq!(a.doc_phrase_sources, b.doc_phrase_sources);
        assert_eq!(a.discipline_codes, b.discipline_codes);
        assert_eq!(a.doc_disciplines, b.doc_disciplines);
        assert_eq!(a.industry_codes, b.industry_codes);
        assert_eq!(a.doc_industries, b.doc_industries);
        assert_eq!(a.region_codes, b.region_codes);
        assert_eq!(a.doc_region, b.doc_region);
    }

    proptest! {
        /// An index kept and updated round after round is, after each round, the index a fresh
        /// build of that catalog makes, and keeps the analysis a fresh keeping build keeps.
        #[test]
        fn an_updated_index_is_the_fresh_build((catalog, rounds) in catalog_and_changes()) {
            let mut current = catalog;
            let (mut index, analysis) = Index::build_keeping(&current);
            let mut analysis = analysis.expect("a small catalog keeps its analysis");
            assert_same(&index, &Index::build(&current));
            for changes in &rounds {
                let next = apply(&current, changes);
                let positions: HashMap<&str, u32> = current
                    .iter()
                    .enumerate()
                    .map(|(doc, resource)| (resource.id.as_str(), doc as u32))
                    .collect();
                let (updated, updated_analysis) =
                    index.update(&analysis, &current, |id| positions.get(id).copied(), &next);
                let (fresh, fresh_analysis) = Index::build_keeping(&next);
                assert_same(&updated, &Index::build(&next));
                assert_same(&updated, &fresh);
                let updated_analysis = updated_analysis.expect("kept");
                let fresh_analysis = fresh_analysis.expect("kept");
                assert_eq!(updated_analysis.doc_terms, fresh_analysis.doc_terms);
                assert_eq!(updated_analysis.char_frequency, fresh_analysis.char_frequency);
                drop(positions);
                index = updated;
                analysis = updated_analysis;
                current = next;
            }
        }
    }
}
