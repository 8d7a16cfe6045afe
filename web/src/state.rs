//! The widget's state and its one reducer: every change (typing, a picker, a loaded catalog, an
//! answer, the shortlist) is an `Action`. A change that needs a new match numbers a new question
//! (`asked`). Once the snapshot is indexed the reducer answers it at once, on this thread, because
//! local matching is fast; until then the app sends it to the server, and the answer comes back as
//! `Action::Answer`, applied only if it is newer than the one shown.

use std::rc::Rc;

use duijie_core::spreadsheet::escape_cell;
use duijie_core::taxonomy::{taxonomies, Node};
use duijie_core::{Band, Filters, Kind, Matcher, Mode, Need};
use serde::{Deserialize, Serialize};
use yew::Reducible;

use crate::engine::{answer, Answer, Found, Query, Relaxed};
use crate::i18n::Lang;

/// How many results a match computes: the list shows the first `PAGE`, facets count all of them.
pub const MATCH_TOP: usize = 60;
/// How many results are shown before "show more".
pub const PAGE: usize = 10;

/// The pickers' values; each is optional.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Picks {
    pub province: Option<String>,
    pub city: Option<String>,
    pub county: Option<String>,
    pub strategic: Option<String>,
    pub industry: Option<String>,
    pub discipline: Option<String>,
    pub modes: Vec<Mode>,
    pub min_maturity: Option<u8>,
    pub kinds: Vec<Kind>,
}

impl Picks {
    /// The region scope: the finest administrative pick, else the strategic region.
    pub fn region(&self) -> Option<&str> {
        self.county
            .as_deref()
            .or(self.city.as_deref())
            .or(self.province.as_deref())
            .or(self.strategic.as_deref())
    }

    /// The hard filters that are set.
    pub fn active(&self) -> Vec<FilterKey> {
        let mut active = Vec::new();
        if self.region().is_some() {
            active.push(FilterKey::Region);
        }
        if self.industry.is_some() {
            active.push(FilterKey::Industry);
        }
        if self.discipline.is_some() {
            active.push(FilterKey::Discipline);
        }
        if self.min_maturity.is_some() {
            active.push(FilterKey::MinMaturity);
        }
        if !self.kinds.is_empty() {
            active.push(FilterKey::Kinds);
        }
        active
    }

    fn clear(&mut self, key: FilterKey) {
        match key {
            FilterKey::Region => {
                self.province = None;
                self.city = None;
                self.county = None;
                self.strategic = None;
            }
            FilterKey::Industry => self.industry = None,
            FilterKey::Discipline => self.discipline = None,
            FilterKey::MinMaturity => self.min_maturity = None,
            FilterKey::Kinds => self.kinds.clear(),
        }
    }
}

/// A hard filter the broker can relax.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum FilterKey {
    Region,
    Industry,
    Discipline,
    MinMaturity,
    Kinds,
}

impl FilterKey {
    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            FilterKey::Region => lang.t("region"),
            FilterKey::Industry => lang.t("industry"),
            FilterKey::Discipline => lang.t("discipline"),
            FilterKey::MinMaturity => lang.t("min_maturity"),
            FilterKey::Kinds => lang.t("kinds"),
        }
    }
}

/// Who answered the question shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    /// The matcher on the downloaded snapshot: works offline.
    Local,
    /// `POST /api/v1/match`, while the snapshot is still loading.
    Server,
}

/// Where the catalog stands.
#[derive(Clone, Debug, PartialEq)]
pub enum Load {
    Loading,
    Ready,
    Failed(String),
}

/// A shortlisted resource, as kept in localStorage and exported.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ShortItem {
    pub id: String,
    pub kind: String,
    pub title: String,
    pub organization: String,
    pub region: String,
    pub score: f64,
}

/// Counts of the current results by kind and by province, to narrow with one click.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Facets {
    pub kinds: Vec<(Kind, usize)>,
    pub provinces: Vec<(String, usize)>,
}

/// Everything the widget shows.
#[derive(Clone)]
pub struct State {
    pub lang: Lang,
    pub text: String,
    pub picks: Picks,
    pub matcher: Option<Rc<Matcher>>,
    pub load: Load,
    pub from_cache: bool,
    pub online: bool,
    /// The answer shown: results with their resources, and who gave them.
    pub results: Rc<Vec<Found>>,
    pub answered_by: Option<Source>,
    /// How many of `results` carry their whole resource (the rest only kind and region).
    pub detail: usize,
    /// The number of the latest question, and of the question whose answer is shown.
    pub asked: u64,
    pub answered: u64,
    pub facets: Facets,
    pub shown: usize,
    /// When there are no results: the filters whose removal would give some, with the count.
    pub relax: Vec<(FilterKey, usize)>,
    pub shortlist: Vec<ShortItem>,
    /// Bumped by every new result list, so views and effects can tell.
    pub generation: u64,
    /// The intended engagements as last read from localStorage, and whether a broker is signed in.
    pub engagements: Rc<Vec<crate::engagements::Entry>>,
    pub signed_in: bool,
    /// The page's scope (a portal's region and kinds): the snapshot holds only these resources,
    /// and the pickers show it.
    pub scope: Filters,
    /// The fair (对接会) intents are recorded at: given by the page (`?fair=`, a portal's
    /// `data-fair`), or chosen once by the broker at sign-in.
    pub fair: Option<String>,
    /// Whether the page gave the fair (then the broker cannot change it).
    pub fair_from_page: bool,
}

impl Default for State {
    fn default() -> State {
        State {
            lang: Lang::Zh,
            text: String::new(),
            picks: Picks::default(),
            matcher: None,
            load: Load::Loading,
            from_cache: false,
            online: true,
            results: Rc::new(Vec::new()),
            answered_by: None,
            detail: 0,
            asked: 0,
            answered: 0,
            facets: Facets::default(),
            shown: PAGE,
            relax: Vec::new(),
            shortlist: Vec::new(),
            generation: 0,
            engagements: Rc::new(Vec::new()),
            signed_in: false,
            scope: Filters::default(),
            fair: None,
            fair_from_page: false,
        }
    }
}

impl PartialEq for State {
    fn eq(&self, other: &State) -> bool {
        self.generation == other.generation
            && self.asked == other.asked
            && self.matcher.is_some() == other.matcher.is_some()
            && self.lang == other.lang
            && self.text == other.text
            && self.picks == other.picks
            && self.load == other.load
            && self.online == other.online
            && self.shortlist == other.shortlist
            && self.shown == other.shown
            && self.engagements == other.engagements
            && self.signed_in == other.signed_in
            && self.scope == other.scope
            && self.fair == other.fair
    }
}

/// A change to a picker.
#[derive(Clone, Debug, PartialEq)]
pub enum Pick {
    Province(Option<String>),
    City(Option<String>),
    County(Option<String>),
    Strategic(Option<String>),
    Industry(Option<String>),
    Discipline(Option<String>),
    Mode(Mode, bool),
    MinMaturity(Option<u8>),
    Kind(Kind, bool),
}

pub enum Action {
    SetText(String),
    SetLang(Lang),
    Pick(Pick),
    Clear(FilterKey),
    /// The snapshot is indexed.
    Loaded {
        matcher: Rc<Matcher>,
        from_cache: bool,
    },
    /// An answer to a question, from the server (the local matcher answers in `ask`).
    Answer(Answer),
    LoadFailed(String),
    Online(bool),
    ToggleShortlist(String),
    SetShortlist(Vec<ShortItem>),
    ShowMore,
    /// The engagement queue or the sign-in, as now stored.
    Engagements {
        queue: Vec<crate::engagements::Entry>,
        signed_in: bool,
    },
    /// The broker chose the fair intents are recorded at (ignored when the page gave one).
    SetFair(Option<String>),
}

impl Reducible for State {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let mut state = (*self).clone();
        let mut rematch = true;
        match action {
            Action::SetText(text) => {
                if text == state.text {
                    return self;
                }
                state.text = text;
            }
            Action::SetLang(lang) => {
                state.lang = lang;
                rematch = false;
            }
            Action::Pick(pick) => apply_pick(&mut state.picks, pick),
            Action::Clear(key) => state.picks.clear(key),
            Action::Loaded {
                matcher,
                from_cache,
            } => {
                // Asked again, now of the local matcher, which answers in place of the server.
                state.matcher = Some(matcher);
                state.from_cache = from_cache;
                state.load = Load::Ready;
            }
            Action::Answer(answer) => {
                if answer.id <= state.answered || answer.id > state.asked {
                    return self;
                }
                state.apply(answer, Source::Server);
                return Rc::new(state);
            }
            Action::LoadFailed(message) => {
                // A failed refresh keeps a catalog already loaded (from the cache).
                if state.matcher.is_none() {
                    state.load = Load::Failed(message);
                }
                rematch = false;
            }
            Action::Online(online) => {
                state.online = online;
                rematch = false;
            }
            Action::ToggleShortlist(id) => {
                rematch = false;
                if let Some(position) = state.shortlist.iter().position(|item| item.id == id) {
                    state.shortlist.remove(position);
                } else if let Some(item) = state.short_item(&id) {
                    state.shortlist.push(item);
                }
            }
            Action::SetShortlist(items) => {
                rematch = false;
                state.shortlist = items;
            }
            Action::ShowMore => {
                // Asked again for the longer list's resources; the list grows when they come.
                state.shown += PAGE;
                state.ask();
                return Rc::new(state);
            }
            Action::Engagements { queue, signed_in } => {
                rematch = false;
                state.engagements = Rc::new(queue);
                state.signed_in = signed_in;
            }
            Action::SetFair(fair) => {
                rematch = false;
                if !state.fair_from_page {
                    state.fair = fair
                        .map(|fair| fair.trim().to_string())
                        .filter(|fair| !fair.is_empty());
                }
            }
        }
        if rematch {
            state.shown = PAGE;
            state.ask();
        }
        Rc::new(state)
    }
}

impl State {
    /// Whether anything asks for a match: text, or any picker.
    pub fn has_query(&self) -> bool {
        !self.text.trim().is_empty() || self.picks != Picks::default()
    }

    /// The need the pickers and text describe.
    pub fn need(&self) -> Need {
        need_of(&self.text, &self.picks)
    }

    /// Numbers a new question for the current text and pickers, and answers it on the local
    /// matcher if there is one. Without a question (no text, no picker) the list empties at once.
    fn ask(&mut self) {
        self.asked += 1;
        if !self.has_query() {
            self.answered = self.asked;
            self.answered_by = None;
            self.results = Rc::new(Vec::new());
            self.facets = Facets::default();
            self.relax.clear();
            self.generation += 1;
            return;
        }
        if let (Some(matcher), Some(query)) = (self.matcher.clone(), self.query()) {
            let answer = timed("duijie:match", || answer(&matcher, &query));
            self.apply(answer, Source::Local);
        }
    }

    /// The question waiting for an answer, if any.
    pub fn query(&self) -> Option<Query> {
        if self.answered == self.asked || !self.has_query() {
            return None;
        }
        let relax = self
            .picks
            .active()
            .into_iter()
            .map(|key| {
                let mut relaxed = self.picks.clone();
                relaxed.clear(key);
                Relaxed {
                    key,
                    need: need_of(&self.text, &relaxed),
                    filters: filters_of(&relaxed),
                }
            })
            .collect();
        Some(Query {
            id: self.asked,
            need: self.need(),
            filters: filters_of(&self.picks),
            top: MATCH_TOP,
            detail: self.shown,
            relax,
        })
    }

    /// Whether the results shown answer the latest question.
    pub fn is_current(&self) -> bool {
        self.answered == self.asked
    }

    fn apply(&mut self, answer: Answer, source: Source) {
        self.answered = answer.id;
        self.answered_by = Some(source);
        self.facets = facets(&answer.results);
        self.relax = answer.relax;
        self.detail = answer.detail;
        self.results = Rc::new(answer.results);
        self.generation += 1;
    }

    /// The shortlist entry of a resource in the results.
    fn short_item(&self, id: &str) -> Option<ShortItem> {
        let found = self.results.iter().find(|found| found.result.id == id)?;
        let resource = found.resource.as_ref()?;
        let score = found.result.score;
        Some(ShortItem {
            id: resource.id.clone(),
            kind: resource.kind.as_str().to_string(),
            title: resource.title.clone(),
            organization: resource.organization.clone(),
            region: resource
                .region
                .as_deref()
                .map(region_name)
                .unwrap_or_default(),
            score,
        })
    }

    /// The results to show: the first `shown`, of those that carry their whole resource.
    pub fn shown_results(&self) -> &[Found] {
        &self.results[..self.results.len().min(self.shown).min(self.detail)]
    }

    pub fn is_shortlisted(&self, id: &str) -> bool {
        self.shortlist.iter().any(|item| item.id == id)
    }
}

fn apply_pick(picks: &mut Picks, pick: Pick) {
    match pick {
        Pick::Province(code) => {
            picks.province = code;
            picks.city = None;
            picks.county = None;
            picks.strategic = None;
        }
        Pick::City(code) => {
            picks.city = code;
            picks.county = None;
        }
        Pick::County(code) => picks.county = code,
        Pick::Strategic(id) => {
            picks.strategic = id;
            picks.province = None;
            picks.city = None;
            picks.county = None;
        }
        Pick::Industry(code) => picks.industry = code,
        Pick::Discipline(code) => picks.discipline = code,
        Pick::Mode(mode, on) => {
            picks.modes.retain(|wanted| *wanted != mode);
            if on {
                picks.modes.push(mode);
            }
        }
        Pick::MinMaturity(level) => picks.min_maturity = level,
        Pick::Kind(kind, on) => {
            picks.kinds.retain(|wanted| *wanted != kind);
            if on {
                picks.kinds.push(kind);
                picks.kinds.sort();
            }
        }
    }
}

/// The need of a text and pickers: the pickers also feed the scored components.
pub fn need_of(text: &str, picks: &Picks) -> Need {
    let mut need = Need::from_text(text.trim());
    // A strategic region is a scope, not a place, so only administrative codes go into the need.
    need.region = picks
        .county
        .clone()
        .or_else(|| picks.city.clone())
        .or_else(|| picks.province.clone());
    need.industries = picks.industry.iter().cloned().collect();
    need.disciplines = picks.discipline.iter().cloned().collect();
    need.modes = picks.modes.clone();
    need
}

/// The hard filters of the pickers.
pub fn filters_of(picks: &Picks) -> Filters {
    Filters {
        kinds: picks.kinds.clone(),
        region: picks.region().map(str::to_string),
        disciplines: picks.discipline.iter().cloned().collect(),
        industries: picks.industry.iter().cloned().collect(),
        min_maturity: picks.min_maturity,
    }
}

/// Runs `work` inside a User Timing measure `name` in the browser (plainly elsewhere, as in tests).
fn timed<T>(name: &str, work: impl FnOnce() -> T) -> T {
    #[cfg(target_arch = "wasm32")]
    {
        let start = format!("{name}:start");
        crate::browser::mark(&start);
        let value = work();
        if let Some(performance) = crate::browser::window().performance() {
            let _ = performance.measure_with_start_mark(name, &start);
        }
        value
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        let _ = name;
        work()
    }
}

fn facets(results: &[Found]) -> Facets {
    let mut kinds: Vec<(Kind, usize)> = Vec::new();
    let mut provinces: Vec<(String, usize)> = Vec::new();
    for found in results {
        let Some(resource) = found.resource.as_ref() else {
            continue;
        };
        match kinds.iter_mut().find(|(kind, _)| *kind == resource.kind) {
            Some((_, count)) => *count += 1,
            None => kinds.push((resource.kind, 1)),
        }
        if let Some(province) = resource
            .region
            .as_deref()
            .and_then(|region| taxonomies().province_of(region))
        {
            match provinces
                .iter_mut()
                .find(|(code, _)| *code == province.code)
            {
                Some((_, count)) => *count += 1,
                None => provinces.push((province.code.clone(), 1)),
            }
        }
    }
    kinds.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    provinces.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    provinces.truncate(8);
    Facets { kinds, provinces }
}

/// The scope of a page's `region` and `kinds` parameters (`kinds` comma-separated; unknown kinds
/// are left out, and an empty region is none).
pub fn scope_of(region: Option<&str>, kinds: Option<&str>) -> Filters {
    Filters {
        region: region
            .map(str::trim)
            .filter(|region| !region.is_empty())
            .map(str::to_string),
        kinds: kinds
            .map(|kinds| {
                kinds
                    .split(',')
                    .filter_map(|kind| Kind::parse(kind.trim()))
                    .collect()
            })
            .unwrap_or_default(),
        ..Filters::default()
    }
}

/// What a page's region scope fixes in the region pickers: the province, city and county a GB/T
/// 2260 code names (a city fixes its province too), or a strategic region.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LockedRegion {
    pub province: Option<String>,
    pub city: Option<String>,
    pub county: Option<String>,
    pub strategic: Option<String>,
}

impl LockedRegion {
    pub fn of(scope: &Filters) -> LockedRegion {
        let Some(code) = scope.region.as_deref() else {
            return LockedRegion::default();
        };
        let taxonomies = taxonomies();
        let regions = &taxonomies.regions;
        let Some(node) = regions.get(code) else {
            return LockedRegion {
                strategic: taxonomies
                    .strategic_region(code)
                    .map(|region| region.id.clone()),
                ..LockedRegion::default()
            };
        };
        // The node and its ancestors, province first.
        let mut chain: Vec<&Node> = regions.ancestors(code);
        chain.reverse();
        chain.push(node);
        let mut locked = LockedRegion::default();
        for (depth, node) in chain.into_iter().enumerate() {
            let slot = match depth {
                0 => &mut locked.province,
                1 => &mut locked.city,
                _ => &mut locked.county,
            };
            *slot = Some(node.code.clone());
        }
        locked
    }

    pub fn is_empty(&self) -> bool {
        self == &LockedRegion::default()
    }
}

/// The disciplines the picker lists: level-1 disciplines of both systems, each name once. A name
/// found in GB/T 13745 and among the CSL disciplines (机械工程, 数学, …) is listed as the one the
/// taxonomy resolves the name to, whose filter also keeps resources coded with the other.
pub fn picker_disciplines() -> Vec<&'static Node> {
    let taxonomies = taxonomies();
    let level_one: Vec<&Node> = taxonomies
        .disciplines
        .nodes()
        .iter()
        .filter(|node| node.level == 1)
        .collect();
    level_one
        .iter()
        .copied()
        .filter(|node| {
            let twins: Vec<&&Node> = level_one
                .iter()
                .filter(|other| other.name == node.name)
                .collect();
            if twins.len() < 2 {
                return true;
            }
            match taxonomies.canonical_discipline(&node.name) {
                Some(canonical) if twins.iter().any(|twin| twin.code == canonical) => {
                    node.code == canonical
                }
                // Neither twin is the name's canonical code: keep the first listed.
                _ => std::ptr::eq(*twins[0], *node),
            }
        })
        .collect()
}

/// The fit as the result cards show it, 0–100 (`Band::percent`: a score of 0.327 is `32`); the
/// shortlist's CSV writes the same number.
pub fn fit_percent(score: f64) -> String {
    Band::percent(score).to_string()
}

/// A region's full name, province first: 广东省·深圳市·南山区. Unknown codes are shown as they are.
pub fn region_name(code: &str) -> String {
    let regions = &taxonomies().regions;
    let Some(node) = regions.get(code) else {
        return code.to_string();
    };
    let mut names: Vec<&str> = regions
        .ancestors(code)
        .iter()
        .map(|ancestor| ancestor.name.as_str())
        .collect();
    names.reverse();
    names.push(node.name.as_str());
    names.join("·")
}

/// The label of a kind.
pub fn kind_label(lang: Lang, kind: Kind) -> &'static str {
    lang.pick(kind.label_zh(), kind.label_en())
}

/// The shortlist as CSV for Excel: a UTF-8 byte order mark (so Excel reads Chinese correctly), a
/// header, one row per item. Cells that Excel would run as formulas are prefixed with `'`.
pub fn shortlist_csv(items: &[ShortItem], lang: Lang) -> String {
    let header = match lang {
        Lang::Zh => ["编号", "类型", "名称", "单位", "地区", "匹配度"],
        Lang::En => ["id", "kind", "title", "organization", "region", "fit"],
    };
    let mut csv = String::from("\u{feff}");
    csv.push_str(&header.join(","));
    csv.push_str("\r\n");
    for item in items {
        let kind =
            Kind::parse(&item.kind).map_or(item.kind.as_str(), |kind| kind_label(lang, kind));
        let score = fit_percent(item.score);
        let cells = [
            item.id.as_str(),
            kind,
            &item.title,
            &item.organization,
            &item.region,
            &score,
        ];
        let row: Vec<String> = cells.iter().map(|cell| csv_cell(cell)).collect();
        csv.push_str(&row.join(","));
        csv.push_str("\r\n");
    }
    csv
}

/// A cell escaped for spreadsheets (`duijie_core::spreadsheet::escape_cell`), then quoted for CSV.
fn csv_cell(cell: &str) -> String {
    let cell = escape_cell(cell);
    if cell.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", cell.replace('"', "\"\""))
    } else {
        cell.into_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use duijie_core::Resource;

    fn matcher() -> Matcher {
        let mut battery = Resource::new("a1", Kind::Achievement);
        battery.title = "锂电池热失控预警系统".to_string();
        battery.summary = "储能电站的锂电池热失控早期预警".to_string();
        battery.region = Some("440305".to_string());
        let mut water = Resource::new("e1", Kind::Expert);
        water.title = "张工".to_string();
        water.summary = "污水处理与膜分离".to_string();
        water.region = Some("110101".to_string());
        Matcher::new("c-test", vec![battery, water], Default::default())
    }

    fn loaded() -> Rc<State> {
        Rc::new(State::default()).reduce(Action::Loaded {
            matcher: Rc::new(matcher()),
            from_cache: false,
        })
    }

    /// Answers the waiting question as the server would (on the same catalog).
    fn answered(state: Rc<State>) -> Rc<State> {
        let query = state.query().expect("a question waits");
        let answer = answer(&matcher(), &query);
        state.reduce(Action::Answer(answer))
    }

    #[test]
    fn with_a_catalog_typing_is_answered_at_once() {
        let state = loaded().reduce(Action::SetText("锂电池热失控".to_string()));
        assert!(state.is_current());
        assert_eq!(
            state.results.first().map(|found| found.result.id.as_str()),
            Some("a1")
        );
        assert_eq!(state.facets.kinds, [(Kind::Achievement, 1)]);
        assert_eq!(state.answered_by, Some(Source::Local));
        assert_eq!(state.query(), None, "nothing left to ask");
    }

    #[test]
    fn answers_to_older_questions_are_dropped() {
        let state = Rc::new(State::default()).reduce(Action::SetText("锂电池".to_string()));
        let older = answer(&matcher(), &state.query().expect("a question"));
        let state = state.reduce(Action::SetText("污水处理".to_string()));
        let newer = answer(&matcher(), &state.query().expect("a question"));
        let generation = state.generation;
        let state = state.reduce(Action::Answer(newer));
        assert_eq!(state.results[0].result.id, "e1");
        assert_eq!(state.generation, generation + 1);
        // The older answer arrives late: it does not replace the newer one.
        let state = state.reduce(Action::Answer(older));
        assert_eq!(state.results[0].result.id, "e1");
        assert_eq!(state.generation, generation + 1);
        // Clearing the text empties the list at once, with nothing to ask.
        let state = state.reduce(Action::SetText(String::new()));
        assert!(state.results.is_empty() && state.is_current());
        assert_eq!(state.query(), None);
    }

    #[test]
    fn until_the_catalog_loads_questions_wait_for_the_server() {
        let state = Rc::new(State::default()).reduce(Action::SetText("锂电池".to_string()));
        let asked = state.query().expect("a question").id;
        let state = answered(state);
        assert_eq!(state.answered_by, Some(Source::Server));
        assert_eq!(state.answered, asked);
        let state = state.reduce(Action::Loaded {
            matcher: Rc::new(matcher()),
            from_cache: true,
        });
        assert_eq!(
            state.answered_by,
            Some(Source::Local),
            "the local catalog answers again"
        );
        assert!(state.is_current() && state.answered > asked);
        assert!(state.from_cache && state.load == Load::Ready);
    }

    #[test]
    fn show_more_brings_whole_resources_for_the_longer_list() {
        let state = loaded().reduce(Action::SetText("锂电池 污水".to_string()));
        assert_eq!(state.results.len(), 2);
        let mut state = (*state).clone();
        state.shown = 1;
        state.ask();
        assert_eq!(state.shown_results().len(), 1);
        let state = Rc::new(state).reduce(Action::ShowMore);
        assert_eq!(state.shown_results().len(), 2);
        assert!(state.shown_results().iter().all(|found| found
            .resource
            .as_ref()
            .is_some_and(|resource| !resource.title.is_empty())));
    }

    #[test]
    fn empty_results_name_the_filter_to_relax() {
        let state = loaded()
            .reduce(Action::Pick(Pick::Province(Some("110000".to_string()))))
            .reduce(Action::SetText("锂电池热失控".to_string()));
        assert!(state.results.is_empty());
        assert_eq!(state.relax, [(FilterKey::Region, 1)]);
        let state = state.reduce(Action::Clear(FilterKey::Region));
        assert_eq!(state.results.len(), 1);
    }

    #[test]
    fn shortlist_toggles_and_exports_with_bom() {
        let state = loaded()
            .reduce(Action::SetText("锂电池".to_string()))
            .reduce(Action::ToggleShortlist("a1".to_string()));
        assert!(state.is_shortlisted("a1"));
        let csv = shortlist_csv(&state.shortlist, Lang::Zh);
        assert!(csv.starts_with("\u{feff}编号,"));
        assert!(csv.contains("a1,科技成果,锂电池热失控预警系统,,广东省·深圳市·南山区,"));
        let state = state.reduce(Action::ToggleShortlist("a1".to_string()));
        assert!(state.shortlist.is_empty());
    }

    #[test]
    fn the_csv_shows_the_fit_as_the_cards_do() {
        let item = ShortItem {
            id: "a1".to_string(),
            kind: "achievement".to_string(),
            title: "成果".to_string(),
            organization: String::new(),
            region: String::new(),
            score: 0.327,
        };
        let csv = shortlist_csv(&[item], Lang::Zh);
        assert!(csv.ends_with(",32\r\n"), "{csv}");
        assert_eq!(fit_percent(0.327), "32");
        assert_eq!(fit_percent(0.3199), "31");
        assert_eq!(fit_percent(0.41), "41");
        assert_eq!(fit_percent(1.0), "100");
    }

    #[test]
    fn the_discipline_picker_lists_each_name_once() {
        let disciplines = picker_disciplines();
        let mut names: Vec<&str> = disciplines.iter().map(|node| node.name.as_str()).collect();
        let listed = names.len();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), listed, "a name is listed twice");
        // A name of both systems is listed once, as the discipline the name resolves to.
        let mechanical: Vec<&str> = disciplines
            .iter()
            .filter(|node| node.name == "机械工程")
            .map(|node| node.code.as_str())
            .collect();
        assert_eq!(
            mechanical,
            [taxonomies().canonical_discipline("机械工程").unwrap()]
        );
        // Nothing else is lost: every level-1 name is still there.
        let all: std::collections::BTreeSet<&str> = taxonomies()
            .disciplines
            .nodes()
            .iter()
            .filter(|node| node.level == 1)
            .map(|node| node.name.as_str())
            .collect();
        assert_eq!(all.len(), listed);
    }

    #[test]
    fn a_portal_scope_fixes_the_region_pickers_and_kinds() {
        let scope = scope_of(Some("440000"), Some("expert, achievement,planet"));
        assert_eq!(scope.kinds, [Kind::Expert, Kind::Achievement]);
        let locked = LockedRegion::of(&scope);
        assert_eq!(locked.province.as_deref(), Some("440000"));
        assert_eq!(locked.city, None);
        let county = LockedRegion::of(&scope_of(Some("440305"), None));
        assert_eq!(
            (
                county.province.as_deref(),
                county.city.as_deref(),
                county.county.as_deref()
            ),
            (Some("440000"), Some("440300"), Some("440305"))
        );
        let strategic_id = taxonomies().strategic[0].id.clone();
        let strategic = LockedRegion::of(&scope_of(Some(&strategic_id), None));
        assert_eq!(strategic.strategic, Some(strategic_id));
        assert!(LockedRegion::of(&scope_of(None, None)).is_empty());
        assert_eq!(scope_of(Some(" "), Some("")), Filters::default());
    }

    #[test]
    fn a_fair_given_by_the_page_stays() {
        let state = Rc::new(State::default()).reduce(Action::SetFair(Some(" 2025 对接会 ".into())));
        assert_eq!(state.fair.as_deref(), Some("2025 对接会"));
        let state = state.reduce(Action::SetFair(Some(String::new())));
        assert_eq!(state.fair, None);
        let page = Rc::new(State {
            fair: Some("门户对接会".into()),
            fair_from_page: true,
            ..State::default()
        });
        let state = page.reduce(Action::SetFair(Some("别的".into())));
        assert_eq!(state.fair.as_deref(), Some("门户对接会"));
    }

    #[test]
    fn csv_cells_never_run_as_formulas() {
        assert_eq!(csv_cell("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(csv_cell("-1+2"), "'-1+2");
        assert_eq!(csv_cell("a,b"), "\"a,b\"");
        // The escape is core's, the one of the server's statistics CSV.
        for text in ["＋1", "  =1", "'x", "锂电池", "-5"] {
            assert_eq!(csv_cell(text), escape_cell(text));
        }
    }
}
