//! The server functions of the signed-in user's access keys (Security credentials): list,
//! create (the secret in the answer, once), activate or deactivate, delete.

use leptos::prelude::*;

pub use types::access_keys::*;

use types::error::ConsoleError;

#[cfg(feature = "ssr")]
mod server {
    use console::access_keys::{AccessKeyError, KeyStatus};
    use types::error::ConsoleError;

    use crate::api::extract::{SignedIn, caller, unavailable};

    /// One message per kind of refusal; the detail is in the audit trail or the log.
    pub fn user_error(e: AccessKeyError) -> ConsoleError {
        match e {
            AccessKeyError::TooMany => ConsoleError::not_allowed(format!(
                "You already have {} access keys. Delete one before you create another.",
                console::access_keys::MAX_KEYS_PER_USER
            )),
            AccessKeyError::NoSuchKey => ConsoleError::not_allowed("No such access key."),
            AccessKeyError::StepUpRequired => ConsoleError::StepUpRequired,
            AccessKeyError::Internal(e) => unavailable(e),
        }
    }

    pub fn status(active: bool) -> KeyStatus {
        if active {
            KeyStatus::Active
        } else {
            KeyStatus::Inactive
        }
    }

    pub async fn signed_in() -> Result<SignedIn, ConsoleError> {
        caller().await
    }
}

#[server(prefix = "/api", endpoint = "access_keys")]
pub async fn load_access_keys() -> Result<AccessKeysView, ConsoleError> {
    use console::access_keys::KeyStatus;
    use console::clock::minute_label;
    let caller = server::signed_in().await?;
    let keys = console::access_keys::list(&caller.request.state, &caller.user.key())
        .await
        .map_err(server::user_error)?;
    Ok(AccessKeysView {
        keys: keys
            .into_iter()
            .map(|k| AccessKeySummary {
                key_id: k.key_id,
                active: k.status == KeyStatus::Active,
                created: minute_label(k.created_at),
                last_used: k.last_used_at.map(|at| match k.last_used_service {
                    Some(service) => format!("{} ({service})", minute_label(at)),
                    None => minute_label(at),
                }),
            })
            .collect(),
        max_keys: MAX_ACCESS_KEYS,
    })
}

#[server(prefix = "/api", endpoint = "access_keys/create")]
pub async fn create_access_key() -> Result<CreatedAccessKey, ConsoleError> {
    let caller = server::signed_in().await?;
    console::access_keys::create(&caller.request.state, &caller.user, caller.request.client)
        .await
        .map_err(server::user_error)
}

#[server(prefix = "/api", endpoint = "access_keys/status")]
pub async fn set_access_key_status(key_id: String, active: bool) -> Result<(), ConsoleError> {
    let caller = server::signed_in().await?;
    console::access_keys::set_status(
        &caller.request.state,
        &caller.user,
        &key_id,
        server::status(active),
        caller.request.client,
    )
    .await
    .map_err(server::user_error)
}

#[server(prefix = "/api", endpoint = "access_keys/delete")]
pub async fn delete_access_key(key_id: String) -> Result<(), ConsoleError> {
    let caller = server::signed_in().await?;
    console::access_keys::delete(
        &caller.request.state,
        &caller.user,
        &key_id,
        caller.request.client,
    )
    .await
    .map_err(server::user_error)
}
