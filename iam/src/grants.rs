//! Access grants: an approved just-in-time request, as the engine sees it. A grant is an
//! identity policy attached to the requester for its lifetime — `sts:AssumeRole` on one role,
//! with a `DateLessThan aws:CurrentTime` condition at the grant's end — so it is decided by the
//! same evaluator as every other policy: the role's trust policy (and its MFA condition), the
//! requester's permissions boundary and the SCPs still limit it, and an explicit Deny still
//! wins.

use serde_json::json;
use time::OffsetDateTime;

use crate::evaluate::Evaluation;
use crate::policy::{NamedPolicy, Policy, PolicyError, PolicyKind};

/// One approved request, in force until `ends_at`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessGrant {
    pub id: i64,
    pub role_arn: String,
    /// User names of the approvers, in the order they approved.
    pub approved_by: Vec<String>,
    pub ends_at: OffsetDateTime,
}

impl AccessGrant {
    /// `access grant 42, approved by admin`: how explanations name the grant's policy.
    pub fn label(&self) -> String {
        format!(
            "access grant {}, approved by {}",
            self.id,
            self.approved_by.join(" and ")
        )
    }

    /// The statement ID of the grant's one statement.
    pub fn sid(&self) -> String {
        format!("AccessGrant{}", self.id)
    }

    /// The identity policy the grant attaches to its requester.
    pub fn policy(&self) -> Result<NamedPolicy, PolicyError> {
        let ends = self
            .ends_at
            .to_offset(time::UtcOffset::UTC)
            .replace_nanosecond(0)
            .unwrap_or(self.ends_at);
        let ends = ends
            .format(&time::format_description::well_known::Rfc3339)
            .map_err(|e| PolicyError::new("Condition", format!("grant end: {e}")))?;
        let document = json!({
            "Version": "2012-10-17",
            "Statement": [{
                "Sid": self.sid(),
                "Effect": "Allow",
                "Action": "sts:AssumeRole",
                "Resource": self.role_arn,
                "Condition": { "DateLessThan": { "aws:CurrentTime": ends } }
            }]
        });
        let policy = Policy::from_value(&document, PolicyKind::Identity)?;
        Ok(NamedPolicy::new(self.label(), policy))
    }

    /// Whether this grant's statement is among those that allowed `evaluation`.
    pub fn allowed(&self, evaluation: &Evaluation) -> bool {
        let label = self.label();
        evaluation.is_allowed()
            && evaluation.explanation.iter().any(|finding| {
                finding.policy.as_deref() == Some(label.as_str())
                    && finding.role == Some(crate::evaluate::PolicyRole::Identity)
                    && finding.effect == Some(crate::policy::Effect::Allow)
            })
    }
}

/// The policies of `grants`, leaving out any that cannot be built: a grant that cannot be
/// expressed allows nothing.
pub fn policies(grants: &[AccessGrant]) -> Vec<NamedPolicy> {
    grants.iter().filter_map(|g| g.policy().ok()).collect()
}
