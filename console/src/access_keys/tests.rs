//! Access keys through the console's own functions, on the demo organisation.

use std::net::{IpAddr, Ipv4Addr};

use super::*;
use crate::mfa::store::{DeviceKind, MfaDevice};
use crate::session::{MfaContext, MfaMethod};
use crate::test_support::state;

const CLIENT: ClientAddr = ClientAddr(IpAddr::V4(Ipv4Addr::LOCALHOST));

fn alice() -> SignedInUser {
    SignedInUser::new("111122223333", "alice")
}

async fn give_device(state: &AppState, user: &SignedInUser) {
    let device = MfaDevice {
        id: "device-1".into(),
        owner: user.key(),
        name: "phone".into(),
        kind: DeviceKind::Totp,
        totp_secret: Some(vec![0; 40]),
        passkey: None,
        created_at: now(),
        last_used_at: None,
    };
    state.mfa.store.add_device(&device).await.expect("device");
}

async fn actions(state: &AppState) -> Vec<(String, Decision, String)> {
    state
        .audit
        .recent(50)
        .await
        .expect("audit")
        .into_iter()
        .map(|r| (r.event.action, r.event.decision, r.event.detail.to_string()))
        .collect()
}

#[tokio::test]
async fn a_key_is_shown_once_sealed_at_rest_and_opens_for_signing() {
    let (state, _dir) = state(Duration::from_secs(3600)).await;
    let created = create(&state, &alice(), Some(CLIENT))
        .await
        .expect("created");
    assert!(
        created.key_id.starts_with("AKIA") && created.key_id.len() == 20,
        "{}",
        created.key_id
    );
    assert_eq!(created.secret_access_key.len(), 40);

    let stored = state
        .access_keys
        .find(&created.key_id)
        .await
        .unwrap()
        .expect("stored");
    assert_eq!(stored.status, KeyStatus::Active);
    let plaintext = created.secret_access_key.as_bytes();
    assert!(
        !stored
            .sealed_secret
            .windows(plaintext.len())
            .any(|w| w == plaintext),
        "the secret is not stored in the clear"
    );
    let signing = signing_key(&state, &created.key_id)
        .await
        .unwrap()
        .expect("active");
    assert_eq!(signing.owner, alice().key());
    assert!(signing.secret_access_key == created.secret_access_key);

    let audit = actions(&state).await;
    assert!(audit.iter().any(|(a, d, detail)| a == "CreateAccessKey"
        && *d == Decision::Allowed
        && detail.contains(&created.key_id)));
    assert!(
        audit
            .iter()
            .all(|(_, _, detail)| !detail.contains(&created.secret_access_key)),
        "the secret never reaches the audit trail"
    );
    assert!(!format!("{created:?}").contains(&created.secret_access_key));
}

#[tokio::test]
async fn at_most_two_keys_and_the_third_is_refused_and_audited() {
    let (state, _dir) = state(Duration::from_secs(3600)).await;
    create(&state, &alice(), None).await.expect("first");
    create(&state, &alice(), None).await.expect("second");
    assert!(matches!(
        create(&state, &alice(), None).await,
        Err(AccessKeyError::TooMany)
    ));
    assert_eq!(list(&state, &alice().key()).await.unwrap().len(), 2);
    assert!(
        actions(&state)
            .await
            .iter()
            .any(|(a, d, _)| a == "CreateAccessKey" && *d == Decision::Denied)
    );
}

#[tokio::test]
async fn with_a_device_creating_or_reactivating_needs_a_fresh_mfa_and_deactivating_does_not() {
    let (state, _dir) = state(Duration::from_secs(3600)).await;
    let mut user = alice();
    give_device(&state, &user).await;
    assert!(matches!(
        create(&state, &user, None).await,
        Err(AccessKeyError::StepUpRequired)
    ));
    assert!(
        list(&state, &user.key()).await.unwrap().is_empty(),
        "nothing was created"
    );

    user.mfa = Some(MfaContext::new(MfaMethod::Totp, "device-1"));
    let key = create(&state, &user, None).await.expect("with a fresh MFA");

    let stale = alice();
    set_status(&state, &stale, &key.key_id, KeyStatus::Inactive, None)
        .await
        .expect("deactivating needs no MFA");
    assert!(
        signing_key(&state, &key.key_id).await.unwrap().is_none(),
        "an inactive key signs nothing"
    );
    assert!(matches!(
        set_status(&state, &stale, &key.key_id, KeyStatus::Active, None).await,
        Err(AccessKeyError::StepUpRequired)
    ));
    set_status(&state, &user, &key.key_id, KeyStatus::Active, None)
        .await
        .expect("re-activated with a fresh MFA");
    assert!(signing_key(&state, &key.key_id).await.unwrap().is_some());
}

#[tokio::test]
async fn nobody_changes_another_users_key_and_a_deleted_key_signs_nothing() {
    let (state, _dir) = state(Duration::from_secs(3600)).await;
    let key = create(&state, &alice(), None).await.expect("created");
    let bob = SignedInUser::new("111122223333", "bob");
    assert!(matches!(
        delete(&state, &bob, &key.key_id, None).await,
        Err(AccessKeyError::NoSuchKey)
    ));
    assert!(matches!(
        set_status(&state, &bob, &key.key_id, KeyStatus::Inactive, None).await,
        Err(AccessKeyError::NoSuchKey)
    ));
    assert!(signing_key(&state, &key.key_id).await.unwrap().is_some());

    delete(&state, &alice(), &key.key_id, None)
        .await
        .expect("deleted");
    assert!(signing_key(&state, &key.key_id).await.unwrap().is_none());
    assert!(
        signing_key(&state, "AKIANOSUCHKEY0000000")
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        actions(&state)
            .await
            .iter()
            .any(|(a, _, _)| a == "DeleteAccessKey")
    );
}

#[tokio::test]
async fn a_sealed_secret_moved_to_another_key_does_not_open() {
    let (state, _dir) = state(Duration::from_secs(3600)).await;
    let first = create(&state, &alice(), None).await.expect("first");
    let sealed = state
        .access_keys
        .find(&first.key_id)
        .await
        .unwrap()
        .unwrap()
        .sealed_secret;
    // Someone with write access to the database copies the sealed secret to a key of theirs.
    let forged = AccessKeyRecord {
        key_id: "AKIAFORGEDKEY0000000".into(),
        owner: UserKey::new("111122223333", "bob"),
        sealed_secret: sealed,
        status: KeyStatus::Active,
        created_at: now(),
        last_used_at: None,
        last_used_service: None,
    };
    assert!(state.access_keys.insert_bounded(&forged, 2).await.unwrap());
    assert!(
        signing_key(&state, "AKIAFORGEDKEY0000000")
            .await
            .unwrap()
            .is_none()
    );
}
