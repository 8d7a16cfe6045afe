//! The e-mail channel of push: a digest in Chinese (the need, each item's title, fit, reasons and
//! link, and the one-click unsubscribe link), sent through an SMTP relay (`--smtp smtp://HOST:PORT`)
//! with a small SMTP client (RFC 5321: EHLO, MAIL, RCPT, DATA, QUIT; no TLS, no login).

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::Duration;

use serde_json::Value;

use crate::store::push::DueDelivery;

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
            "{}. {title}（{change}）\r\n   匹配度：{:.0}%\r\n",
            n + 1,
            item["fit"].as_f64().unwrap_or(0.0) * 100.0
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

/// Sends `message` (from `digest`) to `to` through the relay `smtp://HOST:PORT`.
pub fn send(relay: &str, to: &str, message: &str) -> Result<(), String> {
    let address = relay
        .strip_prefix("smtp://")
        .ok_or_else(|| format!("the SMTP relay must be smtp://HOST:PORT, not {relay}"))?
        .trim_end_matches('/');
    let socket = address
        .to_socket_addrs()
        .map_err(|error| format!("SMTP relay {address}: {error}"))?
        .next()
        .ok_or_else(|| format!("SMTP relay {address}: no address"))?;
    let stream = TcpStream::connect_timeout(&socket, Duration::from_secs(5))
        .map_err(|error| format!("SMTP relay {address}: {error}"))?;
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .map_err(|error| error.to_string())?;
    let mut writer = stream.try_clone().map_err(|error| error.to_string())?;
    let mut reader = BufReader::new(stream);
    let mut expect = |code: &str| -> Result<(), String> {
        loop {
            let mut line = String::new();
            reader
                .read_line(&mut line)
                .map_err(|error| format!("SMTP: {error}"))?;
            if !line.starts_with(code) {
                return Err(format!("SMTP: expected {code}, got {}", line.trim_end()));
            }
            // "250-" continues a multi-line reply, "250 " ends it.
            if line.as_bytes().get(3) != Some(&b'-') {
                return Ok(());
            }
        }
    };
    let mut say = |text: &str| -> Result<(), String> {
        writer
            .write_all(text.as_bytes())
            .map_err(|error| format!("SMTP: {error}"))
    };
    if to.contains(['\r', '\n', '<', '>']) {
        return Err("the address holds characters SMTP does not allow".to_string());
    }
    expect("220")?;
    say("EHLO duijie\r\n")?;
    expect("250")?;
    say(&format!("MAIL FROM:<{FROM}>\r\n"))?;
    expect("250")?;
    say(&format!("RCPT TO:<{to}>\r\n"))?;
    expect("250")?;
    say("DATA\r\n")?;
    expect("354")?;
    let text = message.replace("{to}", to);
    // Dot-stuffing: a line starting with "." gets another.
    let stuffed = text.replace("\r\n.", "\r\n..");
    say(&stuffed)?;
    say("\r\n.\r\n")?;
    expect("250")?;
    say("QUIT\r\n")?;
    Ok(())
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
