//! Access keys through the router: alice creates one and sees its secret once; the secret is
//! nowhere else (pages, listings, audit trail); bob cannot touch her keys; signed-out callers
//! and cross-site posts are refused and store nothing.

use super::*;
use types::access_keys::{AccessKeysView, CreatedAccessKey};

const CREATE: &str = "/api/access_keys/create";
const LIST: &str = "/api/access_keys";

impl Console {
    async fn access_keys(&self, cookie: &str) -> AccessKeysView {
        let reply = self.send("POST", LIST, Some(cookie), Some("")).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        serde_json::from_str(&reply.body).expect("the keys")
    }
}

#[tokio::test]
async fn alice_creates_a_key_and_its_secret_is_shown_once() {
    let console = console(|_| {}).await;
    let alice = console.signed_in("alice").await;
    let reply = console.send("POST", CREATE, Some(&alice), Some("")).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let created: CreatedAccessKey = serde_json::from_str(&reply.body).expect("a key");
    assert!(created.key_id.starts_with("AKIA"), "{}", created.key_id);
    assert_eq!(created.secret_access_key.len(), 40);

    let listed = console.access_keys(&alice).await;
    assert_eq!(listed.keys.len(), 1);
    assert_eq!(listed.keys[0].key_id, created.key_id);
    assert!(listed.keys[0].active);
    let listing = console.send("POST", LIST, Some(&alice), Some("")).await;
    let page = console
        .send("GET", "/security-credentials", Some(&alice), None)
        .await;
    for (what, body) in [("listing", &listing.body), ("page", &page.body)] {
        assert!(!body.contains(&created.secret_access_key), "{what}");
    }
    let audit = console.audit().await;
    let event = audit
        .iter()
        .find(|r| r.event.action == "CreateAccessKey")
        .expect("audited");
    assert_eq!(event.event.detail["access_key_id"], created.key_id.as_str());
    assert!(audit.iter().all(|r| {
        !r.event
            .detail
            .to_string()
            .contains(&created.secret_access_key)
    }));

    // A second key, then the third is refused.
    console.send("POST", CREATE, Some(&alice), Some("")).await;
    let third = console.send("POST", CREATE, Some(&alice), Some("")).await;
    assert!(
        third.body.contains("You already have 2 access keys"),
        "{}",
        third.body
    );
    assert_eq!(console.access_keys(&alice).await.keys.len(), 2);
}

#[tokio::test]
async fn bob_cannot_change_or_delete_alices_key_and_alice_can() {
    let console = console(|_| {}).await;
    let alice = console.signed_in("alice").await;
    let bob = console.signed_in("bob").await;
    let reply = console.send("POST", CREATE, Some(&alice), Some("")).await;
    let created: CreatedAccessKey = serde_json::from_str(&reply.body).expect("a key");
    let id = &created.key_id;

    let status = format!("key_id={id}&active=false");
    let delete = format!("key_id={id}");
    for (uri, form) in [
        ("/api/access_keys/status", &status),
        ("/api/access_keys/delete", &delete),
    ] {
        let refused = console.send("POST", uri, Some(&bob), Some(form)).await;
        assert!(
            refused.body.contains("No such access key."),
            "{uri}: {}",
            refused.body
        );
    }
    assert!(
        console.access_keys(&alice).await.keys[0].active,
        "untouched"
    );
    assert!(console.access_keys(&bob).await.keys.is_empty());

    let off = console
        .send(
            "POST",
            "/api/access_keys/status",
            Some(&alice),
            Some(&status),
        )
        .await;
    assert_eq!(off.status, StatusCode::OK, "{}", off.body);
    assert!(!console.access_keys(&alice).await.keys[0].active);
    let gone = console
        .send(
            "POST",
            "/api/access_keys/delete",
            Some(&alice),
            Some(&delete),
        )
        .await;
    assert_eq!(gone.status, StatusCode::OK, "{}", gone.body);
    assert!(console.access_keys(&alice).await.keys.is_empty());
}

#[tokio::test]
async fn signed_out_callers_and_cross_site_posts_are_refused_and_store_nothing() {
    let console = console(|_| {}).await;
    let alice = console.signed_in("alice").await;
    let endpoints = [
        (LIST, ""),
        (CREATE, ""),
        (
            "/api/access_keys/status",
            "key_id=AKIA0000000000000000&active=true",
        ),
        ("/api/access_keys/delete", "key_id=AKIA0000000000000000"),
    ];
    for (uri, form) in endpoints {
        let signed_out = console.send("POST", uri, None, Some(form)).await;
        assert!(
            signed_out.body.contains("SessionEnded"),
            "{uri} signed out: {}",
            signed_out.body
        );
        let refused = console.cross_site_post(uri, Some(&alice), form).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{uri} cross-site");
    }
    assert!(console.access_keys(&alice).await.keys.is_empty());
    assert!(
        console
            .audit()
            .await
            .iter()
            .all(|r| !r.event.action.contains("AccessKey"))
    );
}

#[tokio::test]
async fn the_security_credentials_page_shows_an_authenticator_apps_arn() {
    let console = console(|_| {}).await;
    let alice = console.with_mfa("alice").await;
    let reply = console
        .send("POST", "/api/mfa/devices", Some(&alice), Some(""))
        .await;
    assert!(
        reply.body.contains("arn:aws:iam::111122223333:mfa/"),
        "{}",
        reply.body
    );
}
