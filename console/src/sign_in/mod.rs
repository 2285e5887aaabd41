//! The password step of signing in, as an IAM user signs in to the AWS console: account (ID or
//! alias), user name, password.
//!
//! Every failure looks the same to the person signing in ("your authentication information is
//! incorrect"); the audit trail records which check failed.

use std::time::Duration;

use serde_json::json;

use crate::audit::{AuditEvent, Decision};
use crate::client::ClientAddr;
use crate::rate_limit::FailureCountersError;
use crate::session::SignedInUser;
use crate::state::AppState;

pub mod password;
pub use password::{PasswordVerifier, hash_password};

/// Longer input is refused before hashing, so nobody can make the server hash megabytes.
pub const MAX_PASSWORD_BYTES: usize = 1024;
/// IAM's limit for user names; account aliases have at most 63 characters, IDs 12 digits.
pub const MAX_NAME_CHARS: usize = 64;

#[derive(Debug, thiserror::Error)]
pub enum SignInError {
    #[error("invalid credentials")]
    InvalidCredentials,
    /// Over-long input or control characters: refused before anything is written.
    #[error("malformed sign-in input")]
    Malformed,
    #[error("too many failed attempts; retry in {retry_after:?}")]
    TooManyAttempts { retry_after: Duration },
    #[error("internal error: {0}")]
    Internal(String),
}

/// Whether typed sign-in input fits what IAM allows: account IDs and aliases and user names
/// of at most 64 characters, no control characters, a password of at most
/// [`MAX_PASSWORD_BYTES`]. Anything else is refused before it is hashed, counted or audited,
/// so that nobody can make the server store or hash what they send.
pub fn is_well_formed(account: &str, user_name: &str, password: &str) -> bool {
    let name_fits =
        |name: &str| name.chars().count() <= MAX_NAME_CHARS && !name.chars().any(char::is_control);
    name_fits(account.trim()) && name_fits(user_name.trim()) && password.len() <= MAX_PASSWORD_BYTES
}

/// The password step. On success the caller starts the session.
pub async fn authenticate(
    state: &AppState,
    account: &str,
    user_name: &str,
    password: &str,
    client: ClientAddr,
) -> Result<SignedInUser, SignInError> {
    if !is_well_formed(account, user_name, password) {
        return Err(SignInError::Malformed);
    }
    let account = account.trim();
    let user_name = user_name.trim();
    let resolved_account = state.directory.account(account);
    let user = resolved_account.and_then(|a| a.user(user_name));
    // One key per user however the name is spelled (lookups ignore case), and one per
    // unknown name in lower case; it does not tell whether the account or user exists.
    let account_key = resolved_account
        .map(|a| a.id().to_string())
        .unwrap_or_else(|| account.to_lowercase());
    let user_key = match user {
        Some(user) => format!("{account_key}/{}", user.name()),
        None => format!("{account_key}/{}", user_name.to_lowercase()),
    };
    let client_key = client.to_string();

    let limits = &state.sign_in_limits;
    flush_throttled_windows(state).await?;
    let throttled = match limits
        .per_client
        .check(&client_key)
        .await
        .map_err(counters)?
    {
        Some(retry_after) => Some((format!("client {client_key}"), retry_after)),
        None => limits
            .per_user
            .check(&user_key)
            .await
            .map_err(counters)?
            .map(|retry_after| (format!("user {user_key}"), retry_after)),
    };
    if let Some((throttle_key, retry_after)) = throttled {
        // One event when a key's throttling starts; the attempts after it inside the window
        // are counted and written as one event when the window has passed.
        if limits.throttled.note(&throttle_key, &user_key, client) {
            record(
                state,
                AuditEvent::new("SignIn", Decision::Denied)
                    .actor(&user_key)
                    .client(client)
                    .detail(json!({
                        "reason": "rate limited",
                        "throttled": throttle_key,
                        "retry_after_seconds": retry_after.as_secs(),
                    })),
            )
            .await?;
        }
        return Err(SignInError::TooManyAttempts { retry_after });
    }

    let well_formed = !account.is_empty() && !user_name.is_empty();
    let hash = if well_formed {
        user.and_then(|u| u.password_hash())
    } else {
        None
    };
    let matched = state
        .passwords
        .verify(hash, password)
        .await
        .map_err(SignInError::Internal)?;

    match (resolved_account, user) {
        (Some(account), Some(user)) if matched => {
            limits.per_user.reset(&user_key).await.map_err(counters)?;
            let signed_in = SignedInUser::new(account.id(), user.name());
            record(
                state,
                AuditEvent::new("SignIn", Decision::Allowed)
                    .actor(signed_in.arn())
                    .account(account.id())
                    .client(client)
                    .detail(json!({ "step": "password" })),
            )
            .await?;
            Ok(signed_in)
        }
        _ => {
            limits
                .per_user
                .record_failure(&user_key)
                .await
                .map_err(counters)?;
            limits
                .per_client
                .record_failure(&client_key)
                .await
                .map_err(counters)?;
            let reason = match (resolved_account, user) {
                _ if !well_formed => "malformed input",
                (None, _) => "unknown account",
                (Some(_), None) => "unknown user",
                (Some(_), Some(u)) if u.password_hash().is_none() => "user has no console password",
                _ => "wrong password",
            };
            let mut event = AuditEvent::new("SignIn", Decision::Denied)
                .actor(&user_key)
                .client(client)
                .detail(json!({ "reason": reason }));
            if let Some(account) = resolved_account {
                event = event.account(account.id());
            }
            record(state, event).await?;
            Err(SignInError::InvalidCredentials)
        }
    }
}

/// Writes the count of every throttling window that has passed.
async fn flush_throttled_windows(state: &AppState) -> Result<(), SignInError> {
    for window in state.sign_in_limits.throttled.closed() {
        record(
            state,
            AuditEvent::new("SignInThrottled", Decision::Denied)
                .actor(&window.actor)
                .client(window.client)
                .detail(json!({
                    "reason": "rate limited attempts in one window",
                    "throttled": window.key,
                    "attempts": window.attempts,
                    "window_seconds": window.length.as_secs(),
                })),
        )
        .await?;
    }
    Ok(())
}

/// The counters deciding lock-outs are unavailable: refuse rather than stop counting.
fn counters(e: FailureCountersError) -> SignInError {
    SignInError::Internal(e.to_string())
}

async fn record(state: &AppState, event: AuditEvent) -> Result<(), SignInError> {
    state
        .audit
        .append(event)
        .await
        .map_err(|e| SignInError::Internal(e.to_string()))
}
