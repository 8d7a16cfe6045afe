//! The fair's day over HTTP: brokers read the day, check participants in and record each meeting's
//! outcome, every request applied once per token and idempotency key; a follow-up records one
//! engagement intent with the fair's id, whoever records it and however often; the fair's figures
//! count it all.

use duijie_server::auth::{create_token, Scope};
use serde_json::{json, Value};

use crate::fairs::{accepted_fair, ok, setup};
use crate::support::Server;

/// A scheduled fair: the server, the editor's token, the fair's id.
fn scheduled(name: &str) -> (Server, String, String) {
    let (server, editor) = setup(name);
    let fair = accepted_fair(&server, &editor, 10, 30);
    ok(
        server.send(
            "POST",
            &format!("/api/v1/fairs/{fair}/schedule"),
            Some(&editor),
            None,
        ),
        200,
    );
    (server, editor, fair)
}

fn day(server: &Server, token: &str, fair: &str) -> Value {
    ok(
        server.send(
            "GET",
            &format!("/api/v1/fairs/{fair}/day"),
            Some(token),
            None,
        ),
        200,
    )
}

#[test]
fn the_day_lists_the_schedule_with_both_sides_for_brokers_only() {
    let (server, editor, fair) = scheduled("fair-day-read");
    let broker = server.token("broker");
    let view = day(&server, &broker, &fair);
    assert_eq!(view["fair"], fair.as_str());
    assert_eq!(view["revision"], 1);
    assert_eq!(view["slots"].as_array().unwrap().len(), 16);
    let schedule = ok(
        server.send(
            "GET",
            &format!("/api/v1/fairs/{fair}/schedule"),
            Some(&editor),
            None,
        ),
        200,
    );
    let meetings = view["meetings"].as_array().unwrap();
    assert!(!meetings.is_empty());
    assert_eq!(
        meetings.len(),
        schedule["meetings"].as_array().unwrap().len()
    );
    for (meeting, planned) in meetings
        .iter()
        .zip(schedule["meetings"].as_array().unwrap())
    {
        assert_eq!(meeting["request"], planned["request"]);
        assert_eq!(meeting["slot"], planned["slot"]);
        assert_eq!(meeting["table"], planned["table"]);
        assert_eq!(meeting["start"], planned["start"]);
        assert_eq!(
            meeting["need"],
            format!("need:{}", planned["need"].as_str().unwrap()).as_str()
        );
        assert!(!meeting["need_name"].as_str().unwrap().is_empty());
        assert!(!meeting["resource_name"].as_str().unwrap().is_empty());
        assert_eq!(meeting["outcome"], Value::Null);
    }
    assert!(view["participants"]
        .as_array()
        .unwrap()
        .iter()
        .all(|participant| participant["checked_in_at"].is_null()));
    assert_eq!(view["actions"], json!([]));

    // Scopes: no token 401; an enterprise 403 for reading and for writing; unknown fair 404.
    let request = meetings[0]["request"].as_str().unwrap();
    let participant = meetings[0]["need"].as_str().unwrap();
    let enterprise = create_token(&server.state.store, Scope::Enterprise, Some("某企业")).unwrap();
    let paths = [
        ("GET", format!("/api/v1/fairs/{fair}/day"), None),
        (
            "POST",
            format!("/api/v1/fairs/{fair}/checkins"),
            Some(json!({"participant": participant})),
        ),
        (
            "POST",
            format!("/api/v1/fairs/{fair}/meetings/{request}/outcome"),
            Some(json!({"outcome": "held"})),
        ),
    ];
    for (method, path, body) in &paths {
        let reply = server.send(method, path, None, body.as_ref());
        assert_eq!(reply.status, 401, "{path}");
        let reply = server.send(method, path, Some(&enterprise), body.as_ref());
        assert_eq!(reply.status, 403, "{path}: {}", reply.text());
        let missing = path.replace(&fair, "nofair");
        let reply = server.send(method, &missing, Some(&broker), body.as_ref());
        assert_eq!(reply.status, 404, "{missing}: {}", reply.text());
    }
    // Nothing was recorded by the refused requests.
    assert_eq!(day(&server, &editor, &fair)["actions"], json!([]));
}

#[test]
fn check_ins_and_outcomes_are_recorded_once_and_a_follow_up_makes_one_engagement() {
    let (server, editor, fair) = scheduled("fair-day-record");
    let broker = server.token("broker");
    let other_broker = server.token("broker");
    let view = day(&server, &broker, &fair);
    let meetings = view["meetings"].as_array().unwrap().clone();
    let first = meetings[0]["request"].as_str().unwrap().to_string();
    let second = meetings[1]["request"].as_str().unwrap().to_string();
    let need = meetings[0]["need"].as_str().unwrap().to_string();
    let resource = meetings[0]["resource"].as_str().unwrap().to_string();
    let checkins = format!("/api/v1/fairs/{fair}/checkins");
    let outcome = |request: &str| format!("/api/v1/fairs/{fair}/meetings/{request}/outcome");

    // A check-in, then its retry: one entry, the same answer.
    let body = json!({"participant": need, "idempotency_key": "k-1"});
    let checked = ok(
        server.send("POST", &checkins, Some(&broker), Some(&body)),
        201,
    );
    assert_eq!(checked["status"], "checked_in");
    assert_eq!(checked["action"]["participant"], need.as_str());
    let again = ok(
        server.send("POST", &checkins, Some(&broker), Some(&body)),
        200,
    );
    assert_eq!(again["id"], checked["id"]);
    // The same key with another body is refused; another token's same key is its own.
    let other = json!({"participant": resource, "idempotency_key": "k-1"});
    assert_eq!(
        server
            .send("POST", &checkins, Some(&broker), Some(&other))
            .status,
        409
    );
    ok(
        server.send("POST", &checkins, Some(&other_broker), Some(&other)),
        201,
    );
    // A participant the fair does not have, an unknown field: 422, nothing recorded.
    for bad in [
        json!({"participant": "need:nobody", "idempotency_key": "k-2"}),
        json!({"participant": need, "when": "now"}),
        json!({"idempotency_key": "k-3"}),
        json!({"participant": null}),
        json!({"participant": 7}),
        json!(["need:n-1"]),
    ] {
        let reply = server.send("POST", &checkins, Some(&broker), Some(&bad));
        assert_eq!(reply.status, 422, "{bad}: {}", reply.text());
    }

    // Outcomes: held, retried; then follow-up, retried; another broker's follow-up of the same
    // meeting; a no-show of another meeting by the organiser.
    let held = json!({"outcome": "held", "idempotency_key": "o-1"});
    let recorded = ok(
        server.send("POST", &outcome(&first), Some(&broker), Some(&held)),
        201,
    );
    assert_eq!(recorded["status"], "held");
    assert!(recorded.get("engagement").is_none());
    ok(
        server.send("POST", &outcome(&first), Some(&broker), Some(&held)),
        200,
    );
    // The same key for another meeting is another request.
    assert_eq!(
        server
            .send("POST", &outcome(&second), Some(&broker), Some(&held))
            .status,
        409
    );
    let follow = json!({"outcome": "follow_up", "note": "下周到厂", "idempotency_key": "o-2"});
    let followed = ok(
        server.send("POST", &outcome(&first), Some(&broker), Some(&follow)),
        201,
    );
    let engagement = followed["engagement"].as_str().unwrap().to_string();
    assert_eq!(engagement.len(), 32);
    let retried = ok(
        server.send("POST", &outcome(&first), Some(&broker), Some(&follow)),
        200,
    );
    assert_eq!(retried["engagement"], engagement.as_str());
    assert_eq!(retried["id"], followed["id"]);
    let by_other = ok(
        server.send(
            "POST",
            &outcome(&first),
            Some(&other_broker),
            Some(&json!({"outcome": "follow_up", "idempotency_key": "o-9"})),
        ),
        201,
    );
    assert_eq!(by_other["engagement"], engagement.as_str());
    ok(
        server.send(
            "POST",
            &outcome(&second),
            Some(&editor),
            Some(&json!({"outcome": "no_show"})),
        ),
        201,
    );
    for (path, bad, status) in [
        (outcome(&first), json!({"outcome": "maybe"}), 422),
        (outcome(&first), json!({}), 422),
        (outcome("no-such-request"), json!({"outcome": "held"}), 404),
    ] {
        let reply = server.send("POST", &path, Some(&broker), Some(&bad));
        assert_eq!(reply.status, status, "{bad}: {}", reply.text());
    }

    // The log holds each request once, in order.
    let view = day(&server, &editor, &fair);
    let actions: Vec<(&str, &str)> = view["actions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|action| {
            (
                action["kind"].as_str().unwrap(),
                action["outcome"]
                    .as_str()
                    .or(action["participant"].as_str())
                    .unwrap(),
            )
        })
        .collect();
    assert_eq!(
        actions,
        vec![
            ("check_in", need.as_str()),
            ("check_in", resource.as_str()),
            ("outcome", "held"),
            ("outcome", "follow_up"),
            ("outcome", "follow_up"),
            ("outcome", "no_show"),
        ]
    );
    let shown = |request: &str| {
        view["meetings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|meeting| meeting["request"] == request)
            .unwrap()["outcome"]
            .clone()
    };
    assert_eq!(shown(&first), "follow_up");
    assert_eq!(shown(&second), "no_show");
    let checked_in = |id: &str| {
        view["participants"]
            .as_array()
            .unwrap()
            .iter()
            .find(|participant| participant["id"] == id)
            .unwrap()["checked_in_at"]
            .clone()
    };
    assert_eq!(checked_in(&need), checked["action"]["at"]);
    assert!(checked_in(&resource).is_string());

    // Stored: another service on the same data folder (a replica, or this one after a restart)
    // reads the same day.
    let replica = Server::start_with(&server.data, &[]);
    let replica_token = replica.token("broker");
    assert_eq!(
        day(&replica, &replica_token, &fair)["actions"],
        view["actions"]
    );
    assert_eq!(
        day(&replica, &replica_token, &fair)["meetings"],
        view["meetings"]
    );

    // One engagement, with the fair's id, the need and the meeting's resource, recorded by the
    // first broker's token.
    let list = ok(
        server.send(
            "GET",
            &format!("/api/v1/engagements?fair={fair}"),
            Some(&editor),
            None,
        ),
        200,
    );
    assert_eq!(list["total"], 1, "{list}");
    let recorded = &list["items"][0];
    assert_eq!(recorded["id"], engagement.as_str());
    assert_eq!(recorded["fair"], fair.as_str());
    assert_eq!(recorded["status"], "intent");
    assert_eq!(
        recorded["resource_id"],
        resource.strip_prefix("resource:").unwrap()
    );
    assert_eq!(recorded["need_id"], need.strip_prefix("need:").unwrap());
    assert_eq!(recorded["enterprise"], meetings[0]["need_name"]);
    assert!(!recorded["need"]["text"].as_str().unwrap().is_empty());
    // The broker who first asked for it owns it: it can follow it up.
    ok(
        server.send(
            "GET",
            &format!("/api/v1/engagements/{engagement}"),
            Some(&broker),
            None,
        ),
        200,
    );
    ok(
        server.send(
            "POST",
            &format!("/api/v1/engagements/{engagement}/transitions"),
            Some(&broker),
            Some(&json!({"to": "contacted"})),
        ),
        200,
    );

    // The fair's figures count it all, and the follow-up's later stage.
    let stats = ok(
        server.send(
            "GET",
            &format!("/api/v1/fairs/{fair}/stats"),
            Some(&broker),
            None,
        ),
        200,
    );
    assert_eq!(
        stats["outcomes"],
        json!({"checked_in": 2, "recorded": 2, "held": 1, "no_shows": 1, "follow_ups": 1})
    );
    assert_eq!(stats["follow_ups"]["engagements"], 1);
    assert_eq!(stats["follow_ups"]["status"]["contacted"], 1);
}
