//! What a console session holds, server-side, and the rules for reading it.
//!
//! The browser only has the session id (an HttpOnly cookie); everything below lives in the
//! session store. The absolute lifetime is enforced here because tower-sessions only knows
//! about inactivity.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use tower_sessions::Session;

use crate::identity::RoleSummary;
use crate::services::cloud::HeldCredentials;
use crate::services::state::AppState;

const USER_KEY: &str = "user";
const ROLE_KEY: &str = "role";

/// The signed-in user, as stored in the session.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedInUser {
    pub account_id: String,
    pub user_name: String,
    /// Unix time of the password step; the absolute lifetime counts from here.
    pub signed_in_at: i64,
}

impl SignedInUser {
    pub fn new(account_id: &str, user_name: &str) -> Self {
        SignedInUser {
            account_id: account_id.to_string(),
            user_name: user_name.to_string(),
            signed_in_at: OffsetDateTime::now_utc().unix_timestamp(),
        }
    }

    /// `arn:aws:iam::111122223333:user/alice`, the form the audit trail records.
    pub fn arn(&self) -> String {
        format!("arn:aws:iam::{}:user/{}", self.account_id, self.user_name)
    }
}

#[derive(Debug, thiserror::Error)]
#[error("session store: {0}")]
pub struct SessionError(#[from] tower_sessions::session::Error);

/// The signed-in user of this session, if the session is still valid.
///
/// A session past its absolute lifetime, or whose user has left the directory, is ended here
/// (deleted server-side) and reads as signed out.
pub async fn current_user(
    state: &AppState,
    session: &Session,
) -> Result<Option<SignedInUser>, SessionError> {
    let Some(user) = session.get::<SignedInUser>(USER_KEY).await? else {
        return Ok(None);
    };
    let age = OffsetDateTime::now_utc().unix_timestamp() - user.signed_in_at;
    let lifetime =
        i64::try_from(state.policy.session_absolute_lifetime.as_secs()).unwrap_or(i64::MAX);
    let still_in_directory = state
        .directory
        .account(&user.account_id)
        .and_then(|account| account.user(&user.user_name))
        .is_some();
    if age >= lifetime || age < 0 || !still_in_directory {
        session.flush().await?;
        return Ok(None);
    }
    Ok(Some(user))
}

/// Starts a signed-in session. The session id is cycled so that an id planted before sign-in
/// (session fixation) is worthless afterwards.
pub async fn begin(session: &Session, user: &SignedInUser) -> Result<(), SessionError> {
    session.cycle_id().await?;
    session.insert(USER_KEY, user).await?;
    Ok(())
}

/// A role the user holds: the credentials stay in the server-side session record.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeldRole {
    pub account_id: String,
    pub account_alias: Option<String>,
    pub role_name: String,
    pub role_arn: String,
    pub display_name: String,
    pub color: String,
    pub assumed_at: i64,
    pub credentials: HeldCredentials,
}

impl HeldRole {
    /// What the browser may see of it.
    pub fn summary(&self) -> RoleSummary {
        RoleSummary {
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
        OffsetDateTime::now_utc().unix_timestamp() >= self.credentials.expiration
    }
}

/// When the user last proved MFA in this session. Multi-factor sign-in (issue 4) records it;
/// until then no session has one, and roles whose trust policy requires MFA refuse.
pub async fn mfa_authenticated_at(
    session: &Session,
) -> Result<Option<OffsetDateTime>, SessionError> {
    let _ = session;
    Ok(None)
}

pub async fn held_role(session: &Session) -> Result<Option<HeldRole>, SessionError> {
    Ok(session.get::<HeldRole>(ROLE_KEY).await?)
}

/// Starts holding a role (replacing any held one). The session id is cycled: the session now
/// carries more power than before.
pub async fn hold_role(session: &Session, role: &HeldRole) -> Result<(), SessionError> {
    session.cycle_id().await?;
    session.insert(ROLE_KEY, role).await?;
    Ok(())
}

/// Stops holding the role; returns it so that its credentials can be released.
pub async fn drop_role(session: &Session) -> Result<Option<HeldRole>, SessionError> {
    Ok(session.remove::<HeldRole>(ROLE_KEY).await?)
}

/// Ends the session: its record is deleted from the store and the cookie cleared.
pub async fn end(session: &Session) -> Result<(), SessionError> {
    session.flush().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    use crate::services::test_support::{session, state};

    #[tokio::test]
    async fn a_fresh_session_reads_as_its_user() {
        let (state, _dir) = state(Duration::from_secs(3600)).await;
        let session = session();
        let alice = SignedInUser::new("111122223333", "alice");
        begin(&session, &alice).await.expect("begin");
        assert_eq!(
            current_user(&state, &session).await.expect("read"),
            Some(alice)
        );
    }

    #[tokio::test]
    async fn a_session_past_its_absolute_lifetime_is_ended() {
        let (state, _dir) = state(Duration::from_secs(3600)).await;
        let session = session();
        let mut alice = SignedInUser::new("111122223333", "alice");
        alice.signed_in_at -= 3600;
        begin(&session, &alice).await.expect("begin");
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
        begin(&session, &SignedInUser::new("111122223333", "carol"))
            .await
            .expect("begin");
        assert_eq!(current_user(&state, &session).await.expect("read"), None);
    }
}
