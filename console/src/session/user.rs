//! Who a session belongs to: the signed-in user, their last MFA, and a sign-in waiting for its
//! MFA step. Plain data, kept in the session record; the state of the console holds none of it.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::clock::now;
use crate::mfa::store::UserKey;

/// How the user last proved possession of an MFA device.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum MfaMethod {
    Totp,
    WebAuthn,
}

/// The last successful MFA of this session: it feeds `aws:MultiFactorAuthPresent` and
/// `aws:MultiFactorAuthAge` when the user switches roles.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MfaContext {
    pub method: MfaMethod,
    pub device_id: String,
    /// Unix time of the MFA.
    pub at: i64,
}

impl MfaContext {
    pub fn new(method: MfaMethod, device_id: &str) -> Self {
        MfaContext {
            method,
            device_id: device_id.to_string(),
            at: now(),
        }
    }

    pub fn authenticated_at(&self) -> OffsetDateTime {
        OffsetDateTime::from_unix_timestamp(self.at).unwrap_or(OffsetDateTime::UNIX_EPOCH)
    }
}

/// The signed-in user, as stored in the session.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedInUser {
    pub account_id: String,
    pub user_name: String,
    /// Unix time of the password step; the absolute lifetime counts from here.
    pub signed_in_at: i64,
    /// The last successful MFA, if any.
    #[serde(default)]
    pub mfa: Option<MfaContext>,
    /// MFA is required for this user who has no device yet: only the Security credentials
    /// page is open until one is enrolled.
    #[serde(default)]
    pub must_enrol: bool,
    /// The user's session generation when this session began; adding or removing an MFA
    /// device bumps it, which ends every other session.
    #[serde(default)]
    pub generation: i64,
}

impl SignedInUser {
    pub fn new(account_id: &str, user_name: &str) -> Self {
        SignedInUser {
            account_id: account_id.to_string(),
            user_name: user_name.to_string(),
            signed_in_at: now(),
            mfa: None,
            must_enrol: false,
            generation: 0,
        }
    }

    /// `arn:aws:iam::111122223333:user/alice`, the form the audit trail records.
    pub fn arn(&self) -> String {
        types::identity::user_arn(&self.account_id, &self.user_name)
    }

    pub fn key(&self) -> UserKey {
        UserKey::new(&self.account_id, &self.user_name)
    }
}

/// Between the password step and the MFA step: who passed the password, and where to go next.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingSignIn {
    pub account_id: String,
    pub user_name: String,
    pub password_at: i64,
    pub next: String,
}

impl PendingSignIn {
    pub fn key(&self) -> UserKey {
        UserKey::new(&self.account_id, &self.user_name)
    }
}
