//! Demand analysis over HTTP (`GET /api/v1/demand`): groups by province, industry and theme, coverage
//! checked against each need's forward match, who sees which needs, themes independent of the order
//! the needs were imported in, `duijie demand` on files giving the service's answer, and the
//! `/dashboard/demand` page under its CSP.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::support::{jsonl, server_bin, Server};

/// Technologies of the catalog, with the text its resources describe them in.
const TOPICS: &[(&str, &str)] = &[
    (
        "余热回收",
        "陶瓷窑炉烟气余热回收利用系统，回收窑炉排烟余热用于干燥",
    ),
    (
        "锂电池",
        "锂电池正极材料制备与电池管理系统，提高锂电池循环寿命",
    ),
    (
        "污水处理",
        "工业污水处理与中水回用工艺，膜生物反应器处理印染污水",
    ),
    (
        "工业机器人",
        "工业机器人视觉引导与运动控制，焊接工业机器人离线编程",
    ),
];

fn catalog() -> Vec<Value> {
    let mut resources = Vec::new();
    for (topic, (keyword, text)) in TOPICS.iter().enumerate() {
        for copy in 0..3 {
            resources.push(json!({
                "id": format!("r-{topic}{copy}"),
                "kind": "expert",
                "title": format!("{keyword}研究团队{copy}"),
                "summary": text,
                "keywords": [keyword],
                "organization": "示例大学",
                "society": format!("学会{}", topic % 2),
            }));
        }
    }
    for copy in 0..4 {
        resources.push(json!({
            "id": format!("z-{copy}"),
            "kind": "achievement",
            "title": format!("技术开发方法{copy}"),
            "summary": "一种技术开发方法与研究平台",
        }));
    }
    resources
}

/// (id, text, organization, region, industry, visibility, status)
const NEEDS: &[(&str, &str, &str, &str, &str, &str, &str)] = &[
    (
        "n01",
        "我们是佛山的建筑陶瓷厂，想找陶瓷窑炉余热回收方面的专家",
        "甲陶瓷",
        "440604",
        "3071",
        "public",
        "open",
    ),
    (
        "n02",
        "陶瓷窑炉排烟温度高，希望余热回收用于坯体干燥",
        "乙陶瓷",
        "440605",
        "3071",
        "public",
        "open",
    ),
    (
        "n03",
        "窑炉余热回收改造，降低能耗",
        "丙建材",
        "440100",
        "3072",
        "members",
        "open",
    ),
    (
        "n04",
        "印染企业污水处理提标改造",
        "丁印染",
        "330602",
        "1713",
        "public",
        "open",
    ),
    (
        "n05",
        "污水处理中水回用，膜工艺",
        "丁印染",
        "",
        "1713",
        "public",
        "open",
    ),
    (
        "n06",
        "锂电池正极材料量产工艺",
        "戊电池",
        "440300",
        "3841",
        "members",
        "open",
    ),
    (
        "n07",
        "寻找研究方法",
        "己研究院",
        "110101",
        "7310",
        "public",
        "open",
    ),
    (
        "n08",
        "焊接工业机器人离线编程",
        "庚机械",
        "330602",
        "3411",
        "public",
        "solved",
    ),
    (
        "n09",
        "陶瓷窑炉余热回收",
        "辛陶瓷",
        "440604",
        "3071",
        "public",
        "closed",
    ),
];

fn need(row: &(&str, &str, &str, &str, &str, &str, &str)) -> Value {
    let (id, text, organization, region, industry, visibility, status) = *row;
    let mut need = json!({
        "id": id,
        "title": text.chars().take(8).collect::<String>(),
        "text": text,
        "organization": organization,
        "industries": [industry],
        "visibility": visibility,
        "status": status,
        "updated_at": "2026-05-01T00:00:00Z",
        "contact": {"name": "赵经理", "phone": "0755-88886666"},
    });
    if !region.is_empty() {
        need["region"] = json!(region);
    }
    need
}

fn start(name: &str, needs: &[Value]) -> (Server, String) {
    let server = Server::start_config(name, "match_rate = 0\n");
    let editor = server.token("editor");
    let reply = server.import(
        "?format=jsonl",
        &editor,
        "application/x-ndjson",
        &jsonl(&catalog()),
    );
    assert_eq!(reply.status, 200, "{}", reply.text());
    let reply = server.request(
        "POST",
        "/api/v1/needs/import?format=jsonl",
        Some(&editor),
        &[],
        Some(("application/x-ndjson", jsonl(needs))),
    );
    assert_eq!(reply.status, 200, "{}", reply.text());
    let started = Instant::now();
    loop {
        let reply = server.request("GET", "/api/v1/demand", Some(&editor), &[], None);
        assert_eq!(reply.status, 200, "{}", reply.text());
        if reply.json()["ready"] == true {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "{}",
            reply.text()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    (server, editor)
}

fn demand(server: &Server, query: &str, token: Option<&str>) -> Value {
    let reply = server.request("GET", &format!("/api/v1/demand{query}"), token, &[], None);
    assert_eq!(reply.status, 200, "{query}: {}", reply.text());
    reply.json()
}

fn groups(answer: &Value) -> BTreeMap<String, Value> {
    answer["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|group| (group["key"].as_str().unwrap().to_string(), group.clone()))
        .collect()
}

#[test]
fn groups_coverage_and_visibility() {
    let needs: Vec<Value> = NEEDS.iter().map(need).collect();
    let (server, editor) = start("demand-groups", &needs);
    let broker = server.token("broker");

    // Coverage, computed here from each open need's forward match.
    let mut strong: BTreeMap<&str, bool> = BTreeMap::new();
    for row in NEEDS.iter().filter(|row| row.6 == "open") {
        let reply = server.request(
            "GET",
            &format!("/api/v1/needs/{}/matches?limit=20", row.0),
            Some(&editor),
            &[],
            None,
        );
        assert_eq!(reply.status, 200, "{}", reply.text());
        let covered = reply.json()["results"]
            .as_array()
            .unwrap()
            .iter()
            .any(|result| result["band"] == "strong");
        strong.insert(row.0, covered);
    }
    assert!(strong.values().any(|covered| *covered) && strong.values().any(|covered| !covered));

    let by_region = demand(&server, "?group_by=region", Some(&broker));
    assert_eq!(by_region["group_by"], "region");
    assert_eq!(by_region["overall"]["open"], 7);
    let province = |region: &str| {
        if region.is_empty() {
            "(none)".to_string()
        } else {
            format!("{}0000", &region[..2])
        }
    };
    let mut expected: BTreeMap<String, (usize, usize, BTreeSet<&str>)> = BTreeMap::new();
    for row in NEEDS.iter().filter(|row| row.6 == "open") {
        let entry = expected.entry(province(row.3)).or_default();
        entry.0 += 1;
        entry.1 += usize::from(strong[row.0]);
        entry.2.insert(row.2);
    }
    let answered = groups(&by_region);
    assert_eq!(
        answered.keys().collect::<Vec<_>>(),
        expected.keys().collect::<Vec<_>>()
    );
    for (key, (open, covered, enterprises)) in &expected {
        let group = &answered[key];
        assert_eq!(group["open"], *open, "{key}");
        assert_eq!(group["covered"], *covered, "{key}");
        assert_eq!(group["enterprises"], enterprises.len(), "{key}");
        assert_eq!(group["uncovered_total"], open - covered, "{key}");
        let listed: BTreeSet<&str> = group["uncovered"]
            .as_array()
            .unwrap()
            .iter()
            .map(|need| need["id"].as_str().unwrap())
            .collect();
        assert!(listed.iter().all(|id| !strong[id]), "{key}: {listed:?}");
        assert_eq!(listed.len(), open - covered);
    }
    assert_eq!(answered["440000"]["name"], "广东省");
    assert_eq!(by_region["groups"][0]["key"], "440000");

    // Industries by GB/T 4754 section: all manufacturing (C) but the research institute (M).
    let by_industry = demand(&server, "", Some(&broker));
    assert_eq!(by_industry["group_by"], "industry");
    let industries: Vec<(String, u64)> = by_industry["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|group| {
            (
                group["key"].as_str().unwrap().to_string(),
                group["open"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(industries, vec![("C".to_string(), 6), ("M".to_string(), 1)]);

    // Themes: the three kiln needs (three enterprises), the two wastewater needs (one enterprise).
    let themes = demand(&server, "?group_by=theme", Some(&broker));
    let first = &themes["groups"][0];
    assert_eq!(first["key"], "余热回收", "{themes}");
    assert_eq!(first["open"], 3);
    assert_eq!(first["enterprises"], 3);
    assert_eq!(first["phrases"][0], "余热回收");
    let wastewater = &groups(&themes)["污水处理"];
    assert_eq!(wastewater["open"], 2);
    assert_eq!(wastewater["enterprises"], 1);
    assert_eq!(themes["unthemed"], 2, "{themes}");
    if strong["n01"] {
        assert_eq!(
            first["top_resources"][0]["id"].as_str().unwrap()[..3],
            *"r-0"
        );
        assert!(first["top_societies"][0]["name"] == "学会0");
    }

    // Without a token only public needs count, and no contact or members' need appears.
    let anonymous = demand(&server, "?group_by=theme", None);
    assert_eq!(anonymous["overall"]["open"], 5);
    let text = anonymous.to_string();
    assert!(!text.contains("0755-88886666") && !text.contains("contact"));
    assert!(!text.contains("n03") && !text.contains("n06") && !text.contains("丙建材"));
    let kiln = &groups(&anonymous)["余热回收"];
    assert_eq!(kiln["open"], 2);
    // An enterprise sees its own needs only.
    let enterprise = crate::support::enterprise_token(&server.data, "丁印染");
    let own = demand(&server, "?group_by=region", Some(&enterprise));
    assert_eq!(own["overall"]["open"], 2);
    assert_eq!(own["overall"]["enterprises"], 1);
    // Nobody sees a contact.
    for token in [&editor, &broker] {
        assert!(!demand(&server, "?group_by=region", Some(token))
            .to_string()
            .contains("0755-88886666"));
    }

    // Filters: a province, an industry (its old singular name too), a time window.
    let guangdong = demand(&server, "?region=440000&group_by=theme", Some(&broker));
    assert_eq!(guangdong["overall"]["open"], 4);
    let dyeing = demand(&server, "?industry=1713", Some(&broker));
    assert_eq!(dyeing["overall"]["open"], 2);
    let later = demand(&server, "?since=2026-06-01", Some(&broker));
    assert_eq!(later["overall"]["open"], 0);
    let window = demand(&server, "?since=2026-04-01&until=2026-05-02", Some(&broker));
    assert_eq!(window["overall"]["open"], 7);
    let one = demand(&server, "?group_by=region&limit=1", Some(&broker));
    assert_eq!(one["groups"].as_array().unwrap().len(), 1);
    assert_eq!(one["total_groups"], by_region["total_groups"]);

    // Bad queries.
    for query in [
        "?group_by=planet",
        "?since=yesterday",
        "?region=nowhere",
        "?limit=x",
        "?colour=red",
        "?group_by=region&group_by=theme",
    ] {
        let reply = server.request("GET", &format!("/api/v1/demand{query}"), None, &[], None);
        assert_eq!(reply.status, 400, "{query}: {}", reply.text());
        assert_eq!(reply.error_code(), "bad_query", "{query}");
    }
    let reply = server.request("GET", "/api/v1/demand", Some("wrong"), &[], None);
    assert_eq!(reply.status, 401);
}

#[test]
fn themes_do_not_depend_on_the_order_of_import() {
    let needs: Vec<Value> = NEEDS.iter().map(need).collect();
    let mut reordered = needs.clone();
    reordered.reverse();
    reordered.rotate_left(3);
    let (first, _) = start("demand-order-a", &needs);
    let (second, _) = start("demand-order-b", &reordered);
    for query in ["?group_by=theme", "?group_by=region", "?group_by=industry"] {
        let a = demand(&first, query, Some(&first.token("broker")));
        let b = demand(&second, query, Some(&second.token("broker")));
        assert_eq!(a, b, "{query}");
    }
}

#[test]
fn the_command_line_gives_the_service_answer() {
    let needs: Vec<Value> = NEEDS.iter().map(need).collect();
    let (server, editor) = start("demand-cli", &needs);
    let dir = crate::support::temp_dir("demand-cli-files");
    let catalog_file = dir.join("catalog.jsonl");
    std::fs::write(&catalog_file, jsonl(&catalog())).unwrap();
    let needs_file = dir.join("needs.jsonl");
    std::fs::write(&needs_file, jsonl(&needs)).unwrap();
    let run = |extra: &[&str]| {
        let output = std::process::Command::new(server_bin())
            .arg("demand")
            .arg("--catalog")
            .arg(&catalog_file)
            .arg("--needs")
            .arg(&needs_file)
            .args(extra)
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).unwrap()
    };
    for group_by in ["theme", "region", "industry"] {
        let printed: Value =
            serde_json::from_str(&run(&["--json", "--group-by", group_by])).unwrap();
        let served = demand(&server, &format!("?group_by={group_by}"), Some(&editor));
        for field in ["group_by", "overall", "groups", "total_groups", "unthemed"] {
            assert_eq!(printed[field], served[field], "{group_by}: {field}");
        }
        assert_eq!(printed["ready"], true);
    }
    let text = run(&["--group-by", "theme", "--region", "广东"]);
    assert!(
        text.contains("4 open needs") && text.contains("余热回收"),
        "{text}"
    );

    // A bad need row is located, and nothing is analysed.
    let bad = dir.join("bad.jsonl");
    std::fs::write(&bad, "{\"id\": \"x\", \"industries\": [\"Z99\"]}\n").unwrap();
    let output = std::process::Command::new(server_bin())
        .arg("demand")
        .arg("--catalog")
        .arg(&catalog_file)
        .arg("--needs")
        .arg(&bad)
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("bad.jsonl:1: ") && stderr.contains("nothing was analysed"),
        "{stderr}"
    );
}

#[test]
fn the_demand_dashboard_is_served_with_the_csp() {
    let server = Server::start("demand-dashboard");
    let page = server.get("/dashboard/demand");
    assert_eq!(page.status, 200);
    assert!(page
        .header("content-type")
        .unwrap()
        .starts_with("text/html"));
    assert_eq!(
        page.header("content-security-policy"),
        Some(duijie_server::CSP)
    );
    let html = page.text();
    // Its one script is a file of the service: no inline script, no inline handler, no CDN.
    let scripts: Vec<&str> = html
        .match_indices("<script")
        .map(|(at, _)| &html[at..])
        .collect();
    assert_eq!(scripts.len(), 1);
    assert!(scripts[0].starts_with(r#"<script src="/dashboard/demand.js"></script>"#));
    let lower = html.to_lowercase();
    for handler in [
        " onclick=",
        " onload=",
        " onsubmit=",
        " onchange=",
        "javascript:",
    ] {
        assert!(!lower.contains(handler), "{handler}");
    }
    assert!(
        !html.contains("http://") && !html.contains("https://"),
        "no CDN"
    );
    let script = server.get("/dashboard/demand.js");
    assert_eq!(script.status, 200);
    assert!(script
        .header("content-type")
        .unwrap()
        .starts_with("text/javascript"));
    let js = script.text();
    assert!(!js.contains("innerHTML") && !js.contains("eval(") && !js.contains("document.write"));
    assert!(js.contains("textContent") && js.contains("/api/v1/demand"));
}
