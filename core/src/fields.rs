//! The tables of record fields, one for resources and one for stored needs: each field's
//! interchange name, the Chinese spreadsheet headers that name it, its shape, whether the catalog
//! version hashes it, and whether it is private.
//!
//! Three readers used to keep their own lists: the JSON decoder (`jsonl`, which fields a record may
//! have), the server's spreadsheet importer (which header names which field, which cells are lists)
//! and the catalog version (which fields a change to makes a new version). They read these tables
//! now, so a field added here is decoded, imported and hashed, or a test says why not.

use std::fmt;

use crate::model::{Kind, Mode, NeedRecord, Resource};

/// How a field's value is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    /// One string.
    Text,
    /// A list of strings; a single string (a spreadsheet cell) holds its items separated by `;` or `；`.
    List,
    /// A small whole number.
    Integer,
}

/// One field of a record of type `R` (a `Resource` or a `NeedRecord`).
pub struct Field<R = Resource> {
    /// The interchange name; a field of a nested object is written `patent.number`.
    pub name: &'static str,
    /// The Chinese spreadsheet headers that name it, besides its interchange name.
    pub headers_zh: &'static [&'static str],
    pub shape: Shape,
    /// Whether the catalog version hashes it: changing it makes a new catalog version.
    pub hashed: bool,
    /// Stored and exported with a writer token, but never published: `Resource::public` and
    /// `NeedRecord::public` drop it.
    pub private: bool,
    /// Free text: read through `plain::plain_text` when a record is decoded (HTML line breaks and
    /// paragraphs become newlines, other tags go, character references are decoded), list items
    /// one by one. Codes, ids, numbers, phone numbers, e-mail addresses and times are not.
    pub free_text: bool,
    /// Its value in a record.
    pub value: fn(&R) -> FieldValue<'_>,
}

// By hand: derives would ask `R` itself to be `Clone`, `Copy` and `Debug`.
impl<R> Clone for Field<R> {
    fn clone(&self) -> Field<R> {
        *self
    }
}

impl<R> Copy for Field<R> {}

impl<R> fmt::Debug for Field<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Field")
            .field("name", &self.name)
            .field("headers_zh", &self.headers_zh)
            .field("shape", &self.shape)
            .field("hashed", &self.hashed)
            .field("private", &self.private)
            .field("free_text", &self.free_text)
            .finish()
    }
}

/// A field's value in a resource, as the catalog version hashes it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum FieldValue<'a> {
    /// The field's object is absent (a resource without `patent` has no `patent.number`).
    Absent,
    /// A string; an absent optional string is empty.
    Text(&'a str),
    List(&'a [String]),
    Modes(&'a [Mode]),
    Kinds(&'a [Kind]),
    Integer(Option<u8>),
}

impl<R> Field<R> {
    /// The top-level key the field sits under: `patent` for `patent.number`, else its name.
    pub fn key(&self) -> &'static str {
        self.name
            .split_once('.')
            .map_or(self.name, |(outer, _)| outer)
    }

    /// For a field of a nested object, the object's key and the field's key inside it.
    pub fn nested(&self) -> Option<(&'static str, &'static str)> {
        self.name.split_once('.')
    }
}

/// Every field of a resource, in the order the catalog version hashes them.
pub const RESOURCE_FIELDS: [Field; 21] = [
    Field {
        name: "id",
        headers_zh: &["编号"],
        shape: Shape::Text,
        hashed: true,
        free_text: false,
        private: false,
        value: |resource| FieldValue::Text(&resource.id),
    },
    Field {
        name: "kind",
        headers_zh: &["类型", "类别"],
        shape: Shape::Text,
        hashed: true,
        free_text: false,
        private: false,
        value: |resource| FieldValue::Text(resource.kind.as_str()),
    },
    Field {
        name: "title",
        headers_zh: &["名称", "标题", "姓名"],
        shape: Shape::Text,
        hashed: true,
        free_text: true,
        private: false,
        value: |resource| FieldValue::Text(&resource.title),
    },
    Field {
        name: "summary",
        headers_zh: &["摘要", "简介"],
        shape: Shape::Text,
        hashed: true,
        free_text: true,
        private: false,
        value: |resource| FieldValue::Text(&resource.summary),
    },
    Field {
        name: "keywords",
        headers_zh: &["关键词"],
        shape: Shape::List,
        hashed: true,
        free_text: true,
        private: false,
        value: |resource| FieldValue::List(&resource.keywords),
    },
    Field {
        name: "disciplines",
        headers_zh: &["学科"],
        shape: Shape::List,
        hashed: true,
        free_text: false,
        private: false,
        value: |resource| FieldValue::List(&resource.disciplines),
    },
    Field {
        name: "industries",
        headers_zh: &["行业"],
        shape: Shape::List,
        hashed: true,
        free_text: false,
        private: false,
        value: |resource| FieldValue::List(&resource.industries),
    },
    Field {
        name: "region",
        headers_zh: &["地区", "区域"],
        shape: Shape::Text,
        hashed: true,
        free_text: false,
        private: false,
        value: |resource| FieldValue::Text(resource.region.as_deref().unwrap_or("")),
    },
    Field {
        name: "organization",
        headers_zh: &["单位", "机构"],
        shape: Shape::Text,
        hashed: true,
        free_text: true,
        private: false,
        value: |resource| FieldValue::Text(&resource.organization),
    },
    Field {
        name: "society",
        headers_zh: &["学会"],
        shape: Shape::Text,
        hashed: true,
        free_text: true,
        private: false,
        value: |resource| FieldValue::Text(&resource.society),
    },
    Field {
        name: "modes",
        headers_zh: &["合作方式"],
        shape: Shape::List,
        hashed: true,
        free_text: false,
        private: false,
        value: |resource| FieldValue::Modes(&resource.modes),
    },
    Field {
        name: "maturity",
        headers_zh: &["成熟度", "技术成熟度"],
        shape: Shape::Integer,
        hashed: true,
        free_text: false,
        private: false,
        value: |resource| FieldValue::Integer(resource.maturity),
    },
    Field {
        name: "patent.number",
        headers_zh: &["专利号"],
        shape: Shape::Text,
        hashed: true,
        free_text: false,
        private: false,
        value: |resource| {
            resource
                .patent
                .as_ref()
                .map_or(FieldValue::Absent, |patent| {
                    FieldValue::Text(&patent.number)
                })
        },
    },
    Field {
        name: "patent.ipc",
        headers_zh: &["IPC分类号"],
        shape: Shape::List,
        hashed: true,
        free_text: false,
        private: false,
        value: |resource| {
            resource
                .patent
                .as_ref()
                .map_or(FieldValue::Absent, |patent| FieldValue::List(&patent.ipc))
        },
    },
    Field {
        name: "patent.status",
        headers_zh: &["法律状态"],
        shape: Shape::Text,
        hashed: true,
        free_text: true,
        private: false,
        value: |resource| {
            resource
                .patent
                .as_ref()
                .map_or(FieldValue::Absent, |patent| {
                    FieldValue::Text(&patent.status)
                })
        },
    },
    Field {
        name: "position",
        headers_zh: &["职称"],
        shape: Shape::Text,
        hashed: true,
        free_text: true,
        private: false,
        value: |resource| FieldValue::Text(&resource.position),
    },
    Field {
        name: "expertise",
        headers_zh: &["专长", "研究方向"],
        shape: Shape::List,
        hashed: true,
        free_text: true,
        private: false,
        value: |resource| FieldValue::List(&resource.expertise),
    },
    Field {
        name: "contact.name",
        headers_zh: &["联系人"],
        shape: Shape::Text,
        hashed: false,
        free_text: true,
        private: true,
        value: |resource| {
            resource
                .contact
                .as_ref()
                .map_or(FieldValue::Absent, |contact| {
                    FieldValue::Text(&contact.name)
                })
        },
    },
    Field {
        name: "contact.phone",
        headers_zh: &["电话", "联系电话"],
        shape: Shape::Text,
        hashed: false,
        free_text: false,
        private: true,
        value: |resource| {
            resource
                .contact
                .as_ref()
                .map_or(FieldValue::Absent, |contact| {
                    FieldValue::Text(&contact.phone)
                })
        },
    },
    Field {
        name: "contact.email",
        headers_zh: &["邮箱"],
        shape: Shape::Text,
        hashed: false,
        free_text: false,
        private: true,
        value: |resource| {
            resource
                .contact
                .as_ref()
                .map_or(FieldValue::Absent, |contact| {
                    FieldValue::Text(&contact.email)
                })
        },
    },
    Field {
        name: "updated_at",
        headers_zh: &["更新时间"],
        shape: Shape::Text,
        hashed: true,
        free_text: false,
        private: false,
        value: |resource| FieldValue::Text(resource.updated_at.as_deref().unwrap_or("")),
    },
];

/// The resource field named `name` (`patent.number` for a nested one).
pub fn field(name: &str) -> Option<&'static Field> {
    RESOURCE_FIELDS.iter().find(|field| field.name == name)
}

/// The resource field a spreadsheet header names (`header_of`).
pub fn field_of_header(header: &str) -> Option<&'static Field> {
    header_of(&RESOURCE_FIELDS, header)
}

/// The field of `table` a spreadsheet header names: its interchange name in any ASCII case, or one
/// of its Chinese headers. A byte order mark and surrounding spaces are ignored.
pub fn header_of<R: 'static>(
    table: &'static [Field<R>],
    header: &str,
) -> Option<&'static Field<R>> {
    let header = header.trim().trim_start_matches('\u{feff}').trim();
    table.iter().find(|field| {
        field.name.eq_ignore_ascii_case(header)
            || field
                .headers_zh
                .iter()
                .any(|alias| alias.eq_ignore_ascii_case(header))
    })
}

/// Whether a resource object may have the top-level key `key`.
pub fn is_resource_key(key: &str) -> bool {
    RESOURCE_FIELDS.iter().any(|field| field.key() == key)
}

/// Whether a stored need's object may have the top-level key `key`.
pub fn is_need_record_key(key: &str) -> bool {
    NEED_RECORD_FIELDS.iter().any(|field| field.key() == key)
}

/// Whether the nested object `object` (`patent`, `contact`) of a resource or a stored need may have
/// the key `key`.
pub fn is_nested_key(object: &str, key: &str) -> bool {
    RESOURCE_FIELDS
        .iter()
        .any(|field| field.nested() == Some((object, key)))
        || NEED_RECORD_FIELDS
            .iter()
            .any(|field| field.nested() == Some((object, key)))
}

/// Every field of a stored need (DESIGN.md, "Needs, fairs and subscriptions"). None is hashed:
/// needs are not part of the catalog version. The need fields are read as `Need`'s.
pub const NEED_RECORD_FIELDS: [Field<NeedRecord>; 19] = [
    Field {
        name: "id",
        headers_zh: &["编号", "需求编号"],
        shape: Shape::Text,
        hashed: false,
        private: false,
        free_text: false,
        value: |need| FieldValue::Text(&need.id),
    },
    Field {
        name: "title",
        headers_zh: &["需求名称", "名称", "标题"],
        shape: Shape::Text,
        hashed: false,
        private: false,
        free_text: true,
        value: |need| FieldValue::Text(&need.title),
    },
    Field {
        name: "text",
        headers_zh: &["需求描述", "需求内容", "描述"],
        shape: Shape::Text,
        hashed: false,
        private: false,
        free_text: true,
        value: |need| FieldValue::Text(&need.text),
    },
    Field {
        name: "organization",
        headers_zh: &["企业名称", "企业", "单位"],
        shape: Shape::Text,
        hashed: false,
        private: false,
        free_text: true,
        value: |need| FieldValue::Text(&need.organization),
    },
    Field {
        name: "keywords",
        headers_zh: &["关键词"],
        shape: Shape::List,
        hashed: false,
        private: false,
        free_text: true,
        value: |need| FieldValue::List(&need.keywords),
    },
    Field {
        name: "disciplines",
        headers_zh: &["学科", "所属学科"],
        shape: Shape::List,
        hashed: false,
        private: false,
        free_text: false,
        value: |need| FieldValue::List(&need.disciplines),
    },
    Field {
        name: "industries",
        headers_zh: &["所属行业", "行业"],
        shape: Shape::List,
        hashed: false,
        private: false,
        free_text: false,
        value: |need| FieldValue::List(&need.industries),
    },
    Field {
        name: "region",
        headers_zh: &["所在地区", "地区", "区域"],
        shape: Shape::Text,
        hashed: false,
        private: false,
        free_text: false,
        value: |need| FieldValue::Text(need.region.as_deref().unwrap_or("")),
    },
    Field {
        name: "modes",
        headers_zh: &["合作方式"],
        shape: Shape::List,
        hashed: false,
        private: false,
        free_text: false,
        value: |need| FieldValue::Modes(&need.modes),
    },
    Field {
        name: "min_maturity",
        headers_zh: &["最低成熟度", "成熟度要求"],
        shape: Shape::Integer,
        hashed: false,
        private: false,
        free_text: false,
        value: |need| FieldValue::Integer(need.min_maturity),
    },
    Field {
        name: "kinds",
        headers_zh: &["资源类型"],
        shape: Shape::List,
        hashed: false,
        private: false,
        free_text: false,
        value: |need| FieldValue::Kinds(&need.kinds),
    },
    Field {
        name: "budget",
        headers_zh: &["预算"],
        shape: Shape::Text,
        hashed: false,
        private: false,
        free_text: true,
        value: |need| FieldValue::Text(&need.budget),
    },
    Field {
        name: "deadline",
        headers_zh: &["截止日期"],
        shape: Shape::Text,
        hashed: false,
        private: false,
        free_text: false,
        value: |need| FieldValue::Text(need.deadline.as_deref().unwrap_or("")),
    },
    Field {
        name: "status",
        headers_zh: &["状态", "需求状态"],
        shape: Shape::Text,
        hashed: false,
        private: false,
        free_text: false,
        value: |need| FieldValue::Text(need.status.as_str()),
    },
    Field {
        name: "visibility",
        headers_zh: &["公开范围"],
        shape: Shape::Text,
        hashed: false,
        private: false,
        free_text: false,
        value: |need| FieldValue::Text(need.visibility.as_str()),
    },
    Field {
        name: "contact.name",
        headers_zh: &["联系人"],
        shape: Shape::Text,
        hashed: false,
        private: true,
        free_text: true,
        value: |need| {
            need.contact.as_ref().map_or(FieldValue::Absent, |contact| {
                FieldValue::Text(&contact.name)
            })
        },
    },
    Field {
        name: "contact.phone",
        headers_zh: &["联系电话", "电话"],
        shape: Shape::Text,
        hashed: false,
        private: true,
        free_text: false,
        value: |need| {
            need.contact.as_ref().map_or(FieldValue::Absent, |contact| {
                FieldValue::Text(&contact.phone)
            })
        },
    },
    Field {
        name: "contact.email",
        headers_zh: &["邮箱", "电子邮箱"],
        shape: Shape::Text,
        hashed: false,
        private: true,
        free_text: false,
        value: |need| {
            need.contact.as_ref().map_or(FieldValue::Absent, |contact| {
                FieldValue::Text(&contact.email)
            })
        },
    },
    Field {
        name: "updated_at",
        headers_zh: &["更新时间"],
        shape: Shape::Text,
        hashed: false,
        private: false,
        free_text: false,
        value: |need| FieldValue::Text(need.updated_at.as_deref().unwrap_or("")),
    },
];
