//! Layers every request passes: where it came from, whether it names this console and comes
//! from its origin, whether
//! the page needs a signed-in user, and the security headers of every response.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use app::api::extract::{MaybeSignedIn, Refusal, unavailable};
use app::content_policy;
use axum::extract::FromRequestParts;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use console::client::ClientAddr;
use console::session;
use console::state::AdminAccess;

use crate::public_origin::{PublicOrigin, Verdict};
use crate::state::ServerState;

/// Records the client address in the request's extensions for the rate limiter and the audit
/// trail. Behind a proxy (configured header) the last address the proxy appended, across all
/// lines of the header, is used: the ones before it are whatever the client claimed.
pub async fn client_addr(
    State(state): State<ServerState>,
    mut request: Request,
    next: Next,
) -> Response {
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip())
        .unwrap_or(IpAddr::from([127, 0, 0, 1]));
    // A proxy may append its own header line rather than extend the client's: the last
    // entry of the last line is the one it wrote.
    let forwarded = state
        .client_ip_header
        .as_deref()
        .and_then(|name| request.headers().get_all(name).iter().next_back())
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.rsplit(',').next())
        .and_then(|last| last.trim().parse::<IpAddr>().ok());
    request
        .extensions_mut()
        .insert(ClientAddr(forwarded.unwrap_or(peer)));
    next.run(request).await
}

/// Refuses requests under a host name the console does not answer to (DNS rebinding), and
/// state-changing requests that do not come from the console's own origin. With `public_url`
/// unset, page loads under another loopback name move to the canonical one.
///
/// The session cookie is SameSite=Strict already; the origin check is the second lock.
pub async fn check_origin(
    State(origin): State<Arc<PublicOrigin>>,
    request: Request,
    next: Next,
) -> Response {
    match origin.check_request(&request) {
        Verdict::Pass => next.run(request).await,
        Verdict::Redirect(location) => Redirect::temporary(&location).into_response(),
        Verdict::UnknownHost => {
            tracing::warn!(
                host = ?request.headers().get(header::HOST),
                path = %request.uri().path(),
                "refused a request for another host name"
            );
            (
                StatusCode::MISDIRECTED_REQUEST,
                format!(
                    "This console is served at {}; open it there.",
                    origin.canonical()
                ),
            )
                .into_response()
        }
        Verdict::CrossSite => {
            tracing::warn!(
                method = %request.method(),
                path = %request.uri().path(),
                origin = ?request.headers().get(header::ORIGIN),
                sec_fetch_site = ?request.headers().get("sec-fetch-site"),
                "refused a cross-site request"
            );
            (StatusCode::FORBIDDEN, "Cross-site request refused.").into_response()
        }
    }
}

fn is_safe_method(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// Paths anyone may request: the sign-in page and its form, static files, health.
fn is_public(path: &str) -> bool {
    path == "/signin"
        || path == "/healthz"
        || path == "/favicon.svg"
        || path == "/webauthn.js"
        || path.starts_with("/pkg/")
        || path.starts_with("/auth/")
        // Server functions check the session themselves and answer with errors, not pages.
        || path.starts_with("/api/")
}

/// The page where a user who must enrol an MFA device is kept until they have one.
pub const ENROL_PAGE: &str = "/security-credentials";
/// The second sign-in step.
pub const MFA_PAGE: &str = "/mfa";

/// Sends signed-out visitors of a page to the sign-in page (remembering where they were
/// going), signed-in visitors of the sign-in page home, a sign-in waiting for its MFA step to
/// the MFA page, and a user who must enrol MFA to the Security credentials page.
pub async fn require_sign_in(
    State(state): State<ServerState>,
    request: Request,
    next: Next,
) -> Response {
    if !is_safe_method(request.method()) {
        return next.run(request).await;
    }
    let path = request.uri().path();
    let public = is_public(path);
    if public && path != "/signin" {
        return next.run(request).await;
    }
    let (mut parts, body) = request.into_parts();
    let caller = match MaybeSignedIn::from_request_parts(&mut parts, &state.app).await {
        Ok(caller) => caller,
        Err(refusal) => return refusal.into_response(),
    };
    let request = Request::from_parts(parts, body);
    let path = request.uri().path();
    if path == MFA_PAGE {
        if caller.user.is_some() {
            return Redirect::to("/").into_response();
        }
        return match session::pending(&caller.request.session).await {
            Ok(Some(_)) => next.run(request).await,
            Ok(None) => Redirect::to("/signin?error=expired").into_response(),
            Err(e) => Refusal(unavailable(e)).into_response(),
        };
    }
    match (caller.user, public) {
        (Some(_), true) => Redirect::to("/").into_response(),
        (Some(user), false) if user.must_enrol && path != ENROL_PAGE => {
            Redirect::to(ENROL_PAGE).into_response()
        }
        (None, false) => {
            let target = request
                .uri()
                .path_and_query()
                .map(|pq| pq.as_str())
                .unwrap_or("/");
            let query = serde_urlencoded::to_string([("next", target)]).unwrap_or_default();
            let location = if target == "/" {
                "/signin".to_string()
            } else {
                format!("/signin?{query}")
            };
            Redirect::to(&location).into_response()
        }
        (Some(user), false)
            if is_admin_page(path)
                && !matches!(state.app.admin_access(&user), AdminAccess::Granted) =>
        {
            // The page renders its refusal ("for console administrators only"); the status
            // says it too.
            let mut response = next.run(request).await;
            *response.status_mut() = StatusCode::FORBIDDEN;
            response
        }
        _ => next.run(request).await,
    }
}

/// The administrators' pages, also inside a tab of a role session (`/as/ID/…`).
fn is_admin_page(path: &str) -> bool {
    let path = match path.strip_prefix("/as/") {
        Some(rest) => rest.find('/').map_or("/", |i| &rest[i..]),
        None => path,
    };
    matches!(
        path.trim_end_matches('/'),
        "/audit" | "/directory" | "/directory/access" | "/simulate"
    )
}

/// Headers on every response. Pages are never cached (a signed-out browser's back button must
/// not show them); the compiled bundle under /pkg may be.
pub async fn security_headers(
    State(state): State<ServerState>,
    request: Request,
    next: Next,
) -> Response {
    let cacheable = request.uri().path().starts_with("/pkg/");
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    // Pages set their own policy with their nonce; object downloads a stricter one.
    if !headers.contains_key(header::CONTENT_SECURITY_POLICY) {
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(content_policy::DEFAULT),
        );
    }
    if state.strict_transport_security {
        // Secure cookies mean the console is reached over HTTPS: browsers then refuse plain
        // HTTP to it for a year, so no first request can be downgraded.
        headers.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000"),
        );
    }
    if !cacheable {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}
