//! STS's AssumeRole under an access grant, through the console's own functions: the credentials
//! it hands out are the grant's, and revoking the grant ends them.

use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

use super::*;
use crate::access_requests::{RequestForm, approve, revoke, submit};
use crate::cloud::objects::CallerIdentity;
use crate::cloud::{HeldCredentials, ObjectCaller};
use crate::mfa::store::{MfaDevice, UserKey};
use crate::session::{MfaContext, MfaMethod};
use crate::test_support::state;

const CLIENT: ClientAddr = ClientAddr(IpAddr::V4(Ipv4Addr::LOCALHOST));
const ROLE: &str = "arn:aws:iam::123456789012:role/UpdateAPP";
const SECRET: &[u8] = b"bob-api-test-secret-0123";

fn with_mfa(user: &str) -> SignedInUser {
    let mut user = SignedInUser::new("111122223333", user);
    user.mfa = Some(MfaContext::new(MfaMethod::Totp, "device"));
    user
}

fn between<'a>(xml: &'a str, tag: &str) -> &'a str {
    let open = format!("<{tag}>");
    let close = format!("</{tag}>");
    xml.split_once(&open)
        .and_then(|(_, rest)| rest.split_once(&close))
        .map(|(value, _)| value)
        .unwrap_or_default()
}

#[tokio::test]
async fn credentials_assumed_under_a_grant_end_when_the_grant_is_revoked() {
    let (state, _dir) = state(Duration::from_secs(3600)).await;
    let bob = with_mfa("bob");
    let form = RequestForm {
        role_arn: ROLE.into(),
        reason: "Hotfix through the CLI".into(),
        duration: "3600".into(),
        ticket: String::new(),
    };
    let request = submit(&state, &bob, CLIENT, &form)
        .await
        .expect("submitted");
    approve(&state, &with_mfa("admin"), CLIENT, request.id, "ok")
        .await
        .expect("approved");

    // bob's authenticator app, so that the trust policy's MFA condition can hold.
    let owner = UserKey::new("111122223333", "bob");
    let device = MfaDevice {
        id: "bob-device".into(),
        owner: owner.clone(),
        name: "bob-phone".into(),
        kind: DeviceKind::Totp,
        totp_secret: Some(
            state
                .mfa
                .cipher
                .encrypt(SECRET, &owner.owner())
                .expect("seal"),
        ),
        passkey: None,
        created_at: 1,
        last_used_at: None,
    };
    state.mfa.store.add_device(&device).await.expect("device");
    let step = crate::mfa::totp::step_of(u64::try_from(crate::clock::now()).unwrap_or(0));
    let code = crate::mfa::totp::code_at_step(SECRET, step).expect("code");

    let caller = ApiCaller {
        user: owner,
        access_key_id: "AKIABOBTESTKEY000000".into(),
    };
    let params: HashMap<String, String> = [
        ("RoleArn", ROLE),
        ("RoleSessionName", "bob-cli"),
        ("SerialNumber", "arn:aws:iam::111122223333:mfa/bob-phone"),
        ("TokenCode", code.as_str()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let (_, xml) = assume_role(&state, &caller, &params, CLIENT)
        .await
        .expect("allowed under the grant");
    let credentials = HeldCredentials {
        access_key_id: between(&xml, "AccessKeyId").to_string(),
        secret_access_key: between(&xml, "SecretAccessKey").to_string(),
        session_token: between(&xml, "SessionToken").to_string(),
        expiration: crate::clock::now() + 600,
        assumed_role_arn: between(&xml, "Arn").to_string(),
    };
    assert!(credentials.access_key_id.starts_with("ASIA"), "{xml}");
    assert_eq!(
        state
            .access_requests
            .sessions(request.id)
            .await
            .expect("sessions"),
        vec![credentials.access_key_id.clone()]
    );
    let in_role = ObjectCaller {
        identity: CallerIdentity::Role(credentials.clone()),
        mfa_authenticated_at: None,
        source_ip: CLIENT.0,
    };
    state
        .cloud
        .list_objects(&in_role, "productionapp", &Default::default())
        .await
        .expect("the role's credentials work");

    revoke(&state, &with_mfa("admin"), CLIENT, request.id, "done")
        .await
        .expect("revoked");
    let after = state
        .cloud
        .list_objects(&in_role, "productionapp", &Default::default())
        .await;
    assert!(matches!(after, Err(CloudError::Expired)), "{after:?}");
}
