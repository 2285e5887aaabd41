//! Cases from the AWS IAM User Guide (policy evaluation logic, cross-account
//! access, condition operators, policy variables) with their documented
//! decisions, run through the stateless simulator entry point.

use iam::Decision::{self, Allowed, ExplicitlyDenied, ImplicitlyDenied};
use iam::simulate::simulate_line;
use serde_json::{Value, json};

const ALICE: &str = "arn:aws:iam::111122223333:user/alice";
const SESSION: &str = "arn:aws:sts::111122223333:assumed-role/AppRole/s1";
const ROLE: &str = "arn:aws:iam::111122223333:role/AppRole";
const OBJECT: &str = "arn:aws:s3:::bucket/key";

fn allow(action: &str, resource: &str) -> Value {
    json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": action, "Resource": resource}]})
}

fn with_condition(mut policy: Value, condition: Value) -> Value {
    policy["Statement"][0]["Condition"] = condition;
    policy
}

fn bucket_policy(principal: Value, effect: &str, action: &str) -> Value {
    json!({"Version": "2012-10-17", "Statement": [{"Effect": effect, "Principal": principal, "Action": action, "Resource": "arn:aws:s3:::bucket/*"}]})
}

struct Case {
    line: Value,
}

impl Case {
    fn new(principal: &str, action: &str, resource: &str) -> Self {
        Case {
            line: json!({"identityPolicies": [], "request": {"principal": principal, "action": action, "resource": resource}}),
        }
    }
    fn identity(mut self, p: Value) -> Self {
        self.line["identityPolicies"]
            .as_array_mut()
            .unwrap()
            .push(p);
        self
    }
    fn resource_policy(mut self, p: Value) -> Self {
        self.line["resourcePolicy"] = p;
        self
    }
    fn boundary(mut self, p: Value) -> Self {
        self.line["permissionBoundaries"] = json!([p]);
        self
    }
    fn session(mut self, p: Value) -> Self {
        self.line["sessionPolicy"] = p;
        self
    }
    fn account(mut self, a: &str) -> Self {
        self.line["request"]["resourceAccount"] = json!(a);
        self
    }
    fn context(mut self, c: Value) -> Self {
        self.line["request"]["context"] = c;
        self
    }
    fn decide(&self) -> Decision {
        match simulate_line(&self.line.to_string(), None) {
            Ok(e) => e.decision,
            Err(e) => panic!("{e}\n{}", self.line),
        }
    }
}

fn check(name: &str, case: Case, expected: Decision) {
    assert_eq!(case.decide(), expected, "{name}: {}", case.line);
}

#[test]
fn evaluation_logic() {
    check(
        "no policy: implicit deny",
        Case::new(ALICE, "s3:GetObject", OBJECT),
        ImplicitlyDenied,
    );
    check(
        "identity allow",
        Case::new(ALICE, "s3:GetObject", OBJECT).identity(allow("s3:*", "*")),
        Allowed,
    );
    let deny = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "s3:GetObject", "Resource": "*"}]});
    check(
        "explicit deny overrides allow",
        Case::new(ALICE, "s3:GetObject", OBJECT)
            .identity(allow("*", "*"))
            .identity(deny.clone()),
        ExplicitlyDenied,
    );
    check(
        "deny in a resource policy wins over identity allow",
        Case::new(ALICE, "s3:GetObject", OBJECT)
            .identity(allow("*", "*"))
            .resource_policy(bucket_policy(json!("*"), "Deny", "s3:*")),
        ExplicitlyDenied,
    );
    check(
        "deny in a boundary wins",
        Case::new(ALICE, "s3:GetObject", OBJECT)
            .identity(allow("*", "*"))
            .boundary(deny.clone()),
        ExplicitlyDenied,
    );
    check(
        "actions are case-insensitive",
        Case::new(ALICE, "S3:getobject", OBJECT).identity(allow("s3:GetObject", "*")),
        Allowed,
    );
    check(
        "resources are case-sensitive",
        Case::new(ALICE, "s3:GetObject", "arn:aws:s3:::Bucket/key")
            .identity(allow("s3:GetObject", "arn:aws:s3:::bucket/*")),
        ImplicitlyDenied,
    );
    let not_action = json!({"Version": "2012-10-17", "Statement": {"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}});
    check(
        "NotAction allows others",
        Case::new(ALICE, "s3:GetObject", OBJECT).identity(not_action.clone()),
        Allowed,
    );
    check(
        "NotAction excludes listed",
        Case::new(ALICE, "iam:CreateUser", "*").identity(not_action),
        ImplicitlyDenied,
    );
    let not_resource_deny = json!({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "s3:*", "Resource": "*"},
        {"Effect": "Deny", "Action": "s3:*", "NotResource": ["arn:aws:s3:::bucket", "arn:aws:s3:::bucket/*"]}]});
    check(
        "NotResource deny spares listed",
        Case::new(ALICE, "s3:GetObject", OBJECT).identity(not_resource_deny.clone()),
        Allowed,
    );
    check(
        "NotResource deny hits others",
        Case::new(ALICE, "s3:GetObject", "arn:aws:s3:::other/key").identity(not_resource_deny),
        ExplicitlyDenied,
    );
}

#[test]
fn resource_policies_same_and_cross_account() {
    check(
        "same account: bucket policy naming the user suffices",
        Case::new(ALICE, "s3:GetObject", OBJECT)
            .account("111122223333")
            .resource_policy(bucket_policy(
                json!({"AWS": ALICE}),
                "Allow",
                "s3:GetObject",
            )),
        Allowed,
    );
    check(
        "same account: naming the account delegates to identity policies",
        Case::new(ALICE, "s3:GetObject", OBJECT)
            .account("111122223333")
            .resource_policy(bucket_policy(
                json!({"AWS": "111122223333"}),
                "Allow",
                "s3:GetObject",
            )),
        ImplicitlyDenied,
    );
    check(
        "cross account: identity allow alone is not enough",
        Case::new(ALICE, "s3:GetObject", OBJECT)
            .account("444455556666")
            .identity(allow("s3:*", "*")),
        ImplicitlyDenied,
    );
    check(
        "cross account: resource allow alone is not enough",
        Case::new(ALICE, "s3:GetObject", OBJECT)
            .account("444455556666")
            .resource_policy(bucket_policy(
                json!({"AWS": ALICE}),
                "Allow",
                "s3:GetObject",
            )),
        ImplicitlyDenied,
    );
    check(
        "cross account: both allow",
        Case::new(ALICE, "s3:GetObject", OBJECT)
            .account("444455556666")
            .identity(allow("s3:GetObject", "*"))
            .resource_policy(bucket_policy(
                json!({"AWS": "arn:aws:iam::111122223333:root"}),
                "Allow",
                "s3:GetObject",
            )),
        Allowed,
    );
    check(
        "cross account: Principal * still needs the identity policy",
        Case::new(ALICE, "s3:GetObject", OBJECT)
            .account("444455556666")
            .resource_policy(bucket_policy(json!("*"), "Allow", "s3:GetObject")),
        ImplicitlyDenied,
    );
    check(
        "cross account: other account named",
        Case::new(ALICE, "s3:GetObject", OBJECT)
            .account("444455556666")
            .identity(allow("s3:GetObject", "*"))
            .resource_policy(bucket_policy(
                json!({"AWS": "777788889999"}),
                "Allow",
                "s3:GetObject",
            )),
        ImplicitlyDenied,
    );
    check(
        "anonymous read of a public bucket",
        Case::new("anonymous", "s3:GetObject", OBJECT)
            .account("444455556666")
            .resource_policy(bucket_policy(json!("*"), "Allow", "s3:GetObject")),
        Allowed,
    );
    check(
        "anonymous without a public bucket policy",
        Case::new("anonymous", "s3:GetObject", OBJECT)
            .account("444455556666")
            .resource_policy(bucket_policy(
                json!({"AWS": "111122223333"}),
                "Allow",
                "s3:GetObject",
            )),
        ImplicitlyDenied,
    );
    let trust = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "111122223333"}, "Action": "sts:AssumeRole",
        "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}}}]});
    let assume = |mfa: &str| {
        Case::new(
            ALICE,
            "sts:AssumeRole",
            "arn:aws:iam::123456789012:role/UpdateAPP",
        )
        .account("123456789012")
        .identity(allow(
            "sts:AssumeRole",
            "arn:aws:iam::123456789012:role/UpdateAPP",
        ))
        .resource_policy(trust.clone())
        .context(json!({"aws:MultiFactorAuthPresent": mfa}))
    };
    check("trust policy with MFA", assume("true"), Allowed);
    check(
        "trust policy without MFA",
        assume("false"),
        ImplicitlyDenied,
    );
    check(
        "trust policy but no identity allow",
        Case::new(
            ALICE,
            "sts:AssumeRole",
            "arn:aws:iam::123456789012:role/UpdateAPP",
        )
        .account("123456789012")
        .resource_policy(trust.clone())
        .context(json!({"aws:MultiFactorAuthPresent": "true"})),
        ImplicitlyDenied,
    );
}

#[test]
fn boundaries_and_session_policies() {
    check(
        "boundary limits identity",
        Case::new(ALICE, "s3:PutObject", OBJECT)
            .identity(allow("s3:*", "*"))
            .boundary(allow("s3:GetObject", "*")),
        ImplicitlyDenied,
    );
    check(
        "boundary and identity both allow",
        Case::new(ALICE, "s3:GetObject", OBJECT)
            .identity(allow("s3:*", "*"))
            .boundary(allow("s3:GetObject", "*")),
        Allowed,
    );
    check(
        "boundary alone grants nothing",
        Case::new(ALICE, "s3:GetObject", OBJECT).boundary(allow("s3:*", "*")),
        ImplicitlyDenied,
    );
    check(
        "same-account resource policy naming the user is not limited by the boundary",
        Case::new(ALICE, "s3:GetObject", OBJECT)
            .boundary(allow("ec2:*", "*"))
            .resource_policy(bucket_policy(
                json!({"AWS": ALICE}),
                "Allow",
                "s3:GetObject",
            )),
        Allowed,
    );
    check(
        "session policy limits the role",
        Case::new(SESSION, "s3:PutObject", OBJECT)
            .identity(allow("s3:*", "*"))
            .session(allow("s3:GetObject", "*")),
        ImplicitlyDenied,
    );
    check(
        "session policy and role allow",
        Case::new(SESSION, "s3:GetObject", OBJECT)
            .identity(allow("s3:*", "*"))
            .session(allow("s3:GetObject", "*")),
        Allowed,
    );
    check(
        "resource policy naming the session ARN is not limited by the session policy",
        Case::new(SESSION, "s3:PutObject", OBJECT)
            .session(allow("s3:GetObject", "*"))
            .resource_policy(bucket_policy(
                json!({"AWS": SESSION}),
                "Allow",
                "s3:PutObject",
            )),
        Allowed,
    );
    check(
        "resource policy naming the role ARN is limited by the session policy",
        Case::new(SESSION, "s3:PutObject", OBJECT)
            .session(allow("s3:GetObject", "*"))
            .resource_policy(bucket_policy(json!({"AWS": ROLE}), "Allow", "s3:PutObject")),
        ImplicitlyDenied,
    );
    check(
        "resource policy naming the role ARN, session policy allows",
        Case::new(SESSION, "s3:PutObject", OBJECT)
            .session(allow("s3:*", "*"))
            .resource_policy(bucket_policy(json!({"AWS": ROLE}), "Allow", "s3:PutObject")),
        Allowed,
    );
    let not_principal = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "NotPrincipal": {"AWS": [ALICE]}, "Action": "s3:*", "Resource": "arn:aws:s3:::bucket/*"}]});
    check(
        "NotPrincipal naming only the user (not the account) still denies",
        Case::new(ALICE, "s3:GetObject", OBJECT)
            .identity(allow("s3:*", "*"))
            .resource_policy(not_principal),
        ExplicitlyDenied,
    );
    let not_principal = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "NotPrincipal": {"AWS": [ALICE, "arn:aws:iam::111122223333:root"]}, "Action": "s3:*", "Resource": "arn:aws:s3:::bucket/*"}]});
    check(
        "NotPrincipal naming user and account spares the user",
        Case::new(ALICE, "s3:GetObject", OBJECT)
            .identity(allow("s3:*", "*"))
            .resource_policy(not_principal),
        Allowed,
    );
}

fn cond(condition: Value, context: Value) -> Decision {
    Case::new(ALICE, "s3:GetObject", OBJECT)
        .identity(with_condition(allow("s3:GetObject", "*"), condition))
        .context(context)
        .decide()
}

#[test]
fn condition_operators() {
    let cases: Vec<(&str, Value, Value, Decision)> = vec![
        (
            "StringEquals match",
            json!({"StringEquals": {"aws:PrincipalTag/team": "app"}}),
            json!({"aws:PrincipalTag/team": "app"}),
            Allowed,
        ),
        (
            "StringEquals is case-sensitive",
            json!({"StringEquals": {"aws:PrincipalTag/team": "App"}}),
            json!({"aws:PrincipalTag/team": "app"}),
            ImplicitlyDenied,
        ),
        (
            "keys are case-insensitive",
            json!({"StringEquals": {"AWS:PRINCIPALTAG/TEAM": "app"}}),
            json!({"aws:PrincipalTag/team": "app"}),
            Allowed,
        ),
        (
            "StringEquals absent key",
            json!({"StringEquals": {"aws:PrincipalTag/team": "app"}}),
            json!({}),
            ImplicitlyDenied,
        ),
        (
            "values are OR-ed",
            json!({"StringEquals": {"aws:PrincipalTag/team": ["qa", "app"]}}),
            json!({"aws:PrincipalTag/team": "app"}),
            Allowed,
        ),
        (
            "keys are AND-ed",
            json!({"StringEquals": {"aws:PrincipalTag/team": "app", "aws:PrincipalTag/env": "prod"}}),
            json!({"aws:PrincipalTag/team": "app", "aws:PrincipalTag/env": "dev"}),
            ImplicitlyDenied,
        ),
        (
            "StringNotEquals values are NOR-ed",
            json!({"StringNotEquals": {"aws:PrincipalTag/team": ["qa", "app"]}}),
            json!({"aws:PrincipalTag/team": "app"}),
            ImplicitlyDenied,
        ),
        (
            "StringNotEquals absent key is true",
            json!({"StringNotEquals": {"aws:PrincipalTag/team": "qa"}}),
            json!({}),
            Allowed,
        ),
        (
            "StringEqualsIgnoreCase",
            json!({"StringEqualsIgnoreCase": {"aws:PrincipalTag/team": "APP"}}),
            json!({"aws:PrincipalTag/team": "app"}),
            Allowed,
        ),
        (
            "StringNotEqualsIgnoreCase",
            json!({"StringNotEqualsIgnoreCase": {"aws:PrincipalTag/team": "APP"}}),
            json!({"aws:PrincipalTag/team": "app"}),
            ImplicitlyDenied,
        ),
        (
            "StringLike wildcard",
            json!({"StringLike": {"s3:prefix": ["home/*", "pub?ic/*"]}}),
            json!({"s3:prefix": "public/x"}),
            Allowed,
        ),
        (
            "StringNotLike",
            json!({"StringNotLike": {"s3:prefix": "home/*"}}),
            json!({"s3:prefix": "home/x"}),
            ImplicitlyDenied,
        ),
        (
            "StringNotLike absent",
            json!({"StringNotLike": {"s3:prefix": "home/*"}}),
            json!({}),
            Allowed,
        ),
        (
            "IfExists absent",
            json!({"StringEqualsIfExists": {"ec2:InstanceType": "t2.micro"}}),
            json!({}),
            Allowed,
        ),
        (
            "IfExists present mismatch",
            json!({"StringEqualsIfExists": {"ec2:InstanceType": "t2.micro"}}),
            json!({"ec2:InstanceType": "m5.large"}),
            ImplicitlyDenied,
        ),
        (
            "Null true: absent",
            json!({"Null": {"aws:TokenIssueTime": "true"}}),
            json!({}),
            Allowed,
        ),
        (
            "Null true: present",
            json!({"Null": {"aws:TokenIssueTime": "true"}}),
            json!({"aws:TokenIssueTime": "2025-01-01T00:00:00Z"}),
            ImplicitlyDenied,
        ),
        (
            "Null false: present",
            json!({"Null": {"aws:TokenIssueTime": false}}),
            json!({"aws:TokenIssueTime": "2025-01-01T00:00:00Z"}),
            Allowed,
        ),
        (
            "NumericLessThan",
            json!({"NumericLessThan": {"s3:max-keys": "10"}}),
            json!({"s3:max-keys": "9"}),
            Allowed,
        ),
        (
            "NumericLessThan equal",
            json!({"NumericLessThan": {"s3:max-keys": 10}}),
            json!({"s3:max-keys": "10"}),
            ImplicitlyDenied,
        ),
        (
            "NumericLessThanEquals",
            json!({"NumericLessThanEquals": {"s3:max-keys": 10}}),
            json!({"s3:max-keys": "10"}),
            Allowed,
        ),
        (
            "NumericGreaterThan",
            json!({"NumericGreaterThan": {"s3:max-keys": "1.5"}}),
            json!({"s3:max-keys": "2"}),
            Allowed,
        ),
        (
            "NumericNotEquals",
            json!({"NumericNotEquals": {"s3:max-keys": "10"}}),
            json!({"s3:max-keys": "10"}),
            ImplicitlyDenied,
        ),
        (
            "Numeric not a number",
            json!({"NumericEquals": {"s3:max-keys": "10"}}),
            json!({"s3:max-keys": "ten"}),
            ImplicitlyDenied,
        ),
        (
            "DateGreaterThan",
            json!({"DateGreaterThan": {"aws:CurrentTime": "2020-04-01T00:00:00Z"}}),
            json!({"aws:CurrentTime": "2025-01-31T12:00:00Z"}),
            Allowed,
        ),
        (
            "DateLessThan",
            json!({"DateLessThan": {"aws:CurrentTime": "2020-06-30T23:59:59Z"}}),
            json!({"aws:CurrentTime": "2025-01-31T12:00:00Z"}),
            ImplicitlyDenied,
        ),
        (
            "Date epoch",
            json!({"DateLessThanEquals": {"aws:EpochTime": "1738324800"}}),
            json!({"aws:EpochTime": "1738324800"}),
            Allowed,
        ),
        (
            "DateEquals date only",
            json!({"DateEquals": {"aws:CurrentTime": "2025-01-31"}}),
            json!({"aws:CurrentTime": "2025-01-31T00:00:00Z"}),
            Allowed,
        ),
        (
            "Bool true",
            json!({"Bool": {"aws:MultiFactorAuthPresent": "true"}}),
            json!({"aws:MultiFactorAuthPresent": "true"}),
            Allowed,
        ),
        (
            "Bool false value",
            json!({"Bool": {"aws:MultiFactorAuthPresent": true}}),
            json!({"aws:MultiFactorAuthPresent": "false"}),
            ImplicitlyDenied,
        ),
        (
            "Bool absent",
            json!({"Bool": {"aws:MultiFactorAuthPresent": "true"}}),
            json!({}),
            ImplicitlyDenied,
        ),
        (
            "BoolIfExists absent",
            json!({"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}),
            json!({}),
            Allowed,
        ),
        (
            "BinaryEquals",
            json!({"BinaryEquals": {"key": "QmluYXJ5VmFsdWU="}}),
            json!({"key": "QmluYXJ5VmFsdWU="}),
            Allowed,
        ),
        (
            "BinaryEquals mismatch",
            json!({"BinaryEquals": {"key": "QmluYXJ5VmFsdWU="}}),
            json!({"key": "b3RoZXI="}),
            ImplicitlyDenied,
        ),
        (
            "IpAddress v4",
            json!({"IpAddress": {"aws:SourceIp": ["203.0.113.0/24", "2001:db8::/32"]}}),
            json!({"aws:SourceIp": "203.0.113.9"}),
            Allowed,
        ),
        (
            "IpAddress v6",
            json!({"IpAddress": {"aws:SourceIp": ["203.0.113.0/24", "2001:db8::/32"]}}),
            json!({"aws:SourceIp": "2001:db8:1::5"}),
            Allowed,
        ),
        (
            "IpAddress outside",
            json!({"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}),
            json!({"aws:SourceIp": "198.51.100.1"}),
            ImplicitlyDenied,
        ),
        (
            "IpAddress single address",
            json!({"IpAddress": {"aws:SourceIp": "203.0.113.9"}}),
            json!({"aws:SourceIp": "203.0.113.9"}),
            Allowed,
        ),
        (
            "NotIpAddress",
            json!({"NotIpAddress": {"aws:SourceIp": "203.0.113.0/24"}}),
            json!({"aws:SourceIp": "198.51.100.1"}),
            Allowed,
        ),
        (
            "ArnLike",
            json!({"ArnLike": {"aws:SourceArn": "arn:aws:sns:*:111122223333:topic-*"}}),
            json!({"aws:SourceArn": "arn:aws:sns:eu-west-1:111122223333:topic-a"}),
            Allowed,
        ),
        (
            "ArnLike wildcard does not cross a colon",
            json!({"ArnLike": {"aws:SourceArn": "arn:aws:sns:*:topic-a"}}),
            json!({"aws:SourceArn": "arn:aws:sns:eu-west-1:111122223333:topic-a"}),
            ImplicitlyDenied,
        ),
        (
            "ArnEquals",
            json!({"ArnEquals": {"aws:SourceArn": "arn:aws:sns:eu-west-1:111122223333:t"}}),
            json!({"aws:SourceArn": "arn:aws:sns:eu-west-1:111122223333:t"}),
            Allowed,
        ),
        (
            "ArnNotEquals",
            json!({"ArnNotEquals": {"aws:SourceArn": "arn:aws:sns:eu-west-1:111122223333:t"}}),
            json!({"aws:SourceArn": "arn:aws:sns:eu-west-1:111122223333:t"}),
            ImplicitlyDenied,
        ),
        (
            "ArnNotLike absent",
            json!({"ArnNotLike": {"aws:SourceArn": "arn:aws:sns:*"}}),
            json!({}),
            Allowed,
        ),
        (
            "ForAllValues subset",
            json!({"ForAllValues:StringEquals": {"aws:TagKeys": ["env", "team"]}}),
            json!({"aws:TagKeys": ["env"]}),
            Allowed,
        ),
        (
            "ForAllValues extra value",
            json!({"ForAllValues:StringEquals": {"aws:TagKeys": ["env", "team"]}}),
            json!({"aws:TagKeys": ["env", "cost"]}),
            ImplicitlyDenied,
        ),
        (
            "ForAllValues absent is true",
            json!({"ForAllValues:StringEquals": {"aws:TagKeys": ["env"]}}),
            json!({}),
            Allowed,
        ),
        (
            "ForAllValues empty is true",
            json!({"ForAllValues:StringEquals": {"aws:TagKeys": ["env"]}}),
            json!({"aws:TagKeys": []}),
            Allowed,
        ),
        (
            "ForAnyValue one matches",
            json!({"ForAnyValue:StringEquals": {"aws:TagKeys": ["env"]}}),
            json!({"aws:TagKeys": ["cost", "env"]}),
            Allowed,
        ),
        (
            "ForAnyValue absent is false",
            json!({"ForAnyValue:StringEquals": {"aws:TagKeys": ["env"]}}),
            json!({}),
            ImplicitlyDenied,
        ),
        (
            "ForAnyValue:StringNotEquals",
            json!({"ForAnyValue:StringNotEquals": {"aws:TagKeys": ["env"]}}),
            json!({"aws:TagKeys": ["env", "x"]}),
            Allowed,
        ),
        (
            "ForAllValues:StringNotEquals",
            json!({"ForAllValues:StringNotEquals": {"aws:TagKeys": ["env"]}}),
            json!({"aws:TagKeys": ["env", "x"]}),
            ImplicitlyDenied,
        ),
        (
            "ForAnyValue:StringLike",
            json!({"ForAnyValue:StringLike": {"aws:TagKeys": ["en*"]}}),
            json!({"aws:TagKeys": ["cost", "env"]}),
            Allowed,
        ),
        (
            "operators are AND-ed",
            json!({"Bool": {"aws:MultiFactorAuthPresent": "true"}, "IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}),
            json!({"aws:MultiFactorAuthPresent": "true", "aws:SourceIp": "198.51.100.1"}),
            ImplicitlyDenied,
        ),
        (
            "NumericLessThanIfExists MFA age",
            json!({"NumericLessThanIfExists": {"aws:MultiFactorAuthAge": "3600"}}),
            json!({"aws:MultiFactorAuthAge": "300"}),
            Allowed,
        ),
    ];
    for (name, condition, context, expected) in cases {
        assert_eq!(
            cond(condition.clone(), context.clone()),
            expected,
            "{name}: {condition} with {context}"
        );
    }
}

#[test]
fn policy_variables() {
    let home = allow("s3:GetObject", "arn:aws:s3:::bucket/home/${aws:username}/*");
    let run = |policy: &Value, resource: &str, context: Value| {
        Case::new(ALICE, "s3:GetObject", resource)
            .identity(policy.clone())
            .context(context)
            .decide()
    };
    assert_eq!(
        run(
            &home,
            "arn:aws:s3:::bucket/home/alice/a.txt",
            json!({"aws:username": "alice"})
        ),
        Allowed
    );
    assert_eq!(
        run(
            &home,
            "arn:aws:s3:::bucket/home/bob/a.txt",
            json!({"aws:username": "alice"})
        ),
        ImplicitlyDenied
    );
    // No value: the element does not match (never an empty string).
    assert_eq!(
        run(&home, "arn:aws:s3:::bucket/home//a.txt", json!({})),
        ImplicitlyDenied
    );
    let default = allow(
        "s3:GetObject",
        "arn:aws:s3:::bucket/${aws:PrincipalTag/team, 'shared'}/*",
    );
    assert_eq!(
        run(&default, "arn:aws:s3:::bucket/shared/x", json!({})),
        Allowed
    );
    assert_eq!(
        run(
            &default,
            "arn:aws:s3:::bucket/app/x",
            json!({"aws:PrincipalTag/team": "app"})
        ),
        Allowed
    );
    let star = allow("s3:GetObject", "arn:aws:s3:::bucket/${*}/x");
    assert_eq!(run(&star, "arn:aws:s3:::bucket/*/x", json!({})), Allowed);
    assert_eq!(
        run(&star, "arn:aws:s3:::bucket/a/x", json!({})),
        ImplicitlyDenied
    );
    // A substituted value is literal, not a wildcard.
    assert_eq!(
        run(
            &home,
            "arn:aws:s3:::bucket/home/alice/a",
            json!({"aws:username": "*"})
        ),
        ImplicitlyDenied
    );
    // Version 2008-10-17 has no variables.
    let old = json!({"Version": "2008-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::bucket/${aws:username}"}]});
    assert_eq!(
        run(
            &old,
            "arn:aws:s3:::bucket/alice",
            json!({"aws:username": "alice"})
        ),
        ImplicitlyDenied
    );
    assert_eq!(
        run(
            &old,
            "arn:aws:s3:::bucket/${aws:username}",
            json!({"aws:username": "alice"})
        ),
        Allowed
    );
    // In condition values.
    let tagged = with_condition(
        allow("s3:GetObject", "*"),
        json!({"StringEquals": {"s3:ExistingObjectTag/owner": "${aws:username}"}}),
    );
    assert_eq!(
        run(
            &tagged,
            OBJECT,
            json!({"aws:username": "alice", "s3:ExistingObjectTag/owner": "alice"})
        ),
        Allowed
    );
    assert_eq!(
        run(
            &tagged,
            OBJECT,
            json!({"s3:ExistingObjectTag/owner": "alice"})
        ),
        ImplicitlyDenied
    );
    let negated = with_condition(
        allow("s3:GetObject", "*"),
        json!({"StringNotEquals": {"s3:ExistingObjectTag/owner": "${aws:username}"}}),
    );
    assert_eq!(
        run(
            &negated,
            OBJECT,
            json!({"s3:ExistingObjectTag/owner": "bob"})
        ),
        ImplicitlyDenied
    );
}

#[test]
fn explanation_names_the_deciding_statement() {
    let line = Case::new(ALICE, "s3:GetObject", OBJECT)
        .identity(json!({"Version": "2012-10-17", "Statement": [{"Sid": "NoLogs", "Effect": "Deny", "Action": "s3:*", "Resource": "*"}]}))
        .line;
    let e = simulate_line(&line.to_string(), None).unwrap();
    assert_eq!(e.decision, ExplicitlyDenied);
    assert_eq!(
        e.explanation[0].policy.as_deref(),
        Some("identityPolicies[0]")
    );
    assert_eq!(
        e.explanation[0].statement.as_deref(),
        Some("Statement[0] (Sid \"NoLogs\")")
    );
}

#[test]
fn simulator_lines() {
    let input = format!(
        "{}\nnot json\n\n{}\n",
        Case::new(ALICE, "s3:GetObject", OBJECT)
            .identity(allow("s3:*", "*"))
            .line,
        json!({"request": {"principal": "nobody", "action": "s3:GetObject", "resource": "*"}})
    );
    let mut out = Vec::new();
    iam::simulate::run(input.as_bytes(), &mut out).unwrap();
    let lines: Vec<Value> = String::from_utf8(out)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[0]["decision"], "Allowed");
    assert!(
        lines[1]["error"]
            .as_str()
            .unwrap()
            .starts_with("malformed line")
    );
    assert!(
        lines[2]["error"]
            .as_str()
            .unwrap()
            .contains("not a principal")
    );

    let dir = iam::Directory::demo();
    let input = [
        json!({"request": {"principal": "arn:aws:iam::111122223333:user/alice", "action": "sts:AssumeRole", "resource": "arn:aws:iam::123456789012:role/UpdateAPP", "context": {"aws:MultiFactorAuthPresent": "true"}}}),
        json!({"request": {"principal": "arn:aws:iam::111122223333:user/alice", "action": "sts:AssumeRole", "resource": "arn:aws:iam::123456789012:role/UpdateAPP"}}),
        json!({"request": {"principal": "arn:aws:iam::111122223333:user/bob", "action": "sts:AssumeRole", "resource": "arn:aws:iam::123456789012:role/UpdateAPP", "context": {"aws:MultiFactorAuthPresent": "true"}}}),
        json!({"request": {"principal": "arn:aws:sts::123456789012:assumed-role/UpdateAPP/alice", "action": "s3:GetObject", "resource": "arn:aws:s3:::productionapp/x"}}),
        json!({"request": {"principal": "arn:aws:sts::123456789012:assumed-role/UpdateAPP/alice", "action": "s3:GetObject", "resource": "arn:aws:s3:::production-logs/x"}}),
        json!({"request": {"principal": "arn:aws:iam::111122223333:user/alice", "action": "iam:GetUser", "resource": "arn:aws:iam::111122223333:user/alice", "context": {"aws:username": "bob"}}}),
        json!({"request": {"principal": "arn:aws:iam::111122223333:user/mallory", "action": "s3:GetObject", "resource": "*"}}),
    ]
    .iter()
    .map(Value::to_string)
    .collect::<Vec<_>>()
    .join("\n");
    let mut out = Vec::new();
    iam::simulate::run_with_directory(&dir, input.as_bytes(), &mut out).unwrap();
    let lines: Vec<Value> = String::from_utf8(out)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let decisions: Vec<&str> = lines
        .iter()
        .map(|l| l["decision"].as_str().unwrap_or("error"))
        .collect();
    assert_eq!(
        decisions,
        [
            "Allowed",
            "ImplicitlyDenied",
            "ImplicitlyDenied",
            "Allowed",
            "ImplicitlyDenied",
            "Allowed",
            "error"
        ]
    );
}

#[test]
fn policy_validation_paths() {
    let bad = |policy: Value, kind: iam::PolicyKind| {
        iam::Policy::from_value(&policy, kind)
            .unwrap_err()
            .to_string()
    };
    use iam::PolicyKind::{Identity, Resource, Trust};
    assert_eq!(
        bad(
            json!({"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}, {"Effect": "Permit"}]}),
            Identity
        ),
        "Statement[1].Effect: expected \"Allow\" or \"Deny\", found the string \"Permit\""
    );
    assert_eq!(
        bad(
            json!({"Statement": {"Effect": "Allow", "Action": ["s3:*", "s3GetObject"], "Resource": "*"}}),
            Identity
        ),
        "Statement.Action[1]: \"s3GetObject\" is not an action (expected \"service:Action\", wildcards allowed, or \"*\")"
    );
    assert_eq!(
        bad(
            json!({"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condition": {"Bool": "true"}}]}),
            Identity
        ),
        "Statement[0].Condition.Bool: expected an object, found the string \"true\""
    );
    assert_eq!(
        bad(
            json!({"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condition": {"StringEqualz": {"a": "b"}}}]}),
            Identity
        ),
        "Statement[0].Condition.StringEqualz: unknown condition operator"
    );
    assert_eq!(
        bad(
            json!({"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condition": {"IpAddress": {"aws:SourceIp": ["10.0.0.0/8", "nope"]}}}]}),
            Identity
        ),
        "Statement[0].Condition.IpAddress[\"aws:SourceIp\"][1]: \"nope\" is not an IP address or CIDR block (such as 203.0.113.0/24 or 2001:db8::/32)"
    );
    assert_eq!(
        bad(
            json!({"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:*", "Resource": "*"}]}),
            Identity
        ),
        "Statement[0].Principal: not allowed in an identity-based, boundary, session or service control policy"
    );
    assert_eq!(
        bad(
            json!({"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}),
            Resource
        ),
        "Statement[0].Principal: missing (a resource or trust policy statement needs Principal or NotPrincipal)"
    );
    assert_eq!(bad(json!({"Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::1111:root"}, "Action": "sts:AssumeRole"}]}), Trust).split(':').next(), Some("Statement[0].Principal.AWS"));
    assert_eq!(bad(json!({"Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:user/*"}, "Action": "sts:AssumeRole"}]}), Trust).split(": ").next(), Some("Statement[0].Principal.AWS"));
    assert_eq!(
        bad(json!({"Version": "2012-10-18", "Statement": []}), Identity)
            .split(':')
            .next(),
        Some("Version")
    );
    assert_eq!(
        bad(
            json!({"Statement": [{"Sid": "A", "Effect": "Allow", "Action": "s3:*", "Resource": "*"}, {"Sid": "A", "Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}),
            Identity
        ),
        "Statement[1].Sid: duplicate Sid \"A\""
    );
    assert_eq!(
        bad(
            json!({"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "bucket"}]}),
            Identity
        )
        .split(':')
        .next(),
        Some("Statement[0].Resource")
    );
    let big = format!(
        "{{\"Statement\":{{\"Effect\":\"Allow\",\"Action\":\"s3:*\",\"Resource\":\"arn:aws:s3:::{}\"}}}}",
        "a".repeat(3000)
    );
    let e = iam::Policy::parse(&big, Identity, iam::Limits::default().user_inline)
        .unwrap_err()
        .to_string();
    assert!(e.contains("the limit is 2048"), "{e}");
}
