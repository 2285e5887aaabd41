//! What every server function starts with: the console state, the session, the client
//! address and the signed-in user, with one set of messages for the failures.

use leptos::prelude::*;
use tower_sessions::Session;

use console::client::ClientAddr;
use console::session::{self, SignedInUser};
use console::state::{AdminAccess, AppState};

/// What an administrator signed in without MFA is told on the administrator pages.
pub const ADMIN_MFA_NEEDED: &str = "Sign in with an MFA device to use the administrator pages (sign out, then sign in again with your device).";

pub struct Request {
    pub state: AppState,
    pub session: Session,
    pub client: Option<ClientAddr>,
}

pub async fn request() -> Result<Request, ServerFnError> {
    let state = expect_context::<AppState>();
    let session: Session = leptos_axum::extract().await?;
    let client = leptos_axum::extract::<axum::Extension<ClientAddr>>()
        .await
        .ok()
        .map(|axum::Extension(c)| c);
    Ok(Request {
        state,
        session,
        client,
    })
}

pub fn unavailable(e: impl std::fmt::Display) -> ServerFnError {
    tracing::error!("server function: {e}");
    ServerFnError::new("The console is unavailable right now. Please try again later.")
}

impl Request {
    /// The signed-in user. A user who must enrol an MFA device first is let through only
    /// when `enrolment` is true (the Security credentials page's own functions).
    pub async fn user(&self, enrolment: bool) -> Result<SignedInUser, ServerFnError> {
        match session::current_user(&self.state, &self.session).await {
            Ok(Some(user)) if enrolment || !user.must_enrol => Ok(user),
            Ok(Some(_)) => Err(ServerFnError::new(
                "Assign an MFA device on the Security credentials page first.",
            )),
            Ok(None) => Err(ServerFnError::new(
                "Your session has ended. Please sign in again.",
            )),
            Err(e) => Err(unavailable(e)),
        }
    }

    /// The signed-in user, who must be a console administrator.
    pub async fn admin(&self) -> Result<SignedInUser, ServerFnError> {
        let user = self.user(false).await?;
        match self.state.admin_access(&user) {
            AdminAccess::Granted => Ok(user),
            AdminAccess::NotAdmin => Err(ServerFnError::new(
                "This page is for console administrators only.",
            )),
            AdminAccess::MfaNeeded => Err(ServerFnError::new(ADMIN_MFA_NEEDED)),
        }
    }

    pub fn account_label(&self, user: &SignedInUser) -> String {
        self.state
            .identity_summary(user)
            .account_label()
            .to_string()
    }
}
