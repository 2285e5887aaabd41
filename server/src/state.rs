//! What every handler and layer of the server can reach: Leptos's options and the console.

use std::sync::Arc;

use axum::extract::FromRef;
use console::state::AppState;
use leptos::config::LeptosOptions;

use crate::public_origin::PublicOrigin;
use crate::transfers::TransferLimits;

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

impl FromRef<ServerState> for Arc<TransferLimits> {
    fn from_ref(state: &ServerState) -> Self {
        Arc::clone(&state.transfers)
    }
}
