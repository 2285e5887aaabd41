//! Policy documents as the administrators' pages show them: formatted JSON, one block per
//! statement so a page can mark the statements a decision used, and the ARNs it mentions.

use iam::simulate::StatementMark;
use iam::{Effect, Policy};
use serde_json::Value;
use types::simulator::{PolicyDocumentView, StatementView};

/// The document of `policy`, each statement marked by `marks` (none: all unused).
pub fn render(policy: &Policy, marks: &[StatementMark]) -> PolicyDocumentView {
    let version = match policy.version() {
        iam::policy::PolicyVersion::V2012_10_17 => "2012-10-17",
        iam::policy::PolicyVersion::V2008_10_17 => "2008-10-17",
    };
    let mut head = format!("{{\n  \"Version\": \"{version}\",\n");
    if let Some(id) = policy.id() {
        head.push_str(&format!("  \"Id\": {},\n", Value::from(id)));
    }
    head.push_str("  \"Statement\": [");
    let count = policy.statements().len();
    let mut arns = Vec::new();
    let statements = policy
        .statements()
        .iter()
        .enumerate()
        .map(|(i, statement)| {
            let written = statement.as_written();
            collect_arns(written, &mut arns);
            let pretty = serde_json::to_string_pretty(written).unwrap_or_default();
            let mut json: String = pretty
                .lines()
                .map(|line| format!("    {line}"))
                .collect::<Vec<_>>()
                .join("\n");
            if i + 1 < count {
                json.push(',');
            }
            let (mark, note) = match marks.get(i).unwrap_or(&StatementMark::Unused) {
                StatementMark::Unused => ("unused", None),
                StatementMark::Applied(Effect::Allow) => {
                    ("applied-allow", Some("Allow applied".to_string()))
                }
                StatementMark::Applied(Effect::Deny) => {
                    ("applied-deny", Some("Deny applied".to_string()))
                }
                StatementMark::ConditionFailed(why) => (
                    "condition-failed",
                    Some(format!("Condition not met: {why}")),
                ),
                StatementMark::Ignored(why) => ("ignored", Some(format!("Ignored: {why}"))),
            };
            StatementView {
                json,
                mark: mark.to_string(),
                note,
            }
        })
        .collect();
    arns.sort();
    arns.dedup();
    PolicyDocumentView {
        head,
        statements,
        tail: "  ]\n}".to_string(),
        arns,
    }
}

/// Every string of `value` that is an ARN.
fn collect_arns(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::String(s) if s.starts_with("arn:") => out.push(s.clone()),
        Value::Array(items) => items.iter().for_each(|v| collect_arns(v, out)),
        Value::Object(map) => map.values().for_each(|v| collect_arns(v, out)),
        _ => {}
    }
}

/// Every policy document of the directory: identity, boundary, trust, bucket, SCP and RCP.
pub fn every_policy(directory: &iam::Directory) -> Vec<&Policy> {
    let mut out: Vec<&Policy> = Vec::new();
    for account in directory.accounts() {
        for user in account.users() {
            out.extend(user.identity_policies().iter().map(|p| p.policy()));
            out.extend(user.permissions_boundary().map(|p| p.policy()));
        }
        for group in account.groups() {
            out.extend(group.policies().iter().map(|p| p.policy()));
        }
        out.extend(account.managed_policies().map(|p| p.policy()));
        for role in account.roles() {
            out.push(role.trust_policy().policy());
            out.extend(role.permission_policies().iter().map(|p| p.policy()));
            out.extend(role.permissions_boundary().map(|p| p.policy()));
        }
        out.extend(
            account
                .buckets()
                .filter_map(|b| b.policy())
                .map(|p| p.policy()),
        );
    }
    if let Some(org) = directory.organization() {
        out.extend(org.policies().iter().map(|p| p.policy().policy()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statements_are_blocks_of_one_document_and_arns_are_listed() {
        let policy = Policy::parse(
            r#"{"Version":"2012-10-17","Statement":[
                {"Sid":"A","Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"},
                {"Effect":"Deny","Action":"s3:*","Resource":["arn:aws:s3:::c","arn:aws:s3:::b/*"]}]}"#,
            iam::PolicyKind::Identity,
            10_000,
        )
        .expect("policy");
        let view = render(
            &policy,
            &[StatementMark::Applied(Effect::Allow), StatementMark::Unused],
        );
        let text = format!(
            "{}\n{}\n{}",
            view.head,
            view.statements
                .iter()
                .map(|s| s.json.as_str())
                .collect::<Vec<_>>()
                .join("\n"),
            view.tail
        );
        let reparsed: Value = serde_json::from_str(&text).expect("the page shows valid JSON");
        assert_eq!(reparsed["Statement"][1]["Effect"], "Deny");
        assert_eq!(view.statements[0].mark, "applied-allow");
        assert_eq!(view.statements[1].mark, "unused");
        assert_eq!(view.arns, vec!["arn:aws:s3:::b/*", "arn:aws:s3:::c"]);
    }
}
