//! The one boundary to the cloud. Pages, server functions and sessions talk to this interface;
//! the local IAM engine (default) or AWS sits below it, and the console cannot tell which.

use std::net::IpAddr;
use std::time::Duration;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

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
    /// The backend failed; logged, not shown.
    #[error("cloud backend unavailable: {0}")]
    Unavailable(String),
}

#[async_trait]
pub trait CloudBackend: Send + Sync {
    /// `local` or `aws`, for logs and the audit trail.
    fn name(&self) -> &'static str;
    async fn assume_role(&self, request: &SwitchRequest) -> Result<HeldCredentials, CloudError>;
    /// Forgets credentials early (switch back). Idempotent.
    async fn release(&self, credentials: &HeldCredentials) -> Result<(), CloudError>;
}
