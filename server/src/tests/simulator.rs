//! The directory page, the policy simulator and "Explain" through the router: what admin
//! sees, an audit event replayed, and alice, bob, signed-out visitors and cross-site posts
//! refused every page and server function of them.

use super::*;

const PROD: &str = "arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2FUpdateAPP";
const BOB: &str = "arn%3Aaws%3Aiam%3A%3A111122223333%3Auser%2Fbob";
const ALICE: &str = "arn%3Aaws%3Aiam%3A%3A111122223333%3Auser%2Falice";

#[tokio::test]
async fn admin_reads_the_directory_and_searches_it() {
    let console = console(|_| {}).await;
    let admin = console.signed_in("admin").await;
    let page = console.send("GET", "/directory", Some(&admin), None).await;
    assert_eq!(page.status, StatusCode::OK);
    for text in [
        "Accounts (",
        "Production (ou-a1b2-pr0duct1)",
        "DenyLeaveOrganization",
        "TrustDevelopmentWithMFA",
        "productionapp",
        "Copy ARN arn:aws:iam::123456789012:role/UpdateAPP",
    ] {
        assert!(page.body.contains(text), "{text}");
    }
    assert!(!page.body.contains("$argon2"), "no password hash is shown");
    let found = console
        .send("GET", "/directory?q=production-logs", Some(&admin), None)
        .await;
    assert!(found.body.contains("Buckets (1)"), "{}", found.body);
    assert!(!found.body.contains("Users ("));
}

#[tokio::test]
async fn the_simulator_highlights_what_decided_and_names_what_did_not_hold() {
    let console = console(|_| {}).await;
    let admin = console.signed_in("admin").await;
    let simulate = |principal: &str, extra: &str| {
        format!("/simulate?principal={principal}&action=sts%3AAssumeRole&resource={PROD}{extra}")
    };
    let bob = console
        .send("GET", &simulate(BOB, "&mfa=true"), Some(&admin), None)
        .await;
    assert_eq!(bob.status, StatusCode::OK);
    assert!(bob.body.contains("ImplicitlyDenied"), "{}", bob.body);
    assert!(
        !bob.body.contains("statement applied-"),
        "nothing of bob's matched"
    );
    assert!(bob.body.contains("group Testers"), "his policies took part");

    let alice = console
        .send("GET", &simulate(ALICE, ""), Some(&admin), None)
        .await;
    assert!(alice.body.contains("ImplicitlyDenied"));
    assert!(alice.body.contains("statement condition-failed"));
    assert!(
        alice
            .body
            .contains("aws:MultiFactorAuthPresent (the request had"),
        "the failed condition with the value seen"
    );
    let with_mfa = console
        .send(
            "GET",
            &simulate(ALICE, "&mfa=true&mfa_age=30"),
            Some(&admin),
            None,
        )
        .await;
    assert!(with_mfa.body.contains(">Allowed<"), "{}", with_mfa.body);
    assert_eq!(with_mfa.body.matches("statement applied-allow").count(), 2);

    let bad = console
        .send(
            "GET",
            &simulate(ALICE, "&source_ip=not-an-ip"),
            Some(&admin),
            None,
        )
        .await;
    assert!(bad.body.contains("Source IP: an IPv4 or IPv6 address"));
    assert!(!bad.body.contains("Decision: "));
}

#[tokio::test]
async fn explain_replays_bobs_denied_switch_with_todays_policies() {
    let console = console(|_| {}).await;
    let bob = console.signed_in("bob").await;
    let refused = console
        .send(
            "POST",
            "/api/switch_role",
            Some(&bob),
            Some("account=production&role=UpdateAPP&display_name=Prod"),
        )
        .await;
    assert!(!refused.body.contains("role_session"), "{}", refused.body);
    let event = console
        .audit()
        .await
        .into_iter()
        .find(|r| r.event.action == "SwitchRole")
        .expect("the denied switch is audited");
    assert_eq!(event.event.decision, console::audit::Decision::Denied);
    assert_eq!(
        event.event.detail["context"]["aws:MultiFactorAuthPresent"],
        "false"
    );
    let admin = console.signed_in("admin").await;
    let trail = console.send("GET", "/audit", Some(&admin), None).await;
    let link = format!("/simulate?event={}", event.id);
    assert!(trail.body.contains(&link), "Explain links the event");
    let page = console.send("GET", &link, Some(&admin), None).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("ImplicitlyDenied"), "{}", page.body);
    assert!(
        page.body.contains("policies decide the same."),
        "{}",
        page.body
    );
    assert!(page.body.contains("arn:aws:iam::111122223333:user/bob"));
    let missing = console
        .send("GET", "/simulate?event=999999", Some(&admin), None)
        .await;
    assert!(missing.body.contains("There is no audit event 999999."));
}

#[tokio::test]
async fn alice_bob_signed_out_and_cross_site_callers_are_refused() {
    let console = console(|_| {}).await;
    let pages = ["/directory", "/directory/access", "/simulate", "/audit"];
    let functions = [
        ("/api/directory", "search=UpdateAPP".to_string()),
        (
            "/api/simulate",
            format!(
                "input[principal]={ALICE}&input[action]=sts%3AAssumeRole&input[resource]={PROD}"
            ),
        ),
        ("/api/access_map", String::new()),
    ];
    for user in ["alice", "bob"] {
        let cookie = console.signed_in(user).await;
        for page in pages {
            let reply = console.send("GET", page, Some(&cookie), None).await;
            assert_eq!(reply.status, StatusCode::FORBIDDEN, "{user} {page}");
            assert!(
                reply.body.contains("for console administrators only"),
                "{user} {page}"
            );
            assert!(
                !reply.body.contains("TrustDevelopmentWithMFA"),
                "{user} {page}"
            );
        }
        for (uri, form) in &functions {
            let reply = console.send("POST", uri, Some(&cookie), Some(form)).await;
            assert_eq!(reply.status, StatusCode::FORBIDDEN, "{user} {uri}");
            assert!(
                reply.body.contains("NotAdmin"),
                "{user} {uri}: {}",
                reply.body
            );
        }
    }
    for page in pages {
        let reply = console.send("GET", page, None, None).await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{page}");
    }
    let admin = console.signed_in("admin").await;
    for (uri, form) in &functions {
        let signed_out = console.send("POST", uri, None, Some(form)).await;
        assert!(signed_out.body.contains("SessionEnded"), "{uri}");
        let refused = console.cross_site_post(uri, Some(&admin), form).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{uri} cross-site");
        assert!(!refused.body.contains("TrustDevelopmentWithMFA"));
    }
    // The admin's own calls work, so the refusals above are about who asks.
    let own = console
        .send(
            "POST",
            "/api/directory",
            Some(&admin),
            Some("search=UpdateAPP"),
        )
        .await;
    assert_eq!(own.status, StatusCode::OK, "{}", own.body);
    assert!(own.body.contains("TrustDevelopmentWithMFA"));
}
