//! Sign-in and sign-out as plain form POSTs, answered with redirects (post/redirect/get), so
//! both work before the WASM has loaded and with scripts turned off.

use app::api::extract::{MaybeSignedIn, PendingMfa, Refusal};
use axum::Extension;
use axum::extract::{Form, State};
use axum::response::Redirect;
use console::audit::{AuditEvent, Decision};
use console::client::ClientAddr;
use console::mfa::{self, MfaError, MfaService, Purpose};
use console::session::{self, PendingSignIn, SignedInUser};
use console::sign_in::{SignInError, authenticate};
use console::state::AppState;
use serde::Deserialize;
use tower_sessions::Session;
use types::error::ConsoleError;

use crate::middleware::{ENROL_PAGE, MFA_PAGE};

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
    let next = types::links::safe_local_path(&form.next);
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
        Ok(mut user) => {
            let key = user.key();
            let devices = match state.mfa.store.devices(&key).await {
                Ok(devices) => devices,
                Err(e) => {
                    tracing::error!("sign-in: MFA store: {e}");
                    return back_to_form("unavailable");
                }
            };
            if !devices.is_empty() {
                // The password was right; the sign-in waits for the MFA step.
                let pending = PendingSignIn {
                    account_id: user.account_id.clone(),
                    user_name: user.user_name.clone(),
                    password_at: session::now(),
                    next: next.unwrap_or("").to_string(),
                };
                return match session::begin_pending(&state, &session, &pending).await {
                    Ok(()) => Redirect::to(MFA_PAGE),
                    Err(e) => {
                        tracing::error!("sign-in: cannot keep the pending sign-in: {e}");
                        back_to_form("unavailable")
                    }
                };
            }
            user.must_enrol = MfaService::required_for(&state.directory, &key);
            match session::begin(&state, &session, &user).await {
                Ok(()) if user.must_enrol => Redirect::to(ENROL_PAGE),
                Ok(()) => Redirect::to(next.unwrap_or("/")),
                Err(e) => {
                    tracing::error!("sign-in: cannot start the session: {e}");
                    back_to_form("unavailable")
                }
            }
        }
        Err(SignInError::InvalidCredentials) => back_to_form("invalid"),
        // Not echoed back: it is what was too long or not printable.
        Err(SignInError::Malformed) => Redirect::to("/signin?error=malformed"),
        Err(SignInError::TooManyAttempts { .. }) => back_to_form("throttled"),
        Err(SignInError::Internal(e)) => {
            tracing::error!("sign-in: {e}");
            back_to_form("unavailable")
        }
    }
}

#[derive(Deserialize)]
pub struct MfaForm {
    #[serde(default)]
    code: String,
}

/// The MFA step of sign-in with an authenticator-app code, as a plain form POST.
pub async fn mfa_sign_in(
    State(state): State<AppState>,
    Extension(client): Extension<ClientAddr>,
    caller: Result<PendingMfa, Refusal>,
    Form(form): Form<MfaForm>,
) -> Redirect {
    let (session, pending) = match caller {
        Ok(PendingMfa { request, pending }) => (request.session, pending),
        Err(Refusal(ConsoleError::SignInExpired)) => return Redirect::to("/signin?error=expired"),
        Err(_) => return Redirect::to("/mfa?error=unavailable"),
    };
    let key = pending.key();
    match mfa::verify_totp(&state, &key, &form.code, Some(client), Purpose::SignIn).await {
        Ok(context) => {
            let mut user = SignedInUser::new(&pending.account_id, &pending.user_name);
            user.mfa = Some(context);
            match session::begin(&state, &session, &user).await {
                Ok(()) => Redirect::to(types::links::safe_local_path(&pending.next).unwrap_or("/")),
                Err(e) => {
                    tracing::error!("MFA sign-in: cannot start the session: {e}");
                    Redirect::to("/mfa?error=unavailable")
                }
            }
        }
        Err(MfaError::LockedOut { .. }) => Redirect::to("/mfa?error=locked"),
        Err(MfaError::Internal(e)) => {
            tracing::error!("MFA sign-in: {e}");
            Redirect::to("/mfa?error=unavailable")
        }
        Err(_) => Redirect::to("/mfa?error=invalid"),
    }
}

pub async fn sign_out(
    State(state): State<AppState>,
    Extension(client): Extension<ClientAddr>,
    session: Session,
    caller: Result<MaybeSignedIn, Refusal>,
) -> Redirect {
    // A failed lookup was logged by the extractor; the session ends all the same.
    if let Ok(MaybeSignedIn {
        user: Some(user), ..
    }) = caller
    {
        let event = AuditEvent::new("SignOut", Decision::Info)
            .actor(user.arn())
            .account(&user.account_id)
            .client(client);
        if let Err(e) = state.audit.append(event).await {
            tracing::error!("sign-out: audit: {e}");
        }
    }
    // Whatever happened above, the session must not outlive a sign-out, nor its role.
    if let Err(e) = session::end(&state, &session).await {
        tracing::error!("sign-out: cannot delete the session: {e}");
    }
    Redirect::to("/signin?signed_out=1")
}
