//! The directory with an organization, and the trust-policy rule through
//! the directory ("Role trust policies", "Service control policies",
//! "Resource control policies", "AWS global condition context keys").

use iam::simulate::simulate_line;
use iam::{Decision, Directory};
use serde_json::json;

/// The demo plus a same-account role that trusts only admin, and a
/// Developers policy allowing `sts:AssumeRole` on every role of development.
fn with_break_glass() -> Directory {
    let text = Directory::demo_toml()
        .replace(
            "        \"arn:aws:iam::444455556666:role/UpdateAPP\"\n",
            "        \"arn:aws:iam::444455556666:role/UpdateAPP\",\n        \"arn:aws:iam::111122223333:role/*\"\n",
        )
        .replace(
            "  [[accounts.groups]]\n  name = \"Developers\"",
            r#"  [[accounts.roles]]
  name = "BreakGlass"
  trust_policy = '''
{"Version": "2012-10-17", "Statement": [{"Sid": "OnlyAdmin", "Effect": "Allow",
  "Principal": {"AWS": "arn:aws:iam::111122223333:user/admin"}, "Action": "sts:AssumeRole"}]}
'''

  [[accounts.groups]]
  name = "Developers""#,
        );
    // A replacement that missed would leave alice refused by her own policy.
    assert!(
        text.contains("\"arn:aws:iam::111122223333:role/*\"") && text.contains("BreakGlass"),
        "the demo changed under this test"
    );
    Directory::from_toml(&text, "break-glass.toml").expect("directory")
}

fn decide(dir: &Directory, request: serde_json::Value) -> iam::Evaluation {
    simulate_line(&json!({ "request": request }).to_string(), Some(dir)).expect("evaluates")
}

#[test]
fn break_glass_is_closed_to_alice_whatever_her_identity_policy_says() {
    let dir = with_break_glass();
    let alice = decide(
        &dir,
        json!({"principal": "arn:aws:iam::111122223333:user/alice", "action": "sts:AssumeRole",
               "resource": "arn:aws:iam::111122223333:role/BreakGlass",
               "context": {"aws:MultiFactorAuthPresent": "true"}}),
    );
    assert_eq!(
        alice.decision,
        Decision::ImplicitlyDenied,
        "{}",
        alice.summary()
    );
    assert!(
        alice
            .summary()
            .contains("role BreakGlass / trust policy does not allow"),
        "{}",
        alice.summary()
    );
    let admin = decide(
        &dir,
        json!({"principal": "arn:aws:iam::111122223333:user/admin", "action": "sts:AssumeRole",
               "resource": "arn:aws:iam::111122223333:role/BreakGlass"}),
    );
    assert_eq!(admin.decision, Decision::Allowed, "{}", admin.summary());
    // The story still holds: alice into production's UpdateAPP with MFA.
    let update_app = decide(
        &dir,
        json!({"principal": "arn:aws:iam::111122223333:user/alice", "action": "sts:AssumeRole",
               "resource": "arn:aws:iam::123456789012:role/UpdateAPP",
               "context": {"aws:MultiFactorAuthPresent": "true"}}),
    );
    assert_eq!(
        update_app.decision,
        Decision::Allowed,
        "{}",
        update_app.summary()
    );
}

#[test]
fn the_demo_is_an_organization_whose_scp_changes_nothing_in_the_story() {
    let dir = Directory::demo();
    let org = dir.organization().expect("the demo has an organization");
    assert_eq!(org.id(), "o-a1b2c3d4e5");
    assert_eq!(org.management_account(), "999988887777");
    let leave = decide(
        &dir,
        json!({"principal": "arn:aws:iam::111122223333:user/admin", "action": "organizations:LeaveOrganization", "resource": "*"}),
    );
    assert_eq!(leave.decision, Decision::ExplicitlyDenied);
    assert!(
        leave.summary().contains(
            "root r-a1b2 / SCP DenyLeaveOrganization Statement[0] (Sid \"StayInTheOrganization\")"
        ),
        "{}",
        leave.summary()
    );
    // Everything else admin does is allowed, FullAWSAccess at every level.
    let other = decide(
        &dir,
        json!({"principal": "arn:aws:iam::111122223333:user/admin", "action": "iam:ListUsers", "resource": "*"}),
    );
    assert_eq!(other.decision, Decision::Allowed, "{}", other.summary());
    let dev = dir
        .account("development")
        .and_then(|a| a.org())
        .expect("placed");
    assert_eq!(dev.path, "o-a1b2c3d4e5/r-a1b2/ou-a1b2-d3v3l0pm/");
    assert_eq!(dev.service_control.len(), 3, "root, OU, account");
    let mgmt = dir
        .account("management")
        .and_then(|a| a.org())
        .expect("placed");
    assert!(mgmt.is_management && mgmt.service_control.is_empty());
}

const ORG_DIR: &str = r#"
[organization]
id = "o-exampleorg1"
root_id = "r-root"
management_account = "999988887777"

  [[organization.units]]
  id = "ou-root-aaaaaaaa"
  name = "Workloads"
  accounts = ["111122223333"]

  [[organization.units]]
  id = "ou-root-bbbbbbbb"
  name = "Sandbox"
  parent = "Workloads"
  accounts = ["123456789012"]

  [[organization.policies]]
  name = "NoS3InSandbox"
  type = "SCP"
  targets = ["Sandbox"]
  document = '''{"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "s3:*", "Resource": "*"}]}'''

  [[organization.policies]]
  name = "OnlyOurOrg"
  type = "RCP"
  targets = ["root"]
  document = '''{"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "*",
    "Condition": {"StringNotEqualsIfExists": {"aws:PrincipalOrgID": "o-exampleorg1"}}}]}'''

[[accounts]]
id = "999988887777"
  [[accounts.users]]
  name = "boss"
    [[accounts.users.inline_policies]]
    name = "all"
    document = '''{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}'''

[[accounts]]
id = "111122223333"
  [[accounts.users]]
  name = "dev"
    [[accounts.users.inline_policies]]
    name = "all"
    document = '''{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}'''
  [[accounts.buckets]]
  name = "workload-data"
  policy = '''{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::workload-data/*",
    "Condition": {"StringLike": {"aws:PrincipalOrgPaths": "o-exampleorg1/r-root/ou-root-aaaaaaaa/*"}}}]}'''

[[accounts]]
id = "123456789012"
  [[accounts.users]]
  name = "tinkerer"
    [[accounts.users.inline_policies]]
    name = "all"
    document = '''{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}'''

[[accounts]]
id = "444455556666"
  [[accounts.buckets]]
  name = "outside-data"
  policy = '''{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::outside-data/*"}]}'''
"#;

#[test]
fn scps_follow_the_ou_tree_and_spare_the_management_account() {
    let dir = Directory::from_toml(ORG_DIR, "org.toml").expect("directory");
    let get = |user: &str, bucket: &str| {
        decide(
            &dir,
            json!({"principal": user, "action": "s3:GetObject", "resource": format!("arn:aws:s3:::{bucket}/k")}),
        )
    };
    let tinkerer = "arn:aws:iam::123456789012:user/tinkerer";
    let dev = "arn:aws:iam::111122223333:user/dev";
    let boss = "arn:aws:iam::999988887777:user/boss";
    let e = get(tinkerer, "outside-data");
    assert_eq!(
        e.decision,
        Decision::ExplicitlyDenied,
        "Sandbox SCP: {}",
        e.summary()
    );
    assert!(
        e.summary()
            .contains("OU Sandbox (ou-root-bbbbbbbb) / SCP NoS3InSandbox"),
        "{}",
        e.summary()
    );
    assert_eq!(get(dev, "outside-data").decision, Decision::Allowed);
    // aws:PrincipalOrgPaths: a principal of Workloads (or below it) may read.
    assert_eq!(get(dev, "workload-data").decision, Decision::Allowed);
    // The management account is not limited by SCPs, and its principals
    // are in the organization: the RCP on workload-data does not bite.
    assert_eq!(get(boss, "outside-data").decision, Decision::Allowed);
}

#[test]
fn organization_errors_name_the_field() {
    let bad = |from: &str, to: &str| {
        let text = ORG_DIR.replacen(from, to, 1);
        assert_ne!(text, ORG_DIR, "{from}");
        Directory::from_toml(&text, "org.toml")
            .unwrap_err()
            .to_string()
    };
    assert_eq!(
        bad("parent = \"Workloads\"", "parent = \"Workload\""),
        "org.toml: organization.units[1].parent: unknown OU \"Workload\""
    );
    assert_eq!(
        bad("targets = [\"Sandbox\"]", "targets = [\"Sandbx\"]"),
        "org.toml: organization.policies[0].targets[0]: unknown target \"Sandbx\" (expected \"root\", an OU name or ID, or an account)"
    );
    assert!(
        bad("id = \"o-exampleorg1\"", "id = \"o-short\"").starts_with("org.toml: organization.id:")
    );
    assert!(
        bad(
            "\"Effect\": \"Deny\", \"Principal\"",
            "\"Effect\": \"Allow\", \"Principal\""
        )
        .contains("organization.policies[1].document: Statement[0]: an RCP can only deny")
    );
    assert_eq!(
        bad(
            "management_account = \"999988887777\"",
            "management_account = \"999988887770\""
        ),
        "org.toml: organization.management_account: unknown account \"999988887770\""
    );
    assert!(
        bad(
            "accounts = [\"123456789012\"]",
            "accounts = [\"111122223333\"]"
        )
        .contains("already placed in OU \"Workloads\"")
    );
    assert!(
        bad(
            "id = \"ou-root-aaaaaaaa\"\n  name = \"Workloads\"",
            "id = \"ou-root-aaaaaaaa\"\n  name = \"Workloads\"\n  parent = \"Sandbox\""
        )
        .contains("cycle")
    );
}
