//! OpenAPI schemas of the core types the API carries (resources, needs, filters, explained scores).
//!
//! The core must not depend on utoipa (nor on anything of the server), so these are server-side
//! declarations of the core's serde shapes: same names, same fields, same serde attributes. Handlers
//! keep using the core types; their own answer types point at these with `#[schema(value_type = ..)]`.
//! `tests::core_schemas_match_the_core_types` serialises a fully filled value of each core type and
//! checks that its fields are exactly the properties declared here, and the integration tests check
//! every route's real answers against the served document, so the two cannot drift apart unseen.
//!
//! None of these types is ever built: they exist for their `ToSchema` derive.
#![allow(dead_code)]

use utoipa::ToSchema;

/// What a resource is.
#[derive(ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Expert,
    Achievement,
    Patent,
    Organization,
}

/// Where an engagement stands (`duijie_core::engagement::Status`): intent → contacted →
/// negotiating → signed → landed, or dropped from any open status.
#[derive(ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Intent,
    Contacted,
    Negotiating,
    Signed,
    Landed,
    Dropped,
}

/// A cooperation mode (合作方式); `GET /api/v1/taxonomies/modes` gives their labels.
#[derive(ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    Transfer,
    License,
    JointRd,
    Consulting,
    Training,
    Equity,
    Promotion,
}

/// Patent-specific fields.
#[derive(ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Patent {
    #[serde(default)]
    pub number: String,
    /// IPC classification codes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ipc: Vec<String>,
    /// Legal status (法律状态).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub status: String,
}

/// Contact details: private, accepted on writes, returned only by the export.
#[derive(ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Contact {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub phone: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub email: String,
}

/// One expert, achievement, patent or organisation of the catalog. Answers carry its public fields
/// only (never `contact`). Writes refuse unknown fields, formula-like text and unknown codes with a
/// 422 naming each field.
#[derive(ToSchema)]
pub struct Resource {
    /// 1–128 of `A-Z a-z 0-9 . _ : -`.
    #[schema(min_length = 1, max_length = 128, pattern = "^[A-Za-z0-9._:-]+$")]
    pub id: String,
    pub kind: Kind,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    #[schema(max_length = 500)]
    pub title: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    #[schema(max_length = 20000)]
    pub summary: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schema(max_items = 100)]
    pub keywords: Vec<String>,
    /// GB/T 13745 codes or names, or CSL disciplines.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schema(max_items = 100)]
    pub disciplines: Vec<String>,
    /// GB/T 4754-2017 codes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schema(max_items = 100)]
    pub industries: Vec<String>,
    /// A GB/T 2260 code. A write may give a region name or path instead (佛山市, 广东省佛山市禅城区):
    /// it is stored as its code, and an ambiguous name is refused with its candidates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    #[schema(max_length = 200)]
    pub organization: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    #[schema(max_length = 200)]
    pub society: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub modes: Vec<Mode>,
    /// Technology readiness level (TRL), achievements and patents only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 1, maximum = 9)]
    pub maturity: Option<u8>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub patent: Option<Patent>,
    /// An expert's position (职称).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    #[schema(max_length = 200)]
    pub position: String,
    /// An expert's expertise (专长).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schema(max_items = 100)]
    pub expertise: Vec<String>,
    /// Private: accepted on writes, never in an answer but the export.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact: Option<Contact>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<String>,
}

/// Where a stored need stands.
#[derive(ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum NeedStatus {
    Open,
    Matched,
    Solved,
    Closed,
}

/// Who may read a stored need: anyone, or members (a broker, editor or admin token, and the
/// enterprise that owns it).
#[derive(ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Visibility {
    Public,
    Members,
}

/// A stored need (需求): an enterprise's need kept by the service. Answers carry `contact` only to
/// an editor, an admin or the owning enterprise. Writes refuse unknown fields, formula-like text and
/// unknown codes with a 422 naming each field; `status` and `visibility` also take their Chinese
/// labels (征集中, 已匹配, 已解决, 已关闭; 公开, 仅会员), `deadline` also `2025/6/30` and `2025年6月30日`.
#[derive(ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NeedRecord {
    /// 1–128 of `A-Z a-z 0-9 . _ : -`; on a create or an import row it may be left out, and is
    /// then derived from the organization and title.
    #[schema(min_length = 1, max_length = 128, pattern = "^[A-Za-z0-9._:-]+$")]
    pub id: String,
    /// 需求名称: its terms weigh more than the text's.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    #[schema(max_length = 500)]
    pub title: String,
    /// 需求描述. A need has a title or a text.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    #[schema(max_length = 5000)]
    pub text: String,
    /// The enterprise (企业名称).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    #[schema(max_length = 200)]
    pub organization: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schema(max_items = 100)]
    pub keywords: Vec<String>,
    /// GB/T 13745 codes or names, or CSL disciplines.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schema(max_items = 100)]
    pub disciplines: Vec<String>,
    /// GB/T 4754-2017 codes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schema(max_items = 100)]
    pub industries: Vec<String>,
    /// A GB/T 2260 code or a strategic region id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub modes: Vec<Mode>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 1, maximum = 9)]
    pub min_maturity: Option<u8>,
    /// The kinds of resources wanted; none: all.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub kinds: Vec<Kind>,
    /// Free text, such as 50万元以内.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    #[schema(max_length = 200)]
    pub budget: String,
    /// A date, `YYYY-MM-DD`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deadline: Option<String>,
    /// `open` when absent.
    #[serde(default)]
    pub status: NeedStatus,
    /// `public` when absent.
    #[serde(default)]
    pub visibility: Visibility,
    /// Private: for an editor, an admin or the owning enterprise only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact: Option<Contact>,
    /// RFC 3339; set to the time of the write when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<String>,
}

/// An enterprise's technical need (技术需求). Only `text` matters for a plain search; the other
/// fields sharpen the fit.
#[derive(ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Need {
    /// The need's name (需求名称): its terms weigh more than the text's.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    #[schema(max_length = 5000)]
    pub title: String,
    #[serde(default)]
    #[schema(max_length = 5000)]
    pub text: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub keywords: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub disciplines: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub industries: Vec<String>,
    /// A GB/T 2260 code or a strategic region id: a preference, not a filter. A region name or path
    /// (佛山市, 广东省佛山市禅城区) is read as its code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub modes: Vec<Mode>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 1, maximum = 9)]
    pub min_maturity: Option<u8>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub kinds: Vec<Kind>,
    /// Budget in 万元 (10,000 yuan); informative, not scored.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub budget: Option<f64>,
}

/// Hard filters: a resource outside them is never a result, whatever its score.
#[derive(ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Filters {
    /// Kinds to keep; empty keeps all. A need's own `kinds` narrow these further.
    #[serde(default)]
    pub kinds: Vec<Kind>,
    /// A GB/T 2260 code (covers its descendants) or a strategic region id (covers its members); a
    /// region name or path (佛山市, 广东省佛山市禅城区) is read as its code.
    #[serde(default)]
    pub region: Option<String>,
    /// Keep resources with one of these disciplines (or a discipline under one of them).
    #[serde(default)]
    pub disciplines: Vec<String>,
    /// Keep resources with one of these industries (or an industry under one of them).
    #[serde(default)]
    pub industries: Vec<String>,
    /// Keep resources with at least this TRL. A need's own `min_maturity` also applies.
    #[serde(default)]
    #[schema(minimum = 1, maximum = 9)]
    pub min_maturity: Option<u8>,
}

/// One problem with one field of one record, located as precisely as the upload's format allows:
/// XLSX by `sheet`, `cell`, `header` and `id`; CSV by `line`, `column`, `header` and `id`; JSON
/// Lines by `line`, `field` and `id`.
#[derive(ToSchema)]
pub struct FieldError {
    /// The line (import) or spreadsheet row the record came from, counted from 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    /// The spreadsheet's sheet (XLSX imports).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sheet: Option<String>,
    /// The cell as the spreadsheet names it, such as `J11` (XLSX imports).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cell: Option<String>,
    /// The column, counted from 1 (CSV and XLSX imports).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 1)]
    pub column: Option<usize>,
    /// The column's header as the file writes it, such as `关键词` (CSV and XLSX imports).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub header: Option<String>,
    /// The record's id when it has a readable one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The field, with an index for list items: `keywords[2]`, `patent.number`; empty for the whole record.
    pub field: String,
    pub message: String,
}

/// The weights of the fit components (versioned; the version travels with every answer).
#[derive(ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Weights {
    pub version: String,
    pub text: f64,
    pub keywords: f64,
    #[serde(default)]
    pub related: f64,
    pub discipline: f64,
    #[serde(default)]
    pub inferred: f64,
    pub industry: f64,
    pub region: f64,
    pub maturity: f64,
    pub modes: f64,
}

/// One component of a fit: its value in [0, 1], its weight, and what it adds to the fit.
#[derive(ToSchema)]
pub struct Component {
    /// `text`, `keywords`, `related`, `discipline`, `inferred`, `industry`, `region`, `maturity`
    /// or `modes`.
    pub name: String,
    pub value: f64,
    pub weight: f64,
    /// False when the need gives nothing to judge this component by; its weight then counts for nothing.
    pub applies: bool,
    /// The part of the fit this component gives: the components' contributions sum to the fit.
    #[serde(default)]
    pub contribution: f64,
}

/// How well a fit says a resource serves the need, the same for every need and catalog: `strong`
/// (fit ≥ 0.41), `possible` (≥ 0.32), `weak` (≥ 0.25), `none` (below: no match, the nearest at most).
#[derive(ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Band {
    Strong,
    Possible,
    Weak,
    None,
}

/// A half-open range of UTF-16 code units, the unit JavaScript strings use.
#[derive(ToSchema)]
pub struct Span {
    pub start: u32,
    pub end: u32,
}

/// A need term found in a field of the resource, with where it occurs.
#[derive(ToSchema)]
pub struct Matched {
    pub term: String,
    /// `title`, `summary`, `keywords`, `organization`.
    pub field: String,
    /// For `keywords`, the index of the keyword; otherwise absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub item: Option<u32>,
    pub spans: Vec<Span>,
}

/// A short reason a broker can read to the enterprise, in Chinese and English.
#[derive(ToSchema)]
pub struct Reason {
    /// The component the reason explains.
    pub component: String,
    pub zh: String,
    pub en: String,
}
