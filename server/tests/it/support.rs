//! The service under test, with its own data folder and tokens, and a small HTTP helper.
//!
//! `Server` is the app in this process: `duijie_server::create_app` on the state `duijie serve`
//! builds, called through actix's test service (STYLE.md §5), with no socket and no child process.
//! `Process` is a real `duijie serve` on a free port, for what only a process shows: kill -9 and
//! SIGTERM, replicas sharing a store, connection caps, idle sockets and slow heads, limits by peer
//! address, whole requests running concurrently, the process's memory. Both answer with a `Reply`.

use std::future::Future;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::process::{Child, Command, Stdio};
use std::rc::Rc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::Duration;

use actix_web::body::{BodySize, MessageBody as _};
use actix_web::dev::{Service as _, ServiceResponse};
use actix_web::http::Method;
use actix_web::test::TestRequest;
use actix_web::{web, HttpResponse};
use duijie_server::auth::{create_token, Scope};
use duijie_server::commands::serve::{open_state, resolve_config, ServeArgs};
use duijie_server::state::AppState;
use serde_json::Value;

pub const BIN: &str = env!("CARGO_BIN_EXE_duijie");

/// The binary the processes run: `BIN`, or `DUIJIE_TEST_BIN` when set (to run the `Process` tests
/// against another build, such as one from before a fix, to see a regression test fail).
pub fn server_bin() -> String {
    std::env::var("DUIJIE_TEST_BIN").unwrap_or_else(|_| BIN.to_string())
}

/// The PostgreSQL server the suite runs against: `DUIJIE_TEST_DATABASE`, the URL of a database on
/// it the tests may create databases from (`postgres://postgres@127.0.0.1:PORT/postgres`); `None`
/// (the variable unset or empty): every store is SQLite in its data folder.
pub fn postgres() -> Option<String> {
    std::env::var("DUIJIE_TEST_DATABASE")
        .ok()
        .filter(|url| !url.is_empty())
}

/// On PostgreSQL, the `--database` URL of the store that stands for the data folder `data`: a
/// database of its own, named after the folder (so a server restarted on the same folder finds its
/// store again), created on first use. `None` on SQLite.
pub fn database_for(data: &Path) -> Option<String> {
    let admin = postgres()?;
    // FNV-1a of the folder's path: a name PostgreSQL accepts, the same for the same folder.
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in data.to_string_lossy().bytes() {
        hash = (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
    }
    let name = format!("duijie_it_{hash:016x}");
    let (server, _) = admin
        .rsplit_once('/')
        .expect("DUIJIE_TEST_DATABASE is postgres://…/DATABASE");
    let mut client = postgres::Client::connect(&admin, postgres::NoTls)
        .unwrap_or_else(|error| panic!("cannot connect to DUIJIE_TEST_DATABASE: {error}"));
    if let Err(error) = client.batch_execute(&format!("CREATE DATABASE {name}")) {
        // 42P04: it exists already (the same folder opened again).
        let exists = error.code() == Some(&postgres::error::SqlState::DUPLICATE_DATABASE);
        assert!(exists, "CREATE DATABASE {name}: {error}");
    }
    Some(format!("{server}/{name}"))
}

/// The flags of a `duijie` command that name the store of `data`: `--data DATA` on SQLite,
/// `--database URL` (its database, `database_for`) on PostgreSQL.
pub fn store_flags(data: &Path) -> Vec<String> {
    match database_for(data) {
        Some(url) => vec!["--database".to_string(), url],
        None => vec!["--data".to_string(), data.to_string_lossy().into_owned()],
    }
}

/// A private PostgreSQL cluster of one test, made by `.ci/pg-cluster` under a temp folder, for what a
/// test does to the database server itself (stops it, starts it again), which the suite's shared
/// `DUIJIE_TEST_DATABASE` must not see. Stopped and removed when dropped.
pub struct Cluster {
    dir: PathBuf,
    /// Its admin URL (`postgres://postgres@127.0.0.1:PORT/postgres`).
    pub url: String,
}

impl Cluster {
    /// A new cluster, when the PostgreSQL binaries are installed (`initdb` on the PATH or under
    /// `/usr/lib/postgresql/*/bin`, as the script looks); `None` when they are not, so a test on it
    /// is skipped on a machine without them, never where the suite runs on PostgreSQL
    /// (`DUIJIE_TEST_DATABASE` set: then their absence fails the test).
    pub fn start(name: &str) -> Option<Cluster> {
        Cluster::start_with(name, None)
    }

    /// `start`, with TLS on (`ssl = on` in its configuration) with the PEM `certificate` and its
    /// `key`.
    pub fn start_tls(name: &str, certificate: &Path, key: &Path) -> Option<Cluster> {
        Cluster::start_with(name, Some((certificate, key)))
    }

    fn start_with(name: &str, tls: Option<(&Path, &Path)>) -> Option<Cluster> {
        let installed = Command::new("sh")
            .args([
                "-c",
                "command -v initdb >/dev/null || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1",
            ])
            .status()
            .is_ok_and(|status| status.success());
        if !installed {
            assert!(
                postgres().is_none(),
                "DUIJIE_TEST_DATABASE is set but no PostgreSQL binaries (initdb) are installed"
            );
            eprintln!("no PostgreSQL binaries (initdb): skipped");
            return None;
        }
        let dir = temp_dir(name).join("cluster");
        if let Some((certificate, key)) = tls {
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::copy(certificate, dir.join("server.crt")).unwrap();
            std::fs::copy(key, dir.join("server.key")).unwrap();
        }
        let mut cluster = Cluster {
            dir,
            url: String::new(),
        };
        cluster.url = cluster.run("start");
        Some(cluster)
    }

    /// `.ci/pg-cluster ACTION DIR`; its standard output.
    fn run(&self, action: &str) -> String {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../.ci/pg-cluster");
        let output = Command::new(script)
            .arg(action)
            .arg(&self.dir)
            .output()
            .expect("run .ci/pg-cluster");
        assert!(output.status.success(), "pg-cluster {action}: {output:?}");
        String::from_utf8_lossy(&output.stdout).trim().to_string()
    }

    /// Stops the server (`pg_ctl stop -m fast`: its connections are cut).
    pub fn stop(&self) {
        self.run("stop");
    }

    /// Starts the stopped server again, on the same port.
    pub fn resume(&self) {
        let url = self.run("start");
        assert_eq!(url, self.url);
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = std::process::Command::new(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../.ci/pg-cluster"),
        )
        .arg("stop")
        .arg(&self.dir)
        .output();
        if let Some(parent) = self.dir.parent() {
            let _ = std::fs::remove_dir_all(parent);
        }
    }
}

/// A private CA and a server certificate it signed for 127.0.0.1 (ECDSA P-256, made by `openssl`)
/// in `dir`: the CA's PEM, the server's certificate and its key (an SMTP relay's, an https://
/// webhook receiver's, a PostgreSQL server's). `None` (with a note) without openssl, unless CI requires the tests that use it
/// (`DUIJIE_REQUIRE_ICALENDAR`).
pub fn certificates(
    dir: &std::path::Path,
) -> Option<(std::path::PathBuf, std::path::PathBuf, std::path::PathBuf)> {
    let required = std::env::var_os("DUIJIE_REQUIRE_ICALENDAR").is_some();
    let (ca, ca_key, certificate, key) = (
        dir.join("ca.pem"),
        dir.join("ca.key"),
        dir.join("server.pem"),
        dir.join("server.key"),
    );
    // A CA name of its own, so that another call's CA is another issuer.
    let ca_name = format!(
        "/CN=duijie test CA {}",
        dir.file_name().unwrap_or_default().to_string_lossy()
    );
    let ec = [
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
    ];
    let steps: [Vec<&std::ffi::OsStr>; 2] = [
        ["req", "-x509", "-days", "2", "-subj", ca_name.as_str()]
            .into_iter()
            .chain(ec)
            .map(std::ffi::OsStr::new)
            .chain([
                "-keyout".as_ref(),
                ca_key.as_os_str(),
                "-out".as_ref(),
                ca.as_os_str(),
            ])
            .collect(),
        [
            "req",
            "-x509",
            "-days",
            "2",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
            "-addext",
            "basicConstraints=critical,CA:FALSE",
            "-addext",
            "extendedKeyUsage=serverAuth",
        ]
        .iter()
        .chain(&ec)
        .map(std::ffi::OsStr::new)
        .chain([
            "-CA".as_ref(),
            ca.as_os_str(),
            "-CAkey".as_ref(),
            ca_key.as_os_str(),
            "-keyout".as_ref(),
            key.as_os_str(),
            "-out".as_ref(),
            certificate.as_os_str(),
        ])
        .collect(),
    ];
    for step in steps {
        match std::process::Command::new("openssl").args(&step).output() {
            Ok(output) if output.status.success() => {}
            Ok(output) => panic!(
                "openssl {step:?}: {}",
                String::from_utf8_lossy(&output.stderr)
            ),
            Err(error) => {
                assert!(!required, "openssl cannot run: {error}");
                eprintln!("openssl cannot run ({error}): the TLS test is skipped");
                return None;
            }
        }
    }
    Some((ca, certificate, key))
}

/// A fresh, empty data folder path, unique to this process and call.
pub fn temp_dir(name: &str) -> PathBuf {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "duijie-it-{}-{name}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::SeqCst)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A new store for replicas: its data folder (an SQLite folder, or a PostgreSQL database in CI's
/// second run) and a configuration with no demo catalog under which each replica looks for another
/// replica's catalog changes every second.
pub struct ReplicaStore {
    pub data: PathBuf,
    config: String,
}

impl ReplicaStore {
    pub fn new(name: &str) -> ReplicaStore {
        let dir = temp_dir(name);
        let config = dir.join("duijie.toml");
        std::fs::write(&config, "reload_secs = 1\ndemo = false\n").unwrap();
        ReplicaStore {
            data: dir.join("data"),
            config: config.to_str().expect("a UTF-8 path").to_string(),
        }
    }

    /// The flags of `duijie serve` that name the configuration.
    pub fn flags(&self) -> [&str; 2] {
        ["--config", self.config.as_str()]
    }

    /// A replica on this store.
    pub fn start(&self) -> Process {
        Process::start_with(&self.data, &self.flags())
    }
}

/// The address in-process requests come from: a client on this host, as a test's requests to a
/// `Process` are (it matters to `/metrics` and the limits kept per client).
const CLIENT: &str = "127.0.0.1:40000";

/// The app's service: a request in, its response (or the error actix-http turns into one) out.
type Call = Box<
    dyn Fn(TestRequest) -> Pin<Box<dyn Future<Output = Result<ServiceResponse, actix_web::Error>>>>,
>;

/// The service in this process, on its own data folder. Dropping it closes the store (and removes
/// the folder when `start` or `start_config` made it).
pub struct Server {
    pub data: PathBuf,
    pub state: web::Data<AppState>,
    call: Call,
    runtime: actix_web::rt::SystemRunner,
    owned: Option<PathBuf>,
}

impl Server {
    /// A service with a new, empty store (no demo catalog).
    pub fn start(name: &str) -> Server {
        let data = temp_dir(name);
        let mut server = Server::open(&data, &["--no-demo"], false);
        server.owned = Some(data);
        server
    }

    /// A service with a new store and `duijie serve`'s flags.
    pub fn start_flags(name: &str, flags: &[&str]) -> Server {
        let data = temp_dir(name);
        let mut server = Server::open(&data, flags, false);
        server.owned = Some(data);
        server
    }

    /// A service on `data` with `duijie serve`'s flags (the demo catalog unless `--no-demo`).
    pub fn start_with(data: &Path, flags: &[&str]) -> Server {
        Server::open(data, flags, false)
    }

    /// A service with a new, empty store and `config` as its TOML configuration file.
    pub fn start_config(name: &str, config: &str) -> Server {
        let dir = temp_dir(name);
        let file = dir.join("duijie.toml");
        std::fs::write(&file, config).unwrap();
        let flags = ["--no-demo", "--config", file.to_str().unwrap()];
        let mut server = Server::open(&dir.join("data"), &flags, false);
        server.owned = Some(dir);
        server
    }

    /// A service with a new, empty store whose engagement bodies may carry `at` (the test clock
    /// `DUIJIE_TEST_CLOCK` turns on in `duijie serve`).
    pub fn start_with_test_clock(name: &str) -> Server {
        let data = temp_dir(name);
        let mut server = Server::open(&data, &["--no-demo"], true);
        server.owned = Some(data);
        server
    }

    /// The configuration `duijie serve --data DATA FLAGS` resolves (the environment left out), its
    /// state built as `duijie serve` builds it, and the app on it.
    fn open(data: &Path, flags: &[&str], test_clock: bool) -> Server {
        use clap::Parser as _;
        #[derive(clap::Parser)]
        struct Serve {
            #[command(flatten)]
            args: ServeArgs,
        }
        let mut data_flag = vec!["--data", data.to_str().expect("a UTF-8 path")];
        let database = database_for(data);
        if let Some(url) = &database {
            data_flag.extend(["--database", url.as_str()]);
        }
        let argv =
            std::iter::once("serve").chain(data_flag.into_iter().chain(flags.iter().copied()));
        let args = Serve::try_parse_from(argv)
            .expect("duijie serve's flags")
            .args;
        let config = resolve_config(&args, |_| None).expect("a valid configuration");
        let mut state = open_state(&config).expect("the store opens");
        state.test_clock = test_clock;
        let state = web::Data::new(state);
        let runtime = actix_web::rt::System::new();
        let service = Rc::new(runtime.block_on(actix_web::test::init_service(
            duijie_server::create_app(state.clone()),
        )));
        let call: Call = Box::new(move |request| {
            let service = service.clone();
            Box::pin(async move { service.call(request.to_request()).await })
        });
        Server {
            data: data.to_path_buf(),
            state,
            call,
            runtime,
            owned: None,
        }
    }

    /// A token of `scope`, created in this service's store (as `duijie token create` does).
    pub fn token(&self, scope: &str) -> String {
        let scope = Scope::parse(scope).unwrap_or_else(|| panic!("no scope '{scope}'"));
        create_token(&self.state.store, scope, None).expect("a token")
    }

    /// Sends a request for `path` (a request target: path and query) and waits for its answer.
    pub fn request(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        headers: &[(&str, &str)],
        body: Option<(&str, Vec<u8>)>,
    ) -> Reply {
        let mut request = TestRequest::default()
            .method(Method::from_bytes(method.as_bytes()).expect("a method"))
            .uri(&request_target(path))
            .peer_addr(CLIENT.parse().unwrap());
        if let Some(token) = token {
            request = request.insert_header(("Authorization", format!("Bearer {token}")));
        }
        for header in headers {
            request = request.append_header(*header);
        }
        if let Some((content_type, bytes)) = body {
            request = request
                .insert_header(("Content-Type", content_type))
                .set_payload(bytes);
        }
        self.runtime.block_on(async {
            let response = match (self.call)(request).await {
                Ok(response) => response.into_parts().1,
                Err(error) => error.error_response(),
            };
            in_process_reply(response).await
        })
    }

    pub fn get(&self, path: &str) -> Reply {
        self.request("GET", path, None, &[], None)
    }

    pub fn get_with(&self, path: &str, headers: &[(&str, &str)]) -> Reply {
        self.request("GET", path, None, headers, None)
    }

    pub fn send(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
    ) -> Reply {
        let body = body.map(|body| ("application/json", body.to_string().into_bytes()));
        self.request(method, path, token, &[], body)
    }

    pub fn import(&self, query: &str, token: &str, content_type: &str, body: &[u8]) -> Reply {
        self.request(
            "POST",
            &format!("/api/v1/import{query}"),
            Some(token),
            &[],
            Some((content_type, body.to_vec())),
        )
    }

    /// `(total, catalog_version)` of the current catalog.
    pub fn catalog(&self) -> (u64, String) {
        catalog_of(&self.get("/healthz"))
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(folder) = &self.owned {
            let _ = std::fs::remove_dir_all(folder);
            drop_database(&self.data);
        }
    }
}

/// On PostgreSQL, drops the database of the data folder `data` (its connections cut), so that a
/// run of the suite does not leave hundreds behind.
fn drop_database(data: &Path) {
    let (Some(admin), Some(url)) = (postgres(), database_for(data)) else {
        return;
    };
    let Some((_, name)) = url.rsplit_once('/') else {
        return;
    };
    if let Ok(mut client) = postgres::Client::connect(&admin, postgres::NoTls) {
        let _ = client.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
    }
}

/// `path` as a request target: the bytes an HTTP client would percent-encode (non-ASCII query
/// values, spaces, quotes) percent-encoded.
fn request_target(path: &str) -> String {
    let mut target = String::with_capacity(path.len());
    for byte in path.bytes() {
        if byte.is_ascii_graphic() && !b"\"<>\\^`{|}".contains(&byte) {
            target.push(char::from(byte));
        } else {
            target.push_str(&format!("%{byte:02X}"));
        }
    }
    target
}

/// A response of the in-process service as a `Reply`, with the framing header actix-http's HTTP/1
/// encoder adds from the body's size: `content-length` for a sized body (none for 1xx, 204 and
/// 304), `transfer-encoding: chunked` for a stream. The body is kept whatever the method: on the
/// wire actix-http drops a HEAD answer's body, so HEAD is tested on a `Process`.
async fn in_process_reply(response: HttpResponse) -> Reply {
    let status = response.status().as_u16();
    let mut headers: Vec<(String, String)> = response
        .headers()
        .iter()
        .map(|(name, value)| {
            let value = value.to_str().expect("an ASCII header value");
            (name.as_str().to_string(), value.to_string())
        })
        .collect();
    let body = response.into_body();
    match body.size() {
        BodySize::Sized(length) if !matches!(status, 100..=199 | 204 | 304) => {
            headers.push(("content-length".into(), length.to_string()));
        }
        BodySize::Stream => headers.push(("transfer-encoding".into(), "chunked".into())),
        _ => {}
    }
    let body = actix_web::body::to_bytes(body)
        .await
        .unwrap_or_else(|error| panic!("status {status}: the body failed: {error}"));
    Reply {
        status,
        headers,
        body: body.to_vec(),
    }
}

/// `(total, catalog_version)` of a `/healthz` answer.
fn catalog_of(health: &Reply) -> (u64, String) {
    let health = health.json();
    (
        health["resources"].as_u64().unwrap(),
        health["catalog_version"].as_str().unwrap().to_string(),
    )
}

/// A running `duijie serve`. Killed (SIGKILL) when dropped; `stop` ends it gracefully.
pub struct Process {
    pub child: Child,
    pub base: String,
    pub data: PathBuf,
    /// The server's standard error, line by line (also copied to the test's).
    pub stderr: mpsc::Receiver<String>,
}

impl Process {
    /// A process with a new, empty store (no demo catalog).
    pub fn start(name: &str) -> Process {
        Process::start_with(&temp_dir(name), &["--no-demo"])
    }

    /// A server on `data` with extra flags.
    pub fn start_with(data: &Path, extra: &[&str]) -> Process {
        Process::start_with_env(data, extra, &[])
    }

    /// A process with a new, empty store and `config` as its TOML configuration file.
    pub fn start_config(name: &str, config: &str) -> Process {
        let dir = temp_dir(name);
        let file = dir.join("duijie.toml");
        std::fs::write(&file, config).unwrap();
        Process::start_with(
            &dir.join("data"),
            &["--no-demo", "--config", file.to_str().unwrap()],
        )
    }

    /// A server on `data` with extra flags and environment variables.
    pub fn start_with_env(data: &Path, extra: &[&str], env: &[(&str, &str)]) -> Process {
        Process::spawn(Command::new(server_bin()), data, extra, env)
    }

    /// A process with a new, empty store, started with a soft open-file limit of `limit` (through the
    /// shell's `ulimit`), as on a machine whose default is low.
    pub fn start_with_nofile(name: &str, limit: usize) -> Process {
        let mut command = Command::new("sh");
        command.args([
            "-c",
            &format!("ulimit -Sn {limit} && exec \"$0\" \"$@\""),
            &server_bin(),
        ]);
        Process::spawn(command, &temp_dir(name), &["--no-demo"], &[])
    }

    /// A server on the store at `database` (a URL), with extra flags: a store the suite's
    /// `DUIJIE_TEST_DATABASE` does not name (a private cluster's).
    pub fn start_on(database: &str, extra: &[&str]) -> Process {
        Process::start_on_env(database, extra, &[])
    }

    /// `start_on` with environment variables.
    pub fn start_on_env(database: &str, extra: &[&str], env: &[(&str, &str)]) -> Process {
        let data = temp_dir("on-database");
        Process::spawn_on(
            Command::new(server_bin()),
            &data,
            Some(database.to_string()),
            extra,
            env,
        )
    }

    fn spawn(command: Command, data: &Path, extra: &[&str], env: &[(&str, &str)]) -> Process {
        Process::spawn_on(command, data, database_for(data), extra, env)
    }

    fn spawn_on(
        mut command: Command,
        data: &Path,
        database: Option<String>,
        extra: &[&str],
        env: &[(&str, &str)],
    ) -> Process {
        let mut child = command
            .args(["serve", "--addr", "127.0.0.1:0", "--workers", "2", "--data"])
            .arg(data)
            .args(
                database
                    .map(|url| ["--database".to_string(), url])
                    .iter()
                    .flatten(),
            )
            .args(extra)
            .env_remove("DUIJIE_ADDR")
            .env_remove("DUIJIE_DATA")
            .env_remove("DUIJIE_DATABASE")
            .env_remove("DUIJIE_CONFIG")
            .envs(env.iter().copied())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn duijie serve");
        let stderr = child.stderr.take().unwrap();
        let (stderr_sender, stderr_receiver) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                eprintln!("[server] {line}");
                let _ = stderr_sender.send(line);
            }
        });
        let stdout = child.stdout.take().unwrap();
        let (sender, receiver) = mpsc::channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            let mut line = String::new();
            while reader.read_line(&mut line).unwrap_or(0) > 0 {
                if let Some(rest) = line.split("listening on http://").nth(1) {
                    let addr = rest.split_whitespace().next().unwrap_or("").to_string();
                    let _ = sender.send(addr);
                }
                line.clear();
            }
        });
        let addr = receiver
            .recv_timeout(Duration::from_secs(60))
            .expect("duijie serve printed no address");
        Process {
            child,
            base: format!("http://{addr}"),
            data: data.to_path_buf(),
            stderr: stderr_receiver,
        }
    }

    /// The address the server listens on, as `host:port`.
    pub fn addr(&self) -> &str {
        self.base.trim_start_matches("http://")
    }

    /// A line of the server process's `/proc/PID/status` in KiB (`VmRSS`, `VmHWM`).
    pub fn memory_kib(&self, field: &str) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap();
        status
            .lines()
            .find_map(|line| line.strip_prefix(&format!("{field}:")))
            .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or_else(|| panic!("no {field} in /proc status"))
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// SIGTERM, then wait for the exit; a graceful shutdown exits with success.
    pub fn stop(mut self) -> std::process::ExitStatus {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        self.child.wait().unwrap()
    }

    /// A token of `scope` created with `duijie token create` on this server's data folder.
    pub fn token(&self, scope: &str) -> String {
        token(&self.data, scope)
    }

    /// Sends a request for `path` over HTTP and waits for its answer.
    pub fn request(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        headers: &[(&str, &str)],
        body: Option<(&str, Vec<u8>)>,
    ) -> Reply {
        request(method, &self.url(path), token, headers, body)
    }

    pub fn get(&self, path: &str) -> Reply {
        request("GET", &self.url(path), None, &[], None)
    }

    pub fn send(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
    ) -> Reply {
        let body = body.map(|body| ("application/json", body.to_string().into_bytes()));
        request(method, &self.url(path), token, &[], body)
    }

    pub fn import(&self, query: &str, token: &str, content_type: &str, body: &[u8]) -> Reply {
        request(
            "POST",
            &self.url(&format!("/api/v1/import{query}")),
            Some(token),
            &[],
            Some((content_type, body.to_vec())),
        )
    }

    /// `(total, catalog_version)` of the current catalog.
    pub fn catalog(&self) -> (u64, String) {
        catalog_of(&self.get("/healthz"))
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `duijie token create`: its last line of output is the token.
pub fn token(data: &Path, scope: &str) -> String {
    let output = Command::new(server_bin())
        .args(["token", "create", "--scope", scope])
        .args(store_flags(data))
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let stdout = String::from_utf8(output.stdout).unwrap();
    stdout.lines().last().unwrap().trim().to_string()
}

/// `duijie token create --scope enterprise --organization ORGANIZATION`: a token acting for that
/// enterprise.
pub fn enterprise_token(data: &Path, organization: &str) -> String {
    let output = Command::new(server_bin())
        .args(["token", "create", "--scope", "enterprise", "--organization"])
        .arg(organization)
        .args(store_flags(data))
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let stdout = String::from_utf8(output.stdout).unwrap();
    stdout.lines().last().unwrap().trim().to_string()
}

/// Writes `bytes` to a new connection and returns everything the server sends before it closes the
/// connection (or `wait` passes).
pub fn raw(addr: &str, bytes: &[u8], wait: Duration) -> String {
    read_answer(std::net::TcpStream::connect(addr).unwrap(), bytes, wait)
}

/// `raw` from the local address `source` (such as `127.0.0.2`, another client on the loopback).
pub fn raw_from(source: &str, addr: &str, bytes: &[u8], wait: Duration) -> String {
    let socket = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
    let source: std::net::SocketAddr = format!("{source}:0").parse().unwrap();
    socket.bind(&source.into()).unwrap();
    let target: std::net::SocketAddr = addr.parse().unwrap();
    socket.connect_timeout(&target.into(), wait).unwrap();
    read_answer(socket.into(), bytes, wait)
}

fn read_answer(mut stream: std::net::TcpStream, bytes: &[u8], wait: Duration) -> String {
    use std::io::Write as _;
    stream.set_read_timeout(Some(wait)).unwrap();
    let _ = stream.write_all(bytes);
    let mut answer = Vec::new();
    let mut buffer = [0u8; 8192];
    loop {
        match stream.read(&mut buffer) {
            Ok(0) | Err(_) => break,
            Ok(n) => answer.extend_from_slice(&buffer[..n]),
        }
    }
    String::from_utf8_lossy(&answer).into_owned()
}

/// An HTTP answer, whatever its status.
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|error| {
            panic!(
                "status {}: not JSON ({error}): {}",
                self.status,
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    /// The error code of a `{"error": {...}}` answer.
    pub fn error_code(&self) -> String {
        self.json()["error"]["code"]
            .as_str()
            .unwrap_or("")
            .to_string()
    }
}

pub fn request(
    method: &str,
    url: &str,
    token: Option<&str>,
    headers: &[(&str, &str)],
    body: Option<(&str, Vec<u8>)>,
) -> Reply {
    let agent = ureq::AgentBuilder::new()
        .timeout(Duration::from_secs(120))
        .build();
    let mut request = agent.request(method, url);
    if let Some(token) = token {
        request = request.set("Authorization", &format!("Bearer {token}"));
    }
    for (name, value) in headers {
        request = request.set(name, value);
    }
    let result = match body {
        Some((content_type, bytes)) => request.set("Content-Type", content_type).send_bytes(&bytes),
        None => request.call(),
    };
    let response = match result {
        Ok(response) => response,
        Err(ureq::Error::Status(_, response)) => response,
        Err(error) => panic!("{method} {url}: {error}"),
    };
    let status = response.status();
    let headers = response
        .headers_names()
        .into_iter()
        .filter_map(|name| {
            let value = response.header(&name)?.to_string();
            Some((name, value))
        })
        .collect();
    let mut body = Vec::new();
    response.into_reader().read_to_end(&mut body).unwrap();
    Reply {
        status,
        headers,
        body,
    }
}

/// A valid resource of `kind` without taxonomy codes (the taxonomy tables may still be empty).
pub fn resource(id: &str, kind: &str, title: &str) -> Value {
    let mut value = serde_json::json!({
        "id": id,
        "kind": kind,
        "title": title,
        "summary": format!("{title}：面向企业的技术方案与服务。"),
        "keywords": ["锂电池", "储能"],
        "organization": "示例大学",
        "modes": ["transfer", "consulting"],
        "contact": {"name": "张三", "phone": "010-12345678", "email": "zhang@example.org"},
    });
    if kind == "achievement" || kind == "patent" {
        value["maturity"] = serde_json::json!(6);
    }
    if kind == "patent" {
        value["patent"] = serde_json::json!({"number": "CN202010000001.1", "ipc": ["H01M 10/05"], "status": "授权"});
    }
    value
}

/// Resources as JSON Lines.
pub fn jsonl(resources: &[Value]) -> Vec<u8> {
    let mut out = String::new();
    for resource in resources {
        out.push_str(&resource.to_string());
        out.push('\n');
    }
    out.into_bytes()
}

/// A small mixed catalog: `n` resources cycling through the four kinds.
pub fn small_catalog(n: usize) -> Vec<Value> {
    let kinds = ["achievement", "expert", "patent", "organization"];
    let topics = [
        "锂电池储能",
        "智能制造PLC",
        "污水处理",
        "5G通信",
        "PM2.5监测",
        "作物育种",
    ];
    (0..n)
        .map(|i| {
            resource(
                &format!("r-{i:05}"),
                kinds[i % 4],
                &format!("{}技术{i}", topics[i % topics.len()]),
            )
        })
        .collect()
}
