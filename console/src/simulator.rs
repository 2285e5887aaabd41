//! The administrators' policy simulator: the page's inputs into one
//! [`iam::simulate::simulate_in_directory`] call (the path `switchyard simulate --directory`
//! takes too), the answer with every policy that took part and the statements it used, and
//! "Explain" for an audit event: the event's request replayed against today's policies.

use std::collections::BTreeMap;
use std::net::IpAddr;

use iam::simulate::{DirectoryRequest, Simulation, simulate_in_directory};
use iam::{ContextValue, Directory};
use serde_json::Value;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use types::simulator::{
    ParticipantView, PrincipalChoice, ReplayedEvent, SimulationResult, SimulatorInput,
    SimulatorView,
};

use crate::audit::{AuditError, AuditFilter, AuditRecord, Decision};
use crate::state::AppState;

/// The context keys the form sets, as AWS spells them (the engine compares keys without case).
const MFA_PRESENT: &str = "aws:MultiFactorAuthPresent";
const MFA_AGE: &str = "aws:MultiFactorAuthAge";
const SOURCE_IP: &str = "aws:SourceIp";
const CURRENT_TIME: &str = "aws:CurrentTime";

/// The session name of the role sessions the form offers.
pub const SIMULATED_SESSION: &str = "simulation";

/// Actions the console itself performs, offered even when no policy names them.
const CONSOLE_ACTIONS: &[&str] = &[
    "sts:AssumeRole",
    "s3:ListAllMyBuckets",
    "s3:ListBucket",
    "s3:GetObject",
    "s3:PutObject",
    "s3:DeleteObject",
];

/// The page for `input`: when it names an audit event ("Explain"), the event's request fills
/// the inputs and the answer says whether today's policies decide alike.
pub async fn view(
    state: &AppState,
    mut input: SimulatorInput,
) -> Result<SimulatorView, AuditError> {
    let mut replay = None;
    let mut error = None;
    if let Ok(id) = input.event.trim().parse::<i64>() {
        match event(state, id).await? {
            Some(record) => match replayed_input(&record) {
                Some(from_event) => {
                    input = from_event;
                    replay = Some(record);
                }
                None => {
                    error = Some(format!(
                        "Audit event {id} is not a decision the simulator can replay."
                    ))
                }
            },
            None => error = Some(format!("There is no audit event {id}.")),
        }
    } else if !input.event.trim().is_empty() {
        error = Some("The audit event is given by its number.".to_string());
    }
    let directory = &state.directory;
    let mut page = SimulatorView {
        principals: principals(directory),
        actions: actions(directory),
        resources: resources(directory),
        result: None,
        error,
        event: None,
        input,
    };
    if page.error.is_none() && page.input.is_complete() {
        match simulate(directory, &page.input) {
            Ok(simulation) => {
                if let Some(record) = &replay {
                    page.event = Some(replayed(record, &simulation));
                }
                page.result = Some(result(&simulation));
            }
            Err(message) => page.error = Some(message),
        }
    }
    Ok(page)
}

/// Decide `input` against the directory.
pub fn simulate(directory: &Directory, input: &SimulatorInput) -> Result<Simulation, String> {
    simulate_in_directory(directory, &request(input)?)
}

/// The form's fields as the engine's request; a field that does not parse is named.
fn request(input: &SimulatorInput) -> Result<DirectoryRequest, String> {
    let mut context: BTreeMap<String, ContextValue> = BTreeMap::new();
    for line in input
        .context
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
    {
        let Some((key, value)) = line.split_once('=') else {
            return Err(format!(
                "Context: \"{line}\" is not key=value (one key and value per line)."
            ));
        };
        let (key, value) = (key.trim(), value.trim().to_string());
        if key.is_empty() {
            return Err(format!("Context: \"{line}\" has no key."));
        }
        let entry = context.entry(key.to_string());
        match entry {
            std::collections::btree_map::Entry::Vacant(v) => {
                v.insert(ContextValue::Single(value));
            }
            std::collections::btree_map::Entry::Occupied(mut o) => {
                let mut values = o.get().values().to_vec();
                values.push(value);
                o.insert(ContextValue::Multi(values));
            }
        }
    }
    if input.mfa {
        context.insert(MFA_PRESENT.into(), "true".into());
        let age = input.mfa_age.trim();
        if !age.is_empty() {
            age.parse::<u32>()
                .map_err(|_| "MFA age: a whole number of seconds, such as 60.".to_string())?;
            context.insert(MFA_AGE.into(), age.into());
        }
    }
    let ip = input.source_ip.trim();
    if !ip.is_empty() {
        ip.parse::<IpAddr>()
            .map_err(|_| "Source IP: an IPv4 or IPv6 address, such as 203.0.113.7.".to_string())?;
        context.insert(SOURCE_IP.into(), ip.into());
    }
    let time = input.time.trim();
    if !time.is_empty() {
        OffsetDateTime::parse(time, &Rfc3339).map_err(|_| {
            "Time: a date and time such as 2026-12-01T09:30:00Z (RFC 3339).".to_string()
        })?;
        context.insert(CURRENT_TIME.into(), time.into());
    }
    Ok(DirectoryRequest {
        principal: input.principal.trim().to_string(),
        action: input.action.trim().to_string(),
        resource: input.resource.trim().to_string(),
        context,
        session_policy: None,
    })
}

fn result(simulation: &Simulation) -> SimulationResult {
    SimulationResult {
        decision: format!("{:?}", simulation.evaluation.decision),
        lines: crate::access_map::lines(&simulation.evaluation),
        policies: simulation
            .policies
            .iter()
            .enumerate()
            .map(|(i, participant)| ParticipantView {
                label: participant.label.to_string(),
                kind: kind_label(participant.role).to_string(),
                document: crate::policy_document::render(&participant.policy, &simulation.marks(i)),
            })
            .collect(),
    }
}

fn kind_label(role: iam::evaluate::PolicyRole) -> &'static str {
    use iam::evaluate::PolicyRole as R;
    match role {
        R::Identity => "Identity-based policy",
        R::Resource => "Resource-based policy",
        R::PermissionsBoundary => "Permissions boundary",
        R::Session => "Session policy",
        R::ServiceControl => "Service control policy",
        R::ResourceControl => "Resource control policy",
    }
}

/// Users of every account, and a role session of every role.
fn principals(directory: &Directory) -> Vec<PrincipalChoice> {
    let mut out = Vec::new();
    for account in directory.accounts() {
        for user in account.users() {
            out.push(PrincipalChoice {
                arn: user.arn(),
                label: format!("{} (user in {})", user.name(), account.display_name()),
            });
        }
    }
    for account in directory.accounts() {
        for role in account.roles() {
            out.push(PrincipalChoice {
                arn: iam::access::assumed_role_arn(account.id(), role.name(), SIMULATED_SESSION),
                label: format!("{} role session in {}", role.name(), account.display_name()),
            });
        }
    }
    out
}

/// Every action the directory's policies name (without wildcards), and the console's own.
fn actions(directory: &Directory) -> Vec<String> {
    let mut out: Vec<String> = CONSOLE_ACTIONS.iter().map(|a| a.to_string()).collect();
    for policy in crate::policy_document::every_policy(directory) {
        for statement in policy.statements() {
            let written = statement.as_written();
            for key in ["Action", "NotAction"] {
                match written.get(key) {
                    Some(Value::String(a)) => out.push(a.clone()),
                    Some(Value::Array(items)) => {
                        out.extend(items.iter().filter_map(|i| i.as_str().map(str::to_string)))
                    }
                    _ => {}
                }
            }
        }
    }
    out.retain(|a| !a.contains(['*', '?']) && a.contains(':'));
    out.sort_by_key(|a| a.to_ascii_lowercase());
    out.dedup_by(|a, b| a.eq_ignore_ascii_case(b));
    out
}

/// Role, bucket and sample object ARNs of the directory.
fn resources(directory: &Directory) -> Vec<String> {
    let mut out = Vec::new();
    for account in directory.accounts() {
        out.extend(account.roles().map(|r| r.arn()));
        for bucket in account.buckets() {
            out.push(bucket.arn().to_string());
            out.extend(
                bucket
                    .sample_objects()
                    .iter()
                    .map(|o| format!("{}/{}", bucket.arn(), o.key)),
            );
        }
    }
    out
}

async fn event(state: &AppState, id: i64) -> Result<Option<AuditRecord>, AuditError> {
    let filter = AuditFilter {
        before_id: id.checked_add(1),
        ..AuditFilter::default()
    };
    let found = state.audit.query(&filter, 1).await?;
    Ok(found.into_iter().find(|r| r.id == id))
}

/// Whether the audit trail's "Explain" applies to `record`: a switch or an object action
/// that was decided (allowed or denied), not the note that one was about to start.
pub fn explainable(record: &AuditRecord) -> bool {
    replayed_input(record).is_some()
}

/// The simulator's inputs for an audit event, as recorded: principal, action, resource, and
/// the context the event kept (MFA, source IP, time).
fn replayed_input(record: &AuditRecord) -> Option<SimulatorInput> {
    let event = &record.event;
    if !matches!(event.decision, Decision::Allowed | Decision::Denied)
        || event.detail.get("attempt").is_some()
    {
        return None;
    }
    let detail = &event.detail;
    let text = |key: &str| detail.get(key).and_then(Value::as_str).map(str::to_string);
    let actor = event.actor.clone().filter(|a| a.starts_with("arn:"))?;
    let (principal, action, resource) = match event.action.as_str() {
        "SwitchRole" => {
            let role = text("role_arn").or_else(|| {
                detail
                    .get("reason")
                    .and_then(|r| r.get("role_arn"))
                    .and_then(Value::as_str)
                    .map(str::to_string)
            })?;
            (actor, "sts:AssumeRole".to_string(), role)
        }
        action if action.starts_with("s3:") => {
            let principal = text("assumed_role_arn").unwrap_or(actor);
            let resource = match (text("bucket"), text("key")) {
                (Some(bucket), Some(key)) => format!("arn:aws:s3:::{bucket}/{key}"),
                (Some(bucket), None) => format!("arn:aws:s3:::{bucket}"),
                _ => "*".to_string(),
            };
            (principal, action.to_string(), resource)
        }
        _ => return None,
    };
    let context = detail.get("context");
    let key = |name: &str| {
        context
            .and_then(|c| c.get(name))
            .and_then(Value::as_str)
            .map(str::to_string)
    };
    Some(SimulatorInput {
        principal,
        action,
        resource,
        mfa: key(MFA_PRESENT).as_deref() == Some("true"),
        mfa_age: key(MFA_AGE).unwrap_or_default(),
        source_ip: event.client_ip.clone().unwrap_or_default(),
        time: record.at.format(&Rfc3339).unwrap_or_default(),
        context: String::new(),
        event: record.id.to_string(),
    })
}

fn replayed(record: &AuditRecord, simulation: &Simulation) -> ReplayedEvent {
    let was_allowed = record.event.decision == Decision::Allowed;
    let caveat = record.event.detail.get("access_grant").map(|grant| {
        format!(
            "This switch was made under access grant {grant}; the simulator decides with the policies of the directory only."
        )
    });
    ReplayedEvent {
        id: record.id,
        at: record.at.format(&Rfc3339).unwrap_or_default(),
        action: record.event.action.clone(),
        decision: record.event.decision.as_str().to_string(),
        same_today: was_allowed == simulation.evaluation.is_allowed(),
        caveat,
    }
}

/// The context keys an audit event keeps so that "Explain" can replay its decision: MFA
/// presence and age at `now`.
pub fn recorded_context(
    mfa_authenticated_at: Option<OffsetDateTime>,
    now: OffsetDateTime,
) -> Value {
    match mfa_authenticated_at {
        Some(at) => serde_json::json!({
            MFA_PRESENT: "true",
            MFA_AGE: (now - at).whole_seconds().max(0).to_string(),
        }),
        None => serde_json::json!({ MFA_PRESENT: "false" }),
    }
}
