//! Multi-factor authentication as the pages see it: the shapes the browser may know (never a
//! secret, except the TOTP secret once, during its enrolment).

use serde::{Deserialize, Serialize};

/// Removing a device, or adding one when the user has one, needs an MFA at most this old.
pub const REMOVE_DEVICE_MAX_MFA_AGE_SECONDS: u64 = 5 * 60;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceSummary {
    pub id: String,
    pub name: String,
    /// "Authenticator app" or "Security key or passkey".
    pub kind: String,
    pub added: String,
    pub last_used: Option<String>,
    /// An authenticator app's ARN (`arn:aws:iam::ACCOUNT:mfa/NAME`): the `SerialNumber` of STS
    /// calls and the AWS CLI's `mfa_serial`. Security keys have none (STS takes only codes).
    pub arn: Option<String>,
}

/// The ARN of a user's authenticator app, as IAM writes a virtual MFA device's.
pub fn mfa_device_arn(account_id: &str, device_name: &str) -> String {
    format!("arn:aws:iam::{account_id}:mfa/{device_name}")
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

/// The kinds of device the signed-in user (or the user signing in) can confirm with.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MfaOptions {
    pub totp: bool,
    pub security_key: bool,
}
