//! Switch back and renew as plain form POSTs from the session banner and the account menu.

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
