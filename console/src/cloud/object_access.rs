//! Who makes an object request, and the audit record of each one.
//!
//! The bucket pages' server functions and the server's streaming routes both start here: the
//! signed-in user, the role they hold (its credentials stay server-side), and the caller the
//! cloud boundary decides with. Every object action goes through [`ObjectRequester`]'s
//! methods, which write its audit event themselves: who, which role session, which action,
//! bucket and key, the decision and, for a denial, the reason. No caller can forget one.

use serde_json::{Value, json};
use tower_sessions_core::Session;

use crate::audit::{AuditError, AuditEvent, Decision};
use crate::client::ClientAddr;
use crate::cloud::objects::{CallerIdentity, ObjectCaller};
use crate::cloud::{
    BucketSummary, ByteRange, CloudError, DeleteOutcome, ListPage, ListRequest, ObjectDownload,
    ObjectInfo, ObjectUpload,
};
use crate::session::role_sessions::{self, TabRole};
use crate::session::{HeldRole, SessionError, SignedInUser};
use crate::state::AppState;

/// The signed-in user making an object request, and as whom it is decided.
pub struct ObjectRequester {
    pub user: SignedInUser,
    pub role: Option<HeldRole>,
    pub caller: ObjectCaller,
    pub client: ClientAddr,
}

#[derive(Debug, thiserror::Error)]
pub enum RequesterError {
    #[error(transparent)]
    Session(#[from] SessionError),
    /// The tab names a role session the user does not hold (any more): the request acts in
    /// no role, neither another one nor the user's own permissions.
    #[error("the tab's role session is not held")]
    RoleSessionEnded,
}

/// Who asks for objects: the signed-in `user` (the caller checked they are, and that they
/// have enrolled MFA where it is required) in the tab's role session `tab`, or as themself
/// when the tab names none.
pub async fn requester(
    state: &AppState,
    session: &Session,
    user: &SignedInUser,
    client: ClientAddr,
    tab: Option<&str>,
) -> Result<ObjectRequester, RequesterError> {
    let user = user.clone();
    let role = match role_sessions::for_tab(state, session, tab).await? {
        TabRole::Own => None,
        TabRole::Held(role) => Some(role),
        TabRole::Ended(_) => return Err(RequesterError::RoleSessionEnded),
    };
    let identity = match &role {
        Some(held) => CallerIdentity::Role(held.credentials.clone()),
        None => CallerIdentity::User { arn: user.arn() },
    };
    let caller = ObjectCaller {
        identity,
        mfa_authenticated_at: user.mfa.as_ref().map(|m| m.authenticated_at()),
        source_ip: client.0,
    };
    Ok(ObjectRequester {
        user,
        role,
        caller,
        client,
    })
}

/// The refusal of an object action whose audit event cannot be written: nothing the console
/// does to objects goes unaudited. Safe to show.
pub const AUDIT_UNAVAILABLE: &str = "The audit trail cannot be written right now, so this action was not carried out. Please try again later.";
/// The refusal of an upload while the data directory is short of space. Safe to show.
pub const LOW_ON_SPACE: &str =
    "The server is low on disk space, so uploads are paused. Please try again later.";
/// The most keys one delete request takes, as S3's DeleteObjects.
pub const MAX_DELETE_KEYS: usize = types::buckets::MAX_DELETE_KEYS;
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
    match free_space(&state.policy.free_space_dir) {
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

/// The answer of an audited object action: `Err` when its audit event could not be written
/// (a read is then not answered, a change not started), else the boundary's own answer.
pub type Audited<T> = Result<Result<T, CloudError>, AuditError>;

impl ObjectRequester {
    pub async fn list_buckets(&self, state: &AppState) -> Audited<Vec<BucketSummary>> {
        let result = state.cloud.list_buckets(&self.caller).await;
        let outcome = result.as_ref().map(|_| ());
        self.audit(state, "s3:ListAllMyBuckets", "*", None, outcome, json!({}))
            .await?;
        Ok(result)
    }

    pub async fn list_objects(
        &self,
        state: &AppState,
        bucket: &str,
        request: &ListRequest,
    ) -> Audited<ListPage> {
        let result = state
            .cloud
            .list_objects(&self.caller, bucket, request)
            .await;
        let extra = json!({ "prefix": request.prefix, "delimiter": request.delimiter });
        let outcome = result.as_ref().map(|_| ());
        self.audit(state, "s3:ListBucket", bucket, None, outcome, extra)
            .await?;
        Ok(result)
    }

    pub async fn head_object(
        &self,
        state: &AppState,
        bucket: &str,
        key: &str,
    ) -> Audited<ObjectInfo> {
        let result = state.cloud.head_object(&self.caller, bucket, key).await;
        let outcome = result.as_ref().map(|_| ());
        self.audit(
            state,
            "s3:HeadObject",
            bucket,
            Some(key),
            outcome,
            json!({}),
        )
        .await?;
        Ok(result)
    }

    /// A download (`range` as the client asked for it, for the record).
    pub async fn get_object(
        &self,
        state: &AppState,
        bucket: &str,
        key: &str,
        range: Option<ByteRange>,
        asked_range: Option<&str>,
    ) -> Audited<ObjectDownload> {
        let result = state
            .cloud
            .get_object(&self.caller, bucket, key, range)
            .await;
        let outcome = result.as_ref().map(|_| ());
        let extra = json!({ "range": asked_range });
        self.audit(state, "s3:GetObject", bucket, Some(key), outcome, extra)
            .await?;
        Ok(result)
    }

    /// An upload: the attempt is audited before any byte is stored, the outcome after (a
    /// failure to write that one is logged: the object is stored by then). `extra` goes
    /// with both events.
    pub async fn put_object(
        &self,
        state: &AppState,
        bucket: &str,
        key: &str,
        upload: ObjectUpload,
        extra: Value,
    ) -> Audited<ObjectInfo> {
        self.audit_attempt(state, "s3:PutObject", bucket, Some(key), extra.clone())
            .await?;
        let result = state
            .cloud
            .put_object(&self.caller, bucket, key, upload)
            .await;
        let mut extra = extra;
        if let Value::Object(fields) = &mut extra {
            fields.insert(
                "size".into(),
                json!(result.as_ref().ok().map(|info| info.size)),
            );
        }
        let outcome = result.as_ref().map(|_| ());
        let _ = self
            .audit(state, "s3:PutObject", bucket, Some(key), outcome, extra)
            .await;
        Ok(result)
    }

    /// Deletes `keys` (at most [`MAX_DELETE_KEYS`]: more are refused as a whole, with one
    /// audit event): the attempt is audited first, then each key's outcome.
    pub async fn delete_objects(
        &self,
        state: &AppState,
        bucket: &str,
        keys: &[String],
    ) -> Audited<DeleteOutcome> {
        let extra = json!({ "keys": keys.len() });
        if keys.len() > MAX_DELETE_KEYS {
            let refusal = CloudError::Denied {
                detail: json!(format!(
                    "{} keys in one request; at most {MAX_DELETE_KEYS} are accepted",
                    keys.len()
                )),
            };
            self.audit(
                state,
                "s3:DeleteObjects",
                bucket,
                None,
                Err(&refusal),
                extra,
            )
            .await?;
            return Ok(Err(CloudError::Invalid(format!(
                "Delete at most {MAX_DELETE_KEYS} objects at a time."
            ))));
        }
        // Nothing is deleted unless its audit trail can be written.
        self.audit_attempt(state, "s3:DeleteObjects", bucket, None, extra.clone())
            .await?;
        let result = state.cloud.delete_objects(&self.caller, bucket, keys).await;
        // The deletions have happened by now: a failed write below is logged by `audit`.
        match &result {
            Ok(outcome) => {
                let failed = outcome
                    .failed
                    .iter()
                    .map(|(key, message)| (key, Some(message)));
                let each = outcome.deleted.iter().map(|key| (key, None)).chain(failed);
                for (key, failure) in each {
                    let denied = failure.map(|message| CloudError::Denied {
                        detail: json!({ "message": message }),
                    });
                    let outcome = denied.as_ref().map_or(Ok(()), Err);
                    let _ = self
                        .audit(
                            state,
                            "s3:DeleteObject",
                            bucket,
                            Some(key),
                            outcome,
                            json!({}),
                        )
                        .await;
                }
            }
            Err(e) => {
                let _ = self
                    .audit(state, "s3:DeleteObjects", bucket, None, Err(e), extra)
                    .await;
            }
        }
        Ok(result)
    }

    /// Writes the audit event of one object action. `outcome` is the boundary's answer. An
    /// error means the event is not stored: a read must then not be answered.
    async fn audit(
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
    async fn audit_attempt(
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
            "role_session": self.role.as_ref().map(|r| r.session_id.clone()),
            "assumed_role_arn": self.role.as_ref().map(|r| r.credentials.assumed_role_arn.clone()),
            "access_key_id": self.role.as_ref().map(|r| r.credentials.access_key_id.clone()),
            "context": crate::simulator::recorded_context(
                self.caller.mfa_authenticated_at,
                crate::clock::now_utc(),
            ),
        })
    }
}
