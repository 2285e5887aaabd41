//! The directory page's server function, for console administrators.

use leptos::prelude::*;
use types::directory::DirectoryView;
use types::error::ConsoleError;

/// Every account, user, group, role, bucket and organization policy whose name or ARN holds
/// `search` (empty: all).
#[server(prefix = "/api", endpoint = "directory")]
pub async fn load_directory(
    #[server(default)] search: String,
) -> Result<DirectoryView, ConsoleError> {
    use crate::api::extract::*;
    let Admin { request, .. } = caller().await?;
    console::directory_view::view(&request.state, &search)
        .await
        .map_err(unavailable)
}
