//! Hardening (issue 12): host names and origins.

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
