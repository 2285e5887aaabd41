//! Step-up: an inline dialog that asks for a fresh MFA (a TOTP code or a security key) and then
//! resumes the action that needed it.
//!
//! Use: keep an `open` signal; when a server function answers with
//! [`crate::components::page::is_step_up_required`], remember what was being done, open the dialog, and in
//! `on_verified` dispatch the action again.

use leptos::prelude::*;

use crate::api::mfa::{
    finish_step_up_with_security_key, start_step_up_with_security_key, step_up_with_totp,
};
use crate::components::page::error_message;
use crate::components::webauthn::get_credential;

#[component]
pub fn StepUpDialog(
    /// Shows the dialog; closed again on success or cancel.
    open: RwSignal<bool>,
    /// Runs after a successful MFA (re-dispatch the original action here).
    #[prop(into)]
    on_verified: Callback<()>,
) -> impl IntoView {
    let code = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let done = move || {
        busy.set(false);
        code.set(String::new());
        error.set(None);
        open.set(false);
        on_verified.run(());
    };
    let verify_code = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let value = code.get_untracked();
        busy.set(true);
        leptos::task::spawn_local(async move {
            match step_up_with_totp(value).await {
                Ok(()) => done(),
                Err(e) => {
                    busy.set(false);
                    code.set(String::new());
                    error.set(Some(error_message(&e)));
                }
            }
        });
    };
    let use_key = move |_| {
        busy.set(true);
        error.set(None);
        leptos::task::spawn_local(async move {
            let result = async {
                let options = start_step_up_with_security_key()
                    .await
                    .map_err(|e| error_message(&e))?;
                let credential = get_credential(options).await?;
                finish_step_up_with_security_key(credential)
                    .await
                    .map_err(|e| error_message(&e))
            }
            .await;
            match result {
                Ok(()) => done(),
                Err(message) => {
                    busy.set(false);
                    error.set(Some(message));
                }
            }
        });
    };
    let cancel = move |_| {
        error.set(None);
        code.set(String::new());
        open.set(false);
    };
    view! {
        <Show when=move || open.get()>
            <div class="dialog-backdrop">
                <div class="card dialog" role="dialog" aria-modal="true" aria-labelledby="step-up-heading">
                    <h2 id="step-up-heading">"Confirm with MFA"</h2>
                    <p class="muted">
                        "This action needs a recent multi-factor authentication. Enter a code from your authenticator app, or use your security key."
                    </p>
                    {move || error.get().map(|m| view! { <div class="alert error" role="alert">{m}</div> })}
                    <form class="form" on:submit=verify_code>
                        <label for="step-up-code">"MFA code"</label>
                        <input id="step-up-code" type="text" inputmode="numeric" autocomplete="one-time-code"
                            maxlength="8" required autofocus
                            prop:value=move || code.get()
                            on:input=move |ev| code.set(event_target_value(&ev)) />
                        <div class="button-row">
                            <button type="submit" class="button primary" disabled=move || busy.get()>"Verify"</button>
                            <button type="button" class="button" disabled=move || busy.get() on:click=use_key>"Use security key"</button>
                            <button type="button" class="button subtle" on:click=cancel>"Cancel"</button>
                        </div>
                    </form>
                </div>
            </div>
        </Show>
    }
}
