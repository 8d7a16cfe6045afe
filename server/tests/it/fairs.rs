//! Docking fairs over HTTP: an organiser sets a fair up, registers participants one by one and from
//! a file, sends the suggested requests, the other sides answer, the fair is scheduled, published
//! and re-planned after a cancellation, a no-show and a late registration without moving a
//! published meeting; agendas print and load into calendars.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use duijie_server::auth::{create_token, Scope};
use serde_json::{json, Value};

use crate::needs::{random_catalog, random_needs};
use crate::support::{jsonl, Reply, Server};

/// 09:00–12:00 with a break 10:20–10:40, 20-minute slots, over two days: 8 slots a day.
pub fn settings(deadline: &str) -> Value {
    json!({
        "name": "2030 佛山科技成果对接会",
        "venue": "佛山国际会议中心 A 厅",
        "region": "广东省佛山市",
        "days": ["2030-06-01", "2030-06-02"],
        "day_start": "09:00",
        "day_end": "12:00",
        "breaks": [{"start": "10:20", "end": "10:40"}],
        "slot_minutes": 20,
        "tables": 3,
        "max_meetings": 4,
        "request_deadline": deadline,
    })
}

pub const FUTURE: &str = "2099-01-01T00:00:00+08:00";
pub const PAST: &str = "2000-01-01T00:00:00+08:00";

/// A server with a random catalog and needs: the editor's token.
pub(crate) fn setup(name: &str) -> (Server, String) {
    let server = Server::start_config(name, "match_rate = 0\n");
    let editor = server.token("editor");
    let reply = server.import(
        "?format=jsonl&mode=replace&allow_shrink=true",
        &editor,
        "application/x-ndjson",
        &jsonl(&random_catalog(3, 60)),
    );
    assert_eq!(reply.status, 200, "{}", reply.text());
    let reply = server.request(
        "POST",
        "/api/v1/needs/import?format=jsonl",
        Some(&editor),
        &[],
        Some(("application/x-ndjson", jsonl(&random_needs(3, 16)))),
    );
    assert_eq!(reply.status, 200, "{}", reply.text());
    (server, editor)
}

fn create_fair(server: &Server, editor: &str, deadline: &str) -> String {
    let reply = server.send(
        "POST",
        "/api/v1/fairs",
        Some(editor),
        Some(&settings(deadline)),
    );
    assert_eq!(reply.status, 201, "{}", reply.text());
    reply.json()["id"].as_str().unwrap().to_string()
}

pub(crate) fn ok(reply: Reply, status: u16) -> Value {
    assert_eq!(reply.status, status, "{}", reply.text());
    reply.json()
}

/// Checks a schedule against every rule, independently of the scheduler: nobody twice in a slot,
/// both sides there, distinct tables within the fair's, nobody over their maximum.
fn check_schedule(server: &Server, editor: &str, fair: &str) -> Value {
    let schedule = ok(
        server.send(
            "GET",
            &format!("/api/v1/fairs/{fair}/schedule"),
            Some(editor),
            None,
        ),
        200,
    );
    let participants = ok(
        server.send(
            "GET",
            &format!("/api/v1/fairs/{fair}/participants"),
            Some(editor),
            None,
        ),
        200,
    );
    let view = ok(
        server.send("GET", &format!("/api/v1/fairs/{fair}"), Some(editor), None),
        200,
    );
    let tables = view["tables"].as_u64().unwrap() as usize;
    let fair_max = view["max_meetings"].as_u64().unwrap() as usize;
    // The person each participant is: an enterprise for its needs.
    let mut person_of: HashMap<String, String> = HashMap::new();
    let mut available: HashMap<String, BTreeSet<u64>> = HashMap::new();
    let mut max: HashMap<String, usize> = HashMap::new();
    for participant in participants["items"].as_array().unwrap() {
        let id = participant["id"].as_str().unwrap().to_string();
        let person = if participant["need"].is_string() {
            format!("enterprise:{}", participant["name"].as_str().unwrap())
        } else {
            id.clone()
        };
        if participant["presence"] == "present" {
            available.entry(person.clone()).or_default().extend(
                participant["slots"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|slot| slot.as_u64().unwrap()),
            );
            let own = participant["max_meetings"]
                .as_u64()
                .map_or(fair_max, |n| n as usize);
            let entry = max.entry(person.clone()).or_insert(fair_max);
            *entry = (*entry).min(own);
        }
        person_of.insert(id, person);
    }
    let mut busy: BTreeSet<(String, u64)> = BTreeSet::new();
    let mut seats: BTreeSet<(u64, u64)> = BTreeSet::new();
    let mut count: BTreeMap<String, usize> = BTreeMap::new();
    for meeting in schedule["meetings"].as_array().unwrap() {
        let slot = meeting["slot"].as_u64().unwrap();
        let table = meeting["table"].as_u64().unwrap();
        assert!((table as usize) < tables, "{meeting}");
        assert!(
            seats.insert((slot, table)),
            "two meetings at one table: {meeting}"
        );
        for side in [
            format!("need:{}", meeting["need"].as_str().unwrap()),
            format!("resource:{}", meeting["resource"].as_str().unwrap()),
        ] {
            let person = person_of[&side].clone();
            assert!(
                available[&person].contains(&slot),
                "{person} is not there at {slot}"
            );
            assert!(
                busy.insert((person.clone(), slot)),
                "{person} twice at {slot}"
            );
            *count.entry(person).or_default() += 1;
        }
    }
    for (person, n) in count {
        assert!(n <= max[&person], "{person}: {n} meetings");
    }
    schedule
}

fn places(schedule: &Value) -> BTreeMap<String, (u64, u64, bool)> {
    schedule["meetings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|meeting| {
            (
                meeting["request"].as_str().unwrap().to_string(),
                (
                    meeting["slot"].as_u64().unwrap(),
                    meeting["table"].as_u64().unwrap(),
                    meeting["published"].as_bool().unwrap(),
                ),
            )
        })
        .collect()
}

/// Registers the first `needs` stored needs one by one and the first `resources` resources from a
/// CSV with Chinese headers (the odd ones for the morning of the first day only). Returns the
/// stored needs' ids.
fn register(
    server: &Server,
    editor: &str,
    fair: &str,
    needs: usize,
    resources: usize,
) -> Vec<String> {
    let stored = random_needs(3, 16);
    let mut ids = Vec::new();
    for need in stored.iter().take(needs) {
        let id = need["id"].as_str().unwrap().to_string();
        ok(
            server.send(
                "POST",
                &format!("/api/v1/fairs/{fair}/participants"),
                Some(editor),
                Some(&json!({"need": id})),
            ),
            201,
        );
        ids.push(id);
    }
    let mut csv = String::from("资源编号,时段,最多洽谈数\n");
    for resource in random_catalog(3, 60).iter().take(resources) {
        let id = resource["id"].as_str().unwrap();
        let odd = id.ends_with(['1', '3', '5', '7', '9']);
        csv.push_str(&format!(
            "{id},{},{}\n",
            if odd { "0;1;2;3" } else { "" },
            if odd { "2" } else { "" }
        ));
    }
    let reply = server.request(
        "POST",
        &format!("/api/v1/fairs/{fair}/participants/import?format=csv"),
        Some(editor),
        &[],
        Some(("text/csv", csv.into_bytes())),
    );
    let answer = ok(reply, 200);
    assert_eq!(answer["added"], resources);
    ids
}

#[test]
fn a_fair_is_set_up_with_its_slots_and_located_errors() {
    let (server, editor) = setup("fair-setup");
    let reply = server.send(
        "POST",
        "/api/v1/fairs",
        Some(&editor),
        Some(&settings(FUTURE)),
    );
    let fair = ok(reply, 201);
    let slots = fair["slots"].as_array().unwrap();
    assert_eq!(slots.len(), 16);
    let starts: Vec<&str> = slots[..8]
        .iter()
        .map(|slot| slot["start"].as_str().unwrap())
        .collect();
    assert_eq!(
        starts,
        ["09:00", "09:20", "09:40", "10:00", "10:40", "11:00", "11:20", "11:40"]
    );
    assert_eq!(slots[8]["day"], "2030-06-02");
    assert_eq!(fair["region"], "440600");
    // Every wrong field is named.
    let mut bad = settings(FUTURE);
    bad["days"] = json!(["2030-06-02", "2030-02-30"]);
    bad["day_end"] = json!("08:00");
    bad["tables"] = json!(0);
    bad["colour"] = json!("red");
    bad["request_deadline"] = json!("tomorrow");
    let reply = server.send("POST", "/api/v1/fairs", Some(&editor), Some(&bad));
    assert_eq!(reply.status, 422, "{}", reply.text());
    let fields: BTreeSet<String> = reply.json()["error"]["details"]["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|error| error["field"].as_str().unwrap().to_string())
        .collect();
    for field in ["days[1]", "day_end", "tables", "colour", "request_deadline"] {
        assert!(fields.contains(field), "{field} not in {fields:?}");
    }
    // Brokers and enterprises read fairs but do not make them.
    let broker = server.token("broker");
    assert_eq!(
        server
            .send(
                "POST",
                "/api/v1/fairs",
                Some(&broker),
                Some(&settings(FUTURE))
            )
            .status,
        403
    );
    let id = fair["id"].as_str().unwrap();
    assert_eq!(
        ok(
            server.send("GET", "/api/v1/fairs", Some(&broker), None),
            200
        )["items"][0]["id"],
        id
    );
    // A PUT that would drop a participant's slot is refused; one that keeps them is stored.
    ok(
        server.send(
            "POST",
            &format!("/api/v1/fairs/{id}/participants"),
            Some(&editor),
            Some(&json!({"need": "n-3-000", "slots": [15]})),
        ),
        201,
    );
    let mut shorter = settings(FUTURE);
    shorter["days"] = json!(["2030-06-01"]);
    assert_eq!(
        server
            .send(
                "PUT",
                &format!("/api/v1/fairs/{id}"),
                Some(&editor),
                Some(&shorter)
            )
            .status,
        409
    );
    let mut renamed = settings(FUTURE);
    renamed["name"] = json!("改名的对接会");
    let stored = ok(
        server.send(
            "PUT",
            &format!("/api/v1/fairs/{id}"),
            Some(&editor),
            Some(&renamed),
        ),
        200,
    );
    assert_eq!(stored["name"], "改名的对接会");
    assert_eq!(stored["counts"]["participants"], 1);
}

#[test]
fn participants_import_is_located_and_all_or_nothing() {
    let (server, editor) = setup("fair-import");
    let fair = create_fair(&server, &editor, FUTURE);
    let import = |csv: &str| {
        server.request(
            "POST",
            &format!("/api/v1/fairs/{fair}/participants/import?format=csv"),
            Some(&editor),
            &[],
            Some(("text/csv", csv.as_bytes().to_vec())),
        )
    };
    // A row that names both sides is refused where it is.
    let reply = import("need,resource,slots,max_meetings\nn-3-000,,0;1,\nn-3-001,r-3-002,,\n");
    assert_eq!(reply.status, 422, "{}", reply.text());
    let error = reply.json()["error"]["details"]["errors"][0].clone();
    assert_eq!(
        (error["line"].clone(), error["field"].clone()),
        (json!(3), json!("need"))
    );
    // Rows checked against the fair: a slot it lacks, a need not stored.
    let reply =
        import("需求编号,资源编号,时段,最多洽谈数\nn-3-000,,0;1,\n,r-3-001,16,\nn-missing,,,\n");
    assert_eq!(reply.status, 422, "{}", reply.text());
    let errors = reply.json()["error"]["details"]["errors"].clone();
    let text = errors.to_string();
    assert!(text.contains("slot 16 does not exist"), "{text}");
    assert!(
        text.contains("no stored need with id 'n-missing'"),
        "{text}"
    );
    assert_eq!(errors[0]["id"], "resource:r-3-001", "{text}");
    let listed = ok(
        server.send(
            "GET",
            &format!("/api/v1/fairs/{fair}/participants"),
            Some(&editor),
            None,
        ),
        200,
    );
    assert_eq!(
        listed["items"].as_array().unwrap().len(),
        0,
        "nothing was imported"
    );
    // JSON Lines, then the same again: updated, not added twice.
    let lines = jsonl(&[
        json!({"need": "n-3-000", "slots": [0, 1]}),
        json!({"resource": "r-3-001"}),
    ]);
    for (added, updated) in [(2, 0), (0, 2)] {
        let answer = ok(
            server.request(
                "POST",
                &format!("/api/v1/fairs/{fair}/participants/import?format=jsonl"),
                Some(&editor),
                &[],
                Some(("application/x-ndjson", lines.clone())),
            ),
            200,
        );
        assert_eq!(
            (answer["added"].clone(), answer["updated"].clone()),
            (json!(added), json!(updated))
        );
    }
}

#[test]
fn suggestions_carry_the_fit_post_match_gives_and_requests_are_answered() {
    let (server, editor) = setup("fair-requests");
    let fair = create_fair(&server, &editor, FUTURE);
    let needs = register(&server, &editor, &fair, 8, 30);
    let suggested = ok(
        server.send(
            "GET",
            &format!("/api/v1/fairs/{fair}/suggestions?limit=40"),
            Some(&editor),
            None,
        ),
        200,
    );
    let items = suggested["items"].as_array().unwrap().clone();
    assert!(items.len() >= 10, "{suggested}");
    let fits: Vec<f64> = items
        .iter()
        .map(|item| item["fit"].as_f64().unwrap())
        .collect();
    assert!(fits.windows(2).all(|pair| pair[0] >= pair[1]), "{fits:?}");
    // The fit is the number POST /api/v1/match gives the pair.
    let stored: HashMap<String, Value> = random_needs(3, 16)
        .into_iter()
        .map(|need| (need["id"].as_str().unwrap().to_string(), need))
        .collect();
    for item in items.iter().take(5) {
        let need = &stored[item["need"].as_str().unwrap()];
        let mut as_need = serde_json::Map::new();
        for key in [
            "title",
            "text",
            "keywords",
            "industries",
            "region",
            "modes",
            "kinds",
        ] {
            if let Some(value) = need.get(key) {
                as_need.insert(key.to_string(), value.clone());
            }
        }
        let answer = ok(
            server.send(
                "POST",
                "/api/v1/match",
                None,
                Some(&json!({"need": as_need, "limit": 100})),
            ),
            200,
        );
        let score = answer["results"]
            .as_array()
            .unwrap()
            .iter()
            .find(|result| result["id"] == item["resource"])
            .map(|result| result["score"].as_f64().unwrap())
            .expect("the suggested resource is among the need's matches");
        assert_eq!(
            score.to_bits(),
            item["fit"].as_f64().unwrap().to_bits(),
            "{item}"
        );
    }
    // The organiser sends them in bulk; a pair sent twice is skipped.
    let pairs: Vec<Value> = items
        .iter()
        .map(|item| json!({"need": item["need"], "resource": item["resource"]}))
        .collect();
    let sent = ok(
        server.send(
            "POST",
            &format!("/api/v1/fairs/{fair}/requests/bulk"),
            Some(&editor),
            Some(&json!({"requests": pairs})),
        ),
        201,
    );
    let requests = sent["items"].as_array().unwrap().clone();
    assert_eq!(requests.len(), items.len());
    assert!(requests.iter().all(|request| request["suggested"] == true));
    assert_eq!(requests[0]["fit"], items[0]["fit"]);
    let again = ok(
        server.send(
            "POST",
            &format!("/api/v1/fairs/{fair}/requests/bulk"),
            Some(&editor),
            Some(&json!({"requests": [pairs[0]]})),
        ),
        201,
    );
    assert_eq!(again["existing"], 1);
    let bad = server.send(
        "POST",
        &format!("/api/v1/fairs/{fair}/requests/bulk"),
        Some(&editor),
        Some(&json!({"requests": [pairs[0], {"need": "n-3-015", "resource": "r-3-059"}]})),
    );
    assert_eq!(bad.status, 422, "{}", bad.text());
    assert!(bad.text().contains("requests[1].need"), "{}", bad.text());
    // No suggestion is a pair already requested.
    let left = ok(
        server.send(
            "GET",
            &format!("/api/v1/fairs/{fair}/suggestions?limit=2000"),
            Some(&editor),
            None,
        ),
        200,
    );
    for item in left["items"].as_array().unwrap() {
        assert!(!pairs.contains(&json!({"need": item["need"], "resource": item["resource"]})));
    }

    // The other side answers. A decline needs a reason from the fixed list.
    let broker = server.token("broker");
    let first = requests[0]["id"].as_str().unwrap();
    let answer_path = |id: &str| format!("/api/v1/fairs/{fair}/requests/{id}/answer");
    let reply = server.send(
        "POST",
        &answer_path(first),
        Some(&broker),
        Some(&json!({"decision": "decline"})),
    );
    assert_eq!(reply.status, 422, "{}", reply.text());
    assert_eq!(
        reply.json()["error"]["details"]["errors"][0]["field"],
        "reason"
    );
    let reply = server.send(
        "POST",
        &answer_path(first),
        Some(&broker),
        Some(&json!({"decision": "decline", "reason": "busy"})),
    );
    assert_eq!(reply.status, 422);
    let declined = ok(
        server.send(
            "POST",
            &answer_path(first),
            Some(&broker),
            Some(&json!({"decision": "decline", "reason": "too_early"})),
        ),
        200,
    );
    assert_eq!(
        (declined["status"].clone(), declined["reason"].clone()),
        (json!("declined"), json!("too_early"))
    );
    let reply = server.send(
        "POST",
        &answer_path(first),
        Some(&broker),
        Some(&json!({"decision": "accept"})),
    );
    assert_eq!(reply.status, 409, "answered once");
    // Before the deadline the organiser does not answer for the participants.
    let second = requests[1]["id"].as_str().unwrap();
    let reply = server.send(
        "POST",
        &answer_path(second),
        Some(&editor),
        Some(&json!({"decision": "accept"})),
    );
    assert_eq!(reply.status, 409, "{}", reply.text());
    assert!(reply.text().contains("deadline"), "{}", reply.text());

    // An enterprise requests for its own needs only, answers the others' requests of its needs,
    // and sees only its needs' requests.
    let organization = stored[&needs[0]]["organization"]
        .as_str()
        .unwrap()
        .to_string();
    let enterprise =
        create_token(&server.state.store, Scope::Enterprise, Some(&organization)).unwrap();
    let foreign = needs
        .iter()
        .find(|id| stored[*id]["organization"] != organization.as_str())
        .unwrap();
    let reply = server.send(
        "POST",
        &format!("/api/v1/fairs/{fair}/requests"),
        Some(&enterprise),
        Some(&json!({"need": foreign, "resource": "r-3-000"})),
    );
    assert_eq!(reply.status, 403, "{}", reply.text());
    let reply = server.send(
        "POST",
        &format!("/api/v1/fairs/{fair}/requests"),
        Some(&enterprise),
        Some(&json!({"need": needs[0], "resource": "r-3-029", "priority": 3})),
    );
    assert_eq!(reply.status, 422, "only the organiser sets a priority");
    let own = server.send(
        "POST",
        &format!("/api/v1/fairs/{fair}/requests"),
        Some(&enterprise),
        Some(&json!({"need": needs[0], "resource": "r-3-029", "note": "希望面谈"})),
    );
    let own = ok(own, 201);
    assert_eq!(own["requested_by"], "enterprise");
    let reply = server.send(
        "POST",
        &answer_path(own["id"].as_str().unwrap()),
        Some(&enterprise),
        Some(&json!({"decision": "accept"})),
    );
    assert_eq!(reply.status, 403, "the other side answers");
    // The fair's participants: an enterprise sees the resources and its own needs only, not the
    // other enterprises' names and need titles.
    let listed = |token: &str| {
        ok(
            server.send(
                "GET",
                &format!("/api/v1/fairs/{fair}/participants"),
                Some(token),
                None,
            ),
            200,
        )["items"]
            .as_array()
            .unwrap()
            .clone()
    };
    let all = listed(&broker);
    let seen = listed(&enterprise);
    let resources = |items: &[Value]| items.iter().filter(|p| p["resource"].is_string()).count();
    assert!(all.iter().any(|p| p["need"] == foreign.as_str()));
    assert!(seen.iter().any(|p| p["need"] == needs[0].as_str()));
    assert!(
        seen.iter()
            .all(|p| !p["need"].is_string() || p["name"] == organization.as_str()),
        "{seen:?}"
    );
    assert_eq!(resources(&seen), resources(&all));
    let accepted = ok(
        server.send(
            "POST",
            &answer_path(own["id"].as_str().unwrap()),
            Some(&broker),
            Some(&json!({"decision": "accept"})),
        ),
        200,
    );
    assert_eq!(accepted["answered_by"], "broker");
    let seen = ok(
        server.send(
            "GET",
            &format!("/api/v1/fairs/{fair}/requests"),
            Some(&enterprise),
            None,
        ),
        200,
    );
    let seen = seen["items"].as_array().unwrap();
    assert!(!seen.is_empty());
    let organization_of = |need: &str| stored[need]["organization"].as_str().unwrap().to_string();
    assert!(seen
        .iter()
        .all(|request| organization_of(request["need"].as_str().unwrap()) == organization));
    let reply = server.send(
        "POST",
        &format!("/api/v1/fairs/{fair}/requests"),
        Some(&enterprise),
        Some(&json!({"need": needs[0], "resource": "r-3-029"})),
    );
    assert_eq!(reply.status, 409, "the pair has a live request");
    // A pair with an unregistered side is located.
    let reply = server.send(
        "POST",
        &format!("/api/v1/fairs/{fair}/requests"),
        Some(&broker),
        Some(&json!({"need": needs[0], "resource": "r-3-059"})),
    );
    assert_eq!(reply.status, 422);
    assert_eq!(
        reply.json()["error"]["details"]["errors"][0]["field"],
        "resource"
    );
}

/// Sends every suggestion and has the organiser accept them after the deadline.
pub(crate) fn accepted_fair(
    server: &Server,
    editor: &str,
    name_needs: usize,
    resources: usize,
) -> String {
    let fair = create_fair(server, editor, PAST);
    register(server, editor, &fair, name_needs, resources);
    let suggested = ok(
        server.send(
            "GET",
            &format!("/api/v1/fairs/{fair}/suggestions?limit=60"),
            Some(editor),
            None,
        ),
        200,
    );
    let pairs: Vec<Value> = suggested["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| json!({"need": item["need"], "resource": item["resource"]}))
        .collect();
    let sent = ok(
        server.send(
            "POST",
            &format!("/api/v1/fairs/{fair}/requests/bulk"),
            Some(editor),
            Some(&json!({"requests": pairs})),
        ),
        201,
    );
    for request in sent["items"].as_array().unwrap() {
        let answered = ok(
            server.send(
                "POST",
                &format!(
                    "/api/v1/fairs/{fair}/requests/{}/answer",
                    request["id"].as_str().unwrap()
                ),
                Some(editor),
                Some(&json!({"decision": "accept"})),
            ),
            200,
        );
        assert_eq!(answered["answered_by"], "organizer");
    }
    fair
}

#[test]
fn replans_move_no_published_meeting() {
    let (server, editor) = setup("fair-replan");
    let fair = accepted_fair(&server, &editor, 10, 30);
    let path = format!("/api/v1/fairs/{fair}/schedule");
    assert_eq!(
        server
            .send("POST", &format!("{path}/publish"), Some(&editor), None)
            .status,
        409
    );
    let first = ok(server.send("POST", &path, Some(&editor), None), 200);
    assert_eq!(first["revision"], 1);
    let meetings = first["meetings"].as_array().unwrap().len();
    assert!(meetings >= 10, "{first}");
    check_schedule(&server, &editor, &fair);
    let published = ok(
        server.send("POST", &format!("{path}/publish"), Some(&editor), None),
        200,
    );
    assert_eq!(published["published"], meetings);
    let before = places(&published);

    // A cancellation, a no-show and a late registration with an accepted request.
    let cancelled = published["meetings"][0]["request"]
        .as_str()
        .unwrap()
        .to_string();
    let reply = server.send(
        "POST",
        &format!("/api/v1/fairs/{fair}/requests/{cancelled}/answer"),
        Some(&editor),
        Some(&json!({"decision": "cancel"})),
    );
    ok(reply, 200);
    let no_show = published["meetings"][1]["resource"]
        .as_str()
        .unwrap()
        .to_string();
    ok(
        server.send(
            "PUT",
            &format!("/api/v1/fairs/{fair}/participants/resource:{no_show}"),
            Some(&editor),
            Some(&json!({"resource": no_show, "presence": "no_show"})),
        ),
        200,
    );
    ok(
        server.send(
            "POST",
            &format!("/api/v1/fairs/{fair}/participants"),
            Some(&editor),
            Some(&json!({"resource": "r-3-050"})),
        ),
        201,
    );
    let late = ok(
        server.send(
            "POST",
            &format!("/api/v1/fairs/{fair}/requests"),
            Some(&editor),
            Some(&json!({"need": "n-3-000", "resource": "r-3-050", "priority": 5})),
        ),
        201,
    );
    ok(
        server.send(
            "POST",
            &format!(
                "/api/v1/fairs/{fair}/requests/{}/answer",
                late["id"].as_str().unwrap()
            ),
            Some(&editor),
            Some(&json!({"decision": "accept"})),
        ),
        200,
    );
    let second = ok(server.send("POST", &path, Some(&editor), None), 200);
    assert_eq!(second["revision"], 2);
    check_schedule(&server, &editor, &fair);
    let after = places(&second);
    assert!(
        second["meetings"]
            .as_array()
            .unwrap()
            .iter()
            .all(|meeting| meeting["resource"] != no_show.as_str()),
        "the no-show has no meeting"
    );
    for (request, place) in &before {
        let dropped = *request == cancelled
            || published["meetings"]
                .as_array()
                .unwrap()
                .iter()
                .any(|meeting| {
                    meeting["request"] == request.as_str()
                        && meeting["resource"] == no_show.as_str()
                });
        if dropped {
            assert!(!after.contains_key(request), "{request} left the schedule");
        } else {
            assert_eq!(
                after.get(request),
                Some(place),
                "published meeting {request} moved"
            );
        }
    }
    assert!(!after.contains_key(&cancelled));
}

/// Splits an iCalendar file into its unfolded content lines, checking RFC 5545's framing on the
/// way: CRLF endings only, no line over 75 octets, continuation lines starting with one space.
fn unfold(text: &str) -> Vec<String> {
    assert!(text.ends_with("\r\n"), "the file ends with CRLF");
    let mut lines: Vec<String> = Vec::new();
    for physical in text.strip_suffix("\r\n").unwrap().split("\r\n") {
        assert!(
            !physical.contains('\n') && !physical.contains('\r'),
            "bare line break: {physical:?}"
        );
        assert!(
            physical.len() <= 75,
            "{} octets: {physical}",
            physical.len()
        );
        match physical.strip_prefix(' ') {
            Some(rest) => lines
                .last_mut()
                .expect("a continuation after a line")
                .push_str(rest),
            None => lines.push(physical.to_string()),
        }
    }
    lines
}

/// The events of a calendar: each VEVENT's properties by name (parameters dropped).
fn events(text: &str) -> Vec<BTreeMap<String, String>> {
    let lines = unfold(text);
    assert_eq!(lines.first().map(String::as_str), Some("BEGIN:VCALENDAR"));
    assert_eq!(lines.last().map(String::as_str), Some("END:VCALENDAR"));
    assert!(lines.contains(&"VERSION:2.0".to_string()));
    assert!(lines.iter().any(|line| line.starts_with("PRODID:")));
    let mut events = Vec::new();
    let mut current: Option<BTreeMap<String, String>> = None;
    for line in &lines[1..lines.len() - 1] {
        let (name, value) = line
            .split_once(':')
            .unwrap_or_else(|| panic!("no colon: {line}"));
        let name = name.split(';').next().unwrap().to_string();
        assert!(
            name.chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '-'),
            "{name}"
        );
        match (name.as_str(), value) {
            ("BEGIN", "VEVENT") => {
                assert!(current.is_none(), "nested VEVENT");
                current = Some(BTreeMap::new());
            }
            ("END", "VEVENT") => events.push(current.take().expect("END without BEGIN")),
            _ => {
                if let Some(event) = current.as_mut() {
                    assert!(
                        event.insert(name.clone(), value.to_string()).is_none(),
                        "{name} twice"
                    );
                }
            }
        }
    }
    assert!(current.is_none(), "unclosed VEVENT");
    for event in &events {
        for required in ["UID", "DTSTAMP", "DTSTART", "DTEND", "SUMMARY", "SEQUENCE"] {
            assert!(
                event.contains_key(required),
                "{required} missing: {event:?}"
            );
        }
        for time in ["DTSTAMP", "DTSTART", "DTEND"] {
            let value = &event[time];
            assert!(
                value.len() == 16 && value.ends_with('Z') && value.as_bytes()[8] == b'T',
                "{time}: {value}"
            );
        }
    }
    events
}

/// A busy participant's calendar: the enterprise with the most meetings.
fn busiest(schedule: &Value) -> String {
    let mut count: BTreeMap<String, usize> = BTreeMap::new();
    for meeting in schedule["meetings"].as_array().unwrap() {
        *count
            .entry(format!(
                "resource:{}",
                meeting["resource"].as_str().unwrap()
            ))
            .or_default() += 1;
    }
    count
        .into_iter()
        .max_by_key(|(id, n)| (*n, std::cmp::Reverse(id.clone())))
        .unwrap()
        .0
}

#[test]
fn agendas_print_and_calendars_keep_their_uids_across_a_replan() {
    let (server, editor) = setup("fair-day");
    let fair = accepted_fair(&server, &editor, 10, 30);
    let path = format!("/api/v1/fairs/{fair}/schedule");
    let first = ok(server.send("POST", &path, Some(&editor), None), 200);
    let participant = busiest(&first);
    let calendar = format!("/api/v1/fairs/{fair}/participants/{participant}/agenda.ics");
    let reply = server.send("GET", &calendar, Some(&editor), None);
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert_eq!(
        reply.header("content-type"),
        Some("text/calendar; charset=utf-8")
    );
    let text = reply.text();
    let before = events(&text);
    assert!(!before.is_empty());
    // Chinese text folds between characters, never inside one (a line is valid UTF-8 already,
    // since the answer is a Rust string; folding kept each line within 75 octets).
    assert!(text.contains("SUMMARY:对接洽谈："), "{text}");
    assert!(before.iter().all(|event| event["STATUS"] == "TENTATIVE"));
    let mut uids: Vec<&String> = before.iter().map(|event| &event["UID"]).collect();
    uids.sort();
    uids.dedup();
    assert_eq!(uids.len(), before.len(), "one UID per meeting");
    // Publish, cancel one meeting, re-plan: the UIDs of the meetings still held are unchanged, the
    // SEQUENCE grows, and the published meetings are CONFIRMED at the same times.
    ok(
        server.send("POST", &format!("{path}/publish"), Some(&editor), None),
        200,
    );
    let schedule = ok(server.send("GET", &path, Some(&editor), None), 200);
    let cancelled = schedule["meetings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|meeting| {
            format!("resource:{}", meeting["resource"].as_str().unwrap()) != participant
        })
        .unwrap()["request"]
        .as_str()
        .unwrap()
        .to_string();
    ok(
        server.send(
            "POST",
            &format!("/api/v1/fairs/{fair}/requests/{cancelled}/answer"),
            Some(&editor),
            Some(&json!({"decision": "cancel"})),
        ),
        200,
    );
    ok(server.send("POST", &path, Some(&editor), None), 200);
    let after = events(&server.send("GET", &calendar, Some(&editor), None).text());
    assert_eq!(after.len(), before.len());
    for (old, new) in before.iter().zip(&after) {
        assert_eq!(old["UID"], new["UID"]);
        assert_eq!(old["DTSTART"], new["DTSTART"]);
        assert_eq!(old["SEQUENCE"], "1");
        assert_eq!(new["SEQUENCE"], "2");
        assert_eq!(new["STATUS"], "CONFIRMED");
        assert!(new["UID"].contains(&fair));
    }
    // The same file through Python's icalendar, where it is installed (CI installs it).
    crate::fairs::python_icalendar(
        &server.send("GET", &calendar, Some(&editor), None).body,
        after.len(),
    );

    // The agenda and the table plan print: A4, Chinese, no script, the service's CSP.
    let page = server.send(
        "GET",
        &format!("/api/v1/fairs/{fair}/participants/{participant}/agenda"),
        Some(&editor),
        None,
    );
    assert_eq!(page.status, 200);
    assert_eq!(
        page.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    assert!(page
        .header("content-security-policy")
        .is_some_and(|csp| csp.contains("script-src 'self'")));
    let html = page.text();
    for wanted in [
        "<html lang=\"zh-CN\">",
        "size:A4",
        "洽谈日程",
        "已确认",
        "佛山国际会议中心",
    ] {
        assert!(html.contains(wanted), "{wanted}: {html}");
    }
    assert!(!html.contains("<script"), "{html}");
    let plan = server.send(
        "GET",
        &format!("/api/v1/fairs/{fair}/plan"),
        Some(&editor),
        None,
    );
    assert_eq!(plan.status, 200);
    let html = plan.text();
    assert!(
        html.contains("桌位安排") && html.contains("2030-06-01 09:00–09:20"),
        "{html}"
    );
    assert!(!html.contains("<script"));
    // A broker reads the plan; an enterprise reads its own agenda only.
    let broker = server.token("broker");
    assert_eq!(
        server
            .send(
                "GET",
                &format!("/api/v1/fairs/{fair}/plan"),
                Some(&broker),
                None
            )
            .status,
        200
    );
    let enterprise =
        create_token(&server.state.store, Scope::Enterprise, Some("没有的企业")).unwrap();
    assert_eq!(
        server
            .send("GET", &calendar, Some(&enterprise), None)
            .status,
        403
    );
}

#[test]
fn calendars_are_told_of_the_meetings_a_change_takes_out() {
    let (server, editor) = setup("fair-cancelled");
    let fair = accepted_fair(&server, &editor, 10, 30);
    let path = format!("/api/v1/fairs/{fair}/schedule");
    let first = ok(server.send("POST", &path, Some(&editor), None), 200);
    let participant = busiest(&first);
    let calendar = format!("/api/v1/fairs/{fair}/participants/{participant}/agenda.ics");
    let read = || events(&server.send("GET", &calendar, Some(&editor), None).text());
    let before = read();
    assert!(before.len() >= 2, "{before:?}");
    let by_uid = |list: &[BTreeMap<String, String>]| -> BTreeMap<String, (String, String)> {
        list.iter()
            .map(|event| {
                (
                    event["UID"].clone(),
                    (event["STATUS"].clone(), event["SEQUENCE"].clone()),
                )
            })
            .collect()
    };
    let before = by_uid(&before);
    assert!(before
        .values()
        .all(|(status, sequence)| status == "TENTATIVE" && sequence == "1"));

    // One of the participant's meetings is cancelled: its event stays, CANCELLED, its SEQUENCE
    // above the one calendars have; the others are as they were.
    let mine = first["meetings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|meeting| {
            format!("resource:{}", meeting["resource"].as_str().unwrap()) == participant
        })
        .unwrap()["request"]
        .as_str()
        .unwrap()
        .to_string();
    ok(
        server.send(
            "POST",
            &format!("/api/v1/fairs/{fair}/requests/{mine}/answer"),
            Some(&editor),
            Some(&json!({"decision": "cancel"})),
        ),
        200,
    );
    let after_cancel = by_uid(&read());
    assert_eq!(
        after_cancel.keys().collect::<Vec<_>>(),
        before.keys().collect::<Vec<_>>()
    );
    let uid = after_cancel
        .keys()
        .find(|uid| uid.contains(&mine))
        .unwrap()
        .clone();
    for (event, (status, sequence)) in &after_cancel {
        if *event == uid {
            assert_eq!((status.as_str(), sequence.as_str()), ("CANCELLED", "2"));
        } else {
            assert_eq!(Some(&(status.clone(), sequence.clone())), before.get(event));
        }
    }

    // The participant does not come: the re-plan drops every meeting of theirs, and each is
    // CANCELLED above the SEQUENCE it was published with; the first keeps its cancellation.
    let resource = participant.strip_prefix("resource:").unwrap();
    ok(
        server.send(
            "PUT",
            &format!("/api/v1/fairs/{fair}/participants/{participant}"),
            Some(&editor),
            Some(&json!({"resource": resource, "presence": "no_show"})),
        ),
        200,
    );
    let replanned = ok(server.send("POST", &path, Some(&editor), None), 200);
    assert_eq!(replanned["revision"], 2);
    assert!(replanned["meetings"]
        .as_array()
        .unwrap()
        .iter()
        .all(
            |meeting| format!("resource:{}", meeting["resource"].as_str().unwrap()) != participant
        ));
    let text = server.send("GET", &calendar, Some(&editor), None).body;
    let after_replan = by_uid(&events(&String::from_utf8(text.clone()).unwrap()));
    assert_eq!(
        after_replan.keys().collect::<Vec<_>>(),
        before.keys().collect::<Vec<_>>()
    );
    for (event, (status, sequence)) in &after_replan {
        assert_eq!(status, "CANCELLED", "{event}");
        assert_eq!(sequence, "2", "{event}");
    }

    // The same through Python's icalendar, where it is installed (CI requires it).
    if let Some(parsed) = crate::fairs::python_icalendar_events(&text) {
        assert_eq!(parsed.len(), before.len());
        for (uid, status, sequence) in parsed {
            assert!(before.contains_key(&uid), "{uid}");
            assert_eq!((status.as_str(), sequence), ("CANCELLED", 2));
        }
    }
}

#[test]
fn a_calendar_subscription_reads_one_agenda_without_a_token() {
    let (server, editor) = setup("fair-subscription");
    let fair = accepted_fair(&server, &editor, 10, 30);
    let path = format!("/api/v1/fairs/{fair}/schedule");
    let first = ok(server.send("POST", &path, Some(&editor), None), 200);
    let participant = busiest(&first);
    let subscribe = format!("/api/v1/fairs/{fair}/participants/{participant}/calendar");
    let broker = server.token("broker");
    let answer = ok(server.send("POST", &subscribe, Some(&broker), None), 201);
    assert_eq!(answer["participant"], participant.as_str());
    let url = answer["url"].as_str().unwrap().to_string();
    let secret = url
        .strip_prefix("/api/v1/calendars/")
        .and_then(|rest| rest.strip_suffix("/agenda.ics"))
        .unwrap()
        .to_string();
    assert_eq!(secret.len(), 32);
    assert!(secret.bytes().all(|byte| byte.is_ascii_hexdigit()));

    // Without a token: the same file as the agenda read with one, and only this participant's.
    let calendar = format!("/api/v1/fairs/{fair}/participants/{participant}/agenda.ics");
    let subscribed = server.send("GET", &url, None, None);
    assert_eq!(subscribed.status, 200, "{}", subscribed.text());
    assert_eq!(
        subscribed.header("content-type"),
        Some("text/calendar; charset=utf-8")
    );
    let with_token = server.send("GET", &calendar, Some(&editor), None);
    assert_eq!(subscribed.text(), with_token.text());
    assert!(!events(&subscribed.text()).is_empty());
    // Read-only: nothing else answers under the secret.
    for method in ["POST", "PUT", "DELETE"] {
        let reply = server.send(method, &url, None, None);
        assert_eq!(reply.status, 405, "{method}");
    }

    // A cancellation shows in the subscribed calendar too.
    let mine = first["meetings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|meeting| {
            format!("resource:{}", meeting["resource"].as_str().unwrap()) == participant
        })
        .unwrap()["request"]
        .as_str()
        .unwrap()
        .to_string();
    ok(
        server.send(
            "POST",
            &format!("/api/v1/fairs/{fair}/requests/{mine}/answer"),
            Some(&editor),
            Some(&json!({"decision": "cancel"})),
        ),
        200,
    );
    let text = server.send("GET", &url, None, None).text();
    assert!(events(&text)
        .iter()
        .any(|event| event["UID"].contains(&mine) && event["STATUS"] == "CANCELLED"));

    // Asking again replaces the secret: the old URL stops working.
    let again = ok(server.send("POST", &subscribe, Some(&editor), None), 201);
    assert_ne!(again["url"], url.as_str());
    assert_eq!(server.send("GET", &url, None, None).status, 404);
    assert_eq!(
        server
            .send("GET", again["url"].as_str().unwrap(), None, None)
            .status,
        200
    );
    // Secrets that are not one: 404, whatever their shape.
    for wrong in [
        "0123456789abcdef0123456789abcdef".to_string(),
        "short".to_string(),
        format!("{secret}00"),
    ] {
        let reply = server.send(
            "GET",
            &format!("/api/v1/calendars/{wrong}/agenda.ics"),
            None,
            None,
        );
        assert_eq!(reply.status, 404, "{wrong}");
    }
    // Making one takes a token that may read the agenda.
    assert_eq!(server.send("POST", &subscribe, None, None).status, 401);
    let enterprise =
        create_token(&server.state.store, Scope::Enterprise, Some("没有的企业")).unwrap();
    assert_eq!(
        server
            .send("POST", &subscribe, Some(&enterprise), None)
            .status,
        403
    );
    let nobody = format!("/api/v1/fairs/{fair}/participants/resource:nobody/calendar");
    assert_eq!(
        server.send("POST", &nobody, Some(&editor), None).status,
        404
    );
}

/// Parses the calendar with Python's `icalendar` and checks its events; skipped (with a note) when
/// Python or the package is missing, unless `DUIJIE_REQUIRE_ICALENDAR` is set (as CI sets it).
/// The fair's figures (`GET /api/v1/fairs/{id}/stats`), each checked against what the test set up:
/// participants, requests by status and decline reason, the schedule and the places it uses, and
/// the engagements recorded with the fair's id and their later stages.
#[test]
fn a_fairs_figures_count_what_was_set_up() {
    let (server, editor) = setup("fair-stats");
    let fair = create_fair(&server, &editor, PAST);
    let stats_path = format!("/api/v1/fairs/{fair}/stats");
    let needs = register(&server, &editor, &fair, 8, 30);
    // A resource that will not come.
    ok(
        server.send(
            "PUT",
            &format!("/api/v1/fairs/{fair}/participants/resource:r-3-029"),
            Some(&editor),
            Some(&json!({"resource": "r-3-029", "presence": "no_show"})),
        ),
        200,
    );
    let stored: HashMap<String, Value> = random_needs(3, 16)
        .into_iter()
        .map(|need| (need["id"].as_str().unwrap().to_string(), need))
        .collect();
    let enterprises: BTreeSet<&str> = needs
        .iter()
        .map(|id| stored[id]["organization"].as_str().unwrap())
        .collect();

    // Before any request: every count 0, no place used, no follow-up.
    let broker = server.token("broker");
    let empty = ok(server.send("GET", &stats_path, Some(&broker), None), 200);
    assert_eq!(empty["fair"], fair.as_str());
    assert_eq!(empty["name"], "2030 佛山科技成果对接会");
    assert_eq!(
        empty["participants"],
        json!({"total": 38, "needs": 8, "enterprises": enterprises.len(), "resources": 30,
               "present": 37, "no_show": 1})
    );
    assert_eq!(empty["requests"]["total"], 0);
    assert_eq!(
        empty["schedule"],
        json!({"revision": 0, "scheduled": 0, "published": 0, "unscheduled": 0, "slots": 16,
               "tables": 3, "places_used": 0, "places": 48, "tables_used": 0.0})
    );
    assert_eq!(
        empty["outcomes"],
        json!({"checked_in": 0, "recorded": 0, "held": 0, "no_shows": 0, "follow_ups": 0})
    );
    assert_eq!(empty["follow_ups"]["key"], fair.as_str());
    assert_eq!(empty["follow_ups"]["engagements"], 0);
    assert_eq!(
        empty["follow_ups"]["median_days"]["intent_to_signed"],
        Value::Null
    );

    // The organiser sends 22 suggestions; a broker requests one more pair.
    let suggested = ok(
        server.send(
            "GET",
            &format!("/api/v1/fairs/{fair}/suggestions?limit=22"),
            Some(&editor),
            None,
        ),
        200,
    );
    let pairs: Vec<Value> = suggested["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| json!({"need": item["need"], "resource": item["resource"]}))
        .collect();
    assert_eq!(pairs.len(), 22, "{suggested}");
    let sent = ok(
        server.send(
            "POST",
            &format!("/api/v1/fairs/{fair}/requests/bulk"),
            Some(&editor),
            Some(&json!({"requests": pairs})),
        ),
        201,
    );
    let ids: Vec<String> = sent["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|request| request["id"].as_str().unwrap().to_string())
        .collect();
    let more = ok(
        server.send(
            "GET",
            &format!("/api/v1/fairs/{fair}/suggestions?limit=1"),
            Some(&editor),
            None,
        ),
        200,
    );
    let pair = &more["items"][0];
    ok(
        server.send(
            "POST",
            &format!("/api/v1/fairs/{fair}/requests"),
            Some(&broker),
            Some(&json!({"need": pair["need"], "resource": pair["resource"]})),
        ),
        201,
    );
    // Past the deadline the organiser answers: 12 accepted, 4 declined (two not relevant, one
    // without capacity, one other), one accepted then cancelled, one cancelled while pending, the
    // other 4 suggested and the broker's left pending.
    let answer = |id: &str, body: Value| {
        ok(
            server.send(
                "POST",
                &format!("/api/v1/fairs/{fair}/requests/{id}/answer"),
                Some(&editor),
                Some(&body),
            ),
            200,
        );
    };
    for id in &ids[..12] {
        answer(id, json!({"decision": "accept"}));
    }
    for (id, reason) in
        ids[12..16]
            .iter()
            .zip(["not_relevant", "not_relevant", "no_capacity", "other"])
    {
        answer(id, json!({"decision": "decline", "reason": reason}));
    }
    answer(&ids[16], json!({"decision": "accept"}));
    answer(&ids[16], json!({"decision": "cancel"}));
    answer(&ids[17], json!({"decision": "cancel"}));

    // Scheduled and published.
    let path = format!("/api/v1/fairs/{fair}/schedule");
    ok(server.send("POST", &path, Some(&editor), None), 200);
    ok(
        server.send("POST", &format!("{path}/publish"), Some(&editor), None),
        200,
    );
    let schedule = check_schedule(&server, &editor, &fair);
    let meetings = schedule["meetings"].as_array().unwrap();
    assert!(!meetings.is_empty());
    let places: BTreeSet<(u64, u64)> = meetings
        .iter()
        .map(|meeting| {
            (
                meeting["slot"].as_u64().unwrap(),
                meeting["table"].as_u64().unwrap(),
            )
        })
        .collect();
    // Every accepted request is between present participants: seated or unscheduled.
    let unscheduled = schedule["unscheduled"].as_array().unwrap().len();
    assert_eq!(meetings.len() + unscheduled, 12);

    // Engagements recorded at the fair, by its id: one signed, one dropped, one still an intent;
    // one recorded with the fair's name and one at another fair are not the fair's.
    let engagement = |fair_field: &str| {
        let created = ok(
            server.send(
                "POST",
                "/api/v1/engagements",
                Some(&broker),
                Some(
                    &json!({"need": {"text": "锂电池回收"}, "resource_id": "r-3-001",
                             "fair": fair_field}),
                ),
            ),
            201,
        );
        created["id"].as_str().unwrap().to_string()
    };
    let move_to = |id: &str, steps: &[&str]| {
        for step in steps {
            ok(
                server.send(
                    "POST",
                    &format!("/api/v1/engagements/{id}/transitions"),
                    Some(&broker),
                    Some(&json!({"to": step})),
                ),
                200,
            );
        }
    };
    let signed = engagement(&fair);
    move_to(&signed, &["contacted", "negotiating", "signed"]);
    let dropped = engagement(&fair);
    move_to(&dropped, &["contacted", "dropped"]);
    engagement(&fair);
    engagement("2030 佛山科技成果对接会");
    engagement("another fair");

    let figures = ok(server.send("GET", &stats_path, Some(&broker), None), 200);
    assert_eq!(figures["participants"], empty["participants"]);
    assert_eq!(
        figures["requests"],
        json!({"total": 23, "suggested": 22, "pending": 5, "accepted": 12, "declined": 4,
               "cancelled": 2,
               "decline_reasons": {"not_relevant": 2, "too_early": 0, "no_capacity": 1, "other": 1}})
    );
    assert_eq!(
        figures["schedule"],
        json!({"revision": 1, "scheduled": meetings.len(), "published": meetings.len(),
               "unscheduled": unscheduled, "slots": 16, "tables": 3,
               "places_used": places.len(), "places": 48,
               "tables_used": places.len() as f64 / 48.0})
    );
    assert_eq!(
        figures["outcomes"],
        json!({"checked_in": 0, "recorded": 0, "held": 0, "no_shows": 0, "follow_ups": 0})
    );
    let follow_ups = &figures["follow_ups"];
    assert_eq!(follow_ups["key"], fair.as_str());
    assert_eq!(follow_ups["engagements"], 3);
    assert_eq!(
        follow_ups["status"],
        json!({"intent": 1, "contacted": 0, "negotiating": 0, "signed": 1, "landed": 0,
               "dropped": 1})
    );
    assert_eq!(
        follow_ups["reached"],
        json!({"intent": 3, "contacted": 2, "negotiating": 1, "signed": 1, "landed": 0})
    );
    // The same group as `GET /api/v1/stats?group_by=fair` gives.
    let by_fair = ok(
        server.send("GET", "/api/v1/stats?group_by=fair", Some(&editor), None),
        200,
    );
    let group = by_fair["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|group| group["key"] == fair.as_str())
        .unwrap();
    assert_eq!(follow_ups, group);

    // Brokers, editors and admins read the figures; an enterprise does not.
    let own = stored[&needs[0]]["organization"].as_str().unwrap();
    let enterprise = create_token(&server.state.store, Scope::Enterprise, Some(own)).unwrap();
    assert_eq!(
        server
            .send("GET", &stats_path, Some(&enterprise), None)
            .status,
        403
    );
    assert_eq!(server.send("GET", &stats_path, None, None).status, 401);
    assert_eq!(
        server
            .send("GET", "/api/v1/fairs/missing/stats", Some(&editor), None)
            .status,
        404
    );
}

pub fn python_icalendar(body: &[u8], events: usize) {
    if let Some(parsed) = python_icalendar_events(body) {
        assert_eq!(parsed.len(), events);
    }
}

/// Parses the calendar with Python's `icalendar` (as `python_icalendar`) and gives each event's
/// UID, STATUS and SEQUENCE as it read them; `None` when the check is skipped.
pub fn python_icalendar_events(body: &[u8]) -> Option<Vec<(String, String, i64)>> {
    let script = r#"
import sys, icalendar
cal = icalendar.Calendar.from_ical(sys.stdin.buffer.read())
events = cal.walk("VEVENT")
for event in events:
    assert event.get("UID"), event
    assert event.decoded("DTSTART") < event.decoded("DTEND"), event
    assert "对接洽谈" in str(event.get("SUMMARY")), event
    assert str(event.get("STATUS")) in ("TENTATIVE", "CONFIRMED", "CANCELLED"), event
    print(str(event.get("UID")), str(event.get("STATUS")), int(event.get("SEQUENCE")))
"#;
    let required = std::env::var_os("DUIJIE_REQUIRE_ICALENDAR").is_some();
    let child = std::process::Command::new("python3")
        .args(["-c", script])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn();
    let Ok(mut child) = child else {
        assert!(!required, "python3 is not installed");
        eprintln!("python3 is not installed: the icalendar check is skipped");
        return None;
    };
    use std::io::Write as _;
    child.stdin.take().unwrap().write_all(body).unwrap();
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    if !output.status.success() && stderr.contains("No module named 'icalendar'") && !required {
        eprintln!("Python's icalendar is not installed: its check is skipped");
        return None;
    }
    assert!(output.status.success(), "icalendar: {stderr}");
    Some(
        String::from_utf8_lossy(&output.stdout)
            .lines()
            .map(|line| {
                let fields: Vec<&str> = line.split(' ').collect();
                assert_eq!(fields.len(), 3, "{line}");
                (
                    fields[0].to_string(),
                    fields[1].to_string(),
                    fields[2].parse().unwrap(),
                )
            })
            .collect(),
    )
}
