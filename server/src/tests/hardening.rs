//! Hardening (issue 12): host names and origins, response headers and secrets, admin pages.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};

use super::{Console, Reply, console, cookie_pair};

impl Console {
    async fn send_as(
        &self,
        method: &str,
        uri: &str,
        host: &str,
        origin: Option<&str>,
        form: Option<&str>,
    ) -> Reply {
        let mut request = Request::builder()
            .method(method)
            .uri(uri)
            .header(header::HOST, host);
        if let Some(origin) = origin {
            request = request.header(header::ORIGIN, origin);
        }
        if form.is_some() {
            request = request.header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        }
        let request = request
            .body(Body::from(form.unwrap_or("").to_string()))
            .expect("request");
        self.send_request(request).await
    }
}

const ALICE_FORM: &str = "account=development&username=alice&password=alice-demo-pass&next=";

#[tokio::test]
async fn a_rebinding_host_is_refused_and_both_loopback_names_work() {
    let console = console(|_| {}).await;
    // A page of evil.example whose name now resolves to 127.0.0.1.
    for method in ["GET", "POST"] {
        let reply = console
            .send_as(
                method,
                "/auth/sign-in",
                "evil.example:3000",
                Some("http://evil.example:3000"),
                Some(ALICE_FORM),
            )
            .await;
        assert_eq!(reply.status, StatusCode::MISDIRECTED_REQUEST, "{method}");
        assert!(reply.set_cookie.is_none());
    }
    // Host and Origin agree, and name another port: still another origin.
    let other_port = console
        .send_as(
            "POST",
            "/auth/sign-in",
            "localhost:3000",
            Some("http://localhost:4000"),
            Some(ALICE_FORM),
        )
        .await;
    assert_eq!(other_port.status, StatusCode::FORBIDDEN);
    assert!(console.audit().await.is_empty(), "nothing happened");

    // The README's http://127.0.0.1:3000: pages move to localhost, which WebAuthn needs...
    let page = console
        .send_as("GET", "/signin?next=%2Fs3", "127.0.0.1:3000", None, None)
        .await;
    assert_eq!(page.status, StatusCode::TEMPORARY_REDIRECT);
    assert_eq!(
        page.location.as_deref(),
        Some("http://localhost:3000/signin?next=%2Fs3")
    );
    // ...and a form already open there still signs in.
    let signed_in = console
        .send_as(
            "POST",
            "/auth/sign-in",
            "127.0.0.1:3000",
            Some("http://127.0.0.1:3000"),
            Some(ALICE_FORM),
        )
        .await;
    assert_eq!(signed_in.status, StatusCode::SEE_OTHER);
    assert_eq!(signed_in.location.as_deref(), Some("/"));
    let health = console
        .send_as("GET", "/healthz", "127.0.0.1:3000", None, None)
        .await;
    assert_eq!(health.status, StatusCode::OK);
}

#[tokio::test]
async fn behind_a_proxy_that_rewrites_host_the_public_url_is_the_origin() {
    let console =
        console(|args| args.public_url = Some("https://console.example.com".into())).await;
    // The proxy connects to 127.0.0.1:3000 and says so in Host; the browser's Origin is the
    // public one.
    let signed_in = console
        .send_as(
            "POST",
            "/auth/sign-in",
            "127.0.0.1:3000",
            Some("https://console.example.com"),
            Some(ALICE_FORM),
        )
        .await;
    assert_eq!(signed_in.status, StatusCode::SEE_OTHER);
    let cookie = cookie_pair(&signed_in.set_cookie.expect("signed in"));
    let mut home = Request::builder()
        .uri("/")
        .header(header::HOST, "127.0.0.1:3000")
        .header(header::COOKIE, &cookie);
    home = home.header("x-forwarded-proto", "https");
    let home = console
        .send_request(home.body(Body::empty()).expect("request"))
        .await;
    assert_eq!(
        home.status,
        StatusCode::OK,
        "no redirect loop behind the proxy"
    );
    // A page served from the listen address itself is not the console's origin any more.
    let direct = console
        .send_as(
            "POST",
            "/auth/sign-in",
            "127.0.0.1:3000",
            Some("http://127.0.0.1:3000"),
            Some(ALICE_FORM),
        )
        .await;
    assert_eq!(direct.status, StatusCode::FORBIDDEN);
}

// ---- response headers ---------------------------------------------------------------------

fn header_value(reply: &super::RawReply, name: &str) -> String {
    super::header_of(reply, name).to_string()
}

#[tokio::test]
async fn pages_carry_a_csp_whose_nonce_is_on_every_inline_script() {
    let console = console(|_| {}).await;
    let mut nonces = Vec::new();
    for _ in 0..2 {
        let page = console.raw("GET", "/signin", "", &[], Vec::new()).await;
        assert_eq!(page.status, StatusCode::OK);
        let csp = header_value(&page, "content-security-policy");
        assert!(csp.contains("default-src 'self'"), "{csp}");
        let nonce = csp
            .split(';')
            .map(str::trim)
            .find_map(|directive| directive.strip_prefix("script-src "))
            .and_then(|sources| {
                sources
                    .split_whitespace()
                    .find_map(|s| s.strip_prefix("'nonce-")?.strip_suffix('\''))
            })
            .unwrap_or_else(|| panic!("script-src with a nonce: {csp}"))
            .to_string();
        assert!(nonce.len() >= 16, "{nonce}");
        let body = String::from_utf8_lossy(&page.body).into_owned();
        let scripts: Vec<&str> = body
            .split("<script")
            .skip(1)
            .map(|rest| rest.split('>').next().unwrap_or_default())
            .collect();
        assert!(
            scripts.iter().any(|attrs| !attrs.contains("src=")),
            "the hydration script is inline: {scripts:?}"
        );
        for attrs in scripts.iter().filter(|attrs| !attrs.contains("src=")) {
            assert!(
                attrs.contains(&format!("nonce=\"{nonce}\"")),
                "inline script without the nonce: <script{attrs}>"
            );
        }
        nonces.push(nonce);
    }
    assert_ne!(nonces[0], nonces[1], "a nonce per response");
    // Everything else gets a policy without any script at all.
    let health = console.raw("GET", "/healthz", "", &[], Vec::new()).await;
    let csp = header_value(&health, "content-security-policy");
    assert!(csp.contains("default-src 'self'"), "{csp}");
    assert!(!csp.contains("nonce"), "{csp}");
}

#[tokio::test]
async fn strict_transport_security_goes_with_secure_cookies() {
    let plain = console(|_| {}).await;
    let reply = plain.raw("GET", "/healthz", "", &[], Vec::new()).await;
    assert_eq!(header_value(&reply, "strict-transport-security"), "");

    let tls = console(|args| {
        args.secure_cookies = Some(true);
        args.public_url = Some("https://console.example.com".into());
    })
    .await;
    let reply = tls.raw("GET", "/healthz", "", &[], Vec::new()).await;
    let hsts = header_value(&reply, "strict-transport-security");
    assert!(hsts.starts_with("max-age="), "{hsts}");
    let max_age: u64 = hsts
        .trim_start_matches("max-age=")
        .split(';')
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    assert!(max_age >= 180 * 24 * 3600, "{hsts}");
}

// ---- secrets in Debug ---------------------------------------------------------------------

#[test]
fn debug_output_of_the_configuration_redacts_every_secret() {
    use crate::config::{ServeArgs, Settings};
    let key = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";
    let dir = tempfile::tempdir().expect("dir");
    let file = dir.path().join("switchyard.toml");
    std::fs::write(
        &file,
        "backend = 'aws'\n[aws_roles.'arn:aws:iam::123456789012:role/UpdateAPP']\nexternal_id = 'story-external-id'\n",
    )
    .expect("write");
    let args = ServeArgs {
        config: Some(file),
        mfa_encryption_key: Some(key.into()),
        ..Default::default()
    };
    let printed_args = format!("{args:?}");
    assert!(!printed_args.contains(key), "{printed_args}");
    let settings = Settings::resolve(args).expect("settings");
    for printed in [
        format!("{settings:?}"),
        format!("{settings:#?}"),
        settings.to_string(),
    ] {
        assert!(!printed.contains(key), "{printed}");
        assert!(!printed.contains("story-external-id"), "{printed}");
    }
}

// ---- admin pages need an MFA sign-in ------------------------------------------------------

/// The demo organisation as a directory of one's own (`demo = false`).
fn own_directory(dir: &tempfile::TempDir) -> std::path::PathBuf {
    let path = dir.path().join("directory.toml");
    let text = iam::Directory::demo_toml().replacen("demo = true", "demo = false", 1);
    assert!(text.contains("demo = false"));
    std::fs::write(&path, text).expect("write");
    path
}

impl Console {
    async fn give_totp(&self, user: &str) {
        use app::services::mfa::cipher::MfaCipher;
        use app::services::mfa::store::{DeviceKind, MfaDevice, MfaStore, SqliteMfaStore, UserKey};
        let pool = app::services::db::open(self.data_dir.path())
            .await
            .expect("db");
        let cipher = MfaCipher::load(None, self.data_dir.path()).expect("key");
        let owner = UserKey::new("111122223333", user);
        let device = MfaDevice {
            id: format!("{user}-device"),
            owner: owner.clone(),
            name: format!("{user}-phone"),
            kind: DeviceKind::Totp,
            totp_secret: Some(
                cipher
                    .encrypt(super::ALICE_SECRET, &owner.owner())
                    .expect("seal"),
            ),
            passkey: None,
            created_at: 1,
            last_used_at: None,
        };
        SqliteMfaStore::new(pool)
            .add_device(&device)
            .await
            .expect("device");
    }
}

#[tokio::test]
async fn admin_pages_need_an_mfa_sign_in_outside_the_demo() {
    let dir = tempfile::tempdir().expect("dir");
    let directory = own_directory(&dir);
    let console = console(|args| args.directory = Some(directory.clone())).await;

    let password_only = console.sign_in("admin", "admin-demo-pass").await;
    assert_eq!(password_only.location.as_deref(), Some("/"));
    let cookie = cookie_pair(&password_only.set_cookie.expect("signed in"));
    let export = console
        .send("GET", "/audit/export.csv", Some(&cookie), None)
        .await;
    assert_eq!(export.status, StatusCode::FORBIDDEN, "{}", export.body);
    assert!(export.body.contains("MFA"), "{}", export.body);
    for page in ["/audit", "/switchrole/links"] {
        let reply = console.send("GET", page, Some(&cookie), None).await;
        assert!(
            reply.body.contains("Sign in with an MFA device"),
            "{page}: {}",
            reply.body
        );
    }

    console.give_totp("admin").await;
    let pending = console.password_step("admin", "admin-demo-pass").await;
    let done = console.mfa_step(&pending, &super::totp_code(0)).await;
    let cookie = cookie_pair(&done.set_cookie.expect("signed in with MFA"));
    let export = console
        .send("GET", "/audit/export.csv", Some(&cookie), None)
        .await;
    assert_eq!(export.status, StatusCode::OK, "{}", export.body);
    let page = console.send("GET", "/audit", Some(&cookie), None).await;
    assert!(!page.body.contains("Sign in with an MFA device"));
}

#[tokio::test]
async fn on_the_demo_the_admin_pages_open_with_a_password() {
    let console = console(|_| {}).await;
    let signed_in = console.sign_in("admin", "admin-demo-pass").await;
    let cookie = cookie_pair(&signed_in.set_cookie.expect("signed in"));
    let export = console
        .send("GET", "/audit/export.csv", Some(&cookie), None)
        .await;
    assert_eq!(export.status, StatusCode::OK, "{}", export.body);
}
