//! A small button that copies a value to the clipboard and says so.

use leptos::prelude::*;

#[component]
pub fn CopyButton(
    /// The text copied (read when clicked).
    #[prop(into)]
    value: Signal<String>,
    /// What is copied, for the accessible name: "Copy {what}".
    #[prop(into)]
    what: String,
) -> impl IntoView {
    let copied = RwSignal::new(false);
    let on_click = move |_| {
        #[cfg(feature = "hydrate")]
        {
            let clipboard = window().navigator().clipboard();
            let promise = clipboard.write_text(&value.get_untracked());
            leptos::task::spawn_local(async move {
                if wasm_bindgen_futures::JsFuture::from(promise).await.is_ok() {
                    copied.set(true);
                    set_timeout(move || copied.set(false), std::time::Duration::from_secs(2));
                }
            });
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = &value;
    };
    view! {
        <button type="button" class="icon-button copy-button" aria-label=format!("Copy {what}") on:click=on_click>
            <svg viewBox="0 0 24 24" width="16" height="16" aria-hidden="true">
                <rect x="8" y="8" width="12" height="12" rx="2" fill="none" stroke="currentColor" stroke-width="2" />
                <path d="M16 8V6a2 2 0 0 0-2-2H6a2 2 0 0 0-2 2v8a2 2 0 0 0 2 2h2" fill="none" stroke="currentColor" stroke-width="2" />
            </svg>
            <span class="copy-status" role="status">{move || if copied.get() { "Copied" } else { "" }}</span>
        </button>
    }
}
