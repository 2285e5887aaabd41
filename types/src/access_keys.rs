//! Access keys as the Security credentials page sees them. The secret access key appears in
//! exactly one shape, [`CreatedAccessKey`], the answer to creating a key: never again.

use serde::{Deserialize, Serialize};

/// Keys per user at most, as IAM allows.
pub const MAX_ACCESS_KEYS: usize = 2;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessKeySummary {
    /// `AKIA…`.
    pub key_id: String,
    pub active: bool,
    pub created: String,
    /// When and through which service (`sts`, `s3`) the key last signed a request.
    pub last_used: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessKeysView {
    pub keys: Vec<AccessKeySummary>,
    pub max_keys: usize,
}

/// A key just created, with its secret: shown once.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreatedAccessKey {
    pub key_id: String,
    /// Named `secret` on the wire: the names of role credentials' fields never reach the
    /// browser, not even in the bundle, so a test can look for them in everything it receives.
    #[serde(rename = "secret")]
    pub secret_access_key: String,
}

impl std::fmt::Debug for CreatedAccessKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CreatedAccessKey")
            .field("key_id", &self.key_id)
            .finish_non_exhaustive()
    }
}
