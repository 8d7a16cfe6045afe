//! Fit: a score in [0, 1] made of named, weighted components, and its explanation.
//!
//! Weights are a versioned configuration value: the version travels with every catalog and every
//! answer, so a score can always be traced to the weights that made it.

#[cfg(feature = "serde")]
use serde::{Deserialize, Serialize};

/// The weights of the fit components. Each component is in [0, 1]; the fit is the weighted mean of
/// the components that apply to the need (a need without a region says nothing about region fit).
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(
    feature = "serde",
    derive(Serialize, Deserialize),
    serde(deny_unknown_fields)
)]
pub struct Weights {
    pub version: String,
    /// Field-weighted text relevance of the need's text to the resource.
    pub text: f64,
    /// Keyword and key-phrase overlap, with near-miss credit (锂电池 / 锂离子电池).
    pub keywords: f64,
    /// Keywords shared with the other resources that best match the need's text: evidence drawn
    /// from the catalog itself (pseudo-relevance feedback). Absent from a weights file, 0.
    #[cfg_attr(feature = "serde", serde(default))]
    pub related: f64,
    /// Discipline proximity to the need's disciplines, given or inferred from its text.
    pub discipline: f64,
    /// Industry proximity to the need's industries, given or inferred from its text.
    pub industry: f64,
    /// Region proximity: same county > city > province > strategic region.
    pub region: f64,
    /// Technology readiness against the need's minimum maturity.
    pub maturity: f64,
    /// Share of the wanted cooperation modes the resource offers.
    pub modes: f64,
}

impl Default for Weights {
    fn default() -> Weights {
        // Relative: a fit is the weighted mean of the components that apply. Keywords weigh most
        // because their value is small unless the need's phrases are likely key phrases of it
        // (see `Matcher::keyness`): then a resource listing one is about the same topic, though
        // its text may say it in other words.
        Weights {
            version: "w3".to_string(),
            text: 0.40,
            keywords: 2.0,
            related: 0.12,
            discipline: 0.45,
            industry: 0.07,
            region: 0.07,
            maturity: 0.04,
            modes: 0.04,
        }
    }
}

impl Weights {
    /// The weights as `(name, weight)` pairs, in the fixed order components are reported.
    pub fn named(&self) -> [(&'static str, f64); 8] {
        [
            ("text", self.text),
            ("keywords", self.keywords),
            ("related", self.related),
            ("discipline", self.discipline),
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

/// One component of a fit: its value in [0, 1] and its weight.
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
pub struct Component {
    pub name: String,
    pub value: f64,
    pub weight: f64,
    /// False when the need gives nothing to judge this component by; its weight then counts for nothing.
    pub applies: bool,
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
    pub components: Vec<Component>,
    pub matched: Vec<Matched>,
    pub reasons: Vec<Reason>,
}
