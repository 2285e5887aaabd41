//! Access requests through the router: bob asks for UpdateAPP, admin decides with a fresh MFA,
//! bob works under the grant until it is revoked; nobody decides their own request, outsiders
//! and tampered IDs are refused, and a grant never outlives its end.

use super::*;

const ROLE: &str = "arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2FUpdateAPP";
const SWITCH: &str = "account=production&role=UpdateAPP&display_name=Prod";

impl Console {
    /// `user` signed in with an authenticator app: the session cookie.
    pub(super) async fn with_mfa(&self, user: &str) -> String {
        self.enrol_totp(user).await;
        let pending = self.password_step(user, &format!("{user}-demo-pass")).await;
        let done = self.mfa_step(&pending, &totp_code(0)).await;
        assert_eq!(done.location.as_deref(), Some("/"), "{user} signs in");
        cookie_pair(&done.set_cookie.expect("signed in"))
    }

    async fn request_access(&self, cookie: &str, duration: u64) -> Reply {
        let form =
            format!("role_arn={ROLE}&reason=Hotfix%201.4.3&duration={duration}&ticket=OPS-42");
        self.send("POST", "/api/access/request", Some(cookie), Some(&form))
            .await
    }

    async fn decide(&self, cookie: Option<&str>, id: &str, decision: &str) -> Reply {
        let form = format!("id={id}&decision={decision}&comment=Checked");
        self.send("POST", "/api/access/decide", cookie, Some(&form))
            .await
    }

    async fn request_status(&self, id: i64) -> types::access_requests::RequestStatus {
        use console::access_requests::{AccessRequestStore, SqlAccessRequests};
        SqlAccessRequests::new(self.storage().await.db().clone())
            .get(id)
            .await
            .expect("store")
            .expect("request")
            .status
    }
}

fn request_id(reply: &Reply) -> i64 {
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let view: types::access_requests::AccessRequestView =
        serde_json::from_str(&reply.body).expect("a request");
    view.id
}

#[tokio::test]
async fn bob_requests_admin_approves_bob_works_under_the_grant_until_it_is_revoked() {
    let console = console(|_| {}).await;
    let bob = console.with_mfa("bob").await;
    let refused = console
        .send("POST", "/api/switch_role", Some(&bob), Some(SWITCH))
        .await;
    assert!(refused.body.contains("NotAllowed"), "{}", refused.body);

    let id = request_id(&console.request_access(&bob, 3600).await);
    let admin = console.with_mfa("admin").await;
    let page = console
        .send("GET", "/access-requests", Some(&admin), None)
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Access requests"));
    assert!(page.body.contains("Hotfix 1.4.3"), "the reason is listed");
    assert!(
        page.body.contains(r#"<span class="count-badge">1</span>"#),
        "one pending in the navbar"
    );

    let approved = console
        .decide(Some(&admin), &id.to_string(), "approve")
        .await;
    assert_eq!(approved.status, StatusCode::OK, "{}", approved.body);
    let switched = console
        .send("POST", "/api/switch_role", Some(&bob), Some(SWITCH))
        .await;
    assert!(switched.body.contains("Switched"), "{}", switched.body);
    console.use_tab(Some(switched_tab(&switched.body)));
    let bob = cookie_pair(&switched.set_cookie.expect("cycled"));
    let listed = console.list_productionapp(&bob).await;
    assert!(listed.contains("index.html"), "{listed}");

    let revoked = console
        .decide(Some(&admin), &id.to_string(), "revoke")
        .await;
    assert_eq!(revoked.status, StatusCode::OK, "{}", revoked.body);
    let after = console.list_productionapp(&bob).await;
    assert!(after.contains("RoleSessionEnded"), "{after}");
    assert!(!after.contains("index.html"), "{after}");

    let audit = console.audit().await;
    let switch = audit
        .iter()
        .find(|r| r.event.action == "SwitchRole" && r.event.decision == Decision::Allowed)
        .expect("the switch");
    assert_eq!(switch.event.detail["access_grant"], id);
    for action in [
        "AccessRequested",
        "AccessRequestApproved",
        "AccessGrantRevoked",
    ] {
        assert!(
            audit.iter().any(|r| r.event.action == action),
            "{action} is audited"
        );
    }
}

#[tokio::test]
async fn self_approval_outsiders_tampered_ids_and_cross_site_posts_are_refused() {
    let console = console(|_| {}).await;
    let bob = console.with_mfa("bob").await;
    let id = request_id(&console.request_access(&bob, 3600).await);
    let alice = console.with_mfa("alice").await;
    for (who, cookie) in [("bob", &bob), ("alice", &alice)] {
        for decision in ["approve", "deny"] {
            let refused = console
                .decide(Some(cookie), &id.to_string(), decision)
                .await;
            assert!(
                refused.body.contains("only an approver of the role may"),
                "{who} {decision}: {}",
                refused.body
            );
        }
    }
    // bob and alice do not see the approvers' page.
    for cookie in [&bob, &alice] {
        let view = console
            .send("POST", "/api/access/approver", Some(cookie), Some(""))
            .await;
        assert!(view.body.contains("for approvers"), "{}", view.body);
    }
    let admin = console.with_mfa("admin").await;
    for tampered in ["9999", "-1", "1%20OR%201=1", "abc"] {
        let refused = console.decide(Some(&admin), tampered, "approve").await;
        assert_ne!(
            refused.status,
            StatusCode::OK,
            "{tampered}: {}",
            refused.body
        );
    }
    let refused = console.decide(None, &id.to_string(), "approve").await;
    assert!(refused.body.contains("SessionEnded"), "{}", refused.body);
    let refused = console
        .cross_site_post(
            "/api/access/decide",
            Some(&admin),
            &format!("id={id}&decision=approve"),
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    // bob cannot submit for someone else's role choice either: a role nobody may request.
    let staging = console
        .send(
            "POST",
            "/api/access/request",
            Some(&bob),
            Some("role_arn=arn%3Aaws%3Aiam%3A%3A444455556666%3Arole%2FUpdateAPP&reason=x&duration=3600"),
        )
        .await;
    assert!(staging.body.contains("cannot request"), "{}", staging.body);
    assert_eq!(
        console.request_status(id).await,
        types::access_requests::RequestStatus::Pending
    );
    let denials = console
        .audit()
        .await
        .iter()
        .filter(|r| {
            r.event.action == "AccessRequestApproved" && r.event.decision == Decision::Denied
        })
        .count();
    assert_eq!(
        denials, 2,
        "bob's and alice's approvals are audited as refused"
    );
}

#[tokio::test]
async fn a_grant_never_outlives_its_end() {
    let console = console(|args| args.min_grant_duration = Some(Duration::from_secs(5))).await;
    let bob = console.with_mfa("bob").await;
    let id = request_id(&console.request_access(&bob, 5).await);
    let admin = console.with_mfa("admin").await;
    let approved = console
        .decide(Some(&admin), &id.to_string(), "approve")
        .await;
    let approved: types::access_requests::AccessRequestView =
        serde_json::from_str(&approved.body).expect("approved");
    let ends = approved.grant_ends_at.expect("a grant");
    let switched = console
        .send("POST", "/api/switch_role", Some(&bob), Some(SWITCH))
        .await;
    assert!(switched.body.contains("Switched"), "{}", switched.body);
    let audit = console.audit().await;
    let switch = audit
        .iter()
        .find(|r| r.event.action == "SwitchRole" && r.event.decision == Decision::Allowed)
        .expect("the switch");
    let expires = switch.event.detail["expires_at"].as_i64().expect("expiry");
    assert!(
        expires <= ends,
        "the role session ends by {ends}, not {expires}"
    );
    console.use_tab(Some(switched_tab(&switched.body)));
    let bob = cookie_pair(&switched.set_cookie.expect("cycled"));
    tokio::time::sleep(Duration::from_secs(6)).await;
    let after = console.list_productionapp(&bob).await;
    assert!(!after.contains("index.html"), "{after}");
    // After its end the grant allows nothing: a new switch is refused.
    console.use_tab(None);
    let refused = console
        .send("POST", "/api/switch_role", Some(&bob), Some(SWITCH))
        .await;
    assert!(refused.body.contains("NotAllowed"), "{}", refused.body);
}

#[tokio::test]
async fn every_new_endpoint_refuses_signed_out_callers_and_cross_site_posts() {
    let console = console(|_| {}).await;
    let bob = console.with_mfa("bob").await;
    let endpoints = [
        ("/api/access/requestable", String::new()),
        ("/api/access/mine", String::new()),
        (
            "/api/access/request",
            format!("role_arn={ROLE}&reason=x&duration=3600"),
        ),
        ("/api/access/cancel", "id=1".to_string()),
        ("/api/access/approver", String::new()),
        ("/api/access/decide", "id=1&decision=approve".to_string()),
        ("/api/access_map", String::new()),
    ];
    for (uri, form) in &endpoints {
        let signed_out = console.send("POST", uri, None, Some(form)).await;
        assert!(
            signed_out.body.contains("SessionEnded"),
            "{uri} signed out: {}",
            signed_out.body
        );
        let refused = console.cross_site_post(uri, Some(&bob), form).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{uri} cross-site");
    }
    // Nothing of it reached the store: bob has no request.
    let mine = console
        .send("POST", "/api/access/mine", Some(&bob), Some(""))
        .await;
    assert_eq!(mine.body, "[]", "{}", mine.body);
}
