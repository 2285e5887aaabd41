//! The embedded organisation's STS through the router, with requests signed as the AWS SDKs
//! sign them (the `aws-sigv4` crate): alice's identity, her AssumeRole refused without an MFA
//! code and allowed with one, bob refused, and every kind of bad signature refused. The AWS CLI
//! itself runs against the release binary in the end-to-end suite.

use std::time::{Duration, SystemTime};

use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};

use super::*;
use types::access_keys::CreatedAccessKey;

const ROLE: &str = "arn:aws:iam::123456789012:role/UpdateAPP";

impl Console {
    async fn access_key(&self, cookie: &str) -> CreatedAccessKey {
        let reply = self
            .send("POST", "/api/access_keys/create", Some(cookie), Some(""))
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        serde_json::from_str(&reply.body).expect("a key")
    }

    /// `form` posted to `/aws`, signed for STS with `key` and `secret` at `at`.
    async fn sts(&self, key: &str, secret: &str, form: &str, at: SystemTime) -> Reply {
        let identity =
            aws_credential_types::Credentials::new(key, secret, None, None, "test").into();
        let params = aws_sigv4::sign::v4::SigningParams::builder()
            .identity(&identity)
            .region("us-east-1")
            .name("sts")
            .time(at)
            .settings(SigningSettings::default())
            .build()
            .expect("params")
            .into();
        let content_type = "application/x-www-form-urlencoded; charset=utf-8";
        let headers = [("host", "localhost:3000"), ("content-type", content_type)];
        let signable = SignableRequest::new(
            "POST",
            "http://localhost:3000/aws",
            headers.into_iter(),
            SignableBody::Bytes(form.as_bytes()),
        )
        .expect("signable");
        let (instructions, _) = sign(signable, &params).expect("signed").into_parts();
        let mut request = Request::builder()
            .method("POST")
            .uri("/aws")
            .header(header::HOST, "localhost:3000")
            .header(header::CONTENT_TYPE, content_type)
            .body(Body::from(form.to_string()))
            .expect("request");
        instructions.apply_to_request_http1x(&mut request);
        self.send_request(request).await
    }
}

fn assume(extra: &str) -> String {
    format!(
        "Action=AssumeRole&Version=2011-06-15&RoleArn={}&RoleSessionName=cli{extra}",
        ROLE.replace(':', "%3A").replace('/', "%2F")
    )
}

fn code(reply: &Reply) -> String {
    reply
        .body
        .split_once("<Code>")
        .and_then(|(_, rest)| rest.split_once("</Code>"))
        .map(|(code, _)| code.to_string())
        .unwrap_or_default()
}

#[tokio::test]
async fn alice_asks_who_she_is_and_assumes_update_app_only_with_a_valid_mfa_code() {
    let console = console(|_| {}).await;
    let alice = console.with_mfa("alice").await;
    let key = console.access_key(&alice).await;
    let (id, secret) = (&key.key_id, &key.secret_access_key);
    let now = SystemTime::now();

    let me = console
        .sts(
            id,
            secret,
            "Action=GetCallerIdentity&Version=2011-06-15",
            now,
        )
        .await;
    assert_eq!(me.status, StatusCode::OK, "{}", me.body);
    assert!(
        me.body
            .contains("<Arn>arn:aws:iam::111122223333:user/alice</Arn>"),
        "{}",
        me.body
    );
    assert!(me.body.contains("<UserId>AIDA"), "{}", me.body);
    assert!(me.body.contains("<Account>111122223333</Account>"));
    let asked = console.audit().await;
    assert_eq!(asked[0].event.action, "GetCallerIdentity");
    assert_eq!(asked[0].event.detail["signed_with"], id.as_str());

    // The trust policy wants MFA: without a code the engine refuses.
    let refused = console.sts(id, secret, &assume(""), now).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);
    assert_eq!(code(&refused), "AccessDenied");

    // A wrong code is refused as AWS words it; a valid one opens the role.
    let serial = "&SerialNumber=arn%3Aaws%3Aiam%3A%3A111122223333%3Amfa%2Falice-phone";
    let wrong = console
        .sts(
            id,
            secret,
            &assume(&format!("{serial}&TokenCode=000000")),
            now,
        )
        .await;
    assert_eq!(code(&wrong), "AccessDenied");
    assert!(
        wrong.body.contains("MultiFactorAuthentication failed"),
        "{}",
        wrong.body
    );
    let allowed = console
        .sts(
            id,
            secret,
            &assume(&format!("{serial}&TokenCode={}", totp_code(1))),
            now,
        )
        .await;
    assert_eq!(allowed.status, StatusCode::OK, "{}", allowed.body);
    assert!(
        allowed.body.contains("<AccessKeyId>ASIA"),
        "{}",
        allowed.body
    );
    assert!(allowed.body.contains("<SessionToken>"));
    assert!(
        allowed
            .body
            .contains("<Arn>arn:aws:sts::123456789012:assumed-role/UpdateAPP/cli</Arn>"),
        "{}",
        allowed.body
    );

    // Both decisions are in the audit trail as switches made through the API.
    let switches: Vec<_> = console
        .audit()
        .await
        .into_iter()
        .filter(|r| r.event.action == "SwitchRole")
        .collect();
    assert_eq!(switches.len(), 2, "{switches:?}");
    assert!(switches.iter().all(|r| r.event.detail["via"] == "API"));
    assert_eq!(
        switches[0].event.decision,
        console::audit::Decision::Allowed
    );
    assert_eq!(switches[1].event.decision, console::audit::Decision::Denied);
    assert_eq!(switches[0].event.detail["signed_with"], id.as_str());
    assert!(
        !switches[0]
            .event
            .detail
            .to_string()
            .contains("SecretAccessKey"),
        "no secret in the trail"
    );
}

#[tokio::test]
async fn bob_is_refused_update_app_through_the_api_too() {
    let console = console(|_| {}).await;
    let bob = console.signed_in("bob").await;
    let key = console.access_key(&bob).await;
    let refused = console
        .sts(
            &key.key_id,
            &key.secret_access_key,
            &assume(""),
            SystemTime::now(),
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);
    assert_eq!(code(&refused), "AccessDenied");
    assert!(
        refused
            .body
            .contains("user/bob is not authorized to perform: sts:AssumeRole")
    );
}

#[tokio::test]
async fn bad_signatures_unknown_inactive_and_deleted_keys_and_stale_dates_are_refused() {
    let console = console(|_| {}).await;
    let alice = console.signed_in("alice").await;
    let key = console.access_key(&alice).await;
    let (id, secret) = (key.key_id.as_str(), key.secret_access_key.as_str());
    let who = "Action=GetCallerIdentity&Version=2011-06-15";
    let now = SystemTime::now();

    let other_secret = console
        .sts(id, &secret.replace(|c: char| c != 'A', "A"), who, now)
        .await;
    assert_eq!(code(&other_secret), "SignatureDoesNotMatch");
    let stale = console
        .sts(id, secret, who, now - Duration::from_secs(16 * 60))
        .await;
    assert_eq!(code(&stale), "SignatureDoesNotMatch");
    assert!(stale.body.contains("Signature expired"), "{}", stale.body);
    let unknown = console.sts("AKIAUNKNOWNKEY000000", secret, who, now).await;
    assert_eq!(code(&unknown), "InvalidClientTokenId");
    let unsigned = console.send("POST", "/aws", None, Some(who)).await;
    assert_eq!(code(&unsigned), "MissingAuthenticationToken");

    let off = format!("key_id={id}&active=false");
    console
        .send("POST", "/api/access_keys/status", Some(&alice), Some(&off))
        .await;
    let inactive = console.sts(id, secret, who, now).await;
    assert_eq!(code(&inactive), "InvalidClientTokenId");
    console
        .send(
            "POST",
            "/api/access_keys/delete",
            Some(&alice),
            Some(&format!("key_id={id}")),
        )
        .await;
    assert_eq!(
        code(&console.sts(id, secret, who, now).await),
        "InvalidClientTokenId"
    );

    let audit = console.audit().await;
    let refusals = audit
        .iter()
        .filter(|r| r.event.action == "ApiAuthentication")
        .count();
    assert_eq!(refusals, 5, "each refused signature is audited");
    let named = audit
        .iter()
        .filter(|r| r.event.action == "ApiAuthentication")
        .filter(|r| r.event.actor.as_deref() == Some("arn:aws:iam::111122223333:user/alice"))
        .count();
    assert_eq!(
        named, 2,
        "a wrong secret and a stale date with her key name alice"
    );
}

#[tokio::test]
async fn failed_signatures_count_against_the_key_like_failed_sign_ins() {
    let console = console(|_| {}).await;
    let alice = console.signed_in("alice").await;
    let key = console.access_key(&alice).await;
    let who = "Action=GetCallerIdentity&Version=2011-06-15";
    // The test console allows 5 failures per key (and per address) in its window.
    for _ in 0..5 {
        let bad = console
            .sts(&key.key_id, "wrong-secret", who, SystemTime::now())
            .await;
        assert_eq!(code(&bad), "SignatureDoesNotMatch");
    }
    let good = console
        .sts(&key.key_id, &key.secret_access_key, who, SystemTime::now())
        .await;
    assert_eq!(code(&good), "Throttling", "{}", good.body);
}
