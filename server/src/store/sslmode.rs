//! TLS to PostgreSQL: libpq's `sslmode` and `sslrootcert` parameters of a `--database` URL, on the
//! server's rustls (`crate::tls`) through tokio-postgres-rustls.
//!
//! The client parses only `disable`, `prefer` and `require` and no `sslrootcert`, so both are taken
//! out of the URL here, and the client is given the mode it knows (`require` for the verifying
//! ones) with a connector that checks what the URL asked for:
//! - `disable`: no TLS;
//! - `prefer` (the default, as libpq's; also `allow`): TLS when the server offers it, else plain;
//! - `require`: TLS or no connection;
//! - `verify-ca`: TLS, and the server's certificate must chain to `sslrootcert`;
//! - `verify-full`: the chain as well, and the certificate must name the host of the URL.
//!
//! As in libpq, `prefer` and `require` encrypt without checking who answers unless `sslrootcert` is
//! given, when the chain is checked as by `verify-ca`. Without `sslrootcert` (or with
//! `sslrootcert=system`), `verify-full` trusts the public CAs of webpki-roots, as libpq's
//! `sslrootcert=system`; libpq's default file `~/.postgresql/root.crt` is not read, nor are the
//! `PGSSLMODE` and `PGSSLROOTCERT` variables.

use std::path::PathBuf;

use tokio_postgres_rustls::MakeRustlsConnect;

use crate::tls::Verify;

/// libpq's `sslmode`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SslMode {
    Disable,
    Prefer,
    Require,
    VerifyCa,
    VerifyFull,
}

/// Whom the server's certificate must chain to: `sslrootcert`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RootCert {
    /// A PEM file of CA certificates, and only those.
    File(PathBuf),
    /// The public CAs (`sslrootcert=system`).
    System,
}

/// The TLS a URL asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tls {
    pub mode: SslMode,
    pub root_cert: Option<RootCert>,
}

impl Tls {
    /// Takes `sslmode` and `sslrootcert` out of `url`: the URL without them (for the client's
    /// parser) and the TLS they ask for. The parameters begin at the first `?` after the first `@`,
    /// as the client reads them. An error says what is wrong, for a message naming the URL.
    pub fn split(url: &str) -> Result<(String, Tls), String> {
        let after_login = url.find('@').map_or(0, |at| at + 1);
        let Some(mark) = url[after_login..].find('?').map(|mark| after_login + mark) else {
            return Ok((
                url.to_string(),
                Tls {
                    mode: SslMode::Prefer,
                    root_cert: None,
                },
            ));
        };
        let (mut mode, mut root_cert) = (None, None);
        let mut kept = Vec::new();
        for pair in url[mark + 1..].split('&') {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            match key {
                "sslmode" => {
                    mode = Some(match value {
                        "disable" => SslMode::Disable,
                        "allow" | "prefer" => SslMode::Prefer,
                        "require" => SslMode::Require,
                        "verify-ca" => SslMode::VerifyCa,
                        "verify-full" => SslMode::VerifyFull,
                        other => {
                            return Err(format!(
                                "sslmode={other} is not one of disable, allow, prefer, require, \
                                 verify-ca, verify-full"
                            ))
                        }
                    })
                }
                "sslrootcert" => {
                    let path = crate::store::percent_decode(value)
                        .map_err(|error| format!("sslrootcert {error}"))?;
                    root_cert = Some(match path.as_str() {
                        "" => return Err("sslrootcert is empty".to_string()),
                        "system" => RootCert::System,
                        _ => RootCert::File(PathBuf::from(path)),
                    });
                }
                _ => kept.push(pair),
            }
        }
        // libpq: the public CAs check the host name too, so `sslrootcert=system` means verify-full.
        let mode = match (mode, &root_cert) {
            (None, Some(RootCert::System)) => SslMode::VerifyFull,
            (Some(mode), Some(RootCert::System)) if mode != SslMode::VerifyFull => {
                return Err(format!(
                    "sslrootcert=system trusts every public CA, so it needs sslmode=verify-full \
                     (not {})",
                    mode.name()
                ))
            }
            (None, _) => SslMode::Prefer,
            (Some(mode), _) => mode,
        };
        if mode == SslMode::VerifyCa && root_cert.is_none() {
            return Err(
                "sslmode=verify-ca needs sslrootcert=PATH, the PEM file of the CA that \
                        signed the database's certificate (or sslmode=verify-full, to trust the \
                        public CAs)"
                    .to_string(),
            );
        }
        let mut rest = url[..mark].to_string();
        if !kept.is_empty() {
            rest = format!("{rest}?{}", kept.join("&"));
        }
        Ok((rest, Tls { mode, root_cert }))
    }

    /// The mode as the client knows it: it only tries TLS (`prefer`) or insists on it (`require`);
    /// the connector checks the rest.
    pub fn client_mode(&self) -> postgres::config::SslMode {
        match self.mode {
            SslMode::Disable => postgres::config::SslMode::Disable,
            SslMode::Prefer => postgres::config::SslMode::Prefer,
            SslMode::Require | SslMode::VerifyCa | SslMode::VerifyFull => {
                postgres::config::SslMode::Require
            }
        }
    }

    /// The client's TLS connector, checking the server's certificate as the mode and the root
    /// certificate say. An error (an unreadable `sslrootcert`) names the file.
    pub fn connector(&self) -> Result<MakeRustlsConnect, String> {
        let roots = match &self.root_cert {
            Some(RootCert::File(path)) => Some(
                crate::tls::root_store(Some(path), false)
                    .map_err(|error| format!("sslrootcert={error}"))?,
            ),
            Some(RootCert::System) => Some(crate::tls::root_store(None, true)?),
            None if self.mode == SslMode::VerifyFull => Some(crate::tls::root_store(None, true)?),
            None => None,
        };
        let verify = match (self.mode, roots) {
            (SslMode::VerifyFull, Some(roots)) => Verify::ChainAndName(roots),
            (SslMode::Disable, _) | (_, None) => Verify::Nothing,
            (_, Some(roots)) => Verify::Chain(roots),
        };
        Ok(MakeRustlsConnect::new(crate::tls::client_config(verify)?))
    }
}

impl SslMode {
    /// As written in a URL.
    pub fn name(self) -> &'static str {
        match self {
            SslMode::Disable => "disable",
            SslMode::Prefer => "prefer",
            SslMode::Require => "require",
            SslMode::VerifyCa => "verify-ca",
            SslMode::VerifyFull => "verify-full",
        }
    }
}
