//! Hardening (issue 12): host names and origins, response headers and secrets, admin pages,
//! transfer limits and timeouts.

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
        use console::mfa::cipher::MfaCipher;
        use console::mfa::store::{DeviceKind, MfaDevice, MfaStore, SqlMfaStore, UserKey};
        let pool = console::storage::open(self.data_dir.path())
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
        SqlMfaStore::new(console::storage::Db::Sqlite(pool))
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

// ---- transfers ----------------------------------------------------------------------------

/// A download request for `key`, as the browser sends it.
fn download_request(console: &Console, cookie: &str, key: &str) -> Request<Body> {
    Request::builder()
        .uri(console.in_tab(&types::buckets::download_url("productionapp", key)))
        .header(header::HOST, "localhost:3000")
        .header(header::COOKIE, cookie)
        .body(Body::empty())
        .expect("request")
}

/// Few blocking threads, as a busy server would have left: stalled transfers must not take
/// the ones sign-in needs.
fn small_runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .max_blocking_threads(4)
        .enable_all()
        .build()
        .expect("runtime")
}

#[test]
fn stalled_downloads_do_not_stall_sign_in() {
    use tower::ServiceExt;
    small_runtime().block_on(async {
        let console = console(|args| args.max_upload_size = Some(8 << 20)).await;
        let cookie = console.alice_in_update_app().await;
        let uploaded = console
            .upload(&cookie, "productionapp", "big.bin", &vec![b'x'; 4 << 20])
            .await;
        assert_eq!(uploaded.status, StatusCode::OK);
        // As many downloads as there are blocking threads, none of them read.
        let mut stalled = Vec::new();
        for _ in 0..4 {
            let response = tokio::time::timeout(
                std::time::Duration::from_secs(10),
                console
                    .router
                    .clone()
                    .oneshot(download_request(&console, &cookie, "big.bin")),
            )
            .await
            .expect("the download starts")
            .expect("response");
            assert_eq!(response.status(), StatusCode::OK);
            stalled.push(response);
        }
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        let started = std::time::Instant::now();
        let signed_in = tokio::time::timeout(
            std::time::Duration::from_secs(10),
            console.sign_in("bob", "bob-demo-pass"),
        )
        .await
        .expect("sign-in answers while downloads stall");
        assert_eq!(signed_in.status, StatusCode::SEE_OTHER);
        eprintln!("sign-in with 4 stalled downloads: {:?}", started.elapsed());
        drop(stalled);
    });
}

#[tokio::test]
async fn transfers_over_the_limits_are_refused_with_retry_after() {
    use tower::ServiceExt;
    let console = console(|args| {
        args.max_transfers_per_user = Some(2);
        args.max_transfers = Some(2);
    })
    .await;
    let cookie = console.alice_in_update_app().await;
    let uploaded = console
        .upload(&cookie, "productionapp", "small.txt", b"hello")
        .await;
    assert_eq!(uploaded.status, StatusCode::OK);
    let download = || {
        console
            .router
            .clone()
            .oneshot(download_request(&console, &cookie, "small.txt"))
    };
    // Responses whose bodies nobody has read yet: transfers in progress.
    let first = download().await.expect("response");
    let second = download().await.expect("response");
    assert_eq!(
        (first.status(), second.status()),
        (StatusCode::OK, StatusCode::OK)
    );
    let third = download().await.expect("response");
    assert_eq!(third.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(third.headers()[header::RETRY_AFTER], "5");
    drop(first);
    let again = download().await.expect("response");
    assert_eq!(again.status(), StatusCode::OK, "the slot came back");

    // bob signs in too (his own downloads are refused by the role check, after the limit).
    let bob = console.sign_in("bob", "bob-demo-pass").await;
    let bob = cookie_pair(&bob.set_cookie.expect("bob"));
    let busy = console
        .router
        .clone()
        .oneshot(download_request(&console, &bob, "small.txt"))
        .await
        .expect("response");
    assert_eq!(
        busy.status(),
        StatusCode::SERVICE_UNAVAILABLE,
        "2 of 2 in use"
    );
    assert_eq!(busy.headers()[header::RETRY_AFTER], "5");
    drop((second, again));
}

/// The console's router served on a loopback port with the server's own listener.
async fn serve_on_loopback(console: &Console) -> std::net::SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let settings = crate::config::Settings::resolve(crate::config::ServeArgs {
        data_dir: Some(console.data_dir.path().to_path_buf()),
        read_timeout: Some(std::time::Duration::from_secs(1)),
        write_timeout: Some(std::time::Duration::from_secs(1)),
        ..Default::default()
    })
    .expect("settings");
    let router = console.router.clone();
    tokio::spawn(async move {
        let _ = axum::serve(
            crate::serve::listener_with_timeouts(listener, &settings),
            router.into_make_service_with_connect_info::<std::net::SocketAddr>(),
        )
        .await;
    });
    addr
}

/// Reads until the server closes the connection; how long that took.
async fn until_closed(stream: &mut tokio::net::TcpStream) -> std::time::Duration {
    use tokio::io::AsyncReadExt;
    let started = std::time::Instant::now();
    let mut buffer = vec![0u8; 64 * 1024];
    let closed = tokio::time::timeout(std::time::Duration::from_secs(15), async {
        loop {
            match stream.read(&mut buffer).await {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
        }
    })
    .await;
    assert!(
        closed.is_ok(),
        "the server kept the stalled connection open"
    );
    started.elapsed()
}

#[tokio::test]
async fn a_stalled_upload_is_cut_off_and_stores_nothing() {
    use tokio::io::AsyncWriteExt;
    let console = console(|args| args.max_transfers_per_user = Some(1)).await;
    let cookie = console.alice_in_update_app().await;
    let addr = serve_on_loopback(&console).await;
    let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let head = format!(
        "POST {} HTTP/1.1\r\nhost: localhost:3000\r\n\
         origin: http://localhost:3000\r\ncookie: {cookie}\r\ncontent-type: application/octet-stream\r\n\
         content-length: 1000000\r\n\r\n0123456789",
        console.in_tab("/s3/upload/productionapp?key=stalled.bin")
    );
    stream.write_all(head.as_bytes()).await.expect("write");
    let took = until_closed(&mut stream).await;
    eprintln!("stalled upload cut off after {took:?}");
    assert!(took < std::time::Duration::from_secs(5), "{took:?}");
    // The slot came back, and nothing was stored.
    let reply = console
        .download(&cookie, "productionapp", "stalled.bin", None)
        .await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_stalled_download_is_cut_off_and_its_slot_given_back() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let console = console(|args| {
        args.max_transfers_per_user = Some(1);
        args.max_upload_size = Some(64 << 20);
    })
    .await;
    let cookie = console.alice_in_update_app().await;
    let uploaded = console
        .upload(&cookie, "productionapp", "big.bin", &vec![b'x'; 48 << 20])
        .await;
    assert_eq!(uploaded.status, StatusCode::OK);
    let addr = serve_on_loopback(&console).await;
    let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let uri = console.in_tab(&types::buckets::download_url("productionapp", "big.bin"));
    let head = format!("GET {uri} HTTP/1.1\r\nhost: localhost:3000\r\ncookie: {cookie}\r\n\r\n");
    stream.write_all(head.as_bytes()).await.expect("write");
    let mut first = vec![0u8; 1024];
    let n = stream.read(&mut first).await.expect("read");
    assert!(String::from_utf8_lossy(&first[..n]).starts_with("HTTP/1.1 200"));
    // The client stops reading. While the server still waits to send, the user's one slot
    // is taken.
    let started = std::time::Instant::now();
    let busy = console
        .download(&cookie, "productionapp", "big.bin", Some("bytes=0-0"))
        .await;
    assert_eq!(busy.status, StatusCode::TOO_MANY_REQUESTS);
    loop {
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        let reply = console
            .download(&cookie, "productionapp", "big.bin", Some("bytes=0-0"))
            .await;
        if reply.status == StatusCode::PARTIAL_CONTENT {
            break;
        }
        assert!(
            started.elapsed() < std::time::Duration::from_secs(10),
            "the stalled download kept its slot"
        );
    }
    eprintln!("stalled download cut off after {:?}", started.elapsed());
    drop(stream);
}

/// Static files were once served by Leptos's file handler, which hangs its reactive owner
/// under whatever owner is current on the thread: a page that is still rendering there
/// (Leptos leaves each page's root owner current on its thread). It then took that page's
/// response headers as its own, so under load a favicon left with a page's policy and the
/// page with none, and never hydrated. The page is simulated exactly: a root owner current
/// on this (single) thread, holding response options with a policy, as a page mid-render has.
#[tokio::test]
async fn static_files_never_take_the_headers_of_a_page_rendering_on_the_same_thread() {
    use leptos::prelude::{Owner, provide_context};
    let site = tempfile::tempdir().expect("site root");
    std::fs::write(site.path().join("favicon.svg"), "<svg/>").expect("favicon");
    let site_root = site.path().to_path_buf();
    let console = console(move |args| args.site_root = Some(site_root)).await;

    let page_owner = Owner::new_root(None);
    let page_options = leptos_axum::ResponseOptions::default();
    page_owner.with(|| provide_context(page_options.clone()));
    page_options.insert_header(
        header::CONTENT_SECURITY_POLICY,
        axum::http::HeaderValue::from_static("script-src 'nonce-of-the-page'"),
    );

    for path in ["/favicon.svg", "/no-such-page"] {
        let reply = console.raw("GET", path, "", &[], Vec::new()).await;
        let csp = header_value(&reply, "content-security-policy");
        assert!(
            !csp.contains("nonce-of-the-page"),
            "{path} took the page's policy: {csp}"
        );
    }
    let kept = page_options.0.read().expect("options").headers.clone();
    assert!(
        kept.contains_key(header::CONTENT_SECURITY_POLICY),
        "the page keeps its own policy"
    );
    drop(page_owner);
}
