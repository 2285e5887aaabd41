//! The HTTP surface: Leptos pages and server functions, the plain form handlers, health, static
//! files, and the layers every request passes (sessions, cross-site checks, headers).

use std::sync::Arc;

use app::services::state::AppState;
use app::{App, shell};
use axum::Router;
use axum::body::Body;
use axum::extract::{DefaultBodyLimit, FromRef, Request, State};
use axum::http::{Extensions, HeaderMap, StatusCode, Version, header};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use leptos::config::LeptosOptions;
use leptos::prelude::provide_context;
use leptos_axum::{LeptosRoutes, generate_route_list, handle_server_fns_with_context};
use tokio::task::JoinHandle;
use tower_http::compression::predicate::{DefaultPredicate, Predicate};
use tower_sessions::cookie::SameSite;
use tower_sessions::session_store::ExpiredDeletion;
use tower_sessions::{Expiry, SessionManagerLayer};

use crate::config::Settings;
use crate::middleware;
use crate::public_origin::PublicOrigin;
use crate::routes;
use crate::serve::StartError;
use crate::session_store::ConsoleSessionStore;
use crate::transfers::{self, TransferLimits};

/// The server's state: what Leptos needs, and the console's own state.
#[derive(Clone)]
pub struct ServerState {
    pub leptos: LeptosOptions,
    pub app: AppState,
    pub client_ip_header: Option<Arc<str>>,
    pub origin: Arc<PublicOrigin>,
    /// `Strict-Transport-Security` on every response (with `secure_cookies`).
    pub strict_transport_security: bool,
    pub transfers: Arc<TransferLimits>,
}

impl FromRef<ServerState> for LeptosOptions {
    fn from_ref(state: &ServerState) -> Self {
        state.leptos.clone()
    }
}

impl FromRef<ServerState> for AppState {
    fn from_ref(state: &ServerState) -> Self {
        state.app.clone()
    }
}

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

    let store = ConsoleSessionStore::new(app.db.clone());
    store
        .migrate()
        .await
        .map_err(|e| StartError::Sessions(e.to_string()))?;
    let cleanup = tokio::spawn(async move {
        if let Err(e) = store
            .clone()
            .continuously_delete_expired(tokio::time::Duration::from_secs(60))
            .await
        {
            tracing::error!("deleting expired sessions stopped: {e}");
        }
    });
    let store = ConsoleSessionStore::new(app.db.clone());
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
    Router::new()
        .route("/healthz", get(routes::health::healthz))
        .route("/auth/sign-in", post(routes::auth::sign_in))
        .route("/auth/sign-out", post(routes::auth::sign_out))
        .route("/audit/{format}", get(routes::audit::export))
        .route("/role/switch", post(routes::role::switch))
        .route("/role/switch-back", post(routes::role::switch_back))
        .route("/role/renew", post(routes::role::renew))
        .route("/role/aws-console", post(routes::role::open_aws_console))
        .route("/auth/mfa", post(routes::auth::mfa_sign_in))
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
        .fallback(leptos_axum::file_and_error_handler_with_context::<
            ServerState,
            _,
        >(page_context, shell))
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

async fn server_fn_handler(
    State(state): State<ServerState>,
    request: Request<Body>,
) -> impl IntoResponse {
    let app = state.app.clone();
    handle_server_fns_with_context(move || provide_context(app.clone()), request).await
}
