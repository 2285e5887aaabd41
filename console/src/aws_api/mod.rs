//! The embedded organisation's AWS API: the second door of the story, where the AWS CLI and
//! SDKs sign requests with a console user's access key (SigV4) and the same engine decides as
//! in the console. This module authenticates a request; [`sts`] answers STS's Query protocol.
//! Only the local backend has this door: with `backend = "aws"`, AWS is the API.

pub mod sigv4;
pub mod sts;

use serde_json::json;

use crate::audit::{AuditEvent, Decision};
use crate::client::ClientAddr;
use crate::mfa::store::UserKey;
use crate::rate_limit::FailureCounters;
use crate::state::AppState;
use sigv4::{Authorization, ReceivedRequest, SigV4Error, SigningSecret};

/// A refusal in AWS's words: the error code clients match on, the HTTP status, a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub code: &'static str,
    pub status: u16,
    pub message: String,
}

impl ApiError {
    pub fn new(code: &'static str, status: u16, message: impl Into<String>) -> Self {
        ApiError {
            code,
            status,
            message: message.into(),
        }
    }

    pub fn access_denied(message: impl Into<String>) -> Self {
        Self::new("AccessDenied", 403, message)
    }

    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new("ValidationError", 400, message)
    }

    pub fn internal() -> Self {
        Self::new(
            "InternalFailure",
            500,
            "The request could not be completed.",
        )
    }

    fn invalid_key() -> Self {
        Self::new(
            "InvalidClientTokenId",
            403,
            "The security token included in the request is invalid.",
        )
    }
}

impl From<SigV4Error> for ApiError {
    fn from(e: SigV4Error) -> Self {
        let code = match e {
            SigV4Error::Missing => "MissingAuthenticationToken",
            SigV4Error::Incomplete(_) => "IncompleteSignature",
            SigV4Error::Expired | SigV4Error::Mismatch => "SignatureDoesNotMatch",
        };
        let status = if matches!(e, SigV4Error::Incomplete(_)) {
            400
        } else {
            403
        };
        ApiError::new(code, status, e.to_string())
    }
}

/// The console user whose access key signed a request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiCaller {
    pub user: UserKey,
    pub access_key_id: String,
}

impl ApiCaller {
    pub fn arn(&self) -> String {
        self.user.arn()
    }
}

/// The limiter key of one access key: failed signatures count per key as failed sign-ins count
/// per user, with the same limits.
fn key_limit(access_key_id: &str) -> String {
    format!("access-key/{access_key_id}")
}

/// Who signed `request`, for `service`. Unknown, inactive and deleted keys, bad signatures and
/// stale dates are refused; each failure counts against the key and the client address with the
/// sign-in limits, and a key or address over them is refused before any check.
pub async fn authenticate(
    state: &AppState,
    request: &ReceivedRequest<'_>,
    authorization: Option<&str>,
    service: &str,
    client: ClientAddr,
) -> Result<ApiCaller, ApiError> {
    let authorization: Authorization = sigv4::parse_authorization(authorization)?;
    if authorization.service != service {
        return Err(ApiError::new(
            "IncompleteSignature",
            400,
            format!("Credential should be scoped to the {service} service."),
        ));
    }
    let limits = &state.sign_in_limits;
    let client_key = client.to_string();
    // Addresses count with sign-in's per-client counters, keys with its per-user ones.
    let counters = [
        (&limits.per_client, client_key),
        (&limits.per_user, key_limit(&authorization.access_key_id)),
    ];
    for (counter, key) in &counters {
        match counter.check(key).await {
            Ok(None) => {}
            Ok(Some(_)) => {
                return Err(ApiError::new(
                    "Throttling",
                    400,
                    "Too many failed requests. Try again later.",
                ));
            }
            Err(e) => {
                tracing::error!("API limiter: {e}");
                return Err(ApiError::internal());
            }
        }
    }
    let key = crate::access_keys::signing_key(state, &authorization.access_key_id)
        .await
        .map_err(|e| {
            tracing::error!("API: {e}");
            ApiError::internal()
        })?;
    let refused = Refused {
        state,
        counters: &counters,
        client,
        access_key_id: &authorization.access_key_id,
        service,
    };
    let Some(key) = key else {
        let reason = "unknown, inactive or deleted access key";
        return Err(refused.record(None, reason, ApiError::invalid_key()).await);
    };
    let secret = SigningSecret {
        secret_access_key: &key.secret_access_key,
        session_token: None,
    };
    if let Err(e) = sigv4::verify(request, &authorization, &secret, crate::clock::now_utc()) {
        // The key's owner is named: a wrong signature with their key is theirs to know of.
        return Err(refused
            .record(Some(key.owner.arn()), &e.to_string(), e.into())
            .await);
    }
    if let Err(e) = state
        .access_keys
        .touch(&authorization.access_key_id, crate::clock::now(), service)
        .await
    {
        // The request is genuine; only "last used" is behind.
        tracing::warn!("access key last used: {e}");
    }
    Ok(ApiCaller {
        user: key.owner,
        access_key_id: authorization.access_key_id,
    })
}

/// A request refused before it was known to be genuine: counted and audited.
struct Refused<'a> {
    state: &'a AppState,
    counters: &'a [(&'a std::sync::Arc<dyn FailureCounters>, String)],
    client: ClientAddr,
    access_key_id: &'a str,
    service: &'a str,
}

impl Refused<'_> {
    async fn record(&self, owner: Option<String>, reason: &str, error: ApiError) -> ApiError {
        for (counter, key) in self.counters {
            if let Err(e) = counter.record_failure(key).await {
                // Still refused; only its count towards a lock-out is lost.
                tracing::error!("API limiter: {e}");
            }
        }
        let mut event = AuditEvent::new("ApiAuthentication", Decision::Denied)
            .client(self.client)
            .detail(json!({
                "access_key_id": self.access_key_id,
                "service": self.service,
                "reason": reason,
            }));
        if let Some(owner) = owner {
            event = event.actor(owner);
        }
        if let Err(e) = self.state.audit.append(event).await {
            tracing::error!("audit: {e}");
        }
        error
    }
}
