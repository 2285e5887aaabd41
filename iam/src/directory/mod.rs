//! The account directory: accounts, users, groups, roles, managed policies
//! and buckets, loaded from a TOML file (format: `iam/DIRECTORY.md`) and
//! validated once. Every policy in it is compiled at load.

mod load;
mod names;
mod organization;
mod raw;
mod requests;

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

pub use load::DirectoryError;
pub use organization::{AccountOrg, OrgPolicy, OrgPolicyType, OrgUnit, Organization};
pub use requests::{
    MAX_APPROVALS_REQUIRED, MAX_GRANT_DURATION, MIN_GRANT_DURATION, Member, RequestSettings,
};

pub use crate::policy::NamedPolicy;
use crate::policy::{Limits, Policy};

/// The embedded demo organisation (DESIGN.md's story).
pub const DEMO_TOML: &str = include_str!("../../demo/directory.toml");

#[derive(Debug, Clone)]
pub struct Directory {
    demo: bool,
    limits: Limits,
    accounts: Vec<Account>,
    buckets: HashMap<String, (usize, usize)>,
    organization: Option<Organization>,
}

impl Directory {
    /// The embedded demo organisation. Its validity is checked by a test, so
    /// a failure here is a build defect, not an input error.
    pub fn demo() -> Directory {
        match Directory::from_toml(DEMO_TOML, "demo/directory.toml") {
            Ok(dir) => dir,
            Err(e) => panic!("the embedded demo directory is invalid: {e}"),
        }
    }

    pub fn load(path: &Path) -> Result<Directory, DirectoryError> {
        let origin = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| DirectoryError::Read {
            origin: origin.clone(),
            source,
        })?;
        Directory::from_toml(&text, &origin)
    }

    /// Parse and validate directory TOML; `origin` names the file in errors.
    pub fn from_toml(text: &str, origin: &str) -> Result<Directory, DirectoryError> {
        load::from_toml(text, origin)
    }

    /// The TOML text of the embedded demo (a starting point for own files).
    pub fn demo_toml() -> &'static str {
        DEMO_TOML
    }

    /// The AWS Organization around the accounts, if the file has one.
    pub fn organization(&self) -> Option<&Organization> {
        self.organization.as_ref()
    }

    pub fn is_demo(&self) -> bool {
        self.demo
    }

    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    pub fn accounts(&self) -> impl Iterator<Item = &Account> {
        self.accounts.iter()
    }

    /// By exact account ID, or by alias (case-insensitive).
    pub fn account(&self, id_or_alias: &str) -> Option<&Account> {
        self.accounts
            .iter()
            .find(|a| a.id == id_or_alias)
            .or_else(|| {
                self.accounts.iter().find(|a| {
                    a.alias
                        .as_deref()
                        .is_some_and(|al| al.eq_ignore_ascii_case(id_or_alias))
                })
            })
    }

    /// `arn:aws:iam::ACCOUNT:user/PATH/NAME`.
    pub fn user_by_arn(&self, arn: &str) -> Option<(&Account, &User)> {
        let account = self.account_of_arn(arn, "iam")?;
        account
            .users
            .iter()
            .find(|u| u.arn == arn)
            .map(|u| (account, u))
    }

    /// `arn:aws:iam::ACCOUNT:role/PATH/NAME`.
    pub fn role_by_arn(&self, arn: &str) -> Option<(&Account, &Role)> {
        let account = self.account_of_arn(arn, "iam")?;
        account
            .roles
            .iter()
            .find(|r| r.arn == arn)
            .map(|r| (account, r))
    }

    /// A bucket by name (bucket names are global).
    pub fn bucket(&self, name: &str) -> Option<(&Account, &Bucket)> {
        let (a, b) = *self.buckets.get(name)?;
        let account = self.accounts.get(a)?;
        Some((account, account.buckets.get(b)?))
    }

    fn account_of_arn(&self, arn: &str, service: &str) -> Option<&Account> {
        let mut parts = arn.splitn(6, ':');
        let (Some("arn"), Some(_), Some(s), Some(""), Some(account)) = (
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
        ) else {
            return None;
        };
        if s != service {
            return None;
        }
        self.accounts.iter().find(|a| a.id == account)
    }
}

#[derive(Debug, Clone)]
pub struct Account {
    id: String,
    alias: Option<String>,
    require_mfa: bool,
    users: Vec<User>,
    groups: Vec<Group>,
    policies: Vec<ManagedPolicy>,
    roles: Vec<Role>,
    buckets: Vec<Bucket>,
    /// Its place in the organization (`None`: not in one).
    org: Option<Arc<AccountOrg>>,
}

impl Account {
    pub fn org(&self) -> Option<&AccountOrg> {
        self.org.as_deref()
    }

    pub fn id(&self) -> &str {
        &self.id
    }
    pub fn alias(&self) -> Option<&str> {
        self.alias.as_deref()
    }
    /// The alias if there is one, else the ID.
    pub fn display_name(&self) -> &str {
        self.alias.as_deref().unwrap_or(&self.id)
    }
    pub fn require_mfa(&self) -> bool {
        self.require_mfa
    }
    /// `arn:aws:iam::ID:root`.
    pub fn root_arn(&self) -> String {
        format!("arn:aws:iam::{}:root", self.id)
    }
    /// User names are case-insensitive in IAM.
    pub fn user(&self, name: &str) -> Option<&User> {
        self.users
            .iter()
            .find(|u| u.name.eq_ignore_ascii_case(name))
    }
    pub fn role(&self, name: &str) -> Option<&Role> {
        self.roles
            .iter()
            .find(|r| r.name.eq_ignore_ascii_case(name))
    }
    pub fn group(&self, name: &str) -> Option<&Group> {
        self.groups
            .iter()
            .find(|g| g.name.eq_ignore_ascii_case(name))
    }
    pub fn managed_policy(&self, name: &str) -> Option<&ManagedPolicy> {
        self.policies
            .iter()
            .find(|p| p.name.eq_ignore_ascii_case(name))
    }
    pub fn users(&self) -> impl Iterator<Item = &User> {
        self.users.iter()
    }
    pub fn groups(&self) -> impl Iterator<Item = &Group> {
        self.groups.iter()
    }
    pub fn roles(&self) -> impl Iterator<Item = &Role> {
        self.roles.iter()
    }
    pub fn managed_policies(&self) -> impl Iterator<Item = &ManagedPolicy> {
        self.policies.iter()
    }
    pub fn buckets(&self) -> impl Iterator<Item = &Bucket> {
        self.buckets.iter()
    }
}

#[derive(Debug, Clone)]
pub struct User {
    name: String,
    path: String,
    arn: String,
    user_id: String,
    groups: Vec<String>,
    password_hash: Option<String>,
    email: Option<String>,
    require_mfa: bool,
    tags: BTreeMap<String, String>,
    /// Own inline and managed policies, then those of each group.
    identity_policies: Vec<NamedPolicy>,
    permissions_boundary: Option<NamedPolicy>,
    /// The principal and its context keys, filled on first use.
    pub(crate) cache: crate::principal::PrincipalCache,
}

impl User {
    pub fn name(&self) -> &str {
        &self.name
    }
    pub fn path(&self) -> &str {
        &self.path
    }
    /// `arn:aws:iam::ACCOUNT:user/PATH/NAME`.
    pub fn arn(&self) -> String {
        self.arn.clone()
    }
    pub fn arn_str(&self) -> &str {
        &self.arn
    }
    /// Stable unique ID (`AIDA...`), derived from account and name.
    pub fn user_id(&self) -> &str {
        &self.user_id
    }
    pub fn groups(&self) -> &[String] {
        &self.groups
    }
    pub fn password_hash(&self) -> Option<&str> {
        self.password_hash.as_deref()
    }
    /// The address the console's notifications go to, if the directory gives one.
    pub fn email(&self) -> Option<&str> {
        self.email.as_deref()
    }
    /// Whether the user must enrol and use MFA (own flag; see also
    /// [`Account::require_mfa`]).
    pub fn require_mfa(&self) -> bool {
        self.require_mfa
    }
    pub fn tags(&self) -> &BTreeMap<String, String> {
        &self.tags
    }
    /// All identity-based policies that apply (own and through groups).
    pub fn identity_policies(&self) -> &[NamedPolicy] {
        &self.identity_policies
    }
    pub fn permissions_boundary(&self) -> Option<&NamedPolicy> {
        self.permissions_boundary.as_ref()
    }
}

#[derive(Debug, Clone)]
pub struct Group {
    name: String,
    path: String,
    arn: String,
    policies: Vec<NamedPolicy>,
}

impl Group {
    pub fn name(&self) -> &str {
        &self.name
    }
    pub fn path(&self) -> &str {
        &self.path
    }
    pub fn arn(&self) -> &str {
        &self.arn
    }
    pub fn policies(&self) -> &[NamedPolicy] {
        &self.policies
    }
}

/// A customer managed policy.
#[derive(Debug, Clone)]
pub struct ManagedPolicy {
    name: String,
    arn: String,
    description: Option<String>,
    policy: Arc<Policy>,
}

impl ManagedPolicy {
    pub fn name(&self) -> &str {
        &self.name
    }
    pub fn arn(&self) -> &str {
        &self.arn
    }
    pub fn description(&self) -> Option<&str> {
        self.description.as_deref()
    }
    pub fn policy(&self) -> &Policy {
        &self.policy
    }
}

#[derive(Debug, Clone)]
pub struct Role {
    name: String,
    path: String,
    arn: String,
    role_id: String,
    account_id: String,
    description: Option<String>,
    max_session_duration: Duration,
    default_session_duration: Duration,
    trust_policy: NamedPolicy,
    permission_policies: Vec<NamedPolicy>,
    permissions_boundary: Option<NamedPolicy>,
    tags: BTreeMap<String, String>,
    /// Trimmed, 1 to 64 characters, no control characters.
    console_display_name: Option<String>,
    /// Resolved: `#rrggbb`, lowercase.
    console_color: Option<String>,
    /// Who may request the role and who approves (`None`: nobody may request it).
    requests: Option<RequestSettings>,
}

impl Role {
    pub fn name(&self) -> &str {
        &self.name
    }
    pub fn path(&self) -> &str {
        &self.path
    }
    /// `arn:aws:iam::ACCOUNT:role/PATH/NAME`.
    pub fn arn(&self) -> String {
        self.arn.clone()
    }
    pub fn arn_str(&self) -> &str {
        &self.arn
    }
    /// Stable unique ID (`AROA...`).
    pub fn role_id(&self) -> &str {
        &self.role_id
    }
    pub fn account_id(&self) -> &str {
        &self.account_id
    }
    pub fn description(&self) -> Option<&str> {
        self.description.as_deref()
    }
    pub fn max_session_duration(&self) -> Duration {
        self.max_session_duration
    }
    pub fn default_session_duration(&self) -> Duration {
        self.default_session_duration
    }
    pub fn trust_policy(&self) -> &NamedPolicy {
        &self.trust_policy
    }
    /// Inline and managed permission policies.
    pub fn permission_policies(&self) -> &[NamedPolicy] {
        &self.permission_policies
    }
    pub fn permissions_boundary(&self) -> Option<&NamedPolicy> {
        self.permissions_boundary.as_ref()
    }
    pub fn tags(&self) -> &BTreeMap<String, String> {
        &self.tags
    }
    /// The display name the console offers for this role unless the user
    /// or a link gives one (the directory's `console_display_name`).
    pub fn console_display_name(&self) -> Option<&str> {
        self.console_display_name.as_deref()
    }
    /// The colour the console offers for this role, as `#rrggbb` (lowercase),
    /// whether the directory named a palette swatch or gave a hex colour.
    pub fn console_color(&self) -> Option<&str> {
        self.console_color.as_deref()
    }
    /// Just-in-time access settings, when the role may be requested.
    pub fn requests(&self) -> Option<&RequestSettings> {
        self.requests.as_ref()
    }
}

#[derive(Debug, Clone)]
pub struct Bucket {
    name: String,
    arn: String,
    policy: Option<NamedPolicy>,
    sample_objects: Vec<SampleObject>,
}

impl Bucket {
    pub fn name(&self) -> &str {
        &self.name
    }
    /// `arn:aws:s3:::NAME`.
    pub fn arn(&self) -> &str {
        &self.arn
    }
    pub fn policy(&self) -> Option<&NamedPolicy> {
        self.policy.as_ref()
    }
    pub fn sample_objects(&self) -> &[SampleObject] {
        &self.sample_objects
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SampleObject {
    pub key: String,
    pub content_type: String,
    pub content: String,
}

/// A stable IAM-style unique ID: prefix plus 17 base32 characters of a hash
/// of what identifies the entity.
pub(crate) fn stable_id(prefix: &str, parts: &[&str]) -> String {
    use sha2::{Digest, Sha256};
    const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut hasher = Sha256::new();
    for p in parts {
        hasher.update(p.as_bytes());
        hasher.update([0]);
    }
    let digest = hasher.finalize();
    let mut out = String::with_capacity(prefix.len() + 17);
    out.push_str(prefix);
    let mut bits: u32 = 0;
    let mut nbits = 0;
    for byte in digest.iter() {
        bits = (bits << 8) | u32::from(*byte);
        nbits += 8;
        while nbits >= 5 && out.len() < prefix.len() + 17 {
            nbits -= 5;
            out.push(char::from(ALPHABET[((bits >> nbits) & 31) as usize]));
        }
    }
    out
}

#[cfg(test)]
mod tests;
