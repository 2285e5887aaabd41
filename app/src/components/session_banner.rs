//! The banner shown on every page while a role is held: which role, which account, its colour,
//! and a live countdown to the credentials' expiry, with "Switch back" and "Renew".

use leptos::prelude::*;

use crate::api::identity::{RoleSummary, grouped_account_id};
use crate::components::open_aws_console::OpenAwsConsole;
use crate::components::role_history::SwitchAgainForm;
use types::role_history::RoleHistoryEntry;
use types::role_sessions::{EndedTab, in_tab};

/// Seconds since the Unix epoch, by the clock of wherever this runs.
pub fn now_seconds() -> i64 {
    #[cfg(feature = "hydrate")]
    {
        (js_sys::Date::now() / 1000.0) as i64
    }
    #[cfg(not(feature = "hydrate"))]
    {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or_default()
    }
}

/// `1:02:03`, `59:59`, `0:05`.
pub fn format_remaining(seconds: i64) -> String {
    let s = seconds.max(0);
    let (h, m, s) = (s / 3600, (s % 3600) / 60, s % 60);
    if h > 0 {
        format!("{h}:{m:02}:{s:02}")
    } else {
        format!("{m}:{s:02}")
    }
}

#[component]
pub fn SessionBanner(
    role: RoleSummary,
    /// The cloud has a console of its own to sign in to (AWS itself).
    cloud_console: bool,
) -> impl IntoView {
    let now = RwSignal::new(now_seconds());
    // Tick every second in the browser; the server renders the value at request time.
    Effect::new(move |_| {
        if let Ok(handle) = set_interval_with_handle(
            move || now.set(now_seconds()),
            std::time::Duration::from_secs(1),
        ) {
            on_cleanup(move || handle.clear());
        }
    });
    let expires_at = role.expires_at;
    let remaining = move || expires_at - now.get();
    let ended = move || remaining() <= 0;
    let account = format!(
        "{} ({})",
        role.account_label(),
        grouped_account_id(&role.account_id)
    );
    let session_id = role.session_id.clone();
    view! {
        <section class="session-banner" class:ended=ended role="region" aria-label="Session"
            style:border-left-color=role.color.clone()>
            <span class="banner-chip" style:background-color=role.color.clone() aria-hidden="true"></span>
            <div class="banner-text">
                <span class="banner-role">{role.display_name.clone()}</span>
                <span class="muted">" · role " <span class="mono">{role.role_name.clone()}</span> " in " {account}</span>
            </div>
            <div class="banner-timer" role="timer" aria-live="off">
                {move || if ended() {
                    "The role session has ended. Role actions are refused; switch back or renew.".to_string()
                } else {
                    format!("{} left", format_remaining(remaining()))
                }}
            </div>
            <form method="post" action="/role/renew" class="inline-form">
                <input type="hidden" name="role_session" value=session_id.clone() />
                <button type="submit" class="button small">"Renew"</button>
            </form>
            {cloud_console.then(|| view! { <OpenAwsConsole session_id=session_id.clone() /> })}
            <SwitchBackForm session_id />
        </section>
    }
}

/// "Switch back": ends the tab's role session only (a plain form POST).
#[component]
pub fn SwitchBackForm(
    session_id: String,
    /// Rendered as an item of the account menu.
    #[prop(optional)]
    menu_item: bool,
) -> impl IntoView {
    view! {
        <form method="post" action="/role/switch-back" class="inline-form">
            <input type="hidden" name="role_session" value=session_id />
            {if menu_item {
                view! { <button role="menuitem" tabindex="-1" type="submit">"Switch back"</button> }.into_any()
            } else {
                view! { <button type="submit" class="button small">"Switch back"</button> }.into_any()
            }}
        </form>
    }
}

/// In place of the banner when the tab's URL names a role session that is not held (any
/// more): the page acts in no role. It says what happened, offers to switch to the role again
/// and to continue with the user's own permissions on the same page.
#[component]
pub fn EndedTabBanner(ended: EndedTab) -> impl IntoView {
    let location = leptos_router::hooks::use_location();
    let own_page = move || {
        let path = format!("{}{}", location.pathname.get(), {
            let search = location.search.get();
            if search.is_empty() {
                String::new()
            } else {
                format!("?{search}")
            }
        });
        in_tab(None, &path)
    };
    let previous = ended.ended.clone();
    let again = previous.as_ref().map(|p| RoleHistoryEntry {
        account_id: p.account_id.clone(),
        account_alias: p.account_alias.clone(),
        role: p.role.clone(),
        display_name: p.display_name.clone(),
        color: p.color.clone(),
        last_used_at: 0,
        uses: 0,
    });
    view! {
        <section class="session-banner ended" role="region" aria-label="Session">
            <span class="banner-chip" style:background-color=previous.as_ref().map(|p| p.color.clone()) aria-hidden="true"></span>
            <div class="banner-text" role="alert">
                <span class="banner-role">
                    {match &previous {
                        Some(p) => format!("This tab's role session ({}) has ended.", p.display_name),
                        None => "This tab's role session has ended, or is not one of yours.".to_string(),
                    }}
                </span>
                <span class="muted">
                    {previous.as_ref().map(|p| format!(" {} ", p.explanation()))}
                    " Nothing is done in this tab until you switch again or continue with your own permissions."
                </span>
            </div>
            {again.map(|entry| view! {
                <SwitchAgainForm entry redirect_uri=Signal::derive(own_page)>"Switch again"</SwitchAgainForm>
            })}
            <a class="button small" href=own_page rel="external">"Continue with your own permissions"</a>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::format_remaining;

    #[test]
    fn remaining_time_reads_like_a_clock() {
        assert_eq!(format_remaining(3723), "1:02:03");
        assert_eq!(format_remaining(3599), "59:59");
        assert_eq!(format_remaining(5), "0:05");
        assert_eq!(format_remaining(-3), "0:00");
    }
}
