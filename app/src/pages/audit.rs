//! The audit trail, for console administrators: filters (user, action, decision, time), paging
//! back in time, and CSV / JSON exports of what the filters select.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::api::audit::load_audit;
use crate::components::page::{ErrorAlert, PageHeader};
use types::audit_query::{AuditPage, AuditQuery, AuditRow};

#[component]
pub fn AuditPageView() -> impl IntoView {
    let params = use_query_map();
    let query = move || {
        params.with(|q| AuditQuery {
            user: q.get("user").unwrap_or_default(),
            action: q.get("action").unwrap_or_default(),
            decision: q.get("decision").unwrap_or_default(),
            from: q.get("from").unwrap_or_default(),
            to: q.get("to").unwrap_or_default(),
            before: q.get("before").unwrap_or_default(),
        })
    };
    let page = Resource::new(query, |q| {
        load_audit(q.user, q.action, q.decision, q.from, q.to, q.before)
    });
    view! {
        <Title text="Audit trail" />
        <PageHeader eyebrow="Administration" title="Audit trail">
            "Every sign-in, MFA event, role switch (allowed or denied, with the reason), switch back and renew, newest first. "
            "The trail is append-only: nothing here can be changed or deleted."
        </PageHeader>
        <Suspense fallback=|| view! { <p class="muted">"Loading the audit trail…"</p> }>
            {move || Suspend::new(async move {
                let q = query();
                match page.await {
                    Ok(page) => view! { <AuditFilters query=q.clone() actions=page.actions.clone() /> <AuditTable page query=q /> }.into_any(),
                    Err(error) => view! {
                        <AuditFilters query=q actions=Vec::new() />
                        <ErrorAlert error />
                    }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// A GET form: the filters live in the URL, so a filtered view can be bookmarked or shared.
#[component]
fn AuditFilters(query: AuditQuery, actions: Vec<String>) -> impl IntoView {
    let export = query.to_query_string(false);
    let csv = format!("/audit/export.csv?{export}");
    let json = format!("/audit/export.json?{export}");
    let chosen_action = query.action.clone();
    let chosen_decision = query.decision.clone();
    view! {
        <section class="card" aria-labelledby="audit-filters-heading">
            <h2 id="audit-filters-heading" class="visually-hidden">"Filters"</h2>
            <form method="get" action="/audit" class="filters">
                <label>
                    <span>"User"</span>
                    <input type="search" name="user" value=query.user.clone() placeholder="e.g. alice" />
                </label>
                <label>
                    <span>"Action"</span>
                    <select name="action">
                        <option value="">"Any action"</option>
                        {actions.into_iter().map(|a| {
                            let selected = a == chosen_action;
                            view! { <option value=a.clone() selected=selected>{a.clone()}</option> }
                        }).collect_view()}
                    </select>
                </label>
                <label>
                    <span>"Decision"</span>
                    <select name="decision">
                        {[("", "Any decision"), ("Allowed", "Allowed"), ("Denied", "Denied"), ("Info", "Info")].into_iter().map(|(value, text)| {
                            let selected = value == chosen_decision;
                            view! { <option value=value selected=selected>{text}</option> }
                        }).collect_view()}
                    </select>
                </label>
                <label>
                    <span>"From (UTC)"</span>
                    <input type="datetime-local" name="from" value=query.from.clone() />
                </label>
                <label>
                    <span>"To (UTC)"</span>
                    <input type="datetime-local" name="to" value=query.to.clone() />
                </label>
                <div class="button-row">
                    <button type="submit" class="button primary">"Apply filters"</button>
                    <a class="button subtle" href="/audit">"Clear"</a>
                </div>
            </form>
            <p class="export-links">
                "Export what the filters select: "
                <a class="button" href=csv download="audit-trail.csv">"Download CSV"</a>
                " "
                <a class="button" href=json download="audit-trail.json">"Download JSON"</a>
            </p>
        </section>
    }
}

#[component]
fn AuditTable(page: AuditPage, query: AuditQuery) -> impl IntoView {
    let newer = (!query.before.is_empty()).then(|| {
        let first = AuditQuery {
            before: String::new(),
            ..query.clone()
        };
        format!("/audit?{}", first.to_query_string(false))
    });
    let older = page.next_before.map(|id| {
        let next = AuditQuery {
            before: id.to_string(),
            ..query.clone()
        };
        format!("/audit?{}", next.to_query_string(true))
    });
    let count = page.rows.len();
    view! {
        <section class="card" aria-labelledby="audit-events-heading">
            <h2 id="audit-events-heading">"Events"</h2>
            {if page.rows.is_empty() {
                view! { <p class="muted">"No event matches these filters."</p> }.into_any()
            } else {
                view! {
                    <div class="table-scroll">
                        <table class="data-table audit-table">
                            <thead>
                                <tr>
                                    <th scope="col">"Time (UTC)"</th>
                                    <th scope="col">"User"</th>
                                    <th scope="col">"Action"</th>
                                    <th scope="col">"Decision"</th>
                                    <th scope="col">"Client"</th>
                                    <th scope="col">"Details"</th>
                                </tr>
                            </thead>
                            <tbody>
                                {page.rows.into_iter().map(|row| view! { <AuditRowView row /> }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                }.into_any()
            }}
            <nav class="pager" aria-label="Audit pages">
                <span class="muted small">{format!("{count} event{} shown", if count == 1 { "" } else { "s" })}</span>
                {newer.map(|href| view! { <a class="button" href=href>"Newest"</a> })}
                {older.map(|href| view! { <a class="button" href=href>"Older events"</a> })}
            </nav>
        </section>
    }
}

#[component]
fn AuditRowView(row: AuditRow) -> impl IntoView {
    let decision_class = format!("badge decision-{}", row.decision.to_lowercase());
    let at = row.at.replace('T', " ").trim_end_matches('Z').to_string();
    view! {
        <tr>
            <td class="mono nowrap">{at}</td>
            <td class="mono break">{row.actor}</td>
            <td>{row.action}</td>
            <td><span class=decision_class>{row.decision}</span></td>
            <td class="mono">{row.client_ip}</td>
            <td>
                <details>
                    <summary>{row.summary}</summary>
                    <pre class="detail-json">{row.detail}</pre>
                </details>
                {row.explainable.then(|| {
                    let href = format!("/simulate?event={}", row.id);
                    let label = format!("Explain event {}", row.id);
                    view! { <a class="button small" href=href aria-label=label>"Explain"</a> }
                })}
            </td>
        </tr>
    }
}
