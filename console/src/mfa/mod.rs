//! Multi-factor authentication: TOTP authenticator apps and WebAuthn security keys / passkeys.
//!
//! Devices and per-user state live behind [`store::MfaStore`]; TOTP secrets are encrypted at
//! rest ([`cipher`]); WebAuthn ceremonies use webauthn-rs with their states kept server-side in
//! the session, single-use and short-lived. Every success and failure goes to the audit trail
//! with its reason; callers show one generic message.

pub mod cipher;
pub mod service;
pub mod store;
pub mod totp;

pub use service::MfaService;

use std::time::Duration;

use serde::{Deserialize, Serialize, de::DeserializeOwned};
use serde_json::json;
use tower_sessions_core::Session;
use webauthn_rs::prelude::{
    CreationChallengeResponse, Passkey, PasskeyAuthentication, PasskeyRegistration,
    PublicKeyCredential, RegisterPublicKeyCredential, RequestChallengeResponse, Uuid,
};

use crate::audit::{AuditEvent, Decision};
use crate::client::ClientAddr;
use crate::rate_limit::FailureCountersError;
use crate::session::{self, MfaContext, MfaMethod, now};
use crate::state::AppState;
use store::{DeviceKind, MfaDevice, MfaStoreError, UserKey};

/// A WebAuthn challenge is good for this long, and once.
pub const CEREMONY_LIFETIME_SECONDS: i64 = 5 * 60;
/// Time to scan the QR code and type two codes.
pub const TOTP_ENROLMENT_LIFETIME_SECONDS: i64 = 10 * 60;
pub const MAX_DEVICE_NAME_CHARS: usize = 64;

#[derive(Debug, thiserror::Error)]
pub enum MfaError {
    #[error("the MFA code or security key was not accepted")]
    Rejected,
    #[error("too many failed MFA attempts; retry in {retry_after:?}")]
    LockedOut { retry_after: Duration },
    #[error("no MFA device of that kind")]
    NoDevice,
    #[error("the device limit is reached")]
    TooManyDevices,
    #[error("a device with this name exists")]
    DuplicateName,
    #[error("a device name has 1 to 64 characters")]
    InvalidName,
    #[error("the request expired; start again")]
    Expired,
    /// The action needs a recent MFA with a device the user already has.
    #[error("a recent MFA with an existing device is required")]
    StepUpRequired,
    #[error("internal error: {0}")]
    Internal(String),
}

impl From<MfaStoreError> for MfaError {
    fn from(e: MfaStoreError) -> Self {
        match e {
            MfaStoreError::DuplicateName => MfaError::DuplicateName,
            other => MfaError::Internal(other.to_string()),
        }
    }
}

impl From<FailureCountersError> for MfaError {
    fn from(e: FailureCountersError) -> Self {
        MfaError::Internal(e.to_string())
    }
}

impl From<tower_sessions_core::session::Error> for MfaError {
    fn from(e: tower_sessions_core::session::Error) -> Self {
        MfaError::Internal(e.to_string())
    }
}

impl From<session::SessionError> for MfaError {
    fn from(e: session::SessionError) -> Self {
        MfaError::Internal(e.to_string())
    }
}

/// What the MFA was for, as the audit trail names it.
#[derive(Clone, Copy, Debug)]
pub enum Purpose {
    SignIn,
    StepUp,
}

impl Purpose {
    fn action(self) -> &'static str {
        match self {
            Purpose::SignIn => "MfaSignIn",
            Purpose::StepUp => "MfaStepUp",
        }
    }
}

async fn audit(
    state: &AppState,
    action: &str,
    decision: Decision,
    user: &UserKey,
    client: Option<ClientAddr>,
    detail: serde_json::Value,
) {
    let mut event = AuditEvent::new(action, decision)
        .actor(user.arn())
        .account(&user.account_id)
        .detail(detail);
    if let Some(client) = client {
        event = event.client(client);
    }
    if let Err(e) = state.audit.append(event).await {
        tracing::error!("audit: {e}");
    }
}

async fn locked_out(
    state: &AppState,
    user: &UserKey,
    client: Option<ClientAddr>,
    purpose: Purpose,
    retry_after: Duration,
) -> MfaError {
    audit(
        state,
        purpose.action(),
        Decision::Denied,
        user,
        client,
        json!({ "reason": "locked out after too many MFA failures", "retry_after_seconds": retry_after.as_secs() }),
    )
    .await;
    MfaError::LockedOut { retry_after }
}

async fn failed(
    state: &AppState,
    user: &UserKey,
    client: Option<ClientAddr>,
    purpose: Purpose,
    method: &str,
    reason: &str,
) -> MfaError {
    let mfa = &state.mfa;
    if let Err(e) = mfa.failures.record_failure(&user.owner()).await {
        // The failure is still refused and audited; only its count towards a lock-out is lost.
        tracing::error!("MFA failure counters: {e}");
    }
    audit(
        state,
        purpose.action(),
        Decision::Denied,
        user,
        client,
        json!({ "method": method, "reason": reason }),
    )
    .await;
    if let Ok(Some(retry_after)) = mfa.check_lockout(user).await {
        audit(
            state,
            "MfaLockOut",
            Decision::Denied,
            user,
            client,
            json!({ "reason": "too many MFA failures", "retry_after_seconds": retry_after.as_secs() }),
        )
        .await;
    }
    MfaError::Rejected
}

/// Checks a TOTP code against the user's authenticator apps: current step ±1, each step at most
/// once per user, failures counted towards the lock-out.
pub async fn verify_totp(
    state: &AppState,
    user: &UserKey,
    code: &str,
    client: Option<ClientAddr>,
    purpose: Purpose,
) -> Result<MfaContext, MfaError> {
    let mfa = &state.mfa;
    if let Some(retry_after) = mfa.check_lockout(user).await? {
        return Err(locked_out(state, user, client, purpose, retry_after).await);
    }
    let devices = mfa.store.devices(user).await?;
    let now_step = totp::step_of(u64::try_from(now()).unwrap_or(0));
    let mut matched = None;
    for device in devices.iter().filter(|d| d.kind == DeviceKind::Totp) {
        let Some(sealed) = &device.totp_secret else {
            continue;
        };
        let secret = match mfa.cipher.decrypt(sealed, &user.owner()) {
            Ok(secret) => secret,
            Err(e) => {
                tracing::error!("MFA device {}: {e}", device.id);
                continue;
            }
        };
        if let Some(step) = totp::matching_step(&secret, code, now_step)
            && matched.is_none()
        {
            matched = Some((device, step));
        }
    }
    let Some((device, step)) = matched else {
        let reason = if totp::normalise(code).is_none() {
            "malformed code"
        } else {
            "wrong code"
        };
        return Err(failed(state, user, client, purpose, "totp", reason).await);
    };
    let step = i64::try_from(step).unwrap_or(i64::MAX);
    if !mfa.store.advance_totp_step(user, step).await? {
        return Err(failed(
            state,
            user,
            client,
            purpose,
            "totp",
            "replayed code: time step already used",
        )
        .await);
    }
    mfa.failures.reset(&user.owner()).await?;
    mfa.store.record_use(user, &device.id, now(), None).await?;
    audit(
        state,
        purpose.action(),
        Decision::Allowed,
        user,
        client,
        json!({ "method": "totp", "device_id": device.id, "device_name": device.name }),
    )
    .await;
    Ok(MfaContext::new(MfaMethod::Totp, &device.id))
}

/// A value kept in the session for one ceremony: when it was issued, and used once.
#[derive(Serialize, Deserialize)]
struct Pending<T> {
    issued_at: i64,
    value: T,
}

pub async fn put_pending<T: Serialize>(
    session: &Session,
    key: &str,
    value: T,
) -> Result<(), MfaError> {
    session
        .insert(
            key,
            Pending {
                issued_at: now(),
                value,
            },
        )
        .await?;
    Ok(())
}

/// Takes (removes) a pending value; `Expired` when missing or older than `lifetime` seconds.
pub async fn take_pending<T: DeserializeOwned>(
    session: &Session,
    key: &str,
    lifetime: i64,
) -> Result<T, MfaError> {
    let pending: Option<Pending<T>> = session.remove(key).await?;
    match pending {
        Some(p) if (0..lifetime).contains(&(now() - p.issued_at)) => Ok(p.value),
        _ => Err(MfaError::Expired),
    }
}

/// Reads a pending value without using it up (TOTP enrolment allows retyping the codes).
pub async fn peek_pending<T: DeserializeOwned>(
    session: &Session,
    key: &str,
    lifetime: i64,
) -> Result<T, MfaError> {
    let pending: Option<Pending<T>> = session.get(key).await?;
    match pending {
        Some(p) if (0..lifetime).contains(&(now() - p.issued_at)) => Ok(p.value),
        _ => Err(MfaError::Expired),
    }
}

const WEBAUTHN_AUTH_KEY: &str = "webauthn_authentication";
const WEBAUTHN_REG_KEY: &str = "webauthn_registration";
const TOTP_ENROL_KEY: &str = "totp_enrolment";

/// Starts a security-key authentication for the user; the challenge is kept in the session.
pub async fn start_webauthn_authentication(
    state: &AppState,
    session: &Session,
    user: &UserKey,
) -> Result<RequestChallengeResponse, MfaError> {
    let devices = state.mfa.store.devices(user).await?;
    let passkeys: Vec<Passkey> = MfaService::passkeys(&devices)
        .into_iter()
        .map(|(_, p)| p)
        .collect();
    if passkeys.is_empty() {
        return Err(MfaError::NoDevice);
    }
    let (challenge, auth_state) = state
        .mfa
        .webauthn
        .start_passkey_authentication(&passkeys)
        .map_err(|e| MfaError::Internal(e.to_string()))?;
    put_pending(session, WEBAUTHN_AUTH_KEY, auth_state).await?;
    Ok(challenge)
}

/// Finishes a security-key authentication: the challenge is used up whatever the outcome; a
/// signature counter that did not grow is refused (a cloned authenticator).
pub async fn finish_webauthn_authentication(
    state: &AppState,
    session: &Session,
    user: &UserKey,
    credential_json: &str,
    client: Option<ClientAddr>,
    purpose: Purpose,
) -> Result<MfaContext, MfaError> {
    let mfa = &state.mfa;
    if let Some(retry_after) = mfa.check_lockout(user).await? {
        return Err(locked_out(state, user, client, purpose, retry_after).await);
    }
    let auth_state: PasskeyAuthentication =
        match take_pending(session, WEBAUTHN_AUTH_KEY, CEREMONY_LIFETIME_SECONDS).await {
            Ok(s) => s,
            Err(e) => {
                failed(
                    state,
                    user,
                    client,
                    purpose,
                    "webauthn",
                    "no pending or expired challenge",
                )
                .await;
                return Err(e);
            }
        };
    let credential: PublicKeyCredential = match serde_json::from_str(credential_json) {
        Ok(c) => c,
        Err(_) => {
            return Err(failed(
                state,
                user,
                client,
                purpose,
                "webauthn",
                "malformed credential",
            )
            .await);
        }
    };
    let result = match mfa
        .webauthn
        .finish_passkey_authentication(&credential, &auth_state)
    {
        Ok(r) => r,
        Err(e) => {
            let reason = format!("webauthn: {e}");
            return Err(failed(state, user, client, purpose, "webauthn", &reason).await);
        }
    };
    let devices = mfa.store.devices(user).await?;
    let Some((device_id, mut passkey)) = MfaService::passkeys(&devices)
        .into_iter()
        .find(|(_, p)| p.cred_id() == result.cred_id())
    else {
        return Err(failed(
            state,
            user,
            client,
            purpose,
            "webauthn",
            "credential is not enrolled",
        )
        .await);
    };
    passkey.update_credential(&result);
    let updated = serde_json::to_string(&passkey).map_err(|e| MfaError::Internal(e.to_string()))?;
    mfa.failures.reset(&user.owner()).await?;
    mfa.store
        .record_use(user, &device_id, now(), Some(&updated))
        .await?;
    let name = devices
        .iter()
        .find(|d| d.id == device_id)
        .map(|d| d.name.clone())
        .unwrap_or_default();
    audit(
        state,
        purpose.action(),
        Decision::Allowed,
        user,
        client,
        json!({ "method": "webauthn", "device_id": device_id, "device_name": name, "user_verified": result.user_verified() }),
    )
    .await;
    Ok(MfaContext::new(MfaMethod::WebAuthn, &device_id))
}

/// A valid, unused device name for this user, while below the device limit.
pub async fn check_new_device(
    state: &AppState,
    user: &UserKey,
    name: &str,
) -> Result<String, MfaError> {
    let name = name.trim();
    if name.is_empty()
        || name.chars().count() > MAX_DEVICE_NAME_CHARS
        || name.chars().any(char::is_control)
    {
        return Err(MfaError::InvalidName);
    }
    let devices = state.mfa.store.devices(user).await?;
    if devices.len() >= state.mfa.max_devices {
        return Err(MfaError::TooManyDevices);
    }
    if devices.iter().any(|d| d.name == name) {
        return Err(MfaError::DuplicateName);
    }
    Ok(name.to_string())
}

#[derive(Serialize, Deserialize)]
struct TotpEnrolment {
    name: String,
    sealed_secret: Vec<u8>,
}

/// What the person sees to set up an authenticator app. The secret is shown this once.
pub struct TotpSetup {
    pub secret_base32: String,
    pub otpauth_url: String,
    pub qr_data_url: String,
}

pub async fn start_totp_enrolment(
    state: &AppState,
    session: &Session,
    user: &UserKey,
    account_label: &str,
    name: &str,
) -> Result<TotpSetup, MfaError> {
    let name = check_new_device(state, user, name).await?;
    let secret = totp::new_secret();
    let sealed_secret = state
        .mfa
        .cipher
        .encrypt(&secret, &user.owner())
        .map_err(|e| MfaError::Internal(e.to_string()))?;
    put_pending(
        session,
        TOTP_ENROL_KEY,
        TotpEnrolment {
            name,
            sealed_secret,
        },
    )
    .await?;
    let url = totp::otpauth_url(&secret, &format!("{}@{account_label}", user.user_name));
    let qr = totp::qr_data_url(&url).ok_or_else(|| MfaError::Internal("QR code".into()))?;
    Ok(TotpSetup {
        secret_base32: totp::base32(&secret),
        otpauth_url: url,
        qr_data_url: qr,
    })
}

/// Activates the authenticator app once two consecutive codes match. Returns the new device.
pub async fn finish_totp_enrolment(
    state: &AppState,
    session: &Session,
    user: &UserKey,
    code1: &str,
    code2: &str,
    client: Option<ClientAddr>,
) -> Result<MfaDevice, MfaError> {
    let enrolment: TotpEnrolment =
        peek_pending(session, TOTP_ENROL_KEY, TOTP_ENROLMENT_LIFETIME_SECONDS).await?;
    let secret = state
        .mfa
        .cipher
        .decrypt(&enrolment.sealed_secret, &user.owner())
        .map_err(|e| MfaError::Internal(e.to_string()))?;
    let now_step = totp::step_of(u64::try_from(now()).unwrap_or(0));
    let Some(step) = totp::consecutive_codes_step(&secret, code1, code2, now_step) else {
        audit(
            state,
            "MfaEnrol",
            Decision::Denied,
            user,
            client,
            json!({ "method": "totp", "reason": "codes do not match two consecutive steps" }),
        )
        .await;
        return Err(MfaError::Rejected);
    };
    // The codes just typed must not open a sign-in afterwards.
    let _ = state
        .mfa
        .store
        .advance_totp_step(user, i64::try_from(step).unwrap_or(i64::MAX))
        .await?;
    let name = check_new_device(state, user, &enrolment.name).await?;
    let device = MfaDevice {
        id: Uuid::new_v4().to_string(),
        owner: user.clone(),
        name,
        kind: DeviceKind::Totp,
        totp_secret: Some(enrolment.sealed_secret),
        passkey: None,
        created_at: now(),
        last_used_at: None,
    };
    state.mfa.store.add_device(&device).await?;
    session.remove_value(TOTP_ENROL_KEY).await?;
    enrolled(state, user, &device, client).await;
    Ok(device)
}

async fn enrolled(
    state: &AppState,
    user: &UserKey,
    device: &MfaDevice,
    client: Option<ClientAddr>,
) {
    audit(
        state,
        "MfaEnrol",
        Decision::Allowed,
        user,
        client,
        json!({ "method": device.kind.as_str(), "device_id": device.id, "device_name": device.name }),
    )
    .await;
}

#[derive(Serialize, Deserialize)]
struct WebAuthnRegistration {
    name: String,
    state: PasskeyRegistration,
}

/// The stable WebAuthn user handle of an IAM user (a name-based UUID of the ARN).
fn webauthn_user_id(user: &UserKey) -> Uuid {
    Uuid::new_v5(&Uuid::NAMESPACE_URL, user.arn().as_bytes())
}

pub async fn start_webauthn_registration(
    state: &AppState,
    session: &Session,
    user: &UserKey,
    account_label: &str,
    name: &str,
) -> Result<CreationChallengeResponse, MfaError> {
    let name = check_new_device(state, user, name).await?;
    let devices = state.mfa.store.devices(user).await?;
    let exclude: Vec<_> = MfaService::passkeys(&devices)
        .iter()
        .map(|(_, p)| p.cred_id().clone())
        .collect();
    let label = format!("{}@{account_label}", user.user_name);
    let (challenge, reg_state) = state
        .mfa
        .webauthn
        .start_passkey_registration(webauthn_user_id(user), &label, &label, Some(exclude))
        .map_err(|e| MfaError::Internal(e.to_string()))?;
    put_pending(
        session,
        WEBAUTHN_REG_KEY,
        WebAuthnRegistration {
            name,
            state: reg_state,
        },
    )
    .await?;
    Ok(challenge)
}

pub async fn finish_webauthn_registration(
    state: &AppState,
    session: &Session,
    user: &UserKey,
    credential_json: &str,
    client: Option<ClientAddr>,
) -> Result<MfaDevice, MfaError> {
    let registration: WebAuthnRegistration =
        take_pending(session, WEBAUTHN_REG_KEY, CEREMONY_LIFETIME_SECONDS).await?;
    let refused = |reason: String| async move {
        audit(
            state,
            "MfaEnrol",
            Decision::Denied,
            user,
            client,
            json!({ "method": "webauthn", "reason": reason }),
        )
        .await;
        MfaError::Rejected
    };
    let credential: RegisterPublicKeyCredential = match serde_json::from_str(credential_json) {
        Ok(c) => c,
        Err(e) => return Err(refused(format!("malformed credential: {e}")).await),
    };
    let passkey = match state
        .mfa
        .webauthn
        .finish_passkey_registration(&credential, &registration.state)
    {
        Ok(p) => p,
        Err(e) => return Err(refused(format!("webauthn: {e}")).await),
    };
    let name = check_new_device(state, user, &registration.name).await?;
    let device = MfaDevice {
        id: Uuid::new_v4().to_string(),
        owner: user.clone(),
        name,
        kind: DeviceKind::WebAuthn,
        totp_secret: None,
        passkey: Some(
            serde_json::to_string(&passkey).map_err(|e| MfaError::Internal(e.to_string()))?,
        ),
        created_at: now(),
        last_used_at: None,
    };
    state.mfa.store.add_device(&device).await?;
    enrolled(state, user, &device, client).await;
    Ok(device)
}

pub async fn remove_device(
    state: &AppState,
    user: &UserKey,
    device_id: &str,
    client: Option<ClientAddr>,
) -> Result<(), MfaError> {
    let devices = state.mfa.store.devices(user).await?;
    let Some(device) = devices.iter().find(|d| d.id == device_id) else {
        return Err(MfaError::NoDevice);
    };
    if !state.mfa.store.remove_device(user, device_id).await? {
        return Err(MfaError::NoDevice);
    }
    audit(
        state,
        "MfaRemove",
        Decision::Allowed,
        user,
        client,
        json!({ "method": device.kind.as_str(), "device_id": device.id, "device_name": device.name }),
    )
    .await;
    Ok(())
}

/// The action needs an MFA younger than the maximum age; the UI asks for one and retries.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("this action needs a multi-factor authentication younger than {max_age:?}")]
pub struct StepUpRequired {
    pub max_age: Duration,
}

/// Step-up: the signed-in user's MFA context if it is younger than `max_age`, else
/// `StepUpRequired` (the caller found the user through the session; a session without MFA
/// fails closed).
pub fn require_recent_mfa(
    user: &session::SignedInUser,
    max_age: Duration,
) -> Result<MfaContext, StepUpRequired> {
    let required = StepUpRequired { max_age };
    let max_age = i64::try_from(max_age.as_secs()).unwrap_or(i64::MAX);
    match &user.mfa {
        Some(mfa) if (0..=max_age).contains(&(now() - mfa.at)) => Ok(mfa.clone()),
        _ => Err(required),
    }
}

/// A recent MFA with an existing device, when the user has one: adding a device (a stolen
/// password-only or stale session must not add the thief's authenticator) or a long-term
/// access key. A user without devices may add their first one.
pub async fn require_recent_mfa_if_enrolled(
    state: &AppState,
    user: &session::SignedInUser,
    max_age: Duration,
) -> Result<(), MfaError> {
    if !state.mfa.has_devices(&user.key()).await? {
        return Ok(());
    }
    require_recent_mfa(user, max_age)
        .map(|_| ())
        .map_err(|_| MfaError::StepUpRequired)
}

/// After devices changed: bump the user's session generation (ending their other sessions)
/// and carry this session over to the new generation. `mfa` replaces the session's MFA
/// context only when given: enrolling a device is not an MFA.
pub async fn end_other_sessions(
    state: &AppState,
    session: &Session,
    user: &session::SignedInUser,
    mfa: Option<MfaContext>,
) -> Result<session::SignedInUser, MfaError> {
    let generation = state.mfa.store.bump_session_generation(&user.key()).await?;
    let mut updated = user.clone();
    updated.generation = generation;
    updated.must_enrol = false;
    if mfa.is_some() {
        updated.mfa = mfa;
    }
    session::update(session, &updated).await?;
    Ok(updated)
}
