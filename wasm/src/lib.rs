//! duijie-wasm: the need–resource matcher of duijie-core for JavaScript, through wasm-bindgen.
//!
//! A portal builds a `Matcher` from the catalog snapshot the server serves (or JSON Lines) and
//! matches needs locally, with the same scores, bit for bit, as the server. Only this crate knows
//! about JavaScript: it defines its own JS-facing types (`types.rs`) and converts at the boundary.

mod snapshot;
pub mod types;

use std::fmt::Display;

use duijie_core::jsonl::need_from_json;
use duijie_core::{MatchOptions, Need};
use serde::Serialize;
use serde_json::Value;
use wasm_bindgen::prelude::*;

pub use crate::snapshot::{catalog_from_snapshot, catalog_from_text, Catalog};
pub use crate::types::{MatchOptionsJs, MatchResultJs};

#[wasm_bindgen(typescript_custom_section)]
const TYPESCRIPT: &str = r#"
/** A need: free text, and optional structured fields (codes from the shipped taxonomies). */
export interface Need {
  /** The need's name (需求名称): its terms weigh more than the text's. */
  title?: string;
  text: string;
  keywords?: string[];
  disciplines?: string[];
  industries?: string[];
  /** A GB/T 2260 region code, or a region name or path (佛山市, 广东省佛山市禅城区). */
  region?: string;
  modes?: ("transfer" | "license" | "joint_rd" | "consulting" | "training" | "equity" | "promotion")[];
  /** Minimum technology readiness level, 1–9. */
  min_maturity?: number;
  kinds?: Kind[];
  budget?: number;
}

export type Kind = "expert" | "achievement" | "patent" | "organization";

/** Hard filters: a resource outside them is never a result. */
export interface Filters {
  kinds?: Kind[];
  /** A GB/T 2260 code (covers its descendants), a region name or path, or a strategic region id. */
  region?: string;
  disciplines?: string[];
  industries?: string[];
  min_maturity?: number;
}

export interface MatchOptions {
  /** How many results (default 10, at most 1000). */
  top?: number;
  filters?: Filters;
}

/** `contribution` is the part of the fit the component gives: the contributions sum to `score`. */
export interface Component { name: string; value: number; weight: number; applies: boolean; contribution: number; }
/** A half-open range of UTF-16 code units: `text.slice(start, end)` in JavaScript. */
export interface Span { start: number; end: number; }
export interface Matched { term: string; field: "title" | "summary" | "keywords" | "organization" | string; item?: number; spans: Span[]; }
export interface Reason { component: string; zh: string; en: string; }

/** A resource's public fields, as the interchange format names them. */
export interface Resource {
  id: string; kind: Kind; title?: string; summary?: string; keywords?: string[];
  disciplines?: string[]; industries?: string[]; region?: string; organization?: string;
  society?: string; modes?: string[]; maturity?: number;
  patent?: { number?: string; ipc?: string[]; status?: string };
  position?: string; expertise?: string[]; updated_at?: string;
}

export interface MatchResult {
  id: string;
  /** The fit in [0, 1], the same for every need and catalog (see `Band`). */
  score: number;
  /** strong ≥ 0.41, possible ≥ 0.32, weak ≥ 0.25, none below: the bands every answer shares. */
  band: "strong" | "possible" | "weak" | "none";
  components: Component[];
  matched: Matched[];
  reasons: Reason[];
  resource: Resource;
}

/** What `GET /api/v1/snapshot` returns. */
export interface Snapshot {
  catalog_version: string;
  weights?: Record<string, number | string>;
  region?: string | null;
  kinds?: Kind[];
  resources: Resource[];
}
"#;

/// A catalog version ready to match needs against.
#[wasm_bindgen]
pub struct Matcher {
    inner: duijie_core::Matcher,
}

#[wasm_bindgen]
impl Matcher {
    /// Builds a matcher from a snapshot: the object `GET /api/v1/snapshot` returns (as an object or
    /// as its JSON text), or JSON Lines of resources. Throws an `Error` listing invalid entries.
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_param_type = "Snapshot | string")] snapshot: JsValue,
    ) -> Result<Matcher, js_sys::Error> {
        #[cfg(feature = "console_error_panic_hook")]
        console_error_panic_hook::set_once();
        let catalog = match snapshot.as_string() {
            Some(text) => catalog_from_text(&text).map_err(into_error)?,
            None => {
                let value: Value = serde_wasm_bindgen::from_value(snapshot).map_err(into_error)?;
                catalog_from_snapshot(&value).map_err(into_error)?
            }
        };
        Ok(Matcher::from_catalog(catalog))
    }

    /// The catalog version results are computed against.
    #[wasm_bindgen(getter, js_name = catalogVersion)]
    pub fn catalog_version(&self) -> String {
        self.inner.version().to_string()
    }

    /// How many resources the catalog holds.
    #[wasm_bindgen(getter)]
    pub fn size(&self) -> usize {
        self.inner.len()
    }

    /// Matches a need (a `Need` object or its text) and returns the best results, best first, each
    /// with its components, matched terms (UTF-16 spans), reasons and the resource's public fields.
    #[wasm_bindgen(js_name = "match", unchecked_return_type = "MatchResult[]")]
    pub fn match_need(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Need | string")] need: JsValue,
        #[wasm_bindgen(unchecked_param_type = "MatchOptions | undefined")] options: JsValue,
    ) -> Result<JsValue, js_sys::Error> {
        let need = need_from_js(need)?;
        let options = options_from_js(options)?;
        let results = self.match_results(&need, &options);
        results
            .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
            .map_err(into_error)
    }

    /// The public fields of the resource with this id, or `undefined`.
    #[wasm_bindgen(unchecked_return_type = "Resource | undefined")]
    pub fn resource(&self, id: &str) -> Result<JsValue, js_sys::Error> {
        match self.inner.get(id) {
            Some(resource) => resource
                .public()
                .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
                .map_err(into_error),
            None => Ok(JsValue::UNDEFINED),
        }
    }
}

impl Matcher {
    /// A matcher over a decoded catalog.
    pub fn from_catalog(catalog: Catalog) -> Matcher {
        Matcher {
            inner: duijie_core::Matcher::new(catalog.version, catalog.resources, catalog.weights),
        }
    }

    /// The Rust side of `match`: results as the JS-facing type.
    pub fn match_results(&self, need: &Need, options: &MatchOptions) -> Vec<MatchResultJs> {
        self.inner
            .match_need(need, options)
            .iter()
            .map(|result| MatchResultJs::from(result).with_resource(self.inner.get(&result.id)))
            .collect()
    }

    /// The core matcher.
    pub fn core(&self) -> &duijie_core::Matcher {
        &self.inner
    }
}

/// A need from JavaScript: its text alone, or an object in the interchange format (validated).
fn need_from_js(need: JsValue) -> Result<Need, js_sys::Error> {
    if let Some(text) = need.as_string() {
        return Ok(Need::from_text(text));
    }
    let value: Value = serde_wasm_bindgen::from_value(need).map_err(into_error)?;
    need_from_json(&value).map_err(|errors| into_error(snapshot::describe_errors("need", &errors)))
}

/// Match options from JavaScript; `undefined` or `null` gives the defaults.
fn options_from_js(options: JsValue) -> Result<MatchOptions, js_sys::Error> {
    if options.is_undefined() || options.is_null() {
        return Ok(MatchOptions::default());
    }
    let options: MatchOptionsJs = serde_wasm_bindgen::from_value(options).map_err(into_error)?;
    MatchOptions::try_from(options).map_err(into_error)
}

/// Every error crosses into JavaScript through here, as a plain `Error` with a readable message.
pub fn into_error<E: Display>(error: E) -> js_sys::Error {
    js_sys::Error::new(&error.to_string())
}
