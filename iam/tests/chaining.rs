//! Role chaining, source identity, external ID and same-account trust, on a
//! small directory of their own.

use std::sync::Arc;
use std::time::Duration;

use iam::access::CallerContext;
use iam::sts::{AssumeRoleError, AssumeRoleRequest, Caller, MemoryCredentialStore, Sts};
use iam::{Decision, Directory};
use time::OffsetDateTime;
use time::macros::datetime;

const NOW: OffsetDateTime = datetime!(2025-01-31 12:00 UTC);

const DIRECTORY: &str = r#"
[[accounts]]
id = "111122223333"
alias = "development"
  [[accounts.users]]
  name = "alice"
  [[accounts.users]]
  name = "bob"

  # Trusts alice by ARN: within one account that alone lets her assume it.
  [[accounts.roles]]
  name = "Hop"
  max_session_duration = 7200
  trust_policy = '''{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:user/alice"},"Action":"sts:AssumeRole"}]}'''
    [[accounts.roles.inline_policies]]
    name = "assume-vendor"
    document = '''{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"arn:aws:iam::444455556666:role/*"}]}'''

[[accounts]]
id = "444455556666"
alias = "vendor"
  [[accounts.roles]]
  name = "Vendor"
  path = "/partners/"
  max_session_duration = 43200
  trust_policy = '''{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"sts:ExternalId":"ext-4242"},"Bool":{"aws:MultiFactorAuthPresent":"true"}}}]}'''
"#;

fn setup() -> Sts<MemoryCredentialStore> {
    Sts::new(
        Arc::new(Directory::from_toml(DIRECTORY, "chaining.toml").unwrap()),
        MemoryCredentialStore::new(),
    )
}

fn request<'a>(caller: Caller<'a>, role: &'a str) -> AssumeRoleRequest<'a> {
    AssumeRoleRequest {
        caller,
        role_arn: role,
        session_name: "alice",
        source_identity: Some("alice@example.com"),
        external_id: None,
        duration: None,
        session_policy: None,
        context: CallerContext::at(NOW).with_mfa(NOW),
        granted: &[],
        not_after: None,
    }
}

const ALICE: Caller<'static> = Caller::User {
    arn: "arn:aws:iam::111122223333:user/alice",
};
const HOP: &str = "arn:aws:iam::111122223333:role/Hop";
const VENDOR: &str = "arn:aws:iam::444455556666:role/partners/Vendor";

#[test]
fn same_account_trust_naming_the_user_needs_no_identity_policy() {
    let sts = setup();
    assert!(sts.assume_role(&request(ALICE, HOP)).is_ok());
    let bob = Caller::User {
        arn: "arn:aws:iam::111122223333:user/bob",
    };
    let err = sts.assume_role(&request(bob, HOP)).unwrap_err();
    assert!(matches!(err, AssumeRoleError::Denied { .. }), "{err:?}");
}

#[test]
fn chained_session_keeps_mfa_and_source_identity_and_needs_external_id() {
    let sts = setup();
    let hop = sts.assume_role(&request(ALICE, HOP)).unwrap().credentials;
    assert_eq!(hop.source_identity.as_deref(), Some("alice@example.com"));
    let from_hop = Caller::Session {
        access_key_id: &hop.access_key_id,
        session_token: &hop.session_token,
    };

    // Without the external ID the trust policy's condition fails.
    let AssumeRoleError::Denied { evaluation, .. } =
        sts.assume_role(&request(from_hop, VENDOR)).unwrap_err()
    else {
        panic!("expected a denial")
    };
    assert!(
        evaluation.summary().contains("sts:ExternalId"),
        "{}",
        evaluation.summary()
    );

    let mut r = request(from_hop, VENDOR);
    r.external_id = Some("ext-4242");
    // The source identity cannot change along the chain.
    r.source_identity = Some("mallory");
    assert!(matches!(
        sts.assume_role(&r),
        Err(AssumeRoleError::Invalid(_))
    ));
    r.source_identity = None;
    let vendor = sts.assume_role(&r).unwrap();
    // Chained: capped at one hour although the role allows twelve.
    assert_eq!(
        vendor.credentials.expiration,
        NOW + Duration::from_secs(3600)
    );
    assert_eq!(
        vendor.credentials.source_identity.as_deref(),
        Some("alice@example.com")
    );
    assert_eq!(
        vendor.credentials.assumed_role_arn,
        "arn:aws:sts::444455556666:assumed-role/Vendor/alice"
    );
    r.duration = Some(Duration::from_secs(3601));
    assert!(matches!(
        sts.assume_role(&r),
        Err(AssumeRoleError::Invalid(_))
    ));

    // Directly, as a user, the vendor role may last longer — but alice has
    // no identity policy for it.
    let mut direct = request(ALICE, VENDOR);
    direct.external_id = Some("ext-4242");
    let AssumeRoleError::Denied { evaluation, .. } = sts.assume_role(&direct).unwrap_err() else {
        panic!("expected a denial")
    };
    assert_eq!(evaluation.decision, Decision::ImplicitlyDenied);
}

#[test]
fn expired_caller_session_cannot_chain() {
    let sts = setup();
    let mut r = request(ALICE, HOP);
    r.duration = Some(Duration::from_secs(900));
    let hop = sts.assume_role(&r).unwrap().credentials;
    let mut chained = request(
        Caller::Session {
            access_key_id: &hop.access_key_id,
            session_token: &hop.session_token,
        },
        VENDOR,
    );
    chained.external_id = Some("ext-4242");
    chained.context = CallerContext::at(NOW + Duration::from_secs(901));
    assert!(matches!(
        sts.assume_role(&chained),
        Err(AssumeRoleError::Credentials(_))
    ));
}
