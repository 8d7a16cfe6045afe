//! Builds the taxonomies from the CSV tables compiled in from `core/data/`.

use std::borrow::Cow;
use std::collections::HashMap;

use crate::taxonomy::csv::{field, Table};
use crate::taxonomy::names::short_region_name;
use crate::taxonomy::{NameKey, Node, StrategicRegion, Taxonomies, Tree};

const REGIONS_CSV: &str = include_str!("../../data/admin-divisions-gbt2260.csv");
const STRATEGIC_CSV: &str = include_str!("../../data/strategic-regions.csv");
const INDUSTRY_DIVISIONS_CSV: &str = include_str!("../../data/gbt4754-2017-sections-divisions.csv");
const INDUSTRY_CLASSES_CSV: &str = include_str!("../../data/gbt4754-2017-classes.csv");
const SEI_CSV: &str = include_str!("../../data/sei-2018-categories.csv");
const GBT13745_CSV: &str = include_str!("../../data/gbt13745-2009-level1.csv");
const CSL_CSV: &str = include_str!("../../data/csl-disciplines.csv");
const CSL_TO_GBT_CSV: &str = include_str!("../../data/csl-to-gbt13745.csv");

/// The prefix of the codes given to CSL categories in the discipline tree.
pub(crate) const CSL_CATEGORY_PREFIX: &str = "csl-cat:";

/// Name-key ranks in the region tree: an exact name beats a province's short name, which beats a
/// city's or county's short name (河南 is the province, not 河南蒙古族自治县).
const RANK_EXACT: u8 = 0;
const RANK_PROVINCE_SHORT: u8 = 1;
const RANK_LOCAL_SHORT: u8 = 2;

/// Name-key ranks in the discipline tree: CSL names first because the catalog is written in them.
const RANK_CSL_DISCIPLINE: u8 = 0;
const RANK_GBT_DISCIPLINE: u8 = 1;
const RANK_GBT_CATEGORY: u8 = 2;
const RANK_CSL_CATEGORY: u8 = 3;
const RANK_CSL_PART: u8 = 4;

/// Precomputed facts that let the proximity functions answer without allocating.
#[derive(Debug, Default)]
pub(crate) struct Indexes {
    pub(crate) strategic_by_id: HashMap<String, usize>,
    /// Row = region node, bit = strategic region covering it (as member or below a member).
    pub(crate) region_strategic: BitRows,
    pub(crate) region: RegionIndex,
    pub(crate) discipline: DisciplineIndex,
}

#[derive(Debug, Default)]
pub(crate) struct RegionIndex {
    /// The node acting as each node's city, if any (see `Taxonomies::region_proximity`).
    pub(crate) city: Vec<Option<u32>>,
    /// Each node's province.
    pub(crate) province: Vec<u32>,
    /// Whether the table marks the node virtual (the x9000 groups 省直辖县级行政区划, which are
    /// bookkeeping, not places people name).
    pub(crate) is_virtual: Vec<bool>,
}

#[derive(Debug, Default)]
pub(crate) struct DisciplineIndex {
    pub(crate) is_csl: Vec<bool>,
    /// The GB/T 13745 mapping targets of each CSL discipline, as node indexes.
    pub(crate) mapped: Vec<Vec<u32>>,
    /// Row = discipline node, bit = GB/T level-1 discipline it is or maps to.
    pub(crate) gbt: BitRows,
    /// Row = discipline node, bit = GB/T category it is, lies in, or maps into.
    pub(crate) gbt_category: BitRows,
}

/// A fixed-width bit set per row, stored flat.
#[derive(Debug, Default)]
pub(crate) struct BitRows {
    words_per_row: usize,
    words: Vec<u64>,
}

impl BitRows {
    fn new(n_rows: usize, n_bits: usize) -> BitRows {
        let words_per_row = n_bits.div_ceil(64).max(1);
        BitRows {
            words_per_row,
            words: vec![0; n_rows * words_per_row],
        }
    }

    fn set(&mut self, row: usize, bit: usize) {
        self.words[row * self.words_per_row + bit / 64] |= 1 << (bit % 64);
    }

    pub(crate) fn get(&self, row: usize, bit: usize) -> bool {
        self.words[row * self.words_per_row + bit / 64] & (1 << (bit % 64)) != 0
    }

    pub(crate) fn rows_intersect(&self, a: usize, b: usize) -> bool {
        let row_a = &self.words[a * self.words_per_row..(a + 1) * self.words_per_row];
        let row_b = &self.words[b * self.words_per_row..(b + 1) * self.words_per_row];
        row_a
            .iter()
            .zip(row_b)
            .any(|(word_a, word_b)| word_a & word_b != 0)
    }
}

pub(crate) fn load() -> Taxonomies {
    let (regions, virtual_flags) = load_regions();
    let strategic = load_strategic();
    let industries = load_industries();
    let sei = load_simple_tree(SEI_CSV);
    let (disciplines, discipline) = load_disciplines();

    let strategic_by_id = strategic
        .iter()
        .enumerate()
        .map(|(index, region)| (region.id.clone(), index))
        .collect();
    let region_strategic = strategic_rows(&regions, &strategic);
    let region = region_index(&regions, &virtual_flags);
    Taxonomies {
        regions,
        strategic,
        industries,
        disciplines,
        sei,
        index: Indexes {
            strategic_by_id,
            region_strategic,
            region,
            discipline,
        },
    }
}

fn parse_level(text: &str) -> u8 {
    text.trim().parse().unwrap_or(0)
}

fn non_empty(text: &str) -> Option<String> {
    (!text.is_empty()).then(|| text.to_owned())
}

fn exact_name_keys(nodes: &[Node], rank: u8) -> Vec<NameKey> {
    nodes
        .iter()
        .enumerate()
        .map(|(index, node)| NameKey::of(index, &node.name, &node.name, rank))
        .collect()
}

/// The tree, and for each node whether the table marks it virtual (the x9000 groups).
fn load_regions() -> (Tree, Vec<bool>) {
    let table = Table::parse(REGIONS_CSV);
    let (code, name, parent, level, is_virtual) = (
        table.column("code"),
        table.column("name"),
        table.column("parent_code"),
        table.column("level"),
        table.column("virtual"),
    );
    let mut nodes = Vec::with_capacity(table.n_rows());
    let mut name_keys = Vec::with_capacity(table.n_rows() * 2);
    let mut virtual_flags = Vec::with_capacity(table.n_rows());
    for row in table.rows() {
        let node = Node {
            code: field(row, code).to_owned(),
            name: field(row, name).to_owned(),
            parent: non_empty(field(row, parent)),
            level: parse_level(field(row, level)),
        };
        let index = nodes.len();
        name_keys.push(NameKey::of(index, &node.name, &node.name, RANK_EXACT));
        // The virtual groups are bookkeeping, not places: they get no short name.
        virtual_flags.push(field(row, is_virtual) == "1");
        if field(row, is_virtual) != "1" {
            if let Some(short) = short_region_name(&node.name) {
                let rank = if node.level == 1 {
                    RANK_PROVINCE_SHORT
                } else {
                    RANK_LOCAL_SHORT
                };
                name_keys.push(NameKey::of(index, &node.name, short, rank));
            }
        }
        nodes.push(node);
    }
    (Tree::build(nodes, name_keys, false), virtual_flags)
}

fn load_strategic() -> Vec<StrategicRegion> {
    let table = Table::parse(STRATEGIC_CSV);
    let (id, name, kind, member, note, policy) = (
        table.column("region_id"),
        table.column("region_name"),
        table.column("region_type"),
        table.column("member_code"),
        table.column("note"),
        table.column("policy"),
    );
    let mut regions: Vec<StrategicRegion> = Vec::new();
    let mut by_id: HashMap<&str, usize> = HashMap::new();
    for row in table.rows() {
        let region_id = field(row, id);
        let index = *by_id.entry(region_id).or_insert_with(|| {
            regions.push(StrategicRegion {
                id: region_id.to_owned(),
                name: field(row, name).to_owned(),
                kind: field(row, kind).to_owned(),
                members: Vec::new(),
                policy: field(row, policy).to_owned(),
                member_notes: Vec::new(),
            });
            regions.len() - 1
        });
        regions[index].members.push(field(row, member).to_owned());
        regions[index]
            .member_notes
            .push(field(row, note).to_owned());
    }
    regions
}

/// Sections and divisions come from one table, groups and classes from the other; each division is
/// followed by its groups and classes so that `nodes()` lists the tree depth first.
fn load_industries() -> Tree {
    let divisions = Table::parse(INDUSTRY_DIVISIONS_CSV);
    let classes = Table::parse(INDUSTRY_CLASSES_CSV);
    let (code, name, level, parent) = (
        divisions.column("code"),
        divisions.column("name"),
        divisions.column("level"),
        divisions.column("parent_code"),
    );
    let (class_code, class_name, group_code, division_code) = (
        classes.column("code"),
        classes.column("name"),
        classes.column("group_code"),
        classes.column("division_code"),
    );
    let mut classes_of_division: HashMap<&str, Vec<&[Cow<str>]>> = HashMap::new();
    for row in classes.rows() {
        classes_of_division
            .entry(field(row, division_code))
            .or_default()
            .push(row);
    }

    let mut nodes = Vec::with_capacity(divisions.n_rows() + classes.n_rows() * 3 / 2);
    let mut name_keys = Vec::new();
    for row in divisions.rows() {
        let node = Node {
            code: field(row, code).to_owned(),
            name: field(row, name).to_owned(),
            parent: non_empty(field(row, parent)),
            level: parse_level(field(row, level)),
        };
        let division = node.code.clone();
        name_keys.push(NameKey::of(nodes.len(), &node.name, &node.name, 0));
        nodes.push(node);
        let Some(rows) = classes_of_division.get(division.as_str()) else {
            continue;
        };
        let mut start = 0;
        while start < rows.len() {
            let group = field(rows[start], group_code);
            let end = start
                + rows[start..]
                    .iter()
                    .take_while(|row| field(row, group_code) == group)
                    .count();
            let group_rows = &rows[start..end];
            // A group that is not subdivided has one class, coded group + "0", with the group's own
            // name; otherwise no licensed source gives the group's name and it stays empty.
            let group_name = match group_rows {
                [only] if field(only, class_code).ends_with('0') => {
                    field(only, class_name).to_owned()
                }
                _ => String::new(),
            };
            let group_node = Node {
                code: group.to_owned(),
                name: group_name,
                parent: Some(division.clone()),
                level: 3,
            };
            name_keys.push(NameKey::of(
                nodes.len(),
                &group_node.name,
                &group_node.name,
                1,
            ));
            nodes.push(group_node);
            for row in group_rows {
                let class_node = Node {
                    code: field(row, class_code).to_owned(),
                    name: field(row, class_name).to_owned(),
                    parent: Some(group.to_owned()),
                    level: 4,
                };
                name_keys.push(NameKey::of(
                    nodes.len(),
                    &class_node.name,
                    &class_node.name,
                    0,
                ));
                nodes.push(class_node);
            }
            start = end;
        }
    }
    // Divisions, groups and classes may be written with their section letter: C38, C384, C3841.
    Tree::build(nodes, name_keys, true)
}

/// A table with columns `code,name,level,parent_code` and every name its own key.
fn load_simple_tree(text: &str) -> Tree {
    let nodes = simple_nodes(&Table::parse(text));
    let name_keys = exact_name_keys(&nodes, 0);
    Tree::build(nodes, name_keys, false)
}

fn simple_nodes(table: &Table) -> Vec<Node> {
    let (code, name, level, parent) = (
        table.column("code"),
        table.column("name"),
        table.column("level"),
        table.column("parent_code"),
    );
    table
        .rows()
        .map(|row| Node {
            code: field(row, code).to_owned(),
            name: field(row, name).to_owned(),
            parent: non_empty(field(row, parent)),
            level: parse_level(field(row, level)),
        })
        .collect()
}

/// GB/T 13745 first (file order), then each CSL category followed by its disciplines in the order
/// they first appear in `csl-disciplines.csv`.
fn load_disciplines() -> (Tree, DisciplineIndex) {
    let mut nodes = simple_nodes(&Table::parse(GBT13745_CSV));
    let n_gbt = nodes.len();
    let mut name_keys: Vec<NameKey> = nodes
        .iter()
        .enumerate()
        .map(|(index, node)| {
            let rank = if node.level == 0 {
                RANK_GBT_CATEGORY
            } else {
                RANK_GBT_DISCIPLINE
            };
            NameKey::of(index, &node.name, &node.name, rank)
        })
        .collect();

    let csl = Table::parse(CSL_CSV);
    let (discipline, category) = (csl.column("discipline"), csl.column("category"));
    let mut categories: Vec<&str> = Vec::new();
    for row in csl.rows() {
        if !categories.contains(&field(row, category)) {
            categories.push(field(row, category));
        }
    }
    for category_name in &categories {
        let category_code = format!("{CSL_CATEGORY_PREFIX}{category_name}");
        name_keys.push(NameKey::of(
            nodes.len(),
            category_name,
            category_name,
            RANK_CSL_CATEGORY,
        ));
        nodes.push(Node {
            code: category_code.clone(),
            name: (*category_name).to_owned(),
            parent: None,
            level: 0,
        });
        for row in csl
            .rows()
            .filter(|row| field(row, category) == *category_name)
        {
            let name = field(row, discipline);
            // Offsets into the table's text are offsets into the node's copy of it.
            name_keys.push(NameKey::of(nodes.len(), name, name, RANK_CSL_DISCIPLINE));
            if name.contains('/') {
                for part in name.split('/') {
                    name_keys.push(NameKey::of(nodes.len(), name, part, RANK_CSL_PART));
                }
            }
            nodes.push(Node {
                code: name.to_owned(),
                name: name.to_owned(),
                parent: Some(category_code.clone()),
                level: 1,
            });
        }
    }
    let tree = Tree::build(nodes, name_keys, false);
    let index = discipline_index(&tree, n_gbt);
    (tree, index)
}

fn discipline_index(tree: &Tree, n_gbt: usize) -> DisciplineIndex {
    let n_nodes = tree.nodes().len();
    let is_csl: Vec<bool> = (0..n_nodes).map(|index| index >= n_gbt).collect();
    let mut mapped = vec![Vec::new(); n_nodes];
    let mapping = Table::parse(CSL_TO_GBT_CSV);
    let (csl_column, gbt_column) = (
        mapping.column("csl_discipline"),
        mapping.column("gbt13745_code"),
    );
    for row in mapping.rows() {
        let (Some(csl), Some(gbt)) = (
            tree.index_of(field(row, csl_column)),
            tree.index_of(field(row, gbt_column)),
        ) else {
            continue;
        };
        if is_csl[csl] && !is_csl[gbt] {
            mapped[csl].push(gbt as u32);
        }
    }

    // Bits number the GB/T disciplines and categories in file order.
    let mut gbt_bit = vec![None; n_nodes];
    let mut category_bit = vec![None; n_nodes];
    let (mut n_disciplines, mut n_categories) = (0, 0);
    for (index, node) in tree.nodes()[..n_gbt].iter().enumerate() {
        if node.level == 0 {
            category_bit[index] = Some(n_categories);
            n_categories += 1;
        } else {
            gbt_bit[index] = Some(n_disciplines);
            n_disciplines += 1;
        }
    }
    let category_of = |index: usize| -> Option<usize> {
        category_bit[index].or_else(|| {
            tree.parent_index(index)
                .and_then(|parent| category_bit[parent])
        })
    };
    let mut gbt = BitRows::new(n_nodes, n_disciplines);
    let mut gbt_category = BitRows::new(n_nodes, n_categories);
    for index in 0..n_nodes {
        let targets: Vec<usize> = if is_csl[index] {
            mapped[index].iter().map(|&gbt| gbt as usize).collect()
        } else {
            vec![index]
        };
        for target in targets {
            if let Some(bit) = gbt_bit[target] {
                gbt.set(index, bit);
            }
            if let Some(bit) = category_of(target) {
                gbt_category.set(index, bit);
            }
        }
    }
    DisciplineIndex {
        is_csl,
        mapped,
        gbt,
        gbt_category,
    }
}

fn strategic_rows(regions: &Tree, strategic: &[StrategicRegion]) -> BitRows {
    let n_nodes = regions.nodes().len();
    let mut rows = BitRows::new(n_nodes, strategic.len());
    let mut member_of: Vec<Vec<usize>> = vec![Vec::new(); n_nodes];
    for (region_index, region) in strategic.iter().enumerate() {
        for member in &region.members {
            if let Some(index) = regions.index_of(member) {
                member_of[index].push(region_index);
            }
        }
    }
    for index in 0..n_nodes {
        let mut current = Some(index);
        while let Some(node) = current {
            for &region_index in &member_of[node] {
                rows.set(index, region_index);
            }
            current = regions.parent_index(node);
        }
    }
    rows
}

fn region_index(regions: &Tree, virtual_flags: &[bool]) -> RegionIndex {
    let nodes = regions.nodes();
    let province: Vec<u32> = (0..nodes.len())
        .map(|mut index| {
            while let Some(parent) = regions.parent_index(index) {
                index = parent;
            }
            index as u32
        })
        .collect();
    // A province with counties directly below it is a municipality, and the city of those counties.
    let mut is_municipality = vec![false; nodes.len()];
    for (index, node) in nodes.iter().enumerate() {
        if let Some(parent) = regions.parent_index(index) {
            if node.level == 3 && nodes[parent].level == 1 {
                is_municipality[parent] = true;
            }
        }
    }
    let is_city = |index: usize| -> bool {
        (nodes[index].level == 2 && !virtual_flags[index])
            || (nodes[index].level == 1 && is_municipality[index])
    };
    let city = (0..nodes.len())
        .map(|index| {
            if is_city(index) {
                return Some(index as u32);
            }
            regions
                .parent_index(index)
                .filter(|&parent| is_city(parent))
                .map(|parent| parent as u32)
        })
        .collect();
    RegionIndex {
        city,
        province,
        is_virtual: virtual_flags.to_vec(),
    }
}
