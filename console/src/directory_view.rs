//! The administrators' directory page: the console's directory as read-only entries, each
//! policy rendered as its document, narrowed by a search over names and ARNs.

use iam::directory::{Account, Member, OrgPolicyType};
use iam::{Directory, NamedPolicy};
use types::access_requests::duration_label;
use types::directory::{
    AccountEntry, BucketEntry, DirectoryView, GroupEntry, NamedDocument, OrgPolicyEntry, RoleEntry,
    UserEntry,
};

use crate::mfa::store::{MfaStoreError, UserKey};
use crate::policy_document::render;
use crate::state::AppState;

/// The directory, narrowed to entries whose name or ARN holds `search` (any case).
pub async fn view(state: &AppState, search: &str) -> Result<DirectoryView, MfaStoreError> {
    let directory = &state.directory;
    let needle = search.trim().to_lowercase();
    let matches = |texts: &[&str]| {
        needle.is_empty() || texts.iter().any(|t| t.to_lowercase().contains(&needle))
    };
    let mut page = DirectoryView {
        search: search.trim().to_string(),
        accounts: Vec::new(),
        users: Vec::new(),
        groups: Vec::new(),
        roles: Vec::new(),
        buckets: Vec::new(),
        org_policies: Vec::new(),
    };
    for account in directory.accounts() {
        if matches(&[
            account.id(),
            account.alias().unwrap_or_default(),
            &account.root_arn(),
        ]) {
            page.accounts.push(AccountEntry {
                id: account.id().to_string(),
                alias: account.alias().map(str::to_string),
                ou: unit_of(directory, account),
                require_mfa: account.require_mfa(),
            });
        }
        for user in account.users() {
            let arn = user.arn();
            if !matches(&[user.name(), &arn]) {
                continue;
            }
            let key = UserKey::new(account.id(), user.name());
            let group_policies: Vec<&str> = user
                .groups()
                .iter()
                .filter_map(|g| account.group(g))
                .flat_map(|g| g.policies().iter().map(NamedPolicy::label))
                .collect();
            page.users.push(UserEntry {
                name: user.name().to_string(),
                account_id: account.id().to_string(),
                groups: user.groups().to_vec(),
                mfa_devices: state.mfa.device_count(&key).await?,
                require_mfa: user.require_mfa() || account.require_mfa(),
                policies: user
                    .identity_policies()
                    .iter()
                    .filter(|p| !group_policies.contains(&p.label()))
                    .map(document)
                    .collect(),
                boundary: user.permissions_boundary().map(document),
                arn,
            });
        }
        for group in account.groups() {
            if matches(&[group.name(), group.arn()]) {
                page.groups.push(GroupEntry {
                    name: group.name().to_string(),
                    arn: group.arn().to_string(),
                    account_id: account.id().to_string(),
                    policies: group.policies().iter().map(document).collect(),
                });
            }
        }
        for role in account.roles() {
            let arn = role.arn();
            if !matches(&[
                role.name(),
                &arn,
                role.console_display_name().unwrap_or_default(),
            ]) {
                continue;
            }
            page.roles.push(RoleEntry {
                name: role.name().to_string(),
                account_id: account.id().to_string(),
                path: role.path().to_string(),
                max_session_duration: duration_label(role.max_session_duration().as_secs()),
                trust: document(role.trust_policy()),
                permissions: role.permission_policies().iter().map(document).collect(),
                boundary: role.permissions_boundary().map(document),
                requests: role.requests().map(|r| {
                    let who = |members: &[Member]| {
                        members
                            .iter()
                            .map(Member::describe)
                            .collect::<Vec<_>>()
                            .join(", ")
                    };
                    format!(
                        "Requestable by {}; approved by {} ({} approval{} needed); grants up to {}{}",
                        who(&r.requestable_by),
                        who(&r.approvers),
                        r.approvals_required,
                        if r.approvals_required == 1 { "" } else { "s" },
                        duration_label(r.max_duration.as_secs()),
                        if r.require_reason { "; a reason is required" } else { "" },
                    )
                }),
                arn,
            });
        }
        for bucket in account.buckets() {
            if matches(&[bucket.name(), bucket.arn()]) {
                page.buckets.push(BucketEntry {
                    name: bucket.name().to_string(),
                    arn: bucket.arn().to_string(),
                    owner: account.display_name().to_string(),
                    policy: bucket.policy().map(document),
                });
            }
        }
    }
    if let Some(org) = directory.organization() {
        for policy in org.policies() {
            if matches(&[policy.name()]) {
                page.org_policies.push(OrgPolicyEntry {
                    name: policy.name().to_string(),
                    kind: match policy.kind() {
                        OrgPolicyType::ServiceControl => "SCP",
                        OrgPolicyType::ResourceControl => "RCP",
                    }
                    .to_string(),
                    description: policy.description().map(str::to_string),
                    targets: policy.targets().to_vec(),
                    document: render(policy.policy().policy(), &[]),
                });
            }
        }
    }
    Ok(page)
}

fn document(policy: &NamedPolicy) -> NamedDocument {
    NamedDocument {
        label: policy.label().to_string(),
        document: render(policy.policy(), &[]),
    }
}

/// The OU holding the account, as `Name (ou-…)`; `root` when directly under the root.
fn unit_of(directory: &Directory, account: &Account) -> Option<String> {
    let org = directory.organization()?;
    let unit = org
        .units()
        .iter()
        .find(|u| u.accounts().iter().any(|a| a == account.id()));
    Some(match unit {
        Some(u) => format!("{} ({})", u.name(), u.id()),
        None => "root".to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test]
    async fn the_demo_directory_and_a_search() {
        let (state, _dir) = crate::test_support::state(Duration::from_secs(3600)).await;
        let all = view(&state, "").await.expect("view");
        assert!(all.accounts.iter().any(|a| a.id == "111122223333"));
        let production = all
            .accounts
            .iter()
            .find(|a| a.id == "123456789012")
            .expect("prod");
        assert_eq!(
            production.ou.as_deref(),
            Some("Production (ou-a1b2-pr0duct1)")
        );
        let alice = all.users.iter().find(|u| u.name == "alice").expect("alice");
        assert_eq!(alice.groups, vec!["Developers"]);
        assert_eq!(alice.mfa_devices, 0);
        let role = all
            .roles
            .iter()
            .find(|r| r.arn.ends_with("123456789012:role/UpdateAPP"))
            .expect("role");
        assert!(
            role.trust.document.statements[0]
                .json
                .contains("MultiFactorAuthPresent")
        );
        assert!(
            all.org_policies
                .iter()
                .any(|p| p.name == "DenyLeaveOrganization" && p.kind == "SCP")
        );

        let found = view(&state, "PRODUCTIONAPP").await.expect("view");
        assert!(found.users.is_empty() && found.groups.is_empty());
        assert_eq!(
            found
                .buckets
                .iter()
                .map(|b| b.name.as_str())
                .collect::<Vec<_>>(),
            vec!["productionapp"]
        );
        let by_arn = view(&state, "arn:aws:iam::111122223333:user/bob")
            .await
            .expect("view");
        assert_eq!(by_arn.users.len(), 1);
        assert_eq!(by_arn.users[0].name, "bob");
    }
}
