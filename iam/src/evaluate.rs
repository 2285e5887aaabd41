//! The decision: AWS's policy evaluation logic for identity-based policies,
//! resource-based policies (bucket and trust policies), permissions
//! boundaries and session policies, within one account and across accounts.
//! Service control policies, resource control policies and VPC endpoint
//! policies are not modelled.
//!
//! 1. An explicit Deny in any applicable policy wins.
//! 2. Within one account, a resource policy that names the principal's own
//!    ARN (user or session) or `*` allows on its own; one that names the
//!    role's ARN allows if the boundary and session policy allow; one that
//!    names the account delegates to the identity policies.
//! 3. Otherwise the identity policies must allow, and so must every
//!    permissions boundary and the session policy.
//! 4. Across accounts both the caller's side (step 3) and the resource
//!    policy must allow.

use std::borrow::Cow;
use std::sync::Arc;

use serde::Serialize;

use crate::context::RequestContext;
use crate::matching::ArnParts;
use crate::policy::{Effect, NamedPolicy, PrincipalMatch, StatementMatch};
use crate::principal::Principal;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Decision {
    Allowed,
    ImplicitlyDenied,
    ExplicitlyDenied,
}

impl Decision {
    pub fn is_allowed(self) -> bool {
        self == Decision::Allowed
    }
}

/// What role a policy plays in a decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum PolicyRole {
    Identity,
    Resource,
    PermissionsBoundary,
    Session,
}

/// One line of an explanation. `policy` and `statement` name what decided.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub policy: Option<Arc<str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<PolicyRole>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub statement: Option<Arc<str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub effect: Option<Effect>,
    pub message: Cow<'static, str>,
}

impl Finding {
    pub fn note(message: impl Into<Cow<'static, str>>) -> Self {
        Finding {
            policy: None,
            role: None,
            statement: None,
            effect: None,
            message: message.into(),
        }
    }
}

impl std::fmt::Display for Finding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if let Some(p) = &self.policy {
            write!(f, "{p}")?;
            if let Some(s) = &self.statement {
                write!(f, " {s}")?;
            }
            write!(f, ": ")?;
        }
        f.write_str(&self.message)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Evaluation {
    pub decision: Decision,
    pub explanation: Vec<Finding>,
}

impl Evaluation {
    pub fn is_allowed(&self) -> bool {
        self.decision.is_allowed()
    }

    /// The explanation on one line (for logs and audit records).
    pub fn summary(&self) -> String {
        let parts: Vec<String> = self.explanation.iter().map(ToString::to_string).collect();
        format!("{:?}: {}", self.decision, parts.join("; "))
    }
}

/// The policies that take part in one decision.
#[derive(Debug, Clone, Copy, Default)]
pub struct PolicySet<'a> {
    pub identity: &'a [NamedPolicy],
    pub resource: Option<&'a NamedPolicy>,
    pub boundaries: &'a [NamedPolicy],
    pub session: Option<&'a NamedPolicy>,
}

/// The request being decided.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    pub principal: &'a Principal,
    pub action: &'a str,
    /// The resource ARN, or `*` for actions without a resource.
    pub resource: &'a str,
    /// The account owning the resource; `None` means the principal's own.
    pub resource_account: Option<&'a str>,
    pub context: &'a RequestContext,
}

/// What the statements of one group of policies said.
#[derive(Default)]
struct Tally<'p> {
    denies: Vec<(&'p NamedPolicy, usize)>,
    allows: Vec<(&'p NamedPolicy, usize, Option<PrincipalMatch>)>,
    failed_conditions: Vec<(&'p NamedPolicy, usize, Effect, String)>,
}

impl<'p> Tally<'p> {
    fn add(&mut self, named: &'p NamedPolicy, request: &Request<'_>, resource: &ArnParts<'_>) {
        for (i, statement) in named.policy.statements.iter().enumerate() {
            match statement.applies_to(request.principal, request.action, resource, request.context)
            {
                StatementMatch::NotApplicable => {}
                StatementMatch::ConditionFailed(c) => {
                    self.failed_conditions.push((named, i, statement.effect, c))
                }
                StatementMatch::Applies(m) => match statement.effect {
                    Effect::Deny => self.denies.push((named, i)),
                    Effect::Allow => self.allows.push((named, i, m)),
                },
            }
        }
    }

    fn allows(&self) -> bool {
        !self.allows.is_empty()
    }

    fn best_principal_match(&self) -> Option<PrincipalMatch> {
        self.allows.iter().filter_map(|(_, _, m)| *m).max()
    }
}

fn finding(
    named: &NamedPolicy,
    index: usize,
    role: PolicyRole,
    effect: Effect,
    message: impl Into<Cow<'static, str>>,
) -> Finding {
    Finding {
        policy: Some(named.label.clone()),
        role: Some(role),
        statement: named
            .policy
            .statements
            .get(index)
            .map(|s| s.label().clone()),
        effect: Some(effect),
        message: message.into(),
    }
}

/// Decide a request against a set of policies.
pub fn evaluate(request: &Request<'_>, policies: &PolicySet<'_>) -> Evaluation {
    let arn = ArnParts::new(request.resource);
    let mut identity = Tally::default();
    for p in policies.identity {
        identity.add(p, request, &arn);
    }
    let mut resource = Tally::default();
    if let Some(p) = policies.resource {
        resource.add(p, request, &arn);
    }
    let mut boundaries: Vec<Tally<'_>> = Vec::with_capacity(policies.boundaries.len());
    for p in policies.boundaries {
        let mut t = Tally::default();
        t.add(p, request, &arn);
        boundaries.push(t);
    }
    let mut session = Tally::default();
    if let Some(p) = policies.session {
        session.add(p, request, &arn);
    }

    let groups: [(&Tally<'_>, PolicyRole); 3] = [
        (&identity, PolicyRole::Identity),
        (&resource, PolicyRole::Resource),
        (&session, PolicyRole::Session),
    ];
    let mut explanation = Vec::new();
    for (tally, role) in groups.iter().copied().chain(
        boundaries
            .iter()
            .map(|b| (b, PolicyRole::PermissionsBoundary)),
    ) {
        for (named, i) in &tally.denies {
            explanation.push(finding(named, *i, role, Effect::Deny, "explicit Deny"));
        }
    }
    if !explanation.is_empty() {
        return Evaluation {
            decision: Decision::ExplicitlyDenied,
            explanation,
        };
    }

    let boundaries_allow = boundaries.iter().all(Tally::allows);
    let session_allows = policies.session.is_none() || session.allows();
    let caller_side = identity.allows() && boundaries_allow && session_allows;
    let same_account = match (request.resource_account, request.principal.account()) {
        (None, _) => true,
        (Some(r), Some(p)) => r == p,
        (Some(_), None) => false,
    };
    let resource_match = resource.best_principal_match();

    // A principal outside every account (anonymous, a service) has no
    // identity policies: the resource policy alone decides for it.
    let accountless = request.principal.account().is_none();
    let allowed_by_resource_alone = (same_account || accountless)
        && match resource_match {
            Some(PrincipalMatch::Direct) => true,
            Some(PrincipalMatch::Role) => boundaries_allow && session_allows,
            Some(PrincipalMatch::Account) | None => false,
        };
    let allowed = allowed_by_resource_alone || (caller_side && (same_account || resource.allows()));

    let push_allows = |explanation: &mut Vec<Finding>,
                       tally: &Tally<'_>,
                       role: PolicyRole,
                       what: &'static str| {
        for (named, i, _) in &tally.allows {
            explanation.push(finding(named, *i, role, Effect::Allow, what));
        }
    };
    if allowed {
        if allowed_by_resource_alone {
            push_allows(
                &mut explanation,
                &resource,
                PolicyRole::Resource,
                "Allow naming this principal",
            );
        } else {
            push_allows(&mut explanation, &identity, PolicyRole::Identity, "Allow");
            if !same_account {
                push_allows(
                    &mut explanation,
                    &resource,
                    PolicyRole::Resource,
                    "cross-account Allow",
                );
            }
        }
        if !allowed_by_resource_alone || resource_match == Some(PrincipalMatch::Role) {
            for b in &boundaries {
                push_allows(
                    &mut explanation,
                    b,
                    PolicyRole::PermissionsBoundary,
                    "boundary allows",
                );
            }
            push_allows(
                &mut explanation,
                &session,
                PolicyRole::Session,
                "session policy allows",
            );
        }
        return Evaluation {
            decision: Decision::Allowed,
            explanation,
        };
    }

    // Implicit deny: say which required Allow is missing, and which
    // conditions kept statements from applying.
    let what = format!("{} on {}", request.action, request.resource);
    if !identity.allows() {
        explanation.push(Finding::note(format!(
            "no identity-based policy allows {what}"
        )));
    }
    if !boundaries_allow {
        explanation.push(Finding::note(format!(
            "the permissions boundary does not allow {what}"
        )));
    }
    if !session_allows {
        explanation.push(Finding::note(format!(
            "the session policy does not allow {what}"
        )));
    }
    if !same_account && !resource.allows() {
        explanation.push(Finding::note(match policies.resource {
            Some(p) => format!(
                "cross-account request: {} does not allow {what} for this principal",
                p.label
            ),
            None => format!("cross-account request: the resource has no policy that allows {what}"),
        }));
    }
    let all_failed = identity
        .failed_conditions
        .iter()
        .map(|f| (f, PolicyRole::Identity))
        .chain(
            resource
                .failed_conditions
                .iter()
                .map(|f| (f, PolicyRole::Resource)),
        )
        .chain(
            session
                .failed_conditions
                .iter()
                .map(|f| (f, PolicyRole::Session)),
        )
        .chain(boundaries.iter().flat_map(|b| {
            b.failed_conditions
                .iter()
                .map(|f| (f, PolicyRole::PermissionsBoundary))
        }));
    for ((named, i, effect, condition), role) in all_failed {
        if *effect == Effect::Allow {
            explanation.push(finding(
                named,
                *i,
                role,
                *effect,
                format!("condition not met: {condition}"),
            ));
        }
    }
    Evaluation {
        decision: Decision::ImplicitlyDenied,
        explanation,
    }
}
