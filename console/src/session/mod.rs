//! What a console session holds, server-side, and the rules for reading it.
//!
//! The browser only has the session id (an HttpOnly cookie); everything below lives in the
//! session store. The absolute lifetime is enforced here because tower-sessions only knows
//! about inactivity.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use tower_sessions_core::Session;

use crate::cloud::HeldCredentials;
use crate::mfa::store::MfaStoreError;
use crate::state::AppState;

pub mod role_sessions;
pub mod user;
pub use crate::clock::now;
use types::identity::RoleSummary;
pub use user::{MfaContext, MfaMethod, PendingSignIn, SignedInUser};

const USER_KEY: &str = "user";
const PENDING_KEY: &str = "pending_mfa";
/// Unix time of the last request that extended the session (see `current_user`).
const LAST_ACTIVE_KEY: &str = "last_active";

/// How long the MFA step may take after the password step.
pub const PENDING_MFA_LIFETIME_SECONDS: i64 = 5 * 60;

#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    #[error("session store: {0}")]
    Session(#[from] tower_sessions_core::session::Error),
    #[error(transparent)]
    Mfa(#[from] MfaStoreError),
    #[error("held role: {0}")]
    Sealing(String),
    #[error(transparent)]
    Grants(#[from] crate::access_requests::StoreError),
}

/// The signed-in user of this session, if the session is still valid.
///
/// A session past its absolute lifetime, whose user has left the directory, or that began
/// before the user's MFA devices last changed, is ended here (deleted server-side) and reads
/// as signed out.
pub async fn current_user(
    state: &AppState,
    session: &Session,
) -> Result<Option<SignedInUser>, SessionError> {
    let Some(user) = session.get::<SignedInUser>(USER_KEY).await? else {
        return Ok(None);
    };
    let age = now() - user.signed_in_at;
    let lifetime =
        i64::try_from(state.policy.session_absolute_lifetime.as_secs()).unwrap_or(i64::MAX);
    let still_in_directory = state
        .directory
        .account(&user.account_id)
        .and_then(|account| account.user(&user.user_name))
        .is_some();
    let generation = state.mfa.store.session_generation(&user.key()).await?;
    if age >= lifetime || age < 0 || !still_in_directory || user.generation != generation {
        end(state, session).await?;
        return Ok(None);
    }
    touch(session).await?;
    Ok(Some(user))
}

/// How often activity is written: at most once a minute, and often enough that an idle
/// timeout shorter than two minutes still slides.
fn touch_interval(session: &Session) -> i64 {
    let idle = match session.expiry() {
        Some(tower_sessions_core::Expiry::OnInactivity(idle)) => idle.whole_seconds(),
        _ => 120,
    };
    (idle / 2).clamp(1, 60)
}

/// Extends the idle timeout of an active session. tower-sessions moves the expiry only when
/// the record is saved, and it saves only what changed: stamping the activity (at most once
/// per interval) is what makes the timeout slide without a write on every request.
async fn touch(session: &Session) -> Result<(), SessionError> {
    let last = session.get::<i64>(LAST_ACTIVE_KEY).await?.unwrap_or(0);
    let now = now();
    if now - last >= touch_interval(session) || now < last {
        session.insert(LAST_ACTIVE_KEY, now).await?;
    }
    Ok(())
}

/// Empties the session before someone signs in on it: held role sessions are released,
/// every value is dropped and the id is cycled, so that nothing of an earlier user (or of an
/// id planted before sign-in) carries over.
async fn start_afresh(state: &AppState, session: &Session) -> Result<(), SessionError> {
    role_sessions::release_all(state, session).await;
    session.cycle_id().await?;
    session.clear().await;
    Ok(())
}

/// Starts a signed-in session from an empty one (see `start_afresh`): the id is cycled, so
/// that an id planted before sign-in (session fixation) is worthless afterwards, and a role
/// held by whoever used the session before is released.
pub async fn begin(
    state: &AppState,
    session: &Session,
    user: &SignedInUser,
) -> Result<(), SessionError> {
    let mut user = user.clone();
    user.generation = state.mfa.store.session_generation(&user.key()).await?;
    start_afresh(state, session).await?;
    session.insert(USER_KEY, &user).await?;
    session.insert(LAST_ACTIVE_KEY, now()).await?;
    Ok(())
}

/// Replaces the stored user of a signed-in session (new MFA context, new generation).
pub async fn update(session: &Session, user: &SignedInUser) -> Result<(), SessionError> {
    session.insert(USER_KEY, user).await?;
    Ok(())
}

/// A role session the user holds: the credentials stay in the server-side session record.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeldRole {
    /// The role session's ID (see [`role_sessions`]); empty in records from before them.
    #[serde(default)]
    pub session_id: String,
    pub account_id: String,
    pub account_alias: Option<String>,
    pub role_name: String,
    pub role_arn: String,
    pub display_name: String,
    pub color: String,
    pub assumed_at: i64,
    pub credentials: HeldCredentials,
    /// The access grant the session was opened under (its credentials end at the grant's end
    /// at the latest; revoking the grant ends the session).
    #[serde(default)]
    pub grant_id: Option<i64>,
}

impl HeldRole {
    /// What the browser may see of it.
    pub fn summary(&self) -> RoleSummary {
        RoleSummary {
            session_id: self.session_id.clone(),
            display_name: self.display_name.clone(),
            color: self.color.clone(),
            role_name: self.role_name.clone(),
            role_arn: self.role_arn.clone(),
            account_id: self.account_id.clone(),
            account_alias: self.account_alias.clone(),
            expires_at: self.credentials.expiration,
        }
    }

    pub fn is_expired(&self) -> bool {
        self.credentials.expired_at(crate::clock::now_utc())
    }

    /// The Role field this role is switched to with: `path/Name`, or `Name`.
    pub fn role_path(&self) -> String {
        types::roles::role_field(&self.role_arn)
            .unwrap_or(&self.role_name)
            .to_string()
    }
}

/// Held roles as the session record keeps them: sealed with AES-256-GCM under the data key
/// (as TOTP secrets are), so that the session table holds no usable credentials.
#[derive(Serialize, Deserialize)]
struct SealedRole {
    sealed: String,
}

/// The associated data of sealed roles: a sealed TOTP secret does not open as a role.
const ROLE_SEAL_CONTEXT: &str = "switchyard:held-role";

fn seal(state: &AppState, role: &impl Serialize) -> Result<SealedRole, SessionError> {
    use base64::Engine as _;
    let plain = serde_json::to_vec(role).map_err(|e| SessionError::Sealing(e.to_string()))?;
    let sealed = state
        .mfa
        .cipher
        .encrypt(&plain, ROLE_SEAL_CONTEXT)
        .map_err(|e| SessionError::Sealing(e.to_string()))?;
    Ok(SealedRole {
        sealed: base64::engine::general_purpose::STANDARD.encode(sealed),
    })
}

fn unseal<T: serde::de::DeserializeOwned>(
    state: &AppState,
    stored: &SealedRole,
) -> Result<T, SessionError> {
    use base64::Engine as _;
    let sealed = base64::engine::general_purpose::STANDARD
        .decode(&stored.sealed)
        .map_err(|e| SessionError::Sealing(e.to_string()))?;
    let plain = state
        .mfa
        .cipher
        .decrypt(&sealed, ROLE_SEAL_CONTEXT)
        .map_err(|e| SessionError::Sealing(e.to_string()))?;
    serde_json::from_slice(&plain).map_err(|e| SessionError::Sealing(e.to_string()))
}

/// When the user last proved MFA in this session (at sign-in or a later step-up); it feeds
/// `aws:MultiFactorAuthPresent` and `aws:MultiFactorAuthAge` when switching roles.
pub async fn mfa_authenticated_at(
    session: &Session,
) -> Result<Option<OffsetDateTime>, SessionError> {
    let user = session.get::<SignedInUser>(USER_KEY).await?;
    Ok(user.and_then(|u| u.mfa).map(|m| m.authenticated_at()))
}

/// Parks a sign-in between the password and the MFA step, in an emptied session (see
/// `start_afresh`).
pub async fn begin_pending(
    state: &AppState,
    session: &Session,
    pending: &PendingSignIn,
) -> Result<(), SessionError> {
    start_afresh(state, session).await?;
    session.insert(PENDING_KEY, pending).await?;
    Ok(())
}

/// The sign-in waiting for its MFA step, if it is not too old.
pub async fn pending(session: &Session) -> Result<Option<PendingSignIn>, SessionError> {
    let Some(pending) = session.get::<PendingSignIn>(PENDING_KEY).await? else {
        return Ok(None);
    };
    let age = now() - pending.password_at;
    if !(0..PENDING_MFA_LIFETIME_SECONDS).contains(&age) {
        session.remove_value(PENDING_KEY).await?;
        return Ok(None);
    }
    Ok(Some(pending))
}

/// Ends the session: the held role sessions' credentials are released, the record is deleted
/// from the store and the cookie cleared.
pub async fn end(state: &AppState, session: &Session) -> Result<(), SessionError> {
    role_sessions::release_all(state, session).await;
    session.flush().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    use crate::test_support::{session, state};

    #[tokio::test]
    async fn a_fresh_session_reads_as_its_user() {
        let (state, _dir) = state(Duration::from_secs(3600)).await;
        let session = session();
        let alice = SignedInUser::new("111122223333", "alice");
        begin(&state, &session, &alice).await.expect("begin");
        assert_eq!(
            current_user(&state, &session).await.expect("read"),
            Some(alice)
        );
    }

    #[tokio::test]
    async fn activity_slides_the_idle_timeout_with_at_most_one_write_a_minute() {
        use std::sync::Arc;
        use tower_sessions_core::Expiry;
        use tower_sessions_memory_store::MemoryStore;
        let (state, _dir) = state(Duration::from_secs(3600)).await;
        let store = Arc::new(MemoryStore::default());
        let expiry = Some(Expiry::OnInactivity(time::Duration::minutes(30)));
        let first = Session::new(None, store.clone(), expiry);
        begin(&state, &first, &SignedInUser::new("111122223333", "alice"))
            .await
            .expect("begin");
        first.save().await.expect("save");
        let id = first.id();

        // A request within the minute: read only, nothing to save.
        let soon = Session::new(id, store.clone(), expiry);
        assert!(current_user(&state, &soon).await.expect("read").is_some());
        assert!(!soon.is_modified(), "no write on every request");

        // Last activity more than a minute ago: the request marks the session, so the store
        // saves it with a fresh expiry (and the cookie is sent again).
        let earlier = Session::new(id, store.clone(), expiry);
        earlier
            .insert(LAST_ACTIVE_KEY, now() - 61)
            .await
            .expect("age");
        earlier.save().await.expect("save");
        let later = Session::new(id, store, expiry);
        assert!(current_user(&state, &later).await.expect("read").is_some());
        assert!(later.is_modified(), "activity extends the session");
    }

    #[tokio::test]
    async fn a_role_held_before_role_sessions_becomes_one_sealed_and_a_list_that_cannot_be_opened_is_dropped()
     {
        use crate::cloud::HeldCredentials;
        let (state, _dir) = state(Duration::from_secs(3600)).await;
        let session = session();
        let role = HeldRole {
            session_id: String::new(),
            account_id: "123456789012".into(),
            account_alias: None,
            role_name: "UpdateAPP".into(),
            role_arn: "arn:aws:iam::123456789012:role/UpdateAPP".into(),
            display_name: "Prod".into(),
            color: "#b7ca9d".into(),
            assumed_at: now(),
            credentials: HeldCredentials {
                access_key_id: "ASIAEXAMPLE".into(),
                secret_access_key: "plain-secret".into(),
                session_token: "plain-token".into(),
                expiration: now() + 3600,
                assumed_role_arn: "arn:aws:sts::123456789012:assumed-role/UpdateAPP/alice".into(),
            },
            grant_id: None,
        };
        session.insert("role", &role).await.expect("legacy");
        let held = role_sessions::held(&state, &session).await.expect("read");
        assert_eq!(held.len(), 1);
        assert!(types::role_sessions::is_role_session_id(
            &held[0].session_id
        ));
        assert_eq!(
            HeldRole {
                session_id: String::new(),
                ..held[0].clone()
            },
            role
        );
        assert_eq!(
            session.get::<serde_json::Value>("role").await.expect("get"),
            None,
            "moved"
        );
        let stored = session
            .get::<serde_json::Value>("role_sessions")
            .await
            .expect("get")
            .expect("kept");
        assert!(!stored.to_string().contains("plain-secret"), "sealed now");
        assert_eq!(
            role_sessions::held(&state, &session).await.expect("read"),
            held
        );

        session
            .insert(
                "role_sessions",
                serde_json::json!({ "sealed": "bm90IHNlYWxlZA==" }),
            )
            .await
            .expect("damaged");
        assert!(
            role_sessions::held(&state, &session)
                .await
                .expect("read")
                .is_empty()
        );
        assert_eq!(
            session
                .get::<serde_json::Value>("role_sessions")
                .await
                .expect("get"),
            None
        );
    }

    #[tokio::test]
    async fn a_session_past_its_absolute_lifetime_is_ended() {
        let (state, _dir) = state(Duration::from_secs(3600)).await;
        let session = session();
        let mut alice = SignedInUser::new("111122223333", "alice");
        alice.signed_in_at -= 3600;
        begin(&state, &session, &alice).await.expect("begin");
        assert_eq!(current_user(&state, &session).await.expect("read"), None);
        // Ended, not just hidden: the record is gone.
        assert_eq!(
            session.get::<SignedInUser>(USER_KEY).await.expect("get"),
            None
        );
    }

    #[tokio::test]
    async fn a_user_removed_from_the_directory_is_signed_out() {
        let (state, _dir) = state(Duration::from_secs(3600)).await;
        let session = session();
        begin(
            &state,
            &session,
            &SignedInUser::new("111122223333", "carol"),
        )
        .await
        .expect("begin");
        assert_eq!(current_user(&state, &session).await.expect("read"), None);
    }
}
