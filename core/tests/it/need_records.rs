//! Stored needs: the table of their fields agrees with the decoder (every field read with its
//! shape, nothing else accepted), `NeedRecord::public` drops exactly the private fields, every
//! Chinese header names one field, labels and dates are read as forms write them, and the need the
//! matcher reads is the record's need fields.

use duijie_core::fields::{header_of, FieldValue, Shape, NEED_RECORD_FIELDS};
use duijie_core::jsonl::need_record_from_json;
use duijie_core::model::{NeedRecord, NeedStatus, Visibility};
use duijie_core::time::normalize_date;
use duijie_core::{Kind, Mode};
use serde_json::{json, Map, Value};

/// A valid sample value of each field, as a list when the field is one.
fn sample(name: &str) -> Value {
    match name {
        "id" => json!("n-1"),
        "title" => json!("锂电池热失控预警"),
        "text" => json!("储能电站需要锂电池热失控的早期预警方案"),
        "organization" => json!("甲公司"),
        "keywords" => json!(["锂电池", "热失控"]),
        "disciplines" => json!(["460", "机械工程"]),
        "industries" => json!(["C3841", "38"]),
        "region" => json!("440305"),
        "modes" => json!(["joint_rd", "consulting"]),
        "min_maturity" => json!(5),
        "kinds" => json!(["achievement", "patent"]),
        "budget" => json!("50万元以内"),
        "deadline" => json!("2026-06-30"),
        "status" => json!("matched"),
        "visibility" => json!("members"),
        "contact.name" => json!("赵经理"),
        "contact.phone" => json!("0755-1"),
        "contact.email" => json!("zhao@example.cn"),
        "updated_at" => json!("2026-01-01T08:00:00Z"),
        other => panic!("no sample for field {other}: add one"),
    }
}

fn full_object(list: impl Fn(&Value) -> Value) -> Value {
    let mut object = Map::new();
    for field in &NEED_RECORD_FIELDS {
        let mut value = sample(field.name);
        if field.shape == Shape::List {
            value = list(&value);
        }
        match field.nested() {
            Some((outer, inner)) => {
                object
                    .entry(outer)
                    .or_insert_with(|| json!({}))
                    .as_object_mut()
                    .unwrap()
                    .insert(inner.to_string(), value);
            }
            None => {
                object.insert(field.name.to_string(), value);
            }
        }
    }
    Value::Object(object)
}

fn value_json(value: FieldValue<'_>) -> Value {
    match value {
        FieldValue::Absent => Value::Null,
        FieldValue::Text(text) => json!(text),
        FieldValue::List(items) => json!(items),
        FieldValue::Modes(modes) => {
            json!(modes.iter().map(|mode| mode.as_str()).collect::<Vec<_>>())
        }
        FieldValue::Kinds(kinds) => {
            json!(kinds.iter().map(|kind| kind.as_str()).collect::<Vec<_>>())
        }
        FieldValue::Integer(number) => json!(number),
    }
}

fn decoded(object: &Value) -> NeedRecord {
    need_record_from_json(object).unwrap_or_else(|errors| panic!("{errors:?}"))
}

#[test]
fn the_decoder_reads_every_field_with_its_shape() {
    let arrays = decoded(&full_object(Value::clone));
    let strings = decoded(&full_object(|items| {
        let items: Vec<&str> = items
            .as_array()
            .unwrap()
            .iter()
            .map(|item| item.as_str().unwrap())
            .collect();
        json!(items.join("；"))
    }));
    for field in &NEED_RECORD_FIELDS {
        for need in [&arrays, &strings] {
            assert_eq!(
                value_json((field.value)(need)),
                sample(field.name),
                "{}",
                field.name
            );
        }
    }
    assert_eq!(arrays, strings);
    // What serde writes (the store's body, the export) reads back the same.
    let written = serde_json::to_value(&arrays).unwrap();
    assert_eq!(decoded(&written), arrays);
}

#[test]
fn the_decoder_refuses_keys_the_table_lacks() {
    for (path, value) in [
        ("colour", json!("red")),
        ("contact.fax", json!("1")),
        ("summary", json!("x")),
    ] {
        let mut object = full_object(Value::clone);
        match path.split_once('.') {
            Some((outer, inner)) => object[outer][inner] = value,
            None => object[path] = value,
        }
        let errors = need_record_from_json(&object).expect_err(path);
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!(errors[0].field, path);
        assert_eq!(errors[0].message, "unknown field");
    }
}

#[test]
fn public_drops_exactly_the_private_fields() {
    let need = decoded(&full_object(Value::clone));
    let public = need.public();
    for field in &NEED_RECORD_FIELDS {
        let value = (field.value)(&public);
        if field.private {
            assert_eq!(value, FieldValue::Absent, "{}", field.name);
        } else {
            assert_eq!(value, (field.value)(&need), "{}", field.name);
        }
        assert!(
            !field.hashed,
            "{}: needs are not in the catalog version",
            field.name
        );
    }
}

#[test]
fn every_header_names_one_field() {
    for field in &NEED_RECORD_FIELDS {
        assert_eq!(
            header_of(&NEED_RECORD_FIELDS, field.name).map(|f| f.name),
            Some(field.name)
        );
        for header in field.headers_zh {
            assert_eq!(
                header_of(&NEED_RECORD_FIELDS, header).map(|f| f.name),
                Some(field.name),
                "{header}"
            );
            let owners = NEED_RECORD_FIELDS
                .iter()
                .filter(|other| other.name == *header || other.headers_zh.contains(header))
                .count();
            assert_eq!(owners, 1, "{header}");
        }
    }
    // The headers DESIGN.md names.
    for (header, name) in [
        ("需求名称", "title"),
        ("需求描述", "text"),
        ("企业名称", "organization"),
        ("所属行业", "industries"),
        ("所在地区", "region"),
        ("合作方式", "modes"),
        ("预算", "budget"),
        ("截止日期", "deadline"),
        ("联系人", "contact.name"),
        ("联系电话", "contact.phone"),
    ] {
        assert_eq!(
            header_of(&NEED_RECORD_FIELDS, header).map(|f| f.name),
            Some(name),
            "{header}"
        );
    }
}

#[test]
fn labels_dates_and_defaults() {
    let need = decoded(&json!({
        "id": "n-2", "text": "x", "status": "已解决", "visibility": "公开", "deadline": "2026年2月3日",
    }));
    assert_eq!(need.status, NeedStatus::Solved);
    assert_eq!(need.visibility, Visibility::Public);
    assert_eq!(need.deadline.as_deref(), Some("2026-02-03"));
    let plain = decoded(&json!({"id": "n-3", "title": "x"}));
    assert_eq!(
        (plain.status, plain.visibility),
        (NeedStatus::Open, Visibility::Public)
    );
    for (text, date) in [
        ("2026-06-30", Some("2026-06-30")),
        ("2026/6/3", Some("2026-06-03")),
        ("2026.12.1", Some("2026-12-01")),
        ("2026年6月30日", Some("2026-06-30")),
        (" 2024-02-29 ", Some("2024-02-29")),
        ("2026-02-30", None),
        ("2023-02-29", None),
        ("26-6-30", None),
        ("2026-6", None),
        ("明年", None),
    ] {
        assert_eq!(normalize_date(text).as_deref(), date, "{text}");
    }
    let errors = need_record_from_json(&json!({
        "id": "bad id", "status": "pending", "visibility": "secret", "deadline": "2026-02-30",
        "min_maturity": 10, "kinds": ["robot"], "modes": ["lending"], "region": "999999",
        "budget": "x".repeat(201), "contact": {"email": "nobody"}, "updated_at": "yesterday",
    }))
    .unwrap_err();
    let mut fields: Vec<&str> = errors.iter().map(|error| error.field.as_str()).collect();
    fields.sort();
    assert_eq!(
        fields,
        [
            "budget",
            "contact.email",
            "deadline",
            "id",
            "kinds[0]",
            "min_maturity",
            "modes[0]",
            "region",
            "status",
            "text",
            "updated_at",
            "visibility"
        ]
    );
}

#[test]
fn the_matcher_reads_the_need_fields() {
    let mut need = decoded(&full_object(Value::clone));
    need.status = NeedStatus::Closed;
    let read = need.need();
    assert_eq!(read.title, need.title);
    assert_eq!(read.text, need.text);
    assert_eq!(read.keywords, need.keywords);
    assert_eq!(read.disciplines, need.disciplines);
    assert_eq!(read.industries, need.industries);
    assert_eq!(read.region, need.region);
    assert_eq!(read.modes, vec![Mode::JointRd, Mode::Consulting]);
    assert_eq!(read.min_maturity, Some(5));
    assert_eq!(read.kinds, vec![Kind::Achievement, Kind::Patent]);
    assert_eq!(read.budget, None);
}
