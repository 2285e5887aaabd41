//! The access map's server function, for console administrators (the CSV is the server's own
//! route, `/directory/access.csv`).

use leptos::prelude::*;
use types::access_map::AccessMapView;
use types::error::ConsoleError;

/// The map, narrowed to `role` and/or `user` (ARNs; empty: all), with the cell
/// `explain_user` × `explain_role` explained.
#[server(prefix = "/api", endpoint = "access_map")]
pub async fn load_access_map(
    #[server(default)] role: String,
    #[server(default)] user: String,
    #[server(default)] explain_user: String,
    #[server(default)] explain_role: String,
) -> Result<AccessMapView, ConsoleError> {
    use crate::api::extract::*;
    use console::access_map::{MapQuery, view};
    let Admin { request, .. } = caller().await?;
    let query = MapQuery {
        role,
        user,
        explain_user,
        explain_role,
    };
    Ok(view(&request.state, &query))
}
