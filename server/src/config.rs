//! The service's configuration: defaults, then a TOML file (`--config`), then the environment
//! (`DUIJIE_*`), then flags; each later source wins.

use std::path::{Path, PathBuf};

use serde::Deserialize;

/// Everything `duijie serve` can be told. Field names are the TOML keys.
#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// `DUIJIE_ADDR`, `--addr`.
    pub addr: String,
    /// `DUIJIE_DATA`, `--data`: the folder of the SQLite store.
    pub data: PathBuf,
    /// `DUIJIE_DATABASE`, `--database`: the store as a URL, `sqlite://PATH` (a data folder, as
    /// `data`) or `postgres://…`; when set it wins over `data` (a later `--data` or `DUIJIE_DATA`
    /// clears it).
    pub database: Option<String>,
    /// `DUIJIE_DB_POOL_SIZE`, `--db-pool-size`: connections a PostgreSQL store keeps open at most.
    pub db_pool_size: u32,
    /// `DUIJIE_DB_CONNECT_TIMEOUT`, `--db-connect-timeout`: seconds a connection to PostgreSQL may
    /// take to open (or a free one of the pool to come); default the URL's `connect_timeout`, else 5.
    pub db_connect_timeout_secs: Option<u64>,
    /// `DUIJIE_DB_STATEMENT_TIMEOUT`, `--db-statement-timeout`: seconds a PostgreSQL statement may
    /// run, 0 for no limit; default the URL's `options=-c statement_timeout=…`, else 300.
    pub db_statement_timeout_secs: Option<u64>,
    /// `DUIJIE_STATIC`, `--static`: the widget's built files, served at `/`.
    pub static_dir: Option<PathBuf>,
    /// `DUIJIE_CORS_ORIGINS` (comma-separated), `--cors-origin` (repeated): exact portal origins
    /// allowed to call the API from a browser, such as `https://kx.example.gov.cn`.
    pub cors_origins: Vec<String>,
    /// `DUIJIE_TRUSTED_PROXIES` (comma-separated), `--trusted-proxy` (repeated): the addresses of
    /// reverse proxies in front of the service (HAProxy with `option forwardfor`): a request from
    /// one of them comes from the last address of its `X-Forwarded-For` that is not one of them,
    /// for the per-client limits and `metrics_access`. Empty: every request comes from its peer.
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// `DUIJIE_DEMO`, `--no-demo`: load the bundled demo catalog into a new, empty store.
    pub demo: bool,
    /// Largest request body except imports, in bytes.
    pub body_limit: usize,
    /// Largest import body, in bytes.
    pub import_limit: usize,
    /// Longest a request may take, in seconds; imports and exports get `import_timeout_secs`.
    pub request_timeout_secs: u64,
    pub import_timeout_secs: u64,
    /// HTTP worker threads (default: one per core).
    pub workers: Option<usize>,
    /// How often to check the store for a catalog changed by another replica or process, in seconds;
    /// 0 never checks, nor follows PostgreSQL's announcements. `DUIJIE_RELOAD_SECS`.
    pub reload_secs: u64,
    /// Data rows an import may have (every format); a spreadsheet cell below that row is refused too.
    pub import_max_rows: usize,
    /// Spreadsheet columns an XLSX import may use.
    pub xlsx_max_columns: usize,
    /// Spreadsheet cells an XLSX import may have.
    pub xlsx_max_cells: usize,
    /// Bytes an XLSX import's zip parts may inflate to, all together.
    pub xlsx_max_bytes: u64,
    /// Open connections in all (`DUIJIE_MAX_CONNECTIONS`, `--max-connections`); at most the open-file
    /// limit less a reserve. More are answered 503 and closed.
    pub max_connections: usize,
    /// Open connections from one client address (`DUIJIE_MAX_CONNECTIONS_PER_IP`,
    /// `--max-connections-per-ip`); more are answered 503 and closed.
    pub max_connections_per_ip: usize,
    /// Seconds a client has to send a request's head (slow clients are cut off).
    pub client_request_timeout_secs: u64,
    /// `POST /api/v1/match` requests per second from one client address, and the burst allowed
    /// (`DUIJIE_MATCH_RATE`, `--match-rate`, `match_burst`); 0 turns the limit off. Over it: 429.
    pub match_rate: u32,
    pub match_burst: u32,
    /// Requests with an unknown token one client address may make per minute
    /// (`DUIJIE_AUTH_FAILURES_PER_MIN`, `--auth-failures-per-min`); past it, every request with a
    /// token from that address is 429 until the allowance refills. 0 turns the limit off.
    pub auth_failures_per_min: u32,
    /// Who may read `/metrics` (`DUIJIE_METRICS_ACCESS`, `--metrics-access`).
    pub metrics_access: MetricsAccess,
    /// The SMTP relay e-mail digests of push go through,
    /// `smtp://[USER:PASSWORD@]HOST:PORT[?starttls=required]` (`DUIJIE_SMTP`, `--smtp`; a login
    /// implies STARTTLS, see `crate::push_mail`); none: e-mail deliveries wait, failing, until one
    /// is set.
    pub smtp: Option<String>,
    /// A PEM file of CA certificates trusted for the relay's STARTTLS besides the public roots (a
    /// private relay) (`DUIJIE_SMTP_CA`, `--smtp-ca`).
    pub smtp_ca: Option<PathBuf>,
    /// A PEM file of CA certificates trusted for `https://` webhooks besides the public roots (a
    /// receiver with a private CA) (`DUIJIE_WEBHOOK_CA`, `--webhook-ca`).
    pub webhook_ca: Option<PathBuf>,
    /// The service's address as links in pushed deliveries give it (`DUIJIE_PUBLIC_URL`,
    /// `--public-url`); default `http://` and `addr`.
    pub public_url: Option<String>,
    /// Whether webhooks may go to loopback, private and link-local addresses
    /// (`DUIJIE_WEBHOOK_PRIVATE_HOSTS`, `--webhook-private-hosts`); off, a subscription cannot make
    /// the service call hosts inside its own network (`server/src/webhook_hosts.rs`).
    pub webhook_private_hosts: bool,
}

/// Who may read `/metrics`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MetricsAccess {
    /// Clients connecting from a loopback address (a Prometheus on the same host).
    #[default]
    Loopback,
    /// An editor or admin token.
    Token,
    /// Anyone.
    Public,
}

impl MetricsAccess {
    pub fn parse(text: &str) -> Option<MetricsAccess> {
        match text.trim().to_ascii_lowercase().as_str() {
            "loopback" => Some(MetricsAccess::Loopback),
            "token" => Some(MetricsAccess::Token),
            "public" => Some(MetricsAccess::Public),
            _ => None,
        }
    }
}

impl Default for Config {
    fn default() -> Config {
        Config {
            addr: "127.0.0.1:8080".to_string(),
            data: PathBuf::from("duijie-data"),
            database: None,
            db_pool_size: crate::store::DEFAULT_POOL_SIZE,
            db_connect_timeout_secs: None,
            db_statement_timeout_secs: None,
            static_dir: None,
            cors_origins: Vec::new(),
            trusted_proxies: Vec::new(),
            demo: true,
            body_limit: 1 << 20,
            import_limit: 256 << 20,
            request_timeout_secs: 30,
            import_timeout_secs: 600,
            workers: None,
            reload_secs: 5,
            import_max_rows: 1_000_000,
            xlsx_max_columns: 256,
            xlsx_max_cells: 5_000_000,
            xlsx_max_bytes: 256 << 20,
            max_connections: 8192,
            max_connections_per_ip: 256,
            client_request_timeout_secs: 10,
            match_rate: 50,
            match_burst: 100,
            auth_failures_per_min: 30,
            metrics_access: MetricsAccess::Loopback,
            smtp: None,
            smtp_ca: None,
            webhook_ca: None,
            public_url: None,
            webhook_private_hosts: false,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: {source}")]
    Parse {
        path: PathBuf,
        source: toml::de::Error,
    },
    #[error("{name}: {message}")]
    Env { name: &'static str, message: String },
    #[error("portal origin '{0}' is not an origin: write scheme://host or scheme://host:port, as a browser sends it (no path, no trailing slash)")]
    Origin(String),
    #[error("{0}")]
    Smtp(String),
    #[error("{0}")]
    Tls(String),
}

/// Overrides `target` with the number in variable `name`, when set.
fn number_env<T: std::str::FromStr>(
    get: &impl Fn(&str) -> Option<String>,
    name: &'static str,
    target: &mut T,
) -> Result<(), ConfigError> {
    if let Some(text) = get(name) {
        *target = text.trim().parse().map_err(|_| ConfigError::Env {
            name,
            message: format!("'{text}' is not a number"),
        })?;
    }
    Ok(())
}

/// Sets `target` to the number in variable `name`, when set.
fn optional_number_env<T: std::str::FromStr>(
    get: &impl Fn(&str) -> Option<String>,
    name: &'static str,
    target: &mut Option<T>,
) -> Result<(), ConfigError> {
    if let Some(text) = get(name) {
        *target = Some(text.trim().parse().map_err(|_| ConfigError::Env {
            name,
            message: format!("'{text}' is not a number"),
        })?);
    }
    Ok(())
}

/// Whether `text` is an exact web origin (`http(s)://host[:port]`), so that it can go into CORS
/// headers and the CSP's `frame-ancestors` as it is.
pub fn is_origin(text: &str) -> bool {
    let Some(rest) = text
        .strip_prefix("https://")
        .or_else(|| text.strip_prefix("http://"))
    else {
        return false;
    };
    let (host, port) = if let Some(inner) = rest.strip_prefix('[') {
        // An IPv6 literal: [addr] or [addr]:port.
        let Some((address, after)) = inner.split_once(']') else {
            return false;
        };
        if address.is_empty() || !address.chars().all(|c| c.is_ascii_hexdigit() || c == ':') {
            return false;
        }
        match after {
            "" => return true,
            _ => match after.strip_prefix(':') {
                Some(port) => ("ipv6", Some(port)),
                None => return false,
            },
        }
    } else {
        match rest.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (rest, None),
        }
    };
    let host_ok = !host.is_empty()
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-'));
    let port_ok = port.is_none_or(|port| {
        port.chars().all(|c| c.is_ascii_digit()) && port.parse::<u16>().is_ok_and(|port| port > 0)
    });
    host_ok && port_ok
}

impl Config {
    /// Where the store is: `database` when set, else the SQLite store in the folder `data`.
    pub fn location(&self) -> Result<crate::store::Location, crate::store::StoreError> {
        match &self.database {
            Some(url) => crate::store::Location::parse(url),
            None => Ok(crate::store::Location::Sqlite(self.data.clone())),
        }
    }

    /// Refuses portal origins that are not exact origins (they would never match a browser's
    /// `Origin`, and must not inject into the CSP), and an SMTP relay or CA file that cannot be
    /// read.
    pub fn check(&self) -> Result<(), ConfigError> {
        if let Some(origin) = self.cors_origins.iter().find(|origin| !is_origin(origin)) {
            return Err(ConfigError::Origin(origin.clone()));
        }
        self.smtp_relay()?;
        self.webhook_tls()?;
        Ok(())
    }

    /// The TLS of `https://` webhooks: the public roots and `webhook_ca`'s certificates, loaded by
    /// `check` (a bad file stops `serve`) and again by `AppState::open`, which keeps it.
    pub fn webhook_tls(&self) -> Result<std::sync::Arc<rustls::ClientConfig>, ConfigError> {
        crate::tls::public_client_config(self.webhook_ca.as_deref(), "--webhook-ca")
            .map(std::sync::Arc::new)
            .map_err(ConfigError::Tls)
    }

    /// The SMTP relay of `smtp` and `smtp_ca`, parsed and its CA file loaded: by `check`, so that a
    /// bad one stops `serve` before anything starts, and again by `AppState::open`, which keeps it.
    pub fn smtp_relay(&self) -> Result<Option<crate::push_mail::Relay>, ConfigError> {
        self.smtp
            .as_deref()
            .map(|url| crate::push_mail::Relay::parse(url, self.smtp_ca.as_deref()))
            .transpose()
            .map_err(ConfigError::Smtp)
    }

    /// The Content-Security-Policy of the service's pages: `crate::CSP_BASE`, with `frame-ancestors`
    /// naming the portal origins that may embed the widget (and the service itself).
    pub fn csp(&self) -> String {
        let mut ancestors = String::from("'self'");
        for origin in self.cors_origins.iter().filter(|origin| is_origin(origin)) {
            ancestors.push(' ');
            ancestors.push_str(origin);
        }
        format!("{}; frame-ancestors {ancestors}", crate::CSP_BASE)
    }

    /// Defaults overridden by the TOML file at `path`, when given.
    pub fn from_file(path: Option<&Path>) -> Result<Config, ConfigError> {
        let Some(path) = path else {
            return Ok(Config::default());
        };
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        toml::from_str(&text).map_err(|source| ConfigError::Parse {
            path: path.to_path_buf(),
            source,
        })
    }

    /// Overrides from `DUIJIE_*` variables, read through `get` (the process environment in `main`).
    pub fn apply_env(&mut self, get: impl Fn(&str) -> Option<String>) -> Result<(), ConfigError> {
        if let Some(addr) = get("DUIJIE_ADDR") {
            self.addr = addr;
        }
        if let Some(data) = get("DUIJIE_DATA") {
            self.data = PathBuf::from(data);
            self.database = None;
        }
        if let Some(database) = get("DUIJIE_DATABASE") {
            self.database = Some(database);
        }
        if let Some(static_dir) = get("DUIJIE_STATIC") {
            self.static_dir = Some(PathBuf::from(static_dir));
        }
        if let Some(origins) = get("DUIJIE_CORS_ORIGINS") {
            self.cors_origins = origins
                .split(',')
                .map(str::trim)
                .filter(|origin| !origin.is_empty())
                .map(str::to_string)
                .collect();
        }
        if let Some(proxies) = get("DUIJIE_TRUSTED_PROXIES") {
            self.trusted_proxies = proxies
                .split(',')
                .map(str::trim)
                .filter(|proxy| !proxy.is_empty())
                .map(|proxy| {
                    proxy.parse().map_err(|_| ConfigError::Env {
                        name: "DUIJIE_TRUSTED_PROXIES",
                        message: format!("'{proxy}' is not an IP address"),
                    })
                })
                .collect::<Result<_, _>>()?;
        }
        if let Some(demo) = get("DUIJIE_DEMO") {
            self.demo = match demo.trim() {
                "1" | "true" | "yes" => true,
                "0" | "false" | "no" => false,
                other => {
                    return Err(ConfigError::Env {
                        name: "DUIJIE_DEMO",
                        message: format!("'{other}' is not true or false"),
                    })
                }
            };
        }
        if let Some(workers) = get("DUIJIE_WORKERS") {
            self.workers = Some(workers.trim().parse().map_err(|_| ConfigError::Env {
                name: "DUIJIE_WORKERS",
                message: format!("'{workers}' is not a number"),
            })?);
        }
        if let Some(secs) = get("DUIJIE_RELOAD_SECS") {
            self.reload_secs = secs.trim().parse().map_err(|_| ConfigError::Env {
                name: "DUIJIE_RELOAD_SECS",
                message: format!("'{secs}' is not a number of seconds"),
            })?;
        }
        number_env(&get, "DUIJIE_DB_POOL_SIZE", &mut self.db_pool_size)?;
        optional_number_env(
            &get,
            "DUIJIE_DB_CONNECT_TIMEOUT",
            &mut self.db_connect_timeout_secs,
        )?;
        optional_number_env(
            &get,
            "DUIJIE_DB_STATEMENT_TIMEOUT",
            &mut self.db_statement_timeout_secs,
        )?;
        number_env(&get, "DUIJIE_MAX_CONNECTIONS", &mut self.max_connections)?;
        number_env(
            &get,
            "DUIJIE_MAX_CONNECTIONS_PER_IP",
            &mut self.max_connections_per_ip,
        )?;
        number_env(&get, "DUIJIE_MATCH_RATE", &mut self.match_rate)?;
        number_env(
            &get,
            "DUIJIE_AUTH_FAILURES_PER_MIN",
            &mut self.auth_failures_per_min,
        )?;
        if let Some(smtp) = get("DUIJIE_SMTP") {
            self.smtp = Some(smtp);
        }
        if let Some(ca) = get("DUIJIE_SMTP_CA") {
            self.smtp_ca = Some(PathBuf::from(ca));
        }
        if let Some(ca) = get("DUIJIE_WEBHOOK_CA") {
            self.webhook_ca = Some(PathBuf::from(ca));
        }
        if let Some(url) = get("DUIJIE_PUBLIC_URL") {
            self.public_url = Some(url);
        }
        if let Some(flag) = get("DUIJIE_WEBHOOK_PRIVATE_HOSTS") {
            self.webhook_private_hosts = match flag.trim() {
                "1" | "true" | "yes" => true,
                "0" | "false" | "no" | "" => false,
                _ => {
                    return Err(ConfigError::Env {
                        name: "DUIJIE_WEBHOOK_PRIVATE_HOSTS",
                        message: format!("'{flag}' is not true or false"),
                    })
                }
            };
        }
        if let Some(access) = get("DUIJIE_METRICS_ACCESS") {
            self.metrics_access =
                MetricsAccess::parse(&access).ok_or_else(|| ConfigError::Env {
                    name: "DUIJIE_METRICS_ACCESS",
                    message: format!("'{access}' is not loopback, token or public"),
                })?;
        }
        Ok(())
    }

    /// How the store connects to PostgreSQL (pool size, timeouts).
    pub fn store_options(&self) -> crate::store::StoreOptions {
        crate::store::StoreOptions {
            pool_size: self.db_pool_size.max(1),
            connect_timeout: self
                .db_connect_timeout_secs
                .map(|secs| std::time::Duration::from_secs(secs.max(1))),
            statement_timeout: self
                .db_statement_timeout_secs
                .map(std::time::Duration::from_secs),
        }
    }

    /// The import bounds of this configuration.
    pub fn import_limits(&self) -> crate::import::Limits {
        crate::import::Limits {
            max_rows: self.import_max_rows,
            xlsx_max_columns: self.xlsx_max_columns,
            xlsx_max_cells: self.xlsx_max_cells,
            xlsx_max_bytes: self.xlsx_max_bytes,
            ..crate::import::Limits::default()
        }
    }

    /// The static folder to serve: the configured one, else `web/dist` when it exists.
    pub fn static_folder(&self) -> Option<PathBuf> {
        match &self.static_dir {
            Some(folder) => Some(folder.clone()),
            None => {
                let default = PathBuf::from("web/dist");
                default.is_dir().then_some(default)
            }
        }
    }
}
