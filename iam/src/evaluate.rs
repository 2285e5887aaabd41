//! The decision: AWS's policy evaluation logic for identity-based policies,
//! resource-based policies (bucket, trust and key policies), permissions
//! boundaries, session policies and AWS Organizations' service and resource
//! control policies, within one account and across accounts. VPC endpoint
//! policies are not modelled.
//!
//! 1. An explicit Deny in any applicable policy wins, and so does a write on
//!    an AWS-owned resource ([`crate::resource_rules`]).
//! 2. SCPs (for principals of member accounts, not service-linked roles):
//!    every level from the root down to the account must allow. RCPs only
//!    deny (AWS attaches `RCPFullAWSAccess` at every level).
//! 3. Role trust policies and KMS key policies must allow the principal in
//!    every case; one that names only the account delegates to the identity
//!    policies, which must then allow too.
//! 4. Within one account, a resource policy that names the principal's own
//!    ARN (user or session) or `*` allows on its own; one that names the
//!    role's ARN allows if the boundary and session policy allow; one that
//!    names the account delegates to the identity policies.
//! 5. Otherwise the identity policies must allow, and so must every
//!    permissions boundary and the session policy.
//! 6. Across accounts both the caller's side (step 5) and the resource
//!    policy must allow.

use std::borrow::Cow;
use std::sync::Arc;

use serde::Serialize;

use crate::context::RequestContext;
use crate::matching::ArnParts;
use crate::policy::{Effect, NamedPolicy, PrincipalMatch, StatementMatch};
use crate::principal::Principal;
use crate::resource_rules::{aws_owned_write, is_service_linked_role, required_policy};

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
    ServiceControl,
    ResourceControl,
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
    /// Which statement of `policy` this line is about and whether it applied, for showing the
    /// statement in its policy (the simulator page). Not part of the JSON.
    #[serde(skip)]
    pub used: Option<StatementUse>,
}

/// A statement an explanation line is about: its position in the policy's `Statement` array,
/// and whether it applied (an Allow or Deny that took effect) or not (a condition failed, or
/// the statement is ignored).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StatementUse {
    pub index: usize,
    pub applied: bool,
}

impl Finding {
    pub fn note(message: impl Into<Cow<'static, str>>) -> Self {
        Finding {
            policy: None,
            role: None,
            statement: None,
            effect: None,
            message: message.into(),
            used: None,
        }
    }

    /// The same line about a statement that did not apply.
    fn not_applied(mut self) -> Self {
        if let Some(used) = &mut self.used {
            used.applied = false;
        }
        self
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

/// The policies of one level of an organization (the root, an OU, or the
/// account) of one kind (SCPs or RCPs).
#[derive(Debug, Clone)]
pub struct OrgLevel {
    /// e.g. `root r-1a2b`, `OU Production (ou-1a2b-3c4d5e6f)`, `account 123456789012`.
    pub label: Arc<str>,
    pub policies: Vec<NamedPolicy>,
}

/// The policies that take part in one decision.
#[derive(Debug, Clone, Copy, Default)]
pub struct PolicySet<'a> {
    pub identity: &'a [NamedPolicy],
    pub resource: Option<&'a NamedPolicy>,
    pub boundaries: &'a [NamedPolicy],
    pub session: Option<&'a NamedPolicy>,
    /// SCPs of the principal's account, one level per entry from the root
    /// down to the account; empty when no organization limits the principal.
    pub service_control: &'a [OrgLevel],
    /// RCPs of the resource's account, likewise.
    pub resource_control: &'a [OrgLevel],
    /// Decide the caller's side only (identity, boundaries, session policy,
    /// SCPs): the resource's own policy is decided elsewhere, e.g. by AWS for
    /// a role the directory does not list. Never set it to skip a policy the
    /// engine knows.
    pub caller_side_only: bool,
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
    /// Statements the simulator kept but that can never apply, with why.
    ignored: Vec<(&'p NamedPolicy, usize, Arc<str>)>,
}

impl<'p> Tally<'p> {
    fn add(&mut self, named: &'p NamedPolicy, request: &Request<'_>, resource: &ArnParts<'_>) {
        for (i, statement) in named.policy.statements.iter().enumerate() {
            if let Some(reason) = &statement.ignored {
                self.ignored.push((named, i, reason.clone()));
                continue;
            }
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

    fn of(
        policies: impl IntoIterator<Item = &'p NamedPolicy>,
        request: &Request<'_>,
        resource: &ArnParts<'_>,
    ) -> Self {
        let mut t = Tally::default();
        for p in policies {
            t.add(p, request, resource);
        }
        t
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
        used: Some(StatementUse {
            index,
            applied: true,
        }),
    }
}

/// The tallies of one organization level.
struct LevelTally<'p> {
    level: &'p OrgLevel,
    tally: Tally<'p>,
}

fn tally_levels<'p>(
    levels: &'p [OrgLevel],
    request: &Request<'_>,
    resource: &ArnParts<'_>,
) -> Vec<LevelTally<'p>> {
    levels
        .iter()
        .map(|level| LevelTally {
            level,
            tally: Tally::of(&level.policies, request, resource),
        })
        .collect()
}

/// A finding about an organization policy names its level too.
fn org_finding(
    level: &OrgLevel,
    named: &NamedPolicy,
    index: usize,
    role: PolicyRole,
    effect: Effect,
    message: impl Into<Cow<'static, str>>,
) -> Finding {
    let mut f = finding(named, index, role, effect, message);
    f.policy = Some(org_policy_label(level, named));
    f
}

/// How explanations name a policy of an organization level.
fn org_policy_label(level: &OrgLevel, named: &NamedPolicy) -> Arc<str> {
    format!("{} / {}", level.label, named.label).into()
}

/// A policy that took part in a decision, named as the explanation names it.
#[derive(Debug, Clone)]
pub struct Participant {
    pub label: Arc<str>,
    pub role: PolicyRole,
    pub policy: Arc<crate::policy::Policy>,
}

impl PolicySet<'_> {
    /// Every policy of the set, in the order the engine considers them, labelled as its
    /// explanation lines name them (SCPs only when they limit `principal`).
    pub fn participants(&self, principal: &Principal) -> Vec<Participant> {
        let one = |named: &NamedPolicy, role| Participant {
            label: named.label.clone(),
            role,
            policy: named.policy.clone(),
        };
        let mut out: Vec<Participant> = Vec::new();
        let scps = if limited_by_scps(principal) {
            self.service_control
        } else {
            &[]
        };
        for (levels, role) in [
            (scps, PolicyRole::ServiceControl),
            (self.resource_control, PolicyRole::ResourceControl),
        ] {
            for level in levels {
                out.extend(level.policies.iter().map(|named| Participant {
                    label: org_policy_label(level, named),
                    role,
                    policy: named.policy.clone(),
                }));
            }
        }
        out.extend(self.identity.iter().map(|p| one(p, PolicyRole::Identity)));
        out.extend(
            self.boundaries
                .iter()
                .map(|p| one(p, PolicyRole::PermissionsBoundary)),
        );
        out.extend(self.session.map(|p| one(p, PolicyRole::Session)));
        out.extend(self.resource.map(|p| one(p, PolicyRole::Resource)));
        out
    }
}

/// Whether SCPs limit this principal: service-linked roles are exempt.
fn limited_by_scps(principal: &Principal) -> bool {
    match principal {
        Principal::RoleSession {
            role_arn,
            role_name,
            ..
        } => !is_service_linked_role(role_arn, role_name),
        Principal::Role { arn, .. } => {
            let name = arn.rsplit('/').next().unwrap_or_default();
            !is_service_linked_role(arn, name)
        }
        _ => true,
    }
}

/// Decide a request against a set of policies.
pub fn evaluate(request: &Request<'_>, policies: &PolicySet<'_>) -> Evaluation {
    let arn = ArnParts::new(request.resource);
    let identity = Tally::of(policies.identity, request, &arn);
    let resource = Tally::of(policies.resource, request, &arn);
    let boundaries: Vec<Tally<'_>> = policies
        .boundaries
        .iter()
        .map(|p| Tally::of([p], request, &arn))
        .collect();
    let session = Tally::of(policies.session, request, &arn);
    let scp_levels = if limited_by_scps(request.principal) {
        tally_levels(policies.service_control, request, &arn)
    } else {
        Vec::new()
    };
    let rcp_levels = tally_levels(policies.resource_control, request, &arn);

    let mut explanation = Vec::new();
    let mut ignored_notes = Vec::new();
    let groups: [(&Tally<'_>, PolicyRole); 3] = [
        (&identity, PolicyRole::Identity),
        (&resource, PolicyRole::Resource),
        (&session, PolicyRole::Session),
    ];
    let all_groups = groups.iter().copied().chain(
        boundaries
            .iter()
            .map(|b| (b, PolicyRole::PermissionsBoundary)),
    );
    for (tally, role) in all_groups.clone() {
        for (named, i) in &tally.denies {
            explanation.push(finding(named, *i, role, Effect::Deny, "explicit Deny"));
        }
        for (named, i, why) in &tally.ignored {
            ignored_notes.push(
                finding(
                    named,
                    *i,
                    role,
                    named.policy.statements[*i].effect,
                    format!("statement ignored: {why}"),
                )
                .not_applied(),
            );
        }
    }
    for (levels, role) in [
        (&scp_levels, PolicyRole::ServiceControl),
        (&rcp_levels, PolicyRole::ResourceControl),
    ] {
        for l in levels {
            for (named, i) in &l.tally.denies {
                explanation.push(org_finding(
                    l.level,
                    named,
                    *i,
                    role,
                    Effect::Deny,
                    "explicit Deny",
                ));
            }
            for (named, i, why) in &l.tally.ignored {
                ignored_notes.push(
                    org_finding(
                        l.level,
                        named,
                        *i,
                        role,
                        named.policy.statements[*i].effect,
                        format!("statement ignored: {why}"),
                    )
                    .not_applied(),
                );
            }
        }
    }
    if let Some(why) = aws_owned_write(request.action, request.resource) {
        explanation.insert(
            0,
            Finding::note(format!(
                "{why}: {} on {} is refused whatever the policies say",
                request.action, request.resource
            )),
        );
    }
    if !explanation.is_empty() {
        explanation.extend(ignored_notes);
        return Evaluation {
            decision: Decision::ExplicitlyDenied,
            explanation,
        };
    }

    // Every SCP level from the root down to the account must allow.
    let scp_gaps: Vec<&LevelTally<'_>> = scp_levels.iter().filter(|l| !l.tally.allows()).collect();

    let boundaries_allow = boundaries.iter().all(Tally::allows);
    let session_allows = policies.session.is_none() || session.allows();
    let caller_side = identity.allows() && boundaries_allow && session_allows;
    let same_account = match (request.resource_account, request.principal.account()) {
        (None, _) => true,
        (Some(r), Some(p)) => r == p,
        (Some(_), None) => false,
    };
    let required =
        required_policy(request.action, request.resource).filter(|_| !policies.caller_side_only);
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
    // Trust and key policies must allow in the same account too; other
    // resource policies only across accounts.
    let resource_must_allow = !policies.caller_side_only && (!same_account || required.is_some());
    let allowed = scp_gaps.is_empty()
        && (allowed_by_resource_alone
            || (caller_side && (!resource_must_allow || resource.allows())));

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
            if resource_must_allow {
                push_allows(
                    &mut explanation,
                    &resource,
                    PolicyRole::Resource,
                    if same_account {
                        "Allow"
                    } else {
                        "cross-account Allow"
                    },
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
        // SCPs never grant: an Allow names the policies that granted, not
        // the SCPs it passed.
        explanation.extend(ignored_notes);
        return Evaluation {
            decision: Decision::Allowed,
            explanation,
        };
    }

    // Implicit deny: say which required Allow is missing, and which
    // conditions kept statements from applying.
    let what = format!("{} on {}", request.action, request.resource);
    for l in &scp_gaps {
        explanation.push(Finding {
            policy: Some(l.level.label.clone()),
            role: Some(PolicyRole::ServiceControl),
            statement: None,
            effect: None,
            message: format!(
                "no service control policy at {} allows {what}",
                l.level.label
            )
            .into(),
            used: None,
        });
    }
    if let Some(required) = required
        && !resource.allows()
    {
        let needed = if same_account {
            format!(
                "{} must allow it, in the same account too",
                required.describe()
            )
        } else {
            format!(
                "cross-account request: {} must allow it",
                required.describe()
            )
        };
        explanation.push(Finding::note(match policies.resource {
            Some(p) => format!(
                "{} does not allow {what} for this principal ({needed})",
                p.label
            ),
            None => format!("there is no policy for {what} ({needed})"),
        }));
    }
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
    if !same_account && required.is_none() && !resource.allows() {
        explanation.push(Finding::note(match policies.resource {
            Some(p) => format!(
                "cross-account request: {} does not allow {what} for this principal",
                p.label
            ),
            None => format!("cross-account request: the resource has no policy that allows {what}"),
        }));
    }
    let org_failed = scp_levels
        .iter()
        .map(|l| (l, PolicyRole::ServiceControl))
        .flat_map(|(l, role)| {
            l.tally
                .failed_conditions
                .iter()
                .map(move |(named, i, effect, c)| (l.level, named, *i, *effect, c, role))
        });
    for (tally, role) in all_groups {
        for (named, i, effect, condition) in &tally.failed_conditions {
            if *effect == Effect::Allow {
                explanation.push(
                    finding(
                        named,
                        *i,
                        role,
                        *effect,
                        format!("condition not met: {condition}"),
                    )
                    .not_applied(),
                );
            }
        }
    }
    for (level, named, i, effect, condition, role) in org_failed {
        if effect == Effect::Allow {
            explanation.push(
                org_finding(
                    level,
                    named,
                    i,
                    role,
                    effect,
                    format!("condition not met: {condition}"),
                )
                .not_applied(),
            );
        }
    }
    explanation.extend(ignored_notes);
    Evaluation {
        decision: Decision::ImplicitlyDenied,
        explanation,
    }
}
