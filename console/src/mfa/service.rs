//! The MFA service the console's state holds: the device store, the data key that seals TOTP
//! secrets, WebAuthn bound to the console's address, and the failure counters. The
//! operations that use it (enrolment, verification, step-up) are in the parent module.

use std::sync::Arc;
use std::time::Duration;

use iam::Directory;
use webauthn_rs::prelude::{Passkey, Webauthn};

use super::cipher::MfaCipher;
use super::store::{DeviceKind, MfaDevice, MfaStore, MfaStoreError, UserKey};
use crate::rate_limit::{FailureCounters, FailureCountersError};

pub struct MfaService {
    pub store: Arc<dyn MfaStore>,
    pub cipher: MfaCipher,
    pub webauthn: Webauthn,
    /// TOTP and WebAuthn failures per user: a lock-out after too many.
    pub failures: Arc<dyn FailureCounters>,
    pub max_devices: usize,
}

impl MfaService {
    /// At most this many devices per user.
    pub const MAX_DEVICES: usize = 8;

    /// The service over any device store and failure counters (the caller picks SQLite or,
    /// later, PostgreSQL), with WebAuthn bound to the console's public URL (its host name is
    /// the relying party ID).
    pub fn new(
        store: Arc<dyn MfaStore>,
        cipher: MfaCipher,
        public_url: &str,
        failures: Arc<dyn FailureCounters>,
    ) -> Result<Self, String> {
        let origin = webauthn_rs::prelude::Url::parse(public_url).map_err(|e| e.to_string())?;
        let rp_id = origin
            .host_str()
            .ok_or_else(|| "the public URL has no host".to_string())?
            .to_string();
        let webauthn = webauthn_rs::prelude::WebauthnBuilder::new(&rp_id, &origin)
            .map_err(|e| e.to_string())?
            .rp_name("Switchyard")
            .build()
            .map_err(|e| e.to_string())?;
        Ok(MfaService {
            store,
            cipher,
            webauthn,
            failures,
            max_devices: Self::MAX_DEVICES,
        })
    }

    /// How many MFA devices the user has.
    pub async fn device_count(&self, user: &UserKey) -> Result<usize, MfaStoreError> {
        Ok(self.store.devices(user).await?.len())
    }

    /// Whether the user has at least one MFA device.
    pub async fn has_devices(&self, user: &UserKey) -> Result<bool, MfaStoreError> {
        Ok(!self.store.devices(user).await?.is_empty())
    }

    /// Whether the directory requires MFA of this user (for the user or the whole account).
    pub fn required_for(directory: &Directory, user: &UserKey) -> bool {
        directory.account(&user.account_id).is_some_and(|account| {
            account.require_mfa()
                || account
                    .user(&user.user_name)
                    .is_some_and(|u| u.require_mfa())
        })
    }

    /// `Some(retry_after)` while the user is locked out.
    pub(super) async fn check_lockout(
        &self,
        user: &UserKey,
    ) -> Result<Option<Duration>, FailureCountersError> {
        self.failures.check(&user.owner()).await
    }

    pub(super) fn passkeys(devices: &[MfaDevice]) -> Vec<(String, Passkey)> {
        devices
            .iter()
            .filter(|d| d.kind == DeviceKind::WebAuthn)
            .filter_map(|d| {
                let passkey = d.passkey.as_deref()?;
                match serde_json::from_str::<Passkey>(passkey) {
                    Ok(p) => Some((d.id.clone(), p)),
                    Err(e) => {
                        tracing::error!("MFA device {} has an unreadable passkey: {e}", d.id);
                        None
                    }
                }
            })
            .collect()
    }
}
