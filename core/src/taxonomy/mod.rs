//! Taxonomies compiled into the binary: regions (GB/T 2260 and national strategic regions), industries
//! (GB/T 4754-2017), disciplines (GB/T 13745 level 1 and the CSL disciplines), strategic emerging
//! industries (2018). Lookup by code and name, ancestors, and proximity between two codes.
//!
//! STUB: the interface is fixed; the tables are being filled in.

use std::sync::OnceLock;

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

/// A tree of codes.
#[derive(Clone, Debug, Default)]
pub struct Tree {
    nodes: Vec<Node>,
}

impl Tree {
    pub fn nodes(&self) -> &[Node] {
        &self.nodes
    }
    pub fn get(&self, code: &str) -> Option<&Node> {
        self.nodes.iter().find(|node| node.code == code)
    }
    pub fn by_name(&self, name: &str) -> Option<&Node> {
        self.nodes.iter().find(|node| node.name == name)
    }
    /// A code, or else a name.
    pub fn resolve(&self, code_or_name: &str) -> Option<&Node> {
        self.get(code_or_name)
            .or_else(|| self.by_name(code_or_name))
    }
    /// Nearest first, without the node itself.
    pub fn ancestors(&self, code: &str) -> Vec<&Node> {
        let mut out = Vec::new();
        let mut current = self.get(code).and_then(|node| node.parent.as_deref());
        while let Some(parent) = current.and_then(|code| self.get(code)) {
            out.push(parent);
            current = parent.parent.as_deref();
        }
        out
    }
    pub fn children(&self, code: &str) -> Vec<&Node> {
        self.nodes
            .iter()
            .filter(|node| node.parent.as_deref() == Some(code))
            .collect()
    }
}

/// A national strategic region: a set of province, city or county codes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StrategicRegion {
    pub id: String,
    pub name: String,
    pub kind: String,
    pub members: Vec<String>,
    pub policy: String,
}

#[derive(Debug, Default)]
pub struct Taxonomies {
    pub regions: Tree,
    pub strategic: Vec<StrategicRegion>,
    pub industries: Tree,
    pub disciplines: Tree,
    pub sei: Tree,
}

/// The shipped taxonomies, parsed once.
pub fn taxonomies() -> &'static Taxonomies {
    static TAXONOMIES: OnceLock<Taxonomies> = OnceLock::new();
    TAXONOMIES.get_or_init(Taxonomies::default)
}

impl Taxonomies {
    pub fn strategic_region(&self, id: &str) -> Option<&StrategicRegion> {
        self.strategic.iter().find(|region| region.id == id)
    }
    /// Strategic regions that contain `code` (directly or through an ancestor).
    pub fn strategic_regions_of(&self, _code: &str) -> Vec<&StrategicRegion> {
        Vec::new()
    }
    /// Whether a region scope (a GB/T 2260 code or a strategic region id) covers `code`.
    pub fn region_covers(&self, scope: &str, code: &str) -> bool {
        scope == code
    }
    /// 1 same code, 0.75 same city, 0.5 same province, 0.25 a shared strategic region, else 0.
    pub fn region_proximity(&self, a: &str, b: &str) -> f64 {
        if a == b {
            1.0
        } else {
            0.0
        }
    }
    /// 1 same class, 0.75 same group, 0.5 same division, 0.25 same section, else 0.
    pub fn industry_proximity(&self, a: &str, b: &str) -> f64 {
        if a == b {
            1.0
        } else {
            0.0
        }
    }
    /// The canonical code of a discipline given by code or name (CSL names are their own codes).
    pub fn canonical_discipline(&self, code_or_name: &str) -> Option<&str> {
        self.disciplines
            .resolve(code_or_name)
            .map(|node| node.code.as_str())
    }
    /// 1 same discipline, 0.5 same category, else 0.
    pub fn discipline_proximity(&self, a: &str, b: &str) -> f64 {
        if a == b {
            1.0
        } else {
            0.0
        }
    }
}
