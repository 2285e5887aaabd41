//! Whether a statement applies to a request: action, resource, principal and
//! conditions.

use super::{
    ActionBlock, ActionPattern, PrincipalBlock, PrincipalPattern, ResourceBlock, ResourcePattern,
    Statement,
};
use crate::context::RequestContext;
use crate::matching::{ArnParts, ArnPattern, glob_match};
use crate::principal::Principal;

/// How a resource-based policy named the principal. The order matters:
/// a stronger match is preferred when several statements allow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub enum PrincipalMatch {
    /// Through the account (ID or `:root`): the account's identity policies
    /// must allow too.
    Account,
    /// Through the role's ARN (for a role session).
    Role,
    /// The principal's own ARN (user or session), or `*`.
    Direct,
}

/// Outcome of one statement for one request.
#[derive(Debug, Clone, PartialEq)]
pub enum StatementMatch {
    /// Action, resource or principal does not match.
    NotApplicable,
    /// Everything matched except this condition (described).
    ConditionFailed(String),
    /// The statement applies; for resource policies, how the principal matched.
    Applies(Option<PrincipalMatch>),
}

impl ActionBlock {
    pub fn matches(&self, action: &str) -> bool {
        let (service, name) = action.split_once(':').unwrap_or(("", action));
        let any = self.patterns.iter().any(|p| match p {
            ActionPattern::Any => true,
            ActionPattern::Pattern {
                service: s,
                name: n,
            } if s.is_empty() => glob_match(n, action, true),
            ActionPattern::Pattern {
                service: s,
                name: n,
            } => s.eq_ignore_ascii_case(service) && glob_match(n, name, true),
        });
        any != self.negated
    }
}

impl ResourceBlock {
    /// A pattern whose variable has no value matches nothing; in `NotResource`
    /// it makes the whole element not match (the statement never applies).
    pub fn matches(&self, resource: &ArnParts<'_>, context: &RequestContext) -> bool {
        let mut any = false;
        for pattern in &self.patterns {
            match pattern {
                ResourcePattern::Any => any = true,
                ResourcePattern::Fixed(p) => any = p.matches(resource),
                ResourcePattern::Arn(t) => match t.resolve(context) {
                    Some(p) => any = ArnPattern::new(p.into_owned()).matches(resource),
                    None if self.negated => return false,
                    None => {}
                },
            }
            if any {
                break;
            }
        }
        any != self.negated
    }
}

impl PrincipalBlock {
    pub fn matches(&self, principal: &Principal) -> Option<PrincipalMatch> {
        if self.negated {
            // NotPrincipal excludes a principal only when every name it goes
            // by is listed: its own ARN and its account (AWS documents that
            // naming just one of them does not exclude it).
            if self.principals.contains(&PrincipalPattern::Any) {
                return None;
            }
            let own = match principal {
                Principal::User { arn, .. }
                | Principal::RoleSession { arn, .. }
                | Principal::Role { arn, .. } => self
                    .principals
                    .iter()
                    .any(|p| matches!(p, PrincipalPattern::Arn(a) if a == arn)),
                Principal::AccountRoot { .. } => true,
                Principal::Service { name } => self
                    .principals
                    .iter()
                    .any(|p| matches!(p, PrincipalPattern::Service(s) if s == name)),
                Principal::Anonymous => false,
            };
            let account = match principal.account() {
                Some(acct) => self
                    .principals
                    .iter()
                    .any(|p| matches!(p, PrincipalPattern::Account(a) if a == acct)),
                None => true,
            };
            return if own && account {
                None
            } else {
                Some(PrincipalMatch::Direct)
            };
        }
        let mut best = None;
        for p in &self.principals {
            let m = match (p, principal) {
                (PrincipalPattern::Any, _) => Some(PrincipalMatch::Direct),
                (PrincipalPattern::Account(a), _) if principal.account() == Some(a.as_str()) => {
                    Some(PrincipalMatch::Account)
                }
                (
                    PrincipalPattern::Arn(a),
                    Principal::User { arn, .. } | Principal::Role { arn, .. },
                ) if a == arn => Some(PrincipalMatch::Direct),
                (PrincipalPattern::Arn(a), Principal::RoleSession { arn, role_arn, .. }) => {
                    if a == arn {
                        Some(PrincipalMatch::Direct)
                    } else if a == role_arn {
                        Some(PrincipalMatch::Role)
                    } else {
                        None
                    }
                }
                (PrincipalPattern::Service(s), Principal::Service { name }) if s == name => {
                    Some(PrincipalMatch::Direct)
                }
                _ => None,
            };
            best = best.max(m);
            if best == Some(PrincipalMatch::Direct) {
                break;
            }
        }
        best
    }
}

impl Statement {
    /// Decide whether this statement applies. `principal` is checked only
    /// when the statement names principals (resource and trust policies).
    pub fn applies(
        &self,
        principal: &Principal,
        action: &str,
        resource: &str,
        context: &RequestContext,
    ) -> StatementMatch {
        self.applies_to(principal, action, &ArnParts::new(resource), context)
    }

    /// [`Statement::applies`] with the resource ARN split beforehand.
    pub fn applies_to(
        &self,
        principal: &Principal,
        action: &str,
        resource: &ArnParts<'_>,
        context: &RequestContext,
    ) -> StatementMatch {
        if !self.actions.matches(action) {
            return StatementMatch::NotApplicable;
        }
        if let Some(resources) = &self.resources
            && !resources.matches(resource, context)
        {
            return StatementMatch::NotApplicable;
        }
        let principal_match = match &self.principals {
            Some(block) => match block.matches(principal) {
                Some(m) => Some(m),
                None => return StatementMatch::NotApplicable,
            },
            None => None,
        };
        for condition in &self.conditions {
            if !condition.matches(context) {
                return StatementMatch::ConditionFailed(condition.describe());
            }
        }
        StatementMatch::Applies(principal_match)
    }
}
