//! Switching, switch back and renew as plain form POSTs: from the role history in the account
//! menu and on the Switch Role page, and from the session banner. They work without scripts.

use app::api::extract::{Refusal, SignedIn};
use axum::extract::{FromRef, FromRequestParts, State};
use axum::http::request::Parts;
use axum::response::Redirect;
use axum::{Extension, Form};
use console::audit::{AuditEvent, Decision};
use console::client::ClientAddr;
use console::session;
use console::session::SignedInUser;
use console::session::role_sessions::{self, Replace, TabRole};
use console::state::AppState;
use console::switching::SwitchForm;
use console::switching::{self, SwitchError};
use serde::Deserialize;
use tower_sessions::Session;
use types::error::ConsoleError;
use types::links::safe_local_path;
use types::role_sessions::in_tab;

/// The Switch Role form, as the history entries post it.
#[derive(Deserialize)]
pub struct SwitchRoleForm {
    account: String,
    role: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    color: String,
    #[serde(default)]
    redirect_uri: String,
    /// When all role sessions are in use: `oldest` or the ID of the one to replace.
    #[serde(default)]
    replace: String,
}

/// The tab's role session a form acts on (Renew, Switch back, Open in AWS console).
#[derive(Deserialize)]
pub struct TabForm {
    #[serde(default)]
    role_session: String,
}

/// One-click switch. Anything but success leads to the Switch Role page, filled in, which
/// says what happened (`switch=refused`, or `switch=mfa` when a fresh MFA would help).
pub async fn switch(
    State(state): State<AppState>,
    Extension(client): Extension<ClientAddr>,
    FormCaller { session, user }: FormCaller,
    Form(form): Form<SwitchRoleForm>,
) -> Redirect {
    let mfa = session::mfa_authenticated_at(&session).await.ok().flatten();
    let switch_form = SwitchForm {
        account: form.account.clone(),
        role: form.role.clone(),
        display_name: form.display_name.clone(),
        color: form.color.clone(),
        // A role that needs an AWS MFA code cannot be switched to in one click: the form asks.
        token_code: String::new(),
        replace: Replace::from_form(&form.replace),
    };
    let outcome =
        match switching::switch_role(&state, &session, client, &user, mfa, &switch_form).await {
            // The tab moves into the new role session, on the page asked for.
            Ok(role) => {
                let page = safe_local_path(&form.redirect_uri).unwrap_or("/");
                return Redirect::to(&in_tab(Some(&role.session_id), page));
            }
            Err(SwitchError::AllInUse { .. }) => "full",
            Err(SwitchError::MfaNeeded { has_device: true }) => "mfa",
            Err(SwitchError::MfaNeeded { has_device: false }) => "mfa-setup",
            Err(SwitchError::Field {
                field: "token_code",
                ..
            }) => "code",
            Err(
                SwitchError::NotAllowed | SwitchError::Field { .. } | SwitchError::SessionNotHeld,
            ) => "refused",
            Err(SwitchError::Unavailable(e)) => {
                tracing::error!("switch: {e}");
                "unavailable"
            }
        };
    let query = serde_urlencoded::to_string([
        ("account", form.account.as_str()),
        ("roleName", form.role.as_str()),
        ("displayName", form.display_name.as_str()),
        ("color", form.color.as_str()),
        ("redirect_uri", form.redirect_uri.as_str()),
        ("switch", outcome),
    ])
    .unwrap_or_default();
    Redirect::to(&format!("/switchrole?{query}"))
}

/// Switch back in a tab: ends that tab's role session only; the tab goes on with the user's
/// own permissions on the console home.
pub async fn switch_back(
    State(state): State<AppState>,
    Extension(client): Extension<ClientAddr>,
    FormCaller { session, user }: FormCaller,
    Form(form): Form<TabForm>,
) -> Redirect {
    if let Err(e) =
        switching::switch_back(&state, &session, client, &user, &form.role_session).await
    {
        tracing::error!("switch back: {e}");
    }
    Redirect::to("/")
}

/// `/as/ID/` → `/as/ID`, the role session's home page.
pub async fn tab_home(axum::extract::Path(id): axum::extract::Path<String>) -> Redirect {
    if !types::role_sessions::is_role_session_id(&id) {
        return Redirect::to("/");
    }
    Redirect::permanent(&in_tab(Some(&id), "/"))
}

/// "End all role sessions" (account menu).
pub async fn end_all(
    State(state): State<AppState>,
    Extension(client): Extension<ClientAddr>,
    FormCaller { session, user }: FormCaller,
) -> Redirect {
    if let Err(e) = switching::end_all(&state, &session, client, &user).await {
        tracing::error!("end all role sessions: {e}");
    }
    Redirect::to("/")
}

/// Renew in a tab: the tab's role session gets fresh credentials under the same ID.
pub async fn renew(
    State(state): State<AppState>,
    Extension(client): Extension<ClientAddr>,
    FormCaller { session, user }: FormCaller,
    Form(form): Form<TabForm>,
) -> Redirect {
    let mfa = session::mfa_authenticated_at(&session).await.ok().flatten();
    let id = form.role_session;
    let held = match role_sessions::for_tab(&state, &session, Some(&id)).await {
        Ok(TabRole::Held(held)) => Some(held),
        _ => None,
    };
    // Refused: back to the Switch Role page, filled in with the role, where the user sees why.
    let refused = |why: &str| {
        let mut query = vec![("renew", why.to_string())];
        if let Some(held) = &held {
            query.extend([
                ("account", held.account_id.clone()),
                ("roleName", held.role_path()),
                ("displayName", held.display_name.clone()),
                ("color", held.color.clone()),
            ]);
        }
        let query = serde_urlencoded::to_string(&query).unwrap_or_default();
        Redirect::to(&in_tab(
            held.as_ref().map(|h| h.session_id.as_str()),
            &format!("/switchrole?{query}"),
        ))
    };
    match switching::renew(&state, &session, client, &user, mfa, &id).await {
        Ok(role) => Redirect::to(&in_tab(Some(&role.session_id), "/")),
        Err(SwitchError::Field {
            field: "token_code",
            ..
        }) => refused("code"),
        Err(SwitchError::NotAllowed | SwitchError::Field { .. } | SwitchError::AllInUse { .. }) => {
            refused("refused")
        }
        // The tab's session ended meanwhile: its page says so.
        Err(SwitchError::SessionNotHeld) => Redirect::to(&in_tab(Some(&id), "/")),
        Err(SwitchError::MfaNeeded { has_device: true }) => refused("mfa"),
        Err(SwitchError::MfaNeeded { has_device: false }) => refused("mfa-setup"),
        Err(SwitchError::Unavailable(e)) => {
            tracing::error!("renew: {e}");
            Redirect::to(&in_tab(Some(&id), "/"))
        }
    }
}

/// "Open in AWS console" (AWS backend on AWS itself): trades the held role session's
/// credentials for a federation sign-in URL and sends the browser there. The credentials stay
/// here; the URL carries a one-time sign-in token.
pub async fn open_aws_console(
    State(state): State<AppState>,
    Extension(client): Extension<ClientAddr>,
    FormCaller { session, user }: FormCaller,
    Form(form): Form<TabForm>,
) -> Redirect {
    let held = match role_sessions::for_tab(&state, &session, Some(&form.role_session)).await {
        Ok(TabRole::Held(held)) => held,
        Ok(_) => return Redirect::to("/"),
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
                    "role_session": held.session_id,
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

/// The signed-in user of a form post and their session. Refused, the browser goes where it
/// can continue: sign-in, the Security credentials page for a user who must enrol MFA first,
/// home when the session store fails (logged by the extractor).
pub struct FormCaller {
    session: Session,
    user: SignedInUser,
}

impl<S: Send + Sync> FromRequestParts<S> for FormCaller
where
    AppState: FromRef<S>,
{
    type Rejection = Redirect;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Redirect> {
        match SignedIn::from_request_parts(parts, state).await {
            Ok(SignedIn { request, user }) => Ok(FormCaller {
                session: request.session,
                user,
            }),
            Err(Refusal(ConsoleError::MustEnrol)) => Err(Redirect::to("/security-credentials")),
            Err(Refusal(ConsoleError::Unavailable)) => Err(Redirect::to("/")),
            Err(_) => Err(Redirect::to("/signin")),
        }
    }
}
