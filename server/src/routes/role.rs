//! Switch back and renew as plain form POSTs from the session banner and the account menu.

use app::services::audit::{AuditEvent, Decision};
use app::services::client::ClientAddr;
use app::services::session;
use app::services::state::AppState;
use app::services::switching::{self, SwitchError};
use axum::Extension;
use axum::extract::State;
use axum::response::Redirect;
use tower_sessions::Session;

pub async fn switch_back(
    State(state): State<AppState>,
    Extension(client): Extension<ClientAddr>,
    session: Session,
) -> Redirect {
    match session::current_user(&state, &session).await {
        Ok(Some(user)) => {
            if let Err(e) = switching::switch_back(&state, &session, client, &user).await {
                tracing::error!("switch back: {e}");
            }
            Redirect::to("/")
        }
        Ok(None) => Redirect::to("/signin"),
        Err(e) => {
            tracing::error!("switch back: {e}");
            Redirect::to("/")
        }
    }
}

pub async fn renew(
    State(state): State<AppState>,
    Extension(client): Extension<ClientAddr>,
    session: Session,
) -> Redirect {
    let user = match session::current_user(&state, &session).await {
        Ok(Some(user)) => user,
        Ok(None) => return Redirect::to("/signin"),
        Err(e) => {
            tracing::error!("renew: {e}");
            return Redirect::to("/");
        }
    };
    let mfa = session::mfa_authenticated_at(&session).await.ok().flatten();
    match switching::renew(&state, &session, client, &user, mfa).await {
        Ok(_) => Redirect::to("/"),
        // Refused: back to the Switch Role page, filled in, where the user can see why.
        Err(SwitchError::NotAllowed | SwitchError::Field { .. }) => {
            Redirect::to("/switchrole?renew=refused")
        }
        Err(SwitchError::Unavailable(e)) => {
            tracing::error!("renew: {e}");
            Redirect::to("/")
        }
    }
}

/// "Open in AWS console" (AWS backend on AWS itself): trades the held role session's
/// credentials for a federation sign-in URL and sends the browser there. The credentials stay
/// here; the URL carries a one-time sign-in token.
pub async fn open_aws_console(
    State(state): State<AppState>,
    Extension(client): Extension<ClientAddr>,
    session: Session,
) -> Redirect {
    let user = match session::current_user(&state, &session).await {
        Ok(Some(user)) => user,
        Ok(None) => return Redirect::to("/signin"),
        Err(e) => {
            tracing::error!("open AWS console: {e}");
            return Redirect::to("/");
        }
    };
    let held = match session::held_role(&session).await {
        Ok(Some(held)) => held,
        Ok(None) => return Redirect::to("/"),
        Err(e) => {
            tracing::error!("open AWS console: {e}");
            return Redirect::to("/");
        }
    };
    match state.cloud.console_sign_in_url(&held.credentials).await {
        Ok(Some(url)) => {
            let event = AuditEvent::new("OpenAwsConsole", Decision::Allowed)
                .actor(user.arn())
                .account(&user.account_id)
                .client(client)
                .detail(serde_json::json!({
                    "role_arn": held.role_arn,
                    "access_key_id": held.credentials.access_key_id,
                }));
            if let Err(e) = state.audit.append(event).await {
                tracing::error!("open AWS console: audit: {e}");
                return Redirect::to("/");
            }
            Redirect::to(&url)
        }
        Ok(None) => Redirect::to("/"),
        Err(e) => {
            tracing::warn!("open AWS console: {e}");
            Redirect::to("/")
        }
    }
}
