//! The IAM policy language: the compiled model of a policy document.
//!
//! A document is parsed and validated once ([`Policy::parse`]); evaluation
//! works on this model and never looks at the JSON again.

mod applies;
pub(crate) mod error;
mod limits;
mod parse;

pub use applies::{PrincipalMatch, StatementMatch};
pub use error::PolicyError;
pub use limits::Limits;
pub(crate) use limits::policy_size;
pub(crate) use parse::is_account_id;

use std::sync::Arc;

use crate::conditions::Condition;
use crate::matching::ArnPattern;
use crate::variables::Template;

/// Where a policy is used; decides which elements it must and must not have.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PolicyKind {
    /// Identity-based (user, group, role permissions; managed policies).
    Identity,
    /// Permissions boundary (an identity-based policy used as a limit).
    Boundary,
    /// Session policy passed to AssumeRole.
    Session,
    /// Resource-based policy such as a bucket policy.
    Resource,
    /// A role's trust policy (the resource policy of `sts:AssumeRole`).
    Trust,
    /// An AWS Organizations service control policy (limits principals).
    ServiceControl,
    /// An AWS Organizations resource control policy (limits resources;
    /// `Principal` is required, as in a resource policy).
    ResourceControl,
}

impl PolicyKind {
    /// Whether the policy names its principals (`Principal`/`NotPrincipal`).
    pub fn has_principals(self) -> bool {
        matches!(
            self,
            PolicyKind::Resource | PolicyKind::Trust | PolicyKind::ResourceControl
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PolicyVersion {
    V2008_10_17,
    V2012_10_17,
}

impl PolicyVersion {
    /// Policy variables exist only in version 2012-10-17.
    pub fn has_variables(self) -> bool {
        self == PolicyVersion::V2012_10_17
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum Effect {
    Allow,
    Deny,
}

#[derive(Debug, Clone)]
pub struct Policy {
    pub(crate) version: PolicyVersion,
    pub(crate) id: Option<String>,
    pub(crate) statements: Vec<Statement>,
    pub(crate) kind: PolicyKind,
}

impl Policy {
    pub fn version(&self) -> PolicyVersion {
        self.version
    }
    pub fn id(&self) -> Option<&str> {
        self.id.as_deref()
    }
    pub fn statements(&self) -> &[Statement] {
        &self.statements
    }
    pub fn kind(&self) -> PolicyKind {
        self.kind
    }
}

#[derive(Debug, Clone)]
pub struct Statement {
    /// Position in the `Statement` array (0 when it was a single object).
    pub(crate) index: usize,
    pub(crate) sid: Option<String>,
    /// For explanations, built once.
    pub(crate) label: Arc<str>,
    pub(crate) effect: Effect,
    pub(crate) actions: ActionBlock,
    pub(crate) resources: Option<ResourceBlock>,
    pub(crate) principals: Option<PrincipalBlock>,
    pub(crate) conditions: Vec<Condition>,
    /// The statement as written in the policy document, for showing it to people.
    pub(crate) written: Arc<serde_json::Value>,
    /// Set by the simulator's lenient parsing for a statement AWS would
    /// refuse at creation (a `Principal` in an identity policy, none in a
    /// resource policy): it is kept, never applies, and the reason is told.
    pub(crate) ignored: Option<Arc<str>>,
}

impl Statement {
    /// The statement as written (original case and order), e.g. to render it for people.
    pub fn as_written(&self) -> &serde_json::Value {
        &self.written
    }
    pub fn index(&self) -> usize {
        self.index
    }
    pub fn sid(&self) -> Option<&str> {
        self.sid.as_deref()
    }
    pub fn effect(&self) -> Effect {
        self.effect
    }
    pub fn conditions(&self) -> &[Condition] {
        &self.conditions
    }
    /// `Statement[i]`, with the `Sid` if it has one: `Statement[0] (Sid "X")`.
    pub fn label(&self) -> &Arc<str> {
        &self.label
    }
}

/// `Action` or `NotAction`: lowercased glob patterns (`*` is "every action").
#[derive(Debug, Clone)]
pub struct ActionBlock {
    pub(crate) negated: bool,
    pub(crate) patterns: Vec<ActionPattern>,
}

/// One action pattern, lowercased and split at the colon so that most
/// patterns are rejected by comparing the service prefix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ActionPattern {
    Any,
    /// A string that is not an action name (a comma inside, white space
    /// around, an empty name): the simulator keeps it, and it matches nothing.
    Never,
    Pattern {
        service: String,
        name: String,
    },
}

impl ActionPattern {
    pub(crate) fn new(lowercase: &str) -> Self {
        match lowercase.split_once(':') {
            Some((service, name)) if !service.contains(['*', '?']) => ActionPattern::Pattern {
                service: service.to_owned(),
                name: name.to_owned(),
            },
            _ if lowercase == "*" => ActionPattern::Any,
            // A wildcard in the service part: match the whole name.
            _ => ActionPattern::Pattern {
                service: String::new(),
                name: lowercase.to_owned(),
            },
        }
    }
}

/// `Resource` or `NotResource`.
#[derive(Debug, Clone)]
pub struct ResourceBlock {
    pub(crate) negated: bool,
    pub(crate) patterns: Vec<ResourcePattern>,
}

#[derive(Debug, Clone)]
pub enum ResourcePattern {
    Any,
    /// A string that is not an ARN: the simulator keeps it, and it matches
    /// no resource.
    Never,
    /// Without variables: split once at compile time.
    Fixed(ArnPattern),
    /// With variables: resolved per request.
    Arn(Template),
}

/// `Principal` or `NotPrincipal`.
#[derive(Debug, Clone)]
pub struct PrincipalBlock {
    pub(crate) negated: bool,
    pub(crate) principals: Vec<PrincipalPattern>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PrincipalPattern {
    /// `"*"` or `{"AWS": "*"}`: everyone.
    Any,
    /// An account ID or `arn:aws:iam::ID:root`.
    Account(String),
    /// A user, role or assumed-role session ARN.
    Arn(String),
    Service(String),
    Federated(String),
    CanonicalUser(String),
}

/// A compiled policy with the name it is known by in explanations,
/// e.g. `group Developers / inline policy AssumeUpdateAPP`.
#[derive(Debug, Clone)]
pub struct NamedPolicy {
    pub(crate) label: Arc<str>,
    pub(crate) policy: Arc<Policy>,
}

impl NamedPolicy {
    pub fn new(label: impl Into<Arc<str>>, policy: impl Into<Arc<Policy>>) -> Self {
        NamedPolicy {
            label: label.into(),
            policy: policy.into(),
        }
    }
    pub fn label(&self) -> &str {
        &self.label
    }
    pub fn policy(&self) -> &Policy {
        &self.policy
    }
}
