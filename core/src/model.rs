//! The data model: resources and needs exactly as DESIGN.md's interchange formats describe them.
//!
//! Values here are plain data with public fields. They are checked by `validate`, which returns every
//! problem at once, each located by field, so a catalog administrator can fix a whole file in one pass.

use std::fmt;

#[cfg(feature = "serde")]
use serde::{Deserialize, Serialize};

/// What a resource is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(
    feature = "serde",
    derive(Serialize, Deserialize),
    serde(rename_all = "snake_case")
)]
pub enum Kind {
    Expert,
    Achievement,
    Patent,
    Organization,
}

impl Kind {
    pub const ALL: [Kind; 4] = [
        Kind::Expert,
        Kind::Achievement,
        Kind::Patent,
        Kind::Organization,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Expert => "expert",
            Kind::Achievement => "achievement",
            Kind::Patent => "patent",
            Kind::Organization => "organization",
        }
    }

    pub fn parse(text: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|kind| kind.as_str() == text)
    }

    /// The Chinese label shown to brokers.
    pub fn label_zh(self) -> &'static str {
        match self {
            Kind::Expert => "专家",
            Kind::Achievement => "科技成果",
            Kind::Patent => "专利",
            Kind::Organization => "机构",
        }
    }

    /// The English label shown to brokers.
    pub fn label_en(self) -> &'static str {
        match self {
            Kind::Expert => "Expert",
            Kind::Achievement => "Achievement",
            Kind::Patent => "Patent",
            Kind::Organization => "Organisation",
        }
    }

    /// A kind written as its code or as a spreadsheet writes it: the Chinese label, or 成果 for
    /// 科技成果.
    pub fn from_label(text: &str) -> Option<Kind> {
        Kind::parse(text).or_else(|| match text {
            "成果" => Some(Kind::Achievement),
            _ => Kind::ALL.into_iter().find(|kind| kind.label_zh() == text),
        })
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A cooperation mode (合作方式) a resource offers or a need wants.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(
    feature = "serde",
    derive(Serialize, Deserialize),
    serde(rename_all = "snake_case")
)]
pub enum Mode {
    Transfer,
    License,
    JointRd,
    Consulting,
    Training,
    Equity,
    Promotion,
}

impl Mode {
    pub const ALL: [Mode; 7] = [
        Mode::Transfer,
        Mode::License,
        Mode::JointRd,
        Mode::Consulting,
        Mode::Training,
        Mode::Equity,
        Mode::Promotion,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Transfer => "transfer",
            Mode::License => "license",
            Mode::JointRd => "joint_rd",
            Mode::Consulting => "consulting",
            Mode::Training => "training",
            Mode::Equity => "equity",
            Mode::Promotion => "promotion",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Mode::Transfer => "技术转让",
            Mode::License => "技术许可",
            Mode::JointRd => "联合攻关",
            Mode::Consulting => "技术咨询/规划咨询",
            Mode::Training => "技术培训",
            Mode::Equity => "技术入股",
            Mode::Promotion => "成果推广",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            Mode::Transfer => "technology transfer",
            Mode::License => "licensing",
            Mode::JointRd => "joint R&D",
            Mode::Consulting => "consulting",
            Mode::Training => "training",
            Mode::Equity => "equity investment",
            Mode::Promotion => "promotion",
        }
    }

    /// Accepts the code (`joint_rd`) or the Chinese label (`联合攻关`, also `技术咨询` or `规划咨询`).
    pub fn parse(text: &str) -> Option<Mode> {
        let text = text.trim();
        Mode::ALL.into_iter().find(|mode| {
            mode.as_str() == text
                || mode.label_zh() == text
                || (*mode == Mode::Consulting && (text == "技术咨询" || text == "规划咨询"))
        })
    }
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Patent-specific fields.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[cfg_attr(
    feature = "serde",
    derive(Serialize, Deserialize),
    serde(deny_unknown_fields)
)]
pub struct Patent {
    #[cfg_attr(feature = "serde", serde(default))]
    pub number: String,
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Vec::is_empty")
    )]
    pub ipc: Vec<String>,
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "String::is_empty")
    )]
    pub status: String,
}

/// Contact details. Private: stored by the server, never published, never in a snapshot.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[cfg_attr(
    feature = "serde",
    derive(Serialize, Deserialize),
    serde(deny_unknown_fields)
)]
pub struct Contact {
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "String::is_empty")
    )]
    pub name: String,
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "String::is_empty")
    )]
    pub phone: String,
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "String::is_empty")
    )]
    pub email: String,
}

/// One expert, achievement, patent or organisation of the catalog.
///
/// Experts carry `position` (职称, such as 教授级高工) and `expertise` (专长) besides the common fields;
/// DESIGN.md names them without field names, and these are the names we chose.
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(
    feature = "serde",
    derive(Serialize, Deserialize),
    serde(deny_unknown_fields)
)]
pub struct Resource {
    pub id: String,
    pub kind: Kind,
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "String::is_empty")
    )]
    pub title: String,
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "String::is_empty")
    )]
    pub summary: String,
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Vec::is_empty")
    )]
    pub keywords: Vec<String>,
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Vec::is_empty")
    )]
    pub disciplines: Vec<String>,
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Vec::is_empty")
    )]
    pub industries: Vec<String>,
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub region: Option<String>,
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "String::is_empty")
    )]
    pub organization: String,
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "String::is_empty")
    )]
    pub society: String,
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Vec::is_empty")
    )]
    pub modes: Vec<Mode>,
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub maturity: Option<u8>,
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub patent: Option<Patent>,
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "String::is_empty")
    )]
    pub position: String,
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Vec::is_empty")
    )]
    pub expertise: Vec<String>,
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub contact: Option<Contact>,
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub updated_at: Option<String>,
}

impl Resource {
    /// An empty resource of `kind`; handy for tests and importers that fill fields one by one.
    pub fn new(id: impl Into<String>, kind: Kind) -> Resource {
        Resource {
            id: id.into(),
            kind,
            title: String::new(),
            summary: String::new(),
            keywords: Vec::new(),
            disciplines: Vec::new(),
            industries: Vec::new(),
            region: None,
            organization: String::new(),
            society: String::new(),
            modes: Vec::new(),
            maturity: None,
            patent: None,
            position: String::new(),
            expertise: Vec::new(),
            contact: None,
            updated_at: None,
        }
    }

    /// The same resource without its private fields, for anything that leaves the server.
    pub fn public(&self) -> Resource {
        Resource {
            contact: None,
            ..self.clone()
        }
    }
}

/// An enterprise's technical need (技术需求).
#[derive(Clone, Debug, Default, PartialEq)]
#[cfg_attr(
    feature = "serde",
    derive(Serialize, Deserialize),
    serde(deny_unknown_fields)
)]
pub struct Need {
    /// The need's name (需求名称), when it has one: its terms weigh more than the text's.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "String::is_empty")
    )]
    pub title: String,
    #[cfg_attr(feature = "serde", serde(default))]
    pub text: String,
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Vec::is_empty")
    )]
    pub keywords: Vec<String>,
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Vec::is_empty")
    )]
    pub disciplines: Vec<String>,
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Vec::is_empty")
    )]
    pub industries: Vec<String>,
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub region: Option<String>,
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Vec::is_empty")
    )]
    pub modes: Vec<Mode>,
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub min_maturity: Option<u8>,
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Vec::is_empty")
    )]
    pub kinds: Vec<Kind>,
    /// Budget in 万元 (10,000 yuan); informative, not scored.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub budget: Option<f64>,
}

impl Need {
    pub fn from_text(text: impl Into<String>) -> Need {
        Need {
            text: text.into(),
            ..Need::default()
        }
    }
}

/// Where a stored need stands (DESIGN.md, "Needs, fairs and subscriptions").
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(
    feature = "serde",
    derive(Serialize, Deserialize),
    serde(rename_all = "snake_case")
)]
pub enum NeedStatus {
    /// Looking for resources: what reverse matching and push consider by default.
    #[default]
    Open,
    /// Resources were found and introduced; not yet solved.
    Matched,
    Solved,
    Closed,
}

impl NeedStatus {
    pub const ALL: [NeedStatus; 4] = [
        NeedStatus::Open,
        NeedStatus::Matched,
        NeedStatus::Solved,
        NeedStatus::Closed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            NeedStatus::Open => "open",
            NeedStatus::Matched => "matched",
            NeedStatus::Solved => "solved",
            NeedStatus::Closed => "closed",
        }
    }

    /// The Chinese label shown to brokers and written in spreadsheets.
    pub fn label_zh(self) -> &'static str {
        match self {
            NeedStatus::Open => "征集中",
            NeedStatus::Matched => "已匹配",
            NeedStatus::Solved => "已解决",
            NeedStatus::Closed => "已关闭",
        }
    }

    /// The code, or the label or another word spreadsheets use for it (开放, 待对接; 已对接; 关闭).
    pub fn from_label(text: &str) -> Option<NeedStatus> {
        let text = text.trim();
        NeedStatus::ALL
            .into_iter()
            .find(|status| status.as_str() == text || status.label_zh() == text)
            .or(match text {
                "开放" | "待对接" | "未解决" => Some(NeedStatus::Open),
                "已对接" => Some(NeedStatus::Matched),
                "关闭" => Some(NeedStatus::Closed),
                _ => None,
            })
    }
}

impl fmt::Display for NeedStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Who may read a stored need: anyone, or members (a broker, editor or admin token, and the
/// enterprise that owns it).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(
    feature = "serde",
    derive(Serialize, Deserialize),
    serde(rename_all = "snake_case")
)]
pub enum Visibility {
    #[default]
    Public,
    Members,
}

impl Visibility {
    pub const ALL: [Visibility; 2] = [Visibility::Public, Visibility::Members];

    pub fn as_str(self) -> &'static str {
        match self {
            Visibility::Public => "public",
            Visibility::Members => "members",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Visibility::Public => "公开",
            Visibility::Members => "仅会员",
        }
    }

    /// The code, or the label (also 会员, 内部 for members).
    pub fn from_label(text: &str) -> Option<Visibility> {
        let text = text.trim();
        Visibility::ALL
            .into_iter()
            .find(|visibility| visibility.as_str() == text || visibility.label_zh() == text)
            .or(match text {
                "会员" | "内部" => Some(Visibility::Members),
                _ => None,
            })
    }
}

impl fmt::Display for Visibility {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A stored need (需求): an enterprise's need kept by the service, matched against every catalog
/// version (forward: its resources; reverse: the needs a resource fits).
///
/// The need fields are those of `Need`; the others are the record's: its enterprise, budget (free
/// text such as 50万元以内), deadline (a date `YYYY-MM-DD`), status, visibility and contact
/// (private, as a resource's).
#[derive(Clone, Debug, Default, PartialEq)]
#[cfg_attr(
    feature = "serde",
    derive(Serialize, Deserialize),
    serde(deny_unknown_fields)
)]
pub struct NeedRecord {
    pub id: String,
    /// 需求名称.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "String::is_empty")
    )]
    pub title: String,
    /// 需求描述.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "String::is_empty")
    )]
    pub text: String,
    /// The enterprise (企业名称); an enterprise token owns the needs of its organisation.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "String::is_empty")
    )]
    pub organization: String,
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Vec::is_empty")
    )]
    pub keywords: Vec<String>,
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Vec::is_empty")
    )]
    pub disciplines: Vec<String>,
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Vec::is_empty")
    )]
    pub industries: Vec<String>,
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub region: Option<String>,
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Vec::is_empty")
    )]
    pub modes: Vec<Mode>,
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub min_maturity: Option<u8>,
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Vec::is_empty")
    )]
    pub kinds: Vec<Kind>,
    /// Free text (50万元以内); informative, not scored.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "String::is_empty")
    )]
    pub budget: String,
    /// A date `YYYY-MM-DD`.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub deadline: Option<String>,
    #[cfg_attr(feature = "serde", serde(default))]
    pub status: NeedStatus,
    #[cfg_attr(feature = "serde", serde(default))]
    pub visibility: Visibility,
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub contact: Option<Contact>,
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub updated_at: Option<String>,
}

impl NeedRecord {
    /// The need the matcher reads: the record's need fields, its title and text.
    pub fn need(&self) -> Need {
        Need {
            title: self.title.clone(),
            text: self.text.clone(),
            keywords: self.keywords.clone(),
            disciplines: self.disciplines.clone(),
            industries: self.industries.clone(),
            region: self.region.clone(),
            modes: self.modes.clone(),
            min_maturity: self.min_maturity,
            kinds: self.kinds.clone(),
            budget: None,
        }
    }

    /// The same record without its private fields, for anything that leaves the server without
    /// the right to see them.
    pub fn public(&self) -> NeedRecord {
        NeedRecord {
            contact: None,
            ..self.clone()
        }
    }
}

/// One problem with one field of one record. `line` is set when the record came from a file, and the
/// other places as precisely as the file's format allows: a spreadsheet's `sheet` and `cell`, a CSV
/// or spreadsheet `column` and its `header`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
pub struct FieldError {
    /// The line (JSON Lines, CSV) or spreadsheet row the record came from, counted from 1.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub line: Option<usize>,
    /// The spreadsheet's sheet (XLSX).
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub sheet: Option<String>,
    /// The cell, as the spreadsheet names it: `J11` (XLSX).
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub cell: Option<String>,
    /// The column, counted from 1 (CSV, XLSX).
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub column: Option<usize>,
    /// The column's header as the file writes it: `关键词` (CSV, XLSX).
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub header: Option<String>,
    /// The record's id when it has a readable one.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub id: Option<String>,
    /// The field, with an index for list items: `keywords[2]`, `patent.number`; empty for the whole record.
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> FieldError {
        FieldError {
            field: field.into(),
            message: message.into(),
            ..FieldError::default()
        }
    }

    pub fn at_line(mut self, line: usize) -> FieldError {
        self.line = Some(line);
        self
    }

    /// Where the error is, without the field: `Sheet1!J11 (关键词)` in a spreadsheet, `line 11,
    /// column 10 (关键词)` in CSV, `line 11` in JSON Lines; empty when nothing locates it.
    pub fn location(&self) -> String {
        let mut out = match (&self.sheet, &self.cell, self.line) {
            (Some(sheet), Some(cell), _) => format!("{sheet}!{cell}"),
            (None, Some(cell), _) => format!("cell {cell}"),
            (Some(sheet), None, Some(line)) => format!("{sheet}, row {line}"),
            (Some(sheet), None, None) => sheet.clone(),
            (None, None, Some(line)) => format!("line {line}"),
            (None, None, None) => String::new(),
        };
        if self.cell.is_none() {
            if let Some(column) = self.column {
                if !out.is_empty() {
                    out.push_str(", ");
                }
                out.push_str(&format!("column {column}"));
            }
        }
        if let Some(header) = &self.header {
            out.push_str(&format!(" ({header})"));
        }
        out.trim_start().to_string()
    }
}

/// `LOCATION: ID: FIELD: MESSAGE`, the parts that are known: `Sheet1!J11 (关键词): x-1:
/// keywords[1]: looks like a spreadsheet formula`.
impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let location = self.location();
        if !location.is_empty() {
            write!(f, "{location}: ")?;
        }
        if let Some(id) = &self.id {
            write!(f, "{id}: ")?;
        }
        if self.field.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.field, self.message)
        }
    }
}

/// Longest accepted text fields, in characters. A catalog row beyond these is a mistake (a whole
/// spreadsheet pasted into one cell), not a resource.
pub const MAX_ID_LEN: usize = 128;
pub const MAX_TITLE_CHARS: usize = 500;
pub const MAX_SUMMARY_CHARS: usize = 20_000;
pub const MAX_SHORT_CHARS: usize = 200;
pub const MAX_LIST_ITEMS: usize = 100;
pub const MAX_NEED_CHARS: usize = 5_000;

/// Whether `id` has the interchange format's shape: 1–128 of `[A-Za-z0-9._:-]`.
pub fn is_valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= MAX_ID_LEN
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b':' | b'-'))
}
