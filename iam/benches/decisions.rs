//! Decisions per second: the demo's three requests (the demo is an
//! organization: each decision passes a three-level SCP chain), the same
//! decision with an explicit three-level SCP/RCP chain and without any, and
//! a large policy set (100 policies x 10 statements). Run: `cargo bench -p iam`.

use std::hint::black_box;
use std::time::Duration;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use iam::access::{self, CallerContext, Identity, RoleSessionInfo};
use iam::{
    Directory, NamedPolicy, OrgLevel, Policy, PolicyKind, PolicySet, Principal, Request,
    RequestContext, evaluate,
};
use time::macros::datetime;

fn demo(c: &mut Criterion) {
    let dir = Directory::demo();
    let now = datetime!(2025-01-31 12:00 UTC);
    let caller = CallerContext::at(now).with_mfa(now - time::Duration::minutes(2));
    let dev = dir.account("development").unwrap();
    let prod = dir.account("production").unwrap();
    let alice = Identity::User {
        account: dev,
        user: dev.user("alice").unwrap(),
    };
    let session = RoleSessionInfo::new("alice", None, caller.mfa_authenticated_at, now, None);
    let role = Identity::RoleSession {
        account: prod,
        role: prod.role("UpdateAPP").unwrap(),
        session: &session,
    };
    let update_app = "arn:aws:iam::123456789012:role/UpdateAPP";

    assert!(access::authorize(&dir, &alice, "sts:AssumeRole", update_app, &caller).is_allowed());
    assert!(
        access::authorize(
            &dir,
            &role,
            "s3:GetObject",
            "arn:aws:s3:::productionapp/x",
            &caller
        )
        .is_allowed()
    );
    assert!(
        !access::authorize(
            &dir,
            &role,
            "s3:GetObject",
            "arn:aws:s3:::production-logs/x",
            &caller
        )
        .is_allowed()
    );

    let mut group = c.benchmark_group("demo");
    group.bench_function("alice AssumeRole UpdateAPP", |b| {
        b.iter(|| {
            access::authorize(
                &dir,
                black_box(&alice),
                "sts:AssumeRole",
                black_box(update_app),
                &caller,
            )
        })
    });
    group.bench_function("UpdateAPP GetObject productionapp/x", |b| {
        b.iter(|| {
            access::authorize(
                &dir,
                black_box(&role),
                "s3:GetObject",
                black_box("arn:aws:s3:::productionapp/x"),
                &caller,
            )
        })
    });
    group.bench_function("UpdateAPP GetObject production-logs/x (denied)", |b| {
        b.iter(|| {
            access::authorize(
                &dir,
                black_box(&role),
                "s3:GetObject",
                black_box("arn:aws:s3:::production-logs/x"),
                &caller,
            )
        })
    });
    let context = alice.context(&caller);
    group.bench_function("alice AssumeRole UpdateAPP (context prepared)", |b| {
        b.iter_batched(
            || context.clone(),
            |ctx| {
                access::authorize_with_context(
                    &dir,
                    black_box(&alice),
                    "sts:AssumeRole",
                    update_app,
                    ctx,
                )
            },
            BatchSize::SmallInput,
        )
    });
    group.finish();
}

fn large(c: &mut Criterion) {
    let services = ["s3", "ec2", "iam", "dynamodb", "lambda"];
    let policies: Vec<NamedPolicy> = (0..100)
        .map(|p| {
            let statements: Vec<serde_json::Value> = (0..10)
                .map(|s| {
                    let service = services[(p + s) % services.len()];
                    let mut st = serde_json::json!({
                        "Sid": format!("S{s}"),
                        "Effect": "Allow",
                        "Action": [format!("{service}:Get*"), format!("{service}:List{p}*")],
                        "Resource": format!("arn:aws:{service}:::resource-{p}-{s}/*"),
                    });
                    if s % 3 == 0 {
                        st["Condition"] = serde_json::json!({"StringEquals": {"aws:PrincipalTag/team": format!("team-{p}")}});
                    }
                    st
                })
                .collect();
            let doc = serde_json::json!({"Version": "2012-10-17", "Statement": statements}).to_string();
            NamedPolicy::new(format!("policy-{p}"), Policy::parse(&doc, PolicyKind::Identity, usize::MAX).unwrap())
        })
        .collect();
    let principal = Principal::from_arn("arn:aws:iam::111122223333:user/alice").unwrap();
    let mut context = RequestContext::new();
    context.insert("aws:PrincipalTag/team", "team-99");
    context.insert("aws:username", "alice");
    let set = PolicySet {
        identity: &policies,
        ..PolicySet::default()
    };
    // Policy 99, statement 1 is the only one that allows s3:GetObject there.
    let hit = "arn:aws:s3:::resource-99-1/object";
    let request = |resource: &'static str| Request {
        principal: &principal,
        action: "s3:GetObject",
        resource,
        resource_account: None,
        context: &context,
    };
    assert!(evaluate(&request(hit), &set).is_allowed());
    assert!(!evaluate(&request("arn:aws:s3:::nowhere/x"), &set).is_allowed());
    let mut group = c.benchmark_group("100 policies x 10 statements");
    group.bench_function("allowed by the last policy", |b| {
        b.iter(|| evaluate(black_box(&request(hit)), &set))
    });
    group.bench_function("implicitly denied", |b| {
        b.iter(|| evaluate(black_box(&request("arn:aws:s3:::nowhere/x")), &set))
    });
    group.finish();
}

fn named(label: &str, kind: PolicyKind, doc: serde_json::Value) -> NamedPolicy {
    NamedPolicy::new(
        label,
        Policy::parse(&doc.to_string(), kind, usize::MAX).unwrap(),
    )
}

/// alice's switch into UpdateAPP decided from a prepared policy set, with
/// and without a three-level chain of SCPs (FullAWSAccess and a Deny at
/// every level) and RCPs.
fn organizations(c: &mut Criterion) {
    use serde_json::json;
    let identity = [named(
        "AssumeUpdateAPP",
        PolicyKind::Identity,
        json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "arn:aws:iam::123456789012:role/UpdateAPP"}]}),
    )];
    let trust = named(
        "trust",
        PolicyKind::Trust,
        json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "sts:AssumeRole", "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}}}]}),
    );
    let level = |l: usize, kind: PolicyKind| OrgLevel {
        label: format!("level {l}").into(),
        policies: match kind {
            PolicyKind::ServiceControl => vec![
                named(
                    "FullAWSAccess",
                    kind,
                    json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}),
                ),
                named(
                    "DenyLeave",
                    kind,
                    json!({"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "organizations:LeaveOrganization", "Resource": "*"}]}),
                ),
            ],
            _ => vec![named(
                "OnlyOurOrg",
                kind,
                json!({"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Principal": "*", "Action": "sts:*", "Resource": "*", "Condition": {"StringNotEqualsIfExists": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}}}]}),
            )],
        },
    };
    let scps: Vec<OrgLevel> = (0..3)
        .map(|l| level(l, PolicyKind::ServiceControl))
        .collect();
    let rcps: Vec<OrgLevel> = (0..3)
        .map(|l| level(l, PolicyKind::ResourceControl))
        .collect();
    let principal = Principal::from_arn("arn:aws:iam::111122223333:user/alice").unwrap();
    let mut context = RequestContext::new();
    context.insert("aws:MultiFactorAuthPresent", "true");
    context.insert("aws:PrincipalOrgID", "o-a1b2c3d4e5");
    let request = Request {
        principal: &principal,
        action: "sts:AssumeRole",
        resource: "arn:aws:iam::123456789012:role/UpdateAPP",
        resource_account: Some("123456789012"),
        context: &context,
    };
    let plain = PolicySet {
        identity: &identity,
        resource: Some(&trust),
        ..PolicySet::default()
    };
    let chained = PolicySet {
        service_control: &scps,
        resource_control: &rcps,
        ..plain
    };
    assert!(evaluate(&request, &plain).is_allowed());
    assert!(evaluate(&request, &chained).is_allowed());
    let mut group = c.benchmark_group("organizations");
    group.bench_function("AssumeRole UpdateAPP, no organization", |b| {
        b.iter(|| evaluate(black_box(&request), &plain))
    });
    group.bench_function("AssumeRole UpdateAPP, three-level SCP and RCP chain", |b| {
        b.iter(|| evaluate(black_box(&request), &chained))
    });
    group.finish();
}

fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .sample_size(30)
}

criterion_group! { name = benches; config = config(); targets = demo, organizations, large }
criterion_main!(benches);
