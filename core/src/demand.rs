//! Demand analysis (需求侧分析): open needs grouped by province, by top-level industry or by theme
//! (a common key technology, 共性关键技术), with per group the enterprises, the share covered by a
//! resource in the strong band of fit, the uncovered needs, and the resources and societies that
//! cover the most needs.
//!
//! A pure function of the needs, each with its forward list (its best resources, as the matcher
//! ranks them) and its key phrases (`Matcher::key_phrases`), and of the catalog: the service and the
//! command line call it the same way, and the same needs and catalog give the same answer in any
//! input order (the needs are taken in id order, every tie is broken by a key).

use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet, BinaryHeap};

use crate::matcher::{Filters, Matcher};
use crate::model::{Need, NeedRecord, NeedStatus, Resource};
use crate::score::Band;
use crate::taxonomy::taxonomies;

/// The group key of needs without a value (no region, no industry).
pub const NONE_KEY: &str = "(none)";

/// One resource of a need's forward list: its position in the catalog and its fit.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Fit {
    pub resource: u32,
    pub score: f64,
}

/// A key phrase of a need: a catalog keyword phrase found in its text, or a keyword it states,
/// with its weight (idf as a keyword times keyness, as stage one weighs it).
#[derive(Clone, Debug, PartialEq)]
pub struct KeyPhrase {
    pub key: String,
    pub weight: f64,
}

/// At most this many of a need's key phrases, its heaviest, can draw it into a theme.
const PHRASES_PER_NEED: usize = 6;
/// A phrase lighter than this share of the need's heaviest phrase is not one of its key
/// technologies.
const MIN_PHRASE_SHARE: f64 = 0.25;
/// Nor is a phrase lighter than this: words of the prose that catalogs seldom list as keywords
/// (技术, 方法, 改造, 需求, 模型 weigh 0.02–0.08 on the 20,000-resource generated catalog; topics
/// such as 土壤, 有限元, 余热回收 weigh 0.3 and more).
const MIN_KEY_WEIGHT: f64 = 0.25;
/// A theme holds at least this many needs: a technology several enterprises need.
const MIN_THEME_NEEDS: usize = 2;
/// A phrase labels a theme beside its own phrase when at least this share of its needs holds it.
const LABEL_SHARE: f64 = 0.5;
/// Most phrases in a theme's label.
const MAX_LABEL: usize = 4;

impl Matcher {
    /// The need's key phrases, heaviest first (ties by phrase): the catalog keyword phrases its text
    /// holds and the keywords it states, each weighed as stage one weighs it, so names of topics
    /// (陶瓷窑炉, 余热回收) weigh much and words of the prose (方法) little.
    pub fn key_phrases(&self, need: &Need) -> Vec<KeyPhrase> {
        let mut phrases: Vec<KeyPhrase> = self
            .analyze(need)
            .phrases
            .into_iter()
            .filter(|phrase| phrase.weight > 0.0)
            .map(|phrase| KeyPhrase {
                key: phrase.key,
                weight: phrase.weight,
            })
            .collect();
        phrases.sort_by(|a, b| {
            b.weight
                .total_cmp(&a.weight)
                .then_with(|| a.key.cmp(&b.key))
        });
        phrases
    }
}

/// One need as the analysis reads it.
#[derive(Clone, Copy, Debug)]
pub struct DemandNeed<'a> {
    pub need: &'a NeedRecord,
    /// Its forward list, best first (positions in the catalog's resources).
    pub fits: &'a [Fit],
    /// Its key phrases (`Matcher::key_phrases`).
    pub phrases: &'a [KeyPhrase],
}

/// How needs are grouped.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum GroupBy {
    /// By the top-level industry (GB/T 4754 section) of each of its industries.
    #[default]
    Industry,
    /// By the province of its region.
    Region,
    /// By a common key technology: needs drawn together by a key phrase.
    Theme,
}

impl GroupBy {
    pub const ALL: [GroupBy; 3] = [GroupBy::Industry, GroupBy::Region, GroupBy::Theme];

    pub fn as_str(self) -> &'static str {
        match self {
            GroupBy::Industry => "industry",
            GroupBy::Region => "region",
            GroupBy::Theme => "theme",
        }
    }

    pub fn parse(text: &str) -> Option<GroupBy> {
        GroupBy::ALL
            .into_iter()
            .find(|group_by| group_by.as_str() == text.trim())
    }
}

/// What to analyse and how much to list.
#[derive(Clone, Debug)]
pub struct DemandOptions {
    pub group_by: GroupBy,
    /// Region (`region_passes`) and industries (`industries_pass`), canonical
    /// (`Filters::canonical`); the other filters are not read.
    pub filters: Filters,
    /// Needs last updated at or after this Unix time (seconds); needs without `updated_at` are
    /// left out when it is set.
    pub since: Option<i64>,
    /// Needs last updated before this Unix time.
    pub until: Option<i64>,
    /// Most groups listed (the largest).
    pub groups: usize,
    /// Most uncovered needs listed per group.
    pub uncovered: usize,
    /// Most resources and societies listed per group.
    pub top: usize,
}

impl Default for DemandOptions {
    fn default() -> DemandOptions {
        DemandOptions {
            group_by: GroupBy::Industry,
            filters: Filters::default(),
            since: None,
            until: None,
            groups: 50,
            uncovered: 20,
            top: 5,
        }
    }
}

/// The analysis.
#[derive(Clone, Debug, PartialEq)]
pub struct DemandAnalysis {
    pub group_by: GroupBy,
    /// Every open need analysed, as one group (key `all`).
    pub overall: DemandGroup,
    /// How many groups there are (more than `groups` lists when bounded).
    pub total_groups: usize,
    /// The largest groups: most open needs first, ties by key.
    pub groups: Vec<DemandGroup>,
    /// Themes only: open needs that share no key technology with another.
    pub unthemed: usize,
}

/// One group of open needs.
#[derive(Clone, Debug, PartialEq)]
pub struct DemandGroup {
    /// A province code, a top-level industry code, a theme's phrase, or `(none)`.
    pub key: String,
    /// The province's or industry's name; a theme's phrases joined by ` · `.
    pub name: String,
    /// Themes only: the phrases that label it, its own first.
    pub phrases: Vec<String>,
    pub open: usize,
    /// Distinct enterprises (organisations) among its needs.
    pub enterprises: usize,
    /// Needs with at least one resource in the strong band.
    pub covered: usize,
    /// `covered / open` (0 for no needs).
    pub covered_share: f64,
    /// How many needs are uncovered (all of them, however many are listed).
    pub uncovered_total: usize,
    /// The uncovered needs, by id, at most `DemandOptions::uncovered`.
    pub uncovered: Vec<NeedRef>,
    /// The resources in the strong band of the most of its needs.
    pub top_resources: Vec<Coverer>,
    /// The societies whose resources are in the strong band of the most of its needs.
    pub top_societies: Vec<Coverer>,
}

/// A need, named.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NeedRef {
    pub id: String,
    pub title: String,
    pub organization: String,
}

/// A resource (`id`, its title as `name`) or a society (its name as `id` and `name`) and how many
/// needs of the group it covers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Coverer {
    pub id: String,
    pub name: String,
    pub needs: usize,
}

/// Whether a need's forward list holds a resource in the strong band.
pub fn is_covered(fits: &[Fit]) -> bool {
    fits.iter().any(|fit| Band::of(fit.score) == Band::Strong)
}

/// Whether the analysis reads this need: open, within the region and industries, updated in the
/// time window.
pub fn admits(need: &NeedRecord, options: &DemandOptions) -> bool {
    if need.status != NeedStatus::Open
        || !options.filters.region_passes(need.region.as_deref())
        || !options.filters.industries_pass(&need.industries)
    {
        return false;
    }
    if options.since.is_none() && options.until.is_none() {
        return true;
    }
    let Some(updated) = need
        .updated_at
        .as_deref()
        .and_then(crate::time::parse_time_or_date)
    else {
        return false;
    };
    options.since.is_none_or(|since| updated >= since)
        && options.until.is_none_or(|until| updated < until)
}

/// The analysis of `needs` (any order; ids unique) against the catalog's `resources` (the
/// positions their forward lists name).
pub fn analyze(
    needs: &[DemandNeed<'_>],
    resources: &[Resource],
    options: &DemandOptions,
) -> DemandAnalysis {
    let mut needs: Vec<&DemandNeed<'_>> = needs
        .iter()
        .filter(|need| admits(need.need, options))
        .collect();
    needs.sort_by(|a, b| a.need.id.cmp(&b.need.id));
    let all: Vec<usize> = (0..needs.len()).collect();
    let overall = group_of(
        "all".to_string(),
        "all".to_string(),
        Vec::new(),
        &needs,
        &all,
        resources,
        options,
    );
    let (members, unthemed) = match options.group_by {
        GroupBy::Region => (by_region(&needs), 0),
        GroupBy::Industry => (by_industry(&needs), 0),
        GroupBy::Theme => by_theme(&needs),
    };
    let total_groups = members.len();
    let mut sized: Vec<(String, String, Vec<String>, Vec<usize>)> = members;
    sized.sort_by(|a, b| b.3.len().cmp(&a.3.len()).then_with(|| a.0.cmp(&b.0)));
    let groups = sized
        .into_iter()
        .take(options.groups)
        .map(|(key, name, phrases, indices)| {
            group_of(key, name, phrases, &needs, &indices, resources, options)
        })
        .collect();
    DemandAnalysis {
        group_by: options.group_by,
        overall,
        total_groups,
        groups,
        unthemed,
    }
}

type Members = Vec<(String, String, Vec<String>, Vec<usize>)>;

/// Groups by a key each need gives (none, one or several), with the key's name.
fn by_keys(
    needs: &[&DemandNeed<'_>],
    keys: impl Fn(&NeedRecord) -> Vec<(String, String)>,
) -> Members {
    let mut groups: BTreeMap<String, (String, Vec<usize>)> = BTreeMap::new();
    for (index, need) in needs.iter().enumerate() {
        let mut own = keys(need.need);
        own.sort();
        own.dedup();
        if own.is_empty() {
            own.push((NONE_KEY.to_string(), NONE_KEY.to_string()));
        }
        for (key, name) in own {
            groups
                .entry(key)
                .or_insert((name, Vec::new()))
                .1
                .push(index);
        }
    }
    groups
        .into_iter()
        .map(|(key, (name, indices))| (key, name, Vec::new(), indices))
        .collect()
}

fn by_region(needs: &[&DemandNeed<'_>]) -> Members {
    let taxonomies = taxonomies();
    by_keys(needs, |need| {
        need.region
            .as_deref()
            .and_then(|region| taxonomies.province_of(region))
            .map(|province| vec![(province.code.clone(), province.name.clone())])
            .unwrap_or_default()
    })
}

/// The top-level industry (GB/T 4754 section) of an industry code.
pub fn industry_section(code: &str) -> Option<&'static crate::taxonomy::Node> {
    let industries = &taxonomies().industries;
    let node = industries.get(code)?;
    if node.level <= 1 {
        return Some(node);
    }
    industries.ancestors(code).pop()
}

fn by_industry(needs: &[&DemandNeed<'_>]) -> Members {
    by_keys(needs, |need| {
        need.industries
            .iter()
            .filter_map(|code| industry_section(code))
            .map(|section| (section.code.clone(), section.name.clone()))
            .collect()
    })
}

/// A phrase in the greedy choice of themes: its weight over the needs not yet in a theme.
struct Candidate {
    score: f64,
    phrase: u32,
}

impl PartialEq for Candidate {
    fn eq(&self, other: &Candidate) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Candidate {}

impl PartialOrd for Candidate {
    fn partial_cmp(&self, other: &Candidate) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Candidate {
    /// Heaviest first, then the phrase that sorts first (phrase numbers follow phrase order).
    fn cmp(&self, other: &Candidate) -> Ordering {
        self.score
            .total_cmp(&other.score)
            .then_with(|| other.phrase.cmp(&self.phrase))
    }
}

/// Themes: each need's key technologies are its heaviest phrases (at most `PHRASES_PER_NEED`, each
/// at least `MIN_KEY_WEIGHT` and `MIN_PHRASE_SHARE` of its heaviest). Greedily, the phrase with the largest weight over
/// the needs not yet in a theme (summed in need id order; ties by phrase) takes those needs as a
/// theme when they are at least `MIN_THEME_NEEDS`; then the next. Each need is in at most one
/// theme. A theme is labelled with its phrase and the phrases at least half its needs hold.
fn by_theme(needs: &[&DemandNeed<'_>]) -> (Members, usize) {
    // Each need's key phrases, as phrase numbers in phrase order.
    let mut names: BTreeMap<&str, u32> = BTreeMap::new();
    let keys: Vec<Vec<(&str, f64)>> = needs
        .iter()
        .map(|need| {
            let heaviest = need.phrases.iter().map(|p| p.weight).fold(0.0, f64::max);
            let mut own: Vec<&KeyPhrase> = need
                .phrases
                .iter()
                .filter(|p| p.weight >= MIN_KEY_WEIGHT && p.weight >= MIN_PHRASE_SHARE * heaviest)
                .collect();
            own.sort_by(|a, b| {
                b.weight
                    .total_cmp(&a.weight)
                    .then_with(|| a.key.cmp(&b.key))
            });
            own.dedup_by(|a, b| a.key == b.key);
            own.truncate(PHRASES_PER_NEED);
            own.iter().map(|p| (p.key.as_str(), p.weight)).collect()
        })
        .collect();
    for own in &keys {
        for (key, _) in own {
            names.insert(key, 0);
        }
    }
    for (number, value) in names.values_mut().enumerate() {
        *value = number as u32;
    }
    let phrase_names: Vec<&str> = names.keys().copied().collect();
    // For each phrase, its needs (in id order) and their weights.
    let mut holders: Vec<Vec<(usize, f64)>> = vec![Vec::new(); phrase_names.len()];
    let mut need_phrases: Vec<Vec<u32>> = Vec::with_capacity(needs.len());
    for (index, own) in keys.iter().enumerate() {
        let mut numbers = Vec::with_capacity(own.len());
        for (key, weight) in own {
            let number = names[key];
            holders[number as usize].push((index, *weight));
            numbers.push(number);
        }
        need_phrases.push(numbers);
    }
    let score = |phrase: u32, taken: &[bool]| -> (f64, usize) {
        let mut sum = 0.0;
        let mut count = 0;
        for &(index, weight) in &holders[phrase as usize] {
            if !taken[index] {
                sum += weight;
                count += 1;
            }
        }
        (sum, count)
    };
    let mut taken = vec![false; needs.len()];
    let mut heap: BinaryHeap<Candidate> = (0..phrase_names.len() as u32)
        .filter(|&phrase| holders[phrase as usize].len() >= MIN_THEME_NEEDS)
        .map(|phrase| Candidate {
            score: score(phrase, &taken).0,
            phrase,
        })
        .collect();
    let mut themes: Members = Vec::new();
    // Lazy greedy: a popped phrase's score is recomputed; it is taken when still no lighter than
    // the next one's (stale) score, which can only be larger than its present one.
    while let Some(candidate) = heap.pop() {
        let (now, count) = score(candidate.phrase, &taken);
        if count < MIN_THEME_NEEDS {
            continue;
        }
        let fresh = Candidate {
            score: now,
            phrase: candidate.phrase,
        };
        if heap.peek().is_some_and(|next| *next > fresh) {
            heap.push(fresh);
            continue;
        }
        let members: Vec<usize> = holders[candidate.phrase as usize]
            .iter()
            .map(|&(index, _)| index)
            .filter(|&index| !taken[index])
            .collect();
        for &index in &members {
            taken[index] = true;
        }
        let label = theme_label(
            candidate.phrase,
            &members,
            &need_phrases,
            &keys,
            &phrase_names,
        );
        let key = phrase_names[candidate.phrase as usize].to_string();
        themes.push((key, label.join(" · "), label, members));
    }
    let unthemed = taken.iter().filter(|taken| !**taken).count();
    (themes, unthemed)
}

/// A theme's phrases: its own, then those at least `LABEL_SHARE` of its needs hold (most held
/// first, then heaviest, then by phrase), without a phrase that another in the label contains.
fn theme_label(
    own: u32,
    members: &[usize],
    need_phrases: &[Vec<u32>],
    keys: &[Vec<(&str, f64)>],
    phrase_names: &[&str],
) -> Vec<String> {
    let mut held: BTreeMap<u32, (usize, f64)> = BTreeMap::new();
    for &index in members {
        for (number, (_, weight)) in need_phrases[index].iter().zip(&keys[index]) {
            let entry = held.entry(*number).or_insert((0, 0.0));
            entry.0 += 1;
            entry.1 += weight;
        }
    }
    let mut others: Vec<(u32, usize, f64)> = held
        .into_iter()
        .filter(|(number, (count, _))| {
            *number != own && (*count as f64) >= LABEL_SHARE * members.len() as f64
        })
        .map(|(number, (count, weight))| (number, count, weight))
        .collect();
    others.sort_by(|a, b| {
        b.1.cmp(&a.1)
            .then_with(|| b.2.total_cmp(&a.2))
            .then_with(|| a.0.cmp(&b.0))
    });
    let mut label: Vec<&str> = vec![phrase_names[own as usize]];
    label.extend(
        others
            .iter()
            .map(|(number, _, _)| phrase_names[*number as usize]),
    );
    let kept: BTreeSet<usize> = (0..label.len())
        .filter(|&i| {
            i == 0
                || !label.iter().enumerate().any(|(j, other)| {
                    j != i && other.len() > label[i].len() && other.contains(label[i])
                })
        })
        .collect();
    label
        .iter()
        .enumerate()
        .filter(|(i, _)| kept.contains(i))
        .map(|(_, phrase)| phrase.to_string())
        .take(MAX_LABEL)
        .collect()
}

/// One group's figures over the needs at `indices`.
fn group_of(
    key: String,
    name: String,
    phrases: Vec<String>,
    needs: &[&DemandNeed<'_>],
    indices: &[usize],
    resources: &[Resource],
    options: &DemandOptions,
) -> DemandGroup {
    let mut enterprises: BTreeSet<&str> = BTreeSet::new();
    let mut covered = 0;
    let mut uncovered_total = 0;
    let mut uncovered = Vec::new();
    let mut by_resource: BTreeMap<u32, usize> = BTreeMap::new();
    let mut by_society: BTreeMap<&str, usize> = BTreeMap::new();
    for &index in indices {
        let need = needs[index];
        let organization = need.need.organization.trim();
        if !organization.is_empty() {
            enterprises.insert(organization);
        }
        let strong: BTreeSet<u32> = need
            .fits
            .iter()
            .filter(|fit| Band::of(fit.score) == Band::Strong)
            .map(|fit| fit.resource)
            .filter(|&position| (position as usize) < resources.len())
            .collect();
        if strong.is_empty() {
            uncovered_total += 1;
            if uncovered.len() < options.uncovered {
                uncovered.push(NeedRef {
                    id: need.need.id.clone(),
                    title: need.need.title.clone(),
                    organization: need.need.organization.clone(),
                });
            }
            continue;
        }
        covered += 1;
        let mut societies: BTreeSet<&str> = BTreeSet::new();
        for &position in &strong {
            *by_resource.entry(position).or_default() += 1;
            let society = resources[position as usize].society.trim();
            if !society.is_empty() {
                societies.insert(society);
            }
        }
        for society in societies {
            *by_society.entry(society).or_default() += 1;
        }
    }
    let mut top_resources: Vec<Coverer> = by_resource
        .into_iter()
        .map(|(position, count)| {
            let resource = &resources[position as usize];
            Coverer {
                id: resource.id.clone(),
                name: resource.title.clone(),
                needs: count,
            }
        })
        .collect();
    top_resources.sort_by(|a, b| b.needs.cmp(&a.needs).then_with(|| a.id.cmp(&b.id)));
    top_resources.truncate(options.top);
    let mut top_societies: Vec<Coverer> = by_society
        .into_iter()
        .map(|(society, count)| Coverer {
            id: society.to_string(),
            name: society.to_string(),
            needs: count,
        })
        .collect();
    top_societies.sort_by(|a, b| b.needs.cmp(&a.needs).then_with(|| a.id.cmp(&b.id)));
    top_societies.truncate(options.top);
    let open = indices.len();
    DemandGroup {
        key,
        name,
        phrases,
        open,
        enterprises: enterprises.len(),
        covered,
        covered_share: if open == 0 {
            0.0
        } else {
            covered as f64 / open as f64
        },
        uncovered_total,
        uncovered,
        top_resources,
        top_societies,
    }
}
