//! The top bar: product name, the demo badge, the account menu of the signed-in user, and,
//! in a role session's tab, the session banner under it (or, when the tab's role session has
//! ended, what happened to it).

use leptos::prelude::*;

use crate::api::identity::ConsoleContextResource;
use crate::components::account_menu::AccountMenu;
use crate::components::session_banner::{EndedTabBanner, SessionBanner};
use crate::tab::tab_href;

#[component]
pub fn Navbar() -> impl IntoView {
    let context = expect_context::<ConsoleContextResource>();
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                let context = context.await.ok();
                let demo = context.as_ref().is_some_and(|c| c.demo);
                let cloud_console = context.as_ref().is_some_and(|c| c.cloud_console);
                let identity = context.and_then(|c| c.identity);
                let role = identity.as_ref().and_then(|i| i.role.clone());
                let ended_tab = identity.as_ref().and_then(|i| i.ended_tab.clone());
                view! {
                    <header class="navbar">
                        <nav class="navbar-inner" aria-label="Console">
                            <a class="brand" href=tab_href("/")>
                                <span class="brand-mark" aria-hidden="true">
                                    <svg viewBox="0 0 24 24" width="22" height="22">
                                        <path d="M3 7h13l-3-3M21 17H8l3 3" fill="none" stroke="currentColor"
                                            stroke-width="2.2" stroke-linecap="round" stroke-linejoin="round" />
                                    </svg>
                                </span>
                                <span class="brand-name">"Switchyard"</span>
                            </a>
                            {demo.then(|| view! {
                                <span class="demo-badge" title="This console runs on the embedded demo organisation. Its passwords are public.">
                                    "demo organisation"
                                </span>
                            })}
                            {identity.is_some().then(|| view! {
                                <a class="nav-link" href=tab_href("/s3")>"Buckets"</a>
                            })}
                            {identity.as_ref().and_then(|i| i.pending_access_requests).map(|pending| view! {
                                <a class="nav-link" href=tab_href("/access-requests")>
                                    "Access requests"
                                    {(pending > 0).then(|| view! {
                                        " " <span class="count-badge">{pending}</span>
                                        <span class="visually-hidden">" pending"</span>
                                    })}
                                </a>
                            })}
                            {identity.as_ref().is_some_and(|i| i.is_admin).then(|| view! {
                                <a class="nav-link" href="/directory">"Directory"</a>
                            })}
                            <span class="navbar-spacer"></span>
                            {identity.map(|identity| view! { <AccountMenu identity /> })}
                        </nav>
                    </header>
                    {role.map(|role| view! { <SessionBanner role cloud_console /> })}
                    {ended_tab.map(|ended| view! { <EndedTabBanner ended /> })}
                }
            })}
        </Suspense>
    }
}
