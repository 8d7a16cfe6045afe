//! Stored needs over HTTP: every route with no, a wrong and each scope's token, enterprises and
//! their own needs, the privacy of `contact` and of members' needs, imports in each format (good
//! and bad, nothing written from a bad one), forward matches equal to `POST /api/v1/match`, and the
//! reverse lists against the forward lists on random catalogs and needs.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::support::{jsonl, server_bin, small_catalog, Reply, Server};
use crate::xlsx::{workbook, Cell, XLSX};

fn enterprise_token(server: &Server, organization: &str) -> String {
    crate::support::enterprise_token(&server.data, organization)
}

fn import_needs(
    server: &Server,
    query: &str,
    token: &str,
    content_type: &str,
    body: &[u8],
) -> Reply {
    server.request(
        "POST",
        &format!("/api/v1/needs/import{query}"),
        Some(token),
        &[],
        Some((content_type, body.to_vec())),
    )
}

/// Waits until every need's forward list is computed on the current catalog.
fn wait_ready(server: &Server, token: &str) -> Value {
    let started = Instant::now();
    loop {
        let reply = server.request("GET", "/api/v1/needs?limit=1", Some(token), &[], None);
        assert_eq!(reply.status, 200, "{}", reply.text());
        let fits = reply.json()["fits"].clone();
        if fits["ready"] == true {
            return fits;
        }
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "the forward lists were not ready in 2 minutes: {fits}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn need(id: &str, organization: &str, visibility: &str, text: &str) -> Value {
    json!({
        "id": id,
        "title": format!("{text}需求"),
        "text": format!("我公司需要{text}方面的技术支持，希望与专家合作攻关。"),
        "organization": organization,
        "keywords": ["锂电池"],
        "industries": ["C38"],
        "region": "440300",
        "modes": ["joint_rd"],
        "budget": "50万元以内",
        "deadline": "2026-12-31",
        "visibility": visibility,
        "contact": {"name": "赵经理", "phone": "0755-88886666", "email": "zhao@example.cn"},
    })
}

/// Whether the answer holds a contact anywhere.
fn has_contact(reply: &Reply) -> bool {
    reply.text().contains("0755-88886666") || reply.text().contains("\"contact\"")
}

fn ids_of(items: &Value) -> BTreeSet<String> {
    items
        .as_array()
        .unwrap()
        .iter()
        .map(|item| {
            item.get("need").unwrap_or(item)["id"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect()
}

#[test]
fn every_need_route_with_each_token() {
    let server = Server::start_config("needs-auth", "match_rate = 0\nauth_failures_per_min = 0\n");
    let editor = server.token("editor");
    let admin = server.token("admin");
    let broker = server.token("broker");
    let jia = enterprise_token(&server, "甲公司");
    let yi = enterprise_token(&server, "乙公司");
    let wrong = "0".repeat(64);
    let imported = server.import(
        "?format=jsonl",
        &editor,
        "application/x-ndjson",
        &jsonl(&small_catalog(24)),
    );
    assert_eq!(imported.status, 200, "{}", imported.text());

    // Creating: 401 without or with a wrong token (a broker's create is
    // `a_broker_saves_a_need_once`); an enterprise creates needs of its own organisation only.
    let public = need("n-public", "甲公司", "public", "锂电池储能");
    for (token, status) in [(None, 401), (Some(wrong.as_str()), 401)] {
        let reply = server.send("POST", "/api/v1/needs", token, Some(&public));
        assert_eq!(reply.status, status, "{}", reply.text());
    }
    let reply = server.send("POST", "/api/v1/needs", Some(&yi), Some(&public));
    assert_eq!(reply.status, 403, "{}", reply.text());
    assert_eq!(reply.error_code(), "forbidden");
    let reply = server.send("POST", "/api/v1/needs", Some(&jia), Some(&public));
    assert_eq!(reply.status, 201, "{}", reply.text());
    assert_eq!(reply.header("location"), Some("/api/v1/needs/n-public"));
    assert_eq!(reply.json()["need"]["contact"]["phone"], "0755-88886666");
    // The same need again is a retry (200, the stored record); another under its id is 409.
    let reply = server.send("POST", "/api/v1/needs", Some(&jia), Some(&public));
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert_eq!(reply.json()["id"], "n-public");
    let mut another = public.clone();
    another["text"] = json!("另一项需求：储能电站的热管理。");
    let reply = server.send("POST", "/api/v1/needs", Some(&jia), Some(&another));
    assert_eq!(reply.status, 409, "{}", reply.text());
    // Without an organisation, an enterprise's need is its own; without an id, it gets one.
    let mut members = need("n-members", "", "members", "污水处理");
    members.as_object_mut().unwrap().remove("organization");
    let reply = server.send("POST", "/api/v1/needs", Some(&jia), Some(&members));
    assert_eq!(reply.status, 201, "{}", reply.text());
    assert_eq!(reply.json()["need"]["organization"], "甲公司");
    let mut other = need("", "乙公司", "members", "5G通信");
    other.as_object_mut().unwrap().remove("id");
    let reply = server.send("POST", "/api/v1/needs", Some(&editor), Some(&other));
    assert_eq!(reply.status, 201, "{}", reply.text());
    let other_id = reply.json()["id"].as_str().unwrap().to_string();
    assert!(
        other_id.starts_with("need-") && other_id.len() == 21,
        "{other_id}"
    );
    let reply = server.send(
        "POST",
        "/api/v1/needs",
        Some(&admin),
        Some(&need("n-admin", "丙公司", "public", "作物育种")),
    );
    assert_eq!(reply.status, 201, "{}", reply.text());
    // A need with a bad code or a formula is a 422 naming the field.
    let mut bad = need("n-bad", "甲公司", "public", "x");
    bad["industries"] = json!(["Z99"]);
    bad["budget"] = json!("=SUM(A1)");
    bad["deadline"] = json!("2026-02-30");
    bad["status"] = json!("pending");
    let reply = server.send("POST", "/api/v1/needs", Some(&editor), Some(&bad));
    assert_eq!(reply.status, 422, "{}", reply.text());
    let fields: BTreeSet<String> = reply.json()["error"]["details"]["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|error| error["field"].as_str().unwrap().to_string())
        .collect();
    for field in ["industries[0]", "budget", "deadline", "status"] {
        assert!(fields.contains(field), "{field}: {fields:?}");
    }

    // Reading one: public for anyone without contact; members' for a broker, editor, admin or the
    // owner; an enterprise reads only its own (403). A members' need the caller may not read
    // answers as a missing one (404), so that an outsider cannot tell that it exists.
    let get = |id: &str, token: Option<&str>| {
        server.send("GET", &format!("/api/v1/needs/{id}"), token, None)
    };
    let reply = get("n-public", None);
    assert_eq!(reply.status, 200);
    assert!(!has_contact(&reply), "{}", reply.text());
    assert_eq!(get("n-public", Some(&wrong)).status, 401);
    let reply = get("n-public", Some(&broker));
    assert_eq!(reply.status, 200);
    assert!(!has_contact(&reply));
    for token in [&editor, &admin, &jia] {
        let reply = get("n-public", Some(token));
        assert_eq!(reply.status, 200);
        assert!(has_contact(&reply), "{}", reply.text());
    }
    assert_eq!(get("n-public", Some(&yi)).status, 403);
    let reply = get("n-members", None);
    assert_eq!(reply.status, 404, "{}", reply.text());
    assert_eq!(
        reply.text(),
        get("n-missing", None)
            .text()
            .replace("n-missing", "n-members")
    );
    assert!(!reply.text().contains("污水处理"));
    let reply = get("n-members", Some(&broker));
    assert_eq!(reply.status, 200);
    assert!(!has_contact(&reply));
    assert_eq!(get("n-members", Some(&yi)).status, 404);
    assert_eq!(get("n-members", Some(&jia)).status, 200);
    assert_eq!(get("nothing", None).status, 404);

    // Lists: without a token the public needs, never a contact; a broker all without contacts; an
    // enterprise its own; an editor everything.
    let list = |token: Option<&str>| {
        let reply = server.send("GET", "/api/v1/needs?limit=200", token, None);
        assert_eq!(reply.status, 200, "{}", reply.text());
        reply
    };
    let all: BTreeSet<String> = ["n-public", "n-members", "n-admin", other_id.as_str()]
        .iter()
        .map(|id| id.to_string())
        .collect();
    let reply = list(None);
    assert!(!has_contact(&reply));
    assert_eq!(
        ids_of(&reply.json()["items"]),
        ["n-admin", "n-public"]
            .iter()
            .map(|id| id.to_string())
            .collect()
    );
    let reply = list(Some(&broker));
    assert!(!has_contact(&reply));
    assert_eq!(ids_of(&reply.json()["items"]), all);
    let reply = list(Some(&jia));
    assert_eq!(
        ids_of(&reply.json()["items"]),
        ["n-members", "n-public"]
            .iter()
            .map(|id| id.to_string())
            .collect()
    );
    let reply = list(Some(&editor));
    assert_eq!(ids_of(&reply.json()["items"]), all);
    assert!(has_contact(&reply));
    let reply = server.send("GET", "/api/v1/needs", Some(&wrong), None);
    assert_eq!(reply.status, 401);
    // Filters and facets.
    let body = server
        .send(
            "GET",
            "/api/v1/needs?q=锂电池储能&region=440000&industry=C&status=open",
            Some(&editor),
            None,
        )
        .json();
    assert_eq!(
        ids_of(&body["items"]),
        ["n-public"].iter().map(|id| id.to_string()).collect()
    );
    let body = list(Some(&editor)).json();
    assert_eq!(body["total"], 4);
    assert_eq!(body["facets"]["status"]["open"], 4);
    assert_eq!(body["facets"]["province"]["440000"], 4);
    assert_eq!(body["facets"]["industry"]["C38"], 4);
    assert_eq!(
        server
            .send("GET", "/api/v1/needs?status=pending", None, None)
            .status,
        400
    );
    assert_eq!(
        server
            .send("GET", "/api/v1/needs?region=999999", None, None)
            .status,
        400
    );

    // Changing: an enterprise changes only its own, and cannot give it away.
    let mut changed = public.clone();
    changed["status"] = json!("已匹配");
    for (token, status) in [
        (None, 401),
        (Some(wrong.as_str()), 401),
        (Some(broker.as_str()), 403),
        (Some(yi.as_str()), 403),
    ] {
        let reply = server.send("PUT", "/api/v1/needs/n-public", token, Some(&changed));
        assert_eq!(reply.status, status, "{}", reply.text());
    }
    let reply = server.send("PUT", "/api/v1/needs/n-public", Some(&jia), Some(&changed));
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert_eq!(reply.json()["need"]["status"], "matched");
    let mut given_away = changed.clone();
    given_away["organization"] = json!("乙公司");
    let reply = server.send(
        "PUT",
        "/api/v1/needs/n-public",
        Some(&jia),
        Some(&given_away),
    );
    assert_eq!(reply.status, 403);
    // An enterprise cannot take another's need by writing its own name into it.
    let mut taken = need("n-admin", "乙公司", "public", "作物育种");
    taken["organization"] = json!("乙公司");
    let reply = server.send("PUT", "/api/v1/needs/n-admin", Some(&yi), Some(&taken));
    assert_eq!(reply.status, 403, "{}", reply.text());
    let reply = server.send(
        "PUT",
        "/api/v1/needs/n-admin",
        Some(&editor),
        Some(&need("n-admin", "丙公司", "public", "作物育种")),
    );
    assert_eq!(reply.status, 200);

    // Forward and reverse: readable as the need is.
    wait_ready(&server, &editor);
    let matches = |id: &str, token: Option<&str>| {
        server.send(
            "GET",
            &format!("/api/v1/needs/{id}/matches?limit=5"),
            token,
            None,
        )
    };
    assert_eq!(matches("n-public", None).status, 200);
    assert_eq!(matches("n-members", None).status, 404);
    assert_eq!(matches("n-members", Some(&yi)).status, 404);
    assert_eq!(matches("n-members", Some(&broker)).status, 200);
    assert_eq!(matches("n-public", Some(&wrong)).status, 401);
    assert_eq!(matches("nothing", None).status, 404);
    assert_eq!(
        server
            .send("GET", "/api/v1/needs/n-public/matches?limit=0", None, None)
            .status,
        400
    );
    let top = matches("n-members", Some(&editor)).json()["results"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let reverse = |token: Option<&str>| {
        let reply = server.send(
            "GET",
            &format!("/api/v1/resources/{top}/needs?status=open,matched&limit=50"),
            token,
            None,
        );
        assert_eq!(reply.status, 200, "{}", reply.text());
        reply
    };
    let reply = reverse(None);
    assert!(!has_contact(&reply));
    assert!(!ids_of(&reply.json()["items"]).contains("n-members"));
    let reply = reverse(Some(&broker));
    assert!(!has_contact(&reply));
    assert!(ids_of(&reply.json()["items"]).contains("n-members"));
    let reply = reverse(Some(&yi));
    for item in reply.json()["items"].as_array().unwrap() {
        assert_eq!(item["need"]["organization"], "乙公司", "{item}");
    }
    let reply = reverse(Some(&jia));
    assert!(ids_of(&reply.json()["items"]).contains("n-members"));
    assert!(has_contact(&reply));
    assert_eq!(
        server
            .send("GET", "/api/v1/resources/nothing/needs", None, None)
            .status,
        404
    );

    // Import and export: editors and admins only.
    let rows = jsonl(&[need("n-imported", "丁公司", "public", "PM2.5监测")]);
    for (token, status) in [
        (wrong.as_str(), 401),
        (broker.as_str(), 403),
        (jia.as_str(), 403),
    ] {
        assert_eq!(
            import_needs(
                &server,
                "?format=jsonl",
                token,
                "application/x-ndjson",
                &rows
            )
            .status,
            status
        );
        assert_eq!(
            server
                .send("GET", "/api/v1/needs/export", Some(token), None)
                .status,
            status
        );
    }
    let reply = server.request(
        "POST",
        "/api/v1/needs/import?format=jsonl",
        None,
        &[],
        Some(("application/x-ndjson", rows.clone())),
    );
    assert_eq!(reply.status, 401);
    assert_eq!(
        server
            .send("GET", "/api/v1/needs/export", None, None)
            .status,
        401
    );
    assert_eq!(
        import_needs(
            &server,
            "?format=jsonl",
            &admin,
            "application/x-ndjson",
            &rows
        )
        .status,
        200
    );
    let export = server.send("GET", "/api/v1/needs/export", Some(&editor), None);
    assert_eq!(export.status, 200);
    assert_eq!(export.text().lines().count(), 5);
    assert!(has_contact(&export));

    // Deleting: an enterprise deletes only its own.
    for (token, status) in [
        (None, 401),
        (Some(wrong.as_str()), 401),
        (Some(broker.as_str()), 403),
        (Some(yi.as_str()), 403),
    ] {
        let reply = server.send("DELETE", "/api/v1/needs/n-members", token, None);
        assert_eq!(reply.status, status, "{}", reply.text());
    }
    assert_eq!(
        server
            .send("DELETE", "/api/v1/needs/n-members", Some(&jia), None)
            .status,
        200
    );
    assert_eq!(
        server
            .send("DELETE", "/api/v1/needs/n-members", Some(&jia), None)
            .status,
        404
    );
    assert_eq!(
        server
            .send(
                "DELETE",
                &format!("/api/v1/needs/{other_id}"),
                Some(&admin),
                None
            )
            .status,
        200
    );
    // The reverse index lost it.
    let reply = reverse(Some(&editor));
    assert!(!ids_of(&reply.json()["items"]).contains("n-members"));

    // What an enterprise token is, and what it is not.
    let whoami = server
        .send("GET", "/api/v1/whoami", Some(&jia), None)
        .json();
    assert_eq!(whoami["scope"], "enterprise");
    for (method, path) in [
        ("POST", "/api/v1/resources"),
        ("GET", "/api/v1/export"),
        ("GET", "/api/v1/engagements"),
    ] {
        let body = (method == "POST").then(|| crate::support::resource("x-1", "expert", "王五"));
        assert_eq!(
            server.send(method, path, Some(&jia), body.as_ref()).status,
            403,
            "{method} {path}"
        );
    }
}

/// `duijie token create --scope enterprise` needs an organisation, and only it takes one.
/// The widget's "save as need": a broker creates a need for an enterprise it names, with an id it
/// fixed when it queued the need, so a retry after a lost answer stores it once; the broker cannot
/// replace or delete it; an engagement names the stored need.
#[test]
fn a_broker_saves_a_need_once() {
    let server = Server::start("needs-broker");
    let editor = server.token("editor");
    let broker = server.token("broker");
    let imported = server.import(
        "?format=jsonl",
        &editor,
        "application/x-ndjson",
        &jsonl(&small_catalog(6)),
    );
    assert_eq!(imported.status, 200, "{}", imported.text());
    let saved = json!({
        "id": "need-w-00ff00ff00ff00ff00ff00ff00ff00ff",
        "text": "我公司需要锂电池储能方面的技术支持",
        "organization": "示例储能科技",
        "visibility": "members",
    });
    let first = server.send("POST", "/api/v1/needs", Some(&broker), Some(&saved));
    assert_eq!(first.status, 201, "{}", first.text());
    assert_eq!(first.json()["need"]["organization"], "示例储能科技");
    // The answer was lost; the widget sends the same body again.
    let again = server.send("POST", "/api/v1/needs", Some(&broker), Some(&saved));
    assert_eq!(again.status, 200, "{}", again.text());
    assert_eq!(again.json()["need"], first.json()["need"]);
    let listed = server.send("GET", "/api/v1/needs", Some(&editor), None);
    assert_eq!(listed.json()["total"], 1, "{}", listed.text());
    // The same id with another need is a conflict, not a silent change.
    let mut changed = saved.clone();
    changed["text"] = json!("另一项需求");
    let reply = server.send("POST", "/api/v1/needs", Some(&broker), Some(&changed));
    assert_eq!(reply.status, 409, "{}", reply.text());
    // A need with a contact, which a broker may not read: its answer to a create of the same need
    // does not depend on the contact it sends, so it cannot test guesses of it.
    let mut with_contact = saved.clone();
    with_contact["id"] = json!("need-w-contact");
    with_contact["contact"] = json!({"name": "李机密", "phone": "13900000002"});
    let reply = server.send("POST", "/api/v1/needs", Some(&editor), Some(&with_contact));
    assert_eq!(reply.status, 201, "{}", reply.text());
    for phone in ["13900000002", "13900000009"] {
        let mut guess = with_contact.clone();
        guess["contact"]["phone"] = json!(phone);
        let reply = server.send("POST", "/api/v1/needs", Some(&broker), Some(&guess));
        assert_eq!(reply.status, 200, "{phone}: {}", reply.text());
        assert!(!reply.text().contains("13900000002"), "{}", reply.text());
    }
    // A broker names the enterprise; it cannot replace or delete a need.
    let mut nameless = saved.clone();
    nameless["id"] = json!("need-w-1");
    nameless.as_object_mut().unwrap().remove("organization");
    let reply = server.send("POST", "/api/v1/needs", Some(&broker), Some(&nameless));
    assert_eq!(reply.status, 422, "{}", reply.text());
    assert!(reply.text().contains("organization"), "{}", reply.text());
    let path = "/api/v1/needs/need-w-00ff00ff00ff00ff00ff00ff00ff00ff";
    assert_eq!(
        server
            .send("PUT", path, Some(&broker), Some(&changed))
            .status,
        403
    );
    assert_eq!(server.send("DELETE", path, Some(&broker), None).status, 403);
    // An engagement names the stored need, and gives it back.
    let resource = small_catalog(6)[0]["id"].as_str().unwrap().to_string();
    let engagement = json!({
        "need": {"text": "我公司需要锂电池储能方面的技术支持"},
        "resource_id": resource,
        "need_id": "need-w-00ff00ff00ff00ff00ff00ff00ff00ff",
        "idempotency_key": "w-1",
    });
    let reply = server.send(
        "POST",
        "/api/v1/engagements",
        Some(&broker),
        Some(&engagement),
    );
    assert_eq!(reply.status, 201, "{}", reply.text());
    let id = reply.json()["id"].as_str().unwrap().to_string();
    let reply = server.send(
        "GET",
        &format!("/api/v1/engagements/{id}"),
        Some(&broker),
        None,
    );
    assert_eq!(
        reply.json()["need_id"],
        "need-w-00ff00ff00ff00ff00ff00ff00ff00ff"
    );
}

#[test]
fn enterprise_tokens_name_their_organization() {
    let data = crate::support::temp_dir("enterprise-token");
    let run = |args: &[&str]| {
        std::process::Command::new(server_bin())
            .args(["token", "create"])
            .args(crate::support::store_flags(&data))
            .args(args)
            .output()
            .unwrap()
    };
    assert!(!run(&["--scope", "enterprise"]).status.success());
    assert!(!run(&["--scope", "editor", "--organization", "甲公司"])
        .status
        .success());
    assert!(run(&["--scope", "enterprise", "--organization", "甲公司"])
        .status
        .success());
}

/// The rows of an import test: two good needs, with Chinese headers.
const HEADERS: &str = "需求名称,需求描述,企业名称,所属行业,所在地区,合作方式,预算,截止日期,联系人,联系电话,状态,公开范围";
const ROW_1: &str = "锂电池回收,退役动力电池的梯次利用与回收,甲公司,C38,440300,联合攻关；技术咨询,50万元以内,2026/6/30,赵经理,0755-1,征集中,公开";
const ROW_2: &str = "污水处理,低能耗的工业污水处理工艺,乙公司,N77,110101,技术转让,面议,2026年12月31日,钱工,010-2,已匹配,仅会员";

fn stored_ids(server: &Server, token: &str) -> BTreeSet<String> {
    ids_of(
        &server
            .send("GET", "/api/v1/needs?limit=200", Some(token), None)
            .json()["items"],
    )
}

#[test]
fn imports_in_each_format_all_or_nothing() {
    let server = Server::start("needs-import");
    let editor = server.token("editor");
    // CSV in UTF-8 with a BOM and Chinese headers.
    let csv = format!("\u{feff}{HEADERS}\n{ROW_1}\n{ROW_2}\n");
    let reply = import_needs(
        &server,
        "",
        &editor,
        "text/csv; charset=utf-8",
        csv.as_bytes(),
    );
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert_eq!(reply.json()["imported"], 2);
    let ids = stored_ids(&server, &editor);
    assert_eq!(ids.len(), 2);
    let stored: Vec<Value> = ids
        .iter()
        .map(|id| {
            server
                .send("GET", &format!("/api/v1/needs/{id}"), Some(&editor), None)
                .json()
        })
        .collect();
    let recycling = stored
        .iter()
        .find(|need| need["title"] == "锂电池回收")
        .unwrap();
    assert_eq!(recycling["text"], "退役动力电池的梯次利用与回收");
    assert_eq!(recycling["organization"], "甲公司");
    assert_eq!(recycling["modes"], json!(["joint_rd", "consulting"]));
    assert_eq!(recycling["budget"], "50万元以内");
    assert_eq!(recycling["deadline"], "2026-06-30");
    assert_eq!(
        recycling["contact"],
        json!({"name": "赵经理", "phone": "0755-1"})
    );
    assert_eq!(recycling["status"], "open");
    assert_eq!(recycling["visibility"], "public");
    assert!(recycling["updated_at"].as_str().unwrap().ends_with('Z'));
    let water = stored
        .iter()
        .find(|need| need["title"] == "污水处理")
        .unwrap();
    assert_eq!(water["deadline"], "2026-12-31");
    assert_eq!(water["status"], "matched");
    assert_eq!(water["visibility"], "members");
    // The same sheet again updates the same needs (ids derived from organisation and title).
    let reply = import_needs(&server, "?format=csv", &editor, "text/csv", csv.as_bytes());
    assert_eq!(reply.status, 200);
    assert_eq!(stored_ids(&server, &editor), ids);

    // The same rows in GBK, detected or declared.
    let gbk_text = format!("{HEADERS}\n{}\n", ROW_1.replace("锂电池回收", "锂电池再生"));
    let (gbk, _, _) = encoding_rs::GBK.encode(&gbk_text);
    assert!(std::str::from_utf8(&gbk).is_err());
    assert_eq!(
        import_needs(&server, "?format=csv", &editor, "text/csv", &gbk).status,
        200
    );
    assert_eq!(
        import_needs(
            &server,
            "?format=csv&encoding=gbk",
            &editor,
            "text/csv",
            &gbk
        )
        .status,
        200
    );
    assert_eq!(stored_ids(&server, &editor).len(), 3);

    // JSON Lines, and XLSX.
    let rows = jsonl(&[need("j-1", "丙公司", "public", "5G通信")]);
    assert_eq!(
        import_needs(&server, "", &editor, "application/x-ndjson", &rows).status,
        200
    );
    let header: Vec<&str> = HEADERS.split(',').collect();
    let row: Vec<&str> = ROW_1.split(',').collect();
    let mut sheet_row: Vec<Cell<'_>> = row.iter().map(|cell| Cell::Text(cell)).collect();
    sheet_row[0] = Cell::Text("智能制造PLC改造");
    let book = workbook(&[
        header.iter().map(|cell| Cell::Text(cell)).collect(),
        sheet_row,
    ]);
    let reply = import_needs(&server, "", &editor, XLSX, &book);
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert_eq!(stored_ids(&server, &editor).len(), 5);
    let before = stored_ids(&server, &editor);

    // Bad files of each format: 422, every bad row located, nothing written.
    let bad_csv = format!(
        "{HEADERS}\n{ROW_1}\n{}\n{}\n",
        ROW_2.replace("N77", "Z99").replace("110101", "999999"),
        ROW_2
            .replace("污水处理,", "=SUM(A1),")
            .replace("2026年12月31日", "明年")
    );
    let reply = import_needs(
        &server,
        "?format=csv",
        &editor,
        "text/csv",
        bad_csv.as_bytes(),
    );
    let located_csv = located(&reply);
    for (line, field) in [
        (3, "industries[0]"),
        (3, "region"),
        (4, "title"),
        (4, "deadline"),
    ] {
        assert!(
            located_csv.contains(&(line, field.to_string())),
            "{line} {field}: {located_csv:?}"
        );
    }
    let (bad_gbk, _, _) = encoding_rs::GBK.encode(&bad_csv);
    let reply = import_needs(
        &server,
        "?format=csv&encoding=gbk",
        &editor,
        "text/csv",
        &bad_gbk,
    );
    assert_eq!(located(&reply).len(), located_csv.len());
    let mut bad_need = need("j-2", "丙公司", "public", "x");
    bad_need["colour"] = json!("red");
    bad_need["min_maturity"] = json!(12);
    let bad_rows = [
        jsonl(&[need("j-3", "丙公司", "public", "储能")]),
        jsonl(&[bad_need]),
        b"{not json\n".to_vec(),
    ]
    .concat();
    let located_jsonl = located(&import_needs(
        &server,
        "",
        &editor,
        "application/x-ndjson",
        &bad_rows,
    ));
    assert_eq!(
        located_jsonl,
        vec![
            (2, "colour".to_string()),
            (2, "min_maturity".to_string()),
            (3, String::new())
        ]
    );
    let bad_book = workbook(&[
        header.iter().map(|cell| Cell::Text(cell)).collect(),
        row.iter().map(|cell| Cell::Text(cell)).collect(),
        vec![
            Cell::Text("x"),
            Cell::Text("y"),
            Cell::Text("z"),
            Cell::Formula("SUM(A1)", "0"),
        ],
    ]);
    let located_xlsx = located(&import_needs(&server, "", &editor, XLSX, &bad_book));
    assert!(
        located_xlsx.iter().any(|(line, _)| *line == 3),
        "{located_xlsx:?}"
    );
    let unknown_header = "需求名称,颜色\n锂电池,红\n";
    let located_header = located(&import_needs(
        &server,
        "?format=csv",
        &editor,
        "text/csv",
        unknown_header.as_bytes(),
    ));
    assert_eq!(located_header, vec![(1, "颜色".to_string())]);
    // A replace with no rows, and one that would remove most needs.
    assert_eq!(
        import_needs(
            &server,
            "?format=jsonl&mode=replace",
            &editor,
            "application/x-ndjson",
            b""
        )
        .status,
        422
    );
    assert_eq!(
        import_needs(
            &server,
            "?format=jsonl&mode=replace",
            &editor,
            "application/x-ndjson",
            &rows
        )
        .status,
        409
    );
    assert_eq!(stored_ids(&server, &editor), before, "nothing was written");
    // A dry run writes nothing either.
    let reply = import_needs(
        &server,
        "?format=jsonl&dry_run=true&mode=replace&allow_shrink=true",
        &editor,
        "application/x-ndjson",
        &rows,
    );
    assert_eq!(reply.status, 200);
    assert_eq!(stored_ids(&server, &editor), before);
    // The export imports back unchanged.
    let export = server
        .send("GET", "/api/v1/needs/export", Some(&editor), None)
        .body;
    let reply = import_needs(
        &server,
        "?format=jsonl&mode=replace",
        &editor,
        "application/x-ndjson",
        &export,
    );
    assert_eq!(reply.status, 200);
    assert_eq!(
        server
            .send("GET", "/api/v1/needs/export", Some(&editor), None)
            .body,
        export
    );
}

/// `(line, field)` of every error of a 422 answer.
fn located(reply: &Reply) -> Vec<(u64, String)> {
    assert_eq!(reply.status, 422, "{}", reply.text());
    reply.json()["error"]["details"]["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|error| {
            (
                error["line"].as_u64().unwrap_or(0),
                error["field"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

/// `duijie needs import FILE --data DIR` validates as the route does, writes nothing from a bad
/// file, and a server on the folder follows what it wrote.
#[test]
fn the_command_line_imports_and_the_server_follows() {
    let server = Server::start_config("needs-cli", "reload_secs = 1\n");
    let editor = server.token("editor");
    let dir = crate::support::temp_dir("needs-cli-files");
    let good = dir.join("needs.csv");
    std::fs::write(&good, format!("{HEADERS}\n{ROW_1}\n{ROW_2}\n")).unwrap();
    let bad = dir.join("bad.csv");
    std::fs::write(
        &bad,
        format!("{HEADERS}\n{ROW_1}\n{}\n", ROW_2.replace("N77", "Z99")),
    )
    .unwrap();
    let data = server.data.clone();
    let run = |file: &std::path::Path| {
        std::process::Command::new(server_bin())
            .args(["needs", "import"])
            .arg(file)
            .args(crate::support::store_flags(&data))
            .output()
            .unwrap()
    };
    let output = run(&bad);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("bad.csv:3: ") && stderr.contains("industries[0]"),
        "{stderr}"
    );
    assert!(stderr.contains("nothing was imported"), "{stderr}");
    let output = run(&good);
    assert!(output.status.success(), "{output:?}");
    // What `duijie serve` does every `reload_secs` (its timer is tested with replica processes in
    // reliability.rs): the store's generation moved, so the needs are read again.
    assert!(stored_ids(&server, &editor).is_empty());
    server.state.reload_if_changed().expect("the store reads");
    assert_eq!(stored_ids(&server, &editor).len(), 2, "the server follows");
    wait_ready(&server, &editor);
}

/// A page of a resource's needs explains each need by matching it again, so it takes one match of
/// the client's allowance per need on it: one anonymous request of 50 items cost as much CPU as
/// 50 matches and took one (a review measured 240 ms a request against 3.6 ms for a match).
#[test]
fn a_page_of_a_resources_needs_takes_a_match_per_need() {
    let server = Server::start_config("needs-cost", "match_rate = 1\nmatch_burst = 12\n");
    let editor = server.token("editor");
    let reply = server.import(
        "?format=jsonl",
        &editor,
        "application/x-ndjson",
        &jsonl(&small_catalog(20)),
    );
    assert_eq!(reply.status, 200, "{}", reply.text());
    // Twelve needs of one text: each one's forward list holds the same best resource.
    let needs: Vec<Value> = (0..12)
        .map(|n| need(&format!("n-same-{n:02}"), "甲公司", "public", "锂电池储能"))
        .collect();
    let reply = import_needs(&server, "", &editor, "application/x-ndjson", &jsonl(&needs));
    assert_eq!(reply.status, 200, "{}", reply.text());
    wait_ready(&server, &editor);
    // One match (11 of 12 left).
    let reply = server.get("/api/v1/needs/n-same-00/matches?limit=1");
    assert_eq!(reply.status, 200, "{}", reply.text());
    let top = reply.json()["results"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let page = format!("/api/v1/resources/{top}/needs?limit=10");
    // Ten needs explained: ten matches (1 left).
    let reply = server.get(&page);
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert_eq!(reply.json()["items"].as_array().unwrap().len(), 10);
    // The same page again needs ten more, which come at one a second.
    let reply = server.get(&page);
    assert_eq!(reply.status, 429, "{}", reply.text());
    assert_eq!(reply.error_code(), "rate_limited");
    let wait: u64 = reply.header("retry-after").unwrap().parse().unwrap();
    assert!((5..=10).contains(&wait), "retry-after {wait}");
    // A page past the end explains nothing and costs one, as any request does.
    assert_eq!(server.get(&format!("{page}&offset=40")).status, 200);
}

#[test]
fn forward_matches_equal_post_match() {
    let server = Server::start_config("needs-forward", "match_rate = 0\n");
    let editor = server.token("editor");
    let reply = server.import(
        "?format=jsonl",
        &editor,
        "application/x-ndjson",
        &jsonl(&random_catalog(7, 120)),
    );
    assert_eq!(reply.status, 200, "{}", reply.text());
    let needs = random_needs(7, 12);
    assert_eq!(
        import_needs(&server, "", &editor, "application/x-ndjson", &jsonl(&needs)).status,
        200
    );
    for stored in &needs {
        let id = stored["id"].as_str().unwrap();
        // The need as the matcher reads it: its need fields, title and text.
        let mut as_need = serde_json::Map::new();
        for key in [
            "title",
            "text",
            "keywords",
            "disciplines",
            "industries",
            "region",
            "modes",
            "min_maturity",
            "kinds",
        ] {
            if let Some(value) = stored.get(key) {
                as_need.insert(key.to_string(), value.clone());
            }
        }
        for limit in [1, 10, 37] {
            let forward = server.send(
                "GET",
                &format!("/api/v1/needs/{id}/matches?limit={limit}"),
                Some(&editor),
                None,
            );
            assert_eq!(forward.status, 200, "{}", forward.text());
            let posted = server.send(
                "POST",
                "/api/v1/match",
                None,
                Some(&json!({"need": as_need, "limit": limit})),
            );
            assert_eq!(posted.status, 200, "{}", posted.text());
            assert_eq!(forward.json(), posted.json(), "{id} limit {limit}");
        }
    }
}

/// For random catalogs and needs: whenever a resource is in a need's forward top 10, the need is in
/// the resource's reverse list with the same fit; every reverse entry is in its need's forward top
/// 20 with that fit; reverse lists are ordered by fit (then need id). The catalog changes between
/// cases, so the lists are recomputed in the background each time.
#[test]
fn reverse_lists_agree_with_forward_lists() {
    let server = Server::start_config("needs-reverse", "match_rate = 0\n");
    let editor = server.token("editor");
    let mut checked = 0;
    let mut needs = Vec::new();
    for case in 0..6u64 {
        let catalog = random_catalog(case, 30 + (case as usize * 17) % 50);
        let reply = server.import(
            "?format=jsonl&mode=replace&allow_shrink=true",
            &editor,
            "application/x-ndjson",
            &jsonl(&catalog),
        );
        assert_eq!(reply.status, 200, "{}", reply.text());
        let version = reply.json()["catalog_version"]
            .as_str()
            .unwrap()
            .to_string();
        // Odd cases keep the needs and change only the catalog: every list is recomputed.
        if case % 2 == 0 {
            needs = random_needs(case + 100, 10 + (case as usize * 7) % 25);
            let reply = import_needs(
                &server,
                "?mode=replace&allow_shrink=true",
                &editor,
                "application/x-ndjson",
                &jsonl(&needs),
            );
            assert_eq!(reply.status, 200, "{}", reply.text());
        }
        let fits = wait_ready(&server, &editor);
        assert_eq!(fits["catalog_version"], version.as_str());

        // The forward lists, top 20, as the route answers them.
        let mut forward: BTreeMap<String, Vec<(String, u64)>> = BTreeMap::new();
        for stored in &needs {
            let id = stored["id"].as_str().unwrap().to_string();
            let answer = server
                .send(
                    "GET",
                    &format!("/api/v1/needs/{id}/matches?limit=20"),
                    Some(&editor),
                    None,
                )
                .json();
            assert_eq!(answer["catalog_version"], version.as_str());
            let results = answer["results"]
                .as_array()
                .unwrap()
                .iter()
                .map(|result| {
                    (
                        result["id"].as_str().unwrap().to_string(),
                        result["score"].as_f64().unwrap().to_bits(),
                    )
                })
                .collect();
            forward.insert(id, results);
        }
        // Every resource's reverse list, all pages, all statuses.
        for resource in &catalog {
            let resource_id = resource["id"].as_str().unwrap();
            let mut entries: Vec<(String, u64, Value)> = Vec::new();
            loop {
                let answer = server.send(
                    "GET",
                    &format!("/api/v1/resources/{resource_id}/needs?status=open,matched,solved,closed&limit=50&offset={}", entries.len()),
                    Some(&editor),
                    None,
                );
                assert_eq!(answer.status, 200, "{}", answer.text());
                let answer = answer.json();
                assert_eq!(answer["ready"], true);
                assert_eq!(answer["catalog_version"], version.as_str());
                let items = answer["items"].as_array().unwrap().clone();
                let total = answer["total"].as_u64().unwrap() as usize;
                for item in items {
                    entries.push((
                        item["need"]["id"].as_str().unwrap().to_string(),
                        item["score"].as_f64().unwrap().to_bits(),
                        item,
                    ));
                }
                if entries.len() >= total {
                    break;
                }
            }
            // Ordered by fit, best first, then by need id.
            for pair in entries.windows(2) {
                let (a, b) = (f64::from_bits(pair[0].1), f64::from_bits(pair[1].1));
                assert!(
                    a > b || (a == b && pair[0].0 < pair[1].0),
                    "case {case}: {resource_id}: {pair:?}"
                );
            }
            // Every entry is in its need's forward top 20 with the same fit and its rank, and
            // explained as the forward match explains it.
            for (need_id, score, item) in &entries {
                let list = &forward[need_id];
                let rank = list
                    .iter()
                    .position(|(id, _)| id == resource_id)
                    .unwrap_or_else(|| {
                        panic!("case {case}: {need_id} lists {resource_id} in reverse only")
                    });
                assert_eq!(
                    list[rank].1, *score,
                    "case {case}: {need_id} / {resource_id}"
                );
                assert_eq!(item["rank"], rank + 1);
                assert!(
                    item["band"].is_string()
                        && item["components"].is_array()
                        && item["reasons"].is_array()
                );
            }
            checked += entries.len();
            // Every need whose forward top 10 holds the resource is in its reverse list.
            for (need_id, list) in &forward {
                if let Some((_, score)) = list.iter().take(10).find(|(id, _)| id == resource_id) {
                    assert!(
                        entries.iter().any(|(id, fit, _)| id == need_id && fit == score),
                        "case {case}: {need_id} has {resource_id} in its top 10 but not the reverse list"
                    );
                }
            }
        }
    }
    // Every need's top 20 (the catalogs have at least 30 resources) was found in reverse.
    assert!(checked >= 6 * 10 * 20, "{checked}");
    eprintln!("{checked} (need, resource) pairs checked");
}

/// A small deterministic generator (SplitMix64), so each case is the same on every run.
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

const TOPICS: &[&str] = &[
    "锂电池",
    "储能",
    "热失控",
    "正极材料",
    "污水处理",
    "膜分离",
    "PLC",
    "智能制造",
    "5G",
    "通信基站",
    "PM2.5",
    "大气监测",
    "作物育种",
    "基因编辑",
    "光伏",
    "逆变器",
    "氢燃料电池",
    "催化剂",
    "机器视觉",
    "缺陷检测",
];
const PHRASES: &[&str] = &[
    "技术研究",
    "关键工艺",
    "系统设计",
    "在线监测",
    "优化方法",
    "产业化应用",
    "成本降低",
    "检测装置",
];
const REGIONS: &[&str] = &["440300", "440305", "110101", "310000", "320500", "510100"];
const INDUSTRIES: &[&str] = &["C38", "C3841", "N77", "I63", "A01", "C26"];
const MODES: &[&str] = &["transfer", "license", "joint_rd", "consulting", "training"];
const KINDS: &[&str] = &["expert", "achievement", "patent", "organization"];

pub(crate) fn random_catalog(seed: u64, n: usize) -> Vec<Value> {
    let mut random = Random(seed.wrapping_mul(7919));
    (0..n)
        .map(|i| {
            let kind = random.pick(KINDS);
            let (a, b, c) = (random.pick(TOPICS), random.pick(TOPICS), random.pick(PHRASES));
            let mut resource = json!({
                "id": format!("r-{seed}-{i:03}"),
                "kind": kind,
                "title": format!("{a}{c}"),
                "summary": format!("面向{b}的{a}{c}，{}与{}。", random.pick(PHRASES), random.pick(TOPICS)),
                "keywords": [a, b],
                "industries": [random.pick(INDUSTRIES)],
                "region": random.pick(REGIONS),
                "modes": [random.pick(MODES)],
            });
            if kind == "achievement" || kind == "patent" {
                resource["maturity"] = json!(1 + random.below(9));
            }
            resource
        })
        .collect()
}

pub(crate) fn random_needs(seed: u64, n: usize) -> Vec<Value> {
    let mut random = Random(seed.wrapping_mul(104_729));
    let statuses = ["open", "open", "matched", "solved", "closed"];
    (0..n)
        .map(|i| {
            let (a, b) = (random.pick(TOPICS), random.pick(TOPICS));
            let mut need = json!({
                "id": format!("n-{seed}-{i:03}"),
                "title": format!("{a}{}", random.pick(PHRASES)),
                "text": format!("我公司在{b}方面需要{a}的{}，希望合作。", random.pick(PHRASES)),
                "organization": format!("企业{}", random.below(5)),
                "status": statuses[random.below(statuses.len())],
                "visibility": if random.below(3) == 0 { "members" } else { "public" },
            });
            if random.below(2) == 0 {
                need["region"] = json!(random.pick(REGIONS));
            }
            if random.below(2) == 0 {
                need["industries"] = json!([random.pick(INDUSTRIES)]);
            }
            if random.below(3) == 0 {
                need["modes"] = json!([random.pick(MODES)]);
            }
            if random.below(4) == 0 {
                need["kinds"] = json!([random.pick(KINDS)]);
            }
            if random.below(4) == 0 {
                need["keywords"] = json!([b]);
            }
            need
        })
        .collect()
}
