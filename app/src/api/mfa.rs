//! The server functions of multi-factor authentication: enrolment, removal, step-up.

use leptos::prelude::*;

pub use types::mfa::*;

use types::error::ConsoleError;

#[cfg(feature = "ssr")]
use crate::api::extract::*;

#[cfg(feature = "ssr")]
mod server {
    use console::mfa::MfaError;
    use types::error::ConsoleError;

    pub use crate::api::extract::unavailable;
    use crate::api::extract::{Enrolling, RequestContext, caller};

    /// One generic message per kind of failure; the reason is in the audit trail.
    pub fn user_error(e: MfaError) -> ConsoleError {
        ConsoleError::not_allowed(match e {
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
            MfaError::StepUpRequired => return ConsoleError::StepUpRequired,
            MfaError::Internal(e) => return unavailable(e),
        })
    }

    /// The caller of an enrolment step, refused without a recent MFA with a device they
    /// already have (a user's first device needs none).
    pub async fn adding_device() -> Result<Enrolling, ConsoleError> {
        let caller: Enrolling = caller().await?;
        let max_age = std::time::Duration::from_secs(super::REMOVE_DEVICE_MAX_MFA_AGE_SECONDS);
        console::mfa::require_recent_mfa_if_enrolled(&caller.request.state, &caller.user, max_age)
            .await
            .map_err(user_error)?;
        Ok(caller)
    }

    /// After a device was added or removed: the user's other sessions end. A device just
    /// added proves nothing about who added it, so this session's MFA time stays as it was.
    pub async fn devices_changed(
        request: &RequestContext,
        user: &console::session::SignedInUser,
    ) -> Result<(), ConsoleError> {
        console::mfa::end_other_sessions(&request.state, &request.session, user, None)
            .await
            .map(|_| ())
            .map_err(user_error)
    }

    /// A step-up succeeded: the session's MFA is this one from now on.
    pub async fn remember_step_up(
        request: &RequestContext,
        mut user: console::session::SignedInUser,
        context: console::session::MfaContext,
    ) -> Result<(), ConsoleError> {
        user.mfa = Some(context);
        console::session::update(&request.session, &user)
            .await
            .map_err(unavailable)
    }

    pub use console::clock::minute_label as format_time;

    pub fn to_json<T: serde::Serialize>(value: &T) -> Result<String, ConsoleError> {
        serde_json::to_string(value).map_err(unavailable)
    }
}

#[server(prefix = "/api", endpoint = "mfa/devices")]
pub async fn load_security_credentials() -> Result<SecurityCredentials, ConsoleError> {
    use console::mfa::store::DeviceKind;
    let Enrolling { request, user } = caller().await?;
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
                arn: (d.kind == DeviceKind::Totp)
                    .then(|| mfa_device_arn(&user.account_id, &d.name)),
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
pub async fn start_totp_enrolment(name: String) -> Result<TotpSetupView, ConsoleError> {
    let Enrolling { request, user } = server::adding_device().await?;
    let setup = console::mfa::start_totp_enrolment(
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
pub async fn finish_totp_enrolment(code1: String, code2: String) -> Result<(), ConsoleError> {
    use console::mfa;
    let Enrolling { request, user } = server::adding_device().await?;
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
    server::devices_changed(&request, &user).await
}

#[server(prefix = "/api", endpoint = "mfa/webauthn/register/start")]
pub async fn start_security_key_enrolment(name: String) -> Result<String, ConsoleError> {
    let Enrolling { request, user } = server::adding_device().await?;
    let challenge = console::mfa::start_webauthn_registration(
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
pub async fn finish_security_key_enrolment(credential: String) -> Result<(), ConsoleError> {
    use console::mfa;
    let Enrolling { request, user } = server::adding_device().await?;
    mfa::finish_webauthn_registration(
        &request.state,
        &request.session,
        &user.key(),
        &credential,
        request.client,
    )
    .await
    .map_err(server::user_error)?;
    server::devices_changed(&request, &user).await
}

#[server(prefix = "/api", endpoint = "mfa/remove")]
pub async fn remove_mfa_device(device_id: String) -> Result<(), ConsoleError> {
    use console::mfa;
    let Enrolling { request, user } = caller().await?;
    let max_age = std::time::Duration::from_secs(REMOVE_DEVICE_MAX_MFA_AGE_SECONDS);
    if mfa::require_recent_mfa(&user, max_age).is_err() {
        return Err(ConsoleError::StepUpRequired);
    }
    mfa::remove_device(&request.state, &user.key(), &device_id, request.client)
        .await
        .map_err(server::user_error)?;
    server::devices_changed(&request, &user).await
}

#[server(prefix = "/api", endpoint = "mfa/options")]
pub async fn load_mfa_options() -> Result<MfaOptions, ConsoleError> {
    use console::mfa::store::DeviceKind;
    // The signed-in user's devices, or those of the sign-in waiting for its MFA step.
    let key = match caller::<MaybeSignedIn>().await?.user {
        Some(user) => user.key(),
        None => match caller::<PendingMfa>().await {
            Ok(PendingMfa { pending, .. }) => pending.key(),
            Err(ConsoleError::SignInExpired) => return Ok(MfaOptions::default()),
            Err(e) => return Err(e),
        },
    };
    let state = expect_context::<console::state::AppState>();
    let devices = state
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
pub async fn step_up_with_totp(code: String) -> Result<(), ConsoleError> {
    use console::mfa::{self, Purpose};
    let SignedIn { request, user } = caller().await?;
    let context = mfa::verify_totp(
        &request.state,
        &user.key(),
        &code,
        request.client,
        Purpose::StepUp,
    )
    .await
    .map_err(server::user_error)?;
    server::remember_step_up(&request, user, context).await
}

#[server(prefix = "/api", endpoint = "mfa/step-up/webauthn/start")]
pub async fn start_step_up_with_security_key() -> Result<String, ConsoleError> {
    let SignedIn { request, user } = caller().await?;
    let challenge =
        console::mfa::start_webauthn_authentication(&request.state, &request.session, &user.key())
            .await
            .map_err(server::user_error)?;
    server::to_json(&challenge)
}

#[server(prefix = "/api", endpoint = "mfa/step-up/webauthn/finish")]
pub async fn finish_step_up_with_security_key(credential: String) -> Result<(), ConsoleError> {
    use console::mfa::{self, Purpose};
    let SignedIn { request, user } = caller().await?;
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
    server::remember_step_up(&request, user, context).await
}

#[server(prefix = "/api", endpoint = "mfa/sign-in/webauthn/start")]
pub async fn start_security_key_sign_in() -> Result<String, ConsoleError> {
    let PendingMfa { request, pending } = caller().await?;
    let challenge = console::mfa::start_webauthn_authentication(
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
pub async fn finish_security_key_sign_in(credential: String) -> Result<String, ConsoleError> {
    use console::mfa::{self, Purpose};
    use console::session::{self, SignedInUser};
    let PendingMfa { request, pending } = caller().await?;
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
