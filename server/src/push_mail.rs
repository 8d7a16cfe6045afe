//! The e-mail channel of push: a digest in Chinese (the need, each item's title, fit, reasons and
//! link, and the one-click unsubscribe link with its RFC 8058 headers), sent through an SMTP relay
//! with a small SMTP client (RFC 5321: EHLO, MAIL, RCPT, DATA, QUIT), STARTTLS (RFC 3207, rustls,
//! the Mozilla roots of webpki-roots plus an optional CA file) and login (AUTH PLAIN or LOGIN, RFC
//! 4954, only once TLS is up).
//!
//! The relay is `smtp://[USER:PASSWORD@]HOST:PORT[?starttls=required]` or, with TLS from the first
//! byte (RFC 8314's implicit TLS, port 465), `smtps://[USER:PASSWORD@]HOST:PORT` (`--smtp`); a user
//! or password with `@`, `:`, `/` or `%` is written percent-encoded. STARTTLS is used when
//! `starttls=required` is given or a login is: a relay that does not offer it then fails the
//! delivery, so a password never crosses the network in clear.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use rustls::pki_types::ServerName;
use serde_json::Value;

use crate::store::push::DueDelivery;

/// An SMTP relay as `--smtp` and `--smtp-ca` give it, ready to send.
#[derive(Clone)]
pub struct Relay {
    /// `HOST:PORT`, as given (a bracketed IPv6 address included).
    address: String,
    /// The host the relay's certificate must name.
    host: String,
    /// User and password for AUTH.
    login: Option<(String, String)>,
    /// The TLS settings when STARTTLS is required, or TLS is implicit.
    tls: Option<Arc<rustls::ClientConfig>>,
    /// TLS from the first byte (`smtps://`), not upgraded by STARTTLS.
    implicit: bool,
}

impl std::fmt::Debug for Relay {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the password.
        formatter
            .debug_struct("Relay")
            .field("address", &self.address)
            .field("login", &self.login.as_ref().map(|(user, _)| user))
            .field("starttls", &(self.tls.is_some() && !self.implicit))
            .field("implicit_tls", &self.implicit)
            .finish()
    }
}

impl Relay {
    /// Reads `smtp://[USER:PASSWORD@]HOST:PORT[?starttls=required]` or
    /// `smtps://[USER:PASSWORD@]HOST:PORT`; `ca_file` (PEM) is trusted besides the public roots, for
    /// a relay with a private CA.
    pub fn parse(url: &str, ca_file: Option<&Path>) -> Result<Relay, String> {
        let form = "write smtp://[USER:PASSWORD@]HOST:PORT[?starttls=required], or smtps://[USER:PASSWORD@]HOST:PORT for TLS from the start (port 465)";
        let (rest, implicit) = match (url.strip_prefix("smtp://"), url.strip_prefix("smtps://")) {
            (Some(rest), _) => (rest, false),
            (_, Some(rest)) => (rest, true),
            _ => {
                return Err(format!(
                    "the SMTP relay '{}' is neither smtp://… nor smtps://…: {form}",
                    crate::store::redact(url)
                ))
            }
        };
        // The options begin at the first `?` after the login, which a password may hold.
        let after_login = rest.rfind('@').map_or(0, |at| at + 1);
        let (rest, query) = match rest[after_login..].find('?') {
            Some(mark) => (&rest[..after_login + mark], &rest[after_login + mark + 1..]),
            None => (rest, ""),
        };
        let rest = rest.trim_end_matches('/');
        let (login, address) = match rest.rsplit_once('@') {
            Some((user_info, address)) => {
                let (user, password) = user_info.split_once(':').ok_or_else(|| {
                    format!("the SMTP relay's login has no password (USER:PASSWORD@): {form}")
                })?;
                (
                    Some((percent_decode(user)?, percent_decode(password)?)),
                    address,
                )
            }
            None => (None, rest),
        };
        let mut starttls = login.is_some() || implicit;
        for pair in query.split('&').filter(|pair| !pair.is_empty()) {
            match pair {
                "starttls=required" if implicit => {
                    return Err(format!(
                        "smtps:// is TLS from the start; starttls=required is for smtp://: {form}"
                    ))
                }
                "starttls=required" => starttls = true,
                other => {
                    return Err(format!(
                        "the SMTP relay's option '{other}' is not known: {form}"
                    ))
                }
            }
        }
        let host = match address.rsplit_once(':') {
            Some((host, port)) if !host.is_empty() && port.parse::<u16>().is_ok() => {
                host.trim_start_matches('[').trim_end_matches(']')
            }
            _ => return Err(format!("the SMTP relay needs HOST:PORT: {form}")),
        };
        let tls = if starttls {
            Some(Arc::new(crate::tls::public_client_config(
                ca_file,
                "--smtp-ca",
            )?))
        } else {
            if ca_file.is_some() {
                return Err(
                    "--smtp-ca is for TLS: add ?starttls=required (or a login) to --smtp, or write smtps://"
                        .to_string(),
                );
            }
            None
        };
        Ok(Relay {
            address: address.to_string(),
            host: host.to_string(),
            login,
            tls,
            implicit,
        })
    }

    /// Sends `message` (from `digest`) to `to`.
    pub fn send(&self, to: &str, message: &str) -> Result<(), String> {
        if to.contains(['\r', '\n', '<', '>']) {
            return Err("the address holds characters SMTP does not allow".to_string());
        }
        let address = &self.address;
        let socket = address
            .to_socket_addrs()
            .map_err(|error| format!("SMTP relay {address}: {error}"))?
            .next()
            .ok_or_else(|| format!("SMTP relay {address}: no address"))?;
        let stream = TcpStream::connect_timeout(&socket, Duration::from_secs(5))
            .map_err(|error| format!("SMTP relay {address}: {error}"))?;
        for timeout in [
            stream.set_read_timeout(Some(Duration::from_secs(30))),
            stream.set_write_timeout(Some(Duration::from_secs(30))),
        ] {
            timeout.map_err(|error| error.to_string())?;
        }
        let mut session = Session {
            reader: BufReader::new(Wire::Plain(stream)),
        };
        if let (Some(config), true) = (&self.tls, self.implicit) {
            session.start_tls(config.clone(), &self.host)?;
        }
        session.expect("220")?;
        let mut extensions = session.ehlo()?;
        if let (Some(config), false) = (&self.tls, self.implicit) {
            if !has_extension(&extensions, "STARTTLS") {
                return Err(format!(
                    "SMTP relay {address} does not offer STARTTLS, which --smtp requires"
                ));
            }
            session.say("STARTTLS\r\n")?;
            session.expect("220")?;
            session.start_tls(config.clone(), &self.host)?;
            // RFC 3207: forget what the relay said before TLS, and ask again.
            extensions = session.ehlo()?;
        }
        if let Some((user, password)) = &self.login {
            session.login(&extensions, user, password)?;
        }
        session.say(&format!("MAIL FROM:<{FROM}>\r\n"))?;
        session.expect("250")?;
        session.say(&format!("RCPT TO:<{to}>\r\n"))?;
        session.expect("250")?;
        session.say("DATA\r\n")?;
        session.expect("354")?;
        let text = message.replace("{to}", to);
        // Dot-stuffing: a line starting with "." gets another.
        let stuffed = text.replace("\r\n.", "\r\n..");
        session.say(&stuffed)?;
        session.say("\r\n.\r\n")?;
        session.expect("250")?;
        let _ = session.say("QUIT\r\n");
        Ok(())
    }
}

/// A user or password of the relay's URL, percent-decoded.
fn percent_decode(text: &str) -> Result<String, String> {
    crate::store::percent_decode(text).map_err(|error| format!("the SMTP relay's login {error}"))
}

/// The connection to the relay, before and after STARTTLS.
enum Wire {
    Plain(TcpStream),
    Tls(Box<rustls::StreamOwned<rustls::ClientConnection, TcpStream>>),
    /// Only while switching.
    Closed,
}

impl Read for Wire {
    fn read(&mut self, buffer: &mut [u8]) -> std::io::Result<usize> {
        match self {
            Wire::Plain(stream) => stream.read(buffer),
            Wire::Tls(stream) => stream.read(buffer),
            Wire::Closed => Ok(0),
        }
    }
}

impl Write for Wire {
    fn write(&mut self, buffer: &[u8]) -> std::io::Result<usize> {
        match self {
            Wire::Plain(stream) => stream.write(buffer),
            Wire::Tls(stream) => stream.write(buffer),
            Wire::Closed => Err(std::io::ErrorKind::NotConnected.into()),
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match self {
            Wire::Plain(stream) => stream.flush(),
            Wire::Tls(stream) => stream.flush(),
            Wire::Closed => Ok(()),
        }
    }
}

struct Session {
    reader: BufReader<Wire>,
}

impl Session {
    fn say(&mut self, text: &str) -> Result<(), String> {
        let wire = self.reader.get_mut();
        wire.write_all(text.as_bytes())
            .and_then(|()| wire.flush())
            .map_err(|error| format!("SMTP: {error}"))
    }

    /// Reads a reply, which must start with `code`: its lines.
    fn expect(&mut self, code: &str) -> Result<Vec<String>, String> {
        let mut lines = Vec::new();
        loop {
            let mut line = String::new();
            let read = self
                .reader
                .read_line(&mut line)
                .map_err(|error| format!("SMTP: {error}"))?;
            if read == 0 {
                return Err(format!(
                    "SMTP: the relay closed the connection (expected {code})"
                ));
            }
            let line = line.trim_end().to_string();
            if !line.starts_with(code) {
                return Err(format!("SMTP: expected {code}, got {line}"));
            }
            // "250-" continues a multi-line reply, "250 " ends it.
            let more = line.as_bytes().get(3) == Some(&b'-');
            lines.push(line);
            if !more {
                return Ok(lines);
            }
        }
    }

    /// EHLO: the extensions the relay offers (the reply's lines after the first, without code).
    fn ehlo(&mut self) -> Result<Vec<String>, String> {
        self.say("EHLO duijie\r\n")?;
        Ok(self
            .expect("250")?
            .iter()
            .skip(1)
            .map(|line| line.get(4..).unwrap_or_default().to_ascii_uppercase())
            .collect())
    }

    fn start_tls(&mut self, config: Arc<rustls::ClientConfig>, host: &str) -> Result<(), String> {
        if !self.reader.buffer().is_empty() {
            // Text the relay sent before TLS (or someone injected) must not be read as after it.
            return Err("SMTP: the relay sent more after 220 to STARTTLS".to_string());
        }
        let name = ServerName::try_from(host.to_string())
            .map_err(|error| format!("SMTP: '{host}' is not a TLS server name: {error}"))?;
        let connection = rustls::ClientConnection::new(config, name)
            .map_err(|error| format!("SMTP TLS: {error}"))?;
        let wire = std::mem::replace(self.reader.get_mut(), Wire::Closed);
        let Wire::Plain(stream) = wire else {
            return Err("SMTP: STARTTLS twice".to_string());
        };
        let mut tls = rustls::StreamOwned::new(connection, stream);
        // The handshake now, so a certificate the roots do not trust is told as such.
        while tls.conn.is_handshaking() {
            tls.conn
                .complete_io(&mut tls.sock)
                .map_err(|error| format!("SMTP TLS handshake with {host}: {error}"))?;
        }
        *self.reader.get_mut() = Wire::Tls(Box::new(tls));
        Ok(())
    }

    /// AUTH PLAIN, else AUTH LOGIN, as the relay offers (only ever called over TLS).
    fn login(&mut self, extensions: &[String], user: &str, password: &str) -> Result<(), String> {
        let mechanisms: Vec<&str> = extensions
            .iter()
            .filter_map(|line| {
                line.strip_prefix("AUTH")
                    .filter(|rest| rest.starts_with([' ', '=']))
            })
            .flat_map(|rest| rest[1..].split_whitespace())
            .collect();
        let refused = |error: String| format!("SMTP login as {user} refused: {error}");
        if mechanisms.contains(&"PLAIN") {
            let token = base64(format!("\0{user}\0{password}").as_bytes());
            self.say(&format!("AUTH PLAIN {token}\r\n"))?;
            self.expect("235").map_err(refused)?;
        } else if mechanisms.contains(&"LOGIN") {
            self.say("AUTH LOGIN\r\n")?;
            self.expect("334").map_err(refused)?;
            self.say(&format!("{}\r\n", base64(user.as_bytes())))?;
            self.expect("334").map_err(refused)?;
            self.say(&format!("{}\r\n", base64(password.as_bytes())))?;
            self.expect("235").map_err(refused)?;
        } else {
            return Err(format!(
                "SMTP: the relay offers no AUTH PLAIN or LOGIN (offers: {})",
                mechanisms.join(" ")
            ));
        }
        Ok(())
    }
}

fn has_extension(extensions: &[String], name: &str) -> bool {
    extensions
        .iter()
        .any(|line| line.split_whitespace().next() == Some(name))
}

/// The sender of digests.
const FROM: &str = "duijie@localhost";

/// The digest of a delivery: headers and a UTF-8 plain-text body, lines ending CRLF.
pub fn digest(need_title: &str, delivery: &DueDelivery, base: &str, unsubscribe: &str) -> String {
    let mut body = String::new();
    body.push_str(&format!("您的需求「{need_title}」有新的匹配资源：\r\n\r\n"));
    for (n, item) in delivery.items.iter().enumerate() {
        let Ok(item) = serde_json::from_str::<Value>(item) else {
            continue;
        };
        let resource = &item["resource"];
        let id = resource["id"].as_str().unwrap_or_default();
        let title = resource["title"].as_str().unwrap_or(id);
        let change = if item["change"] == "updated" {
            "更新"
        } else {
            "新增"
        };
        body.push_str(&format!(
            "{}. {title}（{change}）\r\n   匹配度：{}%\r\n",
            n + 1,
            duijie_core::Band::percent(item["fit"].as_f64().unwrap_or(0.0))
        ));
        for reason in item["reasons"].as_array().into_iter().flatten() {
            if let Some(zh) = reason["zh"].as_str() {
                body.push_str(&format!("   理由：{zh}\r\n"));
            }
        }
        body.push_str(&format!("   链接：{base}/api/v1/resources/{id}\r\n\r\n"));
    }
    body.push_str(&format!("退订（一键）：{unsubscribe}\r\n"));
    let subject = format!(
        "=?UTF-8?B?{}?=",
        base64(format!("对接推送：{need_title}").as_bytes())
    );
    format!(
        "From: {FROM}\r\nTo: {{to}}\r\nSubject: {subject}\r\nMessage-ID: <{id}@duijie>\r\n\
         MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\
         Content-Transfer-Encoding: base64\r\n\
         List-Unsubscribe: <{unsubscribe}>\r\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n\r\n{}",
        wrap(&base64(body.as_bytes())),
        id = delivery.id,
    )
}

fn base64(bytes: &[u8]) -> String {
    const TABLE: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = (u32::from(chunk[0]) << 16)
            | (u32::from(*chunk.get(1).unwrap_or(&0)) << 8)
            | u32::from(*chunk.get(2).unwrap_or(&0));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(TABLE[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Base64 in lines of 76 characters.
fn wrap(text: &str) -> String {
    text.as_bytes()
        .chunks(76)
        .map(|line| String::from_utf8_lossy(line).into_owned())
        .collect::<Vec<_>>()
        .join("\r\n")
}
