//! The link builder's server function, for console administrators.

use leptos::prelude::*;
use types::error::ConsoleError;
use types::link_builder::LinkBuilderData;
#[cfg(feature = "ssr")]
use types::link_builder::LinkableRole;

#[server(prefix = "/api", endpoint = "link_builder")]
pub async fn load_link_builder() -> Result<LinkBuilderData, ConsoleError> {
    use crate::api::extract::*;
    let Admin { request, .. } = caller().await?;
    let state = &request.state;
    let roles = state
        .directory
        .accounts()
        .flat_map(|account| {
            account.roles().map(move |role| {
                let role_path = types::roles::role_field(role.arn_str())
                    .unwrap_or(role.name())
                    .to_string();
                LinkableRole {
                    account_id: account.id().to_string(),
                    account_alias: account.alias().map(str::to_string),
                    role: role_path,
                    description: role.description().map(str::to_string),
                }
            })
        })
        .collect();
    Ok(LinkBuilderData {
        public_url: state.policy.public_url.clone(),
        roles,
    })
}
