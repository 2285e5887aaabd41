//! "Open in AWS console" in the session banner: offered only when the console runs on AWS
//! itself (the AWS backend with AWS's own STS endpoint). A plain form POST: the server trades
//! the held credentials for a federation sign-in URL and redirects there.

use leptos::prelude::*;

/// Whether the cloud below the console has a console of its own to sign in to.
#[server(prefix = "/api", endpoint = "aws_console_available")]
pub async fn aws_console_available() -> Result<bool, ServerFnError> {
    let request = crate::services::server_fn::request().await?;
    Ok(request.state.cloud.offers_console_sign_in())
}

#[component]
pub fn OpenAwsConsole() -> impl IntoView {
    let available = Resource::new(|| (), |_| aws_console_available());
    view! {
        <Suspense fallback=|| ()>
            {move || {
                available.get().and_then(Result::ok).filter(|offered| *offered).map(|_| view! {
                    <form method="post" action="/role/aws-console" class="inline-form">
                        <button type="submit" class="button small">"Open in AWS console"</button>
                    </form>
                })
            }}
        </Suspense>
    }
}
