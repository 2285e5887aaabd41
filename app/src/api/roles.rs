//! Where the signed-in user can go and what the held role allows: the home page's server
//! functions.

use leptos::prelude::*;
use types::error::ConsoleError;
#[cfg(feature = "ssr")]
use types::role_permissions::PermissionStatement;
use types::role_permissions::RolePermissions;
use types::roles::RoleChoice;

/// The roles of the directory that the user's identity policies allow them to assume, and
/// whose trust policy would accept them once they have signed in with MFA. Switching still
/// checks everything again; this only tells people where they can go.
#[server(prefix = "/api", endpoint = "switchable_roles")]
pub async fn load_switchable_roles() -> Result<Vec<RoleChoice>, ConsoleError> {
    use crate::api::extract::*;
    use iam::access::{CallerContext, Identity, authorize};
    let SignedIn { request, user } = caller().await?;
    let state = &request.state;
    let client = request
        .client
        .ok_or_else(|| unavailable("no client address"))?;
    let directory = &state.directory;
    let Some(identity) = Identity::user(directory, &user.arn()) else {
        return Ok(Vec::new());
    };
    let now = console::clock::now_utc();
    let caller = CallerContext::at(now)
        .with_mfa(now)
        .with_source_ip(client.0);
    let mut choices = Vec::new();
    for account in directory.accounts() {
        for role in account.roles() {
            let role_arn = role.arn();
            if authorize(directory, &identity, "sts:AssumeRole", &role_arn, &caller).is_allowed() {
                choices.push(RoleChoice {
                    account_id: account.id().to_string(),
                    account_alias: account.alias().map(str::to_string),
                    role_name: role.name().to_string(),
                    role_arn,
                });
            }
        }
    }
    Ok(choices)
}

/// The held role's permission statements, from the directory.
#[server(prefix = "/api", endpoint = "role_permissions")]
pub async fn load_role_permissions() -> Result<Option<RolePermissions>, ConsoleError> {
    use crate::api::extract::*;
    use console::session;
    use types::role_permissions::bucket_of;
    let SignedIn { request, .. } = caller().await?;
    let Some(held) = session::held_role(&request.state, &request.session)
        .await
        .map_err(unavailable)?
    else {
        return Ok(None);
    };
    let Some((_, role)) = request.state.directory.role_by_arn(&held.role_arn) else {
        return Ok(Some(RolePermissions {
            role_arn: held.role_arn.clone(),
            description: None,
            described: false,
            ended: held.is_expired(),
            statements: Vec::new(),
            buckets: Vec::new(),
        }));
    };
    let strings = |value: Option<&serde_json::Value>| -> Vec<String> {
        match value {
            Some(serde_json::Value::String(s)) => vec![s.clone()],
            Some(serde_json::Value::Array(items)) => items
                .iter()
                .filter_map(|i| i.as_str().map(str::to_string))
                .collect(),
            _ => Vec::new(),
        }
    };
    let mut statements = Vec::new();
    for policy in role.permission_policies() {
        for statement in policy.policy().statements() {
            let written = statement.as_written();
            let conditions = written
                .get("Condition")
                .and_then(|c| c.as_object())
                .map(|block| {
                    block
                        .iter()
                        .flat_map(|(operator, keys)| {
                            keys.as_object()
                                .into_iter()
                                .flatten()
                                .map(move |(key, values)| {
                                    let values = match values {
                                        serde_json::Value::Array(v) => v
                                            .iter()
                                            .map(|x| x.to_string().trim_matches('"').to_string())
                                            .collect::<Vec<_>>()
                                            .join(", "),
                                        other => other.to_string().trim_matches('"').to_string(),
                                    };
                                    format!("{operator} {key} = {values}")
                                })
                        })
                        .collect()
                })
                .unwrap_or_default();
            statements.push(PermissionStatement {
                policy: policy.label().to_string(),
                sid: statement.sid().map(str::to_string),
                effect: format!("{:?}", statement.effect()),
                not_actions: written.get("NotAction").is_some(),
                actions: strings(written.get("Action").or(written.get("NotAction"))),
                not_resources: written.get("NotResource").is_some(),
                resources: strings(written.get("Resource").or(written.get("NotResource"))),
                conditions,
            });
        }
    }
    let mut buckets: Vec<String> = statements
        .iter()
        .filter(|s| s.effect == "Allow" && !s.not_resources)
        .flat_map(|s| {
            s.resources
                .iter()
                .filter_map(|r| bucket_of(r))
                .map(str::to_string)
        })
        .collect();
    buckets.sort();
    buckets.dedup();
    Ok(Some(RolePermissions {
        role_arn: held.role_arn.clone(),
        description: role.description().map(str::to_string),
        described: true,
        ended: held.is_expired(),
        statements,
        buckets,
    }))
}
