//! AWS Organizations around the directory's accounts: the root, a tree of
//! organizational units, where each account sits, and the service and
//! resource control policies attached to each level. Built once at load
//! into what every decision needs per account: its org path and its SCP and
//! RCP levels from the root down.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use super::raw::{RawOrgPolicyType, RawOrganization};
use super::{Account, DirectoryError};
use crate::evaluate::OrgLevel;
use crate::policy::{Effect, NamedPolicy, Policy, PolicyKind};

/// AWS attaches it to every level when SCPs are enabled.
const FULL_AWS_ACCESS: &str =
    r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#;

/// AWS Organizations' limits: an OU tree at most five levels deep, 5,120
/// characters per SCP or RCP.
const MAX_OU_DEPTH: usize = 5;
const MAX_ORG_POLICY_CHARS: usize = 5120;

#[derive(Debug, Clone)]
pub struct Organization {
    id: String,
    root_id: String,
    management_account: String,
    units: Vec<OrgUnit>,
    policies: Vec<OrgPolicy>,
}

impl Organization {
    pub fn id(&self) -> &str {
        &self.id
    }
    pub fn root_id(&self) -> &str {
        &self.root_id
    }
    pub fn management_account(&self) -> &str {
        &self.management_account
    }
    pub fn units(&self) -> &[OrgUnit] {
        &self.units
    }
    pub fn policies(&self) -> &[OrgPolicy] {
        &self.policies
    }
}

#[derive(Debug, Clone)]
pub struct OrgUnit {
    id: String,
    name: String,
    /// The parent OU's ID; `None`: the root.
    parent: Option<String>,
    accounts: Vec<String>,
}

impl OrgUnit {
    pub fn id(&self) -> &str {
        &self.id
    }
    pub fn name(&self) -> &str {
        &self.name
    }
    pub fn parent(&self) -> Option<&str> {
        self.parent.as_deref()
    }
    /// IDs of the accounts placed directly in this OU.
    pub fn accounts(&self) -> &[String] {
        &self.accounts
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrgPolicyType {
    ServiceControl,
    ResourceControl,
}

#[derive(Debug, Clone)]
pub struct OrgPolicy {
    name: String,
    kind: OrgPolicyType,
    description: Option<String>,
    policy: NamedPolicy,
    /// Resolved targets: the root ID, OU IDs, account IDs.
    targets: Vec<String>,
}

impl OrgPolicy {
    pub fn name(&self) -> &str {
        &self.name
    }
    pub fn kind(&self) -> OrgPolicyType {
        self.kind
    }
    pub fn description(&self) -> Option<&str> {
        self.description.as_deref()
    }
    pub fn policy(&self) -> &NamedPolicy {
        &self.policy
    }
    pub fn targets(&self) -> &[String] {
        &self.targets
    }
}

/// One account's place in the organization, as decisions need it.
#[derive(Debug)]
pub struct AccountOrg {
    pub org_id: String,
    /// `o-…/r-…/ou-…/` down to the OU holding the account
    /// (`aws:PrincipalOrgPaths`, `aws:ResourceOrgPaths`).
    pub path: String,
    pub is_management: bool,
    /// From the root down to the account; empty for the management account,
    /// which SCPs and RCPs do not affect.
    pub service_control: Vec<OrgLevel>,
    pub resource_control: Vec<OrgLevel>,
}

fn id_matches(text: &str, prefix: &str, parts: &[(usize, usize)]) -> bool {
    let Some(rest) = text.strip_prefix(prefix) else {
        return false;
    };
    let pieces: Vec<&str> = rest.split('-').collect();
    pieces.len() == parts.len()
        && pieces.iter().zip(parts).all(|(p, (min, max))| {
            (*min..=*max).contains(&p.len())
                && p.bytes()
                    .all(|b| b.is_ascii_digit() || b.is_ascii_lowercase())
        })
}

/// Builds the organization and gives every account its [`AccountOrg`].
pub(super) struct OrgBuilder<'a> {
    pub err: &'a dyn Fn(String, String) -> DirectoryError,
}

impl OrgBuilder<'_> {
    fn fail<T>(
        &self,
        path: impl Into<String>,
        message: impl Into<String>,
    ) -> Result<T, DirectoryError> {
        Err((self.err)(path.into(), message.into()))
    }

    fn account_id(
        &self,
        accounts: &[Account],
        text: &str,
        path: String,
    ) -> Result<String, DirectoryError> {
        match accounts.iter().find(|a| {
            a.id == text
                || a.alias
                    .as_deref()
                    .is_some_and(|al| al.eq_ignore_ascii_case(text))
        }) {
            Some(a) => Ok(a.id.clone()),
            None => self.fail(path, format!("unknown account \"{text}\"")),
        }
    }

    pub fn build(
        &self,
        raw: RawOrganization,
        accounts: &mut [Account],
    ) -> Result<Organization, DirectoryError> {
        let p = "organization";
        if !id_matches(&raw.id, "o-", &[(10, 32)]) {
            return self.fail(format!("{p}.id"), format!("\"{}\" is not an organization ID (expected o- and 10 to 32 lowercase letters or digits)", raw.id));
        }
        if !id_matches(&raw.root_id, "r-", &[(4, 32)]) {
            return self.fail(
                format!("{p}.root_id"),
                format!(
                    "\"{}\" is not a root ID (expected r- and 4 to 32 lowercase letters or digits)",
                    raw.root_id
                ),
            );
        }
        let management = self.account_id(
            accounts,
            &raw.management_account,
            format!("{p}.management_account"),
        )?;

        // Units: unique IDs and names, parents that exist, no cycles.
        let mut units: Vec<OrgUnit> = Vec::with_capacity(raw.units.len());
        let mut placed: HashMap<String, String> = HashMap::new();
        for (i, u) in raw.units.iter().enumerate() {
            let up = format!("{p}.units[{i}]");
            if !id_matches(&u.id, "ou-", &[(4, 32), (8, 32)]) {
                return self.fail(format!("{up}.id"), format!("\"{}\" is not an OU ID (expected ou-, 4 to 32 and then 8 to 32 lowercase letters or digits, e.g. ou-ab12-cd34ef56)", u.id));
            }
            if u.name.is_empty() || u.name.chars().count() > 128 {
                return self.fail(format!("{up}.name"), "OU names are 1 to 128 characters");
            }
            if units.iter().any(|o| o.id == u.id) {
                return self.fail(format!("{up}.id"), format!("duplicate OU ID \"{}\"", u.id));
            }
            if units.iter().any(|o| o.name.eq_ignore_ascii_case(&u.name)) {
                return self.fail(
                    format!("{up}.name"),
                    format!("duplicate OU name \"{}\"", u.name),
                );
            }
            let mut ids = Vec::with_capacity(u.accounts.len());
            for (ai, a) in u.accounts.iter().enumerate() {
                let ap = format!("{up}.accounts[{ai}]");
                let id = self.account_id(accounts, a, ap.clone())?;
                if let Some(other) = placed.insert(id.clone(), u.name.clone()) {
                    return self.fail(ap, format!("account {id} is already placed in OU \"{other}\" (an account sits in one place)"));
                }
                ids.push(id);
            }
            units.push(OrgUnit {
                id: u.id.clone(),
                name: u.name.clone(),
                parent: None,
                accounts: ids,
            });
        }
        for (i, u) in raw.units.iter().enumerate() {
            if let Some(parent) = &u.parent {
                let Some(pid) = units
                    .iter()
                    .find(|o| o.id == *parent || o.name.eq_ignore_ascii_case(parent))
                    .map(|o| o.id.clone())
                else {
                    return self.fail(
                        format!("{p}.units[{i}].parent"),
                        format!("unknown OU \"{parent}\""),
                    );
                };
                units[i].parent = Some(pid);
            }
        }
        let chain_of = |ou: Option<&str>| -> Option<Vec<usize>> {
            // Indices from the top OU down to `ou`; `None` on a cycle or too deep.
            let mut chain = Vec::new();
            let mut at = ou.map(str::to_owned);
            while let Some(id) = at {
                let idx = units.iter().position(|o| o.id == id)?;
                if chain.contains(&idx) || chain.len() >= MAX_OU_DEPTH {
                    return None;
                }
                chain.push(idx);
                at = units[idx].parent.clone();
            }
            chain.reverse();
            Some(chain)
        };
        for (i, u) in units.iter().enumerate() {
            if chain_of(Some(&u.id)).is_none() {
                return self.fail(
                    format!("{p}.units[{i}].parent"),
                    format!(
                        "OU \"{}\" is in a cycle or deeper than {MAX_OU_DEPTH} levels",
                        u.name
                    ),
                );
            }
        }

        // Policies and where they are attached.
        let mut policies: Vec<OrgPolicy> = Vec::with_capacity(raw.policies.len());
        let mut names = HashSet::new();
        for (i, rp) in raw.policies.iter().enumerate() {
            let pp = format!("{p}.policies[{i}]");
            super::names::check_iam_name(&rp.name, 128)
                .map_err(|m| (self.err)(format!("{pp}.name"), m))?;
            if !names.insert(rp.name.to_ascii_lowercase()) {
                return self.fail(
                    format!("{pp}.name"),
                    format!("duplicate organization policy name \"{}\"", rp.name),
                );
            }
            let (kind, policy_kind, what) = match rp.kind {
                RawOrgPolicyType::ServiceControl => (
                    OrgPolicyType::ServiceControl,
                    PolicyKind::ServiceControl,
                    "SCP",
                ),
                RawOrgPolicyType::ResourceControl => (
                    OrgPolicyType::ResourceControl,
                    PolicyKind::ResourceControl,
                    "RCP",
                ),
            };
            let policy = Policy::parse(&rp.document, policy_kind, MAX_ORG_POLICY_CHARS)
                .map_err(|e| (self.err)(format!("{pp}.document"), e.to_string()))?;
            if kind == OrgPolicyType::ResourceControl
                && let Some(s) = policy
                    .statements()
                    .iter()
                    .find(|s| s.effect() == Effect::Allow)
            {
                return self.fail(
                    format!("{pp}.document"),
                    format!(
                        "{}: an RCP can only deny (AWS attaches RCPFullAWSAccess itself)",
                        s.label()
                    ),
                );
            }
            if rp.targets.is_empty() {
                return self.fail(
                    format!("{pp}.targets"),
                    "must name at least one target (\"root\", an OU or an account)",
                );
            }
            let mut targets = Vec::with_capacity(rp.targets.len());
            for (ti, t) in rp.targets.iter().enumerate() {
                let tp = format!("{pp}.targets[{ti}]");
                let id = if t.eq_ignore_ascii_case("root") || *t == raw.root_id {
                    raw.root_id.clone()
                } else if let Some(ou) = units
                    .iter()
                    .find(|o| o.id == *t || o.name.eq_ignore_ascii_case(t))
                {
                    ou.id.clone()
                } else {
                    self.account_id(accounts, t, tp.clone()).map_err(|_| (self.err)(tp.clone(), format!("unknown target \"{t}\" (expected \"root\", an OU name or ID, or an account)")))?
                };
                if targets.contains(&id) {
                    return self.fail(tp, format!("\"{t}\" is a target twice"));
                }
                targets.push(id);
            }
            policies.push(OrgPolicy {
                name: rp.name.clone(),
                kind,
                description: rp.description.clone(),
                policy: NamedPolicy::new(format!("{what} {}", rp.name), policy),
                targets,
            });
        }

        let full_access = if raw.full_aws_access {
            let policy = Policy::parse(FULL_AWS_ACCESS, PolicyKind::ServiceControl, usize::MAX)
                .map_err(|e| (self.err)(p.into(), e.to_string()))?;
            Some(NamedPolicy::new("SCP FullAWSAccess (AWS managed)", policy))
        } else {
            None
        };
        let level = |target: &str, label: String, kind: OrgPolicyType| OrgLevel {
            label: label.into(),
            policies: full_access
                .iter()
                .filter(|_| kind == OrgPolicyType::ServiceControl)
                .cloned()
                .chain(
                    policies
                        .iter()
                        .filter(|op| op.kind == kind && op.targets.iter().any(|t| t == target))
                        .map(|op| op.policy.clone()),
                )
                .collect(),
        };
        for account in accounts.iter_mut() {
            let ou = placed
                .get(&account.id)
                .and_then(|name| units.iter().find(|o| o.name == *name))
                .map(|o| o.id.as_str());
            let chain = chain_of(ou).unwrap_or_default();
            let mut path = format!("{}/{}/", raw.id, raw.root_id);
            for &idx in &chain {
                path.push_str(&units[idx].id);
                path.push('/');
            }
            let is_management = account.id == management;
            let levels = |kind: OrgPolicyType| -> Vec<OrgLevel> {
                if is_management {
                    return Vec::new();
                }
                let mut out = vec![level(&raw.root_id, format!("root {}", raw.root_id), kind)];
                for &idx in &chain {
                    let u = &units[idx];
                    out.push(level(&u.id, format!("OU {} ({})", u.name, u.id), kind));
                }
                out.push(level(&account.id, format!("account {}", account.id), kind));
                out
            };
            let org = AccountOrg {
                org_id: raw.id.clone(),
                path,
                is_management,
                service_control: levels(OrgPolicyType::ServiceControl),
                resource_control: levels(OrgPolicyType::ResourceControl),
            };
            account.org = Some(Arc::new(org));
        }
        Ok(Organization {
            id: raw.id,
            root_id: raw.root_id,
            management_account: management,
            units,
            policies,
        })
    }
}
