//! The console home: who you are, and what you can do from here.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::identity::{
    ConsoleContextResource, IdentitySummary, RoleSummary, grouped_account_id,
};
use crate::api::roles::{load_role_catalog, load_role_permissions};
use crate::tab::{tab_href, tab_session};
use types::role_permissions::{PermissionStatement, action_in_words, resource_in_words};

#[component]
pub fn HomePage() -> impl IntoView {
    let context = expect_context::<ConsoleContextResource>();
    view! {
        <Title text="Console home" />
        <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match context.await.ok().and_then(|c| c.identity) {
                    Some(identity) => view! { <Overview identity /> }.into_any(),
                    // The server redirects signed-out visitors before this renders; this is
                    // what a page shows if the session ended in between.
                    None => view! {
                        <section class="card narrow">
                            <h1>"You are signed out"</h1>
                            <a class="button primary" href="/signin">"Sign in"</a>
                        </section>
                    }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Overview(identity: IdentitySummary) -> impl IntoView {
    let groups = if identity.groups.is_empty() {
        "none".to_string()
    } else {
        identity.groups.join(", ")
    };
    view! {
        <div class="page-header">
            <p class="eyebrow">"Console home"</p>
            <h1>"Welcome, " {identity.user_name.clone()}</h1>
            {match identity.role.clone() {
                Some(role) => view! {
                    <p class="muted">
                        "You are working as the role " <strong>{role.role_name.clone()}</strong> " in the "
                        <strong>{role.account_label().to_string()}</strong>
                        " account. Only the role's permissions apply; your own are suspended until you switch back."
                    </p>
                }.into_any(),
                None => view! {
                    <p class="muted">
                        "You are signed in with your own permissions as an IAM user of the "
                        <strong>{identity.account_label().to_string()}</strong> " account."
                    </p>
                }.into_any(),
            }}
        </div>
        <div class="grid two">
            <section class="card" aria-labelledby="identity-heading">
                <h2 id="identity-heading">"Your identity"</h2>
                <dl class="details">
                    <dt>"User name"</dt>
                    <dd>{identity.user_name.clone()}</dd>
                    <dt>"Account"</dt>
                    <dd>{identity.account_label().to_string()}</dd>
                    <dt>"Account ID"</dt>
                    <dd class="mono">{grouped_account_id(&identity.account_id)}</dd>
                    <dt>"Groups"</dt>
                    <dd>{groups}</dd>
                    <dt>"ARN"</dt>
                    <dd class="mono break">{identity.arn()}</dd>
                </dl>
            </section>
            {match identity.role.clone() {
                Some(role) => view! { <WhatTheRoleMayDo role /> }.into_any(),
                None => view! { <RolesYouCanSwitchTo /> }.into_any(),
            }}
            <section class="card" aria-labelledby="actions-heading">
                <h2 id="actions-heading">"What you can do"</h2>
                <ul class="action-list">
                    <li>
                        <a href=tab_href("/switchrole")>"Switch role"</a>
                        <span class="muted">" — work in another account with a role's temporary permissions. Your own permissions are suspended while you hold the role."</span>
                    </li>
                    <li>
                        <a href=tab_href("/s3")>"Buckets"</a>
                        <span class="muted">" — browse, upload, download and delete objects in the buckets your role (or your own permissions) allows."</span>
                    </li>
                    <li>
                        <a href=tab_href("/security-credentials")>"Security credentials"</a>
                        <span class="muted">" — add an authenticator app or a security key. Roles that require MFA trust only sessions that used one."</span>
                    </li>
                </ul>
            </section>
        </div>
    }
}

#[component]
fn RolesYouCanSwitchTo() -> impl IntoView {
    let roles = Resource::new(|| (), |_| load_role_catalog());
    view! {
        <section class="card" aria-labelledby="roles-heading">
            <h2 id="roles-heading">"Roles you can switch to"</h2>
            <Suspense fallback=|| view! { <p class="muted">"Checking your permissions…"</p> }>
                {move || Suspend::new(async move {
                    match roles.await {
                        Ok(roles) if roles.is_empty() => view! {
                            <p class="muted">
                                "Your permissions do not allow switching to any role of this organisation. "
                                "Ask an administrator if you need one."
                            </p>
                        }.into_any(),
                        Ok(roles) => view! {
                            <ul class="role-list">
                                {roles.into_iter().map(|role| {
                                    let account = role.account_alias.clone().unwrap_or_else(|| role.account_id.clone());
                                    view! {
                                        <li>
                                            <div>
                                                <div class="role-name">{role.role.clone()}</div>
                                                <div class="muted small">
                                                    {account} " · " <span class="mono">{grouped_account_id(&role.account_id)}</span>
                                                    {role.needs_mfa.then_some(" · needs MFA")}
                                                </div>
                                            </div>
                                            <a class="button" href=tab_href(&role.switch_link())>"Switch role"</a>
                                        </li>
                                    }
                                }).collect_view()}
                            </ul>
                            <p class="muted small">"Roles marked “needs MFA” accept only sessions that used multi-factor authentication."</p>
                        }.into_any(),
                        Err(_) => view! { <p class="muted">"Your roles cannot be listed right now."</p> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

/// While a role is held: its permissions in words, with links to the buckets it names.
#[component]
fn WhatTheRoleMayDo(role: RoleSummary) -> impl IntoView {
    let tab = tab_session();
    let permissions = Resource::new(move || tab.clone(), load_role_permissions);
    view! {
        <section class="card" aria-labelledby="role-permissions-heading">
            <h2 id="role-permissions-heading">"What " {role.role_name.clone()} " may do"</h2>
            <Suspense fallback=|| view! { <p class="muted">"Reading the role's policies…"</p> }>
                {move || Suspend::new(async move {
                    match permissions.await {
                        Ok(Some(p)) if p.ended => view! {
                            <div class="alert error" role="alert">
                                "The role session has ended: the role's permissions no longer apply and role actions are refused. Switch back, or renew the role."
                            </div>
                        }.into_any(),
                        Ok(Some(p)) if !p.described => view! {
                            <p class="muted">"The directory does not describe this role's permissions. The cloud decides every action you take with it."</p>
                        }.into_any(),
                        Ok(Some(p)) => view! {
                            {p.description.clone().map(|d| view! { <p class="muted">{d}</p> })}
                            <ul class="permission-list">
                                {p.statements.into_iter().map(|s| view! { <StatementView statement=s /> }).collect_view()}
                            </ul>
                            {(!p.buckets.is_empty()).then(|| view! {
                                <div class="button-row">
                                    {p.buckets.into_iter().map(|b| view! {
                                        <a class="button primary" href=tab_href(&types::buckets::folder_url(&b, ""))>{format!("Open {b}")}</a>
                                    }).collect_view()}
                                </div>
                            })}
                            <p class="muted small">"Anything not allowed here is denied while you hold the role."</p>
                        }.into_any(),
                        Ok(None) => view! { <p class="muted">"You no longer hold a role."</p> }.into_any(),
                        Err(_) => view! { <p class="muted">"The role's permissions cannot be shown right now."</p> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn StatementView(statement: PermissionStatement) -> impl IntoView {
    let allow = statement.effect == "Allow";
    let verb = match (allow, statement.not_actions) {
        (true, false) => "May",
        (true, true) => "May do anything except",
        (false, false) => "May not",
        (false, true) => "May do nothing but",
    };
    let actions: Vec<String> = statement
        .actions
        .iter()
        .map(|a| match action_in_words(a) {
            Some(words) => format!("{words} ({a})"),
            None => a.clone(),
        })
        .collect();
    let place = if statement.not_resources {
        "anywhere except"
    } else {
        "on"
    };
    let resources: Vec<String> = statement
        .resources
        .iter()
        .map(|r| resource_in_words(r).unwrap_or_else(|| r.clone()))
        .collect();
    view! {
        <li class=if allow { "permission allow" } else { "permission deny" }>
            <span class="badge">{statement.effect.clone()}</span>
            <div>
                <p>
                    {verb} " " <strong>{actions.join(", ")}</strong>
                    {(!resources.is_empty()).then(|| view! { " " {place} " " <strong>{resources.join(", ")}</strong> })}
                    {(!statement.conditions.is_empty()).then(|| view! { ", when " {statement.conditions.join(" and ")} })}
                    "."
                </p>
                <p class="muted small">
                    {statement.policy.clone()}
                    {statement.sid.clone().map(|sid| view! { " · " <span class="mono">{sid}</span> })}
                </p>
            </div>
        </li>
    }
}
