//! Access grants through the engine: a grant is an identity Allow that the role's trust
//! policy, the SCPs and its own end still limit.

use std::sync::Arc;
use std::time::Duration;

use iam::grants::AccessGrant;
use iam::sts::{AssumeRoleError, AssumeRoleRequest, Caller, MemoryCredentialStore, Sts};
use iam::{CallerContext, Decision, Directory, NamedPolicy};
use time::OffsetDateTime;
use time::macros::datetime;

const ROLE: &str = "arn:aws:iam::123456789012:role/UpdateAPP";
const STAGING_ROLE: &str = "arn:aws:iam::444455556666:role/UpdateAPP";
const BOB: &str = "arn:aws:iam::111122223333:user/bob";
const NOW: OffsetDateTime = datetime!(2026-12-02 12:00 UTC);

fn grant(role_arn: &str, ends_at: OffsetDateTime) -> AccessGrant {
    AccessGrant {
        id: 42,
        role_arn: role_arn.to_string(),
        approved_by: vec!["admin".to_string()],
        ends_at,
    }
}

fn sts(directory: Directory) -> Sts<MemoryCredentialStore> {
    Sts::new(Arc::new(directory), MemoryCredentialStore::new())
}

fn assume<'a>(
    sts: &Sts<MemoryCredentialStore>,
    role_arn: &'a str,
    context: CallerContext,
    granted: &'a [NamedPolicy],
    not_after: Option<OffsetDateTime>,
) -> Result<iam::AssumedRole, AssumeRoleError> {
    sts.assume_role(&AssumeRoleRequest {
        caller: Caller::User { arn: BOB },
        role_arn,
        session_name: "bob",
        source_identity: Some("bob"),
        external_id: None,
        duration: None,
        session_policy: None,
        context,
        granted,
        not_after,
    })
}

fn with_mfa() -> CallerContext {
    CallerContext::at(NOW).with_mfa(NOW - time::Duration::minutes(1))
}

fn denied(result: Result<iam::AssumedRole, AssumeRoleError>) -> iam::Evaluation {
    match result {
        Err(AssumeRoleError::Denied { evaluation, .. }) => evaluation,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[test]
fn without_a_grant_a_tester_is_refused_and_with_one_he_may_switch_named_by_the_grant() {
    let sts = sts(Directory::demo());
    let evaluation = denied(assume(&sts, ROLE, with_mfa(), &[], None));
    assert_eq!(evaluation.decision, Decision::ImplicitlyDenied);

    let g = grant(ROLE, NOW + time::Duration::hours(1));
    let policies = vec![g.policy().expect("grant policy")];
    let assumed = assume(&sts, ROLE, with_mfa(), &policies, None).expect("allowed by the grant");
    assert!(g.allowed(&assumed.evaluation));
    let summary = assumed.evaluation.summary();
    assert!(
        summary.contains("access grant 42, approved by admin"),
        "{summary}"
    );
    assert!(summary.contains("TrustDevelopmentWithMFA"), "{summary}");
}

#[test]
fn the_trust_policy_still_wants_mfa_under_a_grant() {
    let sts = sts(Directory::demo());
    let policies = vec![
        grant(ROLE, NOW + time::Duration::hours(1))
            .policy()
            .unwrap(),
    ];
    let evaluation = denied(assume(&sts, ROLE, CallerContext::at(NOW), &policies, None));
    let summary = evaluation.summary();
    assert!(summary.contains("aws:MultiFactorAuthPresent"), "{summary}");
}

#[test]
fn a_grant_allows_nothing_at_or_after_its_end() {
    let sts = sts(Directory::demo());
    let policies = vec![grant(ROLE, NOW).policy().unwrap()];
    denied(assume(&sts, ROLE, with_mfa(), &policies, None));
    let policies = vec![
        grant(ROLE, NOW - time::Duration::seconds(1))
            .policy()
            .unwrap(),
    ];
    denied(assume(&sts, ROLE, with_mfa(), &policies, None));
}

#[test]
fn a_grant_opens_its_role_only() {
    let sts = sts(Directory::demo());
    let policies = vec![
        grant(ROLE, NOW + time::Duration::hours(1))
            .policy()
            .unwrap(),
    ];
    denied(assume(&sts, STAGING_ROLE, with_mfa(), &policies, None));
}

#[test]
fn credentials_under_a_grant_expire_at_its_end_at_the_latest() {
    let sts = sts(Directory::demo());
    let ends = NOW + time::Duration::minutes(10);
    let policies = vec![grant(ROLE, ends).policy().unwrap()];
    let assumed = assume(&sts, ROLE, with_mfa(), &policies, Some(ends)).expect("allowed");
    assert_eq!(assumed.credentials.expiration, ends);
    // The role's default (one hour) when the grant lasts longer.
    let later = NOW + time::Duration::hours(3);
    let policies = vec![grant(ROLE, later).policy().unwrap()];
    let assumed = assume(&sts, ROLE, with_mfa(), &policies, Some(later)).expect("allowed");
    assert_eq!(
        assumed.credentials.expiration,
        NOW + Duration::from_secs(3600)
    );
}

/// The demo with one more SCP on the development OU.
fn demo_with_scp(statement: &str) -> Directory {
    let text = Directory::demo_toml();
    let at = text.find("[[accounts]]").expect("accounts");
    let scp = format!(
        "  [[organization.policies]]\n  name = \"Extra\"\n  type = \"SCP\"\n  targets = [\"Development\"]\n  document = '''\n{{ \"Version\": \"2012-10-17\", \"Statement\": [{statement}] }}\n'''\n"
    );
    let text = format!("{}{scp}{}", &text[..at], &text[at..]);
    Directory::from_toml(&text, "demo+scp.toml").expect("directory")
}

#[test]
fn an_scp_deny_limits_a_grant() {
    let dir = demo_with_scp(
        r#"{ "Sid": "NoProduction", "Effect": "Deny", "Action": "sts:AssumeRole", "Resource": "arn:aws:iam::123456789012:role/*" }"#,
    );
    let sts = sts(dir);
    let policies = vec![
        grant(ROLE, NOW + time::Duration::hours(1))
            .policy()
            .unwrap(),
    ];
    let evaluation = denied(assume(&sts, ROLE, with_mfa(), &policies, None));
    assert_eq!(evaluation.decision, Decision::ExplicitlyDenied);
    assert!(evaluation.summary().contains("NoProduction"));
}

#[test]
fn a_grant_never_opens_a_role_whose_trust_policy_does_not_name_the_requester() {
    // Production's role trusts its own account only: the grant is an identity Allow, and an
    // identity Allow alone never opens a role.
    let text = Directory::demo_toml().replace(
        r#""Principal": { "AWS": "arn:aws:iam::111122223333:root" },"#,
        r#""Principal": { "AWS": "arn:aws:iam::123456789012:root" },"#,
    );
    let sts = sts(Directory::from_toml(&text, "demo-own-trust.toml").expect("directory"));
    let policies = vec![
        grant(ROLE, NOW + time::Duration::hours(1))
            .policy()
            .unwrap(),
    ];
    denied(assume(&sts, ROLE, with_mfa(), &policies, None));
}

#[test]
fn the_demo_lets_testers_request_production_and_admins_approve() {
    let dir = Directory::demo();
    let (_, role) = dir.role_by_arn(ROLE).expect("role");
    let settings = role.requests().expect("requestable");
    assert!(settings.may_request(&dir, "111122223333", "bob"));
    assert!(!settings.may_request(&dir, "111122223333", "alice"));
    assert!(settings.may_approve(&dir, "111122223333", "admin"));
    assert!(!settings.may_approve(&dir, "111122223333", "bob"));
    assert_eq!(settings.max_duration, Duration::from_secs(4 * 3600));
    assert_eq!(settings.approvals_required, 1);
    assert!(settings.require_reason);
    let (_, staging) = dir.role_by_arn(STAGING_ROLE).expect("role");
    assert!(staging.requests().is_none());
}

fn requests_error(settings: &str) -> String {
    let text = Directory::demo_toml().replace(
        "    requestable_by = [\"Testers\"]\n    approvers = [\"Admins\"]\n    approvals_required = 1\n    max_duration = \"4h\"\n",
        settings,
    );
    match Directory::from_toml(&text, "dir.toml") {
        Ok(_) => panic!("expected an error for {settings}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn request_settings_are_checked_at_load_with_the_field_named() {
    let base = "    requestable_by = [\"Testers\"]\n    approvers = [\"Admins\"]\n";
    let e = requests_error("    requestable_by = [\"Testers\"]\n    approvers = [\"Nobody\"]\n");
    assert!(e.contains("requests.approvers[0]"), "{e}");
    assert!(e.contains("Nobody"), "{e}");
    let e = requests_error(&format!("{base}    max_duration = \"13h\"\n"));
    assert!(e.contains("requests.max_duration"), "{e}");
    let e = requests_error(&format!("{base}    max_duration = \"10m\"\n"));
    assert!(e.contains("out of range"), "{e}");
    let e = requests_error(&format!("{base}    max_duration = \"soon\"\n"));
    assert!(e.contains("not a duration"), "{e}");
    let e = requests_error(&format!("{base}    approvals_required = 4\n"));
    assert!(e.contains("requests.approvals_required"), "{e}");
    let e = requests_error("    approvers = [\"Admins\"]\n");
    assert!(e.contains("requests.requestable_by"), "{e}");
    let e = requests_error(&format!("{base}    approvers_required = 1\n"));
    assert!(e.contains("unknown field"), "{e}");
    // ARNs name a group or user exactly.
    let text = Directory::demo_toml().replace(
        "approvers = [\"Admins\"]",
        "approvers = [\"arn:aws:iam::111122223333:user/admin\"]",
    );
    let dir = Directory::from_toml(&text, "dir.toml").expect("a user ARN is an approver");
    let (_, role) = dir.role_by_arn(ROLE).unwrap();
    assert!(
        role.requests()
            .unwrap()
            .may_approve(&dir, "111122223333", "admin")
    );
    let e = requests_error(
        "    requestable_by = [\"arn:aws:iam::111122223333:group/Nope\"]\n    approvers = [\"Admins\"]\n",
    );
    assert!(e.contains("requests.requestable_by[0]"), "{e}");
}

#[test]
fn an_explicit_deny_in_the_requesters_own_policies_beats_a_grant() {
    // AWS: "an explicit deny in any policy overrides any allows"; a grant is one more
    // identity Allow and changes nothing about that.
    let text = Directory::demo_toml().replace(
        r#"      "Sid": "ReadIamOfOwnAccount","#,
        r#"      "Sid": "NeverProduction", "Effect": "Deny", "Action": "sts:AssumeRole", "Resource": "arn:aws:iam::123456789012:role/*" },
    {
      "Sid": "ReadIamOfOwnAccount","#,
    );
    let sts = sts(Directory::from_toml(&text, "demo-deny.toml").expect("directory"));
    let policies = vec![
        grant(ROLE, NOW + time::Duration::hours(1))
            .policy()
            .unwrap(),
    ];
    let evaluation = denied(assume(&sts, ROLE, with_mfa(), &policies, None));
    assert_eq!(evaluation.decision, Decision::ExplicitlyDenied);
    assert!(evaluation.summary().contains("NeverProduction"));
}
