//! Access keys of console users, as IAM has them: at most two per user, an `AKIA…` ID and a
//! secret shown once at creation and never again, active or inactive, "last used". They sign
//! AWS API requests to the embedded organisation (SigV4 needs the secret back, so it is sealed
//! with the MFA data key, not hashed). Creating or re-activating a key needs a fresh MFA when
//! the user has a device; every change is audited.

pub mod store;

use std::time::Duration;

use serde_json::json;

use crate::audit::{AuditEvent, Decision};
use crate::client::ClientAddr;
use crate::clock::now;
use crate::mfa::store::UserKey;
use crate::session::SignedInUser;
use crate::state::AppState;
pub use store::{AccessKeyRecord, AccessKeyStore, AccessKeyStoreError, KeyStatus, SqlAccessKeys};
use types::access_keys::CreatedAccessKey;

/// Keys per user at most, as IAM allows.
pub const MAX_KEYS_PER_USER: i64 = 2;

/// Creating or re-activating a key needs an MFA at most this old (when the user has a device):
/// a long-term credential outlives the session that made it.
pub const KEY_CHANGE_MAX_MFA_AGE: Duration = Duration::from_secs(5 * 60);

#[derive(Debug, thiserror::Error)]
pub enum AccessKeyError {
    #[error("the user already has {MAX_KEYS_PER_USER} access keys")]
    TooMany,
    #[error("no such access key")]
    NoSuchKey,
    #[error("a fresh MFA is needed")]
    StepUpRequired,
    #[error("access keys: {0}")]
    Internal(String),
}

impl From<AccessKeyStoreError> for AccessKeyError {
    fn from(e: AccessKeyStoreError) -> Self {
        AccessKeyError::Internal(e.to_string())
    }
}

/// What signing a request with a key needs: its owner and its secret, if the key is active.
#[derive(Clone, PartialEq, Eq)]
pub struct SigningKey {
    pub owner: UserKey,
    pub secret_access_key: String,
}

/// The associated data a key's secret is sealed with: a sealed secret copied to another key
/// or another user's row does not open, nor does a TOTP secret's.
fn sealing_label(key_id: &str, owner: &UserKey) -> String {
    format!("access-key/{key_id}/{}", owner.owner())
}

/// A user's keys, oldest first (no secrets).
pub async fn list(
    state: &AppState,
    user: &UserKey,
) -> Result<Vec<AccessKeyRecord>, AccessKeyError> {
    Ok(state.access_keys.list(user).await?)
}

/// Creates a key for the signed-in user and returns it with its secret: the only time the
/// secret leaves the server.
pub async fn create(
    state: &AppState,
    user: &SignedInUser,
    client: Option<ClientAddr>,
) -> Result<CreatedAccessKey, AccessKeyError> {
    let owner = user.key();
    fresh_mfa_if_enrolled(state, user).await?;
    let key_id = iam::sts::random_key_id(iam::sts::LONG_TERM_KEY_PREFIX);
    let secret_access_key = iam::sts::random_secret_access_key();
    let sealed_secret = state
        .mfa
        .cipher
        .encrypt(
            secret_access_key.as_bytes(),
            &sealing_label(&key_id, &owner),
        )
        .map_err(|e| AccessKeyError::Internal(e.to_string()))?;
    let record = AccessKeyRecord {
        key_id: key_id.clone(),
        owner: owner.clone(),
        sealed_secret,
        status: KeyStatus::Active,
        created_at: now(),
        last_used_at: None,
        last_used_service: None,
    };
    if !state
        .access_keys
        .insert_bounded(&record, MAX_KEYS_PER_USER)
        .await?
    {
        audit(
            state,
            "CreateAccessKey",
            Decision::Denied,
            &owner,
            client,
            json!({ "reason": "limit", "max": MAX_KEYS_PER_USER }),
        )
        .await?;
        return Err(AccessKeyError::TooMany);
    }
    // A key nobody can trace must not exist: without its audit event it is removed again.
    if let Err(e) = audit(
        state,
        "CreateAccessKey",
        Decision::Allowed,
        &owner,
        client,
        json!({ "access_key_id": key_id }),
    )
    .await
    {
        state.access_keys.delete(&owner, &key_id).await?;
        return Err(e);
    }
    Ok(CreatedAccessKey {
        key_id,
        secret_access_key,
    })
}

/// Makes one of the user's keys active or inactive. Activating needs a fresh MFA when the
/// user has a device; deactivating never does (it only takes power away).
pub async fn set_status(
    state: &AppState,
    user: &SignedInUser,
    key_id: &str,
    status: KeyStatus,
    client: Option<ClientAddr>,
) -> Result<(), AccessKeyError> {
    let owner = user.key();
    if status == KeyStatus::Active {
        fresh_mfa_if_enrolled(state, user).await?;
    }
    if !state.access_keys.set_status(&owner, key_id, status).await? {
        return Err(AccessKeyError::NoSuchKey);
    }
    audit(
        state,
        "UpdateAccessKey",
        Decision::Allowed,
        &owner,
        client,
        json!({ "access_key_id": key_id, "status": status.as_str() }),
    )
    .await
}

/// Deletes one of the user's keys: requests it signs are refused from now on.
pub async fn delete(
    state: &AppState,
    user: &SignedInUser,
    key_id: &str,
    client: Option<ClientAddr>,
) -> Result<(), AccessKeyError> {
    let owner = user.key();
    if !state.access_keys.delete(&owner, key_id).await? {
        return Err(AccessKeyError::NoSuchKey);
    }
    audit(
        state,
        "DeleteAccessKey",
        Decision::Allowed,
        &owner,
        client,
        json!({ "access_key_id": key_id }),
    )
    .await
}

/// The owner and secret of an active key whose owner is still a user of the directory; `None`
/// for an unknown, inactive or orphaned key, or a secret that does not open (all refused alike).
pub async fn signing_key(
    state: &AppState,
    key_id: &str,
) -> Result<Option<SigningKey>, AccessKeyError> {
    let Some(record) = state.access_keys.find(key_id).await? else {
        return Ok(None);
    };
    let still_a_user = state
        .directory
        .account(&record.owner.account_id)
        .and_then(|a| a.user(&record.owner.user_name))
        .is_some();
    if record.status != KeyStatus::Active || !still_a_user {
        return Ok(None);
    }
    let opened = state.mfa.cipher.decrypt(
        &record.sealed_secret,
        &sealing_label(&record.key_id, &record.owner),
    );
    let secret = match opened.map(String::from_utf8) {
        Ok(Ok(secret)) => secret,
        _ => {
            tracing::error!(key_id, "an access key's sealed secret does not open");
            return Ok(None);
        }
    };
    Ok(Some(SigningKey {
        owner: record.owner,
        secret_access_key: secret,
    }))
}

async fn fresh_mfa_if_enrolled(
    state: &AppState,
    user: &SignedInUser,
) -> Result<(), AccessKeyError> {
    crate::mfa::require_recent_mfa_if_enrolled(state, user, KEY_CHANGE_MAX_MFA_AGE)
        .await
        .map_err(|e| match e {
            crate::mfa::MfaError::StepUpRequired => AccessKeyError::StepUpRequired,
            other => AccessKeyError::Internal(other.to_string()),
        })
}

async fn audit(
    state: &AppState,
    action: &str,
    decision: Decision,
    owner: &UserKey,
    client: Option<ClientAddr>,
    detail: serde_json::Value,
) -> Result<(), AccessKeyError> {
    let mut event = AuditEvent::new(action, decision)
        .actor(owner.arn())
        .account(&owner.account_id)
        .detail(detail);
    if let Some(client) = client {
        event = event.client(client);
    }
    state
        .audit
        .append(event)
        .await
        .map(|_| ())
        .map_err(|e| AccessKeyError::Internal(format!("audit: {e}")))
}

#[cfg(test)]
mod tests;
