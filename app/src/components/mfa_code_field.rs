//! The "MFA code" field of the Switch Role form: shown only once the server has said that the
//! chosen role needs the current code of an AWS MFA device (AWS backend, roles configured with
//! an `mfa_serial`). It stays once shown, so a mistyped code can be corrected.

use leptos::prelude::*;

#[component]
pub fn MfaCodeField<E>(
    /// The server's message for the `token_code` field, if any.
    error: E,
) -> impl IntoView
where
    E: Fn() -> Option<String> + Copy + Send + Sync + 'static,
{
    let shown = RwSignal::new(false);
    Effect::new(move |_| {
        if error().is_some() {
            shown.set(true);
        }
    });
    move || {
        (shown.get() || error().is_some()).then(|| {
            view! {
                <label for="switch-token-code">"MFA code"</label>
                <input id="switch-token-code" name="token_code" type="text" inputmode="numeric"
                    autocomplete="one-time-code" maxlength="6" spellcheck="false"
                    aria-invalid=move || if error().is_some() { "true" } else { "false" }
                    aria-describedby="switch-token-code-hint switch-token-code-error" />
                <p id="switch-token-code-hint" class="hint">
                    "The current 6-digit code of the authenticator app registered in AWS for this role. "
                    "A security key cannot answer this: AWS STS accepts only such codes."
                </p>
                <p id="switch-token-code-error" class="field-error" role="alert">{error}</p>
            }
        })
    }
}
