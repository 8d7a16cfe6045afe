//! `duijie serve`: the catalog service.

use std::io::Write as _;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use actix_web::{web, HttpServer};
use anyhow::{Context, Result};

use crate::config::{Config, MetricsAccess};
use crate::state::AppState;
use crate::store::Store;
use crate::throttle::Connections;

#[derive(clap::Args)]
pub struct ServeArgs {
    /// Address to listen on [default: 127.0.0.1:8080; env DUIJIE_ADDR]. Port 0 picks a free port; the
    /// address is printed on standard output.
    #[arg(long)]
    pub addr: Option<String>,
    /// Data folder of the embedded store [default: duijie-data; env DUIJIE_DATA].
    #[arg(long)]
    pub data: Option<PathBuf>,
    /// The store as a URL instead: sqlite://PATH (a data folder, as --data PATH) or
    /// postgres://USER:PASSWORD@HOST:PORT/DATABASE, shared by replicas [env DUIJIE_DATABASE].
    #[arg(long)]
    pub database: Option<String>,
    /// Connections to PostgreSQL this process keeps open at most [default: 16; env
    /// DUIJIE_DB_POOL_SIZE].
    #[arg(long)]
    pub db_pool_size: Option<u32>,
    /// Seconds a connection to PostgreSQL may take to open, or a free one of the pool to come; while
    /// the database does not answer, the longest a write waits before its 503 [default: the URL's
    /// connect_timeout, else 5; env DUIJIE_DB_CONNECT_TIMEOUT].
    #[arg(long, value_name = "SECONDS", value_parser = clap::value_parser!(u64).range(1..))]
    pub db_connect_timeout: Option<u64>,
    /// Seconds a PostgreSQL statement may run, 0 for no limit [default: the URL's
    /// options=-c statement_timeout=…, else 300; env DUIJIE_DB_STATEMENT_TIMEOUT].
    #[arg(long, value_name = "SECONDS")]
    pub db_statement_timeout: Option<u64>,
    /// The widget's built files, served at `/` [default: web/dist when it exists; env DUIJIE_STATIC].
    #[arg(long = "static")]
    pub static_dir: Option<PathBuf>,
    /// A portal origin allowed to call the API from a browser (repeat it) [env DUIJIE_CORS_ORIGINS].
    #[arg(long = "cors-origin")]
    pub cors_origins: Vec<String>,
    /// The address of a reverse proxy in front of the service, whose `X-Forwarded-For` names the
    /// client (repeat it) [env DUIJIE_TRUSTED_PROXIES].
    #[arg(long = "trusted-proxy")]
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// Start a new store empty instead of with the bundled demo catalog.
    #[arg(long)]
    pub no_demo: bool,
    /// HTTP worker threads [default: one per core; env DUIJIE_WORKERS].
    #[arg(long)]
    pub workers: Option<usize>,
    /// Open connections in all; more are answered 503 and closed [default: 8192, at most the
    /// open-file limit less 256; env DUIJIE_MAX_CONNECTIONS].
    #[arg(long)]
    pub max_connections: Option<usize>,
    /// Open connections from one client address [default: 256; env DUIJIE_MAX_CONNECTIONS_PER_IP].
    #[arg(long)]
    pub max_connections_per_ip: Option<usize>,
    /// `POST /api/v1/match` requests per second from one client address, 0 for no limit
    /// [default: 50, bursts of 100; env DUIJIE_MATCH_RATE].
    #[arg(long)]
    pub match_rate: Option<u32>,
    /// Requests with an unknown token from one client address per minute before it gets 429, 0 for
    /// no limit [default: 30; env DUIJIE_AUTH_FAILURES_PER_MIN].
    #[arg(long)]
    pub auth_failures_per_min: Option<u32>,
    /// Who may read /metrics: loopback (clients on this host), token (editor or admin) or public
    /// [default: loopback; env DUIJIE_METRICS_ACCESS].
    #[arg(long, value_parser = parse_metrics_access)]
    pub metrics_access: Option<MetricsAccess>,
    /// The SMTP relay of push's e-mail digests,
    /// smtp://[USER:PASSWORD@]HOST:PORT[?starttls=required]; a login implies STARTTLS [env
    /// DUIJIE_SMTP].
    #[arg(long)]
    pub smtp: Option<String>,
    /// A PEM file of CA certificates to trust for the SMTP relay's STARTTLS, besides the public
    /// roots (a private relay) [env DUIJIE_SMTP_CA].
    #[arg(long)]
    pub smtp_ca: Option<PathBuf>,
    /// A PEM file of CA certificates to trust for https:// webhooks, besides the public roots (a
    /// receiver with a private CA) [env DUIJIE_WEBHOOK_CA].
    #[arg(long)]
    pub webhook_ca: Option<PathBuf>,
    /// The service's address as links in pushed deliveries give it [default: http:// and the
    /// address; env DUIJIE_PUBLIC_URL].
    #[arg(long)]
    pub public_url: Option<String>,
    /// Lets webhooks go to loopback, private and link-local addresses (a receiver inside the
    /// operator's network); off by default [env DUIJIE_WEBHOOK_PRIVATE_HOSTS].
    #[arg(long)]
    pub webhook_private_hosts: bool,
    /// A TOML file with any of the settings above (keys: addr, data, database, db_pool_size,
    /// db_connect_timeout_secs, db_statement_timeout_secs, static_dir, cors_origins, demo,
    /// body_limit, import_limit, request_timeout_secs, import_timeout_secs, workers, reload_secs,
    /// import_max_rows, xlsx_max_columns, xlsx_max_cells, xlsx_max_bytes, max_connections,
    /// max_connections_per_ip, client_request_timeout_secs, match_rate, match_burst,
    /// auth_failures_per_min, metrics_access, smtp, smtp_ca, webhook_ca, public_url,
    /// webhook_private_hosts) [env DUIJIE_CONFIG].
    #[arg(long)]
    pub config: Option<PathBuf>,
}

/// Defaults < file < environment < flags.
pub fn resolve_config(args: &ServeArgs, env: impl Fn(&str) -> Option<String>) -> Result<Config> {
    let file = args
        .config
        .clone()
        .or_else(|| env("DUIJIE_CONFIG").map(PathBuf::from));
    let mut config = Config::from_file(file.as_deref())?;
    config.apply_env(&env)?;
    if let Some(addr) = &args.addr {
        config.addr = addr.clone();
    }
    if let Some(data) = &args.data {
        config.data = data.clone();
        config.database = None;
    }
    if let Some(database) = &args.database {
        config.database = Some(database.clone());
    }
    if let Some(size) = args.db_pool_size {
        config.db_pool_size = size;
    }
    if let Some(secs) = args.db_connect_timeout {
        config.db_connect_timeout_secs = Some(secs);
    }
    if let Some(secs) = args.db_statement_timeout {
        config.db_statement_timeout_secs = Some(secs);
    }
    if let Some(static_dir) = &args.static_dir {
        config.static_dir = Some(static_dir.clone());
    }
    if !args.trusted_proxies.is_empty() {
        config.trusted_proxies = args.trusted_proxies.clone();
    }
    if !args.cors_origins.is_empty() {
        config.cors_origins = args.cors_origins.clone();
    }
    if args.no_demo {
        config.demo = false;
    }
    if let Some(workers) = args.workers {
        config.workers = Some(workers);
    }
    if let Some(max) = args.max_connections {
        config.max_connections = max;
    }
    if let Some(max) = args.max_connections_per_ip {
        config.max_connections_per_ip = max;
    }
    if let Some(rate) = args.match_rate {
        config.match_rate = rate;
    }
    if let Some(rate) = args.auth_failures_per_min {
        config.auth_failures_per_min = rate;
    }
    if let Some(access) = args.metrics_access {
        config.metrics_access = access;
    }
    if let Some(smtp) = &args.smtp {
        config.smtp = Some(smtp.clone());
    }
    if let Some(ca) = &args.smtp_ca {
        config.smtp_ca = Some(ca.clone());
    }
    if let Some(ca) = &args.webhook_ca {
        config.webhook_ca = Some(ca.clone());
    }
    if let Some(url) = &args.public_url {
        config.public_url = Some(url.clone());
    }
    if args.webhook_private_hosts {
        config.webhook_private_hosts = true;
    }
    config.check()?;
    Ok(config)
}

fn parse_metrics_access(text: &str) -> Result<MetricsAccess, String> {
    MetricsAccess::parse(text).ok_or_else(|| format!("'{text}' is not loopback, token or public"))
}

/// File descriptors kept for the store, the static files and the blocking pool, beyond connections.
const RESERVED_FILES: u64 = 256;

/// Raises the soft open-file limit to the hard one (a default of 1,024 lets a thousand idle sockets
/// take the service down), and returns how many connections fit under it.
fn raise_open_file_limit(wanted: usize) -> usize {
    let limit = match rlimit::increase_nofile_limit(u64::MAX) {
        Ok(limit) => limit,
        Err(error) => {
            eprintln!("duijie serve: cannot raise the open-file limit: {error}");
            rlimit::getrlimit(rlimit::Resource::NOFILE).map_or(1024, |(soft, _)| soft)
        }
    };
    let fit = limit.saturating_sub(RESERVED_FILES).max(16);
    if (wanted as u64) > fit {
        eprintln!(
            "duijie serve: open-file limit {limit}: at most {fit} connections (max_connections {wanted})"
        );
        fit as usize
    } else {
        wanted
    }
}

/// Called by actix on each new connection: counts it, or (over a cap) answers 503 and closes it at
/// once, so that idle sockets from one client neither hold file descriptors nor places.
fn on_connect(
    connections: &std::sync::Arc<Connections>,
    connection: &dyn std::any::Any,
    data: &mut actix_web::dev::Extensions,
) {
    let Some(stream) = connection.downcast_ref::<actix_web::rt::net::TcpStream>() else {
        return;
    };
    let ip = stream.peer_addr().map_or(
        std::net::IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED),
        |addr| addr.ip(),
    );
    match connections.open(ip) {
        Some(guard) => {
            data.insert(guard);
        }
        None => {
            let socket = socket2::SockRef::from(stream);
            let _ = socket.send(crate::throttle::SHED_RESPONSE);
            let _ = socket.shutdown(std::net::Shutdown::Both);
        }
    }
}

/// The service's state for `config`: the store at `config.location()`, opened (and created, its
/// schema migrated), with its catalog loaded (the demo catalog, when `config.demo`, into a store that never had one). The
/// in-process tests build their service with it too, so they start as `duijie serve` does.
pub fn open_state(config: &Config) -> Result<AppState> {
    let location = config.location()?;
    let store = Arc::new(
        Store::connect_with(&location, &config.store_options())
            .with_context(|| format!("cannot open the store in {}", location.describe()))?,
    );
    let initial = if config.demo && store.version()?.is_none() {
        Some(crate::demo::resources()?)
    } else {
        None
    };
    AppState::open(store, config.clone(), initial)
        .map_err(|error| anyhow::anyhow!("cannot load the catalog: {error}"))
}

pub fn run(args: ServeArgs) -> Result<()> {
    let config = resolve_config(&args, |name| std::env::var(name).ok())?;
    let max_connections = raise_open_file_limit(config.max_connections);
    let mut state = open_state(&config)?;
    state.test_clock = std::env::var_os("DUIJIE_TEST_CLOCK").is_some();
    let state = web::Data::new(state);
    let demo = crate::demo::count_in(state.catalog().resources());
    if demo > 0 {
        eprintln!(
            "duijie serve: the catalog holds {demo} resources of the bundled demo catalog; remove them with \
             DELETE /api/v1/demo (an editor or admin token), or start a new data folder with --no-demo"
        );
    }
    if config.reload_secs > 0 {
        // Follows the catalog version in the store, so replicas sharing a database (or a store changed
        // by another process) converge. Detached: it ends with the process.
        let follower = state.clone();
        let period = Duration::from_secs(config.reload_secs);
        std::thread::spawn(move || loop {
            std::thread::sleep(period);
            if let Err(error) = follower.reload_if_changed() {
                eprintln!("duijie serve: cannot follow the store's catalog: {error}");
            }
        });
    }
    // On PostgreSQL a change committed by another replica is announced (NOTIFY) and followed at
    // once; the periodic check above stays, so a lost announcement delays a change, never loses it.
    // `reload_secs = 0` follows nothing, announced or not.
    if config.reload_secs > 0 {
        let listener = state.clone();
        state.store.listen(move || {
            if let Err(error) = listener.reload_if_changed() {
                eprintln!("duijie serve: cannot follow the store's catalog: {error}");
            }
        });
    }
    actix_web::rt::System::new().block_on(async move {
        let app_state = state.clone();
        let connections = Connections::new(max_connections, config.max_connections_per_ip);
        // Actix's own cap is per worker; ours (in `on_connect`) is for the whole process and sheds
        // with a 503, so actix's only backs it up.
        let mut server = HttpServer::new(move || crate::create_app(app_state.clone()))
            .on_connect(move |connection, data| on_connect(&connections, connection, data))
            .max_connections(max_connections)
            .client_request_timeout(Duration::from_secs(config.client_request_timeout_secs))
            .client_disconnect_timeout(Duration::from_secs(5))
            .shutdown_timeout(30);
        if let Some(workers) = config.workers {
            server = server.workers(workers.max(1));
        }
        let server = server
            .bind(&config.addr)
            .with_context(|| format!("cannot listen on {}", config.addr))?;
        let addrs = server.addrs();
        if config.public_url.is_none() {
            if let Some(addr) = addrs.first() {
                // Links in pushed deliveries name the port actually bound (`--addr HOST:0`).
                state.push.set_base_url(format!("http://{addr}"));
            }
        }
        let catalog = state.catalog();
        let data = state.store.location().describe();
        // The server installs its SIGTERM and SIGINT handlers when first polled (below), so the address
        // is announced from a task that runs after that: whoever waits for it can then stop us cleanly.
        actix_web::rt::spawn(async move {
            actix_web::rt::time::sleep(Duration::from_millis(20)).await;
            for addr in addrs {
                println!(
                    "duijie serve: listening on http://{addr} · catalog {} · {} resources · data {}",
                    catalog.version(),
                    catalog.resources().len(),
                    data
                );
            }
            let _ = std::io::stdout().flush();
        });
        // SIGTERM and SIGINT stop accepting, let running requests finish (up to shutdown_timeout), then exit.
        server.run().await.context("the server stopped with an error")
    })
}
