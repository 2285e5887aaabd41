//! The trust policy decides every switch, in the same account too: alice's
//! broad `sts:AssumeRole` does not open a role that trusts only admin.

use super::*;

/// The demo plus `BreakGlass` in development, trusting only admin, and a
/// Developers policy allowing `sts:AssumeRole` on every development role.
fn break_glass_directory(dir: &std::path::Path) -> std::path::PathBuf {
    let text = iam::Directory::demo_toml()
        .replace(
            "        \"arn:aws:iam::444455556666:role/UpdateAPP\"\n",
            "        \"arn:aws:iam::444455556666:role/UpdateAPP\",\n        \"arn:aws:iam::111122223333:role/*\"\n",
        )
        .replace(
            "  [[accounts.groups]]\n  name = \"Developers\"",
            "  [[accounts.roles]]\n  name = \"BreakGlass\"\n  trust_policy = '''\n{\"Version\": \"2012-10-17\", \"Statement\": [{\"Sid\": \"OnlyAdmin\", \"Effect\": \"Allow\", \"Principal\": {\"AWS\": \"arn:aws:iam::111122223333:user/admin\"}, \"Action\": \"sts:AssumeRole\"}]}\n'''\n\n  [[accounts.groups]]\n  name = \"Developers\"",
        );
    assert!(text.contains("BreakGlass") && text.contains("111122223333:role/*"));
    let path = dir.join("directory.toml");
    std::fs::write(&path, text).expect("write");
    path
}

#[tokio::test]
async fn alice_is_refused_a_same_account_role_that_does_not_trust_her() {
    let dir = tempfile::tempdir().expect("dir");
    let directory = break_glass_directory(dir.path());
    let console = console(|args| args.directory = Some(directory.clone())).await;
    let alice = console.signed_in("alice").await;

    let form = "account=111122223333&role=BreakGlass&display_name=Break%20glass&color=red&redirect_uri=%2Fswitchrole";
    let reply = console
        .send("POST", "/role/switch", Some(&alice), Some(form))
        .await;
    let location = reply.location.unwrap_or_default();
    assert!(location.ends_with("&switch=refused"), "{location}");
    let page = console.send("GET", &location, Some(&alice), None).await;
    assert!(
        page.body
            .contains("you are not allowed to switch to this role")
    );
    assert!(!page.body.contains("role-pill"), "alice holds no role");

    let denied = &console.audit().await[0];
    assert_eq!(denied.event.action, "SwitchRole");
    assert_eq!(denied.event.decision, Decision::Denied);
    assert_eq!(denied.event.detail["decision"], "ImplicitlyDenied");
    let explanation = denied.event.detail["explanation"].to_string();
    assert!(
        explanation.contains("role BreakGlass / trust policy does not allow sts:AssumeRole"),
        "{explanation}"
    );
}
