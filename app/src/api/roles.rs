//! Where the signed-in user can go and what the held role allows: the home page's server
//! functions.

use leptos::prelude::*;
use types::error::ConsoleError;
#[cfg(feature = "ssr")]
use types::role_permissions::PermissionStatement;
use types::role_permissions::RolePermissions;
use types::roles::CatalogEntry;

/// The role catalog: the roles of the directory the user's identity policies allow them to
/// assume and whose trust policy would accept them (with a fresh MFA where marked), with
/// favourites and last uses, in the catalog's order. Switching still checks everything again;
/// this only tells people where they can go.
#[server(prefix = "/api", endpoint = "role_catalog")]
pub async fn load_role_catalog() -> Result<Vec<CatalogEntry>, ConsoleError> {
    use crate::api::extract::*;
    let SignedIn { request, user } = caller().await?;
    let client = request
        .client
        .ok_or_else(|| unavailable("no client address"))?;
    console::catalog::switchable_roles(&request.state, &user, client)
        .await
        .map_err(unavailable)
}

/// Marks or unmarks a role of the catalog as a favourite; answers whether it is one now.
#[server(prefix = "/api", endpoint = "favourite_role")]
pub async fn set_favourite_role(role_arn: String, favourite: bool) -> Result<bool, ConsoleError> {
    use crate::api::extract::*;
    use console::favourites::FavouriteError;
    let SignedIn { request, user } = caller().await?;
    let client = request
        .client
        .ok_or_else(|| unavailable("no client address"))?;
    match console::catalog::set_favourite(&request.state, &user, client, &role_arn, favourite).await
    {
        Ok(true) => Ok(favourite),
        Ok(false) => Err(ConsoleError::invalid(
            "role_arn",
            "Only a role you can switch to can be a favourite.",
        )),
        Err(FavouriteError::TooMany) => Err(ConsoleError::invalid(
            "role_arn",
            "You have marked as many favourites as the console keeps. Unmark one first.",
        )),
        Err(e) => Err(unavailable(e)),
    }
}

/// The permission statements of the tab's role session, from the directory.
#[server(prefix = "/api", endpoint = "role_permissions")]
pub async fn load_role_permissions(
    #[server(default)] role_session: Option<String>,
) -> Result<Option<RolePermissions>, ConsoleError> {
    use crate::api::extract::*;
    use console::session::role_sessions::{self, TabRole};
    use types::role_permissions::bucket_of;
    let SignedIn { request, .. } = caller().await?;
    let held =
        match role_sessions::for_tab(&request.state, &request.session, role_session.as_deref())
            .await
            .map_err(unavailable)?
        {
            TabRole::Held(held) => held,
            TabRole::Own => return Ok(None),
            TabRole::Ended(_) => return Err(ConsoleError::RoleSessionEnded),
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
