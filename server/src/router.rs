//! The HTTP surface: Leptos pages and server functions, the plain form handlers, health, static
//! files, and the layers every request passes (sessions, cross-site checks, headers).

use std::sync::Arc;

use app::{App, shell};
use axum::Router;
use axum::body::Body;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{Extensions, HeaderMap, Method, StatusCode, Version, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use console::state::AppState;
use console::storage::sessions::ConsoleSessionStore;
use leptos::config::LeptosOptions;
use leptos::prelude::provide_context;
use leptos_axum::{LeptosRoutes, generate_route_list, handle_server_fns_with_context};
use tokio::task::JoinHandle;
use tower::ServiceExt;
use tower_http::compression::predicate::{DefaultPredicate, Predicate};
use tower_http::services::ServeDir;
use tower_sessions::cookie::SameSite;
use tower_sessions::session_store::ExpiredDeletion;
use tower_sessions::{Expiry, SessionManagerLayer};

use crate::config::Settings;
use crate::middleware;
use crate::public_origin::PublicOrigin;
use crate::routes;
use crate::start_error::StartError;
use crate::state::ServerState;
use crate::transfers::{self, TransferLimits};

/// Builds the router, and starts the task that deletes expired sessions from the store.
pub async fn build(
    settings: &Settings,
    app: AppState,
) -> Result<(Router, JoinHandle<()>), StartError> {
    let leptos = LeptosOptions::builder()
        .output_name("switchyard")
        .site_root(settings.site_root.display().to_string())
        .site_pkg_dir("pkg")
        .site_addr(settings.site_addr)
        .build();

    // The session table was made by `Storage::open`, with the rest of the schema.
    let store = app.storage.session_store();
    let cleanup = tokio::spawn(async move {
        if let Err(e) = store
            .clone()
            .continuously_delete_expired(tokio::time::Duration::from_secs(60))
            .await
        {
            tracing::error!("deleting expired sessions stopped: {e}");
        }
    });
    let store = app.storage.session_store();
    let idle = time::Duration::try_from(settings.session_idle_timeout)
        .map_err(|e| StartError::Sessions(e.to_string()))?;
    let sessions = SessionManagerLayer::new(store)
        .with_name(settings.session_cookie_name())
        .with_secure(settings.secure_cookies)
        .with_http_only(true)
        .with_same_site(SameSite::Strict)
        .with_path("/")
        .with_expiry(Expiry::OnInactivity(idle));

    let state = ServerState {
        leptos,
        app,
        client_ip_header: settings.client_ip_header.as_deref().map(Arc::from),
        origin: Arc::new(PublicOrigin::from_settings(settings)),
        strict_transport_security: settings.secure_cookies,
        transfers: TransferLimits::new(settings.max_transfers, settings.max_transfers_per_user),
    };
    Ok((router(state, sessions), cleanup))
}

fn router(state: ServerState, sessions: SessionManagerLayer<ConsoleSessionStore>) -> Router {
    let routes = generate_route_list(App);
    let page_context = {
        let app = state.app.clone();
        move || provide_context(app.clone())
    };
    let transfer_limits =
        axum::middleware::from_fn_with_state(state.clone(), transfers::limit_transfers);
    let aws_api = aws_api_routes(&state);
    Router::new()
        .route("/healthz", get(routes::health::healthz))
        .route("/auth/sign-in", post(routes::auth::sign_in))
        .route("/auth/sign-out", post(routes::auth::sign_out))
        .route("/audit/{format}", get(routes::audit::export))
        .route("/directory/access.csv", get(routes::directory::access_csv))
        .route("/role/switch", post(routes::role::switch))
        .route("/role/switch-back", post(routes::role::switch_back))
        .route("/role/renew", post(routes::role::renew))
        .route("/role/end-all", post(routes::role::end_all))
        .route("/role/aws-console", post(routes::role::open_aws_console))
        .route("/auth/mfa", post(routes::auth::mfa_sign_in))
        // A role session's home is `/as/ID`; `/as/ID/` (typed, or an old link) leads there.
        .route("/as/{role_session}/", get(routes::role::tab_home))
        .route("/api/{*fn_name}", post(server_fn_handler))
        .route(
            "/s3/download/{bucket}",
            get(routes::objects::download).route_layer(transfer_limits.clone()),
        )
        // The body streams to the store, which enforces the configured upload limit.
        .route(
            "/s3/upload/{bucket}",
            post(routes::objects::upload)
                .layer(DefaultBodyLimit::disable())
                .route_layer(transfer_limits),
        )
        .leptos_routes_with_context(&state, routes, page_context.clone(), {
            let options = state.leptos.clone();
            move || shell(options.clone())
        })
        .fallback(static_file_or_not_found(state.clone(), page_context))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            middleware::require_sign_in,
        ))
        .layer(sessions)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            middleware::client_addr,
        ))
        // Before sessions: a refused request never loads or creates one.
        .layer(axum::middleware::from_fn_with_state(
            Arc::clone(&state.origin),
            middleware::check_origin,
        ))
        // Outside the session and cross-site layers: the API's requests are signed, not cookied,
        // and come from the AWS CLI at any address the console listens on.
        .merge(aws_api)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            middleware::security_headers,
        ))
        // The WASM bundle is ~570 KB raw, ~180 KB with brotli.
        // Object downloads (attachments) go out as stored: exact lengths and ranges.
        .layer(
            tower_http::compression::CompressionLayer::new().compress_when(
                DefaultPredicate::new().and(
                    |_: StatusCode, _: Version, headers: &HeaderMap, _: &Extensions| {
                        !headers.contains_key(header::CONTENT_DISPOSITION)
                    },
                ),
            ),
        )
        .layer(tower_http::trace::TraceLayer::new_for_http())
        .with_state(state)
}

/// The embedded organisation's AWS API (`/aws`), on the local backend only: with AWS behind
/// the console, AWS is the API.
fn aws_api_routes(state: &ServerState) -> Router<ServerState> {
    if state.app.cloud.name() != "local" {
        return Router::new();
    }
    Router::new()
        .route("/aws", post(routes::aws_api::sts))
        .route("/aws/", post(routes::aws_api::sts))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            middleware::client_addr,
        ))
}

/// Files of the site root (the compiled bundle, the favicon, the WebAuthn helper), else the
/// console's 404 page.
///
/// Not Leptos's `file_and_error_handler`: it hangs a reactive owner under whatever owner is
/// current on the thread, which is the root of a page still rendering there (Leptos leaves it
/// current), and so took that page's response headers. Under load a favicon then left with a
/// page's Content-Security-Policy and the page with the default one, and never hydrated. Here a
/// file never touches Leptos, and the 404 page renders in a root of its own like every page.
fn static_file_or_not_found(
    state: ServerState,
    page_context: impl Fn() + Clone + Send + Sync + 'static,
) -> impl Fn(Request<Body>) -> std::pin::Pin<Box<dyn Future<Output = Response> + Send>>
+ Clone
+ Send
+ Sync
+ 'static {
    let files = ServeDir::new(&*state.leptos.site_root)
        .precompressed_br()
        .precompressed_gzip();
    let not_found = {
        let options = state.leptos.clone();
        leptos_axum::render_app_to_stream_in_order_with_context(page_context, move || {
            shell(options.clone())
        })
    };
    move |request: Request<Body>| {
        let files = files.clone();
        let not_found = not_found.clone();
        Box::pin(async move {
            if matches!(*request.method(), Method::GET | Method::HEAD) {
                let mut probe = Request::builder()
                    .method(request.method().clone())
                    .uri(request.uri().clone());
                for name in [
                    header::ACCEPT_ENCODING,
                    header::RANGE,
                    header::IF_NONE_MATCH,
                ] {
                    if let Some(value) = request.headers().get(&name) {
                        probe = probe.header(name, value);
                    }
                }
                if let Ok(probe) = probe.body(Body::empty())
                    && let Ok(file) = files.oneshot(probe).await
                    && file.status() != StatusCode::NOT_FOUND
                {
                    return file.into_response();
                }
            }
            let mut page = not_found(request).await;
            if page.status() == StatusCode::OK {
                *page.status_mut() = StatusCode::NOT_FOUND;
            }
            page
        })
    }
}

async fn server_fn_handler(
    State(state): State<ServerState>,
    request: Request<Body>,
) -> impl IntoResponse {
    let app = state.app.clone();
    handle_server_fns_with_context(move || provide_context(app.clone()), request).await
}
