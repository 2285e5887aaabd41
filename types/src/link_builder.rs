//! What the link builder shows an administrator.

use serde::{Deserialize, Serialize};

/// A role of the directory an administrator can link to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkableRole {
    pub account_id: String,
    pub account_alias: Option<String>,
    /// Path and name, as the Role field takes it.
    pub role: String,
    pub description: Option<String>,
}

/// What the builder needs: the console's public address and the directory's roles.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkBuilderData {
    pub public_url: String,
    pub roles: Vec<LinkableRole>,
}
