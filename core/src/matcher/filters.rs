//! The hard filters: which resources may be results at all, whatever their scores.

#[cfg(feature = "serde")]
use serde::{Deserialize, Serialize};

use crate::matcher::Matcher;
use crate::model::{Kind, Need};
use crate::taxonomy::taxonomies;

/// Hard filters: a resource outside them is never a result, whatever its score.
#[derive(Clone, Debug, Default, PartialEq)]
#[cfg_attr(
    feature = "serde",
    derive(Serialize, Deserialize),
    serde(default, deny_unknown_fields)
)]
pub struct Filters {
    /// Kinds to keep; empty keeps all. A need's own `kinds` narrow these further.
    pub kinds: Vec<Kind>,
    /// A GB/T 2260 code (covers its descendants) or a strategic region id (covers its members).
    pub region: Option<String>,
    /// Keep resources with one of these disciplines (or a discipline under one of them).
    pub disciplines: Vec<String>,
    /// Keep resources with one of these industries (or an industry under one of them).
    pub industries: Vec<String>,
    /// Keep resources with at least this TRL. A need's own `min_maturity` also applies.
    pub min_maturity: Option<u8>,
}

impl Filters {
    fn is_empty(&self) -> bool {
        self.kinds.is_empty()
            && self.region.is_none()
            && self.disciplines.is_empty()
            && self.industries.is_empty()
            && self.min_maturity.is_none()
    }
}

impl Matcher {
    /// The resources the filters let through, or `None` when nothing is filtered.
    pub(crate) fn allowed(&self, need: &Need, filters: &Filters) -> Option<Vec<bool>> {
        let mut kinds: Vec<Kind> = filters.kinds.clone();
        if !need.kinds.is_empty() {
            kinds = if kinds.is_empty() {
                need.kinds.clone()
            } else {
                kinds
                    .into_iter()
                    .filter(|kind| need.kinds.contains(kind))
                    .collect()
            };
            if kinds.is_empty() {
                return Some(vec![false; self.resources.len()]);
            }
        }
        let min_maturity = filters.min_maturity.max(need.min_maturity);
        if kinds.is_empty() && min_maturity.is_none() && filters.is_empty() {
            return None;
        }
        let taxonomies = taxonomies();
        let region_ok: Option<Vec<bool>> = filters.region.as_ref().map(|scope| {
            self.index
                .region_codes
                .iter()
                .map(|code| taxonomies.region_covers(scope, code))
                .collect()
        });
        let discipline_ok: Vec<bool> = self
            .index
            .discipline_codes
            .iter()
            .map(|code| {
                // A discipline, anything under it, or a discipline of the other system mapped to it.
                filters.disciplines.iter().any(|wanted| {
                    let wanted = taxonomies.canonical_discipline(wanted).unwrap_or(wanted);
                    taxonomies.disciplines.is_within(code, wanted)
                        || taxonomies.discipline_proximity(wanted, code) >= 0.8
                })
            })
            .collect();
        let industry_ok: Vec<bool> = self
            .index
            .industry_codes
            .iter()
            .map(|code| {
                filters
                    .industries
                    .iter()
                    .any(|wanted| taxonomies.industries.is_within(code, wanted))
            })
            .collect();
        let allowed = (0..self.resources.len())
            .map(|doc| {
                let resource = &self.resources[doc];
                (kinds.is_empty() || kinds.contains(&resource.kind))
                    && min_maturity
                        .is_none_or(|min| resource.maturity.is_some_and(|maturity| maturity >= min))
                    && region_ok.as_ref().is_none_or(|ok| {
                        let region = self.index.doc_region[doc];
                        region != u16::MAX && ok[region as usize]
                    })
                    && (filters.disciplines.is_empty()
                        || self
                            .index
                            .doc_disciplines
                            .row(doc)
                            .iter()
                            .any(|&id| discipline_ok[id as usize]))
                    && (filters.industries.is_empty()
                        || self
                            .index
                            .doc_industries
                            .row(doc)
                            .iter()
                            .any(|&id| industry_ok[id as usize]))
            })
            .collect();
        Some(allowed)
    }
}
