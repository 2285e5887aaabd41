//! Roles a user has switched to before, as the browser sees them: the account menu offers the
//! last few for a one-click switch, and the Switch Role page lists them all.

use serde::{Deserialize, Serialize};

/// How many recent roles the account menu offers.
pub const MENU_ENTRIES: usize = 5;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoleHistoryEntry {
    pub account_id: String,
    pub account_alias: Option<String>,
    /// The Role field as it was switched with (path and name).
    pub role: String,
    pub display_name: String,
    /// `#rrggbb`.
    pub color: String,
    /// Unix time of the last switch.
    pub last_used_at: i64,
    pub uses: i64,
}

impl RoleHistoryEntry {
    pub fn account_label(&self) -> &str {
        self.account_alias.as_deref().unwrap_or(&self.account_id)
    }

    /// True when `needle` (case-insensitive) is in the display name, role or account.
    pub fn matches(&self, needle: &str) -> bool {
        let needle = needle.trim().to_lowercase();
        needle.is_empty()
            || [
                self.display_name.as_str(),
                self.role.as_str(),
                self.account_id.as_str(),
                self.account_alias.as_deref().unwrap_or_default(),
            ]
            .iter()
            .any(|field| field.to_lowercase().contains(&needle))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_filter_looks_at_name_role_and_account() {
        let entry = RoleHistoryEntry {
            account_id: "123456789012".into(),
            account_alias: Some("production".into()),
            role: "UpdateAPP".into(),
            display_name: "Prod app".into(),
            color: "#b7ca9d".into(),
            last_used_at: 0,
            uses: 1,
        };
        for needle in ["", "prod APP", "updateapp", "4567", "product"] {
            assert!(entry.matches(needle), "{needle}");
        }
        assert!(!entry.matches("staging"));
    }
}
