//! Switching through the router: one-click switches from the role history, the MFA step-up
//! answer, and the administrators' audit trail exports.

use super::*;

impl Console {
    /// alice, signed in with her authenticator app: her session cookie.
    async fn alice_with_mfa(&self) -> String {
        self.enrol_alice_totp().await;
        let pending = self.password_step("alice", "alice-demo-pass").await;
        let done = self.mfa_step(&pending, &totp_code(0)).await;
        assert_eq!(done.location.as_deref(), Some("/"));
        cookie_pair(&done.set_cookie.expect("signed in"))
    }

    /// POST /role/switch; the cookie to use next (the id is cycled on success).
    async fn one_click_switch(&self, cookie: &str, form: &str) -> (Reply, String) {
        let reply = self
            .send("POST", "/role/switch", Some(cookie), Some(form))
            .await;
        let next = reply
            .set_cookie
            .as_deref()
            .map(cookie_pair)
            .unwrap_or_else(|| cookie.to_string());
        // A switch moves the tab into the new role session (`/as/ID/…`).
        if let Some(location) = &reply.location
            && let (Some(tab), _) = types::role_sessions::split_tab(location)
        {
            self.use_tab(Some(tab.to_string()));
        }
        (reply, next)
    }
}

const UPDATE_APP: &str = "account=123456789012&role=UpdateAPP&display_name=Prod%20app&color=green&redirect_uri=%2Fswitchrole";

#[tokio::test]
async fn a_one_click_switch_lands_in_the_history_and_the_menu() {
    let console = console(|_| {}).await;
    let cookie = console.alice_with_mfa().await;

    let (switched, cookie) = console.one_click_switch(&cookie, UPDATE_APP).await;
    assert_eq!(switched.status, StatusCode::SEE_OTHER);
    let tab = console.tab().expect("in a role session");
    assert_eq!(
        switched.location.as_deref(),
        Some(format!("/as/{tab}/switchrole").as_str())
    );

    let page = console
        .send("GET", "/switchrole", Some(&cookie), None)
        .await;
    assert_eq!(page.status, StatusCode::OK);
    // The navbar shows the role; the menu and the page list it for switching again.
    assert!(page.body.contains("role-pill"), "role pill in the navbar");
    assert!(page.body.contains("Role history"));
    assert!(
        page.body
            .contains(r#"aria-label="Switch to Prod app (UpdateAPP in production)""#)
    );
    assert!(page.body.contains("1 switch"));

    // Switching again counts in the same entry.
    let (_, cookie) = console.one_click_switch(&cookie, UPDATE_APP).await;
    let page = console
        .send("GET", "/switchrole", Some(&cookie), None)
        .await;
    assert!(page.body.contains("2 switches"), "one entry, used twice");

    let actions: Vec<String> = console
        .audit()
        .await
        .iter()
        .map(|r| r.event.action.clone())
        .collect();
    assert_eq!(&actions[..2], ["SwitchRole", "SwitchRole"]);
}

#[tokio::test]
async fn refusals_send_people_to_the_filled_in_form_and_say_why() {
    let console = console(|_| {}).await;

    // alice without any MFA device: the trust policy wants MFA, so she is told to add one.
    let alice = console.signed_in("alice").await;
    let (reply, _) = console.one_click_switch(&alice, UPDATE_APP).await;
    let location = reply.location.unwrap_or_default();
    assert!(
        location.starts_with("/switchrole?account=123456789012&roleName=UpdateAPP"),
        "{location}"
    );
    assert!(location.ends_with("&switch=mfa-setup"), "{location}");
    let page = console.send("GET", &location, Some(&alice), None).await;
    assert!(page.body.contains("you have no MFA device yet"));

    // bob may not switch at all: the generic message, the reason in the audit trail.
    let bob = console.signed_in("bob").await;
    let (reply, _) = console.one_click_switch(&bob, UPDATE_APP).await;
    let location = reply.location.unwrap_or_default();
    assert!(location.ends_with("&switch=refused"), "{location}");
    let page = console.send("GET", &location, Some(&bob), None).await;
    assert!(
        page.body
            .contains("you are not allowed to switch to this role")
    );
    assert!(!page.body.contains("role-pill"), "bob holds no role");
    let denied = &console.audit().await[0];
    assert_eq!(denied.event.action, "SwitchRole");
    assert_eq!(denied.event.decision, Decision::Denied);
    assert_eq!(denied.event.detail["decision"], "ImplicitlyDenied");
    assert!(denied.event.detail.get("step_up_offered").is_none());
}

#[tokio::test]
async fn the_audit_trail_exports_for_administrators_only() {
    let console = console(|_| {}).await;
    let bob = console.signed_in("bob").await;
    console.one_click_switch(&bob, UPDATE_APP).await;

    let refused = console
        .send("GET", "/audit/export.csv", Some(&bob), None)
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let page = console.send("GET", "/audit", Some(&bob), None).await;
    assert!(page.body.contains("for console administrators only"));
    assert!(!page.body.contains("ImplicitlyDenied"));

    let admin = console.signed_in("admin").await;
    let csv = console
        .send(
            "GET",
            "/audit/export.csv?user=bob&decision=Denied",
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(csv.status, StatusCode::OK);
    let lines: Vec<&str> = csv.body.lines().collect();
    assert_eq!(
        lines[0],
        "id,at,actor,account_id,action,decision,client_ip,detail"
    );
    assert_eq!(lines.len(), 2, "bob's one denial: {lines:?}");
    assert!(lines[1].contains("user/bob,111122223333,SwitchRole,Denied"));

    let json = console
        .send(
            "GET",
            "/audit/export.json?action=SignIn",
            Some(&admin),
            None,
        )
        .await;
    let events: serde_json::Value = serde_json::from_str(&json.body).expect("JSON");
    let actors: Vec<&str> = events
        .as_array()
        .expect("an array")
        .iter()
        .filter_map(|e| e["actor"].as_str())
        .collect();
    assert_eq!(
        actors,
        [
            "arn:aws:iam::111122223333:user/admin",
            "arn:aws:iam::111122223333:user/bob"
        ]
    );

    let page = console
        .send("GET", "/audit?decision=Denied", Some(&admin), None)
        .await;
    assert!(page.body.contains("Audit trail"));
    assert!(page.body.contains("ImplicitlyDenied") || page.body.contains("role_arn"));

    let bad = console
        .send(
            "GET",
            "/audit/export.csv?from=yesterday",
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.body.contains("From"));
}

#[tokio::test]
async fn the_link_builder_is_for_administrators() {
    let console = console(|_| {}).await;
    let admin = console.signed_in("admin").await;
    let page = console
        .send(
            "GET",
            "/switchrole/links?account=123456789012&roleName=UpdateAPP&displayName=Prod&color=green",
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains(
        "http://localhost:3000/switchrole?account=123456789012&amp;roleName=UpdateAPP&amp;displayName=Prod&amp;color=green"
    ), "the link is on the page");
    assert!(page.body.contains("mailto:?subject="));

    let bob = console.signed_in("bob").await;
    let page = console
        .send("GET", "/switchrole/links", Some(&bob), None)
        .await;
    assert!(page.body.contains("for console administrators only"));
    assert!(!page.body.contains("mailto:"));
}

#[tokio::test]
async fn a_role_session_of_another_user_or_one_that_ended_is_refused_and_never_falls_back() {
    let console = console(|_| {}).await;
    let alice = console.alice_in_update_app().await;
    let tab = console.tab().expect("alice's tab");
    assert!(console.list_productionapp(&alice).await.contains("Granted"));

    // bob names alice's role session: it is not his, so nothing is done in it (nor as bob).
    let bob = console.signed_in("bob").await;
    assert_eq!(
        console.list_productionapp(&bob).await,
        "\"RoleSessionEnded\""
    );
    let download = console
        .download(&bob, "productionapp", "index.html", None)
        .await;
    assert_eq!(download.status, StatusCode::FORBIDDEN);
    let page = console.send("GET", "/s3", Some(&bob), None).await;
    assert!(
        page.body.contains("is not one of yours"),
        "the page says so"
    );

    // A cross-site form post cannot end alice's session, nor all of them; bob's "End all"
    // ends only his own (none); signed out, it leads to sign-in.
    for uri in ["/role/switch-back", "/role/end-all"] {
        let cross_site = console
            .cross_site_post(uri, Some(&alice), &format!("role_session={tab}"))
            .await;
        assert_eq!(cross_site.status, StatusCode::FORBIDDEN, "{uri}");
    }
    let bobs_end_all = console
        .send("POST", "/role/end-all", Some(&bob), None)
        .await;
    assert_eq!(bobs_end_all.location.as_deref(), Some("/"));
    let signed_out = console.send("POST", "/role/end-all", None, None).await;
    assert_eq!(signed_out.location.as_deref(), Some("/signin"));
    assert!(
        console.list_productionapp(&alice).await.contains("Granted"),
        "still held"
    );

    // Signed out: refused before anything else.
    console.use_tab(Some(tab.clone()));
    let anonymous = console
        .send(
            "POST",
            "/api/s3_list_objects",
            None,
            Some("bucket=productionapp&prefix="),
        )
        .await;
    assert!(
        anonymous.body.contains("SessionEnded"),
        "{}",
        anonymous.body
    );

    // Switched back: the tab's session has ended, and its requests say so.
    let back = console
        .send("POST", "/role/switch-back", Some(&alice), None)
        .await;
    assert_eq!(back.location.as_deref(), Some("/"));
    assert_eq!(
        console.list_productionapp(&alice).await,
        "\"RoleSessionEnded\""
    );
    let page = console.send("GET", "/", Some(&alice), None).await;
    assert!(
        page.body
            .contains("You switched back from this role session")
    );
    // No credentials of any role session in what the browser got.
    assert!(!page.body.contains("secret_access_key") && !page.body.contains("session_token"));
}
