//! The server function behind the console chrome: who is signed in, and which role they hold.

use leptos::prelude::*;

use types::error::ConsoleError;
pub use types::identity::*;

/// The resource every component reads the console context from.
pub type ConsoleContextResource = Resource<Result<ConsoleContext, ConsoleError>>;

#[server(prefix = "/api", endpoint = "console_context")]
pub async fn load_console_context() -> Result<ConsoleContext, ConsoleError> {
    use crate::api::extract::{MaybeSignedIn, caller, unavailable};
    use console::session;
    let MaybeSignedIn { request, user } = caller().await?;
    let (state, session) = (&request.state, &request.session);
    let identity = user.map(|user| state.identity_summary(&user));
    let identity = match identity {
        Some(mut identity) => {
            identity.role = session::held_role(state, session)
                .await
                .map_err(unavailable)?
                .map(|role| role.summary());
            identity.recent_roles = state
                .recent_roles(&identity.arn(), types::role_history::MENU_ENTRIES)
                .await
                .unwrap_or_else(|e| {
                    tracing::warn!("role history: {e}");
                    Vec::new()
                });
            Some(identity)
        }
        None => None,
    };
    Ok(ConsoleContext {
        demo: state.directory.is_demo(),
        identity,
        cloud_console: state.cloud.offers_console_sign_in(),
    })
}
