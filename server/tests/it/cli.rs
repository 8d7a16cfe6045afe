//! The `duijie` command line, run as a real process on small fixture files.

use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::Value;

const CATALOG: &str = r#"{"id":"ach-battery","kind":"achievement","title":"锂电池回收技术","region":"440305","maturity":6,"contact":{"name":"王工","phone":"13800000000","email":"secret@example.com"}}
{"id":"exp-battery","kind":"expert","title":"锂电池回收专家","region":"110101","contact":{"email":"hidden@example.com"}}
{"id":"org-robot","kind":"organization","title":"工业机器人研究院","region":"440303"}
{"id":"pat-rice","kind":"patent","title":"水稻育种方法","region":"440100","maturity":4}
{"id":"ach-solar","kind":"achievement","title":"光伏组件清洗","region":"120101"}
"#;

/// A fresh folder under the system temporary directory, unique to this process and call.
pub(crate) fn temp_dir(name: &str) -> PathBuf {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "duijie-cli-{}-{}-{name}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::create_dir_all(&dir).expect("create a temporary folder");
    dir
}

pub(crate) fn write(dir: &Path, name: &str, contents: impl AsRef<[u8]>) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, contents).expect("write a fixture");
    path
}

pub(crate) fn duijie(args: &[&str]) -> Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_duijie"))
        .args(args)
        .output()
        .expect("run duijie")
}

pub(crate) fn stdout_json(output: &Output) -> Value {
    assert!(
        output.status.success(),
        "duijie failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("stdout is one JSON value")
}

/// Runs `duijie match --json` on the shared catalog and returns the ranked ids and the answer.
fn match_json(extra: &[&str], need: &str) -> (Vec<String>, Value, String) {
    let dir = temp_dir("match");
    let catalog = write(&dir, "catalog.jsonl", CATALOG);
    let catalog = catalog.to_str().expect("a UTF-8 path");
    let mut args = vec!["match", "--catalog", catalog, "--json"];
    args.extend_from_slice(extra);
    args.push(need);
    let output = duijie(&args);
    let answer = stdout_json(&output);
    let ids = answer["results"]
        .as_array()
        .expect("results is a list")
        .iter()
        .map(|result| result["id"].as_str().expect("an id").to_string())
        .collect();
    let _ = std::fs::remove_dir_all(&dir);
    (
        ids,
        answer,
        String::from_utf8_lossy(&output.stdout).into_owned(),
    )
}

#[test]
fn match_json_has_the_documented_shape_and_no_contact() {
    let (ids, answer, raw) = match_json(&[], "锂电池回收");
    assert_eq!(ids, ["ach-battery", "exp-battery"]);
    let top: Vec<&str> = answer
        .as_object()
        .expect("an object")
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(top, ["catalog_version", "results"]);
    assert!(answer["catalog_version"]
        .as_str()
        .is_some_and(|version| version.starts_with("c-")));
    for result in answer["results"].as_array().expect("a list") {
        let mut keys: Vec<&str> = result
            .as_object()
            .expect("an object")
            .keys()
            .map(String::as_str)
            .collect();
        keys.sort_unstable();
        assert_eq!(
            keys,
            [
                "band",
                "components",
                "id",
                "matched",
                "reasons",
                "resource",
                "score"
            ]
        );
        let score = result["score"].as_f64().expect("a number");
        assert!((0.0..=1.0).contains(&score));
        assert_eq!(result["resource"]["id"], result["id"]);
        assert!(result["resource"].get("contact").is_none());
        assert!(!result["reasons"].as_array().expect("a list").is_empty());
    }
    assert!(!raw.contains("contact"), "{raw}");
    assert!(!raw.contains("secret@example.com") && !raw.contains("13800000000"));
}

#[test]
fn match_top_kinds_and_region_narrow_the_results() {
    let (ids, _, _) = match_json(&["--top", "1"], "锂电池回收");
    assert_eq!(ids, ["ach-battery"]);
    let (ids, _, _) = match_json(&["--kinds", "expert,patent"], "锂电池回收");
    assert_eq!(ids, ["exp-battery"]);
    let (ids, _, _) = match_json(&["--region", "jjj"], "锂电池回收");
    assert_eq!(ids, ["exp-battery"]);
    let (ids, _, _) = match_json(&["--region", "440000"], "锂电池回收");
    assert_eq!(ids, ["ach-battery"]);
}

#[test]
fn match_rejects_an_unknown_kind() {
    let dir = temp_dir("kinds");
    let catalog = write(&dir, "catalog.jsonl", CATALOG);
    let output = duijie(&[
        "match",
        "--catalog",
        catalog.to_str().expect("a UTF-8 path"),
        "--kinds",
        "expert,robot",
        "锂电池",
    ]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(
        stderr.contains("--kinds") && stderr.contains("robot"),
        "{stderr}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// Binary nDCG of one list with hits at these 1-based ranks, against `relevant` relevant ids.
fn ndcg(hits: &[usize], relevant: usize) -> f64 {
    let gain = |rank: usize| 1.0 / ((rank + 1) as f64).log2();
    let dcg: f64 = hits.iter().map(|&rank| gain(rank)).sum();
    let ideal: f64 = (1..=relevant.min(10)).map(gain).sum();
    dcg / ideal
}

fn round4(value: f64) -> f64 {
    (value * 1e4).round() / 1e4
}

#[test]
fn eval_json_reports_hand_computed_metrics() {
    let dir = temp_dir("eval");
    let catalog = write(&dir, "catalog.jsonl", CATALOG);
    // q1 finds its one relevant resource first; q2 finds nothing; q3 finds one of two, first.
    let queries = write(
        &dir,
        "queries.jsonl",
        r#"{"qid":"q1","kind":"achievement","need":{"text":"光伏组件清洗"},"relevant":["ach-solar"]}
{"qid":"q2","kind":"achievement","need":{"text":"xyzzy"},"relevant":["pat-rice"]}
{"qid":"q3","kind":"organization","need":{"text":"工业机器人"},"relevant":["org-robot","ach-solar"]}
"#,
    );
    let output = duijie(&[
        "eval",
        "--catalog",
        catalog.to_str().expect("a UTF-8 path"),
        "--queries",
        queries.to_str().expect("a UTF-8 path"),
        "--json",
        "--runs",
        dir.join("runs").to_str().expect("a UTF-8 path"),
    ]);
    let report = stdout_json(&output);
    let mut keys: Vec<&str> = report
        .as_object()
        .expect("an object")
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "build_ms",
            "kinds",
            "mrr@10",
            "ndcg@10",
            "p50_ms",
            "p95_ms",
            "queries",
            "recall@10"
        ]
    );
    assert_eq!(report["queries"], 3);
    let q3_ndcg = ndcg(&[1], 2);
    let metric = |value: &Value, name: &str| value[name].as_f64().expect("a number");
    assert_eq!(
        metric(&report, "recall@10"),
        round4((1.0 + 0.0 + 0.5) / 3.0)
    );
    assert_eq!(metric(&report, "mrr@10"), round4((1.0 + 0.0 + 1.0) / 3.0));
    assert_eq!(
        metric(&report, "ndcg@10"),
        round4((1.0 + 0.0 + q3_ndcg) / 3.0)
    );
    for name in ["build_ms", "p50_ms", "p95_ms"] {
        assert!(metric(&report, name) >= 0.0);
    }
    assert!(metric(&report, "p95_ms") >= metric(&report, "p50_ms"));
    let kinds = report["kinds"].as_object().expect("kinds is an object");
    assert_eq!(kinds.len(), 2);
    let achievement = &kinds["achievement"];
    assert_eq!(achievement["queries"], 2);
    assert_eq!(metric(achievement, "recall@10"), 0.5);
    assert_eq!(metric(achievement, "mrr@10"), 0.5);
    assert_eq!(metric(achievement, "ndcg@10"), 0.5);
    let organization = &kinds["organization"];
    assert_eq!(organization["queries"], 1);
    assert_eq!(metric(organization, "recall@10"), 0.5);
    assert_eq!(metric(organization, "mrr@10"), 1.0);
    assert_eq!(metric(organization, "ndcg@10"), round4(q3_ndcg));
    // The run file: each need's results in rank order, in the peers' format (with the score in a
    // fourth column, which the peers' scripts ignore); q2 found nothing.
    let run = std::fs::read_to_string(dir.join("runs").join("duijie.run.tsv")).expect("a run file");
    let lines: Vec<Vec<&str>> = run.lines().map(|line| line.split('\t').collect()).collect();
    assert!(
        lines.iter().all(|line| line.len() == 4
            && line[0] != "q2"
            && line[3]
                .parse::<f64>()
                .is_ok_and(|score| (0.0..=1.0).contains(&score))),
        "{run}"
    );
    assert_eq!(lines[0][..3], ["q1", "1", "ach-solar"]);
    let q3: Vec<&Vec<&str>> = lines.iter().filter(|line| line[0] == "q3").collect();
    assert_eq!(q3[0][..2], ["q3", "1"]);
    assert_eq!(q3[0][2], "org-robot");
    let ranks: Vec<usize> = q3
        .iter()
        .map(|line| line[1].parse().expect("a rank"))
        .collect();
    assert_eq!(ranks, (1..=q3.len()).collect::<Vec<_>>());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_bad_catalog_names_file_line_and_field() {
    let dir = temp_dir("bad");
    let catalog = write(
        &dir,
        "bad.jsonl",
        r#"{"id":"a","kind":"expert","title":"锂电池"}
{"id":"b","kind":"expert","title":"锂电池"}
{"id":"c","kind":"expert","title":
{"id":"d","kind":"expert","title":"锂电池"}
{"id":"e","kind":"expert","title":"锂电池","colour":"red"}
"#,
    );
    let path = catalog.to_str().expect("a UTF-8 path");
    let output = duijie(&["match", "--catalog", path, "锂电池"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(stderr.contains(&format!("{path}:3:")), "{stderr}");
    assert!(stderr.contains("not valid JSON"), "{stderr}");
    assert!(stderr.contains(&format!("{path}:5:")), "{stderr}");
    assert!(stderr.contains("colour"), "{stderr}");
    assert!(!stderr.contains(&format!("{path}:4:")), "{stderr}");
    assert!(output.stdout.is_empty());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_non_utf8_catalog_is_a_clear_error() {
    let dir = temp_dir("latin1");
    let mut bytes = br#"{"id":"a","kind":"expert","title":"ok"}"#.to_vec();
    bytes.extend_from_slice(b"\n{\"id\":\"b\",\"kind\":\"expert\",\"title\":\"caf\xe9\"}\n");
    let catalog = write(&dir, "latin1.jsonl", bytes);
    let path = catalog.to_str().expect("a UTF-8 path");
    let output = duijie(&["match", "--catalog", path, "café"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(stderr.contains(&format!("{path}:2:")), "{stderr}");
    assert!(stderr.contains("UTF-8"), "{stderr}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// A leaked token is revoked from the command line: `token list` names it by the id records give
/// (`created_by`), and after `token revoke ID` the running service answers 401 to it while the
/// others still work.
#[test]
fn a_token_is_listed_by_id_and_revoked() {
    let server = crate::support::Server::start("token-revoke");
    let leaked = crate::support::token(&server.data, "broker");
    let kept = crate::support::token(&server.data, "editor");
    let whoami = |token: &str| {
        server
            .send("GET", "/api/v1/whoami", Some(token), None)
            .status
    };
    assert_eq!(whoami(&leaked), 200);
    let cli = |args: &[&str]| {
        std::process::Command::new(crate::support::server_bin())
            .args(args)
            .args(crate::support::store_flags(&server.data))
            .output()
            .unwrap()
    };
    let listed = cli(&["token", "list"]);
    assert!(listed.status.success(), "{listed:?}");
    let listed = String::from_utf8(listed.stdout).unwrap();
    // The id is the first 16 hex digits of the token's SHA-256, never the token.
    use sha2::Digest as _;
    let hash = sha2::Sha256::digest(leaked.as_bytes());
    let id: String = hash[..8].iter().map(|byte| format!("{byte:02x}")).collect();
    assert!(listed.contains(&format!("{id}\tbroker")), "{listed}");
    assert!(
        !listed.contains(&leaked) && !listed.contains(&kept),
        "{listed}"
    );
    let revoked = cli(&["token", "revoke", &id]);
    assert!(revoked.status.success(), "{revoked:?}");
    assert_eq!(whoami(&leaked), 401);
    assert_eq!(whoami(&kept), 200);
    let again = cli(&["token", "revoke", &id]);
    assert_eq!(again.status.code(), Some(2), "{again:?}");
    assert!(String::from_utf8_lossy(&again.stderr).contains("no token with id"));
}
