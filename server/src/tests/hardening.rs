//! Issue 12: each hole closed with a test that failed before its fix.

use super::*;

impl Console {
    pub(super) async fn list_productionapp(&self, cookie: &str) -> String {
        self.send(
            "POST",
            "/api/s3_list_objects",
            Some(cookie),
            Some("bucket=productionapp&prefix="),
        )
        .await
        .body
    }

    /// The access key ID of the newest successful switch, from the audit trail.
    async fn last_access_key(&self) -> String {
        self.audit()
            .await
            .iter()
            .find(|r| r.event.action == "SwitchRole" && r.event.decision == Decision::Allowed)
            .and_then(|r| r.event.detail["access_key_id"].as_str().map(str::to_string))
            .expect("a switch in the audit trail")
    }

    fn local_credentials_exist(&self, access_key_id: &str) -> bool {
        self.data_dir
            .path()
            .join("sts")
            .join(format!("{access_key_id}.json"))
            .exists()
    }
}

/// RFC 4648 base32 without padding, as authenticator apps read the secret.
fn base32_decode(text: &str) -> Vec<u8> {
    let mut bits = 0u32;
    let mut count = 0;
    let mut out = Vec::new();
    for c in text.trim_end_matches('=').bytes() {
        let value = match c {
            b'A'..=b'Z' => c - b'A',
            b'2'..=b'7' => c - b'2' + 26,
            _ => panic!("not base32: {c}"),
        };
        bits = (bits << 5) | u32::from(value);
        count += 5;
        if count >= 8 {
            count -= 8;
            out.push((bits >> count) as u8);
        }
    }
    out
}

fn code_at(secret: &[u8], offset: i64) -> String {
    use console::mfa::totp;
    let now = time::OffsetDateTime::now_utc().unix_timestamp() as u64;
    totp::code_at_step(secret, (totp::step_of(now) as i64 + offset) as u64).expect("code")
}

// ---- hole 1: nothing unbounded reaches the audit trail or a limiter key ---------------------

#[tokio::test]
async fn oversized_or_control_character_sign_in_input_is_refused_before_anything_is_written() {
    let console = console(|_| {}).await;
    let long_name = "a".repeat(100_000);
    for form in [
        format!("account=development&username={long_name}&password=x"),
        format!("account={long_name}&username=alice&password=x"),
        "account=development&username=al%0Aice&password=x".to_string(),
        format!(
            "account=development&username=alice&password={}",
            "p".repeat(5000)
        ),
    ] {
        let reply = console
            .send("POST", "/auth/sign-in", None, Some(&form))
            .await;
        let location = reply.location.unwrap_or_default();
        assert!(
            location.starts_with("/signin?error=malformed"),
            "{location}"
        );
        assert!(location.len() < 1000, "the input is not echoed back");
    }
    assert!(console.audit().await.is_empty(), "nothing was written");
}

#[tokio::test]
async fn throttled_sign_ins_are_one_counted_event_per_window() {
    let console = console(|args| {
        args.sign_in_max_failures_per_client = Some(2);
        args.sign_in_failure_window = Some(Duration::from_secs(600));
    })
    .await;
    for _ in 0..2 {
        console.sign_in("alice", "guess").await;
    }
    for _ in 0..30 {
        let reply = console.sign_in("alice", "guess").await;
        assert!(
            reply
                .location
                .unwrap_or_default()
                .starts_with("/signin?error=throttled")
        );
    }
    let audit = console.audit().await;
    let throttled: Vec<_> = audit
        .iter()
        .filter(|r| r.event.detail["reason"] == "rate limited")
        .collect();
    assert_eq!(
        throttled.len(),
        1,
        "one row for the window, not one per attempt"
    );
    assert_eq!(audit.len(), 3, "two failures and the throttled window");
}

#[tokio::test]
async fn a_delete_of_more_keys_than_the_store_takes_is_refused_whole_with_one_event() {
    let console = console(|_| {}).await;
    let cookie = console.alice_in_update_app().await;
    let before = console.audit().await.len();
    let mut form = "bucket=productionapp".to_string();
    for i in 0..1001 {
        form.push_str(&format!("&keys[{i}]=k{i}"));
    }
    form.push_str("&keys[1001]=index.html");
    let reply = console
        .send("POST", "/api/s3_delete_objects", Some(&cookie), Some(&form))
        .await;
    assert!(reply.body.contains("Invalid"), "{}", reply.body);
    assert!(reply.body.contains("1000"), "{}", reply.body);
    let audit = console.audit().await;
    assert_eq!(audit.len(), before + 1, "one audit event for the refusal");
    assert_eq!(audit[0].event.action, "s3:DeleteObjects");
    assert_eq!(audit[0].event.decision, Decision::Denied);
    assert_eq!(audit[0].event.detail["keys"], 1002);
    // Nothing went.
    assert!(
        console
            .list_productionapp(&cookie)
            .await
            .contains("index.html")
    );
}

#[tokio::test]
async fn an_object_key_longer_than_s3_allows_is_refused_without_an_audit_row() {
    let console = console(|_| {}).await;
    let cookie = console.alice_in_update_app().await;
    let before = console.audit().await.len();
    let key = "k".repeat(2000);
    let got = console.download(&cookie, "productionapp", &key, None).await;
    assert_eq!(got.status, StatusCode::BAD_REQUEST);
    let put = console.upload(&cookie, "productionapp", &key, b"x").await;
    assert_eq!(put.status, StatusCode::BAD_REQUEST);
    assert_eq!(console.audit().await.len(), before);
}

// ---- hole 5: a new device needs an existing one; enrolment is not an MFA -------------------

#[tokio::test]
async fn enrolling_is_not_an_mfa_and_a_second_device_needs_the_first() {
    let console = console(|_| {}).await;
    let cookie = console.signed_in("bob").await;

    // bob has no device yet: he may add one with his password alone.
    let started = console
        .send(
            "POST",
            "/api/mfa/totp/start",
            Some(&cookie),
            Some("name=phone"),
        )
        .await;
    assert_eq!(started.status, StatusCode::OK, "{}", started.body);
    let setup: serde_json::Value = serde_json::from_str(&started.body).expect("json");
    let secret = base32_decode(setup["secret_base32"].as_str().expect("secret"));
    let finished = console
        .send(
            "POST",
            "/api/mfa/totp/finish",
            Some(&cookie),
            Some(&format!(
                "code1={}&code2={}",
                code_at(&secret, -2),
                code_at(&secret, -1)
            )),
        )
        .await;
    assert_eq!(finished.status, StatusCode::OK, "{}", finished.body);
    let cookie = finished
        .set_cookie
        .as_deref()
        .map(cookie_pair)
        .unwrap_or(cookie);

    // The enrolment itself counts as no MFA: removing needs a step-up ...
    let device = console.audit().await[0].event.detail["device_id"]
        .as_str()
        .expect("device id")
        .to_string();
    let removed = console
        .send(
            "POST",
            "/api/mfa/remove",
            Some(&cookie),
            Some(&format!("device_id={device}")),
        )
        .await;
    assert!(
        super::server_fn_error(&removed.body) == Some(types::error::ConsoleError::StepUpRequired),
        "{}",
        removed.body
    );
    // ... and so does a second device (an attacker's), for both kinds.
    for endpoint in ["/api/mfa/totp/start", "/api/mfa/webauthn/register/start"] {
        let second = console
            .send("POST", endpoint, Some(&cookie), Some("name=other"))
            .await;
        assert!(
            super::server_fn_error(&second.body)
                == Some(types::error::ConsoleError::StepUpRequired),
            "{endpoint}: {}",
            second.body
        );
    }

    // A step-up with the existing device opens both.
    let step_up = console
        .send(
            "POST",
            "/api/mfa/step-up/totp",
            Some(&cookie),
            Some(&format!("code={}", code_at(&secret, 0))),
        )
        .await;
    assert_eq!(step_up.status, StatusCode::OK, "{}", step_up.body);
    let second = console
        .send(
            "POST",
            "/api/mfa/totp/start",
            Some(&cookie),
            Some("name=other"),
        )
        .await;
    assert_eq!(second.status, StatusCode::OK, "{}", second.body);
}

// ---- hole 6: a sign-in never inherits a held role; sign-out releases it --------------------

#[tokio::test]
async fn signing_in_again_on_the_same_cookie_drops_the_previous_users_role() {
    let console = console(|_| {}).await;
    let alice = console.alice_in_update_app().await;
    let access_key = console.last_access_key().await;
    assert!(console.list_productionapp(&alice).await.contains("Granted"));

    let form = "account=development&username=bob&password=bob-demo-pass&next=";
    let reply = console
        .send("POST", "/auth/sign-in", Some(&alice), Some(form))
        .await;
    assert_eq!(reply.location.as_deref(), Some("/"));
    let bob = cookie_pair(&reply.set_cookie.expect("a new session"));
    // alice's tab, now bob's: its role session is not bob's, so nothing is done in it...
    assert_eq!(
        console.list_productionapp(&bob).await,
        "\"RoleSessionEnded\""
    );
    // ...and as himself, bob is refused.
    console.use_tab(None);
    assert_eq!(console.list_productionapp(&bob).await, "\"Denied\"");
    assert!(
        !console.local_credentials_exist(&access_key),
        "alice's role credentials were revoked"
    );
    // The old cookie opens nothing either.
    assert_eq!(
        console
            .send("GET", "/", Some(&alice), None)
            .await
            .location
            .as_deref(),
        Some("/signin")
    );
}

#[tokio::test]
async fn signing_out_revokes_the_held_role_credentials() {
    let console = console(|_| {}).await;
    let alice = console.alice_in_update_app().await;
    let access_key = console.last_access_key().await;
    assert!(console.local_credentials_exist(&access_key));
    console
        .send("POST", "/auth/sign-out", Some(&alice), None)
        .await;
    assert!(!console.local_credentials_exist(&access_key));
}

// ---- hole 7: one limiter key per user, whatever the case; the proxy's address ----------------

#[tokio::test]
async fn the_user_limiter_counts_every_spelling_of_a_name_as_one_user() {
    let console = console(|args| {
        args.sign_in_max_failures_per_user = Some(2);
        args.sign_in_failure_window = Some(Duration::from_secs(600));
    })
    .await;
    console.sign_in("alice", "guess").await;
    console.sign_in("Alice", "guess").await;
    let paused = console.sign_in("ALICE", "alice-demo-pass").await;
    assert!(
        paused
            .location
            .unwrap_or_default()
            .starts_with("/signin?error=throttled")
    );
    // An unknown user: by the lower-cased name.
    console.sign_in("Mallory", "guess").await;
    console.sign_in("mallory", "guess").await;
    let paused = console.sign_in("MALLORY", "guess").await;
    assert!(
        paused
            .location
            .unwrap_or_default()
            .starts_with("/signin?error=throttled")
    );
}

#[tokio::test]
async fn the_client_address_is_the_last_one_across_every_header_line() {
    let console = console(|args| args.client_ip_header = Some("x-forwarded-for".into())).await;
    let request = Request::builder()
        .method("POST")
        .uri("/auth/sign-in")
        .header(header::HOST, "127.0.0.1:3000")
        .header(header::ORIGIN, "http://127.0.0.1:3000")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        // What the client claimed, then the line the proxy appended.
        .header("x-forwarded-for", "203.0.113.9, 203.0.113.10")
        .header("x-forwarded-for", "198.51.100.7")
        .body(Body::from(
            "account=development&username=alice&password=nope",
        ))
        .expect("request");
    console.send_request(request).await;
    let audit = console.audit().await;
    assert_eq!(audit[0].event.client_ip.as_deref(), Some("198.51.100.7"));
}

// ---- hole 9: no unaudited object action; a disk reserve for uploads -------------------------

impl Console {
    /// Makes every later audit write fail, as a full disk or a broken database would.
    async fn break_the_audit_trail(&self) {
        let pool = console::storage::open(self.data_dir.path())
            .await
            .expect("db");
        sqlx::query(
            "CREATE TRIGGER audit_events_broken BEFORE INSERT ON audit_events \
             BEGIN SELECT RAISE(ABORT, 'disk I/O error'); END",
        )
        .execute(&pool)
        .await
        .expect("trigger");
    }
}

#[tokio::test]
async fn object_actions_are_refused_when_their_audit_event_cannot_be_written() {
    let console = console(|_| {}).await;
    let cookie = console.alice_in_update_app().await;
    console.break_the_audit_trail().await;

    let put = console
        .upload(&cookie, "productionapp", "unaudited.txt", b"x")
        .await;
    assert_eq!(put.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(String::from_utf8_lossy(&put.body).contains("audit"));
    let got = console
        .download(&cookie, "productionapp", "index.html", None)
        .await;
    assert_eq!(got.status, StatusCode::SERVICE_UNAVAILABLE);
    let listed = console.list_productionapp(&cookie).await;
    assert!(!listed.contains("index.html"), "{listed}");
    let deleted = console
        .send(
            "POST",
            "/api/s3_delete_objects",
            Some(&cookie),
            Some("bucket=productionapp&keys[0]=index.html"),
        )
        .await;
    assert!(!deleted.body.contains("Granted"), "{}", deleted.body);

    // Nothing happened: the object is still there and the new one is not.
    let pool = console::storage::open(console.data_dir.path())
        .await
        .expect("db");
    sqlx::query("DROP TRIGGER audit_events_broken")
        .execute(&pool)
        .await
        .expect("repair");
    let listed = console.list_productionapp(&cookie).await;
    assert!(listed.contains("index.html"), "{listed}");
    assert!(!listed.contains("unaudited.txt"), "{listed}");
}

#[tokio::test]
async fn uploads_are_refused_below_the_free_space_reserve() {
    let console = console(|args| args.upload_free_space_reserve = Some(u64::MAX / 4)).await;
    let cookie = console.alice_in_update_app().await;
    let put = console
        .upload(&cookie, "productionapp", "x.txt", b"x")
        .await;
    assert_eq!(put.status, StatusCode::INSUFFICIENT_STORAGE);
    assert!(String::from_utf8_lossy(&put.body).contains("space"));
    assert!(!console.list_productionapp(&cookie).await.contains("x.txt"));
}

// ---- hole 13: nothing re-saves a session that sign-out ended ----------------------------------

#[tokio::test]
async fn requests_racing_a_sign_out_do_not_bring_the_session_back() {
    let console = console(|_| {}).await;
    for _ in 0..5 {
        let cookie = console.signed_in("bob").await;
        let writer = |name: usize| {
            let console = &console;
            let cookie = cookie.clone();
            async move {
                // Each one writes to the session (a pending enrolment).
                console
                    .send(
                        "POST",
                        "/api/mfa/totp/start",
                        Some(&cookie),
                        Some(&format!("name=phone{name}")),
                    )
                    .await
            }
        };
        let sign_out = console.send("POST", "/auth/sign-out", Some(&cookie), None);
        let writers = futures_util::future::join_all((0..20).map(writer));
        let _ = tokio::join!(writers, sign_out);
        let after = console.send("GET", "/", Some(&cookie), None).await;
        assert_eq!(
            after.location.as_deref(),
            Some("/signin"),
            "signed out for good"
        );
        let rows: i64 = sqlx::query_scalar("SELECT count(*) FROM tower_sessions")
            .fetch_one(
                &console::storage::open(console.data_dir.path())
                    .await
                    .expect("db"),
            )
            .await
            .expect("count");
        assert_eq!(rows, 0, "{rows} sessions left after sign-out");
    }
}

// ---- hole 2: the audit export streams from the database -------------------------------------

#[tokio::test]
async fn the_audit_export_streams_row_by_row() {
    let console = console(|_| {}).await;
    let admin = console.signed_in("admin").await;
    let pool = console::storage::open(console.data_dir.path())
        .await
        .expect("db");
    sqlx::query(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 5000) \
         INSERT INTO audit_events (at, actor, action, decision, detail) \
         SELECT '2026-01-01T00:00:00Z', 'user-' || i, 'SignIn', 'Denied', '{\"reason\":\"x\"}' FROM n",
    )
    .execute(&pool)
    .await
    .expect("rows");
    for (format, parse) in [
        (
            "csv",
            (|body: &str| body.lines().count() - 1) as fn(&str) -> usize,
        ),
        ("json", |body: &str| {
            serde_json::from_str::<serde_json::Value>(body)
                .expect("JSON")
                .as_array()
                .expect("array")
                .len()
        }),
    ] {
        let request = Request::builder()
            .uri(format!("/audit/export.{format}"))
            .header(header::HOST, "localhost:3000")
            .header(header::COOKIE, &admin)
            .body(Body::empty())
            .expect("request");
        let response = console
            .router
            .clone()
            .oneshot(request)
            .await
            .expect("response");
        assert_eq!(response.status(), StatusCode::OK);
        assert!(
            response.headers().get(header::CONTENT_LENGTH).is_none(),
            "{format}: not built whole in memory first"
        );
        let mut body = response.into_body();
        let mut frames = 0;
        let mut bytes = Vec::new();
        while let Some(frame) = body.frame().await {
            if let Ok(data) = frame.expect("frame").into_data() {
                frames += 1;
                bytes.extend_from_slice(&data);
            }
        }
        assert!(frames > 10, "{format}: {frames} frames");
        let text = String::from_utf8(bytes).expect("UTF-8");
        // The 5000 rows and the sign-in of the administrator.
        assert_eq!(parse(&text), 5001, "{format}");
    }
}

// ---- hole 12: held role credentials are sealed in the session table --------------------------

#[tokio::test]
async fn held_role_credentials_are_sealed_in_the_session_table() {
    let console = console(|_| {}).await;
    let cookie = console.alice_in_update_app().await;
    let access_key = console.last_access_key().await;
    let pool = console::storage::open(console.data_dir.path())
        .await
        .expect("db");
    let blobs: Vec<Vec<u8>> = sqlx::query_scalar("SELECT data FROM tower_sessions")
        .fetch_all(&pool)
        .await
        .expect("sessions");
    assert!(!blobs.is_empty());
    for blob in blobs {
        let text = String::from_utf8_lossy(&blob);
        for secret in ["secret_access_key", "session_token", access_key.as_str()] {
            assert!(!text.contains(secret), "{secret} stored in plain text");
        }
    }
    // The role still works.
    assert!(
        console
            .list_productionapp(&cookie)
            .await
            .contains("Granted")
    );
}
