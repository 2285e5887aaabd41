//! The request → approval → grant → switch → revoke flow on the demo organisation, through the
//! console's own functions (the server's router tests drive the same over HTTP).

use std::net::IpAddr;
use std::time::Duration;

use super::*;
use crate::session::role_sessions;
use crate::session::{MfaContext, MfaMethod};
use crate::switching::{SwitchError, SwitchForm, switch_role};
use crate::test_support::{session, state};
use types::role_sessions::EndReason;

const CLIENT: ClientAddr = ClientAddr(IpAddr::V4(std::net::Ipv4Addr::LOCALHOST));
const ROLE: &str = "arn:aws:iam::123456789012:role/UpdateAPP";

fn with_fresh_mfa(mut user: SignedInUser) -> SignedInUser {
    user.mfa = Some(MfaContext::new(MfaMethod::Totp, "device"));
    user
}

fn bob() -> SignedInUser {
    with_fresh_mfa(SignedInUser::new("111122223333", "bob"))
}

fn admin() -> SignedInUser {
    with_fresh_mfa(SignedInUser::new("111122223333", "admin"))
}

fn form(duration: u64) -> RequestForm {
    RequestForm {
        role_arn: ROLE.into(),
        reason: "Hotfix 1.4.3 for the basket totals".into(),
        duration: duration.to_string(),
        ticket: "OPS-42".into(),
    }
}

fn update_app() -> SwitchForm {
    SwitchForm {
        account: "production".into(),
        role: "UpdateAPP".into(),
        ..SwitchForm::default()
    }
}

async fn actions(state: &AppState) -> Vec<String> {
    state
        .audit
        .recent(50)
        .await
        .expect("audit")
        .iter()
        .map(|r| r.event.action.clone())
        .collect()
}

#[tokio::test]
async fn bob_requests_admin_approves_bob_switches_under_the_grant_and_a_revoke_ends_it() {
    let (state, _dir) = state(Duration::from_secs(3600)).await;
    let session = session();
    let bob = bob();
    let mfa = Some(crate::clock::now_utc());
    let refused = switch_role(&state, &session, CLIENT, &bob, mfa, &update_app()).await;
    assert!(
        matches!(refused, Err(SwitchError::NotAllowed)),
        "{refused:?}"
    );

    let requestable = requestable_roles(&state, &bob, CLIENT)
        .await
        .expect("roles");
    assert_eq!(requestable.len(), 1);
    assert_eq!(requestable[0].role_arn, ROLE);
    assert_eq!(requestable[0].durations.last(), Some(&(4 * 3600)));
    let request = submit(&state, &bob, CLIENT, &form(3600))
        .await
        .expect("submitted");
    assert_eq!(request.status, RequestStatus::Pending);
    assert_eq!(
        pending_count(&state, &admin()).await.expect("count"),
        Some(1)
    );
    assert_eq!(pending_count(&state, &bob).await.expect("count"), None);

    let approved = approve(&state, &admin(), CLIENT, request.id, "ok for today")
        .await
        .expect("approved");
    assert_eq!(approved.status, RequestStatus::Approved);
    let ends = approved.grant_ends_at.expect("grant end");
    assert!(
        requestable_roles(&state, &bob, CLIENT)
            .await
            .unwrap()
            .is_empty()
    );

    let role = switch_role(&state, &session, CLIENT, &bob, mfa, &update_app())
        .await
        .expect("allowed under the grant");
    assert!(role.expires_at <= ends);
    let held = role_sessions::held(&state, &session).await.expect("held");
    assert_eq!(held[0].grant_id, Some(request.id));
    let audit = state.audit.recent(1).await.expect("audit");
    assert_eq!(audit[0].event.action, "SwitchRole");
    assert_eq!(audit[0].event.detail["access_grant"], request.id);

    revoke(&state, &admin(), CLIENT, request.id, "done")
        .await
        .expect("revoked");
    assert!(
        role_sessions::held(&state, &session)
            .await
            .unwrap()
            .is_empty()
    );
    let ended = role_sessions::ended(&session).await.expect("ended");
    assert_eq!(
        ended.last().map(|e| e.reason),
        Some(EndReason::GrantRevoked)
    );
    // Its credentials were revoked too: the engine refuses them.
    let refused = switch_role(&state, &session, CLIENT, &bob, mfa, &update_app()).await;
    assert!(
        matches!(refused, Err(SwitchError::NotAllowed)),
        "{refused:?}"
    );
    let actions = actions(&state).await;
    for action in [
        "AccessRequested",
        "AccessRequestApproved",
        "AccessGrantRevoked",
        "SwitchRole",
    ] {
        assert!(actions.iter().any(|a| a == action), "{action}: {actions:?}");
    }
}

#[tokio::test]
async fn nobody_decides_their_own_request_nor_a_request_they_do_not_approve() {
    let (state, _dir) = state(Duration::from_secs(3600)).await;
    let bob = bob();
    let request = submit(&state, &bob, CLIENT, &form(3600))
        .await
        .expect("submitted");
    for (who, user) in [
        ("bob", bob.clone()),
        (
            "alice",
            with_fresh_mfa(SignedInUser::new("111122223333", "alice")),
        ),
    ] {
        let refused = approve(&state, &user, CLIENT, request.id, "").await;
        assert!(
            matches!(refused, Err(AccessRequestError::NotAllowed)),
            "{who}: {refused:?}"
        );
        let refused = deny(&state, &user, CLIENT, request.id, "").await;
        assert!(
            matches!(refused, Err(AccessRequestError::NotAllowed)),
            "{who}"
        );
    }
    let last = state.audit.recent(1).await.expect("audit");
    assert_eq!(last[0].event.decision, Decision::Denied);
    // A tampered ID is no request at all.
    let refused = approve(&state, &admin(), CLIENT, request.id + 1000, "").await;
    assert!(
        matches!(refused, Err(AccessRequestError::NotFound)),
        "{refused:?}"
    );
    // Another user cannot cancel it.
    let refused = cancel(
        &state,
        &with_fresh_mfa(SignedInUser::new("111122223333", "alice")),
        CLIENT,
        request.id,
    )
    .await;
    assert!(matches!(refused, Err(AccessRequestError::NotFound)));
    let stored = state
        .access_requests
        .get(request.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.status, RequestStatus::Pending);
    assert!(stored.approvals.is_empty());
}

#[tokio::test]
async fn deciding_needs_a_fresh_mfa() {
    let (state, _dir) = state(Duration::from_secs(3600)).await;
    let request = submit(&state, &bob(), CLIENT, &form(3600))
        .await
        .expect("submitted");
    let mut stale = admin();
    if let Some(mfa) = &mut stale.mfa {
        mfa.at -= 301;
    }
    let refused = approve(&state, &stale, CLIENT, request.id, "").await;
    assert!(matches!(refused, Err(AccessRequestError::StepUpRequired)));
    let without = SignedInUser::new("111122223333", "admin");
    let refused = deny(&state, &without, CLIENT, request.id, "").await;
    assert!(matches!(refused, Err(AccessRequestError::StepUpRequired)));
    assert_eq!(
        state
            .access_requests
            .get(request.id)
            .await
            .unwrap()
            .unwrap()
            .status,
        RequestStatus::Pending
    );
}

#[tokio::test]
async fn bad_requests_get_a_clear_error_and_change_nothing() {
    let (state, _dir) = state(Duration::from_secs(3600)).await;
    let bob = bob();
    let field_of = |r: Result<AccessRequestView, AccessRequestError>| match r {
        Err(AccessRequestError::Field { field, .. }) => field,
        other => panic!("expected a field error, got {other:?}"),
    };
    let mut no_reason = form(3600);
    no_reason.reason = "  ".into();
    assert_eq!(
        field_of(submit(&state, &bob, CLIENT, &no_reason).await),
        "reason"
    );
    assert_eq!(
        field_of(submit(&state, &bob, CLIENT, &form(5 * 3600)).await),
        "duration"
    );
    assert_eq!(
        field_of(submit(&state, &bob, CLIENT, &form(60)).await),
        "duration"
    );
    let mut long_ticket = form(3600);
    long_ticket.ticket = "x".repeat(MAX_TICKET_CHARS + 1);
    assert_eq!(
        field_of(submit(&state, &bob, CLIENT, &long_ticket).await),
        "ticket"
    );
    let mut staging = form(3600);
    staging.role_arn = "arn:aws:iam::444455556666:role/UpdateAPP".into();
    assert_eq!(
        field_of(submit(&state, &bob, CLIENT, &staging).await),
        "role_arn"
    );
    // alice can switch already: nothing to request.
    let alice = with_fresh_mfa(SignedInUser::new("111122223333", "alice"));
    assert_eq!(
        field_of(submit(&state, &alice, CLIENT, &form(3600)).await),
        "role_arn"
    );
    assert!(my_requests(&state, &bob).await.unwrap().is_empty());
    submit(&state, &bob, CLIENT, &form(3600))
        .await
        .expect("a good one");
    assert_eq!(
        field_of(submit(&state, &bob, CLIENT, &form(3600)).await),
        "role_arn"
    );
    assert_eq!(my_requests(&state, &bob).await.unwrap().len(), 1);
}

#[tokio::test]
async fn a_denied_request_carries_the_comment_and_a_cancelled_one_cannot_be_approved() {
    let (state, _dir) = state(Duration::from_secs(3600)).await;
    let bob = bob();
    let first = submit(&state, &bob, CLIENT, &form(3600)).await.unwrap();
    deny(&state, &admin(), CLIENT, first.id, "Not during the freeze")
        .await
        .expect("denied");
    let mine = my_requests(&state, &bob).await.unwrap();
    assert_eq!(mine[0].status, RequestStatus::Denied);
    assert_eq!(mine[0].comment.as_deref(), Some("Not during the freeze"));
    assert_eq!(mine[0].decided_by.as_deref(), Some("admin"));
    let second = submit(&state, &bob, CLIENT, &form(3600)).await.unwrap();
    cancel(&state, &bob, CLIENT, second.id)
        .await
        .expect("cancelled");
    let refused = approve(&state, &admin(), CLIENT, second.id, "").await;
    assert!(matches!(refused, Err(AccessRequestError::Conflict(_))));
    assert!(active_grants(&state, &bob.arn()).await.unwrap().is_empty());
}

#[tokio::test]
async fn a_short_grant_expires_by_itself_and_is_audited_once() {
    let (mut state, _dir) = state(Duration::from_secs(3600)).await;
    let mut policy = (*state.policy).clone();
    policy.min_grant_duration = Duration::from_secs(1);
    state.policy = std::sync::Arc::new(policy);
    let bob = bob();
    let request = submit(&state, &bob, CLIENT, &form(1))
        .await
        .expect("submitted");
    approve(&state, &admin(), CLIENT, request.id, "")
        .await
        .expect("approved");
    assert_eq!(active_grants(&state, &bob.arn()).await.unwrap().len(), 1);
    tokio::time::sleep(Duration::from_millis(2100)).await;
    assert!(active_grants(&state, &bob.arn()).await.unwrap().is_empty());
    assert_eq!(
        my_requests(&state, &bob).await.unwrap()[0].status,
        RequestStatus::Expired
    );
    assert_eq!(expire_due(&state).await.expect("sweep"), 1);
    assert_eq!(expire_due(&state).await.expect("sweep"), 0);
    let expired = actions(&state)
        .await
        .into_iter()
        .filter(|a| a == "AccessGrantExpired")
        .count();
    assert_eq!(expired, 1);
}
