//! The console home: who you are, and what you can do from here.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::identity::{ConsoleContextResource, IdentitySummary, grouped_account_id};

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
            <p class="muted">
                "You are signed in with your own permissions as an IAM user of the "
                <strong>{identity.account_label().to_string()}</strong> " account."
            </p>
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
            <section class="card" aria-labelledby="actions-heading">
                <h2 id="actions-heading">"What you can do"</h2>
                <ul class="action-list">
                    <li>
                        <a href="/switchrole">"Switch role"</a>
                        <span class="muted">" — work in another account with a role's temporary permissions. Your own permissions are suspended while you hold the role."</span>
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
