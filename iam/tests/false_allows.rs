//! One table per family of false allows the engine once had, each case
//! citing the AWS documentation page it comes from. Run through the
//! simulator's stateless entry point, so every case is one JSON line as
//! `switchyard simulate` reads it.

use iam::Decision::{self, Allowed, ExplicitlyDenied, ImplicitlyDenied};
use iam::simulate::simulate_line;
use serde_json::{Value, json};

const DEV: &str = "111122223333";
const ALICE: &str = "arn:aws:iam::111122223333:user/alice";
const ADMIN: &str = "arn:aws:iam::111122223333:user/admin";
const BREAK_GLASS: &str = "arn:aws:iam::111122223333:role/BreakGlass";
const APP_ROLE: &str = "arn:aws:iam::111122223333:role/AppRole";
const APP_SESSION: &str = "arn:aws:sts::111122223333:assumed-role/AppRole/s1";
const KEY: &str = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
const OBJECT: &str = "arn:aws:s3:::bucket/key";

fn allow(action: &str, resource: &str) -> Value {
    json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": action, "Resource": resource}]})
}

fn deny(action: &str, resource: &str) -> Value {
    json!({"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": action, "Resource": resource}]})
}

fn trust(principal: Value, action: &str) -> Value {
    json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": principal, "Action": action}]})
}

fn resource_policy(
    effect: &str,
    principal_key: &str,
    principal: Value,
    action: &str,
    resource: &str,
) -> Value {
    json!({"Version": "2012-10-17", "Statement": [{"Effect": effect, principal_key: principal, "Action": action, "Resource": resource}]})
}

struct Case {
    doc: &'static str,
    name: &'static str,
    line: Value,
    expected: Decision,
}

fn line(principal: &str, action: &str, resource: &str) -> Value {
    json!({"identityPolicies": [], "request": {"principal": principal, "action": action, "resource": resource}})
}

fn with(mut line: Value, key: &str, value: Value) -> Value {
    line[key] = value;
    line
}

fn run(cases: &[Case]) {
    let mut failures = Vec::new();
    for c in cases {
        match simulate_line(&c.line.to_string(), None) {
            Ok(e) if e.decision == c.expected => {}
            Ok(e) => failures.push(format!(
                "[{}] {}: expected {:?}, got {:?} ({})\n  {}",
                c.doc,
                c.name,
                c.expected,
                e.decision,
                e.summary(),
                c.line
            )),
            Err(e) => failures.push(format!("[{}] {}: error {e}\n  {}", c.doc, c.name, c.line)),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

const EVAL: &str = "Policy evaluation logic";
const CROSS: &str = "Cross-account policy evaluation logic";
const TRUST: &str = "Role trust policies";
const KMS: &str = "KMS key policies";
const MANAGED: &str = "AWS managed policies / Using service-linked roles";
const NOTPRINCIPAL: &str = "IAM JSON policy elements: NotPrincipal";
const SESSION: &str = "Session policies";
const SCP: &str = "Service control policies";
const RCP: &str = "Resource control policies";

#[test]
fn trust_policies_decide_assume_role_in_the_same_account_too() {
    let broad = allow("sts:AssumeRole", "arn:aws:iam::111122223333:role/*");
    let assume = |p: &str| {
        with(
            line(p, "sts:AssumeRole", BREAK_GLASS),
            "identityPolicies",
            json!([broad]),
        )
    };
    run(&[
        Case {
            doc: TRUST,
            name: "identity Allow alone, trust names someone else",
            expected: ImplicitlyDenied,
            line: with(
                assume(ALICE),
                "resourcePolicy",
                trust(json!({"AWS": ADMIN}), "sts:AssumeRole"),
            ),
        },
        Case {
            doc: TRUST,
            name: "identity Allow alone, no trust policy given",
            expected: ImplicitlyDenied,
            line: assume(ALICE),
        },
        Case {
            doc: TRUST,
            name: "trust names the caller's own ARN: enough in the same account",
            expected: Allowed,
            line: with(
                line(ADMIN, "sts:AssumeRole", BREAK_GLASS),
                "resourcePolicy",
                trust(json!({"AWS": ADMIN}), "sts:AssumeRole"),
            ),
        },
        Case {
            doc: TRUST,
            name: "trust names the account: identity policies must allow too (they do)",
            expected: Allowed,
            line: with(
                assume(ALICE),
                "resourcePolicy",
                trust(
                    json!({"AWS": format!("arn:aws:iam::{DEV}:root")}),
                    "sts:AssumeRole",
                ),
            ),
        },
        Case {
            doc: TRUST,
            name: "trust names the account by ID, no identity Allow",
            expected: ImplicitlyDenied,
            line: with(
                line(ALICE, "sts:AssumeRole", BREAK_GLASS),
                "resourcePolicy",
                trust(json!({"AWS": DEV}), "sts:AssumeRole"),
            ),
        },
        Case {
            doc: TRUST,
            name: "trust allows sts:AssumeRole but not sts:TagSession",
            expected: ImplicitlyDenied,
            line: with(
                with(
                    line(ALICE, "sts:TagSession", BREAK_GLASS),
                    "identityPolicies",
                    json!([allow("sts:*", "*")]),
                ),
                "resourcePolicy",
                trust(json!({"AWS": DEV}), "sts:AssumeRole"),
            ),
        },
        Case {
            doc: TRUST,
            name: "sts:SetSourceIdentity needs the trust policy too",
            expected: ImplicitlyDenied,
            line: with(
                line(ALICE, "sts:SetSourceIdentity", BREAK_GLASS),
                "identityPolicies",
                json!([allow("sts:*", "*")]),
            ),
        },
        Case {
            doc: TRUST,
            name: "a session of another role named in the trust policy",
            expected: Allowed,
            line: with(
                line(APP_SESSION, "sts:AssumeRole", BREAK_GLASS),
                "resourcePolicy",
                trust(json!({"AWS": APP_ROLE}), "sts:AssumeRole"),
            ),
        },
        Case {
            doc: TRUST,
            name: "the role named, but the session policy does not allow AssumeRole",
            expected: ImplicitlyDenied,
            line: with(
                with(
                    line(APP_SESSION, "sts:AssumeRole", BREAK_GLASS),
                    "resourcePolicy",
                    trust(json!({"AWS": APP_ROLE}), "sts:AssumeRole"),
                ),
                "sessionPolicy",
                allow("s3:*", "*"),
            ),
        },
        Case {
            doc: CROSS,
            name: "across accounts: trust names the account, identity allows",
            expected: Allowed,
            line: with(
                with(
                    with(
                        line(
                            ALICE,
                            "sts:AssumeRole",
                            "arn:aws:iam::123456789012:role/UpdateAPP",
                        ),
                        "identityPolicies",
                        json!([broad_all()]),
                    ),
                    "resourcePolicy",
                    trust(json!({"AWS": DEV}), "sts:AssumeRole"),
                ),
                "request",
                json!({"principal": ALICE, "action": "sts:AssumeRole", "resource": "arn:aws:iam::123456789012:role/UpdateAPP", "resourceAccount": "123456789012"}),
            ),
        },
        Case {
            doc: TRUST,
            name: "explicit Deny in the trust policy wins over a direct Allow",
            expected: ExplicitlyDenied,
            line: with(
                line(ADMIN, "sts:AssumeRole", BREAK_GLASS),
                "resourcePolicy",
                json!({"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Principal": {"AWS": ADMIN}, "Action": "sts:AssumeRole"},
                {"Effect": "Deny", "Principal": "*", "Action": "sts:AssumeRole"}]}),
            ),
        },
    ]);
}

fn broad_all() -> Value {
    allow("sts:AssumeRole", "*")
}

#[test]
fn kms_key_policies_must_allow() {
    let key_policy =
        |principal: Value| resource_policy("Allow", "Principal", principal, "kms:*", "*");
    let decrypt = |p: &str| line(p, "kms:Decrypt", KEY);
    run(&[
        Case {
            doc: KMS,
            name: "identity Allow alone, no key policy",
            expected: ImplicitlyDenied,
            line: with(
                decrypt(ALICE),
                "identityPolicies",
                json!([allow("kms:*", "*")]),
            ),
        },
        Case {
            doc: KMS,
            name: "key policy names another user only",
            expected: ImplicitlyDenied,
            line: with(
                with(
                    decrypt(ALICE),
                    "identityPolicies",
                    json!([allow("kms:*", "*")]),
                ),
                "resourcePolicy",
                key_policy(json!({"AWS": ADMIN})),
            ),
        },
        Case {
            doc: KMS,
            name: "key policy delegates to the account, identity allows",
            expected: Allowed,
            line: with(
                with(
                    decrypt(ALICE),
                    "identityPolicies",
                    json!([allow("kms:Decrypt", KEY)]),
                ),
                "resourcePolicy",
                key_policy(json!({"AWS": format!("arn:aws:iam::{DEV}:root")})),
            ),
        },
        Case {
            doc: KMS,
            name: "key policy delegates to the account, no identity Allow",
            expected: ImplicitlyDenied,
            line: with(
                decrypt(ALICE),
                "resourcePolicy",
                key_policy(json!({"AWS": DEV})),
            ),
        },
        Case {
            doc: KMS,
            name: "key policy names the user: enough on its own",
            expected: Allowed,
            line: with(
                decrypt(ALICE),
                "resourcePolicy",
                key_policy(json!({"AWS": ALICE})),
            ),
        },
        Case {
            doc: KMS,
            name: "actions without a key (kms:ListKeys on *) need only identity",
            expected: Allowed,
            line: with(
                line(ALICE, "kms:ListKeys", "*"),
                "identityPolicies",
                json!([allow("kms:*", "*")]),
            ),
        },
    ]);
}

#[test]
fn aws_owned_resources_are_read_only() {
    let admin = json!([allow("*", "*")]);
    let as_admin = |action: &str, resource: &str| {
        with(
            line(ALICE, action, resource),
            "identityPolicies",
            admin.clone(),
        )
    };
    let slr = "arn:aws:iam::111122223333:role/aws-service-role/elasticbeanstalk.amazonaws.com/AWSServiceRoleForElasticBeanstalk";
    let sso = "arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_Admin_0123456789abcdef";
    run(&[
        Case {
            doc: MANAGED,
            name: "new version of an AWS managed policy",
            expected: ExplicitlyDenied,
            line: as_admin(
                "iam:CreatePolicyVersion",
                "arn:aws:iam::aws:policy/AdministratorAccess",
            ),
        },
        Case {
            doc: MANAGED,
            name: "delete an AWS managed policy",
            expected: ExplicitlyDenied,
            line: as_admin("iam:DeletePolicy", "arn:aws:iam::aws:policy/ReadOnlyAccess"),
        },
        Case {
            doc: MANAGED,
            name: "read an AWS managed policy",
            expected: Allowed,
            line: as_admin(
                "iam:GetPolicyVersion",
                "arn:aws:iam::aws:policy/ReadOnlyAccess",
            ),
        },
        Case {
            doc: MANAGED,
            name: "edit a service-linked role's trust policy",
            expected: ExplicitlyDenied,
            line: as_admin("iam:UpdateAssumeRolePolicy", slr),
        },
        Case {
            doc: MANAGED,
            name: "attach a policy to a service-linked role",
            expected: ExplicitlyDenied,
            line: as_admin("iam:AttachRolePolicy", slr),
        },
        Case {
            doc: MANAGED,
            name: "delete an AWS-reserved role",
            expected: ExplicitlyDenied,
            line: as_admin("iam:DeleteRole", sso),
        },
        Case {
            doc: MANAGED,
            name: "read a service-linked role",
            expected: Allowed,
            line: as_admin("iam:GetRole", slr),
        },
        Case {
            doc: MANAGED,
            name: "delete an AWS managed KMS alias",
            expected: ExplicitlyDenied,
            line: as_admin(
                "kms:DeleteAlias",
                "arn:aws:kms:us-east-1:111122223333:alias/aws/s3",
            ),
        },
        Case {
            doc: MANAGED,
            name: "a customer alias stays writable",
            expected: Allowed,
            line: as_admin(
                "kms:DeleteAlias",
                "arn:aws:kms:us-east-1:111122223333:alias/app",
            ),
        },
    ]);
}

#[test]
fn not_principal_never_allows_the_principals_it_names() {
    let not_allow = |names: Value| {
        resource_policy(
            "Allow",
            "NotPrincipal",
            json!({"AWS": names}),
            "s3:GetObject",
            "arn:aws:s3:::bucket/*",
        )
    };
    let not_deny = |names: Value| {
        json!({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::bucket/*"},
        {"Effect": "Deny", "NotPrincipal": {"AWS": names}, "Action": "s3:GetObject", "Resource": "arn:aws:s3:::bucket/*"}]})
    };
    let get =
        |p: &str, policy: Value| with(line(p, "s3:GetObject", OBJECT), "resourcePolicy", policy);
    run(&[
        Case {
            doc: NOTPRINCIPAL,
            name: "Allow NotPrincipal naming the user",
            expected: ImplicitlyDenied,
            line: get(ALICE, not_allow(json!(ALICE))),
        },
        Case {
            doc: NOTPRINCIPAL,
            name: "Allow NotPrincipal naming the user in an array",
            expected: ImplicitlyDenied,
            line: get(ALICE, not_allow(json!([ADMIN, ALICE]))),
        },
        Case {
            doc: NOTPRINCIPAL,
            name: "Allow NotPrincipal naming the session's role",
            expected: ImplicitlyDenied,
            line: get(APP_SESSION, not_allow(json!([APP_ROLE]))),
        },
        Case {
            doc: NOTPRINCIPAL,
            name: "Allow NotPrincipal naming someone else",
            expected: Allowed,
            line: get(ALICE, not_allow(json!([ADMIN]))),
        },
        Case {
            doc: NOTPRINCIPAL,
            name: "Deny NotPrincipal: user and account listed, spared",
            expected: Allowed,
            line: get(
                ALICE,
                not_deny(json!([ALICE, format!("arn:aws:iam::{DEV}:root")])),
            ),
        },
        Case {
            doc: NOTPRINCIPAL,
            name: "Deny NotPrincipal: only the user listed, denied",
            expected: ExplicitlyDenied,
            line: get(ALICE, not_deny(json!([ALICE]))),
        },
        Case {
            doc: NOTPRINCIPAL,
            name: "Deny NotPrincipal: session and account but not the role, denied",
            expected: ExplicitlyDenied,
            line: get(APP_SESSION, not_deny(json!([APP_SESSION, DEV]))),
        },
        Case {
            doc: NOTPRINCIPAL,
            name: "Deny NotPrincipal: session, role and account, spared",
            expected: Allowed,
            line: get(APP_SESSION, not_deny(json!([APP_SESSION, APP_ROLE, DEV]))),
        },
    ]);
}

#[test]
fn session_policies_limit_grants_to_the_role() {
    let bucket = |principal: &str| {
        resource_policy(
            "Allow",
            "Principal",
            json!({"AWS": principal}),
            "s3:GetObject",
            "arn:aws:s3:::bucket/*",
        )
    };
    let get = |p: &str, policy: Value, session: Value| {
        with(
            with(line(p, "s3:GetObject", OBJECT), "resourcePolicy", policy),
            "sessionPolicy",
            session,
        )
    };
    run(&[
        Case {
            doc: SESSION,
            name: "resource policy names the role, session policy silent",
            expected: ImplicitlyDenied,
            line: get(APP_SESSION, bucket(APP_ROLE), allow("s3:ListBucket", "*")),
        },
        Case {
            doc: SESSION,
            name: "role principal (no session ARN) named, session policy silent",
            expected: ImplicitlyDenied,
            line: get(APP_ROLE, bucket(APP_ROLE), allow("s3:ListBucket", "*")),
        },
        Case {
            doc: SESSION,
            name: "resource policy names the session ARN: not limited by the session policy",
            expected: Allowed,
            line: get(
                APP_SESSION,
                bucket(APP_SESSION),
                allow("s3:ListBucket", "*"),
            ),
        },
        Case {
            doc: SESSION,
            name: "resource policy names the role, session policy allows",
            expected: Allowed,
            line: get(APP_SESSION, bucket(APP_ROLE), allow("s3:GetObject", "*")),
        },
        Case {
            doc: EVAL,
            name: "a Deny in the session policy wins over the session ARN grant",
            expected: ExplicitlyDenied,
            line: get(APP_SESSION, bucket(APP_SESSION), deny("s3:GetObject", "*")),
        },
    ]);
}

#[test]
fn the_simulator_evaluates_what_aws_evaluates() {
    let id = |policy: Value| {
        with(
            line(ALICE, "s3:GetObject", OBJECT),
            "identityPolicies",
            json!([policy]),
        )
    };
    run(&[
        Case {
            doc: EVAL,
            name: "an action with a comma matches nothing",
            expected: ImplicitlyDenied,
            line: id(allow("s3:GetObject,s3:PutObject", "*")),
        },
        Case {
            doc: EVAL,
            name: "an action with white space matches nothing",
            expected: ImplicitlyDenied,
            line: id(allow(" s3:GetObject", "*")),
        },
        Case {
            doc: EVAL,
            name: "an empty action name matches nothing",
            expected: ImplicitlyDenied,
            line: id(allow("s3:", "*")),
        },
        Case {
            doc: EVAL,
            name: "a resource that is not an ARN matches nothing",
            expected: ImplicitlyDenied,
            line: id(allow("s3:GetObject", "bucket/*")),
        },
        Case {
            doc: EVAL,
            name: "a bad action beside a good one: the good one allows",
            expected: Allowed,
            line: id(
                json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["", "s3:GetObject"], "Resource": "*"}]}),
            ),
        },
        Case {
            doc: EVAL,
            name: "NotAction with a bad action matches every action",
            expected: Allowed,
            line: id(
                json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "NotAction": "s3 :GetObject", "Resource": "*"}]}),
            ),
        },
        Case {
            doc: EVAL,
            name: "a Principal in an identity policy: that statement never applies",
            expected: Allowed,
            line: id(json!({"Version": "2012-10-17", "Statement": [
                {"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "*"},
                {"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]})),
        },
        Case {
            doc: EVAL,
            name: "a resource policy statement without Principal never applies",
            expected: ImplicitlyDenied,
            line: with(
                line(ALICE, "s3:GetObject", OBJECT),
                "resourcePolicy",
                allow("s3:*", "*"),
            ),
        },
    ]);
}

fn scps(levels: Value) -> impl Fn(Value) -> Value {
    move |l| with(l, "serviceControlPolicies", levels.clone())
}

#[test]
fn service_and_resource_control_policies() {
    let full = allow("*", "*");
    let get = || {
        with(
            line(ALICE, "s3:GetObject", OBJECT),
            "identityPolicies",
            json!([allow("s3:*", "*")]),
        )
    };
    let three = |middle: Value| json!([[full.clone()], [middle], [full.clone()]]);
    run(&[
        Case {
            doc: SCP,
            name: "every level allows",
            expected: Allowed,
            line: scps(three(allow("s3:*", "*")))(get()),
        },
        Case {
            doc: SCP,
            name: "one level does not allow",
            expected: ImplicitlyDenied,
            line: scps(three(allow("ec2:*", "*")))(get()),
        },
        Case {
            doc: SCP,
            name: "a Deny at any level",
            expected: ExplicitlyDenied,
            line: scps(json!([
                [full.clone(), deny("s3:GetObject", "*")],
                [full.clone()]
            ]))(get()),
        },
        Case {
            doc: SCP,
            name: "an SCP never grants",
            expected: ImplicitlyDenied,
            line: scps(json!([[full.clone()]]))(line(ALICE, "s3:GetObject", OBJECT)),
        },
        Case {
            doc: SCP,
            name: "limits a grant from a resource policy naming the user",
            expected: ImplicitlyDenied,
            line: scps(json!([[allow("ec2:*", "*")]]))(with(
                line(ALICE, "s3:GetObject", OBJECT),
                "resourcePolicy",
                resource_policy(
                    "Allow",
                    "Principal",
                    json!({"AWS": ALICE}),
                    "s3:*",
                    "arn:aws:s3:::bucket/*",
                ),
            )),
        },
        Case {
            doc: SCP,
            name: "service-linked roles are not limited",
            expected: Allowed,
            line: scps(json!([[deny_nothing()]]))(with(
                line(
                    "arn:aws:sts::111122223333:assumed-role/AWSServiceRoleForSupport/s",
                    "s3:GetObject",
                    OBJECT,
                ),
                "identityPolicies",
                json!([allow("s3:*", "*")]),
            )),
        },
        Case {
            doc: SCP,
            name: "empty levels list: no organization",
            expected: Allowed,
            line: scps(json!([]))(get()),
        },
        Case {
            doc: RCP,
            name: "an RCP Deny wins",
            expected: ExplicitlyDenied,
            line: with(
                get(),
                "resourceControlPolicies",
                json!([
                    [],
                    [resource_policy(
                        "Deny",
                        "Principal",
                        json!("*"),
                        "s3:*",
                        "*"
                    )]
                ]),
            ),
        },
        Case {
            doc: RCP,
            name: "RCPs without a Deny change nothing (RCPFullAWSAccess is implied)",
            expected: Allowed,
            line: with(get(), "resourceControlPolicies", json!([[], []])),
        },
        Case {
            doc: RCP,
            name: "an RCP never grants",
            expected: ImplicitlyDenied,
            line: with(
                line(ALICE, "s3:GetObject", OBJECT),
                "resourceControlPolicies",
                json!([[resource_policy(
                    "Allow",
                    "Principal",
                    json!("*"),
                    "s3:*",
                    "*"
                )]]),
            ),
        },
    ]);
}

fn deny_nothing() -> Value {
    deny("ec2:TerminateInstances", "*")
}

#[test]
fn explanations_name_what_decided() {
    let e = simulate_line(
        &scps(json!([[allow("*", "*")], [allow("ec2:*", "*")]]))(with(
            line(ALICE, "s3:GetObject", OBJECT),
            "identityPolicies",
            json!([allow("s3:*", "*")]),
        ))
        .to_string(),
        None,
    )
    .unwrap();
    assert!(
        e.summary().contains("no service control policy at level 1"),
        "{}",
        e.summary()
    );

    let e = simulate_line(
        &with(
            with(
                line(ALICE, "sts:AssumeRole", BREAK_GLASS),
                "identityPolicies",
                json!([allow("sts:AssumeRole", "*")]),
            ),
            "resourcePolicy",
            trust(json!({"AWS": ADMIN}), "sts:AssumeRole"),
        )
        .to_string(),
        None,
    )
    .unwrap();
    assert!(
        e.summary().contains("trust policy must allow it"),
        "{}",
        e.summary()
    );

    let e = simulate_line(
        &with(line(ALICE, "s3:GetObject", OBJECT), "identityPolicies", json!([{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:*", "Resource": "*"}]}])).to_string(),
        None,
    )
    .unwrap();
    assert!(
        e.summary()
            .contains("statement ignored: Principal is not allowed"),
        "{}",
        e.summary()
    );
}
