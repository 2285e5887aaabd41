//! Sign-in and sign-out as plain form POSTs, answered with redirects (post/redirect/get), so
//! both work before the WASM has loaded and with scripts turned off.

use app::services::audit::{AuditEvent, Decision};
use app::services::auth::{SignInError, authenticate};
use app::services::client::ClientAddr;
use app::services::session;
use app::services::state::AppState;
use axum::Extension;
use axum::extract::{Form, State};
use axum::response::Redirect;
use serde::Deserialize;
use tower_sessions::Session;

#[derive(Deserialize)]
pub struct SignInForm {
    #[serde(default)]
    account: String,
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: String,
}

pub async fn sign_in(
    State(state): State<AppState>,
    Extension(client): Extension<ClientAddr>,
    session: Session,
    Form(form): Form<SignInForm>,
) -> Redirect {
    let next = app::links::safe_local_path(&form.next);
    let back_to_form = |code: &str| {
        let query = serde_urlencoded::to_string([
            ("error", code),
            ("account", form.account.trim()),
            ("user", form.username.trim()),
            ("next", next.unwrap_or("")),
        ])
        .unwrap_or_else(|_| format!("error={code}"));
        Redirect::to(&format!("/signin?{query}"))
    };
    match authenticate(
        &state,
        &form.account,
        &form.username,
        &form.password,
        client,
    )
    .await
    {
        Ok(user) => match session::begin(&session, &user).await {
            Ok(()) => Redirect::to(next.unwrap_or("/")),
            Err(e) => {
                tracing::error!("sign-in: cannot start the session: {e}");
                back_to_form("unavailable")
            }
        },
        Err(SignInError::InvalidCredentials) => back_to_form("invalid"),
        Err(SignInError::TooManyAttempts { .. }) => back_to_form("throttled"),
        Err(SignInError::Internal(e)) => {
            tracing::error!("sign-in: {e}");
            back_to_form("unavailable")
        }
    }
}

pub async fn sign_out(
    State(state): State<AppState>,
    Extension(client): Extension<ClientAddr>,
    session: Session,
) -> Redirect {
    match session::current_user(&state, &session).await {
        Ok(Some(user)) => {
            let event = AuditEvent::new("SignOut", Decision::Info)
                .actor(user.arn())
                .account(&user.account_id)
                .client(client);
            if let Err(e) = state.audit.append(event).await {
                tracing::error!("sign-out: audit: {e}");
            }
        }
        Ok(None) => {}
        Err(e) => tracing::error!("sign-out: {e}"),
    }
    // Whatever happened above, the session must not outlive a sign-out.
    if let Err(e) = session::end(&session).await {
        tracing::error!("sign-out: cannot delete the session: {e}");
    }
    Redirect::to("/signin?signed_out=1")
}
