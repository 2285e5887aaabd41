//! The console home: who you are, and what you can do from here.

use leptos::prelude::*;
use leptos_meta::Title;

use serde::{Deserialize, Serialize};

use crate::identity::{ConsoleContextResource, IdentitySummary, grouped_account_id};

/// A role the signed-in user's own permissions let them request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoleChoice {
    pub account_id: String,
    pub account_alias: Option<String>,
    pub role_name: String,
    pub role_arn: String,
}

impl RoleChoice {
    /// The Switch Role page with this role's fields filled in.
    pub fn switch_link(&self) -> String {
        let query = [
            ("account", self.account_id.as_str()),
            ("roleName", self.role_name.as_str()),
        ]
        .iter()
        .map(|(k, v)| format!("{k}={}", urlencode(v)))
        .collect::<Vec<_>>()
        .join("&");
        format!("/switchrole?{query}")
    }
}

fn urlencode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The roles of the directory that the user's identity policies allow them to assume, and
/// whose trust policy would accept them once they have signed in with MFA. Switching still
/// checks everything again; this only tells people where they can go.
#[server(prefix = "/api", endpoint = "switchable_roles")]
pub async fn load_switchable_roles() -> Result<Vec<RoleChoice>, ServerFnError> {
    use crate::services::server_fn;
    use iam::access::{CallerContext, Identity, authorize};
    let request = server_fn::request().await?;
    let state = &request.state;
    let client = request
        .client
        .ok_or_else(|| server_fn::unavailable("no client address"))?;
    let user = request.user(false).await?;
    let directory = &state.directory;
    let Some(identity) = Identity::user(directory, &user.arn()) else {
        return Ok(Vec::new());
    };
    let now = time::OffsetDateTime::now_utc();
    let caller = CallerContext::at(now)
        .with_mfa(now)
        .with_source_ip(client.0);
    let mut choices = Vec::new();
    for account in directory.accounts() {
        for role in account.roles() {
            let role_arn = role.arn();
            if authorize(directory, &identity, "sts:AssumeRole", &role_arn, &caller).is_allowed() {
                choices.push(RoleChoice {
                    account_id: account.id().to_string(),
                    account_alias: account.alias().map(str::to_string),
                    role_name: role.name().to_string(),
                    role_arn,
                });
            }
        }
    }
    Ok(choices)
}

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
                    <dd class="mono break">{format!("arn:aws:iam::{}:user/{}", identity.account_id, identity.user_name)}</dd>
                </dl>
            </section>
            <RolesYouCanSwitchTo />
            <section class="card" aria-labelledby="actions-heading">
                <h2 id="actions-heading">"What you can do"</h2>
                <ul class="action-list">
                    <li>
                        <a href="/switchrole">"Switch role"</a>
                        <span class="muted">" — work in another account with a role's temporary permissions. Your own permissions are suspended while you hold the role."</span>
                    </li>
                    <li>
                        <a href="/s3">"Buckets"</a>
                        <span class="muted">" — browse, upload, download and delete objects in the buckets your role (or your own permissions) allows."</span>
                    </li>
                    <li>
                        <a href="/security-credentials">"Security credentials"</a>
                        <span class="muted">" — add an authenticator app or a security key. Roles that require MFA trust only sessions that used one."</span>
                    </li>
                </ul>
            </section>
        </div>
    }
}

#[component]
fn RolesYouCanSwitchTo() -> impl IntoView {
    let roles = Resource::new(|| (), |_| load_switchable_roles());
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
                                                <div class="role-name">{role.role_name.clone()}</div>
                                                <div class="muted small">
                                                    {account} " · " <span class="mono">{grouped_account_id(&role.account_id)}</span>
                                                </div>
                                            </div>
                                            <a class="button" href=role.switch_link()>"Switch role"</a>
                                        </li>
                                    }
                                }).collect_view()}
                            </ul>
                            <p class="muted small">"Roles may require that you signed in with MFA."</p>
                        }.into_any(),
                        Err(_) => view! { <p class="muted">"Your roles cannot be listed right now."</p> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}
