//! The Switchyard console's user interface: routes, pages and components, and in [`api`] the
//! server functions behind them.
//!
//! The server-side domain lives in the `console` crate and the shapes both sides know in
//! `types`; server functions are thin: they find the signed-in caller, call `console`, and
//! map the answer.

pub mod api;
pub mod components;
#[cfg(feature = "ssr")]
pub mod content_policy;
pub mod pages;
pub mod tab;

use leptos::prelude::*;
use leptos_meta::{MetaTags, Stylesheet, Title, provide_meta_context};
use leptos_router::{
    MatchNestedRoutes, ParamSegment, SsrMode, StaticSegment,
    components::{Outlet, ParentRoute, Route, Router, Routes},
};

use crate::api::identity::load_console_context;
use crate::components::navbar::Navbar;
use crate::pages::buckets::{BucketPage, BucketsPage, ObjectDetailsPage};
use crate::pages::{
    access_map::AccessMapPage, access_requests::AccessRequestsPage, audit::AuditPageView,
    directory::DirectoryPage, home::HomePage, link_builder::LinkBuilderPage, mfa::MfaPage,
    not_found::NotFound, security_credentials::SecurityCredentialsPage, sign_in::SignInPage,
    simulator::SimulatorPage, switch_role::SwitchRolePage,
};

/// The HTML document around the application, rendered on the server.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    set_page_policy();
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <meta name="color-scheme" content="light dark" />
                <link rel="icon" type="image/svg+xml" href="/favicon.svg" />
                <script src="/webauthn.js" defer></script>
                <HydrationScripts options />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

/// The page's Content-Security-Policy names this response's nonce, which leptos_axum makes
/// per request (it turns on Leptos's `nonce` feature) and Leptos puts on the inline scripts
/// it writes. Without a nonce the server's default policy, with no inline script,
/// stays: the page then does not hydrate, and nothing unsafe runs.
#[cfg(feature = "ssr")]
fn set_page_policy() {
    let Some(nonce) = leptos::nonce::use_nonce() else {
        tracing::error!("no CSP nonce for this page");
        return;
    };
    let Some(response) = use_context::<leptos_axum::ResponseOptions>() else {
        return;
    };
    match http::HeaderValue::from_str(&content_policy::page(&nonce)) {
        Ok(value) => response.insert_header(http::header::CONTENT_SECURITY_POLICY, value),
        Err(e) => tracing::error!("CSP header: {e}"),
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    // Marks the document once the WASM has taken over: CSS fallbacks for script-less use key
    // off it, and so do the end-to-end tests.
    Effect::new(|_| {
        #[cfg(feature = "hydrate")]
        if let Some(root) = document().document_element() {
            let _ = root.set_attribute("data-hydrated", "true");
        }
    });

    view! {
        <Stylesheet id="leptos" href="/pkg/switchyard.css" />
        <Title formatter=|page: String| {
            if page.is_empty() { "Switchyard".to_string() } else { format!("{page} · Switchyard") }
        } />
        <Router>
            <Console />
        </Router>
    }
}

/// The console inside the router: the tab's role session comes from the URL, and with it the
/// console context every component reads.
#[component]
fn Console() -> impl IntoView {
    let tab = tab::provide_tab_session();
    // One resource for "who is signed in, on which organisation, in which role session": the
    // navbar, the banner and every page read it. It is serialised into the page, so hydration
    // does not refetch it. Pages render in order (SsrMode::InOrder) and this resource blocks:
    // the HTML is complete where scripts never run (out-of-order streaming needs script to
    // swap resolved parts in).
    let context = Resource::new_blocking(move || tab.get(), load_console_context);
    provide_context(context);
    view! {
        <a class="skip-link" href="#main">"Skip to content"</a>
        <Navbar />
        <main id="main" class="page">
            <Routes fallback=NotFound>
                <ConsolePages />
                // The same pages in a role session's tab: `/as/ID/…`.
                <ParentRoute path=(StaticSegment("as"), ParamSegment("role_session")) view=Outlet ssr=SsrMode::InOrder>
                    <ConsolePages />
                </ParentRoute>
            </Routes>
        </main>
    }
}

/// Every page of the console, mounted at `/` and under `/as/ID/`.
#[component(transparent)]
fn ConsolePages() -> impl MatchNestedRoutes + Clone {
    view! {
        <Route path=StaticSegment("") view=HomePage ssr=SsrMode::InOrder />
        <Route path=StaticSegment("signin") view=SignInPage ssr=SsrMode::InOrder />
        <Route path=StaticSegment("switchrole") view=SwitchRolePage ssr=SsrMode::InOrder />
        <Route path=(StaticSegment("switchrole"), StaticSegment("links")) view=LinkBuilderPage ssr=SsrMode::InOrder />
        <Route path=StaticSegment("audit") view=AuditPageView ssr=SsrMode::InOrder />
        <Route path=StaticSegment("access-requests") view=AccessRequestsPage ssr=SsrMode::InOrder />
        <Route path=StaticSegment("directory") view=DirectoryPage ssr=SsrMode::InOrder />
        <Route path=(StaticSegment("directory"), StaticSegment("access")) view=AccessMapPage ssr=SsrMode::InOrder />
        <Route path=StaticSegment("simulate") view=SimulatorPage ssr=SsrMode::InOrder />
        <Route path=StaticSegment("mfa") view=MfaPage ssr=SsrMode::InOrder />
        <Route path=StaticSegment("security-credentials") view=SecurityCredentialsPage ssr=SsrMode::InOrder />
        <Route path=StaticSegment("s3") view=BucketsPage ssr=SsrMode::InOrder />
        <Route path=(StaticSegment("s3"), StaticSegment("buckets"), ParamSegment("bucket")) view=BucketPage ssr=SsrMode::InOrder />
        <Route path=(StaticSegment("s3"), StaticSegment("object"), ParamSegment("bucket")) view=ObjectDetailsPage ssr=SsrMode::InOrder />
    }
    .into_inner()
}
