//! The one boundary to the cloud. Pages, server functions and sessions talk to this interface;
//! the local IAM engine (default) or AWS sits below it, and the console cannot tell which.

pub mod aws;
pub mod local;
pub mod object_access;
pub mod objects;

use std::net::IpAddr;
use std::time::Duration;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

pub use crate::cloud::objects::{
    BucketSummary, ByteRange, ByteStream, DeleteOutcome, ListPage, ListRequest, ObjectCaller,
    ObjectDownload, ObjectInfo, ObjectUpload,
};

/// A request to hold a role, on behalf of a signed-in console user.
#[derive(Clone, Debug)]
pub struct SwitchRequest {
    pub caller_arn: String,
    pub role_arn: String,
    /// RoleSessionName and SourceIdentity: the console user name.
    pub session_name: String,
    pub source_identity: String,
    /// When the user last proved MFA in this console session.
    pub mfa_authenticated_at: Option<OffsetDateTime>,
    pub source_ip: IpAddr,
    /// `None`: the role's default duration.
    pub duration: Option<Duration>,
    /// The current code of the AWS MFA device configured for the role (AWS backend, roles with
    /// an `mfa_serial`); `None` everywhere else.
    pub token_code: Option<String>,
    /// The identity policies of the user's access grants in force, decided beside their own.
    pub granted: Vec<iam::NamedPolicy>,
    /// The role session ends at this time at the latest (the end of the grant it is made
    /// under): the credentials expire then.
    pub not_after: Option<OffsetDateTime>,
    /// `ExternalId` and the session `Policy` (JSON) of an `AssumeRole` through the embedded
    /// organisation's API; the console's own switches send neither.
    pub external_id: Option<String>,
    pub session_policy: Option<String>,
}

/// Temporary credentials held server-side. They are kept in the server-side session record and
/// never sent to the browser; `Debug` hides the secrets.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeldCredentials {
    pub access_key_id: String,
    pub secret_access_key: String,
    pub session_token: String,
    /// Unix time.
    pub expiration: i64,
    pub assumed_role_arn: String,
}

impl HeldCredentials {
    /// Whether they have run out at `now` (the console's own limit included: see
    /// `role_session_limit`). Every backend refuses role actions after this.
    pub fn expired_at(&self, now: OffsetDateTime) -> bool {
        now.unix_timestamp() >= self.expiration
    }
}

impl std::fmt::Debug for HeldCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HeldCredentials")
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"<redacted>")
            .field("session_token", &"<redacted>")
            .field("expiration", &self.expiration)
            .field("assumed_role_arn", &self.assumed_role_arn)
            .finish()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum CloudError {
    /// The request is malformed; the message is safe to show.
    #[error("{0}")]
    Invalid(String),
    /// Not allowed. `detail` (deciding policies and statements) is for the audit trail only.
    #[error("not allowed")]
    Denied { detail: serde_json::Value },
    /// No such bucket or key; the message names which and is safe to show.
    #[error("{0}")]
    NotFound(String),
    /// The held credentials have expired (or were revoked): role actions are refused.
    #[error("the role session has expired")]
    Expired,
    /// A download range that selects no byte of an object of `size` bytes (HTTP 416).
    #[error("the requested range is not satisfiable")]
    RangeNotSatisfiable { size: u64 },
    /// An upload larger than the configured limit.
    #[error("the object is larger than the {limit}-byte upload limit")]
    TooLarge { limit: u64 },
    /// The backend failed; logged, not shown.
    #[error("cloud backend unavailable: {0}")]
    Unavailable(String),
}

#[async_trait]
pub trait CloudBackend: Send + Sync {
    /// `local` or `aws`, for logs and the audit trail.
    fn name(&self) -> &'static str;
    async fn assume_role(&self, request: &SwitchRequest) -> Result<HeldCredentials, CloudError>;
    /// Whether switching to `role_arn` needs the current code of an AWS MFA device
    /// (`SwitchRequest::token_code`). The Switch Role form then asks for one.
    fn requires_token_code(&self, _role_arn: &str) -> bool {
        false
    }
    /// A URL that signs the browser into the cloud provider's own console as the held role
    /// session (AWS federation), or `None` where there is no such console. The URL carries a
    /// short-lived sign-in token, never the credentials.
    async fn console_sign_in_url(
        &self,
        _credentials: &HeldCredentials,
    ) -> Result<Option<String>, CloudError> {
        Ok(None)
    }
    /// Whether `console_sign_in_url` can give a URL (the page offers the link then).
    fn offers_console_sign_in(&self) -> bool {
        false
    }
    /// Forgets credentials early (switch back). Idempotent.
    async fn release(&self, credentials: &HeldCredentials) -> Result<(), CloudError>;
    /// Ends the credentials with this access key ID now, where the cloud can (local: revoked;
    /// AWS cannot end one role session early, the console forgets it). Idempotent.
    async fn revoke_access_key(&self, _access_key_id: &str) -> Result<(), CloudError> {
        Ok(())
    }

    // Object operations (S3 semantics). Each is made as `caller`: with the held role
    // credentials, or with the signed-in user's own permissions. A refusal is
    // `CloudError::Denied`, whose detail goes to the audit trail.

    /// ListAllMyBuckets (`s3:ListAllMyBuckets`).
    async fn list_buckets(&self, caller: &ObjectCaller) -> Result<Vec<BucketSummary>, CloudError>;
    /// ListObjectsV2 (`s3:ListBucket`, with the `s3:prefix` and `s3:delimiter` keys).
    async fn list_objects(
        &self,
        caller: &ObjectCaller,
        bucket: &str,
        request: &ListRequest,
    ) -> Result<ListPage, CloudError>;
    /// HeadObject (`s3:GetObject`).
    async fn head_object(
        &self,
        caller: &ObjectCaller,
        bucket: &str,
        key: &str,
    ) -> Result<ObjectInfo, CloudError>;
    /// GetObject (`s3:GetObject`), streamed: the body is never held in memory whole.
    async fn get_object(
        &self,
        caller: &ObjectCaller,
        bucket: &str,
        key: &str,
        range: Option<ByteRange>,
    ) -> Result<ObjectDownload, CloudError>;
    /// PutObject (`s3:PutObject`), streamed from `upload.body`. Nothing is visible under the
    /// key until the whole body has arrived; a failed upload leaves the previous object.
    async fn put_object(
        &self,
        caller: &ObjectCaller,
        bucket: &str,
        key: &str,
        upload: ObjectUpload,
    ) -> Result<ObjectInfo, CloudError>;
    /// DeleteObjects (`s3:DeleteObject` per key), at most 1000 keys; reported key by key.
    async fn delete_objects(
        &self,
        caller: &ObjectCaller,
        bucket: &str,
        keys: &[String],
    ) -> Result<DeleteOutcome, CloudError>;
}
