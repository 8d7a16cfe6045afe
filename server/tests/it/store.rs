//! The store's engines and schema versions through the command line: `duijie migrate`, a schema
//! newer than the binary refused with exit 2, and `--database sqlite://PATH` as the data folder
//! PATH. On the engine the suite runs on (`support::postgres`), except where a test names SQLite.

use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use crate::support::{
    database_for, jsonl, server_bin, small_catalog, store_flags, temp_dir, Process, ReplicaStore,
};

fn duijie(args: &[&str], store: &[String]) -> Output {
    Command::new(server_bin())
        .args(args)
        .args(store)
        .env_remove("DUIJIE_DATA")
        .env_remove("DUIJIE_DATABASE")
        .output()
        .expect("run duijie")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Records in the store of `data` that a migration 999 was applied, as a newer duijie would.
fn pretend_a_newer_duijie_migrated(data: &Path) {
    let sql = "INSERT INTO schema_migrations (version, name, applied_at)
               VALUES (999, 'from the future', '2099-01-01T00:00:00Z')";
    match database_for(data) {
        Some(url) => {
            let mut client = postgres::Client::connect(&url, postgres::NoTls).unwrap();
            client.batch_execute(sql).unwrap();
        }
        None => {
            let connection = rusqlite::Connection::open(data.join("duijie.sqlite3")).unwrap();
            connection.execute_batch(sql).unwrap();
        }
    }
}

#[test]
fn migrate_applies_the_schema_once_and_a_newer_schema_is_refused() {
    let data = temp_dir("migrate");
    let store = store_flags(&data);
    let first = duijie(&["migrate"], &store);
    assert!(first.status.success(), "{first:?}");
    let known = duijie_server::store::migrate::known_version();
    let every: Vec<String> = (1..=known).map(|version| version.to_string()).collect();
    assert!(
        stdout(&first).contains(&format!(
            "schema from version 0 to {known} (applied {})",
            every.join(", ")
        )),
        "{}",
        stdout(&first)
    );
    let again = duijie(&["migrate"], &store);
    assert!(again.status.success(), "{again:?}");
    assert!(
        stdout(&again).contains("nothing to do"),
        "{}",
        stdout(&again)
    );
    // The migrated store works: a token goes in.
    let token = duijie(&["token", "create", "--scope", "admin"], &store);
    assert!(token.status.success(), "{token:?}");

    pretend_a_newer_duijie_migrated(&data);
    for args in [
        &["migrate"][..],
        &["token", "create", "--scope", "admin"][..],
        &["serve", "--addr", "127.0.0.1:0", "--no-demo"][..],
    ] {
        let refused = duijie(args, &store);
        assert_eq!(refused.status.code(), Some(2), "{args:?}: {refused:?}");
        assert!(
            stderr(&refused).contains(&format!(
                "the database's schema is at version 999, newer than this duijie knows (version \
                 {known})"
            )),
            "{args:?}: {}",
            stderr(&refused)
        );
    }
}

#[test]
fn a_sqlite_url_names_the_data_folder() {
    let data = temp_dir("sqlite-url");
    let by_folder = duijie(
        &["token", "create", "--scope", "editor", "--data"],
        &[data.to_string_lossy().into_owned()],
    );
    assert!(by_folder.status.success(), "{by_folder:?}");
    let url = format!("sqlite://{}", data.display());
    let by_url = duijie(&["migrate", "--database", &url], &[]);
    assert!(by_url.status.success(), "{by_url:?}");
    assert!(
        stdout(&by_url).contains(&format!(
            "{}: schema at version {}",
            data.display(),
            duijie_server::store::migrate::known_version()
        )),
        "{}",
        stdout(&by_url)
    );
    let location = duijie_server::store::Location::parse(&url).unwrap();
    let store = duijie_server::store::Store::connect(&location).unwrap();
    assert_eq!(store.tokens().unwrap().len(), 1);
}

#[test]
fn a_database_that_is_no_url_is_refused() {
    let output = duijie(&["migrate", "--database", "mysql://somewhere/db"], &[]);
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    assert!(
        stderr(&output).contains("--database mysql://somewhere/db: not a database URL"),
        "{}",
        stderr(&output)
    );
}

/// `/readyz` is 200 while the replica's catalog is the store's, 503 `behind` once the store holds a
/// newer one (as after another replica's write), 200 again after the reload; every answer names
/// the catalog version it was computed on.
#[test]
fn readyz_says_whether_the_replica_is_behind_the_store() {
    use duijie_server::store::Change;
    let server = crate::support::Server::start("readyz");
    let ready = server.get("/readyz");
    assert_eq!(ready.status, 200, "{}", ready.text());
    assert_eq!(ready.json()["status"], "ready");
    let version = ready.json()["catalog_version"]
        .as_str()
        .unwrap()
        .to_string();
    for path in ["/readyz", "/healthz", "/api/v1/resources", "/no/such/page"] {
        let reply = server.get(path);
        assert_eq!(
            reply.header("x-catalog-version"),
            Some(version.as_str()),
            "{path}"
        );
    }

    // Another replica writes: the store moves on, this replica's memory does not (yet).
    let generation = ready.json()["generation"].as_i64().unwrap();
    server
        .state
        .store
        .apply(
            &Change::Replace(&[]),
            "c-from-another-replica",
            Some(generation),
            &[],
            0,
        )
        .unwrap();
    let behind = server.get("/readyz");
    assert_eq!(behind.status, 503, "{}", behind.text());
    assert_eq!(behind.json()["status"], "behind");
    assert_eq!(behind.json()["stored_generation"], generation + 1);
    assert_eq!(behind.json()["generation"], generation);

    assert!(server.state.reload_if_changed().unwrap());
    let caught_up = server.get("/readyz");
    assert_eq!(caught_up.status, 200, "{}", caught_up.text());
    assert_eq!(
        caught_up.json()["catalog_version"],
        "c-from-another-replica"
    );
    assert_eq!(
        server.get("/healthz").header("x-catalog-version"),
        Some("c-from-another-replica")
    );
}

/// A replica follows the changes another one made by reading only the rows the store's change log
/// names (a write, a second write, a delete), and the whole catalog when the log cannot tell (a
/// replace); either way it ends with the store's catalog, searchable as a fresh one would be.
#[test]
fn a_replica_reads_only_what_changed_since_its_generation() {
    use duijie_core::jsonl::resource_from_json;
    use duijie_core::Resource;
    use duijie_server::store::{CatalogUpdate, Change};
    let server = crate::support::Server::start("catalog-since");
    let store = &server.state.store;
    let to_resource = |value: serde_json::Value| -> Resource {
        resource_from_json(&value).expect("a valid resource")
    };
    let catalog: Vec<Resource> = small_catalog(6).into_iter().map(to_resource).collect();
    // Another replica writes: the store moves on, this replica's memory follows when it reloads.
    let write = |change: Change<'_>, version: &str| {
        let generation = store.version().unwrap().unwrap().1;
        store
            .apply(&change, version, Some(generation), &[], 0)
            .unwrap()
    };
    write(Change::Replace(&catalog), "c-six");
    assert!(server.state.reload_if_changed().unwrap());
    let known = server.state.catalog().generation;
    assert_eq!(server.state.catalog().resources().len(), 6);

    let mut changed = catalog[2].clone();
    changed.title = "钠离子电池储能系统".to_string();
    write(Change::Upsert(std::slice::from_ref(&changed)), "c-changed");
    write(Change::Delete(&catalog[4].id), "c-deleted");
    match store.catalog_since(known).unwrap().unwrap() {
        CatalogUpdate::Changes {
            version,
            generation,
            upserted,
            deleted,
        } => {
            assert_eq!(version, "c-deleted");
            assert_eq!(generation, known + 2);
            assert_eq!(upserted, [changed.clone()]);
            assert_eq!(deleted, [catalog[4].id.clone()]);
        }
        CatalogUpdate::Whole(_) => panic!("read the whole catalog for two small changes"),
    }
    assert!(server.state.reload_if_changed().unwrap());
    let followed = server.state.catalog();
    assert_eq!(followed.version(), "c-deleted");
    assert_eq!(
        followed.resources(),
        store.catalog().unwrap().unwrap().resources.as_slice()
    );
    assert_eq!(
        server
            .get(&format!("/api/v1/resources/{}", changed.id))
            .json()["title"],
        "钠离子电池储能系统"
    );
    assert_eq!(
        server
            .get(&format!("/api/v1/resources/{}", catalog[4].id))
            .status,
        404
    );
    let fresh = duijie_core::Matcher::new(
        "c-deleted",
        followed.resources().to_vec(),
        duijie_core::Weights::default(),
    );
    let need = duijie_core::Need {
        text: "钠离子电池储能".to_string(),
        ..duijie_core::Need::default()
    };
    let options = duijie_core::MatchOptions::default();
    assert_eq!(
        followed.matcher.match_need(&need, &options),
        fresh.match_need(&need, &options)
    );

    // A replace is logged as a change of everything: the whole catalog is read.
    let known = followed.generation;
    write(Change::Replace(&catalog[..3]), "c-three");
    assert!(matches!(
        store.catalog_since(known).unwrap().unwrap(),
        CatalogUpdate::Whole(stored) if stored.resources.len() == 3
    ));
    // So is a generation the log does not reach back to.
    assert!(matches!(
        store.catalog_since(0).unwrap().unwrap(),
        CatalogUpdate::Whole(_)
    ));
    assert!(server.state.reload_if_changed().unwrap());
    assert_eq!(server.state.catalog().resources().len(), 3);
}

/// The LISTEN connections of the replicas on the database of `data`.
fn listeners(client: &mut postgres::Client) -> i64 {
    client
        .query_one(
            "SELECT COUNT(*) FROM pg_stat_activity
             WHERE datname = current_database() AND query LIKE 'LISTEN%'",
            &[],
        )
        .unwrap()
        .get(0)
}

/// Waits until `second` answers with `first`'s catalog; how long that took.
fn caught_up(first: &Process, second: &Process, within: Duration) -> Duration {
    let wanted = first.catalog();
    let started = Instant::now();
    while second.catalog() != wanted {
        assert!(
            started.elapsed() < within,
            "the second replica did not follow within {within:?}"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    started.elapsed()
}

/// On PostgreSQL, a catalog change committed through one replica is announced (NOTIFY) and the
/// other follows within a second, its periodic check an hour away; with the listeners' connections
/// cut (`pg_terminate_backend`), a change made meanwhile still arrives (each listener reloads when
/// it has reconnected), and later changes arrive within a second again.
#[test]
fn replicas_on_postgresql_follow_a_change_within_a_second() {
    if crate::support::postgres().is_none() {
        return;
    }
    let dir = temp_dir("notify");
    let config = dir.join("duijie.toml");
    std::fs::write(&config, "reload_secs = 3600\ndemo = false\n").unwrap();
    let data = dir.join("data");
    let flags = ["--config", config.to_str().unwrap()];
    let first = Process::start_with(&data, &flags);
    let second = Process::start_with(&data, &flags);
    let editor = first.token("editor");
    let import = |size: usize| {
        let reply = first.import(
            "?format=jsonl",
            &editor,
            "application/x-ndjson",
            &jsonl(&small_catalog(size)),
        );
        assert_eq!(reply.status, 200, "{}", reply.text());
    };
    let mut client =
        postgres::Client::connect(&database_for(&data).unwrap(), postgres::NoTls).unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while listeners(&mut client) < 2 {
        assert!(Instant::now() < deadline, "the replicas never listened");
        std::thread::sleep(Duration::from_millis(50));
    }

    import(5);
    let took = caught_up(&first, &second, Duration::from_secs(1));
    eprintln!("followed in {took:?}");

    let cut: Vec<bool> = client
        .query(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
             WHERE datname = current_database() AND query LIKE 'LISTEN%'",
            &[],
        )
        .unwrap()
        .iter()
        .map(|row| row.get(0))
        .collect();
    assert_eq!(cut, [true, true]);
    import(6);
    let took = caught_up(&first, &second, Duration::from_secs(10));
    eprintln!("followed a change made while the listeners were cut in {took:?}");

    let deadline = Instant::now() + Duration::from_secs(10);
    while listeners(&mut client) < 2 {
        assert!(
            Instant::now() < deadline,
            "the replicas never listened again"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    import(7);
    let took = caught_up(&first, &second, Duration::from_secs(1));
    eprintln!("followed after the reconnection in {took:?}");
    assert_eq!(second.get("/api/v1/resources/r-00006").status, 200);
}

/// Two replicas on one store (SQLite folder or PostgreSQL database), the same engagement sent to
/// both at once with one idempotency key, as a broker's retries land on whichever replica the load
/// balancer picks: one record, created once (one 201), every other answer the same record (200).
#[test]
fn retries_across_replicas_make_one_engagement() {
    let store = ReplicaStore::new("idem-replicas");
    let replicas = [store.start(), store.start()];
    let editor = replicas[0].token("editor");
    let broker = replicas[0].token("broker");
    let reply = replicas[0].import(
        "?format=jsonl",
        &editor,
        "application/x-ndjson",
        &jsonl(&small_catalog(3)),
    );
    assert_eq!(reply.status, 200, "{}", reply.text());
    caught_up(&replicas[0], &replicas[1], Duration::from_secs(15));
    let body = serde_json::json!({
        "need": {"text": "需要锂电池储能系统的热管理技术"},
        "resource_id": "r-00001",
        "idempotency_key": "tablet-3:7",
    });
    const SENT: usize = 24;
    let urls: Vec<String> = replicas
        .iter()
        .map(|replica| replica.url("/api/v1/engagements"))
        .collect();
    let bytes = body.to_string().into_bytes();
    // Every request leaves at once.
    let barrier = std::sync::Barrier::new(SENT);
    let barrier = &barrier;
    let answers: Vec<(u16, String)> = std::thread::scope(|scope| {
        let sent: Vec<_> = (0..SENT)
            .map(|i| {
                let (url, broker, bytes) = (&urls[i % 2], &broker, &bytes);
                scope.spawn(move || {
                    barrier.wait();
                    let reply = crate::support::request(
                        "POST",
                        url,
                        Some(broker),
                        &[],
                        Some(("application/json", bytes.clone())),
                    );
                    let id = reply.json()["id"].as_str().unwrap_or("").to_string();
                    (reply.status, id)
                })
            })
            .collect();
        sent.into_iter().map(|sent| sent.join().unwrap()).collect()
    });
    let created = answers.iter().filter(|(status, _)| *status == 201).count();
    let replayed = answers.iter().filter(|(status, _)| *status == 200).count();
    assert_eq!((created, replayed), (1, SENT - 1), "{answers:?}");
    assert!(
        answers.iter().all(|(_, id)| *id == answers[0].1),
        "{answers:?}"
    );
    for replica in &replicas {
        let list = replica
            .send("GET", "/api/v1/engagements", Some(&editor), None)
            .json();
        assert_eq!(list["total"], 1, "{list}");
    }
}

/// A PostgreSQL database of its own for one test: on the suite's server when `DUIJIE_TEST_DATABASE`
/// is set, else on a private cluster (kept alive by the returned `Cluster`) when the PostgreSQL
/// binaries are installed; `None` (the test skipped) on a machine without either.
fn postgres_database(name: &str) -> Option<(Option<crate::support::Cluster>, String)> {
    if crate::support::postgres().is_some() {
        return Some((None, database_for(&temp_dir(name)).unwrap()));
    }
    let cluster = crate::support::Cluster::start(name)?;
    let url = cluster.url.clone();
    Some((Some(cluster), url))
}

/// `duijie token create --scope SCOPE --database URL`: the token.
fn token_on(database: &str, scope: &str) -> String {
    let output = duijie(
        &["token", "create", "--scope", scope, "--database", database],
        &[],
    );
    assert!(output.status.success(), "{output:?}");
    stdout(&output).lines().last().unwrap().trim().to_string()
}

/// The database stopped under a replica: reads (matching, the catalog, a resource) keep answering
/// from memory, every one of them; a write fails within the connect timeout with 503
/// `store_unavailable` and a message saying so, the next ones at once, and `/readyz` says
/// `unreachable`; once the database is back the same write succeeds, without a restart. On a
/// private cluster of its own: the suite's shared one must stay up.
#[test]
fn with_the_database_down_reads_answer_and_writes_fail_cleanly_until_it_is_back() {
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    let Some(cluster) = crate::support::Cluster::start("db-down") else {
        return;
    };
    let server = Process::start_on(
        &cluster.url,
        &[
            "--no-demo",
            "--match-rate",
            "0",
            "--db-connect-timeout",
            "2",
        ],
    );
    let editor = token_on(&cluster.url, "editor");
    let reply = server.import(
        "?format=jsonl",
        &editor,
        "application/x-ndjson",
        &jsonl(&small_catalog(20)),
    );
    assert_eq!(reply.status, 200, "{}", reply.text());
    let write = |id: &str| {
        let started = Instant::now();
        let reply = server.send(
            "POST",
            "/api/v1/resources",
            Some(&editor),
            Some(&crate::support::resource(id, "expert", "储能专家")),
        );
        (reply, started.elapsed())
    };

    let stop = AtomicBool::new(false);
    let (reads, failed) = (AtomicUsize::new(0), AtomicUsize::new(0));
    std::thread::scope(|scope| {
        for reader in 0..2 {
            let (base, stop, reads, failed) = (&server.base, &stop, &reads, &failed);
            scope.spawn(move || {
                let need = serde_json::json!({"need": {"text": "锂电池储能"}}).to_string();
                while !stop.load(Ordering::SeqCst) {
                    let get = |path: &str| {
                        crate::support::request("GET", &format!("{base}{path}"), None, &[], None)
                    };
                    let replies = [
                        crate::support::request(
                            "POST",
                            &format!("{base}/api/v1/match"),
                            None,
                            &[],
                            Some(("application/json", need.clone().into_bytes())),
                        ),
                        get("/api/v1/resources?limit=5"),
                        get(&format!("/api/v1/resources/r-0000{reader}")),
                    ];
                    for reply in replies {
                        reads.fetch_add(1, Ordering::SeqCst);
                        if reply.status != 200 {
                            failed.fetch_add(1, Ordering::SeqCst);
                            eprintln!("a read failed: {} {}", reply.status, reply.text());
                        }
                    }
                }
            });
        }

        // The readers stop however this ends (a failed assertion too), so the scope can end.
        struct StopOnDrop<'a>(&'a AtomicBool);
        impl Drop for StopOnDrop<'_> {
            fn drop(&mut self) {
                self.0.store(true, Ordering::SeqCst);
            }
        }
        let _stop_readers = StopOnDrop(&stop);

        cluster.stop();
        let before = reads.load(Ordering::SeqCst);
        let (refused, took) = write("r-new-1");
        assert_eq!(refused.status, 503, "{}", refused.text());
        assert_eq!(
            refused.error_code(),
            "store_unavailable",
            "{}",
            refused.text()
        );
        let message = refused.json()["error"]["message"]
            .as_str()
            .unwrap()
            .to_string();
        assert!(
            message.starts_with("the database does not answer ("),
            "{message}"
        );
        assert!(took < Duration::from_secs(4), "the write took {took:?}");
        eprintln!("the first write refused in {took:?}: {message}");
        // The database known down, the next writes fail at once.
        for attempt in 0..5 {
            let (refused, took) = write("r-new-1");
            assert_eq!(
                refused.error_code(),
                "store_unavailable",
                "{}",
                refused.text()
            );
            assert!(
                took < Duration::from_secs(1),
                "write {attempt} took {took:?}"
            );
        }
        let ready = server.get("/readyz");
        assert_eq!(ready.status, 503, "{}", ready.text());
        assert_eq!(ready.json()["status"], "unreachable");
        std::thread::sleep(Duration::from_secs(1));
        assert!(
            reads.load(Ordering::SeqCst) > before + 20,
            "the readers stalled while the database was down"
        );

        cluster.resume();
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            let (reply, _) = write("r-new-1");
            if reply.status == 201 {
                break;
            }
            assert_eq!(reply.error_code(), "store_unavailable", "{}", reply.text());
            assert!(
                Instant::now() < deadline,
                "writes did not work again once the database was back"
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    });
    assert_eq!(failed.load(Ordering::SeqCst), 0, "reads failed");
    eprintln!("{} reads, all answered", reads.load(Ordering::SeqCst));
    assert_eq!(server.get("/api/v1/resources/r-new-1").status, 200);
    assert_eq!(server.get("/readyz").status, 200);
}

/// `--db-pool-size` bounds the connections a replica opens, and `--db-statement-timeout` how long a
/// statement may wait: with the tokens table locked by another session, two requests at once that
/// look up their token (the two HTTP workers) hold one connection between them, the other waiting
/// for it, and each fails with 503 `store_unavailable` naming the statement timeout, instead of
/// hanging until the lock goes.
#[test]
fn the_pool_size_and_the_statement_timeout_hold() {
    let Some((_cluster, url)) = postgres_database("pool") else {
        return;
    };
    let server = Process::start_on(
        &url,
        &[
            "--no-demo",
            "--db-pool-size",
            "1",
            "--db-statement-timeout",
            "2",
        ],
    );
    let editor = token_on(&url, "editor");
    assert_eq!(
        server
            .send("GET", "/api/v1/whoami", Some(&editor), None)
            .status,
        200
    );
    let mut locker = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    let mut lock = locker.transaction().unwrap();
    lock.batch_execute("LOCK TABLE tokens IN ACCESS EXCLUSIVE MODE")
        .unwrap();
    let mut watcher = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    let started = Instant::now();
    let answers: Vec<(u16, String, Duration)> = std::thread::scope(|scope| {
        let sent: Vec<_> = (0..2)
            .map(|_| {
                let (url, editor) = (server.url("/api/v1/whoami"), &editor);
                scope.spawn(move || {
                    let reply = crate::support::request("GET", &url, Some(editor), &[], None);
                    (reply.status, reply.text(), started.elapsed())
                })
            })
            .collect();
        std::thread::sleep(Duration::from_millis(1000));
        let waiting: i64 = watcher
            .query_one(
                "SELECT COUNT(*) FROM pg_stat_activity
                 WHERE datname = current_database() AND wait_event_type = 'Lock'",
                &[],
            )
            .unwrap()
            .get(0);
        assert_eq!(waiting, 1, "connections of the replica waiting on the lock");
        sent.into_iter().map(|sent| sent.join().unwrap()).collect()
    });
    lock.rollback().unwrap();
    for (status, body, took) in &answers {
        assert_eq!(*status, 503, "{body}");
        assert!(body.contains("store_unavailable"), "{body}");
        assert!(body.contains("statement timeout"), "{body}");
        assert!(*took < Duration::from_secs(8), "took {took:?}");
    }
    assert_eq!(
        server
            .send("GET", "/api/v1/whoami", Some(&editor), None)
            .status,
        200
    );
}

/// `duijie ARGS`, which must succeed: its standard output.
fn ok(args: &[&str]) -> String {
    let output = duijie(args, &[]);
    assert!(output.status.success(), "{args:?}: {output:?}");
    stdout(&output)
}

/// What a client sees of a whole instance over HTTP: the catalog, the stored needs, the
/// engagements with their steps, the subscriptions and the fairs (through the tokens moved with it).
fn seen(server: &Process, editor: &str, enterprise: &str) -> Vec<serde_json::Value> {
    let get = |path: &str, token: &str| {
        let reply = server.send("GET", path, Some(token), None);
        assert_eq!(reply.status, 200, "{path}: {}", reply.text());
        reply.json()
    };
    let engagements = get("/api/v1/engagements", editor);
    let mut seen = vec![
        server.get("/healthz").json(),
        get("/api/v1/resources?limit=100", editor),
        get("/api/v1/needs", editor),
        engagements.clone(),
        get("/api/v1/subscriptions", enterprise),
        get("/api/v1/fairs", editor),
        get("/api/v1/stats", editor),
    ];
    for item in engagements["items"].as_array().unwrap() {
        let id = item["id"].as_str().unwrap();
        seen.push(get(&format!("/api/v1/engagements/{id}"), editor));
    }
    // Links name the server's address, another for each process.
    seen.iter()
        .map(|answer| {
            let text = answer.to_string().replace(&server.base, "http://SERVER");
            serde_json::from_str(&text).unwrap()
        })
        .collect()
}

/// `seen` twice the same, the first answer that differs shown whole.
fn same(got: &[serde_json::Value], wanted: &[serde_json::Value]) {
    assert_eq!(got.len(), wanted.len());
    for (got, wanted) in got.iter().zip(wanted) {
        assert!(got == wanted, "got\n{got:#}\nwanted\n{wanted:#}");
    }
}

/// A whole instance moves between stores: filled over HTTP on SQLite (catalog, tokens, a stored
/// need, an engagement and its steps, a subscription, a fair), exported, imported into PostgreSQL
/// (SQLite again where there is no PostgreSQL), served there with what every route shows the same
/// and the same tokens valid, a write made there; then back into a new SQLite store, the same
/// again. A store that holds anything is refused unless `--replace`.
#[test]
fn an_instance_moves_between_sqlite_and_postgresql_and_back() {
    let dir = temp_dir("instance");
    let source = format!("sqlite://{}", dir.join("source").display());
    let (_cluster, target) = match postgres_database("instance-target") {
        Some((cluster, url)) => (cluster, url),
        None => (None, format!("sqlite://{}", dir.join("target").display())),
    };
    let back = format!("sqlite://{}", dir.join("back").display());

    let editor = token_on(&source, "editor");
    let broker = token_on(&source, "broker");
    let enterprise = {
        let output = duijie(
            &[
                "token",
                "create",
                "--scope",
                "enterprise",
                "--organization",
                "甲公司",
                "--database",
                &source,
            ],
            &[],
        );
        assert!(output.status.success(), "{output:?}");
        stdout(&output).lines().last().unwrap().trim().to_string()
    };
    let server = Process::start_on(&source, &["--no-demo", "--match-rate", "0"]);
    let created = |reply: crate::support::Reply| {
        assert!(
            reply.status == 200 || reply.status == 201,
            "{}",
            reply.text()
        );
        reply.json()
    };
    created(server.import(
        "?format=jsonl",
        &editor,
        "application/x-ndjson",
        &jsonl(&small_catalog(12)),
    ));
    created(server.send(
        "POST",
        "/api/v1/needs",
        Some(&enterprise),
        Some(&serde_json::json!({
            "id": "n-1",
            "title": "锂电池储能需求",
            "text": "我公司需要锂电池储能方面的技术支持，希望与专家合作攻关。",
            "organization": "甲公司",
            "visibility": "public",
        })),
    ));
    let engagement = created(server.send(
        "POST",
        "/api/v1/engagements",
        Some(&broker),
        Some(&serde_json::json!({
            "need": {"text": "需要锂电池储能系统的热管理技术"},
            "resource_id": "r-00001",
            "idempotency_key": "tablet-1:1",
        })),
    ));
    let id = engagement["id"].as_str().unwrap();
    created(server.send(
        "POST",
        &format!("/api/v1/engagements/{id}/transitions"),
        Some(&broker),
        Some(&serde_json::json!({"to": "contacted", "note": "电话联系"})),
    ));
    created(server.send(
        "POST",
        "/api/v1/subscriptions",
        Some(&enterprise),
        Some(&serde_json::json!({"need_id": "n-1", "channel": "feed"})),
    ));
    created(server.send(
        "POST",
        "/api/v1/fairs",
        Some(&editor),
        Some(&crate::fairs::settings(crate::fairs::FUTURE)),
    ));
    // A change after the subscription, so the outbox holds something.
    created(server.import(
        "?format=jsonl",
        &editor,
        "application/x-ndjson",
        &jsonl(&small_catalog(14)),
    ));
    std::thread::sleep(Duration::from_secs(1));
    let before = seen(&server, &editor, &enterprise);
    drop(server);

    let file = dir.join("instance.jsonl");
    let file = file.to_str().unwrap();
    let exported = ok(&["export", "--database", &source, "--out", file]);
    eprintln!("{exported}");
    for table in [
        "resources 14",
        "tokens 3",
        "engagements 1",
        "engagement_steps 2",
        "needs 1",
    ] {
        assert!(exported.contains(table), "{table}: {exported}");
    }
    ok(&["import-instance", file, "--database", &target]);
    let refused = duijie(&["import-instance", file, "--database", &target], &[]);
    assert_eq!(refused.status.code(), Some(2), "{refused:?}");
    assert!(
        stderr(&refused).contains("the target store is not empty (table catalog holds 1 rows)"),
        "{}",
        stderr(&refused)
    );
    eprintln!(
        "{}",
        ok(&["import-instance", file, "--database", &target, "--replace"])
    );

    let moved = Process::start_on(&target, &["--no-demo", "--match-rate", "0"]);
    same(&seen(&moved, &editor, &enterprise), &before);
    // The moved store takes writes: a new engagement gets the next id, not a used one.
    let second = created(moved.send(
        "POST",
        "/api/v1/engagements",
        Some(&broker),
        Some(&serde_json::json!({
            "need": {"text": "污水处理"},
            "resource_id": "r-00002",
            "idempotency_key": "tablet-1:2",
        })),
    ));
    assert_ne!(second["id"], engagement["id"]);
    let after = seen(&moved, &editor, &enterprise);
    drop(moved);

    let again = dir.join("again.jsonl");
    let again = again.to_str().unwrap();
    ok(&["export", "--database", &target, "--out", again]);
    ok(&["import-instance", again, "--database", &back]);
    let returned = Process::start_on(&back, &["--no-demo", "--match-rate", "0"]);
    same(&seen(&returned, &editor, &enterprise), &after);
}

/// Two replicas on one store (a PostgreSQL database, or a SQLite folder): one is killed (-9) inside
/// a large import's transaction, every row written and nothing committed. The other keeps the
/// previous catalog, ready, and its own write goes through at once (the dead replica's write lock
/// went with its connection); the killed one, started again, shows that write.
#[test]
fn kill_9_of_a_replica_inside_an_import_leaves_the_other_the_previous_catalog() {
    let store = ReplicaStore::new("kill9-replicas");
    let first = store.start();
    let second = store.start();
    let editor = first.token("editor");
    let reply = first.import(
        "?format=jsonl",
        &editor,
        "application/x-ndjson",
        &jsonl(&small_catalog(10)),
    );
    assert_eq!(reply.status, 200, "{}", reply.text());
    caught_up(&first, &second, Duration::from_secs(15));
    let before = second.catalog();
    drop(first);

    let env = [("DUIJIE_TEST_COMMIT_DELAY_MS", "20000")];
    let mut first = Process::start_with_env(&store.data, &store.flags(), &env);
    let sender =
        crate::reliability::import_in_background(&first, &editor, jsonl(&small_catalog(3_000)));
    loop {
        let line = first
            .stderr
            .recv_timeout(Duration::from_secs(60))
            .expect("the import never reached its transaction");
        if line.contains("transaction open") {
            break;
        }
    }
    first.child.kill().unwrap();
    first.child.wait().unwrap();
    let _ = sender.join();
    drop(first);

    assert_eq!(second.catalog(), before);
    assert_eq!(second.get("/readyz").status, 200);
    let started = Instant::now();
    let reply = second.import(
        "?format=jsonl&mode=replace&allow_shrink=true",
        &editor,
        "application/x-ndjson",
        &jsonl(&small_catalog(5)),
    );
    assert_eq!(reply.status, 200, "{}", reply.text());
    let took = started.elapsed();
    assert!(took < Duration::from_secs(10), "the write waited {took:?}");
    eprintln!("the other replica's write went through in {took:?}");
    let written = second.catalog();
    assert_eq!(written.0, 5);
    let first = store.start();
    assert_eq!(first.catalog(), written);
    assert_eq!(first.get("/api/v1/resources?limit=1").json()["total"], 5);
}

/// The wait for another replica's write lock is not bounded by the statement timeout: with one
/// replica's catalog transaction open for 3 s, the other's write under a 1 s statement timeout
/// waits for it and goes through (instead of a 503 after a second).
#[test]
fn a_write_waits_for_another_replicas_lock_past_the_statement_timeout() {
    let Some((_cluster, url)) = postgres_database("lock-wait") else {
        return;
    };
    let env = [("DUIJIE_TEST_COMMIT_DELAY_MS", "3000")];
    // The quick one first: it makes the store's catalog, so the slow one's hook waits only in the
    // import.
    let quick = Process::start_on(&url, &["--no-demo", "--db-statement-timeout", "1"]);
    let slow = Process::start_on_env(&url, &["--no-demo"], &env);
    let editor = token_on(&url, "editor");
    let sender =
        crate::reliability::import_in_background(&slow, &editor, jsonl(&small_catalog(20)));
    loop {
        let line = slow
            .stderr
            .recv_timeout(Duration::from_secs(60))
            .expect("the import never reached its transaction");
        if line.contains("transaction open") {
            break;
        }
    }
    let started = Instant::now();
    let reply = quick.send(
        "POST",
        "/api/v1/resources",
        Some(&editor),
        Some(&crate::support::resource("r-quick", "expert", "储能专家")),
    );
    let took = started.elapsed();
    sender.join().unwrap();
    assert_eq!(reply.status, 201, "{}", reply.text());
    assert!(
        took > Duration::from_millis(1500),
        "it did not wait: {took:?}"
    );
    eprintln!("the write waited {took:?} for the other replica's transaction");
}
