//! Switching roles from the Switch Role page, and the role history it lists.

use leptos::prelude::*;
use types::error::ConsoleError;
#[cfg(feature = "ssr")]
use types::links::safe_local_path;
use types::role_history::RoleHistoryEntry;
use types::switching::SwitchOutcome;

/// The whole role history of the signed-in user, newest first.
#[server(prefix = "/api", endpoint = "role_history")]
pub async fn load_role_history() -> Result<Vec<RoleHistoryEntry>, ConsoleError> {
    use crate::api::extract::*;
    use console::role_history;
    let SignedIn { request, user } = caller().await?;
    request
        .state
        .recent_roles(&user.arn(), role_history::KEPT_PER_USER as usize)
        .await
        .map_err(|e| unavailable(format!("role history: {e}")))
}

#[server(prefix = "/api", endpoint = "switch_role")]
pub async fn switch_role(
    account: String,
    role: String,
    display_name: String,
    // Absent when no swatch is chosen (radio buttons send nothing then).
    #[server(default)] color: String,
    #[server(default)] redirect_uri: String,
    // Only roles with an AWS MFA device ask for it (see `MfaCodeField`).
    #[server(default)] token_code: String,
    // When all role sessions are in use: `oldest` or the ID of the one to replace.
    #[server(default)] replace: String,
) -> Result<SwitchOutcome, ConsoleError> {
    use crate::api::extract::*;
    use console::session;
    use console::session::role_sessions::Replace;
    use console::switching;
    use console::switching::{SwitchError, SwitchForm};
    use types::role_sessions::in_tab;
    let SignedIn { request, user } = caller().await?;
    let (state, session) = (&request.state, &request.session);
    let client = request
        .client
        .ok_or_else(|| unavailable("no client address"))?;
    let form = SwitchForm {
        account,
        role,
        display_name,
        color,
        token_code,
        replace: Replace::from_form(&replace),
    };
    let mfa_authenticated_at = session::mfa_authenticated_at(session).await.ok().flatten();
    match switching::switch_role(state, session, client, &user, mfa_authenticated_at, &form).await {
        // The tab moves into the new role session, on the page asked for.
        Ok(role) => Ok(SwitchOutcome::Switched {
            to: in_tab(
                Some(&role.session_id),
                safe_local_path(&redirect_uri).unwrap_or("/"),
            ),
        }),
        Err(SwitchError::AllInUse { max, .. }) => Ok(SwitchOutcome::AllInUse { max }),
        Err(SwitchError::SessionNotHeld) => Ok(SwitchOutcome::NotAllowed),
        Err(SwitchError::Field { field, message }) => Ok(SwitchOutcome::Field {
            field: field.to_string(),
            message,
        }),
        Err(SwitchError::NotAllowed) => Ok(SwitchOutcome::NotAllowed),
        Err(SwitchError::MfaNeeded { has_device: true }) => Ok(SwitchOutcome::StepUp),
        Err(SwitchError::MfaNeeded { has_device: false }) => Ok(SwitchOutcome::MfaSetup),
        Err(SwitchError::Unavailable(e)) => {
            tracing::error!("switch role: {e}");
            Err(ConsoleError::not_allowed(
                "Switching is unavailable right now. Try again later.",
            ))
        }
    }
}
