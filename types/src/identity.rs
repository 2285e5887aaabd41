//! Who is using the console: the summary the browser may see (never a secret).

use serde::{Deserialize, Serialize};

use crate::role_history::RoleHistoryEntry;
use crate::role_sessions::EndedTab;

/// The signed-in user as the pages show it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdentitySummary {
    pub user_name: String,
    pub account_id: String,
    pub account_alias: Option<String>,
    pub groups: Vec<String>,
    pub is_admin: bool,
    /// The role session this tab acts in, if any: there, only the role's permissions apply.
    pub role: Option<RoleSummary>,
    /// Every role session the user holds (oldest first), for the account menu.
    pub role_sessions: Vec<RoleSummary>,
    /// How many role sessions may be held at once.
    pub max_role_sessions: usize,
    /// The tab's URL names a role session that is not held (any more): the page says so and
    /// acts in no role.
    pub ended_tab: Option<EndedTab>,
    /// The roles marked as favourites, for one-click switching above the history.
    pub favourite_roles: Vec<RoleHistoryEntry>,
    /// The roles switched to most recently (newest first), for one-click switching.
    pub recent_roles: Vec<RoleHistoryEntry>,
    /// For a user who approves access requests: how many wait for their decision (the
    /// navbar's "Access requests" count). `None`: the user approves nothing.
    #[serde(default)]
    pub pending_access_requests: Option<usize>,
}

/// A held role as the browser may see it: never the credentials.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoleSummary {
    /// The role session's ID, as the URLs of its tabs carry it (`/as/ID/…`).
    pub session_id: String,
    pub display_name: String,
    /// `#rrggbb`.
    pub color: String,
    pub role_name: String,
    pub role_arn: String,
    pub account_id: String,
    pub account_alias: Option<String>,
    /// Unix time the temporary credentials expire.
    pub expires_at: i64,
}

impl RoleSummary {
    pub fn account_label(&self) -> &str {
        self.account_alias.as_deref().unwrap_or(&self.account_id)
    }

    /// `Prod (UpdateAPP in production)`: how the menu names the session.
    pub fn label(&self) -> String {
        format!(
            "{} ({} in {})",
            self.display_name,
            self.role_name,
            self.account_label()
        )
    }
}

impl IdentitySummary {
    /// `alice @ development`, or `alice @ 111122223333` for an account without alias.
    pub fn label(&self) -> String {
        format!("{} @ {}", self.user_name, self.account_label())
    }

    pub fn account_label(&self) -> &str {
        self.account_alias.as_deref().unwrap_or(&self.account_id)
    }

    /// The user's IAM ARN.
    pub fn arn(&self) -> String {
        user_arn(&self.account_id, &self.user_name)
    }
}

/// `arn:aws:iam::111122223333:user/alice`: the one place a console user's ARN is written
/// (the audit trail, the engine's requests and the pages all use it).
pub fn user_arn(account_id: &str, user_name: &str) -> String {
    format!("arn:aws:iam::{account_id}:user/{user_name}")
}

/// Everything the console chrome needs for one request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsoleContext {
    /// True when the console runs on the embedded demo organisation.
    pub demo: bool,
    pub identity: Option<IdentitySummary>,
    /// The cloud below the console has a console of its own to sign in to ("Open in AWS
    /// console": the AWS backend on AWS itself).
    pub cloud_console: bool,
}

/// Formats a 12-digit account ID the way the AWS console shows it: `1111-2222-3333`.
pub fn grouped_account_id(id: &str) -> String {
    if id.len() == 12 && id.bytes().all(|b| b.is_ascii_digit()) {
        format!("{}-{}-{}", &id[0..4], &id[4..8], &id[8..12])
    } else {
        id.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn account_ids_are_grouped_in_fours() {
        assert_eq!(grouped_account_id("111122223333"), "1111-2222-3333");
        assert_eq!(grouped_account_id("development"), "development");
        assert_eq!(grouped_account_id("12345"), "12345");
    }

    #[test]
    fn label_prefers_the_alias() {
        let mut who = IdentitySummary {
            user_name: "alice".into(),
            account_id: "111122223333".into(),
            account_alias: Some("development".into()),
            groups: vec![],
            is_admin: false,
            role: None,
            role_sessions: vec![],
            max_role_sessions: 5,
            ended_tab: None,
            favourite_roles: vec![],
            recent_roles: vec![],
            pending_access_requests: None,
        };
        assert_eq!(who.label(), "alice @ development");
        who.account_alias = None;
        assert_eq!(who.label(), "alice @ 111122223333");
    }
}
