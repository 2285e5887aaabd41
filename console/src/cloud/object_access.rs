//! Who makes an object request, and the audit record of each one.
//!
//! The bucket pages' server functions and the server's streaming routes both start here: the
//! signed-in user, the role they hold (its credentials stay server-side), and the caller the
//! cloud boundary decides with. Every object action then writes one audit event: who, which
//! role session, which action, bucket and key, the decision and, for a denial, the reason.

use serde_json::{Value, json};
use tower_sessions_core::Session;

use crate::audit::{AuditError, AuditEvent, Decision};
use crate::client::ClientAddr;
use crate::cloud::CloudError;
use crate::cloud::objects::{CallerIdentity, ObjectCaller};
use crate::session::{self, HeldRole, SessionError, SignedInUser};
use crate::state::AppState;

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
    let role = session::held_role(state, session).await?;
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

/// The refusal of an object action whose audit event cannot be written: nothing the console
/// does to objects goes unaudited. Safe to show.
pub const AUDIT_UNAVAILABLE: &str = "The audit trail cannot be written right now, so this action was not carried out. Please try again later.";
/// The refusal of an upload while the data directory is short of space. Safe to show.
pub const LOW_ON_SPACE: &str =
    "The server is low on disk space, so uploads are paused. Please try again later.";
/// A bucket name is at most 63 characters (S3).
pub const MAX_BUCKET_NAME_BYTES: usize = 63;

/// Checks the sizes of what a request names, before anything is decided or written: a
/// bucket name of at most 63 bytes and keys and prefixes of at most 1024 (S3's limits). The
/// message is safe to show.
pub fn check_names<'a>(
    bucket: &str,
    keys: impl IntoIterator<Item = &'a str>,
) -> Result<(), String> {
    if bucket.len() > MAX_BUCKET_NAME_BYTES {
        return Err("A bucket name has at most 63 characters.".to_string());
    }
    if keys
        .into_iter()
        .any(|k| k.len() > iam::store::MAX_KEY_BYTES)
    {
        return Err("An object key or prefix is at most 1024 bytes long.".to_string());
    }
    Ok(())
}

/// Whether the data directory has room for an upload of `length` bytes (when known) and the
/// configured reserve after it.
pub fn has_room_for_upload(state: &AppState, length: Option<u64>) -> bool {
    let reserve = state.policy.upload_free_space_reserve;
    if reserve == 0 {
        return true;
    }
    match free_space(&state.policy.data_dir) {
        Ok(free) => free >= reserve.saturating_add(length.unwrap_or(0)),
        Err(e) => {
            // Unknown free space is not a reason to refuse; the store still fails cleanly
            // when the disk is full.
            tracing::warn!("free space of the data directory: {e}");
            true
        }
    }
}

#[cfg(unix)]
fn free_space(dir: &std::path::Path) -> std::io::Result<u64> {
    let stats = rustix::fs::statvfs(dir)?;
    Ok(stats.f_bavail.saturating_mul(stats.f_frsize))
}

#[cfg(not(unix))]
fn free_space(_dir: &std::path::Path) -> std::io::Result<u64> {
    Ok(u64::MAX)
}

impl ObjectRequester {
    /// Writes the audit event of one object action. `outcome` is the boundary's answer. An
    /// error means the event is not stored: a read must then not be answered.
    pub async fn audit(
        &self,
        state: &AppState,
        action: &str,
        bucket: &str,
        key: Option<&str>,
        outcome: Result<(), &CloudError>,
        extra: Value,
    ) -> Result<(), AuditError> {
        let (decision, reason) = match outcome {
            Ok(()) => (Decision::Allowed, Value::Null),
            Err(CloudError::Denied { detail }) => (Decision::Denied, detail.clone()),
            Err(CloudError::Expired) => (Decision::Denied, json!("the role session has expired")),
            Err(other) => (Decision::Info, json!({ "failed": other.to_string() })),
        };
        let mut detail = self.detail(state, bucket, key);
        if !reason.is_null() {
            detail["reason"] = reason;
        }
        self.append(state, action, decision, detail, extra).await
    }

    /// Writes that a changing action (upload, delete) is about to start. When this fails the
    /// action must not start: its outcome could not be audited either.
    pub async fn audit_attempt(
        &self,
        state: &AppState,
        action: &str,
        bucket: &str,
        key: Option<&str>,
        extra: Value,
    ) -> Result<(), AuditError> {
        let mut detail = self.detail(state, bucket, key);
        detail["attempt"] = json!(true);
        self.append(state, action, Decision::Info, detail, extra)
            .await
    }

    /// One audit event by this caller: `detail` with `extra`'s fields added.
    async fn append(
        &self,
        state: &AppState,
        action: &str,
        decision: Decision,
        mut detail: Value,
        extra: Value,
    ) -> Result<(), AuditError> {
        if let (Some(target), Value::Object(more)) = (detail.as_object_mut(), extra) {
            target.extend(more);
        }
        let event = AuditEvent::new(action, decision)
            .actor(self.user.arn())
            .account(&self.user.account_id)
            .client(self.client)
            .detail(detail);
        state.audit.append(event).await.inspect_err(|e| {
            tracing::error!("audit trail: {e}");
        })
    }

    fn detail(&self, state: &AppState, bucket: &str, key: Option<&str>) -> Value {
        json!({
            "bucket": bucket,
            "key": key,
            "backend": state.cloud.name(),
            "role_session": self.role.as_ref().map(|r| r.credentials.assumed_role_arn.clone()),
            "access_key_id": self.role.as_ref().map(|r| r.credentials.access_key_id.clone()),
        })
    }
}
