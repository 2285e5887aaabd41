//! The role catalog: every role of the directory the signed-in user may switch to, decided by
//! the engine from the user's identity policies and the roles' trust policies, with the user's
//! favourites and last uses. It tells people where they can go; switching checks everything
//! again.

use iam::access::{CallerContext, Identity, authorize_with_grants};
use types::palette::DEFAULT_COLOR;
use types::role_history::RoleHistoryEntry;
use types::roles::{CatalogEntry, default_display_name, role_field, sort_catalog};

use crate::client::ClientAddr;
use crate::favourites::FavouriteError;
use crate::role_history::{KEPT_PER_USER, RoleHistoryError};
use crate::session::SignedInUser;
use crate::state::AppState;

#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    #[error(transparent)]
    Favourites(#[from] FavouriteError),
    #[error(transparent)]
    History(#[from] RoleHistoryError),
    #[error(transparent)]
    Grants(#[from] crate::access_requests::StoreError),
}

/// The identity policies of the user's access grants in force.
async fn granted_policies(
    state: &AppState,
    user: &SignedInUser,
) -> Result<Vec<iam::NamedPolicy>, crate::access_requests::StoreError> {
    Ok(iam::grants::policies(
        &crate::access_requests::active_grants(state, &user.arn()).await?,
    ))
}

/// [`granted_policies`], or none when they cannot be read (marking a favourite then falls
/// back to the user's own permissions).
async fn granted_policies_or_none(state: &AppState, user: &SignedInUser) -> Vec<iam::NamedPolicy> {
    granted_policies(state, user).await.unwrap_or_else(|e| {
        tracing::warn!("access grants: {e}");
        Vec::new()
    })
}

/// The roles `user` may switch to from `client` now (with a fresh MFA where the policies ask
/// for one), in the catalog's order.
pub async fn switchable_roles(
    state: &AppState,
    user: &SignedInUser,
    client: ClientAddr,
) -> Result<Vec<CatalogEntry>, CatalogError> {
    let grants = granted_policies(state, user).await?;
    let mut entries = decided_roles(state, user, client, &grants);
    if entries.is_empty() {
        return Ok(entries);
    }
    let favourites = state.favourites.list(&user.arn()).await?;
    let history = state
        .role_history
        .list(&user.arn(), KEPT_PER_USER as usize)
        .await?;
    for entry in &mut entries {
        entry.favourite = favourites.contains(&entry.role_arn);
        entry.last_used_at = history
            .iter()
            .filter(|h| h.account_id == entry.account_id && h.role.trim_matches('/') == entry.role)
            .map(|h| h.last_used_at)
            .max();
    }
    sort_catalog(&mut entries);
    Ok(entries)
}

/// The engine's part: each role of the directory the user may assume with a fresh MFA, and
/// whether it needs that MFA. Without side effects.
fn decided_roles(
    state: &AppState,
    user: &SignedInUser,
    client: ClientAddr,
    granted: &[iam::NamedPolicy],
) -> Vec<CatalogEntry> {
    let directory = &state.directory;
    let Some(identity) = Identity::user(directory, &user.arn()) else {
        return Vec::new();
    };
    let now = crate::clock::now_utc();
    let without_mfa = CallerContext::at(now).with_source_ip(client.0);
    let with_mfa = CallerContext::at(now)
        .with_mfa(now)
        .with_source_ip(client.0);
    let mut entries = Vec::new();
    for account in directory.accounts() {
        for role in account.roles() {
            let role_arn = role.arn();
            let may = |caller: &CallerContext| {
                let context = identity.context(caller);
                authorize_with_grants(
                    directory,
                    &identity,
                    granted,
                    "sts:AssumeRole",
                    &role_arn,
                    context,
                )
                .is_allowed()
            };
            if !may(&with_mfa) {
                continue;
            }
            let label = account.alias().unwrap_or(account.id());
            entries.push(CatalogEntry {
                account_id: account.id().to_string(),
                account_alias: account.alias().map(str::to_string),
                role_name: role.name().to_string(),
                role: role_field(&role_arn).unwrap_or(role.name()).to_string(),
                display_name: display_name(Some(role), role.name(), label),
                color: color(Some(role)),
                needs_mfa: !may(&without_mfa),
                favourite: false,
                last_used_at: None,
                role_arn,
            });
        }
    }
    entries
}

/// The display name a role is shown with by default: the directory's
/// `console_display_name`, else `ROLE @ ACCOUNT`.
pub fn display_name(role: Option<&iam::Role>, role_name: &str, account_label: &str) -> String {
    role.and_then(iam::Role::console_display_name).map_or_else(
        || default_display_name(role_name, account_label),
        str::to_string,
    )
}

/// The colour a role is shown with by default: the directory's `console_color`, else the
/// palette's default.
pub fn color(role: Option<&iam::Role>) -> String {
    role.and_then(iam::Role::console_color)
        .unwrap_or(DEFAULT_COLOR)
        .to_string()
}

/// Marks or unmarks a favourite. Only a role of the user's catalog can be marked (so the
/// store holds nothing a user made up); unmarking works for any.
pub async fn set_favourite(
    state: &AppState,
    user: &SignedInUser,
    client: ClientAddr,
    role_arn: &str,
    favourite: bool,
) -> Result<bool, FavouriteError> {
    if favourite
        && !decided_roles(
            state,
            user,
            client,
            &granted_policies_or_none(state, user).await,
        )
        .iter()
        .any(|e| e.role_arn == role_arn)
    {
        return Ok(false);
    }
    state
        .favourites
        .set(&user.arn(), role_arn, favourite)
        .await?;
    Ok(true)
}

/// The user's favourite roles as one-click entries for the account menu: with the display
/// name and colour of their last switch, else the role's defaults. Favourites whose role left
/// the directory are left out.
pub async fn favourite_entries(
    state: &AppState,
    user: &SignedInUser,
) -> Result<Vec<RoleHistoryEntry>, CatalogError> {
    let favourites = state.favourites.list(&user.arn()).await?;
    if favourites.is_empty() {
        // The common case, on every page: no history to read.
        return Ok(Vec::new());
    }
    let recent = state
        .recent_roles(&user.arn(), KEPT_PER_USER as usize)
        .await?;
    Ok(favourites
        .iter()
        .filter_map(|arn| {
            let (account, role) = state.directory.role_by_arn(arn)?;
            let path = role_field(arn)?.to_string();
            let used = recent
                .iter()
                .find(|h| h.account_id == account.id() && h.role.trim_matches('/') == path);
            let label = account.alias().unwrap_or(account.id());
            Some(match used {
                Some(used) => used.clone(),
                None => RoleHistoryEntry {
                    account_id: account.id().to_string(),
                    account_alias: account.alias().map(str::to_string),
                    display_name: display_name(Some(role), role.name(), label),
                    color: color(Some(role)),
                    role: path,
                    last_used_at: 0,
                    uses: 0,
                },
            })
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use std::net::{IpAddr, Ipv4Addr};
    use std::time::Duration;

    use super::*;
    use crate::test_support::state;

    const CLIENT: ClientAddr = ClientAddr(IpAddr::V4(Ipv4Addr::LOCALHOST));

    #[tokio::test]
    async fn alice_may_go_to_both_update_apps_with_mfa_and_bob_nowhere() {
        let (state, _dir) = state(Duration::from_secs(3600)).await;
        let alice = SignedInUser::new("111122223333", "alice");
        let roles = switchable_roles(&state, &alice, CLIENT)
            .await
            .expect("catalog");
        let arns: Vec<&str> = roles.iter().map(|r| r.role_arn.as_str()).collect();
        assert_eq!(
            arns,
            vec![
                "arn:aws:iam::123456789012:role/UpdateAPP",
                "arn:aws:iam::444455556666:role/UpdateAPP"
            ]
        );
        assert!(
            roles.iter().all(|r| r.needs_mfa),
            "the trust policies ask for MFA"
        );
        assert_eq!(roles[1].display_name, "Staging app");
        let bob = SignedInUser::new("111122223333", "bob");
        assert!(
            switchable_roles(&state, &bob, CLIENT)
                .await
                .expect("catalog")
                .is_empty()
        );
    }

    #[tokio::test]
    async fn favourites_come_first_and_only_catalog_roles_can_be_marked() {
        let (state, _dir) = state(Duration::from_secs(3600)).await;
        let alice = SignedInUser::new("111122223333", "alice");
        let staging = "arn:aws:iam::444455556666:role/UpdateAPP";
        assert!(
            set_favourite(&state, &alice, CLIENT, staging, true)
                .await
                .expect("mark")
        );
        let roles = switchable_roles(&state, &alice, CLIENT)
            .await
            .expect("catalog");
        assert_eq!(roles[0].role_arn, staging);
        assert!(roles[0].favourite && !roles[1].favourite);
        let bob = SignedInUser::new("111122223333", "bob");
        assert!(
            !set_favourite(&state, &bob, CLIENT, staging, true)
                .await
                .expect("refused")
        );
        assert!(
            state
                .favourites
                .list(&bob.arn())
                .await
                .expect("list")
                .is_empty()
        );
        let menu = favourite_entries(&state, &alice).await.expect("menu");
        assert_eq!(menu.len(), 1);
        assert_eq!(menu[0].display_name, "Staging app");
    }
}
