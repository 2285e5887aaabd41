//! The policy simulator page, for console administrators: its inputs (they live in the URL,
//! so a simulation can be shared), the choices it offers, and the engine's answer with every
//! policy that took part.

use serde::{Deserialize, Serialize};

use crate::access_map::ExplanationLine;
use crate::links::with_query;

/// The form's fields, as the URL holds them. Empty strings are unset.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SimulatorInput {
    /// A user ARN or an assumed-role (role session) ARN of the directory.
    pub principal: String,
    pub action: String,
    pub resource: String,
    /// `aws:MultiFactorAuthPresent`.
    pub mfa: bool,
    /// `aws:MultiFactorAuthAge`, seconds.
    pub mfa_age: String,
    /// `aws:SourceIp`.
    pub source_ip: String,
    /// `aws:CurrentTime`, RFC 3339; empty: now.
    pub time: String,
    /// More keys, one `key=value` per line (a key given twice is multi-valued).
    pub context: String,
    /// The audit event this simulation replays ("Explain").
    pub event: String,
}

impl SimulatorInput {
    /// The page's shareable URL for these inputs.
    pub fn url(&self) -> String {
        with_query(
            "/simulate",
            &[
                ("principal", &self.principal),
                ("action", &self.action),
                ("resource", &self.resource),
                ("mfa", if self.mfa { "true" } else { "" }),
                ("mfa_age", &self.mfa_age),
                ("source_ip", &self.source_ip),
                ("time", &self.time),
                ("context", &self.context),
                ("event", &self.event),
            ],
        )
    }

    /// Whether there is anything to simulate.
    pub fn is_complete(&self) -> bool {
        !self.principal.trim().is_empty()
            && !self.action.trim().is_empty()
            && !self.resource.trim().is_empty()
    }
}

/// A principal the form offers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrincipalChoice {
    pub arn: String,
    /// e.g. `alice (user in 111122223333)`, `UpdateAPP session in production`.
    pub label: String,
}

/// How one statement of a policy took part: `applied-allow`, `applied-deny`,
/// `condition-failed`, `ignored` or `unused`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatementView {
    /// The statement as written, pretty-printed and indented to sit in its policy.
    pub json: String,
    pub mark: String,
    /// What the mark means for people: "Allow applied", the failed condition and the value
    /// the request had, why it is ignored.
    pub note: Option<String>,
}

/// A policy document with each statement marked.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyDocumentView {
    /// The text before the first statement (`{`, `"Version"`, `"Statement": [`).
    pub head: String,
    pub statements: Vec<StatementView>,
    /// The text after the last statement.
    pub tail: String,
    /// Every ARN the document mentions, for copying.
    pub arns: Vec<String>,
}

/// A policy that took part in the decision.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParticipantView {
    /// As the explanation names it.
    pub label: String,
    /// e.g. `Identity-based policy`, `Trust policy`, `Service control policy`.
    pub kind: String,
    pub document: PolicyDocumentView,
}

/// The engine's answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SimulationResult {
    /// `Allowed`, `ImplicitlyDenied` or `ExplicitlyDenied`.
    pub decision: String,
    pub lines: Vec<ExplanationLine>,
    pub policies: Vec<ParticipantView>,
}

/// The audit event an "Explain" replays, and whether today's policies agree with it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReplayedEvent {
    pub id: i64,
    pub at: String,
    pub action: String,
    /// `Allowed` or `Denied`, as recorded.
    pub decision: String,
    /// Whether the simulation, with today's policies and the event's context, decides alike.
    pub same_today: bool,
    /// What the simulator could not replay (an access grant, a failure that was no decision).
    pub caveat: Option<String>,
}

/// The whole page.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SimulatorView {
    /// The inputs as used (from the URL, or filled from the replayed event).
    pub input: SimulatorInput,
    pub principals: Vec<PrincipalChoice>,
    /// Actions the directory's policies mention, and the console's own, for completion.
    pub actions: Vec<String>,
    /// Resource ARNs of the directory (roles, buckets), for completion.
    pub resources: Vec<String>,
    pub result: Option<SimulationResult>,
    /// Why the inputs could not be simulated.
    pub error: Option<String>,
    pub event: Option<ReplayedEvent>,
}
