//! `duijie schedule` as a real process: the JSON and table answers, re-planning from a previous
//! schedule, and each located error with exit code 2.

use serde_json::{json, Value};

use crate::cli::{duijie, stdout_json, temp_dir, write};

/// Two slots, two tables. `exp-2` is there only in slot 1 and `ent-2` takes one meeting, so the
/// optimum holds r1, r2 and r3 (0.9 + 0.8 + 0.7) and leaves r4; r2 is locked at slot 1, table 1.
fn fair() -> Value {
    json!({
        "slots": 2,
        "tables": 2,
        "participants": [
            {"id": "ent-1", "available": [0, 1], "max_meetings": 2},
            {"id": "ent-2", "available": [0, 1], "max_meetings": 1},
            {"id": "exp-1", "available": [0, 1], "max_meetings": 2},
            {"id": "exp-2", "available": [1], "max_meetings": 1}
        ],
        "requests": [
            {"id": "r1", "a": "ent-1", "b": "exp-1", "weight": 0.9},
            {"id": "r2", "a": "ent-2", "b": "exp-1", "weight": 0.8, "lock": {"slot": 1, "table": 1}},
            {"id": "r3", "a": "ent-1", "b": "exp-2", "weight": 0.7},
            {"id": "r4", "a": "ent-2", "b": "exp-2", "weight": 0.6}
        ]
    })
}

/// Runs `duijie schedule --fair FILE` with `extra` arguments on `fair`; returns the output and the
/// file's path.
fn schedule(name: &str, fair: &Value, extra: &[&str]) -> (std::process::Output, String) {
    let dir = temp_dir(name);
    let path = write(&dir, "fair.json", fair.to_string());
    let path = path.to_str().expect("a UTF-8 path").to_string();
    let mut args = vec!["schedule", "--fair", path.as_str()];
    args.extend_from_slice(extra);
    (duijie(&args), path)
}

/// The error of a refused fair: exit code 2, nothing on stdout, the message on stderr.
fn refused(name: &str, fair: &Value) -> String {
    let (output, path) = schedule(name, fair, &["--json"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(output.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&output.stderr).trim().to_string();
    stderr
        .strip_prefix(&format!("duijie: {path}: "))
        .unwrap_or_else(|| panic!("not located in the file: {stderr}"))
        .to_string()
}

#[test]
fn schedule_json_has_the_documented_shape_and_the_optimum() {
    let (output, _) = schedule("json", &fair(), &["--json"]);
    let answer = stdout_json(&output);
    let mut keys: Vec<&str> = answer
        .as_object()
        .expect("an object")
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    assert_eq!(keys, ["meetings", "objective", "unscheduled"]);
    // The documented order, as printed.
    let raw = String::from_utf8_lossy(&output.stdout);
    let at = |key: &str| {
        raw.find(&format!("\n  \"{key}\""))
            .expect("a top-level key")
    };
    assert!(at("meetings") < at("unscheduled") && at("unscheduled") < at("objective"));
    assert_eq!(
        answer["meetings"],
        json!([
            {"request": "r1", "slot": 0, "table": 0},
            {"request": "r3", "slot": 1, "table": 0},
            {"request": "r2", "slot": 1, "table": 1}
        ])
    );
    assert_eq!(answer["unscheduled"], json!(["r4"]));
    let objective = answer["objective"].as_f64().expect("a number");
    assert!((objective - 2.4).abs() < 1e-9, "{objective}");

    let (output, _) = schedule("bound", &fair(), &["--json", "--bound"]);
    let answer = stdout_json(&output);
    let bound = answer["upper_bound"].as_f64().expect("a bound");
    assert!(bound >= objective - 1e-9, "{bound} < {objective}");
}

#[test]
fn schedule_prints_a_readable_table() {
    let (output, path) = schedule("table", &fair(), &["--bound"]);
    assert!(output.status.success());
    let stdout = String::from_utf8_lossy(&output.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(
        lines[0],
        format!("{path} · 2 slots × 2 tables · 4 participants · 4 requests")
    );
    assert!(
        lines[1].starts_with("3 meetings, 1 unscheduled, objective 2.4000 (upper bound "),
        "{}",
        lines[1]
    );
    let rows: Vec<Vec<&str>> = lines[3..6]
        .iter()
        .map(|line| line.split_whitespace().collect())
        .collect();
    assert_eq!(rows[0], ["0", "0", "r1", "ent-1", "exp-1", "0.9000"]);
    assert_eq!(rows[1], ["1", "0", "r3", "ent-1", "exp-2", "0.7000"]);
    assert_eq!(
        rows[2],
        ["1", "1", "r2", "ent-2", "exp-1", "0.8000", "locked"]
    );
    assert_eq!(lines[6], "unscheduled: r4");
}

#[test]
fn schedule_replans_from_a_previous_schedule() {
    // Four enterprises want the one expert; the earlier schedule is locked where printed.
    let mut fair = json!({
        "slots": 3,
        "tables": 1,
        "participants": [
            {"id": "exp", "available": [0, 1, 2], "max_meetings": 3},
            {"id": "e1", "available": [0, 1, 2], "max_meetings": 1},
            {"id": "e2", "available": [0, 1, 2], "max_meetings": 1},
            {"id": "e3", "available": [0, 1, 2], "max_meetings": 1},
            {"id": "e4", "available": [0, 1, 2], "max_meetings": 1}
        ],
        "requests": [
            {"id": "r1", "a": "e1", "b": "exp", "weight": 0.9},
            {"id": "r2", "a": "e2", "b": "exp", "weight": 0.8},
            {"id": "r3", "a": "e3", "b": "exp", "weight": 0.7},
            {"id": "r4", "a": "e4", "b": "exp", "weight": 0.6}
        ]
    });
    let (output, _) = schedule("first", &fair, &["--json"]);
    let previous = stdout_json(&output);
    assert_eq!(previous["unscheduled"], json!(["r4"]));
    let place = |id: &str| {
        previous["meetings"]
            .as_array()
            .expect("a list")
            .iter()
            .find(|meeting| meeting["request"] == id)
            .expect("scheduled")
            .clone()
    };
    // Publish r1 and r3, then r2 is cancelled: r4 takes its place.
    let requests = fair["requests"].as_array_mut().expect("a list");
    requests.retain(|request| request["id"] != "r2");
    for request in requests.iter_mut() {
        let id = request["id"].as_str().expect("an id").to_string();
        if id == "r1" || id == "r3" {
            let meeting = place(&id);
            request["lock"] = json!({"slot": meeting["slot"], "table": meeting["table"]});
        }
    }
    let dir = temp_dir("previous");
    let previous_path = write(&dir, "previous.json", previous.to_string());
    let (output, _) = schedule(
        "replan",
        &fair,
        &[
            "--json",
            "--previous",
            previous_path.to_str().expect("a UTF-8 path"),
        ],
    );
    let answer = stdout_json(&output);
    assert_eq!(answer["unscheduled"], json!([]));
    let meetings = answer["meetings"].as_array().expect("a list");
    for id in ["r1", "r3"] {
        let meeting = meetings
            .iter()
            .find(|meeting| meeting["request"] == id)
            .expect("kept");
        assert_eq!(meeting, &place(id), "{id} moved");
    }
    assert_eq!(
        meetings
            .iter()
            .find(|meeting| meeting["request"] == "r4")
            .expect("r4 scheduled")["slot"],
        place("r2")["slot"]
    );
}

#[test]
fn a_malformed_fair_is_a_located_error() {
    let dir = temp_dir("not-json");
    let path = write(&dir, "fair.json", "{\"slots\": 2,");
    let path = path.to_str().expect("a UTF-8 path");
    let output = duijie(&["schedule", "--fair", path]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.starts_with(&format!("duijie: {path}: not JSON: ")),
        "{stderr}"
    );

    let mut bad = fair();
    bad["requests"][2]["weight"] = json!("high");
    assert_eq!(
        refused("weight", &bad),
        "request r3: weight: must be a number"
    );
    let mut bad = fair();
    bad["requests"][0]["colour"] = json!("red");
    assert_eq!(
        refused("unknown-field", &bad),
        "request r1: colour: unknown field (known: id, a, b, weight, lock)"
    );
    let mut bad = fair();
    bad["participants"][1]["available"] = json!([0, -1]);
    assert_eq!(
        refused("available", &bad),
        "participant ent-2: available[1]: must be a slot number (a whole number from 0)"
    );
    let mut bad = fair();
    bad.as_object_mut().expect("an object").remove("tables");
    assert_eq!(refused("tables", &bad), "fair: tables: is required");
    let mut bad = fair();
    bad["requests"][1]["lock"] = json!({"slot": 1});
    assert_eq!(
        refused("lock-table", &bad),
        "request r2: lock.table: is required"
    );
}

#[test]
fn an_unknown_participant_is_a_located_error() {
    let mut bad = fair();
    bad["requests"][3]["b"] = json!("exp-9");
    assert_eq!(
        refused("unknown", &bad),
        "request r4: b: unknown participant 'exp-9'"
    );
}

#[test]
fn an_infeasible_lock_is_a_located_error() {
    let mut bad = fair();
    bad["requests"][2]["lock"] = json!({"slot": 0, "table": 1});
    assert_eq!(
        refused("absent", &bad),
        "request r3: lock.slot: participant 'exp-2' is not present at slot 0"
    );
    let mut bad = fair();
    bad["requests"][0]["lock"] = json!({"slot": 1, "table": 1});
    bad["requests"][1]["lock"] = Value::Null;
    bad["requests"][2]["lock"] = json!({"slot": 1, "table": 1});
    assert_eq!(
        refused("table-taken", &bad),
        "request r3: lock.table: table 1 at slot 1 is already locked for request r1"
    );
    let mut bad = fair();
    bad["requests"][0]["lock"] = json!({"slot": 1, "table": 0});
    assert_eq!(
        refused("double-booked", &bad),
        "request r2: lock.slot: participant 'exp-1' is already locked into request r1 at slot 1"
    );
    let mut bad = fair();
    bad["participants"][3]["available"] = json!([0, 1]);
    bad["requests"][3]["lock"] = json!({"slot": 0, "table": 0});
    assert_eq!(
        refused("over-max", &bad),
        "request r4: lock: participant 'ent-2' would have more locked meetings than max_meetings (1)"
    );
}
