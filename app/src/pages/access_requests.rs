//! Access requests, for approvers: pending requests to approve or deny (with a comment),
//! grants in force to revoke, and the latest decisions. Every decision needs an MFA of the last
//! five minutes: the step-up dialog asks for one and the decision is sent again.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::access_requests::{decide_access_request, load_approver_view};
use crate::components::page::{PageHeader, error_message, is_step_up_required};
use crate::components::step_up::StepUpDialog;
use types::access_requests::{AccessRequestView, ApproverView, duration_label, utc_time};

/// A decision waiting for a step-up: request, decision, comment.
type Pending = (i64, String, String);

#[component]
pub fn AccessRequestsPage() -> impl IntoView {
    let version = RwSignal::new(0u32);
    let data = Resource::new(move || version.get(), |_| load_approver_view());
    let notice = RwSignal::new(None::<String>);
    let error = RwSignal::new(None::<String>);
    let step_up_open = RwSignal::new(false);
    let waiting = RwSignal::new(None::<Pending>);
    let decide = Callback::new(move |(id, decision, comment): Pending| {
        notice.set(None);
        error.set(None);
        leptos::task::spawn_local(async move {
            match decide_access_request(id, decision.clone(), comment.clone()).await {
                Ok(request) => {
                    waiting.set(None);
                    notice.set(Some(match decision.as_str() {
                        "approve" => format!(
                            "Request {} by {}: {}.",
                            request.id,
                            request.requester,
                            request.status_text()
                        ),
                        "deny" => format!("Request {} by {} was denied.", request.id, request.requester),
                        _ => format!(
                            "The access grant of request {} was revoked: {}'s role sessions under it have ended.",
                            request.id, request.requester
                        ),
                    }));
                    version.update(|v| *v += 1);
                }
                Err(e) if is_step_up_required(&e) => {
                    waiting.set(Some((id, decision, comment)));
                    step_up_open.set(true);
                }
                Err(e) => {
                    error.set(Some(error_message(&e)));
                    version.update(|v| *v += 1);
                }
            }
        });
    });
    let resume = move |()| {
        if let Some(pending) = waiting.get_untracked() {
            decide.run(pending);
        }
    };
    view! {
        <Title text="Access requests" />
        <PageHeader eyebrow="Approvals" title="Access requests">
            "Requests for roles you approve. An approved request lets its requester switch to the role until the grant ends; revoke a grant to end it early. Deciding asks for your MFA."
        </PageHeader>
        {move || notice.get().map(|m| view! { <div class="alert success" role="status">{m}</div> })}
        {move || error.get().map(|m| view! { <div class="alert error" role="alert">{m}</div> })}
        <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(view) => view! { <Lists view decide /> }.into_any(),
                    Err(e) => view! { <div class="alert error" role="alert">{error_message(&e)}</div> }.into_any(),
                }
            })}
        </Suspense>
        <StepUpDialog open=step_up_open on_verified=Callback::new(resume) />
    }
}

#[component]
fn Lists(view: ApproverView, decide: Callback<Pending>) -> impl IntoView {
    let ApproverView {
        pending,
        active_grants,
        recent,
    } = view;
    view! {
        <section class="card" role="region" aria-labelledby="pending-heading">
            <h2 id="pending-heading">{format!("Pending requests ({})", pending.len())}</h2>
            {pending.is_empty().then(|| view! { <p class="muted">"No request waits for your decision."</p> })}
            <ul class="request-list">
                {pending.into_iter().map(|request| view! {
                    <RequestCard request decide actions=&[("approve", "Approve", "button primary"), ("deny", "Deny", "button danger")] />
                }).collect_view()}
            </ul>
        </section>
        <section class="card" role="region" aria-labelledby="grants-heading">
            <h2 id="grants-heading">"Active grants"</h2>
            {active_grants.is_empty().then(|| view! { <p class="muted">"No grant is in force."</p> })}
            <ul class="request-list">
                {active_grants.into_iter().map(|request| view! {
                    <RequestCard request decide actions=&[("revoke", "Revoke", "button danger")] />
                }).collect_view()}
            </ul>
        </section>
        <section class="card" role="region" aria-labelledby="recent-heading">
            <h2 id="recent-heading">"Recent decisions"</h2>
            {recent.is_empty().then(|| view! { <p class="muted">"Nothing decided yet."</p> })}
            <ul class="request-list">
                {recent.into_iter().map(|request| view! { <RequestCard request decide actions=&[] /> }).collect_view()}
            </ul>
        </section>
    }
}

/// One request: who wants what, why, for how long; the comment field and the buttons of
/// `actions` (decision, label, class).
#[component]
fn RequestCard(
    request: AccessRequestView,
    decide: Callback<Pending>,
    actions: &'static [(&'static str, &'static str, &'static str)],
) -> impl IntoView {
    let comment = RwSignal::new(String::new());
    let id = request.id;
    let comment_id = format!("comment-{id}");
    let title = format!(
        "Request {} by {}: {} in {}",
        request.id,
        request.requester,
        request.role_name,
        request.account_label()
    );
    view! {
        <li class="request" role="article" aria-label=title.clone()>
            <div class="grow">
                <div class="role-name">{title.clone()} " " <span class="status">{request.status_text()}</span></div>
                <dl class="request-facts small">
                    <dt>"Requester"</dt><dd>{format!("{} ({})", request.requester, request.requester_account)}</dd>
                    <dt>"Role"</dt><dd class="mono break">{request.role_arn.clone()}</dd>
                    <dt>"Account"</dt><dd>{format!("{} ({})", request.account_label(), request.account_id)}</dd>
                    <dt>"Reason"</dt><dd>{if request.reason.is_empty() { "—".to_string() } else { request.reason.clone() }}</dd>
                    <dt>"Ticket"</dt><dd class="mono">{request.ticket.clone().unwrap_or_else(|| "—".to_string())}</dd>
                    <dt>"Duration"</dt><dd>{duration_label(request.duration_seconds)}</dd>
                    <dt>"Asked"</dt><dd>{utc_time(request.created_at)}</dd>
                    {(!request.approvals.is_empty()).then(|| view! {
                        <dt>"Approved by"</dt>
                        <dd>{request.approvals.iter().map(|a| a.approver.clone()).collect::<Vec<_>>().join(", ")}</dd>
                    })}
                    {request.decided_by.clone().filter(|_| actions.is_empty()).map(|by| view! {
                        <dt>"Decided by"</dt>
                        <dd>{by}{request.comment.clone().map(|c| format!(": {c}"))}</dd>
                    })}
                </dl>
            </div>
            {(!actions.is_empty()).then(|| view! {
                <div class="decision">
                    <label for=comment_id.clone()>"Comment"</label>
                    <textarea id=comment_id.clone() rows="2" maxlength="500"
                        prop:value=move || comment.get()
                        on:input=move |ev| comment.set(event_target_value(&ev))></textarea>
                    <div class="button-row">
                        {actions.iter().map(|(decision, label, class)| {
                            let decision = decision.to_string();
                            view! {
                                <button type="button" class=*class
                                    on:click=move |_| decide.run((id, decision.clone(), comment.get_untracked()))>
                                    {*label}
                                </button>
                            }
                        }).collect_view()}
                    </div>
                </div>
            })}
        </li>
    }
}
