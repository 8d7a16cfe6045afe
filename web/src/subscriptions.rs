//! Precise push from the shortlist: a signed-in broker subscribes a stored need (`POST
//! /api/v1/subscriptions`) to a feed, an e-mail digest or a webhook. Unlike intents this is never
//! queued: the answer (the feed's secret URL, the webhook's secret) is shown once, so subscribing
//! needs the network and says so when there is none.

use serde_json::{json, Value};

use crate::engagements::request;

/// What the broker chose in the form.
#[derive(Clone, Debug, PartialEq)]
pub struct Request {
    pub need_id: String,
    /// `feed`, `email` or `webhook`.
    pub channel: String,
    /// The e-mail address or the webhook URL, as typed (only the one the channel uses is sent).
    pub address: String,
    /// `immediate`, `daily` or `weekly`.
    pub frequency: String,
    /// The lowest fit pushed, from 0 to 1.
    pub min_fit: f64,
    pub top: u32,
}

impl Request {
    /// The JSON body of `POST /api/v1/subscriptions`.
    pub fn body(&self) -> Value {
        let mut body = json!({
            "need_id": self.need_id,
            "channel": self.channel,
            "frequency": self.frequency,
            "min_fit": self.min_fit,
            "top": self.top,
        });
        match self.channel.as_str() {
            "email" => body["email"] = json!(self.address.trim()),
            "webhook" => body["url"] = json!(self.address.trim()),
            _ => {}
        }
        body
    }
}

/// A created subscription, as the widget shows it once.
#[derive(Clone, Debug, PartialEq)]
pub struct Created {
    pub id: String,
    pub channel: String,
    /// The Atom feed's secret URL.
    pub feed_url: String,
    /// The webhook's signing secret (in this answer only).
    pub secret: String,
    pub email: Option<String>,
}

/// Why a subscription was not made.
#[derive(Clone, Debug, PartialEq)]
pub enum Refusal {
    /// The browser is offline or the server could not be reached: nothing was sent or kept.
    Offline,
    /// The token is missing, unknown or may not subscribe this need.
    SignIn,
    /// The server refused the body: its message, and each refused field with why.
    Invalid {
        message: String,
        fields: Vec<(String, String)>,
    },
    /// Anything else (a server error, a need not found): the server's message.
    Failed(String),
}

/// Reads the server's answer to `POST /api/v1/subscriptions`.
pub fn read_reply(status: u16, body: &Value) -> Result<Created, Refusal> {
    let message = || {
        body["error"]["message"]
            .as_str()
            .map_or_else(|| format!("HTTP {status}"), str::to_string)
    };
    match status {
        201 => {
            let subscription = &body["subscription"];
            let text = |value: &Value| value.as_str().unwrap_or_default().to_string();
            Ok(Created {
                id: text(&subscription["id"]),
                channel: text(&subscription["channel"]),
                feed_url: text(&subscription["feed_url"]),
                secret: text(&body["secret"]),
                email: subscription["email"].as_str().map(str::to_string),
            })
        }
        401 | 403 => Err(Refusal::SignIn),
        422 => Err(Refusal::Invalid {
            message: message(),
            fields: crate::engagements::refused_fields(&body["error"]),
        }),
        _ => Err(Refusal::Failed(message())),
    }
}

/// Subscribes with the broker's token; `Offline` when the network failed (nothing is queued).
pub async fn subscribe(token: &str, wanted: &Request) -> Result<Created, Refusal> {
    if !crate::browser::is_online() {
        return Err(Refusal::Offline);
    }
    let body = wanted.body().to_string();
    match request("POST", "/api/v1/subscriptions", token, Some(&body)).await {
        Ok((status, reply)) => read_reply(status, &reply),
        Err(()) => Err(Refusal::Offline),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wanted(channel: &str, address: &str) -> Request {
        Request {
            need_id: "need-1".into(),
            channel: channel.into(),
            address: address.into(),
            frequency: "daily".into(),
            min_fit: 0.35,
            top: 10,
        }
    }

    #[test]
    fn the_body_carries_only_the_address_its_channel_uses() {
        assert_eq!(
            wanted("feed", "x@example.com").body(),
            json!({"need_id": "need-1", "channel": "feed", "frequency": "daily", "min_fit": 0.35, "top": 10})
        );
        assert_eq!(wanted("email", " a@b.cn ").body()["email"], json!("a@b.cn"));
        let webhook = wanted("webhook", "http://example.com/hook").body();
        assert_eq!(webhook["url"], json!("http://example.com/hook"));
        assert!(webhook.get("email").is_none());
    }

    #[test]
    fn a_refusal_names_each_field_and_a_creation_its_secrets() {
        let refused = json!({"error": {"code": "invalid", "message": "the subscription is not valid",
            "details": {"errors": [{"field": "url", "message": "must be an http:// or https:// URL of at most 2048 bytes"}], "total": 1}}});
        assert_eq!(
            read_reply(422, &refused),
            Err(Refusal::Invalid {
                message: "the subscription is not valid".into(),
                fields: vec![(
                    "url".into(),
                    "must be an http:// or https:// URL of at most 2048 bytes".into()
                )],
            })
        );
        assert_eq!(read_reply(403, &Value::Null), Err(Refusal::SignIn));
        assert_eq!(
            read_reply(404, &json!({"error": {"message": "no need with id 'x'"}})),
            Err(Refusal::Failed("no need with id 'x'".into()))
        );
        let created = json!({"subscription": {"id": "sub-1", "channel": "webhook",
            "feed_url": "http://h/feeds/t.atom", "email": null}, "secret": "whsec_1"});
        assert_eq!(
            read_reply(201, &created),
            Ok(Created {
                id: "sub-1".into(),
                channel: "webhook".into(),
                feed_url: "http://h/feeds/t.atom".into(),
                secret: "whsec_1".into(),
                email: None,
            })
        );
    }
}
