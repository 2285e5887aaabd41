//! The role catalog: the roles a signed-in user may switch to, as the Switch Role page and
//! the home page list them.

use serde::{Deserialize, Serialize};

use crate::identity::grouped_account_id;

/// The Role field of a role ARN: `path/Name`, or `Name` for the root path.
pub fn role_field(role_arn: &str) -> Option<&str> {
    role_arn.split_once(":role/").map(|(_, path)| path)
}

/// The display name a role gets when neither the switch nor the directory names one.
pub fn default_display_name(role_name: &str, account_label: &str) -> String {
    format!("{role_name} @ {account_label}")
}

/// A role the user's own permissions and the role's trust policy let them switch to (with a
/// fresh MFA where `needs_mfa`), as the engine decides it from the directory.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CatalogEntry {
    pub account_id: String,
    pub account_alias: Option<String>,
    pub role_name: String,
    /// The Role field: `path/Name`, or `Name` for the root path.
    pub role: String,
    pub role_arn: String,
    /// The role's default display name and colour (the directory's, else derived).
    pub display_name: String,
    pub color: String,
    /// The trust policy (or an identity policy) asks for MFA.
    pub needs_mfa: bool,
    pub favourite: bool,
    /// Unix time of the user's last switch to it.
    pub last_used_at: Option<i64>,
}

impl CatalogEntry {
    pub fn account_label(&self) -> &str {
        self.account_alias.as_deref().unwrap_or(&self.account_id)
    }

    /// The Switch Role page with this role's fields filled in.
    pub fn switch_link(&self) -> String {
        let query = [
            ("account", self.account_id.as_str()),
            ("roleName", self.role.as_str()),
        ]
        .iter()
        .map(|(k, v)| format!("{k}={}", crate::links::urlencode(v)))
        .collect::<Vec<_>>()
        .join("&");
        format!("/switchrole?{query}")
    }

    /// The one-click switch to this role with its defaults, as the history forms post it.
    pub fn as_history_entry(&self) -> crate::role_history::RoleHistoryEntry {
        crate::role_history::RoleHistoryEntry {
            account_id: self.account_id.clone(),
            account_alias: self.account_alias.clone(),
            role: self.role.clone(),
            display_name: self.display_name.clone(),
            color: self.color.clone(),
            last_used_at: self.last_used_at.unwrap_or_default(),
            uses: 0,
        }
    }

    /// The search box: `needle` (any case) in the account ID (with or without dashes), the
    /// alias, the role name or path, the ARN or the display name.
    pub fn matches(&self, needle: &str) -> bool {
        let needle = needle.trim().to_lowercase();
        if needle.is_empty() {
            return true;
        }
        let digits: String = needle.chars().filter(|c| *c != '-' && *c != ' ').collect();
        if !digits.is_empty()
            && digits.bytes().all(|b| b.is_ascii_digit())
            && self.account_id.contains(&digits)
        {
            return true;
        }
        [
            self.account_id.as_str(),
            grouped_account_id(&self.account_id).as_str(),
            self.account_alias.as_deref().unwrap_or_default(),
            self.role.as_str(),
            self.role_arn.as_str(),
            self.display_name.as_str(),
        ]
        .iter()
        .any(|field| field.to_lowercase().contains(&needle))
    }
}

/// The catalog's order: favourites, then the most recently used, then alphabetical (role,
/// then account), so that identical role names of two accounts sit together.
pub fn sort_catalog(entries: &mut [CatalogEntry]) {
    entries.sort_by(|a, b| {
        b.favourite
            .cmp(&a.favourite)
            .then_with(|| b.last_used_at.cmp(&a.last_used_at))
            .then_with(|| a.role.to_lowercase().cmp(&b.role.to_lowercase()))
            .then_with(|| a.account_label().cmp(b.account_label()))
            .then_with(|| a.role_arn.cmp(&b.role_arn))
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(account_id: &str, alias: &str, role: &str) -> CatalogEntry {
        CatalogEntry {
            account_id: account_id.into(),
            account_alias: Some(alias.into()),
            role_name: role.rsplit('/').next().unwrap_or(role).into(),
            role: role.into(),
            role_arn: format!("arn:aws:iam::{account_id}:role/{role}"),
            display_name: format!("{role} @ {alias}"),
            color: "#99bcd3".into(),
            needs_mfa: true,
            favourite: false,
            last_used_at: None,
        }
    }

    #[test]
    fn the_search_finds_accounts_with_or_without_dashes_aliases_names_and_arns() {
        let staging = entry("444455556666", "staging", "UpdateAPP");
        for needle in [
            "4444-5555",
            "44445555",
            "4444 5555",
            "staging",
            "STAGING",
            "updateapp",
            "arn:aws:iam::444455556666:role/UpdateAPP",
            "",
        ] {
            assert!(staging.matches(needle), "{needle}");
        }
        for needle in ["1234", "production", "Deploy", "4444-6666"] {
            assert!(!staging.matches(needle), "{needle}");
        }
    }

    #[test]
    fn favourites_come_first_then_the_recently_used_then_alphabetical() {
        let mut a = entry("123456789012", "production", "UpdateAPP");
        let b = entry("444455556666", "staging", "UpdateAPP");
        let mut c = entry("123456789012", "production", "Audit");
        let mut d = entry("123456789012", "production", "Deploy");
        c.last_used_at = Some(5);
        d.last_used_at = Some(9);
        a.favourite = true;
        let mut all = vec![b.clone(), c.clone(), a.clone(), d.clone()];
        sort_catalog(&mut all);
        let order: Vec<&str> = all.iter().map(|e| e.role_arn.as_str()).collect();
        assert_eq!(
            order,
            vec![
                a.role_arn.as_str(),
                d.role_arn.as_str(),
                c.role_arn.as_str(),
                b.role_arn.as_str()
            ]
        );
    }
}
