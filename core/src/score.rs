//! Fit: a score in [0, 1] made of named, weighted components, and its explanation.
//!
//! Weights are a versioned configuration value: the version travels with every catalog and every
//! answer, so a score can always be traced to the weights that made it.

#[cfg(feature = "serde")]
use serde::{Deserialize, Serialize};

/// The weights of the fit components. Each component is in [0, 1].
///
/// The fit has two parts. Relevance is the text's evidence, which the other evidence about the
/// topic can raise but never exceed: the square root of `text × (1 + keywords·K + inferred·D +
/// related·R) / (1 + keywords + inferred + related)`, with K the keyword overlap, D the share of
/// the best text matches' evidence in the resource's discipline (when the need gives none) and R
/// the related keywords. The fit is then the weighted mean of relevance (weight `text`) and
/// the structured components the need gives (discipline, industry, region, maturity, modes): a
/// need without a region says nothing about region fit.
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(
    feature = "serde",
    derive(Serialize, Deserialize),
    serde(deny_unknown_fields)
)]
pub struct Weights {
    pub version: String,
    /// Relevance (text, raised by its support) in the weighted mean.
    pub text: f64,
    /// Support from keyword and key-phrase overlap, with near-miss credit (锂电池 / 锂离子电池).
    pub keywords: f64,
    /// Support from keywords shared with the other resources that best match the need's text:
    /// evidence drawn from the catalog itself (pseudo-relevance feedback). Absent from a weights
    /// file, 0.
    #[cfg_attr(feature = "serde", serde(default))]
    pub related: f64,
    /// Discipline proximity to the disciplines the need gives, in the weighted mean.
    pub discipline: f64,
    /// Support from the discipline inferred from the need's text, when it gives none. Absent from a
    /// weights file, 0.
    #[cfg_attr(feature = "serde", serde(default))]
    pub inferred: f64,
    /// Industry proximity to the need's industries.
    pub industry: f64,
    /// Region proximity: same county > city > province > strategic region.
    pub region: f64,
    /// Technology readiness against the need's minimum maturity.
    pub maturity: f64,
    /// Share of the wanted cooperation modes the resource offers (when it lists its modes).
    pub modes: f64,
}

impl Default for Weights {
    fn default() -> Weights {
        // Support weights (keywords, related, inferred) against 1 for the text itself; the
        // structured weights keep their w3 ratio to relevance.
        Weights {
            version: "w4".to_string(),
            text: 0.40,
            keywords: 8.0,
            related: 2.0,
            discipline: 0.45,
            inferred: 16.0,
            industry: 0.07,
            region: 0.07,
            maturity: 0.04,
            modes: 0.04,
        }
    }
}

impl Weights {
    /// The weights as `(name, weight)` pairs, in the fixed order components are reported.
    pub fn named(&self) -> [(&'static str, f64); 9] {
        [
            ("text", self.text),
            ("keywords", self.keywords),
            ("related", self.related),
            ("discipline", self.discipline),
            ("inferred", self.inferred),
            ("industry", self.industry),
            ("region", self.region),
            ("maturity", self.maturity),
            ("modes", self.modes),
        ]
    }

    /// Weights must be finite and non-negative, with a positive sum.
    pub fn validate(&self) -> Result<(), String> {
        let named = self.named();
        if let Some((name, _)) = named
            .iter()
            .find(|(_, weight)| !weight.is_finite() || *weight < 0.0)
        {
            return Err(format!(
                "weight '{name}' must be a finite non-negative number"
            ));
        }
        if named.iter().map(|(_, weight)| weight).sum::<f64>() <= 0.0 {
            return Err("at least one weight must be positive".to_string());
        }
        Ok(())
    }
}

/// One component of a fit: its value in [0, 1], its weight, and what it adds to the fit.
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
pub struct Component {
    pub name: String,
    pub value: f64,
    pub weight: f64,
    /// False when the need gives nothing to judge this component by; its weight then counts for nothing.
    pub applies: bool,
    /// The part of the fit this component gives: the components' contributions sum to the fit.
    #[cfg_attr(feature = "serde", serde(default))]
    pub contribution: f64,
}

/// How well a fit says a resource serves the need, the same for every need and every catalog:
/// the bands the widget shows, the API returns, push thresholds and coverage count by. Their
/// edges were chosen on the development suite's judged enterprise needs (`bench/quality.py`
/// prints each band's precision).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(
    feature = "serde",
    derive(Serialize, Deserialize),
    serde(rename_all = "snake_case")
)]
pub enum Band {
    /// Likely a direct answer: put it in front of the enterprise.
    Strong,
    /// Related and worth a call.
    Possible,
    /// Shares something with the need; rarely useful.
    Weak,
    /// Below the weak band: no match, at most the nearest the catalog has.
    None,
}

impl Band {
    /// The lowest fit of each band, best first.
    pub const EDGES: [(Band, f64); 3] = [
        (Band::Strong, 0.41),
        (Band::Possible, 0.32),
        (Band::Weak, 0.25),
    ];

    /// The band a fit falls in.
    pub fn of(fit: f64) -> Band {
        Band::EDGES
            .iter()
            .find(|(_, low)| fit >= *low)
            .map_or(Band::None, |(band, _)| *band)
    }

    /// A fit as people read it, 0–100, rounded down, so that a shown fit is never a higher band's
    /// edge (the edges are whole percents: 0.3165 is weak and reads 31, not the possible band's
    /// 32). The widget, the push feed and e-mail, and the fair agendas show it; the demand page
    /// (`server/static/demand.js`) computes the same in JavaScript.
    pub fn percent(fit: f64) -> u32 {
        // The tiny addend keeps an edge itself whole: 0.41 × 100 is 40.999… in floating point.
        (fit * 100.0 + 1e-9).floor().clamp(0.0, 100.0) as u32
    }

    /// The lowest fit of this band (0 for `None`).
    pub fn min_fit(self) -> f64 {
        Band::EDGES
            .iter()
            .find(|(band, _)| *band == self)
            .map_or(0.0, |(_, low)| *low)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Band::Strong => "strong",
            Band::Possible => "possible",
            Band::Weak => "weak",
            Band::None => "none",
        }
    }

    /// The Chinese label shown to brokers.
    pub fn label_zh(self) -> &'static str {
        match self {
            Band::Strong => "高度匹配",
            Band::Possible => "可能匹配",
            Band::Weak => "弱相关",
            Band::None => "不匹配",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            Band::Strong => "strong match",
            Band::Possible => "possible match",
            Band::Weak => "weak match",
            Band::None => "no match",
        }
    }
}

/// A half-open range of UTF-16 code units, the unit JavaScript strings use.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
pub struct Span {
    pub start: u32,
    pub end: u32,
}

/// A need term found in a field of the resource, with where it occurs.
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
pub struct Matched {
    pub term: String,
    /// `title`, `summary`, `keywords`, `organization`.
    pub field: String,
    /// For `keywords`, the index of the keyword; otherwise absent.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub item: Option<u32>,
    pub spans: Vec<Span>,
}

/// A short reason a broker can read to the enterprise, in Chinese and English.
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
pub struct Reason {
    /// The component the reason explains.
    pub component: String,
    pub zh: String,
    pub en: String,
}

/// One ranked resource with its explained fit.
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
pub struct MatchResult {
    pub id: String,
    pub score: f64,
    /// The band of `score` (`Band::of`).
    #[cfg_attr(feature = "serde", serde(default = "band_none"))]
    pub band: Band,
    pub components: Vec<Component>,
    pub matched: Vec<Matched>,
    pub reasons: Vec<Reason>,
}

#[cfg(feature = "serde")]
fn band_none() -> Band {
    Band::None
}
