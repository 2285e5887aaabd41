//! Who is calling: the one place that reads the session and decides whether a request comes
//! from a signed-in user, an administrator, or a sign-in waiting for its MFA step.
//!
//! The extractors are axum's [`FromRequestParts`], so the server's own routes take them as
//! arguments; server functions get them with [`caller`]. A refusal is a [`Refusal`]
//! carrying the [`ConsoleError`] that server functions answer with; routes that answer a form
//! post with a redirect match on it.

use axum::extract::{FromRef, FromRequestParts};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use console::client::ClientAddr;
use console::session::{self, PendingSignIn, SignedInUser};
use console::state::{AdminAccess, AppState};
use leptos::prelude::use_context;
use tower_sessions::Session;
use types::error::ConsoleError;

/// A request refused before its handler ran.
#[derive(Debug)]
pub struct Refusal(pub ConsoleError);

impl From<Refusal> for ConsoleError {
    fn from(refusal: Refusal) -> Self {
        refusal.0
    }
}

impl Refusal {
    /// The HTTP status of this refusal, for every route that answers one (each words its
    /// body as its clients expect: text, JSON, a redirect).
    pub fn status(&self) -> StatusCode {
        match self.0 {
            ConsoleError::SessionEnded | ConsoleError::SignInExpired => StatusCode::UNAUTHORIZED,
            ConsoleError::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            ConsoleError::Invalid { .. } => StatusCode::BAD_REQUEST,
            _ => StatusCode::FORBIDDEN,
        }
    }
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        (self.status(), self.0.to_string()).into_response()
    }
}

/// Logs what went wrong behind the console; the caller reads only "unavailable".
pub fn unavailable(e: impl std::fmt::Display) -> ConsoleError {
    tracing::error!("console: {e}");
    ConsoleError::Unavailable
}

/// Why an object request was not taken on, as server functions and the object routes answer
/// it: a tab naming a role session that is not held, or a failing session store.
pub fn requester_refusal(error: console::cloud::object_access::RequesterError) -> ConsoleError {
    use console::cloud::object_access::RequesterError;
    match error {
        RequesterError::RoleSessionEnded => ConsoleError::RoleSessionEnded,
        RequesterError::Session(e) => unavailable(e),
    }
}

/// What every handler of a signed-in request needs besides the user.
#[derive(Clone)]
pub struct RequestContext {
    pub state: AppState,
    pub session: Session,
    /// The client address the rate limiter and the audit trail record (set by the server's
    /// client-address layer on every request).
    pub client: Option<ClientAddr>,
}

impl RequestContext {
    async fn from_parts<S: Send + Sync>(parts: &mut Parts, state: &S) -> Result<Self, Refusal>
    where
        AppState: FromRef<S>,
    {
        let session = Session::from_request_parts(parts, state)
            .await
            .map_err(|(_, message)| Refusal(unavailable(message)))?;
        let client = parts.extensions.get::<ClientAddr>().copied();
        Ok(RequestContext {
            state: AppState::from_ref(state),
            session,
            client,
        })
    }

    /// The signed-in user of this session, if any (see [`session::current_user`]).
    pub async fn user(&self) -> Result<Option<SignedInUser>, ConsoleError> {
        session::current_user(&self.state, &self.session)
            .await
            .map_err(unavailable)
    }

    /// `alice`'s account as the pages show it (alias, else ID).
    pub fn account_label(&self, user: &SignedInUser) -> String {
        self.state
            .identity_summary(user)
            .account_label()
            .to_string()
    }
}

/// Anyone: the session, whoever (if anyone) is signed in to it. For pages and functions
/// that answer signed-out visitors too (the console chrome, sign-out).
pub struct MaybeSignedIn {
    pub request: RequestContext,
    pub user: Option<SignedInUser>,
}

/// A signed-in user, also one who must still enrol an MFA device: the Security credentials
/// page's own functions, the only ones open to them.
pub struct Enrolling {
    pub request: RequestContext,
    pub user: SignedInUser,
}

/// A signed-in user who may use the console (has enrolled MFA where it is required).
pub struct SignedIn {
    pub request: RequestContext,
    pub user: SignedInUser,
}

/// A signed-in console administrator (with MFA, outside the demo organisation).
pub struct Admin {
    pub request: RequestContext,
    pub user: SignedInUser,
}

/// A sign-in that passed its password step and waits for MFA.
pub struct PendingMfa {
    pub request: RequestContext,
    pub pending: PendingSignIn,
}

/// Each extractor is an axum `FromRequestParts` for any state the console's state comes from;
/// the macro writes that frame once, each body says what the extractor checks.
macro_rules! extractor {
    ($name:ident, |$parts:ident, $state:ident| $body:block) => {
        impl<S: Send + Sync> FromRequestParts<S> for $name
        where
            AppState: FromRef<S>,
        {
            type Rejection = Refusal;

            async fn from_request_parts($parts: &mut Parts, $state: &S) -> Result<Self, Refusal> {
                $body
            }
        }
    };
}

extractor!(MaybeSignedIn, |parts, state| {
    let request = RequestContext::from_parts(parts, state).await?;
    let user = request.user().await.map_err(Refusal)?;
    Ok(MaybeSignedIn { request, user })
});

extractor!(Enrolling, |parts, state| {
    let MaybeSignedIn { request, user } = MaybeSignedIn::from_request_parts(parts, state).await?;
    let user = user.ok_or(Refusal(ConsoleError::SessionEnded))?;
    Ok(Enrolling { request, user })
});

extractor!(SignedIn, |parts, state| {
    let Enrolling { request, user } = Enrolling::from_request_parts(parts, state).await?;
    if user.must_enrol {
        return Err(Refusal(ConsoleError::MustEnrol));
    }
    Ok(SignedIn { request, user })
});

extractor!(Admin, |parts, state| {
    let SignedIn { request, user } = SignedIn::from_request_parts(parts, state).await?;
    match request.state.admin_access(&user) {
        AdminAccess::Granted => Ok(Admin { request, user }),
        AdminAccess::NotAdmin => Err(Refusal(ConsoleError::NotAdmin)),
        AdminAccess::MfaNeeded => Err(Refusal(ConsoleError::AdminMfaNeeded)),
    }
});

extractor!(PendingMfa, |parts, state| {
    let request = RequestContext::from_parts(parts, state).await?;
    let pending = session::pending(&request.session)
        .await
        .map_err(|e| Refusal(unavailable(e)))?
        .ok_or(Refusal(ConsoleError::SignInExpired))?;
    Ok(PendingMfa { request, pending })
});

/// The caller of this server function, as extractor `T` decides it.
pub async fn caller<T>() -> Result<T, ConsoleError>
where
    T: FromRequestParts<AppState, Rejection = Refusal>,
{
    let state = use_context::<AppState>().ok_or_else(|| unavailable("no console state"))?;
    let mut parts = use_context::<Parts>().ok_or_else(|| unavailable("no request parts"))?;
    let refusal = match T::from_request_parts(&mut parts, &state).await {
        Ok(caller) => return Ok(caller),
        Err(refusal) => refusal,
    };
    if matches!(
        refusal.0,
        ConsoleError::NotAdmin | ConsoleError::AdminMfaNeeded
    ) && let Some(response) = use_context::<leptos_axum::ResponseOptions>()
    {
        // An administrators' server function refused: the status says so (403).
        response.set_status(refusal.status());
    }
    Err(refusal.0)
}
