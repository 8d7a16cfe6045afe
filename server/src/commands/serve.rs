//! `duijie serve`: the catalog service.

use std::io::Write as _;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use actix_web::{web, HttpServer};
use anyhow::{Context, Result};

use crate::config::Config;
use crate::state::AppState;
use crate::store::Store;

#[derive(clap::Args)]
pub struct ServeArgs {
    /// Address to listen on [default: 127.0.0.1:8080; env DUIJIE_ADDR]. Port 0 picks a free port; the
    /// address is printed on standard output.
    #[arg(long)]
    pub addr: Option<String>,
    /// Data folder of the embedded store [default: duijie-data; env DUIJIE_DATA].
    #[arg(long)]
    pub data: Option<PathBuf>,
    /// The widget's built files, served at `/` [default: web/dist when it exists; env DUIJIE_STATIC].
    #[arg(long = "static")]
    pub static_dir: Option<PathBuf>,
    /// A portal origin allowed to call the API from a browser (repeat it) [env DUIJIE_CORS_ORIGINS].
    #[arg(long = "cors-origin")]
    pub cors_origins: Vec<String>,
    /// Start a new store empty instead of with the bundled demo catalog.
    #[arg(long)]
    pub no_demo: bool,
    /// HTTP worker threads [default: one per core; env DUIJIE_WORKERS].
    #[arg(long)]
    pub workers: Option<usize>,
    /// A TOML file with any of the settings above (keys: addr, data, static_dir, cors_origins, demo,
    /// body_limit, import_limit, request_timeout_secs, import_timeout_secs, workers, reload_secs) [env DUIJIE_CONFIG].
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
    }
    if let Some(static_dir) = &args.static_dir {
        config.static_dir = Some(static_dir.clone());
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
    config.check()?;
    Ok(config)
}

pub fn run(args: ServeArgs) -> Result<()> {
    let config = resolve_config(&args, |name| std::env::var(name).ok())?;
    let store = Arc::new(
        Store::open(&config.data)
            .with_context(|| format!("cannot open the store in {}", config.data.display()))?,
    );
    let initial = if config.demo && store.version()?.is_none() {
        Some(crate::demo::resources()?)
    } else {
        None
    };
    let state = AppState::open(store, config.clone(), initial)
        .map_err(|error| anyhow::anyhow!("cannot load the catalog: {error}"))?;
    let state = web::Data::new(state);
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
    actix_web::rt::System::new().block_on(async move {
        let app_state = state.clone();
        let mut server = HttpServer::new(move || crate::create_app(app_state.clone()))
            .client_request_timeout(Duration::from_secs(30))
            .client_disconnect_timeout(Duration::from_secs(5))
            .shutdown_timeout(30);
        if let Some(workers) = config.workers {
            server = server.workers(workers.max(1));
        }
        let server = server
            .bind(&config.addr)
            .with_context(|| format!("cannot listen on {}", config.addr))?;
        let addrs = server.addrs();
        let catalog = state.catalog();
        let data = config.data.clone();
        // The server installs its SIGTERM and SIGINT handlers when first polled (below), so the address
        // is announced from a task that runs after that: whoever waits for it can then stop us cleanly.
        actix_web::rt::spawn(async move {
            actix_web::rt::time::sleep(Duration::from_millis(20)).await;
            for addr in addrs {
                println!(
                    "duijie serve: listening on http://{addr} · catalog {} · {} resources · data {}",
                    catalog.version(),
                    catalog.resources().len(),
                    data.display()
                );
            }
            let _ = std::io::stdout().flush();
        });
        // SIGTERM and SIGINT stop accepting, let running requests finish (up to shutdown_timeout), then exit.
        server.run().await.context("the server stopped with an error")
    })
}
