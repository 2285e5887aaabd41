//! The second sign-in step: a code from an authenticator app (a plain form POST to
//! `/auth/mfa`, working without scripts) or a security key (WebAuthn, needs the WASM).

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::api::mfa::{finish_security_key_sign_in, start_security_key_sign_in};
use crate::components::page::error_message;
use crate::components::webauthn::get_credential;

fn message(code: &str) -> Option<&'static str> {
    Some(match code {
        "invalid" => {
            "The MFA code was not accepted. Enter the current code from your authenticator app."
        }
        "locked" => {
            "Too many failed MFA attempts. MFA is locked for this user for 15 minutes; try again later."
        }
        "unavailable" => "Sign-in is unavailable right now. Please try again later.",
        _ => return None,
    })
}

#[component]
pub fn MfaPage() -> impl IntoView {
    let query = use_query_map();
    let error = message(&query.with_untracked(|q| q.get("error").unwrap_or_default()));
    let key_error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let use_key = move |_| {
        busy.set(true);
        key_error.set(None);
        leptos::task::spawn_local(async move {
            let result = async {
                let options = start_security_key_sign_in()
                    .await
                    .map_err(|e| error_message(&e))?;
                let credential = get_credential(options).await?;
                finish_security_key_sign_in(credential)
                    .await
                    .map_err(|e| error_message(&e))
            }
            .await;
            match result {
                Ok(next) => {
                    #[cfg(feature = "hydrate")]
                    let _ = window().location().set_href(&next);
                    #[cfg(not(feature = "hydrate"))]
                    let _ = next;
                }
                Err(message) => {
                    busy.set(false);
                    key_error.set(Some(message));
                }
            }
        });
    };
    view! {
        <Title text="Multi-factor authentication" />
        <div class="signin-layout">
            <section class="card signin-card" aria-labelledby="mfa-heading">
                <div class="card-icon" aria-hidden="true">
                    <svg viewBox="0 0 24 24" width="28" height="28">
                        <path d="M12 3l7 3v5c0 4.5-3 8.3-7 10-4-1.7-7-5.5-7-10V6l7-3z" fill="none"
                            stroke="currentColor" stroke-width="2" stroke-linejoin="round" />
                        <path d="M9 12l2 2 4-4" fill="none" stroke="currentColor" stroke-width="2"
                            stroke-linecap="round" stroke-linejoin="round" />
                    </svg>
                </div>
                <h1 id="mfa-heading">"Multi-factor authentication"</h1>
                <p class="muted">
                    "Your user is protected with multi-factor authentication. Enter the code shown by your authenticator app, or use your security key."
                </p>
                {error.map(|m| view! { <div class="alert error" role="alert">{m}</div> })}
                <form method="post" action="/auth/mfa" class="form">
                    <label for="mfa-code">"MFA code"</label>
                    <input id="mfa-code" name="code" type="text" inputmode="numeric" pattern="[0-9 ]*"
                        autocomplete="one-time-code" required maxlength="8" autofocus class="code-input" />
                    <button type="submit" class="button primary wide">"Submit"</button>
                </form>
                <div class="divider"><span>"or"</span></div>
                <button type="button" class="button wide key-button" disabled=move || busy.get() on:click=use_key>
                    "Use security key"
                </button>
                {move || key_error.get().map(|m| view! { <div class="alert error" role="alert">{m}</div> })}
                <p class="muted small footer-link"><a href="/signin">"Cancel and sign in again"</a></p>
            </section>
        </div>
    }
}
