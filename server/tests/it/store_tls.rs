//! TLS to PostgreSQL: libpq's `sslmode` and `sslrootcert` in `--database`, against a private
//! cluster with TLS on and a certificate made by the test (a CA of its own and a server certificate
//! for 127.0.0.1, by `openssl`); the password of the URL never printed.

use std::process::{Command, Output};

use serde_json::json;

use crate::support::{certificates, jsonl, server_bin, small_catalog, temp_dir, Cluster, Process};

/// `duijie ARGS --database URL`.
fn duijie(args: &[&str], database: &str) -> Output {
    Command::new(server_bin())
        .args(args)
        .args(["--database", database])
        .env_remove("DUIJIE_DATA")
        .env_remove("DUIJIE_DATABASE")
        .output()
        .expect("run duijie")
}

/// `duijie migrate` on `database` succeeds.
fn connects(database: &str) {
    let output = duijie(&["migrate"], database);
    assert!(output.status.success(), "{database}: {output:?}");
}

/// `duijie migrate` on `database` stops with exit code 2; its message, which must hold `why` and
/// not the password.
fn refused(database: &str, why: &str) -> String {
    let output = duijie(&["migrate"], database);
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert_eq!(output.status.code(), Some(2), "{database}: {output:?}");
    assert!(stderr.contains(why), "{database}: {stderr}");
    assert!(!stderr.contains("s3cret"), "the password printed: {stderr}");
    stderr
}

/// The connections of client programs to the cluster that are encrypted, and those that are not
/// (the admin's own, plain, left out).
fn encrypted_connections(admin: &mut postgres::Client) -> (i64, i64) {
    let row = admin
        .query_one(
            "SELECT count(*) FILTER (WHERE s.ssl), count(*) FILTER (WHERE NOT s.ssl)
             FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid)
             WHERE a.backend_type = 'client backend' AND a.pid <> pg_backend_pid()",
            &[],
        )
        .unwrap();
    (row.get(0), row.get(1))
}

/// verify-full with the CA that signed the server's certificate connects, over TLS, and the
/// replica serves a match; another CA, or a host name the certificate does not hold, is refused
/// with the cause; verify-ca checks the chain and not the name; require encrypts without a CA;
/// disable stays plain; and once the server has TLS off, require is refused while prefer and
/// disable connect.
#[test]
fn tls_to_the_database_follows_sslmode_and_sslrootcert() {
    let dir = temp_dir("db-tls");
    let (right, wrong) = (dir.join("right"), dir.join("wrong"));
    std::fs::create_dir_all(&right).unwrap();
    std::fs::create_dir_all(&wrong).unwrap();
    let (Some((ca, certificate, key)), Some((other_ca, _, _))) =
        (certificates(&right), certificates(&wrong))
    else {
        return;
    };
    let Some(cluster) = Cluster::start_tls("db-tls", &certificate, &key) else {
        return;
    };
    // Trust authentication takes any password: one is given, to see it never printed.
    let with_password = cluster.url.replacen("postgres@", "postgres:s3cret@", 1);
    let url = |params: &str| format!("{with_password}?{params}");
    // By name: the certificate holds 127.0.0.1 only (the connection still goes to 127.0.0.1).
    let by_name = |params: &str| {
        format!(
            "{}?hostaddr=127.0.0.1&{params}",
            with_password.replacen("@127.0.0.1:", "@localhost:", 1)
        )
    };
    let (ca, other_ca) = (ca.display(), other_ca.display());
    let mut admin = postgres::Client::connect(&cluster.url, postgres::NoTls).unwrap();

    let verified = url(&format!("sslmode=verify-full&sslrootcert={ca}"));
    let server = Process::start_on(&verified, &["--no-demo"]);
    let token = duijie(&["token", "create", "--scope", "editor"], &verified);
    assert!(token.status.success(), "{token:?}");
    let editor = String::from_utf8_lossy(&token.stdout);
    let editor = editor.lines().last().unwrap().trim();
    let imported = server.import(
        "?format=jsonl",
        editor,
        "application/x-ndjson",
        &jsonl(&small_catalog(12)),
    );
    assert_eq!(imported.status, 200, "{}", imported.text());
    let answer = server.send(
        "POST",
        "/api/v1/match",
        None,
        Some(&json!({"need": {"text": "锂电池储能"}, "limit": 3})),
    );
    assert_eq!(answer.status, 200, "{}", answer.text());
    assert!(!answer.json()["results"].as_array().unwrap().is_empty());
    let (encrypted, plain) = encrypted_connections(&mut admin);
    assert!(
        encrypted >= 1 && plain == 0,
        "{encrypted} over TLS, {plain} not"
    );
    drop(server);

    let quick = "connect_timeout=1";
    let stderr = refused(
        &url(&format!(
            "sslmode=verify-full&sslrootcert={other_ca}&{quick}"
        )),
        "error performing TLS handshake: invalid peer certificate: UnknownIssuer",
    );
    assert!(
        stderr.contains("not signed by a CA of the URL's sslrootcert"),
        "{stderr}"
    );
    refused(
        &by_name(&format!("sslmode=verify-full&sslrootcert={ca}&{quick}")),
        "certificate not valid for name \"localhost\"",
    );
    connects(&by_name(&format!("sslmode=verify-ca&sslrootcert={ca}")));
    connects(&url("sslmode=require"));
    connects(&url("sslmode=disable"));

    // The server without TLS.
    admin.batch_execute("ALTER SYSTEM SET ssl = off").unwrap();
    admin.batch_execute("SELECT pg_reload_conf()").unwrap();
    let started = std::time::Instant::now();
    while postgres::Client::connect(&cluster.url, postgres::NoTls)
        .and_then(|mut client| client.query_one("SHOW ssl", &[]))
        .map(|row| row.get::<_, String>(0))
        .unwrap()
        != "off"
    {
        assert!(started.elapsed().as_secs() < 10, "ssl still on");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    refused(
        &url(&format!("sslmode=require&{quick}")),
        "error performing TLS handshake: server does not support TLS",
    );
    connects(&url("sslmode=prefer"));
    connects(&url("sslmode=disable"));
    drop(cluster);
    let _ = std::fs::remove_dir_all(&dir);
}

/// A URL whose TLS parameters cannot be followed is refused at start, before any connection, with
/// why, and without its password.
#[test]
fn tls_parameters_that_cannot_be_followed_are_refused() {
    for (params, why) in [
        (
            "sslmode=verify-ca",
            "sslmode=verify-ca needs sslrootcert=PATH",
        ),
        (
            "sslmode=verify-full&sslrootcert=/no/such/ca.pem",
            "sslrootcert=/no/such/ca.pem: ",
        ),
        (
            "sslmode=secure",
            "sslmode=secure is not one of disable, allow, prefer, require, verify-ca, verify-full",
        ),
        (
            "sslmode=require&sslrootcert=system",
            "sslrootcert=system trusts every public CA, so it needs sslmode=verify-full",
        ),
    ] {
        let url = format!("postgres://duijie:s3cret@127.0.0.1:1/duijie?{params}");
        let stderr = refused(&url, why);
        assert!(
            stderr.contains(&format!(
                "--database postgres://duijie:***@127.0.0.1:1/duijie?{params}: {why}"
            )),
            "{stderr}"
        );
    }
}
