//! Notifications of access-request events: a JSON POST to a webhook (Slack- and Teams-style
//! incoming webhooks read its `text`), signed with an HMAC, and e-mail through SMTP. Both are
//! optional. Sending happens in the background: a failed notification is retried a few
//! times, logged, and never blocks or undoes the request it is about.

use std::time::Duration;

use hmac::{Hmac, Mac};
use lettre::message::{Mailbox, header::ContentType};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use serde::Serialize;
use sha2::Sha256;
use types::access_requests::AccessRequestView;

/// The header that carries the webhook body's signature: `sha256=HEX` of
/// HMAC-SHA256(secret, TIMESTAMP + "." + BODY).
pub const SIGNATURE_HEADER: &str = "X-Switchyard-Signature";
/// The Unix time the signature covers, so that a receiver can refuse old replays.
pub const TIMESTAMP_HEADER: &str = "X-Switchyard-Timestamp";
/// Attempts per notification and recipient.
pub const ATTEMPTS: u32 = 3;

/// Where notifications go (all optional).
#[derive(Clone, Default)]
pub struct NotifySettings {
    pub webhook_url: Option<String>,
    pub webhook_secret: Option<String>,
    /// `smtp://host:port`, `smtps://user:pass@host` (lettre's URL form).
    pub smtp_url: Option<String>,
    /// The From address of e-mails (`Switchyard <switchyard@example.com>`).
    pub from: Option<String>,
    /// The first retry waits this long, each next one twice as long.
    pub retry_after: Duration,
}

/// The secret and the SMTP URL (which may carry a password) stay out of logs.
impl std::fmt::Debug for NotifySettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NotifySettings")
            .field("webhook_url", &self.webhook_url)
            .field(
                "webhook_secret",
                &self.webhook_secret.as_ref().map(|_| "<redacted>"),
            )
            .field("smtp_url", &self.smtp_url.as_ref().map(|_| "<redacted>"))
            .field("from", &self.from)
            .finish()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum NotifyError {
    #[error("notify_webhook_url: {0}")]
    Webhook(String),
    #[error("smtp_url: {0}")]
    Smtp(String),
    #[error("notify_from: {0}")]
    From(String),
}

/// What happened, as the webhook's `event` names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Event {
    #[serde(rename = "access_request.created")]
    Requested,
    #[serde(rename = "access_request.approved")]
    Approved,
    #[serde(rename = "access_request.denied")]
    Denied,
    #[serde(rename = "access_request.cancelled")]
    Cancelled,
    #[serde(rename = "access_grant.revoked")]
    Revoked,
    #[serde(rename = "access_grant.expired")]
    Expired,
}

/// One notification: the event, the request, who is told by e-mail, and a link to act on it.
#[derive(Clone, Debug)]
pub struct Notice {
    pub event: Event,
    pub request: AccessRequestView,
    /// The user who acted (`admin`), when not the requester.
    pub by: Option<String>,
    /// E-mail addresses (approvers of a new request; the requester of a decision).
    pub recipients: Vec<String>,
    /// The console page to open (absolute URL).
    pub link: String,
}

impl Notice {
    /// The one-line text chat tools show.
    pub fn text(&self) -> String {
        let r = &self.request;
        let role = format!("{} in {}", r.role_name, r.account_label());
        let by = self.by.as_deref().unwrap_or("someone");
        match self.event {
            Event::Requested => format!(
                "{} requests {role} for {}: {} — {}",
                r.requester,
                types::access_requests::duration_label(r.duration_seconds),
                r.reason,
                self.link
            ),
            Event::Approved => format!(
                "{by} approved {}'s request for {role} (request {}): {}",
                r.requester,
                r.id,
                r.status_text()
            ),
            Event::Denied => format!(
                "{by} denied {}'s request for {role} (request {}){}",
                r.requester,
                r.id,
                r.comment
                    .as_deref()
                    .map(|c| format!(": {c}"))
                    .unwrap_or_default()
            ),
            Event::Cancelled => format!(
                "{} cancelled their request for {role} (request {})",
                r.requester, r.id
            ),
            Event::Revoked => format!(
                "{by} revoked {}'s access grant for {role} (request {})",
                r.requester, r.id
            ),
            Event::Expired => format!(
                "{}'s access grant for {role} ended (request {})",
                r.requester, r.id
            ),
        }
    }

    fn subject(&self) -> String {
        let r = &self.request;
        let what = match self.event {
            Event::Requested => "Access request",
            Event::Approved => "Approved",
            Event::Denied => "Denied",
            Event::Cancelled => "Cancelled",
            Event::Revoked => "Access revoked",
            Event::Expired => "Access ended",
        };
        format!(
            "[Switchyard] {what}: {} for {} in {}",
            r.requester,
            r.role_name,
            r.account_label()
        )
    }
}

/// The webhook's JSON body (README, "Notifications").
#[derive(Serialize)]
struct WebhookBody<'a> {
    text: String,
    event: Event,
    request: &'a AccessRequestView,
    by: Option<&'a str>,
    link: &'a str,
}

pub struct Notifier {
    settings: NotifySettings,
    http: reqwest::Client,
    mailer: Option<(AsyncSmtpTransport<Tokio1Executor>, Mailbox)>,
}

impl Notifier {
    /// Checks the settings (a URL that cannot be used is a start-up error, not a silent
    /// loss of every notification later).
    pub fn new(settings: NotifySettings) -> Result<Notifier, NotifyError> {
        if let Some(url) = &settings.webhook_url {
            let parsed = url::Url::parse(url).map_err(|e| NotifyError::Webhook(e.to_string()))?;
            if !matches!(parsed.scheme(), "http" | "https") {
                return Err(NotifyError::Webhook("use an http or https URL".into()));
            }
        }
        let mailer = match &settings.smtp_url {
            None => None,
            Some(url) => {
                let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                    .map_err(|e| NotifyError::Smtp(e.to_string()))?
                    .timeout(Some(Duration::from_secs(20)))
                    .build();
                let from = settings
                    .from
                    .as_deref()
                    .ok_or_else(|| NotifyError::From("set it when smtp_url is set".into()))?
                    .parse::<Mailbox>()
                    .map_err(|e| NotifyError::From(e.to_string()))?;
                Some((transport, from))
            }
        };
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()
            .map_err(|e| NotifyError::Webhook(e.to_string()))?;
        Ok(Notifier {
            settings,
            http,
            mailer,
        })
    }

    /// A notifier that sends nothing.
    pub fn disabled() -> Notifier {
        Notifier {
            settings: NotifySettings::default(),
            http: reqwest::Client::new(),
            mailer: None,
        }
    }

    /// Sends `notice` in the background; returns at once.
    pub fn send(self: &std::sync::Arc<Self>, notice: Notice) {
        if self.settings.webhook_url.is_none() && self.mailer.is_none() {
            return;
        }
        let this = std::sync::Arc::clone(self);
        tokio::spawn(async move { this.deliver(&notice).await });
    }

    /// Sends `notice` now, retrying each channel; failures are logged.
    pub async fn deliver(&self, notice: &Notice) {
        if let Some(url) = &self.settings.webhook_url {
            let body = WebhookBody {
                text: notice.text(),
                event: notice.event,
                request: &notice.request,
                by: notice.by.as_deref(),
                link: &notice.link,
            };
            match serde_json::to_string(&body) {
                Ok(body) => {
                    self.retrying("webhook", || self.post(url, &body)).await;
                }
                Err(e) => tracing::error!("notification webhook body: {e}"),
            }
        }
        if let Some((transport, from)) = &self.mailer {
            for to in &notice.recipients {
                let message = match email(from, to, notice) {
                    Ok(message) => message,
                    Err(e) => {
                        tracing::warn!("notification e-mail to {to}: {e}");
                        continue;
                    }
                };
                self.retrying("e-mail", || async {
                    transport
                        .send(message.clone())
                        .await
                        .map(|_| ())
                        .map_err(|e| e.to_string())
                })
                .await;
            }
        }
    }

    async fn post(&self, url: &str, body: &str) -> Result<(), String> {
        let timestamp = crate::clock::now().to_string();
        let mut request = self
            .http
            .post(url)
            .header("Content-Type", "application/json")
            .header(TIMESTAMP_HEADER, &timestamp);
        if let Some(secret) = &self.settings.webhook_secret {
            request = request.header(SIGNATURE_HEADER, sign(secret, &timestamp, body));
        }
        let response = request
            .body(body.to_string())
            .send()
            .await
            .map_err(|e| e.to_string())?;
        if response.status().is_success() {
            Ok(())
        } else {
            Err(format!("the webhook answered {}", response.status()))
        }
    }

    async fn retrying<F, Fut>(&self, channel: &str, mut attempt: F)
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Result<(), String>>,
    {
        let mut wait = self.settings.retry_after;
        for n in 1..=ATTEMPTS {
            match attempt().await {
                Ok(()) => return,
                Err(e) if n == ATTEMPTS => {
                    tracing::error!("notification {channel}: giving up after {n} attempts: {e}");
                }
                Err(e) => {
                    tracing::warn!("notification {channel}: attempt {n} failed: {e}");
                    tokio::time::sleep(wait).await;
                    wait *= 2;
                }
            }
        }
    }
}

/// `sha256=HEX` of HMAC-SHA256(secret, TIMESTAMP "." BODY).
pub fn sign(secret: &str, timestamp: &str, body: &str) -> String {
    // HMAC takes keys of any length.
    let mut mac = match Hmac::<Sha256>::new_from_slice(secret.as_bytes()) {
        Ok(mac) => mac,
        Err(_) => return String::new(),
    };
    mac.update(timestamp.as_bytes());
    mac.update(b".");
    mac.update(body.as_bytes());
    let digest = mac.finalize().into_bytes();
    let mut out = String::with_capacity(7 + digest.len() * 2);
    out.push_str("sha256=");
    for byte in digest {
        out.push_str(&format!("{byte:02x}"));
    }
    out
}

fn email(from: &Mailbox, to: &str, notice: &Notice) -> Result<Message, String> {
    let to: Mailbox = to.parse().map_err(|e| format!("{e}"))?;
    Message::builder()
        .from(from.clone())
        .to(to)
        .subject(notice.subject())
        .header(ContentType::TEXT_PLAIN)
        .body(format!(
            "{}\n\nRequest {}: {} for {} in {}\nReason: {}\nTicket: {}\nStatus: {}\n\n{}\n",
            notice.text(),
            notice.request.id,
            notice.request.requester,
            notice.request.role_name,
            notice.request.account_label(),
            notice.request.reason,
            notice.request.ticket.as_deref().unwrap_or("-"),
            notice.request.status_text(),
            notice.link
        ))
        .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_is_an_hmac_of_the_timestamp_and_body() {
        // As Python's `hmac.new(b"Jefe", b'1796222400.{"text":"hi"}', sha256)` computes it.
        assert_eq!(
            sign("Jefe", "1796222400", r#"{"text":"hi"}"#),
            "sha256=1187e0918cf181ec099cac3a9d77fd48df36be8aca4a719cf13908c675dba85b"
        );
    }

    #[test]
    fn settings_that_cannot_work_are_refused_at_start() {
        let bad = |settings: NotifySettings| Notifier::new(settings).is_err();
        assert!(bad(NotifySettings {
            webhook_url: Some("ftp://127.0.0.1/x".into()),
            ..NotifySettings::default()
        }));
        assert!(bad(NotifySettings {
            smtp_url: Some("smtp://127.0.0.1:2525".into()),
            ..NotifySettings::default()
        }));
        assert!(bad(NotifySettings {
            smtp_url: Some("smtp://127.0.0.1:2525".into()),
            from: Some("not an address".into()),
            ..NotifySettings::default()
        }));
        assert!(!bad(NotifySettings {
            smtp_url: Some("smtp://127.0.0.1:2525".into()),
            from: Some("Switchyard <switchyard@example.com>".into()),
            webhook_url: Some("http://127.0.0.1:9/hook".into()),
            ..NotifySettings::default()
        }));
    }
}
