//! The simulator page highlights the statements the evaluator used: `Simulation::marks` must
//! agree with the explanation, statement by statement, and name the statements that decided.

use std::collections::BTreeMap;

use iam::Directory;
use iam::Effect;
use iam::simulate::{DirectoryRequest, Simulation, StatementMark, simulate_in_directory};
use iam::{ContextValue, Decision};

const ALICE: &str = "arn:aws:iam::111122223333:user/alice";
const BOB: &str = "arn:aws:iam::111122223333:user/bob";
const PROD_ROLE: &str = "arn:aws:iam::123456789012:role/UpdateAPP";
const PROD_SESSION: &str = "arn:aws:sts::123456789012:assumed-role/UpdateAPP/alice";

fn simulate(principal: &str, action: &str, resource: &str, context: &[(&str, &str)]) -> Simulation {
    let context: BTreeMap<String, ContextValue> = context
        .iter()
        .map(|(k, v)| (k.to_string(), ContextValue::from(*v)))
        .collect();
    let request = DirectoryRequest {
        principal: principal.into(),
        action: action.into(),
        resource: resource.into(),
        context,
        session_policy: None,
    };
    simulate_in_directory(&Directory::demo(), &request).expect("simulated")
}

/// `(policy label, statement index, mark)` for every statement that is not unused.
fn highlighted(simulation: &Simulation) -> Vec<(String, usize, StatementMark)> {
    let mut out = Vec::new();
    for (p, participant) in simulation.policies.iter().enumerate() {
        for (i, mark) in simulation.marks(p).into_iter().enumerate() {
            if mark != StatementMark::Unused {
                out.push((participant.label.to_string(), i, mark));
            }
        }
    }
    out
}

#[test]
fn alice_with_mfa_highlights_the_developers_statement_and_the_trust_statement() {
    let s = simulate(
        ALICE,
        "sts:AssumeRole",
        PROD_ROLE,
        &[
            ("aws:MultiFactorAuthPresent", "true"),
            ("aws:MultiFactorAuthAge", "30"),
        ],
    );
    assert_eq!(s.evaluation.decision, Decision::Allowed);
    let marks = highlighted(&s);
    assert_eq!(marks.len(), 2, "{marks:?}");
    assert!(
        marks
            .iter()
            .any(|(label, _, mark)| label.contains("Developers")
                && *mark == StatementMark::Applied(Effect::Allow)),
        "{marks:?}"
    );
    assert!(
        marks
            .iter()
            .any(|(label, i, mark)| label.contains("trust policy")
                && *i == 0
                && *mark == StatementMark::Applied(Effect::Allow)),
        "{marks:?}"
    );
}

#[test]
fn alice_without_mfa_names_the_failed_condition_with_the_value_seen() {
    let s = simulate(ALICE, "sts:AssumeRole", PROD_ROLE, &[]);
    assert_eq!(s.evaluation.decision, Decision::ImplicitlyDenied);
    let marks = highlighted(&s);
    let failed: Vec<&String> = marks
        .iter()
        .filter_map(|(label, _, mark)| match mark {
            StatementMark::ConditionFailed(why) if label.contains("trust policy") => Some(why),
            _ => None,
        })
        .collect();
    assert_eq!(failed.len(), 1, "{marks:?}");
    assert!(
        failed[0].contains("aws:MultiFactorAuthPresent"),
        "{failed:?}"
    );
    assert!(failed[0].contains("the request had"), "{failed:?}");
    assert!(
        !marks
            .iter()
            .any(|(_, _, m)| matches!(m, StatementMark::Applied(_))),
        "nothing applied in an implicit deny's explanation: {marks:?}"
    );
}

#[test]
fn bob_has_no_statement_that_matches() {
    let s = simulate(
        BOB,
        "sts:AssumeRole",
        PROD_ROLE,
        &[("aws:MultiFactorAuthPresent", "true")],
    );
    assert_eq!(s.evaluation.decision, Decision::ImplicitlyDenied);
    assert!(highlighted(&s).is_empty(), "{:?}", highlighted(&s));
    // His own policies took part and are shown, unhighlighted.
    assert!(s.policies.iter().any(|p| p.label.contains("Testers")));
}

#[test]
fn an_scp_deny_is_highlighted_in_its_level() {
    let s = simulate(
        PROD_SESSION,
        "organizations:LeaveOrganization",
        "*",
        &[("aws:MultiFactorAuthPresent", "true")],
    );
    assert_eq!(s.evaluation.decision, Decision::ExplicitlyDenied);
    let marks = highlighted(&s);
    assert_eq!(marks.len(), 1, "{marks:?}");
    assert_eq!(marks[0].2, StatementMark::Applied(Effect::Deny));
    assert!(marks[0].0.contains("DenyLeaveOrganization"), "{marks:?}");
}

/// Over many requests: every explanation line about a statement is highlighted in exactly one
/// participating policy, at a statement of the effect the line names, and nothing else is.
#[test]
fn marks_are_exactly_the_statements_the_explanation_names() {
    let principals = [
        ALICE,
        BOB,
        "arn:aws:iam::111122223333:user/admin",
        PROD_SESSION,
    ];
    let requests = [
        ("sts:AssumeRole", PROD_ROLE),
        ("sts:AssumeRole", "arn:aws:iam::444455556666:role/UpdateAPP"),
        ("s3:GetObject", "arn:aws:s3:::productionapp/index.html"),
        ("s3:ListBucket", "arn:aws:s3:::productionapp"),
        (
            "s3:GetObject",
            "arn:aws:s3:::production-logs/2025/01/31/access.log",
        ),
        ("s3:PutObject", "arn:aws:s3:::stagingapp/x"),
        ("iam:GetUser", "arn:aws:iam::111122223333:user/alice"),
        ("organizations:LeaveOrganization", "*"),
    ];
    let contexts: [&[(&str, &str)]; 2] = [&[], &[("aws:MultiFactorAuthPresent", "true")]];
    let mut named = 0;
    for principal in principals {
        for (action, resource) in requests {
            for context in contexts {
                let s = simulate(principal, action, resource, context);
                let mut expected: Vec<(String, usize, bool)> = s
                    .evaluation
                    .explanation
                    .iter()
                    .filter_map(|f| Some((f.policy.as_deref()?.to_string(), f.used?)))
                    .map(|(label, used)| (label, used.index, used.applied))
                    .collect();
                expected.sort();
                expected.dedup();
                let mut got: Vec<(String, usize, bool)> = highlighted(&s)
                    .into_iter()
                    .map(|(label, i, mark)| (label, i, matches!(mark, StatementMark::Applied(_))))
                    .collect();
                got.sort();
                assert_eq!(got, expected, "{principal} {action} {resource} {context:?}");
                for f in &s.evaluation.explanation {
                    let (Some(label), Some(used)) = (&f.policy, f.used) else {
                        continue;
                    };
                    let owners: Vec<_> = s.policies.iter().filter(|p| p.label == *label).collect();
                    assert_eq!(owners.len(), 1, "{label} in {principal} {action}");
                    let statement = &owners[0].policy.statements()[used.index];
                    assert_eq!(Some(statement.effect()), f.effect, "{label}");
                    named += 1;
                }
            }
        }
    }
    assert!(named > 20, "the cases name statements: {named}");
}
