//! Reading a region as people write it: a GB/T 2260 code (440604), a name (禅城区, 佛山市), a short
//! name (禅城, 佛山), or a path of names from any level down, with or without suffixes and separators
//! (广东省佛山市禅城区, 广东佛山禅城, 佛山市禅城区, 广东省 佛山市).
//!
//! The JSON decoder (so every import format), the need decoder and the hard filters all read a region
//! through [`Taxonomies::resolve_region`], through `validate::canonical_region`, so a region is
//! accepted or refused alike everywhere and is stored as its code.

use crate::taxonomy::{Node, Taxonomies, Tree};

/// Why a region as written names no one region.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RegionLookupError<'a> {
    /// Neither a code, a strategic region id, a name nor a path of names.
    Unknown,
    /// Several regions have this name (or path), none preferred: the candidates, in file order.
    Ambiguous(Vec<&'a Node>),
}

/// Longest text read as a path of names, in characters; the longest path in the table (province,
/// city and county with all their suffixes) has under 40.
const MAX_PATH_CHARS: usize = 64;

/// Characters people put between the parts of a path (广东省 佛山市, 广东/佛山/禅城, 广东-佛山):
/// no region name holds one, so they are dropped before the names are read.
fn is_separator(c: char) -> bool {
    c.is_whitespace()
        || matches!(
            c,
            '/' | '／'
                | '\\'
                | '-'
                | '－'
                | '—'
                | '·'
                | '・'
                | '>'
                | '＞'
                | ','
                | '，'
                | '、'
                | '|'
        )
}

impl Taxonomies {
    /// The code of the region `text` names, or the id of the strategic region it is.
    ///
    /// Read in this order: a GB/T 2260 code; a strategic region id; else a path of one or more
    /// names, each a region's name or short name (see `names.rs`) and each lying below the one
    /// before it (not necessarily directly: 广东省禅城区 is read), separators between them ignored.
    /// When paths end at different regions, the one whose last name has the better rank wins, as in
    /// [`Tree::by_name`]: an exact name beats a short name, a province's short name a city's or
    /// county's (吉林 is the province, 吉林市 the city). A tie is [`RegionLookupError::Ambiguous`]
    /// with the candidates (朝阳: 北京市朝阳区, 辽宁省朝阳市, 辽宁省朝阳市朝阳县, 吉林省长春市朝阳区).
    pub fn resolve_region(&self, text: &str) -> Result<&str, RegionLookupError<'_>> {
        let text = text.trim();
        if text.is_empty() {
            return Err(RegionLookupError::Unknown);
        }
        if let Some(node) = self.regions.get(text) {
            return Ok(&node.code);
        }
        if let Some(region) = self.strategic_region(text) {
            return Ok(&region.id);
        }
        let compact: String = text.chars().filter(|c| !is_separator(*c)).collect();
        if compact.is_empty() || compact.chars().count() > MAX_PATH_CHARS {
            return Err(RegionLookupError::Unknown);
        }
        let ends = self.regions.path_ends(&compact);
        let Some(best_rank) = ends.iter().map(|&(_, rank)| rank).min() else {
            return Err(RegionLookupError::Unknown);
        };
        let best: Vec<&Node> = ends
            .iter()
            .filter(|&&(_, rank)| rank == best_rank)
            .map(|&(node, _)| &self.regions.nodes[node])
            .collect();
        match best.as_slice() {
            [one] => Ok(&one.code),
            _ => Err(RegionLookupError::Ambiguous(best)),
        }
    }

    /// A region's name with the names of the places above it, as people write it in full:
    /// 广东省佛山市禅城区 for 440604, 北京市朝阳区 for 110105. The virtual groups
    /// (省直辖县级行政区划) are left out; an unknown code gives an empty string.
    pub fn region_path(&self, code: &str) -> String {
        let Some(index) = self.regions.index_of(code) else {
            return String::new();
        };
        let mut names = vec![self.regions.nodes[index].name.as_str()];
        let mut current = self.regions.parent_index(index);
        while let Some(parent) = current {
            if !self.index.region.is_virtual[parent] {
                names.push(&self.regions.nodes[parent].name);
            }
            current = self.regions.parent_index(parent);
        }
        names.reverse();
        names.concat()
    }
}

impl Tree {
    /// The nodes at which a path of names spelling out `text` ends, each with the rank of the key
    /// that ends it, in file order. A path is a split of `text` into name keys whose nodes each lie
    /// strictly below the one before. Quadratic in the characters of `text` (the caller bounds it).
    pub(crate) fn path_ends(&self, text: &str) -> Vec<(usize, u8)> {
        let boundaries: Vec<usize> = text
            .char_indices()
            .map(|(index, _)| index)
            .chain([text.len()])
            .collect();
        // `reach[b]`: the nodes (with their best rank) ending a path over `text[..boundaries[b]]`.
        let mut reach: Vec<Vec<(usize, u8)>> = vec![Vec::new(); boundaries.len()];
        for start in 0..boundaries.len() - 1 {
            if start > 0 && reach[start].is_empty() {
                continue;
            }
            let before = reach[start].clone();
            for end in start + 1..boundaries.len() {
                let part = &text[boundaries[start]..boundaries[end]];
                for key in self.keys_named(part) {
                    let node = key.node as usize;
                    let follows = start == 0
                        || before.iter().any(|&(parent, _)| {
                            parent != node && self.is_within_index(node, parent)
                        });
                    if !follows {
                        continue;
                    }
                    let ends = &mut reach[end];
                    match ends.iter_mut().find(|(seen, _)| *seen == node) {
                        Some((_, rank)) => *rank = (*rank).min(key.rank),
                        None => ends.push((node, key.rank)),
                    }
                }
            }
        }
        let mut ends = reach.pop().unwrap_or_default();
        ends.sort_unstable();
        ends
    }
}
