//! The sign-in page: account (ID or alias), user name, password.
//!
//! The form is a plain POST to `/auth/sign-in` (it works before and without the WASM). The
//! server answers with a redirect; failures come back as a fixed code in `?error=`, never as
//! text from the request, and the fields the user typed are put back.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::api::identity::ConsoleContextResource;

/// The message for each `?error=` code the server may send back.
fn error_message(code: &str) -> Option<&'static str> {
    Some(match code {
        "invalid" => "Your authentication information is incorrect. Please try again.",
        "malformed" => {
            "The account or user name is too long (at most 64 characters) or contains characters that are not allowed."
        }
        "throttled" => {
            "Too many failed sign-in attempts. Sign-in is paused for this user and address; try again in a few minutes."
        }
        "expired" => "Your session has ended. Please sign in again.",
        "unavailable" => "Sign-in is unavailable right now. Please try again later.",
        _ => return None,
    })
}

#[component]
pub fn SignInPage() -> impl IntoView {
    let query = use_query_map();
    let param = move |name: &str| query.with_untracked(|q| q.get(name).unwrap_or_default());
    let error = error_message(&param("error"));
    let signed_out = param("signed_out") == "1";
    let account = param("account");
    let user = param("user");
    let next = param("next");
    let context = expect_context::<ConsoleContextResource>();
    // Put the cursor where typing is still needed.
    let focus_password = !account.is_empty() && !user.is_empty();

    view! {
        <Title text="Sign in" />
        <div class="signin-layout">
            <section class="card signin-card" aria-labelledby="signin-heading">
                <h1 id="signin-heading">"Sign in"</h1>
                <p class="muted">"Sign in as an IAM user of your organisation's account."</p>
                {error.map(|message| view! { <div class="alert error" role="alert">{message}</div> })}
                {signed_out.then(|| view! { <div class="alert info" role="status">"You have signed out."</div> })}
                <form method="post" action="/auth/sign-in" class="form">
                    <input type="hidden" name="next" value=next />
                    <label for="signin-account">"Account ID or alias"</label>
                    <input id="signin-account" name="account" type="text" required
                        autocomplete="organization" spellcheck="false" autocapitalize="none"
                        value=account autofocus=!focus_password maxlength="64" />
                    <label for="signin-user">"User name"</label>
                    <input id="signin-user" name="username" type="text" required
                        autocomplete="username" spellcheck="false" autocapitalize="none"
                        value=user maxlength="64" />
                    <label for="signin-password">"Password"</label>
                    <input id="signin-password" name="password" type="password" required
                        autocomplete="current-password" autofocus=focus_password maxlength="1024" />
                    <button type="submit" class="button primary wide">"Sign in"</button>
                </form>
            </section>
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    let demo = context.await.map(|c| c.demo).unwrap_or(false);
                    demo.then(|| view! { <DemoCredentials /> })
                })}
            </Suspense>
        </div>
    }
}

/// The demo organisation's public passwords, so a visitor can try the console at once.
#[component]
fn DemoCredentials() -> impl IntoView {
    view! {
        <aside class="card demo-card" aria-labelledby="demo-heading">
            <h2 id="demo-heading">"Demo organisation"</h2>
            <p class="muted">
                "This console runs on the embedded demo. Sign in to account "
                <code>"development"</code> " (" <code>"111122223333"</code> ") as:"
            </p>
            <table class="table compact">
                <thead><tr><th scope="col">"User"</th><th scope="col">"Password"</th><th scope="col">"Group"</th></tr></thead>
                <tbody>
                    <tr><td><code>"alice"</code></td><td><code>"alice-demo-pass"</code></td><td>"Developers: may switch to UpdateAPP"</td></tr>
                    <tr><td><code>"bob"</code></td><td><code>"bob-demo-pass"</code></td><td>"Testers: may not switch"</td></tr>
                    <tr><td><code>"admin"</code></td><td><code>"admin-demo-pass"</code></td><td>"Admins"</td></tr>
                </tbody>
            </table>
        </aside>
    }
}
