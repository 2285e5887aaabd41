//! AWS's size limits for policy documents, in characters without white
//! space (IAM does not count white space). Configurable because an operator
//! may raise quotas as AWS lets them (the trust policy up to 4,096).

use serde::{Deserialize, Serialize};

use super::PolicyKind;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Limits {
    pub managed_policy: usize,
    pub user_inline: usize,
    pub group_inline: usize,
    pub role_inline: usize,
    pub trust_policy: usize,
    pub session_policy: usize,
    pub bucket_policy: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            managed_policy: 6_144,
            user_inline: 2_048,
            group_inline: 5_120,
            role_inline: 10_240,
            trust_policy: 2_048,
            session_policy: 2_048,
            bucket_policy: 20_480,
        }
    }
}

impl Limits {
    /// No limit at all (used by the stateless simulator for foreign policies).
    pub fn unlimited() -> Self {
        Limits {
            managed_policy: usize::MAX,
            user_inline: usize::MAX,
            group_inline: usize::MAX,
            role_inline: usize::MAX,
            trust_policy: usize::MAX,
            session_policy: usize::MAX,
            bucket_policy: usize::MAX,
        }
    }

    /// The limit that applies to a standalone document of this kind.
    pub fn for_kind(&self, kind: PolicyKind) -> usize {
        match kind {
            PolicyKind::Identity | PolicyKind::Boundary => self.managed_policy,
            PolicyKind::Session => self.session_policy,
            PolicyKind::Resource => self.bucket_policy,
            PolicyKind::Trust => self.trust_policy,
            // AWS Organizations: 5,120 characters per SCP or RCP.
            PolicyKind::ServiceControl | PolicyKind::ResourceControl => 5120,
        }
    }
}

/// The size IAM counts: characters that are not white space.
pub fn policy_size(text: &str) -> usize {
    text.chars().filter(|c| !c.is_whitespace()).count()
}
