//! The JavaScript-facing types: what `match` takes and returns, with `From` conversions from and to
//! duijie-core's types, so the core never learns about JavaScript.

use duijie_core::{
    Component, Filters, Kind, MatchOptions, MatchResult, Matched, Reason, Resource, Span,
};
use serde::{Deserialize, Serialize};

/// The options of `match`: how many results, and hard filters. Every field may be left out.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MatchOptionsJs {
    pub top: Option<usize>,
    pub filters: FiltersJs,
}

/// Hard filters, named as in the server's `POST /api/v1/match`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FiltersJs {
    pub kinds: Vec<String>,
    pub region: Option<String>,
    pub disciplines: Vec<String>,
    pub industries: Vec<String>,
    pub min_maturity: Option<u8>,
}

impl TryFrom<MatchOptionsJs> for MatchOptions {
    type Error = String;

    fn try_from(options: MatchOptionsJs) -> Result<MatchOptions, String> {
        let mut kinds = Vec::new();
        for (index, kind) in options.filters.kinds.iter().enumerate() {
            match Kind::parse(kind.trim()) {
                Some(kind) => kinds.push(kind),
                None => return Err(format!("filters.kinds[{index}]: unknown kind '{kind}'")),
            }
        }
        let defaults = MatchOptions::default();
        // Canonical and checked as the server checks the same filters.
        let filters = Filters {
            kinds,
            region: options.filters.region,
            disciplines: options.filters.disciplines,
            industries: options.filters.industries,
            min_maturity: options.filters.min_maturity,
        }
        .canonical()
        .map_err(|errors| format!("filters.{}", errors[0]))?;
        Ok(MatchOptions {
            top: options.top.unwrap_or(defaults.top),
            explain: defaults.explain,
            filters,
        })
    }
}

/// One ranked resource with its explained fit, and the resource's public fields.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct MatchResultJs {
    pub id: String,
    pub score: f64,
    /// The band of the fit: `strong`, `possible`, `weak` or `none` (`duijie_core::Band`).
    #[serde(default = "band_none")]
    pub band: String,
    pub components: Vec<ComponentJs>,
    pub matched: Vec<MatchedJs>,
    pub reasons: Vec<ReasonJs>,
    /// The resource's public fields (no contact), as the interchange format names them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource: Option<serde_json::Value>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ComponentJs {
    pub name: String,
    pub value: f64,
    pub weight: f64,
    pub applies: bool,
    /// The part of the fit this component gives; the contributions sum to the fit.
    #[serde(default)]
    pub contribution: f64,
}

fn band_none() -> String {
    "none".to_string()
}

/// A need term found in a field; spans are UTF-16 code units, JavaScript's string indexes.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct MatchedJs {
    pub term: String,
    pub field: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub item: Option<u32>,
    pub spans: Vec<SpanJs>,
}

#[derive(Clone, Copy, Debug, Serialize, Deserialize)]
pub struct SpanJs {
    pub start: u32,
    pub end: u32,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ReasonJs {
    pub component: String,
    pub zh: String,
    pub en: String,
}

impl From<&Component> for ComponentJs {
    fn from(component: &Component) -> ComponentJs {
        ComponentJs {
            name: component.name.clone(),
            value: component.value,
            weight: component.weight,
            applies: component.applies,
            contribution: component.contribution,
        }
    }
}

impl From<&Span> for SpanJs {
    fn from(span: &Span) -> SpanJs {
        SpanJs {
            start: span.start,
            end: span.end,
        }
    }
}

impl From<&Matched> for MatchedJs {
    fn from(matched: &Matched) -> MatchedJs {
        MatchedJs {
            term: matched.term.clone(),
            field: matched.field.clone(),
            item: matched.item,
            spans: matched.spans.iter().map(SpanJs::from).collect(),
        }
    }
}

impl From<&Reason> for ReasonJs {
    fn from(reason: &Reason) -> ReasonJs {
        ReasonJs {
            component: reason.component.clone(),
            zh: reason.zh.clone(),
            en: reason.en.clone(),
        }
    }
}

impl From<&MatchResult> for MatchResultJs {
    fn from(result: &MatchResult) -> MatchResultJs {
        MatchResultJs {
            id: result.id.clone(),
            score: result.score,
            band: result.band.as_str().to_string(),
            components: result.components.iter().map(ComponentJs::from).collect(),
            matched: result.matched.iter().map(MatchedJs::from).collect(),
            reasons: result.reasons.iter().map(ReasonJs::from).collect(),
            resource: None,
        }
    }
}

impl MatchResultJs {
    /// The result with the resource's public fields attached.
    pub fn with_resource(mut self, resource: Option<&Resource>) -> MatchResultJs {
        self.resource = resource.and_then(|resource| serde_json::to_value(resource.public()).ok());
        self
    }
}
