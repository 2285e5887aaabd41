//! Who can reach which role, and why: for every user and role of a directory, whether the
//! user may switch to the role now ("Can switch"), only with a fresh MFA ("Needs MFA"), or
//! not at all ("Cannot switch"), decided by the evaluator exactly as a real `sts:AssumeRole`
//! would be (identity policies, boundary, trust policy, SCPs and RCPs), with the evaluation
//! that explains the cell.

use std::net::IpAddr;

use serde::Serialize;
use time::OffsetDateTime;

use crate::access::{self, CallerContext, Identity};
use crate::context::keys;
use crate::directory::{Account, Directory, Role, User};
use crate::evaluate::Evaluation;

/// One cell of the map.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Reach {
    CanSwitch,
    NeedsMfa,
    CannotSwitch,
}

impl Reach {
    /// As the access map writes it.
    pub fn label(self) -> &'static str {
        match self {
            Reach::CanSwitch => "Can switch",
            Reach::NeedsMfa => "Needs MFA",
            Reach::CannotSwitch => "Cannot switch",
        }
    }
}

/// Facts the decisions are made with: the time and, if known, the source address.
#[derive(Clone, Copy, Debug)]
pub struct MapContext {
    pub now: OffsetDateTime,
    pub source_ip: Option<IpAddr>,
}

impl MapContext {
    fn caller(&self, mfa: bool) -> CallerContext {
        let mut caller = CallerContext::at(self.now);
        if let Some(ip) = self.source_ip {
            caller = caller.with_source_ip(ip);
        }
        if mfa {
            caller = caller.with_mfa(self.now);
        }
        caller
    }
}

/// One cell and the evaluations that explain it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Cell {
    pub reach: Reach,
    /// The decision as the user is now (no MFA in the request).
    pub without_mfa: Evaluation,
    /// The decision with a fresh MFA, when the first was a refusal: for "Needs MFA" it names
    /// the statements that would allow the switch (the identity policy's and the trust
    /// policy's), while `without_mfa` names the condition that wants the MFA.
    pub with_mfa: Option<Evaluation>,
}

/// Whether `user` may switch to `role`, and why.
pub fn reach(
    directory: &Directory,
    account: &Account,
    user: &User,
    role: &Role,
    context: &MapContext,
) -> Cell {
    let identity = Identity::User { account, user };
    let decide = |mfa: bool| {
        let mut request = identity.context(&context.caller(mfa));
        // The console names role sessions after the user, as a switch does.
        request.insert_known(keys::ROLE_SESSION_NAME, user.name());
        request.insert_known(keys::STS_SOURCE_IDENTITY, user.name());
        access::authorize_with_context(
            directory,
            &identity,
            "sts:AssumeRole",
            role.arn_str(),
            request,
        )
    };
    let without_mfa = decide(false);
    if without_mfa.is_allowed() {
        return Cell {
            reach: Reach::CanSwitch,
            without_mfa,
            with_mfa: None,
        };
    }
    let with_mfa = decide(true);
    Cell {
        reach: if with_mfa.is_allowed() {
            Reach::NeedsMfa
        } else {
            Reach::CannotSwitch
        },
        without_mfa,
        with_mfa: Some(with_mfa),
    }
}

/// A row of the map: a user.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MapUser {
    pub arn: String,
    pub name: String,
    pub account_id: String,
}

/// A column of the map: a role.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MapRole {
    pub arn: String,
    pub name: String,
    pub account_id: String,
    pub account_alias: Option<String>,
}

/// Every user × every role of a directory.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AccessMap {
    pub users: Vec<MapUser>,
    pub roles: Vec<MapRole>,
    /// `cells[u][r]`: user `u`, role `r`.
    pub cells: Vec<Vec<Reach>>,
}

impl AccessMap {
    /// The map of `directory` at `context`.
    pub fn of(directory: &Directory, context: &MapContext) -> AccessMap {
        let roles: Vec<(&Account, &Role)> = directory
            .accounts()
            .flat_map(|a| a.roles().map(move |r| (a, r)))
            .collect();
        let users: Vec<(&Account, &User)> = directory
            .accounts()
            .flat_map(|a| a.users().map(move |u| (a, u)))
            .collect();
        let cells = users
            .iter()
            .map(|(account, user)| {
                roles
                    .iter()
                    .map(|(_, role)| reach(directory, account, user, role, context).reach)
                    .collect()
            })
            .collect();
        AccessMap {
            users: users
                .iter()
                .map(|(a, u)| MapUser {
                    arn: u.arn(),
                    name: u.name().to_string(),
                    account_id: a.id().to_string(),
                })
                .collect(),
            roles: roles
                .iter()
                .map(|(a, r)| MapRole {
                    arn: r.arn(),
                    name: r.name().to_string(),
                    account_id: a.id().to_string(),
                    account_alias: a.alias().map(str::to_string),
                })
                .collect(),
            cells,
        }
    }

    /// Only the column of `role_arn` and the row of `user_arn` (an empty ARN keeps them all).
    pub fn narrowed(mut self, role_arn: &str, user_arn: &str) -> AccessMap {
        let role_arn = role_arn.trim();
        let user_arn = user_arn.trim();
        if !role_arn.is_empty() {
            let keep: Vec<bool> = self.roles.iter().map(|r| r.arn == role_arn).collect();
            self.roles.retain(|r| r.arn == role_arn);
            for row in &mut self.cells {
                let mut keep = keep.iter();
                row.retain(|_| keep.next().copied().unwrap_or(false));
            }
        }
        if !user_arn.is_empty() {
            let mut keep = self
                .users
                .iter()
                .map(|u| u.arn == user_arn)
                .collect::<Vec<_>>()
                .into_iter();
            self.cells.retain(|_| keep.next().unwrap_or(false));
            self.users.retain(|u| u.arn == user_arn);
        }
        self
    }

    /// The map as CSV: a header row of role ARNs, then one row per user ARN.
    pub fn to_csv(&self) -> String {
        let mut out = String::from("user");
        for role in &self.roles {
            out.push(',');
            out.push_str(&csv_cell(&role.arn));
        }
        out.push_str("\r\n");
        for (user, row) in self.users.iter().zip(&self.cells) {
            out.push_str(&csv_cell(&user.arn));
            for reach in row {
                out.push(',');
                out.push_str(reach.label());
            }
            out.push_str("\r\n");
        }
        out
    }
}

/// ARNs never hold a comma or a quote, but a directory's names are not ours to trust.
fn csv_cell(value: &str) -> String {
    if value.contains([',', '"', '\r', '\n']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn demo_map() -> AccessMap {
        AccessMap::of(
            &Directory::demo(),
            &MapContext {
                now: datetime!(2026-12-02 12:00 UTC),
                source_ip: None,
            },
        )
    }

    fn cell(map: &AccessMap, user: &str, role_arn: &str) -> Reach {
        let u = map.users.iter().position(|x| x.name == user).expect("user");
        let r = map
            .roles
            .iter()
            .position(|x| x.arn == role_arn)
            .expect("role");
        map.cells[u][r]
    }

    #[test]
    fn the_demo_map_tells_the_story() {
        let map = demo_map();
        let prod = "arn:aws:iam::123456789012:role/UpdateAPP";
        assert_eq!(cell(&map, "alice", prod), Reach::NeedsMfa);
        assert_eq!(cell(&map, "bob", prod), Reach::CannotSwitch);
        assert_eq!(cell(&map, "admin", prod), Reach::NeedsMfa);
        let csv = map.to_csv();
        assert!(csv.starts_with("user,arn:aws:iam::"), "{csv}");
        assert!(
            csv.contains("arn:aws:iam::111122223333:user/bob,Cannot switch"),
            "{csv}"
        );
    }

    #[test]
    fn a_needs_mfa_cell_is_explained_by_the_identity_allow_and_the_trust_condition() {
        let dir = Directory::demo();
        let (dev, alice) = dir
            .user_by_arn("arn:aws:iam::111122223333:user/alice")
            .expect("alice");
        let (_, role) = dir
            .role_by_arn("arn:aws:iam::123456789012:role/UpdateAPP")
            .expect("role");
        let context = MapContext {
            now: datetime!(2026-12-02 12:00 UTC),
            source_ip: None,
        };
        let cell = reach(&dir, dev, alice, role, &context);
        assert_eq!(cell.reach, Reach::NeedsMfa);
        let refused = cell.without_mfa.summary();
        assert!(refused.contains("aws:MultiFactorAuthPresent"), "{refused}");
        let allowed = cell.with_mfa.expect("decided with MFA").summary();
        assert!(allowed.contains("group Developers"), "{allowed}");
        assert!(allowed.contains("AllowSwitchToUpdateAPP"), "{allowed}");
        assert!(allowed.contains("TrustDevelopmentWithMFA"), "{allowed}");
    }
}
