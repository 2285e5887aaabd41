//! Multi-factor authentication as the pages see it: the shapes the browser may know (never a
//! secret, except the TOTP secret once, during its enrolment) and the server functions.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// The message of a server-function error that means "confirm with MFA, then retry".
pub const STEP_UP_REQUIRED: &str = "Confirm this action with your MFA device.";
/// Removing a device, or adding one when the user has one, needs an MFA at most this old.
pub const REMOVE_DEVICE_MAX_MFA_AGE_SECONDS: u64 = 5 * 60;

/// True when a server function refused because the session's MFA is missing or too old.
pub fn is_step_up_required(error: &ServerFnError) -> bool {
    error_message(error) == STEP_UP_REQUIRED
}

/// The text of a server-function error, as the user may read it.
pub use crate::components::page::error_message;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceSummary {
    pub id: String,
    pub name: String,
    /// "Authenticator app" or "Security key or passkey".
    pub kind: String,
    pub added: String,
    pub last_used: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecurityCredentials {
    pub user_label: String,
    pub devices: Vec<DeviceSummary>,
    pub max_devices: usize,
    /// MFA is required and no device is enrolled yet.
    pub must_enrol: bool,
}

/// Shown once, while an authenticator app is being set up.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TotpSetupView {
    pub qr_data_url: String,
    pub secret_base32: String,
}

#[cfg(feature = "ssr")]
mod server {
    use leptos::prelude::*;

    use crate::services::mfa::MfaError;

    pub use crate::services::server_fn::{request, unavailable};

    /// One generic message per kind of failure; the reason is in the audit trail.
    pub fn user_error(e: MfaError) -> ServerFnError {
        ServerFnError::new(match e {
            MfaError::Rejected => {
                "The MFA code or security key was not accepted. Please try again."
            }
            MfaError::LockedOut { .. } => {
                "Too many failed MFA attempts. MFA is locked for this user for a while; try again later."
            }
            MfaError::NoDevice => "No such MFA device.",
            MfaError::TooManyDevices => "You have reached the maximum number of MFA devices.",
            MfaError::DuplicateName => "You already have an MFA device with this name.",
            MfaError::InvalidName => "Enter a device name of 1 to 64 characters.",
            MfaError::Expired => "This request has expired. Please start again.",
            MfaError::StepUpRequired => super::STEP_UP_REQUIRED,
            MfaError::Internal(e) => return unavailable(e),
        })
    }

    /// Refuses to add a device without a recent MFA with one the user already has.
    pub async fn may_add_device(
        request: &crate::services::server_fn::Request,
        user: &crate::services::session::SignedInUser,
    ) -> Result<(), ServerFnError> {
        let max_age = std::time::Duration::from_secs(super::REMOVE_DEVICE_MAX_MFA_AGE_SECONDS);
        crate::services::mfa::may_add_device(&request.state, &request.session, &user.key(), max_age)
            .await
            .map_err(user_error)
    }

    pub fn format_time(unix: i64) -> String {
        let format = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute] UTC");
        time::OffsetDateTime::from_unix_timestamp(unix)
            .ok()
            .and_then(|t| t.format(&format).ok())
            .unwrap_or_default()
    }

    pub fn to_json<T: serde::Serialize>(value: &T) -> Result<String, ServerFnError> {
        serde_json::to_string(value).map_err(unavailable)
    }
}

#[server(prefix = "/api", endpoint = "mfa/devices")]
pub async fn load_security_credentials() -> Result<SecurityCredentials, ServerFnError> {
    use crate::services::mfa::store::DeviceKind;
    let request = server::request().await?;
    let user = request.user(true).await?;
    let devices = request
        .state
        .mfa
        .store
        .devices(&user.key())
        .await
        .map_err(server::unavailable)?;
    Ok(SecurityCredentials {
        user_label: request.state.identity_summary(&user).label(),
        devices: devices
            .into_iter()
            .map(|d| DeviceSummary {
                id: d.id,
                name: d.name,
                kind: match d.kind {
                    DeviceKind::Totp => "Authenticator app",
                    DeviceKind::WebAuthn => "Security key or passkey",
                }
                .to_string(),
                added: server::format_time(d.created_at),
                last_used: d.last_used_at.map(server::format_time),
            })
            .collect(),
        max_devices: request.state.mfa.max_devices,
        must_enrol: user.must_enrol,
    })
}

#[server(prefix = "/api", endpoint = "mfa/totp/start")]
pub async fn start_totp_enrolment(name: String) -> Result<TotpSetupView, ServerFnError> {
    let request = server::request().await?;
    let user = request.user(true).await?;
    server::may_add_device(&request, &user).await?;
    let setup = crate::services::mfa::start_totp_enrolment(
        &request.state,
        &request.session,
        &user.key(),
        &request.account_label(&user),
        &name,
    )
    .await
    .map_err(server::user_error)?;
    Ok(TotpSetupView {
        qr_data_url: setup.qr_data_url,
        secret_base32: setup.secret_base32,
    })
}

#[server(prefix = "/api", endpoint = "mfa/totp/finish")]
pub async fn finish_totp_enrolment(code1: String, code2: String) -> Result<(), ServerFnError> {
    use crate::services::mfa;
    let request = server::request().await?;
    let user = request.user(true).await?;
    server::may_add_device(&request, &user).await?;
    mfa::finish_totp_enrolment(
        &request.state,
        &request.session,
        &user.key(),
        &code1,
        &code2,
        request.client,
    )
    .await
    .map_err(server::user_error)?;
    // A device just added proves nothing about who added it: no MFA time is set.
    mfa::end_other_sessions(&request.state, &request.session, &user, None)
        .await
        .map_err(server::user_error)?;
    Ok(())
}

#[server(prefix = "/api", endpoint = "mfa/webauthn/register/start")]
pub async fn start_security_key_enrolment(name: String) -> Result<String, ServerFnError> {
    let request = server::request().await?;
    let user = request.user(true).await?;
    server::may_add_device(&request, &user).await?;
    let challenge = crate::services::mfa::start_webauthn_registration(
        &request.state,
        &request.session,
        &user.key(),
        &request.account_label(&user),
        &name,
    )
    .await
    .map_err(server::user_error)?;
    server::to_json(&challenge)
}

#[server(prefix = "/api", endpoint = "mfa/webauthn/register/finish")]
pub async fn finish_security_key_enrolment(credential: String) -> Result<(), ServerFnError> {
    use crate::services::mfa;
    let request = server::request().await?;
    let user = request.user(true).await?;
    server::may_add_device(&request, &user).await?;
    mfa::finish_webauthn_registration(
        &request.state,
        &request.session,
        &user.key(),
        &credential,
        request.client,
    )
    .await
    .map_err(server::user_error)?;
    mfa::end_other_sessions(&request.state, &request.session, &user, None)
        .await
        .map_err(server::user_error)?;
    Ok(())
}

#[server(prefix = "/api", endpoint = "mfa/remove")]
pub async fn remove_mfa_device(device_id: String) -> Result<(), ServerFnError> {
    use crate::services::mfa;
    let request = server::request().await?;
    let user = request.user(true).await?;
    let max_age = std::time::Duration::from_secs(REMOVE_DEVICE_MAX_MFA_AGE_SECONDS);
    if mfa::require_recent_mfa(&request.state, &request.session, max_age)
        .await
        .is_err()
    {
        return Err(ServerFnError::new(STEP_UP_REQUIRED));
    }
    mfa::remove_device(&request.state, &user.key(), &device_id, request.client)
        .await
        .map_err(server::user_error)?;
    mfa::end_other_sessions(&request.state, &request.session, &user, None)
        .await
        .map_err(server::user_error)?;
    Ok(())
}

/// The kinds of device the signed-in user (or the user signing in) can confirm with.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MfaOptions {
    pub totp: bool,
    pub security_key: bool,
}

#[server(prefix = "/api", endpoint = "mfa/options")]
pub async fn load_mfa_options() -> Result<MfaOptions, ServerFnError> {
    use crate::services::mfa::store::DeviceKind;
    use crate::services::session;
    let request = server::request().await?;
    let key = match session::current_user(&request.state, &request.session).await {
        Ok(Some(user)) => user.key(),
        Ok(None) => match session::pending(&request.session).await {
            Ok(Some(pending)) => pending.key(),
            Ok(None) => return Ok(MfaOptions::default()),
            Err(e) => return Err(server::unavailable(e)),
        },
        Err(e) => return Err(server::unavailable(e)),
    };
    let devices = request
        .state
        .mfa
        .store
        .devices(&key)
        .await
        .map_err(server::unavailable)?;
    Ok(MfaOptions {
        totp: devices.iter().any(|d| d.kind == DeviceKind::Totp),
        security_key: devices.iter().any(|d| d.kind == DeviceKind::WebAuthn),
    })
}

#[server(prefix = "/api", endpoint = "mfa/step-up/totp")]
pub async fn step_up_with_totp(code: String) -> Result<(), ServerFnError> {
    use crate::services::mfa::{self, Purpose};
    let request = server::request().await?;
    let mut user = request.user(false).await?;
    let context = mfa::verify_totp(
        &request.state,
        &user.key(),
        &code,
        request.client,
        Purpose::StepUp,
    )
    .await
    .map_err(server::user_error)?;
    user.mfa = Some(context);
    crate::services::session::update(&request.session, &user)
        .await
        .map_err(server::unavailable)?;
    Ok(())
}

#[server(prefix = "/api", endpoint = "mfa/step-up/webauthn/start")]
pub async fn start_step_up_with_security_key() -> Result<String, ServerFnError> {
    let request = server::request().await?;
    let user = request.user(false).await?;
    let challenge = crate::services::mfa::start_webauthn_authentication(
        &request.state,
        &request.session,
        &user.key(),
    )
    .await
    .map_err(server::user_error)?;
    server::to_json(&challenge)
}

#[server(prefix = "/api", endpoint = "mfa/step-up/webauthn/finish")]
pub async fn finish_step_up_with_security_key(credential: String) -> Result<(), ServerFnError> {
    use crate::services::mfa::{self, Purpose};
    let request = server::request().await?;
    let mut user = request.user(false).await?;
    let context = mfa::finish_webauthn_authentication(
        &request.state,
        &request.session,
        &user.key(),
        &credential,
        request.client,
        Purpose::StepUp,
    )
    .await
    .map_err(server::user_error)?;
    user.mfa = Some(context);
    crate::services::session::update(&request.session, &user)
        .await
        .map_err(server::unavailable)?;
    Ok(())
}

#[server(prefix = "/api", endpoint = "mfa/sign-in/webauthn/start")]
pub async fn start_security_key_sign_in() -> Result<String, ServerFnError> {
    use crate::services::session;
    let request = server::request().await?;
    let Some(pending) = session::pending(&request.session)
        .await
        .map_err(server::unavailable)?
    else {
        return Err(ServerFnError::new(
            "Your sign-in has expired. Please sign in again.",
        ));
    };
    let challenge = crate::services::mfa::start_webauthn_authentication(
        &request.state,
        &request.session,
        &pending.key(),
    )
    .await
    .map_err(server::user_error)?;
    server::to_json(&challenge)
}

/// Completes the sign-in with a security key; answers with where to go next.
#[server(prefix = "/api", endpoint = "mfa/sign-in/webauthn/finish")]
pub async fn finish_security_key_sign_in(credential: String) -> Result<String, ServerFnError> {
    use crate::services::mfa::{self, Purpose};
    use crate::services::session::{self, SignedInUser};
    let request = server::request().await?;
    let Some(pending) = session::pending(&request.session)
        .await
        .map_err(server::unavailable)?
    else {
        return Err(ServerFnError::new(
            "Your sign-in has expired. Please sign in again.",
        ));
    };
    let context = mfa::finish_webauthn_authentication(
        &request.state,
        &request.session,
        &pending.key(),
        &credential,
        request.client,
        Purpose::SignIn,
    )
    .await
    .map_err(server::user_error)?;
    let mut user = SignedInUser::new(&pending.account_id, &pending.user_name);
    user.mfa = Some(context);
    session::begin(&request.state, &request.session, &user)
        .await
        .map_err(server::unavailable)?;
    Ok(if pending.next.is_empty() {
        "/".to_string()
    } else {
        pending.next
    })
}
