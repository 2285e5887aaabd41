//! DESIGN.md's story, end to end through the engine on the demo directory.

use std::sync::Arc;
use std::time::Duration;

use iam::access::{self, CallerContext, Identity};
use iam::sts::{
    AssumeRoleError, AssumeRoleRequest, Caller, CredentialError, MemoryCredentialStore, Sts,
};
use iam::{CredentialStore, Decision, Directory};
use time::OffsetDateTime;
use time::macros::datetime;

const ROLE: &str = "arn:aws:iam::123456789012:role/UpdateAPP";
/// Staging's role of the same name: only the account tells them apart.
const STAGING_ROLE: &str = "arn:aws:iam::444455556666:role/UpdateAPP";
const NOW: OffsetDateTime = datetime!(2025-01-31 12:00 UTC);

fn sts() -> Sts<MemoryCredentialStore> {
    Sts::new(Arc::new(Directory::demo()), MemoryCredentialStore::new())
}

fn with_mfa() -> CallerContext {
    CallerContext::at(NOW).with_mfa(NOW - time::Duration::minutes(5))
}

fn request<'a>(user: &'a str, context: CallerContext) -> AssumeRoleRequest<'a> {
    AssumeRoleRequest {
        caller: Caller::User { arn: user },
        role_arn: ROLE,
        session_name: "alice",
        source_identity: None,
        external_id: None,
        duration: None,
        session_policy: None,
        context,
        granted: &[],
        not_after: None,
    }
}

#[test]
fn developer_with_mfa_switches_and_works_on_productionapp_only() {
    let sts = sts();
    let assumed = sts
        .assume_role(&request("arn:aws:iam::111122223333:user/alice", with_mfa()))
        .expect("alice may switch");
    let c = &assumed.credentials;
    assert!(c.access_key_id.starts_with("ASIA") && c.access_key_id.len() == 20);
    assert_eq!(
        c.assumed_role_arn,
        "arn:aws:sts::123456789012:assumed-role/UpdateAPP/alice"
    );
    assert_eq!(c.expiration, NOW + Duration::from_secs(3600));
    assert!(!format!("{c:?}").contains(&c.session_token));
    let labels: Vec<_> = assumed
        .evaluation
        .explanation
        .iter()
        .filter_map(|f| f.policy.clone())
        .collect();
    assert!(
        labels.iter().any(|l| l.contains("AssumeUpdateAPP")),
        "{labels:?}"
    );
    assert!(
        labels.iter().any(|l| l.contains("trust policy")),
        "{labels:?}"
    );

    let ctx = CallerContext::at(NOW + Duration::from_secs(60));
    let check = |action: &str, resource: &str| {
        sts.authorize(&c.access_key_id, &c.session_token, action, resource, &ctx)
            .unwrap()
            .decision
    };
    assert_eq!(
        check("s3:ListBucket", "arn:aws:s3:::productionapp"),
        Decision::Allowed
    );
    assert_eq!(
        check("s3:GetObject", "arn:aws:s3:::productionapp/x"),
        Decision::Allowed
    );
    assert_eq!(
        check("s3:PutObject", "arn:aws:s3:::productionapp/app/config.json"),
        Decision::Allowed
    );
    assert_eq!(
        check("s3:DeleteObject", "arn:aws:s3:::productionapp/index.html"),
        Decision::Allowed
    );
    assert_eq!(
        check(
            "s3:GetObject",
            "arn:aws:s3:::production-logs/2025/01/31/access.log"
        ),
        Decision::ImplicitlyDenied
    );
    assert_eq!(
        check("s3:ListBucket", "arn:aws:s3:::production-logs"),
        Decision::ImplicitlyDenied
    );
    assert_eq!(
        check("s3:DeleteBucket", "arn:aws:s3:::productionapp"),
        Decision::ImplicitlyDenied
    );
    assert_eq!(
        check("s3:ListAllMyBuckets", "*"),
        Decision::ImplicitlyDenied
    );
    // The role's permissions replace alice's own: no iam:GetUser on herself.
    assert_eq!(
        check("iam:GetUser", "arn:aws:iam::111122223333:user/alice"),
        Decision::ImplicitlyDenied
    );

    // Wrong token, expiry, revocation.
    assert_eq!(
        sts.authorize(
            &c.access_key_id,
            "forged",
            "s3:GetObject",
            "arn:aws:s3:::productionapp/x",
            &ctx
        )
        .unwrap_err(),
        CredentialError::BadToken
    );
    let later = CallerContext::at(NOW + Duration::from_secs(3600));
    assert!(matches!(
        sts.authorize(
            &c.access_key_id,
            &c.session_token,
            "s3:GetObject",
            "arn:aws:s3:::productionapp/x",
            &later
        ),
        Err(CredentialError::Expired(_))
    ));
    assert!(
        sts.verify_secret(&c.access_key_id, &c.secret_access_key)
            .unwrap()
    );
    assert!(!sts.verify_secret(&c.access_key_id, "nope").unwrap());
    sts.revoke(&c.access_key_id).unwrap();
    assert_eq!(
        sts.authorize(
            &c.access_key_id,
            &c.session_token,
            "s3:GetObject",
            "arn:aws:s3:::productionapp/x",
            &ctx
        )
        .unwrap_err(),
        CredentialError::Unknown
    );
}

#[test]
fn credentials_survive_a_restart_with_a_persistent_store() {
    let dir = Arc::new(Directory::demo());
    let first = Sts::new(dir.clone(), MemoryCredentialStore::new());
    let assumed = first
        .assume_role(&request("arn:aws:iam::111122223333:user/alice", with_mfa()))
        .unwrap();
    let record = first
        .store()
        .get(&assumed.credentials.access_key_id)
        .unwrap()
        .unwrap();
    assert_ne!(record.token_digest, [0; 32]);
    let json = serde_json::to_string(&record).unwrap();
    assert!(!json.contains(&assumed.credentials.session_token));
    // A new engine over the same store contents.
    let store = MemoryCredentialStore::new();
    store.put(&serde_json::from_str(&json).unwrap()).unwrap();
    let second = Sts::new(dir, store);
    let c = &assumed.credentials;
    let ev = second
        .authorize(
            &c.access_key_id,
            &c.session_token,
            "s3:GetObject",
            "arn:aws:s3:::productionapp/x",
            &CallerContext::at(NOW),
        )
        .unwrap();
    assert_eq!(ev.decision, Decision::Allowed);
}

#[test]
fn developer_without_mfa_is_refused_by_the_trust_policy() {
    let err = sts()
        .assume_role(&request(
            "arn:aws:iam::111122223333:user/alice",
            CallerContext::at(NOW),
        ))
        .unwrap_err();
    let AssumeRoleError::Denied { evaluation, .. } = err else {
        panic!("{err:?}")
    };
    assert_eq!(evaluation.decision, Decision::ImplicitlyDenied);
    let text = evaluation.summary();
    assert!(text.contains("trust policy"), "{text}");
    assert!(text.contains("Bool: aws:MultiFactorAuthPresent"), "{text}");
}

#[test]
fn tester_is_refused_by_their_identity_policy() {
    let err = sts()
        .assume_role(&request("arn:aws:iam::111122223333:user/bob", with_mfa()))
        .unwrap_err();
    let AssumeRoleError::Denied { evaluation, .. } = err else {
        panic!("{err:?}")
    };
    assert!(
        evaluation
            .summary()
            .contains("no identity-based policy allows sts:AssumeRole"),
        "{}",
        evaluation.summary()
    );
}

#[test]
fn durations_and_names_are_checked() {
    let sts = sts();
    let mut r = request("arn:aws:iam::111122223333:user/alice", with_mfa());
    r.duration = Some(Duration::from_secs(7200));
    assert!(matches!(
        sts.assume_role(&r),
        Err(AssumeRoleError::Invalid(_))
    ));
    r.duration = Some(Duration::from_secs(899));
    assert!(matches!(
        sts.assume_role(&r),
        Err(AssumeRoleError::Invalid(_))
    ));
    r.duration = Some(Duration::from_secs(900));
    assert!(sts.assume_role(&r).is_ok());
    r.session_name = "a b";
    assert!(matches!(
        sts.assume_role(&r),
        Err(AssumeRoleError::Invalid(_))
    ));
    let mut r = request("arn:aws:iam::111122223333:user/alice", with_mfa());
    r.role_arn = "arn:aws:iam::123456789012:role/Nope";
    assert!(matches!(
        sts.assume_role(&r),
        Err(AssumeRoleError::Denied { .. })
    ));
}

#[test]
fn session_policy_limits_the_role() {
    let sts = sts();
    let mut r = request("arn:aws:iam::111122223333:user/alice", with_mfa());
    r.session_policy = Some(
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}"#,
    );
    let c = sts.assume_role(&r).unwrap().credentials;
    let ctx = CallerContext::at(NOW);
    let check = |action: &str, resource: &str| {
        sts.authorize(&c.access_key_id, &c.session_token, action, resource, &ctx)
            .unwrap()
            .decision
    };
    assert_eq!(
        check("s3:GetObject", "arn:aws:s3:::productionapp/x"),
        Decision::Allowed
    );
    assert_eq!(
        check("s3:PutObject", "arn:aws:s3:::productionapp/x"),
        Decision::ImplicitlyDenied
    );
    assert_eq!(
        check("s3:GetObject", "arn:aws:s3:::production-logs/x"),
        Decision::ImplicitlyDenied
    );
}

#[test]
fn role_chaining_is_capped_at_one_hour() {
    let dir = Directory::from_toml(
        &Directory::demo_toml()
            .replace("max_session_duration = 3600", "max_session_duration = 7200"),
        "demo",
    )
    .unwrap();
    let sts = Sts::new(Arc::new(dir), MemoryCredentialStore::new());
    let mut r = request("arn:aws:iam::111122223333:user/alice", with_mfa());
    r.duration = Some(Duration::from_secs(7200));
    let first = sts.assume_role(&r).unwrap().credentials;
    let chained = AssumeRoleRequest {
        caller: Caller::Session {
            access_key_id: &first.access_key_id,
            session_token: &first.session_token,
        },
        duration: Some(Duration::from_secs(7200)),
        ..request("", with_mfa())
    };
    assert!(
        matches!(sts.assume_role(&chained), Err(AssumeRoleError::Invalid(m)) if m.contains("one hour"))
    );
}

#[test]
fn users_keep_their_own_permissions() {
    let dir = Directory::demo();
    let dev = dir.account("development").unwrap();
    let alice = Identity::user(&dir, "arn:aws:iam::111122223333:user/alice").unwrap();
    let ctx = CallerContext::at(NOW);
    let decide = |id: &Identity<'_>, action: &str, resource: &str| {
        access::authorize(&dir, id, action, resource, &ctx).decision
    };
    assert_eq!(
        decide(
            &alice,
            "iam:GetUser",
            "arn:aws:iam::111122223333:user/alice"
        ),
        Decision::Allowed
    );
    assert_eq!(
        decide(&alice, "iam:GetUser", "arn:aws:iam::111122223333:user/bob"),
        Decision::ImplicitlyDenied
    );
    assert_eq!(
        decide(&alice, "s3:GetObject", "arn:aws:s3:::productionapp/x"),
        Decision::ImplicitlyDenied
    );
    let admin = Identity::User {
        account: dev,
        user: dev.user("admin").unwrap(),
    };
    assert_eq!(
        decide(
            &admin,
            "iam:DeleteUser",
            "arn:aws:iam::111122223333:user/bob"
        ),
        Decision::Allowed
    );
    // Cross-account without a bucket policy: even admin's "*" is not enough.
    assert_eq!(
        decide(&admin, "s3:GetObject", "arn:aws:s3:::productionapp/x"),
        Decision::ImplicitlyDenied
    );
}

#[test]
fn developer_with_mfa_switches_to_staging_and_works_on_stagingapp_only() {
    let sts = sts();
    let assumed = sts
        .assume_role(&AssumeRoleRequest {
            role_arn: STAGING_ROLE,
            ..request("arn:aws:iam::111122223333:user/alice", with_mfa())
        })
        .expect("alice may switch to staging");
    assert_eq!(assumed.account_id, "444455556666");
    let c = &assumed.credentials;
    assert_eq!(
        c.assumed_role_arn,
        "arn:aws:sts::444455556666:assumed-role/UpdateAPP/alice"
    );
    let ctx = CallerContext::at(NOW + Duration::from_secs(60));
    let check = |action: &str, resource: &str| {
        sts.authorize(&c.access_key_id, &c.session_token, action, resource, &ctx)
            .unwrap()
            .decision
    };
    for (action, resource) in [
        ("s3:ListBucket", "arn:aws:s3:::stagingapp"),
        ("s3:GetObject", "arn:aws:s3:::stagingapp/index.html"),
        ("s3:PutObject", "arn:aws:s3:::stagingapp/app/config.json"),
        (
            "s3:DeleteObject",
            "arn:aws:s3:::stagingapp/releases/1.5.0-rc.1.txt",
        ),
    ] {
        assert_eq!(check(action, resource), Decision::Allowed, "{action}");
    }
    // Same role name, other account: production's bucket stays closed.
    for (action, resource) in [
        ("s3:ListBucket", "arn:aws:s3:::productionapp"),
        ("s3:GetObject", "arn:aws:s3:::productionapp/index.html"),
        ("s3:PutObject", "arn:aws:s3:::productionapp/index.html"),
        ("s3:DeleteObject", "arn:aws:s3:::productionapp/index.html"),
        ("s3:GetObject", "arn:aws:s3:::production-logs/x"),
    ] {
        assert_eq!(
            check(action, resource),
            Decision::ImplicitlyDenied,
            "{action} {resource}"
        );
    }
}

#[test]
fn production_role_cannot_touch_stagingapp() {
    let sts = sts();
    let c = sts
        .assume_role(&request("arn:aws:iam::111122223333:user/alice", with_mfa()))
        .expect("alice may switch")
        .credentials;
    let ctx = CallerContext::at(NOW + Duration::from_secs(60));
    for (action, resource) in [
        ("s3:ListBucket", "arn:aws:s3:::stagingapp"),
        ("s3:GetObject", "arn:aws:s3:::stagingapp/index.html"),
        ("s3:PutObject", "arn:aws:s3:::stagingapp/index.html"),
        ("s3:DeleteObject", "arn:aws:s3:::stagingapp/index.html"),
    ] {
        let decision = sts
            .authorize(&c.access_key_id, &c.session_token, action, resource, &ctx)
            .unwrap()
            .decision;
        assert_eq!(decision, Decision::ImplicitlyDenied, "{action}");
    }
}

#[test]
fn developer_without_mfa_is_refused_by_stagings_trust_policy() {
    let err = sts()
        .assume_role(&AssumeRoleRequest {
            role_arn: STAGING_ROLE,
            ..request(
                "arn:aws:iam::111122223333:user/alice",
                CallerContext::at(NOW),
            )
        })
        .unwrap_err();
    let AssumeRoleError::Denied { evaluation, .. } = err else {
        panic!("{err:?}")
    };
    assert_eq!(evaluation.decision, Decision::ImplicitlyDenied);
    let text = evaluation.summary();
    assert!(text.contains("trust policy"), "{text}");
    assert!(text.contains("Bool: aws:MultiFactorAuthPresent"), "{text}");
}

#[test]
fn tester_is_refused_staging_by_their_identity_policy() {
    let err = sts()
        .assume_role(&AssumeRoleRequest {
            role_arn: STAGING_ROLE,
            ..request("arn:aws:iam::111122223333:user/bob", with_mfa())
        })
        .unwrap_err();
    let AssumeRoleError::Denied { evaluation, .. } = err else {
        panic!("{err:?}")
    };
    assert!(
        evaluation
            .summary()
            .contains("no identity-based policy allows sts:AssumeRole"),
        "{}",
        evaluation.summary()
    );
}
