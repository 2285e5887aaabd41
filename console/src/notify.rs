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
#[derive(Clone, Default, PartialEq, Eq)]
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
    use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
    use tokio::net::TcpListener;
    use types::access_requests::RequestStatus;

    fn request() -> AccessRequestView {
        AccessRequestView {
            id: 7,
            requester: "bob".into(),
            requester_account: "111122223333".into(),
            role_arn: "arn:aws:iam::123456789012:role/UpdateAPP".into(),
            role_name: "UpdateAPP".into(),
            account_id: "123456789012".into(),
            account_alias: Some("production".into()),
            display_name: "Production app".into(),
            reason: "Hotfix".into(),
            ticket: Some("OPS-1".into()),
            duration_seconds: 3600,
            created_at: 1_796_222_400,
            status: RequestStatus::Pending,
            approvals: Vec::new(),
            approvals_required: 1,
            decided_by: None,
            decided_at: None,
            comment: None,
            grant_ends_at: None,
        }
    }

    fn notice() -> Notice {
        Notice {
            event: Event::Requested,
            request: request(),
            by: None,
            recipients: vec!["admin@example.com".into()],
            link: "http://localhost:3000/access-requests".into(),
        }
    }

    /// One HTTP request as a loopback webhook receiver reads it: headers and body; it answers
    /// `status`.
    async fn receive_http(listener: &TcpListener, status: u16) -> (Vec<(String, String)>, String) {
        let (stream, _) = listener.accept().await.expect("accept");
        let mut reader = BufReader::new(stream);
        let mut headers = Vec::new();
        let mut line = String::new();
        reader.read_line(&mut line).await.expect("request line");
        loop {
            line.clear();
            reader.read_line(&mut line).await.expect("header");
            let trimmed = line.trim_end();
            if trimmed.is_empty() {
                break;
            }
            if let Some((name, value)) = trimmed.split_once(':') {
                headers.push((name.trim().to_ascii_lowercase(), value.trim().to_string()));
            }
        }
        let length: usize = headers
            .iter()
            .find(|(n, _)| n == "content-length")
            .and_then(|(_, v)| v.parse().ok())
            .unwrap_or(0);
        let mut body = vec![0; length];
        reader.read_exact(&mut body).await.expect("body");
        let reply =
            format!("HTTP/1.1 {status} X\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
        reader
            .get_mut()
            .write_all(reply.as_bytes())
            .await
            .expect("reply");
        (headers, String::from_utf8(body).expect("utf-8"))
    }

    #[tokio::test]
    async fn the_webhook_gets_the_documented_json_signed_and_is_retried_after_a_failure() {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let url = format!("http://{}/hook", listener.local_addr().expect("addr"));
        let notifier = Notifier::new(NotifySettings {
            webhook_url: Some(url),
            webhook_secret: Some("s3cret".into()),
            retry_after: Duration::from_millis(10),
            ..NotifySettings::default()
        })
        .expect("notifier");
        let sending = tokio::spawn(async move { notifier.deliver(&notice()).await });
        // The first attempt fails; the second is taken.
        let _ = receive_http(&listener, 500).await;
        let (headers, body) = receive_http(&listener, 200).await;
        sending.await.expect("delivered");
        let header = |name: &str| {
            headers
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.clone())
                .unwrap_or_default()
        };
        let timestamp = header("x-switchyard-timestamp");
        assert_eq!(
            header("x-switchyard-signature"),
            sign("s3cret", &timestamp, &body)
        );
        assert_eq!(header("content-type"), "application/json");
        let json: serde_json::Value = serde_json::from_str(&body).expect("json");
        assert_eq!(json["event"], "access_request.created");
        assert_eq!(json["request"]["id"], 7);
        assert_eq!(json["request"]["requester"], "bob");
        assert_eq!(json["link"], "http://localhost:3000/access-requests");
        let text = json["text"].as_str().expect("text");
        assert!(
            text.contains("bob requests UpdateAPP in production for 1 hour: Hotfix"),
            "{text}"
        );
    }

    /// A loopback SMTP sink: takes one message and answers like a server; returns the
    /// envelope recipients and the message.
    async fn receive_smtp(listener: &TcpListener) -> (Vec<String>, String) {
        let (stream, _) = listener.accept().await.expect("accept");
        let (read, mut write) = stream.into_split();
        let mut reader = BufReader::new(read);
        write.write_all(b"220 sink ESMTP\r\n").await.expect("greet");
        let mut recipients = Vec::new();
        let mut data = String::new();
        let mut line = String::new();
        loop {
            line.clear();
            if reader.read_line(&mut line).await.expect("line") == 0 {
                break;
            }
            let command = line.trim_end().to_ascii_uppercase();
            let reply: &[u8] = if command.starts_with("EHLO") || command.starts_with("HELO") {
                b"250 sink\r\n"
            } else if command.starts_with("RCPT TO:") {
                recipients.push(line.trim_end()[8..].trim().to_string());
                b"250 ok\r\n"
            } else if command == "DATA" {
                write.write_all(b"354 go on\r\n").await.expect("354");
                loop {
                    line.clear();
                    reader.read_line(&mut line).await.expect("data");
                    if line == ".\r\n" {
                        break;
                    }
                    data.push_str(&line);
                }
                b"250 queued\r\n"
            } else if command == "QUIT" {
                write.write_all(b"221 bye\r\n").await.expect("bye");
                break;
            } else {
                b"250 ok\r\n"
            };
            write.write_all(reply).await.expect("reply");
        }
        (recipients, data)
    }

    #[tokio::test]
    async fn approvers_get_an_email_through_smtp() {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let notifier = Notifier::new(NotifySettings {
            smtp_url: Some(format!("smtp://{addr}")),
            from: Some("Switchyard <switchyard@example.com>".into()),
            retry_after: Duration::from_millis(10),
            ..NotifySettings::default()
        })
        .expect("notifier");
        let sending = tokio::spawn(async move { notifier.deliver(&notice()).await });
        let (recipients, message) = receive_smtp(&listener).await;
        sending.await.expect("sent");
        assert_eq!(recipients, vec!["<admin@example.com>"]);
        assert!(
            message
                .contains("Subject: [Switchyard] Access request: bob for UpdateAPP in production"),
            "{message}"
        );
        assert!(
            message.contains("From: Switchyard <switchyard@example.com>"),
            "{message}"
        );
        assert!(message.contains("Reason: Hotfix"), "{message}");
        assert!(
            message.contains("http://localhost:3000/access-requests"),
            "{message}"
        );
    }

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
