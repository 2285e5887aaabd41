//! Just-in-time access: a user asks for a role they cannot use yet, approvers of that role
//! decide (each approval by a distinct approver, never the requester, each with a fresh MFA),
//! and an approved request becomes an access grant — an identity policy the engine decides
//! with the role's trust policy until the grant's end (see `iam::grants`). Role sessions under
//! a grant end at its end at the latest; revoking it ends them at once. Every step is audited
//! and notified.

pub mod store;

use std::time::Duration;

use serde_json::json;
use types::access_requests::{
    AccessRequestView, ApprovalView, ApproverView, MAX_COMMENT_CHARS, MAX_REASON_CHARS,
    MAX_TICKET_CHARS, RequestStatus, RequestableRole, duration_choices,
};

use crate::audit::{AuditEvent, Decision};
use crate::catalog;
use crate::client::ClientAddr;
use crate::notify::{Event, Notice};
use crate::session::SignedInUser;
use crate::state::AppState;
pub use store::{
    AccessRequestStore, Approval, Created, NewRequest, SqlAccessRequests, StoreError, StoredRequest,
};

/// Deciding a request (approve, deny, revoke) needs an MFA of the last five minutes.
pub const DECIDE_MAX_MFA_AGE: Duration = Duration::from_secs(5 * 60);
/// The shortest grant a request may ask for unless configured lower (for tests).
pub const DEFAULT_MIN_GRANT_DURATION: Duration = iam::directory::MIN_GRANT_DURATION;
/// How many of a user's requests the page lists.
const MY_REQUESTS_SHOWN: i64 = 50;
/// How many open requests and grants the approvers' page reads.
const OPEN_READ: i64 = 500;
const RECENT_SHOWN: usize = 20;

#[derive(Debug, thiserror::Error)]
pub enum AccessRequestError {
    /// One field is wrong; the message is safe to show next to it.
    #[error("{field}: {message}")]
    Field {
        field: &'static str,
        message: String,
    },
    /// No such request, or one the caller may not see (a tampered ID reads the same).
    #[error("no such access request")]
    NotFound,
    /// The caller may not decide this request (not an approver of the role, or their own).
    #[error("not allowed")]
    NotAllowed,
    /// The request is not in a state this action applies to; the message is safe to show.
    #[error("{0}")]
    Conflict(&'static str),
    /// Deciding needs a fresh MFA (step-up).
    #[error("a fresh MFA is needed")]
    StepUpRequired,
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("audit trail: {0}")]
    Audit(String),
}

fn field(field: &'static str, message: impl Into<String>) -> AccessRequestError {
    AccessRequestError::Field {
        field,
        message: message.into(),
    }
}

/// The Request access form as submitted.
#[derive(Clone, Debug, Default)]
pub struct RequestForm {
    pub role_arn: String,
    pub reason: String,
    /// Seconds, as the form's select sends them.
    pub duration: String,
    pub ticket: String,
}

/// The grants of `user` in force now, as the engine takes them.
pub async fn active_grants(
    state: &AppState,
    user_arn: &str,
) -> Result<Vec<iam::AccessGrant>, StoreError> {
    let now = crate::clock::now();
    Ok(state
        .access_requests
        .active_grants(user_arn, now)
        .await?
        .iter()
        .filter_map(grant_of)
        .collect())
}

fn grant_of(request: &StoredRequest) -> Option<iam::AccessGrant> {
    let ends_at = time::OffsetDateTime::from_unix_timestamp(request.grant_ends_at?).ok()?;
    Some(iam::AccessGrant {
        id: request.id,
        role_arn: request.role_arn.clone(),
        approved_by: request
            .approvals
            .iter()
            .map(|a| user_name(&a.approver_arn))
            .collect(),
        ends_at,
    })
}

/// `admin` for `arn:aws:iam::111122223333:user/admin`.
fn user_name(arn: &str) -> String {
    arn.rsplit('/').next().unwrap_or(arn).to_string()
}

fn settings_of<'d>(
    state: &'d AppState,
    role_arn: &str,
) -> Option<(
    &'d iam::Account,
    &'d iam::Role,
    &'d iam::directory::RequestSettings,
)> {
    let (account, role) = state.directory.role_by_arn(role_arn)?;
    Some((account, role, role.requests()?))
}

fn may_approve(state: &AppState, user: &SignedInUser, role_arn: &str) -> bool {
    settings_of(state, role_arn)
        .is_some_and(|(_, _, s)| s.may_approve(&state.directory, &user.account_id, &user.user_name))
}

/// Whether the user approves requests of any role of the directory.
pub fn approves_anything(state: &AppState, user: &SignedInUser) -> bool {
    state.directory.accounts().any(|a| {
        a.roles().any(|r| {
            r.requests()
                .is_some_and(|s| s.may_approve(&state.directory, &user.account_id, &user.user_name))
        })
    })
}

/// The shortest grant a request may ask for.
fn min_duration(state: &AppState) -> u64 {
    state.policy.min_grant_duration.as_secs().max(1)
}

/// The roles `user` may request and cannot switch to now (even with a fresh MFA).
pub async fn requestable_roles(
    state: &AppState,
    user: &SignedInUser,
    client: ClientAddr,
) -> Result<Vec<RequestableRole>, AccessRequestError> {
    let directory = &state.directory;
    let grants = iam::grants::policies(&active_grants(state, &user.arn()).await?);
    let mine = state
        .access_requests
        .by_requester(&user.arn(), MY_REQUESTS_SHOWN)
        .await?;
    let mut out = Vec::new();
    for account in directory.accounts() {
        for role in account.roles() {
            let Some(settings) = role.requests() else {
                continue;
            };
            if !settings.may_request(directory, &user.account_id, &user.user_name) {
                continue;
            }
            let role_arn = role.arn();
            if crate::switching::may_switch_with_fresh_mfa(state, user, client, &role_arn, &grants)
            {
                continue;
            }
            let label = account.alias().unwrap_or(account.id());
            out.push(RequestableRole {
                display_name: catalog::display_name(Some(role), role.name(), label),
                color: catalog::color(Some(role)),
                role_name: role.name().to_string(),
                account_id: account.id().to_string(),
                account_alias: account.alias().map(str::to_string),
                require_reason: settings.require_reason,
                approvals_required: settings.approvals_required,
                durations: duration_choices(
                    min_duration(state).min(settings.max_duration.as_secs()),
                    settings.max_duration.as_secs(),
                ),
                pending: mine
                    .iter()
                    .any(|r| r.status == RequestStatus::Pending && r.role_arn == role_arn),
                role_arn,
            });
        }
    }
    Ok(out)
}

/// A text field of a form: trimmed, at most `max` characters, no control characters.
fn text(value: &str, name: &'static str, max: usize) -> Result<String, AccessRequestError> {
    let value = value.trim();
    if value.chars().count() > max {
        return Err(field(name, format!("Use at most {max} characters.")));
    }
    if value.chars().any(|c| c.is_control() && c != '\n') {
        return Err(field(name, "Control characters are not allowed."));
    }
    Ok(value.to_string())
}

/// Submits a request; approvers are notified.
pub async fn submit(
    state: &AppState,
    user: &SignedInUser,
    client: ClientAddr,
    form: &RequestForm,
) -> Result<AccessRequestView, AccessRequestError> {
    let role_arn = form.role_arn.trim();
    let requestable = requestable_roles(state, user, client).await?;
    if !requestable.iter().any(|r| r.role_arn == role_arn) {
        return Err(field(
            "role_arn",
            "You cannot request this role (or you can already switch to it).",
        ));
    }
    let Some((_, _, settings)) = settings_of(state, role_arn) else {
        return Err(field("role_arn", "You cannot request this role."));
    };
    let reason = text(&form.reason, "reason", MAX_REASON_CHARS)?;
    if settings.require_reason && reason.is_empty() {
        return Err(field("reason", "Say why you need this role."));
    }
    let ticket = text(&form.ticket, "ticket", MAX_TICKET_CHARS)?;
    let duration: u64 = form
        .duration
        .trim()
        .parse()
        .map_err(|_| field("duration", "Choose a duration."))?;
    let min = min_duration(state).min(settings.max_duration.as_secs());
    if !(min..=settings.max_duration.as_secs()).contains(&duration) {
        return Err(field(
            "duration",
            format!(
                "Choose a duration of {} to {}.",
                types::access_requests::duration_label(min),
                types::access_requests::duration_label(settings.max_duration.as_secs())
            ),
        ));
    }
    let created = state
        .access_requests
        .create(&NewRequest {
            requester_arn: user.arn(),
            role_arn: role_arn.to_string(),
            reason: reason.clone(),
            ticket: non_empty(&ticket).map(str::to_string),
            duration_seconds: i64::try_from(duration).unwrap_or(i64::MAX),
            approvals_required: i64::from(settings.approvals_required),
            created_at: crate::clock::now(),
        })
        .await?;
    let id = match created {
        Created::Id(id) => id,
        Created::AlreadyPending => {
            return Err(field(
                "role_arn",
                "You have a pending request for this role already.",
            ));
        }
        Created::TooManyPending => {
            return Err(field(
                "role_arn",
                "You have too many pending requests. Cancel one first.",
            ));
        }
    };
    audit(
        state,
        user,
        client,
        "AccessRequested",
        Decision::Info,
        json!({
            "access_request": id,
            "role_arn": role_arn,
            "duration_seconds": duration,
            "reason": reason,
            "ticket": ticket,
        }),
    )
    .await?;
    let stored = load(state, id).await?;
    let view = view(state, &stored);
    let recipients = approver_emails(state, settings);
    notify(
        state,
        Event::Requested,
        &view,
        None,
        recipients,
        "access-requests",
    );
    Ok(view)
}

/// The user's own requests, newest first.
pub async fn my_requests(
    state: &AppState,
    user: &SignedInUser,
) -> Result<Vec<AccessRequestView>, AccessRequestError> {
    Ok(state
        .access_requests
        .by_requester(&user.arn(), MY_REQUESTS_SHOWN)
        .await?
        .iter()
        .map(|r| view(state, r))
        .collect())
}

/// Withdraws the user's own pending request.
pub async fn cancel(
    state: &AppState,
    user: &SignedInUser,
    client: ClientAddr,
    id: i64,
) -> Result<(), AccessRequestError> {
    let request = load(state, id).await?;
    if request.requester_arn != user.arn() {
        return Err(AccessRequestError::NotFound);
    }
    let now = crate::clock::now();
    if !state
        .access_requests
        .close(
            id,
            RequestStatus::Pending,
            RequestStatus::Cancelled,
            &user.arn(),
            now,
            None,
        )
        .await?
    {
        return Err(AccessRequestError::Conflict(
            "This request is not pending any more.",
        ));
    }
    audit(
        state,
        user,
        client,
        "AccessRequestCancelled",
        Decision::Info,
        json!({ "access_request": id, "role_arn": request.role_arn }),
    )
    .await?;
    let request = load(state, id).await?;
    let settings = settings_of(state, &request.role_arn).map(|(_, _, s)| s);
    let recipients = settings
        .map(|s| approver_emails(state, s))
        .unwrap_or_default();
    notify(
        state,
        Event::Cancelled,
        &view(state, &request),
        None,
        recipients,
        "access-requests",
    );
    Ok(())
}

/// What an approver's page shows. Empty for a user who approves nothing.
pub async fn approver_view(
    state: &AppState,
    user: &SignedInUser,
) -> Result<ApproverView, AccessRequestError> {
    if !approves_anything(state, user) {
        return Ok(ApproverView::default());
    }
    let now = crate::clock::now();
    let open = state
        .access_requests
        .by_status(
            &[RequestStatus::Pending, RequestStatus::Approved],
            OPEN_READ,
        )
        .await?;
    let mine = |r: &&StoredRequest| may_approve(state, user, &r.role_arn);
    let mut pending: Vec<AccessRequestView> = waiting_for(state, user, &open)
        .map(|r| view(state, r))
        .collect();
    pending.sort_by_key(|r| r.id);
    let mut active_grants: Vec<AccessRequestView> = open
        .iter()
        .filter(mine)
        .filter(|r| r.grants_at(now))
        .map(|r| view(state, r))
        .collect();
    active_grants.sort_by_key(|r| r.grant_ends_at);
    let closed = state
        .access_requests
        .by_status(
            &[
                RequestStatus::Denied,
                RequestStatus::Revoked,
                RequestStatus::Expired,
                RequestStatus::Cancelled,
            ],
            OPEN_READ,
        )
        .await?;
    let recent = closed
        .iter()
        .filter(mine)
        .take(RECENT_SHOWN)
        .map(|r| view(state, r))
        .collect();
    Ok(ApproverView {
        pending,
        active_grants,
        recent,
    })
}

/// The requests among `requests` that wait for `user`'s decision: pending, on a role they
/// approve, not their own, not approved by them already.
fn waiting_for<'r>(
    state: &AppState,
    user: &SignedInUser,
    requests: &'r [StoredRequest],
) -> impl Iterator<Item = &'r StoredRequest> {
    let me = user.arn();
    let may = move |r: &&StoredRequest| may_approve(state, user, &r.role_arn);
    requests
        .iter()
        .filter(|r| r.status == RequestStatus::Pending)
        .filter(may)
        .filter(move |r| r.requester_arn != me && !r.approvals.iter().any(|a| a.approver_arn == me))
}

/// How many requests wait for `user`'s decision; `None` when the user approves nothing. Every
/// page of an approver shows it, so only the pending requests are read.
pub async fn pending_count(
    state: &AppState,
    user: &SignedInUser,
) -> Result<Option<usize>, AccessRequestError> {
    if !approves_anything(state, user) {
        return Ok(None);
    }
    let pending = state
        .access_requests
        .by_status(&[RequestStatus::Pending], OPEN_READ)
        .await?;
    Ok(Some(waiting_for(state, user, &pending).count()))
}

/// The checks every decision makes: the comment is acceptable, the request exists, the caller
/// approves its role, it is not their own, and their MFA is fresh. A refusal after the
/// request is found is audited. Returns the comment, trimmed.
async fn deciding(
    state: &AppState,
    user: &SignedInUser,
    client: ClientAddr,
    action: &str,
    id: i64,
    comment: &str,
) -> Result<String, AccessRequestError> {
    let comment = text(comment, "comment", MAX_COMMENT_CHARS)?;
    let request = load(state, id).await?;
    let refusal = if !may_approve(state, user, &request.role_arn) {
        Some("not an approver of this role")
    } else if request.requester_arn == user.arn() {
        Some("nobody decides their own request")
    } else {
        None
    };
    if let Some(why) = refusal {
        audit(
            state,
            user,
            client,
            action,
            Decision::Denied,
            json!({ "access_request": id, "role_arn": request.role_arn, "reason": why }),
        )
        .await?;
        return Err(AccessRequestError::NotAllowed);
    }
    crate::mfa::require_recent_mfa(user, DECIDE_MAX_MFA_AGE)
        .map_err(|_| AccessRequestError::StepUpRequired)?;
    Ok(comment)
}

/// Approves a pending request; the last approval needed makes it a grant from now.
pub async fn approve(
    state: &AppState,
    user: &SignedInUser,
    client: ClientAddr,
    id: i64,
    comment: &str,
) -> Result<AccessRequestView, AccessRequestError> {
    let comment = deciding(state, user, client, "AccessRequestApproved", id, comment).await?;
    let now = crate::clock::now();
    let outcome = state
        .access_requests
        .approve(id, &user.arn(), now, non_empty(&comment))
        .await?;
    let granted = match outcome {
        Approval::Recorded { granted } => granted,
        Approval::AlreadyApproved => {
            return Err(AccessRequestError::Conflict(
                "You have approved this request already; another approver must approve it too.",
            ));
        }
        Approval::NotPending => {
            return Err(AccessRequestError::Conflict(
                "This request is not pending any more.",
            ));
        }
    };
    let request = load(state, id).await?;
    audit(
        state,
        user,
        client,
        "AccessRequestApproved",
        Decision::Allowed,
        json!({
            "access_request": id,
            "role_arn": request.role_arn,
            "requester": request.requester_arn,
            "approvals": request.approvals.len(),
            "approvals_required": request.approvals_required,
            "granted": granted,
            "grant_ends_at": request.grant_ends_at,
            "comment": comment,
        }),
    )
    .await?;
    let view = view(state, &request);
    if granted {
        notify(
            state,
            Event::Approved,
            &view,
            Some(user.user_name.clone()),
            requester_email(state, &request),
            "switchrole",
        );
    }
    Ok(view)
}

/// Denies a pending request, with a comment the requester reads.
pub async fn deny(
    state: &AppState,
    user: &SignedInUser,
    client: ClientAddr,
    id: i64,
    comment: &str,
) -> Result<AccessRequestView, AccessRequestError> {
    let comment = deciding(state, user, client, "AccessRequestDenied", id, comment).await?;
    close_by_approver(
        state,
        user,
        client,
        id,
        &comment,
        RequestStatus::Pending,
        RequestStatus::Denied,
    )
    .await
}

/// Ends a grant in force: the requester's role sessions under it end at once.
pub async fn revoke(
    state: &AppState,
    user: &SignedInUser,
    client: ClientAddr,
    id: i64,
    comment: &str,
) -> Result<AccessRequestView, AccessRequestError> {
    let comment = deciding(state, user, client, "AccessGrantRevoked", id, comment).await?;
    let view = close_by_approver(
        state,
        user,
        client,
        id,
        &comment,
        RequestStatus::Approved,
        RequestStatus::Revoked,
    )
    .await?;
    // Local backend: the credentials stop working now. AWS: the console forgets them (each
    // role session checks its grant; see `session::role_sessions`).
    for key in state.access_requests.sessions(id).await? {
        if let Err(e) = state.cloud.revoke_access_key(&key).await {
            tracing::warn!("revoking the credentials of a role session under grant {id}: {e}");
        }
    }
    Ok(view)
}

async fn close_by_approver(
    state: &AppState,
    user: &SignedInUser,
    client: ClientAddr,
    id: i64,
    comment: &str,
    from: RequestStatus,
    to: RequestStatus,
) -> Result<AccessRequestView, AccessRequestError> {
    let now = crate::clock::now();
    let closed = state
        .access_requests
        .close(id, from, to, &user.arn(), now, non_empty(comment))
        .await?;
    if !closed {
        return Err(AccessRequestError::Conflict(match from {
            RequestStatus::Pending => "This request is not pending any more.",
            _ => "This grant is not in force any more.",
        }));
    }
    let request = load(state, id).await?;
    let (action, event) = match to {
        RequestStatus::Denied => ("AccessRequestDenied", Event::Denied),
        _ => ("AccessGrantRevoked", Event::Revoked),
    };
    audit(
        state,
        user,
        client,
        action,
        Decision::Info,
        json!({
            "access_request": id,
            "role_arn": request.role_arn,
            "requester": request.requester_arn,
            "comment": comment,
        }),
    )
    .await?;
    let view = view(state, &request);
    notify(
        state,
        event,
        &view,
        Some(user.user_name.clone()),
        requester_email(state, &request),
        "switchrole",
    );
    Ok(view)
}

/// Marks the grants that ran out as expired, audits and notifies each once (also with several
/// instances sweeping). Returns how many.
pub async fn expire_due(state: &AppState) -> Result<usize, AccessRequestError> {
    let expired = state
        .access_requests
        .expire_due(crate::clock::now())
        .await?;
    for request in &expired {
        let event = AuditEvent::new("AccessGrantExpired", Decision::Info)
            .actor(request.requester_arn.clone())
            .account(account_of(&request.requester_arn))
            .detail(json!({
                "access_request": request.id,
                "role_arn": request.role_arn,
                "grant_ends_at": request.grant_ends_at,
            }));
        if let Err(e) = state.audit.append(event).await {
            tracing::error!("audit of an expired access grant: {e}");
        }
        notify(
            state,
            Event::Expired,
            &view(state, request),
            None,
            requester_email(state, request),
            "switchrole",
        );
    }
    Ok(expired.len())
}

/// Sweeps expired grants every `every` until the process ends.
pub fn spawn_expiry_sweeper(state: AppState, every: Duration) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if let Err(e) = expire_due(&state).await {
                tracing::warn!("access grants: expiry sweep: {e}");
            }
        }
    })
}

/// Whether grant `id` was revoked (its role sessions end at once). A grant that expired is
/// not: its sessions' credentials end at the grant's end by themselves.
pub async fn is_revoked(state: &AppState, id: i64) -> Result<bool, StoreError> {
    Ok(state
        .access_requests
        .get(id)
        .await?
        .is_none_or(|r| r.status == RequestStatus::Revoked))
}

/// The request `id`.
async fn load(state: &AppState, id: i64) -> Result<StoredRequest, AccessRequestError> {
    state
        .access_requests
        .get(id)
        .await?
        .ok_or(AccessRequestError::NotFound)
}

/// `None` for an empty text (the store keeps no empty comment or ticket).
fn non_empty(text: &str) -> Option<&str> {
    (!text.is_empty()).then_some(text)
}

/// `111122223333` of `arn:aws:iam::111122223333:user/bob`.
fn account_of(arn: &str) -> String {
    arn.split(':').nth(4).unwrap_or_default().to_string()
}

/// A stored request as the pages show it.
pub fn view(state: &AppState, r: &StoredRequest) -> AccessRequestView {
    let now = crate::clock::now();
    let role = state.directory.role_by_arn(&r.role_arn);
    let (account_id, role_name) = match role {
        Some((account, role)) => (account.id().to_string(), role.name().to_string()),
        None => (
            account_of(&r.role_arn),
            r.role_arn
                .rsplit('/')
                .next()
                .unwrap_or_default()
                .to_string(),
        ),
    };
    let account_alias = role.and_then(|(a, _)| a.alias()).map(str::to_string);
    let label = account_alias.clone().unwrap_or_else(|| account_id.clone());
    AccessRequestView {
        id: r.id,
        requester: user_name(&r.requester_arn),
        requester_account: account_of(&r.requester_arn),
        role_arn: r.role_arn.clone(),
        display_name: catalog::display_name(role.map(|(_, role)| role), &role_name, &label),
        role_name,
        account_id,
        account_alias,
        reason: r.reason.clone(),
        ticket: r.ticket.clone(),
        duration_seconds: u64::try_from(r.duration_seconds).unwrap_or(0),
        created_at: r.created_at,
        status: r.status_at(now),
        approvals: r
            .approvals
            .iter()
            .map(|a| ApprovalView {
                approver: user_name(&a.approver_arn),
                at: a.approved_at,
                comment: a.comment.clone(),
            })
            .collect(),
        approvals_required: u8::try_from(r.approvals_required).unwrap_or(u8::MAX),
        decided_by: r.decided_by.as_deref().map(user_name),
        decided_at: r.decided_at,
        comment: r.comment.clone(),
        grant_ends_at: r.grant_ends_at,
    }
}

async fn audit(
    state: &AppState,
    user: &SignedInUser,
    client: ClientAddr,
    action: &str,
    decision: Decision,
    detail: serde_json::Value,
) -> Result<(), AccessRequestError> {
    state
        .audit
        .append(
            AuditEvent::new(action, decision)
                .actor(user.arn())
                .account(&user.account_id)
                .client(client)
                .detail(detail),
        )
        .await
        .map_err(|e| AccessRequestError::Audit(e.to_string()))
}

/// The e-mail addresses of every user who approves under `settings`.
fn approver_emails(state: &AppState, settings: &iam::directory::RequestSettings) -> Vec<String> {
    let directory = &state.directory;
    let mut out: Vec<String> = directory
        .accounts()
        .flat_map(|a| a.users().map(move |u| (a, u)))
        .filter(|(a, u)| settings.may_approve(directory, a.id(), u.name()))
        .filter_map(|(_, u)| u.email().map(str::to_string))
        .collect();
    out.sort();
    out.dedup();
    out
}

fn requester_email(state: &AppState, request: &StoredRequest) -> Vec<String> {
    state
        .directory
        .user_by_arn(&request.requester_arn)
        .and_then(|(_, u)| u.email())
        .map(|e| vec![e.to_string()])
        .unwrap_or_default()
}

fn notify(
    state: &AppState,
    event: Event,
    view: &AccessRequestView,
    by: Option<String>,
    recipients: Vec<String>,
    page: &str,
) {
    let base = state.policy.public_url.trim_end_matches('/');
    state.notifier.send(Notice {
        event,
        request: view.clone(),
        by,
        recipients,
        link: format!("{base}/{page}"),
    });
}

#[cfg(test)]
mod tests;
