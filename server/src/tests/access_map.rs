//! The administrators' access map through the router: the table, an explained cell and the CSV
//! for admin; alice, bob and a signed-out visitor are refused every part of it.

use super::*;

const PROD: &str = "arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2FUpdateAPP";
const ALICE: &str = "arn%3Aaws%3Aiam%3A%3A111122223333%3Auser%2Falice";

#[tokio::test]
async fn admin_sees_who_can_switch_and_why() {
    let console = console(|_| {}).await;
    let admin = console.signed_in("admin").await;
    let page = console
        .send(
            "GET",
            &format!("/directory/access?role={PROD}&explain_user={ALICE}&explain_role={PROD}"),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body
            .contains("Who can switch to UpdateAPP in production?"),
        "{}",
        page.body
    );
    assert!(page.body.contains(r#"<th scope="row""#), "row headers");
    assert!(page.body.contains(r#"<th scope="col""#), "column headers");
    assert!(page.body.contains("Needs MFA") && page.body.contains("Cannot switch"));
    assert!(
        page.body.contains("aws:MultiFactorAuthPresent"),
        "the trust condition is named"
    );
    assert!(
        page.body.contains("group Developers"),
        "the Developers statement is named"
    );

    let csv = console
        .send(
            "GET",
            &format!("/directory/access.csv?role={PROD}"),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(csv.status, StatusCode::OK);
    assert_eq!(
        csv.body,
        "user,arn:aws:iam::123456789012:role/UpdateAPP\r\n\
         arn:aws:iam::111122223333:user/alice,Needs MFA\r\n\
         arn:aws:iam::111122223333:user/bob,Cannot switch\r\n\
         arn:aws:iam::111122223333:user/admin,Needs MFA\r\n"
    );
}

#[tokio::test]
async fn alice_bob_and_signed_out_visitors_are_refused_the_access_map() {
    let console = console(|_| {}).await;
    for user in ["alice", "bob"] {
        let cookie = console.signed_in(user).await;
        let csv = console
            .send("GET", "/directory/access.csv", Some(&cookie), None)
            .await;
        assert_eq!(csv.status, StatusCode::FORBIDDEN, "{user}");
        assert!(!csv.body.contains("Cannot switch"), "{user}");
        let function = console
            .send("POST", "/api/access_map", Some(&cookie), Some(""))
            .await;
        assert!(
            function.body.contains("NotAdmin"),
            "{user}: {}",
            function.body
        );
        let page = console
            .send("GET", "/directory/access", Some(&cookie), None)
            .await;
        assert!(
            page.body.contains("for console administrators only"),
            "{user}"
        );
        assert!(!page.body.contains(r#"<th scope="row""#), "{user}");
    }
    let csv = console
        .send("GET", "/directory/access.csv", None, None)
        .await;
    // Signed out: sent to sign in first, as every page is.
    assert_eq!(csv.status, StatusCode::SEE_OTHER);
    assert!(
        csv.location
            .as_deref()
            .is_some_and(|l| l.starts_with("/signin"))
    );
    assert!(!csv.body.contains("Cannot switch"));
    let function = console
        .send("POST", "/api/access_map", None, Some(""))
        .await;
    assert!(function.body.contains("SessionEnded"), "{}", function.body);
}
