//! The administrators' directory page: every account, user, group, role, bucket and
//! organization policy, with each policy as a document (see [`crate::simulator`]). Never a
//! secret: no password hash, no MFA secret.

use serde::{Deserialize, Serialize};

use crate::simulator::PolicyDocumentView;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NamedDocument {
    pub label: String,
    pub document: PolicyDocumentView,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountEntry {
    pub id: String,
    pub alias: Option<String>,
    /// `Production (ou-…)`, `root`, or none outside an organization.
    pub ou: Option<String>,
    pub require_mfa: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserEntry {
    pub name: String,
    pub arn: String,
    pub account_id: String,
    pub groups: Vec<String>,
    /// MFA devices assigned in the console.
    pub mfa_devices: usize,
    pub require_mfa: bool,
    /// Policies of the user's own (not of their groups).
    pub policies: Vec<NamedDocument>,
    pub boundary: Option<NamedDocument>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupEntry {
    pub name: String,
    pub arn: String,
    pub account_id: String,
    pub policies: Vec<NamedDocument>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoleEntry {
    pub name: String,
    pub arn: String,
    pub account_id: String,
    pub path: String,
    /// e.g. `1 hour`.
    pub max_session_duration: String,
    pub trust: NamedDocument,
    pub permissions: Vec<NamedDocument>,
    pub boundary: Option<NamedDocument>,
    /// The just-in-time access settings in words, when the role may be requested.
    pub requests: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BucketEntry {
    pub name: String,
    pub arn: String,
    pub owner: String,
    pub policy: Option<NamedDocument>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrgPolicyEntry {
    pub name: String,
    /// `SCP` or `RCP`.
    pub kind: String,
    pub description: Option<String>,
    /// Where it is attached: `root`, OU or account IDs.
    pub targets: Vec<String>,
    pub document: PolicyDocumentView,
}

/// The page, narrowed to what matches the search (empty: everything).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DirectoryView {
    pub search: String,
    pub accounts: Vec<AccountEntry>,
    pub users: Vec<UserEntry>,
    pub groups: Vec<GroupEntry>,
    pub roles: Vec<RoleEntry>,
    pub buckets: Vec<BucketEntry>,
    pub org_policies: Vec<OrgPolicyEntry>,
}
