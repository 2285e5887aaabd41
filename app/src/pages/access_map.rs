//! The access map, for console administrators: a table with a row per user and a column per
//! role, each cell the engine's answer (Can switch, Needs MFA, Cannot switch) and a link to
//! its explanation. The filters and the explained cell live in the URL (a GET form and plain
//! links), so the page works without scripts and a view can be shared.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::api::access_map::load_access_map;
use crate::components::explanation::ExplanationLines;
use crate::components::page::{ErrorAlert, PageHeader};
use types::access_map::{AccessMapView, CellExplanation};
use types::links::with_query;

#[derive(Clone, Debug, PartialEq, Default)]
struct Query {
    role: String,
    user: String,
    explain_user: String,
    explain_role: String,
}

impl Query {
    fn url(&self, explain_user: &str, explain_role: &str) -> String {
        with_query(
            "/directory/access",
            &[
                ("role", &self.role),
                ("user", &self.user),
                ("explain_user", explain_user),
                ("explain_role", explain_role),
            ],
        )
    }
}

#[component]
pub fn AccessMapPage() -> impl IntoView {
    let params = use_query_map();
    let query = move || {
        params.with(|q| Query {
            role: q.get("role").unwrap_or_default(),
            user: q.get("user").unwrap_or_default(),
            explain_user: q.get("explain_user").unwrap_or_default(),
            explain_role: q.get("explain_role").unwrap_or_default(),
        })
    };
    let data = Resource::new(query, |q| {
        load_access_map(q.role, q.user, q.explain_user, q.explain_role)
    });
    view! {
        <Title text="Access map" />
        <PageHeader eyebrow="Administration" title="Access map">
            "Who can switch to which role, as the IAM engine decides it now: identity policies, permissions boundaries, trust policies and SCPs. Select a cell for its explanation."
        </PageHeader>
        <Suspense fallback=|| view! { <p class="muted">"Computing the access map…"</p> }>
            {move || Suspend::new(async move {
                let q = query();
                match data.await {
                    Ok(map) => view! { <MapView map query=q /> }.into_any(),
                    Err(error) => view! { <ErrorAlert error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn MapView(map: AccessMapView, query: Query) -> impl IntoView {
    let heading = match (
        map.all_roles.iter().find(|r| r.arn == query.role),
        map.all_users.iter().find(|u| u.arn == query.user),
    ) {
        (Some(role), None) => format!("Who can switch to {} in {}?", role.name, role.account_label),
        (None, Some(user)) => format!("Where can {} go?", user.name),
        (Some(role), Some(user)) => format!("Can {} switch to {}?", user.name, role.name),
        (None, None) => "Every user and role".to_string(),
    };
    let csv = with_query(
        "/directory/access.csv",
        &[("role", &query.role), ("user", &query.user)],
    );
    let chosen_role = query.role.clone();
    let chosen_user = query.user.clone();
    let AccessMapView {
        users,
        roles,
        cells,
        all_users,
        all_roles,
        explanation,
    } = map;
    view! {
        <section class="card" aria-labelledby="map-filters-heading">
            <h2 id="map-filters-heading" class="visually-hidden">"Filters"</h2>
            <form method="get" action="/directory/access" class="filters">
                <label for="map-role">
                    <span>"Role"</span>
                    <select id="map-role" name="role">
                        <option value="">"Every role"</option>
                        {all_roles.into_iter().map(|r| {
                            let selected = r.arn == chosen_role;
                            view! { <option value=r.arn.clone() selected=selected>{format!("{} in {}", r.name, r.account_label)}</option> }
                        }).collect_view()}
                    </select>
                </label>
                <label for="map-user">
                    <span>"User"</span>
                    <select id="map-user" name="user">
                        <option value="">"Every user"</option>
                        {all_users.into_iter().map(|u| {
                            let selected = u.arn == chosen_user;
                            view! { <option value=u.arn.clone() selected=selected>{format!("{} ({})", u.name, u.account_id)}</option> }
                        }).collect_view()}
                    </select>
                </label>
                <div class="filter-actions">
                    <button type="submit" class="button primary">"Show"</button>
                    <a class="button" href="/directory/access">"Clear"</a>
                    <a class="button" href=csv download="">"Download CSV"</a>
                </div>
            </form>
        </section>
        {explanation.map(|e| view! { <Explanation explanation=e /> })}
        <section class="card" aria-labelledby="map-heading">
            <h2 id="map-heading">{heading.clone()}</h2>
            <div class="table-scroll">
                <table class="access-map">
                    <caption class="visually-hidden">{heading}</caption>
                    <thead>
                        <tr>
                            <th scope="col">"User"</th>
                            {roles.iter().map(|r| view! {
                                <th scope="col" title=r.arn.clone()>{r.name.clone()} <span class="muted small">{format!(" · {}", r.account_label)}</span></th>
                            }).collect_view()}
                        </tr>
                    </thead>
                    <tbody>
                        {users.iter().zip(cells).map(|(user, row)| {
                            let cells = roles.iter().zip(row).map(|(role, label)| {
                                let class = match label.as_str() {
                                    "Can switch" => "reach can",
                                    "Needs MFA" => "reach mfa",
                                    _ => "reach cannot",
                                };
                                let href = query.url(&user.arn, &role.arn);
                                view! { <td class=class><a href=href>{label}</a></td> }
                            }).collect_view();
                            view! {
                                <tr>
                                    <th scope="row" title=user.arn.clone()>{user.name.clone()} <span class="muted small">{format!(" · {}", user.account_id)}</span></th>
                                    {cells}
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
        </section>
    }
}

#[component]
fn Explanation(explanation: CellExplanation) -> impl IntoView {
    let title = format!(
        "{} → {} in {}: {}",
        explanation.user.name,
        explanation.role.name,
        explanation.role.account_label,
        explanation.reach
    );
    view! {
        <section class="card explanation" role="region" aria-label="Explanation">
            <h2>{title}</h2>
            <p class="muted small mono break">{format!("{} · sts:AssumeRole · {}", explanation.user.arn, explanation.role.arn)}</p>
            <h3>{format!("As the user is now (no MFA): {}", explanation.decision)}</h3>
            <ExplanationLines lines=explanation.lines />
            {explanation.with_mfa.map(|(decision, lines)| view! {
                <h3>{format!("With a fresh MFA: {decision}")}</h3>
                <ExplanationLines lines />
            })}
        </section>
    }
}
