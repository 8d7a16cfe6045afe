//! The widget's state and its one reducer: every change (typing, a picker, a loaded catalog, the
//! shortlist) is an `Action`, and matching happens here, synchronously, because it is local and fast.

use std::rc::Rc;

use duijie_core::taxonomy::taxonomies;
use duijie_core::{Filters, Kind, MatchOptions, MatchResult, Matcher, Mode, Need};
use serde::{Deserialize, Serialize};
use yew::Reducible;

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
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
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
    pub results: Rc<Vec<MatchResult>>,
    pub facets: Facets,
    pub shown: usize,
    /// When there are no results: the filters whose removal would give some, with the count.
    pub relax: Vec<(FilterKey, usize)>,
    pub shortlist: Vec<ShortItem>,
    /// Bumped by every match, so views and effects can tell a new result list.
    pub generation: u64,
    /// The intended engagements as last read from localStorage, and whether a broker is signed in.
    pub engagements: Rc<Vec<crate::engagements::Entry>>,
    pub signed_in: bool,
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
            facets: Facets::default(),
            shown: PAGE,
            relax: Vec::new(),
            shortlist: Vec::new(),
            generation: 0,
            engagements: Rc::new(Vec::new()),
            signed_in: false,
        }
    }
}

impl PartialEq for State {
    fn eq(&self, other: &State) -> bool {
        self.generation == other.generation
            && self.lang == other.lang
            && self.text == other.text
            && self.picks == other.picks
            && self.load == other.load
            && self.online == other.online
            && self.shortlist == other.shortlist
            && self.shown == other.shown
            && self.engagements == other.engagements
            && self.signed_in == other.signed_in
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
    Loaded {
        matcher: Rc<Matcher>,
        from_cache: bool,
    },
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
                state.matcher = Some(matcher);
                state.from_cache = from_cache;
                state.load = Load::Ready;
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
                rematch = false;
                state.shown += PAGE;
            }
            Action::Engagements { queue, signed_in } => {
                rematch = false;
                state.engagements = Rc::new(queue);
                state.signed_in = signed_in;
            }
        }
        if rematch {
            state.shown = PAGE;
            state.rematch();
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

    /// Runs the match for the current text and pickers, with facets and, when empty, the filters
    /// whose removal would give results.
    pub fn rematch(&mut self) {
        self.generation += 1;
        self.relax.clear();
        let Some(matcher) = self.matcher.clone() else {
            self.results = Rc::new(Vec::new());
            self.facets = Facets::default();
            return;
        };
        if !self.has_query() {
            self.results = Rc::new(Vec::new());
            self.facets = Facets::default();
            return;
        }
        let results = timed("duijie:match", || {
            run(&matcher, &self.text, &self.picks, MATCH_TOP)
        });
        self.facets = facets(&matcher, &results);
        if results.is_empty() {
            for key in self.picks.active() {
                let mut relaxed = self.picks.clone();
                relaxed.clear(key);
                let count = run(&matcher, &self.text, &relaxed, MATCH_TOP).len();
                if count > 0 {
                    self.relax.push((key, count));
                }
            }
        }
        self.results = Rc::new(results);
    }

    /// The shortlist entry of a resource in the catalog.
    fn short_item(&self, id: &str) -> Option<ShortItem> {
        let matcher = self.matcher.as_ref()?;
        let resource = matcher.get(id)?;
        let score = self
            .results
            .iter()
            .find(|result| result.id == id)
            .map_or(0.0, |result| result.score);
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

fn run(matcher: &Matcher, text: &str, picks: &Picks, top: usize) -> Vec<MatchResult> {
    let options = MatchOptions {
        top,
        filters: filters_of(picks),
    };
    matcher.match_need(&need_of(text, picks), &options)
}

fn facets(matcher: &Matcher, results: &[MatchResult]) -> Facets {
    let mut kinds: Vec<(Kind, usize)> = Vec::new();
    let mut provinces: Vec<(String, usize)> = Vec::new();
    for result in results {
        let Some(resource) = matcher.get(&result.id) else {
            continue;
        };
        match kinds.iter_mut().find(|(kind, _)| *kind == resource.kind) {
            Some((_, count)) => *count += 1,
            None => kinds.push((resource.kind, 1)),
        }
        if let Some(province) = resource.region.as_deref().and_then(province_of) {
            match provinces.iter_mut().find(|(code, _)| *code == province) {
                Some((_, count)) => *count += 1,
                None => provinces.push((province, 1)),
            }
        }
    }
    kinds.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    provinces.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    provinces.truncate(8);
    Facets { kinds, provinces }
}

/// The province code of a region code.
pub fn province_of(code: &str) -> Option<String> {
    let regions = &taxonomies().regions;
    let node = regions.get(code)?;
    if node.parent.is_none() {
        return Some(node.code.clone());
    }
    regions
        .ancestors(code)
        .last()
        .map(|province| province.code.clone())
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
    match lang {
        Lang::Zh => kind.label_zh(),
        Lang::En => match kind {
            Kind::Expert => "Expert",
            Kind::Achievement => "Achievement",
            Kind::Patent => "Patent",
            Kind::Organization => "Organisation",
        },
    }
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
        let score = format!("{:.3}", item.score);
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

fn csv_cell(cell: &str) -> String {
    let mut cell = cell.to_string();
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        cell.insert(0, '\'');
    }
    if cell.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", cell.replace('"', "\"\""))
    } else {
        cell
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use duijie_core::Resource;

    fn matcher() -> Rc<Matcher> {
        let mut battery = Resource::new("a1", Kind::Achievement);
        battery.title = "锂电池热失控预警系统".to_string();
        battery.summary = "储能电站的锂电池热失控早期预警".to_string();
        battery.region = Some("440305".to_string());
        let mut water = Resource::new("e1", Kind::Expert);
        water.title = "张工".to_string();
        water.summary = "污水处理与膜分离".to_string();
        water.region = Some("110101".to_string());
        Rc::new(Matcher::new(
            "c-test",
            vec![battery, water],
            Default::default(),
        ))
    }

    fn loaded() -> Rc<State> {
        Rc::new(State::default()).reduce(Action::Loaded {
            matcher: matcher(),
            from_cache: false,
        })
    }

    #[test]
    fn typing_matches_at_once() {
        let state = loaded().reduce(Action::SetText("锂电池热失控".to_string()));
        assert_eq!(
            state.results.first().map(|result| result.id.as_str()),
            Some("a1")
        );
        assert_eq!(state.facets.kinds, [(Kind::Achievement, 1)]);
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
    fn csv_cells_never_run_as_formulas() {
        assert_eq!(csv_cell("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(csv_cell("-1+2"), "'-1+2");
        assert_eq!(csv_cell("a,b"), "\"a,b\"");
    }
}
