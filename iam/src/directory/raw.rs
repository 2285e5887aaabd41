//! The directory file as written (TOML). Validated and compiled by
//! [`super::load`]; nothing else reads these types.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::policy::Limits;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDirectory {
    #[serde(default)]
    pub demo: bool,
    #[serde(default)]
    pub limits: Option<Limits>,
    #[serde(default)]
    pub organization: Option<RawOrganization>,
    #[serde(default)]
    pub accounts: Vec<RawAccount>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawAccount {
    pub id: String,
    pub alias: Option<String>,
    #[serde(default)]
    pub require_mfa: bool,
    #[serde(default)]
    pub users: Vec<RawUser>,
    #[serde(default)]
    pub groups: Vec<RawGroup>,
    #[serde(default)]
    pub policies: Vec<RawManagedPolicy>,
    #[serde(default)]
    pub roles: Vec<RawRole>,
    #[serde(default)]
    pub buckets: Vec<RawBucket>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawUser {
    pub name: String,
    pub path: Option<String>,
    #[serde(default)]
    pub groups: Vec<String>,
    pub password_hash: Option<String>,
    /// Where the console's notifications (access requests) reach the user.
    pub email: Option<String>,
    #[serde(default)]
    pub require_mfa: bool,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
    #[serde(default)]
    pub managed_policies: Vec<String>,
    #[serde(default)]
    pub inline_policies: Vec<RawInlinePolicy>,
    pub permissions_boundary: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawGroup {
    pub name: String,
    pub path: Option<String>,
    #[serde(default)]
    pub managed_policies: Vec<String>,
    #[serde(default)]
    pub inline_policies: Vec<RawInlinePolicy>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawInlinePolicy {
    pub name: String,
    pub document: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawManagedPolicy {
    pub name: String,
    pub path: Option<String>,
    pub description: Option<String>,
    pub document: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRole {
    pub name: String,
    pub path: Option<String>,
    pub description: Option<String>,
    pub max_session_duration: Option<u64>,
    pub default_session_duration: Option<u64>,
    pub trust_policy: String,
    #[serde(default)]
    pub managed_policies: Vec<String>,
    #[serde(default)]
    pub inline_policies: Vec<RawInlinePolicy>,
    pub permissions_boundary: Option<String>,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
    /// The console's default display name and colour for the role (AWS keeps
    /// these per browser; the directory can give everyone the same ones).
    pub console_display_name: Option<String>,
    pub console_color: Option<String>,
    /// Just-in-time access: who may request the role and who approves.
    pub requests: Option<RawRequests>,
}

/// `[accounts.roles.requests]`, as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRequests {
    #[serde(default)]
    pub requestable_by: Vec<String>,
    #[serde(default)]
    pub approvers: Vec<String>,
    pub approvals_required: Option<u8>,
    /// A duration as `"4h"`, `"90m"`.
    pub max_duration: Option<String>,
    #[serde(default)]
    pub require_reason: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawBucket {
    pub name: String,
    pub policy: Option<String>,
    #[serde(default)]
    pub sample_objects: Vec<RawSampleObject>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSampleObject {
    pub key: String,
    pub content_type: Option<String>,
    pub content: String,
}

/// `[organization]`: AWS Organizations around the accounts.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawOrganization {
    pub id: String,
    pub root_id: String,
    pub management_account: String,
    /// AWS attaches `FullAWSAccess` to the root, every OU and every account
    /// when SCPs are enabled; `false` models an organization that detached it.
    #[serde(default = "default_true")]
    pub full_aws_access: bool,
    #[serde(default)]
    pub units: Vec<RawUnit>,
    #[serde(default)]
    pub policies: Vec<RawOrgPolicy>,
}

fn default_true() -> bool {
    true
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawUnit {
    pub id: String,
    pub name: String,
    /// The parent OU (name or ID); absent: the root.
    pub parent: Option<String>,
    /// Accounts placed in this OU (IDs or aliases); the others sit in the root.
    #[serde(default)]
    pub accounts: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum RawOrgPolicyType {
    #[serde(rename = "SCP")]
    ServiceControl,
    #[serde(rename = "RCP")]
    ResourceControl,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawOrgPolicy {
    pub name: String,
    #[serde(rename = "type")]
    pub kind: RawOrgPolicyType,
    pub description: Option<String>,
    pub document: String,
    /// Where it is attached: `"root"`, OU names or IDs, account IDs or aliases.
    pub targets: Vec<String>,
}
