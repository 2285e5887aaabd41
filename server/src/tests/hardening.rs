//! Issue 12: each hole closed with a test that failed before its fix.

use super::*;

impl Console {
    async fn signed_in_as(&self, user: &str) -> String {
        let reply = self.sign_in(user, &format!("{user}-demo-pass")).await;
        assert_eq!(reply.location.as_deref(), Some("/"), "{user} signs in");
        cookie_pair(&reply.set_cookie.expect("signed in"))
    }

    async fn list_productionapp(&self, cookie: &str) -> String {
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
    use app::services::mfa::totp;
    let now = time::OffsetDateTime::now_utc().unix_timestamp() as u64;
    totp::code_at_step(secret, (totp::step_of(now) as i64 + offset) as u64).expect("code")
}

// ---- hole 13: nothing re-saves a session that sign-out ended ----------------------------------

#[tokio::test]
async fn requests_racing_a_sign_out_do_not_bring_the_session_back() {
    let console = console(|_| {}).await;
    for _ in 0..5 {
        let cookie = console.signed_in_as("bob").await;
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
                &app::services::db::open(console.data_dir.path())
                    .await
                    .expect("db"),
            )
            .await
            .expect("count");
        assert_eq!(rows, 0, "{rows} sessions left after sign-out");
    }
}
