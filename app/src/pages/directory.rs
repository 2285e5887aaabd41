//! The directory, for console administrators: accounts, users, groups, roles, buckets and the
//! organization's SCPs and RCPs, each policy as formatted JSON with its ARNs copyable. The
//! search is a GET form, so it works without scripts and a search can be shared.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::api::directory::load_directory;
use crate::components::copy_button::CopyButton;
use crate::components::page::{ErrorAlert, PageHeader};
use crate::pages::simulator::PolicyJson;
use types::directory::{DirectoryView, NamedDocument};
use types::links::with_query;

#[component]
pub fn DirectoryPage() -> impl IntoView {
    let params = use_query_map();
    let search = move || params.with(|q| q.get("q").unwrap_or_default());
    let data = Resource::new(search, load_directory);
    view! {
        <Title text="Directory" />
        <PageHeader eyebrow="Administration" title="Directory">
            "The accounts, users, groups, roles, buckets and organization policies the console decides with. Read-only: the directory file is the source."
        </PageHeader>
        <nav class="subnav" aria-label="Directory tools">
            <a href="/directory/access">"Access map"</a>
            <a href="/simulate">"Policy simulator"</a>
        </nav>
        <Suspense fallback=|| view! { <p class="muted">"Reading the directory…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(page) => view! { <Directory page /> }.into_any(),
                    Err(error) => view! { <ErrorAlert error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// An ARN in a table, with its copy button.
#[component]
fn Arn(arn: String) -> impl IntoView {
    let what = format!("ARN {arn}");
    view! { <code class="break">{arn.clone()}</code> <CopyButton value=arn what /> }
}

#[component]
fn Documents(documents: Vec<NamedDocument>) -> impl IntoView {
    documents
        .into_iter()
        .map(|d| {
            view! {
                <details class="policy-document">
                    <summary>{d.label}</summary>
                    <PolicyJson document=d.document />
                </details>
            }
        })
        .collect_view()
}

#[component]
fn Directory(page: DirectoryView) -> impl IntoView {
    let DirectoryView {
        search,
        accounts,
        users,
        groups,
        roles,
        buckets,
        org_policies,
    } = page;
    let nothing = accounts.is_empty()
        && users.is_empty()
        && groups.is_empty()
        && roles.is_empty()
        && buckets.is_empty()
        && org_policies.is_empty();
    view! {
        <section class="card" aria-labelledby="directory-search-heading">
            <h2 id="directory-search-heading" class="visually-hidden">"Search"</h2>
            <form method="get" action="/directory" class="filters" role="search">
                <label for="directory-search">
                    <span>"Search names and ARNs"</span>
                    <input id="directory-search" type="search" name="q" value=search.clone() placeholder="UpdateAPP, productionapp, arn:aws:iam::…" />
                </label>
                <div class="filter-actions">
                    <button type="submit" class="button primary">"Search"</button>
                    <a class="button" href="/directory">"Clear"</a>
                </div>
            </form>
        </section>
        {nothing.then(|| view! { <p class="muted" role="status">{format!("Nothing in the directory matches “{search}”.")}</p> })}
        {(!accounts.is_empty()).then(|| view! {
            <section class="card" aria-labelledby="dir-accounts">
                <h2 id="dir-accounts">{format!("Accounts ({})", accounts.len())}</h2>
                <div class="table-scroll"><table class="data-table">
                    <thead><tr><th scope="col">"Account ID"</th><th scope="col">"Alias"</th><th scope="col">"Organizational unit"</th><th scope="col">"MFA required"</th></tr></thead>
                    <tbody>
                        {accounts.into_iter().map(|a| view! {
                            <tr>
                                <th scope="row" class="mono">{a.id.clone()} <CopyButton value=a.id what="account ID" /></th>
                                <td>{a.alias.unwrap_or_else(|| "—".into())}</td>
                                <td>{a.ou.unwrap_or_else(|| "not in an organization".into())}</td>
                                <td>{if a.require_mfa { "Yes" } else { "No" }}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table></div>
            </section>
        })}
        {(!users.is_empty()).then(|| view! {
            <section class="card" aria-labelledby="dir-users">
                <h2 id="dir-users">{format!("Users ({})", users.len())}</h2>
                <div class="table-scroll"><table class="data-table">
                    <thead><tr><th scope="col">"User"</th><th scope="col">"ARN"</th><th scope="col">"Groups"</th><th scope="col">"MFA devices"</th><th scope="col">"MFA required"</th><th scope="col">"Policies"</th></tr></thead>
                    <tbody>
                        {users.into_iter().map(|u| {
                            let simulate = with_query("/directory/access", &[("user", &u.arn)]);
                            view! {
                                <tr>
                                    <th scope="row">{u.name.clone()} <span class="muted small">{format!(" · {}", u.account_id)}</span></th>
                                    <td><Arn arn=u.arn /></td>
                                    <td>{if u.groups.is_empty() { "—".to_string() } else { u.groups.join(", ") }}</td>
                                    <td>{u.mfa_devices}</td>
                                    <td>{if u.require_mfa { "Yes" } else { "No" }}</td>
                                    <td>
                                        <Documents documents=u.policies />
                                        {u.boundary.map(|b| view! { <p class="small">"Boundary:"</p> <Documents documents=vec![b] /> })}
                                        <a class="small" href=simulate>{format!("Where can {} go?", u.name)}</a>
                                    </td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table></div>
            </section>
        })}
        {(!groups.is_empty()).then(|| view! {
            <section class="card" aria-labelledby="dir-groups">
                <h2 id="dir-groups">{format!("Groups ({})", groups.len())}</h2>
                {groups.into_iter().map(|g| view! {
                    <article class="directory-entry" aria-label=format!("Group {}", g.name)>
                        <h3>{g.name.clone()} <span class="muted small">{format!(" · {}", g.account_id)}</span></h3>
                        <p><Arn arn=g.arn /></p>
                        <Documents documents=g.policies />
                    </article>
                }).collect_view()}
            </section>
        })}
        {(!roles.is_empty()).then(|| view! {
            <section class="card" aria-labelledby="dir-roles">
                <h2 id="dir-roles">{format!("Roles ({})", roles.len())}</h2>
                {roles.into_iter().map(|r| {
                    let who = with_query("/directory/access", &[("role", &r.arn)]);
                    let label = format!("Role {} in {}", r.name, r.account_id);
                    view! {
                        <article class="directory-entry" aria-label=label>
                            <h3>{r.name.clone()} <span class="muted small">{format!(" · {}", r.account_id)}</span></h3>
                            <p><Arn arn=r.arn /></p>
                            <dl class="facts">
                                <dt>"Path"</dt><dd class="mono">{r.path}</dd>
                                <dt>"Maximum session duration"</dt><dd>{r.max_session_duration}</dd>
                                {r.requests.map(|text| view! { <dt>"Access requests"</dt><dd>{text}</dd> })}
                            </dl>
                            <h4>"Trust policy"</h4>
                            <PolicyJson document=r.trust.document />
                            <h4>"Permission policies"</h4>
                            <Documents documents=r.permissions />
                            {r.boundary.map(|b| view! { <h4>"Permissions boundary"</h4> <Documents documents=vec![b] /> })}
                            <a class="small" href=who>{format!("Who can switch to {}?", r.name)}</a>
                        </article>
                    }
                }).collect_view()}
            </section>
        })}
        {(!buckets.is_empty()).then(|| view! {
            <section class="card" aria-labelledby="dir-buckets">
                <h2 id="dir-buckets">{format!("Buckets ({})", buckets.len())}</h2>
                {buckets.into_iter().map(|b| view! {
                    <article class="directory-entry" aria-label=format!("Bucket {}", b.name)>
                        <h3>{b.name.clone()} <span class="muted small">{format!(" · owned by {}", b.owner)}</span></h3>
                        <p><Arn arn=b.arn /></p>
                        {match b.policy {
                            Some(policy) => view! { <h4>"Bucket policy"</h4> <PolicyJson document=policy.document /> }.into_any(),
                            None => view! { <p class="muted small">"No bucket policy."</p> }.into_any(),
                        }}
                    </article>
                }).collect_view()}
            </section>
        })}
        {(!org_policies.is_empty()).then(|| view! {
            <section class="card" aria-labelledby="dir-org">
                <h2 id="dir-org">{format!("Organization policies ({})", org_policies.len())}</h2>
                {org_policies.into_iter().map(|p| {
                    let label = format!("{} {}", p.kind, p.name);
                    view! {
                    <article class="directory-entry" aria-label=label>
                        <h3>{p.name.clone()} <span class="badge">{p.kind}</span></h3>
                        {p.description.map(|d| view! { <p class="muted">{d}</p> })}
                        <p class="small">{format!("Attached to: {}", p.targets.join(", "))}</p>
                        <PolicyJson document=p.document />
                    </article>
                }}).collect_view()}
            </section>
        })}
    }
}
