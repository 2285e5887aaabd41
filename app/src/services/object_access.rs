//! Who makes an object request, and the audit record of each one.
//!
//! The bucket pages' server functions and the server's streaming routes both start here: the
//! signed-in user, the role they hold (its credentials stay server-side), and the caller the
//! cloud boundary decides with. Every object action then writes one audit event: who, which
//! role session, which action, bucket and key, the decision and, for a denial, the reason.

use serde_json::{Value, json};
use tower_sessions::Session;

use crate::services::audit::{AuditEvent, Decision};
use crate::services::client::ClientAddr;
use crate::services::cloud::CloudError;
use crate::services::objects::{CallerIdentity, ObjectCaller};
use crate::services::session::{self, HeldRole, SessionError, SignedInUser};
use crate::services::state::AppState;

/// The signed-in user making an object request, and as whom it is decided.
pub struct ObjectRequester {
    pub user: SignedInUser,
    pub role: Option<HeldRole>,
    pub caller: ObjectCaller,
    pub client: ClientAddr,
}

/// The requester of this session, or `None` when nobody (or a user who must enrol MFA first)
/// is signed in.
pub async fn requester(
    state: &AppState,
    session: &Session,
    client: ClientAddr,
) -> Result<Option<ObjectRequester>, SessionError> {
    let Some(user) = session::current_user(state, session).await? else {
        return Ok(None);
    };
    if user.must_enrol {
        return Ok(None);
    }
    let role = session::held_role(session).await?;
    let identity = match &role {
        Some(held) => CallerIdentity::Role(held.credentials.clone()),
        None => CallerIdentity::User { arn: user.arn() },
    };
    let caller = ObjectCaller {
        identity,
        mfa_authenticated_at: user.mfa.as_ref().map(|m| m.authenticated_at()),
        source_ip: client.0,
    };
    Ok(Some(ObjectRequester {
        user,
        role,
        caller,
        client,
    }))
}

impl ObjectRequester {
    /// Writes the audit event of one object action. `outcome` is the boundary's answer; a
    /// failure of the audit store is logged (the action has happened by then).
    pub async fn audit(
        &self,
        state: &AppState,
        action: &str,
        bucket: &str,
        key: Option<&str>,
        outcome: Result<(), &CloudError>,
        extra: Value,
    ) {
        let (decision, reason) = match outcome {
            Ok(()) => (Decision::Allowed, Value::Null),
            Err(CloudError::Denied { detail }) => (Decision::Denied, detail.clone()),
            Err(CloudError::Expired) => (Decision::Denied, json!("the role session has expired")),
            Err(other) => (Decision::Info, json!({ "failed": other.to_string() })),
        };
        let mut detail = json!({
            "bucket": bucket,
            "key": key,
            "backend": state.cloud.name(),
            "role_session": self.role.as_ref().map(|r| r.credentials.assumed_role_arn.clone()),
            "access_key_id": self.role.as_ref().map(|r| r.credentials.access_key_id.clone()),
        });
        if !reason.is_null() {
            detail["reason"] = reason;
        }
        if let (Some(target), Value::Object(more)) = (detail.as_object_mut(), extra) {
            target.extend(more);
        }
        let event = AuditEvent::new(action, decision)
            .actor(self.user.arn())
            .account(&self.user.account_id)
            .client(self.client)
            .detail(detail);
        if let Err(e) = state.audit.append(event).await {
            tracing::error!("audit trail: {e}");
        }
    }
}
