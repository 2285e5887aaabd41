//! Roles as the home page lists them.

use serde::{Deserialize, Serialize};

/// A role the signed-in user's own permissions let them request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoleChoice {
    pub account_id: String,
    pub account_alias: Option<String>,
    pub role_name: String,
    pub role_arn: String,
}

impl RoleChoice {
    /// The Switch Role page with this role's fields filled in.
    pub fn switch_link(&self) -> String {
        let query = [
            ("account", self.account_id.as_str()),
            ("roleName", self.role_name.as_str()),
        ]
        .iter()
        .map(|(k, v)| format!("{k}={}", crate::links::urlencode(v)))
        .collect::<Vec<_>>()
        .join("&");
        format!("/switchrole?{query}")
    }
}
