//! "Open in AWS console" in the session banner: offered only when the console runs on AWS
//! itself (the AWS backend with AWS's own STS endpoint). A plain form POST: the server trades
//! the held credentials for a federation sign-in URL and redirects there.

//! Whether it is offered comes with the console context (`ConsoleContext::cloud_console`), so
//! the banner renders the same on the server and in the browser.

use leptos::prelude::*;

#[component]
pub fn OpenAwsConsole(
    /// The tab's role session.
    session_id: String,
) -> impl IntoView {
    view! {
        <form method="post" action="/role/aws-console" class="inline-form">
            <input type="hidden" name="role_session" value=session_id />
            <button type="submit" class="button small">"Open in AWS console"</button>
        </form>
    }
}
