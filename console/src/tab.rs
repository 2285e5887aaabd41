//! What a browser tab shows about its signed-in user: the role session its URL names (or an
//! explanation when that session is not held), every held session for the account menu,
//! favourites and recent roles. Never a secret.

use tower_sessions_core::Session;
use types::identity::IdentitySummary;

use crate::catalog;
use crate::session::role_sessions::{self, TabRole};
use crate::session::{HeldRole, SessionError, SignedInUser};
use crate::state::AppState;

/// The console chrome of a tab acting in `tab` (`None`: as the user). A failing shortcut store
/// (history, favourites) leaves its list empty; a failing session store is an error.
pub async fn identity_in_tab(
    state: &AppState,
    session: &Session,
    user: &SignedInUser,
    tab: Option<&str>,
) -> Result<IdentitySummary, SessionError> {
    let mut identity = state.identity_summary(user);
    let held = role_sessions::held(state, session).await?;
    identity.role_sessions = held.iter().map(HeldRole::summary).collect();
    match role_sessions::pick(session, &held, tab).await? {
        TabRole::Own => {}
        TabRole::Held(role) => identity.role = Some(role.summary()),
        TabRole::Ended(ended) => identity.ended_tab = Some(ended),
    }
    identity.recent_roles = state
        .recent_roles(&identity.arn(), types::role_history::MENU_ENTRIES)
        .await
        .unwrap_or_else(|e| {
            tracing::warn!("role history: {e}");
            Vec::new()
        });
    identity.favourite_roles = catalog::favourite_entries(state, user)
        .await
        .unwrap_or_else(|e| {
            tracing::warn!("favourite roles: {e}");
            Vec::new()
        });
    identity.pending_access_requests = crate::access_requests::pending_count(state, user)
        .await
        .unwrap_or_else(|e| {
            tracing::warn!("access requests: {e}");
            None
        });
    Ok(identity)
}
