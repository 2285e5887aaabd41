//! The role session this browser tab acts in, read from its URL (`/as/ID/…`, see
//! `types::role_sessions`), and the links that keep a tab in it.

use leptos::prelude::*;
use leptos_router::hooks::use_location;
use types::role_sessions::{in_tab, split_tab, with_role_session};

/// The tab's role session ID (`None`: the tab acts as the user).
#[derive(Clone, Copy)]
pub struct TabSession(pub Memo<Option<String>>);

/// Reads the tab's role session from the router's location and provides it to every
/// component below. Call inside the `<Router>`.
pub fn provide_tab_session() -> Memo<Option<String>> {
    let location = use_location();
    let tab = Memo::new(move |_| split_tab(&location.pathname.get()).0.map(str::to_string));
    provide_context(TabSession(tab));
    tab
}

/// The tab's role session ID, as the page was built with. Pages and the chrome are built anew
/// when it changes (other routes; the console context is fetched again), so reading it
/// untracked is enough.
pub fn tab_session() -> Option<String> {
    use_context::<TabSession>().and_then(|tab| tab.0.get_untracked())
}

/// `path` as a page of this tab: `/s3` becomes `/as/ID/s3` in a role session's tab.
pub fn tab_href(path: &str) -> String {
    in_tab(tab_session().as_deref(), path)
}

/// A URL of the server's own routes (downloads, uploads) acting in this tab's role session.
pub fn tab_route(url: &str) -> String {
    with_role_session(url, tab_session().as_deref())
}
