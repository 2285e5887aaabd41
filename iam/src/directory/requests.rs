//! Just-in-time access of a role: who may ask for it, who decides, for how long at most
//! (a role's `[accounts.roles.requests]`). Names are resolved across the accounts at load,
//! so `"Testers"` on a production role names the development account's group.

use std::time::Duration;

use super::Directory;
use super::raw::RawRequests;

/// The shortest and longest grant a role may offer (`max_duration`).
pub const MIN_GRANT_DURATION: Duration = Duration::from_secs(15 * 60);
pub const MAX_GRANT_DURATION: Duration = Duration::from_secs(12 * 3600);
/// Distinct approvers a request may need at most.
pub const MAX_APPROVALS_REQUIRED: u8 = 3;

/// A group or a user of the directory, as a role's request settings name them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Member {
    Group { account_id: String, name: String },
    User { account_id: String, name: String },
}

impl Member {
    /// `group Testers (111122223333)`, for pages and explanations.
    pub fn describe(&self) -> String {
        match self {
            Member::Group { account_id, name } => format!("group {name} ({account_id})"),
            Member::User { account_id, name } => format!("user {name} ({account_id})"),
        }
    }

    /// Whether the user `user_name` of `account_id` is this member (or in this group).
    pub fn includes(&self, directory: &Directory, account_id: &str, user_name: &str) -> bool {
        match self {
            Member::User {
                account_id: a,
                name,
            } => a == account_id && name == user_name,
            Member::Group {
                account_id: a,
                name,
            } => {
                a == account_id
                    && directory
                        .account(account_id)
                        .filter(|acct| acct.id() == account_id)
                        .and_then(|acct| acct.user(user_name))
                        .is_some_and(|u| u.groups().iter().any(|g| g == name))
            }
        }
    }
}

/// A role's request settings, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestSettings {
    pub requestable_by: Vec<Member>,
    pub approvers: Vec<Member>,
    /// Distinct approvers needed, 1 to 3.
    pub approvals_required: u8,
    /// The longest grant, 15 minutes to 12 hours.
    pub max_duration: Duration,
    /// Whether a request must give a reason.
    pub require_reason: bool,
}

impl RequestSettings {
    /// Whether the user may ask for this role.
    pub fn may_request(&self, directory: &Directory, account_id: &str, user_name: &str) -> bool {
        self.requestable_by
            .iter()
            .any(|m| m.includes(directory, account_id, user_name))
    }

    /// Whether the user may decide requests for this role.
    pub fn may_approve(&self, directory: &Directory, account_id: &str, user_name: &str) -> bool {
        self.approvers
            .iter()
            .any(|m| m.includes(directory, account_id, user_name))
    }
}

/// Resolves and checks one role's raw settings; `Err((field, message))` names the field
/// under the role's path.
pub(super) fn resolve(
    directory: &Directory,
    raw: &RawRequests,
) -> Result<RequestSettings, (String, String)> {
    let members = |field: &str, names: &[String]| -> Result<Vec<Member>, (String, String)> {
        if names.is_empty() {
            return Err((field.to_string(), "name at least one group or user".into()));
        }
        names
            .iter()
            .enumerate()
            .map(|(i, name)| member(directory, name).map_err(|m| (format!("{field}[{i}]"), m)))
            .collect()
    };
    let requestable_by = members("requestable_by", &raw.requestable_by)?;
    let approvers = members("approvers", &raw.approvers)?;
    let approvals_required = raw.approvals_required.unwrap_or(1);
    if !(1..=MAX_APPROVALS_REQUIRED).contains(&approvals_required) {
        return Err((
            "approvals_required".into(),
            format!("{approvals_required} is out of range (1 to {MAX_APPROVALS_REQUIRED})"),
        ));
    }
    let max_duration = match raw.max_duration.as_deref() {
        None => Duration::from_secs(3600),
        Some(text) => humantime::parse_duration(text.trim()).map_err(|e| {
            (
                "max_duration".to_string(),
                format!("\"{text}\" is not a duration (e.g. \"4h\", \"90m\"): {e}"),
            )
        })?,
    };
    if !(MIN_GRANT_DURATION..=MAX_GRANT_DURATION).contains(&max_duration) {
        return Err((
            "max_duration".into(),
            format!(
                "{} is out of range (15m to 12h)",
                humantime::format_duration(max_duration)
            ),
        ));
    }
    Ok(RequestSettings {
        requestable_by,
        approvers,
        approvals_required,
        max_duration,
        require_reason: raw.require_reason,
    })
}

/// A name of `requestable_by` or `approvers`: a group or user ARN, or a plain name that is
/// exactly one group or user of the directory. An ambiguous name is refused rather than
/// guessed: a wrong guess would let the wrong people ask or decide.
fn member(directory: &Directory, name: &str) -> Result<Member, String> {
    let name = name.trim();
    if let Some(rest) = name.strip_prefix("arn:aws:iam::") {
        let (account_id, resource) = rest
            .split_once(':')
            .ok_or_else(|| format!("\"{name}\" is not a group or user ARN"))?;
        let account = directory
            .account(account_id)
            .filter(|a| a.id() == account_id)
            .ok_or_else(|| format!("no account {account_id} in the directory"))?;
        let (kind, path_and_name) = resource
            .split_once('/')
            .ok_or_else(|| format!("\"{name}\" is not a group or user ARN"))?;
        let short = path_and_name.rsplit('/').next().unwrap_or(path_and_name);
        return match kind {
            "group" => account
                .group(short)
                .filter(|g| g.arn() == name)
                .map(|_| Member::Group {
                    account_id: account_id.to_string(),
                    name: short.to_string(),
                })
                .ok_or_else(|| format!("no group {name} in the directory")),
            "user" => account
                .user(short)
                .filter(|u| u.arn_str() == name)
                .map(|_| Member::User {
                    account_id: account_id.to_string(),
                    name: short.to_string(),
                })
                .ok_or_else(|| format!("no user {name} in the directory")),
            _ => Err(format!("\"{name}\" is not a group or user ARN")),
        };
    }
    let mut found = Vec::new();
    for account in directory.accounts() {
        if account.group(name).is_some() {
            found.push(Member::Group {
                account_id: account.id().to_string(),
                name: name.to_string(),
            });
        }
        if account.user(name).is_some() {
            found.push(Member::User {
                account_id: account.id().to_string(),
                name: name.to_string(),
            });
        }
    }
    match found.len() {
        0 => Err(format!(
            "no group or user named \"{name}\" in the directory"
        )),
        1 => Ok(found.remove(0)),
        _ => Err(format!(
            "\"{name}\" names several groups or users ({}); write the ARN of the one meant",
            found
                .iter()
                .map(Member::describe)
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}
