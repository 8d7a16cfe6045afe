//! The table of resource fields agrees with its readers: the JSON decoder reads exactly its fields
//! with their shapes, `Resource::public` drops exactly its private fields, the catalog version
//! changes with exactly its hashed fields, and no spreadsheet header names two fields.

use duijie_core::fields::{field, field_of_header, FieldValue, Shape, RESOURCE_FIELDS};
use duijie_core::jsonl::resource_from_json;
use duijie_core::matcher::catalog_version;
use duijie_core::{Resource, Weights};
use serde_json::{json, Map, Value};

/// A valid sample value of each field, as a list when the field is one.
fn sample(name: &str) -> Value {
    match name {
        "id" => json!("p-1"),
        "kind" => json!("patent"),
        "title" => json!("一种锂电池热失控预警方法"),
        "summary" => json!("储能电站的锂电池热失控早期预警"),
        "keywords" => json!(["锂电池", "热失控"]),
        "disciplines" => json!(["460", "机械工程"]),
        "industries" => json!(["C3841", "38"]),
        "region" => json!("440305"),
        "organization" => json!("某大学"),
        "society" => json!("中国机械工程学会"),
        "modes" => json!(["transfer", "license"]),
        "maturity" => json!(6),
        "patent.number" => json!("CN1"),
        "patent.ipc" => json!(["H01M 10/05", "H01M 4/00"]),
        "patent.status" => json!("有效"),
        "position" => json!("教授"),
        "expertise" => json!(["电池管理", "储能"]),
        "contact.name" => json!("王工"),
        "contact.phone" => json!("010-5555"),
        "contact.email" => json!("wang@example.cn"),
        "updated_at" => json!("2024-05-01T08:00:00Z"),
        other => panic!("no sample for field {other}: add one"),
    }
}

/// A resource object with every field of the table, list values written as `list` makes them.
fn full_object(list: impl Fn(&Value) -> Value) -> Value {
    let mut object = Map::new();
    for field in &RESOURCE_FIELDS {
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

/// The value the table reads from a resource, as JSON, to compare with the sample.
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

fn decoded(object: &Value) -> Resource {
    resource_from_json(object).unwrap_or_else(|errors| panic!("{errors:?}"))
}

#[test]
fn the_decoder_reads_every_field_with_its_shape() {
    let lists_as_arrays = decoded(&full_object(Value::clone));
    // A list field also reads from one string, items separated by `;` or `；`, as spreadsheets write it.
    let lists_as_strings = decoded(&full_object(|items| {
        let items: Vec<&str> = items
            .as_array()
            .unwrap()
            .iter()
            .map(|item| item.as_str().unwrap())
            .collect();
        json!(items.join("；"))
    }));
    for field in &RESOURCE_FIELDS {
        for resource in [&lists_as_arrays, &lists_as_strings] {
            assert_eq!(
                value_json((field.value)(resource)),
                sample(field.name),
                "{}",
                field.name
            );
        }
    }
    assert_eq!(lists_as_arrays, lists_as_strings);
}

#[test]
fn the_decoder_refuses_keys_the_table_lacks() {
    for (path, value) in [
        ("colour", json!("red")),
        ("patent.colour", json!("red")),
        ("contact.fax", json!("1")),
    ] {
        let mut object = full_object(Value::clone);
        match path.split_once('.') {
            Some((outer, inner)) => {
                object[outer][inner] = value;
            }
            None => object[path] = value,
        }
        let errors = resource_from_json(&object).expect_err(path);
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!(errors[0].field, path);
        assert_eq!(errors[0].message, "unknown field");
    }
}

/// The free-text fields of the table, and only they, are read through the plain-text rule: a value
/// marked up as a web editor writes it decodes to the sample; elsewhere markup is kept as written.
#[test]
fn free_text_fields_are_read_as_plain_text() {
    let free_text: Vec<&str> = RESOURCE_FIELDS
        .iter()
        .filter(|field| field.free_text)
        .map(|field| field.name)
        .collect();
    assert_eq!(
        free_text,
        [
            "title",
            "summary",
            "keywords",
            "organization",
            "society",
            "patent.status",
            "position",
            "expertise",
            "contact.name"
        ]
    );
    let marked_up = |text: &str| format!("<p><span style=\"x\">{text}</span>&nbsp;</p>");
    let object = full_object(Value::clone);
    let mut marked = object.clone();
    for field in RESOURCE_FIELDS.iter().filter(|field| field.free_text) {
        let slot = match field.nested() {
            Some((outer, inner)) => &mut marked[outer][inner],
            None => &mut marked[field.name],
        };
        *slot = match &*slot {
            Value::String(text) => json!(marked_up(text)),
            Value::Array(items) => json!(items
                .iter()
                .map(|item| marked_up(item.as_str().unwrap()))
                .collect::<Vec<_>>()),
            other => panic!("{other}"),
        };
    }
    assert_eq!(decoded(&marked), decoded(&object));
    let mut kept = object.clone();
    kept["contact"]["phone"] = json!("010&nbsp;5555");
    kept["patent"]["number"] = json!("CN1<br>");
    let resource = decoded(&kept);
    assert_eq!(resource.contact.unwrap().phone, "010&nbsp;5555");
    assert_eq!(resource.patent.unwrap().number, "CN1<br>");
}

#[test]
fn public_drops_exactly_the_private_fields() {
    let resource = decoded(&full_object(Value::clone));
    let public = resource.public();
    for field in &RESOURCE_FIELDS {
        let value = (field.value)(&public);
        if field.private {
            assert_eq!(value, FieldValue::Absent, "{}", field.name);
        } else {
            assert_eq!(value, (field.value)(&resource), "{}", field.name);
        }
    }
}

#[test]
fn the_version_changes_with_exactly_the_hashed_fields() {
    let weights = Weights::default();
    for field in &RESOURCE_FIELDS {
        let mut base = full_object(Value::clone);
        if field.name == "kind" {
            // Only patents have patent details: compare two resources without them.
            base.as_object_mut().unwrap().remove("patent");
        }
        let version = catalog_version(&[decoded(&base)], &weights);
        let mut changed = base.clone();
        let slot = match field.nested() {
            Some((outer, inner)) => &mut changed[outer][inner],
            None => &mut changed[field.name],
        };
        *slot = match (field.name, field.shape) {
            ("id", _) => json!("p-2"),
            ("kind", _) => json!("achievement"),
            ("region", _) => json!("110101"),
            ("updated_at", _) => json!("2024-05-02T08:00:00Z"),
            ("contact.email", _) => json!("li@example.cn"),
            ("modes", _) => json!(["training"]),
            ("disciplines", _) => json!(["110"]),
            ("industries", _) => json!(["A"]),
            (_, Shape::Integer) => json!(5),
            (_, Shape::List) => json!(["另一个"]),
            (_, Shape::Text) => json!("另一个"),
        };
        let other = catalog_version(&[decoded(&changed)], &weights);
        assert_eq!(other != version, field.hashed, "{}", field.name);
    }
}

#[test]
fn private_fields_are_not_hashed() {
    for field in &RESOURCE_FIELDS {
        assert!(!(field.private && field.hashed), "{}", field.name);
    }
}

#[test]
fn every_header_names_one_field() {
    for field in &RESOURCE_FIELDS {
        assert_eq!(
            field_of_header(field.name).map(|f| f.name),
            Some(field.name)
        );
        assert_eq!(
            field_of_header(&field.name.to_ascii_uppercase()).map(|f| f.name),
            Some(field.name)
        );
        for header in field.headers_zh {
            assert_eq!(
                field_of_header(header).map(|f| f.name),
                Some(field.name),
                "{header}"
            );
            let owners = RESOURCE_FIELDS
                .iter()
                .filter(|other| other.name == *header || other.headers_zh.contains(header))
                .count();
            assert_eq!(owners, 1, "{header}");
        }
    }
    assert_eq!(
        field_of_header("\u{feff} 编号 ").map(|f| f.name),
        Some("id")
    );
    assert!(field_of_header("colour").is_none());
    assert!(field("patent.ipc").is_some_and(|field| field.shape == Shape::List));
}

/// The version of a resource with every field, as the hash wrote it before it read the table (with
/// the weights of the day: w4 since the absolute fit): the table must keep every catalog's version
/// (the golden file holds one too).
#[test]
fn the_version_of_a_full_resource_is_unchanged() {
    let resource = decoded(&full_object(Value::clone));
    let mut without_patent = resource.clone();
    without_patent.id = "p-0".to_string();
    without_patent.patent = None;
    assert_eq!(
        catalog_version(&[resource, without_patent], &Weights::default()),
        "c-19e4f2da3d823082"
    );
}

/// A list cell splits on `;` and `；`, except at the `;` that ends a character reference, which the
/// plain-text rule then decodes in free-text items.
#[test]
fn list_cells_split_on_semicolons_outside_references() {
    use duijie_core::jsonl::split_list;
    let cases: &[(&str, &[&str])] = &[
        ("a;b；c", &["a", "b", "c"]),
        (" a ;; b ；", &["a", "b"]),
        ("储能&lt;电站&gt;；热失控", &["储能&lt;电站&gt;", "热失控"]),
        ("R&D;x&#59;y;&amp;", &["R&D", "x&#59;y", "&amp;"]),
        ("&unknown;x", &["&unknown", "x"]),
        ("", &[]),
    ];
    for (cell, items) in cases {
        assert_eq!(split_list(cell), *items, "{cell}");
    }
    let mut object = full_object(Value::clone);
    object["keywords"] = json!("储能&lt;电站&gt;；热失控");
    assert_eq!(decoded(&object).keywords, ["储能<电站>", "热失控"]);
}
