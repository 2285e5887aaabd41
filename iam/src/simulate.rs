//! The policy simulator behind `switchyard simulate`: JSON Lines in, one
//! JSON line out per request. See `iam/README.md` for the format.
//!
//! - [`run`] (stateless): every policy comes with the line, and the engine
//!   adds no context keys of its own, so a result depends only on the line.
//! - [`run_with_directory`]: the principal is looked up by ARN in a
//!   directory, its policies and the resource's policy come from there, and
//!   the context keys are derived as for real requests.
//!
//! A malformed line gives `{"error": "..."}` and the run goes on. Blank
//! lines are skipped.

use std::collections::BTreeMap;
use std::io::{BufRead, Write};

use serde::Deserialize;
use serde_json::{Value, json};
use time::OffsetDateTime;

use crate::access::{self, CallerContext, Identity, RoleSessionInfo};
use crate::context::{ContextValue, RequestContext, keys};
use crate::directory::Directory;
use crate::evaluate::{Evaluation, OrgLevel, Participant, PolicySet, Request, evaluate};
use crate::policy::{Effect, NamedPolicy, Policy, PolicyKind};
use crate::principal::Principal;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct Line {
    #[serde(default)]
    identity_policies: Option<Vec<Value>>,
    #[serde(default)]
    resource_policy: Option<Value>,
    #[serde(default)]
    permission_boundaries: Option<Vec<Value>>,
    #[serde(default)]
    session_policy: Option<Value>,
    /// One array of SCPs per level, from the root down to the account.
    #[serde(default)]
    service_control_policies: Option<Vec<Vec<Value>>>,
    /// One array of RCPs per level, from the root down to the account.
    #[serde(default)]
    resource_control_policies: Option<Vec<Vec<Value>>>,
    request: LineRequest,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct LineRequest {
    principal: String,
    action: String,
    resource: String,
    #[serde(default)]
    resource_account: Option<String>,
    #[serde(default)]
    context: BTreeMap<String, ContextValue>,
}

/// Stateless mode.
pub fn run<R: BufRead, W: Write>(input: R, output: W) -> std::io::Result<()> {
    run_lines(input, output, |line| simulate_line(line, None))
}

/// `--directory` mode.
pub fn run_with_directory<R: BufRead, W: Write>(
    directory: &Directory,
    input: R,
    output: W,
) -> std::io::Result<()> {
    run_lines(input, output, |line| simulate_line(line, Some(directory)))
}

fn run_lines<R: BufRead, W: Write>(
    input: R,
    mut output: W,
    simulate: impl Fn(&str) -> Result<Evaluation, String>,
) -> std::io::Result<()> {
    for line in input.lines() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        let reply = match simulate(&line) {
            Ok(evaluation) => {
                json!({ "decision": evaluation.decision, "explanation": evaluation.explanation })
            }
            Err(error) => json!({ "error": error }),
        };
        serde_json::to_writer(&mut output, &reply)?;
        output.write_all(b"\n")?;
        output.flush()?;
    }
    Ok(())
}

/// Decide one input line.
pub fn simulate_line(line: &str, directory: Option<&Directory>) -> Result<Evaluation, String> {
    let line: Line = serde_json::from_str(line).map_err(|e| format!("malformed line: {e}"))?;
    match directory {
        None => {
            let principal = Principal::from_arn(&line.request.principal)
                .map_err(|e| format!("request.principal: {e}"))?;
            stateless(&line, &principal)
        }
        Some(dir) => {
            if line.identity_policies.is_some()
                || line.permission_boundaries.is_some()
                || line.resource_policy.is_some()
                || line.service_control_policies.is_some()
                || line.resource_control_policies.is_some()
            {
                return Err("with --directory, policies come from the directory: only \"request\" and \"sessionPolicy\" are accepted".into());
            }
            let request = DirectoryRequest {
                principal: line.request.principal,
                action: line.request.action,
                resource: line.request.resource,
                context: line.request.context,
                session_policy: line.session_policy,
            };
            simulate_in_directory(dir, &request).map(|s| s.evaluation)
        }
    }
}

/// A request to decide against a directory: its policies come from there, and the context
/// keys that describe the principal are derived as for real requests.
#[derive(Debug, Clone, Default)]
pub struct DirectoryRequest {
    /// A user or assumed-role ARN of the directory.
    pub principal: String,
    pub action: String,
    pub resource: String,
    /// Given keys; `aws:CurrentTime` (default now), `aws:MultiFactorAuthPresent` and
    /// `aws:MultiFactorAuthAge` also set the time and the MFA of the caller (and so of a
    /// role session).
    pub context: BTreeMap<String, ContextValue>,
    /// The session policy of a role session principal.
    pub session_policy: Option<Value>,
}

/// A decision with every policy that took part.
#[derive(Debug, Clone)]
pub struct Simulation {
    pub evaluation: Evaluation,
    pub policies: Vec<Participant>,
}

/// What one statement of a participating policy did in a decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StatementMark {
    /// Not named by the explanation (it did not match the request, or did not matter).
    Unused,
    /// It applied with this effect and the explanation names it.
    Applied(Effect),
    /// Its action, resource and principal matched, but a condition did not hold: the
    /// explanation's message (the condition, and the value the request had).
    ConditionFailed(String),
    /// Kept by lenient parsing but never applies: why.
    Ignored(String),
}

impl Simulation {
    /// One mark per statement of `self.policies[policy]`, from the explanation lines that name
    /// it: this is what the simulator page highlights.
    pub fn marks(&self, policy: usize) -> Vec<StatementMark> {
        let Some(participant) = self.policies.get(policy) else {
            return Vec::new();
        };
        let mut marks = vec![StatementMark::Unused; participant.policy.statements().len()];
        for finding in &self.evaluation.explanation {
            let (Some(label), Some(used)) = (&finding.policy, finding.used) else {
                continue;
            };
            if **label != *participant.label {
                continue;
            }
            let Some(mark) = marks.get_mut(used.index) else {
                continue;
            };
            *mark = if used.applied {
                StatementMark::Applied(finding.effect.unwrap_or(Effect::Allow))
            } else if let Some(why) = finding.message.strip_prefix("statement ignored: ") {
                StatementMark::Ignored(why.to_string())
            } else {
                let failed = finding.message.strip_prefix("condition not met: ");
                StatementMark::ConditionFailed(failed.unwrap_or(&finding.message).to_string())
            };
        }
        marks
    }
}

/// A policy of the line, parsed as AWS evaluates it (see
/// [`Policy::from_value_lenient`]): statements AWS would refuse at creation
/// are kept, never apply, and the explanation says so.
fn policy(value: &Value, kind: PolicyKind, label: &str) -> Result<NamedPolicy, String> {
    // A policy may also come as a JSON string holding the document.
    let parsed = match value {
        Value::String(text) => Policy::parse_lenient(text, kind),
        other => Policy::from_value_lenient(other, kind),
    };
    parsed
        .map(|p| NamedPolicy::new(label, p))
        .map_err(|e| format!("{label}: {e}"))
}

fn context_of(request: &LineRequest) -> RequestContext {
    let mut c = RequestContext::new();
    for (k, v) in &request.context {
        c.insert(k, v.clone());
    }
    c
}

fn stateless(line: &Line, principal: &Principal) -> Result<Evaluation, String> {
    let identity = line
        .identity_policies
        .iter()
        .flatten()
        .enumerate()
        .map(|(i, v)| policy(v, PolicyKind::Identity, &format!("identityPolicies[{i}]")))
        .collect::<Result<Vec<_>, _>>()?;
    let resource = match &line.resource_policy {
        Some(Value::Null) | None => None,
        // For AssumeRole the resource policy is the role's trust policy.
        // (A document with Resource elements is accepted as a resource policy.)
        Some(v) if is_assume_role(&line.request.action) => Some(
            policy(v, PolicyKind::Trust, "resourcePolicy")
                .or_else(|e| policy(v, PolicyKind::Resource, "resourcePolicy").map_err(|_| e))?,
        ),
        Some(v) => Some(policy(v, PolicyKind::Resource, "resourcePolicy")?),
    };
    let boundaries = line
        .permission_boundaries
        .iter()
        .flatten()
        .enumerate()
        .map(|(i, v)| {
            policy(
                v,
                PolicyKind::Boundary,
                &format!("permissionBoundaries[{i}]"),
            )
        })
        .collect::<Result<Vec<_>, _>>()?;
    let session = match &line.session_policy {
        Some(Value::Null) | None => None,
        Some(v) => Some(policy(v, PolicyKind::Session, "sessionPolicy")?),
    };
    let service_control = org_levels(
        line.service_control_policies.as_deref(),
        PolicyKind::ServiceControl,
        "serviceControlPolicies",
    )?;
    let resource_control = org_levels(
        line.resource_control_policies.as_deref(),
        PolicyKind::ResourceControl,
        "resourceControlPolicies",
    )?;
    let context = context_of(&line.request);
    let request = Request {
        principal,
        action: &line.request.action,
        resource: &line.request.resource,
        resource_account: line.request.resource_account.as_deref(),
        context: &context,
    };
    let policies = PolicySet {
        identity: &identity,
        resource: resource.as_ref(),
        boundaries: &boundaries,
        session: session.as_ref(),
        service_control: &service_control,
        resource_control: &resource_control,
        caller_side_only: false,
    };
    Ok(evaluate(&request, &policies))
}

/// `[[POLICY, ...], ...]`: one level per entry from the root down to the
/// account, each named by its place in the line.
fn org_levels(
    levels: Option<&[Vec<Value>]>,
    kind: PolicyKind,
    field: &str,
) -> Result<Vec<OrgLevel>, String> {
    levels
        .unwrap_or_default()
        .iter()
        .enumerate()
        .map(|(l, policies)| {
            let label = format!("{field}[{l}]");
            let policies = policies
                .iter()
                .enumerate()
                .map(|(i, v)| policy(v, kind, &format!("{label}[{i}]")))
                .collect::<Result<Vec<_>, _>>()?;
            Ok(OrgLevel {
                label: format!("level {l}").into(),
                policies,
            })
        })
        .collect()
}

fn is_assume_role(action: &str) -> bool {
    crate::resource_rules::is_trust_action(action)
}

/// Keys the directory derives from the principal; a line cannot override them.
fn is_principal_key(key: &str) -> bool {
    let k = key.to_ascii_lowercase();
    matches!(
        k.as_str(),
        keys::PRINCIPAL_ARN
            | keys::PRINCIPAL_ACCOUNT
            | keys::PRINCIPAL_TYPE
            | keys::USERNAME
            | keys::USERID
    ) || k.starts_with(keys::PRINCIPAL_TAG_PREFIX)
}

/// Decide `request` against `dir`: the path of `switchyard simulate --directory` and of the
/// console's simulator page.
pub fn simulate_in_directory(
    dir: &Directory,
    request: &DirectoryRequest,
) -> Result<Simulation, String> {
    let principal =
        Principal::from_arn(&request.principal).map_err(|e| format!("request.principal: {e}"))?;
    let mut given = RequestContext::new();
    for (k, v) in &request.context {
        given.insert(k, v.clone());
    }
    let now = given
        .single(keys::CURRENT_TIME)
        .and_then(crate::conditions::parse_date)
        .unwrap_or_else(OffsetDateTime::now_utc);
    let mut caller = CallerContext::at(now);
    if given
        .single(keys::MFA_PRESENT)
        .is_some_and(|v| v.eq_ignore_ascii_case("true"))
    {
        let age = given
            .single(keys::MFA_AGE)
            .and_then(|a| a.parse::<i64>().ok())
            .unwrap_or(0);
        caller.mfa_authenticated_at = Some(now - time::Duration::seconds(age));
    }
    let session_info;
    let identity = match &principal {
        Principal::User { arn, .. } => {
            let (account, user) = dir
                .user_by_arn(arn)
                .ok_or_else(|| format!("request.principal: no user {arn} in the directory"))?;
            Identity::User { account, user }
        }
        Principal::RoleSession {
            account,
            role_name,
            session_name,
            ..
        } => {
            let acct = dir.account(account).ok_or_else(|| {
                format!("request.principal: no account {account} in the directory")
            })?;
            let role = acct.role(role_name).ok_or_else(|| {
                format!("request.principal: no role {role_name} in account {account}")
            })?;
            let session_policy = match &request.session_policy {
                Some(Value::Null) | None => None,
                Some(v) => Some(policy(v, PolicyKind::Session, "sessionPolicy")?),
            };
            session_info = RoleSessionInfo::new(
                session_name.clone(),
                given.single(keys::SOURCE_IDENTITY).map(str::to_owned),
                caller.mfa_authenticated_at,
                now,
                session_policy,
            );
            Identity::RoleSession {
                account: acct,
                role,
                session: &session_info,
            }
        }
        other => {
            return Err(format!(
                "request.principal: with --directory the principal must be a user or assumed-role ARN, not {}",
                other.describe()
            ));
        }
    };
    let mut context = identity.context(&caller);
    for (k, v) in given.iter() {
        if !is_principal_key(k) {
            context.insert(k, v.clone());
        }
    }
    let (evaluation, policies) =
        access::authorize_explained(dir, &identity, &request.action, &request.resource, context);
    Ok(Simulation {
        evaluation,
        policies,
    })
}
