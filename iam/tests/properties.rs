//! Property tests: an explicit Deny always wins; adding an Allow never turns
//! Allowed into a denial; SCPs and RCPs never turn a denial into an Allow;
//! removing a statement from a trust policy never opens a role; no input
//! makes the engine panic.

use iam::Decision;
use iam::simulate::simulate_line;
use proptest::prelude::*;
use serde_json::{Value, json};

fn action() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec![
        "s3:GetObject",
        "s3:*",
        "*",
        "iam:*",
        "s3:Put*",
        "s3:get?bject",
        "sts:AssumeRole",
    ])
}

fn resource() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec![
        "*",
        "arn:aws:s3:::bucket/*",
        "arn:aws:s3:::other/*",
        "arn:aws:s3:::bucket/${aws:username}",
        "arn:aws:s3:::bucket/${aws:PrincipalTag/team, 'x'}*",
    ])
}

fn condition() -> impl Strategy<Value = Option<Value>> {
    prop::option::of(prop::sample::select(vec![
        json!({"Bool": {"aws:MultiFactorAuthPresent": "true"}}),
        json!({"StringNotEquals": {"aws:username": "bob"}}),
        json!({"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}),
        json!({"ForAnyValue:StringLike": {"aws:TagKeys": "t*"}}),
        json!({"NumericLessThanIfExists": {"aws:MultiFactorAuthAge": "600"}}),
        json!({"Null": {"aws:SourceIp": "false"}}),
    ]))
}

fn statement(with_principal: bool) -> impl Strategy<Value = Value> {
    (
        prop::bool::ANY,
        action(),
        resource(),
        condition(),
        prop::bool::ANY,
    )
        .prop_map(move |(allow, action, resource, condition, not_action)| {
            let mut s =
                json!({"Effect": if allow { "Allow" } else { "Deny" }, "Resource": resource});
            s[if not_action { "NotAction" } else { "Action" }] = json!(action);
            if with_principal {
                s["Principal"] = json!({"AWS": "111122223333"});
            }
            if let Some(c) = condition {
                s["Condition"] = c;
            }
            s
        })
}

fn policy(with_principal: bool) -> impl Strategy<Value = Value> {
    prop::collection::vec(statement(with_principal), 1..4)
        .prop_map(|statements| json!({"Version": "2012-10-17", "Statement": statements}))
}

fn line() -> impl Strategy<Value = Value> {
    (
        prop::collection::vec(policy(false), 0..3),
        prop::option::of(policy(true)),
        prop::option::of(policy(false)),
        prop::option::of(policy(false)),
        prop::sample::select(vec![
            "s3:GetObject",
            "s3:PutObject",
            "iam:GetUser",
            "sts:AssumeRole",
        ]),
        prop::sample::select(vec![
            "arn:aws:s3:::bucket/alice",
            "arn:aws:s3:::other/x",
            "arn:aws:s3:::bucket/xyz",
        ]),
        prop::bool::ANY,
        prop::bool::ANY,
    )
        .prop_map(
            |(identity, resource_policy, boundary, session, action, resource, cross, mfa)| {
                let principal = if session.is_some() {
                    "arn:aws:sts::111122223333:assumed-role/R/s"
                } else {
                    "arn:aws:iam::111122223333:user/alice"
                };
                json!({
                    "identityPolicies": identity,
                    "resourcePolicy": resource_policy,
                    "permissionBoundaries": boundary.map(|b| vec![b]),
                    "sessionPolicy": session,
                    "request": {
                        "principal": principal,
                        "action": action,
                        "resource": resource,
                        "resourceAccount": if cross { "444455556666" } else { "111122223333" },
                        "context": {
                            "aws:username": "alice",
                            "aws:MultiFactorAuthPresent": mfa.to_string(),
                            "aws:SourceIp": "203.0.113.7",
                            "aws:TagKeys": ["team", "env"],
                        }
                    }
                })
            },
        )
}

fn decide(line: &Value) -> Decision {
    match simulate_line(&line.to_string(), None) {
        Ok(e) => e.decision,
        Err(e) => panic!("generated line rejected: {e}\n{line}"),
    }
}

fn deny_all(with_principal: bool) -> Value {
    let mut s = json!({"Effect": "Deny", "Action": "*", "Resource": "*"});
    if with_principal {
        s["Principal"] = json!("*");
    }
    s
}

fn push_statement(policy: &mut Value, s: Value) {
    if let Some(list) = policy["Statement"].as_array_mut() {
        list.push(s);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn explicit_deny_always_wins(mut line in line(), place in 0usize..4) {
        match place {
            0 => line["identityPolicies"].as_array_mut().unwrap().push(json!({"Statement": [deny_all(false)]})),
            1 => match line["resourcePolicy"].is_null() {
                true => line["resourcePolicy"] = json!({"Statement": [deny_all(true)]}),
                false => push_statement(&mut line["resourcePolicy"], deny_all(true)),
            },
            2 if !line["permissionBoundaries"].is_null() => push_statement(&mut line["permissionBoundaries"][0], deny_all(false)),
            3 if !line["sessionPolicy"].is_null() => push_statement(&mut line["sessionPolicy"], deny_all(false)),
            _ => line["identityPolicies"].as_array_mut().unwrap().push(json!({"Statement": [deny_all(false)]})),
        }
        prop_assert_eq!(decide(&line), Decision::ExplicitlyDenied);
    }

    #[test]
    fn adding_an_allow_never_denies(mut line in line(), extra in statement(false), place in 0usize..4) {
        let before = decide(&line);
        let mut extra = extra;
        extra["Effect"] = json!("Allow");
        match place {
            0 => line["identityPolicies"].as_array_mut().unwrap().push(json!({"Version": "2012-10-17", "Statement": [extra]})),
            1 if !line["resourcePolicy"].is_null() => {
                extra["Principal"] = json!({"AWS": "111122223333"});
                push_statement(&mut line["resourcePolicy"], extra);
            }
            2 if !line["permissionBoundaries"].is_null() => push_statement(&mut line["permissionBoundaries"][0], extra),
            3 if !line["sessionPolicy"].is_null() => push_statement(&mut line["sessionPolicy"], extra),
            _ => line["identityPolicies"].as_array_mut().unwrap().push(json!({"Version": "2012-10-17", "Statement": [extra]})),
        }
        let after = decide(&line);
        if before == Decision::Allowed {
            prop_assert_eq!(after, Decision::Allowed);
        }
        if before == Decision::ImplicitlyDenied {
            prop_assert_ne!(after, Decision::ExplicitlyDenied);
        }
    }

    #[test]
    fn organization_policies_never_turn_a_denial_into_an_allow(
        line in line(),
        scps in prop::collection::vec(prop::collection::vec(policy(false), 0..3), 0..4),
        rcps in prop::collection::vec(prop::collection::vec(policy(true), 0..2), 0..4),
    ) {
        let before = decide(&line);
        let mut limited = line.clone();
        limited["serviceControlPolicies"] = json!(scps);
        limited["resourceControlPolicies"] = json!(rcps);
        let after = decide(&limited);
        if before != Decision::Allowed {
            prop_assert_ne!(after, Decision::Allowed, "{}", limited);
        }
        if before == Decision::ExplicitlyDenied {
            prop_assert_eq!(after, Decision::ExplicitlyDenied);
        }
    }

    #[test]
    fn removing_a_trust_allow_never_opens_a_role(
        mut line in line(),
        trust in prop::collection::vec(trust_statement(), 1..4),
        same_account in prop::bool::ANY,
        remove in 0usize..4,
    ) {
        let role = if same_account { "arn:aws:iam::111122223333:role/Target" } else { "arn:aws:iam::444455556666:role/Target" };
        line["request"]["action"] = json!("sts:AssumeRole");
        line["request"]["resource"] = json!(role);
        line["request"]["resourceAccount"] = json!(if same_account { "111122223333" } else { "444455556666" });
        line["resourcePolicy"] = json!({"Version": "2012-10-17", "Statement": trust.clone()});
        let before = decide(&line);
        // Take away one Allow (taking away a Deny may rightly open the role).
        let mut fewer = trust;
        let allows: Vec<usize> = (0..fewer.len()).filter(|&i| fewer[i]["Effect"] == "Allow").collect();
        prop_assume!(!allows.is_empty());
        fewer.remove(allows[remove % allows.len()]);
        line["resourcePolicy"] = if fewer.is_empty() { Value::Null } else { json!({"Version": "2012-10-17", "Statement": fewer}) };
        let after = decide(&line);
        if before != Decision::Allowed {
            prop_assert_ne!(after, Decision::Allowed, "{}", line);
        }
    }

    #[test]
    fn arbitrary_text_never_panics(text in ".{0,400}") {
        let _ = iam::Policy::parse(&text, iam::PolicyKind::Identity, usize::MAX);
        let _ = simulate_line(&text, None);
    }

    #[test]
    fn arbitrary_json_policies_never_panic(value in arb_json()) {
        for kind in [iam::PolicyKind::Identity, iam::PolicyKind::Resource, iam::PolicyKind::Trust] {
            let _ = iam::Policy::from_value(&value, kind);
        }
        let wrapped = json!({"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*", "Condition": value}]});
        if let Ok(p) = iam::Policy::from_value(&wrapped, iam::PolicyKind::Identity) {
            let _ = p;
        }
    }

    #[test]
    fn globs_never_panic(pattern in "[a-z*?\\\\é:/]{0,20}", text in "[a-z*?é:/]{0,20}") {
        let _ = iam::matching::glob_match(&pattern, &text, true);
        let _ = iam::matching::arn_match(&pattern, &text);
        if !pattern.contains(['*', '?', '\\']) {
            prop_assert_eq!(iam::matching::glob_match(&pattern, &text, false), pattern == text);
        }
    }
}

/// A trust policy statement naming the caller in one of its forms.
fn trust_statement() -> impl Strategy<Value = Value> {
    (
        prop::bool::ANY,
        prop::sample::select(vec![
            json!({"AWS": "111122223333"}),
            json!({"AWS": "arn:aws:iam::111122223333:root"}),
            json!({"AWS": "arn:aws:iam::111122223333:user/alice"}),
            json!({"AWS": "arn:aws:iam::111122223333:role/R"}),
            json!({"AWS": "arn:aws:sts::111122223333:assumed-role/R/s"}),
            json!({"AWS": "arn:aws:iam::444455556666:root"}),
            json!("*"),
        ]),
        prop::bool::ANY,
        condition(),
    )
        .prop_map(|(allow, principal, negated, condition)| {
            let mut s =
                json!({"Effect": if allow { "Allow" } else { "Deny" }, "Action": "sts:AssumeRole"});
            s[if negated { "NotPrincipal" } else { "Principal" }] = principal;
            if let Some(c) = condition {
                s["Condition"] = c;
            }
            s
        })
}

fn arb_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        prop::sample::select(vec![
            "Allow",
            "Deny",
            "*",
            "s3:GetObject",
            "arn:aws:s3:::b/*",
            "2012-10-17",
            "StringEquals",
            "Bool",
            "true",
            "${aws:username}",
            "${",
            "10.0.0.0/8",
            "AWS",
            "111122223333",
        ])
        .prop_map(|s| json!(s)),
        ".{0,12}".prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        let key = prop::sample::select(vec![
            "Version",
            "Statement",
            "Effect",
            "Action",
            "NotAction",
            "Resource",
            "NotResource",
            "Principal",
            "NotPrincipal",
            "Condition",
            "Sid",
            "AWS",
            "StringEquals",
            "ForAnyValue:StringLike",
            "IpAddress",
            "NullIfExists",
            "DateLessThan",
            "x",
        ]);
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::btree_map(key.prop_map(str::to_owned), inner, 0..5)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}
