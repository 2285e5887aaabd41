//! Pieces every page uses: the header (eyebrow, title, introduction) and the message shown when
//! a server function fails.

use leptos::prelude::*;
use types::error::ConsoleError;

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

/// What to tell the user about a failed server function (every [`ConsoleError`] is written
/// for people, including "the console could not be reached").
pub fn error_message(error: &ConsoleError) -> String {
    error.to_string()
}

/// True when a server function refused because the session's MFA is missing or too old:
/// confirm with a device, then retry.
pub fn is_step_up_required(error: &ConsoleError) -> bool {
    matches!(error, ConsoleError::StepUpRequired)
}

/// A server function's failure as an alert.
#[component]
pub fn ErrorAlert(error: ConsoleError) -> impl IntoView {
    view! { <div class="alert error" role="alert">{error_message(&error)}</div> }
}
