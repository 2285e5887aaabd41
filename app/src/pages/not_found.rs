use leptos::prelude::*;
use leptos_meta::Title;

/// Shown for any path the console does not know, with HTTP status 404.
#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    {
        if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
            response.set_status(http::StatusCode::NOT_FOUND);
        }
    }
    view! {
        <Title text="Page not found" />
        <section class="card narrow centered">
            <p class="eyebrow">"404"</p>
            <h1>"Page not found"</h1>
            <p>"There is nothing at this address. It may have moved, or the link may be mistyped."</p>
            <a class="button primary" href="/">"Go to the console home"</a>
        </section>
    }
}
