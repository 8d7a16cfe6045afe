//! Taxonomies compiled into the binary: regions (GB/T 2260 and national strategic regions), industries
//! (GB/T 4754-2017), disciplines (GB/T 13745 level 1 and the CSL disciplines), strategic emerging
//! industries (2018). Lookup by code and name, ancestors, and proximity between two codes.
//!
//! The tables live in `core/data/` (see `core/data/SOURCES.md`) and are parsed once, on the first
//! call of [`taxonomies`]. Every proximity function is symmetric with values in [0, 1] and does not
//! allocate, because scoring calls it once per candidate.
//!
//! Choices a caller should know:
//! - Regions are GB/T 2260 codes only; NBS-only statistical codes (development zones) are unknown.
//! - Region names resolve by exact name or short name (广东, 深圳, 广西, 延边). An exact name beats a
//!   short name, and a province's short name beats a city's or county's (河南 is the province). A
//!   name still shared after that (朝阳, 朝阳区, 南山区) gives `None` from `by_name`; use
//!   [`Taxonomies::find_regions`] to list the candidates. What people write in a record (a code, a
//!   name, a short name, or the province, city and county together such as 广东省佛山市禅城区) is
//!   read by [`Taxonomies::resolve_region`], the one reader every decoder and filter uses.
//! - Industry groups (3-digit 中类) have no licensed names: an undivided group takes the name of its
//!   only class, the others have an empty name. Codes may carry their section letter (`C3841`).
//! - Disciplines: one tree holds GB/T 13745 (categories `A`..`E`, level-1 codes `110`..) and the CSL
//!   disciplines (code = name, under category nodes `csl-cat:<门类>`). A name found in both systems
//!   (数学, 法学, ...) resolves to the CSL discipline; see [`Taxonomies::canonical_discipline`].

mod csv;
mod load;
pub(crate) mod names;
mod resolve;
#[cfg(test)]
mod tests;

use std::collections::HashMap;
use std::sync::OnceLock;

pub use crate::taxonomy::resolve::RegionLookupError;

/// One node of a code tree.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Node {
    pub code: String,
    pub name: String,
    pub parent: Option<String>,
    /// Depth in its own system: regions 1 province, 2 city, 3 county; industries 1 section .. 4 class;
    /// disciplines 0 category, 1 discipline.
    pub level: u8,
}

/// A tree of codes, with indexes by code and by name built once.
///
/// Names are looked up through ranked keys: every node's exact name, plus aliases such as the short
/// form of a region name (广东 for 广东省). A key whose best rank is held by more than one node is
/// ambiguous, and [`Tree::by_name`] answers `None` for it; [`Tree::find_by_name`] lists every node.
/// The indexes are sorted arrays of node numbers rather than hash maps: they need no allocation per
/// key (a key is a slice of its node's name), and their order is deterministic.
#[derive(Clone, Debug, Default)]
pub struct Tree {
    nodes: Vec<Node>,
    parents: Vec<Option<u32>>,
    depths: Vec<u8>,
    /// Children in file order, as ranges into `child_list`.
    child_ranges: Vec<(u32, u32)>,
    child_list: Vec<u32>,
    /// Node numbers sorted by code, the reference index.
    by_code: Vec<u32>,
    /// FNV-1a hash of a code to its node number: the fast path of code lookups in scoring loops.
    /// A hash that two codes share (never seen) keeps the first node, and a lookup whose node
    /// does not have the code falls back to `by_code`.
    code_hashes: HashMap<u64, u32>,
    /// Name keys sorted by key text, then node number.
    name_keys: Vec<NameKey>,
    /// Whether codes below the top level may be written with their top-level code before them
    /// (industries: `C3841` for 3841 in section C).
    prefixed_codes: bool,
}

/// A name key: a slice of a node's name, with the rank that decides between nodes sharing a key.
#[derive(Clone, Copy, Debug)]
pub(crate) struct NameKey {
    pub(crate) node: u32,
    pub(crate) start: u16,
    pub(crate) end: u16,
    pub(crate) rank: u8,
}

impl NameKey {
    /// The key `part`, which must be a slice of `name` (the name of node `node`).
    pub(crate) fn of(node: usize, name: &str, part: &str, rank: u8) -> NameKey {
        let start = (part.as_ptr() as usize)
            .saturating_sub(name.as_ptr() as usize)
            .min(name.len());
        let end = (start + part.len()).min(name.len());
        NameKey {
            node: node as u32,
            start: start as u16,
            end: end as u16,
            rank,
        }
    }
}

impl Tree {
    /// All nodes, in the order the tables list them (parents before their children).
    pub fn nodes(&self) -> &[Node] {
        &self.nodes
    }

    /// The node with this code (or, for industries, a code with its section letter such as `C3841`).
    pub fn get(&self, code: &str) -> Option<&Node> {
        self.index_of(code).map(|index| &self.nodes[index])
    }

    /// The one node with this name or name alias; `None` when the name is unknown or ambiguous.
    pub fn by_name(&self, name: &str) -> Option<&Node> {
        let keys = self.keys_named(name);
        let best_rank = keys.iter().map(|key| key.rank).min()?;
        let mut best = keys
            .iter()
            .filter(|key| key.rank == best_rank)
            .map(|key| key.node);
        let first = best.next()?;
        // The same node may hold a key twice (a name equal to its own alias): that is no ambiguity.
        if best.all(|node| node == first) {
            Some(&self.nodes[first as usize])
        } else {
            None
        }
    }

    /// Every node with this name or name alias, in file order.
    pub fn find_by_name(&self, name: &str) -> Vec<&Node> {
        let mut out: Vec<&Node> = Vec::new();
        // Keys with equal text are sorted by node number, so duplicates are adjacent.
        for key in self.keys_named(name) {
            let node = &self.nodes[key.node as usize];
            if out.last().is_none_or(|last| !std::ptr::eq(*last, node)) {
                out.push(node);
            }
        }
        out
    }

    /// A code, or else a name.
    pub fn resolve(&self, code_or_name: &str) -> Option<&Node> {
        self.get(code_or_name)
            .or_else(|| self.by_name(code_or_name))
    }

    /// Nearest first, without the node itself.
    pub fn ancestors(&self, code: &str) -> Vec<&Node> {
        let mut out = Vec::new();
        let mut current = self
            .index_of(code)
            .and_then(|index| self.parent_index(index));
        while let Some(parent) = current {
            out.push(&self.nodes[parent]);
            current = self.parent_index(parent);
        }
        out
    }

    /// The direct children, in file order.
    pub fn children(&self, code: &str) -> Vec<&Node> {
        self.index_of(code)
            .map(|index| {
                let (start, end) = self.child_ranges[index];
                self.child_list[start as usize..end as usize]
                    .iter()
                    .map(|&child| &self.nodes[child as usize])
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Whether `code` is `ancestor` or lies below it. Unknown codes are within nothing.
    pub fn is_within(&self, code: &str, ancestor: &str) -> bool {
        match (self.index_of(code), self.index_of(ancestor)) {
            (Some(index), Some(ancestor_index)) => self.is_within_index(index, ancestor_index),
            _ => false,
        }
    }

    /// The deepest node that is `a` or one of its ancestors and also `b` or one of its ancestors.
    pub fn lowest_common_ancestor(&self, a: &str, b: &str) -> Option<&Node> {
        let index_a = self.index_of(a)?;
        let index_b = self.index_of(b)?;
        self.lca_index(index_a, index_b)
            .map(|index| &self.nodes[index])
    }

    pub(crate) fn index_of(&self, code: &str) -> Option<usize> {
        if let Some(index) = self.exact_index_of(code) {
            return Some(index);
        }
        if !self.prefixed_codes {
            return None;
        }
        // A code preceded by its top-level code: the first character is the top-level code here.
        let mut characters = code.chars();
        let prefix = characters.next()?;
        let rest = characters.as_str();
        let index = self.exact_index_of(rest)?;
        let mut top = index;
        while let Some(parent) = self.parent_index(top) {
            top = parent;
        }
        let top_code = &self.nodes[top].code;
        (top != index && top_code.len() == prefix.len_utf8() && top_code.starts_with(prefix))
            .then_some(index)
    }

    fn exact_index_of(&self, code: &str) -> Option<usize> {
        // Every code is in `code_hashes`, so a missing hash means an unknown code.
        let index = *self.code_hashes.get(&fnv1a(code))? as usize;
        if self.nodes[index].code == code {
            return Some(index);
        }
        self.by_code
            .binary_search_by(|&index| self.nodes[index as usize].code.as_str().cmp(code))
            .ok()
            .map(|position| self.by_code[position] as usize)
    }

    fn key_text(&self, key: &NameKey) -> &str {
        self.nodes[key.node as usize]
            .name
            .get(key.start as usize..key.end as usize)
            .unwrap_or("")
    }

    fn keys_named(&self, name: &str) -> &[NameKey] {
        let start = self
            .name_keys
            .partition_point(|key| self.key_text(key) < name);
        let end = start + self.name_keys[start..].partition_point(|key| self.key_text(key) == name);
        &self.name_keys[start..end]
    }

    pub(crate) fn parent_index(&self, index: usize) -> Option<usize> {
        self.parents[index].map(|parent| parent as usize)
    }

    pub(crate) fn is_within_index(&self, mut index: usize, ancestor: usize) -> bool {
        loop {
            if index == ancestor {
                return true;
            }
            match self.parents[index] {
                Some(parent) => index = parent as usize,
                None => return false,
            }
        }
    }

    pub(crate) fn lca_index(&self, mut a: usize, mut b: usize) -> Option<usize> {
        while self.depths[a] > self.depths[b] {
            a = self.parents[a]? as usize;
        }
        while self.depths[b] > self.depths[a] {
            b = self.parents[b]? as usize;
        }
        while a != b {
            a = self.parents[a]? as usize;
            b = self.parents[b]? as usize;
        }
        Some(a)
    }

    /// Builds the indexes. `name_keys` are slices of node names with their ranks, the lower rank
    /// winning a shared key; empty keys are dropped. A parent code missing from `nodes` leaves the
    /// node without a parent index (the tests check that no table does this). With
    /// `prefixed_codes`, a code may also be written after its top-level code (`C3841`).
    pub(crate) fn build(
        nodes: Vec<Node>,
        mut name_keys: Vec<NameKey>,
        prefixed_codes: bool,
    ) -> Tree {
        let mut by_code: Vec<u32> = (0..nodes.len() as u32).collect();
        by_code.sort_by(|&a, &b| {
            nodes[a as usize]
                .code
                .cmp(&nodes[b as usize].code)
                .then(a.cmp(&b))
        });
        // The first node wins a duplicated code, as a table lookup in file order would.
        by_code.dedup_by(|later, earlier| {
            nodes[*later as usize].code == nodes[*earlier as usize].code
        });
        let nodes_len = nodes.len();
        let mut tree = Tree {
            nodes,
            parents: Vec::new(),
            depths: Vec::new(),
            child_ranges: Vec::new(),
            child_list: Vec::new(),
            by_code,
            code_hashes: HashMap::with_capacity(nodes_len),
            name_keys: Vec::new(),
            prefixed_codes: false,
        };
        // The code index must be complete before parents are looked up through it.
        for (index, node) in tree.nodes.iter().enumerate() {
            tree.code_hashes
                .entry(fnv1a(&node.code))
                .or_insert(index as u32);
        }
        let parents: Vec<Option<u32>> = tree
            .nodes
            .iter()
            .map(|node| {
                node.parent
                    .as_deref()
                    .and_then(|parent| tree.exact_index_of(parent))
                    .map(|index| index as u32)
            })
            .collect();
        let mut n_children = vec![0u32; tree.nodes.len()];
        for parent in parents.iter().flatten() {
            n_children[*parent as usize] += 1;
        }
        let mut child_ranges = Vec::with_capacity(tree.nodes.len());
        let mut offset = 0;
        for count in &n_children {
            child_ranges.push((offset, offset));
            offset += count;
        }
        let mut child_list = vec![0u32; offset as usize];
        for (index, parent) in parents.iter().enumerate() {
            if let Some(parent) = parent {
                let range = &mut child_ranges[*parent as usize];
                child_list[range.1 as usize] = index as u32;
                range.1 += 1;
            }
        }
        let depths = (0..tree.nodes.len())
            .map(|index| {
                let mut depth = 0u8;
                let mut current = parents[index];
                // The bound stops a malformed table with a cycle from looping forever.
                while let Some(parent) = current {
                    depth = depth.saturating_add(1);
                    if depth == u8::MAX {
                        break;
                    }
                    current = parents[parent as usize];
                }
                depth
            })
            .collect();
        tree.parents = parents;
        tree.depths = depths;
        tree.child_ranges = child_ranges;
        tree.child_list = child_list;
        name_keys.retain(|key| key.start < key.end);
        name_keys.sort_by(|a, b| {
            tree.key_text(a)
                .cmp(tree.key_text(b))
                .then(a.node.cmp(&b.node))
                .then(a.rank.cmp(&b.rank))
        });
        tree.name_keys = name_keys;
        tree.prefixed_codes = prefixed_codes;
        tree
    }
}

/// The 64-bit FNV-1a hash: cheap for short codes, and the same on every platform.
fn fnv1a(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// A national strategic region: a set of province, city or county codes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StrategicRegion {
    pub id: String,
    pub name: String,
    pub kind: String,
    pub members: Vec<String>,
    pub policy: String,
    /// The table's note for each member, parallel to `members` (empty when there is none), e.g. the
    /// parts of a city a plan leaves out.
    pub member_notes: Vec<String>,
}

#[derive(Debug, Default)]
pub struct Taxonomies {
    pub regions: Tree,
    pub strategic: Vec<StrategicRegion>,
    pub industries: Tree,
    pub disciplines: Tree,
    pub sei: Tree,
    index: load::Indexes,
}

/// The shipped taxonomies, parsed once.
pub fn taxonomies() -> &'static Taxonomies {
    static TAXONOMIES: OnceLock<Taxonomies> = OnceLock::new();
    TAXONOMIES.get_or_init(load::load)
}

impl Taxonomies {
    pub fn strategic_region(&self, id: &str) -> Option<&StrategicRegion> {
        self.index
            .strategic_by_id
            .get(id)
            .map(|&index| &self.strategic[index])
    }

    /// Strategic regions that contain `code` (directly or through an ancestor), in file order.
    pub fn strategic_regions_of(&self, code: &str) -> Vec<&StrategicRegion> {
        let Some(index) = self.regions.index_of(code) else {
            return Vec::new();
        };
        (0..self.strategic.len())
            .filter(|&region| self.index.region_strategic.get(index, region))
            .map(|region| &self.strategic[region])
            .collect()
    }

    /// Whether a region scope (a GB/T 2260 code or a strategic region id) covers `code`.
    ///
    /// A code covers itself and its descendants; a strategic region covers its members and their
    /// descendants. An unknown scope or code covers nothing.
    pub fn region_covers(&self, scope: &str, code: &str) -> bool {
        let Some(index) = self.regions.index_of(code) else {
            return false;
        };
        if let Some(scope_index) = self.regions.index_of(scope) {
            return self.regions.is_within_index(index, scope_index);
        }
        match self.index.strategic_by_id.get(scope) {
            Some(&region) => self.index.region_strategic.get(index, region),
            None => false,
        }
    }

    /// The province (省级) a region code lies in, or the province itself; `None` for an unknown
    /// code. Facets and statistics by province count with this.
    pub fn province_of(&self, code: &str) -> Option<&Node> {
        let index = self.regions.index_of(code)?;
        Some(&self.regions.nodes[self.index.region.province[index] as usize])
    }

    /// Every region whose name or short name (广东 for 广东省, 深圳 for 深圳市) is `name`, in file
    /// order. Use it when [`Tree::by_name`] answers `None` because a short name is ambiguous.
    pub fn find_regions(&self, name: &str) -> Vec<&Node> {
        self.regions.find_by_name(name)
    }

    /// 1 same code, 0.75 same city, 0.5 same province, 0.25 a shared strategic region, else 0.
    ///
    /// "Same city" means both codes are within one prefecture-level city, or one is that city. A
    /// municipality (北京, 天津, 上海, 重庆) is the city of its districts. The virtual groups x9000
    /// (省直辖县级行政区划) are no city: their county-level cities only share the province. A
    /// province and a county or city in it share the province (0.5). Unknown codes give 0.
    pub fn region_proximity(&self, a: &str, b: &str) -> f64 {
        let (Some(index_a), Some(index_b)) = (self.regions.index_of(a), self.regions.index_of(b))
        else {
            return 0.0;
        };
        if index_a == index_b {
            return 1.0;
        }
        let regions = &self.index.region;
        if regions.city[index_a].is_some() && regions.city[index_a] == regions.city[index_b] {
            return 0.75;
        }
        if regions.province[index_a] == regions.province[index_b] {
            return 0.5;
        }
        if self.index.region_strategic.rows_intersect(index_a, index_b) {
            return 0.25;
        }
        0.0
    }

    /// 1 same class, 0.75 same group, 0.5 same division, 0.25 same section, else 0.
    ///
    /// The deepest common ancestor decides, so 3841 vs 384 gives 0.75 and 3841 vs 38 gives 0.5.
    /// Codes may carry their section letter (`C3841`); unknown codes give 0.
    pub fn industry_proximity(&self, a: &str, b: &str) -> f64 {
        let (Some(index_a), Some(index_b)) =
            (self.industries.index_of(a), self.industries.index_of(b))
        else {
            return 0.0;
        };
        if index_a == index_b {
            return 1.0;
        }
        match self
            .industries
            .lca_index(index_a, index_b)
            .map(|index| self.industries.nodes[index].level)
        {
            Some(3) => 0.75,
            Some(2) => 0.5,
            Some(1) => 0.25,
            _ => 0.0,
        }
    }

    /// 1 same category, 0.5 same parent (or one is the other's parent), else 0.
    pub fn sei_proximity(&self, a: &str, b: &str) -> f64 {
        let (Some(index_a), Some(index_b)) = (self.sei.index_of(a), self.sei.index_of(b)) else {
            return 0.0;
        };
        if index_a == index_b {
            1.0
        } else if self.sei.lca_index(index_a, index_b).is_some() {
            0.5
        } else {
            0.0
        }
    }

    /// The canonical code of an industry given by code (with or without its section letter:
    /// `C3841` gives `3841`, a section letter stays itself) or by its one name.
    pub fn canonical_industry(&self, code_or_name: &str) -> Option<&str> {
        self.industries
            .resolve(code_or_name)
            .map(|node| node.code.as_str())
    }

    /// The canonical code of a discipline given by code or name (CSL names are their own codes).
    ///
    /// A GB/T 13745 code is returned as is; a 5- or 7-digit GB/T code (二级, 三级, also written with a
    /// dot such as `520.20`) gives its level-1 code, the deepest level shipped. A name shared by both
    /// systems (数学, 法学, 机械工程, ...) gives the CSL discipline, because the catalog is written in
    /// CSL names; its GB/T twin is reached through the mapping at proximity 0.8. A GB/T name gives
    /// its code (农学 → 210). One part of a merged CSL name (化学工程与技术 for
    /// 化学/化学工程与技术) gives the CSL discipline unless a GB/T discipline has that exact name.
    pub fn canonical_discipline(&self, code_or_name: &str) -> Option<&str> {
        self.discipline_index(code_or_name)
            .map(|index| self.disciplines.nodes[index].code.as_str())
    }

    /// Proximity of two disciplines given by code or name, symmetric, in [0, 1]:
    /// 1 the same discipline; 0.8 a CSL discipline and a GB/T discipline it maps to
    /// (`core/data/csl-to-gbt13745.csv`); 0.5 the same category in one system (or a discipline and
    /// its category), or two CSL disciplines mapped to one GB/T discipline; 0.4 a discipline whose
    /// GB/T category (its own, or through the mapping) is shared with the other's; else 0.
    pub fn discipline_proximity(&self, a: &str, b: &str) -> f64 {
        let (Some(index_a), Some(index_b)) = (self.discipline_index(a), self.discipline_index(b))
        else {
            return 0.0;
        };
        if index_a == index_b {
            return 1.0;
        }
        let disciplines = &self.index.discipline;
        let is_csl_a = disciplines.is_csl[index_a];
        let is_csl_b = disciplines.is_csl[index_b];
        let share_gbt = disciplines.gbt.rows_intersect(index_a, index_b);
        if share_gbt && is_csl_a != is_csl_b {
            return 0.8;
        }
        let parent_a = self.disciplines.parent_index(index_a);
        let parent_b = self.disciplines.parent_index(index_b);
        let same_parent = parent_a.is_some() && parent_a == parent_b;
        if same_parent || parent_a == Some(index_b) || parent_b == Some(index_a) || share_gbt {
            return 0.5;
        }
        if disciplines.gbt_category.rows_intersect(index_a, index_b) {
            return 0.4;
        }
        0.0
    }

    /// The GB/T 13745 level-1 disciplines a CSL discipline maps to, in the mapping's order; empty
    /// for anything else.
    pub fn csl_to_gbt13745(&self, csl_discipline: &str) -> Vec<&Node> {
        let Some(index) = self.discipline_index(csl_discipline) else {
            return Vec::new();
        };
        if !self.index.discipline.is_csl[index] {
            return Vec::new();
        }
        self.index.discipline.mapped[index]
            .iter()
            .map(|&gbt| &self.disciplines.nodes[gbt as usize])
            .collect()
    }

    fn discipline_index(&self, code_or_name: &str) -> Option<usize> {
        let tree = &self.disciplines;
        if let Some(index) = tree.index_of(code_or_name) {
            return Some(index);
        }
        if let Some(index) = tree
            .by_name(code_or_name)
            .and_then(|node| tree.index_of(&node.code))
        {
            return Some(index);
        }
        // GB/T 13745 levels 2 and 3 (5 and 7 digits, optionally dotted after the third) fall back to
        // their level-1 discipline.
        let digits_only = code_or_name
            .bytes()
            .all(|byte| byte.is_ascii_digit() || byte == b'.');
        let n_digits = code_or_name.bytes().filter(u8::is_ascii_digit).count();
        let dot_ok = match code_or_name.find('.') {
            None => true,
            Some(position) => {
                position == 3
                    && code_or_name[position + 1..]
                        .bytes()
                        .all(|byte| byte.is_ascii_digit())
            }
        };
        if digits_only && dot_ok && (n_digits == 5 || n_digits == 7) {
            return tree.index_of(&code_or_name[..3]);
        }
        None
    }
}
