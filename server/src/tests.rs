//! Integration tests: the real router (sessions, middleware, handlers, pages) driven in-process.

use std::time::Duration;

use app::services::audit::{AuditLog, Decision, SqliteAuditLog};
use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use tower::ServiceExt;

use crate::config::{ServeArgs, Settings};

struct Console {
    router: Router,
    data_dir: tempfile::TempDir,
}

async fn console(configure: impl FnOnce(&mut ServeArgs)) -> Console {
    let data_dir = tempfile::tempdir().expect("temp dir");
    let mut args = ServeArgs {
        data_dir: Some(data_dir.path().to_path_buf()),
        ..Default::default()
    };
    configure(&mut args);
    let settings = Settings::resolve(args).expect("settings");
    let (router, _cleanup) = crate::serve::prepare(&settings)
        .await
        .expect("console starts");
    Console { router, data_dir }
}

struct Reply {
    status: StatusCode,
    location: Option<String>,
    set_cookie: Option<String>,
    body: String,
}

impl Console {
    async fn send(
        &self,
        method: &str,
        uri: &str,
        cookie: Option<&str>,
        form: Option<&str>,
    ) -> Reply {
        let mut request = Request::builder()
            .method(method)
            .uri(uri)
            .header(header::HOST, "127.0.0.1:3000");
        if method == "POST" {
            request = request
                .header(header::ORIGIN, "http://127.0.0.1:3000")
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        }
        if let Some(cookie) = cookie {
            request = request.header(header::COOKIE, cookie);
        }
        let request = request
            .body(Body::from(form.unwrap_or("").to_string()))
            .expect("request");
        self.send_request(request).await
    }

    async fn send_request(&self, request: Request<Body>) -> Reply {
        let response = self
            .router
            .clone()
            .oneshot(request)
            .await
            .expect("response");
        let header = |name| {
            response
                .headers()
                .get(name)
                .and_then(|v: &axum::http::HeaderValue| v.to_str().ok())
                .map(str::to_string)
        };
        let location = header(header::LOCATION);
        let set_cookie = header(header::SET_COOKIE);
        let status = response.status();
        let bytes = response
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes();
        Reply {
            status,
            location,
            set_cookie,
            body: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }

    async fn sign_in(&self, user: &str, password: &str) -> Reply {
        let form = format!("account=development&username={user}&password={password}&next=");
        self.send("POST", "/auth/sign-in", None, Some(&form)).await
    }

    async fn audit(&self) -> Vec<app::services::audit::AuditRecord> {
        let pool = app::services::db::open(self.data_dir.path())
            .await
            .expect("db");
        SqliteAuditLog::new(pool).recent(100).await.expect("audit")
    }
}

/// `name=value` of a Set-Cookie header, for sending back.
fn cookie_pair(set_cookie: &str) -> String {
    set_cookie.split(';').next().unwrap_or_default().to_string()
}

#[tokio::test]
async fn alice_signs_in_sees_her_identity_and_signs_out() {
    let console = console(|_| {}).await;

    let anonymous = console.send("GET", "/", None, None).await;
    assert_eq!(anonymous.status, StatusCode::SEE_OTHER);
    assert_eq!(anonymous.location.as_deref(), Some("/signin"));

    let signed_in = console.sign_in("alice", "alice-demo-pass").await;
    assert_eq!(signed_in.status, StatusCode::SEE_OTHER);
    assert_eq!(signed_in.location.as_deref(), Some("/"));
    let set_cookie = signed_in.set_cookie.expect("a session cookie");
    assert!(
        set_cookie.starts_with("switchyard-session="),
        "{set_cookie}"
    );
    assert!(set_cookie.contains("HttpOnly"), "{set_cookie}");
    assert!(set_cookie.contains("SameSite=Strict"), "{set_cookie}");
    let cookie = cookie_pair(&set_cookie);

    let home = console.send("GET", "/", Some(&cookie), None).await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(
        home.body.contains("alice @ development"),
        "home page names alice"
    );
    assert!(
        home.body.contains("1111-2222-3333"),
        "home page shows the account ID"
    );

    // Signed in, the sign-in page sends you home.
    let again = console.send("GET", "/signin", Some(&cookie), None).await;
    assert_eq!(again.location.as_deref(), Some("/"));

    let signed_out = console
        .send("POST", "/auth/sign-out", Some(&cookie), None)
        .await;
    assert_eq!(signed_out.status, StatusCode::SEE_OTHER);
    assert_eq!(signed_out.location.as_deref(), Some("/signin?signed_out=1"));

    // The old cookie no longer opens anything: the session was deleted server-side.
    let after = console.send("GET", "/", Some(&cookie), None).await;
    assert_eq!(after.location.as_deref(), Some("/signin"));

    let audit = console.audit().await;
    let actions: Vec<(&str, Decision)> = audit
        .iter()
        .map(|r| (r.event.action.as_str(), r.event.decision))
        .collect();
    assert_eq!(
        actions,
        vec![("SignOut", Decision::Info), ("SignIn", Decision::Allowed)]
    );
    assert_eq!(
        audit[1].event.actor.as_deref(),
        Some("arn:aws:iam::111122223333:user/alice")
    );
}

#[tokio::test]
async fn failures_look_alike_to_the_user_but_not_in_the_audit_trail() {
    let console = console(|_| {}).await;
    let wrong_password = console.sign_in("alice", "nope").await;
    let unknown_user = console.sign_in("mallory", "nope").await;
    for reply in [&wrong_password, &unknown_user] {
        assert_eq!(reply.status, StatusCode::SEE_OTHER);
        let location = reply.location.as_deref().unwrap_or_default();
        assert!(
            location.starts_with("/signin?error=invalid&account=development&user="),
            "{location}"
        );
        assert!(
            reply.set_cookie.is_none(),
            "no session for a failed sign-in"
        );
    }
    let reasons: Vec<String> = console
        .audit()
        .await
        .iter()
        .map(|r| {
            r.event.detail["reason"]
                .as_str()
                .unwrap_or_default()
                .to_string()
        })
        .collect();
    assert_eq!(reasons, vec!["unknown user", "wrong password"]);
}

#[tokio::test]
async fn repeated_failures_pause_sign_in_for_that_user() {
    let console = console(|args| {
        args.sign_in_max_failures_per_user = Some(2);
        args.sign_in_failure_window = Some(Duration::from_secs(600));
    })
    .await;
    for _ in 0..2 {
        let reply = console.sign_in("alice", "guess").await;
        assert!(
            reply
                .location
                .unwrap_or_default()
                .starts_with("/signin?error=invalid")
        );
    }
    // Even the right password is refused while paused.
    let paused = console.sign_in("alice", "alice-demo-pass").await;
    assert!(
        paused
            .location
            .unwrap_or_default()
            .starts_with("/signin?error=throttled")
    );
    assert!(paused.set_cookie.is_none());
    // Other users are unaffected.
    let bob = console.sign_in("bob", "bob-demo-pass").await;
    assert_eq!(bob.location.as_deref(), Some("/"));
}

#[tokio::test]
async fn cross_site_posts_are_refused_and_change_nothing() {
    let console = console(|_| {}).await;
    let request = Request::builder()
        .method("POST")
        .uri("/auth/sign-in")
        .header(header::HOST, "127.0.0.1:3000")
        .header(header::ORIGIN, "https://evil.example")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(
            "account=development&username=alice&password=alice-demo-pass",
        ))
        .expect("request");
    let reply = console.send_request(request).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert!(reply.set_cookie.is_none());
    assert!(console.audit().await.is_empty(), "nothing happened");
}

#[tokio::test]
async fn unknown_pages_are_404_and_health_answers() {
    let console = console(|_| {}).await;
    let cookie = cookie_pair(
        &console
            .sign_in("alice", "alice-demo-pass")
            .await
            .set_cookie
            .expect("cookie"),
    );
    let missing = console
        .send("GET", "/no/such/page", Some(&cookie), None)
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert!(missing.body.contains("Page not found"));
    let health = console.send("GET", "/healthz", None, None).await;
    assert_eq!(health.status, StatusCode::OK);
}

#[tokio::test]
async fn an_open_redirect_in_next_is_ignored() {
    let console = console(|_| {}).await;
    let form = "account=development&username=alice&password=alice-demo-pass&next=https%3A%2F%2Fevil.example%2F";
    let reply = console
        .send("POST", "/auth/sign-in", None, Some(form))
        .await;
    assert_eq!(reply.location.as_deref(), Some("/"));
}

#[tokio::test]
async fn many_failures_from_one_address_pause_it_for_every_user() {
    let console = console(|args| {
        args.sign_in_max_failures_per_client = Some(3);
        args.sign_in_failure_window = Some(Duration::from_secs(600));
    })
    .await;
    for user in ["u1", "u2", "u3"] {
        let reply = console.sign_in(user, "guess").await;
        assert!(
            reply
                .location
                .unwrap_or_default()
                .starts_with("/signin?error=invalid")
        );
    }
    // A user with no failures of their own is refused too: the address is paused.
    let bob = console.sign_in("bob", "bob-demo-pass").await;
    assert!(
        bob.location
            .unwrap_or_default()
            .starts_with("/signin?error=throttled")
    );
    let denied = console.audit().await;
    assert_eq!(denied[0].event.detail["reason"], "rate limited");
}
