//! Integration tests: the real router (sessions, middleware, handlers, pages) driven in-process.

use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use console::audit::{AuditLog, Decision, SqlAuditLog};
use http_body_util::BodyExt;
use tower::ServiceExt;

use crate::config::{ServeArgs, Settings};

mod access_keys;
mod access_map;
mod access_requests;
mod hardening;
mod hardening_web;
mod shared_state;
mod simulator;
mod switching;

struct Console {
    router: Router,
    data_dir: tempfile::TempDir,
    settings: Settings,
    /// The role session the test's browser tab acts in (its URL's `/as/ID`): object routes
    /// and the bucket server functions are sent in it, as the pages of that tab would.
    tab: std::sync::Mutex<Option<String>>,
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
    Console {
        router,
        data_dir,
        settings,
        tab: Default::default(),
    }
}

/// The role session a successful `switch_role` answer moves the tab into (`/as/ID/…`).
fn switched_tab(body: &str) -> String {
    let (_, rest) = body
        .split_once("/as/")
        .expect("switched into a role session");
    rest.chars().take_while(|c| c.is_ascii_hexdigit()).collect()
}

struct Reply {
    status: StatusCode,
    location: Option<String>,
    set_cookie: Option<String>,
    body: String,
}

impl Console {
    /// Makes the test's tab act in role session `tab` (`None`: as the user).
    fn use_tab(&self, tab: Option<String>) {
        *self.tab.lock().expect("tab") = tab;
    }

    fn tab(&self) -> Option<String> {
        self.tab.lock().expect("tab").clone()
    }

    /// `uri` of an object route as the tab sends it.
    fn in_tab(&self, uri: &str) -> String {
        match uri.starts_with("/s3/") {
            true => types::role_sessions::with_role_session(uri, self.tab().as_deref()),
            false => uri.to_string(),
        }
    }

    async fn send(
        &self,
        method: &str,
        uri: &str,
        cookie: Option<&str>,
        form: Option<&str>,
    ) -> Reply {
        // The tab's pages, the bucket pages' server functions and the banner's forms name the
        // tab's role session, as the browser sends them.
        let tab = self.tab();
        let acts_in_tab = uri.starts_with("/api/s3_")
            || ["/role/renew", "/role/switch-back", "/role/aws-console"].contains(&uri);
        let form = match (&tab, form) {
            (Some(tab), form) if acts_in_tab => Some(match form.unwrap_or_default() {
                "" => format!("role_session={tab}"),
                form => format!("{form}&role_session={tab}"),
            }),
            (_, form) => form.map(str::to_string),
        };
        let is_page = method == "GET"
            && ![
                "/api/", "/s3/", "/auth/", "/audit/", "/healthz", "/as/", "/pkg/",
            ]
            .iter()
            .any(|p| uri.starts_with(p));
        let uri = match &tab {
            Some(_) if is_page => types::role_sessions::in_tab(tab.as_deref(), uri),
            _ => uri.to_string(),
        };
        let mut request = Request::builder()
            .method(method)
            .uri(uri)
            .header(header::HOST, "localhost:3000");
        if method == "POST" {
            request = request
                .header(header::ORIGIN, "http://localhost:3000")
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        }
        if let Some(cookie) = cookie {
            request = request.header(header::COOKIE, cookie);
        }
        let request = request
            .body(Body::from(form.unwrap_or_default()))
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

    /// `form` posted to `uri` from a page of another site (`Origin: https://evil.example`),
    /// with `cookie` if given: the cross-site request every state-changing route must refuse.
    async fn cross_site_post(&self, uri: &str, cookie: Option<&str>, form: &str) -> Reply {
        let mut request = Request::builder()
            .method("POST")
            .uri(uri)
            .header(header::HOST, "localhost:3000")
            .header(header::ORIGIN, "https://evil.example")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        if let Some(cookie) = cookie {
            request = request.header(header::COOKIE, cookie);
        }
        self.send_request(request.body(Body::from(form.to_string())).expect("request"))
            .await
    }

    async fn sign_in(&self, user: &str, password: &str) -> Reply {
        let form = format!("account=development&username={user}&password={password}&next=");
        self.send("POST", "/auth/sign-in", None, Some(&form)).await
    }

    /// A demo user signed in with their password (no MFA): the session cookie.
    async fn signed_in(&self, user: &str) -> String {
        let reply = self.sign_in(user, &format!("{user}-demo-pass")).await;
        assert_eq!(reply.location.as_deref(), Some("/"), "{user} signs in");
        cookie_pair(&reply.set_cookie.expect("signed in"))
    }

    /// The console's own database (SQLite or PostgreSQL), opened beside it.
    async fn storage(&self) -> console::storage::Storage {
        console::storage::Storage::open(&crate::serve::database_settings(&self.settings))
            .await
            .expect("db")
    }

    async fn audit(&self) -> Vec<console::audit::AuditRecord> {
        SqlAuditLog::new(self.storage().await.db().clone())
            .recent(100)
            .await
            .expect("audit")
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
    let reply = console
        .cross_site_post(
            "/auth/sign-in",
            None,
            "account=development&username=alice&password=alice-demo-pass",
        )
        .await;
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

// ---- multi-factor authentication ------------------------------------------------------------

const ALICE_SECRET: &[u8] = b"alice-test-secret-0123";

impl Console {
    /// Gives alice an authenticator app with a known secret, as enrolment would store it.
    async fn enrol_alice_totp(&self) -> String {
        self.enrol_totp("alice").await
    }

    /// Gives a demo user of the development account an authenticator app with the test
    /// secret (`totp_code` gives its codes).
    async fn enrol_totp(&self, user: &str) -> String {
        use console::mfa::cipher::MfaCipher;
        use console::mfa::store::{DeviceKind, MfaDevice, MfaStore, SqlMfaStore, UserKey};
        let storage = self.storage().await;
        let cipher = MfaCipher::load(
            self.settings
                .mfa_encryption_key
                .as_ref()
                .map(|k| k.expose()),
            self.data_dir.path(),
        )
        .expect("key");
        let owner = UserKey::new("111122223333", user);
        let device = MfaDevice {
            id: format!("device-{user}"),
            owner: owner.clone(),
            name: format!("{user}-phone"),
            kind: DeviceKind::Totp,
            totp_secret: Some(cipher.encrypt(ALICE_SECRET, &owner.owner()).expect("seal")),
            passkey: None,
            created_at: 1,
            last_used_at: None,
        };
        SqlMfaStore::new(storage.db().clone())
            .add_device(&device)
            .await
            .expect("device");
        device.id
    }

    /// Password step: answers the pending session's cookie.
    async fn password_step(&self, user: &str, password: &str) -> String {
        let reply = self.sign_in(user, password).await;
        assert_eq!(reply.location.as_deref(), Some("/mfa"), "MFA step next");
        cookie_pair(&reply.set_cookie.expect("a pending session"))
    }

    async fn mfa_step(&self, cookie: &str, code: &str) -> Reply {
        self.send(
            "POST",
            "/auth/mfa",
            Some(cookie),
            Some(&format!("code={code}")),
        )
        .await
    }

    async fn audit_reasons(&self, action: &str) -> Vec<String> {
        self.audit()
            .await
            .iter()
            .filter(|r| r.event.action == action)
            .map(|r| {
                r.event.detail["reason"]
                    .as_str()
                    .unwrap_or("ok")
                    .to_string()
            })
            .collect()
    }
}

/// The code of the current time step plus `offset` steps.
fn totp_code(offset: i64) -> String {
    use console::mfa::totp;
    let now = time::OffsetDateTime::now_utc().unix_timestamp() as u64;
    let step = (totp::step_of(now) as i64 + offset) as u64;
    totp::code_at_step(ALICE_SECRET, step).expect("code")
}

#[tokio::test]
async fn password_then_totp_signs_in_with_an_mfa_context() {
    let console = console(|_| {}).await;
    console.enrol_alice_totp().await;

    let pending = console.password_step("alice", "alice-demo-pass").await;
    // Not signed in yet: pages send the pending sign-in back to sign in, the MFA page opens.
    let home = console.send("GET", "/", Some(&pending), None).await;
    assert_eq!(home.location.as_deref(), Some("/signin"));
    let page = console.send("GET", "/mfa", Some(&pending), None).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Multi-factor authentication"));

    let wrong = console.mfa_step(&pending, "000000").await;
    let wrong_location = wrong.location.unwrap_or_default();
    // (A one-in-a-million chance that 000000 is right; the replay test covers codes anyway.)
    assert_eq!(wrong_location, "/mfa?error=invalid");

    let done = console.mfa_step(&pending, &totp_code(0)).await;
    assert_eq!(done.location.as_deref(), Some("/"));
    let cookie = cookie_pair(&done.set_cookie.expect("the id is cycled after MFA"));
    assert_ne!(cookie, pending, "session id cycled");
    let home = console.send("GET", "/", Some(&cookie), None).await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(home.body.contains("alice @ development"));
    // The pre-MFA id opens nothing.
    let old = console.send("GET", "/", Some(&pending), None).await;
    assert_eq!(old.location.as_deref(), Some("/signin"));

    assert_eq!(
        console.audit_reasons("MfaSignIn").await,
        vec!["ok".to_string(), "wrong code".to_string()]
    );
}

#[tokio::test]
async fn a_replayed_code_is_refused_and_audited() {
    let console = console(|_| {}).await;
    console.enrol_alice_totp().await;
    let code = totp_code(0);
    let first = console.password_step("alice", "alice-demo-pass").await;
    assert_eq!(
        console.mfa_step(&first, &code).await.location.as_deref(),
        Some("/")
    );
    let second = console.password_step("alice", "alice-demo-pass").await;
    let replay = console.mfa_step(&second, &code).await;
    assert_eq!(replay.location.as_deref(), Some("/mfa?error=invalid"));
    // An older step is refused too; the next one is accepted.
    let older = console.mfa_step(&second, &totp_code(-1)).await;
    assert_eq!(older.location.as_deref(), Some("/mfa?error=invalid"));
    let next = console.mfa_step(&second, &totp_code(1)).await;
    assert_eq!(next.location.as_deref(), Some("/"));
    let reasons = console.audit_reasons("MfaSignIn").await;
    assert!(
        reasons
            .iter()
            .filter(|r| r.starts_with("replayed code"))
            .count()
            == 2,
        "{reasons:?}"
    );
}

#[tokio::test]
async fn mfa_locks_out_after_the_configured_failures() {
    let console = console(|args| {
        args.mfa_max_failures = Some(3);
        args.mfa_lockout = Some(Duration::from_secs(900));
    })
    .await;
    console.enrol_alice_totp().await;
    let pending = console.password_step("alice", "alice-demo-pass").await;
    for _ in 0..3 {
        let reply = console.mfa_step(&pending, "12345x").await;
        assert_eq!(reply.location.as_deref(), Some("/mfa?error=invalid"));
    }
    // Even the right code is refused while locked, and the user is told so.
    let locked = console.mfa_step(&pending, &totp_code(0)).await;
    assert_eq!(locked.location.as_deref(), Some("/mfa?error=locked"));
    let reasons = console.audit_reasons("MfaSignIn").await;
    assert!(reasons[0].starts_with("locked out"), "{reasons:?}");
    assert!(
        console
            .audit()
            .await
            .iter()
            .any(|r| r.event.action == "MfaLockOut")
    );
}

#[tokio::test]
async fn removing_a_device_needs_a_fresh_mfa_and_ends_other_sessions() {
    let console = console(|_| {}).await;
    let device = console.enrol_alice_totp().await;

    // bob has no device: a password-only session cannot remove anything (step-up first).
    let bob = cookie_pair(
        &console
            .sign_in("bob", "bob-demo-pass")
            .await
            .set_cookie
            .expect("cookie"),
    );
    let refused = console
        .send("POST", "/api/mfa/remove", Some(&bob), Some("device_id=x"))
        .await;
    assert!(refused.status.is_server_error() || refused.status.is_client_error());
    assert!(
        server_fn_error(&refused.body) == Some(types::error::ConsoleError::StepUpRequired),
        "{}",
        refused.body
    );

    // alice in two sessions, each with its own time step.
    let a = console.password_step("alice", "alice-demo-pass").await;
    let a = cookie_pair(
        &console
            .mfa_step(&a, &totp_code(0))
            .await
            .set_cookie
            .expect("a"),
    );
    let b = console.password_step("alice", "alice-demo-pass").await;
    let b = cookie_pair(
        &console
            .mfa_step(&b, &totp_code(1))
            .await
            .set_cookie
            .expect("b"),
    );
    let removed = console
        .send(
            "POST",
            "/api/mfa/remove",
            Some(&a),
            Some(&format!("device_id={device}")),
        )
        .await;
    assert_eq!(removed.status, StatusCode::OK, "{}", removed.body);
    // Session a goes on; session b has ended.
    let a_home = console.send("GET", "/", Some(&a), None).await;
    assert_eq!(a_home.status, StatusCode::OK);
    let b_home = console.send("GET", "/", Some(&b), None).await;
    assert_eq!(b_home.location.as_deref(), Some("/signin"));
    assert_eq!(console.audit_reasons("MfaRemove").await, vec!["ok"]);
    // Without devices, alice signs in with her password alone again.
    assert_eq!(
        console
            .sign_in("alice", "alice-demo-pass")
            .await
            .location
            .as_deref(),
        Some("/")
    );
}

#[tokio::test]
async fn a_user_who_must_use_mfa_is_kept_on_security_credentials_until_enrolled() {
    let dir = tempfile::tempdir().expect("dir");
    let directory = dir.path().join("directory.toml");
    let with_policy = iam::Directory::demo_toml().replace(
        "  name = \"bob\"\n",
        "  name = \"bob\"\n  require_mfa = true\n",
    );
    assert!(with_policy.contains("require_mfa = true"));
    std::fs::write(&directory, with_policy).expect("write");
    let console = console(|args| args.directory = Some(directory.clone())).await;
    let reply = console.sign_in("bob", "bob-demo-pass").await;
    assert_eq!(reply.location.as_deref(), Some("/security-credentials"));
    let cookie = cookie_pair(&reply.set_cookie.expect("cookie"));
    let home = console.send("GET", "/", Some(&cookie), None).await;
    assert_eq!(home.location.as_deref(), Some("/security-credentials"));
    let page = console
        .send("GET", "/security-credentials", Some(&cookie), None)
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Security credentials"));
}

mod aws_api;
mod aws_moto;
// ---- objects: streamed downloads and uploads through the cloud boundary ---------------------

struct RawReply {
    status: StatusCode,
    headers: axum::http::HeaderMap,
    body: Vec<u8>,
}

impl Console {
    /// alice, signed in with her authenticator app, holding UpdateAPP: the session cookie.
    async fn alice_in_update_app(&self) -> String {
        self.enrol_alice_totp().await;
        let pending = self.password_step("alice", "alice-demo-pass").await;
        let done = self.mfa_step(&pending, &totp_code(0)).await;
        let cookie = cookie_pair(&done.set_cookie.expect("signed in"));
        let switched = self
            .send(
                "POST",
                "/api/switch_role",
                Some(&cookie),
                Some("account=production&role=UpdateAPP&display_name=Prod"),
            )
            .await;
        assert_eq!(switched.status, StatusCode::OK, "{}", switched.body);
        self.use_tab(Some(switched_tab(&switched.body)));
        cookie_pair(
            &switched
                .set_cookie
                .expect("the id is cycled when a role is held"),
        )
    }

    async fn raw(
        &self,
        method: &str,
        uri: &str,
        cookie: &str,
        headers: &[(&str, &str)],
        body: Vec<u8>,
    ) -> RawReply {
        let mut request = Request::builder()
            .method(method)
            .uri(self.in_tab(uri))
            .header(header::HOST, "localhost:3000")
            .header(header::COOKIE, cookie);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let response = self
            .router
            .clone()
            .oneshot(request.body(Body::from(body)).expect("request"))
            .await
            .expect("response");
        let status = response.status();
        let headers = response.headers().clone();
        let body = response
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes()
            .to_vec();
        RawReply {
            status,
            headers,
            body,
        }
    }

    async fn upload(&self, cookie: &str, bucket: &str, key: &str, body: &[u8]) -> RawReply {
        let uri = format!("/s3/upload/{bucket}?key={}", types::buckets::encode(key));
        let length = body.len().to_string();
        self.raw(
            "POST",
            &uri,
            cookie,
            &[
                ("origin", "http://localhost:3000"),
                ("content-type", "text/html"),
                ("content-length", &length),
            ],
            body.to_vec(),
        )
        .await
    }

    async fn download(
        &self,
        cookie: &str,
        bucket: &str,
        key: &str,
        range: Option<&str>,
    ) -> RawReply {
        let uri = types::buckets::download_url(bucket, key);
        let mut headers = vec![("accept-encoding", "gzip, br")];
        if let Some(range) = range {
            headers.push(("range", range));
        }
        self.raw("GET", &uri, cookie, &headers, Vec::new()).await
    }
}

fn header_of<'a>(reply: &'a RawReply, name: &str) -> &'a str {
    reply
        .headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
}

#[tokio::test]
async fn objects_stream_through_the_server_with_the_held_role_and_are_audited() {
    let console = console(|args| args.max_upload_size = Some(64 * 1024)).await;
    let cookie = console.alice_in_update_app().await;
    let page = b"<!doctype html><script>document.title='pwned'</script>".to_vec();
    let key = "notes/../été report.html";

    let put = console.upload(&cookie, "productionapp", key, &page).await;
    assert_eq!(
        put.status,
        StatusCode::OK,
        "{}",
        String::from_utf8_lossy(&put.body)
    );

    let got = console.download(&cookie, "productionapp", key, None).await;
    assert_eq!(got.status, StatusCode::OK);
    assert_eq!(got.body, page, "identical bytes, not compressed");
    assert_eq!(header_of(&got, "content-encoding"), "");
    assert_eq!(
        header_of(&got, "content-disposition"),
        "attachment; filename=\"_t_ report.html\"; filename*=UTF-8''%C3%A9t%C3%A9%20report.html"
    );
    assert_eq!(header_of(&got, "x-content-type-options"), "nosniff");
    assert_eq!(
        header_of(&got, "content-security-policy"),
        "sandbox; default-src 'none'"
    );
    assert_eq!(header_of(&got, "accept-ranges"), "bytes");

    let part = console
        .download(&cookie, "productionapp", key, Some("bytes=2-9"))
        .await;
    assert_eq!(part.status, StatusCode::PARTIAL_CONTENT);
    assert_eq!(part.body, page[2..=9].to_vec());
    assert_eq!(
        header_of(&part, "content-range"),
        format!("bytes 2-9/{}", page.len())
    );
    let past = console
        .download(&cookie, "productionapp", key, Some("bytes=9999-"))
        .await;
    assert_eq!(past.status, StatusCode::RANGE_NOT_SATISFIABLE);
    assert_eq!(
        header_of(&past, "content-range"),
        format!("bytes */{}", page.len())
    );

    // Outside what the role allows.
    let logs = console
        .download(&cookie, "production-logs", "2025/01/31/access.log", None)
        .await;
    assert_eq!(logs.status, StatusCode::FORBIDDEN);
    assert!(String::from_utf8_lossy(&logs.body).contains("Access denied"));
    let write_logs = console
        .upload(&cookie, "production-logs", "x.txt", b"x")
        .await;
    assert_eq!(write_logs.status, StatusCode::FORBIDDEN);

    // Too large for the configured limit: refused, nothing stored.
    let big = vec![b'x'; 64 * 1024 + 1];
    let refused = console
        .upload(&cookie, "productionapp", "big.bin", &big)
        .await;
    assert_eq!(refused.status, StatusCode::PAYLOAD_TOO_LARGE);
    let missing = console
        .download(&cookie, "productionapp", "big.bin", None)
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);

    // A cross-site upload is refused before it reaches the store.
    let forged = console
        .raw(
            "POST",
            "/s3/upload/productionapp?key=forged.html",
            &cookie,
            &[("origin", "https://evil.example")],
            b"<script>".to_vec(),
        )
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    let none = console
        .download(&cookie, "productionapp", "forged.html", None)
        .await;
    assert_eq!(none.status, StatusCode::NOT_FOUND);

    let audit = console.audit().await;
    let find = |action: &str, key: &str| {
        audit
            .iter()
            .find(|r| r.event.action == action && r.event.detail["key"] == key)
            .unwrap_or_else(|| panic!("no {action} of {key} in the audit trail"))
    };
    let put = find("s3:PutObject", key);
    assert_eq!(put.event.decision, Decision::Allowed);
    assert_eq!(
        put.event.actor.as_deref(),
        Some("arn:aws:iam::111122223333:user/alice")
    );
    assert_eq!(
        put.event.detail["assumed_role_arn"],
        "arn:aws:sts::123456789012:assumed-role/UpdateAPP/alice"
    );
    // Which of alice's role sessions the upload used: the one her tab names.
    assert_eq!(
        put.event.detail["role_session"].as_str(),
        console.tab().as_deref()
    );
    let denied = find("s3:GetObject", "2025/01/31/access.log");
    assert_eq!(denied.event.decision, Decision::Denied);
    assert_eq!(denied.event.detail["bucket"], "production-logs");
    assert!(denied.event.detail["reason"]["explanation"].is_array());
}

#[tokio::test]
async fn without_a_role_bob_cannot_read_productionapp_and_strangers_cannot_download() {
    let console = console(|_| {}).await;
    let bob = cookie_pair(
        &console
            .sign_in("bob", "bob-demo-pass")
            .await
            .set_cookie
            .expect("signed in"),
    );
    let refused = console
        .download(&bob, "productionapp", "index.html", None)
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let upload = console
        .upload(&bob, "productionapp", "bob.txt", b"hi")
        .await;
    assert_eq!(upload.status, StatusCode::FORBIDDEN);

    let anonymous = console
        .download("x=y", "productionapp", "index.html", None)
        .await;
    assert_eq!(anonymous.status, StatusCode::SEE_OTHER);
    let anonymous_upload = console.upload("x=y", "productionapp", "x.txt", b"hi").await;
    assert_eq!(anonymous_upload.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn bucket_server_functions_answer_denials_in_place_and_audit_every_action() {
    let console = console(|_| {}).await;
    let cookie = console.alice_in_update_app().await;
    let list = |bucket: &'static str| {
        let console = &console;
        let cookie = cookie.clone();
        async move {
            console
                .send(
                    "POST",
                    "/api/s3_list_objects",
                    Some(&cookie),
                    Some(&format!("bucket={bucket}&prefix=")),
                )
                .await
        }
    };
    let granted = list("productionapp").await;
    assert_eq!(granted.status, StatusCode::OK, "{}", granted.body);
    assert!(granted.body.contains("\"Granted\""), "{}", granted.body);
    assert!(granted.body.contains("index.html"), "{}", granted.body);
    assert!(granted.body.contains("app/"), "{}", granted.body);
    let denied = list("production-logs").await;
    assert_eq!(
        denied.status,
        StatusCode::OK,
        "a denial is an answer, not an error"
    );
    assert_eq!(denied.body, "\"Denied\"");
    let buckets = console
        .send("POST", "/api/s3_list_buckets", Some(&cookie), Some(""))
        .await;
    assert_eq!(buckets.body, "\"Denied\"");

    let folder = console
        .send(
            "POST",
            "/api/s3_create_folder",
            Some(&cookie),
            Some("bucket=productionapp&prefix=app%2F&name=drafts"),
        )
        .await;
    assert!(folder.body.contains("app/drafts/"), "{}", folder.body);
    let deleted = console
        .send(
            "POST",
            "/api/s3_delete_objects",
            Some(&cookie),
            Some("bucket=productionapp&keys[0]=app%2Fdrafts%2F&keys[1]=index.html"),
        )
        .await;
    assert!(deleted.body.contains("Granted"), "{}", deleted.body);
    assert!(deleted.body.contains("app/drafts/"), "{}", deleted.body);

    let audit = console.audit().await;
    let actions: Vec<(&str, Decision, Option<&str>)> = audit
        .iter()
        .filter(|r| r.event.action.starts_with("s3:"))
        .map(|r| {
            (
                r.event.action.as_str(),
                r.event.decision,
                r.event.detail["bucket"].as_str(),
            )
        })
        .collect();
    for expected in [
        ("s3:ListBucket", Decision::Allowed, Some("productionapp")),
        ("s3:ListBucket", Decision::Denied, Some("production-logs")),
        ("s3:ListAllMyBuckets", Decision::Denied, Some("*")),
        ("s3:PutObject", Decision::Allowed, Some("productionapp")),
        ("s3:DeleteObject", Decision::Allowed, Some("productionapp")),
    ] {
        assert!(
            actions.contains(&expected),
            "{expected:?} missing from {actions:?}"
        );
    }
}
mod trust;

/// The typed error a server function answered with (its body is the error as JSON).
fn server_fn_error(body: &str) -> Option<types::error::ConsoleError> {
    serde_json::from_str(body).ok()
}
