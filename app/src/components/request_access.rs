//! The Switch Role page's just-in-time access: "Roles you can request" (each with its Request
//! access form) and "My requests" with their status, which the requester may cancel while
//! pending.

use leptos::prelude::*;

use crate::api::access_requests::{
    cancel_access_request, load_my_requests, load_requestable_roles, submit_access_request,
};
use crate::components::page::error_message;
use types::access_requests::{
    AccessRequestView, MAX_REASON_CHARS, MAX_TICKET_CHARS, RequestStatus, RequestableRole,
    duration_label, utc_time,
};
use types::error::ConsoleError;
use types::identity::grouped_account_id;

/// Both regions; they refresh together after a request is sent or cancelled.
#[component]
pub fn AccessRequestSections() -> impl IntoView {
    let version = RwSignal::new(0u32);
    let roles = Resource::new(move || version.get(), |_| load_requestable_roles());
    let mine = Resource::new(move || version.get(), |_| load_my_requests());
    let notice = RwSignal::new(None::<String>);
    let changed = Callback::new(move |message: String| {
        notice.set(Some(message));
        version.update(|v| *v += 1);
    });
    view! {
        {move || notice.get().map(|m| view! { <div class="alert success" role="status">{m}</div> })}
        <Suspense>
            {move || Suspend::new(async move {
                let roles = roles.await.unwrap_or_default();
                (!roles.is_empty()).then(|| view! {
                    <section class="card request-card" role="region" aria-labelledby="requestable-heading">
                        <h2 id="requestable-heading">"Roles you can request"</h2>
                        <p class="muted small">
                            "You cannot switch to these roles now. Ask for one: an approver decides, and an approved request lets you switch for the time granted."
                        </p>
                        <ul class="role-list">
                            {roles.into_iter().map(|role| view! { <RequestableItem role changed /> }).collect_view()}
                        </ul>
                    </section>
                })
            })}
        </Suspense>
        <Suspense>
            {move || Suspend::new(async move {
                let mine = mine.await.unwrap_or_default();
                (!mine.is_empty()).then(|| view! {
                    <section class="card request-card" role="region" aria-labelledby="my-requests-heading">
                        <h2 id="my-requests-heading">"My requests"</h2>
                        <ul class="request-list">
                            {mine.into_iter().map(|request| view! { <MyRequest request changed /> }).collect_view()}
                        </ul>
                    </section>
                })
            })}
        </Suspense>
    }
}

#[component]
fn RequestableItem(role: RequestableRole, changed: Callback<String>) -> impl IntoView {
    let open = RwSignal::new(false);
    let error = RwSignal::new(None::<ConsoleError>);
    let busy = RwSignal::new(false);
    let reason = RwSignal::new(String::new());
    let ticket = RwSignal::new(String::new());
    let default_duration = role
        .durations
        .iter()
        .copied()
        .find(|d| *d == 3600)
        .or(role.durations.first().copied())
        .unwrap_or(3600);
    let duration = RwSignal::new(default_duration.to_string());
    let id = format!("request-{}", role.role_arn.replace([':', '/'], "-"));
    let describe_id = format!("{id}-role");
    let role_arn = StoredValue::new(role.role_arn.clone());
    let label = format!(
        "{} ({} in {})",
        role.display_name,
        role.role_name,
        role.account_label()
    );
    let field_error = move |name: &'static str| {
        move || match error.get() {
            Some(ConsoleError::Invalid { field, message }) if field == name => Some(message),
            _ => None,
        }
    };
    let general_error = move || match error.get() {
        Some(ConsoleError::Invalid { field, message })
            if !["reason", "duration", "ticket"].contains(&field.as_str()) =>
        {
            Some(message)
        }
        Some(ConsoleError::Invalid { .. }) | None => None,
        Some(other) => Some(error_message(&other)),
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        busy.set(true);
        error.set(None);
        let (arn, r, d, t) = (
            role_arn.get_value(),
            reason.get_untracked(),
            duration.get_untracked(),
            ticket.get_untracked(),
        );
        leptos::task::spawn_local(async move {
            match submit_access_request(arn, r, d, t).await {
                Ok(request) => {
                    busy.set(false);
                    open.set(false);
                    changed.run(format!(
                        "Your request for {} in {} was sent to its approvers.",
                        request.role_name,
                        request.account_label()
                    ));
                }
                Err(e) => {
                    busy.set(false);
                    error.set(Some(e));
                }
            }
        });
    };
    let reason_id = format!("{id}-reason");
    let duration_id = format!("{id}-duration");
    let ticket_id = format!("{id}-ticket");
    let durations = role.durations.clone();
    let require_reason = role.require_reason;
    view! {
        <li class="requestable">
            <span class="swatch-chip" style:background-color=role.color.clone() aria-hidden="true"></span>
            <div class="grow">
                <div class="role-name" id=describe_id.clone()>{label.clone()}</div>
                <div class="muted small">
                    <span class="mono">{grouped_account_id(&role.account_id)}</span>
                    " · at most " {role.durations.last().map(|d| duration_label(*d)).unwrap_or_default()}
                    " · " {match role.approvals_required { 1 => "1 approval".to_string(), n => format!("{n} approvals") }}
                </div>
                <div class="muted small mono break">{role.role_arn.clone()}</div>
                {role.pending.then(|| view! { <p class="muted small">"You have a pending request for this role."</p> })}
            </div>
            <button type="button" class="button small" aria-describedby=describe_id
                aria-expanded=move || if open.get() { "true" } else { "false" }
                on:click=move |_| open.update(|o| *o = !*o)>
                "Request access"
            </button>
            <Show when=move || open.get()>
                <form class="form request-form" on:submit=submit aria-label=format!("Request access: {label}")>
                    {move || general_error().map(|m| view! { <div class="alert error" role="alert">{m}</div> })}
                    <label for=reason_id.clone()>{if require_reason { "Reason" } else { "Reason (optional)" }}</label>
                    <textarea id=reason_id.clone() name="reason" rows="3" maxlength=MAX_REASON_CHARS.to_string()
                        required=require_reason
                        aria-invalid=move || if field_error("reason")().is_some() { "true" } else { "false" }
                        prop:value=move || reason.get()
                        on:input=move |ev| reason.set(event_target_value(&ev))></textarea>
                    <p class="field-error" role="alert">{field_error("reason")}</p>
                    <label for=duration_id.clone()>"Duration"</label>
                    <select id=duration_id.clone() name="duration"
                        on:change=move |ev| duration.set(event_target_value(&ev))>
                        {durations.iter().map(|d| {
                            let value = d.to_string();
                            let selected = *d == default_duration;
                            view! { <option value=value selected=selected>{duration_label(*d)}</option> }
                        }).collect_view()}
                    </select>
                    <p class="field-error" role="alert">{field_error("duration")}</p>
                    <label for=ticket_id.clone()>"Ticket"</label>
                    <input id=ticket_id.clone() name="ticket" type="text" maxlength=MAX_TICKET_CHARS.to_string()
                        placeholder="Optional, e.g. OPS-1234"
                        prop:value=move || ticket.get()
                        on:input=move |ev| ticket.set(event_target_value(&ev)) />
                    <p class="field-error" role="alert">{field_error("ticket")}</p>
                    <div class="form-actions">
                        <button type="submit" class="button primary" disabled=move || busy.get()>
                            {move || if busy.get() { "Submitting…" } else { "Submit request" }}
                        </button>
                        <button type="button" class="button subtle" on:click=move |_| open.set(false)>"Cancel"</button>
                    </div>
                </form>
            </Show>
        </li>
    }
}

#[component]
fn MyRequest(request: AccessRequestView, changed: Callback<String>) -> impl IntoView {
    let error = RwSignal::new(None::<String>);
    let id = request.id;
    let cancel = move |_| {
        leptos::task::spawn_local(async move {
            match cancel_access_request(id).await {
                Ok(()) => changed.run("Your request was cancelled.".to_string()),
                Err(e) => error.set(Some(error_message(&e))),
            }
        });
    };
    let status_class = match request.status {
        RequestStatus::Approved => "status approved",
        RequestStatus::Pending => "status pending",
        _ => "status closed",
    };
    view! {
        <li class="request" aria-label=format!("Request {} for {} in {}", request.id, request.role_name, request.account_label())>
            <div class="grow">
                <div class="role-name">
                    {format!("{} ({} in {})", request.display_name, request.role_name, request.account_label())}
                    " " <span class=status_class>{request.status_text()}</span>
                </div>
                <div class="muted small">
                    {format!("Request {} · {} · asked {}", request.id, duration_label(request.duration_seconds), utc_time(request.created_at))}
                    {request.ticket.clone().map(|t| view! { " · ticket " <span class="mono">{t}</span> })}
                </div>
                {(!request.reason.is_empty()).then(|| view! { <p class="small">"Reason: " {request.reason.clone()}</p> })}
                {request.decided_by.clone().filter(|_| matches!(request.status, RequestStatus::Denied | RequestStatus::Revoked)).map(|by| view! {
                    <p class="small">
                        {format!("{} by {by}", if request.status == RequestStatus::Denied { "Denied" } else { "Revoked" })}
                        {request.comment.clone().map(|c| view! { ": " <q class="comment">{c}</q> })}
                    </p>
                })}
                {move || error.get().map(|m| view! { <div class="alert error" role="alert">{m}</div> })}
            </div>
            {(request.status == RequestStatus::Pending).then(|| view! {
                <button type="button" class="button small" on:click=cancel>"Cancel request"</button>
            })}
        </li>
    }
}
