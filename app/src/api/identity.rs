//! The server function behind the console chrome: who is signed in, and which role they hold.

use leptos::prelude::*;

use types::error::ConsoleError;
pub use types::identity::*;

/// The resource every component reads the console context from.
pub type ConsoleContextResource = Resource<Result<ConsoleContext, ConsoleError>>;

/// The console chrome of a tab: `role_session` is the role session its URL names (`None`: the
/// tab acts as the user).
#[server(prefix = "/api", endpoint = "console_context")]
pub async fn load_console_context(
    #[server(default)] role_session: Option<String>,
) -> Result<ConsoleContext, ConsoleError> {
    use crate::api::extract::{MaybeSignedIn, caller, unavailable};
    let MaybeSignedIn { request, user } = caller().await?;
    let (state, session) = (&request.state, &request.session);
    let identity = match user {
        Some(user) => Some(
            console::tab::identity_in_tab(state, session, &user, role_session.as_deref())
                .await
                .map_err(unavailable)?,
        ),
        None => None,
    };
    Ok(ConsoleContext {
        demo: state.directory.is_demo(),
        identity,
        cloud_console: state.cloud.offers_console_sign_in(),
    })
}
