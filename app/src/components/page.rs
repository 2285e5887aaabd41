//! Pieces every page uses: the header (eyebrow, title, introduction) and the message shown when
//! a server function fails.

use leptos::prelude::*;

/// The page's heading block: a small eyebrow above the `h1`, then the introduction (children).
#[component]
pub fn PageHeader(eyebrow: &'static str, title: &'static str, children: Children) -> impl IntoView {
    view! {
        <div class="page-header">
            <p class="eyebrow">{eyebrow}</p>
            <h1>{title}</h1>
            <p class="muted">{children()}</p>
        </div>
    }
}

/// What to tell the user about a failed server function: the server's own message (written for
/// people), or a generic one when the console could not be reached.
pub fn error_message(error: &ServerFnError) -> String {
    match error {
        ServerFnError::ServerError(message) => message.clone(),
        _ => "The console could not be reached. Please try again.".to_string(),
    }
}

/// A server function's failure as an alert.
#[component]
pub fn ErrorAlert(error: ServerFnError) -> impl IntoView {
    view! { <div class="alert error" role="alert">{error_message(&error)}</div> }
}
