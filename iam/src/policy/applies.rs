//! Whether a statement applies to a request: action, resource, principal and
//! conditions.

use super::{
    ActionBlock, ActionPattern, Effect, PrincipalBlock, PrincipalPattern, ResourceBlock,
    ResourcePattern, Statement,
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
            ActionPattern::Never => false,
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
                ResourcePattern::Never => {}
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
    /// How this `Principal`/`NotPrincipal` element names `principal`, for a
    /// statement of `effect`; `None`: the statement does not apply to it.
    pub fn matches(&self, principal: &Principal, effect: Effect) -> Option<PrincipalMatch> {
        if self.negated {
            return self.not_principal_matches(principal, effect);
        }
        let mut best = None;
        for p in &self.principals {
            let m = match (p, principal) {
                (PrincipalPattern::Any, _) => Some(PrincipalMatch::Direct),
                (PrincipalPattern::Account(a), _) if principal.account() == Some(a.as_str()) => {
                    Some(PrincipalMatch::Account)
                }
                (PrincipalPattern::Arn(a), Principal::User { arn, .. }) if a == arn => {
                    Some(PrincipalMatch::Direct)
                }
                // A role as the simulator's principal stands for a session of
                // it whose own ARN is unknown: naming the role is a role match,
                // limited by the boundary and session policy.
                (PrincipalPattern::Arn(a), Principal::Role { arn, .. }) if a == arn => {
                    Some(PrincipalMatch::Role)
                }
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

    /// `NotPrincipal` ("IAM JSON policy elements: NotPrincipal"). AWS may
    /// evaluate a request as the account, then the role, then the session,
    /// so a principal goes by several names. An `Allow` applies to everyone
    /// *except* the names listed: listing any of the caller's names keeps it
    /// from the caller. A `Deny` spares only a principal all of whose names
    /// are listed (user and account; session, role and account).
    fn not_principal_matches(
        &self,
        principal: &Principal,
        effect: Effect,
    ) -> Option<PrincipalMatch> {
        if self.principals.contains(&PrincipalPattern::Any) {
            return None;
        }
        let listed = |name: &PrincipalPattern| self.principals.contains(name);
        let arn = |a: &str| PrincipalPattern::Arn(a.to_owned());
        let mut names: Vec<PrincipalPattern> = Vec::with_capacity(3);
        match principal {
            Principal::User { arn: a, .. } | Principal::Role { arn: a, .. } => names.push(arn(a)),
            Principal::RoleSession {
                arn: a, role_arn, ..
            } => {
                names.push(arn(a));
                names.push(arn(role_arn));
            }
            Principal::AccountRoot { .. } | Principal::Anonymous => {}
            Principal::Service { name } => names.push(PrincipalPattern::Service(name.clone())),
        }
        if let Some(account) = principal.account() {
            names.push(PrincipalPattern::Account(account.to_owned()));
        }
        let excluded = match effect {
            Effect::Allow => names.iter().any(listed),
            Effect::Deny => !names.is_empty() && names.iter().all(listed),
        };
        (!excluded).then_some(PrincipalMatch::Direct)
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
            Some(block) => match block.matches(principal, self.effect) {
                Some(m) => Some(m),
                None => return StatementMatch::NotApplicable,
            },
            None => None,
        };
        for condition in &self.conditions {
            if !condition.matches(context) {
                return StatementMatch::ConditionFailed(condition.describe_failure(context));
            }
        }
        StatementMatch::Applies(principal_match)
    }
}
