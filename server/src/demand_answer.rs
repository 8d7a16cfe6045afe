//! The demand analysis' JSON shape, shared by `duijie demand --json` and `GET /api/v1/demand`, so
//! both print the same thing for the same needs and catalog; and the plain-text table the command
//! line prints.

use duijie_core::demand::{Coverer, DemandAnalysis, DemandGroup, NeedRef};
use serde::Serialize;
use utoipa::ToSchema;

/// Open needs by group: coverage by the strong band, uncovered needs, who covers the most.
#[derive(Serialize, ToSchema)]
pub struct DemandAnswer {
    /// `industry`, `region` or `theme`.
    group_by: &'static str,
    /// The catalog version the fits were computed on.
    catalog_version: String,
    /// True when every need's forward list is computed on the catalog the service serves now;
    /// needs still pending are left out of the analysis.
    ready: bool,
    /// Needs whose forward list is still to be computed (left out).
    pending: usize,
    /// The lowest fit of the strong band: a need is covered when a resource fits it at least so.
    strong_min_fit: f64,
    /// Every open need analysed, as one group (key `all`).
    overall: GroupAnswer,
    /// How many groups there are; `groups` lists the largest `limit`.
    total_groups: usize,
    /// Most open needs first, ties by key.
    groups: Vec<GroupAnswer>,
    /// `theme` only: open needs that share no key technology with another need (in no theme).
    #[serde(skip_serializing_if = "Option::is_none")]
    unthemed: Option<usize>,
}

/// One group of open needs.
#[derive(Serialize, ToSchema)]
pub struct GroupAnswer {
    /// A province code, a GB/T 4754 section letter, a theme's phrase, `(none)` (no region or
    /// industry) or `all`.
    key: String,
    /// The province's or section's name; a theme's phrases joined by ` · `.
    name: String,
    /// `theme` only: the key phrases that label it, its own first.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    phrases: Vec<String>,
    /// Open needs in the group.
    open: usize,
    /// Distinct enterprises (organisations) among them.
    enterprises: usize,
    /// Needs with at least one resource in the strong band of fit.
    covered: usize,
    /// `covered / open`.
    covered_share: f64,
    /// How many needs are uncovered.
    uncovered_total: usize,
    /// The uncovered needs by id, at most 20: where societies should find experts.
    uncovered: Vec<NeedItem>,
    /// The resources in the strong band of the most of the group's needs (at most 5).
    top_resources: Vec<CovererItem>,
    /// The societies whose resources are in the strong band of the most of the group's needs.
    top_societies: Vec<CovererItem>,
}

/// A need, named (never its contact).
#[derive(Serialize, ToSchema)]
pub struct NeedItem {
    id: String,
    title: String,
    organization: String,
}

/// A resource (its id and title) or a society (its name as both), and the needs it covers.
#[derive(Serialize, ToSchema)]
pub struct CovererItem {
    id: String,
    name: String,
    needs: usize,
}

impl DemandAnswer {
    pub fn new(
        analysis: DemandAnalysis,
        catalog_version: &str,
        ready: bool,
        pending: usize,
    ) -> DemandAnswer {
        let theme = analysis.group_by == duijie_core::demand::GroupBy::Theme;
        DemandAnswer {
            group_by: analysis.group_by.as_str(),
            catalog_version: catalog_version.to_string(),
            ready,
            pending,
            strong_min_fit: duijie_core::Band::Strong.min_fit(),
            overall: group(analysis.overall),
            total_groups: analysis.total_groups,
            groups: analysis.groups.into_iter().map(group).collect(),
            unthemed: theme.then_some(analysis.unthemed),
        }
    }

    /// The analysis as a table for a terminal.
    pub fn text(&self) -> String {
        let mut out = format!(
            "catalog {} · group by {} · {} open needs, {} enterprises, {} covered ({:.1}%)\n",
            self.catalog_version,
            self.group_by,
            self.overall.open,
            self.overall.enterprises,
            self.overall.covered,
            100.0 * self.overall.covered_share
        );
        for group in &self.groups {
            out.push_str(&format!(
                "{:>6} needs {:>5} enterprises {:>5.1}% covered  {}  {}\n",
                group.open,
                group.enterprises,
                100.0 * group.covered_share,
                group.key,
                if group.name == group.key {
                    String::new()
                } else {
                    group.name.clone()
                }
            ));
            let tops: Vec<String> = group
                .top_resources
                .iter()
                .map(|top| format!("{} {} ({})", top.id, top.name, top.needs))
                .collect();
            if !tops.is_empty() {
                out.push_str(&format!("       covered most by: {}\n", tops.join("; ")));
            }
            let uncovered: Vec<String> = group
                .uncovered
                .iter()
                .take(5)
                .map(|need| format!("{} {}", need.id, need.title))
                .collect();
            if !uncovered.is_empty() {
                out.push_str(&format!(
                    "       uncovered ({}): {}\n",
                    group.uncovered_total,
                    uncovered.join("; ")
                ));
            }
        }
        if self.groups.len() < self.total_groups {
            out.push_str(&format!(
                "({} more groups)\n",
                self.total_groups - self.groups.len()
            ));
        }
        if let Some(unthemed) = self.unthemed {
            out.push_str(&format!(
                "{unthemed} open needs share no key technology with another\n"
            ));
        }
        out
    }
}

fn group(group: DemandGroup) -> GroupAnswer {
    GroupAnswer {
        key: group.key,
        name: group.name,
        phrases: group.phrases,
        open: group.open,
        enterprises: group.enterprises,
        covered: group.covered,
        covered_share: group.covered_share,
        uncovered_total: group.uncovered_total,
        uncovered: group.uncovered.into_iter().map(need).collect(),
        top_resources: group.top_resources.into_iter().map(coverer).collect(),
        top_societies: group.top_societies.into_iter().map(coverer).collect(),
    }
}

fn need(need: NeedRef) -> NeedItem {
    NeedItem {
        id: need.id,
        title: need.title,
        organization: need.organization,
    }
}

fn coverer(coverer: Coverer) -> CovererItem {
    CovererItem {
        id: coverer.id,
        name: coverer.name,
        needs: coverer.needs,
    }
}
