//! Who makes a request, as far as policies are concerned.

use crate::policy::is_account_id;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    /// An IAM user (`arn:aws:iam::ACCOUNT:user/PATH/NAME`).
    User {
        arn: String,
        account: String,
        name: String,
    },
    /// A role session (`arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION`);
    /// `role_arn` is the role's IAM ARN (with its path when known).
    RoleSession {
        arn: String,
        role_arn: String,
        account: String,
        role_name: String,
        session_name: String,
    },
    /// A role itself (`arn:aws:iam::ACCOUNT:role/...`); only the simulator
    /// uses this, real requests come from role sessions.
    Role { arn: String, account: String },
    /// The account root (`arn:aws:iam::ACCOUNT:root` or a bare account ID).
    AccountRoot { account: String },
    /// A service principal such as `s3.amazonaws.com`.
    Service { name: String },
    /// Nobody signed in.
    Anonymous,
}

impl Principal {
    /// Parse an ARN the way the simulator receives it.
    pub fn from_arn(text: &str) -> Result<Principal, String> {
        if text == "*" || text.eq_ignore_ascii_case("anonymous") {
            return Ok(Principal::Anonymous);
        }
        if is_account_id(text) {
            return Ok(Principal::AccountRoot {
                account: text.to_owned(),
            });
        }
        if !text.starts_with("arn:") && text.contains('.') && !text.contains(':') {
            return Ok(Principal::Service {
                name: text.to_owned(),
            });
        }
        let bad = || {
            format!(
                "\"{text}\" is not a principal ARN (user, role, assumed-role session, account root, account ID or service name)"
            )
        };
        let parts: Vec<&str> = text.splitn(6, ':').collect();
        let [arn, partition, service, region, account, resource] = parts.as_slice() else {
            return Err(bad());
        };
        if *arn != "arn" || !region.is_empty() || !is_account_id(account) {
            return Err(bad());
        }
        let account = (*account).to_owned();
        match *service {
            "iam" if *resource == "root" => Ok(Principal::AccountRoot { account }),
            "iam" if resource.starts_with("user/") => {
                let name = resource.rsplit('/').next().unwrap_or_default().to_owned();
                if name.is_empty() {
                    return Err(bad());
                }
                Ok(Principal::User {
                    arn: text.to_owned(),
                    account,
                    name,
                })
            }
            "iam" if resource.starts_with("role/") && resource.len() > 5 => Ok(Principal::Role {
                arn: text.to_owned(),
                account,
            }),
            "sts" => {
                let mut it = resource.split('/');
                match (it.next(), it.next(), it.next(), it.next()) {
                    (Some("assumed-role"), Some(role), Some(session), None)
                        if !role.is_empty() && !session.is_empty() =>
                    {
                        Ok(Principal::RoleSession {
                            arn: text.to_owned(),
                            role_arn: format!("arn:{partition}:iam::{account}:role/{role}"),
                            account,
                            role_name: role.to_owned(),
                            session_name: session.to_owned(),
                        })
                    }
                    _ => Err(bad()),
                }
            }
            _ => Err(bad()),
        }
    }

    pub fn account(&self) -> Option<&str> {
        match self {
            Principal::User { account, .. }
            | Principal::RoleSession { account, .. }
            | Principal::Role { account, .. }
            | Principal::AccountRoot { account } => Some(account),
            Principal::Service { .. } | Principal::Anonymous => None,
        }
    }

    /// The principal's own ARN (session ARN for a role session).
    pub fn arn(&self) -> Option<&str> {
        match self {
            Principal::User { arn, .. }
            | Principal::RoleSession { arn, .. }
            | Principal::Role { arn, .. } => Some(arn),
            Principal::AccountRoot { .. } | Principal::Service { .. } | Principal::Anonymous => {
                None
            }
        }
    }

    /// `aws:PrincipalArn`: for a role session the role's ARN.
    pub fn principal_arn(&self) -> Option<String> {
        match self {
            Principal::User { arn, .. } | Principal::Role { arn, .. } => Some(arn.clone()),
            Principal::RoleSession { role_arn, .. } => Some(role_arn.clone()),
            Principal::AccountRoot { account } => Some(format!("arn:aws:iam::{account}:root")),
            Principal::Service { .. } | Principal::Anonymous => None,
        }
    }

    pub fn describe(&self) -> String {
        match self {
            Principal::User { arn, .. }
            | Principal::RoleSession { arn, .. }
            | Principal::Role { arn, .. } => arn.clone(),
            Principal::AccountRoot { account } => format!("arn:aws:iam::{account}:root"),
            Principal::Service { name } => name.clone(),
            Principal::Anonymous => "anonymous".into(),
        }
    }
}

/// What a request by one principal always carries: computed once per user
/// or role session and shared by its requests (held by the directory's users and roles).
pub type PrincipalCache =
    std::sync::OnceLock<(Principal, std::sync::Arc<crate::context::RequestContext>)>;
